-- The lines of a block of a syslog feed, each routed to the format that reads it by its program
-- tag or shape (fmt), or to none (NULL: another program's line, ignored and counted by `program`).
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
                 and (contains(line, 'AP-STA-') or contains(line, 'IEEE 802.11: ')) then 'hostapd'
            when getvariable('fmt') = 'aruba_stm' and contains(line, 'stm[') then 'aruba_stm'
            when getvariable('fmt') = 'unifi' and contains(line, 'EVENT_STA_') then 'unifi'
            when contains(line, ' events type=') then 'meraki_syslog'
            -- hostapd's station events only: its other chatter (WPA, EAPOL, RADIUS) is labelled
            when contains(line, 'hostapd')
                 and (contains(line, 'AP-STA-') or contains(line, 'IEEE 802.11: ')) then 'hostapd'
            when contains(line, 'stm[') then 'aruba_stm'
            when contains(line, 'EVENT_STA_') or contains(line, 'STA_ASSOC_TRACKER') then 'unifi'
            when contains(line, '%CLIENT_ORCH_LOG-') or contains(line, '%APF-')
                 or contains(line, '%DOT11-') or contains(line, 'Client Association:')
                 or contains(line, 'Client Disassociation:') or contains(line, 'Client Deauthenticated:')
                then 'cisco_wlc'
        end as fmt
    from lines
)
select record, line, case when list_contains(getvariable('routes'), fmt) then fmt end as fmt
from routes;

-- Another program's lines: ignored, counted by the program that wrote them (a Cisco mnemonic
-- %FAC-SEV-NAME, a Meraki log type, else the syslog tag before ': '), never quarantined.
create or replace temp view routed_foreign as
with foreign_lines as (
    -- the tag is near the start: only the line's first 160 characters are searched
    select record, line, left(line, 160) as head from routed where fmt is null
),
labelled as (
    select
        record,
        line,
        coalesce(
            nullif(regexp_extract(head, '%([A-Z][A-Z0-9_]*-\d-[A-Z0-9_]+)', 1), ''),
            nullif(regexp_extract(head, '^<\d+>1 \d{9,10}\.\d+ \S+ (\w+)', 1), ''),
            nullif(regexp_extract(head, '\s([A-Za-z][\w.\-/]*?)(?:\[[\w\-]*\])*:\s', 1), ''),
            'other') as program
    from foreign_lines
)
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
    case when blank_line(line) then 'empty_line' else 'ignored' end as reason,
    left(program, 60) as program,
    cast(null as varchar) as event,
    cast(null as varchar) as host,
    false as naive
from labelled;
