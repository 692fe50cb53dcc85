/* SPDX-License-Identifier: MIT */
/* import_url.h - the text rules of URL import (docs/server.md "URL import", D-077), as pure
 * functions for the unit tests and the fuzz target (tests/fuzz/fuzz_url.c): public share links
 * of Google Drive, Dropbox, OneDrive and Box turned into their direct-download form, the file
 * name of a download (Content-Disposition, else the URL's last path segment), the
 * sanitising that makes any such name a valid node name (src/common/name.h), and the response
 * headers a resumed download relies on (D-126). */
#ifndef SRV_IMPORT_URL_H
#define SRV_IMPORT_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMP_URL_MAX 8192 /* bytes of a source URL (and of each redirect target) */

/* The parts of an absolute http(s) URL, pointing into the caller's text (not NUL-terminated). */
struct imp_url_parts {
    const char *scheme, *host, *path, *query;
    size_t scheme_len, host_len, path_len, query_len; /* path starts with '/' or is empty */
    bool https;
};
/* Split url (n bytes): false unless it is "http://" or "https://" (any case), a host, then
 * optionally ":port", "/path", "?query", "#fragment". No userinfo ('@' before the path), no
 * control bytes or spaces. */
bool imp_url_split(const char *url, size_t n, struct imp_url_parts *out);

/* The direct-download form of a share link: a new string (free()) when url is a Google Drive,
 * Dropbox, OneDrive or Box share link this knows, NULL when it is not (fetch url as it is) or
 * on out of memory (*oom set). */
char *imp_share_rewrite(const char *url, bool *oom);

/* The file name of a Content-Disposition value (n bytes): filename*=UTF-8''pct-encoded (or
 * ISO-8859-1) preferred over filename= (token or quoted-string); the part after the last '/' or
 * '\\'; then sanitised (imp_name_sanitize). true and out, or false when there is none. */
bool imp_disposition_filename(const char *v, size_t n, char *out, size_t size);
/* The last non-empty path segment of url, percent-decoded and sanitised: true and out, or
 * false. */
bool imp_url_filename(const char *url, char *out, size_t size);

/* Make bytes s[0..n) a valid node name into out (size >= 256): invalid UTF-8, controls,
 * '/' and '\\' become '_', bidirectional controls are dropped, surrounding whitespace trimmed,
 * cut to FIO_NAME_MAX_BYTES on a character boundary (keeping a short extension). false when
 * nothing usable remains ("", "." or ".."). */
bool imp_name_sanitize(const char *s, size_t n, char *out, size_t size);

/* ---- resumption (D-126) ---- */

/* Header line p (n bytes, its CRLF included or not) when it is `name` (lower case, with its
 * colon, e.g. "etag:"), matched without regard to case: its value (up to the first CR, LF or
 * NUL) without the blanks around it into out (size >= 1; cut to size - 1 bytes): true; false for another header. */
bool imp_header_value(const char *p, size_t n, const char *name, char *out, size_t size);
/* A Content-Range value "bytes A-B/T", or with T = "*": *start = A and *total = T (-1 for "*"):
 * true when 0 <= A <= B and (T is "*" or B < T), all decimal; false otherwise. */
bool imp_content_range(const char *v, int64_t *start, int64_t *total);
/* The If-Range validator from an answer's ETag and Last-Modified values ("" = absent): the ETag
 * when strong ("..."; If-Range does not take a weak W/"..."), else Last-Modified; "" when
 * neither can be sent (none, or one with a control byte, which would end the header line). */
const char *imp_if_range_validator(const char *etag, const char *modified);

#endif
