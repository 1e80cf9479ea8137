"""The one shape of generated bars: open, high, low, close, volume and amount arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


@dataclass
class Bars:
    """OHLC, volume and amount, each an array of the same shape (rows × instruments, or rows)."""

    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    amount: F64
