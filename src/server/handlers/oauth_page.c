/* SPDX-License-Identifier: MIT */
/* oauth_page.c - the HTML the authorization server shows a browser (api §2.5): one login-and-
 * consent page and one error page. Self-contained (inline style, no scripts, no external assets)
 * and every interpolated value is HTML-escaped; http.c adds a CSP that forbids scripts and
 * framing. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "oauth.h"

/* Append s with & < > " ' escaped (enough for text and double-quoted attributes). */
static bool esc(struct fio_buf *b, const char *s)
{
    if (!s)
        return true;
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            break;
        }
        if (rep ? !fio_buf_append_str(b, rep) : !fio_buf_append(b, p, 1))
            return false;
    }
    return true;
}

static const char head[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    "<meta name=\"referrer\" content=\"no-referrer\">"
    "<title>fastio-server: authorize</title><style>"
    "body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;"
    "color:#222}label{display:block;margin:.8rem 0 .2rem}"
    "input[type=email],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}"
    ".err{color:#b00020}.row{margin-top:1.2rem;display:flex;gap:.5rem}"
    "button{padding:.5rem 1rem}code{word-break:break-all}"
    "</style></head><body>\n";

char *oauth_page_render(const struct oauth_page *p)
{
    struct fio_buf b;
    fio_buf_init(&b, 64 * 1024);
    const char *who = p->agent_name && *p->agent_name ? p->agent_name : p->client_id;
    bool ok = fio_buf_append_str(&b, head) &&
              fio_buf_append_str(&b, "<h1>Authorize access</h1>\n<p><strong>") && esc(&b, who) &&
              fio_buf_append_str(&b, "</strong> (client <code>") && esc(&b, p->client_id) &&
              fio_buf_append_str(&b, "</code>) asks for access to your account.</p>\n"
                                     "<p>Access: <code>") &&
              esc(&b, p->scope) &&
              fio_buf_append_str(&b, "</code><br>After you decide you will be sent to <code>") &&
              esc(&b, p->redirect_uri) && fio_buf_append_str(&b, "</code></p>\n");
    if (ok && p->error)
        ok = fio_buf_append_str(&b, "<p class=\"err\" role=\"alert\">") && esc(&b, p->error) &&
             fio_buf_append_str(&b, "</p>\n");
    ok = ok &&
         fio_buf_append_str(&b, "<form method=\"post\" action=\"/current/oauth/authorize/\">\n"
                                "<input type=\"hidden\" name=\"auth_request_id\" value=\"") &&
         esc(&b, p->request_id) &&
         fio_buf_append_str(&b, "\">\n<label for=\"email\">Email</label>"
                                "<input id=\"email\" type=\"email\" name=\"email\" "
                                "autocomplete=\"username\" value=\"") &&
         esc(&b, p->login_hint) &&
         fio_buf_append_str(
             &b, "\">\n<label for=\"password\">Password</label>"
                 "<input id=\"password\" type=\"password\" name=\"password\" "
                 "autocomplete=\"current-password\">\n"
                 "<div class=\"row\"><button type=\"submit\" name=\"consent\" value=\"approve\">"
                 "Approve</button><button type=\"submit\" name=\"consent\" value=\"deny\">"
                 "Deny</button></div>\n</form>\n</body></html>\n");
    if (!ok) {
        fio_buf_release(&b);
        return NULL;
    }
    return fio_buf_steal(&b);
}

char *oauth_page_error(const char *title, const char *message)
{
    struct fio_buf b;
    fio_buf_init(&b, 16 * 1024);
    bool ok = fio_buf_append_str(&b, head) && fio_buf_append_str(&b, "<h1>") && esc(&b, title) &&
              fio_buf_append_str(&b, "</h1>\n<p class=\"err\">") && esc(&b, message) &&
              fio_buf_append_str(&b, "</p>\n</body></html>\n");
    if (!ok) {
        fio_buf_release(&b);
        return NULL;
    }
    return fio_buf_steal(&b);
}
