/* SPDX-License-Identifier: MIT */
/* test_faults.c - the test-only fault switch (refused without --enable-test-faults; seeded
 * 429 / 500 / 503 / stall / reset) and the rate limiter's 429 / 1671 with the x-ve-limit-*
 * headers and Retry-After (api §1.8, reliability.md). Each case starts its own server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

#include "buf.h"
#include "harness.h"
#include "it_oauth.h"
#include "timeutil.h"

static struct it_fixture fx;

static int start_with(const char *const *args)
{
    const struct it_fixture_opts o = {args, false, NULL};
    return it_fixture_start(&fx, &o);
}

static int teardown_one(void **state)
{
    (void)state;
    return it_fixture_stop(&fx);
}

static int setup_plain(void **state)
{
    (void)state;
    return start_with(NULL);
}

static int setup_faults(void **state)
{
    (void)state;
    static const char *const args[] = {"--enable-test-faults", NULL};
    return start_with(args);
}

static int setup_rate5(void **state)
{
    (void)state;
    static const char *const args[] = {"--rate-limit", "5", NULL};
    return start_with(args);
}

static int setup_rate_window(void **state)
{
    (void)state;
    static const char *const args[] = {"--rate-limit", "2", "--rate-window", "2", NULL};
    return start_with(args);
}

static long long header_ll(const char *hdrs, const char *name)
{
    char v[64];
    long long n = -1;
    if (!ito_header(hdrs, name, v, sizeof(v)) || !fio_parse_ll(v, 0, INT64_MAX, &n))
        return -1;
    return n;
}

/* Every case that sets the switch also reads the server's own count of injected faults
 * (it_faults_injected): a response that merely looks like a fault, or a switch that silently
 * stayed off, fails the case. */
static long set_faults(const char *body)
{
    return it_faults_set(&fx.srv, body);
}

/* GET /user/me/details/ as the owner; status, body code and headers. */
static long me(long *code, char **hdrs)
{
    char authz[200], *body = NULL;
    snprintf(authz, sizeof(authz), "Bearer %s", fx.srv.owner_key);
    long st =
        it_raw_h(&fx.srv, "GET", "/current/user/me/details/", NULL, NULL, 0, authz, &body, hdrs);
    if (code) {
        json_decref(it_error_body(body, code));
    }
    free(body);
    return st;
}

static void test_faults_refused_without_flag(void **state)
{
    (void)state;
    char *body = NULL;
    long code;
    static const char b[] = "rate_503=100";
    assert_int_equal(
        it_raw(&fx.srv, "POST", "/current/test/faults/", FORM, b, strlen(b), NULL, &body), 404);
    json_decref(it_error_body(body, &code));
    assert_int_equal(code, 9992);
    free(body);
    assert_int_equal(it_raw(&fx.srv, "GET", "/current/test/faults/", NULL, NULL, 0, NULL, NULL),
                     404);
    assert_int_equal(me(NULL, NULL), 200);
}

static void test_faults_503(void **state)
{
    (void)state;
    assert_int_equal(set_faults("rate_503=100&retry_after=3"), 200);
    char *hdrs = NULL;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(me(NULL, &hdrs), 503);
        assert_int_equal(header_ll(hdrs, "Retry-After"), 3);
        free(hdrs);
    }
    /* Health checks and the switch itself are never faulted. */
    assert_int_equal(it_raw(&fx.srv, "GET", "/current/ping/", NULL, NULL, 0, NULL, NULL), 200);
    assert_int_equal(it_faults_injected(&fx.srv), 3); /* the three 503s, not the ping */
    assert_int_equal(set_faults(""), 200); /* clears */
    assert_int_equal(me(NULL, NULL), 200);
    assert_int_equal(it_faults_injected(&fx.srv), 0);
    /* Percentages are checked. */
    assert_int_equal(set_faults("rate_503=101"), 400);
    assert_int_equal(set_faults("rate_503=60&rate_429=50"), 400);
}

static void test_faults_429_headers(void **state)
{
    (void)state;
    assert_int_equal(set_faults("rate_429=100&retry_after=2"), 200);
    char *hdrs = NULL;
    long code;
    long long now = fio_wall_us() / 1000000;
    assert_int_equal(me(&code, &hdrs), 429);
    assert_int_equal(code, 1671);
    long long exp = header_ll(hdrs, "x-ve-limit-expires");
    assert_true(exp >= now + 1 && exp <= now + 3);
    assert_int_equal(header_ll(hdrs, "x-ve-limit-avail"), 0);
    assert_true(header_ll(hdrs, "x-ve-limit-max") > 0);
    assert_int_equal(header_ll(hdrs, "Retry-After"), 2);
    free(hdrs);
    assert_int_equal(it_faults_injected(&fx.srv), 1);
    /* max_faults bounds the storm. */
    assert_int_equal(set_faults("rate_429=100&max_faults=2"), 200);
    assert_int_equal(it_faults_injected(&fx.srv), 0); /* a new setting starts a new count */
    assert_int_equal(me(NULL, NULL), 429);
    assert_int_equal(me(NULL, NULL), 429);
    assert_int_equal(me(NULL, NULL), 200);
    assert_int_equal(it_faults_injected(&fx.srv), 2);
}

/* The same seed gives the same sequence of faults. */
static void test_faults_seeded(void **state)
{
    (void)state;
    long seq[2][24];
    int faults[2] = {0, 0};
    for (int run = 0; run < 2; run++) {
        assert_int_equal(set_faults("rate_503=30&rate_500=20&seed=42"), 200);
        for (int i = 0; i < 24; i++) {
            seq[run][i] = me(NULL, NULL);
            assert_true(seq[run][i] == 200 || seq[run][i] == 500 || seq[run][i] == 503);
            faults[run] += seq[run][i] != 200;
        }
        /* every error seen was one the server counts as injected */
        assert_int_equal(it_faults_injected(&fx.srv), faults[run]);
    }
    assert_memory_equal(seq[0], seq[1], sizeof(seq[0]));
    assert_true(faults[0] > 0 && faults[0] < 24);
    assert_int_equal(set_faults("rate_503=30&rate_500=20&seed=43"), 200);
    bool differs = false;
    for (int i = 0; i < 24; i++)
        differs |= me(NULL, NULL) != seq[0][i];
    assert_true(differs);
}

static void test_faults_reset_and_stall(void **state)
{
    (void)state;
    assert_int_equal(set_faults("reset=100"), 200);
    assert_int_equal(me(NULL, NULL), 0); /* connection closed without a response */
    assert_int_equal(it_faults_injected(&fx.srv), 1);
    assert_int_equal(set_faults("stall_ms=300"), 200);
    int64_t t0 = fio_mono_ms();
    assert_int_equal(me(NULL, NULL), 200);
    assert_true(fio_mono_ms() - t0 >= 300);
    assert_int_equal(it_faults_injected(&fx.srv), 1); /* the stall, not a slow machine */
    assert_int_equal(set_faults(""), 200);
    assert_int_equal(me(NULL, NULL), 200);
    assert_int_equal(it_faults_injected(&fx.srv), 0);
}

/* --rate-limit 5: the 6th request of the window is 429 / 1671 with the contract's headers. */
static void test_rate_limit_429(void **state)
{
    (void)state;
    char *hdrs = NULL;
    long code;
    /* Stay inside one window: start right after a window boundary if the current one is about
     * to end. */
    long long now = fio_wall_us() / 1000000;
    if (now % 60 > 50) {
        struct timespec ts = {61 - now % 60, 0};
        nanosleep(&ts, NULL);
    }
    for (int i = 1; i <= 5; i++) {
        assert_int_equal(me(NULL, &hdrs), 200);
        assert_int_equal(header_ll(hdrs, "x-ve-limit-max"), 5);
        assert_int_equal(header_ll(hdrs, "x-ve-limit-avail"), 5 - i);
        free(hdrs);
    }
    now = fio_wall_us() / 1000000;
    assert_int_equal(me(&code, &hdrs), 429);
    assert_int_equal(code, 1671);
    assert_int_equal(header_ll(hdrs, "x-ve-limit-avail"), 0);
    assert_int_equal(header_ll(hdrs, "x-ve-limit-max"), 5);
    long long exp = header_ll(hdrs, "x-ve-limit-expires");
    assert_true(exp > now && exp <= now + 60);
    long long ra = header_ll(hdrs, "Retry-After");
    assert_true(ra >= 1 && ra <= 60);
    free(hdrs);
}

/* --rate-window 2: the limit resets when x-ve-limit-expires passes. */
static void test_rate_window(void **state)
{
    (void)state;
    /* Start just after a 2-second window boundary so three quick requests share a window. */
    long long s0 = fio_wall_us() / 1000000;
    while (fio_wall_us() / 1000000 == s0 || (fio_wall_us() / 1000000) % 2 != 0) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    char *hdrs = NULL;
    long code;
    assert_int_equal(me(NULL, NULL), 200);
    assert_int_equal(me(NULL, NULL), 200);
    assert_int_equal(me(&code, &hdrs), 429);
    assert_int_equal(code, 1671);
    long long exp = header_ll(hdrs, "x-ve-limit-expires");
    assert_int_equal(header_ll(hdrs, "x-ve-limit-max"), 2);
    free(hdrs);
    assert_true(exp - fio_wall_us() / 1000000 <= 2);
    while (fio_wall_us() / 1000000 < exp) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(me(NULL, NULL), 200);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_faults_refused_without_flag, setup_plain, teardown_one),
    cmocka_unit_test_setup_teardown(test_faults_503, setup_faults, teardown_one),
    cmocka_unit_test_setup_teardown(test_faults_429_headers, setup_faults, teardown_one),
    cmocka_unit_test_setup_teardown(test_faults_seeded, setup_faults, teardown_one),
    cmocka_unit_test_setup_teardown(test_faults_reset_and_stall, setup_faults, teardown_one),
    cmocka_unit_test_setup_teardown(test_rate_limit_429, setup_rate5, teardown_one),
    cmocka_unit_test_setup_teardown(test_rate_window, setup_rate_window, teardown_one),
};
IT_MAIN(tests, NULL, NULL)
