/* SPDX-License-Identifier: MIT */
/* api.h - helpers shared by the typed wrappers (api*.c) and the OAuth calls (auth_oauth.c). */
#ifndef FIO_API_H
#define FIO_API_H

#include <stddef.h>

#include "fastio/fastio.h"

/* The most parameters any wrapper sends. */
#define FIO_PLIST_MAX 12

/* A fixed-size parameter list on the stack. Zero-initialise it ({0}). */
struct fio_plist {
    struct fastio_param p[FIO_PLIST_MAX];
    size_t n;
};

/* Append name=value; a NULL value is skipped (optional fields). Aborts past FIO_PLIST_MAX: that
 * is a bug in a wrapper, not a runtime condition. */
void fio_plist_add(struct fio_plist *l, const char *name, const char *value);

/* What fio_row_call() hands out. */
enum fio_row_out {
    FIO_ROW_VALUE, /* the value under the row's result key (fastio_result) */
    FIO_ROW_LIST,  /* the same, always an array: null or absent is [] */
    FIO_ROW_WHOLE  /* the whole decoded response */
};

/* Call row ep with `values` in the order of the row's parameters in fastio/endpoints.h (path
 * parameters and the others, as listed; a row's parameters are only ever appended, so the
 * order is as stable as a function's). Values past n_values and NULL values are not sent; a
 * required parameter that is NULL fails with INVALID ("<wire name> is required") before
 * anything is sent. opts: as fastio_call_ex (NULL = the client's). *out (out may be NULL):
 * OWNED, NULL on failure. Aborts when values do not fit the row: a bug in a wrapper. */
enum fastio_status fio_row_call(struct fastio_client *c, enum fastio_endpoint ep,
                                const char *const *values, size_t n_values,
                                const struct fastio_call_opts *opts, enum fio_row_out how,
                                json_t **out, struct fastio_error *err);

/* Offset paging (api §1.5) as row values: the decimal text in buf, or NULL (not sent) unless
 * pg sets a positive value. */
const char *fio_page_limit(const struct fastio_page *pg, char buf[24]);
const char *fio_page_offset(const struct fastio_page *pg, char buf[24]);

/* The array under key in resp, OWNED through *out: null or absent is an empty list (api §2.4:
 * api_keys may be null), any other type is FASTIO_PROTOCOL. */
enum fastio_status fio_api_take_array(json_t *resp, const char *key, json_t **out,
                                      struct fastio_error *err);

/* Fail with FASTIO_PROTOCOL: a 2xx answer whose shape is not what the contract says. */
enum fastio_status fio_api_protocol(struct fastio_error *err, const char *msg);

#endif
