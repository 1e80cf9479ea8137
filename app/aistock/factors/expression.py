"""The parsed form of a qlib expression: a small immutable tree.

qlib itself turns ``Mean($close, 5)`` into Python source and ``eval``s it, which gives no
positions for errors and runs arbitrary code from a catalog file. We parse the same language
into these nodes instead. Each node knows its *key* — the string qlib's ``str()`` would print
(``Mean($close,5)``) — so equal sub-expressions across a factor set share one computation and
the key can name the column the way qlib names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Number = int | float | bool


@dataclass(frozen=True, slots=True)
class Field:
    """A stored field: ``$close``."""

    name: str
    position: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True, slots=True)
class Const:
    """A number literal (``5``, ``0.8``, ``1e-12``); also the result of folding ``2*3``."""

    value: Number
    position: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        return repr(self.value)


@dataclass(frozen=True, slots=True)
class Text:
    """A string literal, only meaningful as an instrument argument (``ChangeInstrument``)."""

    value: str
    position: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        return repr(self.value)


@dataclass(frozen=True, slots=True)
class Call:
    """An operator applied to its arguments: ``Mean($close, 5)`` or ``$high - $low`` (``Sub``)."""

    op: str
    args: tuple[Node, ...]
    position: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        return f"{self.op}({','.join(a.key for a in self.args)})"


Node = Field | Const | Text | Call


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children."""
    out: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, Call):
            stack.extend(reversed(current.args))
    return out


def fields_of(node: Node) -> set[str]:
    """The stored field names an expression reads."""
    return {n.name for n in walk(node) if isinstance(n, Field)}
