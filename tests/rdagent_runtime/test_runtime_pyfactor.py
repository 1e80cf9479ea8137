"""The fenced runner for RD-Agent's ``calculate_<name>()`` factor code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aistock.rdagent.runtime.pyfactor import (
    DAILY_PV_COLUMNS,
    FactorCodeError,
    FactorSource,
    check_factor_source,
    run_factor,
)


@pytest.fixture
def daily_pv() -> pd.DataFrame:
    days = pd.bdate_range("2025-01-02", periods=30)
    codes = ["000001.SZ", "600000.SH"]
    index = pd.MultiIndex.from_product([days, codes], names=["datetime", "instrument"])
    rng = np.random.default_rng(3)
    data = {c: rng.uniform(5, 15, len(index)).astype("float32") for c in DAILY_PV_COLUMNS}
    return pd.DataFrame(data, index=index)


def _factor(tmp_path: Path, body: str, name: str = "Demo") -> FactorSource:
    path = tmp_path / "factor.py"
    path.write_text(body, encoding="utf-8")
    return FactorSource(path, f"calculate_{name}")


GOOD = """
import pandas as pd

def calculate_Demo():
    df = pd.read_hdf("daily_pv.h5", key="data")
    close = df["close"].unstack("instrument")
    out = (close / close.shift(3) - 1).stack(future_stack=True).reindex(df.index).to_frame("Demo")
    out.astype("float32").to_hdf("result.h5", key="data")
"""


def test_a_factor_in_rdagents_form_runs_on_our_frame(tmp_path: Path, daily_pv: pd.DataFrame) -> None:
    result = run_factor(_factor(tmp_path, GOOD), daily_pv)
    close = daily_pv["close"].unstack("instrument")
    expected = (close / close.shift(3) - 1).stack(future_stack=True).reindex(daily_pv.index)
    assert result.index.equals(daily_pv.index)
    np.testing.assert_array_equal(result["Demo"].to_numpy(), expected.astype("float32").to_numpy())


@pytest.mark.parametrize(
    ("snippet", "complaint"),
    [
        ("import os", "import os"),
        ("import subprocess", "import subprocess"),
        ("from shutil import rmtree", "from shutil import"),
        ("x = eval('1')", "call to eval()"),
        ("f = open('x', 'w')", "call to open()"),
        ("y = pd.DataFrame.__subclasses__()", "access to __subclasses__"),
    ],
)
def test_dangerous_code_is_refused_before_it_runs(snippet: str, complaint: str) -> None:
    with pytest.raises(FactorCodeError) as info:
        check_factor_source(f"import pandas as pd\n{snippet}\n", "factor.py")
    assert complaint in info.value.what
    assert "may import only" in info.value.fix


def test_writing_outside_the_scratch_directory_fails_at_run_time(
    tmp_path: Path, daily_pv: pd.DataFrame
) -> None:
    outside = tmp_path / "escaped.csv"
    body = GOOD.replace('out.astype("float32")', f'out.to_csv({str(outside)!r}); out.astype("float32")')
    with pytest.raises(FactorCodeError, match="scratch directory"):
        run_factor(_factor(tmp_path, body), daily_pv)
    assert not outside.exists()


def test_an_endless_factor_is_stopped(tmp_path: Path, daily_pv: pd.DataFrame) -> None:
    body = "import pandas as pd\n\ndef calculate_Demo():\n    while True:\n        pass\n"
    with pytest.raises(FactorCodeError, match="longer than"):
        run_factor(_factor(tmp_path, body), daily_pv, timeout_s=3)


def test_a_failing_factor_reports_its_last_error_line(tmp_path: Path, daily_pv: pd.DataFrame) -> None:
    body = "import pandas as pd\n\ndef calculate_Demo():\n    raise ValueError('no mf_ columns here')\n"
    with pytest.raises(FactorCodeError, match="no mf_ columns here"):
        run_factor(_factor(tmp_path, body), daily_pv)


def test_no_result_file_and_wrong_function_are_named(tmp_path: Path, daily_pv: pd.DataFrame) -> None:
    body = "import pandas as pd\n\ndef calculate_Demo():\n    pass\n"
    with pytest.raises(FactorCodeError, match=r"wrote no result\.h5"):
        run_factor(_factor(tmp_path, body), daily_pv)
    with pytest.raises(FactorCodeError, match="defines no function calculate_Other"):
        run_factor(FactorSource(tmp_path / "factor.py", "calculate_Other"), daily_pv)


def test_input_without_the_daily_pv_columns_is_refused(tmp_path: Path, daily_pv: pd.DataFrame) -> None:
    with pytest.raises(FactorCodeError, match="lacks"):
        run_factor(_factor(tmp_path, GOOD), daily_pv.drop(columns=["amount"]))
