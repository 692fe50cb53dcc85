/* SPDX-License-Identifier: MIT */
/* store_fixture.h - a fresh SQLite store in a temporary directory for the store unit tests
 * (test_store.c, test_store_ops.c): one pooled connection, seen as the struct store_conn the
 * handlers get. Include after <cmocka.h>. */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "store.h"

struct fixture {
    char dir[64];
    struct db_pool *pool;
    struct db_conn *db;
    struct store_conn *c;
};

static inline struct fixture *store_fixture_new(void)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char path[128], err[256];
    snprintf(f->dir, sizeof(f->dir), "/tmp/fastio-test-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(path, sizeof(path), "%s/db.sqlite", f->dir);
    f->pool = db_pool_open(path, 1, err, sizeof(err));
    assert_non_null(f->pool);
    f->db = db_acquire(f->pool);
    f->c = &f->db->base;
    return f;
}

static inline int store_fixture_free(void **state)
{
    struct fixture *f = *state;
    db_release(f->pool, f->db);
    db_pool_close(f->pool);
    const char *sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char path[160];
        snprintf(path, sizeof(path), "%s/db.sqlite%s", f->dir, sfx[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

#endif
