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

#include "id.h"
#include "store.h"

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

extern const struct store_node_ops store_sqlite_node_ops;

#endif
