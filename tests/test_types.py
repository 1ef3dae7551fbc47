"""Every public function of pipeline/ says what it takes and gives: its parameters and its return
are annotated (mypy, in `make lint`, then checks the bodies against them)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def unannotated(source: str) -> list[str]:
    """The public functions and methods of a module's text with a parameter or return left bare."""
    found = []
    for node in ast.parse(source).body:
        methods = node.body if isinstance(node, ast.ClassDef) and not node.name.startswith("_") else []
        for fn in [node, *methods]:
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name.startswith("_"):
                continue
            args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
            bare = [a.arg for a in args if a.annotation is None and a.arg not in ("self", "cls")]
            bare += [f"*{a.arg}" for a in (fn.args.vararg, fn.args.kwarg) if a and a.annotation is None]
            if bare or fn.returns is None:
                found.append(f"{fn.name}({', '.join(bare)}){'' if fn.returns else ' -> ?'}")
    return found


def test_every_public_function_of_pipeline_is_annotated():
    missing = {
        str(p.relative_to(ROOT)): unannotated(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "pipeline").rglob("*.py"))
    }
    assert {path: names for path, names in missing.items() if names} == {}


def test_the_check_sees_a_bare_parameter_and_a_missing_return():
    source = (
        "def f(a: int, b) -> int: ...\ndef g(a: int): ...\ndef _h(a): ...\n"
        "class C:\n    def m(self, x) -> None: ...\n"
    )
    assert unannotated(source) == ["f(b)", "g() -> ?", "m(x)"]
