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
    ignored bigint
);
create table if not exists file_days (
    file_id varchar not null,
    day date not null,
    events bigint not null,
    primary key (file_id, day)
);
create table if not exists day_status (
    day date primary key,
    needs_build boolean not null,     -- a file added events since the last build
    built_at timestamptz
);
create table if not exists runs (
    day date not null,
    stage varchar not null,
    finished_at timestamptz not null,
    seconds double not null,
    figures json                      -- counts only
);
