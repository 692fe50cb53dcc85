/* SPDX-License-Identifier: MIT */
/* office.c - DOCX, ODT and PPTX: a zip (libzip, opened from memory) holding XML, read by the
 * markup stripper's office profiles (D-051). DOCX: word/document.xml, then the footnotes and
 * endnotes, one unpaged text. ODT:
 * content.xml, one unpaged text. PPTX: ppt/slides/slideN.xml, one page per slide, in the order
 * of ppt/presentation.xml's slide list (by N when that list cannot be read).
 *
 * Zip bombs: entries are read in 64 KiB blocks and all entries of one document together may not
 * pass lim->max_input_bytes uncompressed (an entry whose declared size already passes it is not
 * opened); the time limit is checked between blocks. A damaged entry (CRC, truncated deflate)
 * fails with libzip's reason. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "intel_internal.h"

#define BLOCK (64 * 1024)
#define MAX_SLIDES 100000

struct zctx {
    zip_t *za;
    const char *fmt;           /* "docx", "odt", "pptx" for reasons */
    size_t budget;             /* uncompressed bytes left */
    const struct intel_limits *lim;
    const struct intel_clock *clk;
    char *reason;
    size_t reason_len;
};

/* Reads entry idx into out (replacing its content); 0 ok, -1 failed with reason. */
static int read_entry(struct zctx *z, zip_int64_t idx, const char *name, struct fio_buf *out)
{
    fio_buf_reset(out);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->za, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        st.size > z->budget) {
        intel_reason(z->reason, z->reason_len,
                     "%s: the uncompressed content is over %zu bytes (a zip bomb?)", z->fmt,
                     z->lim->max_input_bytes);
        return -1;
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        intel_reason(z->reason, z->reason_len, "%s: encrypted (a password is needed to open it)",
                     z->fmt);
        return -1;
    }
    zip_file_t *f = zip_fopen_index(z->za, (zip_uint64_t)idx, 0);
    if (!f) {
        intel_reason(z->reason, z->reason_len, "%s: cannot open %s in the archive (%s)", z->fmt,
                     name, zip_strerror(z->za));
        return -1;
    }
    char *block = malloc(BLOCK);
    if (!block) {
        zip_fclose(f);
        intel_reason(z->reason, z->reason_len, "out of memory");
        return -1;
    }
    int rc = 0;
    for (;;) {
        if (intel_clock_expired(z->clk)) {
            intel_reason(z->reason, z->reason_len, "time limit: extraction took over %u ms",
                         z->lim->max_ms);
            rc = -1;
            break;
        }
        zip_int64_t r = zip_fread(f, block, BLOCK);
        if (r < 0) {
            intel_reason(z->reason, z->reason_len, "%s: %s is damaged (%s)", z->fmt, name,
                         zip_file_strerror(f));
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        if ((size_t)r > z->budget) {
            intel_reason(z->reason, z->reason_len,
                         "%s: the uncompressed content is over %zu bytes (a zip bomb?)", z->fmt,
                         z->lim->max_input_bytes);
            rc = -1;
            break;
        }
        z->budget -= (size_t)r;
        if (!fio_buf_append(out, block, (size_t)r)) {
            intel_reason(z->reason, z->reason_len, "out of memory");
            rc = -1;
            break;
        }
    }
    free(block);
    zip_fclose(f);
    return rc;
}

/* Reads the named entry; missing: -1 with "<fmt>: no <name> in the archive (<what>)". */
static int read_named(struct zctx *z, const char *name, const char *what, struct fio_buf *out)
{
    zip_int64_t idx = zip_name_locate(z->za, name, 0);
    if (idx < 0) {
        intel_reason(z->reason, z->reason_len, "%s: no %s in the archive (%s)", z->fmt, name,
                     what);
        return -1;
    }
    return read_entry(z, idx, name, out);
}

/* XML of one entry to text, then one page of passages. */
static int xml_page(struct zctx *z, struct fio_buf *xml, enum intel_markup_profile prof, int page,
                    struct intel_doc *out)
{
    struct fio_buf txt;
    fio_buf_init(&txt, z->lim->max_text_bytes + 1);
    if (intel_markup_to(&txt, xml->data ? xml->data : "", xml->len, prof) != 0) {
        int over = txt.len >= z->lim->max_text_bytes;
        fio_buf_release(&txt);
        if (over)
            intel_reason(z->reason, z->reason_len,
                         "too large: the extracted text is over %zu bytes (the text limit)",
                         z->lim->max_text_bytes);
        else
            intel_reason(z->reason, z->reason_len, "out of memory");
        return -1;
    }
    int rc = intel_add_page(out, txt.data ? txt.data : "", txt.len, page, z->lim, z->reason,
                            z->reason_len);
    fio_buf_release(&txt);
    return rc;
}

/* "ppt/slides/slide12.xml" -> 12; 0 when the name is not a slide. */
static unsigned slide_number(const char *name)
{
    static const char pre[] = "ppt/slides/slide";
    size_t pl = sizeof pre - 1;
    if (strncmp(name, pre, pl) != 0)
        return 0;
    const char *p = name + pl;
    unsigned v = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 7) {
        v = v * 10 + (unsigned)(*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || strcmp(p, ".xml") != 0)
        return 0;
    return v;
}

struct slide {
    unsigned order; /* position in presentation.xml's list, UINT_MAX when not listed */
    unsigned num;
    zip_int64_t idx;
};

static int slide_cmp(const void *a, const void *b)
{
    const struct slide *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    return 0;
}

/* Value of attribute `attr` (exact name, e.g. "r:id") inside the tag [p, e): copied to dst. */
static int attr_value(const char *p, const char *e, const char *attr, char *dst, size_t dn)
{
    size_t an = strlen(attr);
    const char *q = p;
    while (q < e) {
        const char *hit = memmem(q, (size_t)(e - q), attr, an);
        if (!hit)
            return 0;
        const char *v = hit + an;
        int word_start = hit == p || hit[-1] == ' ' || hit[-1] == '\t' || hit[-1] == '\n' ||
                         hit[-1] == '\r';
        if (word_start && v + 1 < e && v[0] == '=' && (v[1] == '"' || v[1] == '\'')) {
            char qc = v[1];
            const char *s = v + 2;
            const char *t = memchr(s, qc, (size_t)(e - s));
            if (!t || (size_t)(t - s) >= dn)
                return 0;
            memcpy(dst, s, (size_t)(t - s));
            dst[t - s] = '\0';
            return 1;
        }
        q = hit + 1;
    }
    return 0;
}

struct rel {
    char id[64];
    unsigned num;
};

static int rel_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rel *)a)->id, ((const struct rel *)b)->id);
}

/* The slide relationships of ppt/_rels/presentation.xml.rels (Id="rIdN" Target="slides/
 * slideK.xml"), sorted by Id; *n set. NULL when there are none or out of memory. */
static struct rel *read_rels(const char *data, size_t len, size_t *n)
{
    struct rel *r = NULL;
    size_t cap = 0;
    *n = 0;
    const char *p = data, *end = data + len;
    while (p < end && *n < MAX_SLIDES) {
        const char *rt = memmem(p, (size_t)(end - p), "<Relationship ", 14);
        if (!rt)
            break;
        const char *rte = memchr(rt, '>', (size_t)(end - rt));
        if (!rte)
            break;
        p = rte + 1;
        char id[64], target[256], full[300];
        if (!attr_value(rt, rte, "Id", id, sizeof id) ||
            !attr_value(rt, rte, "Target", target, sizeof target))
            continue;
        snprintf(full, sizeof full, "%s%s", strncmp(target, "/ppt/", 5) == 0 ? "" : "ppt/",
                 target[0] == '/' ? target + 1 : target);
        unsigned num = slide_number(full);
        if (num == 0)
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            struct rel *nr = realloc(r, nc * sizeof *nr);
            if (!nr) {
                free(r);
                *n = 0;
                return NULL;
            }
            r = nr;
            cap = nc;
        }
        memcpy(r[*n].id, id, sizeof id);
        r[*n].num = num;
        (*n)++;
    }
    if (r)
        qsort(r, *n, sizeof *r, rel_cmp);
    return r;
}

struct numpos {
    unsigned num;
    size_t k;
};

static int numpos_cmp(const void *a, const void *b)
{
    const struct numpos *x = a, *y = b;
    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

static int numpos_num_cmp(const void *key, const void *elem)
{
    unsigned n = *(const unsigned *)key, m = ((const struct numpos *)elem)->num;
    return n < m ? -1 : n > m;
}

int intel_pptx_order(const char *pres, size_t pres_len, const char *rels, size_t rels_len,
                     const unsigned *nums, size_t n, unsigned *order)
{
    for (size_t k = 0; k < n; k++)
        order[k] = UINT_MAX;
    if (!pres || !rels || n == 0)
        return 0;
    size_t nrel = 0;
    struct rel *rl = read_rels(rels, rels_len, &nrel);
    if (!rl)
        return 0; /* no slide relationships (or out of memory): the order by number stays */
    struct numpos *np = malloc(n * sizeof *np);
    if (!np) {
        free(rl);
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        np[k].num = nums[k];
        np[k].k = k;
    }
    qsort(np, n, sizeof *np, numpos_cmp);
    unsigned pos = 0;
    const char *p = pres, *end = pres + pres_len;
    while (p < end && pos < MAX_SLIDES) {
        const char *tag = memmem(p, (size_t)(end - p), "sldId ", 6);
        if (!tag)
            break;
        const char *te = memchr(tag, '>', (size_t)(end - tag));
        if (!te)
            break;
        p = te + 1;
        struct rel key = {"", 0};
        if (!attr_value(tag, te, "r:id", key.id, sizeof key.id))
            continue;
        const struct rel *hit = bsearch(&key, rl, nrel, sizeof *rl, rel_cmp);
        if (!hit)
            continue;
        const struct numpos *e = bsearch(&hit->num, np, n, sizeof *np, numpos_num_cmp);
        if (!e)
            continue;
        /* the first of equal numbers (a zip may repeat a name) that has no place yet */
        while (e > np && e[-1].num == hit->num)
            e--;
        while (e < np + n && e->num == hit->num && order[e->k] != UINT_MAX)
            e++;
        if (e < np + n && e->num == hit->num)
            order[e->k] = pos++;
    }
    free(np);
    free(rl);
    return 0;
}

/* The slide order from ppt/presentation.xml and its relationships (intel_pptx_order). Best
 * effort: a missing or odd part, or a failure reading it, leaves the order by number. */
static void slide_order(struct zctx *z, struct slide *sl, size_t n)
{
    struct fio_buf pres, rels;
    fio_buf_init(&pres, 0);
    fio_buf_init(&rels, 0);
    char saved[256] = "";
    if (z->reason && z->reason_len)
        snprintf(saved, sizeof saved, "%s", z->reason);
    unsigned *nums = malloc(n * sizeof *nums), *order = malloc(n * sizeof *order);
    zip_int64_t pi = zip_name_locate(z->za, "ppt/presentation.xml", 0);
    zip_int64_t ri = zip_name_locate(z->za, "ppt/_rels/presentation.xml.rels", 0);
    if (nums && order && pi >= 0 && ri >= 0 &&
        read_entry(z, pi, "ppt/presentation.xml", &pres) == 0 &&
        read_entry(z, ri, "ppt/_rels/presentation.xml.rels", &rels) == 0 && pres.data &&
        rels.data) {
        for (size_t k = 0; k < n; k++)
            nums[k] = sl[k].num;
        if (intel_pptx_order(pres.data, pres.len, rels.data, rels.len, nums, n, order) == 0)
            for (size_t k = 0; k < n; k++)
                sl[k].order = order[k];
    }
    if (z->reason && z->reason_len)
        snprintf(z->reason, z->reason_len, "%s", saved);
    free(nums);
    free(order);
    fio_buf_release(&pres);
    fio_buf_release(&rels);
}

static int do_pptx(struct zctx *z, struct intel_doc *out)
{
    zip_int64_t ne = zip_get_num_entries(z->za, 0);
    struct slide *sl = NULL;
    size_t n = 0, cap = 0;
    for (zip_int64_t i = 0; i < ne; i++) {
        if ((i & 1023) == 0 && intel_clock_expired(z->clk)) {
            free(sl);
            intel_reason(z->reason, z->reason_len, "time limit: extraction took over %u ms",
                         z->lim->max_ms);
            return -1;
        }
        const char *name = zip_get_name(z->za, (zip_uint64_t)i, 0);
        unsigned num = name ? slide_number(name) : 0;
        if (num == 0)
            continue;
        if (n == MAX_SLIDES) {
            free(sl);
            intel_reason(z->reason, z->reason_len, "pptx: more than %d slides", MAX_SLIDES);
            return -1;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            struct slide *ns = realloc(sl, nc * sizeof *ns);
            if (!ns) {
                free(sl);
                intel_reason(z->reason, z->reason_len, "out of memory");
                return -1;
            }
            sl = ns;
            cap = nc;
        }
        sl[n].order = UINT_MAX;
        sl[n].num = num;
        sl[n].idx = i;
        n++;
    }
    if (n == 0) {
        intel_reason(z->reason, z->reason_len,
                     "pptx: no ppt/slides/slideN.xml in the archive (not a PowerPoint file)");
        return -1;
    }
    slide_order(z, sl, n);
    qsort(sl, n, sizeof *sl, slide_cmp);
    struct fio_buf xml;
    fio_buf_init(&xml, 0);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        char name[64];
        snprintf(name, sizeof name, "ppt/slides/slide%u.xml", sl[k].num);
        rc = read_entry(z, sl[k].idx, name, &xml);
        if (rc == 0)
            rc = xml_page(z, &xml, INTEL_MK_PPTX, (int)k + 1, out);
    }
    fio_buf_release(&xml);
    free(sl);
    out->n_pages = (int)n;
    return rc;
}

int intel_extract_office(const void *data, size_t len, enum intel_format fmt,
                         const struct intel_limits *lim, const struct intel_clock *clk,
                         struct intel_doc *out, char *reason, size_t reason_len)
{
    const char *fname = intel_format_name(fmt);
    const unsigned char *s = data;
    if (len >= 8 && memcmp(s, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0) {
        intel_reason(reason, reason_len,
                     "%s: not a zip archive (an OLE compound file: a password-protected "
                     "document or the older binary format)", fname);
        return -1;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src) {
        intel_reason(reason, reason_len, "%s: %s", fname, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return -1;
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!za) {
        intel_reason(reason, reason_len, "%s: not a zip archive (%s)", fname,
                     zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        return -1;
    }
    zip_error_fini(&ze);
    struct zctx z = {za, fname, lim->max_input_bytes, lim, clk, reason, reason_len};
    struct fio_buf xml;
    fio_buf_init(&xml, 0);
    int rc = 0;
    switch (fmt) {
    case INTEL_FMT_DOCX:
        rc = read_named(&z, "word/document.xml", "not a Word document", &xml);
        /* footnotes and endnotes follow the body, when the document has them */
        for (int k = 0; k < 2 && rc == 0; k++) {
            static const char *const parts[] = {"word/footnotes.xml", "word/endnotes.xml"};
            zip_int64_t idx = zip_name_locate(za, parts[k], 0);
            if (idx < 0)
                continue;
            struct fio_buf more;
            fio_buf_init(&more, 0);
            rc = read_entry(&z, idx, parts[k], &more);
            if (rc == 0 && (!fio_buf_append_str(&xml, "<w:p/>") ||
                            !fio_buf_append(&xml, more.data ? more.data : "", more.len))) {
                intel_reason(reason, reason_len, "out of memory");
                rc = -1;
            }
            fio_buf_release(&more);
        }
        if (rc == 0)
            rc = xml_page(&z, &xml, INTEL_MK_DOCX, 0, out);
        break;
    case INTEL_FMT_ODT: {
        zip_int64_t mi = zip_name_locate(za, "META-INF/manifest.xml", 0);
        if (mi >= 0 && read_entry(&z, mi, "META-INF/manifest.xml", &xml) == 0 && xml.data &&
            memmem(xml.data, xml.len, "encryption-data", 15)) {
            intel_reason(reason, reason_len, "odt: encrypted (a password is needed to open it)");
            rc = -1;
            break;
        }
        if (reason && reason_len)
            reason[0] = '\0';
        rc = read_named(&z, "content.xml", "not an OpenDocument file", &xml);
        if (rc == 0)
            rc = xml_page(&z, &xml, INTEL_MK_ODT, 0, out);
        break;
    }
    case INTEL_FMT_PPTX:
        rc = do_pptx(&z, out);
        break;
    default:
        intel_reason(reason, reason_len, "%s: not an office format", fname);
        rc = -1;
        break;
    }
    fio_buf_release(&xml);
    zip_discard(za);
    return rc;
}
