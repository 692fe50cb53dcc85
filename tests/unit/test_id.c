/* SPDX-License-Identifier: MIT */
/* test_id.c - profile ids and OpaqueIds (api §1.7): generated ids validate, check characters
 * match zlib's CRC-32, normalisation of user input, type prefixes and the display form. */
#include <stdlib.h>
#include <time.h>

#include "id.h"
#include "testmain.h"

static const char B32[] = "0123456789abcdefghjkmnpqrstvwxyz";

static const char *const TYPES[] = {"2", "3", "4", "5", "6",  "7",  "8",  "9",  "a", "b",
                                    "c", "d", "e", "f", "ta", "tb", "tc", "ca", "cb"};
#define NTYPES (sizeof(TYPES) / sizeof(TYPES[0]))

static bool normalize_cstr(const char *s, char out[FIO_OPAQUE_ID_SIZE])
{
    return fio_opaque_id_normalize(s, strlen(s), out);
}

/* Check characters computed offline with Python's zlib.crc32(type + body) % 1024. */
static void id_known_vectors(void **state)
{
    (void)state;
    const char *good[] = {"20123456789abcdefghjkmnpqrsgw", "tazzzzzzzzzzzzzzzzzzzzzzzzzz6y",
                          "f000000000000000000000000009v"};
    char out[FIO_OPAQUE_ID_SIZE];
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(normalize_cstr(good[i], out));
        assert_string_equal(out, good[i]);
    }
    /* same bodies with a wrong check */
    assert_false(normalize_cstr("20123456789abcdefghjkmnpqrsgx", out));
    assert_false(normalize_cstr("tazzzzzzzzzzzzzzzzzzzzzzzzzzy6", out));
    /* the check covers the type: the same body and check under another type fails */
    assert_false(normalize_cstr("30123456789abcdefghjkmnpqrsgw", out));
}

static void id_new_all_types(void **state)
{
    (void)state;
    for (size_t t = 0; t < NTYPES; t++) {
        char id[FIO_OPAQUE_ID_SIZE], norm[FIO_OPAQUE_ID_SIZE], type[3];
        const char *name = NULL;
        assert_true(fio_opaque_id_new(TYPES[t], id));
        size_t tl = strlen(TYPES[t]);
        assert_int_equal(strlen(id), tl == 1 ? 29 : 30);
        assert_memory_equal(id, TYPES[t], tl);
        for (size_t i = tl; id[i]; i++)
            assert_non_null(strchr(B32, id[i]));
        assert_true(normalize_cstr(id, norm));
        assert_string_equal(norm, id);
        assert_true(fio_opaque_id_type(id, type, &name));
        assert_string_equal(type, TYPES[t]);
        assert_non_null(name);
    }
}

static void id_type_names(void **state)
{
    (void)state;
    struct {
        const char *type, *name;
    } want[] = {
        {"2", "StorageNode"}, {"3", "StorageVersion"}, {"4", "StoragePhy"}, {"5", "Upload"},
        {"6", "Share"},       {"7", "StorageData"},    {"8", "Asset"},      {"9", "AiJob"},
        {"a", "General"},     {"b", "AiTransaction"},  {"c", "Metadata"},   {"d", "AIAgentKey"},
        {"e", "OrgTransfer"}, {"f", "ChunkManifest"},  {"ta", "Task"},      {"tb", "Task"},
        {"tc", "Task"},       {"ca", "Comment"},       {"cb", "Comment"}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char id[FIO_OPAQUE_ID_SIZE], type[3];
        const char *name = NULL;
        assert_true(fio_opaque_id_new(want[i].type, id));
        assert_true(fio_opaque_id_type(id, type, &name));
        assert_string_equal(type, want[i].type);
        assert_string_equal(name, want[i].name);
        assert_true(fio_opaque_id_type(id, type, NULL));
    }
    char id[FIO_OPAQUE_ID_SIZE];
    assert_true(fio_opaque_id_new(FIO_ID_NODE, id));
    assert_int_equal(id[0], '2');
    assert_true(fio_opaque_id_new(FIO_ID_AIKEY, id));
    assert_int_equal(id[0], 'd');
}

static void id_new_rejects_unknown_types(void **state)
{
    (void)state;
    const char *bad[] = {"", "0", "1", "g", "z", "A", "t", "td", "cc", "wa", "tab", "2 "};
    char id[FIO_OPAQUE_ID_SIZE];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (fio_opaque_id_new(bad[i], id))
            fail_msg("generated an id of type \"%s\"", bad[i]);
    assert_false(fio_opaque_id_new(NULL, id));
}

static int b32_value(char c)
{
    const char *p = strchr(B32, c);
    return p ? (int)(p - B32) : -1;
}

static void id_body_starts_with_timestamp(void **state)
{
    (void)state;
    char id[FIO_OPAQUE_ID_SIZE];
    time_t before = time(NULL);
    assert_true(fio_opaque_id_new("5", id));
    time_t after = time(NULL);
    /* the first 7 body chars are 35 bits: the 32-bit seconds and 3 random bits */
    uint64_t v = 0;
    for (int i = 1; i <= 7; i++) {
        int d = b32_value(id[i]);
        assert_true(d >= 0);
        v = v << 5 | (uint64_t)d;
    }
    uint32_t ts = (uint32_t)(v >> 3);
    assert_true(ts >= (uint32_t)before && ts <= (uint32_t)after);
}

static void id_thousand_unique_and_detect_typos(void **state)
{
    (void)state;
    enum { N = 1000 };
    char(*ids)[FIO_OPAQUE_ID_SIZE] = calloc(N, FIO_OPAQUE_ID_SIZE);
    assert_non_null(ids);
    size_t caught = 0, swaps = 0, swaps_caught = 0;
    for (size_t i = 0; i < N; i++) {
        const char *type = TYPES[i % NTYPES];
        char norm[FIO_OPAQUE_ID_SIZE];
        assert_true(fio_opaque_id_new(type, ids[i]));
        assert_true(normalize_cstr(ids[i], norm));
        /* change one character (type, body or check) to another alphabet character */
        char typo[FIO_OPAQUE_ID_SIZE];
        memcpy(typo, ids[i], sizeof(typo));
        size_t len = strlen(typo);
        size_t pos = (i * 7) % len;
        const char *p = strchr(B32, typo[pos]);
        typo[pos] = B32[((p ? (size_t)(p - B32) : 0) + 1 + i % 31) % 32];
        assert_true(typo[pos] != ids[i][pos]);
        if (!normalize_cstr(typo, norm))
            caught++;
        /* an adjacent transposition too, when the two chars differ */
        memcpy(typo, ids[i], sizeof(typo));
        size_t q = len - 4;
        if (typo[q] != typo[q + 1]) {
            char c = typo[q];
            typo[q] = typo[q + 1];
            typo[q + 1] = c;
            swaps++;
            if (!normalize_cstr(typo, norm))
                swaps_caught++;
        }
    }
    /* a 10-bit check misses about 1 in 1024 random changes; single-character changes of a
     * CRC-protected string are caught far more reliably */
    assert_true(caught >= N - 5);
    assert_true(swaps > N / 2);
    assert_true(swaps_caught >= swaps - 5);
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++)
            assert_true(strcmp(ids[i], ids[j]) != 0);
    free(ids);
}

static void id_normalize_user_input(void **state)
{
    (void)state;
    char id[FIO_OPAQUE_ID_SIZE], disp[40], out[FIO_OPAQUE_ID_SIZE];
    assert_true(fio_opaque_id_new("2", id));
    fio_opaque_id_display(id, disp, sizeof(disp));
    assert_int_equal(strlen(disp), 34);
    assert_int_equal(disp[5], '-');
    assert_int_equal(disp[11], '-');
    assert_true(normalize_cstr(disp, out));
    assert_string_equal(out, id);
    for (char *p = disp; *p; p++) /* uppercase display form */
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    assert_true(normalize_cstr(disp, out));
    assert_string_equal(out, id);
    /* fio_opaque_id_type wants the normalised form */
    char type[3];
    assert_false(fio_opaque_id_type(disp, type, NULL));
    /* stray hyphens anywhere are stripped */
    char odd[80];
    snprintf(odd, sizeof(odd), "--%.3s-%s-", id, id + 3);
    assert_true(normalize_cstr(odd, out));
    assert_string_equal(out, id);
    /* the 30-char form */
    assert_true(fio_opaque_id_new("cb", id));
    fio_opaque_id_display(id, disp, sizeof(disp));
    assert_int_equal(strlen(disp), 35);
    assert_true(normalize_cstr(disp, out));
    assert_string_equal(out, id);
    /* n is honoured: the id followed by junk outside the slice */
    char tail[64];
    snprintf(tail, sizeof(tail), "%s!!", id);
    assert_true(fio_opaque_id_normalize(tail, strlen(id), out));
    assert_false(fio_opaque_id_normalize(tail, strlen(tail), out));
}

static void id_normalize_rejects(void **state)
{
    (void)state;
    char id[FIO_OPAQUE_ID_SIZE], bad[64], out[FIO_OPAQUE_ID_SIZE];
    assert_true(fio_opaque_id_new("2", id));
    assert_false(normalize_cstr("", out));
    assert_false(normalize_cstr("-----", out));
    assert_false(normalize_cstr("root", out));
    assert_false(fio_opaque_id_normalize(NULL, 0, out));
    /* too short, too long */
    assert_false(fio_opaque_id_normalize(id, 28, out));
    snprintf(bad, sizeof(bad), "%s0", id);
    assert_false(normalize_cstr(bad, out));
    snprintf(bad, sizeof(bad), "%s00", id);
    assert_false(normalize_cstr(bad, out));
    /* characters outside [A-Za-z0-9-] */
    const char subst[] = {'_', ' ', '.', '+', '/', '\0', '\n', (char)0xC3};
    for (size_t i = 0; i < sizeof(subst); i++) {
        memcpy(bad, id, sizeof(id));
        bad[10] = subst[i];
        assert_false(fio_opaque_id_normalize(bad, 29, out));
    }
    /* sentinel, unassigned and unknown 1-char types, with otherwise fine bodies */
    const char *types1[] = {"0", "1", "g", "t", "w", "z"};
    for (size_t i = 0; i < sizeof(types1) / sizeof(types1[0]); i++) {
        memcpy(bad, "f000000000000000000000000009v", 30);
        bad[0] = types1[i][0];
        assert_false(normalize_cstr(bad, out));
    }
    /* a 30-char id must have a 2-char type: "c" + 29 chars is not a Metadata id */
    assert_true(fio_opaque_id_new("c", id));
    snprintf(bad, sizeof(bad), "c%s", id);
    assert_false(normalize_cstr(bad, out));
    assert_false(normalize_cstr("wazzzzzzzzzzzzzzzzzzzzzzzzzz6y", out));
}

static void id_display_truncates(void **state)
{
    (void)state;
    char out[8];
    fio_opaque_id_display("20123456789abcdefghjkmnpqrsgw", out, sizeof(out));
    assert_string_equal(out, "20123-4"); /* 7 chars + NUL */
    char out6[7];
    fio_opaque_id_display("20123456789abcdefghjkmnpqrsgw", out6, sizeof(out6));
    assert_string_equal(out6, "20123"); /* no dangling '-' */
    char big[40];
    fio_opaque_id_display("20123456789abcdefghjkmnpqrsgw", big, sizeof(big));
    assert_string_equal(big, "20123-45678-9abcd-efghj-kmnpq-rsgw");
    fio_opaque_id_display("", big, sizeof(big));
    assert_string_equal(big, "");
}

static void profile_id_valid(void **state)
{
    (void)state;
    assert_true(fio_profile_id_valid("3867689418901071163", 19));
    assert_true(fio_profile_id_valid("1000000000000000000", 19));
    assert_true(fio_profile_id_valid("9999999999999999999", 19));
    assert_false(fio_profile_id_valid("0867689418901071163", 19));
    assert_false(fio_profile_id_valid("386768941890107116", 18));
    assert_false(fio_profile_id_valid("38676894189010711630", 20));
    assert_false(fio_profile_id_valid("386768941890107116a", 19));
    assert_false(fio_profile_id_valid("-86768941890107116", 19));
    assert_false(fio_profile_id_valid(" 386768941890107116", 19));
    assert_false(fio_profile_id_valid("", 0));
    assert_false(fio_profile_id_valid(NULL, 19));
    /* the slice length decides, not a NUL */
    assert_true(fio_profile_id_valid("3867689418901071163xyz", 19));
}

static void profile_id_new(void **state)
{
    (void)state;
    int first[10] = {0};
    char prev[FIO_PROFILE_ID_SIZE] = "";
    for (int i = 0; i < 1000; i++) {
        char id[FIO_PROFILE_ID_SIZE];
        assert_true(fio_profile_id_new(id));
        assert_int_equal(strlen(id), FIO_PROFILE_ID_LEN);
        assert_true(fio_profile_id_valid(id, strlen(id)));
        assert_true(strcmp(id, prev) != 0);
        memcpy(prev, id, sizeof(prev));
        first[id[0] - '0']++;
    }
    assert_int_equal(first[0], 0);
    for (int d = 1; d <= 9; d++) /* uniform: about 111 each */
        assert_true(first[d] > 50 && first[d] < 200);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(id_known_vectors),
    cmocka_unit_test(id_new_all_types),
    cmocka_unit_test(id_type_names),
    cmocka_unit_test(id_new_rejects_unknown_types),
    cmocka_unit_test(id_body_starts_with_timestamp),
    cmocka_unit_test(id_thousand_unique_and_detect_typos),
    cmocka_unit_test(id_normalize_user_input),
    cmocka_unit_test(id_normalize_rejects),
    cmocka_unit_test(id_display_truncates),
    cmocka_unit_test(profile_id_valid),
    cmocka_unit_test(profile_id_new),
};
/* clang-format on */

TEST_MAIN(tests)
