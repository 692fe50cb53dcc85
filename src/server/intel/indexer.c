/* SPDX-License-Identifier: MIT */
/* indexer.c - the intelligence indexer: worker threads over the persistent queue of intel_nodes,
 * workspace reconciliation, and retrieval (indexer.h, index.h; docs/server.md "Intelligence";
 * D-100..D-104). */
#include "indexer.h"

#include <errno.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activity.h"
#include "blob.h"
#include "buf.h"
#include "embed.h"
#include "extract.h"
#include "index.h"
#include "store_backend.h"
#include "store_intel.h"

#define DIRTY_MAX 64      /* workspaces remembered as dirty; past it: all of them */
#define KEYS_MAX 1000     /* ai_state keys one reconciliation publishes */
#define IDLE_WAIT_MS 2000 /* a worker with nothing to do looks at the queue this often */
#define BUSY_RETRIES 20

struct intel_indexer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool all_dirty;
    size_t ndirty;
    char dirty[DIRTY_MAX][FIO_PROFILE_ID_SIZE];
    unsigned nthreads;
    pthread_t threads[INTEL_WORKERS_MAX];
};

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static struct intel_indexer *g_idx_of(struct server *s)
{
    return s->intel;
}


/* ---- notification ------------------------------------------------------------------------- */

static void mark_dirty(struct intel_indexer *x, const char *ws_id)
{
    for (size_t i = 0; i < x->ndirty; i++)
        if (strcmp(x->dirty[i], ws_id) == 0)
            return;
    if (x->ndirty == DIRTY_MAX) {
        x->all_dirty = true;
        return;
    }
    fio_strlcpy(x->dirty[x->ndirty++], ws_id, FIO_PROFILE_ID_SIZE);
}

void intel_notify(struct server *s, const char *ws_id)
{
    struct intel_indexer *x = g_idx_of(s);
    if (!x || !ws_id || !*ws_id || strlen(ws_id) >= FIO_PROFILE_ID_SIZE)
        return;
    pthread_mutex_lock(&x->mu);
    mark_dirty(x, ws_id);
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

/* ---- reconciliation ----------------------------------------------------------------------- */

struct keyset {
    size_t n;
    char (*ws)[FIO_PROFILE_ID_SIZE];
    char (*node)[FIO_OPAQUE_ID_SIZE];
};

static void key_add(const char *ws_id, const char *node_id, void *arg)
{
    struct keyset *k = arg;
    if (k->n >= KEYS_MAX || !k->ws)
        return;
    fio_strlcpy(k->ws[k->n], ws_id, FIO_PROFILE_ID_SIZE);
    fio_strlcpy(k->node[k->n], node_id, FIO_OPAQUE_ID_SIZE);
    k->n++;
}

static void emit_state(struct server *s, const char *ws_id, const char *node_id)
{
    char key[ACTIVITY_KEY_MAX];
    int w = snprintf(key, sizeof(key), "ai_state:%s", node_id);
    if (w > 0 && (size_t)w < sizeof(key))
        activity_emit(s, ws_id, key);
}

/* Reconcile one workspace (retried while the database is busy), then publish its keys. */
static enum store_rc reconcile_ws(struct server *s, struct store_conn *c, const char *ws_id)
{
    /* intelligence off and nothing indexed: nothing to do, and no write lock taken (every
     * storage change of every workspace comes through here) */
    bool on = false, any = false;
    if (STORE(c, intel)->enabled(c, ws_id, &on) == STORE_OK && !on &&
        STORE(c, intel)->any_rows(c, ws_id, &any) == STORE_OK && !any)
        return STORE_OK;
    struct keyset k = {0};
    k.ws = calloc(KEYS_MAX, sizeof(*k.ws));
    k.node = calloc(KEYS_MAX, sizeof(*k.node));
    enum store_rc rc = STORE_BUSY;
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == STORE_BUSY; attempt++) {
        k.n = 0;
        rc = store_begin(c);
        if (rc == STORE_OK) {
            rc = STORE(c, intel)->reconcile(c, ws_id, srv_now_us(), key_add, &k, KEYS_MAX);
            if (rc == STORE_OK)
                rc = store_commit(c);
            else
                store_rollback(c);
        }
        if (rc == STORE_BUSY)
            nap_ms(50);
    }
    if (rc == STORE_NOT_FOUND) /* the workspace is gone: its rows went with it */
        rc = STORE_OK;
    if (rc == STORE_OK)
        for (size_t i = 0; i < k.n; i++)
            emit_state(s, k.ws[i], k.node[i]);
    else
        srv_log(s, SRV_LOG_ERROR, "intel: reconcile %s: %s", ws_id, store_errmsg(c));
    free(k.ws);
    free(k.node);
    return rc;
}

struct ws_list {
    size_t n, cap;
    char (*ids)[FIO_PROFILE_ID_SIZE];
};

static void ws_collect(const char *ws_id, void *arg)
{
    struct ws_list *l = arg;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->ids, nc * sizeof(*l->ids));
        if (!p)
            return;
        l->ids = p;
        l->cap = nc;
    }
    fio_strlcpy(l->ids[l->n++], ws_id, FIO_PROFILE_ID_SIZE);
}

static void reconcile_all(struct server *s, struct store_conn *c)
{
    struct ws_list l = {0};
    enum store_rc rc = store_begin(c);
    if (rc == STORE_OK) {
        rc = STORE(c, intel)->each_enabled(c, ws_collect, &l);
        if (rc == STORE_OK)
            rc = store_commit(c);
        else
            store_rollback(c);
    }
    if (rc != STORE_OK)
        srv_log(s, SRV_LOG_ERROR, "intel: workspace scan: %s", store_errmsg(c));
    for (size_t i = 0; i < l.n; i++)
        reconcile_ws(s, c, l.ids[i]);
    free(l.ids);
}

/* ---- one job ------------------------------------------------------------------------------ */

/* Read blob version_id whole (at most max bytes). NULL with reason on failure. */
static char *read_version(struct server *s, const char *version_id, size_t max, size_t *len,
                          char *reason, size_t rlen)
{
    int64_t size = 0;
    int fd = blob_open(s, version_id, &size);
    if (fd < 0) {
        snprintf(reason, rlen, "content missing (version %s)", version_id);
        return NULL;
    }
    if (size < 0 || (uint64_t)size > max) {
        snprintf(reason, rlen, "too large: %lld bytes (limit %zu)", (long long)size, max);
        close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)size + 1);
    if (!buf) {
        snprintf(reason, rlen, "out of memory reading %lld bytes", (long long)size);
        close(fd);
        return NULL;
    }
    size_t got = 0;
    while (got < (size_t)size) {
        ssize_t r = pread(fd, buf + got, (size_t)size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)size) {
        snprintf(reason, rlen, "content unreadable (%zu of %lld bytes)", got, (long long)size);
        free(buf);
        return NULL;
    }
    buf[got] = 0;
    *len = got;
    return buf;
}

/* With --embed-url: the passages' vectors into res (a failure leaves the file indexed for
 * keyword search only, and is logged). */
static void embed_passages(struct server *s, const struct store_intel_job *job,
                           const struct intel_doc *doc, float **vecs,
                           struct store_intel_result *res)
{
    const struct intel_embed_cfg *cfg = intel_embed_config();
    if (!cfg || doc->n_passages == 0)
        return;
    const char **texts = calloc(doc->n_passages, sizeof(*texts));
    if (!texts)
        return;
    for (size_t i = 0; i < doc->n_passages; i++)
        texts[i] = doc->passages[i].text;
    char reason[256];
    size_t dim = 0;
    if (intel_embed(cfg, texts, doc->n_passages, vecs, &dim, reason, sizeof(reason)) == 0) {
        res->vecs = *vecs;
        res->dim = dim;
    } else {
        srv_log(s, SRV_LOG_WARN, "intel: %s of %s: keyword search only", reason, job->node_id);
    }
    free(texts);
}

static void run_job(struct server *s, struct store_conn *c, const struct store_intel_job *job)
{
    struct intel_limits lim;
    intel_limits_default(&lim);
    long long maxb = s->cfg.intel_max_bytes ? s->cfg.intel_max_bytes : INTEL_DEFAULT_MAX_BYTES;
    lim.max_input_bytes = (size_t)maxb;
    lim.max_ms =
        (unsigned)((s->cfg.intel_timeout_s ? s->cfg.intel_timeout_s : INTEL_DEFAULT_TIMEOUT_S) *
                   1000);
    char reason[STORE_INTEL_REASON_MAX] = "";
    struct intel_doc doc;
    memset(&doc, 0, sizeof(doc));
    struct store_intel_result res = {.state = "failed", .reason = reason};
    struct store_intel_passage *ps = NULL;
    float *vecs = NULL;
    char *buf = NULL;
    if (!job->want_version[0]) {
        res.state = "indexed"; /* no content yet: nothing to find */
    } else if (job->size > maxb) {
        snprintf(reason, sizeof(reason), "too large: %lld bytes (limit %lld)", (long long)job->size,
                 maxb);
    } else {
        size_t len = 0;
        buf = read_version(s, job->want_version, (size_t)maxb, &len, reason, sizeof(reason));
        if (buf) {
            if (intel_extract_mem(buf, len, job->name, job->mimetype, &lim, &doc, reason,
                                  sizeof(reason)) != 0) {
                if (!reason[0])
                    fio_strlcpy(reason, "extraction failed", sizeof(reason));
            } else if (!doc.is_text) {
                res.state = "ready";
            } else {
                ps = doc.n_passages ? calloc(doc.n_passages, sizeof(*ps)) : NULL;
                if (doc.n_passages && !ps) {
                    fio_strlcpy(reason, "out of memory", sizeof(reason));
                } else {
                    for (size_t i = 0; i < doc.n_passages; i++) {
                        ps[i].text = doc.passages[i].text;
                        ps[i].page = doc.passages[i].page;
                        ps[i].line_start = doc.passages[i].line_start;
                        ps[i].line_end = doc.passages[i].line_end;
                    }
                    res.state = "indexed";
                    res.passages = ps;
                    res.n_passages = doc.n_passages;
                    res.text_bytes = (int64_t)doc.text_bytes;
                    embed_passages(s, job, &doc, &vecs, &res);
                }
            }
        }
    }
    free(buf);
    if (strcmp(res.state, "failed") != 0)
        res.reason = "";
    enum store_rc rc = STORE_BUSY;
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == STORE_BUSY; attempt++) {
        rc = store_begin(c);
        if (rc == STORE_OK) {
            rc = STORE(c, intel)->finish(c, job, &res, srv_now_us());
            if (rc == STORE_OK)
                rc = store_commit(c);
            else
                store_rollback(c);
        }
        if (rc == STORE_BUSY)
            nap_ms(50);
    }
    free(ps);
    free(vecs);
    intel_doc_free(&doc);
    if (rc == STORE_OK) {
        emit_state(s, job->ws_id, job->node_id);
    } else if (rc != STORE_NOT_FOUND) { /* NOT_FOUND: superseded or dropped meanwhile */
        srv_log(s, SRV_LOG_ERROR, "intel: store result of %s: %s", job->node_id, store_errmsg(c));
        if (store_begin(c) == STORE_OK) {
            if (STORE(c, intel)->release(c, job, srv_now_us()) == STORE_OK)
                store_commit(c);
            else
                store_rollback(c);
        }
        nap_ms(200); /* database trouble: do not spin on it */
    }
}

/* Claim one queued row: 1 = got one, 0 = none, -1 = error. */
static int claim(struct server *s, struct store_conn *c, struct store_intel_job *job)
{
    enum store_rc rc = store_begin(c);
    if (rc != STORE_OK)
        return rc == STORE_BUSY ? 0 : -1;
    rc = STORE(c, intel)->claim(c, srv_now_us(), job);
    if (rc == STORE_OK)
        rc = store_commit(c);
    else
        store_rollback(c);
    if (rc == STORE_OK) {
        emit_state(s, job->ws_id, job->node_id);
        return 1;
    }
    return rc == STORE_NOT_FOUND || rc == STORE_BUSY ? 0 : -1;
}

/* ---- the workers -------------------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    struct server *s = arg;
    struct intel_indexer *x = g_idx_of(s);
    struct store_intel_job *job = malloc(sizeof(*job));
    if (!job)
        return NULL;
    pthread_mutex_lock(&x->mu);
    while (!x->stop) {
        /* reconciliation first: it is what queues work */
        char ws[FIO_PROFILE_ID_SIZE] = "";
        bool all = false;
        if (x->all_dirty) {
            all = true;
            x->all_dirty = false;
            x->ndirty = 0;
        } else if (x->ndirty > 0) {
            fio_strlcpy(ws, x->dirty[--x->ndirty], sizeof(ws));
        }
        pthread_mutex_unlock(&x->mu);
        struct store_conn *c = store_acquire(s->store);
        int got = 0;
        if (all) {
            reconcile_all(s, c);
            got = 1;
        } else if (ws[0]) {
            if (reconcile_ws(s, c, ws) == STORE_OK)
                pthread_cond_broadcast(&x->cv); /* work for the others too */
            got = 1;
        } else {
            got = claim(s, c, job);
            if (got == 1)
                run_job(s, c, job);
        }
        store_release(s->store, c);
        pthread_mutex_lock(&x->mu);
        if (got == 1 || x->stop)
            continue;
        if (x->ndirty || x->all_dirty)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += IDLE_WAIT_MS / 1000;
        pthread_cond_timedwait(&x->cv, &x->mu, &ts);
    }
    pthread_mutex_unlock(&x->mu);
    free(job);
    return NULL;
}

int intel_recover(struct server *s)
{
    struct store_conn *c = store_acquire(s->store);
    enum store_rc rc = store_begin(c);
    if (rc == STORE_OK) {
        rc = STORE(c, intel)->recover(c, srv_now_us());
        if (rc == STORE_OK)
            rc = store_commit(c);
        else
            store_rollback(c);
    }
    if (rc != STORE_OK)
        srv_log(s, SRV_LOG_ERROR, "intel: recovery: %s", store_errmsg(c));
    store_release(s->store, c);
    return rc == STORE_OK ? 0 : -1;
}

int intel_start(struct server *s)
{
    struct intel_indexer *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    pthread_mutex_init(&x->mu, NULL);
    pthread_cond_init(&x->cv, NULL);
    x->all_dirty = true; /* start-up: every workspace with intelligence on is reconciled */
    /* libcurl set up here, before any thread of ours uses it (hybrid retrieval only) */
    if (s->cfg.embed_url && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        pthread_cond_destroy(&x->cv);
        pthread_mutex_destroy(&x->mu);
        free(x);
        s->intel = NULL;
        return -1;
    }
    intel_set_embed(s->cfg.embed_url, s->cfg.embed_model, 60);
    s->intel = x;
    unsigned n = s->cfg.intel_workers ? s->cfg.intel_workers : INTEL_DEFAULT_WORKERS;
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&x->threads[i], NULL, worker_main, s) != 0) {
            intel_stop(s);
            return -1;
        }
        x->nthreads++;
    }
    return 0;
}

void intel_stop(struct server *s)
{
    struct intel_indexer *x = g_idx_of(s);
    if (!x)
        return;
    pthread_mutex_lock(&x->mu);
    x->stop = true;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    for (unsigned i = 0; i < x->nthreads; i++)
        pthread_join(x->threads[i], NULL);
    s->intel = NULL;
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

/* ---- retrieval ---------------------------------------------------------------------------- */

static bool word_byte(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch >= 0x80;
}

size_t intel_fts_query(const char *q, char *out, size_t out_size)
{
    struct fio_buf b;
    fio_buf_init(&b, out_size);
    size_t terms = 0;
    const unsigned char *p = (const unsigned char *)(q ? q : "");
    for (size_t guard = 0; *p && terms < INTEL_QUERY_TERMS_MAX && guard < 100000; guard++) {
        while (*p && !word_byte(*p))
            p++;
        const unsigned char *w = p;
        while (*p && word_byte(*p))
            p++;
        size_t len = (size_t)(p - w);
        if (len == 0)
            break;
        if (len > 64)
            len = 64;
        /* a cut inside a UTF-8 sequence would make an invalid token: back up to a boundary */
        while (len > 0 && len < (size_t)(p - w) && (w[len] & 0xC0) == 0x80)
            len--;
        if (len == 0)
            continue;
        /* letters and digits only, so the quoted string holds no quote to escape; a term goes
         * in whole or not at all */
        char term[80];
        int tl = snprintf(term, sizeof(term), "%s\"%.*s\"", terms ? " OR " : "", (int)len,
                          (const char *)w);
        if (tl <= 0 || (size_t)tl >= sizeof(term) || !fio_buf_append(&b, term, (size_t)tl))
            break;
        terms++;
    }
    if (!terms || b.len >= out_size) {
        if (out_size)
            out[0] = 0;
        fio_buf_release(&b);
        return 0;
    }
    memcpy(out, b.data, b.len);
    out[b.len] = 0;
    fio_buf_release(&b);
    return terms;
}

/* The plan being written: the expression and each phrase's document frequency, in order. */
struct plan_w {
    struct fio_buf b;
    struct intel_plan *p;
    bool ok;
};

static void pw_text(struct plan_w *w, const char *t)
{
    w->ok = w->ok && fio_buf_append_str(&w->b, t);
}

static void pw_term(struct plan_w *w, const char *term, size_t len, double df)
{
    w->ok = w->ok && w->p->ndf < sizeof(w->p->df) / sizeof(w->p->df[0]) &&
            fio_buf_append(&w->b, term, len);
    if (w->ok)
        w->p->df[w->p->ndf++] = df;
}

size_t intel_fts_plan(struct store_conn *st, const char *q, struct intel_plan *p)
{
    char all[INTEL_QUERY_TERMS_MAX * 72];
    size_t n = intel_fts_query(q, all, sizeof(all));
    memset(p, 0, sizeof(*p));
    if (n == 0)
        return 0;
    /* the phrases of all ("\"w\"" joined by " OR "; a term holds no space), and the distinct
     * terms among them */
    const char *occ[INTEL_QUERY_TERMS_MAX], *term[INTEL_QUERY_TERMS_MAX];
    size_t olen[INTEL_QUERY_TERMS_MAX], oterm[INTEL_QUERY_TERMS_MAX], tlen[INTEL_QUERY_TERMS_MAX];
    size_t idx[INTEL_QUERY_TERMS_MAX];
    long cnt[INTEL_QUERY_TERMS_MAX];
    double df[INTEL_QUERY_TERMS_MAX];
    size_t no = 0, nt = 0;
    for (const char *s = all; *s && no < INTEL_QUERY_TERMS_MAX;) {
        const char *e = strstr(s, " OR ");
        size_t l = e ? (size_t)(e - s) : strlen(s);
        size_t t = 0;
        while (t < nt && !(tlen[t] == l && memcmp(term[t], s, l) == 0))
            t++;
        if (t == nt) {
            term[nt] = s;
            tlen[nt] = l;
            nt++;
        }
        occ[no] = s;
        olen[no] = l;
        oterm[no++] = t;
        s += l + (e ? 4 : 0);
    }
    size_t matching = 0;
    bool counted = true;
    for (size_t i = 0; i < nt; i++) {
        char one[80];
        snprintf(one, sizeof(one), "%.*s", (int)tlen[i], term[i]);
        cnt[i] = 1;
        df[i] = 1;
        if (counted &&
            STORE(st, intel)->match_count(st, one, INTEL_COMMON_PASSAGES, &cnt[i]) != STORE_OK)
            counted = false; /* cannot plan: the plain query, frequencies unknown */
        df[i] = (double)cnt[i];
        if (counted && cnt[i] >= INTEL_COMMON_PASSAGES) {
            /* common: its share of the newest passages stands for its frequency */
            double f = 0;
            if (STORE(st, intel)->match_fraction(st, one, INTEL_SAMPLE_PASSAGES, &f) == STORE_OK &&
                f > 0)
                df[i] = -f;
        }
        if (cnt[i] > 0)
            idx[matching++] = i;
    }
    /* the matching terms, rarest first (insertion sort of at most 32) */
    for (size_t i = 1; i < matching; i++)
        for (size_t j = i; j > 0 && cnt[idx[j]] < cnt[idx[j - 1]]; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    /* the rare terms that fit the budget (at least the rarest, when it is rare) */
    size_t rare = 0;
    long sum = 0;
    while (counted && rare < matching && cnt[idx[rare]] < INTEL_COMMON_PASSAGES &&
           (rare == 0 || sum + cnt[idx[rare]] <= INTEL_SCORED_PASSAGES)) {
        sum += cnt[idx[rare]];
        rare++;
    }
    struct plan_w w = {.p = p, .ok = true};
    fio_buf_init(&w.b, sizeof(p->fts) - 1);
    if (!counted || matching == 0 || (rare == matching && matching == nt)) {
        /* every term rare, or nothing matches, or no counts: the plain query */
        for (size_t i = 0; i < no; i++) {
            pw_text(&w, i ? " OR " : "");
            pw_term(&w, occ[i], olen[i], df[oterm[i]]);
        }
    } else if (rare > 0) {
        /* (rare terms) AND (every term): only passages with a rare term are scored, and the
         * other terms still add to their score */
        pw_text(&w, "(");
        for (size_t i = 0; i < rare; i++) {
            pw_text(&w, i ? " OR " : "");
            pw_term(&w, term[idx[i]], tlen[idx[i]], df[idx[i]]);
        }
        pw_text(&w, ") AND (");
        for (size_t i = 0; i < no; i++) {
            pw_text(&w, i ? " OR " : "");
            pw_term(&w, occ[i], olen[i], df[oterm[i]]);
        }
        pw_text(&w, ")");
    } else {
        /* every term common: passages holding all of them (or the rarest alone when none holds
         * all), the newest INTEL_SCORED_PASSAGES of them */
        for (size_t i = 0; i < matching; i++) {
            pw_text(&w, i ? " AND " : "");
            pw_term(&w, term[idx[i]], tlen[idx[i]], df[idx[i]]);
        }
        long both = 0;
        if (w.ok && matching > 1 &&
            (STORE(st, intel)->match_count(st, w.b.data, 1, &both) != STORE_OK || both == 0)) {
            fio_buf_reset(&w.b);
            p->ndf = 0;
            pw_term(&w, term[idx[0]], tlen[idx[0]], df[idx[0]]);
        }
        if (w.ok && STORE(st, intel)->window_start(st, w.b.data, INTEL_SCORED_PASSAGES,
                                                   &p->min_rowid) != STORE_OK)
            p->min_rowid = 0;
    }
    if (w.ok && w.b.len < sizeof(p->fts)) {
        memcpy(p->fts, w.b.data, w.b.len + 1);
    } else { /* cannot happen with the sizes above; the plain query, frequencies unknown */
        memcpy(p->fts, all, strlen(all) + 1);
        p->ndf = 0;
        p->min_rowid = 0;
    }
    fio_buf_release(&w.b);
    return n;
}

/* The plan as the store's query. */
struct store_intel_query intel_plan_query(const struct intel_plan *p)
{
    struct store_intel_query q = {p->fts, p->min_rowid, p->df, p->ndf};
    return q;
}

struct hit_acc {
    struct intel_hit *h;
    size_t n, cap;
    bool oom;
};

static char *dup_or_null(const char *s, bool *oom)
{
    char *d = fio_strdup(s ? s : "");
    if (!d)
        *oom = true;
    return d;
}

static int hit_take(const struct store_intel_hit *sh, void *arg)
{
    struct hit_acc *a = arg;
    if (a->n == a->cap)
        return 1;
    struct intel_hit *h = &a->h[a->n];
    h->node_id = dup_or_null(sh->node_id, &a->oom);
    h->version_id = dup_or_null(sh->version_id, &a->oom);
    h->name = dup_or_null(sh->name, &a->oom);
    h->text = dup_or_null(sh->text, &a->oom);
    h->page = sh->page;
    h->line_start = sh->line_start;
    h->line_end = sh->line_end;
    h->score = sh->score;
    a->n++;
    return a->oom ? 1 : 0;
}

/* The scope as a JSON array text (NULL for none). */
static char *scope_json(const char *const *scope, size_t nscope)
{
    if (nscope == 0)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; a && i < nscope; i++)
        if (scope[i] && json_array_append_new(a, json_string(scope[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    char *t = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return t;
}

void intel_hits_free(struct intel_hit *h, size_t n)
{
    if (!h)
        return;
    for (size_t i = 0; i < n; i++) {
        free(h[i].node_id);
        free(h[i].version_id);
        free(h[i].name);
        free(h[i].text);
    }
    free(h);
}

int intel_retrieve_conn(struct store_conn *st, const char *ws_id, const char *query,
                        const char *const *scope, size_t nscope, size_t limit,
                        struct intel_hit **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!ws_id || !query)
        return -1;
    if (limit == 0)
        return 0;
    if (limit > 1000)
        limit = 1000;
    char *sj = NULL;
    if (nscope) {
        sj = scope_json(scope, nscope);
        if (!sj)
            return -1;
    }
    struct hit_acc a = {.h = calloc(limit, sizeof(struct intel_hit)), .cap = limit};
    if (!a.h) {
        free(sj);
        return -1;
    }
    int rc = intel_search(st, ws_id, query, sj, false, (long)limit, 0, hit_take, &a, NULL);
    free(sj);
    if (rc != 0 || a.oom) {
        intel_hits_free(a.h, a.n);
        return -1;
    }
    if (a.n == 0) {
        free(a.h);
        return 0;
    }
    *out = a.h;
    *n = a.n;
    return 0;
}

int intel_retrieve(struct server *s, const char *ws_id, const char *query, const char *const *scope,
                   size_t nscope, size_t limit, struct intel_hit **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s || !s->store)
        return -1;
    struct store_conn *c = store_acquire(s->store);
    if (!c)
        return -1;
    int r = intel_retrieve_conn(c, ws_id, query, scope, nscope, limit, out, n);
    store_release(s->store, c);
    return r;
}
