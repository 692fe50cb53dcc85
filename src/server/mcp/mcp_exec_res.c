/* SPDX-License-Identifier: MIT */
/* mcp_exec_res.c - MCP resources and prompts of fastio-server (api §10.1): skill://guide (made
 * from the catalogue), session://status, download://workspace/{ws}/{node} (a file inline), and
 * the conformance fixtures' resources and prompts when they are on. */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "mcp_exec_int.h"

/* ---- resources ---------------------------------------------------------------------------- */

json_t *mcpx_resources_list(void *ud, struct mcp_rpc_sess *s)
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

json_t *mcpx_resource_templates(void *ud, struct mcp_rpc_sess *s)
{
    struct mcp_exec *ex = ud;
    (void)s;
    json_t *r =
        json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "resourceTemplates", "uriTemplate",
                  "download://workspace/{ws}/{node}", "name", "workspace-file", "description",
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

json_t *mcpx_resources_read(void *ud, struct mcp_rpc_sess *s, const char *uri, struct mcp_fault *f)
{
    struct mcp_exec *ex = ud;
    if (strcmp(uri, "skill://guide") == 0) {
        char *g = guide_text();
        json_t *r = text_contents(uri, "text/markdown", g != NULL ? g : "");
        free(g);
        return r;
    }
    if (strcmp(uri, "session://status") == 0) {
        json_t *st = mcpx_auth_status(ex, s, NULL);
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
        if (!mcp_download_uri(uri, ws, sizeof(ws), node, sizeof(node))) {
            f->code = MCP_ERR_RESOURCE_NOT_FOUND;
            snprintf(f->msg, sizeof(f->msg), "use download://workspace/{ws}/{node}");
            return NULL;
        }
        char *data = NULL;
        size_t len = 0;
        int64_t size = 0;
        struct mcp_ires res;
        if (mcpx_read_file(ex, ws, node, 100 * 1024, &data, &len, &size, &res, NULL) != 0) {
            f->code =
                res.http == 404 || res.http == 403 ? MCP_ERR_RESOURCE_NOT_FOUND : MCP_ERR_INTERNAL;
            snprintf(f->msg, sizeof(f->msg), "cannot read %.200s: HTTP %d %s", uri, res.http,
                     res.text);
            mcp_ires_clear(&res);
            return NULL;
        }
        mcp_ires_clear(&res);
        json_t *r;
        if (mcpx_utf8_text(data, len)) {
            json_t *t = json_stringn(data, len);
            r = json_pack("{s:[{s:s, s:s, s:o}]}", "contents", "uri", uri, "mimeType", "text/plain",
                          "text", t);
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

json_t *mcpx_prompts_list(void *ud, struct mcp_rpc_sess *s)
{
    struct mcp_exec *ex = ud;
    (void)s;
    json_t *r = json_pack("{s:[]}", "prompts");
    if (r != NULL && ex->srv->cfg.mcp_fixtures)
        mcp_fixture_prompts(json_object_get(r, "prompts"));
    return r;
}

json_t *mcpx_prompts_get(void *ud, struct mcp_rpc_sess *s, const char *name, json_t *args,
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
