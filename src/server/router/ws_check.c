/* ws_check.c - the workspace check of the router and of the handlers that find their workspace
 * elsewhere than in the path (ws_check.h). */
#include "ws_check.h"

#include "store_access.h"

int route_ws_check(struct req *r, const char *key, enum role need, unsigned flags)
{
    struct store_ws_access a;
    enum store_rc rc = STORE(r->st, access)->workspace(r->st, r->caller.user_id, key, &a);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Workspace not found");
    if (rc != STORE_OK)
        return req_fail_internal(r, "resolve workspace");
    r->ws.set = true;
    fio_strlcpy(r->ws.id, a.id, sizeof(r->ws.id));
    fio_strlcpy(r->ws.org_id, a.org_id, sizeof(r->ws.org_id));
    fio_strlcpy(r->ws.folder_name, a.folder_name, sizeof(r->ws.folder_name));
    r->ws.archived = a.archived;
    r->ws.role = role_parse(a.role);
    /* api §1.4: 10545 = authenticated but not a member. We answer 403, not 401, so that clients
     * do not take it for an expired token (docs/decisions.md). */
    if (r->ws.role == ROLE_NONE && !(flags & F_NONMEMBER))
        return req_fail(r, 403, API_ERR_NOT_MEMBER, "You are not a member of this workspace");
    if (r->ws.role < need)
        return req_fail(r, 403, API_ERR_PERMISSION,
                        "This action needs the workspace role '%s' or above", role_name(need));
    if (r->ws.archived && (flags & F_WRITE) && !(flags & F_ARCHIVE_OK))
        return req_fail(r, 403, API_ERR_RESTRICTED,
                        "The workspace is archived; unarchive it to make changes");
    return 0;
}
