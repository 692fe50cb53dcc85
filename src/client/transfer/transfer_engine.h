/* SPDX-License-Identifier: MIT */
/* transfer_engine.h - the state shared by the transfer engine's files: the engine handle, the
 * job kinds and jobs, and HTTP operations ("ops") in flight on the one curl multi handle, with
 * the services the files offer each other. transfer.c is the public handle, transfer_loop.c
 * the loop (it calls the kinds' tables), transfer_op.c the ops, transfer_job.c the job helpers,
 * transfer_upload.c / transfer_download.c the two kinds (see README.md). Every field here is
 * touched by the loop thread only, except `cancel` (atomic) and the fields documented as shared
 * with the two helper threads (transfer_hash.c, transfer_write.c). */
#ifndef FIO_TRANSFER_ENGINE_H
#define FIO_TRANSFER_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "fastio/fastio.h"
#include "http_common.h"
#include "op.h"
#include "request.h"
#include "fastio/transfer.h"
#include "transfer_internal.h"

#define XFER_HDR_MAX 96
#define XFER_COALESCE (1024 * 1024) /* download writes are gathered into 1 MiB pwrites */
#define XFER_RESPONSE_MAX (1024 * 1024)
#define XFER_CRC_BUF (1024 * 1024) /* the loop's own CRC passes (t->crc_buf) */

struct xfer_job;
struct xfer_op;
struct fastio_transfer;

/* A job kind: what the loop does with a job of that kind. advance: start it or move it on (at
 * most one step per call; called every pass while the job is active); done: one of its requests
 * ended (the op's judgement is in the op; the handler frees it); reset: release what the job
 * holds for a run (files, arrays, helper-thread registrations) - after it ended, at the end of
 * the run, and when the engine is freed. The loop knows jobs only through this table. */
struct xfer_job_kind {
    const char *name;
    void (*advance)(struct fastio_transfer *t, struct xfer_job *job, int64_t now);
    void (*done)(struct xfer_op *op, CURLcode rc);
    void (*reset)(struct fastio_transfer *t, struct xfer_job *job);
};
extern const struct xfer_job_kind fio_xfer_upload_kind;   /* transfer_upload.c */
struct fastio_transfer;
struct xfer_job;
/* Stored markers (transfer_upload.c, issue 15 item 6a). run_start: an upload job that is not
 * done yet finds its marker path; when a marker for the source as it is now is there (a killed
 * or interrupted run stored the file), the job is done at once with that node id (true).
 * mark: the file is stored, write its marker. forget: the run stored every file, remove it. */
bool fio_xfer_up_run_start(struct fastio_transfer *t, struct xfer_job *job);
void fio_xfer_up_mark(struct xfer_job *job, const char *node_id);
void fio_xfer_up_forget(struct xfer_job *job);
extern const struct xfer_job_kind fio_xfer_download_kind; /* transfer_download.c (and zip) */
#define XFER_IS_UPLOAD(job) ((job)->kind == &fio_xfer_upload_kind)

/* Where a job stands. Each step issues at most one request at a time except CHUNKS/RANGES. */
enum xfer_step {
    STEP_QUEUED,     /* not started in this run */
    STEP_LIMITS,     /* waiting for GET /upload/limits/ (engine-wide, once per engine) */
    STEP_RESUME,     /* GET details of the journaled session */
    STEP_CREATE,     /* POST /upload/ (form) */
    STEP_CHUNKS,     /* chunks in flight */
    STEP_COMPLETE,   /* POST complete */
    STEP_POLL,       /* GET details until stored */
    STEP_SINGLE,     /* one multipart POST /upload/ */
    STEP_STREAM_CREATE,
    STEP_STREAM,
    STEP_DETAILS,    /* download: node details */
    STEP_RANGES,     /* download: ranges in flight */
    STEP_BATCH,      /* upload: an entry of a batch request in flight (transfer_batch.c) */
    STEP_ZIP,        /* download: the folder's zip stream in flight */
    STEP_DONE,
    STEP_FAILED
};

enum chunk_state { CHUNK_TODO, CHUNK_FLIGHT, CHUNK_DONE };

struct xfer_chunk {
    uint64_t off;
    uint64_t len;
    uint32_t crc;
    bool crc_known;
    enum chunk_state state;
    int retries;
    int64_t not_before_ms;
};

/* One range of a download: [start, end), `done` bytes of it written, crc of those bytes. */
struct xfer_range {
    uint64_t start, end, done;
    uint64_t queued; /* loop only: bytes received for it (handed to the writer or written) */
    uint32_t crc;
    bool flight;
    int retries;
    int64_t not_before_ms;
};

/* What only an upload job has: its spec, its batch membership, its journal, its session and
 * chunks, and its registration with the CRC helper thread. */
struct xfer_upload_part {
    char *path;                 /* local file; NULL = the borrowed pipe src_fd */
    char *folder;               /* folder node id ("root" by default) */
    char *file_id, *lock_token; /* action=update target, lock token (NULL = none) */
    int src_fd;                 /* borrowed pipe (path == NULL) */
    uint64_t max_size;          /* stream sessions: max_size sent at create; 0 = none */
    /* batch upload (transfer_batch.c): batch_ok 0 = not examined in this run, 1 = may go in
     * a batch, 2 = goes alone; no_batch = alone for the rest of the run (a refused entry) */
    int batch_ok;
    bool no_batch;
    int batch_tries;
    unsigned batch_no;          /* batch that stored it (kept across runs), 0 = none */
    int64_t mtime_ns;           /* of the source when the run opened it */
    char *journal_path;
    /* stored marker (issue 15 item 6a), kept across runs: its path (NULL = none) and the
     * source's size and mtime when the run began */
    char *marker_path;
    uint64_t marker_size;
    int64_t marker_mtime_ns;
    bool skipped; /* done from its marker in this run: nothing was sent */
    /* 409 "chunks still in flight" (transfer_upload.c inflight_wait): until when it is waited
     * out in this run (0 = not seen), and how many waits so far */
    int64_t inflight_until_ms;
    unsigned inflight_waits;
    struct fio_xfer_journal journal;
    bool journal_dirty;       /* chunks acknowledged since the journal was last written */
    int64_t journal_saved_ms; /* when it was last written */
    char upload_id[FIO_XFER_ID_MAX];
    uint64_t chunk_size;
    uint32_t n_chunks;
    struct xfer_chunk *chunks;
    uint32_t file_crc;
    bool file_crc_ready;
    int64_t poll_deadline_ms;
    int64_t poll_interval_ms;
    int recompletes; /* completes refused for a missing chunk, asked again (at most 2) */
    /* the CRC pre-pass on the helper thread (transfer_hash.c; sharing rules there) */
    struct {
        bool on, tried;             /* registered / registration attempted this run */
        uint32_t next, limit;       /* under the hasher's mutex */
        uint32_t seen;              /* loop only: chunks [0, seen) marked crc_known */
        enum fastio_status status;  /* under the mutex: OK, or why the pass stopped */
        atomic_uint ready;          /* chunks [0, ready) have their crc */
        atomic_bool abort;
    } hs;
};

/* What only a download job has: its spec, the directory and file names it writes, the
 * expected hash, its ranges, and its state with the writer thread. */
struct xfer_download_part {
    char *node;       /* file (or, for zip, folder) node id */
    char *dest_dir;
    char *version_id; /* a given version (NULL = current) */
    bool zip;         /* the folder's zip stream */
    int dir_fd;
    char local_name[256];
    char partial_name[300];
    char state_name[300];
    char *hash, *hash_algo;
    struct xfer_range ranges[4];
    unsigned n_ranges;
    bool ranges_probed;   /* the server answered 206 at least once */
    bool no_ranges;       /* it answered 200: one stream */
    /* the writer thread (transfer_write.c; sharing rules there) */
    struct {
        unsigned pending;  /* under the writer's mutex: tasks queued or being written */
        int64_t saved_ms;  /* whoever writes the range bytes: when the state was last saved */
        bool write_failed; /* under the mutex */
    } ws;
};

/* One job: the head every kind has (what the loop, the public API and progress read), then the
 * part of its kind - a union: only the kind's own files touch it (transfer_upload*.c,
 * transfer_batch.c, transfer_hash.c: up; transfer_download.c, transfer_zip.c,
 * transfer_write.c: dl), and generic code looks at a part only after XFER_IS_UPLOAD(job). A
 * queued small file costs the head and the upload part, not a download's name buffers. */
struct xfer_job {
    const struct xfer_job_kind *kind;
    size_t index;
    char *name;      /* uploads: the new file's name; downloads: the local name asked (or NULL) */
    char *workspace;

    /* outcome */
    enum xfer_step step;
    enum fastio_status result;
    struct fastio_error err;
    char *result_str; /* node id (upload) or local path (download) */
    bool succeeded;   /* kept across runs */

    /* per-run state, released by the kind's reset */
    int fd;
    uint64_t size;
    bool size_known;
    int busy;             /* ops in flight for this job */
    int step_retries;
    int64_t step_not_before_ms;
    uint64_t bytes_done;  /* acknowledged / written */
    uint64_t bytes_prior; /* of bytes_done, those not moved by this run (resumed, skipped) */

    union {
        struct xfer_upload_part up;
        struct xfer_download_part dl;
    };
};

enum op_kind {
    OP_LIMITS, OP_CREATE, OP_RESUME_DETAILS, OP_CHUNK, OP_COMPLETE, OP_POLL, OP_SINGLE,
    OP_STREAM_CREATE, OP_STREAM, OP_NODE_DETAILS, OP_RANGE, OP_BATCH, OP_ZIP
};

struct xfer_batch;

struct xfer_op {
    struct fastio_transfer *t;
    struct xfer_job *job; /* NULL for OP_LIMITS */
    enum op_kind kind;
    /* what runs when it ends: its job kind's done, or the engine's own (limits, batches) */
    void (*done)(struct xfer_op *op, CURLcode rc);
    uint32_t index;       /* chunk or range index */
    CURL *easy;
    /* the request and its judgement: the library's one operation (core/op.h), which builds
     * the request from the endpoint row with the client's token, sets the common options and
     * judges the answer exactly as fastio_call() does */
    struct fio_op op;
    unsigned token_gen;         /* the engine's token generation the request carries */
    bool added;                 /* in the multi handle */
    bool dispatching;           /* its done-handler runs: fio_xfer_op_free defers the free */
    bool freed;                 /* released by the handler while dispatching */
    bool decoded;               /* its handler judged the answer: the log shows that outcome */
    enum fastio_status decoded_st;
    long decoded_api_code;
    struct xfer_op *prev, *next; /* list of live ops, for cancellation */
    curl_mime *mime;
    struct fio_buf resp;  /* JSON answer or an error body (capped) */
    char h_content_range[XFER_HDR_MAX];
    /* upload body: [pos, end) of job->fd */
    uint64_t rd_start, rd_pos, rd_end;
    bool src_changed;
    /* a chunk whose CRC-32C is taken as curl reads its bytes and sent after them (the
     * server's trailing_hash): the running CRC, and the two fields that follow the bytes */
    bool crc_on_way;
    uint32_t crc_run;
    struct xfer_trailer {
        struct xfer_op *op;
        bool file;       /* file_crc32c (else the chunk's hash) */
        unsigned pos;    /* hex digits handed to curl */
        char hex[9];
    } trail[2];
    /* download sink */
    long http_status;
    bool sink_decided, sink_file;
    char *cbuf;           /* coalescing buffer (pool) */
    size_t cbuf_len;
    bool io_error, range_mismatch;
    uint64_t moved;       /* payload bytes moved by this op (progress) */
    struct xfer_batch *batch; /* OP_BATCH: its entries (owned) */
};

struct fastio_transfer {
    struct fastio_transfer_config cfg; /* journal_dir points at the copy below */
    char *journal_dir;
    /* borrowed, outlives the engine: base URL, token (and its provider), User-Agent, log hook
     * and connect timeout of every request */
    struct fastio_client *client;
    char *token;          /* the token requests carry now (FASTIO_TOKEN_MAX bytes, wiped) */
    unsigned token_gen;   /* bumped when a 401 brought a new token */
    int64_t token_at_ms;  /* when it was last asked for; 0 = ask before the next request */
    /* the op whose done-handler runs (dispatch): its row and judgement decide retries, and
     * the wait chosen for it goes into its log line */
    struct xfer_op *judging;
    long judged_wait_ms;

    CURLM *multi;
    CURL **easy_pool;
    size_t easy_pool_n, easy_pool_cap;
    char **buf_pool; /* free 1 MiB coalescing buffers */
    size_t buf_pool_n, buf_pool_cap;
    unsigned char *crc_buf; /* pre-pass buffer, 1 MiB (the loop's own passes) */
    struct xfer_hasher *hasher; /* transfer_hash.c, started by the first chunked upload */
    bool hasher_failed;         /* no thread: the loop computes the CRCs itself */
    struct xfer_writer *writer; /* transfer_write.c, started by the first ranged download */
    bool writer_failed;         /* no thread: the loop writes itself */

    struct xfer_job **jobs;
    size_t n_jobs, cap_jobs;

    struct fio_xfer_limits limits;
    int limits_state; /* 0 none, 1 pending, 2 known */
    int limits_retries;
    int64_t limits_not_before_ms;

    unsigned batches_started; /* batch numbers handed out (kept across runs) */
    unsigned batches_live;

    bool running;
    bool cancelling; /* the loop is tearing ops down: handlers must not retry or start more */
    atomic_bool cancel;
    size_t ops_live;
    struct xfer_op *live; /* ops in the multi handle */

    /* progress */
    int64_t last_progress_ms;
    uint64_t rate_bytes_mark;
    int64_t rate_mark_ms;
    double rate_bps;
};

/* ---- ops (transfer_op.c) ---------------------------------------------------------------------- */

struct xfer_op *fio_xfer_op_new(struct fastio_transfer *t, struct xfer_job *job, enum op_kind kind);
/* Free an op not yet started (or after it ended). */
void fio_xfer_op_free(struct xfer_op *op);
/* Prepare op as a request of endpoint row ep (URL with query, or form body when the row says
 * FORM); byte ops add their body afterwards. */
enum fastio_status fio_xfer_op_build(struct xfer_op *op, enum fastio_endpoint ep,
                                     const char *const *args, size_t n_args,
                                     const struct fastio_param *params, size_t n_params,
                                     bool json_request, struct fastio_error *err);
/* Add one header line ("Name: value") to a built op; false on OOM. */
bool fio_xfer_op_add_header(struct xfer_op *op, const char *line);
/* Hand op to the multi handle; on failure op is freed and the job fails. */
enum fastio_status fio_xfer_op_start(struct xfer_op *op, struct fastio_error *err);
/* Judge a finished op (core/op.h: the curl table with the op's own reasons, the envelope, the
 * rate-limit wait); *out (may be NULL) receives the JSON answer, OWNED. */
enum fastio_status fio_xfer_op_decode(struct xfer_op *op, CURLcode rc, json_t **out,
                                      struct fastio_error *err);
/* The retry decision for the op being dispatched (the library's one rule, core/op.h, from its
 * row's retry class): whether the failure e may be repeated and after how long (*wait_ms);
 * counts *retries. force: the job's own knowledge that the failure left nothing behind (a
 * chunk refused for its CRC or still being received) repeats it whatever the class. A 401
 * with a token provider refreshes the engine's token once per token and repeats at once. */
bool fio_xfer_should_retry(struct fastio_transfer *t, const struct fastio_error *e, bool force,
                           int *retries, long *wait_ms);

/* ---- job helpers (transfer_job.c) and pooled buffers (transfer_op.c) --------------------------- */

/* End the job as failed with st: its error is e (may be NULL) prefixed with the job's file name
 * and what failed. A job already ended is left as it is. */
void fio_xfer_job_fail(struct xfer_job *job, enum fastio_status st, const struct fastio_error *e,
                       const char *what);
/* fio_xfer_job_fail with no more detail than the status / than errno's text (FASTIO_IO). */
void fio_xfer_fail_status(struct xfer_job *job, enum fastio_status st, const char *what);
void fio_xfer_fail_errno(struct xfer_job *job, const char *what);
/* pwrite all len bytes of buf at off (EINTR and short writes retried). false on error. */
bool fio_xfer_pwrite_all(int fd, const char *buf, size_t len, uint64_t off);
/* A download renamed into place: the job succeeds with dest_dir/local_name as its result. */
void fio_xfer_job_placed(struct xfer_job *job);
/* A 1 MiB coalescing buffer from the pool (NULL on OOM) / back to it (NULL is a no-op). */
char *fio_xfer_buf_get(struct fastio_transfer *t);
void fio_xfer_buf_put(struct fastio_transfer *t, char *b);

/* ---- CRC passes (transfer_hash.c) ------------------------------------------------------------- */

/* CRC-32C of [off, off+len) of fd through the engine's one reused 1 MiB buffer (the pre-pass
 * of docs/decisions.md D-025). CONFLICT when the file is shorter than expected, IO on read
 * errors. */
enum fastio_status fio_xfer_crc_range(struct fastio_transfer *t, int fd, uint64_t off,
                                      uint64_t len, uint32_t *crc);
/* The same through buf (buf_size bytes), stopping with CANCELLED once *abort (may be NULL) is
 * set; the helper thread's pass (transfer_hash.c) uses its own buffer. */
enum fastio_status fio_xfer_crc_fd(int fd, uint64_t off, uint64_t len, unsigned char *buf,
                                   size_t buf_size, atomic_bool *abort, uint32_t *crc);

/* The CRC pre-pass thread (transfer_hash.c). hash_start registers a job in STEP_CHUNKS (false:
 * no thread, the loop computes CRCs itself); hash_window lets it read up to HASH_WINDOW chunks
 * past `oldest` (the first chunk not acknowledged), or everything when `todo` <= 1;
 * hash_status says whether the pass failed (CONFLICT: the file got shorter; IO); hash_forget
 * unregisters a job and waits until the thread no longer reads it (before its fd closes);
 * hash_stop ends the thread. */
bool fio_xfer_hash_start(struct fastio_transfer *t, struct xfer_job *job);
void fio_xfer_hash_window(struct fastio_transfer *t, struct xfer_job *job, uint32_t oldest,
                          uint32_t todo);
enum fastio_status fio_xfer_hash_status(struct fastio_transfer *t, struct xfer_job *job);
void fio_xfer_hash_forget(struct fastio_transfer *t, struct xfer_job *job);
void fio_xfer_hash_stop(struct fastio_transfer *t);

/* The download writer thread (transfer_write.c). write_buf: a free 1 MiB buffer (from the
 * writer's written ones, else the pool; NULL on OOM). write_submit: hand buf (len bytes, the
 * next bytes of range `range`) over (false: no thread; the caller writes itself); it waits
 * while the queue is full. write_failed: whether a write of the job failed. write_drain: wait
 * until the job has nothing queued; false when a write failed. write_reset: drain and clear the
 * job's writer state (before its fd closes). write_stop: end the thread. The state hook
 * (transfer_download.c) saves the resume state from the writer thread. */
/* A download's resume state and an upload's journal are rewritten at most this often (a lag
 * only costs some bytes sent or received again after a crash). */
#define STATE_EVERY_MS 500
char *fio_xfer_write_buf(struct fastio_transfer *t);
bool fio_xfer_write_submit(struct fastio_transfer *t, struct xfer_job *job, unsigned range,
                           char *buf, size_t len);
bool fio_xfer_write_failed(struct fastio_transfer *t, struct xfer_job *job);
bool fio_xfer_write_drain(struct fastio_transfer *t, struct xfer_job *job);
void fio_xfer_write_reset(struct fastio_transfer *t, struct xfer_job *job);
void fio_xfer_write_stop(struct fastio_transfer *t);
void fio_xfer_download_state_hook(struct xfer_job *job);

/* The upload's requests (transfer_upload_send.c); each fails the job when it cannot start. */
/* A JSON-answered request of row ep on upload id `id` (NULL: none), with params. */
void fio_xfer_issue_json(struct fastio_transfer *t, struct xfer_job *job, enum op_kind kind,
                         enum fastio_endpoint ep, const char *id, const struct fastio_param *params,
                         size_t n_params);
/* POST /upload/ opening a chunked session, or with `stream` a stream session (api §5.4, §5.5). */
void fio_xfer_issue_create(struct fastio_transfer *t, struct xfer_job *job, bool stream);
/* The whole small file and its CRC-32C in one multipart POST /upload/ (api §5.3). */
void fio_xfer_issue_single(struct fastio_transfer *t, struct xfer_job *job);
/* Chunk i (its CRC taken first when not known; the file's CRC on the last one, api §5.4). */
void fio_xfer_send_chunk(struct fastio_transfer *t, struct xfer_job *job, uint32_t i);
/* Whether chunks' CRCs are taken as they are sent and follow their bytes (the server's
 * trailing_hash, unless cfg.hash_before_send): no pre-pass then. */
bool fio_xfer_trailing_crc(const struct fastio_transfer *t);
/* The pipe's bytes as the raw chunked body of the stream session (api §5.5). */
void fio_xfer_issue_stream(struct fastio_transfer *t, struct xfer_job *job);
/* Batch uploads (transfer_batch.c): form and start batch requests from queued small files;
 * whether a queued job waits for a batch (the per-job pass must leave it alone); the end of a
 * batch request. */
void fio_xfer_batch_advance(struct fastio_transfer *t, int64_t now);
bool fio_xfer_batch_waiting(const struct fastio_transfer *t, const struct xfer_job *job);
void fio_xfer_batch_done(struct xfer_op *op, CURLcode rc);
void fio_xfer_batch_free(struct xfer_batch *b);
/* A download's zip stream ended (called by the download kind's done). */
void fio_xfer_zip_done(struct xfer_op *op, CURLcode rc);
/* The zip download of a folder (transfer_zip.c): open "<name>.partial" (step STEP_ZIP), then
 * start the one streamed request. */
void fio_xfer_zip_open(struct fastio_transfer *t, struct xfer_job *job, const char *remote_name);
void fio_xfer_zip_start(struct fastio_transfer *t, struct xfer_job *job);
/* The engine-wide limits request (transfer_limits.c): start it unless asked already (or its
 * retry waits until later); its end. t->limits_state: 0 not asked, 1 in flight, 2 known. */
void fio_xfer_limits_start(struct fastio_transfer *t, int64_t now);
void fio_xfer_limits_done(struct xfer_op *op, CURLcode rc);

#endif
