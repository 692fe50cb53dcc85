/* SPDX-License-Identifier: MIT */
/* test_security.c - what the server must refuse: unknown routes, wrong methods, oversized and
 * malformed bodies, and every attempt to reach another account's org, workspace or nodes
 * (reliability.md "Security rules"; api §1.3, §1.4, §1.8). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "harness.h"

static struct it_fixture fx;

/* The error code of an error envelope, or -1. */
static long error_code(const char *body)
{
    json_t *j = json_loads(body ? body : "", 0, NULL);
    long code = -1;
    if (j && json_is_false(json_object_get(j, "result")))
        code = (long)json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
    json_decref(j);
    return code;
}

static void test_unknown_route_and_method(void **state)
{
    (void)state;
    char *body = NULL;
    assert_int_equal(it_raw(&fx.srv, "GET", "/current/no/such/thing/", NULL, NULL, 0, NULL, &body),
                     404);
    assert_int_equal(error_code(body), 9992);
    free(body);
    assert_int_equal(it_raw(&fx.srv, "GET", "/elsewhere/", NULL, NULL, 0, NULL, &body), 404);
    assert_int_equal(error_code(body), 9992);
    free(body);
    assert_int_equal(it_raw(&fx.srv, "PUT", "/current/ping/", NULL, NULL, 0, NULL, &body), 405);
    assert_int_equal(error_code(body), 9992);
    free(body);
}

static void test_envelope_shape(void **state)
{
    (void)state;
    char *body = NULL, *hdr = NULL;
    assert_int_equal(it_raw_h(&fx.srv, "GET", "/current/ping/", NULL, NULL, 0, NULL, &body, &hdr),
                     200);
    json_t *j = json_loads(body, 0, NULL);
    assert_true(json_is_true(json_object_get(j, "result")));
    assert_string_equal(json_string_value(json_object_get(j, "current_api_version")), "1.0");
    assert_non_null(json_string_value(json_object_get(j, "server_date")));
    json_decref(j);
    /* Rate-limit headers on success and on errors (api §1.8). */
    assert_non_null(strcasestr(hdr, "x-ve-limit-avail:"));
    assert_non_null(strcasestr(hdr, "x-ve-limit-max:"));
    assert_non_null(strcasestr(hdr, "x-ve-limit-expires:"));
    assert_non_null(strcasestr(hdr, "content-type: application/json"));
    free(body);
    free(hdr);
    assert_int_equal(it_raw_h(&fx.srv, "GET", "/current/nope/", NULL, NULL, 0, NULL, &body, &hdr),
                     404);
    assert_non_null(strcasestr(hdr, "x-ve-limit-expires:"));
    free(body);
    free(hdr);
}

static void test_oversized_body(void **state)
{
    (void)state;
    size_t n = 2u << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    memcpy(big, "name=", 5);
    big[n] = 0;
    char *body = NULL;
    char auth[200];
    snprintf(auth, sizeof(auth), "Bearer %s", fx.srv.owner_key);
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/org/create/",
                            "application/x-www-form-urlencoded", big, n, auth, &body),
                     413);
    free(body);
    free(big);
    /* The server still works afterwards. */
    assert_int_equal(it_raw(&fx.srv, "GET", "/current/ping/", NULL, NULL, 0, NULL, NULL), 200);
}

struct chunked_src {
    size_t left;
};

static size_t chunked_read(char *buf, size_t size, size_t n, void *ud)
{
    struct chunked_src *src = ud;
    size_t k = size * n < src->left ? size * n : src->left;
    memset(buf, 'a', k);
    src->left -= k;
    return k;
}

/* A body without Content-Length (chunked) that grows past the limit mid-way: the answer is a
 * real 413 envelope once the body has been read, not a dropped connection. */
static void test_oversized_chunked_body(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    assert_non_null(h);
    char url[256], auth[200];
    snprintf(url, sizeof(url), "%s/org/create/", fx.srv.base);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", fx.srv.owner_key);
    struct curl_slist *hdr = curl_slist_append(NULL, auth);
    hdr = curl_slist_append(hdr, "Content-Type: application/x-www-form-urlencoded");
    hdr = curl_slist_append(hdr, "Transfer-Encoding: chunked");
    hdr = curl_slist_append(hdr, "Expect:");
    struct chunked_src src = {2u << 20};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, chunked_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &src);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, NULL);
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 413);
    fclose(sink);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
}

static void test_malformed_bodies(void **state)
{
    (void)state;
    char auth[200];
    snprintf(auth, sizeof(auth), "Bearer %s", fx.srv.owner_key);
    char *body = NULL;
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/org/create/", "application/json",
                            "{\"domain\": ", 11, auth, &body),
                     400);
    assert_int_equal(error_code(body), 1605);
    free(body);
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/org/create/", "application/json", "[1,2]", 5,
                            auth, &body),
                     400);
    free(body);
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/org/create/", "application/json",
                            "{\"a\":1,\"a\":2}", 13, auth, &body),
                     400);
    free(body);
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/org/create/",
                            "application/x-www-form-urlencoded", "domain=%zz", 10, auth, &body),
                     400);
    assert_int_equal(error_code(body), 1605);
    free(body);
    assert_int_equal(
        it_raw(&fx.srv, "POST", "/current/org/create/", "text/plain", "domain=x", 8, auth, &body),
        415);
    free(body);
    /* JSON bodies are accepted as parameters too (api §1.2). */
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/org/create/", "application/json",
                            "{\"domain\":\"json-made\",\"name\":\"Json Made\"}", 41, auth, &body),
                     200);
    free(body);
}

/* Two accounts: A owns an org, a workspace and a folder; B must never reach any of them. */
static void test_cross_tenant(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *a = it_client(&fx.srv, fx.srv.owner_key);
    struct fastio_org_opts oo = {"tenant-a", "Tenant A", NULL, NULL, NULL};
    json_t *org = NULL;
    assert_int_equal(fastio_org_create(a, &oo, &org, &err), FASTIO_OK);
    char org_id[32];
    snprintf(org_id, sizeof(org_id), "%s", json_string_value(json_object_get(org, "id")));
    json_decref(org);
    struct fastio_workspace_opts wo = {"Secret", "tenant-a-ws", NULL, NULL, NULL, 0};
    json_t *ws = NULL;
    assert_int_equal(fastio_workspace_create(a, org_id, &wo, &ws, &err), FASTIO_OK);
    char ws_id[32];
    snprintf(ws_id, sizeof(ws_id), "%s", json_string_value(json_object_get(ws, "id")));
    json_decref(ws);
    json_t *node = NULL;
    assert_int_equal(fastio_storage_create_folder(a, ws_id, "root", "private", false, &node, &err),
                     FASTIO_OK);
    char node_id[64];
    snprintf(node_id, sizeof(node_id), "%s", json_string_value(json_object_get(node, "id")));
    json_decref(node);

    char tok[128];
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    struct fastio_client *b = it_client(&fx.srv, tok);
    json_t *out = NULL;
    /* B's own org and workspace, to try A's node id inside B's workspace. */
    struct fastio_org_opts bo = {"tenant-b", NULL, NULL, NULL, NULL};
    assert_int_equal(fastio_org_create(b, &bo, &org, &err), FASTIO_OK);
    json_decref(org);
    struct fastio_workspace_opts bwo = {"Mine", "tenant-b-ws", NULL, NULL, NULL, 0};
    assert_int_equal(fastio_workspace_create(b, "tenant-b", &bwo, &ws, &err), FASTIO_OK);
    json_decref(ws);

    /* org by id and by domain */
    assert_int_equal(fastio_org_details(b, org_id, &out, &err), FASTIO_FORBIDDEN);
    assert_null(out);
    assert_int_equal(fastio_org_details(b, "tenant-a", &out, &err), FASTIO_FORBIDDEN);
    assert_int_equal(fastio_org_workspaces(b, org_id, NULL, &out, &err), FASTIO_FORBIDDEN);
    struct fastio_param upd[] = {{"name", "Hijacked"}};
    assert_int_equal(fastio_org_update(b, org_id, upd, 1, &out, &err), FASTIO_FORBIDDEN);
    assert_int_equal(fastio_org_close(b, org_id, "tenant-a", &err), FASTIO_FORBIDDEN);
    struct fastio_workspace_opts intr = {"Intruder", "intruder-ws", NULL, NULL, NULL, 0};
    assert_int_equal(fastio_workspace_create(b, org_id, &intr, &out, &err), FASTIO_FORBIDDEN);
    /* workspace by id and by folder_name */
    assert_int_equal(fastio_workspace_details(b, ws_id, &out, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 10545);
    assert_int_equal(fastio_workspace_details(b, "tenant-a-ws", &out, &err), FASTIO_FORBIDDEN);
    assert_int_equal(fastio_workspace_delete(b, ws_id, "tenant-a-ws", &err), FASTIO_FORBIDDEN);
    assert_int_equal(fastio_storage_list(b, ws_id, "root", NULL, &out, NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(fastio_storage_details(b, ws_id, node_id, &out, &err), FASTIO_FORBIDDEN);
    assert_int_equal(fastio_storage_delete(b, ws_id, node_id, &err), FASTIO_FORBIDDEN);
    /* A's node id inside B's own workspace is just unknown. */
    assert_int_equal(fastio_storage_details(b, "tenant-b-ws", node_id, &out, &err),
                     FASTIO_NOT_FOUND);
    assert_int_equal(fastio_storage_delete(b, "tenant-b-ws", node_id, &err), FASTIO_NOT_FOUND);
    assert_int_equal(fastio_storage_move(b, "tenant-b-ws", node_id, "root", &out, &err),
                     FASTIO_NOT_FOUND);
    /* B's lists never show A's things. */
    json_t *list = NULL;
    assert_int_equal(fastio_workspace_list(b, NULL, &list, &err), FASTIO_OK);
    char *dump = json_dumps(list, 0);
    assert_null(strstr(dump, ws_id));
    assert_null(strstr(dump, "tenant-a"));
    free(dump);
    json_decref(list);
    assert_int_equal(fastio_org_list(b, NULL, &list, &err), FASTIO_OK);
    dump = json_dumps(list, 0);
    assert_null(strstr(dump, org_id));
    free(dump);
    json_decref(list);

    /* And nothing changed for A. */
    assert_int_equal(fastio_storage_details(a, ws_id, node_id, &out, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(out, "name")), "private");
    json_decref(out);
    assert_int_equal(fastio_org_details(a, org_id, &out, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(out, "name")), "Tenant A");
    json_decref(out);
    fastio_client_free(a);
    fastio_client_free(b);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_unknown_route_and_method),
    cmocka_unit_test(test_envelope_shape),
    cmocka_unit_test(test_oversized_body),
    cmocka_unit_test(test_oversized_chunked_body),
    cmocka_unit_test(test_malformed_bodies),
    cmocka_unit_test(test_cross_tenant),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
