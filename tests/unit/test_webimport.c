/* SPDX-License-Identifier: MIT */
/* test_webimport.c - the pure rules of URL import (src/server/import/import_addr.h,
 * import_url.h): address classes of every refused range and of the IPv6 forms that carry an
 * IPv4 address, --import-allow ranges, share-link rewriting, Content-Disposition and URL names,
 * name sanitising. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "import_addr.h"
#include "import_url.h"
#include "name.h"
#include "testmain.h"

/* The class of a textual address (inet_pton: v4 dotted quad or v6). */
static enum imp_addr_class cls(const char *text)
{
    struct imp_addr a;
    if (strchr(text, ':')) {
        struct sockaddr_in6 in6;
        memset(&in6, 0, sizeof(in6));
        in6.sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, text, &in6.sin6_addr) != 1)
            fail_msg("bad v6 literal %s", text);
        assert_true(imp_addr_from_sockaddr((struct sockaddr *)&in6, sizeof(in6), &a));
    } else {
        struct sockaddr_in in;
        memset(&in, 0, sizeof(in));
        in.sin_family = AF_INET;
        if (inet_pton(AF_INET, text, &in.sin_addr) != 1)
            fail_msg("bad v4 literal %s", text);
        assert_true(imp_addr_from_sockaddr((struct sockaddr *)&in, sizeof(in), &a));
    }
    return imp_addr_classify(&a);
}

static void addr_classes(void **state)
{
    (void)state;
    static const struct {
        const char *a;
        enum imp_addr_class want;
    } cases[] = {
        {"8.8.8.8", IMP_PUBLIC},
        {"1.1.1.1", IMP_PUBLIC},
        {"127.0.0.1", IMP_LOOPBACK},
        {"127.255.255.254", IMP_LOOPBACK},
        {"10.0.0.1", IMP_PRIVATE},
        {"172.16.0.1", IMP_PRIVATE},
        {"172.31.255.255", IMP_PRIVATE},
        {"172.32.0.1", IMP_PUBLIC},
        {"172.15.255.255", IMP_PUBLIC},
        {"192.168.1.1", IMP_PRIVATE},
        {"169.254.169.254", IMP_LINK_LOCAL}, /* cloud metadata */
        {"100.64.0.1", IMP_CGNAT},
        {"100.127.255.255", IMP_CGNAT},
        {"100.128.0.1", IMP_PUBLIC},
        {"224.0.0.1", IMP_MULTICAST},
        {"239.255.255.255", IMP_MULTICAST},
        {"0.0.0.0", IMP_UNSPECIFIED},
        {"0.1.2.3", IMP_UNSPECIFIED},
        {"255.255.255.255", IMP_BROADCAST},
        {"240.0.0.1", IMP_RESERVED},
        {"192.0.2.1", IMP_RESERVED},
        {"198.18.0.1", IMP_RESERVED},
        {"203.0.113.9", IMP_RESERVED},
        {"2606:4700::1111", IMP_PUBLIC},
        {"::1", IMP_LOOPBACK},
        {"::", IMP_UNSPECIFIED},
        {"fc00::1", IMP_PRIVATE},
        {"fd12:3456::1", IMP_PRIVATE},
        {"fe80::1", IMP_LINK_LOCAL},
        {"ff02::1", IMP_MULTICAST},
        {"::ffff:127.0.0.1", IMP_LOOPBACK}, /* IPv4-mapped */
        {"::ffff:169.254.169.254", IMP_LINK_LOCAL},
        {"::ffff:8.8.8.8", IMP_PUBLIC},
        {"::127.0.0.1", IMP_LOOPBACK}, /* IPv4-compatible */
        {"::8.8.8.8", IMP_RESERVED},
        {"64:ff9b::10.0.0.1", IMP_PRIVATE}, /* NAT64 of a blocked v4 */
        {"64:ff9b::7f00:1", IMP_LOOPBACK},
        {"64:ff9b::8.8.8.8", IMP_PUBLIC},
        {"2002:7f00:1::1", IMP_LOOPBACK}, /* 6to4 of 127.0.0.1 */
        {"2002:a9fe:a9fe::", IMP_LINK_LOCAL},
        {"2002:0808:0808::1", IMP_PUBLIC},
        {"2001:db8::1", IMP_RESERVED},
        {"100::1", IMP_RESERVED},
        {"4000::1", IMP_RESERVED}, /* outside 2000::/3 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum imp_addr_class got = cls(cases[i].a);
        if (got != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].a, imp_addr_class_str(got),
                     imp_addr_class_str(cases[i].want));
    }
}

static void cidr_parse_and_allow(void **state)
{
    (void)state;
    struct imp_cidr c[IMP_ALLOW_MAX];
    size_t n;
    assert_true(imp_cidr_list_parse("127.0.0.1/32,10.0.0.0/8,fd00::/8", c, IMP_ALLOW_MAX, &n));
    assert_int_equal(n, 3);
    struct imp_addr a;
    enum imp_addr_class why;
    struct sockaddr_in in;
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    imp_addr_from_sockaddr((struct sockaddr *)&in, sizeof(in), &a);
    assert_true(imp_addr_allowed(&a, c, n, &why));
    assert_false(imp_addr_allowed(&a, c, 0, &why));
    assert_int_equal(why, IMP_LOOPBACK);
    inet_pton(AF_INET, "127.0.0.2", &in.sin_addr); /* /32 is exactly one address */
    imp_addr_from_sockaddr((struct sockaddr *)&in, sizeof(in), &a);
    assert_false(imp_addr_allowed(&a, c, n, &why));
    inet_pton(AF_INET, "10.200.3.4", &in.sin_addr);
    imp_addr_from_sockaddr((struct sockaddr *)&in, sizeof(in), &a);
    assert_true(imp_addr_allowed(&a, c, n, &why));
    /* a v4 range also covers the mapped v6 spelling of its addresses */
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:10.1.1.1", &in6.sin6_addr);
    imp_addr_from_sockaddr((struct sockaddr *)&in6, sizeof(in6), &a);
    assert_true(imp_addr_allowed(&a, c, n, &why));
    /* strict syntax */
    static const char *const bad[] = {"",           "127.1/32",     "0177.0.0.1/32", "1.2.3.4/33",
                                      "1.2.3.4/",   "1.2.3.4/08",   "::1/129",       "1.2.3.4.5",
                                      "256.1.1.1",  "1.2.3.4/3x",   "nonsense",      "1.2.3.4,",
                                      "0x7f.0.0.1", "2130706433/32"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (imp_cidr_list_parse(bad[i], c, IMP_ALLOW_MAX, &n))
            fail_msg("'%s' parsed", bad[i]);
    assert_true(imp_cidr_parse("::1", 3, &c[0]));
    assert_int_equal(c[0].bits, 128);
    assert_true(imp_cidr_parse("0.0.0.0/0", 9, &c[0]));
    assert_int_equal(c[0].bits, 96);
}

static void expect_rewrite(const char *in, const char *want)
{
    bool oom;
    char *got = imp_share_rewrite(in, &oom);
    assert_false(oom);
    if (!want) {
        if (got)
            fail_msg("%s rewritten to %s", in, got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", in, got ? got : "(none)", want);
    free(got);
}

static void share_links(void **state)
{
    (void)state;
    expect_rewrite("https://drive.google.com/file/d/1AbC-d_E/view?usp=sharing",
                   "https://drive.google.com/uc?export=download&id=1AbC-d_E");
    expect_rewrite("https://drive.google.com/open?id=XyZ123",
                   "https://drive.google.com/uc?export=download&id=XyZ123");
    expect_rewrite("https://drive.google.com/file/d/bad%2Fid/view", NULL);
    expect_rewrite("https://www.dropbox.com/s/abc123/report.pdf?dl=0",
                   "https://www.dropbox.com/s/abc123/report.pdf?dl=1");
    expect_rewrite("https://www.dropbox.com/scl/fi/xyz/a.zip?rlkey=k1&dl=0",
                   "https://www.dropbox.com/scl/fi/xyz/a.zip?rlkey=k1&dl=1");
    expect_rewrite("https://dropbox.com/s/abc/x.txt", "https://dropbox.com/s/abc/x.txt?dl=1");
    /* OneDrive: u! + unpadded base64url of the link */
    expect_rewrite("https://1drv.ms/u/s!AbC",
                   "https://api.onedrive.com/v1.0/shares/u!aHR0cHM6Ly8xZHJ2Lm1zL3UvcyFBYkM/root/"
                   "content");
    expect_rewrite("https://app.box.com/s/k3y9", "https://app.box.com/shared/static/k3y9");
    expect_rewrite("https://acme.app.box.com/s/k3y9", "https://app.box.com/shared/static/k3y9");
    /* not share links: fetched as they are */
    expect_rewrite("https://example.com/file/d/x/view", NULL);
    expect_rewrite("https://notdropbox.com/s/abc/x", NULL);
    expect_rewrite("https://drive.google.com.evil.example/file/d/abc/view", NULL);
    expect_rewrite("ftp://drive.google.com/file/d/abc/view", NULL);
}

static void url_split(void **state)
{
    (void)state;
    struct imp_url_parts u;
    assert_true(imp_url_split("http://h:80/p?q#f", 17, &u));
    assert_int_equal(u.host_len, 1);
    assert_int_equal(u.path_len, 2);
    assert_int_equal(u.query_len, 1);
    assert_true(imp_url_split("HTTPS://[::1]:8/", 16, &u));
    assert_true(u.https);
    static const char *const bad[] = {
        "ftp://h/",     "http://user@h/", "http://h:x/",        "http://",      "http:///p",
        "http://h/a b", "//h/p",          "file:///etc/passwd", "http://[::1/", "http://h:123456/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (imp_url_split(bad[i], strlen(bad[i]), &u))
            fail_msg("'%s' accepted", bad[i]);
}

static void expect_cd(const char *v, const char *want)
{
    char out[256];
    bool ok = imp_disposition_filename(v, strlen(v), out, sizeof(out));
    if (!want) {
        if (ok)
            fail_msg("'%s' gave '%s'", v, out);
        return;
    }
    if (!ok || strcmp(out, want) != 0)
        fail_msg("'%s': got '%s', want '%s'", v, ok ? out : "(none)", want);
}

static void disposition(void **state)
{
    (void)state;
    expect_cd("attachment; filename=\"a b.txt\"", "a b.txt");
    expect_cd("attachment; filename=plain.pdf", "plain.pdf");
    expect_cd("attachment; filename=\"x.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt",
              "\xe2\x82\xac rates.txt");
    expect_cd("attachment; filename*=utf-8'en'caf%C3%A9.md; filename=\"cafe.md\"",
              "caf\xc3\xa9.md");
    expect_cd("attachment; filename*=iso-8859-1''caf%E9.md", "caf\xc3\xa9.md");
    expect_cd("attachment; filename=\"..\\\\..\\\\etc\\\\passwd\"", "passwd");
    expect_cd("attachment; filename=\"/etc/shadow\"", "shadow");
    expect_cd("attachment; filename=\"q\\\"uote.txt\"", "q\"uote.txt");
    expect_cd("attachment; filename=\"..\"", NULL);
    expect_cd("attachment; filename=\"\"", NULL);
    expect_cd("attachment", NULL);
    expect_cd("inline; filename*=koi8-r''x.txt", NULL);
}

static void url_names(void **state)
{
    (void)state;
    char out[256];
    assert_true(imp_url_filename("https://h/a/b/report%20v2.pdf?x=1", out, sizeof(out)));
    assert_string_equal(out, "report v2.pdf");
    assert_true(imp_url_filename("https://h/dir/", out, sizeof(out)));
    assert_string_equal(out, "dir");
    assert_true(imp_url_filename("https://h/a%2F..%2Fb.txt", out, sizeof(out)));
    assert_string_equal(out, "b.txt");
    assert_false(imp_url_filename("https://h/", out, sizeof(out)));
    assert_false(imp_url_filename("https://h", out, sizeof(out)));
    assert_false(imp_url_filename("https://h/..", out, sizeof(out)));
}

static void sanitize(void **state)
{
    (void)state;
    char out[256];
    assert_true(imp_name_sanitize("a\x01"
                                  "b\x7f"
                                  "c",
                                  5, out, sizeof(out)));
    assert_string_equal(out, "a_b_c");
    assert_true(imp_name_sanitize("  spaced.txt \t", 14, out, sizeof(out)));
    assert_string_equal(out, "spaced.txt");
    assert_true(imp_name_sanitize("evil\xe2\x80\xaetxt.exe", 14, out, sizeof(out)));
    assert_string_equal(out, "eviltxt.exe"); /* the bidi override is dropped */
    assert_true(imp_name_sanitize("bad\xff\xfeutf", 8, out, sizeof(out)));
    assert_string_equal(out, "bad__utf");
    assert_false(imp_name_sanitize(".", 1, out, sizeof(out)));
    assert_false(imp_name_sanitize("   ", 3, out, sizeof(out)));
    /* too long: cut on a character boundary, the extension kept */
    char longname[600];
    size_t n = 0;
    for (int i = 0; i < 150; i++) {
        memcpy(longname + n, "\xc3\xa9", 2);
        n += 2;
    }
    memcpy(longname + n, ".tar.gz", 7);
    n += 7;
    assert_true(imp_name_sanitize(longname, n, out, sizeof(out)));
    size_t len = strlen(out);
    assert_true(len <= FIO_NAME_MAX_BYTES);
    assert_int_equal(fio_name_check(out, len), FIO_NAME_OK);
    assert_string_equal(out + len - 3, ".gz");
}

/* D-126: the headers a resumed download reads. */
static void resume_headers(void **state)
{
    (void)state;
    char v[16];
    const char line[] = "ETag:   \"abc\" \r\n";
    assert_true(imp_header_value(line, sizeof(line) - 1, "etag:", v, sizeof(v)));
    assert_string_equal(v, "\"abc\"");
    assert_true(imp_header_value("etag:\r\n", 7, "etag:", v, sizeof(v)));
    assert_string_equal(v, "");
    /* a NUL or a line end inside the bytes ends the value (found by fuzz_url) */
    const char nul[] = "ETag:1\"\t\n\0\0\0x";
    assert_true(imp_header_value(nul, sizeof(nul) - 1, "etag:", v, sizeof(v)));
    assert_string_equal(v, "1\"");
    const char mid[] = "etag: \"a\0b\"";
    assert_true(imp_header_value(mid, sizeof(mid) - 1, "etag:", v, sizeof(v)));
    assert_string_equal(v, "\"a");
    assert_false(imp_header_value("etags: x", 8, "etag:", v, sizeof(v)));
    assert_false(imp_header_value("eta", 3, "etag:", v, sizeof(v)));
    assert_true(
        imp_header_value("accept-ranges: bytes-and-much-more", 34, "accept-ranges:", v, sizeof(v)));
    assert_string_equal(v, "bytes-and-much-"); /* cut to the buffer */
    int64_t a = 0, t = 0;
    assert_true(imp_content_range("bytes 100-199/1000", &a, &t));
    assert_int_equal(a, 100);
    assert_int_equal(t, 1000);
    assert_true(imp_content_range("Bytes 0-0/*", &a, &t));
    assert_int_equal(a, 0);
    assert_int_equal(t, -1);
    assert_false(imp_content_range("bytes 200-100/1000", &a, &t)); /* end before start */
    assert_false(imp_content_range("bytes 0-999/999", &a, &t));    /* end past the total */
    assert_false(imp_content_range("bytes */1000", &a, &t));       /* a 416's form */
    assert_false(imp_content_range("bytes -5-9/10", &a, &t));
    assert_false(imp_content_range("bytes +5-9/10", &a, &t));
    assert_false(imp_content_range("bytes 5-9/10x", &a, &t));
    assert_false(imp_content_range("bytes 1234567890123456789-1234567890123456790/*", &a, &t));
    /* 19 or more digits are refused without overflowing (UBSan found 999...9 * 10) */
    assert_false(imp_content_range("bytes 9999999999999999999999-199/1000", &a, &t));
    assert_false(imp_content_range("bytes 0-199/99999999999999999999", &a, &t));
    assert_true(imp_content_range("bytes 0-199/999999999999999999", &a, &t)); /* 18 digits */
    assert_true(t == 999999999999999999LL);
    assert_false(imp_content_range("items 0-1/2", &a, &t));
    assert_string_equal(imp_if_range_validator("\"x1\"", "Mon, 07 Dec 2026 10:00:00 GMT"),
                        "\"x1\"");
    assert_string_equal(imp_if_range_validator("W/\"x1\"", "Mon, 07 Dec 2026 10:00:00 GMT"),
                        "Mon, 07 Dec 2026 10:00:00 GMT"); /* weak: the date instead */
    assert_string_equal(imp_if_range_validator("W/\"x1\"", ""), "");
    assert_string_equal(imp_if_range_validator("\"", ""), "");
    assert_string_equal(imp_if_range_validator("\"a\rb\"", ""), ""); /* a control byte */
    assert_string_equal(imp_if_range_validator("", ""), "");
}

/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(addr_classes),
    cmocka_unit_test(cidr_parse_and_allow),
    cmocka_unit_test(share_links),
    cmocka_unit_test(url_split),
    cmocka_unit_test(disposition),
    cmocka_unit_test(url_names),
    cmocka_unit_test(sanitize),
    cmocka_unit_test(resume_headers),
};
/* clang-format on */

TEST_MAIN(tests)
