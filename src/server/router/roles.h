/* SPDX-License-Identifier: MIT */
/* roles.h - who may do what to members, in one place (api §3.2, §3.4, §3.5). The static part of
 * the role table is the ORG_ROLE / WS_ROLE columns of the route rows (routes_members.def); the
 * parts that depend on an entity's settings are here: perm_member_manage (checked by the router
 * for rows flagged F_MEMBER_MANAGE), perm_join (workspace self-join), and the rules for which
 * member a caller may add, change or remove. */
#ifndef SRV_ROLES_H
#define SRV_ROLES_H

#include <stdbool.h>

#include "server.h"

/* The least role a permission phrase asks for: "Member or above" -> ROLE_MEMBER, "Admin or
 * above" -> ROLE_ADMIN, "Owner only" / "Only Org Owners" -> ROLE_OWNER. Unknown phrases ask for
 * ROLE_OWNER (fail closed). */
enum role roles_phrase_min(const char *phrase);

/* Router hook for F_MEMBER_MANAGE rows: the caller's role in the resolved workspace (else org)
 * must reach that entity's perm_member_manage. 0, or -1 with 403 / 1680 set. */
int roles_check_manage(struct req *r);

/* The role of user_id in an org / workspace (ROLE_NONE when not a member or on error). */
enum role roles_org_role(struct store_conn *st, const char *org_id, const char *user_id);
enum role roles_ws_role(struct store_conn *st, const char *ws_id, const char *user_id);

/* Workspace self-join (api §3.4 perm_join): the joiner's role in the workspace's org decides. */
bool roles_may_join(enum role org_role, const char *perm_join);

/* May a caller with role `caller` change a member whose role is `target` (remove, update)?
 * Owners are never changed this way (transfer ownership instead); nobody changes a member above
 * their own role. */
bool roles_may_change(enum role caller, enum role target);

/* May a caller with role `caller` give the role `want` (add, invite, update)? Never owner; never
 * above the caller's own role. Org members take admin|member, workspace members admin|member|
 * guest (is_org selects). */
bool roles_may_grant(enum role caller, enum role want, bool is_org);

#endif
