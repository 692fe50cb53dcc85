/* SPDX-License-Identifier: MIT */
/* storage.h - the node tree of a workspace (api §4), shared by the storage handlers
 * (h_storage.c) and the tree primitives (storage_tree.c): looking nodes up within the resolved
 * workspace, rendering them, the name-conflict rules of api §4.4 and the trash model. Every
 * function filters by r->ws.id, so a node of another workspace behaves exactly like an unknown
 * id. The nodes table's statements are behind store_node_ops (store/store_node.h). */
#ifndef SRV_STORAGE_H
#define SRV_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "name.h"
#include "server.h"
#include "store_lock.h"
#include "store_node.h"

/* Deepest nesting allowed: a node has at most TREE_MAX_DEPTH - 1 ancestors. SQLite cascades
 * ON DELETE through at most 1000 levels (SQLITE_MAX_TRIGGER_DEPTH), so purging a deeper tree
 * would fail; 500 leaves a wide margin. */
#define TREE_MAX_DEPTH 500
/* Most nodes one copy request may create. */
#define TREE_COPY_MAX 10000
/* Most "name (n)" candidates tried by an auto-rename before giving up with 409. */
#define TREE_RENAME_MAX 10000

/* STORE_WALK_LIMIT, STORE_TYPE_SIZE, STORE_NAME_SIZE and struct store_node: store_node.h. */

/* The wire form of the root in paths and in "parent". */
#define TREE_ROOT "root"

/* A {node} path argument or a parent parameter: "root" (*is_root = true) or an OpaqueId in any
 * case, with or without display hyphens, normalised into id. On a malformed value sets a 400 /
 * 1605 param error naming `param` and returns -1. */
int tree_parse_id(struct req *r, const char *text, const char *param, bool *is_root,
                  char id[FIO_OPAQUE_ID_SIZE]);

/* A request parameter (req_param), refusing a value with an embedded NUL byte (the form
 * decoder keeps its real length; as a C string it would be silently cut): then *bad is set, a
 * 400 param error too, and the return value must be ignored. NULL without error when absent. */
const char *tree_param(struct req *r, const char *name, bool *bad);

/* Look a node up in r->ws and walk its ancestors (bounded) to fill hidden and depth; when
 * watch_id is not NULL, has_watch tells whether it is the node or an ancestor. Returns 1 when
 * found, 0 when no such node exists in this workspace, -1 on a database error (500 set). */
int tree_node_get(struct req *r, const char *id, const char *watch_id, struct store_node *out);

/* The node object of api §4.1 from a row of the store. under_trash: the node sits below a
 * trashed ancestor (it is then reported deleted as well). New reference; NULL on allocation
 * failure. */
json_t *tree_row_json(const struct store_node_row *row, bool under_trash);
/* Fetch node id of r->ws and render it. NULL with a 500 set on failure. */
json_t *tree_render(struct req *r, const char *id, bool under_trash);
/* Render node id and set it as the "node" key of the reply. 0 or -1 (error set). */
int tree_reply_node(struct req *r, const char *id, bool under_trash);

/* A live sibling named exactly `name` in parent (NULL = root), other than exclude_id (may be
 * NULL). Returns 1 and fills id/type when found, 0 when the name is free, -1 on error. */
int tree_find_sibling(struct req *r, const char *parent, const char *name, const char *exclude_id,
                      char id[FIO_OPAQUE_ID_SIZE], char type[STORE_TYPE_SIZE]);
/* The first free name "name (2)", "name (3)"... in parent; for non-folders the counter goes
 * before the extension ("a (2).txt"). Returns 0, or -1 with 409 / 1660 after TREE_RENAME_MAX
 * candidates, or 500. */
int tree_free_name(struct req *r, const char *parent, const char *name, const char *type,
                   char out[STORE_NAME_SIZE]);
/* Where a node of `type` named `name` lands in parent when moved, copied or restored there
 * (api §4.4): a live sibling of the same non-folder type is trashed first; a folder conflict or
 * a type mismatch auto-renames. keep_id (may be NULL) is never trashed (the source of a copy):
 * a conflict with it renames. The final name goes to out. 0 or -1 (error set). */
int tree_place(struct req *r, const char *parent, const char *name, const char *type,
               const char *keep_id, int64_t now, char out[STORE_NAME_SIZE]);

/* Move live node id (whose parent is parent, NULL = root) to the trash. 0 or -1 (500 set). */
int tree_trash(struct req *r, const char *id, const char *parent, int64_t now);

/* Walk the subtree of id (bounded): its height (0 for a leaf) and node count including itself.
 * 0 or -1 (500 set). */
int tree_subtree_size(struct req *r, const char *id, int *height, long *count);

/* ---- file locks (h_lock.c, api §7, docs/decisions.md "Locks") ------------------------------
 * A write to a file node checks its lock with ONE helper, tree_check_lock(), before changing
 * anything: rename/update, move, delete, purge, and replacing a same-name file (tree_place).
 * Uploads check a new version of an existing file (action=update, an upload onto an existing
 * name) in up_place_file*, h_upload_store.c, with the token given at create (hash kept in the
 * session) or with the committing request's own lock_token; restore-version checks too
 * (h_download.c). The holder proves itself with the form/query parameter lock_token. Rules:
 *  - a lock_token that belongs to no live lock (expired, released, never issued) refuses the
 *    write, even on an unlocked node: the writer believes it holds a lock it has lost, and
 *    letting its write through would be a lost update;
 *  - a locked node accepts the write only with its own token.
 * Refusals are 409 / 1660 with the holder in the body (locked, locked_by, expires, ...). */

/* Check the lock of node id (itself only). 0 = the write may go on; -1 = refused (409 set) or a
 * database error (500 set). */
int tree_check_lock(struct req *r, const char *id);
/* The same for id and every node below it (delete and purge take the subtree with them). */
int tree_check_lock_tree(struct req *r, const char *id);
/* Uploads (h_upload*.c) commit a version in a later request than the one that carried the
 * token: the session keeps the token's SHA-256 hex (tree_lock_param_hash: "" when the request
 * has no lock_token; -1 on a NUL byte, 400 set) and tree_check_lock_hash() checks node id with
 * it (NULL or "" = no token) inside the transaction that writes the version. */
int tree_lock_param_hash(struct req *r, char out[STORE_LOCK_HASH_SIZE]);
int tree_check_lock_hash(struct req *r, const char *id, const char *token_hash_hex);
/* lock_info of a node (api §4.1): json null when l is NULL (the node is not locked). New
 * reference; NULL on allocation failure. */
json_t *tree_lock_info_json(const struct store_lock *l);

/* One page of a listing (storage_list.c): reads sort_by, sort_dir, page_size and cursor, and
 * sets {nodes, next_cursor}. scope names the listing inside cursors ("root", "trash" or the
 * folder id); parent is the folder (NULL = root, or the trash when trash is true). The caller
 * has checked that the folder is live. 0 or -1 (error set). */
int tree_list(struct req *r, const char *scope, const char *parent, bool trash);

#endif
