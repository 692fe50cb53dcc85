/* SPDX-License-Identifier: MIT */
/* h_download.c - file downloads and versions (api §4.2, §6): read tokens (256 random bits, only
 * the SHA-256 stored, bound to node + version, short-lived), /read/ with a token or a Bearer
 * caller, single-range Range requests (206 / 416), bytes served from the file descriptor
 * (pread into 1 MiB blocks that are sent, or sendfile with --sendfile), the versions list and
 * restore-version. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/evp.h>

#include "blob.h"
#include "download.h"
#include "events.h"
#include "handlers.h"
#include "rand.h"
#include "store_node.h"
#include "upload.h"

#define READ_TOKEN_TTL_US (10LL * 60 * 1000000) /* 10 minutes, reusable (parallel ranges) */
#define VERSIONS_MAX 1000
#define DL_BLOCK (1024 * 1024) /* bytes read from the blob per block sent */

/* ---- the body of a download ------------------------------------------------------------------
 * By default [base, base+len) of the blob is pread into the response's block (DL_BLOCK, less
 * for a smaller body) and libmicrohttpd sends the block. Measured on this project's machine
 * (docs/benchmarks.md): sendfile's page-by-page splice cost the server more CPU than one large
 * copy, and the receiving client then copied the bytes out of page-cache pages not in any
 * cache instead of freshly written socket buffers; a 1 GiB download took 0.44-0.47 s with
 * sendfile and 0.33-0.35 s with blocks. --sendfile keeps the zero-copy path, for a server whose
 * clients are across a network where the copy is what matters. */
struct dl_body {
    int fd;
    int64_t base;
    uint64_t len;
};

static ssize_t dl_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct dl_body *b = cls;
    ssize_t r;
    if (pos >= b->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (max > b->len - pos)
        max = (size_t)(b->len - pos);
    do
        r = pread(b->fd, buf, max, (off_t)(b->base + (int64_t)pos));
    while (r < 0 && errno == EINTR);
    /* 0 = the blob is shorter than its row says: end the response short, never pad it */
    return r > 0 ? r : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void dl_free(void *cls)
{
    struct dl_body *b = cls;
    close(b->fd);
    free(b);
}

/* A response with bytes [off, off+len) of fd (len > 0), which it owns from then on; NULL (fd
 * still the caller's) when out of memory. */
static struct MHD_Response *dl_response(struct server *s, int fd, int64_t off, uint64_t len)
{
    if (s->cfg.sendfile)
        return MHD_create_response_from_fd_at_offset64(len, fd, (uint64_t)off);
    struct dl_body *b = malloc(sizeof(*b));
    if (!b)
        return NULL;
    *b = (struct dl_body){fd, off, len};
    struct MHD_Response *resp = MHD_create_response_from_callback(
        len, len < DL_BLOCK ? (size_t)len : DL_BLOCK, dl_read, b, dl_free);
    if (!resp)
        free(b);
    return resp;
}

static void sha256_hex(const char *s, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = 0;
}

/* The {node} argument as a live file of r->ws. */
static int live_file(struct req *r, char id[FIO_OPAQUE_ID_SIZE])
{
    bool is_root;
    if (tree_parse_id(r, req_arg(r, 1), "node", &is_root, id) != 0)
        return -1;
    if (is_root)
        return req_fail_param(r, "node", "invalid", "The root is a folder; use zip/");
    struct store_node n;
    int rc = tree_node_get(r, id, NULL, &n);
    if (rc < 0)
        return -1;
    if (rc == 0 || n.hidden)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Node not found");
    if (strcmp(n.type, "file") != 0)
        return req_fail_param(r, "node", "invalid", "The node is a %s, not a file", n.type);
    return 0;
}

int dl_node_version(struct req *r, const char *node_id, const char *want,
                    char out[FIO_OPAQUE_ID_SIZE])
{
    char norm[FIO_OPAQUE_ID_SIZE] = "";
    if (want && *want) {
        char type[3];
        if (!fio_opaque_id_normalize(want, strlen(want), norm) ||
            !fio_opaque_id_type(norm, type, NULL) || strcmp(type, FIO_ID_VERSION) != 0)
            return req_fail_param(r, "version_id", "invalid", "Not a version id");
    }
    const struct store_node_ops *nd = STORE(r->st, node);
    char cur[FIO_OPAQUE_ID_SIZE];
    if (nd->version_current(r->st, r->ws.id, node_id, cur) != STORE_OK)
        return req_fail_internal(r, "node version");
    if (!norm[0] || strcmp(norm, cur) == 0) {
        if (!cur[0])
            return req_fail(r, 404, API_ERR_NOT_FOUND, "The file has no content yet");
        memcpy(out, cur, FIO_OPAQUE_ID_SIZE);
        return 0;
    }
    enum store_rc rc = nd->version_in_history(r->st, node_id, norm);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No such version of this file");
    if (rc != STORE_OK)
        return req_fail_internal(r, "version lookup");
    memcpy(out, norm, FIO_OPAQUE_ID_SIZE);
    return 0;
}

void dl_add_headers(void *resp, const char *filename)
{
    char ascii[256];
    size_t n = 0;
    for (const char *p = filename; *p && n + 1 < sizeof(ascii); p++) {
        unsigned char ch = (unsigned char)*p;
        ascii[n++] = (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '/' || ch == ';')
                         ? '_'
                         : (char)ch;
    }
    ascii[n] = 0;
    struct fio_buf b;
    fio_buf_init(&b, 4096);
    if (fio_buf_printf(&b, "attachment; filename=\"%s\"; filename*=UTF-8''", ascii) &&
        fio_url_escape(&b, filename, strlen(filename), false, NULL))
        MHD_add_response_header(resp, "Content-Disposition", b.data);
    else
        MHD_add_response_header(resp, "Content-Disposition", "attachment");
    fio_buf_release(&b);
    MHD_add_response_header(resp, "Content-Security-Policy", "sandbox");
    MHD_add_response_header(resp, "Cache-Control", "private, no-store");
}

int h_dl_requestread(struct req *r)
{
    char node[FIO_OPAQUE_ID_SIZE], vid[FIO_OPAQUE_ID_SIZE];
    if (live_file(r, node) != 0 || dl_node_version(r, node, req_param(r, "version_id"), vid) != 0)
        return -1;
    unsigned char raw[32];
    char tok[65], hash[65];
    if (!fio_random_bytes(raw, sizeof(raw)))
        return req_fail_internal(r, "random");
    for (int i = 0; i < 32; i++)
        snprintf(tok + 2 * i, 3, "%02x", raw[i]);
    sha256_hex(tok, hash);
    int64_t exp = srv_now_us() + READ_TOKEN_TTL_US;
    if (STORE(r->st, node)
            ->read_token_insert(r->st, hash, r->caller.user_id, r->ws.id, node, vid, exp) !=
        STORE_OK)
        return req_fail_internal(r, "insert read token");
    return req_set(r, "token", json_string(tok)) || req_set(r, "version_id", json_string(vid)) ||
                   req_set(r, "expires", srv_time_json(exp))
               ? -1
               : 0;
}

/* Range (RFC 9110 §14): 1 = one satisfiable range [*a, *b]; 0 = serve the whole file (absent,
 * malformed or several ranges); -1 = unsatisfiable (416). */
static int parse_range(const char *h, int64_t size, int64_t *a, int64_t *b)
{
    if (!h || strncasecmp(h, "bytes=", 6) != 0 || strchr(h, ','))
        return 0;
    const char *p = h + 6;
    while (*p == ' ')
        p++;
    const char *dash = strchr(p, '-');
    if (!dash)
        return 0;
    char first[24] = "", last[24] = "";
    size_t fl = (size_t)(dash - p), ll = strlen(dash + 1);
    while (ll && dash[ll] == ' ')
        ll--;
    if (fl >= sizeof(first) || ll >= sizeof(last))
        return 0;
    memcpy(first, p, fl);
    memcpy(last, dash + 1, ll);
    long long x, y;
    if (!fl) { /* suffix: the last y bytes */
        if (!fio_parse_ll(last, 0, INT64_MAX, &y))
            return 0;
        if (y == 0 || size == 0)
            return -1;
        *a = y >= size ? 0 : size - y;
        *b = size - 1;
        return 1;
    }
    if (!fio_parse_ll(first, 0, INT64_MAX, &x))
        return 0;
    if (ll) {
        if (!fio_parse_ll(last, 0, INT64_MAX, &y) || y < x)
            return 0;
    } else
        y = INT64_MAX;
    if (x >= size)
        return -1;
    *a = x;
    *b = y >= size ? size - 1 : y;
    return 1;
}

int h_dl_read(struct req *r)
{
    const char *ws_key = req_arg(r, 0);
    const char *token = req_param(r, "token");
    char node[FIO_OPAQUE_ID_SIZE], vid[FIO_OPAQUE_ID_SIZE], bound[FIO_OPAQUE_ID_SIZE] = "";
    if (!r->st)
        return req_fail_internal(r, "db");
    if (token && *token) {
        /* the token alone authorizes: its workspace and node must be the ones in the path */
        char hash[65];
        struct store_read_token t;
        memset(&t, 0, sizeof(t)); /* not found leaves it empty: refused below */
        sha256_hex(token, hash);
        enum store_rc rc =
            STORE(r->st, node)->read_token_get(r->st, hash, ws_key, srv_now_us(), &t);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            return req_fail_internal(r, "token lookup");
        fio_strlcpy(bound, t.version_id, sizeof(bound));
        char want[FIO_OPAQUE_ID_SIZE] = "";
        const char *arg = req_arg(r, 1);
        if (arg)
            fio_opaque_id_normalize(arg, strlen(arg), want);
        if (!t.ws_id[0] || strcmp(want, t.node_id) != 0)
            return req_fail(r, 401, API_ERR_AUTH,
                            "The read token is invalid, expired or for another file");
        r->ws.set = true;
        fio_strlcpy(r->ws.id, t.ws_id, sizeof(r->ws.id));
    } else {
        if (!r->caller.authed)
            return req_fail(r, 401, API_ERR_AUTH, "Authentication or a read token is required");
        if (up_ws_enter(r, ws_key, ROLE_GUEST, false) != 0)
            return -1;
    }
    if (live_file(r, node) != 0)
        return -1;
    const char *want_v = req_param(r, "version_id");
    if (bound[0] && want_v && *want_v) {
        char norm[FIO_OPAQUE_ID_SIZE] = "";
        fio_opaque_id_normalize(want_v, strlen(want_v), norm);
        if (strcmp(norm, bound) != 0)
            return req_fail(r, 403, API_ERR_PERMISSION, "The read token is for another version");
    }
    if (dl_node_version(r, node, bound[0] ? bound : want_v, vid) != 0)
        return -1;
    char name[STORE_NAME_SIZE] = "download";
    /* the default name stays when the lookup fails: the bytes matter more than their name */
    STORE(r->st, node)->name(r->st, r->ws.id, node, name, sizeof(name));
    int64_t size = 0;
    int fd = blob_open(r->srv, vid, &size);
    if (fd < 0) {
        srv_log(r->srv, SRV_LOG_ERROR, "download: blob %s of node %s is missing", vid, node);
        return req_fail(r, 500, 0, "The file's content is missing");
    }
    int64_t a = 0, b = size - 1;
    /* r->conn is NULL for an internal request (an MCP tool call): no Range then */
    int rr = parse_range(r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Range")
                                 : NULL,
                         size, &a, &b);
    struct MHD_Response *resp;
    char cr[96];
    if (rr < 0) {
        close(fd);
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        snprintf(cr, sizeof(cr), "bytes */%lld", (long long)size);
        r->status_ok = 416;
        r->bytes_out = 0;
    } else {
        uint64_t len = rr == 1 ? (uint64_t)(b - a + 1) : (uint64_t)size;
        if (len == 0) {
            close(fd);
            resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        } else {
            /* the response owns fd from here; on failure it is still ours */
            resp = dl_response(r->srv, fd, rr == 1 ? a : 0, len);
            if (!resp)
                close(fd);
        }
        r->status_ok = rr == 1 ? 206 : 200;
        r->bytes_out = (size_t)len;
        snprintf(cr, sizeof(cr), "bytes %lld-%lld/%lld", (long long)a, (long long)b,
                 (long long)size);
    }
    if (!resp)
        return req_fail(r, 500, 0, "Out of memory");
    if (rr != 0)
        MHD_add_response_header(resp, "Content-Range", cr);
    MHD_add_response_header(resp, "Accept-Ranges", "bytes");
    MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
    char etag[48];
    snprintf(etag, sizeof(etag), "\"%s\"", vid);
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "X-Version-Id", vid);
    dl_add_headers(resp, name);
    r->raw_response = resp;
    return 0;
}

/* store_version_fn: append the version object of api §6 to the array arg. */
static int version_json(const struct store_version *v, void *arg)
{
    json_array_append_new(
        arg, json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:b}", "version_id", v->id, "id",
                       v->id, "size", (json_int_t)v->size, "hash", v->crc32c, "hash_algo", "crc32c",
                       "name", v->name, "creator", v->creator_id, "created",
                       srv_time_json(v->created), "current", v->current));
    return 0;
}

int h_dl_versions(struct req *r)
{
    char node[FIO_OPAQUE_ID_SIZE];
    if (live_file(r, node) != 0)
        return -1;
    json_t *arr = json_array();
    if (!arr)
        return req_fail(r, 500, 0, "Out of memory");
    if (STORE(r->st, node)->versions_each(r->st, r->ws.id, node, VERSIONS_MAX, version_json, arr) !=
        STORE_OK) {
        json_decref(arr);
        return req_fail_internal(r, "versions");
    }
    size_t n = json_array_size(arr);
    return req_set(r, "versions", arr) || req_set(r, "count", json_integer((json_int_t)n)) ? -1
                                                                                            : 0;
}

int h_dl_restore_version(struct req *r)
{
    char node[FIO_OPAQUE_ID_SIZE], vid[FIO_OPAQUE_ID_SIZE];
    const char *want = req_param(r, "version_id");
    if (!want || !*want)
        return req_fail_param(r, "version_id", "missing", "The parameter 'version_id' is required");
    if (live_file(r, node) != 0 || tree_check_lock(r, node) != 0 ||
        dl_node_version(r, node, want, vid) != 0)
        return -1;
    /* the old content becomes current again; the version being replaced stays in the history */
    if (STORE(r->st, node)->version_restore(r->st, r->ws.id, node, vid, srv_now_us()) != STORE_OK)
        return req_fail_internal(r, "restore version");
    if (events_record(r, "node", "storage", "workspace_storage_file_version_restored", node,
                      json_pack("{s:s}", "version_id", vid)) != 0 ||
        req_set(r, "version_id", json_string(vid)))
        return -1;
    return tree_reply_node(r, node, false);
}
