/* SPDX-License-Identifier: MIT */
/* ingest.h - the pieces of "fastio ingest" (cmd_ingest.c: options, the upload pipeline, the
 * after-actions): the state database that makes the daemon exactly-once across crashes
 * (ingest_state.c), the watcher that finds complete files in the incoming directory
 * (ingest_watch.c) and the server side, workspaces, folders, reconciliation and the index
 * wait (ingest_remote.c). See docs/cli.md "fastio ingest" and
 * docs/decisions.md D-090. */
#ifndef CLI_INGEST_H
#define CLI_INGEST_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* ---- ingest_state.c: one SQLite file in the state directory ------------------------------------
 * A file's row goes through: (none) -> "uploading" (written BEFORE the first byte is sent) ->
 * "stored" (its node id known) -> "done" (indexed when asked, after-action done). A restart
 * finds every file that was between two steps: "uploading" rows are reconciled with the server
 * (a node of that name, size and CRC-32C in the target folder is adopted instead of sending the
 * file again), "stored" rows finish their remaining steps. Every change is one committed
 * transaction (synchronous=FULL): a row never claims more than has happened. */
enum ingest_fstate { INGEST_NONE = 0, INGEST_UPLOADING, INGEST_STORED, INGEST_DONE };

struct ingest_row {
    enum ingest_fstate state;
    uint64_t size;
    int64_t mtime_ns;
    uint32_t crc;
    char workspace[64];
    char folder[64];
    char node[64];
};

struct ingest_db;
/* Open (create) STATE_DIR/ingest.db. NULL on failure with a message in err. */
struct ingest_db *ingest_db_open(const char *state_dir, char *err, size_t errlen);
void ingest_db_close(struct ingest_db *db);
/* The row of rel (a path relative to the watched directory). false = none (row zeroed). */
bool ingest_db_get(struct ingest_db *db, const char *rel, struct ingest_row *row);
/* Insert or replace the row of rel. false on a database error. */
bool ingest_db_put(struct ingest_db *db, const char *rel, const struct ingest_row *row);
bool ingest_db_delete(struct ingest_db *db, const char *rel);
/* Call fn for every row not "done" (restart work). Returns the number of rows visited. */
size_t ingest_db_unfinished(struct ingest_db *db,
                            void (*fn)(void *ud, const char *rel, const struct ingest_row *row),
                            void *ud);
/* Workspaces made or found per name, and invitations already sent (once per workspace). */
bool ingest_db_ws_get(struct ingest_db *db, const char *name, char *id, size_t idlen);
bool ingest_db_ws_put(struct ingest_db *db, const char *name, const char *id);
bool ingest_db_invited(struct ingest_db *db, const char *ws, const char *email);
bool ingest_db_invite_put(struct ingest_db *db, const char *ws, const char *email);

/* ---- ingest_watch.c: initial scan + inotify, and the settle rule ------------------------------
 * A candidate is taken once it is complete: no write seen since its last close-after-write (or
 * since it was moved in / found by a scan), and its size and mtime unchanged for settle_ms; or
 * at once when "<name>.ready" exists beside it. Ignored: dotfiles and dot-directories, names
 * ending in ".part", ".partial", ".tmp", "~", ".swp" or ".ready", anything not a regular file,
 * symbolic links. */
struct ingest_watch;
struct ingest_watch *ingest_watch_new(const char *root, unsigned settle_ms, bool use_inotify,
                                      char *err, size_t errlen);
void ingest_watch_free(struct ingest_watch *w);
/* Read pending events, rescan when the kernel queue overflowed (or every rescan period), and
 * wait up to wait_ms for something to happen. Never fails: an unreadable directory is logged
 * once through the log callback and skipped. */
void ingest_watch_poll(struct ingest_watch *w, int wait_ms);
/* Up to max complete files (relative paths, OWNED by the caller: free each) into out. */
size_t ingest_watch_take(struct ingest_watch *w, char **out, size_t max);
/* Put a taken file back (a failed upload): it is offered again after retry_ms. */
void ingest_watch_retry(struct ingest_watch *w, const char *rel, unsigned retry_ms);
/* Forget a file (uploaded, or gone). */
void ingest_watch_forget(struct ingest_watch *w, const char *rel);
/* Files seen but not yet complete (for --once: wait until 0). */
size_t ingest_watch_pending(const struct ingest_watch *w);
/* Messages (unreadable directory, queue overflow): fn(ud, text). */
void ingest_watch_set_log(struct ingest_watch *w, void (*fn)(void *ud, const char *msg), void *ud);
/* Whether a name is one the watcher ignores (exported for tests and the mover). */
bool ingest_name_ignored(const char *name);

/* ---- the daemon's state, shared by cmd_ingest.c and ingest_remote.c ------------------------- */

#define FOLDER_CACHE_MAX 4096
#define INVITES_MAX 64
#define WS_PAGE 500
#define WS_PAGES_MAX 200

enum after_action { AFTER_KEEP, AFTER_DELETE, AFTER_MOVE };

struct folder_ent {
    char *key; /* "<ws id>\n<folder path>" */
    char id[64];
};

struct ingest {
    struct cli_ctx *ctx;
    bool tls_hinted; /* the --ca-file hint was printed (once per run, D-125) */
    char root[PATH_MAX];
    const char *org;
    const char *ws_name; /* NULL with --workspace-per-subdir */
    bool intelligence;
    char *invites[INVITES_MAX];
    size_t n_invites;
    const char *role;
    enum after_action after;
    char move_dir[PATH_MAX];
    bool once, wait_indexed, batch;
    unsigned grace_ms;   /* --inflight-grace: wait before reconciling a possibly in-flight upload */
    int64_t grace_until; /* leftovers of an earlier process are reconciled after this */
    json_t *leftover;    /* rel -> true: rows an earlier process left "uploading" */
    unsigned settle_ms, parallel;
    long index_timeout_ms;
    char state_dir[PATH_MAX];
    char journal_dir[PATH_MAX];
    struct ingest_db *db;
    struct ingest_watch *w;
    struct folder_ent folders[FOLDER_CACHE_MAX];
    size_t n_folders;
    size_t n_stored, n_failed;
};

/* ---- ingest_remote.c: the server side ------------------------------------------------------
 * Failures are described in why (whylen bytes) for the file's log line. */

/* The id of the workspace named name in --org: from the state database, else found by name or
 * folder_name among the org's workspaces, else created; Intelligence turned on when asked, the
 * --invite addresses invited once. */
bool ingest_workspace_for(struct ingest *in, const char *name, char *id, size_t idlen, char *why,
                          size_t whylen);
/* The folder node id of path ("" = root) in workspace ws, created when missing (cached). */
bool ingest_folder_for(struct ingest *in, const char *ws, const char *path, char *id, size_t idlen,
                       char *why, size_t whylen);
/* A node named leaf in the row's folder with the row's size and CRC-32C: its id into node. */
bool ingest_find_same(struct ingest *in, const struct ingest_row *row, const char *leaf, char *node,
                      size_t nodelen);
/* Wait (bounded by --index-timeout, ended early when *stop becomes non-zero) until the node's
 * ai.state says the indexer is done with it; the last state (or "timeout") into state. */
const char *ingest_wait_indexed(struct ingest *in, const char *ws, const char *node,
                                const volatile sig_atomic_t *stop, char *state, size_t size);

#endif
