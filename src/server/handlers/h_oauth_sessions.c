/* SPDX-License-Identifier: MIT */
/* h_oauth_sessions.c - the caller's OAuth sessions (api §2.5): list, details, rename, revoke one,
 * revoke all (optionally keeping the current one). A session is one completed authorization (a
 * device or agent login); its tokens hang off it, so deleting the row revokes them all. */
#include "handlers.h"

#include <string.h>

#include "name.h"
#include "oauth.h"
#include "rows.h"
#include "store_oauth.h"

/* The wire object of a store session row (store_oauth.h). */
static json_t *session_json(struct req *r, const json_t *row)
{
    const char *id = row_str(row, "id");
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id", id,
                     "client_id", row_str(row, "client_id"), "scope",
                     row_str(row, "scope"), "scope_type", row_str(row, "scope_type"),
                     "device_name", row_str_or_null(row, "device_name"), "device_type",
                     row_str_or_null(row, "device_type"), "agent_name",
                     row_str_or_null(row, "agent_name"), "created",
                     row_time(row, "created"), "last_used",
                     row_time_or_null(row, "last_used"), "expires",
                     row_time_or_null(row, "expires"),
                     "current", r->caller.via_oauth && strcmp(r->caller.oauth_session, id) == 0);
}

/* The caller's live session id (a live token remains), or NULL when not found. */
static json_t *load_session(struct req *r, const char *id)
{
    json_t *row = NULL;
    if (STORE(r->st, oauth)->session_row(r->st, id, r->caller.user_id, srv_now_us(), &row) !=
        STORE_OK)
        return NULL;
    json_t *s = session_json(r, row);
    json_decref(row);
    return s;
}

int h_oauth_sessions_list(struct req *r)
{
    json_t *rows = NULL;
    if (STORE(r->st, oauth)->session_list(r->st, r->caller.user_id, srv_now_us(), &rows) !=
        STORE_OK)
        return req_fail_internal(r, "list sessions");
    json_t *arr = json_array();
    bool oom = !arr;
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (!oom)
            oom = json_array_append_new(arr, session_json(r, row)) != 0;
    }
    json_decref(rows);
    if (oom) {
        json_decref(arr);
        return req_fail(r, 500, 0, "Out of memory");
    }
    if (req_set(r, "results", json_integer((json_int_t)json_array_size(arr))))
        return -1;
    return req_set(r, "sessions", arr);
}

int h_oauth_session_get(struct req *r)
{
    json_t *s = load_session(r, req_arg(r, 0));
    if (!s)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "OAuth session not found");
    return req_set(r, "session", s);
}

/* PATCH: device_name / agent_name, form; "" clears (api §2.5). */
int h_oauth_session_update(struct req *r)
{
    const char *id = req_arg(r, 0);
    json_t *s = load_session(r, id);
    if (!s)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "OAuth session not found");
    json_decref(s);
    const char *dname = req_param(r, "device_name");
    const char *agent = req_param(r, "agent_name");
    if (!dname && !agent)
        return req_fail_param(r, "device_name", "missing",
                              "Give device_name and/or agent_name (\"\" clears)");
    static const char *const names[] = {"device_name", "agent_name"};
    const char *vals[] = {dname, agent};
    for (size_t i = 0; i < 2; i++) {
        const char *v = vals[i];
        if (!v)
            continue;
        size_t n = strlen(v);
        bool ok = n <= 100 && fio_utf8_valid(v, n);
        for (const char *p = v; ok && *p; p++)
            ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
        if (!ok)
            return req_fail_param(r, names[i], "invalid",
                                  "%s is limited to 100 bytes of text without control characters",
                                  names[i]);
    }
    if (STORE(r->st, oauth)->session_rename(r->st, id, dname != NULL, dname, agent != NULL,
                                            agent) != STORE_OK)
        return req_fail_internal(r, "rename session");
    s = load_session(r, id);
    return s ? req_set(r, "session", s) : req_fail_internal(r, "reload session");
}

int h_oauth_session_delete(struct req *r)
{
    enum store_rc rc =
        STORE(r->st, oauth)->session_delete_own(r->st, req_arg(r, 0), r->caller.user_id);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "OAuth session not found");
    if (rc != STORE_OK)
        return req_fail_internal(r, "revoke session");
    return 0;
}

/* DELETE /oauth/sessions/?exclude_current=true&current_session_id=ID (api §2.5). Without
 * current_session_id, "current" is the OAuth session of the caller's token, if any. */
int h_oauth_sessions_delete_all(struct req *r)
{
    bool exclude;
    if (!req_param_bool(r, "exclude_current", false, &exclude))
        return -1;
    const char *keep = NULL;
    if (exclude) {
        keep = req_param(r, "current_session_id");
        if (!keep || !*keep)
            keep = r->caller.via_oauth ? r->caller.oauth_session : NULL;
        if (!keep)
            return req_fail_param(r, "current_session_id", "missing",
                                  "exclude_current=true needs current_session_id (or an OAuth "
                                  "access token)");
    }
    long long n = 0;
    if (STORE(r->st, oauth)->session_delete_all(r->st, r->caller.user_id, keep, &n) != STORE_OK)
        return req_fail_internal(r, "revoke sessions");
    return req_set(r, "revoked", json_integer((json_int_t)n));
}
