"""`price` agrees with `tariffstack run` to the cent, column by column, whatever the input type."""

import datetime as dt
import decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

import tariffstack
from conftest import read_csv_rows

MONEY = pa.decimal128(38, 2)
RATE = pa.decimal128(38, 6)
RESULT = ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"]


def strings_table(path):
    """A CSV file as a table of strings (empty fields are empty strings), as `run` reads it."""
    header, _ = read_csv_rows(path)
    opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, strings_can_be_null=False)
    return pacsv.read_csv(path, convert_options=opts)


def as_text(v):
    """A result value as `run` writes it."""
    if v is None:
        return ""
    return str(v)


def table_rows(t):
    cols = [t.column(i).to_pylist() for i in range(t.num_columns)]
    return [[as_text(c[r]) for c in cols] for r in range(t.num_rows)]


def assert_same_as_run(result, cli_out):
    header, rows = read_csv_rows(cli_out)
    assert result.column_names == header
    got = table_rows(result)
    assert len(got) == len(rows)
    for i, (g, w) in enumerate(zip(got, rows)):
        for name, a, b in zip(header, g, w):
            assert a == b, f"row {i}, column {name}: {a!r} != {b!r} (CLI)"


@pytest.mark.parametrize(
    "scenario,flags",
    [
        ("historical", []),
        ("deal-reached", ["--as-of", "2025-10-17"]),
        ("pause-expires", ["--as-of", "2025-07-10"]),
        ("historical", ["--assume", "bea", "--assume", "usmca-2025", "--ranges"]),
    ],
)
@pytest.mark.parametrize("which", ["sample_csv", "extra_csv"])
def test_price_equals_run(cli, which, scenario, flags, request):
    path = request.getfixturevalue(which)
    out = cli("run", path, "-s", scenario, *flags, "-q").stdout
    kw = {}
    if "--as-of" in flags:
        kw["as_of"] = flags[flags.index("--as-of") + 1]
    assume = [flags[i + 1] for i, f in enumerate(flags) if f == "--assume"]
    result = tariffstack.price(strings_table(path), scenario, assume=assume or None, ranges="--ranges" in flags, **kw)
    assert_same_as_run(result, out)


def test_output_types_are_decimals(extra_csv):
    t = tariffstack.price(strings_table(extra_csv), "historical", ranges=True, assume="bea")
    types = {f.name: f.type for f in t.schema}
    for c in ["mfn_duty", "additional_duty", "total_duty", "total_duty_low", "total_duty_high"]:
        assert types[c] == MONEY, c
    assert types["effective_rate"] == RATE
    for c in ["scenario", "measures", "citations", "answer", "estimated", "unknown"]:
        assert types[c] == pa.string(), c
    first = t.slice(0, 1).to_pylist()[0]
    assert first["total_duty"] == decimal.Decimal("8250.00")
    assert first["effective_rate"] == decimal.Decimal("0.275000")
    assert first["note"] == "car, before the deal", "other columns pass through"
    # A customs value of 0 has no effective rate.
    zero = t.filter(pc.equal(t["note"], "zero value")).to_pylist()[0]
    assert zero["effective_rate"] is None and zero["total_duty"] == decimal.Decimal("0.00")
    assert b"law as of" in t.schema.metadata[b"tariffstack.law"]


def typed(t):
    """The same flows with numbers, decimals and dates instead of strings (empty -> null)."""
    def nulls(col):
        return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)

    cols = {}
    for name in t.column_names:
        col = t[name]
        if name == "customs_value":
            col = pc.cast(col, pa.decimal128(20, 2))
        elif name in ("entry_date", "loaded_date"):
            col = pc.cast(nulls(col), pa.date32())
        elif name == "quantity":
            col = pc.cast(nulls(col), pa.float64())
        elif name == "us_content_value":
            col = pc.cast(nulls(col), pa.decimal128(12, 3))
        elif name == "steel_content_value":
            col = pc.cast(nulls(col), pa.int64())
        cols[name] = col
    return pa.table(cols)


@pytest.mark.parametrize("which", ["sample_csv", "extra_csv"])
def test_typed_columns_price_the_same(which, request):
    t = strings_table(request.getfixturevalue(which))
    want = tariffstack.price(t, "historical")
    got = tariffstack.price(typed(t), "historical")
    for c in RESULT:
        assert got[c].equals(want[c]), c


def test_float_values_use_their_shortest_repr():
    t = pa.table(
        {
            "hts": ["8703.23.01", "8703.23.01"],
            "origin": ["JP", "JP"],
            "entry_date": [dt.date(2025, 4, 16), dt.date(2025, 4, 16)],
            "customs_value": pa.array([30000.1, 10.02], pa.float64()),
        }
    )
    r = tariffstack.price(t, "historical")
    # 10.02 is read as 10.02 (its repr), not as the binary 10.0199999999999995737...: the 25% line
    # is 2.505, rounded half-up to 2.51 (the binary value would give 2.50).
    assert r["additional_duty"].to_pylist() == [decimal.Decimal("7500.03"), decimal.Decimal("2.51")]
    assert r["total_duty"].to_pylist() == [decimal.Decimal("8250.03"), decimal.Decimal("2.76")]


def test_pandas_and_record_batch_inputs(sample_csv, cli):
    pd = pytest.importorskip("pandas")
    out = cli("run", sample_csv, "-s", "historical", "-q").stdout
    df = pd.read_csv(sample_csv, dtype=str, keep_default_na=False)
    assert_same_as_run(tariffstack.price(df, "historical"), out)
    # pandas' own types: customs_value float64 (shortest repr), quantity float64 with NaN for none.
    df2 = pd.read_csv(sample_csv, dtype={"hts": str})
    want = tariffstack.price(df, "historical")
    got = tariffstack.price(df2, "historical")
    for c in RESULT:
        assert got[c].equals(want[c]), c
    batch = strings_table(sample_csv).to_batches()[0]
    assert tariffstack.price(batch, "historical").num_rows == batch.num_rows


def test_polars_input(sample_csv, cli):
    pl = pytest.importorskip("polars", reason="polars is not installed (pip install polars)")
    out = cli("run", sample_csv, "-s", "historical", "-q").stdout
    df = pl.read_csv(sample_csv, infer_schema=False)
    assert_same_as_run(tariffstack.price(df, "historical"), out)
    typed_df = pl.read_csv(sample_csv, schema_overrides={"hts": pl.String})
    got = tariffstack.price(typed_df, "historical")
    want = tariffstack.price(df, "historical")
    for c in RESULT:
        assert got[c].equals(want[c]), c


BAD = """hts,origin,entry_date,customs_value,note
8703.23.01,JP,2025-04-16,30000,good
8703.23.01,XX,2025-04-16,30000,bad origin
8703.23.01,JP,2025-02-30,30000,bad date
8703,JP,2025-04-16,30000,short code
8703.23.01,JP,2025-04-16,1e5,exponent
9403.60.80,JP,2025-05-01,1000,good again
"""


def test_bad_rows_raise_or_come_back(tmp_path, cli):
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    t = strings_table(path)
    with pytest.raises(tariffstack.RowError) as e:
        tariffstack.price(t, "historical")
    assert "4 rows cannot be priced" in str(e.value)
    assert "row 1, column origin: `XX`" in str(e.value)
    priced, rejects = tariffstack.price(t, "historical", errors="return")
    assert priced["note"].to_pylist() == ["good", "good again"]
    assert rejects["row"].to_pylist() == [1, 2, 3, 4]
    # The same rejects as `run --rejects` (whose line is the row + 2: the header is line 1).
    rej = tmp_path / "rejects.csv"
    p = cli("run", path, "-s", "historical", "--rejects", rej, "-q")
    assert p.returncode == 1
    _, want = read_csv_rows(rej.read_text())
    got = [[str(r["row"] + 2), r["column"], r["value"], r["reason"]] for r in rejects.to_pylist()]
    assert got == [w[1:] for w in want]
    assert_same_as_run(priced, p.stdout)


def test_nan_and_null_are_missing_values():
    t = pa.table(
        {
            "hts": ["8703.23.01", "8703.23.01", None],
            "origin": ["JP", "JP", "JP"],
            "entry_date": ["2025-04-16"] * 3,
            "customs_value": [float("nan"), 1.0, 2.0],
            "quantity": [None, float("nan"), 3.0],
        }
    )
    priced, rejects = tariffstack.price(t, "historical", errors="return")
    assert priced.num_rows == 1
    assert rejects["column"].to_pylist() == ["customs_value", "hts"]


def test_columns_that_would_lose_information_are_refused():
    t = pa.table({"hts": [8703230100], "origin": ["JP"], "entry_date": ["2025-04-16"], "customs_value": ["1"]})
    with pytest.raises(TypeError, match="hts"):
        tariffstack.price(t, "historical")
    t = pa.table({"hts": ["8703.23.01"], "origin": ["JP"], "entry_date": [[1]], "customs_value": ["1"]})
    with pytest.raises(TypeError, match="entry_date"):
        tariffstack.price(t, "historical")
    with pytest.raises(ValueError, match="missing required column `customs_value`"):
        tariffstack.price(pa.table({"hts": ["1"], "origin": ["JP"], "entry_date": ["x"]}), "historical")
    with pytest.raises(ValueError, match="scenario"):
        tariffstack.price(pa.table({"hts": ["1"], "origin": ["JP"], "entry_date": ["x"], "customs_value": ["1"]}), "nope")


def test_empty_table():
    t = pa.table({c: pa.array([], pa.string()) for c in ["hts", "origin", "entry_date", "customs_value"]})
    r = tariffstack.price(t, "historical")
    assert r.num_rows == 0 and r.column_names[4:] == RESULT


def test_an_input_scenario_column_is_renamed_as_run_does(cli, tmp_path):
    """A test-case file's own `scenario` column comes back as `input_scenario`, as `run` writes it."""
    path = tmp_path / "cases.csv"
    path.write_text("scenario,hts,origin,entry_date,customs_value\nx,8703.23.01,JP,2025-04-16,10000\n")
    r = tariffstack.price(strings_table(path), "historical")
    assert r.column_names[:6] == ["input_scenario", "hts", "origin", "entry_date", "customs_value", "scenario"]
    out = cli("run", str(path), "-s", "historical", "-q").stdout
    assert_same_as_run(r, out)


def test_cli_parquet_output_reads_back_in_pyarrow_and_polars(sample_csv, cli, tmp_path):
    """`run -o out.parquet` (delta-encoded decimals) reads back, in pyarrow and Polars, as the
    CSV output's values to the cent."""
    out = tmp_path / "out.parquet"
    cli("run", sample_csv, "-s", "historical", "-q", "--ranges", "-o", out)
    header, rows = read_csv_rows(cli("run", sample_csv, "-s", "historical", "-q", "--ranges").stdout)
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    meta = pq.ParquetFile(out).metadata.row_group(0)
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
    money = ["mfn_duty", "additional_duty", "total_duty", "total_duty_low", "total_duty_high"]
    for c in money + ["effective_rate"]:
        assert "DELTA_BINARY_PACKED" in encodings[c], (c, encodings[c])
        want = [decimal.Decimal(r[header.index(c)]) for r in rows]
        assert table[c].to_pylist() == want, c
    pl = pytest.importorskip("polars", reason="polars is not installed (pip install polars)")
    df = pl.read_parquet(out)
    for c in money + ["effective_rate"]:
        assert df[c].to_list() == table[c].to_pylist(), c
