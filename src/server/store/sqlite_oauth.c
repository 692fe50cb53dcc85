/* SPDX-License-Identifier: MIT */
/* sqlite_oauth.c - the SQLite statements of the OAuth area (store_oauth.h): oauth_requests,
 * oauth_codes, oauth_sessions and oauth_tokens. */
#include "buf.h"
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

/* ---- authorization requests and codes -------------------------------------------------------- */

static enum store_rc request_add(struct store_conn *c, const struct store_oauth_request *q,
                                 int64_t now, int64_t expires)
{
    /* Expired requests are pruned on each new one, bounding the table. */
    int rc = db_exec(sq(c), "DELETE FROM oauth_requests WHERE expires <= ?1", "i", now);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO oauth_requests(id, client_id, redirect_uri, code_challenge, "
                     "state, scope, scope_type, agent_name, login_hint, created, expires) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                     "tttttttttii", q->id, q->client_id, q->redirect_uri, q->challenge, q->state,
                     q->scope, q->scope_type, q->agent_name, q->login_hint, now, expires);
    return sq_exec_rc(rc);
}

static enum store_rc request_get(struct store_conn *c, const char *id, int64_t now,
                                 struct store_oauth_request *q)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT id, client_id, redirect_uri, code_challenge, state, scope, "
                                "scope_type, agent_name, login_hint FROM oauth_requests "
                                "WHERE id = ?1 AND expires > ?2",
                                "ti", id, now);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(q->id, db_col_text(st, 0), sizeof(q->id));
    fio_strlcpy(q->client_id, db_col_text(st, 1), sizeof(q->client_id));
    fio_strlcpy(q->redirect_uri, db_col_text(st, 2), sizeof(q->redirect_uri));
    fio_strlcpy(q->challenge, db_col_text(st, 3), sizeof(q->challenge));
    fio_strlcpy(q->state, db_col_text(st, 4), sizeof(q->state));
    fio_strlcpy(q->scope, db_col_text(st, 5), sizeof(q->scope));
    fio_strlcpy(q->scope_type, db_col_text(st, 6), sizeof(q->scope_type));
    fio_strlcpy(q->agent_name, db_col_text(st, 7), sizeof(q->agent_name));
    fio_strlcpy(q->login_hint, db_col_text(st, 8), sizeof(q->login_hint));
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc request_take(struct store_conn *c, const char *id, int64_t now, bool *taken)
{
    /* Single use: whoever deletes the request row issues the code. */
    enum store_rc rc = sq_exec_rc(
        db_exec(sq(c), "DELETE FROM oauth_requests WHERE id = ?1 AND expires > ?2", "ti", id, now));
    *taken = rc == STORE_OK && sq_changes(c) == 1;
    return rc;
}

static enum store_rc code_add(struct store_conn *c, const char *code_hash, const char *user_id,
                              const struct store_oauth_request *q, int64_t now, int64_t expires,
                              int64_t prune_before)
{
    int rc = db_exec(sq(c), "DELETE FROM oauth_codes WHERE expires <= ?1", "i", prune_before);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO oauth_codes(code_hash, user_id, client_id, redirect_uri, "
                     "code_challenge, scope, scope_type, agent_name, created, expires) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                     "ttttttttii", code_hash, user_id, q->client_id, q->redirect_uri, q->challenge,
                     q->scope, q->scope_type, q->agent_name, now, expires);
    return sq_exec_rc(rc);
}

static enum store_rc code_get(struct store_conn *c, const char *code_hash,
                              struct store_oauth_code *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT user_id, client_id, redirect_uri, code_challenge, scope, "
                                "scope_type, agent_name, expires, used, session_id "
                                "FROM oauth_codes WHERE code_hash = ?1",
                                "t", code_hash);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(out->user_id, db_col_text(st, 0), sizeof(out->user_id));
    fio_strlcpy(out->client_id, db_col_text(st, 1), sizeof(out->client_id));
    fio_strlcpy(out->redirect_uri, db_col_text(st, 2), sizeof(out->redirect_uri));
    fio_strlcpy(out->challenge, db_col_text(st, 3), sizeof(out->challenge));
    fio_strlcpy(out->scope, db_col_text(st, 4), sizeof(out->scope));
    fio_strlcpy(out->scope_type, db_col_text(st, 5), sizeof(out->scope_type));
    fio_strlcpy(out->agent_name, db_col_text(st, 6), sizeof(out->agent_name));
    out->expires = sqlite3_column_int64(st, 7);
    out->used = sqlite3_column_int(st, 8) != 0;
    fio_strlcpy(out->session_id, db_col_text(st, 9), sizeof(out->session_id));
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc code_mark_used(struct store_conn *c, const char *code_hash)
{
    return sq_exec_rc(
        db_exec(sq(c), "UPDATE oauth_codes SET used = 1 WHERE code_hash = ?1", "t", code_hash));
}

static enum store_rc code_set_session(struct store_conn *c, const char *code_hash,
                                      const char *session_id)
{
    return sq_exec_rc(db_exec(sq(c), "UPDATE oauth_codes SET session_id = ?1 WHERE code_hash = ?2",
                              "tt", session_id, code_hash));
}

/* ---- sessions and tokens --------------------------------------------------------------------- */

static enum store_rc session_add(struct store_conn *c, const struct store_oauth_session_new *s)
{
    /* Sessions of this user with no live token are pruned on each new one. Rotated refresh
     * tokens stay until they would have expired, so a late replay is still recognised. */
    int rc = db_exec(sq(c),
                     "DELETE FROM oauth_sessions WHERE user_id = ?1 AND NOT EXISTS (SELECT 1 "
                     "FROM oauth_tokens t WHERE t.session_id = oauth_sessions.id AND "
                     "t.expires > ?2)",
                     "ti", s->user_id, s->now);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO oauth_sessions(id, user_id, client_id, scope, scope_type, "
                     "device_name, device_type, agent_name, created) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                     "tttttttti", s->id, s->user_id, s->client_id, s->scope, s->scope_type,
                     s->device_name, s->device_type, s->agent_name, s->now);
    return sq_exec_rc(rc);
}

static enum store_rc session_delete(struct store_conn *c, const char *session_id)
{
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM oauth_sessions WHERE id = ?1", "t", session_id));
}

static enum store_rc tokens_add(struct store_conn *c, const char *session_id,
                                const char *access_hash, int64_t access_expires,
                                const char *refresh_hash, int64_t refresh_expires, int64_t now)
{
    int rc = db_exec(sq(c),
                     "INSERT INTO oauth_tokens(token_hash, session_id, kind, created, expires) "
                     "VALUES (?1, ?2, 'access', ?3, ?4)",
                     "ttii", access_hash, session_id, now, access_expires);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO oauth_tokens(token_hash, session_id, kind, created, expires) "
                     "VALUES (?1, ?2, 'refresh', ?3, ?4)",
                     "ttii", refresh_hash, session_id, now, refresh_expires);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c), "UPDATE oauth_sessions SET last_used = ?1 WHERE id = ?2", "it", now,
                     session_id);
    return sq_exec_rc(rc);
}

static enum store_rc refresh_get(struct store_conn *c, const char *token_hash,
                                 struct store_oauth_refresh *out)
{
    sqlite3_stmt *st =
        db_query(sq(c),
                 "SELECT t.session_id, t.expires, t.rotated, s.client_id, s.scope, "
                 "s.scope_type FROM oauth_tokens t JOIN oauth_sessions s ON "
                 "s.id = t.session_id WHERE t.token_hash = ?1 AND t.kind = 'refresh'",
                 "t", token_hash);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(out->session_id, db_col_text(st, 0), sizeof(out->session_id));
    out->expires = sqlite3_column_int64(st, 1);
    out->rotated = sqlite3_column_int(st, 2) != 0;
    fio_strlcpy(out->client_id, db_col_text(st, 3), sizeof(out->client_id));
    fio_strlcpy(out->scope, db_col_text(st, 4), sizeof(out->scope));
    fio_strlcpy(out->scope_type, db_col_text(st, 5), sizeof(out->scope_type));
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc refresh_rotate(struct store_conn *c, const char *token_hash)
{
    return sq_exec_rc(db_exec(sq(c), "UPDATE oauth_tokens SET rotated = 1 WHERE token_hash = ?1",
                              "t", token_hash));
}

static enum store_rc revoke(struct store_conn *c, const char *token_hash)
{
    int rc = db_exec(sq(c),
                     "DELETE FROM oauth_sessions WHERE id = (SELECT session_id FROM "
                     "oauth_tokens WHERE token_hash = ?1 AND kind = 'refresh')",
                     "t", token_hash);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c), "DELETE FROM oauth_tokens WHERE token_hash = ?1 AND kind = 'access'",
                     "t", token_hash);
    return sq_exec_rc(rc);
}

#define SESSION_COLS                                                                               \
    "s.id, s.client_id, s.scope, s.scope_type, s.device_name, s.device_type, s.agent_name, "       \
    "s.created, s.last_used, (SELECT MAX(t.expires) FROM oauth_tokens t WHERE t.session_id = "     \
    "s.id AND t.kind = 'refresh' AND t.rotated = 0) AS expires"

static enum store_rc session_list(struct store_conn *c, const char *user_id, int64_t now,
                                  json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               "SELECT " SESSION_COLS " FROM oauth_sessions s "
                               "WHERE s.user_id = ?1 AND EXISTS (SELECT 1 FROM oauth_tokens t "
                               "WHERE t.session_id = s.id AND t.rotated = 0 AND t.expires > ?2) "
                               "ORDER BY s.created, s.id",
                               "ti", user_id, now),
                      sq_row_object, rows);
}

static enum store_rc session_row(struct store_conn *c, const char *id, const char *user_id,
                                 int64_t now, json_t **row)
{
    return sq_one_object(db_query(sq(c),
                                  "SELECT " SESSION_COLS " FROM oauth_sessions s "
                                  "WHERE s.id = ?1 AND s.user_id = ?2 AND EXISTS (SELECT 1 FROM "
                                  "oauth_tokens t WHERE t.session_id = s.id AND t.rotated = 0 AND "
                                  "t.expires > ?3)",
                                  "tti", id, user_id, now),
                         row);
}

static enum store_rc session_rename(struct store_conn *c, const char *id, bool set_device,
                                    const char *device_name, bool set_agent, const char *agent_name)
{
    int rc = SQLITE_DONE;
    if (set_device)
        rc = db_exec(sq(c), "UPDATE oauth_sessions SET device_name = ?1 WHERE id = ?2", "tt",
                     *device_name ? device_name : NULL, id);
    if (rc == SQLITE_DONE && set_agent)
        rc = db_exec(sq(c), "UPDATE oauth_sessions SET agent_name = ?1 WHERE id = ?2", "tt",
                     *agent_name ? agent_name : NULL, id);
    return sq_exec_rc(rc);
}

static enum store_rc session_delete_own(struct store_conn *c, const char *id, const char *user_id)
{
    enum store_rc rc = sq_exec_rc(db_exec(
        sq(c), "DELETE FROM oauth_sessions WHERE id = ?1 AND user_id = ?2", "tt", id, user_id));
    if (rc == STORE_OK && sq_changes(c) == 0)
        return STORE_NOT_FOUND;
    return rc;
}

static enum store_rc session_delete_all(struct store_conn *c, const char *user_id, const char *keep,
                                        long long *n)
{
    *n = 0;
    enum store_rc rc = sq_exec_rc(db_exec(sq(c),
                                          "DELETE FROM oauth_sessions WHERE user_id = ?1 AND id "
                                          "IS NOT ?2",
                                          "tt", user_id, keep));
    if (rc == STORE_OK)
        *n = sq_changes(c);
    return rc;
}

const struct store_oauth_ops sqlite_oauth_ops = {
    .session_scope = session_scope,
    .request_add = request_add,
    .request_get = request_get,
    .request_take = request_take,
    .code_add = code_add,
    .code_get = code_get,
    .code_mark_used = code_mark_used,
    .code_set_session = code_set_session,
    .session_add = session_add,
    .session_delete = session_delete,
    .tokens_add = tokens_add,
    .refresh_get = refresh_get,
    .refresh_rotate = refresh_rotate,
    .revoke = revoke,
    .session_list = session_list,
    .session_row = session_row,
    .session_rename = session_rename,
    .session_delete_own = session_delete_own,
    .session_delete_all = session_delete_all,
};
