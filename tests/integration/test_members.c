/* test_members.c - members, invitations, ownership transfer and events against a real server
 * (api §3.2, §3.3, §3.5, §9.4; issue 5): the seed scenario end to end (agent provisions, invites
 * a human by email, hands the org over and keeps admin), a role matrix over every new endpoint,
 * and an outsider who holds copied ids of another tenant. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "harness.h"

static struct it_server srv;

static int setup(void **state)
{
    (void)state;
    return it_server_start(&srv, NULL, NULL);
}

static int teardown(void **state)
{
    (void)state;
    int rc = it_server_stop(&srv);
    it_server_cleanup(&srv);
    return rc == 0 ? 0 : -1;
}

/* ---- helpers ---------------------------------------------------------------------------------- */

struct account {
    char email[128];
    char id[32];
    char token[160];
    struct fastio_client *c;
};

/* A new account whose email is "<prefix><n>.<pid>@<domain>". */
static void account_new_at(struct account *a, const char *prefix, const char *domain, bool agent)
{
    static unsigned n;
    snprintf(a->email, sizeof(a->email), "%s%u.%d@%s", prefix, ++n, (int)getpid(), domain);
    struct fastio_client *anon = it_client(&srv, NULL);
    struct fastio_signup su = {a->email, "correct horse battery", "T", "U", agent};
    struct fastio_error err;
    assert_int_equal(fastio_user_signup(anon, &su, NULL, &err), FASTIO_OK);
    char *tok = NULL;
    assert_int_equal(fastio_user_signin(anon, a->email, "correct horse battery", &tok, NULL, &err),
                     FASTIO_OK);
    snprintf(a->token, sizeof(a->token), "%s", tok);
    fastio_free(tok);
    fastio_client_free(anon);
    a->c = it_client(&srv, a->token);
    json_t *me = NULL;
    assert_int_equal(fastio_user_me(a->c, &me, &err), FASTIO_OK);
    snprintf(a->id, sizeof(a->id), "%s", json_string_value(json_object_get(me, "id")));
    json_decref(me);
}

static void account_new(struct account *a, const char *prefix, bool agent)
{
    account_new_at(a, prefix, "example.test", agent);
}

static void account_free(struct account *a)
{
    fastio_client_free(a->c);
    a->c = NULL;
}

/* Call an endpoint row with up to two path arguments and up to two parameters; *out (may be
 * NULL) gets the row's result (owned). */
static enum fastio_status call(struct fastio_client *c, enum fastio_endpoint ep, const char *a0,
                               const char *a1, const char *p0, const char *v0, const char *p1,
                               const char *v1, json_t **out, struct fastio_error *err)
{
    const char *args[2] = {a0, a1};
    struct fastio_param params[2] = {{p0, v0}, {p1, v1}};
    size_t np = p1 ? 2 : p0 ? 1 : 0;
    json_t *resp = NULL;
    enum fastio_status st = fastio_call(c, ep, args, fastio_endpoint_get(ep)->path_args, params,
                                        np, &resp, err);
    if (out) {
        *out = NULL;
        if (st == FASTIO_OK) {
            *out = fastio_result(resp, ep);
            json_incref(*out);
        }
    }
    json_decref(resp);
    return st;
}

#define CALL_OK(c, ep, a0, a1, p0, v0, p1, v1, out)                                                \
    do {                                                                                           \
        struct fastio_error e_;                                                                    \
        enum fastio_status s_ = call(c, ep, a0, a1, p0, v0, p1, v1, out, &e_);                     \
        if (s_ != FASTIO_OK)                                                                       \
            fail_msg("%s: %s (%ld)", #ep, e_.message, e_.api_code);                                \
    } while (0)

static void create_org(struct account *a, const char *prefix, char org_id[32], char domain[64])
{
    it_unique_name(prefix, domain, 64);
    struct fastio_org_opts oo = {domain, NULL, NULL, NULL, NULL};
    json_t *org = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_create(a->c, &oo, &org, &err), FASTIO_OK);
    snprintf(org_id, 32, "%s", json_string_value(json_object_get(org, "id")));
    json_decref(org);
}

static void create_ws(struct account *a, const char *org_id, char ws_id[32])
{
    char folder[64];
    it_unique_name("ws", folder, sizeof(folder));
    struct fastio_workspace_opts wo = {"Team space", folder, NULL, NULL, NULL, 0};
    json_t *ws = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_workspace_create(a->c, org_id, &wo, &ws, &err), FASTIO_OK);
    snprintf(ws_id, 32, "%s", json_string_value(json_object_get(ws, "id")));
    json_decref(ws);
}

/* An .eml in DATA/outbox addressed to `to` whose text contains `needle` (owned) or NULL. */
static char *outbox_find(const char *to, const char *needle)
{
    char dir[400], want[200];
    snprintf(dir, sizeof(dir), "%s/outbox", srv.dir);
    snprintf(want, sizeof(want), "\r\nTo: %s\r\n", to);
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *found = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
            continue;
        char path[700];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char *buf = calloc(1, 65536);
        size_t n = buf ? fread(buf, 1, 65535, f) : 0;
        fclose(f);
        if (buf && n && strstr(buf, want) && strstr(buf, needle)) {
            free(found);
            found = buf;
        } else {
            free(buf);
        }
    }
    closedir(d);
    return found;
}

/* Role of user `who` in an org / workspace, as the member details show it ("" when none). */
static void role_of(struct account *asker, enum fastio_endpoint ep, const char *ent,
                    const char *who, char *out, size_t size)
{
    json_t *m = NULL;
    struct fastio_error err;
    out[0] = 0;
    if (call(asker->c, ep, ent, who, NULL, NULL, NULL, NULL, &m, &err) == FASTIO_OK)
        snprintf(out, size, "%s", json_string_value(json_object_get(m, "permissions")));
    json_decref(m);
}

static bool events_have(json_t *events, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0)
            return true;
    }
    return false;
}

/* ---- the seed scenario ------------------------------------------------------------------------ */

static void test_seed_scenario(void **state)
{
    (void)state;
    struct account agent, human;
    account_new(&agent, "agent", true);
    char org[32], domain[64], ws1[32], ws2[32];
    create_org(&agent, "seed", org, domain);
    create_ws(&agent, org, ws1);
    create_ws(&agent, org, ws2);

    /* The human has no account yet: inviting the email makes a pending invitation and a mail. */
    char human_email[128];
    snprintf(human_email, sizeof(human_email), "human.%d@example.test", (int)getpid());
    json_t *m = NULL;
    CALL_OK(agent.c, FASTIO_EP_ORG_MEMBERS_ADD, org, human_email, "permissions", "member", NULL,
            NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "pending");
    json_decref(m);
    char *mail = outbox_find(human_email, "invited");
    assert_non_null(mail);
    assert_non_null(strstr(mail, "Subject: You are invited to the organization"));
    assert_non_null(strstr(mail, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(mail, "Message-ID: <"));
    assert_non_null(strstr(mail, "\r\nDate: "));
    free(mail);

    /* The list shows the pending invitee. */
    json_t *users = NULL;
    CALL_OK(agent.c, FASTIO_EP_ORG_MEMBERS_LIST, org, NULL, NULL, NULL, NULL, NULL, &users);
    assert_int_equal(json_array_size(users), 2);
    json_decref(users);

    /* The human signs up with that address and sees the invitation. */
    struct fastio_client *anon = it_client(&srv, NULL);
    struct fastio_signup su = {human_email, "correct horse battery", "Hu", "Man", false};
    struct fastio_error err;
    assert_int_equal(fastio_user_signup(anon, &su, NULL, &err), FASTIO_OK);
    char *tok = NULL;
    assert_int_equal(fastio_user_signin(anon, human_email, "correct horse battery", &tok, NULL,
                                        &err),
                     FASTIO_OK);
    fastio_client_free(anon);
    snprintf(human.email, sizeof(human.email), "%s", human_email);
    snprintf(human.token, sizeof(human.token), "%s", tok);
    fastio_free(tok);
    human.c = it_client(&srv, human.token);
    json_t *me = NULL;
    assert_int_equal(fastio_user_me(human.c, &me, &err), FASTIO_OK);
    snprintf(human.id, sizeof(human.id), "%s", json_string_value(json_object_get(me, "id")));
    json_decref(me);

    json_t *invs = NULL;
    CALL_OK(human.c, FASTIO_EP_USER_INVITATIONS_LIST, NULL, NULL, NULL, NULL, NULL, NULL, &invs);
    assert_int_equal(json_array_size(invs), 1);
    char inv_id[64];
    snprintf(inv_id, sizeof(inv_id), "%s",
             json_string_value(json_object_get(json_array_get(invs, 0), "id")));
    json_decref(invs);
    json_t *inv = NULL;
    CALL_OK(human.c, FASTIO_EP_ORG_INVITATION_ACCEPT, org, inv_id, NULL, NULL, NULL, NULL, &inv);
    assert_string_equal(json_string_value(json_object_get(inv, "state")), "accepted");
    json_decref(inv);
    char role[32];
    role_of(&agent, FASTIO_EP_ORG_MEMBER_DETAILS, org, human.id, role, sizeof(role));
    assert_string_equal(role, "member");

    /* Only agents mint tokens; the human (a member) cannot reach the route at all. */
    assert_int_equal(call(human.c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, org, NULL, NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    json_t *t = NULL;
    CALL_OK(agent.c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, org, NULL, "email", human_email, NULL,
            NULL, &t);
    const char *token = json_string_value(json_object_get(t, "token"));
    assert_int_equal(strlen(token), 64);
    /* The claim mail carries the token. */
    mail = outbox_find(human_email, "Claim ownership");
    assert_non_null(mail);
    assert_non_null(strstr(mail, "Subject: Claim ownership"));
    assert_non_null(strstr(mail, token));
    free(mail);
    /* Only the hash is stored. */
    assert_int_equal(it_db(&srv, "SELECT COUNT(*) FROM transfer_tokens WHERE token_hash = ?1",
                           token, NULL),
                     0);
    json_t *tl = NULL;
    CALL_OK(agent.c, FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, org, NULL, NULL, NULL, NULL, NULL, &tl);
    assert_int_equal(json_array_size(tl), 1);
    char *tl_text = json_dumps(tl, 0);
    assert_null(strstr(tl_text, token));
    free(tl_text);
    json_decref(tl);

    /* An agent cannot claim; the human can. */
    assert_int_equal(call(agent.c, FASTIO_EP_ORG_TRANSFER_CLAIM, NULL, NULL, "token", token, NULL,
                          NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    json_t *claimed = NULL;
    CALL_OK(human.c, FASTIO_EP_ORG_TRANSFER_CLAIM, NULL, NULL, "token", token, NULL, NULL,
            &claimed);
    assert_string_equal(json_string_value(json_object_get(claimed, "owner_id")), human.id);
    json_decref(claimed);
    /* Spent. */
    assert_int_equal(call(human.c, FASTIO_EP_ORG_TRANSFER_CLAIM, NULL, NULL, "token", token, NULL,
                          NULL, NULL, &err),
                     FASTIO_NOT_FOUND);
    json_decref(t);

    /* Afterwards: the human owns the org and both workspaces, the agent is admin everywhere. */
    role_of(&human, FASTIO_EP_ORG_MEMBER_DETAILS, org, human.id, role, sizeof(role));
    assert_string_equal(role, "owner");
    role_of(&human, FASTIO_EP_ORG_MEMBER_DETAILS, org, agent.id, role, sizeof(role));
    assert_string_equal(role, "admin");
    const char *wss[2] = {ws1, ws2};
    for (int i = 0; i < 2; i++) {
        role_of(&human, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, wss[i], human.id, role, sizeof(role));
        assert_string_equal(role, "owner");
        role_of(&human, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, wss[i], agent.id, role, sizeof(role));
        assert_string_equal(role, "admin");
    }
    json_t *o = NULL;
    assert_int_equal(fastio_org_details(human.c, org, &o, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(o, "owner_id")), human.id);
    json_decref(o);
    /* The agent, now admin, can no longer mint tokens. */
    assert_int_equal(call(agent.c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, org, NULL, NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_FORBIDDEN);

    /* All of it is in the audit log. */
    json_t *events = NULL;
    CALL_OK(human.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, "limit", "250", &events);
    const char *want[] = {"invitation_created",         "invitation_accepted",
                          "added_member_to_org",        "org_transfer_token_created",
                          "org_transfer_completed"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!events_have(events, want[i]))
            fail_msg("event %s missing", want[i]);
    json_decref(events);
    CALL_OK(human.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, "event",
            "org_transfer_completed", &events);
    assert_int_equal(json_array_size(events), 1);
    json_t *ev = json_array_get(events, 0);
    assert_string_equal(json_string_value(json_object_get(ev, "user_id")), human.id);
    char ev_id[64];
    snprintf(ev_id, sizeof(ev_id), "%s", json_string_value(json_object_get(ev, "id")));
    json_decref(events);
    json_t *acked = NULL;
    CALL_OK(human.c, FASTIO_EP_EVENT_ACK, ev_id, NULL, NULL, NULL, NULL, NULL, &acked);
    assert_true(json_is_true(json_object_get(acked, "acknowledged")));
    json_decref(acked);
    CALL_OK(human.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "user_id", human.id, "acknowledged",
            "true", &events);
    assert_int_equal(json_array_size(events), 1);
    json_decref(events);
    account_free(&agent);
    account_free(&human);
}

/* ---- the role matrix -------------------------------------------------------------------------- */

enum { R_OWNER = 1, R_ADMIN = 2, R_MEMBER = 4, R_GUEST = 8, R_OUTSIDER = 16, N_ROLES = 5 };
enum arg { A_NONE, A_ORG, A_WS, A_OWNER, A_VICTIM_ORG, A_VICTIM_WS, A_FRESH_EMAIL,
           A_FRESH_ORG_MEMBER, A_FRESH_WS_MEMBER, A_ORG_INV };

/* One row per endpoint (and scope) of issue 5: who may call it. Roles: O owner (an agent
 * account), A admin of org and workspace, M member of both, G guest of the workspace only,
 * X outsider. Default settings: perm_member_manage "Admin or above", perm_join "Member or
 * above". `skip` roles are not called (their allowed call would change the fixture). */
struct matrix_row {
    const char *name;
    enum fastio_endpoint ep;
    enum arg a0, a1;
    const char *p0, *v0; /* v0 NULL with p0 "workspace_id"/"org_id": the fixture's id */
    unsigned allow, skip;
};

static const struct matrix_row matrix[] = {
    {"org members list", FASTIO_EP_ORG_MEMBERS_LIST, A_ORG, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"org member details", FASTIO_EP_ORG_MEMBER_DETAILS, A_ORG, A_OWNER, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"org member add (invite)", FASTIO_EP_ORG_MEMBERS_ADD, A_ORG, A_FRESH_EMAIL, "permissions",
     "member", R_OWNER | R_ADMIN, 0},
    {"org member update", FASTIO_EP_ORG_MEMBER_UPDATE, A_ORG, A_VICTIM_ORG, "permissions",
     "member", R_OWNER | R_ADMIN, 0},
    {"org member remove", FASTIO_EP_ORG_MEMBERS_REMOVE, A_ORG, A_FRESH_ORG_MEMBER, NULL, NULL,
     R_OWNER | R_ADMIN, 0},
    {"org member transfer", FASTIO_EP_ORG_MEMBER_TRANSFER, A_ORG, A_VICTIM_ORG, NULL, NULL, 0,
     R_OWNER},
    {"org invitations list", FASTIO_EP_ORG_INVITATIONS_LIST, A_ORG, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN, 0},
    {"org invitation update", FASTIO_EP_ORG_INVITATION_UPDATE, A_ORG, A_ORG_INV, "permissions",
     "member", R_OWNER | R_ADMIN, 0},
    {"org transfer token create", FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, A_ORG, A_NONE, NULL, NULL,
     R_OWNER, 0},
    {"org transfer token list", FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, A_ORG, A_NONE, NULL, NULL,
     R_OWNER, 0},
    {"ws members list", FASTIO_EP_WORKSPACE_MEMBERS_LIST, A_WS, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"ws member details", FASTIO_EP_WORKSPACE_MEMBER_DETAILS, A_WS, A_OWNER, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"ws member add (invite)", FASTIO_EP_WORKSPACE_MEMBERS_ADD, A_WS, A_FRESH_EMAIL,
     "permissions", "guest", R_OWNER | R_ADMIN, 0},
    {"ws member update", FASTIO_EP_WORKSPACE_MEMBER_UPDATE, A_WS, A_VICTIM_WS, "permissions",
     "guest", R_OWNER | R_ADMIN, 0},
    {"ws member remove", FASTIO_EP_WORKSPACE_MEMBERS_REMOVE, A_WS, A_FRESH_WS_MEMBER, NULL, NULL,
     R_OWNER | R_ADMIN, 0},
    {"ws member transfer", FASTIO_EP_WORKSPACE_MEMBER_TRANSFER, A_WS, A_VICTIM_WS, NULL, NULL, 0,
     R_OWNER},
    {"ws invitations list", FASTIO_EP_WORKSPACE_INVITATIONS_LIST, A_WS, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN, 0},
    /* members (the guest too) get their membership back; the outsider is outside the org */
    {"ws self-join", FASTIO_EP_WORKSPACE_MEMBERS_JOIN, A_WS, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER | R_GUEST, 0},
    {"events of the workspace", FASTIO_EP_EVENTS_SEARCH, A_NONE, A_NONE, "workspace_id", NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"events of the org", FASTIO_EP_EVENTS_SEARCH, A_NONE, A_NONE, "org_id", NULL,
     R_OWNER | R_ADMIN, 0},
};

struct fixture {
    struct account who[N_ROLES]; /* owner, admin, member, guest, outsider */
    struct account victim_org, victim_ws;
    char org[32], domain[64], ws[32], org_inv[64];
};

static void fixture_make(struct fixture *f)
{
    static const char *const names[N_ROLES] = {"owner", "admin", "member", "guest", "outsider"};
    for (int i = 0; i < N_ROLES; i++)
        account_new(&f->who[i], names[i], i == 0);
    account_new(&f->victim_org, "vorg", false);
    account_new(&f->victim_ws, "vws", false);
    struct account *o = &f->who[0];
    create_org(o, "matrix", f->org, f->domain);
    create_ws(o, f->org, f->ws);
    CALL_OK(o->c, FASTIO_EP_ORG_MEMBERS_ADD, f->org, f->who[1].id, "permissions", "admin", NULL,
            NULL, NULL);
    CALL_OK(o->c, FASTIO_EP_ORG_MEMBERS_ADD, f->org, f->who[2].email, "permissions", "member",
            NULL, NULL, NULL);
    CALL_OK(o->c, FASTIO_EP_ORG_MEMBERS_ADD, f->org, f->victim_org.id, NULL, NULL, NULL, NULL,
            NULL);
    CALL_OK(o->c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, f->ws, f->who[1].id, "permissions", "admin",
            NULL, NULL, NULL);
    CALL_OK(o->c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, f->ws, f->who[2].id, "permissions", "member",
            NULL, NULL, NULL);
    CALL_OK(o->c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, f->ws, f->who[3].id, "permissions", "guest",
            NULL, NULL, NULL);
    CALL_OK(o->c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, f->ws, f->victim_ws.id, "permissions", "guest",
            NULL, NULL, NULL);
    json_t *inv = NULL;
    CALL_OK(o->c, FASTIO_EP_ORG_MEMBERS_ADD, f->org, "pending.matrix@example.test", NULL, NULL,
            NULL, NULL, &inv);
    snprintf(f->org_inv, sizeof(f->org_inv), "%s",
             json_string_value(json_object_get(json_object_get(inv, "invite"), "id")));
    json_decref(inv);
}

static void fixture_free(struct fixture *f)
{
    for (int i = 0; i < N_ROLES; i++)
        account_free(&f->who[i]);
    account_free(&f->victim_org);
    account_free(&f->victim_ws);
}

static const char *arg_value(struct fixture *f, enum arg a, char *buf, size_t size)
{
    static unsigned n;
    struct account fresh;
    switch (a) {
    case A_NONE:
        return NULL;
    case A_ORG:
        return f->org;
    case A_WS:
        return f->ws;
    case A_OWNER:
        return f->who[0].id;
    case A_VICTIM_ORG:
        return f->victim_org.id;
    case A_VICTIM_WS:
        return f->victim_ws.id;
    case A_FRESH_EMAIL:
        snprintf(buf, size, "fresh%u.%d@example.test", ++n, (int)getpid());
        return buf;
    case A_FRESH_ORG_MEMBER:
    case A_FRESH_WS_MEMBER:
        account_new(&fresh, "fresh", false);
        CALL_OK(f->who[0].c,
                a == A_FRESH_ORG_MEMBER ? FASTIO_EP_ORG_MEMBERS_ADD
                                        : FASTIO_EP_WORKSPACE_MEMBERS_ADD,
                a == A_FRESH_ORG_MEMBER ? f->org : f->ws, fresh.id, "permissions",
                a == A_FRESH_ORG_MEMBER ? "member" : "guest", NULL, NULL, NULL);
        snprintf(buf, size, "%s", fresh.id);
        account_free(&fresh);
        return buf;
    case A_ORG_INV:
        return f->org_inv;
    }
    return NULL;
}

static void test_role_matrix(void **state)
{
    (void)state;
    struct fixture f;
    fixture_make(&f);
    int failures = 0;
    for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
        const struct matrix_row *row = &matrix[i];
        for (int k = 0; k < N_ROLES; k++) {
            unsigned bit = 1u << k;
            if (row->skip & bit)
                continue;
            char b0[128], b1[128];
            const char *a0 = arg_value(&f, row->a0, b0, sizeof(b0));
            const char *a1 = arg_value(&f, row->a1, b1, sizeof(b1));
            const char *v0 = row->v0;
            if (row->p0 && !v0)
                v0 = strcmp(row->p0, "org_id") == 0 ? f.org : f.ws;
            json_t *out = NULL;
            struct fastio_error err;
            enum fastio_status st =
                call(f.who[k].c, row->ep, a0, a1, row->p0, v0, NULL, NULL, &out, &err);
            enum fastio_status want = (row->allow & bit) ? FASTIO_OK : FASTIO_FORBIDDEN;
            if (st != want) {
                fprintf(stderr, "matrix: %s by %s: got %s (%s), want %s\n", row->name,
                        f.who[k].email, fastio_status_name(st), err.message,
                        fastio_status_name(want));
                failures++;
            }
            /* A denial names nothing of the org or workspace. */
            if (st != FASTIO_OK && (strstr(err.message, f.domain) || strstr(err.message, f.ws)))
                failures++;
            json_decref(out);
        }
    }
    assert_int_equal(failures, 0);
    fixture_free(&f);
}

/* ---- an outsider with copied ids -------------------------------------------------------------- */

static void test_outsider_copied_ids(void **state)
{
    (void)state;
    struct account owner, x;
    account_new(&owner, "owner", true);
    account_new(&x, "intruder", true);
    char org[32], domain[64], ws[32];
    create_org(&owner, "private", org, domain);
    create_ws(&owner, org, ws);
    json_t *inv = NULL;
    CALL_OK(owner.c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, ws, "someone@example.test", NULL, NULL,
            NULL, NULL, &inv);
    char inv_id[64];
    snprintf(inv_id, sizeof(inv_id), "%s",
             json_string_value(json_object_get(json_object_get(inv, "invite"), "id")));
    json_decref(inv);
    json_t *t = NULL;
    CALL_OK(owner.c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, org, NULL, NULL, NULL, NULL, NULL, &t);
    char tok_id[64];
    snprintf(tok_id, sizeof(tok_id), "%s", json_string_value(json_object_get(t, "id")));
    json_decref(t);
    json_t *events = NULL;
    CALL_OK(owner.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, NULL, NULL, &events);
    assert_true(json_array_size(events) > 0);
    char ev_id[64];
    snprintf(ev_id, sizeof(ev_id), "%s",
             json_string_value(json_object_get(json_array_get(events, 0), "id")));
    json_decref(events);
    long long before = it_db(&srv, "SELECT COUNT(*) FROM invitations", NULL) * 1000 +
                       it_db(&srv, "SELECT COUNT(*) FROM workspace_members", NULL);

    struct {
        enum fastio_endpoint ep;
        const char *a0, *a1, *p0, *v0;
        enum fastio_status want;
    } tries[] = {
        {FASTIO_EP_ORG_MEMBERS_LIST, domain, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_MEMBER_DETAILS, org, owner.id, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_MEMBER_DETAILS, domain, owner.email, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_MEMBERS_ADD, org, x.id, "permissions", "admin", FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_TRANSFER_TOKEN_DELETE, org, tok_id, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, domain, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_WORKSPACE_MEMBERS_LIST, ws, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_WORKSPACE_MEMBERS_JOIN, ws, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_WORKSPACE_INVITATION_UPDATE, ws, inv_id, "permissions", "admin",
         FASTIO_FORBIDDEN},
        {FASTIO_EP_WORKSPACE_INVITATION_DELETE, ws, inv_id, NULL, NULL, FASTIO_FORBIDDEN},
        /* the invitation is someone else's: unknown to the intruder */
        {FASTIO_EP_WORKSPACE_INVITATION_ACCEPT, ws, inv_id, NULL, NULL, FASTIO_NOT_FOUND},
        {FASTIO_EP_USER_INVITATION_DETAILS, inv_id, NULL, NULL, NULL, FASTIO_NOT_FOUND},
        {FASTIO_EP_EVENT_DETAILS, ev_id, NULL, NULL, NULL, FASTIO_NOT_FOUND},
        {FASTIO_EP_EVENT_ACK, ev_id, NULL, NULL, NULL, FASTIO_NOT_FOUND},
        {FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, FASTIO_FORBIDDEN},
        {FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "workspace_id", ws, FASTIO_FORBIDDEN},
        {FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "user_id", owner.id, FASTIO_FORBIDDEN},
        /* a guessed id that does not exist answers exactly like a foreign one */
        {FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "workspace_id", "1234567890123456789",
         FASTIO_FORBIDDEN},
    };
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        json_t *out = NULL;
        struct fastio_error err;
        enum fastio_status st = call(x.c, tries[i].ep, tries[i].a0, tries[i].a1, tries[i].p0,
                                     tries[i].v0, NULL, NULL, &out, &err);
        if (st != tries[i].want)
            fail_msg("try %zu (%s): got %s: %s", i, fastio_endpoint_get(tries[i].ep)->name,
                     fastio_status_name(st), err.message);
        assert_null(out);
        assert_null(strstr(err.message, domain));
        assert_null(strstr(err.message, owner.email));
    }
    /* The outsider's own lists show nothing of it. */
    json_t *mine = NULL;
    CALL_OK(x.c, FASTIO_EP_USER_INVITATIONS_LIST, NULL, NULL, NULL, NULL, NULL, NULL, &mine);
    assert_int_equal(json_array_size(mine), 0);
    json_decref(mine);
    CALL_OK(x.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "user_id", x.id, NULL, NULL, &mine);
    char *text = json_dumps(mine, 0);
    assert_null(strstr(text, org));
    free(text);
    json_decref(mine);
    /* Nothing changed. */
    long long after = it_db(&srv, "SELECT COUNT(*) FROM invitations", NULL) * 1000 +
                      it_db(&srv, "SELECT COUNT(*) FROM workspace_members", NULL);
    assert_int_equal(before, after);
    json_t *tl = NULL;
    CALL_OK(owner.c, FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, org, NULL, NULL, NULL, NULL, NULL, &tl);
    assert_int_equal(json_array_size(tl), 1);
    json_decref(tl);
    account_free(&owner);
    account_free(&x);
}

/* ---- member lifecycle and the rules on targets ------------------------------------------------ */

static void test_member_lifecycle(void **state)
{
    (void)state;
    struct account o, a, b;
    account_new(&o, "owner", false);
    account_new(&a, "alice", false);
    account_new(&b, "bob", false);
    char org[32], domain[64], ws[32];
    create_org(&o, "life", org, domain);
    create_ws(&o, org, ws);
    struct fastio_error err;
    json_t *m = NULL;
    /* An existing account by email is a member at once. */
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, a.email, "permissions", "admin", NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "active");
    assert_string_equal(json_string_value(json_object_get(m, "id")), a.id);
    json_decref(m);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, a.id, NULL, NULL, NULL, NULL, NULL,
                          &err),
                     FASTIO_CONFLICT);
    /* Never owner; unknown ids; bad roles. */
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBER_UPDATE, org, a.id, "permissions", "owner",
                          NULL, NULL, NULL, &err),
                     FASTIO_INVALID);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, b.id, "permissions", "guest", NULL,
                          NULL, NULL, &err),
                     FASTIO_INVALID);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, "1234567890123456789", NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_NOT_FOUND);
    /* Header injection through the address is refused before any mail is written. */
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, "x@y.test\r\nBcc: e@vil.test",
                          NULL, NULL, NULL, NULL, NULL, &err),
                     FASTIO_INVALID);
    /* The admin cannot touch the owner, nor leave the owner without an org. */
    assert_int_equal(call(a.c, FASTIO_EP_ORG_MEMBERS_REMOVE, org, o.id, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBER_LEAVE, org, NULL, NULL, NULL, NULL, NULL, NULL,
                          &err),
                     FASTIO_FORBIDDEN);
    /* Role update, details, remove. */
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBER_UPDATE, org, a.id, "permissions", "member", NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "permissions")), "member");
    json_decref(m);
    /* A member cannot manage members while perm_member_manage is "Admin or above" ... */
    assert_int_equal(call(a.c, FASTIO_EP_ORG_MEMBERS_ADD, org, b.id, NULL, NULL, NULL, NULL, NULL,
                          &err),
                     FASTIO_FORBIDDEN);
    /* ... and can once it is "Member or above", but not grant admin. */
    struct fastio_param up[] = {{"perm_member_manage", "Member or above"}};
    json_t *org_out = NULL;
    assert_int_equal(fastio_org_update(o.c, org, up, 1, &org_out, &err), FASTIO_OK);
    json_decref(org_out);
    assert_int_equal(call(a.c, FASTIO_EP_ORG_MEMBERS_ADD, org, b.id, "permissions", "admin", NULL,
                          NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    CALL_OK(a.c, FASTIO_EP_ORG_MEMBERS_ADD, org, b.id, NULL, NULL, NULL, NULL, NULL);
    CALL_OK(b.c, FASTIO_EP_ORG_MEMBER_LEAVE, org, NULL, NULL, NULL, NULL, NULL, NULL);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBER_DETAILS, org, b.id, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_NOT_FOUND);
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBERS_REMOVE, org, a.id, NULL, NULL, NULL, NULL, NULL);

    /* Workspace self-join follows perm_join with the org role. */
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, b.id, NULL, NULL, NULL, NULL, NULL);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_UPDATE, ws, NULL, "perm_join", "Admin or above", NULL, NULL,
            NULL);
    assert_int_equal(call(b.c, FASTIO_EP_WORKSPACE_MEMBERS_JOIN, ws, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_UPDATE, ws, NULL, "perm_join", "Member or above", NULL,
            NULL, NULL);
    CALL_OK(b.c, FASTIO_EP_WORKSPACE_MEMBERS_JOIN, ws, NULL, NULL, NULL, NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "permissions")), "member");
    json_decref(m);
    CALL_OK(b.c, FASTIO_EP_WORKSPACE_MEMBER_LEAVE, ws, NULL, NULL, NULL, NULL, NULL, NULL);

    /* Invitations: decline, manager update / re-open / delete, acceptall. */
    char email[128];
    snprintf(email, sizeof(email), "late.%d@example.test", (int)getpid());
    json_t *inv = NULL;
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, ws, email, "permissions", "guest", NULL, NULL,
            &inv);
    char inv_id[64];
    snprintf(inv_id, sizeof(inv_id), "%s",
             json_string_value(json_object_get(json_object_get(inv, "invite"), "id")));
    json_decref(inv);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_INVITATION_UPDATE, ws, inv_id, "permissions", "member", NULL,
            NULL, &inv);
    assert_string_equal(json_string_value(json_object_get(inv, "permissions")), "member");
    json_decref(inv);
    json_t *list = NULL;
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_INVITATIONS_LIST_STATE, ws, "pending", NULL, NULL, NULL,
            NULL, &list);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(call(o.c, FASTIO_EP_WORKSPACE_INVITATIONS_LIST_STATE, ws, "bogus", NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_INVALID);

    struct fastio_client *anon = it_client(&srv, NULL);
    struct fastio_signup su = {email, "correct horse battery", NULL, NULL, false};
    assert_int_equal(fastio_user_signup(anon, &su, NULL, &err), FASTIO_OK);
    char *tok = NULL;
    assert_int_equal(fastio_user_signin(anon, email, "correct horse battery", &tok, NULL, &err),
                     FASTIO_OK);
    fastio_client_free(anon);
    struct fastio_client *late = it_client(&srv, tok);
    fastio_free(tok);
    CALL_OK(late, FASTIO_EP_WORKSPACE_INVITATION_DECLINE, ws, inv_id, NULL, NULL, NULL, NULL,
            &inv);
    assert_string_equal(json_string_value(json_object_get(inv, "state")), "declined");
    json_decref(inv);
    assert_int_equal(call(late, FASTIO_EP_WORKSPACE_INVITATION_ACCEPT, ws, inv_id, NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_NOT_FOUND);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_INVITATION_UPDATE, ws, inv_id, "state", "pending", NULL, NULL,
            NULL);
    json_t *all = NULL;
    CALL_OK(late, FASTIO_EP_USER_INVITATIONS_ACCEPTALL, NULL, NULL, NULL, NULL, NULL, NULL, &all);
    assert_int_equal(json_array_size(all), 1);
    json_decref(all);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_MEMBERS_LIST, ws, NULL, NULL, NULL, NULL, NULL, &list);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    assert_int_equal(call(o.c, FASTIO_EP_WORKSPACE_INVITATION_UPDATE, ws, inv_id, "state",
                          "pending", NULL, NULL, NULL, &err),
                     FASTIO_CONFLICT);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_INVITATION_DELETE, ws, inv_id, NULL, NULL, NULL, NULL, NULL);
    fastio_client_free(late);

    /* Direct workspace transfer: the old owner becomes admin. */
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, ws, b.id, "permissions", "admin", NULL, NULL,
            NULL);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_MEMBER_TRANSFER, ws, b.id, NULL, NULL, NULL, NULL, NULL);
    char role[32];
    role_of(&b, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, ws, b.id, role, sizeof(role));
    assert_string_equal(role, "owner");
    role_of(&b, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, ws, o.id, role, sizeof(role));
    assert_string_equal(role, "admin");
    /* Direct org transfer (owner only): b owns org and all its workspaces. */
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBER_TRANSFER, org, b.id, NULL, NULL, NULL, NULL, NULL);
    role_of(&b, FASTIO_EP_ORG_MEMBER_DETAILS, org, o.id, role, sizeof(role));
    assert_string_equal(role, "admin");
    account_free(&o);
    account_free(&a);
    account_free(&b);
}

/* ---- the .eml format -------------------------------------------------------------------------- */

static void test_eml_format(void **state)
{
    (void)state;
    struct account o;
    account_new(&o, "mailer", false);
    char org[32], domain[64];
    create_org(&o, "mail", org, domain);
    /* A non-ASCII org name ends up in the subject: RFC 2047 encoded. */
    struct fastio_param up[] = {{"name", "Caf\xc3\xa9 \xe2\x98\x95 Team"}};
    json_t *out = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_update(o.c, org, up, 1, &out, &err), FASTIO_OK);
    json_decref(out);
    char email[128];
    snprintf(email, sizeof(email), "eml.%d@example.test", (int)getpid());
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, email, NULL, NULL, NULL, NULL, NULL);
    char *mail = outbox_find(email, "Subject");
    assert_non_null(mail);
    assert_non_null(strstr(mail, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(mail, "MIME-Version: 1.0\r\n"));
    assert_non_null(strstr(mail, "From: "));
    /* Every line ends in CRLF; the header block ends with an empty line. */
    for (const char *p = mail; *p; p++)
        if (*p == '\n')
            assert_true(p > mail && p[-1] == '\r');
    assert_non_null(strstr(mail, "\r\n\r\n"));
    free(mail);
    /* No temp files are left behind. */
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/outbox", srv.dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        assert_true(strncmp(de->d_name, ".tmp-", 5) != 0);
    closedir(d);
    account_free(&o);
}

/* ---- org self-join by authorized email domain (api §3.2) ------------------------------------- */

static void test_org_self_join_domain(void **state)
{
    (void)state;
    char dom[64], dom_upper[64], sub[80];
    snprintf(dom, sizeof(dom), "join%d.example", (int)getpid());
    snprintf(dom_upper, sizeof(dom_upper), "JOIN%d.Example", (int)getpid());
    snprintf(sub, sizeof(sub), "sub.%s", dom);
    struct account o, in, out, subd;
    account_new(&o, "joinowner", false);
    account_new_at(&in, "joiner", dom, false);
    account_new(&out, "stranger", false);
    account_new_at(&subd, "subjoiner", sub, false);
    char org[32], domain[64];
    create_org(&o, "selfjoin", org, domain);
    struct fastio_error err;

    /* No authorized domains yet: everyone is refused, as before. */
    assert_int_equal(call(in.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);

    /* Listed in another case and with '@': the match ignores ASCII case. */
    char list[160];
    snprintf(list, sizeof(list), "other.test, @%s", dom_upper);
    struct fastio_param up[] = {{"perm_auth_domains", list}};
    json_t *res = NULL;
    assert_int_equal(fastio_org_update(o.c, org, up, 1, &res, &err), FASTIO_OK);
    json_decref(res);

    json_t *m = NULL;
    CALL_OK(in.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "permissions")), "member");
    assert_string_equal(json_string_value(json_object_get(m, "id")), in.id);
    json_decref(m);
    char role[32];
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, in.id, role, sizeof(role));
    assert_string_equal(role, "member");

    /* Joining again: 200 with the unchanged membership (idempotent). */
    CALL_OK(in.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "permissions")), "member");
    json_decref(m);

    /* Another domain, and a subdomain of the listed one: refused, nothing stored. */
    assert_int_equal(call(out.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(err.http_status, 403);
    assert_int_equal(call(subd.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, out.id, role, sizeof(role));
    assert_string_equal(role, "");
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, subd.id, role, sizeof(role));
    assert_string_equal(role, "");

    /* The join is an event of the org (and so an activity "members" change). */
    json_t *events = NULL;
    CALL_OK(o.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, "event", "member_joined_org",
            &events);
    assert_int_equal(json_array_size(events), 1);
    json_decref(events);

    /* The new member can use member routes now. */
    CALL_OK(in.c, FASTIO_EP_ORG_MEMBER_DETAILS, org, in.id, NULL, NULL, NULL, NULL, NULL);

    account_free(&o);
    account_free(&in);
    account_free(&out);
    account_free(&subd);
}

/* With the relay down, mail stays in the outbox (and is retried); nothing reaches sent/. */
static void test_relay_down_keeps_mail(void **state)
{
    (void)state;
    struct it_server s2;
    const char *const args[] = {"--smtp-url", "smtp://127.0.0.1:1", "--smtp-from",
                                "Fastio <noreply@example.test>", NULL};
    assert_int_equal(it_server_start(&s2, NULL, args), 0);
    struct fastio_client *c = it_client(&s2, s2.owner_key);
    struct fastio_org_opts oo = {"relay-org", NULL, NULL, NULL, NULL};
    json_t *org = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_create(c, &oo, &org, &err), FASTIO_OK);
    json_decref(org);
    CALL_OK(c, FASTIO_EP_ORG_MEMBERS_ADD, "relay-org", "queued@example.test", NULL, NULL, NULL,
            NULL, NULL);
    usleep(300 * 1000); /* let the relay try (and fail) at least once */
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/outbox", s2.dir);
    int eml = 0, sent = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".eml") && de->d_name[0] != '.')
            eml++;
    closedir(d);
    snprintf(dir, sizeof(dir), "%s/outbox/sent", s2.dir);
    d = opendir(dir);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".eml"))
            sent++;
    closedir(d);
    assert_int_equal(eml, 1);
    assert_int_equal(sent, 0);
    fastio_client_free(c);
    assert_int_equal(it_server_stop(&s2), 0);
    it_server_cleanup(&s2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_seed_scenario),
    cmocka_unit_test(test_role_matrix),
    cmocka_unit_test(test_outsider_copied_ids),
    cmocka_unit_test(test_member_lifecycle),
    cmocka_unit_test(test_eml_format),
    cmocka_unit_test(test_relay_down_keeps_mail),
    cmocka_unit_test(test_org_self_join_domain),
};
IT_MAIN(tests, setup, teardown)
