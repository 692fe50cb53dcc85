/* SPDX-License-Identifier: MIT */
/* credentials_internal.h - what credentials.c (files, lock) shares with credentials_resolve.c
 * (token and API base resolution, profile token store). Private to the client library. */
#ifndef FIO_CREDENTIALS_INTERNAL_H
#define FIO_CREDENTIALS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "fastio/credentials.h"

#define FIO_CRED_PATH_SZ 4096
#define FIO_CRED_LOCK_WAIT_MS 30000L

/* Format a message into err (when not NULL) and return st. */
enum fastio_status fio_cred_seterr(struct fastio_error *err, enum fastio_status st,
                                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Wipe a NUL-terminated secret and free it (NULL: nothing). */
void fio_cred_wipe_free(char *s);
/* Read a whole small regular file (not through a symlink). 1 with *data (owned), 0 when it does
 * not exist, -1 on error (errno set; EFBIG when larger than max). *mode gets its permission bits. */
int fio_cred_read_small_file(const char *path, size_t max, char **data, size_t *len,
                             mode_t *mode);
/* The port of an http:// base ("http://h:8787/x" -> 8787, none -> 80; "[v6]:p" too); -1 when
 * it is not http:// or the port is malformed or outside 1..65535. */
long fio_cred_base_port(const char *base);
/* Whether owner.url's text (len bytes, whitespace around it ignored) names a loopback server on
 * the port of base, itself loopback: then owner.key may be sent to base (D-089). */
bool fio_cred_owner_url_matches(const char *text, size_t len, const char *base);
/* Load the JSON object at path ({} when absent). secret: apply the mode rule. */
enum fastio_status fio_cred_load_json(const char *path, bool secret, unsigned flags,
                                      json_t **out, unsigned *insecure_mode,
                                      struct fastio_error *err);

#endif
