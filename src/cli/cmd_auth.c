/* SPDX-License-Identifier: MIT */
/* cmd_auth.c - rows and handlers of the "auth" group: Basic sign-in that stores the token in the
 * profile (api §2.2, §2.6), local sign-out, the session report and API keys (api §2.4). Passwords
 * never need to be on the command line: stdin or a no-echo terminal prompt is used instead. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "timeutil.h"

#define PASSWORD_MAX 1024

/* ---- password input -------------------------------------------------------------------------- */

/* Prompt on the controlling terminal with echo off. */
static bool prompt_password(char *buf, size_t size)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return false;
    struct termios old, quiet;
    bool have_tio = tcgetattr(fd, &old) == 0;
    if (have_tio) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        (void)tcsetattr(fd, TCSANOW, &quiet);
    }
    static const char prompt[] = "Password: ";
    bool ok = write(fd, prompt, sizeof(prompt) - 1) >= 0 && cli_read_line(fd, buf, size, false);
    if (have_tio)
        (void)tcsetattr(fd, TCSANOW, &old);
    if (write(fd, "\n", 1) < 0) {
        /* the newline only moves the cursor past the prompt; nothing to do on failure */
    }
    close(fd);
    return ok;
}

/* ---- auth login ------------------------------------------------------------------------------ */

static int get_password(struct cli_ctx *ctx, struct cli_args *args, char *pw);

/* A new sign-in replaces the profile: never refresh (or use) what it held. */
static void drop_refresh(struct cli_ctx *ctx)
{
    if (ctx->refresh_token) {
        explicit_bzero(ctx->refresh_token, strlen(ctx->refresh_token));
        free(ctx->refresh_token);
        ctx->refresh_token = NULL;
    }
}
static int login_basic(struct cli_ctx *ctx, const char *email, const char *pw, json_t *extra);

static int auth_login(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *email = cli_arg(args, "email");
    const char *given_pw = cli_arg(args, "password");
    drop_refresh(ctx);
    if (!email) {
        if (given_pw || cli_arg_given(args, "password-stdin"))
            return cli_usage(ctx, "--password needs --email (browser sign-in takes no password)");
        return cli_auth_login_pkce(ctx, args);
    }
    if (cli_arg_given(args, "no-browser"))
        return cli_usage(ctx, "--no-browser is for the browser sign-in (without --email)");
    char pw[PASSWORD_MAX];
    int rc = get_password(ctx, args, pw);
    if (rc != CLI_OK)
        return rc;
    rc = login_basic(ctx, email, pw, NULL);
    explicit_bzero(pw, sizeof(pw));
    return rc;
}

/* The password of --password, --password-stdin / a piped stdin, or a no-echo prompt. */
static int get_password(struct cli_ctx *ctx, struct cli_args *args, char *pw)
{
    const char *given_pw = cli_arg(args, "password");
    if (given_pw && cli_arg_given(args, "password-stdin"))
        return cli_usage(ctx, "--password and --password-stdin are mutually exclusive");
    if (given_pw) {
        if (!fio_strlcpy(pw, given_pw, PASSWORD_MAX))
            return cli_usage(ctx, "--password is too long");
    } else if (cli_arg_given(args, "password-stdin") || !isatty(STDIN_FILENO)) {
        if (!cli_read_line(STDIN_FILENO, pw, PASSWORD_MAX, false))
            return cli_usage(ctx, "cannot read the password from stdin (one line expected)");
    } else if (!prompt_password(pw, PASSWORD_MAX)) {
        return cli_usage(ctx, "cannot read the password: use --password-stdin");
    }
    if (!pw[0]) {
        explicit_bzero(pw, PASSWORD_MAX);
        return cli_usage(ctx, "the password is empty");
    }
    return CLI_OK;
}

/* Basic sign-in and storing the token under the profile; `extra` (may be NULL) is merged into
 * the printed result. The caller wipes pw. */
static int login_basic(struct cli_ctx *ctx, const char *email, const char *pw, json_t *extra)
{
    int rc = CLI_ERR;
    char *token = NULL;
    json_t *user = NULL, *creds = NULL, *out = NULL;
    rc = cli_connect(ctx, FASTIO_EP_USER_SIGNIN, false);
    if (rc != CLI_OK)
        goto done;
    struct fastio_error err;
    long expires_in = 0;
    enum fastio_status st = fastio_user_signin(ctx->client, email, pw, &token, &expires_in, &err);
    if (st != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        rc = CLI_ERR;
        goto done;
    }
    long long expires_at = expires_in > 0 ? (long long)time(NULL) + expires_in : 0;

    /* Who are we? Best effort: the sign-in already succeeded. */
    const char *user_id = NULL;
    if (fastio_client_set_token(ctx->client, token, &err) == FASTIO_OK &&
        fastio_user_me(ctx->client, &user, &err) == FASTIO_OK)
        user_id = json_string_value(json_object_get(user, "id"));

    creds = json_pack("{s:s, s:s, s:s}", "token", token, "email", email, "auth_method", "basic");
    if (!creds ||
        (expires_at && json_object_set_new(creds, "expires_at", json_integer(expires_at)) != 0) ||
        (user_id && json_object_set_new(creds, "user_id", json_string(user_id)) != 0)) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto done;
    }
    rc = cli_login_store(ctx, creds);
    if (rc != CLI_OK)
        goto done;

    char when[32] = "never";
    if (expires_at)
        fio_time_api((int64_t)expires_at * 1000000, when, sizeof(when));
    out = json_pack("{s:b, s:s, s:s, s:s, s:s}", "signed_in", 1, "email", email, "profile",
                    ctx->profile, "api_base", ctx->api_base, "expires_at", when);
    if (!out || (user_id && json_object_set_new(out, "user_id", json_string(user_id)) != 0) ||
        (extra && json_object_update(out, extra) != 0)) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto done;
    }
    rc = cli_print(ctx, out, NULL);
done:
    if (token) {
        explicit_bzero(token, strlen(token));
        fastio_free(token);
    }
    json_decref(user);
    json_decref(creds);
    json_decref(out);
    return rc;
}

/* ---- auth logout / status -------------------------------------------------------------------- */

static int auth_logout(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    (void)args;
    int rc = cli_credentials_store(ctx, ctx->profile, NULL);
    if (rc != CLI_OK)
        return rc;
    if (ctx->token_source == TOK_FLAG || ctx->token_source == TOK_ENV_TOKEN ||
        ctx->token_source == TOK_ENV_API_KEY)
        cli_note(ctx, "note: %s still provides a token", ctx->token_origin);
    json_t *out = json_pack("{s:s}", "signed_out", ctx->profile);
    if (!out) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    rc = cli_print(ctx, out, NULL);
    json_decref(out);
    return rc;
}

static int copy_field(json_t *dst, const char *key, json_t *src, const char *src_key)
{
    json_t *v = json_object_get(src, src_key);
    return v ? json_object_set(dst, key, v) : 0;
}

static int auth_status(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    (void)args;
    int rc = cli_connect(ctx, FASTIO_EP_AUTH_CHECK, true);
    if (rc != CLI_OK)
        return rc;
    struct fastio_error err;
    char *user_id = NULL;
    json_t *user = NULL, *out = NULL;
    if (fastio_auth_check(ctx->client, &user_id, &err) != FASTIO_OK ||
        fastio_user_me(ctx->client, &user, &err) != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        rc = CLI_ERR;
        goto done;
    }
    out = json_pack("{s:s}", "user_id", user_id ? user_id : "");
    if (!out)
        goto oom;
    json_t *email = json_object_get(user, "email_address");
    if (!email)
        email = json_object_get(user, "email");
    if ((email && json_object_set(out, "email", email) != 0) ||
        copy_field(out, "first_name", user, "first_name") != 0 ||
        copy_field(out, "last_name", user, "last_name") != 0 ||
        copy_field(out, "account_type", user, "account_type") != 0 ||
        (ctx->token_source == TOK_PROFILE && ctx->auth_method
             ? json_object_set_new(out, "auth_method", json_string(ctx->auth_method))
             : copy_field(out, "auth_method", user, "auth_method")) != 0 ||
        json_object_set_new(out, "token_source",
                            json_string(fastio_token_source_name(
                                (enum fastio_token_source)ctx->token_source))) != 0 ||
        json_object_set_new(out, "token_origin", json_string(ctx->token_origin)) != 0 ||
        json_object_set_new(out, "profile", json_string(ctx->profile)) != 0 ||
        json_object_set_new(out, "api_base", json_string(ctx->api_base)) != 0)
        goto oom;
    if (ctx->token_source == TOK_PROFILE &&
        json_object_set_new(out, "refreshable", json_boolean(ctx->refresh_token != NULL)) != 0)
        goto oom;
    if (ctx->ca_file && (json_object_set_new(out, "ca_file", json_string(ctx->ca_file)) != 0 ||
                         json_object_set_new(out, "ca_file_source",
                                             json_string(ctx->ca_file_origin)) != 0))
        goto oom;
    if (ctx->token_source == TOK_PROFILE && ctx->token_expires_at > 0) {
        char when[32];
        fio_time_api((int64_t)ctx->token_expires_at * 1000000, when, sizeof(when));
        if (json_object_set_new(out, "expires_at", json_string(when)) != 0)
            goto oom;
    }
    rc = cli_print(ctx, out, NULL);
    goto done;
oom:
    cli_errorf(ctx, "out of memory");
    rc = CLI_ERR;
done:
    fastio_free(user_id);
    json_decref(user);
    json_decref(out);
    return rc;
}

/* ---- auth signout / signup ------------------------------------------------------------------- */

static int auth_signout(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    (void)args;
    int rc = cli_connect(ctx, FASTIO_EP_USER_SIGNOUT, true);
    if (rc != CLI_OK)
        return rc;
    json_t *resp = NULL, *out = NULL;
    struct cli_request req;
    memset(&req, 0, sizeof(req));
    /* A PKCE profile: revoke its OAuth session (the refresh token names it) first. */
    bool oauth_revoked = false;
    if (ctx->tokens && ctx->refresh_token) {
        struct fastio_oauth_tokens snap;
        struct fastio_error err;
        memset(&snap, 0, sizeof(snap));
        if (cli_tokens_snapshot(ctx, &snap) && snap.refresh_token) {
            cli_request_add(&req, "token", snap.refresh_token);
            cli_request_add(&req, "token_type_hint", "refresh_token");
            enum fastio_status st = fastio_call(ctx->client, FASTIO_EP_OAUTH_REVOKE, NULL, 0,
                                                req.params, req.n_params, &resp, &err);
            json_decref(resp);
            resp = NULL;
            if (st != FASTIO_OK) {
                cli_print_api_error(ctx, &err);
                fastio_oauth_tokens_release(&snap);
                return CLI_ERR;
            }
            oauth_revoked = true;
        }
        fastio_oauth_tokens_release(&snap);
        memset(&req, 0, sizeof(req));
    }
    if (!oauth_revoked) {
        rc = cli_call(ctx, FASTIO_EP_USER_SIGNOUT, &req, &resp);
        if (rc != CLI_OK)
            return rc;
    }
    if (ctx->token_source == TOK_PROFILE) {
        rc = cli_credentials_store(ctx, ctx->profile, NULL);
        if (rc != CLI_OK)
            goto done;
    } else {
        cli_note(ctx, "note: the token came from %s; nothing stored was removed",
                 ctx->token_origin);
    }
    out = json_pack("{s:b, s:s, s:b}", "signed_out", 1, "profile", ctx->profile,
                    "oauth_session_revoked", oauth_revoked);
    if (!out || (resp && json_object_get(resp, "revoked") &&
                 json_object_set(out, "sessions_revoked", json_object_get(resp, "revoked")) != 0)) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto done;
    }
    rc = cli_print(ctx, out, NULL);
done:
    json_decref(resp);
    json_decref(out);
    return rc;
}

static int auth_signup(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *email = cli_arg(args, "email");
    char pw[PASSWORD_MAX];
    int rc = get_password(ctx, args, pw);
    if (rc != CLI_OK)
        return rc;
    drop_refresh(ctx);
    rc = cli_connect(ctx, FASTIO_EP_USER_SIGNUP, false);
    if (rc != CLI_OK)
        goto done;
    struct fastio_signup su = {email, pw, cli_arg(args, "first-name"), cli_arg(args, "last-name"),
                               cli_arg_given(args, "agent")};
    struct fastio_error err;
    json_t *resp = NULL;
    if (fastio_user_signup(ctx->client, &su, &resp, &err) != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        rc = CLI_ERR;
        goto done;
    }
    json_decref(resp);
    json_t *extra = json_pack("{s:b}", "signed_up", 1);
    if (!extra) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto done;
    }
    rc = login_basic(ctx, email, pw, extra); /* then sign in, as the official CLI does */
    json_decref(extra);
done:
    explicit_bzero(pw, sizeof(pw));
    return rc;
}

/* The new key is printed once (that is the point of the command); say so on stderr. */
static int apikey_create(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    int rc = cli_run_generic(ctx, cmd, args);
    if (rc == CLI_OK)
        cli_note(ctx, "note: the api_key above is shown only once; store it now");
    return rc;
}

/* ---- rows ------------------------------------------------------------------------------------ */
/* clang-format off: one option per line reads as a table; the formatter would explode
 * each designated initializer into a column of fields. */

/* Sign-in options: email and password travel as HTTP Basic credentials (no row parameter);
 * the browser flow's options are parameters of OAUTH_AUTHORIZE and OAUTH_TOKEN. */
static const struct cli_opt login_opts[] = {
    {.name = "email", .kind = OPT_VALUE, .cli_only = true, .metavar = "EMAIL",
     .help = "Account email address: sign in with email and password (HTTP Basic)\n"
             "instead of the browser."},
    {.name = "password", .kind = OPT_VALUE, .cli_only = true, .metavar = "PASSWORD",
     .help = "Password. Avoid it: other local users can read command lines. Without it the\n"
             "password is read from stdin when stdin is not a terminal, else prompted for\n"
             "on the terminal with echo off."},
    {.name = "password-stdin", .kind = OPT_BOOL, .cli_only = true,
     .help = "Read the password from the first line of stdin."},
    {.name = "no-browser", .kind = OPT_BOOL, .cli_only = true,
     .help = "Browser sign-in on a machine without a browser: print the address, then\n"
             "read the code (or the whole address the browser ended on) from stdin."},
    {.name = "timeout", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT, .def = "300",
     .metavar = "SECONDS", .help = "How long to wait for the browser's redirect."},
    {.name = "scope-type", .kind = OPT_VALUE, .row = "OAUTH_AUTHORIZE", .param = "scope_type",
     .metavar = "TYPE", .help = "Default user: full access."},
    {.name = "agent-name", .kind = OPT_VALUE, .row = "OAUTH_AUTHORIZE", .param = "agent_name",
     .metavar = "NAME", .help = "Shown on the consent page and in 'auth oauth list'."},
    {.name = "device-name", .kind = OPT_VALUE, .row = "OAUTH_TOKEN", .param = "device_name",
     .metavar = "NAME", .help = "Default: the host name."},
    {0},
};

static const struct cli_opt no_opts[] = {{0}};

static const struct cli_opt signup_opts[] = {
    {.name = "email", .kind = OPT_VALUE, .param = "email_address", .metavar = "EMAIL"},
    {.name = "password", .kind = OPT_VALUE, .param = "password", .optional = true,
     .metavar = "PASSWORD",
     .help = "Prefer --password-stdin or the prompt (command lines are visible to other\n"
             "local users)."},
    {.name = "password-stdin", .kind = OPT_BOOL, .cli_only = true,
     .help = "Read the password from the first line of stdin."},
    {.name = "first-name", .kind = OPT_VALUE, .param = "first_name", .metavar = "NAME"},
    {.name = "last-name", .kind = OPT_VALUE, .param = "last_name", .metavar = "NAME"},
    {.name = "agent", .kind = OPT_BOOL, .param = "agent"},
    {0},
};

static const struct cli_opt session_id_opts[] = {
    {.name = "SESSION_ID", .kind = OPT_POS, .path = 1},
    {0},
};

static const struct cli_opt session_rename_opts[] = {
    {.name = "SESSION_ID", .kind = OPT_POS, .path = 1},
    {.name = "device-name", .kind = OPT_VALUE, .param = "device_name", .metavar = "NAME",
     .help = "\"\" clears it."},
    {.name = "agent-name", .kind = OPT_VALUE, .param = "agent_name", .metavar = "NAME",
     .help = "\"\" clears it."},
    {0},
};

static const struct cli_opt revoke_all_opts[] = {
    {.name = "exclude-current", .kind = OPT_BOOL, .param = "exclude_current",
     .help = "Without --current-session-id: the session of the calling OAuth token."},
    {.name = "current-session-id", .kind = OPT_VALUE, .param = "current_session_id",
     .metavar = "SESSION_ID"},
    {0},
};

#define KEY_FIELDS                                                                                 \
    {.name = "name", .kind = OPT_VALUE, .param = "memo", .metavar = "MEMO"},                       \
    {.name = "scopes", .kind = OPT_VALUE, .param = "scopes", .metavar = "JSON"},                   \
    {.name = "agent-name", .kind = OPT_VALUE, .param = "agent_name", .metavar = "NAME"},           \
    {.name = "expires", .kind = OPT_VALUE, .param = "expires",                                     \
     .metavar = "\"YYYY-MM-DD HH:MM:SS UTC\"", .help = "Must be in the future."}

static const struct cli_opt key_create_opts[] = {KEY_FIELDS, {0}};

static const struct cli_opt key_id_opts[] = {
    {.name = "KEY_ID", .kind = OPT_POS, .path = 1},
    {0},
};

static const struct cli_opt key_update_opts[] = {
    {.name = "KEY_ID", .kind = OPT_POS, .path = 1},
    KEY_FIELDS,
    {0},
};

static const struct cli_opt key_delete_opts[] = {
    {.name = "KEY_ID", .kind = OPT_POS, .optional = true, .path = 1,
     .help = "Or use --key-id."},
    {.name = "key-id", .kind = OPT_VALUE, .path = 1, .metavar = "KEY_ID",
     .help = "The official CLI's spelling."},
    {0},
};

const struct cli_cmd cli_auth_cmds[] = {
    {
        .name = "login",
        .endpoint = FASTIO_EP_USER_SIGNIN,
        .opts = login_opts,
        .run = auth_login,
        .summary = "Sign in (browser with PKCE, or email and password) and store the token",
        .description =
            "Without --email: OAuth 2.0 authorization code with PKCE (S256). The CLI listens\n"
            "on 127.0.0.1 (a free port), asks the server for the sign-in address (GET\n"
            "/oauth/authorize/?response_format=json), prints it on stderr and opens it with\n"
            "xdg-open when a display is present. After you approve in the browser, the\n"
            "server redirects to http://127.0.0.1:PORT/callback; the CLI accepts that one\n"
            "redirect, checks its state, shows a \"you can close this tab\" page, and exchanges\n"
            "the code (POST /oauth/token/). It waits --timeout seconds at most. With\n"
            "--no-browser nothing listens: approve on any device, then paste the code or the\n"
            "whole address the browser was sent to (its state is checked).\n\n"
            "The access token, refresh token and expiry are stored under the profile with\n"
            "auth_method \"pkce\". Later commands refresh the access token automatically a\n"
            "minute before it expires and once after a 401, saving the rotated refresh token;\n"
            "concurrent fastio processes share one refresh (an flock on credentials.json.lock).\n\n"
            "With --email: HTTP Basic sign-in (GET /user/auth/); the token, its expiry, the\n"
            "email and auth_method \"basic\" are stored. Such a token cannot be refreshed.\n\n"
            "Either way the profile's previous credentials are replaced, credentials.json is\n"
            "written atomically with mode 0600 in a 0700 directory, and an explicit --api-base\n"
            "is saved as the profile's api_base in config.json (a token only works on the\n"
            "server that issued it). Prints who is signed in; never a token.",
        .examples = "fastio auth login                                    # browser\n"
                    "fastio auth login --no-browser                       # paste the code\n"
                    "fastio auth login --email me@example.com            # prompts\n"
                    "printf '%s\\n' \"$PW\" | fastio auth login --email me@example.com\n"
                    "fastio --profile work auth login --email me@corp.example --password-stdin",
    },
    {
        .name = "logout",
        .endpoint = -1,
        .opts = no_opts,
        .run = auth_logout,
        .flags = CMD_LOCAL,
        .summary = "Forget the stored credentials of the profile (local only)",
        .description = "Removes the profile from credentials.json. The token is not revoked on\n"
                       "the server. --token and the environment variables are not affected.",
        .examples = "fastio auth logout\nfastio --profile work auth logout",
    },
    {
        .name = "status",
        .endpoint = -1,
        .opts = no_opts,
        .run = auth_status,
        .summary = "Show the signed-in user and where the token came from",
        .description =
            "Checks the token (GET /user/auth/check/), fetches the user (GET\n"
            "/user/me/details/) and prints the user, the token source (flag, env, profile or\n"
            "local-server-key), the profile, the API base, the CA file when one is set (and\n"
            "its source: --ca-file, FASTIO_CA_FILE or config.json) and the stored expiry. The\n"
            "token itself is never printed. Exits 1 when not signed in or the token is\n"
            "rejected.",
        .examples = "fastio auth status\nfastio auth status --format json",
    },
    {
        .name = "signout",
        .endpoint = -1,
        .opts = no_opts,
        .run = auth_signout,
        .summary = "Revoke the session on the server, then forget it locally",
        .description =
            "For a browser (PKCE) profile, revokes its OAuth session (POST /oauth/revoke/\n"
            "with the refresh token): its access and refresh tokens stop working at once.\n"
            "Otherwise calls POST /user/auth/sign-out/, which revokes every email-and-password\n"
            "sign-in token of the account (not API keys or OAuth sessions). Then removes the\n"
            "profile from credentials.json, as 'auth logout' does.",
        .examples = "fastio auth signout\nfastio --profile work auth signout",
    },
    {
        .name = "signup",
        .endpoint = FASTIO_EP_USER_SIGNUP,
        .opts = signup_opts,
        .run = auth_signup,
        .summary = "Create an account, then sign in to it",
        .description =
            "Creates an account (POST /user/ with tos_agree=true), then signs in with the\n"
            "same email and password and stores the token under the profile, like 'auth\n"
            "login --email'. The password is read as for 'auth login'. The server answers\n"
            "the same for a new and an existing email; the sign-in then tells them apart.",
        .examples = "fastio auth signup --email me@example.com --first-name Ada\n"
                    "printf '%s\\n' \"$PW\" | fastio auth signup --email bot@example.com --agent",
    },
    {
        .name = "scopes",
        .endpoint = FASTIO_EP_AUTH_SCOPES,
        .opts = no_opts,
        .summary = "Show what the current token may do",
        .description =
            "Token introspection (GET /auth/scopes/): auth_type (jwt, api_key or oauth), the\n"
            "scopes (null = full access), scope_type for OAuth tokens, whether the account is\n"
            "an agent, and full_access.",
        .examples = "fastio auth scopes\nFASTIO_API_KEY=... fastio auth scopes --format json",
    },
    {
        .name = "oauth list",
        .endpoint = FASTIO_EP_OAUTH_SESSIONS_LIST,
        .opts = no_opts,
        .summary = "List your OAuth sessions (signed-in devices)",
        .description =
            "Lists the OAuth sessions of the account (GET /oauth/sessions/): id, client,\n"
            "device and agent names, created, last_used, expires, and current (the session\n"
            "of the calling token).",
        .examples = "fastio auth oauth list",
    },
    {
        .name = "oauth details",
        .endpoint = FASTIO_EP_OAUTH_SESSION_DETAILS,
        .opts = session_id_opts,
        .summary = "Show one OAuth session",
        .description = "GET /oauth/sessions/{id}/.",
        .examples = "fastio auth oauth details a1b2c3...",
    },
    {
        .name = "oauth rename",
        .endpoint = FASTIO_EP_OAUTH_SESSION_RENAME,
        .opts = session_rename_opts,
        .flags = CMD_NEEDS_FIELD,
        .summary = "Set the device or agent name of an OAuth session",
        .description = "PATCH /oauth/sessions/{id}/ with the names given; \"\" clears one.",
        .examples = "fastio auth oauth rename a1b2c3... --device-name laptop",
    },
    {
        .name = "oauth revoke",
        .endpoint = FASTIO_EP_OAUTH_SESSION_REVOKE,
        .opts = session_id_opts,
        .summary = "Revoke one OAuth session",
        .description = "DELETE /oauth/sessions/{id}/: its access and refresh tokens stop working.",
        .examples = "fastio auth oauth revoke a1b2c3...",
    },
    {
        .name = "oauth revoke-all",
        .endpoint = FASTIO_EP_OAUTH_SESSIONS_REVOKE_ALL,
        .opts = revoke_all_opts,
        .summary = "Revoke all your OAuth sessions",
        .description =
            "DELETE /oauth/sessions/: revokes every OAuth session of the account and prints\n"
            "how many. With --exclude-current the current one (or --current-session-id) is\n"
            "kept; without it, a browser-signed-in CLI signs itself out too.",
        .examples = "fastio auth oauth revoke-all --exclude-current\n"
                    "fastio auth oauth revoke-all --exclude-current --current-session-id a1b2...",
    },
    {
        .name = "api-key create",
        .endpoint = FASTIO_EP_APIKEY_CREATE,
        .opts = key_create_opts,
        .run = apikey_create,
        .summary = "Create an API key (printed once)",
        .description = "Creates a long-lived API key (POST /user/auth/key/). The secret is in the\n"
                       "api_key field of the output and is shown only this once.",
        .examples = "fastio auth api-key create --name ci --format json\n"
                    "fastio auth api-key create --name bot --scopes '[\"org:123:r\"]' \\\n"
                    "    --expires \"2027-01-31 23:59:59 UTC\"",
    },
    {
        .name = "api-key list",
        .endpoint = FASTIO_EP_APIKEY_LIST,
        .opts = no_opts,
        .summary = "List your API keys",
        .description = "Lists the API keys of the signed-in user (GET /user/auth/keys/). Secrets\n"
                       "are not included.",
        .examples = "fastio auth api-key list",
    },
    {
        .name = "api-key get",
        .endpoint = FASTIO_EP_APIKEY_GET,
        .opts = key_id_opts,
        .summary = "Show one API key",
        .description = "Shows the details of one API key (GET /user/auth/key/{id}/).",
        .examples = "fastio auth api-key get d1abc...",
    },
    {
        .name = "api-key update",
        .endpoint = FASTIO_EP_APIKEY_UPDATE,
        .opts = key_update_opts,
        .flags = CMD_NEEDS_FIELD,
        .summary = "Change an API key's label, scopes, agent name or expiry",
        .description =
            "Updates an API key (POST /user/auth/key/{id}/). Only the options given are\n"
            "sent.",
        .examples = "fastio auth api-key update d1abc... --name deploy",
    },
    {
        .name = "api-key delete",
        .endpoint = FASTIO_EP_APIKEY_DELETE,
        .opts = key_delete_opts,
        .summary = "Delete an API key",
        .description =
            "Deletes an API key (DELETE /user/auth/key/{id}/); it stops working at once.\n"
            "The id may be given as an argument or with --key-id.",
        .examples = "fastio auth api-key delete d1abc...\n"
                    "fastio auth api-key delete --key-id d1abc...",
    },
    {0},
};
/* clang-format on */
