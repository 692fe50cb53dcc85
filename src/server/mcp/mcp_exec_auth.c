/* SPDX-License-Identifier: MIT */
/* mcp_exec_auth.c - the auth tool's local actions (api §10.1): status, signin (email and
 * password), set-api-key, signout, and the browser sign-in pkce-login / pkce-complete (OAuth 2.0
 * with PKCE). The token a sign-in gets is kept in the MCP session (mcp_sess_set_token). */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "form.h"
#include "mcp_exec_int.h"
#include "rand.h"

/* ---- auth --------------------------------------------------------------------------------- */

json_t *mcpx_auth_status(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char token[1100], method[16], authz[1200];
    mcp_sess_token(ex->sess, token, sizeof(token), method, sizeof(method));
    if (token[0] == '\0' && ex->bearer[0] != '\0') {
        fio_strlcpy(token, ex->bearer, sizeof(token));
        fio_strlcpy(method, "bearer", sizeof(method));
    }
    json_t *o =
        json_pack("{s:b, s:s, s:s, s:s}", "authenticated", 0, "session_id", mcp_sess_id(ex->sess),
                  "protocol_version", s->proto, "client", s->client_name);
    if (token[0] != '\0') {
        mcpx_authz_of(token, authz, sizeof(authz));
        struct mcp_ires res;
        if (mcp_internal(ex->srv, ex->client_ip, "GET", "/auth/scopes/", NULL, NULL, NULL, NULL, 0,
                         authz, &res) == 0) {
            json_object_set_new(o, "authenticated", json_true());
            json_object_set_new(o, "auth_method", json_string(method));
            json_object_update(o, res.body);
        } else {
            json_object_set_new(o, "auth_error", json_string(res.text));
        }
        mcp_ires_clear(&res);
        struct mcp_ires me;
        if (mcp_internal(ex->srv, ex->client_ip, "GET", "/user/me/details/", NULL, NULL, NULL, NULL,
                         0, authz, &me) == 0) {
            json_t *u = json_object_get(me.body, "user");
            json_object_set(o, "user_id", json_object_get(u, "id"));
            json_object_set(o, "user_email", json_object_get(u, "email_address"));
        }
        mcp_ires_clear(&me);
    }
    explicit_bzero(token, sizeof(token));
    explicit_bzero(authz, sizeof(authz));
    return mcpx_result_steal(c, "Session status", o, s);
}

json_t *mcpx_auth_signin(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    const char *email = mcp_call_arg(c, "email");
    const char *pw = mcp_call_arg(c, "password");
    size_t el = strlen(email), pl = strlen(pw);
    if (el > 256 || pl > 1024 || strchr(email, ':') != NULL)
        return mcp_result_message("email or password too long (or email holds ':')", true);
    char cred[1300], b64[1800], authz[1900];
    snprintf(cred, sizeof(cred), "%s:%s", email, pw);
    fio_b64_encode(cred, strlen(cred), b64, sizeof(b64));
    snprintf(authz, sizeof(authz), "Basic %s", b64);
    explicit_bzero(cred, sizeof(cred));
    explicit_bzero(b64, sizeof(b64));
    struct mcp_ires res;
    int rc = mcp_internal(ex->srv, ex->client_ip, "GET", "/user/auth/", NULL, NULL, NULL, NULL, 0,
                          authz, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        return mcpx_api_fail(c, &res, s);
    }
    const char *tok = json_string_value(json_object_get(res.body, "auth_token"));
    const char *uid = json_string_value(json_object_get(res.body, "user_id"));
    if (tok == NULL) {
        mcp_ires_clear(&res);
        return mcp_result_message("sign-in answered without a token (2-factor accounts are "
                                  "not supported over MCP)",
                                  true);
    }
    mcp_sess_set_token(ex->sess, tok, "jwt", uid, email);
    json_t *o =
        json_pack("{s:b, s:s?, s:s, s:s, s:O?}", "signed_in", 1, "user_id", uid, "email", email,
                  "auth_method", "jwt", "expires_in", json_object_get(res.body, "expires_in"));
    mcp_ires_clear(&res);
    return mcpx_result_steal(c, "Signed in", o, s);
}

json_t *mcpx_auth_set_key(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    const char *key = mcp_call_arg(c, "api_key");
    char authz[1200];
    if (strlen(key) > 1024)
        return mcp_result_message("api_key too long", true);
    mcpx_authz_of(key, authz, sizeof(authz));
    struct mcp_ires res;
    int rc = mcp_internal(ex->srv, ex->client_ip, "GET", "/user/auth/check/", NULL, NULL, NULL,
                          NULL, 0, authz, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        return mcpx_api_fail(c, &res, s);
    }
    const char *uid = json_string_value(json_object_get(res.body, "id"));
    const char *method = strncmp(key, "fio_k_", 6) == 0 ? "api_key" : "token";
    mcp_sess_set_token(ex->sess, key, method, uid, "");
    json_t *o =
        json_pack("{s:b, s:s?, s:s}", "signed_in", 1, "user_id", uid, "auth_method", method);
    mcp_ires_clear(&res);
    return mcpx_result_steal(c, "API key set for this session", o, s);
}

json_t *mcpx_auth_signout(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char token[1100], method[16], authz[1200];
    mcp_sess_token(ex->sess, token, sizeof(token), method, sizeof(method));
    bool invalidated = false;
    if (token[0] != '\0' && strcmp(method, "jwt") == 0) {
        /* A sign-in token is this session's own: invalidate it. Keys and OAuth tokens the user
         * brought are only forgotten (they may serve elsewhere). */
        mcpx_authz_of(token, authz, sizeof(authz));
        struct mcp_ires res;
        invalidated = mcp_internal(ex->srv, ex->client_ip, "POST", "/user/auth/sign-out/", NULL,
                                   NULL, NULL, NULL, 0, authz, &res) == 0;
        mcp_ires_clear(&res);
        explicit_bzero(authz, sizeof(authz));
    }
    explicit_bzero(token, sizeof(token));
    mcp_sess_set_token(ex->sess, "", "", "", "");
    json_t *o = json_pack("{s:b, s:b}", "signed_in", 0, "token_invalidated", invalidated);
    return mcpx_result_steal(c, "Signed out", o, s);
}

json_t *mcpx_auth_pkce_login(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    unsigned char raw[32], digest[SHA256_DIGEST_LENGTH], st_raw[12];
    char verifier[64], challenge[64], state[24], base[300], redirect[400];
    if (!fio_random_bytes(raw, sizeof(raw)) || !fio_random_bytes(st_raw, sizeof(st_raw)))
        return mcp_result_message("no randomness available", true);
    fio_b64url_encode(raw, sizeof(raw), verifier, sizeof(verifier));
    SHA256((const unsigned char *)verifier, strlen(verifier), digest);
    fio_b64url_encode(digest, sizeof(digest), challenge, sizeof(challenge));
    fio_b64url_encode(st_raw, sizeof(st_raw), state, sizeof(state));
    mcp_base_url(ex->srv, base, sizeof(base));
    const char *ru = mcp_call_arg(c, "redirect_uri");
    snprintf(redirect, sizeof(redirect), "%s", ru != NULL ? ru : "http://127.0.0.1/mcp-pkce");
    struct fio_form q;
    fio_form_init(&q);
    fio_form_add(&q, "client_id", "fastio-mcp");
    fio_form_add(&q, "response_type", "code");
    fio_form_add(&q, "code_challenge", challenge);
    fio_form_add(&q, "code_challenge_method", "S256");
    fio_form_add(&q, "state", state);
    fio_form_add(&q, "redirect_uri", redirect);
    fio_form_add(&q, "response_format", "json");
    if (mcp_call_arg(c, "scope_type") != NULL)
        fio_form_add(&q, "scope_type", mcp_call_arg(c, "scope_type"));
    fio_form_add(&q, "agent_name",
                 mcp_call_arg(c, "agent_name") != NULL
                     ? mcp_call_arg(c, "agent_name")
                     : (s->client_name[0] ? s->client_name : "mcp"));
    struct mcp_ires res;
    int rc = mcp_internal(ex->srv, ex->client_ip, "GET", "/oauth/authorize/", &q, NULL, NULL, NULL,
                          0, NULL, &res);
    fio_form_release(&q);
    if (rc != 0) {
        return mcpx_api_fail(c, &res, s);
    }
    char keep[600];
    snprintf(keep, sizeof(keep), "%s %s", verifier, redirect);
    mcp_sess_pkce(ex->sess, keep, 0, true);
    explicit_bzero(keep, sizeof(keep));
    explicit_bzero(verifier, sizeof(verifier));
    json_t *o = json_deep_copy(res.body);
    json_object_set_new(o, "instructions",
                        json_string("Open login_url (or the URL in this answer) in a browser, "
                                    "sign in and approve; then call auth pkce-complete with the "
                                    "code shown in the redirect's ?code= parameter."));
    json_object_set_new(o, "state", json_string(state));
    mcp_ires_clear(&res);
    return mcpx_result_steal(c, "Browser sign-in started", o, s);
}

json_t *mcpx_auth_pkce_complete(struct mcp_exec *ex, struct mcp_rpc_sess *s,
                                const struct mcp_call *c)
{
    char keep[600] = "";
    mcp_sess_pkce(ex->sess, keep, sizeof(keep), false);
    char *sp = strchr(keep, ' ');
    if (keep[0] == '\0' || sp == NULL)
        return mcp_result_message("No browser sign-in is pending in this session: call auth "
                                  "pkce-login first.",
                                  true);
    *sp = '\0';
    struct fio_form f;
    fio_form_init(&f);
    fio_form_add(&f, "grant_type", "authorization_code");
    fio_form_add(&f, "client_id", "fastio-mcp");
    fio_form_add(&f, "code", mcp_call_arg(c, "code"));
    fio_form_add(&f, "code_verifier", keep);
    fio_form_add(&f, "redirect_uri", sp + 1);
    fio_form_add(&f, "device_name", "MCP session");
    struct mcp_ires res;
    int rc = mcp_internal(ex->srv, ex->client_ip, "POST", "/oauth/token/", NULL, &f,
                          "application/x-www-form-urlencoded", NULL, 0, NULL, &res);
    fio_form_release(&f);
    explicit_bzero(keep, sizeof(keep));
    if (rc != 0) {
        return mcpx_api_fail(c, &res, s);
    }
    const char *tok = json_string_value(json_object_get(res.body, "access_token"));
    if (tok == NULL) {
        mcp_ires_clear(&res);
        return mcp_result_message("the token endpoint answered without an access_token", true);
    }
    mcp_sess_set_token(ex->sess, tok, "oauth", "", "");
    mcp_sess_pkce(ex->sess, (char *)"", 0, true);
    json_t *o = json_pack("{s:b, s:s, s:O?}", "signed_in", 1, "auth_method", "oauth", "expires_in",
                          json_object_get(res.body, "expires_in"));
    mcp_ires_clear(&res);
    return mcpx_result_steal(c, "Signed in (OAuth)", o, s);
}
