-- Only for a file with unreadable lines: readable records renumbered past the rejected lines, and
-- the rejected lines added as quarantined records (what could be read of them, masked).
-- The j-th rejected line has (line - j) readable lines before it.
create or replace temp table resolved as
with rejects as (
    select
        cast(line as bigint) as record,
        lower(replace(cast(error_type as varchar), ' ', '_')) as reason,
        csv_line,
        row_number() over (order by line) as j
    from raw_rejects
),
offsets as (
    select record - j as readable_before, max(j) as rejected_before
    from rejects
    group by readable_before
),
renumbered as (
    select r.* replace (r.record + coalesce(o.rejected_before, 0) as record)
    from resolved as r
    asof left join offsets as o on r.record > o.readable_before
),
rejected as (
    select
        record, cast(null as timestamptz) as ts, cast(null as varchar) as ap_id,
        cast(null as ubigint) as mac, cast(null as varchar) as kind, cast(null as smallint) as rssi,
        cast(null as integer) as duration_s, cast(null as date) as day, reason,
        left(mask_macs(coalesce(csv_line, '')), 500) as masked_line
    from rejects
)
select * from renumbered
union all
select * from rejected;
