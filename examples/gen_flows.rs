//! Generates N realistic, deterministic flow rows for benchmarks: HTS lines of the embedded MFN
//! table, origins weighted like US imports (2024 shares, rounded), entry dates over 2025, customs values
//! log-normal, quantities (with their HTS unit) for every line.
//!
//! Usage: cargo run --release --example gen_flows -- [--erp] ROWS [SEED] [HTS.csv] > flows.csv
//!
//! With an official HTS file, the lines are drawn from every priced 8- and 10-digit goods line of
//! it (about 13,000 codes) instead of the embedded table (791 lines). With `--erp`, five columns
//! follow, as an importer's ERP export has them: the HTS description (quoted when it holds a comma),
//! an importer, an entry number, a port code and a note with quotes in it.

use std::io::{BufWriter, Write};
use tariffstack::mfn::MfnTable;

/// xorshift64*: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Origins and their approximate shares of US goods imports (percent, 2024).
const ORIGINS: &[(&str, u32)] = &[
    ("MX", 16),
    ("CN", 13),
    ("CA", 13),
    ("DE", 5),
    ("JP", 5),
    ("KR", 4),
    ("VN", 4),
    ("TW", 4),
    ("IE", 3),
    ("IN", 3),
    ("IT", 2),
    ("GB", 2),
    ("CH", 2),
    ("TH", 2),
    ("MY", 2),
    ("FR", 2),
    ("SG", 1),
    ("BR", 1),
    ("NL", 1),
    ("ID", 1),
    ("IL", 1),
    ("AU", 1),
    ("ES", 1),
    ("BE", 1),
    ("AT", 1),
    ("SE", 1),
    ("PH", 1),
    ("CO", 1),
    ("CL", 1),
    ("DK", 1),
    ("PL", 1),
    ("BD", 1),
];

fn main() {
    let erp = std::env::args().any(|a| a == "--erp");
    let mut args = std::env::args().skip(1).filter(|a| a != "--erp");
    let rows: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2025);
    let table = match args.next() {
        Some(path) => MfnTable::from_hts_path(std::path::Path::new(&path)).expect("read the HTS file"),
        None => MfnTable::embedded(),
    };
    // Goods lines (chapters 1-97) of 8 or 10 digits with a priced general rate: a row on an
    // unpriced line would be rejected.
    let lines: Vec<_> = table
        .lines()
        .iter()
        .filter(|l| l.general.is_ok() && l.hts.digits().len() >= 8 && l.hts.digits() < "98")
        .collect();
    let total_weight: u32 = ORIGINS.iter().map(|o| o.1).sum();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let out = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    write!(w, "hts,origin,entry_date,customs_value,quantity,quantity_unit").unwrap();
    writeln!(w, "{}", if erp { ",description,importer,entry_number,port,note" } else { "" }).unwrap();
    let mut field = Vec::new();
    for row in 0..rows {
        let line = lines[(rng.next() % lines.len() as u64) as usize];
        let mut pick = (rng.next() % u64::from(total_weight)) as u32;
        let origin = ORIGINS
            .iter()
            .find(|(_, wgt)| {
                if pick < *wgt {
                    true
                } else {
                    pick -= wgt;
                    false
                }
            })
            .map_or("JP", |o| o.0);
        let day = 1 + rng.next() % 365;
        let (month, dom) = month_day(day as u32);
        // Log-normal around $20,000 (sigma 1.5), to the cent.
        let value = (20_000.0 * (1.5 * rng.normal()).exp()).min(5.0e8);
        let cents = (value * 100.0).round() as u64;
        // The unit of the specific rate when there is one (some are not the line's unit of
        // quantity, e.g. kg of drained weight), else the line's unit.
        let specific = line.general.as_ref().ok().and_then(|g| g.specific.first()).map(|p| p.unit);
        let unit = specific.or(line.unit).map(|u| u.hts_name()).unwrap_or("kg");
        let qty = (value / (5.0 + 200.0 * rng.unit())).max(1.0).round() as u64;
        write!(
            w,
            "{},{origin},2025-{month:02}-{dom:02},{}.{:02},{qty},{unit}",
            line.hts.digits(),
            cents / 100,
            cents % 100
        )
        .unwrap();
        if erp {
            // Not drawn from the generator: the other columns are the same with and without them.
            field.clear();
            tariffstack::result_columns::push_csv_field(&mut field, line.description.as_bytes());
            w.write_all(b",").unwrap();
            w.write_all(&field).unwrap();
            write!(w, ",Importer {} Inc.,E{row:011},{}", row % 499, 1001 + row % 397).unwrap();
            write!(w, ",\"lot \"\"{}\"\", see invoice\"", row % 83).unwrap();
        }
        writeln!(w).unwrap();
    }
    w.flush().unwrap();
}

fn month_day(mut day: u32) -> (u32, u32) {
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (m, d) in DAYS.iter().enumerate() {
        if day <= *d {
            return (m as u32 + 1, day);
        }
        day -= d;
    }
    (12, 31)
}
