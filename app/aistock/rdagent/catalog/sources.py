"""Where RD-Agent's exports come from: a directory, the results API, or a ZIP.

A source only *reads*: it returns a :class:`Snapshot` of raw bytes (each catalog file present,
the alpha meta files, the incremental feed, per-loop artifact listings, bundle ZIPs) and leaves
parsing and every write to :mod:`aistock.rdagent.catalog.sync`. That split is what lets a sync
refuse a malformed file before it has written anything, whatever the source.

* **Directory** — an RD-Agent repo root (catalogs in ``RDagentDB/aistock/``, else
  ``rdagent_data/``), that catalog directory itself, or any directory holding
  ``*_catalog.json``. Solidified bundles already on disk (``RDagentDB/production_bundles``)
  are listed in place, not copied.
* **URL** — the results API (``rdagent_contracts.md`` §5): ``/catalog/*`` and the alpha meta
  routes (404 = "not exported", skipped), ``/loops/{run}/{loop}/artifacts`` for the registry's
  SHA-256 of workspace files (404/501 = no registry, tolerated), ``/catalog/incremental`` for
  solidified loops since the last sync and ``/artifacts/bundle/{id}`` for their bundles.
  ``/ops/sync-confirm`` is posted by :meth:`UrlSource.confirm_bundle`, which the sync calls
  only once a bundle is stored. Plain ``urllib`` with timeouts: no extra dependency, and every
  error names the URL.
* **ZIP** — a ZIP of catalog files (at any depth) and/or a production bundle (``manifest.json``
  + ``workspaces/<ws>/...``). Bundle members are checked here for zip-slip (absolute paths,
  ``..``, drive letters) and symlinks *before* anything is extracted; :func:`extract_bundle`
  then writes into a ``.partial`` directory and renames it into place only when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import stat
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Literal, Protocol

from aistock.core.errors import AistockError
from aistock.rdagent.catalog.contracts import (
    ALPHA_META_FILES,
    CATALOG_FILES,
    CatalogFormatError,
    CatalogName,
    parse_incremental,
    parse_loop_catalog,
)
from aistock.rdagent.catalog.pathmap import CATALOG_DIR, find_rdagent_root

SourceKind = Literal["dir", "url", "zip"]

DEFAULT_TIMEOUT_S = 30.0
"""Per-request timeout: the results API answers catalogs from files, so this is generous."""

MAX_DOWNLOAD_BYTES = 1 << 30
"""A response larger than this is refused (a bundle holds a model, not a data set)."""

MAX_BUNDLE_BYTES = 4 << 30
"""Uncompressed size above which a bundle is refused (a ZIP bomb, not a model)."""

INCREMENTAL_PAGE = 100
INCREMENTAL_MAX_PAGES = 100

BUNDLE_MANIFEST = "manifest.json"


class CatalogSourceError(AistockError):
    """The source itself cannot be read: missing directory, bad ZIP, HTTP failure."""


class UnsafeBundleError(CatalogFormatError):
    """A bundle ZIP that would write outside its directory (zip-slip) or holds a symlink."""


@dataclass(frozen=True)
class RawFile:
    """The bytes of one export file and where they came from (a path or a URL)."""

    name: str
    origin: str
    data: bytes


@dataclass(frozen=True)
class RawArtifacts:
    """The artifacts listing of one loop (registry hashes), as returned by the results API."""

    task_run_id: str
    loop_id: int
    origin: str
    data: bytes


@dataclass(frozen=True)
class RawBundle:
    """A bundle inside ZIP bytes: the members under ``prefix`` (``""`` = the whole ZIP)."""

    origin: str
    data: bytes
    prefix: str = ""

    def manifest_bytes(self) -> bytes:
        with zipfile.ZipFile(BytesIO(self.data)) as archive:
            try:
                return archive.read(self.prefix + BUNDLE_MANIFEST)
            except KeyError as exc:
                raise CatalogFormatError(
                    f"{self.origin} has no {self.prefix}{BUNDLE_MANIFEST}; it is not an RD-Agent bundle",
                    "export the bundle again from RDagentDB/production_bundles/<id>/ (manifest.json on top)",
                ) from exc


@dataclass(frozen=True)
class LocalBundle:
    """A bundle directory already on this machine (inside an RD-Agent checkout)."""

    directory: Path
    manifest: RawFile


@dataclass(frozen=True)
class Snapshot:
    """Everything one read of a source returned, unparsed."""

    kind: SourceKind
    location: str
    catalogs: Mapping[CatalogName, RawFile]
    alpha_meta: tuple[RawFile, ...] = ()
    incremental: tuple[RawFile, ...] = ()
    artifacts: tuple[RawArtifacts, ...] = ()
    bundles: tuple[RawBundle, ...] = ()
    local_bundles: tuple[LocalBundle, ...] = ()
    repo_root: Path | None = None
    """The RD-Agent checkout the directory belongs to, when it is one (for the path map)."""
    notes: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (
            self.catalogs or self.alpha_meta or self.incremental or self.bundles or self.local_bundles
        )


class CatalogSource(Protocol):
    """Something a sync can read RD-Agent's exports from."""

    @property
    def kind(self) -> SourceKind: ...

    @property
    def location(self) -> str: ...

    def read(self, *, since: str | None = None) -> Snapshot:
        """Read a snapshot; ``since`` is the incremental cursor (only the URL source uses it)."""
        ...

    def confirm_bundle(self, asset_bundle_id: str) -> None:
        """Tell RD-Agent a bundle is stored here (a no-op for files)."""
        ...


# --- directory -------------------------------------------------------------------------------


def _catalog_files_in(directory: Path) -> dict[CatalogName, Path]:
    return {name: directory / file for name, file in CATALOG_FILES.items() if (directory / file).is_file()}


def _catalog_dir(directory: Path, repo_root: Path | None) -> Path | None:
    """The first of (repo's RDagentDB/aistock, repo's rdagent_data, the directory) with catalogs."""
    candidates: list[Path] = []
    if repo_root is not None and repo_root == directory:
        candidates += [repo_root.joinpath(*CATALOG_DIR), repo_root / "rdagent_data"]
    candidates.append(directory)
    for candidate in candidates:
        if _catalog_files_in(candidate) or any((candidate / name).is_file() for name in ALPHA_META_FILES):
            return candidate
    return None


class DirSource:
    """Catalog files in a directory (see the module docstring for the layouts accepted)."""

    kind: SourceKind = "dir"

    def __init__(self, directory: Path) -> None:
        self.directory = directory.expanduser().resolve()

    @property
    def location(self) -> str:
        return str(self.directory)

    def read(self, *, since: str | None = None) -> Snapshot:
        if not self.directory.is_dir():
            raise CatalogSourceError(
                f"{self.directory} is not a directory",
                "pass the RD-Agent repo root, its RDagentDB/aistock folder, or a folder of *_catalog.json",
            )
        repo_root = find_rdagent_root(self.directory)
        catalog_dir = _catalog_dir(self.directory, repo_root)
        if catalog_dir is None:
            raise CatalogSourceError(
                f"no RD-Agent catalog files (*_catalog.json, alpha*_meta.json) in {self.directory}",
                "export them on the RD-Agent side (tools/export_catalogs.sh or POST "
                "/ops/materialize-and-refresh) and pass the RD-Agent repo root or RDagentDB/aistock",
            )
        catalogs = {
            name: RawFile(path.name, str(path), _read(path))
            for name, path in _catalog_files_in(catalog_dir).items()
        }
        alpha = tuple(
            RawFile(name, str(catalog_dir / name), _read(catalog_dir / name))
            for name in ALPHA_META_FILES
            if (catalog_dir / name).is_file()
        )
        notes = [
            f"ignored {path.name}: not one of the four catalogs"
            for path in sorted(catalog_dir.glob("*_catalog.json"))
            if path.name not in CATALOG_FILES.values()
        ]
        local_bundles: list[LocalBundle] = []
        if repo_root is not None:
            bundles_dir = repo_root / CATALOG_DIR[0] / "production_bundles"
            for manifest in sorted(bundles_dir.glob(f"*/{BUNDLE_MANIFEST}")) if bundles_dir.is_dir() else []:
                local_bundles.append(
                    LocalBundle(manifest.parent, RawFile(manifest.name, str(manifest), _read(manifest)))
                )
        return Snapshot(
            kind="dir",
            location=str(self.directory),
            catalogs=catalogs,
            alpha_meta=alpha,
            local_bundles=tuple(local_bundles),
            repo_root=repo_root,
            notes=tuple(notes),
        )

    def confirm_bundle(self, asset_bundle_id: str) -> None:
        """Nothing to confirm: a directory is not RD-Agent's registry."""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CatalogSourceError(f"cannot read {path} ({exc})", "check that the file is readable") from exc


# --- ZIP -------------------------------------------------------------------------------------


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member must not be extracted, or ``None`` if it is safe."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "a path climbing out with '..'"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return None


def check_bundle_members(bundle: RawBundle) -> list[zipfile.ZipInfo]:
    """The bundle's file members, refusing the whole bundle if any member is unsafe."""
    try:
        archive = zipfile.ZipFile(BytesIO(bundle.data))
    except zipfile.BadZipFile as exc:
        raise CatalogFormatError(
            f"{bundle.origin} is not a ZIP file ({exc}); nothing was imported",
            "download the bundle again (GET /artifacts/bundle/<id>) or re-zip the bundle directory",
        ) from exc
    with archive:
        members = [
            info for info in archive.infolist() if info.filename.replace("\\", "/").startswith(bundle.prefix)
        ]
        total = 0
        for info in members:
            problem = _member_problem(info)
            if problem is not None:
                raise UnsafeBundleError(
                    f"{bundle.origin} holds {info.filename!r}, {problem}; the bundle was refused and nothing "
                    "was extracted",
                    "only import bundles made by RD-Agent's solidification; ask whoever sent this one",
                )
            total += info.file_size
        if total > MAX_BUNDLE_BYTES:
            raise UnsafeBundleError(
                f"{bundle.origin} would extract to {total:,} bytes; the bundle was refused",
                "a bundle holds configs, factor code and one model; check where this one came from",
            )
        return [info for info in members if not info.is_dir()]


def extract_bundle(bundle: RawBundle, target: Path) -> None:
    """Extract the bundle into ``target`` atomically: ``<target>.partial`` first, then a rename.

    The members were already checked by :func:`check_bundle_members` (called again here, so
    this function is safe on its own); each output path is also re-checked to lie under the
    partial directory. An existing ``target`` is replaced only after the new copy is complete.
    """
    members = check_bundle_members(bundle)
    partial = target.with_name(target.name + ".partial")
    old = target.with_name(target.name + ".old")
    for leftover in (partial, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    partial.mkdir(parents=True)
    root = partial.resolve()
    try:
        with zipfile.ZipFile(BytesIO(bundle.data)) as archive:
            for info in members:
                relative = info.filename.replace("\\", "/")[len(bundle.prefix) :]
                if not relative:
                    continue
                out = (partial / relative).resolve()
                if not out.is_relative_to(root):  # pragma: no cover - check_bundle_members refused it
                    raise UnsafeBundleError(f"{bundle.origin}: {info.filename!r} escapes the bundle", "")
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, out.open("xb") as sink:
                    shutil.copyfileobj(source, sink)
        if target.exists():
            target.rename(old)
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        if old.exists() and not target.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def sha256_file(path: Path) -> tuple[str, int]:
    """(hex digest, size) of a file, read in chunks (model pickles can be large)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _zip_catalogs(archive: zipfile.ZipFile, origin: str) -> tuple[dict[CatalogName, RawFile], list[RawFile]]:
    """Catalog and alpha meta members at any depth; the shallowest wins, a tie is refused."""
    wanted = {file: name for name, file in CATALOG_FILES.items()}
    by_name: dict[str, list[str]] = {}
    for info in archive.infolist():
        member = info.filename.replace("\\", "/")
        base = PurePosixPath(member).name
        if not info.is_dir() and (base in wanted or base in ALPHA_META_FILES):
            by_name.setdefault(base, []).append(info.filename)
    chosen: dict[str, str] = {}
    for base, members in by_name.items():
        members.sort(key=lambda m: (m.count("/"), m))
        if len(members) > 1 and members[0].count("/") == members[1].count("/"):
            raise CatalogFormatError(
                f"{origin} holds {base} twice at the same depth ({members[0]}, {members[1]}); "
                "nothing was imported",
                "put one export per ZIP",
            )
        chosen[base] = members[0]
    catalogs = {
        wanted[base]: RawFile(base, f"{origin}!{member}", archive.read(member))
        for base, member in chosen.items()
        if base in wanted
    }
    alpha = [
        RawFile(base, f"{origin}!{chosen[base]}", archive.read(chosen[base]))
        for base in ALPHA_META_FILES
        if base in chosen
    ]
    return catalogs, alpha


def _zip_bundle_prefixes(archive: zipfile.ZipFile) -> list[str]:
    """Directories holding ``manifest.json`` next to ``workspaces/``: the bundles in the ZIP."""
    names = [info.filename.replace("\\", "/") for info in archive.infolist()]
    prefixes = []
    for name in names:
        if PurePosixPath(name).name != BUNDLE_MANIFEST:
            continue
        prefix = name[: -len(BUNDLE_MANIFEST)]
        if any(other.startswith(prefix + "workspaces/") for other in names):
            prefixes.append(prefix)
    return sorted(prefixes)


class ZipSource:
    """Catalog files and/or production bundles in a ZIP file."""

    kind: SourceKind = "zip"

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser().resolve()

    @property
    def location(self) -> str:
        return str(self.path)

    def read(self, *, since: str | None = None) -> Snapshot:
        data = _read(self.path)
        try:
            archive = zipfile.ZipFile(BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise CatalogSourceError(
                f"{self.path} is not a ZIP file ({exc})",
                "pass a ZIP of the catalog files or of a bundle directory, a directory, or a results-API URL",
            ) from exc
        with archive:
            catalogs, alpha = _zip_catalogs(archive, str(self.path))
            prefixes = _zip_bundle_prefixes(archive)
        bundles = tuple(RawBundle(f"{self.path}!{p}" if p else str(self.path), data, p) for p in prefixes)
        snapshot = Snapshot(
            kind="zip", location=str(self.path), catalogs=catalogs, alpha_meta=tuple(alpha), bundles=bundles
        )
        if snapshot.is_empty():
            raise CatalogSourceError(
                f"{self.path} holds neither RD-Agent catalogs nor a bundle (manifest.json + workspaces/)",
                "zip the RDagentDB/aistock folder, or one RDagentDB/production_bundles/<id> folder",
            )
        return snapshot

    def confirm_bundle(self, asset_bundle_id: str) -> None:
        """Nothing to confirm: a ZIP is not RD-Agent's registry."""


# --- results API -----------------------------------------------------------------------------

CATALOG_ROUTES: dict[CatalogName, str] = {
    "factors": "/catalog/factors",
    "strategies": "/catalog/strategies",
    "loops": "/catalog/loops",
    "models": "/catalog/models",
}
ALPHA_ROUTES: dict[str, str] = {
    "alpha158_meta.json": "/alpha158/meta",
    "alpha360_meta.json": "/alpha360/meta",
}


class UrlSource:
    """RD-Agent's results API (``python -m rdagent.app.cli results_api``)."""

    kind: SourceKind = "url"

    def __init__(
        self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S, incremental: bool = True
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.incremental = incremental

    @property
    def location(self) -> str:
        return self.base_url

    def _url(self, route: str, query: Mapping[str, str] | None = None) -> str:
        url = self.base_url + route
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def _request(self, url: str, *, body: bytes | None = None, missing: Iterable[int] = ()) -> bytes | None:
        """The response body, ``None`` for a status in ``missing``; anything else raises, naming the URL."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: bytes = response.read(MAX_DOWNLOAD_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in set(missing):
                return None
            detail = exc.read(500).decode("utf-8", "replace").strip()
            raise CatalogSourceError(
                f"{url} answered HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else ""),
                "check the RD-Agent results API's log; sync again once it answers",
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CatalogSourceError(
                f"cannot reach {url} ({reason})",
                "start the API on the RD-Agent machine (python -m rdagent.app.cli results_api --host 0.0.0.0 "
                "--port 9000) and check the URL, or sync from a directory or ZIP instead",
            ) from exc
        if len(data) > MAX_DOWNLOAD_BYTES:
            raise CatalogSourceError(f"{url} sent more than {MAX_DOWNLOAD_BYTES:,} bytes", "check the URL")
        return data

    def read(self, *, since: str | None = None) -> Snapshot:
        notes: list[str] = []
        catalogs: dict[CatalogName, RawFile] = {}
        for name, route in CATALOG_ROUTES.items():
            url = self._url(route)
            data = self._request(url, missing=(404,))
            if data is None:
                notes.append(f"{CATALOG_FILES[name]} is not exported (404 from {url})")
            else:
                catalogs[name] = RawFile(CATALOG_FILES[name], url, data)
        alpha: list[RawFile] = []
        for file, route in ALPHA_ROUTES.items():
            url = self._url(route)
            data = self._request(url, missing=(404,))
            if data is not None:
                alpha.append(RawFile(file, url, data))
        incremental, bundles = self._incremental(since, notes) if self.incremental else ((), ())
        artifacts = self._artifacts(catalogs.get("loops"), incremental, notes)
        return Snapshot(
            kind="url",
            location=self.base_url,
            catalogs=catalogs,
            alpha_meta=tuple(alpha),
            incremental=incremental,
            artifacts=artifacts,
            bundles=bundles,
            notes=tuple(notes),
        )

    def _incremental(
        self, since: str | None, notes: list[str]
    ) -> tuple[tuple[RawFile, ...], tuple[RawBundle, ...]]:
        """Pages of solidified loops updated after ``since``, and the bundle of each."""
        pages: list[RawFile] = []
        bundle_ids: list[str] = []
        cursor = since
        for _ in range(INCREMENTAL_MAX_PAGES):
            query = {"limit": str(INCREMENTAL_PAGE)}
            if cursor:
                query["last_sync_time"] = cursor
            url = self._url("/catalog/incremental", query)
            data = self._request(url, missing=(404, 501))
            if data is None:
                notes.append(f"no incremental feed at {url} (the API has no registry)")
                break
            pages.append(RawFile("incremental.json", url, data))
            try:
                feed = parse_incremental(data, origin=url)
            except CatalogFormatError:
                break  # the sync parses the page again and refuses it with the full message
            for loop in feed.loops:
                if loop.asset_bundle_id and loop.asset_bundle_id not in bundle_ids:
                    bundle_ids.append(loop.asset_bundle_id)
            next_cursor = feed.cursor
            if len(feed.loops) < INCREMENTAL_PAGE or next_cursor is None or next_cursor == cursor:
                break
            cursor = next_cursor
        bundles: list[RawBundle] = []
        for bundle_id in bundle_ids:
            url = self._url(f"/artifacts/bundle/{urllib.parse.quote(bundle_id, safe='')}")
            data = self._request(url, missing=(404,))
            if data is None:
                notes.append(f"bundle {bundle_id} is listed but not downloadable (404 from {url})")
                continue
            bundles.append(RawBundle(url, data))
        return tuple(pages), tuple(bundles)

    def _artifacts(
        self, loops_file: RawFile | None, incremental: tuple[RawFile, ...], notes: list[str]
    ) -> tuple[RawArtifacts, ...]:
        """The registry's artifact listing for every (task_run_id, loop_id) we are importing."""
        pairs: list[tuple[str, int]] = []
        if loops_file is not None:
            try:
                parsed = parse_loop_catalog(loops_file.data, origin=loops_file.origin)
                pairs += [(entry.task_run_id, entry.loop_id) for entry in parsed.entries]
            except CatalogFormatError:
                pass  # refused by the sync with the full message
        for page in incremental:
            with contextlib.suppress(CatalogFormatError):  # refused by the sync with the full message
                feed = parse_incremental(page.data, origin=page.origin)
                pairs += [(loop.task_run_id, loop.loop_id) for loop in feed.loops]
        listings: list[RawArtifacts] = []
        failures: list[str] = []
        for task_run_id, loop_id in dict.fromkeys(pairs):
            url = self._url(f"/loops/{urllib.parse.quote(task_run_id, safe='')}/{loop_id}/artifacts")
            try:
                data = self._request(url, missing=(404, 501))
            except CatalogSourceError as exc:  # optional data: a warning, never a refusal
                failures.append(exc.what)
                continue
            if data is not None:
                listings.append(RawArtifacts(task_run_id, loop_id, url, data))
        if failures:
            notes.append(
                f"no registry hashes for {len(failures)} loop(s), their files are pinned locally instead: "
                + failures[0]
                + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else "")
            )
        elif pairs and not listings:
            notes.append(
                "the results API lists no artifacts (no registry): model files are pinned locally instead"
            )
        return tuple(listings)

    def confirm_bundle(self, asset_bundle_id: str) -> None:
        """``POST /ops/sync-confirm``: RD-Agent marks the bundle's loops ``sync_status='synced'``."""
        import json

        body = json.dumps({"asset_bundle_id": asset_bundle_id, "status": "synced"}).encode()
        self._request(self._url("/ops/sync-confirm"), body=body)


# --- choosing a source -----------------------------------------------------------------------


def open_source(spec: str | Path, *, timeout: float = DEFAULT_TIMEOUT_S) -> CatalogSource:
    """The source ``--from`` names: an ``http(s)://`` URL, a ZIP file or a directory."""
    text = str(spec).strip()
    if text.lower().startswith(("http://", "https://")):
        return UrlSource(text, timeout=timeout)
    path = Path(text).expanduser()
    if path.is_dir():
        return DirSource(path)
    if path.is_file():
        if zipfile.is_zipfile(path):
            return ZipSource(path)
        raise CatalogSourceError(
            f"{path} is a file but not a ZIP",
            "pass the directory that holds the catalog files (not one file), a ZIP, or a results-API URL",
        )
    raise CatalogSourceError(
        f"{text} is neither a directory, a ZIP file nor an http(s) URL",
        "check the path, or pass the RD-Agent results API as http://HOST:9000",
    )
