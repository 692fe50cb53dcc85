/* SPDX-License-Identifier: MIT */
/* sqlite_intel.c - the SQLite statements of the intelligence index (store_intel.h; schema.sql
 * migration 11). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "buf.h"
#include "sqlite_util.h"
#include "store_intel.h"

/* ---- the ranking function ----------------------------------------------------------------------
 * intel_rank(intel_fts, dfs): BM25 exactly as FTS5's bm25() computes it (k1 1.2, b 0.75, column
 * weights text 1, name 4, path 1 applied to the term frequencies), except that each phrase's
 * document frequency comes from the caller (dfs: a blob of doubles, one per phrase of the query
 * in order; a value >= 0 is a count, a negative one minus a fraction of all rows) instead of a
 * count over the whole index per query: bm25() reads the whole doclist of every phrase to count
 * it, which for a word in most passages costs more than ranking the few passages scored
 * (D-102). */
#define RANK_PHRASES_MAX 128

static void intel_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                       int nval, sqlite3_value **val)
{
    static const double weight[3] = {1.0, 4.0, 1.0};
    const double k1 = 1.2, b = 0.75;
    int np = api->xPhraseCount(fts);
    if (np > RANK_PHRASES_MAX)
        np = RANK_PHRASES_MAX;
    double df[RANK_PHRASES_MAX], freq[RANK_PHRASES_MAX];
    int ndf = 0;
    if (nval >= 1 && sqlite3_value_type(val[0]) == SQLITE_BLOB) {
        int bytes = sqlite3_value_bytes(val[0]);
        ndf = bytes / (int)sizeof(double);
        if (ndf > RANK_PHRASES_MAX)
            ndf = RANK_PHRASES_MAX;
        if (ndf > 0)
            memcpy(df, sqlite3_value_blob(val[0]), (size_t)ndf * sizeof(double));
    }
    sqlite3_int64 rows = 0, total = 0;
    int dl = 0, ninst = 0;
    if (api->xRowCount(fts, &rows) != SQLITE_OK ||
        api->xColumnTotalSize(fts, -1, &total) != SQLITE_OK ||
        api->xColumnSize(fts, -1, &dl) != SQLITE_OK || api->xInstCount(fts, &ninst) != SQLITE_OK) {
        sqlite3_result_error(ctx, "intel_rank: cannot read the row", -1);
        return;
    }
    for (int p = 0; p < np; p++)
        freq[p] = 0;
    for (int i = 0; i < ninst; i++) {
        int ip = 0, ic = 0, io = 0;
        if (api->xInst(fts, i, &ip, &ic, &io) == SQLITE_OK && ip >= 0 && ip < np && ic >= 0 &&
            ic < 3)
            freq[ip] += weight[ic];
    }
    double avgdl = rows > 0 ? (double)total / (double)rows : 1.0;
    if (avgdl <= 0)
        avgdl = 1.0;
    double score = 0;
    for (int p = 0; p < np; p++) {
        if (freq[p] <= 0)
            continue;
        double n = p < ndf ? (df[p] >= 0 ? df[p] : -df[p] * (double)rows) : 1.0;
        double idf = log(((double)rows - n + 0.5) / (n + 0.5));
        if (!(idf > 1e-6))
            idf = 1e-6;
        score += idf * (freq[p] * (k1 + 1.0)) / (freq[p] + k1 * (1.0 - b + b * (double)dl / avgdl));
    }
    sqlite3_result_double(ctx, score);
}

int sqlite_intel_register(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api || api->iVersion < 2)
        return -1;
    return api->xCreateFunction(api, "intel_rank", NULL, intel_rank, NULL) == SQLITE_OK ? 0 : -1;
}

/* Live nodes of workspace ?1 with their path ("/a/b/name"): the root's children not trashed and
 * everything below them (a trashed top node is detached, so its subtree is not reached). Depth
 * bounded like the tree (TREE_MAX_DEPTH). */
#define LIVE_CTE                                                                                   \
    "live(id, path, d) AS (SELECT id, '/' || name, 0 FROM nodes WHERE workspace_id = ?1 AND "      \
    "parent_id IS NULL AND trashed = 0 UNION ALL SELECT n.id, live.path || '/' || n.name, "        \
    "live.d + 1 FROM nodes n JOIN live ON n.parent_id = live.id WHERE live.d < 500)"

/* The scope: node ids of the JSON array ?3 and everything below them. */
#define SCOPE_CTE                                                                                  \
    "sc(id, d) AS (SELECT value, 0 FROM json_each(?3) UNION ALL SELECT n.id, sc.d + 1 FROM "       \
    "nodes n JOIN sc ON n.parent_id = sc.id WHERE sc.d < 500)"

static enum store_rc i_enabled(struct store_conn *c, const char *ws_id, bool *on)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT intelligence FROM workspaces WHERE id = ?1", "t", ws_id);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK) {
        *on = sqlite3_column_int(st, 0) != 0;
        sqlite3_reset(st);
    }
    return rc;
}

static enum store_rc i_recover(struct store_conn *c, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE intel_nodes SET state = 'pending', updated = ?1 WHERE state "
                              "= 'in_progress'",
                              "i", now));
}

static enum store_rc i_each_enabled(struct store_conn *c, void (*fn)(const char *ws_id, void *arg),
                                    void *arg)
{
    enum store_rc rc = sq_exec_rc(db_exec(sq(c),
                                          "DELETE FROM intel_nodes WHERE workspace_id IN (SELECT "
                                          "id FROM workspaces WHERE intelligence = 0)",
                                          ""));
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *st = db_query(sq(c), "SELECT id FROM workspaces WHERE intelligence = 1", "");
    if (!st)
        return STORE_ERROR;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        fn(db_col_text(st, 0), arg);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? STORE_OK : store_sqlite_rc(s);
}

/* Step a RETURNING statement to its end, telling fn of each node id (first max of them). */
static enum store_rc drain_ids(sqlite3_stmt *st, const char *ws_id, store_intel_node_fn fn,
                               void *arg, size_t max)
{
    if (!st)
        return STORE_ERROR;
    size_t n = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn && n < max)
            fn(ws_id, db_col_text(st, 0), arg);
        n++;
    }
    sqlite3_reset(st);
    return s == SQLITE_DONE ? STORE_OK : store_sqlite_rc(s);
}

static enum store_rc i_reconcile(struct store_conn *c, const char *ws_id, int64_t now,
                                 store_intel_node_fn fn, void *arg, size_t max)
{
    bool on = false;
    enum store_rc rc = i_enabled(c, ws_id, &on);
    if (rc != STORE_OK)
        return rc;
    if (!on)
        return drain_ids(db_query(sq(c),
                                  "DELETE FROM intel_nodes WHERE workspace_id = ?1 RETURNING "
                                  "node_id",
                                  "t", ws_id),
                         ws_id, fn, arg, max);
    rc = drain_ids(db_query(sq(c),
                            "WITH RECURSIVE " LIVE_CTE " DELETE FROM intel_nodes WHERE "
                            "workspace_id = ?1 AND node_id NOT IN (SELECT id FROM live) "
                            "RETURNING node_id",
                            "t", ws_id),
                   ws_id, fn, arg, max);
    if (rc != STORE_OK)
        return rc;
    /* One seq per queued row, above every seq in use, in tree order. */
    return drain_ids(
        db_query(sq(c),
                 "WITH RECURSIVE " LIVE_CTE
                 " INSERT INTO intel_nodes (node_id, workspace_id, state, want_version, path, seq, "
                 "queued, updated) SELECT n.id, ?1, 'pending', n.version_id, live.path, (SELECT "
                 "COALESCE(MAX(seq), 0) FROM intel_nodes) + ROW_NUMBER() OVER (ORDER BY live.d, "
                 "n.id), 1, ?2 FROM live JOIN nodes n ON n.id = live.id LEFT JOIN intel_nodes i "
                 "ON i.node_id = n.id WHERE n.type IN ('file', 'note') AND (i.node_id IS NULL OR "
                 "i.want_version IS NOT n.version_id OR i.path IS NOT live.path) ON "
                 "CONFLICT(node_id) DO UPDATE SET state = 'pending', reason = '', want_version = "
                 "excluded.want_version, path = excluded.path, seq = excluded.seq, queued = 1, "
                 "updated = excluded.updated RETURNING node_id",
                 "ti", ws_id, now),
        ws_id, fn, arg, max);
}

static enum store_rc i_drop_subtree(struct store_conn *c, const char *ws_id, const char *node_id)
{
    return sq_exec_rc(db_exec(sq(c),
                              "WITH RECURSIVE t(id, d) AS (SELECT id, 0 FROM nodes WHERE "
                              "workspace_id = ?1 AND id = ?2 UNION ALL SELECT n.id, t.d + 1 FROM "
                              "nodes n JOIN t ON n.parent_id = t.id WHERE t.d < 1000) DELETE FROM "
                              "intel_nodes WHERE workspace_id = ?1 AND node_id IN (SELECT id FROM "
                              "t)",
                              "tt", ws_id, node_id));
}

static enum store_rc i_claim(struct store_conn *c, int64_t now, struct store_intel_job *out)
{
    sqlite3_stmt *st = db_query(
        sq(c),
        "SELECT i.node_id, i.workspace_id, COALESCE(i.want_version, ''), i.path, n.name, "
        "n.mimetype, n.size, i.seq FROM intel_nodes i JOIN nodes n ON n.id = i.node_id WHERE "
        "i.queued = 1 AND i.state = 'pending' ORDER BY i.seq LIMIT 1",
        "");
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    fio_strlcpy(out->node_id, db_col_text(st, 0), sizeof(out->node_id));
    fio_strlcpy(out->ws_id, db_col_text(st, 1), sizeof(out->ws_id));
    fio_strlcpy(out->want_version, db_col_text(st, 2), sizeof(out->want_version));
    fio_strlcpy(out->path, db_col_text(st, 3), sizeof(out->path));
    fio_strlcpy(out->name, db_col_text(st, 4), sizeof(out->name));
    fio_strlcpy(out->mimetype, db_col_text(st, 5), sizeof(out->mimetype));
    out->size = sqlite3_column_int64(st, 6);
    out->seq = sqlite3_column_int64(st, 7);
    sqlite3_reset(st);
    return sq_exec_one(c, db_exec(sq(c),
                                  "UPDATE intel_nodes SET state = 'in_progress', updated = ?3 "
                                  "WHERE node_id = ?1 AND seq = ?2",
                                  "tii", out->node_id, out->seq, now));
}

static enum store_rc i_finish(struct store_conn *c, const struct store_intel_job *job,
                              const struct store_intel_result *res, int64_t now)
{
    enum store_rc rc = sq_exec_one(
        c, db_exec(sq(c),
                   "UPDATE intel_nodes SET state = ?3, reason = ?4, version_id = want_version, "
                   "queued = 0, passages = ?5, text_bytes = ?6, updated = ?7 WHERE node_id = ?1 "
                   "AND seq = ?2",
                   "tittiii", job->node_id, job->seq, res->state, res->reason ? res->reason : "",
                   (int64_t)res->n_passages, res->text_bytes, now));
    if (rc != STORE_OK)
        return rc;
    rc = sq_exec_rc(
        db_exec(sq(c), "DELETE FROM intel_passages WHERE node_id = ?1", "t", job->node_id));
    for (size_t i = 0; rc == STORE_OK && i < res->n_passages; i++) {
        const struct store_intel_passage *p = &res->passages[i];
        rc = sq_exec_rc(db_exec(sq(c),
                                "INSERT INTO intel_passages (node_id, workspace_id, version_id, "
                                "page, line_start, line_end, name, path, text) VALUES (?1, ?2, ?3, "
                                "?4, ?5, ?6, ?7, ?8, ?9)",
                                "tttdddttt", job->node_id, job->ws_id, job->want_version, p->page,
                                p->line_start, p->line_end, job->name, job->path, p->text));
        if (rc == STORE_OK && res->vecs && res->dim)
            rc = sq_exec_rc(db_exec(sq(c),
                                    "INSERT INTO intel_vectors (passage_id, workspace_id, vec) "
                                    "VALUES (last_insert_rowid(), ?1, ?2)",
                                    "tb", job->ws_id, (const void *)(res->vecs + i * res->dim),
                                    res->dim * sizeof(float)));
    }
    return rc;
}

static enum store_rc i_release(struct store_conn *c, const struct store_intel_job *job, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE intel_nodes SET state = 'pending', updated = ?3 WHERE "
                              "node_id = ?1 AND seq = ?2 AND state = 'in_progress'",
                              "tii", job->node_id, job->seq, now));
}

/* Hit columns: node_id, version_id, name, path, text, page, line_start, line_end, score,
 * mimetype, parent_id, type. */
static enum store_rc drain_hits(sqlite3_stmt *st, store_intel_hit_fn fn, void *arg)
{
    if (!st)
        return STORE_ERROR;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_intel_hit h = {
            .node_id = db_col_text(st, 0),
            .version_id = db_col_text(st, 1),
            .name = db_col_text(st, 2),
            .path = db_col_text(st, 3),
            .text = db_col_text(st, 4),
            .page = sqlite3_column_int(st, 5),
            .line_start = sqlite3_column_int(st, 6),
            .line_end = sqlite3_column_int(st, 7),
            .score = sqlite3_column_double(st, 8),
            .mimetype = db_col_text(st, 9),
            .parent_id = sqlite3_column_type(st, 10) == SQLITE_NULL ? NULL : db_col_text(st, 10),
            .type = db_col_text(st, 11),
            .passage_id = sqlite3_column_int64(st, 12),
        };
        if (fn(&h, arg) != 0)
            break;
    }
    sqlite3_reset(st);
    return s == SQLITE_DONE || s == SQLITE_ROW ? STORE_OK : store_sqlite_rc(s);
}

/* ---- search: candidates scored in SQL, grouped and ordered in C (D-139) ----------------------
 * One statement yields (passage id, node id, score) for every passage the FTS5 expression
 * matches in the workspace (and scope); the best passage of each file (score descending, then
 * passage id) and the order of the result (score descending, then node id per file or passage
 * id per passage; a NULL score last) are worked out here, and only the hits returned are read
 * in full (one point query each). The previous single statement (ROW_NUMBER() over a CTE, then
 * a join of every file's best passage with its text before the sort) did the same work in the
 * VDBE's sorters, carrying every candidate's text through them. The order is the same total
 * order, so the results are identical (test_intel_retrieve search_order_matches_sql). */

/* A candidate: a passage, or the best passage of a file so far. */
struct cand {
    int64_t pid;
    double score;
    bool null;      /* the score was NULL (SQLite's NaN): ranks after every number */
    size_t id_off;  /* per file: the node id's offset in cands.ids */
    const char *id; /* per file: the node id (set once cands.ids stops moving) */
};

struct cands {
    struct fio_buf rows; /* the candidates, n struct cand (malloc'd memory: aligned for them) */
    size_t n;
    struct fio_buf ids; /* per file: the node ids, each NUL-terminated */
    size_t *slot;       /* per file: an open-addressing table of node -> index + 1 (0 = free) */
    size_t nslot;       /* a power of two, at least twice n */
};

/* The score part of the order: a before b (-1), after (1), equal (0). */
static int score_cmp(const struct cand *a, const struct cand *b)
{
    if (a->null != b->null)
        return a->null ? 1 : -1;
    if (!a->null && a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return 0;
}

static int by_score_pid(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    int s = score_cmp(a, b);
    return s ? s : a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int by_score_node(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    int s = score_cmp(a, b);
    return s ? s : strcmp(a->id, b->id);
}

static struct cand *cand_at(const struct cands *cs, size_t i)
{
    return (struct cand *)(void *)cs->rows.data + i;
}

static bool cand_add(struct cands *cs, const struct cand *r)
{
    if (!fio_buf_append(&cs->rows, r, sizeof(*r)))
        return false;
    cs->n++;
    return true;
}

static size_t id_hash(const char *s)
{
    size_t h = 1469598103934665603ULL & SIZE_MAX; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

/* The table of files at least twice the files held (rebuilt when it grows). */
static bool slots_fit(struct cands *cs)
{
    if (cs->nslot >= 2 * (cs->n + 1))
        return true;
    size_t nslot = cs->nslot ? cs->nslot * 2 : 512;
    size_t *slot = calloc(nslot, sizeof(*slot));
    if (!slot)
        return false;
    for (size_t i = 0; i < cs->n; i++) {
        size_t h = id_hash(cs->ids.data + cand_at(cs, i)->id_off) & (nslot - 1);
        while (slot[h])
            h = (h + 1) & (nslot - 1);
        slot[h] = i + 1;
    }
    free(cs->slot);
    cs->slot = slot;
    cs->nslot = nslot;
    return true;
}

/* Per file: keep r if it is the file's best passage so far. false on OOM. */
static bool cand_best(struct cands *cs, const char *node, const struct cand *r)
{
    if (!slots_fit(cs))
        return false;
    size_t h = id_hash(node) & (cs->nslot - 1);
    for (; cs->slot[h]; h = (h + 1) & (cs->nslot - 1)) {
        struct cand *c = cand_at(cs, cs->slot[h] - 1);
        if (strcmp(cs->ids.data + c->id_off, node) == 0) {
            if (by_score_pid(r, c) < 0) {
                c->pid = r->pid;
                c->score = r->score;
                c->null = r->null;
            }
            return true;
        }
    }
    struct cand x = *r;
    x.id_off = cs->ids.len;
    if (!fio_buf_append(&cs->ids, node, strlen(node) + 1) || !cand_add(cs, &x))
        return false;
    cs->slot[h] = cs->n;
    return true;
}

/* Hit columns as drain_hits reads them, of passage ?1 of workspace ?2, with score ?3 (a
 * search's score, or 0.0). Nothing when the passage or its node is gone. */
static const char sql_hit[] =
    "SELECT p.node_id, p.version_id, p.name, p.path, p.text, p.page, p.line_start, p.line_end, "
    "?3, n.mimetype, n.parent_id, n.type, p.id FROM intel_passages p JOIN nodes n ON n.id = "
    "p.node_id WHERE p.id = ?1 AND p.workspace_id = ?2";

/* drain_hits' visitor for one row: skips the first `skip` rows (still counted as existing),
 * then hands them on. */
struct one_hit {
    store_intel_hit_fn fn;
    void *arg;
    long skip;
    bool seen;
    int stop;
};
static int one_hit_fn(const struct store_intel_hit *h, void *arg)
{
    struct one_hit *o = arg;
    o->seen = true;
    if (o->skip > 0) {
        o->skip--;
        return 0;
    }
    o->stop = o->fn(h, o->arg);
    return o->stop;
}

/* Passage pid (score, or NULL) through o; STORE_NOT_FOUND when it or its node is gone. */
static enum store_rc hit_row(struct store_conn *c, const char *ws_id, int64_t pid, double score,
                             bool null, struct one_hit *o)
{
    sqlite3_stmt *st = db_query(sq(c), sql_hit, "it", pid, ws_id);
    if (st && (null ? sqlite3_bind_null(st, 3) : sqlite3_bind_double(st, 3, score)) != SQLITE_OK)
        st = NULL;
    o->seen = false;
    enum store_rc rc = drain_hits(st, one_hit_fn, o);
    return rc == STORE_OK && !o->seen ? STORE_NOT_FOUND : rc;
}

static enum store_rc i_search(struct store_conn *c, const char *ws_id,
                              const struct store_intel_query *q, const char *scope_json,
                              bool per_file, long limit, long offset, store_intel_hit_fn fn,
                              void *arg)
{
    /* The covering index (migration 13) answers the workspace and scope test of each match
     * without reading the passage's row, which holds its text. */
    static const char sql_cands[] =
        "WITH RECURSIVE " SCOPE_CTE
        " SELECT p.id, p.node_id, intel_rank(intel_fts, ?5) FROM intel_fts JOIN intel_passages p "
        "INDEXED BY intel_passages_hit ON p.id = intel_fts.rowid WHERE intel_fts MATCH ?2 AND "
        "intel_fts.rowid >= ?4 AND p.workspace_id = ?1 AND (?3 IS NULL OR p.node_id IN (SELECT "
        "id FROM sc))";
    if (limit == 0)
        return STORE_OK;
    sqlite3_stmt *st = db_query(sq(c), sql_cands, "tttib", ws_id, q->fts, scope_json, q->min_rowid,
                                (const void *)q->df, q->ndf * sizeof(double));
    if (!st)
        return STORE_ERROR;
    struct cands cs = {0};
    fio_buf_init(&cs.rows, 0);
    fio_buf_init(&cs.ids, 0);
    enum store_rc rc = STORE_OK;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct cand r = {.pid = sqlite3_column_int64(st, 0),
                         .null = sqlite3_column_type(st, 2) == SQLITE_NULL,
                         .score = sqlite3_column_double(st, 2)};
        if (per_file ? !cand_best(&cs, db_col_text(st, 1), &r) : !cand_add(&cs, &r)) {
            rc = STORE_ERROR;
            break;
        }
    }
    sqlite3_reset(st);
    if (rc == STORE_OK && s != SQLITE_DONE)
        rc = store_sqlite_rc(s);
    if (rc == STORE_OK && cs.n > 0) {
        struct cand *v = cand_at(&cs, 0);
        for (size_t i = 0; per_file && i < cs.n; i++)
            v[i].id = cs.ids.data + v[i].id_off;
        qsort(v, cs.n, sizeof(*v), per_file ? by_score_node : by_score_pid);
        /* in order, skipping a hit whose node is gone (as the join of the statement did), the
         * first offset hits not handed on */
        struct one_hit o = {fn, arg, offset > 0 ? offset : 0, false, 0};
        long left = limit; /* < 0: no limit */
        for (size_t i = 0; i < cs.n && left != 0 && !o.stop; i++) {
            bool skipping = o.skip > 0;
            enum store_rc h = hit_row(c, ws_id, v[i].pid, v[i].score, v[i].null, &o);
            if (h == STORE_NOT_FOUND)
                continue;
            if (h != STORE_OK) {
                rc = h;
                break;
            }
            if (!skipping && left > 0)
                left--;
        }
    }
    fio_buf_release(&cs.rows);
    free(cs.slot);
    fio_buf_release(&cs.ids);
    return rc;
}

static enum store_rc i_name_search(struct store_conn *c, const char *ws_id, const char *words_json,
                                   const char *scope_json, long limit, long offset,
                                   store_intel_hit_fn fn, void *arg, long long *total)
{
#define NAME_WHERE                                                                                 \
    " FROM live JOIN nodes n ON n.id = live.id WHERE (?3 IS NULL OR n.id IN (SELECT id FROM sc)) " \
    "AND NOT EXISTS (SELECT 1 FROM json_each(?2) w WHERE instr(lower(n.name), w.value) = 0)"
    enum store_rc rc = sq_count(
        db_query(sq(c), "WITH RECURSIVE " LIVE_CTE ", " SCOPE_CTE " SELECT COUNT(*)" NAME_WHERE,
                 "ttt", ws_id, words_json, scope_json),
        total);
    if (rc != STORE_OK)
        return rc;
    return drain_hits(db_query(sq(c),
                               "WITH RECURSIVE " LIVE_CTE ", " SCOPE_CTE
                               " SELECT n.id, COALESCE(n.version_id, ''), n.name, live.path, '', "
                               "0, 0, 0, 0.0, n.mimetype, n.parent_id, n.type, 0" NAME_WHERE
                               " ORDER BY n.modified DESC, n.id LIMIT ?4 OFFSET ?5",
                               "tttii", ws_id, words_json, scope_json, (int64_t)limit,
                               (int64_t)offset),
                      fn, arg);
#undef NAME_WHERE
}

static enum store_rc i_match_count(struct store_conn *c, const char *fts, long cap, long *n)
{
    long long v = 0;
    enum store_rc rc = sq_count(db_query(sq(c),
                                         "SELECT COUNT(*) FROM (SELECT rowid FROM intel_fts WHERE "
                                         "intel_fts MATCH ?1 LIMIT ?2)",
                                         "ti", fts, (int64_t)cap),
                                &v);
    *n = (long)v;
    return rc;
}

static enum store_rc i_match_fraction(struct store_conn *c, const char *fts, long window,
                                      double *fraction)
{
    *fraction = 0;
    sqlite3_stmt *st = db_query(
        sq(c),
        "SELECT (SELECT COUNT(*) FROM intel_fts WHERE intel_fts MATCH ?1 AND rowid > m.mx - ?2) "
        "* 1.0 / MAX(1, (SELECT COUNT(*) FROM intel_passages WHERE id > m.mx - ?2)) FROM (SELECT "
        "COALESCE(MAX(id), 0) AS mx FROM intel_passages) m",
        "ti", fts, (int64_t)window);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK) {
        *fraction = sqlite3_column_double(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

static enum store_rc i_window_start(struct store_conn *c, const char *fts, long window,
                                    int64_t *rowid)
{
    *rowid = 0;
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT rowid FROM intel_fts WHERE intel_fts MATCH ?1 ORDER BY "
                                "rowid DESC LIMIT 1 OFFSET ?2",
                                "ti", fts, (int64_t)(window > 0 ? window - 1 : 0));
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK) {
        *rowid = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

static enum store_rc i_vector_scan(struct store_conn *c, const char *ws_id, const char *scope_json,
                                   store_intel_vec_fn fn, void *arg)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "WITH RECURSIVE sc(id, d) AS (SELECT value, 0 FROM json_each(?2) "
                                "UNION ALL SELECT n.id, sc.d + 1 FROM nodes n JOIN sc ON "
                                "n.parent_id = sc.id WHERE sc.d < 500) SELECT v.passage_id, v.vec "
                                "FROM intel_vectors v JOIN intel_passages p ON p.id = "
                                "v.passage_id WHERE v.workspace_id = ?1 AND (?2 IS NULL OR "
                                "p.node_id IN (SELECT id FROM sc))",
                                "tt", ws_id, scope_json);
    if (!st)
        return STORE_ERROR;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int bytes = sqlite3_column_bytes(st, 1);
        const void *blob = sqlite3_column_blob(st, 1);
        if (!blob || bytes <= 0 || bytes % (int)sizeof(float) != 0)
            continue;
        if (fn(sqlite3_column_int64(st, 0), blob, (size_t)bytes / sizeof(float), arg) != 0)
            break;
    }
    sqlite3_reset(st);
    return s == SQLITE_DONE || s == SQLITE_ROW ? STORE_OK : store_sqlite_rc(s);
}

static enum store_rc i_passage_hit(struct store_conn *c, const char *ws_id, int64_t passage_id,
                                   store_intel_hit_fn fn, void *arg)
{
    struct one_hit o = {fn, arg, 0, false, 0};
    return hit_row(c, ws_id, passage_id, 0.0, false, &o);
}

static enum store_rc i_any_rows(struct store_conn *c, const char *ws_id, bool *any)
{
    return sq_exists_flag(
        db_query(sq(c), "SELECT 1 FROM intel_nodes WHERE workspace_id = ?1 LIMIT 1", "t", ws_id),
        any);
}

static enum store_rc i_counts(struct store_conn *c, const char *ws_id, long long *queued,
                              long long *indexed, long long *passages)
{
    enum store_rc rc = sq_count(db_query(sq(c),
                                         "SELECT COUNT(*) FROM intel_nodes WHERE workspace_id = "
                                         "?1 AND queued = 1",
                                         "t", ws_id),
                                queued);
    if (rc == STORE_OK)
        rc = sq_count(db_query(sq(c),
                               "SELECT COUNT(*) FROM intel_nodes WHERE workspace_id = ?1 AND "
                               "state = 'indexed'",
                               "t", ws_id),
                      indexed);
    if (rc == STORE_OK)
        rc = sq_count(db_query(sq(c), "SELECT COUNT(*) FROM intel_passages WHERE workspace_id = ?1",
                               "t", ws_id),
                      passages);
    return rc;
}

const struct store_intel_ops sqlite_intel_ops = {
    .enabled = i_enabled,
    .recover = i_recover,
    .each_enabled = i_each_enabled,
    .reconcile = i_reconcile,
    .drop_subtree = i_drop_subtree,
    .claim = i_claim,
    .finish = i_finish,
    .release = i_release,
    .search = i_search,
    .name_search = i_name_search,
    .match_count = i_match_count,
    .window_start = i_window_start,
    .match_fraction = i_match_fraction,
    .vector_scan = i_vector_scan,
    .passage_hit = i_passage_hit,
    .any_rows = i_any_rows,
    .counts = i_counts,
};
