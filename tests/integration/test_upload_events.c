/* SPDX-License-Identifier: MIT */
/* test_upload_events.c - the audit-log and activity hooks of uploads (api §9.4, §9.5; issue 5):
 * a single, a chunked and a batch upload each record workspace_storage_file_added, a new
 * version workspace_storage_file_updated, restore-version
 * workspace_storage_file_version_restored; a workspace poll with a cursor taken before the
 * upload wakes with storage:{node}, a poll on the caller's user id with upload:{id}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fastio/members.h>

#include "it_upload.h"

static struct it_fixture fx;
static const char *const srv_args[] = {"--min-chunk-size", "1024", NULL};

static int setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    static const struct it_fixture_opts o = {srv_args, false, NULL};
    return it_fixture_start(&fx, &o);
}

static int teardown(void **state)
{
    (void)state;
    int rc = it_fixture_stop(&fx);
    curl_global_cleanup();
    return rc;
}

/* Poll entity from cursor (waiting up to 10 s) until `key` shows; true when it did. */
static bool wakes_with(struct fastio_client *c, const char *entity, const char *cursor,
                       const char *key)
{
    char cur[128];
    snprintf(cur, sizeof(cur), "%s", cursor);
    bool found = false;
    for (int round = 0; round < 5 && !found; round++) {
        struct fastio_error err;
        json_t *keys = NULL;
        char *next = NULL;
        assert_int_equal(fastio_wait_activity(c, entity, cur, 10, &keys, &next, &err), FASTIO_OK);
        found = it_has_key(keys, key);
        json_decref(keys);
        if (!next)
            break;
        snprintf(cur, sizeof(cur), "%s", next);
        fastio_free(next);
    }
    return found;
}

static void my_user_id(char out[64])
{
    char authz[300], *body = NULL;
    snprintf(authz, sizeof(authz), "Bearer %s", fx.srv.owner_key);
    assert_int_equal(
        it_raw(&fx.srv, "GET", "/current/user/me/details/", NULL, NULL, 0, authz, &body), 200);
    json_t *me = itu_json(body);
    free(body);
    snprintf(out, 64, "%s",
             json_string_value(json_object_get(json_object_get(me, "user"), "id")));
    json_decref(me);
    assert_true(out[0]);
}

/* single-request upload; node and upload id out */
static void put_single(const char *ws, const char *name, const char *data, char node[64],
                       char up[64])
{
    char *out = NULL;
    const char *f[] = {"name", name, "instance_id", ws, "folder_id", "root", NULL};
    long st =
        itu_multipart(&fx.srv, fx.srv.owner_key, "/current/upload/", f, data, strlen(data), &out);
    if (st != 200)
        fprintf(stderr, "upload %s: %ld %s\n", name, st, out);
    assert_int_equal(st, 200);
    json_t *j = itu_json(out);
    free(out);
    snprintf(node, 64, "%s", json_string_value(json_object_get(j, "new_file_id")));
    snprintf(up, 64, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
}

/* What each case starts from: the owner's client, a new org and workspace of its own, the
 * owner's user id, and the activity cursors of the workspace and of the user taken now
 * (case_end frees them). */
struct evcase {
    struct fastio_client *c;
    char org[32], ws[32], uid[64];
    char *wcur, *ucur;
};

static void case_begin(struct evcase *k)
{
    k->c = it_client(&fx.srv, fx.srv.owner_key);
    it_org_ws(k->c, k->org, k->ws);
    my_user_id(k->uid);
    k->wcur = it_cursor_now(k->c, k->ws);
    k->ucur = it_cursor_now(k->c, k->uid);
}

static void case_end(struct evcase *k)
{
    fastio_free(k->wcur);
    fastio_free(k->ucur);
    fastio_client_free(k->c);
}

/* Exactly one event `event` about node in ws, and the workspace's poll from cursor wakes with
 * storage:{node}. */
static void expect_node_event(struct fastio_client *c, const char *ws, const char *event,
                              const char *node, const char *cursor)
{
    char key[128];
    assert_int_equal(it_count_events(c, ws, NULL, event, node), 1);
    snprintf(key, sizeof(key), "storage:%s", node);
    assert_true(wakes_with(c, ws, cursor, key));
}

static void test_single_update_restore(void **state)
{
    (void)state;
    struct evcase k;
    case_begin(&k);
    struct fastio_client *c = k.c;
    const char *ws = k.ws;
    char node[64], up[64], node2[64], up2[64], key[128];
    put_single(ws, "one.txt", "version-1", node, up);
    expect_node_event(c, ws, "workspace_storage_file_added", node, k.wcur);
    snprintf(key, sizeof(key), "upload:%s", up);
    assert_true(wakes_with(c, k.uid, k.ucur, key));
    fastio_free(k.wcur);

    /* same name: a new version of the node */
    k.wcur = it_cursor_now(c, ws);
    put_single(ws, "one.txt", "version-2!", node2, up2);
    assert_string_equal(node, node2);
    expect_node_event(c, ws, "workspace_storage_file_updated", node, k.wcur);
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_file_added", node), 1);
    fastio_free(k.wcur);

    /* the shape: category node, subcategory upload, details.name */
    struct fastio_event_filter f;
    fastio_event_filter_init(&f);
    f.workspace_id = ws;
    f.category = "node";
    f.subcategory = "upload";
    f.event = "workspace_storage_file_added";
    json_t *evs = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_events_search(c, &f, NULL, &evs, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(evs), 1);
    json_t *e = json_array_get(evs, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "details"), "name")),
                        "one.txt");
    json_decref(evs);

    /* restore-version of the first version */
    char path[512], *out = NULL, old[64] = "";
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/versions/", ws, node);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &out, NULL),
                     200);
    json_t *j = itu_json(out);
    free(out);
    json_t *vs = json_object_get(j, "versions");
    for (size_t i = 0; i < json_array_size(vs); i++)
        if (json_integer_value(json_object_get(json_array_get(vs, i), "size")) == 9)
            snprintf(old, sizeof(old), "%s",
                     json_string_value(json_object_get(json_array_get(vs, i), "version_id")));
    json_decref(j);
    assert_true(old[0]);
    k.wcur = it_cursor_now(c, ws);
    char form[128];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/restore-version/", ws, node);
    snprintf(form, sizeof(form), "version_id=%s", old);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "POST", path,
                             "application/x-www-form-urlencoded", form, strlen(form), &out, NULL),
                     200);
    free(out);
    expect_node_event(c, ws, "workspace_storage_file_version_restored", node, k.wcur);
    case_end(&k);
}

static void test_chunked(void **state)
{
    (void)state;
    struct evcase k;
    case_begin(&k);
    struct fastio_client *c = k.c;
    const char *ws = k.ws, *uid = k.uid;
    char id[64];
    /* a session: upload:{id} at create */
    assert_int_equal(itu_session(&fx.srv, fx.srv.owner_key, ws, "draft.bin", 10, NULL, id), 200);
    char key[128];
    snprintf(key, sizeof(key), "upload:%s", id);
    assert_true(wakes_with(c, uid, k.ucur, key));
    fastio_free(k.ucur);
    /* ... and at cancel */
    k.ucur = it_cursor_now(c, uid);
    char path[256], *out = NULL;
    snprintf(path, sizeof(path), "/current/upload/%s/", id);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "DELETE", path, NULL, NULL, 0, &out, NULL),
                     200);
    free(out);
    assert_true(wakes_with(c, uid, k.ucur, key));

    /* a chunked upload (3 chunks of 1 KiB): the event, storage:{node} */
    size_t len = 3000;
    unsigned char *data = itu_bytes(len, 7);
    const char *node =
        itu_upload_chunked(&fx.srv, fx.srv.owner_key, ws, "big.bin", data, len, 1024);
    free(data);
    assert_non_null(node);
    char nid[64];
    snprintf(nid, sizeof(nid), "%s", node);
    expect_node_event(c, ws, "workspace_storage_file_added", nid, k.wcur);
    case_end(&k);
}

static void test_batch(void **state)
{
    (void)state;
    struct evcase k;
    case_begin(&k);
    struct fastio_client *c = k.c;
    const char *ws = k.ws;
    const char *manifest = "[{\"index\":0,\"filename\":\"a.txt\"},"
                           "{\"index\":1,\"filename\":\"b.txt\",\"relative_path\":\"sub/\"}]";
    struct itu_part parts[] = {{"file_0", "a.txt", "aaaa", 4}, {"file_1", "b.txt", "bbbbb", 5}};
    const char *f[] = {"instance_id", ws, "manifest", manifest, "folder_id", "root", NULL};
    char *out = NULL;
    assert_int_equal(itu_batch(&fx.srv, fx.srv.owner_key, f, parts, 2, 0, &out), 200);
    json_t *j = itu_json(out);
    free(out);
    assert_int_equal(json_integer_value(json_object_get(j, "count_succeeded")), 2);
    json_t *res = json_object_get(j, "results");
    for (size_t i = 0; i < 2; i++) {
        json_t *r = json_array_get(res, i);
        const char *node = json_string_value(json_object_get(r, "node_id"));
        const char *up = json_string_value(json_object_get(r, "upload_id"));
        assert_non_null(node);
        assert_non_null(up);
        expect_node_event(c, ws, "workspace_storage_file_added", node, k.wcur);
        char key[128];
        snprintf(key, sizeof(key), "upload:%s", up);
        assert_true(wakes_with(c, k.uid, k.ucur, key));
    }
    json_decref(j);
    /* the folder of relative_path is a storage change too */
    assert_int_equal(it_count_events(c, ws, NULL, "workspace_storage_folder_added", NULL), 1);
    case_end(&k);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_single_update_restore),
    cmocka_unit_test(test_chunked),
    cmocka_unit_test(test_batch),
};
IT_MAIN(tests, setup, teardown)
