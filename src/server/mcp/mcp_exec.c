/* SPDX-License-Identifier: MIT */
/* mcp_exec.c - the MCP server operations of fastio-server (mcp_srv_ops): tools/list from the
 * shared catalogue (named mode) or the code-mode set, tools/call executed as internal requests
 * through the REST router (mcp_internal.c), the auth tool's session sign-in, composite actions
 * (upload text / stream / chunk, download file-url / read), resources and the conformance
 * fixtures. api §10.1. */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "blob.h"
#include "form.h"
#include "mcp.h"
#include "mcp_catalog.h"
#include "mcp_result.h"
#include "activity.h"
#include "rand.h"
#include "timeutil.h"

#define INLINE_MAX (1024 * 1024)    /* bytes a download read returns inline */
#define URL_INLINE_MAX (64 * 1024)  /* file-url also returns a file this small inline */
#define READ_PIECE (256 * 1024)     /* a download read reports progress per piece */
#define POLL_WAIT_MAX 95            /* seconds an activity-poll call waits (api §9.5) */
#define IMPORT_WAIT_MAX 300         /* seconds a web-import call waits for the import */

/* ---- helpers ------------------------------------------------------------------------------ */

static bool structured(const struct mcp_rpc_sess *s)
{
    return mcp_proto_structured(s->proto);
}

/* The token a call uses: the request's own Bearer token, else the session's (a sign-in
 * through the auth tool, or the Bearer token the session was opened with). */
static void call_token(struct mcp_exec *ex, char *tok, size_t len)
{
    if (ex->bearer[0] != '\0') {
        fio_strlcpy(tok, ex->bearer, len);
        return;
    }
    mcp_sess_token(ex->sess, tok, len, NULL, 0);
}

static void authz_of(const char *tok, char *out, size_t len)
{
    if (tok[0] == '\0')
        out[0] = '\0';
    else
        snprintf(out, len, "Bearer %s", tok);
}

/* path template with "{}" filled by percent-encoded args (',' kept: api §4.2). */
static bool fill_path(const char *tmpl, const char *const *args, size_t n, struct fio_buf *out)
{
    size_t k = 0;
    for (const char *p = tmpl; *p != '\0'; p++) {
        if (p[0] == '{' && p[1] == '}') {
            if (k >= n)
                return false;
            if (!fio_url_escape(out, args[k], strlen(args[k]), false, ","))
                return false;
            k++;
            p++;
        } else if (!fio_buf_append(out, p, 1)) {
            return false;
        }
    }
    return k == n;
}

static void progress(const json_t *tok, mcp_emit_fn emit, void *ctx, double done, double total,
                     const char *msg)
{
    if (tok != NULL && emit != NULL)
        emit(ctx, mcp_progress_notification(tok, done, total, msg));
}

/* Progress of one call in units that only grow (bytes, seconds): a notification only when the
 * value moved forward (the specification asks for increasing progress). */
struct prog {
    const json_t *tok;
    mcp_emit_fn emit;
    void *ctx;
    const struct mcp_rpc_sess *s;
    const char *what;
    double last;
    bool any;
};

static void prog_at(struct prog *p, double done, double total, const char *msg)
{
    if (p->tok == NULL || p->emit == NULL || (p->any && done <= p->last))
        return;
    p->any = true;
    p->last = done;
    p->emit(p->ctx, mcp_progress_notification(p->tok, done, total, msg));
}

static void prog_log(struct prog *p, const char *level, const char *text)
{
    if (p->emit != NULL && mcp_log_wanted(p->s, level))
        p->emit(p->ctx, mcp_log_notification(level, "fastio", text));
}

/* mcp_piece_fn: a piece of a body went to the route. */
static void prog_piece(void *u, size_t done, size_t total)
{
    struct prog *p = u;
    char msg[160];
    snprintf(msg, sizeof(msg), "%s: %zu of %zu bytes", p->what, done, total);
    prog_at(p, (double)done, (double)total, msg);
    prog_log(p, "debug", msg);
}

static json_t *api_error(const struct mcp_call *c, const struct mcp_ires *res,
                         const struct mcp_rpc_sess *s)
{
    return mcp_result_error(c, res->http, res->code, res->text, structured(s));
}

/* mcp_result_ok() for data made here (freed). */
static json_t *result_steal(const struct mcp_call *c, const char *title, json_t *data,
                            const struct mcp_rpc_sess *s)
{
    json_t *out = mcp_result_ok(c, title, data, structured(s));
    json_decref(data);
    return out;
}

/* ---- row actions -------------------------------------------------------------------------- */

/* Run a row with the call's arguments (or explicit ones) through the router. */
static int run_row(struct mcp_exec *ex, const struct fastio_endpoint_info *row,
                   const char *const *path_args, size_t n_path, const struct fastio_param *params,
                   size_t n_params, const char *authz, const char *ctype, const char *body,
                   size_t blen, struct mcp_ires *res)
{
    struct fio_buf path;
    fio_buf_init(&path, 4096);
    if (!fill_path(row->path, path_args, n_path, &path)) {
        fio_buf_release(&path);
        memset(res, 0, sizeof(*res));
        res->http = 400;
        snprintf(res->text, sizeof(res->text), "bad path arguments");
        return -1;
    }
    struct fio_form q, f;
    fio_form_init(&q);
    fio_form_init(&f);
    for (size_t i = 0; i < n_params; i++) {
        const struct fastio_param_info *pi = fastio_endpoint_param(row, params[i].name);
        bool in_query = pi == NULL || pi->in == FASTIO_PARAM_IN_QUERY ||
                        row->params == FASTIO_PARAMS_QUERY || row->params == FASTIO_PARAMS_NONE;
        fio_form_add(in_query ? &q : &f, params[i].name, params[i].value);
    }
    int rc = mcp_internal(ex->srv, ex->client_ip, fastio_method_name(row->method), path.data, &q,
                          &f, f.count > 0 ? "application/x-www-form-urlencoded" : ctype, body,
                          blen, authz, res);
    fio_form_release(&q);
    fio_form_release(&f);
    fio_buf_release(&path);
    return rc;
}

static json_t *exec_row(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                        const json_t *tok, mcp_emit_fn emit, void *ectx)
{
    char token[1100], authz[1200];
    call_token(ex, token, sizeof(token));
    authz_of(c->row->auth == FASTIO_AUTH_BEARER ? token : "", authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    progress(tok, emit, ectx, 0, 1, c->row->doc);
    struct mcp_ires res;
    int rc = run_row(ex, c->row, c->path_args, c->n_path, c->params, c->n_params,
                     authz[0] ? authz : NULL, NULL, NULL, 0, &res);
    explicit_bzero(authz, sizeof(authz));
    progress(tok, emit, ectx, 1, 1, rc == 0 ? "done" : "failed");
    if (mcp_log_wanted(s, "info") && emit != NULL) {
        char line[300];
        snprintf(line, sizeof(line), "%s %s -> HTTP %d", c->tool->name, c->action->name,
                 res.http);
        emit(ectx, mcp_log_notification("info", "fastio", line));
    }
    json_t *out;
    if (rc != 0) {
        out = api_error(c, &res, s);
    } else {
        char title[160];
        snprintf(title, sizeof(title), "%s %s", c->tool->name, c->action->name);
        out = mcp_result_ok(c, title, res.body, structured(s));
    }
    mcp_ires_clear(&res);
    return out;
}

/* ---- ai ask: create the chat, then wait (bounded) for its answer ---------------------------- */

#define AI_ASK_LOOKS 600 /* x 100 ms: the wait of `ai ask` */

/* Look at message msg of chat every 100 ms (at most AI_ASK_LOOKS times) until it is final: 0
 * with *m (owned: the last message seen), or -1 with the error in *res. */
static int ai_wait(struct mcp_exec *ex, const char *ws, const char *chat, const char *msg,
                   const char *authz, json_t **m, struct mcp_ires *res)
{
    const struct fastio_endpoint_info *details =
        fastio_endpoint_get(FASTIO_EP_AI_MESSAGE_DETAILS);
    const char *const args[3] = {ws, chat, msg};
    *m = NULL;
    for (int i = 0; i < AI_ASK_LOOKS; i++) {
        if (run_row(ex, details, args, 3, NULL, 0, authz[0] ? authz : NULL, NULL, NULL, 0, res) !=
            0) {
            json_decref(*m);
            *m = NULL;
            return -1;
        }
        json_decref(*m);
        *m = json_incref(json_object_get(res->body, "message"));
        mcp_ires_clear(res);
        const char *st = json_string_value(json_object_get(*m, "state"));
        if (st && (strcmp(st, "complete") == 0 || strcmp(st, "errored") == 0 ||
                   strcmp(st, "needs_input") == 0))
            break;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* message-read: the message once it is final (or as it is after the wait). */
static json_t *ai_message_read(struct mcp_exec *ex, struct mcp_rpc_sess *s,
                               const struct mcp_call *c)
{
    char token[1100], authz[1200];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    if (c->n_path < 3) {
        explicit_bzero(authz, sizeof(authz));
        return mcp_result_message("workspace_id, chat_id and message_id are required", true);
    }
    struct mcp_ires res;
    json_t *m = NULL;
    int rc = ai_wait(ex, c->path_args[0], c->path_args[1], c->path_args[2], authz, &m, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    return result_steal(c, "AI message", json_pack("{s:o}", "message", m), s);
}

static json_t *ai_ask(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char token[1100], authz[1200];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    struct mcp_ires res;
    int rc = run_row(ex, c->row, c->path_args, c->n_path, c->params, c->n_params,
                     authz[0] ? authz : NULL, NULL, NULL, 0, &res);
    if (rc != 0) {
        explicit_bzero(authz, sizeof(authz));
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    char chat[64], msg[64];
    snprintf(chat, sizeof(chat), "%s", json_string_value(json_object_get(res.body, "chat_id")));
    snprintf(msg, sizeof(msg), "%s", json_string_value(json_object_get(res.body, "message_id")));
    mcp_ires_clear(&res);
    json_t *m = NULL;
    rc = ai_wait(ex, c->path_args[0], chat, msg, authz, &m, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        json_decref(m);
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    /* the hosted server's ask shape (api §8.4) */
    json_t *o = json_pack("{s:O?, s:O?, s:O?, s:s, s:s}", "answer_text",
                          json_object_get(m, "text"), "citations",
                          json_object_get(m, "citations"), "state", json_object_get(m, "state"),
                          "chat_id", chat, "message_id", msg);
    if (o && json_object_get(m, "clarification"))
        json_object_set(o, "clarification", json_object_get(m, "clarification"));
    if (o && json_object_get(m, "error_message"))
        json_object_set(o, "error_message", json_object_get(m, "error_message"));
    json_decref(m);
    return result_steal(c, "AI answer", o, s);
}

/* ---- auth --------------------------------------------------------------------------------- */

static json_t *auth_status(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char token[1100], method[16], authz[1200];
    mcp_sess_token(ex->sess, token, sizeof(token), method, sizeof(method));
    if (token[0] == '\0' && ex->bearer[0] != '\0') {
        fio_strlcpy(token, ex->bearer, sizeof(token));
        fio_strlcpy(method, "bearer", sizeof(method));
    }
    json_t *o = json_pack("{s:b, s:s, s:s, s:s}", "authenticated", 0, "session_id",
                          mcp_sess_id(ex->sess), "protocol_version", s->proto, "client",
                          s->client_name);
    if (token[0] != '\0') {
        authz_of(token, authz, sizeof(authz));
        struct mcp_ires res;
        if (mcp_internal(ex->srv, ex->client_ip, "GET", "/auth/scopes/", NULL, NULL, NULL, NULL,
                         0, authz, &res) == 0) {
            json_object_set_new(o, "authenticated", json_true());
            json_object_set_new(o, "auth_method", json_string(method));
            json_object_update(o, res.body);
        } else {
            json_object_set_new(o, "auth_error", json_string(res.text));
        }
        mcp_ires_clear(&res);
        struct mcp_ires me;
        if (mcp_internal(ex->srv, ex->client_ip, "GET", "/user/me/details/", NULL, NULL, NULL,
                         NULL, 0, authz, &me) == 0) {
            json_t *u = json_object_get(me.body, "user");
            json_object_set(o, "user_id", json_object_get(u, "id"));
            json_object_set(o, "user_email", json_object_get(u, "email_address"));
        }
        mcp_ires_clear(&me);
    }
    explicit_bzero(token, sizeof(token));
    explicit_bzero(authz, sizeof(authz));
    return result_steal(c, "Session status", o, s);
}

static json_t *auth_signin(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
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
    int rc = mcp_internal(ex->srv, ex->client_ip, "GET", "/user/auth/", NULL, NULL, NULL, NULL,
                          0, authz, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
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
    json_t *o = json_pack("{s:b, s:s?, s:s, s:s, s:O?}", "signed_in", 1, "user_id", uid,
                          "email", email, "auth_method", "jwt", "expires_in",
                          json_object_get(res.body, "expires_in"));
    mcp_ires_clear(&res);
    return result_steal(c, "Signed in", o, s);
}

static json_t *auth_set_key(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    const char *key = mcp_call_arg(c, "api_key");
    char authz[1200];
    if (strlen(key) > 1024)
        return mcp_result_message("api_key too long", true);
    authz_of(key, authz, sizeof(authz));
    struct mcp_ires res;
    int rc = mcp_internal(ex->srv, ex->client_ip, "GET", "/user/auth/check/", NULL, NULL, NULL,
                          NULL, 0, authz, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    const char *uid = json_string_value(json_object_get(res.body, "id"));
    const char *method = strncmp(key, "fio_k_", 6) == 0 ? "api_key" : "token";
    mcp_sess_set_token(ex->sess, key, method, uid, "");
    json_t *o = json_pack("{s:b, s:s?, s:s}", "signed_in", 1, "user_id", uid, "auth_method",
                          method);
    mcp_ires_clear(&res);
    return result_steal(c, "API key set for this session", o, s);
}

static json_t *auth_signout(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char token[1100], method[16], authz[1200];
    mcp_sess_token(ex->sess, token, sizeof(token), method, sizeof(method));
    bool invalidated = false;
    if (token[0] != '\0' && strcmp(method, "jwt") == 0) {
        /* A sign-in token is this session's own: invalidate it. Keys and OAuth tokens the user
         * brought are only forgotten (they may serve elsewhere). */
        authz_of(token, authz, sizeof(authz));
        struct mcp_ires res;
        invalidated = mcp_internal(ex->srv, ex->client_ip, "POST", "/user/auth/sign-out/", NULL,
                                   NULL, NULL, NULL, 0, authz, &res) == 0;
        mcp_ires_clear(&res);
        explicit_bzero(authz, sizeof(authz));
    }
    explicit_bzero(token, sizeof(token));
    mcp_sess_set_token(ex->sess, "", "", "", "");
    json_t *o = json_pack("{s:b, s:b}", "signed_in", 0, "token_invalidated", invalidated);
    return result_steal(c, "Signed out", o, s);
}

static json_t *auth_pkce_login(struct mcp_exec *ex, struct mcp_rpc_sess *s,
                               const struct mcp_call *c)
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
    fio_form_add(&q, "agent_name", mcp_call_arg(c, "agent_name") != NULL
                                       ? mcp_call_arg(c, "agent_name")
                                       : (s->client_name[0] ? s->client_name : "mcp"));
    struct mcp_ires res;
    int rc = mcp_internal(ex->srv, ex->client_ip, "GET", "/oauth/authorize/", &q, NULL, NULL,
                          NULL, 0, NULL, &res);
    fio_form_release(&q);
    if (rc != 0) {
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
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
    return result_steal(c, "Browser sign-in started", o, s);
}

static json_t *auth_pkce_complete(struct mcp_exec *ex, struct mcp_rpc_sess *s,
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
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    const char *tok = json_string_value(json_object_get(res.body, "access_token"));
    if (tok == NULL) {
        mcp_ires_clear(&res);
        return mcp_result_message("the token endpoint answered without an access_token", true);
    }
    mcp_sess_set_token(ex->sess, tok, "oauth", "", "");
    mcp_sess_pkce(ex->sess, (char *)"", 0, true);
    json_t *o = json_pack("{s:b, s:s, s:O?}", "signed_in", 1, "auth_method", "oauth",
                          "expires_in", json_object_get(res.body, "expires_in"));
    mcp_ires_clear(&res);
    return result_steal(c, "Signed in (OAuth)", o, s);
}

/* ---- uploads ------------------------------------------------------------------------------ */

/* A new file (or version) from bytes: a stream session then its one body (api §5.5). */
static json_t *upload_bytes(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                            const char *data, size_t len, const json_t *ptok, mcp_emit_fn emit,
                            void *ectx)
{
    char token[1100], authz[1200], num[32];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    const char *file_id = mcp_call_arg(c, "file_id");
    struct fio_form f;
    fio_form_init(&f);
    fio_form_add(&f, "name", mcp_call_arg(c, "name"));
    fio_form_add(&f, "action", file_id != NULL ? "update" : "create");
    fio_form_add(&f, "instance_id", mcp_call_arg(c, "workspace_id"));
    fio_form_add(&f, "profile_type", "workspace");
    fio_form_add(&f, "stream", "true");
    snprintf(num, sizeof(num), "%zu", len);
    fio_form_add(&f, "max_size", num);
    const char *opt[] = {"folder_id", "file_id", "lock_token"};
    for (size_t i = 0; i < 3; i++)
        if (mcp_call_arg(c, opt[i]) != NULL)
            fio_form_add(&f, opt[i], mcp_call_arg(c, opt[i]));
    struct prog pg = {ptok, emit, ectx, s, "upload", 0, false};
    prog_at(&pg, 0, (double)len, "opening the upload session");
    char line[200];
    snprintf(line, sizeof(line), "upload %s: %zu bytes", mcp_call_arg(c, "name"), len);
    prog_log(&pg, "info", line);
    struct mcp_ires res;
    int rc = mcp_internal(ex->srv, ex->client_ip, "POST", "/upload/", NULL, &f, NULL, NULL, 0,
                          authz[0] ? authz : NULL, &res);
    fio_form_release(&f);
    if (rc != 0) {
        explicit_bzero(authz, sizeof(authz));
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    char id[128], path[200];
    fio_strlcpy(id, json_string_value(json_object_get(res.body, "id")) != NULL
                        ? json_string_value(json_object_get(res.body, "id"))
                        : "",
                sizeof(id));
    mcp_ires_clear(&res);
    struct fio_buf pb;
    fio_buf_init(&pb, 0);
    fio_url_escape(&pb, id, strlen(id), false, NULL);
    snprintf(path, sizeof(path), "/upload/%s/stream/", pb.data != NULL ? pb.data : "");
    fio_buf_release(&pb);
    rc = mcp_internal_prog(ex->srv, ex->client_ip, "POST", path, NULL, NULL,
                           "application/octet-stream", data, len, authz[0] ? authz : NULL, &res,
                           prog_piece, &pg);
    explicit_bzero(authz, sizeof(authz));
    prog_at(&pg, (double)len, (double)len, rc == 0 ? "stored" : "failed");
    snprintf(line, sizeof(line), "upload %s: %s", mcp_call_arg(c, "name"),
             rc == 0 ? "stored" : "failed");
    prog_log(&pg, rc == 0 ? "info" : "warning", line);
    json_t *out;
    if (rc != 0) {
        out = api_error(c, &res, s);
    } else {
        json_t *o = json_deep_copy(res.body);
        json_object_set_new(o, "name", json_string(mcp_call_arg(c, "name")));
        json_object_set_new(o, "workspace_id", json_string(mcp_call_arg(c, "workspace_id")));
        out = mcp_result_ok(c, "Uploaded", o, structured(s));
        json_decref(o);
    }
    mcp_ires_clear(&res);
    return out;
}

static json_t *upload_text(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                           const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    const char *content = mcp_call_arg(c, "content");
    return upload_bytes(ex, s, c, content, strlen(content), ptok, emit, ectx);
}

static json_t *upload_stream(struct mcp_exec *ex, struct mcp_rpc_sess *s,
                             const struct mcp_call *c, const json_t *ptok, mcp_emit_fn emit,
                             void *ectx)
{
    char *data = NULL;
    size_t len = 0;
    if (mcp_blob_take(ex->srv, mcp_call_arg(c, "blob_id"), mcp_sess_id(ex->sess), &data, &len) !=
        0)
        return mcp_result_message("Unknown, expired or already used blob_id (a blob is staged "
                                  "with POST /blob and the Mcp-Session-Id of this session, "
                                  "lives 5 minutes and is used once).",
                                  true);
    json_t *out = upload_bytes(ex, s, c, data, len, ptok, emit, ectx);
    free(data);
    return out;
}

/* One chunk of a session: a multipart body with the part "chunk" (api §5.4). */
static json_t *upload_chunk(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                            const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    const char *text = mcp_call_arg(c, "content");
    const char *b64 = mcp_call_arg(c, "content_base64");
    const char *blob = mcp_call_arg(c, "blob_id");
    if ((text != NULL) + (b64 != NULL) + (blob != NULL) != 1)
        return mcp_result_message("upload chunk needs exactly one of content, content_base64 "
                                  "or blob_id",
                                  true);
    char *data = NULL;
    size_t len = 0;
    if (text != NULL) {
        data = fio_strdup(text);
        len = strlen(text);
    } else if (b64 != NULL) {
        size_t cap = strlen(b64) / 4 * 3 + 3;
        data = malloc(cap + 1);
        if (data == NULL || !fio_b64_decode(b64, strlen(b64), data, cap, &len)) {
            free(data);
            return mcp_result_message("content_base64 is not valid base64", true);
        }
    } else if (mcp_blob_take(ex->srv, blob, mcp_sess_id(ex->sess), &data, &len) != 0) {
        return mcp_result_message("Unknown, expired or already used blob_id", true);
    }
    if (data == NULL)
        return mcp_result_message("out of memory", true);
    const char *boundary = "fastio-mcp-chunk-7d1f0c2a";
    struct fio_buf body;
    fio_buf_init(&body, 0);
    fio_buf_printf(&body,
                   "--%s\r\nContent-Disposition: form-data; name=\"chunk\"; filename=\"chunk\"\r\n"
                   "Content-Type: application/octet-stream\r\n\r\n",
                   boundary);
    fio_buf_append(&body, data, len);
    fio_buf_printf(&body, "\r\n--%s--\r\n", boundary);
    free(data);
    /* The row's numbers (order, hash...) travel in the query; size defaults to the bytes. */
    struct fastio_param params[MCP_CAT_MAX_PARAMS + 1];
    size_t np = 0;
    char num[32];
    for (size_t i = 0; i < c->n_params && np < MCP_CAT_MAX_PARAMS; i++)
        params[np++] = c->params[i];
    snprintf(num, sizeof(num), "%zu", len);
    params[np].name = "size";
    params[np].value = mcp_call_arg(c, "size") != NULL ? mcp_call_arg(c, "size") : num;
    np++;
    char token[1100], authz[1200], ctype[100];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%s", boundary);
    struct fio_buf path;
    fio_buf_init(&path, 0);
    fill_path(c->row->path, c->path_args, c->n_path, &path);
    struct fio_form q;
    fio_form_init(&q);
    for (size_t i = 0; i < np; i++)
        fio_form_add(&q, params[i].name, params[i].value);
    struct mcp_ires res;
    struct prog pg = {ptok, emit, ectx, s, "chunk", 0, false};
    prog_at(&pg, 0, (double)body.len, "sending the chunk");
    int rc = mcp_internal_prog(ex->srv, ex->client_ip, "POST",
                               path.data != NULL ? path.data : "/", &q, NULL, ctype, body.data,
                               body.len, authz[0] ? authz : NULL, &res, prog_piece, &pg);
    explicit_bzero(authz, sizeof(authz));
    prog_at(&pg, (double)body.len, (double)body.len, rc == 0 ? "chunk stored" : "failed");
    fio_form_release(&q);
    fio_buf_release(&path);
    fio_buf_release(&body);
    json_t *out = rc == 0 ? mcp_result_ok(c, "Chunk stored", res.body, structured(s))
                          : api_error(c, &res, s);
    mcp_ires_clear(&res);
    return out;
}

/* ---- downloads ---------------------------------------------------------------------------- */

/* The bytes of a readable file: the read route authorizes (router), the blob gives the bytes. */
static int read_file(struct mcp_exec *ex, const char *ws, const char *node, size_t max,
                     char **data, size_t *len, int64_t *size, struct mcp_ires *res,
                     struct prog *pg)
{
    char token[1100], authz[1200];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    const char *args[2] = {ws, node};
    struct fio_buf path;
    fio_buf_init(&path, 0);
    fill_path("/workspace/{}/storage/{}/read/", args, 2, &path);
    int rc = mcp_internal(ex->srv, ex->client_ip, "GET", path.data != NULL ? path.data : "/",
                          NULL, NULL, NULL, NULL, 0, authz[0] ? authz : NULL, res);
    explicit_bzero(authz, sizeof(authz));
    fio_buf_release(&path);
    if (rc != 0)
        return -1;
    int fd = res->version_id[0] ? blob_open(ex->srv, res->version_id, size) : -1;
    if (fd < 0) {
        res->http = 500;
        snprintf(res->text, sizeof(res->text), "the file's content is missing");
        return -1;
    }
    size_t want = *size < (int64_t)max ? (size_t)*size : max;
    *data = malloc(want + 1);
    size_t got = 0;
    while (*data != NULL && got < want) {
        size_t piece = want - got < READ_PIECE ? want - got : READ_PIECE;
        ssize_t n = pread(fd, *data + got, piece, (off_t)got);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (pg != NULL)
            prog_piece(pg, got, want);
    }
    close(fd);
    if (*data == NULL) {
        res->http = 500;
        snprintf(res->text, sizeof(res->text), "out of memory");
        return -1;
    }
    (*data)[got] = '\0';
    *len = got;
    return 0;
}

static bool utf8_text(const char *d, size_t n)
{
    json_t *j = json_stringn(d, n); /* jansson checks UTF-8 */
    bool ok = j != NULL && memchr(d, '\0', n) == NULL;
    json_decref(j);
    return ok;
}

/* The MIME type a file's bytes are shown with: text when they are UTF-8 without NUL. */
static const char *mime_of(bool text)
{
    return text ? "text/plain" : "application/octet-stream";
}

/* A file's bytes as MCP content (D-123): UTF-8 text as a text block, other bytes as an
 * embedded resource (download://workspace/{ws}/{node}) with base64 blob, in front of the
 * markdown summary of result r (from mcp_result_ok); structuredContent (when there) gets them
 * as "content" (text, or base64 per its "encoding"), as before. */
static void add_file_content(json_t *r, const char *ws, const char *node, const char *data,
                             size_t len)
{
    json_t *content = json_object_get(r, "content");
    if (!json_is_array(content))
        return;
    json_t *blk;
    json_t *sc = json_object_get(r, "structuredContent");
    if (utf8_text(data, len)) {
        blk = json_pack("{s:s, s:s%}", "type", "text", "text", data, len);
        if (sc != NULL)
            json_object_set_new(sc, "content", json_stringn(data, len));
    } else {
        size_t bl = fio_b64_encoded_size(len);
        char *b = malloc(bl);
        if (b == NULL)
            return;
        fio_b64_encode(data, len, b, bl);
        if (sc != NULL)
            json_object_set_new(sc, "content", json_string(b));
        struct fio_buf u;
        fio_buf_init(&u, 0);
        fio_buf_append_str(&u, "download://workspace/");
        const char *const args[2] = {ws, node};
        fill_path("{}/{}", args, 2, &u);
        blk = json_pack("{s:s, s:{s:s, s:s, s:s}}", "type", "resource", "resource", "uri",
                        u.data != NULL ? u.data : "", "mimeType", mime_of(false), "blob", b);
        fio_buf_release(&u);
        free(b);
    }
    if (blk != NULL)
        json_array_insert_new(content, 0, blk);
}

static json_t *download_read(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                             const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    size_t max = INLINE_MAX;
    const char *mb = mcp_call_arg(c, "max_bytes");
    long long want = 0;
    if (mb != NULL && fio_parse_ll(mb, 0, (long long)max, &want))
        max = (size_t)want;
    char *data = NULL;
    size_t len = 0;
    int64_t size = 0;
    struct mcp_ires res;
    struct prog pg = {ptok, emit, ectx, s, "download", 0, false};
    prog_at(&pg, 0, -1, "reading the file");
    if (read_file(ex, c->path_args[0], c->path_args[1], max, &data, &len, &size, &res, &pg) !=
        0) {
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    bool text = utf8_text(data, len);
    json_t *o = json_pack("{s:s, s:I, s:I, s:b, s:s, s:s}", "node_id", c->path_args[1], "size",
                          (json_int_t)size, "returned", (json_int_t)len, "truncated",
                          (int64_t)len < size, "encoding", text ? "utf-8" : "base64",
                          "mimeType", mime_of(text));
    mcp_ires_clear(&res);
    json_t *out = mcp_result_ok(c, "File content", o, structured(s));
    json_decref(o);
    if (out != NULL)
        add_file_content(out, c->path_args[0], c->path_args[1], data, len);
    free(data);
    return out;
}

static json_t *download_url(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char token[1100], authz[1200], base[300];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    struct mcp_ires res;
    int rc = run_row(ex, c->row, c->path_args, c->n_path, c->params, c->n_params,
                     authz[0] ? authz : NULL, NULL, NULL, 0, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    const char *t = json_string_value(json_object_get(res.body, "token"));
    mcp_base_url(ex->srv, base, sizeof(base));
    struct fio_buf u;
    fio_buf_init(&u, 0);
    fio_buf_printf(&u, "%s/current", base);
    const char *const args[2] = {c->path_args[0], c->path_args[1]};
    fill_path("/workspace/{}/storage/{}/read/", args, 2, &u);
    fio_buf_append_str(&u, "?token=");
    fio_url_escape(&u, t != NULL ? t : "", t != NULL ? strlen(t) : 0, true, NULL);
    json_t *o = json_pack("{s:s, s:O?, s:O?}", "url", u.data != NULL ? u.data : "", "version_id",
                          json_object_get(res.body, "version_id"), "expires",
                          json_object_get(res.body, "expires"));
    fio_buf_release(&u);
    mcp_ires_clear(&res);
    /* A small file comes inline as well (D-123): no second request for the agent. */
    char *data = NULL;
    size_t len = 0;
    int64_t size = 0;
    struct mcp_ires rr;
    bool inl = read_file(ex, c->path_args[0], c->path_args[1], URL_INLINE_MAX + 1, &data, &len,
                         &size, &rr, NULL) == 0 &&
               size <= URL_INLINE_MAX;
    mcp_ires_clear(&rr);
    json_object_set_new(o, "size", json_integer((json_int_t)size));
    json_object_set_new(o, "inline", json_boolean(inl));
    json_t *out = mcp_result_ok(c, "Download URL", o, structured(s));
    json_decref(o);
    if (out != NULL && inl)
        add_file_content(out, c->path_args[0], c->path_args[1], data, len);
    free(data);
    return out;
}

/* ---- waiting actions (D-122): activity-poll and web-import on a live call ---------------- */

/* The call's row parameters with `wait` set to value (the router never parks an internal
 * request: D-066). */
static size_t params_with_wait(const struct mcp_call *c, struct fastio_param *out, size_t max,
                               const char *value)
{
    size_t n = 0;
    bool set = false;
    for (size_t i = 0; i < c->n_params && n < max; i++) {
        out[n] = c->params[i];
        if (strcmp(out[n].name, "wait") == 0) {
            out[n].value = value;
            set = true;
        }
        n++;
    }
    if (!set && n < max) {
        out[n].name = "wait";
        out[n].value = value;
        n++;
    }
    return n;
}

/* event activity-poll with wait > 0: ask at once; while nothing changed, wait (bounded) for the
 * activity hub to publish, reporting the seconds waited, and ask again after each publish. */
static json_t *event_poll(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                          const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    long long wait = 0;
    const char *w = mcp_call_arg(c, "wait");
    if (w != NULL && !fio_parse_ll(w, 0, POLL_WAIT_MAX, &wait))
        return mcp_result_message("wait must be 0-95 seconds", true);
    struct fastio_param params[MCP_CAT_MAX_PARAMS + 1];
    size_t np = params_with_wait(c, params, MCP_CAT_MAX_PARAMS + 1, "0");
    char token[1100], authz[1200];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    struct prog pg = {ptok, emit, ectx, s, "activity-poll", 0, false};
    bool cursor = mcp_call_arg(c, "lastactivity") != NULL;
    int64_t start = fio_mono_us(), deadline = start + wait * 1000000LL;
    struct mcp_ires res;
    memset(&res, 0, sizeof(res));
    int rc = -1;
    bool ask = true;
    if (wait > 0 && ex->may_wait && cursor) {
        char line[160];
        snprintf(line, sizeof(line), "activity-poll: waiting up to %lld s for a change", wait);
        prog_log(&pg, "info", line);
    }
    for (size_t guard = 0; guard < 100000; guard++) {
        uint64_t seen = activity_seq(ex->srv);
        if (ask) {
            mcp_ires_clear(&res);
            rc = run_row(ex, c->row, c->path_args, c->n_path, params, np,
                         authz[0] ? authz : NULL, NULL, NULL, 0, &res);
            if (rc != 0 || json_array_size(json_object_get(res.body, "activity")) > 0)
                break;
        }
        int64_t now = fio_mono_us();
        if (!cursor || !ex->may_wait || wait == 0 || now >= deadline || mcp_stopping(ex->srv))
            break;
        int64_t slice = now + 1000000LL < deadline ? now + 1000000LL : deadline;
        ask = activity_wait_change(ex->srv, seen, slice);
        double waited = (double)(fio_mono_us() - start) / 1e6;
        prog_at(&pg, waited, (double)wait, "waiting for activity");
    }
    explicit_bzero(authz, sizeof(authz));
    json_t *out;
    if (rc != 0) {
        out = api_error(c, &res, s);
    } else {
        json_t *o = json_deep_copy(res.body);
        json_object_set_new(o, "waited_s",
                            json_real((double)(fio_mono_us() - start) / 1e6));
        if (wait > 0 && !ex->may_wait)
            json_object_set_new(o, "_warnings",
                                json_pack("[s]", "answered without waiting: call with Accept: "
                                                 "text/event-stream or application/json on a "
                                                 "server with free live-call slots"));
        out = mcp_result_ok(c, "event activity-poll", o, structured(s));
        json_decref(o);
    }
    mcp_ires_clear(&res);
    return out;
}

/* upload web-import with wait > 0: start the import, then follow it (details) until it ends or
 * the wait is over, reporting its bytes. */
static json_t *web_import(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                          const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    long long wait = 0;
    const char *w = mcp_call_arg(c, "wait");
    if (w != NULL && !fio_parse_ll(w, 0, IMPORT_WAIT_MAX, &wait))
        return mcp_result_message("wait must be 0-300 seconds", true);
    if (wait == 0 || !ex->may_wait)
        return exec_row(ex, s, c, ptok, emit, ectx);
    char token[1100], authz[1200];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    struct prog pg = {ptok, emit, ectx, s, "web-import", 0, false};
    prog_at(&pg, 0, -1, "starting the import");
    struct mcp_ires res;
    int rc = run_row(ex, c->row, c->path_args, c->n_path, c->params, c->n_params,
                     authz[0] ? authz : NULL, NULL, NULL, 0, &res);
    if (rc != 0) {
        explicit_bzero(authz, sizeof(authz));
        json_t *e = api_error(c, &res, s);
        mcp_ires_clear(&res);
        return e;
    }
    char id[128];
    const char *jid = json_string_value(json_object_get(res.body, "id"));
    fio_strlcpy(id, jid != NULL ? jid : "", sizeof(id));
    mcp_ires_clear(&res);
    char line[200];
    snprintf(line, sizeof(line), "web-import %s: started, waiting up to %lld s", id, wait);
    prog_log(&pg, "info", line);
    const char *args[1] = {id};
    struct fio_buf path;
    fio_buf_init(&path, 0);
    fill_path("/web_upload/{}/details/", args, 1, &path);
    int64_t start = fio_mono_us(), deadline = start + wait * 1000000LL;
    json_t *job = NULL;
    const char *status = "";
    for (size_t guard = 0; guard < 100000; guard++) {
        uint64_t seen = activity_seq(ex->srv);
        rc = mcp_internal(ex->srv, ex->client_ip, "GET", path.data != NULL ? path.data : "/",
                          NULL, NULL, NULL, NULL, 0, authz[0] ? authz : NULL, &res);
        if (rc != 0)
            break;
        json_decref(job);
        job = json_incref(json_object_get(res.body, "web_upload"));
        mcp_ires_clear(&res);
        status = json_string_value(json_object_get(job, "status"));
        if (status == NULL)
            status = "";
        json_int_t done = json_integer_value(json_object_get(job, "bytes_done"));
        json_int_t size = json_integer_value(json_object_get(job, "size"));
        char msg[120];
        snprintf(msg, sizeof(msg), "%s: %lld bytes", status, (long long)done);
        prog_at(&pg, (double)done, size > 0 ? (double)size : -1, msg);
        if (strcmp(status, "complete") == 0 || strcmp(status, "failed") == 0 ||
            strcmp(status, "canceled") == 0)
            break;
        int64_t now = fio_mono_us();
        if (now >= deadline || mcp_stopping(ex->srv))
            break;
        /* an import publishes activity when it ends; between, look twice a second */
        (void)activity_wait_change(ex->srv, seen,
                                   now + 500000LL < deadline ? now + 500000LL : deadline);
    }
    fio_buf_release(&path);
    explicit_bzero(authz, sizeof(authz));
    json_t *out;
    if (rc != 0) {
        out = api_error(c, &res, s);
    } else {
        json_t *o = json_pack("{s:s, s:O?, s:b, s:f}", "id", id, "web_upload", job, "finished",
                              strcmp(status, "complete") == 0 || strcmp(status, "failed") == 0 ||
                                  strcmp(status, "canceled") == 0,
                              "waited_s", (double)(fio_mono_us() - start) / 1e6);
        snprintf(line, sizeof(line), "web-import %s: %s", id, status);
        prog_log(&pg, strcmp(status, "failed") == 0 ? "warning" : "info", line);
        out = mcp_result_ok(c, "upload web-import", o, structured(s));
        json_decref(o);
    }
    json_decref(job);
    mcp_ires_clear(&res);
    return out;
}

/* ---- code mode (api §10.1): search over the row catalogue, execute through the router --- */

static const char *const code_clients[] = {"claude-code", "claude code", "cursor", "continue",
                                           "cowork",      "claude-cowork", "codex", "antigravity",
                                           "gemini-cli",  "grok-cli",    "opencode"};

static void on_initialize(void *ud, struct mcp_rpc_sess *s)
{
    struct mcp_exec *ex = ud;
    bool code = false;
    if (ex->srv->cfg.mcp_mode == 2) {
        code = true;
    } else if (ex->srv->cfg.mcp_mode == 0) {
        char lower[128];
        size_t i = 0;
        for (; i < sizeof(lower) - 1 && s->client_name[i] != '\0'; i++) {
            char ch = s->client_name[i];
            lower[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
        lower[i] = '\0';
        for (size_t k = 0; k < sizeof(code_clients) / sizeof(code_clients[0]) && !code; k++)
            code = strstr(lower, code_clients[k]) != NULL;
    }
    mcp_sess_set_code_mode(ex->sess, code);
}

static json_t *code_tools(void)
{
    const char *keep[] = {"auth", "upload", NULL};
    json_t *list = mcp_catalog_tools_list(keep);
    json_t *tools = json_object_get(list, "tools");
    json_array_append_new(
        tools,
        json_pack("{s:s, s:s, s:s, s:{s:s, s:{s:{s:s, s:s}, s:{s:s, s:[s,s], s:s}, "
                  "s:{s:s, s:s}}, s:[s]}, s:{s:b, s:b, s:b, s:b}}",
                  "name", "search", "title", "Search the API or files", "description",
                  "target=\"api\": find REST endpoints of this server by words (method, path, "
                  "parameters); target=\"content\" (default): find files by name in workspace_id.",
                  "inputSchema", "type", "object", "properties", "query", "type", "string",
                  "description", "Words to look for.", "target", "type", "string", "enum", "api",
                  "content", "description", "What to search (default content).", "workspace_id",
                  "type", "string", "description", "Workspace for target=content.", "required",
                  "query", "annotations", "readOnlyHint", 1, "destructiveHint", 0,
                  "idempotentHint", 1, "openWorldHint", 0));
    json_array_append_new(
        tools,
        json_pack("{s:s, s:s, s:s, s:{s:s, s:{s:{s:s, s:[s,s,s,s,s,s,s,s], s:s}, "
                  "s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}, s:[s,s]}, "
                  "s:{s:b, s:b, s:b, s:b}}",
                  "name", "execute", "title", "Call the REST API", "description",
                  "One REST call through this server's router with the session's token: method "
                  "get|post|put|patch|delete (form body) or postJson|putJson|patchJson, path "
                  "below /current (e.g. /workspaces/all/), params (query), body (object). Byte "
                  "routes (read, zip, chunk, stream) are refused: use download/upload.",
                  "inputSchema", "type", "object", "properties", "method", "type", "string",
                  "enum", "get", "post", "put", "patch", "delete", "postJson", "putJson", "patchJson",
                  "description", "HTTP method.", "path", "type", "string", "description",
                  "Path below /current.", "params", "type", "object", "description",
                  "Query parameters.", "body", "type", "object", "description", "Body fields.",
                  "required", "method", "path", "annotations", "readOnlyHint", 0,
                  "destructiveHint", 1, "idempotentHint", 0, "openWorldHint", 0));
    return list;
}

static bool word_in(const char *hay, const char *word, size_t wl)
{
    for (const char *p = hay; *p != '\0'; p++)
        if (strncasecmp(p, word, wl) == 0)
            return true;
    return false;
}

static json_t *code_search_api(const char *query)
{
    json_t *hits = json_array();
    for (int id = 0; id < FASTIO_EP_COUNT_ && json_array_size(hits) < 25; id++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)id);
        if (row == NULL)
            continue;
        bool all = true;
        const char *q = query;
        for (size_t guard = 0; *q != '\0' && guard < 64; guard++) {
            while (*q == ' ')
                q++;
            size_t wl = strcspn(q, " ");
            if (wl == 0)
                break;
            all = all && (word_in(row->name, q, wl) || word_in(row->path, q, wl) ||
                          word_in(row->doc, q, wl));
            q += wl;
        }
        if (!all)
            continue;
        json_t *ps = json_array();
        for (size_t k = 0; k < row->n_params; k++)
            json_array_append_new(
                ps, json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", row->param_info[k].name,
                              "type", fastio_param_type_name(row->param_info[k].type), "in",
                              fastio_param_in_name(row->param_info[k].in), "required",
                              row->param_info[k].required, "description",
                              row->param_info[k].doc ? row->param_info[k].doc : ""));
        json_array_append_new(hits, json_pack("{s:s, s:s, s:s, s:s, s:o}", "endpoint", row->name,
                                              "method", fastio_method_name(row->method), "path",
                                              row->path, "description", row->doc, "parameters",
                                              ps));
    }
    return json_pack("{s:s, s:o}", "query", query, "endpoints", hits);
}

static bool byte_route(const char *path)
{
    return strstr(path, "/read/") != NULL || strstr(path, "/zip/") != NULL ||
           strstr(path, "/chunk/") != NULL || strstr(path, "/stream/") != NULL ||
           strstr(path, "/upload/batch/") != NULL || strcmp(path, "/upload/") == 0;
}

static bool add_fields(struct fio_form *f, const json_t *obj)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        char num[64];
        char *dumped = NULL;
        const char *t;
        if (json_is_string(v))
            t = json_string_value(v);
        else if (json_is_integer(v)) {
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            t = num;
        } else if (json_is_boolean(v))
            t = json_is_true(v) ? "true" : "false";
        else if (json_is_null(v))
            t = "null";
        else {
            dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            t = dumped != NULL ? dumped : "";
        }
        bool ok = fio_form_add(f, k, t);
        free(dumped);
        if (!ok)
            return false;
    }
    return true;
}

static json_t *code_execute(struct mcp_exec *ex, struct mcp_rpc_sess *s, json_t *args)
{
    const char *m = json_string_value(json_object_get(args, "method"));
    const char *path = json_string_value(json_object_get(args, "path"));
    json_t *params = json_object_get(args, "params");
    json_t *body = json_object_get(args, "body");
    static const char *const methods[][2] = {{"get", "GET"},     {"post", "POST"},
                                             {"put", "PUT"},     {"patch", "PATCH"},
                                             {"delete", "DELETE"}, {"postJson", "POST"},
                                             {"putJson", "PUT"}, {"patchJson", "PATCH"}};
    const char *method = NULL;
    for (size_t i = 0; m != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(m, methods[i][0]) == 0)
            method = methods[i][1];
    if (method == NULL || path == NULL || path[0] != '/' || strlen(path) > 2000)
        return mcp_result_message("execute needs method (get|post|put|patch|delete|postJson|"
                                  "putJson|patchJson) and a path below /current starting "
                                  "with '/'",
                                  true);
    if ((params != NULL && !json_is_object(params)) || (body != NULL && !json_is_object(body)))
        return mcp_result_message("params and body must be JSON objects", true);
    if (byte_route(path))
        return mcp_result_message("byte routes are not callable through execute: use the "
                                  "download and upload tools",
                                  true);
    struct fio_form q, f;
    fio_form_init(&q);
    fio_form_init(&f);
    bool ok = (params == NULL || add_fields(&q, params)) && (body == NULL || add_fields(&f, body));
    char token[1100], authz[1200];
    call_token(ex, token, sizeof(token));
    authz_of(token, authz, sizeof(authz));
    explicit_bzero(token, sizeof(token));
    struct mcp_ires res;
    memset(&res, 0, sizeof(res));
    int rc = -1;
    if (ok)
        rc = mcp_internal(ex->srv, ex->client_ip, method, path, &q, &f,
                          "application/x-www-form-urlencoded", NULL, 0,
                          authz[0] ? authz : NULL, &res);
    explicit_bzero(authz, sizeof(authz));
    fio_form_release(&q);
    fio_form_release(&f);
    if (!ok)
        return mcp_result_message("too many parameters", true);
    char title[300];
    snprintf(title, sizeof(title), "%s %.200s", method, path);
    json_t *out = rc == 0 ? mcp_result_ok(NULL, title, res.body, structured(s))
                          : mcp_result_error(NULL, res.http, res.code, res.text, structured(s));
    mcp_ires_clear(&res);
    return out;
}

/* ---- tools -------------------------------------------------------------------------------- */

static json_t *tools_list(void *ud, struct mcp_rpc_sess *s)
{
    struct mcp_exec *ex = ud;
    (void)s;
    json_t *list = mcp_sess_code_mode(ex->sess) ? code_tools() : mcp_catalog_tools_list(NULL);
    if (list != NULL && ex->srv->cfg.mcp_fixtures)
        mcp_fixture_tools(json_object_get(list, "tools"));
    return list;
}

static json_t *tools_call(void *ud, struct mcp_rpc_sess *s, const char *name, json_t *args,
                          const json_t *ptok, mcp_emit_fn emit, void *ectx, struct mcp_fault *f)
{
    struct mcp_exec *ex = ud;
    if (ex->srv->cfg.mcp_fixtures && strncmp(name, "test_", 5) == 0)
        return mcp_fixture_call(ex, s, name, args, ptok, emit, ectx, f);
    bool code = mcp_sess_code_mode(ex->sess);
    if (code && strcmp(name, "search") == 0) {
        const char *q = json_string_value(json_object_get(args, "query"));
        const char *target = json_string_value(json_object_get(args, "target"));
        if (q == NULL)
            return mcp_result_message("search needs a string query", true);
        if (target != NULL && strcmp(target, "api") == 0) {
            json_t *o = code_search_api(q);
            json_t *out = mcp_result_ok(NULL, "API endpoints", o, structured(s));
            json_decref(o);
            return out;
        }
        json_t *a = json_pack("{s:s, s:s, s:O?}", "action", "files", "search", q,
                              "workspace_id", json_object_get(args, "workspace_id"));
        name = "find";
        struct mcp_call c;
        char err[1024];
        json_t *out;
        if (mcp_catalog_action("find", "files") == NULL)
            out = mcp_result_message("content search is not available on this server (no "
                                     "search row); use search with target=\"api\"",
                                     true);
        else if (mcp_catalog_resolve(name, a, &c, err, sizeof(err)) != 0)
            out = mcp_result_error(NULL, 400, 0, err, structured(s));
        else
            out = exec_row(ex, s, &c, ptok, emit, ectx);
        mcp_call_clear(&c);
        json_decref(a);
        return out;
    }
    if (code && strcmp(name, "execute") == 0)
        return code_execute(ex, s, args);
    if (code && strcmp(name, "auth") != 0 && strcmp(name, "upload") != 0) {
        f->code = MCP_ERR_PARAMS;
        snprintf(f->msg, sizeof(f->msg), "unknown tool %.80s (code mode: auth, upload, search, "
                                         "execute)", name);
        return NULL;
    }
    if (mcp_catalog_tool(name) == NULL) {
        f->code = MCP_ERR_PARAMS;
        snprintf(f->msg, sizeof(f->msg), "unknown tool: %.100s", name);
        return NULL;
    }
    struct mcp_call c;
    char err[1024];
    if (mcp_catalog_resolve(name, args, &c, err, sizeof(err)) != 0) {
        mcp_call_clear(&c);
        return mcp_result_error(NULL, 400, 0, err, structured(s));
    }
    json_t *out = NULL;
    if (c.describe) {
        json_t *d = mcp_catalog_describe(c.tool, c.describe_action);
        char title[100];
        snprintf(title, sizeof(title), "%s: actions", c.tool->name);
        out = mcp_result_ok(NULL, title, d, structured(s));
        json_decref(d);
    } else if (strcmp(c.tool->name, "event") == 0 && strcmp(c.action->name, "activity-poll") == 0) {
        out = event_poll(ex, s, &c, ptok, emit, ectx);
    } else if (strcmp(c.tool->name, "upload") == 0 && strcmp(c.action->name, "web-import") == 0) {
        out = web_import(ex, s, &c, ptok, emit, ectx);
    } else if (!(c.action->flags & MCP_ACT_LOCAL)) {
        out = exec_row(ex, s, &c, ptok, emit, ectx);
    } else {
        const char *t = c.tool->name, *a = c.action->name;
        if (strcmp(t, "auth") == 0 && strcmp(a, "signin") == 0)
            out = auth_signin(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "set-api-key") == 0)
            out = auth_set_key(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "signout") == 0)
            out = auth_signout(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "status") == 0)
            out = auth_status(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "pkce-login") == 0)
            out = auth_pkce_login(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "pkce-complete") == 0)
            out = auth_pkce_complete(ex, s, &c);
        else if (strcmp(t, "upload") == 0 && strcmp(a, "text") == 0)
            out = upload_text(ex, s, &c, ptok, emit, ectx);
        else if (strcmp(t, "upload") == 0 && strcmp(a, "stream") == 0)
            out = upload_stream(ex, s, &c, ptok, emit, ectx);
        else if (strcmp(t, "upload") == 0 && strcmp(a, "chunk") == 0)
            out = upload_chunk(ex, s, &c, ptok, emit, ectx);
        else if (strcmp(t, "download") == 0 && strcmp(a, "file-url") == 0)
            out = download_url(ex, s, &c);
        else if (strcmp(t, "download") == 0 && strcmp(a, "read") == 0)
            out = download_read(ex, s, &c, ptok, emit, ectx);
        else if (strcmp(t, "ai") == 0 && strcmp(a, "ask") == 0)
            out = ai_ask(ex, s, &c);
        else if (strcmp(t, "ai") == 0 && strcmp(a, "message-read") == 0)
            out = ai_message_read(ex, s, &c);
        else
            out = mcp_result_message("this action has no executor on this server", true);
    }
    mcp_call_clear(&c);
    return out;
}

/* ---- resources ---------------------------------------------------------------------------- */

static json_t *resources_list(void *ud, struct mcp_rpc_sess *s)
{
    struct mcp_exec *ex = ud;
    (void)s;
    json_t *r = json_pack("{s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]}", "resources", "uri",
                          "skill://guide", "name", "guide", "description",
                          "How to use this server's tools: sign-in, workspaces, files, locks.",
                          "mimeType", "text/markdown", "uri", "session://status", "name",
                          "session-status", "description",
                          "Whether this MCP session is signed in, as whom, how, with which "
                          "scopes.",
                          "mimeType", "application/json");
    if (r != NULL && ex->srv->cfg.mcp_fixtures)
        mcp_fixture_resources(json_object_get(r, "resources"));
    return r;
}

static json_t *resource_templates(void *ud, struct mcp_rpc_sess *s)
{
    struct mcp_exec *ex = ud;
    (void)s;
    json_t *r = json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "resourceTemplates", "uriTemplate",
                          "download://workspace/{ws}/{node}", "name", "workspace-file",
                          "description",
                          "A file of a workspace, inline (text, or base64 blob; at most 100 KB).",
                          "mimeType", "application/octet-stream");
    if (r != NULL && ex->srv->cfg.mcp_fixtures)
        mcp_fixture_templates(json_object_get(r, "resourceTemplates"));
    return r;
}

static char *guide_text(void)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    fio_buf_append_str(&b,
                       "# fastio-server MCP guide\n\n"
                       "1. Sign in: `auth` with action `signin` (email, password), `set-api-key` "
                       "(api_key), or `pkce-login` then `pkce-complete`; or send a Bearer token "
                       "on the HTTP request. The token stays in this MCP session.\n"
                       "2. Find or make a workspace: `org list`, `org create`, `workspace "
                       "create` (org_id), `workspace list`.\n"
                       "3. Files: `upload text` (workspace_id, name, content), `storage list` "
                       "(workspace_id, folder_id=root), `download read` / `file-url`.\n"
                       "4. Coordinate with other agents: `storage lock-acquire` returns a "
                       "lock_token; pass it to `upload text` (file_id, lock_token) and to "
                       "`lock-heartbeat` / `lock-release`.\n"
                       "5. Ask about the files: `ai ask` (workspace_id, question; subjects = "
                       "a JSON array of files to read directly, or references = files and "
                       "folders to search) waits for the answer and its citations (nodeId, "
                       "versionId, page, snippet); `ai message-read` waits for one asked "
                       "earlier.\n"
                       "6. Every tool answers `action: \"describe\"` with its actions' "
                       "parameters. Destructive actions need `confirm: true`.\n\n"
                       "Every call goes through the same permission checks as the REST API: "
                       "you only see and change what your account may.\n\n## Tools\n\n");
    size_t n;
    const struct mcp_tool *t = mcp_catalog_tools(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *d = mcp_catalog_describe(&t[i], NULL);
        json_t *acts = json_object_get(d, "actions");
        if (json_array_size(acts) > 0) {
            fio_buf_printf(&b, "### %s — %s\n\n%s\n\n", t[i].name, t[i].title, t[i].doc);
            size_t k;
            json_t *a;
            json_array_foreach(acts, k, a)
            {
                fio_buf_printf(&b, "- `%s`: %s\n", json_string_value(json_object_get(a, "name")),
                               json_string_value(json_object_get(a, "description")));
            }
            fio_buf_append_str(&b, "\n");
        }
        json_decref(d);
    }
    char *s = fio_buf_steal(&b);
    fio_buf_release(&b);
    return s;
}

static json_t *text_contents(const char *uri, const char *mime, const char *text)
{
    return json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType", mime, "text",
                     text);
}

static json_t *resources_read(void *ud, struct mcp_rpc_sess *s, const char *uri,
                              struct mcp_fault *f)
{
    struct mcp_exec *ex = ud;
    if (strcmp(uri, "skill://guide") == 0) {
        char *g = guide_text();
        json_t *r = text_contents(uri, "text/markdown", g != NULL ? g : "");
        free(g);
        return r;
    }
    if (strcmp(uri, "session://status") == 0) {
        json_t *st = auth_status(ex, s, NULL);
        json_t *sc = json_object_get(st, "structuredContent");
        char *t = NULL;
        if (sc != NULL)
            t = json_dumps(sc, JSON_COMPACT);
        else
            t = fio_strdup(json_string_value(
                json_object_get(json_array_get(json_object_get(st, "content"), 0), "text")));
        json_t *r = text_contents(uri, "application/json", t != NULL ? t : "{}");
        free(t);
        json_decref(st);
        return r;
    }
    if (strncmp(uri, "download://workspace/", 21) == 0) {
        char ws[96], node[96];
        const char *p = uri + 21;
        const char *slash = strchr(p, '/');
        if (slash == NULL || (size_t)(slash - p) >= sizeof(ws) || strlen(slash + 1) >= sizeof(node) ||
            slash == p || slash[1] == '\0' || strchr(slash + 1, '/') != NULL) {
            f->code = MCP_ERR_RESOURCE_NOT_FOUND;
            snprintf(f->msg, sizeof(f->msg), "use download://workspace/{ws}/{node}");
            return NULL;
        }
        memcpy(ws, p, (size_t)(slash - p));
        ws[slash - p] = '\0';
        fio_strlcpy(node, slash + 1, sizeof(node));
        char *data = NULL;
        size_t len = 0;
        int64_t size = 0;
        struct mcp_ires res;
        if (read_file(ex, ws, node, 100 * 1024, &data, &len, &size, &res, NULL) != 0) {
            f->code = res.http == 404 || res.http == 403 ? MCP_ERR_RESOURCE_NOT_FOUND
                                                         : MCP_ERR_INTERNAL;
            snprintf(f->msg, sizeof(f->msg), "cannot read %.200s: HTTP %d %s", uri, res.http,
                     res.text);
            mcp_ires_clear(&res);
            return NULL;
        }
        mcp_ires_clear(&res);
        json_t *r;
        if (utf8_text(data, len)) {
            json_t *t = json_stringn(data, len);
            r = json_pack("{s:[{s:s, s:s, s:o}]}", "contents", "uri", uri, "mimeType",
                          "text/plain", "text", t);
        } else {
            char *b = malloc(fio_b64_encoded_size(len));
            if (b != NULL)
                fio_b64_encode(data, len, b, fio_b64_encoded_size(len));
            r = json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                          "application/octet-stream", "blob", b != NULL ? b : "");
            free(b);
        }
        free(data);
        return r;
    }
    if (ex->srv->cfg.mcp_fixtures) {
        json_t *r = mcp_fixture_read(uri);
        if (r != NULL)
            return r;
    }
    f->code = MCP_ERR_RESOURCE_NOT_FOUND;
    snprintf(f->msg, sizeof(f->msg), "resource not found: %.200s", uri);
    return NULL;
}

static json_t *prompts_list(void *ud, struct mcp_rpc_sess *s)
{
    struct mcp_exec *ex = ud;
    (void)s;
    json_t *r = json_pack("{s:[]}", "prompts");
    if (r != NULL && ex->srv->cfg.mcp_fixtures)
        mcp_fixture_prompts(json_object_get(r, "prompts"));
    return r;
}

static json_t *prompts_get(void *ud, struct mcp_rpc_sess *s, const char *name, json_t *args,
                           struct mcp_fault *f)
{
    struct mcp_exec *ex = ud;
    (void)s;
    if (ex->srv->cfg.mcp_fixtures) {
        json_t *r = mcp_fixture_prompt_get(name, args, f);
        if (r != NULL || f->code != 0)
            return r;
    }
    f->code = MCP_ERR_PARAMS;
    snprintf(f->msg, sizeof(f->msg), "unknown prompt: %.100s", name);
    return NULL;
}

const struct mcp_server_ops mcp_srv_ops = {
    .name = "fastio-server",
    .version = "1.0",
    .instructions = "Fast.io-compatible file server. Sign in with the auth tool (signin, "
                    "set-api-key) unless you sent a Bearer token; read skill://guide; every "
                    "tool answers action \"describe\".",
    .tools_list = tools_list,
    .tools_call = tools_call,
    .resources_list = resources_list,
    .resource_templates = resource_templates,
    .resources_read = resources_read,
    .prompts_list = prompts_list,
    .prompts_get = prompts_get,
    .on_initialize = on_initialize,
};
