"""Alpha158 and Alpha360: qlib's named factor sets, with qlib's names, order and expressions.

RD-Agent's factor and model catalogs refer to these columns by name (``KMID``, ``ROC5``,
``CLOSE59``) and train on them in this order, so the strings below must stay byte-for-byte what
qlib's ``Alpha158DL``/``Alpha360DL`` generate with their default configuration (a test compares
them with qlib's own lists). They are written out from the published definitions, not imported,
so the workstation does not need qlib to know them.
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOWS = (5, 10, 20, 30, 60)

#: The label RD-Agent's Alpha158/Alpha360 handlers train on: the return from t+1 to t+2.
LABEL_NAME = "LABEL0"
LABEL_EXPRESSION = "Ref($close, -2)/Ref($close, -1) - 1"


@dataclass(frozen=True, slots=True)
class FactorSet:
    """A named, ordered list of factor columns."""

    name: str
    names: tuple[str, ...]
    expressions: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)

    def items(self) -> list[tuple[str, str]]:
        return list(zip(self.names, self.expressions, strict=True))


def _alpha158() -> FactorSet:
    pairs: list[tuple[str, str]] = [
        ("KMID", "($close-$open)/$open"),
        ("KLEN", "($high-$low)/$open"),
        ("KMID2", "($close-$open)/($high-$low+1e-12)"),
        ("KUP", "($high-Greater($open, $close))/$open"),
        ("KUP2", "($high-Greater($open, $close))/($high-$low+1e-12)"),
        ("KLOW", "(Less($open, $close)-$low)/$open"),
        ("KLOW2", "(Less($open, $close)-$low)/($high-$low+1e-12)"),
        ("KSFT", "(2*$close-$high-$low)/$open"),
        ("KSFT2", "(2*$close-$high-$low)/($high-$low+1e-12)"),
    ]
    pairs += [(f"{f.upper()}0", f"${f}/$close") for f in ("open", "high", "low", "vwap")]
    up = "Greater($close-Ref($close, 1), 0)"
    down = "Greater(Ref($close, 1)-$close, 0)"
    moves = "Sum(Abs($close-Ref($close, 1)), {d})+1e-12"
    vup = "Greater($volume-Ref($volume, 1), 0)"
    vdown = "Greater(Ref($volume, 1)-$volume, 0)"
    vmoves = "Sum(Abs($volume-Ref($volume, 1)), {d})+1e-12"
    weighted = "Abs($close/Ref($close, 1)-1)*$volume"
    rolling: list[tuple[str, str]] = [
        ("ROC", "Ref($close, {d})/$close"),
        ("MA", "Mean($close, {d})/$close"),
        ("STD", "Std($close, {d})/$close"),
        ("BETA", "Slope($close, {d})/$close"),
        ("RSQR", "Rsquare($close, {d})"),
        ("RESI", "Resi($close, {d})/$close"),
        ("MAX", "Max($high, {d})/$close"),
        ("MIN", "Min($low, {d})/$close"),
        ("QTLU", "Quantile($close, {d}, 0.8)/$close"),
        ("QTLD", "Quantile($close, {d}, 0.2)/$close"),
        ("RANK", "Rank($close, {d})"),
        ("RSV", "($close-Min($low, {d}))/(Max($high, {d})-Min($low, {d})+1e-12)"),
        ("IMAX", "IdxMax($high, {d})/{d}"),
        ("IMIN", "IdxMin($low, {d})/{d}"),
        ("IMXD", "(IdxMax($high, {d})-IdxMin($low, {d}))/{d}"),
        ("CORR", "Corr($close, Log($volume+1), {d})"),
        ("CORD", "Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), {d})"),
        ("CNTP", "Mean($close>Ref($close, 1), {d})"),
        ("CNTN", "Mean($close<Ref($close, 1), {d})"),
        ("CNTD", "Mean($close>Ref($close, 1), {d})-Mean($close<Ref($close, 1), {d})"),
        ("SUMP", f"Sum({up}, {{d}})/({moves})"),
        ("SUMN", f"Sum({down}, {{d}})/({moves})"),
        ("SUMD", f"(Sum({up}, {{d}})-Sum({down}, {{d}}))/({moves})"),
        ("VMA", "Mean($volume, {d})/($volume+1e-12)"),
        ("VSTD", "Std($volume, {d})/($volume+1e-12)"),
        ("WVMA", f"Std({weighted}, {{d}})/(Mean({weighted}, {{d}})+1e-12)"),
        ("VSUMP", f"Sum({vup}, {{d}})/({vmoves})"),
        ("VSUMN", f"Sum({vdown}, {{d}})/({vmoves})"),
        ("VSUMD", f"(Sum({vup}, {{d}})-Sum({vdown}, {{d}}))/({vmoves})"),
    ]
    for prefix, template in rolling:
        pairs += [(f"{prefix}{d}", template.format(d=d)) for d in WINDOWS]
    names, expressions = zip(*pairs, strict=True)
    return FactorSet("alpha158", tuple(names), tuple(expressions))


def _alpha360() -> FactorSet:
    pairs: list[tuple[str, str]] = []
    for field in ("close", "open", "high", "low", "vwap"):
        pairs += [(f"{field.upper()}{i}", f"Ref(${field}, {i})/$close") for i in range(59, 0, -1)]
        pairs.append((f"{field.upper()}0", f"${field}/$close"))
    pairs += [(f"VOLUME{i}", f"Ref($volume, {i})/($volume+1e-12)") for i in range(59, 0, -1)]
    pairs.append(("VOLUME0", "$volume/($volume+1e-12)"))
    names, expressions = zip(*pairs, strict=True)
    return FactorSet("alpha360", tuple(names), tuple(expressions))


ALPHA158 = _alpha158()
ALPHA360 = _alpha360()
FACTOR_SETS: dict[str, FactorSet] = {s.name: s for s in (ALPHA158, ALPHA360)}


def named_factor(name: str) -> str | None:
    """The expression of a named factor (``KMID``, ``alpha360:CLOSE5``, ``LABEL0``), if known."""
    text = name.strip()
    if ":" in text:
        set_name, _, column = text.partition(":")
        factor_set = FACTOR_SETS.get(set_name.strip().lower())
        if factor_set is None or column.strip() not in factor_set.names:
            return None
        return factor_set.expressions[factor_set.names.index(column.strip())]
    if text == LABEL_NAME:
        return LABEL_EXPRESSION
    for factor_set in FACTOR_SETS.values():
        if text in factor_set.names:
            return factor_set.expressions[factor_set.names.index(text)]
    return None
