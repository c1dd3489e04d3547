//! A panic is written to the log file as well as to standard error (its own test binary: the
//! panic hook and the logger are process-wide).

use tracing_subscriber::filter::LevelFilter;

#[test]
fn a_panic_is_written_to_the_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("modterm.log");
    modterm::logging::init(&path, LevelFilter::INFO);
    modterm::logging::log_panics();
    // Installing twice must not log twice.
    modterm::logging::log_panics();
    let caught = std::panic::catch_unwind(|| panic!("the board index went past its end"));
    assert!(caught.is_err());
    let log = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("panic: ") && l.contains("the board index went past its end"))
        .collect();
    assert_eq!(lines.len(), 1, "one line in the log: {log}");
    assert!(lines[0].contains("ERROR"), "{}", lines[0]);
}
