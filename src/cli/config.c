/* SPDX-License-Identifier: MIT */
/* config.c - the CLI's side of settings and secrets. Everything reusable (paths, config.json /
 * credentials.json, atomic writes, the refresh lock, token and API base precedence) lives in
 * libfastio (fastio/credentials.h); this file maps it onto the CLI context and its messages. */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The CA bundle (D-125): --ca-file, else $FASTIO_CA_FILE, else the profile's ca_file in
 * config.json; a relative path of the first two is made absolute against the working
 * directory (the ingest daemon and the login helper outlive it). Whether the file is usable is
 * the library's check, at client creation. */
static int resolve_ca_file(struct cli_ctx *ctx)
{
    const char *v = ctx->flag_ca_file;
    const char *origin = "--ca-file";
    json_t *cfg = NULL;
    if (!v) {
        v = getenv("FASTIO_CA_FILE");
        origin = "FASTIO_CA_FILE";
        if (v && !v[0])
            v = NULL; /* set but empty: as unset */
    }
    if (!v) {
        if (cli_config_load(ctx, &cfg) != CLI_OK)
            return CLI_ERR;
        json_t *p = json_object_get(json_object_get(cfg, "profiles"), ctx->profile);
        v = json_string_value(json_object_get(p, "ca_file"));
        origin = "config.json";
        if (v && !v[0])
            v = NULL;
    }
    if (v) {
        char abs[PATH_MAX];
        ctx->ca_file = fio_strdup(v[0] != '/' && realpath(v, abs) ? abs : v);
        ctx->ca_file_origin = origin;
    }
    json_decref(cfg);
    if (v && !ctx->ca_file) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    return CLI_OK;
}

int cli_config_resolve(struct cli_ctx *ctx)
{
    struct fastio_credentials_opts o;
    struct fastio_credentials c;
    struct fastio_error err;
    char path[4096];
    fastio_credentials_opts_init(&o);
    fastio_error_clear(&err);
    o.profile = ctx->flag_profile;
    o.explicit_token = ctx->flag_token;
    o.explicit_token_origin = "--token";
    o.explicit_api_base = ctx->flag_api_base;
    o.default_api_base = CLI_LOCAL_BASE;
    o.flags = FASTIO_CRED_ALLOW_INSECURE | FASTIO_CRED_USE_LOCAL_KEY;
    enum fastio_status st = fastio_credentials_resolve(&o, &c, &err);
    if (c.insecure_mode && fastio_cred_path(FASTIO_FILE_CREDENTIALS, false, path, sizeof(path)))
        cli_note(ctx, "warning: %s is accessible by other users (mode %04o); run 'chmod 600 %s'",
                 path, c.insecure_mode, path);
    if (st != FASTIO_OK) {
        cli_errorf(ctx, "%s", err.message);
        return CLI_ERR;
    }
    /* the context takes over the strings */
    ctx->profile = c.profile;
    ctx->api_base = c.api_base;
    ctx->base_source = (enum cli_base_source)c.base_source;
    ctx->token = c.token;
    ctx->token_source = (enum cli_token_source)c.token_source;
    ctx->token_origin = c.token_origin;
    ctx->refresh_token = c.refresh_token;
    ctx->auth_method = c.auth_method;
    ctx->token_expires_at = (long long)c.expires_at;
    ctx->token_expired = c.expired;
    return resolve_ca_file(ctx);
}

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void cli_config_release(struct cli_ctx *ctx)
{
    wipe_free(ctx->token);
    fastio_profile_tokens_free(ctx->tokens);
    ctx->tokens = NULL;
    wipe_free(ctx->refresh_token);
    ctx->refresh_token = NULL;
    free(ctx->auth_method);
    ctx->auth_method = NULL;
    free(ctx->token_origin);
    free(ctx->api_base);
    free(ctx->profile);
    free(ctx->ca_file);
    ctx->token = ctx->token_origin = ctx->api_base = ctx->profile = ctx->ca_file = NULL;
}

static int done(struct cli_ctx *ctx, enum fastio_status st, const struct fastio_error *err)
{
    if (st == FASTIO_OK)
        return CLI_OK;
    cli_errorf(ctx, "%s", err->message[0] ? err->message : fastio_status_str(st));
    return CLI_ERR;
}

int cli_credentials_store(struct cli_ctx *ctx, const char *profile, json_t *creds)
{
    struct fastio_error err;
    fastio_error_clear(&err);
    return done(ctx,
                fastio_cred_profile_update(FASTIO_FILE_CREDENTIALS, profile, NULL, creds, &err),
                &err);
}

int cli_config_set_api_base(struct cli_ctx *ctx, const char *profile, const char *api_base)
{
    struct fastio_error err;
    fastio_error_clear(&err);
    json_t *v = json_string(api_base);
    if (!v) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    enum fastio_status st = fastio_cred_profile_update(FASTIO_FILE_CONFIG, profile, "api_base", v,
                                                       &err);
    json_decref(v);
    return done(ctx, st, &err);
}

int cli_config_load(struct cli_ctx *ctx, json_t **out)
{
    struct fastio_error err;
    fastio_error_clear(&err);
    return done(ctx, fastio_cred_file_load(FASTIO_FILE_CONFIG, 0, out, NULL, &err), &err);
}

int cli_config_save(struct cli_ctx *ctx, json_t *root)
{
    struct fastio_error err;
    fastio_error_clear(&err);
    return done(ctx, fastio_cred_file_save(FASTIO_FILE_CONFIG, root, &err), &err);
}

int cli_credentials_load_all(struct cli_ctx *ctx, json_t **out)
{
    struct fastio_error err;
    fastio_error_clear(&err);
    return done(ctx,
                fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, FASTIO_CRED_ALLOW_INSECURE, out,
                                      NULL, &err),
                &err);
}

int cli_login_store(struct cli_ctx *ctx, json_t *creds)
{
    int rc = cli_credentials_store(ctx, ctx->profile, creds); /* under the credentials lock */
    /* A token is only good on the server that issued it: remember an explicit --api-base. */
    if (rc == CLI_OK && ctx->base_source == BASE_FLAG)
        rc = cli_config_set_api_base(ctx, ctx->profile, ctx->api_base);
    return rc;
}
