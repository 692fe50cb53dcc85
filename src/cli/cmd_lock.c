/* SPDX-License-Identifier: MIT */
/* cmd_lock.c - rows of the "lock" group (api §7, §11.2), also served as "files lock ..." via
 * CLI_LOCK_ROWS (cli.h). Status, heartbeat and release are plain rows; acquire has a little code
 * to show who holds a lock when it is taken. Like the official CLI, the context is
 * --context-type workspace --context-id ID; --workspace ID is the short form. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <fastio/lock.h>

/* acquire: on success the lock object with its token; on 409 who holds it. */
int cli_lock_acquire(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cli_request req;
    int rc = cli_prepare(ctx, cmd->endpoint, args, &req);
    if (rc != CLI_OK)
        return rc;
    struct fastio_lock_opts o = {0, cli_arg(args, "client-info"), 0};
    const char *d = cli_arg(args, "duration");
    if (d) {
        char *end = NULL;
        o.duration_s = strtol(d, &end, 10);
        if (!end || *end || o.duration_s < FASTIO_LOCK_DURATION_MIN ||
            o.duration_s > FASTIO_LOCK_DURATION_MAX)
            return cli_usage(ctx, "--duration must be %d to %d seconds", FASTIO_LOCK_DURATION_MIN,
                             FASTIO_LOCK_DURATION_MAX);
    }
    char *token = NULL;
    json_t *lock = NULL;
    struct fastio_error err;
    enum fastio_status st =
        fastio_lock_acquire(ctx->client, req.path[0], req.path[1], &o, &token, &lock, &err);
    if (st != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        json_t *by = json_object_get(lock, "locked_by");
        const char *who = json_string_value(json_object_get(by, "email"));
        if (!who)
            who = json_string_value(json_object_get(by, "id"));
        const char *until = json_string_value(json_object_get(lock, "expires"));
        if (st == FASTIO_CONFLICT && who)
            cli_errorf(ctx, "locked by %s until %s", who, until ? until : "?");
        json_decref(lock);
        return CLI_ERR;
    }
    rc = CLI_ERR;
    if (json_object_set_new(lock, "lock_token", json_string(token)) == 0) {
        json_t *whole = json_pack("{s:O}", "lock", lock);
        if (whole)
            rc = cli_print(ctx, whole, lock);
        json_decref(whole);
    }
    if (rc == CLI_ERR)
        cli_errorf(ctx, "out of memory");
    explicit_bzero(token, strlen(token));
    fastio_free(token);
    json_decref(lock);
    return rc;
}

/* ---- rows ------------------------------------------------------------------------------------ */
/* clang-format off */

/* --context-type only restates the one context this server has; --workspace and --context-id
 * both fill the workspace of the path (cli_build_request refuses both at once). */
#define LOCK_CTX_OPTS                                                                              \
    {.name = "workspace", .kind = OPT_VALUE, .path = 1, .metavar = "WS",                           \
     .help = "Same as --context-id."},                                                             \
    {.name = "context-type", .kind = OPT_VALUE, .cli_only = true, .check = CHK_CHOICE,             \
     .choices = "workspace", .metavar = "TYPE",                                                    \
     .help = "Context kind: workspace (share storage is not served here)."},                       \
    {.name = "context-id", .kind = OPT_VALUE, .path = 1, .metavar = "ID"},                         \
    {.name = "NODE", .kind = OPT_POS, .path = 2}

#define LOCK_CLIENT_INFO                                                                           \
    {.name = "client-info", .kind = OPT_VALUE, .param = "client_info", .metavar = "JSON",          \
     .help = "At most 4 KiB, e.g. '{\"device_name\":\"ci-7\"}'."}

const struct cli_opt cli_lock_acquire_opts[] = {
    LOCK_CTX_OPTS,
    {.name = "duration", .kind = OPT_VALUE, .param = "duration", .metavar = "SECONDS"},
    LOCK_CLIENT_INFO,
    {0},
};

const struct cli_opt cli_lock_status_opts[] = {LOCK_CTX_OPTS, {0}};

const struct cli_opt cli_lock_token_opts[] = {
    LOCK_CTX_OPTS,
    {.name = "lock-token", .kind = OPT_VALUE, .param = "lock_token", .metavar = "TOKEN"},
    {0},
};

const struct cli_opt cli_lock_run_opts[] = {
    LOCK_CTX_OPTS,
    {.name = "duration", .kind = OPT_VALUE, .param = "duration", .metavar = "SECONDS",
     .help = "The lock is renewed automatically while the command runs."},
    {.name = "wait", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT, .metavar = "SECONDS",
     .def = "60",
     .help = "While someone else holds the lock, retry (with backoff) for up to this\n"
             "long before giving up; 0 = fail at once."},
    LOCK_CLIENT_INFO,
    {.name = "COMMAND", .kind = OPT_REST, .cli_only = true,
     .help = "The command and its arguments, after '--'; the local path of the\n"
             "downloaded file is appended as its last argument."},
    {0},
};

const struct cli_cmd cli_lock_cmds[] = {
    CLI_LOCK_ROWS(""),
    {0},
};

/* clang-format on */
