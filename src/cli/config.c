/* config.c - where the CLI's settings and secrets come from and go to: the API base and token
 * precedence (api §2.6 plus the local server's owner key), and config.json / credentials.json
 * under $XDG_CONFIG_HOME/fastio-c, written atomically with mode 0600 in a 0700 directory. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "rand.h"

#define CONFIG_FILE_MAX ((size_t)1024 * 1024)
#define KEY_FILE_MAX 4096

/* ---- paths ----------------------------------------------------------------------------------- */

/* "$XDG_<x>_HOME/<rest>" or "$HOME/<fallback>/<rest>". */
static bool xdg_path(const char *env, const char *fallback, const char *rest, char *out,
                     size_t size)
{
    const char *base = getenv(env);
    int n;
    if (base && base[0] == '/') {
        n = snprintf(out, size, "%s/%s", base, rest);
    } else {
        const char *home = getenv("HOME");
        if (!home || home[0] != '/')
            return false;
        n = snprintf(out, size, "%s/%s/%s", home, fallback, rest);
    }
    return n > 0 && (size_t)n < size;
}

static bool config_dir(char *out, size_t size)
{
    return xdg_path("XDG_CONFIG_HOME", ".config", "fastio-c", out, size);
}

bool cli_credentials_path(char *out, size_t size)
{
    return xdg_path("XDG_CONFIG_HOME", ".config", "fastio-c/credentials.json", out, size);
}

bool cli_config_path(char *out, size_t size)
{
    return xdg_path("XDG_CONFIG_HOME", ".config", "fastio-c/config.json", out, size);
}

bool cli_local_key_path(char *out, size_t size)
{
    return xdg_path("XDG_DATA_HOME", ".local/share", "fastio-server/owner.key", out, size);
}

const char *cli_token_source_name(enum cli_token_source s)
{
    switch (s) {
    case TOK_NONE:
        return "none";
    case TOK_FLAG:
        return "flag";
    case TOK_ENV_TOKEN:
    case TOK_ENV_API_KEY:
        return "env";
    case TOK_PROFILE:
        return "profile";
    case TOK_LOCAL_KEY:
        return "local-server-key";
    }
    return "none";
}

/* ---- reading --------------------------------------------------------------------------------- */

/* Read a whole small file. Returns 1 with *data (owned) on success, 0 when it does not exist,
 * -1 on error (errno set; EFBIG when larger than max). *mode gets its permission bits. */
static int read_small_file(const char *path, size_t max, char **data, size_t *len, mode_t *mode)
{
    *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno ? errno : EINVAL;
        close(fd);
        errno = e;
        return -1;
    }
    if (mode)
        *mode = st.st_mode & 07777;
    struct fio_buf b;
    fio_buf_init(&b, max);
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            fio_buf_release(&b);
            close(fd);
            errno = e;
            return -1;
        }
        if (n == 0)
            break;
        if (!fio_buf_append(&b, chunk, (size_t)n)) {
            fio_buf_release(&b);
            close(fd);
            errno = EFBIG;
            return -1;
        }
    }
    close(fd);
    *len = b.len;
    *data = fio_buf_steal(&b);
    if (!*data) {
        errno = ENOMEM;
        return -1;
    }
    return 1;
}

/* Load a JSON object file. *out = new object ({} when the file is absent). CLI_OK / CLI_ERR. */
static int load_json(struct cli_ctx *ctx, const char *path, bool secret, json_t **out)
{
    char *data;
    size_t len = 0;
    mode_t mode = 0;
    *out = NULL;
    int r = read_small_file(path, CONFIG_FILE_MAX, &data, &len, &mode);
    if (r < 0) {
        cli_errorf(ctx, "cannot read %s: %s", path, strerror(errno));
        return CLI_ERR;
    }
    if (r == 0) {
        *out = json_object();
        if (!*out) {
            cli_errorf(ctx, "out of memory");
            return CLI_ERR;
        }
        return CLI_OK;
    }
    if (secret && (mode & 077))
        cli_note(ctx, "warning: %s is accessible by other users (mode %04o); run 'chmod 600 %s'",
                 path, (unsigned)mode, path);
    json_error_t jerr;
    json_t *j = json_loadb(data, len, 0, &jerr);
    free(data);
    if (!j || !json_is_object(j)) {
        cli_errorf(ctx, "%s is not a JSON object (%s); fix or remove it", path,
                   j ? "wrong type" : jerr.text);
        json_decref(j);
        return CLI_ERR;
    }
    *out = j;
    return CLI_OK;
}

static const char *profile_str(json_t *root, const char *profile, const char *key)
{
    json_t *p = json_object_get(json_object_get(root, "profiles"), profile);
    const char *v = json_string_value(json_object_get(p, key));
    return v && v[0] ? v : NULL;
}

static char *trimmed_copy(const char *s, size_t n)
{
    while (n && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return fio_slice_dup(fio_slice_make(s, n));
}

/* The local owner key is offered only to a server on this machine: a loopback http:// base
 * (127.0.0.0/8, localhost, [::1]) on any port. It is never sent anywhere else. */
static bool is_local_default(const char *base)
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

static int set_token(struct cli_ctx *ctx, const char *tok, enum cli_token_source src,
                     const char *origin)
{
    ctx->token = fio_strdup(tok);
    ctx->token_origin = fio_strdup(origin);
    ctx->token_source = src;
    if (!ctx->token || !ctx->token_origin) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    return CLI_OK;
}

/* ---- resolution ------------------------------------------------------------------------------ */

int cli_config_resolve(struct cli_ctx *ctx)
{
    char path[4096];
    json_t *cfg = NULL, *creds = NULL;
    int rc = CLI_ERR;

    if (cli_config_path(path, sizeof(path))) {
        if (load_json(ctx, path, false, &cfg) != CLI_OK)
            goto done;
    }
    const char *dp = json_string_value(json_object_get(cfg, "default_profile"));
    ctx->profile = fio_strdup(ctx->flag_profile ? ctx->flag_profile : dp && dp[0] ? dp : "default");
    if (!ctx->profile)
        goto oom;

    /* API base: --api-base, FASTIO_API_BASE, profile's api_base, the local server */
    const char *env_base = getenv("FASTIO_API_BASE");
    const char *prof_base = profile_str(cfg, ctx->profile, "api_base");
    if (ctx->flag_api_base) {
        ctx->api_base = fio_strdup(ctx->flag_api_base);
        ctx->base_source = BASE_FLAG;
    } else if (env_base && env_base[0]) {
        ctx->api_base = fio_strdup(env_base);
        ctx->base_source = BASE_ENV;
    } else if (prof_base) {
        ctx->api_base = fio_strdup(prof_base);
        ctx->base_source = BASE_PROFILE;
    } else {
        ctx->api_base = fio_strdup(CLI_LOCAL_BASE);
        ctx->base_source = BASE_DEFAULT;
    }
    if (!ctx->api_base)
        goto oom;

    /* token (api §2.6): --token, FASTIO_TOKEN, FASTIO_API_KEY, stored profile, local key */
    const char *env_tok = getenv("FASTIO_TOKEN");
    const char *env_key = getenv("FASTIO_API_KEY");
    if (ctx->flag_token) {
        rc = set_token(ctx, ctx->flag_token, TOK_FLAG, "--token");
        goto done;
    }
    if (env_tok && env_tok[0]) {
        rc = set_token(ctx, env_tok, TOK_ENV_TOKEN, "FASTIO_TOKEN");
        goto done;
    }
    if (env_key && env_key[0]) {
        rc = set_token(ctx, env_key, TOK_ENV_API_KEY, "FASTIO_API_KEY");
        goto done;
    }
    if (cli_credentials_path(path, sizeof(path))) {
        if (load_json(ctx, path, true, &creds) != CLI_OK)
            goto done;
        char origin[4200];
        snprintf(origin, sizeof(origin), "profile '%s' (%s)", ctx->profile, path);
        /* A stored API key is preferred over a JWT (api §2.6). */
        const char *key = profile_str(creds, ctx->profile, "api_key");
        const char *jwt = profile_str(creds, ctx->profile, "token");
        if (key) {
            const char *am = profile_str(creds, ctx->profile, "auth_method");
            if (am && !(ctx->auth_method = fio_strdup(am)))
                goto oom;
            rc = set_token(ctx, key, TOK_PROFILE, origin);
            goto done;
        }
        if (jwt) {
            json_t *p = json_object_get(json_object_get(creds, "profiles"), ctx->profile);
            json_t *exp = json_object_get(p, "expires_at");
            if (json_is_integer(exp))
                ctx->token_expires_at = json_integer_value(exp);
            const char *rt = profile_str(creds, ctx->profile, "refresh_token");
            const char *am = profile_str(creds, ctx->profile, "auth_method");
            if (am && !(ctx->auth_method = fio_strdup(am)))
                goto oom;
            if (rt) { /* a PKCE token is refreshed, never refused for its age */
                if (!(ctx->refresh_token = fio_strdup(rt)))
                    goto oom;
            } else if (ctx->token_expires_at > 0 &&
                       ctx->token_expires_at <= (long long)time(NULL)) {
                ctx->token_expired = true;
            }
            rc = set_token(ctx, jwt, TOK_PROFILE, origin);
            goto done;
        }
    }
    /* Nothing configured: the zero-setup path uses the key the local server wrote. */
    if (is_local_default(ctx->api_base) && cli_local_key_path(path, sizeof(path))) {
        char *data;
        size_t len = 0;
        int r = read_small_file(path, KEY_FILE_MAX, &data, &len, NULL);
        if (r > 0) {
            char *tok = trimmed_copy(data, len);
            explicit_bzero(data, len);
            free(data);
            if (!tok)
                goto oom;
            if (tok[0])
                rc = set_token(ctx, tok, TOK_LOCAL_KEY, path);
            else
                rc = CLI_OK;
            explicit_bzero(tok, strlen(tok));
            free(tok);
            goto done;
        }
    }
    rc = CLI_OK;
    goto done;
oom:
    cli_errorf(ctx, "out of memory");
    rc = CLI_ERR;
done:
    json_decref(cfg);
    json_decref(creds);
    return rc;
}

void cli_config_release(struct cli_ctx *ctx)
{
    if (ctx->token) {
        explicit_bzero(ctx->token, strlen(ctx->token));
        free(ctx->token);
    }
    cli_tokens_free(ctx->tokens);
    ctx->tokens = NULL;
    if (ctx->refresh_token) {
        explicit_bzero(ctx->refresh_token, strlen(ctx->refresh_token));
        free(ctx->refresh_token);
        ctx->refresh_token = NULL;
    }
    free(ctx->auth_method);
    ctx->auth_method = NULL;
    free(ctx->token_origin);
    free(ctx->api_base);
    free(ctx->profile);
    ctx->token = ctx->token_origin = ctx->api_base = ctx->profile = NULL;
}

/* ---- writing --------------------------------------------------------------------------------- */

/* mkdir -p; the last component is made 0700 (tightened when it already exists). */
static int ensure_dir(const char *dir)
{
    char tmp[4096];
    if (!fio_strlcpy(tmp, dir, sizeof(tmp))) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(tmp, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    if ((st.st_mode & 077) && st.st_uid == geteuid())
        (void)chmod(tmp, 0700); /* best effort: the files themselves are 0600 anyway */
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Write `doc` to dir/name atomically: a unique temp sibling (O_EXCL|O_NOFOLLOW, 0600), fsync,
 * rename over the target, fsync the directory. */
static int write_json_atomic(struct cli_ctx *ctx, const char *dir, const char *name, json_t *doc)
{
    char path[4096], tmp[4200];
    unsigned char rnd[8];
    char hex[17];
    int fd = -1;
    char *text = NULL;
    if (ensure_dir(dir) != 0) {
        cli_errorf(ctx, "cannot create %s: %s", dir, strerror(errno));
        return CLI_ERR;
    }
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path) || !fio_random_bytes(rnd, sizeof(rnd))) {
        cli_errorf(ctx, "cannot build a file name in %s", dir);
        return CLI_ERR;
    }
    fio_hex_encode(rnd, sizeof(rnd), hex);
    n = snprintf(tmp, sizeof(tmp), "%s.tmp-%s", path, hex);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        cli_errorf(ctx, "path too long: %s", path);
        return CLI_ERR;
    }
    text = json_dumps(doc, JSON_INDENT(2));
    if (!text) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        goto fail;
    if (write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    explicit_bzero(text, strlen(text));
    free(text);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0) {
            int e = errno;
            close(dfd);
            cli_errorf(ctx, "cannot sync %s: %s", dir, strerror(e));
            return CLI_ERR;
        }
        close(dfd);
    }
    return CLI_OK;
fail : {
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    explicit_bzero(text, strlen(text));
    free(text);
    cli_errorf(ctx, "cannot write %s: %s", path, strerror(e));
    return CLI_ERR;
}
}

/* Load file `name` from the config dir, set or delete profiles.<profile>[.<key>], write back. */
static int update_profiles(struct cli_ctx *ctx, const char *name, const char *profile,
                           const char *key, json_t *value)
{
    char dir[4096], path[4200];
    if (!config_dir(dir, sizeof(dir))) {
        cli_errorf(ctx, "cannot locate the configuration directory (set HOME or XDG_CONFIG_HOME)");
        return CLI_ERR;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    json_t *root;
    if (load_json(ctx, path, false, &root) != CLI_OK) /* no mode warning: rewritten 0600 */
        return CLI_ERR;
    int rc = CLI_ERR;
    json_t *profiles = json_object_get(root, "profiles");
    if (!json_is_object(profiles)) {
        profiles = json_object();
        if (!profiles || json_object_set_new(root, "profiles", profiles) != 0)
            goto oom;
    }
    if (!key) {
        if (value) {
            if (json_object_set(profiles, profile, value) != 0)
                goto oom;
        } else if (json_object_del(profiles, profile) != 0) {
            rc = CLI_OK; /* nothing stored: nothing to do */
            goto out;
        }
    } else {
        json_t *p = json_object_get(profiles, profile);
        if (!json_is_object(p)) {
            p = json_object();
            if (!p || json_object_set_new(profiles, profile, p) != 0)
                goto oom;
        }
        if (json_object_set(p, key, value) != 0)
            goto oom;
    }
    rc = write_json_atomic(ctx, dir, name, root);
    goto out;
oom:
    cli_errorf(ctx, "out of memory");
out:
    json_decref(root);
    return rc;
}

int cli_credentials_store(struct cli_ctx *ctx, const char *profile, json_t *creds)
{
    return update_profiles(ctx, "credentials.json", profile, NULL, creds);
}

int cli_config_set_api_base(struct cli_ctx *ctx, const char *profile, const char *api_base)
{
    json_t *v = json_string(api_base);
    if (!v) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    int rc = update_profiles(ctx, "config.json", profile, "api_base", v);
    json_decref(v);
    return rc;
}

/* ---- whole-file access and the cross-process lock ------------------------------------------- */

static int file_in_dir(struct cli_ctx *ctx, const char *name, char *dir, size_t dsize,
                       char *path, size_t psize)
{
    if (!config_dir(dir, dsize)) {
        cli_errorf(ctx, "cannot locate the configuration directory (set HOME or XDG_CONFIG_HOME)");
        return CLI_ERR;
    }
    int n = snprintf(path, psize, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= psize) {
        cli_errorf(ctx, "path too long: %s/%s", dir, name);
        return CLI_ERR;
    }
    return CLI_OK;
}

static int load_named(struct cli_ctx *ctx, const char *name, json_t **out)
{
    char dir[4096], path[4200];
    *out = NULL;
    if (file_in_dir(ctx, name, dir, sizeof(dir), path, sizeof(path)) != CLI_OK)
        return CLI_ERR;
    return load_json(ctx, path, false, out);
}

static int save_named(struct cli_ctx *ctx, const char *name, json_t *root)
{
    char dir[4096], path[4200];
    if (file_in_dir(ctx, name, dir, sizeof(dir), path, sizeof(path)) != CLI_OK)
        return CLI_ERR;
    return write_json_atomic(ctx, dir, name, root);
}

int cli_config_load(struct cli_ctx *ctx, json_t **out)
{
    return load_named(ctx, "config.json", out);
}

int cli_config_save(struct cli_ctx *ctx, json_t *root)
{
    return save_named(ctx, "config.json", root);
}

int cli_credentials_load_all(struct cli_ctx *ctx, json_t **out)
{
    return load_named(ctx, "credentials.json", out);
}

int cli_credentials_save_all(struct cli_ctx *ctx, json_t *root)
{
    return save_named(ctx, "credentials.json", root);
}

int cli_credentials_load(struct cli_ctx *ctx, const char *profile, json_t **out)
{
    json_t *root;
    *out = NULL;
    if (load_named(ctx, "credentials.json", &root) != CLI_OK)
        return CLI_ERR;
    json_t *p = json_object_get(json_object_get(root, "profiles"), profile);
    if (json_is_object(p)) {
        *out = json_deep_copy(p);
        if (!*out) {
            json_decref(root);
            cli_errorf(ctx, "out of memory");
            return CLI_ERR;
        }
    }
    json_decref(root);
    return CLI_OK;
}

int cli_credentials_lock(struct cli_ctx *ctx, long timeout_ms)
{
    char dir[4096], path[4200];
    if (file_in_dir(ctx, "credentials.json.lock", dir, sizeof(dir), path, sizeof(path)) != CLI_OK)
        return -1;
    if (ensure_dir(dir) != 0) {
        cli_errorf(ctx, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        cli_errorf(ctx, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    for (long waited = 0;; waited += 20) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno != EWOULDBLOCK && errno != EINTR)
            break;
        if (waited >= timeout_ms) {
            errno = ETIMEDOUT;
            break;
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int e = errno;
    close(fd);
    cli_errorf(ctx, "cannot lock %s: %s", path, strerror(e));
    return -1;
}

void cli_credentials_unlock(int fd)
{
    if (fd >= 0) {
        (void)flock(fd, LOCK_UN);
        close(fd);
    }
}
