/* SPDX-License-Identifier: MIT */
/* verify.h - email verification (h_verify.c, D-081). */
#ifndef SRV_VERIFY_H
#define SRV_VERIFY_H

#include <stdbool.h>

#include "server.h"

struct store_conn;

/* Make a new code for user_id (replacing an older one), store its hash and mail it to email
 * through the outbox. 0 or -1. */
int verify_send_code(struct server *s, struct store_conn *c, const char *user_id,
                     const char *email);
/* Whether the caller's address is verified (false on a database error: fail closed). */
bool verify_is_verified(struct req *r);
/* 0 when the caller's address is verified, else -1 with 403 / 10587 saying how to verify;
 * `what` completes "you cannot ... yet". */
int verify_required(struct req *r, const char *what);

#endif
