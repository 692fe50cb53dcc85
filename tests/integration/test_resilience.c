/* SPDX-License-Identifier: MIT */
/* test_resilience.c - retries, deadlines, cancellation and logs of libfastio against a small
 * scripted HTTP server inside the test (it_resilience.h: 429 with x-ve-limit-expires, 503 with
 * Retry-After, stalls, resets). Deterministic and independent of fastio-server's fault mode.
 * Token refresh is in test_resilience_refresh.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "it_resilience.h"
#include "timeutil.h"

/* ---- rate limits and 5xx ------------------------------------------------------------------- */

static const struct step always_429[] = {
    {ACT_REPLY, 429, "x-ve-limit-avail: 0\r\nx-ve-limit-expires: %EXP+1%\r\n",
     "{\"result\":false,\"error\":{\"code\":1671,\"text\":\"rate limited\"}}"}};

/* A storm that never ends: the call gives up within its deadline, however many retries it
 * was allowed, and says how long the server asked it to wait. */
static void test_429_storm_bounded_by_deadline(void **state)
{
    (void)state;
    struct script sc;
    struct logcap lc = {0};
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, always_429, 1);
    struct fastio_client *c = client_for(&sc, 0, NULL, &lc, 50);
    fastio_call_opts_init(&o);
    o.timeout_ms = 2500;
    o.max_retries = 100;
    int64_t t0 = fastio_now_ms();
    enum fastio_status st = fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err);
    int64_t took = fastio_now_ms() - t0;
    assert_int_equal(st, FASTIO_RATE_LIMITED);
    assert_int_equal(err.http_status, 429);
    assert_int_equal(err.api_code, 1671);
    assert_true(err.retry_after_ms >= 0 && err.retry_after_ms <= 2000);
    assert_true(took <= 2500 + 100);
    unsigned n = atomic_load(&sc.count);
    assert_true(n >= 2 && n <= 6); /* waits of up to 1 s each, as x-ve-limit-expires said */
    assert_int_equal(lc.n, n);
    assert_non_null(strstr(lc.lines[n - 1], "\"retry_wait_ms\":-1"));
    fastio_client_free(c);
    script_stop(&sc);
    logcap_free(&lc);
}

static const struct step two_429_then_ok[] = {
    {ACT_REPLY, 429, "x-ve-limit-expires: %EXP+2%\r\n",
     "{\"result\":false,\"error\":{\"code\":1671}}"},
    {ACT_REPLY, 429, "X-Rate-Limit-Expiry: %EXP+0%\r\n",
     "{\"result\":false,\"error\":{\"code\":1671}}"},
    {ACT_REPLY, 200, NULL, "{\"result\":true,\"ping\":\"pong\"}"}};

/* An UNSAFE row is repeated after 429 (the limiter refused it before any handler ran), with
 * the legacy header name understood too. */
static void test_429_then_success_unsafe_row(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    json_t *out = NULL;
    script_start(&sc, two_429_then_ok, 3);
    struct fastio_client *c = client_for(&sc, 0, "tok", NULL, 50);
    struct fastio_param p[] = {{"domain", "x"}};
    int64_t t0 = fastio_now_ms();
    assert_int_equal(fastio_call(c, FASTIO_EP_ORG_CREATE, NULL, 0, p, 1, &out, &err), FASTIO_OK);
    int64_t took = fastio_now_ms() - t0;
    assert_int_equal(atomic_load(&sc.count), 3);
    assert_true(took >= 900 && took < 3500);
    json_decref(out);
    fastio_client_free(c);
    script_stop(&sc);
}

static const struct step *thirty_percent_503(unsigned i)
{
    static const struct step fail = {ACT_REPLY, 503, "Retry-After: 0\r\n", "Service Unavailable"};
    static const struct step ok = {ACT_REPLY, 200, NULL, "{\"result\":true,\"ping\":\"pong\"}"};
    return (i * 7) % 10 < 3 ? &fail : &ok; /* deterministic: 3 requests in every 10 fail */
}

static void test_503_thirty_percent(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, NULL, 0);
    sc.pick = thirty_percent_503;
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    fastio_call_opts_init(&o);
    int64_t t0 = fastio_now_ms();
    o.deadline_ms = t0 + 8000; /* one deadline for the whole batch */
    for (int k = 0; k < 30; k++)
        assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                         FASTIO_OK);
    assert_true(fastio_now_ms() - t0 < 8000);
    unsigned n = atomic_load(&sc.count);
    assert_true(n > 30 && n < 50); /* every failure cost one more request */
    fastio_client_free(c);
    script_stop(&sc);
}

static const struct step retry_after_then_ok[] = {
    {ACT_REPLY, 503, "Retry-After: 1\r\n", "{\"result\":false,\"error\":{\"code\":503}}"},
    {ACT_REPLY, 200, NULL, NULL}};

static void test_503_retry_after_respected(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    script_start(&sc, retry_after_then_ok, 2);
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    int64_t t0 = fastio_now_ms();
    assert_int_equal(fastio_ping(c, NULL, &err), FASTIO_OK);
    int64_t took = fastio_now_ms() - t0;
    assert_true(took >= 1000 && took < 4000);
    /* A deadline shorter than the wait: the failure comes back at once with the hint. */
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.timeout_ms = 500;
    atomic_store(&sc.count, 0);
    t0 = fastio_now_ms();
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                     FASTIO_SERVER);
    assert_true(fastio_now_ms() - t0 < 950); /* the 1 s wait was not started */
    assert_true(err.retry_after_ms >= 1000);
    fastio_client_free(c);
    script_stop(&sc);
}

/* ---- cancellation and deadlines ------------------------------------------------------------ */

struct trigger_arg {
    struct fastio_cancel *t;
    long after_ms;
    int64_t fired_ms;
};

static void *trigger_later(void *p)
{
    struct trigger_arg *a = p;
    sleep_ms(a->after_ms);
    a->fired_ms = fastio_now_ms();
    fastio_cancel_trigger(a->t);
    return NULL;
}

/* A new cancel token in fresh options o (free it with fastio_cancel_free). */
static struct fastio_cancel *cancel_opts(struct fastio_call_opts *o)
{
    struct fastio_cancel *t = fastio_cancel_new();
    assert_non_null(t);
    fastio_call_opts_init(o);
    o->cancel = t;
    return t;
}

/* A thread (th) that triggers a->t after a->after_ms. */
static void trigger_start(struct trigger_arg *a, pthread_t *th)
{
    assert_int_equal(pthread_create(th, NULL, trigger_later, a), 0);
}

/* Right after the cancelled call returned: how long after the trigger fired it did (ms); then
 * the thread is joined. */
static int64_t trigger_join(const struct trigger_arg *a, pthread_t th)
{
    int64_t late = fastio_now_ms() - a->fired_ms;
    assert_int_equal(pthread_join(th, NULL), 0);
    return late;
}

static const struct step stall[] = {{ACT_STALL, 0, NULL, NULL}};

static void test_cancel_stalled_request(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, stall, 1);
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    /* through the client's default options, so a typed wrapper is cancelled too */
    struct fastio_cancel *t = cancel_opts(&o);
    assert_int_equal(fastio_client_set_call_opts(c, &o, &err), FASTIO_OK);
    struct trigger_arg a = {t, 300, 0};
    pthread_t th;
    trigger_start(&a, &th);
    json_t *out = NULL;
    assert_int_equal(fastio_ping(c, &out, &err), FASTIO_CANCELLED);
    int64_t late = trigger_join(&a, th);
    assert_null(out);
    assert_int_equal(err.status, FASTIO_CANCELLED);
    assert_true(late >= 0 &&
                late < 1000); /* not the 20-30 s stall or backoff; loose for loaded CI */
    assert_int_equal(atomic_load(&sc.count), 1); /* not retried */
    fastio_client_free(c);
    fastio_cancel_free(t);
    script_stop(&sc);
}

static void test_deadline_stalled_request(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, stall, 1);
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    fastio_call_opts_init(&o);
    o.timeout_ms = 300;
    int64_t t0 = fastio_now_ms();
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                     FASTIO_TIMEOUT);
    int64_t took = fastio_now_ms() - t0;
    assert_true(took >= 300 && took < 1500); /* not the 20 s client timeout */
    fastio_client_free(c);
    script_stop(&sc);
}

static const struct step long_503[] = {
    {ACT_REPLY, 503, "Retry-After: 30\r\n", "{\"result\":false,\"error\":{\"code\":503}}"}};

static void test_cancel_during_backoff(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, long_503, 1);
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    struct fastio_cancel *t = cancel_opts(&o);
    struct trigger_arg a = {t, 300, 0};
    pthread_t th;
    trigger_start(&a, &th);
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                     FASTIO_CANCELLED);
    int64_t late = trigger_join(&a, th);
    assert_true(late >= 0 &&
                late < 1000); /* not the 20-30 s stall or backoff; loose for loaded CI */
    assert_int_equal(atomic_load(&sc.count), 1);
    fastio_client_free(c);
    fastio_cancel_free(t);
    script_stop(&sc);
}

/* ---- what may be repeated ------------------------------------------------------------------ */

static const struct step reset_then_ok[] = {{ACT_RESET, 0, NULL, NULL},
                                            {ACT_REPLY, 200, NULL, NULL}};

static void test_unsafe_post_not_resent_after_body(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    script_start(&sc, reset_then_ok, 2);
    struct fastio_client *c = client_for(&sc, 0, "tok", NULL, 20);
    struct fastio_param p[] = {{"domain", "acme"}, {"name", "Acme"}};
    /* the server read the whole request, then reset: it may have created the org */
    assert_int_equal(fastio_call(c, FASTIO_EP_ORG_CREATE, NULL, 0, p, 2, NULL, &err),
                     FASTIO_NETWORK);
    assert_int_equal(atomic_load(&sc.count), 1);
    assert_non_null(strstr(sc.reqs[0], "domain=acme"));
    /* the same failure on a SAFE row is repeated */
    atomic_store(&sc.count, 0);
    assert_int_equal(fastio_ping(c, NULL, &err), FASTIO_OK);
    assert_int_equal(atomic_load(&sc.count), 2);
    fastio_client_free(c);
    script_stop(&sc);
}

static void test_unsafe_post_retried_when_nothing_sent(void **state)
{
    (void)state;
    /* a port with nobody listening: the connection fails before any byte is sent */
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    struct logcap lc = {0};
    struct fastio_client *c = client_for(NULL, ntohs(a.sin_port), "tok", &lc, 10);
    struct fastio_error err;
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.max_retries = 2;
    struct fastio_param p[] = {{"domain", "acme"}};
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_ORG_CREATE, NULL, 0, p, 1, &o, NULL, &err),
                     FASTIO_NETWORK);
    assert_int_equal(lc.n, 3);
    assert_non_null(strstr(lc.lines[0], "\"attempt\":1"));
    assert_non_null(strstr(lc.lines[2], "\"attempt\":3"));
    fastio_client_free(c);
    logcap_free(&lc);
}

/* ---- logs ---------------------------------------------------------------------------------- */

static const struct step fail_then_ok[] = {
    {ACT_REPLY, 500, NULL, "{\"result\":false,\"error\":{\"code\":1,\"text\":\"oops\"}}"},
    {ACT_REPLY, 200, NULL,
     "{\"result\":true,\"access_token\":\"fio_o_RESPONSE-SECRET\",\"token_type\":\"Bearer\"}"}};

static void test_logs_have_no_secret(void **state)
{
    (void)state;
    static const char *const secrets[] = {"BEARER-SECRET-1",
                                          "QUERY-SECRET-2",
                                          "QUERY-SECRET-3",
                                          "QUERY-SECRET-4",
                                          "QUERY-SECRET-5",
                                          "QUERY-SECRET-6",
                                          "FORM-SECRET-7",
                                          "FORM-SECRET-8",
                                          "BASIC-SECRET-9",
                                          "RESPONSE-SECRET",
                                          "VERIFIER-SECRET-10-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    struct script sc;
    struct logcap lc = {0};
    struct fastio_error err;
    script_start(&sc, fail_then_ok, 2);
    struct fastio_client *c = client_for(&sc, 0, secrets[0], &lc, 10);
    struct fastio_param q[] = {{"limit", "10"},
                               {"access_token", secrets[1]},
                               {"password", secrets[2]},
                               {"lock_token", secrets[3]},
                               {"refresh_token", secrets[4]},
                               {"code", secrets[5]}};
    assert_int_equal(fastio_call(c, FASTIO_EP_ORG_LIST, NULL, 0, q, 6, NULL, &err), FASTIO_OK);
    char rid[40];
    (void)snprintf(rid, sizeof(rid), "%s", fastio_client_last_request_id(c));
    assert_int_equal(strlen(rid), 32);
    /* both attempts of the call carried the same x-request-id */
    char hdr[64];
    (void)snprintf(hdr, sizeof(hdr), "X-Request-Id: %s", rid);
    assert_non_null(strstr(sc.reqs[0], hdr));
    assert_non_null(strstr(sc.reqs[1], hdr));
    struct fastio_param f[] = {{"password", secrets[6]}, {"api_key", secrets[7]}};
    assert_int_equal(fastio_call(c, FASTIO_EP_ORG_CREATE, NULL, 0, f, 2, NULL, &err), FASTIO_OK);
    char *tok = NULL;
    enum fastio_status sst = fastio_user_signin(c, "a@example.test", secrets[8], &tok, NULL, &err);
    (void)sst; /* the canned answer has no token: only the log matters here */
    fastio_free(tok);
    struct fastio_oauth_tokens t;
    struct fastio_oauth_code_grant g = {
        secrets[5], secrets[10], "fastio-cli", "http://127.0.0.1:1/callback", NULL, NULL};
    assert_int_equal(fastio_oauth_token_exchange(c, &g, &t, &err), FASTIO_OK);
    assert_string_equal(t.access_token, "fio_o_RESPONSE-SECRET");
    fastio_oauth_tokens_release(&t);

    assert_true(lc.n >= 5);
    for (size_t i = 0; i < lc.n; i++) {
        json_t *j = json_loads(lc.lines[i], 0, NULL);
        assert_non_null(j); /* one JSON object per line */
        assert_true(json_is_integer(json_object_get(j, "attempt")));
        json_decref(j);
        for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
            assert_null(strstr(lc.lines[i], secrets[k]));
        assert_null(strcasestr(lc.lines[i], "authorization"));
    }
    assert_non_null(strstr(lc.lines[0], rid));
    assert_non_null(strstr(lc.lines[0], "\"attempt\":1"));
    assert_non_null(strstr(lc.lines[0], "\"status\":500"));
    assert_null(strstr(lc.lines[0], "\"retry_wait_ms\":-1"));
    assert_non_null(strstr(lc.lines[1], "\"attempt\":2"));
    assert_non_null(strstr(lc.lines[1], "\"path\":\"/orgs/list/\""));
    assert_non_null(strstr(lc.lines[1], "limit=10"));
    /* the secrets did reach the server: the test would prove nothing otherwise */
    assert_non_null(strstr(sc.reqs[1], secrets[1]));
    assert_non_null(strstr(sc.reqs[2], secrets[6]));
    fastio_client_free(c);
    script_stop(&sc);
    logcap_free(&lc);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_429_storm_bounded_by_deadline),
    cmocka_unit_test(test_429_then_success_unsafe_row),
    cmocka_unit_test(test_503_thirty_percent),
    cmocka_unit_test(test_503_retry_after_respected),
    cmocka_unit_test(test_cancel_stalled_request),
    cmocka_unit_test(test_deadline_stalled_request),
    cmocka_unit_test(test_cancel_during_backoff),
    cmocka_unit_test(test_unsafe_post_not_resent_after_body),
    cmocka_unit_test(test_unsafe_post_retried_when_nothing_sent),
    cmocka_unit_test(test_logs_have_no_secret),
};

IT_MAIN(tests, setup, teardown)
