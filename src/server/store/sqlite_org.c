/* SPDX-License-Identifier: MIT */
/* sqlite_org.c - the SQLite statements of the organization area (store_org.h): orgs, and the
 * org_members lookups behind access checks. */
#include "buf.h"
#include "sqlite_util.h"
#include "store_org.h"

static enum store_rc org_access(struct store_conn *c, const char *key, const char *user_id,
                                struct store_org_access *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT o.id, o.domain, m.role FROM orgs o "
                                "LEFT JOIN org_members m ON m.org_id = o.id AND m.user_id = ?1 "
                                "WHERE (o.id = ?2 OR o.domain = ?2) AND o.closed = 0",
                                "tt", user_id, key);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(out->id, db_col_text(st, 0), sizeof(out->id));
    fio_strlcpy(out->domain, db_col_text(st, 1), sizeof(out->domain));
    fio_strlcpy(out->role, db_col_text(st, 2), sizeof(out->role));
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc role(struct store_conn *c, const char *org_id, const char *user_id,
                          char out[STORE_ROLE_SIZE])
{
    return sq_text_or_empty(db_query(sq(c),
                                     "SELECT m.role FROM org_members m JOIN orgs o ON o.id = "
                                     "m.org_id AND o.closed = 0 WHERE m.org_id = ?1 AND "
                                     "m.user_id = ?2",
                                     "tt", org_id, user_id),
                            out, STORE_ROLE_SIZE); /* no membership: "" */
}

static enum store_rc perm_member_manage(struct store_conn *c, const char *org_id, char *out,
                                        size_t size)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT perm_member_manage FROM orgs WHERE id = ?1", "t", org_id);
    return sq_text(st, out, size);
}

/* Columns every org row selects, in this order, then the caller's role (or NULL) as "role". */
#define ORG_COLS                                                                                   \
    "o.id, o.domain, o.name, o.description, o.industry, o.billing_email, o.homepage, "             \
    "o.perm_member_manage, o.owner_id, o.created, o.updated, o.extra, o.closed"

static enum store_rc row(struct store_conn *c, const char *id, const char *user_id, json_t **out)
{
    return sq_one_object(db_query(sq(c),
                                  "SELECT " ORG_COLS ", m.role AS role FROM orgs o "
                                  "LEFT JOIN org_members m ON m.org_id = o.id AND m.user_id = ?1 "
                                  "WHERE o.id = ?2",
                                  "tt", user_id, id),
                         out);
}

static enum store_rc count_joined(struct store_conn *c, const char *user_id, long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM orgs o JOIN org_members m ON m.org_id = o.id "
                             "AND m.user_id = ?1 WHERE o.closed = 0",
                             "t", user_id),
                    n);
}

static enum store_rc list_joined(struct store_conn *c, const char *user_id, long long limit,
                                 long long offset, json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               "SELECT " ORG_COLS ", m.role AS role FROM orgs o JOIN org_members "
                               "m ON m.org_id = o.id AND m.user_id = ?1 WHERE o.closed = 0 "
                               "ORDER BY o.created, o.id LIMIT ?2 OFFSET ?3",
                               "tii", user_id, (int64_t)limit, (int64_t)offset),
                      sq_row_object, rows);
}

static enum store_rc count_external(struct store_conn *c, const char *user_id, long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM orgs o WHERE o.closed = 0 AND NOT EXISTS "
                             "(SELECT 1 FROM org_members m WHERE m.org_id = o.id AND m.user_id = "
                             "?1) AND EXISTS (SELECT 1 FROM workspaces w JOIN workspace_members "
                             "wm ON wm.workspace_id = w.id WHERE w.org_id = o.id AND wm.user_id "
                             "= ?1)",
                             "t", user_id),
                    n);
}

static enum store_rc list_external(struct store_conn *c, const char *user_id, long long limit,
                                   long long offset, json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               "SELECT " ORG_COLS ", NULL AS role FROM orgs o WHERE o.closed = 0 "
                               "AND NOT EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = "
                               "o.id AND m.user_id = ?1) AND EXISTS (SELECT 1 FROM workspaces w "
                               "JOIN workspace_members wm ON wm.workspace_id = w.id WHERE "
                               "w.org_id = o.id AND wm.user_id = ?1) ORDER BY o.created, o.id "
                               "LIMIT ?2 OFFSET ?3",
                               "tii", user_id, (int64_t)limit, (int64_t)offset),
                      sq_row_object, rows);
}

static enum store_rc domain_taken(struct store_conn *c, const char *domain, const char *self_id,
                                  bool *taken)
{
    return sq_exists_flag(
        db_query(sq(c), "SELECT 1 FROM orgs WHERE domain = ?1 AND id <> ?2", "tt", domain, self_id),
        taken);
}

static enum store_rc insert(struct store_conn *c, const char *id, const struct store_org_fields *f,
                            const char *owner_id, int64_t now)
{
    int rc = db_exec(sq(c),
                     "INSERT INTO orgs(id, domain, name, description, industry, billing_email, "
                     "homepage, perm_member_manage, extra, owner_id, closed, created, updated) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?11)",
                     "tttttttttti", id, f->domain, f->name, f->description, f->industry,
                     f->billing_email, f->homepage, f->perm_member_manage, f->extra, owner_id, now);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO org_members(org_id, user_id, role, created) "
                     "VALUES (?1, ?2, 'owner', ?3)",
                     "tti", id, owner_id, now);
    return sq_exec_rc(rc);
}

static enum store_rc settings(struct store_conn *c, const char *id, json_t **out)
{
    return sq_one_object(db_query(sq(c),
                                  "SELECT domain, name, description, industry, billing_email, "
                                  "homepage, perm_member_manage, extra FROM orgs WHERE id = ?1",
                                  "t", id),
                         out);
}

static enum store_rc update(struct store_conn *c, const char *id, const struct store_org_fields *f,
                            int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE orgs SET domain = ?1, name = ?2, description = ?3, "
                              "industry = ?4, billing_email = ?5, homepage = ?6, "
                              "perm_member_manage = ?7, extra = ?8, updated = ?9 WHERE id = ?10",
                              "ttttttttit", f->domain, f->name, f->description, f->industry,
                              f->billing_email, f->homepage, f->perm_member_manage, f->extra, now,
                              id));
}

static enum store_rc close_org(struct store_conn *c, const char *id, int64_t now)
{
    return sq_exec_rc(
        db_exec(sq(c), "UPDATE orgs SET closed = 1, updated = ?1 WHERE id = ?2", "it", now, id));
}

const struct store_org_ops sqlite_org_ops = {
    .access = org_access,
    .role = role,
    .perm_member_manage = perm_member_manage,
    .row = row,
    .count_joined = count_joined,
    .list_joined = list_joined,
    .count_external = count_external,
    .list_external = list_external,
    .domain_taken = domain_taken,
    .insert = insert,
    .settings = settings,
    .update = update,
    .close = close_org,
};
