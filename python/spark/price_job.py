"""A Spark job: price a flow file (CSV or Parquet, any size) and write every row, priced or rejected, as Parquet.

    spark-submit --py-files python/spark/tariffstack_spark.py python/spark/price_job.py \\
        FLOWS OUT -s SCENARIO [--as-of YYYY-MM-DD] [--assume NAME ...] [--rejects DIR]

FLOWS: a CSV file or folder (header, every column read as a string, RFC 4180 quotes) or Parquet (by the
`.parquet` extension, or `--input-format parquet`). OUT: a Parquet folder with the input columns, run's
result columns (money decimal(38,2)) and `_reject_column, _reject_value, _reject_reason` (null for a
priced row). Prints `rows read: N = priced P + rejected R`, counted from what was written; with
`--rejects DIR` the rejected rows are also written there as CSV. Exit status 1 when rows were rejected
(as `tariffstack run`), 0 otherwise.
"""

import argparse
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import tariffstack_spark


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("flows")
    p.add_argument("out")
    p.add_argument("-s", "--scenario", required=True)
    p.add_argument("--as-of")
    p.add_argument("--assume", action="append")
    p.add_argument("--ranges", action="store_true")
    p.add_argument("--input-format", choices=["auto", "csv", "parquet"], default="auto")
    p.add_argument("--rejects", metavar="DIR")
    a = p.parse_args(argv)

    spark = SparkSession.builder.appName("tariffstack-price").getOrCreate()
    fmt = a.input_format
    if fmt == "auto":
        fmt = "parquet" if a.flows.rstrip("/").endswith(".parquet") else "csv"
    if fmt == "parquet":
        df = spark.read.parquet(a.flows)
    else:
        # Without inferSchema every column is a string: the text run reads.
        df = spark.read.csv(a.flows, header=True, quote='"', escape='"')

    priced = tariffstack_spark.price_dataframe(df, a.scenario, as_of=a.as_of, assume=a.assume, ranges=a.ranges)
    priced.write.mode("overwrite").parquet(a.out)

    # Counted from what was written (the rows were priced once).
    written = spark.read.parquet(a.out)
    c = written.agg(F.count("*").alias("n"), F.count("_reject_reason").alias("r")).first()
    n, r = c["n"], c["r"]
    if r and a.rejects:
        _, bad = tariffstack_spark.split_rejects(written)
        bad.write.mode("overwrite").option("header", True).csv(a.rejects)
    print(f"rows read: {n} = priced {n - r} + rejected {r}", file=sys.stderr)
    return 1 if r else 0


if __name__ == "__main__":
    status = main()
    SparkSession.builder.getOrCreate().stop()
    sys.exit(status)
