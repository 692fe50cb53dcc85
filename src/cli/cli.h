/* SPDX-License-Identifier: MIT */
/* cli.h - shared types of the fastio command-line tool: the command table (one row per command,
 * read by the parser, the help printer and the generic runner), the per-invocation context and
 * the helpers every command file uses. The CLI uses only include/fastio/ and src/common/. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <fastio/credentials.h>
#include <fastio/fastio.h>

/* Exit codes (api §11.1): 0 ok, 1 any API/network/local error, 2 usage error. */
enum cli_exit { CLI_OK = 0, CLI_ERR = 1, CLI_USAGE = 2 };

/* Output formats (--format): table on a terminal, json otherwise; csv is RFC 4180; markdown a
 * pipe table. */
enum cli_format { CLI_FMT_TABLE, CLI_FMT_JSON, CLI_FMT_CSV, CLI_FMT_MARKDOWN };

/* ---- the command table ----------------------------------------------------------------------- */

/* Kinds of an option row. A positional is matched by position, a flag by "--name". */
enum cli_opt_kind {
    OPT_POS,   /* one positional argument */
    OPT_REST,  /* all remaining positionals (one or more); must be the last positional */
    OPT_VALUE, /* --name VALUE or --name=VALUE */
    OPT_BOOL   /* --name (sends "true" when the row has a param) */
};

/* Client-side checks of a value; failures are usage errors (exit 2). */
enum cli_check {
    CHK_NONE,
    CHK_UINT,   /* decimal integer >= 0 */
    CHK_BOOL,   /* true | false */
    CHK_CHOICE, /* one of opt->choices ("a|b|c") */
    CHK_NAME,   /* a valid node name (name.h) */
    CHK_JSON,   /* a JSON document */
    CHK_EXPIRES /* "YYYY-MM-DD HH:MM:SS UTC" */
};

struct cli_opt {
    const char *name; /* flag name without "--", or the positional's metavar ("WS") */
    enum cli_opt_kind kind;
    bool required;     /* must be given even though the row does not say so (a path argument
                          flag, a CLI-only option); positionals are required unless optional */
    bool optional;     /* positional that may be omitted; a flag the row requires but the
                          command fills in when absent */
    int path;          /* 1-based index of the endpoint path argument it fills; 0 = none */
    const char *param; /* wire parameter it fills; NULL = none (path arg or custom use) */
    enum cli_check check; /* CHK_NONE = the row parameter's type decides; set only to check
                             more (a CLI-only option, a name check on a plain string) */
    const char *choices;  /* for CHK_CHOICE; NULL = the row parameter's choices */
    const char *def;     /* value used when the option is absent; NULL = nothing sent */
    const char *metavar; /* flag value placeholder; NULL = derived from the name */
    const char *help;    /* CLI remark shown after the row parameter's doc (the whole help
                            of a CLI-only option); one or more lines */
    char short_name;     /* one-letter alias ("-o VALUE"); 0 = none. Flags only. */
    const char *row;     /* endpoint name ("ORG_WORKSPACES") whose parameter path/param names,
                            when not the command's own (a command that picks between rows) */
    bool cli_only;       /* stands for no row parameter: a CLI-side option (output file,
                            parallelism, a choice between rows); its help is its own */
};
/* An option that names a row parameter (.param, or .path for a "{}" of the path) takes from the
 * row: its help (the row's doc, then .help as a CLI remark), its check (from the parameter's
 * type) and choices, and, for a flag with .param, whether it is required (unless it has a
 * default or .optional: the command fills it in). What stays in the option row is what only the
 * CLI knows: the spelling, positional or flag, metavar, default, short alias. Every option names
 * a row parameter or says cli_only (test_cli_rows.c checks both ways). */

struct cli_ctx;
struct cli_args;
struct cli_cmd;

typedef int (*cli_run_fn)(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args);

/* Flags of a command row. */
#define CMD_NEEDS_FIELD 0x1u /* at least one parameter-bearing option must be given (updates) */
#define CMD_LOCAL 0x2u       /* never talks to the API (no client is needed) */
#define CMD_DEFAULT 0x4u /* the group's command when no command word is given ("fastio ingest DIR") */

struct cli_cmd {
    const char *name;           /* "info", or two words for nested groups ("api-key create") */
    int endpoint;               /* enum fastio_endpoint the command calls; -1 = several/none */
    const struct cli_opt *opts; /* terminated by a row with name == NULL */
    cli_run_fn run;             /* NULL = cli_run_generic */
    unsigned flags;             /* CMD_* */
    const char *summary;        /* one line, no trailing period */
    const char *description;    /* paragraphs separated by "\n\n"; lines wrapped in the source */
    const char *examples;       /* one example per line */
};

struct cli_group {
    const char *name;
    const char *summary;
    const char *description;
    const struct cli_cmd *cmds; /* terminated by a row with name == NULL */
};

/* Command tables, one per group file. */
extern const struct cli_cmd cli_auth_cmds[];
extern const struct cli_cmd cli_org_cmds[];
extern const struct cli_cmd cli_workspace_cmds[];
extern const struct cli_cmd cli_files_cmds[];
/* cmd_search.c: "files search" (spliced into the files group with CLI_FILES_SEARCH_ROW) and the
 * "search" group (unified search). */
extern const struct cli_cmd cli_search_cmds[];
extern const struct cli_opt cli_files_search_opts[];
int cli_files_search(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args);
#define CLI_FILES_SEARCH_ROW                                                                       \
    {.name = "search",                                                                             \
     .endpoint = FASTIO_EP_STORAGE_SEARCH,                                                         \
     .opts = cli_files_search_opts,                                                                \
     .run = cli_files_search,                                                                      \
     .summary = "Search files by content (intelligence) or name",                                  \
     .description =                                                                                \
         "Searches the files of a workspace (GET /workspace/{ws}/storage/search/). With\n"         \
         "intelligence on, their text is searched (full-text, stemmed, ranked by BM25) and\n"      \
         "each file shows its best passage and its page; with it off, their names. The table\n"   \
         "lists name, page, score and snippet, best first; --format json prints the whole\n"      \
         "answer (files keyed by node id, search_metadata). --scope takes file ids and\n"        \
         "--folder-scope folder ids (each optionally followed by ':version' or ':depth'),\n"     \
         "joined by ','.",                                                                         \
     .examples = "fastio files search --workspace design-team \"quarterly revenue\"\n"            \
                 "fastio files search --workspace design-team invoice --folder-scope 2abc...\n"    \
                 "fastio files search --workspace design-team budget --output full --format json"}
extern const struct cli_cmd cli_system_cmds[];
extern const struct cli_cmd cli_lock_cmds[];
extern const struct cli_cmd cli_ripley_cmds[]; /* cmd_ripley.c: AI chat (api §8) */
extern const struct cli_cmd cli_configure_cmds[];
extern const struct cli_cmd cli_mcp_cmds[]; /* cmd_mcp.c: MCP client (api §10) */
/* cmd_mcp_serve.c: `fastio mcp serve`, the stdio MCP server (api §10.2) */
int cli_mcp_serve(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args);
/* cmd_ingest.c: "fastio ingest DIR", the ingest daemon (one CMD_DEFAULT command). */
extern const struct cli_cmd cli_ingest_cmds[];
/* cmd_sync.c: "fastio sync SRC DST", a one-way mirror (one CMD_DEFAULT command). */
extern const struct cli_cmd cli_sync_cmds[];
/* cmd_completions.c: "fastio completions bash|zsh|fish", scripts made from the command table. */
extern const struct cli_cmd cli_completions_cmds[];
/* cmd_api.c: one command per endpoint row, filled by cli_api_init() (call it once, first). */
extern struct cli_cmd cli_api_cmds[];
void cli_api_init(void);

/* File locks (cmd_lock.c, api §7): the rows of the "lock" group, also spliced into "files" as
 * "files lock ..." with CLI_LOCK_ROWS("lock "). */
extern const struct cli_opt cli_lock_acquire_opts[];
extern const struct cli_opt cli_lock_status_opts[];
extern const struct cli_opt cli_lock_token_opts[];
extern const struct cli_opt cli_lock_run_opts[];
int cli_lock_acquire(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args);
/* "lock run" (cmd_lock_run.c): lock, download, run a command on the file, upload, release. */
int cli_lock_run(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args);
#define CLI_LOCK_ROWS(prefix)                                                                      \
    {.name = prefix "acquire",                                                                     \
     .endpoint = FASTIO_EP_LOCK_ACQUIRE,                                                           \
     .opts = cli_lock_acquire_opts,                                                                \
     .run = cli_lock_acquire,                                                                      \
     .summary = "Take the exclusive lock of a file",                                               \
     .description = "Locks a file (POST /workspace/{ws}/storage/{node}/lock/) and prints the\n"    \
                    "lock with its lock_token. Pass the token to 'lock heartbeat' and 'lock\n"     \
                    "release', and as lock_token with writes to the file. When someone else\n"     \
                    "holds the lock the command fails (exit 1) and says who and until when.",     \
     .examples = "fastio lock acquire --workspace team 2abc... --duration 600"},                   \
    {.name = prefix "status",                                                                      \
     .endpoint = FASTIO_EP_LOCK_STATUS,                                                            \
     .opts = cli_lock_status_opts,                                                                 \
     .summary = "Show whether a file is locked and by whom",                                       \
     .description = "GET /workspace/{ws}/storage/{node}/lock/ (never shows the token).",           \
     .examples = "fastio lock status --context-type workspace --context-id team 2abc..."},         \
    {.name = prefix "heartbeat",                                                                   \
     .endpoint = FASTIO_EP_LOCK_HEARTBEAT,                                                         \
     .opts = cli_lock_token_opts,                                                                  \
     .summary = "Renew a held lock for its full duration",                                         \
     .description = "POST /workspace/{ws}/storage/{node}/lock/heartbeat/ with the lock_token.",    \
     .examples = "fastio lock heartbeat --workspace team 2abc... --lock-token fio_l_..."},         \
    {.name = prefix "release",                                                                     \
     .endpoint = FASTIO_EP_LOCK_RELEASE,                                                           \
     .opts = cli_lock_token_opts,                                                                  \
     .summary = "Release a held lock",                                                             \
     .description = "DELETE /workspace/{ws}/storage/{node}/lock/ with the lock_token.",            \
     .examples = "fastio lock release --workspace team 2abc... --lock-token fio_l_..."},        \
    {.name = prefix "run",                                                                         \
     .endpoint = FASTIO_EP_LOCK_ACQUIRE,                                                           \
     .opts = cli_lock_run_opts,                                                                    \
     .run = cli_lock_run,                                                                          \
     .summary = "Update a file under its lock with a local command",                               \
     .description = "Takes the lock of a file (waiting up to --wait seconds while someone else\n"  \
                    "holds it), keeps it alive, downloads the file into a private temporary\n"    \
                    "directory and runs COMMAND with the file's path as its last argument (no\n"  \
                    "shell). When the command exits 0 the file is uploaded as a new version\n"    \
                    "with the lock token; otherwise nothing is stored. The lock is released in\n" \
                    "every case (Ctrl-C and SIGTERM too; they are passed on to the command).\n"   \
                    "\nExit status: the command's (128+N when it died of signal N), or 1 when\n"  \
                    "the lock, the download or the upload failed.",                                \
     .examples = "fastio lock run --workspace team 2abc... -- sh -c 'echo done >> \"$0\"'\n"      \
                 "fastio lock run --workspace team 2abc... --wait 120 -- ./bump-version.sh"}

/* ---- per-invocation state -------------------------------------------------------------------- */

/* Where the bearer token and the API base came from (auth status reports it): the library's
 * enums (fastio/credentials.h) under the CLI's short names. */
enum cli_token_source {
    TOK_NONE = FASTIO_TOKEN_SOURCE_NONE,
    TOK_FLAG = FASTIO_TOKEN_SOURCE_EXPLICIT,
    TOK_ENV_TOKEN = FASTIO_TOKEN_SOURCE_ENV_TOKEN,
    TOK_ENV_API_KEY = FASTIO_TOKEN_SOURCE_ENV_API_KEY,
    TOK_PROFILE = FASTIO_TOKEN_SOURCE_PROFILE,
    TOK_LOCAL_KEY = FASTIO_TOKEN_SOURCE_LOCAL_KEY
};

enum cli_base_source {
    BASE_DEFAULT = FASTIO_BASE_SOURCE_DEFAULT,
    BASE_FLAG = FASTIO_BASE_SOURCE_EXPLICIT,
    BASE_ENV = FASTIO_BASE_SOURCE_ENV,
    BASE_PROFILE = FASTIO_BASE_SOURCE_PROFILE
};

#define CLI_LOCAL_BASE "http://127.0.0.1:8787/current"

struct cli_ctx {
    /* from the global flags */
    const char *flag_api_base; /* borrowed from argv */
    const char *flag_token;
    const char *flag_profile;
    enum cli_format format;
    bool format_set;
    bool quiet;
    int verbose;
    const char *flag_log_file; /* --log-file PATH (borrowed from argv); NULL = none */
    const char *flag_ca_file;  /* --ca-file PATH (borrowed from argv); NULL = none */
    const char *fields;        /* --fields a,b,c (borrowed from argv); NULL = the defaults */
    bool no_color;             /* --no-color (NO_COLOR is read by cli_color) */
    int log_fd;                /* open --log-file, or -1 (see cli_log_open) */

    /* resolved (owned strings) */
    char *profile; /* profile name in use */
    char *api_base;
    enum cli_base_source base_source;
    char *token; /* NULL when none */
    enum cli_token_source token_source;
    char *token_origin;         /* human description: "--token", "profile 'default'", a path */
    bool token_expired;         /* stored JWT past its expires_at: refused on authenticated calls */
    long long token_expires_at; /* 0 = unknown / never */
    char *refresh_token;        /* stored PKCE refresh token (profile only); NULL = none */
    char *auth_method;          /* stored auth_method of the profile ("pkce", "basic", ...) */
    struct fastio_profile_tokens *tokens; /* self-refreshing token of a PKCE profile */
    char *ca_file;              /* CA bundle for https (D-125): --ca-file, FASTIO_CA_FILE, the
                                   profile's ca_file; NULL = the system bundle */
    const char *ca_file_origin; /* "--ca-file", "FASTIO_CA_FILE", "config.json" (static) */

    const char *what; /* "workspace info": prefix of error messages */
    struct fastio_client *client;
    json_t *resolve_cache; /* resolve.c: folder listings and names resolved in this run */
};

/* Parsed arguments of one command: a value per option row (NULL when absent). */
#define CLI_MAX_OPTS 48
struct cli_args {
    const struct cli_cmd *cmd;
    const char *values[CLI_MAX_OPTS]; /* borrowed from argv or static defaults */
    bool given[CLI_MAX_OPTS];         /* set on the command line (not defaulted) */
    char *owned[CLI_MAX_OPTS];        /* values computed by a command (freed by cli_args_release) */
    const char **rest;                /* OPT_REST values (borrowed from argv) */
    size_t n_rest;
};

/* ---- args.c -----------------------------------------------------------------------------------
 */

/* Parse the words after the command name. Global flags are accepted too when the command has no
 * option of the same name. Returns CLI_OK, CLI_USAGE (message printed) or -1 when --help was
 * asked (nothing printed). */
int cli_args_parse(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv,
                   struct cli_args *args);
void cli_args_release(struct cli_args *args);
/* Value of an option by name (flag or positional metavar), defaults applied; NULL when absent. */
const char *cli_arg(const struct cli_args *args, const char *name);
/* true when the option was given on the command line. */
bool cli_arg_given(const struct cli_args *args, const char *name);
/* Set a computed value (copied) for an option; false on OOM or unknown name. */
bool cli_arg_set(struct cli_args *args, const char *name, const char *value);

/* Handle one global flag. name is without dashes ("format", "q"); *consumed tells whether value
 * was used. Returns 1 when handled, 0 when not a global flag, CLI_USAGE on a bad value. */
int cli_global_flag(struct cli_ctx *ctx, const char *name, const char *value, bool *consumed);

/* ---- run.c: --log-file -------------------------------------------------------------------------
 * Open ctx->flag_log_file for appending the request log (created 0600; a symlink at the path is
 * refused; an existing file keeps its mode, with a warning when group or others can access it).
 * CLI_OK (also when no --log-file was given) or CLI_ERR (printed). cli_log_close is idempotent. */
int cli_log_open(struct cli_ctx *ctx);
void cli_log_close(struct cli_ctx *ctx);

/* ---- run.c: the generic runner -----------------------------------------------------------------
 */

#define CLI_MAX_PARAMS 40
struct cli_request {
    const char *path[4];
    size_t n_path;
    struct fastio_param params[CLI_MAX_PARAMS];
    size_t n_params;
};

/* Build path arguments (for endpoint ep) and parameters from the options of args->cmd.
 * CLI_OK or CLI_USAGE (printed). */
int cli_build_request(struct cli_ctx *ctx, int ep, const struct cli_args *args,
                      struct cli_request *req);
/* Append one parameter; false when the table is full. */
bool cli_request_add(struct cli_request *req, const char *name, const char *value);
/* Create ctx->client if needed; when the endpoint needs a token and there is none (or it is
 * expired) print an error and return CLI_ERR. ep < 0 = no token check. */
int cli_connect(struct cli_ctx *ctx, int ep, bool need_token);
/* fastio_call() for the request, printing the error on failure. CLI_OK / CLI_ERR. */
int cli_call(struct cli_ctx *ctx, int ep, const struct cli_request *req, json_t **response);
/* cli_build_request, then cli_connect (with a token). CLI_OK, CLI_USAGE or CLI_ERR (printed). */
int cli_prepare(struct cli_ctx *ctx, int ep, const struct cli_args *args, struct cli_request *req);
/* cli_prepare and cli_call: *response OWNED on CLI_OK, NULL otherwise. */
int cli_fetch(struct cli_ctx *ctx, int ep, const struct cli_args *args, json_t **response);
/* Fetch endpoint ep with the command's options and print its result. */
int cli_run_endpoint(struct cli_ctx *ctx, int ep, const struct cli_args *args);
/* The generic command: build, call, print (cli_run_endpoint for the command's endpoint). */
int cli_run_generic(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args);

/* ---- output.c ----------------------------------------------------------------------------------
 */

/* Print a response: JSON format prints `whole` pretty-printed; table format renders `result`
 * (NULL = whole). Nothing under --quiet. Returns CLI_OK or CLI_ERR (stdout write failure). */
int cli_print(struct cli_ctx *ctx, json_t *whole, json_t *result);
/* Render a value as a table / key-value list / plain scalar on stdout, in the format of the
 * last cli_print (table when none). */
void cli_print_table(json_t *v);
/* output_width.c: columns a UTF-8 string takes on a terminal (wide characters 2, combining
 * marks 0). */
size_t cli_display_width(const char *s);
/* output_width.c: a printable copy of s: control and bidi characters become ' ' or '?'; cut to
 * max display columns with "…" as the last one when longer (max 0 = no limit). *width gets the
 * display width. Owned (free); NULL on OOM. */
char *cli_cell_text(const char *s, size_t max, size_t *width);
/* Whether to colour stdout: a terminal, no --no-color, NO_COLOR unset or empty, TERM not dumb. */
bool cli_color(const struct cli_ctx *ctx);
/* output_msg.c: "error: <what>: <message> (HTTP n, code c)" on stderr (unless quiet). */
void cli_print_api_error(const struct cli_ctx *ctx, const struct fastio_error *err);
/* After a network failure: "hint:" lines naming the profile, the URL and its source, and for a
 * loopback URL how to start fastio-server (cli_print_api_error calls it for FASTIO_NETWORK;
 * commands that report failures their own way call it once). */
void cli_network_hint(const struct cli_ctx *ctx);
/* The hint after a TLS certificate verification failure: --ca-file (D-125). */
void cli_tls_hint(const struct cli_ctx *ctx);
/* Whether err is a TLS certificate verification failure (a NETWORK error, fastio.h). */
bool cli_error_is_tls(const struct fastio_error *err);
/* "error: <what>: <printf message>" on stderr (unless quiet). ctx is never NULL here. */
void cli_errorf(const struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Usage error: "error: <message>" plus a hint to --help, always printed. Returns CLI_USAGE. */
int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Informational line on stderr unless quiet. */
void cli_note(const struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- resolve.c: ids, paths and names (D-085) -----------------------------------------------------
 * cli_resolve_args (called for every command but the "api" group's, before it runs) replaces
 * each workspace argument given by display name with its id and each node argument given as a
 * path ("/a/b/c.txt", "a/b", a bare name in the root) with the node's id, so commands see ids
 * only. An option is a node argument when it is linked to a node_id (any node) or a folder_id,
 * parent_id or parent (a folder) row parameter; a workspace argument when it is named
 * "workspace" or linked to workspace_id. CLI-only options are never touched. A command with a "parents" option given has missing
 * folders created. CLI_OK, CLI_ERR (printed) or CLI_USAGE. */
int cli_resolve_args(struct cli_ctx *ctx, struct cli_args *args);
enum cli_node_want { CLI_NODE_ANY, CLI_NODE_FILE, CLI_NODE_FOLDER };
/* The id of a node reference (an id as it is, or a path) in workspace ws (an id or
 * folder_name); create: make missing folders. Borrowed until cli_resolve_release, or NULL
 * (printed: what was not found and where). */
const char *cli_resolve_node(struct cli_ctx *ctx, const char *ws, const char *ref,
                             enum cli_node_want want, bool create);
/* A workspace id or folder_name as it is; a display name looked up. NULL when not found
 * (printed). */
const char *cli_resolve_workspace(struct cli_ctx *ctx, const char *ref);
/* Every node of a folder (all pages), fetched once per run. Borrowed; NULL on failure (printed). */
json_t *cli_list_folder(struct cli_ctx *ctx, const char *ws, const char *folder);
/* The workspace as the user gave it when ws is the id a name was resolved to; else ws. */
const char *cli_resolve_ws_label(struct cli_ctx *ctx, const char *ws);
/* true for "root", "trash" and values of an OpaqueId's form (api §1.7). */
bool cli_is_node_id(const char *v);
void cli_resolve_release(struct cli_ctx *ctx);

/* ---- config.c ----------------------------------------------------------------------------------
 */

/* Thin wrappers over fastio/credentials.h that print failures the CLI's way.
 * Resolve the profile, API base and token (fastio_credentials_resolve, with the local-server
 * key; a group/world-readable credentials.json is read with a warning). CLI_OK, or CLI_ERR when
 * a config file is unreadable / malformed (printed). */
int cli_config_resolve(struct cli_ctx *ctx);
void cli_config_release(struct cli_ctx *ctx);
/* Replace the credentials of a profile with `creds` (borrowed; a JSON object), NULL removes
 * the profile; under the credentials lock (do not hold it). CLI_OK / CLI_ERR (printed). */
int cli_credentials_store(struct cli_ctx *ctx, const char *profile, json_t *creds);
/* After a sign-in: store creds for the profile in use (cli_credentials_store) and, when
 * --api-base was given, record it as the profile's api_base. CLI_OK / CLI_ERR (printed). */
int cli_login_store(struct cli_ctx *ctx, json_t *creds);
/* Set profiles.<profile>.api_base in config.json (atomic, 0600). CLI_OK / CLI_ERR (printed). */
int cli_config_set_api_base(struct cli_ctx *ctx, const char *profile, const char *api_base);
/* config.json as an object ({} when absent) and writing it back (atomic, 0600). */
int cli_config_load(struct cli_ctx *ctx, json_t **out);
int cli_config_save(struct cli_ctx *ctx, json_t *root);
/* The whole credentials.json ({} when absent). */
int cli_credentials_load_all(struct cli_ctx *ctx, json_t **out);

/* ---- auth_pkce.c: browser login and the self-refreshing token ----------------------------------
 */

#define CLI_OAUTH_CLIENT_ID "fastio-cli"
/* "auth login" without --email: PKCE with a loopback listener, or the paste flow. */
int cli_auth_login_pkce(struct cli_ctx *ctx, struct cli_args *args);
/* Install the self-refreshing token of a PKCE profile (fastio_profile_tokens) into cfg.
 * CLI_OK / CLI_ERR. */
int cli_tokens_install(struct cli_ctx *ctx, struct fastio_config *cfg);
/* The current tokens of a PKCE profile (OWNED; fastio_oauth_tokens_release). false = none. */
bool cli_tokens_snapshot(struct cli_ctx *ctx, struct fastio_oauth_tokens *out);

/* ---- optrow.c: an option's facts, merged from its row parameter and its own row ------------- */

struct cli_opt_view {
    const struct fastio_param_info *param; /* the row parameter; NULL = CLI-only or unlinked */
    const char *doc;                       /* the parameter's doc, or NULL */
    const char *remark;                    /* the option's own help, or NULL */
    enum cli_check check; /* CHK_NONE = the row parameter's type decides; set only to check
                             more (a CLI-only option, a name check on a plain string) */
    const char *choices;  /* for CHK_CHOICE; NULL = the row parameter's choices */
    bool required;       /* a flag that must be given */
    const char *note;    /* what else the value may be (a path, a name: resolve.c), or NULL */
};
/* Fill v for option o of cmd. Never fails: a missing link gives a view without param. */
void cli_opt_view(const struct cli_cmd *cmd, const struct cli_opt *o, struct cli_opt_view *v);
/* The endpoint row an option's link points into (o->row, else the command's), or NULL. */
const struct fastio_endpoint_info *cli_opt_row(const struct cli_cmd *cmd, const struct cli_opt *o);

/* ---- doc.c: the generated reference ------------------------------------------------------------
 * "fastio __doc markdown" prints the per-command sections of docs/cli.md; "fastio __doc json"
 * prints every command and option with its row link, for test_cli_rows.c. Hidden commands. */
int cli_doc(int argc, char **argv);

/* ---- util.c ------------------------------------------------------------------------------------
 */

/* Room for element n of an array of *cap elements of elem bytes (doubling, 16 at first): v
 * itself when it has room, else the reallocated array (*cap updated), or NULL on overflow or
 * OOM (v is then still valid and unchanged). The caller bounds n. */
void *cli_grow(void *v, size_t *cap, size_t n, size_t elem);
/* Read one line from fd into buf (without the line end; a trailing '\r' dropped, with
 * trim_blanks trailing blanks too). false on a read error, EOF before any byte, or a line
 * longer than the buffer. */
bool cli_read_line(int fd, char *buf, size_t size, bool trim_blanks);

/* ---- help.c ------------------------------------------------------------------------------------
 */

const struct cli_group *cli_groups(void);
void cli_help_main(void);
void cli_help_group(const struct cli_group *g, const char *prefix);
void cli_help_cmd(const struct cli_group *g, const struct cli_cmd *cmd);
/* Synopsis line of a command ("fastio workspace info <WS>") to the stream. */
void cli_help_synopsis(FILE *stream, const struct cli_group *g, const struct cli_cmd *cmd);

#endif
