"""Every single-bit flip in the footer of a mart file, and a sweep over its pages: each one is
found by `footfall check` (the whole-file checksum), and `check --repair` restores the bytes an
undisturbed night wrote."""

import shutil

from pipeline.ops import integrity, nightly
from tests.chaos import kit
from tests.chaos.conftest import DAY
from tests.conftest import make_settings


def _built(tmp_path, day_logs):
    settings = make_settings(tmp_path)
    shutil.copytree(day_logs[0], settings.inbox)
    nightly.run(settings, DAY)
    return settings


def test_every_bit_of_a_footer_and_a_sweep_of_its_pages_is_found(tmp_path, day_logs):
    settings = _built(tmp_path, day_logs)
    path = settings.marts / "footfall_hourly" / f"day={DAY}" / "part.parquet"
    original = path.read_bytes()
    span = kit.footer_span(path)
    offsets = [(o, b) for o in span for b in range(8)]
    offsets += [(o, o % 8) for o in range(0, span.start, 7)]  # the pages, every 7th byte
    missed = []
    for offset, bit in offsets:
        kit.flip_bit(path, offset, bit)
        if [d.path for d in integrity.scan(settings, DAY, DAY, only=("marts/footfall_hourly",))] != [path]:
            missed.append((offset, bit))
        path.write_bytes(original)
    print(f"{len(offsets)} single-bit flips, {len(missed)} missed")
    assert missed == []


def test_flips_in_every_table_are_repaired_to_the_same_bytes(tmp_path, day_logs):
    settings = _built(tmp_path, day_logs)
    before = kit.lake_bytes(settings)
    for number, (table, root) in enumerate(integrity.tables(settings).items()):
        path = max(root.glob(f"day={DAY}/*.parquet"), key=lambda p: p.stat().st_size)
        span = kit.footer_span(path)
        kit.flip_bit(path, span.start + (number * 37) % len(span), number % 8)
        assert kit.footfall(settings, "check").returncode == 1, table
        repaired = kit.footfall(settings, "check", "--repair")
        assert repaired.returncode == 0, (table, repaired.stdout, repaired.stderr)
        assert kit.lake_bytes(settings) == before, table
