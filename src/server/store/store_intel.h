/* SPDX-License-Identifier: MIT */
/* store_intel.h - the intelligence index (schema.sql migration 11; src/server/intel/README.md;
 * docs/server.md "Intelligence"): per-file ai state that is also the persistent work queue
 * (intel_nodes), the passages and their FTS5 index (intel_passages, intel_fts). Times are wall
 * microseconds passed in by the caller. */
#ifndef SRV_STORE_INTEL_H
#define SRV_STORE_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "name.h"
#include "store.h"

#define STORE_INTEL_REASON_MAX 256
#define STORE_INTEL_PATH_MAX 4096

/* A claimed unit of work: index version want_version of node_id. */
struct store_intel_job {
    char node_id[FIO_OPAQUE_ID_SIZE];
    char ws_id[FIO_PROFILE_ID_SIZE];
    char want_version[FIO_OPAQUE_ID_SIZE]; /* "" = the node has no content version */
    char name[FIO_NAME_MAX_BYTES + 1];
    char mimetype[256];
    char path[STORE_INTEL_PATH_MAX]; /* "/folder/name" at enqueue time */
    int64_t size;
    int64_t seq; /* the result lands only while the row still has this seq */
};

/* One passage to store (text NUL-terminated UTF-8). */
struct store_intel_passage {
    const char *text;
    int page, line_start, line_end;
};

/* A search hit; strings borrowed, valid during the visitor call only. */
struct store_intel_hit {
    const char *node_id, *version_id, *name, *path, *text, *mimetype, *type;
    const char *parent_id; /* NULL = the root */
    int page, line_start, line_end;
    double score;       /* -bm25: higher is better (the hybrid ranking: its fused score) */
    int64_t passage_id; /* 0 for name hits */
    const char *source; /* NULL = "keyword"; the hybrid ranking: "semantic" or "both" */
    double cosine;      /* the hybrid ranking: the passage's similarity to the query, else 0 */
};
typedef int (*store_intel_hit_fn)(const struct store_intel_hit *h, void *arg);
/* A node whose ai state changed (for the activity key ai_state:{node}). */
typedef void (*store_intel_node_fn)(const char *ws_id, const char *node_id, void *arg);

/* A planned full-text query (intel_fts_plan): the FTS5 expression, the lowest rowid scored
 * (0 = all), and the document frequency of each phrase of the expression in order (a value >= 0
 * a count, a negative one minus a fraction of all passages) for the ranking. */
struct store_intel_query {
    const char *fts;
    int64_t min_rowid;
    const double *df;
    size_t ndf;
};

/* The result of one job. */
struct store_intel_result {
    const char *state;  /* "indexed" | "ready" | "failed" */
    const char *reason; /* failed: why; else "" */
    const struct store_intel_passage *passages;
    size_t n_passages;
    int64_t text_bytes;
    const float *vecs; /* NULL, or n_passages x dim floats: their embeddings (hybrid retrieval) */
    size_t dim;
};
/* A stored passage vector (vector_scan); vec borrowed for the call, dim floats. */
typedef int (*store_intel_vec_fn)(int64_t passage_id, const float *vec, size_t dim, void *arg);

struct store_intel_ops {
    /* Is intelligence on for workspace ws_id: STORE_OK (*on set) or STORE_NOT_FOUND. */
    enum store_rc (*enabled)(struct store_conn *c, const char *ws_id, bool *on);
    /* Start-up: every in_progress row back to pending (a crashed worker's claim). */
    enum store_rc (*recover)(struct store_conn *c, int64_t now);
    /* Every workspace id with intelligence on (fn per id), and the rows of workspaces with it
     * off flushed. */
    enum store_rc (*each_enabled)(struct store_conn *c, void (*fn)(const char *ws_id, void *arg),
                                  void *arg);
    /* Bring workspace ws_id's rows in line with its tree (call inside a transaction): with
     * intelligence off every row goes (the index flushed); with it on, rows of nodes no longer
     * live go, and every live file whose current version or path differs from its row's (or
     * that has no row) is queued (state pending, seq bumped). fn (may be NULL) hears of each
     * node whose row was queued or dropped, at most max of them (the rest still change). */
    enum store_rc (*reconcile)(struct store_conn *c, const char *ws_id, int64_t now,
                               store_intel_node_fn fn, void *arg, size_t max);
    /* Drop the rows (and passages) of node_id and everything below it in ws_id: the subtree
     * went to the trash. Call inside the transaction that trashes it. */
    enum store_rc (*drop_subtree)(struct store_conn *c, const char *ws_id, const char *node_id);
    /* The oldest queued pending row moved to in_progress: STORE_OK (filled) or STORE_NOT_FOUND.
     * Call inside a transaction. */
    enum store_rc (*claim)(struct store_conn *c, int64_t now, struct store_intel_job *out);
    /* Store a job's result: the node's passages replaced by res's, its state, reason and
     * version set, queued = 0. STORE_NOT_FOUND (nothing written) when the row is gone or its seq
     * moved on (a newer enqueue: the work is redone). Call inside a transaction. */
    enum store_rc (*finish)(struct store_conn *c, const struct store_intel_job *job,
                            const struct store_intel_result *res, int64_t now);
    /* A job that could not run (database trouble): back to pending if seq unchanged. */
    enum store_rc (*release)(struct store_conn *c, const struct store_intel_job *job, int64_t now);
    /* Full-text search in ws_id: q->fts is an FTS5 query, only passages with a rowid >=
     * q->min_rowid (0 = all; intel_fts_plan's bound on the work of a query of common words),
     * ranked by BM25 with q's document frequencies (intel_rank, sqlite_intel.c); scope_json a JSON
     * array of node ids (files or folders, a folder meaning its whole subtree) or NULL for the
     * workspace. Hits in BM25 order (text weighted 1, name 4, path 1), limit/offset; per_file: only
     * the best passage of each file (limit/offset count files). */
    enum store_rc (*search)(struct store_conn *c, const char *ws_id,
                            const struct store_intel_query *q, const char *scope_json,
                            bool per_file, long limit, long offset, store_intel_hit_fn fn,
                            void *arg);
    /* Name search of live files and folders of ws_id whose name contains every word of words_json
     * (a JSON array of lowercase strings; ASCII case-insensitive), scope as in search; newest
     * first. Hits have text "" and score from the number of matching words. *total counts all. */
    enum store_rc (*name_search)(struct store_conn *c, const char *ws_id, const char *words_json,
                                 const char *scope_json, long limit, long offset,
                                 store_intel_hit_fn fn, void *arg, long long *total);
    /* How many passages (of any workspace) match the FTS5 expression fts, counting at most cap:
     * *n = min(matches, cap). Cheap for any term (it stops at cap). */
    enum store_rc (*match_count)(struct store_conn *c, const char *fts, long cap, long *n);
    /* The share of the newest `window` passages that match fts (0..1): an estimate of a common
     * term's document frequency without reading its whole doclist. */
    enum store_rc (*match_fraction)(struct store_conn *c, const char *fts, long window,
                                    double *fraction);
    /* The rowid of the window-th newest passage matching fts (*rowid; 0 when fewer match). */
    enum store_rc (*window_start)(struct store_conn *c, const char *fts, long window,
                                  int64_t *rowid);
    /* Every stored vector of ws_id's passages (scope as in search), fn per vector. */
    enum store_rc (*vector_scan)(struct store_conn *c, const char *ws_id, const char *scope_json,
                                 store_intel_vec_fn fn, void *arg);
    /* Passage passage_id of ws_id as a hit (score 0): STORE_OK after fn, or STORE_NOT_FOUND. */
    enum store_rc (*passage_hit)(struct store_conn *c, const char *ws_id, int64_t passage_id,
                                 store_intel_hit_fn fn, void *arg);
    /* Whether ws_id has any row (a workspace with intelligence off and no rows needs no
     * reconciliation: the common case, checked without a write transaction). */
    enum store_rc (*any_rows)(struct store_conn *c, const char *ws_id, bool *any);
    /* Counts of the workspace's rows by state (for search_metadata and tests). */
    enum store_rc (*counts)(struct store_conn *c, const char *ws_id, long long *queued,
                            long long *indexed, long long *passages);
};

#endif
