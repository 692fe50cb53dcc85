/* SPDX-License-Identifier: MIT */
/* cursor.h - keyset paging cursors for storage listings (api §1.5 "Cursor style", §4.2).
 * A cursor names the last row a page ended on (its sort key values and id) together with the
 * listing it belongs to (sort, direction, folder), so the next page starts strictly after that
 * row and stays stable while rows are inserted or removed. Wire form: base64url (no padding) of
 * compact JSON {"v":1,"s":sort,"d":"asc"|"desc","p":scope,"k":[key...],"i":id}. It is not signed:
 * it grants nothing (every query is still filtered by the caller's workspace), but decoding is
 * strict so that a damaged or foreign cursor is refused instead of silently restarting.
 * Pure functions: no I/O, no global state; safe from any thread. */
#ifndef SRV_CURSOR_H
#define SRV_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "name.h"

#define CURSOR_VERSION 1
/* Largest encoded cursor including the NUL; longer input is refused without decoding. */
#define CURSOR_TEXT_SIZE 2448
/* "root", "trash" or a node id, plus the NUL. */
#define CURSOR_SCOPE_SIZE 32
#define CURSOR_NAME_SIZE (FIO_NAME_MAX_BYTES + 1)
#define CURSOR_TYPE_SIZE 8

/* Listing orders (query sort_by). The key of each, always followed by the node id as a final
 * tie-breaker: name = (name) compared bytewise, updated = (modified), created = (created),
 * type = (type, name). */
enum cursor_sort {
    CURSOR_SORT_NAME = 0,
    CURSOR_SORT_UPDATED = 1,
    CURSOR_SORT_CREATED = 2,
    CURSOR_SORT_TYPE = 3,
};
#define CURSOR_SORT_COUNT 4

struct cursor {
    enum cursor_sort sort;
    bool desc;
    char scope[CURSOR_SCOPE_SIZE]; /* the listing: "root", "trash" or a folder id */
    char type[CURSOR_TYPE_SIZE];   /* CURSOR_SORT_TYPE: "file" | "folder" | "note" | "link" */
    char name[CURSOR_NAME_SIZE];   /* CURSOR_SORT_NAME, CURSOR_SORT_TYPE; no NUL inside */
    int64_t time;                  /* CURSOR_SORT_UPDATED / _CREATED: wall microseconds */
    char id[FIO_OPAQUE_ID_SIZE];   /* the last row's node id, normalised */
};

enum cursor_status {
    CURSOR_OK = 0,
    CURSOR_MALFORMED, /* not base64url, not our JSON, wrong version, bad key types or values */
    CURSOR_MISMATCH,  /* well formed, but made for another sort, direction or folder */
};

/* "name" -> CURSOR_SORT_NAME etc.; false for any other word (case-sensitive). */
bool cursor_sort_parse(const char *s, enum cursor_sort *out);
/* The query word of a sort ("name", "updated", "created", "type"). Static string. */
const char *cursor_sort_name(enum cursor_sort sort);

/* Encode c into out (NUL-terminated; out_size >= CURSOR_TEXT_SIZE always suffices). Returns false
 * when c holds values the decoder would refuse (an id that is not a normalised node id, an empty
 * or over-long name, an unknown type or sort, an empty scope), on allocation failure, or when out
 * is too small; out is then "". */
bool cursor_encode(const struct cursor *c, char *out, size_t out_size);

/* Decode text (n bytes, not necessarily NUL-terminated) into *out, and check that it belongs to
 * the listing (sort, desc, scope). *out is fully written only on CURSOR_OK. */
enum cursor_status cursor_decode(const char *text, size_t n, enum cursor_sort sort, bool desc,
                                 const char *scope, struct cursor *out);

#endif
