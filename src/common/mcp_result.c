/* SPDX-License-Identifier: MIT */
/* mcp_result.c - CallToolResult builders and the JSON → markdown renderer (mcp_result.h). */
#include "mcp_result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Suggested next calls after an action (api §10.1 `_next`), by "tool action". */
static const struct {
    const char *key;
    const char *next[3];
} hints[] = {
    {"auth signin", {"workspace list", "org list", "auth status"}},
    {"auth set-api-key", {"workspace list", "org list", "auth status"}},
    {"org create", {"workspace create (org_id = this org)", "org info", NULL}},
    {"org list", {"workspace create (org_id from this list)", "org workspaces", NULL}},
    {"workspace create", {"upload text (workspace_id = this workspace)", "storage list", NULL}},
    {"workspace list", {"storage list (workspace_id, folder_id=root)", "workspace info", NULL}},
    {"storage list", {"storage details", "download file-url", "storage lock-acquire"}},
    {"upload text", {"storage list", "storage lock-acquire", "download read"}},
    {"upload stream", {"storage list", "storage details", NULL}},
    {"upload create-session", {"upload chunk", "upload finalize", "upload status"}},
    {"upload chunk", {"upload chunk (next order)", "upload finalize", NULL}},
    {"upload finalize", {"upload status", "storage list", NULL}},
    {"storage lock-acquire",
     {"storage lock-heartbeat (lock_token)", "upload text (file_id, lock_token)",
      "storage lock-release (lock_token)"}},
    {"storage lock-release", {"storage lock-status", NULL, NULL}},
    {"storage create-folder", {"upload text (folder_id = this folder)", "storage list", NULL}},
};

static void add_next(json_t *obj, const struct mcp_call *c)
{
    if (c == NULL || c->tool == NULL || c->action == NULL)
        return;
    char key[128];
    snprintf(key, sizeof(key), "%s %s", c->tool->name, c->action->name);
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        if (strcmp(hints[i].key, key) != 0)
            continue;
        json_t *arr = json_array();
        for (size_t k = 0; k < 3 && hints[i].next[k] != NULL; k++)
            json_array_append_new(arr, json_string(hints[i].next[k]));
        json_object_set_new(obj, "_next", arr);
        return;
    }
}

/* ---- markdown ----------------------------------------------------------------------------- */

struct md {
    struct fio_buf b;
    size_t max;
    bool cut;
};

static void md_put(struct md *m, const char *s, size_t n)
{
    if (m->cut)
        return;
    if (m->b.len + n > m->max) {
        m->cut = true;
        return;
    }
    if (!fio_buf_append(&m->b, s, n))
        m->cut = true;
}

static void md_str(struct md *m, const char *s)
{
    md_put(m, s, strlen(s));
}

/* A scalar as text; table cells escape '|' and newlines. */
static void md_scalar(struct md *m, const json_t *v, bool cell)
{
    char num[64];
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        for (size_t i = 0; i < n && !m->cut; i++) {
            if (cell && (s[i] == '|' || s[i] == '\n' || s[i] == '\r')) {
                md_str(m, s[i] == '|' ? "\\|" : " ");
            } else if (s[i] == '\0') {
                md_str(m, "\\0");
            } else {
                md_put(m, &s[i], 1);
            }
        }
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        md_str(m, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%g", json_real_value(v));
        md_str(m, num);
    } else if (json_is_true(v)) {
        md_str(m, "true");
    } else if (json_is_false(v)) {
        md_str(m, "false");
    } else if (json_is_null(v)) {
        md_str(m, "—");
    } else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (t != NULL) {
            md_str(m, "`");
            md_str(m, t);
            md_str(m, "`");
        }
        free(t);
    }
}

static bool is_scalar(const json_t *v)
{
    return !json_is_object(v) && !json_is_array(v);
}

static void md_indent(struct md *m, int depth)
{
    for (int i = 0; i < depth && i < 16; i++)
        md_str(m, "  ");
}

static void md_value(struct md *m, const json_t *v, int depth);

/* An array of objects: one table of the scalar members of the first rows (≤ 8 columns). */
static bool md_table(struct md *m, const json_t *arr, int depth)
{
    const char *cols[8];
    size_t nc = 0;
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row)
    {
        if (!json_is_object(row))
            return false;
        if (i >= 8)
            continue;
        const char *k;
        json_t *val;
        json_object_foreach(row, k, val)
        {
            if (!is_scalar(val) || nc >= 8)
                continue;
            bool seen = false;
            for (size_t c = 0; c < nc; c++)
                seen = seen || strcmp(cols[c], k) == 0;
            if (!seen)
                cols[nc++] = k;
        }
    }
    if (nc == 0)
        return false;
    md_indent(m, depth);
    md_str(m, "|");
    for (size_t c = 0; c < nc; c++) {
        md_str(m, " ");
        md_str(m, cols[c]);
        md_str(m, " |");
    }
    md_str(m, "\n");
    md_indent(m, depth);
    md_str(m, "|");
    for (size_t c = 0; c < nc; c++)
        md_str(m, " --- |");
    md_str(m, "\n");
    json_array_foreach(arr, i, row)
    {
        md_indent(m, depth);
        md_str(m, "|");
        for (size_t c = 0; c < nc; c++) {
            md_str(m, " ");
            json_t *cell = json_object_get(row, cols[c]);
            if (cell != NULL)
                md_scalar(m, cell, true);
            md_str(m, " |");
        }
        md_str(m, "\n");
        if (m->cut)
            break;
    }
    return true;
}

static void md_value(struct md *m, const json_t *v, int depth)
{
    if (depth > 8) {
        md_indent(m, depth);
        md_str(m, "…\n");
        return;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *val;
        json_object_foreach((json_t *)v, k, val)
        {
            md_indent(m, depth);
            md_str(m, "- **");
            md_str(m, k);
            md_str(m, "**:");
            if (is_scalar(val)) {
                md_str(m, " ");
                md_scalar(m, val, false);
                md_str(m, "\n");
            } else if ((json_is_array(val) && json_array_size(val) == 0) ||
                       (json_is_object(val) && json_object_size(val) == 0)) {
                md_str(m, " (none)\n");
            } else {
                md_str(m, "\n");
                md_value(m, val, depth + 1);
            }
            if (m->cut)
                return;
        }
    } else if (json_is_array(v)) {
        if (md_table(m, v, depth))
            return;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (is_scalar(e)) {
                md_indent(m, depth);
                md_str(m, "- ");
                md_scalar(m, e, false);
                md_str(m, "\n");
            } else {
                md_indent(m, depth);
                md_str(m, "-\n");
                md_value(m, e, depth + 1);
            }
            if (m->cut)
                return;
        }
    } else {
        md_indent(m, depth);
        md_scalar(m, v, false);
        md_str(m, "\n");
    }
}

char *mcp_markdown(const json_t *v, size_t max)
{
    struct md m;
    fio_buf_init(&m.b, 0);
    m.max = max > 32 ? max - 32 : max;
    m.cut = false;
    md_value(&m, v, 0);
    if (m.cut) {
        m.max += 32;
        m.cut = false;
        md_str(&m, "\n…(truncated)\n");
    }
    if (m.b.len == 0)
        fio_buf_append_str(&m.b, "");
    char *s = fio_buf_steal(&m.b);
    fio_buf_release(&m.b);
    return s;
}

/* ---- results ------------------------------------------------------------------------------ */

static json_t *text_content(const char *text)
{
    return json_pack("[{s:s, s:s}]", "type", "text", "text", text != NULL ? text : "");
}

json_t *mcp_result_ok(const struct mcp_call *c, const char *title, json_t *data, bool structured)
{
    json_t *sc = json_is_object(data) ? json_deep_copy(data) : json_pack("{s:O?}", "result", data);
    if (sc == NULL)
        sc = json_object();
    add_next(sc, c);
    struct fio_buf b;
    fio_buf_init(&b, 0);
    if (title != NULL) {
        fio_buf_append_str(&b, "## ");
        fio_buf_append_str(&b, title);
        fio_buf_append_str(&b, "\n\n");
    }
    char *md = mcp_markdown(data != NULL ? data : sc, MCP_MARKDOWN_MAX);
    fio_buf_append_str(&b, md != NULL ? md : "");
    free(md);
    json_t *next = json_object_get(sc, "_next");
    if (next != NULL) {
        fio_buf_append_str(&b, "\n**Next:** ");
        size_t i;
        json_t *n;
        json_array_foreach(next, i, n)
        {
            fio_buf_append_str(&b, i ? "; " : "");
            fio_buf_append_str(&b, json_string_value(n));
        }
        fio_buf_append_str(&b, "\n");
    }
    char *text = fio_buf_steal(&b);
    fio_buf_release(&b);
    json_t *r = json_pack("{s:o, s:b}", "content", text_content(text), "isError", 0);
    free(text);
    if (r != NULL && structured)
        json_object_set_new(r, "structuredContent", sc);
    else
        json_decref(sc);
    return r;
}

static const char *recovery(long http)
{
    switch (http) {
    case 0:
        return "The call could not be made; check the arguments and try again.";
    case 400:
        return "Fix the parameter named in the error (call the tool with action \"describe\" "
               "for its parameters) and try again.";
    case 401:
        return "Sign in again: call the auth tool with action \"signin\" (email, password) or "
               "\"set-api-key\", or send a valid Bearer token.";
    case 402:
        return "The account is out of credits or its plan does not include this.";
    case 403:
        return "Missing permission or scope: your role in this org/workspace (or the token's "
               "scopes) does not allow this; ask an admin, or use a token with the scope.";
    case 404:
        return "Not found: check the id (list the parent first), or you may have no access.";
    case 406:
    case 409:
        return "The object is in a state that refuses this (locked, archived or already "
               "done); read its status and try again.";
    case 413:
        return "Too large: send less (split the upload into chunks).";
    case 423:
        return "The file is locked by someone else; wait for the lock to be released.";
    case 429:
        return "Rate limited: back off 2-4 seconds and retry.";
    default:
        break;
    }
    if (http >= 500)
        return "Server-side failure; wait a moment and retry.";
    return "Read the error text and adjust the call.";
}

json_t *mcp_result_error(const struct mcp_call *c, long http, long api_code, const char *text,
                         bool structured)
{
    char what[160] = "";
    if (c != NULL && c->tool != NULL && c->action != NULL)
        snprintf(what, sizeof(what), "%s %s", c->tool->name, c->action->name);
    const char *rec = recovery(http);
    struct fio_buf b;
    fio_buf_init(&b, 0);
    fio_buf_printf(&b,
                   "## Error%s%s\n\n%s\n\n- **http_status**: %ld\n- **code**: %ld\n\n"
                   "**Recovery:** %s\n",
                   what[0] ? ": " : "", what, text != NULL ? text : "", http, api_code, rec);
    char *t = fio_buf_steal(&b);
    fio_buf_release(&b);
    json_t *r = json_pack("{s:o, s:b}", "content", text_content(t), "isError", 1);
    free(t);
    if (r != NULL && structured)
        json_object_set_new(r, "structuredContent",
                            json_pack("{s:b, s:{s:I, s:I, s:s}, s:s}", "result", 0, "error",
                                      "http_status", (json_int_t)http, "code", (json_int_t)api_code,
                                      "text", text != NULL ? text : "", "_recovery", rec));
    return r;
}

json_t *mcp_result_message(const char *text, bool is_error)
{
    return json_pack("{s:o, s:b}", "content", text_content(text), "isError", is_error);
}

bool mcp_import_ended(const char *status)
{
    return status != NULL && (strcmp(status, "complete") == 0 || strcmp(status, "failed") == 0 ||
                              strcmp(status, "canceled") == 0);
}

bool mcp_import_view(const json_t *job, struct mcp_import_view *v)
{
    v->status = json_string_value(json_object_get(job, "status"));
    if (v->status == NULL)
        v->status = "";
    json_int_t done = json_integer_value(json_object_get(job, "bytes_done"));
    json_int_t size = json_integer_value(json_object_get(job, "size"));
    v->done = (double)done;
    v->total = size > 0 ? (double)size : -1;
    snprintf(v->msg, sizeof(v->msg), "%s: %lld bytes", v->status, (long long)done);
    return mcp_import_ended(v->status);
}
