/* SPDX-License-Identifier: MIT */
/* test_download.c - downloads against a real server (api §6; reliability.md "Downloads"): Range
 * edge cases (206 / 416 / several ranges = the whole file; ranges across the server's 1 MiB read
 * blocks; the same on a --sendfile server), the byte headers (Content-Length,
 * RFC 6266 Content-Disposition for a unicode name, nosniff, CSP sandbox), read tokens (no
 * Authorization needed, refused for another node or workspace, expiry), version_id, a folder or
 * an outsider refused, the streamed folder zip (central directory parsed here; `unzip -t` when
 * present) and blob reclaim at purge / trash empty / workspace delete. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "it_oauth.h" /* ito_header */
#include "it_upload.h"

static const struct it_fixture_opts fx_opts = {NULL, true, NULL}; /* the owner's workspace */
static struct it_fixture fx;
static struct it_server *cur = &fx.srv; /* the server put_file and get talk to */

/* Single-request upload into folder (NULL = root) of workspace w; node id into node. */
static void put_file(const char *w, const char *folder, const char *name, const void *d,
                     size_t len, char node[64])
{
    char *out = NULL;
    const char *f[] = {"name", name, "instance_id", w, "folder_id", folder ? folder : "root",
                       NULL};
    long st = itu_multipart(cur, cur->owner_key, "/current/upload/", f, d, len, &out);
    if (st != 200)
        fprintf(stderr, "upload %s: %ld %s\n", name, st, out);
    assert_int_equal(st, 200);
    json_t *j = itu_json(out);
    snprintf(node, 64, "%s", json_string_value(json_object_get(j, "new_file_id")));
    json_decref(j);
    free(out);
}

/* GET path on the current server (itu_get). */
static long get(const char *token, const char *path, const char *range, char **body, size_t *len,
                char **hdrs)
{
    return itu_get(cur, token, path, range, body, len, hdrs);
}

static long atoi_safe(const char *s)
{
    return strtol(s, NULL, 10);
}

static void read_path(char *out, size_t n, const char *w, const char *node, const char *q)
{
    snprintf(out, n, "/current/workspace/%s/storage/%s/read/%s", w, node, q ? q : "");
}

/* Range cases on a file of n bytes (n >= 1000) of workspace w on the current server. */
static void range_cases(const char *w, size_t n)
{
    unsigned char *d = itu_bytes(n, 1);
    char node[64], path[512], *body, *h, v[256], cr[4][96], r[4][64];
    size_t len;
    put_file(w, NULL, "range.bin", d, n, node);
    read_path(path, sizeof(path), w, node, NULL);
    /* the last ranges cross the server's 1 MiB read blocks when n is larger */
    size_t mid = n / 2, blk = 1048576;
    size_t x0 = n > blk + 10 ? blk - 7 : 10, x1 = n > 2 * blk + 10 ? 2 * blk + 9 : n - 10;
    snprintf(r[0], sizeof(r[0]), "bytes=%zu-%zu", mid, mid);
    snprintf(r[1], sizeof(r[1]), "bytes=%zu-%zu", x0, x1);
    snprintf(r[2], sizeof(r[2]), "bytes=-%zu", n - 3);
    snprintf(r[3], sizeof(r[3]), "bytes=%zu-", x0);
    snprintf(cr[0], sizeof(cr[0]), "bytes %zu-%zu/%zu", mid, mid, n);
    snprintf(cr[1], sizeof(cr[1]), "bytes %zu-%zu/%zu", x0, x1, n);
    snprintf(cr[2], sizeof(cr[2]), "bytes 3-%zu/%zu", n - 1, n);
    snprintf(cr[3], sizeof(cr[3]), "bytes %zu-%zu/%zu", x0, n - 1, n);
    char c0[96], c1[96], c2[96], c3[96], c4[96], c5[96], r5[64];
    snprintf(c0, sizeof(c0), "bytes 0-0/%zu", n);
    snprintf(c1, sizeof(c1), "bytes 100-199/%zu", n);
    snprintf(c2, sizeof(c2), "bytes %zu-%zu/%zu", n - 10, n - 1, n);
    snprintf(c3, sizeof(c3), "bytes %zu-%zu/%zu", n - 10, n - 1, n);
    snprintf(c4, sizeof(c4), "bytes 0-%zu/%zu", n - 1, n);
    snprintf(c5, sizeof(c5), "bytes %zu-%zu/%zu", n - 100, n - 1, n);
    char r3[64], r4[64];
    snprintf(r3, sizeof(r3), "bytes=%zu-", n - 10);
    snprintf(r4, sizeof(r4), "bytes=-%zu", n * 5);
    snprintf(r5, sizeof(r5), "bytes=%zu-%zu", n - 100, n * 5);
    struct {
        const char *range;
        long status;
        size_t off, len;
        const char *cr;
    } cases[] = {
        {"bytes=0-0", 206, 0, 1, c0},
        {"bytes=100-199", 206, 100, 100, c1},
        {"bytes=-10", 206, n - 10, 10, c2},
        {r3, 206, n - 10, 10, c3},
        {r4, 206, 0, n, c4},
        {r5, 206, n - 100, 100, c5},
        {r[0], 206, mid, 1, cr[0]},
        {r[1], 206, x0, x1 - x0 + 1, cr[1]},
        {r[2], 206, 3, n - 3, cr[2]},
        {r[3], 206, x0, n - x0, cr[3]},
        {"bytes=0-1,5-6", 200, 0, n, NULL}, /* several ranges: the whole file */
        {"bytes=x-y", 200, 0, n, NULL},     /* malformed: the whole file */
        {NULL, 200, 0, n, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(get(cur->owner_key, path, cases[i].range, &body, &len, &h),
                         cases[i].status);
        assert_int_equal(len, cases[i].len);
        assert_memory_equal(body, d + cases[i].off, cases[i].len);
        if (cases[i].cr) {
            assert_true(ito_header(h, "Content-Range", v, sizeof(v)));
            assert_string_equal(v, cases[i].cr);
        } else
            assert_false(ito_header(h, "Content-Range", v, sizeof(v)));
        assert_true(ito_header(h, "Content-Length", v, sizeof(v)));
        assert_int_equal(atoi_safe(v), (long)cases[i].len);
        free(body);
        free(h);
    }
    /* unsatisfiable: 416 with bytes */
    char b0[64], b1[64], want[96];
    snprintf(b0, sizeof(b0), "bytes=%zu-", n);
    snprintf(b1, sizeof(b1), "bytes=%zu-%zu", n * 5, n * 6);
    snprintf(want, sizeof(want), "bytes */%zu", n);
    const char *bad[] = {b0, b1, "bytes=-0"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(get(cur->owner_key, path, bad[i], &body, &len, &h), 416);
        assert_true(ito_header(h, "Content-Range", v, sizeof(v)));
        assert_string_equal(v, want);
        free(body);
        free(h);
    }
    free(d);
}

/* A blob found shorter on disk than its row says (damaged storage): the response ends short
 * (the client sees an incomplete body), it is never padded or passed off as whole. */
static void short_blob_case(const char *w)
{
    const size_t n = 3 * 1048576 + 5;
    unsigned char *d = itu_bytes(n, 7);
    char node[64], path[512], blob[700], vid[128], *body, *h;
    size_t len;
    put_file(w, NULL, "short.bin", d, n, node);
    read_path(path, sizeof(path), w, node, NULL);
    assert_int_equal(get(cur->owner_key, path, "bytes=0-0", &body, &len, &h), 206);
    assert_true(ito_header(h, "X-Version-Id", vid, sizeof(vid)));
    free(body);
    free(h);
    snprintf(blob, sizeof(blob), "%s/blobs/%s", cur->dir, vid);
    assert_int_equal(truncate(blob, (off_t)(n / 2)), 0);
    long st = get(cur->owner_key, path, NULL, &body, &len, NULL);
    assert_true(st == 0 || len < n); /* curl: transfer closed with bytes outstanding */
    assert_true(len <= n / 2);
    assert_memory_equal(body, d, len);
    free(body);
    free(d);
}

static void test_range(void **state)
{
    (void)state;
    range_cases(fx.owner.ws, 1000);
    range_cases(fx.owner.ws, 3 * 1048576 + 5); /* several of the server's 1 MiB read blocks */
    short_blob_case(fx.owner.ws);
}

/* The same on a server started with --sendfile (bytes sent from the file descriptor). */
static void test_range_sendfile(void **state)
{
    (void)state;
    static struct it_fixture f2;
    static const char *const args[] = {"--sendfile", NULL};
    const struct it_fixture_opts o = {args, true, NULL};
    assert_int_equal(it_fixture_start(&f2, &o), 0);
    cur = &f2.srv;
    range_cases(f2.owner.ws, 1000);
    range_cases(f2.owner.ws, 3 * 1048576 + 5);
    short_blob_case(f2.owner.ws);
    cur = &fx.srv;
    assert_int_equal(it_fixture_stop(&f2), 0);
}

static void test_headers(void **state)
{
    (void)state;
    char node[64], path[512], *body, *h, v[512];
    size_t len;
    put_file(fx.owner.ws, NULL, "\xc3\xa9t\xc3\xa9 \"x\".txt", "hello", 5, node);
    read_path(path, sizeof(path), fx.owner.ws, node, NULL);
    assert_int_equal(get(fx.srv.owner_key, path, NULL, &body, &len, &h), 200);
    assert_int_equal(len, 5);
    assert_true(ito_header(h, "Content-Length", v, sizeof(v)));
    assert_string_equal(v, "5");
    assert_true(ito_header(h, "Content-Disposition", v, sizeof(v)));
    assert_non_null(strstr(v, "attachment"));
    assert_non_null(strstr(v, "filename*=UTF-8''%C3%A9t%C3%A9%20%22x%22.txt"));
    assert_true(ito_header(h, "X-Content-Type-Options", v, sizeof(v)));
    assert_string_equal(v, "nosniff");
    assert_true(ito_header(h, "Content-Security-Policy", v, sizeof(v)));
    assert_string_equal(v, "sandbox");
    assert_true(ito_header(h, "Accept-Ranges", v, sizeof(v)));
    free(body);
    free(h);
}

static void request_token(const char *w, const char *node, const char *q, char tok[128])
{
    char path[512], *out = NULL;
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/requestread/%s", w, node,
             q ? q : "");
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &out, NULL),
                     200);
    json_t *j = itu_json(out);
    snprintf(tok, 128, "%s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
    free(out);
}

static void test_tokens_versions_refusals(void **state)
{
    (void)state;
    char n1[64], n2[64], path[512], q[256], tok[128], *body;
    size_t len;
    put_file(fx.owner.ws, NULL, "tok.txt", "version-1", 9, n1);
    put_file(fx.owner.ws, NULL, "other.txt", "other", 5, n2);
    request_token(fx.owner.ws, n1, NULL, tok);
    /* no Authorization */
    snprintf(q, sizeof(q), "?token=%s", tok);
    read_path(path, sizeof(path), fx.owner.ws, n1, q);
    assert_int_equal(get(NULL, path, NULL, &body, &len, NULL), 200);
    assert_int_equal(len, 9);
    assert_memory_equal(body, "version-1", 9);
    free(body);
    /* another node, another workspace: refused */
    read_path(path, sizeof(path), fx.owner.ws, n2, q);
    assert_int_equal(get(NULL, path, NULL, &body, &len, NULL), 401);
    free(body);
    char ws2[32];
    struct fastio_client *c = it_client(&fx.srv, fx.srv.owner_key);
    it_org_ws(c, NULL, ws2);
    fastio_client_free(c);
    read_path(path, sizeof(path), ws2, n1, q);
    assert_int_equal(get(NULL, path, NULL, &body, &len, NULL), 401);
    free(body);
    /* a new version; the old one stays readable by version_id */
    put_file(fx.owner.ws, NULL, "tok.txt", "version-2!", 10, n2);
    assert_string_equal(n1, n2); /* same name, same folder: a new version of the node */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/versions/", fx.owner.ws, n1);
    char *out = NULL;
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &out, NULL),
                     200);
    json_t *j = itu_json(out);
    free(out);
    json_t *vs = json_object_get(j, "versions");
    assert_int_equal(json_array_size(vs), 2);
    char old[64] = "";
    for (size_t i = 0; i < 2; i++)
        if (json_integer_value(json_object_get(json_array_get(vs, i), "size")) == 9)
            snprintf(old, sizeof(old), "%s",
                     json_string_value(json_object_get(json_array_get(vs, i), "version_id")));
    json_decref(j);
    assert_true(old[0]);
    /* the token was bound to version 1 when it was issued */
    read_path(path, sizeof(path), fx.owner.ws, n1, q);
    assert_int_equal(get(NULL, path, NULL, &body, &len, NULL), 200);
    assert_memory_equal(body, "version-1", 9);
    free(body);
    snprintf(q, sizeof(q), "?version_id=%s", old);
    read_path(path, sizeof(path), fx.owner.ws, n1, q);
    assert_int_equal(get(fx.srv.owner_key, path, NULL, &body, &len, NULL), 200);
    assert_int_equal(len, 9);
    free(body);
    read_path(path, sizeof(path), fx.owner.ws, n1, NULL);
    assert_int_equal(get(fx.srv.owner_key, path, NULL, &body, &len, NULL), 200);
    assert_int_equal(len, 10);
    free(body);
    /* expiry: the token's expiry moved into the past */
    char dbp[512];
    snprintf(dbp, sizeof(dbp), "%s/meta.db", fx.srv.dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(dbp, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "UPDATE read_tokens SET expires = 1", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    snprintf(q, sizeof(q), "?token=%s", tok);
    read_path(path, sizeof(path), fx.owner.ws, n1, q);
    assert_int_equal(get(NULL, path, NULL, &body, &len, NULL), 401);
    free(body);
    /* a folder is not read: 400; an outsider: 403 */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/read/", fx.owner.ws);
    assert_int_equal(get(fx.srv.owner_key, path, NULL, &body, &len, NULL), 400);
    free(body);
    char outsider[256];
    it_new_user(&fx.srv, outsider, sizeof(outsider), NULL);
    read_path(path, sizeof(path), fx.owner.ws, n1, NULL);
    assert_int_equal(get(outsider, path, NULL, &body, &len, NULL), 403);
    free(body);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/requestread/", fx.owner.ws, n1);
    assert_int_equal(get(outsider, path, NULL, &body, &len, NULL), 403);
    free(body);
}

/* ---- zip ---------------------------------------------------------------------------------- */

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return le16(p) | (le16(p + 2) << 16);
}

struct want {
    const char *name;
    const unsigned char *data; /* NULL = folder */
    size_t len;
    bool found;
};

/* Parse the archive from its end records and check every member against want[]. */
static void check_zip(const unsigned char *z, size_t n, struct want *w, size_t nw)
{
    assert_true(n >= 22);
    const unsigned char *eocd = z + n - 22;
    assert_int_equal(le32(eocd), 0x06054b50);
    size_t count = le16(eocd + 10), cd_size = le32(eocd + 12), cd_off = le32(eocd + 16);
    assert_int_equal(count, nw);
    assert_int_equal(cd_off + cd_size, n - 22);
    const unsigned char *p = z + cd_off;
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(le32(p), 0x02014b50);
        uint32_t flags = le16(p + 8), method = le16(p + 10), crc = le32(p + 16);
        size_t csize = le32(p + 20), usize = le32(p + 24), nlen = le16(p + 28),
               xlen = le16(p + 30), clen = le16(p + 32), off = le32(p + 42);
        assert_true(flags & 0x0800); /* UTF-8 names */
        assert_int_equal(method, 0);
        assert_int_equal(csize, usize);
        char name[512];
        assert_true(nlen < sizeof(name));
        memcpy(name, p + 46, nlen);
        name[nlen] = 0;
        bool matched = false;
        for (size_t k = 0; k < nw; k++) {
            if (strcmp(w[k].name, name) != 0)
                continue;
            matched = true;
            w[k].found = true;
            assert_int_equal(usize, w[k].data ? w[k].len : 0);
            const unsigned char *lh = z + off;
            assert_int_equal(le32(lh), 0x04034b50);
            assert_int_equal(le16(lh + 26), nlen);
            assert_memory_equal(lh + 30, name, nlen);
            const unsigned char *data = lh + 30 + nlen + le16(lh + 28);
            if (w[k].data) {
                assert_true(flags & 0x0008);
                assert_memory_equal(data, w[k].data, w[k].len);
                assert_int_equal(crc, crc32_ieee(w[k].data, w[k].len));
                /* the data descriptor after the bytes */
                assert_int_equal(le32(data + w[k].len), 0x08074b50);
                assert_int_equal(le32(data + w[k].len + 4), crc);
                assert_int_equal(le32(data + w[k].len + 8), w[k].len);
            }
        }
        if (!matched)
            fprintf(stderr, "unexpected member %s\n", name);
        assert_true(matched);
        p += 46 + nlen + xlen + clen;
    }
    for (size_t k = 0; k < nw; k++)
        assert_true(w[k].found);
}

static int run_unzip_t(const char *file)
{
    if (access("/usr/bin/unzip", X_OK) != 0)
        return 0; /* not installed: the parse above is the check */
    pid_t pid = fork();
    if (pid == 0) {
        execl("/usr/bin/unzip", "unzip", "-tqq", file, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_zip(void **state)
{
    (void)state;
    /* a fresh workspace: top/{a.txt, sub/{\u00e9t\u00e9.bin, empty/}}, and a trashed file */
    char w2[32];
    struct fastio_client *c = it_client(&fx.srv, fx.srv.owner_key);
    it_org_ws(c, NULL, w2);
    fastio_client_free(c);
    unsigned char *a = itu_bytes(3000, 7), *u = itu_bytes(70000, 8);
    char manifest[1024], *out = NULL;
    snprintf(manifest, sizeof(manifest),
             "[{\"index\":0,\"filename\":\"a.txt\",\"relative_path\":\"top/\"},"
             "{\"index\":1,\"filename\":\"\\u00e9t\\u00e9.bin\",\"relative_path\":\"top/sub/\"},"
             "{\"index\":2,\"filename\":\"gone.txt\",\"relative_path\":\"top/\"},"
             "{\"index\":3,\"filename\":\"zero.bin\",\"relative_path\":\"top/sub/empty/\"}]");
    struct itu_part parts[] = {{"file_0", "a.txt", a, 3000},
                               {"file_1", "u.bin", u, 70000},
                               {"file_2", "gone.txt", "bye", 3},
                               {"file_3", "zero.bin", "", 0}};
    const char *f[] = {"instance_id", w2, "manifest", manifest, NULL};
    assert_int_equal(itu_batch(&fx.srv, fx.srv.owner_key, f, parts, 4, 0, &out), 200);
    json_t *j = itu_json(out);
    free(out);
    assert_int_equal(json_integer_value(json_object_get(j, "count_succeeded")), 4);
    char gone[64], zero[64];
    json_t *res = json_object_get(j, "results");
    snprintf(gone, sizeof(gone), "%s", json_string_value(json_object_get(json_array_get(res, 2), "node_id")));
    snprintf(zero, sizeof(zero), "%s", json_string_value(json_object_get(json_array_get(res, 3), "node_id")));
    json_decref(j);
    char path[512];
    /* trash gone.txt; delete zero.bin so top/sub/empty/ is an empty folder */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/delete/", w2, gone);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "DELETE", path, NULL, NULL, 0, &out, NULL),
                     200);
    free(out);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/delete/", w2, zero);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "DELETE", path, NULL, NULL, 0, &out, NULL),
                     200);
    free(out);
    char *z, *h, v[512];
    size_t n;
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/zip/", w2);
    assert_int_equal(get(fx.srv.owner_key, path, NULL, &z, &n, &h), 200);
    assert_true(ito_header(h, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "application/zip");
    assert_true(ito_header(h, "Content-Length", v, sizeof(v)));
    assert_int_equal(atoi_safe(v), (long)n);
    assert_true(ito_header(h, "Content-Disposition", v, sizeof(v)));
    assert_non_null(strstr(v, "attachment"));
    free(h);
    struct want w[] = {
        {"top/", NULL, 0, false},
        {"top/a.txt", a, 3000, false},
        {"top/sub/", NULL, 0, false},
        {"top/sub/\xc3\xa9t\xc3\xa9.bin", u, 70000, false},
        {"top/sub/empty/", NULL, 0, false},
    };
    check_zip((unsigned char *)z, n, w, 5);
    char file[600];
    snprintf(file, sizeof(file), "%s/it.zip", fx.srv.dir);
    FILE *fp = fopen(file, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(z, 1, n, fp), n);
    fclose(fp);
    assert_int_equal(run_unzip_t(file), 0);
    unlink(file);
    free(z);
    /* a subfolder: paths relative to it */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/list/", w2);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &out, NULL),
                     200);
    j = itu_json(out);
    free(out);
    json_t *nodes = json_object_get(j, "nodes");
    char top[64] = "";
    for (size_t i = 0; i < json_array_size(nodes); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(nodes, i), "name")), "top") == 0)
            snprintf(top, sizeof(top), "%s", json_string_value(json_object_get(json_array_get(nodes, i), "id")));
    json_decref(j);
    assert_true(top[0]);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/zip/", w2, top);
    assert_int_equal(get(fx.srv.owner_key, path, NULL, &z, &n, NULL), 200);
    struct want w3[] = {
        {"a.txt", a, 3000, false},
        {"sub/", NULL, 0, false},
        {"sub/\xc3\xa9t\xc3\xa9.bin", u, 70000, false},
        {"sub/empty/", NULL, 0, false},
    };
    check_zip((unsigned char *)z, n, w3, 4);
    free(z);
    /* a file is not zipped; an outsider is refused */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/zip/", w2, gone);
    assert_int_equal(get(fx.srv.owner_key, path, NULL, &z, &n, NULL), 404); /* trashed */
    free(z);
    char outsider[256];
    it_new_user(&fx.srv, outsider, sizeof(outsider), NULL);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/zip/", w2);
    assert_int_equal(get(outsider, path, NULL, &z, &n, NULL), 403);
    free(z);
    free(a);
    free(u);
}

/* ---- blob reclaim ------------------------------------------------------------------------- */

static long count_blobs(void)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/blobs", fx.srv.dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static long call(const char *method, const char *path, const char *form)
{
    char *out = NULL;
    long st = itu_req(&fx.srv, fx.srv.owner_key, method, path,
                      form ? "application/x-www-form-urlencoded" : NULL, form,
                      form ? strlen(form) : 0, &out, NULL);
    if (st != 200)
        fprintf(stderr, "%s %s: %ld %s\n", method, path, st, out);
    free(out);
    return st;
}

static void test_reclaim(void **state)
{
    (void)state;
    char w2[32], x[64], x2[64], y[64], copy[64] = "", path[512], *out = NULL;
    struct fastio_client *c = it_client(&fx.srv, fx.srv.owner_key);
    it_org_ws(c, NULL, w2);
    fastio_client_free(c);
    long base = count_blobs();
    put_file(w2, NULL, "x.bin", "one", 3, x);
    put_file(w2, NULL, "x.bin", "two!", 4, x2); /* a second version of x */
    put_file(w2, NULL, "y.bin", "why", 3, y);
    assert_int_equal(count_blobs(), base + 3);
    /* a copy of x shares its current version (and blob) */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/copy/", w2, x);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "POST", path,
                             "application/x-www-form-urlencoded", "parent=root", 11, &out, NULL),
                     200);
    json_t *j = itu_json(out);
    free(out);
    const char *cid = json_string_value(json_object_get(json_object_get(j, "node"), "id"));
    if (cid)
        snprintf(copy, sizeof(copy), "%s", cid);
    json_decref(j);
    assert_true(copy[0]);
    assert_int_equal(count_blobs(), base + 3);
    /* purge x: its old version goes at once, the shared current one stays (the copy) */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/delete/", w2, x);
    assert_int_equal(call("DELETE", path, NULL), 200);
    assert_int_equal(count_blobs(), base + 3); /* trashed: nothing reclaimed */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/purge/", w2, x);
    assert_int_equal(call("DELETE", path, NULL), 200);
    assert_int_equal(count_blobs(), base + 2);
    char *body;
    size_t len;
    read_path(path, sizeof(path), w2, copy, NULL);
    assert_int_equal(get(fx.srv.owner_key, path, NULL, &body, &len, NULL), 200);
    assert_int_equal(len, 4);
    assert_memory_equal(body, "two!", 4);
    free(body);
    /* trash the copy and empty the trash: the shared blob goes */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/delete/", w2, copy);
    assert_int_equal(call("DELETE", path, NULL), 200);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/trash/delete/", w2);
    assert_int_equal(call("DELETE", path, NULL), 200);
    assert_int_equal(count_blobs(), base + 1);
    /* delete the workspace: y's blob goes */
    char form[64];
    snprintf(form, sizeof(form), "confirm=%s", w2);
    snprintf(path, sizeof(path), "/current/workspace/%s/delete/", w2);
    assert_int_equal(call("DELETE", path, form), 200);
    assert_int_equal(count_blobs(), base);
    (void)x2;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_range),   cmocka_unit_test(test_range_sendfile),
    cmocka_unit_test(test_headers), cmocka_unit_test(test_tokens_versions_refusals),
    cmocka_unit_test(test_zip),     cmocka_unit_test(test_reclaim),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
