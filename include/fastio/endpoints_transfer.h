/* fastio/endpoints_transfer.h - endpoint rows for uploads, downloads and file versions (api §4.2, §5, §6).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * Rows marked "bytes" carry file bytes: the transfer engine (fastio/transfer.h) sends them with
 * the row's URL and auth, not fastio_call(). */
#ifndef FASTIO_ENDPOINTS_TRANSFER_H
#define FASTIO_ENDPOINTS_TRANSFER_H

#define FASTIO_ENDPOINTS_TRANSFER(X)                                                               \
    /* upload sessions: api §5.4, §5.5, §5.8 */                                                    \
    X(UPLOAD_CREATE, POST, FORM, BEARER, UNSAFE, "/upload/", "id")                                 \
    X(UPLOAD_CHUNK, POST, QUERY, BEARER, SAFE, "/upload/{}/chunk/", "") /* bytes */                \
    X(UPLOAD_STREAM, POST, QUERY, BEARER, UNSAFE, "/upload/{}/stream/", "") /* bytes */            \
    X(UPLOAD_COMPLETE, POST, FORM, BEARER, SAFE, "/upload/{}/complete/", "")                       \
    X(UPLOAD_DETAILS, GET, QUERY, BEARER, SAFE, "/upload/{}/details/", "session")                  \
    X(UPLOAD_CANCEL, DELETE, QUERY, BEARER, SAFE, "/upload/{}/", "")                               \
    X(UPLOAD_LIST, GET, QUERY, BEARER, SAFE, "/upload/details/", "")                               \
    X(UPLOAD_CANCEL_ALL, DELETE, QUERY, BEARER, SAFE, "/upload/", "")                              \
    X(UPLOAD_CHUNK_INFO, GET, QUERY, BEARER, SAFE, "/upload/{}/chunk/", "")                        \
    X(UPLOAD_CHUNK_DELETE, DELETE, QUERY, BEARER, SAFE, "/upload/{}/chunk/", "")                   \
    X(UPLOAD_LIMITS, GET, QUERY, BEARER, SAFE, "/upload/limits/", "")                              \
    X(UPLOAD_EXTENSIONS, GET, QUERY, BEARER, SAFE, "/upload/limits/extensions/", "")               \
    X(UPLOAD_BATCH, POST, QUERY, BEARER, UNSAFE, "/upload/batch/", "") /* bytes (multipart) */      \
    /* downloads and versions: api §4.2, §6 */                                                     \
    X(STORAGE_REQUEST_READ, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/requestread/",     \
      "token")                                                                                     \
    X(STORAGE_READ, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/read/", "") /* bytes */    \
    X(STORAGE_ZIP, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/zip/", "") /* bytes */      \
    X(STORAGE_VERSIONS, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/versions/",            \
      "versions")                                                                                  \
    X(STORAGE_VERSION_RESTORE, POST, FORM, BEARER, SAFE,                                           \
      "/workspace/{}/storage/{}/restore-version/", "node")

#endif
