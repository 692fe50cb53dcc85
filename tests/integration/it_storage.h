/* SPDX-License-Identifier: MIT */
/* it_storage.h - what the storage integration suites (test_storage.c, test_storage_list.c,
 * test_storage_tree.c) share: the program's fixture fx (one server per run, IT_FIXTURE_MAIN),
 * a fresh user with a workspace per case, folder creation, listing by name, and the assertions
 * on 400 / 1605 and 404 / 1609. Include after <cmocka.h>. */
#ifndef IT_STORAGE_H
#define IT_STORAGE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "id.h"
#include "timeutil.h"

static struct it_fixture fx;

static inline const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A new user with an org and a workspace: the client, the workspace id in ws (size >= 32) and
 * "Bearer <token>" in authz (size >= 160) when not NULL. */
static inline struct fastio_client *new_ws(char *ws, char *authz)
{
    struct it_user u;
    it_user_new(&u, &fx.srv, IT_USER_WORKSPACE);
    snprintf(ws, 32, "%s", u.ws);
    if (authz)
        snprintf(authz, 160, "%.159s", u.authz);
    return it_user_take_client(&u);
}

/* Create folder name in parent (NULL = root); its id goes to id (size >= 40) when not NULL. */
static inline void mkdir_id(struct fastio_client *c, const char *ws, const char *parent,
                            const char *name, char *id)
{
    json_t *n = NULL;
    struct fastio_error err;
    enum fastio_status st = fastio_storage_create_folder(c, ws, parent, name, false, &n, &err);
    if (st != FASTIO_OK)
        print_error("create folder '%s': %s\n", name, err.message);
    assert_int_equal(st, FASTIO_OK);
    if (id)
        snprintf(id, 40, "%s", jstr(n, "id"));
    json_decref(n);
}

/* Only folders can be made through the API so far: a file row (size 5) straight into the
 * database, in parent (NULL = root). Its id goes to id (size >= 40) when not NULL. */
static inline void insert_file(const char *ws, const char *parent, const char *name, char *id)
{
    char fid[FIO_OPAQUE_ID_SIZE];
    it_insert_file(&fx.srv, ws, parent, name, 5, fid);
    if (id)
        snprintf(id, 40, "%s", fid);
}

/* Names of a node array joined with '|' (free()). */
static inline char *names_of(json_t *nodes)
{
    size_t cap = 16, len = 0;
    char *s = calloc(1, cap);
    assert_non_null(s);
    for (size_t i = 0; i < json_array_size(nodes); i++) {
        const char *n = jstr(json_array_get(nodes, i), "name");
        size_t nl = strlen(n) + 1;
        while (len + nl + 1 > cap) {
            char *grown = realloc(s, cap *= 2);
            if (!grown)
                free(s);
            assert_non_null(grown);
            s = grown;
        }
        len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? "|" : "", n);
    }
    return s;
}

/* The names in a folder ("root", an id, or "trash"), in name order, must equal expect. */
static inline void assert_names(struct fastio_client *c, const char *ws, const char *folder,
                                const char *expect)
{
    json_t *nodes = NULL;
    struct fastio_list_opts o = {"name", "asc", 500, NULL};
    struct fastio_error err;
    enum fastio_status st = strcmp(folder, "trash") == 0
                                ? fastio_storage_trash_list(c, ws, &o, &nodes, NULL, &err)
                                : fastio_storage_list(c, ws, folder, &o, &nodes, NULL, &err);
    assert_int_equal(st, FASTIO_OK);
    char *got = names_of(nodes);
    print_message("%s: %s\n", folder, got);
    assert_string_equal(got, expect);
    free(got);
    json_decref(nodes);
}

/* A valid node id that names nothing. */
static inline void unknown_id(char out[FIO_OPAQUE_ID_SIZE])
{
    assert_true(fio_opaque_id_new(FIO_ID_NODE, out));
}

static inline void assert_invalid(enum fastio_status st, const struct fastio_error *err)
{
    assert_int_equal(st, FASTIO_INVALID);
    assert_int_equal(err->http_status, 400);
    assert_int_equal(err->api_code, 1605);
}

static inline void assert_not_found(enum fastio_status st, const struct fastio_error *err)
{
    assert_int_equal(st, FASTIO_NOT_FOUND);
    assert_int_equal(err->http_status, 404);
    assert_int_equal(err->api_code, 1609);
}

#endif
