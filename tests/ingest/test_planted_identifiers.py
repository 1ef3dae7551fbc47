"""Identifiers planted where a source may write anything (a generic `kind` or `ap`, a RADIUS NAS or
status, a Meraki `type=`, a syslog tag) never leave landing/: the real commands (`footfall ingest`,
`footfall nightly`, `footfall parse`) run over constructed files (tests/fixtures/planted/, found by
an outside review), then every file of the lake outside landing/ and inbox/ (Parquet cells, catalog
rows, anything else) and everything the commands printed are searched for them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.config import SAMPLE_REGISTRY
from pipeline.ingest.masking import AP_NAME, LABEL_WORD, MASKED
from tests.conftest import make_settings, texts_of

FIXTURES = Path(__file__).parents[1] / "fixtures" / "planted"
DAY = "2026-11-26"
# the people, hosts and addresses written into the fixtures
PLANTED = ("taro", "hanako", "saburo", "shiro", "jiro", "suzuki", "example", "portal", "hotspot", "@")
PLANTED_IPS = ("10.0.0.9", "10.20.30.41")
KNOWN_KINDS = {"start", "stop", "interim", "assoc", "disassoc", "seen", "Start", "other"}


def _macs(text: str) -> set[str]:
    """Every MAC written in the fixtures, as 12 hex digits."""
    return {
        re.sub("[:-]", "", m).lower() for m in re.findall(r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}", text)
    }


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A scratch lake after `footfall ingest`, `footfall nightly` and `footfall parse` over the
    planted files (every file over the quarantine limit: the gate may pass, the night must run)."""
    root = tmp_path_factory.mktemp("planted")
    shutil.copytree(FIXTURES, root / "in")
    settings = make_settings(root, FOOTFALL_MAX_QUARANTINE_RATE="1")
    env = {
        "FOOTFALL_HOME": str(settings.home),
        "FOOTFALL_KEYSTORE": str(settings.keystore),
        "FOOTFALL_MAX_QUARANTINE_RATE": "1",
        "PATH": "/usr/bin:/bin",
    }
    footfall = str(Path(sys.executable).with_name("footfall"))
    files = sorted(str(p) for p in (root / "in").iterdir())
    said = []
    for args in (
        ["ingest", *files, "--day", DAY],
        ["nightly", "--day", DAY],
        ["parse", *files, "--day", DAY, "--registry", str(SAMPLE_REGISTRY)],
    ):
        done = subprocess.run(
            [footfall, *args], env=env, cwd=root, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        said.append(done.stdout + done.stderr)
    return settings, "\n".join(said)


def _lake_texts(settings) -> dict[Path, bytes]:
    kept = {}
    for path in sorted(settings.home.rglob("*")):
        parts = path.relative_to(settings.home).parts
        if path.is_file() and parts[0] not in ("landing", "inbox"):
            kept[path] = b"\n".join(texts_of(path)).lower()
    return kept


def test_no_planted_identifier_is_kept_or_printed_outside_landing(planted):
    settings, said = planted
    macs = set().union(*(_macs(p.read_text()) for p in FIXTURES.iterdir()))
    texts = _lake_texts(settings)
    assert any(p.match("staged/quarantine/*.parquet") for p in texts)  # the quarantine was written
    assert any(p.match("marts/quality/*/*.parquet") for p in texts) and settings.catalog in texts
    texts[Path("output of the commands")] = said.lower().encode()
    for path, text in texts.items():
        for word in PLANTED + PLANTED_IPS:
            assert word.encode() not in text, f"{word!r} in {path}"
        flat = re.sub(rb"[:\-.\s]", b"", text)
        assert not [m for m in macs if m.encode() in flat], f"a planted MAC in {path}"


def _quarantine(settings) -> list[dict]:
    return [row for p in settings.quarantine.glob("*.parquet") for row in pq.read_table(p).to_pylist()]


def test_the_quarantine_keeps_only_the_event_words_of_each_format(planted):
    rows = _quarantine(planted[0])
    assert {r["event"] for r in rows} <= KNOWN_KINDS
    # a MAC, two e-mails and a URL stood in `kind`; each record is kept, its word is not
    assert sum(r["event"] == "other" and r["reason"] == "bad_kind" for r in rows) == 5


def test_an_unknown_ap_keeps_a_safe_name_else_a_keyed_digest_that_groups_it(planted):
    rows = [r for r in _quarantine(planted[0]) if r["reason"] == "unknown_ap"]
    names = {r["ap_name"] for r in rows}
    assert "TEMP-AP-99" in names  # what the operator adds to the registry, as logged
    hidden = [n for n in names if n != "TEMP-AP-99"]
    assert hidden and all(re.fullmatch(MASKED + r":[0-9a-f]{10}", n) for n in hidden)
    by_format = {}
    for r in rows:
        by_format.setdefault(r["ap_name"], set()).add(r["format"])
    # hs-unknown-hotspot.example.jp in the CSV and as the RADIUS Called-Station-Id: one digest;
    # shiro@example.jp twice in the JSON Lines file: one digest; 4 distinct unsafe names in all
    assert {"generic_csv", "radius_detail"} in by_format.values()
    assert len(hidden) == 4 and len(rows) == 7
    assert all(AP_NAME.fullmatch(n) or n in hidden for n in names)


def test_ignored_lines_are_counted_under_safe_labels_everywhere(planted):
    settings, said = planted
    con = duckdb.connect(str(settings.catalog), read_only=True)
    stored = [program for (program,) in con.execute("select program from file_ignored").fetchall()]
    (figures,) = con.execute("select figures from runs where stage = 'quality'").fetchone()
    con.close()
    quality = json.loads(json.loads(figures)["ignored_by_program"])
    for label in [*stored, *quality]:
        assert all(LABEL_WORD.fullmatch(w) or w == MASKED for w in label.split(" ")), label
    # `events type=taro@example.jp` and its kin, a RADIUS status written as an e-mail, host-name tags
    assert quality["events masked"] == 3 and quality["radius masked"] == 1 and quality[MASKED] == 2
    assert "events masked=3" in said


def test_date_stamped_file_names_are_shown_whole(planted):
    settings, said = planted
    (per_file,) = (
        pq.read_table(next(settings.marts.glob("quality/*/*.parquet"))).column("per_file").to_pylist()
    )
    names = {key.split(" (")[0] for key in json.loads(per_file)}
    assert {"site-20261126.log", "generic-kind-20261126.csv", "generic-kind-20261126.jsonl"} <= names
    assert "generic-swapped-20261126.csv: NO EVENT" in said  # the ingest's warning
    assert "/in/site-20261126.log (" in said  # parse's figures


def test_an_unknown_ap_name_is_judged_as_logged(tmp_path):
    """A name in any script is kept whole; an e-mail without a dot in its domain is no AP name."""
    settings = make_settings(tmp_path, FOOTFALL_MAX_QUARANTINE_RATE="1")
    path = tmp_path / "generic-names-20261126.csv"
    path.write_text(
        "ts,ap,client_mac,kind,rssi,duration_s\n"
        "2026-11-26T10:05:00+09:00,大分駅 臨時 AP-2,80:d6:05:12:34:5a,assoc,-50,\n"
        "2026-11-26T10:06:00+09:00,taro@localhost,80:d6:05:12:34:5b,assoc,-50,\n",
        encoding="utf-8",
    )
    env = {
        "FOOTFALL_HOME": str(settings.home),
        "FOOTFALL_KEYSTORE": str(settings.keystore),
        "FOOTFALL_MAX_QUARANTINE_RATE": "1",
        "PATH": "/usr/bin:/bin",
    }
    footfall = str(Path(sys.executable).with_name("footfall"))
    done = subprocess.run(
        [footfall, "ingest", str(path), "--day", DAY], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    names = {r["ap_name"] for r in _quarantine(settings)}
    assert "大分駅 臨時 AP-2" in names and not any("taro" in n for n in names)
