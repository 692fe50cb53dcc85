/* SPDX-License-Identifier: MIT */
/* mcp_exec_files.c - the composite file actions (api §10.1): upload text / stream / chunk
 * (bytes through an upload session, with progress per piece: D-120) and download read /
 * file-url (a file's bytes as MCP content: D-123), and reading a file's bytes after the router
 * authorized the read route. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "blob.h"
#include "form.h"
#include "mcp_exec_int.h"

#define INLINE_MAX (1024 * 1024)   /* bytes a download read returns inline */
#define URL_INLINE_MAX (64 * 1024) /* file-url also returns a file this small inline */
#define READ_PIECE (256 * 1024)    /* a download read reports progress per piece */

/* ---- uploads ------------------------------------------------------------------------------ */

/* A new file (or version) from bytes: a stream session then its one body (api §5.5). */
static json_t *upload_bytes(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                            const char *data, size_t len, const json_t *ptok, mcp_emit_fn emit,
                            void *ectx)
{
    char authz[1200], num[32];
    mcpx_call_authz(ex, authz, sizeof(authz));
    const char *file_id = mcp_call_arg(c, "file_id");
    struct fio_form f;
    fio_form_init(&f);
    fio_form_add(&f, "name", mcp_call_arg(c, "name"));
    fio_form_add(&f, "action", file_id != NULL ? "update" : "create");
    fio_form_add(&f, "instance_id", mcp_call_arg(c, "workspace_id"));
    fio_form_add(&f, "profile_type", "workspace");
    fio_form_add(&f, "stream", "true");
    snprintf(num, sizeof(num), "%zu", len);
    fio_form_add(&f, "max_size", num);
    const char *opt[] = {"folder_id", "file_id", "lock_token"};
    for (size_t i = 0; i < 3; i++)
        if (mcp_call_arg(c, opt[i]) != NULL)
            fio_form_add(&f, opt[i], mcp_call_arg(c, opt[i]));
    struct prog pg = {ptok, emit, ectx, s, "upload", 0, false};
    mcpx_prog_at(&pg, 0, (double)len, "opening the upload session");
    char line[200];
    snprintf(line, sizeof(line), "upload %s: %zu bytes", mcp_call_arg(c, "name"), len);
    mcpx_prog_log(&pg, "info", line);
    struct mcp_ires res;
    int rc = mcp_internal(ex->srv, ex->client_ip, "POST", "/upload/", NULL, &f, NULL, NULL, 0,
                          authz[0] ? authz : NULL, &res);
    fio_form_release(&f);
    if (rc != 0) {
        explicit_bzero(authz, sizeof(authz));
        return mcpx_api_fail(c, &res, s);
    }
    char id[128], path[200];
    fio_strlcpy(id,
                json_string_value(json_object_get(res.body, "id")) != NULL
                    ? json_string_value(json_object_get(res.body, "id"))
                    : "",
                sizeof(id));
    mcp_ires_clear(&res);
    struct fio_buf pb;
    fio_buf_init(&pb, 0);
    fio_url_escape(&pb, id, strlen(id), false, NULL);
    snprintf(path, sizeof(path), "/upload/%s/stream/", pb.data != NULL ? pb.data : "");
    fio_buf_release(&pb);
    rc = mcp_internal_prog(ex->srv, ex->client_ip, "POST", path, NULL, NULL,
                           "application/octet-stream", data, len, authz[0] ? authz : NULL, &res,
                           mcpx_prog_piece, &pg);
    explicit_bzero(authz, sizeof(authz));
    mcpx_prog_at(&pg, (double)len, (double)len, rc == 0 ? "stored" : "failed");
    snprintf(line, sizeof(line), "upload %s: %s", mcp_call_arg(c, "name"),
             rc == 0 ? "stored" : "failed");
    mcpx_prog_log(&pg, rc == 0 ? "info" : "warning", line);
    json_t *out;
    if (rc != 0) {
        out = mcpx_api_error(c, &res, s);
    } else {
        json_t *o = json_deep_copy(res.body);
        json_object_set_new(o, "name", json_string(mcp_call_arg(c, "name")));
        json_object_set_new(o, "workspace_id", json_string(mcp_call_arg(c, "workspace_id")));
        out = mcpx_result_steal(c, "Uploaded", o, s);
    }
    mcp_ires_clear(&res);
    return out;
}

json_t *mcpx_upload_text(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                         const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    const char *content = mcp_call_arg(c, "content");
    return upload_bytes(ex, s, c, content, strlen(content), ptok, emit, ectx);
}

json_t *mcpx_upload_stream(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                           const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    char *data = NULL;
    size_t len = 0;
    if (mcp_blob_take(ex->srv, mcp_call_arg(c, "blob_id"), mcp_sess_id(ex->sess), &data, &len) != 0)
        return mcp_result_message("Unknown, expired or already used blob_id (a blob is staged "
                                  "with POST /blob and the Mcp-Session-Id of this session, "
                                  "lives 5 minutes and is used once).",
                                  true);
    json_t *out = upload_bytes(ex, s, c, data, len, ptok, emit, ectx);
    free(data);
    return out;
}

/* One chunk of a session: a multipart body with the part "chunk" (api §5.4). */
json_t *mcpx_upload_chunk(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                          const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    const char *text = mcp_call_arg(c, "content");
    const char *b64 = mcp_call_arg(c, "content_base64");
    const char *blob = mcp_call_arg(c, "blob_id");
    if ((text != NULL) + (b64 != NULL) + (blob != NULL) != 1)
        return mcp_result_message("upload chunk needs exactly one of content, content_base64 "
                                  "or blob_id",
                                  true);
    char *data = NULL;
    size_t len = 0;
    if (text != NULL) {
        data = fio_strdup(text);
        len = strlen(text);
    } else if (b64 != NULL) {
        size_t cap = strlen(b64) / 4 * 3 + 3;
        data = malloc(cap + 1);
        if (data == NULL || !fio_b64_decode(b64, strlen(b64), data, cap, &len)) {
            free(data);
            return mcp_result_message("content_base64 is not valid base64", true);
        }
    } else if (mcp_blob_take(ex->srv, blob, mcp_sess_id(ex->sess), &data, &len) != 0) {
        return mcp_result_message("Unknown, expired or already used blob_id", true);
    }
    if (data == NULL)
        return mcp_result_message("out of memory", true);
    const char *boundary = "fastio-mcp-chunk-7d1f0c2a";
    struct fio_buf body;
    fio_buf_init(&body, 0);
    fio_buf_printf(&body,
                   "--%s\r\nContent-Disposition: form-data; name=\"chunk\"; filename=\"chunk\"\r\n"
                   "Content-Type: application/octet-stream\r\n\r\n",
                   boundary);
    fio_buf_append(&body, data, len);
    fio_buf_printf(&body, "\r\n--%s--\r\n", boundary);
    free(data);
    /* The row's numbers (order, hash...) travel in the query; size defaults to the bytes. */
    struct fastio_param params[MCP_CAT_MAX_PARAMS + 1];
    size_t np = 0;
    char num[32];
    for (size_t i = 0; i < c->n_params && np < MCP_CAT_MAX_PARAMS; i++)
        params[np++] = c->params[i];
    snprintf(num, sizeof(num), "%zu", len);
    params[np].name = "size";
    params[np].value = mcp_call_arg(c, "size") != NULL ? mcp_call_arg(c, "size") : num;
    np++;
    char authz[1200], ctype[100];
    mcpx_call_authz(ex, authz, sizeof(authz));
    snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%s", boundary);
    struct fio_buf path;
    fio_buf_init(&path, 0);
    mcpx_fill_path(c->row->path, c->path_args, c->n_path, &path);
    struct fio_form q;
    fio_form_init(&q);
    for (size_t i = 0; i < np; i++)
        fio_form_add(&q, params[i].name, params[i].value);
    struct mcp_ires res;
    struct prog pg = {ptok, emit, ectx, s, "chunk", 0, false};
    mcpx_prog_at(&pg, 0, (double)body.len, "sending the chunk");
    int rc = mcp_internal_prog(ex->srv, ex->client_ip, "POST", path.data != NULL ? path.data : "/",
                               &q, NULL, ctype, body.data, body.len, authz[0] ? authz : NULL, &res,
                               mcpx_prog_piece, &pg);
    explicit_bzero(authz, sizeof(authz));
    mcpx_prog_at(&pg, (double)body.len, (double)body.len, rc == 0 ? "chunk stored" : "failed");
    fio_form_release(&q);
    fio_buf_release(&path);
    fio_buf_release(&body);
    json_t *out = rc == 0 ? mcp_result_ok(c, "Chunk stored", res.body, mcpx_structured(s))
                          : mcpx_api_error(c, &res, s);
    mcp_ires_clear(&res);
    return out;
}

/* ---- downloads ---------------------------------------------------------------------------- */

/* The bytes of a readable file: the read route authorizes (router), the blob gives the bytes. */
int mcpx_read_file(struct mcp_exec *ex, const char *ws, const char *node, size_t max, char **data,
                   size_t *len, int64_t *size, struct mcp_ires *res, struct prog *pg)
{
    char authz[1200];
    mcpx_call_authz(ex, authz, sizeof(authz));
    const char *args[2] = {ws, node};
    struct fio_buf path;
    fio_buf_init(&path, 0);
    mcpx_fill_path("/workspace/{}/storage/{}/read/", args, 2, &path);
    int rc = mcp_internal(ex->srv, ex->client_ip, "GET", path.data != NULL ? path.data : "/", NULL,
                          NULL, NULL, NULL, 0, authz[0] ? authz : NULL, res);
    explicit_bzero(authz, sizeof(authz));
    fio_buf_release(&path);
    if (rc != 0)
        return -1;
    int fd = res->version_id[0] ? blob_open(ex->srv, res->version_id, size) : -1;
    if (fd < 0) {
        res->http = 500;
        snprintf(res->text, sizeof(res->text), "the file's content is missing");
        return -1;
    }
    size_t want = *size < (int64_t)max ? (size_t)*size : max;
    *data = malloc(want + 1);
    size_t got = 0;
    while (*data != NULL && got < want) {
        size_t piece = want - got < READ_PIECE ? want - got : READ_PIECE;
        ssize_t n = pread(fd, *data + got, piece, (off_t)got);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (pg != NULL)
            mcpx_prog_piece(pg, got, want);
    }
    close(fd);
    if (*data == NULL) {
        res->http = 500;
        snprintf(res->text, sizeof(res->text), "out of memory");
        return -1;
    }
    (*data)[got] = '\0';
    *len = got;
    return 0;
}

bool mcpx_utf8_text(const char *d, size_t n)
{
    json_t *j = json_stringn(d, n); /* jansson checks UTF-8 */
    bool ok = j != NULL && memchr(d, '\0', n) == NULL;
    json_decref(j);
    return ok;
}

/* The MIME type a file's bytes are shown with: text when they are UTF-8 without NUL. */
static const char *mime_of(bool text)
{
    return text ? "text/plain" : "application/octet-stream";
}

/* A file's bytes as MCP content (D-123): UTF-8 text as a text block, other bytes as an
 * embedded resource (download://workspace/{ws}/{node}) with base64 blob, in front of the
 * markdown summary of result r (from mcp_result_ok); structuredContent (when there) gets them
 * as "content" (text, or base64 per its "encoding"), as before. */
static void add_file_content(json_t *r, const char *ws, const char *node, const char *data,
                             size_t len)
{
    json_t *content = json_object_get(r, "content");
    if (!json_is_array(content))
        return;
    json_t *blk;
    json_t *sc = json_object_get(r, "structuredContent");
    if (mcpx_utf8_text(data, len)) {
        blk = json_pack("{s:s, s:s%}", "type", "text", "text", data, len);
        if (sc != NULL)
            json_object_set_new(sc, "content", json_stringn(data, len));
    } else {
        size_t bl = fio_b64_encoded_size(len);
        char *b = malloc(bl);
        if (b == NULL)
            return;
        fio_b64_encode(data, len, b, bl);
        if (sc != NULL)
            json_object_set_new(sc, "content", json_string(b));
        struct fio_buf u;
        fio_buf_init(&u, 0);
        fio_buf_append_str(&u, "download://workspace/");
        const char *const args[2] = {ws, node};
        mcpx_fill_path("{}/{}", args, 2, &u);
        blk = json_pack("{s:s, s:{s:s, s:s, s:s}}", "type", "resource", "resource", "uri",
                        u.data != NULL ? u.data : "", "mimeType", mime_of(false), "blob", b);
        fio_buf_release(&u);
        free(b);
    }
    if (blk != NULL)
        json_array_insert_new(content, 0, blk);
}

json_t *mcpx_download_read(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                           const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    size_t max = INLINE_MAX;
    const char *mb = mcp_call_arg(c, "max_bytes");
    long long want = 0;
    if (mb != NULL && fio_parse_ll(mb, 0, (long long)max, &want))
        max = (size_t)want;
    char *data = NULL;
    size_t len = 0;
    int64_t size = 0;
    struct mcp_ires res;
    struct prog pg = {ptok, emit, ectx, s, "download", 0, false};
    mcpx_prog_at(&pg, 0, -1, "reading the file");
    if (mcpx_read_file(ex, c->path_args[0], c->path_args[1], max, &data, &len, &size, &res, &pg) !=
        0) {
        return mcpx_api_fail(c, &res, s);
    }
    bool text = mcpx_utf8_text(data, len);
    json_t *o =
        json_pack("{s:s, s:I, s:I, s:b, s:s, s:s}", "node_id", c->path_args[1], "size",
                  (json_int_t)size, "returned", (json_int_t)len, "truncated", (int64_t)len < size,
                  "encoding", text ? "utf-8" : "base64", "mimeType", mime_of(text));
    mcp_ires_clear(&res);
    json_t *out = mcpx_result_steal(c, "File content", o, s);
    if (out != NULL)
        add_file_content(out, c->path_args[0], c->path_args[1], data, len);
    free(data);
    return out;
}

json_t *mcpx_download_url(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char authz[1200], base[300];
    mcpx_call_authz(ex, authz, sizeof(authz));
    struct mcp_ires res;
    int rc = mcpx_run_call(ex, c, authz, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        return mcpx_api_fail(c, &res, s);
    }
    const char *t = json_string_value(json_object_get(res.body, "token"));
    mcp_base_url(ex->srv, base, sizeof(base));
    struct fio_buf u;
    fio_buf_init(&u, 0);
    fio_buf_printf(&u, "%s/current", base);
    const char *const args[2] = {c->path_args[0], c->path_args[1]};
    mcpx_fill_path("/workspace/{}/storage/{}/read/", args, 2, &u);
    fio_buf_append_str(&u, "?token=");
    fio_url_escape(&u, t != NULL ? t : "", t != NULL ? strlen(t) : 0, true, NULL);
    json_t *o = json_pack("{s:s, s:O?, s:O?}", "url", u.data != NULL ? u.data : "", "version_id",
                          json_object_get(res.body, "version_id"), "expires",
                          json_object_get(res.body, "expires"));
    fio_buf_release(&u);
    mcp_ires_clear(&res);
    /* A small file comes inline as well (D-123): no second request for the agent. */
    char *data = NULL;
    size_t len = 0;
    int64_t size = 0;
    struct mcp_ires rr;
    bool inl = mcpx_read_file(ex, c->path_args[0], c->path_args[1], URL_INLINE_MAX + 1, &data, &len,
                              &size, &rr, NULL) == 0 &&
               size <= URL_INLINE_MAX;
    mcp_ires_clear(&rr);
    json_object_set_new(o, "size", json_integer((json_int_t)size));
    json_object_set_new(o, "inline", json_boolean(inl));
    json_t *out = mcpx_result_steal(c, "Download URL", o, s);
    if (out != NULL && inl)
        add_file_content(out, c->path_args[0], c->path_args[1], data, len);
    free(data);
    return out;
}
