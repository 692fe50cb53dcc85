/* SPDX-License-Identifier: MIT */
/* cmd_mcp_serve.c - `fastio mcp` / `fastio mcp serve`: an MCP server on stdin/stdout
 * (newline-delimited JSON-RPC, api §10.2) serving the tool catalogue of fastio-server's /mcp
 * (src/common/mcp_catalog.h), executed through libfastio (fastio_call with the rows) against the
 * configured API base and token, so it works against the Fast.io cloud and the local server
 * alike. stdout carries nothing but protocol; notes go to stderr. */
#include <fastio/ai.h>

#include "cli.h"

#include <fastio/transfer.h>
#include <fastio/webimport.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mcp_catalog.h"
#include "mcp_result.h"
#include "mcp_rpc.h"

#define MAX_ALLOW 64
#define IMPORT_WAIT_MAX 300 /* seconds a web-import call may wait (the server's /mcp bound) */
#define LOOK_FIRST_MS 250   /* the first look at a waited-for import, then gaps growing by */
#define LOOK_MAX_MS 2000    /* half up to this */
#define IN_CHUNK 65536      /* bytes read from stdin at once */
#define IN_CAP (MCP_MAX_MESSAGE + 2 * IN_CHUNK) /* the input buffer; never reallocated */

/* The official CLI's tool names (api §10.2) accepted as aliases: `prefix` is put before the
 * action ("lock acquire" is storage's lock-acquire). */
static const struct {
    const char *alias, *tool, *prefix;
} ALIASES[] = {
    {"files", "storage", ""},
    {"lock", "storage", "lock-"},
    {"ripley", "ai", ""},
};

/* stdin as read so far: one fixed buffer, so a line being handled stays where it is while a
 * waiting call reads on behind it (to see a notifications/cancelled for itself). */
struct input {
    char *data;    /* IN_CAP bytes */
    size_t len;    /* bytes held */
    size_t pos;    /* the first byte not handled yet */
    size_t seen;   /* a waiting call looked for its cancellation up to here */
    bool eof;      /* stdin ended (or failed) */
    bool skipping; /* inside a line that was too long: drop it up to its newline */
};

struct serve {
    struct fastio_client *c;
    const char *allow[MAX_ALLOW + 1]; /* canonical tool names; allow[0] NULL = every tool */
    bool restricted;
    bool signed_in_here; /* the token came from auth signin (a session of our own) */
    struct input in;
    json_t *call_id; /* the id of the tools/call being handled, or NULL */
    bool cancelled;  /* the client cancelled it (notifications/cancelled): no response */
};

static bool allowed(const struct serve *sv, const char *tool)
{
    if (!sv->restricted)
        return true;
    for (size_t i = 0; sv->allow[i] != NULL; i++)
        if (strcmp(sv->allow[i], tool) == 0)
            return true;
    return false;
}

static json_t *op_tools_list(void *ud, struct mcp_rpc_sess *s)
{
    (void)s;
    const struct serve *sv = ud;
    return mcp_catalog_tools_list(sv->restricted ? sv->allow : NULL);
}

/* mcp_result_ok() with data released (it only borrows it). */
static json_t *ok(const struct mcp_call *c, const char *title, json_t *data, bool structured)
{
    json_t *r = mcp_result_ok(c, title, data, structured);
    json_decref(data);
    return r;
}

/* Forget the token (setting NULL only fails on a NULL client). */
static void drop_token(struct serve *sv)
{
    if (fastio_client_set_token(sv->c, NULL, NULL) != FASTIO_OK)
        sv->signed_in_here = false;
}

static json_t *api_error(const struct mcp_call *c, const struct fastio_error *e, bool structured)
{
    return mcp_result_error(c, e->http_status, e->api_code, e->message, structured);
}

static json_t *auth_status(struct serve *sv, const struct mcp_call *c, bool structured)
{
    json_t *o = json_pack("{s:b, s:s}", "authenticated", 0, "api_base",
                          fastio_client_base_url(sv->c));
    char *uid = NULL;
    struct fastio_error e;
    if (fastio_auth_check(sv->c, &uid, &e) == FASTIO_OK) {
        json_object_set_new(o, "authenticated", json_true());
        json_object_set_new(o, "user_id", json_string(uid));
        json_t *u = NULL;
        if (fastio_user_me(sv->c, &u, &e) == FASTIO_OK)
            json_object_set(o, "user_email", json_object_get(u, "email_address"));
        json_decref(u);
    } else {
        json_object_set_new(o, "auth_error", json_string(e.message));
    }
    fastio_free(uid);
    return ok(c, "Session status", o, structured);
}

static json_t *auth_local(struct serve *sv, const struct mcp_call *c, bool structured)
{
    const char *a = c->action->name;
    struct fastio_error e;
    if (strcmp(a, "status") == 0)
        return auth_status(sv, c, structured);
    if (strcmp(a, "set-api-key") == 0) {
        const char *key = mcp_call_arg(c, "api_key");
        char *uid = NULL;
        if (fastio_client_set_token(sv->c, key, &e) != FASTIO_OK ||
            fastio_auth_check(sv->c, &uid, &e) != FASTIO_OK) {
            drop_token(sv);
            return api_error(c, &e, structured);
        }
        sv->signed_in_here = false;
        json_t *o = json_pack("{s:b, s:s?, s:s}", "signed_in", 1, "user_id", uid, "auth_method",
                              strncmp(key, "fio_k_", 6) == 0 ? "api_key" : "token");
        fastio_free(uid);
        return ok(c, "API key set for this session", o, structured);
    }
    if (strcmp(a, "signin") == 0) {
        char *tok = NULL;
        long expires = 0;
        if (fastio_user_signin(sv->c, mcp_call_arg(c, "email"), mcp_call_arg(c, "password"), &tok,
                               &expires, &e) != FASTIO_OK)
            return api_error(c, &e, structured);
        enum fastio_status st = fastio_client_set_token(sv->c, tok, &e);
        explicit_bzero(tok, strlen(tok));
        fastio_free(tok);
        if (st != FASTIO_OK)
            return api_error(c, &e, structured);
        sv->signed_in_here = true;
        json_t *o = json_pack("{s:b, s:s, s:s, s:I}", "signed_in", 1, "email",
                              mcp_call_arg(c, "email"), "auth_method", "jwt", "expires_in",
                              (json_int_t)expires);
        return ok(c, "Signed in", o, structured);
    }
    if (strcmp(a, "signout") == 0) {
        bool invalidated = false;
        if (sv->signed_in_here) {
            json_t *r = NULL;
            invalidated = fastio_call(sv->c, FASTIO_EP_USER_SIGNOUT, NULL, 0, NULL, 0, &r, &e) ==
                          FASTIO_OK;
            json_decref(r);
        }
        drop_token(sv);
        sv->signed_in_here = false;
        json_t *o = json_pack("{s:b, s:b}", "signed_in", 0, "token_invalidated", invalidated);
        return ok(c, "Signed out", o, structured);
    }
    return NULL;
}

static json_t *upload_text(struct serve *sv, const struct mcp_call *c, bool structured)
{
    const char *content = mcp_call_arg(c, "content");
    size_t n = strlen(content);
    if (n > 1024 * 1024)
        return mcp_result_message("content is larger than 1 MiB: upload big files with "
                                  "`fastio upload file`", true);
    FILE *f = tmpfile(); /* unnamed: gone when closed */
    if (f == NULL || (n && fwrite(content, 1, n, f) != n) || fflush(f) != 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        if (f != NULL)
            fclose(f);
        return mcp_result_message("cannot stage the text in a temporary file", true);
    }
    struct fastio_error e;
    struct fastio_transfer *t = fastio_transfer_new(sv->c, NULL, &e);
    struct fastio_upload_spec up = {
        .fd = fileno(f),
        .name = mcp_call_arg(c, "name"),
        .workspace = mcp_call_arg(c, "workspace_id"),
        .folder = mcp_call_arg(c, "folder_id"),
        .file_id = mcp_call_arg(c, "file_id"),
        .lock_token = mcp_call_arg(c, "lock_token"),
    };
    size_t job = 0;
    char *node = NULL;
    json_t *out;
    if (t != NULL && fastio_transfer_add_upload(t, &up, &job, &e) == FASTIO_OK &&
        fastio_transfer_run(t, &e) == FASTIO_OK &&
        fastio_transfer_job_result(t, job, &node, &e) == FASTIO_OK) {
        /* the shape of fastio-server's /mcp answer: the stream upload's new_file_id */
        json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "new_file_id", node, "name", up.name,
                              "workspace_id", up.workspace, "size", (json_int_t)n);
        out = ok(c, "Text uploaded", o, structured);
    } else {
        out = api_error(c, &e, structured);
    }
    fastio_free(node);
    fastio_transfer_free(t);
    fclose(f);
    return out;
}


/* ai message-read: fastio_ai_wait, at most 60 s. */
static json_t *ai_read_local(struct serve *sv, const struct mcp_call *c, bool structured)
{
    if (c->n_path < 3)
        return mcp_result_message("workspace_id, chat_id and message_id are required", true);
    json_t *m = NULL;
    struct fastio_error e;
    enum fastio_status st =
        fastio_ai_wait(sv->c, c->path_args[0], c->path_args[1], c->path_args[2], 60000, &m, &e);
    if (m == NULL)
        return api_error(c, &e, structured);
    json_t *o = json_pack("{s:o}", "message", m);
    if (o && st == FASTIO_TIMEOUT)
        json_object_set_new(o, "note", json_string("not answered within 60 s"));
    return o ? ok(c, "AI message", o, structured) : mcp_result_message("out of memory", true);
}

/* ai ask: fastio_ai_ask with chat-create's parameters, at most 60 s; the hosted server's shape
 * (api §8.4). */
static json_t *ai_ask_local(struct serve *sv, const struct mcp_call *c, bool structured)
{
    struct fastio_ai_question q = {.workspace = c->n_path > 0 ? c->path_args[0] : NULL};
    for (size_t i = 0; i < c->n_params; i++) {
        const char *n = c->params[i].name, *v = c->params[i].value;
        if (strcmp(n, "question") == 0)
            q.question = v;
        else if (strcmp(n, "references") == 0)
            q.references = v;
        else if (strcmp(n, "subjects") == 0)
            q.subjects = v;
        else if (strcmp(n, "name") == 0)
            q.name = v;
        else if (strcmp(n, "privacy") == 0)
            q.privacy = v;
        else if (strcmp(n, "kind") == 0)
            q.kind = v;
    }
    struct fastio_ai_answer *a = NULL;
    struct fastio_error e;
    enum fastio_status st = fastio_ai_ask(sv->c, &q, 60000, &a, &e);
    if (a == NULL)
        return api_error(c, &e, structured);
    json_t *cits = json_array();
    for (size_t i = 0; i < a->n_citations; i++) {
        json_t *ents = json_array();
        for (size_t k = 0; k < a->citations[i].n_entries; k++)
            json_array_append_new(ents, json_pack("{s:i, s:s}", "page",
                                                  a->citations[i].entries[k].page, "snippet",
                                                  a->citations[i].entries[k].snippet));
        json_array_append_new(cits, json_pack("{s:s, s:s, s:s, s:o}", "nodeId",
                                              a->citations[i].node_id, "versionId",
                                              a->citations[i].version_id, "name",
                                              a->citations[i].name, "entries", ents));
    }
    json_t *o = json_pack("{s:s, s:o, s:s, s:s, s:s}", "answer_text", a->text, "citations", cits,
                          "state", a->state, "chat_id", a->chat_id, "message_id", a->message_id);
    if (o && a->clarification[0])
        json_object_set_new(o, "clarification", json_pack("{s:s, s:s}", "type", "question",
                                                          "question", a->clarification));
    if (o && a->error[0])
        json_object_set_new(o, "error_message", json_string(a->error));
    if (o && st == FASTIO_TIMEOUT)
        json_object_set_new(o, "note", json_string("no answer within 60 s: see message-details"));
    fastio_ai_answer_free(a);
    return o ? ok(c, "AI answer", o, structured) : mcp_result_message("out of memory", true);
}

/* ---- upload web-import with wait (D-135): the import followed until it ends ------------------ */

/* Whether line (n bytes) is a notifications/cancelled for the call being handled. */
static bool cancels_call(const struct serve *sv, const char *line, size_t n)
{
    if (sv->call_id == NULL || memmem(line, n, "notifications/cancelled", 23) == NULL)
        return false;
    json_t *m = json_loadb(line, n, 0, NULL);
    const char *method = json_string_value(json_object_get(m, "method"));
    bool hit = method != NULL && strcmp(method, "notifications/cancelled") == 0 &&
               json_equal(json_object_get(json_object_get(m, "params"), "requestId"), sv->call_id);
    json_decref(m);
    return hit;
}

/* Sleep up to ms while watching stdin: what arrives is kept for the main loop (behind the line
 * being handled) and looked through for the cancellation of this call. true when cancelled. */
static void scan_input(struct serve *sv)
{
    struct input *in = &sv->in;
    for (char *nl; (nl = memchr(in->data + in->seen, '\n', in->len - in->seen)) != NULL;) {
        size_t n = (size_t)(nl - (in->data + in->seen));
        if (cancels_call(sv, in->data + in->seen, n))
            sv->cancelled = true;
        in->seen += n + 1;
    }
}

static bool wait_input(struct serve *sv, long ms)
{
    struct input *in = &sv->in;
    int64_t end = fastio_now_ms() + ms;
    scan_input(sv); /* what came with the call itself */
    for (int64_t now = fastio_now_ms(); now < end && !sv->cancelled; now = fastio_now_ms()) {
        bool room = !in->eof && IN_CAP - in->len >= IN_CHUNK;
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int r = poll(&pfd, room ? 1 : 0, (int)(end - now));
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0 || !room)
            continue;
        ssize_t got = read(STDIN_FILENO, in->data + in->len, IN_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            in->eof = true; /* the answer still goes out: the client may read on */
            continue;
        }
        in->len += (size_t)got;
        scan_input(sv);
    }
    return sv->cancelled;
}

/* The call's progress and log notifications, as fastio-server's /mcp sends them. */
struct import_prog {
    const json_t *tok;
    mcp_emit_fn emit;
    void *ctx;
    struct mcp_rpc_sess *s;
    double last;
    bool any;
};

static void import_progress(struct import_prog *p, double done, double total, const char *msg)
{
    if (p->tok == NULL || p->emit == NULL || (p->any && done <= p->last))
        return;
    p->any = true;
    p->last = done;
    p->emit(p->ctx, mcp_progress_notification(p->tok, done, total, msg));
}

static void import_log(struct import_prog *p, const char *level, const char *text)
{
    if (p->emit != NULL && mcp_log_wanted(p->s, level))
        p->emit(p->ctx, mcp_log_notification(level, "fastio", text));
}

/* upload web-import with wait > 0: start the import, then look at its details (api §5.7) after
 * gaps growing from LOOK_FIRST_MS by half up to LOOK_MAX_MS, reporting its bytes, until it is
 * complete, failed or canceled or the wait is over; {id, web_upload, finished, waited_s} like
 * the server's /mcp. A notifications/cancelled for the call ends the wait (the import goes
 * on) and the call is not answered. NULL when wait is 0: the plain row call. */
static json_t *web_import_wait(struct serve *sv, struct mcp_rpc_sess *s, const struct mcp_call *c,
                               const json_t *ptok, mcp_emit_fn emit, void *ectx, bool structured)
{
    long long wait = 0;
    const char *w = mcp_call_arg(c, "wait");
    if (w != NULL && !fio_parse_ll(w, 0, IMPORT_WAIT_MAX, &wait))
        return mcp_result_message("wait must be 0-300 seconds", true);
    if (wait == 0)
        return NULL;
    struct import_prog pg = {ptok, emit, ectx, s, 0, false};
    import_progress(&pg, 0, -1, "starting the import");
    json_t *resp = NULL;
    struct fastio_error e;
    if (fastio_call(sv->c, (enum fastio_endpoint)c->row_id, c->path_args, c->n_path, c->params,
                    c->n_params, &resp, &e) != FASTIO_OK) {
        json_decref(resp);
        return api_error(c, &e, structured);
    }
    char id[128];
    const char *jid = json_string_value(
        json_object_get(fastio_result(resp, (enum fastio_endpoint)c->row_id), "id"));
    fio_strlcpy(id, jid != NULL ? jid : "", sizeof(id));
    json_decref(resp);
    if (id[0] == '\0')
        return mcp_result_message("the server's answer has no import id", true);
    char line[200];
    snprintf(line, sizeof(line), "web-import %s: started, waiting up to %lld s", id, wait);
    import_log(&pg, "info", line);
    int64_t start = fastio_now_ms(), deadline = start + wait * 1000;
    long gap = LOOK_FIRST_MS;
    json_t *job = NULL;
    const char *status = "";
    for (size_t guard = 0; guard < 100000; guard++) {
        json_t *j = NULL;
        if (fastio_web_import_status(sv->c, id, &j, &e) != FASTIO_OK) {
            json_decref(j);
            json_decref(job);
            return api_error(c, &e, structured);
        }
        json_decref(job);
        job = j;
        struct mcp_import_view v;
        bool ended = mcp_import_view(job, &v);
        status = v.status;
        import_progress(&pg, v.done, v.total, v.msg);
        int64_t now = fastio_now_ms();
        if (ended || now >= deadline)
            break;
        if (wait_input(sv, now + gap < deadline ? gap : (long)(deadline - now))) {
            json_decref(job);
            return mcp_result_message("cancelled", true); /* not sent: the client cancelled */
        }
        gap = gap + gap / 2 > LOOK_MAX_MS ? LOOK_MAX_MS : gap + gap / 2;
    }
    json_t *o =
        json_pack("{s:s, s:O?, s:b, s:f}", "id", id, "web_upload", job, "finished",
                  mcp_import_ended(status), "waited_s", (double)(fastio_now_ms() - start) / 1e3);
    json_decref(job);
    snprintf(line, sizeof(line), "web-import %s: %s", id, status);
    import_log(&pg, strcmp(status, "failed") == 0 ? "warning" : "info", line);
    return o != NULL ? ok(c, "upload web-import", o, structured)
                     : mcp_result_message("out of memory", true);
}

static json_t *op_tools_call(void *ud, struct mcp_rpc_sess *s, const char *name, json_t *args,
                             const json_t *progress_token, mcp_emit_fn emit, void *emit_ctx,
                             struct mcp_fault *f)
{
    struct serve *sv = ud;
    bool structured = mcp_proto_structured(s->proto);
    const char *tool = name;
    json_t *a = json_is_object(args) ? json_deep_copy(args) : json_object();
    for (size_t i = 0; i < sizeof(ALIASES) / sizeof(ALIASES[0]); i++) {
        if (strcmp(name, ALIASES[i].alias) != 0)
            continue;
        tool = ALIASES[i].tool;
        const char *act = json_string_value(json_object_get(a, "action"));
        if (act != NULL && ALIASES[i].prefix[0] && strcmp(act, "describe") != 0) {
            char buf[128];
            snprintf(buf, sizeof(buf), "%s%s", ALIASES[i].prefix, act);
            json_object_set_new(a, "action", json_string(buf));
        }
    }
    if (mcp_catalog_tool(tool) == NULL || !allowed(sv, tool)) {
        json_decref(a);
        f->code = MCP_ERR_PARAMS;
        snprintf(f->msg, sizeof(f->msg), "unknown tool '%.80s' (tools/list names the tools%s)",
                 name, sv->restricted ? "; this server was started with --tools" : "");
        return NULL;
    }
    struct mcp_call c;
    char msg[512];
    json_t *out = NULL;
    if (mcp_catalog_resolve(tool, a, &c, msg, sizeof(msg)) != 0) {
        out = mcp_result_message(msg, true);
    } else if (c.describe) {
        json_t *d = mcp_catalog_describe(c.tool, c.describe_action);
        out = d ? mcp_result_ok(&c, "describe", d, structured)
                : mcp_result_message("no such action to describe", true);
        json_decref(d);
    } else if (c.action->flags & MCP_ACT_LOCAL) {
        if (strcmp(c.tool->name, "auth") == 0)
            out = auth_local(sv, &c, structured);
        else if (strcmp(c.tool->name, "upload") == 0 && strcmp(c.action->name, "text") == 0)
            out = upload_text(sv, &c, structured);
        else if (strcmp(c.tool->name, "ai") == 0 && strcmp(c.action->name, "ask") == 0)
            out = ai_ask_local(sv, &c, structured);
        else if (strcmp(c.tool->name, "ai") == 0 && strcmp(c.action->name, "message-read") == 0)
            out = ai_read_local(sv, &c, structured);
        if (out == NULL) {
            snprintf(msg, sizeof(msg),
                     "%s %s is not available in `fastio mcp` (stdio): it needs the hosted "
                     "server's side routes; use fastio-server's /mcp, or the CLI command",
                     c.tool->name, c.action->name);
            out = mcp_result_message(msg, true);
        }
    } else if (strcmp(c.tool->name, "upload") == 0 && strcmp(c.action->name, "web-import") == 0 &&
               (out = web_import_wait(sv, s, &c, progress_token, emit, emit_ctx, structured)) !=
                   NULL) {
        /* waited (D-135) */
    } else {
        json_t *resp = NULL;
        struct fastio_error e;
        if (fastio_call(sv->c, (enum fastio_endpoint)c.row_id, c.path_args, c.n_path, c.params,
                        c.n_params, &resp, &e) == FASTIO_OK) {
            char title[160];
            snprintf(title, sizeof(title), "%s %s", c.tool->name, c.action->name);
            /* the envelope without its "result": true, as fastio-server's /mcp answers */
            json_t *body = json_deep_copy(resp);
            if (json_is_boolean(json_object_get(body, "result")))
                json_object_del(body, "result");
            out = body != NULL ? ok(&c, title, body, structured)
                               : mcp_result_message("out of memory", true);
        } else {
            out = api_error(&c, &e, structured);
        }
        json_decref(resp);
    }
    mcp_call_clear(&c);
    json_decref(a);
    return out;
}

static json_t *op_resources_list(void *ud, struct mcp_rpc_sess *s)
{
    (void)ud;
    (void)s;
    return json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]", "uri", "session://status",
                     "name", "session-status", "mimeType", "application/json", "description",
                     "Whether this server is signed in, and as whom.", "uri", "skill://guide",
                     "name", "guide", "mimeType", "text/markdown", "description",
                     "How to use these tools.");
}

static const char GUIDE[] =
    "# fastio mcp\n\nTools act on the Fast.io API base this server was started with.\n\n"
    "1. Sign in: `auth` with action `set-api-key` (api_key) or `signin` (email, password), "
    "unless the server already has a token (auth status tells).\n"
    "2. Every tool answers `action: \"describe\"` with its actions and parameters.\n"
    "3. Destructive actions need `confirm: true`.\n";

static json_t *op_resources_read(void *ud, struct mcp_rpc_sess *s, const char *uri,
                                 struct mcp_fault *f)
{
    struct serve *sv = ud;
    if (strcmp(uri, "skill://guide") == 0)
        return json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                         "text/markdown", "text", GUIDE);
    if (strcmp(uri, "session://status") == 0) {
        json_t *st = auth_status(sv, NULL, true);
        json_t *sc = json_object_get(st, "structuredContent");
        char *text = json_dumps(sc ? sc : json_object_get(st, "content"), JSON_COMPACT);
        json_t *out = json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                                "application/json", "text", text ? text : "{}");
        free(text);
        json_decref(st);
        (void)s;
        return out;
    }
    f->code = MCP_ERR_RESOURCE_NOT_FOUND;
    snprintf(f->msg, sizeof(f->msg), "unknown resource '%.200s' (resources/list names them)", uri);
    return NULL;
}

static bool write_line(const char *text)
{
    size_t n = strlen(text);
    return fwrite(text, 1, n, stdout) == n && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
}

static void emit_line(void *emit_ctx, json_t *msg)
{
    (void)emit_ctx;
    char *t = json_dumps(msg, JSON_COMPACT);
    if (t != NULL)
        (void)write_line(t);
    free(t);
    json_decref(msg);
}

static int parse_allow(struct serve *sv, struct cli_ctx *ctx, const char *list)
{
    if (list == NULL)
        return CLI_OK;
    sv->restricted = true;
    size_t n = 0;
    static char names[MAX_ALLOW][40];
    const char *p = list;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        char word[40] = "";
        if (len > 0 && len < sizeof(word)) {
            memcpy(word, p, len);
            word[len] = '\0';
        }
        const char *canon = word;
        for (size_t i = 0; i < sizeof(ALIASES) / sizeof(ALIASES[0]); i++)
            if (strcmp(word, ALIASES[i].alias) == 0)
                canon = ALIASES[i].tool;
        if (strcmp(word, "ai") == 0 || strcmp(word, "ripley") == 0)
            canon = "ai";
        if (word[0] == '\0' || mcp_catalog_tool(canon) == NULL) {
            cli_note(ctx, "warning: --tools: unknown tool '%.*s' ignored", (int)len, p);
        } else if (n < MAX_ALLOW && !allowed(sv, canon)) {
            fio_strlcpy(names[n], canon, sizeof(names[n]));
            sv->allow[n] = names[n];
            sv->allow[++n] = NULL;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    if (n == 0)
        return cli_usage(ctx, "--tools names no known tool (known: 'fastio mcp serve --help')");
    return CLI_OK;
}

/* The answer to a line longer than a message (id null: it is not read). */
static int refuse_long(void)
{
    char *e =
        mcp_rpc_error_text(NULL, MCP_ERR_INVALID_REQUEST, "message larger than 4 MiB refused");
    int rc = e != NULL && write_line(e) ? CLI_OK : CLI_ERR;
    free(e);
    return rc;
}

/* One message: handled, its answer written (unless the client cancelled the call). The id of
 * a tools/call is kept while it runs, for notifications/cancelled. */
static int handle_line(const struct mcp_server_ops *ops, struct serve *sv,
                       struct mcp_rpc_sess *sess, const char *text, size_t n)
{
    sv->call_id = NULL;
    sv->cancelled = false;
    if (memmem(text, n, "tools/call", 10) != NULL) {
        json_t *m = json_loadb(text, n, 0, NULL);
        const char *method = json_string_value(json_object_get(m, "method"));
        if (json_is_object(m) && method != NULL && strcmp(method, "tools/call") == 0 &&
            json_object_get(m, "id") != NULL)
            sv->call_id = json_incref(json_object_get(m, "id"));
        json_decref(m);
    }
    unsigned flags = 0;
    char *resp = mcp_rpc_handle(ops, sv, sess, text, n, emit_line, NULL, &flags);
    int rc = CLI_OK;
    if (resp != NULL && !sv->cancelled && !write_line(resp))
        rc = CLI_ERR;
    free(resp);
    json_decref(sv->call_id);
    sv->call_id = NULL;
    return rc;
}

int cli_mcp_serve(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    struct serve sv = {.c = NULL};
    int rc = parse_allow(&sv, ctx, cli_arg(args, "tools"));
    if (rc != CLI_OK)
        return rc;
    if (cli_connect(ctx, -1, false) != CLI_OK)
        return CLI_ERR;
    sv.c = ctx->client;
    signal(SIGPIPE, SIG_IGN); /* a client gone away is a write error, not a crash */
    struct mcp_server_ops ops = {
        .name = "fastio-cli",
        .version = FASTIO_VERSION,
        .instructions = "Fast.io tools over stdio. Sign in with the auth tool (set-api-key, "
                        "signin) unless auth status says signed in; every tool answers "
                        "action=describe.",
        .tools_list = op_tools_list,
        .tools_call = op_tools_call,
        .resources_list = op_resources_list,
        .resources_read = op_resources_read,
    };
    struct mcp_rpc_sess sess;
    memset(&sess, 0, sizeof(sess));
    sv.in.data = malloc(IN_CAP);
    if (sv.in.data == NULL) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    rc = CLI_OK;
    struct input *in = &sv.in;
    while (rc == CLI_OK) {
        /* every complete line held */
        for (char *nl;
             rc == CLI_OK && (nl = memchr(in->data + in->pos, '\n', in->len - in->pos)) != NULL;) {
            size_t n = (size_t)(nl - (in->data + in->pos));
            const char *text = in->data + in->pos;
            in->seen = in->pos + n + 1; /* a waiting call looks for its cancellation from here */
            if (!in->skipping && n > MCP_MAX_MESSAGE)
                rc = refuse_long(); /* it came whole in one read */
            else if (!in->skipping && n > 0)
                rc = handle_line(&ops, &sv, &sess, text, n);
            in->skipping = false;
            in->pos += n + 1;
        }
        /* the partial line to the front; one longer than a message is refused at once and the
         * rest of it dropped up to its newline */
        memmove(in->data, in->data + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
        if (!in->skipping && in->len > MCP_MAX_MESSAGE) {
            rc = refuse_long();
            in->skipping = true;
        }
        if (in->skipping)
            in->len = 0;
        if (in->eof || rc != CLI_OK)
            break; /* end of input: the client closed the session */
        ssize_t r = read(STDIN_FILENO, in->data + in->len, IN_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        in->len += (size_t)r;
    }
    free(sv.in.data);
    return rc;
}
