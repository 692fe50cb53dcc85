/* SPDX-License-Identifier: MIT */
/* fastio/mcp.h - a Model Context Protocol client (MCP specification 2025-11-25; api §10.3), so a C
 * program can drive any MCP server: Fast.io's hosted one, fastio-server's /mcp, `fastio mcp`,
 * or a third party's.
 *
 * Transports:
 *  - FASTIO_MCP_HTTP ("Streamable HTTP"): every JSON-RPC message is a POST to the URL; the answer
 *    is application/json or a text/event-stream carrying notifications and then the response.
 *    The Mcp-Session-Id the server hands out at initialize, and the negotiated
 *    MCP-Protocol-Version, go on every later request. A stream that ends before the response is
 *    resumed with a GET carrying Last-Event-ID, after the delay of the stream's last `retry:`
 *    field. close() sends DELETE to end the session.
 *  - FASTIO_MCP_SSE (the 2024-11-05 "HTTP+SSE" transport): a GET stream at the URL (usually
 *    …/sse) whose first event, `endpoint`, names where to POST (same scheme, host and port
 *    only); every answer arrives on the stream. The session lives with the stream: when it
 *    closes, every later call fails with NETWORK (connect again).
 *  - FASTIO_MCP_STDIO: the library forks and execs a server process and speaks newline-delimited
 *    JSON-RPC on its stdin/stdout (its stderr is left to the caller's).
 *
 * fastio_mcp_connect() also runs the lifecycle: initialize (offering
 * FASTIO_MCP_PROTOCOL_VERSION, accepting any older version the server answers with) and the
 * notifications/initialized notification. The client declares no capabilities: a server's
 * sampling, elicitation or roots request is answered "method not supported" (-32601).
 *
 * Call fastio_global_init() first (libcurl's process-wide set-up), as for every libfastio client.
 * One connection is single-threaded: call its functions from one thread at a time. Callbacks run
 * on that thread, inside the call that read the message; they must not call back into the same
 * connection. A request that times out or is cancelled is followed by notifications/cancelled
 * to the server. Every message read is bounded by max_message_bytes.
 *
 * Same conventions as fastio/fastio.h (ownership, errors, ABI rule D-005). */
#ifndef FASTIO_MCP_H
#define FASTIO_MCP_H

#include "fastio/fastio.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FASTIO_MCP_PROTOCOL_VERSION "2025-11-25" /* the newest version offered */

enum fastio_mcp_transport {
    FASTIO_MCP_HTTP = 0,  /* Streamable HTTP */
    FASTIO_MCP_SSE = 1,   /* legacy HTTP+SSE */
    FASTIO_MCP_STDIO = 2  /* a spawned process */
};

/* A server notification (a JSON-RPC message without id), other than notifications/progress
 * when on_progress is set. params is borrowed (may be NULL). */
typedef void (*fastio_mcp_notification_fn)(void *userdata, const char *method,
                                           const json_t *params);
/* notifications/progress for a request of this connection: total < 0 when the server sent none;
 * message NULL when none. Every request sent while on_progress is set carries a progressToken
 * (its request id). */
typedef void (*fastio_mcp_progress_fn)(void *userdata, double progress, double total,
                                       const char *message);

struct fastio_mcp_config {
    size_t struct_size;                 /* set by fastio_mcp_config_init(); ABI rule D-005 */
    enum fastio_mcp_transport transport; /* default FASTIO_MCP_HTTP */
    const char *url;                    /* HTTP and SSE: http:// or https:// URL */
    const char *const *command;         /* STDIO: argv, NULL-terminated; command[0] is looked
                                           up in PATH */
    const char *bearer_token;           /* HTTP and SSE: sent as Authorization: Bearer; NULL */
    const char *client_name;            /* clientInfo.name; NULL = "fastio-c" */
    const char *client_version;         /* clientInfo.version; NULL = FASTIO_VERSION */
    const char *protocol_version;       /* offered; NULL = FASTIO_MCP_PROTOCOL_VERSION */
    long connect_timeout_ms;            /* default 10000 */
    long timeout_ms;                    /* per request, covering resumptions; default 60000;
                                           0 = none */
    size_t max_message_bytes;           /* one message / SSE event / stdio line; default 16 MiB */
    int max_reconnects;                 /* resumptions of one request's stream; default 5 */
    long default_retry_ms;              /* resumption delay when no retry: field came; 1000 */
    bool listen;                        /* HTTP: also open the GET stream for server-initiated
                                           messages (read by the requests and fastio_mcp_poll) */
    struct fastio_cancel *cancel;       /* borrowed; triggers CANCELLED in any call; NULL */
    fastio_mcp_notification_fn on_notification; /* optional */
    void *notification_userdata;
    fastio_mcp_progress_fn on_progress; /* optional */
    void *progress_userdata;
    const char *ca_file;                /* HTTP and SSE: PEM bundle verifying an https:// server
                                           instead of the system's (fastio_config.ca_file,
                                           D-125); checked at connect (INVALID naming the
                                           path); NULL = the system bundle */
};

/* Fill the first size bytes of cfg with the defaults; use fastio_mcp_config_init(). */
FASTIO_API void fastio_mcp_config_init_sized(struct fastio_mcp_config *cfg, size_t size);
static inline void fastio_mcp_config_init(struct fastio_mcp_config *cfg)
{
    fastio_mcp_config_init_sized(cfg, sizeof(*cfg));
}

struct fastio_mcp;

/* Connect and initialize. Returns NULL on failure: INVALID (config), NETWORK, TIMEOUT,
 * CANCELLED, PROTOCOL (not an MCP server, or an unusable answer), AUTH / FORBIDDEN (HTTP 401 /
 * 403: err.message has the server's WWW-Authenticate), IO (the process could not be started),
 * UNSUPPORTED (the server's protocol version is not one this library speaks), NOMEM. Every
 * string of cfg is copied. Free with fastio_mcp_close(). */
FASTIO_API FASTIO_NODISCARD struct fastio_mcp *
fastio_mcp_connect(const struct fastio_mcp_config *cfg, struct fastio_error *err);

/* End the session (HTTP: DELETE with the session id; STDIO: close the child's stdin, wait up to
 * 2 s, then SIGTERM and SIGKILL) and free everything. NULL is a no-op. */
FASTIO_API void fastio_mcp_close(struct fastio_mcp *m);

/* The negotiated protocol version; borrowed for the connection's life. */
FASTIO_API const char *fastio_mcp_protocol_version(const struct fastio_mcp *m);
/* The initialize result {protocolVersion, capabilities, serverInfo, instructions?}; borrowed. */
FASTIO_API const json_t *fastio_mcp_server_info(const struct fastio_mcp *m);
/* HTTP: the Mcp-Session-Id ("" when the server gave none); other transports "". Borrowed. */
FASTIO_API const char *fastio_mcp_session_id(const struct fastio_mcp *m);

/* Send a request and wait for its response. params (borrowed; NULL = none) must be an object.
 * On success *result (OWNED) is the response's result. A JSON-RPC error response is
 * FASTIO_API_ERROR with err.api_code = the error code and err.message its message (then
 * *error_data, when not NULL, receives the error's data member, OWNED, or NULL). TIMEOUT /
 * CANCELLED send notifications/cancelled first. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_mcp_request(struct fastio_mcp *m, const char *method, const json_t *params,
                   json_t **result, struct fastio_error *err);

/* Send a notification (no answer). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_mcp_notify(struct fastio_mcp *m,
                                                                 const char *method,
                                                                 const json_t *params,
                                                                 struct fastio_error *err);

/* tools/list, following nextCursor to the end (at most 1000 pages): *tools (OWNED) is the array
 * of every tool {name, title?, description?, inputSchema, outputSchema?, annotations?}. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_mcp_list_tools(struct fastio_mcp *m, json_t **tools, struct fastio_error *err);

/* tools/call: arguments (borrowed; NULL = {}) must be an object. *result (OWNED) is the
 * CallToolResult {content[], structuredContent?, isError?}: a tool's own failure is a result
 * with isError true and still returns OK. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_mcp_call_tool(struct fastio_mcp *m, const char *name, const json_t *arguments,
                     json_t **result, struct fastio_error *err);

/* resources/list (all pages, as list_tools): *resources (OWNED) array. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_mcp_list_resources(struct fastio_mcp *m, json_t **resources, struct fastio_error *err);

/* resources/read: *result (OWNED) is {contents: [{uri, mimeType?, text | blob}]}. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_mcp_read_resource(struct fastio_mcp *m,
                                                                        const char *uri,
                                                                        json_t **result,
                                                                        struct fastio_error *err);

/* Wait up to wait_ms for server-initiated messages (GET stream with cfg.listen, the legacy SSE
 * stream, or the process's stdout) and hand them to the callbacks; server requests are answered
 * (ping with {}, anything else with "method not found"). Returns OK (also when nothing came),
 * or the transport's failure (NETWORK when the process or stream is gone for good). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_mcp_poll(struct fastio_mcp *m, long wait_ms,
                                                               struct fastio_error *err);

#ifdef __cplusplus
}
#endif
#endif
