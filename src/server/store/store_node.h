/* store_node.h - the storage tree's tables (schema.sql): nodes, their file versions
 * (file_versions, node_versions) and the download read tokens. Version rows are shared by
 * copies (reference counting by rows): a version row, and so its blob, goes only when no node,
 * history row or completion in progress names it. */
#ifndef SRV_STORE_NODE_H
#define SRV_STORE_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* Which nodes' versions store_node_ops.versions_collect gathers (same values as
 * enum blob_reclaim_scope, blob.h). */
enum store_version_scope {
    STORE_VERSIONS_SUBTREE = 0,   /* node_id and everything below it */
    STORE_VERSIONS_TRASH = 1,     /* every trashed subtree of the workspace (node_id NULL) */
    STORE_VERSIONS_WORKSPACE = 2, /* every node of the workspace (node_id NULL) */
};

struct store_node_ops {
    /* ---- file versions ---- */
    /* Whether version row id exists: STORE_OK or STORE_NOT_FOUND. */
    enum store_rc (*version_exists)(struct store_conn *c, const char *version_id);
    /* Startup recovery: delete every version row that nothing names (no node, history row or
     * assembling upload session). *removed = rows deleted. */
    enum store_rc (*versions_prune_all)(struct store_conn *c, long *removed);
    /* The version ids (current and history) of the nodes of `scope` in ws_id, as a JSON array
     * text. *ids OWNED (free()). */
    enum store_rc (*versions_collect)(struct store_conn *c, const char *ws_id,
                                      enum store_version_scope scope, const char *node_id,
                                      char **ids);
    /* Delete those of the version rows listed in ids (JSON array text) that nothing names any
     * more; *gone = the deleted ids as a JSON array text, OWNED (free()), NULL when out of memory
     * (the rows are deleted all the same). At most `max` ids are reported. */
    enum store_rc (*versions_prune)(struct store_conn *c, const char *ids, long max, char **gone);

    /* ---- read tokens ---- */
    /* Delete the read tokens that expired before now. */
    enum store_rc (*read_tokens_expire)(struct store_conn *c, int64_t now);
};

extern const struct store_node_ops store_sqlite_node_ops;

#endif
