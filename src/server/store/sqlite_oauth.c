/* sqlite_oauth.c - the SQLite statements of the OAuth area (store_oauth.h): oauth_requests,
 * oauth_codes, oauth_sessions and oauth_tokens. */
#include "server.h"
#include "sqlite_util.h"
#include "store_oauth.h"

static enum store_rc session_scope(struct store_conn *c, const char *session_id, char *scope,
                                   size_t scope_size, char *scope_type, size_t type_size)
{
    sqlite3_stmt *st = db_query(sq(c), "SELECT scope, scope_type FROM oauth_sessions WHERE id = ?1",
                                "t", session_id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(scope, db_col_text(st, 0), scope_size);
    fio_strlcpy(scope_type, db_col_text(st, 1), type_size);
    sqlite3_reset(st);
    return STORE_OK;
}

const struct store_oauth_ops sqlite_oauth_ops = {
    .session_scope = session_scope,
};
