/* store_pool.h - connections for code that runs outside a request's dispatch (startup recovery,
 * the clean-up of a broken upload stream): take one from the server's pool (struct server's
 * `db`) and give it back. No SQLite type: callers see only struct store_conn. */
#ifndef SRV_STORE_POOL_H
#define SRV_STORE_POOL_H

#include <jansson.h>

#include "store.h"

struct db_pool;

/* A connection of pool p; blocks while all are busy. Never NULL. */
struct store_conn *store_pool_acquire(struct db_pool *p);
/* Give c back (NULL is allowed); an open transaction is rolled back first. */
void store_pool_release(struct db_pool *p, struct store_conn *c);

/* The backend's settings that durability depends on, for /system/status/ (reliability.md
 * "SQLite": journal_mode, synchronous, foreign_keys, busy_timeout as text, and the schema
 * version), read on c: OWNED in *out. STORE_ERROR when out of memory. */
enum store_rc store_pool_health(struct db_pool *p, struct store_conn *c, json_t **out);

#endif
