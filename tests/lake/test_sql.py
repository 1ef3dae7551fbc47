"""The SQL contract: every file of sql/ declares the relations it reads and the parameters it
takes, and a file that does not keep its word is refused with an error naming it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipeline.config import SQL_DIR
from pipeline.lake import sql

FILES = sorted(SQL_DIR.rglob("*.sql"))


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "probe.sql"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SQL_DIR)))
def test_every_sql_file_keeps_its_contract(path):
    loaded = sql.read(path)
    assert loaded.text.startswith("--")  # what the table means comes first, then the contract


def test_the_files_are_found():
    assert len(FILES) > 40


def test_an_undeclared_parameter_is_refused_naming_the_file(tmp_path):
    path = _file(
        tmp_path,
        "-- reads: nothing\n-- params: day\nselect getvariable('day') as day, getvariable('tz') as tz\n",
    )
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql.*used but not declared: tz"):
        sql.read(path)


def test_a_declared_parameter_left_unused_is_refused(tmp_path):
    path = _file(tmp_path, "-- reads: nothing\n-- params: day, k\nselect getvariable('day') as day\n")
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql.*declared but not used: k"):
        sql.read(path)


def test_a_second_parameter_mechanism_is_refused(tmp_path):
    path = _file(tmp_path, "-- reads: nothing\n-- params: none\nselect $day as day\n")
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql.*\$day"):
        sql.read(path)


def test_comments_and_string_literals_are_not_parameters_or_relations(tmp_path):
    path = _file(
        tmp_path,
        "-- reads: nothing\n-- params: day\n"
        "-- getvariable('tz') and $k in a comment, from old_table\n"
        "select getvariable('day') as day, '$.ts' as path, 'getvariable(''x'')' as s,\n"
        "    /* from other_table, getvariable('y') */ 'a from b' as t\n",
    )
    loaded = sql.read(path)
    assert (loaded.params, loaded.reads) == (("day",), ())


def test_a_missing_header_is_refused(tmp_path):
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql.*does not declare reads and params"):
        sql.read(_file(tmp_path, "-- the table\nselect 1 as one\n"))


def test_the_header_must_open_the_file_and_say_each_thing_once(tmp_path):
    late = "-- the table\nselect 1 as one\n-- reads: nothing\n-- params: none\n"
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql.*does not declare reads and params"):
        sql.read(_file(tmp_path, late))
    twice = "-- reads: nothing\n-- params: day\n-- params: none\nselect getvariable('day') as d\n"
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql.*'-- params:' twice"):
        sql.read(_file(tmp_path, twice))


def test_a_relation_read_but_not_declared_is_refused(tmp_path):
    path = _file(
        tmp_path,
        "-- reads: aps\n-- params: none\n"
        "with named as (select * from aps join sites using (site_id))\n"
        "select * from named\n",
    )
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql.*reads aps, sites"):
        sql.read(path)


def test_a_missing_relation_is_refused_at_run_naming_the_file(tmp_path):
    loaded = sql.read(
        _file(
            tmp_path, "-- reads: aps, sites\n-- params: none\nselect * from aps join sites using (site_id)\n"
        )
    )
    con = duckdb.connect()
    con.register("aps", pa.table({"site_id": ["s1"]}))
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql: reads sites, which the connection"):
        sql.bind(con, loaded, {})
    con.register("sites", pa.table({"site_id": ["s1"], "name": ["Station"]}))
    sql.bind(con, loaded, {})
    assert con.sql(loaded.text).fetchall() == [("s1", "Station")]


def test_parameters_are_bound_as_variables_and_a_missing_one_is_refused(tmp_path):
    loaded = sql.read(
        _file(tmp_path, "-- reads: nothing\n-- params: name\nselect getvariable('name') as name\n")
    )
    con = duckdb.connect()
    with pytest.raises(sql.SqlContractError, match=r"probe\.sql: needs the parameter\(s\) name"):
        sql.bind(con, loaded, {"other": 1})
    sql.bind(con, loaded, {"name": "x'); drop table t; --", "other": 1})
    assert con.sql(loaded.text).fetchall() == [("x'); drop table t; --",)]


def test_files_run_straight_need_every_declared_variable_set_first():
    """The per-block ingest steps run with con.execute: a declared parameter left unset would read
    NULL, so the check names the file; one the file sets itself (radius_closing) is its own."""
    from pipeline.ingest.formats import block_sql

    names = block_sql("radius_detail")
    assert "ingest/formats/radius_detail_replay" in names and "ingest/staging/resolved" in names
    con = duckdb.connect()
    with pytest.raises(sql.SqlContractError, match=r"raw_lines\.sql: takes max_line_bytes"):
        sql.check_variables(con, names)
    con.execute("set variable max_line_bytes = 1")  # the first file's own: the next file is named
    with pytest.raises(sql.SqlContractError, match=r"resolved\.sql: takes .*day_start_hour"):
        sql.check_variables(con, names)
    for name in {p for n in names for p in sql.load(n).params} - {"radius_closing"}:
        con.execute(f"set variable {name} = 1")
    sql.check_variables(con, names)  # every variable set: nothing to say
    assert set(block_sql("hostapd")) >= {"ingest/staging/routed", "ingest/formats/meraki_syslog"}
