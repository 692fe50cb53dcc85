/* SPDX-License-Identifier: MIT */
/* fuzz_id.c - fuzz target for id parsing: OpaqueId normalisation (idempotent, display form
 * round-trips, type lookup agrees) and profile-id validation against a plain reimplementation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char out[FIO_OPAQUE_ID_SIZE];
    if (fio_opaque_id_normalize(s, size, out)) {
        size_t n = strlen(out);
        if (n != 29 && n != 30)
            abort();
        char again[FIO_OPAQUE_ID_SIZE];
        if (!fio_opaque_id_normalize(out, n, again) || strcmp(again, out) != 0)
            abort();
        char disp[40];
        fio_opaque_id_display(out, disp, sizeof(disp));
        if (strlen(disp) != n + (n - 1) / 5 ||
            !fio_opaque_id_normalize(disp, strlen(disp), again) || strcmp(again, out) != 0)
            abort();
        char type[3];
        const char *name = NULL;
        if (!fio_opaque_id_type(out, type, &name) || !name || strlen(type) != n - 28 ||
            memcmp(type, out, strlen(type)) != 0)
            abort();
    }

    int want = size == 19 && s[0] >= '1' && s[0] <= '9';
    for (size_t i = 1; want && i < size; i++)
        if (s[i] < '0' || s[i] > '9')
            want = 0;
    if (fio_profile_id_valid(s, size) != (want != 0))
        abort();
    return 0;
}
