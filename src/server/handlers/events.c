/* events.c - the audit log (api §9.4): events_add / events_record for handlers, and
 * GET /events/search/, GET /event/{id}/details/, POST /event/{id}/ack/. Owns the events table.
 * Reading rights are checked here, not by the router, because the scope comes from query
 * parameters: a scope the caller may not read answers the same 403 whether it exists or not. */
#include "events.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "handlers.h"
#include "orgws.h"
#include "roles.h"

#define EVENTS_LIMIT_MAX 250

/* The activity keys of an event (api §9.5), noted on the request and published by the router
 * after the commit (activity.h): storage changes -> "storage" and "storage:{node}" on the
 * workspace; member, invitation and ownership changes -> "members" on the workspace, else the
 * org. Other events (settings, lifecycle) have no key in the contract. */
static int activity_keys(struct req *r, const struct event_spec *e)
{
    const char *sub = e->subcategory ? e->subcategory : "";
    if (e->workspace_id && (strcmp(sub, "storage") == 0 || strcmp(e->category, "node") == 0)) {
        char key[ACTIVITY_KEY_MAX];
        if (activity_note(r, e->workspace_id, "storage") != 0)
            return -1;
        int w = e->object_id ? snprintf(key, sizeof(key), "storage:%s", e->object_id) : -1;
        if (w > 0 && (size_t)w < sizeof(key) && activity_note(r, e->workspace_id, key) != 0)
            return -1;
        return 0;
    }
    if (strcmp(sub, "members") == 0 || strcmp(sub, "transfer") == 0 ||
        strcmp(e->category, "invitation") == 0)
        return activity_note(r, e->workspace_id ? e->workspace_id : e->org_id, "members");
    return 0;
}

int events_add(struct req *r, const struct event_spec *e, json_t *details)
{
    char id[FIO_OPAQUE_ID_SIZE];
    char *text = NULL;
    int ret = -1;
    if (details && !json_is_object(details)) {
        ret = req_fail_internal(r, "event details must be an object");
        goto done;
    }
    text = details ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : fio_strdup("{}");
    if (!text || !fio_opaque_id_new(FIO_ID_GENERAL, id)) {
        ret = req_fail_internal(r, "event record");
        goto done;
    }
    int rc = db_exec(r->db,
                     "INSERT INTO events(id, seq, created, category, subcategory, event, org_id, "
                     "workspace_id, user_id, calling_user_id, object_id, details) VALUES (?1, "
                     "(SELECT COALESCE(MAX(seq), 0) + 1 FROM events), ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                     "?9, ?10, ?11)",
                     "tittttttttt", id, srv_now_us(), e->category,
                     e->subcategory ? e->subcategory : "", e->event, e->org_id, e->workspace_id,
                     e->user_id, r->caller.authed ? r->caller.user_id : NULL, e->object_id, text);
    ret = rc == SQLITE_DONE ? 0 : req_fail_internal(r, "insert event");
    if (ret == 0)
        ret = activity_keys(r, e);
done:
    free(text);
    json_decref(details);
    return ret;
}

int events_record(struct req *r, const char *category, const char *subcategory, const char *event,
                  const char *object_id, json_t *details)
{
    struct event_spec e = {category, subcategory, event, NULL, NULL, NULL, object_id};
    if (r->ws.set) {
        e.workspace_id = r->ws.id;
        e.org_id = r->ws.org_id;
    } else if (r->org.set) {
        e.org_id = r->org.id;
    }
    return events_add(r, &e, details);
}

/* ---- reading ------------------------------------------------------------------------------- */

#define EVENT_COLS                                                                                 \
    "id, created, category, subcategory, event, org_id, workspace_id, user_id, calling_user_id, " \
    "object_id, details, acknowledged"

static json_t *nullable(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null()
                                                       : json_string(db_col_text(st, col));
}

static json_t *event_render(sqlite3_stmt *st)
{
    json_t *details = json_loads(db_col_text(st, 10), 0, NULL);
    if (!details)
        details = json_object();
    return json_pack("{s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id",
                     db_col_text(st, 0), "created", srv_time_json(sqlite3_column_int64(st, 1)),
                     "category", db_col_text(st, 2), "subcategory", db_col_text(st, 3), "event",
                     db_col_text(st, 4), "org_id", nullable(st, 5), "workspace_id",
                     nullable(st, 6), "user_id", nullable(st, 7), "calling_user_id",
                     nullable(st, 8), "object_id", nullable(st, 9), "details", details,
                     "acknowledged", sqlite3_column_int(st, 11) != 0);
}

/* "YYYY-MM-DD HH:MM:SS" with an optional " UTC", or "YYYY-MM-DD", into wall microseconds. */
static bool parse_time(const char *s, int64_t *us)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!end) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!end || (*end && strcmp(end, " UTC") != 0))
        return false;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *us = (int64_t)t * 1000000;
    return true;
}

/* May the caller read events of this scope? Unknown ids answer like foreign ones. */
static bool may_read_ws(struct req *r, const char *ws_id)
{
    return roles_ws_role(r->st, ws_id, r->caller.user_id) >= ROLE_MEMBER;
}

static bool may_read_org(struct req *r, const char *org_id)
{
    return roles_org_role(r->st, org_id, r->caller.user_id) >= ROLE_ADMIN;
}

/* api §9.4: GET /events/search/ */
int h_event_search(struct req *r)
{
    const char *ws = req_param(r, "workspace_id"), *org = req_param(r, "org_id"),
               *user = req_param(r, "user_id");
    if (req_param(r, "share_id") || req_param(r, "parent_event_id"))
        return req_fail(r, 400, API_ERR_INVALID,
                        "Shares and parent events are not supported by this server; search by "
                        "workspace_id, org_id or user_id");
    if (!ws && !org && !user)
        return req_fail_param(r, "workspace_id", "missing",
                              "One of workspace_id, org_id or user_id is required");
    if (ws && !may_read_ws(r, ws))
        return req_fail(r, 403, API_ERR_PERMISSION,
                        "You may not read the events of this workspace");
    if (org && !may_read_org(r, org))
        return req_fail(r, 403, API_ERR_PERMISSION,
                        "Reading an organization's events needs the role 'admin' or above");
    if (user && strcmp(user, r->caller.user_id) != 0)
        return req_fail(r, 403, API_ERR_PERMISSION, "You may read only your own user events");

    const char *ack_s = NULL;
    bool ack = false;
    if (req_param(r, "acknowledged")) {
        if (!req_param_bool(r, "acknowledged", false, &ack))
            return -1;
        ack_s = ack ? "1" : "0";
    }
    char min_s[24] = "", max_s[24] = "";
    const char *names[2] = {"created-min", "created-max"};
    char *outs[2] = {min_s, max_s};
    for (int i = 0; i < 2; i++) {
        const char *v = req_param(r, names[i]);
        int64_t us;
        if (!v)
            continue;
        if (!parse_time(v, &us))
            return req_fail_param(r, names[i], "invalid",
                                  "'%s' must be a time like 2025-01-19 00:00:00 UTC", names[i]);
        (void)snprintf(outs[i], 24, "%lld", (long long)us);
    }
    long long limit, offset;
    if (!req_param_int(r, "limit", 1, EVENTS_LIMIT_MAX, 100, &limit) ||
        !req_param_int(r, "offset", 0, 1000000000, 0, &offset))
        return -1;

#define EVENT_WHERE                                                                                \
    " FROM events WHERE (?1 IS NULL OR workspace_id = ?1) AND (?2 IS NULL OR org_id = ?2) AND "    \
    "(?3 IS NULL OR user_id = ?3 OR calling_user_id = ?3) AND (?4 IS NULL OR event = ?4) AND "     \
    "(?5 IS NULL OR category = ?5) AND (?6 IS NULL OR subcategory = ?6) AND (?7 IS NULL OR "       \
    "calling_user_id = ?7) AND (?8 IS NULL OR object_id = ?8) AND (?9 IS NULL OR acknowledged = "  \
    "CAST(?9 AS INTEGER)) AND (?10 IS NULL OR created >= CAST(?10 AS INTEGER)) AND (?11 IS NULL "  \
    "OR created <= CAST(?11 AS INTEGER))"
    const char *ev = req_param(r, "event"), *cat = req_param(r, "category"),
               *sub = req_param(r, "subcategory"), *calling = req_param(r, "calling_user_id"),
               *obj = req_param(r, "object_id");
    const char *mn = min_s[0] ? min_s : NULL, *mx = max_s[0] ? max_s : NULL;
    long long total;
    json_t *items;
    if (orgws_count(r,
                    db_query(r->db, "SELECT COUNT(*)" EVENT_WHERE, "ttttttttttt", ws, org, user,
                             ev, cat, sub, calling, obj, ack_s, mn, mx),
                    &total) != 0)
        return -1;
    if (orgws_collect(r,
                      db_query(r->db,
                               "SELECT " EVENT_COLS EVENT_WHERE
                               " ORDER BY seq DESC LIMIT ?12 OFFSET ?13",
                               "tttttttttttii", ws, org, user, ev, cat, sub, calling, obj, ack_s,
                               mn, mx, (int64_t)limit, (int64_t)offset),
                      event_render, &items) != 0)
        return -1;
#undef EVENT_WHERE
    struct orgws_page pg = {limit, offset};
    return orgws_page_reply(r, "events", items, total, &pg);
}

/* The event {id} (path argument 0) when the caller may read it; 404 otherwise. */
static int event_load(struct req *r, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *st =
        db_query(r->db, "SELECT " EVENT_COLS " FROM events WHERE id = ?1", "t", req_arg(r, 0));
    if (!st)
        return req_fail_internal(r, "event query");
    int rc = sqlite3_step(st);
    json_t *e = NULL;
    bool ok = false;
    if (rc == SQLITE_ROW) {
        char org[FIO_PROFILE_ID_SIZE], ws[FIO_PROFILE_ID_SIZE];
        bool has_org = sqlite3_column_type(st, 5) != SQLITE_NULL;
        bool has_ws = sqlite3_column_type(st, 6) != SQLITE_NULL;
        fio_strlcpy(org, db_col_text(st, 5), sizeof(org));
        fio_strlcpy(ws, db_col_text(st, 6), sizeof(ws));
        ok = strcmp(db_col_text(st, 7), r->caller.user_id) == 0 ||
             strcmp(db_col_text(st, 8), r->caller.user_id) == 0;
        e = event_render(st);
        sqlite3_reset(st);
        if (!ok && has_ws)
            ok = may_read_ws(r, ws);
        if (!ok && has_org)
            ok = may_read_org(r, org);
    } else {
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return req_fail_internal(r, "event step");
    }
    if (!ok) {
        json_decref(e);
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Event not found");
    }
    if (!e)
        return req_fail(r, 500, 0, "Out of memory");
    *out = e;
    return 0;
}

/* api §9.4: GET /event/{id}/details/ */
int h_event_details(struct req *r)
{
    json_t *e;
    if (event_load(r, &e) != 0)
        return -1;
    return req_set(r, "event", e);
}

/* api §9.4: POST /event/{id}/ack/ (the form's event_id, when sent, must name the same event) */
int h_event_ack(struct req *r)
{
    const char *form_id = req_param(r, "event_id");
    if (form_id && strcmp(form_id, req_arg(r, 0)) != 0)
        return req_fail_param(r, "event_id", "invalid", "'event_id' must match the path");
    json_t *e;
    if (event_load(r, &e) != 0)
        return -1;
    json_decref(e);
    if (db_exec(r->db, "UPDATE events SET acknowledged = 1 WHERE id = ?1", "t", req_arg(r, 0)) !=
        SQLITE_DONE)
        return req_fail_internal(r, "ack event");
    if (event_load(r, &e) != 0)
        return -1;
    return req_set(r, "event", e);
}
