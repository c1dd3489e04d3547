//! The profile board under injected latency: every part loads concurrently, so the board is
//! complete in about the longest chain of requests, not the sum of all of them.
//!
//! `cargo bench --bench board` starts a sandbox on 127.0.0.1 with 200 ms added to every
//! request, then loads member_mia's board as admin (every part permitted). Before measuring it
//! counts the requests one board load makes, and prints what they would cost one after another.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use modterm::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use modterm::backend::governor::Limits;
use modterm::backend::Backend;
use modterm::domain::BoardPart;
use modterm::sandbox::{Faults, Sandbox, SandboxOptions};

const LATENCY_MS: u64 = 200;
const KEY: &str = "bench-key";

fn board_under_latency(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            topics: 300,
            seed: 42,
            admin_rate_limit_per_minute: None,
            ..SandboxOptions::new(
                "127.0.0.1:0".parse().expect("addr"),
                dir.path().join("bench.db"),
                KEY.into(),
            )
        }))
        .expect("sandbox");
    let mut options = DiscourseOptions::new(
        sandbox.url(),
        Credentials::ApiKey {
            key: KEY.into(),
            username: "admin".into(),
        },
    );
    // The bench measures latency, not the request budget (the sandbox's limit is off too).
    options.limits = Limits::unlimited();
    let backend: Arc<dyn Backend> = Arc::new(Discourse::new(options).expect("adapter"));

    // Count the requests of one board load: the fault counter goes down once per faulted
    // request, and a 1 ms latency makes every request a faulted one.
    const BUDGET: u64 = 10_000;
    sandbox.faults().set(Faults {
        latency_ms: 1,
        count: Some(BUDGET),
        ..Faults::default()
    });
    let parts = runtime.block_on(modterm::board::load_parts(
        backend.clone(),
        "member_mia",
        &BoardPart::ALL,
    ));
    assert!(
        parts.iter().all(|(_, r)| r.is_ok()),
        "every part loads as admin"
    );
    let requests = BUDGET - sandbox.faults().get().count.unwrap_or(BUDGET);
    println!(
        "board of member_mia: {requests} requests; one after another at {LATENCY_MS} ms each = {:.1} s",
        requests as f64 * LATENCY_MS as f64 / 1000.0
    );

    sandbox.faults().set(Faults {
        latency_ms: LATENCY_MS,
        ..Faults::default()
    });
    let mut group = c.benchmark_group("profile_board");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("member_mia_200ms_latency", |b| {
        b.to_async(&runtime)
            .iter(|| modterm::board::load_parts(backend.clone(), "member_mia", &BoardPart::ALL));
    });
    group.finish();
    runtime.block_on(sandbox.shutdown());
}

criterion_group!(benches, board_under_latency);
criterion_main!(benches);
