/* SPDX-License-Identifier: MIT */
/* status.c - names and messages of enum fastio_status and fastio_error_clear(), all generated
 * from FASTIO_STATUS_LIST so they cannot drift from the enum. */
#include <string.h>

#include "fastio/status.h"

FASTIO_API const char *fastio_status_name(enum fastio_status status)
{
    switch (status) {
#define STATUS_NAME_(name, value, msg)                                                             \
    case FASTIO_##name:                                                                            \
        return "FASTIO_" #name;
        FASTIO_STATUS_LIST(STATUS_NAME_)
#undef STATUS_NAME_
    }
    return "FASTIO_UNKNOWN";
}

FASTIO_API const char *fastio_status_str(enum fastio_status status)
{
    switch (status) {
#define STATUS_STR_(name, value, msg)                                                              \
    case FASTIO_##name:                                                                            \
        return msg;
        FASTIO_STATUS_LIST(STATUS_STR_)
#undef STATUS_STR_
    }
    return "unknown status";
}

FASTIO_API void fastio_error_clear(struct fastio_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->status = FASTIO_OK;
    err->retry_after_ms = -1;
}
