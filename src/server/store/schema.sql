-- schema.sql - the whole metadata schema of fastio-server, as numbered migrations.
-- Each block starting with "-- migration N" is applied once, in file order, inside one
-- transaction, and recorded in schema_migrations (each number individually, so blocks may land
-- in any order). Never edit a landed migration: append a new one.
-- Reserved numbers: 2 OAuth and rate limits (issue 4), 3 members/invitations/events (issue 5),
-- 4 uploads, blobs and versions (issue 3), 5 locks (issue 6), 6 upload lock tokens (issue 6);
-- later work takes 7 and up.
-- Times are wall-clock microseconds since the epoch (INTEGER). Ids are TEXT (api §1.7).

-- migration 1
CREATE TABLE users (
    id            TEXT PRIMARY KEY,              -- 19-digit profile id
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,                 -- pbkdf2-sha256$iter$salt$hash
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    account_type  TEXT NOT NULL DEFAULT 'human' CHECK (account_type IN ('human', 'agent')),
    email_verified INTEGER NOT NULL DEFAULT 1,
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL
);

-- Bearer tokens from Basic sign-in; only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- API keys: shown once, stored as SHA-256 (keys carry 256 random bits).
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,                 -- OpaqueId, type 'a'
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_hash   TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,                    -- first characters, for display
    memo       TEXT NOT NULL DEFAULT '',
    scopes     TEXT,                             -- JSON array text, NULL = full access
    agent_name TEXT,
    expires    INTEGER,                          -- NULL = never
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL,
    last_used  INTEGER
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE orgs (
    id                 TEXT PRIMARY KEY,
    domain             TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    industry           TEXT NOT NULL DEFAULT '',
    billing_email      TEXT NOT NULL DEFAULT '',
    homepage           TEXT NOT NULL DEFAULT '',
    perm_member_manage TEXT NOT NULL DEFAULT 'Admin or above'
                       CHECK (perm_member_manage IN ('Member or above', 'Admin or above',
                                                     'Owner only')),
    extra              TEXT NOT NULL DEFAULT '{}',  -- JSON object: branding/social/owner_defined
    owner_id           TEXT NOT NULL REFERENCES users(id),
    closed             INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)), -- soft delete
    created            INTEGER NOT NULL,
    updated            INTEGER NOT NULL
);

CREATE TABLE org_members (
    org_id  TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members(user_id);

CREATE TABLE workspaces (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    folder_name        TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    perm_join          TEXT NOT NULL
                       CHECK (perm_join IN ('Member or above', 'Admin or above', 'Only Org Owners')),
    perm_member_manage TEXT NOT NULL CHECK (perm_member_manage IN ('Member or above', 'Admin or above')),
    intelligence       INTEGER NOT NULL CHECK (intelligence IN (0, 1)),
    archived           INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    extra              TEXT NOT NULL DEFAULT '{}',  -- JSON: accent_color, background colors, owner_defined
    created            INTEGER NOT NULL,
    updated            INTEGER NOT NULL
);
CREATE INDEX workspaces_org ON workspaces(org_id);

CREATE TABLE workspace_members (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    created      INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members(user_id);

-- Storage nodes (api 4.1), owned by h_storage.c / storage_tree.c. parent_id NULL = the workspace
-- root. Trash: only the top node of a trashed subtree is marked (trashed = 1, deleted_at,
-- deleted_from = the parent id it was deleted from, NULL for the root) and it is detached
-- (parent_id = NULL), so purging a folder never cascades into nodes trashed separately before.
-- Its descendants keep trashed = 0 and are hidden because an ancestor is trashed.
-- Live siblings have distinct names (byte-exact), enforced by nodes_live_name.
-- Tree depth is capped by the server (TREE_MAX_DEPTH) below SQLite's cascade limit of 1000.
CREATE TABLE nodes (
    id             TEXT PRIMARY KEY,             -- OpaqueId, type '2'
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    parent_id      TEXT REFERENCES nodes(id) ON DELETE CASCADE,
    type           TEXT NOT NULL CHECK (type IN ('file', 'folder', 'note', 'link')),
    name           TEXT NOT NULL,
    size           INTEGER NOT NULL DEFAULT 0,
    mimetype       TEXT NOT NULL DEFAULT '',
    hash           TEXT,
    hash_algo      TEXT,
    version_id     TEXT,
    creator_id     TEXT NOT NULL,
    trashed        INTEGER NOT NULL DEFAULT 0,
    deleted_at     INTEGER,
    deleted_from   TEXT,
    metadata_title TEXT,                         -- user overrides (api 4.1 metadata{title, short})
    metadata_short TEXT,
    created        INTEGER NOT NULL,
    modified       INTEGER NOT NULL,
    CHECK (trashed IN (0, 1)),
    CHECK (trashed = 0 OR parent_id IS NULL)
);
-- ON DELETE CASCADE looks children up by parent_id alone.
CREATE INDEX nodes_parent ON nodes(parent_id);
-- One index per listing order (keyset paging: key columns then id); they serve folder listings
-- (parent_id = folder, trashed = 0), the root (parent_id NULL, trashed = 0) and the trash
-- (parent_id NULL, trashed = 1) alike.
CREATE INDEX nodes_by_name ON nodes(workspace_id, parent_id, trashed, name, id);
CREATE INDEX nodes_by_modified ON nodes(workspace_id, parent_id, trashed, modified, id);
CREATE INDEX nodes_by_created ON nodes(workspace_id, parent_id, trashed, created, id);
CREATE INDEX nodes_by_type ON nodes(workspace_id, parent_id, trashed, type, name, id);
CREATE UNIQUE INDEX nodes_live_name ON nodes(workspace_id, COALESCE(parent_id, ''), name)
    WHERE trashed = 0;

-- migration 3
-- Members, invitations, ownership transfer and the audit log (issue 5; h_member.c, h_invite.c,
-- h_transfer.c, events.c). Members themselves live in org_members / workspace_members.

-- An invitation of an email address to an org or workspace (api §3.2, §3.5). Matched to an
-- account by email (case-insensitive) when that account lists or accepts its invitations, so an
-- address that signs up later sees what was sent to it. At most one pending per (entity, email).
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,                -- OpaqueId, type 'a'; also the invitation_key
    entity_type TEXT NOT NULL CHECK (entity_type IN ('org', 'workspace')),
    entity_id   TEXT NOT NULL,                   -- orgs.id or workspaces.id
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    email       TEXT NOT NULL COLLATE NOCASE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'member', 'guest')),
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'declined')),
    inviter_id  TEXT NOT NULL,
    user_id     TEXT,                            -- who accepted or declined
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    expires     INTEGER NOT NULL
);
CREATE INDEX invitations_entity ON invitations(entity_id, state, created);
CREATE INDEX invitations_email ON invitations(email, state);
CREATE UNIQUE INDEX invitations_one_pending ON invitations(entity_id, email) WHERE state = 'pending';

-- Ownership transfer tokens (api §3.3): only the SHA-256 of the 64-character token is stored.
CREATE TABLE transfer_tokens (
    id         TEXT PRIMARY KEY,                 -- OpaqueId, type 'e' (OrgTransfer)
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    creator_id TEXT NOT NULL,
    email      TEXT,                             -- where the claim mail went, if anywhere
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_at INTEGER
);
CREATE INDEX transfer_tokens_org ON transfer_tokens(org_id, created);

-- The audit log (api §9.4). Scope columns say who may read an event: org_id (org admins),
-- workspace_id (workspace members), user_id / calling_user_id (that user).
CREATE TABLE events (
    id              TEXT PRIMARY KEY,            -- OpaqueId, type 'a'
    seq             INTEGER NOT NULL UNIQUE,     -- insertion order, for stable paging
    created         INTEGER NOT NULL,
    category        TEXT NOT NULL,
    subcategory     TEXT NOT NULL DEFAULT '',
    event           TEXT NOT NULL,
    org_id          TEXT,
    workspace_id    TEXT,
    user_id         TEXT,                        -- the user the event is about, if any
    calling_user_id TEXT,
    object_id       TEXT,
    details         TEXT NOT NULL DEFAULT '{}',  -- JSON object
    acknowledged    INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged IN (0, 1))
);
CREATE INDEX events_org ON events(org_id, seq);
CREATE INDEX events_ws ON events(workspace_id, seq);
CREATE INDEX events_user ON events(user_id, seq);
CREATE INDEX events_caller ON events(calling_user_id, seq);

-- migration 2
-- OAuth 2.0 authorization server (issue 4; h_oauth.c, h_oauth_sessions.c; api §2.5). Codes and
-- tokens are 256-bit secrets of which only the SHA-256 (hex) is stored.

-- Pending authorization requests (GET /oauth/authorize/), single use, 10 minutes by default.
CREATE TABLE oauth_requests (
    id             TEXT PRIMARY KEY,             -- auth_request_id: 192 random bits, base64url
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,                -- S256 only
    state          TEXT NOT NULL DEFAULT '',
    scope          TEXT NOT NULL DEFAULT '',
    scope_type     TEXT NOT NULL DEFAULT 'user',
    agent_name     TEXT NOT NULL DEFAULT '',
    login_hint     TEXT NOT NULL DEFAULT '',
    created        INTEGER NOT NULL,
    expires        INTEGER NOT NULL
);
CREATE INDEX oauth_requests_expires ON oauth_requests(expires);

-- Authorization codes (5 minutes by default). A used code keeps its row (used = 1, session_id)
-- for a day after expiry so a replay can revoke the session it created (RFC 6749 §4.1.2).
CREATE TABLE oauth_codes (
    code_hash      TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    scope          TEXT NOT NULL DEFAULT '',
    scope_type     TEXT NOT NULL DEFAULT 'user',
    agent_name     TEXT NOT NULL DEFAULT '',
    created        INTEGER NOT NULL,
    expires        INTEGER NOT NULL,
    used           INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
    session_id     TEXT                          -- the session this code created, once used
);
CREATE INDEX oauth_codes_expires ON oauth_codes(expires);

-- One row per completed authorization (a device or agent login); revoking deletes the row and,
-- by cascade, every token issued in it.
CREATE TABLE oauth_sessions (
    id          TEXT PRIMARY KEY,                -- OpaqueId, type 'a'
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL,
    scope       TEXT NOT NULL DEFAULT '',
    scope_type  TEXT NOT NULL DEFAULT 'user',
    device_name TEXT,
    device_type TEXT,
    agent_name  TEXT,
    created     INTEGER NOT NULL,
    last_used   INTEGER                          -- last code exchange or refresh
);
CREATE INDEX oauth_sessions_user ON oauth_sessions(user_id, created);

-- Access tokens (1 h) and refresh tokens (30 days). A refresh token is rotated on use
-- (rotated = 1) and kept until it would have expired: presenting it again revokes the session.
CREATE TABLE oauth_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES oauth_sessions(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    rotated    INTEGER NOT NULL DEFAULT 0 CHECK (rotated IN (0, 1))
);
CREATE INDEX oauth_tokens_session ON oauth_tokens(session_id);

-- migration 4
-- Uploads, blobs and file versions (issue 3; h_upload*.c, blob.c, h_download*.c; api §4.2, §5,
-- §6). A version is one immutable content of a file; its bytes are the blob DATA/blobs/<version
-- id>, written once and renamed into place before the row that names it commits. nodes.version_id
-- is a file's current version; node_versions is each node's history (a copy shares its source's
-- current version without its history). Startup recovery (blob.c) deletes versions that neither
-- a node nor a history row names, then blobs without a version row, then temporary files without
-- a live session (reliability.md I5).
CREATE TABLE file_versions (
    id         TEXT PRIMARY KEY,                 -- OpaqueId, type '3'; also the blob's file name
    size       INTEGER NOT NULL CHECK (size >= 0),
    crc32c     TEXT NOT NULL,                    -- 8 lowercase hex digits (api §5.4)
    name       TEXT NOT NULL,                    -- the file's name when this version was stored
    creator_id TEXT NOT NULL,
    created    INTEGER NOT NULL
);

CREATE TABLE node_versions (
    node_id    TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    version_id TEXT NOT NULL REFERENCES file_versions(id),
    created    INTEGER NOT NULL,
    PRIMARY KEY (node_id, version_id)
);
CREATE INDEX node_versions_version ON node_versions(version_id);

-- Upload sessions (api §5.2-5.6): user-scoped, bound to one workspace (instance_id). The bytes
-- of an unfinished chunked or stream session live in DATA/tmp/<session id>.
CREATE TABLE upload_sessions (
    id                TEXT PRIMARY KEY,          -- OpaqueId, type '5'
    user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id      TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    folder_id         TEXT,                      -- target folder; NULL = the root
    file_id           TEXT,                      -- action=update: the file that gets a version
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('chunked', 'stream', 'single', 'batch')),
    size              INTEGER NOT NULL,          -- declared bytes; -1 = not known (stream)
    max_size          INTEGER NOT NULL,
    chunk_size        INTEGER NOT NULL DEFAULT 0, -- 0 = not known yet
    status            TEXT NOT NULL CHECK (status IN ('ready', 'uploading', 'assemble',
                          'assembling', 'complete', 'store', 'storing', 'stored',
                          'assembly_failed', 'store_failed')),
    status_message    TEXT NOT NULL DEFAULT '',
    file_crc32c       TEXT,                      -- whole-file CRC-32C announced by the client
    integrity_failure TEXT,                      -- JSON object (api §5.4)
    new_file_id       TEXT,
    version_id        TEXT,
    created           INTEGER NOT NULL,
    updated           INTEGER NOT NULL,
    expires           INTEGER NOT NULL
);
CREATE INDEX upload_sessions_user ON upload_sessions(user_id, created);

CREATE TABLE upload_chunks (
    session_id TEXT NOT NULL REFERENCES upload_sessions(id) ON DELETE CASCADE,
    ord        INTEGER NOT NULL CHECK (ord >= 1),
    size       INTEGER NOT NULL CHECK (size >= 0),
    crc32c     TEXT NOT NULL,
    created    INTEGER NOT NULL,
    PRIMARY KEY (session_id, ord)
);

-- Download tokens (api §6): 256 random bits, only the SHA-256 stored; bound to node + version.
CREATE TABLE read_tokens (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    node_id      TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    version_id   TEXT NOT NULL,
    expires      INTEGER NOT NULL
);
CREATE INDEX read_tokens_expires ON read_tokens(expires);

-- migration 5
-- File locks (issue 6; h_lock.c; api §7). At most one row per file; a row whose expires has
-- passed is a free lock (treated as absent everywhere, deleted by the next acquire in the
-- workspace). Only the SHA-256 (hex) of the 256-bit lock token is stored. expires is wall-clock
-- microseconds: renewed + duration / --lock-time-scale.
CREATE TABLE locks (
    node_id      TEXT PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL,                  -- who acquired it
    client_info  TEXT,                           -- JSON object text (<= 4 KiB), NULL = none
    duration     INTEGER NOT NULL CHECK (duration BETWEEN 60 AND 3600), -- seconds, as requested
    acquired     INTEGER NOT NULL,
    renewed      INTEGER NOT NULL,               -- acquire or last heartbeat
    expires      INTEGER NOT NULL
);
CREATE INDEX locks_ws_expires ON locks(workspace_id, expires);

-- migration 6
-- Uploads onto a locked file (issue 6; h_upload.c, h_upload_store.c): the SHA-256 hex of the
-- lock_token given at session create, checked again when the version is committed.
ALTER TABLE upload_sessions ADD COLUMN lock_token_hash TEXT;

-- migration 9
-- URL import jobs (issue 17; api §5.7; store_webimport.h; docs/server.md "URL import"). Sizes
-- and byte counts in bytes (size -1 = not announced); times wall-clock microseconds.
CREATE TABLE web_imports (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    folder_id      TEXT,                       -- NULL = root
    source_url     TEXT NOT NULL,
    file_name      TEXT,                       -- asked for; NULL = from the download
    name           TEXT,                       -- the name stored (once known)
    status         TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'downloading',
                       'uploading', 'complete', 'failed', 'canceled')),
    status_message TEXT NOT NULL DEFAULT '',
    bytes_done     INTEGER NOT NULL DEFAULT 0,
    size           INTEGER NOT NULL DEFAULT -1,
    upload_id      TEXT,                       -- its upload session (upload_sessions.id)
    node_id        TEXT,                       -- the file stored, once complete
    attempts       INTEGER NOT NULL DEFAULT 0,
    created        INTEGER NOT NULL,
    updated        INTEGER NOT NULL
);
CREATE INDEX web_imports_user ON web_imports(user_id, created);
CREATE INDEX web_imports_status ON web_imports(status, created);
-- migration 10
-- Quotas (hardening, D-080): the bytes a user stored are summed over the versions they created
-- at every upload admission (h_upload.c up_admit).
CREATE INDEX file_versions_creator ON file_versions(creator_id);
-- Email verification (hardening, D-081; api §2.1 /user/email/validate/): one code per user, only
-- its SHA-256 stored; a few failed attempts end it. Accounts made by sign-up start unverified.
CREATE TABLE email_codes (
    user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    expires    INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
);
-- Consent to membership (hardening, D-081): an invitation made by naming an existing user's id
-- does not show that user's email address (lists, details, events) to anyone.
ALTER TABLE invitations ADD COLUMN email_hidden INTEGER NOT NULL DEFAULT 0;
-- migration 11
-- The full-text index of workspace intelligence (issue 13; store_intel.h; src/server/intel
-- README; docs/server.md "Intelligence"; D-100..D-104). intel_nodes is both the per-file state
-- (api §4.1 ai.state) and the persistent work queue: queued = 1 rows wait for (or are in) a
-- worker; seq grows with every enqueue, and a worker's result is stored only while the row still
-- has the seq it claimed, in one transaction with the passages it replaces, so a kill -9 at any
-- point leaves either the old passages or the new ones, never both and never none-and-forgotten
-- (start-up resets in_progress to pending). want_version/path: what the enqueue asked for (the
-- version to read, the path the passages carry); version_id: the version the passages came from.
-- A row exists only for a live file or note of a workspace with intelligence on; trashing drops
-- it (with its passages), purging cascades.
CREATE TABLE intel_nodes (
    node_id      TEXT PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'in_progress', 'indexed', 'ready',
                                                 'failed')),
    reason       TEXT NOT NULL DEFAULT '',
    want_version TEXT,
    path         TEXT NOT NULL DEFAULT '',
    version_id   TEXT,
    seq          INTEGER NOT NULL,
    queued       INTEGER NOT NULL DEFAULT 1 CHECK (queued IN (0, 1)),
    passages     INTEGER NOT NULL DEFAULT 0,
    text_bytes   INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL
);
CREATE INDEX intel_nodes_queue ON intel_nodes(queued, state, seq);
CREATE INDEX intel_nodes_seq ON intel_nodes(seq);
CREATE INDEX intel_nodes_ws ON intel_nodes(workspace_id);
-- One row per passage (intel/extract.h): text, the file's name and path (searched too), page and
-- line span for citations. intel_fts is an external-content FTS5 index over it (BM25, Porter
-- stemming over unicode61 tokens), kept in step by the two triggers; FK cascades fire them too.
CREATE TABLE intel_passages (
    id           INTEGER PRIMARY KEY,
    node_id      TEXT NOT NULL REFERENCES intel_nodes(node_id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    version_id   TEXT NOT NULL,
    page         INTEGER NOT NULL DEFAULT 0,
    line_start   INTEGER NOT NULL DEFAULT 0,
    line_end     INTEGER NOT NULL DEFAULT 0,
    name         TEXT NOT NULL,
    path         TEXT NOT NULL,
    text         TEXT NOT NULL
);
CREATE INDEX intel_passages_node ON intel_passages(node_id);
CREATE VIRTUAL TABLE intel_fts USING fts5(text, name, path, content='intel_passages',
    content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER intel_passages_ai AFTER INSERT ON intel_passages BEGIN
    INSERT INTO intel_fts(rowid, text, name, path) VALUES (new.id, new.text, new.name, new.path);
END;
-- A dropped row takes its passages (the foreign key's cascade does the same; this also holds on
-- a connection with foreign keys off).
CREATE TRIGGER intel_nodes_ad AFTER DELETE ON intel_nodes BEGIN
    DELETE FROM intel_passages WHERE node_id = old.node_id;
END;
CREATE TRIGGER intel_passages_ad AFTER DELETE ON intel_passages BEGIN
    INSERT INTO intel_fts(intel_fts, rowid, text, name, path)
        VALUES ('delete', old.id, old.text, old.name, old.path);
END;
-- Hybrid retrieval (--embed-url, off by default): one vector per passage, float32 little-endian,
-- normalised to length 1; dim = bytes / 4. Goes with its passage.
CREATE TABLE intel_vectors (
    passage_id   INTEGER PRIMARY KEY REFERENCES intel_passages(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    vec          BLOB NOT NULL
);
CREATE INDEX intel_vectors_ws ON intel_vectors(workspace_id);
CREATE TRIGGER intel_passages_ad_vec AFTER DELETE ON intel_passages BEGIN
    DELETE FROM intel_vectors WHERE passage_id = old.id;
END;
-- migration 12
-- AI chat (issue 13; api §8.2; store_aichat.h; docs/server.md "AI chat"). A chat belongs to its
-- creator; privacy 'public' lets the other members of the workspace read it (never change it).
-- references / subjects are the scope and the attachments as normalised JSON arrays of
-- {"type":"file"|"folder","id":node,"version_id":ver|""}. Message state: 'ready' (queued) ->
-- 'in_progress' -> 'post_processing' -> 'complete' | 'errored' | 'needs_input'. Times are
-- wall-clock microseconds.
CREATE TABLE ai_chats (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    privacy      TEXT NOT NULL CHECK (privacy IN ('private', 'public')),
    kind         TEXT NOT NULL CHECK (kind IN ('user', 'agent')),
    refs         TEXT NOT NULL DEFAULT '[]',
    subjects     TEXT NOT NULL DEFAULT '[]',
    deleted      INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL,
    updated      INTEGER NOT NULL
);
CREATE INDEX ai_chats_ws ON ai_chats(workspace_id, deleted, updated);
CREATE TABLE ai_messages (
    id           TEXT PRIMARY KEY,
    chat_id      TEXT NOT NULL REFERENCES ai_chats(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    question     TEXT NOT NULL,
    refs         TEXT NOT NULL DEFAULT '[]',
    subjects     TEXT NOT NULL DEFAULT '[]',
    state        TEXT NOT NULL CHECK (state IN ('ready', 'in_progress', 'post_processing',
                     'complete', 'errored', 'needs_input')),
    answer       TEXT NOT NULL DEFAULT '',
    citations    TEXT NOT NULL DEFAULT '[]',
    clarification TEXT,                          -- needs_input: the question asked back
    error        TEXT NOT NULL DEFAULT '',
    engine       TEXT NOT NULL DEFAULT '',       -- 'extractive' | 'llm'
    engine_note  TEXT NOT NULL DEFAULT '',       -- e.g. why the model was not used
    canceled     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    tokens       INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    UNIQUE (chat_id, seq)
);
CREATE INDEX ai_messages_state ON ai_messages(state, created);
CREATE TABLE ai_transactions (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    engine       TEXT NOT NULL,
    tokens_in    INTEGER NOT NULL,
    tokens_out   INTEGER NOT NULL,
    created      INTEGER NOT NULL
);
CREATE INDEX ai_transactions_ws ON ai_transactions(workspace_id, created);
-- migration 13
-- Search (D-139): a covering index of each passage's workspace and node by passage id, so the
-- test of every FTS5 match (right workspace, in scope) reads this small index instead of the
-- passage's row with its text.
CREATE INDEX intel_passages_hit ON intel_passages(id, workspace_id, node_id);
-- migration 14
-- URL import resumes a download cut by a restart (D-126): the If-Range validator of the first
-- answer (a strong ETag, else Last-Modified; NULL = the source offered no resumption: no
-- Accept-Ranges: bytes or no validator) and the whole file's size it announced (-1 = unknown).
ALTER TABLE web_imports ADD COLUMN resume_validator TEXT;
ALTER TABLE web_imports ADD COLUMN resume_size INTEGER NOT NULL DEFAULT -1;
