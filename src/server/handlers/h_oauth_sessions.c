/* h_oauth_sessions.c - the caller's OAuth sessions (api §2.5): list, details, rename, revoke one,
 * revoke all (optionally keeping the current one). A session is one completed authorization (a
 * device or agent login); its tokens hang off it, so deleting the row revokes them all. */
#include "handlers.h"

#include <string.h>

#include "name.h"
#include "oauth.h"

#define SESSION_COLS                                                                               \
    "s.id, s.client_id, s.scope, s.scope_type, s.device_name, s.device_type, s.agent_name, "     \
    "s.created, s.last_used, (SELECT MAX(t.expires) FROM oauth_tokens t WHERE t.session_id = "   \
    "s.id AND t.kind = 'refresh' AND t.rotated = 0)"

static json_t *nullable_text(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null()
                                                       : json_string(db_col_text(st, col));
}

static json_t *nullable_time(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null()
                                                       : srv_time_json(sqlite3_column_int64(st, col));
}

static json_t *session_json(struct req *r, sqlite3_stmt *st)
{
    const char *id = db_col_text(st, 0);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id", id,
                     "client_id", db_col_text(st, 1), "scope", db_col_text(st, 2), "scope_type",
                     db_col_text(st, 3), "device_name", nullable_text(st, 4), "device_type",
                     nullable_text(st, 5), "agent_name", nullable_text(st, 6), "created",
                     srv_time_json(sqlite3_column_int64(st, 7)), "last_used",
                     nullable_time(st, 8), "expires", nullable_time(st, 9), "current",
                     r->caller.via_oauth && strcmp(r->caller.oauth_session, id) == 0);
}

/* The caller's live session id (a live token remains), or NULL when not found. */
static json_t *load_session(struct req *r, const char *id)
{
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT " SESSION_COLS " FROM oauth_sessions s "
                                "WHERE s.id = ?1 AND s.user_id = ?2 AND EXISTS (SELECT 1 FROM "
                                "oauth_tokens t WHERE t.session_id = s.id AND t.rotated = 0 AND "
                                "t.expires > ?3)",
                                "tti", id, r->caller.user_id, srv_now_us());
    if (!st)
        return NULL;
    json_t *s = sqlite3_step(st) == SQLITE_ROW ? session_json(r, st) : NULL;
    sqlite3_reset(st);
    return s;
}

int h_oauth_sessions_list(struct req *r)
{
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT " SESSION_COLS " FROM oauth_sessions s "
                                "WHERE s.user_id = ?1 AND EXISTS (SELECT 1 FROM oauth_tokens t "
                                "WHERE t.session_id = s.id AND t.rotated = 0 AND t.expires > ?2) "
                                "ORDER BY s.created, s.id",
                                "ti", r->caller.user_id, srv_now_us());
    if (!st)
        return req_fail_internal(r, "list sessions");
    json_t *arr = json_array();
    int rc;
    bool oom = !arr;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !oom)
        oom = json_array_append_new(arr, session_json(r, st)) != 0;
    sqlite3_reset(st);
    if (oom) {
        json_decref(arr);
        return req_fail(r, 500, 0, "Out of memory");
    }
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return req_fail_internal(r, "list sessions step");
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
    int rc = SQLITE_DONE;
    if (dname)
        rc = db_exec(r->db, "UPDATE oauth_sessions SET device_name = ?1 WHERE id = ?2", "tt",
                     *dname ? dname : NULL, id);
    if (rc == SQLITE_DONE && agent)
        rc = db_exec(r->db, "UPDATE oauth_sessions SET agent_name = ?1 WHERE id = ?2", "tt",
                     *agent ? agent : NULL, id);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "rename session");
    s = load_session(r, id);
    return s ? req_set(r, "session", s) : req_fail_internal(r, "reload session");
}

int h_oauth_session_delete(struct req *r)
{
    int rc = db_exec(r->db, "DELETE FROM oauth_sessions WHERE id = ?1 AND user_id = ?2", "tt",
                     req_arg(r, 0), r->caller.user_id);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "revoke session");
    if (sqlite3_changes(r->db->db) == 0)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "OAuth session not found");
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
    int rc = db_exec(r->db, "DELETE FROM oauth_sessions WHERE user_id = ?1 AND id IS NOT ?2",
                     "tt", r->caller.user_id, keep);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "revoke sessions");
    return req_set(r, "revoked", json_integer(sqlite3_changes(r->db->db)));
}
