"""Evaluate parsed expressions over a :class:`~aistock.factors.panel.Panel`, as qlib would.

Exactness comes from copying qlib's *data flow*, not only its formulas:

* Element-wise operators run the same numpy ufunc on the same dtypes as qlib's pandas Series:
  fields are float32, so ``($close-$open)/$open`` is float32 arithmetic, ``$close > x`` is a
  bool array (NaN compares False), ``Log`` of a bool is float16 — whatever numpy does.
* Rolling operators convert to float64 (pandas does), skip NaN and treat ±inf as NaN, and
  truncate windows at each instrument's first stored bar (``starts``); see
  :mod:`aistock.factors.kernels`.
* ``Rsquare`` and ``Corr`` are NaN where an input's rolling std is within 2e-5 of zero.

A :class:`Context` evaluates many expressions over one slice of rows and shares equal
sub-expressions through a cache that frees each value after its last use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from aistock.factors import kernels as k
from aistock.factors.errors import ExpressionError
from aistock.factors.expression import Call, Const, Field, Node, Text
from aistock.factors.operators import OPERATORS
from aistock.factors.panel import Panel

IntArray = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Below this rolling std qlib treats a window as flat and sets Corr and Rsquare to NaN.
FLAT_STD = 2e-5


@dataclass(slots=True)
class Series2D:
    """Values of many instruments (rows) over the context's days, with where each series lives.

    ``starts``/``ends`` bound each row's series (inclusive); cells outside hold whatever and are
    never read across by shifts or windows. A row count of 1 in a multi-row context is a single
    series (``ChangeInstrument``) that broadcasts.
    """

    data: npt.NDArray[Any]
    starts: IntArray
    ends: IntArray


Value = Series2D | int | float | bool


_ELEM_UFUNCS: dict[str, Callable[..., Any]] = {"Abs": np.abs, "Log": np.log, "Not": np.bitwise_not}
_PAIR_UFUNCS: dict[str, Callable[..., Any]] = {
    "Power": np.power,
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "Div": np.divide,
    "Greater": np.maximum,
    "Less": np.minimum,
    "Gt": np.greater,
    "Ge": np.greater_equal,
    "Lt": np.less,
    "Le": np.less_equal,
    "Eq": np.equal,
    "Ne": np.not_equal,
    "And": np.bitwise_and,
    "Or": np.bitwise_or,
}
_SIMPLE_ROLLING: dict[str, Callable[[F64, IntArray, int], F64]] = {
    "Mean": k.rolling_mean,
    "Sum": k.rolling_sum,
    "Std": k.rolling_std,
    "Var": k.rolling_var,
    "Skew": k.rolling_skew,
    "Kurt": k.rolling_kurt,
    "Max": k.rolling_max,
    "Min": k.rolling_min,
    "Med": k.rolling_median,
    "Count": k.rolling_count,
    "IdxMax": k.rolling_idxmax,
    "IdxMin": k.rolling_idxmin,
    "Mad": k.rolling_mad,
    "Rank": k.rolling_rank_pct,
    "WMA": k.rolling_wma,
    "Slope": k.rolling_slope,
    "Resi": k.rolling_resi,
}
_ROLLING_FUNC_OPS = {
    "sum": "Sum",
    "mean": "Mean",
    "std": "Std",
    "var": "Var",
    "skew": "Skew",
    "kurt": "Kurt",
    "max": "Max",
    "min": "Min",
    "median": "Med",
    "count": "Count",
}


def pandas_alpha_from_span(span: float) -> float:
    """``ewm(span=N)``'s smoothing factor, through pandas' centre of mass (same rounding)."""
    com = (span - 1) / 2.0
    return 1.0 / (1.0 + com)


def pandas_alpha(alpha: float) -> float:
    """``ewm(alpha=a)``'s smoothing factor as pandas recomputes it from the centre of mass."""
    com = (1 - alpha) / alpha
    return 1.0 / (1.0 + com)


class Context:
    """Evaluates expressions over one panel slice ``[first, last]`` (rows outside are unloaded).

    ``cross`` supplies a one-instrument context for ``ChangeInstrument``/``Mask``.
    """

    def __init__(
        self,
        panel: Panel,
        first: int,
        last: int,
        cross: Callable[[str, Node], Context] | None = None,
    ) -> None:
        self.panel = panel
        self.first, self.last = first, last
        self.width = panel.shape[1]
        self.starts = np.maximum(panel.first_rows(), first).astype(np.int64)
        self.ends = np.minimum(panel.last_rows(), last).astype(np.int64)
        self._cross = cross
        self._fields: dict[str, Series2D] = {}
        self._cache: dict[str, Value] = {}
        self._uses: Counter[str] = Counter()
        self.source = ""  # the top-level expression text being evaluated, for error messages

    # -- planning -------------------------------------------------------------------------------
    def plan(self, roots: Iterable[Node]) -> None:
        """Count how often each sub-expression will be asked for, so values free after last use."""
        seen: set[str] = set()
        for root in roots:
            self._uses[root.key] += 1
            stack: list[Node] = [root]
            while stack:
                node = stack.pop()
                if not isinstance(node, Call) or node.key in seen or node.op in ("ChangeInstrument", "Mask"):
                    continue
                seen.add(node.key)
                for arg in (*node.args, *_flatness_guards(node)):
                    if isinstance(arg, Field | Call):
                        self._uses[arg.key] += 1
                        stack.append(arg)

    def evaluate(self, root: Node, source: str) -> Series2D:
        """One planned top-level expression as a (rows, days) array, not yet cast to float32."""
        self.source = source
        value = self._value(root)
        if not isinstance(value, Series2D):
            raise ExpressionError(
                source, None, "the expression is a constant", "a factor must use a field like $close"
            )
        return value

    # -- the tree walk --------------------------------------------------------------------------
    def _value(self, node: Node) -> Value:
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Text):
            raise self._error(node.position, f"string {node.key} used as a value")
        key = node.key
        if key in self._cache:
            value = self._cache[key]
        else:
            value = self._field(node) if isinstance(node, Field) else self._call(node)
            self._cache[key] = value
        self._uses[key] -= 1
        if self._uses[key] <= 0:
            self._cache.pop(key, None)
        return value

    def _field(self, node: Field) -> Series2D:
        array = self.panel.fields.get(node.name)
        if array is None:
            raise self._error(node.position, f"field ${node.name} was not loaded")
        if self.first > 0 or self.last < self.width - 1:
            array = array.copy()
            array[:, : self.first] = np.nan
            array[:, self.last + 1 :] = np.nan
        return Series2D(array, self.starts, self.ends)

    def _error(self, position: int, problem: str, fix: str = "") -> ExpressionError:
        return ExpressionError(self.source, position if self.source else None, problem, fix)

    def _call(self, node: Call) -> Value:
        spec = OPERATORS[node.op]
        if spec.family == "cross":
            return self._cross_call(node)
        if spec.family == "elem":
            return self._elem(node)
        if spec.family == "pair":
            return self._pair(node)
        if spec.family == "if":
            return self._if(node)
        if spec.family == "pair_rolling":
            return self._pair_rolling(node)
        return self._rolling(node)

    # -- element-wise ---------------------------------------------------------------------------
    def _elem(self, node: Call) -> Series2D:
        operand = self._series(node.args[0], node)
        data = operand.data
        try:
            if node.op == "Sign":
                out = np.sign(data.astype(np.float32))
            else:
                with np.errstate(all="ignore"):
                    out = _ELEM_UFUNCS[node.op](data)
        except TypeError:
            raise self._error(
                node.position, f"{node.op} cannot take {data.dtype} values", _dtype_fix(node.op)
            ) from None
        return Series2D(out, operand.starts, operand.ends)

    def _pair(self, node: Call) -> Value:
        left, right = self._value(node.args[0]), self._value(node.args[1])
        try:
            with np.errstate(all="ignore"):
                out = _PAIR_UFUNCS[node.op](_raw(left), _raw(right))
        except TypeError:
            kinds = " and ".join(_dtype_name(v) for v in (left, right))
            raise self._error(
                node.position, f"{node.op} cannot combine {kinds}", _dtype_fix(node.op)
            ) from None
        return self._wrap(out, left, right)

    def _if(self, node: Call) -> Value:
        cond = self._series(node.args[0], node)
        left, right = self._value(node.args[1]), self._value(node.args[2])
        out = np.where(cond.data, _raw(left), _raw(right))
        return self._wrap(out, cond, left, right)

    def _wrap(self, out: Any, *parts: Value) -> Value:
        series = [p for p in parts if isinstance(p, Series2D)]
        if not series:
            return out  # type: ignore[no-any-return]
        data = np.asarray(out)
        starts, ends = _union_bounds(series, data.shape[0])
        return Series2D(data, starts, ends)

    # -- rolling --------------------------------------------------------------------------------
    def _rolling(self, node: Call) -> Series2D:
        operand = self._series(node.args[0], node)
        n = node.args[1]
        assert isinstance(n, Const)
        window = n.value
        op = node.op
        if op == "Rolling":
            func = node.args[2]
            assert isinstance(func, Text)
            op = _ROLLING_FUNC_OPS[func.value]
        if op == "Ref":
            return _shift(operand, int(window))
        if op == "Delta":
            return self._delta(operand, int(window))
        x = _float64(operand.data)
        starts = operand.starts
        if isinstance(window, float):  # 0 < N < 1: qlib's base Rolling (and EMA) use ewm(alpha=N)
            out = k.ewm_mean(x, starts, pandas_alpha(window))
        elif op == "EMA":
            if window == 0:
                out = k.expanding_ema_apply(x, starts)
            else:
                out = k.ewm_mean(x, starts, pandas_alpha_from_span(window))
        elif op == "Quantile":
            q = node.args[2]
            assert isinstance(q, Const)
            out = k.rolling_quantile(x, starts, int(window), float(q.value))
        elif op == "Rsquare":
            out = k.rolling_rsquare(x, starts, int(window))
            for guard in _flatness_guards(node):  # the same Std an STD factor uses: computed once
                out[np.abs(self._series(guard, node).data) <= FLAT_STD] = np.nan
        else:
            out = _SIMPLE_ROLLING[op](x, starts, int(window))
        return Series2D(out, operand.starts, operand.ends)

    def _delta(self, operand: Series2D, n: int) -> Series2D:
        with np.errstate(all="ignore"):
            data = _numeric(operand.data)
            if n == 0:
                return Series2D(data - _first_values(operand), operand.starts, operand.ends)
            shifted = _shift(Series2D(data, operand.starts, operand.ends), n)
            return Series2D(data - shifted.data, operand.starts, operand.ends)

    def _pair_rolling(self, node: Call) -> Series2D:
        left, right = self._series(node.args[0], node), self._series(node.args[1], node)
        n = node.args[2]
        assert isinstance(n, Const)
        window = int(n.value)
        rows = max(left.data.shape[0], right.data.shape[0])
        starts, ends = _union_bounds([left, right], rows)
        x, y = _float64(left.data, rows), _float64(right.data, rows)
        if node.op == "Cov":
            out = k.rolling_cov(x, y, starts, window)
        else:
            out = k.rolling_corr(x, y, starts, window)
            for guard in _flatness_guards(node):
                std = self._series(guard, node).data
                out[np.broadcast_to(np.abs(std) <= FLAT_STD, out.shape)] = np.nan
        return Series2D(out, starts, ends)

    # -- other instruments ----------------------------------------------------------------------
    def _cross_call(self, node: Call) -> Series2D:
        if self._cross is None:
            raise self._error(node.position, f"{node.op} is not available here")
        text = next(a for a in node.args if isinstance(a, Text))
        feature = next(a for a in node.args if isinstance(a, Field | Call))
        other = self._cross(text.value, feature)
        other.source = self.source
        other.plan([feature])
        return other._series(feature, node)

    # -- helpers ---------------------------------------------------------------------------------
    def _series(self, arg: Node, parent: Call) -> Series2D:
        value = self._value(arg)
        if not isinstance(value, Series2D):
            raise self._error(parent.position, f"{parent.op} needs an expression, got the number {value!r}")
        return value


def _union_bounds(series: list[Series2D], rows: int) -> tuple[IntArray, IntArray]:
    """Where a combination of series lives: like pandas aligning two indexes, the union of
    their rows (a single broadcast row widened to ``rows``)."""
    first = series[0]
    if all(s.starts is first.starts for s in series):
        return first.starts, first.ends
    starts = np.minimum.reduce([np.broadcast_to(s.starts, (rows,)) for s in series])
    ends = np.maximum.reduce([np.broadcast_to(s.ends, (rows,)) for s in series])
    return starts.astype(np.int64), ends.astype(np.int64)


def _flatness_guards(node: Call) -> tuple[Call, ...]:
    """The rolling stds qlib checks against 2e-5 for ``Rsquare`` and ``Corr`` (as nodes, so an
    equal ``Std`` elsewhere in the set is shared rather than computed again)."""
    if node.op == "Rsquare":
        n = node.args[1]
        assert isinstance(n, Const)
        return () if n.value == 0 else (Call("Std", (node.args[0], n)),)
    if node.op == "Corr":
        n = node.args[2]
        return (Call("Std", (node.args[0], n)), Call("Std", (node.args[1], n)))
    return ()


def _raw(value: Value) -> Any:
    return value.data if isinstance(value, Series2D) else value


def _dtype_name(value: Value) -> str:
    if isinstance(value, Series2D):
        return "true/false values" if value.data.dtype == np.bool_ else f"{value.data.dtype} values"
    return f"the number {value!r}"


def _dtype_fix(op: str) -> str:
    if op in ("And", "Or", "Not"):
        return f"{op} works on comparisons such as ($close > $open); compare numbers first"
    return "arithmetic on comparisons is not defined; wrap them in If(cond, 1, 0) first"


def _numeric(data: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """pandas would hold a shifted bool series as objects; numerically that is float64."""
    return data.astype(np.float64) if data.dtype == np.bool_ else data


def _float64(data: npt.NDArray[Any], rows: int | None = None) -> F64:
    """The float64, C-contiguous (rows, days) array the kernels take (pandas' ``_prep_values``
    conversion; inf→NaN happens inside the kernels where pandas does it)."""
    out = np.ascontiguousarray(data, dtype=np.float64)
    if rows is not None and out.shape[0] != rows:
        out = np.ascontiguousarray(np.broadcast_to(out, (rows, out.shape[1])))
    return out


def _shift(operand: Series2D, n: int) -> Series2D:
    """``Series.shift(n)`` on every row: out[t] = x[t-n] while t-n stays inside the series."""
    data = _numeric(operand.data)
    rows, width = data.shape
    dtype = data.dtype if np.issubdtype(data.dtype, np.floating) else np.float64
    out = np.full((rows, width), np.nan, dtype=dtype)
    if n == 0:
        out[:] = _first_values(operand)
        return Series2D(out, operand.starts, operand.ends)
    if abs(n) < width:
        if n > 0:
            out[:, n:] = data[:, : width - n]
        else:
            out[:, : width + n] = data[:, -n:]
    source = np.arange(width, dtype=np.int64)[None, :] - n
    outside = (source < operand.starts[:, None]) | (source > operand.ends[:, None])
    out[outside] = np.nan
    return Series2D(out, operand.starts, operand.ends)


def _first_values(operand: Series2D) -> npt.NDArray[Any]:
    """Each row's value at its series start (``series.iloc[0]``), as a column to broadcast."""
    data = _numeric(operand.data)
    width = data.shape[1]
    clipped = np.minimum(operand.starts, width - 1)
    first = data[np.arange(data.shape[0]), clipped].astype(
        data.dtype if np.issubdtype(data.dtype, np.floating) else np.float64
    )
    first[operand.starts >= width] = np.nan
    column: npt.NDArray[Any] = first[:, None]
    return column
