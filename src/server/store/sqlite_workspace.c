/* SPDX-License-Identifier: MIT */
/* sqlite_workspace.c - the SQLite statements of the workspace area (store_workspace.h):
 * workspaces, and the workspace_members lookups behind access checks. */
#include "buf.h"
#include "sqlite_util.h"
#include "store_workspace.h"

static enum store_rc ws_access(struct store_conn *c, const char *key, const char *user_id,
                               struct store_ws_access *out)
{
    sqlite3_stmt *st =
        db_query(sq(c),
                 "SELECT w.id, w.org_id, w.folder_name, w.archived, m.role FROM workspaces w "
                 "JOIN orgs o ON o.id = w.org_id AND o.closed = 0 "
                 "LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = ?1 "
                 "WHERE w.id = ?2 OR w.folder_name = ?2",
                 "tt", user_id, key);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(out->id, db_col_text(st, 0), sizeof(out->id));
    fio_strlcpy(out->org_id, db_col_text(st, 1), sizeof(out->org_id));
    fio_strlcpy(out->folder_name, db_col_text(st, 2), sizeof(out->folder_name));
    out->archived = sqlite3_column_int(st, 3) != 0;
    fio_strlcpy(out->role, db_col_text(st, 4), sizeof(out->role));
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc role(struct store_conn *c, const char *ws_id, const char *user_id,
                          char out[STORE_ROLE_SIZE])
{
    return sq_text_or_empty(db_query(sq(c),
                                     "SELECT role FROM workspace_members WHERE workspace_id = ?1 "
                                     "AND user_id = ?2",
                                     "tt", ws_id, user_id),
                            out, STORE_ROLE_SIZE); /* no membership: "" */
}

static enum store_rc perm_member_manage(struct store_conn *c, const char *ws_id, char *out,
                                        size_t size)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT perm_member_manage FROM workspaces WHERE id = ?1", "t", ws_id);
    return sq_text(st, out, size);
}

/* Columns every workspace row selects (o.domain is the org's). */
#define WS_COLS                                                                                    \
    "w.id, w.org_id, o.domain, w.name, w.folder_name, w.description, w.perm_join, "                \
    "w.perm_member_manage, w.intelligence, w.archived, m.role AS role, w.created, w.updated, "     \
    "w.extra"

static enum store_rc row(struct store_conn *c, const char *id, const char *user_id, json_t **out)
{
    return sq_one_object(
        db_query(sq(c),
                 "SELECT " WS_COLS " FROM workspaces w JOIN orgs o ON o.id = w.org_id "
                 "LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = ?1 "
                 "WHERE w.id = ?2",
                 "tt", user_id, id),
        out);
}

static enum store_rc count_joined(struct store_conn *c, const char *user_id, long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM workspaces w JOIN orgs o ON o.id = w.org_id "
                             "AND o.closed = 0 JOIN workspace_members m ON m.workspace_id = w.id "
                             "AND m.user_id = ?1",
                             "t", user_id),
                    n);
}

static enum store_rc list_joined(struct store_conn *c, const char *user_id, long long limit,
                                 long long offset, json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               "SELECT " WS_COLS " FROM workspaces w JOIN orgs o ON o.id = "
                               "w.org_id AND o.closed = 0 JOIN workspace_members m ON "
                               "m.workspace_id = w.id AND m.user_id = ?1 "
                               "ORDER BY w.created, w.id LIMIT ?2 OFFSET ?3",
                               "tii", user_id, (int64_t)limit, (int64_t)offset),
                      sq_row_object, rows);
}

static enum store_rc count_in_org(struct store_conn *c, const char *org_id, const char *user_id,
                                  bool all, long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM workspaces w LEFT JOIN workspace_members m ON "
                             "m.workspace_id = w.id AND m.user_id = ?1 WHERE w.org_id = ?2 AND "
                             "(?3 OR m.role IS NOT NULL)",
                             "ttd", user_id, org_id, all ? 1 : 0),
                    n);
}

static enum store_rc list_in_org(struct store_conn *c, const char *org_id, const char *user_id,
                                 bool all, long long limit, long long offset, json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               "SELECT " WS_COLS " FROM workspaces w JOIN orgs o ON o.id = "
                               "w.org_id LEFT JOIN workspace_members m ON m.workspace_id = w.id "
                               "AND m.user_id = ?1 WHERE w.org_id = ?2 AND (?3 OR m.role IS NOT "
                               "NULL) ORDER BY w.created, w.id LIMIT ?4 OFFSET ?5",
                               "ttdii", user_id, org_id, all ? 1 : 0, (int64_t)limit,
                               (int64_t)offset),
                      sq_row_object, rows);
}

static enum store_rc folder_taken(struct store_conn *c, const char *folder, const char *self_id,
                                  bool *taken)
{
    return sq_exists_flag(db_query(sq(c),
                                   "SELECT 1 FROM workspaces WHERE folder_name = ?1 AND id <> ?2",
                                   "tt", folder, self_id),
                          taken);
}

static enum store_rc insert(struct store_conn *c, const char *id, const char *org_id,
                            const struct store_ws_fields *f, const char *owner_id, int64_t now)
{
    int rc = db_exec(sq(c),
                     "INSERT INTO workspaces(id, org_id, folder_name, name, description, "
                     "perm_join, perm_member_manage, intelligence, archived, extra, created, "
                     "updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?10)",
                     "tttttttdti", id, org_id, f->folder_name, f->name, f->description,
                     f->perm_join, f->perm_member_manage, f->intelligence ? 1 : 0, f->extra, now);
    /* The creator owns the workspace (api §3.4). */
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO workspace_members(workspace_id, user_id, role, created) "
                     "VALUES (?1, ?2, 'owner', ?3)",
                     "tti", id, owner_id, now);
    return sq_exec_rc(rc);
}

static enum store_rc settings(struct store_conn *c, const char *id, json_t **out)
{
    return sq_one_object(db_query(sq(c),
                                  "SELECT name, folder_name, description, perm_join, "
                                  "perm_member_manage, intelligence, extra FROM workspaces "
                                  "WHERE id = ?1",
                                  "t", id),
                         out);
}

static enum store_rc update(struct store_conn *c, const char *id, const struct store_ws_fields *f,
                            int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE workspaces SET name = ?1, folder_name = ?2, description = "
                              "?3, perm_join = ?4, perm_member_manage = ?5, intelligence = ?6, "
                              "extra = ?7, updated = ?8 WHERE id = ?9",
                              "tttttdtit", f->name, f->folder_name, f->description, f->perm_join,
                              f->perm_member_manage, f->intelligence ? 1 : 0, f->extra, now, id));
}

static enum store_rc ws_remove(struct store_conn *c, const char *id)
{
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM workspaces WHERE id = ?1", "t", id));
}

static enum store_rc set_archived(struct store_conn *c, const char *id, bool archived, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE workspaces SET archived = ?1, updated = ?2 WHERE id = ?3",
                              "dit", archived ? 1 : 0, now, id));
}

const struct store_workspace_ops sqlite_workspace_ops = {
    .access = ws_access,
    .role = role,
    .perm_member_manage = perm_member_manage,
    .row = row,
    .count_joined = count_joined,
    .list_joined = list_joined,
    .count_in_org = count_in_org,
    .list_in_org = list_in_org,
    .folder_taken = folder_taken,
    .insert = insert,
    .settings = settings,
    .update = update,
    .remove = ws_remove,
    .set_archived = set_archived,
};
