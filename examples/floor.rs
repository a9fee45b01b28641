//! The floor of a duty calculator's cost: read each CSV record, parse `customs_value` as a Decimal,
//! write the record with seven constant columns appended. No tariff logic at all.
//!
//! Usage: cargo run --release --example floor -- FLOWS.csv > out.csv

use csv::ByteRecord;
use rust_decimal::Decimal;
use std::io::BufWriter;

fn main() {
    let path = std::env::args().nth(1).expect("usage: floor FLOWS.csv");
    let file = std::fs::File::open(path).expect("open");
    let mut rdr =
        csv::ReaderBuilder::new().has_headers(false).from_reader(std::io::BufReader::with_capacity(1 << 16, file));
    let out = std::io::stdout();
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, out.lock()));
    let mut rec = ByteRecord::new();
    rdr.read_byte_record(&mut rec).expect("header");
    let col = rec.iter().position(|f| f == b"customs_value").expect("customs_value column");
    for c in ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"] {
        rec.push_field(c.as_bytes());
    }
    w.write_byte_record(&rec).unwrap();
    let mut sum = Decimal::ZERO;
    while rdr.read_byte_record(&mut rec).expect("read") {
        let text = std::str::from_utf8(&rec[col]).unwrap_or("0");
        sum += Decimal::from_str_exact(text).unwrap_or_default();
        for c in ["historical", "0.00", "0.00", "0.00", "0.000000", "mfn", ""] {
            rec.push_field(c.as_bytes());
        }
        w.write_byte_record(&rec).unwrap();
    }
    w.flush().unwrap();
    eprintln!("sum of customs_value: {sum}");
}
