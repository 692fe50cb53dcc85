/* SPDX-License-Identifier: MIT */
/* test_retry.c - the retry policy (backoff bounds and jitter spread, which failures repeat), the
 * rate-limit header forms, cancellable waits, log redaction of every secret name, PKCE (the
 * RFC 7636 Appendix B vector) and the plain OAuth body decoder. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <fastio/fastio.h>

#include "auth.h"
#include "buf.h"
#include "log.h"
#include "op.h"
#include "ratelimit.h"
#include "retry.h"
#include "testmain.h"
#include "timeutil.h"

static void backoff_schedule_bounds(void **state)
{
    (void)state;
    struct fio_backoff b = {4, 250, 20000, 60000};
    for (int i = 0; i < 12; i++) {
        long ceiling = 250L << i;
        long lo = ceiling, hi = 0;
        if (ceiling > 20000)
            ceiling = 20000;
        for (int k = 0; k < 2000; k++) {
            long d = fio_backoff_delay_ms(&b, i);
            assert_true(d >= 0);
            assert_true(d <= ceiling);
            if (d < lo)
                lo = d;
            if (d > hi)
                hi = d;
        }
        /* Full jitter: the samples spread over the whole range, not around one point. */
        assert_true(lo <= ceiling / 10);
        assert_true(hi >= ceiling - ceiling / 10);
    }
    /* Huge retry indexes saturate at the cap instead of overflowing. */
    for (int k = 0; k < 100; k++) {
        long d = fio_backoff_delay_ms(&b, 1000);
        assert_true(d >= 0 && d <= 20000);
    }
}

static void backoff_server_hint(void **state)
{
    (void)state;
    struct fio_backoff b = {4, 100, 20000, 5000};
    for (int k = 0; k < 500; k++) {
        long w = fio_backoff_wait_ms(&b, 0, 1000);
        assert_true(w >= 1000 && w <= 1100);
        w = fio_backoff_wait_ms(&b, 3, 0);
        assert_true(w >= 0 && w <= 100);
    }
    assert_int_equal(fio_backoff_wait_ms(&b, 0, 5001), -1); /* too long: not waited for */
    assert_true(fio_backoff_wait_ms(&b, 0, 5000) >= 5000);
    long w = fio_backoff_wait_ms(&b, 2, -1); /* no hint: full jitter */
    assert_true(w >= 0 && w <= 400);
}

static void retry_decisions(void **state)
{
    (void)state;
    const enum fastio_retry_kind S = FASTIO_RETRY_SAFE, U = FASTIO_RETRY_UNSAFE;
    /* 429: everywhere */
    assert_int_equal(fio_retry_decide(S, FASTIO_RATE_LIMITED, 429, false), FIO_RETRY_YES);
    assert_int_equal(fio_retry_decide(U, FASTIO_RATE_LIMITED, 429, false), FIO_RETRY_YES);
    /* 5xx: safe rows only */
    for (long h = 500; h <= 504; h++) {
        if (h == 501)
            continue;
        assert_int_equal(fio_retry_decide(S, FASTIO_SERVER, h, false), FIO_RETRY_YES);
        assert_int_equal(fio_retry_decide(U, FASTIO_SERVER, h, false), FIO_RETRY_NO);
    }
    assert_int_equal(fio_retry_decide(S, FASTIO_UNSUPPORTED, 501, false), FIO_RETRY_NO);
    /* transport failures: safe rows, or any row when nothing was sent */
    assert_int_equal(fio_retry_decide(S, FASTIO_NETWORK, 0, false), FIO_RETRY_YES);
    assert_int_equal(fio_retry_decide(U, FASTIO_NETWORK, 0, false), FIO_RETRY_NO);
    assert_int_equal(fio_retry_decide(U, FASTIO_NETWORK, 0, true), FIO_RETRY_YES);
    assert_int_equal(fio_retry_decide(S, FASTIO_TIMEOUT, 0, false), FIO_RETRY_YES);
    assert_int_equal(fio_retry_decide(U, FASTIO_TIMEOUT, 0, false), FIO_RETRY_NO);
    /* final */
    assert_int_equal(fio_retry_decide(S, FASTIO_CANCELLED, 0, true), FIO_RETRY_NO);
    assert_int_equal(fio_retry_decide(S, FASTIO_NOMEM, 0, true), FIO_RETRY_NO);
    assert_int_equal(fio_retry_decide(S, FASTIO_INVALID, 400, false), FIO_RETRY_NO);
    assert_int_equal(fio_retry_decide(S, FASTIO_AUTH, 401, false), FIO_RETRY_NO);
    assert_int_equal(fio_retry_decide(S, FASTIO_NOT_FOUND, 404, false), FIO_RETRY_NO);
    assert_int_equal(fio_retry_decide(S, FASTIO_CONFLICT, 409, false), FIO_RETRY_NO);
    assert_int_equal(fio_retry_decide(S, FASTIO_OK, 200, false), FIO_RETRY_NO);
}

static void rate_limit_headers(void **state)
{
    (void)state;
    const long long now = 1777000000; /* 2026-04-24 03:06:40 UTC */
    /* epoch seconds */
    assert_int_equal(fio_retry_after_ms("1777000005", NULL, NULL, now), 5000);
    assert_int_equal(fio_retry_after_ms("1776999990", NULL, NULL, now), 0); /* past */
    /* a small number: seconds from now */
    assert_int_equal(fio_retry_after_ms("7", NULL, NULL, now), 7000);
    /* the datetime form, with and without zone, and ISO-ish */
    assert_int_equal(fio_retry_after_ms("2026-04-24 03:06:50 UTC", NULL, NULL, now), 10000);
    assert_int_equal(fio_retry_after_ms("2026-04-24 03:06:50", NULL, NULL, now), 10000);
    assert_int_equal(fio_retry_after_ms("2026-04-24T03:06:50Z", NULL, NULL, now), 10000);
    /* Retry-After as a fallback: seconds and HTTP date */
    assert_int_equal(fio_retry_after_ms(NULL, "3", NULL, now), 3000);
    assert_int_equal(fio_retry_after_ms("", "Fri, 24 Apr 2026 03:06:42 GMT", NULL, now), 2000);
    assert_int_equal(fio_retry_after_ms("junk", "4", NULL, now), 4000);
    /* the server's Date is "now" when present */
    assert_int_equal(fio_retry_after_ms("1777000005", NULL, "Fri, 24 Apr 2026 03:06:44 GMT", 0),
                     1000);
    /* nothing usable */
    assert_int_equal(fio_retry_after_ms(NULL, NULL, NULL, now), -1);
    assert_int_equal(fio_retry_after_ms("2026-13-01 00:00:00 UTC", "soon", NULL, now), -1);
    /* clamped to a day */
    assert_int_equal(fio_retry_after_ms("999999999999", NULL, NULL, now), 24L * 3600 * 1000);
}

struct trigger_arg {
    struct fastio_cancel *t;
    long after_ms;
    int64_t fired_ms;
};

static void *trigger_later(void *p)
{
    struct trigger_arg *a = p;
    struct timespec ts = {a->after_ms / 1000, (a->after_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
    a->fired_ms = fastio_now_ms();
    fastio_cancel_trigger(a->t);
    return NULL;
}

static void sleep_cancel_and_deadline(void **state)
{
    (void)state;
    struct fastio_cancel *t = fastio_cancel_new();
    assert_non_null(t);
    assert_false(fastio_cancel_is_set(t));
    struct fio_deadline d = {0, t};
    struct trigger_arg a = {t, 50, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, trigger_later, &a), 0);
    assert_int_equal(fio_sleep_ms(10000, &d), FASTIO_CANCELLED);
    int64_t late = fastio_now_ms() - a.fired_ms;
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(late >= 0 && late < 100);
    assert_true(fastio_cancel_is_set(t));
    fastio_cancel_reset(t);
    assert_false(fastio_cancel_is_set(t));

    /* a deadline ends the sleep at the deadline */
    int64_t t0 = fastio_now_ms();
    d.at_ms = t0 + 80;
    assert_int_equal(fio_sleep_ms(10000, &d), FASTIO_TIMEOUT);
    int64_t took = fastio_now_ms() - t0;
    assert_true(took >= 80 && took < 150);
    assert_int_equal(fio_deadline_check(&d), FASTIO_TIMEOUT);
    assert_true(fio_deadline_left_ms(&d) <= 0);

    /* no deadline, no token: a plain sleep */
    t0 = fastio_now_ms();
    assert_int_equal(fio_sleep_ms(30, NULL), FASTIO_OK);
    assert_true(fastio_now_ms() - t0 >= 30);
    assert_int_equal(fio_deadline_left_ms(NULL), INT64_MAX);
    fastio_cancel_trigger(NULL);
    assert_false(fastio_cancel_is_set(NULL));
    fastio_cancel_free(t);
    fastio_cancel_free(NULL);
}

/* Every secret name the library promises to redact (decisions.md). */
static const char *const secret_names[] = {
    "token",         "access_token", "refresh_token", "lock_token",   "upload_token",
    "password",      "new_password", "old_password",  "passwd",       "api_key",
    "apikey",        "client_secret", "secret",       "code",         "code_verifier",
    "authorization", "key",          "otp",           "pin",          "Access_Token",
    "signature",     "credentials",  "id_token",      "registration_access_token"};

static void secret_names_recognised(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(secret_names) / sizeof(secret_names[0]); i++)
        assert_true(fio_log_is_secret_name(secret_names[i], strlen(secret_names[i])));
    static const char *const plain[] = {"limit", "offset", "api_code", "sort_key", "name",
                                        "confirm", "code_challenge_method", "state_x", ""};
    /* code_challenge_method is not secret; code_challenge is public by design too */
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        assert_false(fio_log_is_secret_name(plain[i], strlen(plain[i])));
}

static void query_redaction(void **state)
{
    (void)state;
    struct fio_buf out;
    for (size_t i = 0; i < sizeof(secret_names) / sizeof(secret_names[0]); i++) {
        char q[256];
        (void)snprintf(q, sizeof(q), "limit=10&%s=S3CR3T-%zu&offset=5", secret_names[i], i);
        fio_buf_init(&out, 0);
        assert_true(fio_log_redact_query(&out, q, strlen(q)));
        assert_null(strstr(out.data, "S3CR3T"));
        assert_non_null(strstr(out.data, "limit=10&"));
        assert_non_null(strstr(out.data, "=REDACTED&offset=5"));
        fio_buf_release(&out);
    }
    /* an escaped name is decoded before the check; a bad escape fails closed */
    const char *q = "acc%65ss_token=abc&x%zz=def&flag&empty=";
    fio_buf_init(&out, 0);
    assert_true(fio_log_redact_query(&out, q, strlen(q)));
    assert_string_equal(out.data, "acc%65ss_token=REDACTED&x%zz=REDACTED&flag&empty=");
    fio_buf_release(&out);
}

static void json_redaction(void **state)
{
    (void)state;
    json_t *j = json_pack("{s:s, s:s, s:{s:s, s:[{s:s}]}, s:i}", "access_token", "AT-SECRET",
                          "name", "n", "nested", "password", "PW-SECRET", "list", "lock_token",
                          "LT-SECRET", "limit", 3);
    assert_non_null(j);
    fio_log_redact_json(j);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(text);
    assert_null(strstr(text, "SECRET"));
    assert_non_null(strstr(text, "\"name\":\"n\""));
    assert_non_null(strstr(text, "\"limit\":3"));
    free(text);
    json_decref(j);
}

static void log_line_shape(void **state)
{
    (void)state;
    const char *url = "/workspace/1/storage/root/list/?page_size=100&refresh_token=RT-SECRET";
    struct fio_log_attempt a;
    memset(&a, 0, sizeof(a));
    a.request_id = "0123456789abcdef0123456789abcdef";
    a.endpoint = "STORAGE_LIST";
    a.method = "GET";
    const char *qm = strchr(url, '?');
    a.path = fio_slice_make(url, (size_t)(qm - url));
    a.query = fio_slice_make(qm + 1, strlen(qm + 1));
    a.http_status = 503;
    a.outcome = FASTIO_SERVER;
    a.api_code = 0;
    a.latency_us = 1234;
    a.bytes = 56;
    a.attempt = 2;
    a.retry_wait_ms = 480;
    char *line = fio_log_format(&a);
    assert_non_null(line);
    assert_null(strchr(line, '\n'));
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "path")),
                        "/workspace/1/storage/root/list/");
    assert_string_equal(json_string_value(json_object_get(j, "query")),
                        "page_size=100&refresh_token=REDACTED");
    assert_string_equal(json_string_value(json_object_get(j, "request_id")), a.request_id);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 503);
    assert_string_equal(json_string_value(json_object_get(j, "outcome")), "FASTIO_SERVER");
    assert_int_equal(json_integer_value(json_object_get(j, "attempt")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "retry_wait_ms")), 480);
    assert_int_equal(json_integer_value(json_object_get(j, "latency_us")), 1234);
    assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 56);
    assert_true(json_is_integer(json_object_get(j, "api_code")));
    const char *when = json_string_value(json_object_get(j, "time"));
    assert_non_null(when);
    assert_int_equal(strlen(when), 27);
    assert_int_equal(when[26], 'Z');
    assert_null(strstr(line, "RT-SECRET"));
    json_decref(j);
    free(line);
}

/* RFC 7636 Appendix B. */
static void pkce_rfc7636_vector(void **state)
{
    (void)state;
    char ch[44];
    struct fastio_error err;
    assert_int_equal(
        fastio_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", ch, sizeof(ch), &err),
        FASTIO_OK);
    assert_string_equal(ch, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /* too short, bad character, small buffer */
    assert_int_equal(fastio_pkce_challenge("short", ch, sizeof(ch), &err), FASTIO_INVALID);
    assert_int_equal(fastio_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX+", ch,
                                           sizeof(ch), &err),
                     FASTIO_INVALID);
    assert_int_equal(fastio_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", ch, 43,
                                           &err),
                     FASTIO_INVALID);
}

static void pkce_new_shape(void **state)
{
    (void)state;
    struct fastio_pkce a, b;
    struct fastio_error err;
    char ch[44];
    assert_int_equal(fastio_pkce_new(&a, &err), FASTIO_OK);
    assert_int_equal(fastio_pkce_new(&b, &err), FASTIO_OK);
    assert_int_equal(strlen(a.verifier), 43);
    assert_int_equal(strlen(a.challenge), 43);
    assert_int_equal(strlen(a.state), 32);
    assert_int_equal(strspn(a.verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_"),
                     43);
    assert_int_equal(strspn(a.state, "0123456789abcdef"), 32);
    assert_int_equal(fastio_pkce_challenge(a.verifier, ch, sizeof(ch), &err), FASTIO_OK);
    assert_string_equal(ch, a.challenge);
    assert_string_not_equal(a.verifier, b.verifier);
    assert_string_not_equal(a.state, b.state);
    assert_int_equal(fastio_pkce_new(NULL, &err), FASTIO_INVALID);
}

static void oauth_body_decoding(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    const char *ok = "{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"expires_in\":3600}";
    assert_int_equal(fio_oauth_decode(ok, strlen(ok), 200, &out, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(out, "access_token")), "a");
    json_decref(out);
    assert_int_equal(fio_oauth_decode("", 0, 200, &out, &err), FASTIO_OK); /* RFC 7009 */
    assert_true(json_is_object(out));
    json_decref(out);
    assert_int_equal(fio_oauth_decode("nope", 4, 200, &out, &err), FASTIO_PROTOCOL);
    assert_null(out);
    const char *bad = "{\"error\":\"invalid_grant\",\"error_description\":\"code reused\"}";
    assert_int_equal(fio_oauth_decode(bad, strlen(bad), 400, &out, &err), FASTIO_AUTH);
    assert_string_equal(err.message, "invalid_grant: code reused");
    assert_int_equal(err.http_status, 400);
    const char *req = "{\"error\":\"invalid_request\"}";
    assert_int_equal(fio_oauth_decode(req, strlen(req), 400, NULL, &err), FASTIO_INVALID);
    assert_int_equal(fio_oauth_decode("x", 1, 503, NULL, &err), FASTIO_SERVER);
    assert_true(err.retryable);
    assert_int_equal(fio_oauth_decode("", 0, 429, NULL, &err), FASTIO_RATE_LIMITED);
    /* an envelope error (router, limiter) is decoded as an envelope */
    const char *env = "{\"result\":false,\"error\":{\"code\":1671,\"text\":\"slow down\"}}";
    assert_int_equal(fio_oauth_decode(env, strlen(env), 429, NULL, &err), FASTIO_RATE_LIMITED);
    assert_int_equal(err.api_code, 1671);
}

static void call_opts_and_config_defaults(void **state)
{
    (void)state;
    struct fastio_config cfg;
    struct fastio_call_opts o;
    struct fastio_error err;
    fastio_config_init(&cfg);
    assert_int_equal(cfg.max_retries, 4);
    assert_int_equal(cfg.backoff_base_ms, 250);
    assert_int_equal(cfg.backoff_cap_ms, 20000);
    assert_int_equal(cfg.max_retry_wait_ms, 60000);
    assert_null(cfg.token_provider);
    fastio_call_opts_init(&o);
    assert_int_equal(o.max_retries, -1);
    assert_int_equal(o.deadline_ms, 0);
    assert_null(o.cancel);
    cfg.max_retries = -1;
    assert_null(fastio_client_new(&cfg, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    cfg.max_retries = 0;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    assert_string_equal(fastio_client_last_request_id(c), "");
    o.timeout_ms = -5;
    assert_int_equal(fastio_client_set_call_opts(c, &o, &err), FASTIO_INVALID);
    o.timeout_ms = 0;
    assert_int_equal(fastio_client_set_call_opts(c, &o, &err), FASTIO_OK);
    assert_int_equal(fastio_client_set_call_opts(c, NULL, &err), FASTIO_OK);
    /* a deadline already passed ends the call before anything is sent */
    o.deadline_ms = fastio_now_ms() - 1;
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                     FASTIO_TIMEOUT);
    assert_int_equal(strlen(fastio_client_last_request_id(c)), 32);
    /* so does a triggered token */
    struct fastio_cancel *t = fastio_cancel_new();
    assert_non_null(t);
    fastio_cancel_trigger(t);
    fastio_call_opts_init(&o);
    o.cancel = t;
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                     FASTIO_CANCELLED);
    fastio_cancel_free(t);
    fastio_client_free(c);
}

/* The one retry decision of the library (op.h), as fastio_call() and the transfer engine take
 * it: from the row's class, the failure and the attempt number. */
static void retry_wait_from_row_class(void **state)
{
    (void)state;
    const struct fio_backoff b = {3, 10, 100, 5000};
    struct fastio_error e;
    fastio_error_clear(&e);

    e.status = FASTIO_SERVER; /* a 500: the server may have acted */
    assert_true(fio_retry_wait(FASTIO_RETRY_SAFE, &e, 500, false, false, 1, &b) >= 0);
    assert_int_equal(fio_retry_wait(FASTIO_RETRY_UNSAFE, &e, 500, false, false, 1, &b), -1);
    /* the caller's own knowledge that nothing was acted on repeats it anyway */
    assert_true(fio_retry_wait(FASTIO_RETRY_UNSAFE, &e, 409, false, true, 1, &b) >= 0);

    e.status = FASTIO_NETWORK; /* a reset after the request went out */
    assert_true(fio_retry_wait(FASTIO_RETRY_SAFE, &e, 0, false, false, 1, &b) >= 0);
    assert_int_equal(fio_retry_wait(FASTIO_RETRY_UNSAFE, &e, 0, false, false, 1, &b), -1);
    /* nothing was sent (unknown host, refused connection): every row may go again */
    assert_true(fio_retry_wait(FASTIO_RETRY_UNSAFE, &e, 0, true, false, 1, &b) >= 0);

    e.status = FASTIO_RATE_LIMITED; /* 429: refused before any handler ran */
    e.retry_after_ms = 1000;
    long w = fio_retry_wait(FASTIO_RETRY_UNSAFE, &e, 429, false, false, 2, &b);
    assert_true(w >= 1000 && w <= 1010); /* the server's wait plus at most base_ms of jitter */
    e.retry_after_ms = 6000;               /* longer than max_wait_ms: returned, not waited */
    assert_int_equal(fio_retry_wait(FASTIO_RETRY_SAFE, &e, 429, false, false, 1, &b), -1);

    e.status = FASTIO_SERVER;
    e.retry_after_ms = -1;
    /* at most max_retries repeats: attempt 3 may be followed by a 4th, attempt 4 not */
    assert_true(fio_retry_wait(FASTIO_RETRY_SAFE, &e, 503, false, false, 3, &b) >= 0);
    assert_int_equal(fio_retry_wait(FASTIO_RETRY_SAFE, &e, 503, false, false, 4, &b), -1);
    /* 4xx and local failures are final whatever the class */
    e.status = FASTIO_NOT_FOUND;
    assert_int_equal(fio_retry_wait(FASTIO_RETRY_SAFE, &e, 404, false, false, 1, &b), -1);
    e.status = FASTIO_INVALID;
    assert_int_equal(fio_retry_wait(FASTIO_RETRY_SAFE, &e, 0, true, false, 1, &b), -1);
}

/* The one CURLcode table (op.c) with the reasons of the engine's own callbacks: what an upload,
 * a download and fastio_call() report for the same transport failure is the same. */
static void curl_error_table(void **state)
{
    (void)state;
    struct fastio_config cfg;
    struct fastio_error err;
    struct fio_buf resp;
    struct fio_op op;
    fastio_config_init(&cfg);
    cfg.base_url = "http://nonexistent.invalid/current";
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    fio_buf_init(&resp, 1024);
    fio_op_init(&op, c, &resp);

    assert_int_equal(fio_op_curl_error(&op, CURLE_COULDNT_RESOLVE_HOST, NULL, &err),
                     FASTIO_NETWORK);
    assert_non_null(strstr(err.message, curl_easy_strerror(CURLE_COULDNT_RESOLVE_HOST)));
    assert_true(err.retryable);
    assert_int_equal(fio_op_curl_error(&op, CURLE_OPERATION_TIMEDOUT, NULL, &err), FASTIO_TIMEOUT);
    assert_int_equal(fio_op_curl_error(&op, CURLE_URL_MALFORMAT, NULL, &err), FASTIO_INVALID);
    assert_int_equal(fio_op_curl_error(&op, CURLE_FILESIZE_EXCEEDED, NULL, &err),
                     FASTIO_TOO_LARGE);
    /* the callbacks' reasons */
    struct fio_op_io io = {false, false, false};
    assert_int_equal(fio_op_curl_error(&op, CURLE_ABORTED_BY_CALLBACK, &io, &err),
                     FASTIO_CANCELLED);
    io.src_changed = true;
    assert_int_equal(fio_op_curl_error(&op, CURLE_READ_ERROR, &io, &err), FASTIO_CONFLICT);
    assert_string_equal(err.message, "source file changed during the upload");
    io.src_changed = false;
    assert_int_equal(fio_op_curl_error(&op, CURLE_READ_ERROR, &io, &err), FASTIO_IO);
    io.io_error = true;
    assert_int_equal(fio_op_curl_error(&op, CURLE_WRITE_ERROR, &io, &err), FASTIO_IO);
    io.io_error = false;
    io.range_mismatch = true;
    assert_int_equal(fio_op_curl_error(&op, CURLE_WRITE_ERROR, &io, &err), FASTIO_PROTOCOL);
    io.range_mismatch = false;
    op.resp_too_large = true;
    assert_int_equal(fio_op_curl_error(&op, CURLE_WRITE_ERROR, &io, &err), FASTIO_TOO_LARGE);
    assert_non_null(strstr(err.message, "response larger than 1024 bytes"));
    op.resp_too_large = false;
    op.resp_nomem = true;
    assert_int_equal(fio_op_curl_error(&op, CURLE_WRITE_ERROR, &io, &err), FASTIO_NOMEM);

    fio_op_release(&op);
    fio_buf_release(&resp);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(curl_error_table),
    cmocka_unit_test(retry_wait_from_row_class),
    cmocka_unit_test(backoff_schedule_bounds),
    cmocka_unit_test(backoff_server_hint),
    cmocka_unit_test(retry_decisions),
    cmocka_unit_test(rate_limit_headers),
    cmocka_unit_test(sleep_cancel_and_deadline),
    cmocka_unit_test(secret_names_recognised),
    cmocka_unit_test(query_redaction),
    cmocka_unit_test(json_redaction),
    cmocka_unit_test(log_line_shape),
    cmocka_unit_test(pkce_rfc7636_vector),
    cmocka_unit_test(pkce_new_shape),
    cmocka_unit_test(oauth_body_decoding),
    cmocka_unit_test(call_opts_and_config_defaults),
};
TEST_MAIN(tests)
