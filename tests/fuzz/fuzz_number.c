/* SPDX-License-Identifier: MIT */
/* fuzz_number.c - fuzz target for the strict number parser (fio_parse_ll, buf.h): what it
 * accepts is digits with at most one leading '-', never "-0", inside the range, and prints back
 * as itself once leading zeros are dropped; what it refuses leaves *out alone. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64)
        return 0;
    char s[65];
    memcpy(s, data, size);
    s[size] = '\0';
    /* the first byte, when it is a digit, narrows the range: [-10^d, 10^d] */
    static const long long lims[] = {LLONG_MAX, 0, 9, 100, 1000000, 1000000000000LL};
    long long lim = lims[size ? (unsigned char)data[0] % 6 : 0];
    long long lo = lim == LLONG_MAX ? LLONG_MIN : -lim, hi = lim;
    long long v = 42;
    bool ok = fio_parse_ll(s, lo, hi, &v);
    if (!ok) {
        if (v != 42)
            abort();
        return 0;
    }
    if (v < lo || v > hi) /* s ends at its first NUL: the parser sees a C string */
        abort();
    bool neg = s[0] == '-';
    const char *d = neg ? s + 1 : s;
    if (!*d || (neg && v == 0) || (neg != (v < 0)))
        abort();
    for (const char *p = d; *p; p++)
        if (*p < '0' || *p > '9')
            abort();
    while (d[0] == '0' && d[1])
        d++;
    char back[32];
    snprintf(back, sizeof(back), "%lld", v);
    if (strcmp(back + (v < 0), d) != 0)
        abort();
    return 0;
}
