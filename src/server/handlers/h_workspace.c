/* h_workspace.c - workspaces (api §3.4): create in an org, the caller's workspaces, an org's
 * workspaces, details, update, delete, archive and unarchive. Owns the workspaces and
 * workspace_members tables. The router has resolved {org} / {ws} (by id or name), checked the
 * caller's role there and refused writes on archived workspaces (routes.def). */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "events.h"
#include "orgws.h"

/* ---- the workspace object -------------------------------------------------------------------- */

/* Columns every workspace query selects, in this order; column 10 is the caller's workspace
 * role or NULL. */
#define WS_COLS                                                                                    \
    "w.id, w.org_id, o.domain, w.name, w.folder_name, w.description, w.perm_join, "                \
    "w.perm_member_manage, w.intelligence, w.archived, m.role, w.created, w.updated, w.extra"

static const char *const ws_extra_keys[] = {"accent_color", "background_color1",
                                            "background_color2", "owner_defined", NULL};

static json_t *ws_render(sqlite3_stmt *st)
{
    /* There are no plans here: intelligence is always available (api §3.4 "Plan gate"). */
    json_t *w = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:o, s:{s:b}}", "id",
        db_col_text(st, 0), "org_id", db_col_text(st, 1), "org_domain", db_col_text(st, 2), "name",
        db_col_text(st, 3), "folder_name", db_col_text(st, 4), "description", db_col_text(st, 5),
        "perm_join", db_col_text(st, 6), "perm_member_manage", db_col_text(st, 7), "intelligence",
        sqlite3_column_int(st, 8) != 0, "archived", sqlite3_column_int(st, 9) != 0, "created",
        srv_time_json(sqlite3_column_int64(st, 11)), "updated",
        srv_time_json(sqlite3_column_int64(st, 12)), "capabilities", "can_use_intelligence", 1);
    json_t *extra = orgws_extra_parse(db_col_text(st, 13));
    if (!w || !extra ||
        json_object_set_new(w, "user_permission",
                            sqlite3_column_type(st, 10) == SQLITE_NULL
                                ? json_null()
                                : json_string(db_col_text(st, 10))) != 0) {
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
    sqlite3_stmt *st =
        db_query(r->db,
                 "SELECT " WS_COLS " FROM workspaces w JOIN orgs o ON o.id = w.org_id "
                 "LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = ?1 "
                 "WHERE w.id = ?2",
                 "tt", r->caller.user_id, id);
    if (!st)
        return req_fail_internal(r, "workspace query");
    int rc = sqlite3_step(st);
    json_t *w = rc == SQLITE_ROW ? ws_render(st) : NULL;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Workspace not found");
    if (rc != SQLITE_ROW)
        return req_fail_internal(r, "workspace step");
    return w ? req_set(r, "workspace", w) : req_fail(r, 500, 0, "Out of memory");
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
    sqlite3_stmt *st =
        db_query(r->db, "SELECT 1 FROM workspaces WHERE folder_name = ?1 AND id <> ?2", "tt",
                 folder, self_id);
    if (!st)
        return req_fail_internal(r, "folder_name lookup");
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return req_fail(r, 409, API_ERR_CONFLICT, "folder_name already in use");
    return rc == SQLITE_DONE ? 0 : req_fail_internal(r, "folder_name lookup step");
}

static int ws_write(struct req *r, const json_t *row, const char *id)
{
    char *extra = orgws_extra_dump(json_object_get(row, "extra"));
    if (!extra)
        return req_fail(r, 500, 0, "Out of memory");
    int rc = db_exec(r->db,
                     "UPDATE workspaces SET name = ?1, folder_name = ?2, description = ?3, "
                     "perm_join = ?4, perm_member_manage = ?5, intelligence = ?6, extra = ?7, "
                     "updated = ?8 WHERE id = ?9",
                     "tttttdtit", orgws_row_str(row, "name"), orgws_row_str(row, "folder_name"),
                     orgws_row_str(row, "description"), orgws_row_str(row, "perm_join"),
                     orgws_row_str(row, "perm_member_manage"),
                     json_is_true(json_object_get(row, "intelligence")) ? 1 : 0, extra,
                     srv_now_us(), id);
    free(extra);
    if (orgws_rc_unique(rc))
        return req_fail(r, 409, API_ERR_CONFLICT, "folder_name already in use");
    return rc == SQLITE_DONE ? 0 : req_fail_internal(r, "update workspace");
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
        folder_free(r, orgws_row_str(row, "folder_name"), "") != 0)
        goto done;
    extra = orgws_extra_dump(json_object_get(row, "extra"));
    if (!extra || !fio_profile_id_new(id)) {
        ret = req_fail_internal(r, "workspace id");
        goto done;
    }
    int64_t now = srv_now_us();
    int rc = db_exec(r->db,
                     "INSERT INTO workspaces(id, org_id, folder_name, name, description, "
                     "perm_join, perm_member_manage, intelligence, archived, extra, created, "
                     "updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?10)",
                     "tttttttdti", id, r->org.id, orgws_row_str(row, "folder_name"),
                     orgws_row_str(row, "name"), orgws_row_str(row, "description"),
                     orgws_row_str(row, "perm_join"), orgws_row_str(row, "perm_member_manage"),
                     json_is_true(json_object_get(row, "intelligence")) ? 1 : 0, extra, now);
    if (orgws_rc_unique(rc)) {
        ret = req_fail(r, 409, API_ERR_CONFLICT, "folder_name already in use");
        goto done;
    }
    /* The creator owns the workspace (api §3.4). */
    if (rc == SQLITE_DONE)
        rc = db_exec(r->db,
                     "INSERT INTO workspace_members(workspace_id, user_id, role, created) "
                     "VALUES (?1, ?2, 'owner', ?3)",
                     "tti", id, r->caller.user_id, now);
    if (rc != SQLITE_DONE) {
        ret = req_fail_internal(r, "insert workspace");
        goto done;
    }
    struct event_spec ev = {"workspace", "lifecycle", "workspace_created", r->org.id, id, NULL, id};
    if (events_add(r, &ev,
                   json_pack("{s:s}", "folder_name", orgws_row_str(row, "folder_name"))) != 0)
        goto done;
    ret = ws_reply(r, id);
done:
    free(extra);
    json_decref(row);
    return ret;
}

/* ---- lists ----------------------------------------------------------------------------------- */

/* The caller's workspaces, in open orgs, whatever the caller's org role. */
int h_ws_list(struct req *r)
{
    struct orgws_page pg;
    long long total;
    json_t *items;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    if (orgws_count(r,
                    db_query(r->db,
                             "SELECT COUNT(*) FROM workspaces w JOIN orgs o ON o.id = w.org_id "
                             "AND o.closed = 0 JOIN workspace_members m ON m.workspace_id = w.id "
                             "AND m.user_id = ?1",
                             "t", r->caller.user_id),
                    &total) != 0)
        return -1;
    if (orgws_collect(r,
                      db_query(r->db,
                               "SELECT " WS_COLS " FROM workspaces w JOIN orgs o ON o.id = "
                               "w.org_id AND o.closed = 0 JOIN workspace_members m ON "
                               "m.workspace_id = w.id AND m.user_id = ?1 "
                               "ORDER BY w.created, w.id LIMIT ?2 OFFSET ?3",
                               "tii", r->caller.user_id, (int64_t)pg.limit, (int64_t)pg.offset),
                      ws_render, &items) != 0)
        return -1;
    return orgws_page_reply(r, "workspaces", items, total, &pg);
}

/* An org's workspaces: the org's owner and admins see all of them (user_permission null where
 * they hold no workspace role); members see only those they belong to. */
int h_org_workspaces(struct req *r)
{
    struct orgws_page pg;
    long long total;
    json_t *items;
    int all = r->org.role >= ROLE_ADMIN;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    if (orgws_count(r,
                    db_query(r->db,
                             "SELECT COUNT(*) FROM workspaces w LEFT JOIN workspace_members m ON "
                             "m.workspace_id = w.id AND m.user_id = ?1 WHERE w.org_id = ?2 AND "
                             "(?3 OR m.role IS NOT NULL)",
                             "ttd", r->caller.user_id, r->org.id, all),
                    &total) != 0)
        return -1;
    if (orgws_collect(r,
                      db_query(r->db,
                               "SELECT " WS_COLS " FROM workspaces w JOIN orgs o ON o.id = "
                               "w.org_id LEFT JOIN workspace_members m ON m.workspace_id = w.id "
                               "AND m.user_id = ?1 WHERE w.org_id = ?2 AND (?3 OR m.role IS NOT "
                               "NULL) ORDER BY w.created, w.id LIMIT ?4 OFFSET ?5",
                               "ttdii", r->caller.user_id, r->org.id, all, (int64_t)pg.limit,
                               (int64_t)pg.offset),
                      ws_render, &items) != 0)
        return -1;
    return orgws_page_reply(r, "workspaces", items, total, &pg);
}

/* ---- details, update, delete, archive -------------------------------------------------------- */

int h_ws_details(struct req *r)
{
    return ws_reply(r, r->ws.id);
}

int h_ws_update(struct req *r)
{
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT name, folder_name, description, perm_join, "
                                "perm_member_manage, intelligence, extra FROM workspaces "
                                "WHERE id = ?1",
                                "t", r->ws.id);
    if (!st)
        return req_fail_internal(r, "workspace row");
    json_t *row = NULL;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "name", db_col_text(st, 0),
                        "folder_name", db_col_text(st, 1), "description", db_col_text(st, 2),
                        "perm_join", db_col_text(st, 3), "perm_member_manage", db_col_text(st, 4),
                        "intelligence", sqlite3_column_int(st, 5) != 0, "extra",
                        orgws_extra_parse(db_col_text(st, 6)));
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return req_fail_internal(r, "workspace row step");
    if (!row)
        return req_fail(r, 500, 0, "Out of memory");
    size_t known;
    int ret = -1;
    /* Only the rule keys are read: id, org_id, archived, created ... are never assignable. */
    if (orgws_apply(r, ws_fields, N_WS_FIELDS, row, false, &known) != 0)
        goto done;
    if (known == 0) {
        ret = req_fail(r, 400, API_ERR_INVALID,
                       "Nothing to update: send at least one of the workspace's fields");
        goto done;
    }
    if (strcmp(orgws_row_str(row, "folder_name"), r->ws.folder_name) != 0 &&
        folder_free(r, orgws_row_str(row, "folder_name"), r->ws.id) != 0)
        goto done;
    if (ws_write(r, row, r->ws.id) == 0 &&
        events_record(r, "workspace", "settings", "workspace_updated", r->ws.id, NULL) == 0)
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
    int rc = db_exec(r->db, "DELETE FROM workspaces WHERE id = ?1", "t", r->ws.id);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "delete workspace");
    if (blob_reclaim_prune(r) != 0) /* blobs unlinked after the commit (blob.h) */
        return -1;
    /* the workspace's members are gone with it: the org's owner and admins read this one */
    return events_record(r, "workspace", "lifecycle", "workspace_deleted", r->ws.id,
                         json_pack("{s:s}", "folder_name", r->ws.folder_name));
}

static int set_archived(struct req *r, int archived)
{
    int rc = db_exec(r->db, "UPDATE workspaces SET archived = ?1, updated = ?2 WHERE id = ?3",
                     "dit", archived, srv_now_us(), r->ws.id);
    if (rc != SQLITE_DONE)
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
