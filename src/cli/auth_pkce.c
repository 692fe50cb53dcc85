/* auth_pkce.c - browser sign-in for the CLI (api §2.5; issue 4) and the self-refreshing token of
 * a PKCE profile.
 *
 * Login: a PKCE pair and state (fastio_pkce_new), a loopback listener on 127.0.0.1 (a free port
 * chosen by the kernel), the server's JSON authorize call for the authorization_url, the URL
 * printed on stderr (and handed to xdg-open when a display is present, via fork/exec), then
 * exactly one callback accepted on /callback with the state checked, answered with a small page,
 * within a bounded wait. --no-browser: the URL is printed and the code (or the whole address the
 * browser ended on) is read from stdin. The code is exchanged (fastio_oauth_token_exchange) and
 * the access token, refresh token and expiry are stored under the profile, auth_method "pkce".
 *
 * Refresh: commands of a PKCE profile run with libfastio's fastio_profile_tokens (see
 * fastio/credentials.h), which serialises refreshes between processes with an flock on
 * credentials.json.lock and writes the rotated tokens back atomically under it.
 * No token is ever printed or put on a command line. */
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "form.h"
#include "timeutil.h"

#define REFRESH_SKEW_S 60
#define LOCK_WAIT_MS 30000L
#define PASTE_REDIRECT "http://127.0.0.1:19836/callback"
#define CODE_MAX 1024
#define REQ_MAX 8192

/* ---- the self-refreshing token (fastio_profile_tokens, fastio/credentials.h) --------------- */

int cli_tokens_install(struct cli_ctx *ctx, struct fastio_config *cfg)
{
    if (!ctx->refresh_token || ctx->token_source != TOK_PROFILE || !ctx->token)
        return CLI_OK;
    struct fastio_profile_tokens_config tc;
    memset(&tc, 0, sizeof(tc));
    tc.profile = ctx->profile;
    tc.base_url = ctx->api_base;
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

/* ---- the loopback listener ---------------------------------------------------------------------- */

static int listen_loopback(unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t al = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void reply_page(int fd, int code, const char *title, const char *text)
{
    struct fio_buf b;
    fio_buf_init(&b, 8192);
    char body[1024];
    int bn = snprintf(body, sizeof(body),
                      "<!doctype html><html><head><meta charset=\"utf-8\"><title>%s</title>"
                      "</head><body style=\"font-family:sans-serif;margin:3em\"><h1>%s</h1>"
                      "<p>%s</p></body></html>\n",
                      title, title, text);
    if (bn < 0 || (size_t)bn >= sizeof(body))
        bn = 0;
    if (fio_buf_printf(&b,
                       "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
                       "Content-Length: %d\r\nCache-Control: no-store\r\n"
                       "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n"
                       "Connection: close\r\n\r\n",
                       code, code == 200 ? "OK" : code == 404 ? "Not Found" : "Bad Request", bn) &&
        fio_buf_append(&b, body, (size_t)bn))
        send_all(fd, b.data, b.len);
    fio_buf_release(&b);
}

/* Read the request head of one connection (at most REQ_MAX bytes, 5 s). */
static bool read_head(int fd, char *buf, size_t size)
{
    size_t n = 0;
    int64_t end = fastio_now_ms() + 5000;
    while (n + 1 < size) {
        int left = (int)(end - fastio_now_ms());
        if (left <= 0)
            return false;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        ssize_t got = recv(fd, buf + n, size - 1 - n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        n += (size_t)got;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
            return true;
    }
    return false;
}

enum cb_result { CB_OK, CB_TIMEOUT, CB_STATE, CB_DENIED, CB_ERR };

/* Wait for the one redirect to /callback. code gets the authorization code; err_text what the
 * server sent instead (error=...). */
static enum cb_result wait_callback(int lfd, const char *state, long timeout_s, char *code,
                                    size_t code_size, char *err_text, size_t err_size)
{
    int64_t end = fastio_now_ms() + timeout_s * 1000;
    for (;;) {
        int left = (int)(end - fastio_now_ms());
        if (left <= 0)
            return CB_TIMEOUT;
        struct pollfd p = {lfd, POLLIN, 0};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return CB_ERR;
        if (r == 0)
            return CB_TIMEOUT;
        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
            continue;
        char *req = malloc(REQ_MAX);
        if (!req) {
            close(cfd);
            return CB_ERR;
        }
        if (!read_head(cfd, req, REQ_MAX)) {
            free(req);
            close(cfd);
            continue;
        }
        /* "GET /callback?query HTTP/1.1" */
        char *sp = strchr(req, ' ');
        char *target = sp ? sp + 1 : NULL;
        char *tend = target ? strpbrk(target, " \r\n") : NULL;
        if (strncmp(req, "GET ", 4) != 0 || !target || !tend ||
            strncmp(target, "/callback", 9) != 0 ||
            (target[9] != '?' && target + 9 != tend)) {
            reply_page(cfd, 404, "Not found", "This address only receives the sign-in redirect.");
            free(req);
            close(cfd);
            continue;
        }
        *tend = '\0';
        struct fio_form f;
        fio_form_init(&f);
        const char *q = target[9] == '?' ? target + 10 : "";
        enum cb_result res = CB_ERR;
        if (fio_form_parse(&f, q, strlen(q), 32)) {
            const char *got_state = fio_form_get(&f, "state");
            const char *c = fio_form_get(&f, "code");
            const char *e = fio_form_get(&f, "error");
            if (!got_state || strlen(got_state) != strlen(state) ||
                !fio_ct_equal(got_state, state, strlen(state))) {
                res = CB_STATE;
                reply_page(cfd, 400, "Sign-in failed",
                           "The state of this redirect does not match the sign-in request. "
                           "Nothing was signed in.");
            } else if (e) {
                res = CB_DENIED;
                fio_strlcpy(err_text, e, err_size);
                reply_page(cfd, 200, "Sign-in cancelled",
                           "The request was not approved. You can close this tab.");
            } else if (c && c[0] && fio_strlcpy(code, c, code_size)) {
                res = CB_OK;
                reply_page(cfd, 200, "Signed in",
                           "fastio received the authorization. You can close this tab and "
                           "return to the terminal.");
            } else {
                reply_page(cfd, 400, "Sign-in failed", "The redirect carries no code.");
            }
        }
        fio_form_release(&f);
        explicit_bzero(req, REQ_MAX);
        free(req);
        close(cfd);
        return res;
    }
}

/* Read one line from stdin into buf (without the line end). */
static bool read_stdin_line(char *buf, size_t size)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r == 0) {
            if (n == 0)
                return false;
            break;
        }
        if (c == '\n')
            break;
        if (n + 1 >= size)
            return false;
        buf[n++] = c;
    }
    while (n && (buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    return true;
}

/* The pasted text is a bare code or the address the browser was sent to (…/callback?code=…&
 * state=…); for an address the state is checked. */
static int parse_pasted(struct cli_ctx *ctx, const char *line, const char *state, char *code,
                        size_t size)
{
    const char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    const char *qm = strchr(s, '?');
    if (!qm) {
        if (!s[0])
            return cli_usage(ctx, "no authorization code was pasted");
        if (!fio_strlcpy(code, s, size))
            return cli_usage(ctx, "the pasted code is too long");
        return CLI_OK;
    }
    struct fio_form f;
    fio_form_init(&f);
    const char *hash = strchr(qm + 1, '#');
    size_t qn = hash ? (size_t)(hash - qm - 1) : strlen(qm + 1);
    int rc = CLI_ERR;
    if (!fio_form_parse(&f, qm + 1, qn, 32)) {
        rc = cli_usage(ctx, "cannot parse the pasted address");
    } else if (fio_form_get(&f, "error")) {
        cli_errorf(ctx, "the authorization was refused: %s", fio_form_get(&f, "error"));
    } else {
        const char *st = fio_form_get(&f, "state");
        const char *c = fio_form_get(&f, "code");
        if (!st || strcmp(st, state) != 0)
            cli_errorf(ctx, "the state in the pasted address does not match this sign-in");
        else if (!c || !c[0] || !fio_strlcpy(code, c, size))
            rc = cli_usage(ctx, "the pasted address carries no usable code");
        else
            rc = CLI_OK;
    }
    fio_form_release(&f);
    return rc;
}

/* ---- auth login (PKCE) -------------------------------------------------------------------------- */

int cli_auth_login_pkce(struct cli_ctx *ctx, struct cli_args *args)
{
    bool paste = cli_arg_given(args, "no-browser");
    long long timeout_s = 300;
    const char *tv = cli_arg(args, "timeout");
    if (tv && !fio_parse_ll(tv, 1, 86400, &timeout_s))
        return cli_usage(ctx, "--timeout must be 1-86400 seconds");
    struct fastio_pkce pk;
    struct fastio_error err;
    fastio_error_clear(&err);
    int lfd = -1, rc = CLI_ERR;
    json_t *resp = NULL, *user = NULL, *creds = NULL, *out = NULL;
    struct fastio_oauth_tokens tok;
    memset(&tok, 0, sizeof(tok));
    char redirect[96], code[CODE_MAX];
    code[0] = '\0';

    if (fastio_pkce_new(&pk, &err) != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        return CLI_ERR;
    }
    if (paste) {
        fio_strlcpy(redirect, PASTE_REDIRECT, sizeof(redirect));
    } else {
        unsigned port = 0;
        lfd = listen_loopback(&port);
        if (lfd < 0) {
            cli_errorf(ctx, "cannot listen on 127.0.0.1: %s (use --no-browser)", strerror(errno));
            goto done;
        }
        snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%u/callback", port);
    }
    rc = cli_connect(ctx, FASTIO_EP_OAUTH_AUTHORIZE, false);
    if (rc != CLI_OK)
        goto done;
    rc = CLI_ERR;
    struct cli_request req;
    memset(&req, 0, sizeof(req));
    const char *scope_type = cli_arg(args, "scope-type");
    const char *agent = cli_arg(args, "agent-name");
    if (!cli_request_add(&req, "client_id", CLI_OAUTH_CLIENT_ID) ||
        !cli_request_add(&req, "response_type", "code") ||
        !cli_request_add(&req, "code_challenge", pk.challenge) ||
        !cli_request_add(&req, "code_challenge_method", "S256") ||
        !cli_request_add(&req, "state", pk.state) ||
        !cli_request_add(&req, "redirect_uri", redirect) ||
        !cli_request_add(&req, "response_format", "json") ||
        (scope_type && !cli_request_add(&req, "scope_type", scope_type)) ||
        (agent && !cli_request_add(&req, "agent_name", agent)))
        abort(); /* far below CLI_MAX_PARAMS */
    if (cli_call(ctx, FASTIO_EP_OAUTH_AUTHORIZE, &req, &resp) != CLI_OK)
        goto done;
    const char *url = json_string_value(json_object_get(resp, "authorization_url"));
    if (!url || strncmp(url, "http", 4) != 0) {
        cli_errorf(ctx, "the server's authorize answer has no authorization_url");
        goto done;
    }
    /* Printed even with -q: the user cannot sign in without it. */
    fprintf(stderr, "Open this address in a browser to sign in:\n\n    %s\n\n", url);
    if (!paste) {
        open_browser(url);
        fprintf(stderr, "Waiting for the browser (up to %lld s) on %s ...\n", timeout_s,
                redirect);
        fflush(stderr);
        char etext[128] = "";
        enum cb_result cr =
            wait_callback(lfd, pk.state, (long)timeout_s, code, sizeof(code), etext, sizeof(etext));
        close(lfd);
        lfd = -1;
        switch (cr) {
        case CB_OK:
            break;
        case CB_TIMEOUT:
            cli_errorf(ctx, "no answer from the browser within %lld s (try --no-browser)",
                       timeout_s);
            goto done;
        case CB_STATE:
            cli_errorf(ctx, "the redirect's state does not match this sign-in; nothing stored");
            goto done;
        case CB_DENIED:
            cli_errorf(ctx, "the authorization was refused: %s", etext);
            goto done;
        case CB_ERR:
            cli_errorf(ctx, "the browser's redirect could not be read");
            goto done;
        }
    } else {
        fputs("After approving, paste the code (or the whole address the browser was sent "
              "to)\nAuthorization code: ",
              stderr);
        fflush(stderr);
        char line[CODE_MAX + 2048];
        if (!read_stdin_line(line, sizeof(line))) {
            rc = cli_usage(ctx, "cannot read the authorization code from stdin");
            goto done;
        }
        rc = parse_pasted(ctx, line, pk.state, code, sizeof(code));
        explicit_bzero(line, sizeof(line));
        if (rc != CLI_OK)
            goto done;
        rc = CLI_ERR;
    }

    char host[128] = "fastio-cli";
    if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
        fio_strlcpy(host, "fastio-cli", sizeof(host));
    host[sizeof(host) - 1] = '\0';
    const char *dev = cli_arg(args, "device-name");
    struct fastio_oauth_code_grant g = {.code = code,
                                        .code_verifier = pk.verifier,
                                        .client_id = CLI_OAUTH_CLIENT_ID,
                                        .redirect_uri = redirect,
                                        .device_name = dev ? dev : host,
                                        .device_type = "cli"};
    if (fastio_oauth_token_exchange(ctx->client, &g, &tok, &err) != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
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
    rc = cli_credentials_store(ctx, ctx->profile, creds); /* under the credentials lock */
    if (rc != CLI_OK)
        goto done;
    if (ctx->base_source == BASE_FLAG) {
        rc = cli_config_set_api_base(ctx, ctx->profile, ctx->api_base);
        if (rc != CLI_OK)
            goto done;
    }
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
    if (lfd >= 0)
        close(lfd);
    explicit_bzero(&pk, sizeof(pk));
    explicit_bzero(code, sizeof(code));
    fastio_oauth_tokens_release(&tok);
    json_decref(resp);
    json_decref(user);
    json_decref(creds);
    json_decref(out);
    return rc;
}
