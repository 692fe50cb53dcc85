/* SPDX-License-Identifier: MIT */
/* pdf.c - PDF text through poppler-glib, one page of passages per PDF page.
 *
 * The document is opened from memory (the bytes stay the caller's: a static GBytes). An encrypted
 * document that needs a password, and one poppler cannot read (truncated, not a PDF, broken
 * cross-reference table it cannot rebuild), fail with a reason. The time limit is checked
 * between pages (one page's text extraction cannot be interrupted). poppler reports syntax
 * errors through GLib's log under the "Poppler" domain: that domain is silenced once for the
 * process, so hostile documents do not fill the server's log. Opening a document is serialised
 * (poppler creates its global parameters on the first open, unguarded); pages of different
 * documents are then read in parallel, which poppler supports (D-052). */
#include <pthread.h>
#include <string.h>

#include <poppler.h>

#include "intel_internal.h"

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

static void quiet_handler(const gchar *domain, GLogLevelFlags level, const gchar *message,
                          gpointer data)
{
    (void)domain;
    (void)level;
    (void)message;
    (void)data;
}

static void quiet_init(void)
{
    g_log_set_handler("Poppler", (GLogLevelFlags)(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
                                                  G_LOG_FLAG_RECURSION),
                      quiet_handler, NULL);
}

int intel_extract_pdf(const void *data, size_t len, const struct intel_limits *lim,
                      const struct intel_clock *clk, struct intel_doc *out, char *reason,
                      size_t reason_len)
{
    pthread_once(&quiet_once, quiet_init);
    const unsigned char *s = data;
    if (len < 5 || !memmem(s, len < 1024 ? len : 1024, "%PDF-", 5)) {
        intel_reason(reason, reason_len, "pdf: not a PDF file (no %%PDF- header in its first "
                                         "1024 bytes)");
        return -1;
    }
    GBytes *bytes = g_bytes_new_static(data, len);
    GError *err = NULL;
    pthread_mutex_lock(&open_lock);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &err);
    pthread_mutex_unlock(&open_lock);
    if (!doc) {
        if (err && err->domain == POPPLER_ERROR && err->code == POPPLER_ERROR_ENCRYPTED)
            intel_reason(reason, reason_len, "pdf: encrypted (a password is needed to open it)");
        else
            intel_reason(reason, reason_len, "pdf: cannot be read (%s)",
                         err && err->message ? err->message : "damaged or truncated");
        if (err)
            g_error_free(err);
        g_bytes_unref(bytes);
        return -1;
    }
    int rc = 0;
    int n = poppler_document_get_n_pages(doc);
    for (int i = 0; i < n && rc == 0; i++) {
        if (intel_clock_expired(clk)) {
            intel_reason(reason, reason_len,
                         "time limit: extraction took over %u ms (stopped at page %d of %d)",
                         lim->max_ms, i + 1, n);
            rc = -1;
            break;
        }
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue; /* a page poppler cannot build has no text */
        char *t = poppler_page_get_text(page);
        if (t)
            rc = intel_add_page(out, t, strlen(t), i + 1, lim, reason, reason_len);
        g_free(t);
        g_object_unref(page);
    }
    out->n_pages = n > 0 ? n : 0;
    g_object_unref(doc);
    g_bytes_unref(bytes);
    return rc;
}
