/* blob.c - the local-disk byte store (blob.h): temporary upload files written at final offsets,
 * the commit protocol that turns one into an immutable blob, and startup recovery. */
#include "blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_node.h"
#include "store_upload.h"

#define RECOVER_MAX_ENTRIES 1000000 /* bound of each directory walk */

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

bool blob_tmp_path(const struct server *s, const char *upload_id, char out[BLOB_PATH_MAX])
{
    return make_path(s, "tmp", upload_id, out);
}

bool blob_path(const struct server *s, const char *version_id, char out[BLOB_PATH_MAX])
{
    return make_path(s, "blobs", version_id, out);
}

int blob_tmp_create(const struct server *s, const char *upload_id, int64_t size)
{
    char p[BLOB_PATH_MAX];
    if (!blob_tmp_path(s, upload_id, p)) {
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

int blob_tmp_open(const struct server *s, const char *upload_id)
{
    char p[BLOB_PATH_MAX];
    if (!blob_tmp_path(s, upload_id, p)) {
        errno = EINVAL;
        return -1;
    }
    return open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
}

int blob_pwrite_all(int fd, const void *data, size_t n, int64_t off)
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

int blob_tmp_truncate(const struct server *s, const char *upload_id, int64_t size)
{
    char p[BLOB_PATH_MAX];
    if (!blob_tmp_path(s, upload_id, p))
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

int blob_commit_ex(const struct server *s, const char *upload_id, const char *version_id,
                   bool sync_dir)
{
    char from[BLOB_PATH_MAX], to[BLOB_PATH_MAX];
    if (!blob_tmp_path(s, upload_id, from) || !blob_path(s, version_id, to)) {
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
    return sync_dir ? blob_sync_blobs_dir(s) : 0;
}

int blob_sync_blobs_dir(const struct server *s)
{
    char dir[BLOB_PATH_MAX];
    if (s->cfg.sync_policy == BLOB_SYNC_NONE)
        return 0;
    snprintf(dir, sizeof(dir), "%s/blobs", s->cfg.data_dir);
    return fsync_dir(dir);
}

int blob_commit(const struct server *s, const char *upload_id, const char *version_id)
{
    return blob_commit_ex(s, upload_id, version_id, true);
}

void blob_tmp_remove(const struct server *s, const char *upload_id)
{
    char p[BLOB_PATH_MAX];
    if (blob_tmp_path(s, upload_id, p))
        unlink(p);
}

void blob_remove(const struct server *s, const char *version_id)
{
    char p[BLOB_PATH_MAX];
    if (blob_path(s, version_id, p))
        unlink(p);
}

int blob_open(const struct server *s, const char *version_id, int64_t *size)
{
    char p[BLOB_PATH_MAX];
    if (!blob_path(s, version_id, p))
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

/* Which rows keep a file of DATA/<sub>: a version row keeps its blob, a live session its
 * temporary file. */
enum sweep_kind { SWEEP_BLOBS, SWEEP_TMP };

/* 1 when a row keeps the file named id, 0 when not, -1 on error. */
static int row_exists(struct store_conn *c, enum sweep_kind kind, const char *id)
{
    enum store_rc rc = kind == SWEEP_BLOBS ? STORE(c, node)->version_exists(c, id)
                                           : STORE(c, upload)->live(c, id);
    return rc == STORE_OK ? 1 : rc == STORE_NOT_FOUND ? 0 : -1;
}

/* Remove the files of DATA/<sub> whose name no row matches. */
static long sweep(struct server *s, struct store_conn *c, const char *sub, enum sweep_kind kind)
{
    char dir[BLOB_PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/%s", s->cfg.data_dir, sub);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long removed = 0;
    struct dirent *e;
    for (long k = 0; k < RECOVER_MAX_ENTRIES && (e = readdir(d)) != NULL; k++) {
        if (e->d_name[0] == '.')
            continue;
        int rc = id_ok(e->d_name) ? row_exists(c, kind, e->d_name) : 0;
        if (rc == 0) {
            char p[BLOB_PATH_MAX];
            int n = snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            if (n > 0 && n < (int)sizeof(p) && unlinkat(dirfd(d), e->d_name, 0) == 0)
                removed++;
        }
    }
    closedir(d);
    return removed;
}

/* A completion killed between its rename and its commit: move the blob back to the session's
 * temporary file (store_upload_ops.reopen_assembling then reopens the session), so the
 * client's retried complete finishes it (I4). */
static void move_back(const char *upload_id, const char *version_id, void *arg)
{
    struct server *s = arg;
    char tmp[BLOB_PATH_MAX], blob[BLOB_PATH_MAX];
    struct stat sb;
    if (blob_tmp_path(s, upload_id, tmp) && blob_path(s, version_id, blob) &&
        stat(tmp, &sb) != 0 && stat(blob, &sb) == 0 && rename(blob, tmp) != 0)
        srv_log(s, SRV_LOG_WARN, "recovery: cannot move %s back: %s", blob, strerror(errno));
}

int blob_recover(struct server *s)
{
    struct db_conn *dc = db_acquire(s->db);
    struct store_conn *c = &dc->base;
    int ret = -1;
    int64_t now = srv_now_us();
    long versions = 0;
    if (store_begin(c) != STORE_OK)
        goto out;
    /* abandoned sessions expire; finished ones are kept until they expire for their details */
    if (STORE(c, upload)->reopen_assembling(c, 10000, move_back, s) != STORE_OK ||
        STORE(c, upload)->expire(c, now) != STORE_OK ||
        STORE(c, node)->read_tokens_expire(c, now) != STORE_OK ||
        STORE(c, node)->versions_prune_all(c, &versions) != STORE_OK) {
        store_rollback(c);
        goto out;
    }
    if (store_commit(c) != STORE_OK) {
        store_rollback(c);
        goto out;
    }
    long blobs = sweep(s, c, "blobs", SWEEP_BLOBS);
    long tmps = sweep(s, c, "tmp", SWEEP_TMP);
    if (blobs < 0 || tmps < 0)
        goto out;
    if (versions || blobs || tmps)
        srv_log(s, SRV_LOG_INFO,
                "recovery: removed %ld unreferenced versions, %ld blobs, %ld temporary files",
                versions, blobs, tmps);
    ret = 0;
out:
    db_release(s->db, dc);
    return ret;
}

/* ---- reclaim at purge / trash empty / workspace delete ------------------------------------ */

int blob_reclaim_collect(struct req *r, enum blob_reclaim_scope scope, const char *id)
{
    char *txt = NULL;
    if (STORE(r->st, node)->versions_collect(r->st, r->ws.id, (enum store_version_scope)scope, id,
                                             &txt) != STORE_OK)
        return req_fail_internal(r, "reclaim collect");
    free(r->reclaim);
    r->reclaim = txt;
    return 0;
}

int blob_reclaim_prune(struct req *r)
{
    if (!r->reclaim)
        return 0;
    char *gone = NULL;
    enum store_rc rc =
        STORE(r->st, node)->versions_prune(r->st, r->reclaim, RECOVER_MAX_ENTRIES, &gone);
    free(r->reclaim);
    r->reclaim = gone; /* NULL on OOM: the blobs are left to the start-up sweep */
    if (rc != STORE_OK)
        return req_fail_internal(r, "reclaim prune");
    return 0;
}

void blob_reclaim_run(struct req *r)
{
    char *txt = r->reclaim;
    r->reclaim = NULL;
    if (!txt || !r->st || r->st->ops->in_txn(r->st)) {
        free(txt);
        return;
    }
    json_t *ids = json_loads(txt, 0, NULL);
    free(txt);
    size_t n = json_array_size(ids), removed = 0;
    /* a version row that is gone never comes back (ids are never reused): once the transaction
     * has ended, a row that no longer exists means the blob is garbage, whether the handler's
     * transaction committed or not */
    for (size_t i = 0; i < n && i < RECOVER_MAX_ENTRIES; i++) {
        const char *vid = json_string_value(json_array_get(ids, i));
        if (vid && row_exists(r->st, SWEEP_BLOBS, vid) == 0) {
            blob_remove(r->srv, vid);
            removed++;
        }
    }
    json_decref(ids);
    if (removed)
        srv_log(r->srv, SRV_LOG_INFO, "reclaim: removed %zu blobs", removed);
}
