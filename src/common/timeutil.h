/* SPDX-License-Identifier: MIT */
/* timeutil.h - clocks. Deadlines, timeouts and backoff use the monotonic clock; wall time only
 * for timestamps that are displayed or stored. */
#ifndef FIO_TIMEUTIL_H
#define FIO_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic time in microseconds / milliseconds. */
int64_t fio_mono_us(void);
int64_t fio_mono_ms(void);
/* Wall-clock time in microseconds since the epoch. */
int64_t fio_wall_us(void);
/* Format wall time (us since the epoch) as "YYYY-MM-DD HH:MM:SS UTC" (api style, size >= 24)
 * and as ISO 8601 "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (size >= 28). */
void fio_time_api(int64_t wall_us, char *out, size_t size);
void fio_time_iso(int64_t wall_us, char *out, size_t size);

#endif
