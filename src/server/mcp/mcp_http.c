/* SPDX-License-Identifier: MIT */
/* mcp_http.c - the MCP transports on fastio-server's port (api §10.1): Streamable HTTP at /mcp
 * (POST answered as JSON, or as an SSE body when the call sent notifications; GET opens the
 * session's stream; DELETE ends the session; Mcp-Session-Id; MCP-Protocol-Version checked),
 * the legacy HTTP+SSE transport (GET /sse sends the `endpoint` event, POST /messages?sessionId=
 * answers on that stream), the sessions (bounded in number and idle time), Host/Origin checks
 * against DNS rebinding, and the side routes POST /blob and GET /file/workspace/{ws}/{node}.
 *
 * Streams are libmicrohttpd callback responses: the reader sends what is queued, and with
 * nothing queued it suspends its connection (no worker thread is held); a push resumes it. */
#include <microhttpd.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "activity.h"
#include "b64.h"
#include "mcp.h"
#include "mcp_result.h"
#include "rand.h"
#include "router.h"
#include "store_backend.h"
#include "timeutil.h"

#define STREAM_QUEUE_MAX (4 * 1024 * 1024) /* bytes waiting on one stream; more closes it */
#define KEEPALIVE_US (15 * 1000000LL)
#define CLOSE_WAIT_US (2 * 1000000LL)
/* Resumability (D-121, api §10.3): every event of a /mcp stream has an id "S-N" (S: the stream's
 * number in the session, N: the session's event counter); a session keeps its latest events for
 * a reconnecting GET with Last-Event-ID. */
#define RING_MAX_EVENTS 256
#define RING_MAX_BYTES (1024 * 1024)
#define RING_TTL_US (10 * 60 * 1000000LL)
#define RING_TOTAL_MAX (64 * 1024 * 1024) /* replay bytes of all sessions of the process */
#define RETRY_MS 500        /* the retry: delay sent with a stream's priming event */
#define MCP_MAX_LIVE 128    /* live calls (own thread) in the server; more run in the handler */
#define SESS_MAX_LIVE 16    /* live calls of one session */
#define UPD_QUEUE_MAX 256   /* changed nodes waiting for resource-update notifications */
#define UPD_TARGETS_MAX 64  /* subscriptions notified per changed node */

struct mcp_stream;

/* One event kept for replay: the SSE text as sent (with its id line). */
struct mcp_ev {
    struct mcp_ev *next;
    unsigned sno;
    uint64_t n;
    bool last; /* the stream's final event (a call's response) */
    int64_t at_us;
    size_t len;
    char text[];
};

struct mcp_sess {
    char id[48];
    struct mcp_rpc_sess rpc;
    char token[1100];
    char auth_method[16]; /* api_key | jwt | oauth | bearer */
    char user_id[FIO_PROFILE_ID_SIZE];
    char email[256];
    char pkce_verifier[600];
    bool legacy; /* created by GET /sse */
    bool code_mode;
    bool dead;   /* removed from the table; freed when refs reach 0 */
    int refs;
    int64_t last_us;   /* last activity (a request's arrival or end): the idle timeout */
    int64_t last_req_us; /* last request's arrival: the order in which a full table evicts */
    struct mcp_stream *stream;
    struct mcp_sess *next;
    /* Requests this server sent the client during a live call, waiting for its answer. */
    struct {
        char id[24];
        bool used;
        json_t *resp;
    } ask[4];
    unsigned ask_seq;
    /* Event ids and the replay ring (D-121). */
    unsigned sno_seq;  /* stream numbers handed out */
    uint64_t ev_seq;   /* event numbers handed out */
    uint64_t lost_n;   /* the highest event number dropped from the ring */
    struct mcp_ev *ring, *ring_tail;
    size_t ring_n, ring_bytes;
    unsigned get_sno;  /* the standalone GET stream's number (0: none yet) */
    unsigned live_sno[SESS_MAX_LIVE]; /* streams of calls still running (0: free slot) */
    char ip[64]; /* the client address that opened it (the rate limit of its update checks) */
};

struct mcp_stream {
    struct mcp_state *st;
    struct MHD_Connection *conn;
    struct fio_buf q;
    bool suspended;
    bool closed;
    struct mcp_sess *sess; /* holds a ref */
    int64_t last_write_us;
    struct mcp_stream *next; /* all live streams */
    int refs;  /* libmicrohttpd's response holds one; a live call's thread another */
    bool gone; /* the response is destroyed: nothing reads the queue any more */
    unsigned sno; /* the session stream it carries (events with ids); 0: none (/sse, JSON) */
    bool json;    /* a JSON answer (no keep-alive comments) */
};

struct mcp_blob {
    char id[40];
    char owner[48]; /* session id */
    char *data;
    size_t len;
    int64_t expires_us;
    struct mcp_blob *next;
};

struct mcp_state {
    struct server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* sweeper tick and stream frees */
    pthread_t sweeper;
    bool thread_started;
    bool stop;
    bool closing;
    struct mcp_sess *sessions;
    size_t nsess;
    struct mcp_stream *streams;
    size_t nstreams;
    struct mcp_blob *blobs;
    size_t nblobs;
    size_t nlive; /* live call threads running */
    /* Nodes whose storage changed (activity keys "storage:{node}"), for the sweeper to tell
     * the sessions subscribed to download://workspace/{ws}/{node} (D-121). */
    char upd[UPD_QUEUE_MAX][64];
    size_t n_upd;
};

/* ---- the replay ring (under st->mu) ------------------------------------------------------- */

static atomic_size_t ring_total; /* bytes held by every session's ring */

static void ring_drop_head(struct mcp_sess *ss)
{
    struct mcp_ev *e = ss->ring;
    ss->ring = e->next;
    if (ss->ring == NULL)
        ss->ring_tail = NULL;
    if (e->n > ss->lost_n)
        ss->lost_n = e->n;
    ss->ring_n--;
    ss->ring_bytes -= e->len;
    atomic_fetch_sub(&ring_total, e->len);
    free(e);
}

static void ring_add(struct mcp_sess *ss, unsigned sno, uint64_t n, bool last, const char *text,
                     size_t len)
{
    /* Over the process-wide bound this session's oldest events go first; when that is not
     * enough the event is not kept (a resume past it is refused, never served with a gap). */
    while (ss->ring != NULL && atomic_load(&ring_total) + len > RING_TOTAL_MAX)
        ring_drop_head(ss);
    struct mcp_ev *e = atomic_load(&ring_total) + len <= RING_TOTAL_MAX
                           ? malloc(sizeof(*e) + len + 1)
                           : NULL;
    if (e == NULL) {
        if (n > ss->lost_n)
            ss->lost_n = n; /* a resume past it cannot be served exactly */
        return;
    }
    e->next = NULL;
    e->sno = sno;
    e->n = n;
    e->last = last;
    e->at_us = fio_mono_us();
    e->len = len;
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    if (ss->ring_tail != NULL)
        ss->ring_tail->next = e;
    else
        ss->ring = e;
    ss->ring_tail = e;
    ss->ring_n++;
    ss->ring_bytes += len;
    atomic_fetch_add(&ring_total, len);
    while (ss->ring != NULL && ss->ring != e &&
           (ss->ring_n > RING_MAX_EVENTS || ss->ring_bytes > RING_MAX_BYTES))
        ring_drop_head(ss);
}

static void ring_prune(struct mcp_sess *ss, int64_t now)
{
    for (size_t guard = 0; ss->ring != NULL && guard < RING_MAX_EVENTS + 1; guard++) {
        if (now - ss->ring->at_us <= RING_TTL_US)
            break;
        ring_drop_head(ss);
    }
}

static bool sno_running(const struct mcp_sess *ss, unsigned sno)
{
    for (size_t i = 0; i < SESS_MAX_LIVE; i++)
        if (ss->live_sno[i] == sno)
            return true;
    return false;
}

/* Per-request state (r->mcp_ctx). */
struct mcp_rctx {
    struct mcp_sess *sess; /* a ref, released at the end of the request */
    struct fio_buf blob;   /* POST /blob body */
    char blob_owner[48];
};

/* ---- sessions ----------------------------------------------------------------------------- */

static void sess_free(struct mcp_sess *ss)
{
    if (ss == NULL)
        return;
    explicit_bzero(ss->token, sizeof(ss->token));
    explicit_bzero(ss->pkce_verifier, sizeof(ss->pkce_verifier));
    for (size_t i = 0; i < sizeof(ss->ask) / sizeof(ss->ask[0]); i++)
        json_decref(ss->ask[i].resp);
    while (ss->ring != NULL)
        ring_drop_head(ss);
    free(ss);
}

/* Under st->mu. */
static void sess_unref_locked(struct mcp_sess *ss)
{
    if (ss != NULL && --ss->refs <= 0 && ss->dead)
        sess_free(ss);
}

static void stream_close_locked(struct mcp_stream *sm)
{
    if (sm == NULL || sm->closed || sm->gone)
        return;
    sm->closed = true;
    if (sm->suspended) {
        sm->suspended = false;
        MHD_resume_connection(sm->conn);
    }
}

/* Under st->mu: take ss out of the table and end its stream. */
static void sess_remove_locked(struct mcp_state *st, struct mcp_sess *ss)
{
    for (struct mcp_sess **pp = &st->sessions; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == ss) {
            *pp = ss->next;
            st->nsess--;
            break;
        }
    }
    ss->next = NULL;
    ss->dead = true;
    if (ss->stream != NULL)
        stream_close_locked(ss->stream);
    if (ss->refs <= 0)
        sess_free(ss);
}

/* A session by id, with a ref taken; NULL when unknown. */
static struct mcp_sess *sess_get(struct mcp_state *st, const char *id)
{
    if (id == NULL || strlen(id) >= sizeof(((struct mcp_sess *)0)->id))
        return NULL;
    struct mcp_sess *found = NULL;
    pthread_mutex_lock(&st->mu);
    for (struct mcp_sess *ss = st->sessions; ss != NULL; ss = ss->next) {
        if (strlen(ss->id) == strlen(id) && fio_ct_equal(ss->id, id, strlen(id))) {
            found = ss;
            found->refs++;
            found->last_us = fio_mono_us();
            found->last_req_us = found->last_us;
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return found;
}

static void sess_put(struct mcp_state *st, struct mcp_sess *ss)
{
    if (ss == NULL)
        return;
    pthread_mutex_lock(&st->mu);
    ss->last_us = fio_mono_us();
    sess_unref_locked(ss);
    pthread_mutex_unlock(&st->mu);
}

static struct mcp_sess *sess_new(void)
{
    struct mcp_sess *ss = calloc(1, sizeof(*ss));
    if (ss == NULL)
        return NULL;
    unsigned char raw[18];
    if (!fio_random_bytes(raw, sizeof(raw))) {
        free(ss);
        return NULL;
    }
    fio_b64url_encode(raw, sizeof(raw), ss->id, sizeof(ss->id));
    ss->last_us = fio_mono_us();
    ss->last_req_us = ss->last_us;
    ss->refs = 1;
    return ss;
}

/* Put a new session (holding one ref) into the table; when it is full, the least recently used
 * session without a call in flight or a stream makes room. "Recently used" is by the arrival
 * of its last request, the order a client sees: a request's end is noted by the server after
 * the client already has the answer, so ordering by it let a slow end make an older session
 * look newer. false when none can. */
static bool sess_insert(struct mcp_state *st, struct mcp_sess *ss)
{
    unsigned max = st->srv->cfg.mcp_max_sessions ? st->srv->cfg.mcp_max_sessions
                                                 : MCP_DEFAULT_MAX_SESSIONS;
    pthread_mutex_lock(&st->mu);
    if (st->nsess >= max) {
        struct mcp_sess *lru = NULL;
        for (struct mcp_sess *x = st->sessions; x != NULL; x = x->next)
            if (x->refs == 0 && x->stream == NULL &&
                (lru == NULL || x->last_req_us < lru->last_req_us))
                lru = x;
        if (lru == NULL) {
            pthread_mutex_unlock(&st->mu);
            return false;
        }
        sess_remove_locked(st, lru);
    }
    ss->next = st->sessions;
    st->sessions = ss;
    st->nsess++;
    pthread_mutex_unlock(&st->mu);
    return true;
}

/* The session's credentials (token, method, user, PKCE verifier) are read by calls and written
 * by the auth tool, possibly at the same time on two connections: one lock for them. */
static pthread_mutex_t tok_mu = PTHREAD_MUTEX_INITIALIZER;

void mcp_sess_token(struct mcp_sess *ss, char *out, size_t len, char *method, size_t mlen)
{
    pthread_mutex_lock(&tok_mu);
    fio_strlcpy(out, ss != NULL ? ss->token : "", len);
    if (method != NULL)
        fio_strlcpy(method, ss != NULL ? ss->auth_method : "", mlen);
    pthread_mutex_unlock(&tok_mu);
}

void mcp_sess_set_token(struct mcp_sess *ss, const char *token, const char *method,
                        const char *user_id, const char *email)
{
    if (ss == NULL)
        return;
    pthread_mutex_lock(&tok_mu);
    fio_strlcpy(ss->token, token != NULL ? token : "", sizeof(ss->token));
    fio_strlcpy(ss->auth_method, method != NULL ? method : "", sizeof(ss->auth_method));
    fio_strlcpy(ss->user_id, user_id != NULL ? user_id : "", sizeof(ss->user_id));
    fio_strlcpy(ss->email, email != NULL ? email : "", sizeof(ss->email));
    pthread_mutex_unlock(&tok_mu);
}

void mcp_sess_pkce(struct mcp_sess *ss, char *verifier, size_t vlen, bool set)
{
    if (ss == NULL)
        return;
    pthread_mutex_lock(&tok_mu);
    if (set)
        fio_strlcpy(ss->pkce_verifier, verifier, sizeof(ss->pkce_verifier));
    else
        fio_strlcpy(verifier, ss->pkce_verifier, vlen);
    pthread_mutex_unlock(&tok_mu);
}

bool mcp_sess_code_mode(struct mcp_sess *ss)
{
    return ss != NULL && ss->code_mode;
}

const char *mcp_sess_id(struct mcp_sess *ss)
{
    return ss != NULL ? ss->id : "";
}

void mcp_sess_set_code_mode(struct mcp_sess *ss, bool on)
{
    ss->code_mode = on;
}

/* ---- streams ------------------------------------------------------------------------------ */

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct mcp_stream *sm = cls;
    struct mcp_state *st = sm->st;
    pthread_mutex_lock(&st->mu);
    if (sm->q.len > 0) {
        size_t n = sm->q.len < max ? sm->q.len : max;
        memcpy(buf, sm->q.data, n);
        memmove(sm->q.data, sm->q.data + n, sm->q.len - n);
        sm->q.len -= n;
        pthread_mutex_unlock(&st->mu);
        return (ssize_t)n;
    }
    if (sm->closed) {
        pthread_mutex_unlock(&st->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    /* Nothing to send: park the connection until a push (or the close) resumes it. */
    sm->suspended = true;
    MHD_suspend_connection(sm->conn);
    pthread_mutex_unlock(&st->mu);
    return 0;
}

/* Under st->mu: drop one reference of a stream; the last one frees it. */
static void stream_unref_locked(struct mcp_stream *sm)
{
    if (--sm->refs > 0)
        return;
    fio_buf_release(&sm->q);
    free(sm);
}

static void stream_free(void *cls)
{
    struct mcp_stream *sm = cls;
    struct mcp_state *st = sm->st;
    pthread_mutex_lock(&st->mu);
    for (struct mcp_stream **pp = &st->streams; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == sm) {
            *pp = sm->next;
            st->nstreams--;
            break;
        }
    }
    sm->next = NULL;
    sm->gone = true;
    sm->closed = true;
    struct mcp_sess *ss = sm->sess;
    sm->sess = NULL;
    if (ss != NULL) {
        bool remove = false;
        if (ss->stream == sm) {
            ss->stream = NULL;
            /* A legacy session lives as long as its /sse stream. */
            remove = ss->legacy && !ss->dead;
        }
        if (remove) {
            ss->refs--; /* the stream's ref; sess_remove_locked frees ss when it was the last */
            sess_remove_locked(st, ss);
        } else {
            sess_unref_locked(ss);
        }
    }
    stream_unref_locked(sm);
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

/* Under st->mu: queue text on a stream and wake it. */
static void stream_push_locked(struct mcp_stream *sm, const char *text, size_t n)
{
    if (sm == NULL || sm->closed || sm->gone)
        return;
    if (sm->q.len + n > STREAM_QUEUE_MAX || !fio_buf_append(&sm->q, text, n)) {
        stream_close_locked(sm); /* a reader that does not keep up loses its stream */
        return;
    }
    sm->last_write_us = fio_mono_us();
    if (sm->suspended) {
        sm->suspended = false;
        MHD_resume_connection(sm->conn);
    }
}

/* An SSE "message" event of a JSON-RPC text into b. */
static void sse_event(struct fio_buf *b, const char *event, const char *data)
{
    fio_buf_printf(b, "event: %s\ndata: %s\n\n", event, data);
}

/* Under st->mu: a JSON-RPC message as the next event of session stream sno: numbered, kept for
 * replay, and pushed to the connection(s) carrying that stream now (none while the client is
 * reconnecting). last: the stream ends with it (those connections close after it). */
static void sess_send_locked(struct mcp_state *st, struct mcp_sess *ss, unsigned sno,
                             const char *json, bool last)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    uint64_t n = ++ss->ev_seq;
    fio_buf_printf(&b, "id: %u-%" PRIu64 "\nevent: message\ndata: %s\n\n", sno, n, json);
    if (b.data == NULL) {
        fio_buf_release(&b);
        return;
    }
    ring_add(ss, sno, n, last, b.data, b.len);
    for (struct mcp_stream *sm = st->streams; sm != NULL; sm = sm->next) {
        if (sm->sess != ss || sm->sno != sno)
            continue;
        stream_push_locked(sm, b.data, b.len);
        if (last)
            stream_close_locked(sm);
    }
    fio_buf_release(&b);
}

/* Under st->mu: the priming event of a new stream (2025-11-25: an id and empty data, so that a
 * client can resume from the very start) with the retry: delay, into b. */
static void sess_prime_locked(struct mcp_sess *ss, unsigned sno, struct fio_buf *b)
{
    if (strcmp(ss->rpc.proto, "2025-11-25") < 0)
        return; /* older clients may choke on an event without data */
    uint64_t n = ++ss->ev_seq;
    fio_buf_printf(b, "id: %u-%" PRIu64 "\nretry: %d\ndata: \n\n", sno, n, RETRY_MS);
}

/* ---- blobs (POST /blob, api §10.1) --------------------------------------------------------- */

static void blob_free(struct mcp_blob *b)
{
    free(b->data);
    free(b);
}

int mcp_blob_take(struct server *s, const char *blob_id, const char *owner, char **data,
                  size_t *len)
{
    struct mcp_state *st = s->mcp;
    int rc = -1;
    pthread_mutex_lock(&st->mu);
    for (struct mcp_blob **pp = &st->blobs; *pp != NULL; pp = &(*pp)->next) {
        struct mcp_blob *b = *pp;
        if (strcmp(b->id, blob_id) != 0)
            continue;
        if (strcmp(b->owner, owner) != 0 || b->expires_us < fio_mono_us())
            break;
        *pp = b->next;
        st->nblobs--;
        *data = b->data;
        *len = b->len;
        b->data = NULL;
        blob_free(b);
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

/* ---- resource-update notifications (resources/subscribe) --------------------------------- */

/* activity_listener_fn: a published key; "storage:{node}" queues the node (deduplicated,
 * bounded: past UPD_QUEUE_MAX changes wait for no one). Runs under the hub's lock. */
static void on_activity(void *ctx, const char *entity, const char *key)
{
    (void)entity;
    struct mcp_state *st = ctx;
    if (strncmp(key, "storage:", 8) != 0 || strlen(key + 8) >= sizeof(st->upd[0]))
        return;
    pthread_mutex_lock(&st->mu);
    bool have = false;
    for (size_t i = 0; i < st->n_upd && !have; i++)
        have = strcmp(st->upd[i], key + 8) == 0;
    if (!have && st->n_upd < UPD_QUEUE_MAX) {
        fio_strlcpy(st->upd[st->n_upd++], key + 8, sizeof(st->upd[0]));
        pthread_cond_broadcast(&st->cv);
    }
    pthread_mutex_unlock(&st->mu);
}

/* ws and node of "download://workspace/{ws}/{node}"; false for other URIs. */
static bool download_uri(const char *uri, char *ws, size_t wl, char *node, size_t nl)
{
    if (strncmp(uri, "download://workspace/", 21) != 0)
        return false;
    const char *p = uri + 21, *slash = strchr(p, '/');
    if (slash == NULL || slash == p || (size_t)(slash - p) >= wl || strchr(slash + 1, '/') ||
        slash[1] == '\0' || strlen(slash + 1) >= nl)
        return false;
    memcpy(ws, p, (size_t)(slash - p));
    ws[slash - p] = '\0';
    fio_strlcpy(node, slash + 1, nl);
    return true;
}

/* Under st->mu (released while the router checks access): for each changed node, every
 * session subscribed to its download:// URI that may still read it (a details request through
 * the router with the session's token: a subscription is no way around BOLA) gets
 * notifications/resources/updated on its standalone GET stream, kept for replay like any
 * event of that stream. */
static void notify_updates_locked(struct mcp_state *st)
{
    for (size_t guard = 0; st->n_upd > 0 && !st->closing && guard < UPD_QUEUE_MAX; guard++) {
        char node[64]; /* first in, first out */
        fio_strlcpy(node, st->upd[0], sizeof(node));
        memmove(st->upd[0], st->upd[1], (st->n_upd - 1) * sizeof(st->upd[0]));
        st->n_upd--;
        struct {
            struct mcp_sess *ss;
            char uri[256];
            char ws[96];
        } *t = calloc(UPD_TARGETS_MAX, sizeof(*t));
        if (t == NULL)
            return;
        size_t nt = 0;
        for (struct mcp_sess *ss = st->sessions; ss != NULL && nt < UPD_TARGETS_MAX;
             ss = ss->next) {
            if (ss->get_sno == 0 && !ss->legacy)
                continue; /* no standalone stream ever opened: nowhere to say it */
            for (unsigned i = 0; i < ss->rpc.n_subs && i < MCP_MAX_SUBS && nt < UPD_TARGETS_MAX;
                 i++) {
                char ws[96], nd[96];
                if (!download_uri(ss->rpc.subs[i], ws, sizeof(ws), nd, sizeof(nd)) ||
                    strcmp(nd, node) != 0)
                    continue;
                ss->refs++;
                t[nt].ss = ss;
                fio_strlcpy(t[nt].uri, ss->rpc.subs[i], sizeof(t[nt].uri));
                fio_strlcpy(t[nt].ws, ws, sizeof(t[nt].ws));
                nt++;
            }
        }
        pthread_mutex_unlock(&st->mu);
        for (size_t k = 0; k < nt; k++) {
            char tok[1100], authz[1200];
            mcp_sess_token(t[k].ss, tok, sizeof(tok), NULL, 0);
            bool ok = false;
            if (tok[0] != '\0') {
                snprintf(authz, sizeof(authz), "Bearer %s", tok);
                struct fio_buf path;
                fio_buf_init(&path, 0);
                fio_buf_append_str(&path, "/workspace/");
                fio_url_escape(&path, t[k].ws, strlen(t[k].ws), false, NULL);
                fio_buf_append_str(&path, "/storage/");
                fio_url_escape(&path, node, strlen(node), false, NULL);
                fio_buf_append_str(&path, "/details/");
                struct mcp_ires res;
                ok = path.data != NULL &&
                     mcp_internal(st->srv, t[k].ss->ip, "GET", path.data, NULL, NULL, NULL, NULL,
                                  0, authz, &res) == 0;
                mcp_ires_clear(&res);
                fio_buf_release(&path);
                explicit_bzero(authz, sizeof(authz));
            }
            explicit_bzero(tok, sizeof(tok));
            json_t *n = ok ? json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0", "method",
                                       "notifications/resources/updated", "params", "uri",
                                       t[k].uri)
                           : NULL;
            char *text = n != NULL ? json_dumps(n, JSON_COMPACT) : NULL;
            json_decref(n);
            pthread_mutex_lock(&st->mu);
            if (text != NULL && !t[k].ss->dead && t[k].ss->legacy && t[k].ss->stream != NULL) {
                struct fio_buf b;
                fio_buf_init(&b, 0);
                sse_event(&b, "message", text);
                if (b.data != NULL)
                    stream_push_locked(t[k].ss->stream, b.data, b.len);
                fio_buf_release(&b);
            } else if (text != NULL && !t[k].ss->dead && t[k].ss->get_sno != 0) {
                sess_send_locked(st, t[k].ss, t[k].ss->get_sno, text, false);
            }
            sess_unref_locked(t[k].ss);
            pthread_mutex_unlock(&st->mu);
            free(text);
        }
        free(t);
        pthread_mutex_lock(&st->mu);
    }
}

/* ---- sweeper: idle sessions, keep-alives, expired blobs ---------------------------------- */

static void *sweeper_main(void *arg)
{
    struct mcp_state *st = arg;
    pthread_mutex_lock(&st->mu);
    while (!st->stop) {
        notify_updates_locked(st);
        int64_t now = fio_mono_us();
        long idle_s = st->srv->cfg.mcp_idle_s > 0 ? st->srv->cfg.mcp_idle_s : MCP_DEFAULT_IDLE_S;
        struct mcp_sess *ss = st->sessions;
        for (size_t guard = 0; ss != NULL && guard < 1000000; guard++) {
            struct mcp_sess *next = ss->next;
            if (ss->refs == 0 && ss->stream == NULL && now - ss->last_us > idle_s * 1000000LL)
                sess_remove_locked(st, ss);
            else
                ring_prune(ss, now);
            ss = next;
        }
        for (struct mcp_stream *sm = st->streams; sm != NULL; sm = sm->next) {
            if (!sm->closed && !sm->json && now - sm->last_write_us > KEEPALIVE_US)
                stream_push_locked(sm, ": keepalive\n\n", 14);
            if (sm->sess != NULL && !sm->closed)
                sm->sess->last_us = now; /* a session with an open stream is not idle */
        }
        for (struct mcp_blob **pp = &st->blobs; *pp != NULL;) {
            struct mcp_blob *b = *pp;
            if (b->expires_us < now) {
                *pp = b->next;
                st->nblobs--;
                blob_free(b);
            } else {
                pp = &b->next;
            }
        }
        int64_t until = fio_wall_us() + 1000000;
        struct timespec ts = {(time_t)(until / 1000000), (long)(until % 1000000) * 1000};
        (void)pthread_cond_timedwait(&st->cv, &st->mu, &ts);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

int mcp_start(struct server *s)
{
    struct mcp_state *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return -1;
    st->srv = s;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    if (pthread_create(&st->sweeper, NULL, sweeper_main, st) != 0) {
        pthread_cond_destroy(&st->cv);
        pthread_mutex_destroy(&st->mu);
        free(st);
        return -1;
    }
    st->thread_started = true;
    s->mcp = st;
    activity_set_listener(s, on_activity, st);
    return 0;
}

void mcp_close(struct server *s)
{
    struct mcp_state *st = s->mcp;
    if (st == NULL)
        return;
    activity_set_listener(s, NULL, NULL);
    pthread_mutex_lock(&st->mu);
    st->closing = true;
    pthread_cond_broadcast(&st->cv); /* live calls waiting for the client give up */
    for (struct mcp_stream *sm = st->streams; sm != NULL; sm = sm->next)
        stream_close_locked(sm);
    int64_t until = fio_wall_us() + CLOSE_WAIT_US;
    for (size_t guard = 0; (st->nstreams > 0 || st->nlive > 0) && guard < 1000; guard++) {
        if (fio_wall_us() >= until)
            break;
        struct timespec ts = {(time_t)(until / 1000000), (long)(until % 1000000) * 1000};
        (void)pthread_cond_timedwait(&st->cv, &st->mu, &ts);
    }
    if (st->nstreams > 0 || st->nlive > 0)
        srv_log(s, SRV_LOG_WARN, "mcp: %zu streams and %zu calls still open at shutdown",
                st->nstreams, st->nlive);
    pthread_mutex_unlock(&st->mu);
}

void mcp_free(struct server *s)
{
    struct mcp_state *st = s->mcp;
    if (st == NULL)
        return;
    activity_set_listener(s, NULL, NULL);
    if (st->thread_started) {
        pthread_mutex_lock(&st->mu);
        st->stop = true;
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->sweeper, NULL);
    }
    while (st->sessions != NULL) {
        struct mcp_sess *ss = st->sessions;
        st->sessions = ss->next;
        sess_free(ss);
    }
    while (st->blobs != NULL) {
        struct mcp_blob *b = st->blobs;
        st->blobs = b->next;
        blob_free(b);
    }
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    free(st);
    s->mcp = NULL;
}

/* ---- HTTP helpers ------------------------------------------------------------------------- */

enum mcp_kind mcp_kind_of(const char *url)
{
    if (url == NULL)
        return MCP_K_NONE;
    if (strcmp(url, "/mcp") == 0 || strcmp(url, "/mcp/") == 0)
        return MCP_K_MCP;
    if (strcmp(url, "/sse") == 0 || strcmp(url, "/sse/") == 0)
        return MCP_K_SSE;
    if (strcmp(url, "/messages") == 0 || strcmp(url, "/messages/") == 0)
        return MCP_K_MESSAGES;
    if (strcmp(url, "/blob") == 0 || strcmp(url, "/blob/") == 0)
        return MCP_K_BLOB;
    if (strncmp(url, "/file/workspace/", 16) == 0)
        return MCP_K_FILE;
    if (strcmp(url, "/.well-known/oauth-protected-resource/mcp") == 0)
        return MCP_K_PRM;
    return MCP_K_NONE;
}

static const char *hdr(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static void base_url(struct server *s, char *out, size_t len)
{
    if (s->cfg.public_url != NULL && s->cfg.public_url[0] != '\0') {
        fio_strlcpy(out, s->cfg.public_url, len);
        size_t n = strlen(out);
        if (n > 0 && out[n - 1] == '/')
            out[n - 1] = '\0';
        return;
    }
    bool v6 = strchr(s->cfg.listen_addr, ':') != NULL;
    snprintf(out, len, "%s://%s%s%s:%u", SRV_SCHEME(s), v6 ? "[" : "", s->cfg.listen_addr,
             v6 ? "]" : "", (unsigned)atomic_load(&s->bound_port));
}

/* The host part of "host[:port]" or "[v6]:port" into out (lower case). */
static bool host_part(const char *hp, char *out, size_t len)
{
    size_t n;
    if (hp[0] == '[') {
        const char *end = strchr(hp, ']');
        if (end == NULL)
            return false;
        n = (size_t)(end - hp) + 1;
    } else {
        const char *colon = strchr(hp, ':');
        n = colon != NULL ? (size_t)(colon - hp) : strlen(hp);
    }
    if (n == 0 || n >= len)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = hp[i];
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[n] = '\0';
    return true;
}

/* DNS rebinding (MCP transports, "Security Warning"): the Host (and an Origin, when sent) must
 * name this server: a loopback name, the listen address, or the host of --public-url. */
static bool host_allowed(struct server *s, const char *hostport)
{
    char h[300];
    if (hostport == NULL || !host_part(hostport, h, sizeof(h)))
        return false;
    if (strcmp(h, "localhost") == 0 || strcmp(h, "127.0.0.1") == 0 || strcmp(h, "[::1]") == 0)
        return true;
    char la[80];
    bool v6 = strchr(s->cfg.listen_addr, ':') != NULL;
    snprintf(la, sizeof(la), v6 ? "[%s]" : "%s", s->cfg.listen_addr);
    if (strcmp(la, "0.0.0.0") != 0 && strcmp(la, "[::]") != 0 && strcasecmp(h, la) == 0)
        return true;
    if (s->cfg.public_url != NULL) {
        const char *p = strstr(s->cfg.public_url, "://");
        char ph[300];
        if (p != NULL && host_part(p + 3, ph, sizeof(ph))) {
            char *slash = strchr(ph, '/');
            if (slash != NULL)
                *slash = '\0';
            if (strcmp(ph, h) == 0)
                return true;
        }
    }
    return false;
}

static bool origin_allowed(struct server *s, const char *origin)
{
    if (origin == NULL)
        return true; /* not a browser */
    const char *p = strstr(origin, "://");
    if (p == NULL)
        return false; /* "null" and other opaque origins */
    char hp[300];
    fio_strlcpy(hp, p + 3, sizeof(hp));
    char *slash = strchr(hp, '/');
    if (slash != NULL)
        *slash = '\0';
    return host_allowed(s, hp);
}

/* Queue a response of text (copied) with status and content type; logs via r. */
static int queue_text(struct req *r, void *conn, int status, const char *ctype, const char *text,
                      size_t len, const char *sid)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    if (ctype != NULL)
        MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (sid != NULL && sid[0] != '\0')
        MHD_add_response_header(resp, "Mcp-Session-Id", sid);
    if (status == 401) {
        char base[300], v[400];
        base_url(r->srv, base, sizeof(base));
        snprintf(v, sizeof(v),
                 "Bearer error=\"invalid_token\", resource_metadata=\"%s/.well-known/"
                 "oauth-protected-resource/mcp\"",
                 base);
        MHD_add_response_header(resp, "WWW-Authenticate", v);
    }
    if (status == 405)
        MHD_add_response_header(resp, "Allow", r->mcp_kind == MCP_K_MCP ? "GET, POST, DELETE"
                                               : r->mcp_kind == MCP_K_BLOB ||
                                                         r->mcp_kind == MCP_K_MESSAGES
                                                     ? "POST"
                                                     : "GET");
    r->http_status_sent = status;
    r->bytes_out = len;
    int ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* A JSON-RPC error (id null) as the HTTP answer. */
static int queue_rpc_error(struct req *r, void *conn, int status, int code, const char *msg)
{
    char *t = mcp_rpc_error_text(NULL, code, msg);
    int ret = queue_text(r, conn, status, "application/json", t != NULL ? t : "",
                         t != NULL ? strlen(t) : 0, NULL);
    free(t);
    return ret;
}

/* Validate an Authorization header: 0 = none, 1 = a valid Bearer token (copied to tok), -1 =
 * invalid (wrong scheme, unknown or expired token). */
static int bearer_check(struct server *s, const char *authz, char *tok, size_t len)
{
    tok[0] = '\0';
    if (authz == NULL || authz[0] == '\0')
        return 0;
    if (strncasecmp(authz, "Bearer ", 7) != 0)
        return -1;
    const char *t = authz + 7;
    while (*t == ' ')
        t++;
    if (strlen(t) >= len || t[0] == '\0')
        return -1;
    struct caller c;
    memset(&c, 0, sizeof(c));
    struct store_conn *st = store_acquire(s->store);
    if (st == NULL)
        return -1;
    int rc = auth_resolve_bearer(st, t, &c);
    store_release(s->store, st);
    if (rc != 0)
        return -1;
    fio_strlcpy(tok, t, len);
    return 1;
}

static struct mcp_rctx *rctx_of(struct req *r)
{
    if (r->mcp_ctx == NULL)
        r->mcp_ctx = calloc(1, sizeof(struct mcp_rctx));
    return r->mcp_ctx;
}

void mcp_req_end(struct req *r)
{
    struct mcp_rctx *c = r->mcp_ctx;
    if (c == NULL)
        return;
    if (c->sess != NULL && r->srv->mcp != NULL)
        sess_put(r->srv->mcp, c->sess);
    fio_buf_release(&c->blob);
    free(c);
    r->mcp_ctx = NULL;
}

/* ---- POST /blob as a stream (r->stream) --------------------------------------------------- */

static int blob_on_data(struct req *r, const char *data, size_t len)
{
    struct mcp_rctx *c = r->mcp_ctx;
    if (!fio_buf_append(&c->blob, data, len))
        return req_fail(r, 413, API_ERR_INVALID, "A blob holds at most 100 MB");
    return 0;
}

static int blob_on_finish(struct req *r)
{
    struct mcp_rctx *c = r->mcp_ctx;
    struct mcp_state *st = r->srv->mcp;
    struct mcp_blob *b = calloc(1, sizeof(*b));
    unsigned char raw[16];
    if (b == NULL || !fio_random_bytes(raw, sizeof(raw))) {
        free(b);
        return req_fail_internal(r, "blob");
    }
    fio_hex_encode(raw, sizeof(raw), b->id);
    fio_strlcpy(b->owner, c->blob_owner, sizeof(b->owner));
    b->len = c->blob.len;
    b->data = c->blob.len > 0 ? fio_buf_steal(&c->blob) : calloc(1, 1);
    b->expires_us = fio_mono_us() + MCP_BLOB_TTL_S * 1000000LL;
    if (b->data == NULL) {
        free(b);
        return req_fail_internal(r, "blob");
    }
    /* Once listed, the blob may be taken (and freed) by another request at once: the answer is
     * made from copies. */
    char id[sizeof(b->id)];
    fio_strlcpy(id, b->id, sizeof(id));
    json_int_t len = (json_int_t)b->len;
    pthread_mutex_lock(&st->mu);
    bool full = st->nblobs >= MCP_BLOB_MAX_COUNT;
    if (!full) {
        b->next = st->blobs;
        st->blobs = b;
        st->nblobs++;
        b = NULL; /* the list owns it */
    }
    pthread_mutex_unlock(&st->mu);
    if (b != NULL) {
        blob_free(b);
        return req_fail(r, 429, API_ERR_RATE_LIMITED,
                        "Too many staged blobs; use or let expire the ones staged");
    }
    json_t *o = json_pack("{s:s, s:I}", "blob_id", id, "size", len);
    r->raw_body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    r->raw_type = "application/json";
    r->status_ok = 201;
    return 0;
}

static const struct req_stream blob_stream = {blob_on_data, blob_on_finish, NULL};

/* ---- the request front ------------------------------------------------------------------- */

static bool method_is(const struct req *r, const char *m)
{
    return r->method != NULL && strcmp(r->method, m) == 0;
}

/* The session id of a request: the Mcp-Session-Id header, or ?sessionId= (legacy, /blob). */
static const char *sid_of(struct req *r, void *conn)
{
    const char *sid = hdr(conn, "Mcp-Session-Id");
    if (sid == NULL)
        sid = fio_form_get(&r->query, "sessionId");
    return sid;
}

int mcp_http_begin(struct req *r, void *conn, const char *url)
{
    struct server *s = r->srv;
    if (!host_allowed(s, hdr(conn, "Host")))
        return queue_rpc_error(r, conn, 403, MCP_ERR_INVALID_REQUEST,
                               "Forbidden: the Host header does not name this server (DNS "
                               "rebinding protection; set --public-url for another name)") ==
                       MHD_YES
                   ? 1
                   : -1;
    if (!origin_allowed(s, hdr(conn, "Origin")))
        return queue_rpc_error(r, conn, 403, MCP_ERR_INVALID_REQUEST,
                               "Forbidden: the Origin is not this server (DNS rebinding "
                               "protection)") == MHD_YES
                   ? 1
                   : -1;
    bool ok_method = false;
    switch ((enum mcp_kind)r->mcp_kind) {
    case MCP_K_MCP:
        ok_method = method_is(r, "POST") || method_is(r, "GET") || method_is(r, "DELETE");
        break;
    case MCP_K_SSE:
    case MCP_K_FILE:
    case MCP_K_PRM:
        ok_method = method_is(r, "GET");
        break;
    case MCP_K_MESSAGES:
    case MCP_K_BLOB:
        ok_method = method_is(r, "POST");
        break;
    case MCP_K_NONE:
        break;
    }
    if (!ok_method)
        return queue_rpc_error(r, conn, 405, MCP_ERR_INVALID_REQUEST, "Method not allowed") ==
                       MHD_YES
                   ? 1
                   : -1;
    if (rctx_of(r) == NULL)
        return -1;
    free(r->path);
    r->path = fio_strdup(url); /* the access log names it; /file/ parses it */
    if (r->path == NULL)
        return -1;
    if (r->mcp_kind == MCP_K_FILE)
        return 0;
    if (r->mcp_kind == MCP_K_BLOB) {
        struct mcp_rctx *c = r->mcp_ctx;
        if (r->content_length > MCP_BLOB_MAX) {
            req_fail(r, 413, API_ERR_INVALID, "A blob holds at most 100 MB");
            return 2;
        }
        c->sess = sess_get(s->mcp, sid_of(r, conn));
        if (c->sess == NULL) {
            req_fail(r, 401, API_ERR_AUTH,
                     "POST /blob needs the Mcp-Session-Id header of a live MCP session");
            return 2;
        }
        fio_strlcpy(c->blob_owner, c->sess->id, sizeof(c->blob_owner));
        fio_buf_init(&c->blob, (size_t)MCP_BLOB_MAX);
        r->stream = &blob_stream;
        return 0;
    }
    if (method_is(r, "POST")) {
        if (r->content_length > MCP_MAX_MESSAGE)
            return queue_rpc_error(r, conn, 413, MCP_ERR_INVALID_REQUEST,
                                   "Message too large (limit 4 MiB)") == MHD_YES
                       ? 1
                       : -1;
        fio_buf_release(&r->body);
        fio_buf_init(&r->body, MCP_MAX_MESSAGE);
    }
    return 0;
}

/* Collected notifications of one POST (sent ahead of the response in an SSE body). */
struct emit_buf {
    json_t *list;
};

static void emit_collect(void *ctx, json_t *msg)
{
    struct emit_buf *e = ctx;
    if (msg == NULL)
        return;
    if (e->list == NULL)
        e->list = json_array();
    if (e->list == NULL || json_array_size(e->list) >= 256 ||
        json_array_append_new(e->list, msg) != 0)
        return;
}

static bool accepts(void *conn, const char *type)
{
    const char *a = hdr(conn, "Accept");
    return a == NULL || strstr(a, type) != NULL || strstr(a, "*/*") != NULL;
}

/* Run a message body on a session. The rpc state is used on a copy (another request of the
 * same session may run at once); what a message may change is written back under the lock. */
static char *run_body(struct req *r, struct mcp_sess *ss, const char *bearer, struct emit_buf *e,
                      unsigned *flags)
{
    struct mcp_state *st = r->srv->mcp;
    struct mcp_exec ex;
    memset(&ex, 0, sizeof(ex));
    ex.srv = r->srv;
    ex.sess = ss;
    ex.client_ip = r->client_ip;
    fio_strlcpy(ex.bearer, bearer != NULL ? bearer : "", sizeof(ex.bearer));
    pthread_mutex_lock(&st->mu);
    struct mcp_rpc_sess rpc = ss->rpc;
    pthread_mutex_unlock(&st->mu);
    char *out = mcp_rpc_handle(&mcp_srv_ops, &ex, &rpc, r->body.data != NULL ? r->body.data : "",
                               r->body.len, emit_collect, e, flags);
    pthread_mutex_lock(&st->mu);
    if (*flags & MCP_RPC_INITIALIZE)
        ss->rpc = rpc;
    else {
        ss->rpc.ready = ss->rpc.ready || rpc.ready;
        memcpy(ss->rpc.log_level, rpc.log_level, sizeof(rpc.log_level));
        memcpy(ss->rpc.subs, rpc.subs, sizeof(rpc.subs));
        ss->rpc.n_subs = rpc.n_subs;
    }
    pthread_mutex_unlock(&st->mu);
    explicit_bzero(ex.bearer, sizeof(ex.bearer));
    return out;
}

/* Is the body one initialize request? */
static bool is_initialize(const struct req *r)
{
    json_t *v = json_loadb(r->body.data != NULL ? r->body.data : "", r->body.len, 0, NULL);
    bool yes = json_is_object(v) &&
               json_is_string(json_object_get(v, "method")) &&
               strcmp(json_string_value(json_object_get(v, "method")), "initialize") == 0;
    json_decref(v);
    return yes;
}


/* How a connection stream opens (open_stream). */
struct open_opts {
    const char *first;  /* text queued first (a comment, the legacy endpoint event); NULL */
    bool attach;        /* it is the session's standalone stream (GET /mcp, /sse) */
    bool json;          /* application/json (a live call's answer without SSE) */
    bool new_sno;       /* give it a new session stream number, with a priming event */
    bool live;          /* a live call will run on it: its number is registered as running */
    bool resume;        /* GET with Last-Event-ID: carry stream sno from event after_n on */
    unsigned sno;
    uint64_t after_n;
};

static int open_stream(struct req *r, void *conn, struct mcp_sess *ss,
                       const struct open_opts *o, struct mcp_stream **out, unsigned *sno_out);

/* ---- live calls: the answer is a stream, the call may ask the client or wait -------------- */

#define ASK_TIMEOUT_US (60 * 1000000LL)

struct live {
    struct mcp_state *st;
    struct server *srv;
    struct mcp_sess *ss;    /* a ref */
    struct mcp_stream *sm;  /* JSON answer: the connection (a ref); SSE: NULL */
    unsigned sno;           /* SSE answer: the session stream the call's events go on */
    char *body;
    size_t len;
    char bearer[1100];
    char ip[64];
};

static void live_emit(void *ctx, json_t *msg)
{
    struct live *L = ctx;
    if (L->sno == 0) {
        json_decref(msg); /* a JSON answer has no room for notifications */
        return;
    }
    char *t = msg != NULL ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (t == NULL)
        return;
    pthread_mutex_lock(&L->st->mu);
    sess_send_locked(L->st, L->ss, L->sno, t, false);
    pthread_mutex_unlock(&L->st->mu);
    free(t);
}

static json_t *live_ask(struct mcp_exec *ex, const char *method, json_t *params, char *err,
                        size_t errlen)
{
    struct live *L = ex->live;
    struct mcp_state *st = L->st;
    struct mcp_sess *ss = L->ss;
    pthread_mutex_lock(&st->mu);
    size_t slot = sizeof(ss->ask) / sizeof(ss->ask[0]);
    for (size_t i = 0; i < sizeof(ss->ask) / sizeof(ss->ask[0]) && slot == sizeof(ss->ask) / sizeof(ss->ask[0]); i++)
        if (!ss->ask[i].used)
            slot = i;
    if (slot == sizeof(ss->ask) / sizeof(ss->ask[0])) {
        pthread_mutex_unlock(&st->mu);
        json_decref(params);
        snprintf(err, errlen, "too many requests to the client at once");
        return NULL;
    }
    ss->ask[slot].used = true;
    ss->ask[slot].resp = NULL;
    snprintf(ss->ask[slot].id, sizeof(ss->ask[slot].id), "srv-%u", ++ss->ask_seq);
    json_t *req = json_pack("{s:s, s:s, s:s, s:o}", "jsonrpc", "2.0", "id", ss->ask[slot].id,
                            "method", method, "params", params);
    char *t = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (t != NULL)
        sess_send_locked(st, ss, L->sno, t, false);
    free(t);
    int64_t until = fio_wall_us() + ASK_TIMEOUT_US;
    json_t *resp = NULL;
    for (size_t guard = 0; guard < 100000; guard++) {
        resp = ss->ask[slot].resp;
        if (resp != NULL || st->closing || ss->dead || fio_wall_us() >= until)
            break;
        struct timespec ts = {(time_t)(until / 1000000), (long)(until % 1000000) * 1000};
        (void)pthread_cond_timedwait(&st->cv, &st->mu, &ts);
    }
    ss->ask[slot].resp = NULL;
    ss->ask[slot].used = false;
    pthread_mutex_unlock(&st->mu);
    if (resp == NULL)
        snprintf(err, errlen, "the client did not answer %s in time", method);
    return resp;
}

/* A JSON-RPC response from the client to one of our requests: hand it (stolen: one thread owns
 * a jansson value at a time) to the waiting call. */
static bool deliver_answer(struct mcp_state *st, struct mcp_sess *ss, json_t *msg)
{
    const char *id = json_string_value(json_object_get(msg, "id"));
    bool found = false;
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; id != NULL && i < sizeof(ss->ask) / sizeof(ss->ask[0]) && !found; i++) {
        if (ss->ask[i].used && ss->ask[i].resp == NULL && strcmp(ss->ask[i].id, id) == 0) {
            ss->ask[i].resp = msg;
            found = true;
        }
    }
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    if (!found)
        json_decref(msg);
    return found;
}

bool mcp_stopping(struct server *s)
{
    struct mcp_state *st = s->mcp;
    if (st == NULL)
        return true;
    pthread_mutex_lock(&st->mu);
    bool v = st->closing;
    pthread_mutex_unlock(&st->mu);
    return v;
}

static void *live_main(void *arg)
{
    struct live *L = arg;
    struct mcp_state *st = L->st;
    struct mcp_exec ex;
    memset(&ex, 0, sizeof(ex));
    ex.srv = L->srv;
    ex.sess = L->ss;
    ex.client_ip = L->ip;
    fio_strlcpy(ex.bearer, L->bearer, sizeof(ex.bearer));
    ex.ask = L->sno != 0 ? live_ask : NULL;
    ex.live = L;
    ex.may_wait = true;
    pthread_mutex_lock(&st->mu);
    struct mcp_rpc_sess rpc = L->ss->rpc;
    pthread_mutex_unlock(&st->mu);
    unsigned flags = 0;
    char *out = mcp_rpc_handle(&mcp_srv_ops, &ex, &rpc, L->body, L->len, live_emit, L, &flags);
    pthread_mutex_lock(&st->mu);
    if (L->sno != 0) {
        if (out != NULL)
            sess_send_locked(st, L->ss, L->sno, out, true);
        for (size_t i = 0; i < SESS_MAX_LIVE; i++)
            if (L->ss->live_sno[i] == L->sno)
                L->ss->live_sno[i] = 0;
        /* a connection still carrying the stream ends with it */
        for (struct mcp_stream *sm = st->streams; sm != NULL; sm = sm->next)
            if (sm->sess == L->ss && sm->sno == L->sno)
                stream_close_locked(sm);
    } else {
        if (out != NULL)
            stream_push_locked(L->sm, out, strlen(out));
        stream_close_locked(L->sm);
        stream_unref_locked(L->sm);
    }
    sess_unref_locked(L->ss);
    st->nlive--;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    free(out);
    explicit_bzero(L->bearer, sizeof(L->bearer));
    explicit_bzero(ex.bearer, sizeof(ex.bearer));
    free(L->body);
    free(L);
    return NULL;
}

/* Answer a tools/call live: a stream now (SSE, or JSON sent when the call is done), the call on
 * its own thread. Returns -2 when no live call can start (too many): run it in the handler. */
static int start_live(struct req *r, void *conn, struct mcp_sess *ss, const char *bearer,
                      bool sse)
{
    struct mcp_state *st = r->srv->mcp;
    pthread_mutex_lock(&st->mu);
    size_t running = 0;
    for (size_t i = 0; i < SESS_MAX_LIVE; i++)
        running += ss->live_sno[i] != 0;
    bool full = st->nlive >= MCP_MAX_LIVE || running >= SESS_MAX_LIVE;
    if (!full)
        st->nlive++; /* reserved now: the check and the count under one lock */
    pthread_mutex_unlock(&st->mu);
    if (full)
        return -2;
    struct live *L = calloc(1, sizeof(*L));
    if (L != NULL) {
        L->body = malloc(r->body.len + 1);
        if (L->body == NULL) {
            free(L);
            L = NULL;
        }
    }
    if (L == NULL) {
        pthread_mutex_lock(&st->mu);
        st->nlive--;
        pthread_mutex_unlock(&st->mu);
        return MHD_NO;
    }
    L->st = st;
    L->srv = r->srv;
    L->len = r->body.len;
    memcpy(L->body, r->body.data != NULL ? r->body.data : "", r->body.len);
    L->body[r->body.len] = '\0';
    fio_strlcpy(L->bearer, bearer, sizeof(L->bearer));
    fio_strlcpy(L->ip, r->client_ip, sizeof(L->ip));
    struct mcp_stream *sm = NULL;
    unsigned sno = 0;
    struct open_opts o = {.json = !sse, .new_sno = sse, .live = sse};
    int ret = open_stream(r, conn, ss, &o, sse ? NULL : &sm, &sno);
    if ((sse && sno == 0) || (!sse && sm == NULL)) {
        pthread_mutex_lock(&st->mu);
        st->nlive--;
        pthread_mutex_unlock(&st->mu);
        free(L->body);
        free(L);
        return ret;
    }
    L->sm = sm;
    L->sno = sno;
    pthread_mutex_lock(&st->mu);
    ss->refs++;
    L->ss = ss;
    pthread_mutex_unlock(&st->mu);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&(pthread_t){0}, &at, live_main, L) != 0) {
        pthread_mutex_lock(&st->mu);
        if (sno != 0) {
            for (size_t i = 0; i < SESS_MAX_LIVE; i++)
                if (ss->live_sno[i] == sno)
                    ss->live_sno[i] = 0;
            sess_send_locked(st, ss, sno,
                             "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,"
                             "\"message\":\"cannot start the call\"}}",
                             true);
        } else {
            stream_close_locked(sm);
            stream_unref_locked(sm);
        }
        sess_unref_locked(ss);
        st->nlive--;
        pthread_mutex_unlock(&st->mu);
        free(L->body);
        free(L);
    }
    pthread_attr_destroy(&at);
    return ret;
}

/* What a POST body is, read once: a response of the client, a call that runs live (its answer
 * a stream: it asks the client, it reports progress or log lines, or it waits), or other. */
enum post_kind { PK_OTHER, PK_ANSWER, PK_LIVE, PK_LIVE_JSON };

/* tools/call arguments that make a call wait (event activity-poll / upload web-import with a
 * wait > 0). */
static bool call_waits(const char *name, const json_t *args)
{
    const char *action = json_string_value(json_object_get(args, "action"));
    json_t *w = json_object_get(args, "wait");
    bool waits = (json_is_integer(w) && json_integer_value(w) > 0) ||
                 (json_is_string(w) && strtol(json_string_value(w), NULL, 10) > 0);
    if (name == NULL || action == NULL || !waits)
        return false;
    return (strcmp(name, "event") == 0 &&
            (strcmp(action, "activity-poll") == 0 || strcmp(action, "activity_poll") == 0)) ||
           (strcmp(name, "upload") == 0 &&
            (strcmp(action, "web-import") == 0 || strcmp(action, "web_import") == 0));
}

static enum post_kind post_kind_of(const struct req *r, void *conn, struct mcp_sess *ss,
                                   json_t **msg)
{
    *msg = NULL;
    json_t *v = json_loadb(r->body.data != NULL ? r->body.data : "", r->body.len, 0, NULL);
    if (!json_is_object(v)) {
        json_decref(v);
        return PK_OTHER;
    }
    if (json_object_get(v, "method") == NULL &&
        (json_object_get(v, "result") != NULL || json_object_get(v, "error") != NULL)) {
        *msg = v;
        return PK_ANSWER;
    }
    const char *m = json_string_value(json_object_get(v, "method"));
    json_t *params = json_object_get(v, "params");
    const char *name = json_string_value(json_object_get(params, "name"));
    enum post_kind k = PK_OTHER;
    if (m != NULL && strcmp(m, "tools/call") == 0 && name != NULL &&
        json_object_get(v, "id") != NULL) {
        const char *a = hdr(conn, "Accept");
        bool sse = a != NULL && strstr(a, "text/event-stream") != NULL;
        bool ptok = json_object_get(json_object_get(params, "_meta"), "progressToken") != NULL;
        struct mcp_state *st = r->srv->mcp;
        pthread_mutex_lock(&st->mu);
        bool logs = ss->rpc.log_level[0] != '\0';
        pthread_mutex_unlock(&st->mu);
        if (sse && (mcp_tool_asks(name) || ptok || logs))
            k = PK_LIVE;
        else if (call_waits(name, json_object_get(params, "arguments")))
            k = sse ? PK_LIVE : PK_LIVE_JSON;
    }
    json_decref(v);
    return k;
}


static int post_mcp(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_state *st = s->mcp;
    struct mcp_rctx *c = r->mcp_ctx;
    if (strncasecmp(r->content_type, "application/json", 16) != 0)
        return queue_rpc_error(r, conn, 415, MCP_ERR_INVALID_REQUEST,
                               "Content-Type must be application/json");
    if (!accepts(conn, "application/json") && !accepts(conn, "text/event-stream"))
        return queue_rpc_error(r, conn, 406, MCP_ERR_INVALID_REQUEST,
                               "Not Acceptable: accept application/json and text/event-stream");
    const char *pv = hdr(conn, "MCP-Protocol-Version");
    if (pv != NULL && !mcp_proto_supported(pv))
        return queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                               "Unsupported MCP-Protocol-Version; supported: 2025-11-25, "
                               "2025-06-18, 2025-03-26, 2024-11-05");
    char bearer[1100];
    if (bearer_check(s, hdr(conn, "Authorization"), bearer, sizeof(bearer)) < 0)
        return queue_rpc_error(r, conn, 401, MCP_ERR_INVALID_REQUEST,
                               "The Bearer token is invalid or has expired; send a valid one or "
                               "none (then sign in with the auth tool)");
    const char *sid = hdr(conn, "Mcp-Session-Id");
    bool created = false;
    if (sid != NULL) {
        c->sess = sess_get(st, sid);
        if (c->sess == NULL)
            return queue_rpc_error(r, conn, 404, MCP_ERR_INVALID_REQUEST,
                                   "Session not found (expired or ended); initialize a new one");
        /* A supported MCP-Protocol-Version other than the negotiated one is accepted: the
         * session keeps its version (the conformance suite sends 2025-03-26 on a 2025-11-25
         * session; D-067). */
    } else {
        if (!is_initialize(r))
            return queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                                   "Bad Request: no Mcp-Session-Id; the first message must be "
                                   "an initialize request");
        c->sess = sess_new();
        if (c->sess == NULL)
            return MHD_NO;
        fio_strlcpy(c->sess->ip, r->client_ip, sizeof(c->sess->ip));
        created = true;
    }
    if (!created) {
        json_t *msg = NULL;
        enum post_kind pk = post_kind_of(r, conn, c->sess, &msg);
        if (pk == PK_ANSWER) {
            deliver_answer(st, c->sess, msg);
            explicit_bzero(bearer, sizeof(bearer));
            return queue_text(r, conn, 202, NULL, "", 0, NULL);
        }
        if (pk == PK_LIVE || pk == PK_LIVE_JSON) {
            int ret = start_live(r, conn, c->sess, bearer, pk == PK_LIVE);
            if (ret != -2) {
                explicit_bzero(bearer, sizeof(bearer));
                return ret;
            }
            /* too many live calls: this one runs here (it then neither waits nor streams) */
        }
    }
    struct emit_buf e = {NULL};
    unsigned flags = 0;
    char *out = run_body(r, c->sess, bearer, &e, &flags);
    /* A session opened with a Bearer token keeps it: /file and /blob then work with the
     * session id alone (api §10.1), as after a sign-in through the auth tool. */
    if (created && (flags & MCP_RPC_INITIALIZE) && bearer[0] != '\0')
        mcp_sess_set_token(c->sess, bearer, "bearer", "", "");
    explicit_bzero(bearer, sizeof(bearer));
    const char *sid_hdr = NULL;
    if (created) {
        if (flags & MCP_RPC_INITIALIZE) {
            if (!sess_insert(st, c->sess)) {
                sess_free(c->sess); /* never listed: nobody else holds it */
                c->sess = NULL;
                free(out);
                json_decref(e.list);
                return queue_rpc_error(r, conn, 503, MCP_ERR_INTERNAL,
                                       "Too many MCP sessions; try again later");
            }
            sid_hdr = c->sess->id;
        } else {
            /* initialize refused (bad params): no session comes of it */
            sess_free(c->sess);
            c->sess = NULL;
        }
    }
    int ret;
    if (!(flags & MCP_RPC_REQUESTS)) {
        ret = queue_text(r, conn, 202, NULL, "", 0, sid_hdr);
    } else if (e.list != NULL && accepts(conn, "text/event-stream") && out != NULL) {
        /* The call's notifications (progress, log) then its response, on the call's stream:
         * numbered and kept for replay like a live stream's (D-121). */
        struct fio_buf b;
        fio_buf_init(&b, 0);
        size_t i;
        json_t *n;
        pthread_mutex_lock(&st->mu);
        unsigned sno = ++c->sess->sno_seq;
        json_array_foreach(e.list, i, n)
        {
            char *t = json_dumps(n, JSON_COMPACT);
            if (t != NULL) {
                size_t from = b.len;
                uint64_t en = ++c->sess->ev_seq;
                fio_buf_printf(&b, "id: %u-%" PRIu64 "\nevent: message\ndata: %s\n\n", sno, en,
                               t);
                if (b.len > from)
                    ring_add(c->sess, sno, en, false, b.data + from, b.len - from);
            }
            free(t);
        }
        size_t from = b.len;
        uint64_t en = ++c->sess->ev_seq;
        fio_buf_printf(&b, "id: %u-%" PRIu64 "\nevent: message\ndata: %s\n\n", sno, en, out);
        if (b.len > from)
            ring_add(c->sess, sno, en, true, b.data + from, b.len - from);
        pthread_mutex_unlock(&st->mu);
        ret = queue_text(r, conn, 200, "text/event-stream", b.data != NULL ? b.data : "", b.len,
                         sid_hdr);
        fio_buf_release(&b);
    } else {
        ret = queue_text(r, conn, (flags & MCP_RPC_BAD) ? 400 : 200, "application/json",
                         out != NULL ? out : "", out != NULL ? strlen(out) : 0, sid_hdr);
    }
    free(out);
    json_decref(e.list);
    return ret;
}

/* Open a stream on conn for session ss (see struct open_opts). *out (when not NULL) gets the
 * stream with a second reference for the caller; *sno_out the session stream number it
 * carries (0 when none or on failure). */
static int open_stream(struct req *r, void *conn, struct mcp_sess *ss,
                       const struct open_opts *o, struct mcp_stream **out, unsigned *sno_out)
{
    struct mcp_state *st = r->srv->mcp;
    if (sno_out != NULL)
        *sno_out = 0;
    struct mcp_stream *sm = calloc(1, sizeof(*sm));
    if (sm == NULL)
        return MHD_NO;
    sm->st = st;
    sm->conn = conn;
    sm->refs = out != NULL ? 2 : 1;
    fio_buf_init(&sm->q, 0);
    sm->last_write_us = fio_mono_us();
    sm->json = o->json;
    if (o->first != NULL)
        fio_buf_append_str(&sm->q, o->first);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_reader, sm,
                                          stream_free);
    if (resp == NULL) {
        fio_buf_release(&sm->q);
        free(sm);
        return MHD_NO;
    }
    pthread_mutex_lock(&st->mu);
    bool live_full = false;
    size_t slot = SESS_MAX_LIVE;
    if (o->live) {
        for (size_t i = 0; i < SESS_MAX_LIVE && slot == SESS_MAX_LIVE; i++)
            if (ss->live_sno[i] == 0)
                slot = i;
        live_full = slot == SESS_MAX_LIVE;
    }
    if (st->closing || ss->dead || live_full) {
        if (out != NULL)
            sm->refs--; /* no call will run */
        pthread_mutex_unlock(&st->mu);
        MHD_destroy_response(resp); /* stream_free runs: it takes the lock, so unlock first */
        return queue_rpc_error(r, conn, 503, MCP_ERR_INTERNAL,
                               live_full ? "Too many calls running in this session"
                                         : "The server is stopping");
    }
    if (o->new_sno) {
        sm->sno = ++ss->sno_seq;
        sess_prime_locked(ss, sm->sno, &sm->q);
        if (o->live)
            ss->live_sno[slot] = sm->sno;
        if (o->attach)
            ss->get_sno = sm->sno;
    } else if (o->resume) {
        /* Replay what the stream sent after the client's last event, then go on with it when
         * it is still open (the standalone stream, a call still running); else end. */
        sm->sno = o->sno;
        bool open = o->sno == ss->get_sno || sno_running(ss, o->sno);
        for (struct mcp_ev *e = ss->ring; e != NULL; e = e->next)
            if (e->sno == o->sno && e->n > o->after_n)
                (void)fio_buf_append(&sm->q, e->text, e->len);
        if (!open)
            sm->closed = true; /* the reader sends the queue, then ends */
    }
    if (o->attach) {
        if (ss->stream != NULL)
            stream_close_locked(ss->stream); /* a resumed standalone stream replaces the old */
        ss->stream = sm;
    }
    ss->refs++;
    sm->sess = ss;
    sm->next = st->streams;
    st->streams = sm;
    st->nstreams++;
    if (sno_out != NULL)
        *sno_out = sm->sno;
    pthread_mutex_unlock(&st->mu);
    if (out != NULL)
        *out = sm;
    MHD_add_response_header(resp, "Content-Type", o->json ? "application/json"
                                                          : "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    MHD_add_response_header(resp, "Mcp-Session-Id", ss->id);
    r->http_status_sent = 200;
    int ret = MHD_queue_response(conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int get_mcp(struct req *r, void *conn)
{
    struct mcp_rctx *c = r->mcp_ctx;
    struct mcp_state *st = r->srv->mcp;
    const char *a = hdr(conn, "Accept");
    if (a == NULL || strstr(a, "text/event-stream") == NULL)
        return queue_rpc_error(r, conn, 406, MCP_ERR_INVALID_REQUEST,
                               "GET /mcp opens an SSE stream: send Accept: text/event-stream");
    const char *pv = hdr(conn, "MCP-Protocol-Version");
    if (pv != NULL && !mcp_proto_supported(pv))
        return queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                               "Unsupported MCP-Protocol-Version; supported: 2025-11-25, "
                               "2025-06-18, 2025-03-26, 2024-11-05");
    c->sess = sess_get(st, hdr(conn, "Mcp-Session-Id"));
    if (c->sess == NULL)
        return queue_rpc_error(r, conn, hdr(conn, "Mcp-Session-Id") ? 404 : 400,
                               MCP_ERR_INVALID_REQUEST,
                               "GET /mcp needs the Mcp-Session-Id of a live session");
    const char *lei = hdr(conn, "Last-Event-ID");
    if (lei != NULL) {
        /* Resumability (D-121): carry on the stream the id names, from after that event. */
        unsigned sno = 0;
        uint64_t n = 0;
        if (!mcp_event_id_parse(lei, &sno, &n))
            return queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                                   "Last-Event-ID is not an event id of this server (S-N)");
        pthread_mutex_lock(&st->mu);
        bool known = sno <= c->sess->sno_seq && n <= c->sess->ev_seq;
        bool lost = n < c->sess->lost_n;
        pthread_mutex_unlock(&st->mu);
        if (!known)
            return queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                                   "Last-Event-ID names no event of this session");
        if (lost)
            return queue_rpc_error(r, conn, 409, MCP_ERR_INVALID_REQUEST,
                                   "The events after this Last-Event-ID are no longer held "
                                   "(the replay buffer keeps the latest 256 events, 1 MiB, 10 "
                                   "minutes): repeat the request");
        struct open_opts o = {.resume = true, .sno = sno, .after_n = n};
        pthread_mutex_lock(&st->mu);
        o.attach = sno == c->sess->get_sno;
        pthread_mutex_unlock(&st->mu);
        return open_stream(r, conn, c->sess, &o, NULL, NULL);
    }
    pthread_mutex_lock(&st->mu);
    bool busy = c->sess->stream != NULL;
    pthread_mutex_unlock(&st->mu);
    if (busy)
        return queue_rpc_error(r, conn, 409, MCP_ERR_INVALID_REQUEST,
                               "This session already has an open stream (resume it with "
                               "Last-Event-ID)");
    struct open_opts o = {.first = ": stream open\n\n", .attach = true, .new_sno = true};
    return open_stream(r, conn, c->sess, &o, NULL, NULL);
}


static int delete_mcp(struct req *r, void *conn)
{
    struct mcp_state *st = r->srv->mcp;
    const char *pv = hdr(conn, "MCP-Protocol-Version");
    if (pv != NULL && !mcp_proto_supported(pv))
        return queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                               "Unsupported MCP-Protocol-Version; supported: 2025-11-25, "
                               "2025-06-18, 2025-03-26, 2024-11-05");
    struct mcp_sess *ss = sess_get(st, hdr(conn, "Mcp-Session-Id"));
    if (ss == NULL)
        return queue_rpc_error(r, conn, 404, MCP_ERR_INVALID_REQUEST, "Session not found");
    pthread_mutex_lock(&st->mu);
    ss->refs--; /* the ref sess_get took; removal frees it once no call holds it */
    if (!ss->dead)
        sess_remove_locked(st, ss);
    pthread_mutex_unlock(&st->mu);
    return queue_text(r, conn, 200, "application/json", "{}", 2, NULL);
}

static int get_sse(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_rctx *c = r->mcp_ctx;
    char bearer[1100];
    int b = bearer_check(s, hdr(conn, "Authorization"), bearer, sizeof(bearer));
    if (b < 0)
        return queue_rpc_error(r, conn, 401, MCP_ERR_INVALID_REQUEST,
                               "The Bearer token is invalid or has expired");
    struct mcp_sess *ss = sess_new();
    if (ss == NULL)
        return MHD_NO;
    ss->legacy = true;
    fio_strlcpy(ss->ip, r->client_ip, sizeof(ss->ip));
    if (b > 0)
        mcp_sess_set_token(ss, bearer, "bearer", "", "");
    explicit_bzero(bearer, sizeof(bearer));
    if (!sess_insert(s->mcp, ss)) {
        sess_free(ss);
        return queue_rpc_error(r, conn, 503, MCP_ERR_INTERNAL, "Too many MCP sessions");
    }
    c->sess = ss; /* the ref of sess_new, released at the end of this request */
    char first[160];
    snprintf(first, sizeof(first), "event: endpoint\ndata: /messages?sessionId=%s\n\n", ss->id);
    struct open_opts o = {.first = first, .attach = true}; /* legacy: no event ids */
    return open_stream(r, conn, ss, &o, NULL, NULL);
}

static int post_messages(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_state *st = s->mcp;
    struct mcp_rctx *c = r->mcp_ctx;
    const char *sid = fio_form_get(&r->query, "sessionId");
    c->sess = sess_get(st, sid);
    if (c->sess == NULL || !c->sess->legacy)
        return queue_rpc_error(r, conn, 404, MCP_ERR_INVALID_REQUEST,
                               "Session not found: open GET /sse and use its endpoint");
    char bearer[1100];
    if (bearer_check(s, hdr(conn, "Authorization"), bearer, sizeof(bearer)) < 0)
        return queue_rpc_error(r, conn, 401, MCP_ERR_INVALID_REQUEST,
                               "The Bearer token is invalid or has expired");
    struct emit_buf e = {NULL};
    unsigned flags = 0;
    char *out = run_body(r, c->sess, bearer, &e, &flags);
    explicit_bzero(bearer, sizeof(bearer));
    /* Answers travel on the session's /sse stream, notifications first. */
    struct fio_buf b;
    fio_buf_init(&b, 0);
    size_t i;
    json_t *n;
    json_array_foreach(e.list, i, n)
    {
        char *t = json_dumps(n, JSON_COMPACT);
        if (t != NULL)
            sse_event(&b, "message", t);
        free(t);
    }
    if (out != NULL)
        sse_event(&b, "message", out);
    pthread_mutex_lock(&st->mu);
    bool live = c->sess->stream != NULL && !c->sess->stream->closed;
    if (live && b.len > 0)
        stream_push_locked(c->sess->stream, b.data, b.len);
    pthread_mutex_unlock(&st->mu);
    fio_buf_release(&b);
    free(out);
    json_decref(e.list);
    if (!live)
        return queue_rpc_error(r, conn, 410, MCP_ERR_INVALID_REQUEST,
                               "The session's /sse stream is closed");
    return queue_text(r, conn, 202, "text/plain", "Accepted", 8, NULL);
}

/* GET /file/workspace/{ws}/{node}: the file's bytes, through the router's read route with the
 * session's (or the request's) token (api §10.1). */
static int get_file(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_rctx *c = r->mcp_ctx;
    char tok[1100] = "";
    int b = bearer_check(s, hdr(conn, "Authorization"), tok, sizeof(tok));
    if (b < 0) {
        req_fail(r, 401, API_ERR_AUTH, "The Bearer token is invalid or has expired");
        return 2;
    }
    if (b == 0) {
        c->sess = sess_get(s->mcp, hdr(conn, "Mcp-Session-Id"));
        if (c->sess != NULL)
            mcp_sess_token(c->sess, tok, sizeof(tok), NULL, 0);
    }
    if (tok[0] == '\0') {
        req_fail(r, 401, API_ERR_AUTH, "Send Authorization: Bearer or the Mcp-Session-Id of a "
                                       "signed-in MCP session");
        return 2;
    }
    /* /file/workspace/{ws}/{node} → /workspace/{ws}/storage/{node}/read/ */
    const char *p = r->path != NULL ? r->path + 16 : "";
    const char *slash = strchr(p, '/');
    size_t wl = slash != NULL ? (size_t)(slash - p) : 0;
    const char *node = slash != NULL ? slash + 1 : "";
    size_t nl = strcspn(node, "/");
    if (wl == 0 || wl > 80 || nl == 0 || nl > 80 || node[nl] != '\0' ||
        memchr(p, '?', wl) != NULL) {
        req_fail(r, 404, API_ERR_NOT_FOUND, "Use /file/workspace/{workspace}/{node}");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof(path), "/workspace/%.*s/storage/%.*s/read/", (int)wl, p, (int)nl, node);
    free(r->path);
    r->path = fio_strdup(path);
    bool known = false;
    r->route = r->path != NULL ? router_match("GET", r->path, r->args, SRV_MAX_PATH_ARGS,
                                              &r->nargs, &known)
                               : NULL;
    if (r->route == NULL) {
        req_fail(r, 404, API_ERR_NOT_FOUND, "No such file route");
        return 2;
    }
    char authz[1200];
    snprintf(authz, sizeof(authz), "Bearer %s", tok);
    explicit_bzero(tok, sizeof(tok));
    router_dispatch(r, authz);
    explicit_bzero(authz, sizeof(authz));
    return 2; /* http.c sends the read route's answer (bytes, or the error envelope) */
}

/* RFC 9728 metadata of the /mcp resource (the path-inserted form of its well-known URL): the
 * authorization server is this server's own (docs/api.md §2.5). */
static int get_prm(struct req *r, void *conn)
{
    char base[300], res[320];
    base_url(r->srv, base, sizeof(base));
    snprintf(res, sizeof(res), "%s/mcp", base);
    json_t *o = json_pack("{s:s, s:[s], s:[s], s:s}", "resource", res, "authorization_servers",
                          base, "bearer_methods_supported", "header", "resource_name",
                          "fastio-server MCP");
    char *t = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    int ret = queue_text(r, conn, t != NULL ? 200 : 500, "application/json", t != NULL ? t : "",
                         t != NULL ? strlen(t) : 0, NULL);
    free(t);
    return ret;
}

int mcp_http_finish(struct req *r, void *conn)
{
    switch ((enum mcp_kind)r->mcp_kind) {
    case MCP_K_MCP:
        if (method_is(r, "POST"))
            return post_mcp(r, conn);
        if (method_is(r, "GET"))
            return get_mcp(r, conn);
        return delete_mcp(r, conn);
    case MCP_K_SSE:
        return get_sse(r, conn);
    case MCP_K_MESSAGES:
        return post_messages(r, conn);
    case MCP_K_FILE:
        return get_file(r, conn);
    case MCP_K_PRM:
        return get_prm(r, conn);
    case MCP_K_BLOB:
    case MCP_K_NONE:
        break;
    }
    return 2;
}
