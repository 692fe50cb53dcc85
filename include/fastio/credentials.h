/* SPDX-License-Identifier: MIT */
/* fastio/credentials.h - where a fastio program's settings and secrets come from and go to, the
 * same way the fastio CLI does it (api §2.6; docs/cli.md "Files"; issue 4).
 *
 * Files, all under $XDG_CONFIG_HOME/fastio-c/ ($HOME/.config/fastio-c/ when XDG_CONFIG_HOME is
 * unset or not absolute; never derived from a user name):
 *   config.json        {"default_profile": NAME, "profiles": {NAME: {api_base, auth_method}}}
 *   credentials.json   {"profiles": {NAME: {token, refresh_token, api_key, expires_at, user_id,
 *                                           email, auth_method}}}
 *   credentials.json.lock   empty; an flock(2) on it serialises read-modify-writes (refreshes)
 * The directory is created 0700 (tightened when it exists and is ours). Files are written
 * atomically: a unique temporary sibling opened O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600,
 * written, fsync'd, renamed over the target, then the directory is fsync'd. Files are read with
 * O_NOFOLLOW: a symbolic link in place of a file is refused (IO). A credentials.json that other
 * users can read or write (mode & 077) is refused with FORBIDDEN unless the caller passes
 * FASTIO_CRED_ALLOW_INSECURE, in which case it is read and the mode is reported so the caller can
 * warn (the CLI does). Malformed JSON, a non-object document or a file over 1 MiB is INVALID.
 *
 * Conventions: as in fastio.h. Every json_t ** output is OWNED by the caller (json_decref);
 * every char * inside struct fastio_credentials is owned by the struct and released (wiped) by
 * fastio_credentials_release(). Paths are re-read from the environment on every call.
 *
 * Thread-safety: the functions keep no global state and may be called from any thread, but the
 * process environment (getenv) must not be modified concurrently. Read-modify-write of one file
 * from several threads or processes must go through fastio_credentials_lock() (the update
 * functions below take it themselves); the lock is an flock on a separate open file, so a
 * thread must not take it twice. A struct fastio_profile_tokens is thread-safe. */
#ifndef FASTIO_CREDENTIALS_H
#define FASTIO_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fastio/fastio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- paths ------------------------------------------------------------------------------------ */

/* Which file of the configuration directory. */
enum fastio_cred_file {
    FASTIO_FILE_CONFIG,      /* config.json */
    FASTIO_FILE_CREDENTIALS, /* credentials.json */
    FASTIO_FILE_LOCK,        /* credentials.json.lock */
    FASTIO_FILE_LOCAL_KEY    /* $XDG_DATA_HOME/fastio-server/owner.key (the local server's key) */
};

/* The absolute path of a file (or, with FASTIO_FILE_CONFIG and dir_only, of the directory)
 * into out. false when neither $XDG_*_HOME nor $HOME is an absolute path, or when out is too
 * small. Thread-safe (reads the environment). */
FASTIO_API bool fastio_cred_path(enum fastio_cred_file which, bool dir_only, char *out,
                                 size_t size);

/* ---- whole files ------------------------------------------------------------------------------ */

#define FASTIO_CRED_ALLOW_INSECURE 0x1u /* read a group/world-accessible credentials.json */
#define FASTIO_CRED_USE_LOCAL_KEY 0x2u  /* resolve: fall back to the local server's owner.key */

/* Read config.json or credentials.json as an object into *out ({} when the file does not
 * exist). flags: FASTIO_CRED_ALLOW_INSECURE. *insecure_mode (optional) gets the permission bits
 * of a credentials file with mode & 077, else 0. Returns OK, IO (unreadable, symlink), INVALID
 * (malformed, too large), FORBIDDEN (insecure credentials without the flag), NOMEM. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_cred_file_load(enum fastio_cred_file which, unsigned flags, json_t **out,
                      unsigned *insecure_mode, struct fastio_error *err);

/* Replace config.json or credentials.json with root (borrowed; an object), atomically with mode
 * 0600 in a 0700 directory. Does not take the lock: hold fastio_credentials_lock() around a
 * load-change-save of credentials.json. Returns OK, INVALID, IO or NOMEM. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_cred_file_save(enum fastio_cred_file which, json_t *root, struct fastio_error *err);

/* Set profiles.<profile>.<key> = value (borrowed; NULL deletes the key) in config.json, or, with
 * key NULL, replace the whole profile entry (value NULL removes the profile). For
 * credentials.json the same, under fastio_credentials_lock() (waiting up to 30 s), so it never
 * undoes a concurrent refresh. Returns OK, INVALID, IO, TIMEOUT (lock) or NOMEM. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_cred_profile_update(enum fastio_cred_file which, const char *profile, const char *key,
                           json_t *value, struct fastio_error *err);

/* Exclusive flock on credentials.json.lock (created 0600; the directory 0700), waiting at most
 * timeout_ms. Returns the lock's file descriptor (>= 0), or -1 with err filled (IO, TIMEOUT).
 * Release with fastio_credentials_unlock(); -1 is a no-op there. */
FASTIO_API FASTIO_NODISCARD int fastio_credentials_lock(long timeout_ms, struct fastio_error *err);
FASTIO_API void fastio_credentials_unlock(int fd);

/* ---- resolution (api §2.6) -------------------------------------------------------------------- */

enum fastio_token_source {
    FASTIO_TOKEN_SOURCE_NONE,
    FASTIO_TOKEN_SOURCE_EXPLICIT,    /* opts.explicit_token */
    FASTIO_TOKEN_SOURCE_ENV_TOKEN,   /* $FASTIO_TOKEN */
    FASTIO_TOKEN_SOURCE_ENV_API_KEY, /* $FASTIO_API_KEY */
    FASTIO_TOKEN_SOURCE_PROFILE,     /* credentials.json, the profile's api_key before its token */
    FASTIO_TOKEN_SOURCE_LOCAL_KEY    /* owner.key of a server on this machine */
};

enum fastio_base_source {
    FASTIO_BASE_SOURCE_DEFAULT,  /* opts.default_api_base */
    FASTIO_BASE_SOURCE_EXPLICIT, /* opts.explicit_api_base */
    FASTIO_BASE_SOURCE_ENV,      /* $FASTIO_API_BASE */
    FASTIO_BASE_SOURCE_PROFILE   /* config.json profiles.<profile>.api_base */
};

/* "none", "flag", "env", "profile" or "local-server-key" (static). */
FASTIO_API const char *fastio_token_source_name(enum fastio_token_source s);

struct fastio_credentials_opts {
    size_t struct_size; /* set by fastio_credentials_opts_init(); ABI rule in fastio/fastio.h */
    const char *profile;            /* NULL = $FASTIO_PROFILE, config.json's default_profile,
                                       else "default" */
    const char *explicit_token;     /* wins over everything; NULL = none */
    const char *explicit_token_origin; /* label for token_origin; NULL = "explicit token" */
    const char *explicit_api_base;  /* NULL = none */
    const char *default_api_base;   /* NULL = FASTIO_DEFAULT_BASE_URL */
    unsigned flags;                 /* FASTIO_CRED_ALLOW_INSECURE, FASTIO_CRED_USE_LOCAL_KEY */
};

/* Fill the first size bytes of o with the defaults; use fastio_credentials_opts_init(). */
FASTIO_API void fastio_credentials_opts_init_sized(struct fastio_credentials_opts *o, size_t size);
/* Fill o with the defaults (every field 0/NULL), struct_size = sizeof. Call it first. */
static inline void fastio_credentials_opts_init(struct fastio_credentials_opts *o)
{
    fastio_credentials_opts_init_sized(o, sizeof(*o));
}

/* The outcome of a resolution. Strings OWNED by the struct: fastio_credentials_release(). */
struct fastio_credentials {
    char *profile;                    /* the profile in use (never NULL after OK) */
    char *api_base;                   /* never NULL after OK */
    enum fastio_base_source base_source;
    char *token;                      /* NULL = no token anywhere */
    enum fastio_token_source token_source;
    char *token_origin;               /* "FASTIO_TOKEN", "profile 'x' (path)", a path; or NULL */
    char *refresh_token;              /* a stored PKCE profile's refresh token, else NULL */
    char *auth_method;                /* the profile's stored auth_method, else NULL */
    int64_t expires_at;               /* stored token's expiry, Unix seconds; 0 = unknown */
    bool expired;                     /* stored token without refresh token, past expires_at */
    unsigned insecure_mode;           /* credentials.json mode when group/world-accessible */
};

/* Resolve the profile, the API base and the token:
 *   profile:  opts.profile, $FASTIO_PROFILE, config.json's default_profile, "default";
 *   API base: opts.explicit_api_base, $FASTIO_API_BASE, the profile's api_base, the default;
 *   token:    opts.explicit_token, $FASTIO_TOKEN, $FASTIO_API_KEY, the profile's stored api_key,
 *             its stored token (with refresh_token / expires_at / auth_method), and, only with
 *             FASTIO_CRED_USE_LOCAL_KEY and a loopback http:// base (127.0.0.0/8, localhost,
 *             [::1]) on the port of the owner.url the server wrote beside it (port 8787 when
 *             there is none: D-089), the whitespace-trimmed owner.key. A profile without credentials never
 *             falls back to another profile's token.
 * Files are read only when needed (credentials.json only when no explicit/env token).
 * *out is zeroed first; on failure it is released (except insecure_mode, kept for a warning).
 * opts NULL = the defaults. Returns OK (also when no token exists), INVALID (opts not set up
 * by fastio_credentials_opts_init()), or fastio_cred_file_load()'s failures. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_credentials_resolve(const struct fastio_credentials_opts *opts,
                           struct fastio_credentials *out, struct fastio_error *err);
/* Wipe and free the strings and zero *c; NULL and a zeroed struct are fine. */
FASTIO_API void fastio_credentials_release(struct fastio_credentials *c);

/* ---- the self-refreshing token of a stored PKCE profile --------------------------------------
 * A fastio_token_store whose persist callback writes the rotated tokens back into
 * credentials.json (atomically, under the lock), wrapped so refreshes are shared between
 * processes: when the token is due (refresh_skew_s before expiry) or was rejected with 401, the
 * provider takes fastio_credentials_lock(), re-reads the profile, adopts tokens another process
 * already rotated (our refresh token is then spent), and refreshes only if still needed, all
 * before releasing the lock. Install with cfg.token_provider = fastio_profile_tokens_provider,
 * cfg.token_provider_userdata = the object. Thread-safe; free after every client using it. */
struct fastio_profile_tokens;

struct fastio_profile_tokens_config {
    size_t struct_size;        /* set by fastio_profile_tokens_config_init(); ABI rule in
                                  fastio/fastio.h */
    const char *profile;       /* required: the credentials.json profile to write back */
    const char *base_url;      /* API base of the refresh call; NULL = default */
    const char *client_id;     /* required, e.g. "fastio-cli" */
    const char *access_token;  /* the stored token (may be NULL: first use refreshes) */
    const char *refresh_token; /* required */
    int64_t expires_at;        /* Unix seconds; 0 = unknown */
    long refresh_skew_s;       /* 0 = 60 */
    long lock_timeout_ms;      /* 0 = 30000 */
    fastio_log_fn log;         /* optional: the refresh call's attempt lines */
    void *log_userdata;
    const char *ca_file;       /* the refresh call's CA bundle (fastio_config.ca_file); NULL */
};

/* Fill the first size bytes of cfg with the defaults; use fastio_profile_tokens_config_init(). */
FASTIO_API void fastio_profile_tokens_config_init_sized(struct fastio_profile_tokens_config *cfg, size_t size);
/* Fill cfg with the defaults (every field 0/NULL), struct_size = sizeof. Call it first. */
static inline void fastio_profile_tokens_config_init(struct fastio_profile_tokens_config *cfg)
{
    fastio_profile_tokens_config_init_sized(cfg, sizeof(*cfg));
}

/* Strings copied. NULL on failure (INVALID without profile/client_id/refresh_token or for a cfg
 * not set up by fastio_profile_tokens_config_init(), NOMEM). */
FASTIO_API FASTIO_NODISCARD struct fastio_profile_tokens *
fastio_profile_tokens_new(const struct fastio_profile_tokens_config *cfg,
                          struct fastio_error *err);
FASTIO_API void fastio_profile_tokens_free(struct fastio_profile_tokens *t);
/* A fastio_token_fn (userdata = the object); statuses as fastio_token_store_provider(), plus
 * IO / TIMEOUT when the credentials file cannot be locked or written. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_profile_tokens_provider(void *userdata, const char *rejected, char *buf, size_t size,
                               struct fastio_error *err);
/* The current tokens (OWNED; fastio_oauth_tokens_release). OK, INVALID or NOMEM. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_profile_tokens_snapshot(struct fastio_profile_tokens *t, struct fastio_oauth_tokens *out,
                               struct fastio_error *err);

#ifdef __cplusplus
}
#endif
#endif
