/* SPDX-License-Identifier: MIT */
/* intel_internal.h - what the files of src/server/intel share (not for callers: see extract.h). */
#ifndef SRV_INTEL_INTERNAL_H
#define SRV_INTEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "extract.h"

/* utf8.c */
size_t intel_utf8_seq(const unsigned char *s, size_t n);
size_t intel_utf8_put(char *dst, uint32_t cp);
/* High bytes, none of them part of a valid UTF-8 sequence (an 8-bit legacy encoding). */
int intel_is_legacy_8bit(const void *in, size_t len);
/* Windows-1252 bytes to UTF-8 (malloc'd, NUL-terminated; NULs in the input stay). */
char *intel_cp1252_to_utf8(const void *in, size_t len, size_t *out_len);

/* The time budget of one extraction (CLOCK_MONOTONIC). */
struct intel_clock {
    uint64_t deadline_ms; /* 0 = none */
    uint64_t (*now)(void *ctx); /* NULL = CLOCK_MONOTONIC (intel_limits.clock_ms) */
    void *ctx;
};
void intel_clock_start(struct intel_clock *c, const struct intel_limits *lim);
int intel_clock_expired(const struct intel_clock *c);

/* Fills reason (may be NULL) like snprintf. */
void intel_reason(char *reason, size_t reason_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* markup.c: what the office formats keep of their XML. */
enum intel_markup_profile {
    INTEL_MK_HTML = 0,
    INTEL_MK_XML,
    INTEL_MK_DOCX, /* text only inside w:t; w:p, w:br, w:cr end lines; w:tab a space */
    INTEL_MK_ODT,  /* text only inside text:p / text:h; text:s, text:tab spaces; line-break */
    INTEL_MK_PPTX, /* text only inside a:t; a:p, a:br end lines */
};
/* Appends the text of in[0..len) to out (which caps the size); 0 ok, -1 out of memory or cap. */
int intel_markup_to(struct fio_buf *out, const char *in, size_t len,
                    enum intel_markup_profile prof);

/* pdf.c, office.c: append pages of passages to out; 0 ok, -1 failed with reason. */
int intel_extract_pdf(const void *data, size_t len, const struct intel_limits *lim,
                      const struct intel_clock *clk, struct intel_doc *out, char *reason,
                      size_t reason_len);
int intel_extract_office(const void *data, size_t len, enum intel_format fmt,
                         const struct intel_limits *lim, const struct intel_clock *clk,
                         struct intel_doc *out, char *reason, size_t reason_len);
/* office.c: the slide order of a PPTX from ppt/presentation.xml (its <p:sldId r:id=...> list)
 * and ppt/_rels/presentation.xml.rels (Id -> Target slides/slideK.xml): order[k] is the place
 * of slide number nums[k] in that list, UINT_MAX when not listed. 0 ok, -1 out of memory. */
int intel_pptx_order(const char *pres, size_t pres_len, const char *rels, size_t rels_len,
                     const unsigned *nums, size_t n, unsigned *order);
/* extract.c: one page of extracted (not yet cleaned) text: cleaned, capped, split. */
int intel_add_page(struct intel_doc *out, const char *text, size_t len, int page,
                   const struct intel_limits *lim, char *reason, size_t reason_len);

#endif
