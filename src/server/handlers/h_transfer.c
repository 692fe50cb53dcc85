/* h_transfer.c - ownership transfer (api §3.3): transfer tokens minted by agent accounts
 * (create / list / delete), the claim by a signed-in human, and direct transfer between members
 * of an org or a workspace. Owns the transfer_tokens table. Tokens are 64 base64url characters
 * (384 random bits); only their SHA-256 is stored, and a claim looks the hash up. */
#include "handlers.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "events.h"
#include "member.h"
#include "orgws.h"
#include "outbox.h"
#include "rand.h"
#include "timeutil.h"

#define TRANSFER_TOKEN_RAW 48 /* -> 64 base64url characters */
#define TRANSFER_TTL_US (72LL * 3600 * 1000000)
#define TRANSFER_MAX_ACTIVE 5
#define TRANSFER_CLAIM_URL "https://go.fast.io/claim?token="

static bool sha256_hex(const char *s, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return false;
    fio_hex_encode(md, 32, out);
    return true;
}

static const char *account_type(struct req *r, const char *user_id, char *buf, size_t size)
{
    buf[0] = 0;
    sqlite3_stmt *st = db_query(r->db, "SELECT account_type FROM users WHERE id = ?1", "t", user_id);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        fio_strlcpy(buf, db_col_text(st, 0), size);
    if (st)
        sqlite3_reset(st);
    return buf;
}

/* Make `to` the owner of the org and of every workspace in it; whoever owned them before
 * becomes admin (the agent keeps admin access, api §3.3 step 5). */
static int org_transfer(struct req *r, const char *org_id, const char *to)
{
    int64_t now = srv_now_us();
    int rc = db_exec(r->db, "UPDATE orgs SET owner_id = ?2, updated = ?3 WHERE id = ?1", "tti",
                     org_id, to, now);
    if (rc == SQLITE_DONE)
        rc = db_exec(r->db,
                     "UPDATE org_members SET role = 'admin' WHERE org_id = ?1 AND role = 'owner' "
                     "AND user_id <> ?2",
                     "tt", org_id, to);
    if (rc == SQLITE_DONE)
        rc = db_exec(r->db,
                     "INSERT INTO org_members(org_id, user_id, role, created) VALUES (?1, ?2, "
                     "'owner', ?3) ON CONFLICT(org_id, user_id) DO UPDATE SET role = 'owner'",
                     "tti", org_id, to, now);
    if (rc == SQLITE_DONE)
        rc = db_exec(r->db,
                     "UPDATE workspace_members SET role = 'admin' WHERE role = 'owner' AND "
                     "user_id <> ?2 AND workspace_id IN (SELECT id FROM workspaces WHERE org_id "
                     "= ?1)",
                     "tt", org_id, to);
    if (rc == SQLITE_DONE)
        rc = db_exec(r->db,
                     "INSERT INTO workspace_members(workspace_id, user_id, role, created) SELECT "
                     "id, ?2, 'owner', ?3 FROM workspaces WHERE org_id = ?1 ON "
                     "CONFLICT(workspace_id, user_id) DO UPDATE SET role = 'owner'",
                     "tti", org_id, to, now);
    return rc == SQLITE_DONE ? 0 : req_fail_internal(r, "transfer org");
}

static int transfer_event(struct req *r, const char *org_id, const char *from, const char *to,
                          const char *method, const char *token_id)
{
    struct event_spec ev = {"org", "transfer", "org_transfer_completed", org_id, NULL, to,
                            token_id ? token_id : org_id};
    return events_add(r, &ev,
                      json_pack("{s:s, s:s, s:s}", "from", from, "to", to, "method", method));
}

/* ---- tokens ---------------------------------------------------------------------------------- */

static json_t *token_render(sqlite3_stmt *st)
{
    /* id, created, expires, claimed_by, claimed_at, email, creator_id */
    int64_t now = srv_now_us();
    bool claimed = sqlite3_column_type(st, 3) != SQLITE_NULL;
    const char *state = claimed ? "claimed" : sqlite3_column_int64(st, 2) <= now ? "expired"
                                                                                  : "active";
    return json_pack("{s:s, s:o, s:o, s:s, s:o, s:s}", "id", db_col_text(st, 0), "created",
                     srv_time_json(sqlite3_column_int64(st, 1)), "expires",
                     srv_time_json(sqlite3_column_int64(st, 2)), "state", state, "email",
                     sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null()
                                                               : json_string(db_col_text(st, 5)),
                     "creator_id", db_col_text(st, 6));
}

static int claim_mail(struct req *r, const char *email, const char *token, const char *expires)
{
    char subject[200];
    (void)snprintf(subject, sizeof(subject), "Claim ownership of the organization \"%s\"",
                   r->org.domain);
    struct fio_buf b;
    fio_buf_init(&b, 8192);
    bool ok = fio_buf_printf(&b,
                             "Hello,\n\n%s set up the organization \"%s\" for you and asks you to "
                             "take ownership of it and its workspaces.\n\n"
                             "Claim it here (sign in first):\n  %s%s\n\n"
                             "or with the API: POST /current/org/transfer/claim/ token=%s\n\n"
                             "The link is valid until %s.\n",
                             r->caller.email, r->org.domain, TRANSFER_CLAIM_URL, token, token,
                             expires);
    int rc = ok ? outbox_write(r->srv, email, subject, b.data, NULL, 0) : -1;
    fio_buf_release(&b);
    return rc == 0 ? 0 : req_fail_internal(r, "claim mail");
}

/* api §3.3: POST /org/{org}/transfer/token/create/ [email] - agent accounts only. With email,
 * the claim link is also mailed there (outbox). */
int h_transfer_token_create(struct req *r)
{
    char type[16];
    if (strcmp(account_type(r, r->caller.user_id, type, sizeof(type)), "agent") != 0)
        return req_fail(r, 403, API_ERR_RESTRICTED,
                        "Only agent accounts may create ownership transfer tokens");
    const char *email = req_param(r, "email");
    if (email && !member_email_ok(email))
        return req_fail_param(r, "email", "invalid", "'email' must be a valid email address");
    int64_t now = srv_now_us();
    long long active;
    if (orgws_count(r,
                    db_query(r->db,
                             "SELECT COUNT(*) FROM transfer_tokens WHERE org_id = ?1 AND "
                             "claimed_by IS NULL AND expires > ?2",
                             "ti", r->org.id, now),
                    &active) != 0)
        return -1;
    if (active >= TRANSFER_MAX_ACTIVE)
        return req_fail(r, 409, API_ERR_CONFLICT,
                        "An organization may have at most %d active transfer tokens; delete one",
                        TRANSFER_MAX_ACTIVE);
    unsigned char raw[TRANSFER_TOKEN_RAW];
    char token[96], hash[65], id[FIO_OPAQUE_ID_SIZE];
    if (!fio_random_bytes(raw, sizeof(raw)) ||
        fio_b64url_encode(raw, sizeof(raw), token, sizeof(token)) != 64 ||
        !sha256_hex(token, hash) || !fio_opaque_id_new(FIO_ID_ORGTRANSFER, id))
        return req_fail_internal(r, "transfer token");
    explicit_bzero(raw, sizeof(raw));
    int rc = db_exec(r->db,
                     "INSERT INTO transfer_tokens(id, org_id, token_hash, creator_id, email, "
                     "created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     "tttttii", id, r->org.id, hash, r->caller.user_id, email, now,
                     now + TRANSFER_TTL_US);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "insert transfer token");
    char expires[40];
    fio_time_api(now + TRANSFER_TTL_US, expires, sizeof(expires));
    struct event_spec ev = {"org", "transfer", "org_transfer_token_created", r->org.id, NULL, NULL,
                            id};
    if (events_add(r, &ev, json_pack("{s:s?}", "email", email)) != 0)
        return -1;
    if (email && claim_mail(r, email, token, expires) != 0)
        return -1;
    char url[200];
    (void)snprintf(url, sizeof(url), "%s%s", TRANSFER_CLAIM_URL, token);
    json_t *t = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "id", id, "token", token, "claim_url",
                          url, "created", srv_time_json(now), "expires",
                          srv_time_json(now + TRANSFER_TTL_US), "state", "active");
    explicit_bzero(token, sizeof(token));
    explicit_bzero(url, sizeof(url));
    return t ? req_set(r, "transfer_token", t) : req_fail(r, 500, 0, "Out of memory");
}

/* api §3.3: GET /org/{org}/transfer/token/list/ (tokens themselves are never shown again) */
int h_transfer_token_list(struct req *r)
{
    struct orgws_page pg;
    long long total;
    json_t *items;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    if (orgws_count(r,
                    db_query(r->db, "SELECT COUNT(*) FROM transfer_tokens WHERE org_id = ?1", "t",
                             r->org.id),
                    &total) != 0)
        return -1;
    if (orgws_collect(r,
                      db_query(r->db,
                               "SELECT id, created, expires, claimed_by, claimed_at, email, "
                               "creator_id FROM transfer_tokens WHERE org_id = ?1 ORDER BY "
                               "created DESC, id LIMIT ?2 OFFSET ?3",
                               "tii", r->org.id, (int64_t)pg.limit, (int64_t)pg.offset),
                      token_render, &items) != 0)
        return -1;
    return orgws_page_reply(r, "transfer_tokens", items, total, &pg);
}

/* api §3.3: DELETE /org/{org}/transfer/token/{token_id}/ */
int h_transfer_token_delete(struct req *r)
{
    const char *tid = req_arg(r, 1);
    long long n;
    if (orgws_count(r,
                    db_query(r->db,
                             "SELECT COUNT(*) FROM transfer_tokens WHERE id = ?1 AND org_id = ?2",
                             "tt", tid, r->org.id),
                    &n) != 0)
        return -1;
    if (n == 0)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Transfer token not found");
    if (db_exec(r->db, "DELETE FROM transfer_tokens WHERE id = ?1 AND org_id = ?2", "tt", tid,
                r->org.id) != SQLITE_DONE)
        return req_fail_internal(r, "delete transfer token");
    struct event_spec ev = {"org", "transfer", "org_transfer_token_deleted", r->org.id, NULL, NULL,
                            tid};
    return events_add(r, &ev, NULL);
}

/* api §3.3 step 4: POST /org/transfer/claim/ form token - by a signed-in human account. The
 * claim spends the token and cancels the org's other open tokens, so a second link cannot take
 * the org away from the new owner. */
int h_transfer_claim(struct req *r)
{
    const char *token = req_param_required(r, "token");
    if (!token)
        return -1;
    char type[16], hash[65];
    if (strcmp(account_type(r, r->caller.user_id, type, sizeof(type)), "human") != 0)
        return req_fail(r, 403, API_ERR_RESTRICTED,
                        "Ownership can only be claimed by a human account");
    if (strlen(token) != 64 || !sha256_hex(token, hash))
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Transfer token not found or expired");
    char tid[FIO_OPAQUE_ID_SIZE] = "", org_id[FIO_PROFILE_ID_SIZE] = "",
                           owner[FIO_PROFILE_ID_SIZE] = "";
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT t.id, t.org_id, o.owner_id FROM transfer_tokens t JOIN "
                                "orgs o ON o.id = t.org_id AND o.closed = 0 WHERE t.token_hash = "
                                "?1 AND t.claimed_by IS NULL AND t.expires > ?2",
                                "ti", hash, srv_now_us());
    if (!st)
        return req_fail_internal(r, "transfer token lookup");
    if (sqlite3_step(st) == SQLITE_ROW) {
        fio_strlcpy(tid, db_col_text(st, 0), sizeof(tid));
        fio_strlcpy(org_id, db_col_text(st, 1), sizeof(org_id));
        fio_strlcpy(owner, db_col_text(st, 2), sizeof(owner));
    }
    sqlite3_reset(st);
    if (!tid[0])
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Transfer token not found or expired");
    if (strcmp(owner, r->caller.user_id) == 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "You already own this organization");
    int64_t now = srv_now_us();
    if (org_transfer(r, org_id, r->caller.user_id) != 0)
        return -1;
    if (db_exec(r->db,
                "UPDATE transfer_tokens SET claimed_by = ?2, claimed_at = ?3 WHERE id = ?1", "tti",
                tid, r->caller.user_id, now) != SQLITE_DONE ||
        db_exec(r->db,
                "DELETE FROM transfer_tokens WHERE org_id = ?1 AND claimed_by IS NULL", "t",
                org_id) != SQLITE_DONE)
        return req_fail_internal(r, "spend transfer token");
    if (transfer_event(r, org_id, owner, r->caller.user_id, "claim", tid) != 0)
        return -1;
    sqlite3_stmt *o = db_query(r->db, "SELECT id, domain, name, owner_id FROM orgs WHERE id = ?1",
                               "t", org_id);
    json_t *org = NULL;
    if (o && sqlite3_step(o) == SQLITE_ROW)
        org = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", db_col_text(o, 0), "domain",
                        db_col_text(o, 1), "name", db_col_text(o, 2), "owner_id",
                        db_col_text(o, 3), "user_permission", "owner");
    if (o)
        sqlite3_reset(o);
    return org ? req_set(r, "org", org) : req_fail_internal(r, "claimed org");
}

/* ---- direct transfer between members --------------------------------------------------------- */

static int direct_target(struct req *r, const struct ent *e, char uid[FIO_PROFILE_ID_SIZE])
{
    json_t *m;
    enum role role;
    if (member_find(r, e, req_arg(r, 1), &m, &role, uid) != 0)
        return -1;
    json_decref(m);
    if (role == ROLE_NONE)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Member not found");
    if (strcmp(uid, r->caller.user_id) == 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "You already own it");
    return 0;
}

/* api §3.2: POST /org/{org}/member/{user_id}/transfer_ownership/ - owner only (router); the
 * target must already be an org member. Same effect as a claim. */
int h_org_member_transfer(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    char uid[FIO_PROFILE_ID_SIZE];
    if (direct_target(r, &e, uid) != 0 || org_transfer(r, e.id, uid) != 0 ||
        transfer_event(r, e.id, r->caller.user_id, uid, "direct", NULL) != 0)
        return -1;
    return 0;
}

/* api §3.5: POST /workspace/{ws}/member/{member_id}/transfer_ownership/ - the workspace only. */
int h_ws_member_transfer(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    char uid[FIO_PROFILE_ID_SIZE];
    if (direct_target(r, &e, uid) != 0)
        return -1;
    int rc = db_exec(r->db,
                     "UPDATE workspace_members SET role = CASE WHEN user_id = ?2 THEN 'owner' "
                     "ELSE 'admin' END WHERE workspace_id = ?1 AND (user_id = ?2 OR role = "
                     "'owner')",
                     "tt", e.id, uid);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "transfer workspace");
    struct event_spec ev = {"workspace", "transfer", "workspace_transfer_completed", e.org_id, e.id,
                            uid, e.id};
    return events_add(r, &ev,
                      json_pack("{s:s, s:s}", "from", r->caller.user_id, "to", uid));
}
