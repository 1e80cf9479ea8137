"""Parse qlib's expression language into :mod:`aistock.factors.expression` trees.

qlib rewrites ``$close`` to ``Feature("close")`` and ``Mean(`` to ``Operators.Mean(`` and then
``eval``s the string as Python, so the language *is* a slice of Python: Python's operator
precedence (``&`` and ``|`` bind tighter than comparisons, ``**`` tighter than unary minus),
number literals, and calls with positional or keyword arguments. We accept exactly that slice
and refuse, with the position, the Python constructs that qlib would accept silently and compute
wrongly (``and``/``or``/``not`` call ``bool()`` on an expression; chained comparisons do too).

Operators are applied the way qlib's ``Expression`` dunders apply them, so ``1 - $x`` becomes
``Sub(1,$x)`` and ``0 < $x`` becomes ``Gt($x,0)``, and number-only sub-expressions fold to one
number as Python would compute them.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from aistock.factors.errors import ExpressionError
from aistock.factors.expression import Call, Const, Field, Node, Number, Text
from aistock.factors.operators import OPERATORS, UNSUPPORTED, bind_arguments

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<pfield>\$\$[\w\u3001\uff1a\uff08\uff09]+)
  | (?P<field>\$[\w\u3001\uff1a\uff08\uff09]+)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<string>'[^'\\]*'|"[^"\\]*")
  | (?P<op>\*\*|==|!=|>=|<=|//|[-+*/%<>()&|~,=^@])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # number, field, pfield, name, string, op, end
    text: str
    position: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(source):
        match = _TOKEN.match(source, at)
        if match is None:
            char = source[at]
            hint = (
                "field names start with $ (e.g. $close)"
                if char.isalpha()
                else "qlib expressions use + - * / ** > >= < <= == != & | ~ and operator calls"
            )
            raise ExpressionError(source, at, f"unexpected character {char!r}", hint)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), at))
        at = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


_BINARY_OPS: dict[str, str] = {
    "+": "Add",
    "-": "Sub",
    "*": "Mul",
    "/": "Div",
    "**": "Power",
    "&": "And",
    "|": "Or",
    ">": "Gt",
    ">=": "Ge",
    "<": "Lt",
    "<=": "Le",
    "==": "Eq",
    "!=": "Ne",
}
# A number on the left of a comparison makes Python call the reflected dunder of the expression.
_REFLECTED_COMPARISON = {"Gt": "Lt", "Ge": "Le", "Lt": "Gt", "Le": "Ge", "Eq": "Eq", "Ne": "Ne"}
_FOLD: dict[str, Callable[[Number, Number], Number]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "&": operator.and_,
    "|": operator.or_,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_COMPARISONS = (">", ">=", "<", "<=", "==", "!=")
_WORD_OPERATORS = {"and": "&", "or": "|", "not": "~"}


class _Parser:
    """Recursive descent over Python's precedence levels, lowest first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.at = 0

    # -- token helpers --------------------------------------------------------------------------
    @property
    def current(self) -> _Token:
        return self.tokens[self.at]

    def _advance(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _is_op(self, *texts: str) -> bool:
        return self.current.kind == "op" and self.current.text in texts

    def _fail(self, token: _Token, problem: str, fix: str = "") -> ExpressionError:
        return ExpressionError(self.source, token.position, problem, fix)

    def _expect(self, text: str, context: str) -> _Token:
        if not self._is_op(text):
            found = "the end of the expression" if self.current.kind == "end" else repr(self.current.text)
            raise self._fail(self.current, f"expected {text!r} {context}, found {found}")
        return self._advance()

    # -- grammar --------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.current.kind == "end":
            raise self._fail(
                self.current, "empty expression", "write a field such as $close or an operator call"
            )
        node = self._comparison()
        if self.current.kind != "end":
            token = self.current
            if token.kind == "op" and token.text == ")":
                raise self._fail(token, "unmatched ')'", "remove it or add the matching '('")
            if token.kind == "name" and token.text in _WORD_OPERATORS:
                raise self._fail(
                    token,
                    f"Python's {token.text!r} is not a qlib operator",
                    f"qlib would call bool() on an expression and compute garbage; use "
                    f"{_WORD_OPERATORS[token.text]!r} with parentheses: ($a > 0) & ($b > 0)",
                )
            raise self._fail(
                token, f"unexpected {token.text!r} after a complete expression", "is an operator missing?"
            )
        return node

    def _comparison(self) -> Node:
        left = self._bitor()
        if self._is_op(*_COMPARISONS):
            token = self._advance()
            right = self._bitor()
            if self._is_op(*_COMPARISONS):
                raise self._fail(
                    self.current,
                    "chained comparison",
                    "qlib would evaluate it with Python's `and` and return a wrong result; "
                    "write (a > b) & (b > c)",
                )
            return self._binary(token, left, right)
        return left

    def _bitor(self) -> Node:
        node = self._bitand()
        while self._is_op("|"):
            token = self._advance()
            node = self._binary(token, node, self._bitand())
        return node

    def _bitand(self) -> Node:
        node = self._sum()
        while self._is_op("&"):
            token = self._advance()
            node = self._binary(token, node, self._sum())
        return node

    def _sum(self) -> Node:
        node = self._term()
        while self._is_op("+", "-"):
            token = self._advance()
            node = self._binary(token, node, self._term())
        return node

    def _term(self) -> Node:
        node = self._unary()
        while self._is_op("*", "/", "//", "%", "@"):
            token = self._advance()
            if token.text in ("//", "%", "@"):
                raise self._fail(
                    token,
                    f"operator {token.text!r} is not part of qlib's expression language",
                    "use / for division",
                )
            node = self._binary(token, node, self._unary())
        return node

    def _unary(self) -> Node:
        if self._is_op("-", "+", "~"):
            token = self._advance()
            operand = self._unary()
            if isinstance(operand, Const):
                if token.text == "~":
                    if isinstance(operand.value, float):
                        raise self._fail(token, "'~' applied to a float number")
                    return Const(~int(operand.value), token.position)
                value = -operand.value if token.text == "-" else +operand.value
                return Const(value, token.position)
            if isinstance(operand, Text):
                raise self._fail(token, f"'{token.text}' applied to a string")
            if token.text == "~":
                raise self._fail(
                    token, "'~' on an expression", "qlib expressions have no '~' operator; write Not(...)"
                )
            if token.text == "+":
                return operand
            raise self._fail(
                token,
                "unary minus on an expression",
                "qlib expressions have no negation; write 0-(...) or -1*(...)",
            )
        return self._power()

    def _power(self) -> Node:
        base = self._primary()
        if self._is_op("**"):
            token = self._advance()
            return self._binary(token, base, self._unary())
        return base

    def _primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self._advance()
            text = token.text
            is_float = any(c in text for c in ".eE")
            return Const(float(text) if is_float else int(text), token.position)
        if token.kind == "string":
            self._advance()
            return Text(token.text[1:-1], token.position)
        if token.kind == "field":
            self._advance()
            return Field(token.text[1:], token.position)
        if token.kind == "pfield":
            raise self._fail(
                token,
                f"point-in-time field {token.text} is not supported",
                "the workstation has no point-in-time (financial report) database; "
                "use market fields like $close",
            )
        if token.kind == "name":
            return self._call_or_name()
        if self._is_op("("):
            self._advance()
            node = self._comparison()
            self._expect(")", "to close '('")
            return node
        if token.kind == "end":
            raise self._fail(token, "the expression ends where an operand was expected")
        raise self._fail(token, f"unexpected {token.text!r} where an operand was expected")

    def _call_or_name(self) -> Node:
        token = self._advance()
        name = token.text
        if name in _WORD_OPERATORS:
            raise self._fail(
                token,
                f"Python's {name!r} is not a qlib operator",
                f"qlib would call bool() on an expression and compute garbage; use {_WORD_OPERATORS[name]!r} "
                f"or {name.capitalize()}(...)",
            )
        if name in ("True", "False"):
            return Const(name == "True", token.position)
        if not self._is_op("("):
            raise self._fail(
                token,
                f"bare name {name!r}",
                f"fields need a $ (${name.lower()}); operators need arguments ({name}(...))",
            )
        self._advance()
        positional: list[Node] = []
        keywords: dict[str, Node] = {}
        while not self._is_op(")"):
            if self.current.kind == "name" and self.tokens[self.at + 1].text == "=":
                key = self._advance()
                self._advance()
                if key.text in keywords:
                    raise self._fail(key, f"argument {key.text!r} given twice")
                keywords[key.text] = self._comparison()
            else:
                if keywords:
                    raise self._fail(self.current, "positional argument after a keyword argument")
                positional.append(self._comparison())
            if not self._is_op(","):
                break
            self._advance()
        self._expect(")", f"to close the arguments of {name}")
        return self._make_call(token, positional, keywords)

    def _make_call(self, token: _Token, positional: list[Node], keywords: dict[str, Node]) -> Node:
        name = token.text
        if name in UNSUPPORTED:
            raise self._fail(token, f"operator {name} is not supported", UNSUPPORTED[name])
        spec = OPERATORS.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, list(OPERATORS), n=3, cutoff=0.6)
            fix = (
                f"did you mean {' or '.join(close)}?"
                if close
                else "operator names are case-sensitive, e.g. Mean, Std, Ref"
            )
            raise self._fail(token, f"unknown operator {name!r}", fix)
        try:
            args = bind_arguments(spec, positional, keywords)
        except ValueError as exc:
            raise self._fail(token, str(exc), spec.usage) from None
        return Call(name, args, token.position)

    def _binary(self, token: _Token, left: Node, right: Node) -> Node:
        text = token.text
        for side in (left, right):
            if isinstance(side, Text):
                raise self._fail(token, f"{text!r} applied to a string")
        if isinstance(left, Const) and isinstance(right, Const):
            try:
                return Const(_FOLD[text](left.value, right.value), left.position)
            except (ArithmeticError, TypeError, ValueError) as exc:
                raise self._fail(token, f"cannot compute {left.key} {text} {right.key}: {exc}") from None
        op = _BINARY_OPS[text]
        if isinstance(left, Const) and op in _REFLECTED_COMPARISON:
            return Call(_REFLECTED_COMPARISON[op], (right, left), token.position)
        if isinstance(left, Const) and op == "Mul":  # qlib's __rmul__ keeps the expression first
            return Call(op, (right, left), token.position)
        return Call(op, (left, right), token.position)


def parse(expression: str) -> Node:
    """Parse one qlib expression; raise :class:`ExpressionError` pointing at the culprit."""
    if not isinstance(expression, str):
        raise ExpressionError(repr(expression), None, "an expression must be a string")
    return _Parser(expression).parse()
