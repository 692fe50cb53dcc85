/* SPDX-License-Identifier: MIT */
/* fuzz_embed.c - fuzz target for the embeddings answer parser (src/server/intel/embed.h,
 * intel_embed_parse): the bytes an --embed-url endpoint sends back. The first byte chooses how
 * many texts the request had (0-7) and whether a dimension is required. Invariants: no crash or
 * out-of-bounds read on any bytes; on success every vector has the dimension reported (1 to
 * INTEL_EMBED_DIM_MAX), its numbers are finite and it has length 1 or 0. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20)
        return 0;
    size_t n = data[0] & 7;
    size_t dim = (data[0] & 8) ? 4 : 0;
    float *v = NULL;
    char reason[256];
    if (intel_embed_parse((const char *)data + 1, size - 1, n, &v, &dim, reason, sizeof(reason)) ==
        0) {
        if (n > 0 && (dim == 0 || dim > INTEL_EMBED_DIM_MAX || !v))
            abort();
        for (size_t i = 0; i < n; i++) {
            double norm = 0;
            for (size_t c = 0; c < dim; c++) {
                if (!isfinite(v[i * dim + c]))
                    abort();
                norm += (double)v[i * dim + c] * v[i * dim + c];
            }
            if (norm != 0 && fabs(norm - 1.0) > 1e-3)
                abort();
        }
        free(v);
    } else if (v) {
        abort();
    }
    return 0;
}
