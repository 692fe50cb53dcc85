/* SPDX-License-Identifier: MIT */
/* fastio/ai.h - AI chat ("Ripley", api §8.2, §8.4; docs/server.md "AI chat"): ask questions
 * about a workspace's files and get answers with citations (file node, version, page, snippet).
 * A question starts a chat (or follows up in one); the answer is composed in the background, so a
 * caller either waits (fastio_ai_wait, fastio_ai_ask: an activity long-poll on the workspace that
 * the chat's key "ai_chat:{chat}" wakes, bounded by a deadline) or looks later
 * (fastio_ai_message). Message states: ready -> in_progress -> post_processing -> complete |
 * errored | needs_input.
 *
 * Two context modes (api §8.1): `references`, a scope of files and folders searched through the
 * workspace's index (absent: the whole workspace; needs intelligence on), or `subjects`, up to 20
 * files read directly. Both are JSON array strings of items {"type":"file"|"folder","id":node}.
 *
 * Objects returned as json_t ** are OWNED by the caller. The renaming, publishing, deleting and
 * listing of chats are plain rows (FASTIO_EP_AI_CHAT_UPDATE, _PUBLISH, _DELETE, _LIST,
 * _LIST_DELETED, FASTIO_EP_AI_MESSAGE_LIST, FASTIO_EP_AI_TRANSACTIONS) for fastio_call().
 * Same conventions as fastio/fastio.h (ownership, errors, one client per thread). */
#ifndef FASTIO_AI_H
#define FASTIO_AI_H

#include "fastio/fastio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-call struct without a size field: zero-fill it (zero = the default); ABI rule in
 * fastio/fastio.h. */
struct fastio_ai_question {
    const char *workspace;  /* required: workspace id or folder_name */
    const char *question;   /* required: 2-12768 characters */
    const char *chat;       /* NULL: a new chat; else a follow-up in this chat */
    const char *references; /* JSON array string or NULL */
    const char *subjects;   /* JSON array string or NULL */
    const char *name;       /* new chat only: its name (NULL = the question's start) */
    const char *privacy;    /* new chat only: "private" | "public" (NULL = public) */
    const char *kind;       /* new chat only: "user" | "agent" (NULL = user) */
};

/* Ask: a new chat (POST .../ai/agent/) or a follow-up (POST .../ai/agent/{chat}/message/).
 * Returns at once; *chat_id and *message_id (OWNED, fastio_free; either may be NULL) name the
 * question for fastio_ai_wait / fastio_ai_message. Not resent after a lost answer (UNSAFE). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_ai_send(struct fastio_client *c,
                                                              const struct fastio_ai_question *q,
                                                              char **chat_id, char **message_id,
                                                              struct fastio_error *err);

/* GET .../ai/agent/{chat}/message/{message}/details/: *message (OWNED) as the server answers
 * it: {state, text, response:{text, citations}, citations, clarification?, error_message?, ...}. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_ai_message(struct fastio_client *c, const char *workspace, const char *chat,
                  const char *message, json_t **out, struct fastio_error *err);

/* GET .../ai/agent/{chat}/details/: the chat with its messages (OWNED). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_ai_chat(struct fastio_client *c,
                                                              const char *workspace,
                                                              const char *chat, json_t **out,
                                                              struct fastio_error *err);

/* GET .../ai/agent/list/ (deleted: .../list/deleted): the chats array (OWNED). kind: "user",
 * "agent", "all" or NULL (user). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_ai_chats(struct fastio_client *c, const char *workspace, const char *kind, bool deleted,
                json_t **out, struct fastio_error *err);

/* POST .../ai/agent/{chat}/cancel/ (no body): *out (OWNED, may be NULL) is the reply, not an
 * envelope (api §8.2): {success: true, message: {...}} or {success: true,
 * no_pending_message: true}. Idempotent. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_ai_cancel(struct fastio_client *c,
                                                                const char *workspace,
                                                                const char *chat, json_t **out,
                                                                struct fastio_error *err);

/* Wait until the message is complete, errored or needs_input, at most timeout_ms (0 = no limit;
 * a monotonic clock): it looks at the message, then long-polls the workspace's activity until
 * the chat's key shows up (api §8.4), and looks again. *message (OWNED, may be NULL) is the last
 * one seen. OK once final (whatever the state: read it), TIMEOUT when time ran out, or the
 * status of a failed look. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_ai_wait(struct fastio_client *c, const char *workspace, const char *chat,
               const char *message, long timeout_ms, json_t **out, struct fastio_error *err);

/* An answer as data. Strings are NUL-terminated UTF-8, never NULL ("" when absent). */
struct fastio_ai_cite_entry {
    int page;      /* 1-based, 0 = not paged */
    char *snippet; /* the cited text */
};
struct fastio_ai_citation {
    char *node_id;    /* the file */
    char *version_id; /* its version the passage came from */
    char *name;       /* the file's name ("" when the server does not say) */
    struct fastio_ai_cite_entry *entries;
    size_t n_entries;
};
struct fastio_ai_answer {
    char *chat_id, *message_id;
    char *state;         /* "complete" | "errored" | "needs_input" (or not final on TIMEOUT) */
    char *text;          /* the answer; its [n] markers are citations[n-1] */
    char *clarification; /* needs_input: what the assistant asks back */
    char *error;         /* errored: why */
    struct fastio_ai_citation *citations;
    size_t n_citations;
};
/* Free an answer of fastio_ai_ask (NULL is a no-op). */
FASTIO_API void fastio_ai_answer_free(struct fastio_ai_answer *a);

/* Ask and wait (fastio_ai_send + fastio_ai_wait) at most timeout_ms (0 = 300 s, the official
 * CLI's bound). *answer (OWNED: fastio_ai_answer_free) is filled on OK and on TIMEOUT (then its
 * state is the last one seen and text may be empty). An errored answer is OK with state
 * "errored" and the reason in error. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_ai_ask(struct fastio_client *c, const struct fastio_ai_question *q, long timeout_ms,
              struct fastio_ai_answer **answer, struct fastio_error *err);

#ifdef __cplusplus
}
#endif

#endif
