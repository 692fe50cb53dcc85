/* SPDX-License-Identifier: MIT */
/* activity.c - the activity long-poll (api §9.5): per-entity rings of recent keys, parked
 * connections (MHD suspend/resume) and the timer thread that ends their wait. See activity.h. */
#include "activity.h"
#include "indexer.h"

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_account.h"
#include "store_org.h"
#include "store_workspace.h"
#include "timeutil.h"

#define ACT_ID_MAX 48             /* an entity id (workspace / org / user id) with its NUL */
#define ACT_CLOSE_WAIT_US 2000000 /* activity_close: longest wait for resumed answers */
#define ACT_TICK_US 1000000       /* the timer thread re-checks at least this often */

struct act_key {
    uint64_t seq;
    char key[ACTIVITY_KEY_MAX];
};

struct act_entity {
    char id[ACT_ID_MAX];  /* "" = free slot */
    uint64_t floor;       /* every key of this entity newer than floor is in keys */
    uint64_t last;        /* sequence of its latest key (eviction order) */
    struct act_key *keys; /* ascending seq, unique keys */
    size_t n, cap;
};

struct act_pending {
    char entity[ACT_ID_MAX];
    char key[ACTIVITY_KEY_MAX];
};

/* WANT: the handler asks to park; PARKED: suspended, in the list; WOKEN: resumed; ANSWERED:
 * the reply is queued; DONE: the request ended. From PARKED to the request's end it counts as
 * live (activity_close waits for the replies to be sent, not only queued). */
enum act_state { ACT_NONE, ACT_WANT, ACT_PARKED, ACT_WOKEN, ACT_ANSWERED, ACT_DONE };

/* r->act: what a request noted, and its wait when it is a parked poll. */
struct activity_req {
    struct act_pending *pending; /* ACTIVITY_PENDING_MAX slots, allocated on the first note */
    size_t npending;
    enum act_state state;
    char entity[ACT_ID_MAX];
    uint64_t cursor;
    int64_t deadline_us; /* monotonic */
    struct MHD_Connection *conn;
    struct activity_req *prev, *next; /* in the hub's parked list while ACT_PARKED */
};

struct activity {
    pthread_mutex_t mu;
    pthread_cond_t tick; /* the timer thread waits here (monotonic clock) */
    pthread_cond_t done; /* activity_close waits here for resumed answers */
    pthread_cond_t changed; /* broadcast on every publish (activity_wait_change) */
    activity_listener_fn listener; /* told of every published key, under mu */
    void *listener_ctx;
    pthread_t thread;
    bool thread_started, stop, closing;
    uint64_t start;        /* first sequence of this run (wall clock in microseconds) */
    uint64_t seq;          /* latest sequence handed out */
    uint64_t absent_floor; /* entities not in the table have no key newer than this */
    struct act_entity ents[ACTIVITY_MAX_ENTITIES];
    struct activity_req *parked;
    size_t nparked;
    size_t live; /* parked, resumed or answered, and the request not ended yet */
};

/* ---- rings ------------------------------------------------------------------------------- */

static struct act_entity *entity_find(struct activity *h, const char *id)
{
    for (size_t i = 0; i < ACTIVITY_MAX_ENTITIES; i++)
        if (h->ents[i].id[0] && strcmp(h->ents[i].id, id) == 0)
            return &h->ents[i];
    return NULL;
}

/* The entity's slot, created when absent (evicting the least recently changed one). */
static struct act_entity *entity_get(struct activity *h, const char *id)
{
    struct act_entity *e = entity_find(h, id), *victim = NULL;
    if (e)
        return e;
    for (size_t i = 0; i < ACTIVITY_MAX_ENTITIES; i++) {
        struct act_entity *c = &h->ents[i];
        if (!c->id[0]) {
            victim = c;
            break;
        }
        if (!victim || c->last < victim->last)
            victim = c;
    }
    if (victim->id[0]) {
        /* forget it: a cursor older than its latest key can no longer be answered exactly */
        if (victim->last > h->absent_floor)
            h->absent_floor = victim->last;
        free(victim->keys);
        memset(victim, 0, sizeof(*victim));
    }
    fio_strlcpy(victim->id, id, sizeof(victim->id));
    victim->floor = h->absent_floor;
    victim->last = h->absent_floor;
    return victim;
}

/* Add (or move to the newest place) key with sequence seq. false on OOM (nothing changed). */
static bool entity_add(struct act_entity *e, const char *key, uint64_t seq)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->keys[i].key, key) == 0) {
            memmove(&e->keys[i], &e->keys[i + 1], (e->n - i - 1) * sizeof(e->keys[0]));
            e->n--;
            break;
        }
    if (e->n == ACTIVITY_RING) { /* full: drop the oldest, which raises the floor */
        e->floor = e->keys[0].seq;
        memmove(&e->keys[0], &e->keys[1], (e->n - 1) * sizeof(e->keys[0]));
        e->n--;
    }
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        if (cap > ACTIVITY_RING)
            cap = ACTIVITY_RING;
        struct act_key *k = realloc(e->keys, cap * sizeof(*k));
        if (!k)
            return false;
        e->keys = k;
        e->cap = cap;
    }
    e->keys[e->n].seq = seq;
    fio_strlcpy(e->keys[e->n].key, key, sizeof(e->keys[0].key));
    e->n++;
    e->last = seq;
    return true;
}

/* The answer for (entity, cursor) under the lock: {activity, lastactivity} into r->out.
 * have_cursor false: the current cursor and no keys. *any: whether keys were found. */
static int collect(struct activity *h, struct req *r, const char *entity, bool have_cursor,
                   uint64_t cursor, bool *any)
{
    json_t *keys = json_array();
    char next[24];
    (void)snprintf(next, sizeof(next), "%" PRIu64, h->seq);
    if (!keys)
        return req_fail(r, 500, 0, "Out of memory");
    *any = false;
    if (have_cursor) {
        const struct act_entity *e = entity_find(h, entity);
        uint64_t floor = e ? e->floor : h->absent_floor;
        if (cursor < h->start || cursor > h->seq || cursor < floor) {
            /* Unknown to this run (restart, evicted, foreign): tell the client to refresh. */
            json_array_append_new(keys, json_string("storage"));
            json_array_append_new(keys, json_string("members"));
        } else if (e) {
            for (size_t i = 0; i < e->n; i++)
                if (e->keys[i].seq > cursor)
                    json_array_append_new(keys, json_string(e->keys[i].key));
        }
        *any = json_array_size(keys) > 0;
    }
    if (req_set(r, "activity", keys) != 0 || req_set(r, "lastactivity", json_string(next)) != 0)
        return -1;
    return 0;
}

/* ---- parked connections ------------------------------------------------------------------- */

static void park_unlink(struct activity *h, struct activity_req *a)
{
    if (a->prev)
        a->prev->next = a->next;
    else
        h->parked = a->next;
    if (a->next)
        a->next->prev = a->prev;
    a->prev = a->next = NULL;
    h->nparked--;
}

/* Under the lock: take the waiter off the list and resume its connection; libmicrohttpd then
 * calls the access handler again (activity_resumed answers). The waiter is not touched after
 * the lock is released: its request may be answered and freed at once. */
static void wake(struct activity *h, struct activity_req *a)
{
    park_unlink(h, a);
    a->state = ACT_WOKEN;
    MHD_resume_connection(a->conn);
}

static void *timer_main(void *arg)
{
    struct activity *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        int64_t now = fio_mono_us(), next = now + ACT_TICK_US;
        struct activity_req *a = h->parked;
        for (size_t guard = 0; a && guard <= ACTIVITY_MAX_PARKED; guard++) {
            struct activity_req *nx = a->next;
            if (a->deadline_us <= now)
                wake(h, a);
            else if (a->deadline_us < next)
                next = a->deadline_us;
            a = nx;
        }
        struct timespec ts = {(time_t)(next / 1000000), (long)(next % 1000000) * 1000};
        int rc = pthread_cond_timedwait(&h->tick, &h->mu, &ts);
        (void)rc; /* timeouts and wake-ups are handled alike: re-scan */
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static struct activity_req *act_of(struct req *r)
{
    if (!r->act) {
        r->act = calloc(1, sizeof(struct activity_req));
        if (!r->act)
            req_fail(r, 500, 0, "Out of memory");
    }
    return r->act;
}

/* ---- start / stop ------------------------------------------------------------------------- */

int activity_init(struct server *s)
{
    struct activity *h = calloc(1, sizeof(*h));
    if (!h)
        return -1;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        free(h);
        return -1;
    }
    bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
              pthread_mutex_init(&h->mu, NULL) == 0;
    if (ok && pthread_cond_init(&h->tick, &ca) != 0) {
        pthread_mutex_destroy(&h->mu);
        ok = false;
    }
    if (ok && pthread_cond_init(&h->done, &ca) != 0) {
        pthread_cond_destroy(&h->tick);
        pthread_mutex_destroy(&h->mu);
        ok = false;
    }
    if (ok && pthread_cond_init(&h->changed, &ca) != 0) {
        pthread_cond_destroy(&h->done);
        pthread_cond_destroy(&h->tick);
        pthread_mutex_destroy(&h->mu);
        ok = false;
    }
    pthread_condattr_destroy(&ca);
    if (!ok) {
        free(h);
        return -1;
    }
    int64_t wall = srv_now_us();
    h->start = h->seq = h->absent_floor = wall > 0 ? (uint64_t)wall : 1;
    if (pthread_create(&h->thread, NULL, timer_main, h) != 0) {
        pthread_cond_destroy(&h->changed);
        pthread_cond_destroy(&h->done);
        pthread_cond_destroy(&h->tick);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return -1;
    }
    h->thread_started = true;
    s->act = h;
    return 0;
}

void activity_close(struct server *s)
{
    struct activity *h = s->act;
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->closing = true; /* from now on polls answer at once */
    pthread_cond_broadcast(&h->changed);
    for (size_t guard = 0; h->parked && guard <= ACTIVITY_MAX_PARKED; guard++)
        wake(h, h->parked);
    int64_t until = fio_mono_us() + ACT_CLOSE_WAIT_US;
    for (size_t guard = 0; h->live > 0 && guard < 1000; guard++) {
        if (fio_mono_us() >= until)
            break;
        struct timespec ts = {(time_t)(until / 1000000), (long)(until % 1000000) * 1000};
        (void)pthread_cond_timedwait(&h->done, &h->mu, &ts);
    }
    if (h->live > 0)
        srv_log(s, SRV_LOG_WARN, "activity: %zu resumed polls not completed at shutdown", h->live);
    pthread_mutex_unlock(&h->mu);
}

void activity_free(struct server *s)
{
    struct activity *h = s->act;
    if (!h)
        return;
    if (h->thread_started) {
        pthread_mutex_lock(&h->mu);
        h->stop = true;
        pthread_cond_signal(&h->tick);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->thread, NULL);
    }
    for (size_t i = 0; i < ACTIVITY_MAX_ENTITIES; i++)
        free(h->ents[i].keys);
    pthread_cond_destroy(&h->changed);
    pthread_cond_destroy(&h->done);
    pthread_cond_destroy(&h->tick);
    pthread_mutex_destroy(&h->mu);
    free(h);
    s->act = NULL;
}

/* ---- noting and publishing ---------------------------------------------------------------- */

int activity_note(struct req *r, const char *entity, const char *key)
{
    if (!entity || !*entity || !key || strlen(entity) >= ACT_ID_MAX ||
        strlen(key) >= ACTIVITY_KEY_MAX)
        return 0; /* nothing a poller could name */
    struct activity_req *a = act_of(r);
    if (!a)
        return -1;
    if (!a->pending) {
        a->pending = calloc(ACTIVITY_PENDING_MAX, sizeof(*a->pending));
        if (!a->pending)
            return req_fail(r, 500, 0, "Out of memory");
    }
    for (size_t i = 0; i < a->npending; i++)
        if (strcmp(a->pending[i].entity, entity) == 0 && strcmp(a->pending[i].key, key) == 0)
            return 0;
    if (a->npending == ACTIVITY_PENDING_MAX)
        return 0; /* bulk change: the generic "storage" / "members" noted first still go out */
    fio_strlcpy(a->pending[a->npending].entity, entity, ACT_ID_MAX);
    fio_strlcpy(a->pending[a->npending].key, key, ACTIVITY_KEY_MAX);
    a->npending++;
    return 0;
}

void activity_discard(struct req *r)
{
    if (r->act)
        r->act->npending = 0;
}

/* Publish keys for entity from outside any request (a background worker's change, already
 * committed) and wake its waiters. */
void activity_emit(struct server *s, const char *entity, const char *key)
{
    struct activity *h = s->act;
    if (!h || !entity || !*entity || !key || strlen(entity) >= ACT_ID_MAX ||
        strlen(key) >= ACTIVITY_KEY_MAX)
        return;
    pthread_mutex_lock(&h->mu);
    struct act_entity *e = entity_get(h, entity);
    if (!entity_add(e, key, h->seq + 1))
        e->floor = h->seq + 1;
    h->seq++;
    struct activity_req *w = h->parked;
    for (size_t guard = 0; w && guard <= ACTIVITY_MAX_PARKED; guard++) {
        struct activity_req *nx = w->next;
        if (strcmp(w->entity, entity) == 0)
            wake(h, w);
        w = nx;
    }
    pthread_mutex_unlock(&h->mu);
}

void activity_publish(struct req *r)
{
    struct activity *h = r->srv->act;
    struct activity_req *a = r->act;
    if (!h || !a || a->npending == 0)
        return;
    /* A committed change of a workspace's tree (or of its intelligence flag) is work for the
     * indexer (intel/indexer.h): it reconciles the workspace. */
    for (size_t i = 0; i < a->npending; i++)
        if (strcmp(a->pending[i].key, "storage") == 0)
            intel_notify(r->srv, a->pending[i].entity);
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < a->npending; i++) {
        struct act_entity *e = entity_get(h, a->pending[i].entity);
        if (!entity_add(e, a->pending[i].key, h->seq + 1)) {
            /* out of memory: pollers of this entity get the generic answer instead */
            e->floor = h->seq + 1;
        }
        h->seq++;
    }
    struct activity_req *w = h->parked;
    for (size_t guard = 0; w && guard <= ACTIVITY_MAX_PARKED; guard++) {
        struct activity_req *nx = w->next;
        for (size_t i = 0; i < a->npending; i++)
            if (strcmp(w->entity, a->pending[i].entity) == 0) {
                wake(h, w);
                break;
            }
        w = nx;
    }
    pthread_cond_broadcast(&h->changed);
    /* Under the lock, so that activity_set_listener(NULL) returning means no call is running. */
    for (size_t i = 0; h->listener && i < a->npending; i++)
        h->listener(h->listener_ctx, a->pending[i].entity, a->pending[i].key);
    pthread_mutex_unlock(&h->mu);
    a->npending = 0;
}

void activity_set_listener(struct server *s, activity_listener_fn fn, void *ctx)
{
    struct activity *h = s->act;
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->listener = fn;
    h->listener_ctx = ctx;
    pthread_mutex_unlock(&h->mu);
}

uint64_t activity_seq(struct server *s)
{
    struct activity *h = s->act;
    if (!h)
        return 0;
    pthread_mutex_lock(&h->mu);
    uint64_t v = h->seq;
    pthread_mutex_unlock(&h->mu);
    return v;
}

bool activity_wait_change(struct server *s, uint64_t seen, int64_t until_us)
{
    struct activity *h = s->act;
    if (!h)
        return false;
    bool changed = false;
    pthread_mutex_lock(&h->mu);
    for (size_t guard = 0; guard < 100000; guard++) {
        changed = h->seq != seen;
        if (changed || h->closing || fio_mono_us() >= until_us)
            break;
        struct timespec ts = {(time_t)(until_us / 1000000), (long)(until_us % 1000000) * 1000};
        (void)pthread_cond_timedwait(&h->changed, &h->mu, &ts);
    }
    pthread_mutex_unlock(&h->mu);
    return changed;
}

/* ---- the poll ----------------------------------------------------------------------------- */

bool activity_park(struct req *r, void *conn)
{
    struct activity *h = r->srv->act;
    struct activity_req *a = r->act;
    if (!h || !a || a->state != ACT_WANT || r->err.http)
        return false;
    bool any = false, parked = false;
    pthread_mutex_lock(&h->mu);
    a->state = ACT_NONE;
    /* Re-check under the lock: a change may have been published since the handler ran. */
    if (collect(h, r, a->entity, true, a->cursor, &any) != 0 || any || h->closing) {
        /* answer now */
    } else if (h->nparked >= ACTIVITY_MAX_PARKED) {
        json_decref(r->out);
        r->out = NULL;
        r->retry_after_s = 5;
        req_fail(r, 503, 0, "Too many waiting activity polls; try again");
    } else {
        /* The reply collect() built is dropped: the answer is rebuilt on resume. */
        json_decref(r->out);
        r->out = NULL;
        a->conn = conn;
        a->state = ACT_PARKED;
        a->prev = NULL;
        a->next = h->parked;
        if (h->parked)
            h->parked->prev = a;
        h->parked = a;
        h->nparked++;
        h->live++;
        /* Suspended under the lock, so no publisher can resume it before it is suspended. */
        MHD_suspend_connection(conn);
        pthread_cond_signal(&h->tick);
        parked = true;
    }
    pthread_mutex_unlock(&h->mu);
    return parked;
}

bool activity_resumed(struct req *r)
{
    struct activity *h = r->srv->act;
    struct activity_req *a = r->act;
    if (!h || !a || (a->state != ACT_PARKED && a->state != ACT_WOKEN))
        return false;
    bool any;
    pthread_mutex_lock(&h->mu);
    if (a->state == ACT_PARKED)
        park_unlink(h, a);
    a->state = ACT_ANSWERED;
    (void)collect(h, r, a->entity, true, a->cursor, &any);
    pthread_mutex_unlock(&h->mu);
    return true;
}

void activity_req_end(struct req *r)
{
    struct activity *h = r->srv->act;
    struct activity_req *a = r->act;
    if (!a)
        return;
    if (h && (a->state == ACT_PARKED || a->state == ACT_WOKEN || a->state == ACT_ANSWERED)) {
        pthread_mutex_lock(&h->mu);
        if (a->state == ACT_PARKED)
            park_unlink(h, a);
        a->state = ACT_DONE;
        h->live--;
        pthread_cond_broadcast(&h->done);
        pthread_mutex_unlock(&h->mu);
    }
    activity_publish(r); /* keys noted after the router returned (streaming handlers) */
    free(a->pending);
    free(a);
    r->act = NULL;
}

/* The entity of the path, resolved and authorized: the caller's own user id, a workspace (id
 * or folder_name; any member role) or an org (id or domain; any member role). */
static int resolve_entity(struct req *r, const char *key, char out[ACT_ID_MAX])
{
    if (strlen(key) >= ACT_ID_MAX)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No workspace, organization or user '%.40s'",
                        key);
    if (strcmp(key, r->caller.user_id) == 0) {
        fio_strlcpy(out, key, ACT_ID_MAX);
        return 0;
    }
    /* The caller's role comes with the lookup (store access rows), as the router's does. */
    struct store_ws_access wa;
    enum store_rc rc = STORE(r->st, workspace)->access(r->st, key, r->caller.user_id, &wa);
    if (rc == STORE_OK) {
        fio_strlcpy(out, wa.id, ACT_ID_MAX);
        if (role_parse(wa.role) < ROLE_GUEST)
            return req_fail(r, 403, API_ERR_NOT_MEMBER, "You are not a member of this workspace");
        return 0;
    }
    if (rc != STORE_NOT_FOUND)
        return req_fail_internal(r, "activity workspace");
    struct store_org_access oa;
    rc = STORE(r->st, org)->access(r->st, key, r->caller.user_id, &oa);
    if (rc == STORE_OK) {
        fio_strlcpy(out, oa.id, ACT_ID_MAX);
        if (role_parse(oa.role) < ROLE_MEMBER)
            return req_fail(r, 403, API_ERR_RESTRICTED,
                            "You are not a member of this organization");
        return 0;
    }
    if (rc != STORE_NOT_FOUND)
        return req_fail_internal(r, "activity org");
    bool user = false;
    if (STORE(r->st, account)->user_exists(r->st, key, &user) != STORE_OK)
        return req_fail_internal(r, "activity user");
    if (user)
        return req_fail(r, 403, API_ERR_PERMISSION, "You may poll only your own user id");
    return req_fail(r, 404, API_ERR_NOT_FOUND, "No workspace, organization or user '%s'", key);
}

/* api §9.5: GET /activity/poll/{entity}/?wait=0-95&lastactivity=C[&updated=1] */
int h_activity_poll(struct req *r)
{
    struct activity *h = r->srv->act;
    char entity[ACT_ID_MAX];
    long long wait, cur = 0;
    bool updated; /* accepted (api §9.5); the answer always lists the changed keys */
    if (!h)
        return req_fail_internal(r, "activity hub missing");
    if (!req_param_int(r, "wait", 0, ACTIVITY_WAIT_MAX, 0, &wait) ||
        !req_param_bool(r, "updated", false, &updated))
        return -1;
    const char *c = req_param(r, "lastactivity");
    bool have = c != NULL; /* present: a number ("lastactivity=" is refused) */
    (void)updated;
    if (have && !fio_parse_ll(c, 0, INT64_MAX, &cur))
        return req_fail_param(r, "lastactivity", "invalid",
                              "'lastactivity' must be the value of a previous answer");
    if (resolve_entity(r, req_arg(r, 0), entity) != 0)
        return -1;
    bool any = false;
    pthread_mutex_lock(&h->mu);
    int rc = collect(h, r, entity, have, (uint64_t)cur, &any);
    pthread_mutex_unlock(&h->mu);
    if (rc != 0 || any || !have || wait == 0)
        return rc;
    /* Nothing yet: ask http.c to park the connection (activity_park, after the router). */
    struct activity_req *a = act_of(r);
    if (!a)
        return -1;
    json_decref(r->out);
    r->out = NULL;
    a->state = ACT_WANT;
    fio_strlcpy(a->entity, entity, sizeof(a->entity));
    a->cursor = (uint64_t)cur;
    a->deadline_us = fio_mono_us() + (int64_t)wait * 1000000;
    return 0;
}
