/* SPDX-License-Identifier: MIT */
/* db.c - SQLite connection pool, prepared-statement cache and schema migrations. Every
 * connection runs WAL, synchronous=FULL, foreign_keys=ON and busy_timeout=10000
 * (reliability.md "Durability"). */
#include "db.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sqlite_util.h"

extern const char store_schema_sql[];

#define CACHE_SLOTS 512

struct db_stmt_cache {
    const char *sql[CACHE_SLOTS];
    sqlite3_stmt *st[CACHE_SLOTS];
};

struct db_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct db_conn *conns;
    struct db_conn **free_list;
    unsigned size;
    unsigned nfree;
    int schema_version;
};

static int conn_open(struct db_conn *c, const char *path, char *errbuf, size_t errlen)
{
    int rc = sqlite3_open_v2(path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot open %s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        return -1;
    }
    sqlite3_extended_result_codes(c->db, 1);
    static const char *const pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=10000; PRAGMA temp_store=MEMORY;";
    char *msg = NULL;
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot configure %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    if (sqlite_intel_register(c->db) != 0) {
        snprintf(errbuf, errlen, "cannot register the index's ranking function (FTS5 missing?)");
        return -1;
    }
    c->cache = calloc(1, sizeof(*c->cache));
    if (!c->cache) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static void conn_close(struct db_conn *c)
{
    if (c->cache) {
        for (int i = 0; i < CACHE_SLOTS; i++)
            sqlite3_finalize(c->cache->st[i]);
        free(c->cache);
    }
    c->cache = NULL;
    if (c->db)
        sqlite3_close(c->db);
    c->db = NULL;
}

/* The next "-- migration " marker at the start of a line (comments may quote the marker). */
static const char *find_marker(const char *from, const char *marker)
{
    for (const char *p = strstr(from, marker); p; p = strstr(p + 1, marker))
        if (p == store_schema_sql || p[-1] == '\n')
            return p;
    return NULL;
}

/* Apply every "-- migration N" block of schema.sql above the recorded version. */
static int migrate(struct db_conn *c, int *version, char *errbuf, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                     "applied INTEGER NOT NULL)",
                     NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    int current = 0;
    sqlite3_stmt *st = NULL;
    /* Migrations are tracked one by one, not by the highest number: blocks written in parallel
     * may land in any order, and each must still be applied exactly once. */
    if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        goto fail_db;

    static const char marker[] = "-- migration ";
    const char *p = find_marker(store_schema_sql, marker);
    while (p) {
        long long n = 0;
        const char *num = p + sizeof(marker) - 1;
        const char *eol = strchr(num, '\n');
        if (!eol)
            break;
        char nbuf[16];
        size_t nl = (size_t)(eol - num);
        if (nl == 0 || nl >= sizeof(nbuf))
            break;
        memcpy(nbuf, num, nl);
        nbuf[nl] = 0;
        if (!fio_parse_ll(nbuf, 1, 1000000, &n)) {
            snprintf(errbuf, errlen, "schema.sql: bad migration marker '%s'", nbuf);
            sqlite3_finalize(st);
            return -1;
        }
        const char *next = find_marker(eol, marker);
        size_t blen = next ? (size_t)(next - eol) : strlen(eol);
        /* The "already applied?" check runs inside the write transaction, so two servers
         * starting on the same data directory cannot both apply a block. */
        int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
        bool applied = false;
        if (rc == SQLITE_OK) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, n);
            applied = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_reset(st);
        }
        if (rc == SQLITE_OK && !applied) {
            char *block = fio_slice_dup(fio_slice_make(eol, blen));
            rc = block ? sqlite3_exec(c->db, block, NULL, NULL, &msg) : SQLITE_NOMEM;
            free(block);
            if (rc == SQLITE_OK) {
                char ins[128];
                snprintf(ins, sizeof(ins),
                         "INSERT INTO schema_migrations(version, applied) VALUES (%lld, "
                         "CAST(strftime('%%s','now') AS INTEGER))",
                         n);
                rc = sqlite3_exec(c->db, ins, NULL, NULL, &msg);
            }
        }
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
            snprintf(errbuf, errlen, "migration %lld failed: %s", n,
                     msg ? msg : sqlite3_errstr(rc));
            sqlite3_free(msg);
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            sqlite3_finalize(st);
            return -1;
        }
        if (n > current)
            current = (int)n;
        p = next;
    }
    sqlite3_finalize(st);
    *version = current;
    return 0;
fail_db:
    snprintf(errbuf, errlen, "schema: %s", sqlite3_errmsg(c->db));
    return -1;
fail:
    snprintf(errbuf, errlen, "schema: %s", msg ? msg : "?");
    sqlite3_free(msg);
    return -1;
}

struct db_pool *db_pool_open(const char *path, unsigned size, char *errbuf, size_t errlen)
{
    if (size == 0)
        size = 1;
    struct db_pool *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->conns = calloc(size, sizeof(*p->conns));
    p->free_list = calloc(size, sizeof(*p->free_list));
    if (!p->conns || !p->free_list) {
        snprintf(errbuf, errlen, "out of memory");
        goto fail;
    }
    p->size = size;
    for (unsigned i = 0; i < size; i++) {
        if (conn_open(&p->conns[i], path, errbuf, errlen) != 0)
            goto fail;
        p->conns[i].base.ops = &store_sqlite_ops;
        if (i == 0 && migrate(&p->conns[0], &p->schema_version, errbuf, errlen) != 0)
            goto fail;
        p->free_list[p->nfree++] = &p->conns[i];
    }
    return p;
fail:
    db_pool_close(p);
    return NULL;
}

void db_pool_close(struct db_pool *p)
{
    if (!p)
        return;
    if (p->conns) {
        for (unsigned i = 0; i < p->size; i++)
            conn_close(&p->conns[i]);
    }
    free(p->conns);
    free(p->free_list);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

struct db_conn *db_acquire(struct db_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    struct db_conn *c = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return c;
}

int db_lazy_sync(struct db_conn *c, bool lazy)
{
    if (c->in_txn)
        return SQLITE_MISUSE;
    int rc = sqlite3_exec(c->db, lazy ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        c->lazy_sync = lazy;
    return rc;
}

void db_release(struct db_pool *p, struct db_conn *c)
{
    if (!c)
        return;
    if (c->in_txn)
        db_rollback(c);
    if (c->lazy_sync)
        (void)db_lazy_sync(c, false); /* never hand a NORMAL connection to the next user */
    /* A statement left mid-step keeps a read transaction open: the next user of this
     * connection would see stale data and block WAL checkpoints. Reset every busy one. */
    for (sqlite3_stmt *st = sqlite3_next_stmt(c->db, NULL); st; st = sqlite3_next_stmt(c->db, st))
        if (sqlite3_stmt_busy(st))
            sqlite3_reset(st);
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = c;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int db_schema_version(struct db_pool *p)
{
    return p->schema_version;
}

sqlite3_stmt *db_stmt(struct db_conn *c, const char *sql)
{
    uintptr_t h = ((uintptr_t)sql >> 3) * 2654435761u;
    for (unsigned probe = 0; probe < CACHE_SLOTS; probe++) {
        unsigned i = (unsigned)((h + probe) % CACHE_SLOTS);
        if (c->cache->sql[i] == sql) {
            sqlite3_reset(c->cache->st[i]);
            sqlite3_clear_bindings(c->cache->st[i]);
            return c->cache->st[i];
        }
        if (c->cache->sql[i] == NULL) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
                SQLITE_OK)
                return NULL;
            c->cache->sql[i] = sql;
            c->cache->st[i] = st;
            return st;
        }
    }
    return NULL; /* cache full: more distinct statements than CACHE_SLOTS */
}

static int bind_va(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    /* A format longer than the statement's parameter list is a programming error (and would
     * read varargs the caller may not have passed): refuse it before touching any argument.
     * Shorter is allowed: callers may bind the remaining parameters themselves. */
    if ((int)strlen(fmt ? fmt : "") > sqlite3_bind_parameter_count(st)) {
        fprintf(stderr, "db_bind: format '%s' does not match %d parameters of: %s\n",
                fmt ? fmt : "", sqlite3_bind_parameter_count(st), sqlite3_sql(st));
        return SQLITE_MISUSE;
    }
    int idx = 1;
    for (const char *f = fmt; f && *f; f++, idx++) {
        int rc;
        switch (*f) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(st, idx, va_arg(ap, int64_t));
            break;
        case 'd':
            rc = sqlite3_bind_int(st, idx, va_arg(ap, int));
            break;
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            rc = sqlite3_bind_blob64(st, idx, p, n, SQLITE_TRANSIENT);
            break;
        }
        case 'n':
            rc = sqlite3_bind_null(st, idx);
            break;
        default:
            rc = SQLITE_MISUSE;
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

int db_bind(sqlite3_stmt *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_va(st, fmt, ap);
    va_end(ap);
    return rc;
}

int db_exec(struct db_conn *c, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = db_stmt(c, sql);
    if (!st)
        return SQLITE_ERROR;
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_va(st, fmt, ap);
    va_end(ap);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

sqlite3_stmt *db_query(struct db_conn *c, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = db_stmt(c, sql);
    if (!st)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_va(st, fmt, ap);
    va_end(ap);
    return rc == SQLITE_OK ? st : NULL;
}

const char *db_col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

int db_begin(struct db_conn *c)
{
    int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        c->in_txn = true;
    return rc;
}

int db_commit(struct db_conn *c)
{
    int rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        c->in_txn = false;
    return rc;
}

void db_rollback(struct db_conn *c)
{
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    c->in_txn = false;
}

const char *db_errmsg(struct db_conn *c)
{
    return c && c->db ? sqlite3_errmsg(c->db) : "no connection";
}

void db_pragma(struct db_conn *c, const char *pragma, char *out, size_t out_size)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "PRAGMA %s", pragma);
    sqlite3_stmt *st = NULL;
    out[0] = 0;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        fio_strlcpy(out, db_col_text(st, 0), out_size);
    sqlite3_finalize(st);
}
