/* SPDX-License-Identifier: MIT */
/* mcp_live.c - live calls (D-120, D-122): a tools/call whose answer is a stream runs on its own
 * thread, so that it can send progress and log notifications as they happen, send the client
 * requests (sampling, elicitation) and wait for their answers, and wait (bounded) for activity.
 * The answer goes on the call's own SSE stream, as JSON on its connection, or on a legacy
 * session's /sse stream (D-131). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcp_http_int.h"
#include "timeutil.h"

/* What a POST body is, read once: a response of the client, a call that runs live (its answer
 * a stream: it asks the client, it reports progress or log lines, or it waits), or other.
 * sse: the answer can carry notifications (an SSE answer, or the legacy stream). */
enum post_kind { PK_OTHER, PK_ANSWER, PK_LIVE, PK_LIVE_JSON };

/* ---- live calls: the answer is a stream, the call may ask the client or wait -------------- */

#define ASK_TIMEOUT_US (60 * 1000000LL)

struct live {
    struct mcp_state *st;
    struct server *srv;
    struct mcp_sess *ss;   /* a ref */
    struct mcp_stream *sm; /* JSON answer: the connection (a ref); SSE: NULL */
    unsigned sno;          /* SSE answer: the session stream the call's events go on */
    bool shared;           /* sno is a legacy session's /sse stream: it goes on after the call */
    char *body;
    size_t len;
    char bearer[1100];
    char ip[64];
};

/* Under st->mu: a live call on stream sno ended (one slot: a legacy session's calls share its
 * /sse stream number). */
static void live_slot_free_locked(struct mcp_sess *ss, unsigned sno)
{
    for (size_t i = 0; i < SESS_MAX_LIVE; i++) {
        if (ss->live_sno[i] == sno) {
            ss->live_sno[i] = 0;
            return;
        }
    }
}

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
    mcp_sess_send_locked(L->st, L->ss, L->sno, t, false);
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
    for (size_t i = 0;
         i < sizeof(ss->ask) / sizeof(ss->ask[0]) && slot == sizeof(ss->ask) / sizeof(ss->ask[0]);
         i++)
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
        mcp_sess_send_locked(st, ss, L->sno, t, false);
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
            mcp_sess_send_locked(st, L->ss, L->sno, out, !L->shared);
        live_slot_free_locked(L->ss, L->sno);
        /* a connection still carrying the call's own stream ends with it */
        for (struct mcp_stream *sm = st->streams; sm != NULL && !L->shared; sm = sm->next)
            if (sm->sess == L->ss && sm->sno == L->sno)
                mcp_stream_close_locked(sm);
    } else {
        if (out != NULL)
            mcp_stream_push_locked(L->sm, out, strlen(out));
        mcp_stream_close_locked(L->sm);
        mcp_stream_unref_locked(L->sm);
    }
    mcp_sess_unref_locked(L->ss);
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
                      enum live_via via)
{
    bool sse = via == LIVE_SSE;
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
    int ret;
    if (via == LIVE_LEGACY) {
        /* The answer goes on the session's /sse stream (attached now or resumed later, D-131);
         * the POST is answered at once. */
        pthread_mutex_lock(&st->mu);
        size_t slot = SESS_MAX_LIVE;
        for (size_t i = 0; i < SESS_MAX_LIVE && slot == SESS_MAX_LIVE; i++)
            if (ss->live_sno[i] == 0)
                slot = i;
        bool ok = !st->closing && !ss->dead && ss->get_sno != 0 && slot < SESS_MAX_LIVE;
        if (ok) {
            sno = ss->get_sno;
            ss->live_sno[slot] = sno;
        }
        pthread_mutex_unlock(&st->mu);
        ret = ok ? mcp_queue_text(r, conn, 202, "text/plain", "Accepted", 8, NULL)
                 : mcp_queue_rpc_error(r, conn, 503, MCP_ERR_INTERNAL,
                                       "The server is stopping or this session is ending");
        L->shared = true;
    } else {
        struct open_opts o = {.json = !sse, .new_sno = sse, .live = sse};
        ret = mcp_open_stream(r, conn, ss, &o, sse ? NULL : &sm, &sno);
    }
    if ((via != LIVE_JSON && sno == 0) || (via == LIVE_JSON && sm == NULL)) {
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
            live_slot_free_locked(ss, sno);
            mcp_sess_send_locked(st, ss, sno,
                                 "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,"
                                 "\"message\":\"cannot start the call\"}}",
                                 !L->shared);
        } else {
            mcp_stream_close_locked(sm);
            mcp_stream_unref_locked(sm);
        }
        mcp_sess_unref_locked(ss);
        st->nlive--;
        pthread_mutex_unlock(&st->mu);
        free(L->body);
        free(L);
    }
    pthread_attr_destroy(&at);
    return ret;
}

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

static enum post_kind post_kind_of(const struct req *r, bool sse, struct mcp_sess *ss, json_t **msg)
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

bool mcp_post_routed(struct req *r, void *conn, struct mcp_sess *ss, const char *bearer,
                     enum live_via via, int *ret)
{
    json_t *msg = NULL;
    enum post_kind pk = post_kind_of(r, via != LIVE_JSON, ss, &msg);
    if (pk == PK_ANSWER) {
        /* the client's answer to a request of a live call (sampling, elicitation) */
        deliver_answer(r->srv->mcp, ss, msg);
        *ret = via == LIVE_LEGACY ? mcp_queue_text(r, conn, 202, "text/plain", "Accepted", 8, NULL)
                                  : mcp_queue_text(r, conn, 202, NULL, "", 0, NULL);
        return true;
    }
    if (pk != PK_LIVE && pk != PK_LIVE_JSON)
        return false;
    *ret = start_live(r, conn, ss, bearer,
                      via == LIVE_LEGACY ? LIVE_LEGACY
                      : pk == PK_LIVE    ? LIVE_SSE
                                         : LIVE_JSON);
    /* -2: too many live calls; this one runs in the handler (it neither waits nor streams) */
    return *ret != -2;
}
