/* SPDX-License-Identifier: MIT */
/* fastio/endpoints_web.h - endpoint rows for URL import (api §5.7; docs/server.md "URL import").
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST. Ids
 * 145..154 are this area's; 149..154 are free. Create is UNSAFE: resent after a lost answer it
 * would start a second import of the same URL. */
#ifndef FASTIO_ENDPOINTS_WEB_H
#define FASTIO_ENDPOINTS_WEB_H

#define FASTIO_ENDPOINTS_WEB(X, P)                                                                 \
    X(WEB_UPLOAD_CREATE, 145, POST, FORM, BEARER, UNSAFE, "/web_upload/", "web_upload",            \
      "Import a file from a public http(s) URL into a workspace; the server fetches it.",          \
      P("source_url", STRING, REQ, BODY, NULL,                                                     \
        "http(s) URL of the file; Google Drive, Dropbox, OneDrive and Box share links work.")     \
      P("profile_id", ID, REQ, BODY, NULL, "Workspace id or folder_name to store the file in.")   \
      P("profile_type", ENUM, OPT, BODY, "workspace|share", "Kind of profile_id (workspace).")     \
      P("folder_id", ID, OPT, BODY, NULL, "Folder node id, or \"root\" (the default).")           \
      P("file_name", NAME, OPT, BODY, NULL,                                                        \
        "Name of the stored file; default: Content-Disposition, else the URL's last segment."))   \
    X(WEB_UPLOAD_LIST, 146, GET, QUERY, BEARER, SAFE, "/web_upload/", "web_uploads",               \
      "List your URL imports, newest first.",                                                      \
      FASTIO_P_PAGE_(P)                                                                            \
      P("status", ENUM, OPT, BODY,                                                                 \
        "pending|queued|downloading|uploading|complete|failed|canceled",                           \
        "Only the imports in this state."))                                                        \
    X(WEB_UPLOAD_DETAILS, 147, GET, QUERY, BEARER, SAFE, "/web_upload/{}/details/", "web_upload",  \
      "Show one URL import: status, bytes done, status_message, new_file_id.",                     \
      P("id", ID, REQ, PATH, NULL, "Id of the URL import."))                                       \
    X(WEB_UPLOAD_CANCEL, 148, DELETE, QUERY, BEARER, SAFE, "/web_upload/", "web_upload",           \
      "Cancel a URL import that has not started storing its file.",                                \
      P("id", ID, REQ, BODY, NULL, "Id of the URL import."))

#endif
