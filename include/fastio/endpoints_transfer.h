/* fastio/endpoints_transfer.h - endpoint rows for uploads, downloads and file versions (api §4.2, §5, §6).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST. */
#ifndef FASTIO_ENDPOINTS_TRANSFER_H
#define FASTIO_ENDPOINTS_TRANSFER_H

#define FASTIO_ENDPOINTS_TRANSFER(X)

#endif
