/* SPDX-License-Identifier: MIT */
/* test_ai_chat.c - AI chat against a real fastio-server (api §8.2, §8.4; docs/server.md "AI
 * chat"): the default answer path with no model: a chat over attached files (read directly) and
 * over the index (whole workspace and a scope), the states a message goes through with the
 * activity key ai_chat:{chat} waking a long-poll, citations naming the real node, version, page
 * and text, follow-ups, lists, rename, publish, delete, cancel, needs_input, the legacy
 * /ai/chat/ paths, other accounts (private chats invisible, public ones read-only), scope ids of
 * another workspace refused, the limits, and a restart in the middle of an answer.
 *
 * Waiting is bounded by a number of polls, never asserted on time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <fastio/ai.h>

#include "it_upload.h"
#include "pdfgen.h"

#define POLLS 3000 /* x 20 ms */

static const struct it_fixture_opts fx_opts = {NULL, true, NULL};
static struct it_fixture fx;

static long error_code(json_t *j)
{
    json_t *c = json_object_get(json_object_get(j, "error"), "code");
    return json_is_integer(c) ? (long)json_integer_value(c) : -1;
}

/* The current version id of a file (size 64). */
static void version_of(const struct it_server *s, const char *token, const char *ws,
                       const char *node, char *ver)
{
    char path[256];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/details/", ws, node);
    json_t *j = itu_ok_json(s, token, "GET", path, NULL);
    snprintf(ver, 64, "%s",
             json_string_value(json_object_get(json_object_get(j, "node"), "version")));
    json_decref(j);
    assert_true(ver[0] != 0);
}

static void set_intelligence(const struct it_server *s, const char *token, const char *ws, bool on)
{
    char path[256];
    snprintf(path, sizeof(path), "/current/workspace/%s/update/", ws);
    json_decref(itu_ok_json(s, token, "POST", path, on ? "intelligence=true" : "intelligence=false"));
}

static void wait_indexed(const struct it_server *s, const char *token, const char *ws,
                         const char *node)
{
    char path[256];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/details/", ws, node);
    for (int i = 0; i < POLLS; i++) {
        json_t *j = itu_ok_json(s, token, "GET", path, NULL);
        const char *st = json_string_value(
            json_object_get(json_object_get(json_object_get(j, "node"), "ai"), "state"));
        bool done = st && strcmp(st, "indexed") == 0;
        json_decref(j);
        if (done)
            return;
        itu_nap_ms(20);
    }
    fail_msg("node %s never indexed", node);
}

/* Percent-encode s into out (form value). */
static void enc(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s && n + 4 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.')
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, size - n, "%%%02X", c);
    }
    out[n] = 0;
}

/* Create a chat in ws: question and extra form fields (already encoded, may be ""); returns the
 * body (owned) with the status in *st. */
static json_t *ask(const struct it_server *s, const char *token, const char *ws, const char *q,
                   const char *extra, long *st)
{
    size_t cap = strlen(q) * 3 + strlen(extra) + 64;
    char *eq = malloc(cap), *form = malloc(cap + 16), path[256];
    assert_non_null(eq);
    assert_non_null(form);
    enc(q, eq, cap);
    snprintf(form, cap + 16, "question=%s%s", eq, extra);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/", ws);
    json_t *j = itu_form_json(s, token, "POST", path, form, st);
    free(eq);
    free(form);
    return j;
}

/* subjects=[{"type":"file","id":node}] encoded. */
static void subjects_of(const char *node, char *out, size_t size)
{
    char js[256], e[512];
    snprintf(js, sizeof(js), "[{\"type\":\"file\",\"id\":\"%s\"}]", node);
    enc(js, e, sizeof(e));
    snprintf(out, size, "&subjects=%s", e);
}

static bool terminal(const char *state)
{
    return state && (strcmp(state, "complete") == 0 || strcmp(state, "errored") == 0 ||
                     strcmp(state, "needs_input") == 0);
}

/* Wait for the answer the way api §8.4 says: message details, then an activity long-poll on
 * the workspace until ai_chat:{chat} shows up, then details again. Returns the message (owned);
 * *woken counts the polls that returned the chat's key. */
static json_t *wait_answer(const struct it_server *s, const char *token, const char *ws,
                           const char *chat, const char *msg, int *woken)
{
    char dpath[512], ppath[512], key[128];
    snprintf(dpath, sizeof(dpath), "/current/workspace/%s/ai/agent/%s/message/%s/details/", ws,
             chat, msg);
    snprintf(key, sizeof(key), "ai_chat:%s", chat);
    snprintf(ppath, sizeof(ppath), "/current/activity/poll/%s/?wait=0", ws);
    json_t *p = itu_ok_json(s, token, "GET", ppath, NULL);
    char cursor[64];
    snprintf(cursor, sizeof(cursor), "%s", json_string_value(json_object_get(p, "lastactivity")));
    json_decref(p);
    for (int i = 0; i < 200; i++) {
        json_t *d = itu_ok_json(s, token, "GET", dpath, NULL);
        json_t *m = json_incref(json_object_get(d, "message"));
        json_decref(d);
        if (terminal(json_string_value(json_object_get(m, "state"))))
            return m;
        json_decref(m);
        snprintf(ppath, sizeof(ppath), "/current/activity/poll/%s/?wait=20&lastactivity=%s", ws,
                 cursor);
        p = itu_ok_json(s, token, "GET", ppath, NULL);
        if (woken && it_has_key(json_object_get(p, "activity"), key))
            (*woken)++;
        snprintf(cursor, sizeof(cursor), "%s",
                 json_string_value(json_object_get(p, "lastactivity")));
        json_decref(p);
    }
    fail_msg("message %s never reached a final state", msg);
    return NULL;
}

static const char *POLICY =
    "# Refund policy\n\n"
    "Enterprise customers can request a full refund within thirty days of purchase.\n"
    "Refunds are paid back to the original card in five business days.\n\n"
    "## Shipping\n\n"
    "Orders ship from Lisbon every weekday. International shipping takes two weeks.\n";

/* ---- cases ---------------------------------------------------------------------------------- */

static void test_attachments_answer_with_citations(void **state)
{
    (void)state;
    const struct it_server *s = &fx.srv;
    const char *tok = fx.owner.token, *ws = fx.owner.ws;
    char node[64], ver[64], subj[1024];
    itu_upload_file(s, tok, ws, "root", "policy.md", POLICY, strlen(POLICY), node);
    version_of(s, tok, ws, node, ver);
    subjects_of(node, subj, sizeof(subj));
    /* the workspace's activity cursor before the question */
    char ppath[512], cursor0[64];
    snprintf(ppath, sizeof(ppath), "/current/activity/poll/%s/?wait=0", ws);
    json_t *p0 = itu_ok_json(s, tok, "GET", ppath, NULL);
    snprintf(cursor0, sizeof(cursor0), "%s",
             json_string_value(json_object_get(p0, "lastactivity")));
    json_decref(p0);
    long st;
    json_t *c =
        ask(s, tok, ws, "How many days do enterprise customers have for a refund?", subj, &st);
    assert_int_equal(st, 200);
    /* api §8.2: {thread:{thread_id}, turn:{turn_id}} besides chat_id / message_id */
    const char *chat = json_string_value(json_object_get(c, "chat_id"));
    const char *msg = json_string_value(json_object_get(c, "message_id"));
    assert_non_null(chat);
    assert_non_null(msg);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(c, "thread"), "thread_id")), chat);
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "turn"), "turn_id")),
                        msg);
    const char *st0 = json_string_value(json_object_get(json_object_get(c, "turn"), "state"));
    assert_true(strcmp(st0, "ready") == 0 || strcmp(st0, "in_progress") == 0 ||
                strcmp(st0, "post_processing") == 0 || strcmp(st0, "complete") == 0);
    int woken = 0;
    json_t *m = wait_answer(s, tok, ws, chat, msg, &woken);
    assert_string_equal(json_string_value(json_object_get(m, "state")), "complete");
    const char *text = json_string_value(json_object_get(m, "text"));
    assert_non_null(strstr(text, "thirty days"));
    assert_non_null(strstr(text, "[1]"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "response"), "text")),
                        text);
    json_t *cits = json_object_get(m, "citations");
    assert_int_equal(json_array_size(cits), 1);
    json_t *c0 = json_array_get(cits, 0);
    assert_string_equal(json_string_value(json_object_get(c0, "nodeId")), node);
    assert_string_equal(json_string_value(json_object_get(c0, "versionId")), ver);
    json_t *e0 = json_array_get(json_object_get(c0, "entries"), 0);
    assert_int_equal(json_integer_value(json_object_get(e0, "page")), 0);
    assert_non_null(strstr(json_string_value(json_object_get(e0, "snippet")), "thirty days"));
    assert_true(json_equal(json_object_get(json_object_get(m, "response"), "citations"), cits));
    /* the shipping sentence does not answer a refund question */
    assert_null(strstr(text, "Lisbon"));
    assert_string_equal(json_string_value(json_object_get(m, "engine")), "extractive");
    json_decref(m);
    /* every state change published ai_chat:{chat} on the workspace (api §8.4) */
    char key[128];
    snprintf(key, sizeof(key), "ai_chat:%s", chat);
    snprintf(ppath, sizeof(ppath), "/current/activity/poll/%s/?wait=0&lastactivity=%s", ws,
             cursor0);
    p0 = itu_ok_json(s, tok, "GET", ppath, NULL);
    assert_true(it_has_key(json_object_get(p0, "activity"), key));
    json_decref(p0);

    /* a follow-up keeps the chat's attachments; seq 2 */
    char path[512], form[512];
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/message/", ws, chat);
    snprintf(form, sizeof(form), "question=%s", "Where%20do%20orders%20ship%20from%3F");
    json_t *f = itu_ok_json(s, tok, "POST", path, form);
    assert_int_equal(json_integer_value(json_object_get(f, "seq")), 2);
    assert_string_equal(json_string_value(json_object_get(f, "thread_id")), chat);
    const char *msg2 = json_string_value(json_object_get(f, "turn_id"));
    json_t *m2 = wait_answer(s, tok, ws, chat, msg2, NULL);
    assert_string_equal(json_string_value(json_object_get(m2, "state")), "complete");
    assert_non_null(strstr(json_string_value(json_object_get(m2, "text")), "Lisbon"));
    json_decref(m2);
    json_decref(f);

    /* messages list, chat details with history, chat list */
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/messages/list/", ws, chat);
    json_t *l = itu_ok_json(s, tok, "GET", path, NULL);
    assert_int_equal(json_array_size(json_object_get(l, "messages")), 2);
    json_decref(l);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/details/", ws, chat);
    json_t *d = itu_ok_json(s, tok, "GET", path, NULL);
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "chat"), "messages")), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(d, "chat"), "message_count")), 2);
    json_decref(d);

    /* the legacy path reads the same message */
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/chat/%s/message/%s/details/", ws, chat,
             msg);
    json_t *lg = itu_ok_json(s, tok, "GET", path, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(lg, "message"), "state")),
                        "complete");
    json_decref(lg);

    /* transactions: one per answer */
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/transactions/", ws);
    json_t *t = itu_ok_json(s, tok, "GET", path, NULL);
    assert_true(json_array_size(json_object_get(t, "transactions")) >= 2);
    json_decref(t);
    json_decref(c);
    (void)woken; /* how many polls the key woke depends on timing: not asserted */
}

static void test_index_pages_and_scope(void **state)
{
    (void)state;
    const struct it_server *s = &fx.srv;
    struct it_user u;
    it_user_new(&u, s, IT_USER_WORKSPACE);
    set_intelligence(s, u.token, u.ws, true);
    const char *pages[] = {"Chapter one tells of the harbour and its boats.\n",
                           "The lighthouse keeper logs the tide tables every evening.\n"
                           "Storm warnings are raised with three red flags.\n",
                           "Chapter three is about the market square.\n"};
    size_t len;
    char *pdf = pdfgen_make(pages, 3, false, &len);
    char pnode[64], pver[64], folder_id[64];
    itu_upload_file(s, u.token, u.ws, "root", "harbour.pdf", pdf, len, pnode);
    free(pdf);
    version_of(s, u.token, u.ws, pnode, pver);
    wait_indexed(s, u.token, u.ws, pnode);

    /* the whole workspace: the answer cites page 2 of the PDF */
    long st;
    json_t *c = ask(s, u.token, u.ws, "How are storm warnings raised?", "", &st);
    assert_int_equal(st, 200);
    json_t *m = wait_answer(s, u.token, u.ws, json_string_value(json_object_get(c, "chat_id")),
                            json_string_value(json_object_get(c, "message_id")), NULL);
    assert_string_equal(json_string_value(json_object_get(m, "state")), "complete");
    assert_non_null(strstr(json_string_value(json_object_get(m, "text")), "three red flags"));
    json_t *c0 = json_array_get(json_object_get(m, "citations"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "nodeId")), pnode);
    assert_string_equal(json_string_value(json_object_get(c0, "versionId")), pver);
    json_t *e0 = json_array_get(json_object_get(c0, "entries"), 0);
    assert_int_equal(json_integer_value(json_object_get(e0, "page")), 2);
    json_decref(m);
    json_decref(c);

    /* a scope that leaves the PDF out: nothing relevant scores */
    char path[256], js[512], e[1600], extra[1700];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/createfolder/", u.ws);
    json_t *fo = itu_ok_json(s, u.token, "POST", path, "name=empty-shelf");
    json_t *fobj =
        json_object_get(fo, "folder") ? json_object_get(fo, "folder") : json_object_get(fo, "node");
    snprintf(folder_id, sizeof(folder_id), "%s", json_string_value(json_object_get(fobj, "id")));
    json_decref(fo);
    snprintf(js, sizeof(js), "[{\"type\":\"folder\",\"id\":\"%s\"}]", folder_id);
    enc(js, e, sizeof(e));
    snprintf(extra, sizeof(extra), "&references=%s", e);
    c = ask(s, u.token, u.ws, "How are storm warnings raised?", extra, &st);
    assert_int_equal(st, 200);
    m = wait_answer(s, u.token, u.ws, json_string_value(json_object_get(c, "chat_id")),
                    json_string_value(json_object_get(c, "message_id")), NULL);
    assert_string_equal(json_string_value(json_object_get(m, "state")), "complete");
    assert_non_null(strstr(json_string_value(json_object_get(m, "text")), "Not found"));
    assert_int_equal(json_array_size(json_object_get(m, "citations")), 0);
    json_decref(m);
    json_decref(c);

    /* a scope naming the PDF itself (api §8.2 item shape) finds it */
    snprintf(js, sizeof(js),
             "[{\"type\":\"file\",\"id\":\"%s\",\"file_details\":{\"node_id\":\"%s\","
             "\"version_id\":\"%s\"}}]",
             pnode, pnode, pver);
    enc(js, e, sizeof(e));
    snprintf(extra, sizeof(extra), "&references=%s", e);
    c = ask(s, u.token, u.ws, "What does the lighthouse keeper log?", extra, &st);
    assert_int_equal(st, 200);
    m = wait_answer(s, u.token, u.ws, json_string_value(json_object_get(c, "chat_id")),
                    json_string_value(json_object_get(c, "message_id")), NULL);
    assert_non_null(strstr(json_string_value(json_object_get(m, "text")), "tide tables"));
    json_decref(m);
    json_decref(c);
    it_user_release(&u);
}

static void test_needs_input_and_manage(void **state)
{
    (void)state;
    const struct it_server *s = &fx.srv;
    const char *tok = fx.owner.token, *ws = fx.owner.ws;
    char node[64], subj[1024];
    itu_upload_file(s, tok, ws, "root", "manage.md", POLICY, strlen(POLICY), node);
    subjects_of(node, subj, sizeof(subj));
    long st;
    json_t *c = ask(s, tok, ws, "What is it?", subj, &st);
    assert_int_equal(st, 200);
    const char *chat = json_string_value(json_object_get(c, "chat_id"));
    json_t *m =
        wait_answer(s, tok, ws, chat, json_string_value(json_object_get(c, "message_id")), NULL);
    assert_string_equal(json_string_value(json_object_get(m, "state")), "needs_input");
    /* api §8.2: text echoes the question; the assistant's question in clarification */
    assert_string_equal(json_string_value(json_object_get(m, "text")), "What is it?");
    assert_non_null(
        json_string_value(json_object_get(json_object_get(m, "clarification"), "question")));
    json_decref(m);

    char path[512];
    /* rename, publish (one way), delete -> the deleted list */
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/update/", ws, chat);
    json_t *r = itu_ok_json(s, tok, "POST", path, "name=Renamed%20chat");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "chat"), "name")),
                        "Renamed chat");
    json_decref(r);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/publish/", ws, chat);
    r = itu_ok_json(s, tok, "POST", path, "");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "chat"), "privacy")),
                        "public");
    json_decref(r);
    /* cancel with nothing pending: not the envelope (api §8.2) */
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/cancel/", ws, chat);
    char *out = NULL;
    long cst = itu_req(s, tok, "POST", path, NULL, NULL, 0, &out, NULL);
    assert_int_equal(cst, 200);
    json_t *cj = json_loads(out, 0, NULL);
    free(out);
    assert_true(json_is_true(json_object_get(cj, "success")));
    assert_true(json_is_true(json_object_get(cj, "no_pending_message")));
    assert_null(json_object_get(cj, "result"));
    json_decref(cj);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/", ws, chat);
    json_decref(itu_ok_json(s, tok, "DELETE", path, NULL));
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/list/?kind=all", ws);
    json_t *l = itu_ok_json(s, tok, "GET", path, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(l, "chats"), i, it)
        assert_string_not_equal(json_string_value(json_object_get(it, "id")), chat);
    json_decref(l);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/list/deleted", ws);
    l = itu_ok_json(s, tok, "GET", path, NULL);
    bool found = false;
    json_array_foreach(json_object_get(l, "chats"), i, it) found |=
        strcmp(json_string_value(json_object_get(it, "id")), chat) == 0;
    assert_true(found);
    json_decref(l);
    /* a deleted chat takes no follow-up */
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/message/", ws, chat);
    json_t *f = itu_form_json(s, tok, "POST", path, "question=Still%20there%3F", &st);
    assert_int_equal(st, 404);
    json_decref(f);
    json_decref(c);
}

static void test_other_accounts(void **state)
{
    (void)state;
    const struct it_server *s = &fx.srv;
    struct it_user a, b;
    it_user_new(&a, s, IT_USER_WORKSPACE);
    it_user_new(&b, s, IT_USER_WORKSPACE);
    char na[64], nb[64], subj[1024];
    itu_upload_file(s, a.token, a.ws, "root", "a.md", POLICY, strlen(POLICY), na);
    itu_upload_file(s, b.token, b.ws, "root", "b.md", POLICY, strlen(POLICY), nb);
    long st;
    /* a file of another workspace cannot be attached, nor scoped */
    subjects_of(nb, subj, sizeof(subj));
    json_t *r = ask(s, a.token, a.ws, "When do refunds arrive?", subj, &st);
    assert_int_equal(st, 400);
    assert_int_equal(error_code(r), 1605);
    char *dump = json_dumps(r, 0);
    assert_null(strstr(dump, "b.md"));
    free(dump);
    json_decref(r);
    char js[256], e[512], extra[600];
    snprintf(js, sizeof(js), "[{\"type\":\"file\",\"id\":\"%s\"}]", nb);
    enc(js, e, sizeof(e));
    snprintf(extra, sizeof(extra), "&references=%s", e);
    set_intelligence(s, a.token, a.ws, true);
    r = ask(s, a.token, a.ws, "When do refunds arrive?", extra, &st);
    assert_int_equal(st, 400);
    json_decref(r);

    /* A's private and public chats */
    subjects_of(na, subj, sizeof(subj));
    char extra2[1200];
    snprintf(extra2, sizeof(extra2), "%s&privacy=private", subj);
    json_t *pc = ask(s, a.token, a.ws, "When do refunds arrive?", extra2, &st);
    assert_int_equal(st, 200);
    snprintf(extra2, sizeof(extra2), "%s&privacy=public", subj);
    json_t *uc = ask(s, a.token, a.ws, "Where do orders ship from?", extra2, &st);
    assert_int_equal(st, 200);
    const char *priv = json_string_value(json_object_get(pc, "chat_id"));
    const char *pub = json_string_value(json_object_get(uc, "chat_id"));
    json_decref(wait_answer(s, a.token, a.ws, pub,
                            json_string_value(json_object_get(uc, "message_id")), NULL));
    json_decref(wait_answer(s, a.token, a.ws, priv,
                            json_string_value(json_object_get(pc, "message_id")), NULL));
    char path[512];
    /* B outside A's workspace: nothing */
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/details/", a.ws, pub);
    json_t *x = itu_form_json(s, b.token, "GET", path, NULL, &st);
    assert_true(st == 403 || st == 404);
    json_decref(x);
    /* B a member of A's workspace: the public chat read-only, the private one invisible */
    assert_int_equal(it_db(s,
                           "INSERT INTO workspace_members (workspace_id, user_id, role, created) "
                           "VALUES (?1, ?2, 'member', 0)",
                           a.ws, b.id, NULL),
                     0);
    x = itu_ok_json(s, b.token, "GET", path, NULL);
    json_decref(x);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/details/", a.ws, priv);
    x = itu_form_json(s, b.token, "GET", path, NULL, &st);
    assert_int_equal(st, 404);
    assert_int_equal(error_code(x), 1609);
    json_decref(x);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/message/%s/details/", a.ws,
             priv, json_string_value(json_object_get(pc, "message_id")));
    x = itu_form_json(s, b.token, "GET", path, NULL, &st);
    assert_int_equal(st, 404);
    json_decref(x);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/list/", a.ws);
    x = itu_ok_json(s, b.token, "GET", path, NULL);
    size_t i;
    json_t *it;
    bool saw_pub = false;
    json_array_foreach(json_object_get(x, "chats"), i, it)
    {
        assert_string_not_equal(json_string_value(json_object_get(it, "id")), priv);
        saw_pub |= strcmp(json_string_value(json_object_get(it, "id")), pub) == 0;
    }
    assert_true(saw_pub);
    json_decref(x);
    /* read-only: no follow-up, rename, delete or cancel by B */
    const char *writes[][2] = {{"POST", "message/"},
                               {"POST", "update/"},
                               {"DELETE", ""},
                               {"POST", "cancel/"},
                               {"POST", "publish/"}};
    for (size_t k = 0; k < sizeof(writes) / sizeof(writes[0]); k++) {
        snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/%s", a.ws, pub,
                 writes[k][1]);
        x = itu_form_json(s, b.token, writes[k][0], path, "question=Mine%20now%3F&name=mine", &st);
        assert_int_equal(st, 403);
        assert_int_equal(error_code(x), 1670);
        json_decref(x);
        snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/%s", a.ws, priv,
                 writes[k][1]);
        x = itu_form_json(s, b.token, writes[k][0], path, "question=Mine%20now%3F&name=mine", &st);
        assert_int_equal(st, 404);
        json_decref(x);
    }
    assert_int_equal(it_db(s, "SELECT COUNT(*) FROM ai_messages WHERE user_id = ?1", b.id, NULL),
                     0);
    json_decref(pc);
    json_decref(uc);
    it_user_release(&a);
    it_user_release(&b);
}

static void test_limits(void **state)
{
    (void)state;
    const struct it_server *s = &fx.srv;
    struct it_user u;
    it_user_new(&u, s, IT_USER_WORKSPACE);
    char node[64], subj[1024], path[256];
    itu_upload_file(s, u.token, u.ws, "root", "limits.md", POLICY, strlen(POLICY), node);
    subjects_of(node, subj, sizeof(subj));
    long st;
    /* question: 2..12768 characters */
    json_t *r = ask(s, u.token, u.ws, "x", subj, &st);
    assert_int_equal(st, 400);
    json_decref(r);
    char *big = malloc(12770);
    memset(big, 'a', 12769);
    big[12769] = 0;
    r = ask(s, u.token, u.ws, big, subj, &st);
    assert_int_equal(st, 400);
    json_decref(r);
    big[12768] = 0; /* exactly the most */
    r = ask(s, u.token, u.ws, big, subj, &st);
    assert_int_equal(st, 200);
    json_decref(r);
    free(big);
    r = ask(s, u.token, u.ws, "ok", subj, &st); /* exactly the least */
    assert_int_equal(st, 200);
    json_decref(r);
    /* name <= 100 characters (é is one character of two bytes) */
    char name[1024] = "&name=";
    size_t nl = strlen(name);
    for (int i = 0; i < 100; i++)
        nl += (size_t)snprintf(name + nl, sizeof(name) - nl, "%%C3%%A9");
    char extra[2048];
    snprintf(extra, sizeof(extra), "%s%s", subj, name);
    r = ask(s, u.token, u.ws, "Refund days?", extra, &st);
    assert_int_equal(st, 200);
    json_decref(r);
    size_t el = strlen(extra);
    snprintf(extra + el, sizeof(extra) - el, "x");
    r = ask(s, u.token, u.ws, "Refund days?", extra, &st);
    assert_int_equal(st, 400);
    json_decref(r);
    /* enums */
    snprintf(extra, sizeof(extra), "%s&privacy=secret", subj);
    r = ask(s, u.token, u.ws, "Refund days?", extra, &st);
    assert_int_equal(st, 400);
    json_decref(r);
    /* a folder cannot be attached (406), references and subjects together are refused, no scope
     * with intelligence off is refused */
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/createfolder/", u.ws);
    json_t *fo = itu_ok_json(s, u.token, "POST", path, "name=shelf");
    json_t *fobj =
        json_object_get(fo, "folder") ? json_object_get(fo, "folder") : json_object_get(fo, "node");
    char js[256], e[512];
    snprintf(js, sizeof(js), "[{\"type\":\"folder\",\"id\":\"%s\"}]",
             json_string_value(json_object_get(fobj, "id")));
    enc(js, e, sizeof(e));
    snprintf(extra, sizeof(extra), "&subjects=%s", e);
    r = ask(s, u.token, u.ws, "Refund days?", extra, &st);
    assert_int_equal(st, 406);
    json_decref(r);
    snprintf(extra, sizeof(extra), "%s&references=%s", subj, e);
    r = ask(s, u.token, u.ws, "Refund days?", extra, &st);
    assert_int_equal(st, 400);
    json_decref(r);
    r = ask(s, u.token, u.ws, "Refund days?", "", &st);
    assert_int_equal(st, 400);
    char *dump = json_dumps(r, 0);
    assert_non_null(strstr(dump, "ntelligence"));
    free(dump);
    json_decref(r);
    r = ask(s, u.token, u.ws, "Refund days?", "&subjects=not%20json", &st);
    assert_int_equal(st, 400);
    json_decref(r);
    json_decref(fo);
    /* an unknown chat id, a malformed one */
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/nope/details/", u.ws);
    r = itu_form_json(s, u.token, "GET", path, NULL, &st);
    assert_int_equal(st, 404);
    json_decref(r);
    it_user_release(&u);
}

/* The legacy create (api §8.3): JSON body with files_attach as CSV. */
static void test_legacy_create(void **state)
{
    (void)state;
    const struct it_server *s = &fx.srv;
    const char *tok = fx.owner.token, *ws = fx.owner.ws;
    char node[64], path[256], body[512], *out = NULL;
    itu_upload_file(s, tok, ws, "root", "legacy.md", POLICY, strlen(POLICY), node);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/chat/", ws);
    snprintf(body, sizeof(body),
             "{\"type\":\"chat_with_files\",\"question\":\"Where do orders ship from?\","
             "\"personality\":\"concise\",\"files_attach\":\"%s:\"}",
             node);
    long st = itu_req(s, tok, "POST", path, "application/json", body, strlen(body), &out, NULL);
    assert_int_equal(st, 200);
    json_t *c = json_loads(out, 0, NULL);
    free(out);
    json_t *m = wait_answer(s, tok, ws, json_string_value(json_object_get(c, "chat_id")),
                            json_string_value(json_object_get(c, "message_id")), NULL);
    assert_non_null(strstr(json_string_value(json_object_get(m, "text")), "Lisbon"));
    json_decref(m);
    json_decref(c);
}

/* A restart in the middle of an answer: an answer a previous run left in progress is composed
 * by the next start (or errored after three runs), never left stuck. */
static void test_restart_finishes_or_errors(void **state)
{
    (void)state;
    struct it_server srv;
    assert_int_equal(it_server_start(&srv, NULL, NULL), 0);
    struct it_user u;
    it_user_new(&u, &srv, IT_USER_WORKSPACE);
    char node[64], subj[1024];
    itu_upload_file(&srv, u.token, u.ws, "root", "restart.md", POLICY, strlen(POLICY), node);
    subjects_of(node, subj, sizeof(subj));
    long st;
    json_t *c1 = ask(&srv, u.token, u.ws, "Refund days for enterprise customers?", subj, &st);
    assert_int_equal(st, 200);
    json_t *c2 = ask(&srv, u.token, u.ws, "Where do orders ship from?", subj, &st);
    assert_int_equal(st, 200);
    char chat1[64], msg1[64], chat2[64], msg2[64];
    snprintf(chat1, sizeof(chat1), "%s", json_string_value(json_object_get(c1, "chat_id")));
    snprintf(msg1, sizeof(msg1), "%s", json_string_value(json_object_get(c1, "message_id")));
    snprintf(chat2, sizeof(chat2), "%s", json_string_value(json_object_get(c2, "chat_id")));
    snprintf(msg2, sizeof(msg2), "%s", json_string_value(json_object_get(c2, "message_id")));
    json_decref(c1);
    json_decref(c2);
    json_decref(wait_answer(&srv, u.token, u.ws, chat1, msg1, NULL));
    json_decref(wait_answer(&srv, u.token, u.ws, chat2, msg2, NULL));
    assert_int_equal(it_server_stop(&srv), 0);
    /* what a crash mid-answer leaves: one message in progress after one run, one in
     * post-processing after its third run */
    assert_int_equal(it_db(&srv,
                           "UPDATE ai_messages SET state = 'in_progress', answer = '', "
                           "citations = '[]', attempts = 1 WHERE id = ?1",
                           msg1, NULL),
                     0);
    assert_int_equal(it_db(&srv,
                           "UPDATE ai_messages SET state = 'post_processing', answer = '', "
                           "attempts = 3 WHERE id = ?1",
                           msg2, NULL),
                     0);
    assert_int_equal(it_server_start(&srv, srv.dir, NULL), 0);
    json_t *m1 = wait_answer(&srv, u.token, u.ws, chat1, msg1, NULL);
    assert_string_equal(json_string_value(json_object_get(m1, "state")), "complete");
    assert_non_null(strstr(json_string_value(json_object_get(m1, "text")), "thirty days"));
    assert_int_equal(json_integer_value(json_object_get(m1, "attempts")), 2);
    json_decref(m1);
    json_t *m2 = wait_answer(&srv, u.token, u.ws, chat2, msg2, NULL);
    assert_string_equal(json_string_value(json_object_get(m2, "state")), "errored");
    assert_non_null(strstr(json_string_value(json_object_get(m2, "error_message")), "restart"));
    json_decref(m2);
    it_user_release(&u);
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_cleanup(&srv);
}

/* libfastio: fastio_ai_ask waits through the activity long-poll and hands the answer over as
 * data; fastio_ai_send + fastio_ai_wait for a follow-up; chats listed; cancel's reply. */
static void test_library_ask(void **state)
{
    (void)state;
    const struct it_server *s = &fx.srv;
    const char *ws = fx.owner.ws;
    char node[64], ver[64], subjects[256];
    itu_upload_file(s, fx.owner.token, ws, "root", "lib.md", POLICY, strlen(POLICY), node);
    version_of(s, fx.owner.token, ws, node, ver);
    snprintf(subjects, sizeof(subjects), "[{\"type\":\"file\",\"id\":\"%s\"}]", node);
    struct fastio_ai_question q = {.workspace = ws,
                                   .question = "How many days do enterprise customers have?",
                                   .subjects = subjects,
                                   .privacy = "private"};
    struct fastio_ai_answer *a = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_ai_ask(fx.owner.c, &q, 60000, &a, &err), FASTIO_OK);
    assert_string_equal(a->state, "complete");
    assert_non_null(strstr(a->text, "thirty days"));
    assert_int_equal(a->n_citations, 1);
    assert_string_equal(a->citations[0].node_id, node);
    assert_string_equal(a->citations[0].version_id, ver);
    assert_string_equal(a->citations[0].name, "lib.md");
    assert_true(a->citations[0].n_entries >= 1);
    assert_int_equal(a->citations[0].entries[0].page, 0);
    assert_non_null(strstr(a->citations[0].entries[0].snippet, "thirty days"));
    /* a follow-up in the same chat */
    struct fastio_ai_question f = {
        .workspace = ws, .chat = a->chat_id, .question = "Where do orders ship from?"};
    char *chat = NULL, *msg = NULL;
    assert_int_equal(fastio_ai_send(fx.owner.c, &f, &chat, &msg, &err), FASTIO_OK);
    assert_string_equal(chat, a->chat_id);
    json_t *m = NULL;
    assert_int_equal(fastio_ai_wait(fx.owner.c, ws, chat, msg, 60000, &m, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(m, "state")), "complete");
    assert_non_null(strstr(json_string_value(json_object_get(m, "text")), "Lisbon"));
    json_decref(m);
    json_t *chats = NULL;
    assert_int_equal(fastio_ai_chats(fx.owner.c, ws, "all", false, &chats, &err), FASTIO_OK);
    assert_true(json_array_size(chats) >= 1);
    json_decref(chats);
    json_t *cr = NULL;
    assert_int_equal(fastio_ai_cancel(fx.owner.c, ws, chat, &cr, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(cr, "no_pending_message")));
    json_decref(cr);
    fastio_free(chat);
    fastio_free(msg);
    fastio_ai_answer_free(a);
    /* a question the server refuses comes back as the API error */
    struct fastio_ai_question bad = {.workspace = ws, .question = "x", .subjects = subjects};
    assert_int_equal(fastio_ai_ask(fx.owner.c, &bad, 1000, &a, &err), FASTIO_INVALID);
    assert_null(a);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_attachments_answer_with_citations),
    cmocka_unit_test(test_index_pages_and_scope),
    cmocka_unit_test(test_needs_input_and_manage),
    cmocka_unit_test(test_other_accounts),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_legacy_create),
    cmocka_unit_test(test_library_ask),
    cmocka_unit_test(test_restart_finishes_or_errors),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
