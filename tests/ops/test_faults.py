"""Faults of the machine: a night killed (SIGKILL) at many points, a full disk, a corrupt Parquet
partition. Each ends exactly where an undisturbed night does, or says clearly what is lost."""

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.ops import integrity, nightly, stages
from pipeline.calendar import FiscalQuarter
from pipeline.release.publish import publish
from tests.conftest import ended_process_owner, make_settings, undisturbed_nights

FOOTFALL = str(Path(sys.executable).with_name("footfall"))

DAY = date(2024, 4, 1)
KILL_AFTER_S = (0.5, 1.5, 2.5, 3.5, 5.0)


@pytest.fixture(scope="module")
def template(tmp_path_factory, registry):
    """Simulated logs of one day, and the marts of an undisturbed night over them."""
    logs, settings = undisturbed_nights(
        tmp_path_factory.mktemp("template"), registry, DAY, DAY, devices=3000, seed=2
    )
    return logs, _marts(settings)


def _marts(settings):
    return {p.relative_to(settings.marts): p.read_bytes() for p in settings.marts.rglob("*.parquet")}


@pytest.mark.parametrize("after", KILL_AFTER_S)
def test_a_killed_night_is_completed_by_the_next_run(tmp_path, template, after):
    inbox, reference = template
    settings = make_settings(tmp_path)
    shutil.copytree(inbox, settings.inbox)
    env = {**os.environ, "FOOTFALL_HOME": str(settings.home), "FOOTFALL_KEYSTORE": str(settings.keystore)}
    night = subprocess.Popen(
        [FOOTFALL, "nightly", "--day", str(DAY)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(after)
    night.send_signal(signal.SIGKILL)
    night.wait()
    nightly.run(settings, DAY)  # a temp file younger than an hour is a live writer's: kept
    assert _marts(settings) == reference


def _env(settings):
    return {**os.environ, "FOOTFALL_HOME": str(settings.home), "FOOTFALL_KEYSTORE": str(settings.keystore)}


def _file_size_limit(limit):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write is an error, not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


# A file-size limit stands in for a full disk: writes past it fail with EFBIG, as with ENOSPC.
# 20 kB stops the first staged events file (ingest); 60 kB lets those by and stops the visits.
@pytest.mark.parametrize("limit, stage", [(20_000, "ingest"), (60_000, "movement")])
def test_a_full_disk_fails_the_stage_clearly_and_leaves_nothing_partial(tmp_path, template, limit, stage):
    inbox, reference = template
    settings = make_settings(tmp_path)
    shutil.copytree(inbox, settings.inbox)
    raw = b"".join(p.read_bytes() for p in inbox.iterdir())
    stages.land(settings, DAY)  # landing copies the raw logs: give it room
    night = subprocess.run(
        [FOOTFALL, "nightly", "--day", str(DAY)],
        env=_env(settings),
        preexec_fn=_file_size_limit(limit),
        capture_output=True,
        text=True,
    )
    assert night.returncode == 1
    assert f"the {stage} stage of service day {DAY} stopped" in night.stderr
    assert "Nothing partial was kept" in night.stderr and "Traceback" not in night.stderr
    assert not {m.lower() for m in re.findall(r"[0-9a-fA-F]{12}", night.stderr)} & {
        m.decode().lower() for m in re.findall(rb"[0-9a-fA-F]{12}", raw)
    }
    assert not list(settings.home.rglob(".tmp-*")), "a temp file outlived the failed write"
    assert not list(settings.marts.rglob("*.parquet"))
    # the file that could not be staged stays pending: once there is room the night completes
    nightly.run(settings, DAY)
    assert _marts(settings) == reference


def _flip_a_byte(path: Path) -> None:
    """Flip one bit in the middle of the file's biggest column chunk: its values, as a failing
    disk would, not the footer that any reader would stumble on anyway."""
    meta = pq.ParquetFile(path).metadata
    chunk = max(
        (meta.row_group(g).column(c) for g in range(meta.num_row_groups) for c in range(meta.num_columns)),
        key=lambda c: c.total_compressed_size,
    )
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    end = chunk.data_page_offset if chunk.dictionary_page_offset else start + chunk.total_compressed_size
    data = bytearray(path.read_bytes())
    data[(start + end) // 2] ^= 0x40  # the middle of the first page, past its header
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def built(tmp_path_factory, template):
    """A lake with its night run, to copy and damage."""
    root = tmp_path_factory.mktemp("built")
    settings = make_settings(root)
    shutil.copytree(template[0], settings.inbox)
    nightly.run(settings, DAY)
    return root


@pytest.fixture
def lake_copy(tmp_path, built):
    shutil.copytree(built / "var", tmp_path / "var", symlinks=True)
    shutil.copytree(built / "keystore", tmp_path / "keystore")
    return make_settings(tmp_path)


def _lake_bytes(settings):
    return {
        p.relative_to(settings.home): p.read_bytes()
        for root in (settings.events, settings.visits, settings.trips, settings.marts)
        for p in root.rglob("*.parquet")
    }


@pytest.mark.parametrize("table", ["marts/footfall_hourly", "visits", "events"])
def test_a_corrupt_partition_is_found_and_rebuilt_from_the_layer_below(lake_copy, table):
    settings = lake_copy
    before = _lake_bytes(settings)
    root = integrity.tables(settings)[table]
    victim = max(root.glob(f"day={DAY}/*.parquet"), key=lambda p: p.stat().st_size)
    _flip_a_byte(victim)
    found = integrity.scan(settings, DAY, DAY)
    assert [(d.table, d.path) for d in found] == [(table, victim)]
    checked = subprocess.run([FOOTFALL, "check"], env=_env(settings), capture_output=True, text=True)
    assert checked.returncode == 1 and f"{table} {DAY}" in checked.stdout
    repaired = subprocess.run(
        [FOOTFALL, "check", "--repair"], env=_env(settings), capture_output=True, text=True
    )
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "rebuilt" in repaired.stdout
    assert integrity.scan(settings, DAY, DAY) == []
    assert _lake_bytes(settings) == before  # the same bytes an undisturbed night wrote


def test_a_corrupt_mart_past_retention_is_set_aside_and_reported(lake_copy):
    settings = lake_copy
    for root in (settings.events, settings.visits, settings.trips):  # as retention leaves a day
        shutil.rmtree(root / f"day={DAY}")
    victim = settings.marts / "footfall_daily" / f"day={DAY}" / "part.parquet"
    _flip_a_byte(victim)
    with pytest.raises(integrity.CorruptPartitionError, match="removed by retention"):
        publish(settings, FiscalQuarter.of(DAY))
    assert not victim.exists() and victim.with_name("part.parquet.corrupt").exists()
    checked = subprocess.run([FOOTFALL, "check"], env=_env(settings), capture_output=True, text=True)
    assert checked.returncode == 1
    assert "set aside, restore from a backup: marts/footfall_daily" in checked.stdout
    # the operator may release without the day: it then counts as a day without data
    from pipeline.release.publish import NothingToPublishError

    with pytest.raises(NothingToPublishError):
        publish(settings, FiscalQuarter.of(DAY))


def test_a_file_beyond_the_memory_limit_stays_pending_and_says_what_to_do(tmp_path, registry):
    """Raw MACs are never spilled to disk: a file too big for FOOTFALL_MEMORY_LIMIT is the
    machine's problem, not the file's. It is not marked bad, and the message names the setting."""
    from pipeline.ingest import landing
    from pipeline.ingest import run
    from pipeline.ingest import reader
    from tests.ingest.formats.test_meraki_syslog import AP, ASSOC

    settings = make_settings(tmp_path, FOOTFALL_MEMORY_LIMIT="16MB")
    lines = [
        ASSOC.format(ap=AP, mac=f"80:d6:05:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}")
        for n in range(300_000)
    ]
    path = tmp_path / "meraki_20240401.log"
    path.write_text("\n".join(lines) + "\n")
    landing.land(settings, [path])
    with pytest.raises(reader.MemoryLimitError, match="FOOTFALL_MEMORY_LIMIT=16MB") as error:
        run.ingest_pending(settings)
    assert "80:d6:05" not in str(error.value)
    assert [p.name for _, p, _ in run.pending_files(settings)] == [path.name]
    roomy = make_settings(tmp_path)  # with room, the same file goes through
    assert run.ingest_pending(roomy).events == 300_000


# --- issue 20: faults that no command reported ------------------------------------------------

from tests.chaos import kit  # noqa: E402

EVENTS_RENAME = r"staged/events/day=[^/]+/[^/]+\.parquet$"  # a staged events file put in place


@pytest.mark.parametrize("n", [1, 4])
def test_a_killed_nights_complete_temp_file_is_never_read_as_data(tmp_path, template, n):
    """Killed just before a staged events file is renamed into place, the night leaves the whole
    file under its temp name: no reader may count it (a `*.parquet` glob matched it)."""
    inbox, reference = template
    settings = make_settings(tmp_path)
    shutil.copytree(inbox, settings.inbox)
    night = kit.footfall(
        settings, "nightly", "--day", DAY, **kit.replace_killer(tmp_path / "killer", EVENTS_RENAME, n)
    )
    assert kit.killed(night), night.stderr
    nightly.run(settings, DAY)
    assert _marts(settings) == reference
    checked = kit.footfall(settings, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert kit.leftovers(settings) == []


def _partial_copy(settings, name: str):
    """Half of a staged events file of DAY under `name` beside it, as a killed writer leaves it."""
    victim = max(settings.events.glob(f"day={DAY}/*.parquet"), key=lambda p: p.stat().st_size)
    partial = victim.with_name(name.format(file=victim.name))
    partial.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    return partial


def test_a_killed_nights_partial_temp_file_is_not_taken_for_damage(lake_copy, template):
    """A partial temp file of a killed writer is neither "corrupt, restore from a backup" nor
    "No magic bytes" on the Airflow path: no reader and no check looks at temp names."""
    settings = lake_copy
    _partial_copy(settings, ".tmp-0123456789abcdef0123456789abcdef-{file}")  # an older version's name
    nightly.stage(settings, "movement", DAY)
    checked = kit.footfall(settings, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 corrupt partition file(s) found" in checked.stdout
    nightly.run(settings, DAY)
    assert _marts(settings) == template[1]


def test_a_dead_writers_temp_file_is_removed_at_the_start_of_the_next_task(lake_copy):
    from pipeline.lake import sweep

    settings = lake_copy
    partial = _partial_copy(settings, f".tmp-{ended_process_owner()}-00aa11bb-{{file}}.partial")
    live = _partial_copy(settings, f".tmp-{sweep.owner()}-00aa11bb-{{file}}.partial")
    nightly.stage(settings, "movement", DAY)  # an Airflow task
    assert not partial.exists()
    assert live.exists(), "a live writer's temp file was removed"


def test_a_killed_writers_temp_folder_of_visits_is_removed_at_once(tmp_path, template):
    """Killed while it builds the day's visits aside, a night leaves a folder of pseudonymised
    visits; the next command (here `footfall check`) removes it, not a night an hour later."""
    settings = make_settings(tmp_path)
    shutil.copytree(template[0], settings.inbox)
    night = kit.footfall(
        settings,
        "nightly",
        "--day",
        DAY,
        **kit.replace_killer(tmp_path / "killer", r"curated/visits/\.tmp-[^/]+/part\.parquet$"),
    )
    assert kit.killed(night), night.stderr
    assert [p for p in settings.visits.iterdir() if p.name.startswith(".tmp-")]
    checked = kit.footfall(settings, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert kit.leftovers(settings) == []


def test_a_full_disk_during_landing_keeps_nothing_partial_and_says_so_truly(tmp_path, template):
    inbox, reference = template
    settings = make_settings(tmp_path)
    shutil.copytree(inbox, settings.inbox)
    before = {p.name: p.read_bytes() for p in settings.inbox.iterdir()}
    # 300 kB: the smaller logs land, the biggest (600 kB) does not
    night = kit.footfall(settings, "nightly", "--day", DAY, limit=300_000)
    error = kit.one_line_error(night)
    assert f"the land stage of service day {DAY} stopped" in error
    assert "Nothing partial was kept" in error
    assert kit.leftovers(settings) == []
    # each log is landed whole or back in the inbox, whole, for the next night: none is partial
    landed = {p.name: p.read_bytes() for p in settings.landing.rglob("*") if p.is_file()}
    waiting = {p.name: p.read_bytes() for p in settings.inbox.iterdir()}
    assert waiting and not set(landed) & set(waiting)
    assert {**landed, **waiting} == before
    nightly.run(settings, DAY)
    assert _marts(settings) == reference


@pytest.mark.parametrize("victim", ["marts/footfall_hourly", "marts/ap_health"])
def test_a_bit_flip_anywhere_in_a_footer_is_found(lake_copy, victim):
    """Flips in the footer (statistics, offsets, schema) that page checksums cannot see: a file
    that reads back other values, or cannot be read at all, must not pass `check`."""
    settings = lake_copy
    path = next((settings.marts / victim.split("/")[1]).glob(f"day={DAY}/*.parquet"))
    original = path.read_bytes()
    span = kit.footer_span(path)
    missed = []
    for i, offset in enumerate(range(span.start, span.stop, max(1, len(span) // 40))):
        kit.flip_bit(path, offset, i % 8)
        if [d.path for d in integrity.scan(settings, DAY, DAY)] != [path]:
            missed.append(offset - span.start)
        path.write_bytes(original)
    assert missed == []


@pytest.mark.parametrize("table", ["footfall_daily", "ap_health"])
def test_a_footer_bit_flip_is_repaired_to_the_same_bytes(lake_copy, table):
    settings = lake_copy
    before = _lake_bytes(settings)
    path = settings.marts / table / f"day={DAY}" / "part.parquet"
    span = kit.footer_span(path)
    kit.flip_bit(path, span.start + len(span) // 2, 3)
    assert kit.footfall(settings, "check").returncode == 1
    repaired = kit.footfall(settings, "check", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "rebuilt" in repaired.stdout
    assert _lake_bytes(settings) == before


@pytest.mark.parametrize(
    "point", ["rename.sidecar@2", "rename.data@3", "rename.partition@2", "rename.claim@2", "rename.landing@1"]
)
def test_a_night_killed_at_a_rename_is_completed_by_the_next_run(tmp_path, template, point):
    """A sample of the kill points the chaos suite walks through one by one (`make chaos`)."""
    inbox, reference = template
    settings = make_settings(tmp_path)
    shutil.copytree(inbox, settings.inbox)
    night = kit.footfall(settings, "nightly", "--day", DAY, FOOTFALL_FAULT=point)
    assert kit.killed(night), night.stderr
    again = kit.footfall(settings, "nightly", "--day", DAY)
    assert again.returncode == 0, again.stderr
    assert _marts(settings) == reference
    assert kit.footfall(settings, "check").returncode == 0
    assert kit.leftovers(settings) == []
