//! The cost of one key in the queue: update + draw into ratatui's `TestBackend` at 200x60, with
//! 10k, 100k and 1M topics in the view, with and without a `/` filter, and a key typed into
//! the filter. The targets (issue "Measured speed") are a `j` under 0.5 ms at 100k and under
//! 1 ms at 1M, with or without a filter, and a filter key under 5 ms at 100k, 40 ms at 1M.
//!
//! `cargo bench --bench frame` (the figures are in docs/performance.md).

#[path = "../tests/harness/mod.rs"]
mod harness;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use harness::{topic_summary, Harness};
use modterm::domain::{PageToken, Role, TopicPage};
use modterm::tui::Msg;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
const WORDS: [&str; 16] = [
    "Router",
    "drops",
    "Wi-Fi",
    "bill",
    "roaming",
    "charge",
    "eSIM",
    "transfer",
    "stuck",
    "fibre",
    "outage",
    "5G",
    "signal",
    "voicemail",
    "porting",
    "refund",
];

/// A view of `n` topics whose titles mix the vocabulary, so a filter for one word keeps about
/// one in six (the category, "Broadband & Wi-Fi", is in every haystack, so not that word).
fn console_with(n: usize) -> Harness {
    let topics = (0..n)
        .map(|i| {
            let w = |k: usize| WORDS[(i / k + k) % WORDS.len()];
            let title = format!("{} {} {} #{i}", w(1), w(3), w(7));
            topic_summary(100 + i as u64, &title, (n - i) as i64, 1)
        })
        .collect();
    let mut h = Harness::with_topics(Role::Moderator, topics, None);
    h.app.resize(WIDTH, HEIGHT);
    h
}

fn draw(terminal: &mut Terminal<TestBackend>, h: &Harness) {
    terminal
        .draw(|frame| modterm::tui::draw(frame, &h.app))
        .expect("draw");
}

fn frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_key");
    group.measurement_time(Duration::from_secs(4));
    group.sample_size(30);
    for n in [10_000usize, 100_000, 1_000_000] {
        let mut h = console_with(n);
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
        draw(&mut terminal, &h);

        // `j` then `k` in turn, so the selection stays near the top as a moderator's does.
        let mut down = true;
        group.bench_function(BenchmarkId::new("j_and_draw", n), |b| {
            b.iter(|| {
                h.key(if down {
                    KeyCode::Char('j')
                } else {
                    KeyCode::Char('k')
                });
                down = !down;
                draw(&mut terminal, &h);
            })
        });

        // The worst filter key: the first one, which looks through every topic of the view
        // ("o" is in most titles, so most are kept), then Esc, which clears it; each drawn.
        group.bench_function(BenchmarkId::new("first_filter_key_and_esc", n), |b| {
            b.iter(|| {
                h.key(KeyCode::Char('/'));
                h.key(KeyCode::Char('o'));
                draw(&mut terminal, &h);
                h.key(KeyCode::Esc);
                draw(&mut terminal, &h);
            })
        });

        // The same with a filter active that keeps about one topic in eight.
        h.key(KeyCode::Char('/'));
        h.chars("roaming");
        h.key(KeyCode::Enter);
        draw(&mut terminal, &h);
        let kept = h.visible_ids().len();
        assert!(kept > 0 && kept < n, "the filter keeps {kept} of {n}");
        group.bench_function(BenchmarkId::new("j_and_draw_filtered", n), |b| {
            b.iter(|| {
                h.key(if down {
                    KeyCode::Char('j')
                } else {
                    KeyCode::Char('k')
                });
                down = !down;
                draw(&mut terminal, &h);
            })
        });

        // Typing into the filter: one character then Backspace, each drawn (two keys).
        h.key(KeyCode::Char('/'));
        draw(&mut terminal, &h);
        group.bench_function(BenchmarkId::new("filter_char_and_backspace", n), |b| {
            b.iter(|| {
                h.key(KeyCode::Char('x'));
                draw(&mut terminal, &h);
                h.key(KeyCode::Backspace);
                draw(&mut terminal, &h);
            })
        });
    }
    group.finish();
}

/// Loading a view page by page, as the console does while a moderator scrolls: `n` topics in
/// pages of 30, each answer through `update` (the network aside). The target is linear growth:
/// 100k topics in well under the 30 s a rate-limit-free network would take.
fn load_pages(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_pages");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for n in [10_000usize, 100_000] {
        let pages: Vec<Vec<_>> = (0..n)
            .map(|i| {
                topic_summary(
                    100 + i as u64,
                    &format!("Router drops #{i}"),
                    (n - i) as i64,
                    1,
                )
            })
            .collect::<Vec<_>>()
            .chunks(30)
            .map(|c| c.to_vec())
            .collect();
        group.bench_function(BenchmarkId::new("pages_of_30", n), |b| {
            b.iter(|| {
                let mut h =
                    Harness::with_topics(Role::Moderator, Vec::new(), Some(PageToken::from(1)));
                for (i, page) in pages.iter().enumerate() {
                    let generation = h.app.views[0].generation;
                    h.app.update(Msg::Topics {
                        view: 0,
                        generation,
                        first_page: false,
                        result: Ok(TopicPage {
                            topics: page.clone(),
                            next: Some(PageToken::from(i as u64 + 2)),
                            per_page: 30,
                        }),
                    });
                }
                assert_eq!(h.app.views[0].len(), n);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, frame, load_pages);
criterion_main!(benches);
