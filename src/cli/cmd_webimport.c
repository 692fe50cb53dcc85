/* SPDX-License-Identifier: MIT */
/* cmd_webimport.c - URL import commands of the "upload" group (cmd_webimport.h; api §5.7).
 * List and cancel are plain rows; "url" and "web-status" wait for the job when asked. */
#include "cmd_webimport.h"

#include <stdlib.h>
#include <string.h>

#include <fastio/webimport.h>

/* clang-format off */
static const char wait_help[] =
    "Wait until the import is complete, failed or canceled; progress on stderr.";
static const char timeout_help[] =
    "With --wait: give up waiting after SECONDS (exit 1; the import goes on). Default: no limit.";

const struct cli_opt cli_web_url_opts[] = {
    {.name = "URL", .kind = OPT_POS, .param = "source_url"},
    {.name = "workspace", .kind = OPT_VALUE, .param = "profile_id", .required = true,
     .metavar = "WS"},
    {.name = "folder", .kind = OPT_VALUE, .param = "folder_id", .def = "root",
     .metavar = "FOLDER"},
    {.name = "name", .kind = OPT_VALUE, .param = "file_name", .metavar = "NAME"},
    {.name = "wait", .kind = OPT_BOOL, .cli_only = true, .help = wait_help},
    {.name = "timeout", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT,
     .metavar = "SECONDS", .help = timeout_help},
    {0},
};

const struct cli_opt cli_web_list_opts[] = {
    {.name = "limit", .kind = OPT_VALUE, .param = "limit", .metavar = "N"},
    {.name = "offset", .kind = OPT_VALUE, .param = "offset", .metavar = "N"},
    {.name = "status", .kind = OPT_VALUE, .param = "status", .metavar = "STATUS"},
    {0},
};

const struct cli_opt cli_web_status_opts[] = {
    {.name = "ID", .kind = OPT_POS, .path = 1},
    {.name = "wait", .kind = OPT_BOOL, .cli_only = true, .help = wait_help},
    {.name = "timeout", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT,
     .metavar = "SECONDS", .help = timeout_help},
    {0},
};

const struct cli_opt cli_web_cancel_opts[] = {
    {.name = "ID", .kind = OPT_POS, .param = "id"},
    {0},
};
/* clang-format on */

struct progress {
    struct cli_ctx *ctx;
    char last[64];
    long long last_bytes;
};

static int on_progress(const json_t *job, void *arg)
{
    struct progress *p = arg;
    const char *st = json_string_value(json_object_get(job, "status"));
    long long bytes = json_integer_value(json_object_get(job, "bytes_done"));
    long long size = json_integer_value(json_object_get(job, "size"));
    if (st && (strcmp(st, p->last) != 0 || bytes != p->last_bytes)) {
        if (size > 0)
            cli_note(p->ctx, "%s: %lld of %lld bytes", st, bytes, size);
        else
            cli_note(p->ctx, "%s: %lld bytes", st, bytes);
        snprintf(p->last, sizeof(p->last), "%s", st);
        p->last_bytes = bytes;
    }
    return 0;
}

/* Wait for job id and print it: CLI_OK when complete, CLI_ERR otherwise. */
static int wait_and_print(struct cli_ctx *ctx, struct cli_args *args, const char *id)
{
    long timeout_ms = 0;
    const char *t = cli_arg(args, "timeout");
    if (t)
        timeout_ms = strtol(t, NULL, 10) * 1000;
    struct progress p = {.ctx = ctx, .last = "", .last_bytes = -1};
    json_t *job = NULL;
    struct fastio_error err;
    enum fastio_status st =
        fastio_web_import_wait(ctx->client, id, timeout_ms, on_progress, &p, &job, &err);
    int rc = CLI_ERR;
    if (job) {
        json_t *whole = json_pack("{s:O}", "web_upload", job);
        if (whole && cli_print(ctx, whole, job) == CLI_OK && st == FASTIO_OK)
            rc = CLI_OK;
        json_decref(whole);
    }
    if (st != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        if (st == FASTIO_TIMEOUT)
            cli_errorf(ctx, "the import %s goes on; see 'fastio upload web-status %s'", id, id);
    }
    json_decref(job);
    return rc;
}

int cli_web_url(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    if (!cli_arg_given(args, "wait")) {
        if (cli_arg_given(args, "timeout"))
            return cli_usage(ctx, "--timeout goes with --wait");
        return cli_run_generic(ctx, cmd, args);
    }
    json_t *resp;
    int rc = cli_fetch(ctx, cmd->endpoint, args, &resp);
    if (rc != CLI_OK)
        return rc;
    const char *id = json_string_value(json_object_get(fastio_result(resp, cmd->endpoint), "id"));
    if (!id) {
        cli_errorf(ctx, "the server's answer has no import id");
        json_decref(resp);
        return CLI_ERR;
    }
    cli_note(ctx, "import %s started", id);
    rc = wait_and_print(ctx, args, id);
    json_decref(resp);
    return rc;
}

int cli_web_status(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    if (!cli_arg_given(args, "wait")) {
        if (cli_arg_given(args, "timeout"))
            return cli_usage(ctx, "--timeout goes with --wait");
        return cli_run_generic(ctx, cmd, args);
    }
    int rc = cli_connect(ctx, cmd->endpoint, true);
    if (rc != CLI_OK)
        return rc;
    return wait_and_print(ctx, args, cli_arg(args, "ID"));
}
