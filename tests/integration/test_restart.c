/* SPDX-License-Identifier: MIT */
/* test_restart.c - data written before a server restart is all there after it: accounts, keys,
 * orgs, workspaces, folders and trash; the owner key is not rewritten; the database passes
 * integrity checks (reliability.md "Durability"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

static struct it_fixture fx;

static char *sfield(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    assert_non_null(v);
    char *d = strdup(v);
    assert_non_null(d);
    return d;
}

static void test_data_survives_restart(void **state)
{
    (void)state;
    struct fastio_error err;
    char owner_key[128];
    snprintf(owner_key, sizeof(owner_key), "%s", fx.srv.owner_key);
    char user_tok[128], email[128];
    it_new_user(&fx.srv, user_tok, sizeof(user_tok), email);

    struct fastio_client *c = it_client(&fx.srv, owner_key);
    json_t *o = NULL;
    struct fastio_apikey_opts ko = {"survivor", NULL, NULL, NULL};
    assert_int_equal(fastio_apikey_create(c, &ko, &o, &err), FASTIO_OK);
    char *key = sfield(o, "api_key");
    json_decref(o);
    struct fastio_org_opts oo = {"persist-org", "Persist Org", "An org that must persist", NULL,
                                 NULL};
    assert_int_equal(fastio_org_create(c, &oo, &o, &err), FASTIO_OK);
    char *org_id = sfield(o, "id");
    json_decref(o);
    struct fastio_workspace_opts wo = {"Persist WS", "persist-ws", "kept", NULL, NULL, 1};
    assert_int_equal(fastio_workspace_create(c, org_id, &wo, &o, &err), FASTIO_OK);
    char *ws_id = sfield(o, "id");
    json_decref(o);
    char *ids[30];
    for (int i = 0; i < 30; i++) {
        char name[32];
        snprintf(name, sizeof(name), "folder-%02d", i);
        assert_int_equal(fastio_storage_create_folder(c, ws_id, "root", name, false, &o, &err),
                         FASTIO_OK);
        ids[i] = sfield(o, "id");
        json_decref(o);
    }
    assert_int_equal(fastio_storage_delete(c, ws_id, ids[29], &err), FASTIO_OK);
    fastio_client_free(c);

    /* Clean stop, then start again on the same data directory. */
    assert_int_equal(it_server_stop(&fx.srv), 0);
    char dbpath[400];
    snprintf(dbpath, sizeof(dbpath), "%s/meta.db", fx.srv.dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE); /* no rows = no violations */
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_int_equal(it_server_start(&fx.srv, fx.srv.dir, NULL), 0);
    assert_string_equal(fx.srv.owner_key, owner_key); /* not re-bootstrapped */

    c = it_client(&fx.srv, key); /* the API key created before the restart */
    json_t *user = NULL;
    assert_int_equal(fastio_user_me(c, &user, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(user, "email_address")),
                        "owner@localhost");
    json_decref(user);
    assert_int_equal(fastio_org_details(c, "persist-org", &o, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(o, "description")),
                        "An org that must persist");
    json_decref(o);
    assert_int_equal(fastio_workspace_details(c, ws_id, &o, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(o, "intelligence")));
    json_decref(o);
    json_t *nodes = NULL;
    struct fastio_list_opts lo = {"name", "asc", 100, NULL};
    assert_int_equal(fastio_storage_list(c, ws_id, "root", &lo, &nodes, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 29);
    for (size_t i = 0; i < 29; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, i), "id")),
                            ids[i]);
    json_decref(nodes);
    assert_int_equal(fastio_storage_trash_list(c, ws_id, NULL, &nodes, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 1);
    json_decref(nodes);
    fastio_client_free(c);

    /* The sign-in token of the other user is still valid. */
    c = it_client(&fx.srv, user_tok);
    char *uid = NULL;
    assert_int_equal(fastio_auth_check(c, &uid, &err), FASTIO_OK);
    fastio_free(uid);
    fastio_client_free(c);

    for (int i = 0; i < 30; i++)
        free(ids[i]);
    free(key);
    free(org_id);
    free(ws_id);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_data_survives_restart),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
