"""The simulator's logs are byte-identical from run to run: each file is written in a total order,
so rows that tie on time and MAC (a device seen at two APs in one second) do not come out in
whatever order DuckDB's threads happen to produce them (issue 20: one file in 2 of 6 runs)."""

import numpy as np
import pyarrow as pa
import pytest

from pipeline import lake
from pipeline.sim.logs import VENDORS


def _tied_events(reverse: bool) -> pa.Table:
    """Events that tie on (ts, kind, mac) and differ by AP and duration, in a given order."""
    n = 4000
    rows = {
        "ts": np.repeat(1711926000.0 + np.arange(n // 8) * 30, 8),
        "site_id": np.full(n, "S1"),
        "ap_name": np.array([f"AP{i % 8:02d}" for i in range(n)]),
        "bssid": np.array([f"00:11:22:33:44:{i % 8:02x}" for i in range(n)]),
        "mac": np.full(n, 0x80D605123456, dtype=np.uint64),
        "kind": np.array(["association", "disassociation", "seen", "nas_reset"] * (n // 4)),
        "duration": np.arange(n, dtype=float) % 7 * 60,
        "rssi": np.full(n, 40),
        "utc": np.arange(n) % 16 == 0,  # an AP clocked on UTC among them
    }
    table = pa.table(rows)
    return table.take(pa.array(np.arange(n)[::-1])) if reverse else table


@pytest.mark.parametrize("fmt", [*VENDORS, "radius_detail"])
def test_a_log_is_written_in_the_same_order_whatever_the_order_of_its_rows(tmp_path, settings, fmt):
    settings = settings.with_(threads=4)
    outputs = []
    for reverse in (False, True):
        con = lake.connect(settings, spill=False)
        con.register("events_raw", _tied_events(reverse))
        lake.run(con, "sim/logs/sim_events", {"tz": "Asia/Tokyo"})
        path = tmp_path / f"{fmt}-{reverse}.log"
        # foreign_lines: other programs' lines among hostapd's
        lake.run(con, f"sim/logs/{fmt}", {"path": str(path), "foreign_lines": 3})
        con.close()
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
