"""Pricing through Apache Spark (python/spark/tariffstack_spark.py, mapInArrow over the wheel) gives
`tariffstack run` and `tariffstack compare` to the cent, row by row, rejects included.

Skipped, with the reason, when pyspark is not installed or no Java runtime is found (`java` on PATH or
JAVA_HOME). TARIFFSTACK_SPARK_ROWS sets the generated rows (default 200,000).
"""

import csv
import decimal
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "python" / "spark"))

# pyspark 4.3 warns about pandas 3 on import of its Arrow helpers; nothing here goes through pandas.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

ROWS = int(os.environ.get("TARIFFSTACK_SPARK_ROWS", "200000"))
RESULT = ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"]
# Rows that cannot be priced, inserted among the generated ones (at these 0-based positions): each
# must come back as a reject with run's reason, none dropped.
BAD = {
    7: ["9999.99.99", "JP", "2025-04-16", "10.00", "", ""],
    ROWS // 2: ["8703.23.01", "JP", "2025-13-16", "10.00", "", ""],
    ROWS - 3: ["8703.23.01", "DE", "2025-05-01", "abc", "", ""],
}


def _java_home():
    """JAVA_HOME, else the JDK of the `java` on PATH (/usr/lib/jvm/... on Debian); None without Java."""
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return home
    java = shutil.which("java")
    if java is None:
        return None
    return str(Path(os.path.realpath(java)).parent.parent)


def _java_major(home):
    """The major version of the Java in ``home`` (17 for "17.0.15"), None when it cannot be told."""
    try:
        p = subprocess.run([str(Path(home, "bin", "java")), "-version"], capture_output=True, text=True, timeout=60)
        m = re.search(r'version "(\d+)(?:\.(\d+))?', p.stderr)
    except (OSError, subprocess.SubprocessError):
        return None
    if m is None:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")
    home = _java_home()
    if home is None:
        pytest.skip("no Java runtime (java on PATH or JAVA_HOME) for Spark")
    major = _java_major(home)
    need = 17 if int(pyspark.__version__.split(".")[0]) >= 4 else 8
    if major is not None and major < need:
        pytest.skip(f"pyspark {pyspark.__version__} needs Java {need} or later; the Java found ({home}) is {major}")
    os.environ["JAVA_HOME"] = home
    # The Python workers must be this interpreter (the one with tariffstack and pyarrow).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("tariffstack-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        # Several tasks per file, so that rows are priced in several partitions and batches.
        .config("spark.sql.files.maxPartitionBytes", str(2 * 1024 * 1024))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def flows(tmp_path_factory):
    """ROWS generated flows (examples/gen_flows) with a `row_id` column first and the BAD rows."""
    gen = Path(os.environ.get("TARIFFSTACK_GEN_FLOWS", REPO / "target" / "release" / "examples" / "gen_flows"))
    if not gen.exists():
        subprocess.run(["cargo", "build", "--release", "--example", "gen_flows"], cwd=REPO, check=True)
    text = subprocess.run([str(gen), str(ROWS - len(BAD))], capture_output=True, text=True, check=True).stdout
    lines = text.splitlines()
    header, body = lines[0].split(","), lines[1:]
    assert header == ["hts", "origin", "entry_date", "customs_value", "quantity", "quantity_unit"], header
    path = tmp_path_factory.mktemp("spark") / "flows.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["row_id"] + header)
        it = iter(body)
        for i in range(ROWS):
            w.writerow([i] + (BAD[i] if i in BAD else next(it).split(",")))
    return path


def strings_df(spark, path):
    """The CSV as a DataFrame of strings (Spark reads an empty field as null: missing, as for run)."""
    from pyspark.sql import types as T

    header = Path(path).open(encoding="utf-8").readline().strip().split(",")
    schema = T.StructType([T.StructField(c, T.StringType(), True) for c in header])
    # RFC 4180 quoting (a quote inside a quoted field is doubled), not Spark's default backslash escape.
    return spark.read.csv(str(path), header=True, schema=schema, quote='"', escape='"')


def run_table(text):
    """run's CSV output as a table of strings."""
    header = text.split("\n", 1)[0].split(",")
    opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, strings_can_be_null=False)
    return pacsv.read_csv(pa.BufferReader(text.encode()), convert_options=opts)


def as_text(col):
    """A result column as run writes it: decimals with their places, null as empty."""
    return pc.fill_null(pc.cast(col, pa.string()), "").to_pylist()


def test_price_dataframe_equals_run(spark, flows, cli, tmp_path):
    import tariffstack_spark as ts
    from pyspark.sql import functions as F

    rejects_csv = tmp_path / "rejects.csv"
    want = run_table(cli("run", flows, "-s", "historical", "-q", "--rejects", rejects_csv).stdout)
    assert want.num_rows == ROWS - len(BAD)

    df = strings_df(spark, flows)
    assert df.rdd.getNumPartitions() >= 2
    priced = ts.price_dataframe(df, "historical").cache()
    types = dict(priced.dtypes)
    for c in ["mfn_duty", "additional_duty", "total_duty"]:
        assert types[c] == "decimal(38,2)", c
    assert types["effective_rate"] == "decimal(38,6)"
    assert priced.columns == df.columns + RESULT + list(ts.REJECT_COLUMNS)

    ok, bad = ts.split_rejects(priced)
    # No row lost: every input row once, priced or rejected.
    assert priced.count() == ROWS
    got = ok.toArrow()
    got = got.take(pc.sort_indices(pc.cast(got["row_id"], pa.int64())))
    assert got.num_rows == want.num_rows
    assert got["row_id"].to_pylist() == want["row_id"].to_pylist()
    for c in df.columns:
        assert pc.fill_null(got[c], "").equals(want[c]), c
    for c in RESULT:
        g, w = as_text(got[c]), want[c].to_pylist()
        diff = [i for i, (a, b) in enumerate(zip(g, w)) if a != b]
        assert not diff, f"{c}: {len(diff)} rows differ, first row_id {want['row_id'][diff[0]]}: {g[diff[0]]!r} != {w[diff[0]]!r}"

    # The sums, by Spark over decimals, equal the CLI's to the cent.
    sums = ok.agg(*[F.sum(c).alias(c) for c in ["mfn_duty", "additional_duty", "total_duty"]]).collect()[0]
    for c in ["mfn_duty", "additional_duty", "total_duty"]:
        assert isinstance(sums[c], decimal.Decimal)
        assert sums[c] == sum(decimal.Decimal(v) for v in want[c].to_pylist()), c

    # The rejects: run's, row for row (run's line is row_id + 2), same column, value and reason.
    with open(rejects_csv, encoding="utf-8") as f:
        cli_rejects = {int(r["line"]) - 2: (r["column"], r["value"], r["reason"]) for r in csv.DictReader(f)}
    assert sorted(cli_rejects) == sorted(BAD)
    spark_rejects = {
        int(r["row_id"]): (r["_reject_column"] or "", r["_reject_value"] or "", r["_reject_reason"])
        for r in bad.collect()
    }
    assert spark_rejects == cli_rejects
    assert bad.columns == df.columns + list(ts.REJECT_COLUMNS)
    priced.unpersist()


def test_compare_dataframe_equals_compare(spark, flows, cli):
    import tariffstack_spark as ts

    names = ["historical", "deal-reached", "pause-expires"]
    args = [a for n in names for a in ("-s", n)]
    want = run_table(cli("compare", flows, *args, "--as-of", "2025-10-17", "--format", "csv", "-q").stdout)
    summary, rejects = ts.compare_dataframe(strings_df(spark, flows), names, as_of="2025-10-17", errors="return")
    types = dict(summary.dtypes)
    assert types["total_duty"] == "decimal(38,2)" and types["effective_rate"] == "decimal(38,6)"
    got = summary.toArrow()
    assert got.column_names == want.column_names
    for c in got.column_names:
        assert as_text(got[c]) == want[c].to_pylist(), c
    assert sorted(int(r["row_id"]) for r in rejects.collect()) == sorted(BAD)


def test_errors_raise_fails_the_job(spark):
    import tariffstack_spark as ts

    df = spark.createDataFrame(
        [("8703.23.01", "JP", "2025-04-16", "30000"), ("8703.23.01", "JP", "2025-04-16", "abc")],
        "hts string, origin string, entry_date string, customs_value string",
    )
    with pytest.raises(Exception, match="customs value is not a plain decimal number"):
        ts.price_dataframe(df, "historical", errors="raise").collect()
    with pytest.raises(Exception, match="customs value is not a plain decimal number"):
        ts.compare_dataframe(df, "historical")
    # An unknown scenario is refused on the driver, before any job; so is a TimestampType column.
    with pytest.raises(Exception, match="no-such-scenario"):
        ts.price_dataframe(df, "no-such-scenario")
    from pyspark.sql import functions as F

    with pytest.raises(TypeError, match="entry_date"):
        ts.price_dataframe(df.withColumn("entry_date", F.to_timestamp("entry_date")), "historical")


def test_typed_columns_and_options(spark, sample_csv, cli):
    """Spark's own types (DecimalType value, DateType dates) and assume/ranges/as_of give run's answers."""
    import tariffstack_spark as ts
    from pyspark.sql import functions as F

    want = run_table(cli("run", sample_csv, "-s", "deal-reached", "--as-of", "2025-10-17", "--assume", "bea", "--ranges", "-q").stdout)
    df = strings_df(spark, sample_csv).withColumn("_pos", F.monotonically_increasing_id())
    typed = df.withColumn("customs_value", F.col("customs_value").cast("decimal(20,2)")).withColumn(
        "entry_date", F.to_date("entry_date")
    )
    for frame in (df, typed):
        got = ts.price_dataframe(frame, "deal-reached", as_of="2025-10-17", assume="bea", ranges=True).toArrow()
        got = got.take(pc.sort_indices(got["_pos"]))
        assert got.num_rows == want.num_rows
        for c in RESULT + ["answer", "estimated", "total_duty_low", "total_duty_high", "unknown"]:
            assert as_text(got[c]) == want[c].to_pylist(), c
        assert got["_reject_reason"].null_count == got.num_rows


def test_price_job(spark, extra_csv, cli, tmp_path, capfd):
    """The spark-submit job (python/spark/price_job.py): every row written, the rejects counted and kept."""
    import price_job
    import pyarrow.parquet as pq

    flows = tmp_path / "flows.csv"
    lines = extra_csv.read_text(encoding="utf-8").splitlines()
    bad = ",".join(["8703.23.01", "JP", "2025-04-16", "abc"] + [""] * (len(lines[0].split(",")) - 4))
    flows.write_text("\n".join(lines + [bad]) + "\n", encoding="utf-8")
    want = run_table(cli("run", flows, "-s", "historical", "-q").stdout)
    out, rej = tmp_path / "out", tmp_path / "rejects"
    assert price_job.main([str(flows), str(out), "-s", "historical", "--rejects", str(rej)]) == 1
    assert f"rows read: {want.num_rows + 1} = priced {want.num_rows} + rejected 1" in capfd.readouterr().err
    got = pq.read_table(out)
    ok = got.filter(pc.is_null(got["_reject_reason"]))
    assert sorted(as_text(ok["total_duty"])) == sorted(want["total_duty"].to_pylist())
    assert sum(ok["total_duty"].to_pylist()) == sum(decimal.Decimal(v) for v in want["total_duty"].to_pylist())
    rejected = "".join(p.read_text(encoding="utf-8") for p in rej.glob("*.csv"))
    assert "customs value is not a plain decimal number" in rejected


def test_input_scenario_column_is_renamed(spark):
    """An input `scenario` column (a test-case file's) comes back as `input_scenario`, as run names it."""
    import tariffstack_spark as ts

    df = spark.createDataFrame(
        [("x", "8703.23.01", "JP", "2025-04-16", "30000"), ("y", "8703.23.01", "JP", "2025-04-16", "-")],
        "scenario string, hts string, origin string, entry_date string, customs_value string",
    )
    priced = ts.price_dataframe(df, "historical")
    assert priced.columns[:6] == ["input_scenario", "hts", "origin", "entry_date", "customs_value", "scenario"]
    ok, bad = ts.split_rejects(priced)
    [row] = ok.collect()
    assert (row["input_scenario"], row["scenario"], str(row["total_duty"])) == ("x", "historical", "8250.00")
    [rej] = bad.collect()
    assert (rej["input_scenario"], rej["_reject_column"], rej["_reject_value"]) == ("y", "customs_value", "-")


def test_spark_reads_the_cli_parquet_output(spark, sample_csv, cli, tmp_path):
    """Spark's own reader takes `run -o out.parquet` (delta-encoded decimals) to the cent."""
    out = tmp_path / "out.parquet"
    cli("run", sample_csv, "-s", "historical", "-q", "-o", out)
    want = run_table(cli("run", sample_csv, "-s", "historical", "-q").stdout)
    got = spark.read.parquet(str(out)).select("total_duty", "effective_rate").collect()
    assert [r["total_duty"] for r in got] == [decimal.Decimal(v) for v in want["total_duty"].to_pylist()]
    assert [r["effective_rate"] for r in got] == [decimal.Decimal(v) for v in want["effective_rate"].to_pylist()]
