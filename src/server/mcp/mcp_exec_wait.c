/* SPDX-License-Identifier: MIT */
/* mcp_exec_wait.c - the actions that wait (bounded): ai ask / message-read (until the answer is
 * final), event activity-poll and upload web-import with wait > 0 on a live call (D-122), which
 * report progress while they wait. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "mcp_exec_int.h"
#include "timeutil.h"

#define POLL_WAIT_MAX 95    /* seconds an activity-poll call waits (api §9.5) */
#define IMPORT_WAIT_MAX 300 /* seconds a web-import call waits for the import */

/* ---- ai ask: create the chat, then wait (bounded) for its answer ---------------------------- */

#define AI_ASK_LOOKS 600 /* x 100 ms: the wait of `ai ask` */

/* Look at message msg of chat every 100 ms (at most AI_ASK_LOOKS times) until it is final: 0
 * with *m (owned: the last message seen), or -1 with the error in *res. */
static int ai_wait(struct mcp_exec *ex, const char *ws, const char *chat, const char *msg,
                   const char *authz, json_t **m, struct mcp_ires *res)
{
    const struct fastio_endpoint_info *details = fastio_endpoint_get(FASTIO_EP_AI_MESSAGE_DETAILS);
    const char *const args[3] = {ws, chat, msg};
    *m = NULL;
    for (int i = 0; i < AI_ASK_LOOKS; i++) {
        if (mcpx_run_row(ex, details, args, 3, NULL, 0, authz[0] ? authz : NULL, NULL, NULL, 0,
                         res) != 0) {
            json_decref(*m);
            *m = NULL;
            return -1;
        }
        json_decref(*m);
        *m = json_incref(json_object_get(res->body, "message"));
        mcp_ires_clear(res);
        const char *st = json_string_value(json_object_get(*m, "state"));
        if (st && (strcmp(st, "complete") == 0 || strcmp(st, "errored") == 0 ||
                   strcmp(st, "needs_input") == 0))
            break;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* message-read: the message once it is final (or as it is after the wait). */
json_t *mcpx_ai_message_read(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char authz[1200];
    mcpx_call_authz(ex, authz, sizeof(authz));
    if (c->n_path < 3) {
        explicit_bzero(authz, sizeof(authz));
        return mcp_result_message("workspace_id, chat_id and message_id are required", true);
    }
    struct mcp_ires res;
    json_t *m = NULL;
    int rc = ai_wait(ex, c->path_args[0], c->path_args[1], c->path_args[2], authz, &m, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        return mcpx_api_fail(c, &res, s);
    }
    return mcpx_result_steal(c, "AI message", json_pack("{s:o}", "message", m), s);
}

json_t *mcpx_ai_ask(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c)
{
    char authz[1200];
    mcpx_call_authz(ex, authz, sizeof(authz));
    struct mcp_ires res;
    int rc = mcpx_run_call(ex, c, authz, &res);
    if (rc != 0) {
        explicit_bzero(authz, sizeof(authz));
        return mcpx_api_fail(c, &res, s);
    }
    char chat[64], msg[64];
    snprintf(chat, sizeof(chat), "%s", json_string_value(json_object_get(res.body, "chat_id")));
    snprintf(msg, sizeof(msg), "%s", json_string_value(json_object_get(res.body, "message_id")));
    mcp_ires_clear(&res);
    json_t *m = NULL;
    rc = ai_wait(ex, c->path_args[0], chat, msg, authz, &m, &res);
    explicit_bzero(authz, sizeof(authz));
    if (rc != 0) {
        json_decref(m);
        return mcpx_api_fail(c, &res, s);
    }
    /* the hosted server's ask shape (api §8.4) */
    json_t *o = json_pack("{s:O?, s:O?, s:O?, s:s, s:s}", "answer_text", json_object_get(m, "text"),
                          "citations", json_object_get(m, "citations"), "state",
                          json_object_get(m, "state"), "chat_id", chat, "message_id", msg);
    if (o && json_object_get(m, "clarification"))
        json_object_set(o, "clarification", json_object_get(m, "clarification"));
    if (o && json_object_get(m, "error_message"))
        json_object_set(o, "error_message", json_object_get(m, "error_message"));
    json_decref(m);
    return mcpx_result_steal(c, "AI answer", o, s);
}

/* ---- waiting actions (D-122): activity-poll and web-import on a live call ---------------- */

/* The call's row parameters with `wait` set to value (the router never parks an internal
 * request: D-066). */
static size_t params_with_wait(const struct mcp_call *c, struct fastio_param *out, size_t max,
                               const char *value)
{
    size_t n = 0;
    bool set = false;
    for (size_t i = 0; i < c->n_params && n < max; i++) {
        out[n] = c->params[i];
        if (strcmp(out[n].name, "wait") == 0) {
            out[n].value = value;
            set = true;
        }
        n++;
    }
    if (!set && n < max) {
        out[n].name = "wait";
        out[n].value = value;
        n++;
    }
    return n;
}

/* The call's `wait` argument (seconds, 0-max; absent = 0) into *wait; false when out of range. */
static bool wait_arg(const struct mcp_call *c, long long max, long long *wait)
{
    const char *w = mcp_call_arg(c, "wait");
    *wait = 0;
    return w == NULL || fio_parse_ll(w, 0, max, wait);
}

/* event activity-poll with wait > 0: ask at once; while nothing changed, wait (bounded) for the
 * activity hub to publish, reporting the seconds waited, and ask again after each publish. */
json_t *mcpx_event_poll(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                        const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    long long wait = 0;
    if (!wait_arg(c, POLL_WAIT_MAX, &wait))
        return mcp_result_message("wait must be 0-95 seconds", true);
    struct fastio_param params[MCP_CAT_MAX_PARAMS + 1];
    size_t np = params_with_wait(c, params, MCP_CAT_MAX_PARAMS + 1, "0");
    char authz[1200];
    mcpx_call_authz(ex, authz, sizeof(authz));
    struct prog pg = {ptok, emit, ectx, s, "activity-poll", 0, false};
    bool cursor = mcp_call_arg(c, "lastactivity") != NULL;
    int64_t start = fio_mono_us(), deadline = start + wait * 1000000LL;
    struct mcp_ires res;
    memset(&res, 0, sizeof(res));
    int rc = -1;
    bool ask = true;
    if (wait > 0 && ex->may_wait && cursor) {
        char line[160];
        snprintf(line, sizeof(line), "activity-poll: waiting up to %lld s for a change", wait);
        mcpx_prog_log(&pg, "info", line);
    }
    for (size_t guard = 0; guard < 100000; guard++) {
        uint64_t seen = activity_seq(ex->srv);
        if (ask) {
            mcp_ires_clear(&res);
            rc = mcpx_run_row(ex, c->row, c->path_args, c->n_path, params, np,
                              authz[0] ? authz : NULL, NULL, NULL, 0, &res);
            if (rc != 0 || json_array_size(json_object_get(res.body, "activity")) > 0)
                break;
        }
        int64_t now = fio_mono_us();
        if (!cursor || !ex->may_wait || wait == 0 || now >= deadline || mcp_stopping(ex->srv))
            break;
        int64_t slice = now + 1000000LL < deadline ? now + 1000000LL : deadline;
        ask = activity_wait_change(ex->srv, seen, slice);
        double waited = (double)(fio_mono_us() - start) / 1e6;
        mcpx_prog_at(&pg, waited, (double)wait, "waiting for activity");
    }
    explicit_bzero(authz, sizeof(authz));
    json_t *out;
    if (rc != 0) {
        out = mcpx_api_error(c, &res, s);
    } else {
        json_t *o = json_deep_copy(res.body);
        json_object_set_new(o, "waited_s", json_real((double)(fio_mono_us() - start) / 1e6));
        if (wait > 0 && !ex->may_wait)
            json_object_set_new(o, "_warnings",
                                json_pack("[s]", "answered without waiting: call with Accept: "
                                                 "text/event-stream or application/json on a "
                                                 "server with free live-call slots"));
        out = mcpx_result_steal(c, "event activity-poll", o, s);
    }
    mcp_ires_clear(&res);
    return out;
}

/* upload web-import with wait > 0: start the import, then follow it (details) until it ends or
 * the wait is over, reporting its bytes. */
json_t *mcpx_web_import(struct mcp_exec *ex, struct mcp_rpc_sess *s, const struct mcp_call *c,
                        const json_t *ptok, mcp_emit_fn emit, void *ectx)
{
    long long wait = 0;
    if (!wait_arg(c, IMPORT_WAIT_MAX, &wait))
        return mcp_result_message("wait must be 0-300 seconds", true);
    if (wait == 0 || !ex->may_wait)
        return mcpx_exec_row(ex, s, c, ptok, emit, ectx);
    char authz[1200];
    mcpx_call_authz(ex, authz, sizeof(authz));
    struct prog pg = {ptok, emit, ectx, s, "web-import", 0, false};
    mcpx_prog_at(&pg, 0, -1, "starting the import");
    struct mcp_ires res;
    int rc = mcpx_run_call(ex, c, authz, &res);
    if (rc != 0) {
        explicit_bzero(authz, sizeof(authz));
        return mcpx_api_fail(c, &res, s);
    }
    char id[128];
    const char *jid = json_string_value(json_object_get(res.body, "id"));
    fio_strlcpy(id, jid != NULL ? jid : "", sizeof(id));
    mcp_ires_clear(&res);
    char line[200];
    snprintf(line, sizeof(line), "web-import %s: started, waiting up to %lld s", id, wait);
    mcpx_prog_log(&pg, "info", line);
    const char *args[1] = {id};
    struct fio_buf path;
    fio_buf_init(&path, 0);
    mcpx_fill_path("/web_upload/{}/details/", args, 1, &path);
    int64_t start = fio_mono_us(), deadline = start + wait * 1000000LL;
    json_t *job = NULL;
    const char *status = "";
    for (size_t guard = 0; guard < 100000; guard++) {
        uint64_t seen = activity_seq(ex->srv);
        rc = mcp_internal(ex->srv, ex->client_ip, "GET", path.data != NULL ? path.data : "/", NULL,
                          NULL, NULL, NULL, 0, authz[0] ? authz : NULL, &res);
        if (rc != 0)
            break;
        json_decref(job);
        job = json_incref(json_object_get(res.body, "web_upload"));
        mcp_ires_clear(&res);
        struct mcp_import_view v;
        bool ended = mcp_import_view(job, &v);
        status = v.status;
        mcpx_prog_at(&pg, v.done, v.total, v.msg);
        if (ended)
            break;
        int64_t now = fio_mono_us();
        if (now >= deadline || mcp_stopping(ex->srv))
            break;
        /* an import publishes activity when it ends; between, look twice a second */
        (void)activity_wait_change(ex->srv, seen,
                                   now + 500000LL < deadline ? now + 500000LL : deadline);
    }
    fio_buf_release(&path);
    explicit_bzero(authz, sizeof(authz));
    json_t *out;
    if (rc != 0) {
        out = mcpx_api_error(c, &res, s);
    } else {
        json_t *o = json_pack("{s:s, s:O?, s:b, s:f}", "id", id, "web_upload", job, "finished",
                              mcp_import_ended(status),
                              "waited_s", (double)(fio_mono_us() - start) / 1e6);
        snprintf(line, sizeof(line), "web-import %s: %s", id, status);
        mcpx_prog_log(&pg, strcmp(status, "failed") == 0 ? "warning" : "info", line);
        out = mcpx_result_steal(c, "upload web-import", o, s);
    }
    json_decref(job);
    mcp_ires_clear(&res);
    return out;
}
