/* SPDX-License-Identifier: MIT */
/* store_org.h - the organization area of the store (store.h): the orgs table, and the lookups
 * of the caller's role in an org that the router and the role rules need. Rows that are only
 * rendered come back as JSON objects keyed by column (times as integer microseconds, flags as
 * integers 0/1, absent values as null); the handler shapes the wire object from them. */
#ifndef SRV_STORE_ORG_H
#define SRV_STORE_ORG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "store.h"

#define STORE_ROLE_SIZE 16 /* "owner", "admin", "member", "guest" or "" */

/* An open org found by id or domain, with the caller's role there ("" when not a member). */
struct store_org_access {
    char id[FIO_PROFILE_ID_SIZE];
    char domain[81];
    char role[STORE_ROLE_SIZE];
};

/* The settable columns of an org (all non-NULL; extra is the JSON text of the extra column). */
struct store_org_fields {
    const char *domain, *name, *description, *industry, *billing_email, *homepage,
        *perm_member_manage, *extra;
};

struct store_org_ops {
    /* The open org whose id or domain is key, and user_id's role in it. STORE_NOT_FOUND when
     * there is no open org of that id or domain. */
    enum store_rc (*access)(struct store_conn *c, const char *key, const char *user_id,
                            struct store_org_access *out);
    /* user_id's role in the open org org_id; role = "" when not a member (STORE_OK). */
    enum store_rc (*role)(struct store_conn *c, const char *org_id, const char *user_id,
                          char role[STORE_ROLE_SIZE]);
    /* The org's perm_member_manage phrase, truncated to size. STORE_NOT_FOUND: no such org. */
    enum store_rc (*perm_member_manage)(struct store_conn *c, const char *org_id, char *out,
                                        size_t size);

    /* The org (open or closed) as a row object with the keys id, domain, name, description,
     * industry, billing_email, homepage, perm_member_manage, owner_id, created, updated, extra
     * (text), closed, role (user_id's role or null): OWNED in *row. */
    enum store_rc (*row)(struct store_conn *c, const char *id, const char *user_id, json_t **row);
    /* Open orgs user_id is a member of: how many, and a page of rows (as row; oldest first). */
    enum store_rc (*count_joined)(struct store_conn *c, const char *user_id, long long *n);
    enum store_rc (*list_joined)(struct store_conn *c, const char *user_id, long long limit,
                                 long long offset, json_t **rows);
    /* Open orgs user_id is not a member of but holds a workspace membership in (role null). */
    enum store_rc (*count_external)(struct store_conn *c, const char *user_id, long long *n);
    enum store_rc (*list_external)(struct store_conn *c, const char *user_id, long long limit,
                                   long long offset, json_t **rows);

    /* *taken = an org other than self_id (open or closed) has this domain. */
    enum store_rc (*domain_taken)(struct store_conn *c, const char *domain, const char *self_id,
                                  bool *taken);
    /* Create an open org and make owner_id its owner. STORE_EXISTS: the domain is taken. */
    enum store_rc (*insert)(struct store_conn *c, const char *id, const struct store_org_fields *f,
                            const char *owner_id, int64_t now);
    /* The settable columns (domain ... perm_member_manage, extra as text) as an object: OWNED. */
    enum store_rc (*settings)(struct store_conn *c, const char *id, json_t **row);
    /* Replace the settable columns. STORE_EXISTS: the domain is taken. */
    enum store_rc (*update)(struct store_conn *c, const char *id, const struct store_org_fields *f,
                            int64_t now);
    /* Mark the org closed (soft delete: its domain stays reserved). */
    enum store_rc (*close)(struct store_conn *c, const char *id, int64_t now);
};

#endif
