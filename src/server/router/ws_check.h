/* ws_check.h - the workspace check of the router, shared with the routes whose workspace is not
 * a {ws} path capture but a parameter (upload create, download) or an upload session (chunks,
 * complete): resolve the workspace and the caller's role into r->ws and refuse exactly as the
 * router does for {ws}, so the two paths cannot drift apart. */
#ifndef SRV_WS_CHECK_H
#define SRV_WS_CHECK_H

#include "router.h"
#include "server.h"

/* Resolve workspace key (id or folder_name, of an org that is not closed) into r->ws with the
 * caller's role there. Refuses with 404 / 1609 (no such workspace), 403 / 10545 (not a member,
 * unless flags has F_NONMEMBER: then r->ws.role is ROLE_NONE and the caller decides), 403 /
 * permission (role below need) and 403 / restricted (archived workspace when flags has F_WRITE
 * without F_ARCHIVE_OK). flags are route flags (router.h). 0 or -1 (error set). */
int route_ws_check(struct req *r, const char *key, enum role need, unsigned flags);

#endif
