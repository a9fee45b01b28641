"""Fixtures: the `tariffstack` binary (the CLI the package must agree with) and the flow files."""

import csv
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def cli():
    """The release binary (TARIFFSTACK_BIN, else target/release/tariffstack, built when absent)."""
    path = Path(os.environ.get("TARIFFSTACK_BIN", REPO / "target" / "release" / "tariffstack"))
    if not path.exists():
        subprocess.run(["cargo", "build", "--release", "--bin", "tariffstack"], cwd=REPO, check=True)

    def run(*args, check=True):
        p = subprocess.run([str(path), *map(str, args)], cwd=REPO, capture_output=True, text=True)
        if check and p.returncode not in (0, 1):
            raise AssertionError(f"tariffstack {' '.join(map(str, args))}: exit {p.returncode}: {p.stderr}")
        return p

    return run


@pytest.fixture(scope="session")
def sample_csv():
    """Japan's 2024 trade (3,328 rows; a quoted description column with commas)."""
    return REPO / "data" / "sample" / "japan-2024.csv"


@pytest.fixture(scope="session")
def extra_csv():
    """Rows with every optional column: metal content, programs, US content, overrides, declarations."""
    return DATA / "extra.csv"


def read_csv_rows(text_or_path):
    """A CSV (text or path) as a header and a list of rows of strings."""
    if isinstance(text_or_path, Path):
        text_or_path = text_or_path.read_text(encoding="utf-8")
    rows = list(csv.reader(text_or_path.splitlines()))
    return rows[0], rows[1:]
