//! Start-up as a user meets it: the release binary in a pseudo-terminal at 120x40, timed from
//! spawning the process to its first frame (the tab bar is on screen) and to the queue filled
//! (the first page of the unanswered view drawn), on the embedded demo community (`modterm`
//! with nothing configured, its demo database already seeded) and against a 10k-topic sandbox
//! over HTTP on 127.0.0.1.
//!
//! `cargo bench --bench startup` (the figures are in docs/performance.md).

#[path = "../tests/pty/mod.rs"]
mod pty;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use modterm::sandbox::{Sandbox, SandboxOptions};
use pty::{Console, API_KEY};

/// Waits (bounded) for `marker` in what the program wrote, polling every millisecond.
fn wait_bytes(console: &Console, marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let marker = marker.as_bytes();
    loop {
        let out = console.output_since(0);
        if out.windows(marker.len()).any(|w| w == marker) {
            return;
        }
        assert!(Instant::now() < deadline, "no {marker:?} on screen");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Times `iters` starts of `start`, each until `marker` is on screen.
fn time_starts(iters: u64, start: &dyn Fn() -> Console, marker: &str) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let began = Instant::now();
        let mut console = start();
        wait_bytes(&console, marker);
        total += began.elapsed();
        console.kill();
    }
    total
}

/// The tab bar of the first frame, and the queue's header (drawn once topics are in).
const FIRST_FRAME: &str = "unanswered";
const QUEUE_FILLED: &str = "WAITING";

fn startup(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("startup");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));

    // The embedded demo, seeded by a first run (as after the user's first `cargo run`).
    let demo = tempfile::tempdir().unwrap();
    let embedded = || Console::run(&["--theme", "mono"], demo.path(), 120, 40, &[]);
    let mut first = embedded();
    wait_bytes(&first, QUEUE_FILLED);
    first.kill();
    group.bench_function("demo: first frame", |b| {
        b.iter_custom(|iters| time_starts(iters, &embedded, FIRST_FRAME))
    });
    group.bench_function("demo: queue filled", |b| {
        b.iter_custom(|iters| time_starts(iters, &embedded, QUEUE_FILLED))
    });

    // A 10k-topic site over HTTP, without rate limits (a bench must not wait out a minute).
    let site = tempfile::tempdir().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            topics: 10_000,
            admin_rate_limit_per_minute: None,
            user_key_rate_limit_per_minute: None,
            user_key_daily_limit: None,
            ip_rate_limit_per_minute: None,
            ip_rate_limit_per_10_secs: None,
            ..SandboxOptions::new(
                "127.0.0.1:0".parse().unwrap(),
                site.path().join("sandbox.db"),
                API_KEY.into(),
            )
        }))
        .expect("sandbox starts");
    let url = sandbox.url();
    let remote = || Console::start(&url, "mod_anna", site.path(), 120, 40);
    group.bench_function("10k topics over HTTP: first frame", |b| {
        b.iter_custom(|iters| time_starts(iters, &remote, FIRST_FRAME))
    });
    group.bench_function("10k topics over HTTP: queue filled", |b| {
        b.iter_custom(|iters| time_starts(iters, &remote, QUEUE_FILLED))
    });
    group.finish();
    runtime.block_on(sandbox.shutdown());
}

criterion_group!(benches, startup);
criterion_main!(benches);
