/* SPDX-License-Identifier: MIT */
/* h_search.c - storage search and the unified search of a workspace (api §4.2, §8.5; docs/api.md
 * "Search"; docs/server.md "Intelligence"; D-102):
 *   GET /workspace/{ws}/storage/search/  files keyed by node id, best passage per file
 *   GET /workspace/{ws}/search/          buckets files / metadata / comments
 * With intelligence on, files are found by the full-text index (intel/indexer.h: FTS5, BM25 over
 * passage text, name and path); with it off, by their names. The router has checked that the
 * caller is a member (guest or above) of the workspace; every hit is a live node of it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "indexer.h"
#include "storage.h"
#include "store_intel.h"

#define SEARCH_SCOPE_MAX 100 /* ids in files_scope, and in folders_scope */
#define SEARCH_LIMIT_MAX 500
#define SNIP_TERSE 200
#define SNIP_STANDARD 600
#define UNIFIED_LIMIT_MAX 100
#define UNIFIED_LIMIT_DEFAULT 25

/* ---- parameters ------------------------------------------------------------------------------ */

/* Append the node ids of a scope CSV ("id[:version|:depth],...") to arr, each checked to be a
 * node of the workspace (live or not: a trashed one simply matches nothing). */
static int scope_parse(struct req *r, const char *param, json_t *arr)
{
    bool bad = false;
    const char *v = tree_param(r, param, &bad);
    if (bad)
        return -1;
    if (!v || !*v)
        return 0;
    size_t count = 0;
    const char *p = v;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        size_t idlen = colon ? (size_t)(colon - p) : len;
        if (idlen > 0) {
            if (++count > SEARCH_SCOPE_MAX)
                return req_fail_param(r, param, "invalid", "At most %d ids in %s", SEARCH_SCOPE_MAX,
                                      param);
            char text[64];
            if (idlen >= sizeof(text))
                return req_fail_param(r, param, "invalid", "'%s' holds a malformed node id", param);
            memcpy(text, p, idlen);
            text[idlen] = 0;
            bool is_root = false;
            char id[FIO_OPAQUE_ID_SIZE];
            if (tree_parse_id(r, text, param, &is_root, id) != 0)
                return -1;
            if (is_root)
                continue; /* the root: the whole workspace */
            struct store_node n;
            int found = tree_node_get(r, id, NULL, &n);
            if (found < 0)
                return -1;
            if (found == 0)
                return req_fail(r, 404, API_ERR_NOT_FOUND,
                                "The node %s in %s is not in this workspace", id, param);
            if (json_array_append_new(arr, json_string(id)) != 0)
                return req_fail(r, 500, 0, "Out of memory");
        }
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/* The search text: required, min..max bytes, not blank. NULL with the error set. */
static const char *search_text(struct req *r, size_t min, size_t max)
{
    bool bad = false;
    const char *q = tree_param(r, "search", &bad);
    if (bad)
        return NULL;
    if (!q) {
        req_fail_param(r, "search", "missing", "The parameter 'search' is required");
        return NULL;
    }
    size_t len = strlen(q);
    bool blank = true;
    for (size_t i = 0; i < len && blank; i++)
        blank = isspace((unsigned char)q[i]) != 0;
    if (len < min || len > max || blank) {
        req_fail_param(r, "search", "invalid", "'search' must be %zu to %zu characters, not blank",
                       min, max);
        return NULL;
    }
    return q;
}

/* The query's words, lowercased (ASCII), as a JSON array text for the name search. */
static char *name_words(const char *q)
{
    json_t *a = json_array();
    const unsigned char *p = (const unsigned char *)q;
    size_t n = 0;
    while (a && *p && n < INTEL_QUERY_TERMS_MAX) {
        while (*p && isspace(*p))
            p++;
        const unsigned char *w = p;
        while (*p && !isspace(*p))
            p++;
        size_t len = (size_t)(p - w);
        if (!len)
            break;
        char word[256];
        if (len >= sizeof(word))
            len = sizeof(word) - 1;
        for (size_t i = 0; i < len; i++)
            word[i] = (char)tolower(w[i]);
        word[len] = 0;
        if (json_array_append_new(a, json_string(word)) != 0) {
            json_decref(a);
            a = NULL;
        }
        n++;
    }
    char *t = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return t;
}

/* ---- snippets -------------------------------------------------------------------------------- */

/* Position of the first query word in text (ASCII case-insensitive), or 0. */
static size_t first_match(const char *text, const char *q)
{
    size_t best = (size_t)-1, tlen = strlen(text);
    const unsigned char *p = (const unsigned char *)q;
    for (int terms = 0; *p && terms < INTEL_QUERY_TERMS_MAX; terms++) {
        while (*p && !isalnum(*p) && *p < 0x80)
            p++;
        const unsigned char *w = p;
        while (*p && (isalnum(*p) || *p >= 0x80))
            p++;
        size_t wl = (size_t)(p - w);
        if (wl < 2)
            continue;
        for (size_t i = 0; i + wl <= tlen && i < best; i++)
            if (strncasecmp(text + i, (const char *)w, wl) == 0) {
                best = i;
                break;
            }
    }
    return best == (size_t)-1 ? 0 : best;
}

/* At most max bytes of text around the first match (whole when max is 0), cut at UTF-8
 * character boundaries, with "…" where text was left out. New reference. */
static json_t *snippet(const char *text, const char *q, size_t max)
{
    size_t len = strlen(text);
    if (max == 0 || len <= max)
        return json_string(text);
    size_t at = first_match(text, q);
    size_t start = at > max / 3 ? at - max / 3 : 0;
    if (start + max > len)
        start = len - max;
    while (start > 0 && ((unsigned char)text[start] & 0xC0) == 0x80)
        start--;
    size_t end = start + max;
    if (end > len)
        end = len;
    while (end < len && end > start && ((unsigned char)text[end] & 0xC0) == 0x80)
        end--;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    bool ok = (start == 0 || fio_buf_append_str(&b, "\xE2\x80\xA6")) &&
              fio_buf_append(&b, text + start, end - start) &&
              (end == len || fio_buf_append_str(&b, "\xE2\x80\xA6"));
    json_t *s = ok ? json_stringn(b.data ? b.data : "", b.len) : NULL;
    fio_buf_release(&b);
    return s;
}

/* ---- hits ------------------------------------------------------------------------------------ */

struct hits {
    struct req *r;
    const char *q;
    size_t snip;   /* snippet bytes, 0 = whole passage */
    bool content;  /* index hits (snippet, score, page) rather than name hits */
    bool details;  /* add the full node */
    bool as_array; /* unified search: items[] rather than a map */
    json_t *out;   /* object keyed by node id, or array */
    long n;
    long want; /* stop after this many */
    bool failed;
};

/* The relevance of api §4.2: a keyword hit 0..0.5, growing with its BM25 score (or, in the
 * hybrid ranking, its fused score: at most 1/61 from one list); a semantic one 0.5..1 with its
 * cosine similarity to the query. */
static double relevance(const struct store_intel_hit *h)
{
    if (h->source && strcmp(h->source, "keyword") != 0)
        return 0.5 + 0.5 * (h->cosine > 0 ? (h->cosine < 1 ? h->cosine : 1) : 0);
    if (h->source) {
        double v = 0.5 * h->score * 61.0;
        return v > 0.5 ? 0.5 : v;
    }
    return h->score <= 0 ? 0.0 : 0.5 * h->score / (h->score + 1.0);
}

static int hit_add(const struct store_intel_hit *h, void *arg)
{
    struct hits *hs = arg;
    if (hs->n >= hs->want) {
        hs->n++; /* one past: there is more */
        return 1;
    }
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s?, s:s}", "id", h->node_id, "name", h->name, "type", h->type,
                  "parent_id", h->parent_id ? h->parent_id : TREE_ROOT, "mimetype", h->mimetype);
    if (!o) {
        hs->failed = true;
        return 1;
    }
    bool ok = true;
    if (hs->content) {
        json_t *page = h->page > 0
                           ? json_pack("{s:i, s:i}", "start_page", h->page, "end_page", h->page)
                           : json_null();
        ok = json_object_set_new(o, "relevance_score", json_real(relevance(h))) == 0 &&
             json_object_set_new(o, "content_snippet", snippet(h->text, hs->q, hs->snip)) == 0 &&
             json_object_set_new(o, "match_source",
                                 json_string(h->source ? h->source : "keyword")) == 0 &&
             json_object_set_new(o, "page", page) == 0 &&
             json_object_set_new(o, "version_id", json_string(h->version_id)) == 0 &&
             json_object_set_new(
                 o, "lines", json_pack("{s:i, s:i}", "start", h->line_start, "end", h->line_end)) ==
                 0;
    }
    if (ok && hs->details) {
        json_t *node = tree_render(hs->r, h->node_id, false);
        ok = node && json_object_set_new(o, "node", node) == 0;
    }
    if (ok)
        ok = hs->as_array ? json_array_append_new(hs->out, o) == 0
                          : json_object_set_new(hs->out, h->node_id, o) == 0;
    else
        json_decref(o);
    if (!ok) {
        hs->failed = true;
        return 1;
    }
    hs->n++;
    return 0;
}

/* Run the search into hs (want = limit + 1 to learn has_more). *total: the exact count for a
 * name search, -1 when unknown (index search). 0 or -1 (error set). */
static int run_search(struct req *r, struct hits *hs, bool intel_on, const char *scope, long limit,
                      long offset, long long *total)
{
    *total = -1;
    enum store_rc rc;
    hs->want = limit;
    if (intel_on) {
        hs->content = true;
        rc = intel_search(r->st, r->ws.id, hs->q, scope, true, limit + 1, offset, hit_add, hs,
                          NULL) == 0
                 ? STORE_OK
                 : STORE_ERROR;
    } else {
        char *words = name_words(hs->q);
        if (!words)
            return req_fail(r, 500, 0, "Out of memory");
        rc =
            STORE(r->st, intel)
                ->name_search(r->st, r->ws.id, words, scope, limit + 1, offset, hit_add, hs, total);
        free(words);
    }
    if (hs->failed && !r->err.http)
        return req_fail(r, 500, 0, "Out of memory");
    if (hs->failed)
        return -1;
    if (rc != STORE_OK)
        return req_fail_internal(r, "search");
    return 0;
}

/* ---- GET /workspace/{ws}/storage/search/ ----------------------------------------------------- */

int h_st_search(struct req *r)
{
    const char *q = search_text(r, 2, 1000);
    if (!q)
        return -1;
    bool details = false;
    if (!req_param_bool(r, "details", false, &details))
        return -1;
    long long limit, offset;
    if (!req_param_int(r, "limit", 1, SEARCH_LIMIT_MAX, details ? 10 : 100, &limit) ||
        !req_param_int(r, "offset", 0, 1000000, 0, &offset))
        return -1;
    bool bad = false;
    const char *output = tree_param(r, "output", &bad);
    if (bad)
        return -1;
    size_t snip = SNIP_STANDARD;
    if (output && *output) {
        if (strcmp(output, "terse") == 0)
            snip = SNIP_TERSE;
        else if (strcmp(output, "full") == 0)
            snip = 0;
        else if (strcmp(output, "standard") != 0)
            return req_fail_param(r, "output", "invalid",
                                  "'output' must be terse, standard or full");
    }
    json_t *scope = json_array();
    if (!scope)
        return req_fail(r, 500, 0, "Out of memory");
    char *scope_text = NULL;
    int ret = -1;
    if (scope_parse(r, "files_scope", scope) != 0 || scope_parse(r, "folders_scope", scope) != 0)
        goto done;
    bool scoped = json_array_size(scope) > 0;
    if (scoped && !(scope_text = json_dumps(scope, JSON_COMPACT))) {
        req_fail(r, 500, 0, "Out of memory");
        goto done;
    }
    bool on = false;
    if (STORE(r->st, intel)->enabled(r->st, r->ws.id, &on) != STORE_OK) {
        req_fail_internal(r, "workspace intelligence");
        goto done;
    }
    struct hits hs = {.r = r, .q = q, .snip = snip, .details = details, .out = json_object()};
    if (!hs.out) {
        req_fail(r, 500, 0, "Out of memory");
        goto done;
    }
    long long total;
    if (run_search(r, &hs, on, scope_text, (long)limit, (long)offset, &total) != 0) {
        json_decref(hs.out);
        goto done;
    }
    json_t *meta = json_pack("{s:b, s:b, s:b, s:s}", "intelligence_enabled", on,
                             "semantic_available", on && intel_embed_config() != NULL, "scoped",
                             scoped, "mode", on ? "content" : "name");
    if (req_set(r, "files", hs.out) != 0 || req_set(r, "search_metadata", meta) != 0 ||
        req_set(r, "has_more", json_boolean(hs.n > limit)) != 0)
        goto done;
    ret = 0;
done:
    free(scope_text);
    json_decref(scope);
    return ret;
}

/* ---- GET /workspace/{ws}/search/ ------------------------------------------------------------- */

/* An empty bucket: the workspace has nothing of that kind here (no metadata templates, no
 * comments), which is an exact answer. */
static json_t *empty_bucket(void)
{
    return json_pack("{s:[], s:i, s:s, s:b, s:s}", "items", "total", 0, "total_relation", "eq",
                     "has_more", 0, "status", "ok");
}

int h_ws_search(struct req *r)
{
    const char *q = search_text(r, 1, 1024);
    if (!q)
        return -1;
    long long flimit, foffset, mlimit, moffset, climit, coffset;
    if (!req_param_int(r, "files_limit", 1, UNIFIED_LIMIT_MAX, UNIFIED_LIMIT_DEFAULT, &flimit) ||
        !req_param_int(r, "files_offset", 0, 1000000, 0, &foffset) ||
        !req_param_int(r, "metadata_limit", 1, UNIFIED_LIMIT_MAX, UNIFIED_LIMIT_DEFAULT, &mlimit) ||
        !req_param_int(r, "metadata_offset", 0, 1000000, 0, &moffset) ||
        !req_param_int(r, "comments_limit", 1, UNIFIED_LIMIT_MAX, UNIFIED_LIMIT_DEFAULT, &climit) ||
        !req_param_int(r, "comments_offset", 0, 1000000, 0, &coffset))
        return -1;
    bool on = false;
    if (STORE(r->st, intel)->enabled(r->st, r->ws.id, &on) != STORE_OK)
        return req_fail_internal(r, "workspace intelligence");
    struct hits hs = {.r = r, .q = q, .snip = SNIP_TERSE, .as_array = true, .out = json_array()};
    if (!hs.out)
        return req_fail(r, 500, 0, "Out of memory");
    long long total;
    if (run_search(r, &hs, on, NULL, (long)flimit, (long)foffset, &total) != 0) {
        json_decref(hs.out);
        return -1;
    }
    bool more = hs.n > flimit;
    long long shown = (long long)json_array_size(hs.out);
    /* the index search does not count every match: total is what is known (offset + shown,
     * "gte" while there is more); the name search counts exactly */
    json_t *files = json_pack("{s:o, s:I, s:s, s:b, s:s}", "items", hs.out, "total",
                              (json_int_t)(total >= 0 ? total : foffset + shown), "total_relation",
                              total >= 0 || !more ? "eq" : "gte", "has_more", more, "status", "ok");
    json_t *b = files ? json_pack("{s:o, s:o, s:o}", "files", files, "metadata", empty_bucket(),
                                  "comments", empty_bucket())
                      : NULL;
    if (!b)
        return req_fail(r, 500, 0, "Out of memory");
    return req_set(r, "buckets", b);
}
