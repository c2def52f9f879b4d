"""Shared fixtures: the repository's data, the CLI binary (built by `cargo test --workspace`,
or built here once), and a temporary directory per test."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
CDNOW = ROOT / "tests" / "data" / "CDNOW_sample.txt"
MODEL = ROOT / "models" / "cdnow.json"
# How the CLI reads the CDNOW sample (whitespace separated, no header).
CDNOW_FLAGS = [
    "--customer-col", "1", "--date-col", "3", "--amount-col", "5",
    "--date-format", "%Y%m%d", "--delimiter", "whitespace", "--no-header",
]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `retain` binary: $RETAIN_BIN, else target/debug/retain (built if missing)."""
    path = Path(os.environ.get("RETAIN_BIN", ROOT / "target" / "debug" / "retain"))
    if not path.exists():
        subprocess.run(["cargo", "build", "--bin", "retain"], cwd=ROOT, check=True)
    return path


def run(cli: Path, *args: str) -> str:
    done = subprocess.run(
        [str(cli), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """The CDNOW sample as a pandas log: customer_id (text, as the CLI reads it), date (text
    YYYYMMDD), amount."""
    return pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["customer_id", "sample", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )[["customer_id", "date", "amount"]]
