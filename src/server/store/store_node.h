/* SPDX-License-Identifier: MIT */
/* store_node.h - the storage tree's tables (schema.sql): nodes, their file versions
 * (file_versions, node_versions) and the download read tokens. Every node lookup is scoped by
 * workspace id, so a node of another workspace behaves like an unknown id. Version rows are shared
 * by copies (reference counting by rows): a version row, and so its blob, goes only when no node,
 * history row or completion in progress names it. */
#ifndef SRV_STORE_NODE_H
#define SRV_STORE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "id.h"
#include "name.h"
#include "store.h"
#include "store_lock.h"

/* Bound of every recursive walk (ancestors or descendants); a walk that reaches it means the
 * tree is corrupt (a cycle), and the request fails instead of looping. */
#define STORE_WALK_LIMIT 1000

#define STORE_TYPE_SIZE 8
#define STORE_NAME_SIZE (FIO_NAME_MAX_BYTES + 1)

/* A node as the tree logic needs it (not the full wire object: see struct store_node_row). */
struct store_node {
    char id[FIO_OPAQUE_ID_SIZE];
    char parent_id[FIO_OPAQUE_ID_SIZE]; /* "" = the root */
    char type[STORE_TYPE_SIZE];         /* "file" | "folder" | "note" | "link" */
    char name[STORE_NAME_SIZE];
    char deleted_from[FIO_OPAQUE_ID_SIZE]; /* trashed nodes: "" = deleted from the root */
    bool trashed;                          /* the top node of a trashed subtree */
    bool hidden;    /* trashed itself, or below a trashed ancestor: not live */
    bool has_watch; /* node_get's watch_id is this node or one of its ancestors */
    int depth;      /* number of ancestors: 0 for a child of the root */
};

/* A node with every column the wire object shows (api §4.1), for rendering. Strings are
 * borrowed: valid only during the visitor call that receives the row. NULL = SQL NULL. */
struct store_node_row {
    const char *id, *parent_id; /* parent_id NULL: a child of the root, or a trashed top node */
    const char *type, *name, *mimetype, *creator_id;
    const char *hash, *hash_algo, *version_id; /* may be NULL */
    const char *deleted_from;                  /* may be NULL (= the root) */
    const char *meta_title, *meta_short;       /* may be NULL */
    int64_t size, created, modified;
    bool trashed;
    const struct store_lock *lock; /* the live lock (node_id and token_hash empty), NULL = none */
    bool ai_on;                /* the workspace has intelligence on */
    const char *ai_state;      /* its intel_nodes row's state, NULL = no row (store_intel.h) */
    const char *ai_reason;     /* the row's reason ("" or why it failed), NULL = no row */
};
/* Visitor of node rows: 0 to go on, non-zero to stop (the store then returns STORE_OK). */
typedef int (*store_node_fn)(const struct store_node_row *row, void *arg);
/* Visitor of a subtree walk: a node, its parent ("" for the walk's root) and its depth. */
typedef int (*store_walk_fn)(const char *id, const char *parent_id, int depth, void *arg);

/* What node_update changes: name when not NULL, each metadata field when its set flag is. */
struct store_node_update {
    const char *name;
    bool set_title;
    const char *title; /* NULL clears */
    bool set_short;
    const char *short_desc;
};

/* A stored version of a file, as the versions list shows it (h_download.c). */
struct store_version {
    char id[FIO_OPAQUE_ID_SIZE];
    int64_t size;
    char crc32c[9];  /* 8 lowercase hex digits */
    char name[1024]; /* the file's name when this version was stored (<= 255 UTF-8 bytes) */
    char creator_id[FIO_PROFILE_ID_SIZE];
    int64_t created;
    bool current; /* the node's current content */
};

/* A download read token (h_download.c): what it grants. */
struct store_read_token {
    char ws_id[FIO_PROFILE_ID_SIZE];
    char node_id[FIO_OPAQUE_ID_SIZE];
    char version_id[FIO_OPAQUE_ID_SIZE];
};

/* One member of a folder archive (zip.c): path below the folder ("a/b.txt"), borrowed for the
 * call. */
struct store_zip_entry {
    const char *path;
    bool folder;
    const char *version_id; /* "" = no content yet */
    int64_t size;
    int64_t modified;
};

/* Visitors: return 0 to go on, non-zero to stop the walk (the store then returns STORE_OK). */
typedef int (*store_version_fn)(const struct store_version *v, void *arg);
typedef int (*store_zip_fn)(const struct store_zip_entry *e, void *arg);

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

    /* The current version of file node_id in ws_id into cur ("" = no content yet):
     * STORE_OK or STORE_NOT_FOUND (no such node). */
    enum store_rc (*version_current)(struct store_conn *c, const char *ws_id, const char *node_id,
                                     char cur[FIO_OPAQUE_ID_SIZE]);
    /* Whether version_id is in the history of node_id: STORE_OK or STORE_NOT_FOUND. */
    enum store_rc (*version_in_history)(struct store_conn *c, const char *node_id,
                                        const char *version_id);
    /* The versions of node_id in ws_id (history and current), newest first, at most max. */
    enum store_rc (*versions_each)(struct store_conn *c, const char *ws_id, const char *node_id,
                                   int max, store_version_fn fn, void *arg);
    /* Make version_id the current content of node_id again (size and hash from its row). */
    enum store_rc (*version_restore)(struct store_conn *c, const char *ws_id, const char *node_id,
                                     const char *version_id, int64_t now);

    /* A new version row (content of an upload): id, size, CRC-32C hex, the file's name then. */
    enum store_rc (*version_insert)(struct store_conn *c, const char *version_id, int64_t size,
                                    const char *crc32c_hex, const char *name,
                                    const char *creator_id, int64_t now);
    /* Add version_id to the history of node_id. */
    enum store_rc (*history_add)(struct store_conn *c, const char *node_id, const char *version_id,
                                 int64_t now);

    /* ---- nodes ---- */
    /* Node id of ws_id with its ancestry (walk bounded by STORE_WALK_LIMIT: a depth that reaches
     * it means a cycle): hidden, depth and, when watch_id is not NULL, whether it is the node or
     * an ancestor. STORE_OK (filled) or STORE_NOT_FOUND. */
    enum store_rc (*node_get)(struct store_conn *c, const char *ws_id, const char *id,
                              const char *watch_id, struct store_node *out);
    /* Node id of ws_id for rendering: fn called once. STORE_OK or STORE_NOT_FOUND. */
    enum store_rc (*node_row)(struct store_conn *c, const char *ws_id, const char *id,
                              store_node_fn fn, void *arg);
    /* One page of a listing (keyset paging): the children of parent_id (NULL = root) that are
     * not trashed, or (trash) the trashed top nodes, ordered by sort/desc with the node id as
     * the last key, strictly after the cursor row `after` (NULL = first page), at most limit
     * rows. */
    enum store_rc (*list_page)(struct store_conn *c, const char *ws_id, const char *parent_id,
                               bool trash, enum cursor_sort sort, bool desc,
                               const struct cursor *after, int limit, store_node_fn fn, void *arg);
    /* A live sibling named exactly name in parent_id (NULL = root), other than exclude_id (may
     * be NULL): STORE_OK with id and type filled, or STORE_NOT_FOUND. */
    enum store_rc (*find_sibling)(struct store_conn *c, const char *ws_id, const char *parent_id,
                                  const char *name, const char *exclude_id,
                                  char id[FIO_OPAQUE_ID_SIZE], char type[STORE_TYPE_SIZE]);
    /* The subtree of id: its height (0 for a leaf) and node count including itself (walk
     * bounded by STORE_WALK_LIMIT). */
    enum store_rc (*subtree_size)(struct store_conn *c, const char *ws_id, const char *id,
                                  int *height, long *count);
    /* The subtree of id breadth-first (parents before children), at most max nodes. */
    enum store_rc (*subtree_walk)(struct store_conn *c, const char *ws_id, const char *id, long max,
                                  store_walk_fn fn, void *arg);
    /* Copy node old_id as new_id into parent_id (NULL = root), named name (NULL = its own),
     * created by creator_id at now; content, size and metadata are shared. STORE_NOT_FOUND
     * when old_id is gone. */
    enum store_rc (*node_copy)(struct store_conn *c, const char *ws_id, const char *old_id,
                               const char *new_id, const char *parent_id, const char *name,
                               const char *creator_id, int64_t now);
    /* Move node id to parent_id (NULL = root) under name. */
    enum store_rc (*node_move)(struct store_conn *c, const char *ws_id, const char *id,
                               const char *parent_id, const char *name, int64_t now);
    /* Rename / set metadata (struct store_node_update). */
    enum store_rc (*node_update)(struct store_conn *c, const char *ws_id, const char *id,
                                 const struct store_node_update *u, int64_t now);
    /* Move live node id to the trash, detached from parent_id (NULL = root), which restore
     * uses: STORE_NOT_FOUND when no live node was changed. */
    enum store_rc (*node_trash)(struct store_conn *c, const char *ws_id, const char *id,
                                const char *parent_id, int64_t now);
    /* Bring trashed top node id back into parent_id (NULL = root) under name. */
    enum store_rc (*node_restore)(struct store_conn *c, const char *ws_id, const char *id,
                                  const char *parent_id, const char *name, int64_t now);
    /* Delete trashed top node id and (cascade) everything below it. */
    enum store_rc (*node_purge)(struct store_conn *c, const char *ws_id, const char *id);
    /* Delete every trashed top node of ws_id with its subtree; *purged = top nodes deleted. */
    enum store_rc (*trash_empty)(struct store_conn *c, const char *ws_id, long *purged);
    /* Make version_id (size, CRC-32C hex) the content of file node_id in ws_id: STORE_OK, or
     * STORE_NOT_FOUND when no such node was changed. */
    enum store_rc (*file_set_content)(struct store_conn *c, const char *ws_id, const char *node_id,
                                      const char *version_id, int64_t size, const char *crc32c_hex,
                                      int64_t now);
    /* A new file node (content version_id) or folder node in parent_id (NULL or "" = root). */
    enum store_rc (*file_insert)(struct store_conn *c, const char *ws_id, const char *node_id,
                                 const char *parent_id, const char *name, int64_t size,
                                 const char *mimetype, const char *crc32c_hex,
                                 const char *version_id, const char *creator_id, int64_t now);
    enum store_rc (*folder_insert)(struct store_conn *c, const char *ws_id, const char *node_id,
                                   const char *parent_id, const char *name, const char *creator_id,
                                   int64_t now);
    /* The name of node_id in ws_id (out_size bytes at most): STORE_OK or STORE_NOT_FOUND. */
    enum store_rc (*name)(struct store_conn *c, const char *ws_id, const char *node_id, char *out,
                          size_t out_size);
    /* The live files and folders below folder_id (NULL = the root) of ws_id, in path order, at
     * most max + 1 rows (so the caller can tell "more than max"). */
    enum store_rc (*zip_each)(struct store_conn *c, const char *ws_id, const char *folder_id,
                              long max, store_zip_fn fn, void *arg);

    /* ---- read tokens ---- */
    /* Store a read token (only its hash) granting user_id version_id of node_id until expires. */
    enum store_rc (*read_token_insert)(struct store_conn *c, const char *token_hash,
                                       const char *user_id, const char *ws_id, const char *node_id,
                                       const char *version_id, int64_t expires);
    /* The live read token with this hash for the workspace whose id or folder name is ws_key:
     * STORE_OK (filled) or STORE_NOT_FOUND. */
    enum store_rc (*read_token_get)(struct store_conn *c, const char *token_hash,
                                    const char *ws_key, int64_t now, struct store_read_token *out);
    /* Delete the read tokens that expired before now. */
    enum store_rc (*read_tokens_expire)(struct store_conn *c, int64_t now);
};

#endif
