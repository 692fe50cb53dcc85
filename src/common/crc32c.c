/* SPDX-License-Identifier: MIT */
/* crc32c.c - CRC-32C in hardware and software, combination of CRCs, and the wire format.
 * The hardware path follows Mark Adler's public-domain crc32c.c: three independent crc32q
 * streams hide the instruction's 3-cycle latency (measured 29 GB/s vs 10.9 GB/s for one lane;
 * why CRC speed matters: docs/decisions.md D-025) and are joined with precomputed "append n
 * zero bytes" operators.
 * The tables are built once (pthread_once): the only process-wide state, immutable afterwards. */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82f63b78u
#define LANE_LONG 8192u
#define LANE_SHORT 256u

static uint32_t sw_table[8][256];
static uint32_t zeros_long[4][256];
static uint32_t zeros_short[4][256];
static bool have_hw;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* ---- GF(2) matrices: operators on 32-bit CRC values (zlib's crc32_combine method) ---------- */

static uint32_t gf2_times(const uint32_t *mat, uint32_t vec)
{
    uint32_t sum = 0;
    while (vec != 0) {
        if (vec & 1)
            sum ^= *mat;
        vec >>= 1;
        mat++;
    }
    return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat)
{
    for (int n = 0; n < 32; n++)
        square[n] = gf2_times(mat, mat[n]);
}

/* The operator that appends len zero bytes to a raw (unconditioned) CRC, into op[32]. */
static void zeros_op(uint32_t *op, uint64_t len)
{
    uint32_t odd[32], even[32];
    uint32_t row = 1;

    /* odd = the operator for one zero bit */
    odd[0] = POLY;
    for (int n = 1; n < 32; n++) {
        odd[n] = row;
        row <<= 1;
    }
    gf2_square(even, odd); /* two zero bits */
    gf2_square(odd, even); /* four zero bits */
    /* Square repeatedly (8, 16, 32... zero bits) and multiply in the bits of len. Start from
     * the identity so that len = 0 gives the identity. */
    for (int n = 0; n < 32; n++)
        op[n] = (uint32_t)1 << n;
    while (len != 0) {
        uint32_t tmp[32];
        gf2_square(even, odd); /* even = 8 * 2^k zero bits */
        if (len & 1) {
            for (int n = 0; n < 32; n++)
                tmp[n] = gf2_times(even, op[n]);
            memcpy(op, tmp, sizeof(tmp));
        }
        len >>= 1;
        if (len == 0)
            break;
        gf2_square(odd, even);
        if (len & 1) {
            for (int n = 0; n < 32; n++)
                tmp[n] = gf2_times(odd, op[n]);
            memcpy(op, tmp, sizeof(tmp));
        }
        len >>= 1;
    }
}

static void zeros_table(uint32_t zeros[4][256], uint64_t len)
{
    uint32_t op[32];
    zeros_op(op, len);
    for (uint32_t n = 0; n < 256; n++) {
        zeros[0][n] = gf2_times(op, n);
        zeros[1][n] = gf2_times(op, n << 8);
        zeros[2][n] = gf2_times(op, n << 16);
        zeros[3][n] = gf2_times(op, n << 24);
    }
}

static uint32_t shift_crc(uint32_t zeros[4][256], uint32_t crc)
{
    return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^ zeros[2][(crc >> 16) & 0xff] ^
           zeros[3][crc >> 24];
}

static void build_tables(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? (crc >> 1) ^ POLY : crc >> 1;
        sw_table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = sw_table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = sw_table[0][crc & 0xff] ^ (crc >> 8);
            sw_table[k][n] = crc;
        }
    }
    zeros_table(zeros_long, LANE_LONG);
    zeros_table(zeros_short, LANE_SHORT);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    have_hw = __builtin_cpu_supports("sse4.2") != 0;
#else
    have_hw = false;
#endif
}

static void init_once(void)
{
    (void)pthread_once(&tables_once, build_tables);
}

static uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v)); /* little-endian x86: the byte order CRC-32C expects */
    return v;
}

/* ---- software: slicing-by-8 --------------------------------------------------------------- */

uint32_t fio_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    init_once();
    crc = ~crc;
    while (len > 0 && ((uintptr_t)p & 7) != 0) {
        crc = sw_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    while (len >= 8) {
        /* Byte-wise composition keeps this endian-independent. */
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        crc = sw_table[7][lo & 0xff] ^ sw_table[6][(lo >> 8) & 0xff] ^
              sw_table[5][(lo >> 16) & 0xff] ^ sw_table[4][lo >> 24] ^ sw_table[3][p[4]] ^
              sw_table[2][p[5]] ^ sw_table[1][p[6]] ^ sw_table[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len > 0) {
        crc = sw_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    return ~crc;
}

/* ---- hardware: SSE4.2, three lanes --------------------------------------------------------- */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2"))) static uint32_t hw_crc(uint32_t crc, const unsigned char *next,
                                                          size_t len)
{
    uint64_t crc0 = ~crc, crc1, crc2;

    while (len > 0 && ((uintptr_t)next & 7) != 0) {
        crc0 = __builtin_ia32_crc32qi((uint32_t)crc0, *next++);
        len--;
    }
    while (len >= 3 * LANE_LONG) {
        const unsigned char *end = next + LANE_LONG;
        crc1 = 0;
        crc2 = 0;
        do {
            crc0 = __builtin_ia32_crc32di(crc0, load64(next));
            crc1 = __builtin_ia32_crc32di(crc1, load64(next + LANE_LONG));
            crc2 = __builtin_ia32_crc32di(crc2, load64(next + 2 * LANE_LONG));
            next += 8;
        } while (next < end);
        crc0 = shift_crc(zeros_long, (uint32_t)crc0) ^ crc1;
        crc0 = shift_crc(zeros_long, (uint32_t)crc0) ^ crc2;
        next += 2 * LANE_LONG;
        len -= 3 * LANE_LONG;
    }
    while (len >= 3 * LANE_SHORT) {
        const unsigned char *end = next + LANE_SHORT;
        crc1 = 0;
        crc2 = 0;
        do {
            crc0 = __builtin_ia32_crc32di(crc0, load64(next));
            crc1 = __builtin_ia32_crc32di(crc1, load64(next + LANE_SHORT));
            crc2 = __builtin_ia32_crc32di(crc2, load64(next + 2 * LANE_SHORT));
            next += 8;
        } while (next < end);
        crc0 = shift_crc(zeros_short, (uint32_t)crc0) ^ crc1;
        crc0 = shift_crc(zeros_short, (uint32_t)crc0) ^ crc2;
        next += 2 * LANE_SHORT;
        len -= 3 * LANE_SHORT;
    }
    while (len >= 8) {
        crc0 = __builtin_ia32_crc32di(crc0, load64(next));
        next += 8;
        len -= 8;
    }
    while (len > 0) {
        crc0 = __builtin_ia32_crc32qi((uint32_t)crc0, *next++);
        len--;
    }
    return ~(uint32_t)crc0;
}
#endif

bool fio_crc32c_hw_available(void)
{
    init_once();
    return have_hw;
}

uint32_t fio_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
    init_once();
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (have_hw)
        return hw_crc(crc, buf, len);
#endif
    return fio_crc32c_sw(crc, buf, len);
}

#define FOLD_MIN 1024 /* shorter buffers: crc32q lanes (the fold's set-up would dominate) */

uint32_t fio_crc32c(uint32_t crc, const void *buf, size_t len)
{
    init_once();
    if (len >= FOLD_MIN && fio_crc32c_fold_available()) {
        size_t bulk = len & ~(size_t)255; /* 2x faster: 71 vs 35 GB/s in L2 (crc32c_fold.c) */
        crc = fio_crc32c_fold(crc, buf, bulk);
        buf = (const unsigned char *)buf + bulk;
        len -= bulk;
    }
    return have_hw ? fio_crc32c_hw(crc, buf, len) : fio_crc32c_sw(crc, buf, len);
}

uint32_t fio_crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2)
{
    uint32_t op[32];
    if (len2 == 0)
        return crc1;
    zeros_op(op, len2);
    return gf2_times(op, crc1) ^ crc2;
}

void fio_crc32c_hex(uint32_t crc, char out[FIO_CRC32C_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++)
        out[i] = digits[(crc >> (28 - 4 * i)) & 0xf];
    out[8] = '\0';
}

bool fio_crc32c_parse_hex(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    if (s == NULL || n != 8)
        return false;
    for (size_t i = 0; i < 8; i++) {
        unsigned char c = (unsigned char)s[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}
