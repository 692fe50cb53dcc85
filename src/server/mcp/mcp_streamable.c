/* SPDX-License-Identifier: MIT */
/* mcp_streamable.c - the Streamable HTTP transport at /mcp (api §10.1): POST answered as JSON,
 * as an SSE body when the call sent notifications, or live (mcp_live.c); GET opens the
 * session's standalone stream or resumes one with Last-Event-ID (D-121); DELETE ends the
 * session; Mcp-Session-Id and MCP-Protocol-Version checked. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp_http_int.h"

/* MCP-Protocol-Version, when sent, must be one this server speaks. */
static bool proto_ok(void *conn)
{
    const char *pv = mcp_hdr(conn, "MCP-Protocol-Version");
    return pv == NULL || mcp_proto_supported(pv);
}

static int proto_refused(struct req *r, void *conn)
{
    return mcp_queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                               "Unsupported MCP-Protocol-Version; supported: 2025-11-25, "
                               "2025-06-18, 2025-03-26, 2024-11-05");
}

/* Is the body one initialize request? */
static bool is_initialize(const struct req *r)
{
    json_t *v = json_loadb(r->body.data != NULL ? r->body.data : "", r->body.len, 0, NULL);
    bool yes = json_is_object(v) && json_is_string(json_object_get(v, "method")) &&
               strcmp(json_string_value(json_object_get(v, "method")), "initialize") == 0;
    json_decref(v);
    return yes;
}

int mcp_post_mcp(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_state *st = s->mcp;
    struct mcp_rctx *c = r->mcp_ctx;
    if (strncasecmp(r->content_type, "application/json", 16) != 0)
        return mcp_queue_rpc_error(r, conn, 415, MCP_ERR_INVALID_REQUEST,
                                   "Content-Type must be application/json");
    if (!mcp_accepts(conn, "application/json") && !mcp_accepts(conn, "text/event-stream"))
        return mcp_queue_rpc_error(r, conn, 406, MCP_ERR_INVALID_REQUEST,
                                   "Not Acceptable: accept application/json and text/event-stream");
    if (!proto_ok(conn))
        return proto_refused(r, conn);
    char bearer[1100];
    if (mcp_bearer_check(s, mcp_hdr(conn, "Authorization"), bearer, sizeof(bearer)) < 0)
        return mcp_queue_rpc_error(
            r, conn, 401, MCP_ERR_INVALID_REQUEST,
            "The Bearer token is invalid or has expired; send a valid one or "
            "none (then sign in with the auth tool)");
    const char *sid = mcp_hdr(conn, "Mcp-Session-Id");
    bool created = false;
    if (sid != NULL) {
        c->sess = mcp_sess_get(st, sid);
        if (c->sess == NULL)
            return mcp_queue_rpc_error(
                r, conn, 404, MCP_ERR_INVALID_REQUEST,
                "Session not found (expired or ended); initialize a new one");
        /* A supported MCP-Protocol-Version other than the negotiated one is accepted: the
         * session keeps its version (the conformance suite sends 2025-03-26 on a 2025-11-25
         * session; D-067). */
    } else {
        if (!is_initialize(r))
            return mcp_queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                                       "Bad Request: no Mcp-Session-Id; the first message must be "
                                       "an initialize request");
        c->sess = mcp_sess_new();
        if (c->sess == NULL)
            return MHD_NO;
        fio_strlcpy(c->sess->ip, r->client_ip, sizeof(c->sess->ip));
        created = true;
    }
    if (!created) {
        const char *a = mcp_hdr(conn, "Accept");
        bool sse = a != NULL && strstr(a, "text/event-stream") != NULL;
        int ret;
        if (mcp_post_routed(r, conn, c->sess, bearer, sse ? LIVE_SSE : LIVE_JSON, &ret)) {
            explicit_bzero(bearer, sizeof(bearer));
            return ret;
        }
    }
    struct emit_buf e = {NULL};
    unsigned flags = 0;
    char *out = mcp_run_body(r, c->sess, bearer, &e, &flags);
    /* A session opened with a Bearer token keeps it: /file and /blob then work with the
     * session id alone (api §10.1), as after a sign-in through the auth tool. */
    if (created && (flags & MCP_RPC_INITIALIZE) && bearer[0] != '\0')
        mcp_sess_set_token(c->sess, bearer, "bearer", "", "");
    explicit_bzero(bearer, sizeof(bearer));
    const char *sid_hdr = NULL;
    if (created) {
        if (flags & MCP_RPC_INITIALIZE) {
            if (!mcp_sess_insert(st, c->sess)) {
                mcp_sess_free(c->sess); /* never listed: nobody else holds it */
                c->sess = NULL;
                free(out);
                json_decref(e.list);
                return mcp_queue_rpc_error(r, conn, 503, MCP_ERR_INTERNAL,
                                           "Too many MCP sessions; try again later");
            }
            sid_hdr = c->sess->id;
        } else {
            /* initialize refused (bad params): no session comes of it */
            mcp_sess_free(c->sess);
            c->sess = NULL;
        }
    }
    int ret;
    if (!(flags & MCP_RPC_REQUESTS)) {
        ret = mcp_queue_text(r, conn, 202, NULL, "", 0, sid_hdr);
    } else if (e.list != NULL && mcp_accepts(conn, "text/event-stream") && out != NULL) {
        /* The call's notifications (progress, log) then its response, on the call's stream:
         * numbered and kept for replay like a live stream's (D-121). */
        struct fio_buf b;
        fio_buf_init(&b, 0);
        pthread_mutex_lock(&st->mu);
        unsigned sno = ++c->sess->sno_seq;
        mcp_events_locked(c->sess, sno, e.list, out, true, &b);
        pthread_mutex_unlock(&st->mu);
        ret = mcp_queue_text(r, conn, 200, "text/event-stream", b.data != NULL ? b.data : "", b.len,
                             sid_hdr);
        fio_buf_release(&b);
    } else {
        ret = mcp_queue_text(r, conn, (flags & MCP_RPC_BAD) ? 400 : 200, "application/json",
                             out != NULL ? out : "", out != NULL ? strlen(out) : 0, sid_hdr);
    }
    free(out);
    json_decref(e.list);
    return ret;
}

int mcp_get_mcp(struct req *r, void *conn)
{
    struct mcp_rctx *c = r->mcp_ctx;
    struct mcp_state *st = r->srv->mcp;
    const char *a = mcp_hdr(conn, "Accept");
    if (a == NULL || strstr(a, "text/event-stream") == NULL)
        return mcp_queue_rpc_error(r, conn, 406, MCP_ERR_INVALID_REQUEST,
                                   "GET /mcp opens an SSE stream: send Accept: text/event-stream");
    if (!proto_ok(conn))
        return proto_refused(r, conn);
    c->sess = mcp_sess_get(st, mcp_hdr(conn, "Mcp-Session-Id"));
    if (c->sess == NULL)
        return mcp_queue_rpc_error(r, conn, mcp_hdr(conn, "Mcp-Session-Id") ? 404 : 400,
                                   MCP_ERR_INVALID_REQUEST,
                                   "GET /mcp needs the Mcp-Session-Id of a live session");
    const char *lei = mcp_hdr(conn, "Last-Event-ID");
    if (lei != NULL) {
        /* Resumability (D-121): carry on the stream the id names, from after that event. */
        unsigned sno = 0;
        uint64_t n = 0;
        if (!mcp_event_id_parse(lei, &sno, &n))
            return mcp_queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                                       "Last-Event-ID is not an event id of this server (S-N)");
        int ret;
        if (mcp_resume_refused(r, conn, c->sess, sno, n, &ret))
            return ret;
        struct open_opts o = {.resume = true, .sno = sno, .after_n = n};
        pthread_mutex_lock(&st->mu);
        o.attach = sno == c->sess->get_sno;
        pthread_mutex_unlock(&st->mu);
        return mcp_open_stream(r, conn, c->sess, &o, NULL, NULL);
    }
    pthread_mutex_lock(&st->mu);
    bool busy = c->sess->stream != NULL;
    pthread_mutex_unlock(&st->mu);
    if (busy)
        return mcp_queue_rpc_error(r, conn, 409, MCP_ERR_INVALID_REQUEST,
                                   "This session already has an open stream (resume it with "
                                   "Last-Event-ID)");
    struct open_opts o = {.first = ": stream open\n\n", .attach = true, .new_sno = true};
    return mcp_open_stream(r, conn, c->sess, &o, NULL, NULL);
}

int mcp_delete_mcp(struct req *r, void *conn)
{
    struct mcp_state *st = r->srv->mcp;
    if (!proto_ok(conn))
        return proto_refused(r, conn);
    struct mcp_sess *ss = mcp_sess_get(st, mcp_hdr(conn, "Mcp-Session-Id"));
    if (ss == NULL)
        return mcp_queue_rpc_error(r, conn, 404, MCP_ERR_INVALID_REQUEST, "Session not found");
    pthread_mutex_lock(&st->mu);
    ss->refs--; /* the ref mcp_sess_get took; removal frees it once no call holds it */
    if (!ss->dead)
        mcp_sess_remove_locked(st, ss);
    pthread_mutex_unlock(&st->mu);
    return mcp_queue_text(r, conn, 200, "application/json", "{}", 2, NULL);
}
