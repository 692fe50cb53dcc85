/* SPDX-License-Identifier: MIT */
/* crc32c_fold.c - CRC-32C of long buffers by carry-less multiplication (VPCLMULQDQ on 512-bit
 * registers, AVX-512), for CPUs that have it; crc32c.c uses it for the bulk of long buffers and
 * its crc32q lanes for the rest.
 *
 * The method is the textbook "folding" one. A 16-byte block read little-endian holds 128
 * coefficients of the message polynomial, the stream's first bit (bit 0 of byte 0) being the
 * highest power: bit k stands for x^(127-k) relative to the block's end. Moving a block D bits
 * further down the message multiplies it by x^D; modulo P that is done lane by lane:
 *     (a_hi x^64 + a_lo) x^D  =  a_hi (x^(D+64) mod P)  +  a_lo (x^D mod P)      (mod P)
 * Each product has fewer than 96 coefficients, so it fits the 128-bit block it is XORed into.
 * A 64-bit lane u, read as bit j <-> x^(63-j), times a constant c in the same form gives
 * clmul(u, c) with bit k <-> x^(126-k); storing x^(N-1) mod P instead of x^N mod P makes that
 * bit k <-> x^(127-k) of u x^N, the block's own form. The constants are computed once from P.
 *
 * Four 512-bit accumulators (256 bytes per step, each folded 2048 bits forward) keep the
 * multiplier busy; at the end they are folded into one, its four 128-bit lanes into one, and the
 * last 128 bits go through two crc32q instructions (which compute exactly "times x^32 mod P").
 * Checked against the table implementation in tests/unit/test_crc32c.c for every length up to
 * a few KiB, at every alignment, chained, and for random long buffers. */
#include "crc32c.h"

#include <pthread.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define FOLD_TARGET __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.2")))

static uint64_t k_lo[8], k_hi[8]; /* per fold distance, see consts() */
static bool have_fold;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

/* x^n mod P, P = x^32 + 0x1EDC6F41 (CRC-32C, not reflected), bit i <-> x^i. */
static uint32_t xpow_mod(unsigned n)
{
    uint64_t r = 1;
    for (unsigned i = 0; i < n; i++) {
        r <<= 1;
        if (r >> 32)
            r ^= 0x11EDC6F41ull;
    }
    return (uint32_t)r;
}

static uint32_t rev32(uint32_t v)
{
    uint32_t r = 0;
    for (int i = 0; i < 32; i++)
        if (v & (1u << i))
            r |= 1u << (31 - i);
    return r;
}

/* The multiplier moving a 64-bit lane n bits further: x^(n-1) mod P, bit i at bit 63-i. */
static uint64_t lane_k(unsigned n)
{
    return (uint64_t)rev32(xpow_mod(n - 1)) << 32;
}

/* Fold distances in bits: index 0..6 = 2048 (the step), 1536, 1024, 512 (accumulators into
 * one), 384, 256, 128 (lanes into one). */
static const unsigned DIST[7] = {2048, 1536, 1024, 512, 384, 256, 128};

static void consts(void)
{
    __builtin_cpu_init();
    have_fold = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul") &&
                __builtin_cpu_supports("sse4.2");
    for (int i = 0; i < 7; i++) {
        k_lo[i] = lane_k(DIST[i] + 64); /* the lane read first: the higher powers */
        k_hi[i] = lane_k(DIST[i]);
    }
}

bool fio_crc32c_fold_available(void)
{
    (void)pthread_once(&fold_once, consts);
    return have_fold;
}

FOLD_TARGET static __m512i kk(int i)
{
    return _mm512_broadcast_i32x4(_mm_set_epi64x((long long)k_hi[i], (long long)k_lo[i]));
}

/* a moved by the distance of k, XORed with b. */
FOLD_TARGET static __m512i fold512(__m512i a, __m512i k, __m512i b)
{
    return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(a, k, 0x00),
                                     _mm512_clmulepi64_epi128(a, k, 0x11), b, 0x96);
}

FOLD_TARGET static __m128i fold128(__m128i a, int i, __m128i b)
{
    __m128i k = _mm_set_epi64x((long long)k_hi[i], (long long)k_lo[i]);
    return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(a, k, 0x00),
                                       _mm_clmulepi64_si128(a, k, 0x11)),
                         b);
}

FOLD_TARGET uint32_t fio_crc32c_fold(uint32_t crc, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    __m512i k = kk(0), a0, a1, a2, a3;
    if (len < 256 || len % 256 != 0 || !fio_crc32c_fold_available())
        return fio_crc32c_hw(crc, buf, len);
    /* the CRC so far (conditioned) enters as the first 32 bits of the message */
    a0 = _mm512_xor_si512(_mm512_loadu_si512(p),
                          _mm512_mask_set1_epi32(_mm512_setzero_si512(), 1, (int)~crc));
    a1 = _mm512_loadu_si512(p + 64);
    a2 = _mm512_loadu_si512(p + 128);
    a3 = _mm512_loadu_si512(p + 192);
    for (p += 256, len -= 256; len >= 256; p += 256, len -= 256) {
        a0 = fold512(a0, k, _mm512_loadu_si512(p));
        a1 = fold512(a1, k, _mm512_loadu_si512(p + 64));
        a2 = fold512(a2, k, _mm512_loadu_si512(p + 128));
        a3 = fold512(a3, k, _mm512_loadu_si512(p + 192));
    }
    a3 = fold512(a0, kk(1), a3);
    a3 = fold512(a1, kk(2), a3);
    a3 = fold512(a2, kk(3), a3);
    __m128i r = fold128(_mm512_extracti32x4_epi32(a3, 0), 4, _mm512_extracti32x4_epi32(a3, 3));
    r = fold128(_mm512_extracti32x4_epi32(a3, 1), 5, r);
    r = fold128(_mm512_extracti32x4_epi32(a3, 2), 6, r);
    uint64_t c = __builtin_ia32_crc32di(0, (uint64_t)_mm_cvtsi128_si64(r));
    c = __builtin_ia32_crc32di(c, (uint64_t)_mm_extract_epi64(r, 1));
    return ~(uint32_t)c;
}

#else

bool fio_crc32c_fold_available(void)
{
    return false;
}

uint32_t fio_crc32c_fold(uint32_t crc, const void *buf, size_t len)
{
    return fio_crc32c(crc, buf, len);
}

#endif
