/* SPDX-License-Identifier: MIT */
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
#include "store_account.h"
#include "store_member.h"
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
    /* A failed lookup reads as "" (neither agent nor human: refused). */
    if (STORE(r->st, account)->user_account_type(r->st, user_id, buf, size) != STORE_OK)
        buf[0] = 0;
    return buf;
}

/* Make `to` the owner of the org and of every workspace in it; whoever owned them before
 * becomes admin (the agent keeps admin access, api §3.3 step 5). */
static int org_transfer(struct req *r, const char *org_id, const char *to)
{
    return STORE(r->st, member)->org_transfer(r->st, org_id, to, srv_now_us()) == STORE_OK
               ? 0
               : req_fail_internal(r, "transfer org");
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

/* The wire object of a store transfer token row (store_member.h). */
static json_t *token_render(const json_t *row)
{
    int64_t now = srv_now_us();
    bool claimed = json_string_value(json_object_get(row, "claimed_by")) != NULL;
    const char *state = claimed                                         ? "claimed"
                        : (int64_t)row_int(row, "expires") <= now ? "expired"
                                                                        : "active";
    return json_pack("{s:s, s:o, s:o, s:s, s:o, s:s}", "id", row_str(row, "id"), "created",
                     row_time(row, "created"), "expires", row_time(row, "expires"),
                     "state", state, "email", row_str_or_null(row, "email"), "creator_id",
                     row_str(row, "creator_id"));
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
    if (STORE(r->st, member)->token_count_active(r->st, r->org.id, now, &active) != STORE_OK)
        return req_fail_internal(r, "count transfer tokens");
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
    if (STORE(r->st, member)->token_insert(r->st, id, r->org.id, hash, r->caller.user_id, email,
                                           now, now + TRANSFER_TTL_US) != STORE_OK)
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
    json_t *rows = NULL, *items = NULL;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    const struct store_member_ops *m = STORE(r->st, member);
    if (m->token_count(r->st, r->org.id, &total) != STORE_OK)
        return req_fail_internal(r, "count transfer tokens");
    if (m->token_list(r->st, r->org.id, pg.limit, pg.offset, &rows) != STORE_OK)
        return req_fail_internal(r, "list transfer tokens");
    int ret = rows_render(r, rows, token_render, &items);
    json_decref(rows);
    return ret == 0 ? orgws_page_reply(r, "transfer_tokens", items, total, &pg) : -1;
}

/* api §3.3: DELETE /org/{org}/transfer/token/{token_id}/ */
int h_transfer_token_delete(struct req *r)
{
    const char *tid = req_arg(r, 1);
    bool exists = false;
    if (STORE(r->st, member)->token_exists(r->st, tid, r->org.id, &exists) != STORE_OK)
        return req_fail_internal(r, "transfer token lookup");
    if (!exists)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Transfer token not found");
    if (STORE(r->st, member)->token_delete(r->st, tid, r->org.id) != STORE_OK)
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
    struct store_transfer_claim t;
    enum store_rc rc = STORE(r->st, member)->token_find(r->st, hash, srv_now_us(), &t);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Transfer token not found or expired");
    if (rc != STORE_OK)
        return req_fail_internal(r, "transfer token lookup");
    const char *tid = t.id, *org_id = t.org_id, *owner = t.owner_id;
    if (strcmp(owner, r->caller.user_id) == 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "You already own this organization");
    int64_t now = srv_now_us();
    if (org_transfer(r, org_id, r->caller.user_id) != 0)
        return -1;
    if (STORE(r->st, member)->token_spend(r->st, tid, org_id, r->caller.user_id, now) != STORE_OK)
        return req_fail_internal(r, "spend transfer token");
    if (transfer_event(r, org_id, owner, r->caller.user_id, "claim", tid) != 0)
        return -1;
    json_t *row = NULL, *org = NULL;
    if (STORE(r->st, member)->org_brief(r->st, org_id, &row) == STORE_OK)
        org = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", row_str(row, "id"), "domain",
                        row_str(row, "domain"), "name", row_str(row, "name"),
                        "owner_id", row_str(row, "owner_id"), "user_permission", "owner");
    json_decref(row);
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
    if (STORE(r->st, member)->ws_transfer(r->st, e.id, uid) != STORE_OK)
        return req_fail_internal(r, "transfer workspace");
    struct event_spec ev = {"workspace", "transfer", "workspace_transfer_completed", e.org_id, e.id,
                            uid, e.id};
    return events_add(r, &ev,
                      json_pack("{s:s, s:s}", "from", r->caller.user_id, "to", uid));
}
