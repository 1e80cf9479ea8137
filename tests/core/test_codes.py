import pytest

from aistock.core.codes import (
    CSI300,
    PING_AN_BANK,
    SSE_COMPOSITE,
    Board,
    Exchange,
    InstrumentCode,
    SecurityKind,
    parse_code,
    to_canonical,
    to_qlib,
)
from aistock.core.errors import CodeFormatError


def test_000001_sh_is_the_sse_composite_and_000001_sz_is_ping_an_bank() -> None:
    index = parse_code("000001.SH")
    bank = parse_code("000001.SZ")
    assert index == SSE_COMPOSITE and index.kind is SecurityKind.INDEX and index.board is Board.INDEX
    assert bank == PING_AN_BANK and bank.kind is SecurityKind.STOCK and bank.board is Board.SZ_MAIN
    assert index != bank
    # The seed writes SH000001 for the benchmark: it must land on the index, not on the bank.
    assert parse_code("SH000001") == SSE_COMPOSITE
    assert parse_code("sz000001") == PING_AN_BANK
    # A bare 000001 is read as a stock (Ping An Bank), never silently as the index.
    assert parse_code("000001") == PING_AN_BANK


@pytest.mark.parametrize(
    ("text", "canonical", "qlib"),
    [
        ("600000.SH", "600000.SH", "SH600000"),
        ("600000.sh", "600000.SH", "SH600000"),
        ("SH600000", "600000.SH", "SH600000"),
        ("sh600000", "600000.SH", "SH600000"),
        ("sh.600000", "600000.SH", "SH600000"),
        ("600000.XSHG", "600000.SH", "SH600000"),
        ("000002.XSHE", "000002.SZ", "SZ000002"),
        (" 300750.SZ ", "300750.SZ", "SZ300750"),
        ("688981", "688981.SH", "SH688981"),
        ("430047.BJ", "430047.BJ", "BJ430047"),
        ("920001", "920001.BJ", "BJ920001"),
        ("SH000300", "000300.SH", "SH000300"),
    ],
)
def test_every_format_converts_both_ways(text: str, canonical: str, qlib: str) -> None:
    assert to_canonical(text) == canonical
    assert to_qlib(text) == qlib
    assert to_canonical(qlib) == canonical
    assert parse_code(canonical).qlib_dir == qlib.lower()


@pytest.mark.parametrize(
    ("code", "board"),
    [
        ("600519.SH", Board.SH_MAIN),
        ("601318.SH", Board.SH_MAIN),
        ("603259.SH", Board.SH_MAIN),
        ("605499.SH", Board.SH_MAIN),
        ("688981.SH", Board.STAR),
        ("689009.SH", Board.STAR),
        ("000858.SZ", Board.SZ_MAIN),
        ("002594.SZ", Board.SZ_MAIN),
        ("003816.SZ", Board.SZ_MAIN),
        ("300750.SZ", Board.CHINEXT),
        ("301269.SZ", Board.CHINEXT),
        ("430047.BJ", Board.BJ),
        ("830799.BJ", Board.BJ),
        ("920001.BJ", Board.BJ),
        ("000300.SH", Board.INDEX),
        ("399001.SZ", Board.INDEX),
        ("900901.SH", Board.B_SHARE),
        ("510300.SH", Board.OTHER),
    ],
)
def test_boards(code: str, board: Board) -> None:
    assert parse_code(code).board is board


def test_well_known_constants() -> None:
    assert str(CSI300) == "000300.SH" and CSI300.is_index
    assert InstrumentCode("600000", Exchange.SH).is_stock


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("600000.HK", "unknown exchange 'HK'"),
        ("60000.SH", "unknown instrument code format"),
        ("AAPL", "unknown instrument code format"),
        ("", "unknown instrument code format"),
        ("HK000700", "unknown exchange 'HK'"),
        ("510300", "cannot tell the exchange"),
    ],
)
def test_unknown_formats_fail_with_a_message_that_names_the_code_and_the_fix(bad: str, fragment: str) -> None:
    with pytest.raises(CodeFormatError) as info:
        parse_code(bad)
    message = str(info.value)
    assert fragment in message
    assert "600000.SH" in message or "SH" in message  # the fix shows a valid example


def test_non_text_is_refused() -> None:
    with pytest.raises(CodeFormatError, match="not text"):
        parse_code(600000)  # type: ignore[arg-type]
