/* SPDX-License-Identifier: MIT */
/* test_mcp_catalog.c - the MCP tool catalogue (src/common/mcp_catalog.c): schemas generated
 * from the endpoint rows, annotations from method/RETRY, and argument validation. */
#include <stdbool.h>

#include "mcp_catalog.h"
#include "testmain.h"

static json_t *find_tool(json_t *list, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(list, "tools"), i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
            return t;
    }
    return NULL;
}

static bool enum_has(json_t *arr, const char *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (strcmp(json_string_value(e), v) == 0)
            return true;
    }
    return false;
}

static void catalog_tools_list_from_rows(void **state)
{
    (void)state;
    json_t *list = mcp_catalog_tools_list(NULL);
    assert_non_null(list);
    const char *named[] = {"auth", "user", "org", "workspace", "storage", "upload",
                           "download", "member", "invitation", "event"};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        assert_non_null(find_tool(list, named[i]));
    json_t *st = find_tool(list, "storage");
    json_t *schema = json_object_get(st, "inputSchema");
    json_t *props = json_object_get(schema, "properties");
    json_t *acts = json_object_get(json_object_get(props, "action"), "enum");
    assert_true(enum_has(acts, "create-folder"));
    assert_true(enum_has(acts, "lock-acquire"));
    assert_true(enum_has(acts, "describe"));
    /* A line whose row is not in this build is absent, never listed half-made. */
    if (fastio_endpoint_find("STORAGE_SEARCH") < 0)
        assert_false(enum_has(acts, "search"));
    /* Types come from the rows: LOCK_ACQUIRE duration is INT, STORAGE_LIST sort_dir an ENUM. */
    json_t *dur = json_object_get(props, "duration");
    assert_string_equal(json_string_value(json_object_get(dur, "type")), "integer");
    json_t *sd = json_object_get(props, "sort_dir");
    assert_true(enum_has(json_object_get(sd, "enum"), "asc"));
    /* Annotations: storage has DELETE rows (destructive), auth/user reads are read-only. */
    json_t *ann = json_object_get(st, "annotations");
    assert_true(json_is_true(json_object_get(ann, "destructiveHint")));
    assert_true(json_is_false(json_object_get(ann, "readOnlyHint")));
    json_t *user = find_tool(list, "event");
    assert_non_null(user);
    json_decref(list);

    const char *allow[] = {"storage", NULL};
    list = mcp_catalog_tools_list(allow);
    assert_int_equal(json_array_size(json_object_get(list, "tools")), 1);
    json_decref(list);
}

static void catalog_resolve_row_action(void **state)
{
    (void)state;
    struct mcp_call c;
    char err[512];
    json_t *args = json_pack("{s:s, s:s, s:s, s:i}", "action", "lock_acquire", "workspace_id",
                             "ws1", "node_id", "n1", "duration", 120);
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), 0);
    assert_int_equal(c.row_id, FASTIO_EP_LOCK_ACQUIRE);
    assert_int_equal(c.n_path, 2);
    assert_string_equal(c.path_args[0], "ws1");
    assert_string_equal(c.path_args[1], "n1");
    assert_int_equal(c.n_params, 1);
    assert_string_equal(c.params[0].name, "duration");
    assert_string_equal(c.params[0].value, "120");
    mcp_call_clear(&c);
    json_decref(args);

    /* profile_id is accepted for workspace_id (api §10.1). */
    args = json_pack("{s:s, s:s, s:s}", "action", "list", "profile_id", "ws9", "folder_id",
                     "root");
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), 0);
    assert_string_equal(c.path_args[0], "ws9");
    mcp_call_clear(&c);
    json_decref(args);

    /* UPLOAD_CREATE's own "action" parameter is upload_action; profile_type is filled in. */
    args = json_pack("{s:s, s:s, s:s, s:s, s:i}", "action", "create-session", "workspace_id",
                     "w", "name", "a.txt", "upload_action", "create", "size", 3);
    int rc_ = mcp_catalog_resolve("upload", args, &c, err, sizeof(err));
    if (rc_ != 0)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc_, 0);
    bool saw_action = false, saw_pt = false, saw_inst = false;
    for (size_t i = 0; i < c.n_params; i++) {
        saw_action |= strcmp(c.params[i].name, "action") == 0 &&
                      strcmp(c.params[i].value, "create") == 0;
        saw_pt |= strcmp(c.params[i].name, "profile_type") == 0;
        saw_inst |= strcmp(c.params[i].name, "instance_id") == 0 &&
                    strcmp(c.params[i].value, "w") == 0;
    }
    assert_true(saw_action && saw_pt && saw_inst);
    mcp_call_clear(&c);
    json_decref(args);
}

static void catalog_resolve_errors(void **state)
{
    (void)state;
    struct mcp_call c;
    char err[512];
    json_t *args = json_pack("{s:s}", "action", "frobnicate");
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "create-folder"));
    mcp_call_clear(&c);
    json_decref(args);

    assert_int_equal(mcp_catalog_resolve("nope", NULL, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "storage"));
    mcp_call_clear(&c);

    args = json_pack("{s:s, s:s}", "action", "details", "workspace_id", "w");
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "node_id"));
    mcp_call_clear(&c);
    json_decref(args);

    args = json_pack("{s:s, s:s, s:s, s:s}", "action", "details", "workspace_id", "w", "node_id",
                     "n", "colour", "red");
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "colour"));
    mcp_call_clear(&c);
    json_decref(args);

    args = json_pack("{s:s, s:s, s:s, s:i}", "action", "lock-acquire", "workspace_id", "w",
                     "node_id", "n", "duration", -4);
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), -1);
    mcp_call_clear(&c);
    json_decref(args);

    args = json_pack("{s:s, s:s, s:s, s:s}", "action", "list", "workspace_id", "w", "folder_id",
                     "root", "sort_dir", "sideways");
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), -1);
    if (strstr(err, "asc|desc") == NULL)
        fprintf(stderr, "%s\n", err);
    assert_non_null(strstr(err, "asc|desc"));
    mcp_call_clear(&c);
    json_decref(args);

    /* Destructive: purge needs confirm:true. */
    args = json_pack("{s:s, s:s, s:s}", "action", "purge", "workspace_id", "w", "node_id", "n");
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "confirm"));
    mcp_call_clear(&c);
    json_object_set_new(args, "confirm", json_true());
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), 0);
    mcp_call_clear(&c);
    json_decref(args);
}

static void catalog_describe(void **state)
{
    (void)state;
    struct mcp_call c;
    char err[256];
    json_t *args = json_pack("{s:s, s:s}", "action", "describe", "describe_action",
                             "lock_release");
    assert_int_equal(mcp_catalog_resolve("storage", args, &c, err, sizeof(err)), 0);
    assert_true(c.describe);
    json_t *d = mcp_catalog_describe(c.tool, c.describe_action);
    assert_non_null(d);
    json_t *a0 = json_array_get(json_object_get(d, "actions"), 0);
    assert_string_equal(json_string_value(json_object_get(a0, "name")), "lock-release");
    assert_true(json_is_false(json_object_get(a0, "destructive")));
    assert_string_equal(json_string_value(json_object_get(a0, "method")), "DELETE");
    json_decref(d);
    mcp_call_clear(&c);
    json_decref(args);

    const struct mcp_action *a = mcp_catalog_action("storage", "purge");
    assert_non_null(a);
    assert_true(mcp_action_destructive(a));
    assert_false(mcp_action_readonly(a));
    a = mcp_catalog_action("storage", "list");
    assert_true(mcp_action_readonly(a));
    assert_true(mcp_action_idempotent(a));
    a = mcp_catalog_action("auth", "signin");
    assert_true(mcp_action_noauth(a));
    assert_null(mcp_catalog_action("storage", "describe"));
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(catalog_tools_list_from_rows),
    cmocka_unit_test(catalog_resolve_row_action),
    cmocka_unit_test(catalog_resolve_errors),
    cmocka_unit_test(catalog_describe),
};
/* clang-format on */

TEST_MAIN(tests)
