/* SPDX-License-Identifier: MIT */
/* fuzz_jsonrpc.c - fuzz target for the MCP JSON-RPC framing (src/common/mcp_rpc.c) together
 * with the tool catalogue's argument validation (mcp_catalog.c): any bytes, fed to a fresh
 * session, to one initialized at 2025-11-25 and to one at 2025-03-26 (batches allowed). Every
 * answer must be valid JSON of the JSON-RPC 2.0 shape, and a message holding a request must
 * get one. The same bytes as a Last-Event-ID header value: an id that parses must print back
 * as the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_catalog.h"
#include "mcp_rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *tools_list(void *ud, struct mcp_rpc_sess *s)
{
    (void)ud;
    (void)s;
    return mcp_catalog_tools_list(NULL);
}

/* Validates against the catalogue; executes nothing (the framing is under test). */
static json_t *tools_call(void *ud, struct mcp_rpc_sess *s, const char *name, json_t *args,
                          const json_t *tok, mcp_emit_fn emit, void *emit_ctx,
                          struct mcp_fault *f)
{
    (void)ud;
    (void)s;
    struct mcp_call c;
    char err[512];
    if (mcp_catalog_tool(name) == NULL) {
        f->code = MCP_ERR_PARAMS;
        snprintf(f->msg, sizeof(f->msg), "unknown tool");
        return NULL;
    }
    if (tok != NULL && emit != NULL)
        emit(emit_ctx, mcp_progress_notification(tok, 1, 2, "half"));
    int rc = mcp_catalog_resolve(name, args, &c, err, sizeof(err));
    json_t *r = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text",
                          rc == 0 ? "ok" : err, "isError", rc != 0);
    if (rc == 0 && c.describe) {
        json_t *d = mcp_catalog_describe(c.tool, c.describe_action);
        json_decref(d);
    }
    mcp_call_clear(&c);
    return r;
}

static void emit(void *ctx, json_t *msg)
{
    (void)ctx;
    if (msg == NULL)
        abort();
    json_decref(msg);
}

static const struct mcp_server_ops ops = {
    .name = "fuzz", .version = "0", .tools_list = tools_list, .tools_call = tools_call};

static void check(const char *out, unsigned flags, bool batch_ok)
{
    if ((flags & MCP_RPC_REQUESTS) && out == NULL && !(flags & MCP_RPC_BATCH))
        abort();
    if (out == NULL)
        return;
    json_t *v = json_loads(out, JSON_DECODE_ANY, NULL);
    if (v == NULL)
        abort();
    if (json_is_array(v)) {
        if (!batch_ok || json_array_size(v) == 0 || json_array_size(v) > MCP_MAX_BATCH)
            abort();
    } else {
        const char *ver = json_string_value(json_object_get(v, "jsonrpc"));
        if (ver == NULL || strcmp(ver, "2.0") != 0)
            abort();
        if ((json_object_get(v, "result") == NULL) == (json_object_get(v, "error") == NULL))
            abort();
    }
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *proto[] = {"", "2025-11-25", "2025-03-26"};
    for (size_t i = 0; i < 3; i++) {
        struct mcp_rpc_sess s;
        memset(&s, 0, sizeof(s));
        if (proto[i][0] != '\0') {
            snprintf(s.proto, sizeof(s.proto), "%s", proto[i]);
            s.initialized = true;
        }
        unsigned flags = 0;
        char *out = mcp_rpc_handle(&ops, NULL, &s, (const char *)data, size, emit, NULL, &flags);
        check(out, flags, i == 2);
        free(out);
    }
    if (size < 64) {
        char hv[64], back[64];
        memcpy(hv, data, size);
        hv[size] = '\0';
        unsigned sno = 0;
        uint64_t n = 0;
        if (mcp_event_id_parse(hv, &sno, &n)) {
            snprintf(back, sizeof(back), "%u-%llu", sno, (unsigned long long)n);
            if (sno == 0 || strcmp(back, hv) != 0)
                abort();
        }
    }
    return 0;
}
