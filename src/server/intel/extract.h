/* SPDX-License-Identifier: MIT */
/* extract.h - text extraction for the indexer (issue 13, docs/server.md "Text extraction").
 *
 * A stored file becomes a list of passages of about lim->passage_words words, each with the page
 * (PDF page, PPTX slide; 0 for formats without pages) and the 1-based line span inside that
 * page's extracted text, so that a citation can say where. The format is chosen from the name's
 * extension, the MIME hint and the content's magic bytes (see intel_detect_format). Output text is
 * always valid UTF-8 without NULs (invalid sequences become U+FFFD). Hostile input never crashes:
 * every size is capped (input, extracted text, uncompressed zip entries), nesting is not
 * recursive, and the time limit is checked between pages, slides and zip blocks. Results are
 * deterministic: the same bytes and limits give the same passages.
 *
 * Thread safety: every function may be called from several threads at once (PDF documents are
 * opened one at a time behind a mutex, D-052). */
#ifndef SRV_INTEL_EXTRACT_H
#define SRV_INTEL_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

/* What intel_detect_format decided; out->format after an extraction. */
enum intel_format {
    INTEL_FMT_BINARY = 0, /* kept but not text: images, archives, executables, unknown bytes */
    INTEL_FMT_TEXT,       /* plain text (also the fallback for valid UTF-8 of unknown kind) */
    INTEL_FMT_MARKDOWN,   /* .md, .markdown, text/markdown; notes are .md (api §4.3) */
    INTEL_FMT_CODE,       /* source code by extension (.c, .py, .go, ...) */
    INTEL_FMT_CSV,        /* .csv, .tsv */
    INTEL_FMT_JSON,       /* .json, .jsonl, .ndjson */
    INTEL_FMT_HTML,       /* .html, .htm, .xhtml, or sniffed <!doctype html / <html */
    INTEL_FMT_XML,        /* .xml, .svg, .rss, ... or sniffed <?xml */
    INTEL_FMT_PDF,        /* poppler-glib, page by page */
    INTEL_FMT_DOCX,       /* zip: word/document.xml */
    INTEL_FMT_ODT,        /* zip: content.xml (mimetype application/vnd.oasis.opendocument.text) */
    INTEL_FMT_PPTX,       /* zip: ppt/slides/slideN.xml, one page per slide */
    INTEL_FMT_NOTE,       /* .note: Markdown kept as is (a note node's own name ends in .md) */
};

struct intel_passage {
    char *text;                /* NUL-terminated UTF-8; words joined by one space, or by one
                                * newline where the source had a line break between them */
    size_t len;                /* strlen(text) */
    int page;                  /* 1-based page/slide, 0 = not paged */
    int line_start, line_end;  /* 1-based line span within that page's extracted text */
};

struct intel_doc {
    int is_text; /* 0 = kept but not text (image, binary): ai.state "ready" */
    struct intel_passage *passages;
    size_t n_passages;
    size_t text_bytes;          /* bytes of extracted text, all pages */
    enum intel_format format;   /* what was extracted */
    int n_pages;                /* pages/slides seen (0 for formats without pages) */
    size_t passages_cap;        /* allocated entries of passages (the splitter's business) */
};

struct intel_limits {
    size_t max_input_bytes; /* file size; also the cap on all uncompressed zip entries together */
    size_t max_text_bytes;  /* extracted text; more fails with "too large: ..." */
    unsigned max_ms;        /* wall time of one extraction; more fails with "time limit ..." */
    size_t passage_words;   /* target words per passage (clamped to 8..10000) */
    /* The clock max_ms is measured on, in milliseconds; NULL (the default) = CLOCK_MONOTONIC.
     * Tests pass a clock that steps on every read, so that a time limit is hit at a known
     * point whatever the machine's speed. */
    uint64_t (*clock_ms)(void *ctx);
    void *clock_ctx;
};

/* 64 MiB input, 16 MiB text, 30 s, 200 words. */
void intel_limits_default(struct intel_limits *lim);

/* 0 = ok (doc filled, possibly is_text=0); -1 = failed, reason filled ("pdf: encrypted",
 * "docx: not a zip", "too large: ...", "time limit ..."), doc left empty (nothing to free, but
 * intel_doc_free is harmless). name (the file's name, for its extension) and mime (a hint, may be
 * NULL) choose the format together with the content. lim NULL = defaults. reason may be NULL. */
int intel_extract_file(const char *path, const char *name, const char *mime,
                       const struct intel_limits *lim, struct intel_doc *out, char *reason,
                       size_t reason_len);
int intel_extract_mem(const void *data, size_t len, const char *name, const char *mime,
                      const struct intel_limits *lim, struct intel_doc *out, char *reason,
                      size_t reason_len);
void intel_doc_free(struct intel_doc *doc);

/* The format the extractor would use for these bytes (no extraction). */
enum intel_format intel_detect_format(const void *data, size_t len, const char *name,
                                      const char *mime);
/* "text", "markdown", "code", "csv", "json", "html", "xml", "pdf", "docx", "odt", "pptx",
 * "note", "binary". */
const char *intel_format_name(enum intel_format f);

/* The passage splitter on its own (text of one page), for the fuzz target and tests. text must
 * be valid UTF-8 (intel_utf8_clean makes it so). Passages are APPENDED to out (zero it before
 * the first call); out->text_bytes grows by len. 0 = ok, -1 = out of memory (out keeps what it
 * had). Breaks are chosen, in this order of preference, at a blank line, a sentence end at a line
 * end, a sentence end, a line end, any space, within [passage_words/2, passage_words] words; a run
 * of non-space longer than 64 bytes counts as one word per 64 bytes (cut at UTF-8 boundaries);
 * a stray NUL counts as a space. Memory O(passage_words) besides the passages (D-053). */
int intel_split_passages(const char *text, size_t len, int page, const struct intel_limits *lim,
                         struct intel_doc *out);

/* HTML/XML to text (scripts, styles, comments, CDATA-in-script dropped; entities decoded; block
 * elements -> newlines; runs of white space collapsed except inside <pre>). is_html = 0: XML
 * (every end tag ends a line). Never recursive; any nesting depth is fine. Returns a malloc'd,
 * NUL-terminated, valid UTF-8 string (*out_len its length), NULL only when out of memory. */
char *intel_strip_markup(const char *in, size_t len, int is_html, size_t *out_len);

/* Bytes to valid UTF-8 text: a UTF-8 BOM dropped, UTF-16 with a BOM decoded, bytes of which no
 * high one forms a UTF-8 sequence read as Windows-1252 (8-bit legacy text: "caf\xE9" is "café"),
 * otherwise invalid sequences replaced by U+FFFD, NULs dropped, CR LF and lone CR turned into LF, other C0 controls but tab
 * and form feed (kept as a line end) become spaces. Returns malloc'd NUL-terminated text
 * (*out_len its length), NULL when out of memory. */
char *intel_utf8_clean(const void *in, size_t len, size_t *out_len);

#endif
