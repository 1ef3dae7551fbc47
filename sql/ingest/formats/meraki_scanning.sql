-- Cisco Meraki Scanning API v3 posts, as JSON Lines (one post a line) or one post per file
-- (variable json_whole). One row per sighting: the observation's latestRecord (nearestApMac,
-- nearestApRssi) and every locations[].rssiRecords[] entry, all of kind 'seen'. The record is the
-- post's line number (the line it starts on). Times are ISO strings or epoch numbers. Posts of
-- "type": "Bluetooth" are BLE beacons, not Wi-Fi devices: ignored and counted, never devices. Posts
-- a receiver dumped back to back (`}}{"version"`, on one line or in a file read whole) are split; a
-- JSON document that is no post is ignored (counted by its type), one that is no JSON is quarantined.
-- reads: raw_lines
-- params: json_whole, tz
create or replace temp view parsed as
with docs as (
    select record, line, try(json(line)) as doc
    from (
        select record, unnest(string_split(replace(line, '}{"version"', '}' || chr(30) || '{"version"'),
                                           chr(30))) as line
        from raw_lines
        where not getvariable('json_whole')
    )
    union all
    -- a file read whole may hold posts dumped back to back too: each is numbered by the line it
    -- starts on (the lines before it, counted by their line ends)
    select cast(1 + coalesce(sum(length(line) - length(replace(line, chr(10), ''))) over (
               order by part rows between unbounded preceding and 1 preceding), 0) as bigint) as record,
           line, try(json(line)) as doc
    from (
        select generate_subscripts(parts, 1) as part, unnest(parts) as line
        from (
            select string_split(replace(string_agg(line, chr(10) order by record), '}{"version"',
                                        '}' || chr(30) || '{"version"'), chr(30)) as parts
            from raw_lines
            where getvariable('json_whole')
        )
        where parts is not null
    )
),
posts as (
    -- a post's line is kept only when it is not JSON (for the quarantine): carried into every
    -- observation, a post of thousands would be copied thousands of times
    select
        record,
        case when doc is null then line end as bad_line,
        doc is null as bad_json,
        json_extract_string(doc, '$.type') as post_type,
        -- a document without observations is one row all the same: counted, never dropped
        coalesce(nullif(json_extract(doc, '$.data.observations[*]'), []), [null]) as obs_list
    from docs
),
observations as (
    select record, bad_line, bad_json, post_type, unnest(obs_list) as obs from posts
),
latest as (
    select
        record, bad_line, bad_json, post_type, obs,
        json_extract_string(obs, '$.latestRecord.time') as time_text,
        json_extract_string(obs, '$.latestRecord.nearestApMac') as ap_text,
        try_cast(json_extract_string(obs, '$.latestRecord.nearestApRssi') as smallint) as rssi
    from observations
),
located as (
    select
        record, bad_line, bad_json, post_type, obs,
        json_extract_string(loc, '$.time') as time_text,
        json_extract_string(rr, '$.apMac') as ap_text,
        try_cast(json_extract_string(rr, '$.rssi') as smallint) as rssi
    from (
        select record, bad_line, bad_json, post_type, obs, unnest(json_extract(obs, '$.locations[*]')) as loc
        from observations
        where obs is not null
    )
    cross join unnest(json_extract(loc, '$.rssiRecords[*]')) as r(rr)
),
sightings as (
    select * from latest
    union all
    select * from located
),
typed as (
    select
        record,
        bad_line as line,  -- no text of an observation is kept (the quarantine has none)
        any_ts(time_text, getvariable('tz')) as ts,
        cast(null as varchar) as ap_name,
        ap_text as ap_mac,
        mac_hex(json_extract_string(obs, '$.clientMac')) as mac,
        'seen' as kind,
        rssi,
        cast(null as integer) as duration_s,
        bad_json,
        post_type,
        obs,
        time_text,
        json_extract_string(obs, '$.clientMac') as mac_text
    from sightings
),
judged as (
    select
        record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s,
        case
            when bad_json and blank_line(line) then 'empty_line'
            when bad_json then 'bad_json'
            when post_type = 'Bluetooth' then 'ignored'
            when obs is null then 'ignored'
            when time_text is null or ts is null then 'bad_time'
            when mac_text is null then 'missing_mac'
            when mac is null then 'bad_mac'
            when ap_mac is null then 'unknown_ap'
        end as reason,
        coalesce(post_type, 'no post') as event
    from typed
)
select distinct on (record, ts, ap_mac, mac) *, 'scanning' as program,
    cast(null as varchar) as host, false as naive
from judged;
