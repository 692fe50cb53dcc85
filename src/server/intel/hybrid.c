/* SPDX-License-Identifier: MIT */
/* hybrid.c - the ranking of search and retrieval (indexer.h intel_search; D-102): BM25 over the
 * FTS5 index (with the query plan), and with --embed-url also the cosine similarity of the
 * query's embedding to the stored passage vectors, fused by reciprocal rank (each list gives
 * 1 / (60 + rank), summed). Without embeddings, or when the endpoint fails, BM25 alone. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "embed.h"
#include "indexer.h"
#include "store_intel.h"

#define RRF_K 60.0
#define CAND_MIN 20
#define CAND_MAX 400

static struct intel_embed_cfg g_embed; /* set by intel_set_embed before any thread reads it */

void intel_set_embed(const char *url, const char *model, long timeout_s)
{
    g_embed.url = url;
    g_embed.model = model;
    g_embed.timeout_s = timeout_s;
}

const struct intel_embed_cfg *intel_embed_config(void)
{
    return g_embed.url ? &g_embed : NULL;
}

struct cand {
    int64_t pid;
    char node[FIO_OPAQUE_ID_SIZE];
    int rank_kw, rank_vec; /* 1-based; 0 = not in that list */
    double cos, rrf;
};

struct cands {
    struct cand *c;
    size_t n, cap;
};

static struct cand *cand_find(struct cands *cs, const char *node, int64_t pid, bool per_file)
{
    for (size_t i = 0; i < cs->n; i++)
        if (per_file ? strcmp(cs->c[i].node, node) == 0 : cs->c[i].pid == pid)
            return &cs->c[i];
    return NULL;
}

static struct cand *cand_add(struct cands *cs)
{
    if (cs->n == cs->cap)
        return NULL;
    struct cand *c = &cs->c[cs->n++];
    memset(c, 0, sizeof(*c));
    return c;
}

/* The keyword list: best first. */
static int kw_take(const struct store_intel_hit *h, void *arg)
{
    struct cands *cs = arg;
    struct cand *c = cand_add(cs);
    if (!c)
        return 1;
    c->pid = h->passage_id;
    fio_strlcpy(c->node, h->node_id, sizeof(c->node));
    c->rank_kw = (int)cs->n;
    return 0;
}

/* The best m vectors by cosine (the vectors are normalised: a dot product). */
struct vtop {
    const float *q;
    size_t dim, m, n, min_at;
    int64_t *pid;
    double *cos;
    float *buf; /* an aligned copy of the stored vector */
};

static int vec_take(int64_t pid, const float *vec, size_t dim, void *arg)
{
    struct vtop *t = arg;
    if (dim != t->dim)
        return 0; /* made by another model: not comparable */
    memcpy(t->buf, vec, dim * sizeof(float));
    double dot = 0;
    for (size_t i = 0; i < dim; i++)
        dot += (double)t->q[i] * (double)t->buf[i];
    if (t->n < t->m) {
        t->pid[t->n] = pid;
        t->cos[t->n] = dot;
        t->n++;
    } else if (dot > t->cos[t->min_at]) {
        t->pid[t->min_at] = pid;
        t->cos[t->min_at] = dot;
    } else {
        return 0;
    }
    if (t->n == t->m) {
        t->min_at = 0;
        for (size_t i = 1; i < t->n; i++)
            if (t->cos[i] < t->cos[t->min_at])
                t->min_at = i;
    }
    return 0;
}

/* The node of a passage (passage_hit's visitor). */
static int node_of(const struct store_intel_hit *h, void *arg)
{
    fio_strlcpy(arg, h->node_id, FIO_OPAQUE_ID_SIZE);
    return 0;
}

static int by_rrf(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->rrf != y->rrf)
        return x->rrf < y->rrf ? 1 : -1;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

struct relay {
    store_intel_hit_fn fn;
    void *arg;
    const struct cand *c;
    int stop;
};

static int relay_hit(const struct store_intel_hit *h, void *arg)
{
    struct relay *r = arg;
    struct store_intel_hit x = *h;
    x.score = r->c->rrf;
    x.cosine = r->c->rank_vec ? r->c->cos : 0;
    x.source = r->c->rank_kw && r->c->rank_vec ? "both" : r->c->rank_vec ? "semantic" : "keyword";
    r->stop = r->fn(&x, r->arg);
    return r->stop;
}

/* The hybrid ranking; -1 = the caller falls back to BM25 alone (embedding failed), -2 = error. */
static int hybrid(struct store_conn *st, const char *ws_id, const char *query,
                  const char *scope_json, bool per_file, long limit, long offset,
                  store_intel_hit_fn fn, void *arg)
{
    float *qv = NULL;
    size_t dim = 0;
    char reason[256];
    if (intel_embed(&g_embed, &query, 1, &qv, &dim, reason, sizeof(reason)) != 0 || dim == 0)
        return -1;
    long k = (offset + limit) * 2;
    k = k < CAND_MIN ? CAND_MIN : k > CAND_MAX ? CAND_MAX : k;
    size_t m = (size_t)(per_file ? k * 4 : k);
    struct cands cs = {.c = calloc((size_t)k + m, sizeof(struct cand)), .cap = (size_t)k + m};
    struct vtop t = {.q = qv,
                     .dim = dim,
                     .m = m,
                     .pid = calloc(m, sizeof(int64_t)),
                     .cos = calloc(m, sizeof(double)),
                     .buf = malloc(dim * sizeof(float))};
    int ret = -2;
    if (!cs.c || !t.pid || !t.cos || !t.buf)
        goto done;
    /* the keyword list */
    struct intel_plan *plan = malloc(sizeof(*plan));
    if (!plan)
        goto done;
    if (intel_fts_plan(st, query, plan) > 0) {
        struct cands kw = {.c = cs.c, .cap = (size_t)k};
        struct store_intel_query sq = intel_plan_query(plan);
        if (STORE(st, intel)->search(st, ws_id, &sq, scope_json, per_file, k, 0, kw_take, &kw) !=
            STORE_OK) {
            free(plan);
            goto done;
        }
        cs.n = kw.n;
    }
    free(plan);
    size_t nkw = cs.n;
    /* the vector list */
    if (STORE(st, intel)->vector_scan(st, ws_id, scope_json, vec_take, &t) != STORE_OK)
        goto done;
    size_t order[CAND_MAX * 4];
    for (size_t i = 0; i < t.n; i++)
        order[i] = i;
    for (size_t i = 1; i < t.n; i++) /* by cosine, best first */
        for (size_t j = i; j > 0 && t.cos[order[j]] > t.cos[order[j - 1]]; j--) {
            size_t x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    int rank = 0;
    for (size_t i = 0; i < t.n && rank < k; i++) {
        char node[FIO_OPAQUE_ID_SIZE] = "";
        if (STORE(st, intel)->passage_hit(st, ws_id, t.pid[order[i]], node_of, node) != STORE_OK)
            continue;
        struct cand *c = cand_find(&cs, node, t.pid[order[i]], per_file);
        if (c && c->rank_vec)
            continue; /* this file is ranked already by a better passage */
        if (!c && !(c = cand_add(&cs)))
            break;
        if (!c->pid)
            c->pid = t.pid[order[i]];
        if (!c->node[0])
            fio_strlcpy(c->node, node, sizeof(c->node));
        c->rank_vec = ++rank;
        c->cos = t.cos[order[i]];
    }
    (void)nkw;
    for (size_t i = 0; i < cs.n; i++)
        cs.c[i].rrf = (cs.c[i].rank_kw ? 1.0 / (RRF_K + cs.c[i].rank_kw) : 0) +
                      (cs.c[i].rank_vec ? 1.0 / (RRF_K + cs.c[i].rank_vec) : 0);
    qsort(cs.c, cs.n, sizeof(struct cand), by_rrf);
    ret = 0;
    for (size_t i = (size_t)offset; i < cs.n && i < (size_t)(offset + limit); i++) {
        struct relay r = {fn, arg, &cs.c[i], 0};
        enum store_rc rc = STORE(st, intel)->passage_hit(st, ws_id, cs.c[i].pid, relay_hit, &r);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
            ret = -2;
            break;
        }
        if (r.stop)
            break;
    }
done:
    free(cs.c);
    free(t.pid);
    free(t.cos);
    free(t.buf);
    free(qv);
    return ret;
}

int intel_search(struct store_conn *st, const char *ws_id, const char *query,
                 const char *scope_json, bool per_file, long limit, long offset,
                 store_intel_hit_fn fn, void *arg, bool *semantic)
{
    if (semantic)
        *semantic = false;
    if (limit <= 0)
        return 0;
    if (g_embed.url) {
        int h = hybrid(st, ws_id, query, scope_json, per_file, limit, offset, fn, arg);
        if (h == 0 && semantic)
            *semantic = true;
        if (h != -1)
            return h == 0 ? 0 : -1;
    }
    struct intel_plan *plan = malloc(sizeof(*plan));
    if (!plan)
        return -1;
    int ret = 0;
    if (intel_fts_plan(st, query, plan) > 0) {
        struct store_intel_query sq = intel_plan_query(plan);
        ret = STORE(st, intel)->search(st, ws_id, &sq, scope_json, per_file, limit, offset, fn,
                                       arg) == STORE_OK
                  ? 0
                  : -1;
    }
    free(plan);
    return ret;
}
