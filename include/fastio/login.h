/* SPDX-License-Identifier: MIT */
/* login.h - interactive OAuth 2.0 + PKCE sign-in (api §2.5, RFC 7636 S256; issue 4).
 *
 * fastio_pkce_login() runs the whole authorization-code flow of a native app:
 *  1. a PKCE pair and a random state (fastio_pkce_new);
 *  2. LOOPBACK mode: a listener on 127.0.0.1 only, on a port the kernel picks, whose redirect
 *     URI is http://127.0.0.1:PORT/callback; PASTE mode (headless machines): the fixed
 *     redirect URI opts->paste_redirect_uri (default FASTIO_LOGIN_PASTE_REDIRECT), which nobody
 *     listens on - the user copies the code or the whole address the browser ended on;
 *  3. the server's JSON authorize call (response_format=json) for the authorization_url;
 *  4. show_url(userdata, url, redirect_uri): the application prints it and/or opens a browser;
 *  5. LOOPBACK: exactly one request to /callback is accepted: its state must equal ours
 *     (constant-time compare), it is answered with a small HTML page ("... You can close this
 *     tab ..."), and the listener is closed. Any other request (another path, another method,
 *     an unreadable head) is answered 404 and ignored, at most FASTIO_LOGIN_MAX_STRAY times.
 *     The wait ends at opts->timeout_ms (TIMEOUT) or when opts->cancel is triggered
 *     (CANCELLED, noticed within about 100 ms).
 *     PASTE: read_code(userdata, buf, size) returns one line: a bare code, or the redirect
 *     address (…?code=…&state=…), whose state is checked;
 *  6. the code is exchanged (fastio_oauth_token_exchange) with the verifier; *out gets the
 *     tokens. Nothing is stored: persisting the tokens is the application's part (see
 *     fastio/credentials.h).
 * A wrong state, a refusal (error=... on the redirect) or a timeout ends the login with nothing
 * exchanged. No secret (verifier, code, token) is passed to show_url or logged.
 * Thread-safety: one login per opts at a time; the borrowed client must not be used by another
 * thread meanwhile. The callbacks run on the calling thread. */
#ifndef FASTIO_LOGIN_H
#define FASTIO_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "fastio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The redirect URI of the paste flow unless opts->paste_redirect_uri says otherwise. */
#define FASTIO_LOGIN_PASTE_REDIRECT "http://127.0.0.1:19836/callback"
/* Requests the loopback listener answers 404 and ignores before it gives up (PROTOCOL). */
#define FASTIO_LOGIN_MAX_STRAY 64
/* The wait for the browser when opts->timeout_ms is 0. */
#define FASTIO_LOGIN_DEFAULT_TIMEOUT_MS 300000L

enum fastio_login_mode {
    FASTIO_LOGIN_LOOPBACK = 0, /* listener on 127.0.0.1 (browser on this machine) */
    FASTIO_LOGIN_PASTE = 1     /* the user pastes the code (headless machines) */
};

/* Which step of a login failed (opts->failed_step), so applications can word their errors. */
enum fastio_login_step {
    FASTIO_LOGIN_STEP_NONE = 0, /* success */
    FASTIO_LOGIN_STEP_SETUP,    /* invalid opts, no randomness, no client, out of memory */
    FASTIO_LOGIN_STEP_LISTEN,   /* the loopback listener could not be opened (IO) */
    FASTIO_LOGIN_STEP_AUTHORIZE, /* the authorize call failed (its API status) or its answer
                                    had no authorization_url (PROTOCOL) */
    FASTIO_LOGIN_STEP_WAIT,     /* no callback in time (TIMEOUT), cancelled (CANCELLED), too
                                   many stray requests (PROTOCOL), a socket error (IO) */
    FASTIO_LOGIN_STEP_STATE,    /* the state of the redirect / pasted address differs (AUTH) */
    FASTIO_LOGIN_STEP_DENIED,   /* the redirect carries error=... (AUTH) */
    FASTIO_LOGIN_STEP_CALLBACK, /* the callback could not be parsed or has no code (PROTOCOL) */
    FASTIO_LOGIN_STEP_READ,     /* read_code returned false (IO) */
    FASTIO_LOGIN_STEP_CODE,     /* the pasted text is empty, too long, unparsable or has no
                                   code (INVALID) */
    FASTIO_LOGIN_STEP_EXCHANGE  /* the token exchange failed (its status) */
};

/* Show the sign-in address (print it, open a browser). redirect_uri is where the browser will
 * be sent (the listener's address in LOOPBACK mode). Neither holds a secret. Required. */
typedef void (*fastio_login_show_url_fn)(void *userdata, const char *url,
                                         const char *redirect_uri);
/* PASTE mode: put one NUL-terminated line (a bare code or the whole redirect address) in buf
 * (size bytes); false = nothing could be read. Required in PASTE mode. */
typedef bool (*fastio_login_read_code_fn)(void *userdata, char *buf, size_t size);

struct fastio_login_opts {
    size_t struct_size; /* set by fastio_login_opts_init(); ABI rule in fastio/fastio.h */
    struct fastio_client *client; /* borrowed (its log, retries...); NULL = a client of its own
                                     made from base_url for the duration of the login */
    const char *base_url;         /* used only when client is NULL; NULL = the default */
    const char *client_id;        /* required, e.g. "fastio-cli" */
    const char *scope_type;       /* optional authorize parameter scope_type */
    const char *agent_name;       /* optional authorize parameter agent_name */
    const char *device_name;      /* optional, sent with the exchange */
    const char *device_type;      /* optional, sent with the exchange, e.g. "cli" */
    enum fastio_login_mode mode;
    const char *paste_redirect_uri; /* PASTE mode; NULL = FASTIO_LOGIN_PASTE_REDIRECT */
    fastio_login_show_url_fn show_url;
    fastio_login_read_code_fn read_code;
    void *userdata;               /* passed to both callbacks */
    long timeout_ms;              /* LOOPBACK wait for the callback; 0 = 300 s */
    struct fastio_cancel *cancel; /* borrowed; NULL = none. Ends the wait and the authorize
                                     call; read_code itself is the application's to bound */
    enum fastio_login_step *failed_step; /* optional out: the failed step (NONE on success) */
    const char *ca_file;          /* used only when client is NULL: fastio_config.ca_file */
};

/* Fill the first size bytes of o with the defaults; use fastio_login_opts_init(). */
FASTIO_API void fastio_login_opts_init_sized(struct fastio_login_opts *o, size_t size);
/* Fill o with zeros/defaults (LOOPBACK, 300 s, no callbacks), struct_size = sizeof. */
static inline void fastio_login_opts_init(struct fastio_login_opts *o)
{
    fastio_login_opts_init_sized(o, sizeof(*o));
}

/* Run a PKCE login as described above. On success *out holds the tokens (OWNED; release with
 * fastio_oauth_tokens_release); on failure it is zeroed and err says why: INVALID (opts, also
 * when not set up by fastio_login_opts_init()),
 * IO, TIMEOUT, CANCELLED, AUTH (state mismatch, refusal, rejected code), PROTOCOL, or the
 * status of the authorize / token call. err->message is user-readable. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_pkce_login(const struct fastio_login_opts *opts, struct fastio_oauth_tokens *out,
                  struct fastio_error *err);

#ifdef __cplusplus
}
#endif
#endif
