/* SPDX-License-Identifier: MIT */
/* store_impl.h - for backends only (files under src/server/store/): the definition of struct
 * store. A backend's instance type embeds it as its first member, so the generic functions of
 * store_backend.c reach the backend's table without knowing the instance type. Outside
 * store/ struct store stays opaque. */
#ifndef SRV_STORE_IMPL_H
#define SRV_STORE_IMPL_H

#include "store_backend.h"

struct store {
    const struct store_backend_ops *ops;
};

#endif
