/* SPDX-License-Identifier: MIT */
/* test_store_webimport.c - the URL import jobs of the store interface (store_webimport.h) as a
 * contract, on the SQLite backend: claim order and its one-winner rule, status changes only
 * from the states named, progress and completion, listing with filter and total, per-user
 * views, the open jobs a restart settles. Foreign keys are off on the test connection, so user
 * and workspace rows are not needed. */
#include <string.h>

#include "db.h"
#include "store_webimport.h"
#include "testmain.h"

#include "store_fixture.h"

static int setup(void **state)
{
    struct fixture *f = store_fixture_new();
    assert_int_equal(db_exec(f->db, "PRAGMA foreign_keys=OFF", ""), SQLITE_DONE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    return store_fixture_free(state);
}

static void add_job(struct store_conn *c, const char *id, const char *user, int64_t now)
{
    struct store_webimport j;
    memset(&j, 0, sizeof(j));
    snprintf(j.id, sizeof(j.id), "%s", id);
    snprintf(j.user_id, sizeof(j.user_id), "%s", user);
    snprintf(j.ws_id, sizeof(j.ws_id), "w1");
    snprintf(j.source_url, sizeof(j.source_url), "https://example.com/%s", id);
    assert_int_equal(STORE(c, webimport)->insert(c, &j, now), STORE_OK);
}

static void count_open(const struct store_webimport *j, void *arg)
{
    (void)j;
    (*(int *)arg)++;
}

static void store_webimport_lifecycle(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    const struct store_webimport_ops *w = STORE(c, webimport);
    add_job(c, "a2", "u1", 200);
    add_job(c, "a1", "u1", 100);
    add_job(c, "a3", "u2", 300);
    /* the oldest pending first, each once */
    struct store_webimport j;
    assert_int_equal(w->claim(c, 1000, &j), STORE_OK);
    assert_string_equal(j.id, "a1");
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.attempts, 1);
    assert_int_equal(w->claim(c, 1000, &j), STORE_OK);
    assert_string_equal(j.id, "a2");
    assert_int_equal(w->claim(c, 1000, &j), STORE_OK);
    assert_string_equal(j.id, "a3");
    assert_int_equal(w->claim(c, 1000, &j), STORE_NOT_FOUND);
    /* status changes only from the states named */
    assert_int_equal(w->set_status(c, "a1", "queued", "downloading", NULL, 1100), STORE_OK);
    assert_int_equal(w->set_status(c, "a1", "queued", "failed", "x", 1100), STORE_NOT_FOUND);
    assert_int_equal(
        w->set_status(c, "a2", "pending|queued|downloading", "canceled", "by user", 1100),
        STORE_OK);
    assert_int_equal(w->set_status(c, "a2", "downloading", "uploading", NULL, 1100),
                     STORE_NOT_FOUND);
    assert_int_equal(w->set_status(c, "nope", "queued", "failed", "x", 1100), STORE_NOT_FOUND);
    /* progress, the upload session, completion (-1 keeps bytes_done) */
    assert_int_equal(w->set_upload(c, "a1", "5upl", 1200), STORE_OK);
    assert_int_equal(w->progress(c, "a1", 4096, 8192, "file.bin", 1200), STORE_OK);
    assert_int_equal(w->get(c, "a1", &j), STORE_OK);
    assert_string_equal(j.upload_id, "5upl");
    assert_int_equal(w->complete(c, "a1", "2node", -1, 1300), STORE_OK);
    json_t *v = NULL;
    assert_int_equal(w->view(c, "a1", "u1", &v), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(v, "status")), "complete");
    assert_string_equal(json_string_value(json_object_get(v, "node_id")), "2node");
    assert_string_equal(json_string_value(json_object_get(v, "name")), "file.bin");
    assert_int_equal(json_integer_value(json_object_get(v, "bytes_done")), 4096);
    assert_int_equal(json_integer_value(json_object_get(v, "size")), 8192);
    json_decref(v);
    /* another user's job is not found */
    assert_int_equal(w->view(c, "a1", "u2", &v), STORE_NOT_FOUND);
    /* lists: newest first, filtered, with the total of the filter */
    json_t *rows = NULL;
    long long total = 0;
    assert_int_equal(w->list(c, "u1", "", 10, 0, &rows, &total), STORE_OK);
    assert_int_equal(total, 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "id")), "a2");
    json_decref(rows);
    assert_int_equal(w->list(c, "u1", "complete", 1, 0, &rows, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    assert_int_equal(w->list(c, "u1", "", 1, 5, &rows, &total), STORE_OK);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
    /* open jobs: only a3 (queued) is left unfinished */
    long long n = -1;
    assert_int_equal(w->open_count(c, "u1", &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(w->open_count(c, "u2", &n), STORE_OK);
    assert_int_equal(n, 1);
    int open = 0;
    assert_int_equal(w->each_open(c, 100, count_open, &open), STORE_OK);
    assert_int_equal(open, 1);
}

/* D-126 (migration 14): a new job has no resume data; set_resume records the validator and the
 * size, get / claim / each_open read them back, "" clears the validator. */
static void resume_found(const struct store_webimport *j, void *arg)
{
    if (strcmp(j->id, "r1") == 0)
        *(int64_t *)arg = j->resume_size;
}

static void store_webimport_resume(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    const struct store_webimport_ops *w = STORE(c, webimport);
    add_job(c, "r1", "u1", 100);
    struct store_webimport j;
    assert_int_equal(w->get(c, "r1", &j), STORE_OK);
    assert_string_equal(j.resume_validator, "");
    assert_int_equal(j.resume_size, -1);
    assert_int_equal(w->set_resume(c, "r1", "\"abc\"", 4096, 200), STORE_OK);
    assert_int_equal(w->claim(c, 300, &j), STORE_OK);
    assert_string_equal(j.resume_validator, "\"abc\"");
    assert_int_equal(j.resume_size, 4096);
    int64_t seen = 0;
    assert_int_equal(w->each_open(c, 10, resume_found, &seen), STORE_OK);
    assert_int_equal(seen, 4096);
    assert_int_equal(w->set_resume(c, "r1", "", -1, 400), STORE_OK);
    assert_int_equal(w->get(c, "r1", &j), STORE_OK);
    assert_string_equal(j.resume_validator, "");
    assert_int_equal(j.resume_size, -1);
    sqlite3_stmt *st = db_query(f->db,
                                "SELECT COUNT(*) FROM web_imports WHERE id = 'r1' AND "
                                "resume_validator IS NULL",
                                "");
    assert_non_null(st);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_reset(st);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(store_webimport_lifecycle, setup, teardown),
    cmocka_unit_test_setup_teardown(store_webimport_resume, setup, teardown),
};
/* clang-format on */

TEST_MAIN(tests)
