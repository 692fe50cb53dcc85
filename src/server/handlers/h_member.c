/* SPDX-License-Identifier: MIT */
/* h_member.c - members of organizations and workspaces (api §3.2, §3.5): list (with pending
 * invitations), add (a pending invitation, for an existing account as for an unknown email: no
 * one joins without consent, D-081), remove, update role, details, leave and self-join. The
 * router has resolved {org} / {ws}, checked the least role and, for F_MEMBER_MANAGE rows, the
 * entity's perm_member_manage (routes_members.def); the rules on the target member
 * (roles_may_change / roles_may_grant) are checked here. */
#include "handlers.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events.h"
#include "member.h"
#include "name.h"
#include "orgws.h"
#include "roles.h"
#include "store_account.h"
#include "store_member.h"
#include "store_org.h"
#include "store_workspace.h"

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

/* The wire object of a store member row (store_member.h). */
static json_t *member_render(const json_t *row)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", row_str(row, "id"),
                     "email", row_str(row, "email"), "first_name",
                     row_str(row, "first_name"), "last_name", row_str(row, "last_name"),
                     "account_type", row_str(row, "account_type"), "permissions",
                     row_str(row, "role"), "status", "active", "created",
                     row_time(row, "created"));
}

int member_find(struct req *r, const struct ent *e, const char *who, json_t **out,
                enum role *role, char user_id[FIO_PROFILE_ID_SIZE])
{
    *out = NULL;
    *role = ROLE_NONE;
    json_t *row = NULL;
    enum store_rc rc = STORE(r->st, member)->find(r->st, e->is_org, e->id, who, &row);
    if (rc == STORE_NOT_FOUND)
        return 0;
    if (rc != STORE_OK)
        return req_fail_internal(r, "member query");
    *role = role_parse(row_str(row, "role"));
    if (user_id)
        fio_strlcpy(user_id, row_str(row, "id"), FIO_PROFILE_ID_SIZE);
    *out = member_render(row);
    json_decref(row);
    return *out ? 0 : req_fail(r, 500, 0, "Out of memory");
}

int member_insert(struct req *r, const struct ent *e, const char *user_id, enum role role)
{
    return STORE(r->st, member)->add(r->st, e->is_org, e->id, user_id, role_name(role),
                                     srv_now_us()) == STORE_OK
               ? 0
               : req_fail_internal(r, "insert member");
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
static json_t *list_render(const json_t *row)
{
    if (strcmp(row_str(row, "status"), "active") == 0)
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", row_str(row, "id"),
                         "email", row_str(row, "email"), "first_name",
                         row_str(row, "first_name"), "last_name",
                         row_str(row, "last_name"), "account_type",
                         row_str(row, "account_type"), "permissions",
                         row_str(row, "role"), "status", "active", "created",
                         row_time(row, "created"));
    return json_pack("{s:o, s:o, s:s, s:s, s:{s:s, s:o, s:o}}", "id", row_str_or_null(row, "id"),
                     "email", row_str_or_null(row, "email"), "permissions", row_str(row, "role"),
                     "status", "pending", "invite", "id", row_str(row, "invite_id"),
                     "created", row_time(row, "created"), "expires",
                     row_time(row, "expires"));
}

static int members_list(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    struct orgws_page pg;
    long long total;
    json_t *rows = NULL, *items = NULL;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    const struct store_member_ops *m = STORE(r->st, member);
    if (m->count_with_invites(r->st, e.is_org, e.id, &total) != STORE_OK)
        return req_fail_internal(r, "count members");
    if (m->list_with_invites(r->st, e.is_org, e.id, pg.limit, pg.offset, &rows) != STORE_OK)
        return req_fail_internal(r, "list members");
    int ret = rows_render(r, rows, list_render, &items);
    json_decref(rows);
    return ret == 0 ? orgws_page_reply(r, "users", items, total, &pg) : -1;
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
    enum store_rc rc = STORE(r->st, account)->user_find(r->st, who, uid, email);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return req_fail_internal(r, "user lookup");
    if (rc == STORE_NOT_FOUND)
        uid[0] = 0;

    if (!uid[0]) {
        /* An unknown profile id is an error; an unknown email becomes an invitation. */
        if (fio_profile_id_valid(who, strlen(who)))
            return req_fail(r, 404, API_ERR_NOT_FOUND, "User not found");
        if (!member_email_ok(who))
            return req_fail_param(r, "email_or_user_id", "invalid",
                                  "Give a user id or a valid email address");
        json_t *inv;
        if (invite_create(r, &e, who, want, false, &inv) != 0)
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
    /* No one is added without consent (D-081): an existing account gets a pending invitation
     * (mailed to it) that it accepts by its key. The reply names the user by id only: whoever
     * added a user id learns nothing about its email address. */
    json_t *inv;
    if (invite_create(r, &e, email, want, true, &inv) != 0)
        return -1;
    json_t *m = json_pack("{s:s, s:s, s:s, s:{s:O, s:O, s:O}}", "id", uid, "permissions",
                          role_name(want), "status", "pending", "invite", "id",
                          json_object_get(inv, "id"), "created", json_object_get(inv, "created"),
                          "expires", json_object_get(inv, "expires"));
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
    return STORE(r->st, member)->remove(r->st, e->is_org, e->id, uid) == STORE_OK
               ? 0
               : req_fail_internal(r, "delete member");
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
        char inv[FIO_OPAQUE_ID_SIZE] = "";
        /* A failed lookup reads as "no invitation" (404), as before the store layer. */
        if (STORE(r->st, member)->invite_pending_id(r->st, e.id, req_arg(r, 1), inv) != STORE_OK)
            inv[0] = 0;
        if (!inv[0])
            return req_fail(r, 404, API_ERR_NOT_FOUND, "Member not found");
        if (STORE(r->st, member)->invite_delete(r->st, inv) != STORE_OK)
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
        if (STORE(r->st, member)->set_role(r->st, e.is_org, e.id, uid, role_name(want)) !=
            STORE_OK)
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
    json_t *ws = NULL;
    /* A failed lookup leaves perm "" (owners only: fail closed). */
    if (STORE(r->st, workspace)->settings(r->st, e.id, &ws) == STORE_OK)
        fio_strlcpy(perm, row_str(ws, "perm_join"), sizeof(perm));
    json_decref(ws);
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
    json_t *org = NULL;
    enum store_rc rc = STORE(r->st, org)->settings(r->st, org_id, &org);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return req_fail_internal(r, "org extra query");
    json_t *extra = rc == STORE_OK ? orgws_extra_parse(row_str(org, "extra")) : NULL;
    json_decref(org);
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
    /* the domain is only the caller's if the address is (D-081) */
    if (authorized && verify_required(r, "join an organization by your email domain") != 0)
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
