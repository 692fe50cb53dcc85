/* SPDX-License-Identifier: MIT */
/* download.h - what the byte endpoints share (h_download.c files and versions, zip.c folders):
 * the version of a file a request reads, and the response headers of every download
 * (reliability.md "Downloads": attachment, nosniff, CSP sandbox). */
#ifndef SRV_DOWNLOAD_H
#define SRV_DOWNLOAD_H

#include <stdint.h>

#include "server.h"

/* The version of live file node_id (r->ws) a read uses: `want` (a version_id parameter; must
 * be in the node's history or its current version) or the current one (want NULL/""). The id
 * goes to out. 0 or -1 (404 / 400 set). */
int dl_node_version(struct req *r, const char *node_id, const char *want,
                    char out[FIO_OPAQUE_ID_SIZE]);
/* Content-Disposition: attachment with an ASCII fallback and RFC 6266 filename*=UTF-8''. */
void dl_add_headers(void *mhd_response, const char *filename);

#endif
