/* SPDX-License-Identifier: MIT */
/* mcp_rpc.c - MCP JSON-RPC framing, lifecycle and method dispatch (mcp_rpc.h). */
#include "mcp_rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

bool mcp_proto_supported(const char *v)
{
    if (v == NULL)
        return false;
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
        if (strcmp(v, versions[i]) == 0)
            return true;
    return false;
}

bool mcp_proto_batches(const char *v)
{
    return v != NULL && strcmp(v, "2025-03-26") == 0;
}

bool mcp_proto_structured(const char *v)
{
    /* The dates compare as text: structuredContent arrived with 2025-06-18. */
    return v != NULL && v[0] != '\0' && strcmp(v, "2025-06-18") >= 0;
}

static json_t *error_obj(const json_t *id, int code, const char *msg)
{
    json_t *e = json_pack("{s:i, s:s}", "code", code, "message", msg != NULL ? msg : "");
    json_t *r = json_pack("{s:s, s:O?, s:o}", "jsonrpc", "2.0", "id", (json_t *)id, "error", e);
    if (r != NULL && id == NULL)
        json_object_set_new(r, "id", json_null());
    return r;
}

char *mcp_rpc_error_text(const json_t *id, int code, const char *msg)
{
    json_t *r = error_obj(id, code, msg);
    char *txt = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
    json_decref(r);
    return txt;
}

static json_t *result_obj(const json_t *id, json_t *result)
{
    return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", (json_t *)id, "result",
                     result != NULL ? result : json_object());
}

json_t *mcp_progress_notification(const json_t *token, double progress, double total,
                                  const char *message)
{
    json_t *p = json_pack("{s:O, s:f}", "progressToken", (json_t *)token, "progress", progress);
    if (p == NULL)
        return NULL;
    if (total >= 0)
        json_object_set_new(p, "total", json_real(total));
    if (message != NULL)
        json_object_set_new(p, "message", json_string(message));
    return json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", "notifications/progress",
                     "params", p);
}

json_t *mcp_log_notification(const char *level, const char *logger, const char *text)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "jsonrpc", "2.0", "method",
                     "notifications/message", "params", "level", level, "logger", logger,
                     "data", text);
}

/* A list result: the callback's, or {key: []}. */
static json_t *list_or_empty(json_t *(*fn)(void *, struct mcp_rpc_sess *), void *ud,
                             struct mcp_rpc_sess *s, const char *key)
{
    json_t *r = fn != NULL ? fn(ud, s) : NULL;
    if (r == NULL)
        r = json_pack("{s:[]}", key);
    return r;
}

static json_t *do_initialize(const struct mcp_server_ops *ops, void *ud, struct mcp_rpc_sess *s,
                             json_t *params, struct mcp_fault *f)
{
    if (!json_is_object(params)) {
        f->code = MCP_ERR_PARAMS;
        snprintf(f->msg, sizeof(f->msg), "initialize needs params {protocolVersion, "
                                         "capabilities, clientInfo}");
        return NULL;
    }
    const char *want = json_string_value(json_object_get(params, "protocolVersion"));
    if (want == NULL) {
        f->code = MCP_ERR_PARAMS;
        snprintf(f->msg, sizeof(f->msg), "initialize needs a string protocolVersion");
        return NULL;
    }
    if (s->initialized) {
        f->code = MCP_ERR_INVALID_REQUEST;
        snprintf(f->msg, sizeof(f->msg), "this session is already initialized; start a new "
                                         "session to initialize again");
        return NULL;
    }
    /* Negotiation: the client's version when we speak it, else our latest (the client then
     * decides whether it can go on). */
    snprintf(s->proto, sizeof(s->proto), "%s", mcp_proto_supported(want) ? want
                                                                          : MCP_PROTO_LATEST);
    json_t *ci = json_object_get(params, "clientInfo");
    const char *cn = json_string_value(json_object_get(ci, "name"));
    const char *cv = json_string_value(json_object_get(ci, "version"));
    snprintf(s->client_name, sizeof(s->client_name), "%s", cn != NULL ? cn : "");
    snprintf(s->client_version, sizeof(s->client_version), "%s", cv != NULL ? cv : "");
    s->initialized = true;
    if (ops->on_initialize != NULL)
        ops->on_initialize(ud, s);
    json_t *caps = json_pack("{s:{s:b}, s:{s:b, s:b}, s:{s:b}, s:{}, s:{}}", "tools",
                             "listChanged", 0, "resources", "subscribe", 1, "listChanged", 0,
                             "prompts", "listChanged", 0, "logging", "completions");
    json_t *r = json_pack("{s:s, s:o, s:{s:s, s:s}}", "protocolVersion", s->proto,
                          "capabilities", caps, "serverInfo", "name", ops->name, "version",
                          ops->version);
    if (r != NULL && ops->instructions != NULL)
        json_object_set_new(r, "instructions", json_string(ops->instructions));
    return r;
}

static const char *const log_levels[] = {"debug",    "info",  "notice", "warning",
                                         "error",    "critical", "alert", "emergency"};

bool mcp_event_id_parse(const char *v, unsigned *sno, uint64_t *n)
{
    char *end = NULL;
    if (v == NULL || *v < '1' || *v > '9')
        return false;
    size_t digits = strspn(v, "0123456789");
    if (digits > 10 || v[digits] != '-')
        return false;
    unsigned long long a = strtoull(v, &end, 10);
    if (end != v + digits || a == 0 || a > 0xffffffffULL)
        return false;
    const char *p = v + digits + 1;
    size_t d2 = strspn(p, "0123456789");
    if (d2 == 0 || d2 > 19 || p[d2] != '\0' || (d2 > 1 && p[0] == '0'))
        return false; /* one spelling per id: no leading zeros */
    unsigned long long b = strtoull(p, &end, 10);
    if (end != p + d2)
        return false;
    *sno = (unsigned)a;
    *n = (uint64_t)b;
    return true;
}

bool mcp_log_wanted(const struct mcp_rpc_sess *s, const char *level)
{
    if (s == NULL || s->log_level[0] == '\0' || level == NULL)
        return false;
    size_t want = 0, at = 0;
    for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
        if (strcmp(s->log_level, log_levels[i]) == 0)
            want = i;
        if (strcmp(level, log_levels[i]) == 0)
            at = i;
    }
    return at >= want;
}

/* Run one request's method; NULL result with f->code set on a protocol error. */
static json_t *dispatch(const struct mcp_server_ops *ops, void *ud, struct mcp_rpc_sess *s,
                        const char *method, json_t *params, mcp_emit_fn emit, void *emit_ctx,
                        unsigned *flags, struct mcp_fault *f)
{
    if (strcmp(method, "initialize") == 0) {
        json_t *r = do_initialize(ops, ud, s, params, f);
        if (r != NULL)
            *flags |= MCP_RPC_INITIALIZE;
        return r;
    }
    if (strcmp(method, "ping") == 0)
        return json_object();
    if (!s->initialized) {
        f->code = MCP_ERR_INVALID_REQUEST;
        snprintf(f->msg, sizeof(f->msg), "send initialize first (method %.60s before "
                                         "initialize)", method);
        return NULL;
    }
    if (params != NULL && !json_is_object(params)) {
        f->code = MCP_ERR_PARAMS;
        snprintf(f->msg, sizeof(f->msg), "params must be an object");
        return NULL;
    }
    if (strcmp(method, "tools/list") == 0)
        return list_or_empty(ops->tools_list, ud, s, "tools");
    if (strcmp(method, "resources/list") == 0)
        return list_or_empty(ops->resources_list, ud, s, "resources");
    if (strcmp(method, "resources/templates/list") == 0)
        return list_or_empty(ops->resource_templates, ud, s, "resourceTemplates");
    if (strcmp(method, "prompts/list") == 0)
        return list_or_empty(ops->prompts_list, ud, s, "prompts");
    if (strcmp(method, "tools/call") == 0) {
        const char *name = json_string_value(json_object_get(params, "name"));
        json_t *args = json_object_get(params, "arguments");
        if (name == NULL || (args != NULL && !json_is_object(args))) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "tools/call needs params {name: string, "
                                             "arguments?: object}");
            return NULL;
        }
        if (ops->tools_call == NULL) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "unknown tool: %.100s", name);
            return NULL;
        }
        const json_t *tok = json_object_get(json_object_get(params, "_meta"), "progressToken");
        if (tok != NULL && !json_is_string(tok) && !json_is_integer(tok))
            tok = NULL;
        return ops->tools_call(ud, s, name, args, tok, emit, emit_ctx, f);
    }
    if (strcmp(method, "resources/read") == 0) {
        const char *uri = json_string_value(json_object_get(params, "uri"));
        if (uri == NULL) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "resources/read needs params {uri: string}");
            return NULL;
        }
        if (ops->resources_read == NULL) {
            f->code = MCP_ERR_RESOURCE_NOT_FOUND;
            snprintf(f->msg, sizeof(f->msg), "resource not found: %.200s", uri);
            return NULL;
        }
        return ops->resources_read(ud, s, uri, f);
    }
    if (strcmp(method, "prompts/get") == 0) {
        const char *name = json_string_value(json_object_get(params, "name"));
        json_t *args = json_object_get(params, "arguments");
        if (name == NULL || (args != NULL && !json_is_object(args))) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "prompts/get needs params {name: string, "
                                             "arguments?: object}");
            return NULL;
        }
        if (ops->prompts_get == NULL) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "unknown prompt: %.100s", name);
            return NULL;
        }
        return ops->prompts_get(ud, s, name, args, f);
    }
    if (strcmp(method, "logging/setLevel") == 0) {
        const char *lv = json_string_value(json_object_get(params, "level"));
        bool ok = false;
        for (size_t i = 0; lv != NULL && i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
            ok = ok || strcmp(lv, log_levels[i]) == 0;
        if (!ok) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "level must be one of debug, info, notice, "
                                             "warning, error, critical, alert, emergency");
            return NULL;
        }
        snprintf(s->log_level, sizeof(s->log_level), "%s", lv);
        return json_object();
    }
    if (strcmp(method, "resources/subscribe") == 0 ||
        strcmp(method, "resources/unsubscribe") == 0) {
        const char *uri = json_string_value(json_object_get(params, "uri"));
        if (uri == NULL || strlen(uri) >= sizeof(s->subs[0])) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "%s needs params {uri: string} (under 256 bytes)",
                     method);
            return NULL;
        }
        unsigned at = s->n_subs;
        for (unsigned i = 0; i < s->n_subs && i < MCP_MAX_SUBS; i++)
            if (strcmp(s->subs[i], uri) == 0)
                at = i;
        if (strcmp(method, "resources/unsubscribe") == 0) {
            if (at < s->n_subs) {
                s->n_subs--;
                memmove(s->subs[at], s->subs[s->n_subs], sizeof(s->subs[0]));
            }
            return json_object();
        }
        if (at == s->n_subs) {
            if (s->n_subs >= MCP_MAX_SUBS) {
                f->code = MCP_ERR_PARAMS;
                snprintf(f->msg, sizeof(f->msg), "at most %d subscriptions per session",
                         MCP_MAX_SUBS);
                return NULL;
            }
            snprintf(s->subs[s->n_subs++], sizeof(s->subs[0]), "%s", uri);
        }
        return json_object();
    }
    if (strcmp(method, "completion/complete") == 0)
        return json_pack("{s:{s:[], s:i, s:b}}", "completion", "values", "total", 0, "hasMore",
                         0);
    f->code = MCP_ERR_METHOD;
    snprintf(f->msg, sizeof(f->msg), "method not found: %.100s", method);
    return NULL;
}

/* One message of a body (or of a batch). Returns the response object (owned) or NULL when
 * there is nothing to answer (a notification, a response). */
static json_t *handle_one(const struct mcp_server_ops *ops, void *ud, struct mcp_rpc_sess *s,
                          json_t *msg, bool in_batch, mcp_emit_fn emit, void *emit_ctx,
                          unsigned *flags)
{
    if (!json_is_object(msg)) {
        *flags |= MCP_RPC_BAD | MCP_RPC_REQUESTS;
        return error_obj(NULL, MCP_ERR_INVALID_REQUEST, "a JSON-RPC message must be an object");
    }
    json_t *id = json_object_get(msg, "id");
    bool id_ok = id != NULL && (json_is_string(id) || json_is_integer(id));
    const char *ver = json_string_value(json_object_get(msg, "jsonrpc"));
    if (ver == NULL || strcmp(ver, "2.0") != 0) {
        *flags |= MCP_RPC_BAD | MCP_RPC_REQUESTS;
        return error_obj(id_ok ? id : NULL, MCP_ERR_INVALID_REQUEST,
                         "jsonrpc must be \"2.0\"");
    }
    json_t *jm = json_object_get(msg, "method");
    if (jm == NULL) {
        /* A response to a request of ours (we send none that need one): nothing to answer. */
        if (json_object_get(msg, "result") != NULL || json_object_get(msg, "error") != NULL)
            return NULL;
        *flags |= MCP_RPC_BAD | MCP_RPC_REQUESTS;
        return error_obj(id_ok ? id : NULL, MCP_ERR_INVALID_REQUEST,
                         "a request needs a string \"method\"");
    }
    if (!json_is_string(jm)) {
        *flags |= MCP_RPC_BAD | MCP_RPC_REQUESTS;
        return error_obj(id_ok ? id : NULL, MCP_ERR_INVALID_REQUEST, "method must be a string");
    }
    const char *method = json_string_value(jm);
    json_t *params = json_object_get(msg, "params");
    if (id == NULL) {
        /* A notification: never answered. */
        if (strcmp(method, "notifications/initialized") == 0 && s->initialized)
            s->ready = true;
        return NULL;
    }
    *flags |= MCP_RPC_REQUESTS;
    if (!id_ok) {
        *flags |= MCP_RPC_BAD;
        return error_obj(NULL, MCP_ERR_INVALID_REQUEST, "id must be a string or an integer");
    }
    if (in_batch && strcmp(method, "initialize") == 0)
        return error_obj(id, MCP_ERR_INVALID_REQUEST, "initialize must not be part of a batch");
    struct mcp_fault f = {0, ""};
    json_t *res = dispatch(ops, ud, s, method, params, emit, emit_ctx, flags, &f);
    if (res == NULL) {
        if (f.code == 0) {
            f.code = MCP_ERR_INTERNAL;
            snprintf(f.msg, sizeof(f.msg), "internal error (out of memory?)");
        }
        return error_obj(id, f.code, f.msg);
    }
    return result_obj(id, res);
}

static char *dump(json_t *v)
{
    char *t = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    return t;
}

char *mcp_rpc_handle(const struct mcp_server_ops *ops, void *ud, struct mcp_rpc_sess *s,
                     const char *body, size_t len, mcp_emit_fn emit, void *emit_ctx,
                     unsigned *flags)
{
    *flags = 0;
    if (len > MCP_MAX_MESSAGE) {
        *flags = MCP_RPC_BAD | MCP_RPC_REQUESTS;
        return mcp_rpc_error_text(NULL, MCP_ERR_INVALID_REQUEST, "message too large");
    }
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (root == NULL) {
        *flags = MCP_RPC_BAD | MCP_RPC_REQUESTS;
        char msg[256];
        snprintf(msg, sizeof(msg), "parse error: %s (line %d, column %d)", je.text, je.line,
                 je.column);
        return mcp_rpc_error_text(NULL, MCP_ERR_PARSE, msg);
    }
    if (!json_is_array(root)) {
        json_t *resp = handle_one(ops, ud, s, root, false, emit, emit_ctx, flags);
        json_decref(root);
        return dump(resp);
    }
    *flags |= MCP_RPC_BATCH;
    size_t n = json_array_size(root);
    const char *why = NULL;
    if (!mcp_proto_batches(s->proto))
        why = "JSON-RPC batches are not part of this protocol version (only 2025-03-26)";
    else if (n == 0)
        why = "an empty batch is not a valid request";
    else if (n > MCP_MAX_BATCH)
        why = "batch too large (at most 32 messages)";
    if (why != NULL) {
        json_decref(root);
        *flags |= MCP_RPC_BAD | MCP_RPC_REQUESTS;
        return mcp_rpc_error_text(NULL, MCP_ERR_INVALID_REQUEST, why);
    }
    json_t *out = json_array();
    for (size_t i = 0; i < n && out != NULL; i++) {
        json_t *resp = handle_one(ops, ud, s, json_array_get(root, i), true, emit, emit_ctx,
                                  flags);
        if (resp != NULL)
            json_array_append_new(out, resp);
    }
    json_decref(root);
    if (out == NULL || json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return dump(out);
}
