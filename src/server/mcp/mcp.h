/* SPDX-License-Identifier: MIT */
/* mcp.h - fastio-server as an MCP server (api §10.1) on its own port: the Streamable HTTP
 * transport at /mcp, the legacy HTTP+SSE transport (/sse + /messages), the MCP sessions, the
 * tool executor that runs every tools/call as an internal request through the REST router (same
 * authentication, roles and BOLA checks as REST), resources, and the side routes /blob and
 * /file/workspace/{ws}/{node}. The protocol core (JSON-RPC, lifecycle) and the tool catalogue
 * are shared with `fastio mcp` in src/common (mcp_rpc.h, mcp_catalog.h, mcp_result.h). */
#ifndef SRV_MCP_H
#define SRV_MCP_H

#include <stdbool.h>
#include <stddef.h>

#include "mcp_rpc.h"
#include "server.h"

/* Kinds of MCP request (struct req.mcp_kind); 0 = not an MCP path. */
enum mcp_kind {
    MCP_K_NONE = 0,
    MCP_K_MCP,      /* /mcp: POST, GET (stream), DELETE */
    MCP_K_SSE,      /* GET /sse: legacy stream */
    MCP_K_MESSAGES, /* POST /messages?sessionId= */
    MCP_K_BLOB,     /* POST /blob */
    MCP_K_FILE,     /* GET /file/workspace/{ws}/{node} */
    MCP_K_PRM,      /* GET /.well-known/oauth-protected-resource/mcp (RFC 9728) */
};

#define MCP_DEFAULT_MAX_SESSIONS 1000
#define MCP_DEFAULT_IDLE_S 1800
#define MCP_BLOB_MAX (100LL * 1024 * 1024) /* api §10.1 */
#define MCP_BLOB_TTL_S 300
#define MCP_BLOB_MAX_COUNT 64

/* Server lifecycle (http.c): start after the store, close before MHD_stop_daemon (ends the
 * open streams: MHD must not find a suspended connection), free after. */
int mcp_start(struct server *s);
void mcp_close(struct server *s);
void mcp_free(struct server *s);

/* The MCP kind of a request URL (without query). */
enum mcp_kind mcp_kind_of(const char *url);
/* First call of an MCP request (headers in, conn = struct MHD_Connection *). Returns 0 to
 * read the body (buffered in r->body, or taken by r->stream), 1 when a response is queued,
 * -1 when libmicrohttpd should drop the connection, 2 when r->err is set (http.c answers). */
int mcp_http_begin(struct req *r, void *conn, const char *url);
/* Release an MCP request's state (srv_req_free). */
void mcp_req_end(struct req *r);
/* Final call (the body is in): handle and queue the response. Returns an enum MHD_Result. */
int mcp_http_finish(struct req *r, void *conn);

/* ---- internal (the mcp folder) ------------------------------------------------------------------ */

struct mcp_sess;
/* The result of an internal request through the router. */
struct mcp_ires {
    int http;        /* status; 0 = no route */
    long code;       /* API error code */
    char text[256];  /* error text */
    json_t *body;    /* success: the handler's keys (owned), or a raw JSON body parsed */
    char *raw;       /* success: a raw non-JSON body (owned), raw_len bytes */
    size_t raw_len;
    char version_id[64]; /* success of a byte route (file read): the version it sends */
};
void mcp_ires_clear(struct mcp_ires *res);

/* Run method + path (below /current) through the router like a REST request: query and form
 * parameters (may be NULL), or a raw body with its content type; authz = the Authorization
 * header value or NULL. */
int mcp_internal(struct server *s, const char *client_ip, const char *method, const char *path,
                 const struct fio_form *query, const struct fio_form *form, const char *ctype,
                 const char *body, size_t blen, const char *authz, struct mcp_ires *res);

/* mcp_internal with a callback after each piece (1 MiB) of a streamed body is handed to the
 * route (progress of big uploads, D-120): done of total bytes. */
typedef void (*mcp_piece_fn)(void *ctx, size_t done, size_t total);
int mcp_internal_prog(struct server *s, const char *client_ip, const char *method,
                      const char *path, const struct fio_form *query, const struct fio_form *form,
                      const char *ctype, const char *body, size_t blen, const char *authz,
                      struct mcp_ires *res, mcp_piece_fn on_piece, void *piece_ctx);

/* The MCP server operations (tools, resources, prompts) for one HTTP request. */
struct mcp_exec {
    struct server *srv;
    struct mcp_sess *sess;
    const char *client_ip;
    char bearer[1100]; /* the request's own Bearer token, or "" */
    /* A live call (its answer is a stream): send the client a request (method, params stolen)
     * and wait for its answer; the answer message (owned), or NULL with err set. NULL when the
     * call is not live. */
    json_t *(*ask)(struct mcp_exec *ex, const char *method, json_t *params, char *err,
                   size_t errlen);
    void *live;
    /* The call runs on its own thread (live, D-120): it may wait (activity-poll, web-import),
     * bounded; in the access handler it must not. */
    bool may_wait;
};
/* The server's base URL (--public-url, else scheme://listen-address:port) into out. */
void mcp_base_url(struct server *s, char *out, size_t len);
/* ws and node of "download://workspace/{ws}/{node}"; false for other URIs (or too long). */
bool mcp_download_uri(const char *uri, char *ws, size_t wl, char *node, size_t nl);
/* true once the server is stopping (a waiting call gives up). */
bool mcp_stopping(struct server *s);

/* Tools whose calls send the client requests (sampling, elicitation): they run live. */
bool mcp_tool_asks(const char *name);
extern const struct mcp_server_ops mcp_srv_ops;

/* Session token access for the executor (under the session lock). */
void mcp_sess_token(struct mcp_sess *ss, char *out, size_t len, char *method, size_t mlen);
void mcp_sess_set_token(struct mcp_sess *ss, const char *token, const char *method,
                        const char *user_id, const char *email);
void mcp_sess_pkce(struct mcp_sess *ss, char *verifier, size_t vlen, bool set);
bool mcp_sess_code_mode(struct mcp_sess *ss);
void mcp_sess_set_code_mode(struct mcp_sess *ss, bool on);
const char *mcp_sess_id(struct mcp_sess *ss);
/* A staged blob (POST /blob) of the session's user, taken (single use). Owned bytes. */
int mcp_blob_take(struct server *s, const char *blob_id, const char *owner, char **data,
                  size_t *len);

/* --mcp-conformance-fixtures (mcp_fixtures.c): the test_* tools, resources and prompts the
 * conformance suite's server scenarios call. Off by default. */
void mcp_fixture_tools(json_t *tools);
void mcp_fixture_resources(json_t *resources);
void mcp_fixture_templates(json_t *templates);
void mcp_fixture_prompts(json_t *prompts);
json_t *mcp_fixture_call(struct mcp_exec *ex, struct mcp_rpc_sess *s, const char *name,
                         json_t *args, const json_t *ptok, mcp_emit_fn emit, void *ectx,
                         struct mcp_fault *f);
json_t *mcp_fixture_read(const char *uri);
json_t *mcp_fixture_prompt_get(const char *name, json_t *args, struct mcp_fault *f);

#endif
