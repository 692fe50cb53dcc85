/* roles.c - the entity-dependent half of the role table (see roles.h); the static half is the
 * role columns of routes_members.def, checked by the router before any handler runs. */
#include "roles.h"

#include <string.h>

enum role roles_phrase_min(const char *phrase)
{
    if (phrase && strcmp(phrase, "Member or above") == 0)
        return ROLE_MEMBER;
    if (phrase && strcmp(phrase, "Admin or above") == 0)
        return ROLE_ADMIN;
    return ROLE_OWNER; /* "Owner only", "Only Org Owners", anything unknown */
}

static enum role role_query(sqlite3_stmt *st)
{
    if (!st)
        return ROLE_NONE;
    enum role r = ROLE_NONE;
    if (sqlite3_step(st) == SQLITE_ROW)
        r = role_parse(db_col_text(st, 0));
    sqlite3_reset(st);
    return r;
}

enum role roles_org_role(struct db_conn *db, const char *org_id, const char *user_id)
{
    return role_query(db_query(db,
                               "SELECT m.role FROM org_members m JOIN orgs o ON o.id = m.org_id "
                               "AND o.closed = 0 WHERE m.org_id = ?1 AND m.user_id = ?2",
                               "tt", org_id, user_id));
}

enum role roles_ws_role(struct db_conn *db, const char *ws_id, const char *user_id)
{
    return role_query(db_query(db,
                               "SELECT role FROM workspace_members WHERE workspace_id = ?1 AND "
                               "user_id = ?2",
                               "tt", ws_id, user_id));
}

int roles_check_manage(struct req *r)
{
    sqlite3_stmt *st;
    enum role have;
    const char *what;
    if (r->ws.set) {
        st = db_query(r->db, "SELECT perm_member_manage FROM workspaces WHERE id = ?1", "t",
                      r->ws.id);
        have = r->ws.role;
        what = "workspace";
    } else if (r->org.set) {
        st = db_query(r->db, "SELECT perm_member_manage FROM orgs WHERE id = ?1", "t", r->org.id);
        have = r->org.role;
        what = "organization";
    } else {
        return req_fail_internal(r, "F_MEMBER_MANAGE on a route without {org} or {ws}");
    }
    if (!st)
        return req_fail_internal(r, "perm_member_manage");
    enum role need = ROLE_OWNER;
    char phrase[40] = "Owner only";
    if (sqlite3_step(st) == SQLITE_ROW) {
        fio_strlcpy(phrase, db_col_text(st, 0), sizeof(phrase));
        need = roles_phrase_min(phrase);
    }
    sqlite3_reset(st);
    if (have < need)
        return req_fail(r, 403, API_ERR_PERMISSION,
                        "Managing members of this %s is limited to: %s", what, phrase);
    return 0;
}

bool roles_may_join(enum role org_role, const char *perm_join)
{
    return org_role != ROLE_NONE && org_role >= roles_phrase_min(perm_join);
}

bool roles_may_change(enum role caller, enum role target)
{
    return target != ROLE_OWNER && target != ROLE_NONE && target <= caller;
}

bool roles_may_grant(enum role caller, enum role want, bool is_org)
{
    if (want == ROLE_NONE || want == ROLE_OWNER || want > caller)
        return false;
    return !(is_org && want == ROLE_GUEST);
}
