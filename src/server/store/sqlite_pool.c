/* sqlite_pool.c - store_pool.h over the SQLite connection pool of db.c: connections and the
 * settings report of /system/status/. */
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

enum store_rc store_pool_health(struct db_pool *p, struct store_conn *c, json_t **out)
{
    char jm[32], sync[32], fk[32], bt[32];
    db_pragma(sq(c), "journal_mode", jm, sizeof(jm));
    db_pragma(sq(c), "synchronous", sync, sizeof(sync));
    db_pragma(sq(c), "foreign_keys", fk, sizeof(fk));
    db_pragma(sq(c), "busy_timeout", bt, sizeof(bt));
    *out =
        json_pack("{s:s, s:s, s:s, s:s, s:i}", "journal_mode", jm, "synchronous", sync,
                  "foreign_keys", fk, "busy_timeout", bt, "schema_version", db_schema_version(p));
    return *out ? STORE_OK : STORE_ERROR;
}
