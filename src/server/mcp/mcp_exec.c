/* SPDX-License-Identifier: MIT */
/* mcp_exec.c - the MCP server operations of fastio-server (mcp_srv_ops, api §10.1): tools/list
 * from the shared catalogue (named mode) or the code-mode set, tools/call resolved against the
 * catalogue and dispatched, a row action run as an internal request through the REST router
 * (mcp_internal.c), and the helpers every executor file shares (mcp_exec_int.h). The actions
 * live in mcp_exec_auth.c, mcp_exec_files.c, mcp_exec_wait.c and mcp_exec_code.c; resources
 * and prompts in mcp_exec_res.c. */
#include <stdlib.h>
#include <string.h>

#include "mcp_exec_int.h"

/* ---- helpers ------------------------------------------------------------------------------ */

bool mcpx_structured(const struct mcp_rpc_sess *s)
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

void mcpx_authz_of(const char *tok, char *out, size_t len)
{
    if (tok[0] == '\0')
        out[0] = '\0';
    else
        snprintf(out, len, "Bearer %s", tok);
}

void mcpx_call_authz(struct mcp_exec *ex, char *authz, size_t len)
{
    char token[1100];
    call_token(ex, token, sizeof(token));
    mcpx_authz_of(token, authz, len);
    explicit_bzero(token, sizeof(token));
}

/* path template with "{}" filled by percent-encoded args (',' kept: api §4.2). */
bool mcpx_fill_path(const char *tmpl, const char *const *args, size_t n, struct fio_buf *out)
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

void mcpx_progress(const json_t *tok, mcp_emit_fn emit, void *ctx, double done, double total,
                   const char *msg)
{
    if (tok != NULL && emit != NULL)
        emit(ctx, mcp_progress_notification(tok, done, total, msg));
}

/* struct prog (mcp_exec_int.h): a notification only when the value moved forward. */
void mcpx_prog_at(struct prog *p, double done, double total, const char *msg)
{
    if (p->tok == NULL || p->emit == NULL || (p->any && done <= p->last))
        return;
    p->any = true;
    p->last = done;
    p->emit(p->ctx, mcp_progress_notification(p->tok, done, total, msg));
}

void mcpx_prog_log(struct prog *p, const char *level, const char *text)
{
    if (p->emit != NULL && mcp_log_wanted(p->s, level))
        p->emit(p->ctx, mcp_log_notification(level, "fastio", text));
}

/* mcp_piece_fn: a piece of a body went to the route. */
void mcpx_prog_piece(void *u, size_t done, size_t total)
{
    struct prog *p = u;
    char msg[160];
    snprintf(msg, sizeof(msg), "%s: %zu of %zu bytes", p->what, done, total);
    mcpx_prog_at(p, (double)done, (double)total, msg);
    mcpx_prog_log(p, "debug", msg);
}

json_t *mcpx_api_error(const struct mcp_call *c, const struct mcp_ires *res,
                       const struct mcp_rpc_sess *s)
{
    return mcp_result_error(c, res->http, res->code, res->text, mcpx_structured(s));
}

json_t *mcpx_api_fail(const struct mcp_call *c, struct mcp_ires *res, const struct mcp_rpc_sess *s)
{
    json_t *e = mcpx_api_error(c, res, s);
    mcp_ires_clear(res);
    return e;
}

/* mcp_result_ok() for data made here (freed). */
json_t *mcpx_result_steal(const struct mcp_call *c, const char *title, json_t *data,
                          const struct mcp_rpc_sess *s)
{
    json_t *out = mcp_result_ok(c, title, data, mcpx_structured(s));
    json_decref(data);
    return out;
}

/* ---- row actions -------------------------------------------------------------------------- */

/* Run a row with the call's arguments (or explicit ones) through the router. */
int mcpx_run_row(struct mcp_exec *ex, const struct fastio_endpoint_info *row,
                 const char *const *path_args, size_t n_path, const struct fastio_param *params,
                 size_t n_params, const char *authz, const char *ctype, const char *body,
                 size_t blen, struct mcp_ires *res)
{
    struct fio_buf path;
    fio_buf_init(&path, 4096);
    if (!mcpx_fill_path(row->path, path_args, n_path, &path)) {
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
                          &f, f.count > 0 ? "application/x-www-form-urlencoded" : ctype, body, blen,
                          authz, res);
    fio_form_release(&q);
    fio_form_release(&f);
    fio_buf_release(&path);
    return rc;
}

int mcpx_run_call(struct mcp_exec *ex, const struct mcp_call *c, const char *authz,
                  struct mcp_ires *res)
{
    return mcpx_run_row(ex, c->row, c->path_args, c->n_path, c->params, c->n_params,
                        authz[0] ? authz : NULL, NULL, NULL, 0, res);
}

json_t *mcpx_exec_row(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                      const json_t *tok, mcp_emit_fn emit, void *ectx)
{
    char authz[1200] = "";
    if (c->row->auth == FASTIO_AUTH_BEARER)
        mcpx_call_authz(ex, authz, sizeof(authz));
    mcpx_progress(tok, emit, ectx, 0, 1, c->row->doc);
    struct mcp_ires res;
    int rc = mcpx_run_call(ex, c, authz, &res);
    explicit_bzero(authz, sizeof(authz));
    mcpx_progress(tok, emit, ectx, 1, 1, rc == 0 ? "done" : "failed");
    if (mcp_log_wanted(s, "info") && emit != NULL) {
        char line[300];
        snprintf(line, sizeof(line), "%s %s -> HTTP %d", c->tool->name, c->action->name, res.http);
        emit(ectx, mcp_log_notification("info", "fastio", line));
    }
    json_t *out;
    if (rc != 0) {
        out = mcpx_api_error(c, &res, s);
    } else {
        char title[160];
        snprintf(title, sizeof(title), "%s %s", c->tool->name, c->action->name);
        out = mcp_result_ok(c, title, res.body, mcpx_structured(s));
    }
    mcp_ires_clear(&res);
    return out;
}

/* ---- tools -------------------------------------------------------------------------------- */

static json_t *tools_list(void *ud, struct mcp_rpc_sess *s)
{
    struct mcp_exec *ex = ud;
    (void)s;
    json_t *list = mcp_sess_code_mode(ex->sess) ? mcpx_code_tools() : mcp_catalog_tools_list(NULL);
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
            json_t *o = mcpx_code_search_api(q);
            json_t *out = mcpx_result_steal(NULL, "API endpoints", o, s);
            return out;
        }
        json_t *a = json_pack("{s:s, s:s, s:O?}", "action", "files", "search", q, "workspace_id",
                              json_object_get(args, "workspace_id"));
        name = "find";
        struct mcp_call c;
        char err[1024];
        json_t *out;
        if (mcp_catalog_action("find", "files") == NULL)
            out = mcp_result_message("content search is not available on this server (no "
                                     "search row); use search with target=\"api\"",
                                     true);
        else if (mcp_catalog_resolve(name, a, &c, err, sizeof(err)) != 0)
            out = mcp_result_error(NULL, 400, 0, err, mcpx_structured(s));
        else
            out = mcpx_exec_row(ex, s, &c, ptok, emit, ectx);
        mcp_call_clear(&c);
        json_decref(a);
        return out;
    }
    if (code && strcmp(name, "execute") == 0)
        return mcpx_code_execute(ex, s, args);
    if (code && strcmp(name, "auth") != 0 && strcmp(name, "upload") != 0) {
        f->code = MCP_ERR_PARAMS;
        snprintf(f->msg, sizeof(f->msg),
                 "unknown tool %.80s (code mode: auth, upload, search, "
                 "execute)",
                 name);
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
        return mcp_result_error(NULL, 400, 0, err, mcpx_structured(s));
    }
    json_t *out = NULL;
    if (c.describe) {
        json_t *d = mcp_catalog_describe(c.tool, c.describe_action);
        char title[100];
        snprintf(title, sizeof(title), "%s: actions", c.tool->name);
        out = mcp_result_ok(NULL, title, d, mcpx_structured(s));
        json_decref(d);
    } else if (strcmp(c.tool->name, "event") == 0 && strcmp(c.action->name, "activity-poll") == 0) {
        out = mcpx_event_poll(ex, s, &c, ptok, emit, ectx);
    } else if (strcmp(c.tool->name, "upload") == 0 && strcmp(c.action->name, "web-import") == 0) {
        out = mcpx_web_import(ex, s, &c, ptok, emit, ectx);
    } else if (!(c.action->flags & MCP_ACT_LOCAL)) {
        out = mcpx_exec_row(ex, s, &c, ptok, emit, ectx);
    } else {
        const char *t = c.tool->name, *a = c.action->name;
        if (strcmp(t, "auth") == 0 && strcmp(a, "signin") == 0)
            out = mcpx_auth_signin(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "set-api-key") == 0)
            out = mcpx_auth_set_key(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "signout") == 0)
            out = mcpx_auth_signout(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "status") == 0)
            out = mcpx_auth_status(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "pkce-login") == 0)
            out = mcpx_auth_pkce_login(ex, s, &c);
        else if (strcmp(t, "auth") == 0 && strcmp(a, "pkce-complete") == 0)
            out = mcpx_auth_pkce_complete(ex, s, &c);
        else if (strcmp(t, "upload") == 0 && strcmp(a, "text") == 0)
            out = mcpx_upload_text(ex, s, &c, ptok, emit, ectx);
        else if (strcmp(t, "upload") == 0 && strcmp(a, "stream") == 0)
            out = mcpx_upload_stream(ex, s, &c, ptok, emit, ectx);
        else if (strcmp(t, "upload") == 0 && strcmp(a, "chunk") == 0)
            out = mcpx_upload_chunk(ex, s, &c, ptok, emit, ectx);
        else if (strcmp(t, "download") == 0 && strcmp(a, "file-url") == 0)
            out = mcpx_download_url(ex, s, &c);
        else if (strcmp(t, "download") == 0 && strcmp(a, "read") == 0)
            out = mcpx_download_read(ex, s, &c, ptok, emit, ectx);
        else if (strcmp(t, "ai") == 0 && strcmp(a, "ask") == 0)
            out = mcpx_ai_ask(ex, s, &c);
        else if (strcmp(t, "ai") == 0 && strcmp(a, "message-read") == 0)
            out = mcpx_ai_message_read(ex, s, &c);
        else
            out = mcp_result_message("this action has no executor on this server", true);
    }
    mcp_call_clear(&c);
    return out;
}

const struct mcp_server_ops mcp_srv_ops = {
    .name = "fastio-server",
    .version = "1.0",
    .instructions = "Fast.io-compatible file server. Sign in with the auth tool (signin, "
                    "set-api-key) unless you sent a Bearer token; read skill://guide; every "
                    "tool answers action \"describe\".",
    .tools_list = tools_list,
    .tools_call = tools_call,
    .resources_list = mcpx_resources_list,
    .resource_templates = mcpx_resource_templates,
    .resources_read = mcpx_resources_read,
    .prompts_list = mcpx_prompts_list,
    .prompts_get = mcpx_prompts_get,
    .on_initialize = mcpx_on_initialize,
};
