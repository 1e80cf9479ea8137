"""Parsing RD-Agent's export formats: the real files, every tolerated quirk, and refusals."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from aistock.rdagent.catalog.contracts import (
    CatalogFormatError,
    clean_metrics,
    headline_metric,
    loop_consumability,
    loop_entry_from_incremental,
    parse_alpha_meta,
    parse_bundle_manifest,
    parse_factor_catalog,
    parse_incremental,
    parse_loop_artifacts,
    parse_loop_catalog,
    parse_model_catalog,
    parse_strategy_catalog,
)

ANNUAL = "1day.excess_return_without_cost.annualized_return"


def _envelope(key: str, entries: list[Any], **extra: Any) -> bytes:
    document = {"version": "v1", "generated_at_utc": "2026-02-12T08:00:00+00:00", "source": "rdagent_tools"}
    return json.dumps({**document, key: entries, **extra}).encode()


def _loop(**fields: Any) -> dict[str, Any]:
    return {"task_run_id": "a" * 32, "loop_id": 3, "workspace_id": "b" * 32, **fields}


# --- the real export -------------------------------------------------------------------------


def test_the_real_export_parses_without_rejections(rd_fixture_dir: Path) -> None:
    factors = parse_factor_catalog((rd_fixture_dir / "factor_catalog.json").read_bytes(), origin="f")
    strategies = parse_strategy_catalog((rd_fixture_dir / "strategy_catalog.json").read_bytes(), origin="s")
    loops = parse_loop_catalog((rd_fixture_dir / "loop_catalog.json").read_bytes(), origin="l")
    alpha = parse_alpha_meta((rd_fixture_dir / "alpha158_meta.json").read_bytes(), origin="a")

    assert (len(factors.entries), len(strategies.entries), len(loops.entries), len(alpha.entries)) == (
        28,
        2,
        30,
        20,
    )
    assert factors.bad == strategies.bad == loops.bad == alpha.bad == ()
    klen = next(f for f in factors.entries if f.name == "KLEN")
    assert (klen.source, klen.expression, klen.tags) == ("qlib_alpha158", "($high-$low)/$open", ("alpha158",))
    generated = next(f for f in factors.entries if f.source == "rdagent_generated")
    assert generated.expression is None and generated.description is not None
    assert "formula_hint" in generated.raw
    assert strategies.entries[0].portfolio_config == {
        "class": "TopkDropoutStrategy",
        "module_path": "qlib.contrib.strategy",
        "kwargs": {"signal": "<PRED>", "topk": 50, "n_drop": 5},
    }


def test_the_older_loop_shape_keeps_its_gaps_as_none(rd_fixture_dir: Path) -> None:
    loops = parse_loop_catalog((rd_fixture_dir / "loop_catalog.json").read_bytes(), origin="l").entries
    first = loops[0]
    assert first.key == "95fde9f8cec7490580a12a992457dfd7/0/462527f0ab3d4ccaa48fd8aad72284dc"
    assert (first.workspace_path, first.log_dir, first.materialization_status, first.is_solidified) == (
        None,
        None,
        None,
        None,
    )
    assert first.has_result is True and first.decision is True
    # {"Unnamed: 0": "<metric>", "0": 0.922} is one DictReader-mangled qlib_res.csv row.
    assert first.metrics == {ANNUAL: pytest.approx(0.9220809085731948)}
    assert any("recovered metric" in note for note in first.notes)
    assert loops[1].metrics == {} and loops[1].paths == {}


# --- metrics ---------------------------------------------------------------------------------


def test_junk_metric_keys_are_recovered_or_dropped() -> None:
    assert clean_metrics({"Unnamed: 0": ANNUAL, "0": 0.5})[0] == {ANNUAL: 0.5}
    assert clean_metrics({"": "IC", "0": "0.047"})[0] == {"IC": 0.047}
    assert clean_metrics({"": "", "0": 1.0, "Unnamed: 0": None})[0] == {}
    cleaned, notes = clean_metrics({"IC": 0.04, "comment": "n/a", "flag": True})
    assert cleaned == {"IC": 0.04}
    assert len(notes) == 2


def test_metric_keys_lose_their_trailing_spaces_and_nulls_stay_none() -> None:
    raw = {
        "1day.excess_return_with_cost.annualized_return ": 0.81,
        " IC": "0.05",
        "sharpe": None,
        "max_drawdown": float("nan"),
    }
    cleaned, _ = clean_metrics(raw)
    assert cleaned == {
        "1day.excess_return_with_cost.annualized_return": 0.81,
        "IC": 0.05,
        "sharpe": None,
        "max_drawdown": None,
    }
    assert headline_metric(cleaned, "annualized_return") == 0.81
    assert headline_metric(cleaned, "ic") == 0.05


def test_nan_in_the_file_and_a_null_sharpe_are_accepted() -> None:
    text = (
        '{"version": "v1", "loops": [{"task_run_id": "r", "loop_id": 0, "workspace_id": "w", '
        '"sharpe": null, "annualized_return": 0.3, "max_drawdown": NaN, "metrics": {"IC": NaN}}]}'
    )
    entry = parse_loop_catalog(text.encode(), origin="l").entries[0]
    assert entry.metrics == {"IC": None, "sharpe": None, "annualized_return": 0.3, "max_drawdown": None}
    assert json.dumps(entry.raw, allow_nan=False)  # storable: NaN became null


def test_headline_fields_do_not_override_the_nested_metrics() -> None:
    entry = parse_loop_catalog(
        _envelope("loops", [_loop(annualized_return=0.2, metrics={"annualized_return": 0.25})]), origin="l"
    ).entries[0]
    assert entry.metrics["annualized_return"] == 0.25


# --- bad entries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"task_run_id": "r", "workspace_id": "w"}, "loop_id is missing"),
        (_loop(loop_id="3"), "loop_id is '3', not an integer"),
        (_loop(loop_id=1.5), "not an integer"),
        (_loop(loop_id=True), "not an integer"),
        (_loop(workspace_id=""), "workspace_id is empty"),
        (_loop(task_run_id=7), "task_run_id is a int"),
        (_loop(paths="factor_meta.json"), "paths is a str, not an object"),
        (_loop(paths={"model_files": [1]}), "paths.model_files"),
        (_loop(metrics=[0.9]), "metrics is a list"),
        (_loop(factor_names="KLEN"), "factor_names is a str"),
        (_loop(has_result="yes"), "has_result is 'yes', not a boolean"),
        ("not an object", "entry is a str"),
    ],
)
def test_a_bad_loop_is_skipped_with_its_reason(entry: Any, reason: str) -> None:
    good = _loop(loop_id=4)
    parsed = parse_loop_catalog(_envelope("loops", [good, entry]), origin="loop_catalog.json")
    assert [e.loop_id for e in parsed.entries] == [4]
    assert len(parsed.bad) == 1
    bad = parsed.bad[0]
    assert reason in bad.reason
    assert (bad.catalog, bad.index, bad.origin) == ("loops", 1, "loop_catalog.json")


def test_registry_style_integers_are_booleans() -> None:
    entry = parse_loop_catalog(
        _envelope("loops", [_loop(has_result=1, is_solidified=0)]), origin="l"
    ).entries[0]
    assert (entry.has_result, entry.is_solidified) == (True, False)


def test_a_duplicate_key_keeps_the_first_entry() -> None:
    parsed = parse_loop_catalog(_envelope("loops", [_loop(status="a"), _loop(status="b")]), origin="l")
    assert [e.status for e in parsed.entries] == ["a"]
    assert "duplicate key" in parsed.bad[0].reason


def test_bad_factor_strategy_and_model_entries() -> None:
    factors = parse_factor_catalog(
        _envelope("factors", [{"name": "A", "source": "sota"}, {"name": "B"}, {"source": "x"}]), origin="f"
    )
    assert [f.name for f in factors.entries] == ["A"]
    assert [b.reason for b in factors.bad] == ["source is missing", "name is missing"]
    strategies = parse_strategy_catalog(_envelope("strategies", [{"strategy_id": None}]), origin="s")
    assert strategies.entries == () and strategies.bad[0].reason == "strategy_id is missing"
    models = parse_model_catalog(
        _envelope("models", [{"model_id": "m1", "loop_id": "x"}, {"model_id": "m2", "model_config": []}]),
        origin="m",
    )
    assert models.entries == ()
    assert [b.key for b in models.bad] == ["m1", "m2"]


def test_model_entries_keep_basename_model_files(rd_fixture_dir: Path) -> None:
    models = parse_model_catalog(
        _envelope(
            "models",
            [
                {
                    "task_run_id": "71a7067442bf4523be34b6025431ce10",
                    "loop_id": 3,
                    "log_dir": "/mnt/f/Dev/RD-Agent-main/log",
                    "workspace_id": "c" * 32,
                    "workspace_path": "/mnt/f/Dev/RD-Agent-main/git_ignore_folder/RD-Agent_workspace/"
                    + "c" * 32,
                    "model_type": "LGBModel",
                    "model_config": {
                        "class": "LGBModel",
                        "module_path": "qlib.contrib.model.gbdt",
                        "kwargs": {},
                    },
                    "dataset_config": {"class": "DatasetH"},
                    "feature_schema": None,
                    "flattened_feature_list": ["RESI5", "KLEN"],
                    "model_artifacts": {"mlruns": "mlruns", "model_files": ["params.pkl"]},
                    "model_id": "d" * 32,
                }
            ],
        ),
        origin="m",
    )
    model = models.entries[0]
    assert (model.model_type, model.loop_id, model.flattened_feature_list) == (
        "LGBModel",
        3,
        ("RESI5", "KLEN"),
    )
    assert model.model_artifacts["model_files"] == ["params.pkl"]


# --- malformed files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b'{"version": "v1", "loops": [{"task_run_id": "r", "lo', "not valid JSON"),
        (b"\xff\xfe garbage", "not valid JSON"),
        (b"[]", "not a JSON object"),
        (b'{"version": "v2", "loops": []}', "version 'v2'"),
        (b'{"loops": []}', "version None"),
        (b'{"version": "v1", "factors": []}', "'loops' list is missing"),
        (b'{"version": "v1", "loops": {"a": 1}}', "'loops' list is a dict"),
    ],
)
def test_a_malformed_file_is_refused_whole(data: bytes, detail: str) -> None:
    with pytest.raises(CatalogFormatError) as caught:
        parse_loop_catalog(data, origin="/x/loop_catalog.json")
    assert detail in caught.value.what
    assert "/x/loop_catalog.json" in caught.value.what
    assert "sync again" in caught.value.fix


def test_a_utf8_bom_is_tolerated() -> None:
    parsed = parse_loop_catalog(b"\xef\xbb\xbf" + _envelope("loops", [_loop()]), origin="l")
    assert len(parsed.entries) == 1


# --- alpha meta ------------------------------------------------------------------------------


def test_alpha_meta_entries_take_the_file_source() -> None:
    data = json.dumps(
        {
            "version": "v1",
            "generated_at_utc": None,
            "source": "qlib_alpha360",
            "config_path": "x.yaml",
            "factors": [
                {"name": "CLOSE0", "expression": "$close/$close"},
                {"name": "OPEN0", "source": "other"},
            ],
        }
    ).encode()
    parsed = parse_alpha_meta(data, origin="alpha360_meta.json")
    assert [(f.name, f.source) for f in parsed.entries] == [("CLOSE0", "qlib_alpha360"), ("OPEN0", "other")]
    assert parsed.generated_at_utc is None


# --- consumability ---------------------------------------------------------------------------


def test_only_done_loops_are_consumable() -> None:
    assert loop_consumability("done") == (True, "materialized (materialization_status = done)")
    ok, reason = loop_consumability(None)
    assert not ok and "missing" in reason and "materialize-and-refresh" in reason
    ok, reason = loop_consumability("failed")
    assert not ok and "'failed'" in reason


# --- incremental, artifacts, bundles ---------------------------------------------------------


def test_incremental_rows_become_loop_entries() -> None:
    row = {
        "task_run_id": "a" * 32,
        "loop_id": 2,
        "action": "model",
        "status": "success",
        "has_result": 1,
        "best_workspace_id": "b" * 32,
        "ann_return": 0.41,
        "mdd": -0.2,
        "ic_mean": 0.05,
        "metrics_json": json.dumps({"1day.excess_return_with_cost.annualized_return ": 0.4, "IC": 0.05}),
        "log_dir": "/mnt/f/Dev/RD-Agent-main/log",
        "materialization_status": "done",
        "asset_bundle_id": "0b6f2a1c-1111-4222-8333-444455556666",
        "is_solidified": 1,
        "sync_status": "pending",
        "updated_at_utc": "2026-02-12T08:00:00+00:00",
        "factors": [{"factor_name": "F1"}, {"factor_name": "F2"}, {"factor_name": "F1"}],
    }
    feed = parse_incremental(_envelope("loops", [row, {"loop_id": 1}], count=2), origin="inc")
    assert feed.cursor == "2026-02-12T08:00:00+00:00"
    assert [b.reason for b in feed.bad] == ["task_run_id is missing"]
    entry = loop_entry_from_incremental(feed.loops[0], "c" * 32)
    assert entry.key == f"{'a' * 32}/2/{'c' * 32}"
    assert (entry.has_result, entry.is_solidified, entry.materialization_status) == (True, True, "done")
    assert entry.factor_names == ("F1", "F2")
    assert entry.metrics == {
        "1day.excess_return_with_cost.annualized_return": 0.4,
        "IC": 0.05,
        "annualized_return": 0.41,
        "max_drawdown": -0.2,
        "ic": 0.05,
    }
    assert entry.raw["workspace_id"] == "c" * 32


def test_registry_files_keep_hashes_and_workspace_hints() -> None:
    ws = "e" * 32
    listing = {
        "task_run_id": "r",
        "loop_id": 1,
        "artifacts": [
            {
                "artifact_id": "x",
                "artifact_type": "model",
                "name": "mlruns",
                "entry_path": f"/mnt/f/Dev/RD-Agent-main/git_ignore_folder/RD-Agent_workspace/{ws}/mlruns",
                "summary": {},
                "files": [
                    {"path": "mlruns/1/2/artifacts/params.pkl", "sha256": "A" * 64, "size_bytes": 10},
                    {"path": "../escape.pkl", "sha256": "a" * 64},
                    {"path": "big.bin", "sha256": None},
                ],
            }
        ],
    }
    files, notes = parse_loop_artifacts(json.dumps(listing).encode(), origin="u", task_run_id="r", loop_id=1)
    assert [(f.relpath, f.sha256, f.size_bytes, f.workspace_hint) for f in files] == [
        ("mlruns/1/2/artifacts/params.pkl", "a" * 64, 10, (ws,))
    ]
    assert any("escape.pkl" in note for note in notes)
    assert parse_loop_artifacts(b"<html>", origin="u", task_run_id="r", loop_id=1)[0] == ()


def test_bundle_manifests_are_checked() -> None:
    good = {
        "schema_version": 1,
        "asset_bundle_id": "0b6f2a1c-1111-4222-8333-444455556666",
        "task_run_id": "r",
        "loop_id": 0,
        "primary_workspace_id": "w",
        "primary_assets": {"model_weight_relpath": "workspaces/w/model.pkl"},
    }
    manifest = parse_bundle_manifest(json.dumps(good).encode(), origin="m")
    assert manifest.asset_bundle_id == good["asset_bundle_id"]
    for change in ({"asset_bundle_id": "../../etc"}, {"schema_version": 2}, {"loop_id": "0"}):
        with pytest.raises(CatalogFormatError):
            parse_bundle_manifest(json.dumps({**good, **change}).encode(), origin="m")


def test_nan_is_never_a_metric_value() -> None:
    cleaned, _ = clean_metrics({"x": math.inf, "y": "nan"})
    assert cleaned == {"x": None, "y": None}
