/* store_oauth.h - the OAuth area of the store (store.h): pending authorization requests, codes,
 * OAuth sessions and their access/refresh tokens (api §2.5). Codes and tokens reach the store
 * only as their SHA-256 hex. Times are wall-clock microseconds. */
#ifndef SRV_STORE_OAUTH_H
#define SRV_STORE_OAUTH_H

#include <stddef.h>

#include "store.h"

struct store_oauth_ops {
    /* The scope and scope_type of an OAuth session, truncated to their sizes (scope is at most
     * 500 bytes, scope_type one short word). STORE_NOT_FOUND when there is no such session. */
    enum store_rc (*session_scope)(struct store_conn *c, const char *session_id, char *scope,
                                   size_t scope_size, char *scope_type, size_t type_size);
};

#endif
