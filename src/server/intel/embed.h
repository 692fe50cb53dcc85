/* SPDX-License-Identifier: MIT */
/* embed.h - the optional embeddings connector of the indexer (D-102; docs/server.md
 * "Intelligence", "Hybrid retrieval"): an OpenAI-compatible POST /v1/embeddings endpoint
 * (llama.cpp server, Ollama, vLLM, a cloud service) named by --embed-url. Off by default: the
 * index and search work without it. Thread safety: callable from any thread. */
#ifndef SRV_INTEL_EMBED_H
#define SRV_INTEL_EMBED_H

#include <stddef.h>

#define INTEL_EMBED_DIM_MAX 8192         /* a longer vector is refused */
#define INTEL_EMBED_BATCH 32             /* texts per request */
#define INTEL_EMBED_BODY_MAX (64u << 20) /* bytes of an answer */

struct intel_embed_cfg {
    const char *url;   /* the embeddings URL (…/v1/embeddings); NULL = off */
    const char *model; /* "model" of the request */
    long timeout_s;    /* per request */
};

/* Vectors for texts[0..n): POSTs {"model", "input": [...]} (INTEL_EMBED_BATCH at a time) and
 * reads {"data": [{"index", "embedding": [...]}]}. *out (malloc'd, n × *dim floats, row i for
 * text i, each normalised to length 1; a zero vector stays zero). 0, or -1 with reason. */
int intel_embed(const struct intel_embed_cfg *cfg, const char *const *texts, size_t n, float **out,
                size_t *dim, char *reason, size_t reason_len);

/* The answer parser on its own (fuzzed): body[0..len) for a request of n texts. *dim in: 0 =
 * any, else the dimension required; out: the dimension. *out: n × dim floats (malloc'd),
 * normalised. 0, or -1 with reason (nothing to free). */
int intel_embed_parse(const char *body, size_t len, size_t n, float **out, size_t *dim,
                      char *reason, size_t reason_len);

#endif
