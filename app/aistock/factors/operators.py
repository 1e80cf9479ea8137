"""What each qlib operator accepts, and how far back and forward it reads.

The table mirrors ``qlib/data/ops.py`` (pyqlib 0.9.7): the same names, the same parameter
names (so keyword calls work), and the same ``get_extended_window_size`` arithmetic. That last
part matters for exactness, not only for speed: qlib loads ``[start - lft, end + rght]`` per
expression and computes on that slice alone, so operators whose value depends on where the
slice begins (``EMA`` only gets ``N-1`` rows of history, ``Delta`` one row too few, expanding
``N=0`` windows everything) give start-dependent numbers in qlib. We reproduce them by computing
such expressions on their own slice; :func:`is_start_sensitive` says which ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from aistock.factors.expression import Call, Const, Field, Node, Text

ParamKind = Literal["expr", "operand", "window", "number", "text"]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: ParamKind


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """One qlib operator: its parameters and which family of computation it belongs to."""

    name: str
    family: Literal["elem", "pair", "if", "rolling", "pair_rolling", "cross"]
    params: tuple[Param, ...]
    # Rolling ops computed by pandas' plain ``rolling(N).func()`` also accept a float 0<N<1,
    # which qlib turns into an exponentially weighted mean (its base ``Rolling`` does this).
    ewm_on_float: bool = False
    min_window: int = 0  # smallest non-zero N qlib accepts (Skew 3, Kurt 4, Corr/Cov 1)
    signed_window: bool = False  # Ref and Delta take negative N (look into the future)
    expanding_allowed: bool = True

    @property
    def usage(self) -> str:
        shown = ", ".join(p.name for p in self.params)
        return f"usage: {self.name}({shown})"


def _p(*pairs: tuple[str, ParamKind]) -> tuple[Param, ...]:
    return tuple(Param(n, k) for n, k in pairs)


_ELEM = _p(("feature", "expr"))
_PAIR = _p(("feature_left", "operand"), ("feature_right", "operand"))
_ROLL = _p(("feature", "expr"), ("N", "window"))


def _specs() -> dict[str, OperatorSpec]:
    specs = [
        *(OperatorSpec(n, "elem", _ELEM) for n in ("Abs", "Sign", "Log", "Not")),
        OperatorSpec("Mask", "cross", _p(("feature", "expr"), ("instrument", "text"))),
        OperatorSpec("ChangeInstrument", "cross", _p(("instrument", "text"), ("feature", "expr"))),
        *(
            OperatorSpec(n, "pair", _PAIR)
            for n in (
                "Power",
                "Add",
                "Sub",
                "Mul",
                "Div",
                "Greater",
                "Less",
                "Gt",
                "Ge",
                "Lt",
                "Le",
                "Eq",
                "Ne",
            )
        ),
        *(OperatorSpec(n, "pair", _PAIR) for n in ("And", "Or")),
        OperatorSpec(
            "If", "if", _p(("condition", "expr"), ("feature_left", "operand"), ("feature_right", "operand"))
        ),
        OperatorSpec("Ref", "rolling", _ROLL, signed_window=True),
        OperatorSpec("Delta", "rolling", _ROLL, signed_window=True),
        *(
            OperatorSpec(n, "rolling", _ROLL, ewm_on_float=True)
            for n in ("Mean", "Sum", "Std", "Var", "Max", "Min", "Med", "Count")
        ),
        OperatorSpec("Skew", "rolling", _ROLL, ewm_on_float=True, min_window=3),
        OperatorSpec("Kurt", "rolling", _ROLL, ewm_on_float=True, min_window=4),
        OperatorSpec(
            "Rolling",
            "rolling",
            _p(("feature", "expr"), ("N", "window"), ("func", "text")),
            ewm_on_float=True,
        ),
        *(
            OperatorSpec(n, "rolling", _ROLL)
            for n in ("IdxMax", "IdxMin", "Mad", "Rank", "Slope", "Rsquare", "Resi", "WMA")
        ),
        OperatorSpec("EMA", "rolling", _ROLL, ewm_on_float=True),
        OperatorSpec("Quantile", "rolling", _p(("feature", "expr"), ("N", "window"), ("qscore", "number"))),
        *(
            OperatorSpec(
                n,
                "pair_rolling",
                _p(("feature_left", "expr"), ("feature_right", "expr"), ("N", "window")),
                min_window=1,
                expanding_allowed=False,
            )
            for n in ("Corr", "Cov")
        ),
    ]
    return {s.name: s for s in specs}


OPERATORS: dict[str, OperatorSpec] = _specs()

#: qlib operators we refuse, with the reason a user needs.
UNSUPPORTED: dict[str, str] = {
    "TResample": "resampling to another frequency is not supported; compute on daily bars",
    "P": "point-in-time (financial report) data is not available in the workstation",
    "PRef": "point-in-time (financial report) data is not available in the workstation",
    "PFeature": "point-in-time (financial report) data is not available in the workstation",
    "Feature": "write fields with a $ instead: $close",
    "Operators": "write operator calls directly: Mean($close, 5)",
}

#: ``Rolling(feature, N, func)`` — the pandas rolling methods qlib's generic operator can call.
ROLLING_FUNCS = ("sum", "mean", "std", "var", "skew", "kurt", "max", "min", "median", "count")


def bind_arguments(spec: OperatorSpec, positional: list[Node], keywords: dict[str, Node]) -> tuple[Node, ...]:
    """Match call arguments to the operator's parameters and check their kinds.

    Raises ValueError with a sentence naming the argument; the parser adds the position.
    """
    names = [p.name for p in spec.params]
    if len(positional) > len(names):
        raise ValueError(f"{spec.name} takes {len(names)} arguments, got {len(positional)}")
    bound: dict[str, Node] = dict(zip(names, positional, strict=False))
    for key, value in keywords.items():
        if key not in names:
            raise ValueError(f"{spec.name} has no argument {key!r}")
        if key in bound:
            raise ValueError(f"{spec.name} got {key!r} twice")
        bound[key] = value
    missing = [n for n in names if n not in bound]
    if missing:
        raise ValueError(f"{spec.name} is missing {', '.join(missing)}")
    args = tuple(bound[n] for n in names)
    for param, arg in zip(spec.params, args, strict=True):
        _check_kind(spec, param, arg)
    if spec.family == "pair" and all(isinstance(a, Const) for a in args):
        raise ValueError(f"{spec.name} needs at least one expression argument, not two numbers")
    if spec.family in ("rolling", "pair_rolling"):
        window = args[[p.name for p in spec.params].index("N")]
        assert isinstance(window, Const)
        _check_window(spec, window.value)
    if spec.name == "Quantile":
        q = args[2]
        assert isinstance(q, Const)
        if not 0 <= float(q.value) <= 1:
            raise ValueError(f"Quantile's qscore must be between 0 and 1, got {q.value}")
    if spec.name == "Rolling":
        func = args[2]
        assert isinstance(func, Text)
        if func.value not in ROLLING_FUNCS:
            raise ValueError(f"Rolling cannot apply {func.value!r}; it knows {', '.join(ROLLING_FUNCS)}")
    return args


def _check_kind(spec: OperatorSpec, param: Param, arg: Node) -> None:
    is_expr = isinstance(arg, Field | Call)
    if param.kind == "expr" and not is_expr:
        raise ValueError(f"{spec.name}'s {param.name} must be an expression such as $close, got {arg.key}")
    if param.kind == "operand" and not (is_expr or isinstance(arg, Const)):
        raise ValueError(f"{spec.name}'s {param.name} must be an expression or a number, got {arg.key}")
    if param.kind in ("window", "number") and not isinstance(arg, Const):
        raise ValueError(f"{spec.name}'s {param.name} must be a number, got {arg.key}")
    if param.kind == "text" and not isinstance(arg, Text):
        raise ValueError(f"{spec.name}'s {param.name} must be a quoted string, got {arg.key}")


def _check_window(spec: OperatorSpec, n: int | float | bool) -> None:
    if isinstance(n, bool):
        raise ValueError(f"{spec.name}'s window N must be a number of days, got {n}")
    if isinstance(n, float):
        if spec.ewm_on_float and 0 < n < 1:
            return
        raise ValueError(
            f"{spec.name}'s window N must be a whole number of days"
            + (" (or a decay 0<N<1)" if spec.ewm_on_float else "")
            + f", got {n}"
        )
    if spec.signed_window:
        return
    if n < 0:
        raise ValueError(f"{spec.name}'s window N must not be negative, got {n}")
    if n == 0 and not spec.expanding_allowed:
        raise ValueError(f"{spec.name} needs a window N >= 1 (qlib cannot compute N=0 for it)")
    if 0 < n < spec.min_window:
        raise ValueError(f"{spec.name}'s window N must be 0 or at least {spec.min_window}, got {n}")


# -- how much history and future an expression reads -------------------------------------------
def _window_of(call: Call) -> int | float:
    spec = OPERATORS[call.op]
    n = call.args[[p.name for p in spec.params].index("N")]
    assert isinstance(n, Const)
    return n.value


def ewm_span_rows(alpha: float) -> int:
    """Rows of history qlib adds for an exponential weight ``alpha``: where (1-α)^k = 1e-6."""
    return int(math.log(1e-6) / math.log(1 - alpha))


def extent(node: Node) -> tuple[int, int]:
    """``(lft, rght)``: rows before and after the query qlib loads for ``node`` — its
    ``get_extended_window_size``, including its quirks (expanding windows add nothing)."""
    if not isinstance(node, Call):
        return 0, 0
    spec = OPERATORS[node.op]
    if spec.family in ("elem", "pair", "if", "cross"):
        sizes = [extent(a) for a in node.args if isinstance(a, Field | Call)]
        return max((s[0] for s in sizes), default=0), max((s[1] for s in sizes), default=0)
    n = _window_of(node)
    if spec.family == "pair_rolling":
        left, right = extent(node.args[0]), extent(node.args[1])
        return max(left[0], right[0]) + int(n) - 1, max(left[1], right[1])
    lft, rght = extent(node.args[0])
    if node.op == "Ref":
        if n == 0:
            return lft, rght
        return max(lft + int(n), lft), max(rght - int(n), rght)
    if n == 0:
        return lft, rght
    if isinstance(n, float):  # 0 < N < 1: an exponential decay
        return max(lft + ewm_span_rows(n) - 1, lft), rght
    return max(lft + n - 1, lft), rght


def is_start_sensitive(node: Node) -> bool:
    """True if qlib's value inside the query depends on where its loaded slice begins or ends.

    Exact look-back operators give the same numbers whatever extra history is present; these do
    not: expanding windows (N=0), ``Ref(x,0)`` (the slice's first value), exponential weights
    (``EMA`` and float N: qlib loads only part of their memory), and ``Delta`` (qlib's look-back
    for it is one row short, and negative N reads past the slice's end).
    """
    for sub in _calls(node):
        spec = OPERATORS[sub.op]
        if spec.family not in ("rolling", "pair_rolling"):
            continue
        n = _window_of(sub)
        if n == 0 or isinstance(n, float) or sub.op in ("EMA", "Delta"):
            return True
    return False


def _calls(node: Node) -> list[Call]:
    out: list[Call] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Call):
            out.append(current)
            stack.extend(current.args)
    return out


def cross_instruments(node: Node) -> set[str]:
    """Instruments named by ``ChangeInstrument``/``Mask`` inside ``node``."""
    names: set[str] = set()
    for sub in _calls(node):
        if sub.op in ("ChangeInstrument", "Mask"):
            text = next(a for a in sub.args if isinstance(a, Text))
            names.add(text.value)
    return names
