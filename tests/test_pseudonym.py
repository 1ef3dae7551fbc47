import hashlib
import hmac
import stat
from datetime import date

import pyarrow as pa
import pytest

from pipeline.pseudonym import KeyDestroyedError, day_key, destroy_key, pseudonym, pseudonym_table

DAY = date(2024, 4, 1)


def test_keys_are_random_256_bit_owner_only_and_stable_within_a_day(tmp_path):
    store = tmp_path / "keys"
    key = day_key(store, DAY)
    assert len(key) == 32 and day_key(store, DAY) == key
    assert day_key(store, date(2024, 4, 2)) != key
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    assert stat.S_IMODE((store / "2024-04-01.key").stat().st_mode) == 0o600


def test_the_pseudonym_is_the_first_8_bytes_of_hmac_sha256_of_the_48_bit_mac(tmp_path):
    key = day_key(tmp_path, DAY)
    expected = int.from_bytes(
        hmac.new(key, bytes.fromhex("0c8ddb123456"), hashlib.sha256).digest()[:8], "big")
    assert pseudonym(key, 0x0C8DDB123456) == expected
    assert pseudonym(key, 0x0C8DDB123456) != int.from_bytes(
        hashlib.sha256(bytes.fromhex("0c8ddb123456")).digest()[:8], "big")


def test_pseudonyms_of_one_mac_differ_across_days(tmp_path):
    assert pseudonym(day_key(tmp_path, DAY), 0x0C8DDB123456) != pseudonym(
        day_key(tmp_path, date(2024, 4, 2)), 0x0C8DDB123456)


def test_the_table_maps_each_distinct_mac_once(tmp_path):
    key = day_key(tmp_path, DAY)
    table = pseudonym_table(key, pa.array([0x0C8DDB123456, 0x0C8DDB123456, 0x0C8DDB654321], pa.uint64()))
    assert table.num_rows == 2
    assert table.schema.field("device").type == pa.uint64()
    assert dict(zip(*table.to_pydict().values())) == {
        0x0C8DDB123456: pseudonym(key, 0x0C8DDB123456), 0x0C8DDB654321: pseudonym(key, 0x0C8DDB654321)}


def test_a_destroyed_key_is_never_recreated(tmp_path):
    day_key(tmp_path, DAY)
    assert destroy_key(tmp_path, DAY)
    assert not (tmp_path / "2024-04-01.key").exists()
    with pytest.raises(KeyDestroyedError, match="aggregates are kept"):
        day_key(tmp_path, DAY)
