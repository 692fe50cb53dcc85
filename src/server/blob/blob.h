/* blob.h - the byte store of fastio-server on the local disk (reliability.md "Durability"):
 *   DATA/tmp/<upload id>    the preallocated file an upload session writes at final offsets
 *   DATA/blobs/<version id> one immutable file content, renamed there when an upload completes
 * Paths are built from validated ids only ([a-z0-9]), never from user names. Commit protocol of
 * a completion: fdatasync the file (unless --sync=none) -> rename into blobs/ -> fsync blobs/ ->
 * then the caller commits the row naming it. Startup recovery removes what no row references. */
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

/* The path of a temporary upload file / a blob. false when the id is not [a-z0-9]{1,40} or the
 * path does not fit. */
bool blob_tmp_path(const struct server *s, const char *upload_id, char out[BLOB_PATH_MAX]);
bool blob_path(const struct server *s, const char *version_id, char out[BLOB_PATH_MAX]);

/* Create DATA/tmp/<upload id> (0600, must not exist) and reserve `size` bytes with fallocate
 * (size 0 or -1: nothing reserved). 0, or -1 with errno set (ENOSPC when the disk is full). */
int blob_tmp_create(const struct server *s, const char *upload_id, int64_t size);
/* Open the temporary file for writing. fd or -1. */
int blob_tmp_open(const struct server *s, const char *upload_id);
/* pwrite all n bytes at off (retrying short writes and EINTR, bounded). 0 or -1. */
int blob_pwrite_all(int fd, const void *data, size_t n, int64_t off);
/* Give the temporary file its final length (a preallocation may have made it longer). */
int blob_tmp_truncate(const struct server *s, const char *upload_id, int64_t size);
/* Commit protocol above: sync per policy, rename tmp/<upload id> to blobs/<version id>, fsync
 * blobs/. 0 or -1 (the temporary file is left in place on failure). */
int blob_commit(const struct server *s, const char *upload_id, const char *version_id);
/* The same in two steps for many files (batch upload): sync + rename without the directory
 * fsync (sync_dir false), then one blob_sync_blobs_dir for all. 0 or -1 (errno set). */
int blob_commit_ex(const struct server *s, const char *upload_id, const char *version_id,
                   bool sync_dir);
int blob_sync_blobs_dir(const struct server *s);
/* Remove a temporary file / a blob; missing files are not an error. */
void blob_tmp_remove(const struct server *s, const char *upload_id);
void blob_remove(const struct server *s, const char *version_id);
/* Open a blob for reading; fills *size. fd or -1. */
int blob_open(const struct server *s, const char *version_id, int64_t *size);

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
enum blob_reclaim_scope {
    BLOB_RECLAIM_SUBTREE = 0,   /* node id and everything below it */
    BLOB_RECLAIM_TRASH = 1,     /* every trashed subtree of r->ws (id NULL) */
    BLOB_RECLAIM_WORKSPACE = 2, /* every node of r->ws (id NULL) */
};
int blob_reclaim_collect(struct req *r, enum blob_reclaim_scope scope, const char *id);
int blob_reclaim_prune(struct req *r);
void blob_reclaim_run(struct req *r);

#endif
