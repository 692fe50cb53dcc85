/* SPDX-License-Identifier: MIT */
/* sqlite_pool.c - the SQLite backend as a store instance (store_backend.h): the connection
 * pool of db.c wrapped in a struct store, and the settings report of /system/status/. */
#include <stdio.h>
#include <stdlib.h>

#include "sqlite_util.h"
#include "store_impl.h"

/* The SQLite instance: the generic part first, so a struct store * of this backend is one. */
struct sqlite_store {
    struct store base;
    struct db_pool *pool;
};

static struct db_pool *pool_of(struct store *st)
{
    return ((struct sqlite_store *)st)->pool;
}

static struct store *sqlite_open(const char *path, unsigned size, char *errbuf, size_t errlen)
{
    struct sqlite_store *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    s->pool = db_pool_open(path, size, errbuf, errlen);
    if (!s->pool) {
        free(s);
        return NULL;
    }
    s->base.ops = &store_sqlite_backend;
    return &s->base;
}

static void sqlite_close(struct store *st)
{
    db_pool_close(pool_of(st));
    free(st);
}

static struct store_conn *sqlite_acquire(struct store *st)
{
    return &db_acquire(pool_of(st))->base;
}

static void sqlite_release(struct store *st, struct store_conn *c)
{
    db_release(pool_of(st), sq(c)); /* rolls back an open transaction */
}

static enum store_rc sqlite_health(struct store *st, struct store_conn *c, json_t **out)
{
    char jm[32], sync[32], fk[32], bt[32];
    db_pragma(sq(c), "journal_mode", jm, sizeof(jm));
    db_pragma(sq(c), "synchronous", sync, sizeof(sync));
    db_pragma(sq(c), "foreign_keys", fk, sizeof(fk));
    db_pragma(sq(c), "busy_timeout", bt, sizeof(bt));
    *out = json_pack("{s:s, s:s, s:s, s:s, s:i}", "journal_mode", jm, "synchronous", sync,
                     "foreign_keys", fk, "busy_timeout", bt, "schema_version",
                     db_schema_version(pool_of(st)));
    return *out ? STORE_OK : STORE_ERROR;
}

const struct store_backend_ops store_sqlite_backend = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .acquire = sqlite_acquire,
    .release = sqlite_release,
    .health = sqlite_health,
};
