/* SPDX-License-Identifier: MIT */
/* mcp_exec_code.c - code mode (api §10.1): which clients get it (on_initialize), its tool set
 * (auth, upload, search, execute), search over the endpoint rows, and execute: one REST call
 * through the router with the session's token (byte routes refused). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"
#include "mcp_exec_int.h"

/* ---- code mode (api §10.1): search over the row catalogue, execute through the router --- */

static const char *const code_clients[] = {"claude-code", "claude code",   "cursor",  "continue",
                                           "cowork",      "claude-cowork", "codex",   "antigravity",
                                           "gemini-cli",  "grok-cli",      "opencode"};

void mcpx_on_initialize(void *ud, struct mcp_rpc_sess *s)
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

json_t *mcpx_code_tools(void)
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
                  "query", "annotations", "readOnlyHint", 1, "destructiveHint", 0, "idempotentHint",
                  1, "openWorldHint", 0));
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
                  "inputSchema", "type", "object", "properties", "method", "type", "string", "enum",
                  "get", "post", "put", "patch", "delete", "postJson", "putJson", "patchJson",
                  "description", "HTTP method.", "path", "type", "string", "description",
                  "Path below /current.", "params", "type", "object", "description",
                  "Query parameters.", "body", "type", "object", "description", "Body fields.",
                  "required", "method", "path", "annotations", "readOnlyHint", 0, "destructiveHint",
                  1, "idempotentHint", 0, "openWorldHint", 0));
    return list;
}

static bool word_in(const char *hay, const char *word, size_t wl)
{
    for (const char *p = hay; *p != '\0'; p++)
        if (strncasecmp(p, word, wl) == 0)
            return true;
    return false;
}

json_t *mcpx_code_search_api(const char *query)
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
                ps, json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", row->param_info[k].name, "type",
                              fastio_param_type_name(row->param_info[k].type), "in",
                              fastio_param_in_name(row->param_info[k].in), "required",
                              row->param_info[k].required, "description",
                              row->param_info[k].doc ? row->param_info[k].doc : ""));
        json_array_append_new(hits,
                              json_pack("{s:s, s:s, s:s, s:s, s:o}", "endpoint", row->name,
                                        "method", fastio_method_name(row->method), "path",
                                        row->path, "description", row->doc, "parameters", ps));
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

json_t *mcpx_code_execute(struct mcp_exec *ex, struct mcp_rpc_sess *s, json_t *args)
{
    const char *m = json_string_value(json_object_get(args, "method"));
    const char *path = json_string_value(json_object_get(args, "path"));
    json_t *params = json_object_get(args, "params");
    json_t *body = json_object_get(args, "body");
    static const char *const methods[][2] = {
        {"get", "GET"},       {"post", "POST"},     {"put", "PUT"},     {"patch", "PATCH"},
        {"delete", "DELETE"}, {"postJson", "POST"}, {"putJson", "PUT"}, {"patchJson", "PATCH"}};
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
    char authz[1200];
    mcpx_call_authz(ex, authz, sizeof(authz));
    struct mcp_ires res;
    memset(&res, 0, sizeof(res));
    int rc = -1;
    if (ok)
        rc = mcp_internal(ex->srv, ex->client_ip, method, path, &q, &f,
                          "application/x-www-form-urlencoded", NULL, 0, authz[0] ? authz : NULL,
                          &res);
    explicit_bzero(authz, sizeof(authz));
    fio_form_release(&q);
    fio_form_release(&f);
    if (!ok)
        return mcp_result_message("too many parameters", true);
    char title[300];
    snprintf(title, sizeof(title), "%s %.200s", method, path);
    json_t *out = rc == 0
                      ? mcp_result_ok(NULL, title, res.body, mcpx_structured(s))
                      : mcp_result_error(NULL, res.http, res.code, res.text, mcpx_structured(s));
    mcp_ires_clear(&res);
    return out;
}
