/* SPDX-License-Identifier: MIT */
/* test_storage_tree.c - changes to a workspace's node tree through libfastio against a real
 * fastio-server (api §4.2, §4.4): move, deep copy, rename and metadata update, and the trash
 * (delete, what stays reachable below a trashed folder, restore, purge, empty). Creating,
 * listing and describing nodes is in test_storage.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "it_storage.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

/* The id of the node called name in folder (asserts it is there), into id (size >= 40). */
static void child_id(struct fastio_client *c, const char *ws, const char *folder,
                     const char *name, char *id)
{
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_list(c, ws, folder, NULL, &nodes, NULL, NULL), FASTIO_OK);
    id[0] = 0;
    for (size_t i = 0; i < json_array_size(nodes); i++)
        if (strcmp(jstr(json_array_get(nodes, i), "name"), name) == 0)
            snprintf(id, 40, "%s", jstr(json_array_get(nodes, i), "id"));
    json_decref(nodes);
    assert_true(id[0] != 0);
}

/* POST /storage/{node}/update/ with name/value pairs (NULL-terminated); *node = the node. */
static enum fastio_status node_update(struct fastio_client *c, const char *ws, const char *id,
                                      json_t **node, struct fastio_error *err, ...)
{
    struct fastio_param p[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, err);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL && n < 8) {
        p[n].name = k;
        p[n].value = va_arg(ap, const char *);
        n++;
    }
    va_end(ap);
    const char *args[2] = {ws, id};
    json_t *resp = NULL;
    enum fastio_status st = fastio_call(c, FASTIO_EP_STORAGE_UPDATE, args, 2, p, n, &resp, err);
    *node = st == FASTIO_OK ? json_incref(json_object_get(resp, "node")) : NULL;
    json_decref(resp);
    return st;
}

static long long node_rows(const char *id)
{
    return it_db(&fx.srv, "SELECT COUNT(*) FROM nodes WHERE id = ?1", id, (const char *)NULL);
}

/* A call that answers a node in *out: it succeeded and the node's key is want; *out is
 * released. */
static void ok_with(enum fastio_status st, json_t **out, const char *key, const char *want)
{
    assert_int_equal(st, FASTIO_OK);
    assert_string_equal(jstr(*out, key), want);
    json_decref(*out);
    *out = NULL;
}

/* The nodes of workspace ws in the database, trashed ones included. */
static long long ws_rows(const char *ws)
{
    return it_db(&fx.srv, "SELECT COUNT(*) FROM nodes WHERE workspace_id = ?1", ws,
                 (const char *)NULL);
}

/* Empty ws's trash through the endpoint row: it succeeds and reports purged nodes. */
static void trash_empty_purges(struct fastio_client *c, const char *ws, long long purged)
{
    json_t *resp = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_TRASH_EMPTY, (const char *const[]){ws}, 1,
                                 NULL, 0, &resp, &err),
                     FASTIO_OK);
    assert_int_equal(json_integer_value(json_object_get(resp, "purged")), purged);
    json_decref(resp);
}

/* ---- move ------------------------------------------------------------------------------------- */

static void test_move(void **state)
{
    (void)state;
    char ws[32], a[40], b[40], x_root[40], x_in_a[40], sub[40], deep[40], gone[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "A", a);
    mkdir_id(c, ws, NULL, "B", b);
    mkdir_id(c, ws, NULL, "X", x_root);
    mkdir_id(c, ws, a, "X", x_in_a);
    mkdir_id(c, ws, a, "Sub", sub);
    mkdir_id(c, ws, sub, "Deep", deep);
    struct fastio_error err;
    json_t *out = NULL;

    /* into a folder */
    assert_int_equal(fastio_storage_move(c, ws, b, a, &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "id"), b);
    assert_string_equal(jstr(out, "parent"), a);
    assert_string_equal(jstr(out, "name"), "B");
    json_decref(out);
    assert_names(c, ws, a, "B|Sub|X");
    assert_names(c, ws, "root", "A|X");
    /* into itself or anything below it */
    assert_invalid(fastio_storage_move(c, ws, a, a, &out, &err), &err);
    assert_invalid(fastio_storage_move(c, ws, a, sub, &out, &err), &err);
    assert_invalid(fastio_storage_move(c, ws, a, deep, &out, &err), &err);
    assert_invalid(fastio_storage_move(c, ws, sub, deep, &out, &err), &err);
    /* the root itself cannot move; a missing target parameter is refused */
    assert_invalid(fastio_storage_move(c, ws, "root", a, &out, &err), &err);
    const char *args[2] = {ws, b};
    assert_invalid(fastio_call(c, FASTIO_EP_STORAGE_MOVE, args, 2, NULL, 0, &out, &err), &err);
    /* a folder-name conflict at the target renames the moved folder */
    assert_int_equal(fastio_storage_move(c, ws, x_in_a, "root", &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "X (2)");
    assert_string_equal(jstr(out, "parent"), "root");
    json_decref(out);
    assert_names(c, ws, "root", "A|X|X (2)");
    /* the one already there is untouched */
    ok_with(fastio_storage_details(c, ws, x_root, &out, &err), &out, "name", "X");
    /* to where it already is: nothing changes */
    assert_int_equal(fastio_storage_move(c, ws, sub, a, &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "Sub");
    assert_string_equal(jstr(out, "parent"), a);
    json_decref(out);
    assert_names(c, ws, a, "B|Sub");
    /* a subtree moves whole: Sub (with Deep) to the root */
    assert_int_equal(fastio_storage_move(c, ws, sub, "root", &out, &err), FASTIO_OK);
    json_decref(out);
    assert_names(c, ws, sub, "Deep");
    ok_with(fastio_storage_details(c, ws, deep, &out, &err), &out, "parent", sub);
    /* now A may go below Deep (no longer its descendant) */
    assert_int_equal(fastio_storage_move(c, ws, a, deep, &out, &err), FASTIO_OK);
    json_decref(out);
    assert_names(c, ws, deep, "A");
    assert_names(c, ws, a, "B");
    /* targets that are not live folders */
    mkdir_id(c, ws, NULL, "Gone", gone);
    assert_int_equal(fastio_storage_delete(c, ws, gone, &err), FASTIO_OK);
    assert_not_found(fastio_storage_move(c, ws, b, gone, &out, &err), &err);
    assert_not_found(fastio_storage_move(c, ws, gone, "root", &out, &err), &err);
    char file_id[40];
    insert_file(ws, NULL, "f.txt", file_id);
    assert_invalid(fastio_storage_move(c, ws, b, file_id, &out, &err), &err);
    assert_names(c, ws, a, "B");
    fastio_client_free(c);
}

/* ---- copy ------------------------------------------------------------------------------------- */

static void test_copy_deep(void **state)
{
    (void)state;
    char ws[32], a[40], b[40], b2[40], cc[40], t[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "A", a);
    mkdir_id(c, ws, a, "B", b);
    mkdir_id(c, ws, a, "B2", b2);
    mkdir_id(c, ws, b, "C", cc);
    mkdir_id(c, ws, NULL, "T", t);
    struct fastio_error err;
    json_t *out = NULL;
    json_t *meta = NULL;
    assert_int_equal(
        node_update(c, ws, cc, &meta, &err, "metadata_title", "Deepest", (const char *)NULL),
        FASTIO_OK);
    json_decref(meta);

    assert_int_equal(fastio_storage_copy(c, ws, a, t, &out, &err), FASTIO_OK);
    char a2[40], b_2[40], b2_2[40], c_2[40];
    snprintf(a2, sizeof(a2), "%s", jstr(out, "id"));
    assert_string_equal(jstr(out, "name"), "A");
    assert_string_equal(jstr(out, "parent"), t);
    assert_string_not_equal(a2, a);
    json_decref(out);
    /* same names and shape, all new ids */
    assert_names(c, ws, t, "A");
    assert_names(c, ws, a2, "B|B2");
    child_id(c, ws, a2, "B", b_2);
    child_id(c, ws, a2, "B2", b2_2);
    assert_names(c, ws, b_2, "C");
    child_id(c, ws, b_2, "C", c_2);
    const char *orig[] = {a, b, b2, cc}, *copy[] = {a2, b_2, b2_2, c_2};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            assert_string_not_equal(orig[i], copy[j]);
    assert_names(c, ws, b2_2, "");
    assert_int_equal(fastio_storage_details(c, ws, c_2, &out, &err), FASTIO_OK);
    assert_string_equal(jstr(json_object_get(out, "metadata"), "title"), "Deepest");
    assert_string_equal(jstr(out, "parent"), b_2);
    json_decref(out);
    /* the original is untouched */
    assert_names(c, ws, "root", "A|T");
    assert_names(c, ws, a, "B|B2");
    assert_names(c, ws, b, "C");
    assert_int_equal(ws_rows(ws), 9);
    /* conflicts rename the copy: next to itself, and again in T */
    assert_int_equal(fastio_storage_copy(c, ws, a, "root", &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "A (2)");
    char a3[40];
    snprintf(a3, sizeof(a3), "%s", jstr(out, "id"));
    json_decref(out);
    assert_names(c, ws, a3, "B|B2");
    ok_with(fastio_storage_copy(c, ws, a, "root", &out, &err), &out, "name", "A (3)");
    ok_with(fastio_storage_copy(c, ws, a, t, &out, &err), &out, "name", "A (2)");
    assert_names(c, ws, "root", "A|A (2)|A (3)|T");
    assert_names(c, ws, t, "A|A (2)");
    /* into itself or its own subtree */
    assert_invalid(fastio_storage_copy(c, ws, a, a, &out, &err), &err);
    assert_invalid(fastio_storage_copy(c, ws, a, b, &out, &err), &err);
    assert_invalid(fastio_storage_copy(c, ws, b, cc, &out, &err), &err);
    /* a leaf copies into a sibling branch */
    ok_with(fastio_storage_copy(c, ws, cc, b2, &out, &err), &out, "parent", b2);
    assert_names(c, ws, b2, "C");
    assert_names(c, ws, b, "C");
    fastio_client_free(c);
}

/* ---- rename and metadata ---------------------------------------------------------------------- */

static void test_rename_and_metadata(void **state)
{
    (void)state;
    char ws[32], one[40], two[40], old[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "One", one);
    mkdir_id(c, ws, NULL, "Two", two);
    struct fastio_error err;
    json_t *out = NULL;
    assert_invalid(fastio_storage_rename(c, ws, one, "Two", &out, &err), &err);
    const char *bad[] = {"a/b", "..", ".", "", "x\ny", " pad", "\xe2\x80\xae\x65vil"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_invalid(fastio_storage_rename(c, ws, one, bad[i], &out, &err), &err);
    assert_names(c, ws, "root", "One|Two");
    assert_int_equal(fastio_storage_rename(c, ws, one, "Three", &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "Three");
    assert_string_equal(jstr(out, "id"), one);
    json_decref(out);
    assert_int_equal(fastio_storage_rename(c, ws, one, "Three", &out, &err), FASTIO_OK);
    json_decref(out);
    /* names are byte-exact: another case is another name */
    assert_int_equal(fastio_storage_rename(c, ws, one, "two", &out, &err), FASTIO_OK);
    json_decref(out);
    assert_names(c, ws, "root", "Two|two");
    /* a trashed node does not hold its name */
    mkdir_id(c, ws, NULL, "Old", old);
    assert_int_equal(fastio_storage_delete(c, ws, old, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_rename(c, ws, one, "Old", &out, &err), FASTIO_OK);
    json_decref(out);
    assert_names(c, ws, "root", "Old|Two");

    /* metadata: set, limits, control characters dropped, cleared by "null" or "" */
    assert_int_equal(node_update(c, ws, two, &out, &err, "metadata_title", "My Title",
                                 "metadata_short", "A short\ndescription", (const char *)NULL),
                     FASTIO_OK);
    json_t *m = json_object_get(out, "metadata");
    assert_string_equal(jstr(m, "title"), "My Title");
    assert_string_equal(jstr(m, "short"), "A short\ndescription");
    assert_string_equal(jstr(out, "name"), "Two");
    json_decref(out);
    char t50[51], t51[52];
    memset(t50, 't', 50);
    t50[50] = 0;
    memset(t51, 't', 51);
    t51[51] = 0;
    assert_invalid(node_update(c, ws, two, &out, &err, "metadata_title", t51, (const char *)NULL),
                   &err);
    assert_invalid(node_update(c, ws, two, &out, &err, "metadata_title", "ok", "name", "a/b",
                               (const char *)NULL),
                   &err);
    assert_invalid(
        node_update(c, ws, two, &out, &err, "metadata_short", "\xff\xfe", (const char *)NULL),
        &err);
    assert_int_equal(fastio_storage_details(c, ws, two, &out, &err), FASTIO_OK);
    assert_string_equal(jstr(json_object_get(out, "metadata"), "title"), "My Title");
    json_decref(out);
    assert_int_equal(node_update(c, ws, two, &out, &err, "metadata_title", t50, (const char *)NULL),
                     FASTIO_OK);
    assert_string_equal(jstr(json_object_get(out, "metadata"), "title"), t50);
    assert_string_equal(jstr(json_object_get(out, "metadata"), "short"), "A short\ndescription");
    json_decref(out);
    assert_int_equal(node_update(c, ws, two, &out, &err, "metadata_title",
                                 "a\x01"
                                 "b\x7f"
                                 "c",
                                 (const char *)NULL),
                     FASTIO_OK);
    assert_string_equal(jstr(json_object_get(out, "metadata"), "title"), "abc");
    json_decref(out);
    assert_int_equal(node_update(c, ws, two, &out, &err, "metadata_title", "null", "metadata_short",
                                 "", "name", "Two renamed", (const char *)NULL),
                     FASTIO_OK);
    assert_true(json_is_null(json_object_get(json_object_get(out, "metadata"), "title")));
    assert_true(json_is_null(json_object_get(json_object_get(out, "metadata"), "short")));
    assert_string_equal(jstr(out, "name"), "Two renamed");
    json_decref(out);
    /* nothing to update, and content versions ("from") not offered */
    assert_invalid(node_update(c, ws, two, &out, &err, "bogus", "1", (const char *)NULL), &err);
    assert_invalid(node_update(c, ws, two, &out, &err, "from", "whatever", (const char *)NULL),
                   &err);
    fastio_client_free(c);
}

/* ---- trash ------------------------------------------------------------------------------------ */

/* A trashed folder's subtree is out of reach: details still describe its nodes (marked
 * deleted), every other route answers 404, and restore / purge point at the trashed top. */
static void test_delete_and_trash_list(void **state)
{
    (void)state;
    char ws[32], d[40], ch[40], g[40], k[40], sub[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "D", d);
    mkdir_id(c, ws, d, "child", ch);
    mkdir_id(c, ws, ch, "grandchild", g);
    mkdir_id(c, ws, NULL, "K", k);
    mkdir_id(c, ws, k, "sub", sub);
    struct fastio_error err;
    json_t *out = NULL;
    assert_names(c, ws, "trash", "");
    assert_int_equal(fastio_storage_delete(c, ws, d, &err), FASTIO_OK);
    assert_names(c, ws, "root", "K");
    assert_names(c, ws, "trash", "D");
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_trash_list(c, ws, NULL, &nodes, NULL, &err), FASTIO_OK);
    json_t *t = json_array_get(nodes, 0);
    assert_string_equal(jstr(t, "id"), d);
    assert_true(json_is_true(json_object_get(t, "deleted")));
    assert_string_equal(jstr(t, "deleted_from"), "root");
    json_decref(nodes);

    /* details: the trashed folder and what is below it, all marked deleted */
    const char *below[] = {d, ch, g};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fastio_storage_details(c, ws, below[i], &out, &err), FASTIO_OK);
        assert_true(json_is_true(json_object_get(out, "deleted")));
        json_decref(out);
    }
    assert_int_equal(fastio_storage_details(c, ws, ch, &out, &err), FASTIO_OK);
    assert_true(json_is_null(json_object_get(out, "deleted_from"))); /* only the top has it */
    json_decref(out);
    /* everything else: not found */
    for (int i = 0; i < 3; i++) {
        const char *n = below[i];
        assert_not_found(fastio_storage_list(c, ws, n, NULL, &nodes, NULL, &err), &err);
        assert_not_found(fastio_storage_create_folder(c, ws, n, "new", false, &out, &err), &err);
        assert_not_found(fastio_storage_rename(c, ws, n, "renamed", &out, &err), &err);
        assert_not_found(fastio_storage_move(c, ws, n, "root", &out, &err), &err);
        assert_not_found(fastio_storage_copy(c, ws, n, "root", &out, &err), &err);
        assert_not_found(fastio_storage_delete(c, ws, n, &err), &err);
        assert_not_found(fastio_storage_move(c, ws, k, n, &out, &err), &err);
        assert_not_found(fastio_storage_copy(c, ws, k, n, &out, &err), &err);
    }
    /* restore and purge take the trashed top only */
    assert_invalid(fastio_storage_restore(c, ws, ch, &out, &err), &err);
    assert_invalid(fastio_storage_purge(c, ws, g, &err), &err);
    assert_names(c, ws, "trash", "D");

    /* a trashed name is free again: no idempotent answer with the trashed folder */
    json_t *fresh = NULL;
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "D", false, &fresh, &err),
                     FASTIO_OK);
    assert_string_not_equal(jstr(fresh, "id"), d);
    assert_string_equal(jstr(fresh, "name"), "D");
    json_decref(fresh);
    /* a nested delete remembers its folder */
    assert_int_equal(fastio_storage_delete(c, ws, sub, &err), FASTIO_OK);
    assert_names(c, ws, k, "");
    assert_names(c, ws, "trash", "D|sub");
    ok_with(fastio_storage_details(c, ws, sub, &out, &err), &out, "deleted_from", k);
    assert_names(c, ws, "root", "D|K");
    fastio_client_free(c);
}

static void test_restore(void **state)
{
    (void)state;
    char ws[32], a[40], b[40], r_old[40], p[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "A", a);
    mkdir_id(c, ws, a, "B", b);
    struct fastio_error err;
    json_t *out = NULL;
    /* back to the folder it was deleted from */
    assert_int_equal(fastio_storage_delete(c, ws, b, &err), FASTIO_OK);
    assert_names(c, ws, a, "");
    assert_int_equal(fastio_storage_restore(c, ws, b, &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "parent"), a);
    assert_string_equal(jstr(out, "name"), "B");
    assert_true(json_is_false(json_object_get(out, "deleted")));
    json_decref(out);
    assert_names(c, ws, a, "B");
    assert_names(c, ws, "trash", "");
    /* restoring a live node */
    assert_invalid(fastio_storage_restore(c, ws, b, &out, &err), &err);
    /* the original folder was itself deleted since: to the root */
    assert_int_equal(fastio_storage_delete(c, ws, b, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_delete(c, ws, a, &err), FASTIO_OK);
    assert_names(c, ws, "trash", "A|B");
    ok_with(fastio_storage_restore(c, ws, b, &out, &err), &out, "parent", "root");
    assert_names(c, ws, "root", "B");
    ok_with(fastio_storage_restore(c, ws, a, &out, &err), &out, "parent", "root");
    assert_names(c, ws, "root", "A|B");
    assert_names(c, ws, a, ""); /* B does not go back into A */
    /* a name taken meanwhile: the restored folder is renamed */
    mkdir_id(c, ws, NULL, "R", r_old);
    assert_int_equal(fastio_storage_delete(c, ws, r_old, &err), FASTIO_OK);
    mkdir_id(c, ws, NULL, "R", NULL);
    assert_int_equal(fastio_storage_restore(c, ws, r_old, &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "R (2)");
    assert_string_equal(jstr(out, "id"), r_old);
    json_decref(out);
    assert_names(c, ws, "root", "A|B|R|R (2)");
    /* a folder comes back with its subtree */
    mkdir_id(c, ws, NULL, "P", p);
    mkdir_id(c, ws, p, "q", NULL);
    assert_int_equal(fastio_storage_delete(c, ws, p, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_restore(c, ws, p, &out, &err), FASTIO_OK);
    json_decref(out);
    assert_names(c, ws, p, "q");
    assert_names(c, ws, "trash", "");
    fastio_client_free(c);
}

static void test_purge(void **state)
{
    (void)state;
    char ws[32], p[40], q[40], r[40], p2[40], s[40], live[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "P", p);
    mkdir_id(c, ws, p, "q", q);
    mkdir_id(c, ws, q, "r", r);
    mkdir_id(c, ws, NULL, "Live", live);
    struct fastio_error err;
    json_t *out = NULL;
    /* only what is in the trash */
    assert_invalid(fastio_storage_purge(c, ws, live, &err), &err);
    assert_invalid(fastio_storage_purge(c, ws, p, &err), &err);
    assert_int_equal(fastio_storage_delete(c, ws, p, &err), FASTIO_OK);
    assert_invalid(fastio_storage_purge(c, ws, q, &err), &err);
    assert_int_equal(fastio_storage_purge(c, ws, p, &err), FASTIO_OK);
    assert_names(c, ws, "trash", "");
    const char *gone[] = {p, q, r};
    for (int i = 0; i < 3; i++) {
        assert_not_found(fastio_storage_details(c, ws, gone[i], &out, &err), &err);
        assert_not_found(fastio_storage_restore(c, ws, gone[i], &out, &err), &err);
        assert_int_equal(node_rows(gone[i]), 0);
    }
    assert_not_found(fastio_storage_purge(c, ws, p, &err), &err);
    assert_names(c, ws, "root", "Live");
    /* a node trashed on its own before its folder is not purged with the folder */
    mkdir_id(c, ws, NULL, "P2", p2);
    mkdir_id(c, ws, p2, "s", s);
    assert_int_equal(fastio_storage_delete(c, ws, s, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_delete(c, ws, p2, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_purge(c, ws, p2, &err), FASTIO_OK);
    assert_names(c, ws, "trash", "s");
    ok_with(fastio_storage_restore(c, ws, s, &out, &err), &out, "parent", "root");
    assert_names(c, ws, "root", "Live|s");
    fastio_client_free(c);
}

static void test_trash_empty(void **state)
{
    (void)state;
    char ws[32], x[40], y[40], z[40], keep[40];
    struct fastio_client *c = new_ws(ws, NULL);
    mkdir_id(c, ws, NULL, "X", x);
    mkdir_id(c, ws, NULL, "Y", y);
    mkdir_id(c, ws, y, "z", z);
    mkdir_id(c, ws, NULL, "Keep", keep);
    struct fastio_error err;
    assert_int_equal(fastio_storage_delete(c, ws, x, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_delete(c, ws, y, &err), FASTIO_OK);
    assert_names(c, ws, "trash", "X|Y");
    trash_empty_purges(c, ws, 2);
    assert_names(c, ws, "trash", "");
    const char *gone[] = {x, y, z};
    json_t *out = NULL;
    for (int i = 0; i < 3; i++) {
        assert_not_found(fastio_storage_details(c, ws, gone[i], &out, &err), &err);
        assert_int_equal(node_rows(gone[i]), 0);
    }
    assert_names(c, ws, "root", "Keep");
    assert_int_equal(ws_rows(ws), 1);
    /* an empty trash empties to nothing; the typed call works too */
    trash_empty_purges(c, ws, 0);
    assert_int_equal(fastio_storage_trash_empty(c, ws, &err), FASTIO_OK);
    /* another workspace's trash is not touched */
    char ws2[32], other[40];
    it_org_ws(c, NULL, ws2);
    mkdir_id(c, ws2, NULL, "Other", other);
    assert_int_equal(fastio_storage_delete(c, ws2, other, &err), FASTIO_OK);
    assert_int_equal(fastio_storage_trash_empty(c, ws, &err), FASTIO_OK);
    assert_names(c, ws2, "trash", "Other");
    fastio_client_free(c);
}


/* ---- conflicts with files (api §4.4) and the depth limit -------------------------------------- */

/* Move, copy and restore onto a file of the same name trash that file first; a type mismatch
 * or a copy next to itself auto-renames (before the extension); rename never replaces. */
static void test_file_conflicts(void **state)
{
    (void)state;
    char ws[32], f1[40], f2[40], f3[40], a[40], d[40];
    struct fastio_client *c = new_ws(ws, NULL);
    insert_file(ws, NULL, "r.txt", f1);
    mkdir_id(c, ws, NULL, "A", a);
    mkdir_id(c, ws, NULL, "doc", d);
    insert_file(ws, a, "r.txt", f2);
    insert_file(ws, a, "doc", f3);
    insert_file(ws, a, "keep.bin", NULL);
    struct fastio_error err;
    json_t *out = NULL;

    assert_int_equal(fastio_storage_move(c, ws, f2, "root", &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "r.txt");
    assert_string_equal(jstr(out, "id"), f2);
    json_decref(out);
    assert_names(c, ws, "root", "A|doc|r.txt");
    assert_names(c, ws, "trash", "r.txt");
    assert_int_equal(fastio_storage_details(c, ws, f1, &out, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(out, "deleted")));
    assert_string_equal(jstr(out, "deleted_from"), "root");
    json_decref(out);
    /* a file onto a folder's name: renamed, the folder untouched */
    ok_with(fastio_storage_move(c, ws, f3, "root", &out, &err), &out, "name", "doc (2)");
    assert_int_equal(fastio_storage_details(c, ws, d, &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "doc");
    assert_true(json_is_false(json_object_get(out, "deleted")));
    json_decref(out);
    /* a copy next to itself never trashes its source */
    assert_int_equal(fastio_storage_copy(c, ws, f2, "root", &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "r (2).txt");
    assert_string_equal(jstr(out, "type"), "file");
    assert_int_equal(json_integer_value(json_object_get(out, "size")), 5);
    json_decref(out);
    ok_with(fastio_storage_copy(c, ws, f2, "root", &out, &err), &out, "name", "r (3).txt");
    /* restore onto the live file of that name: the live one goes to the trash */
    assert_int_equal(fastio_storage_restore(c, ws, f1, &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "r.txt");
    assert_string_equal(jstr(out, "id"), f1);
    json_decref(out);
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_trash_list(c, ws, NULL, &nodes, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 1);
    assert_string_equal(jstr(json_array_get(nodes, 0), "id"), f2);
    json_decref(nodes);
    /* a folder cannot take a file's name: 409 without force, renamed with it */
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "r.txt", false, &out, &err),
                     FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 1660);
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", "r.txt", true, &out, &err),
                     FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "r.txt (2)");
    json_decref(out);
    /* a file is no folder: nothing is listed or created in it, nothing moves into it */
    assert_invalid(fastio_storage_list(c, ws, f1, NULL, &nodes, NULL, &err), &err);
    assert_invalid(fastio_storage_create_folder(c, ws, f1, "sub", false, &out, &err), &err);
    assert_invalid(fastio_storage_copy(c, ws, d, f1, &out, &err), &err);
    /* rename onto a file name: refused, nothing trashed */
    assert_invalid(fastio_storage_rename(c, ws, f1, "r (2).txt", &out, &err), &err);
    assert_names(c, ws, "root", "A|doc|doc (2)|r (2).txt|r (3).txt|r.txt|r.txt (2)");
    /* a folder copy carries its files */
    assert_int_equal(fastio_storage_copy(c, ws, a, "root", &out, &err), FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "A (2)");
    char a2[40];
    snprintf(a2, sizeof(a2), "%s", jstr(out, "id"));
    json_decref(out);
    assert_names(c, ws, a2, "keep.bin");
    fastio_client_free(c);
}

/* Folders nest at most 500 deep (a node has at most 499 ancestors), for create, move and copy;
 * a chain that deep still purges in one go. */
static void test_depth_limit(void **state)
{
    (void)state;
    enum { MAX = 500 };
    char ws[32], x[40];
    static char chain[MAX][40];
    struct fastio_client *c = new_ws(ws, NULL);
    for (int i = 0; i < MAX; i++) {
        char name[16];
        snprintf(name, sizeof(name), "d%03d", i);
        mkdir_id(c, ws, i ? chain[i - 1] : NULL, name, chain[i]);
    }
    struct fastio_error err;
    json_t *out = NULL;
    assert_invalid(fastio_storage_create_folder(c, ws, chain[MAX - 1], "too-deep", false, &out,
                                                &err),
                   &err);
    assert_names(c, ws, chain[MAX - 1], "");
    /* X with one child: fits below d497 (X at depth 498, its child at 499), not below d498 */
    mkdir_id(c, ws, NULL, "X", x);
    mkdir_id(c, ws, x, "Y", NULL);
    assert_invalid(fastio_storage_move(c, ws, x, chain[MAX - 2], &out, &err), &err);
    assert_invalid(fastio_storage_copy(c, ws, x, chain[MAX - 2], &out, &err), &err);
    assert_names(c, ws, "root", "X|d000");
    assert_int_equal(fastio_storage_copy(c, ws, x, chain[MAX - 3], &out, &err), FASTIO_OK);
    json_decref(out);
    ok_with(fastio_storage_move(c, ws, x, chain[MAX - 3], &out, &err), &out, "name", "X (2)");
    assert_names(c, ws, chain[MAX - 3], "X|X (2)|d498");
    /* the whole chain (504 nodes) goes to the trash and is purged */
    assert_int_equal(fastio_storage_delete(c, ws, chain[0], &err), FASTIO_OK);
    assert_int_equal(fastio_storage_purge(c, ws, chain[0], &err), FASTIO_OK);
    assert_int_equal(ws_rows(ws), 0);
    assert_names(c, ws, "root", "");
    assert_names(c, ws, "trash", "");
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_move),
    cmocka_unit_test(test_copy_deep),
    cmocka_unit_test(test_rename_and_metadata),
    cmocka_unit_test(test_delete_and_trash_list),
    cmocka_unit_test(test_restore),
    cmocka_unit_test(test_purge),
    cmocka_unit_test(test_trash_empty),
    cmocka_unit_test(test_file_conflicts),
    cmocka_unit_test(test_depth_limit),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
