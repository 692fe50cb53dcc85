/* SPDX-License-Identifier: MIT */
/* multipart.h - an incremental multipart/form-data parser (RFC 7578 / RFC 2046). Bytes are fed
 * in pieces of any size as the network delivers them; it never holds a part's body: a part the
 * caller elects to stream (a file part such as `chunk`, api §1.2) goes to on_data as it arrives,
 * while small text parts are collected (bounded) into a form. Pure: no I/O, no globals, so it is
 * fuzzed directly (tests/fuzz/fuzz_multipart.c). */
#ifndef SRV_MULTIPART_H
#define SRV_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "form.h"

#define MP_BOUNDARY_MAX 70      /* RFC 2046 */
#define MP_HEADER_MAX 8192      /* all header bytes of one part */
#define MP_PARAM_MAX 1024       /* a name or filename */
#define MP_TEXT_MAX (1024 * 1024) /* all collected text parts together */
#define MP_PARTS_MAX 1000       /* parts per body */

enum mp_part_action { MP_PART_ABORT = -1, MP_PART_COLLECT = 0, MP_PART_STREAM = 1 };

struct mp_callbacks {
    /* A part starts. name: its form field name ("" when absent); filename: NULL when the part
     * has none. Decide: MP_PART_STREAM (body goes to on_data), MP_PART_COLLECT (a text field
     * into the parser's form) or MP_PART_ABORT (stop; mp_feed returns MP_ERR_CALLBACK).
     * NULL callback = collect every part. */
    enum mp_part_action (*on_part)(void *ud, const char *name, const char *filename);
    /* A piece of a streamed part's body (n > 0). 0 to go on, -1 to stop. */
    int (*on_data)(void *ud, const char *data, size_t n);
    /* The streamed part ended (its closing delimiter was seen). 0 or -1. */
    int (*on_end)(void *ud);
};

enum mp_status {
    MP_OK = 0,
    MP_ERR_SYNTAX = -1,   /* malformed body; see err */
    MP_ERR_LIMIT = -2,    /* a bound above was passed */
    MP_ERR_CALLBACK = -3, /* a callback asked to stop */
    MP_ERR_NOMEM = -4,
};

struct mp_parser {
    /* private state */
    char delim[4 + MP_BOUNDARY_MAX]; /* "\r\n--" boundary */
    size_t dlen;
    size_t match; /* bytes of delim matched and held back */
    int state;
    int ws;       /* transport padding seen after a delimiter */
    enum mp_status err_status; /* the first error (state ST_ERROR) */
    struct fio_buf hdr;   /* header bytes of the current part */
    struct fio_buf text;  /* body of the current collected part */
    char name[MP_PARAM_MAX + 1];
    char filename[MP_PARAM_MAX + 1];
    bool has_filename;
    bool streaming;
    size_t known; /* bytes of the streamed part still to pass without a delimiter search */
    size_t parts;
    size_t text_total;
    struct mp_callbacks cb;
    void *ud;
    /* results */
    struct fio_form fields; /* collected text parts, in order (owned by the parser) */
    char err[128];          /* what went wrong, for the 400 text */
};

/* Extract the boundary from a Content-Type header value ("multipart/form-data; boundary=...").
 * Returns false when the type is not multipart/form-data or the boundary is missing/invalid. */
bool mp_content_type_boundary(const char *content_type, char *out, size_t out_size);

/* Start a parser for boundary (validated: 1..70 bchars). false when the boundary is invalid. */
bool mp_init(struct mp_parser *p, const char *boundary, const struct mp_callbacks *cb, void *ud);
void mp_release(struct mp_parser *p);
/* Feed n bytes. Work is O(n). After an error every further call returns the same error. */
enum mp_status mp_feed(struct mp_parser *p, const char *data, size_t n);
/* The body ended: MP_OK only when the closing delimiter was seen. */
enum mp_status mp_finish(struct mp_parser *p);
/* From on_part, for a part it streams: its body is n bytes (a chunk's announced size). Those n
 * bytes go to on_data without the delimiter search (which cost about a tenth of the server's
 * CPU time on large chunks); the search resumes after them, so a part longer than n still ends
 * at its delimiter (the receiver sees the extra bytes) and a shorter one makes the body
 * malformed, unless the n bytes happen to run through the next delimiter into a part that ends
 * exactly there: then that delimiter and part are taken as data (a body shaped that way is the
 * sender's own bytes; a chunk's CRC, when sent, still catches it). For a well-formed body of a
 * part of n bytes the result is the same as without. */
void mp_expect_length(struct mp_parser *p, size_t n);
/* Whether the closing delimiter has been seen. */
bool mp_done(const struct mp_parser *p);

#endif
