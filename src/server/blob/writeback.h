/* SPDX-License-Identifier: MIT */
/* writeback.h - early write-out of upload data under --sync=complete.
 *
 * A completion's fdatasync of a large file took a third of the upload's time when every byte
 * was still dirty (docs/benchmarks.md). So each chunk, once written, is handed to one background
 * thread that starts its write-out to disk (sync_file_range) while the next chunks arrive; the
 * completion's fdatasync then finds little or nothing left to write. Durability is unchanged:
 * that fdatasync still runs and is still what the completion relies on; this is only earlier
 * scheduling of the same writes. HTTP workers never wait for the disk here: a full queue drops
 * the range (the completion writes it). Owned by the local byte store (blob_local.c: started by
 * blob_ops.start, fed by blob_ops.tmp_written on the worker that wrote the chunk). */
#ifndef SRV_WRITEBACK_H
#define SRV_WRITEBACK_H

#include <stdint.h>

struct writeback;

/* Start the thread. NULL when it cannot be started. */
struct writeback *writeback_start(void);
/* Queue [off, off+len) of fd (duplicated; the caller keeps its fd). Never blocks on the disk. */
void writeback_push(struct writeback *w, int fd, int64_t off, int64_t len);
/* Finish the queued ranges and stop the thread. NULL is allowed. */
void writeback_stop(struct writeback *w);

#endif
