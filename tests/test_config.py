from pathlib import Path

import pytest

from pipeline.config import SAMPLE_REGISTRY, load_settings


def test_defaults_put_the_keystore_beside_the_lake_not_inside(tmp_path):
    settings = load_settings({"FOOTFALL_HOME": str(tmp_path / "lake")})
    assert settings.home == tmp_path / "lake"
    assert settings.keystore == tmp_path / "keystore"
    assert not settings.keystore.is_relative_to(settings.home)
    assert settings.registry == SAMPLE_REGISTRY
    assert (settings.k, settings.gap_s, settings.max_transit_s, settings.tz) == (10, 600, 3600, "Asia/Tokyo")


def test_every_zone_of_the_lake_lies_under_home(tmp_path):
    settings = load_settings({"FOOTFALL_HOME": str(tmp_path)})
    for path in (
        settings.landing,
        settings.events,
        settings.quarantine,
        settings.visits,
        settings.trips,
        settings.marts,
        settings.published,
        settings.catalog,
    ):
        assert Path(path).is_relative_to(tmp_path)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"FOOTFALL_K": "3"}, "below the floor"),
        ({"FOOTFALL_K": "ten"}, "not an integer"),
        ({"FOOTFALL_DAY_START_HOUR": "24"}, "0..23"),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(env, message):
    with pytest.raises(ValueError, match=message):
        load_settings(env)


def test_a_misspelt_timezone_fails_early():
    with pytest.raises(Exception, match="Tokio"):
        load_settings({"FOOTFALL_TZ": "Asia/Tokio"})
