-- The lines of a block of a syslog feed, each routed to the format that reads it by its program
-- tag or shape (fmt), or to none (NULL: another program's line, ignored and counted by `program`,
-- its text dropped).
-- Plain string tests, cheapest and most frequent first: in an unfiltered feed most lines belong to
-- other programs, and a line of another program costs only these tests and its label.
create or replace temp table routed as
with lines as (
    select record, line from raw_lines
),
routes as (
    select
        record,
        line,
        case
            -- the file's own format is tested first (the others' tests fold away): a file of one
            -- format pays one string test a line
            when getvariable('fmt') = 'meraki_syslog' and contains(line, ' events type=') then 'meraki_syslog'
            when getvariable('fmt') = 'hostapd' and contains(line, 'hostapd')
                 and (contains(line, 'AP-STA-') or contains(line, 'IEEE 802.11: associated')
                      or contains(line, 'IEEE 802.11: disassociated')) then 'hostapd'
            when getvariable('fmt') = 'aruba_stm' and contains(line, 'stm[') then 'aruba_stm'
            when getvariable('fmt') = 'unifi' and contains(line, 'EVENT_STA_') then 'unifi'
            when contains(line, ' events type=') then 'meraki_syslog'
            -- hostapd's station events only: its other chatter (WPA, EAPOL, RADIUS) is labelled
            when contains(line, 'hostapd')
                 and (contains(line, 'AP-STA-') or contains(line, 'IEEE 802.11: associated')
                      or contains(line, 'IEEE 802.11: disassociated')) then 'hostapd'
            when contains(line, 'stm[') then 'aruba_stm'
            when contains(line, 'EVENT_STA_') or contains(line, 'STA_ASSOC_TRACKER') then 'unifi'
            when contains(line, '%CLIENT_ORCH_LOG-') or contains(line, '%APF-')
                 or contains(line, '%DOT11-') or contains(line, 'Client Association:')
                 or contains(line, 'Client Disassociation:') or contains(line, 'Client Deauthenticated:')
                then 'cisco_wlc'
        end as route
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
    case when fmt is null then left(coalesce(
        nullif(regexp_extract(line, '%([A-Z][A-Z0-9_]*-\d-[A-Z0-9_]+)', 1), ''),
        nullif(regexp_extract(line, '^<\d+>1 \d{9,10}\.\d+ \S+ (\w+)', 1), ''),
        nullif(regexp_extract(line, '\s([A-Za-z][\w.\-/]*?)(?:\[[\w\-]*\])*:\s', 1), ''),
        'other'), 60) end as program
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
    false as naive
from routed
where fmt is null;
