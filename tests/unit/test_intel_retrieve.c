/* SPDX-License-Identifier: MIT */
/* test_intel_retrieve.c - the intelligence index of the store (store_intel.h) and the retrieval
 * interface (intel/index.h via intel_retrieve_conn) on the SQLite backend: reconcile queues live
 * files only, claims go in order, a result lands only for the current claim (a newer enqueue
 * wins), passages come back best first with node, version, page and lines, scope by folder and
 * file, another workspace is never seen, trash drops a subtree, intelligence off flushes, and
 * the free-text to FTS5 query conversion, and the order of search (ties, gone nodes, scope,
 * limit and offset) against the single statement it replaced (D-139). Foreign keys are off on
 * the test connection: only the rows the statements read are inserted. */
#include <string.h>

#include "db.h"
#include "index.h"
#include "indexer.h"
#include "store_intel.h"
#include "testmain.h"

#include "store_fixture.h"

static int setup(void **state)
{
    struct fixture *f = store_fixture_new();
    assert_int_equal(db_exec(f->db, "PRAGMA foreign_keys=OFF", ""), SQLITE_DONE);
    const char *ws = "INSERT INTO workspaces (id, org_id, folder_name, name, perm_join, "
                     "perm_member_manage, intelligence, created, updated) VALUES (?1, 'o', ?1, "
                     "?1, 'Member or above', 'Member or above', ?2, 0, 0)";
    assert_int_equal(db_exec(f->db, ws, "td", "w1", 1), SQLITE_DONE);
    assert_int_equal(db_exec(f->db, ws, "td", "w2", 1), SQLITE_DONE);
    const char *node = "INSERT INTO nodes (id, workspace_id, parent_id, type, name, version_id, "
                       "creator_id, created, modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'u', 0, 0)";
    assert_int_equal(db_exec(f->db, node, "tttttt", "F", "w1", NULL, "folder", "docs", NULL),
                     SQLITE_DONE);
    assert_int_equal(db_exec(f->db, node, "tttttt", "A", "w1", "F", "file", "a.txt", "va1"),
                     SQLITE_DONE);
    assert_int_equal(db_exec(f->db, node, "tttttt", "B", "w1", NULL, "file", "b.pdf", "vb1"),
                     SQLITE_DONE);
    assert_int_equal(db_exec(f->db, node, "tttttt", "C", "w2", NULL, "file", "c.txt", "vc1"),
                     SQLITE_DONE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    return store_fixture_free(state);
}

static void note(const char *ws, const char *node, void *arg)
{
    (void)ws;
    (void)node;
    (*(int *)arg)++;
}

/* Reconcile ws in a transaction; the number of nodes it reported. */
static int reconcile(struct store_conn *c, const char *ws)
{
    int n = 0;
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(STORE(c, intel)->reconcile(c, ws, 10, note, &n, 100), STORE_OK);
    assert_int_equal(store_commit(c), STORE_OK);
    return n;
}

/* Claim the next job and store passages for it. */
static void index_next(struct store_conn *c, const char *want_node,
                       const struct store_intel_passage *ps, size_t n)
{
    struct store_intel_job j;
    assert_int_equal(STORE(c, intel)->claim(c, 20, &j), STORE_OK);
    assert_string_equal(j.node_id, want_node);
    struct store_intel_result res = {
        .state = "indexed", .reason = "", .passages = ps, .n_passages = n, .text_bytes = 10};
    assert_int_equal(STORE(c, intel)->finish(c, &j, &res, 30), STORE_OK);
}

static const struct store_intel_passage PA[] = {
    {"Penguins eat krill in the cold southern ocean.", 0, 1, 2},
    {"Nothing here but weather reports.", 0, 3, 4},
};
static const struct store_intel_passage PB[] = {
    {"Chapter one: the krill harvest.", 1, 1, 1},
    {"Chapter two: penguin colonies and krill, krill, krill.", 2, 1, 3},
};
static const struct store_intel_passage PC[] = {{"Penguins krill elsewhere.", 0, 1, 1}};

static void index_all(struct store_conn *c)
{
    assert_int_equal(reconcile(c, "w1"), 2); /* A and B, not the folder */
    assert_int_equal(reconcile(c, "w2"), 1);
    assert_int_equal(reconcile(c, "w1"), 0); /* nothing changed: nothing queued again */
    /* queue order: w1's in tree order (B at depth 0, then A), then w2's */
    index_next(c, "B", PB, 2);
    index_next(c, "A", PA, 2);
    index_next(c, "C", PC, 1);
    struct store_intel_job j;
    assert_int_equal(STORE(c, intel)->claim(c, 40, &j), STORE_NOT_FOUND);
}

static void retrieve_ranked_with_citations(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    index_all(c);
    struct intel_hit *h = NULL;
    size_t n = 0;
    assert_int_equal(intel_retrieve_conn(c, "w1", "penguin krill?", NULL, 0, 10, &h, &n), 0);
    assert_int_equal(n, 3); /* C is in another workspace; "weather" passage matches nothing */
    assert_non_null(h);
    for (size_t i = 1; i < n; i++)
        assert_true(h[i - 1].score >= h[i].score);
    bool saw_page2 = false;
    for (size_t i = 0; i < n; i++) {
        assert_true(strcmp(h[i].node_id, "A") == 0 || strcmp(h[i].node_id, "B") == 0);
        if (strcmp(h[i].node_id, "B") == 0) {
            assert_string_equal(h[i].version_id, "vb1");
            assert_string_equal(h[i].name, "b.pdf");
            if (h[i].page == 2) {
                saw_page2 = true;
                assert_int_equal(h[i].line_start, 1);
                assert_int_equal(h[i].line_end, 3);
                assert_non_null(strstr(h[i].text, "colonies"));
            }
        }
    }
    assert_true(saw_page2);
    intel_hits_free(h, n);

    /* limit */
    assert_int_equal(intel_retrieve_conn(c, "w1", "krill", NULL, 0, 1, &h, &n), 0);
    assert_int_equal(n, 1);
    intel_hits_free(h, n);
    /* a folder scope means its subtree; a file scope the file */
    const char *sf[] = {"F"};
    assert_int_equal(intel_retrieve_conn(c, "w1", "krill", sf, 1, 10, &h, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].node_id, "A");
    intel_hits_free(h, n);
    const char *sb[] = {"B"};
    assert_int_equal(intel_retrieve_conn(c, "w1", "krill", sb, 1, 10, &h, &n), 0);
    assert_int_equal(n, 2);
    intel_hits_free(h, n);
    /* a scope of another workspace's node finds nothing here */
    const char *sc[] = {"C"};
    assert_int_equal(intel_retrieve_conn(c, "w1", "krill", sc, 1, 10, &h, &n), 0);
    assert_int_equal(n, 0);
    assert_null(h);
    /* nothing searchable, nothing found */
    assert_int_equal(intel_retrieve_conn(c, "w1", "?!", NULL, 0, 10, &h, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(intel_retrieve_conn(c, "w1", "zebra", NULL, 0, 10, &h, &n), 0);
    assert_int_equal(n, 0);
    /* stemming: "harvesting" finds "harvest" */
    assert_int_equal(intel_retrieve_conn(c, "w1", "harvesting", NULL, 0, 10, &h, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].page, 1);
    intel_hits_free(h, n);
}

static void stale_results_trash_and_flush(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    index_all(c);
    /* a new version queues A again; a worker that claimed the old one cannot store */
    struct store_intel_job old;
    assert_int_equal(db_exec(f->db, "UPDATE nodes SET version_id = 'va2' WHERE id = 'A'", ""),
                     SQLITE_DONE);
    assert_int_equal(reconcile(c, "w1"), 1);
    assert_int_equal(STORE(c, intel)->claim(c, 50, &old), STORE_OK);
    assert_string_equal(old.want_version, "va2");
    assert_int_equal(reconcile(c, "w1"), 0);
    assert_int_equal(db_exec(f->db, "UPDATE nodes SET version_id = 'va3' WHERE id = 'A'", ""),
                     SQLITE_DONE);
    assert_int_equal(reconcile(c, "w1"), 1);
    struct store_intel_result res = {.state = "indexed", .passages = PA, .n_passages = 1};
    assert_int_equal(STORE(c, intel)->finish(c, &old, &res, 60), STORE_NOT_FOUND);
    struct intel_hit *h = NULL;
    size_t n = 0;
    /* the old passages stay searchable until the new ones land */
    assert_int_equal(intel_retrieve_conn(c, "w1", "weather", NULL, 0, 10, &h, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].version_id, "va1");
    intel_hits_free(h, n);
    index_next(c, "A", PA, 1);
    assert_int_equal(intel_retrieve_conn(c, "w1", "weather", NULL, 0, 10, &h, &n), 0);
    assert_int_equal(n, 0);
    const char *sa[] = {"A"};
    assert_int_equal(intel_retrieve_conn(c, "w1", "penguins", sa, 1, 10, &h, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].version_id, "va3");
    intel_hits_free(h, n);

    /* trash drops the subtree at once */
    assert_int_equal(STORE(c, intel)->drop_subtree(c, "w1", "F"), STORE_OK);
    assert_int_equal(intel_retrieve_conn(c, "w1", "penguins", NULL, 0, 10, &h, &n), 0);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(h[i].node_id, "A");
    intel_hits_free(h, n);
    /* a detached (trashed) top node is not live: reconcile does not queue it again */
    assert_int_equal(db_exec(f->db, "UPDATE nodes SET trashed = 1 WHERE id = 'F'", ""),
                     SQLITE_DONE);
    assert_int_equal(reconcile(c, "w1"), 0);

    /* intelligence off: reconcile flushes the workspace (and reports its nodes) */
    assert_int_equal(db_exec(f->db, "UPDATE workspaces SET intelligence = 0 WHERE id = 'w1'", ""),
                     SQLITE_DONE);
    assert_int_equal(reconcile(c, "w1"), 1); /* B */
    long long q, idx, ps;
    assert_int_equal(STORE(c, intel)->counts(c, "w1", &q, &idx, &ps), STORE_OK);
    assert_int_equal(idx + q + ps, 0);
    assert_int_equal(STORE(c, intel)->counts(c, "w2", &q, &idx, &ps), STORE_OK);
    assert_int_equal(ps, 1);
    /* the FTS index agrees with its content table: only w2's passage is left */
    sqlite3_stmt *st =
        db_query(f->db, "SELECT COUNT(*) FROM intel_fts WHERE intel_fts MATCH 'penguins'", "");
    assert_non_null(st);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_reset(st);
}

/* The query plan (D-102): a term in INTEL_COMMON_PASSAGES passages or more is common; only
 * passages with a rare term are scored, and a query of common words alone scores the newest
 * INTEL_SCORED_PASSAGES passages holding all of them; the right passage still comes first. */
static void fts_plan_common_terms(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    assert_int_equal(reconcile(c, "w1"), 2);
    size_t n = (size_t)INTEL_SCORED_PASSAGES + 10;
    struct store_intel_passage *ps = calloc(n, sizeof(*ps));
    assert_non_null(ps);
    for (size_t i = 0; i < n; i++)
        ps[i] =
            (struct store_intel_passage){"the report of the quarter", 0, (int)i + 1, (int)i + 1};
    index_next(c, "B", ps, n);
    free(ps);
    static const struct store_intel_passage one[] = {
        {"the report names the walrus keeper", 0, 1, 1}};
    index_next(c, "A", one, 1);
    struct intel_plan *p = malloc(sizeof(*p));
    assert_non_null(p);
    assert_int_equal(intel_fts_plan(c, "walrus report", p), 2);
    assert_string_equal(p->fts, "(\"walrus\") AND (\"walrus\" OR \"report\")");
    assert_int_equal(p->min_rowid, 0);
    /* one frequency per phrase: walrus (a count: 1), walrus, report (common: a share, < 0) */
    assert_int_equal(p->ndf, 3);
    assert_true(p->df[0] == 1.0 && p->df[1] == 1.0 && p->df[2] < 0 && p->df[2] >= -1.0);
    /* nothing common: the plain query */
    assert_int_equal(intel_fts_plan(c, "walrus keeper", p), 2);
    assert_string_equal(p->fts, "\"walrus\" OR \"keeper\"");
    assert_int_equal(p->ndf, 2);
    /* every term common: all of them, the newest INTEL_SCORED_PASSAGES only */
    assert_int_equal(intel_fts_plan(c, "the quarter", p), 2);
    assert_string_equal(p->fts, "\"the\" AND \"quarter\""); /* counts are capped: query order */
    assert_true(p->min_rowid > 0);
    /* a term found nowhere does not hide the others */
    assert_int_equal(intel_fts_plan(c, "zzyzx quarter", p), 2);
    assert_string_equal(p->fts, "\"quarter\"");
    free(p);
    struct intel_hit *h = NULL;
    size_t nh = 0;
    assert_int_equal(
        intel_retrieve_conn(c, "w1", "who is the walrus keeper in the report", NULL, 0, 5, &h, &nh),
        0);
    assert_int_equal(nh, 1);
    assert_string_equal(h[0].node_id, "A");
    intel_hits_free(h, nh);
    /* common words only: hits come, from the newest passages */
    assert_int_equal(intel_retrieve_conn(c, "w1", "quarter report", NULL, 0, 5, &h, &nh), 0);
    assert_int_equal(nh, 5);
    for (size_t i = 0; i < nh; i++)
        assert_true(h[i].line_start > 10); /* not among the oldest passages */
    intel_hits_free(h, nh);
}

static void fts_query_words(void **state)
{
    (void)state;
    char out[512];
    assert_int_equal(intel_fts_query("Hello, wörld \"x\" OR-not", out, sizeof(out)), 5);
    assert_string_equal(out, "\"Hello\" OR \"wörld\" OR \"x\" OR \"OR\" OR \"not\"");
    assert_int_equal(intel_fts_query("  ?!  ", out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(intel_fts_query(NULL, out, sizeof(out)), 0);
    /* at most INTEL_QUERY_TERMS_MAX words; long words cut to 64 bytes */
    char many[4096];
    size_t ml = 0;
    for (int i = 0; i < 50; i++)
        ml += (size_t)snprintf(many + ml, sizeof(many) - ml, "w ");
    assert_int_equal(intel_fts_query(many, out, sizeof(out)), INTEL_QUERY_TERMS_MAX);
    char longw[200];
    memset(longw, 'a', 150);
    longw[150] = 0;
    assert_int_equal(intel_fts_query(longw, out, sizeof(out)), 1);
    assert_int_equal(strlen(out), 66);
    /* a small output keeps the whole terms that fit */
    assert_int_equal(intel_fts_query("hello world", out, 8), 1);
    assert_string_equal(out, "\"hello\"");
    assert_int_equal(intel_fts_query("hello world", out, 4), 0);
}

/* ---- search: the grouping and order done in C (D-139) ------------------------------------- */

/* One hit as search hands it on (the fields a caller reads). */
struct rec {
    char node[32], version[16], name[32], path[48], text[160], mime[32], parent[32], type[16];
    int page, line_start, line_end;
    bool root;
    double score;
    int64_t pid;
};

struct recs {
    struct rec r[200];
    size_t n;
    size_t stop_after; /* 0 = never stop */
};

static int rec_take(const struct store_intel_hit *h, void *arg)
{
    struct recs *rs = arg;
    assert_true(rs->n < sizeof(rs->r) / sizeof(rs->r[0]));
    struct rec *r = &rs->r[rs->n++];
    memset(r, 0, sizeof(*r));
    snprintf(r->node, sizeof(r->node), "%s", h->node_id);
    snprintf(r->version, sizeof(r->version), "%s", h->version_id);
    snprintf(r->name, sizeof(r->name), "%s", h->name);
    snprintf(r->path, sizeof(r->path), "%s", h->path);
    snprintf(r->text, sizeof(r->text), "%s", h->text);
    snprintf(r->mime, sizeof(r->mime), "%s", h->mimetype);
    snprintf(r->parent, sizeof(r->parent), "%s", h->parent_id ? h->parent_id : "");
    snprintf(r->type, sizeof(r->type), "%s", h->type);
    r->root = h->parent_id == NULL;
    r->page = h->page;
    r->line_start = h->line_start;
    r->line_end = h->line_end;
    r->score = h->score;
    r->pid = h->passage_id;
    return rs->stop_after && rs->n >= rs->stop_after;
}

/* The single statements search ran before D-139 (the ranking and grouping in SQL), kept here as
 * the oracle of the order. */
#define T_SCOPE_CTE                                                                                \
    "sc(id, d) AS (SELECT value, 0 FROM json_each(?3) UNION ALL SELECT n.id, sc.d + 1 FROM "       \
    "nodes n JOIN sc ON n.parent_id = sc.id WHERE sc.d < 500)"
static const char oracle_passages[] =
    "WITH RECURSIVE " T_SCOPE_CTE
    " SELECT p.node_id, p.version_id, p.name, p.path, p.text, p.page, p.line_start, "
    "p.line_end, intel_rank(intel_fts, ?7) AS score, n.mimetype, n.parent_id, n.type, p.id "
    "FROM intel_fts JOIN intel_passages p ON p.id = intel_fts.rowid JOIN nodes n ON n.id = "
    "p.node_id WHERE intel_fts MATCH ?2 AND intel_fts.rowid >= ?6 AND p.workspace_id = ?1 AND "
    "(?3 IS NULL OR p.node_id IN (SELECT id FROM sc)) ORDER BY score DESC, p.id LIMIT ?4 OFFSET "
    "?5";
static const char oracle_files[] =
    "WITH RECURSIVE " T_SCOPE_CTE
    ", m AS (SELECT p.id AS pid, p.node_id AS nid, intel_rank(intel_fts, ?7) AS score "
    "FROM intel_fts JOIN intel_passages p ON p.id = intel_fts.rowid WHERE intel_fts MATCH ?2 "
    "AND intel_fts.rowid >= ?6 AND p.workspace_id = ?1 AND (?3 IS NULL OR p.node_id IN (SELECT "
    "id FROM sc))), b AS (SELECT pid, nid, score, ROW_NUMBER() OVER (PARTITION BY nid ORDER BY "
    "score DESC, pid) AS rn FROM m) SELECT p.node_id, p.version_id, p.name, p.path, p.text, "
    "p.page, p.line_start, p.line_end, b.score, n.mimetype, n.parent_id, n.type, p.id FROM b "
    "JOIN intel_passages p ON p.id = b.pid JOIN nodes n ON n.id = b.nid WHERE b.rn = 1 ORDER BY "
    "b.score DESC, b.nid LIMIT ?4 OFFSET ?5";

static void oracle(struct db_conn *db, const char *ws, const struct store_intel_query *q,
                   const char *scope, bool per_file, long limit, long offset, struct recs *out)
{
    sqlite3_stmt *st = db_query(db, per_file ? oracle_files : oracle_passages, "tttiiib", ws,
                                q->fts, scope, (int64_t)limit, (int64_t)offset, q->min_rowid,
                                (const void *)q->df, q->ndf * sizeof(double));
    assert_non_null(st);
    int s;
    /* what identifies a hit and its place: node, passage, score; and the text and parent the
     * point look-up of each hit reads */
    while ((s = sqlite3_step(st)) == SQLITE_ROW && out->n < sizeof(out->r) / sizeof(out->r[0])) {
        struct rec *r = &out->r[out->n++];
        snprintf(r->node, sizeof(r->node), "%s", db_col_text(st, 0));
        snprintf(r->text, sizeof(r->text), "%s", db_col_text(st, 4));
        r->score = sqlite3_column_double(st, 8);
        r->root = sqlite3_column_type(st, 10) == SQLITE_NULL;
        r->pid = sqlite3_column_int64(st, 12);
        if (out->stop_after && out->n >= out->stop_after)
            break;
    }
    assert_true(s == SQLITE_DONE || s == SQLITE_ROW);
    sqlite3_reset(st);
}

static void recs_equal(const struct recs *a, const struct recs *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct rec *x = &a->r[i], *y = &b->r[i];
        assert_string_equal(x->node, y->node);
        assert_int_equal(x->pid, y->pid);
        assert_true(x->score == y->score); /* the same function of the same row */
        assert_string_equal(x->text, y->text);
        assert_int_equal(x->root, y->root);
    }
}

/* A file of w (under parent, or at the root) with an index row; no nodes row when gone. */
static void put_file(struct db_conn *db, const char *ws, const char *id, const char *parent,
                     bool gone, int64_t seq)
{
    char name[32], path[48], ver[32];
    snprintf(name, sizeof(name), "%s.txt", id);
    snprintf(path, sizeof(path), "%s/%s", parent ? "/docs" : "", name);
    snprintf(ver, sizeof(ver), "v%s", id);
    if (!gone)
        assert_int_equal(db_exec(db,
                                 "INSERT INTO nodes (id, workspace_id, parent_id, type, name, "
                                 "version_id, mimetype, creator_id, created, modified) VALUES "
                                 "(?1, ?2, ?3, 'file', ?4, ?5, 'text/plain', 'u', 0, 0)",
                                 "ttttt", id, ws, parent, name, ver),
                         SQLITE_DONE);
    assert_int_equal(db_exec(db,
                             "INSERT INTO intel_nodes (node_id, workspace_id, state, "
                             "want_version, version_id, path, seq, queued, updated) VALUES (?1, "
                             "?2, 'indexed', ?3, ?3, ?4, ?5, 0, 0)",
                             "tttti", id, ws, ver, path, seq),
                     SQLITE_DONE);
}

static void put_passage(struct db_conn *db, const char *ws, const char *id, const char *parent,
                        int line, const char *text)
{
    char name[32], path[48], ver[32];
    snprintf(name, sizeof(name), "%s.txt", id);
    snprintf(path, sizeof(path), "%s/%s", parent ? "/docs" : "", name);
    snprintf(ver, sizeof(ver), "v%s", id);
    assert_int_equal(db_exec(db,
                             "INSERT INTO intel_passages (node_id, workspace_id, version_id, "
                             "page, line_start, line_end, name, path, text) VALUES (?1, ?2, ?3, "
                             "?4, ?5, ?5, ?6, ?7, ?8)",
                             "tttddttt", id, ws, ver, line % 3, line, name, path, text),
                     SQLITE_DONE);
}

static void search(struct store_conn *c, const char *ws, const struct store_intel_query *q,
                   const char *scope, bool per_file, long limit, long offset, struct recs *out)
{
    assert_int_equal(
        STORE(c, intel)->search(c, ws, q, scope, per_file, limit, offset, rec_take, out), STORE_OK);
}

/* A hand-checked ranking with ties: files t1 and t2 hold the same passage under names of the
 * same length, so their best passages score the same and the node id orders them (t1 first);
 * t3's passage says the word twice and comes first; per passage, equal scores go by passage id;
 * t9's index row outlived its node (no nodes row) and is never a hit, nor counted by offset. */
static void search_ties_fixed_order(void **state)
{
    struct fixture *f = *state;
    struct db_conn *db = f->db;
    put_file(db, "w1", "t2", NULL, false, 1);
    put_file(db, "w1", "t1", NULL, false, 2);
    put_file(db, "w1", "t9", NULL, true, 3);
    put_file(db, "w1", "t3", NULL, false, 4);
    put_passage(db, "w1", "t2", NULL, 1, "otter river stone"); /* pid 1 */
    put_passage(db, "w1", "t1", NULL, 1, "otter river stone"); /* pid 2 */
    put_passage(db, "w1", "t1", NULL, 2, "otter lake stone");  /* pid 3 */
    put_passage(db, "w1", "t9", NULL, 1, "otter otter otter"); /* pid 4, node gone */
    put_passage(db, "w1", "t3", NULL, 1, "otter otter stone"); /* pid 5 */
    struct store_intel_query q = {"\"otter\"", 0, NULL, 0};
    struct recs r = {.n = 0};
    search(f->c, "w1", &q, NULL, true, 10, 0, &r);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.r[0].node, "t3");
    assert_string_equal(r.r[1].node, "t1");
    assert_string_equal(r.r[2].node, "t2");
    assert_true(r.r[0].score > r.r[1].score);
    assert_true(r.r[1].score == r.r[2].score);
    assert_int_equal(r.r[1].pid, 2); /* t1's best: the lower id of its two equal passages */
    assert_string_equal(r.r[1].text, "otter river stone");
    assert_string_equal(r.r[1].mime, "text/plain");
    assert_string_equal(r.r[1].version, "vt1");
    assert_true(r.r[1].root);
    /* offset 1: t9 is not counted */
    r.n = 0;
    search(f->c, "w1", &q, NULL, true, 1, 1, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.r[0].node, "t1");
    /* per passage: t3's, then the three equal ones by id */
    r.n = 0;
    search(f->c, "w1", &q, NULL, false, 10, 0, &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.r[0].pid, 5);
    assert_int_equal(r.r[1].pid, 1);
    assert_int_equal(r.r[2].pid, 2);
    assert_int_equal(r.r[3].pid, 3);
    /* the caller stops after the first */
    r = (struct recs){.stop_after = 1};
    search(f->c, "w1", &q, NULL, false, 10, 0, &r);
    assert_int_equal(r.n, 1);
    /* another workspace sees none of it */
    r.n = 0;
    search(f->c, "w2", &q, NULL, true, 10, 0, &r);
    assert_int_equal(r.n, 0);
}

static unsigned lcg(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

/* A seeded corpus (many equal scores: passages repeat across files, names have the same
 * length), every query shape the plan makes, scopes, limits and offsets: search hands on exactly
 * what the previous single statement returned, in the same order. */
static void search_order_matches_sql(void **state)
{
    struct fixture *f = *state;
    struct db_conn *db = f->db;
    static const char *const words[] = {"amber", "birch", "cedar", "delta", "ember",
                                        "fjord", "grove", "heron", "inlet", "juniper"};
    unsigned seed = 7;
    char texts[12][128];
    for (int t = 0; t < 12; t++) { /* a pool of passages files draw from */
        int n = 3 + (int)(lcg(&seed) % 8), len = 0;
        for (int w = 0; w < n; w++)
            len += snprintf(texts[t] + len, sizeof(texts[t]) - (size_t)len, "%s%s", w ? " " : "",
                            words[lcg(&seed) % 10]);
    }
    int64_t seq = 1;
    for (int i = 0; i < 40; i++) {
        char id[8];
        snprintf(id, sizeof(id), "g%02d", i);
        const char *parent = i % 3 == 0 ? "F" : NULL;
        put_file(db, i % 7 == 6 ? "w2" : "w1", id, parent, i == 13 || i == 27, seq++);
    }
    /* passages interleave between files (not one file's run at a time) */
    for (int round = 0; round < 4; round++)
        for (int i = 0; i < 40; i++) {
            if (lcg(&seed) % 3 == 0)
                continue;
            char id[8];
            snprintf(id, sizeof(id), "g%02d", i);
            put_passage(db, i % 7 == 6 ? "w2" : "w1", id, i % 3 == 0 ? "F" : NULL, round + 1,
                        texts[lcg(&seed) % 12]);
        }
    static const double df2[] = {3, 12}, df3[] = {2, 2, -0.5}, df4[] = {40, -0.25, 1, 5};
    const struct store_intel_query qs[] = {
        {"\"amber\"", 0, NULL, 0},
        {"\"amber\" OR \"birch\"", 0, df2, 2},
        {"(\"heron\") AND (\"heron\" OR \"delta\")", 0, df3, 3},
        {"\"cedar\" AND \"delta\"", 40, NULL, 0},
        {"\"juniper\" OR \"inlet\" OR \"grove\" OR \"fjord\"", 0, df4, 4},
        {"\"g07\" OR \"ember\"", 0, NULL, 0}, /* a name */
        {"\"docs\"", 0, NULL, 0},             /* a path: every passage under F ties */
        {"\"zebra\"", 0, NULL, 0},
    };
    const char *scopes[] = {NULL, "[\"F\"]", "[\"g04\",\"F\",\"g05\"]", "[\"g06\"]"};
    static const long lo[][2] = {{10, 0}, {3, 0},  {3, 2},  {200, 0},
                                 {5, 7},  {1, 30}, {-1, 0}, {-1, 4}};
    size_t compared = 0, nonempty = 0;
    for (size_t qi = 0; qi < sizeof(qs) / sizeof(qs[0]); qi++)
        for (size_t si = 0; si < sizeof(scopes) / sizeof(scopes[0]); si++)
            for (int pf = 0; pf < 2; pf++)
                for (size_t li = 0; li < sizeof(lo) / sizeof(lo[0]); li++)
                    for (int ws = 0; ws < 2; ws++) {
                        const char *w = ws ? "w2" : "w1";
                        struct recs *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
                        assert_non_null(a);
                        assert_non_null(b);
                        a->stop_after = b->stop_after = li == 5 ? 0 : (qi % 3 == 2 ? 2 : 0);
                        search(f->c, w, &qs[qi], scopes[si], pf, lo[li][0], lo[li][1], a);
                        oracle(db, w, &qs[qi], scopes[si], pf, lo[li][0], lo[li][1], b);
                        recs_equal(a, b);
                        compared++;
                        nonempty += a->n > 0;
                        free(a);
                        free(b);
                    }
    assert_true(compared == 8 * 4 * 2 * 8 * 2);
    assert_true(nonempty > compared / 3); /* the corpus does match (484 of 1,024) */
    /* free text through the plan, as the endpoint and the chat search */
    const char *texts_q[] = {"amber birch", "heron?", "grove fjord inlet juniper", "g12 cedar"};
    for (size_t i = 0; i < 4; i++) {
        struct intel_plan *p = malloc(sizeof(*p));
        assert_non_null(p);
        assert_true(intel_fts_plan(f->c, texts_q[i], p) > 0);
        struct store_intel_query q = intel_plan_query(p);
        for (int pf = 0; pf < 2; pf++) {
            struct recs *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
            assert_non_null(a);
            assert_non_null(b);
            search(f->c, "w1", &q, NULL, pf, 20, 0, a);
            oracle(db, "w1", &q, NULL, pf, 20, 0, b);
            recs_equal(a, b);
            assert_true(a->n > 0);
            free(a);
            free(b);
        }
        free(p);
    }
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(retrieve_ranked_with_citations, setup, teardown),
    cmocka_unit_test_setup_teardown(stale_results_trash_and_flush, setup, teardown),
    cmocka_unit_test_setup_teardown(fts_plan_common_terms, setup, teardown),
    cmocka_unit_test(fts_query_words),
    cmocka_unit_test_setup_teardown(search_ties_fixed_order, setup, teardown),
    cmocka_unit_test_setup_teardown(search_order_matches_sql, setup, teardown),
};
/* clang-format on */

TEST_MAIN(tests)
