/* SPDX-License-Identifier: MIT */
/* mcp_rpc.h - the MCP protocol core, independent of the transport: JSON-RPC 2.0 framing
 * (requests, notifications, responses, batches where the protocol version allows them), the
 * lifecycle (initialize with version negotiation, ping) and the method dispatch to a
 * server's callbacks (tools, resources, prompts). fastio-server's /mcp and /sse and a stdio
 * server (`fastio mcp`) feed it message bodies and send back what it returns.
 *
 * Errors follow JSON-RPC 2.0: -32700 parse error (id null), -32600 invalid request, -32601
 * unknown method, -32602 invalid params, -32603 internal. A tool that fails is not a protocol
 * error: its result has isError:true (the callback decides). */
#ifndef FIO_MCP_RPC_H
#define FIO_MCP_RPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCP_PROTO_LATEST "2025-11-25"
#define MCP_MAX_BATCH 32                   /* messages in one batch (2025-03-26 only) */
#define MCP_MAX_MESSAGE (4 * 1024 * 1024)  /* bytes of one message body; more is refused */
#define MCP_MAX_SUBS 16                    /* resources/subscribe URIs of one session */

enum {
    MCP_ERR_PARSE = -32700,
    MCP_ERR_INVALID_REQUEST = -32600,
    MCP_ERR_METHOD = -32601,
    MCP_ERR_PARAMS = -32602,
    MCP_ERR_INTERNAL = -32603,
    MCP_ERR_RESOURCE_NOT_FOUND = -32002, /* resources/read of an unknown URI (spec) */
};

/* true for the versions this server speaks: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05. */
bool mcp_proto_supported(const char *v);
/* Whether version v has JSON-RPC batches (2025-03-26 only) / structuredContent (>= 2025-06-18). */
bool mcp_proto_batches(const char *v);
bool mcp_proto_structured(const char *v);

/* Protocol state of one MCP session (one per HTTP session, one for a stdio server). */
struct mcp_rpc_sess {
    char proto[16];        /* negotiated version; "" before initialize */
    bool initialized;      /* initialize answered */
    bool ready;            /* notifications/initialized received */
    char client_name[128]; /* clientInfo.name */
    char client_version[64];
    char log_level[16];    /* logging/setLevel; "" = never set: no log messages (D-124) */
    /* resources/subscribe: the URIs this session watches (bounded) */
    char subs[MCP_MAX_SUBS][256];
    unsigned n_subs;
};

/* Sends one notification (progress, log message) on the current call's stream; steals msg. The
 * transport may drop it (a JSON response has nowhere to put it). */
typedef void (*mcp_emit_fn)(void *emit_ctx, json_t *msg);

/* What a call can report back to the protocol: a protocol error instead of a result. */
struct mcp_fault {
    int code;       /* 0 = none */
    char msg[512];
};

/* The server's side. Every callback may be NULL (the method then answers an empty list, or
 * -32601 for calls). Results are OWNED by the caller. */
struct mcp_server_ops {
    const char *name;          /* serverInfo.name */
    const char *version;       /* serverInfo.version */
    const char *instructions;  /* initialize result "instructions"; NULL = none */
    json_t *(*tools_list)(void *ud, struct mcp_rpc_sess *s);
    /* A CallToolResult ({content, structuredContent?, isError?}); NULL with f set for a
     * protocol error (unknown tool: -32602). progress_token: params._meta.progressToken or
     * NULL; emit/emit_ctx send notifications for this call. */
    json_t *(*tools_call)(void *ud, struct mcp_rpc_sess *s, const char *name, json_t *args,
                          const json_t *progress_token, mcp_emit_fn emit, void *emit_ctx,
                          struct mcp_fault *f);
    json_t *(*resources_list)(void *ud, struct mcp_rpc_sess *s);
    json_t *(*resource_templates)(void *ud, struct mcp_rpc_sess *s);
    /* {contents:[...]}; NULL with f set (unknown URI: MCP_ERR_RESOURCE_NOT_FOUND). */
    json_t *(*resources_read)(void *ud, struct mcp_rpc_sess *s, const char *uri,
                              struct mcp_fault *f);
    json_t *(*prompts_list)(void *ud, struct mcp_rpc_sess *s);
    json_t *(*prompts_get)(void *ud, struct mcp_rpc_sess *s, const char *name, json_t *args,
                           struct mcp_fault *f);
    /* Called once initialize succeeded (the session's mode may depend on clientInfo). */
    void (*on_initialize)(void *ud, struct mcp_rpc_sess *s);
};

/* Outcome flags of mcp_rpc_handle(). */
enum {
    MCP_RPC_REQUESTS = 1u,    /* the message held at least one request: there is a response */
    MCP_RPC_INITIALIZE = 2u,  /* an initialize request succeeded (HTTP: create a session) */
    MCP_RPC_BAD = 4u,         /* parse error or invalid request (HTTP: 400) */
    MCP_RPC_BATCH = 8u,       /* the message was a batch */
};

/* Handle one message body of len bytes (a request, a notification, a response, or a batch of
 * them when s->proto allows batches). Returns the response text (owned, free()) or NULL when
 * nothing is to be answered (notifications and responses only); *flags gets MCP_RPC_*.
 * Bodies over MCP_MAX_MESSAGE are refused with -32600. A request other than initialize and ping
 * before initialize is refused with -32600. */
char *mcp_rpc_handle(const struct mcp_server_ops *ops, void *ud, struct mcp_rpc_sess *s,
                     const char *body, size_t len, mcp_emit_fn emit, void *emit_ctx,
                     unsigned *flags);

/* A JSON-RPC error response text (owned) for id (NULL = null). */
char *mcp_rpc_error_text(const json_t *id, int code, const char *msg);

/* notifications/progress for token with progress/total (total < 0 = unknown) and a message. */
json_t *mcp_progress_notification(const json_t *token, double progress, double total,
                                  const char *message);
/* An SSE event id of fastio-server's MCP streams, "S-N" (S: the stream's number in the session,
 * 1..2^32-1; N: the session's event number), as a client sends it back in Last-Event-ID.
 * false for anything else (untrusted header bytes; fuzzed by tests/fuzz/fuzz_jsonrpc.c). */
bool mcp_event_id_parse(const char *v, unsigned *sno, uint64_t *n);
/* Whether a log message at level goes out: the session set a level (logging/setLevel) and
 * level is at least as severe. Without logging/setLevel no log message is sent. */
bool mcp_log_wanted(const struct mcp_rpc_sess *s, const char *level);
/* notifications/message (logging) at level ("info", ...) from logger with data text. */
json_t *mcp_log_notification(const char *level, const char *logger, const char *text);

#endif
