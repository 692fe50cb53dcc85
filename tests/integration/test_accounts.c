/* SPDX-License-Identifier: MIT */
/* test_accounts.c - health, sign-up, Basic sign-in, token checks and API keys through libfastio
 * against a real fastio-server (api §2.1, §2.2, §2.4, §9.6). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static struct it_fixture fx;

static void test_ping_and_status(void **state)
{
    (void)state;
    struct fastio_client *c = it_client(&fx.srv, NULL);
    struct fastio_error err;
    json_t *out = NULL;
    assert_int_equal(fastio_ping(c, &out, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(out, "ping")), "pong");
    json_decref(out);
    assert_int_equal(fastio_system_status(c, &out, &err), FASTIO_OK);
    json_t *db = json_object_get(out, "database");
    assert_string_equal(json_string_value(json_object_get(db, "journal_mode")), "wal");
    assert_string_equal(json_string_value(json_object_get(db, "foreign_keys")), "1");
    assert_string_equal(json_string_value(json_object_get(db, "synchronous")), "2");
    json_decref(out);
    fastio_client_free(c);
}

static void test_owner_key_from_bootstrap(void **state)
{
    (void)state;
    struct fastio_client *c = it_client(&fx.srv, fx.srv.owner_key);
    struct fastio_error err;
    char *id = NULL;
    assert_int_equal(fastio_auth_check(c, &id, &err), FASTIO_OK);
    assert_int_equal(strlen(id), 19);
    json_t *user = NULL;
    assert_int_equal(fastio_user_me(c, &user, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(user, "id")), id);
    assert_string_equal(json_string_value(json_object_get(user, "email_address")),
                        "owner@localhost");
    json_decref(user);
    fastio_free(id);
    fastio_client_free(c);
}

static void test_signup_signin_me(void **state)
{
    (void)state;
    struct fastio_client *c = it_client(&fx.srv, NULL);
    struct fastio_error err;
    struct fastio_signup su = {"alice@example.test", "alice-password-1", "Alice", "Agent", true};
    json_t *out = NULL;
    assert_int_equal(fastio_user_signup(c, &su, &out, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(out, "signup_request_accepted")));
    assert_true(json_is_false(json_object_get(out, "signed_in")));
    json_decref(out);
    /* A second sign-up with the same email answers the same (no account enumeration) and does
     * not change the password. */
    struct fastio_signup again = {"ALICE@example.test", "other-password-2", NULL, NULL, false};
    assert_int_equal(fastio_user_signup(c, &again, &out, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(out, "signup_request_accepted")));
    json_decref(out);

    char *tok = NULL;
    long ttl = 0;
    assert_int_equal(fastio_user_signin(c, "alice@example.test", "other-password-2", &tok, &ttl,
                                        &err),
                     FASTIO_AUTH);
    assert_int_equal(err.http_status, 401);
    assert_int_equal(err.api_code, 1650);
    assert_int_equal(fastio_user_signin(c, "alice@example.test", "alice-password-1", &tok, &ttl,
                                        &err),
                     FASTIO_OK);
    assert_true(ttl > 0);
    assert_int_equal(fastio_client_set_token(c, tok, &err), FASTIO_OK);
    json_t *user = NULL;
    assert_int_equal(fastio_user_me(c, &user, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(user, "email_address")),
                        "alice@example.test");
    assert_string_equal(json_string_value(json_object_get(user, "account_type")), "agent");
    assert_string_equal(json_string_value(json_object_get(user, "first_name")), "Alice");
    json_decref(user);
    fastio_free(tok);
    fastio_client_free(c);
}

static void test_signin_unknown_and_malformed(void **state)
{
    (void)state;
    struct fastio_client *c = it_client(&fx.srv, NULL);
    struct fastio_error err;
    char *tok = NULL;
    assert_int_equal(fastio_user_signin(c, "nobody@example.test", "whatever-123", &tok, NULL, &err),
                     FASTIO_AUTH);
    assert_null(tok);
    fastio_client_free(c);
    /* Not Basic at all, and Basic that is not base64 / has no colon. */
    assert_int_equal(it_raw(&fx.srv, "GET", "/current/user/auth/", NULL, NULL, 0, NULL, NULL), 401);
    assert_int_equal(
        it_raw(&fx.srv, "GET", "/current/user/auth/", NULL, NULL, 0, "Basic !!!", NULL), 401);
    assert_int_equal(
        it_raw(&fx.srv, "GET", "/current/user/auth/", NULL, NULL, 0, "Basic bm9jb2xvbg==", NULL),
        401);
}

static void test_signup_validation(void **state)
{
    (void)state;
    struct fastio_client *c = it_client(&fx.srv, NULL);
    struct fastio_error err;
    struct fastio_signup bad_email = {"not-an-email", "long enough pw", NULL, NULL, false};
    assert_int_equal(fastio_user_signup(c, &bad_email, NULL, &err), FASTIO_INVALID);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(err.api_code, 1605);
    struct fastio_signup short_pw = {"bob@example.test", "short", NULL, NULL, false};
    assert_int_equal(fastio_user_signup(c, &short_pw, NULL, &err), FASTIO_INVALID);
    fastio_client_free(c);
    /* Missing field: params say which one and why. */
    char *body = NULL;
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/user/", "application/x-www-form-urlencoded",
                            "password=whatever123", 20, NULL, &body),
                     400);
    json_t *j = json_loads(body, 0, NULL);
    assert_non_null(j);
    json_t *p0 = json_array_get(json_object_get(json_object_get(j, "error"), "params"), 0);
    assert_string_equal(json_string_value(json_object_get(p0, "name")), "email_address");
    assert_string_equal(json_string_value(json_object_get(p0, "kind")), "missing");
    json_decref(j);
    free(body);
}

static void test_bad_tokens(void **state)
{
    (void)state;
    struct fastio_error err;
    const char *bad[] = {"fio_k_definitely-not-a-key-000000000000000000000",
                         "fio_s_definitely-not-a-session-0000000000000000", "x"};
    for (size_t i = 0; i < 3; i++) {
        struct fastio_client *c = it_client(&fx.srv, bad[i]);
        char *id = NULL;
        assert_int_equal(fastio_auth_check(c, &id, &err), FASTIO_AUTH);
        assert_int_equal(err.http_status, 401);
        assert_int_equal(err.api_code, 1650);
        fastio_client_free(c);
    }
    struct fastio_client *anon = it_client(&fx.srv, NULL);
    json_t *orgs = NULL;
    assert_int_equal(fastio_org_list(anon, NULL, &orgs, &err), FASTIO_AUTH);
    fastio_client_free(anon);
    assert_int_equal(
        it_raw(&fx.srv, "GET", "/current/user/auth/check/", NULL, NULL, 0, "Digest abc", NULL),
        401);
}

static void test_api_keys(void **state)
{
    (void)state;
    char tok[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    struct fastio_client *c = it_client(&fx.srv, tok);
    struct fastio_error err;
    struct fastio_apikey_opts o = {"ci key", "[\"org:1:r\"]", "robot", NULL};
    json_t *out = NULL;
    assert_int_equal(fastio_apikey_create(c, &o, &out, &err), FASTIO_OK);
    const char *secret = json_string_value(json_object_get(out, "api_key"));
    assert_non_null(secret);
    assert_true(strlen(secret) > 40);
    char key_secret[128];
    snprintf(key_secret, sizeof(key_secret), "%s", secret);
    json_t *key = json_object_get(out, "key");
    char key_id[64];
    snprintf(key_id, sizeof(key_id), "%s", json_string_value(json_object_get(key, "id")));
    assert_string_equal(json_string_value(json_object_get(key, "memo")), "ci key");
    assert_string_equal(json_string_value(json_object_get(key, "agent_name")), "robot");
    json_decref(out);

    /* The new key authenticates as the same user. */
    struct fastio_client *kc = it_client(&fx.srv, key_secret);
    char *a = NULL, *b = NULL;
    assert_int_equal(fastio_auth_check(c, &a, &err), FASTIO_OK);
    assert_int_equal(fastio_auth_check(kc, &b, &err), FASTIO_OK);
    assert_string_equal(a, b);
    fastio_free(a);
    fastio_free(b);

    /* list never shows the secret; get / update */
    json_t *keys = NULL;
    assert_int_equal(fastio_apikey_list(c, &keys, &err), FASTIO_OK);
    assert_int_equal(json_array_size(keys), 1);
    char *dump = json_dumps(keys, 0);
    assert_null(strstr(dump, key_secret + 6));
    free(dump);
    json_decref(keys);
    struct fastio_apikey_opts upd = {"renamed", NULL, NULL, "2099-01-01 00:00:00 UTC"};
    assert_int_equal(fastio_apikey_update(c, key_id, &upd, &key, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(key, "memo")), "renamed");
    assert_string_equal(json_string_value(json_object_get(key, "expires")),
                        "2099-01-01 00:00:00 UTC");
    json_decref(key);
    struct fastio_apikey_opts past = {NULL, NULL, NULL, "2001-01-01 00:00:00 UTC"};
    assert_int_equal(fastio_apikey_update(c, key_id, &past, &key, &err), FASTIO_INVALID);
    struct fastio_apikey_opts badscopes = {NULL, "{not json", NULL, NULL};
    assert_int_equal(fastio_apikey_create(c, &badscopes, &out, &err), FASTIO_INVALID);

    /* Another user cannot see or delete this key. */
    char tok2[128];
    it_new_user(&fx.srv, tok2, sizeof(tok2), NULL);
    struct fastio_client *c2 = it_client(&fx.srv, tok2);
    assert_int_equal(fastio_apikey_get(c2, key_id, &key, &err), FASTIO_NOT_FOUND);
    assert_int_equal(fastio_apikey_delete(c2, key_id, &err), FASTIO_NOT_FOUND);

    /* Deleting the key revokes it at once. */
    assert_int_equal(fastio_apikey_delete(c, key_id, &err), FASTIO_OK);
    assert_int_equal(fastio_auth_check(kc, &a, &err), FASTIO_AUTH);
    assert_int_equal(fastio_apikey_get(c, key_id, &key, &err), FASTIO_NOT_FOUND);
    fastio_client_free(c2);
    fastio_client_free(kc);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ping_and_status),
    cmocka_unit_test(test_owner_key_from_bootstrap),
    cmocka_unit_test(test_signup_signin_me),
    cmocka_unit_test(test_signin_unknown_and_malformed),
    cmocka_unit_test(test_signup_validation),
    cmocka_unit_test(test_bad_tokens),
    cmocka_unit_test(test_api_keys),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
