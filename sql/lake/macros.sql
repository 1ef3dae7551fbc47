-- Shared scalar macros. A MAC is handled as 12 lower-case hex digits ("canonical").
-- reads: nothing
-- params: none
create or replace macro mac_digits(txt) as
    lower(replace(replace(replace(replace(txt, ':', ''), '-', ''), '.', ''), ' ', ''));
create or replace macro mac_hex(txt) as
    case when regexp_full_match(mac_digits(txt), '[0-9a-f]{12}') then mac_digits(txt) end;

-- Every MAC the parsers read is masked before text may leave memory: the shapes a MAC is written
-- in (cut ones too: 4 octets still name a device), any other spelling mac_digits reads whose 12
-- digits are not followed by more, and any mac= field value; dates and 8-digit numbers stay.
-- pipeline/ingest/masking.py applies the same pattern (MAC_RUN) to text made in Python, twice
-- (a match keeps the character after a MAC, which may be the one before the next), mac= values last.
create or replace macro mac_run() as
    '(^|[^0-9A-Za-z])(?:(?:[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){3,}|[0-9A-Fa-f]{2}(?:\.[0-9A-Fa-f]{2}){5,}|[0-9A-Fa-f]{2}(?: [0-9A-Fa-f]{2}){5,}|[0-9A-Fa-f]{4}(?:[:.-][0-9A-Fa-f]{4}){2,}|[0-9A-Fa-f]{6}[:.-][0-9A-Fa-f]{6}|[0-9A-Fa-f]{12})(\b|[G-Zg-z_])|[0-9A-Fa-f](?:[:. -]*[0-9A-Fa-f]){11}($|[:. -]*(?:$|[^0-9A-Fa-f:. -])))';
create or replace macro mask_macs(txt) as
    regexp_replace(
        regexp_replace(
            regexp_replace(txt, mac_run(), '\1xx:xx:xx:xx:xx:xx\2\3', 'g'),
            mac_run(), '\1xx:xx:xx:xx:xx:xx\2\3', 'g'),
        '(mac=[''"]?)[^''"\s]*', '\1masked', 'gi');

-- A line with nothing but white space (a regex: trim() would copy every line of the file).
create or replace macro blank_line(txt) as txt is null or regexp_full_match(txt, '\s*');

-- The syslog format a line of a syslog feed is routed to by its program tag or shape, or NULL
-- (another program's line); `own` is the file's format, whose tests come first (the others' fold
-- away: a file of one format pays one string test a line). Plain string tests, cheapest and most
-- frequent first. Used by sql/ingest/staging/routed.sql, and by pipeline/ingest/formats to see that a block's
-- lines all route to the file's own format (then read straight, with nothing routed).
create or replace macro syslog_route(line, own) as
    case
        when own = 'meraki_syslog' and contains(line, ' events type=') then 'meraki_syslog'
        when own = 'hostapd' and contains(line, 'hostapd')
             and (contains(line, 'AP-STA-') or contains(line, 'IEEE 802.11: associated')
                  or contains(line, 'IEEE 802.11: disassociated')) then 'hostapd'
        when own = 'aruba_stm' and contains(line, 'stm[') then 'aruba_stm'
        when own = 'unifi' and (contains(line, 'EVENT_STA_') or contains(line, '|WiFi Client ')) then 'unifi'
        when own = 'cisco_wlc' and (contains(line, '%CLIENT_ORCH_LOG-') or contains(line, '%APF-')
             or contains(line, '%DOT11-') or contains(line, 'Client Association:')
             or contains(line, 'Client Disassociation:') or contains(line, 'Client Deauthenticated:'))
            then 'cisco_wlc'
        when contains(line, ' events type=') then 'meraki_syslog'
        -- hostapd's station events only: its other chatter (WPA, EAPOL, RADIUS) is labelled
        when contains(line, 'hostapd')
             and (contains(line, 'AP-STA-') or contains(line, 'IEEE 802.11: associated')
                  or contains(line, 'IEEE 802.11: disassociated')) then 'hostapd'
        when contains(line, 'stm[') then 'aruba_stm'
        when contains(line, 'EVENT_STA_') or contains(line, 'STA_ASSOC_TRACKER')
             or contains(line, '|WiFi Client ') then 'unifi'
        when contains(line, '%CLIENT_ORCH_LOG-') or contains(line, '%APF-')
             or contains(line, '%DOT11-') or contains(line, 'Client Association:')
             or contains(line, 'Client Disassociation:') or contains(line, 'Client Deauthenticated:')
            then 'cisco_wlc'
    end;

-- The program that wrote another program's syslog line, named for the count of ignored lines: a
-- Cisco mnemonic %FAC-SEV-NAME, an RFC 5424 app name, else the syslog tag before ': '; NULL when
-- the line shows none. (coalesce computes every argument: each regex that cannot match is skipped
-- by a string test.)
create or replace macro program_label(line) as
    left(coalesce(
        case when contains(line, '%')
             then nullif(regexp_extract(line, '%([A-Z][A-Z0-9_]*-\d-[A-Z0-9_]+)', 1), '') end,
        case when starts_with(line, '<')
             then nullif(regexp_extract(line, '^<\d+>1 \d{9,10}\.\d+ \S+ (\w+)', 1), '') end,
        nullif(regexp_extract(line, '\s([A-Za-z][\w.\-/]*?)(?:\[[\w\-]*\])*:\s', 1), '')), 60);

-- The service day of a UTC instant: local date after moving the day boundary to midnight.
create or replace macro service_day(ts, tz, start_hour) as
    cast(timezone(tz, ts) - to_hours(start_hour) as date);

-- Local hour of day (0-23) of a UTC instant.
create or replace macro local_hour(ts, tz) as hour(timezone(tz, ts));

-- A naive local time without a year, put in the latest year that places it at most 14 days after
-- the file's day: a file of 28 November puts `Jan  4` in January of the same year (never in the
-- next), a file of 1 January puts 31 December in the old year, a file of 31 December the small
-- hours of 1 January in the new one. The margin is for a night that lands files of the days
-- just after its own with its day (a simulation written ahead, a delivery in advance).
create or replace macro year_near(t, hint) as
    case
        when t + interval 1 year <= hint + interval 14 day then t + interval 1 year
        when t <= hint + interval 14 day then t
        else t - interval 1 year
    end;

-- The first BSD stamp of a text ("Apr  1 08:12:41[.fff][ 2024]") as its parts: md (month, day
-- and time), frac ('.fff' or '') and y (the year, or '').
create or replace macro bsd_stamp(txt) as
    regexp_extract(txt, '(\w{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2})(\.\d+)?(?:\s+(\d{4})\s)?',
                   ['md', 'frac', 'y']);

-- A BSD stamp's naive local time: in its own year, else the file's day's year (year_near moves
-- it). One format for strptime: a list of formats tried in turn costs several times more.
create or replace macro bsd_naive(stamp, hint) as
    try_strptime(case when stamp.y <> '' then stamp.y else cast(year(hint) as varchar) end
                 || ' ' || stamp.md, '%Y %b %d %H:%M:%S');

-- A stamp's fraction ('.fff' or '') in microseconds, cut to six digits.
create or replace macro frac_us(frac) as
    to_microseconds(case when frac <> '' then cast(rpad(left(substr(frac, 2), 6), 6, '0') as bigint)
                         else 0 end);

-- A BSD stamp's instant, UTC, from its naive time (bsd_naive): read in the city's zone, a
-- yearless one put in its year by year_near. A format's SQL computes the stamp and the naive time
-- as columns first: year_near uses its time five times inside a CASE, where DuckDB would parse
-- the stamp again for each use (0.5 -> 0.33 s a million lines).
create or replace macro bsd_instant(stamp, naive, hint, tz) as
    timezone(tz, case when stamp.y <> '' then naive else year_near(naive, cast(hint as timestamp)) end
                 + frac_us(stamp.frac));

-- The same from the stamp alone (where it is not computed as a column first).
create or replace macro bsd_ts(stamp, hint, tz) as
    bsd_instant(stamp, bsd_naive(stamp, hint), hint, tz);

-- A stamp as Cisco controllers write it, with a year before the time and a zone word before a
-- colon (`Jul 23 2024 14:31:54.468 UTC:`, `*Sep 13 09:02:11.123 JST:`), as its parts: md, y1 (the
-- year before the time), hms, frac, y (a year after the time) and zone. Apart from bsd_stamp:
-- its optional groups would cost every other format's lines half as much again.
create or replace macro zoned_stamp(txt) as
    regexp_extract(txt, '(\w{3}\s+\d{1,2})(?:\s+(\d{4}))?\s+(\d{2}:\d{2}:\d{2})(\.\d+)?(?:\s+(\d{4})\s)?(?:\s*([A-Z]{2,5}):)?',
                   ['md', 'y1', 'hms', 'frac', 'y', 'zone']);

-- The zone a zone word of a stamp names (NULL: unknown, the stamp is read in the source's zone).
create or replace macro zone_of(word) as
    case word
        when 'UTC' then 'UTC' when 'GMT' then 'UTC' when 'JST' then 'Asia/Tokyo'
        when 'KST' then 'Asia/Seoul' when 'SGT' then 'Asia/Singapore' when 'HKT' then 'Asia/Hong_Kong'
        when 'CET' then 'Etc/GMT-1' when 'CEST' then 'Etc/GMT-2' when 'EET' then 'Etc/GMT-2'
        when 'EEST' then 'Etc/GMT-3' when 'MSK' then 'Europe/Moscow' when 'EST' then 'Etc/GMT+5'
        when 'EDT' then 'Etc/GMT+4' when 'CST' then 'Etc/GMT+6' when 'CDT' then 'Etc/GMT+5'
        when 'PST' then 'Etc/GMT+8' when 'PDT' then 'Etc/GMT+7'
    end;

-- A zoned stamp's instant, UTC: read in the zone its word names, else the city's zone.
create or replace macro zoned_ts(stamp, hint, tz) as
    timezone(coalesce(zone_of(stamp.zone), tz),
        case when coalesce(nullif(stamp.y1, ''), stamp.y) <> ''
             then try_strptime(coalesce(nullif(stamp.y1, ''), stamp.y) || ' ' || stamp.md || ' ' || stamp.hms,
                               '%Y %b %d %H:%M:%S')
             else year_near(try_strptime(year(hint) || ' ' || stamp.md || ' ' || stamp.hms, '%Y %b %d %H:%M:%S'),
                            cast(hint as timestamp)) end
        + to_microseconds(coalesce(try_cast(rpad(left(substr(stamp.frac, 2), 6), 6, '0') as bigint), 0)));

-- A zoned stamp's naive local time: in the year it carries (before or after the time), else the
-- file's day's year (zoned_instant moves it with year_near). A column computed once before
-- zoned_instant, as bsd_naive is before bsd_instant: zoned_ts parses it up to five times.
create or replace macro zoned_naive(stamp, hint) as
    try_strptime(coalesce(nullif(stamp.y1, ''), nullif(stamp.y, ''), cast(year(hint) as varchar))
                 || ' ' || stamp.md || ' ' || stamp.hms, '%Y %b %d %H:%M:%S');

-- zoned_ts from the zoned stamp and its naive time (zoned_naive), both columns: the same instant.
create or replace macro zoned_instant(stamp, naive, hint, tz) as
    timezone(coalesce(zone_of(stamp.zone), tz),
        case when coalesce(nullif(stamp.y1, ''), stamp.y) <> '' then naive
             else year_near(naive, cast(hint as timestamp)) end
        + to_microseconds(coalesce(try_cast(rpad(left(substr(stamp.frac, 2), 6), 6, '0') as bigint), 0)));

-- Whether a line's stamp is a naive local time (no ISO zone or offset): such a time is read in the
-- city's zone here, and moved to its source's zone when the source has one.
create or replace macro naive_stamp(line) as
    not regexp_matches(line, '^(?:<\d+>\d?\s*)?\d{4}-\d{2}-\d{2}T\S*(?:Z|[+-]\d{2}:?\d{2})\s');

-- The time of a syslog line, UTC: an ISO-8601 stamp (RFC 5424, with or without zone), else the
-- first BSD stamp (`bsd`, bsd_stamp(line), and `naive`, bsd_naive(bsd, hint): columns computed
-- before this).
create or replace macro syslog_ts(line, bsd, naive, hint, tz) as
    coalesce(
        try_cast(nullif(regexp_extract(line, '^(?:<\d+>\d?\s*)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))', 1), '') as timestamptz),
        timezone(tz, try_cast(nullif(regexp_extract(line, '^(?:<\d+>\d?\s*)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s', 1), '') as timestamp)),
        bsd_instant(bsd, naive, hint, tz));

-- Whether a line's first stamp may carry a year before the time or a zone word, given its BSD
-- stamp (bsd_stamp): none found; found past the 19th character (a year-first stamp, 19 characters
-- at least, would stand before it); or a zone word right after it. Only such lines pay
-- zoned_stamp (twice bsd_stamp's cost: its optional groups); for the others both give one instant.
create or replace macro needs_zoned(line, bsd) as
    bsd.md = '' or strpos(line, bsd.md) > 19
    or regexp_matches(substr(line, strpos(line, bsd.md) + length(bsd.md), 32),
                      '^(?:\.\d+)?(?:\s+\d{4}\s)?\s*[A-Z]{2,5}:');

-- The time of a line whose stamp may carry a year before the time and a zone word (Cisco), UTC:
-- from its BSD stamp `bsd` (bsd_stamp) and naive time (bsd_naive), or its zoned stamp `zoned`
-- (zoned_stamp) where needs_zoned (NULL elsewhere) and that stamp's naive time `zoned_time`
-- (zoned_naive). All are columns computed once before this.
create or replace macro zoned_syslog_ts(line, bsd, naive, zoned, zoned_time, hint, tz) as
    coalesce(
        try_cast(nullif(regexp_extract(line, '^(?:<\d+>\d?\s*)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))', 1), '') as timestamptz),
        timezone(tz, try_cast(nullif(regexp_extract(line, '^(?:<\d+>\d?\s*)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s', 1), '') as timestamp)),
        case when zoned is null then bsd_instant(bsd, naive, hint, tz)
             else zoned_instant(zoned, zoned_time, hint, tz) end);

-- The host field of a BSD syslog line (after the stamp), e.g. the AP's name when APs log directly;
-- NULL when the first word is a tag (`hostapd:`): the line was forwarded without a host.
create or replace macro syslog_host(line) as
    nullif(regexp_extract(line, '^(?:<\d+>\d?\s*)?(?:\w{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\s+\d{4})?|\d{4}-\d{2}-\d{2}T\S+)\s+\(?"?([^\s,"]*[^\s,":])(?:[\s,"]|$)', 1), '');

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
-- bytes), as pipeline.ingest.pseudonym.pseudonym computes it; ipad / opad from pseudonym.hmac_pads.
create or replace macro pseudonym(mac, ipad, opad) as
    cast('0x' || left(sha256(opad || unhex(sha256(ipad || unhex(printf('%012x', mac))))), 16) as ubigint);
