/* SPDX-License-Identifier: MIT */
/* store.h - the metadata store interface of fastio-server: what handlers, the router and the
 * blob layer may ask of the database, with no SQLite type in it, so that a PostgreSQL backend
 * can be added beside the SQLite one (docs/decisions.md, "Store interface").
 *
 * A backend provides one struct store_ops. Its connection type embeds struct store_conn as its
 * first member; a connection is used by one thread at a time. The operations are grouped by
 * area (accounts, orgs, workspaces, members, storage nodes, uploads, locks ...), one table per
 * area declared in store_<area>.h, reached as STORE(c, area)->fn(c, ...). Every operation takes
 * a connection, never a request. */
#ifndef SRV_STORE_H
#define SRV_STORE_H

#include <stdbool.h>
#include <stdint.h>

/* Result of a store operation. Detail for STORE_ERROR is in store_errmsg(). */
enum store_rc {
    STORE_OK = 0,
    STORE_NOT_FOUND, /* no such row */
    STORE_EXISTS,    /* a unique key is already taken */
    STORE_BUSY,      /* the database stayed locked past the busy timeout */
    STORE_FULL,      /* the disk is full */
    STORE_ERROR,     /* anything else: I/O, corruption, misuse */
};

struct store_ops;
struct store_conn {
    const struct store_ops *ops;
};

/* The per-area tables, each declared in its own header (store_<area>.h). */
struct store_account_ops;
struct store_oauth_ops;
struct store_org_ops;
struct store_workspace_ops;
struct store_member_ops;
struct store_event_ops;
struct store_node_ops;
struct store_upload_ops;
struct store_lock_ops;
struct store_webimport_ops;
struct store_admin_ops;
struct store_aichat_ops;
struct store_intel_ops;

struct store_ops {
    const char *name; /* "sqlite" */
    /* A write transaction (taken at BEGIN, so two writers never deadlock half-way). Nested
     * begin is misuse (STORE_ERROR). rollback is harmless outside a transaction. */
    enum store_rc (*begin)(struct store_conn *c);
    enum store_rc (*commit)(struct store_conn *c);
    void (*rollback)(struct store_conn *c);
    bool (*in_txn)(const struct store_conn *c);
    /* The last error's message for logs; borrowed, valid until the next call on c. */
    const char *(*errmsg)(struct store_conn *c);
    /* Areas. Append new ones at the end. */
    const struct store_account_ops *account;
    const struct store_oauth_ops *oauth;
    const struct store_org_ops *org;
    const struct store_workspace_ops *workspace;
    const struct store_member_ops *member;
    const struct store_event_ops *event;
    const struct store_node_ops *node;
    const struct store_upload_ops *upload;
    const struct store_lock_ops *lock;
    const struct store_webimport_ops *webimport; /* URL import jobs (store_webimport.h) */
    const struct store_admin_ops *admin; /* metrics gauges, backup (store_admin.h) */
    const struct store_aichat_ops *aichat;       /* AI chats (store_aichat.h) */
    const struct store_intel_ops *intel;         /* the intelligence index (store_intel.h) */
};

#define STORE(c, area) ((c)->ops->area)

static inline enum store_rc store_begin(struct store_conn *c)
{
    return c->ops->begin(c);
}
static inline enum store_rc store_commit(struct store_conn *c)
{
    return c->ops->commit(c);
}
static inline void store_rollback(struct store_conn *c)
{
    c->ops->rollback(c);
}
static inline const char *store_errmsg(struct store_conn *c)
{
    return c->ops->errmsg(c);
}

/* The SQLite backend's table (store/sqlite_ops.c). */
extern const struct store_ops store_sqlite_ops;

#endif
