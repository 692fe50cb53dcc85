/* SPDX-License-Identifier: MIT */
/* test_storage.c - storage of a workspace through libfastio against a real fastio-server
 * (api §4.2): create-folder (idempotent, force, the name validation vector of reliability.md
 * "Names and paths"), node details single and bulk, and unknown or malformed ids on every
 * storage route. Listings are in test_storage_list.c; moves, copies, renames and the trash in
 * test_storage_tree.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "it_storage.h"

/* ---- create-folder ---------------------------------------------------------------------------- */

static void test_createfolder_idempotent_and_force(void **state)
{
    (void)state;
    char ws[32];
    struct fastio_client *c = new_ws(ws, NULL);
    struct fastio_error err;
    json_t *a = NULL, *b = NULL, *resp = NULL;
    const char *args[2] = {ws, "root"};
    struct fastio_param p = {"name", "Docs"};
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_CREATE_FOLDER, args, 2, &p, 1, &resp, &err),
                     FASTIO_OK);
    assert_true(json_is_true(json_object_get(resp, "created")));
    a = json_incref(json_object_get(resp, "node"));
    json_decref(resp);
    assert_string_equal(jstr(a, "name"), "Docs");
    assert_string_equal(jstr(a, "type"), "folder");
    assert_string_equal(jstr(a, "parent"), "root");
    /* the same request again answers the same folder */
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_CREATE_FOLDER, args, 2, &p, 1, &resp, &err),
                     FASTIO_OK);
    assert_true(json_is_false(json_object_get(resp, "created")));
    assert_string_equal(jstr(json_object_get(resp, "node"), "id"), jstr(a, "id"));
    json_decref(resp);
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "Docs", false, &b, &err),
                     FASTIO_OK);
    assert_string_equal(jstr(b, "id"), jstr(a, "id"));
    json_decref(b);
    /* force: a new folder under the next free name */
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "Docs", true, &b, &err),
                     FASTIO_OK);
    assert_string_equal(jstr(b, "name"), "Docs (2)");
    assert_string_not_equal(jstr(b, "id"), jstr(a, "id"));
    json_decref(b);
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "Docs", true, &b, &err),
                     FASTIO_OK);
    assert_string_equal(jstr(b, "name"), "Docs (3)");
    json_decref(b);
    /* force on a name that is free creates it as is */
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "Other", true, &b, &err),
                     FASTIO_OK);
    assert_string_equal(jstr(b, "name"), "Other");
    json_decref(b);
    assert_names(c, ws, "root", "Docs|Docs (2)|Docs (3)|Other");

    /* inside a folder: parent is that folder; the same name there is independent */
    char docs[40];
    snprintf(docs, sizeof(docs), "%s", jstr(a, "id"));
    assert_int_equal(fastio_storage_create_folder(c, ws, docs, "Docs", false, &b, &err), FASTIO_OK);
    assert_string_equal(jstr(b, "parent"), docs);
    assert_string_not_equal(jstr(b, "id"), docs);
    json_decref(b);
    json_decref(a);
    /* bad force value, unknown or malformed parent */
    struct fastio_param bad_force[2] = {{"name", "X"}, {"force", "maybe"}};
    assert_invalid(fastio_call(c, FASTIO_EP_STORAGE_CREATE_FOLDER, args, 2, bad_force, 2, &resp,
                               &err),
                   &err);
    char unk[FIO_OPAQUE_ID_SIZE];
    unknown_id(unk);
    assert_not_found(fastio_storage_create_folder(c, ws, unk, "X", false, &b, &err), &err);
    assert_invalid(fastio_storage_create_folder(c, ws, "not-an-id", "X", false, &b, &err), &err);
    fastio_client_free(c);
}

static void test_createfolder_name_validation(void **state)
{
    (void)state;
    char ws[32], authz[160];
    struct fastio_client *c = new_ws(ws, authz);
    struct fastio_error err;
    json_t *n = NULL;
    char b256[257], b255[256], cjk86[86 * 3 + 1], cjk85[85 * 3 + 1];
    memset(b256, 'x', 256);
    b256[256] = 0;
    memset(b255, 'y', 255);
    b255[255] = 0;
    for (int i = 0; i < 86; i++)
        memcpy(cjk86 + 3 * i, "\xe6\x97\xa5", 3); /* U+65E5 */
    cjk86[86 * 3] = 0;
    memcpy(cjk85, cjk86, 85 * 3);
    cjk85[85 * 3] = 0;

    const char *bad[] = {".",           "..",          "",           "../../x",      "a/b",
                         "..\\x",       "..\\..\\x",   "/abs",       "C:\\x",        "a\rb",
                         "a\nb",        "\r\n",        "a\x01" "b",  "a\x1f",        "a\x7f",
                         "a\xc2\x85" "b", "\t",        b256,         cjk86,          "a\xe2\x80\xae" "b",
                         "\xe2\x81\xa6" "x", "\xff\xfe", "\xc0\xaf",  "\xed\xa0\x80", " lead",
                         "trail ",      "\x1b[31mred"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("bad name #%zu\n", i);
        assert_invalid(fastio_storage_create_folder(c, ws, "root", bad[i], false, &n, &err), &err);
        assert_null(n);
    }
    /* NUL inside a name (the library cannot even express it): a raw form body */
    char path[160];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/createfolder/", ws);
    const char *nul_bodies[] = {"name=a%00b", "name=%00", "name=abc%00"};
    for (size_t i = 0; i < 3; i++) {
        char *body = NULL;
        assert_int_equal(it_raw(&fx.srv, "POST", path, "application/x-www-form-urlencoded",
                                nul_bodies[i], strlen(nul_bodies[i]), authz, &body),
                         400);
        long code;
        json_t *j = it_error_body(body, &code);
        assert_int_equal(code, 1605);
        assert_string_equal(it_error_param(j, 0, "name"), "name");
        json_decref(j);
        free(body);
    }
    /* no name at all */
    char *body = NULL;
    assert_int_equal(it_raw(&fx.srv, "POST", path, "application/x-www-form-urlencoded",
                            "force=true", 10, authz, &body),
                     400);
    json_t *j = it_error_body(body, NULL);
    assert_string_equal(it_error_param(j, 0, "name"), "name");
    assert_string_equal(it_error_param(j, 0, "kind"), "missing");
    json_decref(j);
    free(body);
    /* nothing was created by any of that */
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_list(c, ws, "root", NULL, &nodes, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 0);
    json_decref(nodes);

    /* names that look dangerous elsewhere but are plain names here, stored byte for byte */
    const char *good[] = {b255,
                          cjk85,
                          "%2e%2e%2f",
                          "\xef\xbc\x8e\xef\xbc\x8e\xef\xbc\x8f", /* fullwidth "．．／" */
                          "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", /* 日本語 */
                          "\xf0\x9f\x98\x80 emoji",
                          "\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9", /* Ünïcödé */
                          "...",
                          ".hidden",
                          "a b",
                          "C:x",
                          "semi;colon&amp=\"q\"",
                          "caf\xc3\xa9",
                          "cafe\xcc\x81"}; /* NFC and NFD forms are different names */
    size_t ngood = sizeof(good) / sizeof(good[0]);
    for (size_t i = 0; i < ngood; i++) {
        print_message("good name #%zu\n", i);
        assert_int_equal(fastio_storage_create_folder(c, ws, "root", good[i], false, &n, &err),
                         FASTIO_OK);
        assert_string_equal(jstr(n, "name"), good[i]);
        char id[40];
        snprintf(id, sizeof(id), "%s", jstr(n, "id"));
        json_decref(n);
        assert_int_equal(fastio_storage_details(c, ws, id, &n, &err), FASTIO_OK);
        assert_string_equal(jstr(n, "name"), good[i]);
        json_decref(n);
    }
    struct fastio_list_opts all = {NULL, NULL, 500, NULL};
    assert_int_equal(fastio_storage_list(c, ws, "root", &all, &nodes, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), ngood);
    json_decref(nodes);
    fastio_client_free(c);
}

/* ---- details ---------------------------------------------------------------------------------- */

static void test_details_single(void **state)
{
    (void)state;
    char ws[32], top[40], child[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "Top", top);
    mkdir_id(c, ws, top, "Child", child);
    struct fastio_error err;
    json_t *resp = NULL;
    const char *args[2] = {ws, child};
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_DETAILS, args, 2, NULL, 0, &resp, &err),
                     FASTIO_OK);
    assert_string_equal(jstr(resp, "format"), "single");
    json_t *n = json_object_get(resp, "node");
    assert_string_equal(jstr(n, "id"), child);
    assert_string_equal(jstr(n, "name"), "Child");
    assert_string_equal(jstr(n, "type"), "folder");
    assert_string_equal(jstr(n, "parent"), top);
    assert_true(json_is_false(json_object_get(n, "deleted")));
    assert_int_equal(json_integer_value(json_object_get(n, "size")), 0);
    assert_non_null(jstr(n, "created"));
    assert_non_null(jstr(n, "modified"));
    json_decref(resp);
    /* the typed call answers the node; the display form (hyphens, upper case) names it too */
    json_t *node = NULL;
    assert_int_equal(fastio_storage_details(c, ws, top, &node, &err), FASTIO_OK);
    assert_string_equal(jstr(node, "parent"), "root");
    json_decref(node);
    char display[64], upper[64];
    fio_opaque_id_display(top, display, sizeof(display));
    snprintf(upper, sizeof(upper), "%s", top);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    assert_int_equal(fastio_storage_details(c, ws, display, &node, &err), FASTIO_OK);
    assert_string_equal(jstr(node, "id"), top);
    json_decref(node);
    assert_int_equal(fastio_storage_details(c, ws, upper, &node, &err), FASTIO_OK);
    assert_string_equal(jstr(node, "id"), top);
    json_decref(node);
    /* the root has no details */
    assert_invalid(fastio_storage_details(c, ws, "root", &node, &err), &err);
    /* a node of another workspace of the same user is unknown here */
    char ws2[32];
    it_org_ws(c, NULL, ws2);
    assert_not_found(fastio_storage_details(c, ws2, top, &node, &err), &err);
    fastio_client_free(c);
}

static json_t *err_at(json_t *out, size_t i)
{
    return json_array_get(json_object_get(out, "errors"), i);
}

static void assert_counts(json_t *out, long long nodes, long long errors, long long requested)
{
    assert_string_equal(jstr(out, "format"), "multi");
    assert_int_equal(json_array_size(json_object_get(out, "nodes")), nodes);
    assert_int_equal(json_array_size(json_object_get(out, "errors")), errors);
    assert_int_equal(json_integer_value(json_object_get(out, "node_count")), nodes);
    assert_int_equal(json_integer_value(json_object_get(out, "error_count")), errors);
    assert_int_equal(json_integer_value(json_object_get(out, "requested_count")), requested);
}

static void test_details_bulk(void **state)
{
    (void)state;
    char ws[32];
    struct fastio_client *c = new_ws(ws, NULL);
    static char ids[26][40];
    const char *idp[26];
    for (int i = 0; i < 26; i++) {
        char name[16];
        snprintf(name, sizeof(name), "b%02d", i);
        mkdir_id(c, ws, NULL, name, ids[i]);
        idp[i] = ids[i];
    }
    struct fastio_error err;
    json_t *out = NULL;
    /* two ids: the multi shape, in request order */
    const char *two[2] = {ids[5], ids[2]};
    assert_int_equal(fastio_storage_details_bulk(c, ws, two, 2, &out, &err), FASTIO_OK);
    assert_counts(out, 2, 0, 2);
    char *names = names_of(json_object_get(out, "nodes"));
    assert_true(strcmp(names, "b05|b02") == 0 || strcmp(names, "b02|b05") == 0);
    free(names);
    json_decref(out);
    /* one id (sent as "id,id") */
    assert_int_equal(fastio_storage_details_bulk(c, ws, idp, 1, &out, &err), FASTIO_OK);
    assert_counts(out, 2, 0, 2);
    json_decref(out);
    /* 25 is the most */
    assert_int_equal(fastio_storage_details_bulk(c, ws, idp, 25, &out, &err), FASTIO_OK);
    assert_counts(out, 25, 0, 25);
    for (size_t i = 0; i < 25; i++) { /* api §4.2: order not promised; each id once */
        int hits = 0;
        for (size_t j = 0; j < 25; j++)
            hits += strcmp(jstr(json_array_get(json_object_get(out, "nodes"), j), "id"), ids[i]) == 0;
        assert_int_equal(hits, 1);
    }
    json_decref(out);
    /* 26: the library refuses before sending; the server answers 400 / 115519 */
    assert_int_equal(fastio_storage_details_bulk(c, ws, idp, 26, &out, &err), FASTIO_INVALID);
    char joined[26 * 41] = "";
    size_t jl = 0;
    for (int i = 0; i < 26; i++)
        jl += (size_t)snprintf(joined + jl, sizeof(joined) - jl, "%s%s", i ? "," : "", ids[i]);
    const char *args[2] = {ws, joined};
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_DETAILS, args, 2, NULL, 0, &out, &err),
                     FASTIO_INVALID);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(err.api_code, 115519);
    args[1] = ",,,,,,,,,,,,,,,,,,,,,,,,,"; /* 26 empty elements count too */
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_DETAILS, args, 2, NULL, 0, &out, &err),
                     FASTIO_INVALID);
    assert_int_equal(err.api_code, 115519);
    /* an empty element is a bad id, nothing is dropped: "a,,b" and "a," */
    char gap[100];
    snprintf(gap, sizeof(gap), "%s,,%s", ids[3], ids[4]);
    args[1] = gap;
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_DETAILS, args, 2, NULL, 0, &out, &err),
                     FASTIO_OK);
    assert_counts(out, 2, 1, 3);
    assert_string_equal(jstr(err_at(out, 0), "node_id"), "");
    assert_int_equal(json_integer_value(json_object_get(err_at(out, 0), "code")), 191878);
    json_decref(out);
    snprintf(gap, sizeof(gap), "%s,", ids[3]);
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_DETAILS, args, 2, NULL, 0, &out, &err),
                     FASTIO_OK);
    assert_counts(out, 1, 1, 2);
    json_decref(out);

    /* valid + malformed + unknown: 200 with per-id errors */
    char unk[FIO_OPAQUE_ID_SIZE], unk2[FIO_OPAQUE_ID_SIZE];
    unknown_id(unk);
    unknown_id(unk2);
    const char *mix[3] = {ids[0], "garbage", unk};
    assert_int_equal(fastio_storage_details_bulk(c, ws, mix, 3, &out, &err), FASTIO_OK);
    assert_counts(out, 1, 2, 3);
    assert_string_equal(jstr(json_array_get(json_object_get(out, "nodes"), 0), "id"), ids[0]);
    assert_string_equal(jstr(err_at(out, 0), "node_id"), "garbage");
    assert_int_equal(json_integer_value(json_object_get(err_at(out, 0), "code")), 191878);
    assert_string_equal(jstr(err_at(out, 1), "node_id"), unk);
    assert_int_equal(json_integer_value(json_object_get(err_at(out, 1), "code")), 133123);
    json_decref(out);
    /* all unknown: 404, but the body with the errors is still handed out */
    const char *none[3] = {unk, unk2, "also-bad"};
    assert_int_equal(fastio_storage_details_bulk(c, ws, none, 3, &out, &err), FASTIO_NOT_FOUND);
    assert_int_equal(err.http_status, 404);
    assert_non_null(out);
    assert_counts(out, 0, 3, 3);
    assert_int_equal(json_integer_value(json_object_get(err_at(out, 0), "code")), 133123);
    assert_int_equal(json_integer_value(json_object_get(err_at(out, 1), "code")), 133123);
    assert_int_equal(json_integer_value(json_object_get(err_at(out, 2), "code")), 191878);
    json_decref(out);
    /* a trashed node is still described, marked deleted; a node of another workspace is not */
    assert_int_equal(fastio_storage_delete(c, ws, ids[1], &err), FASTIO_OK);
    char ws2[32], foreign[40];
    it_org_ws(c, NULL, ws2);
    mkdir_id(c, ws2, NULL, "foreign", foreign);
    const char *mixed2[2] = {ids[1], foreign};
    assert_int_equal(fastio_storage_details_bulk(c, ws, mixed2, 2, &out, &err), FASTIO_OK);
    assert_counts(out, 1, 1, 2);
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(out, "nodes"), 0), "deleted")));
    assert_int_equal(json_integer_value(json_object_get(err_at(out, 0), "code")), 133123);
    json_decref(out);
    fastio_client_free(c);
}

/* ---- unknown and malformed ids on every storage route ------------------------------------------ */

static void test_unknown_and_malformed_ids(void **state)
{
    (void)state;
    char ws[32], dir[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "Dir", dir);
    char unk[FIO_OPAQUE_ID_SIZE], upload_id[FIO_OPAQUE_ID_SIZE], bad_check[40];
    unknown_id(unk);
    assert_true(fio_opaque_id_new(FIO_ID_UPLOAD, upload_id));
    snprintf(bad_check, sizeof(bad_check), "%s", dir);
    bad_check[strlen(bad_check) - 1] = bad_check[strlen(bad_check) - 1] == 'a' ? 'b' : 'a';
    const char *malformed[] = {"xyz", "1234567890123456789", upload_id, bad_check, "2"};
    struct fastio_error err;
    json_t *out = NULL;
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        const char *m = malformed[i];
        print_message("malformed '%s'\n", m);
        assert_invalid(fastio_storage_details(c, ws, m, &out, &err), &err);
        assert_invalid(fastio_storage_list(c, ws, m, NULL, &out, NULL, &err), &err);
        assert_invalid(fastio_storage_create_folder(c, ws, m, "x", false, &out, &err), &err);
        assert_invalid(fastio_storage_move(c, ws, m, "root", &out, &err), &err);
        assert_invalid(fastio_storage_move(c, ws, dir, m, &out, &err), &err);
        assert_invalid(fastio_storage_copy(c, ws, m, "root", &out, &err), &err);
        assert_invalid(fastio_storage_copy(c, ws, dir, m, &out, &err), &err);
        assert_invalid(fastio_storage_rename(c, ws, m, "y", &out, &err), &err);
        assert_invalid(fastio_storage_delete(c, ws, m, &err), &err);
        assert_invalid(fastio_storage_restore(c, ws, m, &out, &err), &err);
        assert_invalid(fastio_storage_purge(c, ws, m, &err), &err);
    }
    assert_not_found(fastio_storage_details(c, ws, unk, &out, &err), &err);
    assert_not_found(fastio_storage_list(c, ws, unk, NULL, &out, NULL, &err), &err);
    assert_not_found(fastio_storage_create_folder(c, ws, unk, "x", false, &out, &err), &err);
    assert_not_found(fastio_storage_move(c, ws, unk, "root", &out, &err), &err);
    assert_not_found(fastio_storage_move(c, ws, dir, unk, &out, &err), &err);
    assert_not_found(fastio_storage_copy(c, ws, unk, "root", &out, &err), &err);
    assert_not_found(fastio_storage_copy(c, ws, dir, unk, &out, &err), &err);
    assert_not_found(fastio_storage_rename(c, ws, unk, "y", &out, &err), &err);
    assert_not_found(fastio_storage_delete(c, ws, unk, &err), &err);
    assert_not_found(fastio_storage_restore(c, ws, unk, &out, &err), &err);
    assert_not_found(fastio_storage_purge(c, ws, unk, &err), &err);
    /* the root cannot be moved, copied, renamed, deleted, restored or purged */
    assert_invalid(fastio_storage_move(c, ws, "root", dir, &out, &err), &err);
    assert_invalid(fastio_storage_copy(c, ws, "root", dir, &out, &err), &err);
    assert_invalid(fastio_storage_rename(c, ws, "root", "r", &out, &err), &err);
    assert_invalid(fastio_storage_delete(c, ws, "root", &err), &err);
    assert_invalid(fastio_storage_restore(c, ws, "root", &out, &err), &err);
    assert_invalid(fastio_storage_purge(c, ws, "root", &err), &err);
    /* nothing changed */
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_list(c, ws, "root", NULL, &nodes, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 1);
    assert_string_equal(jstr(json_array_get(nodes, 0), "name"), "Dir");
    json_decref(nodes);
    assert_int_equal(fastio_storage_list(c, ws, dir, NULL, &nodes, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 0);
    json_decref(nodes);
    /* another user: 403 for the workspace before any node is looked at */
    char ws_other[32];
    struct fastio_client *other = new_ws(ws_other, NULL);
    assert_int_equal(fastio_storage_details(other, ws, dir, &out, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 10545);
    assert_not_found(fastio_storage_details(other, ws_other, dir, &out, &err), &err);
    fastio_client_free(other);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_createfolder_idempotent_and_force),
    cmocka_unit_test(test_createfolder_name_validation),
    cmocka_unit_test(test_details_single),
    cmocka_unit_test(test_details_bulk),
    cmocka_unit_test(test_unknown_and_malformed_ids),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
