/* SPDX-License-Identifier: MIT */
/* h_verify.c - email verification (api §2.1, D-081): a 6-digit code mailed through the outbox
 * (and the SMTP relay when one is configured) proves that an account owns its address. Sign-up
 * sends one; POST /user/email/validate/ sends a new one (form `email`) or checks one (`email` +
 * `email_token`). Only the code's SHA-256 is stored; it lasts an hour and 5 wrong tries end it.
 * Accepting an invitation and joining an org by email domain need a verified address
 * (verify_required); with --signup verified every route but a few needs it (router.c). */
#include "handlers.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "outbox.h"
#include "rand.h"
#include "store_account.h"
#include "store_backend.h"
#include "timeutil.h"
#include "verify.h"

#define CODE_TTL_US (3600LL * 1000000)
#define CODE_TRIES 5

static void code_hash(const char *code, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(code, strlen(code), md, &n, EVP_sha256(), NULL);
    fio_hex_encode(md, 32, out);
}

int verify_send_code(struct server *s, struct store_conn *c, const char *user_id,
                     const char *email)
{
    unsigned char raw[4];
    if (!fio_random_bytes(raw, sizeof(raw)))
        return -1;
    unsigned long v = ((unsigned long)raw[0] << 24 | (unsigned long)raw[1] << 16 |
                       (unsigned long)raw[2] << 8 | raw[3]) % 1000000UL;
    char code[8], hash[65];
    snprintf(code, sizeof(code), "%06lu", v);
    code_hash(code, hash);
    if (STORE(c, account)->email_code_put(c, user_id, hash, srv_now_us() + CODE_TTL_US) !=
        STORE_OK)
        return -1;
    char body[512];
    snprintf(body, sizeof(body),
             "Your fastio-server verification code is\n\n    %s\n\n"
             "It is valid for one hour. Verify with\n"
             "  POST /current/user/email/validate/  email=%s&email_token=%s\n"
             "If you did not sign up, ignore this mail.\n",
             code, email, code);
    return outbox_write(s, email, "Your verification code", body, NULL, 0);
}

bool verify_is_verified(struct req *r)
{
    bool v = false;
    if (STORE(r->st, account)->email_verified_get(r->st, r->caller.user_id, &v) != STORE_OK)
        return false; /* fail closed */
    return v;
}

int verify_required(struct req *r, const char *what)
{
    if (verify_is_verified(r))
        return 0;
    return req_fail(r, 403, API_ERR_EMAIL_UNVERIFIED,
                    "Your email address is not verified, so you cannot %s yet: verify it with "
                    "the code mailed to %s (POST /current/user/email/validate/ with email and "
                    "email_token; without email_token a new code is sent)",
                    what, r->caller.email);
}

/* POST /user/email/validate/ (api §2.1) */
int h_user_email_validate(struct req *r)
{
    const char *email = req_param_required(r, "email");
    if (!email)
        return -1;
    if (strcasecmp(email, r->caller.email) != 0)
        return req_fail_param(r, "email", "invalid",
                              "email must be this account's address (%s)", r->caller.email);
    const char *token = req_param(r, "email_token");
    if (!token || !*token) {
        if (verify_is_verified(r))
            return req_set(r, "email_verified", json_true());
        if (verify_send_code(r->srv, r->st, r->caller.user_id, r->caller.email) != 0)
            return req_fail_internal(r, "send verification code");
        return req_set(r, "email_sent", json_true()) ||
                       req_set(r, "email_verified", json_false())
                   ? -1
                   : 0;
    }
    char want[65] = "", got[65];
    int64_t expires = 0, attempts = 0;
    enum store_rc rc =
        STORE(r->st, account)->email_code_get(r->st, r->caller.user_id, want, &expires, &attempts);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return req_fail_internal(r, "read verification code");
    bool usable = rc == STORE_OK && expires > srv_now_us() && attempts < CODE_TRIES;
    code_hash(token, got);
    if (usable && CRYPTO_memcmp(want, got, 64) == 0) {
        if (STORE(r->st, account)->email_verified_set(r->st, r->caller.user_id, true) !=
                STORE_OK ||
            STORE(r->st, account)->email_code_delete(r->st, r->caller.user_id) != STORE_OK)
            return req_fail_internal(r, "verify email");
        return req_set(r, "email_verified", json_true());
    }
    if (usable)
        STORE(r->st, account)->email_code_failed(r->st, r->caller.user_id);
    /* the failed attempt must count even though this request fails: commit it (F_OWN_TXN) */
    return req_fail_param(r, "email_token", "invalid",
                          usable ? "Wrong verification code; check the mail or request a new "
                                   "code (POST without email_token)"
                                 : "No valid verification code (expired, used up or never "
                                   "sent); request a new one (POST without email_token)");
}
