/* SPDX-License-Identifier: MIT */
/* test_login.c - libfastio's interactive PKCE login (fastio/login.h, issue 4) against the real
 * fastio-server: the loopback flow with the browser side driven by libcurl in a thread (GET the
 * address handed to show_url, POST the consent form, follow the redirect to the library's
 * listener, after one stray request the listener answers 404 and ignores); a redirect with a
 * wrong state refused with nothing exchanged; the paste flow with a bare code, with the whole
 * redirect address and with a forged state; the wait ended promptly by the timeout and by a
 * cancel token (leaks are caught by the sanitizers); invalid options. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include <fastio/login.h>

#include "buf.h"
#include "form.h"
#include "harness.h"
#include "it_oauth.h"

static struct it_fixture fx;

/* ---- "the browser" (libcurl; safe to run off the test thread: no cmocka asserts) ---------- */

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    return fio_buf_append(ud, p, size * n) ? size * n : 0;
}

/* One request without following redirects; returns the HTTP status (0 = failed). body (may be
 * NULL) gets the body, loc (may be NULL) the redirect target. */
static long http(const char *method, const char *url, const char *post, char *body,
                 size_t body_size, char *loc, size_t loc_size)
{
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    struct fio_buf b;
    fio_buf_init(&b, 1 << 20);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (post)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        char *r = NULL;
        if (loc) {
            loc[0] = '\0';
            if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &r) == CURLE_OK && r)
                fio_strlcpy(loc, r, loc_size);
        }
        if (body) {
            body[0] = '\0';
            if (b.len)
                fio_strlcpy(body, b.data, body_size < b.len + 1 ? body_size : b.len + 1);
        }
    }
    fio_buf_release(&b);
    curl_easy_cleanup(h);
    return code;
}

/* The consent step: GET the page, POST the approval; loc gets the redirect (the callback). */
static bool consent(const char *url, const char *email, char *loc, size_t loc_size)
{
    const char *rid = strstr(url, "auth_request_id=");
    const char *qm = strchr(url, '?');
    if (!rid || !qm || http("GET", url, NULL, NULL, 0, NULL, 0) != 200)
        return false;
    rid += strlen("auth_request_id=");
    CURL *h = curl_easy_init();
    if (!h)
        return false;
    char *e = curl_easy_escape(h, email, 0), *p = curl_easy_escape(h, PASSWORD, 0);
    char post[1024], action[1024];
    int n = snprintf(post, sizeof(post), "auth_request_id=%s&consent=approve&email=%s&password=%s",
                     rid, e ? e : "", p ? p : "");
    curl_free(e);
    curl_free(p);
    curl_easy_cleanup(h);
    if (n < 0 || (size_t)n >= sizeof(post) || (size_t)(qm - url) >= sizeof(action))
        return false;
    memcpy(action, url, (size_t)(qm - url));
    action[qm - url] = '\0';
    return http("POST", action, post, NULL, 0, loc, loc_size) == 302 && loc[0];
}

/* ---- the application's side ---------------------------------------------------------------- */

enum browser_act { ACT_CONSENT, ACT_FORGE, ACT_NONE };
enum { PASTE_CODE, PASTE_URL, PASTE_FORGED, PASTE_FAIL };

struct app {
    enum browser_act act;
    char email[128];
    char url[2048];
    char redirect[256];
    int shown;
    /* browser thread results */
    pthread_t th;
    bool started;
    long stray_status;   /* the 404 for an unrelated path */
    long cb_status;      /* the listener's answer to the callback */
    char page[2048];     /* its body */
    char loc[2048];      /* where the consent sent the browser */
    bool consent_ok;
    int paste;           /* read_code: PASTE_CODE, PASTE_URL, PASTE_FORGED, PASTE_FAIL */
};

static void *browser_main(void *ud)
{
    struct app *a = ud;
    char stray[300];
    const char *cb = strstr(a->redirect, "/callback");
    if (cb) {
        snprintf(stray, sizeof(stray), "%.*s/favicon.ico", (int)(cb - a->redirect), a->redirect);
        a->stray_status = http("GET", stray, NULL, NULL, 0, NULL, 0);
    }
    if (a->act == ACT_FORGE) {
        char forged[400];
        snprintf(forged, sizeof(forged), "%s?code=fio_c_fake&state=0000", a->redirect);
        a->cb_status = http("GET", forged, NULL, a->page, sizeof(a->page), NULL, 0);
        return NULL;
    }
    a->consent_ok = consent(a->url, a->email, a->loc, sizeof(a->loc));
    if (a->consent_ok)
        a->cb_status = http("GET", a->loc, NULL, a->page, sizeof(a->page), NULL, 0);
    return NULL;
}

static void show_url(void *ud, const char *url, const char *redirect)
{
    struct app *a = ud;
    a->shown++;
    fio_strlcpy(a->url, url, sizeof(a->url));
    fio_strlcpy(a->redirect, redirect, sizeof(a->redirect));
    if (a->act != ACT_NONE && pthread_create(&a->th, NULL, browser_main, a) == 0)
        a->started = true;
}

static void show_url_paste(void *ud, const char *url, const char *redirect)
{
    struct app *a = ud;
    a->shown++;
    fio_strlcpy(a->url, url, sizeof(a->url));
    fio_strlcpy(a->redirect, redirect, sizeof(a->redirect));
    a->consent_ok = consent(url, a->email, a->loc, sizeof(a->loc));
}

/* What the user pastes, from where the consent sent the browser (a->loc). */
static bool read_code(void *ud, char *buf, size_t size)
{
    struct app *a = ud;
    char code[512];
    switch (a->paste) {
    case PASTE_URL:
        return a->loc[0] && fio_strlcpy(buf, a->loc, size);
    case PASTE_CODE:
        return ito_query_param(a->loc, "code", code, sizeof(code)) && fio_strlcpy(buf, code, size);
    case PASTE_FORGED: {
        if (!ito_query_param(a->loc, "code", code, sizeof(code)))
            return false;
        int n = snprintf(buf, size, "%s?code=%s&state=ffff\n", a->redirect, code);
        return n > 0 && (size_t)n < size;
    }
    default:
        return false;
    }
}

static void join_browser(struct app *a)
{
    if (a->started)
        pthread_join(a->th, NULL);
    a->started = false;
}

static void expect_user(const struct fastio_oauth_tokens *tok, const char *email)
{
    assert_non_null(tok->access_token);
    assert_non_null(tok->refresh_token);
    struct fastio_client *c = it_client(&fx.srv, tok->access_token);
    json_t *user = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_user_me(c, &user, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(user, "email_address")), email);
    json_decref(user);
    fastio_client_free(c);
}

static void opts_for(struct fastio_login_opts *o, struct app *a, enum fastio_login_step *step)
{
    fastio_login_opts_init(o);
    o->base_url = fx.srv.base;
    o->client_id = CLIENT;
    o->device_name = "it-login";
    o->device_type = "cli";
    o->show_url = show_url;
    o->read_code = read_code;
    o->userdata = a;
    o->timeout_ms = 30000;
    o->failed_step = step;
}

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_loopback_login(void **state)
{
    (void)state;
    struct app a;
    memset(&a, 0, sizeof(a));
    char tok_unused[512];
    it_new_user(&fx.srv, tok_unused, sizeof(tok_unused), a.email);
    a.act = ACT_CONSENT;
    struct fastio_login_opts o;
    enum fastio_login_step step = FASTIO_LOGIN_STEP_SETUP;
    opts_for(&o, &a, &step);
    o.agent_name = "it-agent";
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    enum fastio_status st = fastio_pkce_login(&o, &tok, &err); /* own client from base_url */
    join_browser(&a);
    if (st != FASTIO_OK)
        fprintf(stderr, "login: %s\n", err.message);
    assert_int_equal(st, FASTIO_OK);
    assert_int_equal(step, FASTIO_LOGIN_STEP_NONE);
    assert_int_equal(a.shown, 1);
    assert_int_equal(strncmp(a.redirect, "http://127.0.0.1:", 17), 0);
    assert_int_equal(a.stray_status, 404);
    assert_true(a.consent_ok);
    assert_int_equal(strncmp(a.loc, a.redirect, strlen(a.redirect)), 0);
    assert_int_equal(a.cb_status, 200);
    assert_non_null(strstr(a.page, "close this tab"));
    expect_user(&tok, a.email);
    fastio_oauth_tokens_release(&tok);
    /* the listener is gone after the one callback */
    assert_int_equal(http("GET", a.loc, NULL, NULL, 0, NULL, 0), 0);
}

static void test_loopback_wrong_state(void **state)
{
    (void)state;
    struct app a;
    memset(&a, 0, sizeof(a));
    a.act = ACT_FORGE;
    struct fastio_client *c = it_client(&fx.srv, NULL);
    struct fastio_login_opts o;
    enum fastio_login_step step = FASTIO_LOGIN_STEP_NONE;
    opts_for(&o, &a, &step);
    o.client = c;
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    assert_int_equal(fastio_pkce_login(&o, &tok, &err), FASTIO_AUTH);
    join_browser(&a);
    assert_int_equal(step, FASTIO_LOGIN_STEP_STATE);
    assert_non_null(strstr(err.message, "state"));
    assert_null(tok.access_token);
    assert_int_equal(a.cb_status, 400);
    assert_non_null(strstr(a.page, "Nothing was signed in"));
    fastio_client_free(c);
}

/* The paste flow; paste says what the user pastes. Returns the status; *tok as filled. */
static enum fastio_status paste_login(int paste, struct app *a, enum fastio_login_step *step,
                                      struct fastio_oauth_tokens *tok, struct fastio_error *err)
{
    memset(a, 0, sizeof(*a));
    char tok_unused[512];
    it_new_user(&fx.srv, tok_unused, sizeof(tok_unused), a->email);
    a->paste = paste;
    struct fastio_client *c = it_client(&fx.srv, NULL);
    struct fastio_login_opts o;
    opts_for(&o, a, step);
    o.client = c;
    o.mode = FASTIO_LOGIN_PASTE;
    o.show_url = show_url_paste;
    enum fastio_status st = fastio_pkce_login(&o, tok, err);
    fastio_client_free(c);
    return st;
}

static void test_paste_bare_code(void **state)
{
    (void)state;
    struct app a;
    enum fastio_login_step step = FASTIO_LOGIN_STEP_SETUP;
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    enum fastio_status st = paste_login(PASTE_CODE, &a, &step, &tok, &err);
    if (st != FASTIO_OK)
        fprintf(stderr, "login: %s\n", err.message);
    assert_int_equal(st, FASTIO_OK);
    assert_int_equal(step, FASTIO_LOGIN_STEP_NONE);
    assert_true(a.consent_ok);
    assert_string_equal(a.redirect, FASTIO_LOGIN_PASTE_REDIRECT);
    expect_user(&tok, a.email);
    fastio_oauth_tokens_release(&tok);
}

static void test_paste_whole_url(void **state)
{
    (void)state;
    struct app a;
    enum fastio_login_step step = FASTIO_LOGIN_STEP_SETUP;
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    enum fastio_status st = paste_login(PASTE_URL, &a, &step, &tok, &err);
    if (st != FASTIO_OK)
        fprintf(stderr, "login: %s\n", err.message);
    assert_int_equal(st, FASTIO_OK);
    assert_int_equal(strncmp(a.loc, FASTIO_LOGIN_PASTE_REDIRECT "?", 32), 0);
    expect_user(&tok, a.email);
    fastio_oauth_tokens_release(&tok);
}

static void test_paste_forged_state_and_no_input(void **state)
{
    (void)state;
    struct app a;
    enum fastio_login_step step = FASTIO_LOGIN_STEP_NONE;
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    assert_int_equal(paste_login(PASTE_FORGED, &a, &step, &tok, &err), FASTIO_AUTH);
    assert_int_equal(step, FASTIO_LOGIN_STEP_STATE);
    assert_null(tok.access_token);
    assert_int_equal(paste_login(PASTE_FAIL, &a, &step, &tok, &err), FASTIO_IO);
    assert_int_equal(step, FASTIO_LOGIN_STEP_READ);
    assert_null(tok.access_token);
}

static void test_timeout_ends_promptly(void **state)
{
    (void)state;
    struct app a;
    memset(&a, 0, sizeof(a));
    a.act = ACT_NONE;
    struct fastio_login_opts o;
    enum fastio_login_step step = FASTIO_LOGIN_STEP_NONE;
    opts_for(&o, &a, &step);
    o.timeout_ms = 300;
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    int64_t t0 = fastio_now_ms();
    assert_int_equal(fastio_pkce_login(&o, &tok, &err), FASTIO_TIMEOUT);
    int64_t took = fastio_now_ms() - t0;
    assert_int_equal(step, FASTIO_LOGIN_STEP_WAIT);
    assert_int_equal(a.shown, 1);
    assert_true(took >= 250 && took < 3000);
    assert_null(tok.access_token);
    /* the listener is closed */
    assert_int_equal(http("GET", a.redirect, NULL, NULL, 0, NULL, 0), 0);
}

static void *trigger_later(void *t)
{
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    fastio_cancel_trigger(t);
    return NULL;
}

static void test_cancel_ends_promptly(void **state)
{
    (void)state;
    struct app a;
    memset(&a, 0, sizeof(a));
    a.act = ACT_NONE;
    struct fastio_cancel *cancel = fastio_cancel_new();
    assert_non_null(cancel);
    struct fastio_login_opts o;
    enum fastio_login_step step = FASTIO_LOGIN_STEP_NONE;
    opts_for(&o, &a, &step);
    o.timeout_ms = 60000;
    o.cancel = cancel;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, trigger_later, cancel), 0);
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    int64_t t0 = fastio_now_ms();
    enum fastio_status st = fastio_pkce_login(&o, &tok, &err);
    int64_t took = fastio_now_ms() - t0;
    pthread_join(th, NULL);
    fastio_cancel_free(cancel);
    assert_int_equal(st, FASTIO_CANCELLED);
    assert_int_equal(step, FASTIO_LOGIN_STEP_WAIT);
    assert_true(took < 2000);
    assert_null(tok.access_token);
}

static void test_invalid_opts(void **state)
{
    (void)state;
    struct fastio_login_opts o;
    fastio_login_opts_init(&o);
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    assert_int_equal(fastio_pkce_login(NULL, &tok, &err), FASTIO_INVALID);
    assert_int_equal(fastio_pkce_login(&o, &tok, &err), FASTIO_INVALID); /* no client_id */
    o.client_id = CLIENT;
    o.show_url = show_url;
    o.mode = FASTIO_LOGIN_PASTE; /* without read_code */
    assert_int_equal(fastio_pkce_login(&o, &tok, &err), FASTIO_INVALID);
    assert_null(tok.access_token);
}

int main(int argc, char **argv);
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_loopback_login),
    cmocka_unit_test(test_loopback_wrong_state),
    cmocka_unit_test(test_paste_bare_code),
    cmocka_unit_test(test_paste_whole_url),
    cmocka_unit_test(test_paste_forged_state_and_no_input),
    cmocka_unit_test(test_timeout_ends_promptly),
    cmocka_unit_test(test_cancel_ends_promptly),
    cmocka_unit_test(test_invalid_opts),
};

IT_FIXTURE_MAIN(tests, fx, NULL)
