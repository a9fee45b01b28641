"""tariffstack on Apache Spark: price a Spark DataFrame of flows with ``mapInArrow`` over the wheel.

Every Arrow batch Spark hands a Python worker goes through :func:`tariffstack.price` (the same engine
as ``tariffstack run``, the GIL released, every core of the worker's machine), and comes back with
``run``'s result columns appended. Money stays decimal end to end: ``DecimalType(38, 2)`` in Spark,
``decimal128(38, 2)`` in Arrow, never a float.

* :func:`price_dataframe` -- ``tariffstack run``: every input row, its columns unchanged, then
  ``scenario, mfn_duty, additional_duty, total_duty, effective_rate, measures, citations`` (plus
  ``answer, estimated`` with ``assume``, ``total_duty_low, total_duty_high, unknown`` with
  ``ranges``), then the reject columns ``_reject_column, _reject_value, _reject_reason``.
* :func:`split_rejects` -- the priced rows and the rejected rows of that result, as two DataFrames.
* :func:`compare_dataframe` -- ``tariffstack compare --format csv`` (the summary): totals per
  scenario, summed by Spark over decimals.

**Rows that cannot be priced are never dropped.** With ``errors="return"`` (the default of
:func:`price_dataframe`) the result has exactly the input's rows: a rejected row keeps its input
columns, its result columns are null and ``_reject_reason`` says why (``_reject_column`` and
``_reject_value`` name the field at fault, when one is); a priced row has a null ``_reject_reason``.
With ``errors="raise"`` the first batch holding a reject fails the Spark job, and the error carries
:class:`tariffstack.RowError`'s message (column, value, reason).

Executors need ``tariffstack`` (the abi3 wheel) and ``pyarrow`` importable by their Python; this module
itself is shipped with the function (pickled by value), so it only needs to be importable on the driver.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import sys as _sys
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

import tariffstack

__all__ = ["price_dataframe", "split_rejects", "compare_dataframe", "REJECT_COLUMNS", "DEFAULT_BATCH_ROWS"]

#: The columns :func:`price_dataframe` appends after the result columns (``errors="return"``).
REJECT_COLUMNS = ("_reject_column", "_reject_value", "_reject_reason")

#: Rows priced per call of :func:`tariffstack.price`: Spark's Arrow batches (10,000 rows by default,
#: ``spark.sql.execution.arrow.maxRecordsPerBatch``) are gathered, without a copy, up to this many rows,
#: so that the per-call cost (loading the scenario, starting the threads) is spread over many rows.
DEFAULT_BATCH_ROWS = 200_000

#: Every result column price can append (no input column has these names: price refuses an input
#: holding one, and renames an input ``scenario`` column ``input_scenario``).
RESULT_COLUMNS = frozenset(
    ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"]
    + ["answer", "estimated", "total_duty_low", "total_duty_high", "unknown"]
)

_MONEY = pa.decimal128(38, 2)
_REJECT_SEP = "; "


def _ship_by_value() -> None:
    """Pickle this module's functions by value: executors need the wheel, not this file."""
    mod = _sys.modules.get(__name__)
    if mod is None or __name__ == "__main__":
        return
    try:
        from pyspark import cloudpickle  # noqa: PLC0415

        cloudpickle.register_pickle_by_value(mod)
    except (ImportError, AttributeError, ValueError):  # an older cloudpickle: ship with --py-files
        pass


def _date_text(d: Any) -> Optional[str]:
    if d is None:
        return None
    if isinstance(d, _dt.datetime):
        raise TypeError("give a date (datetime.date or 'YYYY-MM-DD'), not a datetime")
    if isinstance(d, _dt.date):
        return d.isoformat()
    return str(d)


def _assume_list(assume: Union[None, str, Iterable[str]]) -> Optional[List[str]]:
    if assume is None:
        return None
    if isinstance(assume, str):
        return [assume]
    return [str(a) for a in assume]


def _check_errors(errors: str) -> None:
    if errors not in ("raise", "return"):
        raise ValueError(f'errors must be "raise" or "return", not {errors!r}')


def _arrow_schema(spark_schema: Any) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema  # noqa: PLC0415

    try:  # Spark hands TimestampType over as UTC timestamps
        return to_arrow_schema(spark_schema, timezone="UTC")
    except TypeError:  # pyspark 3.x: no timezone argument (its timestamps are UTC)
        return to_arrow_schema(spark_schema)


def _spark_fields(arrow_fields: Sequence[pa.Field]) -> list:
    """Spark fields for the result columns (money DecimalType(38, 2), rates DecimalType(38, 6))."""
    from pyspark.sql import types as T  # noqa: PLC0415

    out = []
    for f in arrow_fields:
        if pa.types.is_decimal(f.type):
            t = T.DecimalType(f.type.precision, f.type.scale)
        elif pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            t = T.StringType()
        elif pa.types.is_int64(f.type):
            t = T.LongType()
        else:  # pragma: no cover - the result columns are decimals and strings
            raise TypeError(f"unexpected result column type {f.type} ({f.name})")
        out.append(T.StructField(f.name, t, True))
    return out


def _large_strings(spark: Any) -> bool:
    """Whether Spark exchanges strings as Arrow large_string (spark.sql.execution.arrow.useLargeVarTypes)."""
    try:
        return str(spark.conf.get("spark.sql.execution.arrow.useLargeVarTypes", "false")).lower() == "true"
    except Exception:  # noqa: BLE001 - an older Spark without the setting
        return False


def _gather(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Spark's batches gathered into tables of about ``rows`` rows (no copy: chunked columns)."""
    held: list = []
    n = 0
    for b in batches:
        if b.num_rows == 0:
            continue
        held.append(b)
        n += b.num_rows
        if n >= rows:
            yield pa.Table.from_batches(held)
            held, n = [], 0
    if held:
        yield pa.Table.from_batches(held)


def _reject_arrays(n: int, rejects: pa.Table) -> Tuple[list, "pa.Array"]:
    """The three reject columns over ``n`` rows (null where priced), and the mask of rejected rows."""
    by_row: dict = {}
    for r in rejects.to_pylist():
        by_row.setdefault(r["row"], []).append(r)
    col: list = [None] * n
    val: list = [None] * n
    why: list = [None] * n
    for i, rs in by_row.items():
        # Several reasons for one row (a row refused under more than one scenario): all of them.
        col[i] = _REJECT_SEP.join(dict.fromkeys(r["column"] or "" for r in rs)) or None
        val[i] = _REJECT_SEP.join(dict.fromkeys(r["value"] or "" for r in rs)) or None
        why[i] = _REJECT_SEP.join(dict.fromkeys(r["reason"] for r in rs))
    mask = pa.array([i in by_row for i in range(n)], pa.bool_())
    return [pa.array(col, pa.string()), pa.array(val, pa.string()), pa.array(why, pa.string())], mask


def _string_type(large: bool) -> pa.DataType:
    return pa.large_string() if large else pa.string()


def _fit(col: Any, large: bool) -> Any:
    """A result column as Spark expects it (large_string when Spark uses large types)."""
    if large and pa.types.is_string(col.type):
        return col.cast(pa.large_string())
    if not large and pa.types.is_large_string(col.type):
        return col.cast(pa.string())
    return col


def _price_table(table: pa.Table, opts: dict) -> pa.Table:
    """One gathered table through tariffstack.price: the input columns, the result columns, the rejects."""
    import pyarrow.compute as pc  # noqa: PLC0415

    names, large, errors = opts["result_names"], opts["large"], opts["errors"]
    priced, rejects = tariffstack.price(
        table, opts["scenario"], opts["as_of"], opts["assume"], opts["hts"], ranges=opts["ranges"], errors="return"
    )
    n = table.num_rows
    # The result columns are priced's last ones, taken by position: an input column may share a result
    # column's name (a table priced before, with its `total_duty`), and a name would be ambiguous.
    first = priced.num_columns - len(names)
    result_cols = [priced.column(first + i) for i in range(len(names))]
    if rejects.num_rows and errors == "raise":
        raise tariffstack.RowError(rejects)
    if rejects.num_rows == 0:
        results = result_cols
        reject_cols = [pa.nulls(n, pa.string())] * 3
    else:
        reject_cols, mask = _reject_arrays(n, rejects)
        # Position of each input row among the priced rows (null for a rejected row): `take` puts the
        # result values back in input order, nulls in the rejected rows.
        kept = pc.cast(pc.invert(mask), pa.int64())
        idx = pc.subtract(pc.cumulative_sum(kept), pa.scalar(1, pa.int64()))
        idx = pc.if_else(mask, pa.scalar(None, pa.int64()), idx)
        results = [pc.take(c, idx) for c in result_cols]
    arrays = list(table.columns) + [_fit(c, large) for c in results]
    fields = list(table.schema) + [pa.field(c, _fit(r, large).type) for c, r in zip(names, results)]
    if errors == "return":
        arrays += [_fit(c, large) for c in reject_cols]
        fields += [pa.field(c, _string_type(large)) for c in REJECT_COLUMNS]
    # Named as the Spark schema names them (an input `scenario` column as `input_scenario`).
    fields = [f.with_name(name) for f, name in zip(fields, opts["out_names"])]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _price_partition(batches: Iterator[pa.RecordBatch], opts: dict) -> Iterator[pa.RecordBatch]:
    for table in _gather(batches, opts["batch_rows"]):
        yield from _price_table(table, opts).to_batches()


def price_dataframe(
    df: Any,
    scenario: str,
    as_of: Union[None, str, _dt.date] = None,
    assume: Union[None, str, Iterable[str]] = None,
    *,
    ranges: bool = False,
    hts: Optional[str] = None,
    errors: str = "return",
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Any:
    """Prices every row of the Spark DataFrame ``df`` under ``scenario``, as ``tariffstack run`` does.

    Returns a Spark DataFrame (lazy: nothing is priced until an action): ``df``'s columns, unchanged,
    then the result columns of :func:`tariffstack.price` (money ``DecimalType(38, 2)``, the effective
    rate ``DecimalType(38, 6)``, null for a customs value of 0), then, with ``errors="return"``,
    ``_reject_column, _reject_value, _reject_reason`` (null for a priced row). The rows are the
    input's, each once, none dropped; :func:`split_rejects` separates the priced and rejected rows.

    ``scenario``, ``as_of``, ``assume``, ``ranges`` as in :func:`tariffstack.price` (a scenario or
    assumption *file*, and ``hts``, must be readable at the same path on every executor). The flow
    columns are read as ``price`` reads them: strings as CSV text, decimals and integers by their
    digits, ``DateType`` as ``YYYY-MM-DD``; nulls as missing. Give ``hts`` as a string column.

    ``errors="raise"``: a reject fails the Spark job with the RowError message, and the reject
    columns are not added.

    The scenario is checked on the driver before anything runs (an unknown name raises here).
    """
    _check_errors(errors)
    _ship_by_value()
    as_of_text = _date_text(as_of)
    assume_l = _assume_list(assume)
    # The result columns, their names and types exactly as price gives them: price zero rows of the
    # input's schema on the driver (this also checks the scenario, as_of and assume now).
    empty = pa.Table.from_batches([], schema=_arrow_schema(df.schema))
    probe = tariffstack.price(empty, scenario, as_of_text, assume_l, hts, ranges=ranges)
    result_fields = [probe.schema.field(i) for i in range(len(df.schema.fields), probe.num_columns)]
    from pyspark.sql import types as T  # noqa: PLC0415

    # An input `scenario` column (a test-case file's) is named `input_scenario`, as run names it.
    fields = [
        T.StructField("input_scenario", f.dataType, f.nullable, f.metadata) if f.name.lower() == "scenario" else f
        for f in df.schema.fields
    ]
    fields += _spark_fields(result_fields)
    if errors == "return":
        fields += [T.StructField(c, T.StringType(), True) for c in REJECT_COLUMNS]
    out_schema = T.StructType(fields)
    opts = {
        "scenario": str(scenario),
        "as_of": as_of_text,
        "assume": assume_l,
        "ranges": bool(ranges),
        "hts": hts,
        "errors": errors,
        "result_names": [f.name for f in result_fields],
        "large": _large_strings(df.sparkSession),
        "batch_rows": int(batch_rows),
        "out_names": [f.name for f in out_schema.fields],
    }

    def fn(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _price_partition(batches, opts)

    return df.mapInArrow(fn, out_schema)


def split_rejects(priced: Any) -> Tuple[Any, Any]:
    """``(priced rows, rejected rows)`` of a :func:`price_dataframe` result (``errors="return"``).

    The priced rows lose the reject columns; the rejected rows keep the input columns and the reject
    columns (their result columns, all null, are dropped). Both are filters of ``priced``: each action
    on them prices again, so ``priced.cache()`` (or write it once) when you use both.
    """
    from pyspark.sql import functions as F  # noqa: PLC0415

    missing = [c for c in REJECT_COLUMNS if c not in priced.columns]
    if missing:
        raise ValueError("not a price_dataframe result with errors='return' (no reject columns)")
    ok = priced.filter(F.col("_reject_reason").isNull()).drop(*REJECT_COLUMNS)
    keep = [c for c in priced.columns if c not in RESULT_COLUMNS]
    bad = priced.filter(F.col("_reject_reason").isNotNull()).select(*keep)
    return ok, bad


# -- compare -----------------------------------------------------------------------------------------

_TOTALS = ("customs_value", "mfn_duty", "additional_duty", "total_duty")


def _compare_partition(batches: Iterator[pa.RecordBatch], opts: dict) -> Iterator[pa.RecordBatch]:
    """Per gathered table: tariffstack.compare's totals (one row per scenario) and the rejected rows."""
    names = opts["scenarios"]
    in_names = opts["input_names"]
    out_schema = opts["arrow_schema"]
    for table in _gather(batches, opts["batch_rows"]):
        summary, rejects = tariffstack.compare(
            table, names, opts["as_of"], None, opts["assume"], False, opts["hts"], errors="return"
        )
        if rejects.num_rows and opts["errors"] == "raise":
            raise tariffstack.RowError(rejects)
        k = summary.num_rows
        cols = {
            "_kind": pa.array(["total"] * k, pa.string()),
            "_order": pa.array(range(k), pa.int32()),
            "scenario": summary.column("scenario").cast(pa.string()),
            "rows": summary.column("rows").cast(pa.int64()),
        }
        for c in _TOTALS:
            cols[c] = summary.column(c).cast(_MONEY)
        for f in in_names:
            cols["_in_" + f] = pa.nulls(k, table.schema.field(f).type)
        for c in REJECT_COLUMNS:
            cols[c] = pa.nulls(k, pa.string())
        parts = [pa.Table.from_pydict(cols)]
        if rejects.num_rows:
            reject_cols, mask = _reject_arrays(table.num_rows, rejects)
            bad = table.filter(mask)
            m = bad.num_rows
            rc = {
                "_kind": pa.array(["reject"] * m, pa.string()),
                "_order": pa.nulls(m, pa.int32()),
                "scenario": pa.nulls(m, pa.string()),
                "rows": pa.nulls(m, pa.int64()),
            }
            for c in _TOTALS:
                rc[c] = pa.nulls(m, _MONEY)
            for f in in_names:
                rc["_in_" + f] = bad.column(f)
            for c, a in zip(REJECT_COLUMNS, reject_cols):
                rc[c] = a.filter(mask)
            parts.append(pa.table(rc))
        for part in parts:
            arrays = [_fit(part.column(f.name), opts["large"]).cast(f.type) for f in out_schema]
            yield from pa.Table.from_arrays(arrays, schema=out_schema).to_batches()


def _rate(total: _decimal.Decimal, value: _decimal.Decimal) -> Optional[_decimal.Decimal]:
    """total / value, 6 places, half-up (as the engine's effective_rate); None for a zero value."""
    if value == 0:
        return None
    with _decimal.localcontext() as ctx:
        ctx.prec = 80
        return (total / value).quantize(_decimal.Decimal("0.000001"), rounding=_decimal.ROUND_HALF_UP)


def compare_dataframe(
    df: Any,
    scenarios: Union[str, Sequence[str]],
    as_of: Union[None, str, _dt.date] = None,
    assume: Union[None, str, Iterable[str]] = None,
    *,
    hts: Optional[str] = None,
    errors: str = "raise",
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Any:
    """Totals of ``df`` under each scenario: the table of ``tariffstack compare --format csv``.

    Each gathered batch goes through :func:`tariffstack.compare`; Spark sums the batches' totals
    (``rows``, ``customs_value``, ``mfn_duty``, ``additional_duty``, ``total_duty``, decimals) per
    scenario; the driver then computes ``effective_rate`` (total / value, 6 places, half-up) and
    ``difference`` (from the first scenario) exactly, in Python decimals. Returns a Spark DataFrame
    ``scenario, rows, customs_value, mfn_duty, additional_duty, total_duty, effective_rate,
    difference`` (money ``DecimalType(38, 2)``, the rate ``DecimalType(38, 6)``), in the order given.
    The totals are computed when this function is called (one Spark job).

    A row that cannot be priced under one scenario is left out of every total, as ``compare`` does.
    ``errors="raise"`` (the default): such a row fails the job with the RowError message.
    ``errors="return"``: the result is ``(summary, rejects)``, the rejects a DataFrame of the input
    columns of each rejected row and ``_reject_column, _reject_value, _reject_reason``.
    """
    _check_errors(errors)
    _ship_by_value()
    from pyspark.sql import functions as F  # noqa: PLC0415
    from pyspark.sql import types as T  # noqa: PLC0415

    if isinstance(scenarios, str):
        scenarios = [scenarios]
    scenarios = [str(s) for s in scenarios]
    as_of_text = _date_text(as_of)
    assume_l = _assume_list(assume)
    in_arrow = _arrow_schema(df.schema)
    # Check the scenarios, as_of and assume on the driver, before any job.
    tariffstack.compare(pa.Table.from_batches([], schema=in_arrow), scenarios, as_of_text, None, assume_l, False, hts)
    large = _large_strings(df.sparkSession)
    money = T.DecimalType(38, 2)
    fields = [
        T.StructField("_kind", T.StringType(), False),
        T.StructField("_order", T.IntegerType(), True),
        T.StructField("scenario", T.StringType(), True),
        T.StructField("rows", T.LongType(), True),
    ] + [T.StructField(c, money, True) for c in _TOTALS]
    in_fields = [T.StructField("_in_" + f.name, f.dataType, True) for f in df.schema.fields]
    fields += in_fields + [T.StructField(c, T.StringType(), True) for c in REJECT_COLUMNS]
    spark_schema = T.StructType(fields)
    arrow_fields = [
        pa.field("_kind", _string_type(large)),
        pa.field("_order", pa.int32()),
        pa.field("scenario", _string_type(large)),
        pa.field("rows", pa.int64()),
    ] + [pa.field(c, _MONEY) for c in _TOTALS]
    arrow_fields += [pa.field("_in_" + f.name, f.type) for f in in_arrow]
    arrow_fields += [pa.field(c, _string_type(large)) for c in REJECT_COLUMNS]
    opts = {
        "scenarios": scenarios,
        "as_of": as_of_text,
        "assume": assume_l,
        "hts": hts,
        "errors": errors,
        "large": large,
        "batch_rows": int(batch_rows),
        "input_names": [f.name for f in in_arrow],
        "arrow_schema": pa.schema(arrow_fields),
    }

    def fn(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _compare_partition(batches, opts)

    # The rejected rows' input columns travel under `_in_` names: no collision with the totals'.
    parts = df.mapInArrow(fn, spark_schema)
    if errors == "return":
        parts = parts.persist()  # small: one row per scenario and batch, and the rejected rows
    sums = (
        parts.filter(F.col("_kind") == "total")
        .groupBy("_order", "scenario")
        .agg(F.sum("rows").alias("rows"), *[F.sum(c).alias(c) for c in _TOTALS])
        .collect()
    )
    got = {r["_order"]: r for r in sums}
    zero = _decimal.Decimal("0.00")
    rows = []
    for i, name in enumerate(scenarios):
        r = got.get(i)
        vals = {c: (r[c] if r is not None and r[c] is not None else zero) for c in _TOTALS}
        rows.append(
            {
                "scenario": name,
                "rows": int(r["rows"]) if r is not None else 0,
                **vals,
                "effective_rate": _rate(vals["total_duty"], vals["customs_value"]),
            }
        )
    base = rows[0]["total_duty"]
    for r in rows:
        r["difference"] = r["total_duty"] - base
    summary_schema = T.StructType(
        [T.StructField("scenario", T.StringType(), False), T.StructField("rows", T.LongType(), False)]
        + [T.StructField(c, money, False) for c in _TOTALS]
        + [T.StructField("effective_rate", T.DecimalType(38, 6), True), T.StructField("difference", money, False)]
    )
    spark = df.sparkSession
    summary = spark.createDataFrame([tuple(r[f.name] for f in summary_schema.fields) for r in rows], summary_schema)
    if errors == "raise":
        return summary
    rejects = parts.filter(F.col("_kind") == "reject").select(
        *[F.col("_in_" + f.name).alias(f.name) for f in df.schema.fields], *REJECT_COLUMNS
    )
    return summary, rejects
