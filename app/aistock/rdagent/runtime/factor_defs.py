"""Find how to recompute each stored RD-Agent factor a model was trained on.

A factor loop's extra columns come from ``combined_factors_df.parquet``, a file computed on
RD-Agent's data. Reading that file back would only reproduce RD-Agent's past, never a new
trading day, so each column is recomputed from its definition:

1. a qlib expression — a ``factor_meta.json`` (or factor catalog) entry whose ``expression``
   parses and reads only fields our data has — is computed by the FactorEngine;
2. otherwise a ``calculate_<name>()`` function in a ``.py`` file of the loop's workspaces
   (RD-Agent keeps each factor's code in a sub-workspace of the loop) is run by
   :mod:`pyfactor`;
3. otherwise the factor cannot be reproduced and the loop is refused, naming the factor.

RD-Agent's ``formula_hint`` is usually LaTeX, which step 1 rejects without fuss.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aistock.core.errors import AistockError
from aistock.factors.expression import fields_of
from aistock.factors.parser import parse
from aistock.rdagent.runtime.pyfactor import FactorSource, factor_functions

DEFAULT_LOOKBACK_DAYS = 10


class FactorDefinitionError(AistockError):
    """A stored factor with no definition the workstation can compute."""


@dataclass(frozen=True)
class StaticFactor:
    """How to recompute one stored factor column."""

    name: str
    expression: str | None
    code: FactorSource | None
    lookback_days: int


def factor_meta_entries(dirs: Iterable[Path]) -> list[dict[str, Any]]:
    """Every factor entry of the ``factor_meta.json`` files in ``dirs`` (unreadable files skipped)."""
    entries: list[dict[str, Any]] = []
    for directory in dirs:
        path = directory / "factor_meta.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        factors = data.get("factors") if isinstance(data, dict) else None
        if isinstance(factors, list):
            entries.extend(f for f in factors if isinstance(f, dict) and isinstance(f.get("name"), str))
    return entries


def _qlib_expression(entry: Mapping[str, Any], known_fields: set[str]) -> str | None:
    for key in ("expression", "formula_hint"):
        text = entry.get(key)
        if not isinstance(text, str) or "$" not in text:
            continue
        try:
            tree = parse(text)
        except AistockError:
            continue
        if {f.lower() for f in fields_of(tree)} <= known_fields:
            return text
    return None


def _lookback(entry: Mapping[str, Any] | None, name: str) -> int:
    schema = entry.get("input_schema") if entry else None
    if (
        isinstance(schema, dict)
        and isinstance(schema.get("lookback_days"), int)
        and schema["lookback_days"] > 0
    ):
        return int(schema["lookback_days"])
    match = re.search(r"(\d+)D", name)
    return int(match.group(1)) if match else DEFAULT_LOOKBACK_DAYS


def _code_index(dirs: Iterable[Path]) -> dict[str, FactorSource]:
    found: dict[str, FactorSource] = {}
    for directory in dirs:
        for path in sorted(directory.glob("*.py")):
            try:
                functions = factor_functions(path.read_text(encoding="utf-8"))
            except (OSError, SyntaxError, UnicodeDecodeError):
                continue
            for function in functions:
                found.setdefault(function.removeprefix("calculate_"), FactorSource(path, function))
    return found


def resolve_static_factors(
    names: Sequence[str],
    entries: Sequence[Mapping[str, Any]],
    code_dirs: Sequence[Path],
    known_fields: set[str],
    loop_key: str,
) -> list[StaticFactor]:
    """A recipe for every stored column ``names``, or a refusal naming those without one."""
    by_name: dict[str, Mapping[str, Any]] = {}
    for item in entries:
        by_name.setdefault(str(item["name"]), item)
    code = _code_index(code_dirs)
    recipes: list[StaticFactor] = []
    missing: list[str] = []
    for name in names:
        entry: Mapping[str, Any] | None = by_name.get(name)
        expression = _qlib_expression(entry, known_fields) if entry else None
        source = None if expression else code.get(name)
        if expression is None and source is None:
            missing.append(name)
            continue
        recipes.append(StaticFactor(name, expression, source, _lookback(entry, name)))
    if missing:
        searched = ", ".join(str(d) for d in code_dirs) or "no workspace"
        raise FactorDefinitionError(
            f"loop {loop_key} was trained on stored factors the workstation cannot recompute: "
            f"{', '.join(missing)} (no qlib expression in factor_meta and no calculate_<name>() "
            f"in {searched})",
            "sync the loop's factor sub-workspaces (their factor.py) or its bundle, then try again",
        )
    return recipes
