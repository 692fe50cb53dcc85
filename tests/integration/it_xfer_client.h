/* SPDX-License-Identifier: MIT */
/* it_xfer_client.h - a transfer engine borrows a client that must outlive it
 * (fastio_transfer_new): the suites that make engines keep one client per token for the whole
 * program (itx_client) and free them all before their server stops: itx_clients_free as the
 * fixture's before_stop (struct it_fixture_opts). Loop-thread use only: the lookup is not
 * locked, so call it before starting any thread. Include after <cmocka.h> and harness.h. */
#ifndef IT_XFER_CLIENT_H
#define IT_XFER_CLIENT_H

#include <string.h>

#include <fastio/fastio.h>

#include "harness.h"

#define ITX_CLIENTS_MAX 128

static struct {
    char token[512];
    struct fastio_client *c;
} itx_clients[ITX_CLIENTS_MAX];
static size_t itx_n;

/* The client of server s for token (NULL = none), made on first use. */
static inline struct fastio_client *itx_client(struct it_server *s, const char *token)
{
    const char *k = token != NULL ? token : "";
    for (size_t i = 0; i < itx_n; i++)
        if (strcmp(itx_clients[i].token, k) == 0)
            return itx_clients[i].c;
    assert_true(itx_n < ITX_CLIENTS_MAX);
    assert_true(strlen(k) < sizeof(itx_clients[0].token));
    memcpy(itx_clients[itx_n].token, k, strlen(k) + 1);
    itx_clients[itx_n].c = it_client(s, token);
    assert_non_null(itx_clients[itx_n].c);
    return itx_clients[itx_n++].c;
}

static inline void itx_clients_free(void)
{
    for (size_t i = 0; i < itx_n; i++) {
        fastio_client_free(itx_clients[i].c);
        itx_clients[i].c = NULL;
    }
    itx_n = 0;
}

#endif
