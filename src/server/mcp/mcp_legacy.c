/* SPDX-License-Identifier: MIT */
/* mcp_legacy.c - the legacy HTTP+SSE transport of MCP 2024-11-05 (api §10.1): GET /sse opens a
 * session whose stream first sends the `endpoint` event, POST /messages?sessionId= carries the
 * client's messages (202) and everything the server says goes on that one stream.
 *
 * At parity with Streamable HTTP where 2024-11-05 allows it (D-131): every event has an id
 * ("{session id}/S-N": the stream is the session's, and a reconnecting EventSource sends only
 * the last id), a tools/call with a progressToken, with logging on, that asks the client
 * (sampling, elicitation) or that waits runs live (mcp_live.c) and its notifications go out as
 * they happen, and a client that lost the stream resumes it with GET /sse and Last-Event-ID
 * within LEGACY_RESUME_S: the same session, the endpoint event again, then the events it
 * missed from the session's replay ring. */
#include <stdlib.h>
#include <string.h>

#include "mcp_http_int.h"

/* "{session id}/S-N" of a Last-Event-ID into sid, *sno and *n; false for anything else. */
static bool legacy_event_id(const char *v, char *sid, size_t sl, unsigned *sno, uint64_t *n)
{
    const char *slash = strchr(v, '/');
    if (slash == NULL || slash == v || (size_t)(slash - v) >= sl)
        return false;
    memcpy(sid, v, (size_t)(slash - v));
    sid[slash - v] = '\0';
    return mcp_event_id_parse(slash + 1, sno, n);
}

/* GET /sse with Last-Event-ID: carry the session's stream on from after that event (D-131). */
static int resume_sse(struct req *r, void *conn, const char *lei)
{
    struct mcp_state *st = r->srv->mcp;
    struct mcp_rctx *c = r->mcp_ctx;
    char sid[48];
    unsigned sno = 0;
    uint64_t n = 0;
    if (!legacy_event_id(lei, sid, sizeof(sid), &sno, &n))
        return mcp_queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                                   "Last-Event-ID is not an event id of this server's /sse "
                                   "streams ({session}/S-N)");
    c->sess = mcp_sess_get(st, sid);
    if (c->sess == NULL || !c->sess->legacy)
        return mcp_queue_rpc_error(r, conn, 404, MCP_ERR_INVALID_REQUEST,
                                   "Session not found (ended, or not resumed in time): open GET "
                                   "/sse without Last-Event-ID for a new one");
    int ret;
    if (mcp_resume_refused(r, conn, c->sess, sno, n, &ret))
        return ret;
    /* The endpoint event again (2024-11-05: the first event of every connection), without an
     * id: the client's last event id stays the one it resumed from. */
    char first[160];
    snprintf(first, sizeof(first), "event: endpoint\ndata: /messages?sessionId=%s\n\n",
             c->sess->id);
    struct open_opts o = {.first = first, .attach = true, .resume = true, .sno = sno, .after_n = n};
    return mcp_open_stream(r, conn, c->sess, &o, NULL, NULL);
}

int mcp_get_sse(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_state *st = s->mcp;
    struct mcp_rctx *c = r->mcp_ctx;
    char bearer[1100];
    int b = mcp_bearer_check(s, mcp_hdr(conn, "Authorization"), bearer, sizeof(bearer));
    if (b < 0)
        return mcp_queue_rpc_error(r, conn, 401, MCP_ERR_INVALID_REQUEST,
                                   "The Bearer token is invalid or has expired");
    const char *lei = mcp_hdr(conn, "Last-Event-ID");
    if (lei != NULL) {
        explicit_bzero(bearer, sizeof(bearer)); /* the session keeps the credentials it has */
        return resume_sse(r, conn, lei);
    }
    struct mcp_sess *ss = mcp_sess_new();
    if (ss == NULL)
        return MHD_NO;
    ss->legacy = true;
    fio_strlcpy(ss->ip, r->client_ip, sizeof(ss->ip));
    if (b > 0)
        mcp_sess_set_token(ss, bearer, "bearer", "", "");
    explicit_bzero(bearer, sizeof(bearer));
    /* The session's one stream: its number, and the endpoint event as its first numbered event
     * (a drop before any message can be resumed too). Not listed yet: no lock needed. */
    ss->get_sno = ++ss->sno_seq;
    uint64_t n = ++ss->ev_seq;
    if (!mcp_sess_insert(st, ss)) {
        mcp_sess_free(ss);
        return mcp_queue_rpc_error(r, conn, 503, MCP_ERR_INTERNAL, "Too many MCP sessions");
    }
    c->sess = ss; /* the ref of mcp_sess_new, released at the end of this request */
    struct fio_buf first;
    fio_buf_init(&first, 0);
    fio_buf_append_str(&first, "event: endpoint\n");
    mcp_event_id_line(&first, ss, ss->get_sno, n);
    fio_buf_printf(&first, "data: /messages?sessionId=%s\n\n", ss->id);
    if (first.data == NULL)
        return MHD_NO;
    /* Opened as a resume from the endpoint event: a message that came in between is sent. */
    struct open_opts o = {
        .first = first.data, .attach = true, .resume = true, .sno = ss->get_sno, .after_n = n};
    int ret = mcp_open_stream(r, conn, ss, &o, NULL, NULL);
    fio_buf_release(&first);
    return ret;
}

int mcp_post_messages(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_state *st = s->mcp;
    struct mcp_rctx *c = r->mcp_ctx;
    const char *sid = fio_form_get(&r->query, "sessionId");
    c->sess = mcp_sess_get(st, sid);
    if (c->sess == NULL || !c->sess->legacy)
        return mcp_queue_rpc_error(r, conn, 404, MCP_ERR_INVALID_REQUEST,
                                   "Session not found: open GET /sse and use its endpoint");
    char bearer[1100];
    if (mcp_bearer_check(s, mcp_hdr(conn, "Authorization"), bearer, sizeof(bearer)) < 0)
        return mcp_queue_rpc_error(r, conn, 401, MCP_ERR_INVALID_REQUEST,
                                   "The Bearer token is invalid or has expired");
    int ret;
    if (mcp_post_routed(r, conn, c->sess, bearer, LIVE_LEGACY, &ret)) {
        explicit_bzero(bearer, sizeof(bearer));
        return ret;
    }
    struct emit_buf e = {NULL};
    unsigned flags = 0;
    char *out = mcp_run_body(r, c->sess, bearer, &e, &flags);
    explicit_bzero(bearer, sizeof(bearer));
    /* Answers travel on the session's /sse stream, notifications first, numbered and kept for
     * a resume; while the client is reconnecting they wait in the ring. */
    struct fio_buf b;
    fio_buf_init(&b, 0);
    pthread_mutex_lock(&st->mu);
    mcp_events_locked(c->sess, c->sess->get_sno, e.list, out, false, &b);
    if (c->sess->stream != NULL && b.len > 0)
        mcp_stream_push_locked(c->sess->stream, b.data, b.len);
    pthread_mutex_unlock(&st->mu);
    fio_buf_release(&b);
    free(out);
    json_decref(e.list);
    return mcp_queue_text(r, conn, 202, "text/plain", "Accepted", 8, NULL);
}
