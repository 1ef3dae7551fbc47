-- Shared scalar macros. A MAC is handled as 12 lower-case hex digits ("canonical").
create or replace macro mac_digits(txt) as
    lower(replace(replace(replace(replace(txt, ':', ''), '-', ''), '.', ''), ' ', ''));
create or replace macro mac_hex(txt) as
    case when regexp_full_match(mac_digits(txt), '[0-9a-f]{12}') then mac_digits(txt) end;

-- Every spelling of a MAC (aa:bb.., AA-BB.., aabb.ccdd.eeff, aabbccddeeff) is masked before a
-- line may leave memory (quarantine). Partial MACs count too (4 or more octets: a truncated line
-- still names a device; 3 would mask every hh:mm:ss), and so does any mac= field value.
create or replace macro mask_macs(txt) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(txt, '(mac=[''"]?)[^''"\s]*', '\1masked', 'gi'),
                '[0-9A-Fa-f]{2}([:\-][0-9A-Fa-f]{2}){3,}', 'xx:xx:xx:xx:xx:xx', 'g'),
            '[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}){1,2}', 'xxxx.xxxx.xxxx', 'g'),
        '[0-9A-Fa-f]{12,}', 'xxxxxxxxxxxx', 'g');

-- A line with nothing but white space (a regex: trim() would copy every line of the file).
create or replace macro blank_line(txt) as txt is null or regexp_full_match(txt, '\s*');

-- The service day of a UTC instant: local date after moving the day boundary to midnight.
create or replace macro service_day(ts, tz, start_hour) as
    cast(timezone(tz, ts) - to_hours(start_hour) as date);

-- Local hour of day (0-23) of a UTC instant.
create or replace macro local_hour(ts, tz) as hour(timezone(tz, ts));

-- A naive local time moved by a year when it lies more than half a year from the file's day:
-- syslog has no year, and a file of Jan 1 still holds lines of Dec 31.
create or replace macro year_near(t, hint) as
    case
        when t > hint + interval 183 day then t - interval 1 year
        when t < hint - interval 183 day then t + interval 1 year
        else t
    end;

-- The first BSD stamp of a text ("Apr  1 08:12:41[.fff][ 2024]") as its parts: md (month, day
-- and time), frac ('.fff' or '') and y (the year, or '').
create or replace macro bsd_stamp(txt) as
    regexp_extract(txt, '(\w{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2})(\.\d+)?(?:\s+(\d{4})\s)?',
                   ['md', 'frac', 'y']);

-- A BSD stamp's instant, UTC: read in the city's zone, its year from the file's day when it has
-- none; the fraction cut to microseconds. One format for strptime: a list of formats tried in
-- turn costs several times more.
create or replace macro bsd_ts(stamp, hint, tz) as
    timezone(tz,
        case when stamp.y <> '' then try_strptime(stamp.y || ' ' || stamp.md, '%Y %b %d %H:%M:%S')
             else year_near(try_strptime(year(hint) || ' ' || stamp.md, '%Y %b %d %H:%M:%S'),
                            cast(hint as timestamp)) end
        + to_microseconds(coalesce(try_cast(rpad(left(substr(stamp.frac, 2), 6), 6, '0') as bigint), 0)));

-- The time of a syslog line, UTC: an ISO-8601 stamp (RFC 5424, with or without zone), else the
-- first BSD stamp.
create or replace macro syslog_ts(line, hint, tz) as
    coalesce(
        try_cast(nullif(regexp_extract(line, '^(?:<\d+>\d?\s*)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))', 1), '') as timestamptz),
        timezone(tz, try_cast(nullif(regexp_extract(line, '^(?:<\d+>\d?\s*)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s', 1), '') as timestamp)),
        bsd_ts(bsd_stamp(line), hint, tz));

-- The host field of a BSD syslog line (after the stamp), e.g. the AP's name when APs log directly.
create or replace macro syslog_host(line) as
    nullif(regexp_extract(line, '^(?:<\d+>\d?\s*)?(?:\w{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\s+\d{4})?|\d{4}-\d{2}-\d{2}T\S+)\s+(\S+)', 1), '');

-- A MAC written anywhere in a text, first match: aa:bb:cc:dd:ee:ff, aa-bb-.., aabb.ccdd.eeff.
create or replace macro first_mac(txt) as
    nullif(regexp_extract(txt, '([0-9A-Fa-f]{2}(?:[:\-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})', 1), '');

-- A time written as ISO-8601 (a zone, or none: the city's zone) or as epoch seconds or
-- milliseconds, as JSON and CSV exports write it.
create or replace macro any_ts(txt, tz) as
    case
        when regexp_full_match(trim(txt), '\d{9,10}(\.\d+)?') then to_timestamp(try_cast(trim(txt) as double))
        when regexp_full_match(trim(txt), '\d{12,13}') then to_timestamp(try_cast(trim(txt) as double) / 1000)
        when regexp_matches(txt, '(Z|[+-]\d{2}:?\d{2})$') then try_cast(txt as timestamptz)
        else timezone(tz, try_cast(txt as timestamp))
    end;

-- ISO-8601 UTC text ending in Z, with microseconds only when there are any.
create or replace macro iso_z(ts) as
    case when epoch_us(ts) % 1000000 = 0 then strftime(ts, '%Y-%m-%dT%H:%M:%SZ')
         else strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') end;

-- The 64-bit pseudonym of a 48-bit MAC: the first 8 bytes of HMAC-SHA256(day key, the MAC's 6
-- bytes), as pipeline.pseudonym.pseudonym computes it; ipad / opad from pseudonym.hmac_pads.
create or replace macro pseudonym(mac, ipad, opad) as
    cast('0x' || left(sha256(opad || unhex(sha256(ipad || unhex(printf('%012x', mac))))), 16) as ubigint);
