/* SPDX-License-Identifier: MIT */
/* api_lock.c - file locks (fastio/lock.h, api §7): the four typed calls, the keeper thread that
 * heartbeats a held lock, and fastio_with_lock(). The keeper is the library's one background
 * thread: it exists because a lock must be renewed while the caller's own thread
 * is busy doing the work the lock protects; it has its own client (clients are single-thread). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastio/lock.h"

#include "api.h"
#include "buf.h"
#include "client.h"
#include "envelope.h"
#include "rand.h"

#define KEEPER_MIN_INTERVAL_MS 20 /* never heartbeat in a tighter loop than this */
#define KEEPER_RETRY_MAX_MS 1000  /* transient failure: next try within a second */
#define KEEPER_CALL_MIN_MS 200    /* shortest deadline given to one heartbeat call */
#define WAIT_BACKOFF_MIN_MS 25
#define WAIT_BACKOFF_MAX_MS 1000

static enum fastio_status nomem(struct fastio_error *err)
{
    return fio_error_set(err, FASTIO_NOMEM, "out of memory");
}

static bool valid_args(const char *ws, const char *node)
{
    return ws != NULL && ws[0] != '\0' && node != NULL && node[0] != '\0';
}

/* One lock row call. On success *lock (may be NULL) gets the "lock" object, OWNED. On failure
 * with a JSON error body, *lock gets that body minus "error" (the holder keys of a 409). */
static enum fastio_status lock_call(struct fastio_client *c, enum fastio_endpoint ep,
                                    const char *ws, const char *node, const struct fio_plist *pl,
                                    const struct fastio_call_opts *call, json_t **lock,
                                    struct fastio_error *err)
{
    const char *args[2] = {ws, node};
    json_t *resp = NULL;
    enum fastio_status st;
    if (lock != NULL)
        *lock = NULL;
    if (!valid_args(ws, node))
        return fio_error_set(err, FASTIO_INVALID, "workspace and node are required");
    st = fio_client_call_opts(c, ep, args, 2, pl != NULL ? pl->p : NULL, pl != NULL ? pl->n : 0,
                              NULL, call, &resp, err);
    if (st == FASTIO_OK) {
        json_t *v = fastio_result(resp, ep);
        if (!json_is_object(v)) {
            json_decref(resp);
            return fio_api_protocol(err, "lock response has no \"lock\" object");
        }
        if (lock != NULL)
            *lock = json_incref(v);
    } else if (lock != NULL && json_is_object(resp)) {
        json_t *holder = json_deep_copy(resp);
        if (holder != NULL)
            json_object_del(holder, "error");
        *lock = holder; /* best effort: NULL on OOM, the status says what happened */
    }
    json_decref(resp);
    return st;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

FASTIO_API enum fastio_status fastio_lock_acquire(struct fastio_client *c, const char *ws,
                                                  const char *node,
                                                  const struct fastio_lock_opts *opts,
                                                  char **lock_token, json_t **lock,
                                                  struct fastio_error *err)
{
    struct fio_plist pl = {0};
    char dur[24];
    json_t *got = NULL;
    enum fastio_status st;
    int64_t deadline = 0, backoff = WAIT_BACKOFF_MIN_MS;

    if (lock_token != NULL)
        *lock_token = NULL;
    if (lock != NULL)
        *lock = NULL;
    if (lock_token == NULL)
        return fio_error_set(err, FASTIO_INVALID, "lock_token output is required");
    if (opts != NULL) {
        if (opts->duration_s != 0 && (opts->duration_s < FASTIO_LOCK_DURATION_MIN ||
                                      opts->duration_s > FASTIO_LOCK_DURATION_MAX))
            return fio_error_set(err, FASTIO_INVALID, "lock duration must be 60 to 3600 seconds");
        if (opts->duration_s != 0) {
            int w = snprintf(dur, sizeof(dur), "%ld", opts->duration_s);
            (void)w; /* a long always fits */
            fio_plist_add(&pl, "duration", dur);
        }
        fio_plist_add(&pl, "client_info", opts->client_info);
        if (opts->wait_ms > 0)
            deadline = fastio_now_ms() + opts->wait_ms;
    }
    for (;;) {
        json_decref(got);
        got = NULL;
        st = lock_call(c, FASTIO_EP_LOCK_ACQUIRE, ws, node, &pl, NULL, &got, err);
        if (st != FASTIO_CONFLICT || deadline == 0)
            break;
        int64_t left = deadline - fastio_now_ms();
        if (left <= 0)
            break;
        /* jitter: a herd of waiters must not retry in step */
        int64_t nap = WAIT_BACKOFF_MIN_MS / 2 + (int64_t)fio_random_below((uint64_t)backoff);
        sleep_ms(nap < left ? nap : left);
        backoff = backoff * 2 > WAIT_BACKOFF_MAX_MS ? WAIT_BACKOFF_MAX_MS : backoff * 2;
    }
    if (st == FASTIO_OK) {
        const char *tok = json_string_value(json_object_get(got, "lock_token"));
        if (tok == NULL || tok[0] == '\0') {
            json_decref(got);
            return fio_api_protocol(err, "lock response has no lock_token");
        }
        *lock_token = fio_strdup(tok);
        if (*lock_token == NULL) {
            json_decref(got);
            return nomem(err);
        }
        json_object_del(got, "lock_token"); /* the token travels in one place only */
    }
    if (lock != NULL)
        *lock = got;
    else
        json_decref(got);
    return st;
}

FASTIO_API enum fastio_status fastio_lock_status(struct fastio_client *c, const char *ws,
                                                 const char *node, json_t **lock,
                                                 struct fastio_error *err)
{
    json_t *got = NULL;
    enum fastio_status st = lock_call(c, FASTIO_EP_LOCK_STATUS, ws, node, NULL, NULL, &got, err);
    if (st != FASTIO_OK) {
        json_decref(got);
        got = NULL;
    }
    if (lock != NULL)
        *lock = got;
    else
        json_decref(got);
    return st;
}

/* Heartbeat with explicit call options (the keeper bounds each call by the lock's expiry). */
static enum fastio_status heartbeat(struct fastio_client *c, const char *ws, const char *node,
                                    const char *lock_token, const struct fastio_call_opts *call,
                                    json_t **lock, struct fastio_error *err)
{
    struct fio_plist pl = {0};
    if (lock != NULL)
        *lock = NULL;
    if (lock_token == NULL || lock_token[0] == '\0')
        return fio_error_set(err, FASTIO_INVALID, "lock_token is required");
    fio_plist_add(&pl, "lock_token", lock_token);
    json_t *got = NULL;
    enum fastio_status st = lock_call(c, FASTIO_EP_LOCK_HEARTBEAT, ws, node, &pl, call, &got, err);
    if (st == FASTIO_OK && lock != NULL)
        *lock = got;
    else
        json_decref(got);
    return st;
}

FASTIO_API enum fastio_status fastio_lock_heartbeat(struct fastio_client *c, const char *ws,
                                                    const char *node, const char *lock_token,
                                                    json_t **lock, struct fastio_error *err)
{
    return heartbeat(c, ws, node, lock_token, NULL, lock, err);
}

FASTIO_API enum fastio_status fastio_lock_release(struct fastio_client *c, const char *ws,
                                                  const char *node, const char *lock_token,
                                                  struct fastio_error *err)
{
    struct fio_plist pl = {0};
    if (lock_token == NULL || lock_token[0] == '\0')
        return fio_error_set(err, FASTIO_INVALID, "lock_token is required");
    fio_plist_add(&pl, "lock_token", lock_token);
    return lock_call(c, FASTIO_EP_LOCK_RELEASE, ws, node, &pl, NULL, NULL, err);
}

/* ---- the keeper ---------------------------------------------------------------------------- */

struct fastio_lock_keeper {
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    struct {           /* under mu */
        bool stop;
        bool lost;
        struct fastio_error why;
    } synced;
    /* set before the thread starts, then touched by the thread only */
    struct fastio_client *client;
    char *ws, *node, *token;
    fastio_lock_lost_fn on_lost;
    void *userdata;
    int64_t next_ms;    /* monotonic: next heartbeat */
    int64_t expires_ms; /* monotonic: when the lock runs out without a renewal */
};

/* The server's expires_in_ms of a lock object, relative to t0 (the call's start): schedule the
 * next heartbeat at a third of it. */
static void schedule(struct fastio_lock_keeper *k, const json_t *lock, int64_t t0)
{
    json_int_t left = json_integer_value(json_object_get(lock, "expires_in_ms"));
    if (left <= 0)
        left = 1000 * FASTIO_LOCK_DURATION_MIN; /* an older server: assume the minimum */
    int64_t step = (int64_t)left / 3;
    k->expires_ms = t0 + (int64_t)left;
    k->next_ms = t0 + (step > KEEPER_MIN_INTERVAL_MS ? step : KEEPER_MIN_INTERVAL_MS);
}

static bool transient(enum fastio_status st)
{
    return st == FASTIO_NETWORK || st == FASTIO_TIMEOUT || st == FASTIO_SERVER ||
           st == FASTIO_RATE_LIMITED || st == FASTIO_BUSY || st == FASTIO_NOMEM;
}

/* One renewal attempt. true = keep going (renewed, or a transient failure with time left). */
static bool keeper_beat(struct fastio_lock_keeper *k, struct fastio_error *why)
{
    int64_t t0 = fastio_now_ms();
    struct fastio_call_opts call;
    fastio_call_opts_init(&call);
    /* no point in a call outliving the lock */
    int64_t left = k->expires_ms - t0;
    call.timeout_ms = (long)(left > KEEPER_CALL_MIN_MS ? left : KEEPER_CALL_MIN_MS);
    json_t *lock = NULL;
    enum fastio_status st = heartbeat(k->client, k->ws, k->node, k->token, &call, &lock, why);
    if (st == FASTIO_OK) {
        schedule(k, lock, t0);
        json_decref(lock);
        return true;
    }
    int64_t now = fastio_now_ms();
    if (transient(st) && now < k->expires_ms) {
        int64_t retry = (k->expires_ms - now) / 4;
        if (retry > KEEPER_RETRY_MAX_MS)
            retry = KEEPER_RETRY_MAX_MS;
        k->next_ms = now + (retry > KEEPER_MIN_INTERVAL_MS ? retry : KEEPER_MIN_INTERVAL_MS);
        return true;
    }
    if (transient(st)) { /* out of time: the lock has run out on the server by now */
        char msg[sizeof(why->message)];
        int w = snprintf(msg, sizeof(msg), "the lock ran out before it could be renewed (%.400s)",
                         why->message);
        (void)w; /* truncation is acceptable */
        (void)fio_strlcpy(why->message, msg, sizeof(why->message));
        why->status = FASTIO_CONFLICT;
    }
    return false;
}

static void *keeper_main(void *arg)
{
    struct fastio_lock_keeper *k = arg;
    pthread_mutex_lock(&k->mu);
    while (!k->synced.stop) {
        int64_t now = fastio_now_ms();
        if (now < k->next_ms) {
            struct timespec ts = {(time_t)(k->next_ms / 1000), (long)(k->next_ms % 1000) * 1000000L};
            int rc = pthread_cond_timedwait(&k->cv, &k->mu, &ts);
            (void)rc; /* woken, timed out or spurious: the loop re-checks */
            continue;
        }
        pthread_mutex_unlock(&k->mu);
        struct fastio_error why;
        fastio_error_clear(&why);
        bool ok = keeper_beat(k, &why);
        pthread_mutex_lock(&k->mu);
        if (!ok) {
            k->synced.lost = true;
            k->synced.why = why;
            pthread_mutex_unlock(&k->mu);
            if (k->on_lost != NULL)
                k->on_lost(k->userdata, &why);
            return NULL;
        }
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

static void keeper_free(struct fastio_lock_keeper *k)
{
    if (k == NULL)
        return;
    fastio_client_free(k->client);
    free(k->ws);
    free(k->node);
    if (k->token != NULL) {
        explicit_bzero(k->token, strlen(k->token));
        free(k->token);
    }
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

FASTIO_API struct fastio_lock_keeper *fastio_lock_keeper_start(struct fastio_client *c,
                                                               const char *ws, const char *node,
                                                               const char *lock_token,
                                                               fastio_lock_lost_fn on_lost,
                                                               void *userdata,
                                                               struct fastio_error *err)
{
    if (c == NULL || !valid_args(ws, node) || lock_token == NULL || lock_token[0] == '\0') {
        fio_error_set(err, FASTIO_INVALID, "client, workspace, node and lock_token are required");
        return NULL;
    }
    struct fastio_lock_keeper *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        nomem(err);
        return NULL;
    }
    pthread_condattr_t ca;
    bool cond_ok = pthread_condattr_init(&ca) == 0;
    cond_ok = cond_ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
              pthread_cond_init(&k->cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!cond_ok || pthread_mutex_init(&k->mu, NULL) != 0) {
        /* nothing to destroy yet that failed to initialise; both are plain data on Linux */
        free(k);
        fio_error_set(err, FASTIO_NOMEM, "cannot create the keeper's mutex or condition");
        return NULL;
    }
    k->on_lost = on_lost;
    k->userdata = userdata;
    k->ws = fio_strdup(ws);
    k->node = fio_strdup(node);
    k->token = fio_strdup(lock_token);
    if (k->ws == NULL || k->node == NULL || k->token == NULL) {
        nomem(err);
        goto fail;
    }
    k->client = fastio_client_new(fio_client_config(c), err);
    if (k->client == NULL)
        goto fail;
    /* The first beat on the caller's thread: a lost lock fails here, and it learns the time
     * left before the first scheduled beat. */
    k->expires_ms = fastio_now_ms() + 1000 * FASTIO_LOCK_DURATION_MIN;
    int64_t t0 = fastio_now_ms();
    json_t *lock = NULL;
    if (heartbeat(k->client, k->ws, k->node, k->token, NULL, &lock, err) != FASTIO_OK)
        goto fail;
    schedule(k, lock, t0);
    json_decref(lock);
    if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
        fio_error_set(err, FASTIO_NOMEM, "cannot start the keeper thread");
        goto fail;
    }
    k->thread_started = true;
    fastio_error_clear(err);
    return k;
fail:
    keeper_free(k);
    return NULL;
}

FASTIO_API enum fastio_status fastio_lock_keeper_status(struct fastio_lock_keeper *k,
                                                        struct fastio_error *err)
{
    if (k == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no keeper");
    pthread_mutex_lock(&k->mu);
    bool lost = k->synced.lost;
    struct fastio_error why = k->synced.why;
    pthread_mutex_unlock(&k->mu);
    if (!lost) {
        fastio_error_clear(err);
        return FASTIO_OK;
    }
    if (err != NULL)
        *err = why;
    return why.status != FASTIO_OK ? why.status : FASTIO_CONFLICT;
}

FASTIO_API void fastio_lock_keeper_stop(struct fastio_lock_keeper *k)
{
    if (k == NULL)
        return;
    if (k->thread_started) {
        pthread_mutex_lock(&k->mu);
        k->synced.stop = true;
        pthread_cond_signal(&k->cv);
        pthread_mutex_unlock(&k->mu);
        pthread_join(k->thread, NULL);
    }
    keeper_free(k);
}

/* ---- fastio_with_lock ---------------------------------------------------------------------- */

FASTIO_API enum fastio_status fastio_with_lock_ex(struct fastio_client *c, const char *ws,
                                                  const char *node,
                                                  const struct fastio_lock_opts *opts,
                                                  fastio_locked_fn fn, void *userdata,
                                                  struct fastio_error *err)
{
    char *token = NULL;
    struct fastio_error e;
    if (fn == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no function to run under the lock");
    enum fastio_status st = fastio_lock_acquire(c, ws, node, opts, &token, NULL, err);
    if (st != FASTIO_OK)
        return st;
    /* Without a keeper (e.g. a thread cannot start) the lock still holds for its duration;
     * fn runs anyway and its writes are checked by the server. */
    struct fastio_lock_keeper *k = fastio_lock_keeper_start(c, ws, node, token, NULL, NULL, &e);
    fastio_error_clear(err);
    st = fn(userdata, c, token, err);
    fastio_lock_keeper_stop(k);
    /* whatever fn did, let go; the result of the release does not change fn's (lock.h) */
    enum fastio_status rst = fastio_lock_release(c, ws, node, token, &e);
    (void)rst;
    explicit_bzero(token, strlen(token));
    fastio_free(token);
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    else if (err != NULL && err->status == FASTIO_OK)
        err->status = st;
    return st;
}

FASTIO_API enum fastio_status fastio_with_lock(struct fastio_client *c, const char *ws,
                                               const char *node, long duration_s,
                                               fastio_locked_fn fn, void *userdata,
                                               struct fastio_error *err)
{
    struct fastio_lock_opts o = {duration_s, NULL, 0};
    return fastio_with_lock_ex(c, ws, node, &o, fn, userdata, err);
}
