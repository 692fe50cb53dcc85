/* SPDX-License-Identifier: MIT */
/* sqlite_account.c - the SQLite statements of the account area (store_account.h): users,
 * sessions, api_keys, and bearer-token resolution. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sqlite_util.h"
#include "store_account.h"

static enum store_rc token_resolve(struct store_conn *c, enum store_token_kind kind,
                                   const char *token_hash, int64_t now,
                                   struct store_token_owner *out)
{
    sqlite3_stmt *st;
    /* Lookup by the hash of a 256-bit secret: timing reveals nothing about the secret itself. */
    switch (kind) {
    case STORE_TOKEN_OAUTH:
        st = db_query(sq(c),
                      "SELECT s.user_id, u.email, s.id FROM oauth_tokens t JOIN oauth_sessions s "
                      "ON s.id = t.session_id JOIN users u ON u.id = s.user_id WHERE "
                      "t.token_hash = ?1 AND t.kind = 'access' AND t.expires > ?2",
                      "ti", token_hash, now);
        break;
    case STORE_TOKEN_API_KEY:
        st = db_query(sq(c),
                      "SELECT k.user_id, u.email, k.id FROM api_keys k JOIN users u ON u.id = "
                      "k.user_id WHERE k.key_hash = ?1 AND (k.expires IS NULL OR k.expires > ?2)",
                      "ti", token_hash, now);
        break;
    default:
        st = db_query(sq(c),
                      "SELECT s.user_id, u.email, '' FROM sessions s JOIN users u ON u.id = "
                      "s.user_id WHERE s.token_hash = ?1 AND s.expires > ?2",
                      "ti", token_hash, now);
        break;
    }
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(out->user_id, db_col_text(st, 0), sizeof(out->user_id));
    fio_strlcpy(out->email, db_col_text(st, 1), sizeof(out->email));
    fio_strlcpy(out->ref_id, db_col_text(st, 2), sizeof(out->ref_id));
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc user_password(struct store_conn *c, const char *email,
                                   char user_id[FIO_PROFILE_ID_SIZE], char *pwhash,
                                   size_t pwhash_size)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT id, password_hash FROM users WHERE email = ?1", "t", email);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(user_id, db_col_text(st, 0), FIO_PROFILE_ID_SIZE);
    fio_strlcpy(pwhash, db_col_text(st, 1), pwhash_size);
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc user_email_taken(struct store_conn *c, const char *email, bool *exists)
{
    return sq_exists_flag(db_query(sq(c), "SELECT 1 FROM users WHERE email = ?1", "t", email),
                          exists);
}

static enum store_rc user_insert(struct store_conn *c, const char *id, const char *email,
                                 const char *pwhash, const char *first, const char *last,
                                 const char *account_type, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "INSERT INTO users(id, email, password_hash, first_name, last_name, "
                              "account_type, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                              "?7, ?7)",
                              "tttttti", id, email, pwhash, first, last, account_type, now));
}

static enum store_rc user_find(struct store_conn *c, const char *who,
                               char user_id[FIO_PROFILE_ID_SIZE], char email[256])
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT id, email FROM users WHERE id = ?1 OR email = ?1", "t", who);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(user_id, db_col_text(st, 0), FIO_PROFILE_ID_SIZE);
    fio_strlcpy(email, db_col_text(st, 1), 256);
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc user_exists(struct store_conn *c, const char *user_id, bool *exists)
{
    return sq_exists_flag(db_query(sq(c), "SELECT 1 FROM users WHERE id = ?1", "t", user_id),
                          exists);
}

static enum store_rc email_verified_get(struct store_conn *c, const char *user_id, bool *verified)
{
    *verified = false;
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT email_verified FROM users WHERE id = ?1", "t", user_id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_OK : rc;
    *verified = sqlite3_column_int64(st, 0) != 0;
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc email_verified_set(struct store_conn *c, const char *user_id, bool verified)
{
    return sq_exec_rc(db_exec(sq(c), "UPDATE users SET email_verified = ?1 WHERE id = ?2", "it",
                              (int64_t)(verified ? 1 : 0), user_id));
}

static enum store_rc email_code_put(struct store_conn *c, const char *user_id,
                                    const char *code_hash, int64_t expires)
{
    return sq_exec_rc(db_exec(sq(c),
                              "INSERT OR REPLACE INTO email_codes(user_id, code_hash, expires, "
                              "attempts) VALUES (?1, ?2, ?3, 0)",
                              "tti", user_id, code_hash, expires));
}

static enum store_rc email_code_get(struct store_conn *c, const char *user_id, char *code_hash,
                                    int64_t *expires, int64_t *attempts)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT code_hash, expires, attempts FROM email_codes WHERE user_id = ?1",
                 "t", user_id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(code_hash, db_col_text(st, 0), 65);
    *expires = sqlite3_column_int64(st, 1);
    *attempts = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc email_code_failed(struct store_conn *c, const char *user_id)
{
    return sq_exec_rc(db_exec(
        sq(c), "UPDATE email_codes SET attempts = attempts + 1 WHERE user_id = ?1", "t", user_id));
}

static enum store_rc email_code_delete(struct store_conn *c, const char *user_id)
{
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM email_codes WHERE user_id = ?1", "t", user_id));
}

static enum store_rc user_count(struct store_conn *c, long long *n)
{
    return sq_count(db_query(sq(c), "SELECT COUNT(*) FROM users", ""), n);
}

static enum store_rc user_row(struct store_conn *c, const char *user_id, json_t **row)
{
    return sq_one_object(db_query(sq(c),
                                  "SELECT id, email, first_name, last_name, account_type, "
                                  "email_verified, created, updated FROM users WHERE id = ?1",
                                  "t", user_id),
                         row);
}

static enum store_rc user_account_type(struct store_conn *c, const char *user_id, char *out,
                                       size_t size)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT account_type FROM users WHERE id = ?1", "t", user_id);
    return sq_text(st, out, size);
}

static enum store_rc session_add(struct store_conn *c, const char *token_hash, const char *user_id,
                                 int64_t now, int64_t expires)
{
    /* Expired sessions of this user are pruned on each sign-in, bounding the table. */
    int rc = db_exec(sq(c), "DELETE FROM sessions WHERE user_id = ?1 AND expires <= ?2", "ti",
                     user_id, now);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO sessions(token_hash, user_id, created, expires) VALUES (?1, ?2, "
                     "?3, ?4)",
                     "ttii", token_hash, user_id, now, expires);
    return sq_exec_rc(rc);
}

static enum store_rc session_delete_user(struct store_conn *c, const char *user_id, long long *n)
{
    *n = 0;
    enum store_rc rc =
        sq_exec_rc(db_exec(sq(c), "DELETE FROM sessions WHERE user_id = ?1", "t", user_id));
    if (rc == STORE_OK)
        *n = sq_changes(c);
    return rc;
}

/* ---- API keys -------------------------------------------------------------------------------- */

static enum store_rc apikey_insert(struct store_conn *c, const struct store_apikey_new *k)
{
    sqlite3_stmt *st = db_stmt(sq(c), "INSERT INTO api_keys(id, user_id, key_hash, key_prefix, "
                                      "memo, scopes, agent_name, expires, created, updated) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)");
    if (!st)
        return STORE_ERROR;
    const char *memo = k->memo ? k->memo : "";
    int rc = k->has_expires
                 ? db_bind(st, "tttttttii", k->id, k->user_id, k->key_hash, k->key_prefix, memo,
                           k->scopes, k->agent_name, k->expires, k->now)
                 : db_bind(st, "tttttttni", k->id, k->user_id, k->key_hash, k->key_prefix, memo,
                           k->scopes, k->agent_name, k->now);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    return sq_exec_rc(rc);
}

#define KEY_COLS "id, key_prefix, memo, scopes, agent_name, expires, created, updated, last_used"

static enum store_rc apikey_row(struct store_conn *c, const char *id, const char *user_id,
                                json_t **row)
{
    return sq_one_object(
        db_query(sq(c), "SELECT " KEY_COLS " FROM api_keys WHERE id = ?1 AND user_id = ?2", "tt",
                 id, user_id),
        row);
}

static enum store_rc apikey_list(struct store_conn *c, const char *user_id, json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               "SELECT " KEY_COLS " FROM api_keys WHERE user_id = ?1 "
                               "ORDER BY created, id",
                               "t", user_id),
                      sq_row_object, rows);
}

static enum store_rc apikey_update(struct store_conn *c, const char *id,
                                   const struct store_apikey_patch *p)
{
    int rc = SQLITE_DONE;
    if (p->set_memo)
        rc = db_exec(sq(c), "UPDATE api_keys SET memo = ?1, updated = ?2 WHERE id = ?3", "tit",
                     p->memo, p->now, id);
    if (rc == SQLITE_DONE && p->set_agent_name)
        rc = db_exec(sq(c), "UPDATE api_keys SET agent_name = ?1, updated = ?2 WHERE id = ?3",
                     "tit", *p->agent_name ? p->agent_name : NULL, p->now, id);
    if (rc == SQLITE_DONE && p->set_scopes)
        rc = db_exec(sq(c), "UPDATE api_keys SET scopes = ?1, updated = ?2 WHERE id = ?3", "tit",
                     p->scopes, p->now, id);
    if (rc == SQLITE_DONE && p->set_expires)
        rc = p->expires_null
                 ? db_exec(sq(c), "UPDATE api_keys SET expires = NULL, updated = ?1 WHERE id = ?2",
                           "it", p->now, id)
                 : db_exec(sq(c), "UPDATE api_keys SET expires = ?1, updated = ?2 WHERE id = ?3",
                           "iit", p->expires, p->now, id);
    return sq_exec_rc(rc);
}

static enum store_rc apikey_delete(struct store_conn *c, const char *id, const char *user_id)
{
    enum store_rc rc = sq_exec_rc(
        db_exec(sq(c), "DELETE FROM api_keys WHERE id = ?1 AND user_id = ?2", "tt", id, user_id));
    if (rc == STORE_OK && sq_changes(c) == 0)
        return STORE_NOT_FOUND;
    return rc;
}

static enum store_rc apikey_scopes(struct store_conn *c, const char *id, char **scopes)
{
    *scopes = NULL;
    sqlite3_stmt *st = db_query(sq(c), "SELECT scopes FROM api_keys WHERE id = ?1", "t", id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_OK : rc;
    const char *t = db_col_text(st, 0);
    rc = STORE_OK;
    if (t[0] && !(*scopes = strdup(t)))
        rc = STORE_ERROR;
    sqlite3_reset(st);
    return rc;
}

const struct store_account_ops sqlite_account_ops = {
    .token_resolve = token_resolve,
    .user_password = user_password,
    .user_email_taken = user_email_taken,
    .user_insert = user_insert,
    .user_find = user_find,
    .user_exists = user_exists,
    .user_count = user_count,
    .user_row = user_row,
    .user_account_type = user_account_type,
    .session_add = session_add,
    .session_delete_user = session_delete_user,
    .apikey_insert = apikey_insert,
    .apikey_row = apikey_row,
    .apikey_list = apikey_list,
    .apikey_update = apikey_update,
    .apikey_delete = apikey_delete,
    .apikey_scopes = apikey_scopes,
    .email_verified_get = email_verified_get,
    .email_verified_set = email_verified_set,
    .email_code_put = email_code_put,
    .email_code_get = email_code_get,
    .email_code_failed = email_code_failed,
    .email_code_delete = email_code_delete,
};
