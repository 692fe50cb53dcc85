/* SPDX-License-Identifier: MIT */
/* test_db.c - the server's SQLite pool: a connection put in lazy-sync mode (synchronous=NORMAL,
 * used for upload chunk rows) is FULL again when it is handed to the next user, whatever path
 * the request took; lazy mode is refused inside a transaction. */
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "testmain.h"

static char dir[64];

static struct db_pool *open_pool(void)
{
    char path[128], err[256];
    snprintf(dir, sizeof(dir), "/tmp/fastio-test-db-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/db.sqlite", dir);
    struct db_pool *p = db_pool_open(path, 1, err, sizeof(err));
    assert_non_null(p);
    return p;
}

static void close_pool(struct db_pool *p)
{
    char path[160];
    db_pool_close(p);
    const char *sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/db.sqlite%s", dir, sfx[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void sync_mode(struct db_conn *c, char *out, size_t n)
{
    db_pragma(c, "synchronous", out, n);
}

static void db_lazy_sync_restored_on_release(void **state)
{
    (void)state;
    char v[32];
    struct db_pool *p = open_pool();
    struct db_conn *c = db_acquire(p);
    assert_non_null(c);
    sync_mode(c, v, sizeof(v));
    assert_string_equal(v, "2"); /* FULL */
    assert_int_equal(db_lazy_sync(c, true), SQLITE_OK);
    sync_mode(c, v, sizeof(v));
    assert_string_equal(v, "1"); /* NORMAL */
    assert_true(c->lazy_sync);
    db_release(p, c);
    /* a pool of one: the same connection again, back to FULL */
    struct db_conn *d = db_acquire(p);
    assert_ptr_equal(c, d);
    assert_false(d->lazy_sync);
    sync_mode(d, v, sizeof(v));
    assert_string_equal(v, "2");
    db_release(p, d);
    close_pool(p);
}

static void db_lazy_sync_commits_and_refuses_in_txn(void **state)
{
    (void)state;
    char v[32];
    struct db_pool *p = open_pool();
    struct db_conn *c = db_acquire(p);
    assert_int_equal(db_lazy_sync(c, true), SQLITE_OK);
    assert_int_equal(db_begin(c), SQLITE_OK);
    assert_int_equal(db_lazy_sync(c, false), SQLITE_MISUSE); /* not inside a transaction */
    assert_int_equal(db_exec(c, "CREATE TABLE IF NOT EXISTS t_lazy (x INTEGER)", ""), SQLITE_DONE);
    assert_int_equal(db_exec(c, "INSERT INTO t_lazy (x) VALUES (?1)", "i", (int64_t)7),
                     SQLITE_DONE);
    assert_int_equal(db_commit(c), SQLITE_OK);
    assert_int_equal(db_lazy_sync(c, false), SQLITE_OK);
    sync_mode(c, v, sizeof(v));
    assert_string_equal(v, "2");
    sqlite3_stmt *st = db_query(c, "SELECT x FROM t_lazy", "");
    assert_non_null(st);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 7);
    sqlite3_reset(st);
    db_release(p, c);
    close_pool(p);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(db_lazy_sync_restored_on_release),
    cmocka_unit_test(db_lazy_sync_commits_and_refuses_in_txn),
};
/* clang-format on */

TEST_MAIN(tests)
