/* SPDX-License-Identifier: MIT */
/* cursor.c - encoding and strict decoding of keyset paging cursors (see cursor.h). Every field is
 * checked on the way in: the cursor comes from the network, and a lenient decoder would turn a
 * damaged cursor into a silently wrong page. */
#include "cursor.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "b64.h"
#include "buf.h"

/* Compact JSON bigger than this cannot come from cursor_encode (a 255-byte name escapes to at
 * most 1530 bytes) and its base64url form would not fit CURSOR_TEXT_SIZE. */
#define CURSOR_JSON_MAX 1800

static const char *const SORT_NAMES[CURSOR_SORT_COUNT] = {"name", "updated", "created", "type"};
static const char *const NODE_TYPES[] = {"file", "folder", "note", "link"};

bool cursor_sort_parse(const char *s, enum cursor_sort *out)
{
    if (!s)
        return false;
    for (int i = 0; i < CURSOR_SORT_COUNT; i++) {
        if (strcmp(s, SORT_NAMES[i]) == 0) {
            *out = (enum cursor_sort)i;
            return true;
        }
    }
    return false;
}

const char *cursor_sort_name(enum cursor_sort sort)
{
    return (unsigned)sort < CURSOR_SORT_COUNT ? SORT_NAMES[sort] : "?";
}

static bool node_type_valid(const char *t)
{
    for (size_t i = 0; i < sizeof(NODE_TYPES) / sizeof(NODE_TYPES[0]); i++)
        if (strcmp(t, NODE_TYPES[i]) == 0)
            return true;
    return false;
}

/* A node id exactly as fio_opaque_id_normalize produces it, of the StorageNode type. */
static bool node_id_valid(const char *id)
{
    char type[3];
    return fio_opaque_id_type(id, type, NULL) && strcmp(type, FIO_ID_NODE) == 0;
}

/* A key name: 1..255 bytes; jansson has already guaranteed valid UTF-8, len excludes the NUL. */
static bool key_name_valid(const char *s, size_t len)
{
    return len >= 1 && len <= FIO_NAME_MAX_BYTES && memchr(s, '\0', len) == NULL;
}

static bool scope_valid(const char *s, size_t len)
{
    return len >= 1 && len < CURSOR_SCOPE_SIZE && memchr(s, '\0', len) == NULL;
}

bool cursor_encode(const struct cursor *c, char *out, size_t out_size)
{
    bool ok = false;
    json_t *key = NULL, *root = NULL;
    char *txt = NULL;
    if (out_size > 0)
        out[0] = '\0';
    if ((unsigned)c->sort >= CURSOR_SORT_COUNT || !node_id_valid(c->id) ||
        !scope_valid(c->scope, strnlen(c->scope, sizeof(c->scope))))
        goto done;
    switch (c->sort) {
    case CURSOR_SORT_NAME:
        if (!key_name_valid(c->name, strnlen(c->name, sizeof(c->name))))
            goto done;
        key = json_pack("[s]", c->name);
        break;
    case CURSOR_SORT_UPDATED:
    case CURSOR_SORT_CREATED:
        key = json_pack("[I]", (json_int_t)c->time);
        break;
    case CURSOR_SORT_TYPE:
        if (!node_type_valid(c->type) ||
            !key_name_valid(c->name, strnlen(c->name, sizeof(c->name))))
            goto done;
        key = json_pack("[s, s]", c->type, c->name);
        break;
    }
    if (!key)
        goto done;
    root =
        json_pack("{s:i, s:s, s:s, s:s, s:O, s:s}", "v", CURSOR_VERSION, "s", SORT_NAMES[c->sort],
                  "d", c->desc ? "desc" : "asc", "p", c->scope, "k", key, "i", c->id);
    if (!root)
        goto done;
    txt = json_dumps(root, JSON_COMPACT);
    if (!txt)
        goto done;
    size_t len = strlen(txt);
    if (len > CURSOR_JSON_MAX || fio_b64url_encoded_size(len) > out_size)
        goto done;
    fio_b64url_encode(txt, len, out, out_size);
    ok = true;
done:
    free(txt);
    json_decref(root);
    json_decref(key);
    return ok;
}

/* Copy a JSON string into dst (size dsize) when it fits and holds no NUL. */
static bool take_string(json_t *v, char *dst, size_t dsize, bool (*valid)(const char *, size_t))
{
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (!valid(s, len) || len >= dsize)
        return false;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

static bool any_string(const char *s, size_t len)
{
    return memchr(s, '\0', len) == NULL;
}

enum cursor_status cursor_decode(const char *text, size_t n, enum cursor_sort sort, bool desc,
                                 const char *scope, struct cursor *out)
{
    enum cursor_status st = CURSOR_MALFORMED;
    json_t *root = NULL;
    char raw[CURSOR_TEXT_SIZE];
    size_t rawlen = 0;
    struct cursor c;
    memset(&c, 0, sizeof(c));

    if (!text || n == 0 || n >= CURSOR_TEXT_SIZE)
        return CURSOR_MALFORMED;
    if (!fio_b64url_decode(text, n, raw, sizeof(raw), &rawlen) || rawlen == 0 ||
        rawlen > CURSOR_JSON_MAX)
        return CURSOR_MALFORMED;

    json_error_t je;
    root = json_loadb(raw, rawlen, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root))
        goto done;

    json_int_t version = 0;
    const char *s_sort = NULL, *s_dir = NULL, *s_scope = NULL, *s_id = NULL;
    json_t *key = NULL;
    /* JSON_STRICT: every member present, no other member, each of the stated type. */
    if (json_unpack_ex(root, &je, JSON_STRICT, "{s:I, s:s, s:s, s:s, s:o, s:s}", "v", &version, "s",
                       &s_sort, "d", &s_dir, "p", &s_scope, "k", &key, "i", &s_id) != 0)
        goto done;
    if (version != CURSOR_VERSION)
        goto done;
    if (!cursor_sort_parse(s_sort, &c.sort))
        goto done;
    if (strcmp(s_dir, "asc") == 0)
        c.desc = false;
    else if (strcmp(s_dir, "desc") == 0)
        c.desc = true;
    else
        goto done;
    if (!take_string(json_object_get(root, "p"), c.scope, sizeof(c.scope), scope_valid))
        goto done;
    if (!take_string(json_object_get(root, "i"), c.id, sizeof(c.id), any_string) ||
        !node_id_valid(c.id))
        goto done;
    if (!json_is_array(key))
        goto done;
    switch (c.sort) {
    case CURSOR_SORT_NAME:
        if (json_array_size(key) != 1 ||
            !take_string(json_array_get(key, 0), c.name, sizeof(c.name), key_name_valid))
            goto done;
        break;
    case CURSOR_SORT_UPDATED:
    case CURSOR_SORT_CREATED:
        if (json_array_size(key) != 1 || !json_is_integer(json_array_get(key, 0)))
            goto done;
        c.time = (int64_t)json_integer_value(json_array_get(key, 0));
        break;
    case CURSOR_SORT_TYPE:
        if (json_array_size(key) != 2 ||
            !take_string(json_array_get(key, 0), c.type, sizeof(c.type), any_string) ||
            !node_type_valid(c.type) ||
            !take_string(json_array_get(key, 1), c.name, sizeof(c.name), key_name_valid))
            goto done;
        break;
    }
    /* Well formed: now, is it a cursor of this listing? */
    if (c.sort != sort || c.desc != desc || !scope || strcmp(c.scope, scope) != 0) {
        st = CURSOR_MISMATCH;
        goto done;
    }
    *out = c;
    st = CURSOR_OK;
done:
    json_decref(root);
    return st;
}
