/* SPDX-License-Identifier: MIT */
/* test_simple_transfer.c - the one-call helpers of fastio/transfer.h (fastio_upload_file,
 * fastio_download_file) and path lookup (fastio_storage_resolve, api §4.2) against a real
 * fastio-server: a file uploaded into a folder named by its path comes back byte for byte
 * through its path and through its id; a second upload of the same name is a new version of the
 * same node; missing components, a file in the middle of a path, "..", and a missing local file
 * fail with the status and a message that names what was not found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <fastio/transfer.h>

#include "harness.h"

static struct it_fixture fx;

/* A fresh user with a workspace; its client and workspace id (size >= 32). */
static struct fastio_client *new_ws(char *ws)
{
    struct it_user u;
    it_user_new(&u, &fx.srv, IT_USER_WORKSPACE);
    snprintf(ws, 32, "%s", u.ws);
    return it_user_take_client(&u);
}

static void mkfolder(struct fastio_client *c, const char *ws, const char *parent, const char *name,
                     char id[64])
{
    json_t *n = NULL;
    assert_int_equal(fastio_storage_create_folder(c, ws, parent, name, false, &n, NULL), FASTIO_OK);
    snprintf(id, 64, "%s", json_string_value(json_object_get(n, "id")));
    json_decref(n);
}

/* A temporary directory (size >= 64) with a file `name` of len pseudo-random bytes; the bytes
 * are returned (free()). */
static unsigned char *local_file(char *dir, const char *name, size_t len, char *path, size_t psize)
{
    snprintf(dir, 64, "/tmp/fastio-simple-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, psize, "%s/%s", dir, name);
    unsigned char *b = malloc(len ? len : 1);
    assert_non_null(b);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (unsigned char)x;
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return b;
}

static void assert_file_is(const char *path, const unsigned char *want, size_t len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *got = malloc(len + 1);
    assert_non_null(got);
    assert_int_equal(fread(got, 1, len + 1, f), len);
    fclose(f);
    assert_memory_equal(got, want, len);
    free(got);
}

static void rm_tree(const char *dir, const char *a, const char *b)
{
    char p[256];
    if (a) {
        snprintf(p, sizeof(p), "%s/%s", dir, a);
        unlink(p);
    }
    if (b) {
        snprintf(p, sizeof(p), "%s/%s", dir, b);
        unlink(p);
    }
    rmdir(dir);
}

/* Upload into /reports/2026 by path (a chunked size: 5 MiB + 3 over the 4 MiB single request),
 * find it by path, download it by path and by id, upload again: same node, new version. */
static void test_upload_download_by_path(void **state)
{
    (void)state;
    char ws[32], reports[64], y2026[64], dir[64], path[128];
    struct fastio_client *c = new_ws(ws);
    mkfolder(c, ws, "root", "reports", reports);
    mkfolder(c, ws, reports, "2026", y2026);
    size_t len = 5 * 1024 * 1024 + 3;
    unsigned char *bytes = local_file(dir, "q3 report.bin", len, path, sizeof(path));
    struct fastio_error err;

    char *id = NULL;
    assert_int_equal(fastio_upload_file(c, ws, "/reports/2026", path, &id, &err), FASTIO_OK);
    assert_non_null(id);

    char *found = NULL;
    json_t *node = NULL;
    assert_int_equal(fastio_storage_resolve(c, ws, "/reports/2026/q3 report.bin", &found, &node,
                                            &err),
                     FASTIO_OK);
    assert_string_equal(found, id);
    assert_string_equal(json_string_value(json_object_get(node, "name")), "q3 report.bin");
    json_decref(node);
    fastio_free(found);
    /* the same without the leading '/', with doubled separators; the folder itself */
    assert_int_equal(fastio_storage_resolve(c, ws, "reports//2026/", &found, NULL, &err),
                     FASTIO_OK);
    assert_string_equal(found, y2026);
    fastio_free(found);
    assert_int_equal(fastio_storage_resolve(c, ws, "/", &found, &node, &err), FASTIO_OK);
    assert_string_equal(found, "root");
    assert_null(node);
    fastio_free(found);

    /* download by path into another directory: the node's name, the same bytes */
    char dl[64] = "/tmp/fastio-simple-dl-XXXXXX";
    assert_non_null(mkdtemp(dl));
    char *written = NULL;
    assert_int_equal(fastio_download_file(c, ws, "/reports/2026/q3 report.bin", dl, &written,
                                          &err),
                     FASTIO_OK);
    char want[128];
    snprintf(want, sizeof(want), "%s/q3 report.bin", dl);
    assert_string_equal(written, want);
    assert_file_is(written, bytes, len);
    fastio_free(written);
    /* by id, over the file just written (replaced, not refused) */
    assert_int_equal(unlink(want), 0);
    assert_int_equal(fastio_download_file(c, ws, id, dl, NULL, &err), FASTIO_OK);
    assert_file_is(want, bytes, len);

    /* a second upload of the same name into the folder given by id: a new version of the node */
    char *id2 = NULL;
    assert_int_equal(fastio_upload_file(c, ws, y2026, path, &id2, &err), FASTIO_OK);
    assert_string_equal(id2, id);
    fastio_free(id2);

    fastio_free(id);
    free(bytes);
    rm_tree(dl, "q3 report.bin", NULL);
    rm_tree(dir, "q3 report.bin", NULL);
    fastio_client_free(c);
}

/* An empty file into the root (folder NULL), downloaded back as an empty file. */
static void test_empty_file_root(void **state)
{
    (void)state;
    char ws[32], dir[64], path[128];
    struct fastio_client *c = new_ws(ws);
    free(local_file(dir, "empty.txt", 0, path, sizeof(path)));
    struct fastio_error err;
    char *id = NULL;
    assert_int_equal(fastio_upload_file(c, ws, NULL, path, &id, &err), FASTIO_OK);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(fastio_download_file(c, ws, "/empty.txt", dir, NULL, &err), FASTIO_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
    fastio_free(id);
    rm_tree(dir, "empty.txt", NULL);
    fastio_client_free(c);
}

/* What is not there is named: the component and the folder it was looked for in. */
static void test_resolve_errors(void **state)
{
    (void)state;
    char ws[32], a[64], dir[64], path[128];
    struct fastio_client *c = new_ws(ws);
    mkfolder(c, ws, "root", "a", a);
    free(local_file(dir, "f.txt", 10, path, sizeof(path)));
    struct fastio_error err;
    assert_int_equal(fastio_upload_file(c, ws, "/a", path, NULL, &err), FASTIO_OK);

    char *id = (char *)"untouched";
    assert_int_equal(fastio_storage_resolve(c, ws, "/a/b/c.txt", &id, NULL, &err),
                     FASTIO_NOT_FOUND);
    assert_null(id);
    assert_non_null(strstr(err.message, "'b'"));
    assert_non_null(strstr(err.message, "/a"));
    assert_int_equal(fastio_storage_resolve(c, ws, "/nope", NULL, NULL, &err), FASTIO_NOT_FOUND);
    assert_non_null(strstr(err.message, "the root"));
    /* a file where a folder is needed */
    assert_int_equal(fastio_storage_resolve(c, ws, "/a/f.txt/x", NULL, NULL, &err),
                     FASTIO_NOT_FOUND);
    assert_non_null(strstr(err.message, "'/a/f.txt' is not a folder"));
    assert_int_equal(fastio_storage_resolve(c, ws, "/a/../a", NULL, NULL, &err), FASTIO_INVALID);
    assert_int_equal(fastio_storage_resolve(c, ws, NULL, NULL, NULL, &err), FASTIO_INVALID);

    /* the helpers pass the lookup's failure on, and send nothing */
    assert_int_equal(fastio_upload_file(c, ws, "/missing", path, NULL, &err), FASTIO_NOT_FOUND);
    assert_non_null(strstr(err.message, "'missing'"));
    assert_int_equal(fastio_download_file(c, ws, "/a/none.txt", dir, NULL, &err),
                     FASTIO_NOT_FOUND);
    /* a local file that does not exist */
    assert_int_not_equal(fastio_upload_file(c, ws, NULL, "/nonexistent/x.bin", NULL, &err),
                         FASTIO_OK);
    assert_int_equal(fastio_upload_file(c, ws, NULL, NULL, NULL, &err), FASTIO_INVALID);
    assert_int_equal(fastio_download_file(c, ws, "/a/f.txt", NULL, NULL, &err), FASTIO_INVALID);
    rm_tree(dir, "f.txt", NULL);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_upload_download_by_path),
    cmocka_unit_test(test_empty_file_root),
    cmocka_unit_test(test_resolve_errors),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
