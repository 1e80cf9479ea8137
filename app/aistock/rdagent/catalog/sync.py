"""Importing RD-Agent's exports into the store: parse everything, then write once.

``CatalogSync(store).run(source)`` is the whole of ``aistock sync``. Its order is the design:

1. **Read** the source into raw bytes (:mod:`.sources`).
2. **Parse everything** (:mod:`.contracts`) — catalogs, alpha meta files, the incremental
   feed, bundle manifests and their members. A malformed file refuses the run *here*, before
   anything was written; the refusal is recorded in ``rdagent_sync_run`` in a transaction of
   its own (so the history says why nothing changed) and raised.
3. **Store bundles** on disk (atomically, see :func:`.sources.extract_bundle`).
4. **Upsert** every catalog, the file hashes, the bundles and the settings in **one**
   transaction, so a crash leaves either the old catalog or the new one, never a mix.
5. Only then **confirm** bundles to RD-Agent (``POST /ops/sync-confirm``): a bundle is
   confirmed only once it is stored here.

A catalog export is a full snapshot, imported with upsert semantics: an entry absent from a
snapshot is kept (RD-Agent's loop export filters on solidification, so "absent" often means
"filtered", not "deleted"). Each entry is counted as added, changed (its raw JSON differs),
unchanged or rejected (with the reason), and the same snapshot imported twice gives zero
added and zero changed.

File hashes are what later makes loading a model pickle safe. The registry's SHA-256 (from the
results API) always wins. Otherwise the first sync that can see a loop's model files *pins*
their hash; a pinned hash is re-taken only when the loop's catalog entry changed, so a file
swapped behind the catalog's back is caught at load time rather than silently re-pinned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlmodel import Session, select

from aistock.core.errors import AistockError
from aistock.rdagent.catalog.contracts import (
    CATALOG_FILES,
    CATALOG_NAMES,
    BadEntry,
    BundleManifest,
    CatalogFormatError,
    CatalogName,
    FactorEntry,
    JsonObject,
    LoopEntry,
    ModelEntry,
    RegistryFile,
    StrategyEntry,
    loop_consumability,
    loop_entry_from_incremental,
    loop_key,
    normalise_relpath,
    parse_alpha_meta,
    parse_bundle_manifest,
    parse_factor_catalog,
    parse_incremental,
    parse_loop_artifacts,
    parse_loop_catalog,
    parse_model_catalog,
    parse_strategy_catalog,
)
from aistock.rdagent.catalog.pathmap import (
    PATH_MAP_KEY,
    ROOTS_KEY,
    PathMap,
    RdagentSettings,
    add_roots,
    infer_path_map,
    roots_to_json,
    upsert_setting,
    workspace_candidates,
)
from aistock.rdagent.catalog.sources import (
    CatalogSource,
    CatalogSourceError,
    LocalBundle,
    RawBundle,
    Snapshot,
    check_bundle_members,
    extract_bundle,
    open_source,
    sha256_file,
)
from aistock.store.jsontypes import JsonInput, JsonValue, dump_json
from aistock.store.settings import SettingsRepository
from aistock.store.store import Store
from aistock.store.tables import (
    RdagentArtifactFile,
    RdagentBundle,
    RdagentFactor,
    RdagentLoop,
    RdagentModel,
    RdagentStrategy,
    RdagentSyncItem,
    RdagentSyncRun,
    utc_now,
)

CURSOR_KEY = "rdagent.incremental_cursor"
"""Setting: ``{base_url: last updated_at_utc seen}`` for ``/catalog/incremental``."""

WEIGHT_SUFFIXES = (".pkl", ".joblib", ".bin", ".onnx", ".pt", ".pth")
"""``model.<suffix>`` at a workspace root is a weight file (RD-Agent's own loop filter)."""

MLRUNS_ARTIFACTS = ("params.pkl", "dataset")
"""Files under ``mlruns/**/artifacts/`` that the model runtime loads (pickles, so hashed)."""

REPORT_CATALOGS: tuple[str, ...] = (*CATALOG_NAMES, "bundles")

SyncProgress = Callable[[float, str], None]
"""``progress(fraction, stage)``: told between the stages of a sync (the window's progress bar).

It may raise to cancel the sync. It is only called *before* the one write transaction, so a
cancelled sync records nothing in the database (a bundle already extracted into the home stays
there and is reused by the next sync).
"""

STAGE_OPEN = "opening the source"
STAGE_READ = "reading the catalogs"
STAGE_BUNDLES = "storing bundles"
STAGE_WRITE = "writing the catalog"
SYNC_STAGES: tuple[str, ...] = (STAGE_OPEN, STAGE_READ, STAGE_BUNDLES, STAGE_WRITE)
"""The ``stage`` texts :data:`SyncProgress` hears, in order (a window words them in its language)."""


def bundles_dir(store: Store) -> Path:
    """Where extracted bundles live: ``<home>/rdagent/bundles/<asset_bundle_id>/``."""
    return store.home.root / "rdagent" / "bundles"


# --- the report ------------------------------------------------------------------------------


@dataclass
class CatalogCounts:
    """What a sync did to one catalog."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }

    @property
    def total(self) -> int:
        return self.added + self.changed + self.unchanged + self.rejected


@dataclass(frozen=True)
class SyncItemReport:
    """One entry's outcome: ``added``, ``changed``, ``unchanged`` or ``rejected`` (with a reason)."""

    catalog: str
    key: str
    outcome: str
    reason: str | None = None


@dataclass(frozen=True)
class SyncReport:
    """The result of one sync, for the CLI and the window."""

    run_id: int
    kind: str
    location: str
    status: str
    """``ok``, or ``partial`` when entries were rejected."""
    counts: Mapping[str, CatalogCounts]
    items: tuple[SyncItemReport, ...]
    missing_catalogs: tuple[str, ...]
    warnings: tuple[str, ...]
    path_map: PathMap
    trusted_roots: tuple[Path, ...]
    new_roots: tuple[Path, ...]
    repo_root: Path | None
    bundles_stored: tuple[str, ...]
    bundles_confirmed: tuple[str, ...]
    registry_files: int
    pinned_files: int

    @property
    def rejected(self) -> tuple[SyncItemReport, ...]:
        return tuple(item for item in self.items if item.outcome == "rejected")

    @property
    def added(self) -> int:
        return sum(c.added for c in self.counts.values())

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.counts.values())

    def summary(self) -> str:
        """A plain-text account: counts per catalog, rejected entries with reasons, warnings."""
        lines = [f"RD-Agent sync #{self.run_id} from {self.kind} {self.location}: {self.status}"]
        for name in REPORT_CATALOGS:
            counts = self.counts[name]
            if name in self.missing_catalogs and counts.total == 0:
                lines.append(f"  {name:<10} not exported")
                continue
            lines.append(
                f"  {name:<10} added {counts.added}, changed {counts.changed}, "
                f"unchanged {counts.unchanged}, rejected {counts.rejected}"
            )
        if self.rejected:
            lines.append("Rejected (skipped):")
            lines += [f"  {item.catalog} {item.key}: {item.reason}" for item in self.rejected]
        if self.warnings:
            lines.append("Warnings:")
            lines += [f"  {warning}" for warning in self.warnings]
        if self.path_map.rules:
            lines.append("Path map:")
            lines += [f"  {source} -> {target}" for source, target in self.path_map.rules]
        if self.trusted_roots:
            lines.append("Trusted roots (model files load only from these):")
            lines += [f"  {root}{' (new)' if root in self.new_roots else ''}" for root in self.trusted_roots]
        if self.registry_files or self.pinned_files:
            lines.append(
                f"File hashes: {self.registry_files} from RD-Agent's registry, {self.pinned_files} pinned now"
            )
        return "\n".join(lines)


# --- parsing ---------------------------------------------------------------------------------


@dataclass
class _Parsed:
    """A snapshot after parsing: entries to upsert and everything to report."""

    factors: dict[str, FactorEntry] = field(default_factory=dict)
    strategies: list[StrategyEntry] = field(default_factory=list)
    loops: list[LoopEntry] = field(default_factory=list)
    models: list[ModelEntry] = field(default_factory=list)
    bad: list[BadEntry] = field(default_factory=list)
    registry_files: list[RegistryFile] = field(default_factory=list)
    bundles: list[tuple[RawBundle, BundleManifest, bytes]] = field(default_factory=list)
    local_bundles: list[tuple[LocalBundle, BundleManifest]] = field(default_factory=list)
    missing: list[CatalogName] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cursor: str | None = None


def _parse(snapshot: Snapshot) -> _Parsed:
    """Parse every file of the snapshot; a malformed one raises :class:`CatalogFormatError`."""
    parsed = _Parsed()
    for meta in snapshot.alpha_meta:  # alpha meta first: the factor catalog's copy wins
        alpha = parse_alpha_meta(meta.data, origin=meta.origin)
        parsed.factors.update((entry.key, entry) for entry in alpha.entries)
        parsed.bad += alpha.bad
    for name in CATALOG_NAMES:
        raw = snapshot.catalogs.get(name)
        if raw is None:
            parsed.missing.append(name)
            continue
        if name == "factors":
            factors = parse_factor_catalog(raw.data, origin=raw.origin)
            parsed.factors.update((entry.key, entry) for entry in factors.entries)
            parsed.bad += factors.bad
        elif name == "strategies":
            strategies = parse_strategy_catalog(raw.data, origin=raw.origin)
            parsed.strategies, parsed.bad = list(strategies.entries), parsed.bad + list(strategies.bad)
        elif name == "loops":
            loops = parse_loop_catalog(raw.data, origin=raw.origin)
            parsed.loops, parsed.bad = list(loops.entries), parsed.bad + list(loops.bad)
        else:
            models = parse_model_catalog(raw.data, origin=raw.origin)
            parsed.models, parsed.bad = list(models.entries), parsed.bad + list(models.bad)
    if snapshot.alpha_meta and "factors" in parsed.missing:
        parsed.missing.remove("factors")

    manifests: dict[str, BundleManifest] = {}
    for bundle in snapshot.bundles:
        check_bundle_members(bundle)
        manifest_bytes = bundle.manifest_bytes()
        manifest = parse_bundle_manifest(
            manifest_bytes, origin=f"{bundle.origin} ({bundle.prefix}manifest.json)"
        )
        parsed.bundles.append((bundle, manifest, manifest_bytes))
        manifests[manifest.asset_bundle_id] = manifest
    for local in snapshot.local_bundles:
        try:
            manifest = parse_bundle_manifest(local.manifest.data, origin=local.manifest.origin)
        except CatalogFormatError as exc:
            parsed.warnings.append(f"bundle directory {local.directory} skipped: {exc.what}")
            continue
        parsed.local_bundles.append((local, manifest))
        manifests.setdefault(manifest.asset_bundle_id, manifest)

    _merge_incremental(snapshot, parsed, manifests)
    _attribute_registry_files(snapshot, parsed)
    return parsed


def _merge_incremental(snapshot: Snapshot, parsed: _Parsed, manifests: Mapping[str, BundleManifest]) -> None:
    """Add solidified loops from the incremental feed that the loop catalog does not list."""
    known = {entry.key for entry in parsed.loops}
    for page in snapshot.incremental:
        feed = parse_incremental(page.data, origin=page.origin)
        parsed.bad += feed.bad
        if feed.cursor and (parsed.cursor is None or feed.cursor > parsed.cursor):
            parsed.cursor = feed.cursor
        for row in feed.loops:
            manifest = manifests.get(row.asset_bundle_id or "")
            workspace_id = manifest.primary_workspace_id if manifest is not None else row.best_workspace_id
            if workspace_id is None:
                parsed.bad.append(
                    BadEntry(
                        "loops",
                        -1,
                        f"{row.task_run_id}/{row.loop_id}/?",
                        "incremental row names no workspace (no bundle manifest, no best_workspace_id)",
                        feed.origin,
                    )
                )
                continue
            entry = loop_entry_from_incremental(row, workspace_id)
            if entry.key not in known:
                parsed.loops.append(entry)
                known.add(entry.key)


def _attribute_registry_files(snapshot: Snapshot, parsed: _Parsed) -> None:
    """Give each registry-hashed file its workspace (the artifacts route names none)."""
    workspaces: dict[tuple[str, int], set[str]] = {}
    for loop in parsed.loops:
        workspaces.setdefault((loop.task_run_id, loop.loop_id), set()).add(loop.workspace_id.lower())
    unplaced = 0
    for listing in snapshot.artifacts:
        files, notes = parse_loop_artifacts(
            listing.data, origin=listing.origin, task_run_id=listing.task_run_id, loop_id=listing.loop_id
        )
        parsed.warnings += notes
        candidates = workspaces.get((listing.task_run_id, listing.loop_id), set())
        for file in files:
            workspace_id = file.workspace_id
            if workspace_id is None:
                hinted = [ws for ws in file.workspace_hint if ws in candidates]
                if len(hinted) == 1:
                    workspace_id = hinted[0]
                elif len(candidates) == 1:
                    workspace_id = next(iter(candidates))
            if workspace_id is None:
                unplaced += 1
                continue
            parsed.registry_files.append(
                RegistryFile(
                    task_run_id=file.task_run_id,
                    loop_id=file.loop_id,
                    workspace_id=workspace_id,
                    workspace_hint=file.workspace_hint,
                    relpath=file.relpath,
                    sha256=file.sha256,
                    size_bytes=file.size_bytes,
                    artifact_type=file.artifact_type,
                )
            )
    if unplaced:
        parsed.warnings.append(
            f"{unplaced} registry file hashes could not be tied to one workspace (the loop has several); "
            "those files will be pinned locally instead"
        )


# --- helpers ---------------------------------------------------------------------------------


def _json(value: JsonInput, what: str) -> str:
    return dump_json(value, what=what)


class _Outcome(Protocol):
    """How each upsert reports an entry's outcome back to the run."""

    def __call__(self, catalog: str, key: str, result: str, reason: str | None = None) -> None: ...


def _classify(
    existing: RdagentFactor | RdagentStrategy | RdagentLoop | RdagentModel | None, raw_json: str
) -> str:
    """added / changed / unchanged, by the entry's raw JSON (the only thing RD-Agent controls)."""
    if existing is None:
        return "added"
    return "unchanged" if existing.raw_json == raw_json else "changed"


def _note_counts(notes: Iterable[str]) -> list[str]:
    """Repeated tolerance notes collapsed into one line each ("8 loops: ...")."""
    counter = Counter(notes)
    return [f"{count} loop{'s' if count > 1 else ''}: {note}" for note, count in counter.most_common()]


def _weight_files(workspace: Path, loop: LoopEntry, model: ModelEntry | None) -> list[str]:
    """Workspace-relative paths of the files a model runtime would unpickle or load."""
    found: list[str] = []

    def add(path: Path) -> None:
        if path.is_file() and not path.is_symlink():
            relative = path.relative_to(workspace).as_posix()
            if relative not in found:
                found.append(relative)

    names: list[str] = []
    listed = loop.paths.get("model_files")
    if isinstance(listed, list):
        names += [item for item in listed if isinstance(item, str)]
    if model is not None:
        listed = model.model_artifacts.get("model_files")
        if isinstance(listed, list):
            names += [item for item in listed if isinstance(item, str)]
    mlruns = workspace / "mlruns"
    for name in names:
        relative = normalise_relpath(name)
        if relative is None:
            continue
        if (workspace / relative).is_file():
            add(workspace / relative)
        elif "/" not in relative and mlruns.is_dir():
            # A basename ("params.pkl") that really lives in mlruns/<exp>/<run>/artifacts/.
            for match in sorted(mlruns.rglob(relative)):
                if match.parent.name == "artifacts":
                    add(match)
    for suffix in WEIGHT_SUFFIXES:
        add(workspace / f"model{suffix}")
    if mlruns.is_dir():
        for name in MLRUNS_ARTIFACTS:
            for match in sorted(mlruns.rglob(name)):
                if match.parent.name == "artifacts":
                    add(match)
    return found


# --- the sync --------------------------------------------------------------------------------


class CatalogSync:
    """Imports RD-Agent exports into one store (see the module docstring for the guarantees)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def run(
        self,
        source: CatalogSource | str | Path,
        path_map: PathMap | None = None,
        progress: SyncProgress | None = None,
    ) -> SyncReport:
        """Sync from ``source`` (a source object, or what ``--from`` names).

        ``path_map`` holds explicit ``--map`` rules: they are saved (winning over inferred
        ones) and their target directories become trusted roots. ``progress`` hears the stages
        (see :data:`SyncProgress`); an exception it raises stops the sync before anything is
        written. Raises :class:`CatalogFormatError` (malformed file) or
        :class:`CatalogSourceError` (unreadable source) after recording the refused run.
        """
        report = progress or (lambda _fraction, _text: None)
        started = utc_now()
        report(0.0, STAGE_OPEN)
        if isinstance(source, str | Path):
            source = open_source(source)
        report(0.05, STAGE_READ)
        saved_cursors = SettingsRepository(self._store).get(CURSOR_KEY, {})
        cursors: dict[str, JsonValue] = dict(saved_cursors) if isinstance(saved_cursors, dict) else {}
        since = cursors.get(source.location)
        try:
            snapshot = source.read(since=since if isinstance(since, str) else None)
            if snapshot.is_empty():
                raise CatalogSourceError(
                    f"{source.location} exports nothing: no catalog, alpha meta, incremental feed or bundle",
                    "run POST /ops/materialize-and-refresh (or tools/export_catalogs.sh) on RD-Agent's side",
                )
            parsed = _parse(snapshot)
        except AistockError as exc:
            self._record_refused(source, started, exc)
            raise
        report(0.5, STAGE_BUNDLES)

        rd_settings = RdagentSettings(self._store)
        saved_map = rd_settings.path_map()
        final_map = saved_map
        new_roots: list[Path] = []
        if snapshot.repo_root is not None:
            final_map = final_map.merged(infer_path_map(snapshot.repo_root, self._raw_paths(parsed)))
            new_roots.append(snapshot.repo_root)
        if path_map is not None:
            final_map = final_map.merged(path_map)
            new_roots += list(path_map.targets())

        if path_map is not None:
            parsed.warnings += [
                f"--map target {target} does not exist (yet): nothing maps onto it, but it is trusted"
                for target in path_map.targets()
                if not target.is_dir()
            ]

        try:
            stored = self._store_bundles(parsed)
        except AistockError as exc:
            self._record_refused(source, started, exc)
            raise
        except OSError as exc:
            error = AistockError(
                f"cannot write the bundle into {bundles_dir(self._store)} ({exc}); nothing was imported",
                "check that the workstation home is writable and has free space, then sync again",
            )
            self._record_refused(source, started, error)
            raise error from exc
        for _, _, directory, _ in stored:
            new_roots.append(directory)

        roots = rd_settings.roots()
        report(0.7, STAGE_WRITE)
        written = self._write(source, snapshot, parsed, started, final_map, roots, new_roots, stored, cursors)
        confirmed: list[str] = []
        warnings = list(written.warnings)
        for bundle_id in dict.fromkeys(m.asset_bundle_id for m, _, _, _ in stored if snapshot.kind == "url"):
            try:
                source.confirm_bundle(bundle_id)
                confirmed.append(bundle_id)
            except AistockError as exc:
                warnings.append(f"bundle {bundle_id} is stored but RD-Agent was not told: {exc.what}")
        if len(warnings) != len(written.warnings):
            self._append_message(written.run_id, warnings[len(written.warnings) :])
        return replace(written, warnings=tuple(warnings), bundles_confirmed=tuple(confirmed))

    # --- refused runs ---

    def _record_refused(self, source: CatalogSource, started: datetime, error: AistockError) -> None:
        with self._store.session() as session:
            session.add(
                RdagentSyncRun(
                    started_at=started,
                    finished_at=utc_now(),
                    origin_kind=source.kind,
                    origin_location=source.location,
                    status="refused",
                    counts_json="{}",
                    message=str(error),
                )
            )
            session.commit()

    def _append_message(self, run_id: int, lines: Sequence[str]) -> None:
        with self._store.session() as session:
            run = session.get(RdagentSyncRun, run_id)
            if run is not None:
                run.message = "\n".join([run.message, *lines]).strip()
                session.add(run)
                session.commit()

    # --- bundles on disk ---

    def _store_bundles(self, parsed: _Parsed) -> list[tuple[BundleManifest, bytes, Path, bool]]:
        """Extract new bundles; (manifest, manifest bytes, directory, extracted now) for each."""
        stored: list[tuple[BundleManifest, bytes, Path, bool]] = []
        for bundle, manifest, manifest_bytes in parsed.bundles:
            target = bundles_dir(self._store) / manifest.asset_bundle_id
            existing = target / "manifest.json"
            if existing.is_file() and existing.read_bytes() == manifest_bytes:
                stored.append((manifest, manifest_bytes, target, False))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            extract_bundle(bundle, target)
            stored.append((manifest, manifest_bytes, target, True))
        for local, manifest in parsed.local_bundles:
            stored.append((manifest, local.manifest.data, local.directory, False))
        return stored

    @staticmethod
    def _raw_paths(parsed: _Parsed) -> list[str]:
        paths: list[str] = []
        for loop in parsed.loops:
            paths += [p for p in (loop.workspace_path, loop.log_dir) if p]
        for model in parsed.models:
            paths += [p for p in (model.workspace_path,) if p]
        for strategy in parsed.strategies:
            example = strategy.workspace_example or {}
            value = example.get("workspace_path")
            if isinstance(value, str) and value:
                paths.append(value)
        return paths

    # --- the one transaction ---

    def _write(
        self,
        source: CatalogSource,
        snapshot: Snapshot,
        parsed: _Parsed,
        started: datetime,
        path_map: PathMap,
        roots: list[Path],
        new_roots: list[Path],
        stored: list[tuple[BundleManifest, bytes, Path, bool]],
        cursors: dict[str, JsonValue],
    ) -> SyncReport:
        counts = {name: CatalogCounts() for name in REPORT_CATALOGS}
        items: list[SyncItemReport] = []
        warnings = list(snapshot.notes) + list(parsed.warnings)
        now = utc_now()
        all_roots = add_roots(roots, new_roots)
        added_roots = tuple(root for root in all_roots if root not in roots)

        with self._store.session() as session:
            run = RdagentSyncRun(
                started_at=started,
                origin_kind=source.kind,
                origin_location=source.location,
                status="ok",
                counts_json="{}",
            )
            session.add(run)
            session.flush()
            assert run.id is not None
            run_id = run.id

            def outcome(catalog: str, key: str, result: str, reason: str | None = None) -> None:
                setattr(counts[catalog], result, getattr(counts[catalog], result) + 1)
                items.append(SyncItemReport(catalog, key, result, reason))

            for bad in parsed.bad:
                where = f"entry #{bad.index} of {bad.origin}" if bad.index >= 0 else bad.origin
                outcome(bad.catalog, bad.key, "rejected", f"{bad.reason} ({where})")

            self._upsert_factors(session, parsed, run_id, now, outcome)
            self._upsert_strategies(session, parsed, run_id, now, outcome)
            touched = self._upsert_loops(session, parsed, run_id, now, outcome)
            self._upsert_models(session, parsed, run_id, now, outcome)
            registry = self._upsert_registry_files(session, parsed, now)
            pinned = self._pin_workspace_files(session, parsed, touched, path_map, all_roots, now)
            pinned += self._upsert_bundles(session, stored, now, outcome)

            not_consumable = Counter(
                loop_consumability(loop.materialization_status)[1]
                for loop in parsed.loops
                if not loop_consumability(loop.materialization_status)[0]
            )
            for reason, count in not_consumable.most_common():
                warnings.append(f"{count} loop{'s' if count > 1 else ''} not consumable: {reason}")
            warnings += _note_counts(note for loop in parsed.loops for note in loop.notes)
            for name in parsed.missing:
                warnings.append(f"{CATALOG_FILES[name]} was not in the source (nothing to import for {name})")

            upsert_setting(session, PATH_MAP_KEY, path_map.to_json())
            upsert_setting(session, ROOTS_KEY, roots_to_json(all_roots))
            if snapshot.kind == "url" and parsed.cursor is not None:
                upsert_setting(session, CURSOR_KEY, {**cursors, source.location: parsed.cursor})

            status = "partial" if any(c.rejected for c in counts.values()) else "ok"
            run.status = status
            run.finished_at = utc_now()
            run.counts_json = _json(
                {
                    **{name: counts[name].to_json() for name in REPORT_CATALOGS},
                    "files": {"registry": registry, "pinned": pinned},
                },
                "sync counts",
            )
            run.message = "\n".join(warnings)
            session.add(run)
            session.add_all(
                RdagentSyncItem(
                    run_id=run_id, catalog=i.catalog, key=i.key, outcome=i.outcome, reason=i.reason
                )
                for i in items
            )
            session.commit()

        return SyncReport(
            run_id=run_id,
            kind=source.kind,
            location=source.location,
            status=status,
            counts=counts,
            items=tuple(items),
            missing_catalogs=tuple(parsed.missing),
            warnings=tuple(warnings),
            path_map=path_map,
            trusted_roots=tuple(all_roots),
            new_roots=added_roots,
            repo_root=snapshot.repo_root,
            bundles_stored=tuple(m.asset_bundle_id for m, _, _, fresh in stored if fresh),
            bundles_confirmed=(),
            registry_files=registry,
            pinned_files=pinned,
        )

    # --- per catalog ---

    def _upsert_factors(
        self, session: Session, parsed: _Parsed, run_id: int, now: datetime, outcome: _Outcome
    ) -> None:
        existing = {(row.name, row.source): row for row in session.exec(select(RdagentFactor)).all()}
        for entry in parsed.factors.values():
            raw_json = _json(entry.raw, f"factor {entry.key}")
            row = existing.get((entry.name, entry.source))
            result = _classify(row, raw_json)
            if row is None:
                row = RdagentFactor(name=entry.name, source=entry.source, tags_json="[]", raw_json=raw_json)
                row.first_seen_run = run_id
            if result != "unchanged":
                row.expression = entry.expression
                row.description = entry.description
                row.tags_json = _json(list(entry.tags), "factor tags")
                row.raw_json = raw_json
                row.updated_at = now
            row.last_seen_run = run_id
            session.add(row)
            outcome("factors", entry.key, result)

    def _upsert_strategies(
        self, session: Session, parsed: _Parsed, run_id: int, now: datetime, outcome: _Outcome
    ) -> None:
        existing = {row.strategy_id: row for row in session.exec(select(RdagentStrategy)).all()}
        for entry in parsed.strategies:
            raw_json = _json(entry.raw, f"strategy {entry.key}")
            row = existing.get(entry.strategy_id)
            result = _classify(row, raw_json)
            if row is None:
                row = RdagentStrategy(
                    strategy_id=entry.strategy_id, portfolio_config_json="null", raw_json=raw_json
                )
                row.first_seen_run = run_id
            if result != "unchanged":
                row.action = entry.action
                row.step_name = entry.step_name
                row.portfolio_config_json = _json(entry.portfolio_config, "portfolio_config")
                row.raw_json = raw_json
                row.updated_at = now
            row.last_seen_run = run_id
            session.add(row)
            outcome("strategies", entry.key, result)

    def _upsert_loops(
        self, session: Session, parsed: _Parsed, run_id: int, now: datetime, outcome: _Outcome
    ) -> set[str]:
        """Upsert loops; return the keys added or changed (their pinned hashes are re-taken)."""
        fallback_paths = self._fallback_workspace_paths(parsed)
        existing = {
            loop_key(row.task_run_id, row.loop_id, row.workspace_id): row
            for row in session.exec(select(RdagentLoop)).all()
        }
        touched: set[str] = set()
        for entry in parsed.loops:
            raw_json = _json(entry.raw, f"loop {entry.key}")
            row = existing.get(entry.key)
            result = _classify(row, raw_json)
            if row is None:
                row = RdagentLoop(
                    task_run_id=entry.task_run_id,
                    loop_id=entry.loop_id,
                    workspace_id=entry.workspace_id,
                    factor_names_json="[]",
                    metrics_json="{}",
                    paths_json="{}",
                    raw_json=raw_json,
                )
                row.first_seen_run = run_id
            if result != "unchanged":
                touched.add(entry.key)
                row.log_dir = entry.log_dir
                row.action = entry.action
                row.status = entry.status
                row.has_result = entry.has_result
                row.materialization_status = entry.materialization_status
                row.is_solidified = entry.is_solidified
                row.asset_bundle_id = entry.asset_bundle_id
                row.strategy_id = entry.strategy_id
                row.factor_names_json = _json(list(entry.factor_names), "factor_names")
                row.metrics_json = _json(entry.metrics, f"metrics of loop {entry.key}")
                row.paths_json = _json(entry.paths, f"paths of loop {entry.key}")
                row.decision = entry.decision
                row.raw_json = raw_json
                row.updated_at = now
            # Derived from sibling catalogs too, so refreshed even when the loop's own entry is unchanged.
            workspace_path = entry.workspace_path or fallback_paths.get(entry.key)
            if row.workspace_path != workspace_path:
                row.workspace_path = workspace_path
            row.last_seen_run = run_id
            session.add(row)
            outcome("loops", entry.key, result)
        return touched

    @staticmethod
    def _fallback_workspace_paths(parsed: _Parsed) -> dict[str, str]:
        """Raw workspace paths for loops whose entry has none (the older shape), from models/strategies."""
        found: dict[str, str] = {}
        for model in parsed.models:
            if (
                model.task_run_id
                and model.loop_id is not None
                and model.workspace_id
                and model.workspace_path
            ):
                found.setdefault(
                    loop_key(model.task_run_id, model.loop_id, model.workspace_id), model.workspace_path
                )
        for strategy in parsed.strategies:
            example: JsonObject = strategy.workspace_example or {}
            run, loop, ws, path = (
                example.get(k) for k in ("task_run_id", "loop_id", "workspace_id", "workspace_path")
            )
            if (
                isinstance(run, str)
                and isinstance(loop, int)
                and isinstance(ws, str)
                and isinstance(path, str)
            ):
                found.setdefault(loop_key(run, loop, ws), path)
        return found

    def _upsert_models(
        self, session: Session, parsed: _Parsed, run_id: int, now: datetime, outcome: _Outcome
    ) -> None:
        existing = {row.model_id: row for row in session.exec(select(RdagentModel)).all()}
        for entry in parsed.models:
            raw_json = _json(entry.raw, f"model {entry.key}")
            row = existing.get(entry.model_id)
            result = _classify(row, raw_json)
            if row is None:
                row = RdagentModel(
                    model_id=entry.model_id,
                    model_config_json="null",
                    dataset_config_json="null",
                    feature_schema_json="null",
                    flattened_feature_list_json="null",
                    model_artifacts_json="{}",
                    raw_json=raw_json,
                )
                row.first_seen_run = run_id
            if result != "unchanged":
                row.task_run_id = entry.task_run_id
                row.loop_id = entry.loop_id
                row.workspace_id = entry.workspace_id
                row.model_type = entry.model_type
                row.model_config_json = _json(entry.model_config, "model_config")
                row.dataset_config_json = _json(entry.dataset_config, "dataset_config")
                row.feature_schema_json = _json(entry.feature_schema, "feature_schema")
                features = (
                    list(entry.flattened_feature_list) if entry.flattened_feature_list is not None else None
                )
                row.flattened_feature_list_json = _json(features, "flattened_feature_list")
                row.model_artifacts_json = _json(entry.model_artifacts, "model_artifacts")
                row.raw_json = raw_json
                row.updated_at = now
            row.last_seen_run = run_id
            session.add(row)
            outcome("models", entry.key, result)

    # --- file hashes ---

    @staticmethod
    def _hash_rows(session: Session) -> dict[tuple[str, int, str, str], RdagentArtifactFile]:
        return {
            (row.task_run_id, row.loop_id, row.workspace_id, row.relpath): row
            for row in session.exec(select(RdagentArtifactFile)).all()
        }

    def _upsert_registry_files(self, session: Session, parsed: _Parsed, now: datetime) -> int:
        """The registry's hashes always win (they were taken where the files were written)."""
        rows = self._hash_rows(session)
        for file in parsed.registry_files:
            assert file.workspace_id is not None
            key = (file.task_run_id, file.loop_id, file.workspace_id, file.relpath)
            row = rows.get(key)
            if row is None:
                row = RdagentArtifactFile(
                    task_run_id=file.task_run_id,
                    loop_id=file.loop_id,
                    workspace_id=file.workspace_id,
                    relpath=file.relpath,
                    sha256=file.sha256,
                    origin="registry",
                )
                rows[key] = row
            if (row.sha256, row.size_bytes, row.origin) != (file.sha256, file.size_bytes, "registry"):
                row.sha256, row.size_bytes, row.origin, row.updated_at = (
                    file.sha256,
                    file.size_bytes,
                    "registry",
                    now,
                )
            session.add(row)
        session.flush()
        return len(parsed.registry_files)

    def _pin_workspace_files(
        self,
        session: Session,
        parsed: _Parsed,
        touched: set[str],
        path_map: PathMap,
        roots: list[Path],
        now: datetime,
    ) -> int:
        """Hash the model files of every loop workspace found on this machine (see module docstring)."""
        rows = self._hash_rows(session)
        models = {
            loop_key(m.task_run_id, m.loop_id, m.workspace_id): m
            for m in parsed.models
            if m.task_run_id and m.loop_id is not None and m.workspace_id
        }
        fallback = self._fallback_workspace_paths(parsed)
        pinned = 0
        for loop in parsed.loops:
            raw_path = loop.workspace_path or fallback.get(loop.key)
            workspace = next(
                (c for c in workspace_candidates(loop.workspace_id, raw_path, path_map, roots) if c.is_dir()),
                None,
            )
            if workspace is None:
                continue
            for relative in _weight_files(workspace, loop, models.get(loop.key)):
                key = (loop.task_run_id, loop.loop_id, loop.workspace_id, relative)
                row = rows.get(key)
                if row is not None and (row.origin == "registry" or loop.key not in touched):
                    continue
                digest, size = sha256_file(workspace / relative)
                if row is None:
                    row = RdagentArtifactFile(
                        task_run_id=loop.task_run_id,
                        loop_id=loop.loop_id,
                        workspace_id=loop.workspace_id,
                        relpath=relative,
                        sha256=digest,
                        origin="pinned",
                    )
                    rows[key] = row
                row.sha256, row.size_bytes, row.origin, row.updated_at = digest, size, "pinned", now
                session.add(row)
                pinned += 1
        return pinned

    def _upsert_bundles(
        self,
        session: Session,
        stored: list[tuple[BundleManifest, bytes, Path, bool]],
        now: datetime,
        outcome: _Outcome,
    ) -> int:
        """Record bundles; pin each bundle workspace's ``model.pkl`` unless the registry vouches for it."""
        rows = self._hash_rows(session)
        pinned = 0
        for manifest, _, directory, fresh in stored:
            manifest_json = _json(manifest.raw, f"bundle {manifest.asset_bundle_id} manifest")
            row = session.get(RdagentBundle, manifest.asset_bundle_id)
            if row is None:
                result = "added"
            elif row.manifest_json != manifest_json or row.local_dir != str(directory):
                result = "changed"
            else:
                result = "unchanged"
            if row is None:
                row = RdagentBundle(
                    asset_bundle_id=manifest.asset_bundle_id,
                    task_run_id=manifest.task_run_id,
                    loop_id=manifest.loop_id,
                    primary_workspace_id=manifest.primary_workspace_id,
                    local_dir=str(directory),
                    manifest_json=manifest_json,
                )
            if result != "unchanged":
                row.task_run_id, row.loop_id = manifest.task_run_id, manifest.loop_id
                row.primary_workspace_id = manifest.primary_workspace_id
                row.local_dir, row.manifest_json, row.synced_at = str(directory), manifest_json, now
            session.add(row)
            outcome("bundles", manifest.asset_bundle_id, result)
            workspaces = directory / "workspaces"
            for model_file in sorted(workspaces.glob("*/model.pkl")) if workspaces.is_dir() else []:
                if model_file.is_symlink():
                    continue
                ws = model_file.parent.name
                key = (manifest.task_run_id, manifest.loop_id, ws, "model.pkl")
                existing = rows.get(key)
                if existing is not None and (existing.origin == "registry" or not fresh):
                    continue
                digest, size = sha256_file(model_file)
                if existing is None:
                    existing = RdagentArtifactFile(
                        task_run_id=manifest.task_run_id,
                        loop_id=manifest.loop_id,
                        workspace_id=ws,
                        relpath="model.pkl",
                        sha256=digest,
                        origin="pinned",
                    )
                    rows[key] = existing
                existing.sha256, existing.size_bytes, existing.origin, existing.updated_at = (
                    digest,
                    size,
                    "pinned",
                    now,
                )
                session.add(existing)
                pinned += 1
        return pinned
