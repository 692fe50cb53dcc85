/* SPDX-License-Identifier: MIT */
/* h_oauth.c - the OAuth 2.0 authorization server (api §2.5, RFC 6749, RFC 7636, RFC 7009,
 * RFC 8414, RFC 9728): discovery metadata, the authorization endpoint (JSON for CLIs, an HTML
 * login-and-consent page for browsers), the token endpoint (authorization_code with PKCE S256,
 * refresh_token with rotation and reuse detection) and revocation. Owns the oauth_requests,
 * oauth_codes, oauth_sessions and oauth_tokens tables (schema.sql migration 2). Only SHA-256
 * hashes of codes and tokens are stored; secrets are looked up by hash, and the one comparison of
 * a secret-derived value (the PKCE challenge) is constant-time. */
#include "handlers.h"

#include <stdatomic.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "buf.h"
#include "form.h"
#include "name.h"
#include "oauth.h"
#include "rand.h"

/* ---- shared helpers (oauth.h) -------------------------------------------------------------- */

void oauth_sha256_hex(const char *s, char out[OAUTH_HASH_HEX])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    fio_hex_encode(md, 32, out);
}

bool oauth_new_secret(const char *prefix, char *tok, size_t toksize, char hash[OAUTH_HASH_HEX])
{
    unsigned char raw[32];
    char enc[64];
    if (!fio_random_bytes(raw, sizeof(raw)))
        return false;
    fio_b64url_encode(raw, sizeof(raw), enc, sizeof(enc));
    int n = snprintf(tok, toksize, "%s%s", prefix, enc);
    if (n < 0 || (size_t)n >= toksize)
        return false;
    oauth_sha256_hex(tok, hash);
    return true;
}

int oauth_reply_raw(struct req *r, int http, const char *content_type, char *body)
{
    if (!body)
        return req_fail(r, 500, 0, "Out of memory");
    free(r->raw_body);
    r->raw_body = body;
    r->raw_type = content_type;
    r->status_ok = http;
    return 0;
}

int oauth_reply_json(struct req *r, int http, json_t *body)
{
    char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return oauth_reply_raw(r, http, "application/json", txt);
}

int oauth_error(struct req *r, int http, const char *error, const char *description)
{
    return oauth_reply_json(
        r, http, json_pack("{s:s, s:s}", "error", error, "error_description", description));
}

int oauth_session_delete(struct store_conn *st, const char *session_id)
{
    return STORE(st, oauth)->session_delete(st, session_id) == STORE_OK ? 0 : -1;
}

void oauth_base_url(const struct server *s, char *out, size_t out_size)
{
    if (s->cfg.public_url && *s->cfg.public_url) {
        fio_strlcpy(out, s->cfg.public_url, out_size);
        size_t n = strlen(out);
        while (n && out[n - 1] == '/')
            out[--n] = 0;
        return;
    }
    const char *a = s->cfg.listen_addr;
    if (strcmp(a, "0.0.0.0") == 0)
        a = "127.0.0.1";
    else if (strcmp(a, "::") == 0)
        a = "::1";
    bool v6 = strchr(a, ':') != NULL;
    snprintf(out, out_size, "%s://%s%s%s:%u", SRV_SCHEME(s), v6 ? "[" : "", a, v6 ? "]" : "",
             (unsigned)atomic_load(&s->bound_port));
}

/* ---- validation ---------------------------------------------------------------------------- */

/* Printable text without control characters, 1..max bytes (max 0: may be empty). */
static bool text_ok(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max || !fio_utf8_valid(s, n))
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool b64url_chars(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

/* Loopback hosts whose port may differ between authorize and token (RFC 8252 §7.3). */
static const char *const loopback_prefixes[] = {"http://127.0.0.1", "http://localhost",
                                                "http://[::1]"};

/* Accepted redirect URIs: https anywhere, or http on a loopback host (RFC 8252 §7.3); no
 * fragment. There is no client registration, so this is the whole policy (docs/decisions.md). */
static bool redirect_uri_ok(const char *u)
{
    if (!text_ok(u, 8, 2000) || strchr(u, '#') || strchr(u, ' '))
        return false;
    if (strncmp(u, "https://", 8) == 0)
        return u[8] && u[8] != '/';
    for (size_t i = 0; i < sizeof(loopback_prefixes) / sizeof(loopback_prefixes[0]); i++) {
        size_t pl = strlen(loopback_prefixes[i]);
        if (strncmp(u, loopback_prefixes[i], pl) == 0 &&
            (u[pl] == ':' || u[pl] == '/' || u[pl] == 0))
            return true;
    }
    return false;
}

/* After a loopback prefix: skip ":port". */
static const char *skip_port(const char *p)
{
    if (*p == ':') {
        p++;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return p;
}

/* Exact match, except the port of a loopback redirect (api §2.5, reliability.md "OAuth"). */
static bool redirect_uri_match(const char *registered, const char *given)
{
    if (strcmp(registered, given) == 0)
        return true;
    for (size_t i = 0; i < sizeof(loopback_prefixes) / sizeof(loopback_prefixes[0]); i++) {
        size_t pl = strlen(loopback_prefixes[i]);
        if (strncmp(registered, loopback_prefixes[i], pl) != 0 ||
            strncmp(given, loopback_prefixes[i], pl) != 0)
            continue;
        const char *a = skip_port(registered + pl), *b = skip_port(given + pl);
        if ((*a == '/' || *a == 0) && (*b == '/' || *b == 0))
            return strcmp(a, b) == 0;
    }
    return false;
}

/* RFC 7636 §4.1/§4.6: 43..128 unreserved characters; BASE64URL(SHA256(verifier)) == challenge,
 * compared in constant time. */
static bool pkce_verify(const char *verifier, const char *challenge)
{
    size_t n = strlen(verifier);
    if (n < 43 || n > 128)
        return false;
    for (const char *p = verifier; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-._~", *p))
            return false;
    unsigned char md[32];
    unsigned int ml = 0;
    char enc[64];
    if (EVP_Digest(verifier, n, md, &ml, EVP_sha256(), NULL) != 1)
        return false;
    size_t el = fio_b64url_encode(md, sizeof(md), enc, sizeof(enc));
    (void)el;
    size_t cl = strlen(challenge);
    return strlen(enc) == cl && CRYPTO_memcmp(enc, challenge, cl) == 0;
}

static const char *const scope_types[] = {"user",           "org",           "workspace",
                                          "all_orgs",       "all_workspaces", "all_shares"};

static bool json_format(struct req *r)
{
    const char *f = req_param(r, "response_format");
    return f && strcmp(f, "json") == 0;
}

/* ---- metadata (RFC 8414, RFC 9728), served at the root ------------------------------------- */

int h_oauth_as_metadata(struct req *r)
{
    char base[512], ep[640];
    oauth_base_url(r->srv, base, sizeof(base));
    json_t *m = json_pack("{s:s, s:[s], s:[s,s], s:[s], s:[s], s:[s], s:[s], s:[s,s,s,s,s,s]}",
                          "issuer",
                          base, "response_types_supported", "code", "grant_types_supported",
                          "authorization_code", "refresh_token",
                          "code_challenge_methods_supported", "S256",
                          "token_endpoint_auth_methods_supported", "none",
                          "revocation_endpoint_auth_methods_supported", "none",
                          "response_modes_supported", "query", "scopes_supported", scope_types[0],
                          scope_types[1], scope_types[2], scope_types[3], scope_types[4],
                          scope_types[5]);
    if (!m)
        return req_fail(r, 500, 0, "Out of memory");
    static const char *const eps[][2] = {{"authorization_endpoint", "/current/oauth/authorize/"},
                                         {"token_endpoint", "/current/oauth/token/"},
                                         {"revocation_endpoint", "/current/oauth/revoke/"}};
    for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
        snprintf(ep, sizeof(ep), "%s%s", base, eps[i][1]);
        json_object_set_new(m, eps[i][0], json_string(ep));
    }
    return oauth_reply_json(r, 200, m);
}

int h_oauth_resource_metadata(struct req *r)
{
    char base[512], res[640];
    oauth_base_url(r->srv, base, sizeof(base));
    snprintf(res, sizeof(res), "%s/current", base);
    return oauth_reply_json(
        r, 200,
        json_pack("{s:s, s:[s], s:[s], s:s}", "resource", res, "authorization_servers", base,
                  "bearer_methods_supported", "header", "resource_name", "fastio-server"));
}

/* ---- authorization requests ---------------------------------------------------------------- */

static bool load_request(struct req *r, const char *id, struct store_oauth_request *q)
{
    /* A failed lookup reads as "not found or expired". */
    return STORE(r->st, oauth)->request_get(r->st, id, srv_now_us(), q) == STORE_OK;
}

static int page_reply(struct req *r, int http, const struct store_oauth_request *q,
                      const char *error)
{
    struct oauth_page p = {q->id,
                           q->client_id,
                           q->agent_name,
                           q->redirect_uri,
                           *q->scope ? q->scope : q->scope_type,
                           q->login_hint,
                           error};
    return oauth_reply_raw(r, http, "text/html; charset=utf-8", oauth_page_render(&p));
}

/* A bad authorization request: a 400 envelope for JSON callers, an HTML error page otherwise.
 * The browser is never redirected on a bad request (the redirect_uri itself may be the bad
 * part; RFC 6749 §4.1.2.1 allows this for client_id / redirect_uri and we do it for all). */
static int authorize_fail(struct req *r, const char *param, const char *msg)
{
    if (json_format(r))
        return req_fail_param(r, param, "invalid", "%s", msg);
    return oauth_reply_raw(r, 400, "text/html; charset=utf-8",
                           oauth_page_error("Invalid authorization request", msg));
}

/* GET /current/oauth/authorize/ (api §2.5): with auth_request_id, show the page of a pending
 * request; otherwise validate a new request, store it (10 min) and answer with its id (JSON) or
 * the login-and-consent page (HTML). */
int h_oauth_authorize_get(struct req *r)
{
    struct store_oauth_request q;
    memset(&q, 0, sizeof(q));
    const char *rid = req_param(r, "auth_request_id");
    if (rid && *rid) {
        if (!load_request(r, rid, &q))
            return json_format(r) ? req_fail(r, 404, API_ERR_NOT_FOUND,
                                             "Authorization request not found or expired")
                                  : oauth_reply_raw(r, 404, "text/html; charset=utf-8",
                                                    oauth_page_error("Request expired",
                                                                     "This sign-in request was not "
                                                                     "found or has expired; start "
                                                                     "again from your application."));
        return page_reply(r, 200, &q, NULL);
    }
    const char *client_id = req_param(r, "client_id");
    const char *redirect = req_param(r, "redirect_uri");
    const char *rtype = req_param(r, "response_type");
    const char *chal = req_param(r, "code_challenge");
    const char *method = req_param(r, "code_challenge_method");
    const char *state = req_param(r, "state");
    const char *scope = req_param(r, "scope");
    const char *stype = req_param(r, "scope_type");
    const char *agent = req_param(r, "agent_name");
    const char *hint = req_param(r, "login_hint");
    if (!client_id || !text_ok(client_id, 1, 200))
        return authorize_fail(r, "client_id", "client_id is required (1-200 printable bytes)");
    if (!redirect || !redirect_uri_ok(redirect))
        return authorize_fail(r, "redirect_uri",
                              "redirect_uri must be an https URL or an http URL on 127.0.0.1, "
                              "localhost or [::1], without a fragment");
    if (!rtype || strcmp(rtype, "code") != 0)
        return authorize_fail(r, "response_type", "response_type must be 'code'");
    if (!method || strcmp(method, "S256") != 0)
        return authorize_fail(r, "code_challenge_method",
                              "code_challenge_method must be S256 (plain is not supported)");
    if (!chal || strlen(chal) != 43 || !b64url_chars(chal))
        return authorize_fail(r, "code_challenge",
                              "code_challenge must be BASE64URL(SHA-256(verifier)): 43 characters");
    if (state && !text_ok(state, 0, 500))
        return authorize_fail(r, "state", "state is limited to 500 printable bytes");
    if (scope && !text_ok(scope, 0, 500))
        return authorize_fail(r, "scope", "scope is limited to 500 printable bytes");
    if (agent && !text_ok(agent, 0, 100))
        return authorize_fail(r, "agent_name", "agent_name is limited to 100 printable bytes");
    if (hint && !text_ok(hint, 0, 254))
        return authorize_fail(r, "login_hint", "login_hint is limited to 254 printable bytes");
    bool st_ok = !stype || !*stype;
    for (size_t i = 0; !st_ok && i < sizeof(scope_types) / sizeof(scope_types[0]); i++)
        st_ok = strcmp(stype, scope_types[i]) == 0;
    if (!st_ok)
        return authorize_fail(r, "scope_type",
                              "scope_type must be user, org, workspace, all_orgs, all_workspaces "
                              "or all_shares");

    unsigned char raw[24];
    if (!fio_random_bytes(raw, sizeof(raw)))
        return req_fail_internal(r, "random");
    fio_b64url_encode(raw, sizeof(raw), q.id, sizeof(q.id));
    fio_strlcpy(q.client_id, client_id, sizeof(q.client_id));
    fio_strlcpy(q.redirect_uri, redirect, sizeof(q.redirect_uri));
    fio_strlcpy(q.challenge, chal, sizeof(q.challenge));
    fio_strlcpy(q.state, state ? state : "", sizeof(q.state));
    fio_strlcpy(q.scope, scope ? scope : "", sizeof(q.scope));
    fio_strlcpy(q.scope_type, stype && *stype ? stype : "user", sizeof(q.scope_type));
    fio_strlcpy(q.agent_name, agent ? agent : "", sizeof(q.agent_name));
    fio_strlcpy(q.login_hint, hint ? hint : "", sizeof(q.login_hint));
    int64_t now = srv_now_us();
    int64_t ttl = r->srv->cfg.oauth_request_ttl_s;
    /* Expired requests are pruned on each new one (by the store), bounding the table. */
    if (STORE(r->st, oauth)->request_add(r->st, &q, now, now + ttl * 1000000) != STORE_OK)
        return req_fail_internal(r, "store authorization request");
    if (!json_format(r))
        return page_reply(r, 200, &q, NULL);
    char base[512];
    struct fio_buf url;
    oauth_base_url(r->srv, base, sizeof(base));
    fio_buf_init(&url, 4096);
    if (!fio_buf_printf(&url, "%s/current/oauth/authorize/?auth_request_id=%s", base, q.id)) {
        fio_buf_release(&url);
        return req_fail(r, 500, 0, "Out of memory");
    }
    char *u = fio_buf_steal(&url);
    int ret = req_set(r, "auth_request_id", json_string(q.id)) ||
              req_set(r, "authorization_url", json_string(u)) ||
              req_set(r, "expires_in", json_integer(ttl));
    free(u);
    return ret ? -1 : 0;
}

/* redirect_uri plus "?k=v&..." (or "&" when it has a query), values percent-encoded; pairs with
 * a NULL or empty value are skipped. Owned: free(). NULL on OOM. */
static char *redirect_with(const char *uri, const char *const *kv, size_t n)
{
    struct fio_buf b;
    fio_buf_init(&b, 8192);
    bool ok = fio_buf_append_str(&b, uri);
    char sep = strchr(uri, '?') ? '&' : '?';
    for (size_t i = 0; ok && i + 1 < n; i += 2) {
        if (!kv[i + 1] || !*kv[i + 1])
            continue;
        ok = fio_buf_append(&b, &sep, 1) && fio_buf_append_str(&b, kv[i]) &&
             fio_buf_append(&b, "=", 1) &&
             fio_url_escape(&b, kv[i + 1], strlen(kv[i + 1]), false, NULL);
        sep = '&';
    }
    if (!ok) {
        fio_buf_release(&b);
        return NULL;
    }
    return fio_buf_steal(&b);
}

static int redirect_reply(struct req *r, char *to)
{
    if (!to)
        return req_fail(r, 500, 0, "Out of memory");
    if (json_format(r)) {
        int ret = req_set(r, "redirect_to", json_string(to));
        free(to);
        return ret;
    }
    free(r->location);
    r->location = to;
    char *body = fio_strdup("");
    return oauth_reply_raw(r, 302, "text/plain; charset=utf-8", body);
}

/* POST /current/oauth/authorize/ (api §2.5): complete a pending request. Parameters:
 * auth_request_id, consent=approve|deny, and who approves: the Bearer caller, or email +
 * password (the HTML form). response_format=json answers {code, state, redirect_to}; otherwise a
 * 302 to redirect_uri?code=…&state=… (or ?error=access_denied&state=…). The password KDF runs
 * before the write transaction (F_OWN_TXN). */
int h_oauth_authorize_post(struct req *r)
{
    const char *rid = req_param_required(r, "auth_request_id");
    if (!rid)
        return -1;
    const char *consent = req_param(r, "consent");
    if (!consent || (strcmp(consent, "approve") != 0 && strcmp(consent, "deny") != 0))
        return req_fail_param(r, "consent", "invalid", "consent must be 'approve' or 'deny'");
    struct store_oauth_request q;
    memset(&q, 0, sizeof(q));
    if (!load_request(r, rid, &q)) {
        if (json_format(r))
            return req_fail(r, 404, API_ERR_NOT_FOUND, "Authorization request not found or expired");
        return oauth_reply_raw(r, 404, "text/html; charset=utf-8",
                               oauth_page_error("Request expired",
                                                "This sign-in request was not found or has "
                                                "expired; start again from your application."));
    }
    bool approve = strcmp(consent, "approve") == 0;
    char user_id[FIO_PROFILE_ID_SIZE] = "";
    if (approve) {
        if (r->caller.authed) {
            fio_strlcpy(user_id, r->caller.user_id, sizeof(user_id));
        } else {
            const char *email = req_param(r, "email");
            const char *pw = req_param(r, "password");
            if (!email || !*email || !pw || !*pw ||
                auth_password_check(r->srv, r->st, email, pw, user_id) != 0) {
                if (json_format(r))
                    return req_fail(r, 401, API_ERR_AUTH,
                                    "Sign in with a Bearer token or a correct email and password");
                return page_reply(r, 401, &q, "Wrong email or password.");
            }
        }
    }

    char code[96], hash[OAUTH_HASH_HEX];
    if (approve && !oauth_new_secret(OAUTH_PREFIX_CODE, code, sizeof(code), hash))
        return req_fail_internal(r, "code generation");
    if (store_begin(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    int64_t now = srv_now_us();
    /* Single use: whoever deletes the request row issues the code. */
    bool mine = false;
    enum store_rc rc = STORE(r->st, oauth)->request_take(r->st, q.id, now, &mine);
    /* Codes stay a day after expiry so that a replay can still revoke what they issued. */
    if (rc == STORE_OK && mine && approve)
        rc = STORE(r->st, oauth)->code_add(r->st, hash, user_id, &q, now,
                                           now + r->srv->cfg.oauth_code_ttl_s * 1000000,
                                           now - (int64_t)86400 * 1000000);
    if (rc != STORE_OK || store_commit(r->st) != STORE_OK) {
        store_rollback(r->st);
        return req_fail_internal(r, "issue code");
    }
    if (!mine)
        return json_format(r)
                   ? req_fail(r, 404, API_ERR_NOT_FOUND, "Authorization request not found or expired")
                   : oauth_reply_raw(r, 404, "text/html; charset=utf-8",
                                     oauth_page_error("Request expired",
                                                      "This sign-in request was already used or "
                                                      "has expired."));
    if (approve && json_format(r) &&
        (req_set(r, "code", json_string(code)) || req_set(r, "state", json_string(q.state))))
        return -1;
    const char *kv[] = {"code", approve ? code : NULL, "error", approve ? NULL : "access_denied",
                        "state", q.state};
    return redirect_reply(r, redirect_with(q.redirect_uri, kv, sizeof(kv) / sizeof(kv[0])));
}

/* ---- token endpoint (RFC 6749 §4.1.3, §6; RFC 7636 §4.5) ----------------------------------- */

/* Issue an access + refresh token pair in session_id and answer the RFC 6749 §5.1 body. */
static int issue_tokens(struct req *r, const char *session_id, const char *scope)
{
    char at[96], ah[OAUTH_HASH_HEX], rt[96], rh[OAUTH_HASH_HEX];
    if (!oauth_new_secret(OAUTH_PREFIX_ACCESS, at, sizeof(at), ah) ||
        !oauth_new_secret(OAUTH_PREFIX_REFRESH, rt, sizeof(rt), rh))
        return req_fail_internal(r, "token generation");
    int64_t now = srv_now_us();
    long attl = r->srv->cfg.oauth_access_ttl_s, rttl = r->srv->cfg.oauth_refresh_ttl_s;
    if (STORE(r->st, oauth)->tokens_add(r->st, session_id, ah, now + (int64_t)attl * 1000000, rh,
                                        now + (int64_t)rttl * 1000000, now) != STORE_OK)
        return req_fail_internal(r, "store tokens");
    json_t *body = json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s}", "access_token", at,
                             "token_type", "Bearer", "expires_in", (json_int_t)attl,
                             "refresh_token", rt, "refresh_token_expires_in", (json_int_t)rttl,
                             "scope", scope, "session_id", session_id);
    explicit_bzero(at, sizeof(at));
    explicit_bzero(rt, sizeof(rt));
    return oauth_reply_json(r, 200, body);
}

static int grant_code(struct req *r)
{
    const char *code = req_param(r, "code");
    const char *verifier = req_param(r, "code_verifier");
    const char *redirect = req_param(r, "redirect_uri");
    const char *client_id = req_param(r, "client_id");
    if (!code || !*code || !verifier || !*verifier || !redirect || !*redirect || !client_id ||
        !*client_id)
        return oauth_error(r, 400, "invalid_request",
                           "code, code_verifier, redirect_uri and client_id are required");
    if (strlen(code) > 200)
        return oauth_error(r, 400, "invalid_grant", "The authorization code is invalid");
    char hash[OAUTH_HASH_HEX];
    oauth_sha256_hex(code, hash);
    struct store_oauth_code k;
    enum store_rc found = STORE(r->st, oauth)->code_get(r->st, hash, &k);
    if (found == STORE_NOT_FOUND)
        return oauth_error(r, 400, "invalid_grant", "The authorization code is invalid");
    if (found != STORE_OK)
        return req_fail_internal(r, "code lookup");
    const char *user_id = k.user_id, *cid = k.client_id, *ruri = k.redirect_uri,
               *chal = k.challenge, *scope = k.scope, *stype = k.scope_type, *agent = k.agent_name,
               *used_session = k.session_id;
    int64_t expires = k.expires;
    bool used = k.used;

    if (used) {
        /* RFC 6749 §4.1.2: a code used twice revokes what it issued. */
        if (*used_session && oauth_session_delete(r->st, used_session) != 0)
            return req_fail_internal(r, "revoke on code reuse");
        srv_log(r->srv, SRV_LOG_WARN, "oauth: authorization code reused; session %s revoked",
                *used_session ? used_session : "(none)");
        return oauth_error(r, 400, "invalid_grant",
                           "The authorization code was already used; the tokens it issued are "
                           "revoked");
    }
    /* Any failed exchange burns the code: one attempt per code. */
    if (STORE(r->st, oauth)->code_mark_used(r->st, hash) != STORE_OK)
        return req_fail_internal(r, "mark code used");
    if (expires <= srv_now_us())
        return oauth_error(r, 400, "invalid_grant", "The authorization code has expired");
    if (strcmp(cid, client_id) != 0)
        return oauth_error(r, 400, "invalid_grant",
                           "The authorization code was issued to another client");
    if (!redirect_uri_match(ruri, redirect))
        return oauth_error(r, 400, "invalid_grant",
                           "redirect_uri does not match the authorization request");
    if (!pkce_verify(verifier, chal))
        return oauth_error(r, 400, "invalid_grant", "The code_verifier does not match");

    const char *dname = req_param(r, "device_name");
    const char *dtype = req_param(r, "device_type");
    if ((dname && !text_ok(dname, 0, 100)) || (dtype && !text_ok(dtype, 0, 100)))
        return oauth_error(r, 400, "invalid_request",
                           "device_name and device_type are limited to 100 printable bytes");
    char sid[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_GENERAL, sid))
        return req_fail_internal(r, "session id");
    int64_t now = srv_now_us();
    /* The store prunes this user's sessions with no live token on each new one. */
    struct store_oauth_session_new ns = {
        .id = sid,
        .user_id = user_id,
        .client_id = cid,
        .scope = scope,
        .scope_type = stype,
        .device_name = dname && *dname ? dname : NULL,
        .device_type = dtype && *dtype ? dtype : NULL,
        .agent_name = *agent ? agent : NULL,
        .now = now,
    };
    enum store_rc rc = STORE(r->st, oauth)->session_add(r->st, &ns);
    if (rc == STORE_OK)
        rc = STORE(r->st, oauth)->code_set_session(r->st, hash, sid);
    if (rc != STORE_OK)
        return req_fail_internal(r, "create session");
    return issue_tokens(r, sid, *scope ? scope : stype);
}

static int grant_refresh(struct req *r)
{
    const char *tok = req_param(r, "refresh_token");
    const char *client_id = req_param(r, "client_id");
    if (!tok || !*tok)
        return oauth_error(r, 400, "invalid_request", "refresh_token is required");
    if (strlen(tok) > 200)
        return oauth_error(r, 400, "invalid_grant", "The refresh token is invalid");
    char hash[OAUTH_HASH_HEX];
    oauth_sha256_hex(tok, hash);
    struct store_oauth_refresh t;
    enum store_rc found = STORE(r->st, oauth)->refresh_get(r->st, hash, &t);
    if (found == STORE_NOT_FOUND)
        return oauth_error(r, 400, "invalid_grant", "The refresh token is invalid or revoked");
    if (found != STORE_OK)
        return req_fail_internal(r, "refresh lookup");
    const char *sid = t.session_id, *cid = t.client_id, *scope = t.scope, *stype = t.scope_type;
    int64_t expires = t.expires;
    bool rotated = t.rotated;
    if (rotated) {
        /* RFC 9700 §4.14.2: a rotated refresh token presented again means it leaked (or two
         * parties share it): revoke the whole session, the newest tokens included. */
        if (oauth_session_delete(r->st, sid) != 0)
            return req_fail_internal(r, "revoke on refresh reuse");
        srv_log(r->srv, SRV_LOG_WARN, "oauth: rotated refresh token reused; session %s revoked",
                sid);
        return oauth_error(r, 400, "invalid_grant",
                           "The refresh token was already used; the session is revoked");
    }
    if (expires <= srv_now_us())
        return oauth_error(r, 400, "invalid_grant", "The refresh token has expired");
    if (client_id && *client_id && strcmp(client_id, cid) != 0)
        return oauth_error(r, 400, "invalid_grant", "The refresh token belongs to another client");
    if (STORE(r->st, oauth)->refresh_rotate(r->st, hash) != STORE_OK)
        return req_fail_internal(r, "rotate");
    return issue_tokens(r, sid, *scope ? scope : stype);
}

/* POST /current/oauth/token/ (api §2.5): plain OAuth JSON bodies, never the envelope. */
int h_oauth_token(struct req *r)
{
    const char *gt = req_param(r, "grant_type");
    if (!gt || !*gt)
        return oauth_error(r, 400, "invalid_request", "grant_type is required");
    if (strcmp(gt, "authorization_code") == 0)
        return grant_code(r);
    if (strcmp(gt, "refresh_token") == 0)
        return grant_refresh(r);
    return oauth_error(r, 400, "unsupported_grant_type",
                       "Only authorization_code (with PKCE) and refresh_token are supported");
}

/* POST /current/oauth/revoke/ (RFC 7009): a refresh token revokes its whole session, an access
 * token only itself. Unknown tokens are not an error: always 200. */
int h_oauth_revoke(struct req *r)
{
    const char *tok = req_param(r, "token");
    if (!tok || !*tok)
        return oauth_error(r, 400, "invalid_request", "token is required");
    if (strlen(tok) <= 200) {
        char hash[OAUTH_HASH_HEX];
        oauth_sha256_hex(tok, hash);
        if (STORE(r->st, oauth)->revoke(r->st, hash) != STORE_OK)
            return req_fail_internal(r, "revoke");
    }
    return 0; /* the envelope {result: true}: RFC 7009 clients ignore the body */
}
