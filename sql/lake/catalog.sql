-- The catalog: what was landed and ingested, what each night did. No identifiers of any device.
-- reads: nothing
-- params: none
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
-- Built days whose marts read figures of an earlier day that changed since (AP health history,
-- the quality report's weekday medians): rebuilt after the run that changed them.
create table if not exists stale_days (
    day date primary key,
    marked_at timestamptz not null
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
-- Every draw of differential-privacy noise, append-only (the file dp/budget.jsonl holds the same
-- rows; pipeline/release/budget.py refuses to publish with DP when the two disagree or one is gone).
create table if not exists dp_draws (
    draw_id varchar primary key,
    release varchar not null,         -- FY2024Q1
    table_name varchar not null,      -- daily, profile, od
    epsilon double not null,          -- spent by this draw, per device-day
    unit varchar not null,            -- device-day
    contribution_bound integer not null,
    scale double not null,
    cells bigint not null,
    days integer not null,            -- service days the table covers
    drawn_at timestamptz not null
);
-- The opt-out denylist: keyed hashes of the MAC addresses of devices whose owners asked not to be
-- counted (pipeline/ingest/optout.py). The key is long-lived and kept apart, in the keystore: without it
-- a hash says nothing, and no MAC is ever stored.
create table if not exists optout (
    hash ubigint primary key,         -- first 8 bytes of HMAC-SHA256(opt-out key, 48-bit MAC)
    added_at timestamptz not null
);
-- Records of opted-out devices dropped at ingestion (a count only: never staged or quarantined).
alter table files add column if not exists opted_out bigint;
-- A file's format as the operator forced it (`footfall reingest --format`), and the quarantined
-- share of its client records the operator accepted (`footfall accept`): the night's quarantine
-- gate passes it while its share stays at or below that.
alter table files add column if not exists forced_format varchar;
alter table files add column if not exists accepted_rate double;
-- The operator's decisions on landed files, append-only: read again, accepted over the limit.
create table if not exists file_actions (
    file_id varchar not null,
    action varchar not null,          -- reingest | accept
    acted_at timestamptz not null,
    acted_by varchar not null,        -- the operator's login name (or --by)
    reason varchar,                   -- the operator's words (accept)
    figures json                      -- counts only: the share accepted and the limit; the format forced
);
