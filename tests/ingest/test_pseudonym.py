import hashlib
import hmac
import stat
from datetime import date, timedelta

import pyarrow as pa
import pytest

from pipeline import lake
from pipeline.ingest.pseudonym import KeyDestroyedError, day_key, destroy_key, hmac_pads, pseudonym

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
        hmac.new(key, bytes.fromhex("0c8ddb123456"), hashlib.sha256).digest()[:8], "big"
    )
    assert pseudonym(key, 0x0C8DDB123456) == expected
    assert pseudonym(key, 0x0C8DDB123456) != int.from_bytes(
        hashlib.sha256(bytes.fromhex("0c8ddb123456")).digest()[:8], "big"
    )


def test_pseudonyms_of_one_mac_differ_across_days(tmp_path):
    assert pseudonym(day_key(tmp_path, DAY), 0x0C8DDB123456) != pseudonym(
        day_key(tmp_path, date(2024, 4, 2)), 0x0C8DDB123456
    )


def test_the_sql_macro_computes_the_same_pseudonyms_for_a_whole_column(tmp_path, settings):
    key = day_key(tmp_path, DAY)
    macs = [0, 1, 0x0C8DDB123456, 0xFFFFFFFFFFFF] + list(range(0x80D605000000, 0x80D605000000 + 5000, 7))
    con = lake.connect(settings, spill=False)
    con.register("macs", pa.table({"mac": pa.array(macs, pa.uint64())}))
    got = con.execute("select mac, pseudonym(mac, $ipad, $opad) from macs", hmac_pads(key)).fetchall()
    assert dict(got) == {mac: pseudonym(key, mac) for mac in macs}


def test_a_destroyed_key_is_never_recreated(tmp_path):
    day_key(tmp_path, DAY)
    assert destroy_key(tmp_path, DAY)
    assert not (tmp_path / "2024-04-01.key").exists()
    with pytest.raises(KeyDestroyedError, match="aggregates are kept"):
        day_key(tmp_path, DAY)


def test_threads_starting_the_same_day_agree_on_one_whole_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    for n in range(20):  # each day a race of 8 threads for its new key
        day = date(2024, 5, 1) + timedelta(days=n)
        with ThreadPoolExecutor(8) as pool:
            keys = set(pool.map(day_key, [tmp_path] * 8, [day] * 8))
        assert len(keys) == 1 and len(next(iter(keys))) == 32
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left
