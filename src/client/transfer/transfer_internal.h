/* SPDX-License-Identifier: MIT */
/* transfer_internal.h - the pure parts of the transfer engine, unit-tested on their own
 * (tests/unit/test_transfer.c): the chunk planner, the download-name sanitizer and the upload
 * journal. No curl, no event loop here. */
#ifndef FIO_TRANSFER_INTERNAL_H
#define FIO_TRANSFER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fastio/status.h"

#define FIO_XFER_MIB ((uint64_t)1024 * 1024)
/* api §5.1: chunks are at least 1 MB except the last one. */
#define FIO_XFER_MIN_CHUNK FIO_XFER_MIB
/* Smaller parts cost throughput (1 MiB parts: 3.4 vs 4.8 GB/s; docs/decisions.md D-024,
 * docs/benchmarks.md); larger ones
 * cost parallelism on mid-sized files and retry granularity. */
#define FIO_XFER_TARGET_CHUNK (8 * FIO_XFER_MIB)
/* api §5.1: single-request uploads up to 4 MiB. */
#define FIO_XFER_SINGLE_MAX (4 * FIO_XFER_MIB)

/* What GET /upload/limits/ says (api §5.8); 0 = unknown. */
struct fio_xfer_limits {
    uint64_t chunk_size_max; /* "chunk_size" */
    uint64_t chunks_max;     /* "chunks" */
    uint64_t file_size_max;  /* "size" */
    uint64_t chunk_size_min; /* "chunk_size_min" (this server's); 0 = 1 MiB (api §5.1) */
    bool trailing_hash;      /* "trailing_hash" (this project's server): a chunk's crc32c hash
                                and file_crc32c may follow its bytes as form fields */
};

/* Choose the chunk size of a session for a file of `size` bytes (> 0): `wanted` (0 = the
 * 8 MiB target), lowered to the server's maximum chunk size, raised (in whole MiB) as far as
 * needed to keep the session within the chunk-count cap, never below the minimum chunk size
 * (chunk_size_min, else 1 MiB). *chunk_size and
 * *n_chunks get the plan. TOO_LARGE when the file cannot fit (size over the limit, or over
 * chunk_size_max x chunks_max); INVALID for size 0. */
enum fastio_status fio_xfer_plan(uint64_t size, const struct fio_xfer_limits *lim,
                                 uint64_t wanted, uint64_t *chunk_size, uint32_t *n_chunks,
                                 struct fastio_error *err);

/* Turn a remote name into one safe local file-name component in out (size >= 16): never empty,
 * ".", ".." or hidden-dot traversal, no '/', '\\', ':' (drive letters), control characters,
 * bidirectional overrides or invalid UTF-8 (each replaced by '_'), fullwidth dots and slashes
 * treated like ASCII ones, leading dots and spaces and trailing dots and spaces removed, at most
 * 255 bytes (cut on a UTF-8 boundary). Falls back to "download". Percent escapes are left as
 * they are (they are plain characters in a local name). */
void fio_xfer_sanitize_name(const char *name, size_t len, char *out, size_t out_size);

/* ---- the upload journal (docs/decisions.md "Transfers") ------------------------------------ */

#define FIO_XFER_ID_MAX 128

struct fio_xfer_journal {
    char upload_id[FIO_XFER_ID_MAX];
    uint64_t size;
    int64_t mtime_ns;
    uint64_t chunk_size;
    uint32_t n_chunks;
    uint32_t *crc;   /* owned, n_chunks entries: CRC-32C of each chunk known done */
    bool *done;      /* owned, n_chunks entries */
};

void fio_xfer_journal_init(struct fio_xfer_journal *j);
void fio_xfer_journal_release(struct fio_xfer_journal *j);
/* Size the arrays for n chunks (all not done). false on OOM. */
bool fio_xfer_journal_alloc(struct fio_xfer_journal *j, uint32_t n);

/* The journal file of an upload: journal_dir/<sha256 of the identity>.json, where the identity
 * is the source's absolute path, the base URL, workspace, folder and name. OWNED (free()), NULL
 * on OOM. */
char *fio_xfer_journal_path(const char *journal_dir, const char *abs_path, const char *base_url,
                            const char *workspace, const char *folder, const char *name);

/* Write j atomically (a 0600 temporary sibling, then rename) to path. IO on failure. */
enum fastio_status fio_xfer_journal_save(const char *path, const struct fio_xfer_journal *j,
                                         struct fastio_error *err);
/* Read path into j (released first). NOT_FOUND when there is no journal; PROTOCOL when the file
 * is corrupt or inconsistent (bad JSON, version, sizes, chunk numbers or CRCs): the caller then
 * deletes it and starts over; IO, NOMEM. */
enum fastio_status fio_xfer_journal_load(const char *path, struct fio_xfer_journal *j,
                                         struct fastio_error *err);

/* Stored marker of one file of a multi-file run (issue 15 item 6a): written (fsync, then an
 * atomic rename) when the file is stored, read by a rerun that then skips the file; removed when
 * a run ends with every file stored. save: OK, IO or NOMEM. load: true when path holds a marker
 * for this size and mtime, its node id copied to node_id. */
enum fastio_status fio_xfer_marker_save(const char *path, uint64_t size, int64_t mtime_ns,
                                        const char *node_id);
bool fio_xfer_marker_load(const char *path, uint64_t size, int64_t mtime_ns, char *node_id,
                          size_t node_size);

#endif
