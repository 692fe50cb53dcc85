/* SPDX-License-Identifier: MIT */
/* handlers.h - prototypes of every route handler, generated from routes.def. */
#ifndef SRV_HANDLERS_H
#define SRV_HANDLERS_H

#include "server.h"

#define R(method, pattern, auth, org_role, ws_role, flags, fn) int fn(struct req *r);
#include "routes.def"
#undef R

#endif
