/* SPDX-License-Identifier: MIT */
/* id.c - profile ids and OpaqueIds of the wire contract (api §1.7): generation, normalisation of
 * user input (hyphens, case), validation of type prefix and check characters, display form. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "id.h"
#include "rand.h"

#define BODY_LEN 26
#define CHECK_LEN 2

static const char B32[] = "0123456789abcdefghjkmnpqrstvwxyz";

struct id_type {
    const char *prefix;
    const char *name;
};

/* api §1.7. '0' is the sentinel and never a real id; '1' is unassigned; the retired 'w*'
 * workflow family is not accepted. */
static const struct id_type ID_TYPES[] = {
    {"2", "StorageNode"}, {"3", "StorageVersion"}, {"4", "StoragePhy"}, {"5", "Upload"},
    {"6", "Share"},       {"7", "StorageData"},    {"8", "Asset"},      {"9", "AiJob"},
    {"a", "General"},     {"b", "AiTransaction"},  {"c", "Metadata"},   {"d", "AIAgentKey"},
    {"e", "OrgTransfer"}, {"f", "ChunkManifest"},  {"ta", "Task"},      {"tb", "Task"},
    {"tc", "Task"},       {"ca", "Comment"},       {"cb", "Comment"},
};

static const struct id_type *type_lookup(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof(ID_TYPES) / sizeof(ID_TYPES[0]); i++)
        if (strlen(ID_TYPES[i].prefix) == n && memcmp(ID_TYPES[i].prefix, p, n) == 0)
            return &ID_TYPES[i];
    return NULL;
}

/* CRC-32 as in zlib/PNG (reflected polynomial 0xEDB88320), bitwise: ids are short. */
static uint32_t crc32_bytes(const char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= (unsigned char)p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

/* The two check characters for type+body (the first n chars of id). */
static void id_check(const char *id, size_t n, char out[CHECK_LEN])
{
    uint32_t v = crc32_bytes(id, n) % 1024u;
    out[0] = B32[v >> 5];
    out[1] = B32[v & 31];
}

bool fio_profile_id_new(char out[FIO_PROFILE_ID_SIZE])
{
    /* Uniform over [10^18, 10^19): 19 digits, first one 1-9. Drawn here with rejection sampling
     * rather than fio_random_below() so a getrandom failure is reported, as the header says. */
    const uint64_t span = 9000000000000000000u;
    const uint64_t threshold = (0 - span) % span;
    uint64_t r;
    do {
        if (!fio_random_bytes(&r, sizeof(r)))
            return false;
    } while (r < threshold);
    int n = snprintf(out, FIO_PROFILE_ID_SIZE, "%" PRIu64, 1000000000000000000u + r % span);
    return n == FIO_PROFILE_ID_LEN;
}

bool fio_profile_id_valid(const char *s, size_t n)
{
    if (!s || n != FIO_PROFILE_ID_LEN || s[0] < '1' || s[0] > '9')
        return false;
    for (size_t i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool fio_opaque_id_new(const char *type, char out[FIO_OPAQUE_ID_SIZE])
{
    if (!type)
        return false;
    size_t tl = strlen(type);
    if (tl < 1 || tl > 2 || !type_lookup(type, tl))
        return false;
    /* 130 body bits, most significant first: 32-bit seconds, then 98 random bits (the top 98
     * of 13 random bytes). 17 bytes = 136 bits; the last 6 are unused. */
    unsigned char bits[17];
    uint32_t now = (uint32_t)time(NULL);
    bits[0] = (unsigned char)(now >> 24);
    bits[1] = (unsigned char)(now >> 16);
    bits[2] = (unsigned char)(now >> 8);
    bits[3] = (unsigned char)now;
    if (!fio_random_bytes(bits + 4, 13))
        return false;
    memcpy(out, type, tl);
    for (size_t i = 0; i < BODY_LEN; i++) {
        size_t bit = i * 5;
        unsigned v = (unsigned)bits[bit / 8] << 8 | bits[bit / 8 + 1];
        out[tl + i] = B32[(v >> (11 - bit % 8)) & 31];
    }
    id_check(out, tl + BODY_LEN, out + tl + BODY_LEN);
    out[tl + BODY_LEN + CHECK_LEN] = '\0';
    return true;
}

bool fio_opaque_id_normalize(const char *s, size_t n, char out[FIO_OPAQUE_ID_SIZE])
{
    char id[FIO_OPAQUE_ID_SIZE];
    size_t len = 0;
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
        if (len == FIO_OPAQUE_ID_MAX)
            return false;
        id[len++] = c;
    }
    /* The length decides the prefix length: "c..." with 30 chars is a Comment ("ca"/"cb"), not
     * a Metadata id with one extra character. */
    size_t tl;
    if (len == 1 + BODY_LEN + CHECK_LEN)
        tl = 1;
    else if (len == 2 + BODY_LEN + CHECK_LEN)
        tl = 2;
    else
        return false;
    if (!type_lookup(id, tl))
        return false;
    char check[CHECK_LEN];
    id_check(id, tl + BODY_LEN, check);
    if (memcmp(check, id + tl + BODY_LEN, CHECK_LEN) != 0)
        return false;
    memcpy(out, id, len);
    out[len] = '\0';
    return true;
}

bool fio_opaque_id_type(const char *id, char type_out[3], const char **name)
{
    char norm[FIO_OPAQUE_ID_SIZE];
    if (!id)
        return false;
    size_t n = strnlen(id, FIO_OPAQUE_ID_MAX + 1);
    /* Only the normalised form (what fio_opaque_id_normalize produced) is accepted. */
    if (!fio_opaque_id_normalize(id, n, norm) || strcmp(norm, id) != 0)
        return false;
    size_t tl = n - BODY_LEN - CHECK_LEN;
    const struct id_type *t = type_lookup(id, tl);
    if (!t)
        return false;
    memcpy(type_out, id, tl);
    type_out[tl] = '\0';
    if (name)
        *name = t->name;
    return true;
}

void fio_opaque_id_display(const char *id, char *out, size_t out_size)
{
    if (out_size == 0)
        return;
    size_t o = 0;
    for (size_t i = 0; id && id[i] && o + 1 < out_size; i++) {
        if (i > 0 && i % 5 == 0) {
            if (o + 2 >= out_size) /* no trailing '-' when truncated */
                break;
            out[o++] = '-';
        }
        out[o++] = id[i];
    }
    out[o] = '\0';
}
