"""Screenshots of a release's views at 1400x1000 for the README (`make screenshots`).

    python -m tests.maps.screenshots var/published/FY2024Q1 docs/img

Opens each page in Debian's headless Chromium with the network blocked, as the map tests do.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.maps.browser import CHROMIUM, probe_map

VIEWS = {
    "index.html": "overview.png",
    "maps/heatmap.html": "heatmap.png",
    "maps/flows.html": "flows.png",
    "maps/change.html": "change.png",
}


def main(release: Path, outdir: Path) -> list[Path]:
    """Write one PNG per view of the release into outdir."""
    if CHROMIUM is None:
        raise SystemExit("error: Debian's chromium is needed (sudo apt-get install chromium)")
    written = []
    with tempfile.TemporaryDirectory() as work:
        for page, name in VIEWS.items():
            probe_map(release / page, Path(work), outdir / name, size="1400,1000")
            written.append(outdir / name)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]), Path(sys.argv[2])):
        print(path)
