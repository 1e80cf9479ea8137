"""Find a loop's model files in its workspace and load pickles only when they are trusted.

A pickle runs code when it is loaded, so ``params.pkl`` and qlib's ``dataset`` are loaded only

* from inside a configured RD-Agent root (the resolved path, so ``..`` or a symlink cannot lead
  out of it), and
* when a sha256 is known for the file — from RD-Agent's registry (results API) or pinned when
  the loop was synced — only if the file still has it.

Where the files are: qlib's recorder puts them in ``mlruns/<experiment>/<run>/artifacts/``
(``params.pkl`` = the fitted model, ``dataset`` = the DatasetH with its *fitted* processors,
``config`` = the workflow config that ran, ``pred.pkl``); a production bundle has only
``model.pkl`` next to the YAML. The loop catalog lists ``model_files`` as bare basenames, so
we search rather than trust a path.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aistock.core.errors import AistockError


class ModelArtifactError(AistockError):
    """A model file is missing, untrusted, altered or unreadable."""


@dataclass(frozen=True)
class ModelArtifacts:
    """The files of one trained model inside a workspace."""

    workspace: Path
    params: Path
    dataset: Path | None
    config: Path | None
    pred: Path | None

    def relpath(self, path: Path) -> str:
        return path.relative_to(self.workspace).as_posix()


def _recorder_end(run_dir: Path) -> str:
    meta = run_dir / "meta.yaml"
    try:
        data = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ""
    return str(data.get("end_time") or "")


def find_model_artifacts(workspace: Path, loop_key: str) -> ModelArtifacts:
    """The newest finished recorder's model in ``workspace``, else a bundle's ``model.pkl``."""
    if not workspace.is_dir():
        raise ModelArtifactError(
            f"the workspace of loop {loop_key} is not on this machine: {workspace}",
            "check the RD-Agent path map (aistock sync --map FROM=TO) or sync the loop's bundle",
        )
    runs = [p.parent for p in workspace.glob("mlruns/*/*/artifacts/params.pkl")]
    if runs:
        artifacts = max(runs, key=lambda a: (_recorder_end(a.parent), a.as_posix()))
        return ModelArtifacts(
            workspace=workspace,
            params=artifacts / "params.pkl",
            dataset=_present(artifacts / "dataset"),
            config=_present(artifacts / "config"),
            pred=_present(artifacts / "pred.pkl"),
        )
    for name in ("model.pkl", "params.pkl"):
        if (workspace / name).is_file():
            return ModelArtifacts(workspace, workspace / name, None, None, None)
    raise ModelArtifactError(
        f"loop {loop_key} has no model file: neither mlruns/*/*/artifacts/params.pkl nor model.pkl "
        f"exists in {workspace}",
        "the loop may not have finished training; re-run RD-Agent's materialization and sync again",
    )


def _present(path: Path) -> Path | None:
    return path if path.is_file() else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_trusted(path: Path, roots: Sequence[Path]) -> Path:
    """The resolved ``path`` if it lies inside one of ``roots``; otherwise refuse."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise ModelArtifactError(f"the model file {path} does not exist", "sync the loop again") from exc
    for root in roots:
        try:
            if real.is_relative_to(root.resolve()):
                return real
        except OSError:
            continue
    allowed = ", ".join(str(r) for r in roots) or "none configured"
    raise ModelArtifactError(
        f"refusing to load {real}: it is outside the trusted RD-Agent roots ({allowed})",
        "pickles run code when loaded; sync from the RD-Agent directory that holds it "
        "(which trusts that root) or add the root explicitly",
    )


def load_trusted_pickle(path: Path, roots: Sequence[Path], expected: tuple[str, str] | None = None) -> Any:
    """Unpickle ``path`` after the root check and, when a hash is known, the sha256 check."""
    real = check_trusted(path, roots)
    data = real.read_bytes()
    if expected is not None:
        want, origin = expected
        got = hashlib.sha256(data).hexdigest()
        if got != want.lower():
            source = "RD-Agent's registry" if origin == "registry" else "the sync that pinned it"
            raise ModelArtifactError(
                f"{real} has sha256 {got[:16]}…, but {source} recorded {want[:16]}…: the file changed",
                "if RD-Agent retrained the loop, sync again; otherwise restore the file — it is not loaded",
            )
    try:
        return pickle.loads(data)
    except ModuleNotFoundError as exc:
        raise ModelArtifactError(
            f"{real} needs the Python module {exc.name!r}, which this workstation does not have",
            "the model was trained with a class outside qlib (e.g. an RD-Agent custom loader); "
            "only qlib's own classes can be reproduced here",
        ) from exc
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
        raise ModelArtifactError(f"{real} cannot be unpickled ({exc})", "sync the loop again") from exc


CONFIG_PREFERENCE = ("conf_baseline.yaml", "conf.yaml", "config.yaml")


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, Mapping):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): str(value)}


def _logged_params(workspace: Path) -> dict[str, str]:
    """The task parameters qlib logged for the newest run (``mlruns/*/*/params/<flat key>``)."""
    runs = sorted(workspace.glob("mlruns/*/*/params"), key=lambda p: _recorder_end(p.parent))
    if not runs:
        return {}
    return {
        p.name: p.read_text(encoding="utf-8", errors="replace") for p in runs[-1].iterdir() if p.is_file()
    }


def choose_config_yaml(workspace: Path) -> tuple[Path, dict[str, Any]]:
    """The ``conf*.yaml`` that trained the model.

    RD-Agent workspaces hold several (the real fixture's has seven). The one whose task matches
    the parameters qlib logged for the run wins; without mlruns (a bundle) RD-Agent's own
    preference applies: conf_baseline.yaml > conf.yaml > config.yaml, else the only candidate.
    """
    candidates: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(workspace.glob("*.y*ml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("task"), dict) and "dataset" in data["task"]:
            candidates.append((path, data))
    if not candidates:
        raise ModelArtifactError(
            f"{workspace} has no conf*.yaml with a task.dataset section",
            "sync the whole workspace: the runtime rebuilds features from the loop's config",
        )
    logged = _logged_params(workspace)
    if logged:

        def agreement(item: tuple[Path, dict[str, Any]]) -> int:
            flat = _flatten(item[1]["task"])
            return sum(1 for key, value in flat.items() if logged.get(key) == value)

        return max(candidates, key=agreement)
    for name in CONFIG_PREFERENCE:
        for path, data in candidates:
            if path.name == name:
                return path, data
    if len(candidates) == 1:
        return candidates[0]
    names = ", ".join(p.name for p, _ in candidates)
    raise ModelArtifactError(
        f"{workspace} has several workflow configs ({names}) and no run log saying which one trained",
        "keep only the config that trained the model in the bundle, or sync the workspace with mlruns",
    )
