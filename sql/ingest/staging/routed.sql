-- The lines of a block of a syslog feed, each routed to the format that reads it by its program
-- tag or shape (fmt), or to none (NULL: another program's line, ignored and counted by `program`,
-- its text dropped).
-- The tests are the macro syslog_route (sql/lake/macros.sql): in an unfiltered feed most lines belong to
-- other programs, and a line of another program costs only these tests and its label.
-- reads: raw_lines
-- params: file_fmt, routes
create or replace temp table routed as
with lines as (
    select record, line from raw_lines
),
routes as (
    select
        record,
        line,
        syslog_route(line, getvariable('file_fmt')) as route
    from lines
),
chosen as (
    select record, line, case when list_contains(getvariable('routes'), route) then route end as fmt
    from routes
)
-- Another program's line keeps no text, only its label: the program that wrote it (a Cisco
-- mnemonic %FAC-SEV-NAME, a Meraki log type, else the syslog tag before ': '), computed in this
-- one pass and for these lines only.
select
    record,
    case when fmt is not null then line end as line,
    fmt,
    case when fmt is null and blank_line(line) then 'empty_line' when fmt is null then 'ignored' end
        as reason,
    case when fmt is null then coalesce(program_label(line), 'other') end as program
from chosen;

-- Other programs' lines as canonical records (no row in a block of one format: the shape only).
create or replace temp view routed_foreign as
select
    record,
    cast(null as varchar) as source,
    cast(null as timestamptz) as ts,
    cast(null as varchar) as ap_name,
    cast(null as varchar) as ap_mac,
    cast(null as varchar) as mac,
    cast(null as varchar) as kind,
    cast(null as smallint) as rssi,
    cast(null as integer) as duration_s,
    reason,
    program,
    cast(null as varchar) as event,
    cast(null as varchar) as host,
    false as naive,
    true as own
from routed
where fmt is null;
