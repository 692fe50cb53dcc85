/* SPDX-License-Identifier: MIT */
/* h_workspace.c - workspaces (api §3.4): create in an org, the caller's workspaces, an org's
 * workspaces, details, update, delete, archive and unarchive. Owns the workspaces and
 * workspace_members tables. The router has resolved {org} / {ws} (by id or name), checked the
 * caller's role there and refused writes on archived workspaces (routes.def). */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "blob.h"
#include "events.h"
#include "orgws.h"
#include "store_workspace.h"

/* ---- the workspace object -------------------------------------------------------------------- */

static const char *const ws_extra_keys[] = {"accent_color", "background_color1",
                                            "background_color2", "owner_defined", NULL};

/* The wire object of a store workspace row (store_workspace.h). */
static json_t *ws_render(const json_t *row)
{
    /* There are no plans here: intelligence is always available (api §3.4 "Plan gate"). */
    json_t *w = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:o, s:{s:b}}", "id",
        row_str(row, "id"), "org_id", row_str(row, "org_id"), "org_domain",
        row_str(row, "domain"), "name", row_str(row, "name"), "folder_name",
        row_str(row, "folder_name"), "description", row_str(row, "description"),
        "perm_join", row_str(row, "perm_join"), "perm_member_manage",
        row_str(row, "perm_member_manage"), "intelligence",
        row_int(row, "intelligence") != 0, "archived", row_int(row, "archived") != 0,
        "created", row_time(row, "created"), "updated", row_time(row, "updated"),
        "capabilities", "can_use_intelligence", 1);
    json_t *extra = orgws_extra_parse(row_str(row, "extra"));
    if (!w || !extra ||
        json_object_set_new(w, "user_permission", row_str_or_null(row, "role")) != 0) {
        json_decref(w);
        json_decref(extra);
        return NULL;
    }
    orgws_extra_copy(w, extra, ws_extra_keys);
    json_decref(extra);
    return w;
}

/* Set "workspace" to the workspace `id` as the caller sees it. */
static int ws_reply(struct req *r, const char *id)
{
    json_t *row = NULL;
    enum store_rc rc = STORE(r->st, workspace)->row(r->st, id, r->caller.user_id, &row);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Workspace not found");
    if (rc != STORE_OK)
        return req_fail_internal(r, "workspace query");
    json_t *w = ws_render(row);
    json_decref(row);
    return w ? req_set(r, "workspace", w) : req_fail(r, 500, 0, "Out of memory");
}

/* The settable columns of row (a row object after orgws_apply) and its dumped extra. */
static struct store_ws_fields ws_fields_of(const json_t *row, const char *extra)
{
    struct store_ws_fields f = {
        .name = row_str(row, "name"),
        .folder_name = row_str(row, "folder_name"),
        .description = row_str(row, "description"),
        .perm_join = row_str(row, "perm_join"),
        .perm_member_manage = row_str(row, "perm_member_manage"),
        .extra = extra,
        .intelligence = json_is_true(json_object_get(row, "intelligence")),
    };
    return f;
}

/* ---- field rules (api §3.4) ------------------------------------------------------------------ */

static const char *const perm_join_choices[] = {"Member or above", "Admin or above",
                                                "Only Org Owners", NULL};
static const char *const perm_member_manage_choices[] = {"Member or above", "Admin or above", NULL};

/* key, store, check, min, max, choices, clear_to, clear_copy, flags. "null" clears the
 * permission phrases to the official CLI's defaults (api §3.4) and intelligence to off; name
 * and folder_name cannot be cleared. */
static const struct orgws_field ws_fields[] = {
    {"name", OW_COLUMN, OW_LINE, 1, 100, NULL, NULL, NULL, OW_ON_CREATE},
    {"folder_name", OW_COLUMN, OW_SLUG, ORGWS_SLUG_MIN, ORGWS_SLUG_MAX, NULL, NULL, NULL,
     OW_ON_CREATE},
    {"description", OW_COLUMN, OW_MULTILINE, 0, 1000, NULL, "", NULL, OW_ON_CREATE},
    {"intelligence", OW_COLUMN, OW_BOOL, 0, 0, NULL, "false", NULL, OW_ON_CREATE},
    {"perm_join", OW_COLUMN, OW_CHOICE, 0, 0, perm_join_choices, "Member or above", NULL,
     OW_ON_CREATE},
    {"perm_member_manage", OW_COLUMN, OW_CHOICE, 0, 0, perm_member_manage_choices, "Admin or above",
     NULL, OW_ON_CREATE},
    {"accent_color", OW_EXTRA, OW_JSON_OBJECT, 0, 1024, NULL, NULL, NULL, OW_ON_CREATE},
    {"background_color1", OW_EXTRA, OW_JSON_OBJECT, 0, 1024, NULL, NULL, NULL, OW_ON_CREATE},
    {"background_color2", OW_EXTRA, OW_JSON_OBJECT, 0, 1024, NULL, NULL, NULL, OW_ON_CREATE},
    {"owner_defined", OW_EXTRA, OW_JSON_OBJECT, 0, 16384, NULL, NULL, NULL, 0},
};
#define N_WS_FIELDS (sizeof(ws_fields) / sizeof(ws_fields[0]))

/* 409 when another workspace already has the folder_name. Names are global (they are path
 * aliases, api §1.1), and those of workspaces in closed orgs stay reserved. */
static int folder_free(struct req *r, const char *folder, const char *self_id)
{
    bool taken = false;
    if (STORE(r->st, workspace)->folder_taken(r->st, folder, self_id, &taken) != STORE_OK)
        return req_fail_internal(r, "folder_name lookup");
    return taken ? req_fail(r, 409, API_ERR_CONFLICT, "folder_name already in use") : 0;
}

static int ws_write(struct req *r, const json_t *row, const char *id)
{
    char *extra = orgws_extra_dump(json_object_get(row, "extra"));
    if (!extra)
        return req_fail(r, 500, 0, "Out of memory");
    struct store_ws_fields f = ws_fields_of(row, extra);
    enum store_rc rc = STORE(r->st, workspace)->update(r->st, id, &f, srv_now_us());
    free(extra);
    if (rc == STORE_EXISTS)
        return req_fail(r, 409, API_ERR_CONFLICT, "folder_name already in use");
    return rc == STORE_OK ? 0 : req_fail_internal(r, "update workspace");
}

/* ---- create ---------------------------------------------------------------------------------- */

/* api §3.4: all five are required, with no server defaults. Every missing one is listed. */
static const char *const ws_required[] = {"name", "folder_name", "perm_join", "perm_member_manage",
                                          "intelligence"};
#define N_WS_REQUIRED (sizeof(ws_required) / sizeof(ws_required[0]))

static int check_required(struct req *r)
{
    const char *missing[N_WS_REQUIRED];
    size_t n = 0;
    for (size_t i = 0; i < N_WS_REQUIRED; i++) {
        const char *v;
        if (orgws_param(r, ws_required[i], &v) != 0)
            return -1;
        if (!v || orgws_is_clear(v))
            missing[n++] = ws_required[i];
    }
    if (n == 0)
        return 0;
    req_fail_param(r, missing[0], "missing", "The parameter '%s' is required", missing[0]);
    for (size_t i = 1; i < n && json_is_array(r->err.params); i++) {
        char msg[96];
        (void)snprintf(msg, sizeof(msg), "The parameter '%s' is required", missing[i]);
        json_array_append_new(r->err.params,
                              json_pack("{s:s, s:s, s:s, s:i}", "name", missing[i], "kind",
                                        "missing", "message", msg, "code", API_ERR_FIELD_MISSING));
    }
    if (n > 1) {
        size_t len = (size_t)snprintf(r->err.text, sizeof(r->err.text),
                                      "Missing required parameters: %s", missing[0]);
        for (size_t i = 1; i < n && len < sizeof(r->err.text); i++) {
            int w = snprintf(r->err.text + len, sizeof(r->err.text) - len, ", %s", missing[i]);
            if (w < 0)
                break;
            len += (size_t)w;
        }
    }
    return -1;
}

int h_ws_create(struct req *r)
{
    if (check_required(r) != 0)
        return -1;
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "name", "", "folder_name", "",
                            "description", "", "perm_join", "", "perm_member_manage", "",
                            "intelligence", 0, "extra", json_object());
    if (!row)
        return req_fail(r, 500, 0, "Out of memory");
    size_t known;
    int ret = -1;
    char *extra = NULL;
    char id[FIO_PROFILE_ID_SIZE];
    if (orgws_apply(r, ws_fields, N_WS_FIELDS, row, true, &known) != 0 ||
        folder_free(r, row_str(row, "folder_name"), "") != 0)
        goto done;
    extra = orgws_extra_dump(json_object_get(row, "extra"));
    if (!extra || !fio_profile_id_new(id)) {
        ret = req_fail_internal(r, "workspace id");
        goto done;
    }
    /* The creator owns the workspace (api §3.4). */
    struct store_ws_fields f = ws_fields_of(row, extra);
    enum store_rc rc =
        STORE(r->st, workspace)->insert(r->st, id, r->org.id, &f, r->caller.user_id, srv_now_us());
    if (rc == STORE_EXISTS) {
        ret = req_fail(r, 409, API_ERR_CONFLICT, "folder_name already in use");
        goto done;
    }
    if (rc != STORE_OK) {
        ret = req_fail_internal(r, "insert workspace");
        goto done;
    }
    struct event_spec ev = {"workspace", "lifecycle", "workspace_created", r->org.id, id, NULL, id};
    if (events_add(r, &ev,
                   json_pack("{s:s}", "folder_name", row_str(row, "folder_name"))) != 0)
        goto done;
    ret = ws_reply(r, id);
done:
    free(extra);
    json_decref(row);
    return ret;
}

/* ---- lists ----------------------------------------------------------------------------------- */

/* Reply one page: the count and rows the store gave (counted first), rendered by ws_render. */
static int ws_page(struct req *r, const struct orgws_page *pg, enum store_rc count_rc,
                   long long total, enum store_rc list_rc, json_t *rows)
{
    json_t *items = NULL;
    int ret;
    if (count_rc != STORE_OK)
        ret = req_fail_internal(r, "count workspaces");
    else if (list_rc != STORE_OK)
        ret = req_fail_internal(r, "list workspaces");
    else
        ret = rows_render(r, rows, ws_render, &items);
    json_decref(rows);
    return ret == 0 ? orgws_page_reply(r, "workspaces", items, total, pg) : -1;
}

/* The caller's workspaces, in open orgs, whatever the caller's org role. */
int h_ws_list(struct req *r)
{
    const struct store_workspace_ops *w = STORE(r->st, workspace);
    struct orgws_page pg;
    long long total = 0;
    json_t *rows = NULL;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    enum store_rc crc = w->count_joined(r->st, r->caller.user_id, &total);
    enum store_rc lrc = crc != STORE_OK ? crc
                                        : w->list_joined(r->st, r->caller.user_id, pg.limit,
                                                         pg.offset, &rows);
    return ws_page(r, &pg, crc, total, lrc, rows);
}

/* An org's workspaces: the org's owner and admins see all of them (user_permission null where
 * they hold no workspace role); members see only those they belong to. */
int h_org_workspaces(struct req *r)
{
    const struct store_workspace_ops *w = STORE(r->st, workspace);
    struct orgws_page pg;
    long long total = 0;
    json_t *rows = NULL;
    bool all = r->org.role >= ROLE_ADMIN;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    enum store_rc crc = w->count_in_org(r->st, r->org.id, r->caller.user_id, all, &total);
    enum store_rc lrc = crc != STORE_OK ? crc
                                        : w->list_in_org(r->st, r->org.id, r->caller.user_id, all,
                                                         pg.limit, pg.offset, &rows);
    return ws_page(r, &pg, crc, total, lrc, rows);
}

/* ---- details, update, delete, archive -------------------------------------------------------- */

int h_ws_details(struct req *r)
{
    return ws_reply(r, r->ws.id);
}

int h_ws_update(struct req *r)
{
    json_t *row = NULL;
    if (STORE(r->st, workspace)->settings(r->st, r->ws.id, &row) != STORE_OK)
        return req_fail_internal(r, "workspace row");
    /* The update engine works on "extra" as an object and on "intelligence" as a boolean. */
    if (json_object_set_new(row, "extra", orgws_extra_parse(row_str(row, "extra"))) != 0 ||
        json_object_set_new(row, "intelligence",
                            json_boolean(row_int(row, "intelligence") != 0)) != 0) {
        json_decref(row);
        return req_fail(r, 500, 0, "Out of memory");
    }
    size_t known;
    int ret = -1;
    bool was_on = json_is_true(json_object_get(row, "intelligence"));
    /* Only the rule keys are read: id, org_id, archived, created ... are never assignable. */
    if (orgws_apply(r, ws_fields, N_WS_FIELDS, row, false, &known) != 0)
        goto done;
    if (known == 0) {
        ret = req_fail(r, 400, API_ERR_INVALID,
                       "Nothing to update: send at least one of the workspace's fields");
        goto done;
    }
    if (strcmp(row_str(row, "folder_name"), r->ws.folder_name) != 0 &&
        folder_free(r, row_str(row, "folder_name"), r->ws.id) != 0)
        goto done;
    /* Intelligence switched: every node's ai state changes, and the indexer hears of it through
     * the workspace's "storage" key (intel/indexer.h: off flushes the index, on indexes again). */
    bool now_on = json_is_true(json_object_get(row, "intelligence"));
    if (ws_write(r, row, r->ws.id) == 0 &&
        events_record(r, "workspace", "settings", "workspace_updated", r->ws.id, NULL) == 0 &&
        (was_on == now_on || activity_note(r, r->ws.id, "storage") == 0))
        ret = ws_reply(r, r->ws.id);
done:
    json_decref(row);
    return ret;
}

/* Deleting removes the row; members and nodes go with it (ON DELETE CASCADE). */
int h_ws_delete(struct req *r)
{
    const char *confirm;
    if (orgws_param(r, "confirm", &confirm) != 0)
        return -1;
    if (!confirm || !*confirm)
        return req_fail_param(r, "confirm", "missing",
                              "The parameter 'confirm' is required: the workspace's folder_name "
                              "or id");
    if (strcmp(confirm, r->ws.folder_name) != 0 && strcmp(confirm, r->ws.id) != 0)
        return req_fail_param(r, "confirm", "invalid",
                              "'confirm' must equal the workspace's folder_name or id");
    if (blob_reclaim_collect(r, BLOB_RECLAIM_WORKSPACE, NULL) != 0)
        return -1;
    if (STORE(r->st, workspace)->remove(r->st, r->ws.id) != STORE_OK)
        return req_fail_internal(r, "delete workspace");
    if (blob_reclaim_prune(r) != 0) /* blobs unlinked after the commit (blob.h) */
        return -1;
    /* the workspace's members are gone with it: the org's owner and admins read this one */
    return events_record(r, "workspace", "lifecycle", "workspace_deleted", r->ws.id,
                         json_pack("{s:s}", "folder_name", r->ws.folder_name));
}

static int set_archived(struct req *r, int archived)
{
    if (STORE(r->st, workspace)->set_archived(r->st, r->ws.id, archived != 0, srv_now_us()) !=
        STORE_OK)
        return req_fail_internal(r, "archive workspace");
    if (events_record(r, "workspace", "lifecycle",
                      archived ? "workspace_archived" : "workspace_unarchived", r->ws.id,
                      NULL) != 0)
        return -1;
    return ws_reply(r, r->ws.id);
}

/* The router refuses archive on an already archived workspace (it is read-only then); unarchive
 * of an active one is a no-op that still answers the workspace. */
int h_ws_archive(struct req *r)
{
    return set_archived(r, 1);
}

int h_ws_unarchive(struct req *r)
{
    return set_archived(r, 0);
}
