/* h_member.c - members of organizations and workspaces (api §3.2, §3.5): list (with pending
 * invitations), add (an account at once, an unknown email as an invitation), remove, update
 * role, details, leave and self-join. The router has resolved {org} / {ws}, checked the least
 * role and, for F_MEMBER_MANAGE rows, the entity's perm_member_manage (routes_members.def); the
 * rules on the target member (roles_may_change / roles_may_grant) are checked here. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events.h"
#include "member.h"
#include "name.h"
#include "orgws.h"
#include "roles.h"

/* ---- shared ---------------------------------------------------------------------------------- */

void ent_from_req(const struct req *r, struct ent *e)
{
    memset(e, 0, sizeof(*e));
    e->is_org = !r->ws.set;
    if (r->ws.set) {
        fio_strlcpy(e->id, r->ws.id, sizeof(e->id));
        fio_strlcpy(e->org_id, r->ws.org_id, sizeof(e->org_id));
        e->role = r->ws.role;
    } else {
        fio_strlcpy(e->id, r->org.id, sizeof(e->id));
        fio_strlcpy(e->org_id, r->org.id, sizeof(e->org_id));
        e->role = r->org.role;
    }
}

bool member_email_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || !at[1] || strchr(at + 1, '@') || !strchr(at, '.') ||
        s[n - 1] == '.' || at[1] == '.')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("\"(),:;<>[\\]/", *p))
            return false;
    return fio_utf8_valid(s, n) != 0;
}

/* Columns: user id, email, first, last, account_type, role, joined. */
static json_t *member_render(sqlite3_stmt *st)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", db_col_text(st, 0), "email",
                     db_col_text(st, 1), "first_name", db_col_text(st, 2), "last_name",
                     db_col_text(st, 3), "account_type", db_col_text(st, 4), "permissions",
                     db_col_text(st, 5), "status", "active", "created",
                     srv_time_json(sqlite3_column_int64(st, 6)));
}

int member_find(struct req *r, const struct ent *e, const char *who, json_t **out,
                enum role *role, char user_id[FIO_PROFILE_ID_SIZE])
{
    *out = NULL;
    *role = ROLE_NONE;
    sqlite3_stmt *st = db_query(
        r->db,
        ENT_SQL(e,
                "SELECT u.id, u.email, u.first_name, u.last_name, u.account_type, m.role, "
                "m.created FROM org_members m JOIN users u ON u.id = m.user_id "
                "WHERE m.org_id = ?1 AND (u.id = ?2 OR u.email = ?2)",
                "SELECT u.id, u.email, u.first_name, u.last_name, u.account_type, m.role, "
                "m.created FROM workspace_members m JOIN users u ON u.id = m.user_id "
                "WHERE m.workspace_id = ?1 AND (u.id = ?2 OR u.email = ?2)"),
        "tt", e->id, who);
    if (!st)
        return req_fail_internal(r, "member query");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *role = role_parse(db_col_text(st, 5));
        if (user_id)
            fio_strlcpy(user_id, db_col_text(st, 0), FIO_PROFILE_ID_SIZE);
        *out = member_render(st);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW && !*out)
        return req_fail(r, 500, 0, "Out of memory");
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : req_fail_internal(r, "member step");
}

int member_insert(struct req *r, const struct ent *e, const char *user_id, enum role role)
{
    int rc = db_exec(r->db,
                     ENT_SQL(e,
                             "INSERT INTO org_members(org_id, user_id, role, created) VALUES "
                             "(?1, ?2, ?3, ?4) ON CONFLICT(org_id, user_id) DO NOTHING",
                             "INSERT INTO workspace_members(workspace_id, user_id, role, created) "
                             "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(workspace_id, user_id) DO "
                             "NOTHING"),
                     "ttti", e->id, user_id, role_name(role), srv_now_us());
    return rc == SQLITE_DONE ? 0 : req_fail_internal(r, "insert member");
}

int member_event(struct req *r, const struct ent *e, const char *event, const char *user_id,
                 json_t *details)
{
    struct event_spec ev = {e->is_org ? "org" : "workspace", "members", event, e->org_id,
                            e->is_org ? NULL : e->id, user_id, user_id};
    return events_add(r, &ev, details);
}

/* Reply {"member": ...} for user_id. */
static int member_reply(struct req *r, const struct ent *e, const char *user_id)
{
    json_t *m;
    enum role role;
    if (member_find(r, e, user_id, &m, &role, NULL) != 0)
        return -1;
    if (!m)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Member not found");
    return req_set(r, "member", m);
}

/* ---- list ------------------------------------------------------------------------------------ */

/* Members first (then by join time), then pending invitations (api §3.2: users[] with status
 * active|pending; pending ones carry invite{id, created, expires}). */
static json_t *list_render(sqlite3_stmt *st)
{
    if (strcmp(db_col_text(st, 0), "active") == 0)
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", db_col_text(st, 1),
                         "email", db_col_text(st, 2), "first_name", db_col_text(st, 3),
                         "last_name", db_col_text(st, 4), "account_type", db_col_text(st, 5),
                         "permissions", db_col_text(st, 6), "status", "active", "created",
                         srv_time_json(sqlite3_column_int64(st, 7)));
    return json_pack("{s:n, s:s, s:s, s:s, s:{s:s, s:o, s:o}}", "id", "email", db_col_text(st, 2),
                     "permissions", db_col_text(st, 6), "status", "pending", "invite", "id",
                     db_col_text(st, 8), "created", srv_time_json(sqlite3_column_int64(st, 7)),
                     "expires", srv_time_json(sqlite3_column_int64(st, 9)));
}

static int members_list(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    struct orgws_page pg;
    long long total;
    json_t *items;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    if (orgws_count(r,
                    db_query(r->db,
                             ENT_SQL(&e,
                                     "SELECT (SELECT COUNT(*) FROM org_members WHERE org_id = ?1) "
                                     "+ (SELECT COUNT(*) FROM invitations WHERE entity_id = ?1 "
                                     "AND state = 'pending')",
                                     "SELECT (SELECT COUNT(*) FROM workspace_members WHERE "
                                     "workspace_id = ?1) + (SELECT COUNT(*) FROM invitations "
                                     "WHERE entity_id = ?1 AND state = 'pending')"),
                             "t", e.id),
                    &total) != 0)
        return -1;
    if (orgws_collect(
            r,
            db_query(r->db,
                     ENT_SQL(&e,
                             "SELECT 'active', u.id, u.email, u.first_name, u.last_name, "
                             "u.account_type, m.role, m.created, NULL, NULL FROM org_members m "
                             "JOIN users u ON u.id = m.user_id WHERE m.org_id = ?1 UNION ALL "
                             "SELECT 'pending', NULL, i.email, '', '', '', i.role, i.created, "
                             "i.id, i.expires FROM invitations i WHERE i.entity_id = ?1 AND "
                             "i.state = 'pending' ORDER BY 1, 8, 3 LIMIT ?2 OFFSET ?3",
                             "SELECT 'active', u.id, u.email, u.first_name, u.last_name, "
                             "u.account_type, m.role, m.created, NULL, NULL FROM "
                             "workspace_members m JOIN users u ON u.id = m.user_id WHERE "
                             "m.workspace_id = ?1 UNION ALL SELECT 'pending', NULL, i.email, '', "
                             "'', '', i.role, i.created, i.id, i.expires FROM invitations i WHERE "
                             "i.entity_id = ?1 AND i.state = 'pending' ORDER BY 1, 8, 3 LIMIT ?2 "
                             "OFFSET ?3"),
                     "tii", e.id, (int64_t)pg.limit, (int64_t)pg.offset),
            list_render, &items) != 0)
        return -1;
    return orgws_page_reply(r, "users", items, total, &pg);
}

int h_org_members_list(struct req *r)
{
    return members_list(r);
}

int h_ws_members_list(struct req *r)
{
    return members_list(r);
}

/* ---- add ------------------------------------------------------------------------------------- */

/* The role asked for by "permissions" (default member); 400 when it is not one the entity has. */
static int wanted_role(struct req *r, const struct ent *e, bool required, enum role *want)
{
    const char *p = required ? req_param_required(r, "permissions") : req_param(r, "permissions");
    if (!p) {
        if (required)
            return -1;
        p = "member";
    }
    *want = role_parse(p);
    if (*want == ROLE_NONE || *want == ROLE_OWNER || (e->is_org && *want == ROLE_GUEST))
        return req_fail_param(r, "permissions", "invalid", "'permissions' must be one of %s",
                              e->is_org ? "'admin', 'member'" : "'admin', 'member', 'guest'");
    if (!roles_may_grant(e->role, *want, e->is_org))
        return req_fail(r, 403, API_ERR_PERMISSION,
                        "Your role '%s' cannot grant the role '%s'", role_name(e->role),
                        role_name(*want));
    return 0;
}

/* api §3.2 / §3.5: POST /{entity}/{id}/members/{email_or_user_id}/ */
static int members_add(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    const char *who = req_arg(r, 1);
    enum role want;
    if (wanted_role(r, &e, false, &want) != 0)
        return -1;
    char uid[FIO_PROFILE_ID_SIZE] = "", email[256] = "";
    sqlite3_stmt *st =
        db_query(r->db, "SELECT id, email FROM users WHERE id = ?1 OR email = ?1", "t", who);
    if (!st)
        return req_fail_internal(r, "user lookup");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        fio_strlcpy(uid, db_col_text(st, 0), sizeof(uid));
        fio_strlcpy(email, db_col_text(st, 1), sizeof(email));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return req_fail_internal(r, "user lookup step");

    if (!uid[0]) {
        /* An unknown profile id is an error; an unknown email becomes an invitation. */
        if (fio_profile_id_valid(who, strlen(who)))
            return req_fail(r, 404, API_ERR_NOT_FOUND, "User not found");
        if (!member_email_ok(who))
            return req_fail_param(r, "email_or_user_id", "invalid",
                                  "Give a user id or a valid email address");
        json_t *inv;
        if (invite_create(r, &e, who, want, &inv) != 0)
            return -1;
        json_t *m = json_pack("{s:n, s:s, s:s, s:s, s:{s:O, s:O, s:O}}", "id", "email", who,
                              "permissions", role_name(want), "status", "pending", "invite", "id",
                              json_object_get(inv, "id"), "created",
                              json_object_get(inv, "created"), "expires",
                              json_object_get(inv, "expires"));
        if (!m) {
            json_decref(inv);
            return req_fail(r, 500, 0, "Out of memory");
        }
        if (req_set(r, "member", m) != 0) {
            json_decref(inv);
            return -1;
        }
        return req_set(r, "invitation", inv);
    }
    json_t *cur;
    enum role have;
    if (member_find(r, &e, uid, &cur, &have, NULL) != 0)
        return -1;
    json_decref(cur);
    if (have != ROLE_NONE)
        return req_fail(r, 409, API_ERR_CONFLICT, "The user is already a member (role '%s')",
                        role_name(have));
    if (member_insert(r, &e, uid, want) != 0 || invite_settle(r, &e, email, uid) != 0 ||
        member_event(r, &e, e.is_org ? "added_member_to_org" : "added_member_to_workspace", uid,
                     json_pack("{s:s}", "permissions", role_name(want))) != 0)
        return -1;
    return member_reply(r, &e, uid);
}

int h_org_members_add(struct req *r)
{
    return members_add(r);
}

int h_ws_members_add(struct req *r)
{
    return members_add(r);
}

/* ---- remove, update, details ----------------------------------------------------------------- */

/* The member named by path argument 1, which the caller may change (not an owner, not above the
 * caller's role). 404 when not a member. */
static int target_load(struct req *r, const struct ent *e, enum role *role,
                       char uid[FIO_PROFILE_ID_SIZE])
{
    json_t *m;
    if (member_find(r, e, req_arg(r, 1), &m, role, uid) != 0)
        return -1;
    json_decref(m);
    if (*role == ROLE_NONE)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Member not found");
    if (!roles_may_change(e->role, *role))
        return req_fail(r, 403, API_ERR_PERMISSION,
                        *role == ROLE_OWNER
                            ? "The owner cannot be changed or removed; transfer ownership first"
                            : "You cannot change a member whose role is above yours");
    return 0;
}

static int member_delete(struct req *r, const struct ent *e, const char *uid)
{
    int rc = db_exec(r->db,
                     ENT_SQL(e, "DELETE FROM org_members WHERE org_id = ?1 AND user_id = ?2",
                             "DELETE FROM workspace_members WHERE workspace_id = ?1 AND user_id "
                             "= ?2"),
                     "tt", e->id, uid);
    return rc == SQLITE_DONE ? 0 : req_fail_internal(r, "delete member");
}

/* api §3.5: DELETE /{entity}/{id}/members/{member_id}/ (an email with a pending invitation
 * withdraws the invitation). */
static int members_remove(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    json_t *m;
    enum role role;
    char uid[FIO_PROFILE_ID_SIZE];
    if (member_find(r, &e, req_arg(r, 1), &m, &role, uid) != 0)
        return -1;
    json_decref(m);
    if (role == ROLE_NONE) {
        sqlite3_stmt *st = db_query(r->db,
                                    "SELECT id FROM invitations WHERE entity_id = ?1 AND email = "
                                    "?2 AND state = 'pending'",
                                    "tt", e.id, req_arg(r, 1));
        char inv[FIO_OPAQUE_ID_SIZE] = "";
        if (st && sqlite3_step(st) == SQLITE_ROW)
            fio_strlcpy(inv, db_col_text(st, 0), sizeof(inv));
        if (st)
            sqlite3_reset(st);
        if (!inv[0])
            return req_fail(r, 404, API_ERR_NOT_FOUND, "Member not found");
        if (db_exec(r->db, "DELETE FROM invitations WHERE id = ?1", "t", inv) != SQLITE_DONE)
            return req_fail_internal(r, "delete invitation");
        struct event_spec ev = {"invitation", "invitations", "invitation_deleted", e.org_id,
                                e.is_org ? NULL : e.id, NULL, inv};
        return events_add(r, &ev, json_pack("{s:s}", "email", req_arg(r, 1)));
    }
    if (target_load(r, &e, &role, uid) != 0 || member_delete(r, &e, uid) != 0)
        return -1;
    return member_event(r, &e, e.is_org ? "removed_member_from_org" : "removed_member_from_workspace",
                        uid, json_pack("{s:s}", "permissions", role_name(role)));
}

int h_org_members_remove(struct req *r)
{
    return members_remove(r);
}

int h_ws_members_remove(struct req *r)
{
    return members_remove(r);
}

/* api §3.5: POST /{entity}/{id}/member/{member_id}/update/ form permissions (not owner) */
static int member_update(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    enum role role, want;
    char uid[FIO_PROFILE_ID_SIZE];
    if (target_load(r, &e, &role, uid) != 0 || wanted_role(r, &e, true, &want) != 0)
        return -1;
    if (want != role) {
        int rc = db_exec(r->db,
                         ENT_SQL(&e,
                                 "UPDATE org_members SET role = ?3 WHERE org_id = ?1 AND user_id "
                                 "= ?2",
                                 "UPDATE workspace_members SET role = ?3 WHERE workspace_id = ?1 "
                                 "AND user_id = ?2"),
                         "ttt", e.id, uid, role_name(want));
        if (rc != SQLITE_DONE)
            return req_fail_internal(r, "update member");
        if (member_event(r, &e, e.is_org ? "org_member_role_changed"
                                         : "workspace_member_role_changed",
                         uid, json_pack("{s:s, s:s}", "from", role_name(role), "to",
                                        role_name(want))) != 0)
            return -1;
    }
    return member_reply(r, &e, uid);
}

int h_org_member_update(struct req *r)
{
    return member_update(r);
}

int h_ws_member_update(struct req *r)
{
    return member_update(r);
}

static int member_details(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    return member_reply(r, &e, req_arg(r, 1));
}

int h_org_member_details(struct req *r)
{
    return member_details(r);
}

int h_ws_member_details(struct req *r)
{
    return member_details(r);
}

/* ---- leave and join -------------------------------------------------------------------------- */

/* api §3.5: DELETE /{entity}/{id}/member/ - the owner cannot leave (transfer ownership first). */
static int member_leave(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    if (e.role == ROLE_OWNER)
        return req_fail(r, 403, API_ERR_PERMISSION,
                        "The owner cannot leave; transfer ownership first");
    if (member_delete(r, &e, r->caller.user_id) != 0)
        return -1;
    return member_event(r, &e, e.is_org ? "member_left_org" : "member_left_workspace",
                        r->caller.user_id, NULL);
}

int h_org_member_leave(struct req *r)
{
    return member_leave(r);
}

int h_ws_member_leave(struct req *r)
{
    return member_leave(r);
}

/* api §3.4 perm_join: POST /workspace/{ws}/members/join/. The router let non-members through
 * (F_NONMEMBER); someone outside the workspace's org gets the router's own "not a member"
 * answer, so the route reveals nothing more than any other workspace route. */
int h_ws_members_join(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    if (e.role != ROLE_NONE)
        return member_reply(r, &e, r->caller.user_id); /* already a member: idempotent */
    enum role org_role = roles_org_role(r->st, e.org_id, r->caller.user_id);
    if (org_role == ROLE_NONE)
        return req_fail(r, 403, API_ERR_NOT_MEMBER, "You are not a member of this workspace");
    char perm[40] = "";
    sqlite3_stmt *st = db_query(r->db, "SELECT perm_join FROM workspaces WHERE id = ?1", "t", e.id);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        fio_strlcpy(perm, db_col_text(st, 0), sizeof(perm));
    if (st)
        sqlite3_reset(st);
    if (!roles_may_join(org_role, perm))
        return req_fail(r, 403, API_ERR_PERMISSION, "Joining this workspace is limited to: %s",
                        perm[0] ? perm : "Only Org Owners");
    if (member_insert(r, &e, r->caller.user_id, ROLE_MEMBER) != 0 ||
        member_event(r, &e, "member_joined_workspace", r->caller.user_id,
                     json_pack("{s:s}", "permissions", "member")) != 0)
        return -1;
    return member_reply(r, &e, r->caller.user_id);
}

/* Whether `domain` (the caller's, after the '@') is one of the org's authorized domains. The
 * org update field perm_auth_domains is stored as a string in orgs.extra (OW_LINE): domains
 * separated by commas, semicolons or white space, each optionally written "@example.com". A
 * JSON array of strings is accepted as well. Exact match, ASCII case-insensitive; subdomains
 * are not included. */
static bool domain_listed(const char *list, const char *domain)
{
    size_t dl = strlen(domain);
    const char *p = list;
    for (size_t guard = 0; *p && guard < 1000; guard++) {
        while (*p && strchr(", ;\t\r\n", *p))
            p++;
        const char *start = p;
        while (*p && !strchr(", ;\t\r\n", *p))
            p++;
        size_t l = (size_t)(p - start);
        if (l && *start == '@') {
            start++;
            l--;
        }
        if (l && l == dl && strncasecmp(start, domain, l) == 0)
            return true;
    }
    return false;
}

static int org_domain_authorized(struct req *r, const char *org_id, const char *email, bool *ok)
{
    *ok = false;
    const char *at = strrchr(email, '@');
    if (!at || !at[1])
        return 0;
    sqlite3_stmt *st = db_query(r->db, "SELECT extra FROM orgs WHERE id = ?1", "t", org_id);
    if (!st)
        return req_fail_internal(r, "org extra query");
    int rc = sqlite3_step(st);
    json_t *extra = rc == SQLITE_ROW ? orgws_extra_parse(db_col_text(st, 0)) : NULL;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return req_fail_internal(r, "org extra step");
    json_t *v = json_object_get(extra, "perm_auth_domains");
    if (json_is_string(v)) {
        *ok = domain_listed(json_string_value(v), at + 1);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *d;
        json_array_foreach(v, i, d)
        {
            if (json_is_string(d) && domain_listed(json_string_value(d), at + 1))
                *ok = true;
        }
    }
    json_decref(extra);
    return 0;
}

/* api §3.2: POST /org/{org}/members/join/ is self-join through the org's authorized email
 * domains (perm_auth_domains): a caller whose email domain is listed joins as "member"; anyone
 * else gets 403. A member gets the membership back (200, idempotent). docs/decisions.md. */
int h_org_members_join(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    if (e.role != ROLE_NONE)
        return member_reply(r, &e, r->caller.user_id); /* already a member: idempotent */
    bool authorized = false;
    if (org_domain_authorized(r, e.id, r->caller.email, &authorized) != 0)
        return -1;
    if (!authorized)
        return req_fail(r, 403, API_ERR_RESTRICTED,
                        "You are not a member of this organization and your email domain is not "
                        "authorized to join it; ask for an invitation");
    if (member_insert(r, &e, r->caller.user_id, ROLE_MEMBER) != 0 ||
        member_event(r, &e, "member_joined_org", r->caller.user_id,
                     json_pack("{s:s, s:s}", "permissions", "member", "via", "auth_domain")) != 0)
        return -1;
    return member_reply(r, &e, r->caller.user_id);
}
