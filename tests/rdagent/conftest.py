"""Fixtures for the RD-Agent catalog tests: real exports, real SQLite stores, a real HTTP server.

Helpers are fixtures (not importable functions) because ``tests/`` has no packages. The HTTP
server stands in for RD-Agent's FastAPI results API, which cannot run here: it serves the
documented routes with the documented shapes (``rdagent_contracts.md`` §5) — catalogs and alpha
meta as files (404 ``{"detail": "<file> not found"}`` when absent), the registry's artifact
listing, the incremental feed filtered on ``updated_at_utc > last_sync_time``, bundle ZIPs and
``/ops/sync-confirm``.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import stat
import threading
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aistock.store import Store, WorkstationHome, open_store

DATA = Path(__file__).resolve().parent / "data" / "rdagent_real"
RD_PREFIX = "/mnt/f/Dev/RD-Agent-main"
MODEL_WS = "462527f0ab3d4ccaa48fd8aad72284dc"
"""The workspace of loop 95fde9f8…/0 that the real strategy catalog gives a path for."""

CATALOG_TABLES = (
    "rdagent_factor",
    "rdagent_strategy",
    "rdagent_loop",
    "rdagent_model",
    "rdagent_artifact_file",
    "rdagent_bundle",
)


@pytest.fixture
def rd_fixture_dir() -> Path:
    """The real RD-Agent export (read-only: copy before changing anything)."""
    return DATA


@pytest.fixture
def rd_catalog_dir(tmp_path: Path) -> Path:
    """A writable copy of the real export, in a folder of its own."""
    target = tmp_path / "export"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def rd_store(tmp_path: Path) -> Iterator[Store]:
    """A real store in a fresh home."""
    with open_store(WorkstationHome(tmp_path / "home")) as store:
        yield store


@pytest.fixture
def rd_dump() -> Callable[[Store], dict[str, list[tuple[Any, ...]]]]:
    """Every row of the catalog tables and the ``rdagent.*`` settings, to prove nothing changed."""

    def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
        with closing(sqlite3.connect(store.path)) as connection:
            result = {
                table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in CATALOG_TABLES
            }
            result["setting"] = connection.execute(
                "SELECT key, value_json FROM setting WHERE key LIKE 'rdagent.%' ORDER BY key"
            ).fetchall()
        return result

    return dump


@pytest.fixture
def rd_edit_json() -> Callable[[Path, Callable[[Any], Any]], None]:
    """Rewrite a JSON file through a function (which may mutate in place or return a new value)."""

    def edit(path: Path, change: Callable[[Any], Any]) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        result = change(document)
        path.write_text(
            json.dumps(document if result is None else result, ensure_ascii=False), encoding="utf-8"
        )

    return edit


def _bundle_zip(
    bundle_id: str,
    task_run_id: str,
    loop_id: int,
    workspace_id: str,
    *,
    model: bytes = b"pickled LGBModel stand-in",
    prefix: str = "",
    extra: dict[str, bytes] | None = None,
    symlink: str | None = None,
    manifest: dict[str, Any] | None = None,
) -> bytes:
    """A bundle as ``rdagent/utils/solidification.py`` writes it (and the API zips it)."""
    document = manifest or {
        "schema_version": 1,
        "asset_bundle_id": bundle_id,
        "task_run_id": task_run_id,
        "loop_id": loop_id,
        "generated_at_utc": "2026-02-12T08:00:00+00:00",
        "primary_workspace_id": workspace_id,
        "source_workspace_path": f"{RD_PREFIX}/git_ignore_folder/RD-Agent_workspace/{workspace_id}",
        "log_dir": "",
        "log_uri": "",
        "primary_assets": {
            "factor_entry_relpath": f"workspaces/{workspace_id}/factor_entry.py",
            "model_weight_relpath": f"workspaces/{workspace_id}/model.pkl",
            "config_relpath": f"workspaces/{workspace_id}/conf_baseline.yaml",
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(prefix + "manifest.json", json.dumps(document))
        archive.writestr(prefix + "self_check.py", "print('ok')\n")
        ws = f"{prefix}workspaces/{workspace_id}/"
        archive.writestr(ws + "conf_baseline.yaml", "task:\n  model:\n    class: LGBModel\n")
        archive.writestr(ws + "factor.py", "def calculate_x():\n    pass\n")
        archive.writestr(ws + "factor_entry.py", "def compute(df_history):\n    return df_history\n")
        archive.writestr(ws + "model.pkl", model)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.fixture
def rd_bundle_zip() -> Callable[..., bytes]:
    """Build a production bundle ZIP: ``(bundle_id, task_run_id, loop_id, ws, **options)``."""
    return _bundle_zip


@pytest.fixture
def rd_repo(tmp_path: Path) -> Callable[..., Path]:
    """Build a fake RD-Agent checkout: catalogs in RDagentDB/aistock, one workspace with a model."""

    def build(name: str = "RD-Agent-local", *, params: bytes = b"params.pkl v1") -> Path:
        root = tmp_path / name
        shutil.copytree(DATA, root / "RDagentDB" / "aistock")
        ws = root / "git_ignore_folder" / "RD-Agent_workspace" / MODEL_WS
        artifacts = ws / "mlruns" / "574308137748469534" / "16a66745a6134d409c5ab6ab9afcaa2f" / "artifacts"
        artifacts.mkdir(parents=True)
        (artifacts / "params.pkl").write_bytes(params)
        (artifacts / "dataset").write_bytes(b"pickled DatasetH stand-in")
        (artifacts / "pred.pkl").write_bytes(b"not a model file")
        (ws / "model.pkl").write_bytes(b"root model.pkl")
        (ws / "conf_baseline.yaml").write_text("task: {}\n")
        (root / "log").mkdir()
        return root

    return build


# --- the results API stand-in ----------------------------------------------------------------


@dataclass
class FakeResultsApi:
    """State of the stand-in server; tests configure it and read what was asked."""

    url: str = ""
    routes: dict[str, bytes] = field(default_factory=dict)
    artifacts: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    incremental: list[dict[str, Any]] | None = field(default_factory=list)
    """Registry ``loops`` rows (with ``factors``); ``None`` = no registry (501)."""
    bundles: dict[str, bytes] = field(default_factory=dict)
    fail: dict[str, int] = field(default_factory=dict)
    artifacts_status: int | None = None
    """When set, every artifacts route answers this status (501: the API runs without a registry)."""
    requests: list[str] = field(default_factory=list)
    confirms: list[dict[str, Any]] = field(default_factory=list)
    confirm_check: Callable[[str], bool] | None = None
    """Called at confirm time with the bundle id; its answer is recorded as ``stored_when_confirmed``."""

    def serve_export(self, directory: Path) -> None:
        """Serve the catalog files of ``directory`` as RD-Agent's catalog routes."""
        for route, file in (
            ("/catalog/factors", "factor_catalog.json"),
            ("/catalog/strategies", "strategy_catalog.json"),
            ("/catalog/loops", "loop_catalog.json"),
            ("/catalog/models", "model_catalog.json"),
            ("/alpha158/meta", "alpha158_meta.json"),
            ("/alpha360/meta", "alpha360_meta.json"),
        ):
            if (directory / file).is_file():
                self.routes[route] = (directory / file).read_bytes()


def _handler(api: FakeResultsApi) -> type[BaseHTTPRequestHandler]:
    not_found_names = {
        "/catalog/factors": "factor_catalog.json",
        "/catalog/strategies": "strategy_catalog.json",
        "/catalog/loops": "loop_catalog.json",
        "/catalog/models": "model_catalog.json",
        "/alpha158/meta": "alpha158_meta.json",
        "/alpha360/meta": "alpha360_meta.json",
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: Any) -> None:
            self._send(status, json.dumps(value).encode())

        def do_GET(self) -> None:
            api.requests.append(f"GET {self.path}")
            parts = urllib.parse.urlsplit(self.path)
            path, query = parts.path, urllib.parse.parse_qs(parts.query)
            if path in api.fail:
                self._json(api.fail[path], {"detail": "injected failure"})
                return
            segments = path.strip("/").split("/")
            if path == "/health":
                self._json(200, {"status": "ok"})
            elif path == "/catalog/incremental":
                if api.incremental is None:
                    self._json(501, {"detail": "registry not available"})
                    return
                since = query.get("last_sync_time", [""])[0]
                limit = int(query.get("limit", ["100"])[0])
                rows = sorted(
                    (row for row in api.incremental if not since or row["updated_at_utc"] > since),
                    key=lambda row: row["updated_at_utc"],
                )[:limit]
                self._json(
                    200,
                    {
                        "version": "v1",
                        "generated_at_utc": "2026-02-12T09:00:00+00:00",
                        "count": len(rows),
                        "loops": rows,
                    },
                )
            elif len(segments) == 4 and segments[0] == "loops" and segments[3] == "artifacts":
                if api.artifacts_status is not None:
                    self._json(api.artifacts_status, {"detail": "registry not available"})
                    return
                task_run_id, loop_id = segments[1], int(segments[2])
                listing = api.artifacts.get(
                    (task_run_id, loop_id), {"task_run_id": task_run_id, "loop_id": loop_id, "artifacts": []}
                )
                self._json(200, listing)
            elif len(segments) == 3 and segments[:2] == ["artifacts", "bundle"]:
                data = api.bundles.get(segments[2])
                if data is None:
                    self._json(404, {"detail": f"Bundle {segments[2]} not found"})
                else:
                    self._send(200, data, "application/x-zip-compressed")
            elif path in api.routes:
                self._send(200, api.routes[path])
            else:
                self._json(404, {"detail": f"{not_found_names.get(path, path)} not found"})

        def do_POST(self) -> None:
            api.requests.append(f"POST {self.path}")
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            if self.path != "/ops/sync-confirm":
                self._json(404, {"detail": "Not Found"})
                return
            bundle_id, status = payload.get("asset_bundle_id"), payload.get("status")
            if not bundle_id or status != "synced":
                self._json(400, {"detail": "Invalid payload"})
                return
            stored = api.confirm_check(bundle_id) if api.confirm_check is not None else None
            api.confirms.append({**payload, "stored_when_confirmed": stored})
            self._json(200, {"status": "ok", "message": f"Bundle {bundle_id} marked as synced"})

    return Handler


@pytest.fixture
def rd_api() -> Iterator[FakeResultsApi]:
    """A running stand-in for RD-Agent's results API on 127.0.0.1 (a free port)."""
    api = FakeResultsApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
