"""The ingest benchmark's peer: what `ingest_file` does to one syslog file, as a plain Polars script.

    .venv/bin/python benchmarks/peer_polars.py FILE FORMAT OUT.parquet [--year 2024]

Reads the file's lines, parses the format's client events with Polars string and regex
expressions (time, MAC, AP, kind; RSSI and duration where the format has them), finds each AP in
the registry by the name it logs, pseudonymises each distinct MAC with HMAC-SHA256 under a fresh
256-bit key (the first 8 bytes, as the pipeline does), and writes the events, in the file's order,
to Parquet with the lake's compression. Lines that are not client events, or whose AP is not in
the registry, are dropped (ingest counts and quarantines them). What a competent engineer writes
in an afternoon: one lazy query per format, no tuning. Formats: hostapd, meraki_syslog.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
from pathlib import Path

import polars as pl

from pipeline.config import load_settings
from pipeline.ingest.registry import load_registry
from pipeline.lake import PARQUET_OPTIONS

ZONE = "Asia/Tokyo"  # the city's zone: a BSD stamp is local time without a year
KINDS = {
    "CONNECTED": "assoc",
    "DISCONNECTED": "disassoc",
    "association": "assoc",
    "disassociation": "disassoc",
    "wpa_auth": "seen",
    "8021x_auth": "seen",
    "splash_auth": "seen",
}


def read_lines(path: Path) -> pl.LazyFrame:
    """The file's lines, numbered from 1 (record)."""
    return pl.scan_csv(
        path,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={"line": pl.String},
        encoding="utf8-lossy",
    ).with_row_index("record", offset=1)


def hostapd(lines: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """`Apr  1 08:12:41 <AP> hostapd: <iface>: AP-STA-CONNECTED <mac>`: the AP is the syslog host."""
    fields = lines.select(
        "record",
        pl.col("line")
        .str.extract_groups(
            r"^(\w{3}\s+\d{1,2} \d{2}:\d{2}:\d{2}) (\S+) hostapd: \S+: AP-STA-(CONNECTED|DISCONNECTED) "
            r"([0-9A-Fa-f:]{17})"
        )
        .alias("f"),
    ).unnest("f")
    return fields.filter(pl.col("1").is_not_null()).select(
        "record",
        (pl.lit(f"{year} ") + pl.col("1").str.replace_all(r"\s+", " "))
        .str.strptime(pl.Datetime("us"), "%Y %b %d %H:%M:%S")
        .dt.replace_time_zone(ZONE)
        .dt.convert_time_zone("UTC")
        .alias("ts"),
        pl.col("2").alias("ap_name"),
        pl.col("4").alias("mac"),
        pl.col("3").replace_strict(KINDS).alias("kind"),
        pl.lit(None, pl.Int16).alias("rssi"),
        pl.lit(None, pl.Int32).alias("duration_s"),
    )


def meraki_syslog(lines: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """`<epoch> <AP> events type=<type> ... client_mac='<mac>' ... rssi='<n>' | duration='<s>'`."""
    line = pl.col("line")
    head = line.str.extract_groups(r"(\d{9,10})\.(\d{1,6})\d* (\S+) events type=(\S+)").alias("h")
    fields = lines.select(
        "record",
        head,
        line.str.extract(r"client_mac='([^']*)'", 1).alias("mac"),
        line.str.extract(r"rssi='(-?\d+)'", 1).cast(pl.Int16, strict=False).alias("rssi"),
        line.str.extract(r"duration='([\d.]+)'", 1).cast(pl.Float64, strict=False).alias("duration"),
    ).unnest("h")
    return fields.filter(pl.col("4").is_in(list(KINDS)) & pl.col("mac").is_not_null()).select(
        "record",
        (pl.col("1").cast(pl.Int64) * 1_000_000 + pl.col("2").str.pad_end(6, "0").cast(pl.Int64))
        .cast(pl.Datetime("us", "UTC"))
        .alias("ts"),
        pl.col("3").alias("ap_name"),
        "mac",
        pl.col("4").replace_strict(KINDS).alias("kind"),
        "rssi",
        pl.col("duration").round().cast(pl.Int32).alias("duration_s"),
    )


PARSERS = {"hostapd": hostapd, "meraki_syslog": meraki_syslog}


def pseudonymise(macs: pl.Series, key: bytes) -> pl.DataFrame:
    """Each distinct MAC (12 hex digits) with its pseudonym: HMAC-SHA256(key, its 6 bytes), first 8."""
    distinct = macs.unique().to_list()
    devices = [
        int.from_bytes(hmac.new(key, bytes.fromhex(mac), hashlib.sha256).digest()[:8], "big")
        for mac in distinct
    ]
    return pl.DataFrame({"mac": distinct, "device": pl.Series(devices, dtype=pl.UInt64)})


def ingest(path: Path, fmt: str, out: Path, year: int, aps: pl.DataFrame) -> int:
    """Parse, resolve, pseudonymise and write one file; the events written."""
    events = (
        PARSERS[fmt](read_lines(path), year)
        .with_columns(pl.col("mac").str.replace_all(r"[:\-.]", "").str.to_lowercase())
        .filter(pl.col("mac").str.contains(r"^[0-9a-f]{12}$"))
        .join(aps.lazy(), on="ap_name", how="inner", maintain_order="left")
        .collect()
    )
    devices = pseudonymise(events.get_column("mac"), secrets.token_bytes(32))
    events = events.join(devices, on="mac", how="left", maintain_order="left").select(
        "ts",
        "ap_id",
        "device",
        "kind",
        "rssi",
        "duration_s",
        pl.lit(fmt).alias("source"),
        pl.lit("peer").alias("file_id"),
        pl.col("record").cast(pl.Int64),
    )
    events.write_parquet(
        out,
        compression=PARQUET_OPTIONS["compression"],
        compression_level=PARQUET_OPTIONS["compression_level"],
        row_group_size=PARQUET_OPTIONS["row_group_size"],
    )
    return events.height


def registry_aps() -> pl.DataFrame:
    """The sample city's access points: the name each logs, and its id."""
    settings = load_settings({})
    return pl.from_arrow(load_registry(settings.registry).aps.select(["ap_name", "ap_id"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("format", choices=sorted(PARSERS))
    parser.add_argument("out", type=Path)
    parser.add_argument("--year", type=int, default=2024, help="the year of yearless stamps")
    args = parser.parse_args()
    print(ingest(args.path, args.format, args.out, args.year, registry_aps()))


if __name__ == "__main__":
    main()
