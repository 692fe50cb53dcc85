/* SPDX-License-Identifier: MIT */
/* fastio/lock.h - exclusive file locks (api §7; docs/decisions.md "Locks"): acquire, status,
 * heartbeat and release; a keeper that heartbeats a held lock from a background thread; and
 * fastio_with_lock(), which runs a caller's update under a lock and releases it whatever
 * happens.
 *
 * A lock is held by its token (a secret string, not the user): pass it as lock_token with every
 * write to the locked file (rename, move, delete, purge, new versions). The server refuses a
 * write to a locked file without the token, and any write carrying a token whose lock has
 * expired or was released: a holder that lost its lock finds out at its next write instead of
 * overwriting someone else's change. Refusals are FASTIO_CONFLICT (HTTP 409, API code 1660).
 *
 * Same conventions as fastio/fastio.h (ownership, errors, one client per thread). */
#ifndef FASTIO_LOCK_H
#define FASTIO_LOCK_H

#include "fastio/fastio.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FASTIO_LOCK_DURATION_MIN 60     /* seconds (api §7) */
#define FASTIO_LOCK_DURATION_MAX 3600
#define FASTIO_LOCK_DURATION_DEFAULT 300 /* what the server uses when none is sent */

/* Per-call struct without a size field: zero-fill it (zero = the default); ABI rule in
 * fastio/fastio.h. */
struct fastio_lock_opts {
    long duration_s;         /* 60-3600; 0 = the server default (300) */
    const char *client_info; /* JSON object text (<= 4 KiB), e.g. {"device_name":"ci-7"}; NULL */
    long wait_ms;            /* while the file is locked by someone else, retry for up to this
                                long (monotonic clock, jittered backoff 25 ms..1 s); 0 = fail
                                at once with CONFLICT */
};

/* POST …/storage/{node}/lock/. On success *lock_token (OWNED, fastio_free; wipe it first if you
 * care) is the token and *lock (may be NULL; OWNED) the lock object {node_id, locked,
 * locked_by{id, email}, acquired, expires, expires_in_ms, duration, client_info}. On CONFLICT
 * (held by someone else, after wait_ms if set) *lock receives the current holder in the same
 * shape. Only files can be locked (a folder: INVALID). Returns OK, CONFLICT, INVALID,
 * NOT_FOUND, FORBIDDEN, or a transport status. Not resent after a lost answer (UNSAFE row). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_lock_acquire(struct fastio_client *c, const char *ws, const char *node,
                    const struct fastio_lock_opts *opts, char **lock_token, json_t **lock,
                    struct fastio_error *err);

/* GET …/storage/{node}/lock/: *lock (OWNED) is {node_id, locked:false} or the lock object as
 * above (without the token). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_lock_status(struct fastio_client *c,
                                                                  const char *ws,
                                                                  const char *node, json_t **lock,
                                                                  struct fastio_error *err);

/* POST …/lock/heartbeat/: the lock lasts its full duration again from now; *lock (may be NULL)
 * is the renewed lock object. CONFLICT when the lock expired, was released, or the token is not
 * the holder's. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_lock_heartbeat(struct fastio_client *c, const char *ws, const char *node,
                      const char *lock_token, json_t **lock, struct fastio_error *err);

/* DELETE …/lock/ with lock_token in the form body. CONFLICT as for heartbeat. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_lock_release(struct fastio_client *c,
                                                                   const char *ws,
                                                                   const char *node,
                                                                   const char *lock_token,
                                                                   struct fastio_error *err);

/* ---- the keeper: automatic heartbeat --------------------------------------------------------
 * A keeper owns one background thread and its own client (a twin of the caller's: same base
 * URL, token or token provider, log callback). It renews the lock every third of the time the
 * server says is left (expires_in_ms; so it also follows a server whose clock is scaled for
 * tests), retries transient failures (network, 5xx, 429) sooner while the lock can still be
 * renewed, and stops for good when the lock is lost: CONFLICT / NOT_FOUND / FORBIDDEN / AUTH
 * from the server, or no successful renewal before the lock ran out. Then it calls on_lost
 * once, on its own thread, and fastio_lock_keeper_status() reports the loss. */

struct fastio_lock_keeper;

/* Called once, on the keeper's thread, when the lock is lost; why is borrowed for the call. It
 * must not call fastio_lock_keeper_stop() on its own keeper. */
typedef void (*fastio_lock_lost_fn)(void *userdata, const struct fastio_error *why);

/* Start keeping the lock of node (held with lock_token) alive. Makes one heartbeat before it
 * returns, so a lock that is already gone fails here (CONFLICT). on_lost may be NULL. c is only
 * read during the call. Returns NULL on failure (err says why: INVALID, NOMEM, CONFLICT, a
 * transport status). Free with fastio_lock_keeper_stop(). */
FASTIO_API FASTIO_NODISCARD struct fastio_lock_keeper *
fastio_lock_keeper_start(struct fastio_client *c, const char *ws, const char *node,
                         const char *lock_token, fastio_lock_lost_fn on_lost, void *userdata,
                         struct fastio_error *err);

/* OK while the keeper holds the lock; once lost, the status of the loss (err: its detail).
 * Thread-safe. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_lock_keeper_status(struct fastio_lock_keeper *k, struct fastio_error *err);

/* Stop heartbeating (wakes the thread, joins it) and free the keeper. Does not release the
 * lock. NULL is a no-op. */
FASTIO_API void fastio_lock_keeper_stop(struct fastio_lock_keeper *k);

/* ---- run an update under a lock --------------------------------------------------------------*/

/* The caller's update: runs with the lock held (and kept alive by a keeper); pass lock_token
 * with each write. c is the client given to fastio_with_lock(). Return OK or a failure status
 * (fill err). */
typedef enum fastio_status (*fastio_locked_fn)(void *userdata, struct fastio_client *c,
                                               const char *lock_token, struct fastio_error *err);

/* Acquire the lock of node (duration_s: 0 = default), keep it alive, run fn, then release it -
 * also when fn fails. Returns fn's status (and err) when fn fails; the acquire's when the lock
 * could not be taken (CONFLICT: held by someone else); otherwise OK. A failed release does not
 * turn a successful fn into a failure: every write fn made with the token was accepted while
 * the lock was held (the server guarantees it), and an unreleased lock expires by itself. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_with_lock(struct fastio_client *c, const char *ws, const char *node, long duration_s,
                 fastio_locked_fn fn, void *userdata, struct fastio_error *err);

/* fastio_with_lock() with all acquire options (client_info, waiting while the file is locked). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_with_lock_ex(struct fastio_client *c, const char *ws, const char *node,
                    const struct fastio_lock_opts *opts, fastio_locked_fn fn, void *userdata,
                    struct fastio_error *err);

#ifdef __cplusplus
}
#endif
#endif
