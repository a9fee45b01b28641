"""`compare` equals `tariffstack compare --format csv`; `explain` equals `explain --format json`."""

import decimal
import json

import pyarrow as pa
import pytest

import tariffstack
from conftest import read_csv_rows
from test_price import strings_table

FOUR = ["historical", "status-quo", "pause-expires", "deal-reached"]


def as_csv_rows(t):
    rows = []
    for r in t.to_pylist():
        rows.append(["" if v is None else str(v) for v in r.values()])
    return t.column_names, rows


@pytest.mark.parametrize(
    "scenarios,by,flags",
    [
        (FOUR, None, ["--as-of", "2025-10-17"]),
        (FOUR, "origin", []),
        (["historical", "no-ieepa"], "measure", []),
        (["historical"], "chapter", []),
        (FOUR, None, ["--as-of", "2025-10-17", "--assume", "bea", "--ranges"]),
        (["historical", "deal-reached"], "month", ["--assume", "usmca-2025", "--ranges"]),
    ],
)
def test_compare_equals_cli(cli, sample_csv, scenarios, by, flags):
    args = ["compare", sample_csv, *[x for s in scenarios for x in ("-s", s)], "--format", "csv", "-q", *flags]
    if by:
        args += ["--by", by]
    want = read_csv_rows(cli(*args).stdout)
    as_of = flags[flags.index("--as-of") + 1] if "--as-of" in flags else None
    assume = [flags[i + 1] for i, f in enumerate(flags) if f == "--assume"] or None
    got = tariffstack.compare(strings_table(sample_csv), scenarios, as_of=as_of, by=by, assume=assume, ranges="--ranges" in flags)
    assert as_csv_rows(got) == want


def test_compare_by_entry_and_rejects(cli, extra_csv, tmp_path):
    want = read_csv_rows(cli("compare", extra_csv, "-s", "historical", "-s", "no-ieepa", "--by", "entry", "--format", "csv", "-q").stdout)
    got = tariffstack.compare(strings_table(extra_csv), ["historical", "no-ieepa"], by="entry")
    assert as_csv_rows(got) == want
    assert got.schema.field("total_duty").type == pa.decimal128(38, 2)
    bad = tmp_path / "bad.csv"
    bad.write_text("hts,origin,entry_date,customs_value\n8703.23.01,JP,2025-04-16,30000\n8703.23.01,JP,2025-04-16,x\n")
    with pytest.raises(tariffstack.RowError, match="row 1, column customs_value"):
        tariffstack.compare(strings_table(bad), "historical")
    summary, rejects = tariffstack.compare(strings_table(bad), "historical", errors="return")
    assert summary["rows"].to_pylist() == [1] and rejects.num_rows == 1
    with pytest.raises(ValueError, match="given twice"):
        tariffstack.compare(strings_table(bad), ["historical", "historical"])
    with pytest.raises(ValueError, match="entry_number"):
        tariffstack.compare(strings_table(bad), "historical", by="entry")


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({}, []),
        ({"assume": "bea", "ranges": True}, ["--assume", "bea", "--ranges"]),
    ],
)
def test_explain_equals_cli(cli, kwargs, flags):
    cases = [
        ("historical", "8703.23.01", "JP", "2025-04-16", "30000", {}),
        ("historical", "0201.10.10", "AU", "2025-06-01", "20000", {"quantity": "5000", "unit": "kg"}),
        ("historical", "7326.90.86", "JP", "2025-07-01", "1234.56", {"steel_content_value": "400"}),
        ("deal-reached", "8708.99.81", "MX", "2025-10-01", "5000", {"spi": "S", "us_content": "1500"}),
        ("historical", "3004.90.92", "IE", "2026-08-01", "50000", {"declared": "9903.04.67"}),
    ]
    flag = {"quantity": "--quantity", "unit": "--unit", "steel_content_value": "--steel-content", "spi": "--spi",
            "us_content": "--us-content", "declared": "--declared"}
    for scenario, hts, origin, date, value, facts in cases:
        args = ["explain", "-s", scenario, "--hts", hts, "--origin", origin, "--date", date, "--value", value, "--format", "json", *flags]
        for k, v in facts.items():
            args += [flag[k], v]
        want = json.loads(cli(*args).stdout)
        got = tariffstack.explain(scenario, hts, origin, date, value, **kwargs, **facts)
        assert got == want, (hts, origin)


def test_explain_takes_python_values():
    import datetime as dt

    a = tariffstack.explain("historical", "8703.23.01", "JP", dt.date(2025, 4, 16), decimal.Decimal("30000.00"))
    b = tariffstack.explain("historical", "8703.23.01", "JP", "2025-04-16", 30000.0)
    assert a == b and a["total_duty"] == "8250.00"
    assert [l["citation"] for l in a["lines"]][1:] == ["9903.94.01"]
    with pytest.raises(ValueError, match="origin"):
        tariffstack.explain("historical", "8703.23.01", "XX", "2025-04-16", 1)
    with pytest.raises(TypeError, match="colour"):
        tariffstack.explain("historical", "8703.23.01", "JP", "2025-04-16", 1, colour="red")


def test_scenarios():
    assert set(FOUR + ["no-ieepa"]) <= set(tariffstack.scenarios())
