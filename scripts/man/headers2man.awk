# SPDX-License-Identifier: MIT
# headers2man.awk - libfastio(3) from the public headers (D-113): for each header given, its
# opening comment, its section comments ("/* ---- ... */" and other comments followed by a blank
# line), and every public function - FASTIO_API declarations and static inline helpers - with
# the comment written directly above it (one comment may document several declarations that
# follow it). Comments above anything else (structs, macros) stay in the header.
# Variables (-v): date, source, manual. Usage: awk -f headers2man.awk include/fastio/*.h
# Bounded: one pass over the lines read.

function esc(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    if (s ~ /^[.']/) s = "\\&" s
    return s
}
# Comment text as roff. Prose is filled; a line starting "- " starts a new line (a list item)
# and deeper-indented lines right after prose continue it; a block of lines indented by two
# spaces or more after a blank line or a line ending in ':' (code, a usage sketch) is kept as
# it is. Empty lines separate paragraphs (leading, trailing and repeated ones dropped).
function comment_roff(t,    n, l, i, out, lit, s, prev, para) {
    n = split(t, l, "\n")
    out = ""; lit = 0; prev = "blank"; para = 0
    for (i = 1; i <= n; i++) {
        s = l[i]
        if (s ~ /^[ \t]*$/) {
            if (lit) { out = out ".fi\n"; lit = 0 }
            if (prev != "blank") para = 1
            prev = "blank"
            continue
        }
        if (para && out != "") out = out ".PP\n"
        para = 0
        if (s ~ /^  / && (prev == "blank" || prev == "lit" || prev == "colon")) {
            if (!lit) { out = out ".nf\n"; lit = 1 }
            out = out esc(s) "\n"; prev = "lit"
            continue
        }
        if (lit) { out = out ".fi\n"; lit = 0 }
        sub(/^ +/, "", s)
        if (s ~ /^- / && prev != "blank") out = out ".br\n"
        out = out esc(s) "\n"
        prev = (s ~ /:$/) ? "colon" : "text"
    }
    if (lit) out = out ".fi\n"
    return out
}
function flush(    i) {
    if (ndecl > 0) {
        print ".PP"
        print ".nf"
        for (i = 1; i <= ndecl; i++) print decl[i]
        print ".fi"
        if (cmt != "") { print ".RS 4"; printf "%s", comment_roff(cmt); print ".RE" }
        ndecl = 0; cmt = ""
        return
    }
    if (cmt != "" && standalone) {
        t = cmt
        if (t ~ /^---- /) { sub(/^---- */, "", t); sub(/ *-+ *$/, "", t); print ".PP"; print "\\fB" esc(t) "\\fR" }
        else { print ".PP"; printf "%s", comment_roff(t) }
    }
    cmt = ""
}
# A declaration line: macros removed, continuation lines indented by four spaces.
function add_decl(s, first) {
    gsub(/FASTIO_API |FASTIO_NODISCARD /, "", s)
    if (!first) { sub(/^[ \t]+/, "", s); s = "    " s }
    else sub(/^[ \t]+/, "", s)
    if (s ~ /^$/) return
    decl[++ndecl] = "\\fB" esc(s) "\\fR"
}

BEGIN {
    printf ".TH \"LIBFASTIO\" \"3\" \"%s\" \"%s\" \"%s\"\n", date, source, manual
    print ".nh"
    print ".ad l"
    print ".SH NAME"
    print "libfastio \\- C client library for the Fast.io API and fastio\\-server"
    print ".SH SYNOPSIS"
    print ".nf"
    print "\\fB#include <fastio/fastio.h>\\fR"
    print "\\fB#include <fastio/transfer.h>\\fR    /* uploads and downloads */"
    print "\\fB#include <fastio/lock.h>\\fR        /* file locks */"
    print "\\fB#include <fastio/members.h>\\fR, \\fB<fastio/credentials.h>\\fR, \\fB<fastio/login.h>\\fR,"
    print "\\fB<fastio/mcp.h>\\fR, \\fB<fastio/webimport.h>\\fR"
    print ".PP"
    print "cc app.c $(pkg\\-config \\-\\-cflags \\-\\-libs fastio)"
    print "find_package(fastio) ... target_link_libraries(app PRIVATE fastio::fastio)"
    print ".fi"
    print ".SH DESCRIPTION"
    print "libfastio is the C11 client of the Fast.io REST API (and of fastio\\-server, which"
    print "serves the same API). Call \\fBfastio_global_init\\fR() once, make a client with"
    print "\\fBfastio_config_init\\fR() and \\fBfastio_client_new\\fR(), then call the functions"
    print "below on it. The sections follow the headers; each function is shown with the"
    print "comment its header gives it."
    nfile = 0
}

FNR == 1 {
    if (nfile++ > 0) { flush(); }
    hdr = FILENAME; sub(/.*\/include\//, "", hdr); sub(/^include\//, "", hdr)
    print ".SH \"<" hdr ">\""
    in_cmt = 0; cmt = ""; ndecl = 0; got_intro = 0; in_decl = 0; in_body = 0; standalone = 0
}

# a static inline function's body: skipped
in_body { if ($0 ~ /^}/) in_body = 0; next }

# inside a declaration: until its ';' (or the '{' of an inline body)
in_decl {
    if ($0 ~ /{[ \t]*$/) { s = $0; sub(/[ \t]*{[ \t]*$/, ";", s); add_decl(s, 0); in_decl = 0; in_body = 1; next }
    add_decl($0, 0)
    if ($0 ~ /;/) in_decl = 0
    next
}

# comments at column 0
!in_cmt && /^\/\*/ {
    flush()
    line = $0; sub(/^\/\* ?/, "", line)
    buf = ""; in_cmt = 1
}
in_cmt {
    if (line == "") { line = $0; sub(/^ \*\/.*/, "", line); sub(/^ \* ?/, "", line); sub(/^ \*$/, "", line) }
    done = ($0 ~ /\*\//)
    sub(/ *\*\/.*$/, "", line)
    buf = (buf == "" ? line : buf "\n" line)
    line = ""
    if (done) {
        in_cmt = 0
        if (buf ~ /^SPDX-License-Identifier:/) { buf = ""; next }
        if (!got_intro) { got_intro = 1; printf "%s", comment_roff(buf); buf = ""; next }
        cmt = buf; standalone = 0
    }
    next
}

/^(FASTIO_API|static inline)/ {
    standalone = 0
    if ($0 ~ /{[ \t]*$/) { s = $0; sub(/[ \t]*{[ \t]*$/, ";", s); add_decl(s, 1); in_body = 1; next }
    add_decl($0, 1)
    if ($0 !~ /;/) in_decl = 1
    next
}

/^[ \t]*$/ {
    if (ndecl > 0) flush()
    else if (cmt != "") { standalone = 1; flush() }
    next
}

# any other code: a comment right above it documents it, not a function
{ if (ndecl > 0) flush(); cmt = "" }

END {
    flush()
    print ".SH \"SEE ALSO\""
    print "\\fBfastio\\fR(1), \\fBfastio\\-server\\fR(8), \\fBpkg\\-config\\fR(1);"
    print "the programs in examples/ and the README of fastio\\-c."
}
