-- The lines of one landed file that had unreadable lines, numbered from 1 in file order: one row
-- per line. Readable lines are renumbered past the rejected ones; a line DuckDB cannot read
-- (invalid UTF-8, too long) keeps its number, with why in `reject` and what could be read in `line`.
-- (A file without rejects uses `readable` as it is: see pipeline.ingest.)
create or replace temp table raw_lines as
with rejects as (
    select
        cast(line as bigint) as record,
        lower(replace(cast(error_type as varchar), ' ', '_')) as reject,
        csv_line,
        row_number() over (order by line) as j
    from raw_rejects
),
-- the j-th rejected line has (record - j) readable lines before it
offsets as (
    select record - j as readable_before, max(j) as rejected_before
    from rejects
    group by readable_before
),
renumbered as (
    select r.record + coalesce(o.rejected_before, 0) as record, r.line,
           cast(null as varchar) as reject
    from readable as r
    asof left join offsets as o on r.record > o.readable_before
),
raw_lines as (
    select * from renumbered
    union all
    select record, csv_line as line, reject from rejects
)
select * from raw_lines;
