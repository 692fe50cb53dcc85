/* h_org.c - organizations (api §3.2): the caller's orgs (member and external), create, details,
 * update and close. Owns the orgs and org_members tables. The router has already resolved {org}
 * (by id or domain, open orgs only) and checked the caller's org role (routes.def), so these
 * handlers validate input and read or write their own rows only. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "orgws.h"

/* ---- the org object -------------------------------------------------------------------------- */

/* Columns every org query selects, in this order; column 13 is the caller's org role or NULL. */
#define ORG_COLS                                                                                   \
    "o.id, o.domain, o.name, o.description, o.industry, o.billing_email, o.homepage, "             \
    "o.perm_member_manage, o.owner_id, o.created, o.updated, o.extra, o.closed"

static const char *const org_extra_keys[] = {"accent_color",
                                             "background_color",
                                             "background_mode",
                                             "use_background",
                                             "facebook",
                                             "twitter",
                                             "instagram",
                                             "youtube",
                                             "perm_auth_domains",
                                             "owner_defined",
                                             NULL};

/* Keys only org members see: someone who reaches the org through a workspace alone (the
 * external list) gets the org's identity and branding, not its billing contact or settings. */
static const char *const org_member_keys[] = {"billing_email", "perm_auth_domains", "owner_defined",
                                              NULL};

static json_t *org_render(sqlite3_stmt *st)
{
    bool member = sqlite3_column_type(st, 13) != SQLITE_NULL;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:o}", "id",
        db_col_text(st, 0), "domain", db_col_text(st, 1), "name", db_col_text(st, 2), "description",
        db_col_text(st, 3), "industry", db_col_text(st, 4), "billing_email", db_col_text(st, 5),
        "homepage", db_col_text(st, 6), "perm_member_manage", db_col_text(st, 7), "owner_id",
        db_col_text(st, 8), "member", member, "closed", sqlite3_column_int(st, 12) != 0, "created",
        srv_time_json(sqlite3_column_int64(st, 9)), "updated",
        srv_time_json(sqlite3_column_int64(st, 10)));
    json_t *extra = orgws_extra_parse(db_col_text(st, 11));
    if (!o || !extra) {
        json_decref(o);
        json_decref(extra);
        return NULL;
    }
    if (json_object_set_new(o, "user_permission",
                            member ? json_string(db_col_text(st, 13)) : json_null()) != 0) {
        json_decref(o);
        json_decref(extra);
        return NULL;
    }
    orgws_extra_copy(o, extra, org_extra_keys);
    json_decref(extra);
    if (!member)
        for (const char *const *k = org_member_keys; *k; k++)
            json_object_del(o, *k);
    return o;
}

/* Set "org" to the org `id` as the caller sees it. */
static int org_reply(struct req *r, const char *id)
{
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT " ORG_COLS ", m.role FROM orgs o "
                                "LEFT JOIN org_members m ON m.org_id = o.id AND m.user_id = ?1 "
                                "WHERE o.id = ?2",
                                "tt", r->caller.user_id, id);
    if (!st)
        return req_fail_internal(r, "org query");
    int rc = sqlite3_step(st);
    json_t *o = rc == SQLITE_ROW ? org_render(st) : NULL;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Organization not found");
    if (rc != SQLITE_ROW)
        return req_fail_internal(r, "org step");
    return o ? req_set(r, "org", o) : req_fail(r, 500, 0, "Out of memory");
}

/* ---- field rules (api §3.2) ------------------------------------------------------------------ */

static const char *const perm_member_manage_choices[] = {"Member or above", "Admin or above",
                                                         "Owner only", NULL};

/* key, store, check, min, max, choices, clear_to, clear_copy, flags */
static const struct orgws_field org_fields[] = {
    {"domain", OW_COLUMN, OW_SLUG, ORGWS_SLUG_MIN, ORGWS_SLUG_MAX, NULL, NULL, NULL, OW_ON_CREATE},
    {"name", OW_COLUMN, OW_LINE, 3, 100, NULL, NULL, "domain", OW_ON_CREATE},
    {"description", OW_COLUMN, OW_MULTILINE, 10, 1000, NULL, "", NULL, OW_ON_CREATE},
    {"industry", OW_COLUMN, OW_LINE, 1, 100, NULL, "", NULL, OW_ON_CREATE},
    {"billing_email", OW_COLUMN, OW_EMAIL, 3, 254, NULL, "", NULL, OW_ON_CREATE},
    {"homepage", OW_COLUMN, OW_URL, 8, 1000, NULL, "", NULL, 0},
    {"perm_member_manage", OW_COLUMN, OW_CHOICE, 0, 0, perm_member_manage_choices, "Admin or above",
     NULL, 0},
    {"accent_color", OW_EXTRA, OW_JSON_OBJECT, 0, 1024, NULL, NULL, NULL, 0},
    {"background_color", OW_EXTRA, OW_JSON_OBJECT, 0, 1024, NULL, NULL, NULL, 0},
    {"background_mode", OW_EXTRA, OW_LINE, 1, 50, NULL, NULL, NULL, 0},
    {"use_background", OW_EXTRA, OW_BOOL, 0, 0, NULL, NULL, NULL, 0},
    {"facebook", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"twitter", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"instagram", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"youtube", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"perm_auth_domains", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"owner_defined", OW_EXTRA, OW_JSON_OBJECT, 0, 16384, NULL, NULL, NULL, 0},
};
#define N_ORG_FIELDS (sizeof(org_fields) / sizeof(org_fields[0]))

/* 409 when another org (any, closed ones included: a closed org's domain stays reserved so old
 * links never lead to a newcomer) already has the domain. */
static int domain_free(struct req *r, const char *domain, const char *self_id)
{
    sqlite3_stmt *st =
        db_query(r->db, "SELECT 1 FROM orgs WHERE domain = ?1 AND id <> ?2", "tt", domain, self_id);
    if (!st)
        return req_fail_internal(r, "domain lookup");
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return req_fail(r, 409, API_ERR_CONFLICT, "domain already in use");
    return rc == SQLITE_DONE ? 0 : req_fail_internal(r, "domain lookup step");
}

/* ---- lists ----------------------------------------------------------------------------------- */

int h_org_list(struct req *r)
{
    struct orgws_page pg;
    long long total;
    json_t *items;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    if (orgws_count(r,
                    db_query(r->db,
                             "SELECT COUNT(*) FROM orgs o JOIN org_members m ON m.org_id = o.id "
                             "AND m.user_id = ?1 WHERE o.closed = 0",
                             "t", r->caller.user_id),
                    &total) != 0)
        return -1;
    if (orgws_collect(r,
                      db_query(r->db,
                               "SELECT " ORG_COLS ", m.role FROM orgs o JOIN org_members m ON "
                               "m.org_id = o.id AND m.user_id = ?1 WHERE o.closed = 0 "
                               "ORDER BY o.created, o.id LIMIT ?2 OFFSET ?3",
                               "tii", r->caller.user_id, (int64_t)pg.limit, (int64_t)pg.offset),
                      org_render, &items) != 0)
        return -1;
    return orgws_page_reply(r, "orgs", items, total, &pg);
}

/* Orgs the caller is not a member of but holds a workspace membership in (api §3.2 "always call
 * both"). The role column is NULL, so they render with member:false, user_permission:null. */
int h_org_list_external(struct req *r)
{
    struct orgws_page pg;
    long long total;
    json_t *items;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    if (orgws_count(r,
                    db_query(r->db,
                             "SELECT COUNT(*) FROM orgs o WHERE o.closed = 0 AND NOT EXISTS "
                             "(SELECT 1 FROM org_members m WHERE m.org_id = o.id AND m.user_id = "
                             "?1) AND EXISTS (SELECT 1 FROM workspaces w JOIN workspace_members "
                             "wm ON wm.workspace_id = w.id WHERE w.org_id = o.id AND wm.user_id "
                             "= ?1)",
                             "t", r->caller.user_id),
                    &total) != 0)
        return -1;
    if (orgws_collect(r,
                      db_query(r->db,
                               "SELECT " ORG_COLS ", NULL FROM orgs o WHERE o.closed = 0 AND NOT "
                               "EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = o.id AND "
                               "m.user_id = ?1) AND EXISTS (SELECT 1 FROM workspaces w JOIN "
                               "workspace_members wm ON wm.workspace_id = w.id WHERE w.org_id = "
                               "o.id AND wm.user_id = ?1) ORDER BY o.created, o.id "
                               "LIMIT ?2 OFFSET ?3",
                               "tii", r->caller.user_id, (int64_t)pg.limit, (int64_t)pg.offset),
                      org_render, &items) != 0)
        return -1;
    return orgws_page_reply(r, "orgs", items, total, &pg);
}

/* ---- create, details, update, close ---------------------------------------------------------- */

/* A row object holding the columns the update engine may change (plus "extra"). */
static json_t *org_row_new(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "domain", "", "name", "",
                     "description", "", "industry", "", "billing_email", "", "homepage", "",
                     "perm_member_manage", "Admin or above", "extra", json_object());
}

int h_org_create(struct req *r)
{
    const char *domain;
    if (orgws_param(r, "domain", &domain) != 0)
        return -1;
    if (!domain || !*domain)
        return req_fail_param(r, "domain", "missing", "The parameter 'domain' is required");
    json_t *row = org_row_new();
    if (!row)
        return req_fail(r, 500, 0, "Out of memory");
    size_t known;
    int ret = -1;
    char *extra = NULL;
    if (orgws_apply(r, org_fields, N_ORG_FIELDS, row, true, &known) != 0)
        goto done;
    /* name defaults to the domain (api §3.2 lists it as optional). */
    if (!*orgws_row_str(row, "name") &&
        json_object_set_new(row, "name", json_string(orgws_row_str(row, "domain"))) != 0) {
        ret = req_fail(r, 500, 0, "Out of memory");
        goto done;
    }
    if (domain_free(r, orgws_row_str(row, "domain"), "") != 0)
        goto done;
    char id[FIO_PROFILE_ID_SIZE];
    extra = orgws_extra_dump(json_object_get(row, "extra"));
    if (!extra || !fio_profile_id_new(id)) {
        ret = req_fail_internal(r, "org id");
        goto done;
    }
    int64_t now = srv_now_us();
    int rc = db_exec(r->db,
                     "INSERT INTO orgs(id, domain, name, description, industry, billing_email, "
                     "homepage, perm_member_manage, extra, owner_id, closed, created, updated) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?11)",
                     "tttttttttti", id, orgws_row_str(row, "domain"), orgws_row_str(row, "name"),
                     orgws_row_str(row, "description"), orgws_row_str(row, "industry"),
                     orgws_row_str(row, "billing_email"), orgws_row_str(row, "homepage"),
                     orgws_row_str(row, "perm_member_manage"), extra, r->caller.user_id, now);
    if (orgws_rc_unique(rc)) {
        ret = req_fail(r, 409, API_ERR_CONFLICT, "domain already in use");
        goto done;
    }
    if (rc == SQLITE_DONE)
        rc = db_exec(r->db,
                     "INSERT INTO org_members(org_id, user_id, role, created) "
                     "VALUES (?1, ?2, 'owner', ?3)",
                     "tti", id, r->caller.user_id, now);
    if (rc != SQLITE_DONE) {
        ret = req_fail_internal(r, "insert org");
        goto done;
    }
    struct event_spec ev = {"org", "lifecycle", "org_created", id, NULL, NULL, id};
    if (events_add(r, &ev, json_pack("{s:s}", "domain", orgws_row_str(row, "domain"))) != 0)
        goto done;
    ret = org_reply(r, id);
done:
    free(extra);
    json_decref(row);
    return ret;
}

int h_org_details(struct req *r)
{
    return org_reply(r, r->org.id);
}

int h_org_update(struct req *r)
{
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT domain, name, description, industry, billing_email, "
                                "homepage, perm_member_manage, extra FROM orgs WHERE id = ?1",
                                "t", r->org.id);
    if (!st)
        return req_fail_internal(r, "org row");
    json_t *row = NULL;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "domain", db_col_text(st, 0),
                        "name", db_col_text(st, 1), "description", db_col_text(st, 2), "industry",
                        db_col_text(st, 3), "billing_email", db_col_text(st, 4), "homepage",
                        db_col_text(st, 5), "perm_member_manage", db_col_text(st, 6), "extra",
                        orgws_extra_parse(db_col_text(st, 7)));
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return req_fail_internal(r, "org row step");
    if (!row)
        return req_fail(r, 500, 0, "Out of memory");

    size_t known;
    int ret = -1;
    char *extra = NULL;
    /* Only the rule keys are read: id, owner_id, closed, created ... are never assignable. */
    if (orgws_apply(r, org_fields, N_ORG_FIELDS, row, false, &known) != 0)
        goto done;
    if (known == 0) {
        ret = req_fail(r, 400, API_ERR_INVALID,
                       "Nothing to update: send at least one of the organization's fields");
        goto done;
    }
    if (strcmp(orgws_row_str(row, "domain"), r->org.domain) != 0 &&
        domain_free(r, orgws_row_str(row, "domain"), r->org.id) != 0)
        goto done;
    extra = orgws_extra_dump(json_object_get(row, "extra"));
    if (!extra) {
        ret = req_fail(r, 500, 0, "Out of memory");
        goto done;
    }
    int rc = db_exec(r->db,
                     "UPDATE orgs SET domain = ?1, name = ?2, description = ?3, industry = ?4, "
                     "billing_email = ?5, homepage = ?6, perm_member_manage = ?7, extra = ?8, "
                     "updated = ?9 WHERE id = ?10",
                     "ttttttttit", orgws_row_str(row, "domain"), orgws_row_str(row, "name"),
                     orgws_row_str(row, "description"), orgws_row_str(row, "industry"),
                     orgws_row_str(row, "billing_email"), orgws_row_str(row, "homepage"),
                     orgws_row_str(row, "perm_member_manage"), extra, srv_now_us(), r->org.id);
    if (orgws_rc_unique(rc))
        ret = req_fail(r, 409, API_ERR_CONFLICT, "domain already in use");
    else if (rc != SQLITE_DONE)
        ret = req_fail_internal(r, "update org");
    else if (events_record(r, "org", "settings", "org_updated", r->org.id, NULL) == 0)
        ret = org_reply(r, r->org.id);
done:
    free(extra);
    json_decref(row);
    return ret;
}

/* Closing is a soft delete: the row stays (its domain stays reserved), but the router resolves
 * only open orgs, so from now on the org and its workspaces are "not found" for everyone. */
int h_org_close(struct req *r)
{
    const char *confirm;
    if (orgws_param(r, "confirm", &confirm) != 0)
        return -1;
    if (!confirm || !*confirm)
        return req_fail_param(
            r, "confirm", "missing",
            "The parameter 'confirm' is required: the organization's domain or id");
    if (strcmp(confirm, r->org.domain) != 0 && strcmp(confirm, r->org.id) != 0)
        return req_fail_param(r, "confirm", "invalid",
                              "'confirm' must equal the organization's domain or id");
    int rc = db_exec(r->db, "UPDATE orgs SET closed = 1, updated = ?1 WHERE id = ?2", "it",
                     srv_now_us(), r->org.id);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "close org");
    return events_record(r, "org", "lifecycle", "org_closed", r->org.id, NULL);
}
