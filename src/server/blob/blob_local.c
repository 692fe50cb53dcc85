/* SPDX-License-Identifier: MIT */
/* blob_local.c - the local-disk byte store (struct blob_ops, blob.h): upload session files
 * written at final offsets under DATA/tmp, the commit protocol that fsyncs and renames one into
 * DATA/blobs as an immutable content, and the recovery sweep of both directories. Paths are built
 * from validated ids only ([a-z0-9]{1,40}), never from user names. */
#include "blob.h"
#include "writeback.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SWEEP_MAX_ENTRIES 1000000 /* bound of each directory walk */

static bool id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
            return false;
    return true;
}

static bool make_path(const struct server *s, const char *sub, const char *id,
                      char out[BLOB_PATH_MAX])
{
    if (!id_ok(id))
        return false;
    int n = snprintf(out, BLOB_PATH_MAX, "%s/%s/%s", s->cfg.data_dir, sub, id);
    return n > 0 && n < BLOB_PATH_MAX;
}

static bool tmp_path(const struct server *s, const char *upload_id, char out[BLOB_PATH_MAX])
{
    return make_path(s, "tmp", upload_id, out);
}

static bool content_path(const struct server *s, const char *version_id, char out[BLOB_PATH_MAX])
{
    return make_path(s, "blobs", version_id, out);
}

static int l_tmp_create(const struct server *s, const char *upload_id, int64_t size)
{
    char p[BLOB_PATH_MAX];
    if (!tmp_path(s, upload_id, p)) {
        errno = EINVAL;
        return -1;
    }
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    if (size > 0) {
        int rc = posix_fallocate(fd, 0, (off_t)size);
        /* file systems without fallocate (EOPNOTSUPP/EINVAL) just skip the reservation */
        if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
            close(fd);
            unlink(p);
            errno = rc;
            return -1;
        }
    }
    if (close(fd) != 0) {
        unlink(p);
        return -1;
    }
    return 0;
}

static int l_tmp_open(const struct server *s, const char *upload_id)
{
    char p[BLOB_PATH_MAX];
    if (!tmp_path(s, upload_id, p)) {
        errno = EINVAL;
        return -1;
    }
    return open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
}

static int l_tmp_open_read(const struct server *s, const char *upload_id)
{
    char p[BLOB_PATH_MAX];
    if (!tmp_path(s, upload_id, p)) {
        errno = EINVAL;
        return -1;
    }
    return open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

static int l_write_at(int fd, const void *data, size_t n, int64_t off)
{
    const char *p = data;
    /* each round writes >= 1 byte or fails; EINTR retries are bounded too */
    for (int guard = 0; n > 0 && guard < 1000000; guard++) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return n == 0 ? 0 : -1;
}

static int l_tmp_truncate(const struct server *s, const char *upload_id, int64_t size)
{
    char p[BLOB_PATH_MAX];
    if (!tmp_path(s, upload_id, p))
        return -1;
    return truncate(p, (off_t)size);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int l_commit_sync(const struct server *s)
{
    char dir[BLOB_PATH_MAX];
    if (s->cfg.sync_policy == BLOB_SYNC_NONE)
        return 0;
    snprintf(dir, sizeof(dir), "%s/blobs", s->cfg.data_dir);
    return fsync_dir(dir);
}

static int l_commit(const struct server *s, const char *upload_id, const char *version_id,
                    bool sync_dir)
{
    char from[BLOB_PATH_MAX], to[BLOB_PATH_MAX];
    if (!tmp_path(s, upload_id, from) || !content_path(s, version_id, to)) {
        errno = EINVAL;
        return -1;
    }
    if (s->cfg.sync_policy != BLOB_SYNC_NONE) {
        int fd = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            return -1;
        /* after a failed fsync never retry: the kernel may have dropped the pages */
        int rc = fdatasync(fd);
        close(fd);
        if (rc != 0)
            return -1;
    }
    if (rename(from, to) != 0)
        return -1;
    return sync_dir ? l_commit_sync(s) : 0;
}

static int l_uncommit(const struct server *s, const char *version_id, const char *upload_id)
{
    char from[BLOB_PATH_MAX], to[BLOB_PATH_MAX];
    struct stat sb;
    if (!content_path(s, version_id, from) || !tmp_path(s, upload_id, to)) {
        errno = EINVAL;
        return -1;
    }
    /* a session file already there is newer than the content: keep it */
    if (stat(to, &sb) == 0 || stat(from, &sb) != 0)
        return 0;
    return rename(from, to);
}

static void l_tmp_remove(const struct server *s, const char *upload_id)
{
    char p[BLOB_PATH_MAX];
    if (tmp_path(s, upload_id, p))
        unlink(p);
}

static void l_remove(const struct server *s, const char *version_id)
{
    char p[BLOB_PATH_MAX];
    if (content_path(s, version_id, p))
        unlink(p);
}

static int l_open(const struct server *s, const char *version_id, int64_t *size)
{
    char p[BLOB_PATH_MAX];
    if (!content_path(s, version_id, p))
        return -1;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    *size = (int64_t)st.st_size;
    return fd;
}

static long l_sweep(struct server *s, enum blob_area area, blob_keep_fn keep, void *arg)
{
    char dir[BLOB_PATH_MAX];
    int n = snprintf(dir, sizeof(dir), "%s/%s", s->cfg.data_dir,
                     area == BLOB_AREA_TMP ? "tmp" : "blobs");
    if (n < 0 || (size_t)n >= sizeof(dir))
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long removed = 0;
    struct dirent *e;
    for (long k = 0; k < SWEEP_MAX_ENTRIES && (e = readdir(d)) != NULL; k++) {
        if (e->d_name[0] == '.')
            continue;
        /* a name that is not an id was never ours to keep */
        if (id_ok(e->d_name) && keep(s, e->d_name, arg))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

/* ---- write-out of received chunks ---- */

/* The local backend's state: the write-out thread, only under --sync=complete. */
struct blob_backend {
    struct writeback *wb;
};

static int l_start(struct server *s)
{
    if (s->cfg.sync_policy != BLOB_SYNC_COMPLETE)
        return 0; /* chunk syncs each chunk itself; none never writes out early */
    struct blob_backend *b = calloc(1, sizeof(*b));
    if (!b)
        return -1;
    b->wb = writeback_start();
    if (!b->wb) {
        free(b);
        return -1;
    }
    s->blob_state = b;
    return 0;
}

static void l_stop(struct server *s)
{
    if (!s->blob_state)
        return;
    writeback_stop(s->blob_state->wb); /* finishes the queued ranges first */
    free(s->blob_state);
    s->blob_state = NULL;
}

static int l_tmp_written(const struct server *s, int fd, int64_t off, int64_t len)
{
    if (s->cfg.sync_policy == BLOB_SYNC_CHUNK)
        return fdatasync(fd); /* the row must not name bytes that are not on disk */
    if (s->blob_state)
        writeback_push(s->blob_state->wb, fd, off, len); /* queues; never blocks on the disk */
    return 0;
}

const struct blob_ops blob_local_ops = {
    .name = "local",
    .tmp_create = l_tmp_create,
    .tmp_open = l_tmp_open,
    .tmp_open_read = l_tmp_open_read,
    .write_at = l_write_at,
    .tmp_truncate = l_tmp_truncate,
    .tmp_remove = l_tmp_remove,
    .commit = l_commit,
    .commit_sync = l_commit_sync,
    .uncommit = l_uncommit,
    .open = l_open,
    .remove = l_remove,
    .sweep = l_sweep,
    .start = l_start,
    .stop = l_stop,
    .tmp_written = l_tmp_written,
};
