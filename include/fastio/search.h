/* SPDX-License-Identifier: MIT */
/* fastio/search.h - search in a workspace (api §4.2, §8.5; docs/api.md "Search"): its files by
 * their text (when the workspace has intelligence on; each hit with a relevance score, a snippet
 * of the best passage and its page) or, with intelligence off, by their names; and the unified
 * search with its buckets (files, metadata, comments).
 *
 * Same conventions as fastio/fastio.h (ownership, errors, one client per thread). */
#ifndef FASTIO_SEARCH_H
#define FASTIO_SEARCH_H

#include "fastio/fastio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-call struct without a size field: zero-fill it (zero = the default); ABI rule in
 * fastio/fastio.h. */
struct fastio_search_spec {
    const char *workspace;     /* required: workspace id or folder_name */
    const char *query;         /* required: 2-1000 characters */
    const char *files_scope;   /* "nodeId[:versionId],..." or NULL */
    const char *folders_scope; /* "nodeId[:depth],..." or NULL */
    long limit;                /* files, 1-500; 0 = the server's default (100, 10 with details) */
    long offset;               /* files to skip */
    bool details;              /* each hit carries the full node */
    const char *output;        /* snippet length: "terse", "standard", "full"; NULL = standard */
};

/* GET /workspace/{ws}/storage/search/. *response (OWNED) is the whole answer: "files" (an object
 * keyed by node id: {name, parent_id, type, mimetype, and with intelligence relevance_score,
 * content_snippet, match_source, page{start_page, end_page} or null, version_id, lines}) and
 * "search_metadata" {intelligence_enabled, semantic_available, scoped}. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_files_search(struct fastio_client *c, const struct fastio_search_spec *spec,
                    json_t **response, struct fastio_error *err);

/* The hits of a storage search response as an array (OWNED), best first (relevance_score
 * descending, then name), each hit an object with its "id". Also accepts the other documented
 * shape, results[]{content, score, node}, turned into the same objects. NULL when out of
 * memory; [] when the response holds no hits. */
FASTIO_API json_t *fastio_search_hits(const json_t *response);

struct fastio_workspace_search_spec {
    const char *workspace;          /* required */
    const char *query;              /* required: 1-1024 characters, not blank */
    long files_limit, files_offset; /* 0 = the server's default (25, 0) */
    long metadata_limit, metadata_offset;
    long comments_limit, comments_offset;
};

/* GET /workspace/{ws}/search/. *buckets (OWNED): {files, metadata, comments}, each {items[],
 * total, total_relation ("eq" | "gte"), has_more, status ("ok" | "degraded")}. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_workspace_search(struct fastio_client *c, const struct fastio_workspace_search_spec *spec,
                        json_t **buckets, struct fastio_error *err);

#ifdef __cplusplus
}
#endif

#endif
