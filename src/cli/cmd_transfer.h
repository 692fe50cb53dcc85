/* SPDX-License-Identifier: MIT */
/* cmd_transfer.h - the transfer commands of the CLI (cmd_upload.c, cmd_download.c) and their
 * progress display (progress.c): groups "upload" and "download", and the "files versions" /
 * "files version-restore" rows spliced into the files group with CLI_VERSION_ROWS. */
#ifndef CLI_CMD_TRANSFER_H
#define CLI_CMD_TRANSFER_H

#include <stdint.h>

#include <fastio/transfer.h>

#include "cli.h"

extern const struct cli_cmd cli_upload_cmds[];
extern const struct cli_cmd cli_download_cmds[];

extern const struct cli_opt cli_versions_opts[];
extern const struct cli_opt cli_version_restore_opts[];
#define CLI_VERSION_ROWS                                                                           \
    {.name = "versions",                                                                           \
     .endpoint = FASTIO_EP_STORAGE_VERSIONS,                                                       \
     .opts = cli_versions_opts,                                                                    \
     .summary = "List the versions of a file",                                                     \
     .description = "Lists every stored version of a file, newest first\n"                         \
                    "(GET /workspace/{ws}/storage/{node}/versions/). Each upload over an\n"        \
                    "existing file ('upload file' of the same name into the same folder, or\n"     \
                    "action=update) adds one. 'download file --version ID' fetches an old\n"       \
                    "version; 'files version-restore' makes it current again.",                  \
     .examples = "fastio files versions --workspace team 2abc..."},                               \
    {.name = "version-restore",                                                                    \
     .endpoint = FASTIO_EP_STORAGE_VERSION_RESTORE,                                                \
     .opts = cli_version_restore_opts,                                                             \
     .summary = "Make an old version of a file current again",                                     \
     .description = "Restores a version (POST /workspace/{ws}/storage/{node}/restore-version/):\n" \
                    "its bytes become the file's content again, as a new current version; the\n"   \
                    "versions in between are kept. Prints the updated node.",                      \
     .examples = "fastio files version-restore --workspace team 2abc... 2ver..."}

/* ---- progress.c ------------------------------------------------------------------------------ */

/* A progress display on stderr: shown only when stderr is a terminal and neither -q nor -v is
 * given; redrawn at most 10 times a second; one line per active file (at most 8) under a total
 * line with bytes, rate and ETA. */
struct cli_progress;

/* verb: "Uploading" / "Downloading". labels[i] names job jobs[i] (borrowed, must outlive the
 * display). NULL on OOM (then no display, not an error). */
struct cli_progress *cli_progress_new(const struct cli_ctx *ctx, const char *verb, size_t n_jobs);
/* Name job `job` (the engine's index) with label (borrowed). */
void cli_progress_label(struct cli_progress *p, size_t job, const char *label);
void cli_progress_attach(struct cli_progress *p, struct fastio_transfer *t);
/* The engine callback; userdata is the cli_progress (may be NULL). */
void cli_progress_cb(void *userdata, const struct fastio_transfer_progress *pr);
/* Erase the display. Returns the seconds since cli_progress_new (for the summary). */
double cli_progress_end(struct cli_progress *p);
void cli_progress_free(struct cli_progress *p);
/* The bytes the run moved itself (the engine's last progress report): the summary's rate is
 * these over the run's time, not the files' sizes (a resumed upload, a skipped file). */
uint64_t cli_progress_sent(const struct cli_progress *p);
/* The summary line: "<verb> N file(s), SIZE in S s (R MB/s)", plus "SENT sent" when the run
 * moved less than the files' sizes. */
void cli_transfer_note(struct cli_ctx *ctx, const char *verb, size_t n, uint64_t bytes,
                       uint64_t sent, double secs);

/* Run the engine with SIGINT/SIGTERM turned into fastio_transfer_cancel(); the handlers are
 * restored afterwards. */
enum fastio_status cli_transfer_run(struct fastio_transfer *t, struct fastio_error *err);
/* The first SIGINT or SIGTERM that cancelled a transfer of this process, 0 = none. A command
 * that did not succeed after one exits 128 + that signal (130, 143), like a shell does. */
int cli_transfer_signal(void);

/* "12.3 MiB" into out. */
void cli_fmt_bytes(double bytes, char *out, size_t size);

/* ---- shared by cmd_upload.c and cmd_download.c ------------------------------------------------ */

/* An engine on the context's client (cli_connect() first; the client outlives the engine);
 * journal_dir for uploads (NULL = none). NULL on failure (printed). */
struct fastio_transfer *cli_transfer_engine(struct cli_ctx *ctx, unsigned max_files,
                                            const char *journal_dir, struct cli_progress *prog);
/* $XDG_STATE_HOME/fastio-c/uploads (else ~/.local/state/...), created 0700: the upload
 * journals of 'upload file' and 'sync'. false when there is no home (no resume). */
bool cli_upload_journal_dir(char *out, size_t size);
/* cmd_sync.c: whether the local file at path (of size bytes) has the content of node (its size
 * and its hash: crc32c or md5); a node without a known hash counts as different. */
bool cli_same_content(const char *path, uint64_t size, json_t *node);
/* The file node named name in a folder listing (cli_list_folder), or NULL. Borrowed. */
json_t *cli_find_file(json_t *nodes, const char *name);
/* A JSON error object {status, message, http_status?, code?} for a failed job. NULL on OOM. */
json_t *cli_error_json(const struct fastio_error *err);

/* ---- transfer.c: one engine run's results, shared by cmd_upload.c and cmd_download.c --------- */

/* What a run came to; filled while the results are collected, read by cli_transfer_report. */
struct cli_transfer_outcome {
    size_t ok_n, fail_n;
    uint64_t bytes;     /* the stored files' sizes */
    uint64_t sent;      /* what the run moved itself (cli_progress_sent) */
    double secs;        /* the run's time (cli_progress_end) */
    bool cancelled;     /* the run was cancelled (SIGINT / SIGTERM) */
    bool allow_partial; /* exit 0 when some file was stored (upload --allow-partial) */
    bool to_stdout;     /* download -o -: the bytes went to stdout, the result is not printed */
    bool net_fail;      /* a job failed on the network: the network hint after the result */
    bool tls_fail;      /* a job failed on TLS verification: the --ca-file hint instead */
};

/* A failed job: its message on stderr (not for a cancelled one), "error" set in the job's
 * result object o, the failure counted in out (fail_n, net_fail, tls_fail). */
void cli_transfer_job_failed(struct cli_ctx *ctx, json_t *o, enum fastio_status js,
                             const struct fastio_error *je, struct cli_transfer_outcome *out);
/* A job's result (fastio_transfer_job_result: *result OWNED, fastio_free) and its progress
 * (ji zeroed when unknown). */
enum fastio_status cli_transfer_job(struct fastio_transfer *t, size_t job, char **result,
                                    struct fastio_error *je, struct fastio_transfer_job_info *ji);
/* Print {files, succeeded, failed} (not with to_stdout), the summary line for verb
 * ("uploaded"), the interruption note and the network or TLS hint; choose the exit status:
 * CLI_OK when nothing failed (or allow_partial and something was stored), else CLI_ERR. */
int cli_transfer_report(struct cli_ctx *ctx, json_t *files, const char *verb,
                        const struct cli_transfer_outcome *out);

#endif
