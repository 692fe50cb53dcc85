/* SPDX-License-Identifier: MIT */
/* store_lock.h - the locks table (api §7, docs/decisions.md "Locks"): one row per locked file
 * node holding the SHA-256 hex of its token, never the token. A row whose `expires` has passed
 * is a free lock: every lookup here ignores it, and acquire sweeps them first. Times are wall
 * microseconds (srv_now_us), passed in by the caller so that one request uses one "now". */
#ifndef SRV_STORE_LOCK_H
#define SRV_STORE_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "id.h"
#include "store.h"

#define STORE_LOCK_HASH_SIZE 65  /* SHA-256 hex + NUL */
#define STORE_LOCK_INFO_MAX 4096 /* bytes of compact JSON client_info */

/* One live lock, as the lock logic reasons about it. */
struct store_lock {
    char node_id[FIO_OPAQUE_ID_SIZE];
    char token_hash[STORE_LOCK_HASH_SIZE];
    char user_id[FIO_PROFILE_ID_SIZE];
    char email[256]; /* the holder's email, "" when the user row is gone */
    bool has_info;   /* client_info is set (else SQL NULL) */
    char client_info[STORE_LOCK_INFO_MAX + 1];
    long duration; /* seconds, as requested */
    int64_t acquired, expires;
};

/* Visitor of store_lock_ops.each_live: return true to stop the walk. */
typedef bool (*store_lock_visit_fn)(const struct store_lock *l, void *arg);

struct store_lock_ops {
    /* The live lock of node_id in ws_id: STORE_OK (filled) or STORE_NOT_FOUND. */
    enum store_rc (*get)(struct store_conn *c, const char *ws_id, const char *node_id, int64_t now,
                         struct store_lock *out);
    /* Whether a live lock of ws_id has this token hash: STORE_OK or STORE_NOT_FOUND. */
    enum store_rc (*token_live)(struct store_conn *c, const char *ws_id, const char *token_hash,
                                int64_t now);
    /* Whether ws_id has any live lock at all (the fast path of every write): STORE_OK or
     * STORE_NOT_FOUND. */
    enum store_rc (*any_live)(struct store_conn *c, const char *ws_id, int64_t now);
    /* Call fn for each live lock of node_id (tree false) or of node_id and every node below it
     * (tree true, walk bounded by walk_limit levels), until fn returns true. *stopped tells
     * whether it did. STORE_OK or an error. */
    enum store_rc (*each_live)(struct store_conn *c, const char *ws_id, const char *node_id,
                               bool tree, int walk_limit, int64_t now, store_lock_visit_fn fn,
                               void *arg, bool *stopped);
    /* Delete the expired locks of ws_id. */
    enum store_rc (*sweep)(struct store_conn *c, const char *ws_id, int64_t now);
    /* Insert l in ws_id (renewed = acquired; email is not stored). STORE_EXISTS when the node
     * already has a row. */
    enum store_rc (*insert)(struct store_conn *c, const char *ws_id, const struct store_lock *l);
    /* Heartbeat: renewed = now, expires = expires. */
    enum store_rc (*renew)(struct store_conn *c, const char *ws_id, const char *node_id,
                           int64_t now, int64_t expires);
    /* Release: delete the row of node_id (absent is not an error). */
    enum store_rc (*remove)(struct store_conn *c, const char *ws_id, const char *node_id);
};

#endif
