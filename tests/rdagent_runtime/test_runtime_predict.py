"""The model runtime against qlib's own predictions, and every refusal it promises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from aistock.data import DataService, QlibProviderSource
from aistock.rdagent.demo.build import WORKSPACE_DIR, DemoExport
from aistock.rdagent.instrument_codes import recode_instruments, to_qlib
from aistock.rdagent.runtime.artifacts import ModelArtifactError, sha256_of
from aistock.rdagent.runtime.factor_defs import FactorDefinitionError
from aistock.rdagent.runtime.model_runtime import FeatureCountError, LoopSource, ModelRuntime


@pytest.fixture(scope="module")
def runtime(small_demo: Path) -> ModelRuntime:
    return ModelRuntime(DataService(QlibProviderSource(small_demo)))


def _source(root: Path, workspace_id: str, roots: tuple[Path, ...] | None = None) -> LoopSource:
    workspaces = root / WORKSPACE_DIR
    return LoopSource(
        key=f"demo/{workspace_id}",
        workspace=workspaces / workspace_id,
        trusted_roots=roots if roots is not None else (root,),
        code_dirs=tuple(sorted(p for p in workspaces.iterdir() if p.is_dir())),
    )


def _qlib_pred(workspace: Path) -> pd.Series:
    return pd.read_pickle(next(workspace.glob("mlruns/*/*/artifacts/pred.pkl")))["score"]


@pytest.mark.qlib
@pytest.mark.parametrize("loop_index", [0, 1, 2, 3])
def test_predictions_equal_the_pred_pkl_qlib_wrote_at_training(
    runtime: ModelRuntime, demo_export: DemoExport, loop_index: int
) -> None:
    loop = demo_export.loops[loop_index]
    source = _source(demo_export.root, loop["workspace_id"])
    loaded = runtime.load(source)
    assert loaded.feature_names  # the plan is the training order (checked against the fitted processor)
    expected = _qlib_pred(source.workspace)
    days = expected.index.get_level_values("datetime").unique()
    ours = recode_instruments(runtime.predict(loaded, days[0].date(), days[-1].date()), to_qlib)
    assert ours.index.equals(expected.index)
    assert (ours - expected).abs().max() <= 1e-6
    assert expected.std() > 1e-4  # a constant model would make the comparison meaningless


def test_feature_orders_follow_the_handler_not_the_yaml(
    runtime: ModelRuntime, demo_export: DemoExport
) -> None:
    by_loop = {
        loop["loop_id"]: runtime.load(_source(demo_export.root, loop["workspace_id"]))
        for loop in demo_export.loops
    }
    baseline, nested, with_python, model_loop = by_loop[0], by_loop[1], by_loop[2], by_loop[3]
    # Alpha158 + FilterCol keeps Alpha158's order, not the YAML list's (which starts with RESI5).
    assert baseline.feature_names[:3] == ["KLEN", "KLOW", "ROC60"]
    # NestedDataLoader sorts columns: custom factors land between Alpha158 names.
    assert nested.feature_names == sorted(nested.feature_names)
    assert "Reversal_VolAdj_10D" in nested.feature_names
    assert [s.name for s in with_python.static if s.code is not None] == ["Amount_Reversal_10D"]
    # A plain QlibDataLoader keeps the config's order.
    assert model_loop.feature_names[:3] == ["KMID", "KLEN", "KUP"]


def test_a_second_load_reuses_the_model(runtime: ModelRuntime, demo_export: DemoExport) -> None:
    source = _source(demo_export.root, demo_export.loops[0]["workspace_id"])
    assert runtime.load(source) is runtime.load(source)


def test_config_with_a_feature_too_few_is_refused_naming_both_counts(
    runtime: ModelRuntime, demo_export: DemoExport, export_copy: Callable[[], Path]
) -> None:
    root = export_copy()
    ws = root / WORKSPACE_DIR / demo_export.loops[0]["workspace_id"]
    conf = ws / "conf_baseline.yaml"
    config = yaml.safe_load(conf.read_text(encoding="utf-8"))
    # data_handler_config and the dataset's handler kwargs are one YAML anchor: trim once.
    processors = config["task"]["dataset"]["kwargs"]["handler"]["kwargs"]["infer_processors"]
    processors[0]["kwargs"]["col_list"] = processors[0]["kwargs"]["col_list"][:-1]
    conf.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    with pytest.raises(FeatureCountError) as info:
        runtime.load(_source(root, ws.name))
    assert "takes 20 features" in info.value.what and "yields 19" in info.value.what


def test_pickle_outside_the_trusted_roots_is_refused(
    runtime: ModelRuntime, demo_export: DemoExport, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    source = _source(demo_export.root, demo_export.loops[3]["workspace_id"], roots=(elsewhere,))
    with pytest.raises(ModelArtifactError) as info:
        ModelRuntime(runtime.data).load(source)
    assert "outside the trusted RD-Agent roots" in info.value.what


def test_symlink_out_of_a_trusted_root_is_refused(
    runtime: ModelRuntime, demo_export: DemoExport, tmp_path: Path
) -> None:
    trusted = tmp_path / "trusted"
    (trusted / WORKSPACE_DIR).mkdir(parents=True)
    ws_id = demo_export.loops[3]["workspace_id"]
    (trusted / WORKSPACE_DIR / ws_id).symlink_to(demo_export.workspace_dir(ws_id))
    with pytest.raises(ModelArtifactError, match="outside the trusted"):
        ModelRuntime(runtime.data).load(_source(trusted, ws_id))


def test_model_whose_hash_changed_is_refused(runtime: ModelRuntime, demo_export: DemoExport) -> None:
    ws_id = demo_export.loops[3]["workspace_id"]
    base = _source(demo_export.root, ws_id)
    params = next(base.workspace.glob("mlruns/*/*/artifacts/params.pkl"))
    right = sha256_of(params)
    wrong = "0" * 64
    good = LoopSource(**{**base.__dict__, "expected_sha256": lambda rel: (right, "registry") if rel.endswith(
        "params.pkl") else None})  # fmt: skip
    ModelRuntime(runtime.data).load(good)
    bad = LoopSource(**{**base.__dict__, "expected_sha256": lambda _rel: (wrong, "registry")})
    with pytest.raises(ModelArtifactError, match="the file changed"):
        ModelRuntime(runtime.data).load(bad)


def test_missing_model_file_is_refused(
    runtime: ModelRuntime, demo_export: DemoExport, export_copy: Callable[[], Path]
) -> None:
    root = export_copy()
    ws = root / WORKSPACE_DIR / demo_export.loops[1]["workspace_id"]
    next(ws.glob("mlruns/*/*/artifacts/params.pkl")).unlink()
    with pytest.raises(ModelArtifactError, match="has no model file"):
        runtime.load(_source(root, ws.name))


def test_missing_workspace_is_refused_with_the_path_map_hint(runtime: ModelRuntime, tmp_path: Path) -> None:
    source = LoopSource(key="x/0/y", workspace=tmp_path / "nope", trusted_roots=(tmp_path,))
    with pytest.raises(ModelArtifactError) as info:
        runtime.load(source)
    assert "path map" in info.value.fix


def test_stored_factor_without_any_definition_is_refused(
    runtime: ModelRuntime, demo_export: DemoExport, export_copy: Callable[[], Path]
) -> None:
    root = export_copy()
    ws_id = demo_export.loops[2]["workspace_id"]
    for factor_py in (root / WORKSPACE_DIR).glob("*/factor.py"):
        factor_py.unlink()
    with pytest.raises(FactorDefinitionError, match="Amount_Reversal_10D"):
        runtime.load(_source(root, ws_id))


def test_bundle_without_fitted_processors_is_refused(runtime: ModelRuntime, demo_export: DemoExport) -> None:
    bundles = demo_export.root / "RDagentDB" / "production_bundles"
    ws_id = demo_export.loops[3]["workspace_id"]
    workspace = next(bundles.glob(f"*/workspaces/{ws_id}"))
    source = LoopSource(key="bundle", workspace=workspace, trusted_roots=(demo_export.root,))
    with pytest.raises(ModelArtifactError, match="fitted state"):
        runtime.load(source)


def test_one_day_prediction_matches_the_range(runtime: ModelRuntime, demo_export: DemoExport) -> None:
    source = _source(demo_export.root, demo_export.loops[2]["workspace_id"])
    loaded = runtime.load(source)
    expected = _qlib_pred(source.workspace)
    last: dt.date = expected.index.get_level_values("datetime").max().date()
    one = recode_instruments(runtime.predict(loaded, last, last), to_qlib)
    assert (one - expected.loc[pd.Timestamp(last) :]).abs().max() <= 1e-6
