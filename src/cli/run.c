/* SPDX-License-Identifier: MIT */
/* run.c - the generic command runner: turns a command row plus parsed arguments into path
 * arguments and parameters, creates the client, calls fastio_call() and prints the result.
 * Most commands are nothing but a row run by this file. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

bool cli_request_add(struct cli_request *req, const char *name, const char *value)
{
    for (size_t i = 0; i < req->n_params; i++) {
        if (strcmp(req->params[i].name, name) == 0) {
            req->params[i].value = value;
            return true;
        }
    }
    if (req->n_params >= CLI_MAX_PARAMS)
        return false;
    req->params[req->n_params].name = name;
    req->params[req->n_params].value = value;
    req->n_params++;
    return true;
}

int cli_build_request(struct cli_ctx *ctx, int ep, const struct cli_args *args,
                      struct cli_request *req)
{
    const struct cli_cmd *cmd = args->cmd;
    const struct fastio_endpoint_info *info = fastio_endpoint_get((enum fastio_endpoint)ep);
    memset(req, 0, sizeof(*req));
    if (!info || info->path_args > sizeof(req->path) / sizeof(req->path[0]))
        abort(); /* broken table invariant */

    /* Path slot k is filled by the first option mapped to it that has a value; several options
     * may map to one slot (a positional and a flag alternative, e.g. api-key delete). */
    for (unsigned k = 1; k <= info->path_args; k++) {
        const char *v = NULL;
        char names[160] = "";
        size_t used = 0;
        int given = 0;
        for (size_t i = 0; cmd->opts[i].name; i++) {
            const struct cli_opt *o = &cmd->opts[i];
            if (o->path != (int)k)
                continue;
            given += args->given[i];
            if (!v)
                v = args->values[i];
            int n =
                snprintf(names + used, sizeof(names) - used, "%s%s%s%s", used ? " or " : "",
                         o->kind == OPT_POS ? "<" : "--", o->name, o->kind == OPT_POS ? ">" : "");
            if (n > 0 && (size_t)n < sizeof(names) - used)
                used += (size_t)n;
        }
        if (given > 1)
            return cli_usage(ctx, "give only one of %s", names);
        if (!v || !v[0])
            return cli_usage(ctx, "missing %s", used ? names : "an argument");
        req->path[req->n_path++] = v;
    }

    bool any_field = false;
    for (size_t i = 0; cmd->opts[i].name; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        if (!o->param || !args->values[i])
            continue;
        if (args->given[i])
            any_field = true;
        if (!cli_request_add(req, o->param, args->values[i]))
            abort(); /* broken table invariant: raise CLI_MAX_PARAMS */
    }
    if ((cmd->flags & CMD_NEEDS_FIELD) && !any_field)
        return cli_usage(ctx, "nothing to change: give at least one option (see --help)");
    return CLI_OK;
}

/* ---- request log: -v (stderr) and --log-file ---------------------------------------------- */

int cli_log_open(struct cli_ctx *ctx)
{
    const char *path = ctx->flag_log_file;
    if (!path)
        return CLI_OK;
    /* O_NOFOLLOW: a symlink planted at the path is refused, not followed. O_NONBLOCK: a FIFO
     * without a reader fails instead of hanging (no effect on regular files). */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd < 0) {
        int e = errno;
        cli_errorf(ctx, "--log-file %s: %s", path,
                   e == ELOOP ? "is a symbolic link (refused)" : strerror(e));
        return CLI_ERR;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        cli_errorf(ctx, "--log-file %s: not a regular file", path);
        close(fd);
        return CLI_ERR;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        cli_note(ctx,
                 "warning: --log-file %s has mode %04o: group or others can access it "
                 "(chmod 600 it)",
                 path, (unsigned)(st.st_mode & 07777));
    ctx->log_fd = fd;
    return CLI_OK;
}

void cli_log_close(struct cli_ctx *ctx)
{
    if (ctx->log_fd >= 0)
        close(ctx->log_fd);
    ctx->log_fd = -1;
}

/* The line plus its newline in one write(2) on the O_APPEND descriptor: lines from parallel
 * transfer threads never interleave, and each is on disk (in the page cache) at once. */
static void log_to_file(int fd, const char *json_line)
{
    size_t len = strlen(json_line);
    char nl = '\n';
    struct iovec iov[2] = {{(void *)(uintptr_t)json_line, len}, {&nl, 1}};
    int n = 2;
    struct iovec *v = iov;
    while (n > 0) {
        ssize_t w = writev(fd, v, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* nothing to report to from here; the command itself goes on */
        }
        size_t done = (size_t)w;
        while (n > 0 && done >= v->iov_len) {
            done -= v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + done;
            v->iov_len -= done;
        }
    }
}

static void log_line(void *userdata, const char *json_line)
{
    const struct cli_ctx *ctx = userdata;
    if (ctx->verbose >= 1)
        fprintf(stderr, "%s\n", json_line); /* one write: no interleaving with other threads */
    if (ctx->log_fd >= 0)
        log_to_file(ctx->log_fd, json_line);
}

int cli_connect(struct cli_ctx *ctx, int ep, bool need_token)
{
    if (need_token && ep >= 0) {
        const struct fastio_endpoint_info *info = fastio_endpoint_get((enum fastio_endpoint)ep);
        need_token = info && info->auth == FASTIO_AUTH_BEARER;
    }
    if (need_token && ctx->token_expired) {
        char when[32];
        fio_time_api((int64_t)ctx->token_expires_at * 1000000, when, sizeof(when));
        cli_errorf(ctx,
                   "the stored token of profile '%s' expired at %s; sign in again with "
                   "'fastio auth login'",
                   ctx->profile, when);
        return CLI_ERR;
    }
    if (need_token && !ctx->token) {
        cli_errorf(ctx, "not signed in: pass --token, set FASTIO_TOKEN or FASTIO_API_KEY, or run "
                        "'fastio auth login'");
        return CLI_ERR;
    }
    if (need_token && ctx->token_source == TOK_PROFILE && !ctx->refresh_token &&
        ctx->token_expires_at > 0 &&
        ctx->token_expires_at - (long long)time(NULL) < 300)
        cli_note(ctx, "warning: the stored token of profile '%s' expires in less than 5 minutes",
                 ctx->profile);
    if (ctx->client)
        return CLI_OK;

    if (ctx->verbose >= 2) {
        static const char *const base_src[] = {"built-in local default", "--api-base",
                                               "FASTIO_API_BASE", "config.json"};
        cli_note(ctx, "debug: api base %s (from %s)", ctx->api_base, base_src[ctx->base_source]);
        cli_note(ctx, "debug: token from %s", ctx->token ? ctx->token_origin : "nowhere (none)");
        cli_note(ctx, "debug: TLS CAs %s%s%s", ctx->ca_file ? ctx->ca_file : "the system bundle",
                 ctx->ca_file ? " from " : "", ctx->ca_file ? ctx->ca_file_origin : "");
    }
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = ctx->api_base;
    cfg.token = ctx->token_expired ? NULL : ctx->token;
    cfg.user_agent = "fastio-c-cli/" FASTIO_VERSION;
    cfg.ca_file = ctx->ca_file;
    if (ctx->verbose >= 1 || ctx->log_fd >= 0) {
        cfg.log = log_line;
        cfg.log_userdata = ctx;
    }
    if (cli_tokens_install(ctx, &cfg) != CLI_OK) /* PKCE profile: refreshed automatically */
        return CLI_ERR;
    struct fastio_error err;
    fastio_error_clear(&err);
    ctx->client = fastio_client_new(&cfg, &err);
    if (!ctx->client) {
        if (err.status == FASTIO_INVALID && strncmp(err.message, "ca_file ", 8) == 0)
            cli_errorf(ctx, "%s (the CA file, from %s)", err.message, ctx->ca_file_origin);
        else if (err.status == FASTIO_INVALID)
            cli_errorf(ctx, "bad API base URL '%s': %s", ctx->api_base,
                       err.message[0] ? err.message : "invalid");
        else
            cli_print_api_error(ctx, &err);
        return CLI_ERR;
    }
    return CLI_OK;
}

int cli_call(struct cli_ctx *ctx, int ep, const struct cli_request *req, json_t **response)
{
    struct fastio_error err;
    fastio_error_clear(&err);
    *response = NULL;
    enum fastio_status st = fastio_call(ctx->client, (enum fastio_endpoint)ep, req->path,
                                        req->n_path, req->params, req->n_params, response, &err);
    if (st != FASTIO_OK) {
        if (err.status == FASTIO_OK)
            err.status = st;
        cli_print_api_error(ctx, &err);
        json_decref(*response);
        *response = NULL;
        return CLI_ERR;
    }
    return CLI_OK;
}

int cli_prepare(struct cli_ctx *ctx, int ep, const struct cli_args *args, struct cli_request *req)
{
    int rc = cli_build_request(ctx, ep, args, req);
    if (rc == CLI_OK)
        rc = cli_connect(ctx, ep, true);
    return rc;
}

int cli_fetch(struct cli_ctx *ctx, int ep, const struct cli_args *args, json_t **response)
{
    struct cli_request req;
    *response = NULL;
    int rc = cli_prepare(ctx, ep, args, &req);
    return rc == CLI_OK ? cli_call(ctx, ep, &req, response) : rc;
}

int cli_run_endpoint(struct cli_ctx *ctx, int ep, const struct cli_args *args)
{
    json_t *resp;
    int rc = cli_fetch(ctx, ep, args, &resp);
    if (rc != CLI_OK)
        return rc;
    rc = cli_print(ctx, resp, fastio_result(resp, (enum fastio_endpoint)ep));
    json_decref(resp);
    return rc;
}

int cli_run_generic(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    return cli_run_endpoint(ctx, cmd->endpoint, args);
}
