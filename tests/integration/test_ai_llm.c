/* SPDX-License-Identifier: MIT */
/* test_ai_llm.c - the --llm-url connector of the AI chat (docs/server.md "AI chat"; D-107)
 * against a real fastio-server.
 *
 * PROTOCOL FIXTURE: no language model can run here, so the model endpoint is a small HTTP/1.1
 * server inside this test that speaks the OpenAI chat completions protocol: it takes
 * POST /v1/chat/completions with a JSON body, records the request (model, Authorization,
 * messages) and answers {"choices":[{"message":{"role":"assistant","content":...}}],"usage":
 * {...}} with a content this test chose - or an HTTP 500, or nothing until released (a slow
 * model). It is not a model: it checks that the server sends the passages as numbered grounded
 * context, keeps only the citations [n] it was given, falls back to the extractive answer when
 * the model fails, that a cancel stops an answer in flight, and that a kill -9 while the model
 * holds the request leaves an answer the next start completes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "it_upload.h"
#include "it_rawsock.h"

/* ---- the protocol fixture ---------------------------------------------------------------- */

enum fx_mode { FX_OK, FX_FAIL, FX_HOLD };

static int fx_fd = -1, fx_port;
static pthread_t fx_th;
static atomic_int fx_mode = FX_OK;
static atomic_int fx_requests;
static atomic_bool fx_release, fx_stop;
static pthread_mutex_t fx_mu = PTHREAD_MUTEX_INITIALIZER;
static char fx_last_body[65536], fx_last_auth[256];
static char fx_content[2048];

static void serve(int fd)
{
    static char req[131072];
    size_t got = 0;
    char *hend = NULL;
    while (got < sizeof(req) - 1 && !hend) {
        ssize_t r = recv(fd, req + got, sizeof(req) - 1 - got, 0);
        if (r <= 0)
            return;
        got += (size_t)r;
        req[got] = 0;
        hend = strstr(req, "\r\n\r\n");
    }
    if (!hend)
        return;
    size_t clen = 0;
    const char *cl = strcasestr(req, "\r\nContent-Length:");
    if (cl)
        clen = (size_t)strtoul(cl + 17, NULL, 10);
    size_t body_at = (size_t)(hend + 4 - req);
    while (got < body_at + clen && got < sizeof(req) - 1) {
        ssize_t r = recv(fd, req + got, sizeof(req) - 1 - got, 0);
        if (r <= 0)
            return;
        got += (size_t)r;
    }
    req[got] = 0;
    pthread_mutex_lock(&fx_mu);
    snprintf(fx_last_body, sizeof(fx_last_body), "%s", req + body_at);
    fx_last_auth[0] = 0;
    const char *au = strcasestr(req, "\r\nAuthorization:");
    if (au) {
        au += 16;
        while (*au == ' ')
            au++;
        size_t l = strcspn(au, "\r\n");
        snprintf(fx_last_auth, sizeof(fx_last_auth), "%.*s", (int)l, au);
    }
    bool path_ok = strncmp(req, "POST /v1/chat/completions ", 26) == 0;
    char content[2048];
    snprintf(content, sizeof(content), "%s", fx_content);
    pthread_mutex_unlock(&fx_mu);
    atomic_fetch_add(&fx_requests, 1);
    int mode = atomic_load(&fx_mode);
    if (mode == FX_HOLD)
        for (int i = 0; i < 500 && !atomic_load(&fx_release) && !atomic_load(&fx_stop); i++)
            rs_sleep_ms(20);
    char head[256];
    if (!path_ok || mode == FX_FAIL) {
        const char *b = "{\"error\":{\"message\":\"model crashed\"}}";
        snprintf(head, sizeof(head),
                 "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 strlen(b));
        rs_send_blocking(fd, head, strlen(head));
        rs_send_blocking(fd, b, strlen(b));
        return;
    }
    json_t *reply = json_pack("{s:s, s:[{s:i, s:{s:s, s:s}, s:s}], s:{s:i, s:i, s:i}}", "object",
                              "chat.completion", "choices", "index", 0, "message", "role",
                              "assistant", "content", content, "finish_reason", "stop", "usage",
                              "prompt_tokens", 321, "completion_tokens", 45, "total_tokens", 366);
    char *b = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n",
             strlen(b));
    rs_send_blocking(fd, head, strlen(head));
    rs_send_blocking(fd, b, strlen(b));
    free(b);
}

static void *fx_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&fx_stop)) {
        int fd = accept(fx_fd, NULL, NULL);
        if (fd < 0)
            break;
        serve(fd); /* one request at a time: the server sends one per answer */
        close(fd);
    }
    return NULL;
}

static bool fx_start(void)
{
    fx_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in;
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    socklen_t len = sizeof(in);
    if (fx_fd < 0 || bind(fx_fd, (struct sockaddr *)&in, len) != 0 || listen(fx_fd, 16) != 0 ||
        getsockname(fx_fd, (struct sockaddr *)&in, &len) != 0)
        return false;
    fx_port = ntohs(in.sin_port);
    return pthread_create(&fx_th, NULL, fx_main, NULL) == 0;
}

static void fx_set(int mode, const char *content)
{
    pthread_mutex_lock(&fx_mu);
    snprintf(fx_content, sizeof(fx_content), "%s", content ? content : "");
    pthread_mutex_unlock(&fx_mu);
    if (mode == FX_HOLD)
        atomic_store(&fx_release, false);
    atomic_store(&fx_mode, mode);
}

/* ---- the server ---------------------------------------------------------------------------- */

static struct it_fixture fx;
static char key_path[512], url_arg[128];

static int group_setup(void **state)
{
    (void)state;
    if (!fx_start())
        return -1;
    snprintf(url_arg, sizeof(url_arg), "http://127.0.0.1:%d", fx_port);
    snprintf(key_path, sizeof(key_path), "/tmp/fastio-llm-key-%d", (int)getpid());
    FILE *f = fopen(key_path, "w");
    if (!f)
        return -1;
    fputs("sekrit-test-key\n", f);
    fclose(f);
    static const char *args[9];
    args[0] = "--llm-url";
    args[1] = url_arg;
    args[2] = "--llm-model";
    args[3] = "tiny-test-model";
    args[4] = "--llm-key-file";
    args[5] = key_path;
    args[6] = "--llm-timeout";
    args[7] = "30";
    args[8] = NULL;
    static struct it_fixture_opts opts;
    opts.server_args = args;
    opts.workspace = true;
    return it_fixture_start(&fx, &opts);
}

static int group_teardown(void **state)
{
    (void)state;
    atomic_store(&fx_stop, true);
    atomic_store(&fx_release, true);
    int rc = it_fixture_stop(&fx);
    shutdown(fx_fd, SHUT_RDWR);
    close(fx_fd);
    pthread_join(fx_th, NULL);
    unlink(key_path);
    return rc;
}

/* A request as the owner: the JSON body (owned; {} when not JSON) and the status. */
static json_t *call(const char *method, const char *path, const char *form, long *status)
{
    return itu_form_json(&fx.srv, fx.owner.token, method, path, form, status);
}

static const char *DOC = "Storm warnings are raised with three red flags on the harbour mast.\n";

/* Upload DOC once; the node and version ids. */
static void doc_node(char *node, char *ver)
{
    static char n[64], v[64];
    if (!n[0]) {
        itu_upload_file(&fx.srv, fx.owner.token, fx.owner.ws, "root", "storms.txt", DOC,
                        strlen(DOC), n);
        char path[256];
        snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/details/", fx.owner.ws, n);
        json_t *j = call("GET", path, NULL, NULL);
        snprintf(v, sizeof(v), "%s",
                 json_string_value(json_object_get(json_object_get(j, "node"), "version")));
        json_decref(j);
    }
    snprintf(node, 64, "%s", n);
    snprintf(ver, 64, "%s", v);
}

/* Ask about DOC as an attachment; chat and message ids (size 64). */
static void ask_doc(const char *question, char *chat, char *msg)
{
    char node[64], ver[64], form[1024], path[256];
    doc_node(node, ver);
    snprintf(form, sizeof(form),
             "question=%s&subjects=%%5B%%7B%%22type%%22%%3A%%22file%%22%%2C%%22id%%22%%3A%%22%s%%22"
             "%%7D%%5D",
             question, node);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/", fx.owner.ws);
    long st;
    json_t *j = call("POST", path, form, &st);
    assert_int_equal(st, 200);
    snprintf(chat, 64, "%s", json_string_value(json_object_get(j, "chat_id")));
    snprintf(msg, 64, "%s", json_string_value(json_object_get(j, "message_id")));
    json_decref(j);
}

/* Poll the message (bounded) until its state is in `want` ("a|b"); returns it (owned). */
static json_t *wait_state(const char *chat, const char *msg, const char *want)
{
    char path[512];
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/message/%s/details/",
             fx.owner.ws, chat, msg);
    for (int i = 0; i < 3000; i++) {
        json_t *j = call("GET", path, NULL, NULL);
        json_t *m = json_incref(json_object_get(j, "message"));
        json_decref(j);
        const char *st = json_string_value(json_object_get(m, "state"));
        char w[128];
        snprintf(w, sizeof(w), "|%s|", want);
        char s[64];
        snprintf(s, sizeof(s), "|%s|", st ? st : "");
        if (st && strstr(w, s))
            return m;
        json_decref(m);
        rs_sleep_ms(20);
    }
    fail_msg("message %s never reached %s", msg, want);
    return NULL;
}

/* ---- cases ---------------------------------------------------------------------------------- */

static void test_grounded_context_and_citation_filter(void **state)
{
    (void)state;
    fx_set(FX_OK, "Three red flags are raised [1]. The moon is made of cheese [7]. "
                  "Both [1, 4].");
    char chat[64], msg[64], node[64], ver[64];
    doc_node(node, ver);
    ask_doc("How%20are%20storm%20warnings%20raised%3F", chat, msg);
    json_t *m = wait_state(chat, msg, "complete|errored");
    assert_string_equal(json_string_value(json_object_get(m, "state")), "complete");
    assert_string_equal(json_string_value(json_object_get(m, "engine")), "llm");
    /* [7] and 4 were never given: stripped */
    assert_string_equal(json_string_value(json_object_get(m, "text")),
                        "Three red flags are raised [1]. The moon is made of cheese. Both [1].");
    json_t *cits = json_object_get(m, "citations");
    assert_int_equal(json_array_size(cits), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cits, 0), "nodeId")),
                        node);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cits, 0), "versionId")),
                        ver);
    assert_int_equal(json_integer_value(json_object_get(m, "tokens")), 366);
    json_decref(m);
    /* what the model was sent: the model name, the key, the numbered passage, the question */
    pthread_mutex_lock(&fx_mu);
    json_t *req = json_loads(fx_last_body, 0, NULL);
    char auth[256];
    snprintf(auth, sizeof(auth), "%s", fx_last_auth);
    pthread_mutex_unlock(&fx_mu);
    assert_non_null(req);
    assert_string_equal(auth, "Bearer sekrit-test-key");
    assert_string_equal(json_string_value(json_object_get(req, "model")), "tiny-test-model");
    json_t *msgs = json_object_get(req, "messages");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")),
                        "system");
    json_t *last = json_array_get(msgs, json_array_size(msgs) - 1);
    const char *content = json_string_value(json_object_get(last, "content"));
    assert_non_null(strstr(content, "[1] storms.txt:\nStorm warnings are raised"));
    assert_non_null(strstr(content, "Question: How are storm warnings raised?"));
    json_decref(req);

    /* a follow-up sends the conversation so far */
    fx_set(FX_OK, "The mast [1].");
    char path[256];
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/message/", fx.owner.ws, chat);
    json_t *f = call("POST", path, "question=Where%20are%20the%20flags%3F", NULL);
    char msg2[64];
    snprintf(msg2, sizeof(msg2), "%s", json_string_value(json_object_get(f, "turn_id")));
    json_decref(f);
    json_decref(wait_state(chat, msg2, "complete"));
    pthread_mutex_lock(&fx_mu);
    req = json_loads(fx_last_body, 0, NULL);
    pthread_mutex_unlock(&fx_mu);
    msgs = json_object_get(req, "messages");
    assert_true(json_array_size(msgs) >= 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 1), "content")),
                        "How are storm warnings raised?");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 2), "role")),
                        "assistant");
    json_decref(req);
}

static void test_model_failure_falls_back(void **state)
{
    (void)state;
    fx_set(FX_FAIL, NULL);
    char chat[64], msg[64];
    ask_doc("How%20are%20storm%20warnings%20raised%3F", chat, msg);
    json_t *m = wait_state(chat, msg, "complete|errored");
    assert_string_equal(json_string_value(json_object_get(m, "state")), "complete");
    assert_string_equal(json_string_value(json_object_get(m, "engine")), "extractive");
    assert_non_null(strstr(json_string_value(json_object_get(m, "engine_note")), "HTTP 500"));
    assert_non_null(strstr(json_string_value(json_object_get(m, "text")), "three red flags"));
    assert_int_equal(json_array_size(json_object_get(m, "citations")), 1);
    json_decref(m);
}

static void test_cancel_in_flight(void **state)
{
    (void)state;
    int before = atomic_load(&fx_requests);
    fx_set(FX_HOLD, "Too late [1].");
    char chat[64], msg[64];
    ask_doc("How%20are%20storm%20warnings%20raised%3F", chat, msg);
    /* the model has the request: the answer is being composed */
    for (int i = 0; i < 3000 && atomic_load(&fx_requests) == before; i++)
        rs_sleep_ms(20);
    assert_true(atomic_load(&fx_requests) > before);
    json_decref(wait_state(chat, msg, "post_processing"));
    char path[256], *out = NULL;
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/%s/cancel/", fx.owner.ws, chat);
    long st = itu_req(&fx.srv, fx.owner.token, "POST", path, NULL, NULL, 0, &out, NULL);
    assert_int_equal(st, 200);
    json_t *c = json_loads(out, 0, NULL);
    free(out);
    assert_true(json_is_true(json_object_get(c, "success")));
    json_t *cm = json_object_get(c, "message");
    assert_string_equal(json_string_value(json_object_get(cm, "state")), "errored");
    assert_true(json_is_true(json_object_get(cm, "canceled")));
    json_decref(c);
    /* idempotent */
    st = itu_req(&fx.srv, fx.owner.token, "POST", path, NULL, NULL, 0, &out, NULL);
    assert_int_equal(st, 200);
    assert_non_null(strstr(out, "no_pending_message"));
    free(out);
    atomic_store(&fx_release, true);
    /* a late model answer is not stored over the cancel: a later question is answered after it,
     * by the same worker pool, and the canceled one stays errored */
    fx_set(FX_OK, "Flags [1].");
    char chat2[64], msg2[64];
    ask_doc("How%20are%20storm%20warnings%20raised%3F", chat2, msg2);
    json_decref(wait_state(chat2, msg2, "complete"));
    json_t *m = wait_state(chat, msg, "errored");
    assert_string_equal(json_string_value(json_object_get(m, "text")), "");
    json_decref(m);
}

/* kill -9 while the model holds the request (the answer in post_processing): the next start
 * puts the message back to ready and answers it - never left in progress. A second server on
 * its own data directory, with the same model options. */
static void test_kill9_mid_answer(void **state)
{
    (void)state;
    static const char *args[9];
    args[0] = "--llm-url";
    args[1] = url_arg;
    args[2] = "--llm-model";
    args[3] = "tiny-test-model";
    args[4] = "--llm-key-file";
    args[5] = key_path;
    args[6] = "--llm-timeout";
    args[7] = "30";
    args[8] = NULL;
    struct it_server srv;
    assert_int_equal(it_server_start(&srv, NULL, args), 0);
    struct it_user u;
    it_user_new(&u, &srv, IT_USER_WORKSPACE);
    char node[64], form[512], path[256], *out = NULL;
    itu_upload_file(&srv, u.token, u.ws, "root", "storms.txt", DOC, strlen(DOC), node);
    int before = atomic_load(&fx_requests);
    fx_set(FX_HOLD, "Flags after the crash [1].");
    snprintf(form, sizeof(form),
             "question=How%%20are%%20storm%%20warnings%%20raised%%3F&subjects=%%5B%%7B%%22type%%22"
             "%%3A%%22file%%22%%2C%%22id%%22%%3A%%22%s%%22%%7D%%5D",
             node);
    snprintf(path, sizeof(path), "/current/workspace/%s/ai/agent/", u.ws);
    assert_int_equal(itu_req(&srv, u.token, "POST", path, "application/x-www-form-urlencoded", form,
                             strlen(form), &out, NULL),
                     200);
    json_t *j = itu_json(out);
    free(out);
    char msg[64];
    snprintf(msg, sizeof(msg), "%s", json_string_value(json_object_get(j, "message_id")));
    json_decref(j);
    for (int i = 0; i < 3000 && atomic_load(&fx_requests) == before; i++)
        rs_sleep_ms(20);
    assert_true(atomic_load(&fx_requests) > before);
    assert_int_equal(it_db(&srv,
                           "SELECT COUNT(*) FROM ai_messages WHERE id = ?1 AND state = "
                           "'post_processing'",
                           msg, NULL),
                     1);
    assert_int_equal(kill(srv.pid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(srv.pid, &status, 0), srv.pid);
    srv.pid = 0;
    fx_set(FX_OK, "Flags after the crash [1].");
    atomic_store(&fx_release, true); /* the dead server's request ends */
    assert_int_equal(it_server_start(&srv, srv.dir, args), 0);
    long long done = 0;
    for (int i = 0; i < 3000 && done != 1; i++) {
        done = it_db(&srv, "SELECT COUNT(*) FROM ai_messages WHERE id = ?1 AND state = 'complete'",
                     msg, NULL);
        if (done != 1)
            rs_sleep_ms(20);
    }
    assert_int_equal(done, 1);
    assert_int_equal(it_db(&srv, "SELECT attempts FROM ai_messages WHERE id = ?1", msg, NULL), 2);
    assert_int_equal(it_db(&srv,
                           "SELECT COUNT(*) FROM ai_messages WHERE id = ?1 AND answer = "
                           "'Flags after the crash [1].'",
                           msg, NULL),
                     1);
    assert_int_equal(
        it_db(&srv, "SELECT COUNT(*) FROM ai_transactions WHERE message_id = ?1", msg, NULL), 1);
    it_user_release(&u);
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_cleanup(&srv);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_grounded_context_and_citation_filter),
    cmocka_unit_test(test_model_failure_falls_back),
    cmocka_unit_test(test_cancel_in_flight),
    cmocka_unit_test(test_kill9_mid_answer),
};

IT_MAIN(tests, group_setup, group_teardown)
