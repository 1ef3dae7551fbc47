"""`footfall check [--repair]`: the health of the whole lake, and what a repair did.

In order: the leftovers of killed runs (cleared: always safe, a live run's are left alone); the
catalog against the lake and the keystore (rebuilt from the lake with --repair); every partition
file against the whole-file checksum recorded when it was written (rebuilt from the layer below
with --repair, or set aside to restore from a backup); files written before checksums were
recorded (their checksum recorded with --repair, once their pages read soundly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipeline.ingest import pseudonym
from pipeline.lake import catalog, sweep
from pipeline.ops import integrity, nightly, recovery
from pipeline.config import Settings


@dataclass
class Checkup:
    """The lines to print, and whether something is still wrong (exit 1)."""

    lines: list[str] = field(default_factory=list)
    failed: bool = False


def _catalog_problem(settings: Settings) -> str | None:
    try:
        recovery.preflight(settings)
    except (catalog.CatalogError, pseudonym.KeyLostError) as error:
        return str(error)
    return None


def _catalog(settings: Settings, repair: bool, out: Checkup) -> bool:
    """Check (and with repair rebuild) the catalog; whether it can be used."""
    problem = _catalog_problem(settings)
    if problem and repair:
        rebuilt = recovery.rebuild(settings)
        out.lines += [f"catalog: restored {line}" for line in rebuilt.restored]
        out.lines += [f"catalog: NOT restored: {line}" for line in rebuilt.not_restored]
        problem = _catalog_problem(settings)
    if problem:
        out.lines.append(f"catalog: {problem}")
        out.failed = True
        return False
    out.lines.append("catalog: consistent with the lake and the keystore")
    return True


def _partitions(settings: Settings, first: date, last: date, repair: bool, out: Checkup) -> None:
    if repair:
        outcome = nightly.repair(settings, first, last)
    else:
        outcome = integrity.Outcome(found=integrity.scan(settings, first, last))
    for damage in outcome.found:
        status = (
            "rebuilt"
            if damage in outcome.rebuilt
            else f"LOST, set aside: {outcome.lost[damage]}"
            if damage in outcome.lost
            else "corrupt"
        )
        out.lines.append(f"{damage}: {status}")
    aside = integrity.set_aside(settings)
    out.lines += [f"set aside, restore from a backup: {p.relative_to(settings.home)}" for p in aside]
    out.lines.append(
        f"{len(outcome.found)} corrupt partition file(s) found, {len(outcome.rebuilt)} "
        f"rebuilt, {len(aside)} set aside"
    )
    out.failed |= bool(set(outcome.found) - set(outcome.rebuilt)) or bool(aside)


def check(settings: Settings, first: date, last: date, repair: bool) -> Checkup:
    """Check the lake (and with repair mend what can be mended)."""
    out = Checkup()
    if not settings.home.exists():
        out.lines.append(f"no lake at {settings.home} yet")
        return out
    out.lines += [f"leftover of a killed run: {line}" for line in sweep.sweep(settings.home)]
    usable = _catalog(settings, repair, out)
    _partitions(settings, first, last, repair and usable, out)
    if repair and usable:
        recorded = integrity.record_missing(settings, first, last)
        if recorded:
            out.lines.append(
                f"recorded the checksum of {len(recorded)} file(s) written before "
                "checksums were (their pages read soundly)"
            )
    unverified = integrity.unverified(settings, first, last)
    if unverified:
        out.lines.append(
            f"{len(unverified)} file(s) have no recorded checksum (written by an "
            "older version; only their pages were checked): `footfall check "
            "--repair` records them"
        )
    return out
