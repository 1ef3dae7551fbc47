"""The docs point at files that exist: every repository path that README.md and docs/*.md name,
and every module they name as `python -m pipeline...` or pipeline.x.y."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP = ("pipeline", "sql", "tests", "dags", "benchmarks", "docs", "maps", ".ci")
# a path of the repository: one of its top folders, then names (a trailing * or <name> is a pattern)
PATH = re.compile(r"(?<![\w./-])((?:" + "|".join(re.escape(t) for t in TOP) + r")/[\w./<>*-]*)")
MODULE = re.compile(r"(?<![\w./-])(pipeline(?:\.\w+)+)")
# the pages of a published release (published/FY2024Q1/maps/...), not files of this repository
RELEASE_PAGES = re.compile(r"^maps/([\w-]+\.html|lib/[\w.-]+)$")  # paths inside a release


def _mentions(pattern: re.Pattern, doc: Path) -> list[str]:
    return sorted({m.rstrip(".,:;)") for m in pattern.findall(doc.read_text(encoding="utf-8"))})


def _exists(mention: str) -> bool:
    if "<" in mention or "*" in mention:  # a pattern: its folder exists and something matches
        glob = re.sub(r"<[^>]*>", "*", mention)
        return any(ROOT.glob(glob))
    return (ROOT / mention).exists()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_path_a_doc_names_exists(doc):
    missing = [m for m in _mentions(PATH, doc) if not RELEASE_PAGES.match(m) and not _exists(m)]
    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_module_a_doc_names_exists(doc):
    def found(name: str) -> bool:
        parts = name.split(".")
        # pipeline.a.b may be a module, a package, or a name inside the module before it
        return any(
            (ROOT.joinpath(*parts[:n]).with_suffix(".py")).exists()
            or (ROOT.joinpath(*parts[:n]) / "__init__.py").exists()
            for n in (len(parts), len(parts) - 1)
            if n > 1
        )

    assert [m for m in _mentions(MODULE, doc) if not found(m)] == []


def test_the_check_finds_a_path_that_is_gone(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("see `pipeline/stages.py` and `sql/marts/<table>.sql`, run `python -m pipeline.accuracy`")
    assert _mentions(PATH, doc) == ["pipeline/stages.py", "sql/marts/<table>.sql"]
    assert not _exists("pipeline/stages.py") and _exists("sql/marts/<table>.sql")
    assert _mentions(MODULE, doc) == ["pipeline.accuracy"]
