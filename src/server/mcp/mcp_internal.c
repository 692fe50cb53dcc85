/* SPDX-License-Identifier: MIT */
/* mcp_internal.c - a tools/call runs as an internal request through the REST router
 * (router_dispatch): the same authentication, rate limit, org/workspace resolution, roles and
 * per-object (BOLA) checks as a REST request, then the same handler. Nothing here decides
 * access: a session only supplies the token it holds (docs/decisions.md D-066). */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "mcp.h"
#include "router.h"

void mcp_ires_clear(struct mcp_ires *res)
{
    json_decref(res->body);
    free(res->raw);
    memset(res, 0, sizeof(*res));
}

static bool copy_form(struct fio_form *dst, const struct fio_form *src)
{
    for (size_t i = 0; src != NULL && i < src->count; i++)
        if (!fio_form_add(dst, src->fields[i].name, src->fields[i].value))
            return false;
    return true;
}

int mcp_internal(struct server *s, const char *client_ip, const char *method, const char *path,
                 const struct fio_form *query, const struct fio_form *form, const char *ctype,
                 const char *body, size_t blen, const char *authz, struct mcp_ires *res)
{
    return mcp_internal_prog(s, client_ip, method, path, query, form, ctype, body, blen, authz,
                             res, NULL, NULL);
}

int mcp_internal_prog(struct server *s, const char *client_ip, const char *method,
                      const char *path, const struct fio_form *query, const struct fio_form *form,
                      const char *ctype, const char *body, size_t blen, const char *authz,
                      struct mcp_ires *res, mcp_piece_fn on_piece, void *piece_ctx)
{
    memset(res, 0, sizeof(*res));
    struct req *r = srv_req_new(s, NULL, method);
    if (r == NULL) {
        res->http = 500;
        snprintf(res->text, sizeof(res->text), "out of memory");
        return -1;
    }
    fio_strlcpy(r->client_ip, client_ip != NULL ? client_ip : "", sizeof(r->client_ip));
    r->path = fio_strdup(path);
    bool known = false;
    if (r->path != NULL)
        r->route = router_match(method, r->path, r->args, SRV_MAX_PATH_ARGS, &r->nargs, &known);
    if (r->route == NULL || (r->route->flags & F_ROOT)) {
        res->http = known ? 405 : 404;
        res->code = API_ERR_UNKNOWN_ROUTE;
        snprintf(res->text, sizeof(res->text), "No route %s %s", method, path);
        srv_req_free(r);
        return -1;
    }
    struct fio_buf encoded;
    fio_buf_init(&encoded, 0);
    bool ok = copy_form(&r->query, query);
    if (r->route->flags & F_STREAM) {
        /* A streamed route reads its body itself: hand it the bytes as http.c would. */
        if (body == NULL && form != NULL && form->count > 0) {
            ok = ok && fio_form_encode(&encoded, form);
            body = encoded.data;
            blen = encoded.len;
            ctype = "application/x-www-form-urlencoded";
        }
    } else {
        ok = ok && copy_form(&r->form, form);
        if (body != NULL && blen > 0)
            ok = ok && fio_buf_append(&r->body, body, blen);
    }
    if (!ok) {
        fio_buf_release(&encoded);
        srv_req_free(r);
        res->http = 413;
        snprintf(res->text, sizeof(res->text), "request too large");
        return -1;
    }
    fio_strlcpy(r->content_type, ctype != NULL ? ctype : "", sizeof(r->content_type));
    r->content_length = body != NULL ? (int64_t)blen : 0;
    int rc = router_dispatch(r, authz);
    if (rc == 0 && !r->err.http && r->stream != NULL) {
        size_t off = 0;
        while (off < blen && !r->err.http) {
            size_t n = blen - off > (size_t)SRV_MAX_BODY ? (size_t)SRV_MAX_BODY : blen - off;
            if (r->stream->on_data(r, body + off, n) != 0)
                break;
            off += n;
            if (on_piece != NULL && off < blen)
                on_piece(piece_ctx, off, blen);
        }
        if (!r->err.http)
            r->stream->on_finish(r);
    }
    fio_buf_release(&encoded);
    if (r->err.http) {
        res->http = r->err.http;
        res->code = r->err.code;
        fio_strlcpy(res->text, r->err.text, sizeof(res->text));
        srv_req_free(r);
        return -1;
    }
    res->http = r->status_ok;
    if (r->raw_response != NULL) {
        /* A byte route built its response; the caller reads the version it names. */
        const char *vid = MHD_get_response_header(r->raw_response, "X-Version-Id");
        fio_strlcpy(res->version_id, vid != NULL ? vid : "", sizeof(res->version_id));
    }
    if (r->raw_type != NULL && r->raw_body != NULL) {
        if (strncmp(r->raw_type, "application/json", 16) == 0)
            res->body = json_loads(r->raw_body, 0, NULL);
        if (res->body == NULL) {
            res->raw = r->raw_body;
            res->raw_len = strlen(r->raw_body);
            r->raw_body = NULL;
        }
    } else {
        res->body = r->out != NULL ? r->out : json_object();
        r->out = NULL;
    }
    srv_req_free(r);
    return 0;
}
