"""Argument checks shared by every kernel wrapper, so the compiled code can trust its inputs.

The kernels index raw memory without bounds checks; a wrong dtype would also trigger a fresh
(multi-second) numba compilation for that signature. So the wrappers normalise every input to
the single signature the kernels are compiled for — float64 C-contiguous writable
``(n_instruments, n_days)``, int64 ``starts`` in ``[0, n_days]`` and a plain ``int`` window — and
reject anything that cannot be normalised with a ``ValueError`` that names the bad argument.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import numpy.typing as npt

from aistock.factors.kernels._jit import FloatArray, IntArray

#: Sentinel handed to the compiled kernels for ``window=0``: no value ever leaves the window.
EXPANDING = 0


def as_values(x: npt.ArrayLike, name: str = "x") -> FloatArray:
    """``x`` as a float64, C-contiguous, writable 2-D array (copied only when it is not one)."""
    arr = np.require(np.asarray(x, dtype=np.float64), dtype=np.float64, requirements=["C", "A", "W"])
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_instruments, n_days), got shape {arr.shape}")
    return arr


def as_starts(starts: npt.ArrayLike, x: FloatArray) -> IntArray:
    """``starts`` as int64 with one entry per row of ``x``, each in ``[0, n_days]``."""
    raw = np.asarray(starts)
    if raw.dtype.kind not in "iu":
        raise ValueError(f"starts must be integers, got dtype {raw.dtype}")
    arr = np.require(raw, dtype=np.int64, requirements=["C", "A", "W"])
    if arr.shape != (x.shape[0],):
        raise ValueError(f"starts must have shape ({x.shape[0]},) to match x, got {arr.shape}")
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) > x.shape[1]):
        raise ValueError(f"starts must lie in [0, {x.shape[1]}] (n_days), got {arr.min()}..{arr.max()}")
    return arr


def as_window(window: Any) -> int:
    """A window length: ``>= 1`` rolling rows, ``0`` expanding from each series' start."""
    if isinstance(window, bool):
        raise ValueError(f"window must be an int >= 0 (0 = expanding), got window={window!r}")
    try:
        value = operator.index(window)
    except TypeError:
        raise ValueError(f"window must be an int >= 0 (0 = expanding), got window={window!r}") from None
    if value < 0:
        raise ValueError(f"window must be >= 0 (0 = expanding), got window={value}")
    return value


def prepare(x: npt.ArrayLike, starts: npt.ArrayLike, window: Any) -> tuple[FloatArray, IntArray, int]:
    """The usual ``(x, starts, window)`` triple, validated and normalised."""
    values = as_values(x)
    return values, as_starts(starts, values), as_window(window)
