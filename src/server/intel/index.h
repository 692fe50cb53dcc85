/* SPDX-License-Identifier: MIT */
/* index.h - retrieval over the intelligence index (issue 13; docs/server.md "Intelligence";
 * D-100): the passages of a workspace's indexed files that best answer a free-text query, for
 * the AI chat (its answers cite node, version, page and lines) and anything else that needs
 * passages rather than the search endpoint's per-file hits. The index is SQLite FTS5 with BM25
 * (Porter stemming over unicode61 tokens); the query's words are OR-ed, so a passage with more
 * of them (and rarer ones) ranks higher. Thread safety: callable from any thread; each call
 * takes its own store connection for its duration (it must not be called while the same thread
 * holds every connection of the pool). */
#ifndef SRV_INTEL_INDEX_H
#define SRV_INTEL_INDEX_H

#include <stddef.h>

struct server;
struct intel_hit {
    char *node_id;     /* file node id */
    char *version_id;  /* version the passage came from */
    char *name;        /* file name */
    char *text;        /* passage text, UTF-8 */
    int page;          /* 1-based, 0 = not paged */
    int line_start, line_end;
    double score;      /* higher is better */
};
/* The best `limit` passages of workspace ws_id for the free-text query, only from files in scope
 * (file or folder node ids; a folder includes everything under it; nscope 0 = whole workspace),
 * only live (not trashed) indexed files. 0 = ok (*out NULL when *n is 0), -1 = error. */
int intel_retrieve(struct server *s, const char *ws_id, const char *query,
                   const char *const *scope, size_t nscope, size_t limit,
                   struct intel_hit **out, size_t *n);
void intel_hits_free(struct intel_hit *h, size_t n);

#endif
