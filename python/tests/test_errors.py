"""Bad input is a Python exception naming the column (and row), never a crash."""

from __future__ import annotations

import pandas as pd
import pytest

import retain
from conftest import MODEL


def log(**overrides):
    data = {
        "customer_id": ["a", "a", "b"],
        "date": ["1998-01-01", "1998-02-01", "1998-03-01"],
        "amount": [10.0, 12.0, 5.0],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def test_a_bad_date_names_the_row_and_column():
    model = retain.load(MODEL)
    with pytest.raises(ValueError, match=r"pandas DataFrame.*row 2.*date"):
        model.score(log(date=["1998-01-01", "not a date", "1998-03-01"]), as_of="1998-06-30")


def test_a_missing_column_is_named_with_the_columns_found():
    model = retain.load(MODEL)
    with pytest.raises(ValueError, match="amount"):
        model.score(log().drop(columns=["amount"]), as_of="1998-06-30")
    with pytest.raises(ValueError, match="cost"):
        model.score(log(), as_of="1998-06-30", amount_col="cost")


def test_bad_summaries_name_the_column():
    model = retain.load(MODEL)
    bad = pd.DataFrame({"customer_id": ["a"], "frequency": [2], "recency": [5.0],
                        "T": [-1.0], "monetary_value": [3.0]})
    with pytest.raises(ValueError, match=r'row 1, column "T"'):
        model.score(bad)
    with pytest.raises(ValueError, match=r'column "recency"'):
        retain.fit_clv(bad.assign(T=1.0, recency=4.0), model="bgnbd")


def test_bad_settings_name_the_argument():
    model = retain.load(MODEL)
    with pytest.raises(ValueError, match="horizon"):
        model.score(log(), as_of="1998-06-30", horizon="52 parsecs")
    with pytest.raises(ValueError, match="as_of"):
        model.score(log(), as_of="yesterday")
    with pytest.raises(ValueError, match="as_of"):
        model.score(log())
    with pytest.raises(ValueError, match="model"):
        retain.fit_clv(pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0],
                                     "monetary_value": [1.0], "customer_id": ["a"]}),
                       model="nonsense")
    with pytest.raises(TypeError):
        model.score([1, 2, 3], as_of="1998-06-30")


def test_transactions_after_the_as_of_day_are_refused():
    model = retain.load(MODEL)
    with pytest.raises(ValueError, match="1998-03-01|after"):
        model.score(log(), as_of="1998-02-15")


def test_files_missing_or_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError):
        retain.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "retain-model", "format_version": 1')
    with pytest.raises(ValueError):
        retain.load(bad)
