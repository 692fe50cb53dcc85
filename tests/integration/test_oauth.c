/* SPDX-License-Identifier: MIT */
/* test_oauth.c - the OAuth 2.0 authorization server of fastio-server (api §2.5, RFC 6749,
 * RFC 7636, RFC 7009, RFC 8414, RFC 9728) driven over HTTP with libcurl: the RFC 7636 Appendix B
 * vector, a browser-style login through the HTML consent page and its 302, token exchange,
 * refresh rotation and reuse detection, code reuse, expiry, redirect_uri rules, sessions,
 * revocation and the discovery documents. */
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
#include <openssl/evp.h>

#include "b64.h"
#include "buf.h"
#include "form.h"
#include "harness.h"
#include "it_oauth.h"
#include "rand.h"

#define RFC_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static struct it_fixture fx;

/* ---- helpers ------------------------------------------------------------------------------ */

static void s256(const char *verifier, char challenge[64])
{
    unsigned char md[32];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(verifier, strlen(verifier), md, &n, EVP_sha256(), NULL), 1);
    fio_b64url_encode(md, sizeof(md), challenge, 64);
}

static void new_verifier(char verifier[64], char challenge[64])
{
    unsigned char raw[32];
    assert_true(fio_random_bytes(raw, sizeof(raw)));
    fio_b64url_encode(raw, sizeof(raw), verifier, 64);
    s256(verifier, challenge);
}

/* Value of header name in a raw header block (copied into out), or false. */
/* POST a form; returns status; *json_out gets the parsed body (may be NULL). */
static long post_form(const struct it_server *s, const char *path, const char *body,
                      const char *bearer, json_t **json_out, char **headers_out)
{
    char authz[200];
    if (bearer)
        snprintf(authz, sizeof(authz), "Bearer %s", bearer);
    char *out = NULL;
    long st = it_raw_h(s, "POST", path, FORM, body, strlen(body), bearer ? authz : NULL, &out,
                       headers_out);
    if (json_out)
        *json_out = json_loads(out ? out : "", 0, NULL);
    free(out);
    return st;
}

static long get_json(const struct it_server *s, const char *method, const char *path,
                     const char *bearer, json_t **json_out)
{
    char authz[200];
    if (bearer)
        snprintf(authz, sizeof(authz), "Bearer %s", bearer);
    char *out = NULL;
    long st = it_raw(s, method, path, NULL, NULL, 0, bearer ? authz : NULL, &out);
    if (json_out)
        *json_out = json_loads(out ? out : "", 0, NULL);
    free(out);
    return st;
}

/* GET /oauth/authorize/?...&response_format=json → auth_request_id (into rid). */
static void authorize_json(const struct it_server *s, const char *challenge, const char *redirect,
                           char rid[64])
{
    char path[1024];
    char *r = ito_enc(redirect);
    snprintf(path, sizeof(path),
             "/current/oauth/authorize/?client_id=" CLIENT "&response_type=code&redirect_uri=%s"
             "&code_challenge=%s&code_challenge_method=S256&state=st4te&response_format=json",
             r, challenge);
    free(r);
    json_t *j = NULL;
    assert_int_equal(get_json(s, "GET", path, NULL, &j), 200);
    assert_true(json_is_true(json_object_get(j, "result")));
    const char *id = json_string_value(json_object_get(j, "auth_request_id"));
    assert_non_null(id);
    assert_non_null(strstr(json_string_value(json_object_get(j, "authorization_url")), id));
    fio_strlcpy(rid, id, 64);
    json_decref(j);
}

/* Approve as the Bearer user (JSON flow) → code. */
static void approve_json(const struct it_server *s, const char *rid, const char *user_token,
                         char code[128])
{
    char body[256];
    snprintf(body, sizeof(body), "auth_request_id=%s&consent=approve&response_format=json", rid);
    json_t *j = NULL;
    assert_int_equal(post_form(s, "/current/oauth/authorize/", body, user_token, &j, NULL), 200);
    fio_strlcpy(code, json_string_value(json_object_get(j, "code")), 128);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "st4te");
    const char *to = json_string_value(json_object_get(j, "redirect_to"));
    assert_non_null(to);
    assert_int_equal(strncmp(to, REDIRECT "?code=", strlen(REDIRECT "?code=")), 0);
    json_decref(j);
}

/* POST /oauth/token/ authorization_code; returns status and the body in *j. */
static long exchange(const struct it_server *s, const char *code, const char *verifier,
                     const char *redirect, json_t **j)
{
    char body[1024];
    char *r = ito_enc(redirect);
    snprintf(body, sizeof(body),
             "grant_type=authorization_code&code=%s&code_verifier=%s&client_id=" CLIENT
             "&redirect_uri=%s&device_name=test-device&device_type=cli",
             code, verifier, r);
    free(r);
    char *hdrs = NULL;
    long st = post_form(s, "/current/oauth/token/", body, NULL, j, &hdrs);
    char ct[128] = "";
    assert_true(ito_header(hdrs, "Content-Type", ct, sizeof(ct)));
    assert_string_equal(ct, "application/json");
    free(hdrs);
    /* Plain OAuth bodies, never the envelope (api §2.5). */
    assert_null(json_object_get(*j, "result"));
    return st;
}

static long refresh(const struct it_server *s, const char *rt, json_t **j)
{
    char body[256];
    snprintf(body, sizeof(body), "grant_type=refresh_token&refresh_token=%s&client_id=" CLIENT,
             rt);
    return post_form(s, "/current/oauth/token/", body, NULL, j, NULL);
}

static void assert_oauth_error(json_t *j, const char *error)
{
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "error")), error);
    assert_non_null(json_string_value(json_object_get(j, "error_description")));
}

struct tokens {
    char access[128], refresh[128], session[64];
};

static void take_tokens(json_t *j, struct tokens *t)
{
    assert_string_equal(json_string_value(json_object_get(j, "token_type")), "Bearer");
    assert_true(json_integer_value(json_object_get(j, "expires_in")) > 0);
    fio_strlcpy(t->access, json_string_value(json_object_get(j, "access_token")),
                sizeof(t->access));
    fio_strlcpy(t->refresh, json_string_value(json_object_get(j, "refresh_token")),
                sizeof(t->refresh));
    fio_strlcpy(t->session, json_string_value(json_object_get(j, "session_id")),
                sizeof(t->session));
    assert_int_equal(strncmp(t->access, "fio_o_", 6), 0);
    assert_int_equal(strncmp(t->refresh, "fio_r_", 6), 0);
    assert_non_null(json_string_value(json_object_get(j, "scope")));
}

/* A complete JSON-flow login of the user holding user_token. */
static void login(const struct it_server *s, const char *user_token, struct tokens *t)
{
    char v[64], c[64], rid[64], code[128];
    new_verifier(v, c);
    authorize_json(s, c, REDIRECT, rid);
    approve_json(s, rid, user_token, code);
    json_t *j = NULL;
    assert_int_equal(exchange(s, code, v, REDIRECT, &j), 200);
    take_tokens(j, t);
    json_decref(j);
}

static long me(const struct it_server *s, const char *token, char *email_out)
{
    json_t *j = NULL;
    long st = get_json(s, "GET", "/current/user/me/details/", token, &j);
    if (st == 200 && email_out)
        fio_strlcpy(email_out,
                    json_string_value(json_object_get(json_object_get(j, "user"), "email_address")),
                    128);
    if (st == 200)
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(j, "user"), "auth_method")), "oauth");
    json_decref(j);
    return st;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- tests -------------------------------------------------------------------------------- */

/* RFC 7636 Appendix B: the server accepts the published verifier/challenge pair. */
static void test_rfc7636_vector(void **state)
{
    (void)state;
    char c[64];
    s256(RFC_VERIFIER, c);
    assert_string_equal(c, RFC_CHALLENGE);
    char tok[128], rid[64], code[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    authorize_json(&fx.srv, RFC_CHALLENGE, REDIRECT, rid);
    approve_json(&fx.srv, rid, tok, code);
    json_t *j = NULL;
    assert_int_equal(exchange(&fx.srv, code, RFC_VERIFIER, REDIRECT, &j), 200);
    struct tokens t;
    take_tokens(j, &t);
    json_decref(j);
    assert_int_equal(me(&fx.srv, t.access, NULL), 200);
}

/* A browser-style login: the HTML page, the consent form POST, the 302 to a loopback
 * redirect_uri; the code is read from Location (no listener needed). */
static void test_browser_login(void **state)
{
    (void)state;
    char tok[128], email[128], v[64], c[64];
    it_new_user(&fx.srv, tok, sizeof(tok), email);
    new_verifier(v, c);
    char path[1024];
    char *r = ito_enc("http://127.0.0.1:54321/callback");
    char *hint = ito_enc(email);
    snprintf(path, sizeof(path),
             "/current/oauth/authorize/?client_id=" CLIENT "&response_type=code&redirect_uri=%s"
             "&code_challenge=%s&code_challenge_method=S256&state=xyz%%26%%3C1&login_hint=%s"
             "&agent_name=%%3Cscript%%3Ealert(1)%%3C%%2Fscript%%3E",
             r, c, hint);
    free(r);
    free(hint);
    char *html = NULL, *hdrs = NULL;
    assert_int_equal(it_raw_h(&fx.srv, "GET", path, NULL, NULL, 0, NULL, &html, &hdrs), 200);
    char val[512];
    assert_true(ito_header(hdrs, "Content-Type", val, sizeof(val)));
    assert_int_equal(strncmp(val, "text/html", 9), 0);
    assert_true(ito_header(hdrs, "Content-Security-Policy", val, sizeof(val)));
    assert_non_null(strstr(val, "frame-ancestors 'none'"));
    assert_true(ito_header(hdrs, "x-ve-limit-max", val, sizeof(val)));
    free(hdrs);
    /* Everything interpolated is escaped; no external assets. */
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(html, "src="));
    assert_non_null(strstr(html, email));
    const char *k = "name=\"auth_request_id\" value=\"";
    const char *p = strstr(html, k);
    assert_non_null(p);
    p += strlen(k);
    char rid[64];
    size_t n = strcspn(p, "\"");
    assert_true(n > 10 && n < sizeof(rid));
    memcpy(rid, p, n);
    rid[n] = 0;
    free(html);

    /* A wrong password shows the page again with a message (401), the request stays usable. */
    char body[1024];
    char *e = ito_enc(email);
    snprintf(body, sizeof(body), "auth_request_id=%s&email=%s&password=wrong-one&consent=approve",
             rid, e);
    assert_int_equal(
        it_raw(&fx.srv, "POST", "/current/oauth/authorize/", FORM, body, strlen(body), NULL, &html),
        401);
    assert_non_null(strstr(html, "Wrong email or password"));
    free(html);

    char *pw = ito_enc(PASSWORD);
    snprintf(body, sizeof(body), "auth_request_id=%s&email=%s&password=%s&consent=approve", rid,
             e, pw);
    free(pw);
    free(e);
    hdrs = NULL;
    assert_int_equal(it_raw_h(&fx.srv, "POST", "/current/oauth/authorize/", FORM, body,
                              strlen(body), NULL, NULL, &hdrs),
                     302);
    char loc[1024];
    assert_true(ito_header(hdrs, "Location", loc, sizeof(loc)));
    free(hdrs);
    assert_int_equal(strncmp(loc, "http://127.0.0.1:54321/callback?code=", 37), 0);
    char code[128], st[64];
    assert_true(ito_query_param(loc, "code", code, sizeof(code)));
    assert_true(ito_query_param(loc, "state", st, sizeof(st)));
    assert_string_equal(st, "xyz&<1");

    /* The request is single-use. */
    assert_int_equal(
        it_raw(&fx.srv, "POST", "/current/oauth/authorize/", FORM, body, strlen(body), NULL, NULL),
        404);

    /* Loopback redirect: only the port may differ at the token endpoint. */
    json_t *j = NULL;
    assert_int_equal(exchange(&fx.srv, code, v, "http://127.0.0.1:60000/callback", &j), 200);
    struct tokens t;
    take_tokens(j, &t);
    json_decref(j);
    char who[128] = "";
    assert_int_equal(me(&fx.srv, t.access, who), 200);
    assert_string_equal(who, email);
}

static void test_deny_redirects_with_error(void **state)
{
    (void)state;
    char v[64], c[64], rid[64];
    new_verifier(v, c);
    authorize_json(&fx.srv, c, REDIRECT, rid);
    char body[256], *hdrs = NULL, loc[1024], val[64];
    snprintf(body, sizeof(body), "auth_request_id=%s&consent=deny", rid);
    assert_int_equal(it_raw_h(&fx.srv, "POST", "/current/oauth/authorize/", FORM, body,
                              strlen(body), NULL, NULL, &hdrs),
                     302);
    assert_true(ito_header(hdrs, "Location", loc, sizeof(loc)));
    free(hdrs);
    assert_true(ito_query_param(loc, "error", val, sizeof(val)));
    assert_string_equal(val, "access_denied");
    assert_false(ito_query_param(loc, "code", val, sizeof(val)));
    assert_true(ito_query_param(loc, "state", val, sizeof(val)));
    assert_string_equal(val, "st4te");
}

static void test_refresh_rotation_and_reuse(void **state)
{
    (void)state;
    char tok[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    struct tokens t1, t2;
    login(&fx.srv, tok, &t1);
    json_t *j = NULL;
    assert_int_equal(refresh(&fx.srv, t1.refresh, &j), 200);
    take_tokens(j, &t2);
    json_decref(j);
    assert_string_not_equal(t1.refresh, t2.refresh);
    assert_string_not_equal(t1.access, t2.access);
    assert_string_equal(t1.session, t2.session);
    assert_int_equal(me(&fx.srv, t2.access, NULL), 200);

    /* The rotated token again: reuse → invalid_grant and the whole session revoked. */
    assert_int_equal(refresh(&fx.srv, t1.refresh, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
    assert_int_equal(refresh(&fx.srv, t2.refresh, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
    assert_int_equal(me(&fx.srv, t2.access, NULL), 401);
    assert_int_equal(me(&fx.srv, t1.access, NULL), 401);
    assert_int_equal(it_db(&fx.srv, "SELECT COUNT(*) FROM oauth_sessions WHERE id = ?1", t1.session,
                           (const char *)NULL),
                     0);
}

static void test_wrong_verifier(void **state)
{
    (void)state;
    char tok[128], v[64], c[64], v2[64], c2[64], rid[64], code[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    new_verifier(v, c);
    new_verifier(v2, c2);
    authorize_json(&fx.srv, c, REDIRECT, rid);
    approve_json(&fx.srv, rid, tok, code);
    json_t *j = NULL;
    assert_int_equal(exchange(&fx.srv, code, v2, REDIRECT, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
    /* One attempt per code: the right verifier no longer helps. */
    assert_int_equal(exchange(&fx.srv, code, v, REDIRECT, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
    /* A verifier shorter than 43 characters is refused outright. */
    authorize_json(&fx.srv, c, REDIRECT, rid);
    approve_json(&fx.srv, rid, tok, code);
    assert_int_equal(exchange(&fx.srv, code, "short-verifier", REDIRECT, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
}

static void test_plain_method_refused(void **state)
{
    (void)state;
    static const char *const methods[] = {"&code_challenge_method=plain",
                                          "&code_challenge_method=s256", ""};
    for (size_t i = 0; i < 3; i++) {
        char path[1024];
        snprintf(path, sizeof(path),
                 "/current/oauth/authorize/?client_id=x&response_type=code&redirect_uri="
                 "http%%3A%%2F%%2F127.0.0.1%%2Fcb&code_challenge=" RFC_CHALLENGE
                 "%s&response_format=json",
                 methods[i]);
        char *body = NULL;
        assert_int_equal(it_raw(&fx.srv, "GET", path, NULL, NULL, 0, NULL, &body), 400);
        long code;
        json_t *j = it_error_body(body, &code);
        assert_int_equal(code, 1605);
        assert_string_equal(it_error_param(j, 0, "name"), "code_challenge_method");
        json_decref(j);
        free(body);
    }
    /* The HTML flow answers a page, never a redirect, for a bad request. */
    char *html = NULL, *hdrs = NULL, loc[64];
    assert_int_equal(
        it_raw_h(&fx.srv, "GET",
                 "/current/oauth/authorize/?client_id=x&response_type=code&"
                 "redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_challenge=" RFC_CHALLENGE
                 "&code_challenge_method=plain",
                 NULL, NULL, 0, NULL, &html, &hdrs),
        400);
    assert_false(ito_header(hdrs, "Location", loc, sizeof(loc)));
    assert_non_null(strstr(html, "plain is not supported"));
    free(html);
    free(hdrs);
    /* Non-loopback http and fragments are refused as redirect URIs. */
    static const char *const bad[] = {"http%3A%2F%2Fexample.com%2Fcb",
                                      "https%3A%2F%2Fexample.com%2Fcb%23frag",
                                      "javascript%3Aalert(1)"};
    for (size_t i = 0; i < 3; i++) {
        char path[1024];
        snprintf(path, sizeof(path),
                 "/current/oauth/authorize/?client_id=x&response_type=code&redirect_uri=%s"
                 "&code_challenge=" RFC_CHALLENGE "&code_challenge_method=S256&response_format=json",
                 bad[i]);
        assert_int_equal(it_raw(&fx.srv, "GET", path, NULL, NULL, 0, NULL, NULL), 400);
    }
}

static void test_code_reuse_revokes(void **state)
{
    (void)state;
    char tok[128], v[64], c[64], rid[64], code[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    new_verifier(v, c);
    authorize_json(&fx.srv, c, REDIRECT, rid);
    approve_json(&fx.srv, rid, tok, code);
    json_t *j = NULL;
    assert_int_equal(exchange(&fx.srv, code, v, REDIRECT, &j), 200);
    struct tokens t;
    take_tokens(j, &t);
    json_decref(j);
    assert_int_equal(me(&fx.srv, t.access, NULL), 200);
    assert_int_equal(exchange(&fx.srv, code, v, REDIRECT, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
    assert_int_equal(me(&fx.srv, t.access, NULL), 401);
    assert_int_equal(refresh(&fx.srv, t.refresh, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
}

static void test_redirect_mismatch(void **state)
{
    (void)state;
    char tok[128], v[64], c[64], rid[64], code[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    static const char *const wrong[] = {"http://127.0.0.1:19836/other", "http://localhost:19836/callback",
                                        "https://127.0.0.1:19836/callback",
                                        "http://127.0.0.1:19836/callback/"};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        new_verifier(v, c);
        authorize_json(&fx.srv, c, REDIRECT, rid);
        approve_json(&fx.srv, rid, tok, code);
        json_t *j = NULL;
        assert_int_equal(exchange(&fx.srv, code, v, wrong[i], &j), 400);
        assert_oauth_error(j, "invalid_grant");
        json_decref(j);
    }
    /* Exact https redirect URIs must match exactly (no port exception). */
    new_verifier(v, c);
    authorize_json(&fx.srv, c, "https://app.example/cb", rid);
    char body[256];
    snprintf(body, sizeof(body), "auth_request_id=%s&consent=approve&response_format=json", rid);
    json_t *j = NULL;
    assert_int_equal(post_form(&fx.srv, "/current/oauth/authorize/", body, tok, &j, NULL), 200);
    fio_strlcpy(code, json_string_value(json_object_get(j, "code")), sizeof(code));
    json_decref(j);
    assert_int_equal(exchange(&fx.srv, code, v, "https://app.example:444/cb", &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
}

static void test_token_errors(void **state)
{
    (void)state;
    json_t *j = NULL;
    static const char *const pw = "grant_type=password&username=owner%40localhost&password=x";
    assert_int_equal(post_form(&fx.srv, "/current/oauth/token/", pw, NULL, &j, NULL), 400);
    assert_oauth_error(j, "unsupported_grant_type");
    json_decref(j);
    assert_int_equal(post_form(&fx.srv, "/current/oauth/token/", "code=x", NULL, &j, NULL), 400);
    assert_oauth_error(j, "invalid_request");
    json_decref(j);
    assert_int_equal(
        post_form(&fx.srv, "/current/oauth/token/",
                  "grant_type=authorization_code&code=fio_c_nope&code_verifier=" RFC_VERIFIER
                  "&client_id=x&redirect_uri=http%3A%2F%2F127.0.0.1%2F",
                  NULL, &j, NULL),
        400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
    assert_int_equal(refresh(&fx.srv, "fio_r_unknown", &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
    /* Refresh tokens are not bearer tokens. */
    char tok[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    struct tokens t;
    login(&fx.srv, tok, &t);
    assert_int_equal(me(&fx.srv, t.refresh, NULL), 401);
}

/* Short lifetimes from the command line: an expired code, an expired access token. */
static void test_short_ttls(void **state)
{
    (void)state;
    struct it_fixture f2;
    const char *args[] = {"--oauth-code-ttl", "1", "--oauth-access-ttl", "1", NULL};
    const struct it_fixture_opts o = {args, false, NULL};
    assert_int_equal(it_fixture_start(&f2, &o), 0);
    char tok[128], v[64], c[64], rid[64], code[128];
    it_new_user(&f2.srv, tok, sizeof(tok), NULL);
    new_verifier(v, c);
    authorize_json(&f2.srv, c, REDIRECT, rid);
    approve_json(&f2.srv, rid, tok, code);
    sleep_ms(2100);
    json_t *j = NULL;
    assert_int_equal(exchange(&f2.srv, code, v, REDIRECT, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    assert_non_null(strstr(json_string_value(json_object_get(j, "error_description")), "expired"));
    json_decref(j);

    struct tokens t, t2;
    login(&f2.srv, tok, &t);
    assert_int_equal(me(&f2.srv, t.access, NULL), 200);
    sleep_ms(2100);
    assert_int_equal(me(&f2.srv, t.access, NULL), 401);
    assert_int_equal(refresh(&f2.srv, t.refresh, &j), 200);
    take_tokens(j, &t2);
    assert_int_equal(json_integer_value(json_object_get(j, "expires_in")), 1);
    json_decref(j);
    assert_int_equal(me(&f2.srv, t2.access, NULL), 200);
    assert_int_equal(it_fixture_stop(&f2), 0);
}

static json_t *find_session(json_t *list, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(list, "sessions"), i, s) if (
        strcmp(json_string_value(json_object_get(s, "id")), id) == 0) return s;
    return NULL;
}

static void test_sessions(void **state)
{
    (void)state;
    char tok[128], other[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    it_new_user(&fx.srv, other, sizeof(other), NULL);
    struct tokens a, b, c;
    login(&fx.srv, tok, &a);
    login(&fx.srv, tok, &b);
    login(&fx.srv, tok, &c);

    json_t *j = NULL;
    assert_int_equal(get_json(&fx.srv, "GET", "/current/oauth/sessions/", a.access, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "results")), 3);
    json_t *sa = find_session(j, a.session);
    assert_non_null(sa);
    assert_true(json_is_true(json_object_get(sa, "current")));
    assert_true(json_is_false(json_object_get(find_session(j, b.session), "current")));
    assert_string_equal(json_string_value(json_object_get(sa, "client_id")), CLIENT);
    assert_string_equal(json_string_value(json_object_get(sa, "device_name")), "test-device");
    assert_non_null(json_string_value(json_object_get(sa, "expires")));
    json_decref(j);

    /* Details, and nobody else sees or touches them. */
    char path[256];
    snprintf(path, sizeof(path), "/current/oauth/sessions/%s/", b.session);
    assert_int_equal(get_json(&fx.srv, "GET", path, tok, &j), 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "session"), "id")), b.session);
    json_decref(j);
    assert_int_equal(get_json(&fx.srv, "GET", path, other, NULL), 404);
    assert_int_equal(get_json(&fx.srv, "DELETE", path, other, NULL), 404);

    /* Rename: device_name set, agent_name "" clears. */
    char authz[200];
    snprintf(authz, sizeof(authz), "Bearer %s", tok);
    static const char ren[] = "device_name=laptop&agent_name=";
    char *out = NULL;
    assert_int_equal(it_raw(&fx.srv, "PATCH", path, FORM, ren, strlen(ren), authz, &out), 200);
    j = json_loads(out, 0, NULL);
    free(out);
    json_t *s = json_object_get(j, "session");
    assert_string_equal(json_string_value(json_object_get(s, "device_name")), "laptop");
    assert_true(json_is_null(json_object_get(s, "agent_name")));
    json_decref(j);
    static const char bad[] = "device_name=a%01b";
    assert_int_equal(it_raw(&fx.srv, "PATCH", path, FORM, bad, strlen(bad), authz, NULL), 400);

    /* Revoke one: its tokens stop working, the others do not. */
    assert_int_equal(get_json(&fx.srv, "DELETE", path, tok, NULL), 200);
    assert_int_equal(get_json(&fx.srv, "GET", path, tok, NULL), 404);
    assert_int_equal(me(&fx.srv, b.access, NULL), 401);
    assert_int_equal(refresh(&fx.srv, b.refresh, &j), 400);
    json_decref(j);
    assert_int_equal(me(&fx.srv, a.access, NULL), 200);

    /* Revoke all but one. */
    snprintf(path, sizeof(path),
             "/current/oauth/sessions/?exclude_current=true&current_session_id=%s", c.session);
    assert_int_equal(get_json(&fx.srv, "DELETE", path, tok, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "revoked")), 1);
    json_decref(j);
    assert_int_equal(me(&fx.srv, a.access, NULL), 401);
    assert_int_equal(me(&fx.srv, c.access, NULL), 200);
    assert_int_equal(get_json(&fx.srv, "GET", "/current/oauth/sessions/", c.access, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "results")), 1);
    json_decref(j);
    /* Revoke all. */
    assert_int_equal(get_json(&fx.srv, "DELETE", "/current/oauth/sessions/", tok, NULL), 200);
    assert_int_equal(me(&fx.srv, c.access, NULL), 401);
    assert_int_equal(get_json(&fx.srv, "GET", "/current/oauth/sessions/", tok, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "results")), 0);
    json_decref(j);
    /* The sessions routes need a caller. */
    assert_int_equal(get_json(&fx.srv, "GET", "/current/oauth/sessions/", NULL, NULL), 401);
}

static void test_revoke_endpoint(void **state)
{
    (void)state;
    char tok[128], body[256];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    struct tokens a, b;
    login(&fx.srv, tok, &a);
    login(&fx.srv, tok, &b);
    json_t *j = NULL;
    /* An access token revokes only itself. */
    snprintf(body, sizeof(body), "token=%s&token_type_hint=access_token", a.access);
    assert_int_equal(post_form(&fx.srv, "/current/oauth/revoke/", body, NULL, NULL, NULL), 200);
    assert_int_equal(me(&fx.srv, a.access, NULL), 401);
    assert_int_equal(refresh(&fx.srv, a.refresh, &j), 200);
    json_decref(j);
    /* A refresh token revokes its session. */
    snprintf(body, sizeof(body), "token=%s", b.refresh);
    assert_int_equal(post_form(&fx.srv, "/current/oauth/revoke/", body, NULL, NULL, NULL), 200);
    assert_int_equal(me(&fx.srv, b.access, NULL), 401);
    assert_int_equal(refresh(&fx.srv, b.refresh, &j), 400);
    assert_oauth_error(j, "invalid_grant");
    json_decref(j);
    /* Unknown or already revoked: still 200 (RFC 7009); missing: 400. */
    assert_int_equal(post_form(&fx.srv, "/current/oauth/revoke/", body, NULL, NULL, NULL), 200);
    assert_int_equal(
        post_form(&fx.srv, "/current/oauth/revoke/", "token=nonsense", NULL, NULL, NULL), 200);
    assert_int_equal(post_form(&fx.srv, "/current/oauth/revoke/", "x=1", NULL, &j, NULL), 400);
    assert_oauth_error(j, "invalid_request");
    json_decref(j);
}

static void test_well_known(void **state)
{
    (void)state;
    char issuer[128];
    snprintf(issuer, sizeof(issuer), "http://127.0.0.1:%d", fx.srv.port);
    json_t *j = NULL;
    char *out = NULL, *hdrs = NULL, val[128];
    assert_int_equal(it_raw_h(&fx.srv, "GET", "/.well-known/oauth-authorization-server/", NULL,
                              NULL, 0, NULL, &out, &hdrs),
                     200);
    assert_true(ito_header(hdrs, "x-ve-limit-avail", val, sizeof(val)));
    assert_true(ito_header(hdrs, "Content-Type", val, sizeof(val)));
    assert_string_equal(val, "application/json");
    free(hdrs);
    j = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(j);
    assert_null(json_object_get(j, "result"));
    assert_string_equal(json_string_value(json_object_get(j, "issuer")), issuer);
    char want[256];
    snprintf(want, sizeof(want), "%s/current/oauth/authorize/", issuer);
    assert_string_equal(json_string_value(json_object_get(j, "authorization_endpoint")), want);
    snprintf(want, sizeof(want), "%s/current/oauth/token/", issuer);
    assert_string_equal(json_string_value(json_object_get(j, "token_endpoint")), want);
    snprintf(want, sizeof(want), "%s/current/oauth/revoke/", issuer);
    assert_string_equal(json_string_value(json_object_get(j, "revocation_endpoint")), want);
    json_t *m = json_object_get(j, "code_challenge_methods_supported");
    assert_int_equal(json_array_size(m), 1);
    assert_string_equal(json_string_value(json_array_get(m, 0)), "S256");
    json_t *g = json_object_get(j, "grant_types_supported");
    assert_int_equal(json_array_size(g), 2);
    assert_string_equal(json_string_value(json_array_get(g, 0)), "authorization_code");
    assert_string_equal(json_string_value(json_array_get(g, 1)), "refresh_token");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(j, "response_types_supported"), 0)),
        "code");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(j, "token_endpoint_auth_methods_supported"), 0)),
                        "none");
    json_t *modes = json_object_get(j, "response_modes_supported");
    assert_int_equal(json_array_size(modes), 1);
    assert_string_equal(json_string_value(json_array_get(modes, 0)), "query");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "scopes_supported"), 0)),
                        "user");
    json_decref(j);

    assert_int_equal(get_json(&fx.srv, "GET", "/.well-known/oauth-protected-resource/", NULL, &j),
                     200);
    snprintf(want, sizeof(want), "%s/current", issuer);
    assert_string_equal(json_string_value(json_object_get(j, "resource")), want);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(j, "authorization_servers"), 0)), issuer);
    json_decref(j);
    /* RFC 8414 spells the path without a trailing slash: both work. */
    assert_int_equal(
        get_json(&fx.srv, "GET", "/.well-known/oauth-authorization-server", NULL, NULL), 200);
    /* Only at the root, and nothing else there. */
    char *body = NULL;
    long code;
    assert_int_equal(it_raw(&fx.srv, "GET", "/current/.well-known/oauth-authorization-server/",
                            NULL, NULL, 0, NULL, &body),
                     404);
    json_decref(it_error_body(body, &code));
    assert_int_equal(code, 9992);
    free(body);
    assert_int_equal(get_json(&fx.srv, "GET", "/.well-known/other/", NULL, NULL), 404);
    assert_int_equal(
        get_json(&fx.srv, "POST", "/.well-known/oauth-authorization-server/", NULL, NULL), 405);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rfc7636_vector),
    cmocka_unit_test(test_browser_login),
    cmocka_unit_test(test_deny_redirects_with_error),
    cmocka_unit_test(test_refresh_rotation_and_reuse),
    cmocka_unit_test(test_wrong_verifier),
    cmocka_unit_test(test_plain_method_refused),
    cmocka_unit_test(test_code_reuse_revokes),
    cmocka_unit_test(test_redirect_mismatch),
    cmocka_unit_test(test_token_errors),
    cmocka_unit_test(test_short_ttls),
    cmocka_unit_test(test_sessions),
    cmocka_unit_test(test_revoke_endpoint),
    cmocka_unit_test(test_well_known),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
