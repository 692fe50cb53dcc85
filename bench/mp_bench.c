/* SPDX-License-Identifier: MIT */
/* mp_bench.c - throughput of the server's multipart parser alone (src/server/http/multipart.c): one
 * 64 MiB random file part with a curl-style boundary, fed in pieces of PIECE bytes (default
 * 512 KiB, about what the server's 1 MiB connection buffer hands over), best of 7 passes. A
 * benchmark, never a test. Build and run (from the repository root, after a Release build in
 * build-bench/):
 *   gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc/server/http -Isrc/common -Iinclude \
 *       bench/mp_bench.c src/server/http/multipart.c -Lbuild-bench -lfastio_server_core -lfastio \
 *       -o build-bench/mp_bench && build-bench/mp_bench [PIECE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "multipart.h"

static size_t got;

static enum mp_part_action on_part(void *ud, const char *name, const char *filename)
{
    (void)ud;
    (void)name;
    (void)filename;
    return MP_PART_STREAM;
}

static int on_data(void *ud, const char *d, size_t n)
{
    (void)ud;
    (void)d;
    got += n;
    return 0;
}

static int on_end(void *ud)
{
    (void)ud;
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const size_t body = (size_t)64 << 20;
    size_t piece = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : (size_t)512 * 1024;
    const char *bnd = "------------------------a1b2c3d4e5f6a7b8";
    char *buf = malloc(body + 4096);
    FILE *rnd = fopen("/dev/urandom", "rb");
    if (!buf || !rnd || piece == 0) {
        free(buf);
        if (rnd)
            fclose(rnd);
        return 1;
    }
    int h = snprintf(buf, 4096,
                     "--%s\r\nContent-Disposition: form-data; name=\"chunk\"; filename=\"x\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n",
                     bnd);
    size_t len = (size_t)h;
    size_t rd = fread(buf + len, 1, body, rnd);
    fclose(rnd);
    if (rd != body) {
        free(buf);
        return 1;
    }
    len += body;
    len += (size_t)snprintf(buf + len, 4096 - (size_t)h, "\r\n--%s--\r\n", bnd);
    const struct mp_callbacks cb = {on_part, on_data, on_end};
    double best = 1e9;
    for (int rep = 0; rep < 7; rep++) {
        struct mp_parser p;
        got = 0;
        if (!mp_init(&p, bnd, &cb, NULL)) {
            free(buf);
            return 1;
        }
        double t0 = now();
        for (size_t i = 0; i < len; i += piece) {
            size_t n = len - i < piece ? len - i : piece;
            if (mp_feed(&p, buf + i, n) != MP_OK)
                break;
        }
        if (mp_finish(&p) != MP_OK || got != body) {
            fprintf(stderr, "mp_bench: the parser did not return the part\n");
            mp_release(&p);
            free(buf);
            return 1;
        }
        double t = now() - t0;
        if (t < best)
            best = t;
        mp_release(&p);
    }
    printf("multipart parser, %zu-byte pieces: %.1f GB/s (best of 7, 64 MiB part)\n", piece,
           (double)body / best / 1e9);
    free(buf);
    return 0;
}
