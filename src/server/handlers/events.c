/* SPDX-License-Identifier: MIT */
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
#include "store_event.h"

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
    struct store_event_new row = {
        .id = id,
        .created = srv_now_us(),
        .category = e->category,
        .subcategory = e->subcategory ? e->subcategory : "",
        .event = e->event,
        .org_id = e->org_id,
        .workspace_id = e->workspace_id,
        .user_id = e->user_id,
        .calling_user_id = r->caller.authed ? r->caller.user_id : NULL,
        .object_id = e->object_id,
        .details = text,
    };
    ret = STORE(r->st, event)->insert(r->st, &row) == STORE_OK
              ? 0
              : req_fail_internal(r, "insert event");
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

/* The wire object of a store event row (store_event.h). */
static json_t *event_render(const json_t *row)
{
    json_t *details = json_loads(row_str(row, "details"), 0, NULL);
    if (!details)
        details = json_object();
    return json_pack("{s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id",
                     row_str(row, "id"), "created", row_time(row, "created"),
                     "category", row_str(row, "category"), "subcategory",
                     row_str(row, "subcategory"), "event", row_str(row, "event"),
                     "org_id", row_str_or_null(row, "org_id"), "workspace_id",
                     row_str_or_null(row, "workspace_id"), "user_id",
                     row_str_or_null(row, "user_id"), "calling_user_id",
                     row_str_or_null(row, "calling_user_id"), "object_id",
                     row_str_or_null(row, "object_id"), "details", details, "acknowledged",
                     row_int(row, "acknowledged") != 0);
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

    struct store_event_filter f = {
        .workspace_id = ws,
        .org_id = org,
        .user_id = user,
        .event = req_param(r, "event"),
        .category = req_param(r, "category"),
        .subcategory = req_param(r, "subcategory"),
        .calling_user_id = req_param(r, "calling_user_id"),
        .object_id = req_param(r, "object_id"),
    };
    if (req_param(r, "acknowledged")) {
        if (!req_param_bool(r, "acknowledged", false, &f.ack))
            return -1;
        f.has_ack = true;
    }
    const char *names[2] = {"created-min", "created-max"};
    bool *has[2] = {&f.has_min, &f.has_max};
    int64_t *outs[2] = {&f.min, &f.max};
    for (int i = 0; i < 2; i++) {
        const char *v = req_param(r, names[i]);
        if (!v)
            continue;
        if (!parse_time(v, outs[i]))
            return req_fail_param(r, names[i], "invalid",
                                  "'%s' must be a time like 2025-01-19 00:00:00 UTC", names[i]);
        *has[i] = true;
    }
    long long limit, offset;
    if (!req_param_int(r, "limit", 1, EVENTS_LIMIT_MAX, 100, &limit) ||
        !req_param_int(r, "offset", 0, 1000000000, 0, &offset))
        return -1;

    long long total;
    json_t *rows = NULL, *items = NULL;
    if (STORE(r->st, event)->count(r->st, &f, &total) != STORE_OK)
        return req_fail_internal(r, "count events");
    if (STORE(r->st, event)->list(r->st, &f, limit, offset, &rows) != STORE_OK)
        return req_fail_internal(r, "list events");
    int ret = rows_render(r, rows, event_render, &items);
    json_decref(rows);
    if (ret != 0)
        return -1;
    struct orgws_page pg = {limit, offset};
    return orgws_page_reply(r, "events", items, total, &pg);
}

/* The event {id} (path argument 0) when the caller may read it; 404 otherwise. */
static int event_load(struct req *r, json_t **out)
{
    *out = NULL;
    json_t *row = NULL, *e = NULL;
    bool ok = false;
    enum store_rc rc = STORE(r->st, event)->get(r->st, req_arg(r, 0), &row);
    if (rc == STORE_OK) {
        const char *org = json_string_value(json_object_get(row, "org_id"));
        const char *ws = json_string_value(json_object_get(row, "workspace_id"));
        ok = strcmp(row_str(row, "user_id"), r->caller.user_id) == 0 ||
             strcmp(row_str(row, "calling_user_id"), r->caller.user_id) == 0;
        if (!ok && ws)
            ok = may_read_ws(r, ws);
        if (!ok && org)
            ok = may_read_org(r, org);
        e = event_render(row);
        json_decref(row);
    } else if (rc != STORE_NOT_FOUND) {
        return req_fail_internal(r, "event query");
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
    if (STORE(r->st, event)->ack(r->st, req_arg(r, 0)) != STORE_OK)
        return req_fail_internal(r, "ack event");
    if (event_load(r, &e) != 0)
        return -1;
    return req_set(r, "event", e);
}
