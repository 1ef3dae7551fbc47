-- The catalog: what was landed and ingested, what each night did. No identifiers of any device.
create table if not exists files (
    file_id varchar primary key,      -- first 16 hex digits of the sha256: same content, same file
    sha256 varchar not null,
    name varchar not null,            -- the name it was delivered under (first delivery)
    bytes bigint not null,
    format varchar,
    year_hint date,                   -- the day a yearless format takes its year from
    landed_at timestamptz not null,
    ingested_at timestamptz,
    records bigint,
    quarantined bigint,
    ignored bigint,
    error varchar,                    -- why the file could not be read (masked), if it could not
    purged_at timestamptz             -- the raw file was deleted by retention
);
create table if not exists file_days (
    file_id varchar not null,
    day date not null,
    events bigint not null,
    devices bigint,                   -- distinct MACs of the file that day
    randomised bigint,                -- of which locally administered (a quality figure only)
    primary key (file_id, day)
);
create table if not exists day_status (
    day date primary key,
    needs_build boolean not null,     -- a file added events since the last build
    built_at timestamptz,
    key_destroyed_at timestamptz      -- after this the day cannot be pseudonymised again
);
create table if not exists runs (
    day date not null,
    stage varchar not null,
    finished_at timestamptz not null,
    seconds double not null,
    figures json                      -- counts only
);
-- Registries loaded with `footfall registry load`, each in force from a day on.
create table if not exists registry_versions (
    effective_from date primary key,
    sha256 varchar not null,
    name varchar not null,
    loaded_at timestamptz not null
);
create table if not exists registry_aps (
    effective_from date not null,
    ap_id varchar not null,
    ap_name varchar,
    site_id varchar,
    site_name varchar,
    site_name_en varchar,
    zone_id varchar,
    lat double,
    lon double,
    sensitive boolean,
    primary key (effective_from, ap_id)
);
create table if not exists registry_ap_macs (
    effective_from date not null,
    mac varchar not null,
    ap_id varchar not null,
    primary key (effective_from, mac)
);
-- Quarantined records of each file by reason (counts only).
create table if not exists file_quarantine (
    file_id varchar not null,
    reason varchar not null,
    records bigint not null,
    primary key (file_id, reason)
);
-- Ignored records of each file by the program / event type that wrote them (counts only): other
-- programs' lines of an unfiltered feed, other event types, empty lines.
create table if not exists file_ignored (
    file_id varchar not null,
    program varchar not null,
    records bigint not null,
    primary key (file_id, program)
);
-- Releases built, and provisions: a release handed to departments, counted for the KPI.
create table if not exists releases (
    release varchar primary key,      -- FY2024Q1
    package_sha256 varchar not null,  -- of the zip of the package
    built_at timestamptz not null,
    path varchar not null
);
create table if not exists provisions (
    release varchar not null,
    recipients varchar not null,      -- departments, '; '-separated
    provided_at timestamptz not null,
    package_sha256 varchar not null
);
