/* SPDX-License-Identifier: MIT */
/* store_workspace.h - the workspace area of the store (store.h): the workspaces table, and the
 * lookups of the caller's role in a workspace that the router and the role rules need. Rendered
 * rows come back as JSON objects keyed by column, as in store_org.h. */
#ifndef SRV_STORE_WORKSPACE_H
#define SRV_STORE_WORKSPACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "store.h"
#include "store_org.h" /* STORE_ROLE_SIZE */

/* A workspace of an open org found by id or folder_name, with the caller's role there. */
struct store_ws_access {
    char id[FIO_PROFILE_ID_SIZE];
    char org_id[FIO_PROFILE_ID_SIZE];
    char folder_name[81];
    bool archived;
    char role[STORE_ROLE_SIZE]; /* "" when not a member */
};

/* The settable columns of a workspace (text non-NULL; extra is JSON text). */
struct store_ws_fields {
    const char *name, *folder_name, *description, *perm_join, *perm_member_manage, *extra;
    bool intelligence;
};

struct store_workspace_ops {
    /* The workspace (of an open org) whose id or folder_name is key, and user_id's role in it.
     * STORE_NOT_FOUND when there is none. */
    enum store_rc (*access)(struct store_conn *c, const char *key, const char *user_id,
                            struct store_ws_access *out);
    /* user_id's role in the workspace; role = "" when not a member (STORE_OK). */
    enum store_rc (*role)(struct store_conn *c, const char *ws_id, const char *user_id,
                          char role[STORE_ROLE_SIZE]);
    /* The workspace's perm_member_manage phrase. STORE_NOT_FOUND: no such workspace. */
    enum store_rc (*perm_member_manage)(struct store_conn *c, const char *ws_id, char *out,
                                        size_t size);

    /* The workspace as a row object with the keys id, org_id, domain (the org's), name,
     * folder_name, description, perm_join, perm_member_manage, intelligence, archived, role
     * (user_id's role or null), created, updated, extra (text): OWNED in *row. */
    enum store_rc (*row)(struct store_conn *c, const char *id, const char *user_id, json_t **row);
    /* Workspaces of open orgs that user_id is a member of: count and a page of rows. */
    enum store_rc (*count_joined)(struct store_conn *c, const char *user_id, long long *n);
    enum store_rc (*list_joined)(struct store_conn *c, const char *user_id, long long limit,
                                 long long offset, json_t **rows);
    /* An org's workspaces: all of them when all is true, else those user_id is a member of. */
    enum store_rc (*count_in_org)(struct store_conn *c, const char *org_id, const char *user_id,
                                  bool all, long long *n);
    enum store_rc (*list_in_org)(struct store_conn *c, const char *org_id, const char *user_id,
                                 bool all, long long limit, long long offset, json_t **rows);

    /* *taken = a workspace other than self_id has this folder_name. */
    enum store_rc (*folder_taken)(struct store_conn *c, const char *folder, const char *self_id,
                                  bool *taken);
    /* Create a workspace in org_id owned by owner_id. STORE_EXISTS: folder_name taken. */
    enum store_rc (*insert)(struct store_conn *c, const char *id, const char *org_id,
                            const struct store_ws_fields *f, const char *owner_id, int64_t now);
    /* The settable columns (name ... perm_member_manage, intelligence 0/1, extra as text):
     * OWNED object in *row. */
    enum store_rc (*settings)(struct store_conn *c, const char *id, json_t **row);
    /* Replace the settable columns. STORE_EXISTS: folder_name taken. */
    enum store_rc (*update)(struct store_conn *c, const char *id, const struct store_ws_fields *f,
                            int64_t now);
    /* Delete the row (members and nodes go with it: ON DELETE CASCADE). */
    enum store_rc (*remove)(struct store_conn *c, const char *id);
    enum store_rc (*set_archived)(struct store_conn *c, const char *id, bool archived, int64_t now);
};

#endif
