/* SPDX-License-Identifier: MIT */
/* orgws.h - what the organization and workspace handlers (h_org.c, h_workspace.c) share: field
 * rules as data (one row per wire key: where it is stored, how it is checked, what "null"
 * clears it to), the update engine that applies request parameters to a row held as a JSON
 * object, and offset paging (api §1.5). One set of rules, so create and update and both areas
 * validate identically. The paging helpers are also used by the member, invitation, transfer
 * and event handlers; store rows are read with rows.h. */
#ifndef SRV_ORGWS_H
#define SRV_ORGWS_H

#include <stdbool.h>
#include <stddef.h>

#include "rows.h"
#include "server.h"

/* Profile names used as path aliases (org domain, workspace folder_name): api §3.2 gives 2-80
 * characters AND ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$, which allows at most 63; we keep the
 * regex (2-63) since it is the stricter reading and a DNS label's limit. */
#define ORGWS_SLUG_MIN 2
#define ORGWS_SLUG_MAX 63
#define ORGWS_JSON_MAX_DEPTH 64 /* reliability.md "Limits" */

enum orgws_store {
    OW_COLUMN, /* row[key], a column of its own */
    OW_EXTRA,  /* row["extra"][key], inside the JSON "extra" column; cleared = key removed */
};

enum orgws_check {
    OW_LINE,        /* one-line text: valid UTF-8, no control or bidi-override characters */
    OW_MULTILINE,   /* free text: as OW_LINE but \t \n \r and bidi controls allowed */
    OW_SLUG,        /* [a-z0-9-], 2-63, no leading/trailing '-', not all digits */
    OW_EMAIL,       /* one '@', no spaces or controls, <= max bytes */
    OW_URL,         /* http:// or https://, printable ASCII, <= max bytes */
    OW_CHOICE,      /* exactly one of choices */
    OW_BOOL,        /* true/false (1/0, yes/no) -> JSON boolean */
    OW_JSON_OBJECT, /* a JSON object, <= max bytes of text, depth <= ORGWS_JSON_MAX_DEPTH */
};

#define OW_ON_CREATE 1u /* the key is also accepted by the create endpoint */

struct orgws_field {
    const char *key;
    enum orgws_store store;
    enum orgws_check check;
    size_t min, max;            /* characters for text checks; bytes for email/URL/JSON */
    const char *const *choices; /* OW_CHOICE: NULL-terminated list */
    const char *clear_to;       /* OW_COLUMN: value stored on "null"/"" (NULL = cannot clear) */
    const char *clear_copy;     /* OW_COLUMN: on clear, copy this (final) row key instead */
    unsigned flags;
};

/* A parameter (form body, JSON body member, then query string, like req_param). *out is
 * borrowed, NULL when absent. Returns 0, or -1 with 400 "invalid" set when the value holds a
 * NUL byte (which req_param would silently truncate at). */
int orgws_param(struct req *r, const char *name, const char **out);

/* true when an update value asks to clear the field: "null" or "" (api §3.2 "null clears"). */
bool orgws_is_clear(const char *v);

/* Validate v against f and produce the value to store (new reference in *out: a string, a
 * boolean or an object). Returns 0, or -1 with 400 "invalid" set; never echoes v. */
int orgws_value(struct req *r, const struct orgws_field *f, const char *v, json_t **out);

/* Apply the request's parameters named in rules[0..n) to row (an object with the column keys
 * and an "extra" object). Unknown parameters are ignored (mass assignment, reliability.md
 * "Security rules"); with create_only, so are rules without OW_ON_CREATE. *known counts the
 * rule keys present. Returns 0, or -1 with the error set. */
int orgws_apply(struct req *r, const struct orgws_field *rules, size_t n, json_t *row,
                bool create_only, size_t *known);

/* The "extra" column as an object (new reference); {} when the text is not an object, NULL only
 * on OOM. */
json_t *orgws_extra_parse(const char *text);
/* Compact JSON text of extra for storage (free()); NULL on OOM. */
char *orgws_extra_dump(const json_t *extra);
/* Copy the keys of a NULL-terminated list present in extra into dst. */
void orgws_extra_copy(json_t *dst, const json_t *extra, const char *const *keys);

/* ---- offset paging (api §1.5) ---------------------------------------------------------------- */
struct orgws_page {
    long long limit;  /* 1-500, default 100 */
    long long offset; /* >= 0, default 0 */
};
/* Read limit / offset; -1 with 400 "invalid" set when out of range. */
int orgws_page_read(struct req *r, struct orgws_page *pg);
/* Set <key>: items and pagination: {total, limit, offset, has_more}. Steals items. */
int orgws_page_reply(struct req *r, const char *key, json_t *items, long long total,
                     const struct orgws_page *pg);

#endif
