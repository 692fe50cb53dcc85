/* SPDX-License-Identifier: MIT */
/* h_auth.c - accounts and credentials (api §2.1, §2.2, §2.4): sign-up, Basic sign-in, token
 * resolution for the router, the caller's profile, API keys, and the first-start bootstrap of
 * the local owner account. Passwords use PBKDF2-HMAC-SHA256 (libcrypto); bearer tokens and API
 * keys carry 256 random bits and only their SHA-256 is stored. Owns the users, sessions and
 * api_keys tables. */
#include "handlers.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "store_account.h"
#include "store_oauth.h"
#include "name.h"
#include "rows.h"
#include "rand.h"
#include "timeutil.h"
#include "verify.h"

#define TOKEN_PREFIX_SESSION "fio_s_"
#define TOKEN_PREFIX_KEY "fio_k_"
#define TOKEN_PREFIX_OAUTH "fio_o_" /* OAuth access tokens (h_oauth.c, oauth.h) */
#define TOKEN_RAW 32
#define HASH_HEX 65

/* ---- secrets -------------------------------------------------------------------------------- */

static void sha256_hex(const char *s, char out[HASH_HEX])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    fio_hex_encode(md, 32, out);
}

/* A new secret "<prefix><43 base64url chars>" and its hash. */
static bool new_token(const char *prefix, char *tok, size_t toksize, char hash[HASH_HEX])
{
    unsigned char raw[TOKEN_RAW];
    char enc[64];
    if (!fio_random_bytes(raw, sizeof(raw)))
        return false;
    fio_b64url_encode(raw, sizeof(raw), enc, sizeof(enc));
    snprintf(tok, toksize, "%s%s", prefix, enc);
    sha256_hex(tok, hash);
    return true;
}

/* "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>" */
static bool password_hash(const char *pw, unsigned iterations, char *out, size_t out_size)
{
    unsigned char salt[16], dk[32];
    char salt64[32], dk64[64];
    if (!fio_random_bytes(salt, sizeof(salt)))
        return false;
    if (PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sizeof(salt), (int)iterations, EVP_sha256(),
                          sizeof(dk), dk) != 1)
        return false;
    fio_b64_encode(salt, sizeof(salt), salt64, sizeof(salt64));
    fio_b64_encode(dk, sizeof(dk), dk64, sizeof(dk64));
    int n = snprintf(out, out_size, "pbkdf2-sha256$%u$%s$%s", iterations, salt64, dk64);
    return n > 0 && (size_t)n < out_size;
}

static bool password_verify(const char *pw, const char *stored)
{
    char buf[256];
    if (!fio_strlcpy(buf, stored, sizeof(buf)))
        return false;
    char *parts[4];
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        parts[i] = p;
        p = i < 3 ? strchr(p, '$') : NULL;
        if (i < 3) {
            if (!p)
                return false;
            *p++ = 0;
        }
    }
    long long iter;
    if (strcmp(parts[0], "pbkdf2-sha256") != 0 || !fio_parse_ll(parts[1], 1, 100000000, &iter))
        return false;
    unsigned char salt[64], want[64], got[64];
    size_t sl, wl;
    if (!fio_b64_decode(parts[2], strlen(parts[2]), salt, sizeof(salt), &sl) ||
        !fio_b64_decode(parts[3], strlen(parts[3]), want, sizeof(want), &wl) || wl == 0)
        return false;
    if (PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, (int)sl, (int)iter, EVP_sha256(), (int)wl,
                          got) != 1)
        return false;
    return CRYPTO_memcmp(got, want, wl) == 0;
}

/* ---- token resolution (used by the router for every request) ------------------------------ */

int auth_resolve_bearer(struct store_conn *st, const char *token, struct caller *out)
{
    size_t n = strlen(token);
    if (n < 8 || n > 512)
        return -1;
    char hash[HASH_HEX];
    sha256_hex(token, hash);
    bool key = strncmp(token, TOKEN_PREFIX_KEY, strlen(TOKEN_PREFIX_KEY)) == 0;
    bool oauth = strncmp(token, TOKEN_PREFIX_OAUTH, strlen(TOKEN_PREFIX_OAUTH)) == 0;
    struct store_token_owner who;
    if (STORE(st, account)->token_resolve(st,
                                          oauth ? STORE_TOKEN_OAUTH
                                          : key ? STORE_TOKEN_API_KEY
                                                : STORE_TOKEN_SESSION,
                                          hash, srv_now_us(), &who) != STORE_OK)
        return -1;
    memset(out, 0, sizeof(*out));
    out->authed = true;
    fio_strlcpy(out->user_id, who.user_id, sizeof(out->user_id));
    fio_strlcpy(out->email, who.email, sizeof(out->email));
    out->via_api_key = key;
    out->via_oauth = oauth;
    if (oauth)
        fio_strlcpy(out->oauth_session, who.ref_id, sizeof(out->oauth_session));
    else
        fio_strlcpy(out->key_id, who.ref_id, sizeof(out->key_id));
    return 0;
}

int auth_password_check(struct server *s, struct store_conn *st, const char *email,
                        const char *pw, char user_id[FIO_PROFILE_ID_SIZE])
{
    char stored[256] = "";
    user_id[0] = 0;
    /* Any failure reads as an unknown account: the dummy KDF below keeps the timing. */
    if (STORE(st, account)->user_password(st, email, user_id, stored, sizeof(stored)) != STORE_OK)
        user_id[0] = 0;
    bool ok;
    if (user_id[0]) {
        ok = password_verify(pw, stored);
    } else {
        char dummy[160]; /* same time for unknown accounts */
        ok = password_hash(pw, s->cfg.kdf_iterations, dummy, sizeof(dummy)) && false;
    }
    if (!ok)
        user_id[0] = 0;
    return ok ? 0 : -1;
}

/* ---- users ---------------------------------------------------------------------------------- */

static bool email_valid(const char *e)
{
    size_t n = strlen(e);
    if (n < 3 || n > 254 || !fio_utf8_valid(e, n))
        return false;
    const char *at = strchr(e, '@');
    if (!at || at == e || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '/' || *p == '\\')
            return false;
    return true;
}

static int insert_user(struct store_conn *st, const char *email, const char *pwhash,
                       const char *first, const char *last, bool agent, char id[FIO_PROFILE_ID_SIZE])
{
    if (!fio_profile_id_new(id))
        return -1;
    return STORE(st, account)->user_insert(st, id, email, pwhash, first, last,
                                           agent ? "agent" : "human", srv_now_us()) == STORE_OK
               ? 0
               : -1;
}

int h_user_signup(struct req *r)
{
    if (r->srv->cfg.signup == SRV_SIGNUP_CLOSED)
        return req_fail(r, 403, API_ERR_RESTRICTED,
                        "Sign-up is closed on this server (--signup closed); ask its operator "
                        "for an account");
    const char *email = req_param_required(r, "email_address");
    if (!email)
        return -1;
    const char *pw = req_param_required(r, "password");
    if (!pw)
        return -1;
    const char *first = req_param(r, "first_name");
    const char *last = req_param(r, "last_name");
    bool agent;
    if (!req_param_bool(r, "agent", false, &agent))
        return -1;
    if (!email_valid(email))
        return req_fail_param(r, "email_address", "invalid", "Not a valid email address");
    size_t pl = strlen(pw);
    if (pl < 8 || pl > 1024)
        return req_fail_param(r, "password", "invalid",
                              "The password must be 8 to 1024 characters long");
    if ((first && strlen(first) > 100) || (last && strlen(last) > 100))
        return req_fail_param(r, first && strlen(first) > 100 ? "first_name" : "last_name",
                              "invalid", "Names are limited to 100 characters");
    char hash[160];
    /* The slow KDF runs before the transaction so it never holds the write lock. */
    if (!password_hash(pw, r->srv->cfg.kdf_iterations, hash, sizeof(hash)))
        return req_fail_internal(r, "password hash");
    if (store_begin(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    bool exists = false;
    /* A failed lookup reads as "new": the insert then fails on the unique email. */
    if (STORE(r->st, account)->user_email_taken(r->st, email, &exists) != STORE_OK)
        exists = false;
    char id[FIO_PROFILE_ID_SIZE];
    /* api §2.1: the answer is the same for new and existing emails (no enumeration). */
    if (!exists && insert_user(r->st, email, hash, first ? first : "", last ? last : "", agent,
                               id) != 0) {
        store_rollback(r->st);
        return req_fail_internal(r, "insert user");
    }
    /* a new account starts unverified and gets its code (D-081; the answer stays the same) */
    if (!exists && (STORE(r->st, account)->email_verified_set(r->st, id, false) != STORE_OK ||
                    verify_send_code(r->srv, r->st, id, email) != 0)) {
        store_rollback(r->st);
        return req_fail_internal(r, "verification code");
    }
    if (store_commit(r->st) != STORE_OK) {
        store_rollback(r->st);
        return req_fail_internal(r, "commit user");
    }
    if (req_set(r, "signup_request_accepted", json_true()) ||
        req_set(r, "signed_in", json_false()))
        return -1;
    return 0;
}

int h_user_signin(struct req *r)
{
    const char *a = r->authz;
    if (!a || strncasecmp(a, "Basic ", 6) != 0)
        return req_fail(r, 401, API_ERR_AUTH, "Basic credentials (email:password) are required");
    a += 6;
    while (*a == ' ')
        a++;
    char dec[1100];
    size_t dl;
    if (strlen(a) > 1400 || !fio_b64_decode(a, strlen(a), dec, sizeof(dec) - 1, &dl))
        return req_fail(r, 401, API_ERR_AUTH, "Malformed Basic credentials");
    dec[dl] = 0;
    char *colon = memchr(dec, ':', dl);
    if (!colon || memchr(dec, 0, dl))
        return req_fail(r, 401, API_ERR_AUTH, "Malformed Basic credentials");
    *colon = 0;
    const char *email = dec, *pw = colon + 1;

    char stored[256] = "", user_id[FIO_PROFILE_ID_SIZE] = "";
    if (STORE(r->st, account)->user_password(r->st, email, user_id, stored, sizeof(stored)) !=
        STORE_OK)
        user_id[0] = 0;
    bool ok;
    if (user_id[0]) {
        ok = password_verify(pw, stored);
    } else {
        /* Spend the same time for unknown accounts, so timing does not reveal which exist. */
        char dummy[160];
        ok = password_hash(pw, r->srv->cfg.kdf_iterations, dummy, sizeof(dummy)) && false;
    }
    explicit_bzero(dec, sizeof(dec));
    if (!ok)
        return req_fail(r, 401, API_ERR_AUTH, "Wrong email or password");

    char tok[96], hash[HASH_HEX];
    if (!new_token(TOKEN_PREFIX_SESSION, tok, sizeof(tok), hash))
        return req_fail_internal(r, "token");
    int64_t now = srv_now_us();
    int64_t ttl = r->srv->cfg.token_ttl_s;
    if (store_begin(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    if (STORE(r->st, account)->session_add(r->st, hash, user_id, now, now + ttl * 1000000) !=
            STORE_OK ||
        store_commit(r->st) != STORE_OK) {
        store_rollback(r->st);
        return req_fail_internal(r, "session insert");
    }
    if (req_set(r, "auth_token", json_string(tok)) ||
        req_set(r, "expires_in", json_integer(ttl)) || req_set(r, "2factor", json_false()) ||
        req_set(r, "user_id", json_string(user_id)))
        return -1;
    return 0;
}

int h_auth_check(struct req *r)
{
    return req_set(r, "id", json_string(r->caller.user_id));
}

int h_user_me(struct req *r)
{
    json_t *row = NULL;
    if (STORE(r->st, account)->user_row(r->st, r->caller.user_id, &row) != STORE_OK)
        return req_fail_internal(r, "user lookup");
    json_t *u = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o}", "id", row_str(row, "id"),
                          "email_address", row_str(row, "email"), "first_name",
                          row_str(row, "first_name"), "last_name", row_str(row, "last_name"),
                          "account_type", row_str(row, "account_type"), "email_verified",
                          row_int(row, "email_verified") != 0, "created", row_time(row, "created"),
                          "updated", row_time(row, "updated"));
    json_decref(row);
    if (u)
        json_object_set_new(u, "auth_method", json_string(r->caller.via_api_key ? "api_key"
                                                         : r->caller.via_oauth ? "oauth"
                                                                               : "jwt"));
    return req_set(r, "user", u);
}

/* ---- API keys (api §2.4) -------------------------------------------------------------------- */

/* Parse "YYYY-MM-DD HH:MM:SS" with an optional " UTC" into wall microseconds. */
static bool parse_api_time(const char *s, int64_t *us)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!end)
        return false;
    if (*end && strcmp(end, " UTC") != 0 && strcmp(end, "Z") != 0)
        return false;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *us = (int64_t)t * 1000000;
    return true;
}

/* The wire object of a store API key row (store_account.h). */
static json_t *key_render(const json_t *row)
{
    json_t *k = json_pack("{s:s, s:s, s:s}", "id", row_str(row, "id"), "key_prefix",
                          row_str(row, "key_prefix"), "memo", row_str(row, "memo"));
    if (!k)
        return NULL;
    const char *text = json_string_value(json_object_get(row, "scopes"));
    json_t *scopes = text ? json_loads(text, 0, NULL) : NULL;
    json_object_set_new(k, "scopes", scopes ? scopes : json_null());
    json_object_set_new(k, "agent_name", row_str_or_null(row, "agent_name"));
    json_object_set_new(k, "expires", row_time_or_null(row, "expires"));
    json_object_set_new(k, "created", row_time(row, "created"));
    json_object_set_new(k, "updated", row_time(row, "updated"));
    json_object_set_new(k, "last_used", row_time_or_null(row, "last_used"));
    return k;
}

static json_t *load_key(struct req *r, const char *id)
{
    json_t *row = NULL;
    if (STORE(r->st, account)->apikey_row(r->st, id, r->caller.user_id, &row) != STORE_OK)
        return NULL;
    json_t *k = key_render(row);
    json_decref(row);
    return k;
}

/* Validate the optional key fields shared by create and update. scopes_out/expires_out get
 * the values to store; *has_* says whether the field was given. */
struct key_fields {
    const char *memo;
    bool has_scopes;
    char *scopes; /* owned, compact JSON or NULL */
    const char *agent_name;
    bool has_expires;
    bool expires_null;
    int64_t expires;
};

static int key_fields_read(struct req *r, struct key_fields *f)
{
    memset(f, 0, sizeof(*f));
    f->memo = req_param(r, "memo");
    if (f->memo && (strlen(f->memo) > 255 || !fio_utf8_valid(f->memo, strlen(f->memo))))
        return req_fail_param(r, "memo", "invalid", "memo must be valid text of at most 255 bytes");
    f->agent_name = req_param(r, "agent_name");
    if (f->agent_name && strlen(f->agent_name) > 100)
        return req_fail_param(r, "agent_name", "invalid", "agent_name is limited to 100 bytes");
    const char *scopes = req_param(r, "scopes");
    if (scopes) {
        f->has_scopes = true;
        if (*scopes && strcmp(scopes, "null") != 0) {
            json_t *a = json_loads(scopes, JSON_REJECT_DUPLICATES, NULL);
            bool ok = json_is_array(a) && json_array_size(a) <= 100;
            size_t i;
            json_t *v;
            json_array_foreach(a, i, v) if (!json_is_string(v) || json_string_length(v) > 200) ok =
                false;
            if (ok)
                f->scopes = json_dumps(a, JSON_COMPACT);
            json_decref(a);
            if (!ok || !f->scopes)
                return req_fail_param(r, "scopes", "invalid",
                                      "scopes must be a JSON array of scope strings");
        }
    }
    const char *exp = req_param(r, "expires");
    if (exp) {
        f->has_expires = true;
        if (!*exp || strcmp(exp, "null") == 0) {
            f->expires_null = true;
        } else if (!parse_api_time(exp, &f->expires)) {
            return req_fail_param(r, "expires", "invalid",
                                  "expires must look like 'YYYY-MM-DD HH:MM:SS UTC'");
        } else if (f->expires <= srv_now_us()) {
            return req_fail_param(r, "expires", "invalid", "expires must be in the future");
        }
    }
    return 0;
}

int h_apikey_create(struct req *r)
{
    struct key_fields f;
    if (key_fields_read(r, &f) != 0) {
        free(f.scopes);
        return -1;
    }
    char tok[96], hash[HASH_HEX], id[FIO_OPAQUE_ID_SIZE], prefix[16];
    if (!new_token(TOKEN_PREFIX_KEY, tok, sizeof(tok), hash) ||
        !fio_opaque_id_new(FIO_ID_GENERAL, id)) {
        free(f.scopes);
        return req_fail_internal(r, "key generation");
    }
    fio_strlcpy(prefix, tok, 11);
    struct store_apikey_new k_new = {
        .id = id,
        .user_id = r->caller.user_id,
        .key_hash = hash,
        .key_prefix = prefix,
        .memo = f.memo,
        .scopes = f.scopes,
        .agent_name = f.agent_name,
        .has_expires = f.has_expires && !f.expires_null,
        .expires = f.expires,
        .now = srv_now_us(),
    };
    enum store_rc rc = STORE(r->st, account)->apikey_insert(r->st, &k_new);
    free(f.scopes);
    if (rc != STORE_OK)
        return req_fail_internal(r, "insert key");
    json_t *k = load_key(r, id);
    if (!k)
        return req_fail_internal(r, "load key");
    if (req_set(r, "api_key", json_string(tok)))
        return -1;
    return req_set(r, "key", k);
}

int h_apikey_list(struct req *r)
{
    json_t *rows = NULL, *arr = NULL;
    if (STORE(r->st, account)->apikey_list(r->st, r->caller.user_id, &rows) != STORE_OK)
        return req_fail_internal(r, "list keys");
    int rc = rows_render(r, rows, key_render, &arr);
    json_decref(rows);
    if (rc != 0)
        return -1;
    if (req_set(r, "results", json_integer((json_int_t)json_array_size(arr))))
        return -1;
    return req_set(r, "api_keys", arr);
}

int h_apikey_get(struct req *r)
{
    json_t *k = load_key(r, req_arg(r, 0));
    if (!k)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "API key not found");
    return req_set(r, "api_key", k);
}

int h_apikey_update(struct req *r)
{
    const char *id = req_arg(r, 0);
    json_t *k = load_key(r, id);
    if (!k)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "API key not found");
    json_decref(k);
    struct key_fields f;
    if (key_fields_read(r, &f) != 0) {
        free(f.scopes);
        return -1;
    }
    struct store_apikey_patch p = {
        .set_memo = f.memo != NULL,
        .set_agent_name = f.agent_name != NULL,
        .set_scopes = f.has_scopes,
        .set_expires = f.has_expires,
        .memo = f.memo,
        .agent_name = f.agent_name,
        .scopes = f.scopes,
        .expires_null = f.expires_null,
        .expires = f.expires,
        .now = srv_now_us(),
    };
    enum store_rc rc = STORE(r->st, account)->apikey_update(r->st, id, &p);
    free(f.scopes);
    if (rc != STORE_OK)
        return req_fail_internal(r, "update key");
    k = load_key(r, id);
    return k ? req_set(r, "api_key", k) : req_fail_internal(r, "reload key");
}

int h_apikey_delete(struct req *r)
{
    const char *id = req_arg(r, 0);
    enum store_rc rc = STORE(r->st, account)->apikey_delete(r->st, id, r->caller.user_id);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "API key not found");
    if (rc != STORE_OK)
        return req_fail_internal(r, "delete key");
    return 0;
}

/* ---- bootstrap -------------------------------------------------------------------------------- */

/* Write data atomically to dir/name with mode 0600: temp sibling (O_EXCL|O_NOFOLLOW), fsync,
 * rename, fsync the directory. */
static int write_secret_file(const char *dir, const char *name, const char *data)
{
    char path[4096], tmp[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unsigned char rnd[6];
    char rhex[13];
    if (!fio_random_bytes(rnd, sizeof(rnd)))
        return -1;
    fio_hex_encode(rnd, sizeof(rnd), rhex);
    snprintf(tmp, sizeof(tmp), "%s/.%s.%s.tmp", dir, name, rhex);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t len = strlen(data), off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int auth_write_owner_url(const struct server *s, unsigned port)
{
    /* The address owner.key belongs to (D-089): clients offer the key to this URL only. */
    const char *a = s->cfg.listen_addr;
    bool v6 = strchr(a, ':') != NULL;
    char line[320];
    snprintf(line, sizeof(line), "%s://%s%s%s:%u/current\n", SRV_SCHEME(s), v6 ? "[" : "", a,
             v6 ? "]" : "", port);
    return write_secret_file(s->cfg.data_dir, "owner.url", line);
}

int auth_bootstrap_owner(struct server *s, struct store_conn *st)
{
    int ret = -1;
    long long users = -1;
    if (STORE(st, account)->user_count(st, &users) != STORE_OK)
        users = -1;
    if (users != 0) {
        ret = users > 0 ? 0 : -1;
        goto done;
    }
    /* First start: a local owner with a random (unused) password and an API key for the CLI. */
    unsigned char pwraw[24];
    char pw[40], hash[160], tok[96], khash[HASH_HEX], kid[FIO_OPAQUE_ID_SIZE], prefix[16];
    char uid[FIO_PROFILE_ID_SIZE];
    if (!fio_random_bytes(pwraw, sizeof(pwraw)))
        goto done;
    fio_b64url_encode(pwraw, sizeof(pwraw), pw, sizeof(pw));
    if (!password_hash(pw, s->cfg.kdf_iterations, hash, sizeof(hash)) ||
        !new_token(TOKEN_PREFIX_KEY, tok, sizeof(tok), khash) ||
        !fio_opaque_id_new(FIO_ID_GENERAL, kid))
        goto done;
    fio_strlcpy(prefix, tok, 11);
    if (store_begin(st) != STORE_OK)
        goto done;
    if (insert_user(st, "owner@localhost", hash, "Local", "Owner", false, uid) != 0) {
        store_rollback(st);
        goto done;
    }
    struct store_apikey_new k_new = {
        .id = kid,
        .user_id = uid,
        .key_hash = khash,
        .key_prefix = prefix,
        .memo = "local owner key",
        .now = srv_now_us(),
    };
    if (STORE(st, account)->apikey_insert(st, &k_new) != STORE_OK) {
        store_rollback(st);
        goto done;
    }
    /* The key file is written before the commit: if the commit fails the file names a key that
     * does not exist, and the next start (still with no users) rewrites it. */
    char line[128];
    snprintf(line, sizeof(line), "%s\n", tok);
    if (write_secret_file(s->cfg.data_dir, "owner.key", line) != 0) {
        srv_log(s, SRV_LOG_ERROR, "cannot write %s/owner.key: %s", s->cfg.data_dir,
                strerror(errno));
        store_rollback(st);
        goto done;
    }
    if (store_commit(st) != STORE_OK) {
        store_rollback(st);
        goto done;
    }
    srv_log(s, SRV_LOG_INFO, "created local owner account owner@localhost; API key in %s/owner.key",
            s->cfg.data_dir);
    ret = 0;
done:
    return ret;
}

/* ---- sign-out and token introspection (api §2.2; issue 4) ------------------------------------ */

/* POST /user/auth/sign-out/: revokes the caller's Basic sign-in sessions (JWT-like tokens), not
 * API keys or OAuth sessions (those have their own endpoints). */
int h_user_signout(struct req *r)
{
    long long n = 0;
    if (STORE(r->st, account)->session_delete_user(r->st, r->caller.user_id, &n) != STORE_OK)
        return req_fail_internal(r, "sign-out");
    if (req_set(r, "signed_out", json_true()) || req_set(r, "revoked", json_integer((json_int_t)n)))
        return -1;
    return 0;
}

/* GET /auth/scopes/: what the calling token may do: auth_type (jwt | api_key | oauth), scopes
 * (array, or null for full access), agent (account_type is "agent"), full_access. */
int h_auth_scopes(struct req *r)
{
    const struct caller *c = &r->caller;
    json_t *scopes = NULL;
    const char *scope_type = NULL;
    char stype[32] = "";
    /* A failed lookup reads as "no scopes" here, as a missing row does. */
    if (c->via_api_key) {
        char *text = NULL;
        if (STORE(r->st, account)->apikey_scopes(r->st, c->key_id, &text) == STORE_OK && text)
            scopes = json_loads(text, 0, NULL);
        free(text);
    } else if (c->via_oauth) {
        char sc[512];
        if (STORE(r->st, oauth)->session_scope(r->st, c->oauth_session, sc, sizeof(sc), stype,
                                               sizeof(stype)) == STORE_OK) {
            scope_type = stype;
            if (sc[0])
                scopes = json_pack("[s]", sc);
        }
    }
    char atype[16] = "";
    bool agent = STORE(r->st, account)->user_account_type(r->st, c->user_id, atype,
                                                          sizeof(atype)) == STORE_OK &&
                 strcmp(atype, "agent") == 0;
    /* Scopes are recorded but not yet enforced: an OAuth token of scope_type "user" and an
     * unscoped key or sign-in token carry the user's full access. */
    bool full = c->via_oauth ? strcmp(stype, "user") == 0 : !json_is_array(scopes);
    const char *type = c->via_api_key ? "api_key" : c->via_oauth ? "oauth" : "jwt";
    if (req_set(r, "auth_type", json_string(type)) ||
        req_set(r, "scopes", scopes ? scopes : json_null()) ||
        req_set(r, "scope_type", scope_type ? json_string(scope_type) : json_null()) ||
        req_set(r, "agent", json_boolean(agent)) || req_set(r, "full_access", json_boolean(full)))
        return -1;
    return 0;
}
