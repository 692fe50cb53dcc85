/* api.h - helpers shared by the typed wrappers (api.c, api_storage.c). */
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

/* Call row ep and hand out its result value (fastio_result) OWNED through out, which may be
 * NULL; *out is NULL on failure. pl may be NULL. */
enum fastio_status fio_api_call_take(struct fastio_client *c, enum fastio_endpoint ep,
                                     const char *const *args, size_t n_args,
                                     const struct fio_plist *pl, json_t **out,
                                     struct fastio_error *err);

/* The array under key in resp, OWNED through *out: null or absent is an empty list (api §2.4:
 * api_keys may be null), any other type is FASTIO_PROTOCOL. */
enum fastio_status fio_api_take_array(json_t *resp, const char *key, json_t **out,
                                      struct fastio_error *err);

/* Fail with FASTIO_PROTOCOL: a 2xx answer whose shape is not what the contract says. */
enum fastio_status fio_api_protocol(struct fastio_error *err, const char *msg);

#endif
