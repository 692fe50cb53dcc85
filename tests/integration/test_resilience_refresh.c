/* SPDX-License-Identifier: MIT */
/* test_resilience_refresh.c - token refresh of libfastio against a small scripted HTTP server
 * inside the test (it_resilience.h): once on a 401, refused refresh as an auth error, refresh
 * before expiry, and one refresh shared by many threads. Deterministic and independent of
 * fastio-server's fault mode. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "timeutil.h"
#include "it_resilience.h"

/* ---- token refresh ------------------------------------------------------------------------- */

static const struct step refresh_script[] = {
    {ACT_REPLY, 401, NULL, "{\"result\":false,\"error\":{\"code\":1650,\"text\":\"expired\"}}"},
    {ACT_REPLY, 200, NULL,
     "{\"access_token\":\"fio_o_new\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
     "\"refresh_token\":\"fio_r_new\"}"},
    {ACT_REPLY, 200, NULL, "{\"result\":true,\"id\":\"1234567890123456789\"}"}};

struct persisted {
    int calls;
    char access[64];
    char refresh[64];
    int64_t expires_at;
};

static enum fastio_status persist(void *ud, const struct fastio_oauth_tokens *t,
                                  int64_t expires_at, struct fastio_error *err)
{
    struct persisted *p = ud;
    (void)err;
    p->calls++;
    (void)snprintf(p->access, sizeof(p->access), "%s", t->access_token);
    (void)snprintf(p->refresh, sizeof(p->refresh), "%s", t->refresh_token);
    p->expires_at = expires_at;
    return FASTIO_OK;
}

/* The scripted server's base URL into base (size >= 64) and a token store for it: client
 * "fastio-cli" with the given pair, expires_at (epoch seconds, 0 = unknown), persisting into
 * saved (NULL = no persist callback). */
static struct fastio_token_store *store_for(const struct script *sc, char *base, const char *access,
                                            const char *refresh, int64_t expires_at,
                                            struct persisted *saved)
{
    struct fastio_error err;
    (void)snprintf(base, 64, "http://127.0.0.1:%d/current", sc->port);
    struct fastio_token_store_config tc;
    fastio_token_store_config_init(&tc);
    tc.base_url = base;
    tc.client_id = "fastio-cli";
    tc.access_token = access;
    tc.refresh_token = refresh;
    tc.expires_at = expires_at;
    if (saved != NULL) {
        tc.persist = persist;
        tc.persist_userdata = saved;
    }
    struct fastio_token_store *store = fastio_token_store_new(&tc, &err);
    assert_non_null(store);
    return store;
}

/* A client of base whose bearer comes from store (timeout_ms 0 = the default); NULL on failure
 * (no assertion: the racing threads call it too). */
static struct fastio_client *client_with_store(const char *base, struct fastio_token_store *store,
                                               long timeout_ms)
{
    struct fastio_config cfg;
    struct fastio_error err;
    fastio_config_init(&cfg);
    cfg.base_url = base;
    if (timeout_ms > 0)
        cfg.timeout_ms = timeout_ms;
    cfg.token_provider = fastio_token_store_provider;
    cfg.token_provider_userdata = store;
    return fastio_client_new(&cfg, &err);
}

static void test_refresh_once_on_401(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct persisted saved = {0};
    char base[64];
    script_start(&sc, refresh_script, 3);
    struct fastio_token_store *store = store_for(&sc, base, "fio_o_old", "fio_r_old", 0, &saved);
    struct fastio_client *c = client_with_store(base, store, 0);
    assert_non_null(c);
    char *id = NULL;
    assert_int_equal(fastio_auth_check(c, &id, &err), FASTIO_OK);
    assert_string_equal(id, "1234567890123456789");
    fastio_free(id);
    assert_int_equal(atomic_load(&sc.count), 3);
    assert_non_null(strstr(sc.reqs[0], "Authorization: Bearer fio_o_old"));
    assert_non_null(strstr(sc.reqs[1], "POST /current/oauth/token/"));
    assert_non_null(strstr(sc.reqs[1], "grant_type=refresh_token"));
    assert_non_null(strstr(sc.reqs[1], "refresh_token=fio_r_old"));
    assert_null(strstr(sc.reqs[1], "Authorization:"));
    assert_non_null(strstr(sc.reqs[2], "Authorization: Bearer fio_o_new"));
    /* the rotated pair was persisted, with an absolute expiry */
    assert_int_equal(saved.calls, 1);
    assert_string_equal(saved.access, "fio_o_new");
    assert_string_equal(saved.refresh, "fio_r_new");
    int64_t now = fio_wall_us() / 1000000;
    assert_true(saved.expires_at >= now + 3590 && saved.expires_at <= now + 3600);
    struct fastio_oauth_tokens snap;
    assert_int_equal(fastio_token_store_snapshot(store, &snap, &err), FASTIO_OK);
    assert_string_equal(snap.refresh_token, "fio_r_new");
    assert_true(snap.expires_in > 3500);
    fastio_oauth_tokens_release(&snap);

    fastio_client_free(c);
    fastio_token_store_free(store);
    script_stop(&sc);
}

static const struct step refresh_refused[] = {
    {ACT_REPLY, 401, NULL, "{\"result\":false,\"error\":{\"code\":1650}}"},
    {ACT_REPLY, 400, NULL,
     "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token reused\"}"}};

static void test_refresh_refused_is_auth(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    char base[64];
    script_start(&sc, refresh_refused, 2);
    struct fastio_token_store *store = store_for(&sc, base, "fio_o_old", "fio_r_spent", 0, NULL);
    struct fastio_client *c = client_with_store(base, store, 0);
    assert_non_null(c);
    assert_int_equal(fastio_auth_check(c, NULL, &err), FASTIO_AUTH);
    assert_non_null(strstr(err.message, "invalid_grant"));
    assert_int_equal(atomic_load(&sc.count), 2); /* no retry of the refused refresh */
    fastio_client_free(c);
    fastio_token_store_free(store);
    script_stop(&sc);
}

static const struct step early_refresh[] = {
    {ACT_REPLY, 200, NULL,
     "{\"access_token\":\"fio_o_fresh\",\"token_type\":\"Bearer\",\"expires_in\":3600}"},
    {ACT_REPLY, 200, NULL, "{\"result\":true,\"id\":\"1\"}"}};

/* A token inside the skew window is refreshed before the call; a refresh answer without a
 * refresh token keeps the old one. */
static void test_refresh_before_expiry(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    char base[64];
    script_start(&sc, early_refresh, 2);
    /* an expiry inside the default 60 s skew */
    struct fastio_token_store *store =
        store_for(&sc, base, "fio_o_expiring", "fio_r_keep", fio_wall_us() / 1000000 + 30, NULL);
    struct fastio_client *c = client_with_store(base, store, 0);
    assert_non_null(c);
    assert_int_equal(fastio_auth_check(c, NULL, &err), FASTIO_OK);
    assert_non_null(strstr(sc.reqs[0], "/oauth/token/"));
    assert_non_null(strstr(sc.reqs[1], "Bearer fio_o_fresh"));
    struct fastio_oauth_tokens snap;
    assert_int_equal(fastio_token_store_snapshot(store, &snap, &err), FASTIO_OK);
    assert_string_equal(snap.refresh_token, "fio_r_keep");
    fastio_oauth_tokens_release(&snap);
    fastio_client_free(c);
    fastio_token_store_free(store);
    script_stop(&sc);
}

/* ---- one refresh shared by many threads ----------------------------------------------------- */

#define N_THREADS 8

/* What the routed server saw: refresh calls, 401s to the old token, successes with the new. */
static atomic_uint g_refreshes, g_rejected, g_accepted;
static atomic_bool g_held;

/* Answer by content, not order: the threads race. The token endpoint rotates once and refuses
 * any later refresh (the old refresh token is spent), as fastio-server does. */
static const struct step *route_refresh(const char *req)
{
    static const struct step rotated = {
        ACT_REPLY, 200, NULL,
        "{\"access_token\":\"fio_o_new\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
        "\"refresh_token\":\"fio_r_new\"}"};
    static const struct step reused = {
        ACT_REPLY, 400, NULL,
        "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token reused\"}"};
    static const struct step expired = {
        ACT_REPLY, 401, NULL, "{\"result\":false,\"error\":{\"code\":1650,\"text\":\"expired\"}}"};
    static const struct step ok = {ACT_REPLY, 200, NULL, "{\"result\":true,\"id\":\"1\"}"};
    if (strstr(req, "/oauth/token/") != NULL) {
        unsigned n = atomic_fetch_add(&g_refreshes, 1);
        sleep_ms(150); /* a slow refresh: the other threads pile up behind the store's lock */
        return n == 0 && strstr(req, "refresh_token=fio_r_old") != NULL ? &rotated : &reused;
    }
    if (strstr(req, "Authorization: Bearer fio_o_new\r\n") != NULL) {
        atomic_fetch_add(&g_accepted, 1);
        return &ok;
    }
    /* the first old-token request waits so that every thread's request queues up behind it,
     * ahead of the refresh: several threads get a 401 for the same token */
    if (!atomic_exchange(&g_held, true))
        sleep_ms(300);
    atomic_fetch_add(&g_rejected, 1);
    return &expired;
}

struct racer {
    pthread_barrier_t *go;
    const char *base;
    struct fastio_token_store *store;
    enum fastio_status st;
};

static void *race(void *p)
{
    struct racer *r = p;
    struct fastio_error err;
    struct fastio_client *c = client_with_store(r->base, r->store, 10000); /* one per thread */
    (void)pthread_barrier_wait(r->go);
    r->st = c != NULL ? fastio_auth_check(c, NULL, &err) : FASTIO_NOMEM;
    fastio_client_free(c);
    return NULL;
}

/* N_THREADS clients on N_THREADS threads share one store whose token is expiring (early) or
 * already rejected by the server (expires_at 0 = unknown, so only a 401 reveals it): the token
 * endpoint sees exactly one refresh, every call succeeds with the new token, and the rotated
 * pair is persisted once. */
static void shared_refresh(bool early)
{
    struct script sc;
    struct fastio_error err;
    struct persisted saved = {0};
    char base[64];
    pthread_barrier_t go;
    pthread_t th[N_THREADS];
    struct racer r[N_THREADS];
    atomic_store(&g_refreshes, 0);
    atomic_store(&g_rejected, 0);
    atomic_store(&g_accepted, 0);
    atomic_store(&g_held, false);
    script_start(&sc, NULL, 0);
    sc.route = route_refresh;
    struct fastio_token_store *store =
        store_for(&sc, base, "fio_o_old", "fio_r_old",
                  early ? fio_wall_us() / 1000000 + 30 : 0 /* inside the 60 s skew */, &saved);
    assert_int_equal(pthread_barrier_init(&go, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++) {
        r[i] = (struct racer){&go, base, store, FASTIO_INVALID};
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    int64_t t0 = fastio_now_ms();
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_true(fastio_now_ms() - t0 < 5000);
    (void)pthread_barrier_destroy(&go);
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(r[i].st, FASTIO_OK);
    assert_int_equal(atomic_load(&g_refreshes), 1);
    assert_int_equal(atomic_load(&g_accepted), N_THREADS);
    if (early)
        assert_int_equal(atomic_load(&g_rejected), 0); /* nobody used the expiring token */
    else
        assert_true(atomic_load(&g_rejected) >= 2); /* the race happened */
    assert_int_equal(atomic_load(&sc.count),
                     1 + N_THREADS + atomic_load(&g_rejected)); /* nothing else was sent */
    assert_int_equal(saved.calls, 1);
    assert_string_equal(saved.access, "fio_o_new");
    assert_string_equal(saved.refresh, "fio_r_new");
    struct fastio_oauth_tokens snap;
    assert_int_equal(fastio_token_store_snapshot(store, &snap, &err), FASTIO_OK);
    assert_string_equal(snap.access_token, "fio_o_new");
    assert_string_equal(snap.refresh_token, "fio_r_new");
    assert_true(snap.expires_in > 3500);
    fastio_oauth_tokens_release(&snap);
    fastio_token_store_free(store);
    script_stop(&sc);
}

static void test_refresh_shared_by_threads_early(void **state)
{
    (void)state;
    shared_refresh(true);
}

static void test_refresh_shared_by_threads_on_401(void **state)
{
    (void)state;
    shared_refresh(false);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_refresh_once_on_401),
    cmocka_unit_test(test_refresh_refused_is_auth),
    cmocka_unit_test(test_refresh_before_expiry),
    cmocka_unit_test(test_refresh_shared_by_threads_early),
    cmocka_unit_test(test_refresh_shared_by_threads_on_401),
};

IT_MAIN(tests, setup, teardown)
