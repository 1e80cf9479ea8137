"""Run an RD-Agent ``factor.py`` on the workstation's own data, in a fenced child process.

RD-Agent's generated factors are Python, written by an LLM, in one fixed shape: a function
``calculate_<name>()`` with no arguments that reads ``daily_pv.h5`` (key ``data``, a
``(datetime, instrument)`` frame with ``open high low close volume amount factor``) from the
current directory and writes ``result.h5`` (key ``data``) with one float column per factor.
We keep that contract exactly, so the same file runs unchanged here and in RD-Agent.

Running code an LLM wrote next to a trading account needs fences (REQ-SEC-P3-005 asks to block
``os``/``subprocess``/``shutil``):

1. the source is parsed and refused unless every import is on a short allow-list of numeric
   libraries and it calls none of ``eval``/``exec``/``compile``/``__import__``/``open``;
2. it runs in a separate Python process whose working directory is a scratch directory holding
   only the input file, with a stripped environment and a time limit;
3. inside that process an audit hook (PEP 578) refuses process creation, sockets and file
   writes outside the scratch directory, so a check the static pass missed still fails closed.

None of this is a security boundary against a determined attacker with local access; it stops
the accidents and the obviously dangerous code that an LLM may produce.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aistock.core.errors import AistockError

#: Columns RD-Agent's ``daily_pv.h5`` carries (its fork drops qlib's ``$`` prefix).
DAILY_PV_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume", "amount", "factor")

ALLOWED_IMPORTS: frozenset[str] = frozenset(
    {
        "numpy",
        "pandas",
        "math",
        "statistics",
        "datetime",
        "typing",
        "functools",
        "itertools",
        "collections",
        "warnings",
        "scipy",
        "__future__",
    }
)
FORBIDDEN_CALLS: frozenset[str] = frozenset(
    {"eval", "exec", "compile", "__import__", "open", "breakpoint", "input", "globals", "locals", "vars"}
)
DEFAULT_TIMEOUT_S = 300.0


class FactorCodeError(AistockError):
    """A ``factor.py`` that we refuse to run, or that failed when run."""


@dataclass(frozen=True)
class FactorSource:
    """One factor function found in a ``factor.py``: the file and the function to call."""

    path: Path
    function: str

    @property
    def factor_name(self) -> str:
        return self.function.removeprefix("calculate_")


def factor_functions(source: str) -> list[str]:
    """The ``calculate_<name>`` functions a factor file defines at module level, in file order."""
    tree = ast.parse(source)
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("calculate_")
    ]


def check_factor_source(source: str, origin: str) -> None:
    """Refuse factor code that imports or calls what a factor never needs."""
    try:
        tree = ast.parse(source, filename=origin)
    except SyntaxError as exc:
        raise FactorCodeError(
            f"{origin} is not valid Python (line {exc.lineno}: {exc.msg})",
            "fix the file in RD-Agent and sync again",
        ) from exc
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] not in ALLOWED_IMPORTS
            ]
        elif isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".")[0]
            if node.level or module not in ALLOWED_IMPORTS:
                problems.append(f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import …")
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS
        ):
            problems.append(f"line {node.lineno}: call to {node.func.id}()")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("__")
            and node.attr.endswith("__")
            and node.attr not in ("__name__", "__init__")
        ):
            problems.append(f"line {node.lineno}: access to {node.attr}")
    if problems:
        raise FactorCodeError(
            f"{origin} uses what factor code may not: {'; '.join(problems[:5])}",
            f"factor code may import only {', '.join(sorted(ALLOWED_IMPORTS - {'__future__'}))} "
            "and read daily_pv.h5 through pandas; rewrite the factor without the rest",
        )


# The child process: install the audit hook, load the module from its file, call the function.
_CHILD = r"""
import os, sys
scratch = os.path.realpath(os.getcwd())
def _fence(event, args):
    if event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                 "os.forkpty", "socket.connect", "socket.bind", "socket.getaddrinfo", "ctypes.dlopen",
                 "shutil.rmtree", "os.rmdir", "os.chdir"):
        raise PermissionError(f"factor code may not use {event}")
    if event == "open" and len(args) > 1 and args[1] and any(c in str(args[1]) for c in "wax+"):
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            path = os.path.realpath(os.fsdecode(target))
            if not (path == scratch or path.startswith(scratch + os.sep)):
                raise PermissionError(f"factor code may write only in its scratch directory, not {path}")
    if event in ("os.remove", "os.rename", "os.unlink"):
        path = os.path.realpath(os.fsdecode(args[0]))
        if not path.startswith(scratch + os.sep):
            raise PermissionError(f"factor code may not change {path}")
import importlib.util
import pandas, numpy, tables  # imported before the fence: they load native code
sys.addaudithook(_fence)
spec = importlib.util.spec_from_file_location("rd_factor", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
getattr(module, sys.argv[2])()
"""


def run_factor(
    factor: FactorSource,
    daily_pv: pd.DataFrame,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> pd.DataFrame:
    """Run ``factor`` over ``daily_pv`` and return its ``result.h5`` frame (same index, float32).

    ``daily_pv`` must be indexed ``(datetime, instrument)`` with the columns RD-Agent passes;
    the result is aligned back onto that index so a factor that drops rows cannot shift others.
    """
    source = factor.path.read_text(encoding="utf-8")
    check_factor_source(source, str(factor.path))
    if factor.function not in factor_functions(source):
        raise FactorCodeError(
            f"{factor.path} defines no function {factor.function}()",
            f"the file defines {', '.join(factor_functions(source)) or 'no calculate_<name>() function'}",
        )
    missing = [c for c in DAILY_PV_COLUMNS if c not in daily_pv.columns]
    if missing or list(daily_pv.index.names) != ["datetime", "instrument"]:
        raise FactorCodeError(
            f"the input for {factor.function}() lacks {missing or 'the (datetime, instrument) index'}",
            "build daily_pv with DataService.history over open high low close volume amount factor",
        )
    with tempfile.TemporaryDirectory(prefix="aistock-factor-") as scratch_text:
        scratch = Path(scratch_text)
        daily_pv.loc[:, list(DAILY_PV_COLUMNS)].to_hdf(scratch / "daily_pv.h5", key="data", format="fixed")
        code_copy = scratch / "factor.py"
        code_copy.write_text(source, encoding="utf-8")
        env = {key: os.environ[key] for key in ("PATH", "SYSTEMROOT", "TEMP", "TMP") if key in os.environ}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["OMP_NUM_THREADS"] = "1"
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-c", _CHILD, str(code_copy), factor.function],
                cwd=scratch,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise FactorCodeError(
                f"{factor.function}() in {factor.path} ran longer than {timeout_s:.0f} s and was stopped",
                "check the factor for an endless loop, or raise the time limit",
            ) from exc
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise FactorCodeError(
                f"{factor.function}() in {factor.path} failed: {tail}",
                "run the factor in RD-Agent on the same data to reproduce it, then fix and sync again",
            )
        result_path = scratch / "result.h5"
        if not result_path.exists():
            raise FactorCodeError(
                f"{factor.function}() in {factor.path} wrote no result.h5",
                "the function must end with result.to_hdf('result.h5', key='data')",
            )
        result = pd.read_hdf(result_path, key="data")
    return _aligned_result(result, daily_pv.index, factor)


def _aligned_result(result: object, index: pd.MultiIndex | pd.Index, factor: FactorSource) -> pd.DataFrame:
    if isinstance(result, pd.Series):
        result = result.to_frame(result.name or factor.factor_name)
    if not isinstance(result, pd.DataFrame) or not isinstance(result.index, pd.MultiIndex):
        raise FactorCodeError(
            f"{factor.function}() wrote a result.h5 that is not a (datetime, instrument) frame",
            "write a DataFrame on daily_pv's index with one column per factor",
        )
    if list(result.index.names) != ["datetime", "instrument"]:
        result = result.rename_axis(["datetime", "instrument"])
    try:
        numeric = result.astype("float32")
    except (TypeError, ValueError) as exc:
        raise FactorCodeError(
            f"{factor.function}() wrote non-numeric values ({exc})", "return float values only"
        ) from exc
    if numeric.index.has_duplicates:
        raise FactorCodeError(
            f"{factor.function}() wrote duplicate (datetime, instrument) rows",
            "return one value per day and instrument",
        )
    return numeric.reindex(index)
