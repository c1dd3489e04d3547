//! The headless commands: the same backend calls as the console, without a screen, for
//! scripts, cron jobs and tests. Each prints a readable table, or JSON with `--json`.
//! Writes go through the same [`Write`]s as the console's flows, so `--dry-run` prints exactly
//! what the console's confirmation would say, and sends nothing.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::actions::move_posts::MovePosts;
use crate::actions::move_topic::MoveTopic;
use crate::actions::reply::SendReply;
use crate::actions::solution::SetSolution;
use crate::actions::write::Write;
use crate::audit::AuditLog;
use crate::backend::{BackendError, Result as BackendResult, SearchQuery};
use crate::clock::{format_age, Wait};
use crate::connect::{ConnectError, Session};
use crate::domain::*;
use crate::output::{Closed, Printer};
use crate::text::sanitize_line;

/// Why a command failed; `main` turns it into a message and an exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{}", sanitize_line(&.0.to_string()))]
    Backend(BackendError),
    #[error("{}", sanitize_line(&.0.to_string()))]
    Connect(ConnectError),
    #[error("{0}")]
    Io(String),
    /// The command's deadline passed.
    #[error("no answer within {} s (the deadline; --timeout SECS changes it)", .0.as_secs())]
    Timeout(Duration),
    /// Standard output was closed by its reader: end quietly.
    #[error("standard output closed")]
    Closed,
    /// The command has printed what failed (`doctor`): exit with this status, say nothing more.
    #[error("exit status {0}")]
    Reported(u8),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Backend(e) => e.exit_code() as u8,
            CliError::Connect(ConnectError::Backend(e)) => e.exit_code() as u8,
            CliError::Connect(ConnectError::Usage(_) | ConnectError::Config(_)) => 2,
            CliError::Connect(ConnectError::Sandbox(_)) | CliError::Io(_) => 7,
            CliError::Timeout(_) => 7,
            CliError::Closed => 0,
            CliError::Reported(code) => *code,
        }
    }

    /// A short machine-readable name of the case, for `--json` errors.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Backend(e) | CliError::Connect(ConnectError::Backend(e)) => e.kind(),
            CliError::Connect(ConnectError::Usage(_)) => "usage",
            CliError::Connect(ConnectError::Config(_)) => "config",
            CliError::Connect(ConnectError::Sandbox(_)) => "sandbox",
            CliError::Io(_) => "io",
            CliError::Timeout(_) => "timeout",
            CliError::Closed => "closed",
            CliError::Reported(_) => "reported",
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

impl From<Closed> for CliError {
    fn from(_: Closed) -> Self {
        CliError::Closed
    }
}

/// Where a reply's text comes from.
pub enum TextSource {
    File(PathBuf),
    Stdin,
}

type Result<T> = std::result::Result<T, CliError>;

/// How a command prints.
#[derive(Debug, Clone, Copy, Default)]
pub struct Out {
    pub json: bool,
    /// For writes: print what would be sent, send nothing.
    pub dry_run: bool,
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

/// Warnings of the session (a key file others can read...), on stderr, once.
pub fn print_warnings(session: &Session) {
    for w in &session.warnings {
        eprintln!("modterm: warning: {}", sanitize_line(w));
    }
}

/// Sends a write (or, with `--dry-run`, says what would be sent), records it in the audit log,
/// and prints the server's answer.
pub async fn perform<W: Write>(session: &Session, write: W, out: Out) -> Result<()> {
    let mut p = Printer::default();
    if out.dry_run {
        let preview = write.preview();
        if out.json {
            p.json(&serde_json::json!({
                "dry_run": true,
                "kind": write.kind(),
                "target": write.target(),
                "would_send": &write,
                "preview": preview,
            }))?;
        } else {
            p.line(&format!("{} (dry run: nothing sent)", preview.title))?;
            for line in &preview.lines {
                p.line(&format!("  {line}"))?;
            }
        }
        return Ok(());
    }
    let result = write.send(&*session.backend).await;
    audit(session, write.kind(), &write.target(), &result);
    let answer = result?;
    if out.json {
        p.json(&answer)?;
    } else {
        p.line(&write.done(&answer))?;
    }
    Ok(())
}

/// Records a write; an audit log that cannot be written is said on stderr, never silently.
fn audit(session: &Session, action: &str, target: &str, result: &BackendResult<impl Sized>) {
    let outcome = match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    let log = AuditLog::new(session.paths.audit_log());
    if let Err(e) = log.record(session.site(), &session.username, action, target, &outcome) {
        tracing::warn!("audit log write failed: {e}");
        eprintln!(
            "modterm: warning: the audit log {} could not record this action: {e}",
            log.path().display()
        );
    }
}

pub async fn whoami(session: &Session, out: Out) -> Result<()> {
    let account = session.backend.whoami().await?;
    let mut p = Printer::default();
    if out.json {
        return Ok(p.json(&account)?);
    }
    let caps = account.capabilities;
    let yes = |b: bool| if b { "yes" } else { "no" };
    p.line(&format!("site:      {}", sanitize_line(session.site())))?;
    p.line(&format!("username:  {}", sanitize_line(&account.username)))?;
    p.line(&format!("role:      {}", account.role.label()))?;
    if let Some(rank) = &account.rank {
        p.line(&format!("rank:      {}", sanitize_line(rank)))?;
    }
    p.line(&format!("reply:     {}", yes(caps.reply)))?;
    p.line(&format!("move:      {}", yes(caps.move_posts)))?;
    p.line(&format!("award:     {}", yes(caps.award_badges)))?;
    p.line(&format!("accept:    {}", yes(caps.accept_any_solution)))?;
    Ok(())
}

/// Collects topics page by page until `limit` or the end of the list. Paging stops when a page
/// brings nothing new (a server whose paging loops cannot make it ask forever).
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
    let mut topics: Vec<TopicSummary> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Bounded: at most 10 000 pages, whatever the server says.
    for _ in 0..10_000 {
        let page = session.backend.topics(&query).await?;
        let before = topics.len();
        topics.extend(
            page.topics
                .into_iter()
                .filter(|t| seen.insert(t.id.clone())),
        );
        let progressed = topics.len() > before;
        match page.next {
            Some(next) if topics.len() < limit && progressed => query.page = Some(next),
            _ => break,
        }
    }
    topics.truncate(limit);
    Ok(topics)
}

pub async fn queue(
    session: &Session,
    view: QueueView,
    category: Option<String>,
    limit: usize,
    out: Out,
) -> Result<()> {
    let topics = collect_topics(session, view, category, limit).await?;
    let mut p = Printer::default();
    if out.json {
        return Ok(p.json(&topics)?);
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
                .as_ref()
                .and_then(|id| categories.iter().find(|c| c.id == *id))
                .map(|c| sanitize_line(&c.name))
                .unwrap_or_default();
            vec![
                sanitize_line(t.id.as_str()),
                wait,
                truncate(&category, 18),
                truncate(&sanitize_line(&t.title), 60),
                sanitize_line(t.author.as_deref().unwrap_or("")),
                t.posts_count.saturating_sub(1).to_string(),
                if t.has_accepted_answer { "✔" } else { "" }.into(),
            ]
        })
        .collect();
    p.table(
        &[
            "ID", "WAITING", "CATEGORY", "TITLE", "AUTHOR", "REPLIES", "SOLVED",
        ],
        rows,
    )?;
    Ok(())
}

pub async fn search(session: &Session, words: &str, page: u32, out: Out) -> Result<()> {
    let results = session
        .backend
        .search(&SearchQuery {
            text: words.to_string(),
            view: None,
            category: None,
            page: page.max(1),
        })
        .await?;
    let mut p = Printer::default();
    if out.json {
        return Ok(p.json(&results)?);
    }
    let rows = results
        .topics
        .iter()
        .map(|t| {
            let excerpt = results
                .excerpts
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, e)| crate::text::render_plain(e))
                .unwrap_or_default();
            vec![
                sanitize_line(t.id.as_str()),
                truncate(&sanitize_line(&t.title), 50),
                sanitize_line(t.author.as_deref().unwrap_or("")),
                t.posts_count.saturating_sub(1).to_string(),
                truncate(&sanitize_line(&excerpt), 60),
            ]
        })
        .collect();
    p.table(&["ID", "TITLE", "AUTHOR", "REPLIES", "EXCERPT"], rows)?;
    if results.more {
        p.line(&format!("(more: --page {})", page.max(1) + 1))?;
    }
    Ok(())
}

pub async fn thread(session: &Session, topic_id: &TopicId, out: Out) -> Result<()> {
    let topic = session.backend.topic(topic_id).await?;
    let mut p = Printer::default();
    if out.json {
        return Ok(p.json(&topic)?);
    }
    p.line(&format!(
        "#{} {}  ({} posts)",
        sanitize_line(topic.summary.id.as_str()),
        sanitize_line(&topic.summary.title),
        topic.posts.len()
    ))?;
    p.line(&sanitize_line(&topic.url))?;
    let styles = crate::text::PostStyles::plain();
    let site = session.backend.site();
    for post in &topic.posts {
        p.line("")?;
        let solved = if post.accepted_answer {
            "  ✔ solution"
        } else {
            ""
        };
        p.line(&format!(
            "── #{} {} ({}) {} ♥{}{}  [post id {}]",
            post.post_number,
            sanitize_line(&post.author.username),
            post.author.role.label(),
            post.created_at.format("%Y-%m-%d %H:%M"),
            post.like_count,
            solved,
            sanitize_line(post.id.as_str())
        ))?;
        let (html, cut) = if post.body_html.len() > crate::tui::MAX_RENDERED_BYTES {
            let mut end = crate::tui::MAX_RENDERED_BYTES;
            while !post.body_html.is_char_boundary(end) {
                end -= 1;
            }
            (&post.body_html[..end], true)
        } else {
            (post.body_html.as_str(), false)
        };
        let rendered = crate::text::render_html(html, 100, &styles);
        for line in rendered.lines {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            p.line(&text)?;
        }
        if cut {
            p.line(&format!(
                "… post truncated: {} KB; read it on the site",
                post.body_html.len() / 1024
            ))?;
        }
        for (i, link) in rendered
            .links
            .iter()
            .filter_map(|l| site.resolve_link(l))
            .enumerate()
        {
            p.line(&format!("  [{}] {}", i + 1, sanitize_line(&link)))?;
        }
    }
    Ok(())
}

/// Reads a reply's text (bounded: a reply is never megabytes).
pub fn read_text(source: TextSource) -> Result<String> {
    const MAX: u64 = 1024 * 1024;
    let mut text = String::new();
    match source {
        TextSource::File(path) => {
            let file = std::fs::File::open(&path)
                .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
            file.take(MAX)
                .read_to_string(&mut text)
                .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
        }
        TextSource::Stdin => {
            std::io::stdin()
                .take(MAX)
                .read_to_string(&mut text)
                .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
        }
    }
    Ok(text)
}

pub async fn reply(
    session: &Session,
    topic_id: TopicId,
    to: Option<u32>,
    source: TextSource,
    out: Out,
) -> Result<()> {
    let raw = read_text(source)?;
    let write = SendReply {
        topic_id,
        reply_to_post_number: to,
        raw,
        topic_title: String::new(),
    };
    perform(session, write, out).await
}

pub async fn solve(session: &Session, post_id: PostId, undo: bool, out: Out) -> Result<()> {
    let write = SetSolution {
        topic_id: TopicId::default(),
        post_id,
        accept: !undo,
        post_number: 0,
        author: String::new(),
        topic_title: String::new(),
        previous: None,
    };
    perform(session, write, out).await
}

async fn find_category(session: &Session, slug: &str) -> Result<Category> {
    let categories = session.backend.categories().await?;
    categories
        .iter()
        .find(|c| c.slug == slug || c.id.as_str() == slug || c.name.eq_ignore_ascii_case(slug))
        .cloned()
        .ok_or_else(|| {
            let known: Vec<String> = categories.iter().map(|c| sanitize_line(&c.slug)).collect();
            CliError::Backend(BackendError::NotFound(format!(
                "no category {slug:?}; known: {}",
                known.join(", ")
            )))
        })
}

#[allow(clippy::too_many_arguments)]
pub async fn move_posts(
    session: &Session,
    topic_id: TopicId,
    posts: Vec<PostId>,
    to_topic: Option<TopicId>,
    new_title: Option<String>,
    category: Option<String>,
    out: Out,
) -> Result<()> {
    let (to, destination) = match (to_topic, new_title) {
        (Some(id), _) => (MoveDestination::ExistingTopic(id), String::new()),
        (None, Some(title)) => {
            let category = match category {
                Some(slug) => Some(find_category(session, &slug).await?),
                None => None,
            };
            let name = category
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default();
            (
                MoveDestination::NewTopic {
                    title,
                    category_id: category.map(|c| c.id),
                },
                name,
            )
        }
        (None, None) => {
            return Err(CliError::Usage(
                "move-posts needs --to-topic ID or --new-title TITLE".into(),
            ))
        }
    };
    let write = MovePosts {
        topic_id,
        posts,
        to,
        post_numbers: Vec::new(),
        topic_title: String::new(),
        destination,
    };
    perform(session, write, out).await
}

pub async fn move_topic(
    session: &Session,
    topic_id: TopicId,
    category: &str,
    out: Out,
) -> Result<()> {
    let category = find_category(session, category).await?;
    let write = MoveTopic {
        topic_id,
        category_id: category.id,
        topic_title: String::new(),
        category_name: category.name,
        from: None,
    };
    perform(session, write, out).await
}

pub async fn badges(session: &Session, out: Out) -> Result<()> {
    let badges = session.backend.badges().await?;
    let mut p = Printer::default();
    if out.json {
        return Ok(p.json(&badges)?);
    }
    let rows = badges
        .iter()
        .map(|b| {
            vec![
                sanitize_line(b.id.as_str()),
                sanitize_line(&b.name),
                format!("{:?}", b.badge_type).to_lowercase(),
                if b.manually_grantable { "yes" } else { "no" }.into(),
                b.grant_count.to_string(),
                truncate(&sanitize_line(&b.description), 60),
            ]
        })
        .collect();
    p.table(
        &["ID", "NAME", "TYPE", "GRANTABLE", "GRANTED", "DESCRIPTION"],
        rows,
    )?;
    Ok(())
}

pub async fn award(
    session: &Session,
    username: &str,
    badge: &str,
    reason: Option<String>,
    out: Out,
) -> Result<()> {
    let badges = session.backend.badges().await?;
    let found = badges
        .iter()
        .find(|b| b.id.as_str() == badge || b.name.eq_ignore_ascii_case(badge))
        .cloned()
        .ok_or_else(|| CliError::Backend(BackendError::NotFound(format!("no badge {badge:?}"))))?;
    let write = crate::actions::award::AwardBadge {
        award: BadgeAward {
            username: username.to_string(),
            badge_id: found.id.clone(),
            reason,
        },
        badge: Some(found),
        held_since: None,
    };
    perform(session, write, out).await
}

/// One part of the board as printed with `--json`: the data, or why it is missing.
#[derive(Serialize)]
struct PartOutcome {
    part: BoardPart,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<BoardData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    state: &'static str,
}

pub async fn profile(session: &Session, username: &str, out: Out) -> Result<()> {
    let board = crate::board::load_parts(session.backend.clone(), username, &BoardPart::ALL).await;
    if let Some((_, Err(e))) = board
        .iter()
        .find(|(part, r)| *part == BoardPart::Identity && r.is_err())
    {
        return Err(CliError::Backend(e.clone()));
    }
    let mut p = Printer::default();
    if out.json {
        let parts: Vec<PartOutcome> = board
            .into_iter()
            .map(|(part, result)| match result {
                Ok(data) => PartOutcome {
                    part,
                    data: Some(data),
                    error: None,
                    state: "loaded",
                },
                Err(e) => PartOutcome {
                    part,
                    data: None,
                    state: match e {
                        BackendError::Forbidden(_) | BackendError::NotSignedIn(_) => {
                            "not_permitted"
                        }
                        BackendError::Unsupported(_) => "unavailable",
                        _ => "failed",
                    },
                    error: Some(e.to_string()),
                },
            })
            .collect();
        return Ok(p.json(&serde_json::json!({"username": username, "parts": parts}))?);
    }
    let mut board_view = crate::board::Board::new(username);
    for (part, result) in board {
        board_view.apply(part, result);
    }
    for line in board_view.plain_text(chrono::Utc::now()) {
        p.line(&line)?;
    }
    Ok(())
}

pub fn log(last: Option<usize>, out: Out) -> Result<()> {
    let paths = crate::config::Paths::resolve().map_err(|e| CliError::Usage(e.to_string()))?;
    let entries = AuditLog::new(paths.audit_log())
        .entries()
        .map_err(|e| CliError::Io(format!("cannot read the audit log: {e}")))?;
    let skip = last.map_or(0, |n| entries.len().saturating_sub(n));
    let entries = &entries[skip..];
    let mut p = Printer::default();
    if out.json {
        return Ok(p.json(&entries)?);
    }
    let rows = entries
        .iter()
        .map(|e| {
            vec![
                sanitize_line(&e.time),
                sanitize_line(&e.account),
                sanitize_line(&e.action),
                sanitize_line(&e.target),
                sanitize_line(&e.result),
                sanitize_line(&e.site),
            ]
        })
        .collect();
    p.table(
        &["TIME", "ACCOUNT", "ACTION", "TARGET", "RESULT", "SITE"],
        rows,
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The review queue, flags and edits.

/// What `modterm review` lists.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    pub kind: Option<ReviewKind>,
    pub status: ReviewStatusFilter,
    /// Category slug, id or name.
    pub category: Option<String>,
    pub priority: Option<ReviewPriority>,
}

/// Items of the review queue page by page until `limit` or the end. Paging stops when a page
/// brings nothing new (a server whose paging loops cannot make it ask forever).
pub async fn collect_reviewables(
    session: &Session,
    mut query: ReviewQuery,
    limit: usize,
) -> BackendResult<Vec<Reviewable>> {
    let mut items: Vec<Reviewable> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10_000 {
        let page = session.backend.review_queue(&query).await?;
        let before = items.len();
        items.extend(page.items.into_iter().filter(|r| seen.insert(r.id.clone())));
        let progressed = items.len() > before;
        match page.next {
            Some(next) if items.len() < limit && progressed => query.page = Some(next),
            _ => break,
        }
    }
    items.truncate(limit);
    Ok(items)
}

pub async fn review(session: &Session, filter: ReviewFilter, limit: usize, out: Out) -> Result<()> {
    let category = match filter.category.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => Some(find_category(session, c.trim()).await?.id),
        None => None,
    };
    let query = ReviewQuery {
        kind: filter.kind,
        status: filter.status,
        category,
        priority: filter.priority,
        page: None,
    };
    let items = collect_reviewables(session, query, limit).await?;
    let mut p = Printer::default();
    if out.json {
        return Ok(p.json(&items)?);
    }
    let rows = items
        .iter()
        .map(|r| {
            let about = r
                .topic_title
                .as_deref()
                .map(sanitize_line)
                .or_else(|| r.post_id.as_ref().map(|id| format!("post {id}")))
                .unwrap_or_default();
            let actions: Vec<String> = r.actions.iter().map(|a| sanitize_line(&a.id)).collect();
            vec![
                sanitize_line(r.id.as_str()),
                sanitize_line(r.kind.label()),
                r.status.label().to_string(),
                format!("{:.1}", r.score),
                truncate(&crate::actions::review::reasons(r), 32),
                sanitize_line(
                    r.target_author
                        .as_ref()
                        .map(|a| a.username.as_str())
                        .unwrap_or(""),
                ),
                truncate(&about, 40),
                actions.join(","),
            ]
        })
        .collect();
    p.table(
        &[
            "ID", "TYPE", "STATUS", "SCORE", "WHY", "AUTHOR", "TOPIC", "ACTIONS",
        ],
        rows,
    )?;
    Ok(())
}

/// `modterm review perform ID ACTION`: the item is read first, for the version the action
/// must carry and to check that it offers the action.
pub async fn review_perform(session: &Session, id: ReviewId, action: &str, out: Out) -> Result<()> {
    let item = session.backend.review_item(&id).await?;
    let write = crate::actions::review::PerformReview::new(&item, action)?;
    perform(session, write, out).await
}

/// The site's flag type named `wanted`: its name (`off_topic` or `off-topic`), its label or
/// its id.
fn find_flag_type(types: &[FlagType], wanted: &str) -> Result<FlagType> {
    let w = wanted.trim();
    let as_name = w.to_ascii_lowercase().replace('-', "_");
    types
        .iter()
        .find(|t| t.name == as_name || t.id == w)
        .or_else(|| types.iter().find(|t| t.label.eq_ignore_ascii_case(w)))
        .cloned()
        .ok_or_else(|| {
            let known: Vec<String> = types.iter().map(|t| sanitize_line(&t.name)).collect();
            CliError::Backend(BackendError::NotFound(format!(
                "no flag type {:?}; this site has: {}",
                sanitize_line(w),
                known.join(", ")
            )))
        })
}

pub async fn flag(
    session: &Session,
    post_id: PostId,
    flag_type: &str,
    message: Option<String>,
    out: Out,
) -> Result<()> {
    let types = session.backend.flag_types().await?;
    let flag = find_flag_type(&types, flag_type)?;
    let write = crate::actions::flag::FlagPost::new(post_id, flag, message);
    // What the server would refuse for certain is refused here, with or without --dry-run.
    write.check()?;
    perform(session, write, out).await
}

pub async fn edit(
    session: &Session,
    post_id: PostId,
    source: TextSource,
    reason: Option<String>,
    out: Out,
) -> Result<()> {
    let raw = read_text(source)?;
    if raw.trim().is_empty() {
        return Err(CliError::Usage("the new text of the post is empty".into()));
    }
    let write = crate::actions::edit::EditPost::new(post_id, raw, reason);
    perform(session, write, out).await
}
