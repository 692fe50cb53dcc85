/* SPDX-License-Identifier: MIT */
/* test_tls_client.c - libfastio against a fastio-server serving HTTPS with a certificate signed
 * by a private CA made here with `openssl` (D-125): fastio_config.ca_file makes the request
 * path and the transfer engine (a multi-chunk upload and its download, compared byte for byte)
 * trust it; without it a call fails with NETWORK, not retryable, "TLS certificate verification
 * failed", tried once; a missing file, a directory or a file without a certificate fail fastio_client_new()
 * with INVALID naming the path; a caller compiled before ca_file existed (a smaller
 * struct_size) gets the system bundle; the token store, the MCP client and a PKCE login with
 * its own client take the same setting (fastio_token_store_config.ca_file,
 * fastio_mcp_config.ca_file, fastio_login_opts.ca_file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <curl/curl.h>

#include <fastio/login.h>
#include <fastio/mcp.h>
#include <fastio/transfer.h>

#include "harness.h"

static struct it_server srv;
static char tmp[64];   /* certificates and files */
static char ca[128];   /* the CA that signed the server's certificate */
static char other[128]; /* a CA that did not */
static char base[128]; /* https://127.0.0.1:PORT/current */

/* Run argv (execvp, no shell) with stdout/stderr to /dev/null; true when it exited 0. */
static bool run(const char *const *argv)
{
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        FILE *n = freopen("/dev/null", "w", stdout);
        FILE *e = freopen("/dev/null", "w", stderr);
        (void)n;
        (void)e;
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int setup(void **state)
{
    (void)state;
    char cakey[128], key[128], csr[128], cert[128], ext[128], okey[128];
    snprintf(tmp, sizeof(tmp), "/tmp/fastio-tls-XXXXXX");
    if (mkdtemp(tmp) == NULL)
        return -1;
    snprintf(ca, sizeof(ca), "%s/ca.pem", tmp);
    snprintf(cakey, sizeof(cakey), "%s/ca-key.pem", tmp);
    snprintf(key, sizeof(key), "%s/key.pem", tmp);
    snprintf(csr, sizeof(csr), "%s/server.csr", tmp);
    snprintf(cert, sizeof(cert), "%s/cert.pem", tmp);
    snprintf(ext, sizeof(ext), "%s/ext.cnf", tmp);
    snprintf(other, sizeof(other), "%s/other.pem", tmp);
    snprintf(okey, sizeof(okey), "%s/other-key.pem", tmp);
    FILE *f = fopen(ext, "w");
    if (f == NULL)
        return -1;
    fputs("subjectAltName=IP:127.0.0.1,DNS:localhost\n", f);
    fclose(f);
    const char *mk_ca[] = {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           cakey, "-out", ca, "-days", "2", "-subj", "/CN=libfastio test CA",
                           NULL};
    const char *mk_csr[] = {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                            "-out", csr, "-subj", "/CN=localhost", NULL};
    const char *sign[] = {"openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey,
                          "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext, NULL};
    const char *mk_other[] = {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-keyout", okey, "-out", other, "-days", "2", "-subj",
                              "/CN=other CA", NULL};
    if (!run(mk_ca) || !run(mk_csr) || !run(sign) || !run(mk_other)) {
        fprintf(stderr, "openssl could not make the certificates (scripts/deps.sh)\n");
        return -1;
    }
    const char *args[] = {"--tls-cert", cert, "--tls-key", key, "--min-chunk-size", "65536",
                          NULL};
    if (it_server_start(&srv, NULL, args) != 0)
        return -1;
    snprintf(base, sizeof(base), "https://127.0.0.1:%d/current", srv.port);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = it_server_stop(&srv);
    it_server_cleanup(&srv);
    const char *rm[] = {"rm", "-rf", tmp, NULL};
    (void)run(rm);
    return rc == 0 ? 0 : -1;
}

static int attempts; /* log lines: one per request attempt */

static void count_attempt(void *ud, const char *line)
{
    (void)ud;
    (void)line;
    attempts++;
}

/* A client of the TLS server with the owner's key and ca_file (NULL = none), counting its
 * attempts. */
static struct fastio_client *client(const char *ca_file, struct fastio_error *err)
{
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = base;
    cfg.token = srv.owner_key;
    cfg.ca_file = ca_file;
    cfg.log = count_attempt;
    return fastio_client_new(&cfg, err);
}

static void test_ca_file_verifies_requests_and_transfers(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = client(ca, &err);
    assert_non_null(c);
    char *uid = NULL;
    assert_int_equal(fastio_auth_check(c, &uid, &err), FASTIO_OK);
    fastio_free(uid);

    struct fastio_org_opts oo = {"tls-client-org", "TLS client org", NULL, NULL, NULL};
    json_t *org = NULL, *ws = NULL;
    assert_int_equal(fastio_org_create(c, &oo, &org, &err), FASTIO_OK);
    char oid[32];
    snprintf(oid, sizeof(oid), "%s", json_string_value(json_object_get(org, "id")));
    json_decref(org);
    struct fastio_workspace_opts wo = {"TLS ws", "tls-ws", NULL, NULL, NULL, 0};
    assert_int_equal(fastio_workspace_create(c, oid, &wo, &ws, &err), FASTIO_OK);
    char wid[32];
    snprintf(wid, sizeof(wid), "%s", json_string_value(json_object_get(ws, "id")));
    json_decref(ws);

    /* 9 MiB + 7: more than one chunk, through the transfer engine's own curl handles */
    size_t len = (size_t)9 * 1024 * 1024 + 7;
    unsigned char *b = malloc(len);
    assert_non_null(b);
    uint32_t x = 88172645u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (unsigned char)x;
    }
    char src[128], dst[128];
    snprintf(src, sizeof(src), "%s/big.bin", tmp);
    snprintf(dst, sizeof(dst), "%s/dst", tmp);
    assert_int_equal(mkdir(dst, 0700), 0);
    FILE *f = fopen(src, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);

    char *node = NULL, *local = NULL;
    assert_int_equal(fastio_upload_file(c, wid, "root", src, &node, &err), FASTIO_OK);
    assert_non_null(node);
    assert_int_equal(fastio_download_file(c, wid, node, dst, &local, &err), FASTIO_OK);
    f = fopen(local, "rb");
    assert_non_null(f);
    unsigned char *got = malloc(len + 1);
    assert_non_null(got);
    assert_int_equal(fread(got, 1, len + 1, f), len);
    fclose(f);
    assert_memory_equal(got, b, len);
    free(got);
    free(b);
    fastio_free(node);
    fastio_free(local);
    fastio_client_free(c);
}

static void test_without_ca_file_verification_fails(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = client(NULL, &err);
    assert_non_null(c);
    char *uid = NULL;
    attempts = 0;
    assert_int_equal(fastio_auth_check(c, &uid, &err), FASTIO_NETWORK);
    assert_null(uid);
    assert_int_equal(err.status, FASTIO_NETWORK);
    assert_false(err.retryable);
    assert_int_equal(attempts, 1); /* a GET, retried on network errors, but not on this one */
    assert_int_equal(strncmp(err.message, "TLS certificate verification failed", 35), 0);
    fastio_client_free(c);

    /* another CA: the same failure */
    c = client(other, &err);
    assert_non_null(c);
    assert_int_equal(fastio_auth_check(c, &uid, &err), FASTIO_NETWORK);
    assert_non_null(strstr(err.message, "TLS certificate verification failed"));
    fastio_client_free(c);
}

static void test_unusable_ca_file_fails_creation(void **state)
{
    (void)state;
    struct fastio_error err;
    char missing[160], csr[128];
    snprintf(missing, sizeof(missing), "%s/no-such-ca.pem", tmp);
    snprintf(csr, sizeof(csr), "%s/server.csr", tmp);

    assert_null(client(missing, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_non_null(strstr(err.message, missing));
    assert_non_null(strstr(err.message, "cannot open"));

    assert_null(client(tmp, &err)); /* a directory */
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_non_null(strstr(err.message, tmp));

    assert_null(client(csr, &err)); /* PEM, but no certificate */
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_non_null(strstr(err.message, "holds no PEM certificate"));

    assert_null(client("", &err));
    assert_int_equal(err.status, FASTIO_INVALID);

    /* the same check for the token store's refresh client and the MCP client */
    struct fastio_token_store_config sc;
    fastio_token_store_config_init(&sc);
    sc.base_url = base;
    sc.client_id = "fastio-cli";
    sc.refresh_token = "r";
    sc.ca_file = missing;
    assert_null(fastio_token_store_new(&sc, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_non_null(strstr(err.message, missing));

    struct fastio_mcp_config mc;
    fastio_mcp_config_init(&mc);
    char url[160];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/mcp", srv.port);
    mc.url = url;
    mc.ca_file = missing;
    assert_null(fastio_mcp_connect(&mc, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    assert_non_null(strstr(err.message, missing));
}

/* A caller built against the header before ca_file (struct_size ends before it) gets the
 * system bundle: its client is made, and the private CA is not trusted. */
static void test_old_struct_size_has_no_ca_file(void **state)
{
    (void)state;
    struct fastio_config cfg;
    memset(&cfg, 0xab, sizeof(cfg)); /* bytes past the old size must not be read */
    fastio_config_init_sized(&cfg, offsetof(struct fastio_config, ca_file));
    cfg.base_url = base;
    cfg.token = srv.owner_key;
    struct fastio_error err;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    char *uid = NULL;
    assert_int_equal(fastio_auth_check(c, &uid, &err), FASTIO_NETWORK);
    assert_non_null(strstr(err.message, "TLS certificate verification failed"));
    fastio_client_free(c);

    /* the library's own defaults: ca_file NULL */
    fastio_config_init(&cfg);
    assert_null(cfg.ca_file);
}

static void test_mcp_ca_file(void **state)
{
    (void)state;
    char url[160], authz[160];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/mcp", srv.port);
    snprintf(authz, sizeof(authz), "%s", srv.owner_key);
    struct fastio_mcp_config mc;
    fastio_mcp_config_init(&mc);
    mc.url = url;
    mc.bearer_token = authz;
    struct fastio_error err;

    assert_null(fastio_mcp_connect(&mc, &err)); /* the system bundle: refused */
    assert_int_equal(err.status, FASTIO_NETWORK);
    assert_non_null(strstr(err.message, "TLS certificate verification failed"));

    mc.ca_file = ca;
    struct fastio_mcp *m = fastio_mcp_connect(&mc, &err);
    assert_non_null(m);
    json_t *tools = NULL;
    assert_int_equal(fastio_mcp_list_tools(m, &tools, &err), FASTIO_OK);
    assert_true(json_array_size(tools) > 0);
    json_decref(tools);
    fastio_mcp_close(m);
}

/* ---- PKCE login (paste mode) with the login's own client: fastio_login_opts.ca_file */

#define LOGIN_EMAIL "tls-login@example.test"
#define LOGIN_PW "correct horse battery"

struct browser {
    char redirect[2048]; /* where the consent answer sends the browser */
};

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

/* What a browser does with the sign-in address, over HTTPS verified by the test CA: the
 * consent form posted with the account's credentials; its redirect is kept for read_code. */
static void show_url(void *ud, const char *url, const char *redirect_uri)
{
    (void)redirect_uri;
    struct browser *b = ud;
    const char *rid = strstr(url, "auth_request_id=");
    const char *q = strchr(url, '?');
    if (rid == NULL || q == NULL)
        return;
    rid += strlen("auth_request_id=");
    char action[512], form[512];
    snprintf(action, sizeof(action), "%.*s", (int)(q - url), url);
    snprintf(form, sizeof(form),
             "auth_request_id=%.200s&consent=approve&email=tls-login%%40example.test&"
             "password=correct+horse+battery",
             rid);
    CURL *h = curl_easy_init();
    if (h == NULL)
        return;
    char *loc = NULL;
    curl_easy_setopt(h, CURLOPT_URL, action);
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    if (curl_easy_perform(h) == CURLE_OK &&
        curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL)
        snprintf(b->redirect, sizeof(b->redirect), "%s", loc);
    curl_easy_cleanup(h);
}

static bool read_code(void *ud, char *buf, size_t size)
{
    const struct browser *b = ud;
    if (b->redirect[0] == '\0')
        return false;
    snprintf(buf, size, "%s", b->redirect);
    return true;
}

static void test_login_own_client_ca_file(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = client(ca, &err);
    assert_non_null(c);
    struct fastio_signup su = {LOGIN_EMAIL, LOGIN_PW, "T", "L", false};
    json_t *out = NULL;
    assert_int_equal(fastio_user_signup(c, &su, &out, &err), FASTIO_OK);
    json_decref(out);
    fastio_client_free(c);

    struct browser b = {{0}};
    struct fastio_login_opts lo;
    fastio_login_opts_init(&lo);
    lo.base_url = base; /* no client: the login makes its own, with ca_file */
    lo.ca_file = ca;
    lo.client_id = "fastio-cli";
    lo.mode = FASTIO_LOGIN_PASTE;
    lo.show_url = show_url;
    lo.read_code = read_code;
    lo.userdata = &b;
    struct fastio_oauth_tokens t;
    assert_int_equal(fastio_pkce_login(&lo, &t, &err), FASTIO_OK);
    assert_non_null(t.access_token);
    assert_non_null(t.refresh_token);
    fastio_oauth_tokens_release(&t);

    /* without the CA the login's client is refused by TLS */
    memset(&b, 0, sizeof(b));
    lo.ca_file = NULL;
    assert_int_not_equal(fastio_pkce_login(&lo, &t, &err), FASTIO_OK);
    assert_non_null(strstr(err.message, "TLS certificate verification failed"));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ca_file_verifies_requests_and_transfers),
    cmocka_unit_test(test_without_ca_file_verification_fails),
    cmocka_unit_test(test_unusable_ca_file_fails_creation),
    cmocka_unit_test(test_old_struct_size_has_no_ca_file),
    cmocka_unit_test(test_mcp_ca_file),
    cmocka_unit_test(test_login_own_client_ca_file),
};

IT_MAIN(tests, setup, teardown)
