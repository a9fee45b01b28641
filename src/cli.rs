//! The command line, as close to the flags as possible; no logic here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// US import duties under tariff scenarios, to the cent, with the legal citation of every line.
#[derive(Parser, Debug)]
#[command(
    name = "tariffstack",
    version = concat!(env!("CARGO_PKG_VERSION"), " (bundled law as of ", env!("TARIFFSTACK_LAW_AS_OF"), ")"),
    about,
    long_about = None,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Assess every flow under one scenario; write the input rows with the result columns appended.
    Run(RunArgs),
    /// Assess the same flows under one or more scenarios in one pass: totals, breakdowns (`--by`) and
    /// differences from the first. `summary` is the same verb, for one scenario.
    #[command(alias = "summary")]
    Compare(CompareArgs),
    /// Show, for one flow, every measure considered, applied or not and why.
    Explain(Box<ExplainArgs>),
    /// List the bundled scenarios, or print one (`scenarios show NAME`).
    Scenarios(ScenariosArgs),
    /// Validate scenario files without running anything.
    Check(CheckArgs),
    /// Read the official USITC HTS file: look up a line, or check how its rate texts are handled.
    Hts(HtsArgs),
    /// The IEEPA duty owed back on past entries: per line, per entry, per origin and per month.
    Refund(RefundArgs),
    /// A dense rate panel: every HTS line x every origin x every date given, one CSV row each with the
    /// MFN and additional ad valorem rates and the measures that apply.
    Panel(PanelArgs),
}

/// What the input file is and how its fields are separated (`run`, `compare`, `refund`).
#[derive(Args, Debug, Clone)]
pub struct InputFormatArgs {
    /// What the input is: `flows` (a flow file, CSV or a sheet of a workbook), `parquet` (a Parquet
    /// file of flows), `es003` (an ACE ES-003 "Entry Summary Line Tariff Details" report, CSV or
    /// Excel), `census` (Census trade data: the API's JSON or CSV with `I_COMMODITY`, `CTY_CODE` ...),
    /// or `auto`: by the extension (`.parquet`, `.xlsx`), the content (Parquet's magic, JSON's `[`)
    /// and the header (in a workbook, the first sheet with a known header).
    #[arg(long = "input-format", value_enum, default_value = "auto", value_name = "FORMAT")]
    pub input_format: InputFormatArg,
    /// The field delimiter of a CSV input: `,`, `;`, `tab`, `|`, or `auto` (the one that splits the
    /// header line into the flow columns).
    #[arg(long, default_value = "auto", value_name = "DELIM")]
    pub delimiter: String,
    /// Census monthly data: the day of the month each month's flows are entered on (1-31; past the
    /// month's end, its last day). `--as-of` overrides it.
    #[arg(long = "census-day", value_name = "DAY", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=31))]
    pub census_day: u32,
}

/// `--input-format`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormatArg {
    /// By the file's extension and header.
    Auto,
    /// A flow CSV file.
    Flows,
    /// An ACE ES-003 report (CSV, or .xlsx / .xls).
    Es003,
    /// A Parquet file of flows.
    Parquet,
    /// Census trade data (the API's JSON, or CSV with its columns).
    Census,
}

/// Options shared by the commands that read flows.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Flow file (CSV, Parquet, or .xlsx), an ACE ES-003 report (CSV or .xlsx), or Census trade data
    /// (JSON or CSV) (`-` or absent: standard input).
    #[arg(value_name = "FLOWS")]
    pub flows: Option<PathBuf>,
    /// What the input is, and its delimiter.
    #[command(flatten)]
    pub input_format: InputFormatArgs,
    /// Assess every flow as if entered on this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Write rejected rows (file, line, column, value, reason) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// No progress display and no summary on standard error (the reconciliation line stays).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Take MFN rates from this official USITC HTS export (CSV) instead of the embedded table.
    #[arg(long = "hts", alias = "hts-file", value_name = "FILE")]
    pub hts_file: Option<PathBuf>,
}

/// `run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Input.
    #[command(flatten)]
    pub input: InputArgs,
    /// Scenario: a bundled name (`tariffstack scenarios`) or a path to a TOML file.
    #[arg(long, short = 's', value_name = "SCENARIO")]
    pub scenario: String,
    /// Output file (written atomically); default standard output. A name ending in `.parquet` writes
    /// Parquet.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Estimates and ranges.
    #[command(flatten)]
    pub estimate: EstimateArgs,
    /// Add the user fees beside the duties: `mpf_ad_valorem` (the Merchandise Processing Fee on the
    /// line, 0.3464%, before its entry's minimum and maximum) and `hmf` (the Harbor Maintenance Fee,
    /// 0.125% by vessel; needs a `transport_mode` column), and the entries' MPF totals in the summary
    /// (rows grouped by `entry_number`). AD/CVD, excise and state taxes stay out.
    #[arg(long)]
    pub fees: bool,
    /// Output format: the input rows with the result columns appended (`csv`), or one JSON object per
    /// row (`jsonl`: the input columns and the result columns by name, values as text, `measures`,
    /// `citations`, `estimated` and `unknown` as lists, empty cells as null).
    #[arg(long, value_enum, default_value = "csv")]
    pub format: RunFormat,
    /// Write CSV for Excel: a byte-order mark first and CRLF line ends, so that Excel opens it as
    /// UTF-8 with its columns (the input rows' own bytes are kept).
    #[arg(long)]
    pub excel: bool,
}

/// Output formats of `run`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunFormat {
    /// The input CSV with the result columns appended.
    Csv,
    /// JSON Lines: one object per row.
    Jsonl,
    /// Parquet (chosen too by `-o FILE.parquet`): the input columns with their types (text from a
    /// CSV input), money as DECIMAL(18,2), `effective_rate` as DECIMAL(18,6), the rest as text.
    Parquet,
}

/// The two kinds of answer: without these flags, the compliance answer (what CBP charges on what each
/// row declares); with them, estimates under named assumptions and the span of what is unknown.
#[derive(Args, Debug, Clone, Default)]
pub struct EstimateArgs {
    /// Estimate the facts a row lacks from an assumption set: `bea` or `flat50` (metal content),
    /// `usmca-2024` or `usmca-2025` (USMCA claim shares of Canadian and Mexican rows), or a CSV file
    /// (`hts,steel,aluminum,copper` or `hts,CA,MX`). Repeatable; a row's own columns always win.
    #[arg(long = "assume", value_name = "NAME|FILE")]
    pub assume: Vec<String>,
    /// Add each row's span over what it leaves unknown (`total_duty_low`, `total_duty_high`,
    /// `unknown`) and low / central / high totals: metal content, the 10-digit line under a shorter
    /// code, declarations, USMCA claims, US content.
    #[arg(long)]
    pub ranges: bool,
}

/// How to break a comparison down (the library's [`GroupBy`](crate::api::GroupBy)).
pub use crate::api::GroupBy as By;

/// Output formats for reports.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for the terminal.
    Table,
    /// CSV.
    Csv,
    /// JSON.
    Json,
    /// A Markdown table.
    Markdown,
}

/// Output formats of `compare`: the report formats, and a self-contained HTML page with charts.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareFormat {
    /// Aligned text for the terminal.
    Table,
    /// CSV.
    Csv,
    /// JSON.
    Json,
    /// A Markdown table.
    Markdown,
    /// One self-contained HTML page: the tables, charts drawn as inline SVG, and the data of each
    /// chart and table as CSV (breakdowns by origin, chapter and measure whatever `--by` says).
    Html,
}

/// `compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Input.
    #[command(flatten)]
    pub input: InputArgs,
    /// Scenarios (one for a summary; with more, the first is the reference of the differences).
    #[arg(long, short = 's', value_name = "SCENARIO", required = true)]
    pub scenario: Vec<String>,
    /// Break the totals down.
    #[arg(long, value_enum)]
    pub by: Option<By>,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: CompareFormat,
    /// Write one row per flow with each scenario's total and what caused each difference.
    #[arg(long, value_name = "OUT")]
    pub lines: Option<PathBuf>,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Estimates and ranges.
    #[command(flatten)]
    pub estimate: EstimateArgs,
}

/// Formats for `explain`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExplainFormat {
    /// Human-readable text.
    Text,
    /// JSON for tools.
    Json,
}

/// `explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Scenario: a bundled name or a path to a TOML file.
    #[arg(long, short = 's', value_name = "SCENARIO")]
    pub scenario: String,
    /// HTS code (4-10 digits, dots allowed).
    #[arg(long)]
    pub hts: String,
    /// Country of origin (ISO 3166-1 alpha-2).
    #[arg(long)]
    pub origin: String,
    /// Date of entry (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
    /// Customs value, USD.
    #[arg(long)]
    pub value: String,
    /// Quantity, for specific duties.
    #[arg(long)]
    pub quantity: Option<String>,
    /// Unit of the quantity (kg, liters, No., ...).
    #[arg(long)]
    pub unit: Option<String>,
    /// Special program claimed (S, KR, JP, ...).
    #[arg(long)]
    pub spi: Option<String>,
    /// US content value, USD.
    #[arg(long)]
    pub us_content: Option<String>,
    /// Date loaded on the final mode of transport (in-transit clauses).
    #[arg(long)]
    pub loaded: Option<String>,
    /// Override of the column-1 rate (`2.5%`, `4.4¢/kg`).
    #[arg(long)]
    pub mfn_rate: Option<String>,
    /// USD of steel content (the base of Section 232 on steel derivatives)
    #[arg(long)]
    pub steel_content: Option<String>,
    /// USD of aluminum content
    #[arg(long)]
    pub aluminum_content: Option<String>,
    /// USD of copper content
    #[arg(long)]
    pub copper_content: Option<String>,
    /// Chapter 99 headings declared on the line (certifications, claims), `;`-separated
    #[arg(long)]
    pub declared: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExplainFormat,
    /// Take MFN rates from this official USITC HTS export (CSV); `--hts` here is the HTS code.
    #[arg(long = "hts-file", value_name = "FILE")]
    pub hts_file: Option<PathBuf>,
    /// Estimates and ranges (the answer section says which answer the lines are).
    #[command(flatten)]
    pub estimate: EstimateArgs,
}

/// `scenarios`.
#[derive(Args, Debug)]
pub struct ScenariosArgs {
    /// `show`.
    #[command(subcommand)]
    pub action: Option<ScenariosAction>,
}

/// `scenarios show NAME`.
#[derive(Subcommand, Debug)]
pub enum ScenariosAction {
    /// Print a scenario: its files as bundled (or a summary of a checked file with --summary).
    Show {
        /// Bundled name or path.
        name: String,
        /// Print a summary of the checked scenario (measures, windows, rates) instead of the file text.
        #[arg(long)]
        summary: bool,
        /// List the measures in force on this entry date (YYYY-MM-DD) with the rates open that day,
        /// the suspended ones and the exemption headings open that day.
        #[arg(long, value_name = "DATE", conflicts_with = "summary")]
        as_of: Option<String>,
    },
    /// Where a measure or exemption is defined: file and line, title, legal source.
    Where {
        /// Measure or exemption id (e.g. s301_brazil).
        id: String,
        /// Bundled name or path of the scenario to look in.
        #[arg(long, short = 's', default_value = "historical")]
        scenario: String,
    },
}

/// `check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Scenario files (or bundled names).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
}

/// `hts`.
#[derive(Args, Debug)]
pub struct HtsArgs {
    /// `lookup` or `check`.
    #[command(subcommand)]
    pub action: HtsAction,
}

/// `hts lookup CODE`, `hts check FILE`.
#[derive(Subcommand, Debug)]
pub enum HtsAction {
    /// Print an HTS line: its description path, general and special rates, and unit.
    Lookup {
        /// HTS code (4-10 digits, dots allowed).
        code: String,
        /// The official USITC HTS export (CSV); default the embedded table.
        #[arg(long = "hts", alias = "hts-file", value_name = "FILE")]
        hts_file: Option<PathBuf>,
    },
    /// Parse an HTS file and report its coverage: lines, rates priced, rates that need a rule (listed).
    Check {
        /// The official USITC HTS export (CSV).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// List every line carrying a rate that needs a rule (default: the first few of each text).
        #[arg(long)]
        all: bool,
        /// Also time loading the file (read, parse, build the MFN table) over RUNS runs; print the median.
        #[arg(long, value_name = "RUNS", num_args = 0..=1, default_missing_value = "11")]
        time: Option<u32>,
    },
}

/// `refund`.
#[derive(Args, Debug)]
pub struct RefundArgs {
    /// Entry lines: the flow columns, plus optional `entry_number` and `ieepa_paid` (the IEEPA duty
    /// actually deposited); or an ACE ES-003 report (CSV or .xlsx). `-` or absent: standard input.
    #[arg(value_name = "ENTRIES")]
    pub entries: Option<PathBuf>,
    /// What the input is, and its delimiter.
    #[command(flatten)]
    pub input_format: InputFormatArgs,
    /// The scenario under which the IEEPA duty was owed.
    #[arg(long, short = 's', default_value = "historical", value_name = "SCENARIO")]
    pub scenario: String,
    /// The scenario of the legal position without IEEPA.
    #[arg(long, default_value = "no-ieepa", value_name = "SCENARIO")]
    pub baseline: String,
    /// Take MFN rates from this official USITC HTS export (CSV) instead of the embedded table.
    #[arg(long = "hts", alias = "hts-file", value_name = "FILE")]
    pub hts_file: Option<PathBuf>,
    /// Write rejected rows (file, line, column, value, reason) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Write one row per entry line (the input columns, then ieepa_duty, ieepa_deposited,
    /// total_historical, total_no_ieepa, refund, flag).
    #[arg(long, value_name = "OUT")]
    pub lines: Option<PathBuf>,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Add interest on each refund (19 U.S.C. 1505(c)): from the line's `deposit_date` (else its entry
    /// date, a stated assumption) to this date (the liquidation or reliquidation), at the quarterly
    /// overpayment rates, compounded daily. Quarters whose rate was not read are not guessed: the
    /// interest then stops before them and is marked a lower bound.
    #[arg(long, value_name = "DATE")]
    pub interest_to: Option<String>,
    /// With --interest-to: the importer is a corporation (its overpayment rate is 1 point lower).
    #[arg(long, requires = "interest_to")]
    pub corporate: bool,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// No progress display (the reconciliation line stays).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `panel`.
#[derive(Args, Debug)]
pub struct PanelArgs {
    /// Scenario: a bundled name or a path to a TOML file.
    #[arg(long, short = 's', value_name = "SCENARIO")]
    pub scenario: String,
    /// Date of entry (YYYY-MM-DD); repeatable, rows come date by date in the order given.
    #[arg(long, value_name = "DATE", required = true)]
    pub date: Vec<String>,
    /// Country of origin (ISO 3166-1 alpha-2); repeatable. Default: every assigned code.
    #[arg(long, value_name = "XX", conflicts_with = "origins")]
    pub origin: Vec<String>,
    /// `all`: every assigned ISO 3166-1 alpha-2 code (the default).
    #[arg(long, value_name = "all", value_parser = ["all"])]
    pub origins: Option<String>,
    /// Take the lines and MFN rates from this official USITC HTS export (CSV): every 10-digit line.
    /// Default: the embedded MFN table's lines.
    #[arg(long = "hts", alias = "hts-file", value_name = "FILE")]
    pub hts_file: Option<PathBuf>,
    /// Price lines whose MFN rate is specific or compound at this customs value per unit of the
    /// line's unit of quantity (USD, e.g. 2.50 for $2.50/kg); without it they are left out and counted.
    #[arg(long, value_name = "USD")]
    pub unit_value: Option<String>,
    /// Output file (written atomically); default standard output.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// No summary on standard error: only the rows the engine refused and the reconciliation line
    /// (`rows: N = written ...`).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}
