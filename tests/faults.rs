//! Faults around the output: a run killed mid-way, an output path that cannot be written, a full
//! disk. The README's promise: files are written atomically, so a failed or killed run never leaves
//! half a file at the `-o` path; a write failure is exit 2 with the path in a one-line message.
//!
//! A full disk is simulated two ways: `/dev/full` (every write fails with ENOSPC; a device, so the
//! tool writes it directly), and for a regular file a file-size limit of 0 (`ulimit -f 0` with
//! SIGXFSZ ignored, so every write fails with EFBIG, through the temporary-file path).

use crate::util::{Workdir, stderr};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Writes `name` with a header and `rows` rows of Japanese furniture (each assessed: no rejects).
fn write_flows(w: &Workdir, name: &str, rows: usize) {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(w.path(name)).unwrap());
    f.write_all(b"hts,origin,entry_date,customs_value,id\n").unwrap();
    for i in 0..rows {
        writeln!(f, "9403.60.80,JP,2025-05-01,{}.{:02},{i}", 1000 + i % 997, i % 100).unwrap();
    }
    f.flush().unwrap();
}

/// The lines of standard error that start with `error:`.
fn errors(o: &Output) -> Vec<String> {
    stderr(o).lines().filter(|l| l.starts_with("error:")).map(str::to_string).collect()
}

/// Runs the binary under `sh` with a file-size limit of 0 and SIGXFSZ ignored: every write to a
/// regular file fails with EFBIG, like a full disk (pipes are not limited, so stderr still works).
fn run_with_no_file_space(w: &Workdir, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_tariffstack"))
        .args(args)
        .current_dir(w.dir())
        .stdin(Stdio::null())
        .output()
        .expect("sh")
}

/// Asserts a clean fatal error: exit 2, one `error:` line naming `path`, and no file left but `keep`.
fn assert_clean_failure(w: &Workdir, o: &Output, path: &str, keep: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let errors = errors(o);
    assert_eq!(errors.len(), 1, "one-line cause: {err}");
    assert!(errors[0].contains(path), "the message does not name `{path}`: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(files_in(w.dir()), keep, "files left after the failure");
}

// ------------------------------------------------------------------------------------------------
// killed mid-way

/// Starts `run big.csv -o out.csv --rejects rej.csv`, waits until it is writing its temporary
/// output (at most ~200 ms), kills it with SIGKILL, and returns its process id.
fn kill_mid_run(w: &Workdir) -> u32 {
    use std::os::unix::process::ExitStatusExt;
    let mut child = w
        .command(&["run", "big.csv", "-s", "historical", "-o", "out.csv", "--rejects", "rej.csv", "-q"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = Instant::now();
    // Kill once some output has reached a temporary file of this process (or after ~200 ms at the
    // latest, when reading and pricing are surely under way), never after the end.
    loop {
        let writing = files_in(w.dir())
            .iter()
            .any(|f| is_temp_of(f, "out.csv", pid) && std::fs::metadata(w.path(f)).is_ok_and(|m| m.len() > 0));
        if writing || started.elapsed() > Duration::from_millis(200) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed: make the input larger");
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}: the run was not killed mid-way: make the input larger");
    pid
}

/// True for the name of a temporary file of process `pid` for `dest`: `.DEST.tariffstack-PID[-N].tmp`.
fn is_temp_of(name: &str, dest: &str, pid: u32) -> bool {
    name.strip_prefix(&format!(".{dest}.tariffstack-{pid}"))
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .is_some_and(|n| n.is_empty() || n.strip_prefix('-').is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())))
}

#[test]
fn a_run_killed_mid_way_leaves_no_file_at_the_output_path() {
    let w = Workdir::new();
    // 1 million rows (40 MB): a whole run takes seconds, the test a fraction of one.
    write_flows(&w, "big.csv", 1_000_000);

    let pid = kill_mid_run(&w);
    assert!(!w.path("out.csv").exists(), "a killed run left out.csv");
    assert!(!w.path("rej.csv").exists(), "a killed run left rej.csv");
    let left: Vec<String> = files_in(w.dir()).into_iter().filter(|f| f != "big.csv").collect();
    // SIGKILL gives no chance to clean up: the temporary files (dot-files named by the process id,
    // beside the destinations) may stay. Accepted; nothing else may.
    assert!(
        left.iter().all(|f| is_temp_of(f, "out.csv", pid) || is_temp_of(f, "rej.csv", pid)),
        "unexpected files left: {left:?}"
    );
    eprintln!("killed run: files left beside the output: {left:?} (temporary files, accepted)");
    // The next run writing the same outputs removes them (their process is gone).
    let small = "hts,origin,entry_date,customs_value\n9403.60.80,JP,2025-05-01,1000\n";
    w.create("small.csv", small);
    let o = w.run(&["run", "small.csv", "-s", "historical", "-o", "out.csv", "--rejects", "rej.csv"], "");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after: Vec<String> = files_in(w.dir())
        .into_iter()
        .filter(|f| !["big.csv", "small.csv", "out.csv", "rej.csv"].contains(&f.as_str()))
        .collect();
    assert!(after.is_empty(), "stale temporary files not removed: {after:?}");
    std::fs::remove_file(w.path("out.csv")).unwrap();
    let _ = std::fs::remove_file(w.path("rej.csv"));

    // An earlier result at the output path stays as it was.
    w.create("out.csv", "previous result\n");
    kill_mid_run(&w);
    assert_eq!(std::fs::read_to_string(w.path("out.csv")).unwrap(), "previous result\n");
    assert!(!w.path("rej.csv").exists());
}

// ------------------------------------------------------------------------------------------------
// output paths that cannot be written

const FLOWS: &str =
    "hts,origin,entry_date,customs_value\n9403.60.80,JP,2025-05-01,1000\n9403.60.80,XX,2025-05-01,1000\n";

#[test]
fn output_in_a_directory_that_does_not_exist_is_exit_2_naming_the_path() {
    let w = Workdir::new();
    w.create("f.csv", FLOWS);
    let o = w.run(&["run", "f.csv", "-s", "historical", "-o", "no/such/dir/out.csv", "--rejects", "rej.csv"], "");
    assert_clean_failure(&w, &o, "no/such/dir/out.csv", &["f.csv"]);
}

#[test]
fn output_under_a_regular_file_is_exit_2_naming_the_path() {
    // Not a directory (ENOTDIR): unwritable even for root.
    let w = Workdir::new();
    w.create("f.csv", FLOWS);
    let o = w.run(&["run", "f.csv", "-s", "historical", "-o", "f.csv/out.csv", "--rejects", "rej.csv"], "");
    assert_clean_failure(&w, &o, "f.csv/out.csv", &["f.csv"]);
}

#[test]
fn output_at_a_directory_is_exit_2_naming_the_path() {
    let w = Workdir::new();
    w.create("f.csv", FLOWS);
    std::fs::create_dir(w.path("out.csv")).unwrap();
    let o = w.run(&["run", "f.csv", "-s", "historical", "-o", "out.csv", "--rejects", "rej.csv"], "");
    assert_clean_failure(&w, &o, "out.csv", &["f.csv", "out.csv"]);
    assert!(files_in(&w.path("out.csv")).is_empty());
}

#[test]
fn output_in_a_read_only_directory_is_exit_2_naming_the_path() {
    use std::os::unix::fs::PermissionsExt;
    let w = Workdir::new();
    w.create("f.csv", FLOWS);
    std::fs::create_dir(w.path("ro")).unwrap();
    std::fs::set_permissions(w.path("ro"), std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root (CAP_DAC_OVERRIDE) writes into a 0555 directory anyway: then there is nothing to test.
    if std::fs::File::create(w.path("ro/probe")).is_ok() {
        std::fs::remove_file(w.path("ro/probe")).unwrap();
        std::fs::set_permissions(w.path("ro"), std::fs::Permissions::from_mode(0o755)).unwrap();
        eprintln!("SKIPPED output_in_a_read_only_directory: permissions do not stop writes here (running as root)");
        return;
    }
    let o = w.run(&["run", "f.csv", "-s", "historical", "-o", "ro/out.csv", "--rejects", "rej.csv"], "");
    std::fs::set_permissions(w.path("ro"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_clean_failure(&w, &o, "ro/out.csv", &["f.csv", "ro"]);
    assert!(files_in(&w.path("ro")).is_empty());
}

// ------------------------------------------------------------------------------------------------
// a full disk

fn have_dev_full() -> bool {
    let there = Path::new("/dev/full").exists();
    if !there {
        eprintln!("SKIPPED: no /dev/full on this system");
    }
    there
}

#[test]
fn output_to_dev_full_failing_mid_stream_is_exit_2_naming_the_path() {
    // 5000 rows: more output than the buffers hold, so writes fail while rows are still coming.
    if !have_dev_full() {
        return;
    }
    let w = Workdir::new();
    write_flows(&w, "f.csv", 5000);
    let o = w.run(&["run", "f.csv", "-s", "historical", "-o", "/dev/full", "--rejects", "rej.csv"], "");
    assert_clean_failure(&w, &o, "/dev/full", &["f.csv"]);
}

#[test]
fn output_to_dev_full_is_exit_2_naming_the_path() {
    if !have_dev_full() {
        return;
    }
    let w = Workdir::new();
    w.create("f.csv", FLOWS);
    let o = w.run(&["run", "f.csv", "-s", "historical", "-o", "/dev/full", "--rejects", "rej.csv"], "");
    assert_clean_failure(&w, &o, "/dev/full", &["f.csv"]);
}

#[test]
fn a_full_disk_mid_stream_is_exit_2_naming_the_path_and_leaves_no_file() {
    let w = Workdir::new();
    write_flows(&w, "f.csv", 5000);
    let o = run_with_no_file_space(&w, &["run", "f.csv", "-s", "historical", "-o", "out.csv", "--rejects", "rej.csv"]);
    assert_clean_failure(&w, &o, "out.csv", &["f.csv"]);
}

#[test]
fn a_full_disk_at_the_final_flush_is_exit_2_naming_the_path_and_leaves_no_file() {
    let w = Workdir::new();
    w.create("f.csv", FLOWS);
    let o = run_with_no_file_space(&w, &["run", "f.csv", "-s", "historical", "-o", "out.csv"]);
    assert_clean_failure(&w, &o, "out.csv", &["f.csv"]);
}

#[test]
fn compare_with_a_full_disk_leaves_no_temporary_file() {
    let w = Workdir::new();
    w.create("f.csv", FLOWS);
    let o = run_with_no_file_space(&w, &["compare", "f.csv", "-s", "historical", "-s", "status-quo", "-o", "rep.csv"]);
    assert_clean_failure(&w, &o, "rep.csv", &["f.csv"]);
}

/// Reads are bounded: a flow record with no line end for 16 MiB, or a header with none for 1 MiB
/// (an endless device, a binary file), ends the run with its cause instead of filling memory.
#[test]
fn endless_records_and_headers_are_refused_not_read_into_memory() {
    let w = Workdir::new();
    let mut text = String::from("hts,origin,entry_date,customs_value\n9403.60.80,JP,2025-05-01,1000\n");
    text.push_str(&"9".repeat(17 * 1024 * 1024));
    let o = w.run(&["run", "-", "--scenario", "historical"], &text);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("<stdin>:3: a record longer than 16777216 bytes"), "{}", stderr(&o));
    let o = w.run(&["run", "/dev/zero", "--scenario", "historical"], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("/dev/zero:1: no header line end in the first 1048576 bytes"), "{}", stderr(&o));
    assert!(stderr(&o).len() < 500, "the error echoes the header: {} bytes", stderr(&o).len());
}

/// Outputs never destroy inputs: an output that is the input, or another output, however spelled
/// (a symbolic link, standard output redirected to it), is refused before anything is written.
#[test]
fn an_output_that_is_the_input_or_another_output_is_refused_before_writing() {
    let w = Workdir::new();
    write_flows(&w, "in.csv", 3);
    let before = std::fs::read(w.path("in.csv")).unwrap();
    std::os::unix::fs::symlink(w.path("in.csv"), w.path("alias.csv")).unwrap();
    for args in [
        &["run", "in.csv", "-s", "historical", "--rejects", "in.csv"][..],
        &["run", "in.csv", "-s", "historical", "-o", "alias.csv"],
        &["run", "in.csv", "-s", "historical", "-o", "out.csv", "--rejects", "out.csv"],
        &["compare", "in.csv", "-s", "historical", "-s", "no-ieepa", "--lines", "./in.csv"],
        &["refund", "in.csv", "--lines", "l.csv", "--rejects", "l.csv"],
    ] {
        let o = w.run(args, "");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("are the same file"), "{args:?}: {}", stderr(&o));
        assert_eq!(std::fs::read(w.path("in.csv")).unwrap(), before, "{args:?} changed the input");
        assert!(!w.path("out.csv").exists() && !w.path("l.csv").exists(), "{args:?} wrote an output");
    }
    // Standard output appended to the input (`>> in.csv`) would read its own output forever.
    let log = std::fs::OpenOptions::new().append(true).open(w.path("in.csv")).unwrap();
    let o = w.command(&["run", "in.csv", "-s", "historical"]).stdout(log).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read(w.path("in.csv")).unwrap(), before);
    // Several outputs to /dev/null are fine.
    let o = w.run(&["run", "in.csv", "-s", "historical", "-o", "/dev/null", "--rejects", "/dev/null"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A replaced output keeps its permissions.
#[test]
fn a_replaced_output_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let w = Workdir::new();
    write_flows(&w, "in.csv", 3);
    w.create("out.csv", "old\n");
    std::fs::set_permissions(w.path("out.csv"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = w.run(&["run", "in.csv", "-s", "historical", "-o", "out.csv"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mode = std::fs::metadata(w.path("out.csv")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert!(std::fs::read_to_string(w.path("out.csv")).unwrap().starts_with("hts,"));
}

/// SIGTERM and SIGINT end a run mid-way without leaving its temporary file or a partial output.
#[test]
fn an_interrupted_run_removes_its_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    // (number, name): SIGTERM is 15 and SIGINT 2 on every Unix.
    for (signal, name) in [(15, "TERM"), (2, "INT")] {
        let w = Workdir::new();
        // Rows come through a pipe that stays open, so the run is surely mid-way when signalled.
        let mut child = w
            .command(&["run", "-", "-s", "historical", "-o", "out.csv", "-q"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // More than one read's worth (the header is read 64 KB at a time), then the pipe stays open.
        let mut rows = String::from("hts,origin,entry_date,customs_value\n");
        for _ in 0..5000 {
            rows.push_str("9403.60.80,JP,2025-05-01,1000\n");
        }
        stdin.write_all(rows.as_bytes()).unwrap();
        let pid = child.id();
        let started = Instant::now();
        while !files_in(w.dir()).iter().any(|f| is_temp_of(f, "out.csv", pid)) {
            assert!(started.elapsed() < Duration::from_secs(10), "no temporary file appeared");
            std::thread::sleep(Duration::from_millis(5));
        }
        let killed = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        drop(stdin);
        assert_eq!(status.code(), Some(128 + signal), "{name}: {status:?} (signal {:?})", status.signal());
        assert_eq!(files_in(w.dir()), Vec::<String>::new(), "{name} left files");
    }
}

/// Standard output closed (`>&-`), or /dev/null opened read-write as Python's `subprocess.DEVNULL`
/// does, gets a note that the output is discarded (none with `-q`), not a refusal; a broken pipe on `-o /dev/stdout`
/// ends quietly like one on standard output.
#[test]
fn a_closed_standard_output_is_noted_and_a_broken_pipe_is_quiet() {
    let w = Workdir::new();
    write_flows(&w, "in.csv", 200_000);
    let bin = env!("CARGO_BIN_EXE_tariffstack");
    // Closed (`>&-`) or /dev/null opened read-write, as Python's `subprocess.DEVNULL` does (`1<>`):
    // the run goes through, with a note that the output is discarded (none with `-q`, as a
    // notebook's call would give); a shell's `>/dev/null` (write only) needs no note.
    for (redirect, noted) in [(">&-", true), ("1<>/dev/null", true), (">/dev/null", false)] {
        for quiet in ["", " -q"] {
            let o = Command::new("sh")
                .current_dir(w.dir())
                .arg("-c")
                .arg(format!("exec {bin} run in.csv -s historical{quiet} {redirect}"))
                .output()
                .unwrap();
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(0), "{redirect}{quiet}: {err}");
            assert_eq!(
                err.contains("the output is discarded; give -o FILE"),
                noted && quiet.is_empty(),
                "{redirect}{quiet}: {err}"
            );
            assert!(err.contains("rows read: 200000 = assessed 200000"), "{redirect}{quiet}: {err}");
        }
    }
    let o = Command::new("bash")
        .current_dir(w.dir())
        .arg("-c")
        .arg(format!("{bin} run in.csv -s historical -q -o /dev/stdout | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}"))
        .output()
        .unwrap();
    assert_eq!(stdout_text(&o).trim(), "0", "{}", stderr(&o));
    assert!(errors(&o).is_empty(), "{}", stderr(&o));
}

fn stdout_text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
