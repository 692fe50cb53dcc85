/* SPDX-License-Identifier: MIT */
/* indexer.h - the intelligence indexer's life cycle, options and the calls the rest of the
 * server makes into it (docs/server.md "Intelligence"; D-100..D-104). The retrieval interface
 * is index.h.
 *
 * Work flows through the intel_nodes table (store_intel.h): a change to a workspace's tree or to
 * its intelligence flag makes the router publish the activity key "storage" on the workspace;
 * activity_publish calls intel_notify, which marks the workspace dirty and wakes a worker. The
 * worker reconciles the workspace (rows queued for live files whose version or path differs,
 * rows of nodes no longer live dropped, everything dropped when intelligence is off), then claims
 * queued rows one at a time, extracts the version's text (extract.h) outside any transaction and
 * stores the passages and the state in one transaction that also checks the claim is still
 * current. Trashing drops the subtree's rows in the trashing transaction (storage_tree.c), so a
 * trashed file leaves search at once. Start-up puts claims a crash left back in the queue and
 * reconciles every workspace with intelligence on, so nothing committed is forgotten. */
#ifndef SRV_INTEL_INDEXER_H
#define SRV_INTEL_INDEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"
#include "store_intel.h"

#define INTEL_WORKERS_MAX 16
#define INTEL_DEFAULT_WORKERS 2
#define INTEL_DEFAULT_MAX_BYTES (64LL * 1024 * 1024)
#define INTEL_DEFAULT_TIMEOUT_S 30L
#define INTEL_QUERY_TERMS_MAX 32 /* words of a query used; the rest are ignored */

/* Start-up, before the workers: claims a crash left go back to the queue; every workspace with
 * intelligence on is marked for reconciliation. 0 or -1. */
int intel_recover(struct server *s);
/* Start the workers (after intel_recover). 0 or -1. */
int intel_start(struct server *s);
/* Stop and join the workers (a file being extracted finishes first, bounded by the time limit;
 * its row stays claimed and the next start queues it again). Safe when never started. */
void intel_stop(struct server *s);
/* Workspace ws_id's tree or settings changed (after the commit): reconcile it soon. Cheap,
 * callable from any thread; a no-op before intel_start. */
void intel_notify(struct server *s, const char *ws_id);

/* The free-text query as an FTS5 query: its words (letters, digits and any non-ASCII byte
 * sequence; at most INTEL_QUERY_TERMS_MAX, each at most 64 bytes) each quoted, joined by OR.
 * Returns the number of words; 0 = nothing searchable (out ""). */
size_t intel_fts_query(const char *q, char *out, size_t out_size);

struct intel_hit;
struct store_intel_hit;
struct intel_embed_cfg;

/* The embeddings endpoint (embed.h), set once by intel_start before any thread reads it; NULL
 * from intel_embed_config when off. */
void intel_set_embed(const char *url, const char *model, long timeout_s);
const struct intel_embed_cfg *intel_embed_config(void);

/* Search ws_id (hybrid.c, D-102): the plan's BM25, fused by reciprocal rank with vector
 * similarity when embeddings are configured (then each hit's source and cosine are set, score
 * is the fused score, and *semantic is true). per_file: the best passage of each file. fn is
 * called per hit, best first, at most limit times after skipping offset. 0 or -1. */
int intel_search(struct store_conn *st, const char *ws_id, const char *query,
                 const char *scope_json, bool per_file, long limit, long offset,
                 int (*fn)(const struct store_intel_hit *h, void *arg), void *arg, bool *semantic);

/* Bounds on the work of one query (D-102): a term in at least INTEL_COMMON_PASSAGES passages
 * (of the whole index) is common; at most about INTEL_SCORED_PASSAGES passages are scored; a
 * common term's frequency is estimated from the newest INTEL_SAMPLE_PASSAGES passages. */
#define INTEL_COMMON_PASSAGES 500L
#define INTEL_SCORED_PASSAGES 1000L
#define INTEL_SAMPLE_PASSAGES 1000L
#define INTEL_FTS_QUERY_MAX (INTEL_QUERY_TERMS_MAX * 160)

/* A planned query: the FTS5 expression, the lowest rowid to score (0 = all), and each phrase's
 * document frequency for the ranking (store_intel.h struct store_intel_query). */
struct intel_plan {
    char fts[INTEL_FTS_QUERY_MAX];
    int64_t min_rowid;
    double df[INTEL_QUERY_TERMS_MAX * 2];
    size_t ndf;
};
/* The query search and retrieval run (D-102), from intel_fts_query's terms, each counted with a
 * bounded look-up (store_intel match_count; a common one's frequency estimated by
 * match_fraction): every term rare, the plain OR query; some rare, "(rare terms) AND (all
 * terms)" with as many of the rarest as fit INTEL_SCORED_PASSAGES, so only passages with one of
 * them are scored and the others still add to the score; every term common, the passages
 * holding all of them (or the rarest alone when none holds all), only the newest
 * INTEL_SCORED_PASSAGES of them. Returns the number of words, 0 = nothing searchable. */
size_t intel_fts_plan(struct store_conn *st, const char *q, struct intel_plan *p);
struct store_intel_query intel_plan_query(const struct intel_plan *p);
/* intel_retrieve on a connection the caller holds (handlers use their request's). */
int intel_retrieve_conn(struct store_conn *st, const char *ws_id, const char *query,
                        const char *const *scope, size_t nscope, size_t limit,
                        struct intel_hit **out, size_t *n);

#endif
