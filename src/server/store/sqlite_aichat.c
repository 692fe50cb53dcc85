/* SPDX-License-Identifier: MIT */
/* sqlite_aichat.c - the SQLite statements of the AI chat tables (store_aichat.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sqlite_util.h"
#include "store_aichat.h"

void store_aichat_clear(struct store_aichat *c)
{
    if (!c)
        return;
    free(c->refs);
    free(c->subjects);
    c->refs = c->subjects = NULL;
}

void store_aimsg_clear(struct store_aimsg *m)
{
    if (!m)
        return;
    free(m->question);
    free(m->refs);
    free(m->subjects);
    m->question = m->refs = m->subjects = NULL;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
    return fio_strdup(db_col_text(st, col));
}

/* ---- chats ---------------------------------------------------------------------------------- */

static enum store_rc a_chat_insert(struct store_conn *c, const struct store_aichat *ch, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "INSERT INTO ai_chats (id, workspace_id, user_id, name, privacy, "
                              "kind, refs, subjects, created, updated) VALUES (?1, ?2, ?3, ?4, "
                              "?5, ?6, ?7, ?8, ?9, ?9)",
                              "tttttttti", ch->id, ch->ws_id, ch->user_id, ch->name, ch->privacy,
                              ch->kind, ch->refs ? ch->refs : "[]",
                              ch->subjects ? ch->subjects : "[]", now));
}

static enum store_rc a_chat_get(struct store_conn *c, const char *ws_id, const char *id,
                                struct store_aichat *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT id, workspace_id, user_id, name, privacy, kind, deleted, "
                                "refs, subjects FROM ai_chats WHERE id = ?1 AND workspace_id = ?2",
                                "tt", id, ws_id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    fio_strlcpy(out->id, db_col_text(st, 0), sizeof(out->id));
    fio_strlcpy(out->ws_id, db_col_text(st, 1), sizeof(out->ws_id));
    fio_strlcpy(out->user_id, db_col_text(st, 2), sizeof(out->user_id));
    fio_strlcpy(out->name, db_col_text(st, 3), sizeof(out->name));
    fio_strlcpy(out->privacy, db_col_text(st, 4), sizeof(out->privacy));
    fio_strlcpy(out->kind, db_col_text(st, 5), sizeof(out->kind));
    out->deleted = sqlite3_column_int(st, 6) != 0;
    out->refs = dup_col(st, 7);
    out->subjects = dup_col(st, 8);
    sqlite3_reset(st);
    if (!out->refs || !out->subjects) {
        store_aichat_clear(out);
        return STORE_ERROR;
    }
    return STORE_OK;
}

#define CHAT_VIEW_COLS                                                                             \
    "c.id AS id, c.workspace_id AS workspace_id, c.user_id AS user_id, c.name AS name, "           \
    "c.privacy AS privacy, c.kind AS kind, c.refs AS refs, c.subjects AS subjects, "               \
    "c.deleted AS deleted, c.created AS created, c.updated AS updated, "                           \
    "(SELECT COUNT(*) FROM ai_messages m WHERE m.chat_id = c.id) AS message_count, "               \
    "(SELECT m.id FROM ai_messages m WHERE m.chat_id = c.id ORDER BY m.seq DESC LIMIT 1) "         \
    "AS last_message_id, "                                                                         \
    "(SELECT m.state FROM ai_messages m WHERE m.chat_id = c.id ORDER BY m.seq DESC LIMIT 1) "      \
    "AS last_state"

static enum store_rc a_chat_view(struct store_conn *c, const char *id, json_t **out)
{
    return sq_one_object(
        db_query(sq(c), "SELECT " CHAT_VIEW_COLS " FROM ai_chats c WHERE c.id = ?1", "t", id), out);
}

#define CHAT_VISIBLE                                                                               \
    "c.workspace_id = ?1 AND (?3 = '' OR c.kind = ?3) AND ((?4 = 0 AND c.deleted = 0 AND "         \
    "(c.user_id = ?2 OR c.privacy = 'public')) OR (?4 = 1 AND c.deleted = 1 AND c.user_id = ?2))"

static enum store_rc a_chat_list(struct store_conn *c, const char *ws_id, const char *user_id,
                                 const char *kind, bool deleted, long limit, long offset,
                                 json_t **out, long long *total)
{
    return sq_page(db_query(sq(c), "SELECT COUNT(*) FROM ai_chats c WHERE " CHAT_VISIBLE, "tttd",
                            ws_id, user_id, kind, deleted ? 1 : 0),
                   total,
                   db_query(sq(c),
                            "SELECT " CHAT_VIEW_COLS " FROM ai_chats c WHERE " CHAT_VISIBLE
                            " ORDER BY c.updated DESC, c.id DESC LIMIT ?5 OFFSET ?6",
                            "tttdii", ws_id, user_id, kind, deleted ? 1 : 0, (int64_t)limit,
                            (int64_t)offset),
                   out);
}

static enum store_rc a_chat_update(struct store_conn *c, const char *id, const char *name,
                                   bool publish, bool del, int64_t now)
{
    return sq_exec_one(
        c, db_exec(sq(c),
                   "UPDATE ai_chats SET name = COALESCE(?2, name), privacy = CASE WHEN ?3 THEN "
                   "'public' ELSE privacy END, deleted = CASE WHEN ?4 THEN 1 ELSE deleted END, "
                   "updated = ?5 WHERE id = ?1",
                   "ttddi", id, name, publish ? 1 : 0, del ? 1 : 0, now));
}

/* ---- messages -------------------------------------------------------------------------------- */

static enum store_rc a_msg_insert(struct store_conn *c, struct store_aimsg *m, int64_t now)
{
    long long seq = 0;
    enum store_rc rc = sq_count(db_query(sq(c),
                                         "SELECT COALESCE(MAX(seq), 0) FROM ai_messages WHERE "
                                         "chat_id = ?1",
                                         "t", m->chat_id),
                                &seq);
    if (rc != STORE_OK)
        return rc;
    m->seq = seq + 1;
    rc = sq_exec_rc(db_exec(sq(c),
                            "INSERT INTO ai_messages (id, chat_id, workspace_id, user_id, seq, "
                            "question, refs, subjects, state, created, updated) VALUES (?1, ?2, "
                            "?3, ?4, ?5, ?6, ?7, ?8, 'ready', ?9, ?9)",
                            "ttttittti", m->id, m->chat_id, m->ws_id, m->user_id, (int64_t)m->seq,
                            m->question, m->refs ? m->refs : "[]", m->subjects ? m->subjects : "[]",
                            now));
    if (rc == STORE_OK)
        rc = sq_exec_rc(db_exec(sq(c), "UPDATE ai_chats SET updated = ?2 WHERE id = ?1", "ti",
                                m->chat_id, now));
    return rc;
}

static const char MSG_COUNT_SQL[] = "SELECT COUNT(*) FROM ai_messages WHERE chat_id = ?1";

static enum store_rc a_msg_count(struct store_conn *c, const char *chat_id, long long *n)
{
    return sq_count(db_query(sq(c), MSG_COUNT_SQL, "t", chat_id), n);
}

#define MSG_COLS                                                                                   \
    "id, chat_id, workspace_id, user_id, seq, state, attempts, question, refs, subjects"

static enum store_rc read_msg(sqlite3_stmt *st, struct store_aimsg *out)
{
    memset(out, 0, sizeof(*out));
    fio_strlcpy(out->id, db_col_text(st, 0), sizeof(out->id));
    fio_strlcpy(out->chat_id, db_col_text(st, 1), sizeof(out->chat_id));
    fio_strlcpy(out->ws_id, db_col_text(st, 2), sizeof(out->ws_id));
    fio_strlcpy(out->user_id, db_col_text(st, 3), sizeof(out->user_id));
    out->seq = sqlite3_column_int64(st, 4);
    fio_strlcpy(out->state, db_col_text(st, 5), sizeof(out->state));
    out->attempts = sqlite3_column_int64(st, 6);
    out->question = dup_col(st, 7);
    out->refs = dup_col(st, 8);
    out->subjects = dup_col(st, 9);
    sqlite3_reset(st);
    if (!out->question || !out->refs || !out->subjects) {
        store_aimsg_clear(out);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static enum store_rc a_msg_get(struct store_conn *c, const char *id, struct store_aimsg *out)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT " MSG_COLS " FROM ai_messages WHERE id = ?1", "t", id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    return read_msg(st, out);
}

#define MSG_VIEW_COLS                                                                              \
    "id, chat_id, workspace_id, user_id, seq, question, refs, subjects, state, answer, "           \
    "citations, clarification, error, engine, engine_note, canceled, attempts, tokens, created, "  \
    "updated"

static enum store_rc a_msg_view(struct store_conn *c, const char *chat_id, const char *id,
                                json_t **out)
{
    return sq_one_object(db_query(sq(c),
                                  "SELECT " MSG_VIEW_COLS " FROM ai_messages WHERE id = ?1 AND "
                                  "chat_id = ?2",
                                  "tt", id, chat_id),
                         out);
}

static enum store_rc a_msg_list(struct store_conn *c, const char *chat_id, long limit, long offset,
                                json_t **out, long long *total)
{
    return sq_page(db_query(sq(c), MSG_COUNT_SQL, "t", chat_id), total,
                   db_query(sq(c),
                            "SELECT " MSG_VIEW_COLS " FROM ai_messages WHERE chat_id = ?1 "
                            "ORDER BY seq LIMIT ?2 OFFSET ?3",
                            "tii", chat_id, (int64_t)limit, (int64_t)offset),
                   out);
}

static enum store_rc a_msg_history(struct store_conn *c, const char *chat_id, long long before_seq,
                                   long max, json_t **out)
{
    return sq_collect(db_query(sq(c),
                               "SELECT question, answer FROM ai_messages WHERE chat_id = ?1 AND "
                               "seq < ?2 AND state = 'complete' ORDER BY seq DESC LIMIT ?3",
                               "tii", chat_id, (int64_t)before_seq, (int64_t)max),
                      sq_row_object, out);
}

static enum store_rc a_msg_claim(struct store_conn *c, int64_t now, struct store_aimsg *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT " MSG_COLS " FROM ai_messages WHERE state = 'ready' "
                                "ORDER BY created, id LIMIT 1",
                                "");
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    rc = read_msg(st, out);
    if (rc != STORE_OK)
        return rc;
    rc = sq_exec_one(c, db_exec(sq(c),
                                "UPDATE ai_messages SET state = 'in_progress', attempts = "
                                "attempts + 1, updated = ?2 WHERE id = ?1 AND state = 'ready'",
                                "ti", out->id, now));
    if (rc != STORE_OK) {
        store_aimsg_clear(out);
        return rc;
    }
    fio_strlcpy(out->state, "in_progress", sizeof(out->state));
    out->attempts++;
    return STORE_OK;
}

#define IN_FROM "instr('|' || ?9 || '|', '|' || state || '|') > 0"

static enum store_rc a_msg_set_state(struct store_conn *c, const char *id, const char *from,
                                     const char *to, const char *error, int64_t now)
{
    return sq_exec_one(
        c, db_exec(sq(c),
                   "UPDATE ai_messages SET state = ?2, error = COALESCE(?3, error), updated = ?4 "
                   "WHERE id = ?1 AND instr('|' || ?5 || '|', '|' || state || '|') > 0",
                   "tttit", id, to, error, now, from));
}

static enum store_rc a_msg_finish(struct store_conn *c, const char *id, const char *from,
                                  const struct store_aimsg_result *res, int64_t now)
{
    return sq_exec_one(
        c, db_exec(sq(c),
                   "UPDATE ai_messages SET state = ?2, answer = ?3, citations = ?4, clarification "
                   "= ?5, error = ?6, engine = ?7, engine_note = ?8, tokens = ?10, updated = ?11 "
                   "WHERE id = ?1 AND " IN_FROM,
                   "tttttttttii", id, res->state, res->answer ? res->answer : "",
                   res->citations ? res->citations : "[]", res->clarification,
                   res->error ? res->error : "", res->engine ? res->engine : "",
                   res->engine_note ? res->engine_note : "", from, (int64_t)res->tokens, now));
}

static enum store_rc a_msg_cancel(struct store_conn *c, const char *chat_id, int64_t now,
                                  char id_out[FIO_OPAQUE_ID_SIZE])
{
    enum store_rc rc = sq_text(db_query(sq(c),
                                        "SELECT id FROM ai_messages WHERE chat_id = ?1 AND state "
                                        "IN ('ready', 'in_progress', 'post_processing') ORDER BY "
                                        "seq DESC LIMIT 1",
                                        "t", chat_id),
                               id_out, FIO_OPAQUE_ID_SIZE);
    if (rc != STORE_OK)
        return rc;
    rc = sq_exec_rc(db_exec(sq(c),
                            "UPDATE ai_messages SET state = 'errored', canceled = 1, error = "
                            "'Canceled by the user', updated = ?2 WHERE id = ?1",
                            "ti", id_out, now));
    if (rc == STORE_OK)
        rc = sq_exec_rc(
            db_exec(sq(c), "UPDATE ai_chats SET updated = ?2 WHERE id = ?1", "ti", chat_id, now));
    return rc;
}

static enum store_rc a_msg_open_count(struct store_conn *c, const char *user_id, long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM ai_messages WHERE user_id = ?1 AND state IN "
                             "('ready', 'in_progress', 'post_processing')",
                             "t", user_id),
                    n);
}

static enum store_rc a_msg_each_open(struct store_conn *c, long max,
                                     void (*fn)(const char *id, const char *state,
                                                long long attempts, void *arg),
                                     void *arg)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT id, state, attempts FROM ai_messages WHERE state IN "
                                "('ready', 'in_progress', 'post_processing') ORDER BY created "
                                "LIMIT ?1",
                                "i", (int64_t)max);
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(db_col_text(st, 0), db_col_text(st, 1), sqlite3_column_int64(st, 2), arg);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_sqlite_rc(rc);
}

/* ---- transactions ------------------------------------------------------------------------- */

static enum store_rc a_txn_insert(struct store_conn *c, const char *id, const struct store_aimsg *m,
                                  const char *engine, long long tokens_in, long long tokens_out,
                                  int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "INSERT INTO ai_transactions (id, workspace_id, user_id, chat_id, "
                              "message_id, engine, tokens_in, tokens_out, created) VALUES (?1, "
                              "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                              "ttttttiii", id, m->ws_id, m->user_id, m->chat_id, m->id, engine,
                              (int64_t)tokens_in, (int64_t)tokens_out, now));
}

static enum store_rc a_txn_list(struct store_conn *c, const char *ws_id, const char *user_id,
                                long limit, json_t **out)
{
    return sq_collect(db_query(sq(c),
                               "SELECT id, workspace_id, user_id, chat_id, message_id, engine, "
                               "tokens_in, tokens_out, created FROM ai_transactions WHERE "
                               "workspace_id = ?1 AND (?2 = '' OR user_id = ?2) ORDER BY created "
                               "DESC, id DESC LIMIT ?3",
                               "tti", ws_id, user_id, (int64_t)limit),
                      sq_row_object, out);
}

const struct store_aichat_ops sqlite_aichat_ops = {
    .chat_insert = a_chat_insert,
    .chat_get = a_chat_get,
    .chat_view = a_chat_view,
    .chat_list = a_chat_list,
    .chat_update = a_chat_update,
    .msg_insert = a_msg_insert,
    .msg_count = a_msg_count,
    .msg_get = a_msg_get,
    .msg_view = a_msg_view,
    .msg_list = a_msg_list,
    .msg_history = a_msg_history,
    .msg_claim = a_msg_claim,
    .msg_set_state = a_msg_set_state,
    .msg_finish = a_msg_finish,
    .msg_cancel = a_msg_cancel,
    .msg_open_count = a_msg_open_count,
    .msg_each_open = a_msg_each_open,
    .txn_insert = a_txn_insert,
    .txn_list = a_txn_list,
};
