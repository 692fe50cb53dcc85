/* SPDX-License-Identifier: MIT */
/* blob.h - the byte store of fastio-server (reliability.md "Durability"), behind struct
 * blob_ops: upload session files written at final offsets and immutable stored contents.
 * Commit protocol of a completion: sync the session file (unless --sync=none) -> move it into
 * place -> make the move durable -> then the caller commits the row naming it. Startup recovery
 * (blob.c) removes what no row references; reclaim unlinks what a purge left unreferenced. */
#ifndef SRV_BLOB_H
#define SRV_BLOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "server.h"

/* --sync policy (srv_config.sync_policy). */
enum blob_sync {
    BLOB_SYNC_COMPLETE = 0, /* one fdatasync + directory fsync at completion (default) */
    BLOB_SYNC_CHUNK = 1,    /* also fdatasync every chunk before its row commits */
    BLOB_SYNC_NONE = 2,     /* never sync (tests, benchmarks; a killed process still loses
                             * nothing: the page cache survives it) */
};

#define BLOB_PATH_MAX 4200

/* The byte store as a table of operations, so that another one (an S3-compatible object store)
 * can replace the local disk without touching a handler (docs/reliability.md "Scale-out path").
 * A server's table is s->blob (main.c sets blob_local_ops). Handles are file descriptors: an
 * upload session's bytes are staged in a local file in any backend (chunks land at their final
 * offsets; a remote backend would upload it at commit), and a read handle is what downloads hand
 * to sendfile / pread. Ids are validated ([a-z0-9]{1,40}); nothing is ever named by a user name.
 * Unless said otherwise: 0, or -1 with errno set. */
enum blob_area {
    BLOB_AREA_TMP = 0,   /* upload session files, by upload id */
    BLOB_AREA_BLOBS = 1, /* stored contents, by version id */
};
/* Recovery sweep predicate: true keeps the file named id (false when no row references it). */
typedef bool (*blob_keep_fn)(struct server *s, const char *id, void *arg);

struct blob_ops {
    const char *name; /* "local" */
    /* ---- upload session files ---- */
    /* Create the session file (must not exist) and reserve `size` bytes (0 or -1: nothing
     * reserved); ENOSPC when the disk is full. */
    int (*tmp_create)(const struct server *s, const char *upload_id, int64_t size);
    /* A write handle on the session file: fd (owned: close()) or -1. */
    int (*tmp_open)(const struct server *s, const char *upload_id);
    /* A read handle on the session file (digests before completion): fd (owned) or -1. */
    int (*tmp_open_read)(const struct server *s, const char *upload_id);
    /* Write all n bytes at off through a write handle (short writes and EINTR retried,
     * bounded). */
    int (*write_at)(int fd, const void *data, size_t n, int64_t off);
    /* Give the session file its final length (a preallocation may have made it longer). */
    int (*tmp_truncate)(const struct server *s, const char *upload_id, int64_t size);
    /* Remove the session file; a missing file is not an error. */
    void (*tmp_remove)(const struct server *s, const char *upload_id);
    /* ---- the commit protocol (reliability.md "Durability") ---- */
    /* Make the session file the content of version_id: sync per --sync, move it into place and,
     * when sync_dir, make the move durable (else commit_sync later, once for many). The session
     * file is left in place on failure. */
    int (*commit)(const struct server *s, const char *upload_id, const char *version_id,
                  bool sync_dir);
    /* Make the moves of earlier commit(..., false) calls durable. */
    int (*commit_sync)(const struct server *s);
    /* Undo a commit whose row was not written: version_id's content becomes the session file
     * again, unless a session file already exists or the content is gone (then nothing is
     * done, and 0 is returned). */
    int (*uncommit)(const struct server *s, const char *version_id, const char *upload_id);
    /* ---- stored contents ---- */
    /* A read handle on version_id's content and its size: fd (owned) or -1. */
    int (*open)(const struct server *s, const char *version_id, int64_t *size);
    /* Remove a content; a missing one is not an error. */
    void (*remove)(const struct server *s, const char *version_id);
    /* ---- recovery ---- */
    /* Remove every file of `area` whose id keep() refuses (bounded walk). The number removed,
     * or -1 when the area cannot be listed. */
    long (*sweep)(struct server *s, enum blob_area area, blob_keep_fn keep, void *arg);
    /* ---- what the backend runs beside the server ---- */
    /* Set up the backend's own state in s->blob_state, per s->cfg (local: the write-out thread
     * of writeback.h under --sync=complete). Before the first tmp_written. */
    int (*start)(struct server *s);
    /* Stop and free s->blob_state; harmless when start was not called or failed. After the
     * last tmp_written (the HTTP daemon is stopped). */
    void (*stop)(struct server *s);
    /* [off, off+len) of the session file has just been written through write handle fd: make
     * it as durable as --sync asks of a chunk before its row commits (local: fdatasync under
     * --sync=chunk; under --sync=complete its write-out is started in the background, never
     * waiting for the disk, so the completion's fdatasync is short). Called on the HTTP worker
     * that wrote the chunk. */
    int (*tmp_written)(const struct server *s, int fd, int64_t off, int64_t len);
};

/* The local-disk backend (blob_local.c):
 *   DATA/tmp/<upload id>    the preallocated file an upload session writes at final offsets
 *   DATA/blobs/<version id> one immutable file content, renamed there when an upload completes */
extern const struct blob_ops blob_local_ops;

/* The calls of the handlers, through the server's table. */
static inline int blob_tmp_create(const struct server *s, const char *upload_id, int64_t size)
{
    return s->blob->tmp_create(s, upload_id, size);
}
static inline int blob_tmp_open(const struct server *s, const char *upload_id)
{
    return s->blob->tmp_open(s, upload_id);
}
static inline int blob_tmp_open_read(const struct server *s, const char *upload_id)
{
    return s->blob->tmp_open_read(s, upload_id);
}
static inline int blob_pwrite_all(const struct server *s, int fd, const void *data, size_t n,
                                  int64_t off)
{
    return s->blob->write_at(fd, data, n, off);
}
static inline int blob_tmp_truncate(const struct server *s, const char *upload_id, int64_t size)
{
    return s->blob->tmp_truncate(s, upload_id, size);
}
static inline void blob_tmp_remove(const struct server *s, const char *upload_id)
{
    s->blob->tmp_remove(s, upload_id);
}
/* Commit with the directory sync (one file), or without it for many followed by one
 * blob_sync_blobs_dir (batch upload). */
static inline int blob_commit(const struct server *s, const char *upload_id, const char *version_id)
{
    return s->blob->commit(s, upload_id, version_id, true);
}
static inline int blob_commit_ex(const struct server *s, const char *upload_id,
                                 const char *version_id, bool sync_dir)
{
    return s->blob->commit(s, upload_id, version_id, sync_dir);
}
static inline int blob_sync_blobs_dir(const struct server *s)
{
    return s->blob->commit_sync(s);
}
static inline int blob_uncommit(const struct server *s, const char *version_id,
                                const char *upload_id)
{
    return s->blob->uncommit(s, version_id, upload_id);
}
static inline int blob_open(const struct server *s, const char *version_id, int64_t *size)
{
    return s->blob->open(s, version_id, size);
}
static inline void blob_remove(const struct server *s, const char *version_id)
{
    s->blob->remove(s, version_id);
}
static inline int blob_start(struct server *s)
{
    return s->blob->start(s);
}
/* s->blob may be NULL: main.c's clean-up also runs when start-up failed before choosing it. */
static inline void blob_stop(struct server *s)
{
    if (s->blob)
        s->blob->stop(s);
}
static inline int blob_tmp_written(const struct server *s, int fd, int64_t off, int64_t len)
{
    return s->blob->tmp_written(s, fd, off, len);
}

/* Free bytes an unprivileged writer may still use on the file system of the data directory
 * (statvfs f_bavail), -1 when unknown. The disk reserve (--disk-reserve, D-080) compares it. */
int64_t blob_space_avail(const struct server *s);

/* Startup recovery (reliability.md I5): expire abandoned sessions, delete unreferenced version
 * rows, then remove blobs without a version row and temporary files without a live session.
 * Logs what it removed. 0 or -1. */
int blob_recover(struct server *s);

/* Reclaim at once (not at the next start) the blobs of a purge, a trash empty or a workspace
 * delete, with reference counting by rows (copies share version ids):
 *  1. before deleting the nodes, in the transaction: blob_reclaim_collect records in r->reclaim
 *     the versions the doomed nodes name (current and history);
 *  2. after deleting them, in the transaction: blob_reclaim_prune deletes the version rows
 *     nothing names any more and keeps their ids;
 *  3. once the transaction has ended: blob_reclaim_run (router.c) unlinks the blob of each id
 *     whose row is really gone (a rolled-back transaction leaves them all in place).
 * A crash between commit and unlink leaves files the start-up sweep removes. */
/* The lock file a backup holds shared while it copies (D-119); reclaim takes it exclusively. */
#define BLOB_BACKUP_LOCK "backup.lock"

enum blob_reclaim_scope {
    BLOB_RECLAIM_SUBTREE = 0,   /* node id and everything below it */
    BLOB_RECLAIM_TRASH = 1,     /* every trashed subtree of r->ws (id NULL) */
    BLOB_RECLAIM_WORKSPACE = 2, /* every node of r->ws (id NULL) */
};
int blob_reclaim_collect(struct req *r, enum blob_reclaim_scope scope, const char *id);
int blob_reclaim_prune(struct req *r);
void blob_reclaim_run(struct req *r);

#endif
