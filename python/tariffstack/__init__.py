"""tariffstack: US import duties under tariff scenarios, to the cent, with citations.

The same engine as the ``tariffstack`` command line, over Arrow tables:

* :func:`price` -- ``tariffstack run``: every row with the result columns appended;
* :func:`compare` -- ``tariffstack compare --format csv``: totals (and a breakdown) per scenario;
* :func:`explain` -- ``tariffstack explain --format json``: one flow, every measure and why.

Tables may be anything Arrow-compatible: a ``pyarrow.Table`` or ``RecordBatch``, a pandas or Polars
DataFrame, or any object with ``__arrow_c_stream__`` / ``__arrow_c_array__`` (the Arrow PyCapsule
interface). Results are ``pyarrow.Table`` objects; money is ``decimal128(38, 2)`` and rates
``decimal128(38, 6)``, never floats. Flow columns are read as the CSV text a file would hold and
checked exactly as ``run`` checks them (see the README, "Python", for the conversions).
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import json as _json
import os as _os
from typing import Any, Iterable, Optional, Sequence, Union

import pyarrow as pa

from . import _tariffstack

__all__ = ["price", "compare", "explain", "scenarios", "RowError", "__version__"]
__version__ = _tariffstack.__version__

_PRICED = "__tariffstack_priced"
_REJECT_SCHEMA = pa.schema(
    [("row", pa.int64()), ("column", pa.string()), ("value", pa.string()), ("reason", pa.string())]
)


class RowError(ValueError):
    """Rows could not be read or priced (``errors="raise"``).

    ``rejects`` is a ``pyarrow.Table`` with the columns ``row`` (0-based position in the input table),
    ``column``, ``value`` and ``reason``: the reject report of ``tariffstack run --rejects``.
    """

    def __init__(self, rejects: pa.Table):
        self.rejects = rejects
        n = rejects.num_rows
        shown = []
        for r in rejects.slice(0, 5).to_pylist():
            where = f"row {r['row']}" + (f", column {r['column']}" if r["column"] else "")
            value = f" `{r['value']}`" if r["value"] else ""
            shown.append(f"{where}:{value} {r['reason']}")
        more = f" (and {n - 5} more; see .rejects)" if n > 5 else ""
        super().__init__(f"{n} row{'s' if n != 1 else ''} cannot be priced: " + "; ".join(shown) + more)


class _Stream:
    """Holds an ``arrow_array_stream`` capsule for pyarrow to import."""

    def __init__(self, capsule: Any):
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._capsule


def _as_table(data: Any) -> pa.Table:
    """Any Arrow-compatible table as a ``pyarrow.Table`` (pandas through ``Table.from_pandas``)."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    try:
        import pandas as pd  # noqa: PLC0415 (optional dependency)

        if isinstance(data, pd.DataFrame):
            # The index is not a flow column; a named one can be made a column with reset_index().
            return pa.Table.from_pandas(data, preserve_index=False)
    except ImportError:
        pass
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    if hasattr(data, "__arrow_c_array__"):
        return pa.Table.from_batches([pa.record_batch(data)])
    raise TypeError(
        f"expected an Arrow-compatible table (pyarrow Table or RecordBatch, pandas or Polars DataFrame, "
        f"or an object with __arrow_c_stream__), got {type(data).__name__}"
    )


def _stream_of(table: pa.Table) -> Any:
    return table.__arrow_c_stream__()


def _assume_list(assume: Union[None, str, Iterable[str]]) -> list:
    if assume is None:
        return []
    if isinstance(assume, (str, _os.PathLike)):
        return [_os.fspath(assume)]
    return [_os.fspath(a) for a in assume]


def _path(p: Any) -> Optional[str]:
    return None if p is None else _os.fspath(p)


def _date_text(d: Any) -> Optional[str]:
    if d is None:
        return None
    if isinstance(d, _dt.datetime):
        raise TypeError("give a date (datetime.date or 'YYYY-MM-DD'), not a datetime")
    if isinstance(d, _dt.date):
        return d.isoformat()
    return str(d)


def _rejects_table(rejects: list) -> pa.Table:
    cols = list(zip(*rejects)) if rejects else [[], [], [], []]
    return pa.Table.from_arrays([pa.array(c, t.type) for c, t in zip(cols, _REJECT_SCHEMA)], schema=_REJECT_SCHEMA)


def _check_errors(errors: str) -> None:
    if errors not in ("raise", "return"):
        raise ValueError(f'errors must be "raise" or "return", not {errors!r}')


def price(
    table: Any,
    scenario: str,
    as_of: Union[None, str, _dt.date] = None,
    assume: Union[None, str, Iterable[str]] = None,
    hts: Any = None,
    *,
    ranges: bool = False,
    errors: str = "raise",
):
    """Prices every row of ``table`` under ``scenario``, as ``tariffstack run`` does.

    Returns a ``pyarrow.Table``: the input columns, unchanged (a ``scenario`` column named
    ``input_scenario``, as ``run`` writes it), then ``scenario, mfn_duty,
    additional_duty, total_duty, effective_rate, measures, citations`` (money ``decimal128(38, 2)``,
    the effective rate ``decimal128(38, 6)``, null for a customs value of 0); with ``assume`` also
    ``answer, estimated``, with ``ranges=True`` also ``total_duty_low, total_duty_high, unknown``.
    The schema metadata holds the scenario's law line (``b"tariffstack.law"``).

    ``scenario``: a bundled name (:func:`scenarios`) or a path to a TOML file. ``as_of``: price
    every row as if entered on that date (``--as-of``). ``assume``: assumption set names or files
    (``--assume``). ``hts``: the official USITC HTS CSV export (``--hts``).

    Rows that cannot be read or priced are never dropped silently: with ``errors="raise"`` (the
    default) a :class:`RowError` says which rows and why (its ``rejects`` table has them all); with
    ``errors="return"`` the result is ``(priced, rejects)``: the priced rows (in input order), and
    the rejects (``row`` 0-based in the input, ``column``, ``value``, ``reason``).
    """
    _check_errors(errors)
    t = _as_table(table)
    capsule, rejects, law = _tariffstack.price_stream(
        _stream_of(t), str(scenario), _date_text(as_of), _assume_list(assume), bool(ranges), _path(hts)
    )
    result = pa.table(_Stream(capsule))
    rejects_t = _rejects_table(rejects)
    if rejects and errors == "raise":
        raise RowError(rejects_t)
    out = t
    if rejects:
        out = t.filter(result.column(_PRICED))
        result = result.filter(result.column(_PRICED))
    # As `run` writes it: an input `scenario` column (a test-case file's) becomes `input_scenario`,
    # so that the result's own `scenario` is never duplicated.
    out = out.rename_columns(["input_scenario" if n.lower() == "scenario" else n for n in out.column_names])
    for name in result.column_names[1:]:
        out = out.append_column(result.schema.field(name), result.column(name))
    meta = dict(out.schema.metadata or {})
    meta[b"tariffstack.law"] = law.encode()
    out = out.replace_schema_metadata(meta)
    return (out, rejects_t) if errors == "return" else out


def compare(
    table: Any,
    scenarios: Union[str, Sequence[str]],
    as_of: Union[None, str, _dt.date] = None,
    by: Optional[str] = None,
    assume: Union[None, str, Iterable[str]] = None,
    ranges: bool = False,
    hts: Any = None,
    *,
    errors: str = "raise",
):
    """Totals of ``table`` under each scenario, as ``tariffstack compare --format csv`` prints them.

    Without ``by``: one row per scenario, ``scenario, rows, customs_value, mfn_duty,
    additional_duty, total_duty, effective_rate, difference`` (from the first scenario), with
    ``ranges=True`` also ``total_duty_low, total_duty_high``. With ``by`` (``origin``, ``chapter``,
    ``measure``, ``hts4``, ``month`` or ``entry``): one row per group and scenario, the group first.
    Money ``decimal128(38, 2)``, rates ``decimal128(38, 6)``. A row that cannot be priced under one
    scenario is left out of every total; ``errors`` as in :func:`price` (``"return"`` gives
    ``(summary, rejects)``).
    """
    _check_errors(errors)
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    t = _as_table(table)
    capsule, rejects, laws = _tariffstack.compare_stream(
        _stream_of(t),
        [str(s) for s in scenarios],
        _date_text(as_of),
        by,
        _assume_list(assume),
        bool(ranges),
        _path(hts),
    )
    result = pa.table(_Stream(capsule))
    rejects_t = _rejects_table(rejects)
    if rejects and errors == "raise":
        raise RowError(rejects_t)
    meta = {b"tariffstack.law": "\n".join(f"{s}: {l}" for s, l in zip(scenarios, laws)).encode()}
    result = result.replace_schema_metadata(meta)
    return (result, rejects_t) if errors == "return" else result


# explain's keyword arguments: the CSV column names, and the command's shorter flag names.
_FACTS = {
    "quantity": "quantity",
    "quantity_unit": "quantity_unit",
    "unit": "quantity_unit",
    "spi": "spi",
    "us_content_value": "us_content_value",
    "us_content": "us_content_value",
    "loaded_date": "loaded_date",
    "loaded": "loaded_date",
    "mfn_rate": "mfn_rate",
    "steel_content_value": "steel_content_value",
    "steel_content": "steel_content_value",
    "aluminum_content_value": "aluminum_content_value",
    "aluminum_content": "aluminum_content_value",
    "copper_content_value": "copper_content_value",
    "copper_content": "copper_content_value",
    "declared": "declared",
}


def _text(v: Any) -> str:
    """A value as the text of a CSV field: decimals exact, floats by their shortest repr."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, _decimal.Decimal):
        return format(v, "f")
    if isinstance(v, float):
        return format(_decimal.Decimal(repr(v)), "f")
    if isinstance(v, (_dt.date, _dt.datetime)):
        return _date_text(v)
    if isinstance(v, (list, tuple)):
        return ";".join(_text(x) for x in v)
    return str(v)


def explain(
    scenario: str,
    hts: str,
    origin: str,
    date: Union[str, _dt.date],
    value: Any,
    *,
    assume: Union[None, str, Iterable[str]] = None,
    ranges: bool = False,
    hts_file: Any = None,
    **facts: Any,
) -> dict:
    """One flow under ``scenario``: the dict of ``tariffstack explain --format json``.

    ``facts`` are the optional flow columns by name (``quantity``, ``quantity_unit``, ``spi``,
    ``us_content_value``, ``loaded_date``, ``mfn_rate``, ``steel_content_value``,
    ``aluminum_content_value``, ``copper_content_value``, ``declared``; the command's flag names
    ``unit``, ``us_content``, ``loaded``, ``steel_content`` ... are accepted too). A value the checks
    refuse raises ``ValueError`` naming the column.
    """
    fields = [
        ("hts", _text(hts)),
        ("origin", _text(origin)),
        ("entry_date", _date_text(date)),
        ("customs_value", _text(value)),
    ]
    for k, v in facts.items():
        if k not in _FACTS:
            raise TypeError(f"explain() got an unexpected keyword argument {k!r}; facts: {', '.join(_FACTS)}")
        if v is not None:
            fields.append((_FACTS[k], _text(v)))
    text = _tariffstack.explain_json(str(scenario), fields, _path(hts_file), _assume_list(assume), bool(ranges))
    return _json.loads(text)


def scenarios() -> list:
    """The bundled scenario names."""
    return list(_tariffstack.bundled_scenarios())
