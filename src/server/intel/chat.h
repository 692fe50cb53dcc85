/* SPDX-License-Identifier: MIT */
/* chat.h - the AI chat engine of the server (issue 13; api §8; docs/server.md "AI chat";
 * D-105..D-109): a bounded pool of worker threads that take 'ready' messages of the ai_messages
 * table (store_aichat.h), gather the passages to answer from (the search index for a scope or the
 * whole workspace; the attached files read directly for `subjects`), compose the answer (the
 * extractive composer of compose.h, or the model of --llm-url through llm.h) and store it with
 * its citations. Every state change publishes the activity key ai_chat:{chat} on the workspace,
 * which wakes activity long-polls (handlers/activity.h). */
#ifndef SRV_INTEL_CHAT_H
#define SRV_INTEL_CHAT_H

#include "server.h"

#define AI_WORKERS_MAX 8
#define AI_DEFAULT_WORKERS 2
#define AI_ATTEMPTS_MAX 3      /* runs of one answer: a restart mid-answer starts another */
#define AI_CONTEXT_PASSAGES 12 /* passages an answer is composed from */
#define AI_SUBJECTS_MAX 20     /* attached files (api §8.1) */
#define AI_SUBJECTS_BYTES (200LL * 1024 * 1024) /* their total size (api §8.1) */
#define AI_REFERENCES_MAX 100                   /* scope entries (api §8.1) */
#define AI_QUESTION_MIN 2                       /* characters (api §8.1) */
#define AI_QUESTION_MAX 12768
#define AI_NAME_MAX 100
#define AI_CHAT_MESSAGES_MAX 200 /* messages of one chat; more: 409 "conversation too large" */
#define AI_OPEN_MAX 20           /* unanswered messages of one user */
#define AI_LLM_DEFAULT_TIMEOUT_S 120L
#define AI_LLM_CONTEXT_BYTES (48 * 1024)

/* Start-up, before ai_start: answers a previous run left in progress go back to 'ready' (or
 * 'errored' after AI_ATTEMPTS_MAX runs). 0 or -1 (logged). */
int ai_recover(struct server *s);
/* Start the workers. 0 or -1. */
int ai_start(struct server *s);
/* Stop the workers; an answer being composed is left to the next start (ai_recover). Safe when
 * ai_start never ran. */
void ai_stop(struct server *s);
/* A message was committed: wake a worker. */
void ai_kick(struct server *s);
/* Message id was canceled in the database: stop its model request if one runs. */
void ai_cancel(struct server *s, const char *msg_id);

/* The activity key "ai_chat:{chat}" noted on the request for workspace ws_id. */
void ai_note(struct req *r, const char *ws_id, const char *chat_id);

#endif
