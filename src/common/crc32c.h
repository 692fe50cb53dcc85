/* SPDX-License-Identifier: MIT */
/* crc32c.h - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the integrity check of every
 * upload chunk and of whole files (api §5.4). Hardware when the CPU has it (carry-less
 * multiplication on 512-bit registers for the bulk of long buffers, SSE4.2 crc32q in three
 * interleaved lanes for the rest), a slicing-by-8 table otherwise; all give identical results.
 * Shared by the library and the server. All functions are thread-safe. */
#ifndef FIO_CRC32C_H
#define FIO_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Extend crc (0 for a new computation; the value returned by a previous call to continue) over
 * len bytes of buf: fio_crc32c(fio_crc32c(0, a, n), b, m) == CRC of a||b. */
uint32_t fio_crc32c(uint32_t crc, const void *buf, size_t len);

/* The same with a forced implementation (tests and benchmarks). fio_crc32c_hw() must only be
 * called when fio_crc32c_hw_available() is true. */
uint32_t fio_crc32c_sw(uint32_t crc, const void *buf, size_t len);
uint32_t fio_crc32c_hw(uint32_t crc, const void *buf, size_t len);
bool fio_crc32c_hw_available(void);
/* Carry-less multiplication on 512-bit registers (crc32c_fold.c), for the bulk of long buffers
 * when fio_crc32c_fold_available(): len a multiple of 256 (anything else goes to
 * fio_crc32c_hw). fio_crc32c() picks it by itself. */
uint32_t fio_crc32c_fold(uint32_t crc, const void *buf, size_t len);
bool fio_crc32c_fold_available(void);

/* CRC of A||B from crc1 = CRC(A), crc2 = CRC(B) and len2 = length of B (zlib's crc32_combine,
 * GF(2) matrix method): O(log len2), nothing re-read. */
uint32_t fio_crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);

/* Wire format (api §5.4): exactly 8 lowercase hex digits, most significant first, NUL-ended. */
#define FIO_CRC32C_HEX_SIZE 9
void fio_crc32c_hex(uint32_t crc, char out[FIO_CRC32C_HEX_SIZE]);
/* Parse exactly 8 hex digits (either case) from s (n bytes, need not be NUL-terminated). */
bool fio_crc32c_parse_hex(const char *s, size_t n, uint32_t *out);

#endif
