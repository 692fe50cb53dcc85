/* SPDX-License-Identifier: MIT */
/* it_oauth.h - raw-HTTP helpers shared by the OAuth and fault suites (test_oauth*.c,
 * test_oauth_client.c, test_faults.c, test_transfer_engine.c): a header from a raw header block,
 * a query parameter from a URL, URL-encoding, the client / redirect / password constants of the
 * OAuth flow and a whole PKCE login (ito_pkce_login).
 * Header-only (static inline) so each suite stays one program. Include after <cmocka.h>. */
#ifndef IT_OAUTH_H
#define IT_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <fastio/fastio.h>

#include "buf.h"
#include "form.h"
#include "harness.h"

#define FORM "application/x-www-form-urlencoded"
#define CLIENT "fastio-cli"
#define REDIRECT "http://127.0.0.1:19836/callback"
#define PASSWORD "correct horse battery"

/* Value of header name in a raw header block (copied into out), or false. */
static inline bool ito_header(const char *hdrs, const char *name, char *out, size_t out_size)
{
    size_t nl = strlen(name);
    for (const char *p = hdrs; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        if (!eol)
            eol = p + strlen(p);
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(eol - v);
            if (vl >= out_size)
                vl = out_size - 1;
            memcpy(out, v, vl);
            out[vl] = 0;
            return true;
        }
        p = *eol ? eol + 2 : eol;
    }
    return false;
}

/* Value of query parameter k in url (decoded, copied into out), or false. */
static inline bool ito_query_param(const char *url, const char *k, char *out, size_t out_size)
{
    const char *q = strchr(url, '?');
    if (!q)
        return false;
    struct fio_form f;
    fio_form_init(&f);
    bool ok = fio_form_parse(&f, q + 1, strlen(q + 1), 100);
    const char *v = ok ? fio_form_get(&f, k) : NULL;
    if (v)
        fio_strlcpy(out, v, out_size);
    fio_form_release(&f);
    return v != NULL;
}

/* s URL-encoded (free()). */
static inline char *ito_enc(const char *s)
{
    struct fio_buf b;
    fio_buf_init(&b, 1 << 16);
    assert_true(fio_url_escape(&b, s, strlen(s), true, NULL));
    char *r = fio_buf_steal(&b);
    assert_non_null(r);
    return r;
}

/* A PKCE login of the account email (password PASSWORD) on server s, as a device labelled
 * device_name: the library's side (fastio_pkce_new, the JSON authorize call,
 * fastio_oauth_token_exchange) with the browser's side (the consent page and its form) done with
 * plain HTTP requests. The page names the request, the 302 goes to REDIRECT with the library's
 * state, and the exchange gives both tokens with an access token living expires_in seconds (the
 * server's --oauth-access-ttl). Fills *tok (fastio_oauth_tokens_release). */
static inline void ito_pkce_login(const struct it_server *s, const char *email,
                                  const char *device_name, int64_t expires_in,
                                  struct fastio_oauth_tokens *tok)
{
    struct fastio_client *c = it_client(s, NULL);
    struct fastio_pkce pk;
    struct fastio_error err;
    assert_int_equal(fastio_pkce_new(&pk, &err), FASTIO_OK);
    const struct fastio_param params[] = {
        {"client_id", CLIENT},
        {"response_type", "code"},
        {"code_challenge", pk.challenge},
        {"code_challenge_method", "S256"},
        {"state", pk.state},
        {"redirect_uri", REDIRECT},
        {"response_format", "json"},
    };
    json_t *resp = NULL;
    assert_int_equal(fastio_call(c, FASTIO_EP_OAUTH_AUTHORIZE, NULL, 0, params,
                                 sizeof(params) / sizeof(params[0]), &resp, &err),
                     FASTIO_OK);
    const char *url = json_string_value(json_object_get(resp, "authorization_url"));
    const char *rid = json_string_value(json_object_get(resp, "auth_request_id"));
    assert_non_null(url);
    assert_non_null(rid);
    /* "the browser": GET the page, POST the consent form */
    const char *path = strstr(url, "/current/");
    assert_non_null(path);
    char *html = NULL;
    assert_int_equal(it_raw(s, "GET", path, NULL, NULL, 0, NULL, &html), 200);
    assert_non_null(html);
    assert_non_null(strstr(html, rid));
    free(html);
    char body[1024];
    char *e = ito_enc(email), *pw = ito_enc(PASSWORD);
    snprintf(body, sizeof(body), "auth_request_id=%s&consent=approve&email=%s&password=%s", rid, e,
             pw);
    free(e);
    free(pw);
    char *hdrs = NULL;
    assert_int_equal(it_raw_h(s, "POST", "/current/oauth/authorize/", FORM, body, strlen(body),
                              NULL, NULL, &hdrs),
                     302);
    char loc[1024], code[256], st[64];
    assert_true(ito_header(hdrs, "Location", loc, sizeof(loc)));
    free(hdrs);
    json_decref(resp);
    assert_int_equal(strncmp(loc, REDIRECT "?", strlen(REDIRECT) + 1), 0);
    assert_true(ito_query_param(loc, "code", code, sizeof(code)));
    assert_true(ito_query_param(loc, "state", st, sizeof(st)));
    assert_string_equal(st, pk.state); /* the state the library made comes back */

    struct fastio_oauth_code_grant g = {code, pk.verifier, CLIENT, REDIRECT, device_name, "cli"};
    assert_int_equal(fastio_oauth_token_exchange(c, &g, tok, &err), FASTIO_OK);
    assert_non_null(tok->access_token);
    assert_non_null(tok->refresh_token);
    assert_int_equal(tok->expires_in, expires_in);
    explicit_bzero(&pk, sizeof(pk));
    fastio_client_free(c);
}

#endif
