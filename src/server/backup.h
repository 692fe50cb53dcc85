/* SPDX-License-Identifier: MIT */
/* backup.h - `fastio-server backup DEST` (docs/server.md "Backup and restore", D-119): a copy of
 * the data directory that a server can start on, made while the server keeps serving. */
#ifndef SRV_BACKUP_H
#define SRV_BACKUP_H

#include "server.h"
#include "store_backend.h"

/* Back up the data directory of c into dest (created 0700; it must not exist or be empty):
 * DEST/meta.db (one snapshot of the database through the store's online backup), DEST/blobs/
 * (every blob a version of that snapshot names, copied and checked by size), DEST/owner.key and
 * DEST/backup.json (what was copied). Upload sessions not yet stored are dropped from the copy.
 * Messages go to stderr, the summary to stdout. 0, or 1 on failure (dest is left for
 * inspection). */
int srv_backup(const struct srv_config *c, const struct store_backend_ops *backend,
               const char *dest);

#endif
