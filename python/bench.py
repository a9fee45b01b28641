"""Benchmark: `tariffstack.price` on N rows against `tariffstack run` on the same rows.

Usage (from the repository root, the package installed):

    cargo build --release --bins --examples
    python python/bench.py [ROWS] [ROUNDS]          # default 1,000,000 rows, 5 rounds

The flows come from the repository's generator (`examples/gen_flows.rs`: HTS lines of the embedded
table, origins weighted like US imports, dates over 2025, log-normal values). Timed, in interleaved
rounds, medians reported:

* `run`: the CLI reading the CSV file and writing every row with its result columns to /dev/null;
* `price`: the Python call on the same rows already in memory as a pyarrow Table of strings (the
  CSV read by pyarrow once, timed apart), returning the input columns plus the result columns;
* `price` on typed columns (customs value decimal128, dates date32, quantity float64), for
  information.

The ratio `price / run` is the figure the README reports (target: at most 1.5).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# Python puts this script's folder first on the path, and it holds the package's sources
# (`python/tariffstack`): unless the compiled module was built into them (an editable install), import
# the installed package instead.
_HERE = Path(__file__).resolve().parent
if (
    sys.path
    and Path(sys.path[0] or ".").resolve() == _HERE
    and not any((_HERE / "tariffstack").glob("_tariffstack*"))
):
    del sys.path[0]

import tariffstack  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RELEASE = REPO / "target" / "release"


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    cli = RELEASE / "tariffstack"
    gen = RELEASE / "examples" / "gen_flows"
    if not cli.exists() or not gen.exists():
        subprocess.run(["cargo", "build", "--release", "--bins", "--examples"], cwd=REPO, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        flows = Path(tmp) / "flows.csv"
        with open(flows, "wb") as f:
            subprocess.run([str(gen), str(rows)], stdout=f, check=True)
        header = flows.open().readline().strip().split(",")
        t0 = time.perf_counter()
        opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, strings_can_be_null=False)
        table = pacsv.read_csv(flows, convert_options=opts)
        read_s = time.perf_counter() - t0
        typed = table.set_column(
            table.schema.get_field_index("customs_value"), "customs_value", pc.cast(table["customs_value"], pa.decimal128(18, 2))
        )
        typed = typed.set_column(typed.schema.get_field_index("entry_date"), "entry_date", pc.cast(typed["entry_date"], pa.date32()))
        q = pc.if_else(pc.equal(typed["quantity"], ""), pa.scalar(None, pa.string()), typed["quantity"])
        typed = typed.set_column(typed.schema.get_field_index("quantity"), "quantity", pc.cast(q, pa.float64()))

        times = {"run": [], "price": [], "price_typed": []}
        result = None
        for _ in range(rounds):
            t0 = time.perf_counter()
            with open(os.devnull, "wb") as null:
                subprocess.run([str(cli), "run", str(flows), "-s", "historical", "-q"], stdout=null, stderr=subprocess.DEVNULL, check=False)
            times["run"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            result = tariffstack.price(table, "historical")
            times["price"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            tariffstack.price(typed, "historical")
            times["price_typed"].append(time.perf_counter() - t0)
        assert result is not None and result.num_rows == rows
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"rows: {rows:,}; rounds: {rounds} (medians); cores: {os.cpu_count()}")
        print(f"pyarrow read_csv (strings), once:  {read_s:.3f} s")
        for k, label in [("run", "tariffstack run -s historical"), ("price", "price(table of strings)"), ("price_typed", "price(typed table)")]:
            print(f"{label:34} {med[k]:.3f} s  ({rows / med[k] / 1e6:.2f} M rows/s)")
        print(f"ratio price / run: {med['price'] / med['run']:.2f} (typed: {med['price_typed'] / med['run']:.2f}); target <= 1.5")


if __name__ == "__main__":
    main()
