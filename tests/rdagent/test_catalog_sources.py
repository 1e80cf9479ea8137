"""Sources: ZIPs of catalogs, production bundles (and zip-slip), and the results API over HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aistock.rdagent.catalog.contracts import CatalogFormatError
from aistock.rdagent.catalog.repository import RdagentRepository
from aistock.rdagent.catalog.sources import (
    CatalogSourceError,
    DirSource,
    UnsafeBundleError,
    UrlSource,
    ZipSource,
    open_source,
)
from aistock.rdagent.catalog.sync import CURSOR_KEY, CatalogSync, bundles_dir
from aistock.store import SettingsRepository, Store

Dump = Callable[[Store], dict[str, list[tuple[Any, ...]]]]
BundleZip = Callable[..., bytes]

RUN = "71a7067442bf4523be34b6025431ce10"
LOOP = 5
WS = "9487a374496a4378a837e99e758a7bd2"
BUNDLE = "0b6f2a1c-1111-4222-8333-444455556666"
MODEL = b"pickled LGBModel stand-in"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- choosing a source -----------------------------------------------------------------------


def test_open_source_picks_by_what_the_path_is(tmp_path: Path, rd_fixture_dir: Path) -> None:
    assert isinstance(open_source("http://127.0.0.1:9000/"), UrlSource)
    assert isinstance(open_source(rd_fixture_dir), DirSource)
    archive = tmp_path / "export.zip"
    archive.write_bytes(_zip({"loop_catalog.json": b"{}"}))
    assert isinstance(open_source(archive), ZipSource)
    text = tmp_path / "loop_catalog.json"
    text.write_text("{}")
    with pytest.raises(CatalogSourceError, match="not a ZIP"):
        open_source(text)
    with pytest.raises(CatalogSourceError, match="neither a directory"):
        open_source(tmp_path / "nowhere")


def test_a_directory_reads_the_catalog_dir_of_a_repo_root(
    tmp_path: Path, rd_repo: Callable[..., Path]
) -> None:
    root = rd_repo()
    (root / "RDagentDB" / "aistock" / "experiment_catalog.json").write_text("{}")
    snapshot = DirSource(root).read()
    assert snapshot.repo_root == root.resolve()
    assert sorted(snapshot.catalogs) == ["factors", "loops", "strategies"]
    assert [f.name for f in snapshot.alpha_meta] == ["alpha158_meta.json"]
    assert all("RDagentDB/aistock" in f.origin for f in snapshot.catalogs.values())
    assert snapshot.notes == ("ignored experiment_catalog.json: not one of the four catalogs",)


# --- ZIPs of catalogs ------------------------------------------------------------------------


def test_a_zip_of_catalogs_at_any_depth_imports(
    rd_store: Store, rd_fixture_dir: Path, tmp_path: Path
) -> None:
    members = {
        f"export/RDagentDB/aistock/{path.name}": path.read_bytes()
        for path in sorted(rd_fixture_dir.glob("*.json"))
    }
    members["export/old/tmp/deeper/loop_catalog.json"] = b"not even json"  # deeper: ignored
    archive = tmp_path / "catalogs.zip"
    archive.write_bytes(_zip(members))

    report = CatalogSync(rd_store).run(archive)
    assert (report.kind, report.counts["loops"].added, report.counts["factors"].added) == ("zip", 30, 28)
    assert report.repo_root is None  # a ZIP is not a checkout: no path map, no trusted root
    again = CatalogSync(rd_store).run(archive)
    assert (again.added, again.changed) == (0, 0)


def test_a_zip_with_two_copies_at_one_depth_is_refused(
    rd_store: Store, rd_fixture_dir: Path, tmp_path: Path
) -> None:
    data = (rd_fixture_dir / "loop_catalog.json").read_bytes()
    archive = tmp_path / "two.zip"
    archive.write_bytes(_zip({"a/loop_catalog.json": data, "b/loop_catalog.json": data}))
    with pytest.raises(CatalogFormatError, match="twice at the same depth"):
        CatalogSync(rd_store).run(archive)


def test_a_zip_with_nothing_useful_is_refused(rd_store: Store, tmp_path: Path) -> None:
    archive = tmp_path / "other.zip"
    archive.write_bytes(_zip({"readme.txt": b"hello"}))
    with pytest.raises(CatalogSourceError, match="neither RD-Agent catalogs nor a bundle"):
        CatalogSync(rd_store).run(archive)
    assert RdagentRepository(rd_store).runs()[0].status == "refused"


# --- production bundles ----------------------------------------------------------------------


def test_a_bundle_zip_is_extracted_recorded_trusted_and_pinned(
    rd_store: Store, rd_bundle_zip: BundleZip, tmp_path: Path
) -> None:
    archive = tmp_path / f"bundle_{BUNDLE}.zip"
    archive.write_bytes(rd_bundle_zip(BUNDLE, RUN, LOOP, WS))
    report = CatalogSync(rd_store).run(archive)

    target = bundles_dir(rd_store) / BUNDLE
    assert report.bundles_stored == (BUNDLE,) and report.counts["bundles"].added == 1
    assert report.bundles_confirmed == ()  # a ZIP has nobody to confirm to
    assert (target / "manifest.json").is_file() and (
        target / "workspaces" / WS / "model.pkl"
    ).read_bytes() == MODEL
    assert sorted(p.name for p in target.parent.iterdir()) == [BUNDLE]  # no .partial left
    assert target.resolve() in report.trusted_roots and target.resolve() in report.new_roots
    assert "catalog files" not in report.summary()  # catalogs absent from a bundle ZIP are not an error
    repo = RdagentRepository(rd_store)
    (bundle,) = repo.bundles()
    assert (bundle.task_run_id, bundle.loop_id, bundle.primary_workspace_id) == (RUN, LOOP, WS)
    assert bundle.manifest["primary_assets"]["model_weight_relpath"] == f"workspaces/{WS}/model.pkl"
    assert repo.is_trusted(target / "workspaces" / WS / "model.pkl")

    again = CatalogSync(rd_store).run(archive)
    assert again.bundles_stored == () and again.counts["bundles"].unchanged == 1


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"extra": {"../../evil.py": b"import os"}}, "climbing out"),
        ({"extra": {"workspaces/x/../../../evil.py": b"import os"}}, "climbing out"),
        ({"extra": {"/etc/cron.d/evil": b"* * * * *"}}, "absolute path"),
        ({"extra": {"C:/Windows/evil.dll": b"MZ"}}, "absolute path"),
        ({"symlink": "workspaces/x/model.pkl.lnk"}, "symbolic link"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "drive", "symlink"],
)
def test_an_unsafe_bundle_is_refused_leaving_nothing_behind(
    rd_store: Store,
    rd_fixture_dir: Path,
    rd_bundle_zip: BundleZip,
    rd_dump: Dump,
    tmp_path: Path,
    options: dict[str, Any],
    problem: str,
) -> None:
    CatalogSync(rd_store).run(rd_fixture_dir)
    before = rd_dump(rd_store)
    archive = tmp_path / "evil.zip"
    archive.write_bytes(rd_bundle_zip(BUNDLE, RUN, LOOP, WS, **options))

    with pytest.raises(UnsafeBundleError) as caught:
        CatalogSync(rd_store).run(archive)

    assert problem in caught.value.what and "nothing" in caught.value.what
    assert not bundles_dir(rd_store).exists()
    assert not (tmp_path / "evil.py").exists() and not (tmp_path.parent / "evil.py").exists()
    assert rd_dump(rd_store) == before
    assert RdagentRepository(rd_store).runs()[0].status == "refused"


def test_a_bundle_with_a_path_as_its_id_is_refused(
    rd_store: Store, rd_bundle_zip: BundleZip, tmp_path: Path
) -> None:
    manifest = {
        "schema_version": 1,
        "asset_bundle_id": "../../outside",
        "task_run_id": RUN,
        "loop_id": LOOP,
        "primary_workspace_id": WS,
        "primary_assets": {},
    }
    archive = tmp_path / "bad-id.zip"
    archive.write_bytes(rd_bundle_zip(BUNDLE, RUN, LOOP, WS, manifest=manifest))
    with pytest.raises(CatalogFormatError, match="not a plain name"):
        CatalogSync(rd_store).run(archive)
    assert not bundles_dir(rd_store).exists()


def test_a_zip_of_a_production_bundles_folder_finds_each_bundle(
    rd_store: Store, rd_bundle_zip: BundleZip, tmp_path: Path
) -> None:
    other = "1c7f3b2d-2222-4333-8444-555566667777"
    members: dict[str, bytes] = {}
    for bundle_id, ws in ((BUNDLE, WS), (other, "2de6d9ce89c349e493415a857512098c")):
        with zipfile.ZipFile(io.BytesIO(rd_bundle_zip(bundle_id, RUN, LOOP, ws))) as archive:
            for info in archive.infolist():
                members[f"production_bundles/{bundle_id}/{info.filename}"] = archive.read(info)
    path = tmp_path / "bundles.zip"
    path.write_bytes(_zip(members))
    report = CatalogSync(rd_store).run(path)
    assert sorted(report.bundles_stored) == sorted([BUNDLE, other])
    assert (
        bundles_dir(rd_store) / other / "workspaces" / "2de6d9ce89c349e493415a857512098c" / "model.pkl"
    ).is_file()


# --- the results API -------------------------------------------------------------------------


def _incremental_row(updated: str = "2026-02-12T08:00:00+00:00") -> dict[str, Any]:
    """A registry ``loops`` row as ``/catalog/incremental`` returns it (no workspace id)."""
    return {
        "task_run_id": RUN,
        "loop_id": LOOP,
        "action": "model",
        "status": "success",
        "has_result": 1,
        "best_workspace_id": None,
        "started_at_utc": "2025-12-25T10:00:00+00:00",
        "ended_at_utc": "2025-12-25T11:00:00+00:00",
        "ic_mean": 0.05,
        "rank_ic_mean": 0.06,
        "ann_return": 0.53,
        "mdd": -0.3,
        "metrics_json": json.dumps({"IC": 0.05, "1day.excess_return_with_cost.annualized_return ": 0.5}),
        "log_dir": "/mnt/f/Dev/RD-Agent-main/log",
        "materialization_status": "done",
        "asset_bundle_id": BUNDLE,
        "is_solidified": 1,
        "sync_status": "pending",
        "updated_at_utc": updated,
        "factors": [{"factor_name": "Size_Log_MV", "asset_bundle_id": BUNDLE, "expression": "log(mv)"}],
    }


def test_a_url_sync_follows_the_documented_routes(
    rd_store: Store, rd_fixture_dir: Path, rd_api: Any, rd_bundle_zip: BundleZip
) -> None:
    rd_api.serve_export(rd_fixture_dir)
    rd_api.incremental = [_incremental_row()]
    rd_api.bundles[BUNDLE] = rd_bundle_zip(BUNDLE, RUN, LOOP, WS)
    target = bundles_dir(rd_store) / BUNDLE
    rd_api.confirm_check = lambda bundle_id: (bundles_dir(rd_store) / bundle_id / "manifest.json").is_file()
    registry_sha = "ab" * 32
    ws_path = f"/mnt/f/Dev/RD-Agent-main/git_ignore_folder/RD-Agent_workspace/{WS}"
    rd_api.artifacts[(RUN, LOOP)] = {
        "task_run_id": RUN,
        "loop_id": LOOP,
        "artifacts": [
            {
                "artifact_id": "a1",
                "artifact_type": "model",
                "name": "mlruns",
                "status": "present",
                "primary_flag": True,
                "entry_path": f"{ws_path}/mlruns",
                "summary": {},
                "files": [
                    {
                        "file_id": "f1",
                        "path": "mlruns/1/abc/artifacts/params.pkl",
                        "sha256": registry_sha,
                        "size_bytes": 1234,
                        "mtime_utc": "2025-12-25T11:00:00+00:00",
                        "kind": "model",
                    },
                    {
                        "file_id": "f2",
                        "path": "model.pkl",
                        "sha256": "cd" * 32,
                        "size_bytes": 9,
                        "kind": "model",
                    },
                ],
            }
        ],
    }

    report = CatalogSync(rd_store).run(rd_api.url)

    assert report.kind == "url" and report.location == rd_api.url
    assert report.counts["factors"].added == 28 and report.counts["strategies"].added == 2
    assert report.counts["loops"].added == 30  # the incremental loop is already in the catalog
    assert report.missing_catalogs == ("models",)
    assert any("model_catalog.json is not exported (404" in w for w in report.warnings)
    assert report.bundles_stored == (BUNDLE,) and report.bundles_confirmed == (BUNDLE,)
    assert rd_api.confirms == [{"asset_bundle_id": BUNDLE, "status": "synced", "stored_when_confirmed": True}]
    assert (target / "workspaces" / WS / "model.pkl").read_bytes() == MODEL
    # Requests: every catalog route, both alpha routes, incremental, the bundle, artifacts per loop.
    gets = [r for r in rd_api.requests if r.startswith("GET")]
    for route in ("/catalog/factors", "/catalog/models", "/alpha158/meta", "/alpha360/meta"):
        assert f"GET {route}" in gets
    assert "GET /catalog/incremental?limit=100" in gets
    assert f"GET /artifacts/bundle/{BUNDLE}" in gets
    assert sum(r.endswith("/artifacts") for r in gets) == 8  # one per distinct (task_run_id, loop_id)
    confirm_at = rd_api.requests.index("POST /ops/sync-confirm")
    assert confirm_at == len(rd_api.requests) - 1  # after everything was read and stored

    repo = RdagentRepository(rd_store)
    loop = repo.find_loop(RUN, LOOP, WS)
    # The registry vouches for both files; its hash beats the one pinned from the bundle's model.pkl.
    assert repo.expected_sha256(loop, "mlruns/1/abc/artifacts/params.pkl") == (registry_sha, "registry")
    assert repo.expected_sha256(loop, "model.pkl") == ("cd" * 32, "registry")
    assert report.registry_files == 2
    # The catalog row names no bundle (older export); the stored bundle of (RUN, LOOP) holds its workspace.
    assert loop.asset_bundle_id is None
    assert repo.local_workspace(loop) == target / "workspaces" / WS
    assert SettingsRepository(rd_store).get(CURSOR_KEY) == {rd_api.url: "2026-02-12T08:00:00+00:00"}

    # The second sync asks only for what changed since, and confirms nothing again.
    rd_api.requests.clear()
    again = CatalogSync(rd_store).run(rd_api.url)
    assert (again.added, again.changed) == (0, 0)
    assert (
        "GET /catalog/incremental?limit=100&last_sync_time=2026-02-12T08%3A00%3A00%2B00%3A00"
        in rd_api.requests
    )
    assert not any(r.startswith("POST") for r in rd_api.requests) and len(rd_api.confirms) == 1


def test_a_solidified_loop_missing_from_the_catalog_comes_from_the_feed(
    rd_store: Store, rd_api: Any, rd_bundle_zip: BundleZip
) -> None:
    rd_api.incremental = [_incremental_row()]
    rd_api.bundles[BUNDLE] = rd_bundle_zip(BUNDLE, RUN, LOOP, WS)
    report = CatalogSync(rd_store).run(rd_api.url)

    assert report.counts["loops"].added == 1
    assert set(report.missing_catalogs) == {"factors", "strategies", "loops", "models"}
    repo = RdagentRepository(rd_store)
    loop = repo.find_loop(RUN, LOOP)
    assert loop.workspace_id == WS  # from the bundle's primary_workspace_id
    assert (loop.consumable, loop.asset_bundle_id, loop.factor_names) == (True, BUNDLE, ("Size_Log_MV",))
    assert loop.metrics["annualized_return"] == 0.53
    assert repo.local_workspace(loop) == bundles_dir(rd_store) / BUNDLE / "workspaces" / WS
    assert repo.expected_sha256(loop, "model.pkl") == (_sha(MODEL), "pinned")


def test_a_registryless_api_is_tolerated(rd_store: Store, rd_fixture_dir: Path, rd_api: Any) -> None:
    rd_api.serve_export(rd_fixture_dir)
    rd_api.incremental = None  # 501
    rd_api.artifacts_status = 501
    report = CatalogSync(rd_store).run(rd_api.url)
    assert report.counts["loops"].added == 30 and report.status == "ok"
    assert any("no incremental feed" in w for w in report.warnings)
    assert any("no artifacts" in w for w in report.warnings)
    assert report.registry_files == 0

    rd_api.artifacts_status = 500  # a broken registry is a warning too: hashes are pinned locally instead
    report = CatalogSync(rd_store).run(rd_api.url)
    assert report.status == "ok" and any("HTTP 500" in w for w in report.warnings)


def test_an_unsafe_bundle_from_the_api_is_neither_stored_nor_confirmed(
    rd_store: Store, rd_fixture_dir: Path, rd_api: Any, rd_bundle_zip: BundleZip, rd_dump: Dump
) -> None:
    rd_api.serve_export(rd_fixture_dir)
    rd_api.incremental = [_incremental_row()]
    rd_api.bundles[BUNDLE] = rd_bundle_zip(BUNDLE, RUN, LOOP, WS, extra={"../evil.py": b"x"})
    before = rd_dump(rd_store)
    with pytest.raises(UnsafeBundleError):
        CatalogSync(rd_store).run(rd_api.url)
    assert rd_api.confirms == [] and not bundles_dir(rd_store).exists()
    assert rd_dump(rd_store) == before


def test_http_failures_name_the_url(rd_store: Store, rd_fixture_dir: Path, rd_api: Any) -> None:
    rd_api.serve_export(rd_fixture_dir)
    rd_api.fail["/catalog/loops"] = 500
    with pytest.raises(CatalogSourceError) as caught:
        CatalogSync(rd_store).run(rd_api.url)
    assert f"{rd_api.url}/catalog/loops answered HTTP 500" in caught.value.what
    assert "injected failure" in caught.value.what

    rd_api.fail.clear()
    rd_api.routes["/catalog/loops"] = b'{"version": "v1", "loops": [{"task_run_id": '
    with pytest.raises(CatalogFormatError, match="/catalog/loops is not a usable RD-Agent export"):
        CatalogSync(rd_store).run(rd_api.url)
    assert [r.status for r in RdagentRepository(rd_store).runs()] == ["refused", "refused"]


def test_an_unreachable_api_is_refused_with_the_url(rd_store: Store) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(CatalogSourceError) as caught:
        CatalogSync(rd_store).run(UrlSource(url, timeout=2.0))
    assert f"cannot reach {url}/catalog/factors" in caught.value.what
    assert "results_api" in caught.value.fix
    assert RdagentRepository(rd_store).runs()[0].origin_location == url
