/* SPDX-License-Identifier: MIT */
/* mcp_catalog.h - the MCP tool catalogue shared by fastio-server (/mcp, /sse) and `fastio mcp`
 * (stdio): the named-mode tools (api §10.1), each an `action` enum whose actions map to endpoint
 * rows (include/fastio/endpoints*.h). A tool's JSON Schema, annotations and `describe` answer are
 * GENERATED from those rows (parameter types, required flags, choices, docs; method and RETRY
 * class), so adding an endpoint to MCP is one row plus one line in mcp_catalog_lines.c. A line whose
 * row is not in the table (a row another branch has not merged yet) is simply absent.
 *
 * Two kinds of action:
 *   row    the call IS the row: mcp_catalog_resolve() validates the arguments against the row
 *          and returns the row id, the path arguments and the other parameters as strings,
 *          ready for fastio_call() (CLI) or an internal router request (server).
 *   local  the executor implements it (sign-in keeps a token in the MCP session, `upload text`
 *          sends bytes, ...). Its parameters are declared in the catalogue line (and, when the
 *          line names a row, the row's parameters too); resolve validates them the same way and
 *          the executor reads them with mcp_call_arg().
 * Every tool also answers `action: "describe"` (no sign-in), generated here.
 *
 * Thread-safe: the catalogue is static data; functions allocate only what they return. */
#ifndef FIO_MCP_CATALOG_H
#define FIO_MCP_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "fastio/fastio.h"

#define MCP_CAT_MAX_PATH 8    /* path arguments of one row */
#define MCP_CAT_MAX_PARAMS 48 /* non-path parameters of one action */

/* Catalogue line flags. */
enum {
    MCP_ACT_DESTRUCTIVE = 1u,     /* needs confirm:true even though its method is not DELETE */
    MCP_ACT_NOT_DESTRUCTIVE = 2u, /* a DELETE that destroys nothing the user made (lock release) */
    MCP_ACT_NOAUTH = 4u,          /* callable before sign-in (rows with AUTH NONE are too) */
    MCP_ACT_WRITE = 8u,           /* changes state although its method is GET */
    MCP_ACT_LOCAL = 16u,          /* the executor implements it (see above) */
};

struct mcp_tool {
    const char *name;  /* "storage" */
    const char *title; /* "Files and folders" */
    const char *doc;   /* one or two sentences */
};

struct mcp_action {
    const char *tool;   /* tool name */
    const char *name;   /* hyphenated action name, e.g. "create-folder" */
    const char *row;    /* endpoint row name ("STORAGE_CREATE_FOLDER"), NULL for none */
    unsigned flags;     /* MCP_ACT_* */
    const char *doc;    /* NULL = the row's doc */
    const struct fastio_param_info *extra; /* extra (local) parameters, n_extra entries */
    size_t n_extra;
};

/* The tools, in listing order. */
const struct mcp_tool *mcp_catalog_tools(size_t *n);
/* A tool by name (case-sensitive); NULL when unknown. */
const struct mcp_tool *mcp_catalog_tool(const char *name);
/* The action of tool `tool` named `action` (underscores are read as hyphens); NULL when the tool
 * has no such action or the action's row is not in this build. "describe" is not a line. */
const struct mcp_action *mcp_catalog_action(const char *tool, const char *action);
/* The row of an action (NULL for a local action without a row); *row_id gets its id or -1. */
const struct fastio_endpoint_info *mcp_action_row(const struct mcp_action *a, int *row_id);

/* Hints of one action, from its row (method, RETRY) and its line's flags. */
bool mcp_action_readonly(const struct mcp_action *a);    /* GET and not MCP_ACT_WRITE */
bool mcp_action_destructive(const struct mcp_action *a); /* needs confirm:true */
bool mcp_action_idempotent(const struct mcp_action *a);  /* RETRY SAFE (or readonly) */
bool mcp_action_noauth(const struct mcp_action *a);      /* callable before sign-in */

/* The result of MCP `tools/list`: {"tools":[{name,title,description,inputSchema,annotations}]}.
 * allow: NULL = every tool, else a NULL-terminated list of tool names to keep. NULL on OOM. */
json_t *mcp_catalog_tools_list(const char *const *allow);
/* One tool's JSON descriptor as in tools/list; NULL for an unknown tool. */
json_t *mcp_catalog_tool_json(const struct mcp_tool *t);
/* The `describe` answer of a tool: {tool, title, description, actions:[{name, description,
 * method, path, read_only, destructive, idempotent, sign_in, parameters:[{name, type, required,
 * choices, description}]}]}; only `action` when action != NULL (NULL when it does not exist). */
json_t *mcp_catalog_describe(const struct mcp_tool *t, const char *action);

/* A tools/call resolved against the catalogue. Every string is owned by `hold` (freed by
 * mcp_call_clear()), so the struct can be passed around by value until then. */
struct mcp_call {
    const struct mcp_tool *tool;
    const struct mcp_action *action; /* NULL when describe */
    bool describe;                   /* action "describe": answer mcp_catalog_describe() */
    const char *describe_action;     /* its optional `describe_action` argument, or NULL */
    int row_id;                      /* -1 when the action has no row */
    const struct fastio_endpoint_info *row;
    const char *path_args[MCP_CAT_MAX_PATH]; /* the row's "{}" values, in path order */
    size_t n_path;
    struct fastio_param params[MCP_CAT_MAX_PARAMS]; /* the row's other parameters that were
                                                      * given (or defaulted), as wire strings */
    size_t n_params;
    json_t *hold; /* object: every validated argument, by its MCP name, as a string */
};

/* Validate `arguments` (a JSON object, or NULL = {}) of a call to tool `tool` and fill *out.
 * Checks: known tool, known action, every argument known to the action (with its type, range
 * and choices), every required parameter present, confirm:true for a destructive action.
 * Returns 0, or -1 with a message in err that says what is wrong and how to call it right
 * (naming the valid actions or parameters). *out needs mcp_call_clear() either way. */
int mcp_catalog_resolve(const char *tool, const json_t *arguments, struct mcp_call *out,
                        char *err, size_t errlen);
/* The validated value of argument `name` (its MCP name), or NULL when not given. Borrowed from
 * c->hold. */
const char *mcp_call_arg(const struct mcp_call *c, const char *name);
void mcp_call_clear(struct mcp_call *c);

/* The MCP name of a row parameter: its wire name, except that names the tools use themselves
 * ("action", "confirm") are prefixed with the tool ("upload_action"). buf gets the result. */
const char *mcp_param_mcp_name(const struct mcp_tool *t, const char *wire, char *buf,
                               size_t len);

#endif
