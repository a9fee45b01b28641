//! Parquet in and out: `run flows.parquet -o out.parquet`, `compare` and `refund` on Parquet, typed
//! columns both ways, rejects naming the data row and the column, files read a row group at a time.
//!
//! The Parquet files are written at test time with the `parquet` crate from the bundled sample
//! (`data/sample/japan-2024.csv`): `hts` as text, `entry_date` as `date32`, `customs_value` as
//! `DECIMAL(18,2)`, `quantity` as text (null when empty).

use crate::util::{Workdir, stderr, stdout};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int64Type};
use arrow_array::{Array, ArrayRef, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;

fn sample_rows() -> Vec<csv::StringRecord> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/japan-2024.csv");
    csv::Reader::from_path(path).unwrap().records().map(|r| r.unwrap()).collect()
}

fn days(d: &str) -> i32 {
    let (y, rest) = d.split_once('-').unwrap();
    let (m, day) = rest.split_once('-').unwrap();
    let (y, m, day): (i64, i64, i64) = (y.parse().unwrap(), m.parse().unwrap(), day.parse().unwrap());
    // days_from_civil
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

fn cents(v: &str) -> i128 {
    let (i, f) = v.split_once('.').unwrap_or((v, ""));
    let f = format!("{f:0<2}");
    i.parse::<i128>().unwrap() * 100 + f[..2].parse::<i128>().unwrap()
}

/// The sample's flow columns (all but `description`), typed as the module says.
fn flow_columns(rows: &[csv::StringRecord]) -> (Vec<Field>, Vec<ArrayRef>) {
    let fields = vec![
        Field::new("hts", DataType::Utf8, false),
        Field::new("origin", DataType::Utf8, false),
        Field::new("entry_date", DataType::Date32, true),
        Field::new("customs_value", DataType::Decimal128(18, 2), true),
        Field::new("quantity", DataType::Utf8, true),
        Field::new("quantity_unit", DataType::Utf8, true),
    ];
    let text =
        |i: usize| -> ArrayRef { Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r[i].to_string()))) };
    let columns: Vec<ArrayRef> = vec![
        text(0),
        text(1),
        Arc::new(Date32Array::from_iter(rows.iter().map(|r| Some(days(&r[2]))))),
        Arc::new(
            Decimal128Array::from_iter(rows.iter().map(|r| Some(cents(&r[3]))))
                .with_data_type(DataType::Decimal128(18, 2)),
        ),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| (!r[4].is_empty()).then(|| r[4].to_string())))),
        text(5),
    ];
    (fields, columns)
}

/// Writes `rows` (the sample's columns) as Parquet, in row groups of `group` rows.
fn write_flows(path: &Path, rows: &[csv::StringRecord], group: usize) {
    let (mut fields, mut columns) = flow_columns(rows);
    fields.push(Field::new("description", DataType::Utf8, true));
    columns.push(Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r[6].to_string()))));
    write_batch(path, RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap(), group);
}

fn write_batch(path: &Path, batch: RecordBatch, group: usize) {
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(group)).build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// A Parquet file read back: column names and types, and each row's cells as the CSV output writes them.
fn read_back(path: &Path) -> (Vec<(String, DataType)>, Vec<Vec<String>>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    let fields = builder.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
    let mut rows = Vec::new();
    for batch in builder.build().unwrap() {
        let batch = batch.unwrap();
        for r in 0..batch.num_rows() {
            rows.push(batch.columns().iter().map(|c| cell(c, r)).collect());
        }
    }
    (fields, rows)
}

fn cell(c: &ArrayRef, r: usize) -> String {
    if c.is_null(r) {
        return String::new();
    }
    match c.data_type() {
        DataType::Utf8 => c.as_string::<i32>().value(r).to_string(),
        DataType::Int64 => c.as_primitive::<Int64Type>().value(r).to_string(),
        DataType::Date32 => date_text(c.as_primitive::<Date32Type>().value(r)),
        DataType::Decimal128(_, s) => {
            let v = c.as_primitive::<Decimal128Type>().value(r);
            let s = *s as usize;
            let digits = format!("{:0>width$}", v.abs(), width = s + 1);
            let (i, f) = digits.split_at(digits.len() - s);
            format!("{}{i}{}{f}", if v < 0 { "-" } else { "" }, if s > 0 { "." } else { "" })
        }
        t => panic!("type {t} not expected"),
    }
}

fn date_text(days_since_epoch: i32) -> String {
    // civil_from_days
    let z = i64::from(days_since_epoch) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let h = rdr.headers().unwrap().iter().map(str::to_string).collect();
    (h, rdr.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect())
}

#[test]
fn run_parquet_in_parquet_out_equals_the_csv_run() {
    let wd = Workdir::new();
    let rows = sample_rows();
    let input = wd.path("flows.parquet");
    // Small row groups: the reader crosses many of them.
    write_flows(&input, &rows, 500);
    let csv_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/japan-2024.csv");
    let want = wd.command(&["run", csv_in.to_str().unwrap(), "-s", "historical", "-q"]).output().unwrap();
    assert_eq!(want.status.code(), Some(0), "{}", stderr(&want));
    let (want_header, want_rows) = csv_rows(&stdout(&want));

    let out = wd.command(&["run", "flows.parquet", "-s", "historical", "-o", "out.parquet"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("read as Parquet (3328 rows in 7 row groups)"), "{err}");
    assert!(err.contains("rows read: 3328 = assessed 3328 + rejected 0"), "{err}");
    let (fields, got) = read_back(&wd.path("out.parquet"));
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, want_header);
    let ty = |n: &str| fields.iter().find(|(f, _)| f == n).unwrap().1.clone();
    // Input columns keep their types; result columns are typed.
    assert_eq!(ty("entry_date"), DataType::Date32);
    assert_eq!(ty("customs_value"), DataType::Decimal128(18, 2));
    assert_eq!(ty("quantity"), DataType::Utf8);
    assert_eq!(ty("hts"), DataType::Utf8);
    // Result decimals of 18 digits: 64-bit integers in the file.
    for m in ["mfn_duty", "additional_duty", "total_duty"] {
        assert_eq!(ty(m), DataType::Decimal128(18, 2), "{m}");
    }
    assert_eq!(ty("effective_rate"), DataType::Decimal128(18, 6));
    assert_eq!(ty("measures"), DataType::Utf8);
    assert_eq!(ty("citations"), DataType::Utf8);
    // Decimals of 18 digits delta-encoded and not compressed; the rest dictionary-encoded, Snappy.
    let file = std::fs::File::open(wd.path("out.parquet")).unwrap();
    let meta = parquet::file::reader::SerializedFileReader::new(file).unwrap();
    let meta = parquet::file::reader::FileReader::metadata(&meta);
    for group in meta.row_groups() {
        for c in group.columns() {
            let name = c.column_path().string();
            let encodings: Vec<String> = c.encodings().map(|e| format!("{e:?}")).collect();
            if ["customs_value", "mfn_duty", "additional_duty", "total_duty", "effective_rate"].contains(&name.as_str())
            {
                assert!(encodings.contains(&"DELTA_BINARY_PACKED".to_string()), "{name}: {encodings:?}");
                assert_eq!(c.compression(), parquet::basic::Compression::UNCOMPRESSED, "{name}");
            } else {
                assert!(encodings.contains(&"RLE_DICTIONARY".to_string()), "{name}: {encodings:?}");
                assert!(matches!(c.compression(), parquet::basic::Compression::SNAPPY), "{name}");
            }
        }
    }
    assert_eq!(got.len(), want_rows.len());
    for (g, w) in got.iter().zip(&want_rows) {
        // Every cell as the CSV run writes it (the sample's values have 2 places and integer
        // quantities, so the typed columns print back the same).
        assert_eq!(g, w);
    }
    // Written atomically: no temporary file left beside it.
    let left: Vec<_> = std::fs::read_dir(wd.dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // The same from `--input-format parquet` and `--format parquet`, into a name without extension.
    let out = wd
        .command(&[
            "run",
            "flows.parquet",
            "--input-format",
            "parquet",
            "-s",
            "historical",
            "--format",
            "parquet",
            "-o",
            "out.bin",
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read_back(&wd.path("out.bin")).1, got);
}

#[test]
fn csv_in_parquet_out_writes_the_inputs_as_text() {
    let wd = Workdir::new();
    wd.create("f.csv", "hts,origin,entry_date,customs_value,note\n8703230120,JP,2025-10-17,10000.00,\"a, b\"\n8703230120,JP,2025-10-17,5.5,\n");
    let out = wd.command(&["run", "f.csv", "-s", "status-quo", "-o", "o.parquet", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (fields, rows) = read_back(&wd.path("o.parquet"));
    assert!(fields[..5].iter().all(|(_, t)| *t == DataType::Utf8), "{fields:?}");
    assert_eq!(rows[0][4], "a, b");
    assert_eq!(rows[1][3], "5.5");
    // An empty field is null (read back as empty).
    assert_eq!(rows[1][4], "");
    let csv = wd.command(&["run", "f.csv", "-s", "status-quo", "-q"]).output().unwrap();
    assert_eq!(csv_rows(&stdout(&csv)).1, rows);
}

#[test]
fn a_value_past_the_parquet_decimal_fails_the_run_with_its_line_and_leaves_no_file() {
    let wd = Workdir::new();
    // Values are at most 10^15 dollars, so money fits DECIMAL(18,2); an effective rate may not:
    // 10^15 kg of beef at 4.4 cents/kg on a value of one cent is 4.4 x 10^15, past DECIMAL(18,6).
    let flows = "hts,origin,entry_date,customs_value,quantity,quantity_unit\n\
                 0201.30.50,AR,2024-06-01,100.00,10,kg\n\
                 0201.30.50,AR,2024-06-01,0.01,1000000000000000,kg\n";
    wd.create("f.csv", flows);
    let out = wd.command(&["run", "f.csv", "-s", "historical", "-o", "o.parquet", "-q"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("o.parquet: line 3: `effective_rate` is 4400000000000000"), "{err}");
    assert!(err.contains("DECIMAL(18,6) (at most 999999999999.999999)"), "{err}");
    assert!(err.contains("write CSV (`-o FILE.csv`)"), "{err}");
    let left: Vec<_> = std::fs::read_dir(wd.dir()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left, ["f.csv"], "no output, half or whole, is left");
    let csv = wd.command(&["run", "f.csv", "-s", "historical", "-q"]).output().unwrap();
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    assert!(stdout(&csv).contains(",44000000000000.00,4400000000000000.000000,"), "{}", stdout(&csv));
}

#[test]
fn parquet_rejects_name_the_data_row_and_the_column() {
    let wd = Workdir::new();
    let mut rows = sample_rows();
    rows.truncate(3000);
    // Row 2501 (1-based data row): a country that is not a code; row 2999: a negative value.
    rows[2500] = csv::StringRecord::from(vec!["8703230120", "UK", "2025-10-17", "100.00", "", "", "x"]);
    rows[2998] = csv::StringRecord::from(vec!["8703230120", "JP", "2025-10-17", "-1.00", "", "", "y"]);
    write_flows(&wd.path("bad.parquet"), &rows, 1000);
    let out = wd
        .command(&["run", "bad.parquet", "-s", "historical", "-o", "o.parquet", "--rejects", "rej.csv"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("rows read: 3000 = assessed 2998 + rejected 2"), "{err}");
    let rej = std::fs::read_to_string(wd.path("rej.csv")).unwrap();
    let (_, rej) = csv_rows(&rej);
    assert_eq!(rej.len(), 2, "{rej:?}");
    assert_eq!(rej[0][..4], ["bad.parquet", "2501", "origin", "UK"]);
    assert!(rej[0][4].contains("did you mean `GB`"), "{:?}", rej[0]);
    assert_eq!(rej[1][..3], ["bad.parquet", "2999", "customs_value"]);
    assert_eq!(read_back(&wd.path("o.parquet")).1.len(), 2998);
}

#[test]
fn parquet_values_converted_exactly() {
    let wd = Workdir::new();
    let schema = Arc::new(Schema::new(vec![
        Field::new("hts", DataType::Int64, true),
        Field::new("origin", DataType::Utf8, true),
        Field::new("entry_date", DataType::Utf8, true),
        Field::new("customs_value", DataType::Decimal128(20, 4), true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            // 0101210010 stored as a number: the leading zero comes back.
            Arc::new(Int64Array::from(vec![Some(101210010), Some(8703230120), None])),
            Arc::new(StringArray::from(vec![Some("jp"), Some("JP"), Some("JP")])),
            Arc::new(StringArray::from(vec![Some("2025-10-17"), Some("2025-10-17"), Some("2025-10-17")])),
            Arc::new(
                Decimal128Array::from(vec![Some(12_345_678), Some(12_345), Some(10_000)])
                    .with_data_type(DataType::Decimal128(20, 4)),
            ),
        ],
    )
    .unwrap();
    write_batch(&wd.path("x.parquet"), batch, 1024);
    let out = wd.command(&["run", "x.parquet", "-s", "historical", "--rejects", "r.csv", "-q"]).output().unwrap();
    let text = stdout(&out);
    let (_, rows) = csv_rows(&text);
    assert_eq!(rows[0][..4], ["0101210010", "jp", "2025-10-17", "1234.5678"]);
    assert_eq!(rows[1][3], "1.2345");
    let (_, rej) = csv_rows(&std::fs::read_to_string(wd.path("r.csv")).unwrap());
    assert_eq!(rej[0][1..3], ["3", "hts"], "{rej:?}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_float_amount_column_is_refused_with_the_fix() {
    let wd = Workdir::new();
    let schema = Arc::new(Schema::new(vec![
        Field::new("hts", DataType::Utf8, true),
        Field::new("origin", DataType::Utf8, true),
        Field::new("entry_date", DataType::Utf8, true),
        Field::new("customs_value", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec!["8703230120"])),
            Arc::new(StringArray::from(vec!["JP"])),
            Arc::new(StringArray::from(vec!["2025-10-17"])),
            Arc::new(Float64Array::from(vec![0.1 + 0.2])),
        ],
    )
    .unwrap();
    write_batch(&wd.path("f.parquet"), batch, 1024);
    let out = wd.command(&["run", "f.parquet", "-s", "historical"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("column `customs_value` is floating-point"), "{err}");
    assert!(err.contains("DECIMAL(18,2)"), "{err}");
    // Not a Parquet file at all, and Parquet on standard input: a one-line cause.
    wd.create("no.parquet", "hts,origin\n");
    let out = wd.command(&["run", "no.parquet", "-s", "historical"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read no.parquet as Parquet"), "{}", stderr(&out));
    let out = wd.run(&["run", "--input-format", "parquet", "-s", "historical"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not from standard input"), "{}", stderr(&out));
    // Parquet output needs a file; --excel does not apply to it.
    let out = wd.command(&["run", "f.parquet", "-s", "historical", "--format", "parquet"]).output().unwrap();
    assert!(stderr(&out).contains("give -o FILE.parquet"), "{}", stderr(&out));
    let out = wd.command(&["run", "f.parquet", "-s", "historical", "--excel", "-o", "o.parquet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!wd.path("o.parquet").exists());
}

#[test]
fn compare_and_refund_read_parquet() {
    let wd = Workdir::new();
    let rows = sample_rows();
    write_flows(&wd.path("flows.parquet"), &rows, 1000);
    let csv_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/japan-2024.csv");
    let args = |f: &str| {
        vec![
            "compare".to_string(),
            f.to_string(),
            "-s".into(),
            "historical".into(),
            "-s".into(),
            "status-quo".into(),
            "--as-of".into(),
            "2025-10-17".into(),
            "--by".into(),
            "chapter".into(),
            "--format".into(),
            "csv".into(),
            "-q".into(),
        ]
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        wd.command(&a).output().unwrap()
    };
    let want = run(args(csv_in.to_str().unwrap()));
    let got = run(args("flows.parquet"));
    assert_eq!(got.status.code(), Some(0), "{}", stderr(&got));
    assert_eq!(stdout(&got), stdout(&want));
    // refund: the entry lines of a refund file, as Parquet.
    let refund_csv = crate::util::data("refund-entries.csv");
    let text = std::fs::read_to_string(&refund_csv).unwrap();
    let (header, rows) = csv_rows(&text);
    let schema = Arc::new(Schema::new(header.iter().map(|h| Field::new(h, DataType::Utf8, true)).collect::<Vec<_>>()));
    let columns: Vec<ArrayRef> = (0..header.len())
        .map(|i| {
            Arc::new(StringArray::from_iter(rows.iter().map(|r| (!r[i].is_empty()).then(|| r[i].clone())))) as ArrayRef
        })
        .collect();
    write_batch(&wd.path("entries.parquet"), RecordBatch::try_new(schema, columns).unwrap(), 1024);
    let want = wd.command(&["refund", refund_csv.to_str().unwrap(), "--format", "csv", "-q"]).output().unwrap();
    let got = wd.command(&["refund", "entries.parquet", "--format", "csv", "-q"]).output().unwrap();
    assert_eq!(got.status.code(), want.status.code(), "{}", stderr(&got));
    assert_eq!(stdout(&got), stdout(&want));
}

/// A cell of any type these tests write, as the CSV output writes it.
fn any_cell(c: &ArrayRef, r: usize) -> String {
    use arrow_array::types::{Float64Type, Int32Type};
    if c.is_null(r) {
        return String::new();
    }
    match c.data_type() {
        DataType::Boolean => c.as_boolean().value(r).to_string(),
        DataType::Int32 => c.as_primitive::<Int32Type>().value(r).to_string(),
        DataType::Float64 => c.as_primitive::<Float64Type>().value(r).to_string(),
        _ => cell(c, r),
    }
}

#[test]
fn typed_parquet_columns_pass_through_and_rejected_rows_are_left_out() {
    use arrow_array::types::Int32Type;
    use arrow_array::{BooleanArray, DictionaryArray, Int32Array, LargeStringArray, TimestampMillisecondArray};
    let wd = Workdir::new();
    let n = 3000;
    let schema = Arc::new(Schema::new(vec![
        Field::new("hts", DataType::Utf8View, true),
        Field::new("origin", DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)), true),
        Field::new("entry_date", DataType::Date32, true),
        Field::new("customs_value", DataType::Decimal128(18, 2), true),
        Field::new("quantity", DataType::Int64, true),
        Field::new("quantity_unit", DataType::Utf8, true),
        Field::new("checked", DataType::Boolean, true),
        Field::new("weight", DataType::Float64, true),
        Field::new("code", DataType::Int32, true),
        Field::new("share", DataType::Decimal128(30, 4), true),
        Field::new("loaded_at", DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, None), true),
        Field::new("note", DataType::LargeUtf8, true),
    ]));
    // Every 7th row a country that is not a code (rejected), so that the rows priced are not all
    // of a chunk's; nulls and empty strings here and there.
    let origins: DictionaryArray<Int32Type> = (0..n)
        .map(|i| {
            Some(if i % 7 == 3 {
                "UK"
            } else if i % 2 == 0 {
                "JP"
            } else {
                "CN"
            })
        })
        .collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(arrow_array::StringViewArray::from_iter_values(
            (0..n).map(|i| if i % 3 == 0 { "8703230120" } else { "7326908688" }),
        )),
        Arc::new(origins),
        Arc::new(Date32Array::from_iter_values((0..n).map(|i| days("2025-04-01") + i % 200))),
        Arc::new(
            Decimal128Array::from_iter_values((0..n).map(|i| 100_000 + i as i128 * 37))
                .with_data_type(DataType::Decimal128(18, 2)),
        ),
        Arc::new(Int64Array::from_iter((0..n).map(|i| (i % 5 != 0).then_some(i as i64)))),
        Arc::new(StringArray::from_iter((0..n).map(|i| match i % 4 {
            0 => None,
            1 => Some(""),
            2 => Some("kg"),
            _ => Some("a, \"b\""),
        }))),
        Arc::new(BooleanArray::from_iter((0..n).map(|i| (i % 6 != 0).then_some(i % 2 == 0)))),
        Arc::new(Float64Array::from_iter((0..n).map(|i| (i % 9 != 0).then_some(i as f64 / 8.0)))),
        Arc::new(Int32Array::from_iter((0..n).map(|i| (i % 11 != 0).then_some(-i)))),
        Arc::new(
            Decimal128Array::from_iter((0..n).map(|i| (i % 13 != 0).then_some(i as i128 * 123_456_789_012)))
                .with_data_type(DataType::Decimal128(30, 4)),
        ),
        Arc::new(TimestampMillisecondArray::from_iter((0..n).map(|i| {
            (i % 10 != 0).then_some(i64::from(days("2025-03-01")) * 86_400_000 + (i as i64 % 3) * 3_600_500)
        }))),
        Arc::new(LargeStringArray::from_iter((0..n).map(|i| (i % 8 != 0).then(|| format!("n{i}"))))),
    ];
    write_batch(&wd.path("t.parquet"), RecordBatch::try_new(schema, columns).unwrap(), 1000);
    for extra in [&[][..], &["--ranges", "--assume", "bea", "--fees"][..]] {
        let run = |out: &[&str]| {
            let args = [&["run", "t.parquet", "-s", "historical", "-q"][..], extra, out].concat();
            wd.command(&args).output().unwrap()
        };
        let want = run(&[]);
        assert_eq!(want.status.code(), Some(1), "{}", stderr(&want));
        let (want_header, want_rows) = csv_rows(&stdout(&want));
        let got = run(&["-o", "t-out.parquet"]);
        assert_eq!(got.status.code(), Some(1), "{}", stderr(&got));
        assert!(stderr(&got).contains("rows read: 3000 = assessed 2571 + rejected 429"), "{}", stderr(&got));
        let builder = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(wd.path("t-out.parquet")).unwrap());
        let builder = builder.unwrap();
        let types: Vec<(String, DataType)> =
            builder.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
        let names: Vec<&str> = types.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, want_header);
        // Kept types as read; the others (view text, a dictionary, a timestamp, large text) as text.
        let kept = [
            DataType::Utf8,
            DataType::Utf8,
            DataType::Date32,
            DataType::Decimal128(18, 2),
            DataType::Int64,
            DataType::Utf8,
            DataType::Boolean,
            DataType::Float64,
            DataType::Int32,
            DataType::Decimal128(30, 4),
            DataType::Utf8,
            DataType::Utf8,
        ];
        assert_eq!(types[..12].iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(), kept);
        let mut got_rows: Vec<Vec<String>> = Vec::new();
        for batch in builder.build().unwrap() {
            let batch = batch.unwrap();
            for r in 0..batch.num_rows() {
                // An empty text is null, as an empty CSV field reads back.
                for c in batch.columns() {
                    if c.data_type() == &DataType::Utf8 && c.is_valid(r) {
                        assert!(!c.as_string::<i32>().value(r).is_empty());
                    }
                }
                got_rows.push(batch.columns().iter().map(|c| any_cell(c, r)).collect());
            }
        }
        assert_eq!(got_rows.len(), 2571);
        assert_eq!(want_rows.len(), 2571);
        for (g, w) in got_rows.iter().zip(&want_rows) {
            assert_eq!(g, w);
        }
    }
}

#[test]
fn csv_in_parquet_out_leaves_rejected_rows_out_and_replaces_bytes_that_are_not_utf8() {
    let wd = Workdir::new();
    let mut text = b"hts,origin,entry_date,customs_value,note\n".to_vec();
    text.extend_from_slice(b"8703230120,JP,2025-10-17,100.00,caf\xe9\n");
    text.extend_from_slice(b"8703230120,UK,2025-10-17,100.00,x\n");
    text.extend_from_slice(b"8703230120,JP,2025-10-17,\xff,y\n");
    text.extend_from_slice(b"7326908688,CN,2025-10-17,5.5,\n");
    std::fs::write(wd.path("l.csv"), &text).unwrap();
    let out = wd.command(&["run", "l.csv", "-s", "historical", "-o", "l.parquet", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("rows read: 4 = assessed 2 + rejected 2"), "{}", stderr(&out));
    let (fields, rows) = read_back(&wd.path("l.parquet"));
    assert!(fields[..5].iter().all(|(_, t)| *t == DataType::Utf8), "{fields:?}");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][..5], ["8703230120", "JP", "2025-10-17", "100.00", "caf\u{fffd}"]);
    assert_eq!(rows[1][..5], ["7326908688", "CN", "2025-10-17", "5.5", ""]);
    let csv = wd.command(&["run", "l.csv", "-s", "historical", "-q"]).output().unwrap();
    let csv_text = String::from_utf8_lossy(&csv.stdout).into_owned();
    assert_eq!(csv_rows(&csv_text).1, rows);
}

#[test]
fn two_input_columns_of_one_name_are_written_back() {
    // The writer's settings go by column name: a decimal and a text column both named `ref` must
    // not get the decimal's delta encoding for both (the text column cannot use it).
    let wd = Workdir::new();
    let rows = sample_rows();
    let n = rows.len();
    let (mut fields, mut columns) = flow_columns(&rows);
    fields.push(Field::new("ref", DataType::Decimal128(18, 2), true));
    fields.push(Field::new("ref", DataType::Utf8, true));
    columns.push(Arc::new(
        Decimal128Array::from_iter((0..n).map(|i| Some(i as i128 * 7))).with_data_type(DataType::Decimal128(18, 2)),
    ));
    columns.push(Arc::new(StringArray::from_iter_values((0..n).map(|i| format!("PO-{i}")))));
    let schema = Arc::new(Schema::new(fields));
    write_batch(&wd.path("in.parquet"), RecordBatch::try_new(schema, columns).unwrap(), 1000);
    let out = wd.command(&["run", "in.parquet", "-s", "historical", "-o", "out.parquet", "-q"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (fields, back) = read_back(&wd.path("out.parquet"));
    assert_eq!(fields[6], ("ref".to_string(), DataType::Decimal128(18, 2)));
    assert_eq!(fields[7], ("ref".to_string(), DataType::Utf8));
    assert_eq!(back.len(), n);
    assert_eq!((&back[3][6][..], &back[3][7][..]), ("0.21", "PO-3"));
}
