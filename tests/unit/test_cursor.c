/* SPDX-License-Identifier: MIT */
/* test_cursor.c - keyset paging cursors (src/server/cursor.c): round trips for every sort and
 * direction, names with odd bytes, and strict refusal of garbage, truncated, wrong-version,
 * foreign (other folder / sort / direction) and subtly wrong cursors. */
#include <stdbool.h>
#include <stdlib.h>

#include "b64.h"
#include "buf.h"
#include "cursor.h"
#include "id.h"
#include "testmain.h"

static void new_node_id(char out[FIO_OPAQUE_ID_SIZE])
{
    assert_true(fio_opaque_id_new(FIO_ID_NODE, out));
}

/* base64url of a hand-written JSON text, as a cursor a client could send. */
static void b64_of(const char *json, char *out, size_t out_size)
{
    size_t n = strlen(json);
    assert_true(fio_b64url_encoded_size(n) <= out_size);
    fio_b64url_encode(json, n, out, out_size);
}

static enum cursor_status dec(const char *text, enum cursor_sort sort, bool desc, const char *scope,
                              struct cursor *out)
{
    return cursor_decode(text, strlen(text), sort, desc, scope, out);
}

/* Encode c, decode it against its own listing, and check every field survived. */
static void round_trip(const struct cursor *c)
{
    char text[CURSOR_TEXT_SIZE];
    struct cursor back;
    assert_true(cursor_encode(c, text, sizeof(text)));
    /* base64url alphabet only, no padding: safe in a query string as is */
    for (const char *p = text; *p; p++)
        assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_');
    memset(&back, 0x55, sizeof(back));
    assert_int_equal(dec(text, c->sort, c->desc, c->scope, &back), CURSOR_OK);
    assert_int_equal(back.sort, c->sort);
    assert_int_equal(back.desc, c->desc);
    assert_string_equal(back.scope, c->scope);
    assert_string_equal(back.id, c->id);
    switch (c->sort) {
    case CURSOR_SORT_NAME:
        assert_string_equal(back.name, c->name);
        break;
    case CURSOR_SORT_UPDATED:
    case CURSOR_SORT_CREATED:
        assert_true(back.time == c->time);
        break;
    case CURSOR_SORT_TYPE:
        assert_string_equal(back.type, c->type);
        assert_string_equal(back.name, c->name);
        break;
    }
}

static void make(struct cursor *c, enum cursor_sort sort, bool desc, const char *scope)
{
    memset(c, 0, sizeof(*c));
    c->sort = sort;
    c->desc = desc;
    assert_true(fio_strlcpy(c->scope, scope, sizeof(c->scope)));
    new_node_id(c->id);
}

static void cursor_sort_words(void **state)
{
    (void)state;
    static const char *const words[] = {"name", "updated", "created", "type"};
    for (int i = 0; i < CURSOR_SORT_COUNT; i++) {
        enum cursor_sort s;
        assert_true(cursor_sort_parse(words[i], &s));
        assert_int_equal(s, i);
        assert_string_equal(cursor_sort_name(s), words[i]);
    }
    enum cursor_sort s;
    assert_false(cursor_sort_parse("Name", &s));
    assert_false(cursor_sort_parse("modified", &s));
    assert_false(cursor_sort_parse("", &s));
    assert_false(cursor_sort_parse(NULL, &s));
}

static void cursor_round_trip_name(void **state)
{
    (void)state;
    struct cursor c;
    for (int desc = 0; desc < 2; desc++) {
        make(&c, CURSOR_SORT_NAME, desc, "root");
        assert_true(fio_strlcpy(c.name, "Quarterly report.pdf", sizeof(c.name)));
        round_trip(&c);
    }
    char folder[FIO_OPAQUE_ID_SIZE];
    new_node_id(folder);
    make(&c, CURSOR_SORT_NAME, false, folder);
    assert_true(fio_strlcpy(c.name, "a", sizeof(c.name)));
    round_trip(&c);
}

static void cursor_round_trip_times(void **state)
{
    (void)state;
    static const int64_t times[] = {0, 1, 1764000000123456LL, -1, INT64_MAX, INT64_MIN};
    struct cursor c;
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        for (int desc = 0; desc < 2; desc++) {
            make(&c, CURSOR_SORT_UPDATED, desc, "trash");
            c.time = times[i];
            round_trip(&c);
            make(&c, CURSOR_SORT_CREATED, desc, "root");
            c.time = times[i];
            round_trip(&c);
        }
    }
}

static void cursor_round_trip_type(void **state)
{
    (void)state;
    static const char *const types[] = {"file", "folder", "note", "link"};
    struct cursor c;
    for (size_t i = 0; i < 4; i++) {
        make(&c, CURSOR_SORT_TYPE, i % 2 == 1, "root");
        assert_true(fio_strlcpy(c.type, types[i], sizeof(c.type)));
        assert_true(snprintf(c.name, sizeof(c.name), "item %zu", i) > 0);
        round_trip(&c);
    }
}

static void cursor_round_trip_odd_names(void **state)
{
    (void)state;
    static const char *const names[] = {
        "\"quoted\"",
        "back\\slash",
        "\"}],\"v\":2,\"x\":[\"",               /* JSON injection attempt stays a string */
        "caf\xc3\xa9",                          /* é */
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", /* 日本語 */
        "\xf0\x9f\x93\x81 folder",              /* 📁 */
        "tab\there",                            /* not a valid node name, still a valid key */
        "%2e%2e%2f",
        "a/b",
        " ",
    };
    struct cursor c;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        make(&c, CURSOR_SORT_NAME, false, "root");
        assert_true(fio_strlcpy(c.name, names[i], sizeof(c.name)));
        round_trip(&c);
        make(&c, CURSOR_SORT_TYPE, true, "root");
        assert_true(fio_strlcpy(c.type, "folder", sizeof(c.type)));
        assert_true(fio_strlcpy(c.name, names[i], sizeof(c.name)));
        round_trip(&c);
    }
    /* the longest name: 255 bytes, of quotes (each escaped to two bytes in the JSON) */
    make(&c, CURSOR_SORT_NAME, true, "root");
    memset(c.name, '"', FIO_NAME_MAX_BYTES);
    c.name[FIO_NAME_MAX_BYTES] = '\0';
    round_trip(&c);
    /* 85 three-byte characters = 255 bytes */
    make(&c, CURSOR_SORT_NAME, false, "root");
    for (int i = 0; i < 85; i++)
        memcpy(c.name + (size_t)3 * (size_t)i, "\xe2\x82\xac", 3); /* € */
    c.name[255] = '\0';
    round_trip(&c);
}

static void cursor_encode_refuses_bad_values(void **state)
{
    (void)state;
    char text[CURSOR_TEXT_SIZE];
    struct cursor c;

    make(&c, CURSOR_SORT_NAME, false, "root");
    c.name[0] = '\0'; /* empty name */
    assert_false(cursor_encode(&c, text, sizeof(text)));
    assert_string_equal(text, "");

    make(&c, CURSOR_SORT_NAME, false, "root");
    assert_true(fio_strlcpy(c.name, "x", sizeof(c.name)));
    assert_true(fio_strlcpy(c.id, "not-an-id", sizeof(c.id)));
    assert_false(cursor_encode(&c, text, sizeof(text)));

    make(&c, CURSOR_SORT_NAME, false, "root");
    assert_true(fio_strlcpy(c.name, "x", sizeof(c.name)));
    assert_true(fio_opaque_id_new(FIO_ID_UPLOAD, c.id)); /* valid id, not a node */
    assert_false(cursor_encode(&c, text, sizeof(text)));

    make(&c, CURSOR_SORT_TYPE, false, "root");
    assert_true(fio_strlcpy(c.type, "dir", sizeof(c.type)));
    assert_true(fio_strlcpy(c.name, "x", sizeof(c.name)));
    assert_false(cursor_encode(&c, text, sizeof(text)));

    make(&c, CURSOR_SORT_UPDATED, false, "");
    assert_false(cursor_encode(&c, text, sizeof(text)));

    make(&c, CURSOR_SORT_NAME, false, "root");
    assert_true(
        fio_strlcpy(c.name, "\xff\xfe", sizeof(c.name))); /* not UTF-8: jansson refuses it */
    assert_false(cursor_encode(&c, text, sizeof(text)));

    make(&c, CURSOR_SORT_NAME, false, "root");
    assert_true(fio_strlcpy(c.name, "fits", sizeof(c.name)));
    assert_false(cursor_encode(&c, text, 16)); /* output too small */
}

static void cursor_rejects_garbage(void **state)
{
    (void)state;
    struct cursor c;
    static const char *const garbage[] = {
        "",
        "x",
        "!!!!",
        "a b",
        "abc=",
        "eyJ2IjoxfQ==", /* padding */
        "e30",
        /* {} */ "W10",
        /* [] */ "bnVsbA", /* null */
        "MQ",
        /* 1 */ "ImEi", /* "a" */
        "AAAAAAAA",     /* NUL bytes */
        "_____________",
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
        assert_int_equal(dec(garbage[i], CURSOR_SORT_NAME, false, "root", &c), CURSOR_MALFORMED);
    assert_int_equal(cursor_decode(NULL, 0, CURSOR_SORT_NAME, false, "root", &c), CURSOR_MALFORMED);

    /* far too long: refused before decoding */
    size_t n = CURSOR_TEXT_SIZE + 10;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'A', n);
    big[n] = '\0';
    assert_int_equal(dec(big, CURSOR_SORT_NAME, false, "root", &c), CURSOR_MALFORMED);
    free(big);
}

static void cursor_rejects_truncated(void **state)
{
    (void)state;
    struct cursor c, out;
    char text[CURSOR_TEXT_SIZE];
    make(&c, CURSOR_SORT_TYPE, false, "root");
    assert_true(fio_strlcpy(c.type, "note", sizeof(c.type)));
    assert_true(fio_strlcpy(c.name, "meeting notes.md", sizeof(c.name)));
    assert_true(cursor_encode(&c, text, sizeof(text)));
    size_t len = strlen(text);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(cursor_decode(text, cut, CURSOR_SORT_TYPE, false, "root", &out),
                         CURSOR_MALFORMED);
    /* the whole text still decodes: the refusals above are about the cut */
    assert_int_equal(cursor_decode(text, len, CURSOR_SORT_TYPE, false, "root", &out), CURSOR_OK);
}

static void cursor_rejects_wrong_version(void **state)
{
    (void)state;
    struct cursor c;
    char id[FIO_OPAQUE_ID_SIZE], json[512], text[1024];
    new_node_id(id);
    static const char *const versions[] = {"0", "2", "-1", "\"1\"", "1.0", "true", "null"};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        assert_true(
            snprintf(
                json, sizeof(json),
                "{\"v\":%s,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\"],\"i\":\"%s\"}",
                versions[i], id) > 0);
        b64_of(json, text, sizeof(text));
        assert_int_equal(dec(text, CURSOR_SORT_NAME, false, "root", &c), CURSOR_MALFORMED);
    }
    /* the same text with v:1 is accepted, so the refusals above are about the version */
    assert_true(
        snprintf(json, sizeof(json),
                 "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\"],\"i\":\"%s\"}",
                 id) > 0);
    b64_of(json, text, sizeof(text));
    assert_int_equal(dec(text, CURSOR_SORT_NAME, false, "root", &c), CURSOR_OK);
    assert_string_equal(c.name, "a");
    assert_string_equal(c.id, id);
}

static void cursor_rejects_other_listing(void **state)
{
    (void)state;
    struct cursor c, out;
    char text[CURSOR_TEXT_SIZE], folder[FIO_OPAQUE_ID_SIZE], other[FIO_OPAQUE_ID_SIZE];
    new_node_id(folder);
    new_node_id(other);
    make(&c, CURSOR_SORT_NAME, false, folder);
    assert_true(fio_strlcpy(c.name, "x", sizeof(c.name)));
    assert_true(cursor_encode(&c, text, sizeof(text)));
    assert_int_equal(dec(text, CURSOR_SORT_NAME, false, folder, &out), CURSOR_OK);
    /* another folder, the root, the trash */
    assert_int_equal(dec(text, CURSOR_SORT_NAME, false, other, &out), CURSOR_MISMATCH);
    assert_int_equal(dec(text, CURSOR_SORT_NAME, false, "root", &out), CURSOR_MISMATCH);
    assert_int_equal(dec(text, CURSOR_SORT_NAME, false, "trash", &out), CURSOR_MISMATCH);
    /* another sort or direction */
    assert_int_equal(dec(text, CURSOR_SORT_TYPE, false, folder, &out), CURSOR_MISMATCH);
    assert_int_equal(dec(text, CURSOR_SORT_UPDATED, false, folder, &out), CURSOR_MISMATCH);
    assert_int_equal(dec(text, CURSOR_SORT_CREATED, false, folder, &out), CURSOR_MISMATCH);
    assert_int_equal(dec(text, CURSOR_SORT_NAME, true, folder, &out), CURSOR_MISMATCH);
    assert_int_equal(cursor_decode(text, strlen(text), CURSOR_SORT_NAME, false, NULL, &out),
                     CURSOR_MISMATCH);

    make(&c, CURSOR_SORT_CREATED, true, "trash");
    c.time = 42;
    assert_true(cursor_encode(&c, text, sizeof(text)));
    assert_int_equal(dec(text, CURSOR_SORT_CREATED, true, "trash", &out), CURSOR_OK);
    assert_int_equal(dec(text, CURSOR_SORT_UPDATED, true, "trash", &out), CURSOR_MISMATCH);
    assert_int_equal(dec(text, CURSOR_SORT_CREATED, false, "trash", &out), CURSOR_MISMATCH);
    assert_int_equal(dec(text, CURSOR_SORT_CREATED, true, "root", &out), CURSOR_MISMATCH);
}

/* Put id in place of the first "@" of tmpl (no format strings built at run time). */
static void fill_id(const char *tmpl, const char *id, char *out, size_t out_size)
{
    const char *at = strchr(tmpl, '@');
    assert_non_null(at);
    int n = snprintf(out, out_size, "%.*s%s%s", (int)(at - tmpl), tmpl, id, at + 1);
    assert_true(n > 0 && (size_t)n < out_size);
}

/* Hand-written cursors that are valid JSON but not a valid cursor. "@" stands for a node id. */
static void cursor_rejects_bad_fields(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* missing, extra and duplicate members */
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\"],\"id\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\"],\"i\":\"@\",\"x\":0}",
        "{\"v\":1,\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\"],\"i\":\"@\"}",
        /* unknown sort / direction, empty scope, scope too long */
        "{\"v\":1,\"s\":\"size\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\"],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"up\",\"p\":\"root\",\"k\":[\"a\"],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"\",\"k\":[\"a\"],\"i\":\"@\"}",
        /* one string over two lines (the parentheses tell clang's -Wstring-concatenation) */
        ("{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"r12345678901234567890123456789012\","
         "\"k\":[\"a\"],\"i\":\"@\"}"),
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"ro\\u0000ot\",\"k\":[\"a\"],\"i\":\"@\"}",
        /* keys of the wrong shape or type for the sort */
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":\"a\",\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\",\"b\"],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[5],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"\"],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\\u0000b\"],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[null],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"updated\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"5\"],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"updated\",\"d\":\"asc\",\"p\":\"root\",\"k\":[5.5],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"updated\",\"d\":\"asc\",\"p\":\"root\",\"k\":[5,6],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"type\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"dir\",\"a\"],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"type\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"file\"],\"i\":\"@\"}",
        "{\"v\":1,\"s\":\"type\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\",\"file\"],\"i\":\"@\"}",
        /* trailing garbage after the object */
        "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\"],\"i\":\"@\"} x",
    };
    char id[FIO_OPAQUE_ID_SIZE], json[1024], text[2048];
    struct cursor c;
    new_node_id(id);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fill_id(bad[i], id, json, sizeof(json));
        b64_of(json, text, sizeof(text));
        enum cursor_status st = dec(text, CURSOR_SORT_NAME, false, "root", &c);
        if (st != CURSOR_MALFORMED)
            fail_msg("case %zu accepted: %s", i, json);
    }
}

static void cursor_rejects_bad_ids(void **state)
{
    (void)state;
    char id[FIO_OPAQUE_ID_SIZE], other[FIO_OPAQUE_ID_SIZE], disp[40], upper[FIO_OPAQUE_ID_SIZE];
    char json[512], text[1024];
    struct cursor c;
    new_node_id(id);
    assert_true(fio_opaque_id_new(FIO_ID_UPLOAD, other));
    fio_opaque_id_display(id, disp, sizeof(disp));
    for (size_t i = 0; i <= strlen(id); i++)
        upper[i] = (char)(id[i] >= 'a' && id[i] <= 'z' ? id[i] - 'a' + 'A' : id[i]);
    char broken[FIO_OPAQUE_ID_SIZE];
    memcpy(broken, id, sizeof(broken));
    broken[5] = broken[5] == 'x' ? 'y' : 'x'; /* check characters no longer match */
    const char *ids[] = {"", "root", other, disp, upper, broken, "2"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        assert_true(
            snprintf(
                json, sizeof(json),
                "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"a\"],\"i\":\"%s\"}",
                ids[i]) > 0);
        b64_of(json, text, sizeof(text));
        if (dec(text, CURSOR_SORT_NAME, false, "root", &c) != CURSOR_MALFORMED)
            fail_msg("id '%s' accepted", ids[i]);
    }
}

static void cursor_rejects_long_name(void **state)
{
    (void)state;
    char id[FIO_OPAQUE_ID_SIZE], name[300], json[1024], text[2048];
    struct cursor c;
    new_node_id(id);
    memset(name, 'n', 256);
    name[256] = '\0';
    assert_true(
        snprintf(
            json, sizeof(json),
            "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"%s\"],\"i\":\"%s\"}",
            name, id) > 0);
    b64_of(json, text, sizeof(text));
    assert_int_equal(dec(text, CURSOR_SORT_NAME, false, "root", &c), CURSOR_MALFORMED);
    name[255] = '\0'; /* 255 bytes: the limit itself is fine */
    assert_true(
        snprintf(
            json, sizeof(json),
            "{\"v\":1,\"s\":\"name\",\"d\":\"asc\",\"p\":\"root\",\"k\":[\"%s\"],\"i\":\"%s\"}",
            name, id) > 0);
    b64_of(json, text, sizeof(text));
    assert_int_equal(dec(text, CURSOR_SORT_NAME, false, "root", &c), CURSOR_OK);
    assert_int_equal(strlen(c.name), 255);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(cursor_sort_words),
    cmocka_unit_test(cursor_round_trip_name),
    cmocka_unit_test(cursor_round_trip_times),
    cmocka_unit_test(cursor_round_trip_type),
    cmocka_unit_test(cursor_round_trip_odd_names),
    cmocka_unit_test(cursor_encode_refuses_bad_values),
    cmocka_unit_test(cursor_rejects_garbage),
    cmocka_unit_test(cursor_rejects_truncated),
    cmocka_unit_test(cursor_rejects_wrong_version),
    cmocka_unit_test(cursor_rejects_other_listing),
    cmocka_unit_test(cursor_rejects_bad_fields),
    cmocka_unit_test(cursor_rejects_bad_ids),
    cmocka_unit_test(cursor_rejects_long_name),
};

TEST_MAIN(tests)
