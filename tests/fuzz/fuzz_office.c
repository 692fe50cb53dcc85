/* SPDX-License-Identifier: MIT */
/* fuzz_office.c - fuzz target for the PPTX slide-order parser (src/server/intel/office.c
 * intel_pptx_order: presentation.xml's slide list through presentation.xml.rels). Input: one
 * byte (slide count and whether a number repeats), then presentation.xml, then "\n====\n", then
 * the relationships. Invariants: the places given are exactly 0..m-1, each once; a slide not
 * listed keeps UINT_MAX; never a read past either part (each is its own exact heap block). */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = 1 + data[0] % 32;
    int repeat = data[0] & 0x80;
    data++;
    size--;
    const uint8_t *sep = memmem(data, size, "\n====\n", 6);
    size_t pl = sep ? (size_t)(sep - data) : size;
    size_t rl = sep ? size - pl - 6 : size;
    char *pres = malloc(pl ? pl : 1), *rels = malloc(rl ? rl : 1);
    memcpy(pres, data, pl);
    memcpy(rels, sep ? sep + 6 : data, rl);
    unsigned nums[32], order[32];
    for (size_t k = 0; k < n; k++)
        nums[k] = (unsigned)(repeat ? 1 + k / 2 : 1 + k);
    if (intel_pptx_order(pres, pl, rels, rl, nums, n, order) != 0)
        abort();
    unsigned seen[32] = {0};
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (order[k] == UINT_MAX)
            continue;
        if (order[k] >= n || seen[order[k]])
            abort();
        seen[order[k]] = 1;
        m++;
    }
    for (size_t k = 0; k < m; k++)
        if (!seen[k])
            abort();
    free(pres);
    free(rels);
    return 0;
}
