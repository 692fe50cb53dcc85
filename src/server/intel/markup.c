/* SPDX-License-Identifier: MIT */
/* markup.c - HTML/XML to text in one pass (extract.h intel_strip_markup, and the profiles the
 * office formats use). No tree and no recursion: the state is a handful of counters (inside
 * <pre>, inside a dropped element, inside a text element of an office profile), so any nesting
 * depth costs nothing. Bytes that are not valid UTF-8 become U+FFFD, NULs are dropped.
 *
 * Text:  runs of white space collapse to one space (not inside <pre>/<textarea>); a block
 *        element becomes a line end, a paragraph-like one a blank line; entities are decoded
 *        (the XML five, numeric ones, and the common HTML names; an unknown one stays as is).
 * Drops: comments, <!DOCTYPE ...> (with an internal subset), processing instructions, and the
 *        content of <script> and <style> (in HTML their raw text up to the end tag, CDATA and
 *        all; in XML, everything until the matching end tag). CDATA elsewhere is text. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel_internal.h"

#define COUNTER_MAX 1000000

enum brk { BRK_NONE = 0, BRK_SPACE = 1, BRK_LINE = 2, BRK_PARA = 3 };

enum act {
    ACT_NONE = 0,
    ACT_SPACE,   /* a space before and after */
    ACT_LINE,    /* a line end before and after */
    ACT_PARA,    /* a blank line before and after */
    ACT_PRE,     /* a blank line, and white space kept inside */
    ACT_RAW,     /* HTML script/style: raw text dropped up to its end tag */
    ACT_DROP,    /* XML: content dropped up to the matching end tag */
    ACT_CAPTURE, /* office: text kept only inside these; a line end after */
    ACT_CAPTURE_INLINE, /* office: text kept only inside these (w:t, a:t) */
};

struct writer {
    struct fio_buf *out;
    int pending;   /* enum brk still to write before the next character */
    int pre;       /* inside <pre> (counter) */
    int drop;      /* inside dropped elements (counter) */
    int capture;   /* office: inside text elements (counter); HTML/XML: unused */
    int need_capture;
    int failed;
};

static void put_raw(struct writer *w, const char *p, size_t n)
{
    if (!w->failed && !fio_buf_append(w->out, p, n))
        w->failed = 1;
}

static int keeping(const struct writer *w)
{
    return w->drop == 0 && (!w->need_capture || w->capture > 0);
}

/* Writes the pending break before the next character. A line end or blank line absorbs the
 * white space already at the end of the output (from <pre> text), so breaks never pile up. */
static void flush_pending(struct writer *w)
{
    struct fio_buf *o = w->out;
    if (w->pending != BRK_NONE && o->len > 0) {
        if (w->pending == BRK_SPACE) {
            char last = o->data[o->len - 1];
            if (last != ' ' && last != '\n' && last != '\t')
                put_raw(w, " ", 1);
        } else {
            while (o->len > 0 && (o->data[o->len - 1] == ' ' || o->data[o->len - 1] == '\t'))
                o->data[--o->len] = '\0';
            int have = 0;
            while (have < 2 && o->len > (size_t)have && o->data[o->len - 1 - (size_t)have] == '\n')
                have++;
            int want = w->pending == BRK_LINE ? 1 : 2;
            if (o->len > 0 && want > have)
                put_raw(w, "\n\n", (size_t)(want - have));
        }
    }
    w->pending = BRK_NONE;
}

static void brk(struct writer *w, int kind)
{
    if (kind > w->pending)
        w->pending = kind;
}

/* Text characters (valid UTF-8, no white space, no NUL). */
static void text(struct writer *w, const char *p, size_t n)
{
    if (!keeping(w) || n == 0)
        return;
    flush_pending(w);
    put_raw(w, p, n);
}

/* One white space character of the source. */
static void space(struct writer *w, char c)
{
    if (!keeping(w))
        return;
    if (w->pre > 0) {
        flush_pending(w);
        put_raw(w, c == '\r' ? "\n" : &c, 1);
        return;
    }
    brk(w, BRK_SPACE);
}

static void codepoint(struct writer *w, uint32_t cp)
{
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f') {
        space(w, (char)cp);
        return;
    }
    if (cp == 0xA0) { /* no-break space: a space for the index */
        space(w, ' ');
        return;
    }
    char b[4];
    size_t n = intel_utf8_put(b, cp);
    text(w, b, n);
}

/* Bytes of text: valid UTF-8 copied in runs, white space through space(), NUL dropped, invalid
 * bytes as U+FFFD. */
static void text_bytes(struct writer *w, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n) {
            unsigned char c = s[j];
            if (c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
                break;
            if (c < 0x80) {
                j++;
                continue;
            }
            size_t k = intel_utf8_seq(s + j, n - j);
            if (k == 0)
                break;
            j += k;
        }
        text(w, p + i, j - i);
        if (j >= n)
            break;
        unsigned char c = s[j];
        if (c == 0) {
            j++;
        } else if (c < 0x80) {
            space(w, (char)c);
            j++;
        } else {
            codepoint(w, 0xFFFD);
            j++;
        }
        i = j;
    }
}

/* ---- entities ------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    uint32_t cp;
} ENTITIES[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
    {"nbsp", 0xA0}, {"copy", 0xA9}, {"reg", 0xAE}, {"trade", 0x2122}, {"hellip", 0x2026},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"sbquo", 0x201A}, {"bdquo", 0x201E},
    {"laquo", 0xAB}, {"raquo", 0xBB}, {"bull", 0x2022}, {"middot", 0xB7}, {"deg", 0xB0},
    {"plusmn", 0xB1}, {"times", 0xD7}, {"divide", 0xF7}, {"euro", 0x20AC}, {"pound", 0xA3},
    {"yen", 0xA5}, {"cent", 0xA2}, {"sect", 0xA7}, {"para", 0xB6}, {"iexcl", 0xA1},
    {"iquest", 0xBF}, {"shy", 0xAD}, {"ensp", 0x2002}, {"emsp", 0x2003}, {"thinsp", 0x2009},
    {"zwnj", 0x200C}, {"zwj", 0x200D}, {"larr", 0x2190}, {"rarr", 0x2192}, {"uarr", 0x2191},
    {"darr", 0x2193}, {"harr", 0x2194}, {"le", 0x2264}, {"ge", 0x2265}, {"ne", 0x2260},
    {"frac12", 0xBD}, {"frac14", 0xBC}, {"frac34", 0xBE}, {"sup2", 0xB2}, {"sup3", 0xB3},
    {"micro", 0xB5}, {"szlig", 0xDF}, {"auml", 0xE4}, {"ouml", 0xF6}, {"uuml", 0xFC},
    {"Auml", 0xC4}, {"Ouml", 0xD6}, {"Uuml", 0xDC}, {"eacute", 0xE9}, {"egrave", 0xE8},
    {"ecirc", 0xEA}, {"aacute", 0xE1}, {"agrave", 0xE0}, {"acirc", 0xE2}, {"ccedil", 0xE7},
    {"iacute", 0xED}, {"oacute", 0xF3}, {"uacute", 0xFA}, {"ntilde", 0xF1}, {"Eacute", 0xC9},
    {"Ntilde", 0xD1}, {"oslash", 0xF8}, {"aring", 0xE5}, {"aelig", 0xE6}, {"alpha", 0x3B1},
    {"beta", 0x3B2}, {"gamma", 0x3B3}, {"delta", 0x3B4}, {"pi", 0x3C0}, {"sigma", 0x3C3},
    {"mu", 0x3BC}, {"lambda", 0x3BB}, {"omega", 0x3C9}, {"infin", 0x221E}, {"check", 0x2713},
};

/* A numeric reference: p[0..n) follows "&#"; returns the bytes it used after "&#" (0 = none). */
static size_t numeric_entity(struct writer *w, const char *p, size_t n)
{
    unsigned base = 10;
    size_t i = 0;
    if (n > 0 && (p[0] == 'x' || p[0] == 'X')) {
        base = 16;
        i = 1;
    }
    size_t d0 = i;
    uint32_t v = 0;
    int over = 0;
    while (i < n && i - d0 < 16) {
        unsigned c = (unsigned char)p[i];
        unsigned dv;
        if (c >= '0' && c <= '9')
            dv = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f')
            dv = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F')
            dv = c - 'A' + 10;
        else
            break;
        if (v > 0x10FFFF)
            over = 1;
        else
            v = v * base + dv;
        i++;
    }
    if (i == d0 || i >= n || p[i] != ';')
        return 0;
    codepoint(w, over || v > 0x10FFFF ? 0xFFFD : v);
    return i + 1;
}

/* Decodes the entity at p[0] == '&'; returns the bytes it used (0 = not an entity). */
static size_t entity(struct writer *w, const char *p, size_t n)
{
    if (n >= 2 && p[1] == '#') {
        size_t used = numeric_entity(w, p + 2, n - 2);
        return used ? used + 2 : 0;
    }
    size_t i = 1;
    size_t s0 = i;
    while (i < n && i - s0 <= 8 && isalnum((unsigned char)p[i]))
        i++;
    if (i == s0 || i >= n || p[i] != ';')
        return 0;
    size_t len = i - s0;
    for (size_t k = 0; k < sizeof ENTITIES / sizeof ENTITIES[0]; k++)
        if (strlen(ENTITIES[k].name) == len && memcmp(ENTITIES[k].name, p + s0, len) == 0) {
            codepoint(w, ENTITIES[k].cp);
            return i + 1;
        }
    return 0;
}

/* ---- elements ------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    enum act act;
} HTML_ACTS[] = {
    {"script", ACT_RAW}, {"style", ACT_RAW},
    {"pre", ACT_PRE}, {"textarea", ACT_PRE}, {"listing", ACT_PRE},
    {"p", ACT_PARA}, {"h1", ACT_PARA}, {"h2", ACT_PARA}, {"h3", ACT_PARA}, {"h4", ACT_PARA},
    {"h5", ACT_PARA}, {"h6", ACT_PARA}, {"blockquote", ACT_PARA}, {"table", ACT_PARA},
    {"ul", ACT_PARA}, {"ol", ACT_PARA}, {"dl", ACT_PARA}, {"section", ACT_PARA},
    {"article", ACT_PARA}, {"header", ACT_PARA}, {"footer", ACT_PARA}, {"nav", ACT_PARA},
    {"aside", ACT_PARA}, {"main", ACT_PARA}, {"figure", ACT_PARA}, {"form", ACT_PARA},
    {"fieldset", ACT_PARA}, {"hr", ACT_PARA}, {"address", ACT_PARA}, {"details", ACT_PARA},
    {"title", ACT_PARA}, {"body", ACT_PARA}, {"head", ACT_PARA},
    {"br", ACT_LINE}, {"li", ACT_LINE}, {"tr", ACT_LINE}, {"div", ACT_LINE}, {"dt", ACT_LINE},
    {"dd", ACT_LINE}, {"caption", ACT_LINE}, {"option", ACT_LINE}, {"legend", ACT_LINE},
    {"figcaption", ACT_LINE}, {"summary", ACT_LINE}, {"center", ACT_LINE},
    {"td", ACT_SPACE}, {"th", ACT_SPACE}, {"img", ACT_SPACE}, {"input", ACT_SPACE},
    {"button", ACT_SPACE}, {"select", ACT_SPACE}, {"label", ACT_SPACE},
};

static enum act html_act(const char *name, size_t n)
{
    for (size_t k = 0; k < sizeof HTML_ACTS / sizeof HTML_ACTS[0]; k++)
        if (strlen(HTML_ACTS[k].name) == n && strncasecmp(HTML_ACTS[k].name, name, n) == 0)
            return HTML_ACTS[k].act;
    return ACT_NONE;
}

static int is(const char *name, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(name, lit, n) == 0;
}

static enum act elem_act(enum intel_markup_profile prof, const char *name, size_t n)
{
    if (prof == INTEL_MK_HTML)
        return html_act(name, n);
    /* XML-based: the local name (after the namespace prefix) */
    const char *colon = memchr(name, ':', n);
    const char *local = name;
    size_t ln = n;
    if (colon) {
        local = colon + 1;
        ln = n - (size_t)(colon + 1 - name);
    }
    switch (prof) {
    case INTEL_MK_DOCX:
        if (is(local, ln, "t"))
            return ACT_CAPTURE_INLINE;
        if (is(local, ln, "p") || is(local, ln, "br") || is(local, ln, "cr"))
            return ACT_LINE;
        if (is(local, ln, "tab"))
            return ACT_SPACE;
        return ACT_NONE;
    case INTEL_MK_PPTX:
        if (is(local, ln, "t"))
            return ACT_CAPTURE_INLINE;
        if (is(local, ln, "p") || is(local, ln, "br"))
            return ACT_LINE;
        return ACT_NONE;
    case INTEL_MK_ODT:
        if (is(local, ln, "p") || is(local, ln, "h"))
            return ACT_CAPTURE;
        if (is(local, ln, "line-break"))
            return ACT_LINE;
        if (is(local, ln, "s") || is(local, ln, "tab"))
            return ACT_SPACE;
        return ACT_NONE;
    case INTEL_MK_XML:
        if (is(local, ln, "script") || is(local, ln, "style"))
            return ACT_DROP;
        return ACT_LINE;
    case INTEL_MK_HTML:
        break;
    }
    return ACT_NONE;
}

static void inc(int *c)
{
    if (*c < COUNTER_MAX)
        (*c)++;
}

static void dec(int *c)
{
    if (*c > 0)
        (*c)--;
}

/* A tag has been read: apply what it means. In XML an element that is not known is a space
 * when it starts and a line end when it ends. */
static void apply(struct writer *w, enum intel_markup_profile prof, enum act a, int end,
                  int self_closing)
{
    switch (a) {
    case ACT_NONE:
        break;
    case ACT_SPACE:
        brk(w, BRK_SPACE);
        break;
    case ACT_LINE:
        if (prof == INTEL_MK_XML && !end && !self_closing)
            brk(w, BRK_SPACE);
        else
            brk(w, BRK_LINE);
        break;
    case ACT_PARA:
        brk(w, BRK_PARA);
        break;
    case ACT_PRE:
        brk(w, BRK_PARA);
        if (self_closing)
            break;
        if (end) {
            dec(&w->pre);
        } else {
            inc(&w->pre);
        }
        break;
    case ACT_RAW:
        break; /* handled by the scanner */
    case ACT_DROP:
        if (self_closing)
            break;
        if (end)
            dec(&w->drop);
        else
            inc(&w->drop);
        brk(w, BRK_LINE);
        break;
    case ACT_CAPTURE:
    case ACT_CAPTURE_INLINE:
        if (self_closing)
            break;
        if (end)
            dec(&w->capture);
        else
            inc(&w->capture);
        if (a == ACT_CAPTURE && end)
            brk(w, BRK_LINE);
        break;
    }
}

static int is_name_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c == ':' || c >= 0x80;
}

/* Finds the case-insensitive "</name" from p; returns its offset or n. */
static size_t find_end_tag(const char *p, size_t n, const char *name, size_t nn)
{
    size_t i = 0;
    while (i < n) {
        const char *lt = memchr(p + i, '<', n - i);
        if (!lt)
            return n;
        size_t j = (size_t)(lt - p);
        if (j + 2 + nn <= n && p[j + 1] == '/' && strncasecmp(p + j + 2, name, nn) == 0) {
            size_t k = j + 2 + nn;
            if (k == n || p[k] == '>' || p[k] == '/' || isspace((unsigned char)p[k]))
                return j;
        }
        i = j + 1;
    }
    return n;
}

static const char *find_str(const char *p, size_t n, const char *lit)
{
    return memmem(p, n, lit, strlen(lit));
}

int intel_markup_to(struct fio_buf *out, const char *in, size_t len,
                    enum intel_markup_profile prof)
{
    struct writer w = {.out = out};
    w.need_capture = prof == INTEL_MK_DOCX || prof == INTEL_MK_PPTX || prof == INTEL_MK_ODT;
    int html = prof == INTEL_MK_HTML;
    size_t i = 0;
    if (!in)
        len = 0;
    while (i < len && !w.failed) {
        const char *lt = memchr(in + i, '<', len - i);
        size_t stop = lt ? (size_t)(lt - in) : len;
        /* text up to the next '<', with its entities */
        while (i < stop && !w.failed) {
            const char *amp = memchr(in + i, '&', stop - i);
            size_t a = amp ? (size_t)(amp - in) : stop;
            text_bytes(&w, in + i, a - i);
            i = a;
            if (i < stop) {
                size_t used = keeping(&w) ? entity(&w, in + i, stop - i) : 0;
                if (used == 0) {
                    text(&w, "&", 1);
                    used = 1;
                }
                i += used;
            }
        }
        if (i >= len || w.failed)
            break;
        /* in[i] == '<' */
        const char *p = in + i;
        size_t rest = len - i;
        if (rest >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *e = find_str(p + 4, rest - 4, "-->");
            i = e ? (size_t)(e - in) + 3 : len;
            continue;
        }
        if (rest >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
            const char *e = find_str(p + 9, rest - 9, "]]>");
            size_t end = e ? (size_t)(e - in) : len;
            text_bytes(&w, p + 9, end - (i + 9));
            i = e ? end + 3 : len;
            continue;
        }
        if (rest >= 2 && (p[1] == '!' || p[1] == '?')) {
            /* declaration or processing instruction; an internal DTD subset [...] is skipped */
            size_t j = 2;
            int in_subset = 0;
            while (j < rest) {
                char c = p[j];
                if (c == '[' && p[1] == '!')
                    in_subset = 1;
                else if (c == ']')
                    in_subset = 0;
                else if (c == '>' && !in_subset)
                    break;
                j++;
            }
            i = j < rest ? i + j + 1 : len;
            continue;
        }
        int end = rest >= 2 && p[1] == '/';
        size_t ns = end ? 2 : 1;
        if (ns >= rest || !is_name_start((unsigned char)p[ns])) {
            text(&w, "<", 1); /* a literal '<' */
            i++;
            continue;
        }
        size_t ne = ns;
        while (ne < rest && !isspace((unsigned char)p[ne]) && p[ne] != '/' && p[ne] != '>')
            ne++;
        /* the rest of the tag: attributes, quotes respected */
        size_t j = ne;
        char quote = 0;
        while (j < rest) {
            char c = p[j];
            if (quote) {
                if (c == quote)
                    quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '>') {
                break;
            }
            j++;
        }
        if (j >= rest)
            break; /* an unterminated tag: nothing after it is text */
        size_t k = j;
        while (k > ne && isspace((unsigned char)p[k - 1]))
            k--;
        int self_closing = !end && k > ne && p[k - 1] == '/';
        enum act a = elem_act(prof, p + ns, ne - ns);
        i += j + 1;
        if (a == ACT_RAW && !end && !self_closing) {
            if (html) {
                size_t e = find_end_tag(in + i, len - i, p + ns, ne - ns);
                i += e; /* the end tag itself is read next, as a tag */
                brk(&w, BRK_LINE);
                continue;
            }
        }
        apply(&w, prof, a, end, self_closing);
    }
    return w.failed ? -1 : 0;
}

char *intel_strip_markup(const char *in, size_t len, int is_html, size_t *out_len)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    size_t dummy;
    if (!out_len)
        out_len = &dummy;
    *out_len = 0;
    if (intel_markup_to(&b, in, len, is_html ? INTEL_MK_HTML : INTEL_MK_XML) != 0) {
        fio_buf_release(&b);
        return NULL;
    }
    *out_len = b.len;
    return fio_buf_steal(&b);
}
