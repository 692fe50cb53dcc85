/* SPDX-License-Identifier: MIT */
/* cmd_mcp.c - the "mcp" group: an MCP client on the command line (libfastio's fastio/mcp.h):
 * list a server's tools and call one, over Streamable HTTP, legacy SSE or a spawned stdio
 * process (api §10). */
#include "cli.h"

#include <fastio/mcp.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* clang-format off */
#define CONNECT_OPTS                                                                               \
    {.name = "url", .kind = OPT_VALUE, .cli_only = true, .metavar = "URL",                         \
     .help = "The MCP server's endpoint (http or sse transport), e.g.\n"                           \
             "http://127.0.0.1:8787/mcp or https://mcp.fast.io/mcp."},                            \
    {.name = "transport", .kind = OPT_VALUE, .cli_only = true, .check = CHK_CHOICE,                \
     .choices = "http|sse|stdio", .def = "http", .metavar = "http|sse|stdio",                      \
     .help = "http: Streamable HTTP (POST, JSON or event-stream answers; the default).\n"          \
             "sse: the older HTTP+SSE transport (GET URL, then POST to its endpoint).\n"          \
             "stdio: run --command and talk to it over its stdin and stdout."},                   \
    {.name = "command", .kind = OPT_VALUE, .cli_only = true, .metavar = "CMD",                     \
     .help = "stdio transport: the server program and its arguments, split at spaces\n"           \
             "(no shell, no quoting), e.g. \"fastio mcp\". Implies --transport stdio."},          \
    {.name = "bearer", .kind = OPT_VALUE, .cli_only = true, .metavar = "TOKEN",                    \
     .help = "Send Authorization: Bearer TOKEN with every HTTP request (an API key for\n"          \
             "fastio-server's /mcp). The profile's Fast.io token is never sent to an MCP\n"       \
             "URL unless given here."},                                                            \
    {.name = "timeout", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT, .def = "60",       \
     .metavar = "SECONDS", .help = "Give up on a request after this long (0 = never)."}

static const struct cli_opt tools_opts[] = {
    CONNECT_OPTS,
    {0},
};

static const struct cli_opt call_opts[] = {
    {.name = "TOOL", .kind = OPT_POS, .cli_only = true, .help = "The tool's name."},
    {.name = "ARG", .kind = OPT_REST, .optional = true, .cli_only = true,
     .help = "key=value: an argument of the tool. The value is taken as JSON when it parses\n"
             "(42, true, {\"a\":1}, \"quoted\"), else as a string."},
    {.name = "json", .kind = OPT_VALUE, .cli_only = true, .check = CHK_JSON, .metavar = "OBJECT",
     .help = "All arguments as one JSON object; key=value arguments are added to it."},
    CONNECT_OPTS,
    {0},
};
static const struct cli_opt serve_opts[] = {
    {.name = "tools", .kind = OPT_VALUE, .cli_only = true, .metavar = "LIST",
     .help = "Serve only these tools (comma-separated; the official CLI's names files,\n"
             "lock and ripley are accepted). Unknown names are warned about on stderr;\n"
             "none known is a usage error."},
    {0},
};
/* clang-format on */

static char **split_words(const char *s)
{
    size_t n = 0, cap = 8;
    char **v = calloc(cap, sizeof(char *));
    const char *p = s;
    if (v == NULL)
        return NULL;
    while (*p != '\0' && n < 1000) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        const char *e = p;
        while (*e != '\0' && *e != ' ' && *e != '\t')
            e++;
        if (n + 2 > cap) {
            char **nv = realloc(v, 2 * cap * sizeof(char *));
            if (nv == NULL)
                break;
            v = nv;
            cap *= 2;
        }
        v[n] = fio_slice_dup(fio_slice_make(p, (size_t)(e - p)));
        if (v[n] == NULL)
            break;
        v[++n] = NULL;
        p = e;
    }
    return v;
}

static void free_words(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

static void on_progress(void *ud, double progress, double total, const char *message)
{
    (void)ud;
    if (total > 0)
        fprintf(stderr, "progress: %.0f/%.0f%s%s\n", progress, total, message ? " " : "",
                message ? message : "");
    else
        fprintf(stderr, "progress: %.0f%s%s\n", progress, message ? " " : "",
                message ? message : "");
}

static void on_notification(void *ud, const char *method, const json_t *params)
{
    const struct cli_ctx *ctx = ud;
    if (ctx->verbose <= 0)
        return;
    char *p = params ? json_dumps(params, JSON_COMPACT) : NULL;
    fprintf(stderr, "notification: %s %s\n", method, p ? p : "");
    free(p);
}

/* Connect as the options say. NULL on failure with *rc = CLI_USAGE or CLI_ERR (printed). */
static struct fastio_mcp *mcp_open(struct cli_ctx *ctx, struct cli_args *args, int *rc)
{
    *rc = CLI_USAGE;
    const char *url = cli_arg(args, "url");
    const char *command = cli_arg(args, "command");
    const char *transport = cli_arg(args, "transport");
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    if (command != NULL && !cli_arg_given(args, "transport"))
        transport = "stdio";
    cfg.transport = strcmp(transport, "stdio") == 0 ? FASTIO_MCP_STDIO
                    : strcmp(transport, "sse") == 0 ? FASTIO_MCP_SSE
                                                    : FASTIO_MCP_HTTP;
    if (cfg.transport == FASTIO_MCP_STDIO && command == NULL) {
        (void)cli_usage(ctx, "--transport stdio needs --command CMD (the server to run)");
        return NULL;
    }
    if (cfg.transport != FASTIO_MCP_STDIO && url == NULL) {
        (void)cli_usage(ctx, "--url URL is required (the MCP server's endpoint), or --command "
                             "CMD for a stdio server");
        return NULL;
    }
    long long timeout = 60;
    if (!fio_parse_ll(cli_arg(args, "timeout"), 0, 86400, &timeout)) {
        (void)cli_usage(ctx, "--timeout must be 0..86400 seconds");
        return NULL;
    }
    char **argv = command ? split_words(command) : NULL;
    if (command != NULL && (argv == NULL || argv[0] == NULL)) {
        free_words(argv);
        (void)cli_usage(ctx, "--command is empty");
        return NULL;
    }
    cfg.url = url;
    cfg.command = (const char *const *)argv;
    cfg.bearer_token = cli_arg(args, "bearer");
    cfg.ca_file = ctx->ca_file; /* --ca-file, FASTIO_CA_FILE, the profile's (D-125) */
    cfg.client_name = "fastio-cli-c";
    cfg.timeout_ms = (long)timeout * 1000;
    cfg.on_progress = on_progress;
    cfg.on_notification = on_notification;
    cfg.notification_userdata = ctx;
    struct fastio_error err;
    struct fastio_mcp *m = fastio_mcp_connect(&cfg, &err);
    free_words(argv);
    *rc = CLI_ERR;
    if (m == NULL)
        cli_print_api_error(ctx, &err);
    return m;
}

static int run_tools(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    int rc = CLI_OK;
    struct fastio_mcp *m = mcp_open(ctx, args, &rc);
    if (m == NULL)
        return rc;
    rc = CLI_OK;
    json_t *tools = NULL;
    struct fastio_error err;
    if (fastio_mcp_list_tools(m, &tools, &err) != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        rc = CLI_ERR;
    } else if (ctx->format == CLI_FMT_JSON) {
        rc = cli_print(ctx, tools, NULL);
    } else if (!ctx->quiet) {
        size_t i;
        json_t *t;
        json_array_foreach(tools, i, t) {
            const char *name = json_string_value(json_object_get(t, "name"));
            const char *desc = json_string_value(json_object_get(t, "description"));
            char line[160] = "";
            if (desc != NULL) {
                /* the first line of the description, cut to fit a terminal */
                size_t n = strcspn(desc, "\n");
                fio_strlcpy(line, desc, n + 1 < sizeof(line) ? n + 1 : sizeof(line));
            }
            printf("%-24s %s\n", name ? name : "?", line);
        }
        if (fflush(stdout) != 0)
            rc = CLI_ERR;
    }
    json_decref(tools);
    fastio_mcp_close(m);
    return rc;
}

/* key=value: JSON when the value parses as JSON, else the string. */
static bool add_kv(json_t *obj, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (eq == NULL || eq == kv)
        return false;
    char *key = fio_slice_dup(fio_slice_make(kv, (size_t)(eq - kv)));
    if (key == NULL)
        return false;
    json_t *v = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    if (v == NULL)
        v = json_string(eq + 1);
    bool ok = v != NULL && json_object_set_new(obj, key, v) == 0;
    free(key);
    return ok;
}

static int run_call(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *js = cli_arg(args, "json");
    json_t *arguments = js ? json_loads(js, JSON_REJECT_DUPLICATES, NULL) : json_object();
    if (!json_is_object(arguments)) {
        json_decref(arguments);
        return cli_usage(ctx, "--json must be a JSON object, e.g. '{\"a\": 1}'");
    }
    for (size_t i = 0; i < args->n_rest; i++) {
        if (!add_kv(arguments, args->rest[i])) {
            json_decref(arguments);
            return cli_usage(ctx, "argument '%s' is not key=value", args->rest[i]);
        }
    }
    int rc = CLI_OK;
    struct fastio_mcp *m = mcp_open(ctx, args, &rc);
    if (m == NULL) {
        json_decref(arguments);
        return rc;
    }
    rc = CLI_OK;
    json_t *res = NULL;
    struct fastio_error err;
    if (fastio_mcp_call_tool(m, cli_arg(args, "TOOL"), arguments, &res, &err) != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        rc = CLI_ERR;
    } else {
        bool is_error = json_is_true(json_object_get(res, "isError"));
        if (ctx->format == CLI_FMT_JSON) {
            rc = cli_print(ctx, res, NULL);
        } else if (!ctx->quiet) {
            size_t i;
            json_t *c;
            bool any = false;
            json_array_foreach(json_object_get(res, "content"), i, c) {
                const char *text = json_string_value(json_object_get(c, "text"));
                if (text != NULL) {
                    fputs(text, stdout);
                    if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
                        fputc('\n', stdout);
                    any = true;
                }
            }
            if (!any)
                rc = cli_print(ctx, res, json_object_get(res, "structuredContent"));
            if (fflush(stdout) != 0)
                rc = CLI_ERR;
        }
        if (is_error) {
            cli_errorf(ctx, "the tool reported an error (isError); its answer is above");
            rc = CLI_ERR;
        }
    }
    json_decref(res);
    json_decref(arguments);
    fastio_mcp_close(m);
    return rc;
}

/* clang-format off */
const struct cli_cmd cli_mcp_cmds[] = {
    {
        .name = "serve",
        .endpoint = -1,
        .opts = serve_opts,
        .run = cli_mcp_serve,
        .flags = CMD_DEFAULT,
        .summary = "Serve the Fast.io tools over MCP on stdin/stdout (the default)",
        .description =
            "Runs an MCP server on standard input and output (newline-delimited JSON-RPC;\n"
            "protocol 2025-11-25, older versions accepted) for an agent that starts it as a\n"
            "subprocess. It serves the tools of fastio-server's /mcp (auth, user, org,\n"
            "workspace, storage, upload, download, ai, member, invitation, event, find; each\n"
            "takes an action and answers action=describe) and executes them with libfastio\n"
            "against the API base and token this command resolves like any other (--api-base,\n"
            "--token, FASTIO_API_KEY, --profile): the Fast.io cloud or a local fastio-server.\n"
            "The auth tool's set-api-key and signin replace the token for the session (not\n"
            "stored). The official CLI's tool names files, lock and ripley are aliases.\n"
            "Resources: session://status and skill://guide. upload web-import with wait\n"
            "(1-300 s) follows the import as the server's /mcp does: progress notifications,\n"
            "then {id, web_upload, finished, waited_s}; a notifications/cancelled for the\n"
            "call ends the wait unanswered (the import goes on).\n"
            "\nstdout carries nothing but protocol messages; warnings go to stderr. 'fastio\n"
            "mcp' with no command (or only options) is this command. It ends when its input\n"
            "ends. Not over stdio: the actions that need the hosted server's side routes\n"
            "(upload stream and chunk from a blob, download read / file-url, pkce-login):\n"
            "they answer isError with a pointer to the alternative.",
        .examples = "fastio mcp\n"
                    "fastio --api-base https://api.fast.io/current mcp --tools files,upload\n"
                    "claude mcp add fastio -- fastio mcp",
    },
    {
        .name = "tools",
        .endpoint = -1,
        .opts = tools_opts,
        .run = run_tools,
        .flags = CMD_LOCAL,
        .summary = "List the tools of an MCP server",
        .description =
            "Connects to an MCP server (initialize, protocol 2025-11-25 offered, older ones\n"
            "accepted), lists its tools (tools/list, every page) and prints one line per tool:\n"
            "its name and the first line of its description; --format json prints the whole\n"
            "tool objects with their input schemas. The session is ended at exit (HTTP:\n"
            "DELETE; stdio: the process's input is closed).\n"
            "\nExit status: 0, 1 when the server cannot be reached or answers an error, 2 for\n"
            "a usage error.",
        .examples = "fastio mcp tools --url http://127.0.0.1:8787/mcp --bearer \"$KEY\"\n"
                    "fastio mcp tools --transport sse --url https://mcp.fast.io/sse\n"
                    "fastio mcp tools --command \"npx -y some-mcp-server\" --format json",
    },
    {
        .name = "call",
        .endpoint = -1,
        .opts = call_opts,
        .run = run_call,
        .flags = CMD_LOCAL,
        .summary = "Call a tool of an MCP server",
        .description =
            "Connects to an MCP server and calls TOOL (tools/call) with the arguments given as\n"
            "key=value words and/or --json. Prints the text blocks of the result (or its\n"
            "structuredContent when it has no text); --format json prints the whole\n"
            "CallToolResult. Progress notifications are shown on stderr; other notifications\n"
            "with -v. Resumes a dropped event stream with Last-Event-ID.\n"
            "\nExit status: 0; 1 when the call fails or the tool answers isError (its text is\n"
            "still printed); 2 for a usage error.",
        .examples = "fastio mcp call --url http://127.0.0.1:8787/mcp --bearer \"$KEY\" workspace \\\n"
                    "    action=list\n"
                    "fastio mcp call --url http://localhost:3000/mcp add_numbers a=5 b=3\n"
                    "fastio mcp call --command \"fastio mcp\" files --json '{\"action\":\"list\"}'",
    },
    {0},
};
/* clang-format on */
