/* SPDX-License-Identifier: MIT */
/* client.h - fastio_call() as the rest of the library sees it (api/, auth/): one call of one
 * endpoint row, with retries and the token refresh. The public fastio_call() is a thin wrapper
 * over it. Requests that need their own event loop (transfer/) use the operation underneath
 * (op.h) directly. */
#ifndef FIO_CLIENT_H
#define FIO_CLIENT_H

#include <stddef.h>

#include "fastio/fastio.h"

/* Per-call options that the public fastio_call() has no room for. */
struct fio_call_opts {
    /* Credentials for a BASIC row (USER_SIGNIN): used for this one call and never stored.
     * A BASIC row without them fails with INVALID before any request is sent. */
    const char *basic_user;
    const char *basic_password;
};

/* Like fastio_call(), with two differences: opts (may be NULL) and the response. *response
 * (may be NULL) receives, OWNED, the normalised body whenever the server answered with a JSON
 * object - also on failure, so that a caller can read a bulk body sent with 404 (api §4.2) -
 * and NULL otherwise. The caller releases it in both cases. */
enum fastio_status fio_client_call(struct fastio_client *c, enum fastio_endpoint ep,
                                   const char *const *path_args, size_t n_path_args,
                                   const struct fastio_param *params, size_t n_params,
                                   const struct fio_call_opts *opts, json_t **response,
                                   struct fastio_error *err);

/* fio_client_call() with public call options (deadline, cancel token, retries; NULL = the
 * client's defaults): the entry point for library code that takes a struct fastio_call_opts
 * (the OAuth calls). */
enum fastio_status fio_client_call_opts(struct fastio_client *c, enum fastio_endpoint ep,
                                        const char *const *path_args, size_t n_path_args,
                                        const struct fastio_param *params, size_t n_params,
                                        const struct fio_call_opts *opts,
                                        const struct fastio_call_opts *call, json_t **response,
                                        struct fastio_error *err);

/* The configuration c was made with (its strings are c's own copies, the token the current
 * one): fastio_client_new() of it makes an independent twin of c, e.g. for a helper thread
 * (api_lock.c, the lock keeper). Borrowed: valid until c changes or is freed. */
const struct fastio_config *fio_client_config(const struct fastio_client *c);

#endif
