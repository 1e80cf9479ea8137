"""Errors of the factor layer, each naming the expression (and the place in it) at fault."""

from __future__ import annotations

from aistock.core.errors import AistockError


class ExpressionError(AistockError, ValueError):
    """A qlib expression that cannot be parsed or cannot be computed as written.

    ``position`` is the 0-based character offset of the culprit when one is known; the message
    repeats the expression with a caret under it, as a compiler would.
    """

    def __init__(self, expression: str, position: int | None, problem: str, fix: str = "") -> None:
        self.expression = expression
        self.position = position
        self.problem = problem
        if position is None:
            what = f"{problem} in expression {expression!r}"
        else:
            caret = " " * (position + 2) + "^"
            what = f"{problem} at column {position + 1} of expression:\n  {expression}\n{caret}"
        super().__init__(what, fix)


class FactorSetError(AistockError, ValueError):
    """One member of a factor set failed; the set returns nothing rather than partial columns."""

    def __init__(self, name: str, index: int, cause: Exception) -> None:
        self.name = name
        self.index = index
        self.cause = cause
        what = f"factor #{index + 1} ({name}) cannot be computed: {getattr(cause, 'what', str(cause))}"
        fix = getattr(cause, "fix", "") or "fix or remove that factor; no columns were returned"
        super().__init__(what, fix)
