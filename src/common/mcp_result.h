/* SPDX-License-Identifier: MIT */
/* mcp_result.h - MCP tool results (CallToolResult) as Fast.io's hosted server shapes them
 * (api §10.1): readable markdown text, the same data as structuredContent (protocol versions
 * that have it), `_next` hints, and on failure isError:true with `_recovery` advice (sign in
 * again on 401, back off on 429, missing permission or scope on 403). Shared by the server's
 * /mcp and the stdio server. */
#ifndef FIO_MCP_RESULT_H
#define FIO_MCP_RESULT_H

#include <jansson.h>
#include <stdbool.h>

#include "mcp_catalog.h"

#define MCP_MARKDOWN_MAX (256 * 1024) /* bytes of markdown text in one result */

/* A successful result: title line, markdown of data (borrowed), _next hints of the action.
 * structured = include structuredContent (mcp_proto_structured()). OWNED. */
json_t *mcp_result_ok(const struct mcp_call *c, const char *title, json_t *data, bool structured);
/* A failed result (isError:true): what failed (http status, API code and text; http 0 = the
 * call could not be made) and how to recover. OWNED. */
json_t *mcp_result_error(const struct mcp_call *c, long http, long api_code, const char *text,
                         bool structured);
/* A failed result for a message without an API status (bad arguments). OWNED. */
json_t *mcp_result_message(const char *text, bool is_error);

/* Markdown of a JSON value: objects as "- **key**: value" lines, arrays of objects as tables of
 * their scalar members; bounded to max bytes (then "…(truncated)"). OWNED (free()). */
char *mcp_markdown(const json_t *v, size_t max);

/* A web-import job (api §5.7) seen by a call that waits for it: its status (never NULL; "" when
 * missing), bytes done and size (-1 = unknown) and a progress line ("downloading: N bytes").
 * true when the job has ended (complete, failed or canceled). Shared by /mcp and stdio. */
struct mcp_import_view {
    const char *status;
    double done;
    double total;
    char msg[120];
};
bool mcp_import_view(const json_t *job, struct mcp_import_view *v);
bool mcp_import_ended(const char *status);

#endif
