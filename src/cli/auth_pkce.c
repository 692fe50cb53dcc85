/* SPDX-License-Identifier: MIT */
/* auth_pkce.c - browser sign-in for the CLI (api §2.5; issue 4) and the self-refreshing token of
 * a PKCE profile.
 *
 * Login: libfastio's fastio_pkce_login (fastio/login.h) does the flow - PKCE pair and state, the
 * loopback listener on 127.0.0.1 (or, with --no-browser, the paste flow), the authorize call, the
 * state check and the code exchange. The CLI supplies the callbacks: the URL printed on stderr
 * (and handed to xdg-open when a display is present, via fork/exec) and the pasted line read from
 * stdin; it words the errors, then stores the access token, refresh token and expiry under the
 * profile, auth_method "pkce".
 *
 * Refresh: commands of a PKCE profile run with libfastio's fastio_profile_tokens (see
 * fastio/credentials.h), which serialises refreshes between processes with an flock on
 * credentials.json.lock and writes the rotated tokens back atomically under it.
 * No token is ever printed or put on a command line. */
#include "cli.h"

#include <fastio/login.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "timeutil.h"

#define REFRESH_SKEW_S 60
#define LOCK_WAIT_MS 30000L

/* ---- the self-refreshing token (fastio_profile_tokens, fastio/credentials.h) --------------- */

int cli_tokens_install(struct cli_ctx *ctx, struct fastio_config *cfg)
{
    if (!ctx->refresh_token || ctx->token_source != TOK_PROFILE || !ctx->token)
        return CLI_OK;
    struct fastio_profile_tokens_config tc;
    fastio_profile_tokens_config_init(&tc);
    tc.profile = ctx->profile;
    tc.base_url = ctx->api_base;
    tc.ca_file = ctx->ca_file;
    tc.client_id = CLI_OAUTH_CLIENT_ID;
    tc.access_token = ctx->token;
    tc.refresh_token = ctx->refresh_token;
    tc.expires_at = ctx->token_expires_at;
    tc.refresh_skew_s = REFRESH_SKEW_S;
    tc.lock_timeout_ms = LOCK_WAIT_MS;
    tc.log = cfg->log;
    tc.log_userdata = cfg->log_userdata;
    struct fastio_error err;
    fastio_error_clear(&err);
    ctx->tokens = fastio_profile_tokens_new(&tc, &err);
    if (!ctx->tokens) {
        cli_print_api_error(ctx, &err);
        return CLI_ERR;
    }
    cfg->token_provider = fastio_profile_tokens_provider;
    cfg->token_provider_userdata = ctx->tokens;
    return CLI_OK;
}

bool cli_tokens_snapshot(struct cli_ctx *ctx, struct fastio_oauth_tokens *out)
{
    memset(out, 0, sizeof(*out));
    return ctx->tokens && fastio_profile_tokens_snapshot(ctx->tokens, out, NULL) == FASTIO_OK;
}

/* ---- the browser ------------------------------------------------------------------------------ */

/* Find prog in $PATH; true with its path in out. */
static bool in_path(const char *prog, char *out, size_t size)
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    while (*path) {
        const char *e = strchr(path, ':');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        if (n > 0) {
            int w = snprintf(out, size, "%.*s/%s", (int)n, path, prog);
            if (w > 0 && (size_t)w < size && access(out, X_OK) == 0)
                return true;
        }
        path += n + (e ? 1 : 0);
    }
    return false;
}

/* xdg-open the URL when a display is present; never waits for the browser, never a shell. The
 * URL holds no secret (the auth_request_id is useless without the verifier). */
static void open_browser(const char *url)
{
    const char *disp = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    char prog[4096];
    if ((!disp || !disp[0]) && (!wl || !wl[0]))
        return;
    if (!in_path("xdg-open", prog, sizeof(prog)))
        return;
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid == 0) {
        /* grandchild does the work so nobody waits on the browser */
        pid_t g = fork();
        if (g != 0)
            _exit(0);
        int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (dn >= 0) {
            dup2(dn, STDIN_FILENO);
            dup2(dn, STDOUT_FILENO);
            dup2(dn, STDERR_FILENO);
        }
        char *const argv[] = {prog, (char *)url, NULL};
        execv(prog, argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

/* ---- auth login (PKCE) -------------------------------------------------------------------------- */

struct login_ui {
    bool paste;
    long long timeout_s;
};

/* fastio_login_opts.show_url: the address on stderr (printed even with -q: the user cannot sign
 * in without it), then the browser and the wait line, or the paste prompt. */
static void login_show_url(void *userdata, const char *url, const char *redirect)
{
    const struct login_ui *ui = userdata;
    fprintf(stderr, "Open this address in a browser to sign in:\n\n    %s\n\n", url);
    if (!ui->paste) {
        open_browser(url);
        fprintf(stderr, "Waiting for the browser (up to %lld s) on %s ...\n", ui->timeout_s,
                redirect);
    } else {
        fputs("After approving, paste the code (or the whole address the browser was sent "
              "to)\nAuthorization code: ",
              stderr);
    }
    fflush(stderr);
}

/* fastio_login_opts.read_code: one line from stdin. */
static bool login_read_code(void *userdata, char *buf, size_t size)
{
    (void)userdata;
    return cli_read_line(STDIN_FILENO, buf, size, true);
}

/* The CLI's wording of a failed fastio_pkce_login. */
static int login_error(struct cli_ctx *ctx, const struct login_ui *ui, enum fastio_login_step step,
                       const struct fastio_error *err)
{
    switch (step) {
    case FASTIO_LOGIN_STEP_LISTEN:
        cli_errorf(ctx, "%s (use --no-browser)", err->message);
        return CLI_ERR;
    case FASTIO_LOGIN_STEP_WAIT:
        if (err->status == FASTIO_TIMEOUT) {
            cli_errorf(ctx, "no answer from the browser within %lld s (try --no-browser)",
                       ui->timeout_s);
            return CLI_ERR;
        }
        cli_errorf(ctx, "the browser's redirect could not be read");
        return CLI_ERR;
    case FASTIO_LOGIN_STEP_STATE:
        if (ui->paste)
            cli_errorf(ctx, "the state in the pasted address does not match this sign-in");
        else
            cli_errorf(ctx, "the redirect's state does not match this sign-in; nothing stored");
        return CLI_ERR;
    case FASTIO_LOGIN_STEP_DENIED:
    case FASTIO_LOGIN_STEP_CALLBACK:
        cli_errorf(ctx, "%s", err->message);
        return CLI_ERR;
    case FASTIO_LOGIN_STEP_READ:
        return cli_usage(ctx, "cannot read the authorization code from stdin");
    case FASTIO_LOGIN_STEP_CODE:
        return cli_usage(ctx, "%s", err->message);
    case FASTIO_LOGIN_STEP_AUTHORIZE:
        if (err->status == FASTIO_PROTOCOL && err->http_status == 0) {
            cli_errorf(ctx, "%s", err->message);
            return CLI_ERR;
        }
        break;
    case FASTIO_LOGIN_STEP_NONE:
    case FASTIO_LOGIN_STEP_SETUP:
    case FASTIO_LOGIN_STEP_EXCHANGE:
        break;
    }
    cli_print_api_error(ctx, err);
    return CLI_ERR;
}

int cli_auth_login_pkce(struct cli_ctx *ctx, struct cli_args *args)
{
    struct login_ui ui = {cli_arg_given(args, "no-browser"), 300};
    const char *tv = cli_arg(args, "timeout");
    if (tv && !fio_parse_ll(tv, 1, 86400, &ui.timeout_s))
        return cli_usage(ctx, "--timeout must be 1-86400 seconds");
    struct fastio_error err;
    fastio_error_clear(&err);
    int rc;
    json_t *user = NULL, *creds = NULL, *out = NULL;
    struct fastio_oauth_tokens tok;
    memset(&tok, 0, sizeof(tok));

    rc = cli_connect(ctx, FASTIO_EP_OAUTH_AUTHORIZE, false);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_ERR;
    char host[128] = "fastio-cli";
    if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
        fio_strlcpy(host, "fastio-cli", sizeof(host));
    host[sizeof(host) - 1] = '\0';
    const char *dev = cli_arg(args, "device-name");
    enum fastio_login_step step = FASTIO_LOGIN_STEP_NONE;
    struct fastio_login_opts lo;
    fastio_login_opts_init(&lo);
    lo.client = ctx->client;
    lo.client_id = CLI_OAUTH_CLIENT_ID;
    lo.scope_type = cli_arg(args, "scope-type");
    lo.agent_name = cli_arg(args, "agent-name");
    lo.device_name = dev ? dev : host;
    lo.device_type = "cli";
    lo.mode = ui.paste ? FASTIO_LOGIN_PASTE : FASTIO_LOGIN_LOOPBACK;
    lo.show_url = login_show_url;
    lo.read_code = login_read_code;
    lo.userdata = &ui;
    lo.timeout_ms = (long)ui.timeout_s * 1000L;
    lo.failed_step = &step;
    if (fastio_pkce_login(&lo, &tok, &err) != FASTIO_OK) {
        rc = login_error(ctx, &ui, step, &err);
        goto done;
    }
    long long expires_at = tok.expires_in > 0 ? (long long)time(NULL) + tok.expires_in : 0;
    const char *user_id = NULL, *email = NULL;
    if (fastio_client_set_token(ctx->client, tok.access_token, &err) == FASTIO_OK &&
        fastio_user_me(ctx->client, &user, &err) == FASTIO_OK) {
        user_id = json_string_value(json_object_get(user, "id"));
        email = json_string_value(json_object_get(user, "email_address"));
    }
    creds = json_pack("{s:s, s:s}", "token", tok.access_token, "auth_method", "pkce");
    if (!creds ||
        (tok.refresh_token &&
         json_object_set_new(creds, "refresh_token", json_string(tok.refresh_token)) != 0) ||
        (expires_at && json_object_set_new(creds, "expires_at", json_integer(expires_at)) != 0) ||
        (user_id && json_object_set_new(creds, "user_id", json_string(user_id)) != 0) ||
        (email && json_object_set_new(creds, "email", json_string(email)) != 0)) {
        cli_errorf(ctx, "out of memory");
        goto done;
    }
    rc = cli_login_store(ctx, creds);
    if (rc != CLI_OK)
        goto done;
    char when[32] = "never";
    if (expires_at)
        fio_time_api((int64_t)expires_at * 1000000, when, sizeof(when));
    out = json_pack("{s:b, s:s, s:s, s:s, s:s, s:b}", "signed_in", 1, "auth_method", "pkce",
                    "profile", ctx->profile, "api_base", ctx->api_base, "expires_at", when,
                    "refreshable", tok.refresh_token != NULL);
    if (!out || (email && json_object_set_new(out, "email", json_string(email)) != 0) ||
        (user_id && json_object_set_new(out, "user_id", json_string(user_id)) != 0)) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto done;
    }
    rc = cli_print(ctx, out, NULL);
done:
    fastio_oauth_tokens_release(&tok);
    json_decref(user);
    json_decref(creds);
    json_decref(out);
    return rc;
}
