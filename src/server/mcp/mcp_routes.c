/* SPDX-License-Identifier: MIT */
/* mcp_routes.c - the side routes of the MCP port (api §10.1): POST /blob stages bytes for
 * `upload stream` / `upload chunk` (a request stream, single use, 5 minutes), GET
 * /file/workspace/{ws}/{node} reads a file through the router's read route with the session's
 * token, and the RFC 9728 protected-resource metadata of /mcp. */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "mcp_http_int.h"
#include "rand.h"
#include "router.h"
#include "timeutil.h"

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
        mcp_blob_free(b);
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

const struct req_stream mcp_blob_stream = {blob_on_data, blob_on_finish, NULL};

/* GET /file/workspace/{ws}/{node}: the file's bytes, through the router's read route with the
 * session's (or the request's) token (api §10.1). */
int mcp_get_file(struct req *r, void *conn)
{
    struct server *s = r->srv;
    struct mcp_rctx *c = r->mcp_ctx;
    char tok[1100] = "";
    int b = mcp_bearer_check(s, mcp_hdr(conn, "Authorization"), tok, sizeof(tok));
    if (b < 0) {
        req_fail(r, 401, API_ERR_AUTH, "The Bearer token is invalid or has expired");
        return 2;
    }
    if (b == 0) {
        c->sess = mcp_sess_get(s->mcp, mcp_hdr(conn, "Mcp-Session-Id"));
        if (c->sess != NULL)
            mcp_sess_token(c->sess, tok, sizeof(tok), NULL, 0);
    }
    if (tok[0] == '\0') {
        req_fail(r, 401, API_ERR_AUTH,
                 "Send Authorization: Bearer or the Mcp-Session-Id of a "
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
    r->route = r->path != NULL
                   ? router_match("GET", r->path, r->args, SRV_MAX_PATH_ARGS, &r->nargs, &known)
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
int mcp_get_prm(struct req *r, void *conn)
{
    char base[300], res[320];
    mcp_base_url(r->srv, base, sizeof(base));
    snprintf(res, sizeof(res), "%s/mcp", base);
    json_t *o =
        json_pack("{s:s, s:[s], s:[s], s:s}", "resource", res, "authorization_servers", base,
                  "bearer_methods_supported", "header", "resource_name", "fastio-server MCP");
    char *t = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    int ret = mcp_queue_text(r, conn, t != NULL ? 200 : 500, "application/json", t != NULL ? t : "",
                             t != NULL ? strlen(t) : 0, NULL);
    free(t);
    return ret;
}
