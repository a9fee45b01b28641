//! Results as Arrow arrays: money as decimal128(38, 2), rates as decimal128(38, 6), texts as utf8.
//! The core crate gives money in integer cents and rates in millionths, so the decimals are built
//! from integers without a float anywhere.

use arrow_array::{ArrayRef, BooleanArray, Decimal128Array, Int64Array, RecordBatch, StringArray};
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use std::sync::Arc;
use tariffstack::api::{CompareRow, GroupBy, ResultColumns, TextColumn, scaled};

/// The precision of every decimal column (the largest of decimal128).
const PRECISION: u8 = 38;
/// Money: cents.
pub(crate) const MONEY: DataType = DataType::Decimal128(PRECISION, 2);
/// Rates: millionths, as `run` writes them.
pub(crate) const RATE: DataType = DataType::Decimal128(PRECISION, 6);

/// The column that says which rows were priced (dropped by the Python side).
pub(crate) const PRICED: &str = "__tariffstack_priced";

/// The result columns of `price`, after the `priced` flag: `run`'s seven, then with assumption sets
/// `answer`, `estimated`, and with ranges `total_duty_low`, `total_duty_high`, `unknown`.
pub(crate) fn result_schema(with_answer: bool, ranges: bool) -> SchemaRef {
    let mut fields = vec![
        Field::new(PRICED, DataType::Boolean, false),
        Field::new("scenario", DataType::Utf8, true),
        Field::new("mfn_duty", MONEY, true),
        Field::new("additional_duty", MONEY, true),
        Field::new("total_duty", MONEY, true),
        Field::new("effective_rate", RATE, true),
        Field::new("measures", DataType::Utf8, true),
        Field::new("citations", DataType::Utf8, true),
    ];
    if with_answer {
        fields.push(Field::new("answer", DataType::Utf8, true));
        fields.push(Field::new("estimated", DataType::Utf8, true));
    }
    if ranges {
        fields.push(Field::new("total_duty_low", MONEY, true));
        fields.push(Field::new("total_duty_high", MONEY, true));
        fields.push(Field::new("unknown", DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}

fn money(values: Vec<i128>, nulls: &Option<NullBuffer>) -> Result<ArrayRef, String> {
    let a = Decimal128Array::new(ScalarBuffer::from(values), nulls.clone());
    Ok(Arc::new(a.with_precision_and_scale(PRECISION, 2).map_err(|e| e.to_string())?))
}

fn text(col: TextColumn, nulls: &Option<NullBuffer>) -> Result<ArrayRef, String> {
    let offsets = col
        .offsets
        .iter()
        .map(|&o| i32::try_from(o).map_err(|_| "a text column of a chunk passed 2 GiB".to_string()))
        .collect::<Result<Vec<i32>, _>>()?;
    let a =
        StringArray::try_new(OffsetBuffer::new(ScalarBuffer::from(offsets)), Buffer::from_vec(col.data), nulls.clone())
            .map_err(|e| e.to_string())?;
    Ok(Arc::new(a))
}

/// One batch of results (a chunk of rows); rejected rows are null.
pub(crate) fn result_batch(schema: &SchemaRef, scenario: &str, c: ResultColumns) -> Result<RecordBatch, String> {
    let n = c.len();
    let nulls = if c.priced.iter().all(|&p| p) { None } else { Some(NullBuffer::from(c.priced.clone())) };
    let scenario_col =
        TextColumn { data: scenario.as_bytes().repeat(n), offsets: (0..=n).map(|i| i * scenario.len()).collect() };
    let rate =
        Decimal128Array::from(c.effective_rate).with_precision_and_scale(PRECISION, 6).map_err(|e| e.to_string())?;
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(BooleanArray::from(c.priced)),
        text(scenario_col, &nulls)?,
        money(c.mfn_duty, &nulls)?,
        money(c.additional_duty, &nulls)?,
        money(c.total_duty, &nulls)?,
        Arc::new(rate),
        text(c.measures, &nulls)?,
        text(c.citations, &nulls)?,
    ];
    if schema.fields().iter().any(|f| f.name() == "answer") {
        columns.push(text(c.answer, &nulls)?);
        columns.push(text(c.estimated, &nulls)?);
    }
    if schema.fields().iter().any(|f| f.name() == "unknown") {
        columns.push(money(c.total_duty_low, &nulls)?);
        columns.push(money(c.total_duty_high, &nulls)?);
        columns.push(text(c.unknown, &nulls)?);
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())
}

/// `compare --format csv`'s table: `[by,] scenario, rows, customs_value, mfn_duty, additional_duty,
/// total_duty, effective_rate, difference[, total_duty_low, total_duty_high]`.
pub(crate) fn compare_batch(rows: &[CompareRow], by: Option<GroupBy>, ranges: bool) -> Result<RecordBatch, String> {
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    let strings = |v: Vec<&str>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    let dec = |v: Vec<i128>| -> Result<ArrayRef, String> { money(v, &None) };
    if let Some(by) = by {
        fields.push(Field::new(by.name(), DataType::Utf8, false));
        columns.push(strings(rows.iter().map(|r| r.group.as_deref().unwrap_or_default()).collect()));
    }
    fields.push(Field::new("scenario", DataType::Utf8, false));
    columns.push(strings(rows.iter().map(|r| r.scenario.as_str()).collect()));
    fields.push(Field::new("rows", DataType::Int64, false));
    columns.push(Arc::new(Int64Array::from(rows.iter().map(|r| r.rows as i64).collect::<Vec<_>>())));
    type Get = fn(&CompareRow) -> rust_decimal::Decimal;
    let money_cols: [(&str, Get); 4] = [
        ("customs_value", |r| r.customs_value),
        ("mfn_duty", |r| r.mfn_duty),
        ("additional_duty", |r| r.additional_duty),
        ("total_duty", |r| r.total_duty),
    ];
    for (name, get) in money_cols {
        fields.push(Field::new(name, MONEY, false));
        columns.push(dec(rows.iter().map(|r| scaled(get(r), 2)).collect())?);
    }
    fields.push(Field::new("effective_rate", RATE, true));
    let rates: Vec<Option<i128>> = rows.iter().map(|r| r.effective_rate.map(|x| scaled(x, 6))).collect();
    columns.push(Arc::new(
        Decimal128Array::from(rates).with_precision_and_scale(PRECISION, 6).map_err(|e| e.to_string())?,
    ));
    fields.push(Field::new("difference", MONEY, false));
    columns.push(dec(rows.iter().map(|r| scaled(r.difference, 2)).collect())?);
    if ranges {
        fields.push(Field::new("total_duty_low", MONEY, false));
        columns.push(dec(rows.iter().map(|r| r.range.map_or(0, |x| scaled(x.0, 2))).collect())?);
        fields.push(Field::new("total_duty_high", MONEY, false));
        columns.push(dec(rows.iter().map(|r| r.range.map_or(0, |x| scaled(x.1, 2))).collect())?);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
}
