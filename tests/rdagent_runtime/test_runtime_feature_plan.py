"""Feature order rebuilt from configs alone (pure: no data, no qlib)."""

from __future__ import annotations

from typing import Any

import pytest

from aistock.factors.alpha import ALPHA158
from aistock.rdagent.runtime.feature_plan import FeaturePlanError, build_feature_plan


def _config(handler: dict[str, Any]) -> dict[str, Any]:
    return {"task": {"dataset": {"class": "DatasetH", "kwargs": {"handler": handler}}}}


def _static(columns: list[str]) -> Any:
    return lambda _path: [("feature", c) for c in columns]


def _qlib_loader(names: list[str]) -> dict[str, Any]:
    exprs = [ALPHA158.expressions[ALPHA158.names.index(n)] for n in names]
    return {
        "class": "QlibDataLoader",
        "kwargs": {"config": {"feature": [exprs, names], "label": [["x"], ["L"]]}},
    }


def test_alpha158_with_filtercol_keeps_the_handlers_order() -> None:
    handler = {
        "class": "Alpha158",
        "kwargs": {
            "infer_processors": [{"class": "FilterCol", "kwargs": {"col_list": ["ROC60", "KLEN", "KMID"]}}]
        },
    }
    plan = build_feature_plan(_config(handler), _static([]))
    assert plan.names == ["KMID", "KLEN", "ROC60"]
    assert all(f.expression for f in plan.features)


def test_nested_loader_sorts_and_a_later_loader_replaces_a_duplicate() -> None:
    loader = {
        "class": "NestedDataLoader",
        "kwargs": {
            "dataloader_l": [
                _qlib_loader(["ROC60", "KLEN"]),
                {"class": "StaticDataLoader", "kwargs": {"config": "combined_factors_df.parquet"}},
            ]
        },
    }
    handler = {"class": "DataHandlerLP", "kwargs": {"data_loader": loader}}
    plan = build_feature_plan(_config(handler), _static(["Zeta", "KLEN", "alpha_low"]))
    assert plan.names == ["KLEN", "ROC60", "Zeta", "alpha_low"]  # Python's string order: upper before lower
    assert [f.name for f in plan.static] == ["KLEN", "Zeta", "alpha_low"]  # the static KLEN won


def test_plain_qlib_loader_keeps_the_config_order() -> None:
    handler = {"class": "DataHandlerLP", "kwargs": {"data_loader": _qlib_loader(["ROC60", "KLEN", "KMID"])}}
    assert build_feature_plan(_config(handler), _static([])).names == ["ROC60", "KLEN", "KMID"]


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        ({"class": "MyHandler"}, "MyHandler is not one the workstation can reproduce"),
        ({"class": "DataHandlerLP", "kwargs": {}}, "has no data_loader"),
        (
            {
                "class": "DataHandlerLP",
                "kwargs": {"data_loader": {"class": "CombinedAlpha158DynamicFactorsLoader"}},
            },
            "CombinedAlpha158DynamicFactorsLoader is not one",
        ),
        (
            {
                "class": "Alpha158",
                "kwargs": {"infer_processors": [{"class": "FilterCol", "kwargs": {"col_list": ["NOPE"]}}]},
            },
            "FilterCol keeps NOPE",
        ),
    ],
)
def test_configs_we_cannot_reproduce_are_refused_by_name(handler: dict[str, Any], message: str) -> None:
    with pytest.raises(FeaturePlanError, match=message):
        build_feature_plan(_config(handler), _static([]))


def test_a_config_without_a_dataset_is_refused() -> None:
    with pytest.raises(FeaturePlanError, match=r"task\.dataset"):
        build_feature_plan({"task": {}}, _static([]))
