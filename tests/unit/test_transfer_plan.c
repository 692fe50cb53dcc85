/* SPDX-License-Identifier: MIT */
/* test_transfer_plan.c - the pure parts of the transfer engine: chunk planner (api §5.1, §5.8),
 * download-name sanitizer (docs/decisions.md D-028 "Names") and the upload journal. */
#include "testmain.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transfer_internal.h"

#define MIB FIO_XFER_MIB

static void plan_default_and_caps(void **state)
{
    struct fio_xfer_limits lim = {100 * 1000 * 1000, 550, 0, 0, false};
    struct fastio_error e;
    uint64_t cs = 0;
    uint32_t n = 0;
    (void)state;
    /* the 8 MiB target when the cap allows it */
    assert_int_equal(fio_xfer_plan(100 * MIB, &lim, 0, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(cs, 8 * MIB);
    assert_int_equal(n, 13);
    assert_int_equal(fio_xfer_plan(8 * MIB, &lim, 0, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(n, 1);
    assert_int_equal(fio_xfer_plan(8 * MIB + 1, &lim, 0, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(n, 2);
    /* free plan: 35 chunks; 1 GiB needs ceil(1 GiB / 35) rounded up to whole MiB = 30 MiB */
    lim.chunks_max = 35;
    assert_int_equal(fio_xfer_plan(1024 * MIB, &lim, 0, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(cs, 30 * MIB);
    assert_true(n <= 35);
    assert_true(cs * n >= 1024 * MIB);
    /* too big for one session */
    assert_int_equal(fio_xfer_plan(36ull * 100 * 1000 * 1000, &lim, 0, &cs, &n, &e),
                     FASTIO_TOO_LARGE);
    /* exactly at the limit: chunk size = the maximum, not rounded past it */
    assert_int_equal(fio_xfer_plan(35ull * 100 * 1000 * 1000, &lim, 0, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(cs, 100 * 1000 * 1000);
    assert_int_equal(n, 35);
    /* a plan's file size limit */
    lim.file_size_max = 10 * MIB;
    assert_int_equal(fio_xfer_plan(10 * MIB + 1, &lim, 0, &cs, &n, &e), FASTIO_TOO_LARGE);
    /* the maximum chunk size below the target */
    lim = (struct fio_xfer_limits){4 * MIB, 0, 0, 0, false};
    assert_int_equal(fio_xfer_plan(9 * MIB, &lim, 0, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(cs, 4 * MIB);
    assert_int_equal(n, 3);
    /* wanted sizes: clamped to [min, max]; a server's smaller minimum is honoured */
    assert_int_equal(fio_xfer_plan(9 * MIB, &lim, 1000, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(cs, 1 * MIB);
    lim.chunk_size_min = 64 * 1024;
    assert_int_equal(fio_xfer_plan(200 * 1024, &lim, 64 * 1024, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(cs, 64 * 1024);
    assert_int_equal(n, 4);
    /* no limits known at all */
    assert_int_equal(fio_xfer_plan(20 * MIB, NULL, 0, &cs, &n, &e), FASTIO_OK);
    assert_int_equal(cs, 8 * MIB);
    assert_int_equal(n, 3);
    assert_int_equal(fio_xfer_plan(0, NULL, 0, &cs, &n, &e), FASTIO_INVALID);
}

static void sanitize(const char *in, size_t len, const char *want)
{
    char out[300];
    fio_xfer_sanitize_name(in, len, out, sizeof(out));
    if (want != NULL)
        assert_string_equal(out, want);
    /* whatever the input: one component, never a traversal */
    assert_non_null(out[0] != '\0' ? out : NULL);
    assert_null(strchr(out, '/'));
    assert_null(strchr(out, '\\'));
    assert_true(strcmp(out, ".") != 0 && strcmp(out, "..") != 0);
    assert_true(out[0] != '.');
    assert_true(strlen(out) <= 255);
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        assert_true(*p >= 0x20 && *p != 0x7f);
}

static void sanitize_vector(void **state)
{
    char big[300];
    (void)state;
    /* docs/decisions.md D-028 "Names" */
    sanitize(".", 1, "download");
    sanitize("..", 2, "download");
    sanitize("", 0, "download");
    sanitize(NULL, 0, "download");
    sanitize("../../x", 7, "_.._x");
    sanitize("..\\..\\x", 7, "_.._x");
    sanitize("/abs", 4, "_abs");
    sanitize("C:\\x", 4, "C__x");
    sanitize("%2e%2e%2f", 9, "%2e%2e%2f");
    sanitize("\xef\xbc\x8e\xef\xbc\x8e\xef\xbc\x8f", 9, "_"); /* fullwidth ．．／ */
    sanitize("\xef\xbc\x8e\xef\xbc\x8e", 6, "download");
    sanitize("a\0b", 3, "a_b");
    sanitize("a\r\nb", 4, "a__b");
    sanitize("x\x01\x1f\x7fy", 5, "x___y");
    sanitize("evil\xe2\x80\xaetxt.exe", 14, "evil_txt.exe"); /* U+202E */
    sanitize("bad\xff\xfeutf8", 9, "bad__utf8");
    sanitize("\xc0\xaf", 2, "__"); /* overlong '/' */
    sanitize(".hidden", 7, "hidden");
    sanitize("trail. ", 7, "trail");
    sanitize("r\xc3\xa9sum\xc3\xa9.pdf", 12, "r\xc3\xa9sum\xc3\xa9.pdf");
    sanitize("\xe6\x97\xa5\xe6\x9c\xac.txt", 10, "\xe6\x97\xa5\xe6\x9c\xac.txt");
    memset(big, 'a', 256);
    sanitize(big, 256, NULL);
    {
        char out[300];
        fio_xfer_sanitize_name(big, 256, out, sizeof(out));
        assert_int_equal(strlen(out), 255);
        /* multibyte names are cut on a character boundary */
        for (int i = 0; i < 86; i++)
            memcpy(big + 3 * i, "\xe6\x97\xa5", 3);
        fio_xfer_sanitize_name(big, 258, out, sizeof(out));
        assert_int_equal(strlen(out), 255);
        fio_xfer_sanitize_name(big + 1, 257, out, sizeof(out));
        assert_true(strlen(out) <= 255);
        assert_true(((unsigned char)out[strlen(out) - 1] & 0xc0) == 0x80 ||
                    (unsigned char)out[strlen(out) - 1] < 0x80);
    }
}

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/fastio-xfer-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void journal_round_trip(void **state)
{
    char *dir = tmpdir();
    char *p1, *p2;
    struct fio_xfer_journal j, k;
    struct fastio_error e;
    struct stat sb;
    (void)state;
    p1 = fio_xfer_journal_path(dir, "/a/b", "http://x/current", "ws", "root", "b");
    p2 = fio_xfer_journal_path(dir, "/a/b", "http://x/current", "ws", "root", "c");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_string_not_equal(p1, p2);
    fio_xfer_journal_init(&j);
    fio_xfer_journal_init(&k);
    assert_int_equal(fio_xfer_journal_load(p1, &k, &e), FASTIO_NOT_FOUND);
    assert_true(fio_xfer_journal_alloc(&j, 3));
    snprintf(j.upload_id, sizeof(j.upload_id), "%s", "5abcdefghijklmnopqrstuvwxyz12");
    j.size = 20 * MIB + 5;
    j.mtime_ns = 1700000000123456789LL;
    j.chunk_size = 8 * MIB;
    j.done[0] = true;
    j.crc[0] = 0xe3069283u;
    j.done[2] = true;
    j.crc[2] = 0;
    assert_int_equal(fio_xfer_journal_save(p1, &j, &e), FASTIO_OK);
    assert_int_equal(stat(p1, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(fio_xfer_journal_load(p1, &k, &e), FASTIO_OK);
    assert_string_equal(k.upload_id, j.upload_id);
    assert_int_equal(k.size, j.size);
    assert_int_equal(k.mtime_ns, j.mtime_ns);
    assert_int_equal(k.chunk_size, j.chunk_size);
    assert_int_equal(k.n_chunks, 3);
    assert_true(k.done[0] && !k.done[1] && k.done[2]);
    assert_int_equal(k.crc[0], 0xe3069283u);
    /* rewrite over an existing journal */
    j.done[1] = true;
    j.crc[1] = 7;
    assert_int_equal(fio_xfer_journal_save(p1, &j, &e), FASTIO_OK);
    assert_int_equal(fio_xfer_journal_load(p1, &k, &e), FASTIO_OK);
    assert_true(k.done[1]);
    assert_int_equal(k.crc[1], 7);
    fio_xfer_journal_release(&j);
    fio_xfer_journal_release(&k);
    unlink(p1);
    rmdir(dir);
    free(p1);
    free(p2);
    free(dir);
}

static void journal_corruption(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "null",
        "[]",
        "{\"v\":2,\"upload_id\":\"u\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,\"n_chunks\":2,"
        "\"chunks\":{}}",
        /* n_chunks inconsistent with size / chunk_size */
        "{\"v\":1,\"upload_id\":\"u\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,\"n_chunks\":3,"
        "\"chunks\":{}}",
        /* chunk number out of range */
        "{\"v\":1,\"upload_id\":\"u\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,\"n_chunks\":2,"
        "\"chunks\":{\"3\":\"00000000\"}}",
        "{\"v\":1,\"upload_id\":\"u\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,\"n_chunks\":2,"
        "\"chunks\":{\"0\":\"00000000\"}}",
        /* bad CRC text */
        "{\"v\":1,\"upload_id\":\"u\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,\"n_chunks\":2,"
        "\"chunks\":{\"1\":\"xyz\"}}",
        /* an id that could become a path */
        "{\"v\":1,\"upload_id\":\"../x\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,\"n_chunks\":2,"
        "\"chunks\":{}}",
        "{\"v\":1,\"upload_id\":\"\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,\"n_chunks\":2,"
        "\"chunks\":{}}",
        /* duplicate keys */
        "{\"v\":1,\"v\":1,\"upload_id\":\"u\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,"
        "\"n_chunks\":2,\"chunks\":{}}",
        "{\"v\":1,\"upload_id\":\"u\",\"size\":-10,\"mtime_ns\":1,\"chunk_size\":5,\"n_chunks\":2,"
        "\"chunks\":{}}",
    };
    char *dir = tmpdir();
    char path[512];
    struct fio_xfer_journal k;
    struct fastio_error e;
    (void)state;
    (void)snprintf(path, sizeof(path), "%s/j.json", dir);
    fio_xfer_journal_init(&k);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(path, bad[i]);
        if (fio_xfer_journal_load(path, &k, &e) != FASTIO_PROTOCOL)
            fail_msg("journal %zu accepted: %s", i, bad[i]);
        assert_null(k.done);
    }
    write_file(path, "{\"v\":1,\"upload_id\":\"u\",\"size\":10,\"mtime_ns\":1,\"chunk_size\":5,"
                     "\"n_chunks\":2,\"chunks\":{\"2\":\"0000ABCD\"}}");
    assert_int_equal(fio_xfer_journal_load(path, &k, &e), FASTIO_OK);
    assert_true(k.done[1]);
    assert_int_equal(k.crc[1], 0xabcd);
    fio_xfer_journal_release(&k);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* Stored markers (issue 15 item 6a): a marker names the node only for the size and mtime it
 * was written for; a missing, torn or foreign file is no marker. */
static void marker_round_trip(void **state)
{
    char *dir = tmpdir();
    char path[512], node[64];
    FILE *f;
    struct stat sb;
    (void)state;
    snprintf(path, sizeof(path), "%s/up-x.json.done", dir);
    assert_false(fio_xfer_marker_load(path, 10, 1, node, sizeof(node)));
    assert_int_equal(fio_xfer_marker_save(path, 10, 1700000000123456789LL, "2node"), FASTIO_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_true(fio_xfer_marker_load(path, 10, 1700000000123456789LL, node, sizeof(node)));
    assert_string_equal(node, "2node");
    assert_false(fio_xfer_marker_load(path, 11, 1700000000123456789LL, node, sizeof(node)));
    assert_false(fio_xfer_marker_load(path, 10, 1700000000123456788LL, node, sizeof(node)));
    assert_false(fio_xfer_marker_load(path, 10, 1700000000123456789LL, node, 5)); /* too long */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"v\":1,\"size\":10,", f); /* torn */
    fclose(f);
    assert_false(fio_xfer_marker_load(path, 10, 1700000000123456789LL, node, sizeof(node)));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"v\":1,\"size\":10,\"mtime_ns\":1,\"node_id\":\"\"}", f); /* no node */
    fclose(f);
    assert_false(fio_xfer_marker_load(path, 10, 1, node, sizeof(node)));
    unlink(path);
    rmdir(dir);
    free(dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(plan_default_and_caps),
    cmocka_unit_test(sanitize_vector),
    cmocka_unit_test(journal_round_trip),
    cmocka_unit_test(journal_corruption),
    cmocka_unit_test(marker_round_trip),
};

TEST_MAIN(tests)
