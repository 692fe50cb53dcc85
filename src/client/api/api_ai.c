/* SPDX-License-Identifier: MIT */
/* api_ai.c - AI chat (fastio/ai.h, api §8.2, §8.4): row calls, and the wait for an answer
 * through the activity long-poll of the workspace (key "ai_chat:{chat}"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastio/ai.h"
#include "fastio/members.h"

#include "api.h"
#include "buf.h"
#include "envelope.h"
#include "timeutil.h"

#define AI_ASK_DEFAULT_MS 300000L /* the official CLI's bound (api §8.4) */
#define AI_POLL_WAIT_S 20         /* each long-poll (api §8.4) */

static char *dup_json_str(json_t *v)
{
    const char *s = json_string_value(v);
    return fio_strdup(s ? s : "");
}

FASTIO_API enum fastio_status fastio_ai_send(struct fastio_client *c,
                                             const struct fastio_ai_question *q, char **chat_id,
                                             char **message_id, struct fastio_error *err)
{
    if (chat_id != NULL)
        *chat_id = NULL;
    if (message_id != NULL)
        *message_id = NULL;
    if (q == NULL || q->workspace == NULL || q->question == NULL)
        return fio_error_set(err, FASTIO_INVALID, "a workspace and a question are required");
    json_t *resp = NULL;
    enum fastio_status st;
    if (q->chat == NULL) {
        /* row order: workspace_id, question, name, privacy, kind, references, subjects */
        const char *v[] = {q->workspace, q->question,   q->name,    q->privacy,
                           q->kind,      q->references, q->subjects};
        st = fio_row_call(c, FASTIO_EP_AI_CHAT_CREATE, v, 7, NULL, FIO_ROW_WHOLE, &resp, err);
    } else {
        /* row order: workspace_id, chat_id, question, references, subjects */
        const char *v[] = {q->workspace, q->chat, q->question, q->references, q->subjects};
        st = fio_row_call(c, FASTIO_EP_AI_MESSAGE_SEND, v, 5, NULL, FIO_ROW_WHOLE, &resp, err);
    }
    if (st != FASTIO_OK)
        return st;
    /* api §8.2: create nests {thread:{thread_id}, turn:{turn_id}}, a follow-up is flat */
    json_t *chat = json_object_get(json_object_get(resp, "thread"), "thread_id");
    if (!json_is_string(chat))
        chat = json_object_get(resp, "thread_id");
    if (!json_is_string(chat))
        chat = json_object_get(resp, "chat_id");
    json_t *msg = json_object_get(json_object_get(resp, "turn"), "turn_id");
    if (!json_is_string(msg))
        msg = json_object_get(resp, "turn_id");
    if (!json_is_string(msg))
        msg = json_object_get(resp, "message_id");
    if (!json_is_string(chat) || !json_is_string(msg)) {
        json_decref(resp);
        return fio_api_protocol(err, "the AI chat answer names no chat or message id");
    }
    enum fastio_status out = FASTIO_OK;
    if (chat_id != NULL && (*chat_id = dup_json_str(chat)) == NULL)
        out = FASTIO_NOMEM;
    if (message_id != NULL && (*message_id = dup_json_str(msg)) == NULL)
        out = FASTIO_NOMEM;
    json_decref(resp);
    if (out != FASTIO_OK) {
        if (chat_id != NULL) {
            free(*chat_id);
            *chat_id = NULL;
        }
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_ai_message(struct fastio_client *c, const char *workspace,
                                                const char *chat, const char *message, json_t **out,
                                                struct fastio_error *err)
{
    if (out != NULL)
        *out = NULL;
    json_t *resp = NULL;
    const char *v[] = {workspace, chat, message};
    enum fastio_status st =
        fio_row_call(c, FASTIO_EP_AI_MESSAGE_DETAILS, v, 3, NULL, FIO_ROW_WHOLE, &resp, err);
    if (st != FASTIO_OK)
        return st;
    /* workspace: under "message"; share: under "turn" (api §8.2) */
    json_t *m = json_object_get(resp, "message");
    if (!json_is_object(m))
        m = json_object_get(resp, "turn");
    if (!json_is_object(m)) {
        json_decref(resp);
        return fio_api_protocol(err, "message details without a message");
    }
    if (out != NULL)
        *out = json_incref(m);
    json_decref(resp);
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_ai_chat(struct fastio_client *c, const char *workspace,
                                             const char *chat, json_t **out,
                                             struct fastio_error *err)
{
    const char *v[] = {workspace, chat};
    return fio_row_call(c, FASTIO_EP_AI_CHAT_DETAILS, v, 2, NULL, FIO_ROW_VALUE, out, err);
}

FASTIO_API enum fastio_status fastio_ai_chats(struct fastio_client *c, const char *workspace,
                                              const char *kind, bool deleted, json_t **out,
                                              struct fastio_error *err)
{
    /* row order: workspace_id, limit, offset, kind */
    const char *v[] = {workspace, NULL, NULL, kind};
    return fio_row_call(c, deleted ? FASTIO_EP_AI_CHAT_LIST_DELETED : FASTIO_EP_AI_CHAT_LIST, v, 4,
                        NULL, FIO_ROW_LIST, out, err);
}

FASTIO_API enum fastio_status fastio_ai_cancel(struct fastio_client *c, const char *workspace,
                                               const char *chat, json_t **out,
                                               struct fastio_error *err)
{
    const char *v[] = {workspace, chat};
    return fio_row_call(c, FASTIO_EP_AI_CHAT_CANCEL, v, 2, NULL, FIO_ROW_WHOLE, out, err);
}

static bool is_final(const char *s)
{
    return s != NULL && (strcmp(s, "complete") == 0 || strcmp(s, "errored") == 0 ||
                         strcmp(s, "needs_input") == 0);
}

static void pause_ms(long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

FASTIO_API enum fastio_status fastio_ai_wait(struct fastio_client *c, const char *workspace,
                                             const char *chat, const char *message, long timeout_ms,
                                             json_t **out, struct fastio_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (workspace == NULL || chat == NULL || message == NULL)
        return fio_error_set(err, FASTIO_INVALID, "a workspace, chat and message are required");
    int64_t start = fio_mono_us();
    char key[160];
    snprintf(key, sizeof(key), "ai_chat:%s", chat);
    /* the cursor first, so that no change between the look and the poll is missed */
    char *cursor = NULL;
    struct fastio_error e;
    bool poll_ok = fastio_wait_activity(c, workspace, NULL, 0, NULL, &cursor, &e) == FASTIO_OK;
    enum fastio_status res = FASTIO_OK;
    for (int guard = 0; guard < 100000; guard++) {
        json_t *m = NULL;
        enum fastio_status st = fastio_ai_message(c, workspace, chat, message, &m, err);
        if (st != FASTIO_OK) {
            res = st;
            break;
        }
        bool final = is_final(json_string_value(json_object_get(m, "state")));
        int64_t waited_ms = (fio_mono_us() - start) / 1000;
        if (final || (timeout_ms > 0 && waited_ms >= timeout_ms)) {
            if (!final)
                res = fio_error_set(err, FASTIO_TIMEOUT, "no answer in time");
            if (out != NULL)
                *out = m;
            else
                json_decref(m);
            break;
        }
        json_decref(m);
        long left = timeout_ms > 0 ? (long)(timeout_ms - waited_ms) : AI_POLL_WAIT_S * 1000L;
        int wait_s = left / 1000 < AI_POLL_WAIT_S ? (int)(left / 1000) : AI_POLL_WAIT_S;
        if (poll_ok && wait_s >= 1) {
            /* until the chat's key shows up (or the wait ends): then one more look */
            json_t *keys = NULL;
            char *next = NULL;
            if (fastio_wait_activity(c, workspace, cursor, wait_s, &keys, &next, &e) == FASTIO_OK &&
                next != NULL) {
                fastio_free(cursor);
                cursor = next;
            } else {
                fastio_free(next);
                poll_ok = false; /* not served: pace the looks by sleeping */
            }
            json_decref(keys);
        } else {
            pause_ms(left < 500 ? (left > 0 ? left : 1) : 500);
        }
    }
    fastio_free(cursor);
    return res;
}

FASTIO_API void fastio_ai_answer_free(struct fastio_ai_answer *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n_citations; i++) {
        struct fastio_ai_citation *ct = &a->citations[i];
        for (size_t k = 0; k < ct->n_entries; k++)
            free(ct->entries[k].snippet);
        free(ct->entries);
        free(ct->node_id);
        free(ct->version_id);
        free(ct->name);
    }
    free(a->citations);
    free(a->chat_id);
    free(a->message_id);
    free(a->state);
    free(a->text);
    free(a->clarification);
    free(a->error);
    free(a);
}

/* The message as data (api §8.2: text or response.text, citations or response.citations). */
static struct fastio_ai_answer *answer_of(json_t *m, const char *chat, const char *msg)
{
    struct fastio_ai_answer *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    json_t *resp = json_object_get(m, "response");
    json_t *text = json_object_get(m, "text");
    if (!json_is_string(text) || json_string_length(text) == 0)
        text = json_object_get(resp, "text");
    json_t *cits = json_object_get(m, "citations");
    if (!json_is_array(cits))
        cits = json_object_get(resp, "citations");
    json_t *cl = json_object_get(m, "clarification");
    json_t *clq =
        json_is_object(cl) ? json_object_get(cl, "question") : json_object_get(m, "question");
    a->chat_id = fio_strdup(chat);
    a->message_id = fio_strdup(msg);
    a->state = dup_json_str(json_object_get(m, "state"));
    a->text = dup_json_str(text);
    a->clarification = dup_json_str(clq);
    a->error = dup_json_str(json_object_get(m, "error_message"));
    bool oom =
        !a->chat_id || !a->message_id || !a->state || !a->text || !a->clarification || !a->error;
    size_t n = json_array_size(cits);
    if (!oom && n > 0) {
        a->citations = calloc(n, sizeof(*a->citations));
        oom = a->citations == NULL;
    }
    for (size_t i = 0; i < n && !oom; i++) {
        json_t *c = json_array_get(cits, i);
        struct fastio_ai_citation *ct = &a->citations[i];
        a->n_citations++;
        ct->node_id = dup_json_str(json_object_get(c, "nodeId"));
        ct->version_id = dup_json_str(json_object_get(c, "versionId"));
        ct->name = dup_json_str(json_object_get(c, "name"));
        oom = !ct->node_id || !ct->version_id || !ct->name;
        json_t *ents = json_object_get(c, "entries");
        size_t ne = json_array_size(ents);
        if (!oom && ne > 0) {
            ct->entries = calloc(ne, sizeof(*ct->entries));
            oom = ct->entries == NULL;
        }
        for (size_t k = 0; k < ne && !oom; k++) {
            json_t *e = json_array_get(ents, k);
            ct->entries[k].page = (int)json_integer_value(json_object_get(e, "page"));
            ct->entries[k].snippet = dup_json_str(json_object_get(e, "snippet"));
            oom = ct->entries[k].snippet == NULL;
            ct->n_entries++;
        }
    }
    if (oom) {
        fastio_ai_answer_free(a);
        return NULL;
    }
    return a;
}

FASTIO_API enum fastio_status fastio_ai_ask(struct fastio_client *c,
                                            const struct fastio_ai_question *q, long timeout_ms,
                                            struct fastio_ai_answer **answer,
                                            struct fastio_error *err)
{
    if (answer != NULL)
        *answer = NULL;
    if (timeout_ms <= 0)
        timeout_ms = AI_ASK_DEFAULT_MS;
    char *chat = NULL, *msg = NULL;
    enum fastio_status st = fastio_ai_send(c, q, &chat, &msg, err);
    if (st != FASTIO_OK)
        return st;
    json_t *m = NULL;
    st = fastio_ai_wait(c, q->workspace, chat, msg, timeout_ms, &m, err);
    if ((st == FASTIO_OK || st == FASTIO_TIMEOUT) && m != NULL && answer != NULL) {
        *answer = answer_of(m, chat, msg);
        if (*answer == NULL)
            st = fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    json_decref(m);
    fastio_free(chat);
    fastio_free(msg);
    return st;
}
