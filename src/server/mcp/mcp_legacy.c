/* SPDX-License-Identifier: MIT */
/* mcp_legacy.c - the legacy HTTP+SSE transport of MCP 2024-11-05 (api §10.1): GET /sse opens a
 * session whose stream first sends the `endpoint` event, POST /messages?sessionId= carries the
 * client's messages and is answered on that stream. */
#include <stdlib.h>
#include <string.h>

#include "mcp_http_int.h"

int mcp_get_sse(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_rctx *c = r->mcp_ctx;
    char bearer[1100];
    int b = mcp_bearer_check(s, mcp_hdr(conn, "Authorization"), bearer, sizeof(bearer));
    if (b < 0)
        return mcp_queue_rpc_error(r, conn, 401, MCP_ERR_INVALID_REQUEST,
                                   "The Bearer token is invalid or has expired");
    struct mcp_sess *ss = mcp_sess_new();
    if (ss == NULL)
        return MHD_NO;
    ss->legacy = true;
    fio_strlcpy(ss->ip, r->client_ip, sizeof(ss->ip));
    if (b > 0)
        mcp_sess_set_token(ss, bearer, "bearer", "", "");
    explicit_bzero(bearer, sizeof(bearer));
    if (!mcp_sess_insert(s->mcp, ss)) {
        mcp_sess_free(ss);
        return mcp_queue_rpc_error(r, conn, 503, MCP_ERR_INTERNAL, "Too many MCP sessions");
    }
    c->sess = ss; /* the ref of mcp_sess_new, released at the end of this request */
    char first[160];
    snprintf(first, sizeof(first), "event: endpoint\ndata: /messages?sessionId=%s\n\n", ss->id);
    struct open_opts o = {.first = first, .attach = true}; /* legacy: no event ids */
    return mcp_open_stream(r, conn, ss, &o, NULL, NULL);
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
    struct emit_buf e = {NULL};
    unsigned flags = 0;
    char *out = mcp_run_body(r, c->sess, bearer, &e, &flags);
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
            mcp_sse_event(&b, "message", t);
        free(t);
    }
    if (out != NULL)
        mcp_sse_event(&b, "message", out);
    pthread_mutex_lock(&st->mu);
    bool live = c->sess->stream != NULL && !c->sess->stream->closed;
    if (live && b.len > 0)
        mcp_stream_push_locked(c->sess->stream, b.data, b.len);
    pthread_mutex_unlock(&st->mu);
    fio_buf_release(&b);
    free(out);
    json_decref(e.list);
    if (!live)
        return mcp_queue_rpc_error(r, conn, 410, MCP_ERR_INVALID_REQUEST,
                                   "The session's /sse stream is closed");
    return mcp_queue_text(r, conn, 202, "text/plain", "Accepted", 8, NULL);
}
