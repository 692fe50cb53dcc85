/* SPDX-License-Identifier: MIT */
/* store_backend.h - the metadata store as an object: a backend instance (struct store, opaque
 * here) hands out connections (struct store_conn, store.h) and takes them back. The server
 * holds one struct store * (struct server's `store`); only the composition root (main.c) names
 * a backend, by its table (store_sqlite_backend), and opens it with store_open(). Everything
 * else - the router, handlers, the blob layer - sees struct store and struct store_conn only,
 * so a second backend (PostgreSQL) needs no change outside src/server/store/ and main.c. */
#ifndef SRV_STORE_BACKEND_H
#define SRV_STORE_BACKEND_H

#include <stddef.h>

#include <jansson.h>

#include "store.h"

struct store; /* one open backend: its connections and settings; see store_impl.h */

/* What a backend provides besides its per-connection struct store_ops. */
struct store_backend_ops {
    const char *name; /* "sqlite" */
    /* Open (creating and migrating if needed) the store at `where` (SQLite: a file path; a
     * server backend would take a connection string) with `size` connections. NULL on failure
     * with a message in errbuf. */
    struct store *(*open)(const char *where, unsigned size, char *errbuf, size_t errlen);
    /* Close every connection and free st. Connections must all have been released. */
    void (*close)(struct store *st);
    /* A connection of st; blocks while all are busy. Never NULL. */
    struct store_conn *(*acquire)(struct store *st);
    /* Give c back (never NULL here); an open transaction is rolled back first. */
    void (*release)(struct store *st, struct store_conn *c);
    /* The settings durability depends on, for /system/status/, read on c: OWNED in *out.
     * STORE_ERROR when out of memory. */
    enum store_rc (*health)(struct store *st, struct store_conn *c, json_t **out);
};

/* The SQLite backend (store/sqlite_pool.c over db.c). */
extern const struct store_backend_ops store_sqlite_backend;

/* Open a store of backend b (b->open). NULL on failure with a message in errbuf. */
struct store *store_open(const struct store_backend_ops *b, const char *where, unsigned size,
                         char *errbuf, size_t errlen);
/* Close st (NULL is allowed). */
void store_close(struct store *st);
/* A connection of st; blocks while all are busy. Never NULL. Used by code that runs outside a
 * request's dispatch (startup, recovery, the clean-up of a broken upload stream) and by the
 * router for each request. */
struct store_conn *store_acquire(struct store *st);
/* Give c back (NULL is allowed); an open transaction is rolled back first. */
void store_release(struct store *st, struct store_conn *c);
/* The backend's durability settings for /system/status/ (reliability.md "SQLite" for the
 * SQLite backend: journal_mode, synchronous, foreign_keys, busy_timeout as text, and the
 * schema version), read on c: OWNED in *out. STORE_ERROR when out of memory. */
enum store_rc store_health(struct store *st, struct store_conn *c, json_t **out);

#endif
