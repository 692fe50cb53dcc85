/* SPDX-License-Identifier: MIT */
/* roles.c - the entity-dependent half of the role table (see roles.h); the static half is the
 * role columns of routes_members.def, checked by the router before any handler runs. */
#include "roles.h"

#include <string.h>

#include "store_org.h"
#include "store_workspace.h"

enum role roles_phrase_min(const char *phrase)
{
    if (phrase && strcmp(phrase, "Member or above") == 0)
        return ROLE_MEMBER;
    if (phrase && strcmp(phrase, "Admin or above") == 0)
        return ROLE_ADMIN;
    return ROLE_OWNER; /* "Owner only", "Only Org Owners", anything unknown */
}

enum role roles_org_role(struct store_conn *st, const char *org_id, const char *user_id)
{
    char role[STORE_ROLE_SIZE];
    /* role is "" (ROLE_NONE) for a non-member and on any error: fail closed. */
    (void)STORE(st, org)->role(st, org_id, user_id, role);
    return role_parse(role);
}

enum role roles_ws_role(struct store_conn *st, const char *ws_id, const char *user_id)
{
    char role[STORE_ROLE_SIZE];
    (void)STORE(st, workspace)->role(st, ws_id, user_id, role);
    return role_parse(role);
}

int roles_check_manage(struct req *r)
{
    enum role have;
    const char *what;
    char phrase[40] = "Owner only";
    enum store_rc rc;
    if (r->ws.set) {
        rc = STORE(r->st, workspace)->perm_member_manage(r->st, r->ws.id, phrase, sizeof(phrase));
        have = r->ws.role;
        what = "workspace";
    } else if (r->org.set) {
        rc = STORE(r->st, org)->perm_member_manage(r->st, r->org.id, phrase, sizeof(phrase));
        have = r->org.role;
        what = "organization";
    } else {
        return req_fail_internal(r, "F_MEMBER_MANAGE on a route without {org} or {ws}");
    }
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return req_fail_internal(r, "perm_member_manage");
    /* No row (it was resolved in this transaction, so only in theory): owners only. */
    if (rc == STORE_NOT_FOUND)
        fio_strlcpy(phrase, "Owner only", sizeof(phrase));
    enum role need = roles_phrase_min(phrase);
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
