"""RD-Agent's paths on this machine: prefix rewrites, their inference, and the trusted roots.

RD-Agent records absolute paths of *its* machine — ``/mnt/f/Dev/RD-Agent-main/...`` under WSL,
``F:\\Dev\\RD-Agent-main\\...`` on Windows. The catalog keeps them raw and a :class:`PathMap`
rewrites them when they are used, so a repo that moves (or a second machine) only needs a new
map, never a re-import. Rules are prefix rewrites matched on whole path components, with ``/``
and ``\\`` treated alike; the longest matching prefix wins, so a specific rule can override a
general one. Windows-style prefixes (a drive letter or a UNC share) compare case-insensitively,
like the file system they come from.

The *trusted roots* are a separate, explicit list: the only directories a model pickle may
later be loaded from (unpickling runs code). A directory gets there because the user synced
from it, named it in ``--map``, or because the workstation extracted a bundle into it —
never because a catalog mentioned it.

Both live in the settings table (``rdagent.path_map`` as ``[[from, to], ...]`` and
``rdagent.roots`` as ``[dir, ...]``) so they travel with the home and its backups.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col

from aistock.core.errors import AistockError
from aistock.store.jsontypes import JsonInput, JsonValue, dump_json
from aistock.store.settings import SettingsRepository
from aistock.store.store import Store
from aistock.store.tables import Setting, utc_now

PATH_MAP_KEY = "rdagent.path_map"
ROOTS_KEY = "rdagent.roots"

WORKSPACE_DIR = ("git_ignore_folder", "RD-Agent_workspace")
"""Where RD-Agent keeps loop workspaces, relative to its repo root."""

CATALOG_DIR = ("RDagentDB", "aistock")
"""Where RD-Agent exports the catalogs, relative to its repo root."""

_DRIVE = re.compile(r"^[A-Za-z]:(/|$)")


class PathMapError(AistockError):
    """A path-map rule that cannot be used."""


def normalise(path: str) -> str:
    """``path`` with ``/`` separators, no repeated or trailing separator, an upper-case drive."""
    text = path.strip().replace("\\", "/")
    unc = text.startswith("//")
    text = re.sub(r"/{2,}", "/", text)
    if unc:
        text = "/" + text
    if len(text) > 1 and text.endswith("/") and not re.fullmatch(r"[A-Za-z]:/", text):
        text = text.rstrip("/") or "/"
    if _DRIVE.match(text):
        text = text[0].upper() + text[1:]
    return text


def _windows_style(path: str) -> bool:
    return bool(_DRIVE.match(path)) or path.startswith("//")


def _under(path: str, prefix: str) -> str | None:
    """The remainder of ``path`` below ``prefix`` ("" if equal), or ``None`` if it is not below it."""
    fold = _windows_style(prefix)
    left, right = (path.casefold(), prefix.casefold()) if fold else (path, prefix)
    if left == right:
        return ""
    stem = right if right.endswith("/") else right + "/"
    if left.startswith(stem):
        return path[len(stem) :]
    return None


@dataclass(frozen=True)
class PathMap:
    """Ordered ``(from, to)`` prefix rewrites from RD-Agent's paths to local directories."""

    rules: tuple[tuple[str, str], ...] = ()

    def resolve(self, raw: str | None) -> Path | None:
        """The local path for an RD-Agent path, or ``None`` if it cannot be mapped safely.

        With no matching rule, a path that is already absolute on this machine is returned as
        is (RD-Agent may run on this very machine); a foreign one (``F:\\...`` on Linux) or a
        relative one gives ``None``. A remainder that climbs out with ``..`` gives ``None``.
        """
        if raw is None or not raw.strip():
            return None
        path = normalise(raw)
        best: tuple[int, str, str] | None = None
        for source, target in self.rules:
            prefix = normalise(source)
            rest = _under(path, prefix)
            if rest is not None and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rest, target)
        if best is None:
            native = Path(raw)
            return native if native.is_absolute() else None
        _, rest, target = best
        parts = [part for part in rest.split("/") if part not in ("", ".")]
        if ".." in parts:
            return None
        return Path(target).joinpath(*parts)

    def with_rule(self, source: str, target: str | Path) -> PathMap:
        """A copy with ``source → target`` (replacing any rule for the same prefix)."""
        key = normalise(source)
        kept = tuple((s, t) for s, t in self.rules if normalise(s) != key)
        return PathMap((*kept, (source, str(target))))

    def merged(self, other: PathMap) -> PathMap:
        """A copy with every rule of ``other`` added (``other`` wins on the same prefix)."""
        result = self
        for source, target in other.rules:
            result = result.with_rule(source, target)
        return result

    def targets(self) -> tuple[Path, ...]:
        return tuple(Path(target) for _, target in self.rules)

    def to_json(self) -> list[list[str]]:
        return [[source, target] for source, target in self.rules]

    @classmethod
    def from_json(cls, value: JsonValue) -> PathMap:
        """Read the setting back; entries that are not ``[from, to]`` strings are ignored."""
        rules: list[tuple[str, str]] = []
        if isinstance(value, list):
            for item in value:
                if (
                    isinstance(item, list)
                    and len(item) == 2
                    and isinstance(item[0], str)
                    and isinstance(item[1], str)
                ):
                    rules.append((item[0], item[1]))
        return cls(tuple(rules))

    @classmethod
    def parse_rules(cls, texts: Sequence[str]) -> PathMap:
        """``FROM=TO`` texts (``--map``), split at the last ``=`` so a path may contain one."""
        result = cls()
        for text in texts:
            source, sep, target = text.rpartition("=")
            if not sep or not source.strip() or not target.strip():
                raise PathMapError(
                    f"--map {text!r} is not FROM=TO",
                    "write it as --map /mnt/f/Dev/RD-Agent-main=/home/me/RD-Agent (repeatable)",
                )
            result = result.with_rule(source.strip(), Path(target.strip()).expanduser().resolve())
        return result


# --- inference -------------------------------------------------------------------------------


def is_rdagent_root(directory: Path) -> bool:
    """A directory that looks like an RD-Agent checkout (catalog or workspace folder present)."""
    return directory.joinpath(*CATALOG_DIR).is_dir() or directory.joinpath(*WORKSPACE_DIR).is_dir()


def find_rdagent_root(directory: Path) -> Path | None:
    """The RD-Agent repo root ``directory`` is, or sits in (``RDagentDB/aistock``, ``rdagent_data``)."""
    directory = directory.resolve()
    candidates = [directory]
    if directory.name == CATALOG_DIR[1] and directory.parent.name == CATALOG_DIR[0]:
        candidates.append(directory.parent.parent)
    candidates.append(directory.parent)
    for candidate in candidates:
        if is_rdagent_root(candidate):
            return candidate
    return None


_ANCHORS = ("/git_ignore_folder/", "/RDagentDB/")


def raw_prefix(raw: str) -> str | None:
    """The repo-root part of an RD-Agent path: what comes before ``/git_ignore_folder/``."""
    path = normalise(raw)
    for anchor in _ANCHORS:
        index = path.find(anchor)
        if index > 0:
            return path[:index]
    return None


def infer_path_map(root: Path, raw_paths: Iterable[str]) -> PathMap:
    """Rules mapping every repo-root prefix seen in ``raw_paths`` onto the local ``root``.

    A catalog can carry several prefixes (RD-Agent ran under WSL and Windows, or the repo
    moved); each gets a rule, most frequent first. Windows spellings that differ only in case
    count as one prefix.
    """
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for raw in raw_paths:
        prefix = raw_prefix(raw)
        if prefix is None:
            continue
        fold = prefix.casefold() if _windows_style(prefix) else prefix
        spelling.setdefault(fold, prefix)
        counts[fold] += 1
    result = PathMap()
    for fold, _ in counts.most_common():
        result = result.with_rule(spelling[fold], root.resolve())
    return result


def workspace_candidates(
    workspace_id: str, workspace_path: str | None, path_map: PathMap, roots: Iterable[Path]
) -> list[Path]:
    """Where a workspace may be on this machine, best first (existence is not checked).

    The mapped raw path comes first; then ``<root>/git_ignore_folder/RD-Agent_workspace/<id>``
    under every path-map target and trusted root, which finds the workspaces of an older
    export that recorded no ``workspace_path`` at all.
    """
    found: list[Path] = []
    mapped = path_map.resolve(workspace_path)
    if mapped is not None:
        found.append(mapped)
    for root in (*path_map.targets(), *roots):
        candidate = root.joinpath(*WORKSPACE_DIR, workspace_id)
        if candidate not in found:
            found.append(candidate)
    return found


# --- settings --------------------------------------------------------------------------------


def _roots_from_json(value: JsonValue) -> list[Path]:
    if not isinstance(value, list):
        return []
    return [Path(item) for item in value if isinstance(item, str) and item]


def upsert_setting(session: Session, key: str, value: JsonInput) -> None:
    """Write a setting inside the caller's transaction (the sync saves its map atomically)."""
    text = dump_json(value, what=f"Setting {key!r}")
    now = utc_now()
    statement = insert(Setting).values(key=key, value_json=text, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[col(Setting.key)], set_={"value_json": text, "updated_at": now}
    )
    session.execute(statement)


def add_roots(existing: Sequence[Path], new: Iterable[Path]) -> list[Path]:
    """``existing`` plus the resolved ``new`` directories not already covered by one, order kept.

    A directory inside a root already trusted (a bundle inside the RD-Agent checkout) adds
    nothing and is skipped, so the list stays short enough for a person to review.
    """
    result = list(existing)
    for path in new:
        resolved = path.expanduser().resolve()
        if not any(resolved == root or resolved.is_relative_to(root) for root in result):
            result.append(resolved)
    return result


def roots_to_json(roots: Sequence[Path]) -> list[str]:
    return [str(root) for root in roots]


class RdagentSettings:
    """The RD-Agent settings of one store: the path map and the trusted roots."""

    def __init__(self, store: Store) -> None:
        self._settings = SettingsRepository(store)

    def path_map(self) -> PathMap:
        return PathMap.from_json(self._settings.get(PATH_MAP_KEY, []))

    def set_path_map(self, path_map: PathMap) -> None:
        self._settings.set(PATH_MAP_KEY, path_map.to_json())

    def roots(self) -> list[Path]:
        """The directories model files may be loaded from, in the order they were trusted."""
        return _roots_from_json(self._settings.get(ROOTS_KEY, []))

    def add_root(self, root: Path) -> bool:
        """Trust ``root`` (resolved); ``False`` if it already was."""
        current = self.roots()
        updated = add_roots(current, [root])
        if len(updated) == len(current):
            return False
        self._settings.set(ROOTS_KEY, roots_to_json(updated))
        return True

    def is_trusted(self, path: Path) -> bool:
        """Whether ``path`` (resolved, so symlinks cannot escape) lies under a trusted root."""
        resolved = path.resolve()
        return any(resolved == root or resolved.is_relative_to(root) for root in self.roots())
