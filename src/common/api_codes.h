/* SPDX-License-Identifier: MIT */
/* api_codes.h - the Fast.io wire error codes (the envelope's error.code, docs/api.md §1.4) that
 * fastio-server sends and libfastio reacts to, named once for both sides. Only codes some code
 * here compares or sends belong in the list; the numbers are the contract's and never change. */
#ifndef FIO_API_CODES_H
#define FIO_API_CODES_H

enum api_err {
    API_ERR_INVALID = 1605,          /* invalid request */
    API_ERR_NOT_FOUND = 1609,        /* no such resource */
    API_ERR_AUTH = 1650,             /* authentication missing or rejected */
    API_ERR_CONFLICT = 1660,         /* state conflict */
    API_ERR_RESTRICTED = 1670,       /* not allowed in this state */
    API_ERR_RATE_LIMITED = 1671,     /* too many requests */
    API_ERR_PERMISSION = 1680,       /* role too low */
    API_ERR_LIMIT = 1685,            /* plan or feature limit reached (hardening: quotas,
                                      * session limits, disk reserve; D-080) */
    API_ERR_PAYMENT = 1688,          /* subscription needed or free credits used up (402) */
    API_ERR_UPGRADE = 1695,          /* feature gated by the plan (402/403) */
    API_ERR_CREDIT_LIMIT = 1696,     /* credit limit exceeded (402) */
    API_ERR_UNKNOWN_ROUTE = 9992,    /* no such path */
    API_ERR_BATCH_ANON = 10011,      /* anonymous caller on batch upload */
    API_ERR_FIELD_MISSING = 10022,   /* required parameter missing */
    API_ERR_FIELD_INVALID = 10023,   /* parameter malformed */
    API_ERR_UPLOAD_SIZE = 10522,     /* sum of chunks != declared size at complete */
    API_ERR_NOT_MEMBER = 10545,      /* caller is not a member */
    API_ERR_EMAIL_UNVERIFIED = 10587, /* email address not verified yet (hardening: 403 from
                                       * fastio-server, D-081) */
    API_ERR_CRC_MISMATCH = 10778,    /* chunk bytes do not match their CRC-32C (406) */
    API_ERR_CRC_CONFLICT = 10779,    /* a different file_crc32c is already set (409) */
    API_ERR_NOT_SHARED = 115069,     /* the resource is not shared with the caller (401) */
    API_ERR_BULK_TOO_MANY = 115519,  /* bulk route: too many ids */
    API_ERR_BULK_NOT_FOUND = 133123, /* bulk route: an id not found */
    API_ERR_BULK_BAD_ID = 191878,    /* bulk route: an id malformed */
    API_ERR_TRANSIENT = 146256,      /* transient failure: nothing was changed, try again (the
                                      * contract's bulk per-id code; fastio-server also sends it
                                      * with a 500 when a write's commit fails) */
};

#endif
