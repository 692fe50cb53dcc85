/* SPDX-License-Identifier: MIT */
/* h_upload_batch.c - flow D of api §5.6: POST /upload/batch/, many small files in one multipart
 * body (text parts instance_id, manifest, folder_id, creator; file parts file_0..file_{n-1}).
 * Streamed through the incremental multipart parser: each file part is written once to its own
 * DATA/tmp/<upload id> with its CRC-32C (and a requested sha256/md5) computed on the way. At the
 * end of the body the manifest is checked, every good file is synced and renamed into the blob
 * store (one directory fsync for all), then one transaction places them in the tree, each entry
 * under its own savepoint so one bad entry never takes the others down. Per-entry results; a
 * partial or all-failed batch is still a 200 (docs/decisions.md "Uploads and downloads"). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "activity.h"
#include "blob.h"
#include "crc32c.h"
#include "events.h"
#include "handlers.h"
#include "multipart.h"
#include "store_node.h"
#include "upload.h"

#define BATCH_BODY_MAX (UP_BATCH_BYTES_MAX + 4LL * 1024 * 1024) /* files + text + part headers */
#define BATCH_REL_PATH_MAX 8192
#define BATCH_CREATOR_MAX 150

struct bfile {
    bool seen;      /* the part file_<i> arrived (complete) */
    bool tmp;       /* its temporary file exists and is not committed */
    bool too_big;   /* more than UP_SINGLE_MAX bytes: not kept */
    char upload_id[FIO_OPAQUE_ID_SIZE];
    int64_t size;
    uint32_t crc;
    EVP_MD_CTX *md; /* sha256/md5 of a manifest seen before the part, else NULL */
    char md_algo[8];
    char md_hex[129];
};

struct bctx {
    struct req *r;
    struct mp_parser mp;
    bool mp_on;
    int cur;    /* index of the file part being received; -1 = none, -2 = discarded part */
    int fd;
    int64_t total;
    json_t *manifest; /* parsed lazily (a file part that follows it, or the end) */
    bool manifest_tried;
    struct bfile f[UP_BATCH_FILES_MAX];
};

/* One manifest entry as checked at the end. */
struct bentry {
    int index;
    const char *filename, *rel, *algo, *hash; /* borrowed from the manifest */
    long err_code;
    int err_http;
    char err[256];
    char vid[FIO_OPAQUE_ID_SIZE];
    char node[FIO_OPAQUE_ID_SIZE];
    bool blob; /* vid names a committed blob */
};

static int fail_io(struct req *r, const char *what, int err)
{
    srv_log(r->srv, SRV_LOG_ERROR, "batch upload: %s: %s", what, strerror(err));
    if (err == ENOSPC || err == EDQUOT)
        return req_fail(r, 507, 0, "Insufficient storage");
    return req_fail(r, 500, 0, "Storage error");
}

/* "file_<n>", n decimal without leading zeros, < UP_BATCH_FILES_MAX. -1 when not such a name. */
static int file_index(const char *name)
{
    if (strncmp(name, "file_", 5) != 0)
        return -1;
    const char *p = name + 5;
    size_t n = strlen(p);
    if (n == 0 || n > 3 || strspn(p, "0123456789") != n || (n > 1 && p[0] == '0'))
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v < UP_BATCH_FILES_MAX ? v : -1;
}

static json_t *manifest_get(struct bctx *c)
{
    if (c->manifest || c->manifest_tried)
        return c->manifest;
    const char *m = fio_form_get(&c->mp.fields, "manifest");
    if (m) {
        c->manifest_tried = true;
        c->manifest = json_loads(m, JSON_REJECT_DUPLICATES, NULL);
    }
    return c->manifest;
}

/* The manifest entry of index i, or NULL. */
static json_t *manifest_entry(json_t *m, int i)
{
    if (!json_is_array(m))
        return NULL;
    size_t n = json_array_size(m);
    for (size_t k = 0; k < n && k < UP_BATCH_FILES_MAX; k++) {
        json_t *e = json_array_get(m, k);
        json_t *ix = json_object_get(e, "index");
        if (json_is_integer(ix) && json_integer_value(ix) == i)
            return e;
    }
    return NULL;
}

static enum mp_part_action on_part(void *ud, const char *name, const char *filename)
{
    struct bctx *c = ud;
    struct req *r = c->r;
    int i = file_index(name);
    if (i < 0) {
        if (!filename)
            return MP_PART_COLLECT; /* a text field */
        c->cur = -2;                /* an unknown file part: read and dropped */
        return MP_PART_STREAM;
    }
    struct bfile *f = &c->f[i];
    if (f->seen || f->tmp) {
        req_fail(r, 400, API_ERR_INVALID, "The part '%s' appears twice", name);
        return MP_PART_ABORT;
    }
    if (!fio_opaque_id_new(FIO_ID_UPLOAD, f->upload_id)) {
        req_fail_internal(r, "upload id");
        return MP_PART_ABORT;
    }
    if (blob_tmp_create(r->srv, f->upload_id, 0) != 0) {
        fail_io(r, "create temporary file", errno);
        return MP_PART_ABORT;
    }
    f->tmp = true;
    c->fd = blob_tmp_open(r->srv, f->upload_id);
    if (c->fd < 0) {
        fail_io(r, "open temporary file", errno);
        return MP_PART_ABORT;
    }
    /* a digest other than CRC-32C is computed on the way when the manifest came first */
    json_t *e = manifest_entry(manifest_get(c), i);
    const char *algo = json_string_value(json_object_get(e, "hash_algo"));
    if (algo && (strcmp(algo, "sha256") == 0 || strcmp(algo, "md5") == 0)) {
        f->md = EVP_MD_CTX_new();
        if (!f->md ||
            EVP_DigestInit_ex(f->md, algo[0] == 's' ? EVP_sha256() : EVP_md5(), NULL) != 1) {
            req_fail(r, 500, 0, "Out of memory");
            return MP_PART_ABORT;
        }
        fio_strlcpy(f->md_algo, algo, sizeof(f->md_algo));
    }
    c->cur = i;
    return MP_PART_STREAM;
}

static int on_data(void *ud, const char *d, size_t n)
{
    struct bctx *c = ud;
    struct req *r = c->r;
    c->total += (int64_t)n;
    if (c->total > UP_BATCH_BYTES_MAX) {
        req_fail(r, 413, API_ERR_INVALID, "The files of a batch total at most %lld bytes",
                 (long long)UP_BATCH_BYTES_MAX);
        return -1;
    }
    if (c->cur < 0)
        return 0;
    struct bfile *f = &c->f[c->cur];
    if (f->too_big || (int64_t)n > UP_SINGLE_MAX - f->size) {
        f->too_big = true; /* the entry fails; the body goes on */
        f->size += (int64_t)n;
        return 0;
    }
    if (blob_pwrite_all(r->srv, c->fd, d, n, f->size) != 0) {
        fail_io(r, "write", errno);
        return -1;
    }
    f->crc = fio_crc32c(f->crc, d, n);
    if (f->md && EVP_DigestUpdate(f->md, d, n) != 1) {
        req_fail(r, 500, 0, "Digest failed");
        return -1;
    }
    f->size += (int64_t)n;
    return 0;
}

static void digest_hex(EVP_MD_CTX *md, char out[129])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = 0;
    if (EVP_DigestFinal_ex(md, d, &n) != 1)
        return;
    for (unsigned k = 0; k < n && k < 64; k++)
        snprintf(out + 2 * k, 3, "%02x", d[k]);
}

static int on_end(void *ud)
{
    struct bctx *c = ud;
    if (c->cur >= 0) {
        struct bfile *f = &c->f[c->cur];
        f->seen = true;
        if (f->md) {
            digest_hex(f->md, f->md_hex);
            EVP_MD_CTX_free(f->md);
            f->md = NULL;
        }
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
    }
    c->cur = -1;
    return 0;
}

static const struct mp_callbacks batch_cbs = {on_part, on_data, on_end};

/* A digest of the stored temporary file (≤ 4 MiB), for a manifest that came after its part. */
static bool digest_file(const struct server *s, const char *upload_id, const char *algo,
                        char out[129])
{
    int fd = blob_tmp_open_read(s, upload_id);
    if (fd < 0)
        return false;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestInit_ex(md, strcmp(algo, "sha256") == 0 ? EVP_sha256() : EVP_md5(),
                                      NULL) == 1;
    char buf[65536];
    /* ≤ UP_SINGLE_MAX bytes: at most 64 reads of 64 KiB plus the final 0 */
    for (int k = 0; ok && k < 1000; k++) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        ok = EVP_DigestUpdate(md, buf, (size_t)n) == 1;
    }
    close(fd);
    if (ok)
        digest_hex(md, out);
    EVP_MD_CTX_free(md);
    return ok && out[0];
}

static int entry_fail(struct bentry *e, int http, long code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int entry_fail(struct bentry *e, int http, long code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof(e->err), fmt, ap);
    va_end(ap);
    srv_sanitize_text(e->err);
    e->err_http = http;
    e->err_code = code;
    return -1;
}

/* relative_path (api §5.1): 1..8192 bytes, ends with '/', no leading '/', segments valid names. */
static int check_rel_path(struct bentry *e)
{
    const char *p = e->rel;
    size_t n = strlen(p);
    if (n > BATCH_REL_PATH_MAX || p[0] == '/' || p[n - 1] != '/')
        return entry_fail(e, 400, API_ERR_INVALID,
                          "relative_path must be 1-%d bytes, end with '/' and not start with '/'",
                          BATCH_REL_PATH_MAX);
    for (size_t a = 0, k = 0; a < n && k < BATCH_REL_PATH_MAX; k++) {
        const char *slash = memchr(p + a, '/', n - a);
        size_t len = (size_t)(slash - (p + a));
        enum fio_name_check nc = fio_name_check(p + a, len);
        if (nc != FIO_NAME_OK || (len == 2 && memcmp(p + a, "..", 2) == 0) ||
            (len == 1 && p[a] == '.'))
            return entry_fail(e, 400, API_ERR_INVALID,
                              "relative_path has an invalid segment: the name %s",
                              nc != FIO_NAME_OK ? fio_name_check_str(nc) : "is a dot segment");
        a += len + 1;
    }
    return 0;
}

/* The manifest entry's own checks, before its bytes are committed. */
static void check_entry(struct bctx *c, json_t *je, struct bentry *e)
{
    struct bfile *f = &c->f[e->index];
    if (!e->filename || !*e->filename) {
        entry_fail(e, 400, API_ERR_INVALID, "The entry has no filename");
        return;
    }
    enum fio_name_check nc = fio_name_check(e->filename, strlen(e->filename));
    if (nc != FIO_NAME_OK) {
        entry_fail(e, 400, API_ERR_INVALID, "The filename %s", fio_name_check_str(nc));
        return;
    }
    json_t *rel = json_object_get(je, "relative_path");
    if (rel && !json_is_null(rel) && !json_is_string(rel)) {
        entry_fail(e, 400, API_ERR_INVALID, "relative_path must be a string");
        return;
    }
    if (e->rel && *e->rel && check_rel_path(e) != 0)
        return;
    if (!f->seen) {
        entry_fail(e, 400, API_ERR_INVALID, "The part file_%d is missing", e->index);
        return;
    }
    if (f->too_big) {
        entry_fail(e, 413, API_ERR_INVALID, "The file is larger than %lld bytes",
                   (long long)UP_SINGLE_MAX);
        return;
    }
    bool has_algo = e->algo && *e->algo, has_hash = e->hash && *e->hash;
    if (!has_algo && !has_hash)
        return;
    if (has_algo != has_hash) {
        entry_fail(e, 400, API_ERR_INVALID, "hash and hash_algo go together");
        return;
    }
    size_t want = strcmp(e->algo, "crc32c") == 0   ? 8
                  : strcmp(e->algo, "sha256") == 0 ? 64
                  : strcmp(e->algo, "md5") == 0    ? 32
                                                   : 0;
    if (!want || strlen(e->hash) != want || strspn(e->hash, "0123456789abcdefABCDEF") != want) {
        entry_fail(e, 400, API_ERR_INVALID,
                   "hash_algo must be crc32c, sha256 or md5 with a hash of 8, 64 or 32 hex digits");
        return;
    }
    char got[129] = "";
    if (want == 8)
        fio_crc32c_hex(f->crc, got);
    else if (strcmp(f->md_algo, e->algo) == 0)
        fio_strlcpy(got, f->md_hex, sizeof(got));
    else if (!digest_file(c->r->srv, f->upload_id, e->algo, got)) {
        entry_fail(e, 500, 0, "Cannot read the stored bytes back");
        return;
    }
    if (strcasecmp(got, e->hash) != 0)
        entry_fail(e, 406, API_ERR_CRC_MISMATCH,
                   "The %s of the received bytes (%s) does not match the hash sent", e->algo, got);
}

/* Find or create the folder chain of relative_path under base (NULL = root). */
static int ensure_folders(struct req *r, const char *base, int base_depth, struct bentry *e,
                          char out[FIO_OPAQUE_ID_SIZE])
{
    char parent[FIO_OPAQUE_ID_SIZE] = "";
    if (base)
        fio_strlcpy(parent, base, sizeof(parent));
    const char *p = e->rel;
    size_t n = strlen(p);
    int depth = base_depth;
    for (size_t a = 0, k = 0; a < n && k < BATCH_REL_PATH_MAX; k++) {
        const char *slash = memchr(p + a, '/', n - a);
        size_t len = (size_t)(slash - (p + a));
        char seg[STORE_NAME_SIZE];
        if (len >= sizeof(seg))
            return entry_fail(e, 400, API_ERR_INVALID, "A folder name is too long");
        memcpy(seg, p + a, len);
        seg[len] = 0;
        a += len + 1;
        if (++depth >= TREE_MAX_DEPTH)
            return entry_fail(e, 400, API_ERR_INVALID, "Folders nest at most %d levels deep",
                              TREE_MAX_DEPTH);
        char sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
        int rc = tree_find_sibling(r, parent[0] ? parent : NULL, seg, NULL, sid, stype);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            if (strcmp(stype, "folder") != 0)
                return entry_fail(e, 409, API_ERR_CONFLICT,
                                  "A %s named '%s' is where a folder of relative_path goes",
                                  stype, seg);
            memcpy(parent, sid, sizeof(parent));
            continue;
        }
        char id[FIO_OPAQUE_ID_SIZE];
        if (!fio_opaque_id_new(FIO_ID_NODE, id))
            return req_fail_internal(r, "node id");
        if (STORE(r->st, node)
                ->folder_insert(r->st, r->ws.id, id, parent, seg, r->caller.user_id,
                                srv_now_us()) != STORE_OK)
            return req_fail_internal(r, "insert folder");
        if (events_record(r, "node", "upload", "workspace_storage_folder_added", id,
                          json_pack("{s:s}", "name", seg)) != 0)
            return -1;
        memcpy(parent, id, sizeof(parent));
    }
    memcpy(out, parent, FIO_OPAQUE_ID_SIZE);
    return 0;
}

/* Store one checked entry inside the open transaction, under a savepoint. */
static void batch_place_entry(struct bctx *c, const char *folder, int folder_depth,
                              struct bentry *e)
{
    struct req *r = c->r;
    struct bfile *f = &c->f[e->index];
    const struct store_upload_ops *up = STORE(r->st, upload);
    if (up->entry_begin(r->st) != STORE_OK) {
        entry_fail(e, 503, 0, "The database is busy");
        return;
    }
    char parent[FIO_OPAQUE_ID_SIZE] = "";
    if (folder)
        fio_strlcpy(parent, folder, sizeof(parent));
    int64_t now = srv_now_us();
    int rc = 0;
    if (e->rel && *e->rel)
        rc = ensure_folders(r, folder, folder_depth, e, parent);
    if (rc == 0)
        rc = up_place_file(r, parent[0] ? parent : NULL, NULL, e->filename, e->vid, f->size,
                           f->crc, e->node);
    struct store_upload_new row = {
        .id = f->upload_id,
        .user_id = r->caller.user_id,
        .ws_id = r->ws.id,
        .folder_id = parent,
        .name = e->filename,
        .kind = "batch",
        .status = "stored",
        .size = f->size,
        .max_size = f->size,
        .new_file_id = e->node,
        .version_id = e->vid,
        .created = now,
        .expires = now + up_session_ttl_us(r->srv),
    };
    if (rc == 0 && up->insert(r->st, &row) != STORE_OK)
        rc = req_fail_internal(r, "insert batch session");
    if (rc == 0 && up->entry_end(r->st, true) == STORE_OK) {
        up_note(r, f->upload_id); /* published with the events' keys after the commit */
        return;
    }
    if (rc != 0) /* a failed release has undone the entry already */
        up->entry_end(r->st, false);
    if (!e->err_http) /* the error came from a shared helper: move it into the entry */
        entry_fail(e, r->err.http ? r->err.http : 500, r->err.code, "%s",
                   r->err.http ? r->err.text : "Could not store the file");
    r->err.http = 0;
    r->err.code = 0;
    r->err.text[0] = 0;
    json_decref(r->err.params);
    r->err.params = NULL;
    e->node[0] = 0;
}

static bool creator_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > BATCH_CREATOR_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* Whole-request checks of the manifest: an array of 1..200 objects with distinct integer
 * indexes 0..199. Fills e[] (borrowed strings) and *n. 0 or -1 (400 set). */
static int read_manifest(struct req *r, json_t *m, struct bentry *e, size_t *n)
{
    if (!json_is_array(m))
        return req_fail_param(r, "manifest", "invalid", "manifest must be a JSON array");
    size_t cnt = json_array_size(m);
    if (cnt == 0 || cnt > UP_BATCH_FILES_MAX)
        return req_fail_param(r, "manifest", "invalid", "A batch has 1 to %d files",
                              UP_BATCH_FILES_MAX);
    bool used[UP_BATCH_FILES_MAX] = {false};
    for (size_t k = 0; k < cnt; k++) {
        json_t *je = json_array_get(m, k);
        json_t *ix = json_object_get(je, "index");
        if (!json_is_object(je) || !json_is_integer(ix) || json_integer_value(ix) < 0 ||
            json_integer_value(ix) >= UP_BATCH_FILES_MAX || used[json_integer_value(ix)])
            return req_fail_param(r, "manifest", "invalid",
                                  "Entry %zu needs a distinct integer index from 0 to %d", k,
                                  UP_BATCH_FILES_MAX - 1);
        memset(&e[k], 0, sizeof(e[k]));
        e[k].index = (int)json_integer_value(ix);
        used[e[k].index] = true;
        e[k].filename = json_string_value(json_object_get(je, "filename"));
        e[k].rel = json_string_value(json_object_get(je, "relative_path"));
        e[k].algo = json_string_value(json_object_get(je, "hash_algo"));
        e[k].hash = json_string_value(json_object_get(je, "hash"));
    }
    *n = cnt;
    return 0;
}

static int batch_commit(struct bctx *c)
{
    struct req *r = c->r;
    const char *creator = req_param(r, "creator");
    if (creator && *creator && !creator_ok(creator))
        return req_fail_param(r, "creator", "invalid",
                              "creator is 1-%d characters of letters, digits and '-'",
                              BATCH_CREATOR_MAX);
    const char *mtext = req_param(r, "manifest");
    if (!mtext || !*mtext)
        return req_fail_param(r, "manifest", "missing", "The parameter 'manifest' is required");
    if (!c->manifest)
        c->manifest = json_loads(mtext, JSON_REJECT_DUPLICATES, NULL);
    json_t *m = c->manifest;
    if (!m)
        return req_fail_param(r, "manifest", "invalid", "manifest is not valid JSON");
    struct bentry *e = calloc(UP_BATCH_FILES_MAX, sizeof(*e));
    if (!e)
        return req_fail(r, 500, 0, "Out of memory");
    size_t n = 0;
    int ret = -1;
    if (read_manifest(r, m, e, &n) != 0)
        goto out;
    const char *pt = req_param(r, "profile_type");
    if (pt && *pt && strcmp(pt, "workspace") != 0) {
        req_fail_param(r, "profile_type", "invalid",
                       "Only profile_type=workspace is supported by this server");
        goto out;
    }
    if (up_ws_enter(r, req_param(r, "instance_id"), ROLE_MEMBER, true) != 0)
        goto out;
    char folder[FIO_OPAQUE_ID_SIZE] = "";
    int folder_depth = -1;
    if (up_check_folder(r, req_param(r, "folder_id"), folder) != 0)
        goto out;
    if (folder[0]) {
        struct store_node fn;
        if (tree_node_get(r, folder, NULL, &fn) != 1)
            goto out;
        folder_depth = fn.depth;
    }
    {
        int64_t got = 0; /* the parts received are on disk already (disk_add 0) */
        for (size_t k = 0; k < UP_BATCH_FILES_MAX; k++)
            if (c->f[k].seen && !c->f[k].too_big)
                got += c->f[k].size;
        if (up_admit(r, got, 0, false) != 0)
            goto out;
    }
    /* 1: per-entry checks; 2: sync + rename the good ones, one fsync of blobs/ */
    bool any = false;
    for (size_t k = 0; k < n; k++) {
        check_entry(c, json_array_get(m, k), &e[k]);
        if (e[k].err_http)
            continue;
        struct bfile *f = &c->f[e[k].index];
        if (!fio_opaque_id_new(FIO_ID_VERSION, e[k].vid)) {
            entry_fail(&e[k], 500, 0, "No version id");
            continue;
        }
        if (blob_commit_ex(r->srv, f->upload_id, e[k].vid, false) != 0) {
            srv_log(r->srv, SRV_LOG_ERROR, "batch upload: commit blob: %s", strerror(errno));
            entry_fail(&e[k], errno == ENOSPC ? 507 : 500, 0, "Storage error");
            continue;
        }
        f->tmp = false;
        e[k].blob = true;
        any = true;
    }
    if (any && blob_sync_blobs_dir(r->srv) != 0) {
        fail_io(r, "fsync blobs", errno);
        goto undo;
    }
    /* 3: one transaction, a savepoint per entry */
    if (any) {
        if (store_begin(r->st) != STORE_OK) {
            req_fail(r, 503, 0, "The database is busy; try again");
            goto undo;
        }
        for (size_t k = 0; k < n; k++)
            if (!e[k].err_http)
                batch_place_entry(c, folder[0] ? folder : NULL, folder_depth, &e[k]);
        if (store_commit(r->st) != STORE_OK) {
            store_rollback(r->st);
            activity_discard(r); /* the entries' keys: nothing was stored */
            req_fail(r, 503, 0, "The database is busy; try again");
            goto undo;
        }
    }
    /* the reply */
    char batch_id[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_UPLOAD, batch_id)) {
        req_fail_internal(r, "batch id");
        goto undo_failed_only;
    }
    json_t *results = json_array(), *errors = json_array();
    long ok = 0, bad = 0;
    for (size_t k = 0; results && errors && k < n; k++) {
        struct bfile *f = &c->f[e[k].index];
        bool good = !e[k].err_http;
        json_t *o = json_pack(
            "{s:i, s:o, s:s, s:o, s:o, s:o, s:o}", "index", e[k].index, "filename",
            e[k].filename ? json_string(e[k].filename) : json_null(), "status",
            good ? "ok" : "error", "upload_id", good ? json_string(f->upload_id) : json_null(),
            "node_id", good ? json_string(e[k].node) : json_null(), "error_code",
            good ? json_null() : json_integer(e[k].err_code ? e[k].err_code : e[k].err_http),
            "error_message", good ? json_null() : json_string(e[k].err));
        if (!o)
            continue;
        if (good)
            ok++;
        else {
            bad++;
            json_array_append(errors, o);
        }
        json_array_append_new(results, o);
    }
    if (req_set(r, "batch_id", json_string(batch_id)) ||
        req_set(r, "count_total", json_integer((json_int_t)n)) ||
        req_set(r, "count_succeeded", json_integer(ok)) ||
        req_set(r, "count_errored", json_integer(bad)) ||
        req_set(r, "partial", json_boolean(ok > 0 && bad > 0)) ||
        req_set(r, "all_failed", json_boolean(ok == 0)) ||
        req_set(r, "creator", creator && *creator ? json_string(creator) : json_null()) ||
        req_set(r, "results", results) || req_set(r, "errors", errors)) {
        results = errors = NULL;
        goto undo_failed_only;
    }
    ret = 0;
undo_failed_only:
    for (size_t k = 0; k < n; k++)
        if (e[k].blob && e[k].err_http)
            blob_remove(r->srv, e[k].vid);
    goto out;
undo:
    for (size_t k = 0; k < n; k++)
        if (e[k].blob)
            blob_remove(r->srv, e[k].vid);
out:
    free(e);
    return ret;
}

static int mp_fail(struct req *r, struct bctx *c, enum mp_status st)
{
    if (r->err.http)
        return -1; /* a callback already said why */
    if (st == MP_ERR_LIMIT)
        return req_fail(r, 413, API_ERR_INVALID, "Multipart body: %s", c->mp.err);
    if (st == MP_ERR_NOMEM)
        return req_fail(r, 500, 0, "Out of memory");
    return req_fail(r, 400, API_ERR_INVALID, "Malformed multipart body: %s", c->mp.err);
}

static int batch_data(struct req *r, const char *d, size_t n)
{
    struct bctx *c = r->stream_ctx;
    enum mp_status st = mp_feed(&c->mp, d, n);
    return st == MP_OK ? 0 : mp_fail(r, c, st);
}

static int batch_finish(struct req *r)
{
    struct bctx *c = r->stream_ctx;
    enum mp_status st = mp_finish(&c->mp);
    if (st != MP_OK)
        return mp_fail(r, c, st);
    /* the text parts become the request's parameters */
    fio_form_release(&r->form);
    r->form = c->mp.fields;
    fio_form_init(&c->mp.fields);
    if (!up_db_enter(r))
        return req_fail_internal(r, "db");
    int rc = batch_commit(c);
    up_db_leave(r); /* rolls back an unfinished transaction */
    return rc;
}

static void batch_free(struct req *r)
{
    struct bctx *c = r->stream_ctx;
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    for (size_t i = 0; i < UP_BATCH_FILES_MAX; i++) {
        if (c->f[i].tmp)
            blob_tmp_remove(r->srv, c->f[i].upload_id);
        EVP_MD_CTX_free(c->f[i].md);
    }
    if (c->mp_on)
        mp_release(&c->mp);
    json_decref(c->manifest);
    free(c);
    r->stream_ctx = NULL;
}

static const struct req_stream batch_ops = {batch_data, batch_finish, batch_free};

int h_up_batch(struct req *r)
{
    if (!r->caller.authed)
        return req_fail(r, 401, API_ERR_BATCH_ANON, "Batch upload needs an authenticated caller");
    if (strncasecmp(r->content_type, "multipart/form-data", 19) != 0)
        return req_fail(r, 415, API_ERR_INVALID, "Batch upload takes multipart/form-data");
    if (r->content_length > BATCH_BODY_MAX)
        return req_fail(r, 413, API_ERR_INVALID, "Request body too large (limit %lld bytes)",
                        (long long)BATCH_BODY_MAX);
    struct bctx *c = calloc(1, sizeof(*c));
    if (!c)
        return req_fail(r, 500, 0, "Out of memory");
    c->r = r;
    c->fd = -1;
    c->cur = -1;
    r->stream_ctx = c;
    r->stream = &batch_ops; /* from here on batch_free runs when the request ends */
    char boundary[MP_BOUNDARY_MAX + 1];
    if (!mp_content_type_boundary(r->content_type, boundary, sizeof(boundary)) ||
        !mp_init(&c->mp, boundary, &batch_cbs, c)) {
        mp_release(&c->mp);
        return req_fail(r, 400, API_ERR_INVALID, "multipart/form-data needs a valid boundary");
    }
    c->mp_on = true;
    return 0;
}
