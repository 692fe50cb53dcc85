/* sqlite_access.c - the SQLite statement of the workspace access lookup (store_access.h). */
#include <string.h>

#include "buf.h"
#include "sqlite_conn.h"
#include "store_access.h"

static enum store_rc a_workspace(struct store_conn *c, const char *user_id, const char *key,
                                 struct store_ws_access *out)
{
    sqlite3_stmt *st =
        db_query(sq_conn(c),
                 "SELECT w.id, w.org_id, w.folder_name, w.archived, m.role FROM workspaces w "
                 "JOIN orgs o ON o.id = w.org_id AND o.closed = 0 "
                 "LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = ?1 "
                 "WHERE w.id = ?2 OR w.folder_name = ?2",
                 "tt", user_id, key);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    fio_strlcpy(out->id, db_col_text(st, 0), sizeof(out->id));
    fio_strlcpy(out->org_id, db_col_text(st, 1), sizeof(out->org_id));
    fio_strlcpy(out->folder_name, db_col_text(st, 2), sizeof(out->folder_name));
    out->archived = sqlite3_column_int(st, 3) != 0;
    fio_strlcpy(out->role, db_col_text(st, 4), sizeof(out->role));
    sqlite3_reset(st);
    return STORE_OK;
}

const struct store_access_ops store_sqlite_access_ops = {
    .workspace = a_workspace,
};
