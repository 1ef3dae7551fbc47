"""simulate -> nightly -> publish, held against the simulator's ground truth."""

import csv
import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import timedelta

import duckdb
import pyarrow.parquet as pq

from pipeline.calendar import FiscalQuarter
from pipeline.release.publish import publish
from tests.conftest import E2E_FIRST, texts_of

HEX12 = re.compile(rb"[0-9a-f]{12}")


def truth_visits(settings):
    return duckdb.sql(
        f'select device_idx, site_id, start, "end", day from read_parquet('
        f"'{settings.truth}/visits/*/*.parquet', hive_partitioning = true)"
    ).fetchall()


def published(release, name):
    return pq.read_table(release.path / "tables" / f"{name}.parquet").to_pylist()


def sensitive_sites(registry):
    return {s["site_id"] for s in registry.sites.to_pylist() if s["sensitive"]}


def test_published_daily_footfall_equals_the_truth(simulated_quarter, registry):
    settings, release, _ = simulated_quarter
    hidden = sensitive_sites(registry)
    truth = defaultdict(set)
    for device, site, _, _, day in truth_visits(settings):
        if site not in hidden:
            truth[(day, site)].add(device)
    rows = published(release, "footfall_daily")
    assert len(rows) == len(truth)
    shown = [r for r in rows if not r["suppressed"]]
    assert len(shown) > 0.8 * len(rows)
    for r in shown:
        assert r["devices"] == len(truth[(r["day"], r["site_id"])])
    for r in rows:
        if r["suppressed"]:
            assert r["devices"] is None and r["visits"] is None


def test_sensitive_sites_are_never_published_alone(simulated_quarter, registry):
    _, release, _ = simulated_quarter
    hidden = sensitive_sites(registry)
    assert hidden  # the sample marks 大分市保健所 and 大分市消費生活センター
    for name in ("footfall_daily", "footfall_profile"):
        assert not hidden & {r["site_id"] for r in published(release, name)}
    for r in published(release, "od_flows"):
        assert r["origin_zone_id"] not in hidden and r["dest_zone_id"] not in hidden
    for r in published(release, "sites"):
        assert r["site_id"] not in hidden or (r["device_days"] is None and r["suppressed"])


def test_published_od_flows_equal_the_truth(simulated_quarter, registry):
    settings, release, _ = simulated_quarter
    hidden = sensitive_sites(registry)
    by_device = defaultdict(list)
    for device, site, start, end, day in truth_visits(settings):
        by_device[(day, device)].append((start, end, site))
    trips = Counter()
    for stops in by_device.values():
        stops.sort()
        for (_, end, a), (start, _, b) in zip(stops, stops[1:]):
            if a != b and start - end <= timedelta(hours=1) and not {a, b} & hidden:
                trips[(a, b)] += 1
    rows = published(release, "od_flows")
    assert sum(1 for r in rows if not r["suppressed"]) > 50
    for r in rows:
        if not r["suppressed"]:
            assert r["trips"] == trips[(r["origin_zone_id"], r["dest_zone_id"])]
    assert {(r["origin_zone_id"], r["dest_zone_id"]) for r in rows} == set(trips)


def test_no_published_count_covers_fewer_than_k_devices(simulated_quarter):
    settings, release, _ = simulated_quarter
    counts = {
        "footfall_daily": "devices",
        "footfall_profile": "device_hours",
        "od_flows": "device_days",
        "sites": "device_days",
    }
    for name, column in counts.items():
        for r in published(release, name):
            assert r[column] is None or r[column] >= settings.k


def test_no_site_has_a_single_hidden_day_that_its_total_would_reveal(simulated_quarter):
    _, release, _ = simulated_quarter
    hidden = Counter(r["site_id"] for r in published(release, "footfall_daily") if r["suppressed"])
    totals = {r["site_id"]: r["device_days"] for r in published(release, "sites")}
    for site, n in hidden.items():
        assert n != 1 or totals[site] is None


def test_tables_open_in_excel_and_the_manifest_holds_every_file(simulated_quarter):
    _, release, _ = simulated_quarter
    raw = (release.path / "tables" / "sites.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "JR大分駅".encode() in raw
    with open(release.path / "tables" / "od_flows.csv", encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == release.rows["od_flows"]
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(release.path).as_posix() for p in release.path.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json"}
    for path, entry in listed.items():
        assert hashlib.sha256((release.path / path).read_bytes()).hexdigest() == entry["sha256"]
    assert listed["tables/od_flows.csv"]["rows"] == release.rows["od_flows"]
    assert manifest["policy"]["k"] == 10 and manifest["coverage"]["days_with_data"] == 7


def test_publishing_again_gives_identical_bytes(simulated_quarter):
    settings, release, _ = simulated_quarter
    before = {p: p.read_bytes() for p in release.path.rglob("*") if p.is_file()}
    publish(settings, FiscalQuarter.of(E2E_FIRST))
    after = {p: p.read_bytes() for p in release.path.rglob("*") if p.is_file()}
    assert before == after


def test_no_raw_mac_outside_the_landing_zone(simulated_quarter):
    settings, _, raw_macs = simulated_quarter
    wanted = {m.encode() for m in raw_macs}
    files = [p for p in settings.home.rglob("*") if p.is_file() and "landing" not in p.parts]
    assert len(files) > 30
    for path in files:
        for text in texts_of(path):
            flat = text.lower().replace(b":", b"").replace(b"-", b"").replace(b".", b"")
            assert not wanted & set(HEX12.findall(flat)), f"a raw MAC in {path}"


def test_the_package_has_its_overview_readme_geo_and_flowmap_tables(simulated_quarter):
    settings, release, _ = simulated_quarter
    root = release.path
    index = (root / "index.html").read_text(encoding="utf-8")
    assert "大分市 公衆無線LAN 人流データ FY2024Q1" in index and "people-flow data" in index
    assert "maps/flows.html" in index and "tables/od_flows.csv" in index
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.index("秘匿のルール") < readme.index("Privacy rules")
    flows = json.loads((root / "geo" / "flows.geojson").read_text(encoding="utf-8"))
    shown = [r for r in published(release, "od_flows") if not r["suppressed"]]
    assert len(flows["features"]) == len(shown)
    assert flows["features"][0]["geometry"]["type"] == "LineString"
    with open(root / "tables" / "flows.csv", encoding="utf-8-sig", newline="") as handle:
        pairs = list(csv.DictReader(handle))
    assert list(pairs[0]) == ["origin", "dest", "count"] and len(pairs) == len(shown)
    with open(root / "tables" / "dictionary.csv", encoding="utf-8-sig", newline="") as handle:
        described = {(r["table"], r["column"]) for r in csv.DictReader(handle) if r["name_ja"]}
    assert ("footfall_daily", "devices") in described and ("od_flows", "trips") in described


def test_the_zip_is_deterministic_and_its_sha256_is_in_the_ledger(simulated_quarter):
    settings, release, _ = simulated_quarter
    archive = release.path.with_suffix(".zip")
    first = archive.read_bytes()
    publish(settings, FiscalQuarter.of(E2E_FIRST))
    assert archive.read_bytes() == first
    con = duckdb.connect(str(settings.catalog), read_only=True)
    (sha,) = con.execute("select package_sha256 from releases where release = 'FY2024Q1'").fetchall()[0]
    con.close()
    assert sha == hashlib.sha256(first).hexdigest()


def test_a_quarter_names_the_days_it_has_no_nights_for(simulated_quarter):
    from datetime import date

    from pipeline.release.publish import day_ranges, missing_days

    settings, _, _ = simulated_quarter
    missing = missing_days(settings, FiscalQuarter.parse("FY2024Q1"))
    assert len(missing) == 91 - 7 and day_ranges(missing) == "2024-04-08..2024-06-30"
    days = [date(2024, 4, 3), date(2024, 4, 1), date(2024, 4, 2), date(2024, 4, 9)]
    assert day_ranges(days) == "2024-04-01..2024-04-03, 2024-04-09"
