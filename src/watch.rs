//! `modterm watch`: one line per queue change (a topic entered or left the view, and why)
//! until interrupted. Follows the site's live feed and re-reads the view when it reports a
//! change; without a feed it refreshes every `refresh_secs` from config (MODTERM_WATCH_SECS
//! overrides it, for scripts and tests). Each snapshot is diffed against the last one.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::backend::BackendError;
use crate::cli::{collect_topics, CliError};
use crate::connect::Session;
use crate::domain::{LiveCursor, QueueView, TopicId, TopicSummary};
use crate::text::sanitize_line;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct QueueChange {
    pub event: &'static str,
    pub view: String,
    pub topic_id: TopicId,
    pub title: String,
    pub reason: String,
}

/// What changed between two snapshots of a view, with a reason for each topic that left.
pub fn diff(
    view: &QueueView,
    before: &BTreeMap<TopicId, TopicSummary>,
    after: &BTreeMap<TopicId, TopicSummary>,
    gone_reason: impl Fn(TopicId) -> Option<String>,
) -> Vec<QueueChange> {
    let mut out = Vec::new();
    for (id, t) in after {
        if !before.contains_key(id) {
            let reason = if t.posts_count <= 1 {
                "new topic waiting for a first reply".to_string()
            } else if t.awaits_follow_up() {
                "the member wrote again".to_string()
            } else {
                "matches the view now".to_string()
            };
            out.push(QueueChange {
                event: "entered",
                view: view.name().into(),
                topic_id: *id,
                title: t.title.clone(),
                reason,
            });
        }
    }
    for (id, t) in before {
        if !after.contains_key(id) {
            out.push(QueueChange {
                event: "left",
                view: view.name().into(),
                topic_id: *id,
                title: t.title.clone(),
                reason: gone_reason(*id).unwrap_or_else(|| "no longer matches the view".into()),
            });
        }
    }
    out
}

pub async fn run(session: &Session, view: &str, json: bool) -> Result<(), CliError> {
    let view =
        QueueView::parse(view).ok_or_else(|| CliError::Usage(format!("unknown view {view:?}")))?;
    let interval = std::env::var("MODTERM_WATCH_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(session.settings.refresh_secs.max(1)));
    let snapshot = |topics: Vec<TopicSummary>| -> BTreeMap<TopicId, TopicSummary> {
        topics.into_iter().map(|t| (t.id, t)).collect()
    };
    let mut current = snapshot(collect_topics(session, view.clone(), None, 500).await?);
    if !json {
        println!(
            "watching {} ({} topics); Ctrl-C to stop",
            view.name(),
            current.len()
        );
    }
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    // Follow the live feed where the site has one; otherwise refresh every `interval`.
    let mut live = session.settings.live_updates;
    let mut cursor = LiveCursor {
        client_id: format!("modterm-watch-{}", std::process::id()),
        ..LiveCursor::default()
    };
    loop {
        if live {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                result = session.backend.live_poll(&mut cursor, &[]) => match result {
                    Ok(events) if events.is_empty() => continue,
                    Ok(_) => {}
                    Err(e @ (BackendError::Unsupported(_) | BackendError::NotFound(_)
                        | BackendError::Forbidden(_) | BackendError::NotSignedIn(_))) => {
                        eprintln!(
                            "modterm watch: live updates unavailable ({}); refreshing every {}s",
                            sanitize_line(&e.to_string()),
                            interval.as_secs_f64()
                        );
                        live = false;
                        continue;
                    }
                    Err(BackendError::RateLimited { wait, .. }) => {
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    Err(e) => {
                        eprintln!("modterm watch: {}", sanitize_line(&e.to_string()));
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        continue;
                    }
                },
            }
        } else {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                _ = ticker.tick() => {}
            }
        }
        let next = match collect_topics(session, view.clone(), None, 500).await {
            Ok(topics) => snapshot(topics),
            Err(e) => {
                eprintln!("modterm watch: {}", sanitize_line(&e.to_string()));
                continue;
            }
        };
        let mut changes = diff(&view, &current, &next, |_| None);
        // Say why a topic left: look at it once.
        for change in changes.iter_mut().filter(|c| c.event == "left") {
            if let Ok(topic) = session.backend.topic(change.topic_id).await {
                change.reason = if topic.summary.closed {
                    "closed".into()
                } else if topic.summary.has_accepted_answer || topic.accepted_answer.is_some() {
                    "solved".into()
                } else if topic.summary.posts_count > 1 {
                    format!(
                        "answered by {}",
                        topic.summary.last_poster.as_deref().unwrap_or("someone")
                    )
                } else {
                    change.reason.clone()
                };
            }
        }
        for change in &changes {
            if json {
                if let Ok(line) = serde_json::to_string(change) {
                    println!("{line}");
                }
            } else {
                println!(
                    "{} {:>7} #{} {} ({})",
                    chrono::Utc::now().format("%H:%M:%S"),
                    change.event,
                    change.topic_id,
                    sanitize_line(&change.title),
                    sanitize_line(&change.reason)
                );
            }
        }
        current = next;
    }
}
