-- Origin-destination flows of one service day: trips per zone pair and hour band of departure.
-- devices: distinct devices that made the move; no device ids. devices_dp: the bounded count.
-- reads: sites
-- params: dp_max_flows, trips, tz
with trips as (
    select device, origin_site_id, dest_site_id, depart, travel_s from read_parquet(getvariable('trips'))
),
zoned as (
    select
        t.device,
        o.zone_id as origin_zone_id,
        d.zone_id as dest_zone_id,
        t.depart,
        local_hour(t.depart, getvariable('tz')) as hour_local,
        t.travel_s
    from trips as t
    join sites as o on o.site_id = t.origin_site_id
    join sites as d on d.site_id = t.dest_site_id
),
banded as (
    select
        *,
        case
            when hour_local between 4 and 6 then '04-07'
            when hour_local between 7 and 9 then '07-10'
            when hour_local between 10 and 12 then '10-13'
            when hour_local between 13 and 15 then '13-16'
            when hour_local between 16 and 18 then '16-19'
            when hour_local between 19 and 21 then '19-22'
            else '22-04'
        end as hour_band
    from zoned
    where origin_zone_id <> dest_zone_id
),
bounded as (
    -- each device counted in its first $dp_max_flows pair-and-band cells of the day (for DP)
    select origin_zone_id, dest_zone_id, hour_band, count(*) as devices_dp
    from (
        select origin_zone_id, dest_zone_id, hour_band,
               row_number() over (partition by device
                                  order by min(depart), origin_zone_id, dest_zone_id, hour_band) as nth
        from banded
        group by device, origin_zone_id, dest_zone_id, hour_band
    )
    where nth <= getvariable('dp_max_flows')
    group by origin_zone_id, dest_zone_id, hour_band
),
flows as (
    select
        origin_zone_id,
        dest_zone_id,
        hour_band,
        count(*) as trips,
        count(distinct device) as devices,
        median(travel_s) as median_travel_s,
        coalesce(any_value(b.devices_dp), 0) as devices_dp,
        cast(getvariable('dp_max_flows') as integer) as dp_bound
    from banded
    left join bounded as b using (origin_zone_id, dest_zone_id, hour_band)
    group by origin_zone_id, dest_zone_id, hour_band
)
select * from flows order by origin_zone_id, dest_zone_id, hour_band
