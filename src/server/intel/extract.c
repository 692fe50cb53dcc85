/* SPDX-License-Identifier: MIT */
/* extract.c - format detection, limits and the dispatch of text extraction (extract.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "intel_internal.h"

#define MIB (1024u * 1024u)

void intel_limits_default(struct intel_limits *lim)
{
    lim->max_input_bytes = 64 * (size_t)MIB;
    lim->max_text_bytes = 16 * (size_t)MIB;
    lim->max_ms = 30000;
    lim->passage_words = 200;
    lim->clock_ms = NULL;
    lim->clock_ctx = NULL;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t clock_read(const struct intel_clock *c)
{
    return c->now ? c->now(c->ctx) : now_ms();
}

void intel_clock_start(struct intel_clock *c, const struct intel_limits *lim)
{
    c->now = lim->clock_ms;
    c->ctx = lim->clock_ctx;
    c->deadline_ms = 0;
    if (lim->max_ms)
        c->deadline_ms = clock_read(c) + lim->max_ms;
}

int intel_clock_expired(const struct intel_clock *c)
{
    return c && c->deadline_ms && clock_read(c) > c->deadline_ms;
}

void intel_reason(char *reason, size_t reason_len, const char *fmt, ...)
{
    if (!reason || reason_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, reason_len, fmt, ap);
    va_end(ap);
}

const char *intel_format_name(enum intel_format f)
{
    switch (f) {
    case INTEL_FMT_TEXT: return "text";
    case INTEL_FMT_MARKDOWN: return "markdown";
    case INTEL_FMT_CODE: return "code";
    case INTEL_FMT_CSV: return "csv";
    case INTEL_FMT_JSON: return "json";
    case INTEL_FMT_HTML: return "html";
    case INTEL_FMT_XML: return "xml";
    case INTEL_FMT_PDF: return "pdf";
    case INTEL_FMT_DOCX: return "docx";
    case INTEL_FMT_ODT: return "odt";
    case INTEL_FMT_PPTX: return "pptx";
    case INTEL_FMT_NOTE: return "note";
    case INTEL_FMT_BINARY: break;
    }
    return "binary";
}

/* ---- detection ------------------------------------------------------------------------------ */

struct ext_fmt {
    const char *ext;
    enum intel_format fmt;
};

/* Extensions, lower case. Documents (pdf, docx, odt, pptx) are claims the content must honour;
 * the others are hints the magic bytes can overrule (a PNG named .txt is an image). */
static const struct ext_fmt EXTS[] = {
    {"pdf", INTEL_FMT_PDF}, {"docx", INTEL_FMT_DOCX}, {"docm", INTEL_FMT_DOCX},
    {"odt", INTEL_FMT_ODT}, {"pptx", INTEL_FMT_PPTX}, {"pptm", INTEL_FMT_PPTX},
    {"txt", INTEL_FMT_TEXT}, {"text", INTEL_FMT_TEXT}, {"log", INTEL_FMT_TEXT},
    {"rst", INTEL_FMT_TEXT}, {"adoc", INTEL_FMT_TEXT}, {"org", INTEL_FMT_TEXT},
    {"tex", INTEL_FMT_TEXT}, {"ini", INTEL_FMT_TEXT}, {"cfg", INTEL_FMT_TEXT},
    {"conf", INTEL_FMT_TEXT}, {"toml", INTEL_FMT_TEXT}, {"yaml", INTEL_FMT_TEXT},
    {"yml", INTEL_FMT_TEXT}, {"properties", INTEL_FMT_TEXT}, {"srt", INTEL_FMT_TEXT},
    {"vtt", INTEL_FMT_TEXT}, {"rtf", INTEL_FMT_TEXT}, {"eml", INTEL_FMT_TEXT},
    {"md", INTEL_FMT_MARKDOWN}, {"markdown", INTEL_FMT_MARKDOWN}, {"mdown", INTEL_FMT_MARKDOWN},
    {"mkd", INTEL_FMT_MARKDOWN}, {"note", INTEL_FMT_NOTE},
    {"csv", INTEL_FMT_CSV}, {"tsv", INTEL_FMT_CSV},
    {"json", INTEL_FMT_JSON}, {"jsonl", INTEL_FMT_JSON}, {"ndjson", INTEL_FMT_JSON},
    {"geojson", INTEL_FMT_JSON},
    {"html", INTEL_FMT_HTML}, {"htm", INTEL_FMT_HTML}, {"xhtml", INTEL_FMT_HTML},
    {"xml", INTEL_FMT_XML}, {"svg", INTEL_FMT_XML}, {"rss", INTEL_FMT_XML},
    {"atom", INTEL_FMT_XML}, {"xsd", INTEL_FMT_XML}, {"xsl", INTEL_FMT_XML},
    {"xslt", INTEL_FMT_XML}, {"plist", INTEL_FMT_XML}, {"kml", INTEL_FMT_XML},
    {"gpx", INTEL_FMT_XML},
    /* source code */
    {"c", INTEL_FMT_CODE}, {"h", INTEL_FMT_CODE}, {"cc", INTEL_FMT_CODE},
    {"cpp", INTEL_FMT_CODE}, {"cxx", INTEL_FMT_CODE}, {"hpp", INTEL_FMT_CODE},
    {"hh", INTEL_FMT_CODE}, {"cs", INTEL_FMT_CODE}, {"java", INTEL_FMT_CODE},
    {"kt", INTEL_FMT_CODE}, {"kts", INTEL_FMT_CODE}, {"scala", INTEL_FMT_CODE},
    {"go", INTEL_FMT_CODE}, {"rs", INTEL_FMT_CODE}, {"py", INTEL_FMT_CODE},
    {"rb", INTEL_FMT_CODE}, {"php", INTEL_FMT_CODE}, {"pl", INTEL_FMT_CODE},
    {"pm", INTEL_FMT_CODE}, {"lua", INTEL_FMT_CODE}, {"js", INTEL_FMT_CODE},
    {"mjs", INTEL_FMT_CODE}, {"cjs", INTEL_FMT_CODE}, {"ts", INTEL_FMT_CODE},
    {"tsx", INTEL_FMT_CODE}, {"jsx", INTEL_FMT_CODE}, {"swift", INTEL_FMT_CODE},
    {"m", INTEL_FMT_CODE}, {"mm", INTEL_FMT_CODE}, {"sh", INTEL_FMT_CODE},
    {"bash", INTEL_FMT_CODE}, {"zsh", INTEL_FMT_CODE}, {"fish", INTEL_FMT_CODE},
    {"ps1", INTEL_FMT_CODE}, {"bat", INTEL_FMT_CODE}, {"cmd", INTEL_FMT_CODE},
    {"sql", INTEL_FMT_CODE}, {"r", INTEL_FMT_CODE}, {"jl", INTEL_FMT_CODE},
    {"hs", INTEL_FMT_CODE}, {"ml", INTEL_FMT_CODE}, {"mli", INTEL_FMT_CODE},
    {"ex", INTEL_FMT_CODE}, {"exs", INTEL_FMT_CODE}, {"erl", INTEL_FMT_CODE},
    {"clj", INTEL_FMT_CODE}, {"dart", INTEL_FMT_CODE}, {"vue", INTEL_FMT_CODE},
    {"svelte", INTEL_FMT_CODE}, {"css", INTEL_FMT_CODE}, {"scss", INTEL_FMT_CODE},
    {"less", INTEL_FMT_CODE}, {"cmake", INTEL_FMT_CODE}, {"mk", INTEL_FMT_CODE},
    {"gradle", INTEL_FMT_CODE}, {"groovy", INTEL_FMT_CODE}, {"tf", INTEL_FMT_CODE},
    {"nix", INTEL_FMT_CODE}, {"zig", INTEL_FMT_CODE}, {"proto", INTEL_FMT_CODE},
    {"graphql", INTEL_FMT_CODE}, {"el", INTEL_FMT_CODE}, {"vim", INTEL_FMT_CODE},
    /* kept but not text */
    {"png", INTEL_FMT_BINARY}, {"jpg", INTEL_FMT_BINARY}, {"jpeg", INTEL_FMT_BINARY},
    {"gif", INTEL_FMT_BINARY}, {"webp", INTEL_FMT_BINARY}, {"bmp", INTEL_FMT_BINARY},
    {"tif", INTEL_FMT_BINARY}, {"tiff", INTEL_FMT_BINARY}, {"ico", INTEL_FMT_BINARY},
    {"heic", INTEL_FMT_BINARY}, {"heif", INTEL_FMT_BINARY}, {"avif", INTEL_FMT_BINARY},
    {"psd", INTEL_FMT_BINARY}, {"mp3", INTEL_FMT_BINARY}, {"mp4", INTEL_FMT_BINARY},
    {"m4a", INTEL_FMT_BINARY}, {"wav", INTEL_FMT_BINARY}, {"flac", INTEL_FMT_BINARY},
    {"ogg", INTEL_FMT_BINARY}, {"opus", INTEL_FMT_BINARY}, {"mov", INTEL_FMT_BINARY},
    {"avi", INTEL_FMT_BINARY}, {"mkv", INTEL_FMT_BINARY}, {"webm", INTEL_FMT_BINARY},
    {"zip", INTEL_FMT_BINARY}, {"gz", INTEL_FMT_BINARY}, {"tgz", INTEL_FMT_BINARY},
    {"bz2", INTEL_FMT_BINARY}, {"xz", INTEL_FMT_BINARY}, {"7z", INTEL_FMT_BINARY},
    {"rar", INTEL_FMT_BINARY}, {"zst", INTEL_FMT_BINARY}, {"tar", INTEL_FMT_BINARY},
    {"exe", INTEL_FMT_BINARY}, {"dll", INTEL_FMT_BINARY}, {"so", INTEL_FMT_BINARY},
    {"dylib", INTEL_FMT_BINARY}, {"bin", INTEL_FMT_BINARY}, {"iso", INTEL_FMT_BINARY},
    {"dmg", INTEL_FMT_BINARY}, {"class", INTEL_FMT_BINARY}, {"jar", INTEL_FMT_BINARY},
    {"wasm", INTEL_FMT_BINARY}, {"o", INTEL_FMT_BINARY}, {"a", INTEL_FMT_BINARY},
    {"woff", INTEL_FMT_BINARY}, {"woff2", INTEL_FMT_BINARY}, {"ttf", INTEL_FMT_BINARY},
    {"otf", INTEL_FMT_BINARY}, {"sqlite", INTEL_FMT_BINARY}, {"db", INTEL_FMT_BINARY},
    {"doc", INTEL_FMT_BINARY}, {"xls", INTEL_FMT_BINARY}, {"ppt", INTEL_FMT_BINARY},
    {"xlsx", INTEL_FMT_BINARY}, {"ods", INTEL_FMT_BINARY}, {"odp", INTEL_FMT_BINARY},
};

/* Names without an extension that are source code. */
static const char *const CODE_NAMES[] = {"makefile", "dockerfile", "containerfile", "cmakelists.txt",
                                         "gnumakefile", "rakefile", "gemfile", "vagrantfile"};

static int ext_lookup(const char *name, enum intel_format *fmt)
{
    if (!name)
        return 0;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    for (size_t i = 0; i < sizeof CODE_NAMES / sizeof CODE_NAMES[0]; i++)
        if (strcasecmp(base, CODE_NAMES[i]) == 0) {
            *fmt = INTEL_FMT_CODE;
            return 1;
        }
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base || strlen(dot + 1) > 12)
        return 0;
    for (size_t i = 0; i < sizeof EXTS / sizeof EXTS[0]; i++)
        if (strcasecmp(dot + 1, EXTS[i].ext) == 0) {
            *fmt = EXTS[i].fmt;
            return 1;
        }
    return 0;
}

static int has_prefix(const unsigned char *s, size_t n, const void *p, size_t pn)
{
    return n >= pn && memcmp(s, p, pn) == 0;
}

/* A zip's office kind from the entry names its bytes carry (local headers and the central
 * directory both hold them in clear): DOCX, PPTX, ODT (its first entry "mimetype" holds the
 * type, stored uncompressed by the ODF rules), anything else BINARY. */
static enum intel_format sniff_zip(const unsigned char *s, size_t n)
{
    static const char odt[] = "mimetypeapplication/vnd.oasis.opendocument.text";
    if (n >= 30 + sizeof odt - 1 && memcmp(s + 30, odt, sizeof odt - 1) == 0 &&
        (n == 30 + sizeof odt - 1 || s[30 + sizeof odt - 1] != '-'))
        return INTEL_FMT_ODT;
    if (memmem(s, n, "word/document.xml", 17))
        return INTEL_FMT_DOCX;
    if (memmem(s, n, "ppt/presentation.xml", 20))
        return INTEL_FMT_PPTX;
    return INTEL_FMT_BINARY;
}

/* Magic bytes of formats that are never text. */
static int binary_magic(const unsigned char *s, size_t n)
{
    static const struct {
        const char *m;
        size_t n;
    } M[] = {
        {"\x89PNG\r\n\x1a\n", 8}, {"\xff\xd8\xff", 3}, {"GIF87a", 6}, {"GIF89a", 6},
        {"\x7f" "ELF", 4}, {"\x1f\x8b", 2}, {"BZh", 3}, {"\xfd" "7zXZ\0", 6},
        {"7z\xbc\xaf\x27\x1c", 6}, {"Rar!\x1a\x07", 6}, {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8},
        {"OggS", 4}, {"ID3", 3}, {"fLaC", 4}, {"wOFF", 4}, {"wOF2", 4}, {"\0asm", 4},
        {"SQLite format 3", 16}, {"\x28\xb5\x2f\xfd", 4}, {"II*\0", 4}, {"MM\0*", 4},
        {"\xca\xfe\xba\xbe", 4}, {"\0\0\1\0", 4}, {"8BPS", 4}, {"\x1a\x45\xdf\xa3", 4},
    };
    for (size_t i = 0; i < sizeof M / sizeof M[0]; i++)
        if (has_prefix(s, n, M[i].m, M[i].n))
            return 1;
    if (n >= 12 && memcmp(s, "RIFF", 4) == 0)
        return 1; /* WAV, AVI, WEBP */
    if (n >= 12 && memcmp(s + 4, "ftyp", 4) == 0)
        return 1; /* MP4, MOV, HEIC, AVIF */
    return 0;
}

static int is_pdf(const unsigned char *s, size_t n)
{
    return memmem(s, n < 1024 ? n : 1024, "%PDF-", 5) != NULL;
}

static int ci_prefix(const unsigned char *s, size_t n, const char *p)
{
    size_t pn = strlen(p);
    if (n < pn)
        return 0;
    for (size_t i = 0; i < pn; i++)
        if (tolower(s[i]) != p[i])
            return 0;
    return 1;
}

/* Text or binary, from the first 8 KiB: a NUL, more than 1 in 10 bytes that are control
 * characters, or more than 1 in 3 that are not UTF-8 makes it binary (UTF-16 with a BOM is text;
 * an 8-bit legacy text has far fewer high bytes than that). */
static enum intel_format sniff_text(const unsigned char *s, size_t n)
{
    if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
        return INTEL_FMT_TEXT;
    size_t m = n, ctl = 0, bad = 0, i = 0;
    if (m > 8192)
        m = 8192;
    while (i < m) {
        unsigned c = s[i];
        if (c == 0)
            return INTEL_FMT_BINARY;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b) ||
                c == 0x7f)
                ctl++;
            i++;
            continue;
        }
        size_t k = intel_utf8_seq(s + i, n - i);
        if (k == 0) {
            bad++;
            i++;
        } else {
            i += k;
        }
    }
    if (ctl * 10 > m || bad * 3 > m)
        return INTEL_FMT_BINARY;
    size_t j = 0;
    if (m >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        j = 3;
    while (j < m && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
        j++;
    if (ci_prefix(s + j, m - j, "<!doctype html") || ci_prefix(s + j, m - j, "<html"))
        return INTEL_FMT_HTML;
    if (ci_prefix(s + j, m - j, "<?xml"))
        return memmem(s + j, m - j, "<html", 5) ? INTEL_FMT_HTML : INTEL_FMT_XML;
    return INTEL_FMT_TEXT;
}

static enum intel_format mime_lookup(const char *mime)
{
    if (!mime)
        return INTEL_FMT_BINARY;
    size_t n = strcspn(mime, "; \t");
    struct {
        const char *m;
        enum intel_format f;
    } T[] = {
        {"text/html", INTEL_FMT_HTML}, {"application/xhtml+xml", INTEL_FMT_HTML},
        {"text/markdown", INTEL_FMT_MARKDOWN}, {"text/x-markdown", INTEL_FMT_MARKDOWN},
        {"text/csv", INTEL_FMT_CSV}, {"text/tab-separated-values", INTEL_FMT_CSV},
        {"application/json", INTEL_FMT_JSON}, {"application/x-ndjson", INTEL_FMT_JSON},
        {"text/xml", INTEL_FMT_XML}, {"application/xml", INTEL_FMT_XML},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (strlen(T[i].m) == n && strncasecmp(mime, T[i].m, n) == 0)
            return T[i].f;
    if (n > 4 && strncasecmp(mime + n - 4, "+xml", 4) == 0)
        return INTEL_FMT_XML;
    if (n > 5 && strncasecmp(mime + n - 5, "+json", 5) == 0)
        return INTEL_FMT_JSON;
    if (strncasecmp(mime, "text/", 5) == 0)
        return INTEL_FMT_TEXT;
    return INTEL_FMT_BINARY;
}

static int mime_is_media(const char *mime)
{
    return mime && (strncasecmp(mime, "image/", 6) == 0 || strncasecmp(mime, "video/", 6) == 0 ||
                    strncasecmp(mime, "audio/", 6) == 0 || strncasecmp(mime, "font/", 5) == 0);
}

/* Order (docs/server.md "Text extraction"): a document extension (pdf, docx, odt, pptx) is a
 * claim the content must then honour; else magic bytes (PDF, zip kinds, images and other binary
 * formats); else a text extension; else a binary extension; else the MIME hint; else the
 * content (markup prefixes, text or binary). */
enum intel_format intel_detect_format(const void *data, size_t len, const char *name,
                                      const char *mime)
{
    const unsigned char *s = data;
    if (!s)
        len = 0;
    enum intel_format ef = INTEL_FMT_BINARY;
    int has_ext = ext_lookup(name, &ef);
    if (has_ext && (ef == INTEL_FMT_PDF || ef == INTEL_FMT_DOCX || ef == INTEL_FMT_ODT ||
                    ef == INTEL_FMT_PPTX))
        return ef;
    if (is_pdf(s, len))
        return INTEL_FMT_PDF;
    if (has_prefix(s, len, "PK\x03\x04", 4))
        return sniff_zip(s, len);
    if (binary_magic(s, len))
        return INTEL_FMT_BINARY;
    if (has_ext)
        return ef;
    if (mime_is_media(mime))
        return INTEL_FMT_BINARY;
    enum intel_format mf = mime_lookup(mime);
    if (mf != INTEL_FMT_BINARY)
        return mf;
    if (len == 0)
        return INTEL_FMT_TEXT;
    return sniff_text(s, len);
}

/* ---- extraction ------------------------------------------------------------------------------ */

void intel_doc_free(struct intel_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->n_passages; i++)
        free(doc->passages[i].text);
    free(doc->passages);
    memset(doc, 0, sizeof *doc);
}

int intel_add_page(struct intel_doc *out, const char *text, size_t len, int page,
                   const struct intel_limits *lim, char *reason, size_t reason_len)
{
    size_t clen = 0;
    char *clean = intel_utf8_clean(text, len, &clen);
    if (!clean) {
        intel_reason(reason, reason_len, "out of memory");
        return -1;
    }
    if (clen > lim->max_text_bytes || out->text_bytes > lim->max_text_bytes - clen) {
        free(clean);
        intel_reason(reason, reason_len,
                     "too large: the extracted text is over %zu bytes (the text limit)",
                     lim->max_text_bytes);
        return -1;
    }
    int rc = intel_split_passages(clean, clen, page, lim, out);
    free(clean);
    if (rc != 0)
        intel_reason(reason, reason_len, "out of memory");
    return rc;
}

static int extract_markup(const char *data, size_t len, int html, const struct intel_limits *lim,
                          struct intel_doc *out, char *reason, size_t reason_len)
{
    struct fio_buf b;
    /* an 8-bit legacy page (Windows-1252) is made UTF-8 before its tags are read */
    char *legacy = NULL;
    if (intel_is_legacy_8bit(data, len)) {
        legacy = intel_cp1252_to_utf8(data, len, &len);
        if (!legacy) {
            intel_reason(reason, reason_len, "out of memory");
            return -1;
        }
        data = legacy;
    }
    /* the text cap applies to the stripped text (+1: exceeding it must be seen) */
    fio_buf_init(&b, lim->max_text_bytes + 1);
    int mrc = intel_markup_to(&b, data, len, html ? INTEL_MK_HTML : INTEL_MK_XML);
    free(legacy);
    if (mrc != 0) {
        int over = b.len >= lim->max_text_bytes;
        fio_buf_release(&b);
        if (over)
            intel_reason(reason, reason_len,
                         "too large: the extracted text is over %zu bytes (the text limit)",
                         lim->max_text_bytes);
        else
            intel_reason(reason, reason_len, "out of memory");
        return -1;
    }
    int rc = intel_add_page(out, b.data ? b.data : "", b.len, 0, lim, reason, reason_len);
    fio_buf_release(&b);
    return rc;
}

int intel_extract_mem(const void *data, size_t len, const char *name, const char *mime,
                      const struct intel_limits *lim, struct intel_doc *out, char *reason,
                      size_t reason_len)
{
    struct intel_limits dl;
    if (!lim) {
        intel_limits_default(&dl);
        lim = &dl;
    }
    memset(out, 0, sizeof *out);
    if (reason && reason_len)
        reason[0] = '\0';
    if (!data)
        len = 0;
    if (len > lim->max_input_bytes) {
        intel_reason(reason, reason_len, "too large: %zu bytes, over the %zu-byte input limit",
                     len, lim->max_input_bytes);
        return -1;
    }
    struct intel_clock clk;
    intel_clock_start(&clk, lim);
    enum intel_format f = intel_detect_format(data, len, name, mime);
    out->format = f;
    int rc = 0;
    switch (f) {
    case INTEL_FMT_BINARY:
        return 0; /* is_text = 0 */
    case INTEL_FMT_PDF:
        rc = intel_extract_pdf(data, len, lim, &clk, out, reason, reason_len);
        break;
    case INTEL_FMT_DOCX:
    case INTEL_FMT_ODT:
    case INTEL_FMT_PPTX:
        rc = intel_extract_office(data, len, f, lim, &clk, out, reason, reason_len);
        break;
    case INTEL_FMT_HTML:
    case INTEL_FMT_XML:
        rc = extract_markup(data, len, f == INTEL_FMT_HTML, lim, out, reason, reason_len);
        break;
    case INTEL_FMT_TEXT:
    case INTEL_FMT_MARKDOWN:
    case INTEL_FMT_CODE:
    case INTEL_FMT_CSV:
    case INTEL_FMT_JSON:
    case INTEL_FMT_NOTE:
        rc = intel_add_page(out, data, len, 0, lim, reason, reason_len);
        break;
    }
    if (rc == 0 && intel_clock_expired(&clk)) {
        intel_reason(reason, reason_len, "time limit: extraction took over %u ms", lim->max_ms);
        rc = -1;
    }
    if (rc != 0) {
        intel_doc_free(out);
        out->format = f;
        if (reason && reason_len && reason[0] == '\0')
            intel_reason(reason, reason_len, "%s: extraction failed", intel_format_name(f));
        return -1;
    }
    out->is_text = 1;
    return 0;
}

int intel_extract_file(const char *path, const char *name, const char *mime,
                       const struct intel_limits *lim, struct intel_doc *out, char *reason,
                       size_t reason_len)
{
    struct intel_limits dl;
    if (!lim) {
        intel_limits_default(&dl);
        lim = &dl;
    }
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        intel_reason(reason, reason_len, "cannot open the stored file: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        intel_reason(reason, reason_len, "the stored file is not a regular file");
        return -1;
    }
    if ((unsigned long long)st.st_size > lim->max_input_bytes) {
        close(fd);
        intel_reason(reason, reason_len, "too large: %lld bytes, over the %zu-byte input limit",
                     (long long)st.st_size, lim->max_input_bytes);
        return -1;
    }
    /* read what is there, up to the limit + 1 (a file that grew since fstat is still capped) */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        intel_reason(reason, reason_len, "out of memory");
        return -1;
    }
    for (;;) {
        if (n == cap) {
            if (cap > lim->max_input_bytes)
                break;
            size_t nc = cap * 2 > lim->max_input_bytes + 1 ? lim->max_input_bytes + 1 : cap * 2;
            char *nb = realloc(buf, nc);
            if (!nb) {
                free(buf);
                close(fd);
                intel_reason(reason, reason_len, "out of memory");
                return -1;
            }
            buf = nb;
            cap = nc;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            intel_reason(reason, reason_len, "cannot read the stored file: %s", strerror(e));
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    int rc = intel_extract_mem(buf, n, name, mime, lim, out, reason, reason_len);
    free(buf);
    return rc;
}
