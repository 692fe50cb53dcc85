/* SPDX-License-Identifier: MIT */
/* auth_oauth.c - OAuth 2.0 + PKCE on the client side (api §2.5, RFC 6749, RFC 7636): PKCE
 * verifier/challenge/state, the code exchange and refresh calls, and the decoder of the plain
 * OAuth bodies the token endpoint answers with (not envelopes, api §1.3). */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "api.h"
#include "b64.h"
#include "buf.h"
#include "client.h"
#include "envelope.h"
#include "rand.h"

#define PKCE_VERIFIER_BYTES 32
#define PKCE_STATE_BYTES 16

/* ---- PKCE (RFC 7636) -------------------------------------------------------------------------- */

static bool verifier_char_ok(char ch)
{
    /* RFC 7636 §4.1: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

FASTIO_API enum fastio_status fastio_pkce_challenge(const char *verifier, char *challenge,
                                                    size_t size, struct fastio_error *err)
{
    unsigned char digest[32];
    unsigned int dlen = 0;
    size_t n;

    if (verifier == NULL || challenge == NULL || size < fio_b64url_encoded_size(sizeof(digest)))
        return fio_error_set(err, FASTIO_INVALID, "no verifier or challenge buffer too small");
    n = strlen(verifier);
    if (n < 43 || n > 128)
        return fio_error_set(err, FASTIO_INVALID, "a PKCE verifier has 43 to 128 characters");
    for (size_t i = 0; i < n; i++) {
        if (!verifier_char_ok(verifier[i]))
            return fio_error_set(err, FASTIO_INVALID, "invalid character in PKCE verifier");
    }
    /* S256: BASE64URL(SHA256(ASCII(code_verifier))), RFC 7636 §4.2. */
    if (EVP_Digest(verifier, n, digest, &dlen, EVP_sha256(), NULL) != 1 || dlen != sizeof(digest))
        return fio_error_set(err, FASTIO_IO, "SHA-256 unavailable");
    (void)fio_b64url_encode(digest, sizeof(digest), challenge, size);
    fastio_error_clear(err);
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_pkce_new(struct fastio_pkce *p, struct fastio_error *err)
{
    unsigned char raw[PKCE_VERIFIER_BYTES];
    unsigned char st[PKCE_STATE_BYTES];
    enum fastio_status rc;

    if (p == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no PKCE struct");
    memset(p, 0, sizeof(*p));
    if (!fio_random_bytes(raw, sizeof(raw)) || !fio_random_bytes(st, sizeof(st))) {
        explicit_bzero(raw, sizeof(raw));
        return fio_error_set(err, FASTIO_IO, "no randomness from the kernel");
    }
    (void)fio_b64url_encode(raw, sizeof(raw), p->verifier, sizeof(p->verifier));
    fio_hex_encode(st, sizeof(st), p->state);
    explicit_bzero(raw, sizeof(raw));
    rc = fastio_pkce_challenge(p->verifier, p->challenge, sizeof(p->challenge), err);
    if (rc != FASTIO_OK)
        explicit_bzero(p, sizeof(*p));
    return rc;
}

/* ---- the plain OAuth body ----------------------------------------------------------------------- */

static enum fastio_status oauth_error_status(const char *code, long http_status)
{
    static const char *const auth_codes[] = {"invalid_grant", "invalid_client",
                                             "unauthorized_client", "invalid_token",
                                             "access_denied"};
    static const char *const invalid_codes[] = {"invalid_request", "unsupported_grant_type",
                                                "invalid_scope", "unsupported_token_type",
                                                "unsupported_response_type"};
    if (code != NULL) {
        for (size_t i = 0; i < sizeof(auth_codes) / sizeof(auth_codes[0]); i++)
            if (strcmp(code, auth_codes[i]) == 0)
                return FASTIO_AUTH;
        for (size_t i = 0; i < sizeof(invalid_codes) / sizeof(invalid_codes[0]); i++)
            if (strcmp(code, invalid_codes[i]) == 0)
                return FASTIO_INVALID;
    }
    if (http_status == 429)
        return FASTIO_RATE_LIMITED;
    if (http_status >= 500)
        return FASTIO_SERVER;
    if (http_status == 401)
        return FASTIO_AUTH;
    return FASTIO_API_ERROR;
}

enum fastio_status fio_oauth_decode(const char *body, size_t len, long http_status, json_t **out,
                                    struct fastio_error *err)
{
    json_t *j = NULL;
    const char *code, *desc;
    enum fastio_status st;
    char text[400];

    if (out != NULL)
        *out = NULL;
    if (len > 0 && body != NULL)
        j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (http_status >= 200 && http_status < 300) {
        if (j == NULL && len == 0)
            j = json_object(); /* RFC 7009: revoke answers 200 with no body */
        if (!json_is_object(j)) {
            json_decref(j);
            st = fio_error_set(err, FASTIO_PROTOCOL, "token endpoint answer is not a JSON object");
            if (err != NULL)
                err->http_status = http_status;
            return st;
        }
        if (out != NULL)
            *out = j;
        else
            json_decref(j);
        fastio_error_clear(err);
        return FASTIO_OK;
    }
    /* A Fast.io envelope (e.g. the router's 404 or the limiter's 429) is decoded as usual. */
    if (json_is_object(j) && json_object_get(j, "result") != NULL) {
        json_decref(j);
        return fio_envelope_decode(body, len, http_status, out, err);
    }
    code = json_string_value(json_object_get(j, "error"));
    desc = json_string_value(json_object_get(j, "error_description"));
    st = oauth_error_status(code, http_status);
    if (code != NULL)
        (void)snprintf(text, sizeof(text), "%s%s%s", code, desc != NULL ? ": " : "",
                       desc != NULL ? desc : "");
    else
        (void)snprintf(text, sizeof(text), "HTTP %ld from the token endpoint", http_status);
    json_decref(j);
    if (err != NULL) {
        fastio_error_clear(err);
        err->status = st;
        err->http_status = http_status;
        err->retryable = st == FASTIO_RATE_LIMITED || http_status == 502 || http_status == 503 ||
                         http_status == 504;
        fio_message_sanitize(err->message, sizeof(err->message), text, strlen(text));
    }
    return st;
}

/* ---- token calls ------------------------------------------------------------------------------- */

/* Wipe a secret string before freeing it. */
static void wipe_free(char *p)
{
    if (p != NULL) {
        explicit_bzero(p, strlen(p));
        free(p);
    }
}

FASTIO_API void fastio_oauth_tokens_release(struct fastio_oauth_tokens *t)
{
    if (t == NULL)
        return;
    wipe_free(t->access_token);
    wipe_free(t->token_type);
    wipe_free(t->refresh_token);
    wipe_free(t->scope);
    memset(t, 0, sizeof(*t));
}

/* Copy a string member (NULL when absent); false only on OOM. */
static bool take_string(json_t *o, const char *key, char **dst)
{
    const char *v = json_string_value(json_object_get(o, key));
    *dst = NULL;
    if (v == NULL)
        return true;
    *dst = fio_strdup(v);
    return *dst != NULL;
}

/* Turn a token response into *out. The scope may come as "scope" (RFC 6749) or "scopes"
 * (a JSON-encoded string or array per the docs, api §2.5). */
static enum fastio_status parse_tokens(json_t *body, struct fastio_oauth_tokens *out,
                                       struct fastio_error *err)
{
    json_t *scopes;
    long expires = 0;
    if (!take_string(body, "access_token", &out->access_token) ||
        !take_string(body, "token_type", &out->token_type) ||
        !take_string(body, "refresh_token", &out->refresh_token) ||
        !take_string(body, "scope", &out->scope))
        goto nomem;
    if (out->access_token == NULL || out->access_token[0] == '\0') {
        fastio_oauth_tokens_release(out);
        return fio_api_protocol(err, "token response without access_token");
    }
    scopes = json_object_get(body, "scopes");
    if (out->scope == NULL && json_is_string(scopes)) {
        out->scope = fio_strdup(json_string_value(scopes));
        if (out->scope == NULL)
            goto nomem;
    } else if (out->scope == NULL && json_is_array(scopes)) {
        out->scope = json_dumps(scopes, JSON_COMPACT);
        if (out->scope == NULL)
            goto nomem;
    }
    if (fio_json_to_long(json_object_get(body, "expires_in"), &expires) && expires > 0)
        out->expires_in = expires;
    fastio_error_clear(err);
    return FASTIO_OK;
nomem:
    fastio_oauth_tokens_release(out);
    return fio_error_set(err, FASTIO_NOMEM, "out of memory");
}

static enum fastio_status token_call(struct fastio_client *c, const struct fio_plist *pl,
                                     struct fastio_oauth_tokens *out, struct fastio_error *err)
{
    json_t *body = NULL;
    enum fastio_status st =
        fio_client_call(c, FASTIO_EP_OAUTH_TOKEN, NULL, 0, pl->p, pl->n, NULL, &body, err);
    if (st == FASTIO_OK)
        st = parse_tokens(body, out, err);
    json_decref(body);
    return st;
}

FASTIO_API enum fastio_status fastio_oauth_token_exchange(struct fastio_client *c,
                                                          const struct fastio_oauth_code_grant *g,
                                                          struct fastio_oauth_tokens *out,
                                                          struct fastio_error *err)
{
    struct fio_plist pl = {0};
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (c == NULL || g == NULL || out == NULL || g->code == NULL || g->code[0] == '\0' ||
        g->code_verifier == NULL || g->client_id == NULL || g->redirect_uri == NULL)
        return fio_error_set(err, FASTIO_INVALID,
                             "code, code_verifier, client_id and redirect_uri are required");
    fio_plist_add(&pl, "grant_type", "authorization_code");
    fio_plist_add(&pl, "code", g->code);
    fio_plist_add(&pl, "code_verifier", g->code_verifier);
    fio_plist_add(&pl, "client_id", g->client_id);
    fio_plist_add(&pl, "redirect_uri", g->redirect_uri);
    fio_plist_add(&pl, "device_name", g->device_name);
    fio_plist_add(&pl, "device_type", g->device_type);
    return token_call(c, &pl, out, err);
}

FASTIO_API enum fastio_status fastio_oauth_token_refresh(struct fastio_client *c,
                                                         const char *client_id,
                                                         const char *refresh_token,
                                                         struct fastio_oauth_tokens *out,
                                                         struct fastio_error *err)
{
    struct fio_plist pl = {0};
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (c == NULL || out == NULL || client_id == NULL || refresh_token == NULL ||
        refresh_token[0] == '\0')
        return fio_error_set(err, FASTIO_INVALID, "client_id and refresh_token are required");
    fio_plist_add(&pl, "grant_type", "refresh_token");
    fio_plist_add(&pl, "refresh_token", refresh_token);
    fio_plist_add(&pl, "client_id", client_id);
    return token_call(c, &pl, out, err);
}
