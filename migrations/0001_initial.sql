-- Initial schema. Cluster-ready from the start: every member-local object is
-- keyed by member. Config maps and device maps are stored as JSON objects so
-- a list of N objects is one query, not N.

CREATE TABLE members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    schema_version INTEGER NOT NULL,
    api_extensions INTEGER NOT NULL,
    architecture TEXT NOT NULL DEFAULT '',
    failure_domain TEXT NOT NULL DEFAULT 'default',
    state INTEGER NOT NULL DEFAULT 0,
    heartbeat DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    config TEXT NOT NULL DEFAULT '{}',
    roles TEXT NOT NULL DEFAULT '[]',
    groups TEXT NOT NULL DEFAULT '["default"]'
);

CREATE TABLE config (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    certificate TEXT NOT NULL,
    restricted INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE certificates_projects (
    certificate_id INTEGER NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (certificate_id, project_id)
);

CREATE TABLE profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{}',
    devices TEXT NOT NULL DEFAULT '{}',
    UNIQUE (project_id, name)
);

CREATE TABLE storage_pools (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    driver TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    state INTEGER NOT NULL DEFAULT 0,
    config TEXT NOT NULL DEFAULT '{}'
);

-- Per-member state and member-specific keys (source, size, ...) of a pool.
CREATE TABLE storage_pools_members (
    pool_id INTEGER NOT NULL REFERENCES storage_pools (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    state INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (pool_id, member_id)
);

CREATE TABLE storage_volumes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id INTEGER NOT NULL REFERENCES storage_pools (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT 'filesystem',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    config TEXT NOT NULL DEFAULT '{}',
    UNIQUE (pool_id, member_id, project_id, type, name)
);

CREATE TABLE storage_volumes_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    volume_id INTEGER NOT NULL REFERENCES storage_volumes (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME,
    config TEXT NOT NULL DEFAULT '{}',
    UNIQUE (volume_id, name)
);

CREATE TABLE images (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    filename TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    public INTEGER NOT NULL DEFAULT 0,
    auto_update INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    architecture TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'container',
    created_at DATETIME,
    expires_at DATETIME,
    uploaded_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at DATETIME,
    properties TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL DEFAULT '{}',
    UNIQUE (project_id, fingerprint)
);

-- Which members hold the image files.
CREATE TABLE images_members (
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (image_id, member_id)
);

CREATE TABLE images_profiles (
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (image_id, profile_id)
);

CREATE TABLE images_aliases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (project_id, name)
);

CREATE TABLE instances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'container',
    architecture TEXT NOT NULL,
    ephemeral INTEGER NOT NULL DEFAULT 0,
    stateful INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at DATETIME,
    expires_at DATETIME,
    config TEXT NOT NULL DEFAULT '{}',
    devices TEXT NOT NULL DEFAULT '{}',
    UNIQUE (project_id, name)
);

CREATE TABLE instances_profiles (
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    apply_order INTEGER NOT NULL,
    PRIMARY KEY (instance_id, profile_id)
);

CREATE TABLE instances_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    stateful INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME,
    config TEXT NOT NULL DEFAULT '{}',
    devices TEXT NOT NULL DEFAULT '{}',
    profiles TEXT NOT NULL DEFAULT '[]',
    UNIQUE (instance_id, name)
);

CREATE TABLE networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'bridge',
    description TEXT NOT NULL DEFAULT '',
    state INTEGER NOT NULL DEFAULT 0,
    config TEXT NOT NULL DEFAULT '{}',
    UNIQUE (project_id, name)
);

CREATE TABLE networks_members (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    state INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (network_id, member_id)
);

-- Which member runs an operation, so any member can route /1.0/operations/<id>.
CREATE TABLE operations (
    uuid TEXT PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    project TEXT NOT NULL DEFAULT '',
    class TEXT NOT NULL
);

INSERT INTO projects (name, description, config) VALUES
    ('default', 'Default LXD project',
     '{"features.images":"true","features.networks":"true","features.profiles":"true","features.storage.volumes":"true"}');
INSERT INTO profiles (project_id, name, description) VALUES (1, 'default', 'Default LXD profile');
