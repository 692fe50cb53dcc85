/* SPDX-License-Identifier: MIT */
/* test_abi.c - the size rule of the public config structs (docs/decisions.md D-005): an
 * "older caller" (struct_size covering only the first fields) gets the defaults for the rest
 * and the library reads none of its bytes beyond struct_size (they are filled with 0xAB, which
 * read as a long or int is negative and refused); `*_init_sized()` writes only the caller's
 * bytes; struct_size 0 (never initialised) is refused with FASTIO_INVALID naming the _init; a
 * "newer caller" (a larger struct) is accepted when its extra bytes are zero and refused when
 * not. */
#include <stdlib.h>
#include <string.h>

#include <fastio/credentials.h>
#include <fastio/fastio.h>
#include <fastio/login.h>
#include <fastio/mcp.h>
#include <fastio/members.h>
#include <fastio/transfer.h>

#include "abi.h"
#include "client.h"
#include "client_internal.h"
#include "mcp_internal.h"
#include "testmain.h"
#include "transfer_engine.h"

#define GARBAGE 0xAB

static void fill_garbage(void *p, size_t n)
{
    memset(p, GARBAGE, n);
}

/* Every byte of p[from, to) is still GARBAGE. */
static void assert_untouched(const void *p, size_t from, size_t to)
{
    const unsigned char *b = p;
    for (size_t i = from; i < to; i++)
        assert_int_equal(b[i], GARBAGE);
}

static struct fastio_client *client_of(const struct fastio_config *cfg, struct fastio_error *err)
{
    return fastio_client_new(cfg, err);
}

static void local_config(struct fastio_config *cfg)
{
    fastio_config_init(cfg);
    cfg->base_url = "http://127.0.0.1:1/current";
}

/* A client of a closed local port (nothing it sends is answered). */
static struct fastio_client *local_client(void)
{
    struct fastio_config cfg;
    struct fastio_error err;
    local_config(&cfg);
    struct fastio_client *c = client_of(&cfg, &err);
    assert_non_null(c);
    return c;
}

/* err says INVALID, and its message names what (the init function to call, ...). */
static void assert_refused(const struct fastio_error *err, const char *what)
{
    assert_int_equal(err->status, FASTIO_INVALID);
    assert_non_null(strstr(err->message, what));
}

/* ---- the helper itself ----------------------------------------------------------------- */

static void init_writes_only_the_callers_bytes(void **state)
{
    (void)state;
    struct fastio_config buf;
    const size_t old = offsetof(struct fastio_config, max_retries);
    fill_garbage(&buf, sizeof(buf));
    fastio_config_init_sized(&buf, old);
    assert_int_equal(buf.struct_size, old);
    assert_int_equal(buf.connect_timeout_ms, 30000); /* a default inside the old size */
    assert_null(buf.base_url);                       /* zeroed inside the old size */
    assert_untouched(&buf, old, sizeof(buf));

    fastio_config_init(&buf);
    assert_int_equal(buf.struct_size, sizeof(buf));
    assert_int_equal(buf.max_retries, 4);

    /* too small to hold struct_size: nothing is written */
    fill_garbage(&buf, sizeof(buf));
    fastio_config_init_sized(&buf, sizeof(size_t) - 1);
    assert_untouched(&buf, 0, sizeof(buf));
    fastio_config_init_sized(NULL, sizeof(buf)); /* no-op */
}

/* Every X_init() sets struct_size to sizeof as this header has it, whatever was there. */
static void every_init_sets_struct_size(void **state)
{
    (void)state;
#define CHECK_INIT(type, init)                                                                     \
    do {                                                                                           \
        struct type v_;                                                                            \
        fill_garbage(&v_, sizeof(v_));                                                             \
        init(&v_);                                                                                 \
        assert_int_equal(v_.struct_size, sizeof(v_));                                              \
    } while (0)
    CHECK_INIT(fastio_config, fastio_config_init);
    CHECK_INIT(fastio_call_opts, fastio_call_opts_init);
    CHECK_INIT(fastio_token_store_config, fastio_token_store_config_init);
    CHECK_INIT(fastio_transfer_config, fastio_transfer_config_init);
    CHECK_INIT(fastio_login_opts, fastio_login_opts_init);
    CHECK_INIT(fastio_event_filter, fastio_event_filter_init);
    CHECK_INIT(fastio_credentials_opts, fastio_credentials_opts_init);
    CHECK_INIT(fastio_profile_tokens_config, fastio_profile_tokens_config_init);
    CHECK_INIT(fastio_mcp_config, fastio_mcp_config_init);
#undef CHECK_INIT
    struct fastio_event_filter f;
    fastio_event_filter_init(&f);
    assert_int_equal(f.acknowledged, -1);
    assert_null(f.workspace_id);
}

static void read_refuses_zero_and_small(void **state)
{
    (void)state;
    struct fastio_call_opts in, out;
    struct fastio_error err;
    memset(&in, 0, sizeof(in));
    fastio_call_opts_init(&out);
    assert_int_equal(FIO_ABI_READ(&out, &in, "fastio_call_opts", &err), FASTIO_INVALID);
    assert_refused(&err, "fastio_call_opts_init()");
    assert_int_equal(out.max_retries, -1); /* out unchanged */

    in.struct_size = sizeof(size_t) - 1;
    assert_int_equal(FIO_ABI_READ(&out, &in, "fastio_call_opts", &err), FASTIO_INVALID);
}

/* ---- fastio_config ---------------------------------------------------------------------- */

static void config_older_caller_gets_defaults(void **state)
{
    (void)state;
    struct fastio_config buf;
    struct fastio_error err;
    /* an older header whose struct ended after log_userdata (before the retry fields) */
    const size_t old = offsetof(struct fastio_config, max_retries);
    fill_garbage(&buf, sizeof(buf));
    fastio_config_init_sized(&buf, old);
    buf.base_url = "http://127.0.0.1:1/current";
    buf.timeout_ms = 1234;
    struct fastio_client *c = client_of(&buf, &err);
    assert_non_null(c);
    const struct fastio_config *got = fio_client_config(c);
    assert_int_equal(got->struct_size, sizeof(struct fastio_config));
    assert_int_equal(got->timeout_ms, 1234); /* inside: the caller's */
    assert_int_equal(got->max_retries, 4);   /* outside: the defaults */
    assert_int_equal(got->backoff_base_ms, 250);
    assert_int_equal(got->backoff_cap_ms, 20000);
    assert_int_equal(got->max_retry_wait_ms, 60000);
    assert_null(got->token_provider);
    assert_null(got->token_provider_userdata);
    fastio_client_free(c);
}

static void config_zero_size_refused(void **state)
{
    (void)state;
    struct fastio_config cfg;
    struct fastio_error err;
    memset(&cfg, 0, sizeof(cfg)); /* zero-filled, never initialised */
    cfg.base_url = "http://127.0.0.1:1/current";
    assert_null(client_of(&cfg, &err));
    assert_refused(&err, "fastio_config_init()");
    /* NULL still means "the defaults" */
    struct fastio_client *c = client_of(NULL, &err);
    assert_non_null(c);
    fastio_client_free(c);
}

static void config_newer_caller(void **state)
{
    (void)state;
    struct newer {
        struct fastio_config cfg;
        uint64_t appended; /* a field of a later header */
    } n;
    struct fastio_error err;
    fill_garbage(&n, sizeof(n));
    fastio_config_init_sized(&n.cfg, sizeof(n));
    assert_int_equal(n.cfg.struct_size, sizeof(n));
    assert_int_equal(n.appended, 0); /* the library zeroes the caller's whole struct */
    n.cfg.base_url = "http://127.0.0.1:1/current";
    struct fastio_client *c = client_of(&n.cfg, &err);
    assert_non_null(c); /* the unknown field is at its default */
    fastio_client_free(c);

    n.appended = 7; /* set: this library cannot honour it */
    assert_null(client_of(&n.cfg, &err));
    assert_refused(&err, "newer header");
}

/* ---- fastio_call_opts -------------------------------------------------------------------- */

static void call_opts_older_caller_and_zero(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = local_client();

    struct fastio_call_opts o;
    const size_t old = offsetof(struct fastio_call_opts, cancel); /* deadline and timeout only */
    fill_garbage(&o, sizeof(o));
    fastio_call_opts_init_sized(&o, old);
    o.timeout_ms = 5000;
    assert_int_equal(fastio_client_set_call_opts(c, &o, &err), FASTIO_OK);
    assert_true(c->has_defaults);
    assert_int_equal(c->defaults.timeout_ms, 5000);
    assert_null(c->defaults.cancel);
    assert_int_equal(c->defaults.max_retries, -1);

    memset(&o, 0, sizeof(o));
    assert_int_equal(fastio_client_set_call_opts(c, &o, &err), FASTIO_INVALID);
    assert_non_null(strstr(err.message, "fastio_call_opts_init()"));
    json_t *resp = (json_t *)&o; /* must come back NULL */
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, &resp, &err),
                     FASTIO_INVALID);
    assert_null(resp);
    assert_non_null(strstr(err.message, "fastio_call_opts_init()"));
    fastio_client_free(c);
}

/* ---- fastio_transfer_config -------------------------------------------------------------- */

static void transfer_config_older_caller_and_zero(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = local_client();

    struct fastio_transfer_config tc;
    const size_t old = offsetof(struct fastio_transfer_config, chunk_size);
    fill_garbage(&tc, sizeof(tc));
    fastio_transfer_config_init_sized(&tc, old);
    tc.max_files = 2;
    struct fastio_transfer *t = fastio_transfer_new(c, &tc, &err);
    assert_non_null(t);
    assert_int_equal(t->cfg.max_files, 2);
    assert_int_equal(t->cfg.connect_timeout_ms, 0); /* default: the client's */
    assert_int_equal(t->cfg.stall_timeout_ms, 60000);
    assert_int_equal(t->cfg.max_retries, 5);
    assert_null(t->cfg.progress);
    assert_false(t->cfg.no_batch);
    fastio_transfer_free(t);

    memset(&tc, 0, sizeof(tc));
    assert_null(fastio_transfer_new(c, &tc, &err));
    assert_refused(&err, "fastio_transfer_config_init()");
    fastio_client_free(c);
}

/* ---- MCP client config -------------------------------------------------------------------- */

/* An older caller of fastio_mcp_config (struct up to `command`): the library's defaults for the
 * rest. The server is a one-line shell script that answers initialize and then reads on. */
static void mcp_config_older_caller_and_zero(void **state)
{
    (void)state;
    static const char *const argv[] = {
        "/bin/sh", "-c",
        "read l; echo '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":"
        "\"2025-11-25\",\"capabilities\":{},\"serverInfo\":{\"name\":\"sh\",\"version\":"
        "\"1\"}}}'; cat >/dev/null",
        NULL};
    struct fastio_mcp_config mc;
    struct fastio_error err;
    const size_t old = offsetof(struct fastio_mcp_config, bearer_token);
    fill_garbage(&mc, sizeof(mc));
    fastio_mcp_config_init_sized(&mc, old);
    assert_untouched(&mc, old, sizeof(mc));
    mc.transport = FASTIO_MCP_STDIO;
    mc.command = argv;
    struct fastio_mcp *m = fastio_mcp_connect(&mc, &err);
    if (m == NULL)
        fail_msg("connect: %s", err.message);
    assert_int_equal(m->cfg.timeout_ms, 60000);
    assert_int_equal(m->cfg.max_reconnects, 5);
    assert_int_equal(m->cfg.max_message_bytes, (size_t)16 << 20);
    assert_null(m->cfg.on_progress);
    assert_string_equal(fastio_mcp_protocol_version(m), "2025-11-25");
    fastio_mcp_close(m);

    memset(&mc, 0, sizeof(mc));
    mc.transport = FASTIO_MCP_STDIO;
    mc.command = argv;
    assert_null(fastio_mcp_connect(&mc, &err));
    assert_refused(&err, "fastio_mcp_config");
}

/* ---- login options, event filter --------------------------------------------------------- */

static void login_opts_zero_refused(void **state)
{
    (void)state;
    struct fastio_login_opts o;
    struct fastio_oauth_tokens tok;
    struct fastio_error err;
    memset(&o, 0, sizeof(o));
    o.client_id = "x";
    assert_int_equal(fastio_pkce_login(&o, &tok, &err), FASTIO_INVALID);
    assert_non_null(strstr(err.message, "fastio_login_opts_init()"));
}

static void event_filter_older_caller_and_zero(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_client *c = local_client();

    struct fastio_event_filter f;
    memset(&f, 0, sizeof(f));
    f.workspace_id = "1234567890123456789";
    json_t *ev = NULL;
    assert_int_equal(fastio_events_search(c, &f, NULL, &ev, NULL, &err), FASTIO_INVALID);
    assert_non_null(strstr(err.message, "fastio_event_filter_init()"));

    /* older: only the three ids; acknowledged and later fields must read as "no filter". The
     * call reaches the (closed) port, so it fails with NETWORK, not INVALID. */
    const size_t old = offsetof(struct fastio_event_filter, event);
    fill_garbage(&f, sizeof(f));
    fastio_event_filter_init_sized(&f, old);
    f.workspace_id = "1234567890123456789";
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.max_retries = 0;
    assert_int_equal(fastio_client_set_call_opts(c, &o, &err), FASTIO_OK);
    enum fastio_status st = fastio_events_search(c, &f, NULL, &ev, NULL, &err);
    assert_int_not_equal(st, FASTIO_INVALID);
    assert_int_not_equal(st, FASTIO_OK);
    fastio_client_free(c);
}

/* ---- token store, credentials, profile tokens --------------------------------------------- */

static void token_store_config_older_caller_and_zero(void **state)
{
    (void)state;
    struct fastio_token_store_config sc;
    struct fastio_error err;
    memset(&sc, 0, sizeof(sc));
    sc.access_token = "tok";
    assert_null(fastio_token_store_new(&sc, &err));
    assert_refused(&err, "fastio_token_store_config_init()");

    /* refresh_skew_s and later are beyond the caller: garbage there (negative) is not read */
    const size_t old = offsetof(struct fastio_token_store_config, refresh_skew_s);
    fill_garbage(&sc, sizeof(sc));
    fastio_token_store_config_init_sized(&sc, old);
    assert_untouched(&sc, old, sizeof(sc));
    sc.access_token = "tok";
    struct fastio_token_store *s = fastio_token_store_new(&sc, &err);
    assert_non_null(s);
    fastio_token_store_free(s);
}

static void credentials_opts_zero_refused(void **state)
{
    (void)state;
    struct fastio_credentials_opts o;
    struct fastio_credentials cr;
    struct fastio_error err;
    memset(&o, 0, sizeof(o));
    o.explicit_token = "tok";
    assert_int_equal(fastio_credentials_resolve(&o, &cr, &err), FASTIO_INVALID);
    assert_non_null(strstr(err.message, "fastio_credentials_opts_init()"));
    assert_null(cr.token);

    fastio_credentials_opts_init(&o);
    assert_int_equal(o.struct_size, sizeof(o));
    o.explicit_token = "tok";
    o.explicit_api_base = "http://127.0.0.1:1/current";
    assert_int_equal(fastio_credentials_resolve(&o, &cr, &err), FASTIO_OK);
    assert_string_equal(cr.token, "tok");
    fastio_credentials_release(&cr);
}

static void profile_tokens_config_older_caller_and_zero(void **state)
{
    (void)state;
    struct fastio_profile_tokens_config tc;
    struct fastio_error err;
    memset(&tc, 0, sizeof(tc));
    tc.profile = "p";
    tc.client_id = "c";
    tc.refresh_token = "r";
    assert_null(fastio_profile_tokens_new(&tc, &err));
    assert_refused(&err, "fastio_profile_tokens_config_init()");

    const size_t old = offsetof(struct fastio_profile_tokens_config, refresh_skew_s);
    fill_garbage(&tc, sizeof(tc));
    fastio_profile_tokens_config_init_sized(&tc, old);
    tc.profile = "p";
    tc.base_url = NULL;
    tc.client_id = "c";
    tc.access_token = NULL;
    tc.refresh_token = "r";
    tc.expires_at = 0;
    struct fastio_profile_tokens *t = fastio_profile_tokens_new(&tc, &err);
    assert_non_null(t);
    fastio_profile_tokens_free(t);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(init_writes_only_the_callers_bytes),
    cmocka_unit_test(every_init_sets_struct_size),
    cmocka_unit_test(read_refuses_zero_and_small),
    cmocka_unit_test(config_older_caller_gets_defaults),
    cmocka_unit_test(config_zero_size_refused),
    cmocka_unit_test(config_newer_caller),
    cmocka_unit_test(call_opts_older_caller_and_zero),
    cmocka_unit_test(transfer_config_older_caller_and_zero),
    cmocka_unit_test(login_opts_zero_refused),
    cmocka_unit_test(event_filter_older_caller_and_zero),
    cmocka_unit_test(token_store_config_older_caller_and_zero),
    cmocka_unit_test(credentials_opts_zero_refused),
    cmocka_unit_test(profile_tokens_config_older_caller_and_zero),
    cmocka_unit_test(mcp_config_older_caller_and_zero),
};

TEST_MAIN(tests)
