/* SPDX-License-Identifier: MIT */
/* sqlite_member.c - the SQLite statements of the member area (store_member.h): org_members,
 * workspace_members, invitations and transfer_tokens. Org and workspace statements come in
 * pairs of literals (the statement cache keys on the literal), picked by PICK. */
#include "buf.h"
#include "sqlite_util.h"
#include "store_member.h"

#define PICK(is_org, org_sql, ws_sql) ((is_org) ? (org_sql) : (ws_sql))

/* ---- memberships ----------------------------------------------------------------------------- */

static enum store_rc find(struct store_conn *c, bool is_org, const char *entity_id, const char *who,
                          json_t **row)
{
    return sq_one_object(
        db_query(sq(c),
                 PICK(is_org,
                      "SELECT u.id, u.email, u.first_name, u.last_name, u.account_type, m.role, "
                      "m.created FROM org_members m JOIN users u ON u.id = m.user_id "
                      "WHERE m.org_id = ?1 AND (u.id = ?2 OR u.email = ?2)",
                      "SELECT u.id, u.email, u.first_name, u.last_name, u.account_type, m.role, "
                      "m.created FROM workspace_members m JOIN users u ON u.id = m.user_id "
                      "WHERE m.workspace_id = ?1 AND (u.id = ?2 OR u.email = ?2)"),
                 "tt", entity_id, who),
        row);
}

static enum store_rc add(struct store_conn *c, bool is_org, const char *entity_id,
                         const char *user_id, const char *role, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              PICK(is_org,
                                   "INSERT INTO org_members(org_id, user_id, role, created) "
                                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(org_id, user_id) DO "
                                   "NOTHING",
                                   "INSERT INTO workspace_members(workspace_id, user_id, role, "
                                   "created) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(workspace_id, "
                                   "user_id) DO NOTHING"),
                              "ttti", entity_id, user_id, role, now));
}

static enum store_rc remove_member(struct store_conn *c, bool is_org, const char *entity_id,
                                   const char *user_id)
{
    return sq_exec_rc(
        db_exec(sq(c),
                PICK(is_org, "DELETE FROM org_members WHERE org_id = ?1 AND user_id = ?2",
                     "DELETE FROM workspace_members WHERE workspace_id = ?1 AND user_id = ?2"),
                "tt", entity_id, user_id));
}

static enum store_rc set_role(struct store_conn *c, bool is_org, const char *entity_id,
                              const char *user_id, const char *role)
{
    return sq_exec_rc(db_exec(sq(c),
                              PICK(is_org,
                                   "UPDATE org_members SET role = ?3 WHERE org_id = ?1 AND "
                                   "user_id = ?2",
                                   "UPDATE workspace_members SET role = ?3 WHERE workspace_id = "
                                   "?1 AND user_id = ?2"),
                              "ttt", entity_id, user_id, role));
}

static enum store_rc count_with_invites(struct store_conn *c, bool is_org, const char *entity_id,
                                        long long *n)
{
    return sq_count(db_query(sq(c),
                             PICK(is_org,
                                  "SELECT (SELECT COUNT(*) FROM org_members WHERE org_id = ?1) "
                                  "+ (SELECT COUNT(*) FROM invitations WHERE entity_id = ?1 "
                                  "AND state = 'pending')",
                                  "SELECT (SELECT COUNT(*) FROM workspace_members WHERE "
                                  "workspace_id = ?1) + (SELECT COUNT(*) FROM invitations "
                                  "WHERE entity_id = ?1 AND state = 'pending')"),
                             "t", entity_id),
                    n);
}
/* A pending invitation in a member list: made by user id (email_hidden), it shows that user's
 * id and no email; made by email, the email and no id (D-081). */
#define PENDING_ID "CASE WHEN i.email_hidden THEN (SELECT id FROM users WHERE email = i.email) END"
#define PENDING_EMAIL "CASE WHEN i.email_hidden THEN NULL ELSE i.email END"

static enum store_rc list_with_invites(struct store_conn *c, bool is_org, const char *entity_id,
                                       long long limit, long long offset, json_t **rows)
{
    return sq_collect(
        db_query(sq(c),
                 PICK(is_org,
                      "SELECT 'active' AS status, u.id AS id, u.email AS email, u.first_name AS "
                      "first_name, u.last_name AS last_name, u.account_type AS account_type, "
                      "m.role AS role, m.created AS created, NULL AS invite_id, NULL AS expires "
                      "FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ?1 "
                      "UNION ALL SELECT 'pending', " PENDING_ID ", " PENDING_EMAIL ", '', '', '', "
                      "i.role, i.created, i.id, i.expires FROM invitations i WHERE "
                      "i.entity_id = ?1 AND "
                      "i.state = 'pending' ORDER BY 1, 8, 3 LIMIT ?2 OFFSET ?3",
                      "SELECT 'active' AS status, u.id AS id, u.email AS email, u.first_name AS "
                      "first_name, u.last_name AS last_name, u.account_type AS account_type, "
                      "m.role AS role, m.created AS created, NULL AS invite_id, NULL AS expires "
                      "FROM workspace_members m JOIN users u ON u.id = m.user_id WHERE "
                      "m.workspace_id = ?1 UNION ALL SELECT 'pending', " PENDING_ID
                      ", " PENDING_EMAIL ", '', '', '', i.role, i.created, i.id, i.expires FROM "
                      "invitations i WHERE "
                      "i.entity_id = ?1 AND i.state = 'pending' ORDER BY 1, 8, 3 LIMIT ?2 "
                      "OFFSET ?3"),
                 "tii", entity_id, (int64_t)limit, (int64_t)offset),
        sq_row_object, rows);
}

/* ---- invitations ----------------------------------------------------------------------------- */

/* i.*, the entity's name, the inviter's email; only invitations of open orgs. */
#define INV_SELECT                                                                                 \
    "SELECT i.id, i.entity_type, i.entity_id, i.org_id, i.workspace_id, i.email, i.role, "         \
    "i.state, i.inviter_id, i.created, i.updated, i.expires, i.email_hidden, "                     \
    "COALESCE(w.name, o.name) AS "                                                                 \
    "entity_name, COALESCE(iu.email, '') AS inviter_email FROM invitations i JOIN orgs o ON "      \
    "o.id = i.org_id AND o.closed = 0 LEFT JOIN workspaces w ON w.id = i.workspace_id LEFT JOIN "  \
    "users iu ON iu.id = i.inviter_id "

static enum store_rc invite_upsert(struct store_conn *c, const struct store_invite_new *i)
{
    /* One pending invitation per (entity, email): inviting again refreshes role and expiry. */
    return sq_exec_rc(db_exec(
        sq(c),
        "INSERT INTO invitations(id, entity_type, entity_id, org_id, workspace_id, "
        "email, role, state, inviter_id, created, updated, expires, email_hidden) VALUES (?1, "
        "?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?9, ?10, ?11) ON CONFLICT(entity_id, email) "
        "WHERE state = 'pending' DO UPDATE SET role = excluded.role, inviter_id = "
        "excluded.inviter_id, updated = excluded.updated, expires = excluded.expires, "
        "email_hidden = excluded.email_hidden",
        "ttttttttiii", i->id, i->is_org ? "org" : "workspace", i->entity_id, i->org_id,
        i->is_org ? NULL : i->entity_id, i->email, i->role, i->inviter_id, i->now, i->expires,
        (int64_t)(i->email_hidden ? 1 : 0)));
}

static enum store_rc invite_get(struct store_conn *c, const char *id, json_t **row)
{
    return sq_one_object(db_query(sq(c), INV_SELECT "WHERE i.id = ?1", "t", id), row);
}

static enum store_rc invite_pending(struct store_conn *c, const char *entity_id, const char *email,
                                    json_t **row)
{
    return sq_one_object(db_query(sq(c),
                                  INV_SELECT "WHERE i.entity_id = ?1 AND i.email = ?2 AND "
                                             "i.state = 'pending'",
                                  "tt", entity_id, email),
                         row);
}

static enum store_rc invite_in_entity(struct store_conn *c, const char *id, const char *entity_id,
                                      json_t **row)
{
    return sq_one_object(
        db_query(sq(c), INV_SELECT "WHERE i.id = ?1 AND i.entity_id = ?2", "tt", id, entity_id),
        row);
}

static enum store_rc invite_of_invitee(struct store_conn *c, const char *id, const char *email,
                                       json_t **row)
{
    return sq_one_object(
        db_query(sq(c), INV_SELECT "WHERE i.id = ?1 AND i.email = ?2", "tt", id, email), row);
}

static enum store_rc invite_to_answer(struct store_conn *c, const char *id, const char *email,
                                      const char *entity_type, const char *entity_key, json_t **row)
{
    return sq_one_object(db_query(sq(c),
                                  INV_SELECT "WHERE i.id = ?1 AND i.email = ?2 AND i.state = "
                                             "'pending' AND (?3 IS NULL OR (i.entity_type = ?3 "
                                             "AND (i.entity_id = ?4 OR (i.entity_type = 'org' "
                                             "AND o.domain = ?4) OR w.folder_name = ?4)))",
                                  "tttt", id, email, entity_type, entity_key),
                         row);
}

static enum store_rc invite_pending_id(struct store_conn *c, const char *entity_id,
                                       const char *email, char id[FIO_OPAQUE_ID_SIZE])
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT id FROM invitations WHERE entity_id = ?1 AND email = "
                                "?2 AND state = 'pending'",
                                "tt", entity_id, email);
    return sq_text(st, id, FIO_OPAQUE_ID_SIZE);
}

static enum store_rc invite_settle(struct store_conn *c, const char *entity_id, const char *email,
                                   const char *user_id, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE invitations SET state = 'accepted', user_id = ?3, updated = "
                              "?4 WHERE entity_id = ?1 AND email = ?2 AND state = 'pending'",
                              "ttti", entity_id, email, user_id, now));
}

static enum store_rc invite_count_entity(struct store_conn *c, const char *entity_id,
                                         const char *state, long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM invitations WHERE entity_id = ?1 AND (?2 IS "
                             "NULL OR state = ?2)",
                             "tt", entity_id, state),
                    n);
}

static enum store_rc invite_list_entity(struct store_conn *c, const char *entity_id,
                                        const char *state, long long limit, long long offset,
                                        json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               INV_SELECT "WHERE i.entity_id = ?1 AND (?2 IS NULL OR i.state = "
                                          "?2) ORDER BY i.created DESC, i.id LIMIT ?3 OFFSET ?4",
                               "ttii", entity_id, state, (int64_t)limit, (int64_t)offset),
                      sq_row_object, rows);
}

static enum store_rc invite_update(struct store_conn *c, const char *id, const char *state,
                                   const char *role, int64_t now, bool reopen, int64_t expires)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE invitations SET state = COALESCE(?2, state), role = "
                              "COALESCE(?3, role), updated = ?4, expires = CASE WHEN ?5 THEN ?6 "
                              "ELSE expires END WHERE id = ?1",
                              "tttidi", id, state, role, now, reopen ? 1 : 0, expires));
}

static enum store_rc invite_delete(struct store_conn *c, const char *id)
{
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM invitations WHERE id = ?1", "t", id));
}

static enum store_rc invite_answer(struct store_conn *c, const char *id, const char *state,
                                   const char *user_id, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE invitations SET state = ?2, user_id = ?3, updated = ?4 "
                              "WHERE id = ?1",
                              "ttti", id, state, user_id, now));
}

static enum store_rc invite_count_invitee(struct store_conn *c, const char *email, int64_t now,
                                          const char *key, long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM invitations i JOIN orgs o ON o.id = i.org_id "
                             "AND o.closed = 0 WHERE i.email = ?1 AND i.state = 'pending' AND "
                             "i.expires > ?2 AND (?3 IS NULL OR i.id = ?3)",
                             "tit", email, now, key),
                    n);
}

static enum store_rc invite_list_invitee(struct store_conn *c, const char *email, int64_t now,
                                         const char *key, long long limit, long long offset,
                                         json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               INV_SELECT "WHERE i.email = ?1 AND i.state = 'pending' AND "
                                          "i.expires > ?2 AND (?3 IS NULL OR i.id = ?3) ORDER BY "
                                          "i.created, i.id LIMIT ?4 OFFSET ?5",
                               "titii", email, now, key, (int64_t)limit, (int64_t)offset),
                      sq_row_object, rows);
}

static json_t *first_text(sqlite3_stmt *st)
{
    return json_string(db_col_text(st, 0));
}

static enum store_rc invite_pending_ids(struct store_conn *c, const char *email, int64_t now,
                                        const char *key, json_t **ids)
{
    return sq_collect(db_query(sq(c),
                               "SELECT id FROM invitations WHERE email = ?1 AND state = "
                               "'pending' AND expires > ?2 AND (?3 IS NULL OR id = ?3) "
                               "ORDER BY created, id LIMIT 500",
                               "tit", email, now, key),
                      first_text, ids);
}

/* ---- ownership transfer ---------------------------------------------------------------------- */

static enum store_rc org_transfer(struct store_conn *c, const char *org_id, const char *to,
                                  int64_t now)
{
    int rc = db_exec(sq(c), "UPDATE orgs SET owner_id = ?2, updated = ?3 WHERE id = ?1", "tti",
                     org_id, to, now);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "UPDATE org_members SET role = 'admin' WHERE org_id = ?1 AND role = 'owner' "
                     "AND user_id <> ?2",
                     "tt", org_id, to);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO org_members(org_id, user_id, role, created) VALUES (?1, ?2, "
                     "'owner', ?3) ON CONFLICT(org_id, user_id) DO UPDATE SET role = 'owner'",
                     "tti", org_id, to, now);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "UPDATE workspace_members SET role = 'admin' WHERE role = 'owner' AND "
                     "user_id <> ?2 AND workspace_id IN (SELECT id FROM workspaces WHERE org_id "
                     "= ?1)",
                     "tt", org_id, to);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c),
                     "INSERT INTO workspace_members(workspace_id, user_id, role, created) SELECT "
                     "id, ?2, 'owner', ?3 FROM workspaces WHERE org_id = ?1 ON "
                     "CONFLICT(workspace_id, user_id) DO UPDATE SET role = 'owner'",
                     "tti", org_id, to, now);
    return sq_exec_rc(rc);
}

static enum store_rc ws_transfer(struct store_conn *c, const char *ws_id, const char *to)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE workspace_members SET role = CASE WHEN user_id = ?2 THEN "
                              "'owner' ELSE 'admin' END WHERE workspace_id = ?1 AND (user_id = "
                              "?2 OR role = 'owner')",
                              "tt", ws_id, to));
}

static enum store_rc token_count_active(struct store_conn *c, const char *org_id, int64_t now,
                                        long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM transfer_tokens WHERE org_id = ?1 AND "
                             "claimed_by IS NULL AND expires > ?2",
                             "ti", org_id, now),
                    n);
}

static enum store_rc token_count(struct store_conn *c, const char *org_id, long long *n)
{
    return sq_count(
        db_query(sq(c), "SELECT COUNT(*) FROM transfer_tokens WHERE org_id = ?1", "t", org_id), n);
}

static enum store_rc token_list(struct store_conn *c, const char *org_id, long long limit,
                                long long offset, json_t **rows)
{
    return sq_collect(db_query(sq(c),
                               "SELECT id, created, expires, claimed_by, claimed_at, email, "
                               "creator_id FROM transfer_tokens WHERE org_id = ?1 ORDER BY "
                               "created DESC, id LIMIT ?2 OFFSET ?3",
                               "tii", org_id, (int64_t)limit, (int64_t)offset),
                      sq_row_object, rows);
}

static enum store_rc token_exists(struct store_conn *c, const char *id, const char *org_id,
                                  bool *exists)
{
    return sq_exists_flag(db_query(sq(c),
                                   "SELECT 1 FROM transfer_tokens WHERE id = ?1 AND org_id = ?2",
                                   "tt", id, org_id),
                          exists);
}

static enum store_rc token_insert(struct store_conn *c, const char *id, const char *org_id,
                                  const char *token_hash, const char *creator_id, const char *email,
                                  int64_t now, int64_t expires)
{
    return sq_exec_rc(db_exec(sq(c),
                              "INSERT INTO transfer_tokens(id, org_id, token_hash, creator_id, "
                              "email, created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                              "tttttii", id, org_id, token_hash, creator_id, email, now, expires));
}

static enum store_rc token_delete(struct store_conn *c, const char *id, const char *org_id)
{
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM transfer_tokens WHERE id = ?1 AND org_id = ?2",
                              "tt", id, org_id));
}

static enum store_rc token_find(struct store_conn *c, const char *token_hash, int64_t now,
                                struct store_transfer_claim *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT t.id, t.org_id, o.owner_id FROM transfer_tokens t JOIN "
                                "orgs o ON o.id = t.org_id AND o.closed = 0 WHERE t.token_hash = "
                                "?1 AND t.claimed_by IS NULL AND t.expires > ?2",
                                "ti", token_hash, now);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(out->id, db_col_text(st, 0), sizeof(out->id));
    fio_strlcpy(out->org_id, db_col_text(st, 1), sizeof(out->org_id));
    fio_strlcpy(out->owner_id, db_col_text(st, 2), sizeof(out->owner_id));
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc token_spend(struct store_conn *c, const char *id, const char *org_id,
                                 const char *user_id, int64_t now)
{
    int rc =
        db_exec(sq(c), "UPDATE transfer_tokens SET claimed_by = ?2, claimed_at = ?3 WHERE id = ?1",
                "tti", id, user_id, now);
    if (rc == SQLITE_DONE)
        rc = db_exec(sq(c), "DELETE FROM transfer_tokens WHERE org_id = ?1 AND claimed_by IS NULL",
                     "t", org_id);
    return sq_exec_rc(rc);
}

static enum store_rc org_brief(struct store_conn *c, const char *org_id, json_t **row)
{
    return sq_one_object(
        db_query(sq(c), "SELECT id, domain, name, owner_id FROM orgs WHERE id = ?1", "t", org_id),
        row);
}

const struct store_member_ops sqlite_member_ops = {
    .find = find,
    .add = add,
    .remove = remove_member,
    .set_role = set_role,
    .count_with_invites = count_with_invites,
    .list_with_invites = list_with_invites,
    .invite_upsert = invite_upsert,
    .invite_get = invite_get,
    .invite_pending = invite_pending,
    .invite_in_entity = invite_in_entity,
    .invite_of_invitee = invite_of_invitee,
    .invite_to_answer = invite_to_answer,
    .invite_pending_id = invite_pending_id,
    .invite_settle = invite_settle,
    .invite_count_entity = invite_count_entity,
    .invite_list_entity = invite_list_entity,
    .invite_update = invite_update,
    .invite_delete = invite_delete,
    .invite_answer = invite_answer,
    .invite_count_invitee = invite_count_invitee,
    .invite_list_invitee = invite_list_invitee,
    .invite_pending_ids = invite_pending_ids,
    .org_transfer = org_transfer,
    .ws_transfer = ws_transfer,
    .token_count_active = token_count_active,
    .token_count = token_count,
    .token_list = token_list,
    .token_exists = token_exists,
    .token_insert = token_insert,
    .token_delete = token_delete,
    .token_find = token_find,
    .token_spend = token_spend,
    .org_brief = org_brief,
};
