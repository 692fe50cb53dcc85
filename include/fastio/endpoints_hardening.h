/* SPDX-License-Identifier: MIT */
/* fastio/endpoints_hardening.h - endpoint rows of email verification (api §2.1). Same row format
 * as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST. Ids 155..164. */
#ifndef FASTIO_ENDPOINTS_HARDENING_H
#define FASTIO_ENDPOINTS_HARDENING_H

/* UNSAFE: a code is single-use, and without email_token each call mails a new code. */
#define FASTIO_ENDPOINTS_HARDENING(X, P)                                                           \
    X(USER_EMAIL_VALIDATE, 155, POST, FORM, BEARER, UNSAFE, "/user/email/validate/", "",           \
      "Verify your email address with the mailed code, or have a new code mailed.",               \
      P("email", STRING, REQ, BODY, NULL, "Your account's email address.")                         \
      P("email_token", STRING, OPT, BODY, NULL,                                                    \
        "The code from the mail; leave it out to have a new code sent."))

#endif
