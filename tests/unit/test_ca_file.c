/* SPDX-License-Identifier: MIT */
/* test_ca_file.c - the CA file check of D-125 (fio_ca_file_dup): a certificate marker found at
 * the start, after a long preamble, and straddling the scanner's read boundary; empty files,
 * a cut marker, a directory and a missing path refused with INVALID naming the path;
 * fastio_client_new() with such files; and the TLS verification CURLcodes judged NETWORK,
 * with the message the CLI keys on, and never repeated by the retry rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fastio/fastio.h>

#include "buf.h"
#include "http_common.h"
#include "op.h"
#include "testmain.h"

static const char MARK[] = "-----BEGIN CERTIFICATE-----";

static char dir[64];

static int mk_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/fastio-cafile-XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

/* dir/name with pad bytes of '#' followed by tail (NULL = none); the path into out. */
static void write_file(const char *name, size_t pad, const char *tail, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, name);
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < pad; i++)
        assert_int_equal(fputc(i % 64 == 63 ? '\n' : '#', f), i % 64 == 63 ? '\n' : '#');
    if (tail != NULL)
        assert_int_equal(fputs(tail, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void accepted(const char *path)
{
    struct fastio_error err;
    fastio_error_clear(&err);
    char *c = fio_ca_file_dup(path, "ca_file", &err);
    assert_non_null(c);
    assert_string_equal(c, path);
    free(c);
}

static void refused(const char *path, const char *why)
{
    struct fastio_error err;
    fastio_error_clear(&err);
    assert_null(fio_ca_file_dup(path, "ca_file", &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_non_null(strstr(err.message, "ca_file"));
    if (path[0] != '\0')
        assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, why));
}

static void marker_found_anywhere(void **state)
{
    (void)state;
    char p[128];
    write_file("start.pem", 0, "-----BEGIN CERTIFICATE-----\nMIIB\n", p, sizeof(p));
    accepted(p);
    /* a bundle with a long comment preamble (several reads of 64 KiB) */
    write_file("late.pem", 300000, "\n-----BEGIN CERTIFICATE-----\n", p, sizeof(p));
    accepted(p);
    /* the marker across a read boundary (reads of 16384 bytes: the first, and the fourth),
     * at every split */
    for (size_t k = 1; k < sizeof(MARK) - 1; k++) {
        char name[32];
        snprintf(name, sizeof(name), "split%zu.pem", k);
        write_file(name, 16384 - k, MARK, p, sizeof(p));
        accepted(p);
        write_file(name, 65536 - k, MARK, p, sizeof(p));
        accepted(p);
    }
}

static void unusable_files_refused(void **state)
{
    (void)state;
    char p[128];
    write_file("empty.pem", 0, NULL, p, sizeof(p));
    refused(p, "holds no PEM certificate");
    write_file("cut.pem", 10, "-----BEGIN CERTIFICAT", p, sizeof(p));
    refused(p, "holds no PEM certificate");
    write_file("key.pem", 0, "-----BEGIN PRIVATE KEY-----\n", p, sizeof(p));
    refused(p, "holds no PEM certificate");
    refused(dir, "cannot read it");
    snprintf(p, sizeof(p), "%s/missing.pem", dir);
    refused(p, "cannot open it");
    refused("", "empty");

    /* the same through fastio_client_new() */
    struct fastio_config cfg;
    struct fastio_error err;
    fastio_config_init(&cfg);
    cfg.ca_file = p;
    assert_null(fastio_client_new(&cfg, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_non_null(strstr(err.message, p));
    write_file("good.pem", 0, MARK, p, sizeof(p));
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    assert_string_equal(fio_client_config(c)->ca_file, p); /* the client's own copy */
    assert_true(fio_client_config(c)->ca_file != p);
    fastio_client_free(c);
}

static void verification_failure_not_retried(void **state)
{
    (void)state;
    assert_true(fio_curl_tls_verify_failed(CURLE_PEER_FAILED_VERIFICATION));
    assert_true(fio_curl_tls_verify_failed(CURLE_SSL_CACERT_BADFILE));
    assert_false(fio_curl_tls_verify_failed(CURLE_SSL_CONNECT_ERROR));
    assert_false(fio_curl_tls_verify_failed(CURLE_COULDNT_CONNECT));

    struct fastio_config cfg;
    struct fastio_error err;
    struct fio_buf resp;
    struct fio_op op;
    fastio_config_init(&cfg);
    cfg.base_url = "https://nonexistent.invalid/current";
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    fio_buf_init(&resp, 1024);
    fio_op_init(&op, c, &resp);
    assert_int_equal(fio_op_build(&op, FASTIO_EP_PING, NULL, 0, NULL, 0, NULL, NULL, &err),
                     FASTIO_OK);
    assert_int_equal(fio_op_curl_error(&op, CURLE_PEER_FAILED_VERIFICATION, NULL, &err),
                     FASTIO_NETWORK);
    assert_false(err.retryable);
    assert_int_equal(strncmp(err.message, FIO_TLS_VERIFY_MSG, strlen(FIO_TLS_VERIFY_MSG)), 0);

    /* the failure came before anything was sent: the rule alone would repeat it... */
    const struct fio_backoff b = {3, 10, 100, 5000};
    assert_true(fio_retry_wait(FASTIO_RETRY_SAFE, &err, 0, true, false, 1, &b) >= 0);
    /* ...but an operation refused by TLS is final */
    op.nothing_sent = true;
    op.tls_refused = true;
    assert_int_equal(fio_op_retry_wait(&op, &err, false, 1, &b), -1);
    assert_int_equal(fio_op_retry_wait(&op, &err, true, 1, &b), -1);
    op.tls_refused = false;
    assert_true(fio_op_retry_wait(&op, &err, false, 1, &b) >= 0);
    fio_op_release(&op);
    fio_buf_release(&resp);
    fastio_client_free(c);
}

static int rm_dir(void **state)
{
    (void)state;
    char cmd[128];
    /* the files of this test only: names written above */
    static const char *const names[] = {"start.pem", "late.pem", "empty.pem", "cut.pem",
                                        "key.pem", "good.pem"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(cmd, sizeof(cmd), "%s/%s", dir, names[i]);
        (void)unlink(cmd);
    }
    for (size_t k = 1; k < sizeof(MARK) - 1; k++) {
        snprintf(cmd, sizeof(cmd), "%s/split%zu.pem", dir, k);
        (void)unlink(cmd);
    }
    (void)rmdir(dir);
    return 0;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(marker_found_anywhere, mk_dir, rm_dir),
    cmocka_unit_test_setup_teardown(unusable_files_refused, mk_dir, rm_dir),
    cmocka_unit_test(verification_failure_not_retried),
};
TEST_MAIN(tests)
