/* SPDX-License-Identifier: MIT */
/* compose.h - answers without a model (issue 13; docs/server.md "AI chat"; D-106): the
 * extractive composer picks, from the best passages, the sentences that answer the question,
 * marks each with [n] where n is its citation (one citation per file version, api §8.2 "Citation
 * item": nodeId, versionId, entries[{page, snippet}]), and says plainly when nothing relevant
 * scores. Also the pieces the model path shares: the question's terms, the in-memory ranking of
 * attached files' passages, and the rewriting of a model's [n] markers.
 *
 * Pure functions of their inputs: no I/O, no clock, no randomness; the same input gives the same
 * output. Every loop is bounded by the input and by the caps below. Text in and out is UTF-8
 * (invalid bytes are passed through as they are; the caller gives valid text). */
#ifndef SRV_INTEL_COMPOSE_H
#define SRV_INTEL_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define AI_TERMS_MAX 64       /* distinct content terms of a question */
#define AI_TERM_BYTES 48      /* longer words are cut */
#define AI_PASSAGES_MAX 64    /* passages a composer looks at */
#define AI_SENTENCES_MAX 4096 /* sentences it scores, all passages together */
#define AI_SENTENCE_BYTES 600 /* a longer sentence is cut at a space */
#define AI_SNIPPET_BYTES 300  /* citation snippets */
#define AI_ANSWER_SENTENCES 4 /* sentences an extractive answer quotes at most */

/* A passage to answer from (a search hit or an attached file's passage). Borrowed strings. */
struct ai_passage {
    const char *node_id, *version_id, *name, *text;
    int page; /* 1-based, 0 = not paged */
    int line_start, line_end;
    double score; /* higher is better; the order of the array is the retrieval order */
};

/* The question's content terms: lowercased, stop words dropped, a light suffix stemmer (the same
 * on both sides), at most AI_TERMS_MAX distinct ones in order of appearance. */
struct ai_terms {
    char term[AI_TERMS_MAX][AI_TERM_BYTES];
    size_t n;
};
void ai_terms_of(const char *text, size_t len, struct ai_terms *out);

enum ai_outcome {
    AI_ANSWERED = 0, /* text with [n] markers, citations non-empty */
    AI_NOT_FOUND,    /* nothing relevant scored: a plain "not found" text, no citations */
    AI_NEEDS_INPUT,  /* the question has no content words: clarification set */
};

struct ai_answer {
    enum ai_outcome outcome;
    char *text;          /* malloc'd */
    char *clarification; /* malloc'd, AI_NEEDS_INPUT only */
    json_t *citations;   /* array of {nodeId, versionId, name, entries:[{page, snippet,
                          * line_start, line_end}]} (OWNED) */
    size_t sentences;    /* sentences quoted */
};
void ai_answer_free(struct ai_answer *a);

struct ai_compose_opts {
    size_t max_sentences; /* 0 = AI_ANSWER_SENTENCES */
    const char *where;    /* "the workspace" / "the attached files": the not-found wording */
};

/* The extractive answer to question from passages p[0..n) (at most AI_PASSAGES_MAX are read).
 * 0, or -1 when out of memory (out left empty). */
int ai_compose_extractive(const char *question, const struct ai_passage *p, size_t n,
                          const struct ai_compose_opts *opts, struct ai_answer *out);

/* Rank passages p[0..n) against question by BM25 over their terms (k1 1.2, b 0.75; ties keep
 * the input order): order[0..*nout) receives the indexes of the passages that share at least
 * one term with the question, best first, at most max; their scores go into p[i].score. For
 * attachments, which are read directly rather than through the index. 0, or -1 (OOM). */
int ai_rank_passages(const char *question, struct ai_passage *p, size_t n, size_t max,
                     size_t *order, size_t *nout);

/* Rewrite citation markers of a model's text: every bracket holding only numbers separated by
 * commas or spaces ("[3]", "[1, 4]") keeps the numbers k with 1 <= k <= nmap and map[k-1] > 0,
 * each replaced by map[k-1] (duplicates dropped); a bracket left empty is removed together with
 * one space before it. Other brackets are left alone. Returns malloc'd text (NULL: OOM); *used
 * (may be NULL, nmap entries) marks the input numbers kept. */
char *ai_markers_rewrite(const char *text, size_t len, const int *map, size_t nmap, bool *used);

/* The grounded prompt the model path sends: the numbered passages ("[1] name, page 2: text")
 * followed by the question. malloc'd, NULL on OOM. */
char *ai_context_text(const struct ai_passage *p, size_t n, size_t max_bytes);

#endif
