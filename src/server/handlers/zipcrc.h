/* SPDX-License-Identifier: MIT */
/* zipcrc.h - CRC-32 (IEEE 802.3, reflected 0xEDB88320): what a zip archive records for each
 * member (zip.c). Uploads and downloads otherwise use CRC-32C (src/common/crc32c.h). */
#ifndef SRV_ZIPCRC_H
#define SRV_ZIPCRC_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32 over n bytes; start with crc = 0. Thread-safe. */
uint32_t zip_crc32(uint32_t crc, const void *data, size_t n);

#endif
