"""``SettingsRepository``: JSON values by key, persisted with the home."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from aistock.store import SettingsRepository, Store, StoreError, WorkstationHome, open_store


@pytest.fixture
def store(home: WorkstationHome) -> Iterator[Store]:
    with open_store(home) as opened:
        yield opened


def test_get_returns_default_for_missing_keys(store: Store) -> None:
    settings = SettingsRepository(store)
    assert settings.get("missing") is None
    assert settings.get("missing", 7) == 7
    assert settings.all() == {}


@pytest.mark.parametrize(
    "value",
    [None, True, 0, -3, 1.5, "", "深圳", [1, "two", None], {"nested": {"codes": ["600000.SH"], "n": 2}}],
    ids=repr,
)
def test_values_round_trip(store: Store, value: object) -> None:
    settings = SettingsRepository(store)
    settings.set("k", value)  # type: ignore[arg-type]  # parametrize loses the JSON type
    assert settings.get("k", "default") == value


def test_set_overwrites_and_all_lists_by_key(store: Store) -> None:
    settings = SettingsRepository(store)
    settings.set("b", 1)
    settings.set("a", [1, 2])
    settings.set("b", {"x": 2})
    assert settings.all() == {"a": [1, 2], "b": {"x": 2}}
    assert list(settings.all()) == ["a", "b"]


def test_settings_survive_close_and_reopen(home: WorkstationHome) -> None:
    with open_store(home) as store:
        SettingsRepository(store).set("ui.layout", {"left": 240, "watch": ("600000.SH", "000001.SZ")})
    with open_store(home) as store:
        assert SettingsRepository(store).get("ui.layout") == {
            "left": 240,
            "watch": ["600000.SH", "000001.SZ"],
        }


@pytest.mark.parametrize("value", [object(), math.nan, {1: "int key"}], ids=["object", "nan", "int-key"])
def test_values_that_are_not_json_are_refused(store: Store, value: object) -> None:
    settings = SettingsRepository(store)
    with pytest.raises(StoreError, match="'k'"):
        settings.set("k", value)  # type: ignore[arg-type]  # deliberately wrong
    assert settings.all() == {}


def test_a_hand_edited_value_is_reported_by_key(store: Store) -> None:
    from sqlalchemy import text

    with store.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO setting (key, value_json, updated_at) VALUES ('broken', '{oops', '2024-01-01')")
        )
    with pytest.raises(StoreError, match="'broken'"):
        SettingsRepository(store).get("broken")
