"""What the research page shows about catalog entries, kept out of the widgets.

The catalog records (:mod:`aistock.rdagent.catalog.repository`) carry RD-Agent's fields as it
exported them; a trader needs a few of them side by side (the loop's headline metrics, its
decision, the model behind it) and the rest on demand. These functions pick and shape those
values; they never format for display (the monitors do that) and never touch Qt.

The repository lists loops and factors but has no listing of every strategy or model, so the
two ``all_*`` readers below query the catalog tables for the ids and decode through the
repository's own record builders — the page then shows orphans too (a model whose loop the
HEAD loop export filtered out, which happens: it only exports solidified loops).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from aistock.rdagent.catalog.contracts import HEADLINE_METRICS, headline_metric
from aistock.rdagent.catalog.repository import (
    FactorRecord,
    LoopRecord,
    ModelRecord,
    RdagentRepository,
    StrategyRecord,
    _model_record,
)
from aistock.store.jsontypes import JsonValue
from aistock.store.store import Store
from aistock.store.tables import RdagentModel, RdagentStrategy

SHORT_ID = 8
"""Characters of a 32-hex id shown in a table column (the detail pane shows the whole id)."""

FLAG_KEYS = ("verified", "is_verified", "migrated", "is_migrated", "aligned", "is_aligned")
"""Boolean markers a factor entry may carry (RD-Agent's docs mention verification/migration)."""

FEEDBACK_KEYS = ("hypothesis", "execution", "value_feedback", "shape_feedback", "reason", "observations")
"""Feedback texts, in reading order: what was tried, what happened, whether it held, why."""


def short_id(value: str | None) -> str | None:
    """The first characters of a long id; short ids are returned whole."""
    if value is None:
        return None
    return value if len(value) <= SHORT_ID + 1 else value[:SHORT_ID]


def _text(value: JsonValue | None) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _mapping(value: JsonValue | None) -> Mapping[str, JsonValue]:
    return value if isinstance(value, dict) else {}


def compact_json(value: JsonValue | None) -> str:
    """A nested value on one line, for a key → value list (strings as they are)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- loops -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoopRow:
    """One loop workspace as the loop table shows it."""

    loop: LoopRecord
    model: ModelRecord | None

    @property
    def key(self) -> str:
        return self.loop.key

    @property
    def task_run(self) -> str | None:
        return short_id(self.loop.task_run_id)

    @property
    def workspace(self) -> str | None:
        return short_id(self.loop.workspace_id)

    @property
    def has_model(self) -> bool:
        """Whether this workspace holds a trained model (the catalog points at one)."""
        return self.loop.has_model_paths or self.model is not None

    def metric(self, name: str) -> float | None:
        if name == "annualized_return":
            return self.loop.annualized_return
        value = self.loop.metrics.get(name)
        if value is None and name in ("ic", "sharpe", "max_drawdown"):
            value = headline_metric(self.loop.metrics, name)
        return value

    @property
    def model_type(self) -> str | None:
        return self.model.model_type if self.model is not None else None


def loop_rows(repository: RdagentRepository) -> list[LoopRow]:
    """Every imported loop workspace with its model (one query per loop; loops are few)."""
    return [LoopRow(loop, repository.model_for(loop)) for loop in repository.loops()]


def feedback_texts(loop: LoopRecord) -> list[tuple[str, str]]:
    """(key, text) of every feedback text the loop's entry carries, in :data:`FEEDBACK_KEYS` order.

    HEAD's loop catalog nests them in ``summary_texts``; feedback.json's shape (``hypothesis``
    and a ``summary``) is accepted too, so an export that inlines it shows as well.
    """
    raw = loop.raw
    found: dict[str, str] = {}
    for source in (raw, _mapping(raw.get("summary_texts")), _mapping(raw.get("summary"))):
        for key in FEEDBACK_KEYS:
            text = _text(source.get(key))
            if text is not None and key not in found:
                found[key] = text
    return [(key, found[key]) for key in FEEDBACK_KEYS if key in found]


def materialization_error(loop: LoopRecord) -> str | None:
    return _text(loop.raw.get("materialization_error"))


_EXCESS = re.compile(r"^(?P<freq>\w+)\.excess_return_(?P<cost>with|without)_cost\.(?P<name>.+)$")


def split_metric_key(key: str) -> tuple[str, str | None]:
    """qlib's ``1day.excess_return_without_cost.annualized_return`` → (``annualized_return``, ``without``).

    The long keys differ only in their middle (with or without cost), which is exactly what a
    narrow column cuts off; the detail pane shows the name and words the qualifier.
    """
    match = _EXCESS.match(key)
    if match is None:
        return key, None
    return match.group("name"), match.group("cost")


def metric_items(loop: LoopRecord) -> list[tuple[str, float | None]]:
    """Every metric of the loop, headline ones first, then qlib's keys alphabetically."""
    head = [(name, loop.metrics.get(name)) for name in HEADLINE_METRICS if name in loop.metrics]
    rest = sorted((k, v) for k, v in loop.metrics.items() if k not in HEADLINE_METRICS)
    return head + rest


# --- factors ---------------------------------------------------------------------------------


def factor_formula(factor: FactorRecord) -> str | None:
    """The expression, else the formula hint (RD-Agent's own factors often only have the hint)."""
    return factor.expression or factor.formula_hint


def factor_description(factor: FactorRecord) -> str | None:
    return factor.description or _text(factor.raw.get("description_cn"))


def factor_implementation(factor: FactorRecord) -> str | None:
    """``module.func`` of the factor's reference implementation, when the catalog names one."""
    if factor.impl_module and factor.impl_func:
        return f"{factor.impl_module}.{factor.impl_func}"
    return factor.impl_module or factor.impl_func


def factor_flags(factor: FactorRecord) -> list[str]:
    """The flags of :data:`FLAG_KEYS` that are set on the entry."""
    return [key for key in FLAG_KEYS if factor.raw.get(key) is True]


def factor_performance(factor: FactorRecord) -> str | None:
    return _text(factor.raw.get("best_performance"))


# --- strategies ------------------------------------------------------------------------------


def all_strategies(store: Store, repository: RdagentRepository) -> list[StrategyRecord]:
    """Every imported strategy, by id."""
    with store.session() as session:
        ids = session.exec(
            select(RdagentStrategy.strategy_id).order_by(col(RdagentStrategy.strategy_id))
        ).all()
    records = (repository.strategy(strategy_id) for strategy_id in ids)
    return [record for record in records if record is not None]


def strategy_class(strategy: StrategyRecord) -> str | None:
    return _text(_mapping(strategy.portfolio_config).get("class"))


def strategy_kwarg(strategy: StrategyRecord, name: str) -> int | float | None:
    value = _mapping(_mapping(strategy.portfolio_config).get("kwargs")).get(name)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def strategy_model_class(strategy: StrategyRecord) -> str | None:
    return _text(_mapping(strategy.raw.get("model_config")).get("class"))


def strategy_feature_count(strategy: StrategyRecord) -> int | None:
    listed = strategy.raw.get("feature_list")
    return len(listed) if isinstance(listed, list) and listed else None


def strategy_example_loop(strategy: StrategyRecord) -> str | None:
    """``run/loop`` of the workspace the strategy was taken from."""
    example = _mapping(strategy.raw.get("workspace_example"))
    run, loop = example.get("task_run_id"), example.get("loop_id")
    if isinstance(run, str) and isinstance(loop, int):
        return f"{short_id(run)}/{loop}"
    return None


# --- models ----------------------------------------------------------------------------------


def all_models(store: Store) -> list[ModelRecord]:
    """Every imported model, by (task run, loop, workspace)."""
    with store.session() as session:
        rows = session.exec(
            select(RdagentModel).order_by(
                col(RdagentModel.task_run_id), col(RdagentModel.loop_id), col(RdagentModel.workspace_id)
            )
        ).all()
    return [_model_record(row) for row in rows]


def model_class(model: ModelRecord) -> str | None:
    """``module.Class`` from the model config (what qlib instantiates)."""
    name = _text(model.model_config.get("class"))
    module = _text(model.model_config.get("module_path"))
    if name and module:
        return f"{module}.{name}"
    return name


def model_files(model: ModelRecord) -> list[str]:
    """The weight files the catalog names, or ``mlruns/`` when qlib's recorder holds them."""
    listed = model.model_artifacts.get("model_files")
    files = [item for item in listed if isinstance(item, str)] if isinstance(listed, list) else []
    mlruns = _text(model.model_artifacts.get("mlruns"))
    if mlruns:
        files.append(f"{mlruns}/")
    return files


def model_feature_count(model: ModelRecord) -> int | None:
    """Size of the feature schema: the flattened list, else the schema's own length."""
    if model.flattened_feature_list:
        return len(model.flattened_feature_list)
    schema = model.feature_schema
    if isinstance(schema, list | dict) and schema:
        return len(schema)
    return None


def model_handler(model: ModelRecord) -> str | None:
    """The dataset's handler class (Alpha158, DataHandlerLP …): what builds the features."""
    handler = _mapping(_mapping(model.dataset_config.get("kwargs")).get("handler"))
    return _text(handler.get("class"))


def raw_items(raw: Mapping[str, JsonValue], skip: Sequence[str] = ()) -> list[tuple[str, str]]:
    """A raw entry as sorted (key, one-line value) pairs, for the generic detail list."""
    return [(key, compact_json(value)) for key, value in sorted(raw.items()) if key not in skip]
