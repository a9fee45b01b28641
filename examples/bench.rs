//! The benchmark: times, in one run, the I/O floor, `run` and `compare`, and the engine alone.
//!
//! Usage (from the repository root):
//!     cargo build --release --bins --examples && target/release/examples/bench [ROWS] [RUNS] [HTS.csv]
//! ROWS defaults to 2,000,000 and RUNS to 5. It generates ROWS realistic flows with the `gen_flows`
//! example (deterministic), then runs each command RUNS times and prints the median wall time,
//! rows/s, MB/s of input, the ratio to the floor, and the peak resident memory (through
//! /usr/bin/time when it is installed). Then it times `Engine::assess` and `Engine::price` alone on
//! flows already in memory. For information, it times `run` on the same flows with five more
//! columns, two of them quoted, as an ERP export has them; and, with an official HTS file, loading
//! it and `run --hts` on flows drawn from every goods line of it (the targets are set on the
//! embedded table's 791 lines). The machine is noisy: compare medians, and ratios from the same run.
//! It also writes the same flows as Parquet (typed: `entry_date` date32, `customs_value`
//! DECIMAL(18,2), `quantity` int64) and times `run` reading it and writing Parquet against `run` on
//! the CSV file (both to /dev/null, no fsync), as a ratio. The sweep: `compare` of `historical` and 15
//! variant files of it (written to the temporary folder: Japan's, the EU's and China's rates, the end
//! of the pause, the baseline, a later deal, a deal without autos, a new measure) against `run`, as a
//! ratio, and the loading of the 16 alone. `TARIFFSTACK_BENCH=parquet` or `=sweep` runs only that part.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Runs `cmd` with stdout to /dev/null; returns (seconds, peak RSS in KB when known). Stops the
/// benchmark when the command does not run or fails: the time of a failed command measures nothing.
fn timed(cmd: &[&str]) -> (f64, Option<u64>) {
    if !Path::new(cmd[0]).exists() {
        eprintln!("bench: {} not found; build it first: cargo build --release --bins --examples", cmd[0]);
        std::process::exit(2);
    }
    let time = Path::new("/usr/bin/time");
    let start = Instant::now();
    let out = if time.exists() {
        Command::new(time).arg("-f").arg("%M").args(cmd).stdout(Stdio::null()).stderr(Stdio::piped()).output()
    } else {
        Command::new(cmd[0]).args(&cmd[1..]).stdout(Stdio::null()).stderr(Stdio::piped()).output()
    }
    .expect("run benchmark command");
    let secs = start.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        eprintln!("bench: `{}` failed ({}):\n{err}", cmd.join(" "), out.status);
        std::process::exit(2);
    }
    let rss = err.lines().rev().find_map(|l| l.trim().parse::<u64>().ok());
    (secs, rss)
}

/// Writes `rows` flows to `path` (drawn from the lines of `hts`, when given, else of the embedded
/// table; with `erp`, five more columns as an ERP export has them); returns the file's size in MB.
fn generate(examples: &Path, rows: u64, path: &Path, hts: Option<&Path>, erp: bool) -> f64 {
    let status = Command::new(examples.join("gen_flows"))
        .args(erp.then_some("--erp"))
        .arg(rows.to_string())
        .args(hts.map(|h| ["2025".as_ref(), h.as_os_str()]).into_iter().flatten())
        .stdout(std::fs::File::create(path).unwrap())
        .status()
        .expect("gen_flows (build it with --examples)");
    assert!(status.success());
    // Written through to the disk before anything is timed: the kernel's write-back of a fresh
    // file would otherwise run during the first rounds, on the cores the commands need.
    std::fs::File::open(path).and_then(|f| f.sync_all()).expect("sync the generated flows");
    std::fs::metadata(path).unwrap().len() as f64 / 1e6
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let hts_file: Option<PathBuf> = args.next().map(PathBuf::from);
    let exe = std::env::current_exe().unwrap();
    let examples = exe.parent().unwrap().to_path_buf();
    let bin: PathBuf = examples.parent().unwrap().join("tariffstack");
    let dir = std::env::temp_dir().join(format!("tariffstack-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let flows = dir.join("flows.csv");
    let t = Instant::now();
    let mb = generate(&examples, rows, &flows, None, false);
    println!(
        "{rows} rows, {mb:.1} MB generated in {:.1} s; {runs} rounds, each running every command once in turn; medians",
        t.elapsed().as_secs_f64()
    );
    // TARIFFSTACK_BENCH=parquet: only the Parquet timing (`parquet-keep`: its files are left in the
    // temporary folder, for profiling); TARIFFSTACK_BENCH=sweep: only the sweep.
    if let Ok(only) = std::env::var("TARIFFSTACK_BENCH") {
        if only == "sweep" {
            sweep(bin.to_str().unwrap(), &flows, rows, runs, &dir);
        } else {
            parquet_vs_csv(bin.to_str().unwrap(), &flows, rows, runs, &dir, only == "parquet-keep");
        }
        if only != "parquet-keep" {
            let _ = std::fs::remove_dir_all(&dir);
        }
        return;
    }
    let f = flows.to_str().unwrap();
    let out = dir.join("out.csv");
    let o = out.to_str().unwrap();
    let b = bin.to_str().unwrap();
    let floor_bin = examples.join("floor");
    let fl = floor_bin.to_str().unwrap();
    let four = ["-s", "historical", "-s", "status-quo", "-s", "pause-expires", "-s", "deal-reached"];
    // Every command writes to standard output, sent to /dev/null, as the floor does: the ratios
    // compare the same work. `run -o` (temporary file, fsync, rename) is shown for information.
    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("floor (read, parse value, write 7 columns)", vec![fl, f]),
        ("run --scenario historical", vec![b, "run", f, "-s", "historical", "-q"]),
        ("compare (4 scenarios)", [&[b, "compare", f][..], &four, &["-q"]].concat()),
        ("run -o FILE (durable write, for information)", vec![b, "run", f, "-s", "historical", "-q", "-o", o]),
        (
            "run --assume bea --assume usmca-2025",
            vec![b, "run", f, "-s", "historical", "-q", "--assume", "bea", "--assume", "usmca-2025"],
        ),
        ("run --ranges", vec![b, "run", f, "-s", "historical", "-q", "--ranges"]),
    ];
    // Rounds interleave the commands, so that a slow spell of the (noisy, shared) machine falls on
    // all of them; the ratios are the medians of the per-round ratios.
    let mut secs: Vec<Vec<f64>> = vec![Vec::new(); commands.len()];
    let mut rss: Vec<Option<u64>> = vec![None; commands.len()];
    for _ in 0..runs {
        for (i, (_, cmd)) in commands.iter().enumerate() {
            let (s, r) = timed(cmd);
            secs[i].push(s);
            rss[i] = rss[i].max(r);
        }
    }
    let ratio = |i: usize, j: usize| median(secs[i].iter().zip(&secs[j]).map(|(a, b)| a / b).collect());
    println!("{:<46} {:>9} {:>12} {:>8} {:>9} {:>10}", "command", "median s", "rows/s", "MB/s", "x floor", "peak RSS");
    for (i, (name, _)) in commands.iter().enumerate() {
        let s = median(secs[i].clone());
        println!(
            "{:<46} {:>9.3} {:>12.0} {:>8.1} {:>9.2} {:>10}",
            name,
            s,
            rows as f64 / s,
            mb / s,
            ratio(i, 0),
            rss[i].map(|k| format!("{:.1} MB", k as f64 / 1024.0)).unwrap_or_else(|| "-".into())
        );
    }
    println!("targets: run <= 1.30 x floor: {:.2}; compare <= 2.00 x run: {:.2}", ratio(1, 0), ratio(2, 1));
    println!("targets: run --assume <= 1.50 x run: {:.2}; run --ranges <= 1.50 x run: {:.2}", ratio(4, 1), ratio(5, 1));
    // Flat memory: peak RSS of run on 1M and 10M rows.
    let big = dir.join("big.csv");
    let mut peaks = Vec::new();
    for n in [1_000_000u64, 10_000_000] {
        generate(&examples, n, &big, None, false);
        let (s, r) = timed(&[b, "run", big.to_str().unwrap(), "-s", "historical", "-q"]);
        peaks.push(r);
        println!(
            "run on {n} rows: {s:.2} s, peak RSS {}",
            r.map(|k| format!("{:.1} MB", k as f64 / 1024.0)).unwrap_or_else(|| "- (no /usr/bin/time)".into())
        );
    }
    if let [Some(a), Some(b)] = peaks[..] {
        println!(
            "targets: peak RSS at 10M rows < 100 MB: {:.1} MB; 10M / 1M <= 1.2: {:.2}",
            b as f64 / 1024.0,
            b as f64 / a as f64
        );
    }
    let _ = std::fs::remove_file(&big);
    parquet_vs_csv(b, &flows, rows, runs, &dir, false);
    sweep(b, &flows, rows, runs, &dir);
    erp_export(&examples, fl, b, rows, runs, &dir);
    if let Some(hts) = hts_file {
        hts_load(&hts);
        whole_hts(&examples, fl, b, rows, runs, &hts, &dir);
    }
    micro(&flows);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Times the floor and `run` (with `run_args` after the file) on `flows` in `runs` interleaved
/// rounds: the median times and the median of the per-round ratios.
fn floor_and_run(floor: &str, bin: &str, flows: &Path, run_args: &[&str], runs: usize) -> (f64, f64, f64) {
    let f = flows.to_str().unwrap();
    let run: Vec<&str> = [&[bin, "run", f, "-s", "historical", "-q"][..], run_args].concat();
    let (mut floor_s, mut run_s, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (a, b) = (timed(&[floor, f]).0, timed(&run).0);
        floor_s.push(a);
        run_s.push(b);
        ratios.push(b / a);
    }
    (median(floor_s), median(run_s), median(ratios))
}

/// Writes the flows of `csv_path` as Parquet with typed columns, in batches (memory flat).
fn write_parquet(csv_path: &Path, out: &Path) {
    use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    let schema = Arc::new(Schema::new(vec![
        Field::new("hts", DataType::Utf8, false),
        Field::new("origin", DataType::Utf8, false),
        Field::new("entry_date", DataType::Date32, false),
        Field::new("customs_value", DataType::Decimal128(18, 2), false),
        Field::new("quantity", DataType::Int64, true),
        Field::new("quantity_unit", DataType::Utf8, true),
    ]));
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let file = std::fs::File::create(out).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props)).unwrap();
    let mut rdr = csv::Reader::from_path(csv_path).unwrap();
    let epoch = tariffstack::date::Date::parse("1970-01-01").unwrap().days();
    let mut rows: Vec<csv::StringRecord> = Vec::new();
    let mut flush = |rows: &mut Vec<csv::StringRecord>| {
        let text =
            |i: usize| -> ArrayRef { Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r[i].to_string()))) };
        let date = rows.iter().map(|r| tariffstack::date::Date::parse(&r[2]).unwrap().days() - epoch);
        let cents = rows.iter().map(|r| {
            let (i, f) = r[3].split_once('.').unwrap();
            i.parse::<i128>().unwrap() * 100 + f.parse::<i128>().unwrap()
        });
        let columns: Vec<ArrayRef> = vec![
            text(0),
            text(1),
            Arc::new(Date32Array::from_iter_values(date)),
            Arc::new(Decimal128Array::from_iter_values(cents).with_data_type(DataType::Decimal128(18, 2))),
            Arc::new(Int64Array::from_iter(rows.iter().map(|r| r[4].parse::<i64>().ok()))),
            text(5),
        ];
        w.write(&RecordBatch::try_new(schema.clone(), columns).unwrap()).unwrap();
        rows.clear();
    };
    for r in rdr.records() {
        rows.push(r.unwrap());
        if rows.len() == 65_536 {
            flush(&mut rows);
        }
    }
    if !rows.is_empty() {
        flush(&mut rows);
    }
    w.close().unwrap();
}

/// Parquet in and out against the CSV path on the same rows: `run flows.parquet --format parquet -o
/// /dev/null` against `run flows.csv` (standard output to /dev/null), interleaved rounds; the
/// median of the per-round ratios.
fn parquet_vs_csv(bin: &str, flows: &Path, rows: u64, runs: usize, dir: &Path, keep: bool) {
    let pq = dir.join("flows.parquet");
    let t = Instant::now();
    write_parquet(flows, &pq);
    let mb = std::fs::metadata(&pq).unwrap().len() as f64 / 1e6;
    println!(
        "Parquet: the same {rows} rows written as Parquet ({mb:.1} MB, Snappy) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (f, p) = (flows.to_str().unwrap(), pq.to_str().unwrap());
    let csv_run = [bin, "run", f, "-s", "historical", "-q"];
    let pq_run = [bin, "run", p, "-s", "historical", "-q", "--format", "parquet", "-o", "/dev/null"];
    let pq_in = [bin, "run", p, "-s", "historical", "-q"];
    let (mut a, mut b, mut c, mut ratios, mut in_ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut rss: Option<u64> = None;
    for _ in 0..runs {
        let (x, _) = timed(&csv_run);
        let (y, r) = timed(&pq_run);
        let (z, _) = timed(&pq_in);
        rss = rss.max(r);
        a.push(x);
        b.push(y);
        c.push(z);
        ratios.push(y / x);
        in_ratios.push(z / x);
    }
    println!(
        "run CSV in, CSV out {:.3} s; Parquet in, CSV out {:.3} s; Parquet in, Parquet out {:.3} s (peak RSS {})",
        median(a),
        median(c),
        median(b),
        rss.map(|k| format!("{:.1} MB", k as f64 / 1024.0)).unwrap_or_else(|| "-".into())
    );
    println!(
        "targets: run Parquet in + Parquet out <= 1.20 x run CSV: {:.2} (Parquet in, CSV out: {:.2})",
        median(ratios),
        median(in_ratios)
    );
    if keep {
        println!("kept: {} and {}", flows.display(), pq.display());
    } else {
        let _ = std::fs::remove_file(&pq);
    }
}

/// The variants of the sweep: what an analyst writes to see one thing changed at several values
/// (Japan's, the EU's and China's rates, the end of the pause, a deal without autos, a new measure).
/// Each file extends `historical` (the text follows its `[scenario]` table); `{rate}` is replaced by
/// the number that ends the name, `{date}` by the date in it.
const SWEEP_VARIANTS: [(&str, &str); 15] = [
    ("jp-10", JP),
    ("jp-20", JP),
    ("jp-25", JP),
    ("eu-10", EU),
    ("eu-20", EU),
    ("eu-25", EU),
    ("cn-fentanyl-10", CN),
    ("cn-fentanyl-30", CN),
    ("cn-fentanyl-50", CN),
    ("pause-ends-2025-06-01", PAUSE),
    ("pause-ends-2025-09-01", PAUSE),
    (
        "baseline-15",
        "[[patch]]\nid = \"ieepa_reciprocal_baseline\"\nrate = [{ citation = \"9903.01.25\", duty = \"15%\" }]\n",
    ),
    (
        "jp-deal-later",
        "[[patch]]\nid = \"ieepa_reciprocal_jp_deal\"\nin_force = [{ from = \"2025-10-01\", until = \"2026-02-24\" }]\n",
    ),
    // A removed measure and an added one: these two are priced in full on every row.
    ("jp-deal-no-autos", "remove = [\"s232_autos_jp_deal\", \"s232_auto_parts_jp_deal\"]\n"),
    ("chips-25", CHIPS),
];
const JP: &str = "[[patch]]\nid = \"ieepa_reciprocal_jp_deal\"\nrate = [{ citation = \"9903.02.73\", inclusive = \"{rate}%\", citation_at_or_above = \"9903.02.72\" }]\n";
const EU: &str = "[[patch]]\nid = \"ieepa_reciprocal_eu_deal\"\nrate = [{ citation = \"9903.02.20\", inclusive = \"{rate}%\", citation_at_or_above = \"9903.02.19\", origins = { include = [\"group:eu27\"] } }]\n";
const CN: &str = "[[patch]]\nid = \"ieepa_fentanyl_cn\"\nrate = [\n  { citation = \"9903.01.20\", duty = \"10%\", until = \"2025-03-04\" },\n  { citation = \"9903.01.24\", duty = \"{rate}%\", from = \"2025-03-04\", until = \"2025-11-10\" },\n  { citation = \"9903.01.24\", duty = \"10%\", from = \"2025-11-10\" },\n]\n";
const PAUSE: &str = "[[patch]]\nid = \"ieepa_reciprocal_country\"\nsuspended = [\n  { from = \"2025-04-10\", until = \"{date}\", origins = { include = [\"group:eo14257_annex1\"], exclude = [\"group:cn_hk_mo\"] }, reason = \"the pause ends on {date}\" },\n  { from = \"2025-05-14\", until = \"2026-02-24\", origins = { include = [\"group:cn_hk_mo\"] }, reason = \"China's separate arrangement, as in historical\" },\n]\n";
const CHIPS: &str = "[[measure]]\nid = \"s232_semiconductors\"\ntitle = \"Section 232, semiconductors (hypothetical)\"\nsource = \"sweep variant\"\nproducts = { include = [\"8541\", \"8542\"] }\norigins = { include = [\"*\"] }\nin_force = [{ from = \"2025-10-01\" }]\n  [[measure.rate]]\n  citation = \"9903.79.01\"\n  duty = \"25%\"\n";

/// Writes the sweep's variant files into `dir`; returns their paths.
fn sweep_files(dir: &Path) -> Vec<String> {
    SWEEP_VARIANTS
        .iter()
        .map(|(name, body)| {
            let value = name.rsplit('-').next().unwrap_or_default();
            let date = name.strip_prefix("pause-ends-").unwrap_or_default();
            let header =
                format!("[scenario]\nname = \"{name}\"\ntitle = \"sweep variant {name}\"\nextends = \"historical\"\n");
            let body = body.replace("{rate}", value).replace("{date}", date);
            let path = dir.join(format!("{name}.toml"));
            std::fs::write(&path, format!("{header}{body}")).unwrap();
            path.display().to_string()
        })
        .collect()
}

/// The sweep: `compare` of `historical` and 15 variants of it (one rate, date or measure changed
/// each) on the flows, against `run --scenario historical` on the same flows, interleaved rounds;
/// the median of the per-round ratios. Also the loading of the 16 scenarios alone (`compare` on one
/// row).
fn sweep(bin: &str, flows: &Path, rows: u64, runs: usize, dir: &Path) {
    let files = sweep_files(dir);
    let mut scenarios: Vec<&str> = vec!["-s", "historical"];
    for f in &files {
        scenarios.extend(["-s", f.as_str()]);
    }
    let one_row = dir.join("one-row.csv");
    let text = std::fs::read_to_string(flows).unwrap_or_default();
    std::fs::write(&one_row, text.lines().take(2).map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let f = flows.to_str().unwrap();
    let run = [bin, "run", f, "-s", "historical", "-q"];
    let compare = [&[bin, "compare", f][..], &scenarios, &["-q"]].concat();
    let load = [&[bin, "compare", one_row.to_str().unwrap()][..], &scenarios, &["-q"]].concat();
    let (mut a, mut b, mut c, mut ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut rss: Option<u64> = None;
    for _ in 0..runs {
        let (x, _) = timed(&run);
        let (y, r) = timed(&compare);
        let (z, _) = timed(&load);
        rss = rss.max(r);
        a.push(x);
        b.push(y);
        c.push(z);
        ratios.push(y / x);
    }
    println!(
        "sweep on {rows} rows: run {:.3} s; compare of historical and 15 variants {:.3} s (peak RSS {}); loading the 16 alone (one row) {:.3} s",
        median(a),
        median(b),
        rss.map(|k| format!("{:.1} MB", k as f64 / 1024.0)).unwrap_or_else(|| "-".into()),
        median(c)
    );
    println!("targets: sweep, compare of 16 scenarios <= 4.00 x run: {:.2}", median(ratios));
}

/// For information: the same flows with five more columns as an importer's ERP export has them
/// (the HTS description, quoted when it holds a comma, and a quoted note with quotes in it), against
/// the floor on the same file.
fn erp_export(examples: &Path, floor: &str, bin: &str, rows: u64, runs: usize, dir: &Path) {
    let flows = dir.join("flows-erp.csv");
    let mb = generate(examples, rows, &flows, None, true);
    let (a, b, ratio) = floor_and_run(floor, bin, &flows, &[], runs);
    println!(
        "ERP-like export (for information; 11 columns, {mb:.0} MB, quoted fields): floor {a:.3} s, run {b:.3} s = {ratio:.2} x floor"
    );
    let _ = std::fs::remove_file(&flows);
}

/// For information: flows drawn from every goods line of the official HTS file (about 13,000
/// codes, where the embedded table has 791), priced with `--hts` (its load included), against the
/// floor on the same flows.
fn whole_hts(examples: &Path, floor: &str, bin: &str, rows: u64, runs: usize, hts: &Path, dir: &Path) {
    let flows = dir.join("flows-hts.csv");
    generate(examples, rows, &flows, Some(hts), false);
    let (a, b, ratio) = floor_and_run(floor, bin, &flows, &["--hts", hts.to_str().unwrap()], runs);
    println!(
        "whole HTS (for information): floor {a:.3} s, run --hts {b:.3} s = {ratio:.2} x floor ({rows} rows over every goods line)"
    );
    let _ = std::fs::remove_file(&flows);
}

/// Loading the official HTS file (as `--hts` does), median of 5.
fn hts_load(path: &Path) {
    let mut v = Vec::new();
    let mut lines = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let table = tariffstack::mfn::MfnTable::from_hts_path(path).expect("read the HTS file");
        v.push(t.elapsed().as_secs_f64() * 1e3);
        lines = table.lines().len();
    }
    println!("targets: HTS load < 200 ms: {:.0} ms ({lines} lines, {})", median(v), path.display());
}

/// `Engine::assess` and `Pricer::price` alone, on up to 200,000 flows read beforehand.
fn micro(flows: &Path) {
    use tariffstack::engine::{Engine, Pricer};
    use tariffstack::flow::FlowColumns;
    let mut rdr = csv::Reader::from_path(flows).unwrap();
    let cols = FlowColumns::from_header(rdr.byte_headers().unwrap()).unwrap();
    let parsed: Vec<_> = rdr.byte_records().take(200_000).filter_map(|r| cols.parse(&r.unwrap()).ok()).collect();
    let mfn = Arc::new(tariffstack::mfn::MfnTable::embedded());
    let engine = Engine::new(Arc::new(tariffstack::scenario::load_scenario("historical").unwrap()), mfn);
    let per_flow = |f: &mut dyn FnMut()| {
        let mut v = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            f();
            v.push(t.elapsed().as_secs_f64() * 1e9 / parsed.len() as f64);
        }
        median(v)
    };
    let assess = per_flow(&mut || {
        for fl in &parsed {
            std::hint::black_box(engine.assess(fl).ok().map(|a| a.total_duty));
        }
    });
    let mut pricer = Pricer::new(&engine);
    let price = per_flow(&mut || {
        for fl in &parsed {
            std::hint::black_box(pricer.price(fl).is_ok());
        }
    });
    println!("engine alone ({} flows, historical): assess {assess:.0} ns/flow, price {price:.0} ns/flow", parsed.len());
}
