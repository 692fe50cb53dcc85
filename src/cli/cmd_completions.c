/* SPDX-License-Identifier: MIT */
/* cmd_completions.c - "fastio completions bash|zsh|fish": shell completion scripts generated
 * from the command table (cli_groups(), every command's option rows and, through
 * cli_opt_view(), the choices of the endpoint rows they name), so a new command or option is
 * completed without anyone editing a script (D-112).
 *
 * All three scripts hold the same data and walk the words typed so far the same way:
 *   key    "fastio", "fastio auth", "fastio auth api-key", "fastio auth api-key create": the
 *          words that named groups and commands, in order; a word that is not a subcommand of
 *          the key (a positional argument) ends the walk;
 *   sub    key -> its subcommand words (with a summary each for zsh and fish);
 *   opts   key -> its flags; vals: the flags that take a value (whose value is skipped);
 *   choices key|flag -> the values the flag allows (an enum parameter, --format).
 * A group with a default command ("fastio sync SRC DST") has that command's flags under the
 * group's own key. The global flags are valid under every key. */
#include "cli.h"

#include <string.h>

enum shell { SH_BASH, SH_ZSH, SH_FISH };

/* The global flags of cli_global_flag() (args.c) and help.c's GLOBAL OPTIONS; the test of the
 * completions checks that every flag of 'fastio --help' is here. */
struct global_flag {
    const char *name;    /* without "--" */
    char short_name;     /* 0 = none */
    bool value;          /* takes a value */
    const char *choices; /* "a|b|c" or NULL */
    const char *help;
};
static const struct global_flag globals[] = {
    {"api-base", 0, true, NULL, "API base URL, e.g. https://api.fast.io/current"},
    {"token", 0, true, NULL, "Bearer token for this run"},
    {"profile", 0, true, NULL, "Profile of config.json / credentials.json"},
    {"format", 0, true, "json|table|csv|markdown", "Output format"},
    {"fields", 0, true, NULL, "Columns to show (a,b,c)"},
    {"no-color", 0, false, NULL, "No colours"},
    {"quiet", 'q', false, NULL, "Print nothing on success"},
    {"verbose", 'v', false, NULL, "Log each request on stderr"},
    {"log-file", 0, true, NULL, "Append the request log to a file"},
    {"ca-file", 0, true, NULL, "PEM bundle of the CAs that verify an https server"},
    {"help", 'h', false, NULL, "Show help"},
    {"version", 0, false, NULL, "Print the version"},
};
#define N_GLOBALS (sizeof(globals) / sizeof(globals[0]))

/* ---- quoting ------------------------------------------------------------------------------ */

/* s as one single-quoted word of bash or zsh ('...' with ' written '\''). n: bytes of s to
 * use, or (size_t)-1 for all. */
static void sq_n(FILE *f, const char *s, size_t n)
{
    fputc('\'', f);
    for (size_t i = 0; s && s[i] && i < n; i++) {
        if (s[i] == '\'')
            fputs("'\\''", f);
        else if (s[i] == '\n')
            fputc(' ', f);
        else
            fputc(s[i], f);
    }
    fputc('\'', f);
}

static void sq(FILE *f, const char *s)
{
    sq_n(f, s, (size_t)-1);
}

/* s as one fish single-quoted word: \ and ' escaped. */
static void fq(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        if (*s == '\'' || *s == '\\')
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('\'', f);
}

/* A short description: the first sentence or line of text, at most 70 bytes (cut at a space). */
static void short_desc(const char *text, char *out, size_t size)
{
    size_t n = 0;
    if (text == NULL) {
        out[0] = '\0';
        return;
    }
    while (text[n] && text[n] != '\n' && !(text[n] == '.' && (text[n + 1] == ' ' || !text[n + 1])))
        n++;
    if (n > 70) {
        n = 70;
        while (n > 30 && text[n] != ' ')
            n--;
    }
    if (n >= size)
        n = size - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

/* ---- the command table as keys -------------------------------------------------------------- */

/* Length of the first word of a command name ("api-key" of "api-key create"). */
static size_t first_len(const char *name)
{
    return strcspn(name, " ");
}

/* true when an earlier command of g starts with the same first word. */
static bool first_seen(const struct cli_group *g, const struct cli_cmd *c)
{
    size_t n = first_len(c->name);
    for (const struct cli_cmd *p = g->cmds; p != c; p++)
        if (first_len(p->name) == n && strncmp(p->name, c->name, n) == 0)
            return true;
    return false;
}

static const struct cli_cmd *default_cmd(const struct cli_group *g)
{
    for (const struct cli_cmd *c = g->cmds; c->name; c++)
        if (c->flags & CMD_DEFAULT)
            return c;
    return NULL;
}

/* Visit every key with its subcommands: fn(f, key, word, summary, ud) once per (key, word). */
typedef void (*sub_fn)(FILE *f, const char *key, const char *word, const char *summary,
                       void *ud);
static void each_sub(FILE *f, sub_fn fn, void *ud)
{
    char key[160], word[64];
    for (const struct cli_group *g = cli_groups(); g->name; g++) {
        fn(f, "fastio", g->name, g->summary, ud);
        snprintf(key, sizeof(key), "fastio %s", g->name);
        for (const struct cli_cmd *c = g->cmds; c->name; c++) {
            size_t n = first_len(c->name);
            if (c->name[n] == '\0') {
                fn(f, key, c->name, c->summary, ud);
                continue;
            }
            if (!first_seen(g, c)) {
                snprintf(word, sizeof(word), "%.*s", (int)n, c->name);
                char sum[128];
                snprintf(sum, sizeof(sum), "'%s %s' commands", g->name, word);
                fn(f, key, word, sum, ud);
            }
            char key2[224];
            snprintf(key2, sizeof(key2), "%s %.*s", key, (int)n, c->name);
            fn(f, key2, c->name + n + 1, c->summary, ud);
        }
    }
}

/* Visit every flag of every command key: fn(f, key, cmd, opt, view, ud); a group's default
 * command also under the group's key. */
typedef void (*opt_fn)(FILE *f, const char *key, const struct cli_cmd *cmd,
                       const struct cli_opt *o, const struct cli_opt_view *v, void *ud);
static void each_opt(FILE *f, opt_fn fn, void *ud)
{
    char key[224];
    for (const struct cli_group *g = cli_groups(); g->name; g++) {
        const struct cli_cmd *dflt = default_cmd(g);
        for (const struct cli_cmd *c = g->cmds; c->name; c++) {
            for (int pass = 0; pass < 2; pass++) {
                if (pass == 0)
                    snprintf(key, sizeof(key), "fastio %s %s", g->name, c->name);
                else if (c == dflt)
                    snprintf(key, sizeof(key), "fastio %s", g->name);
                else
                    break;
                for (size_t i = 0; c->opts && c->opts[i].name; i++) {
                    const struct cli_opt *o = &c->opts[i];
                    if (o->kind != OPT_VALUE && o->kind != OPT_BOOL)
                        continue;
                    struct cli_opt_view v;
                    cli_opt_view(c, o, &v);
                    fn(f, key, c, o, &v, ud);
                }
            }
        }
    }
}

/* The choices of a flag as words ("a|b" -> "a b"), or NULL. */
static const char *opt_choices(const struct cli_opt *o, const struct cli_opt_view *v)
{
    if (o->kind == OPT_VALUE && v->check == CHK_CHOICE && v->choices)
        return v->choices;
    if (o->kind == OPT_VALUE && v->check == CHK_BOOL)
        return "true|false";
    return NULL;
}

static void choice_words(FILE *f, const char *choices)
{
    for (const char *p = choices; *p; p++)
        fputc(*p == '|' ? ' ' : *p, f);
}

/* ---- bash and zsh: associative arrays of space-separated words --------------------------------
 * Each table is written as one assignment per key: a key's words are gathered by walking the
 * visitors once per key (the tables are small: a few hundred keys). */

struct acc {
    const char *key; /* the key being gathered; NULL = list the keys */
    bool first;
    bool want_value;  /* opts pass: only flags taking a value */
    bool with_desc;   /* zsh: "word:summary" lines */
};

static void sub_word(FILE *f, const char *key, const char *word, const char *summary, void *ud)
{
    struct acc *a = ud;
    if (strcmp(key, a->key) != 0)
        return;
    if (a->with_desc) {
        char d[96];
        short_desc(summary, d, sizeof(d));
        if (!a->first)
            fputc('\n', f);
        for (const char *p = word; *p; p++) {
            if (*p == ':')
                fputc('\\', f);
            fputc(*p, f);
        }
        fputc(':', f);
        for (const char *p = d; *p; p++) {
            if (*p == '\'')
                fputs("'\\''", f);
            else
                fputc(*p, f);
        }
    } else {
        fprintf(f, "%s%s", a->first ? "" : " ", word);
    }
    a->first = false;
}

static void opt_word(FILE *f, const char *key, const struct cli_cmd *cmd, const struct cli_opt *o,
                     const struct cli_opt_view *v, void *ud)
{
    (void)cmd;
    (void)v;
    struct acc *a = ud;
    if (strcmp(key, a->key) != 0 || (a->want_value && o->kind != OPT_VALUE))
        return;
    fprintf(f, "%s--%s", a->first ? "" : " ", o->name);
    if (o->short_name)
        fprintf(f, " -%c", o->short_name);
    a->first = false;
}

/* The distinct keys of the subcommand table, in order: the callback gathers per key. */
struct keylist {
    char (*keys)[224];
    size_t n, cap;
};

static void collect_key(struct keylist *kl, const char *key)
{
    for (size_t i = kl->n; i > 0; i--) /* keys come grouped: the last few suffice, but be exact */
        if (strcmp(kl->keys[i - 1], key) == 0)
            return;
    if (kl->n < kl->cap)
        snprintf(kl->keys[kl->n++], sizeof(kl->keys[0]), "%s", key);
}

static void sub_key(FILE *f, const char *key, const char *word, const char *summary, void *ud)
{
    (void)f;
    (void)word;
    (void)summary;
    collect_key(ud, key);
}

static void opt_key(FILE *f, const char *key, const struct cli_cmd *cmd, const struct cli_opt *o,
                    const struct cli_opt_view *v, void *ud)
{
    (void)f;
    (void)cmd;
    (void)o;
    (void)v;
    collect_key(ud, key);
}

/* The start of one entry of an associative array: "    ['key']='" (key quoted). */
static void entry_open(FILE *f, const char *key)
{
    fputs("    [", f);
    sq(f, key);
    fputs("]='", f);
}

/* choices entries: ['key|--flag']='a b c' */
static void opt_choice(FILE *f, const char *key, const struct cli_cmd *cmd,
                       const struct cli_opt *o, const struct cli_opt_view *v, void *ud)
{
    (void)cmd;
    (void)ud;
    const char *ch = opt_choices(o, v);
    if (ch == NULL)
        return;
    char k[288];
    for (int pass = 0; pass < (o->short_name ? 2 : 1); pass++) {
        if (pass == 0)
            snprintf(k, sizeof(k), "%s|--%s", key, o->name);
        else
            snprintf(k, sizeof(k), "%s|-%c", key, o->short_name);
        entry_open(f, k);
        choice_words(f, ch);
        fputs("'\n", f);
    }
}

#define MAX_KEYS 4096

/* The four tables (and _fastio_desc for zsh) as `typeset -gA` / `declare -gA` assignments. */
static int tables_sh(FILE *f, enum shell sh)
{
    static char keys[MAX_KEYS][224];
    struct keylist kl = {keys, 0, MAX_KEYS};
    const char *decl = sh == SH_BASH ? "declare -gA" : "typeset -gA";

    each_sub(f, sub_key, &kl);
    if (kl.n >= MAX_KEYS)
        return CLI_ERR;
    /* _fastio_sub, and for zsh _fastio_desc: the same keys, words with their summaries */
    for (int desc = 0; desc < (sh == SH_ZSH ? 2 : 1); desc++) {
        fprintf(f, "%s %s=(\n", decl, desc ? "_fastio_desc" : "_fastio_sub");
        for (size_t i = 0; i < kl.n; i++) {
            struct acc a = {keys[i], true, false, desc != 0};
            entry_open(f, keys[i]);
            each_sub(f, sub_word, &a);
            fputs("'\n", f);
        }
        fputs(")\n", f);
    }

    kl.n = 0;
    each_opt(f, opt_key, &kl);
    if (kl.n >= MAX_KEYS)
        return CLI_ERR;
    for (int vals = 0; vals < 2; vals++) {
        fprintf(f, "%s %s=(\n", decl, vals ? "_fastio_vals" : "_fastio_opts");
        /* the global flags under the key "fastio" */
        fputs("    ['fastio']='", f);
        bool first = true;
        for (size_t g = 0; g < N_GLOBALS; g++) {
            if (vals && !globals[g].value)
                continue;
            fprintf(f, "%s--%s", first ? "" : " ", globals[g].name);
            if (globals[g].short_name)
                fprintf(f, " -%c", globals[g].short_name);
            first = false;
        }
        fputs("'\n", f);
        for (size_t i = 0; i < kl.n; i++) {
            struct acc a = {keys[i], true, vals != 0, false};
            entry_open(f, keys[i]);
            each_opt(f, opt_word, &a);
            fputs("'\n", f);
        }
        fputs(")\n", f);
    }
    fprintf(f, "%s _fastio_choices=(\n", decl);
    for (size_t g = 0; g < N_GLOBALS; g++) {
        if (globals[g].choices) {
            fprintf(f, "    ['fastio|--%s']='", globals[g].name);
            choice_words(f, globals[g].choices);
            fputs("'\n", f);
        }
    }
    each_opt(f, opt_choice, NULL);
    fputs(")\n", f);
    return CLI_OK;
}

/* The walk over the words typed before the cursor, shared by bash and zsh (same syntax once the
 * words are in an array `w` with the command at index `first`): sets key and stopped. */
static void walk_sh(FILE *f, const char *words, const char *first, const char *last)
{
    fprintf(f,
            "    local key=fastio stopped= skip= i x\n"
            "    for ((i = %s; i < %s; i++)); do\n"
            "        x=${%s[i]}\n"
            "        if [[ -n $skip ]]; then [[ $x == = ]] || skip=; continue; fi\n"
            "        case $x in\n"
            "        =) skip=1; continue ;; # bash splits --flag=value at '=': a value follows\n"
            "        --*=*) continue ;;\n"
            "        -?*)\n"
            "            [[ \" ${_fastio_vals[$key]-} ${_fastio_vals[fastio]} \" == *\" $x \"* ]] && skip=1\n"
            "            continue ;;\n"
            "        esac\n"
            "        if [[ -z $stopped && \" ${_fastio_sub[$key]-} \" == *\" $x \"* ]]; then\n"
            "            key=\"$key $x\"\n"
            "        else\n"
            "            stopped=1\n"
            "        fi\n"
            "    done\n",
            first, last, words);
}

static void header(FILE *f, enum shell sh, const char *install)
{
    static const char *const names[] = {"bash", "zsh", "fish"};
    fprintf(f,
            "# %s completion for fastio %s, generated by 'fastio completions %s' from the CLI's\n"
            "# command table: regenerate it after an upgrade.\n%s",
            names[sh], FASTIO_VERSION, names[sh], install);
}

static int gen_bash(FILE *f)
{
    header(f, SH_BASH,
           "# Load it now: source <(fastio completions bash)\n"
           "# Install it:  fastio completions bash > ~/.local/share/bash-completion/completions/fastio\n"
           "#              (system-wide: /usr/share/bash-completion/completions/fastio)\n");
    if (tables_sh(f, SH_BASH) != CLI_OK)
        return CLI_ERR;
    fputs("_fastio() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=\n"
          "    ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    # --flag=value: bash made '--flag' '=' 'value' of it\n"
          "    [[ $prev == = ]] && ((COMP_CWORD > 2)) && prev=${COMP_WORDS[COMP_CWORD-2]}\n"
          "    [[ $cur == = ]] && cur=\n",
          f);
    walk_sh(f, "COMP_WORDS", "1", "COMP_CWORD");
    fputs("    COMPREPLY=()\n"
          "    if [[ $prev == -?* && \" ${_fastio_vals[$key]-} ${_fastio_vals[fastio]} \" == *\" $prev \"* ]]; then\n"
          "        local ch=${_fastio_choices[$key|$prev]-${_fastio_choices[fastio|$prev]-}}\n"
          "        # no list of values: the shell's default (file names)\n"
          "        [[ -n $ch ]] && mapfile -t COMPREPLY < <(compgen -W \"$ch\" -- \"$cur\")\n"
          "        return 0\n"
          "    fi\n"
          "    if [[ $cur == -* ]]; then\n"
          "        mapfile -t COMPREPLY < <(compgen -W \"${_fastio_opts[$key]-} ${_fastio_opts[fastio]}\" -- \"$cur\")\n"
          "        return 0\n"
          "    fi\n"
          "    if [[ -z $stopped && -n ${_fastio_sub[$key]-} ]]; then\n"
          "        mapfile -t COMPREPLY < <(compgen -W \"${_fastio_sub[$key]}\" -- \"$cur\")\n"
          "    fi\n"
          "    return 0\n"
          "}\n"
          "complete -o default -F _fastio fastio\n",
          f);
    return CLI_OK;
}

static int gen_zsh(FILE *f)
{
    fputs("#compdef fastio\n", f);
    header(f, SH_ZSH,
           "# Load it now (after compinit): source <(fastio completions zsh)\n"
           "# Install it: fastio completions zsh > \"${fpath[1]}/_fastio\" (a directory of $fpath)\n");
    if (tables_sh(f, SH_ZSH) != CLI_OK)
        return CLI_ERR;
    fputs("_fastio() {\n"
          "    local cur=${words[CURRENT]} prev=${words[CURRENT-1]}\n",
          f);
    walk_sh(f, "words", "2", "CURRENT");
    fputs("    if [[ $prev == -?* && \" ${_fastio_vals[$key]-} ${_fastio_vals[fastio]} \" == *\" $prev \"* ]]; then\n"
          "        local ch=${_fastio_choices[$key|$prev]-${_fastio_choices[fastio|$prev]-}}\n"
          "        if [[ -n $ch ]]; then compadd -- ${=ch}; else _files; fi\n"
          "        return\n"
          "    fi\n"
          "    if [[ $cur == -* ]]; then\n"
          "        compadd -- ${=_fastio_opts[$key]-} ${=_fastio_opts[fastio]}\n"
          "        return\n"
          "    fi\n"
          "    if [[ -z $stopped && -n ${_fastio_sub[$key]-} ]]; then\n"
          "        local -a cmds\n"
          "        cmds=(\"${(@f)_fastio_desc[$key]}\")\n"
          "        _describe -t commands 'fastio command' cmds\n"
          "    fi\n"
          "    [[ $key == fastio ]] || _files\n"
          "}\n"
          "if [[ ${zsh_eval_context[-1]-} == loadautofunc ]]; then\n"
          "    _fastio \"$@\"\n"
          "else\n"
          "    compdef _fastio fastio\n"
          "fi\n",
          f);
    return CLI_OK;
}

/* ---- fish: complete rules with conditions -------------------------------------------------- */

static void fish_sub(FILE *f, const char *key, const char *word, const char *summary, void *ud)
{
    (void)ud;
    char d[96];
    short_desc(summary, d, sizeof(d));
    /* -f: no file names beside the subcommands, except where a group's default command takes
     * arguments ("fastio sync ./dir ...") */
    bool files = false;
    for (const struct cli_group *g = cli_groups(); g->name; g++)
        if (strncmp(key, "fastio ", 7) == 0 && strcmp(key + 7, g->name) == 0 && default_cmd(g))
            files = true;
    /* keys are command words ([a-z0-9-] and spaces): safe inside "..." and '...' */
    fprintf(f, "complete -c fastio%s -n \"__fastio_at '%s'\" -a ", files ? "" : " -f", key);
    fq(f, word);
    fputs(" -d ", f);
    fq(f, d);
    fputc('\n', f);
}

static void fish_opt(FILE *f, const char *key, const struct cli_cmd *cmd, const struct cli_opt *o,
                     const struct cli_opt_view *v, void *ud)
{
    (void)cmd;
    (void)ud;
    char d[96];
    short_desc(v->doc ? v->doc : v->remark, d, sizeof(d));
    fprintf(f, "complete -c fastio -n \"__fastio_in '%s'\" -l %s", key, o->name);
    if (o->short_name)
        fprintf(f, " -s %c", o->short_name);
    const char *ch = opt_choices(o, v);
    if (ch) {
        fputs(" -x -a ", f);
        char words[512];
        size_t n = 0;
        for (const char *p = ch; *p && n + 1 < sizeof(words); p++)
            words[n++] = *p == '|' ? ' ' : *p;
        words[n] = '\0';
        fq(f, words);
    } else if (o->kind == OPT_VALUE) {
        fputs(" -r", f);
    }
    if (d[0]) {
        fputs(" -d ", f);
        fq(f, d);
    }
    fputc('\n', f);
}

/* __fastio_value KEY FLAG: the flag takes a value under the key (for the walk). */
static void fish_val_case(FILE *f, const char *key, const struct cli_cmd *cmd,
                          const struct cli_opt *o, const struct cli_opt_view *v, void *ud)
{
    (void)cmd;
    (void)v;
    (void)ud;
    if (o->kind != OPT_VALUE)
        return;
    char k[288];
    snprintf(k, sizeof(k), "%s|--%s", key, o->name);
    fputs("        case ", f);
    fq(f, k);
    if (o->short_name) {
        snprintf(k, sizeof(k), "%s|-%c", key, o->short_name);
        fputc(' ', f);
        fq(f, k);
    }
    fputs("\n            return 0\n", f);
}

static void fish_sub_case(FILE *f, const char *key, const char *word, const char *summary,
                          void *ud)
{
    (void)summary;
    (void)ud;
    char k[288];
    snprintf(k, sizeof(k), "%s|%s", key, word);
    fputs("        case ", f);
    fq(f, k);
    fputs("\n            return 0\n", f);
}

static int gen_fish(FILE *f)
{
    header(f, SH_FISH,
           "# Load it now: fastio completions fish | source\n"
           "# Install it:  fastio completions fish > ~/.config/fish/completions/fastio.fish\n");
    fputs("function __fastio_is_sub --argument-names key word\n"
          "    switch \"$key|$word\"\n",
          f);
    each_sub(f, fish_sub_case, NULL);
    fputs("    end\n    return 1\nend\n\n"
          "function __fastio_value --argument-names key flag\n"
          "    switch \"$key|$flag\"\n",
          f);
    for (size_t g = 0; g < N_GLOBALS; g++) {
        if (!globals[g].value)
            continue;
        fprintf(f, "        case '*|--%s'\n            return 0\n", globals[g].name);
    }
    each_opt(f, fish_val_case, NULL);
    fputs("    end\n    return 1\nend\n\n", f);
    /* the walk: prints the key, and "+" on a second line when a positional ended it */
    fputs("function __fastio_key\n"
          "    set -l key fastio\n"
          "    set -l stopped 0\n"
          "    set -l skip 0\n"
          "    for x in (commandline -opc)[2..-1]\n"
          "        if test $skip = 1\n"
          "            set skip 0\n"
          "            continue\n"
          "        end\n"
          "        switch $x\n"
          "            case '--*=*'\n"
          "                continue\n"
          "            case '-?*'\n"
          "                __fastio_value $key $x; and set skip 1\n"
          "                continue\n"
          "        end\n"
          "        if test $stopped = 0; and __fastio_is_sub $key $x\n"
          "            set key \"$key $x\"\n"
          "        else\n"
          "            set stopped 1\n"
          "        end\n"
          "    end\n"
          "    echo $key\n"
          "    test $stopped = 1; and echo +\n"
          "end\n\n"
          "# true when the words so far are exactly the key (a subcommand may follow)\n"
          "function __fastio_at --argument-names want\n"
          "    set -l k (__fastio_key)\n"
          "    test (count $k) = 1; and test \"$k[1]\" = \"$want\"\n"
          "end\n\n"
          "# true when the words so far name the key (its flags apply)\n"
          "function __fastio_in --argument-names want\n"
          "    set -l k (__fastio_key)\n"
          "    test \"$k[1]\" = \"$want\"\n"
          "end\n\n",
          f);
    for (size_t g = 0; g < N_GLOBALS; g++) {
        fprintf(f, "complete -c fastio -l %s", globals[g].name);
        if (globals[g].short_name)
            fprintf(f, " -s %c", globals[g].short_name);
        if (globals[g].choices) {
            fputs(" -x -a ", f);
            char words[128];
            size_t n = 0;
            for (const char *p = globals[g].choices; *p && n + 1 < sizeof(words); p++)
                words[n++] = *p == '|' ? ' ' : *p;
            words[n] = '\0';
            fq(f, words);
        } else if (globals[g].value) {
            fputs(" -r", f);
        }
        fputs(" -d ", f);
        fq(f, globals[g].help);
        fputc('\n', f);
    }
    each_sub(f, fish_sub, NULL);
    each_opt(f, fish_opt, NULL);
    return CLI_OK;
}

static int run_completions(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)args;
    int rc;
    if (strcmp(cmd->name, "bash") == 0)
        rc = gen_bash(stdout);
    else if (strcmp(cmd->name, "zsh") == 0)
        rc = gen_zsh(stdout);
    else
        rc = gen_fish(stdout);
    if (rc == CLI_OK && (fflush(stdout) != 0 || ferror(stdout)))
        rc = CLI_ERR;
    if (rc != CLI_OK)
        cli_errorf(ctx, "cannot write the completion script");
    return rc;
}

/* clang-format off: rows read as a table */
static const struct cli_opt no_opts[] = {{0}};
/* what the three rows share: local, no options, one handler */
#define COMPLETIONS_ROW .endpoint = -1, .opts = no_opts, .run = run_completions, .flags = CMD_LOCAL

const struct cli_cmd cli_completions_cmds[] = {
    {.name = "bash",
     COMPLETIONS_ROW,
     .summary = "Print the bash completion script",
     .description = "Prints a bash script that completes fastio's groups, commands, flags and\n"
                    "the values of flags that take one of a list (--format, enum parameters);\n"
                    "other arguments complete as file names. It is generated from the same\n"
                    "command table as --help, so it matches this version of fastio.\n\n"
                    "Load it into the running shell with 'source <(fastio completions bash)', or\n"
                    "install it for every new shell (bash-completion loads it on first use).",
     .examples = "source <(fastio completions bash)\n"
                 "fastio completions bash > ~/.local/share/bash-completion/completions/fastio"},
    {.name = "zsh",
     COMPLETIONS_ROW,
     .summary = "Print the zsh completion script",
     .description = "Prints a zsh completion function (#compdef fastio) with the same data as\n"
                    "the bash script, commands with their summaries. Put it in a directory of\n"
                    "$fpath as _fastio before compinit runs, or source it after compinit.",
     .examples = "fastio completions zsh > \"${fpath[1]}/_fastio\"\n"
                 "source <(fastio completions zsh)"},
    {.name = "fish",
     COMPLETIONS_ROW,
     .summary = "Print the fish completion script",
     .description = "Prints fish 'complete' rules for every group, command and flag, with\n"
                    "descriptions and the allowed values of list-valued flags.",
     .examples = "fastio completions fish > ~/.config/fish/completions/fastio.fish\n"
                 "fastio completions fish | source"},
    {.name = NULL},
};
/* clang-format on */
