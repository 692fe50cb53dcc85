/* SPDX-License-Identifier: MIT */
/* test_storage_list.c - folder and trash listings through libfastio against a real
 * fastio-server (api §1.5 "Cursor style", §4.2): every sort and direction on real data, page
 * sizes, a 520-node cursor walk (every id once, in order, stable while nodes are added) and
 * cursors used where they do not belong. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b64.h"
#include "it_storage.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

/* One listing page with sort / direction / size / cursor (NULL = default). */
static enum fastio_status list(struct fastio_client *c, const char *ws, const char *folder,
                               const char *sort, const char *dir, int size, const char *cursor,
                               json_t **nodes, char **next, struct fastio_error *err)
{
    struct fastio_list_opts o = {sort, dir, size, cursor};
    return fastio_storage_list(c, ws, folder, &o, nodes, next, err);
}

/* The root listed with sort / direction (NULL = default) must give the names expect. */
static void assert_sorted(struct fastio_client *c, const char *ws, const char *sort,
                          const char *dir, const char *expect)
{
    json_t *nodes = NULL;
    assert_int_equal(list(c, ws, "root", sort, dir, 0, NULL, &nodes, NULL, NULL), FASTIO_OK);
    char *got = names_of(nodes);
    print_message("sort %s %s: %s\n", sort ? sort : "-", dir ? dir : "-", got);
    assert_string_equal(got, expect);
    free(got);
    json_decref(nodes);
}

/* ---- listings --------------------------------------------------------------------------------- */

/* Every sort and direction on real data; one file (added in the database: uploads do not exist
 * yet) gives "type" something to order. */
static void test_list_sorting(void **state)
{
    (void)state;
    char ws[32], authz[160];
    struct fastio_client *c = new_ws(ws, authz);
    insert_file(ws, NULL, "aaa.txt", NULL);
    char alpha[40];
    mkdir_id(c, ws, NULL, "charlie", NULL);
    mkdir_id(c, ws, NULL, "alpha", alpha);
    mkdir_id(c, ws, NULL, "Bravo", NULL);
    mkdir_id(c, ws, NULL, "delta", NULL);
    /* touch alpha: it becomes the most recently updated */
    const char *args[2] = {ws, alpha};
    struct fastio_param p = {"metadata_title", "touched"};
    json_t *resp = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_UPDATE, args, 2, &p, 1, &resp, &err),
                     FASTIO_OK);
    json_decref(resp);

    assert_sorted(c, ws, NULL, NULL, "Bravo|aaa.txt|alpha|charlie|delta"); /* default: name asc */
    assert_sorted(c, ws, "name", "asc", "Bravo|aaa.txt|alpha|charlie|delta");
    assert_sorted(c, ws, "name", "desc", "delta|charlie|alpha|aaa.txt|Bravo");
    assert_sorted(c, ws, "created", "asc", "aaa.txt|charlie|alpha|Bravo|delta");
    assert_sorted(c, ws, "created", "desc", "delta|Bravo|alpha|charlie|aaa.txt");
    assert_sorted(c, ws, "updated", "asc", "aaa.txt|charlie|Bravo|delta|alpha");
    assert_sorted(c, ws, "updated", "desc", "alpha|delta|Bravo|charlie|aaa.txt");
    assert_sorted(c, ws, "type", "asc", "aaa.txt|Bravo|alpha|charlie|delta");
    assert_sorted(c, ws, "type", "desc", "delta|charlie|alpha|Bravo|aaa.txt");

    json_t *nodes = NULL;
    const char *bad_sort[] = {"size", "Name", "name;drop"}, *bad_dir[] = {"up", "DESC", "ascending"};
    for (size_t i = 0; i < 3; i++) {
        assert_invalid(list(c, ws, "root", bad_sort[i], NULL, 0, NULL, &nodes, NULL, &err), &err);
        assert_invalid(list(c, ws, "root", NULL, bad_dir[i], 0, NULL, &nodes, NULL, &err), &err);
    }
    /* a NUL byte in a query parameter is refused, not cut short */
    char path[200], *body = NULL;
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/list/?sort_by=name%%00x", ws);
    assert_int_equal(it_raw(&fx.srv, "GET", path, NULL, NULL, 0, authz, &body), 400);
    long code;
    json_decref(it_error_body(body, &code));
    assert_int_equal(code, 1605);
    free(body);
    /* the file renders as a file */
    assert_int_equal(list(c, ws, "root", "type", "asc", 0, NULL, &nodes, NULL, &err), FASTIO_OK);
    json_t *f = json_array_get(nodes, 0);
    assert_string_equal(jstr(f, "type"), "file");
    assert_int_equal(json_integer_value(json_object_get(f, "size")), 5);
    json_decref(nodes);
    fastio_client_free(c);
}

static void test_list_page_sizes(void **state)
{
    (void)state;
    char ws[32];
    struct fastio_client *c = new_ws(ws, NULL);
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%d", i);
        mkdir_id(c, ws, NULL, name, NULL);
    }
    struct fastio_error err;
    json_t *nodes = NULL;
    char *next = NULL;
    const int ok[] = {100, 250, 500};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(list(c, ws, "root", NULL, NULL, ok[i], NULL, &nodes, &next, &err),
                         FASTIO_OK);
        assert_int_equal(json_array_size(nodes), 3);
        assert_null(next);
        json_decref(nodes);
    }
    const int bad[] = {7, 1, 99, 101, 501, 1000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_invalid(list(c, ws, "root", NULL, NULL, bad[i], NULL, &nodes, &next, &err), &err);
    const char *args[2] = {ws, "root"};
    const char *bad_text[] = {"abc", "100abc", "-100", "0x64"};
    for (size_t i = 0; i < 4; i++) {
        struct fastio_param p = {"page_size", bad_text[i]};
        assert_invalid(fastio_call(c, FASTIO_EP_STORAGE_LIST, args, 2, &p, 1, NULL, &err), &err);
    }
    fastio_client_free(c);
}

/* 520 folders walked with cursors: every id exactly once, in order, stable while nodes are
 * added mid-walk. */
static void test_list_walk_520(void **state)
{
    (void)state;
    enum { N = 520 };
    char ws[32];
    struct fastio_client *c = new_ws(ws, NULL);
    static char ids[N][40];
    int order[N]; /* creation order: a permutation, so created order != name order */
    for (int k = 0; k < N; k++) {
        int i = (k * 7) % N;
        order[k] = i;
        char name[16];
        snprintf(name, sizeof(name), "n%03d", i);
        mkdir_id(c, ws, NULL, name, ids[i]);
    }
    struct fastio_error err;
    json_t *nodes = NULL;
    char *cursor = NULL;

    /* name asc, pages of 100; two folders are added after the first page: the one sorting
     * before the walk's position is not seen, the one after it is */
    size_t seen = 0, pages = 0;
    int expect_sizes[] = {100, 100, 100, 100, 100, 21};
    do {
        char *next = NULL;
        assert_int_equal(list(c, ws, "root", "name", "asc", 100, cursor, &nodes, &next, &err),
                         FASTIO_OK);
        assert_true(pages < 6);
        assert_int_equal(json_array_size(nodes), expect_sizes[pages]);
        for (size_t i = 0; i < json_array_size(nodes); i++, seen++) {
            json_t *n = json_array_get(nodes, i);
            if (seen < N) {
                char name[16];
                snprintf(name, sizeof(name), "n%03zu", seen);
                assert_string_equal(jstr(n, "name"), name);
                assert_string_equal(jstr(n, "id"), ids[seen]);
            } else {
                assert_string_equal(jstr(n, "name"), "zz-late");
            }
        }
        json_decref(nodes);
        free(cursor);
        cursor = next;
        if (pages++ == 0) {
            mkdir_id(c, ws, NULL, "a-early", NULL);
            mkdir_id(c, ws, NULL, "zz-late", NULL);
        }
    } while (cursor);
    assert_int_equal(pages, 6);
    assert_int_equal(seen, N + 1);

    /* created desc, pages of 250: the reverse of the creation order, no id twice */
    static char seen_ids[N + 2][40];
    size_t k = 0;
    pages = 0;
    do {
        char *next = NULL;
        assert_int_equal(list(c, ws, "root", "created", "desc", 250, cursor, &nodes, &next, &err),
                         FASTIO_OK);
        for (size_t i = 0; i < json_array_size(nodes); i++, k++) {
            assert_true(k < N + 2);
            snprintf(seen_ids[k], sizeof(seen_ids[k]), "%s", jstr(json_array_get(nodes, i), "id"));
        }
        json_decref(nodes);
        free(cursor);
        cursor = next;
        pages++;
    } while (cursor);
    assert_int_equal(pages, 3); /* 250 + 250 + 22 */
    assert_int_equal(k, N + 2);
    for (size_t i = 2; i < N + 2; i++) /* the two late folders come first */
        assert_string_equal(seen_ids[i], ids[order[N + 1 - i]]);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            assert_string_not_equal(seen_ids[i], seen_ids[j]);

    /* name desc and type asc walk the same nodes, each once, in their order */
    const char *walks[][2] = {{"name", "desc"}, {"type", "asc"}};
    for (size_t w = 0; w < 2; w++) {
        k = 0;
        do {
            char *nx = NULL;
            assert_int_equal(list(c, ws, "root", walks[w][0], walks[w][1], 250, cursor, &nodes,
                                  &nx, &err),
                             FASTIO_OK);
            for (size_t i = 0; i < json_array_size(nodes); i++, k++) {
                assert_true(k < N + 2);
                snprintf(seen_ids[k], sizeof(seen_ids[k]), "%s",
                         jstr(json_array_get(nodes, i), "name"));
                if (k > 0) /* all folders: both orders are by name, bytewise */
                    assert_true(w == 0 ? strcmp(seen_ids[k - 1], seen_ids[k]) > 0
                                       : strcmp(seen_ids[k - 1], seen_ids[k]) < 0);
            }
            json_decref(nodes);
            free(cursor);
            cursor = nx;
        } while (cursor);
        assert_int_equal(k, N + 2);
    }

    /* pages of 500: 500, then the rest */
    assert_int_equal(list(c, ws, "root", "updated", "asc", 500, NULL, &nodes, &cursor, &err),
                     FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 500);
    assert_non_null(cursor);
    json_decref(nodes);
    char *next = NULL;
    assert_int_equal(list(c, ws, "root", "updated", "asc", 500, cursor, &nodes, &next, &err),
                     FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 22);
    assert_null(next);
    json_decref(nodes);
    free(cursor);
    fastio_client_free(c);
}

static void test_cursor_misuse(void **state)
{
    (void)state;
    char ws[32], sub[40] = "";
    struct fastio_client *c = new_ws(ws, NULL);
    for (int i = 0; i < 101; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%03d", i);
        mkdir_id(c, ws, NULL, name, i == 0 ? sub : NULL);
    }
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "s%d", i);
        mkdir_id(c, ws, sub, name, NULL);
    }
    struct fastio_error err;
    json_t *nodes = NULL;
    char *cursor = NULL, *next = NULL;
    assert_int_equal(list(c, ws, "root", "name", "asc", 100, NULL, &nodes, &cursor, &err),
                     FASTIO_OK);
    assert_non_null(cursor);
    json_decref(nodes);

    /* the cursor belongs to (root, name, asc) only */
    assert_invalid(list(c, ws, sub, "name", "asc", 100, cursor, &nodes, &next, &err), &err);
    assert_invalid(list(c, ws, "root", "created", "asc", 100, cursor, &nodes, &next, &err), &err);
    assert_invalid(list(c, ws, "root", "type", "asc", 100, cursor, &nodes, &next, &err), &err);
    assert_invalid(list(c, ws, "root", "name", "desc", 100, cursor, &nodes, &next, &err), &err);
    struct fastio_list_opts to = {"name", "asc", 100, cursor};
    assert_invalid(fastio_storage_trash_list(c, ws, &to, &nodes, &next, &err), &err);
    /* damaged or forged cursors */
    char truncated[4096];
    snprintf(truncated, sizeof(truncated), "%s", cursor);
    truncated[strlen(truncated) - 5] = 0;
    char forged[512];
    const char *forged_json[] = {
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"x\"],\"i\":\"bad\"}",
        "{\"v\":2,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"x\"],\"i\":\"bad\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[1],\"i\":\"bad\"}",
        "[]",
        "{}",
    };
    const char *garbage[] = {"!!!not-a-cursor!!!", "abc", "====", truncated, "%00", "null"};
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
        assert_invalid(list(c, ws, "root", "name", "asc", 100, garbage[i], &nodes, &next, &err),
                       &err);
    for (size_t i = 0; i < sizeof(forged_json) / sizeof(forged_json[0]); i++) {
        fio_b64url_encode(forged_json[i], strlen(forged_json[i]), forged, sizeof(forged));
        assert_invalid(list(c, ws, "root", "name", "asc", 100, forged, &nodes, &next, &err), &err);
    }
    /* the right listing still takes it: one more node, and the end */
    assert_int_equal(list(c, ws, "root", "name", "asc", 100, cursor, &nodes, &next, &err),
                     FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 1);
    assert_string_equal(jstr(json_array_get(nodes, 0), "name"), "c100");
    assert_null(next);
    json_decref(nodes);
    free(cursor);
    /* the trash pages the same way, with cursors of its own */
    assert_int_equal(list(c, ws, "root", NULL, NULL, 500, NULL, &nodes, NULL, &err), FASTIO_OK);
    for (size_t i = 0; i < json_array_size(nodes); i++)
        assert_int_equal(
            fastio_storage_delete(c, ws, jstr(json_array_get(nodes, i), "id"), &err), FASTIO_OK);
    json_decref(nodes);
    struct fastio_list_opts tp = {"name", "asc", 100, NULL};
    assert_int_equal(fastio_storage_trash_list(c, ws, &tp, &nodes, &cursor, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 100);
    assert_non_null(cursor);
    json_decref(nodes);
    assert_invalid(list(c, ws, "root", "name", "asc", 100, cursor, &nodes, &next, &err), &err);
    tp.cursor = cursor;
    assert_int_equal(fastio_storage_trash_list(c, ws, &tp, &nodes, &next, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 1);
    assert_string_equal(jstr(json_array_get(nodes, 0), "name"), "c100");
    assert_null(next);
    json_decref(nodes);
    free(cursor);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_list_sorting),
    cmocka_unit_test(test_list_page_sizes),
    cmocka_unit_test(test_list_walk_520),
    cmocka_unit_test(test_cursor_misuse),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
