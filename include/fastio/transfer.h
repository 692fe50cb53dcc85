/* SPDX-License-Identifier: MIT */
/* fastio/transfer.h - the transfer engine of libfastio: uploads and downloads of file bytes,
 * concurrent (one curl multi event loop, reused connections), resumable (a small journal per
 * upload, a .partial file per download) and verified (CRC-32C per chunk and per file, api §5.4;
 * size and hash after a download, api §6).
 *
 * Use:
 *   struct fastio_transfer *t = fastio_transfer_new(client, &cfg, &err); // client outlives t
 *   fastio_transfer_add_upload(t, &up, &job, &err);      // any number of jobs
 *   fastio_transfer_add_download(t, &down, &job2, &err);
 *   st = fastio_transfer_run(t, &err);                   // blocks until all jobs end
 *   fastio_transfer_job_result(t, job, &node_id, &job_err);
 *   fastio_transfer_free(t);
 *
 * Threads: a transfer handle belongs to the thread that calls fastio_transfer_run(); only
 * fastio_transfer_cancel() may be called from another thread (or from the progress callback).
 * Every request, callback (progress, the client's log hook and token provider) and job state
 * change happens on that thread. The engine starts two helper threads of its own, lazily and
 * at most once each, joined by fastio_transfer_free(): a CRC helper (with the first chunked
 * upload whose chunk CRCs must be known before sending: hash_before_send, or a server without
 * trailing_hash) that reads the source files, and a download writer (when a download first has
 * received bytes to write) that writes them to the .partial files; neither sends requests nor
 * calls back into the application. If a thread cannot be started, the loop does its work. fastio_global_init() must have been
 * called.
 *
 * Memory: O(1) per file for uploads from files (each chunk is pread straight from the file in
 * curl's read callback; its CRC is computed in a pre-pass through one reused 1 MiB buffer);
 * downloads use one 1 MiB coalescing buffer per range in flight; stream uploads from pipes use
 * curl's own upload buffer. Memory never grows with file size. */
#ifndef FASTIO_TRANSFER_H
#define FASTIO_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fastio/export.h"
#include "fastio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Progress of the whole run, reported at most every progress_interval_ms and once at the end.
 * Bytes count payload bytes acknowledged or written (a resumed upload counts the chunks the
 * server already had as done). bytes_total is 0 while unknown (pipes, downloads before the
 * size is known). rate_bps is a moving average over about a second. */
struct fastio_transfer_progress {
    uint64_t bytes_done;
    uint64_t bytes_total;
    double rate_bps;
    size_t jobs_done;  /* finished, successfully or not */
    size_t jobs_total;
    /* Appended (docs/decisions.md D-005): the payload bytes this run moved itself, without
     * what a resumed upload or download found already done or a skipped file (issue 15 item
     * 6); rate_bps is computed from it. */
    uint64_t bytes_sent;
};
/* Called on the thread running fastio_transfer_run(). It may call fastio_transfer_cancel() and
 * fastio_transfer_job_progress(), nothing else of this handle. */
typedef void (*fastio_transfer_progress_fn)(void *userdata,
                                            const struct fastio_transfer_progress *p);

struct fastio_cancel; /* fastio/fastio.h: fastio_cancel_new(), fastio_cancel_trigger() */

struct fastio_client; /* fastio/fastio.h: base URL, token, log hook, User-Agent */

/* What only transfers need; where requests go and how they authenticate and log is the
 * client's (fastio_transfer_new). */
struct fastio_transfer_config {
    size_t struct_size; /* set by fastio_transfer_config_init(); ABI rule in fastio/fastio.h */
    /* Directory of upload journals (created 0700 if missing). NULL = no resume: an upload
     * started again starts a new session. See docs/decisions.md "Transfers". */
    const char *journal_dir;
    unsigned max_files;          /* files transferred in parallel; 0 = 4 */
    unsigned chunks_in_flight;   /* chunks of one upload session in flight, 1..3; 0 = 3 */
    unsigned download_ranges;    /* parallel ranges of one large download, 1..4; 0 = 2 */
    uint64_t chunk_size;         /* 0 = choose from GET /upload/limits/ (normal use); otherwise
                                    the wanted size, still bounded by the limits */
    uint64_t single_max;         /* files up to this size go in one request (api §5.3);
                                    0 = 4 MiB; 1 = only empty and 1-byte files */
    int max_retries;             /* repeats per request (chunk, range, create, ...); 0 = 5;
                                    -1 = none. Which failures repeat is the endpoint row's
                                    retry class, as for fastio_call(): SAFE rows (chunks,
                                    ranges, details, complete) after network errors, timeouts,
                                    429 and 500/502/503/504; UNSAFE rows (session create, the
                                    single-request upload, batches) only after a 429 or a
                                    failure before any byte was sent */
    long backoff_base_ms;        /* full-jitter backoff: first ceiling, 0 = 250 */
    long backoff_cap_ms;         /* largest ceiling, 0 = 20000 */
    long max_retry_wait_ms;      /* a 429 asking to wait longer fails instead; 0 = 60000 */
    long connect_timeout_ms;     /* 0 = the client's (fastio_config.connect_timeout_ms) */
    long stall_timeout_ms;       /* a request moving no byte for this long fails (and is
                                    retried); 0 = 60000 */
    long poll_timeout_ms;        /* how long to wait for an upload to reach "stored" after
                                    complete; 0 = 120000 */
    long progress_interval_ms;   /* 0 = 100 */
    fastio_transfer_progress_fn progress; /* optional */
    void *progress_userdata;
    /* Small files (up to min(single_max, 4 MiB), no lock token, no file_id) of one run that go
     * to the same workspace folder are packed into batch requests (POST /upload/batch/, api
     * §5.6: at most 200 files and 100 MiB each, a CRC-32C per entry); an entry the server
     * refuses is retried alone through the single-request flow, and so are all its files when
     * the server refused the whole request (a 4xx) or it was never sent. A batch request that
     * failed after it may have been acted on (a 5xx, a dropped connection, a timeout) is not
     * sent again, alone or batched: its files fail with its error. true = never batch. */
    bool no_batch;
    /* Each chunk of a chunked upload carries its CRC-32C (api §5.4). By default, where the
     * server takes it after the chunk's bytes (it says so with "trailing_hash": true in GET
     * /upload/limits/, as fastio-server does), the CRC is taken while curl reads the bytes and
     * sent after them: each byte is read from the file once. Elsewhere (api.fast.io), or with
     * this set, every chunk's CRC is taken in a pass over the file before the chunk is sent and
     * goes in the query, as the official CLI does. Either way the server refuses a chunk whose
     * bytes do not match (and the engine sends it again). */
    bool hash_before_send;
    /* Cancellation and deadline of every fastio_transfer_run() of this engine (issue 4), in
     * addition to fastio_transfer_cancel(). cancel: borrowed, must outlive the engine; NULL =
     * none; the engine never resets it. deadline_ms: absolute, on the fastio_now_ms() clock;
     * 0 = none; negative is INVALID. Within about 100 ms of the token being triggered (or of
     * the deadline) the run aborts every request, closes every file, writes the journals and
     * returns CANCELLED (token) or TIMEOUT (deadline; cancellation wins when both hold). Retry
     * waits are timestamps checked by the same loop, so they never outlast either. Jobs that
     * did not finish report CANCELLED and resume on a later run (clear or move deadline_ms:
     * a new engine with the same journal_dir continues the same upload session). */
    struct fastio_cancel *cancel;
    int64_t deadline_ms;
};

/* Fill the first size bytes of cfg with the defaults; use fastio_transfer_config_init(). */
FASTIO_API void fastio_transfer_config_init_sized(struct fastio_transfer_config *cfg, size_t size);
/* Fill cfg with zeros, i.e. the defaults above, and struct_size = sizeof. Call it first. */
static inline void fastio_transfer_config_init(struct fastio_transfer_config *cfg)
{
    fastio_transfer_config_init_sized(cfg, sizeof(*cfg));
}

/* Create an engine whose requests are the client's: its base URL, its token (or token
 * provider: a request answered 401 gets a refreshed token and goes again, so an upload may
 * outlive an OAuth access token), its log hook (one line per request: every chunk, range and
 * session call, redacted like fastio_call()'s), User-Agent and connect timeout. cfg (NULL = all
 * defaults) is copied. NULL on failure with err set (INVALID for a NULL client or an
 * out-of-range option, NOMEM). Free with fastio_transfer_free().
 *
 * Ownership: the client is borrowed, not copied. It must outlive the engine, and while
 * fastio_transfer_run() runs it must not be used or changed from another thread (the run
 * reads its token and calls its token provider and log hook on the run's thread). Between runs
 * the client may be used freely; a new token set with fastio_client_set_token() is picked up
 * by the next run. The token is asked from the client (its provider, if any, with rejected =
 * NULL) when a run starts and at most every 10 s after, and again with rejected = the token
 * after a 401: once per token, however many requests in flight earned the 401. A request
 * repeated after a refresh counts as one of its max_retries. cfg NULL = the defaults; a cfg not
 * set up by fastio_transfer_config_init() is refused (INVALID). */
FASTIO_API FASTIO_NODISCARD struct fastio_transfer *
fastio_transfer_new(struct fastio_client *client, const struct fastio_transfer_config *cfg,
                    struct fastio_error *err);
/* Free the engine and everything it owns (jobs, results). Not while fastio_transfer_run() runs.
 * NULL is a no-op. Journals and .partial files stay on disk for a later resume. */
FASTIO_API void fastio_transfer_free(struct fastio_transfer *t);

/* An upload into a workspace folder (api §5.3-§5.5). Per-call struct without a size field:
 * zero-fill it (zero = the default); ABI rule in fastio/fastio.h. */
struct fastio_upload_spec {
    const char *path;        /* local file; or NULL to read from fd */
    int fd;                  /* used when path is NULL: a pipe or file of unknown size, sent as a
                                stream session (api §5.5; not resumable, not retried once bytes
                                were sent). Borrowed: not closed. */
    const char *name;        /* name of the new file; NULL = the last component of path */
    const char *workspace;   /* instance_id: workspace id or folder_name */
    const char *folder;      /* folder node id; NULL = "root" */
    uint64_t max_size;       /* stream sessions (fd): sent as max_size, the server refuses a
                                longer stream (api §5.5); 0 = none. Ignored for paths. */
    const char *file_id;     /* action=update: store the bytes as a new version of this file
                                node (folder is then ignored); NULL = create (a same-name file
                                in folder also gets a new version, api §4.4) */
    const char *lock_token;  /* the lock of the file written, when it is locked (fastio/lock.h):
                                sent as lock_token at create; the server checks it again when
                                the version is committed. NULL = none */
};

/* A download of a file node into a local directory (api §6). Per-call struct: zero-fill it,
 * as fastio_upload_spec. */
struct fastio_download_spec {
    const char *workspace;
    const char *node;        /* file node id */
    const char *dest_dir;    /* existing directory; the file is created inside it, never outside,
                                with mode 0666 less the umask (D-087) */
    const char *name;        /* local file name; NULL = the node's name. Either is sanitized:
                                path separators, "..", control characters and the like are
                                replaced so the result is a single safe component. */
    const char *version_id;  /* fetch this version of the file (api §6 version_id) instead of
                                the current one: same ranges, resume and checks, against the
                                version's own size and hash; NULL = current */
    bool zip;                /* node is a folder: stream the server's zip of it (GET .../zip/,
                                api §6) into "<name>.partial", then rename; no Range, no resume
                                (an interrupted zip starts over). NULL name = the folder's name
                                + ".zip" (for "root": the workspace argument + ".zip") */
};

/* Queue a job; nothing is sent before fastio_transfer_run(). Strings are copied. *job (may be
 * NULL) receives the job's index for fastio_transfer_job_result(). Returns OK, INVALID (missing
 * fields, a run in progress), NOMEM. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_transfer_add_upload(struct fastio_transfer *t, const struct fastio_upload_spec *spec,
                           size_t *job, struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_transfer_add_download(struct fastio_transfer *t, const struct fastio_download_spec *spec,
                             size_t *job, struct fastio_error *err);

/* Run every queued job that has not succeeded yet, with one event loop on the calling thread,
 * until all have ended or the run is cancelled. Returns OK when every job succeeded; otherwise
 * the status of the first job that failed (err describes it, prefixed with the job's file
 * name), or CANCELLED (fastio_transfer_cancel() or cfg.cancel), or TIMEOUT (cfg.deadline_ms). A cancelled run may be run again (or a new engine with the same
 * journal_dir may run the same jobs): finished jobs stay done, uploads continue their session,
 * downloads continue their .partial file. Failures of one job do not stop the others. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_transfer_run(struct fastio_transfer *t,
                                                                  struct fastio_error *err);

/* Ask a running fastio_transfer_run() to stop: it returns CANCELLED within about 100 ms, with
 * every request aborted, every file closed, journals written. Thread-safe and async-signal-safe
 * (one atomic store). The flag is cleared when the next run starts. */
FASTIO_API void fastio_transfer_cancel(struct fastio_transfer *t);

/* The outcome of job after a run: OK, or its failure (err filled). For uploads *node_id (may be
 * NULL arg) receives the new file's node id (OWNED, fastio_free; NULL when the server has not
 * reported it); for downloads it receives the local path written (OWNED). A job that never ran
 * or was cancelled reports CANCELLED. INVALID for an unknown job. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_transfer_job_result(const struct fastio_transfer *t, size_t job, char **node_id,
                           struct fastio_error *err);

/* Where one job stands, for per-file progress displays. May be called from the progress
 * callback (the loop thread) or between runs. */
struct fastio_transfer_job_info {
    uint64_t bytes_done;  /* payload bytes acknowledged or written, plus those of requests in
                             flight */
    uint64_t bytes_total; /* 0 while unknown */
    bool started;         /* began in this run (or finished in an earlier one) */
    bool ended;           /* finished in this run or an earlier one, successfully or not */
    bool succeeded;
    unsigned batch;       /* uploads: the batch request (1, 2, ... in the engine's order) that
                             stored the file; 0 = it went alone */
    /* Appended (docs/decisions.md D-005). Uploads: stored by an earlier run of the same files
     * that was cut short (killed, interrupted), so this run sent nothing (issue 15 item 6). */
    bool skipped;
};
/* OK, or INVALID for an unknown job (info zeroed). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_transfer_job_progress(const struct fastio_transfer *t, size_t job,
                         struct fastio_transfer_job_info *info);

/* ---- one call for the common case -----------------------------------------------------------
 * An engine with the defaults, one job, run to its end, freed (fastio_global_init() first, as
 * for any transfer). For many files, progress, cancellation or resume across runs, use the
 * engine above. A node or folder argument is an id, or a path when it starts with '/'
 * (fastio_storage_resolve). */

/* Upload the local file path into folder of workspace ws (NULL or "/" = the root; the folder
 * must exist) under the file's own name; a same-name file there gets a new version (api §4.4).
 * *node_id (OWNED, fastio_free; may be NULL arg) gets the stored file's id. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_upload_file(struct fastio_client *c, const char *ws, const char *folder, const char *path,
                   char **node_id, struct fastio_error *err);

/* Download file node of workspace ws into the existing directory dest_dir under the node's
 * name (sanitized, as fastio_download_spec.name), verified against the server's size and hash.
 * *local_path (OWNED, fastio_free; may be NULL arg) gets the path written. An existing file of
 * that name is replaced. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_download_file(struct fastio_client *c, const char *ws, const char *node,
                     const char *dest_dir, char **local_path, struct fastio_error *err);

#ifdef __cplusplus
}
#endif
#endif
