/* SPDX-License-Identifier: MIT */
/* test_store.c - the store interface (store.h) of the account, org, workspace, member and event
 * areas on the SQLite backend, driven only through STORE(c, area) as handlers drive it: results
 * map to enum store_rc (a taken unique key is STORE_EXISTS, a missing row STORE_NOT_FOUND),
 * transactions roll back, and rendered rows come back keyed by column. */
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "store_account.h"
#include "store_event.h"
#include "store_member.h"
#include "store_oauth.h"
#include "store_org.h"
#include "store_workspace.h"
#include "testmain.h"

#include "store_fixture.h"

static int setup(void **state)
{
    struct fixture *f = store_fixture_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    return store_fixture_free(state);
}

static void add_user(struct store_conn *c, const char *id, const char *email)
{
    assert_int_equal(STORE(c, account)->user_insert(c, id, email, "hash", "F", "L", "human", 1000),
                     STORE_OK);
}

static const struct store_org_fields org_fields = {"acme", "Acme",           "",  "", "",
                                                   "",     "Admin or above", "{}"};

static void store_account_users_and_tokens(void **state)
{
    struct store_conn *c = ((struct fixture *)*state)->c;
    const struct store_account_ops *a = STORE(c, account);
    add_user(c, "1000000000000000001", "a@x.io");
    /* emails are unique (case-insensitively): the second one is STORE_EXISTS, not an error */
    assert_int_equal(a->user_insert(c, "1000000000000000002", "A@x.io", "h", "", "", "human", 1),
                     STORE_EXISTS);
    bool taken = false;
    assert_int_equal(a->user_email_taken(c, "a@x.io", &taken), STORE_OK);
    assert_true(taken);
    assert_int_equal(a->user_email_taken(c, "b@x.io", &taken), STORE_OK);
    assert_false(taken);
    char uid[FIO_PROFILE_ID_SIZE], pw[64], email[256];
    assert_int_equal(a->user_password(c, "nobody@x.io", uid, pw, sizeof(pw)), STORE_NOT_FOUND);
    assert_int_equal(a->user_password(c, "a@x.io", uid, pw, sizeof(pw)), STORE_OK);
    assert_string_equal(uid, "1000000000000000001");
    assert_string_equal(pw, "hash");
    assert_int_equal(a->user_find(c, "a@x.io", uid, email), STORE_OK);
    assert_string_equal(email, "a@x.io");

    /* a session lives until its expiry; the owner comes back with no reference id */
    struct store_token_owner who;
    assert_int_equal(a->session_add(c, "s-hash", uid, 1000, 5000), STORE_OK);
    assert_int_equal(a->token_resolve(c, STORE_TOKEN_SESSION, "s-hash", 4999, &who), STORE_OK);
    assert_string_equal(who.user_id, uid);
    assert_string_equal(who.email, "a@x.io");
    assert_string_equal(who.ref_id, "");
    assert_int_equal(a->token_resolve(c, STORE_TOKEN_SESSION, "s-hash", 5000, &who),
                     STORE_NOT_FOUND);
    /* the kind selects the table: a session hash is no API key */
    assert_int_equal(a->token_resolve(c, STORE_TOKEN_API_KEY, "s-hash", 1, &who), STORE_NOT_FOUND);

    struct store_apikey_new k = {.id = "key1",
                                 .user_id = uid,
                                 .key_hash = "k-hash",
                                 .key_prefix = "fio_k_abcd",
                                 .scopes = "[\"a\"]",
                                 .now = 1000};
    assert_int_equal(a->apikey_insert(c, &k), STORE_OK);
    assert_int_equal(a->token_resolve(c, STORE_TOKEN_API_KEY, "k-hash", 1 << 30, &who), STORE_OK);
    assert_string_equal(who.ref_id, "key1");
    char *scopes = NULL;
    assert_int_equal(a->apikey_scopes(c, "key1", &scopes), STORE_OK);
    assert_string_equal(scopes, "[\"a\"]");
    free(scopes);
    json_t *row = NULL;
    assert_int_equal(a->apikey_row(c, "key1", uid, &row), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(row, "memo")), "");
    assert_true(json_is_null(json_object_get(row, "expires")));
    json_decref(row);
    assert_int_equal(a->apikey_row(c, "key1", "1000000000000000009", &row), STORE_NOT_FOUND);
    assert_int_equal(a->apikey_delete(c, "key1", uid), STORE_OK);
    assert_int_equal(a->apikey_delete(c, "key1", uid), STORE_NOT_FOUND);

    long long n = 0;
    assert_int_equal(a->session_delete_user(c, uid, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(a->user_count(c, &n), STORE_OK);
    assert_int_equal(n, 1);
}

static void store_org_and_workspace(void **state)
{
    struct store_conn *c = ((struct fixture *)*state)->c;
    const struct store_org_ops *o = STORE(c, org);
    const struct store_workspace_ops *w = STORE(c, workspace);
    add_user(c, "1000000000000000001", "owner@x.io");
    add_user(c, "1000000000000000002", "other@x.io");
    assert_int_equal(o->insert(c, "2000000000000000001", &org_fields, "1000000000000000001", 10),
                     STORE_OK);
    /* a taken domain is STORE_EXISTS (an extended SQLITE_CONSTRAINT_UNIQUE underneath) */
    assert_int_equal(o->insert(c, "2000000000000000002", &org_fields, "1000000000000000001", 11),
                     STORE_EXISTS);

    struct store_org_access acc;
    assert_int_equal(o->access(c, "acme", "1000000000000000001", &acc), STORE_OK);
    assert_string_equal(acc.id, "2000000000000000001");
    assert_string_equal(acc.role, "owner");
    assert_int_equal(o->access(c, "2000000000000000001", "1000000000000000002", &acc), STORE_OK);
    assert_string_equal(acc.role, "");

    struct store_ws_fields wf = {"W",  "ws-one", "", "Member or above", "Admin or above",
                                 "{}", true};
    assert_int_equal(
        w->insert(c, "3000000000000000001", "2000000000000000001", &wf, "1000000000000000001", 20),
        STORE_OK);
    json_t *row = NULL;
    assert_int_equal(w->row(c, "3000000000000000001", "1000000000000000002", &row), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(row, "domain")), "acme");
    assert_int_equal(json_integer_value(json_object_get(row, "intelligence")), 1);
    assert_int_equal(json_integer_value(json_object_get(row, "created")), 20);
    assert_true(json_is_null(json_object_get(row, "role"))); /* not a member */
    json_decref(row);
    long long n = -1;
    assert_int_equal(w->count_in_org(c, "2000000000000000001", "1000000000000000002", false, &n),
                     STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(w->count_in_org(c, "2000000000000000001", "1000000000000000002", true, &n),
                     STORE_OK);
    assert_int_equal(n, 1);

    /* a closed org hides itself and its workspaces, but keeps its domain reserved */
    assert_int_equal(o->close(c, "2000000000000000001", 30), STORE_OK);
    assert_int_equal(o->access(c, "acme", "1000000000000000001", &acc), STORE_NOT_FOUND);
    struct store_ws_access wa;
    assert_int_equal(w->access(c, "ws-one", "1000000000000000001", &wa), STORE_NOT_FOUND);
    bool taken = false;
    assert_int_equal(o->domain_taken(c, "acme", "", &taken), STORE_OK);
    assert_true(taken);
    char role[STORE_ROLE_SIZE] = "x";
    assert_int_equal(o->role(c, "2000000000000000001", "1000000000000000001", role), STORE_OK);
    assert_string_equal(role, "");
}

static void store_members_and_transactions(void **state)
{
    struct store_conn *c = ((struct fixture *)*state)->c;
    const struct store_member_ops *m = STORE(c, member);
    add_user(c, "1000000000000000001", "owner@x.io");
    add_user(c, "1000000000000000002", "joiner@x.io");
    assert_int_equal(
        STORE(c, org)->insert(c, "2000000000000000001", &org_fields, "1000000000000000001", 10),
        STORE_OK);

    /* the router's write transaction: a rollback undoes the membership */
    assert_int_equal(store_begin(c), STORE_OK);
    assert_true(c->ops->in_txn(c));
    assert_int_equal(store_begin(c), STORE_ERROR); /* nested begin is misuse */
    assert_int_equal(m->add(c, true, "2000000000000000001", "1000000000000000002", "member", 11),
                     STORE_OK);
    store_rollback(c);
    assert_false(c->ops->in_txn(c));
    json_t *row = NULL;
    assert_int_equal(m->find(c, true, "2000000000000000001", "joiner@x.io", &row), STORE_NOT_FOUND);

    assert_int_equal(m->add(c, true, "2000000000000000001", "1000000000000000002", "member", 12),
                     STORE_OK);
    /* adding again leaves the membership as it is */
    assert_int_equal(m->add(c, true, "2000000000000000001", "1000000000000000002", "admin", 13),
                     STORE_OK);
    assert_int_equal(m->find(c, true, "2000000000000000001", "joiner@x.io", &row), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(row, "role")), "member");
    json_decref(row);

    /* inviting the same email twice refreshes the one pending invitation */
    struct store_invite_new inv = {.id = "inv1",
                                   .is_org = true,
                                   .entity_id = "2000000000000000001",
                                   .org_id = "2000000000000000001",
                                   .email = "new@y.io",
                                   .role = "member",
                                   .inviter_id = "1000000000000000001",
                                   .now = 20,
                                   .expires = 100};
    assert_int_equal(m->invite_upsert(c, &inv), STORE_OK);
    inv.id = "inv2";
    inv.role = "admin";
    assert_int_equal(m->invite_upsert(c, &inv), STORE_OK);
    long long n = 0;
    assert_int_equal(m->count_with_invites(c, true, "2000000000000000001", &n), STORE_OK);
    assert_int_equal(n, 3); /* owner, joiner, one invitation */
    json_t *rows = NULL;
    assert_int_equal(m->list_with_invites(c, true, "2000000000000000001", 10, 0, &rows), STORE_OK);
    assert_int_equal(json_array_size(rows), 3);
    json_t *last = json_array_get(rows, 2);
    assert_string_equal(json_string_value(json_object_get(last, "status")), "pending");
    assert_string_equal(json_string_value(json_object_get(last, "invite_id")), "inv1");
    assert_string_equal(json_string_value(json_object_get(last, "role")), "admin");
    json_decref(rows);
    assert_int_equal(m->invite_pending(c, "2000000000000000001", "new@y.io", &row), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(row, "entity_name")), "Acme");
    assert_string_equal(json_string_value(json_object_get(row, "inviter_email")), "owner@x.io");
    json_decref(row);
}

static void store_events_filter_and_order(void **state)
{
    struct store_conn *c = ((struct fixture *)*state)->c;
    const struct store_event_ops *e = STORE(c, event);
    const char *cats[] = {"org", "workspace", "org"};
    char id[8];
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof(id), "ev%d", i);
        struct store_event_new ev = {.id = id,
                                     .created = 1000 + i,
                                     .category = cats[i],
                                     .subcategory = "",
                                     .event = "x",
                                     .user_id = "u1",
                                     .details = "{}"};
        assert_int_equal(e->insert(c, &ev), STORE_OK);
    }
    struct store_event_filter f = {.user_id = "u1", .category = "org"};
    long long n = 0;
    assert_int_equal(e->count(c, &f, &n), STORE_OK);
    assert_int_equal(n, 2);
    json_t *rows = NULL;
    assert_int_equal(e->list(c, &f, 10, 0, &rows), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "id")), "ev2");
    json_decref(rows);
    f.has_min = true;
    f.min = 1001;
    assert_int_equal(e->count(c, &f, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(e->ack(c, "ev0"), STORE_OK);
    struct store_event_filter acked = {.has_ack = true, .ack = true};
    assert_int_equal(e->count(c, &acked, &n), STORE_OK);
    assert_int_equal(n, 1);
    json_t *row = NULL;
    assert_int_equal(e->get(c, "nope", &row), STORE_NOT_FOUND);
    assert_int_equal(e->get(c, "ev0", &row), STORE_OK);
    assert_true(json_is_null(json_object_get(row, "org_id")));
    assert_int_equal(json_integer_value(json_object_get(row, "acknowledged")), 1);
    json_decref(row);
}

static void store_oauth_single_use_and_rotation(void **state)
{
    struct store_conn *c = ((struct fixture *)*state)->c;
    const struct store_oauth_ops *o = STORE(c, oauth);
    add_user(c, "1000000000000000001", "a@x.io");
    struct store_oauth_request q = {.id = "req1",
                                    .client_id = "cli",
                                    .redirect_uri = "http://x/",
                                    .challenge = "ch",
                                    .scope_type = "user"};
    assert_int_equal(o->request_add(c, &q, 100, 200), STORE_OK);
    struct store_oauth_request got;
    assert_int_equal(o->request_get(c, "req1", 150, &got), STORE_OK);
    assert_string_equal(got.client_id, "cli");
    assert_int_equal(o->request_get(c, "req1", 200, &got), STORE_NOT_FOUND); /* expired */
    /* single use: only the first taker gets it */
    bool taken = false;
    assert_int_equal(o->request_take(c, "req1", 150, &taken), STORE_OK);
    assert_true(taken);
    assert_int_equal(o->request_take(c, "req1", 150, &taken), STORE_OK);
    assert_false(taken);

    assert_int_equal(o->code_add(c, "code-hash", "1000000000000000001", &q, 150, 300, 0), STORE_OK);
    struct store_oauth_code k;
    assert_int_equal(o->code_get(c, "code-hash", &k), STORE_OK);
    assert_false(k.used);
    assert_string_equal(k.session_id, "");
    assert_int_equal(o->code_mark_used(c, "code-hash"), STORE_OK);
    struct store_oauth_session_new s = {.id = "ses1",
                                        .user_id = "1000000000000000001",
                                        .client_id = "cli",
                                        .scope = "",
                                        .scope_type = "user",
                                        .now = 160};
    assert_int_equal(o->session_add(c, &s), STORE_OK);
    assert_int_equal(o->code_set_session(c, "code-hash", "ses1"), STORE_OK);
    assert_int_equal(o->code_get(c, "code-hash", &k), STORE_OK);
    assert_true(k.used);
    assert_string_equal(k.session_id, "ses1");

    assert_int_equal(o->tokens_add(c, "ses1", "at", 1000, "rt", 5000, 170), STORE_OK);
    json_t *rows = NULL;
    assert_int_equal(o->session_list(c, "1000000000000000001", 180, &rows), STORE_OK);
    assert_int_equal(json_array_size(rows), 1);
    json_t *row = json_array_get(rows, 0);
    assert_int_equal(json_integer_value(json_object_get(row, "expires")), 5000);
    assert_int_equal(json_integer_value(json_object_get(row, "last_used")), 170);
    assert_true(json_is_null(json_object_get(row, "device_name")));
    json_decref(rows);
    struct store_oauth_refresh t;
    assert_int_equal(o->refresh_get(c, "rt", &t), STORE_OK);
    assert_false(t.rotated);
    assert_int_equal(o->refresh_rotate(c, "rt"), STORE_OK);
    assert_int_equal(o->refresh_get(c, "rt", &t), STORE_OK);
    assert_true(t.rotated);
    assert_int_equal(o->refresh_get(c, "at", &t), STORE_NOT_FOUND); /* an access token */

    /* revoking by a refresh token's hash removes the session and so every token */
    struct store_token_owner who;
    assert_int_equal(STORE(c, account)->token_resolve(c, STORE_TOKEN_OAUTH, "at", 500, &who),
                     STORE_OK);
    assert_string_equal(who.ref_id, "ses1");
    assert_int_equal(o->revoke(c, "rt"), STORE_OK);
    assert_int_equal(STORE(c, account)->token_resolve(c, STORE_TOKEN_OAUTH, "at", 500, &who),
                     STORE_NOT_FOUND);
    assert_int_equal(o->session_delete_own(c, "ses1", "1000000000000000001"), STORE_NOT_FOUND);
    long long n = -1;
    assert_int_equal(o->session_delete_all(c, "1000000000000000001", NULL, &n), STORE_OK);
    assert_int_equal(n, 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(store_account_users_and_tokens, setup, teardown),
    cmocka_unit_test_setup_teardown(store_org_and_workspace, setup, teardown),
    cmocka_unit_test_setup_teardown(store_members_and_transactions, setup, teardown),
    cmocka_unit_test_setup_teardown(store_events_filter_and_order, setup, teardown),
    cmocka_unit_test_setup_teardown(store_oauth_single_use_and_rotation, setup, teardown),
};

TEST_MAIN(tests)
