"""Reading the imported RD-Agent catalog: loops, models, strategies, factors, file hashes.

This is the read side the model runtime, the CLI and the window use; it never writes. Rows
come back as frozen records with their JSON columns decoded, so callers never see storage
details. Local paths are resolved here, at read time, through the saved path map — the
catalog itself keeps RD-Agent's raw paths, so a new map applies without a re-import.

Loops are keyed by (task_run_id, loop_id, workspace_id) because RD-Agent's catalog has one
row per loop × workspace. People name a loop by (task_run_id, loop_id); :meth:`find_loop`
picks the workspace that holds the model when that is unambiguous and otherwise refuses with
the candidates listed, rather than guessing which workspace's model a trader runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from aistock.core.errors import AistockError
from aistock.rdagent.catalog.contracts import JsonObject, headline_metric, loop_consumability, loop_key
from aistock.rdagent.catalog.pathmap import PathMap, RdagentSettings, workspace_candidates
from aistock.store.jsontypes import JsonValue, load_json
from aistock.store.store import Store
from aistock.store.tables import (
    RdagentArtifactFile,
    RdagentBundle,
    RdagentFactor,
    RdagentLoop,
    RdagentModel,
    RdagentStrategy,
    RdagentSyncRun,
)


class LoopNotFoundError(AistockError):
    """No imported loop matches the ids given."""


class AmbiguousLoopError(AistockError):
    """Several workspaces of one loop qualify; the caller must name the workspace."""


def _object(text: str, what: str) -> JsonObject:
    value = load_json(text, what=what)
    return value if isinstance(value, dict) else {}


def _str_tuple(text: str, what: str) -> tuple[str, ...]:
    value = load_json(text, what=what)
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


@dataclass(frozen=True)
class LoopRecord:
    """One imported loop × workspace; ``workspace_path``/``log_dir`` are RD-Agent's raw paths."""

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
    """Cleaned: stripped keys, junk recovered, null → ``None``, headline fields merged in."""
    paths: JsonObject
    decision: bool | None
    raw: JsonObject
    updated_at: datetime | None = None

    @property
    def key(self) -> str:
        """``task_run_id/loop_id/workspace_id``."""
        return loop_key(self.task_run_id, self.loop_id, self.workspace_id)

    @property
    def consumable(self) -> bool:
        """Whether the loop may be used (RD-Agent materialized it: ``materialization_status == "done"``)."""
        return loop_consumability(self.materialization_status)[0]

    @property
    def consumable_reason(self) -> str:
        return loop_consumability(self.materialization_status)[1]

    @property
    def annualized_return(self) -> float | None:
        """The headline annualized excess return (without cost, as RD-Agent's catalog reports it)."""
        return headline_metric(self.metrics, "annualized_return")

    @property
    def model_files(self) -> tuple[str, ...]:
        """``paths.model_files`` (basenames or workspace-relative paths)."""
        listed = self.paths.get("model_files")
        return tuple(item for item in listed if isinstance(item, str)) if isinstance(listed, list) else ()

    @property
    def has_model_paths(self) -> bool:
        """The catalog points at a model: ``paths.model_files`` or ``paths.mlruns`` is non-empty."""
        return bool(self.model_files) or bool(self.paths.get("mlruns"))


@dataclass(frozen=True)
class ModelRecord:
    """One imported ``model_catalog`` entry."""

    model_id: str
    task_run_id: str | None
    loop_id: int | None
    workspace_id: str | None
    model_type: str | None
    model_config: JsonObject
    dataset_config: JsonObject
    feature_schema: JsonValue
    flattened_feature_list: tuple[str, ...] | None
    model_artifacts: JsonObject
    raw: JsonObject


@dataclass(frozen=True)
class StrategyRecord:
    """One imported ``strategy_catalog`` entry."""

    strategy_id: str
    action: str | None
    step_name: str | None
    portfolio_config: JsonObject | None
    raw: JsonObject

    @property
    def template_files(self) -> tuple[str, ...]:
        listed = self.raw.get("template_files")
        return tuple(item for item in listed if isinstance(item, str)) if isinstance(listed, list) else ()


@dataclass(frozen=True)
class FactorRecord:
    """One imported factor (factor catalog or alpha meta file)."""

    name: str
    source: str
    expression: str | None
    description: str | None
    tags: tuple[str, ...]
    raw: JsonObject

    def _text(self, key: str) -> str | None:
        value = self.raw.get(key)
        return value if isinstance(value, str) and value else None

    @property
    def formula_hint(self) -> str | None:
        return self._text("formula_hint")

    @property
    def impl_module(self) -> str | None:
        return self._text("impl_module")

    @property
    def impl_func(self) -> str | None:
        return self._text("impl_func")

    @property
    def impl_version(self) -> str | None:
        return self._text("impl_version")


@dataclass(frozen=True)
class SyncRunRecord:
    """One entry of the sync history."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    origin_kind: str
    origin_location: str
    status: str
    counts: JsonObject
    message: str


@dataclass(frozen=True)
class BundleRecord:
    """A solidified bundle stored on this machine."""

    asset_bundle_id: str
    task_run_id: str
    loop_id: int
    primary_workspace_id: str
    local_dir: Path
    manifest: JsonObject


def _loop_record(row: RdagentLoop) -> LoopRecord:
    what = f"rdagent_loop {loop_key(row.task_run_id, row.loop_id, row.workspace_id)}"
    metrics_raw = _object(row.metrics_json, what)
    metrics = {
        key: (float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None)
        for key, value in metrics_raw.items()
    }
    return LoopRecord(
        task_run_id=row.task_run_id,
        loop_id=row.loop_id,
        workspace_id=row.workspace_id,
        workspace_path=row.workspace_path,
        log_dir=row.log_dir,
        action=row.action,
        status=row.status,
        has_result=row.has_result,
        materialization_status=row.materialization_status,
        is_solidified=row.is_solidified,
        asset_bundle_id=row.asset_bundle_id,
        strategy_id=row.strategy_id,
        factor_names=_str_tuple(row.factor_names_json, what),
        metrics=metrics,
        paths=_object(row.paths_json, what),
        decision=row.decision,
        raw=_object(row.raw_json, what),
        updated_at=row.updated_at,
    )


def _model_record(row: RdagentModel) -> ModelRecord:
    what = f"rdagent_model {row.model_id}"
    features = load_json(row.flattened_feature_list_json, what=what)
    return ModelRecord(
        model_id=row.model_id,
        task_run_id=row.task_run_id,
        loop_id=row.loop_id,
        workspace_id=row.workspace_id,
        model_type=row.model_type,
        model_config=_object(row.model_config_json, what),
        dataset_config=_object(row.dataset_config_json, what),
        feature_schema=load_json(row.feature_schema_json, what=what),
        flattened_feature_list=(
            tuple(item for item in features if isinstance(item, str)) if isinstance(features, list) else None
        ),
        model_artifacts=_object(row.model_artifacts_json, what),
        raw=_object(row.raw_json, what),
    )


def _factor_record(row: RdagentFactor) -> FactorRecord:
    what = f"rdagent_factor {row.source}/{row.name}"
    return FactorRecord(
        name=row.name,
        source=row.source,
        expression=row.expression,
        description=row.description,
        tags=_str_tuple(row.tags_json, what),
        raw=_object(row.raw_json, what),
    )


class RdagentRepository:
    """Read access to the RD-Agent catalog of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._settings = RdagentSettings(store)

    # --- loops ---

    def loops(self, consumable_only: bool = False) -> list[LoopRecord]:
        """Every imported loop workspace, by (task_run_id, loop_id, workspace_id)."""
        with self._store.session() as session:
            rows = session.exec(
                select(RdagentLoop).order_by(
                    col(RdagentLoop.task_run_id), col(RdagentLoop.loop_id), col(RdagentLoop.workspace_id)
                )
            ).all()
        records = [_loop_record(row) for row in rows]
        return [record for record in records if record.consumable] if consumable_only else records

    def find_loop(self, task_run_id: str, loop_id: int, workspace_id: str | None = None) -> LoopRecord:
        """The loop named by its ids; without ``workspace_id``, the one workspace holding a model.

        Raises :class:`LoopNotFoundError` for an unknown loop and :class:`AmbiguousLoopError`
        (listing the candidate workspace ids) when several workspaces qualify.
        """
        statement = select(RdagentLoop).where(
            col(RdagentLoop.task_run_id) == task_run_id, col(RdagentLoop.loop_id) == loop_id
        )
        if workspace_id is not None:
            statement = statement.where(col(RdagentLoop.workspace_id) == workspace_id)
        with self._store.session() as session:
            rows = session.exec(statement.order_by(col(RdagentLoop.workspace_id))).all()
            model_workspaces = set(
                session.exec(
                    select(RdagentModel.workspace_id).where(
                        col(RdagentModel.task_run_id) == task_run_id, col(RdagentModel.loop_id) == loop_id
                    )
                ).all()
            )
        named = f"{task_run_id}/{loop_id}" + (f"/{workspace_id}" if workspace_id else "")
        if not rows:
            raise LoopNotFoundError(
                f"loop {named} is not in the imported RD-Agent catalog",
                "run `aistock sync --from <RD-Agent dir|URL|ZIP>` first, and check the ids with "
                "`aistock rdagent loops --all`",
            )
        records = [_loop_record(row) for row in rows]
        if len(records) == 1:
            return records[0]
        with_model = [r for r in records if r.has_model_paths or r.workspace_id in model_workspaces]
        if len(with_model) == 1:
            return with_model[0]
        candidates = with_model or records
        raise AmbiguousLoopError(
            f"loop {named} has {len(candidates)} workspaces that could hold its model: "
            + ", ".join(r.workspace_id for r in candidates),
            "name the workspace too, as TASK_RUN_ID/LOOP_ID/WORKSPACE_ID (see `aistock rdagent loops --all`)",
        )

    # --- models, strategies, factors ---

    def model_for(self, loop: LoopRecord) -> ModelRecord | None:
        """The model catalog entry of the loop's workspace (the most recently synced one)."""
        with self._store.session() as session:
            row = session.exec(
                select(RdagentModel)
                .where(
                    col(RdagentModel.task_run_id) == loop.task_run_id,
                    col(RdagentModel.loop_id) == loop.loop_id,
                    col(RdagentModel.workspace_id) == loop.workspace_id,
                )
                .order_by(col(RdagentModel.last_seen_run).desc(), col(RdagentModel.updated_at).desc())
            ).first()
        return None if row is None else _model_record(row)

    def strategy(self, strategy_id: str) -> StrategyRecord | None:
        with self._store.session() as session:
            row = session.get(RdagentStrategy, strategy_id)
        if row is None:
            return None
        what = f"rdagent_strategy {strategy_id}"
        portfolio = load_json(row.portfolio_config_json, what=what)
        return StrategyRecord(
            strategy_id=row.strategy_id,
            action=row.action,
            step_name=row.step_name,
            portfolio_config=portfolio if isinstance(portfolio, dict) else None,
            raw=_object(row.raw_json, what),
        )

    def factors(self) -> list[FactorRecord]:
        """Every imported factor, by source then name."""
        with self._store.session() as session:
            rows = session.exec(
                select(RdagentFactor).order_by(col(RdagentFactor.source), col(RdagentFactor.name))
            ).all()
        return [_factor_record(row) for row in rows]

    def factor(self, name: str, source: str | None = None) -> FactorRecord | None:
        """A factor by name (and source: the same name can exist in Alpha158 and RD-Agent's own)."""
        statement = select(RdagentFactor).where(col(RdagentFactor.name) == name)
        if source is not None:
            statement = statement.where(col(RdagentFactor.source) == source)
        with self._store.session() as session:
            row = session.exec(statement.order_by(col(RdagentFactor.source))).first()
        return None if row is None else _factor_record(row)

    # --- files ---

    def expected_sha256(self, loop: LoopRecord, relpath: str) -> tuple[str, str] | None:
        """(sha256, origin) recorded for a workspace file; origin is ``registry`` or ``pinned``."""
        normalised = Path(relpath.replace("\\", "/")).as_posix()
        with self._store.session() as session:
            row = session.exec(
                select(RdagentArtifactFile).where(
                    col(RdagentArtifactFile.task_run_id) == loop.task_run_id,
                    col(RdagentArtifactFile.loop_id) == loop.loop_id,
                    col(RdagentArtifactFile.workspace_id) == loop.workspace_id,
                    col(RdagentArtifactFile.relpath) == normalised,
                )
            ).first()
        return None if row is None else (row.sha256, row.origin)

    def path_map(self) -> PathMap:
        return self._settings.path_map()

    def trusted_roots(self) -> list[Path]:
        """The only directories model files may be loaded from."""
        return self._settings.roots()

    def is_trusted(self, path: Path) -> bool:
        """Whether ``path`` (resolved) lies under a trusted root."""
        return self._settings.is_trusted(path)

    def bundles(self) -> list[BundleRecord]:
        with self._store.session() as session:
            rows = session.exec(select(RdagentBundle).order_by(col(RdagentBundle.synced_at))).all()
        return [
            BundleRecord(
                asset_bundle_id=row.asset_bundle_id,
                task_run_id=row.task_run_id,
                loop_id=row.loop_id,
                primary_workspace_id=row.primary_workspace_id,
                local_dir=Path(row.local_dir),
                manifest=_object(row.manifest_json, f"rdagent_bundle {row.asset_bundle_id}"),
            )
            for row in rows
        ]

    def local_workspace(self, loop: LoopRecord) -> Path | None:
        """The loop's workspace directory on this machine, or ``None`` if none is there.

        Tried in order: the raw ``workspace_path`` through the path map; the workspace id under
        each path-map target and trusted root (older exports record no path); then a stored
        bundle's ``workspaces/<ws>`` — the loop's ``asset_bundle_id`` first, then any bundle of
        the same (task_run_id, loop_id).
        """
        path_map = self._settings.path_map()
        roots = self._settings.roots()
        for candidate in workspace_candidates(loop.workspace_id, loop.workspace_path, path_map, roots):
            if candidate.is_dir():
                return candidate
        bundles = self.bundles()
        ordered = [b for b in bundles if b.asset_bundle_id == loop.asset_bundle_id] + [
            b
            for b in bundles
            if b.asset_bundle_id != loop.asset_bundle_id
            and (b.task_run_id, b.loop_id) == (loop.task_run_id, loop.loop_id)
        ]
        for bundle in ordered:
            candidate = bundle.local_dir / "workspaces" / loop.workspace_id
            if candidate.is_dir():
                return candidate
        return None

    # --- history ---

    def runs(self, limit: int = 20) -> list[SyncRunRecord]:
        """The most recent syncs, newest first (refused ones included)."""
        with self._store.session() as session:
            rows = session.exec(
                select(RdagentSyncRun).order_by(col(RdagentSyncRun.id).desc()).limit(limit)
            ).all()
        return [
            SyncRunRecord(
                id=row.id or 0,
                started_at=row.started_at,
                finished_at=row.finished_at,
                origin_kind=row.origin_kind,
                origin_location=row.origin_location,
                status=row.status,
                counts=_object(row.counts_json, f"rdagent_sync_run {row.id}"),
                message=row.message,
            )
            for row in rows
        ]
