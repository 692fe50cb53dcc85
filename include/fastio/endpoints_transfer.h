/* SPDX-License-Identifier: MIT */
/* fastio/endpoints_transfer.h - endpoint rows for uploads, downloads and file versions (api §4.2, §5, §6).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * Rows marked "bytes" carry file bytes: the transfer engine (fastio/transfer.h) sends them with
 * the row's URL and auth, not fastio_call(). UPLOAD_CREATE also takes the whole file as the
 * multipart part "chunk" (single-call upload, api §5.3); the same fields then travel as parts. */
#ifndef FASTIO_ENDPOINTS_TRANSFER_H
#define FASTIO_ENDPOINTS_TRANSFER_H

#define FASTIO_P_UPLOAD_(P) P("upload_id", ID, REQ, PATH, NULL, "Upload session id.")
#define FASTIO_P_WS_NODE_(P)                                                                       \
    P("workspace_id", ID, REQ, PATH, NULL, "Workspace id or folder_name.")                         \
    P("node_id", ID, REQ, PATH, NULL, "File node id.")
#define FASTIO_P_HASH_(P)                                                                          \
    P("hash_algo", ENUM, OPT, BODY, "crc32c|sha256|md5", "Algorithm of hash.")                     \
    P("hash", STRING, OPT, BODY, NULL, "Hex digest of the bytes sent.")

#define FASTIO_ENDPOINTS_TRANSFER(X, P)                                                            \
    /* upload sessions: api §5.4, §5.5, §5.8 */                                                    \
    X(UPLOAD_CREATE, 85, POST, FORM, BEARER, UNSAFE, "/upload/", "id",                             \
      "Open an upload session (or, with a \"chunk\" part, upload a small file in one call).",      \
      P("name", NAME, REQ, BODY, NULL, "File name.")                                               \
      P("size", INT, OPT, BODY, NULL, "File size in bytes (required unless stream=true).")         \
      P("action", ENUM, REQ, BODY, "create|update", "New file, or a new version of file_id.")      \
      P("instance_id", ID, REQ, BODY, NULL, "Workspace id or folder_name.")                        \
      P("profile_type", ENUM, REQ, BODY, "workspace", "Kind of instance_id.")                      \
      P("folder_id", ID, OPT, BODY, NULL, "Destination folder (action=create); absent = root.")    \
      P("file_id", ID, OPT, BODY, NULL, "File to replace (action=update).")                        \
      P("chunk_size", INT, OPT, BODY, NULL, "Bytes per chunk (this server's extension).")          \
      P("stream", BOOL, OPT, BODY, NULL, "true: size unknown, the bytes follow as one stream.")    \
      P("max_size", INT, OPT, BODY, NULL, "Largest size a stream may reach.")                      \
      P("lock_token", STRING, OPT, BODY, NULL, "Token of the lock held on file_id.")               \
      P("chunk", STRING, OPT, MULTIPART, NULL, "The whole file (single-call upload).")             \
      FASTIO_P_HASH_(P))                                                                           \
    X(UPLOAD_CHUNK, 86, POST, QUERY, BEARER, SAFE, "/upload/{}/chunk/", "",                        \
      "Send one chunk of an upload session.", /* bytes */                                          \
      FASTIO_P_UPLOAD_(P)                                                                          \
      P("order", INT, REQ, BODY, NULL, "1-based chunk number.")                                    \
      P("size", INT, REQ, BODY, NULL, "Bytes in this chunk.")                                      \
      FASTIO_P_HASH_(P)                                                                            \
      P("file_crc32c", STRING, OPT, BODY, NULL, "CRC-32C of the whole file, 8 hex digits.")        \
      P("chunk", STRING, REQ, MULTIPART, NULL, "The chunk's bytes."))                              \
    X(UPLOAD_STREAM, 87, POST, QUERY, BEARER, UNSAFE, "/upload/{}/stream/", "",                    \
      "Send the bytes of a stream upload session as one body.", /* bytes */                        \
      FASTIO_P_UPLOAD_(P)                                                                          \
      P("bytes", STRING, REQ, RAW, NULL, "The file's bytes (application/octet-stream)."))          \
    X(UPLOAD_COMPLETE, 88, POST, FORM, BEARER, SAFE, "/upload/{}/complete/", "",                   \
      "Ask the server to assemble an upload session's chunks.", FASTIO_P_UPLOAD_(P))               \
    X(UPLOAD_DETAILS, 89, GET, QUERY, BEARER, SAFE, "/upload/{}/details/", "session",              \
      "Show an upload session's state.",                                                           \
      FASTIO_P_UPLOAD_(P)                                                                          \
      P("wait", INT, OPT, BODY, NULL, "Long poll: seconds to wait for a change, 0-590."))          \
    X(UPLOAD_CANCEL, 90, DELETE, QUERY, BEARER, SAFE, "/upload/{}/", "",                           \
      "Cancel an upload session.", FASTIO_P_UPLOAD_(P))                                            \
    X(UPLOAD_LIST, 91, GET, QUERY, BEARER, SAFE, "/upload/details/", "",                           \
      "List your open upload sessions.", )                                                         \
    X(UPLOAD_CANCEL_ALL, 92, DELETE, QUERY, BEARER, SAFE, "/upload/", "",                          \
      "Cancel all your open upload sessions.", )                                                   \
    X(UPLOAD_CHUNK_INFO, 93, GET, QUERY, BEARER, SAFE, "/upload/{}/chunk/", "",                    \
      "Show the chunks an upload session has received.",                                           \
      FASTIO_P_UPLOAD_(P) P("order", INT, OPT, BODY, NULL, "One chunk only."))                     \
    X(UPLOAD_CHUNK_DELETE, 94, DELETE, QUERY, BEARER, SAFE, "/upload/{}/chunk/", "",               \
      "Drop one received chunk so it can be sent again.",                                          \
      FASTIO_P_UPLOAD_(P) P("order", INT, REQ, BODY, NULL, "1-based chunk number."))               \
    X(UPLOAD_LIMITS, 95, GET, QUERY, BEARER, SAFE, "/upload/limits/", "",                          \
      "Show the upload size and chunk limits.", )                                                  \
    X(UPLOAD_EXTENSIONS, 96, GET, QUERY, BEARER, SAFE, "/upload/limits/extensions/", "",           \
      "Show the file extensions uploads refuse.",                                                  \
      P("plan", STRING, OPT, BODY, NULL, "Limits of this plan."))                                  \
    X(UPLOAD_BATCH, 97, POST, QUERY, BEARER, UNSAFE, "/upload/batch/", "",                         \
      "Upload several small files in one multipart request.", /* bytes (multipart) */             \
      P("instance_id", ID, REQ, MULTIPART, NULL, "Workspace id or folder_name.")                   \
      P("profile_type", ENUM, REQ, MULTIPART, "workspace", "Kind of instance_id.")                 \
      P("folder_id", ID, OPT, MULTIPART, NULL, "Destination folder; absent = root.")               \
      P("manifest", JSON, REQ, MULTIPART, NULL,                                                    \
        "JSON array of {index, filename, hash_algo, hash}, one per file part.")                    \
      P("creator", STRING, OPT, MULTIPART, NULL, "Creator recorded with the files."))              \
    /* downloads and versions: api §4.2, §6 */                                                     \
    X(STORAGE_REQUEST_READ, 98, GET, QUERY, BEARER, SAFE,                                          \
      "/workspace/{}/storage/{}/requestread/", "token",                                            \
      "Get a short-lived token that reads a file without the bearer token.",                       \
      FASTIO_P_WS_NODE_(P) P("version_id", ID, OPT, BODY, NULL, "A past version to read."))        \
    X(STORAGE_READ, 99, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/read/", "",            \
      "Read a file's bytes (HTTP Range allowed).", /* bytes */                                     \
      FASTIO_P_WS_NODE_(P)                                                                         \
      P("version_id", ID, OPT, BODY, NULL, "A past version to read.")                              \
      P("token", STRING, OPT, BODY, NULL, "A requestread token instead of the bearer token."))     \
    X(STORAGE_ZIP, 100, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/zip/", "",             \
      "Read a folder as a zip archive.", /* bytes */                                               \
      P("workspace_id", ID, REQ, PATH, NULL, "Workspace id or folder_name.")                       \
      P("node_id", ID, REQ, PATH, NULL, "Folder node id, or \"root\"."))                           \
    X(STORAGE_VERSIONS, 101, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/versions/",       \
      "versions", "List a file's versions.", FASTIO_P_WS_NODE_(P))                                 \
    X(STORAGE_VERSION_RESTORE, 102, POST, FORM, BEARER, SAFE,                                      \
      "/workspace/{}/storage/{}/restore-version/", "node",                                         \
      "Make a past version the current one.",                                                      \
      FASTIO_P_WS_NODE_(P) P("version_id", ID, REQ, BODY, NULL, "The version to restore."))

#endif
