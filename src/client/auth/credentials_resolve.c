/* SPDX-License-Identifier: MIT */
/* credentials_resolve.c - token and API base resolution (api §2.6 plus the local server's owner
 * key) and the self-refreshing token of a stored PKCE profile shared between processes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "buf.h"
#include "credentials_internal.h"
#include "envelope.h"
#include "fastio/credentials.h"

#define KEY_FILE_MAX 4096
#define DEFAULT_SKEW_S 60L

/* ---- resolution ------------------------------------------------------------------------------- */

FASTIO_API const char *fastio_token_source_name(enum fastio_token_source s)
{
    switch (s) {
    case FASTIO_TOKEN_SOURCE_NONE:
        return "none";
    case FASTIO_TOKEN_SOURCE_EXPLICIT:
        return "flag";
    case FASTIO_TOKEN_SOURCE_ENV_TOKEN:
    case FASTIO_TOKEN_SOURCE_ENV_API_KEY:
        return "env";
    case FASTIO_TOKEN_SOURCE_PROFILE:
        return "profile";
    case FASTIO_TOKEN_SOURCE_LOCAL_KEY:
        return "local-server-key";
    }
    return "none";
}

static const char *profile_str(json_t *root, const char *profile, const char *key)
{
    json_t *p = json_object_get(json_object_get(root, "profiles"), profile);
    const char *v = json_string_value(json_object_get(p, key));
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static char *trimmed_copy(const char *s, size_t n)
{
    while (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')) {
        s++;
        n--;
    }
    while (n > 0 &&
           (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return fio_slice_dup(fio_slice_make(s, n));
}

/* The local owner key is offered only to a server on this machine: a loopback http:// base
 * (127.0.0.0/8, localhost, [::1]) on any port. It is never sent anywhere else. */
static bool is_loopback_base(const char *base)
{
    static const char *const hosts[] = {"http://127.", "http://localhost:", "http://localhost/",
                                        "http://[::1]:", "http://[::1]/"};
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        size_t hl = strlen(hosts[i]);
        if (strncmp(base, hosts[i], hl) != 0)
            continue;
        if (i == 0) { /* 127.a.b.c: digits and dots up to ':' or '/' */
            const char *p = base + hl;
            while ((*p >= '0' && *p <= '9') || *p == '.')
                p++;
            return *p == ':' || *p == '/';
        }
        return true;
    }
    return false;
}

long fio_cred_base_port(const char *base)
{
    const char *p = base + strlen("http://");
    if (strncmp(base, "http://", 7) != 0)
        return -1;
    if (*p == '[') { /* [v6] */
        p = strchr(p, ']');
        if (p == NULL)
            return -1;
        p++;
    } else {
        while (*p != '\0' && *p != ':' && *p != '/')
            p++;
    }
    if (*p != ':')
        return 80;
    long v = 0;
    int digits = 0;
    for (p++; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
        v = v * 10 + (*p - '0');
    return digits > 0 && digits < 6 && (*p == '\0' || *p == '/') && v > 0 && v < 65536 ? v : -1;
}

bool fio_cred_owner_url_matches(const char *text, size_t len, const char *base)
{
    long port = fio_cred_base_port(base);
    char *url = trimmed_copy(text, len);
    /* a server on the wildcard address (0.0.0.0, [::]) listens on loopback too */
    bool local = url != NULL && (is_loopback_base(url) || strncmp(url, "http://0.0.0.0:", 15) == 0 ||
                                 strncmp(url, "http://[::]:", 12) == 0);
    bool ok = local && port > 0 && is_loopback_base(base) && fio_cred_base_port(url) == port;
    free(url);
    return ok;
}

/* Whether owner.key may go to base (D-089): the server writes the URL it listens on beside
 * the key (owner.url); the key goes to a loopback base on that port only. Without owner.url
 * (a server older than the file) only to the built-in default port, 8787. */
static bool key_belongs_to(const char *key_path, const char *base)
{
    char url_path[FIO_CRED_PATH_SZ + 16];
    const char *slash = strrchr(key_path, '/');
    if (slash == NULL || fio_cred_base_port(base) < 0)
        return false;
    (void)snprintf(url_path, sizeof(url_path), "%.*s/owner.url", (int)(slash - key_path),
                   key_path);
    char *data = NULL;
    size_t len = 0;
    if (fio_cred_read_small_file(url_path, KEY_FILE_MAX, &data, &len, NULL) <= 0)
        return fio_cred_base_port(base) == 8787;
    bool ok = fio_cred_owner_url_matches(data, len, base);
    free(data);
    return ok;
}

static bool set_token(struct fastio_credentials *c, const char *tok, enum fastio_token_source src,
                      const char *origin)
{
    c->token = fio_strdup(tok);
    c->token_origin = fio_strdup(origin);
    c->token_source = src;
    return c->token != NULL && c->token_origin != NULL;
}

FASTIO_API void fastio_credentials_release(struct fastio_credentials *c)
{
    if (c == NULL)
        return;
    fio_cred_wipe_free(c->token);
    fio_cred_wipe_free(c->refresh_token);
    free(c->token_origin);
    free(c->auth_method);
    free(c->api_base);
    free(c->profile);
    memset(c, 0, sizeof(*c));
}

/* The stored credentials of the profile. *found tells whether a token was set. */
static enum fastio_status from_profile(const struct fastio_credentials_opts *o,
                                       struct fastio_credentials *c, bool *found,
                                       struct fastio_error *err)
{
    char path[FIO_CRED_PATH_SZ], origin[FIO_CRED_PATH_SZ + 200];
    json_t *creds = NULL;
    enum fastio_status st = FASTIO_OK;
    const char *key, *jwt, *am, *rt;

    *found = false;
    if (!fastio_cred_path(FASTIO_FILE_CREDENTIALS, false, path, sizeof(path)))
        return FASTIO_OK;
    st = fio_cred_load_json(path, true, o->flags, &creds, &c->insecure_mode, err);
    if (st != FASTIO_OK)
        return st;
    (void)snprintf(origin, sizeof(origin), "profile '%s' (%s)", c->profile, path);
    /* A stored API key is preferred over a JWT (api §2.6). */
    key = profile_str(creds, c->profile, "api_key");
    jwt = profile_str(creds, c->profile, "token");
    am = profile_str(creds, c->profile, "auth_method");
    if (key == NULL && jwt == NULL)
        goto out;
    *found = true;
    if (am != NULL && (c->auth_method = fio_strdup(am)) == NULL)
        goto oom;
    if (key != NULL) {
        if (!set_token(c, key, FASTIO_TOKEN_SOURCE_PROFILE, origin))
            goto oom;
        goto out;
    }
    {
        json_t *p = json_object_get(json_object_get(creds, "profiles"), c->profile);
        json_t *exp = json_object_get(p, "expires_at");
        if (json_is_integer(exp))
            c->expires_at = (int64_t)json_integer_value(exp);
    }
    rt = profile_str(creds, c->profile, "refresh_token");
    if (rt != NULL) { /* a PKCE token is refreshed, never refused for its age */
        if ((c->refresh_token = fio_strdup(rt)) == NULL)
            goto oom;
    } else if (c->expires_at > 0 && c->expires_at <= (int64_t)time(NULL)) {
        c->expired = true;
    }
    if (!set_token(c, jwt, FASTIO_TOKEN_SOURCE_PROFILE, origin))
        goto oom;
    goto out;
oom:
    st = fio_cred_seterr(err, FASTIO_NOMEM, "out of memory");
out:
    json_decref(creds);
    return st;
}

/* The local server's key, when FASTIO_CRED_USE_LOCAL_KEY and the base is on this machine. */
static enum fastio_status from_local_key(struct fastio_credentials *c, struct fastio_error *err)
{
    char path[FIO_CRED_PATH_SZ];
    char *data, *tok;
    size_t len = 0;
    bool ok = true;
    if (!is_loopback_base(c->api_base) ||
        !fastio_cred_path(FASTIO_FILE_LOCAL_KEY, false, path, sizeof(path)) ||
        !key_belongs_to(path, c->api_base))
        return FASTIO_OK;
    if (fio_cred_read_small_file(path, KEY_FILE_MAX, &data, &len, NULL) <= 0)
        return FASTIO_OK; /* absent or unreadable: simply no token */
    tok = trimmed_copy(data, len);
    explicit_bzero(data, len);
    free(data);
    if (tok == NULL)
        return fio_cred_seterr(err, FASTIO_NOMEM, "out of memory");
    if (tok[0] != '\0')
        ok = set_token(c, tok, FASTIO_TOKEN_SOURCE_LOCAL_KEY, path);
    fio_cred_wipe_free(tok);
    return ok ? FASTIO_OK : fio_cred_seterr(err, FASTIO_NOMEM, "out of memory");
}

FIO_ABI_FIRST(fastio_credentials_opts);

FASTIO_API void fastio_credentials_opts_init_sized(struct fastio_credentials_opts *o, size_t size)
{
    struct fastio_credentials_opts d;
    memset(&d, 0, sizeof(d));
    fio_abi_init(o, size, &d, sizeof(d));
}

FIO_ABI_FIRST(fastio_profile_tokens_config);

FASTIO_API void fastio_profile_tokens_config_init_sized(struct fastio_profile_tokens_config *cfg,
                                                        size_t size)
{
    struct fastio_profile_tokens_config d;
    memset(&d, 0, sizeof(d));
    fio_abi_init(cfg, size, &d, sizeof(d));
}

FASTIO_API enum fastio_status fastio_credentials_resolve(const struct fastio_credentials_opts *opts,
                                                         struct fastio_credentials *out,
                                                         struct fastio_error *err)
{
    struct fastio_credentials_opts full; /* the caller's struct at this library's size (D-005) */
    const struct fastio_credentials_opts *o = &full;
    char path[FIO_CRED_PATH_SZ];
    json_t *cfg = NULL;
    enum fastio_status st = FASTIO_OK;
    const char *dp, *env_prof, *env_base, *prof_base, *env_tok, *env_key;
    bool found = false;

    if (out == NULL)
        return fio_cred_seterr(err, FASTIO_INVALID, "bad arguments");
    memset(out, 0, sizeof(*out));
    fastio_credentials_opts_init(&full);
    if (opts != NULL && FIO_ABI_READ(&full, opts, "fastio_credentials_opts", err) != FASTIO_OK)
        return FASTIO_INVALID;
    if (fastio_cred_path(FASTIO_FILE_CONFIG, false, path, sizeof(path))) {
        st = fio_cred_load_json(path, false, o->flags, &cfg, NULL, err);
        if (st != FASTIO_OK)
            goto fail;
    }
    dp = json_string_value(json_object_get(cfg, "default_profile"));
    env_prof = getenv("FASTIO_PROFILE");
    out->profile = fio_strdup(o->profile != NULL                           ? o->profile
                              : env_prof != NULL && env_prof[0] != '\0' ? env_prof
                              : dp != NULL && dp[0] != '\0'             ? dp
                                                                         : "default");
    if (out->profile == NULL)
        goto oom;

    /* API base: explicit, FASTIO_API_BASE, the profile's api_base, the default */
    env_base = getenv("FASTIO_API_BASE");
    prof_base = profile_str(cfg, out->profile, "api_base");
    if (o->explicit_api_base != NULL) {
        out->api_base = fio_strdup(o->explicit_api_base);
        out->base_source = FASTIO_BASE_SOURCE_EXPLICIT;
    } else if (env_base != NULL && env_base[0] != '\0') {
        out->api_base = fio_strdup(env_base);
        out->base_source = FASTIO_BASE_SOURCE_ENV;
    } else if (prof_base != NULL) {
        out->api_base = fio_strdup(prof_base);
        out->base_source = FASTIO_BASE_SOURCE_PROFILE;
    } else {
        out->api_base =
            fio_strdup(o->default_api_base != NULL ? o->default_api_base : FASTIO_DEFAULT_BASE_URL);
        out->base_source = FASTIO_BASE_SOURCE_DEFAULT;
    }
    if (out->api_base == NULL)
        goto oom;

    /* token (api §2.6) */
    env_tok = getenv("FASTIO_TOKEN");
    env_key = getenv("FASTIO_API_KEY");
    if (o->explicit_token != NULL) {
        if (!set_token(out, o->explicit_token, FASTIO_TOKEN_SOURCE_EXPLICIT,
                       o->explicit_token_origin != NULL ? o->explicit_token_origin
                                                        : "explicit token"))
            goto oom;
    } else if (env_tok != NULL && env_tok[0] != '\0') {
        if (!set_token(out, env_tok, FASTIO_TOKEN_SOURCE_ENV_TOKEN, "FASTIO_TOKEN"))
            goto oom;
    } else if (env_key != NULL && env_key[0] != '\0') {
        if (!set_token(out, env_key, FASTIO_TOKEN_SOURCE_ENV_API_KEY, "FASTIO_API_KEY"))
            goto oom;
    } else {
        st = from_profile(o, out, &found, err);
        if (st != FASTIO_OK)
            goto fail;
        /* Nothing configured: the zero-setup path uses the key the local server wrote. */
        if (!found && (o->flags & FASTIO_CRED_USE_LOCAL_KEY) != 0) {
            st = from_local_key(out, err);
            if (st != FASTIO_OK)
                goto fail;
        }
    }
    json_decref(cfg);
    fastio_error_clear(err);
    return FASTIO_OK;
oom:
    st = fio_cred_seterr(err, FASTIO_NOMEM, "out of memory");
fail:
    json_decref(cfg);
    {
        unsigned keep = out->insecure_mode;
        fastio_credentials_release(out);
        out->insecure_mode = keep;
    }
    return st;
}

/* ---- the self-refreshing token of a stored PKCE profile ---------------------------------------- */

struct fastio_profile_tokens {
    pthread_mutex_t mu;
    /* immutable after creation */
    char *profile;
    char *base_url;
    char *ca_file; /* the refresh call's CA bundle (D-125); NULL = the system one */
    char *client_id;
    long skew_s;
    long lock_timeout_ms;
    fastio_log_fn log;
    void *log_userdata;
    struct {
        /* under mu */
        struct fastio_token_store *store;
        int64_t expires_at; /* of the store's access token; 0 = unknown */
        int lock_fd;        /* >= 0 while this object holds the credentials lock */
    } synced;
};

/* persist callback of the store: write the rotated tokens into the profile. Called under the
 * store's lock, from a provider call that holds mu. */
static enum fastio_status tokens_persist(void *userdata, const struct fastio_oauth_tokens *tok,
                                         int64_t expires_at, struct fastio_error *err)
{
    struct fastio_profile_tokens *t = userdata;
    bool mine = t->synced.lock_fd < 0;
    int fd = mine ? fastio_credentials_lock(t->lock_timeout_ms, err) : t->synced.lock_fd;
    enum fastio_status st;
    json_t *root = NULL, *profiles, *p;

    if (fd < 0)
        return err != NULL ? err->status : FASTIO_IO;
    st = fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, FASTIO_CRED_ALLOW_INSECURE, &root, NULL,
                               err);
    if (st != FASTIO_OK)
        goto out;
    st = FASTIO_NOMEM;
    profiles = json_object_get(root, "profiles");
    if (!json_is_object(profiles)) {
        profiles = json_object();
        if (profiles == NULL || json_object_set_new(root, "profiles", profiles) != 0)
            goto out;
    }
    p = json_object_get(profiles, t->profile);
    if (!json_is_object(p)) {
        p = json_pack("{s:s}", "auth_method", "pkce");
        if (p == NULL || json_object_set_new(profiles, t->profile, p) != 0)
            goto out;
    }
    if (json_object_set_new(p, "token", json_string(tok->access_token)) != 0 ||
        (tok->refresh_token != NULL &&
         json_object_set_new(p, "refresh_token", json_string(tok->refresh_token)) != 0) ||
        (expires_at > 0 && json_object_set_new(p, "expires_at", json_integer(expires_at)) != 0))
        goto out;
    st = fastio_cred_file_save(FASTIO_FILE_CREDENTIALS, root, err);
    if (st == FASTIO_OK)
        t->synced.expires_at = expires_at;
out:
    if (st != FASTIO_OK)
        (void)fio_cred_seterr(err, st, "cannot save the refreshed tokens in credentials.json");
    json_decref(root);
    if (mine)
        fastio_credentials_unlock(fd);
    return st;
}

static struct fastio_token_store *store_new(struct fastio_profile_tokens *t, const char *access,
                                            const char *refresh, int64_t expires_at,
                                            struct fastio_error *err)
{
    struct fastio_token_store_config sc;
    fastio_token_store_config_init(&sc);
    sc.base_url = t->base_url;
    sc.client_id = t->client_id;
    sc.access_token = access;
    sc.refresh_token = refresh;
    sc.expires_at = expires_at;
    sc.refresh_skew_s = t->skew_s;
    sc.persist = tokens_persist;
    sc.persist_userdata = t;
    sc.log = t->log;
    sc.log_userdata = t->log_userdata;
    sc.ca_file = t->ca_file;
    return fastio_token_store_new(&sc, err);
}

FASTIO_API void fastio_profile_tokens_free(struct fastio_profile_tokens *t)
{
    if (t == NULL)
        return;
    fastio_token_store_free(t->synced.store);
    pthread_mutex_destroy(&t->mu);
    free(t->profile);
    free(t->base_url);
    free(t->client_id);
    free(t->ca_file);
    free(t);
}

FASTIO_API struct fastio_profile_tokens *
fastio_profile_tokens_new(const struct fastio_profile_tokens_config *cfg,
                          struct fastio_error *err)
{
    struct fastio_profile_tokens *t;
    struct fastio_profile_tokens_config full; /* the caller's struct at this library's size */
    if (cfg != NULL) {
        fastio_profile_tokens_config_init(&full);
        if (FIO_ABI_READ(&full, cfg, "fastio_profile_tokens_config", err) != FASTIO_OK)
            return NULL;
        cfg = &full;
    }
    if (cfg == NULL || cfg->profile == NULL || cfg->client_id == NULL ||
        cfg->refresh_token == NULL || cfg->refresh_token[0] == '\0' || cfg->refresh_skew_s < 0 ||
        cfg->lock_timeout_ms < 0) {
        (void)fio_error_set(err, FASTIO_INVALID,
                            "a profile token needs a profile, a client_id and a refresh token");
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        (void)fio_error_set(err, FASTIO_NOMEM, "out of memory");
        return NULL;
    }
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        (void)fio_error_set(err, FASTIO_NOMEM, "cannot create a mutex");
        return NULL;
    }
    t->synced.lock_fd = -1;
    t->skew_s = cfg->refresh_skew_s > 0 ? cfg->refresh_skew_s : DEFAULT_SKEW_S;
    t->lock_timeout_ms = cfg->lock_timeout_ms > 0 ? cfg->lock_timeout_ms : FIO_CRED_LOCK_WAIT_MS;
    t->log = cfg->log;
    t->log_userdata = cfg->log_userdata;
    t->synced.expires_at = cfg->expires_at;
    t->profile = fio_strdup(cfg->profile);
    t->client_id = fio_strdup(cfg->client_id);
    t->base_url = cfg->base_url != NULL ? fio_strdup(cfg->base_url) : NULL;
    t->ca_file = cfg->ca_file != NULL ? fio_strdup(cfg->ca_file) : NULL;
    if (t->profile == NULL || t->client_id == NULL ||
        (cfg->base_url != NULL && t->base_url == NULL) ||
        (cfg->ca_file != NULL && t->ca_file == NULL)) {
        (void)fio_error_set(err, FASTIO_NOMEM, "out of memory");
        fastio_profile_tokens_free(t);
        return NULL;
    }
    t->synced.store = store_new(t, cfg->access_token, cfg->refresh_token, cfg->expires_at, err);
    if (t->synced.store == NULL) {
        fastio_profile_tokens_free(t);
        return NULL;
    }
    fastio_error_clear(err);
    return t;
}

static bool due(const struct fastio_profile_tokens *t)
{
    return t->synced.expires_at > 0 &&
           t->synced.expires_at - (int64_t)time(NULL) <= (int64_t)t->skew_s;
}

/* Under the credentials lock: adopt tokens another process rotated. */
static void adopt_from_file(struct fastio_profile_tokens *t, const char *cur_refresh)
{
    json_t *root = NULL, *p;
    const char *ft, *fr;
    json_t *fe;
    int64_t fexp;
    struct fastio_error e2;
    struct fastio_token_store *ns;

    if (fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, FASTIO_CRED_ALLOW_INSECURE, &root, NULL,
                              &e2) != FASTIO_OK)
        return;
    p = json_object_get(json_object_get(root, "profiles"), t->profile);
    ft = json_string_value(json_object_get(p, "token"));
    fr = json_string_value(json_object_get(p, "refresh_token"));
    fe = json_object_get(p, "expires_at");
    fexp = json_is_integer(fe) ? (int64_t)json_integer_value(fe) : 0;
    /* A different refresh token in the file means another process rotated ours: ours is spent
     * (using it would revoke the session), so adopt the file's. The store then refreshes again
     * only if the adopted token is due or was rejected. */
    if (ft != NULL && fr != NULL && (cur_refresh == NULL || strcmp(fr, cur_refresh) != 0)) {
        ns = store_new(t, ft, fr, fexp, &e2);
        if (ns != NULL) {
            fastio_token_store_free(t->synced.store);
            t->synced.store = ns;
            t->synced.expires_at = fexp;
        }
    }
    json_decref(root);
}

FASTIO_API enum fastio_status fastio_profile_tokens_provider(void *userdata, const char *rejected,
                                                             char *buf, size_t size,
                                                             struct fastio_error *err)
{
    struct fastio_profile_tokens *t = userdata;
    struct fastio_oauth_tokens cur;
    enum fastio_status st;

    if (t == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no profile token");
    pthread_mutex_lock(&t->mu);
    if (rejected == NULL && !due(t)) {
        st = fastio_token_store_provider(t->synced.store, NULL, buf, size, err);
        pthread_mutex_unlock(&t->mu);
        return st;
    }
    st = fastio_token_store_snapshot(t->synced.store, &cur, err);
    if (st != FASTIO_OK) {
        pthread_mutex_unlock(&t->mu);
        return st;
    }
    /* Another process may have refreshed already: look at the file under the lock. When the
     * lock cannot be had, go on without it (persist then tries again and reports). */
    t->synced.lock_fd = fastio_credentials_lock(t->lock_timeout_ms, NULL);
    if (t->synced.lock_fd >= 0)
        adopt_from_file(t, cur.refresh_token);
    st = fastio_token_store_provider(t->synced.store, rejected, buf, size, err);
    fastio_credentials_unlock(t->synced.lock_fd);
    t->synced.lock_fd = -1;
    fastio_oauth_tokens_release(&cur);
    pthread_mutex_unlock(&t->mu);
    return st;
}

FASTIO_API enum fastio_status fastio_profile_tokens_snapshot(struct fastio_profile_tokens *t,
                                                             struct fastio_oauth_tokens *out,
                                                             struct fastio_error *err)
{
    enum fastio_status st;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (t == NULL || out == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no profile token");
    pthread_mutex_lock(&t->mu);
    st = fastio_token_store_snapshot(t->synced.store, out, err);
    pthread_mutex_unlock(&t->mu);
    return st;
}
