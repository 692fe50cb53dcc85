/* SPDX-License-Identifier: MIT */
/* test_endpoints.c - the endpoint table (include/fastio/endpoints.h) is consistent: placeholder
 * counts, names, methods, no duplicate routes; and the request path refuses bad arguments before
 * anything is sent (no network: the base URL points at a port nobody should be asked). */
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>

#include "fastio/fastio.h"
#include "testmain.h"

static unsigned count_braces(const char *s)
{
    unsigned n = 0;
    for (; *s != '\0'; s++) {
        if (s[0] == '{' && s[1] == '}')
            n++;
    }
    return n;
}

static void endpoints_path_args_match(void **state)
{
    (void)state;
    for (int i = 0; i < FASTIO_EP_COUNT_; i++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)i);
        if (row == NULL)
            continue; /* a gap between areas' id ranges (docs: a gap returns NULL) */
        assert_non_null(row->path);
        if (row->path_args != count_braces(row->path))
            fail_msg("%s: path_args %u for %s", row->name, row->path_args, row->path);
        /* api §1.1: paths are relative to the base URL and end with '/', but for the one
         * exception the contract names (the deleted AI chats, api §8.2) */
        assert_int_equal(row->path[0], '/');
        size_t pl = strlen(row->path), xl = strlen("/ai/agent/list/deleted");
        if (!(pl > xl && strcmp(row->path + pl - xl, "/ai/agent/list/deleted") == 0))
            assert_int_equal(row->path[pl - 1], '/');
        /* no stray braces besides the placeholders */
        for (const char *p = row->path; *p; p++) {
            if (*p == '{')
                assert_int_equal(p[1], '}');
            if (*p == '}')
                assert_true(p > row->path && p[-1] == '{');
        }
    }
}

static void endpoints_find_by_name(void **state)
{
    (void)state;
    for (int i = 0; i < FASTIO_EP_COUNT_; i++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)i);
        if (row == NULL)
            continue; /* a gap between areas' id ranges (docs: a gap returns NULL) */
        char lower[64];
        if (row == NULL)
            continue; /* a gap in the ids */
        size_t n = strlen(row->name);
        assert_true(n > 0 && n < sizeof(lower));
        assert_int_equal(fastio_endpoint_find(row->name), i);
        for (size_t k = 0; k <= n; k++)
            lower[k] = (char)((row->name[k] >= 'A' && row->name[k] <= 'Z') ? row->name[k] + 32
                                                                           : row->name[k]);
        assert_int_equal(fastio_endpoint_find(lower), i);
    }
    assert_int_equal(fastio_endpoint_find("ORG_CREATE"), FASTIO_EP_ORG_CREATE);
    assert_int_equal(fastio_endpoint_find("org_create"), FASTIO_EP_ORG_CREATE);
    assert_int_equal(fastio_endpoint_find("Storage_Details"), FASTIO_EP_STORAGE_DETAILS);
    assert_int_equal(fastio_endpoint_find("ORG_CREATEX"), -1);
    assert_int_equal(fastio_endpoint_find(""), -1);
    assert_int_equal(fastio_endpoint_find(NULL), -1);
    assert_string_equal(fastio_endpoint_get(FASTIO_EP_ORG_CREATE)->name, "ORG_CREATE");
}

static void endpoints_methods_valid(void **state)
{
    (void)state;
    for (int i = 0; i < FASTIO_EP_COUNT_; i++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)i);
        if (row == NULL)
            continue; /* a gap between areas' id ranges (docs: a gap returns NULL) */
        const char *m = fastio_method_name(row->method);
        assert_true(strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
                    strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0);
        assert_true(row->params <= FASTIO_PARAMS_NONE);
        assert_true(row->auth <= FASTIO_AUTH_BASIC);
        assert_true(row->retry <= FASTIO_RETRY_UNSAFE);
        assert_non_null(row->result_key);
        /* a GET has no body to carry form or JSON parameters */
        if (row->method == FASTIO_METHOD_GET)
            assert_int_equal(row->params, FASTIO_PARAMS_QUERY);
        /* Basic credentials are for sign-in only (api §2.2) */
        if (row->auth == FASTIO_AUTH_BASIC)
            assert_int_equal(i, FASTIO_EP_USER_SIGNIN);
    }
    assert_string_equal(fastio_method_name(FASTIO_METHOD_GET), "GET");
    assert_string_equal(fastio_method_name(FASTIO_METHOD_POST), "POST");
    assert_string_equal(fastio_method_name(FASTIO_METHOD_PUT), "PUT");
    assert_string_equal(fastio_method_name(FASTIO_METHOD_PATCH), "PATCH");
    assert_string_equal(fastio_method_name(FASTIO_METHOD_DELETE), "DELETE");
    assert_string_equal(fastio_method_name((enum fastio_method)42), "UNKNOWN");
}

static void endpoints_no_duplicate_routes(void **state)
{
    (void)state;
    for (int i = 0; i < FASTIO_EP_COUNT_; i++) {
        const struct fastio_endpoint_info *a = fastio_endpoint_get((enum fastio_endpoint)i);
        for (int j = i + 1; a != NULL && j < FASTIO_EP_COUNT_; j++) {
            const struct fastio_endpoint_info *b = fastio_endpoint_get((enum fastio_endpoint)j);
            if (b == NULL)
                continue; /* a gap */
            if (a->method == b->method && strcmp(a->path, b->path) == 0)
                fail_msg("%s and %s are both %s %s", a->name, b->name,
                         fastio_method_name(a->method), a->path);
            if (strcasecmp(a->name, b->name) == 0)
                fail_msg("duplicate name %s", a->name);
        }
    }
}

static void endpoints_get_out_of_range(void **state)
{
    (void)state;
    assert_null(fastio_endpoint_get(FASTIO_EP_COUNT_));
    assert_null(fastio_endpoint_get((enum fastio_endpoint)(FASTIO_EP_COUNT_ + 100)));
    assert_null(fastio_endpoint_get((enum fastio_endpoint) - 1));
    assert_non_null(fastio_endpoint_get((enum fastio_endpoint)0));
    assert_non_null(fastio_endpoint_get((enum fastio_endpoint)(FASTIO_EP_COUNT_ - 1)));
}

static void endpoints_result_key(void **state)
{
    (void)state;
    json_t *resp = json_pack("{s:{s:s}, s:[]}", "org", "id", "1", "orgs");
    assert_non_null(resp);
    assert_ptr_equal(fastio_result(resp, FASTIO_EP_ORG_DETAILS), json_object_get(resp, "org"));
    assert_ptr_equal(fastio_result(resp, FASTIO_EP_ORG_LIST), json_object_get(resp, "orgs"));
    /* "" means the whole body; an absent key too */
    assert_ptr_equal(fastio_result(resp, FASTIO_EP_PING), resp);
    assert_ptr_equal(fastio_result(resp, FASTIO_EP_WORKSPACE_DETAILS), resp);
    assert_ptr_equal(fastio_result(resp, FASTIO_EP_COUNT_), resp);
    assert_null(fastio_result(NULL, FASTIO_EP_ORG_DETAILS));
    json_decref(resp);
}

/* ---- the request path checks its arguments before sending ----------------------------------- */

/* Port 9 (discard) on loopback: if a request were ever sent it would fail with NETWORK, which
 * the assertions below would catch as the wrong status. */
#define NOWHERE "http://127.0.0.1:9/current"

static struct fastio_client *client_nowhere(void)
{
    struct fastio_config cfg;
    struct fastio_error err;
    struct fastio_client *c;
    fastio_config_init(&cfg);
    cfg.base_url = NOWHERE "/";
    cfg.connect_timeout_ms = 2000;
    cfg.timeout_ms = 2000;
    c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(err.status, FASTIO_OK);
    return c;
}

static void client_config_defaults(void **state)
{
    (void)state;
    struct fastio_config cfg;
    struct fastio_client *c;
    fastio_config_init(&cfg);
    assert_null(cfg.base_url);
    assert_null(cfg.token);
    assert_null(cfg.user_agent);
    assert_int_equal(cfg.connect_timeout_ms, 30000);
    assert_int_equal(cfg.timeout_ms, 120000);
    assert_int_equal(cfg.max_response_bytes, 64u * 1024 * 1024);
    assert_null(cfg.log);
    c = fastio_client_new(&cfg, NULL);
    assert_non_null(c);
    assert_string_equal(fastio_client_base_url(c), FASTIO_DEFAULT_BASE_URL);
    fastio_client_free(c);
    fastio_client_free(NULL);
    fastio_free(NULL);
}

static void client_base_url_checked(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "api.fast.io/current",
                                      "ftp://x/current",
                                      "http://",
                                      "https://h/current?x=1",
                                      "https://h/current#f",
                                      "https://h/cur\nrent",
                                      "not a url"};
    struct fastio_config cfg;
    struct fastio_error err;
    struct fastio_client *c;
    fastio_config_init(&cfg);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg.base_url = bad[i];
        c = fastio_client_new(&cfg, &err);
        if (c != NULL)
            fail_msg("accepted base URL '%s'", bad[i]);
        assert_int_equal(err.status, FASTIO_INVALID);
    }
    cfg.base_url = "HTTP://127.0.0.1:8080/current///";
    c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    assert_string_equal(fastio_client_base_url(c), "HTTP://127.0.0.1:8080/current");
    fastio_client_free(c);
    /* a token that could inject header lines is refused */
    cfg.base_url = NULL;
    cfg.token = "abc\r\nX-Evil: 1";
    assert_null(fastio_client_new(&cfg, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
}

static void client_set_token(void **state)
{
    (void)state;
    struct fastio_client *c = client_nowhere();
    struct fastio_error err;
    assert_int_equal(fastio_client_set_token(c, "tok", &err), FASTIO_OK);
    assert_int_equal(fastio_client_set_token(c, NULL, &err), FASTIO_OK);
    assert_int_equal(fastio_client_set_token(c, "", NULL), FASTIO_OK);
    assert_int_equal(fastio_client_set_token(c, "a\nb", &err), FASTIO_INVALID);
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_int_equal(fastio_client_set_token(NULL, "x", &err), FASTIO_INVALID);
    fastio_client_free(c);
}

static void client_call_checks_arguments(void **state)
{
    (void)state;
    struct fastio_client *c = client_nowhere();
    struct fastio_error err;
    json_t *resp = (json_t *)&err; /* must come back NULL */
    const char *one[] = {"ws"};
    const char *two[] = {"ws", "node"};
    const char *empty[] = {"ws", ""};
    const char *dotdot[] = {"ws", ".."};
    const char *nul[] = {"ws", NULL};
    struct fastio_param nameless[] = {{NULL, "v"}};

    /* wrong number of path arguments */
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_DETAILS, one, 1, NULL, 0, &resp, &err),
                     FASTIO_INVALID);
    assert_null(resp);
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_int_equal(err.http_status, 0);
    /* each call refused before anything is sent */
    const struct {
        enum fastio_endpoint ep;
        const char *const *args;
        size_t nargs;
        const struct fastio_param *params;
        size_t nparams;
        const char *why;
    } bad[] = {
        {FASTIO_EP_PING, two, 2, NULL, 0, "path arguments to a row without any"},
        {FASTIO_EP_STORAGE_DETAILS, NULL, 2, NULL, 0, "no argument array"},
        {FASTIO_EP_STORAGE_DETAILS, empty, 2, NULL, 0, "an empty argument"},
        {FASTIO_EP_STORAGE_DETAILS, dotdot, 2, NULL, 0, "a dot-dot argument"},
        {FASTIO_EP_STORAGE_DETAILS, nul, 2, NULL, 0, "a NULL argument"},
        {FASTIO_EP_PING, NULL, 0, nameless, 1, "a parameter without a name"},
        {FASTIO_EP_COUNT_, NULL, 0, NULL, 0, "an unknown endpoint"},
        /* the Basic row through the generic path has no credentials */
        {FASTIO_EP_USER_SIGNIN, NULL, 0, NULL, 0, "the Basic row"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("%s\n", bad[i].why);
        assert_int_equal(fastio_call(c, bad[i].ep, bad[i].args, bad[i].nargs, bad[i].params,
                                     bad[i].nparams, NULL, &err),
                         FASTIO_INVALID);
    }
    /* no client */
    assert_int_equal(fastio_call(NULL, FASTIO_EP_PING, NULL, 0, NULL, 0, NULL, &err),
                     FASTIO_INVALID);
    fastio_client_free(c);
}

static void client_wrappers_check_arguments(void **state)
{
    (void)state;
    struct fastio_client *c = client_nowhere();
    struct fastio_error err;
    json_t *out = (json_t *)&err;
    char *s = (char *)&err;
    const char *ids[26];
    for (size_t i = 0; i < 26; i++)
        ids[i] = "2abc";

    assert_int_equal(fastio_storage_details_bulk(c, "ws", ids, 0, &out, &err), FASTIO_INVALID);
    assert_null(out);
    assert_int_equal(fastio_storage_details_bulk(c, "ws", ids, 26, &out, &err), FASTIO_INVALID);
    ids[3] = "a,b";
    assert_int_equal(fastio_storage_details_bulk(c, "ws", ids, 5, &out, &err), FASTIO_INVALID);
    ids[3] = NULL;
    assert_int_equal(fastio_storage_details_bulk(c, "ws", ids, 5, &out, &err), FASTIO_INVALID);
    assert_int_equal(fastio_user_signin(c, NULL, "pw", &s, NULL, &err), FASTIO_INVALID);
    assert_null(s);
    assert_int_equal(fastio_workspace_create(c, "org", NULL, &out, &err), FASTIO_INVALID);
    assert_int_equal(fastio_workspace_delete(c, "ws", NULL, &err), FASTIO_INVALID);
    assert_int_equal(fastio_org_close(c, "org", NULL, &err), FASTIO_INVALID);
    assert_int_equal(fastio_storage_list(c, NULL, "root", NULL, &out, &s, &err), FASTIO_INVALID);
    assert_null(out);
    assert_null(s);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(endpoints_path_args_match),
    cmocka_unit_test(endpoints_find_by_name),
    cmocka_unit_test(endpoints_methods_valid),
    cmocka_unit_test(endpoints_no_duplicate_routes),
    cmocka_unit_test(endpoints_get_out_of_range),
    cmocka_unit_test(endpoints_result_key),
    cmocka_unit_test(client_config_defaults),
    cmocka_unit_test(client_base_url_checked),
    cmocka_unit_test(client_set_token),
    cmocka_unit_test(client_call_checks_arguments),
    cmocka_unit_test(client_wrappers_check_arguments),
};

TEST_MAIN(tests)
