# SPDX-License-Identifier: MIT
# help2man.awk - turn a help text in the man-page layout that `fastio --help` and
# `fastio-server --help` print into a roff man page (D-113):
#   SECTION NAMES        capital letters at column 0            -> .SH
#   NAME                 "prog - what it is"                    -> prog \- what it is
#   SYNOPSIS, EXAMPLES   lines kept as they are                 -> .nf ... .fi
#   a line at column 4 followed by lines at column 8            -> .TP (tag, then its text)
#   "TAG  text" at column 4 (two or more spaces), continued by deeper lines -> .TP
#                        (not in DESCRIPTION, where text is prose); "--flag VALUE text" with
#                        one space: the flag and its capitalised value words are the tag
#   other lines at column 4 and deeper                          -> filled text; a blank line
#                                                                  between paragraphs -> .PP
# Variables (-v): name, section, date, source, manual (the .TH line); insert_after and
# insert_file: the roff of insert_file goes after the section named insert_after. The environment
# variable SEE_ALSO: roff text of a SEE ALSO section at the end.
# Bounded: one pass over the lines read.

function esc(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    if (s ~ /^[.']/) s = "\\&" s
    return s
}
# A tag: option words (starting with '-') bold, their values italic; anything else bold.
function tag(s,    n, w, i, out, opt) {
    n = split(s, w, " ")
    opt = (w[1] ~ /^-/)
    out = ""
    for (i = 1; i <= n; i++) {
        if (!opt || w[i] ~ /^-/) out = out (i > 1 ? " " : "") "\\fB" esc(w[i]) "\\fR"
        else out = out (i > 1 ? " " : "") "\\fI" esc(w[i]) "\\fR"
    }
    return out
}
function indent(s) { return match(s, /[^ ]/) ? RSTART - 1 : -1 }
function close_nf() { if (nf) { print ".fi"; print ".RE"; nf = 0 } }
function do_insert(    l) {
    if (insert_file == "") return
    while ((getline l < insert_file) > 0) print l
    close(insert_file)
    inserted = 1
}

{ line[++n] = $0 }

END {
    printf ".TH \"%s\" \"%s\" \"%s\" \"%s\" \"%s\"\n", toupper(name), section, date, source, manual
    print ".nh"
    print ".ad l"
    sec = ""; nf = 0; pp = 0; started = 0
    for (i = 1; i <= n; i++) {
        l = line[i]
        if (l ~ /^[A-Z][A-Z ]*[A-Z]$/) {
            close_nf()
            if (sec != "" && sec == insert_after) do_insert()
            sec = l; pp = 0; started = 0
            print ".SH \"" l "\""
            continue
        }
        if (l ~ /^[ \t]*$/) { close_nf(); if (started) pp = 1; continue }
        ind = indent(l)
        text = substr(l, ind + 1)
        if (sec == "NAME") { sub(/ - /, " \\- ", text); print esc_name(text); continue }
        if (sec == "SYNOPSIS" || sec == "EXAMPLES") {
            if (!nf) { if (started) print ".PP"; print ".RS 4"; print ".nf"; nf = 1 }
            print esc(text); started = 1; pp = 0
            continue
        }
        if (ind <= 4) {
            if (sec != "DESCRIPTION" && match(text, /^[^ ]+( [^ ]+)*  +/)) {
                t = substr(text, 1, RLENGTH); sub(/ +$/, "", t)
                print ".TP"; print tag(t); print esc(substr(text, RLENGTH + 1))
                started = 1; pp = 0
                continue
            }
            nxt = (i < n) ? line[i + 1] : ""
            if (indent(nxt) >= 8) {
                print ".TP"; print tag(text); started = 1; pp = 0
                continue
            }
            # "--flag VALUE text" with one space before the text (a long flag): the flag words
            # and the capitalised value words that follow them are the tag
            if (sec != "DESCRIPTION" && text ~ /^-/) {
                m = split(text, w, " "); t = ""
                for (k = 1; k <= m && (w[k] ~ /^-/ || (k > 1 && w[k] ~ /^[A-Z][A-Z0-9_:,.|\[\]]*$/)); k++)
                    t = t (k > 1 ? " " : "") w[k]
                rest = ""
                for (; k <= m; k++) rest = rest (rest == "" ? "" : " ") w[k]
                print ".TP"; print tag(t)
                if (rest != "") print esc(rest)
                started = 1; pp = 0
                continue
            }
            if (pp) print ".PP"
            pp = 0
        }
        print esc(text); started = 1
    }
    close_nf()
    if (sec == insert_after) do_insert()
    if (ENVIRON["SEE_ALSO"] != "") { print ".SH \"SEE ALSO\""; print ENVIRON["SEE_ALSO"] }
    if (insert_file != "" && !inserted) {
        print "help2man.awk: no section " insert_after " to insert after" > "/dev/stderr"
        exit 1
    }
}
# NAME: "prog \- text" with the escapes of esc() except the " \- " just made.
function esc_name(s,    a, b) {
    a = index(s, " \\- ")
    if (a == 0) return esc(s)
    return esc(substr(s, 1, a - 1)) " \\- " esc(substr(s, a + 4))
}
