"""RD-Agent's export formats, parsed into typed entries — pure functions, no I/O.

RD-Agent hands the workstation four JSON catalogs (factors, strategies, loops, models), alpha
meta files, an incremental feed and solidified bundles (see ``rdagent_contracts.md`` §2–§5, §8).
This module turns their bytes into frozen dataclasses and nothing else, so the same code serves
a directory, a ZIP and the results API, and every quirk is tested without touching a disk.

Two kinds of trouble are kept apart on purpose:

* a **malformed file** — not JSON, not an object, no list under its key, an unknown
  ``version`` — raises :class:`CatalogFormatError` and the whole sync is refused: a file we do
  not understand may mean RD-Agent changed its contract, and importing half of it would mix
  two contracts in one database;
* a **bad entry** — a loop without ``loop_id``, a ``loop_id`` that is not an integer, a
  ``paths`` that is not an object — is reported as a :class:`BadEntry` with its reason and
  skipped, while the rest of the file imports. One broken row must not hide thirty good ones.

Everything RD-Agent is known to get wrong but that still carries meaning is *tolerated* and
normalised here, once: metric keys with trailing spaces (the registry's
``"1day.excess_return_with_cost.annualized_return "``), the ``"Unnamed: 0"``/``""``/``"0"``
junk of a ``DictReader``-mangled ``qlib_res.csv`` row (recovered as the metric it encodes),
``null``/``NaN`` metric values (→ ``None``), 0/1 integers for booleans (the registry's INT
columns), and the optional fields an older export lacks (``log_dir``,
``materialization_status``, ``is_solidified``, ``workspace_path``). Each entry keeps its raw
JSON object, so nothing RD-Agent exported is lost by the typed view.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeAlias, TypeVar, cast

from aistock.core.errors import AistockError
from aistock.store.jsontypes import JsonValue

JsonObject: TypeAlias = dict[str, JsonValue]
"""A JSON object as ``json.loads`` returns it."""

CATALOG_VERSION = "v1"
"""The only envelope version RD-Agent writes today; anything else is refused."""

CatalogName = Literal["factors", "strategies", "loops", "models"]
CATALOG_NAMES: tuple[CatalogName, ...] = ("factors", "strategies", "loops", "models")

CATALOG_FILES: dict[CatalogName, str] = {
    "factors": "factor_catalog.json",
    "strategies": "strategy_catalog.json",
    "loops": "loop_catalog.json",
    "models": "model_catalog.json",
}
"""The file each catalog is exported to (``RDagentDB/aistock/`` or ``rdagent_data/``)."""

ALPHA_META_FILES: tuple[str, ...] = ("alpha158_meta.json", "alpha360_meta.json", "alpha_all_meta.json")
"""The alpha meta files ``export_alpha158_meta.py``/``export_qlib_alpha_meta.py`` write."""

JUNK_METRIC_KEYS = frozenset({"", "Unnamed: 0", "0"})
"""Keys a ``DictReader``/``read_csv`` over ``qlib_res.csv`` (header ``,0``) leaves behind."""

HEADLINE_METRICS: tuple[str, ...] = ("annualized_return", "max_drawdown", "sharpe", "ic", "ic_ir", "win_rate")
"""Top-level metric fields of a loop entry (HEAD's shape) merged into its cleaned metrics."""

BUNDLE_SCHEMA_VERSION = 1
_BUNDLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class CatalogFormatError(AistockError):
    """An RD-Agent export file we refuse whole: not JSON, wrong shape or an unknown version."""


def _malformed(origin: str, detail: str) -> CatalogFormatError:
    return CatalogFormatError(
        f"{origin} is not a usable RD-Agent export ({detail}); nothing was imported",
        "re-export the catalogs on the RD-Agent side (POST /ops/materialize-and-refresh or "
        "tools/export_catalogs.sh) and sync again, or remove the broken file from the source",
    )


@dataclass(frozen=True)
class BadEntry:
    """An entry skipped because its key fields are missing or of the wrong type."""

    catalog: str
    index: int
    key: str
    """The entry's key as far as it could be read (``?`` for the missing parts)."""
    reason: str
    origin: str


@dataclass(frozen=True)
class FactorEntry:
    """A factor, keyed by (name, source); ``description`` is ``description_cn`` when present."""

    name: str
    source: str
    expression: str | None
    description: str | None
    tags: tuple[str, ...]
    raw: JsonObject

    @property
    def key(self) -> str:
        return factor_key(self.name, self.source)


@dataclass(frozen=True)
class StrategyEntry:
    """A strategy (``strategy_catalog.json``): its id, identity and config subtrees."""

    strategy_id: str
    action: str | None
    step_name: str | None
    portfolio_config: JsonObject | None
    workspace_example: JsonObject | None
    raw: JsonObject

    @property
    def key(self) -> str:
        return self.strategy_id


@dataclass(frozen=True)
class LoopEntry:
    """One loop × workspace of ``loop_catalog.json``; paths are raw RD-Agent paths."""

    task_run_id: str
    loop_id: int
    workspace_id: str
    workspace_path: str | None
    log_dir: str | None
    action: str | None
    status: str | None
    has_result: bool | None
    materialization_status: str | None
    is_solidified: bool | None
    asset_bundle_id: str | None
    strategy_id: str | None
    factor_names: tuple[str, ...]
    metrics: dict[str, float | None]
    paths: JsonObject
    decision: bool | None
    raw: JsonObject
    notes: tuple[str, ...] = ()
    """What was tolerated while reading the entry (a recovered junk metric, a dropped value)."""

    @property
    def key(self) -> str:
        return loop_key(self.task_run_id, self.loop_id, self.workspace_id)


@dataclass(frozen=True)
class ModelEntry:
    """A model of ``model_catalog.json``, one per loop workspace."""

    model_id: str
    task_run_id: str | None
    loop_id: int | None
    workspace_id: str | None
    workspace_path: str | None
    model_type: str | None
    model_config: JsonObject | None
    dataset_config: JsonObject | None
    feature_schema: JsonValue
    flattened_feature_list: tuple[str, ...] | None
    model_artifacts: JsonObject
    raw: JsonObject

    @property
    def key(self) -> str:
        return self.model_id


Entry = TypeVar("Entry", FactorEntry, StrategyEntry, LoopEntry, ModelEntry)


@dataclass(frozen=True)
class ParsedCatalog(Generic[Entry]):
    """One parsed export file: its envelope, the entries that passed and those skipped."""

    catalog: str
    origin: str
    version: str
    generated_at_utc: str | None
    source: str | None
    entries: tuple[Entry, ...]
    bad: tuple[BadEntry, ...]


@dataclass(frozen=True)
class IncrementalLoop:
    """A row of ``GET /catalog/incremental``: registry ``loops`` columns + factor_registry rows.

    Registry rows are per (task_run_id, loop_id) — they carry no workspace id; the bundle's
    ``primary_workspace_id`` (or ``best_workspace_id``) supplies it when the row is imported.
    """

    task_run_id: str
    loop_id: int
    asset_bundle_id: str | None
    best_workspace_id: str | None
    updated_at_utc: str | None
    factor_names: tuple[str, ...]
    raw: JsonObject


@dataclass(frozen=True)
class RegistryFile:
    """A file the registry hashed, from ``GET /loops/{task_run_id}/{loop_id}/artifacts``.

    The route names no workspace; ``workspace_hint`` is whatever 32-hex id the artifact's
    ``entry_path``/file path/summary mentions, for the importer to match against the catalog.
    """

    task_run_id: str
    loop_id: int
    workspace_id: str | None
    workspace_hint: tuple[str, ...]
    relpath: str
    sha256: str
    size_bytes: int | None
    artifact_type: str | None


@dataclass(frozen=True)
class BundleManifest:
    """``manifest.json`` of a solidified bundle (``RDagentDB/production_bundles/<id>/``)."""

    schema_version: int
    asset_bundle_id: str
    task_run_id: str
    loop_id: int
    primary_workspace_id: str
    primary_assets: JsonObject
    raw: JsonObject


# --- keys ------------------------------------------------------------------------------------


def factor_key(name: str, source: str) -> str:
    """The text key of a factor in reports and sync history."""
    return f"{source}/{name}"


def loop_key(task_run_id: str, loop_id: int | str, workspace_id: str) -> str:
    """``task_run_id/loop_id/workspace_id``: how a loop is named everywhere in the workstation."""
    return f"{task_run_id}/{loop_id}/{workspace_id}"


# --- JSON plumbing ---------------------------------------------------------------------------


def _nan_to_none(_constant: str) -> None:
    # RD-Agent writes with json.dump's default allow_nan=True, so NaN/Infinity can appear in
    # metrics; they mean "no value", and the store refuses non-JSON numbers.
    return None


def load_json_bytes(data: bytes, *, origin: str) -> JsonValue:
    """Decode a JSON document (UTF-8, BOM tolerated), with ``NaN``/``Infinity`` read as ``None``."""
    try:
        value: JsonValue = json.loads(data, parse_constant=_nan_to_none)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _malformed(origin, f"not valid JSON: {exc}") from exc
    return value


def _as_object(value: object) -> JsonObject | None:
    return cast(JsonObject, value) if isinstance(value, dict) else None


def _envelope(data: bytes, *, origin: str, list_key: str) -> tuple[JsonObject, list[JsonValue]]:
    document = _as_object(load_json_bytes(data, origin=origin))
    if document is None:
        raise _malformed(origin, "the top level is not a JSON object")
    version = document.get("version")
    if version != CATALOG_VERSION:
        raise _malformed(
            origin, f"version {version!r} is not {CATALOG_VERSION!r}, the one this AIstock reads"
        )
    items = document.get(list_key)
    if not isinstance(items, list):
        found = "missing" if list_key not in document else f"a {type(items).__name__}, not a list"
        raise _malformed(origin, f"the {list_key!r} list is {found}")
    return document, items


def _opt_str(document: Mapping[str, JsonValue], key: str) -> str | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _EntryError(f"{key} is a {type(value).__name__}, not a string")
    return value if value.strip() else None


def _req_str(document: Mapping[str, JsonValue], key: str) -> str:
    value = document.get(key)
    if value is None:
        raise _EntryError(f"{key} is missing")
    if not isinstance(value, str):
        raise _EntryError(f"{key} is a {type(value).__name__} ({value!r}), not a string")
    if not value.strip():
        raise _EntryError(f"{key} is empty")
    return value


def _int_value(value: JsonValue, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _EntryError(f"{key} is {value!r}, not an integer")
    return value


def _req_int(document: Mapping[str, JsonValue], key: str) -> int:
    if document.get(key) is None:
        raise _EntryError(f"{key} is missing")
    return _int_value(document[key], key)


def _opt_int(document: Mapping[str, JsonValue], key: str) -> int | None:
    value = document.get(key)
    return None if value is None else _int_value(value, key)


def _opt_bool(document: Mapping[str, JsonValue], key: str) -> bool | None:
    """A boolean, accepting the registry's 0/1 integers."""
    value = document.get(key)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _EntryError(f"{key} is {value!r}, not a boolean")


def _opt_object(document: Mapping[str, JsonValue], key: str) -> JsonObject | None:
    value = document.get(key)
    if value is None:
        return None
    found = _as_object(value)
    if found is None:
        raise _EntryError(f"{key} is a {type(value).__name__}, not an object")
    return found


def _str_list(document: Mapping[str, JsonValue], key: str) -> tuple[str, ...] | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise _EntryError(f"{key} is a {type(value).__name__}, not a list")
    if not all(isinstance(item, str) for item in value):
        raise _EntryError(f"{key} holds something other than strings")
    return tuple(cast(list[str], value))


class _EntryError(ValueError):
    """Raised while reading one entry; becomes a :class:`BadEntry` (never escapes this module)."""


def _parse_entries(
    catalog: str,
    items: list[JsonValue],
    origin: str,
    parse: Callable[[JsonObject], Entry],
    label: Callable[[JsonObject], str],
) -> tuple[tuple[Entry, ...], tuple[BadEntry, ...]]:
    """Parse each entry; skip bad ones and later duplicates of a key, with a reason each."""
    entries: list[Entry] = []
    bad: list[BadEntry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        document = _as_object(item)
        if document is None:
            bad.append(
                BadEntry(catalog, index, "?", f"entry is a {type(item).__name__}, not an object", origin)
            )
            continue
        try:
            entry = parse(document)
        except _EntryError as exc:
            bad.append(BadEntry(catalog, index, label(document), str(exc), origin))
            continue
        if entry.key in seen:
            reason = (
                f"duplicate key: entry #{seen[entry.key]} of the same file has it too (the first one is kept)"
            )
            bad.append(BadEntry(catalog, index, entry.key, reason, origin))
            continue
        seen[entry.key] = index
        entries.append(entry)
    return tuple(entries), tuple(bad)


def _label(document: JsonObject, *keys: str) -> str:
    """A best-effort key for a bad entry's report line."""
    parts = []
    for key in keys:
        value = document.get(key)
        parts.append(str(value) if isinstance(value, str | int) and not isinstance(value, bool) else "?")
    return "/".join(parts)


# --- metrics ---------------------------------------------------------------------------------


def _metric_value(value: JsonValue) -> tuple[bool, float | None]:
    """(usable, value): numbers and numeric strings count; ``null``/NaN are a usable ``None``."""
    if value is None:
        return True, None
    if isinstance(value, bool):
        return False, None
    if isinstance(value, int | float):
        number = float(value)
        return True, (number if math.isfinite(number) else None)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return False, None
        return True, (number if math.isfinite(number) else None)
    return False, None


def clean_metrics(raw: JsonValue) -> tuple[dict[str, float | None], tuple[str, ...]]:
    """Metrics as ``{stripped key: float | None}``, plus notes on what was recovered or dropped.

    A ``qlib_res.csv`` read by ``DictReader`` (or ``read_csv`` without ``index_col``) becomes
    ``{"Unnamed: 0": "<metric name>", "0": <value>}`` (or ``{"": name, "0": value}``): that pair
    is one metric and is recovered as ``{name: value}``. Other junk keys are dropped.
    Raises ``ValueError`` if ``raw`` is neither ``None`` nor an object (a bad entry).
    """
    if raw is None:
        return {}, ()
    metrics = _as_object(raw)
    if metrics is None:
        raise _EntryError(f"metrics is a {type(raw).__name__}, not an object")
    cleaned: dict[str, float | None] = {}
    notes: list[str] = []
    label = next(
        (
            metrics[key]
            for key in ("Unnamed: 0", "")
            if isinstance(metrics.get(key), str) and str(metrics[key]).strip()
        ),
        None,
    )
    if isinstance(label, str) and "0" in metrics:
        usable, number = _metric_value(metrics["0"])
        if usable:
            cleaned[label.strip()] = number
            notes.append(f"recovered metric {label.strip()!r} from a mangled qlib_res.csv row")
    for key, value in metrics.items():
        name = key.strip()
        if key in JUNK_METRIC_KEYS or name in JUNK_METRIC_KEYS:
            continue
        usable, number = _metric_value(value)
        if not usable:
            notes.append(f"dropped metric {name!r}: {value!r} is not a number")
            continue
        if name in cleaned and cleaned[name] is not None:
            if number is not None and number != cleaned[name]:
                notes.append(f"metric {name!r} appears twice (keys differing in spaces); kept the first")
            continue
        cleaned[name] = number
    return cleaned, tuple(notes)


def headline_metric(metrics: Mapping[str, float | None], name: str) -> float | None:
    """A headline value, falling back on qlib's own key (``annualized_return`` → without cost)."""
    fallbacks = {
        "annualized_return": (
            "annualized_return",
            "1day.excess_return_without_cost.annualized_return",
            "1day.excess_return_with_cost.annualized_return",
        ),
        "max_drawdown": (
            "max_drawdown",
            "1day.excess_return_without_cost.max_drawdown",
            "1day.excess_return_with_cost.max_drawdown",
        ),
        "ic": ("ic", "IC"),
        "sharpe": ("sharpe", "1day.excess_return_without_cost.information_ratio"),
    }
    for key in fallbacks.get(name, (name,)):
        value = metrics.get(key)
        if value is not None:
            return value
    return None


# --- consumability ---------------------------------------------------------------------------


def loop_consumability(materialization_status: str | None) -> tuple[bool, str]:
    """Whether a loop may be used for predictions, and why (RD-Agent §11.3: only "done" loops).

    An older export has no ``materialization_status``: that is "unknown", never "done" — its
    files may be missing or half-written, and a guess would show a trader a model that cannot
    be reproduced.
    """
    if materialization_status is None:
        return False, (
            "materialization_status is missing (an older RD-Agent export): run "
            "POST /ops/materialize-and-refresh on the RD-Agent side (补齐), then sync again"
        )
    if materialization_status == "done":
        return True, "materialized (materialization_status = done)"
    return False, (
        f"materialization_status is {materialization_status!r}, not 'done': "
        "wait for RD-Agent to finish materializing it (or re-run materialize-and-refresh), then sync again"
    )


# --- entries ---------------------------------------------------------------------------------


def _factor(document: JsonObject, default_source: str | None) -> FactorEntry:
    name = _req_str(document, "name")
    source = _opt_str(document, "source") or default_source
    if source is None:
        raise _EntryError("source is missing")
    description = _opt_str(document, "description_cn") or _opt_str(document, "description")
    return FactorEntry(
        name=name,
        source=source,
        expression=_opt_str(document, "expression"),
        description=description,
        tags=_str_list(document, "tags") or (),
        raw=document,
    )


def _strategy(document: JsonObject) -> StrategyEntry:
    _str_list(document, "template_files")  # type check only; kept in raw
    return StrategyEntry(
        strategy_id=_req_str(document, "strategy_id"),
        action=_opt_str(document, "action"),
        step_name=_opt_str(document, "step_name"),
        portfolio_config=_opt_object(document, "portfolio_config"),
        workspace_example=_opt_object(document, "workspace_example"),
        raw=document,
    )


def _paths(document: JsonObject) -> JsonObject:
    paths = _opt_object(document, "paths") or {}
    for key, value in paths.items():
        if value is None or isinstance(value, str):
            continue
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            continue
        raise _EntryError(f"paths.{key} is {value!r}, not a relative path or a list of them")
    return paths


def _loop(document: JsonObject) -> LoopEntry:
    task_run_id = _req_str(document, "task_run_id")
    loop_id = _req_int(document, "loop_id")
    workspace_id = _req_str(document, "workspace_id")
    metrics, notes = clean_metrics(document.get("metrics"))
    extra_notes = list(notes)
    for name in HEADLINE_METRICS:
        if name not in document:
            continue
        usable, number = _metric_value(document[name])
        if not usable:
            extra_notes.append(f"dropped {name}: {document[name]!r} is not a number")
        elif metrics.get(name) is None:
            metrics[name] = number
    return LoopEntry(
        task_run_id=task_run_id,
        loop_id=loop_id,
        workspace_id=workspace_id,
        workspace_path=_opt_str(document, "workspace_path"),
        log_dir=_opt_str(document, "log_dir"),
        action=_opt_str(document, "action"),
        status=_opt_str(document, "status"),
        has_result=_opt_bool(document, "has_result"),
        materialization_status=_opt_str(document, "materialization_status"),
        is_solidified=_opt_bool(document, "is_solidified"),
        asset_bundle_id=_opt_str(document, "asset_bundle_id"),
        strategy_id=_opt_str(document, "strategy_id"),
        factor_names=_str_list(document, "factor_names") or (),
        metrics=metrics,
        paths=_paths(document),
        decision=_opt_bool(document, "decision"),
        raw=document,
        notes=tuple(extra_notes),
    )


def _model(document: JsonObject) -> ModelEntry:
    return ModelEntry(
        model_id=_req_str(document, "model_id"),
        task_run_id=_opt_str(document, "task_run_id"),
        loop_id=_opt_int(document, "loop_id"),
        workspace_id=_opt_str(document, "workspace_id"),
        workspace_path=_opt_str(document, "workspace_path"),
        model_type=_opt_str(document, "model_type"),
        model_config=_opt_object(document, "model_config"),
        dataset_config=_opt_object(document, "dataset_config"),
        feature_schema=document.get("feature_schema"),
        flattened_feature_list=_str_list(document, "flattened_feature_list"),
        model_artifacts=_opt_object(document, "model_artifacts") or {},
        raw=document,
    )


def _catalog(
    catalog: str, data: bytes, origin: str, parse: Callable[[JsonObject], Entry], *label_keys: str
) -> ParsedCatalog[Entry]:
    document, items = _envelope(data, origin=origin, list_key=catalog)
    entries, bad = _parse_entries(catalog, items, origin, parse, lambda d: _label(d, *label_keys))
    generated = document.get("generated_at_utc")
    source = document.get("source")
    return ParsedCatalog(
        catalog=catalog,
        origin=origin,
        version=CATALOG_VERSION,
        generated_at_utc=generated if isinstance(generated, str) else None,
        source=source if isinstance(source, str) else None,
        entries=entries,
        bad=bad,
    )


def parse_factor_catalog(data: bytes, *, origin: str) -> ParsedCatalog[FactorEntry]:
    """``factor_catalog.json`` (``{"factors": [...]}``); every entry must name its source."""
    return _catalog("factors", data, origin, lambda d: _factor(d, None), "source", "name")


def parse_strategy_catalog(data: bytes, *, origin: str) -> ParsedCatalog[StrategyEntry]:
    """``strategy_catalog.json`` (``{"strategies": [...]}``)."""
    return _catalog("strategies", data, origin, _strategy, "strategy_id")


def parse_loop_catalog(data: bytes, *, origin: str) -> ParsedCatalog[LoopEntry]:
    """``loop_catalog.json`` (``{"loops": [...]}``), either HEAD's shape or the older one."""
    return _catalog("loops", data, origin, _loop, "task_run_id", "loop_id", "workspace_id")


def parse_model_catalog(data: bytes, *, origin: str) -> ParsedCatalog[ModelEntry]:
    """``model_catalog.json`` (``{"models": [...]}``)."""
    return _catalog("models", data, origin, _model, "model_id")


def parse_alpha_meta(data: bytes, *, origin: str) -> ParsedCatalog[FactorEntry]:
    """An alpha meta file; entries without ``source`` take the file's (``qlib_alpha158``)."""
    document, items = _envelope(data, origin=origin, list_key="factors")
    source = document.get("source")
    default_source = source if isinstance(source, str) and source.strip() else None
    entries, bad = _parse_entries(
        "factors", items, origin, lambda d: _factor(d, default_source), lambda d: _label(d, "source", "name")
    )
    generated = document.get("generated_at_utc")
    return ParsedCatalog(
        catalog="factors",
        origin=origin,
        version=CATALOG_VERSION,
        generated_at_utc=generated if isinstance(generated, str) else None,
        source=default_source,
        entries=entries,
        bad=bad,
    )


# --- the incremental feed --------------------------------------------------------------------


def _incremental(document: JsonObject) -> IncrementalLoop:
    factors = document.get("factors")
    names: list[str] = []
    if isinstance(factors, list):
        for row in factors:
            found = _as_object(row)
            name = found.get("factor_name") if found is not None else None
            if isinstance(name, str) and name and name not in names:
                names.append(name)
    elif factors is not None:
        raise _EntryError(f"factors is a {type(factors).__name__}, not a list")
    return IncrementalLoop(
        task_run_id=_req_str(document, "task_run_id"),
        loop_id=_req_int(document, "loop_id"),
        asset_bundle_id=_opt_str(document, "asset_bundle_id"),
        best_workspace_id=_opt_str(document, "best_workspace_id"),
        updated_at_utc=_opt_str(document, "updated_at_utc"),
        factor_names=tuple(names),
        raw=document,
    )


@dataclass(frozen=True)
class IncrementalFeed:
    """One page of ``GET /catalog/incremental``."""

    origin: str
    loops: tuple[IncrementalLoop, ...]
    bad: tuple[BadEntry, ...] = field(default=())

    @property
    def cursor(self) -> str | None:
        """The newest ``updated_at_utc`` on the page: the next request's ``last_sync_time``."""
        stamps = [loop.updated_at_utc for loop in self.loops if loop.updated_at_utc]
        return max(stamps) if stamps else None


def parse_incremental(data: bytes, *, origin: str) -> IncrementalFeed:
    """``{version, generated_at_utc, count, loops: [registry loops row + factors: [...]]}``."""
    _, items = _envelope(data, origin=origin, list_key="loops")
    loops: list[IncrementalLoop] = []
    bad: list[BadEntry] = []
    for index, item in enumerate(items):
        document = _as_object(item)
        if document is None:
            bad.append(
                BadEntry("loops", index, "?", f"entry is a {type(item).__name__}, not an object", origin)
            )
            continue
        try:
            loops.append(_incremental(document))
        except _EntryError as exc:
            bad.append(BadEntry("loops", index, _label(document, "task_run_id", "loop_id"), str(exc), origin))
    return IncrementalFeed(origin=origin, loops=tuple(loops), bad=tuple(bad))


def loop_entry_from_incremental(row: IncrementalLoop, workspace_id: str) -> LoopEntry:
    """A loop entry built from a registry row, for a solidified loop the catalog lacks.

    The registry's columns are mapped onto the catalog's names (``ann_return`` →
    ``annualized_return``, ``mdd`` → ``max_drawdown``, ``ic_mean`` → ``ic``, the JSON text of
    ``metrics_json`` → metrics). ``raw`` is the registry row plus the ``workspace_id`` chosen.
    """
    raw: JsonObject = {**row.raw, "workspace_id": workspace_id}
    metrics_text = row.raw.get("metrics_json")
    metrics_value: JsonValue = None
    if isinstance(metrics_text, str) and metrics_text.strip():
        try:
            metrics_value = json.loads(metrics_text, parse_constant=_nan_to_none)
        except ValueError:
            metrics_value = None
    try:
        metrics, notes = clean_metrics(metrics_value if isinstance(metrics_value, dict) else None)
    except _EntryError:  # pragma: no cover - guarded by the isinstance above
        metrics, notes = {}, ()
    for column, name in (("ann_return", "annualized_return"), ("mdd", "max_drawdown"), ("ic_mean", "ic")):
        usable, number = _metric_value(row.raw.get(column))
        if usable and number is not None and metrics.get(name) is None:
            metrics[name] = number

    def flag(key: str) -> bool | None:
        try:
            return _opt_bool(row.raw, key)
        except _EntryError:
            return None

    def text(key: str) -> str | None:
        value = row.raw.get(key)
        return value if isinstance(value, str) and value.strip() else None

    return LoopEntry(
        task_run_id=row.task_run_id,
        loop_id=row.loop_id,
        workspace_id=workspace_id,
        workspace_path=None,
        log_dir=text("log_dir"),
        action=text("action"),
        status=text("status"),
        has_result=flag("has_result"),
        materialization_status=text("materialization_status"),
        is_solidified=flag("is_solidified"),
        asset_bundle_id=row.asset_bundle_id,
        strategy_id=None,
        factor_names=row.factor_names,
        metrics=metrics,
        paths={},
        decision=None,
        raw=raw,
        notes=notes,
    )


# --- registry file hashes --------------------------------------------------------------------

_HEX32 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def workspace_ids_in(texts: Iterable[str]) -> tuple[str, ...]:
    """Every 32-hex id mentioned in ``texts`` (lower-cased, in order, without repeats)."""
    found: list[str] = []
    for text in texts:
        for match in _HEX32.findall(text):
            lowered = match.lower()
            if lowered not in found:
                found.append(lowered)
    return tuple(found)


def normalise_relpath(path: str) -> str | None:
    """A workspace-relative path in posix form, or ``None`` if it is absolute or climbs out."""
    text = path.replace("\\", "/").strip()
    if not text or text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return None
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def parse_loop_artifacts(
    data: bytes, *, origin: str, task_run_id: str, loop_id: int
) -> tuple[tuple[RegistryFile, ...], tuple[str, ...]]:
    """Files with a SHA-256 from the artifacts route, and notes on what was ignored.

    This feed is optional (the registry may be off), so a response we cannot read is a note,
    not a refusal; only files with a 64-hex ``sha256`` and a safe relative path are kept.
    """
    try:
        document = _as_object(load_json_bytes(data, origin=origin))
    except CatalogFormatError as exc:
        return (), (f"{origin}: ignored ({exc.what})",)
    artifacts = document.get("artifacts") if document is not None else None
    if not isinstance(artifacts, list):
        return (), (f"{origin}: ignored (no 'artifacts' list)",)
    files: list[RegistryFile] = []
    notes: list[str] = []
    for artifact in artifacts:
        art = _as_object(artifact)
        if art is None:
            continue
        art_ws = art.get("workspace_id")
        hint_texts = [str(art.get("entry_path") or ""), json.dumps(art.get("summary") or {})]
        artifact_type = art.get("artifact_type")
        listed = art.get("files")
        for item in listed if isinstance(listed, list) else []:
            file = _as_object(item)
            if file is None:
                continue
            path, sha = file.get("path"), file.get("sha256")
            if not isinstance(path, str) or not isinstance(sha, str) or not _SHA256.match(sha):
                continue
            relpath = normalise_relpath(path)
            if relpath is None:
                notes.append(f"{origin}: ignored file {path!r} (not a workspace-relative path)")
                continue
            size = file.get("size_bytes")
            file_ws = file.get("workspace_id")
            workspace_id = (
                file_ws if isinstance(file_ws, str) else art_ws if isinstance(art_ws, str) else None
            )
            files.append(
                RegistryFile(
                    task_run_id=task_run_id,
                    loop_id=loop_id,
                    workspace_id=workspace_id.lower() if workspace_id else None,
                    workspace_hint=workspace_ids_in([*hint_texts, path]),
                    relpath=relpath,
                    sha256=sha.lower(),
                    size_bytes=size if isinstance(size, int) and not isinstance(size, bool) else None,
                    artifact_type=artifact_type if isinstance(artifact_type, str) else None,
                )
            )
    return tuple(files), tuple(notes)


# --- bundles ---------------------------------------------------------------------------------


def parse_bundle_manifest(data: bytes, *, origin: str) -> BundleManifest:
    """A bundle's ``manifest.json``; refused whole if its ids are missing or unsafe.

    ``asset_bundle_id`` becomes a directory name under the workstation home, so it must be a
    plain name (RD-Agent writes a dashed uuid4) — never a path.
    """
    document = _as_object(load_json_bytes(data, origin=origin))
    if document is None:
        raise _malformed(origin, "the top level is not a JSON object")
    version = document.get("schema_version")
    if version != BUNDLE_SCHEMA_VERSION:
        raise _malformed(origin, f"schema_version {version!r} is not {BUNDLE_SCHEMA_VERSION}")
    try:
        bundle_id = _req_str(document, "asset_bundle_id")
        manifest = BundleManifest(
            schema_version=BUNDLE_SCHEMA_VERSION,
            asset_bundle_id=bundle_id,
            task_run_id=_req_str(document, "task_run_id"),
            loop_id=_req_int(document, "loop_id"),
            primary_workspace_id=_req_str(document, "primary_workspace_id"),
            primary_assets=_opt_object(document, "primary_assets") or {},
            raw=document,
        )
    except _EntryError as exc:
        raise _malformed(origin, str(exc)) from exc
    if not _BUNDLE_ID.match(bundle_id):
        raise _malformed(origin, f"asset_bundle_id {bundle_id!r} is not a plain name")
    return manifest
