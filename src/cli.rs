//! The headless commands: the same backend calls as the console, without a screen, for
//! scripts, cron jobs and tests. Each prints a readable table, or JSON with `--json`.

use std::io::Read;
use std::path::PathBuf;

use serde::Serialize;

use crate::audit::AuditLog;
use crate::backend::{BackendError, Result as BackendResult};
use crate::clock::{format_age, Wait};
use crate::connect::{ConnectError, Session};
use crate::domain::*;
use crate::text::sanitize_line;

/// Why a command failed; `main` turns it into a message and an exit code.
#[derive(Debug)]
pub enum CliError {
    Usage(String),
    Backend(BackendError),
    Connect(ConnectError),
    Io(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Backend(e) => e.exit_code() as u8,
            CliError::Connect(ConnectError::Backend(e)) => e.exit_code() as u8,
            CliError::Connect(ConnectError::Usage(_) | ConnectError::Config(_)) => 2,
            CliError::Connect(ConnectError::Sandbox(_)) | CliError::Io(_) => 7,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Io(m) => f.write_str(m),
            CliError::Backend(e) => write!(f, "{}", sanitize_line(&e.to_string())),
            CliError::Connect(e) => write!(f, "{}", sanitize_line(&e.to_string())),
        }
    }
}

impl From<BackendError> for CliError {
    fn from(e: BackendError) -> Self {
        CliError::Backend(e)
    }
}

impl From<ConnectError> for CliError {
    fn from(e: ConnectError) -> Self {
        CliError::Connect(e)
    }
}

/// Where a reply's text comes from.
pub enum TextSource {
    File(PathBuf),
    Stdin,
}

type Result<T> = std::result::Result<T, CliError>;

fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Io(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// A plain text table: columns padded to their widest cell; the last column is not padded.
fn print_table(headers: &[&str], rows: Vec<Vec<String>>) {
    use unicode_width::UnicodeWidthStr;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.width());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            out.push_str(&cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.width()) + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out
    };
    println!("{}", line(headers.iter().map(|h| h.to_string()).collect()));
    for row in rows {
        println!("{}", line(row));
    }
}

fn truncate(s: &str, max: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut width = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if width + w > max.saturating_sub(1) {
            out.push('…');
            return out;
        }
        width += w;
        out.push(c);
    }
    out
}

fn audit(session: &Session, action: &str, target: &str, result: &BackendResult<impl Sized>) {
    let outcome = match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    let log = AuditLog::new(session.paths.audit_log());
    if let Err(e) = log.record(session.site(), &session.username, action, target, &outcome) {
        crate::logging::warn(&format!("audit log write failed: {e}"));
    }
}

pub async fn whoami(session: &Session, json: bool) -> Result<()> {
    let account = session.backend.whoami().await?;
    if json {
        return print_json(&account);
    }
    let caps = account.capabilities;
    let yes = |b: bool| if b { "yes" } else { "no" };
    println!("site:      {}", session.site());
    println!("username:  {}", sanitize_line(&account.username));
    println!("role:      {}", account.role.label());
    println!("trust:     {}", account.trust_level);
    println!("reply:     {}", yes(caps.reply));
    println!("move:      {}", yes(caps.move_posts));
    println!("award:     {}", yes(caps.award_badges));
    println!("accept:    {}", yes(caps.accept_any_solution));
    Ok(())
}

/// Collects topics page by page until `limit` or the end of the list.
pub async fn collect_topics(
    session: &Session,
    view: QueueView,
    category: Option<String>,
    limit: usize,
) -> BackendResult<Vec<TopicSummary>> {
    let mut query = QueueQuery {
        view,
        category,
        ..QueueQuery::default()
    };
    let mut topics = Vec::new();
    // Bounded: at most 1000 pages, whatever the server says.
    for _ in 0..1000 {
        let page = session.backend.topics(&query).await?;
        topics.extend(page.topics);
        match page.next_page {
            Some(next) if topics.len() < limit && next > query.page => query.page = next,
            _ => break,
        }
    }
    topics.truncate(limit);
    Ok(topics)
}

pub async fn queue(
    session: &Session,
    view: &str,
    category: Option<String>,
    limit: usize,
    json: bool,
) -> Result<()> {
    let view = QueueView::parse(view).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown view {view:?}: use unanswered, unsolved, latest or needs-reply"
        ))
    })?;
    let topics = collect_topics(session, view, category, limit).await?;
    if json {
        return print_json(&topics);
    }
    let categories = session.backend.categories().await.unwrap_or_default();
    let now = chrono::Utc::now();
    let rows = topics
        .iter()
        .map(|t| {
            let wait = Wait::of(t)
                .map(|w| format_age(now - w.since))
                .unwrap_or_else(|| "-".into());
            let category = t
                .category_id
                .and_then(|id| categories.iter().find(|c| c.id == id))
                .map(|c| sanitize_line(&c.name))
                .unwrap_or_default();
            vec![
                t.id.to_string(),
                wait,
                truncate(&category, 18),
                truncate(&sanitize_line(&t.title), 60),
                sanitize_line(t.author.as_deref().unwrap_or("")),
                t.posts_count.saturating_sub(1).to_string(),
                if t.has_accepted_answer { "✔" } else { "" }.into(),
            ]
        })
        .collect();
    print_table(
        &[
            "ID", "WAITING", "CATEGORY", "TITLE", "AUTHOR", "REPLIES", "SOLVED",
        ],
        rows,
    );
    Ok(())
}

pub async fn thread(session: &Session, topic_id: TopicId, json: bool) -> Result<()> {
    let topic = session.backend.topic(topic_id).await?;
    if json {
        return print_json(&topic);
    }
    println!(
        "#{} {}  ({} posts)",
        topic.summary.id,
        sanitize_line(&topic.summary.title),
        topic.posts.len()
    );
    println!("{}", topic.url);
    let styles = crate::text::PostStyles::plain();
    for post in &topic.posts {
        println!();
        let solved = if post.accepted_answer {
            "  ✔ solution"
        } else {
            ""
        };
        println!(
            "── #{} {} ({}) {} ♥{}{}  [post id {}]",
            post.post_number,
            sanitize_line(&post.author.username),
            post.author.role.label(),
            post.created_at.format("%Y-%m-%d %H:%M"),
            post.like_count,
            solved,
            post.id
        );
        let rendered = crate::text::render_html(&post.cooked, 100, &styles);
        for line in rendered.lines {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            println!("{text}");
        }
        for (i, link) in rendered.links.iter().enumerate() {
            println!("  [{}] {link}", i + 1);
        }
    }
    Ok(())
}

pub async fn reply(
    session: &Session,
    topic_id: TopicId,
    to: Option<u32>,
    source: TextSource,
    json: bool,
) -> Result<()> {
    let raw = match source {
        TextSource::File(path) => std::fs::read_to_string(&path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?,
        TextSource::Stdin => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
            text
        }
    };
    let reply = NewReply {
        topic_id,
        reply_to_post_number: to,
        raw,
    };
    let result = session.backend.reply(&reply).await;
    audit(session, "reply", &format!("topic {topic_id}"), &result);
    let post = result?;
    if json {
        return print_json(&post);
    }
    println!(
        "posted #{} (post id {}) in topic {}",
        post.post_number, post.id, post.topic_id
    );
    Ok(())
}

pub async fn solve(session: &Session, post_id: PostId, undo: bool, json: bool) -> Result<()> {
    let (action, result) = if undo {
        (
            "unaccept_solution",
            session.backend.unaccept_solution(post_id).await,
        )
    } else {
        (
            "accept_solution",
            session.backend.accept_solution(post_id).await,
        )
    };
    audit(session, action, &format!("post {post_id}"), &result);
    result?;
    if json {
        return print_json(&serde_json::json!({"post_id": post_id, "accepted": !undo}));
    }
    if undo {
        println!("post {post_id} is no longer the accepted solution");
    } else {
        println!("post {post_id} is now the accepted solution");
    }
    Ok(())
}

async fn category_id(session: &Session, slug: &str) -> Result<CategoryId> {
    let categories = session.backend.categories().await?;
    categories
        .iter()
        .find(|c| c.slug == slug || c.id.to_string() == slug || c.name.eq_ignore_ascii_case(slug))
        .map(|c| c.id)
        .ok_or_else(|| {
            let known: Vec<&str> = categories.iter().map(|c| c.slug.as_str()).collect();
            CliError::Backend(BackendError::NotFound(format!(
                "no category {slug:?}; known: {}",
                known.join(", ")
            )))
        })
}

pub async fn move_posts(
    session: &Session,
    topic_id: TopicId,
    posts: &[PostId],
    to_topic: Option<TopicId>,
    new_title: Option<String>,
    category: Option<String>,
    json: bool,
) -> Result<()> {
    let destination = match (to_topic, new_title) {
        (Some(id), _) => MoveDestination::ExistingTopic(id),
        (None, Some(title)) => {
            let category_id = match category {
                Some(slug) => Some(category_id(session, &slug).await?),
                None => None,
            };
            MoveDestination::NewTopic { title, category_id }
        }
        (None, None) => {
            return Err(CliError::Usage(
                "move-posts needs --to-topic ID or --new-title TITLE".into(),
            ))
        }
    };
    let result = session
        .backend
        .move_posts(topic_id, posts, &destination)
        .await;
    let ids: Vec<String> = posts.iter().map(|p| p.to_string()).collect();
    audit(
        session,
        "move_posts",
        &format!("topic {topic_id} posts {}", ids.join(",")),
        &result,
    );
    let moved = result?;
    if json {
        return print_json(&moved);
    }
    println!("moved {} post(s) to {}", posts.len(), moved.url);
    Ok(())
}

pub async fn move_topic(
    session: &Session,
    topic_id: TopicId,
    category: &str,
    json: bool,
) -> Result<()> {
    let category_id = category_id(session, category).await?;
    let result = session.backend.move_topic(topic_id, category_id).await;
    audit(
        session,
        "move_topic",
        &format!("topic {topic_id} to {category}"),
        &result,
    );
    result?;
    if json {
        return print_json(&serde_json::json!({"topic_id": topic_id, "category_id": category_id}));
    }
    println!("moved topic {topic_id} to {category}");
    Ok(())
}

pub async fn badges(session: &Session, json: bool) -> Result<()> {
    let badges = session.backend.badges().await?;
    if json {
        return print_json(&badges);
    }
    let rows = badges
        .iter()
        .map(|b| {
            vec![
                b.id.to_string(),
                sanitize_line(&b.name),
                format!("{:?}", b.badge_type).to_lowercase(),
                if b.manually_grantable { "yes" } else { "no" }.into(),
                b.grant_count.to_string(),
                truncate(&sanitize_line(&b.description), 60),
            ]
        })
        .collect();
    print_table(
        &["ID", "NAME", "TYPE", "GRANTABLE", "GRANTED", "DESCRIPTION"],
        rows,
    );
    Ok(())
}

pub async fn award(
    session: &Session,
    username: &str,
    badge: &str,
    reason: Option<String>,
    json: bool,
) -> Result<()> {
    let badges = session.backend.badges().await?;
    let found = badges
        .iter()
        .find(|b| b.id.to_string() == badge || b.name.eq_ignore_ascii_case(badge))
        .ok_or_else(|| CliError::Backend(BackendError::NotFound(format!("no badge {badge:?}"))))?;
    let award = BadgeAward {
        username: username.to_string(),
        badge_id: found.id,
        reason,
    };
    let result = session.backend.award_badge(&award).await;
    audit(
        session,
        "award_badge",
        &format!("{username} badge {}", found.name),
        &result,
    );
    let granted = result?;
    if json {
        return print_json(&granted);
    }
    println!(
        "awarded {} to {}",
        sanitize_line(&granted.badge.name),
        sanitize_line(username)
    );
    Ok(())
}

/// One part of the board as printed with `--json`: the data, or why it is missing.
#[derive(Serialize)]
struct PartOutcome {
    part: BoardPart,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<BoardData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
}

pub async fn profile(session: &Session, username: &str, json: bool) -> Result<()> {
    let board = crate::board::load_all(session.backend.clone(), username).await;
    if let Some((_, Err(e))) = board
        .iter()
        .find(|(part, r)| *part == BoardPart::Identity && r.is_err())
    {
        return Err(CliError::Backend(e.clone()));
    }
    if json {
        let parts: Vec<PartOutcome> = board
            .into_iter()
            .map(|(part, result)| match result {
                Ok(data) => PartOutcome {
                    part,
                    data: Some(data),
                    error: None,
                    state: Some("loaded"),
                },
                Err(e) => PartOutcome {
                    part,
                    data: None,
                    state: Some(match e {
                        BackendError::Forbidden(_) | BackendError::NotSignedIn(_) => {
                            "not_permitted"
                        }
                        _ => "failed",
                    }),
                    error: Some(e.to_string()),
                },
            })
            .collect();
        return print_json(&serde_json::json!({"username": username, "parts": parts}));
    }
    let mut board_view = crate::board::Board::new(username);
    for (part, result) in board {
        board_view.apply(part, result);
    }
    for line in board_view.plain_text(chrono::Utc::now()) {
        println!("{line}");
    }
    Ok(())
}

pub fn log(last: Option<usize>, json: bool) -> Result<()> {
    let paths = crate::config::Paths::resolve().map_err(|e| CliError::Usage(e.to_string()))?;
    let entries = AuditLog::new(paths.audit_log())
        .entries()
        .map_err(|e| CliError::Io(format!("cannot read the audit log: {e}")))?;
    let skip = last.map_or(0, |n| entries.len().saturating_sub(n));
    let entries = &entries[skip..];
    if json {
        return print_json(&entries);
    }
    let rows = entries
        .iter()
        .map(|e| {
            vec![
                e.time.clone(),
                e.account.clone(),
                e.action.clone(),
                e.target.clone(),
                e.result.clone(),
                e.site.clone(),
            ]
        })
        .collect();
    print_table(
        &["TIME", "ACCOUNT", "ACTION", "TARGET", "RESULT", "SITE"],
        rows,
    );
    Ok(())
}

pub async fn watch(session: &Session, view: &str, json: bool) -> Result<()> {
    crate::watch::run(session, view, json).await
}

#[allow(clippy::too_many_arguments)]
pub async fn sandbox_serve(
    addr: std::net::SocketAddr,
    db: Option<PathBuf>,
    api_key: String,
    topics: usize,
    seed: u64,
    rate_limit: u32,
    activity: f64,
) -> Result<()> {
    let db_path = match db {
        Some(path) => path,
        None => crate::config::Paths::resolve()
            .map_err(|e| CliError::Usage(e.to_string()))?
            .sandbox_db(),
    };
    if let Some(dir) = db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let options = crate::sandbox::SandboxOptions {
        addr,
        db_path,
        api_key,
        topics,
        seed,
        admin_rate_limit_per_minute: (rate_limit > 0).then_some(rate_limit),
    };
    crate::sandbox::run_cli_with_activity(options, activity)
        .await
        .map_err(|e| CliError::Io(e.to_string()))
}
