/* SPDX-License-Identifier: MIT */
/* test_upload_batch.c - batch upload of small files against a real server (api §5.6): per-entry
 * results (stored, hash mismatch, missing part, too large), folders created from relative_path,
 * a same-name file becoming a new version, parts before or after the manifest, whole-request
 * refusals. Split from test_upload.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "crc32c.h"
#include "it_upload.h"

static const struct it_fixture_opts fx_opts = {NULL, true, NULL}; /* the owner's workspace */
static struct it_fixture fx;

static void check_read(const char *node, const unsigned char *want, size_t len)
{
    assert_true(itu_read_equals(&fx.srv, fx.owner.ws, node, want, len));
}

static const char *batch_node(json_t *j, int index)
{
    json_t *res = json_object_get(j, "results");
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *e = json_array_get(res, i);
        if (json_integer_value(json_object_get(e, "index")) == index)
            return json_string_value(json_object_get(e, "node_id"));
    }
    return NULL;
}

static const char *batch_status(json_t *j, int index)
{
    json_t *res = json_object_get(j, "results");
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *e = json_array_get(res, i);
        if (json_integer_value(json_object_get(e, "index")) == index)
            return json_string_value(json_object_get(e, "status"));
    }
    return NULL;
}

static void test_batch(void **state)
{
    (void)state;
    unsigned char *a = itu_bytes(1000, 41), *c = itu_bytes(77, 43);
    size_t big_len = 4 * 1024 * 1024 + 1;
    unsigned char *big = itu_bytes(big_len, 44);
    char crc_a[FIO_CRC32C_HEX_SIZE], manifest[2048], *out = NULL;
    fio_crc32c_hex(fio_crc32c(0, a, 1000), crc_a);
    /* 0: good with crc32c; 1: empty file in sub/dir/ (folders created); 2: wrong crc; 3: part
     * missing; 4: too large; 5: traversal in relative_path; 6: unicode name */
    snprintf(
        manifest, sizeof(manifest),
        "[{\"index\":0,\"filename\":\"a.txt\",\"hash_algo\":\"crc32c\",\"hash\":\"%s\"},"
        "{\"index\":1,\"filename\":\"empty.bin\",\"relative_path\":\"sub/dir/\"},"
        "{\"index\":2,\"filename\":\"bad.txt\",\"hash_algo\":\"crc32c\",\"hash\":\"00000000\"},"
        "{\"index\":3,\"filename\":\"missing.txt\"},"
        "{\"index\":4,\"filename\":\"big.bin\"},"
        "{\"index\":5,\"filename\":\"x.txt\",\"relative_path\":\"../up/\"},"
        "{\"index\":6,\"filename\":\"\u00e9t\u00e9 \u65e5\u672c.txt\",\"relative_path\":\"sub/\"}]",
        crc_a);
    struct itu_part parts[] = {
        {"file_0", "a.txt", a, 1000}, {"file_1", "empty.bin", "", 0},
        {"file_2", "bad.txt", c, 77}, {"file_4", "big.bin", big, big_len},
        {"file_5", "x.txt", c, 5},    {"file_6", "u.txt", c, 77},
    };
    const char *f[] = {"instance_id", fx.owner.ws, "manifest", manifest, "folder_id",
                       "root",        "creator",   "it-test",  NULL};
    assert_int_equal(itu_batch(&fx.srv, fx.srv.owner_key, f, parts, 6, 0, &out), 200);
    json_t *j = itu_json(out);
    assert_int_equal(json_integer_value(json_object_get(j, "count_total")), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "count_succeeded")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "count_errored")), 4);
    assert_true(json_is_true(json_object_get(j, "partial")));
    assert_true(json_is_false(json_object_get(j, "all_failed")));
    assert_string_equal(json_string_value(json_object_get(j, "creator")), "it-test");
    assert_int_equal(json_array_size(json_object_get(j, "errors")), 4);
    assert_non_null(json_string_value(json_object_get(j, "batch_id")));
    assert_string_equal(batch_status(j, 2), "error");
    assert_string_equal(batch_status(j, 3), "error");
    assert_string_equal(batch_status(j, 4), "error");
    assert_string_equal(batch_status(j, 5), "error");
    check_read(batch_node(j, 0), a, 1000);
    check_read(batch_node(j, 1), (const unsigned char *)"", 0);
    check_read(batch_node(j, 6), c, 77);
    /* the empty file sits in sub/dir/, the unicode one in sub/ (the same folder reused) */
    char path[512], *o2 = NULL;
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/details/", fx.owner.ws,
             batch_node(j, 1));
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &o2, NULL),
                     200);
    json_t *d1 = itu_json(o2);
    free(o2);
    const char *dir = json_string_value(json_object_get(json_object_get(d1, "node"), "parent"));
    assert_non_null(dir);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/details/", fx.owner.ws, dir);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &o2, NULL),
                     200);
    json_t *d2 = itu_json(o2);
    free(o2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d2, "node"), "name")),
                        "dir");
    const char *sub = json_string_value(json_object_get(json_object_get(d2, "node"), "parent"));
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/details/", fx.owner.ws,
             batch_node(j, 6));
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &o2, NULL),
                     200);
    json_t *d3 = itu_json(o2);
    free(o2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d3, "node"), "parent")),
                        sub);
    json_decref(d1);
    json_decref(d2);
    json_decref(d3);
    json_decref(j);
    free(out);

    /* the manifest after the file parts, with sha256 (digest of the stored bytes) */
    char sha[65];
    {
        unsigned char md[32];
        unsigned int n = 0;
        EVP_Digest(a, 1000, md, &n, EVP_sha256(), NULL);
        for (int i = 0; i < 32; i++)
            snprintf(sha + 2 * i, 3, "%02x", md[i]);
    }
    snprintf(manifest, sizeof(manifest),
             "[{\"index\":0,\"filename\":\"late.txt\",\"hash_algo\":\"sha256\",\"hash\":\"%s\"}]",
             sha);
    assert_int_equal(itu_batch(&fx.srv, fx.srv.owner_key, f, parts, 1, 1, &out), 200);
    j = itu_json(out);
    assert_int_equal(json_integer_value(json_object_get(j, "count_succeeded")), 1);
    check_read(batch_node(j, 0), a, 1000);
    json_decref(j);
    free(out);

    /* all failed is still a 200 */
    snprintf(
        manifest, sizeof(manifest),
        "[{\"index\":0,\"filename\":\"a.txt\",\"hash_algo\":\"crc32c\",\"hash\":\"00000000\"}]");
    assert_int_equal(itu_batch(&fx.srv, fx.srv.owner_key, f, parts, 1, 0, &out), 200);
    j = itu_json(out);
    assert_true(json_is_true(json_object_get(j, "all_failed")));
    assert_true(json_is_false(json_object_get(j, "partial")));
    json_decref(j);
    free(out);

    /* anonymous: 401 / 10011; a bad manifest or an outsider: the whole request fails */
    assert_int_equal(itu_batch(&fx.srv, NULL, f, parts, 1, 0, &out), 401);
    assert_int_equal(itu_code(out), 10011);
    free(out);
    const char *bad[] = {"instance_id", fx.owner.ws, "manifest", "{\"index\":0}", NULL};
    assert_int_equal(itu_batch(&fx.srv, fx.srv.owner_key, bad, parts, 1, 0, &out), 400);
    free(out);
    char tok[256];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    assert_int_equal(itu_batch(&fx.srv, tok, f, parts, 1, 0, &out), 403);
    free(out);
    free(a);
    free(c);
    free(big);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_batch),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
