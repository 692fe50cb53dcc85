/* SPDX-License-Identifier: MIT */
/* backup.c - the backup subcommand (backup.h, D-119). Order: take DATA/backup.lock shared (blob
 * reclaim then leaves blobs alone), snapshot the database, copy the blobs the snapshot names,
 * release the lock. Blobs are immutable and a version row commits only after its blob is in
 * place, so every blob the snapshot names exists and is complete while the lock is held. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "backup.h"
#include "blob.h"
#include "store_admin.h"
#include "timeutil.h"

struct copy_state {
    const char *src_dir; /* DATA/blobs */
    const char *dst_dir; /* DEST/blobs */
    long long files, bytes;
    int failed;
};

/* Copy src to a new file dst (0600), fdatasync'ed; want = the expected size. 0 or -1. */
static int copy_file(const char *src, const char *dst, long long want)
{
    int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) {
        fprintf(stderr, "fastio-server: backup: cannot read %s: %s\n", src, strerror(errno));
        return -1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (out < 0) {
        fprintf(stderr, "fastio-server: backup: cannot create %s: %s\n", dst, strerror(errno));
        close(in);
        return -1;
    }
    long long done = 0;
    int rc = 0;
    static char buf[1 << 20];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = -1;
                break;
            }
            off += w;
        }
        if (rc)
            break;
        done += n;
        if (done > want) /* a blob never grows: stop at once */
            break;
    }
    if (rc == 0 && done != want) {
        fprintf(stderr, "fastio-server: backup: %s has %lld bytes, its version says %lld\n", src,
                done, want);
        rc = -1;
    } else if (rc != 0)
        fprintf(stderr, "fastio-server: backup: copying %s: %s\n", src, strerror(errno));
    if (rc == 0 && fdatasync(out) != 0)
        rc = -1;
    close(in);
    if (close(out) != 0)
        rc = -1;
    return rc;
}

static int copy_blob(const char *id, int64_t size, void *arg)
{
    struct copy_state *cs = arg;
    /* ids are server-made (api OpaqueId): never a path, but checked anyway */
    if (!*id || strchr(id, '/') || id[0] == '.') {
        cs->failed++;
        return 0;
    }
    char src[4400], dst[4400];
    snprintf(src, sizeof(src), "%s/%s", cs->src_dir, id);
    snprintf(dst, sizeof(dst), "%s/%s", cs->dst_dir, id);
    if (copy_file(src, dst, size) != 0) {
        cs->failed++;
        return 0; /* go on: every failure is reported, the backup fails at the end */
    }
    cs->files++;
    cs->bytes += size;
    return 0;
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

/* dest: created 0700, or an existing empty directory. */
static int make_dest(const char *dest)
{
    if (mkdir(dest, 0700) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    char p[4200];
    snprintf(p, sizeof(p), "%s/meta.db", dest);
    struct stat st;
    if (stat(p, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    snprintf(p, sizeof(p), "%s/blobs", dest);
    if (stat(p, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    return 0;
}

int srv_backup(const struct srv_config *c, const struct store_backend_ops *backend,
               const char *dest)
{
    char p[4200], q[4200], err[512];
    int64_t t0 = fio_mono_us();
    snprintf(p, sizeof(p), "%s/meta.db", c->data_dir);
    struct stat st;
    if (stat(p, &st) != 0) {
        fprintf(stderr, "fastio-server: backup: no database at %s: %s (wrong --data?)\n", p,
                strerror(errno));
        return 1;
    }
    if (make_dest(dest) != 0) {
        fprintf(stderr,
                "fastio-server: backup: cannot use %s: %s (give a new or empty directory)\n",
                dest, strerror(errno));
        return 1;
    }
    snprintf(q, sizeof(q), "%s/blobs", dest);
    if (mkdir(q, 0700) != 0) {
        fprintf(stderr, "fastio-server: backup: cannot create %s: %s\n", q, strerror(errno));
        return 1;
    }
    /* 1. the lock: blob reclaim of the running server leaves blobs alone from now on */
    snprintf(q, sizeof(q), "%s/" BLOB_BACKUP_LOCK, c->data_dir);
    int lock = open(q, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_SH) != 0) {
        fprintf(stderr, "fastio-server: backup: cannot lock %s: %s\n", q, strerror(errno));
        if (lock >= 0)
            close(lock);
        return 1;
    }
    int ret = 1;
    struct store *live = NULL, *copy = NULL;
    /* 2. the database, one snapshot (the store's online backup) */
    live = store_open(backend, p, 1, err, sizeof(err));
    if (!live) {
        fprintf(stderr, "fastio-server: backup: %s\n", err);
        goto out;
    }
    snprintf(q, sizeof(q), "%s/meta.db", dest);
    struct store_conn *lc = store_acquire(live);
    enum store_rc rc = STORE(lc, admin)->backup(lc, q);
    if (rc != STORE_OK)
        fprintf(stderr, "fastio-server: backup: database copy failed: %s\n", store_errmsg(lc));
    store_release(live, lc);
    store_close(live);
    live = NULL;
    if (rc != STORE_OK)
        goto out;
    /* 3. the copy: open sessions dropped (their bytes are in DATA/tmp), then its blobs */
    copy = store_open(backend, q, 1, err, sizeof(err));
    if (!copy) {
        fprintf(stderr, "fastio-server: backup: the copy does not open: %s\n", err);
        goto out;
    }
    struct store_conn *cc = store_acquire(copy);
    char src_dir[4200], dst_dir[4200];
    snprintf(src_dir, sizeof(src_dir), "%s/blobs", c->data_dir);
    snprintf(dst_dir, sizeof(dst_dir), "%s/blobs", dest);
    struct copy_state cs = {.src_dir = src_dir, .dst_dir = dst_dir};
    rc = STORE(cc, admin)->drop_open_sessions(cc);
    if (rc == STORE_OK)
        rc = STORE(cc, admin)->each_version(cc, copy_blob, &cs);
    if (rc != STORE_OK)
        fprintf(stderr, "fastio-server: backup: reading the copy failed: %s\n", store_errmsg(cc));
    store_release(copy, cc);
    store_close(copy);
    copy = NULL;
    if (rc != STORE_OK || cs.failed) {
        if (cs.failed)
            fprintf(stderr, "fastio-server: backup: %d blobs could not be copied\n", cs.failed);
        goto out;
    }
    /* 4. owner.key (the local owner's key, for the CLI) and a manifest */
    snprintf(p, sizeof(p), "%s/owner.key", c->data_dir);
    snprintf(q, sizeof(q), "%s/owner.key", dest);
    if (stat(p, &st) == 0 && copy_file(p, q, (long long)st.st_size) != 0)
        goto out;
    char ts[40];
    fio_time_iso(fio_wall_us(), ts, sizeof(ts));
    json_t *man = json_pack("{s:s, s:s, s:I, s:I, s:s}", "created", ts, "data_dir", c->data_dir,
                            "blobs", (json_int_t)cs.files, "blob_bytes", (json_int_t)cs.bytes,
                            "restore", "fastio-server --data THIS_DIRECTORY (docs/server.md)");
    snprintf(q, sizeof(q), "%s/backup.json", dest);
    if (!man || json_dump_file(man, q, JSON_INDENT(2)) != 0) {
        json_decref(man);
        fprintf(stderr, "fastio-server: backup: cannot write %s\n", q);
        goto out;
    }
    json_decref(man);
    if (fsync_dir(dst_dir) != 0 || fsync_dir(dest) != 0) {
        fprintf(stderr, "fastio-server: backup: cannot sync %s: %s\n", dest, strerror(errno));
        goto out;
    }
    printf("fastio-server: backup of %s in %s: meta.db and %lld blobs (%lld bytes) in %.1f s\n",
           c->data_dir, dest, cs.files, cs.bytes, (double)(fio_mono_us() - t0) / 1e6);
    ret = 0;
out:
    store_close(live);
    store_close(copy);
    close(lock); /* releases the shared lock */
    return ret;
}
