/* SPDX-License-Identifier: MIT */
/* test_oauth_client.c - libfastio's OAuth client and resilience against the real fastio-server
 * (issue 4): a full PKCE login driven by the library (fastio_pkce_new, the JSON authorize call,
 * fastio_oauth_token_exchange) whose consent step is done by a real HTTP client (the HTML form
 * POST, the 302 read from Location); a token store that refreshes before expiry (the server runs
 * with --oauth-access-ttl 1) and once after a 401, persisting each rotation; reuse of a rotated
 * refresh token rejected with invalid_grant and the session revoked; a 429 storm and a 30% 503
 * rate from the server's fault switch, with the total wait bounded by the deadline; a deadline
 * and a cancel token ending a request the server stalls (leaks are caught by the sanitizers). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "form.h"
#include "harness.h"
#include "it_oauth.h"

static const char *const server_args[] = {"--oauth-access-ttl", "1", "--enable-test-faults", NULL};
static const struct it_fixture_opts fx_opts = {server_args, false, NULL};
static struct it_fixture fx;

/* ---- helpers ------------------------------------------------------------------------------ */

static long set_faults(const char *body)
{
    return it_faults_set(&fx.srv, body);
}

static long faults_injected(void)
{
    return (long)it_faults_injected(&fx.srv);
}

struct saved {
    int count;
    char refresh[256];
    char access[256];
};

static enum fastio_status persist(void *ud, const struct fastio_oauth_tokens *t, int64_t expires_at,
                                  struct fastio_error *err)
{
    (void)err;
    struct saved *s = ud;
    s->count++;
    fio_strlcpy(s->access, t->access_token, sizeof(s->access));
    if (t->refresh_token)
        fio_strlcpy(s->refresh, t->refresh_token, sizeof(s->refresh));
    assert_true(expires_at > (int64_t)time(NULL) - 5);
    return FASTIO_OK;
}

static struct fastio_client *client_with_store(struct fastio_token_store *store)
{
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = fx.srv.base;
    cfg.token_provider = fastio_token_store_provider;
    cfg.token_provider_userdata = store;
    struct fastio_error err;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_pkce_login_refresh_rotation_reuse(void **state)
{
    (void)state;
    char utok[128], email[128];
    it_new_user(&fx.srv, utok, sizeof(utok), email);
    struct fastio_oauth_tokens tok;
    memset(&tok, 0, sizeof(tok));
    ito_pkce_login(&fx.srv, email, "it-test", 1, &tok);
    char first_refresh[256];
    fio_strlcpy(first_refresh, tok.refresh_token, sizeof(first_refresh));

    /* refresh before expiry: the token lives 1 s, well inside the 60 s skew */
    struct saved sv;
    memset(&sv, 0, sizeof(sv));
    struct fastio_token_store_config sc;
    fastio_token_store_config_init(&sc);
    sc.base_url = fx.srv.base;
    sc.client_id = CLIENT;
    sc.access_token = tok.access_token;
    sc.refresh_token = tok.refresh_token;
    sc.expires_at = (int64_t)time(NULL) + tok.expires_in;
    sc.persist = persist;
    sc.persist_userdata = &sv;
    struct fastio_error err;
    struct fastio_token_store *store = fastio_token_store_new(&sc, &err);
    assert_non_null(store);
    struct fastio_client *c = client_with_store(store);
    json_t *user = NULL;
    enum fastio_status st = fastio_user_me(c, &user, &err);
    if (st != FASTIO_OK)
        fprintf(stderr, "user_me: %s\n", err.message);
    assert_int_equal(st, FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(user, "email_address")), email);
    assert_string_equal(json_string_value(json_object_get(user, "auth_method")), "oauth");
    json_decref(user);
    assert_true(sv.count >= 1);
    assert_string_not_equal(sv.refresh, first_refresh); /* rotated and persisted */
    assert_string_not_equal(sv.access, tok.access_token);
    fastio_client_free(c);
    fastio_token_store_free(store);

    /* refresh on a 401: a store whose access token the server rejects and whose expiry is
     * unknown (so nothing refreshes early) refreshes once and repeats the call */
    struct saved sv2;
    memset(&sv2, 0, sizeof(sv2));
    char latest_refresh[256];
    fio_strlcpy(latest_refresh, sv.refresh, sizeof(latest_refresh));
    sc.access_token = "fio_o_not-a-valid-access-token-at-all-0123456789abcdef";
    sc.refresh_token = latest_refresh;
    sc.expires_at = 0;
    sc.persist_userdata = &sv2;
    store = fastio_token_store_new(&sc, &err);
    assert_non_null(store);
    c = client_with_store(store);
    char *uid = NULL;
    assert_int_equal(fastio_auth_check(c, &uid, &err), FASTIO_OK);
    fastio_free(uid);
    assert_int_equal(sv2.count, 1);
    assert_string_not_equal(sv2.refresh, latest_refresh);
    fastio_client_free(c);
    fastio_token_store_free(store);

    /* the session is listed (as the user's Basic token sees it) */
    struct fastio_client *uc = it_client(&fx.srv, utok);
    json_t *resp = NULL;
    assert_int_equal(fastio_call(uc, FASTIO_EP_OAUTH_SESSIONS_LIST, NULL, 0, NULL, 0, &resp, &err),
                     FASTIO_OK);
    assert_int_equal(json_array_size(json_object_get(resp, "sessions")), 1);
    json_decref(resp);

    /* reuse of a rotated refresh token: invalid_grant, and the session is revoked, so even
     * the newest refresh token no longer works */
    struct fastio_client *pc = it_client(&fx.srv, NULL);
    struct fastio_oauth_tokens t2;
    assert_int_equal(fastio_oauth_token_refresh(pc, CLIENT, first_refresh, &t2, &err), FASTIO_AUTH);
    assert_non_null(strstr(err.message, "invalid_grant"));
    assert_int_equal(fastio_oauth_token_refresh(pc, CLIENT, sv2.refresh, &t2, &err), FASTIO_AUTH);
    assert_int_equal(fastio_call(uc, FASTIO_EP_OAUTH_SESSIONS_LIST, NULL, 0, NULL, 0, &resp, &err),
                     FASTIO_OK);
    assert_int_equal(json_array_size(json_object_get(resp, "sessions")), 0);
    json_decref(resp);
    fastio_client_free(pc);
    fastio_client_free(uc);
    fastio_oauth_tokens_release(&tok);
}

/* The owner's client with the library's default configuration (timeouts and retries as a
 * user gets them, unlike it_client), max_retries when > 0. */
static struct fastio_client *default_client(int max_retries)
{
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = fx.srv.base;
    cfg.token = fx.srv.owner_key;
    if (max_retries > 0)
        cfg.max_retries = max_retries;
    struct fastio_error err;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

/* Every request fails with 429 (retry_after 1 s): the call gives up at its deadline instead of
 * waiting out the storm, and returns the rate-limit error. */
static void test_429_storm_bounded_by_deadline(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = default_client(50);
    assert_int_equal(set_faults("rate_429=100&retry_after=1&seed=3"), 200);
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.timeout_ms = 2500;
    json_t *resp = NULL;
    int64_t t0 = fastio_now_ms();
    enum fastio_status st = fastio_call_ex(c, FASTIO_EP_USER_ME, NULL, 0, NULL, 0, &o, &resp, &err);
    int64_t took = fastio_now_ms() - t0;
    assert_true(st == FASTIO_RATE_LIMITED || st == FASTIO_TIMEOUT);
    assert_true(took <= 2500 + 300);
    assert_true(took >= 900); /* it did wait as told (at least one Retry-After) */
    assert_true(faults_injected() >= 2);
    json_decref(resp);
    assert_int_equal(set_faults("seed=1"), 200);
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_USER_ME, NULL, 0, NULL, 0, &o, &resp, &err),
                     FASTIO_OK);
    json_decref(resp);
    fastio_client_free(c);
}

/* 30% of requests fail with 503: every call still succeeds within its deadline, and the whole
 * run's waiting is bounded by the number of faults times the Retry-After (plus jitter). */
static void test_503_thirty_percent(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = default_client(0);
    assert_int_equal(set_faults("rate_503=30&retry_after=1&seed=11"), 200);
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.timeout_ms = 8000;
    int64_t t0 = fastio_now_ms();
    for (int i = 0; i < 12; i++) {
        json_t *resp = NULL;
        int64_t s0 = fastio_now_ms();
        enum fastio_status st =
            fastio_call_ex(c, FASTIO_EP_USER_ME, NULL, 0, NULL, 0, &o, &resp, &err);
        if (st != FASTIO_OK)
            fprintf(stderr, "call %d: %s\n", i, err.message);
        assert_int_equal(st, FASTIO_OK);
        assert_true(fastio_now_ms() - s0 <= 8000 + 300);
        json_decref(resp);
    }
    long n = faults_injected();
    int64_t took = fastio_now_ms() - t0;
    assert_true(n >= 1);
    assert_true(took <= n * 1300 + 3000);
    /* with a deadline shorter than the Retry-After, the wait is not started */
    assert_int_equal(set_faults("rate_503=100&retry_after=2&seed=5"), 200);
    o.timeout_ms = 500;
    json_t *resp = NULL;
    t0 = fastio_now_ms();
    enum fastio_status st = fastio_call_ex(c, FASTIO_EP_USER_ME, NULL, 0, NULL, 0, &o, &resp, &err);
    assert_true(st != FASTIO_OK);
    assert_true(fastio_now_ms() - t0 < 1800); /* the 2 s wait was not started */
    assert_true(faults_injected() >= 1);      /* the failure was the injected 503 */
    json_decref(resp);
    assert_int_equal(set_faults("seed=1"), 200);
    fastio_client_free(c);
}

struct trig {
    struct fastio_cancel *t;
    long after_ms;
};

static void *trigger_later(void *p)
{
    struct trig *tr = p;
    struct timespec ts = {tr->after_ms / 1000, (tr->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    fastio_cancel_trigger(tr->t);
    return NULL;
}

/* The server stalls every answer 5 s: a 300 ms deadline ends the running request with TIMEOUT,
 * and a cancel token ends it with CANCELLED, both promptly; nothing leaks (ASan). */
static void test_deadline_and_cancel_running_request(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = default_client(0);
    assert_int_equal(set_faults("stall_ms=5000&stall=100&seed=2"), 200);
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.timeout_ms = 300;
    json_t *resp = NULL;
    int64_t t0 = fastio_now_ms();
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_USER_ME, NULL, 0, NULL, 0, &o, &resp, &err),
                     FASTIO_TIMEOUT);
    assert_true(fastio_now_ms() - t0 < 2500); /* not the 5 s stall */
    assert_null(resp);

    struct fastio_cancel *tok = fastio_cancel_new();
    assert_non_null(tok);
    fastio_call_opts_init(&o);
    o.cancel = tok;
    struct trig tr = {tok, 200};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, trigger_later, &tr), 0);
    t0 = fastio_now_ms();
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_USER_ME, NULL, 0, NULL, 0, &o, &resp, &err),
                     FASTIO_CANCELLED);
    int64_t took = fastio_now_ms() - t0;
    pthread_join(th, NULL);
    assert_true(took >= 150 && took < 2500); /* not the 5 s stall */
    fastio_cancel_free(tok);
    assert_int_equal(faults_injected(), 2); /* both requests were stalled by the server */
    assert_int_equal(set_faults("seed=1"), 200);
    /* the client is still usable after both */
    o.cancel = NULL;
    o.timeout_ms = 10000;
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_USER_ME, NULL, 0, NULL, 0, &o, &resp, &err),
                     FASTIO_OK);
    json_decref(resp);
    fastio_client_free(c);
}

int main(int argc, char **argv);
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pkce_login_refresh_rotation_reuse),
    cmocka_unit_test(test_429_storm_bounded_by_deadline),
    cmocka_unit_test(test_503_thirty_percent),
    cmocka_unit_test(test_deadline_and_cancel_running_request),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
