/* SPDX-License-Identifier: MIT */
/* test_intel_retrieve.c - the intelligence index of the store (store_intel.h) and the retrieval
 * interface (intel/index.h via intel_retrieve_conn) on the SQLite backend: reconcile queues live
 * files only, claims go in order, a result lands only for the current claim (a newer enqueue
 * wins), passages come back best first with node, version, page and lines, scope by folder and
 * file, another workspace is never seen, trash drops a subtree, intelligence off flushes, and
 * the free-text to FTS5 query conversion. Foreign keys are off on the test connection: only the
 * rows the statements read are inserted. */
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

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(retrieve_ranked_with_citations, setup, teardown),
    cmocka_unit_test_setup_teardown(stale_results_trash_and_flush, setup, teardown),
    cmocka_unit_test_setup_teardown(fts_plan_common_terms, setup, teardown),
    cmocka_unit_test(fts_query_words),
};
/* clang-format on */

TEST_MAIN(tests)
