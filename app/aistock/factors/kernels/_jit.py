"""The one numba decorator every kernel uses, and scalar/array primitives that copy numpy and C.

Bit-for-bit parity with pandas, numpy and qlib's Cython depends on doing the *same* float
operations in the *same* order, so the helpers here re-state exactly what the reference calls
underneath: numpy's pairwise summation (``np.sum``/``np.mean``/``np.nansum``), C's ``round``
(half away from zero, not Python's banker's rounding) and pandas' ``_prep_values`` (±inf → NaN).

Compilation options, and why:

* ``cache=True`` — compiling all kernels takes seconds; the on-disk cache makes it a one-off.
* ``nogil=True`` — callers may fan instruments out over threads.
* ``error_model="numpy"`` — C semantics for float division by zero (inf/NaN, no exception),
  which is what the Cython references do with ``cdivision=True``.
* no ``fastmath`` — it would let LLVM reassociate or fuse (FMA) and break bit parity.

numba's cache is keyed on each function's *own* source file: editing a helper here (or a
``*_1d`` kernel reused from another module) does not invalidate cached callers elsewhere.
After such an edit, delete ``kernels/__pycache__/*.nbi`` and ``*.nbc``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_F = TypeVar("_F", bound=Callable[..., Any])

#: numpy's ``PW_BLOCKSIZE``: runs up to this length are summed with 8 interleaved accumulators.
_PW_BLOCKSIZE = 128


def jit(func: _F) -> _F:
    """Compile ``func`` with the package-wide numba options (typed so mypy keeps the signature)."""
    return cast(_F, numba.njit(cache=True, nogil=True, error_model="numpy")(func))


@jit
def pairwise_sum(a: FloatArray, n: int) -> float:
    """``np.add.reduce(a[:n])`` for a contiguous float64 array, bit for bit.

    numpy starts the reduction from the identity ``0.0`` and adds the pairwise sum of all ``n``
    items: fewer than 8 are summed in order; up to 128 go through 8 interleaved accumulators
    combined as ``((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`` plus a sequential tail; longer runs split
    at ``n/2`` rounded down to a multiple of 8 and recurse. The recursion is unrolled onto an
    explicit stack here because numba's on-disk cache cannot reload self-recursive functions.
    """
    if n <= _PW_BLOCKSIZE:
        return 0.0 + _pairwise_block(a, 0, n)
    # Post-order walk of numpy's split tree. Frame d covers a[lo[d] : lo[d] + size[d]];
    # left[d] holds its left half's sum once that is done (has_left[d] = 1).
    lo = np.empty(64, dtype=np.int64)
    size = np.empty(64, dtype=np.int64)
    has_left = np.zeros(64, dtype=np.int64)
    left = np.empty(64)
    depth = 0
    lo[0] = 0
    size[0] = n
    while True:
        m = size[depth]
        if m > _PW_BLOCKSIZE:
            half = m // 2
            half -= half % 8
            has_left[depth] = 0
            lo[depth + 1] = lo[depth]
            size[depth + 1] = half
            depth += 1
            continue
        value = _pairwise_block(a, lo[depth], m)
        # Hand the finished sum up until a frame still needs its right half.
        while True:
            depth -= 1
            if depth < 0:
                return 0.0 + value
            if has_left[depth] == 0:
                left[depth] = value
                has_left[depth] = 1
                half = size[depth] // 2
                half -= half % 8
                lo[depth + 1] = lo[depth] + half
                size[depth + 1] = size[depth] - half
                depth += 1
                break
            value = left[depth] + value


@jit
def _pairwise_block(a: FloatArray, lo: int, n: int) -> float:
    """numpy's leaf case of pairwise summation (``n <= 128``), without the leading ``0.0 +``."""
    if n < 8:
        short = 0.0
        for i in range(n):
            short += a[lo + i]
        return short
    r0 = a[lo]
    r1 = a[lo + 1]
    r2 = a[lo + 2]
    r3 = a[lo + 3]
    r4 = a[lo + 4]
    r5 = a[lo + 5]
    r6 = a[lo + 6]
    r7 = a[lo + 7]
    i = 8
    stop = n - (n % 8)
    while i < stop:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res: float = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@jit
def c_round(value: float) -> float:
    """C's ``round``: halves go away from zero (pandas' skew/kurt shift uses it)."""
    # np.trunc stays float (math.trunc would go through int64 and overflow above 2**63).
    whole: float = np.trunc(value)
    if abs(value - whole) >= 0.5:
        whole += math.copysign(1.0, value)
    return whole


@jit
def is_negative(value: float) -> bool:
    """C's ``signbit`` (true for -0.0 too): pandas counts negative inputs of a mean with it."""
    return math.copysign(1.0, value) < 0.0


@jit
def copy_inf_as_nan(src: FloatArray, dst: FloatArray) -> None:
    """pandas' ``_prep_values``: rolling/expanding/ewm see ±inf as missing."""
    for j in range(src.shape[0]):
        v = src[j]
        dst[j] = np.nan if math.isinf(v) else v
