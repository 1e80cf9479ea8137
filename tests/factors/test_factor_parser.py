"""The expression parser: qlib's language, Python's precedence, errors that point at the culprit."""

from __future__ import annotations

import pytest

from aistock.factors.errors import ExpressionError
from aistock.factors.expression import Call, Const, Field, fields_of
from aistock.factors.operators import extent, is_start_sensitive
from aistock.factors.parser import parse


def key(text: str) -> str:
    return parse(text).key


def test_fields_numbers_and_calls() -> None:
    assert parse("$close") == Field("close")
    assert parse("1e-12") == Const(1e-12)
    assert parse("Mean($close, 5)") == Call("Mean", (Field("close"), Const(5)))
    assert key("Quantile($close, 20, qscore=0.8)") == "Quantile($close,20,0.8)"


def test_keys_are_what_qlib_prints() -> None:
    # qlib's str(): Add($close,$open) etc.; __rmul__ puts the expression first; comparisons reflect.
    assert key("$close+$open") == "Add($close,$open)"
    assert key("2*$close-$high") == "Sub(Mul($close,2),$high)"
    assert key("1-$close") == "Sub(1,$close)"
    assert key("0 < $close") == "Gt($close,0)"
    assert key("$close>Ref($close, 1)") == "Gt($close,Ref($close,1))"


def test_python_precedence() -> None:
    # & and | bind tighter than comparisons in Python (and so in qlib).
    assert key("($close > 1) & ($open > 1)") == "And(Gt($close,1),Gt($open,1))"
    assert key("$a + $b * $c") == "Add($a,Mul($b,$c))"
    assert key("$a ** 2 ** 3") == "Power($a,8)"
    assert key("$a / $b / $c") == "Div(Div($a,$b),$c)"
    assert key("-2 ** 2 + $a") == "Add(-4,$a)"


def test_constant_folding_and_negative_windows() -> None:
    assert key("Ref($close, -2)/Ref($close, -1) - 1") == "Sub(Div(Ref($close,-2),Ref($close,-1)),1)"
    assert key("$close * (1 / 2)") == "Mul($close,0.5)"


def test_fields_of_and_extents() -> None:
    tree = parse("Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), 30)")
    assert fields_of(tree) == {"close", "volume"}
    assert extent(tree) == (30, 0)
    assert extent(parse("Ref($close, -2)/Ref($close, -1) - 1")) == (0, 2)
    assert extent(parse("Mean(Ref($close, 3), 5)")) == (7, 0)
    assert extent(parse("EMA($close, 0.5)")) == (18, 0)


def test_start_sensitive_operators() -> None:
    assert not is_start_sensitive(parse("Mean($close, 5)/Std($volume, 20)"))
    for text in (
        "EMA($close, 10)",
        "Mean($close, 0)",
        "Ref($close, 0)",
        "Delta($close, 1)",
        "Mean($close, 0.5)",
    ):
        assert is_start_sensitive(parse(text)), text


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("Mean($close 5)", 13, "expected ')'"),
        ("Mean($close, 5", 15, "expected ')'"),
        ("Meen($close, 5)", 1, "did you mean Mean"),
        ("$close + ", 10, "ends where an operand"),
        ("$close $open", 8, "unexpected '$open'"),
        ("close + 1", 1, "fields need a $"),
        ("$close > 1 > 0", 12, "chained comparison"),
        ("$close > 0 and $open > 0", 12, "Python's 'and'"),
        ("Mean($close, -3)", 1, "must not be negative"),
        ("Mean($close, 2.5)", 1, "whole number"),
        ("Skew($close, 2)", 1, "at least 3"),
        ("Corr($close, $open, 0)", 1, "N >= 1"),
        ("Quantile($close, 5, 1.5)", 1, "between 0 and 1"),
        ("Mean(5, 3)", 1, "must be an expression"),
        ("Mean($close)", 1, "missing N"),
        ("Mean($close, 5, 6)", 1, "takes 2 arguments"),
        ("$$roe_q", 1, "point-in-time"),
        ("TResample($close, '1w', 'mean')", 1, "not supported"),
        ("$close % 2", 8, "'%'"),
        ("-$close", 1, "unary minus"),
        ("~($close > $open)", 1, "write Not"),
        ("$close # 1", 8, "unexpected character"),
        (")", 1, "unexpected ')'"),
        ("", 1, "empty expression"),
        ("$close)", 7, "unmatched ')'"),
        ("Rolling($close, 5, 'foo')", 1, "cannot apply 'foo'"),
    ],
)
def test_errors_point_at_the_culprit(text: str, column: int, words: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    err = info.value
    assert words in str(err)
    assert err.position is not None and err.position + 1 == column, str(err)
    assert text in str(err)
    assert "^" in str(err)
