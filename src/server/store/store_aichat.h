/* SPDX-License-Identifier: MIT */
/* store_aichat.h - the AI chat tables (schema.sql migration 12; api §8.2; docs/server.md "AI
 * chat"): ai_chats (one per conversation, owned by its creator), ai_messages (one per question
 * with its answer, in the state machine ready -> in_progress -> post_processing -> complete |
 * errored | needs_input) and ai_transactions (the tokens each answer used). Times are wall
 * microseconds passed in by the caller. Every chat lookup is scoped by workspace id, so a chat of
 * another workspace behaves like an unknown id. */
#ifndef SRV_STORE_AICHAT_H
#define SRV_STORE_AICHAT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "id.h"
#include "store.h"

#define STORE_AI_STATE_SIZE 16
#define STORE_AI_NAME_MAX 400 /* bytes of a chat name (100 characters of up to 4 bytes) */

/* Message states that are not final, as the "from" lists of msg_set_state take them. */
#define STORE_AI_OPEN "ready|in_progress|post_processing"

struct store_aichat {
    char id[FIO_OPAQUE_ID_SIZE];
    char ws_id[FIO_PROFILE_ID_SIZE];
    char user_id[FIO_PROFILE_ID_SIZE];
    char name[STORE_AI_NAME_MAX + 1];
    char privacy[8]; /* "private" | "public" */
    char kind[8];    /* "user" | "agent" */
    bool deleted;
    char *refs;     /* JSON array text (owned by the struct: store_aichat_clear) */
    char *subjects; /* JSON array text */
};

/* A message as the answering worker needs it. */
struct store_aimsg {
    char id[FIO_OPAQUE_ID_SIZE];
    char chat_id[FIO_OPAQUE_ID_SIZE];
    char ws_id[FIO_PROFILE_ID_SIZE];
    char user_id[FIO_PROFILE_ID_SIZE];
    long long seq;
    char state[STORE_AI_STATE_SIZE];
    long long attempts;
    char *question; /* owned: store_aimsg_clear */
    char *refs;     /* JSON array text */
    char *subjects; /* JSON array text */
};

/* What msg_finish stores. Strings may be NULL (= ""). */
struct store_aimsg_result {
    const char *state; /* "complete" | "errored" | "needs_input" */
    const char *answer;
    const char *citations; /* JSON array text; NULL = "[]" */
    const char *clarification;
    const char *error;
    const char *engine;
    const char *engine_note;
    long long tokens;
};

void store_aichat_clear(struct store_aichat *c);
void store_aimsg_clear(struct store_aimsg *m);

struct store_aichat_ops {
    /* ---- chats ---- */
    /* Insert chat ch (deleted = 0). */
    enum store_rc (*chat_insert)(struct store_conn *c, const struct store_aichat *ch, int64_t now);
    /* Chat id of ws_id (deleted or not): STORE_OK (filled; clear it) or STORE_NOT_FOUND. */
    enum store_rc (*chat_get)(struct store_conn *c, const char *ws_id, const char *id,
                              struct store_aichat *out);
    /* Chat id as a row object: the ai_chats columns plus message_count, last_message_id,
     * last_state. STORE_NOT_FOUND when absent. */
    enum store_rc (*chat_view)(struct store_conn *c, const char *id, json_t **out);
    /* The chats of ws_id that user_id may see, newest update first: deleted = false: the
     * caller's live chats and the live public chats of others; deleted = true: the caller's
     * deleted chats only. kind "user" | "agent" | "" (all). Row objects as chat_view. */
    enum store_rc (*chat_list)(struct store_conn *c, const char *ws_id, const char *user_id,
                               const char *kind, bool deleted, long limit, long offset,
                               json_t **out, long long *total);
    /* Set the name (name != NULL), make it public (publish), mark it deleted (del). */
    enum store_rc (*chat_update)(struct store_conn *c, const char *id, const char *name,
                                 bool publish, bool del, int64_t now);

    /* ---- messages ---- */
    /* Insert message m in state 'ready' with seq = one more than the chat's highest (written
     * back into m->seq). */
    enum store_rc (*msg_insert)(struct store_conn *c, struct store_aimsg *m, int64_t now);
    /* Messages of chat_id. */
    enum store_rc (*msg_count)(struct store_conn *c, const char *chat_id, long long *n);
    /* Message id: STORE_OK (filled; clear it) or STORE_NOT_FOUND. */
    enum store_rc (*msg_get)(struct store_conn *c, const char *id, struct store_aimsg *out);
    /* Message id of chat_id as a row object (every column). STORE_NOT_FOUND when absent. */
    enum store_rc (*msg_view)(struct store_conn *c, const char *chat_id, const char *id,
                              json_t **out);
    /* The messages of chat_id in seq order (limit/offset), row objects as msg_view. */
    enum store_rc (*msg_list)(struct store_conn *c, const char *chat_id, long limit, long offset,
                              json_t **out, long long *total);
    /* The answered (complete) messages of chat_id before seq, newest first, at most max, as row
     * objects (question, answer): the conversation a model sees. */
    enum store_rc (*msg_history)(struct store_conn *c, const char *chat_id, long long before_seq,
                                 long max, json_t **out);
    /* The oldest 'ready' message moved to 'in_progress' with attempts + 1: STORE_OK (filled;
     * clear it) or STORE_NOT_FOUND when none waits. Call inside a transaction. */
    enum store_rc (*msg_claim)(struct store_conn *c, int64_t now, struct store_aimsg *out);
    /* State change from one of `from` ("a|b") to `to` (error text may be NULL = keep):
     * STORE_NOT_FOUND when the message is not in one of them (canceled meanwhile). */
    enum store_rc (*msg_set_state)(struct store_conn *c, const char *id, const char *from,
                                   const char *to, const char *error, int64_t now);
    /* The final result of message id, only while it is in one of `from`: STORE_NOT_FOUND
     * otherwise. */
    enum store_rc (*msg_finish)(struct store_conn *c, const char *id, const char *from,
                                const struct store_aimsg_result *res, int64_t now);
    /* Cancel the newest unanswered message of chat_id: 'errored', canceled = 1, its id into
     * id_out. STORE_NOT_FOUND when every message has its answer. */
    enum store_rc (*msg_cancel)(struct store_conn *c, const char *chat_id, int64_t now,
                                char id_out[FIO_OPAQUE_ID_SIZE]);
    /* Unanswered messages of user_id (all workspaces). */
    enum store_rc (*msg_open_count)(struct store_conn *c, const char *user_id, long long *n);
    /* Call fn for each unanswered message (at most max): recovery at start-up. */
    enum store_rc (*msg_each_open)(struct store_conn *c, long max,
                                   void (*fn)(const char *id, const char *state, long long attempts,
                                              void *arg),
                                   void *arg);

    /* ---- transactions ---- */
    enum store_rc (*txn_insert)(struct store_conn *c, const char *id, const struct store_aimsg *m,
                                const char *engine, long long tokens_in, long long tokens_out,
                                int64_t now);
    /* The newest `limit` transactions of ws_id (user_id "" = everybody's), row objects. */
    enum store_rc (*txn_list)(struct store_conn *c, const char *ws_id, const char *user_id,
                              long limit, json_t **out);
};

#endif
