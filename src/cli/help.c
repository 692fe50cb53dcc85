/* SPDX-License-Identifier: MIT */
/* help.c - man-page style help (NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXAMPLES) for the program,
 * a group and a command, generated from the command table and the endpoint rows its options
 * name (cli_opt_view), so help cannot drift from what the parser accepts or the API takes. The
 * reference in docs/cli.md is generated from the same tables (doc.c). */
#include "cli.h"

#include <ctype.h>
#include <string.h>

static void indented(FILE *f, const char *text, int indent)
{
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n)
            fprintf(f, "%*s%.*s\n", indent, "", (int)n, p);
        else
            fputc('\n', f);
        p = nl ? nl + 1 : NULL;
    }
}

static void metavar(const struct cli_opt *o, char *out, size_t size)
{
    if (o->metavar) {
        snprintf(out, size, "%s", o->metavar);
        return;
    }
    size_t i = 0;
    for (; o->name[i] && i + 1 < size; i++)
        out[i] = (char)(o->name[i] == '-' ? '_' : toupper((unsigned char)o->name[i]));
    out[i] = '\0';
}

void cli_help_synopsis(FILE *f, const struct cli_group *g, const struct cli_cmd *cmd)
{
    char mv[64];
    struct cli_opt_view v;
    bool optional_flags = false;
    fprintf(f, "fastio [GLOBAL OPTIONS] %s %s", g->name, cmd->name);
    for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        switch (o->kind) {
        case OPT_POS:
            fprintf(f, o->optional ? " [<%s>]" : " <%s>", o->name);
            break;
        case OPT_REST:
            fprintf(f, o->optional ? " [<%s>...]" : " <%s>...", o->name);
            break;
        case OPT_VALUE:
            cli_opt_view(cmd, o, &v);
            if (v.required) {
                metavar(o, mv, sizeof(mv));
                fprintf(f, " --%s %s", o->name, mv);
            } else {
                optional_flags = true;
            }
            break;
        case OPT_BOOL:
            optional_flags = true;
            break;
        }
    }
    if (optional_flags)
        fputs(" [OPTIONS]", f);
    fputc('\n', f);
}

static void opt_block(const struct cli_cmd *cmd, const struct cli_opt *o)
{
    struct cli_opt_view v;
    cli_opt_view(cmd, o, &v);
    char mv[64];
    if (o->kind == OPT_POS || o->kind == OPT_REST) {
        printf("    <%s>%s\n", o->name, o->kind == OPT_REST ? "..." : "");
    } else if (o->kind == OPT_BOOL) {
        if (o->short_name)
            printf("    -%c, --%s\n", o->short_name, o->name);
        else
            printf("    --%s\n", o->name);
    } else {
        metavar(o, mv, sizeof(mv));
        if (o->short_name)
            printf("    -%c, --%s %s\n", o->short_name, o->name, mv);
        else
            printf("    --%s %s\n", o->name, mv);
    }
    if (v.doc)
        indented(stdout, v.doc, 8);
    if (v.remark)
        indented(stdout, v.remark, 8);
    if (v.note)
        indented(stdout, v.note, 8);
    if (v.required)
        printf("        Required.\n");
    if (v.check == CHK_CHOICE && v.choices)
        printf("        One of: %s.\n", v.choices);
    if (o->def)
        printf("        Default: %s.\n", o->def);
    if (o->param)
        printf("        Sent as the '%s' parameter.\n", o->param);
}

void cli_help_cmd(const struct cli_group *g, const struct cli_cmd *cmd)
{
    printf("NAME\n    fastio %s %s - %s\n\nSYNOPSIS\n    ", g->name, cmd->name, cmd->summary);
    cli_help_synopsis(stdout, g, cmd);
    printf("\nDESCRIPTION\n");
    indented(stdout, cmd->description, 4);
    if (cmd->endpoint >= 0) {
        const struct fastio_endpoint_info *info =
            fastio_endpoint_get((enum fastio_endpoint)cmd->endpoint);
        if (info) {
            printf("\n    API: %s %s%s\n", fastio_method_name(info->method), info->path,
                   info->auth == FASTIO_AUTH_NONE ? " (no authentication)" : "");
            indented(stdout, info->doc, 9); /* the row's own line, under the path */
        }
    }
    bool any_pos = false, any_flag = false;
    for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
        if (cmd->opts[i].kind == OPT_POS || cmd->opts[i].kind == OPT_REST)
            any_pos = true;
        else
            any_flag = true;
    }
    if (any_pos) {
        printf("\nARGUMENTS\n");
        for (size_t i = 0; cmd->opts[i].name; i++)
            if (cmd->opts[i].kind == OPT_POS || cmd->opts[i].kind == OPT_REST)
                opt_block(cmd, &cmd->opts[i]);
    }
    if (any_flag) {
        printf("\nOPTIONS\n");
        for (size_t i = 0; cmd->opts[i].name; i++)
            if (cmd->opts[i].kind == OPT_VALUE || cmd->opts[i].kind == OPT_BOOL)
                opt_block(cmd, &cmd->opts[i]);
    }
    printf("\nGLOBAL OPTIONS\n    --api-base, --token, --profile, --format json|table|csv|markdown,\n"
           "    --fields a,b,c, --no-color, -q, -v, --log-file PATH, --ca-file PATH: "
           "see 'fastio --help'.\n    They may also follow the command when it has no option "
           "of the same name.\n");
    if (cmd->examples) {
        printf("\nEXAMPLES\n");
        indented(stdout, cmd->examples, 4);
    }
    printf("\nEXIT STATUS\n    0 success, 1 API, network or local error, 2 usage error.\n");
}

void cli_help_group(const struct cli_group *g, const char *prefix)
{
    /* prefix = "api-key " for the two-word commands of a nested group */
    int plen = prefix ? (int)strcspn(prefix, " ") : 0;
    if (prefix)
        printf("NAME\n    fastio %s %.*s - subcommands of 'fastio %s %.*s'\n", g->name, plen,
               prefix, g->name, plen, prefix);
    else
        printf("NAME\n    fastio %s - %s\n", g->name, g->summary);
    printf("\nSYNOPSIS\n    fastio [GLOBAL OPTIONS] %s %s<command> [ARGS] [OPTIONS]\n", g->name,
           prefix ? prefix : "");
    if (!prefix) {
        printf("\nDESCRIPTION\n");
        indented(stdout, g->description, 4);
    }
    printf("\nCOMMANDS\n");
    for (const struct cli_cmd *c = g->cmds; c->name; c++) {
        if (prefix && strncmp(c->name, prefix, strlen(prefix)) != 0)
            continue;
        printf("    %-20s %s\n", c->name, c->summary);
    }
    printf("\n    Run 'fastio %s %s<command> --help' for the options of a command.\n", g->name,
           prefix ? prefix : "");
}

void cli_help_main(void)
{
    fputs("NAME\n"
          "    fastio - command-line client for Fast.io and the local fastio-server\n"
          "\n"
          "SYNOPSIS\n"
          "    fastio [GLOBAL OPTIONS] <group> <command> [ARGS] [OPTIONS]\n"
          "    fastio help [<group> [<command>]]\n"
          "    fastio --version\n"
          "\n"
          "DESCRIPTION\n"
          "    fastio talks to a Fast.io-compatible REST API: the Fast.io cloud\n"
          "    (https://api.fast.io/current) or a local fastio-server. With no configuration it\n"
          "    uses the local server at " CLI_LOCAL_BASE " and signs in with the\n"
          "    key that server writes on first start, so a fresh install works with no setup.\n"
          "\n"
          "COMMANDS\n",
          stdout);
    for (const struct cli_group *g = cli_groups(); g->name; g++)
        printf("    %-12s %s\n", g->name, g->summary);
    fputs("\n"
          "    Run 'fastio <group> --help' or 'fastio <group> <command> --help' for details.\n"
          "\n"
          "GLOBAL OPTIONS\n"
          "    Given before the group (or after the command when it has no option of that name).\n"
          "    --api-base URL\n"
          "        API base including the version segment, e.g. https://api.fast.io/current.\n"
          "        Default: $FASTIO_API_BASE, else the profile's api_base in config.json, else\n"
          "        " CLI_LOCAL_BASE ".\n"
          "    --token TOKEN\n"
          "        Bearer token (API key, JWT or OAuth access token) for this run only.\n"
          "        Prefer FASTIO_TOKEN: command lines are visible to other local users.\n"
          "    --profile NAME\n"
          "        Profile of config.json / credentials.json to use. Default: $FASTIO_PROFILE,\n"
          "        else config.json's default_profile, else \"default\".\n"
          "    --format json|table|csv|markdown\n"
          "        Output format (md = markdown). Default: table when stdout is a terminal,\n"
          "        json otherwise. json prints the whole decoded response; table, csv and\n"
          "        markdown flatten the main result. Tables show each entity's usual columns\n"
          "        (files: name, type, size, modified, id), sizes in KiB/MiB, times as\n"
          "        YYYY-MM-DD HH:MM (UTC), and are cut with '...' to fit the terminal\n"
          "        (COLUMNS, else its width; never when stdout is not a terminal). csv is\n"
          "        RFC 4180 with raw values.\n"
          "    --fields a,b,c\n"
          "        The columns to show (dotted names reach into objects: origin.type); with\n"
          "        json, the result keeps only these fields.\n"
          "    --no-color\n"
          "        No colours (also when NO_COLOR is set and not empty, or TERM=dumb).\n"
          "    -q, --quiet\n"
          "        Print nothing on success and no API error text; the exit status tells the\n"
          "        outcome. Usage errors are still reported.\n"
          "    -v, --verbose\n"
          "        Log each request as a JSON line on stderr (secrets redacted). -vv also says\n"
          "        where the API base and the token came from.\n"
          "    --log-file PATH\n"
          "        Append the same JSON lines to PATH, one per request attempt (retries and\n"
          "        token refreshes included), written as each attempt ends. Fields: time,\n"
          "        request_id, endpoint, method, path, query (secret values replaced), status,\n"
          "        outcome, api_code, latency_us, bytes, attempt, retry_wait_ms. Headers and\n"
          "        bodies are never logged; tokens, keys, lock tokens and passwords are\n"
          "        redacted. A new file is created with mode 0600; an existing one keeps its\n"
          "        mode (warning when group or others can access it). A symbolic link at PATH\n"
          "        is refused. Independent of -v: both may be given.\n"
          "    --ca-file PATH\n"
          "        PEM bundle of the CAs that verify an https:// server's certificate, instead\n"
          "        of the system bundle: a private CA, or a self-signed server's own\n"
          "        certificate. Default: $FASTIO_CA_FILE, else the profile's ca_file in\n"
          "        config.json ('configure init --ca-file'). Used by every request, transfers,\n"
          "        token refreshes and 'mcp'. A file that cannot be read or holds no\n"
          "        certificate is an error (exit 1); verification is never turned off.\n"
          "    -h, --help\n"
          "        Show help (also 'fastio help ...').\n"
          "    --version\n"
          "        Print the version and exit.\n",
          stdout);
    fputs("\n"
          "TOKEN RESOLUTION\n"
          "    The first of: --token; $FASTIO_TOKEN; $FASTIO_API_KEY; the stored credentials of\n"
          "    the profile (its api_key before its token); and, only when none of these exists\n"
          "    and the API base is a loopback http:// address (127.x, localhost, [::1]), the\n"
          "    local server's key file\n"
          "    $XDG_DATA_HOME/fastio-server/owner.key (~/.local/share/... when unset), and only\n"
          "    to the port in the owner.url the server wrote beside it (8787 without one).\n"
          "    'fastio auth status' shows which one is in use.\n"
          "\n"
          "ENVIRONMENT\n"
          "    FASTIO_TOKEN       bearer token (after --token)\n"
          "    FASTIO_API_KEY     API key (after FASTIO_TOKEN)\n"
          "    FASTIO_API_BASE    API base URL (after --api-base)\n"
          "    FASTIO_PROFILE     profile (after --profile)\n"
          "    FASTIO_CA_FILE     CA bundle for https servers (after --ca-file)\n"
          "    NO_COLOR           set and not empty: no colours\n"
          "    COLUMNS            width tables are fitted to\n"
          "    XDG_CONFIG_HOME    configuration directory root (default ~/.config)\n"
          "    XDG_DATA_HOME      where the local server's owner.key is looked for\n"
          "                       (default ~/.local/share)\n"
          "\n"
          "FILES\n"
          "    $XDG_CONFIG_HOME/fastio-c/config.json\n"
          "        {\"default_profile\": \"default\", \"profiles\": {\"NAME\": {\"api_base\": "
          "URL,\n"
          "        \"ca_file\": PATH}}}\n"
          "    $XDG_CONFIG_HOME/fastio-c/credentials.json\n"
          "        {\"profiles\": {\"NAME\": {\"token\", \"api_key\", \"expires_at\", \"email\",\n"
          "        \"auth_method\"}}}; mode 0600 in a 0700 directory, replaced atomically.\n"
          "\n"
          "EXIT STATUS\n"
          "    0  success\n"
          "    1  API, network or local error (message on stderr)\n"
          "    2  usage error: unknown command or option, missing or bad argument\n"
          "    130, 143  interrupted by Ctrl-C (SIGINT) or SIGTERM\n"
          "\n"
          "EXAMPLES\n"
          "    fastio system ping\n"
          "    fastio auth login --email me@example.com --password-stdin < pw.txt\n"
          "    fastio workspace list --format json\n"
          "    fastio files list --workspace my-team --all\n"
          "    fastio --api-base https://api.fast.io/current auth status\n",
          stdout);
}
