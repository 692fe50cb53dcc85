/* store_access.h - who may enter a workspace: the one lookup behind the router's workspace
 * check (router/ws_check.c), used for {ws} path captures and for the routes whose workspace
 * comes from a parameter or an upload session. Reads workspaces, orgs and workspace_members;
 * its own area so that it does not wait for the workspace area's table (store_workspace.h), into
 * which it may fold once that exists. */
#ifndef SRV_STORE_ACCESS_H
#define SRV_STORE_ACCESS_H

#include <stdbool.h>

#include "id.h"
#include "store.h"

/* A workspace of an open org and the caller's membership in it. */
struct store_ws_access {
    char id[FIO_PROFILE_ID_SIZE];
    char org_id[FIO_PROFILE_ID_SIZE];
    char folder_name[81];
    bool archived;
    char role[16]; /* the member's role word ("owner" ... "guest"), "" = not a member */
};

struct store_access_ops {
    /* The workspace whose id or folder name is key, in an org that is not closed, with the role
     * of user_id there: STORE_OK (filled) or STORE_NOT_FOUND. */
    enum store_rc (*workspace)(struct store_conn *c, const char *user_id, const char *key,
                               struct store_ws_access *out);
};

extern const struct store_access_ops store_sqlite_access_ops;

#endif
