//! `modterm watch`: one line per queue change (a topic entered or left the view, and why)
//! until interrupted.
//!
//! It reads the view's first page once, then follows the site's live feed: an event names the
//! topics it is about, and one request for those topics tells whether each is in the view now.
//! So a new topic is reported within a poll, however far down an oldest-first view it sorts,
//! and an idle watch costs only its long polls. Without a feed it refreshes the first page
//! every `refresh_secs` (MODTERM_WATCH_SECS overrides it, for scripts and tests).

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;

use crate::backend::governor::in_background;
use crate::backend::BackendError;
use crate::cli::CliError;
use crate::connect::Session;
use crate::domain::{LiveEvent, QueueQuery, QueueView, TopicId, TopicSummary};
use crate::output::Printer;
use crate::text::sanitize_line;

#[derive(Debug, Serialize, PartialEq, Eq, Clone)]
pub struct QueueChange {
    pub event: &'static str,
    pub view: String,
    pub topic_id: TopicId,
    pub title: String,
    pub reason: String,
}

/// Why a topic entered a view.
pub fn entered_reason(t: &TopicSummary) -> String {
    if t.posts_count <= 1 {
        "new topic waiting for a first reply".to_string()
    } else if t.awaits_follow_up() {
        "the member wrote again".to_string()
    } else {
        "matches the view now".to_string()
    }
}

/// Why a topic left a view, from what it is now.
pub fn left_reason(t: &TopicSummary) -> String {
    if t.closed {
        "closed".into()
    } else if t.has_accepted_answer {
        "solved".into()
    } else if t.posts_count > 1 {
        format!(
            "answered by {}",
            t.last_poster.as_deref().unwrap_or("someone")
        )
    } else {
        "no longer matches the view".into()
    }
}

/// What one topic's new state means for the view, given whether it was in it.
pub fn change_for(
    query: &QueueQuery,
    was_in: bool,
    now: Option<&TopicSummary>,
    id: &TopicId,
) -> Option<QueueChange> {
    let view = query.view.name().to_string();
    match (was_in, now) {
        (false, Some(t)) if query.admits(t) => Some(QueueChange {
            event: "entered",
            view,
            topic_id: t.id.clone(),
            title: t.title.clone(),
            reason: entered_reason(t),
        }),
        (true, Some(t)) if !query.admits(t) => Some(QueueChange {
            event: "left",
            view,
            topic_id: t.id.clone(),
            title: t.title.clone(),
            reason: left_reason(t),
        }),
        (true, None) => Some(QueueChange {
            event: "left",
            view,
            topic_id: id.clone(),
            title: String::new(),
            reason: "deleted or no longer visible".into(),
        }),
        _ => None,
    }
}

fn print(p: &mut Printer, change: &QueueChange, json: bool) -> Result<(), CliError> {
    if json {
        p.line(&crate::output::to_json_line(change))?;
    } else {
        p.line(&format!(
            "{} {:>7} #{} {} ({})",
            chrono::Utc::now().format("%H:%M:%S"),
            change.event,
            sanitize_line(change.topic_id.as_str()),
            sanitize_line(&change.title),
            sanitize_line(&change.reason)
        ))?;
    }
    p.flush()?;
    Ok(())
}

/// Watches until Ctrl-C (then `Ok`). The first read must answer within `first_read`.
pub async fn run(
    session: &Session,
    view: QueueView,
    json: bool,
    first_read: Duration,
) -> Result<(), CliError> {
    let interval = std::env::var("MODTERM_WATCH_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(session.settings.refresh_secs.max(1)));
    let query = QueueQuery {
        view,
        ..QueueQuery::default()
    };
    // One listener for the whole watch, from the start: a Ctrl-C that comes while a read is
    // under way is kept for the next wait (a listener made per wait would miss it, and once
    // tokio handles SIGINT nothing else ends the process).
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    let mut p = Printer::default();
    // What the view holds, as far as this watch knows: the first page, then every change.
    let first = tokio::time::timeout(first_read, session.backend.topics(&query))
        .await
        .map_err(|_| CliError::Timeout(first_read))??;
    let mut inside: HashMap<TopicId, bool> =
        first.topics.iter().map(|t| (t.id.clone(), true)).collect();
    if !json {
        p.line(&format!(
            "watching {} ({}{} topics); Ctrl-C to stop",
            query.view.name(),
            first.topics.len(),
            if first.next.is_some() { "+" } else { "" }
        ))?;
    }
    let mut feed = if session.settings.live_updates {
        session
            .backend
            .live_feed(&format!("modterm-watch-{}", std::process::id()))
    } else {
        None
    };
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    loop {
        let ids: Vec<TopicId> = match feed.as_mut() {
            Some(f) => {
                let result = tokio::select! {
                    _ = &mut interrupted => return Ok(()),
                    r = in_background(f.poll(&[])) => r,
                };
                match result {
                    Ok(events) => {
                        let mut ids: Vec<TopicId> = events
                            .into_iter()
                            .filter_map(|e| match e {
                                LiveEvent::TopicListChanged { topic_id, .. } => topic_id,
                                LiveEvent::TopicChanged { topic_id, .. } => Some(topic_id),
                                LiveEvent::Replying { .. } => None,
                            })
                            .collect();
                        ids.sort();
                        ids.dedup();
                        ids
                    }
                    Err(
                        e @ (BackendError::Unsupported(_)
                        | BackendError::NotFound(_)
                        | BackendError::Forbidden(_)
                        | BackendError::NotSignedIn(_)),
                    ) => {
                        eprintln!(
                            "modterm watch: live updates unavailable ({}); refreshing every {}s",
                            sanitize_line(&e.to_string()),
                            interval.as_secs_f64()
                        );
                        feed = None;
                        continue;
                    }
                    Err(BackendError::RateLimited { wait, .. }) => {
                        tokio::time::sleep(wait.max(Duration::from_secs(1))).await;
                        continue;
                    }
                    Err(e) => {
                        eprintln!("modterm watch: {}", sanitize_line(&e.to_string()));
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        continue;
                    }
                }
            }
            None => {
                tokio::select! {
                    _ = &mut interrupted => return Ok(()),
                    _ = ticker.tick() => {}
                }
                // Without a feed: the first page again, one request.
                match in_background(session.backend.topics(&query)).await {
                    Ok(page) => {
                        let now: HashMap<TopicId, TopicSummary> =
                            page.topics.into_iter().map(|t| (t.id.clone(), t)).collect();
                        for (id, t) in &now {
                            if !inside.get(id).copied().unwrap_or(false) {
                                if let Some(c) = change_for(&query, false, Some(t), id) {
                                    print(&mut p, &c, json)?;
                                }
                                inside.insert(id.clone(), true);
                            }
                        }
                    }
                    Err(e) => eprintln!("modterm watch: {}", sanitize_line(&e.to_string())),
                }
                continue;
            }
        };
        if ids.is_empty() {
            continue;
        }
        // One request for every topic the poll named.
        let found = match in_background(session.backend.topics_by_id(&ids)).await {
            Ok(found) => found,
            Err(e) => {
                eprintln!("modterm watch: {}", sanitize_line(&e.to_string()));
                continue;
            }
        };
        for id in &ids {
            let now = found.iter().find(|t| t.id == *id);
            let was_in = inside.get(id).copied().unwrap_or_else(|| {
                // Not seen before: it was in the view before this change if it held then
                // what it fails now only by this change (an unanswered topic's first reply).
                now.is_some_and(|t| {
                    query.view == QueueView::Unanswered && t.posts_count == 2 && !query.admits(t)
                })
            });
            if let Some(change) = change_for(&query, was_in, now, id) {
                print(&mut p, &change, json)?;
            }
            inside.insert(id.clone(), now.is_some_and(|t| query.admits(t)));
        }
    }
}
