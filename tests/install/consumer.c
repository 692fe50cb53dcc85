/* SPDX-License-Identifier: MIT */
/* consumer.c - a program outside the tree, built only from what `cmake --install` put in a prefix
 * (headers + `pkg-config fastio`), to prove the installed library is usable on its own. It
 * touches every layer that needs no network: global init, config (and its size rule), client,
 * status table and endpoint table. Exit 0 = everything behaved. */
#include <stdio.h>
#include <string.h>

#include <fastio/fastio.h>

static int fail(const char *what)
{
    fprintf(stderr, "consumer: %s\n", what);
    return 1;
}

int main(void)
{
    if (fastio_global_init() != FASTIO_OK)
        return fail("fastio_global_init failed");

    struct fastio_config cfg;
    /* ABI rule (D-005): a zero-filled config is refused, _init sets struct_size. */
    struct fastio_error err;
    memset(&cfg, 0, sizeof(cfg));
    if (fastio_client_new(&cfg, &err) != NULL || err.status != FASTIO_INVALID)
        return fail("a zero-filled fastio_config was not refused");
    fastio_config_init(&cfg);
    if (cfg.struct_size != sizeof(cfg))
        return fail("fastio_config_init did not set struct_size");
    if (cfg.base_url != NULL && strcmp(cfg.base_url, FASTIO_DEFAULT_BASE_URL) != 0)
        return fail("unexpected default base_url");
    cfg.base_url = "http://127.0.0.1:1/current";

    struct fastio_client *c = fastio_client_new(&cfg, &err);
    if (c == NULL)
        return fail("fastio_client_new failed");
    const char *base = fastio_client_base_url(c);
    int rc = 0;
    if (base == NULL || strncmp(base, "http://127.0.0.1:1/current", 26) != 0)
        rc = fail("fastio_client_base_url does not echo the configured URL");

    const char *name = fastio_status_name(FASTIO_OK);
    if (name == NULL || strcmp(name, "FASTIO_OK") != 0)
        rc = fail("fastio_status_name(FASTIO_OK) is not \"FASTIO_OK\"");
    if (strcmp(fastio_status_name(FASTIO_NOT_FOUND), "FASTIO_NOT_FOUND") != 0)
        rc = fail("fastio_status_name(FASTIO_NOT_FOUND) is wrong");

    const struct fastio_endpoint_info *ep = fastio_endpoint_get(FASTIO_EP_ORG_CREATE);
    if (ep == NULL || ep->path == NULL || strstr(ep->path, "/org/create/") == NULL)
        rc = fail("fastio_endpoint_get(ORG_CREATE) wrong");
    if (fastio_endpoint_get(FASTIO_EP_COUNT_) != NULL)
        rc = fail("fastio_endpoint_get(out of range) is not NULL");

    fastio_client_free(c);
    fastio_global_cleanup();
    if (rc == 0)
        printf("consumer: ok (%s, %s %s)\n", name, fastio_method_name(ep->method), ep->path);
    return rc;
}
