/* SPDX-License-Identifier: MIT */
/* mcp_http.c - the request front of the MCP transports on fastio-server's port (api §10.1):
 * which MCP path a URL is, Host/Origin checks against DNS rebinding, the answers (text, JSON-RPC
 * errors), Bearer checks, running a message body on a session, and mcp_http_begin/finish that
 * route to Streamable HTTP (mcp_streamable.c), the legacy HTTP+SSE transport (mcp_legacy.c) and
 * the side routes (mcp_routes.c). The layout of the transport files: mcp_http_int.h. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp_http_int.h"
#include "store_backend.h"

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

const char *mcp_hdr(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

void mcp_base_url(struct server *s, char *out, size_t len)
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
int mcp_queue_text(struct req *r, void *conn, int status, const char *ctype, const char *text,
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
        mcp_base_url(r->srv, base, sizeof(base));
        snprintf(v, sizeof(v),
                 "Bearer error=\"invalid_token\", resource_metadata=\"%s/.well-known/"
                 "oauth-protected-resource/mcp\"",
                 base);
        MHD_add_response_header(resp, "WWW-Authenticate", v);
    }
    if (status == 405)
        MHD_add_response_header(resp, "Allow",
                                r->mcp_kind == MCP_K_MCP ? "GET, POST, DELETE"
                                : r->mcp_kind == MCP_K_BLOB || r->mcp_kind == MCP_K_MESSAGES
                                    ? "POST"
                                    : "GET");
    r->http_status_sent = status;
    r->bytes_out = len;
    int ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* A JSON-RPC error (id null) as the HTTP answer. */
int mcp_queue_rpc_error(struct req *r, void *conn, int status, int code, const char *msg)
{
    char *t = mcp_rpc_error_text(NULL, code, msg);
    int ret = mcp_queue_text(r, conn, status, "application/json", t != NULL ? t : "",
                             t != NULL ? strlen(t) : 0, NULL);
    free(t);
    return ret;
}

/* Validate an Authorization header: 0 = none, 1 = a valid Bearer token (copied to tok), -1 =
 * invalid (wrong scheme, unknown or expired token). */
int mcp_bearer_check(struct server *s, const char *authz, char *tok, size_t len)
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
        mcp_sess_put(r->srv->mcp, c->sess);
    fio_buf_release(&c->blob);
    free(c);
    r->mcp_ctx = NULL;
}

/* ---- the request front ------------------------------------------------------------------- */

static bool method_is(const struct req *r, const char *m)
{
    return r->method != NULL && strcmp(r->method, m) == 0;
}

/* The session id of a request: the Mcp-Session-Id header, or ?sessionId= (legacy, /blob). */
static const char *sid_of(struct req *r, void *conn)
{
    const char *sid = mcp_hdr(conn, "Mcp-Session-Id");
    if (sid == NULL)
        sid = fio_form_get(&r->query, "sessionId");
    return sid;
}

int mcp_http_begin(struct req *r, void *conn, const char *url)
{
    struct server *s = r->srv;
    if (!host_allowed(s, mcp_hdr(conn, "Host")))
        return mcp_queue_rpc_error(r, conn, 403, MCP_ERR_INVALID_REQUEST,
                                   "Forbidden: the Host header does not name this server (DNS "
                                   "rebinding protection; set --public-url for another name)") ==
                       MHD_YES
                   ? 1
                   : -1;
    if (!origin_allowed(s, mcp_hdr(conn, "Origin")))
        return mcp_queue_rpc_error(r, conn, 403, MCP_ERR_INVALID_REQUEST,
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
        return mcp_queue_rpc_error(r, conn, 405, MCP_ERR_INVALID_REQUEST, "Method not allowed") ==
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
        c->sess = mcp_sess_get(s->mcp, sid_of(r, conn));
        if (c->sess == NULL) {
            req_fail(r, 401, API_ERR_AUTH,
                     "POST /blob needs the Mcp-Session-Id header of a live MCP session");
            return 2;
        }
        fio_strlcpy(c->blob_owner, c->sess->id, sizeof(c->blob_owner));
        fio_buf_init(&c->blob, (size_t)MCP_BLOB_MAX);
        r->stream = &mcp_blob_stream;
        return 0;
    }
    if (method_is(r, "POST")) {
        if (r->content_length > MCP_MAX_MESSAGE)
            return mcp_queue_rpc_error(r, conn, 413, MCP_ERR_INVALID_REQUEST,
                                       "Message too large (limit 4 MiB)") == MHD_YES
                       ? 1
                       : -1;
        fio_buf_release(&r->body);
        fio_buf_init(&r->body, MCP_MAX_MESSAGE);
    }
    return 0;
}

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

bool mcp_accepts(void *conn, const char *type)
{
    const char *a = mcp_hdr(conn, "Accept");
    return a == NULL || strstr(a, type) != NULL || strstr(a, "*/*") != NULL;
}

/* Run a message body on a session. The rpc state is used on a copy (another request of the
 * same session may run at once); what a message may change is written back under the lock. */
char *mcp_run_body(struct req *r, struct mcp_sess *ss, const char *bearer, struct emit_buf *e,
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

void mcp_events_locked(struct mcp_sess *ss, unsigned sno, const json_t *notes, const char *out,
                       bool out_last, struct fio_buf *b)
{
    size_t n = json_array_size(notes);
    for (size_t i = 0; i <= n; i++) {
        char *t = i < n ? json_dumps(json_array_get(notes, i), JSON_COMPACT) : NULL;
        const char *text = i < n ? t : out;
        if (text != NULL) {
            size_t from = b->len;
            uint64_t en = ++ss->ev_seq;
            mcp_event_id_line(b, ss, sno, en);
            fio_buf_printf(b, "event: message\ndata: %s\n\n", text);
            if (b->len > from)
                mcp_ring_add(ss, sno, en, i == n && out_last, b->data + from, b->len - from);
        }
        free(t);
    }
}

int mcp_http_finish(struct req *r, void *conn)
{
    switch ((enum mcp_kind)r->mcp_kind) {
    case MCP_K_MCP:
        if (method_is(r, "POST"))
            return mcp_post_mcp(r, conn);
        if (method_is(r, "GET"))
            return mcp_get_mcp(r, conn);
        return mcp_delete_mcp(r, conn);
    case MCP_K_SSE:
        return mcp_get_sse(r, conn);
    case MCP_K_MESSAGES:
        return mcp_post_messages(r, conn);
    case MCP_K_FILE:
        return mcp_get_file(r, conn);
    case MCP_K_PRM:
        return mcp_get_prm(r, conn);
    case MCP_K_BLOB:
    case MCP_K_NONE:
        break;
    }
    return 2;
}
