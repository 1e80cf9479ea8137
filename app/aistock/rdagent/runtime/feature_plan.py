"""Rebuild a loop's feature columns, in the order its model was trained on, from its config.

LightGBM receives ``x.values`` and checks no names, so a feature order that differs from
training produces confident, wrong scores (qlib_runtime.md §4 measured max |Δ| 0.32 for a
reversed order). The order is not the order a YAML lists features in; it is what qlib's
handler produced, which depends on the handler:

* ``Alpha158`` / ``Alpha360``: the handler's own column order; a ``FilterCol`` in the infer
  processors keeps that order and only drops columns (its ``col_list`` order is irrelevant);
* ``DataHandlerLP`` + ``QlibDataLoader`` (or ``Alpha158DL``): the loader config's order;
* ``DataHandlerLP`` + ``NestedDataLoader``: every loader's columns, then
  ``df.sort_index(axis=1)`` — alphabetical by (group, name), so custom factors end up
  *between* Alpha158 columns;
* ``StaticDataLoader``: the stored frame's columns (``combined_factors_df.parquet``).

Each feature is also given its source: a qlib expression (computed by the FactorEngine) or a
"static" column (an RD-Agent factor stored in a file, recomputed by :mod:`factor_defs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aistock.core.errors import AistockError
from aistock.factors.alpha import ALPHA158, ALPHA360

StaticColumns = Callable[[str], list[tuple[str, str]]]
"""Reads the (group, name) columns of a static loader's file, given the path from the config."""


class FeaturePlanError(AistockError):
    """A loop config whose feature columns we cannot rebuild."""


@dataclass(frozen=True)
class Feature:
    """One model input column: its name and, for qlib loaders, its expression."""

    name: str
    expression: str | None  # None: a stored ("static") factor such as combined_factors_df columns

    @property
    def is_static(self) -> bool:
        return self.expression is None


@dataclass(frozen=True)
class FeaturePlan:
    """The features in training order, plus what the handler needs to reproduce its rows."""

    features: tuple[Feature, ...]
    handler_class: str
    instruments: Any
    start_time: str | None
    end_time: str | None

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def expressions(self) -> list[Feature]:
        return [f for f in self.features if not f.is_static]

    @property
    def static(self) -> list[Feature]:
        return [f for f in self.features if f.is_static]


def _kwargs(spec: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = spec.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise FeaturePlanError(f"{spec.get('class')} has kwargs that are not a mapping", "fix the YAML")
    return kwargs


def handler_spec(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``task.dataset.kwargs.handler`` of a workflow config."""
    try:
        handler = config["task"]["dataset"]["kwargs"]["handler"]
    except (KeyError, TypeError) as exc:
        raise FeaturePlanError(
            "the loop's config has no task.dataset.kwargs.handler",
            "sync a workspace whose conf*.yaml defines the qlib dataset (RD-Agent's templates do)",
        ) from exc
    if not isinstance(handler, dict) or "class" not in handler:
        raise FeaturePlanError(
            "the loop's dataset handler is not a {class, kwargs} mapping",
            "the config must name the handler class (Alpha158, DataHandlerLP, …)",
        )
    return handler


def _loader_features(spec: Mapping[str, Any], static_columns: StaticColumns) -> list[tuple[str, Feature]]:
    """(group, feature) pairs a data loader yields, in its own order."""
    cls = str(spec.get("class", "")).rsplit(".", 1)[-1]
    kwargs = _kwargs(spec)
    if cls in ("QlibDataLoader", "Alpha158DL", "Alpha360DL"):
        config = kwargs.get("config")
        if config is None and cls != "QlibDataLoader":
            base = ALPHA158 if cls == "Alpha158DL" else ALPHA360
            return [("feature", Feature(n, e)) for n, e in base.items()]
        if not isinstance(config, dict) or "feature" not in config:
            raise FeaturePlanError(
                f"{cls} has no config.feature", "give the loader config: {feature: [[expressions], [names]]}"
            )
        return [("feature", f) for f in _field_list(config["feature"], cls)]
    if cls == "StaticDataLoader":
        config = kwargs.get("config")
        if isinstance(config, str):
            return [
                (group, Feature(name, None)) for group, name in static_columns(config) if group == "feature"
            ]
        if isinstance(config, dict) and isinstance(config.get("feature"), str):
            return [(g, Feature(n, None)) for g, n in static_columns(config["feature"]) if g == "feature"]
        raise FeaturePlanError(
            "a StaticDataLoader's config is neither a file path nor {feature: path}",
            "point it at the stored factor file, e.g. combined_factors_df.parquet",
        )
    if cls == "NestedDataLoader":
        merged: dict[tuple[str, str], Feature] = {}
        for child in kwargs.get("dataloader_l", []):
            for group, feature in _loader_features(child, static_columns):
                merged.pop((group, feature.name), None)  # a later loader's column replaces an earlier one
                merged[(group, feature.name)] = feature
        return [(group, merged[(group, name)]) for group, name in sorted(merged)]  # sort_index(axis=1)
    raise FeaturePlanError(
        f"the data loader {spec.get('class')} is not one the workstation can reproduce",
        "use qlib's QlibDataLoader, StaticDataLoader or NestedDataLoader (RD-Agent's templates do), "
        "or an Alpha158/Alpha360 handler",
    )


def _field_list(feature: Any, where: str) -> list[Feature]:
    if isinstance(feature, (list, tuple)) and len(feature) == 2 and isinstance(feature[0], (list, tuple)):
        expressions, names = feature
        if len(expressions) != len(names):
            raise FeaturePlanError(
                f"{where} lists {len(expressions)} expressions but {len(names)} names",
                "give one name per expression",
            )
        return [Feature(str(n), str(e)) for e, n in zip(expressions, names, strict=True)]
    if isinstance(feature, (list, tuple)) and all(isinstance(e, str) for e in feature):
        return [Feature(str(e), str(e)) for e in feature]
    raise FeaturePlanError(
        f"{where} has a feature config of an unknown shape", "use [[expressions], [names]] or [expressions]"
    )


def _filter_col(processors: Sequence[Any]) -> set[str] | None:
    for proc in processors:
        if isinstance(proc, dict) and str(proc.get("class", "")).rsplit(".", 1)[-1] == "FilterCol":
            kwargs = _kwargs(proc)
            if kwargs.get("fields_group", "feature") == "feature":
                return {str(c) for c in kwargs.get("col_list", [])}
    return None


def build_feature_plan(config: Mapping[str, Any], static_columns: StaticColumns) -> FeaturePlan:
    """The model's input columns in training order, from a workflow config (``conf*.yaml``)."""
    handler = handler_spec(config)
    cls = str(handler["class"]).rsplit(".", 1)[-1]
    kwargs = _kwargs(handler)
    if cls in ("Alpha158", "Alpha360"):
        base = ALPHA158 if cls == "Alpha158" else ALPHA360
        if kwargs.get("data_loader") is not None:
            raise FeaturePlanError(
                f"{cls} with a custom data_loader is not supported", "use DataHandlerLP instead"
            )
        features = [Feature(n, e) for n, e in base.items()]
    elif cls in ("DataHandlerLP", "DataHandler"):
        loader = kwargs.get("data_loader")
        if not isinstance(loader, dict):
            raise FeaturePlanError(
                f"{cls} has no data_loader", "name the loader in handler.kwargs.data_loader"
            )
        features = [f for group, f in _loader_features(loader, static_columns) if group == "feature"]
    else:
        raise FeaturePlanError(
            f"the handler {handler['class']} is not one the workstation can reproduce",
            "use Alpha158, Alpha360 or DataHandlerLP with qlib's loaders",
        )
    keep = _filter_col(kwargs.get("infer_processors", []))
    if keep is not None:
        missing = sorted(keep - {f.name for f in features})
        if missing:
            raise FeaturePlanError(
                f"FilterCol keeps {', '.join(missing[:5])}, which the {cls} handler does not produce",
                "fix the col_list in the loop's config",
            )
        features = [f for f in features if f.name in keep]
    if not features:
        raise FeaturePlanError("the loop's config yields no feature columns", "check the handler config")
    return FeaturePlan(
        features=tuple(features),
        handler_class=cls,
        instruments=kwargs.get("instruments", "all"),
        start_time=_text(kwargs.get("start_time")),
        end_time=_text(kwargs.get("end_time")),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
