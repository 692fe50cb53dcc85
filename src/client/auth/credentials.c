/* SPDX-License-Identifier: MIT */
/* credentials.c - settings and secrets of a fastio program (fastio/credentials.h): paths under
 * $XDG_CONFIG_HOME/fastio-c, config.json / credentials.json read with O_NOFOLLOW and written
 * atomically (0600 temp sibling, fsync, rename, fsync dir), the flock that serialises refreshes,
 * and profile updates. Token and API base resolution and the self-refreshing token of a stored
 * PKCE profile are in credentials_resolve.c. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "envelope.h"
#include "credentials_internal.h"
#include "fastio/credentials.h"
#include "rand.h"

#define FILE_MAX ((size_t)1024 * 1024)

enum fastio_status fio_cred_seterr(struct fastio_error *err, enum fastio_status st, const char *fmt,
                                   ...)
{
    char msg[sizeof(err->message)];
    va_list ap;
    if (err == NULL)
        return st;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fio_error_set(err, st, msg);
}

void fio_cred_wipe_free(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/* ---- paths ------------------------------------------------------------------------------------ */

/* "$XDG_<x>_HOME/<rest>" or "$HOME/<fallback>/<rest>". */
static bool xdg_path(const char *env, const char *fallback, const char *rest, char *out,
                     size_t size)
{
    const char *base = getenv(env);
    int n;
    if (base != NULL && base[0] == '/') {
        n = snprintf(out, size, "%s/%s", base, rest);
    } else {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] != '/')
            return false;
        n = snprintf(out, size, "%s/%s/%s", home, fallback, rest);
    }
    return n > 0 && (size_t)n < size;
}

FASTIO_API bool fastio_cred_path(enum fastio_cred_file which, bool dir_only, char *out,
                                 size_t size)
{
    if (out == NULL || size == 0)
        return false;
    if (dir_only)
        return xdg_path("XDG_CONFIG_HOME", ".config", "fastio-c", out, size);
    switch (which) {
    case FASTIO_FILE_CONFIG:
        return xdg_path("XDG_CONFIG_HOME", ".config", "fastio-c/config.json", out, size);
    case FASTIO_FILE_CREDENTIALS:
        return xdg_path("XDG_CONFIG_HOME", ".config", "fastio-c/credentials.json", out, size);
    case FASTIO_FILE_LOCK:
        return xdg_path("XDG_CONFIG_HOME", ".config", "fastio-c/credentials.json.lock", out,
                        size);
    case FASTIO_FILE_LOCAL_KEY:
        return xdg_path("XDG_DATA_HOME", ".local/share", "fastio-server/owner.key", out, size);
    }
    return false;
}

static const char *file_name(enum fastio_cred_file which)
{
    return which == FASTIO_FILE_CONFIG ? "config.json" : "credentials.json";
}

static enum fastio_status no_dir(struct fastio_error *err)
{
    return fio_cred_seterr(
        err, FASTIO_INVALID,
        "cannot locate the configuration directory (set HOME or XDG_CONFIG_HOME)");
}

/* ---- reading ---------------------------------------------------------------------------------- */

/* Read a whole small regular file (not through a symlink). 1 with *data (owned), 0 when it does
 * not exist, -1 on error (errno set; EFBIG when larger than max). *mode gets its permission bits. */
int fio_cred_read_small_file(const char *path, size_t max, char **data, size_t *len, mode_t *mode)
{
    struct stat st;
    struct fio_buf b;
    char chunk[4096];
    int fd;

    *data = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno != 0 ? errno : EINVAL;
        close(fd);
        errno = e;
        return -1;
    }
    if (mode != NULL)
        *mode = st.st_mode & 07777;
    fio_buf_init(&b, max);
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
            explicit_bzero(chunk, sizeof(chunk));
            errno = EFBIG;
            return -1;
        }
    }
    explicit_bzero(chunk, sizeof(chunk));
    close(fd);
    *len = b.len;
    *data = fio_buf_steal(&b);
    if (*data == NULL) {
        errno = ENOMEM;
        return -1;
    }
    return 1;
}

/* Load the JSON object at path ({} when absent). secret: apply the mode rule. */
enum fastio_status fio_cred_load_json(const char *path, bool secret, unsigned flags, json_t **out,
                                      unsigned *insecure_mode, struct fastio_error *err)
{
    char *data;
    size_t len = 0;
    mode_t mode = 0;
    json_error_t jerr;
    json_t *j;
    int r;

    *out = NULL;
    r = fio_cred_read_small_file(path, FILE_MAX, &data, &len, &mode);
    if (r < 0) {
        int e = errno;
        if (e == ELOOP)
            return fio_cred_seterr(err, FASTIO_IO,
                                   "cannot read %s: it is a symbolic link (refused)", path);
        return fio_cred_seterr(err,
                               e == ENOMEM  ? FASTIO_NOMEM
                               : e == EFBIG ? FASTIO_INVALID
                                            : FASTIO_IO,
                               "cannot read %s: %s", path, strerror(e));
    }
    if (r == 0) {
        *out = json_object();
        return *out != NULL ? FASTIO_OK : fio_cred_seterr(err, FASTIO_NOMEM, "out of memory");
    }
    if (secret && (mode & 077) != 0) {
        if (insecure_mode != NULL)
            *insecure_mode = (unsigned)mode;
        if ((flags & FASTIO_CRED_ALLOW_INSECURE) == 0) {
            explicit_bzero(data, len);
            free(data);
            return fio_cred_seterr(
                err, FASTIO_FORBIDDEN,
                "%s is accessible by other users (mode %04o); run 'chmod 600 %s'", path,
                (unsigned)mode, path);
        }
    }
    j = json_loadb(data, len, 0, &jerr);
    explicit_bzero(data, len);
    free(data);
    if (j == NULL || !json_is_object(j)) {
        enum fastio_status st =
            fio_cred_seterr(err, FASTIO_INVALID, "%s is not a JSON object (%s); fix or remove it",
                            path, j != NULL ? "wrong type" : jerr.text);
        json_decref(j);
        return st;
    }
    *out = j;
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_cred_file_load(enum fastio_cred_file which, unsigned flags,
                                                    json_t **out, unsigned *insecure_mode,
                                                    struct fastio_error *err)
{
    char path[FIO_CRED_PATH_SZ];
    enum fastio_status st;
    json_t *tmp = NULL;
    if (insecure_mode != NULL)
        *insecure_mode = 0;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || (which != FASTIO_FILE_CONFIG && which != FASTIO_FILE_CREDENTIALS))
        return fio_cred_seterr(err, FASTIO_INVALID, "bad arguments");
    if (!fastio_cred_path(which, false, path, sizeof(path)))
        return no_dir(err);
    st =
        fio_cred_load_json(path, which == FASTIO_FILE_CREDENTIALS, flags, &tmp, insecure_mode, err);
    if (st == FASTIO_OK) {
        *out = tmp;
        fastio_error_clear(err);
    }
    return st;
}

/* ---- writing ---------------------------------------------------------------------------------- */

/* mkdir -p; the last component is made 0700 (tightened when it already exists and is ours). */
static int ensure_dir(const char *dir)
{
    char tmp[FIO_CRED_PATH_SZ];
    struct stat st;
    if (!fio_strlcpy(tmp, dir, sizeof(tmp))) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    if (stat(tmp, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    if ((st.st_mode & 077) != 0 && st.st_uid == geteuid())
        (void)chmod(tmp, 0700); /* best effort: the files themselves are 0600 anyway */
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
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

/* Write doc to dir/name atomically (see the header). */
static enum fastio_status write_json_atomic(const char *dir, const char *name, json_t *doc,
                                            struct fastio_error *err)
{
    char path[FIO_CRED_PATH_SZ], tmp[FIO_CRED_PATH_SZ + 64];
    unsigned char rnd[8];
    char hex[17];
    int fd = -1, n, e, dfd;
    char *text;

    if (ensure_dir(dir) != 0)
        return fio_cred_seterr(err, FASTIO_IO, "cannot create %s: %s", dir, strerror(errno));
    n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path) || !fio_random_bytes(rnd, sizeof(rnd)))
        return fio_cred_seterr(err, FASTIO_IO, "cannot build a file name in %s", dir);
    fio_hex_encode(rnd, sizeof(rnd), hex);
    n = snprintf(tmp, sizeof(tmp), "%s.tmp-%s", path, hex);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return fio_cred_seterr(err, FASTIO_INVALID, "path too long: %s", path);
    text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL)
        return fio_cred_seterr(err, FASTIO_NOMEM, "out of memory");
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
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0) {
            e = errno;
            close(dfd);
            return fio_cred_seterr(err, FASTIO_IO, "cannot sync %s: %s", dir, strerror(e));
        }
        close(dfd);
    }
    return FASTIO_OK;
fail:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    explicit_bzero(text, strlen(text));
    free(text);
    return fio_cred_seterr(err, FASTIO_IO, "cannot write %s: %s", path, strerror(e));
}

FASTIO_API enum fastio_status fastio_cred_file_save(enum fastio_cred_file which, json_t *root,
                                                    struct fastio_error *err)
{
    char dir[FIO_CRED_PATH_SZ];
    enum fastio_status st;
    if (!json_is_object(root) || (which != FASTIO_FILE_CONFIG && which != FASTIO_FILE_CREDENTIALS))
        return fio_cred_seterr(err, FASTIO_INVALID, "bad arguments");
    if (!fastio_cred_path(which, true, dir, sizeof(dir)))
        return no_dir(err);
    st = write_json_atomic(dir, file_name(which), root, err);
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    return st;
}

/* ---- the lock --------------------------------------------------------------------------------- */

FASTIO_API int fastio_credentials_lock(long timeout_ms, struct fastio_error *err)
{
    char dir[FIO_CRED_PATH_SZ], path[FIO_CRED_PATH_SZ];
    int fd, e;
    if (!fastio_cred_path(FASTIO_FILE_LOCK, true, dir, sizeof(dir)) ||
        !fastio_cred_path(FASTIO_FILE_LOCK, false, path, sizeof(path))) {
        (void)no_dir(err);
        return -1;
    }
    if (ensure_dir(dir) != 0) {
        (void)fio_cred_seterr(err, FASTIO_IO, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        (void)fio_cred_seterr(err, FASTIO_IO, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    for (long waited = 0;; waited += 20) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            fastio_error_clear(err);
            return fd;
        }
        if (errno != EWOULDBLOCK && errno != EINTR)
            break;
        if (waited >= timeout_ms) {
            errno = ETIMEDOUT;
            break;
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    e = errno;
    close(fd);
    (void)fio_cred_seterr(err, e == ETIMEDOUT ? FASTIO_TIMEOUT : FASTIO_IO, "cannot lock %s: %s",
                          path, strerror(e));
    return -1;
}

FASTIO_API void fastio_credentials_unlock(int fd)
{
    if (fd >= 0) {
        (void)flock(fd, LOCK_UN);
        close(fd);
    }
}

/* ---- profile updates -------------------------------------------------------------------------- */

/* Load-change-save of one file; the caller holds the lock for credentials.json. */
static enum fastio_status update_unlocked(enum fastio_cred_file which, const char *profile,
                                          const char *key, json_t *value,
                                          struct fastio_error *err)
{
    json_t *root, *profiles, *p;
    enum fastio_status st = fastio_cred_file_load(which, FASTIO_CRED_ALLOW_INSECURE, &root, NULL,
                                                  err); /* rewritten 0600 anyway */
    if (st != FASTIO_OK)
        return st;
    profiles = json_object_get(root, "profiles");
    if (!json_is_object(profiles)) {
        profiles = json_object();
        if (profiles == NULL || json_object_set_new(root, "profiles", profiles) != 0)
            goto oom;
    }
    if (key == NULL) {
        if (value != NULL) {
            if (json_object_set(profiles, profile, value) != 0)
                goto oom;
        } else if (json_object_del(profiles, profile) != 0) {
            json_decref(root); /* nothing stored: nothing to do */
            fastio_error_clear(err);
            return FASTIO_OK;
        }
    } else {
        p = json_object_get(profiles, profile);
        if (!json_is_object(p)) {
            p = json_object();
            if (p == NULL || json_object_set_new(profiles, profile, p) != 0)
                goto oom;
        }
        if (value == NULL)
            (void)json_object_del(p, key); /* absent already: nothing to delete */
        else if (json_object_set(p, key, value) != 0)
            goto oom;
    }
    st = fastio_cred_file_save(which, root, err);
    json_decref(root);
    return st;
oom:
    json_decref(root);
    return fio_cred_seterr(err, FASTIO_NOMEM, "out of memory");
}

FASTIO_API enum fastio_status fastio_cred_profile_update(enum fastio_cred_file which,
                                                         const char *profile, const char *key,
                                                         json_t *value, struct fastio_error *err)
{
    enum fastio_status st;
    int lk;
    if (profile == NULL || (which != FASTIO_FILE_CONFIG && which != FASTIO_FILE_CREDENTIALS) ||
        (value != NULL && key == NULL && !json_is_object(value)))
        return fio_cred_seterr(err, FASTIO_INVALID, "bad arguments");
    if (which == FASTIO_FILE_CONFIG)
        return update_unlocked(which, profile, key, value, err);
    lk = fastio_credentials_lock(FIO_CRED_LOCK_WAIT_MS, err);
    if (lk < 0)
        return err != NULL ? err->status : FASTIO_IO;
    st = update_unlocked(which, profile, key, value, err);
    fastio_credentials_unlock(lk);
    return st;
}
