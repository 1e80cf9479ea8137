"""Alpha158 and Alpha360 are exactly qlib's lists: names, order, expression text."""

from __future__ import annotations

from aistock.factors.alpha import ALPHA158, ALPHA360, LABEL_EXPRESSION, named_factor
from aistock.factors.parser import parse


def test_alpha158_matches_qlib() -> None:
    from qlib.contrib.data.loader import Alpha158DL

    fields, names = Alpha158DL.get_feature_config()
    assert list(ALPHA158.names) == list(names)
    assert list(ALPHA158.expressions) == list(fields)
    assert len(ALPHA158) == 158


def test_alpha360_matches_qlib() -> None:
    from qlib.contrib.data.loader import Alpha360DL

    fields, names = Alpha360DL.get_feature_config()
    assert list(ALPHA360.names) == list(names)
    assert list(ALPHA360.expressions) == list(fields)
    assert len(ALPHA360) == 360


def test_label_matches_qlib() -> None:
    from qlib.contrib.data.handler import Alpha158

    assert Alpha158.get_label_config(None)[0] == [LABEL_EXPRESSION]  # type: ignore[arg-type]


def test_every_expression_parses() -> None:
    for expression in (*ALPHA158.expressions, *ALPHA360.expressions, LABEL_EXPRESSION):
        parse(expression)


def test_named_lookup() -> None:
    assert named_factor("KMID") == "($close-$open)/$open"
    assert named_factor("alpha360:CLOSE5") == "Ref($close, 5)/$close"
    assert named_factor("LABEL0") == LABEL_EXPRESSION
    assert named_factor("NOPE") is None
    assert named_factor("alpha158:CLOSE5") is None
