/* SPDX-License-Identifier: MIT */
/* request.h - turning an endpoint row plus arguments into what goes on the wire: the URL with
 * escaped path arguments and query, the form or JSON body, and the header lines (auth,
 * content type). No I/O: client.c sends what this builds. */
#ifndef FIO_REQUEST_H
#define FIO_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "buf.h"
#include "client.h"

/* One request as built from a row; it lives for the whole call so that a retry can resend it
 * unchanged. Embedded struct: fio_request_init / fio_request_release. */
struct fio_request {
    const struct fastio_endpoint_info *row;
    struct fio_buf url;
    size_t path_off; /* where the endpoint path starts in url (for the log) */
    size_t path_len; /* its length, without the query */
    struct fio_buf body;
    bool has_body;
    struct curl_slist *headers; /* owned; the Authorization line is wiped on release */
};

void fio_request_init(struct fio_request *rq);
/* Free everything, wiping credentials and bodies (which may hold passwords) first. */
void fio_request_release(struct fio_request *rq);

/* Build the request for row ep: base_url (no trailing '/'), token for BEARER rows (NULL =
 * none), the path arguments and parameters as for fastio_call(), opts for BASIC rows.
 * Returns OK, INVALID (unknown endpoint, wrong or empty path arguments, nameless parameter,
 * parameters for a NONE row, a BASIC row without credentials, non-UTF-8 text for a JSON body)
 * or NOMEM, with err filled. */
enum fastio_status fio_request_build(struct fio_request *rq, enum fastio_endpoint ep,
                                     const char *base_url, const char *token,
                                     const char *const *path_args, size_t n_path_args,
                                     const struct fastio_param *params, size_t n_params,
                                     const struct fio_call_opts *opts, struct fastio_error *err);

/* Append one header line ("Name: value", no CR/LF) to a built request; false on OOM. */
bool fio_request_add_header(struct fio_request *rq, const char *line);

#endif
