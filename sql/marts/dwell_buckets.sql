-- Dwell per site of one service day: visits and devices in each dwell bucket. No device ids.
-- reads: nothing
-- params: visits
with visits as (
    select device, site_id, dwell_s from read_parquet(getvariable('visits')) where not flap
),
bucketed as (
    select
        *,
        case
            when dwell_s < 300 then '<5m'
            when dwell_s < 1200 then '5-20m'
            when dwell_s < 3600 then '20-60m'
            when dwell_s < 21600 then '1-6h'
            else '6h+'
        end as bucket
    from visits
),
buckets as (
    select site_id, bucket, count(*) as visits, count(distinct device) as devices
    from bucketed
    group by site_id, bucket
)
select * from buckets order by site_id, bucket
