"""``CatalogSync`` on real files and real SQLite: counts, idempotency, refusals, hashes, lookups."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from aistock.rdagent.catalog.contracts import CatalogFormatError
from aistock.rdagent.catalog.pathmap import PathMap, RdagentSettings
from aistock.rdagent.catalog.repository import AmbiguousLoopError, LoopNotFoundError, RdagentRepository
from aistock.rdagent.catalog.sources import CatalogSourceError
from aistock.rdagent.catalog.sync import CatalogSync
from aistock.store import RdagentLoop, RdagentSyncItem, Store

Dump = Callable[[Store], dict[str, list[tuple[Any, ...]]]]
EditJson = Callable[[Path, Callable[[Any], Any]], None]

RUN = "95fde9f8cec7490580a12a992457dfd7"
WS = "462527f0ab3d4ccaa48fd8aad72284dc"
PARAMS = "mlruns/574308137748469534/16a66745a6134d409c5ab6ab9afcaa2f/artifacts/params.pkl"
ANNUAL = "1day.excess_return_without_cost.annualized_return"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the real export -------------------------------------------------------------------------


def test_the_real_export_imports_and_says_what_it_could_not_use(
    rd_store: Store, rd_fixture_dir: Path
) -> None:
    report = CatalogSync(rd_store).run(rd_fixture_dir)

    assert report.status == "ok"
    assert {name: c.to_json() for name, c in report.counts.items()} == {
        "factors": {"added": 28, "changed": 0, "unchanged": 0, "rejected": 0},
        "strategies": {"added": 2, "changed": 0, "unchanged": 0, "rejected": 0},
        "loops": {"added": 30, "changed": 0, "unchanged": 0, "rejected": 0},
        "models": {"added": 0, "changed": 0, "unchanged": 0, "rejected": 0},
        "bundles": {"added": 0, "changed": 0, "unchanged": 0, "rejected": 0},
    }
    assert report.missing_catalogs == ("models",)
    summary = report.summary()
    assert "30 loops not consumable: materialization_status is missing" in summary
    assert "8 loops: recovered metric" in summary
    assert "model_catalog.json was not in the source" in summary
    assert "models     not exported" in summary

    repo = RdagentRepository(rd_store)
    loops = repo.loops()
    assert len(loops) == 30 and repo.loops(consumable_only=True) == []
    first = repo.find_loop(RUN, 0, WS)
    assert first.metrics == {ANNUAL: pytest.approx(0.9220809085731948)}
    assert first.annualized_return == pytest.approx(0.922, abs=1e-3)
    assert not first.consumable and "materialization_status is missing" in first.consumable_reason
    # The older loop shape has no workspace_path: it is filled from the strategy catalog's example.
    assert first.workspace_path == f"/mnt/f/Dev/RD-Agent-main/git_ignore_folder/RD-Agent_workspace/{WS}"
    assert first.raw.get("workspace_path") is None
    assert len(repo.factors()) == 28
    klen = repo.factor("KLEN")
    assert klen is not None and klen.expression == "($high-$low)/$open"
    assert repo.factor("KLEN", source="rdagent_generated") is None
    strategy = repo.strategy("9e92c854317f5684b0b25a49072c07aa")
    assert strategy is not None and strategy.portfolio_config is not None
    assert strategy.portfolio_config["class"] == "TopkDropoutStrategy"
    assert "conf_baseline.yaml" in strategy.template_files
    runs = repo.runs()
    assert [(r.id, r.status, r.origin_kind) for r in runs] == [(report.run_id, "ok", "dir")]
    assert runs[0].counts["loops"] == {"added": 30, "changed": 0, "unchanged": 0, "rejected": 0}


def test_reimporting_the_same_snapshot_changes_nothing(
    rd_store: Store, rd_fixture_dir: Path, rd_dump: Dump
) -> None:
    sync = CatalogSync(rd_store)
    sync.run(rd_fixture_dir)
    before = rd_dump(rd_store)
    again = sync.run(rd_fixture_dir)

    assert (again.added, again.changed) == (0, 0)
    assert again.counts["loops"].unchanged == 30 and again.counts["factors"].unchanged == 28
    after = rd_dump(rd_store)
    assert {table: len(rows) for table, rows in after.items()} == {
        table: len(rows) for table, rows in before.items()
    }

    def without_bookkeeping(rows: list[tuple[Any, ...]]) -> list[str]:
        return sorted(
            json.dumps([v for v in row if not isinstance(v, int) or isinstance(v, bool)]) for row in rows
        )

    for table in ("rdagent_factor", "rdagent_loop", "rdagent_strategy"):
        assert without_bookkeeping(after[table]) == without_bookkeeping(before[table])


@pytest.mark.parametrize(
    ("file", "corrupt", "detail"),
    [
        ("loop_catalog.json", lambda text: text[: len(text) // 2], "not valid JSON"),
        ("factor_catalog.json", lambda text: text.replace('"version": "v1"', '"version": "v9"', 1), "'v9'"),
        ("strategy_catalog.json", lambda text: text.replace('"strategies"', '"strategy_list"', 1), "missing"),
        ("alpha158_meta.json", lambda text: "[" + text + "]", "not a JSON object"),
    ],
    ids=["truncated", "wrong-version", "list-key-missing", "not-an-object"],
)
def test_a_corrupted_file_refuses_the_whole_sync(
    rd_store: Store,
    rd_fixture_dir: Path,
    rd_catalog_dir: Path,
    rd_dump: Dump,
    file: str,
    corrupt: Callable[[str], str],
    detail: str,
) -> None:
    sync = CatalogSync(rd_store)
    sync.run(rd_fixture_dir)
    # The next export changes a loop *and* breaks one file: nothing of it may land.
    loops = json.loads((rd_catalog_dir / "loop_catalog.json").read_text(encoding="utf-8"))
    loops["loops"][0]["decision"] = False
    (rd_catalog_dir / "loop_catalog.json").write_text(json.dumps(loops), encoding="utf-8")
    path = rd_catalog_dir / file
    path.write_text(corrupt(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = rd_dump(rd_store)

    with pytest.raises(CatalogFormatError) as caught:
        sync.run(rd_catalog_dir)

    assert detail in caught.value.what and str(path) in caught.value.what
    assert rd_dump(rd_store) == before
    runs = RdagentRepository(rd_store).runs()
    assert [r.status for r in runs] == ["refused", "ok"]
    assert str(path) in runs[0].message and runs[0].counts == {}


def test_an_unreadable_source_is_refused_and_recorded(rd_store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CatalogSourceError) as caught:
        CatalogSync(rd_store).run(empty)
    assert "no RD-Agent catalog files" in caught.value.what
    with pytest.raises(CatalogSourceError):
        CatalogSync(rd_store).run(tmp_path / "missing")
    assert [r.status for r in RdagentRepository(rd_store).runs()] == ["refused"]  # missing path: not a source


def test_bad_entries_are_skipped_with_reasons_and_the_rest_imports(
    rd_store: Store, rd_catalog_dir: Path, rd_edit_json: EditJson
) -> None:
    def add_bad_loops(document: dict[str, Any]) -> None:
        template = dict(document["loops"][0])
        missing = {k: v for k, v in template.items() if k != "loop_id"}
        document["loops"] += [missing, {**template, "loop_id": "7", "workspace_id": "f" * 32}]

    rd_edit_json(rd_catalog_dir / "loop_catalog.json", add_bad_loops)
    rd_edit_json(rd_catalog_dir / "factor_catalog.json", lambda d: d["factors"].append({"name": "NoSource"}))

    report = CatalogSync(rd_store).run(rd_catalog_dir)

    assert report.status == "partial"
    assert report.counts["loops"].added == 30 and report.counts["loops"].rejected == 2
    assert report.counts["factors"].added == 28 and report.counts["factors"].rejected == 1
    reasons = {(item.catalog, item.reason.split(" (")[0]) for item in report.rejected if item.reason}
    assert reasons == {
        ("loops", "loop_id is missing"),
        ("loops", "loop_id is '7', not an integer"),
        ("factors", "source is missing"),
    }
    assert all("loop_catalog.json" in (i.reason or "") for i in report.rejected if i.catalog == "loops")
    assert "Rejected (skipped):" in report.summary()
    with rd_store.session() as session:
        rejected = session.exec(select(RdagentSyncItem).where(RdagentSyncItem.outcome == "rejected")).all()
    assert len(rejected) == 3 and all(row.reason for row in rejected)
    assert len(RdagentRepository(rd_store).loops()) == 30


def test_a_changed_entry_is_counted_and_its_raw_json_updated(
    rd_store: Store, rd_fixture_dir: Path, rd_catalog_dir: Path, rd_edit_json: EditJson
) -> None:
    sync = CatalogSync(rd_store)
    sync.run(rd_fixture_dir)

    def change(document: dict[str, Any]) -> None:
        loop = document["loops"][0]
        loop["materialization_status"] = "done"
        loop["metrics"] = {"1day.excess_return_with_cost.annualized_return ": 0.81, "IC": 0.047}
        loop["sharpe"] = None
        loop["annualized_return"] = 0.9

    rd_edit_json(rd_catalog_dir / "loop_catalog.json", change)
    rd_edit_json(
        rd_catalog_dir / "loop_catalog.json", lambda d: d["loops"].pop() and None
    )  # absent ≠ deleted
    report = sync.run(rd_catalog_dir)

    assert report.counts["loops"].to_json() == {"added": 0, "changed": 1, "unchanged": 28, "rejected": 0}
    assert [i.key for i in report.items if i.outcome == "changed"] == [f"{RUN}/0/{WS}"]
    repo = RdagentRepository(rd_store)
    assert len(repo.loops()) == 30
    loop = repo.find_loop(RUN, 0, WS)
    assert loop.raw["materialization_status"] == "done" and loop.consumable
    assert loop.metrics == {
        "1day.excess_return_with_cost.annualized_return": 0.81,
        "IC": 0.047,
        "sharpe": None,
        "annualized_return": 0.9,
    }
    assert [found.key for found in repo.loops(consumable_only=True)] == [loop.key]
    with rd_store.session() as session:
        row = session.exec(select(RdagentLoop).where(RdagentLoop.workspace_id == WS)).one()
    assert json.loads(row.raw_json)["materialization_status"] == "done"
    assert row.first_seen_run == 1 and row.last_seen_run == 2


# --- a local RD-Agent checkout: path map, trusted roots, pinned hashes -------------------------


def test_a_repo_root_infers_the_path_map_and_pins_model_files(
    rd_store: Store, rd_repo: Callable[..., Path], rd_edit_json: EditJson
) -> None:
    root = rd_repo()
    report = CatalogSync(rd_store).run(root)

    assert report.repo_root == root.resolve()
    assert report.path_map.rules == (("/mnt/f/Dev/RD-Agent-main", str(root.resolve())),)
    assert root.resolve() in report.trusted_roots and root.resolve() in report.new_roots
    assert "Path map:" in report.summary() and "(new)" in report.summary()
    settings = RdagentSettings(rd_store)
    assert settings.path_map() == report.path_map and settings.roots() == [root.resolve()]

    repo = RdagentRepository(rd_store)
    loop = repo.find_loop(RUN, 0, WS)
    workspace = root / "git_ignore_folder" / "RD-Agent_workspace" / WS
    assert repo.local_workspace(loop) == workspace.resolve()
    assert repo.expected_sha256(loop, PARAMS) == (_sha(b"params.pkl v1"), "pinned")
    assert repo.expected_sha256(loop, "model.pkl") == (_sha(b"root model.pkl"), "pinned")
    assert repo.expected_sha256(loop, PARAMS.replace("params.pkl", "dataset")) is not None
    assert repo.expected_sha256(loop, PARAMS.replace("params.pkl", "pred.pkl")) is None
    assert report.pinned_files == 3
    other = repo.find_loop(RUN, 0, "b170369f75e34addb982b516cd3ccf08")
    assert repo.local_workspace(other) is None  # not on this machine

    # A file swapped behind an unchanged catalog keeps its first hash (caught at load time)...
    (workspace / PARAMS).write_bytes(b"tampered")
    again = CatalogSync(rd_store).run(root)
    assert again.pinned_files == 0 and (again.added, again.changed) == (0, 0)
    assert repo.expected_sha256(loop, PARAMS) == (_sha(b"params.pkl v1"), "pinned")
    # ...and is re-pinned only when RD-Agent's entry for the loop changed.
    rd_edit_json(
        root / "RDagentDB" / "aistock" / "loop_catalog.json", lambda d: d["loops"][0].update(status="x")
    )
    CatalogSync(rd_store).run(root)
    assert repo.expected_sha256(loop, PARAMS) == (_sha(b"tampered"), "pinned")


def test_model_files_named_by_basename_are_found_under_mlruns(
    rd_store: Store, rd_repo: Callable[..., Path], rd_edit_json: EditJson
) -> None:
    root = rd_repo()
    workspace = root / "git_ignore_folder" / "RD-Agent_workspace" / WS
    (workspace / "model.pkl").unlink()
    (workspace / PARAMS.replace("params.pkl", "dataset")).unlink()
    rd_edit_json(
        root / "RDagentDB" / "aistock" / "loop_catalog.json",
        lambda d: d["loops"][0]["paths"].update(mlruns="mlruns", model_files=["params.pkl"]),
    )
    report = CatalogSync(rd_store).run(root / "RDagentDB" / "aistock")
    assert report.repo_root == root.resolve() and report.pinned_files == 1
    repo = RdagentRepository(rd_store)
    loop = repo.find_loop(RUN, 0)  # the only workspace of the loop with a model
    assert loop.workspace_id == WS and loop.model_files == ("params.pkl",)
    assert repo.expected_sha256(loop, PARAMS) == (_sha(b"params.pkl v1"), "pinned")


def test_explicit_maps_are_saved_and_trusted(
    rd_store: Store, rd_fixture_dir: Path, rd_repo: Callable[..., Path]
) -> None:
    root = rd_repo("elsewhere")
    shutil.rmtree(root / "RDagentDB")
    explicit = PathMap.parse_rules([f"/mnt/f/Dev/RD-Agent-main={root}"])
    report = CatalogSync(rd_store).run(rd_fixture_dir, path_map=explicit)
    assert report.repo_root is None
    assert report.path_map == explicit and report.trusted_roots == (root.resolve(),)
    assert report.pinned_files == 3
    repo = RdagentRepository(rd_store)
    assert repo.local_workspace(repo.find_loop(RUN, 0, WS)) == (
        root.resolve() / "git_ignore_folder" / "RD-Agent_workspace" / WS
    )
    assert repo.trusted_roots() == [root.resolve()]
    assert repo.is_trusted(root / "git_ignore_folder") and not repo.is_trusted(rd_fixture_dir)


def test_bundles_inside_a_checkout_are_recorded_in_place(
    rd_store: Store, rd_repo: Callable[..., Path], rd_bundle_zip: Callable[..., bytes], rd_edit_json: EditJson
) -> None:
    import io
    import zipfile

    root = rd_repo()
    bundle_id = "0b6f2a1c-1111-4222-8333-444455556666"
    ws = "b170369f75e34addb982b516cd3ccf08"
    bundle_dir = root / "RDagentDB" / "production_bundles" / bundle_id
    with zipfile.ZipFile(io.BytesIO(rd_bundle_zip(bundle_id, RUN, 0, ws))) as archive:
        archive.extractall(bundle_dir)
    rd_edit_json(
        root / "RDagentDB" / "aistock" / "loop_catalog.json",
        lambda d: d["loops"][1].update(asset_bundle_id=bundle_id, is_solidified=True),
    )
    report = CatalogSync(rd_store).run(root)
    assert report.counts["bundles"].added == 1 and report.bundles_stored == ()  # nothing extracted
    repo = RdagentRepository(rd_store)
    loop = repo.find_loop(RUN, 0, ws)
    assert loop.asset_bundle_id == bundle_id
    assert repo.local_workspace(loop) == bundle_dir / "workspaces" / ws
    assert repo.expected_sha256(loop, "model.pkl") == (_sha(b"pickled LGBModel stand-in"), "pinned")
    assert CatalogSync(rd_store).run(root).counts["bundles"].unchanged == 1


# --- finding loops and models ----------------------------------------------------------------


def test_find_loop_refuses_to_guess_between_workspaces(rd_store: Store, rd_fixture_dir: Path) -> None:
    repo = RdagentRepository(rd_store)
    with pytest.raises(LoopNotFoundError) as missing:
        repo.find_loop(RUN, 0)
    assert "aistock sync" in missing.value.fix
    CatalogSync(rd_store).run(rd_fixture_dir)
    with pytest.raises(AmbiguousLoopError) as caught:
        repo.find_loop(RUN, 0)
    for ws in (WS, "b170369f75e34addb982b516cd3ccf08", "dadaee55dcb546f286ec8e73a524f2aa"):
        assert ws in caught.value.what
    assert "TASK_RUN_ID/LOOP_ID/WORKSPACE_ID" in caught.value.fix
    with pytest.raises(LoopNotFoundError):
        repo.find_loop(RUN, 9)
    with pytest.raises(LoopNotFoundError):
        repo.find_loop(RUN, 0, "0" * 32)
    assert repo.find_loop(RUN, 0, WS).workspace_id == WS


def test_models_are_linked_to_their_loop_workspace(
    rd_store: Store, rd_catalog_dir: Path, rd_edit_json: EditJson
) -> None:
    ws = "9487a374496a4378a837e99e758a7bd2"
    model = {
        "task_run_id": "71a7067442bf4523be34b6025431ce10",
        "loop_id": 5,
        "log_dir": "/mnt/f/Dev/RD-Agent-main/log",
        "workspace_id": ws,
        "workspace_path": f"/mnt/f/Dev/RD-Agent-main/git_ignore_folder/RD-Agent_workspace/{ws}",
        "model_type": "LGBModel",
        "model_config": {
            "class": "LGBModel",
            "module_path": "qlib.contrib.model.gbdt",
            "kwargs": {"loss": "mse"},
        },
        "dataset_config": {"class": "DatasetH", "module_path": "qlib.data.dataset", "kwargs": {}},
        "feature_schema": None,
        "flattened_feature_list": ["RESI5", "KLEN"],
        "model_artifacts": {"mlruns": "mlruns", "model_files": []},
        "model_id": "5" * 32,
    }
    document = {"version": "v1", "generated_at_utc": "x", "source": "rdagent_tools", "models": [model]}
    (rd_catalog_dir / "model_catalog.json").write_text(json.dumps(document), encoding="utf-8")
    report = CatalogSync(rd_store).run(rd_catalog_dir)
    assert report.counts["models"].added == 1 and report.missing_catalogs == ()

    repo = RdagentRepository(rd_store)
    loop = repo.find_loop("71a7067442bf4523be34b6025431ce10", 5)  # the workspace with a model row
    assert loop.workspace_id == ws
    assert loop.workspace_path == model["workspace_path"]  # taken from the model catalog
    found = repo.model_for(loop)
    assert found is not None
    assert (found.model_type, found.flattened_feature_list) == ("LGBModel", ("RESI5", "KLEN"))
    assert found.model_config["kwargs"] == {"loss": "mse"} and found.feature_schema is None
    other = repo.find_loop("71a7067442bf4523be34b6025431ce10", 5, "2de6d9ce89c349e493415a857512098c")
    assert repo.model_for(other) is None
