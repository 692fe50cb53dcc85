/* SPDX-License-Identifier: MIT */
/* sqlite_intel.c - the SQLite statements of the intelligence index (store_intel.h; schema.sql
 * migration 11). */
#include <stdbool.h>
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
    rc = sq_exec_rc(db_exec(sq(c),
                            "UPDATE intel_nodes SET state = 'in_progress', updated = ?3 WHERE "
                            "node_id = ?1 AND seq = ?2",
                            "tii", out->node_id, out->seq, now));
    if (rc == STORE_OK && sq_changes(c) != 1)
        return STORE_NOT_FOUND;
    return rc;
}

static enum store_rc i_finish(struct store_conn *c, const struct store_intel_job *job,
                              const struct store_intel_result *res, int64_t now)
{
    enum store_rc rc = sq_exec_rc(db_exec(
        sq(c),
        "UPDATE intel_nodes SET state = ?3, reason = ?4, version_id = want_version, queued = 0, "
        "passages = ?5, text_bytes = ?6, updated = ?7 WHERE node_id = ?1 AND seq = ?2",
        "tittiii", job->node_id, job->seq, res->state, res->reason ? res->reason : "",
        (int64_t)res->n_passages, res->text_bytes, now));
    if (rc != STORE_OK)
        return rc;
    if (sq_changes(c) != 1)
        return STORE_NOT_FOUND;
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

static enum store_rc i_search(struct store_conn *c, const char *ws_id,
                              const struct store_intel_query *q, const char *scope_json,
                              bool per_file, long limit, long offset, store_intel_hit_fn fn,
                              void *arg)
{
    static const char sql_passages[] =
        "WITH RECURSIVE " SCOPE_CTE
        " SELECT p.node_id, p.version_id, p.name, p.path, p.text, p.page, p.line_start, "
        "p.line_end, intel_rank(intel_fts, ?7) AS score, n.mimetype, n.parent_id, n.type, "
        "p.id "
        "FROM intel_fts JOIN intel_passages p ON p.id = intel_fts.rowid JOIN nodes n ON n.id = "
        "p.node_id WHERE intel_fts MATCH ?2 AND intel_fts.rowid >= ?6 AND p.workspace_id = ?1 AND "
        "(?3 IS NULL OR "
        "p.node_id IN (SELECT id FROM sc)) ORDER BY score DESC, p.id LIMIT ?4 OFFSET ?5";
    static const char sql_files[] =
        "WITH RECURSIVE " SCOPE_CTE
        ", m AS (SELECT p.id AS pid, p.node_id AS nid, intel_rank(intel_fts, ?7) AS score "
        "FROM intel_fts JOIN intel_passages p ON p.id = intel_fts.rowid WHERE intel_fts MATCH ?2 "
        "AND intel_fts.rowid >= ?6 AND p.workspace_id = ?1 AND (?3 IS NULL OR p.node_id IN (SELECT "
        "id FROM sc))), b AS "
        "(SELECT pid, nid, score, ROW_NUMBER() OVER (PARTITION BY nid ORDER BY score DESC, pid) "
        "AS rn FROM m) SELECT p.node_id, p.version_id, p.name, p.path, p.text, p.page, "
        "p.line_start, p.line_end, b.score, n.mimetype, n.parent_id, n.type, p.id FROM b JOIN "
        "intel_passages p ON p.id = b.pid JOIN nodes n ON n.id = b.nid WHERE b.rn = 1 ORDER BY "
        "b.score DESC, b.nid LIMIT ?4 OFFSET ?5";
    return drain_hits(db_query(sq(c), per_file ? sql_files : sql_passages, "tttiiib", ws_id, q->fts,
                               scope_json, (int64_t)limit, (int64_t)offset, q->min_rowid,
                               (const void *)q->df, q->ndf * sizeof(double)),
                      fn, arg);
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

/* drain_hits' visitor for one row: remembers that it came. */
struct one_hit {
    store_intel_hit_fn fn;
    void *arg;
    bool seen;
};
static int one_hit_fn(const struct store_intel_hit *h, void *arg)
{
    struct one_hit *o = arg;
    o->seen = true;
    return o->fn(h, o->arg);
}

static enum store_rc i_passage_hit(struct store_conn *c, const char *ws_id, int64_t passage_id,
                                   store_intel_hit_fn fn, void *arg)
{
    struct one_hit o = {fn, arg, false};
    enum store_rc rc =
        drain_hits(db_query(sq(c),
                            "SELECT p.node_id, p.version_id, p.name, p.path, p.text, p.page, "
                            "p.line_start, p.line_end, 0.0, n.mimetype, n.parent_id, n.type, "
                            "p.id FROM intel_passages p JOIN nodes n ON n.id = p.node_id "
                            "WHERE p.id = ?1 AND p.workspace_id = ?2",
                            "it", passage_id, ws_id),
                   one_hit_fn, &o);
    return rc == STORE_OK && !o.seen ? STORE_NOT_FOUND : rc;
}

static enum store_rc i_any_rows(struct store_conn *c, const char *ws_id, bool *any)
{
    sqlite3_stmt *st = db_query(sq(c), "SELECT 1 FROM intel_nodes WHERE workspace_id = ?1 LIMIT 1",
                                "t", ws_id);
    enum store_rc rc = sq_row(st);
    *any = rc == STORE_OK;
    if (rc == STORE_OK)
        sqlite3_reset(st);
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
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
