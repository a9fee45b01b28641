"""Benchmark: pricing through Spark (`price_dataframe`, mapInArrow over the wheel) against `tariffstack run`.

Usage (from the repository root; the package and pyspark installed in the Python that runs this, Java 17+):

    cargo build --release --bins --examples
    python python/spark/bench_spark.py [ROWS] [ROUNDS] [MASTER]   # default 1,000,000 rows, 3 rounds, local[2]

The flows come from `examples/gen_flows` (as for `python/bench.py`), written once to a CSV file. One
warm-up round (not counted: the JVM and the Python workers start), then ROUNDS interleaved rounds, medians
reported, of:

* `run`: the CLI reading the CSV file and writing every row with its result columns to /dev/null;
* `spark floor`: Spark reading the same CSV (every column a string) and passing every Arrow batch through
  an identity `mapInArrow` into the `noop` sink: what Spark costs before any pricing;
* `spark price`: the same read, `price_dataframe(df, "historical")`, into the `noop` sink (every row
  priced and every column materialised, nothing written);
* `spark price -> parquet` (information): the same, written as Parquet to a temporary folder.

Each Spark figure is the wall time of the whole job on the driver (read, price, sink). The per-row cost is
the wall time over the rows; "pricing in Spark" is `spark price` less `spark floor`.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "target" / "release"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tariffstack_spark  # noqa: E402


def java_home():
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return home
    java = shutil.which("java")
    if java is None:
        sys.exit("no Java runtime: install Java 17 (java on PATH) or set JAVA_HOME")
    return str(Path(os.path.realpath(java)).parent.parent)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    master = sys.argv[3] if len(sys.argv) > 3 else "local[2]"
    cli = RELEASE / "tariffstack"
    gen = RELEASE / "examples" / "gen_flows"
    if not cli.exists() or not gen.exists():
        subprocess.run(["cargo", "build", "--release", "--bins", "--examples"], cwd=REPO, check=True)
    os.environ["JAVA_HOME"] = java_home()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

    import pyspark
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    with tempfile.TemporaryDirectory() as tmp:
        flows = Path(tmp) / "flows.csv"
        with open(flows, "wb") as f:
            subprocess.run([str(gen), str(rows)], stdout=f, check=True)
        size = flows.stat().st_size

        t0 = time.perf_counter()
        spark = (
            SparkSession.builder.master(master)
            .appName("tariffstack-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "4g")
            # About 8 MB of CSV per task: several tasks per core, so both cores work.
            .config("spark.sql.files.maxPartitionBytes", str(8 * 1024 * 1024))
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        start_s = time.perf_counter() - t0
        header = flows.open().readline().strip().split(",")
        schema = T.StructType([T.StructField(c, T.StringType(), True) for c in header])
        df = spark.read.csv(str(flows), header=True, schema=schema, quote='"', escape='"')
        parts = df.rdd.getNumPartitions()

        def identity(batches):
            yield from batches

        def floor():
            df.mapInArrow(identity, df.schema).write.format("noop").mode("overwrite").save()

        def price():
            tariffstack_spark.price_dataframe(df, "historical").write.format("noop").mode("overwrite").save()

        def price_parquet():
            out = Path(tmp) / "priced.parquet"
            tariffstack_spark.price_dataframe(df, "historical").write.mode("overwrite").parquet(str(out))

        def run():
            with open(os.devnull, "wb") as null:
                subprocess.run([str(cli), "run", str(flows), "-s", "historical", "-q"], stdout=null, stderr=subprocess.DEVNULL, check=False)

        steps = [("run", run), ("floor", floor), ("price", price), ("parquet", price_parquet)]
        for _, fn in steps:  # warm-up
            fn()
        times = {k: [] for k, _ in steps}
        for _ in range(rounds):
            for k, fn in steps:
                t0 = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - t0)

        # The result is complete: every row, priced or rejected, and the sum equals run's.
        priced = tariffstack_spark.price_dataframe(df, "historical")
        counted = priced.agg(F.count("*").alias("n"), F.sum("total_duty").alias("t"), F.count("_reject_reason").alias("r")).collect()[0]
        assert counted["n"] == rows, counted
        summary = subprocess.run([str(cli), "compare", str(flows), "-s", "historical", "--format", "csv", "-q"],
                                 capture_output=True, text=True, check=False).stdout.splitlines()
        cli_total = dict(zip(summary[0].split(","), summary[1].split(",")))["total_duty"]
        assert str(counted["t"]) == cli_total, (counted["t"], cli_total)
        spark.stop()

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"rows: {rows:,} ({size / 1e6:.0f} MB of CSV); rounds: {rounds} (medians) after a warm-up; master {master}; "
          f"{parts} partitions; cores: {os.cpu_count()}; pyspark {pyspark.__version__}")
    print(f"Spark session start (once, JVM):   {start_s:.2f} s")
    print(f"sum of total_duty through Spark:   {counted['t']} ({counted['r']} rejected; compare says {cli_total})")
    labels = [
        ("run", "tariffstack run -s historical"),
        ("floor", "spark floor (read + identity)"),
        ("price", "spark price_dataframe -> noop"),
        ("parquet", "spark price_dataframe -> parquet"),
    ]
    for k, label in labels:
        print(f"{label:34} {med[k]:6.3f} s  ({med[k] / rows * 1e6:.2f} us/row, {rows / med[k] / 1e6:.2f} M rows/s)")
    pricing = med["price"] - med["floor"]
    print(f"pricing in Spark (price - floor):  {pricing:6.3f} s  ({pricing / rows * 1e6:.2f} us/row)")
    print(f"ratio spark price / run: {med['price'] / med['run']:.2f}")


if __name__ == "__main__":
    main()
