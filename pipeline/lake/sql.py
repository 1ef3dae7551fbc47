"""The SQL files of sql/ and their contract, checked when a file is loaded.

Every file starts with a header that declares what it needs from outside itself:

    -- reads: aps, sites          (relations it reads that it does not create; or: nothing)
    -- params: day, tz            (the values it takes; or: none)

One parameter mechanism: a file reads a value with getvariable('name'), never `$name` nor `?`;
`run` and `query` set the declared values as DuckDB variables first (values bound, never formatted
into the SQL). getvariable works where prepared parameters cannot (views, macros, table
functions' arguments) and is folded into a constant when the query is planned.

At load, the parameters the text uses (comments and string literals skipped) must be the ones
declared; at run, every relation declared must exist on the connection and every parameter must
be given. A broken contract is a SqlContractError naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.config import SQL_DIR

_HEADER = re.compile(r"^--\s*(reads|params):(.*)$", re.M)
_NOTHING = {"nothing", "none", "-"}
_GETVARIABLE = re.compile(r"getvariable\s*\(\s*$", re.I)
_PLACEHOLDER = re.compile(r"\$\w+|\?")
_SETS = re.compile(r"\bset\s+variable\s+([a-z_]\w*)", re.I)
# What a file reads from outside itself: names after from / join that are no table function, no
# CTE of its own and nothing it creates (`extract(hour from ts)` is no relation).
_FROM = re.compile(r"\b(?:from|join)\s+([a-z_]\w*)\b(?!\s*\()", re.I)
_CTE = re.compile(r"\b([a-z_]\w*)\s+as\s*(?:not\s+)?(?:materialized\s*)?\(", re.I)
_CREATED = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?"
    r"(?:table|view|macro|sequence)\s+(?:if\s+not\s+exists\s+)?([a-z_]\w*)",
    re.I,
)
_NOT_RELATIONS = re.compile(r"\b(?:extract|trim|substring)\s*\([^()]*?\bfrom\b", re.I)
_RELATIONS = (
    "select table_name as name from duckdb_tables() union all "
    "select view_name from duckdb_views() where not internal"
)


class SqlContractError(ValueError):
    """An SQL file does not declare what it reads or takes, or its caller does not provide it."""


@dataclass(frozen=True)
class SqlFile:
    """One file of sql/: its text and what its header declares."""

    name: str
    path: Path
    text: str
    reads: tuple[str, ...]
    params: tuple[str, ...]


def sql_path(name: str) -> Path:
    """The file sql/<name>.sql (it may not exist: optional steps)."""
    return SQL_DIR / f"{name}.sql"


def _segments(text: str) -> list[tuple[str, str]]:
    """The text as ("code" | "string" | "comment", part) in order: single-quoted strings (with ''
    inside), double-quoted identifiers (code), -- and /* */ comments."""
    out, i, start, n = [], 0, 0, len(text)
    while i < n:
        two = text[i : i + 2]
        if two in ("--", "/*") or text[i] == "'":
            if i > start:
                out.append(("code", text[start:i]))
            if two == "--":
                end = text.find("\n", i)
                end = n if end < 0 else end
                out.append(("comment", text[i:end]))
            elif two == "/*":
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
                out.append(("comment", text[i:end]))
            else:
                end = i + 1
                while end < n and not (text[end] == "'" and text[end + 1 : end + 2] != "'"):
                    end += 2 if text[end : end + 2] == "''" else 1
                end = min(end + 1, n)
                out.append(("string", text[i:end]))
            i = start = end
        else:
            i += 1
    if start < n:
        out.append(("code", text[start:]))
    return out


def used_params(text: str) -> tuple[set[str], list[str]]:
    """The names read with getvariable('name') outside comments, and any other placeholder
    ($name, ?) left in the code: comments and string literals are skipped."""
    names, placeholders, code = set(), [], ""
    for kind, part in _segments(text):
        if kind == "code":
            placeholders += _PLACEHOLDER.findall(part)
            code += part
        elif kind == "string":
            if _GETVARIABLE.search(code):
                names.add(part[1:-1])
            code += "''"
    return names, placeholders


def relations_read(text: str) -> set[str]:
    """The relations a text reads that it does not create (comments and strings skipped)."""
    code = "".join(
        part if kind == "code" else "''" if kind == "string" else " " for kind, part in _segments(text)
    )
    code = _NOT_RELATIONS.sub("(", code)
    own = set(_CTE.findall(code)) | set(_CREATED.findall(code))
    return {name.lower() for name in _FROM.findall(code) if name not in own} - {"select", "lateral"}


def _leading_comments(text: str) -> str:
    """The comment lines the file starts with (blank lines allowed), where its header must stand."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("--"):
            break
        lines.append(stripped)
    return "\n".join(lines)


def _declared(text: str, path: Path) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for key, value in _HEADER.findall(_leading_comments(text)):
        if key in found:
            raise SqlContractError(f"{path}: its header declares '-- {key}:' twice; keep one line.")
        items = tuple(v.strip() for v in value.split(",") if v.strip())
        found[key] = () if set(items) <= _NOTHING else items
    missing = [key for key in ("reads", "params") if key not in found]
    if missing:
        raise SqlContractError(
            f"{path}: its header (the comment lines it starts with) does not declare "
            f"{' and '.join(missing)}; start the file with "
            "'-- reads: <relations it reads, or nothing>' and '-- params: <names, or none>'."
        )
    return found


def read(path: Path, name: str = "") -> SqlFile:
    """Read an SQL file and check its header against its text."""
    text = path.read_text(encoding="utf-8")
    declared = _declared(text, path)
    used, placeholders = used_params(text)
    if placeholders:
        raise SqlContractError(
            f"{path}: takes values as {', '.join(sorted(set(placeholders)))}; "
            "read every value with getvariable('name') and declare it in "
            "'-- params:'."
        )
    undeclared, unused = used - set(declared["params"]), set(declared["params"]) - used
    if undeclared or unused:
        raise SqlContractError(
            f"{path}: parameters in the text and in '-- params:' differ: "
            + "; ".join(
                [f"used but not declared: {', '.join(sorted(undeclared))}"] * bool(undeclared)
                + [f"declared but not used: {', '.join(sorted(unused))}"] * bool(unused)
            )
            + ". Make the header say what the file reads with getvariable()."
        )
    reads = relations_read(text)
    if reads != set(declared["reads"]):
        raise SqlContractError(
            f"{path}: reads {', '.join(sorted(reads)) or 'nothing'} from outside itself, but its "
            f"header says '-- reads: {', '.join(declared['reads']) or 'nothing'}'; make them agree."
        )
    return SqlFile(name or path.stem, path, text, declared["reads"], declared["params"])


@cache
def load(name: str) -> SqlFile:
    """sql/<name>.sql, read and checked once per process."""
    return read(sql_path(name), name)


def sql_text(name: str) -> str:
    """The checked text of sql/<name>.sql."""
    return load(name).text


def check_relations(con: duckdb.DuckDBPyConnection, sql: SqlFile) -> None:
    """Raise SqlContractError naming the file when a relation it reads is not on the connection."""
    if not sql.reads:
        return
    present = {row[0] for row in con.execute(_RELATIONS).fetchall()}
    missing = [name for name in sql.reads if name not in present]
    if missing:
        raise SqlContractError(
            f"{sql.path}: reads {', '.join(missing)}, which the connection does "
            "not have; register or create it before running the file."
        )


def check_variables(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    """For files run straight with con.execute (the per-block ingest steps, whose variables the
    caller sets once per file): raise SqlContractError naming the file when a parameter it
    declares is not set on the connection (an unset getvariable() would read NULL), unless the
    file sets it itself."""
    present = {row[0] for row in con.execute("select name from duckdb_variables()").fetchall()}
    for name in names:
        sql = load(name)
        missing = set(sql.params) - present - set(_SETS.findall(sql.text))
        if missing:
            raise SqlContractError(
                f"{sql.path}: takes {', '.join(sorted(missing))}, which the caller did not set; "
                "set every declared parameter (set variable) before running the file."
            )


def bind(con: duckdb.DuckDBPyConnection, sql: SqlFile, params: Mapping[str, Any]) -> None:
    """Check the file's relations and set its declared parameters as variables (others ignored)."""
    check_relations(con, sql)
    missing = [name for name in sql.params if name not in params]
    if missing:
        raise SqlContractError(f"{sql.path}: needs the parameter(s) {', '.join(missing)}, not given.")
    for name in sql.params:
        con.execute(f"set variable {name} = ?", [params[name]])  # names declared, values bound


def run(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None) -> None:
    """Execute sql/<name>.sql (statements that create or change relations)."""
    sql = load(name)
    bind(con, sql, params or {})
    con.execute(sql.text)


def query(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None) -> pa.Table:
    """Run the query of sql/<name>.sql with the parameters it declares and return Arrow."""
    sql = load(name)
    bind(con, sql, params or {})
    return con.sql(sql.text).to_arrow_table()
