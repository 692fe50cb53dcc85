/* SPDX-License-Identifier: MIT */
/* intel_bench.c - the intelligence index measured in one run, never a test (docs/benchmarks.md
 * "Intelligence"). Runs the indexer's own code (intel_extract_mem, then store_intel's finish in
 * one transaction per file, exactly as a worker does, minus reading the blob) on a corpus it
 * generates (seeded: every run indexes the same bytes), in a fresh database made by the server's
 * schema.sql:
 *
 *  1. indexing throughput in MB/s of extracted text, next to a raw FTS5 insert of the same
 *     passages (a bare fts5 table, same tokenizer, one transaction per file) in the same run;
 *  2. search latency p50/p99 of per-file search (the storage search endpoint's query) and of
 *     passage retrieval (intel_retrieve_conn, the chat's), 1-3 word queries, over the corpus,
 *     next to a reference in the same run: the query plan plus its FTS5 expression over a bare
 *     fts5 table of the same passages, every match scored (the floor of the search's work);
 *  3. retrieval quality: each file hides FACTS sentences built from rare words; a query of the
 *     rare words of one fact (plus two common words) should find its file: hit@3 of the index
 *     (best passage per file) next to plain BM25 over whole files (one FTS5 row per file);
 *  4. process RSS growth across indexing.
 *
 * Usage: intel_bench [files, default 10000] [KiB per file, default 10] */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "extract.h"
#include "index.h"
#include "indexer.h"
#include "store.h"
#include "store_intel.h"

#define FACTS 3
#define QUERIES 2000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long rs = 88172645463325252ULL;
static unsigned rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (unsigned)(rs >> 11);
}

/* A vocabulary of 20,000 made-up words; word i is drawn with a Zipf-like law (rank r with
 * probability ~1/r), so a few words are everywhere and most are rare. */
#define VOCAB 20000
static char vocab[VOCAB][12];
static void make_vocab(void)
{
    static const char *const syl[] = {"ka", "lo", "mi", "ne", "tu", "ra", "si", "po", "de",
                                      "va", "qu", "ze", "bi", "fo", "gu", "ha", "jo", "wy"};
    for (int i = 0; i < VOCAB; i++) {
        int n = 2 + (int)(rnd() % 3), len = 0;
        for (int k = 0; k < n; k++)
            len += snprintf(vocab[i] + len, sizeof(vocab[i]) - (size_t)len, "%s",
                            syl[rnd() % (sizeof syl / sizeof syl[0])]);
        /* a digit suffix keeps the words distinct */
        snprintf(vocab[i] + len, sizeof(vocab[i]) - (size_t)len, "%d", i % 10);
    }
}
static const char *zipf_word(void)
{
    /* inverse of the harmonic CDF, approximately: r = exp(u * ln(VOCAB)) */
    double u = (double)(rnd() % 1000000) / 1000000.0;
    int r = (int)(exp(u * log((double)VOCAB)));
    if (r < 1)
        r = 1;
    return vocab[(r - 1) % VOCAB];
}

struct fact {
    char words[4][12]; /* the rare words of a fact sentence */
};

/* A file of about bytes of prose (sentences of 8-20 words, lines of ~80 columns, a blank line
 * between paragraphs), with FACTS sentences of rare words at random places. */
static void make_file(struct fio_buf *b, size_t bytes, struct fact *facts)
{
    fio_buf_reset(b);
    size_t at[FACTS];
    for (int f = 0; f < FACTS; f++) {
        at[f] = rnd() % (bytes > 200 ? bytes - 200 : 1);
        for (int w = 0; w < 4; w++) /* the rarest third of the vocabulary */
            snprintf(facts[f].words[w], sizeof(facts[f].words[w]), "%s",
                     vocab[VOCAB / 3 * 2 + (int)(rnd() % (VOCAB / 3))]);
    }
    int done = 0;
    size_t col = 0;
    while (b->len < bytes) {
        int sentences = 3 + (int)(rnd() % 5);
        for (int s = 0; s < sentences; s++) {
            for (int f = 0; f < FACTS; f++)
                if (!(done & (1 << f)) && b->len >= at[f]) {
                    done |= 1 << f;
                    fio_buf_printf(b, "The record says %s %s near %s and %s. ", facts[f].words[0],
                                   facts[f].words[1], facts[f].words[2], facts[f].words[3]);
                }
            int words = 8 + (int)(rnd() % 13);
            for (int w = 0; w < words; w++) {
                const char *word = zipf_word();
                fio_buf_append_str(b, word);
                col += strlen(word) + 1;
                fio_buf_append_str(b, w == words - 1 ? "." : "");
                if (col > 78) {
                    fio_buf_append_str(b, "\n");
                    col = 0;
                } else {
                    fio_buf_append_str(b, " ");
                }
            }
        }
        fio_buf_append_str(b, "\n\n");
        col = 0;
    }
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            v = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct rank_ctx {
    const char *want;
    int pos, seen;
};
static int rank_hit(const struct store_intel_hit *h, void *arg)
{
    struct rank_ctx *r = arg;
    r->seen++;
    if (strcmp(h->node_id, r->want) == 0) {
        r->pos = r->seen;
        return 1;
    }
    return 0;
}
static int count_hit(const struct store_intel_hit *h, void *arg)
{
    (void)h;
    (*(int *)arg)++;
    return 0;
}

struct vscan {
    const float *q;
    long n;
    double best;
};
static int vscan_fn(int64_t pid, const float *vec, size_t dim, void *arg)
{
    (void)pid;
    struct vscan *v = arg;
    float buf[384];
    if (dim > 384)
        return 0;
    memcpy(buf, vec, dim * sizeof(float)); /* as hybrid.c does: the blob may be unaligned */
    double dot = 0;
    for (size_t i = 0; i < dim; i++)
        dot += (double)v->q[i] * buf[i];
    if (dot > v->best)
        v->best = dot;
    v->n++;
    return 0;
}

int main(int argc, char **argv)
{
    int nfiles = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 10000;
    size_t kib = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 10;
    if (nfiles < 10 || kib < 1)
        return 2;
    /* INTEL_BENCH_KEEP=DIR: the database stays in DIR, and a second run with the same DIR and
     * arguments skips indexing (to compare query changes on the same index) */
    const char *keep = getenv("INTEL_BENCH_KEEP");
    char dir[] = "/tmp/intel-bench-XXXXXX", path[512], err[256];
    if (keep)
        snprintf(path, sizeof(path), "%s/meta.db", keep);
    else if (!mkdtemp(dir))
        return 1;
    else
        snprintf(path, sizeof(path), "%s/meta.db", dir);
    bool reuse = keep && access(path, F_OK) == 0;
    struct db_pool *pool = db_pool_open(path, 1, err, sizeof(err));
    if (!pool) {
        fprintf(stderr, "db: %s\n", err);
        return 1;
    }
    struct db_conn *db = db_acquire(pool);
    struct store_conn *c = &db->base;
    /* only the rows the index's statements read (foreign keys off) */
    db_exec(db, "PRAGMA foreign_keys=OFF", "");
    if (reuse)
        goto corpus;
    db_exec(db,
            "INSERT INTO workspaces (id, org_id, folder_name, name, perm_join, perm_member_manage, "
            "intelligence, created, updated) VALUES ('w', 'o', 'w', 'w', 'Member or above', "
            "'Member or above', 1, 0, 0)",
            "");
    db_exec(db, "CREATE VIRTUAL TABLE raw_fts USING fts5(text, tokenize='porter unicode61')", "");
    db_exec(db,
            "CREATE VIRTUAL TABLE whole_fts USING fts5(node, text, tokenize='porter unicode61')",
            "");
corpus:
    make_vocab();
    struct intel_limits lim;
    intel_limits_default(&lim);
    struct fio_buf b;
    fio_buf_init(&b, 0);
    struct fact(*facts)[FACTS] = calloc((size_t)nfiles, sizeof(*facts));
    long rss0 = rss_kib();
    double t_index = 0, t_raw = 0, t_extract = 0;
    size_t text_bytes = 0, input_bytes = 0, passages = 0;
    for (int i = 0; i < nfiles; i++) {
        char id[32], name[64], ver[32];
        snprintf(id, sizeof(id), "n%06d", i);
        snprintf(name, sizeof(name), "file-%06d.txt", i);
        snprintf(ver, sizeof(ver), "v%06d", i);
        make_file(&b, kib * 1024, facts[i]);
        input_bytes += b.len;
        if (reuse)
            continue; /* the same corpus (same seed), indexed by an earlier run */
        db_exec(db,
                "INSERT INTO nodes (id, workspace_id, type, name, version_id, creator_id, "
                "created, modified) VALUES (?1, 'w', 'file', ?2, ?3, 'u', 0, 0)",
                "ttt", id, name, ver);
        db_exec(db,
                "INSERT INTO intel_nodes (node_id, workspace_id, state, want_version, path, seq, "
                "updated) VALUES (?1, 'w', 'pending', ?2, '/' || ?3, ?4, 0)",
                "ttti", id, ver, name, (int64_t)i + 1);
        /* the worker's job: claim, extract, store in one transaction */
        double t0 = now_s();
        struct store_intel_job job;
        db_begin(db);
        if (STORE(c, intel)->claim(c, 1, &job) != STORE_OK) {
            fprintf(stderr, "claim failed\n");
            return 1;
        }
        db_commit(db);
        double t1 = now_s();
        struct intel_doc doc;
        char reason[256];
        if (intel_extract_mem(b.data, b.len, name, "text/plain", &lim, &doc, reason,
                              sizeof(reason)) != 0) {
            fprintf(stderr, "extract: %s\n", reason);
            return 1;
        }
        double t2 = now_s();
        struct store_intel_passage *ps = calloc(doc.n_passages, sizeof(*ps));
        for (size_t k = 0; k < doc.n_passages; k++)
            ps[k] =
                (struct store_intel_passage){doc.passages[k].text, doc.passages[k].page,
                                             doc.passages[k].line_start, doc.passages[k].line_end};
        struct store_intel_result res = {.state = "indexed",
                                         .reason = "",
                                         .passages = ps,
                                         .n_passages = doc.n_passages,
                                         .text_bytes = (int64_t)doc.text_bytes};
        db_begin(db);
        if (STORE(c, intel)->finish(c, &job, &res, 2) != STORE_OK) {
            fprintf(stderr, "finish failed\n");
            return 1;
        }
        db_commit(db);
        double t3 = now_s();
        t_index += t3 - t0;
        t_extract += t2 - t1;
        /* the reference: the same passages into a bare FTS5 table, one transaction */
        db_begin(db);
        for (size_t k = 0; k < doc.n_passages; k++)
            db_exec(db, "INSERT INTO raw_fts (text) VALUES (?1)", "t", doc.passages[k].text);
        db_commit(db);
        t_raw += now_s() - t3;
        /* the whole-file baseline for retrieval quality (not timed) */
        db_begin(db);
        db_exec(db, "INSERT INTO whole_fts (node, text) VALUES (?1, ?2)", "tt", id, b.data);
        db_commit(db);
        text_bytes += doc.text_bytes;
        passages += doc.n_passages;
        free(ps);
        intel_doc_free(&doc);
    }
    long rss1 = rss_kib();
    double mb = (double)text_bytes / 1e6;
    printf("corpus: %d files, %.1f MB input, %.1f MB extracted text, %zu passages\n", nfiles,
           (double)input_bytes / 1e6, mb, passages);
    printf("indexing (claim + extract + store, per file): %.1f MB/s of text (extraction alone "
           "%.1f MB/s)\n",
           mb / t_index, mb / t_extract);
    printf("raw FTS5 insert of the same passages:         %.1f MB/s\n", mb / t_raw);
    printf("ratio indexer / raw FTS5: %.2f\n", (mb / t_index) / (mb / t_raw));
    printf("RSS growth across indexing: %.1f MiB (from %.1f MiB)\n", (double)(rss1 - rss0) / 1024,
           (double)rss0 / 1024);

    /* 2. search latency */
    static double lat_file[QUERIES], lat_pass[QUERIES], lat_plan[QUERIES], lat_ref[QUERIES];
    for (int q = 0; q < QUERIES; q++) {
        char query[128];
        int n = 1 + (int)(rnd() % 3), len = 0;
        for (int k = 0; k < n; k++)
            len += snprintf(query + len, sizeof(query) - (size_t)len, "%s ", zipf_word());
        int got = 0;
        double t0 = now_s();
        /* what the endpoint does (the plan, then the per-file search), timed together */
        intel_search(c, "w", query, NULL, true, 10, 0, count_hit, &got, NULL);
        double t1 = now_s();
        struct intel_hit *h = NULL;
        size_t nh = 0;
        intel_retrieve_conn(c, "w", query, NULL, 0, 8, &h, &nh);
        double t2 = now_s();
        intel_hits_free(h, nh);
        lat_file[q] = (t1 - t0) * 1e3;
        lat_pass[q] = (t2 - t1) * 1e3;
        struct intel_plan *pl = malloc(sizeof(*pl));
        double t3 = now_s();
        intel_fts_plan(c, query, pl);
        double t4 = now_s();
        /* the reference: the same plan's FTS5 expression over the bare fts5 table of the same
         * passages (same rowids), every match scored by the same ranking function; no
         * workspace test, no grouping, no hit read */
        sqlite3_stmt *rf = pl->fts[0] ? db_query(db,
                                                 "SELECT rowid, intel_rank(raw_fts, ?3) FROM "
                                                 "raw_fts WHERE raw_fts MATCH ?1 AND rowid >= ?2",
                                                 "tib", pl->fts, pl->min_rowid,
                                                 (const void *)pl->df, pl->ndf * sizeof(double))
                                      : NULL;
        while (rf && sqlite3_step(rf) == SQLITE_ROW)
            ;
        if (rf)
            sqlite3_reset(rf);
        double t5 = now_s();
        lat_plan[q] = (t4 - t3) * 1e3;
        lat_ref[q] = (t5 - t3) * 1e3;
        free(pl);
    }
    qsort(lat_file, QUERIES, sizeof(double), cmp_d);
    qsort(lat_pass, QUERIES, sizeof(double), cmp_d);
    qsort(lat_plan, QUERIES, sizeof(double), cmp_d);
    qsort(lat_ref, QUERIES, sizeof(double), cmp_d);
    printf("search per file (storage search), %d queries of 1-3 words: p50 %.2f ms, p99 %.2f ms\n",
           QUERIES, lat_file[QUERIES / 2], lat_file[QUERIES * 99 / 100]);
    printf("passage retrieval (intel_retrieve, limit 8):           p50 %.2f ms, p99 %.2f ms\n",
           lat_pass[QUERIES / 2], lat_pass[QUERIES * 99 / 100]);
    printf("of which the query plan (counting the words):         p50 %.2f ms, p99 %.2f ms\n",
           lat_plan[QUERIES / 2], lat_plan[QUERIES * 99 / 100]);
    printf("reference: the plan + its query over a bare fts5 table, all matches scored: p50 %.2f "
           "ms, p99 %.2f ms\n",
           lat_ref[QUERIES / 2], lat_ref[QUERIES * 99 / 100]);
    printf("ratio storage search / reference: p50 %.2f, p99 %.2f\n",
           lat_file[QUERIES / 2] / lat_ref[QUERIES / 2],
           lat_file[QUERIES * 99 / 100] / lat_ref[QUERIES * 99 / 100]);

    /* the reconciliation a storage change costs (the tree walk; nothing to queue) */
    {
        static double lat[7];
        for (int q = 0; q < 7; q++) {
            double t0 = now_s();
            db_begin(db);
            STORE(c, intel)->reconcile(c, "w", 3, NULL, NULL, 0);
            db_commit(db);
            lat[q] = (now_s() - t0) * 1e3;
        }
        qsort(lat, 7, sizeof(double), cmp_d);
        printf("reconcile of a workspace of %d files (nothing changed): p50 %.1f ms\n", nfiles,
               lat[3]);
    }

    /* 3. hit@3: the rare words of one fact plus two common words */
    int nq = nfiles < 1000 ? nfiles : 1000, hit_idx = 0, hit_whole = 0;
    for (int q = 0; q < nq; q++) {
        int i = (int)(rnd() % (unsigned)nfiles), f = (int)(rnd() % FACTS);
        char want[32], query[160];
        snprintf(want, sizeof(want), "n%06d", i);
        snprintf(query, sizeof(query), "%s %s %s %s %s", facts[i][f].words[0], facts[i][f].words[2],
                 vocab[0], facts[i][f].words[3], vocab[1]);
        char plain[INTEL_FTS_QUERY_MAX];
        intel_fts_query(query, plain, sizeof(plain)); /* whole files: plain OR, no plan */
        struct rank_ctx r = {.want = want};
        intel_search(c, "w", query, NULL, true, 3, 0, rank_hit, &r, NULL);
        if (r.pos >= 1 && r.pos <= 3)
            hit_idx++;
        sqlite3_stmt *st = db_query(db,
                                    "SELECT node FROM whole_fts WHERE whole_fts MATCH ?1 ORDER "
                                    "BY bm25(whole_fts) LIMIT 3",
                                    "t", plain);
        while (st && sqlite3_step(st) == SQLITE_ROW)
            if (strcmp(db_col_text(st, 0), want) == 0) {
                hit_whole++;
                break;
            }
        if (st)
            sqlite3_reset(st);
    }
    printf("hit@3 over %d fact queries: index (best passage per file) %.3f, plain BM25 over "
           "whole files %.3f\n",
           nq, (double)hit_idx / nq, (double)hit_whole / nq);

    if (reuse)
        goto done;
    /* 5. the hybrid ranking's vector scan: random unit vectors of 384 floats for up to 20,000
     * passages, then the scan a query does (cosine of each against the query) */
    {
        enum { DIM = 384 };
        long nv = passages < 20000 ? (long)passages : 20000;
        float *vec = malloc(DIM * sizeof(float));
        db_begin(db);
        for (long i = 1; i <= nv; i++) {
            double norm = 0;
            for (int k = 0; k < DIM; k++) {
                vec[k] = (float)((int)(rnd() % 2001) - 1000);
                norm += (double)vec[k] * vec[k];
            }
            for (int k = 0; k < DIM; k++)
                vec[k] = (float)(vec[k] / sqrt(norm));
            db_exec(db,
                    "INSERT INTO intel_vectors (passage_id, workspace_id, vec) VALUES (?1, "
                    "'w', ?2)",
                    "ib", (int64_t)i, (const void *)vec, DIM * sizeof(float));
        }
        db_commit(db);
        static double lat[20];
        for (int q = 0; q < 20; q++) {
            struct vscan v = {.q = vec};
            double t0 = now_s();
            STORE(c, intel)->vector_scan(c, "w", NULL, vscan_fn, &v);
            lat[q] = (now_s() - t0) * 1e3;
            if (v.n != nv)
                fprintf(stderr, "vector scan saw %ld of %ld\n", v.n, nv);
        }
        qsort(lat, 20, sizeof(double), cmp_d);
        printf("vector scan (hybrid), %ld vectors of %d floats: p50 %.1f ms (%.2f us per vector)\n",
               nv, DIM, lat[10], lat[10] * 1e3 / (double)nv);
        free(vec);
    }

done:
    free(facts);
    fio_buf_release(&b);
    db_release(pool, db);
    db_pool_close(pool);
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; keep == NULL && i < 3; i++) {
        char p[600];
        snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
        unlink(p);
    }
    if (!keep)
        rmdir(dir);
    return 0;
}
