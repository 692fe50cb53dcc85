/* SPDX-License-Identifier: MIT */
/* mcp_exec_int.h - internal to the MCP executor of fastio-server (mcp_srv_ops, api §10.1):
 * the helpers its files share and the actions each file implements.
 *
 *   mcp_exec.c        helpers, row actions, tools/list and the tools/call dispatch, mcp_srv_ops
 *   mcp_exec_auth.c   the auth tool's local actions (sign-in kept in the session)
 *   mcp_exec_files.c  upload text / stream / chunk, download read / file-url (D-120, D-123)
 *   mcp_exec_wait.c   ai ask / message-read, activity-poll and web-import that wait (D-122)
 *   mcp_exec_code.c   code mode: its tools, search over the rows, execute
 *   mcp_exec_res.c    resources and prompts */
#ifndef SRV_MCP_EXEC_INT_H
#define SRV_MCP_EXEC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "mcp.h"
#include "mcp_catalog.h"
#include "mcp_result.h"

/* ---- helpers (mcp_exec.c) ------------------------------------------------------------------- */

/* The client takes structuredContent (by its protocol version). */
bool mcpx_structured(const struct mcp_rpc_sess *s);
/* "Bearer <token>" of a token into out; "" for "". */
void mcpx_authz_of(const char *tok, char *out, size_t len);
/* The Authorization value a call uses: the request's own Bearer token, else the session's (a
 * sign-in through the auth tool, or the token the session was opened with); "" for none. */
void mcpx_call_authz(struct mcp_exec *ex, char *authz, size_t len);
/* path template with "{}" filled by percent-encoded args (',' kept: api §4.2). */
bool mcpx_fill_path(const char *tmpl, const char *const *args, size_t n, struct fio_buf *out);
/* A progress notification when the call has a progress token. */
void mcpx_progress(const json_t *tok, mcp_emit_fn emit, void *ctx, double done, double total,
                   const char *msg);

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
void mcpx_prog_at(struct prog *p, double done, double total, const char *msg);
/* A log notification at level when the client asked for that level. */
void mcpx_prog_log(struct prog *p, const char *level, const char *text);
/* mcp_piece_fn: a piece of a body went to the route (progress and a debug line). */
void mcpx_prog_piece(void *u, size_t done, size_t total);

/* The tool result of a failed internal request. */
json_t *mcpx_api_error(const struct mcp_call *c, const struct mcp_ires *res,
                       const struct mcp_rpc_sess *s);
/* mcpx_api_error, then res cleared. */
json_t *mcpx_api_fail(const struct mcp_call *c, struct mcp_ires *res, const struct mcp_rpc_sess *s);
/* mcp_result_ok() for data made here (freed). */
json_t *mcpx_result_steal(const struct mcp_call *c, const char *title, json_t *data,
                          const struct mcp_rpc_sess *s);
/* Run a row with the call's arguments (or explicit ones) through the router. */
int mcpx_run_row(struct mcp_exec *ex, const struct fastio_endpoint_info *row,
                 const char *const *path_args, size_t n_path, const struct fastio_param *params,
                 size_t n_params, const char *authz, const char *ctype, const char *body,
                 size_t blen, struct mcp_ires *res);
/* The call's own row with its arguments and authz ("" = none). */
int mcpx_run_call(struct mcp_exec *ex, const struct mcp_call *c, const char *authz,
                  struct mcp_ires *res);
/* A row action: the row through the router, its answer as the tool result. */
json_t *mcpx_exec_row(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                      const json_t *tok, mcp_emit_fn emit, void *ectx);

/* ---- mcp_exec_auth.c ------------------------------------------------------------------------ */

json_t *mcpx_auth_status(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c);
json_t *mcpx_auth_signin(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c);
json_t *mcpx_auth_set_key(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c);
json_t *mcpx_auth_signout(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c);
json_t *mcpx_auth_pkce_login(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c);
json_t *mcpx_auth_pkce_complete(struct mcp_exec *ex, struct mcp_rpc_sess *s,
                                const struct mcp_call *c);

/* ---- mcp_exec_files.c ----------------------------------------------------------------------- */

json_t *mcpx_upload_text(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                         const json_t *ptok, mcp_emit_fn emit, void *ectx);
json_t *mcpx_upload_stream(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                           const json_t *ptok, mcp_emit_fn emit, void *ectx);
json_t *mcpx_upload_chunk(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                          const json_t *ptok, mcp_emit_fn emit, void *ectx);
json_t *mcpx_download_read(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                           const json_t *ptok, mcp_emit_fn emit, void *ectx);
json_t *mcpx_download_url(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c);
/* The bytes of a readable file (at most max): the read route authorizes (router), the blob
 * gives the bytes; *size the file's size. pg (may be NULL) gets progress per piece. */
int mcpx_read_file(struct mcp_exec *ex, const char *ws, const char *node, size_t max, char **data,
                   size_t *len, int64_t *size, struct mcp_ires *res, struct prog *pg);
/* UTF-8 without NUL. */
bool mcpx_utf8_text(const char *d, size_t n);

/* ---- mcp_exec_wait.c ------------------------------------------------------------------------ */

json_t *mcpx_ai_ask(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c);
json_t *mcpx_ai_message_read(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c);
json_t *mcpx_event_poll(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                        const json_t *ptok, mcp_emit_fn emit, void *ectx);
json_t *mcpx_web_import(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                        const json_t *ptok, mcp_emit_fn emit, void *ectx);

/* ---- mcp_exec_code.c ------------------------------------------------------------------------ */

/* mcp_server_ops.on_initialize: named or code mode for the session (--mcp-mode, client). */
void mcpx_on_initialize(void *ud, struct mcp_rpc_sess *s);
json_t *mcpx_code_tools(void);
json_t *mcpx_code_search_api(const char *query);
json_t *mcpx_code_execute(struct mcp_exec *ex, struct mcp_rpc_sess *s, json_t *args);

/* ---- mcp_exec_res.c ------------------------------------------------------------------------- */

json_t *mcpx_resources_list(void *ud, struct mcp_rpc_sess *s);
json_t *mcpx_resource_templates(void *ud, struct mcp_rpc_sess *s);
json_t *mcpx_resources_read(void *ud, struct mcp_rpc_sess *s, const char *uri, struct mcp_fault *f);
json_t *mcpx_prompts_list(void *ud, struct mcp_rpc_sess *s);
json_t *mcpx_prompts_get(void *ud, struct mcp_rpc_sess *s, const char *name, json_t *args,
                         struct mcp_fault *f);

#endif
