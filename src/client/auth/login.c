/* SPDX-License-Identifier: MIT */
/* login.c - interactive PKCE sign-in (fastio/login.h; api §2.5, RFC 7636; issue 4): the loopback
 * redirect listener on 127.0.0.1 and the paste-the-code flow, around fastio_pkce_new, the JSON
 * authorize call and fastio_oauth_token_exchange. */
#include "fastio/login.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abi.h"
#include "buf.h"
#include "envelope.h"
#include "form.h"

#define CODE_MAX 1024
#define PASTE_MAX (CODE_MAX + 2048)
#define REQ_MAX 8192
#define HEAD_WAIT_MS 5000
#define SLICE_MS 100 /* how often a wait looks at the cancel token */
#define FORM_FIELDS 32

FIO_ABI_FIRST(fastio_login_opts);

FASTIO_API void fastio_login_opts_init_sized(struct fastio_login_opts *o, size_t size)
{
    struct fastio_login_opts d;
    memset(&d, 0, sizeof(d));
    fio_abi_init(o, size, &d, sizeof(d));
}

/* Record the failed step and return st with err set to msg. */
static enum fastio_status fail(const struct fastio_login_opts *o, enum fastio_login_step step,
                               enum fastio_status st, const char *msg, struct fastio_error *err)
{
    if (o->failed_step != NULL)
        *o->failed_step = step;
    return fio_error_set(err, st, msg);
}

/* Record the failed step of a call that already filled err. */
static enum fastio_status failed(const struct fastio_login_opts *o, enum fastio_login_step step,
                                 enum fastio_status st, struct fastio_error *err)
{
    if (o->failed_step != NULL)
        *o->failed_step = step;
    if (err != NULL && err->status == FASTIO_OK)
        err->status = st;
    return st;
}

static bool state_equal(const char *got, const char *want)
{
    size_t n = strlen(want);
    return got != NULL && strlen(got) == n && fio_ct_equal(got, want, n);
}

/* ---- the loopback listener ---------------------------------------------------------------- */

static int listen_loopback(unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 only, never 0.0.0.0 */
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
    for (int tries = 0; n > 0 && tries < 1000; tries++) {
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

enum wait_result { W_READY, W_TIMEOUT, W_CANCELLED, W_ERR };

/* Wait until fd is readable, the absolute deadline end passes or cancel is triggered. */
static enum wait_result wait_readable(int fd, int64_t end, const struct fastio_cancel *cancel)
{
    for (;;) {
        if (cancel != NULL && fastio_cancel_is_set(cancel))
            return W_CANCELLED;
        int64_t left = end - fastio_now_ms();
        if (left <= 0)
            return W_TIMEOUT;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(left < SLICE_MS ? left : SLICE_MS));
        if (r < 0 && errno != EINTR)
            return W_ERR;
        if (r > 0)
            return W_READY;
    }
}

/* Read the request head of one connection (at most REQ_MAX - 1 bytes, HEAD_WAIT_MS, never past
 * end). */
static bool read_head(int fd, char *buf, size_t size, int64_t end,
                      const struct fastio_cancel *cancel)
{
    size_t n = 0;
    int64_t hend = fastio_now_ms() + HEAD_WAIT_MS;
    if (hend > end)
        hend = end;
    buf[0] = '\0';
    while (n + 1 < size) {
        if (wait_readable(fd, hend, cancel) != W_READY)
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

/* Handle the one /callback request (query q) on cfd; fills code or err. */
static enum fastio_status handle_callback(const struct fastio_login_opts *o, int cfd,
                                          const char *q, const char *state, char *code,
                                          size_t code_size, struct fastio_error *err)
{
    struct fio_form f;
    fio_form_init(&f);
    enum fastio_status st;
    if (!fio_form_parse(&f, q, strlen(q), FORM_FIELDS)) {
        reply_page(cfd, 400, "Sign-in failed", "The redirect could not be read.");
        st = fail(o, FASTIO_LOGIN_STEP_CALLBACK, FASTIO_PROTOCOL,
                  "the browser's redirect could not be read", err);
    } else if (!state_equal(fio_form_get(&f, "state"), state)) {
        reply_page(cfd, 400, "Sign-in failed",
                   "The state of this redirect does not match the sign-in request. "
                   "Nothing was signed in.");
        st = fail(o, FASTIO_LOGIN_STEP_STATE, FASTIO_AUTH,
                  "the redirect's state does not match this sign-in", err);
    } else if (fio_form_get(&f, "error") != NULL) {
        char text[256];
        (void)snprintf(text, sizeof(text), "the authorization was refused: %s",
                       fio_form_get(&f, "error"));
        reply_page(cfd, 200, "Sign-in cancelled",
                   "The request was not approved. You can close this tab.");
        st = fail(o, FASTIO_LOGIN_STEP_DENIED, FASTIO_AUTH, text, err);
    } else {
        const char *c = fio_form_get(&f, "code");
        if (c != NULL && c[0] != '\0' && fio_strlcpy(code, c, code_size)) {
            reply_page(cfd, 200, "Signed in",
                       "fastio received the authorization. You can close this tab and "
                       "return to the terminal.");
            st = FASTIO_OK;
        } else {
            reply_page(cfd, 400, "Sign-in failed", "The redirect carries no code.");
            st = fail(o, FASTIO_LOGIN_STEP_CALLBACK, FASTIO_PROTOCOL,
                      "the browser's redirect could not be read", err);
        }
    }
    fio_form_release(&f);
    return st;
}

/* Wait for the one redirect to /callback on lfd. */
static enum fastio_status wait_callback(const struct fastio_login_opts *o, int lfd,
                                        const char *state, char *code, size_t code_size,
                                        struct fastio_error *err)
{
    long timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : FASTIO_LOGIN_DEFAULT_TIMEOUT_MS;
    int64_t end = fastio_now_ms() + timeout_ms;
    char *req = malloc(REQ_MAX);
    if (req == NULL)
        return fail(o, FASTIO_LOGIN_STEP_SETUP, FASTIO_NOMEM, "out of memory", err);
    enum fastio_status st = FASTIO_PROTOCOL;
    bool done = false;
    for (int stray = 0; !done && stray <= FASTIO_LOGIN_MAX_STRAY; stray++) {
        enum wait_result w = wait_readable(lfd, end, o->cancel);
        if (w != W_READY) {
            char text[128];
            if (w == W_TIMEOUT)
                (void)snprintf(text, sizeof(text), "no answer from the browser within %ld s",
                               (timeout_ms + 999) / 1000);
            st = fail(o, FASTIO_LOGIN_STEP_WAIT,
                      w == W_TIMEOUT     ? FASTIO_TIMEOUT
                      : w == W_CANCELLED ? FASTIO_CANCELLED
                                         : FASTIO_IO,
                      w == W_TIMEOUT     ? text
                      : w == W_CANCELLED ? "the sign-in was cancelled"
                                         : "the browser's redirect could not be read",
                      err);
            done = true;
            break;
        }
        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
            continue;
        if (!read_head(cfd, req, REQ_MAX, end, o->cancel)) {
            close(cfd);
            continue;
        }
        /* "GET /callback?query HTTP/1.1" */
        char *sp = strchr(req, ' ');
        char *target = sp ? sp + 1 : NULL;
        char *tend = target ? strpbrk(target, " \r\n") : NULL;
        if (strncmp(req, "GET ", 4) != 0 || !target || !tend ||
            strncmp(target, "/callback", 9) != 0 || (target[9] != '?' && target + 9 != tend)) {
            reply_page(cfd, 404, "Not found", "This address only receives the sign-in redirect.");
            close(cfd);
            continue;
        }
        *tend = '\0';
        st = handle_callback(o, cfd, target[9] == '?' ? target + 10 : "", state, code, code_size,
                             err);
        close(cfd);
        done = true;
    }
    if (!done)
        st = fail(o, FASTIO_LOGIN_STEP_WAIT, FASTIO_PROTOCOL,
                  "too many unrelated requests on the sign-in listener", err);
    explicit_bzero(req, REQ_MAX);
    free(req);
    return st;
}

/* ---- the paste flow ------------------------------------------------------------------------ */

/* The pasted text is a bare code or the address the browser was sent to (…/callback?code=…&
 * state=…); for an address the state is checked. */
static enum fastio_status parse_pasted(const struct fastio_login_opts *o, char *line,
                                       const char *state, char *code, size_t size,
                                       struct fastio_error *err)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t'))
        line[--n] = '\0';
    const char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    const char *qm = strchr(s, '?');
    if (qm == NULL) {
        if (!s[0])
            return fail(o, FASTIO_LOGIN_STEP_CODE, FASTIO_INVALID,
                        "no authorization code was pasted", err);
        if (!fio_strlcpy(code, s, size))
            return fail(o, FASTIO_LOGIN_STEP_CODE, FASTIO_INVALID, "the pasted code is too long",
                        err);
        return FASTIO_OK;
    }
    struct fio_form f;
    fio_form_init(&f);
    const char *hash = strchr(qm + 1, '#');
    size_t qn = hash ? (size_t)(hash - qm - 1) : strlen(qm + 1);
    enum fastio_status st;
    if (!fio_form_parse(&f, qm + 1, qn, FORM_FIELDS)) {
        st = fail(o, FASTIO_LOGIN_STEP_CODE, FASTIO_INVALID, "cannot parse the pasted address",
                  err);
    } else if (fio_form_get(&f, "error") != NULL) {
        char text[256];
        (void)snprintf(text, sizeof(text), "the authorization was refused: %s",
                       fio_form_get(&f, "error"));
        st = fail(o, FASTIO_LOGIN_STEP_DENIED, FASTIO_AUTH, text, err);
    } else {
        const char *c = fio_form_get(&f, "code");
        if (!state_equal(fio_form_get(&f, "state"), state))
            st = fail(o, FASTIO_LOGIN_STEP_STATE, FASTIO_AUTH,
                      "the state in the pasted address does not match this sign-in", err);
        else if (c == NULL || !c[0] || !fio_strlcpy(code, c, size))
            st = fail(o, FASTIO_LOGIN_STEP_CODE, FASTIO_INVALID,
                      "the pasted address carries no usable code", err);
        else
            st = FASTIO_OK;
    }
    fio_form_release(&f);
    return st;
}

/* ---- the login ------------------------------------------------------------------------------- */

/* The JSON authorize call; *url gets the authorization_url (OWNED). */
static enum fastio_status authorize(const struct fastio_login_opts *o, struct fastio_client *c,
                                    const struct fastio_pkce *pk, const char *redirect,
                                    char **url, struct fastio_error *err)
{
    struct fastio_param params[9] = {
        {"client_id", o->client_id},
        {"response_type", "code"},
        {"code_challenge", pk->challenge},
        {"code_challenge_method", "S256"},
        {"state", pk->state},
        {"redirect_uri", redirect},
        {"response_format", "json"},
    };
    size_t np = 7;
    if (o->scope_type != NULL)
        params[np++] = (struct fastio_param){"scope_type", o->scope_type};
    if (o->agent_name != NULL)
        params[np++] = (struct fastio_param){"agent_name", o->agent_name};
    struct fastio_call_opts co;
    fastio_call_opts_init(&co);
    co.cancel = o->cancel;
    json_t *resp = NULL;
    enum fastio_status st = fastio_call_ex(c, FASTIO_EP_OAUTH_AUTHORIZE, NULL, 0, params, np,
                                           o->cancel != NULL ? &co : NULL, &resp, err);
    if (st != FASTIO_OK) {
        json_decref(resp);
        return failed(o, FASTIO_LOGIN_STEP_AUTHORIZE, st, err);
    }
    const char *u = json_string_value(json_object_get(resp, "authorization_url"));
    if (u == NULL || strncmp(u, "http", 4) != 0) {
        json_decref(resp);
        return fail(o, FASTIO_LOGIN_STEP_AUTHORIZE, FASTIO_PROTOCOL,
                    "the server's authorize answer has no authorization_url", err);
    }
    *url = fio_strdup(u);
    json_decref(resp);
    if (*url == NULL)
        return fail(o, FASTIO_LOGIN_STEP_SETUP, FASTIO_NOMEM, "out of memory", err);
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_pkce_login(const struct fastio_login_opts *opts,
                                                struct fastio_oauth_tokens *out,
                                                struct fastio_error *err)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (opts == NULL || out == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no login options or no token struct");
    struct fastio_login_opts full; /* the caller's struct at this library's size (D-005) */
    fastio_login_opts_init(&full);
    if (FIO_ABI_READ(&full, opts, "fastio_login_opts", err) != FASTIO_OK)
        return FASTIO_INVALID;
    const struct fastio_login_opts *o = &full;
    if (o->failed_step != NULL)
        *o->failed_step = FASTIO_LOGIN_STEP_NONE;
    bool paste = o->mode == FASTIO_LOGIN_PASTE;
    if (o->client_id == NULL || o->client_id[0] == '\0' || o->show_url == NULL ||
        (paste && o->read_code == NULL) || (!paste && o->mode != FASTIO_LOGIN_LOOPBACK) ||
        o->timeout_ms < 0)
        return fail(o, FASTIO_LOGIN_STEP_SETUP, FASTIO_INVALID,
                    "a login needs client_id, show_url, a valid mode (read_code for PASTE) and "
                    "a timeout >= 0",
                    err);

    struct fastio_pkce pk;
    struct fastio_client *own = NULL, *c = o->client;
    int lfd = -1;
    char redirect[512], code[CODE_MAX];
    char *url = NULL;
    code[0] = '\0';
    enum fastio_status st = fastio_pkce_new(&pk, err);
    if (st != FASTIO_OK)
        return failed(o, FASTIO_LOGIN_STEP_SETUP, st, err);
    if (c == NULL) {
        struct fastio_config cfg;
        fastio_config_init(&cfg);
        cfg.base_url = o->base_url;
        cfg.ca_file = o->ca_file;
        own = c = fastio_client_new(&cfg, err);
        if (c == NULL) {
            st = failed(o, FASTIO_LOGIN_STEP_SETUP, FASTIO_INVALID, err);
            goto done;
        }
    }
    if (paste) {
        const char *r = o->paste_redirect_uri ? o->paste_redirect_uri : FASTIO_LOGIN_PASTE_REDIRECT;
        if (!fio_strlcpy(redirect, r, sizeof(redirect))) {
            st = fail(o, FASTIO_LOGIN_STEP_SETUP, FASTIO_INVALID, "paste_redirect_uri too long",
                      err);
            goto done;
        }
    } else {
        unsigned port = 0;
        lfd = listen_loopback(&port);
        if (lfd < 0) {
            char text[256];
            (void)snprintf(text, sizeof(text), "cannot listen on 127.0.0.1: %s", strerror(errno));
            st = fail(o, FASTIO_LOGIN_STEP_LISTEN, FASTIO_IO, text, err);
            goto done;
        }
        (void)snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%u/callback", port);
    }
    st = authorize(o, c, &pk, redirect, &url, err);
    if (st != FASTIO_OK)
        goto done;
    o->show_url(o->userdata, url, redirect);
    if (!paste) {
        st = wait_callback(o, lfd, pk.state, code, sizeof(code), err);
        close(lfd);
        lfd = -1;
    } else {
        char *line = malloc(PASTE_MAX);
        if (line == NULL) {
            st = fail(o, FASTIO_LOGIN_STEP_SETUP, FASTIO_NOMEM, "out of memory", err);
            goto done;
        }
        line[0] = '\0';
        if (!o->read_code(o->userdata, line, PASTE_MAX)) {
            st = fail(o, FASTIO_LOGIN_STEP_READ, FASTIO_IO,
                      "cannot read the authorization code", err);
        } else {
            line[PASTE_MAX - 1] = '\0';
            st = o->cancel != NULL && fastio_cancel_is_set(o->cancel)
                     ? fail(o, FASTIO_LOGIN_STEP_WAIT, FASTIO_CANCELLED,
                            "the sign-in was cancelled", err)
                     : parse_pasted(o, line, pk.state, code, sizeof(code), err);
        }
        explicit_bzero(line, PASTE_MAX);
        free(line);
    }
    if (st != FASTIO_OK)
        goto done;
    struct fastio_oauth_code_grant g = {.code = code,
                                        .code_verifier = pk.verifier,
                                        .client_id = o->client_id,
                                        .redirect_uri = redirect,
                                        .device_name = o->device_name,
                                        .device_type = o->device_type};
    st = fastio_oauth_token_exchange(c, &g, out, err);
    if (st != FASTIO_OK)
        (void)failed(o, FASTIO_LOGIN_STEP_EXCHANGE, st, err);
done:
    if (lfd >= 0)
        close(lfd);
    free(url);
    fastio_client_free(own);
    explicit_bzero(&pk, sizeof(pk));
    explicit_bzero(code, sizeof(code));
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    return st;
}
