/* SPDX-License-Identifier: MIT */
/* blob.c - what the byte store (blob.h) does with the metadata store: startup recovery (expire
 * sessions, prune unreferenced versions, sweep files no row references) and the reclaim of a
 * purge's contents. Backend independent: files are reached through s->blob only. */
#include "blob.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "store_node.h"
#include "store_backend.h"
#include "store_upload.h"

#define RECOVER_MAX_ENTRIES 1000000 /* bound of each list of version ids */

/* blob_keep_fn of the recovery sweeps: a version row keeps its content, a live session its
 * session file; a database error keeps the file too (the next start looks again). */
static bool content_referenced(struct server *s, const char *version_id, void *arg)
{
    struct store_conn *c = arg;
    (void)s;
    return STORE(c, node)->version_exists(c, version_id) != STORE_NOT_FOUND;
}

static bool session_live(struct server *s, const char *upload_id, void *arg)
{
    struct store_conn *c = arg;
    (void)s;
    return STORE(c, upload)->live(c, upload_id) != STORE_NOT_FOUND;
}

/* A completion killed between its move into place and its commit: make the content the
 * session's file again (store_upload_ops.reopen_assembling then reopens the session), so the
 * client's retried complete finishes it (I4). */
static void move_back(const char *upload_id, const char *version_id, void *arg)
{
    struct server *s = arg;
    if (blob_uncommit(s, version_id, upload_id) != 0)
        srv_log(s, SRV_LOG_WARN, "recovery: cannot move %s back to session %s: %s", version_id,
                upload_id, strerror(errno));
}

int64_t blob_space_avail(const struct server *s)
{
    struct statvfs v;
    if (!s->cfg.data_dir || statvfs(s->cfg.data_dir, &v) != 0)
        return -1;
    unsigned long long b = (unsigned long long)v.f_bavail * (unsigned long long)v.f_frsize;
    return b > (unsigned long long)INT64_MAX ? INT64_MAX : (int64_t)b;
}

int blob_recover(struct server *s)
{
    struct store_conn *c = store_acquire(s->store);
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
    long blobs = s->blob->sweep(s, BLOB_AREA_BLOBS, content_referenced, c);
    long tmps = s->blob->sweep(s, BLOB_AREA_TMP, session_live, c);
    if (blobs < 0 || tmps < 0)
        goto out;
    if (versions || blobs || tmps)
        srv_log(s, SRV_LOG_INFO,
                "recovery: removed %ld unreferenced versions, %ld blobs, %ld temporary files",
                versions, blobs, tmps);
    ret = 0;
out:
    store_release(s->store, c);
    return ret;
}

/* ---- reclaim at purge / trash empty / workspace delete ------------------------------------ */

int blob_reclaim_collect(struct req *r, enum blob_reclaim_scope scope, const char *id)
{
    char *txt = NULL;
    if (STORE(r->st, node)
            ->versions_collect(r->st, r->ws.id, (enum store_version_scope)scope, id, &txt) !=
        STORE_OK)
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

/* DATA/backup.lock taken exclusively without waiting: its descriptor (close() releases it), -2
 * when a backup holds it, -1 when it cannot be opened (then nothing stops the unlinks: a
 * backup cannot have taken it either). */
static int backup_lock_try(struct server *s)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/" BLOB_BACKUP_LOCK, s->cfg.data_dir);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return errno == EWOULDBLOCK ? -2 : -1;
    }
    return fd;
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
    /* A running `fastio-server backup` holds DATA/backup.lock shared from before its database
     * snapshot until its last blob is copied: the blobs of versions in that snapshot must stay.
     * Then the unlinks are left to the next start-up recovery, which removes blobs without a
     * version row (D-119). Held exclusively while unlinking, so a backup starting now waits
     * and takes its snapshot after these rows are gone. */
    int lock = backup_lock_try(r->srv);
    if (lock == -2) {
        if (n)
            srv_log(r->srv, SRV_LOG_INFO,
                    "reclaim: a backup is running; %zu blobs are left for the next start", n);
        json_decref(ids);
        return;
    }
    /* a version row that is gone never comes back (ids are never reused): once the transaction
     * has ended, a row that no longer exists means the blob is garbage, whether the handler's
     * transaction committed or not */
    for (size_t i = 0; i < n && i < RECOVER_MAX_ENTRIES; i++) {
        const char *vid = json_string_value(json_array_get(ids, i));
        if (vid && STORE(r->st, node)->version_exists(r->st, vid) == STORE_NOT_FOUND) {
            blob_remove(r->srv, vid);
            removed++;
        }
    }
    json_decref(ids);
    if (lock >= 0)
        close(lock); /* releases the flock */
    if (removed)
        srv_log(r->srv, SRV_LOG_INFO, "reclaim: removed %zu blobs", removed);
}
