/* SPDX-License-Identifier: MIT */
/* cli_main.c - entry point of the fastio CLI: global flags, the table of command groups, command
 * lookup (including two-word commands such as "api-key create"), help dispatch and exit codes.
 * Everything a command does lives in its row (cmd_*.c) and the generic runner (run.c). */
#include "cli.h"
#include "cmd_member.h"
#include "cmd_transfer.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_group groups[] = {
    {"auth", "Sign in and out, show the session, manage API keys and OAuth sessions",
     "Sign in with the browser (OAuth 2.0 + PKCE, refreshed automatically) or with email and\n"
     "password; the tokens are stored in credentials.json under the profile. Show who is\n"
     "signed in and where the token came from, and manage API keys and OAuth sessions.",
     cli_auth_cmds},
    {"org", "Organizations: list, create, show, update, members, ownership transfer",
     "Organizations are the billable containers of workspaces. An org may be named by its id\n"
     "or its domain.",
     cli_org_cmds},
    {"workspace", "Workspaces: list, create, show, update, delete",
     "Workspaces hold files and members and belong to an organization. A workspace may be\n"
     "named by its id or its folder_name.",
     cli_workspace_cmds},
    {"files", "Files and folders in a workspace: list, info, create, move, trash",
     "Storage operations on the nodes (files, folders, notes) of a workspace. The top folder\n"
     "is \"root\" (or \"/\"); a node is named by its id or by its path (/reports/2026/q3.pdf),\n"
     "a workspace by its id, folder_name or name.",
     cli_files_cmds},
    {"upload", "Upload files, trees, streams and text; manage upload sessions",
     "Uploads into a workspace folder: many files in parallel, chunked with CRC-32C checks and\n"
     "resumable ('upload file'), from a pipe ('upload stream') or from text ('upload text'),\n"
     "plus the upload sessions of your account (status, cancel, list, limits).",
     cli_upload_cmds},
    {"download", "Download files (parallel ranges, resumable, verified)",
     "Downloads file nodes into local directories: '<name>.partial' first, renamed into place\n"
     "after the size and checksum check.",
     cli_download_cmds},
    {"lock", "File locks: acquire, status, heartbeat, release",
     "Exclusive, token-based locks on files (api §7). While a file is locked, writes to it\n"
     "without its lock_token are refused.",
     cli_lock_cmds},
    {"ripley", "AI chat: ask about a workspace's files, answers with citations; manage chats",
     "Questions about the files of a workspace (api §8), answered in the background with\n"
     "citations (file, version, page, snippet): 'ripley ask' waits for the answer, the chat-*\n"
     "and message-* commands manage chats and their messages; 'search' is 'files search'.\n"
     "Alias: 'ai'.",
     cli_ripley_cmds},
    {"member", "Workspace members: list, add, remove, update, info, leave, join",
     "Members of a workspace (--workspace id or folder_name) and their roles: owner, admin,\n"
     "member, guest. Adding an unknown email address invites it by mail.",
     cli_member_cmds},
    {"invitation", "Invitations to you: list, accept, decline; delete one you manage",
     "Invitations belong to an email address: whoever signs in with it may accept them.",
     cli_invitation_cmds},
    {"event", "Audit log and activity: list, info, ack, poll",
     "Events record every membership, role, invitation, ownership, workspace and storage\n"
     "change (api §9.4); 'event poll' waits for the next change (api §9.5).",
     cli_event_cmds},
    {"search", "Search a workspace: files (by content or name), metadata, comments",
     "The unified search of a workspace (api §4.2): one bucket each for files, metadata and\n"
     "comments. 'files search' searches only files, with scopes and snippet lengths.",
     cli_search_cmds},
    {"sync", "Mirror a local directory to a workspace folder, or the other way",
     "'fastio sync SRC DST' with one side WORKSPACE:/PATH: sends what is new or changed (size\n"
     "and checksum compared), optionally deletes what the source lacks (--delete).",
     cli_sync_cmds},
    {"ingest", "Watch a directory and upload what arrives (the ingest daemon)",
     "'fastio ingest DIR --org ORG (--workspace NAME | --workspace-per-subdir)': uploads every\n"
     "complete file that appears under DIR, exactly once across crashes, into a workspace it\n"
     "creates when missing, with Intelligence and invitations when asked.",
     cli_ingest_cmds},
    {"configure", "Profiles: init, set-key, list, set-default, show, delete",
     "Named profiles in config.json: each has an API base and an auth method, and its own\n"
     "credentials in credentials.json. Pick one with --profile NAME; without it the default\n"
     "profile is used.",
     cli_configure_cmds},
    {"mcp", "Model Context Protocol: list and call the tools of any MCP server",
     "An MCP client (libfastio's fastio/mcp.h, api §10): connects over Streamable HTTP, the\n"
     "older HTTP+SSE transport or a spawned stdio process, lists the server's tools and\n"
     "calls them. 'fastio mcp' alone serves the Fast.io tools over stdio ('mcp serve').",
     cli_mcp_cmds},
    {"completions", "Shell completion scripts: bash, zsh, fish",
     "Prints a completion script for a shell, generated from the same command table as this\n"
     "help: groups, commands, flags and the values of list-valued flags.",
     cli_completions_cmds},
    {"system", "Service health: ping and status",
     "Unauthenticated health checks of the API server.", cli_system_cmds},
    {"api", "Call any endpoint row directly: one command per row, made from the row",
     "Every endpoint row of libfastio (fastio/endpoints.h) that a plain call can serve is a\n"
     "command here, named after the row ('api org-details'), with the row's parameters as\n"
     "its arguments (path parameters, in order) and options (the others, under their wire\n"
     "names with '-' for '_'). Rows that send file bytes are the upload and download\n"
     "commands' business and are not listed.",
     cli_api_cmds},
    {NULL, NULL, NULL, NULL},
};

const struct cli_group *cli_groups(void)
{
    return groups;
}

static const struct cli_group *find_group(const char *name)
{
    if (strcmp(name, "ai") == 0) /* the official CLI's hidden alias (api §11) */
        name = "ripley";
    for (const struct cli_group *g = groups; g->name; g++)
        if (strcmp(g->name, name) == 0)
            return g;
    return NULL;
}

static bool is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* Match argv[0] (and argv[1] for two-word names) against the group's commands. *words gets the
 * number of words used. *prefix_only is set when argv[0] is the first word of two-word commands
 * but no full command matched ("auth api-key"). */
static const struct cli_cmd *find_cmd(const struct cli_group *g, int argc, char **argv, int *words,
                                      bool *prefix_only)
{
    *prefix_only = false;
    if (argc < 1)
        return NULL;
    size_t l0 = strlen(argv[0]);
    for (const struct cli_cmd *c = g->cmds; c->name; c++) {
        const char *sp = strchr(c->name, ' ');
        if (!sp) {
            if (strcmp(c->name, argv[0]) == 0) {
                *words = 1;
                return c;
            }
            continue;
        }
        if ((size_t)(sp - c->name) != l0 || strncmp(c->name, argv[0], l0) != 0)
            continue;
        *prefix_only = true;
        if (argc >= 2 && strcmp(sp + 1, argv[1]) == 0) {
            *words = 2;
            *prefix_only = false;
            return c;
        }
    }
    return NULL;
}

/* "fastio help [group [command...]]" and "--help" placed before the group. */
static int help_for(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc == 0) {
        cli_help_main();
        return CLI_OK;
    }
    const struct cli_group *g = find_group(argv[0]);
    if (!g)
        return cli_usage(ctx, "unknown command '%s'", argv[0]);
    if (argc == 1) {
        cli_help_group(g, NULL);
        return CLI_OK;
    }
    int words;
    bool prefix_only;
    const struct cli_cmd *c = find_cmd(g, argc - 1, argv + 1, &words, &prefix_only);
    if (c) {
        cli_help_cmd(g, c);
        return CLI_OK;
    }
    if (prefix_only) {
        char pfx[64];
        snprintf(pfx, sizeof(pfx), "%s ", argv[1]);
        cli_help_group(g, pfx);
        return CLI_OK;
    }
    return cli_usage(ctx, "unknown command '%s %s'", g->name, argv[1]);
}

int main(int argc, char **argv)
{
    struct cli_ctx ctx;
    struct cli_args args;
    memset(&ctx, 0, sizeof(ctx));
    memset(&args, 0, sizeof(args));
    ctx.log_fd = -1;
    cli_api_init(); /* the "api" group's rows, before anything reads the command tables */
    bool want_help = false;
    int i = 1;

    /* global flags before the group */
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (is_help(a)) {
            want_help = true;
            continue;
        }
        if (strcmp(a, "--version") == 0) {
            printf("fastio %s (libfastio %s)\n", FASTIO_VERSION, FASTIO_VERSION);
            return CLI_OK;
        }
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            char nm[32];
            if (len >= sizeof(nm))
                return cli_usage(&ctx, "unknown option '%s'", a);
            memcpy(nm, name, len);
            nm[len] = '\0';
            bool consumed;
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
            int r = cli_global_flag(&ctx, nm, v, &consumed);
            if (r == CLI_USAGE)
                return CLI_USAGE;
            if (r == 0)
                return cli_usage(&ctx, "unknown option '%s'", a);
            if (eq && !consumed)
                return cli_usage(&ctx, "option --%s takes no value", nm);
            if (consumed && !eq)
                i++;
            continue;
        }
        for (const char *c = a + 1; *c; c++) {
            char nm[2] = {*c, '\0'};
            bool consumed;
            if (*c == 'h')
                want_help = true;
            else if ((*c != 'q' && *c != 'v') || cli_global_flag(&ctx, nm, NULL, &consumed) != 1)
                return cli_usage(&ctx, "unknown option '%s'", a);
        }
    }

    /* Hidden: the generated reference (docs/cli.md) and its JSON twin for the tests. */
    if (i < argc && strcmp(argv[i], "__doc") == 0)
        return cli_doc(argc - i - 1, argv + i + 1);
    if (i < argc && strcmp(argv[i], "help") == 0)
        return help_for(&ctx, argc - i - 1, argv + i + 1);
    if (want_help) {
        /* "fastio --help workspace info" */
        int n = 0;
        while (i + n < argc && argv[i + n][0] != '-')
            n++;
        return help_for(&ctx, n, argv + i);
    }
    if (i >= argc) {
        fputs("usage: fastio [GLOBAL OPTIONS] <group> <command> [ARGS] [OPTIONS]\n"
              "groups:",
              stderr);
        for (const struct cli_group *g = groups; g->name; g++)
            fprintf(stderr, " %s", g->name);
        fputs("\nRun 'fastio --help' for the full manual.\n", stderr);
        return CLI_USAGE;
    }

    const struct cli_group *g = find_group(argv[i]);
    if (!g)
        return cli_usage(&ctx, "unknown command '%s'", argv[i]);
    i++;
    /* A group's CMD_DEFAULT command also runs when no word follows the group ("fastio mcp" =
     * "fastio mcp serve", the official CLI's spelling, api §10.2). */
    const struct cli_cmd *dflt = NULL;
    for (const struct cli_cmd *c = g->cmds; c->name; c++)
        if (dflt == NULL && (c->flags & CMD_DEFAULT))
            dflt = c;
    if ((i >= argc && dflt == NULL) || (i < argc && is_help(argv[i]))) {
        if (i < argc) {
            cli_help_group(g, NULL);
            return CLI_OK;
        }
        fprintf(stderr, "error: 'fastio %s' needs a command:", g->name);
        for (const struct cli_cmd *c = g->cmds; c->name; c++)
            fprintf(stderr, "%s %s", c == g->cmds ? "" : ",", c->name);
        fprintf(stderr, "\nRun 'fastio %s --help' for usage.\n", g->name);
        return CLI_USAGE;
    }
    int words = 0;
    bool prefix_only = false;
    const struct cli_cmd *cmd = i < argc ? find_cmd(g, argc - i, argv + i, &words, &prefix_only)
                                         : dflt;
    if (!cmd && !prefix_only) {
        /* the next word names no command of the group: its CMD_DEFAULT command, if any, with
         * that word as its first argument ("fastio ingest DIR" = "fastio ingest run DIR") */
        cmd = dflt;
        words = 0;
    }
    if (!cmd) {
        if (prefix_only) {
            char pfx[64];
            snprintf(pfx, sizeof(pfx), "%s ", argv[i]);
            if (i + 1 < argc && is_help(argv[i + 1])) {
                cli_help_group(g, pfx);
                return CLI_OK;
            }
            if (i + 1 < argc)
                return cli_usage(&ctx, "unknown command '%s %s %s'", g->name, argv[i], argv[i + 1]);
            fprintf(stderr, "error: 'fastio %s %s' needs a command\n", g->name, argv[i]);
            fprintf(stderr, "Run 'fastio %s %s --help' for usage.\n", g->name, argv[i]);
            return CLI_USAGE;
        }
        return cli_usage(&ctx, "unknown command '%s %s'", g->name, argv[i]);
    }
    i += words;

    char what[96];
    if (words == 0) /* the group's default command: "fastio sync --help" */
        snprintf(what, sizeof(what), "%s", g->name);
    else
        snprintf(what, sizeof(what), "%s %s", g->name, cmd->name);
    ctx.what = what;
    int rc = cli_args_parse(&ctx, cmd, argc - i, argv + i, &args);
    if (rc == -1) {
        cli_args_release(&args);
        cli_help_cmd(g, cmd);
        return CLI_OK;
    }
    if (rc != CLI_OK) {
        cli_args_release(&args);
        return rc;
    }
    if (!ctx.format_set)
        ctx.format = isatty(STDOUT_FILENO) ? CLI_FMT_TABLE : CLI_FMT_JSON;

    if (fastio_global_init() != FASTIO_OK) {
        cli_errorf(&ctx, "cannot initialise libfastio");
        cli_args_release(&args);
        return CLI_ERR;
    }
    rc = cli_log_open(&ctx);
    if (rc == CLI_OK)
        rc = cli_config_resolve(&ctx);
    if (rc == CLI_OK && g->cmds != cli_api_cmds)
        rc = cli_resolve_args(&ctx, &args); /* names and paths to ids (resolve.c) */
    if (rc == CLI_OK)
        rc = (cmd->run ? cmd->run : cli_run_generic)(&ctx, cmd, &args);
    if (rc != CLI_OK && cli_transfer_signal() != 0)
        rc = 128 + cli_transfer_signal(); /* interrupted: 130 for SIGINT, 143 for SIGTERM */

    cli_resolve_release(&ctx);
    fastio_client_free(ctx.client);
    cli_config_release(&ctx);
    cli_log_close(&ctx);
    cli_args_release(&args);
    fastio_global_cleanup();
    return rc;
}
