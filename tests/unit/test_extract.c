/* SPDX-License-Identifier: MIT */
/* test_extract.c - the indexer's text extraction (src/server/intel): bytes to valid UTF-8, the
 * passage splitter (break preferences, line spans, pages, bounds), the HTML/XML stripper, format
 * detection, every format from real inputs made here (PDF written out byte by byte with its
 * cross-reference table by tests/common/pdfgen.c; DOCX, ODT and PPTX zipped with libzip), and
 * hostile inputs (zip bombs, truncated, encrypted and fake PDFs, a 1 MB line, 10,000-deep
 * nesting, the time limit). Runs under ASan/UBSan in the test command, PDF path included. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "buf.h"
#include "extract.h"
#include "pdfgen.h"
#include "testmain.h"

/* ---- helpers ------------------------------------------------------------------------------- */

/* Strict UTF-8 check, written here independently of the code under test. */
static int valid_utf8(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k;
    }
    return 1;
}

static size_t count_words(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (; *s; s++) {
        int sp = *s == ' ' || *s == '\n' || *s == '\t';
        if (!sp && !in)
            n++;
        in = !sp;
    }
    return n;
}

/* Every passage: valid UTF-8, len == strlen, page as given, 1 <= line_start <= line_end. */
static void check_doc(const struct intel_doc *d)
{
    for (size_t i = 0; i < d->n_passages; i++) {
        const struct intel_passage *p = &d->passages[i];
        assert_non_null(p->text);
        assert_int_equal(strlen(p->text), p->len);
        assert_true(valid_utf8(p->text, p->len));
        assert_true(p->len > 0);
        assert_true(p->line_start >= 1);
        assert_true(p->line_end >= p->line_start);
    }
}

static int extract(const void *data, size_t len, const char *name, const struct intel_limits *lim,
                   struct intel_doc *d, char *reason)
{
    return intel_extract_mem(data, len, name, NULL, lim, d, reason, 256);
}

/* ---- UTF-8 cleaning ------------------------------------------------------------------------- */

static void utf8_clean_rules(void **state)
{
    (void)state;
    size_t n;
    static const char in[] = "\xEF\xBB\xBF" "a\0b\r\nc\rd\xff" "e\x01" "f\fg\xC3\xA9\xED\xA0\x80";
    char *out = intel_utf8_clean(in, sizeof in - 1, &n);
    assert_non_null(out);
    static const char want[] = "ab\nc\nd\xEF\xBF\xBD" "e f\ng\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD"
                               "\xEF\xBF\xBD";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(out, want, n);
    assert_int_equal(out[n], '\0');
    free(out);

    /* UTF-16 LE and BE with their BOMs, a surrogate pair, CR LF */
    static const char le[] = "\xFF\xFEh\0i\0\r\0\n\0\x3D\xD8\x00\xDE";
    out = intel_utf8_clean(le, sizeof le - 1, &n);
    assert_string_equal(out, "hi\n\xF0\x9F\x98\x80");
    free(out);
    static const char be[] = "\xFE\xFF\0h\0i\xD8\x3D";
    out = intel_utf8_clean(be, sizeof be - 1, &n);
    assert_string_equal(out, "hi\xEF\xBF\xBD");
    free(out);
    out = intel_utf8_clean("", 0, &n);
    assert_string_equal(out, "");
    free(out);

    /* 8-bit legacy text (no high byte forms UTF-8): read as Windows-1252 */
    static const char w1252[] = "caf\xE9 na\xEFve \x93quoted\x94 \x80" "5\x85\r\n\xFF";
    out = intel_utf8_clean(w1252, sizeof w1252 - 1, &n);
    assert_string_equal(out, "caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x9Cquoted\xE2\x80\x9D "
                             "\xE2\x82\xAC" "5\xE2\x80\xA6\n\xC3\xBF");
    free(out);
    /* one real UTF-8 sequence: UTF-8 with an error, not Windows-1252 */
    static const char mixed[] = "caf\xC3\xA9 na\xEFve";
    out = intel_utf8_clean(mixed, sizeof mixed - 1, &n);
    assert_string_equal(out, "caf\xC3\xA9 na\xEF\xBF\xBDve");
    free(out);
}

/* ---- splitter ----------------------------------------------------------------------------- */

static struct intel_limits words(size_t w)
{
    struct intel_limits lim;
    intel_limits_default(&lim);
    lim.passage_words = w;
    return lim;
}

static void split_prefers_paragraphs(void **state)
{
    (void)state;
    /* 4 paragraphs of 150 words; with 200 words a passage, each passage is one paragraph */
    struct fio_buf b;
    fio_buf_init(&b, 0);
    for (int p = 0; p < 4; p++) {
        for (int w = 0; w < 150; w++)
            assert_true(fio_buf_printf(&b, "p%dw%d%s", p, w, w % 10 == 9 ? "\n" : " "));
        assert_true(fio_buf_append_str(&b, "\n"));
    }
    struct intel_limits lim = words(200);
    struct intel_doc d = {0};
    assert_int_equal(intel_split_passages(b.data, b.len, 0, &lim, &d), 0);
    check_doc(&d);
    assert_int_equal(d.n_passages, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(count_words(d.passages[i].text), 150);
        char first[16];
        snprintf(first, sizeof first, "p%zuw0 ", i);
        assert_memory_equal(d.passages[i].text, first, strlen(first));
        /* each paragraph is 15 lines followed by a blank line */
        assert_int_equal(d.passages[i].line_start, (int)(1 + 16 * i));
        assert_int_equal(d.passages[i].line_end, (int)(15 + 16 * i));
        assert_int_equal(d.passages[i].page, 0);
    }
    assert_int_equal(d.text_bytes, b.len);
    intel_doc_free(&d);
    fio_buf_release(&b);
}

static void split_prefers_sentences(void **state)
{
    (void)state;
    /* one line of 40 sentences of 30 words: passages end at a sentence end, 180 words each */
    struct fio_buf b;
    fio_buf_init(&b, 0);
    for (int s = 0; s < 40; s++)
        for (int w = 0; w < 30; w++)
            assert_true(fio_buf_printf(&b, "s%dw%d%s ", s, w, w == 29 ? "." : ""));
    struct intel_limits lim = words(200);
    struct intel_doc d = {0};
    assert_int_equal(intel_split_passages(b.data, b.len, 3, &lim, &d), 0);
    check_doc(&d);
    size_t total = 0;
    for (size_t i = 0; i < d.n_passages; i++) {
        size_t n = count_words(d.passages[i].text);
        total += n;
        assert_true(n <= 200);
        assert_int_equal(d.passages[i].text[d.passages[i].len - 1], '.');
        if (i + 1 < d.n_passages)
            assert_int_equal(n, 180);
        assert_int_equal(d.passages[i].page, 3);
        assert_int_equal(d.passages[i].line_start, 1);
        assert_int_equal(d.passages[i].line_end, 1);
    }
    assert_int_equal(total, 1200);
    intel_doc_free(&d);
    fio_buf_release(&b);
}

static void split_line_spans(void **state)
{
    (void)state;
    /* 20 lines of 5 words, 10 words a passage, no sentence ends: each passage is 2 lines */
    struct fio_buf b;
    fio_buf_init(&b, 0);
    for (int l = 1; l <= 20; l++)
        for (int w = 1; w <= 5; w++)
            assert_true(fio_buf_printf(&b, "l%dw%d%s", l, w, w == 5 ? "\n" : " "));
    struct intel_limits lim = words(10);
    struct intel_doc d = {0};
    assert_int_equal(intel_split_passages(b.data, b.len, 0, &lim, &d), 0);
    check_doc(&d);
    assert_int_equal(d.n_passages, 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(d.passages[i].line_start, 2 * i + 1);
        assert_int_equal(d.passages[i].line_end, 2 * i + 2);
        char want[64];
        snprintf(want, sizeof want, "l%dw1 l%dw2 l%dw3 l%dw4 l%dw5\nl%dw1", 2 * i + 1, 2 * i + 1,
                 2 * i + 1, 2 * i + 1, 2 * i + 1, 2 * i + 2);
        assert_memory_equal(d.passages[i].text, want, strlen(want));
    }
    /* appending a second page keeps the first */
    assert_int_equal(intel_split_passages("x y z", 5, 2, &lim, &d), 0);
    assert_int_equal(d.n_passages, 11);
    assert_string_equal(d.passages[10].text, "x y z");
    assert_int_equal(d.passages[10].page, 2);
    intel_doc_free(&d);
    fio_buf_release(&b);
}

static void split_empty_and_deterministic(void **state)
{
    (void)state;
    struct intel_limits lim = words(200);
    struct intel_doc d = {0};
    assert_int_equal(intel_split_passages("", 0, 0, &lim, &d), 0);
    assert_int_equal(intel_split_passages(" \n\n\t ", 5, 0, &lim, &d), 0);
    assert_int_equal(d.n_passages, 0);
    intel_doc_free(&d);

    struct fio_buf b;
    fio_buf_init(&b, 0);
    unsigned x = 12345;
    for (int i = 0; i < 5000; i++) {
        x = x * 1103515245u + 12345u;
        static const char *const seps[] = {" ", " ", " ", ". ", "\n", "\n\n", "! "};
        assert_true(fio_buf_printf(&b, "w%u%s", (x >> 16) % 1000, seps[(x >> 8) % 7]));
    }
    struct intel_doc a = {0}, c = {0};
    assert_int_equal(intel_split_passages(b.data, b.len, 1, &lim, &a), 0);
    assert_int_equal(intel_split_passages(b.data, b.len, 1, &lim, &c), 0);
    assert_int_equal(a.n_passages, c.n_passages);
    size_t total = 0;
    for (size_t i = 0; i < a.n_passages; i++) {
        assert_string_equal(a.passages[i].text, c.passages[i].text);
        assert_int_equal(a.passages[i].line_start, c.passages[i].line_start);
        size_t n = count_words(a.passages[i].text);
        assert_true(n <= 200);
        if (i + 1 < a.n_passages)
            assert_true(n >= 100);
        total += n;
    }
    assert_int_equal(total, 5000);
    intel_doc_free(&a);
    intel_doc_free(&c);
    fio_buf_release(&b);
}

/* A 1 MB line without a space: 64-byte words, passages bounded, nothing lost or split inside a
 * UTF-8 sequence (the line is made of 3-byte characters, so 64 is not a multiple). */
static void split_huge_line(void **state)
{
    (void)state;
    size_t n = 1024 * 1024 / 3 * 3;
    char *t = malloc(n + 1);
    for (size_t i = 0; i < n; i += 3)
        memcpy(t + i, "\xE2\x82\xAC", 3); /* € */
    t[n] = '\0';
    struct intel_limits lim = words(200);
    struct intel_doc d = {0};
    char reason[256];
    assert_int_equal(extract(t, n, "line.txt", &lim, &d, reason), 0);
    check_doc(&d);
    assert_true(d.n_passages >= 50);
    size_t sum = 0;
    for (size_t i = 0; i < d.n_passages; i++) {
        assert_true(d.passages[i].len <= 200 * 64);
        assert_int_equal(d.passages[i].line_start, 1);
        assert_int_equal(d.passages[i].line_end, 1);
        sum += d.passages[i].len;
    }
    assert_int_equal(sum, n); /* the pieces of one run are joined without separators */
    char *all = malloc(sum + 1);
    size_t o = 0;
    for (size_t i = 0; i < d.n_passages; i++) {
        memcpy(all + o, d.passages[i].text, d.passages[i].len);
        o += d.passages[i].len;
    }
    assert_memory_equal(all, t, n);
    free(all);
    intel_doc_free(&d);
    free(t);
}

/* data (len bytes) called name is extracted with the default limits as format fmt, and the
 * passages are well formed (check_doc); free d with intel_doc_free. */
static void extract_ok(const void *data, size_t len, const char *name, struct intel_doc *d,
                       enum intel_format fmt)
{
    char reason[256] = "";
    if (extract(data, len, name, NULL, d, reason) != 0)
        fail_msg("%s: %s", name, reason);
    check_doc(d);
    assert_int_equal(d->format, fmt);
}

/* ---- markup ------------------------------------------------------------------------------- */

/* intel_strip_markup of len bytes at in (html: HTML rules, else XML) is exactly want. */
static void strip_is(const char *in, size_t len, int html, const char *want)
{
    size_t n;
    char *t = intel_strip_markup(in, len, html, &n);
    assert_non_null(t);
    assert_string_equal(t, want);
    assert_int_equal(n, strlen(want));
    free(t);
}

static void markup_html(void **state)
{
    (void)state;
    static const char html[] =
        "<!DOCTYPE html><html><head><title>The title</title>"
        "<style>body { color: red } p > a { }</style>"
        "<script type=\"text/javascript\">var s = \"<p>not text</p>\"; //<![CDATA[\n x < y "
        "//]]></script></head>\n<body class='a>b'><h1>Heading</h1>"
        "<p>One &amp; two&nbsp;three &#x41;&#66; &lt;tag&gt; &bogus; &#0; caf\xC3\xA9</p>"
        "<!-- a <p>comment</p> --><ul><li>first</li><LI>second</LI></ul>"
        "<table><tr><td>c1</td><td>c2</td></tr><tr><td>c3</td></tr></table>"
        "<pre>  x = 1\n    y</pre><p>a<br>b<br/>c</p>text   with\n\n  spaces"
        "<SCRIPT>alert('</scrip')</SCRIPT >end</body></html>";
    strip_is(html, sizeof html - 1, 1,
             "The title\n\nHeading\n\nOne & two three AB <tag> &bogus; \xEF\xBF\xBD caf\xC3\xA9\n\n"
             "first\nsecond\n\nc1 c2\nc3\n\n  x = 1\n    y\n\na\nb\nc\n\ntext with spaces\nend");
}

static void markup_xml(void **state)
{
    (void)state;
    static const char xml[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE r [ <!ENTITY e \"x\"> <!ELEMENT r ANY> ]>\n"
        "<r xmlns:x=\"u\"><a>one</a><x:b>two <![CDATA[<three> & four]]></x:b><e/>"
        "<script>dropped <i>too</i></script><c attr=\"&gt;\">five &apos;6&apos;</c></r>";
    strip_is(xml, sizeof xml - 1, 0, "one\ntwo <three> & four\nfive '6'");
}

/* Invalid UTF-8, NULs, unterminated constructs: valid output, never a read past the input. */
static void markup_garbage(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "<p>a\xff\xfe\0b</p>", "<!-- never closed", "<![CDATA[ open", "<a href=\"x>text",
        "<script>never closed", "&#xFFFFFFFFFF; &#55296; &#x110000; &", "< p> a < b >",
        "<?pi never", "<!DOCTYPE [ [ [", "</>", "<", "&#", "&#x;",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i]);
        if (i == 0)
            len = 12; /* the NUL inside */
        for (int html = 0; html <= 1; html++) {
            char *in = malloc(len ? len : 1); /* exact size: ASan sees any overread */
            memcpy(in, cases[i], len);
            size_t n;
            char *t = intel_strip_markup(in, len, html, &n);
            assert_non_null(t);
            assert_int_equal(strlen(t), n);
            assert_true(valid_utf8(t, n));
            free(t);
            free(in);
        }
    }
    strip_is("<p>a\xff\xfe\0b</p>", 12, 1, "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
    strip_is("&#xFFFFFFFFFF; &#55296; x < y", 29, 1, "\xEF\xBF\xBD \xEF\xBF\xBD x < y");
}

static void markup_deep_nesting(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    for (int i = 0; i < 10000; i++)
        assert_true(fio_buf_append_str(&b, "<div><span>"));
    assert_true(fio_buf_append_str(&b, "deep"));
    for (int i = 0; i < 10000; i++)
        assert_true(fio_buf_append_str(&b, "</span></div>"));
    for (int html = 0; html <= 1; html++)
        strip_is(b.data, b.len, html, "deep");
    /* 10,000 open <pre> and <script> in XML, never closed: counters, no stack */
    fio_buf_reset(&b);
    for (int i = 0; i < 10000; i++)
        assert_true(fio_buf_append_str(&b, "<pre><script>"));
    assert_true(fio_buf_append_str(&b, "x"));
    strip_is(b.data, b.len, 0, "");
    struct intel_doc d = {0};
    char reason[256];
    assert_int_equal(extract(b.data, b.len, "deep.html", NULL, &d, reason), 0);
    intel_doc_free(&d);
    fio_buf_release(&b);
}

/* ---- formats -------------------------------------------------------------------------------- */

static void detect_formats(void **state)
{
    (void)state;
#define D(lit) lit, sizeof(lit) - 1
    struct {
        const char *name, *mime, *data;
        size_t len;
        enum intel_format want;
    } T[] = {
        {"a.txt", NULL, D("hello"), INTEL_FMT_TEXT},
        {"README", NULL, D("hello"), INTEL_FMT_TEXT},
        {"a.MD", NULL, D("# x"), INTEL_FMT_MARKDOWN},
        {"x.note", NULL, D("# x"), INTEL_FMT_NOTE},
        {"dir/main.c", NULL, D("int x;"), INTEL_FMT_CODE},
        {"Makefile", NULL, D("all:"), INTEL_FMT_CODE},
        {"t.csv", NULL, D("a,b"), INTEL_FMT_CSV},
        {"t.json", NULL, D("{}"), INTEL_FMT_JSON},
        {"noext", "application/json", D("{}"), INTEL_FMT_JSON},
        {"p.htm", NULL, D("x"), INTEL_FMT_HTML},
        {"noext", NULL, D("\n <!doctype HTML><p>x"), INTEL_FMT_HTML},
        {"noext", NULL, D("<?xml version='1.0'?><r/>"), INTEL_FMT_XML},
        {"noext", "text/html; charset=utf-8", D("x"), INTEL_FMT_HTML},
        {"d.pdf", NULL, D("junk"), INTEL_FMT_PDF},
        {"noname", NULL, D("%PDF-1.4\n"), INTEL_FMT_PDF},
        {"a.txt", NULL, D("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), INTEL_FMT_BINARY},
        {"a.png", NULL, D("text really"), INTEL_FMT_BINARY},
        {"noext", "image/png", D("abc"), INTEL_FMT_BINARY},
        {"noext", NULL, D("ab\0cd"), INTEL_FMT_BINARY},
        {"noext", NULL, D("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e"), INTEL_FMT_BINARY},
        {"noext", NULL, D("PK\x03\x04 random zip"), INTEL_FMT_BINARY},
        {"noext", NULL, D("PK\x03\x04....word/document.xml"), INTEL_FMT_DOCX},
        {"x.docx", NULL, D("not a zip"), INTEL_FMT_DOCX},
        {"", NULL, D(""), INTEL_FMT_TEXT},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        enum intel_format f = intel_detect_format(T[i].data, T[i].len, T[i].name, T[i].mime);
        if (f != T[i].want)
            fail_msg("case %zu (%s): got %s, want %s", i, T[i].name, intel_format_name(f),
                     intel_format_name(T[i].want));
    }
#undef D
}

static void text_formats(void **state)
{
    (void)state;
    struct {
        const char *name, *data;
        enum intel_format fmt;
        const char *want; /* joined passages */
    } T[] = {
        {"n.txt", "Hello\r\nworld\0!", INTEL_FMT_TEXT, "Hello\nworld!"},
        {"n.md", "# Title\n\nSome *text*.", INTEL_FMT_MARKDOWN, "# Title\nSome *text*."},
        {"My note.note", "## Plan\n- a\n- b", INTEL_FMT_NOTE, "## Plan\n- a\n- b"},
        {"x.py", "def f():\n    return 1\n", INTEL_FMT_CODE, "def f():\nreturn 1"},
        {"t.csv", "name,qty\nbolt,4\n", INTEL_FMT_CSV, "name,qty\nbolt,4"},
        {"t.json", "{\"k\": \"v\"}", INTEL_FMT_JSON, "{\"k\": \"v\"}"},
        {"p.html", "<p>Para one.</p><p>Two</p>", INTEL_FMT_HTML, "Para one.\nTwo"},
        {"r.xml", "<r><a>x</a><b>y</b></r>", INTEL_FMT_XML, "x\ny"},
        {"latin1.txt", "Ma\xEEtre d'h\xF4tel", INTEL_FMT_TEXT, "Ma\xC3\xAEtre d'h\xC3\xB4tel"},
        {"old.html", "<p>Caf\xE9 &amp; cr\xE8me</p>", INTEL_FMT_HTML,
         "Caf\xC3\xA9 & cr\xC3\xA8me"},
        {"noname", "Un texte fran\xE7" "ais \xE0 l'ancienne, \xE9" "crit en Latin-1.",
         INTEL_FMT_TEXT,
         "Un texte fran\xC3\xA7" "ais \xC3\xA0 l'ancienne, \xC3\xA9" "crit en Latin-1."},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        struct intel_doc d;
        char reason[256];
        size_t len = strlen(T[i].data);
        if (i == 0)
            len = 14;
        assert_int_equal(extract(T[i].data, len, T[i].name, NULL, &d, reason), 0);
        check_doc(&d);
        assert_int_equal(d.is_text, 1);
        assert_int_equal(d.format, T[i].fmt);
        assert_int_equal(d.n_passages, 1);
        assert_string_equal(d.passages[0].text, T[i].want);
        assert_int_equal(d.passages[0].page, 0);
        intel_doc_free(&d);
    }
}

static void binary_is_not_text(void **state)
{
    (void)state;
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDRxxxxxx";
    struct intel_doc d;
    char reason[256] = "untouched";
    assert_int_equal(extract(png, sizeof png - 1, "photo.png", NULL, &d, reason), 0);
    assert_int_equal(d.is_text, 0);
    assert_int_equal(d.format, INTEL_FMT_BINARY);
    assert_int_equal(d.n_passages, 0);
    intel_doc_free(&d);
    unsigned char rnd[4096];
    unsigned x = 7;
    for (size_t i = 0; i < sizeof rnd; i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (unsigned char)(x >> 16);
    }
    assert_int_equal(extract(rnd, sizeof rnd, "blob", NULL, &d, reason), 0);
    assert_int_equal(d.is_text, 0);
    intel_doc_free(&d);
}

static void extract_file_and_limits(void **state)
{
    (void)state;
    char dir[] = "/tmp/fio-extract-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "Line %d has some words in it.\n", i);
    fclose(f);
    struct intel_doc d;
    char reason[256];
    assert_int_equal(intel_extract_file(path, "a.txt", "text/plain", NULL, &d, reason,
                                        sizeof reason), 0);
    check_doc(&d);
    assert_true(d.n_passages >= 30);
    assert_int_equal(d.passages[0].line_start, 1);
    assert_int_equal(d.passages[d.n_passages - 1].line_end, 1000);
    intel_doc_free(&d);

    /* input over the limit: refused before reading */
    struct intel_limits lim;
    intel_limits_default(&lim);
    lim.max_input_bytes = 1000;
    assert_int_equal(intel_extract_file(path, "a.txt", NULL, &lim, &d, reason, sizeof reason),
                     -1);
    assert_non_null(strstr(reason, "too large"));
    assert_int_equal(d.n_passages, 0);
    /* text over the limit */
    intel_limits_default(&lim);
    lim.max_text_bytes = 1000;
    assert_int_equal(intel_extract_file(path, "a.txt", NULL, &lim, &d, reason, sizeof reason),
                     -1);
    assert_non_null(strstr(reason, "too large"));
    assert_null(d.passages);
    /* a missing file */
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    assert_int_equal(intel_extract_file(path, "missing.txt", NULL, NULL, &d, reason,
                                        sizeof reason), -1);
    assert_non_null(strstr(reason, "cannot open"));
    snprintf(path, sizeof path, "%s/a.txt", dir);
    unlink(path);
    rmdir(dir);
}

/* The time limit, checked after the work: 8 MB of text cannot be cleaned and split in 1 ms. */
static void time_limit(void **state)
{
    (void)state;
    size_t n = 8u * 1024 * 1024;
    char *t = malloc(n);
    for (size_t i = 0; i < n; i++)
        t[i] = (i % 7 == 6) ? ' ' : (char)('a' + i % 26);
    struct intel_limits lim;
    intel_limits_default(&lim);
    lim.max_ms = 1;
    struct intel_doc d;
    char reason[256];
    assert_int_equal(extract(t, n, "big.txt", &lim, &d, reason), -1);
    assert_non_null(strstr(reason, "time limit"));
    assert_int_equal(d.n_passages, 0);
    free(t);
}

/* ---- PDF ---------------------------------------------------------------------------------- */

static const char *const PDF_PAGES[] = {
    "First page title\nThe quick brown fox.",
    "Second page says hello.\nIt has two lines.\nNo, three.",
    "Third and last page.",
};

static void pdf_pages(void **state)
{
    (void)state;
    size_t len;
    char *pdf = pdfgen_make(PDF_PAGES, 3, false, &len);
    struct intel_doc d;
    extract_ok(pdf, len, "report.pdf", &d, INTEL_FMT_PDF);
    char reason[256] = "";
    assert_int_equal(d.n_pages, 3);
    assert_int_equal(d.n_passages, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(d.passages[i].page, i + 1);
    assert_string_equal(d.passages[0].text, "First page title\nThe quick brown fox.");
    assert_string_equal(d.passages[1].text, "Second page says hello.\nIt has two lines.\nNo, three.");
    assert_int_equal(d.passages[1].line_start, 1);
    assert_int_equal(d.passages[1].line_end, 3);
    assert_string_equal(d.passages[2].text, "Third and last page.");
    intel_doc_free(&d);

    /* the same bytes without a name are still a PDF (magic bytes) */
    assert_int_equal(extract(pdf, len, "upload.bin", NULL, &d, reason), 0);
    assert_int_equal(d.n_passages, 3);
    intel_doc_free(&d);
    free(pdf);
}

static void pdf_encrypted(void **state)
{
    (void)state;
    size_t len;
    char *pdf = pdfgen_make(PDF_PAGES, 1, true, &len);
    struct intel_doc d;
    char reason[256];
    assert_int_equal(extract(pdf, len, "secret.pdf", NULL, &d, reason), -1);
    assert_string_equal(reason, "pdf: encrypted (a password is needed to open it)");
    assert_null(d.passages);
    free(pdf);
}

/* Every prefix of a valid PDF (step 7 bytes) and a garbage PDF: a doc or a reason, never a
 * crash, and nothing written to stdout or stderr (poppler's complaints are silenced). */
static void pdf_truncated_and_garbage(void **state)
{
    (void)state;
    /* GLib would print poppler's INFO messages with this set; the extractor's handler must not */
    setenv("G_MESSAGES_DEBUG", "all", 1);
    size_t len;
    char *pdf = pdfgen_make(PDF_PAGES, 3, false, &len);
    char errpath[] = "/tmp/fio-extract-stderr-XXXXXX";
    int efd = mkstemp(errpath);
    assert_true(efd >= 0);
    fflush(stdout);
    fflush(stderr);
    int saved = dup(2), saved_out = dup(1); /* GLib prints INFO to stdout, warnings to stderr */
    dup2(efd, 2);
    dup2(efd, 1);
    int failed = 0, ok = 0;
    for (size_t cut = 0; cut < len; cut += 7) {
        char *p = malloc(cut ? cut : 1);
        memcpy(p, pdf, cut);
        struct intel_doc d;
        char reason[256] = "";
        int rc = extract(p, cut, "cut.pdf", NULL, &d, reason);
        if (rc == 0) {
            check_doc(&d);
            for (size_t i = 0; i < d.n_passages; i++)
                assert_true(d.passages[i].page >= 1 && d.passages[i].page <= 3);
            ok++;
        } else {
            assert_memory_equal(reason, "pdf: ", 5);
            failed++;
        }
        intel_doc_free(&d);
        free(p);
    }
    /* garbage named .pdf, and a PDF header followed by garbage */
    struct intel_doc d;
    char reason[256];
    assert_int_equal(extract("this is not a pdf", 17, "fake.pdf", NULL, &d, reason), -1);
    assert_non_null(strstr(reason, "pdf: not a PDF file"));
    static const char junk[] = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage "
                               "trailer << /Root 1 0 R >> %%EOF";
    assert_int_equal(extract(junk, sizeof junk - 1, "junk.pdf", NULL, &d, reason), -1);
    assert_memory_equal(reason, "pdf: ", 5);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, 2);
    dup2(saved_out, 1);
    close(saved);
    close(saved_out);
    struct stat st;
    assert_int_equal(fstat(efd, &st), 0);
    close(efd);
    unlink(errpath);
    assert_int_equal(st.st_size, 0); /* nothing on stdout or stderr */
    assert_true(failed > 0);
    assert_true(ok + failed > 10);
    /* the early prefixes (no xref, no pages) cannot be documents with text */
    struct intel_doc e;
    assert_int_equal(extract(pdf, 20, "cut.pdf", NULL, &e, reason), -1);
    free(pdf);
}

/* A clock that advances 1 ms every time it is read: a limit of max_ms expires on the
 * (max_ms + 1)th check whatever the machine's speed (a real 1 ms limit once passed on a fast
 * machine that read all 25 pages within the millisecond). */
static uint64_t step_clock(void *ctx)
{
    uint64_t *t = ctx;
    return (*t)++;
}

/* The time limit is checked between pages: with the stepping clock and 1 ms, the second page
 * check fails; with 1000 ms, 25 pages (about 26 reads) pass. */
static void pdf_time_limit(void **state)
{
    (void)state;
    const char *pages[25];
    for (int i = 0; i < 25; i++)
        pages[i] = "A line of text on a page of a long document.\nAnd a second line.";
    size_t len;
    char *pdf = pdfgen_make(pages, 25, false, &len);
    struct intel_doc d;
    char reason[256];
    assert_int_equal(extract(pdf, len, "long.pdf", NULL, &d, reason), 0);
    assert_int_equal(d.n_pages, 25);
    assert_int_equal(d.n_passages, 25);
    assert_int_equal(d.passages[24].page, 25);
    intel_doc_free(&d);
    uint64_t t = 0;
    struct intel_limits lim;
    intel_limits_default(&lim);
    lim.clock_ms = step_clock;
    lim.clock_ctx = &t;
    lim.max_ms = 1000;
    assert_int_equal(extract(pdf, len, "long.pdf", &lim, &d, reason), 0);
    assert_int_equal(d.n_pages, 25);
    assert_true(t > 25 && t < 1000); /* one read per page at least, and the limit not reached */
    intel_doc_free(&d);
    t = 0;
    lim.max_ms = 1;
    assert_int_equal(extract(pdf, len, "long.pdf", &lim, &d, reason), -1);
    assert_non_null(strstr(reason, "time limit"));
    assert_null(d.passages);
    assert_true(t < 10); /* stopped at once, not after reading the rest */
    free(pdf);
}

/* ---- zipped office formats ---------------------------------------------------------------- */

struct zentry {
    const char *name;
    const char *data;
    size_t len; /* 0 = strlen */
    int store;  /* no compression */
};

/* Zips entries with libzip into a file under /tmp, and returns its bytes. */
static char *make_zip(const struct zentry *e, size_t n, size_t *len)
{
    char path[] = "/tmp/fio-extract-zip-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int err = 0;
    zip_t *za = zip_open(path, ZIP_TRUNCATE | ZIP_CREATE, &err);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        size_t l = e[i].len ? e[i].len : strlen(e[i].data);
        zip_source_t *s = zip_source_buffer(za, e[i].data, l, 0);
        assert_non_null(s);
        zip_int64_t idx = zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8);
        assert_true(idx >= 0);
        if (e[i].store)
            assert_int_equal(zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
    }
    assert_int_equal(zip_close(za), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)sz);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    unlink(path);
    *len = (size_t)sz;
    return buf;
}

static const char DOCX_CT[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
    "package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"appli"
    "cation/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";

static const char DOCX_DOC[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
    "<w:body><w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>"
    "<w:r><w:t>Quar</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>terly</w:t></w:r>"
    "<w:r><w:t xml:space=\"preserve\"> report &amp; plan</w:t></w:r></w:p>"
    "<w:p><w:r><w:t>Revenue</w:t><w:tab/><w:t>42</w:t><w:br/><w:t>Costs</w:t></w:r>"
    "<w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:delText>deleted</w:delText></w:r>"
    "</w:p><w:sectPr/></w:body></w:document>";

static void docx_text(void **state)
{
    (void)state;
    struct zentry e[] = {{"[Content_Types].xml", DOCX_CT, 0, 0},
                         {"word/document.xml", DOCX_DOC, 0, 0}};
    size_t len;
    char *z = make_zip(e, 2, &len);
    struct intel_doc d;
    extract_ok(z, len, "Report.docx", &d, INTEL_FMT_DOCX);
    char reason[256] = "";
    assert_int_equal(d.n_passages, 1);
    assert_string_equal(d.passages[0].text, "Quarterly report & plan\nRevenue 42\nCosts");
    assert_int_equal(d.passages[0].page, 0);
    assert_int_equal(d.passages[0].line_start, 1);
    assert_int_equal(d.passages[0].line_end, 3);
    intel_doc_free(&d);
    /* sniffed without the extension */
    assert_int_equal(extract(z, len, "download", NULL, &d, reason), 0);
    assert_int_equal(d.format, INTEL_FMT_DOCX);
    intel_doc_free(&d);
    free(z);

    /* footnotes follow the body (the separator footnote has no text) */
    struct zentry fn[] = {
        {"word/document.xml", DOCX_DOC, 0, 0},
        {"word/footnotes.xml",
         "<w:footnotes xmlns:w=\"w\"><w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:r>"
         "<w:separator/></w:r></w:p></w:footnote><w:footnote w:id=\"1\"><w:p><w:r><w:t>See "
         "the annex.</w:t></w:r></w:p></w:footnote></w:footnotes>",
         0, 0}};
    z = make_zip(fn, 2, &len);
    assert_int_equal(extract(z, len, "notes.docx", NULL, &d, reason), 0);
    assert_int_equal(d.n_passages, 1);
    assert_string_equal(d.passages[0].text,
                        "Quarterly report & plan\nRevenue 42\nCosts\nSee the annex.");
    assert_int_equal(d.passages[0].line_end, 4);
    intel_doc_free(&d);
    free(z);

    /* a zip without word/document.xml, and a non-zip, named .docx */
    struct zentry other[] = {{"hello.txt", "hi", 0, 0}};
    z = make_zip(other, 1, &len);
    assert_int_equal(extract(z, len, "x.docx", NULL, &d, reason), -1);
    assert_non_null(strstr(reason, "docx: no word/document.xml"));
    free(z);
    assert_int_equal(extract("plain text", 10, "x.docx", NULL, &d, reason), -1);
    assert_non_null(strstr(reason, "docx: not a zip archive"));
    static const char ole[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 rest";
    assert_int_equal(extract(ole, sizeof ole - 1, "x.docx", NULL, &d, reason), -1);
    assert_non_null(strstr(reason, "password-protected"));
}

static const char ODT_CONTENT[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content "
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body>"
    "<office:text><text:sequence-decls><text:sequence-decl text:name=\"Table\"/>"
    "</text:sequence-decls><text:h text:outline-level=\"1\">Meeting notes</text:h>"
    "<text:p text:style-name=\"P1\">Alpha<text:s text:c=\"3\"/>beta<text:tab/>gamma"
    "<text:line-break/>delta <text:span text:style-name=\"T1\">epsilon</text:span>.</text:p>"
    "</office:text></office:body></office:document-content>";

static void odt_text(void **state)
{
    (void)state;
    struct zentry e[] = {{"mimetype", "application/vnd.oasis.opendocument.text", 0, 1},
                         {"content.xml", ODT_CONTENT, 0, 0},
                         {"META-INF/manifest.xml", "<manifest:manifest/>", 0, 0}};
    size_t len;
    char *z = make_zip(e, 3, &len);
    struct intel_doc d;
    extract_ok(z, len, "notes.odt", &d, INTEL_FMT_ODT);
    char reason[256] = "";
    assert_int_equal(d.n_passages, 1);
    assert_string_equal(d.passages[0].text, "Meeting notes\nAlpha beta gamma\ndelta epsilon.");
    intel_doc_free(&d);
    assert_int_equal(extract(z, len, "noext", NULL, &d, reason), 0);
    assert_int_equal(d.format, INTEL_FMT_ODT);
    intel_doc_free(&d);
    free(z);

    struct zentry enc[] = {{"mimetype", "application/vnd.oasis.opendocument.text", 0, 1},
                           {"content.xml", "\x01\x02 encrypted bytes", 0, 0},
                           {"META-INF/manifest.xml",
                            "<manifest:manifest><manifest:file-entry><manifest:encryption-data/>"
                            "</manifest:file-entry></manifest:manifest>", 0, 0}};
    z = make_zip(enc, 3, &len);
    assert_int_equal(extract(z, len, "locked.odt", NULL, &d, reason), -1);
    assert_string_equal(reason, "odt: encrypted (a password is needed to open it)");
    free(z);
}

static char *slide_xml(const char *title, const char *body)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    assert_true(fio_buf_printf(
        &b,
        "<?xml version=\"1.0\"?><p:sld xmlns:a=\"http://schemas.openxmlformats.org/drawingml/"
        "2006/main\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\">"
        "<p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/><a:p><a:r><a:rPr lang=\"en-US\"/>"
        "<a:t>%s</a:t></a:r></a:p></p:txBody></p:sp><p:sp><p:txBody><a:p><a:r><a:t>%s</a:t>"
        "</a:r><a:br/><a:r><a:t>more</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld>"
        "</p:sld>",
        title, body));
    return fio_buf_steal(&b);
}

static void pptx_slides(void **state)
{
    (void)state;
    char *s1 = slide_xml("Intro", "Welcome"), *s2 = slide_xml("Numbers", "Up 5%"),
         *s10 = slide_xml("End", "Thanks");
    /* presentation order: slide2, slide10, slide1 (not the file order nor the numbers) */
    static const char pres[] =
        "<p:presentation xmlns:p=\"p\" xmlns:r=\"r\"><p:sldIdLst><p:sldId id=\"256\" "
        "r:id=\"rId3\"/><p:sldId id=\"257\" r:id=\"rId7\"/><p:sldId id=\"258\" r:id=\"rId2\"/>"
        "</p:sldIdLst></p:presentation>";
    static const char rels[] =
        "<Relationships xmlns=\"x\"><Relationship Id=\"rId2\" Type=\"t/slide\" "
        "Target=\"slides/slide1.xml\"/><Relationship Id=\"rId3\" Type=\"t/slide\" "
        "Target=\"slides/slide2.xml\"/><Relationship Id=\"rId7\" Type=\"t/slide\" "
        "Target=\"/ppt/slides/slide10.xml\"/></Relationships>";
    struct zentry e[] = {{"[Content_Types].xml", "<Types/>", 0, 0},
                         {"ppt/presentation.xml", pres, 0, 0},
                         {"ppt/_rels/presentation.xml.rels", rels, 0, 0},
                         {"ppt/slides/slide1.xml", s1, 0, 0},
                         {"ppt/slides/slide10.xml", s10, 0, 0},
                         {"ppt/slides/_rels/slide1.xml.rels", "<Relationships/>", 0, 0},
                         {"ppt/slides/slide2.xml", s2, 0, 0}};
    size_t len;
    char *z = make_zip(e, 7, &len);
    struct intel_doc d;
    extract_ok(z, len, "deck.pptx", &d, INTEL_FMT_PPTX);
    char reason[256] = "";
    assert_int_equal(d.n_pages, 3);
    assert_int_equal(d.n_passages, 3);
    assert_string_equal(d.passages[0].text, "Numbers\nUp 5%\nmore");
    assert_int_equal(d.passages[0].page, 1);
    assert_string_equal(d.passages[1].text, "End\nThanks\nmore");
    assert_int_equal(d.passages[1].page, 2);
    assert_string_equal(d.passages[2].text, "Intro\nWelcome\nmore");
    assert_int_equal(d.passages[2].page, 3);
    assert_int_equal(d.passages[2].line_end, 3);
    intel_doc_free(&d);
    free(z);

    /* without presentation.xml: by slide number */
    struct zentry f[] = {{"ppt/slides/slide10.xml", s10, 0, 0},
                         {"ppt/slides/slide2.xml", s2, 0, 0},
                         {"ppt/slides/slide1.xml", s1, 0, 0}};
    z = make_zip(f, 3, &len);
    assert_int_equal(extract(z, len, "deck.pptx", NULL, &d, reason), 0);
    assert_int_equal(d.n_passages, 3);
    assert_memory_equal(d.passages[0].text, "Intro", 5);
    assert_memory_equal(d.passages[1].text, "Numbers", 7);
    assert_memory_equal(d.passages[2].text, "End", 3);
    intel_doc_free(&d);
    free(z);
    free(s1);
    free(s2);
    free(s10);
}

/* A 4 MiB document.xml deflates to a few KiB; with a 1 MiB uncompressed cap it is refused.
 * Three slides of 400 KiB each: each passes alone, together they pass the cap while streaming. */
static void zip_bombs(void **state)
{
    (void)state;
    size_t big = 4u * 1024 * 1024;
    char *x = malloc(big + 1);
    memcpy(x, "<w:document><w:body><w:p><w:t>", 30);
    memset(x + 30, 'a', big - 30);
    x[big] = '\0';
    struct zentry e[] = {{"word/document.xml", x, big, 0}};
    size_t len;
    char *z = make_zip(e, 1, &len);
    assert_true(len < 64 * 1024);
    struct intel_limits lim;
    intel_limits_default(&lim);
    lim.max_input_bytes = 1024 * 1024;
    struct intel_doc d;
    char reason[256];
    assert_int_equal(extract(z, len, "bomb.docx", &lim, &d, reason), -1);
    assert_non_null(strstr(reason, "zip bomb"));
    assert_null(d.passages);
    free(z);

    size_t sz = 400u * 1024;
    char *s = malloc(sz + 1);
    memcpy(s, "<a:t>", 5);
    for (size_t i = 5; i < sz; i++)
        s[i] = (i % 8 == 0) ? ' ' : 'b';
    s[sz] = '\0';
    struct zentry p[] = {{"ppt/slides/slide1.xml", s, sz, 0},
                         {"ppt/slides/slide2.xml", s, sz, 0},
                         {"ppt/slides/slide3.xml", s, sz, 0}};
    z = make_zip(p, 3, &len);
    assert_int_equal(extract(z, len, "bomb.pptx", &lim, &d, reason), -1);
    assert_non_null(strstr(reason, "zip bomb"));
    /* with the default cap, the same deck is fine: three pages */
    assert_int_equal(extract(z, len, "ok.pptx", NULL, &d, reason), 0);
    check_doc(&d);
    assert_int_equal(d.n_pages, 3);
    assert_int_equal(d.passages[d.n_passages - 1].page, 3);
    intel_doc_free(&d);
    free(z);
    free(s);
    free(x);
}

/* A damaged archive: every prefix and a byte flipped at every 13th offset of a DOCX. */
static void zip_damaged(void **state)
{
    (void)state;
    struct zentry e[] = {{"[Content_Types].xml", DOCX_CT, 0, 0},
                         {"word/document.xml", DOCX_DOC, 0, 0}};
    size_t len;
    char *z = make_zip(e, 2, &len);
    for (size_t cut = 0; cut < len; cut += 11) {
        char *p = malloc(cut ? cut : 1);
        memcpy(p, z, cut);
        struct intel_doc d;
        char reason[256] = "";
        if (extract(p, cut, "cut.docx", NULL, &d, reason) == 0)
            check_doc(&d);
        else
            assert_memory_equal(reason, "docx: ", 6);
        intel_doc_free(&d);
        free(p);
    }
    for (size_t at = 0; at < len; at += 13) {
        char *p = malloc(len);
        memcpy(p, z, len);
        p[at] ^= 0x5a;
        struct intel_doc d;
        char reason[256] = "";
        if (extract(p, len, "flip.docx", NULL, &d, reason) == 0)
            check_doc(&d);
        else
            assert_true(strlen(reason) > 0);
        intel_doc_free(&d);
        free(p);
    }
    free(z);
}

/* The indexer runs extractions on several threads at once: 4 threads, each extracting the same
 * PDF and DOCX 10 times, all results equal to a single-threaded one. */
struct conc_arg {
    const char *pdf, *docx;
    size_t pdf_len, docx_len;
    size_t want_pdf, want_docx; /* passage text bytes */
    int bad;
};

static size_t text_sum(const struct intel_doc *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_passages; i++)
        n += d->passages[i].len * (size_t)(d->passages[i].page + 1);
    return n;
}

static void *conc_worker(void *p)
{
    struct conc_arg *a = p;
    for (int i = 0; i < 10; i++) {
        struct intel_doc d;
        char reason[256];
        if (intel_extract_mem(a->pdf, a->pdf_len, "c.pdf", NULL, NULL, &d, reason, 256) != 0 ||
            text_sum(&d) != a->want_pdf)
            a->bad = 1;
        intel_doc_free(&d);
        if (intel_extract_mem(a->docx, a->docx_len, "c.docx", NULL, NULL, &d, reason, 256) != 0 ||
            text_sum(&d) != a->want_docx)
            a->bad = 1;
        intel_doc_free(&d);
    }
    return NULL;
}

static void concurrent_extractions(void **state)
{
    (void)state;
    size_t pl, dl;
    char *pdf = pdfgen_make(PDF_PAGES, 3, false, &pl);
    struct zentry e[] = {{"word/document.xml", DOCX_DOC, 0, 0}};
    char *docx = make_zip(e, 1, &dl);
    struct intel_doc d;
    char reason[256];
    assert_int_equal(extract(pdf, pl, "c.pdf", NULL, &d, reason), 0);
    size_t wp = text_sum(&d);
    intel_doc_free(&d);
    assert_int_equal(extract(docx, dl, "c.docx", NULL, &d, reason), 0);
    size_t wd = text_sum(&d);
    intel_doc_free(&d);
    assert_true(wp > 0 && wd > 0);
    struct conc_arg args[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct conc_arg){pdf, docx, pl, dl, wp, wd, 0};
        assert_int_equal(pthread_create(&th[i], NULL, conc_worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
    free(pdf);
    free(docx);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(utf8_clean_rules),
    cmocka_unit_test(split_prefers_paragraphs),
    cmocka_unit_test(split_prefers_sentences),
    cmocka_unit_test(split_line_spans),
    cmocka_unit_test(split_empty_and_deterministic),
    cmocka_unit_test(split_huge_line),
    cmocka_unit_test(markup_html),
    cmocka_unit_test(markup_xml),
    cmocka_unit_test(markup_garbage),
    cmocka_unit_test(markup_deep_nesting),
    cmocka_unit_test(detect_formats),
    cmocka_unit_test(text_formats),
    cmocka_unit_test(binary_is_not_text),
    cmocka_unit_test(extract_file_and_limits),
    cmocka_unit_test(time_limit),
    cmocka_unit_test(pdf_pages),
    cmocka_unit_test(pdf_encrypted),
    cmocka_unit_test(pdf_truncated_and_garbage),
    cmocka_unit_test(pdf_time_limit),
    cmocka_unit_test(docx_text),
    cmocka_unit_test(odt_text),
    cmocka_unit_test(pptx_slides),
    cmocka_unit_test(zip_bombs),
    cmocka_unit_test(zip_damaged),
    cmocka_unit_test(concurrent_extractions),
};
TEST_MAIN(tests)
