//! The sandbox at 100k topics, over HTTP on 127.0.0.1 (the answers a client waits on): search
//! with the moderators' syntax (target p50 under 20 ms), `/site.json` and `/categories.json`
//! (under 10 ms: the per-category counts are kept on write, not counted per request).
//!
//! `cargo bench --bench sandbox` (seeding 100k topics takes a while first; the figures are in
//! docs/performance.md). `SANDBOX_BENCH_DB=/path/file.db` keeps and reuses the database.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use modterm::sandbox::{Sandbox, SandboxOptions};

const KEY: &str = "bench-key";

fn sandbox(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = std::env::var_os("SANDBOX_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("sandbox.db"));
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            topics: 100_000,
            admin_rate_limit_per_minute: None,
            user_key_rate_limit_per_minute: None,
            user_key_daily_limit: None,
            ip_rate_limit_per_minute: None,
            ip_rate_limit_per_10_secs: None,
            ..SandboxOptions::new("127.0.0.1:0".parse().unwrap(), db, KEY.into())
        }))
        .expect("sandbox starts");
    let url = sandbox.url();
    let http = reqwest::Client::new();
    let get = |path: String| {
        let request = http
            .get(format!("{url}{path}"))
            .header("Api-Key", KEY)
            .header("Api-Username", "mod_anna");
        async move {
            let response = request.send().await.expect("answer");
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            response.bytes().await.expect("body").len()
        }
    };

    let mut group = c.benchmark_group("sandbox_100k");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    for (name, query) in [
        ("words", "router%20drops"),
        ("phrase", "%22keeps%20dropping%22"),
        ("in_title", "router%20in%3Atitle"),
        ("status_unsolved", "invoice%20status%3Aunsolved"),
        ("category", "router%20category%3Abroadband-wi-fi"),
        ("user", "%40mod_anna%20router"),
        ("after_date", "bill%20after%3A2026-01-01"),
        ("order_latest", "router%20order%3Alatest"),
        ("nothing", "zqxjvw"),
    ] {
        group.bench_function(BenchmarkId::new("search", name), |b| {
            b.to_async(&runtime)
                .iter(|| get(format!("/search.json?q={query}")))
        });
    }
    group.bench_function("site.json", |b| {
        b.to_async(&runtime).iter(|| get("/site.json".into()))
    });
    group.bench_function("categories.json", |b| {
        b.to_async(&runtime).iter(|| get("/categories.json".into()))
    });
    group.finish();
    runtime.block_on(sandbox.shutdown());
}

criterion_group!(benches, sandbox);
criterion_main!(benches);
