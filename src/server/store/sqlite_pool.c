/* sqlite_pool.c - store_pool.h over the SQLite connection pool of db.c. */
#include "sqlite_util.h"
#include "store_pool.h"

struct store_conn *store_pool_acquire(struct db_pool *p)
{
    return &db_acquire(p)->base;
}

void store_pool_release(struct db_pool *p, struct store_conn *c)
{
    if (c)
        db_release(p, sq(c)); /* rolls back an open transaction */
}
