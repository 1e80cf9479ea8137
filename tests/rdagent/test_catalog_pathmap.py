"""The path map (RD-Agent paths → local), its inference from a repo root, and trusted roots."""

from __future__ import annotations

from pathlib import Path

import pytest

from aistock.rdagent.catalog.pathmap import (
    PathMap,
    PathMapError,
    RdagentSettings,
    find_rdagent_root,
    infer_path_map,
    is_rdagent_root,
    normalise,
    workspace_candidates,
)
from aistock.store import Store

WS = "462527f0ab3d4ccaa48fd8aad72284dc"


def test_posix_prefixes_are_rewritten(tmp_path: Path) -> None:
    path_map = PathMap((("/mnt/f/Dev/RD-Agent-main", str(tmp_path)),))
    raw = f"/mnt/f/Dev/RD-Agent-main/git_ignore_folder/RD-Agent_workspace/{WS}"
    assert path_map.resolve(raw) == tmp_path / "git_ignore_folder" / "RD-Agent_workspace" / WS
    assert path_map.resolve("/mnt/f/Dev/RD-Agent-main/") == tmp_path
    assert path_map.resolve("/mnt/f/Dev/RD-Agent-main//log/") == tmp_path / "log"


def test_windows_paths_match_with_either_separator_and_any_drive_case(tmp_path: Path) -> None:
    path_map = PathMap((("F:\\Dev\\RD-Agent-main", str(tmp_path)),))
    expected = tmp_path / "git_ignore_folder" / "RD-Agent_workspace" / WS
    assert (
        path_map.resolve(f"F:\\Dev\\RD-Agent-main\\git_ignore_folder\\RD-Agent_workspace\\{WS}") == expected
    )
    assert path_map.resolve(f"f:/dev/rd-agent-main/git_ignore_folder/RD-Agent_workspace/{WS}") == expected
    assert path_map.resolve(f"F:/Dev/RD-Agent-main\\git_ignore_folder/RD-Agent_workspace\\{WS}") == expected


def test_posix_prefixes_stay_case_sensitive(tmp_path: Path) -> None:
    path_map = PathMap((("/mnt/f/Dev/RD-Agent-main", str(tmp_path)),))
    assert path_map.resolve("/mnt/f/dev/rd-agent-main/x") == Path("/mnt/f/dev/rd-agent-main/x")


def test_the_longest_prefix_wins_on_whole_components(tmp_path: Path) -> None:
    general, specific = tmp_path / "general", tmp_path / "specific"
    path_map = PathMap(
        (
            ("/mnt/f/Dev", str(general)),
            ("/mnt/f/Dev/RD-Agent-main/git_ignore_folder", str(specific)),
        )
    )
    assert path_map.resolve("/mnt/f/Dev/RD-Agent-main/git_ignore_folder/ws") == specific / "ws"
    assert path_map.resolve("/mnt/f/Dev/RD-Agent-main/log") == general / "RD-Agent-main" / "log"
    # "/mnt/f/Dev2" is not under "/mnt/f/Dev".
    assert path_map.resolve("/mnt/f/Dev2/x") == Path("/mnt/f/Dev2/x")


def test_unmappable_paths_give_none(tmp_path: Path) -> None:
    path_map = PathMap((("/mnt/f/Dev/RD-Agent-main", str(tmp_path)),))
    assert path_map.resolve("/mnt/f/Dev/RD-Agent-main/../../etc/passwd") is None
    assert path_map.resolve("F:\\Other\\place") is None  # foreign and unmapped
    assert path_map.resolve("relative/path") is None
    assert path_map.resolve(None) is None and path_map.resolve("  ") is None


def test_rules_replace_by_prefix_and_round_trip_as_json(tmp_path: Path) -> None:
    path_map = PathMap().with_rule("/a", "/x").with_rule("F:\\b", "/y").with_rule("/a/", "/z")
    assert path_map.rules == (("F:\\b", "/y"), ("/a/", "/z"))
    assert PathMap.from_json(path_map.to_json()) == path_map
    assert PathMap.from_json([["/a", "/b"], "junk", [1, 2], ["only one"]]).rules == (("/a", "/b"),)
    assert PathMap.from_json(None) == PathMap()


def test_map_options_are_parsed(tmp_path: Path) -> None:
    parsed = PathMap.parse_rules([f"/mnt/f/Dev/RD-Agent-main={tmp_path}", f"F:\\x=y={tmp_path}"])
    assert parsed.rules == (("/mnt/f/Dev/RD-Agent-main", str(tmp_path)), ("F:\\x=y", str(tmp_path)))
    for bad in ("no-equals", "=/x", "/x="):
        with pytest.raises(PathMapError) as caught:
            PathMap.parse_rules([bad])
        assert "FROM=TO" in caught.value.what


def test_normalise() -> None:
    assert normalise("f:\\Dev\\\\x\\") == "F:/Dev/x"
    assert normalise("\\\\server\\share\\x") == "//server/share/x"
    assert normalise("/") == "/"
    assert normalise("C:\\") == "C:/"


def test_the_prefix_is_inferred_from_raw_workspace_paths(tmp_path: Path) -> None:
    raw = [
        f"/mnt/f/Dev/RD-Agent-main/git_ignore_folder/RD-Agent_workspace/{WS}",
        "/mnt/f/Dev/RD-Agent-main/git_ignore_folder/RD-Agent_workspace/other",
        f"F:\\Dev\\RD-Agent-main\\git_ignore_folder\\RD-Agent_workspace\\{WS}",
        "f:/dev/rd-agent-main/git_ignore_folder/x",
        "/mnt/f/Dev/RD-Agent-main/RDagentDB/registry.sqlite",
        "/somewhere/without/anchor",
    ]
    inferred = infer_path_map(tmp_path, raw)
    assert inferred.rules == (
        ("/mnt/f/Dev/RD-Agent-main", str(tmp_path.resolve())),
        ("F:/Dev/RD-Agent-main", str(tmp_path.resolve())),
    )
    assert inferred.resolve(raw[2]) == tmp_path.resolve() / "git_ignore_folder" / "RD-Agent_workspace" / WS


def test_repo_roots_are_recognised(tmp_path: Path) -> None:
    root = tmp_path / "RD-Agent"
    (root / "RDagentDB" / "aistock").mkdir(parents=True)
    (root / "rdagent_data").mkdir()
    assert is_rdagent_root(root)
    assert find_rdagent_root(root) == root.resolve()
    assert find_rdagent_root(root / "RDagentDB" / "aistock") == root.resolve()
    assert find_rdagent_root(root / "rdagent_data") == root.resolve()
    assert find_rdagent_root(tmp_path) is None
    only_workspaces = tmp_path / "other"
    (only_workspaces / "git_ignore_folder" / "RD-Agent_workspace").mkdir(parents=True)
    assert is_rdagent_root(only_workspaces)


def test_workspace_candidates_fall_back_on_the_workspace_id(tmp_path: Path) -> None:
    path_map = PathMap((("/mnt/f/Dev/RD-Agent-main", str(tmp_path / "mapped")),))
    candidates = workspace_candidates(WS, None, path_map, [tmp_path / "root"])
    assert candidates == [
        tmp_path / "mapped" / "git_ignore_folder" / "RD-Agent_workspace" / WS,
        tmp_path / "root" / "git_ignore_folder" / "RD-Agent_workspace" / WS,
    ]


def test_settings_keep_the_map_and_the_trusted_roots(rd_store: Store, tmp_path: Path) -> None:
    settings = RdagentSettings(rd_store)
    assert settings.path_map() == PathMap() and settings.roots() == []
    settings.set_path_map(PathMap((("/mnt/f/Dev/RD-Agent-main", str(tmp_path)),)))
    assert settings.path_map().rules == (("/mnt/f/Dev/RD-Agent-main", str(tmp_path)),)
    root = tmp_path / "trusted"
    root.mkdir()
    assert settings.add_root(root) is True
    assert settings.add_root(tmp_path / "trusted" / ".." / "trusted") is False
    assert settings.add_root(root / "bundles" / "b1") is False  # already covered by its parent
    assert settings.roots() == [root.resolve()]
    assert settings.is_trusted(root / "ws" / "model.pkl")
    assert not settings.is_trusted(tmp_path / "elsewhere")
    (root / "escape").symlink_to(tmp_path)
    assert not settings.is_trusted(root / "escape" / "model.pkl")
