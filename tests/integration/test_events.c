/* SPDX-License-Identifier: MIT */
/* test_events.c - the audit-log hooks of the org, workspace and storage handlers (api §9.4;
 * issue 5): every change is an event with the contract's category / subcategory / name, read
 * back through the library's typed wrappers (fastio/members.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fastio/members.h>

#include "harness.h"

static struct it_fixture fx;

static const char *node_id(json_t *node)
{
    return json_string_value(json_object_get(node, "id"));
}

static void test_storage_events(void **state)
{
    (void)state;
    struct fastio_client *c = it_client(&fx.srv, fx.srv.owner_key);
    char org[32], ws[32];
    it_org_ws(c, org, ws);
    struct fastio_error err;
    json_t *a = NULL, *b = NULL, *tmp = NULL;
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "a", false, &a, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "b", false, &b, &err), FASTIO_OK);
    char ida[40], idb[40];
    snprintf(ida, sizeof(ida), "%s", node_id(a));
    snprintf(idb, sizeof(idb), "%s", node_id(b));
    json_decref(a);
    json_decref(b);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_added", ida), 1);
    /* idempotent create-folder changes nothing: no second event */
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "a", false, NULL, &err),
                     FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_added", NULL), 2);

    assert_int_equal(fastio_storage_move(c, ws, ida, idb, NULL, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_moved", ida), 1);
    assert_int_equal(fastio_storage_copy(c, ws, ida, "root", &tmp, &err), FASTIO_OK);
    char idc[40];
    snprintf(idc, sizeof(idc), "%s", node_id(tmp));
    json_decref(tmp);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_copied", idc), 1);
    assert_int_equal(fastio_storage_rename(c, ws, idc, "c", NULL, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_renamed", idc), 1);
    assert_int_equal(fastio_storage_delete(c, ws, idc, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_deleted", idc), 1);
    assert_int_equal(fastio_storage_restore(c, ws, idc, NULL, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_restored", idc), 1);
    assert_int_equal(fastio_storage_delete(c, ws, idc, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_purge(c, ws, idc, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_purged", idc), 1);

    /* the shape: category node, subcategory storage, the caller, details.name */
    struct fastio_event_filter f;
    fastio_event_filter_init(&f);
    f.workspace_id = ws;
    f.category = "node";
    f.subcategory = "storage";
    f.event = "workspace_storage_folder_renamed";
    json_t *evs = NULL;
    assert_int_equal(fastio_events_search(c, &f, NULL, &evs, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(evs), 1);
    json_t *e = json_array_get(evs, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "details"), "name")),
                        "c");
    assert_string_equal(json_string_value(json_object_get(e, "org_id")), org);
    /* details and ack through the wrappers */
    json_t *one = NULL;
    const char *eid = json_string_value(json_object_get(e, "id"));
    assert_int_equal(fastio_event_details(c, eid, &one, &err), FASTIO_OK);
    assert_false(json_is_true(json_object_get(one, "acknowledged")));
    json_decref(one);
    assert_int_equal(fastio_event_ack(c, eid, &one, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(one, "acknowledged")));
    json_decref(one);
    json_decref(evs);
    fastio_client_free(c);
}

static void test_org_workspace_events(void **state)
{
    (void)state;
    struct fastio_client *c = it_client(&fx.srv, fx.srv.owner_key);
    char org[32], ws[32], dom[64], folder[64];
    struct fastio_error err;
    it_unique_name("ev", dom, sizeof(dom));
    struct fastio_org_opts oo = {dom, "Event Org", NULL, NULL, NULL};
    json_t *o = NULL, *w = NULL;
    assert_int_equal(fastio_org_create(c, &oo, &o, &err), FASTIO_OK);
    snprintf(org, sizeof(org), "%s", json_string_value(json_object_get(o, "id")));
    json_decref(o);
    assert_int_equal(it_count_events(c, NULL, org, "org_created", org), 1);
    struct fastio_param upd[] = {{"name", "Event Org 2"}};
    assert_int_equal(fastio_org_update(c, org, upd, 1, NULL, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, NULL, org, "org_updated", org), 1);

    it_unique_name("evw", folder, sizeof(folder));
    struct fastio_workspace_opts wo = {"Event WS", folder, NULL, "Member or above",
                                       "Admin or above", 0};
    assert_int_equal(fastio_workspace_create(c, org, &wo, &w, &err), FASTIO_OK);
    snprintf(ws, sizeof(ws), "%s", json_string_value(json_object_get(w, "id")));
    json_decref(w);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_created", ws), 1);
    struct fastio_workspace_opts wu = {"Event WS 2", NULL, NULL, NULL, NULL, -1};
    assert_int_equal(fastio_workspace_update(c, ws, &wu, NULL, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_updated", ws), 1);
    assert_int_equal(fastio_workspace_archive(c, ws, true, NULL, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_archived", ws), 1);
    assert_int_equal(fastio_workspace_archive(c, ws, false, NULL, &err), FASTIO_OK);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_unarchived", ws), 1);
    assert_int_equal(fastio_workspace_delete(c, ws, folder, &err), FASTIO_OK);
    /* the workspace is gone: its deletion is read through the org */
    assert_int_equal(it_count_events(c, NULL, org, "workspace_deleted", ws), 1);
    assert_int_equal(fastio_org_close(c, org, dom, &err), FASTIO_OK);
    it_db(&fx.srv, "SELECT 1", (const char *)NULL);
    assert_int_equal(it_db(&fx.srv,
                           "SELECT COUNT(*) FROM events WHERE event = 'org_closed' AND "
                           "org_id = ?1",
                           org, (const char *)NULL),
                     1);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_storage_events),
    cmocka_unit_test(test_org_workspace_events),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
