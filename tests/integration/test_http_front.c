/* SPDX-License-Identifier: MIT */
/* test_http_front.c - the HTTP-front limits of docs/server.md "Limits" (issue 15 item 5): 16 KiB
 * of header fields and 100 fields -> 431; more than 1,000 query arguments -> 414 at once; two
 * different Content-Length headers -> 400. Requests go over plain sockets (it_rawsock.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "it_rawsock.h"

static struct it_fixture fx;

#define REQ_TIMEOUT_MS 10000

/* A GET of /current/user/auth/ (401 without a token: an answered request) with extra header
 * lines: n lines "X-Fill-i: " + vlen bytes of 'a'. Returns the status. */
static int get_with_headers(size_t n, size_t vlen)
{
    size_t cap = 256 + n * (vlen + 32);
    char *req = malloc(cap);
    assert_non_null(req);
    size_t len = (size_t)snprintf(req, cap, "GET /current/user/auth/ HTTP/1.1\r\nHost: t\r\n");
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(req + len, cap - len, "X-Fill-%zu: ", i);
        assert_true(w > 0 && (size_t)w < cap - len);
        len += (size_t)w;
        assert_true(len + vlen + 4 < cap);
        memset(req + len, 'a', vlen);
        len += vlen;
        memcpy(req + len, "\r\n", 2);
        len += 2;
    }
    assert_true(len + 24 < cap);
    memcpy(req + len, "Connection: close\r\n\r\n", 21);
    len += 21;
    int st = rs_request(fx.srv.port, 1, req, len, REQ_TIMEOUT_MS);
    free(req);
    return st;
}

static void test_header_bytes_limit(void **state)
{
    (void)state;
    /* within: 10 fields of 1 KiB */
    assert_int_equal(get_with_headers(10, 1024), 401);
    /* 17 fields of 1 KiB: over 16 KiB */
    assert_int_equal(get_with_headers(17, 1024), 431);
    /* the case: 64 KiB */
    assert_int_equal(get_with_headers(64, 1024), 431);
}

static void test_header_fields_limit(void **state)
{
    (void)state;
    assert_int_equal(get_with_headers(90, 4), 401);
    assert_int_equal(get_with_headers(101, 4), 431);
    assert_int_equal(get_with_headers(5000, 1), 431);
}

static void test_query_arguments_limit(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        size_t nargs = round == 0 ? 16000 : 1001; /* the case first */
        size_t cap = 256 + nargs * 16;
        char *req = malloc(cap);
        assert_non_null(req);
        size_t len = (size_t)snprintf(req, cap, "GET /current/user/auth/?");
        for (size_t i = 0; i < nargs; i++) {
            int w = snprintf(req + len, cap - len, "%sa%zu=1", i ? "&" : "", i);
            assert_true(w > 0 && (size_t)w < cap - len);
            len += (size_t)w;
        }
        int w = snprintf(req + len, cap - len,
                         " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assert_true(w > 0 && (size_t)w < cap - len);
        len += (size_t)w;
        int64_t t0 = rs_now_ms();
        int st = rs_request(fx.srv.port, 1, req, len, REQ_TIMEOUT_MS);
        int64_t ms = rs_now_ms() - t0;
        free(req);
        printf("# %zu query arguments: status %d in %lld ms\n", nargs, st, (long long)ms);
        assert_true(st == 414 || st == 400);
        assert_true(ms < 5000);
    }
    /* 50 arguments are fine */
    const char *ok = "GET /current/user/auth/?a=1&b=2&c=3 HTTP/1.1\r\nHost: t\r\n"
                     "Connection: close\r\n\r\n";
    assert_int_equal(rs_request(fx.srv.port, 1, ok, strlen(ok), REQ_TIMEOUT_MS), 401);
}

static void test_conflicting_content_length(void **state)
{
    (void)state;
    const char *two = "POST /current/user/auth/ HTTP/1.1\r\nHost: t\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      "Content-Length: 3\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
                      "a=1bb";
    assert_int_equal(rs_request(fx.srv.port, 1, two, strlen(two), REQ_TIMEOUT_MS), 400);
    /* the same value twice is one length (RFC 9110 §8.6 allows a recipient to accept it) */
    const char *same = "GET /current/user/auth/ HTTP/1.1\r\nHost: t\r\n"
                       "Content-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    assert_int_equal(rs_request(fx.srv.port, 1, same, strlen(same), REQ_TIMEOUT_MS), 401);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_header_bytes_limit),
    cmocka_unit_test(test_header_fields_limit),
    cmocka_unit_test(test_query_arguments_limit),
    cmocka_unit_test(test_conflicting_content_length),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
