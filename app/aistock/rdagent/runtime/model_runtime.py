"""The model runtime: a loop's trained qlib model, fed with features from our own data.

Loading a loop (:meth:`ModelRuntime.load`) gathers and checks everything before any data is
read, refusing with a message that names the problem:

* the model pickle (``params.pkl``) — from a trusted root, with its recorded sha256;
* the config that trained it, and from it the feature columns in training order
  (:mod:`feature_plan`); the model's own feature count must equal the list's;
* the *fitted* infer processors from qlib's saved ``dataset`` (RobustZScoreNorm's medians are
  learnt on the training window and must never be re-fitted on new data: refitting silently
  gives constant scores, qlib_runtime.md §4); their column list must equal ours too;
* a recipe for every stored factor (:mod:`factor_defs`).

Predicting (:meth:`ModelRuntime.predict`) computes the features with the FactorEngine and the
fenced ``factor.py`` runner over the DataService, then hands them to qlib exactly as qlib's
own inference does: ``StaticDataLoader`` → ``DataHandlerLP(init_data=False)`` →
``setup_data(IT_LS)`` (apply, never fit) → ``DatasetH`` → ``model.predict``. No provider and no
``qlib.init`` are involved.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aistock.core.errors import AistockError
from aistock.data.service import DataService
from aistock.factors.engine import FactorEngine
from aistock.rdagent.instrument_codes import recode_instruments, to_canonical, to_qlib
from aistock.rdagent.runtime.artifacts import (
    ModelArtifactError,
    ModelArtifacts,
    choose_config_yaml,
    find_model_artifacts,
    load_trusted_pickle,
)
from aistock.rdagent.runtime.factor_defs import StaticFactor, factor_meta_entries, resolve_static_factors
from aistock.rdagent.runtime.feature_plan import FeaturePlan, FeaturePlanError, build_feature_plan
from aistock.rdagent.runtime.pyfactor import DAILY_PV_COLUMNS, run_factor

Expected = Callable[[str], "tuple[str, str] | None"]

#: Processors that hold no fitted state, so they can be rebuilt from the config alone.
STATELESS_PROCESSORS = frozenset(
    {"Fillna", "FilterCol", "DropCol", "ProcessInf", "TanhProcess", "CSZScoreNorm", "CSRankNorm", "CSZFillna"}
)


class FeatureCountError(AistockError):
    """The model expects a different number of features than the loop's config yields."""


@dataclass(frozen=True)
class LoopSource:
    """Where one loop's files are and how far to trust them (built from the store's catalog)."""

    key: str
    workspace: Path
    trusted_roots: tuple[Path, ...]
    code_dirs: tuple[Path, ...] = ()
    expected_sha256: Expected = field(default=lambda _relpath: None)
    factor_entries: tuple[Mapping[str, Any], ...] = ()


@dataclass
class LoadedModel:
    """A loop ready to predict: model, fitted processors, feature plan and factor recipes."""

    source: LoopSource
    artifacts: ModelArtifacts
    config_path: Path
    config: dict[str, Any]
    plan: FeaturePlan
    static: list[StaticFactor]
    model: Any
    processors: list[Any]
    load_seconds: float

    @property
    def feature_names(self) -> list[str]:
        return self.plan.names


def model_feature_count(model: Any) -> int | None:
    """How many inputs the fitted model takes, for the model kinds that say so."""
    booster = getattr(model, "model", None)
    for candidate in (booster, model):
        num_feature = getattr(candidate, "num_feature", None)
        if callable(num_feature):
            try:
                return int(num_feature())
            except Exception:
                return None
        n_features = getattr(candidate, "n_features_in_", None)
        if isinstance(n_features, int):
            return n_features
    d_feat = getattr(model, "d_feat", None)
    return int(d_feat) if isinstance(d_feat, int) and d_feat > 0 else None


def _static_columns(workspace: Path) -> Callable[[str], list[tuple[str, str]]]:
    def read(relpath: str) -> list[tuple[str, str]]:
        import pyarrow.parquet as pq

        path = workspace / relpath
        if not path.is_file():
            raise FeaturePlanError(
                f"the stored factor file {relpath} is missing from {workspace}",
                "the runtime needs its column list; sync the whole workspace, not only the bundle",
            )
        meta = pq.read_schema(path).pandas_metadata or {}
        index_names = {str(n) for n in meta.get("index_columns", []) if isinstance(n, str)}
        columns: list[tuple[str, str]] = []
        for column in meta.get("columns", []):
            name = column.get("name")
            if column.get("field_name") in index_names or name is None:
                continue
            parsed = ast.literal_eval(name) if isinstance(name, str) and name.startswith("(") else name
            if isinstance(parsed, tuple) and len(parsed) == 2:
                columns.append((str(parsed[0]), str(parsed[1])))
            else:
                columns.append(("feature", str(parsed)))
        return columns

    return read


class ModelRuntime:
    """Loads loops' models (cached) and predicts with features from the DataService."""

    def __init__(self, data: DataService, *, engine: FactorEngine | None = None) -> None:
        self.data = data
        self.engine = engine or FactorEngine(data)
        self._cache: dict[tuple[str, str, float, int], LoadedModel] = {}
        self._lock = threading.Lock()

    # -- loading ----------------------------------------------------------------------------------
    def load(self, source: LoopSource) -> LoadedModel:
        """The loop's model, checked; reused while its model file is unchanged."""
        artifacts = find_model_artifacts(source.workspace, source.key)
        stat = artifacts.params.stat()
        cache_key = (source.key, str(artifacts.params.resolve()), stat.st_mtime, stat.st_size)
        with self._lock:
            cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        loaded = self._load(source, artifacts)
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != source.key}
            self._cache[cache_key] = loaded
        return loaded

    def _load(self, source: LoopSource, artifacts: ModelArtifacts) -> LoadedModel:
        started = time.perf_counter()
        config_path, config = choose_config_yaml(source.workspace)
        plan = build_feature_plan(config, _static_columns(source.workspace))
        model = self._unpickle(artifacts.params, source, artifacts)
        count = model_feature_count(model)
        if count is not None and count != len(plan.features):
            raise FeatureCountError(
                f"loop {source.key}: the model takes {count} features but its config "
                f"({config_path.name}) yields {len(plan.features)}",
                "the config in the workspace is not the one the model was trained with; "
                "sync the loop again from RD-Agent",
            )
        processors = self._processors(source, artifacts, config, plan)
        known = {f.lower() for f in self.data.fields()}
        static = resolve_static_factors(
            [f.name for f in plan.static],
            [*factor_meta_entries(source.code_dirs or (source.workspace,)), *source.factor_entries],
            list(source.code_dirs or (source.workspace,)),
            known,
            source.key,
        )
        return LoadedModel(
            source=source,
            artifacts=artifacts,
            config_path=config_path,
            config=config,
            plan=plan,
            static=static,
            model=model,
            processors=processors,
            load_seconds=time.perf_counter() - started,
        )

    @staticmethod
    def _unpickle(path: Path, source: LoopSource, artifacts: ModelArtifacts) -> Any:
        # Unpickling qlib models imports qlib.contrib.model, which prints optional-model notices.
        with contextlib.redirect_stdout(io.StringIO()):
            return load_trusted_pickle(
                path, source.trusted_roots, source.expected_sha256(artifacts.relpath(path))
            )

    def _processors(
        self, source: LoopSource, artifacts: ModelArtifacts, config: Mapping[str, Any], plan: FeaturePlan
    ) -> list[Any]:
        if artifacts.dataset is not None:
            dataset = self._unpickle(artifacts.dataset, source, artifacts)
            handler = getattr(dataset, "handler", None)
            processors = list(getattr(handler, "infer_processors", None) or [])
            _check_processor_columns(processors, plan, source.key)
            return processors
        specs = config["task"]["dataset"]["kwargs"]["handler"].get("kwargs", {}).get("infer_processors", [])
        stateful = [str(s.get("class")) for s in specs if str(s.get("class")).rsplit(".", 1)[-1] not in
                    STATELESS_PROCESSORS]  # fmt: skip
        if stateful:
            raise ModelArtifactError(
                f"loop {source.key}: the processors {', '.join(stateful)} need their fitted state, "
                "saved by qlib as mlruns/…/artifacts/dataset, which this workspace does not have",
                "sync the loop's full workspace (with mlruns), not only its production bundle",
            )
        from qlib.utils import init_instance_by_config

        return [init_instance_by_config(s, default_module="qlib.data.dataset.processor") for s in specs]

    # -- features and prediction ------------------------------------------------------------------
    def features(
        self, loaded: LoadedModel, start: dt.date, end: dt.date, universe: Sequence[str] | str | None = None
    ) -> pd.DataFrame:
        """Model inputs for ``start..end``, indexed ``(datetime, instrument)`` with qlib codes."""
        plan = loaded.plan
        target = universe if universe is not None else plan.instruments
        expression_columns: dict[str, str] = {f.name: str(f.expression) for f in plan.expressions}
        expression_columns |= {s.name: str(s.expression) for s in loaded.static if s.expression is not None}
        unique = list(dict.fromkeys(expression_columns.values()))
        specs = self.engine.resolve(unique)
        query_start = start
        if any(s.start_sensitive for s in specs) and plan.start_time:
            query_start = min(start, dt.date.fromisoformat(plan.start_time[:10]))
        frame = self.engine.compute_factor_set(unique, target, query_start, end)
        if query_start != start:
            frame = frame.loc[pd.Timestamp(start) :]
        columns = {name: frame[expression] for name, expression in expression_columns.items()}
        base = pd.DataFrame(columns, index=frame.index)
        for recipe in loaded.static:
            if recipe.code is not None:
                base[recipe.name] = self._python_factor(recipe, start, end).reindex(base.index)
        ordered = base.loc[:, plan.names].astype("float32")
        return recode_instruments(ordered, to_qlib)

    def _python_factor(self, recipe: StaticFactor, start: dt.date, end: dt.date) -> pd.Series[float]:
        days = self.data.calendar(None, end)
        earlier = [d for d in days if (d if isinstance(d, dt.date) else d.date()) < start]
        margin = max(3 * recipe.lookback_days, recipe.lookback_days + 30)
        first = earlier[-margin] if len(earlier) >= margin else (earlier[0] if earlier else start)
        daily_pv = self.data.history("all", first, end, fields=list(DAILY_PV_COLUMNS))
        assert recipe.code is not None
        result = run_factor(recipe.code, daily_pv)
        if recipe.name not in result.columns:
            raise AistockError(
                f"{recipe.code.function}() wrote no column named {recipe.name}",
                f"it wrote {', '.join(map(str, result.columns))}; the column must carry the factor's name",
            )
        series = result[recipe.name]
        return series.loc[pd.Timestamp(start) :]

    def predict(
        self, loaded: LoadedModel, start: dt.date, end: dt.date, universe: Sequence[str] | str | None = None
    ) -> pd.Series[float]:
        """Scores indexed ``(datetime, instrument)`` with canonical codes (``600000.SH``)."""
        features = self.features(loaded, start, end, universe)
        if features.empty:
            return pd.Series(dtype="float64", name="score")
        scores = predict_with_qlib(loaded.model, loaded.processors, features, start, end)
        return recode_instruments(scores.rename("score"), to_canonical)


def _check_processor_columns(processors: Sequence[Any], plan: FeaturePlan, loop_key: str) -> None:
    for processor in processors:
        cols = getattr(processor, "cols", None)
        if cols is None:
            continue
        names = [c[-1] if isinstance(c, tuple) else str(c) for c in cols]
        if names != plan.names:
            first = next(
                (i for i, (a, b) in enumerate(zip(names, plan.names, strict=False)) if a != b),
                min(len(names), len(plan.names)),
            )
            raise FeaturePlanError(
                f"loop {loop_key}: the fitted {type(processor).__name__} was trained on "
                f"{len(names)} columns, the config yields {len(plan.names)}; "
                f"they first differ at position {first + 1}",
                "the config in the workspace is not the one that trained the model; sync the loop again",
            )
        return


def predict_with_qlib(
    model: Any, processors: Sequence[Any], features: pd.DataFrame, start: dt.date, end: dt.date
) -> pd.Series[float]:
    """qlib's own inference path over a host frame: apply the fitted processors, never fit."""
    from qlib.data.dataset import DatasetH
    from qlib.data.dataset.handler import DataHandlerLP
    from qlib.data.dataset.loader import StaticDataLoader

    handler = DataHandlerLP(
        data_loader=StaticDataLoader({"feature": features}),
        infer_processors=list(processors),
        init_data=False,
    )
    handler.setup_data(init_type=DataHandlerLP.IT_LS)
    dataset = DatasetH(handler, segments={"test": (pd.Timestamp(start), pd.Timestamp(end))})
    pred = model.predict(dataset, segment="test")
    series = (
        pred if isinstance(pred, pd.Series) else pd.Series(np.asarray(pred).ravel(), index=features.index)
    )
    return series.astype("float64")
