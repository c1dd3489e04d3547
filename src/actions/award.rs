//! Awarding a badge by hand. Nothing is preselected (Enter on an untouched picker grants
//! nothing), recently used badges come first, and badges the member already holds that can be
//! held once are shown as held and not offered. A grant is public and cannot be undone from
//! here, so it is confirmed. What it did comes from the server's answer (a new grant, or
//! nothing because the member already held it), never from what the console knows the member
//! holds: the award may be sent before their badges have loaded.
//!
//! The picker opens as soon as the catalogue is there; the member's badges fill in the "held"
//! marks when they arrive (they are the profile board's badges part, so the board reuses them).

use async_trait::async_trait;
use serde::Serialize;

use super::write::{Lands, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::board::PartState;
use crate::domain::*;
use crate::text::sanitize_line;
use crate::tui::overlay::{Overlay, PickItem, PickNext, PickValue};
use crate::tui::{App, Effect, Level, Pane};

type Effects = Vec<Effect>;

#[derive(Debug, Clone, Serialize)]
pub struct AwardBadge {
    #[serde(flatten)]
    pub award: BadgeAward,
    #[serde(skip)]
    pub badge: Option<Badge>,
    /// When the console knows the member holds it already: since when. Only a hint for the
    /// confirmation; what the award did comes from the server's answer.
    #[serde(skip)]
    pub held_since: Option<Timestamp>,
}

#[async_trait]
impl Write for AwardBadge {
    type Answer = BadgeGrant;

    fn kind(&self) -> &'static str {
        "award_badge"
    }

    fn target(&self) -> String {
        format!("{} badge {}", self.award.username, self.award.badge_id)
    }

    fn preview(&self) -> Preview {
        let name = self
            .badge
            .as_ref()
            .map(|b| {
                format!(
                    "«{}» ({})",
                    sanitize_line(&b.name),
                    format!("{:?}", b.badge_type).to_lowercase()
                )
            })
            .unwrap_or_else(|| format!("badge {}", self.award.badge_id));
        let mut lines = vec![format!(
            "Award {name} to {}: it shows on their profile for everyone.",
            sanitize_line(&self.award.username)
        )];
        if let Some(r) = &self.award.reason {
            lines.push(format!("For: {}", sanitize_line(r)));
        }
        if self.held_since.is_some() {
            let user = sanitize_line(&self.award.username);
            lines.push(match &self.badge {
                Some(b) if b.multiple_grant => {
                    format!("{user} holds it already; this grants it once more.")
                }
                _ => format!("{user} holds it already: the server may grant nothing."),
            });
        }
        Preview {
            title: "Award badge".into(),
            lines,
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<BadgeGrant> {
        let feature = &backend.site().features.award_badges;
        if !feature.is_available() {
            return Err(crate::backend::unsupported(feature));
        }
        backend.grant_badge(&self.award).await
    }

    fn done(&self, answer: &BadgeGrant) -> String {
        let user = sanitize_line(&self.award.username);
        let badge = sanitize_line(&answer.grant.badge.name);
        match answer.outcome {
            GrantOutcome::Granted => format!("awarded {badge} to {user}"),
            GrantOutcome::AlreadyHeld if answer.grant.badge.multiple_grant => {
                format!("server granted nothing: {user} already holds {badge} for that post")
            }
            GrantOutcome::AlreadyHeld => {
                format!("server granted nothing: {user} already holds {badge}")
            }
            GrantOutcome::Unconfirmed => {
                format!("sent: {user} holds {badge}; the server did not say if the grant is new")
            }
        }
    }
}

impl Lands for AwardBadge {
    fn pending(&self) -> String {
        format!("awarding a badge to {}", self.award.username)
    }

    fn landed(&self, app: &mut App, answer: BadgeGrant) -> Effects {
        app.recent_badges.retain(|b| *b != self.award.badge_id);
        app.recent_badges.insert(0, self.award.badge_id.clone());
        let text = self.done(&answer);
        let board = app.board_mut(&self.award.username);
        match answer.outcome {
            GrantOutcome::Granted => {
                board.add_badge(answer.grant);
                app.toast(text, Level::Success);
            }
            outcome => {
                // They hold it either way: a loaded board that does not show it yet does now.
                let shown = board
                    .badges()
                    .map(|held| held.iter().any(|g| g.badge.id == answer.grant.badge.id));
                if shown == Some(false) {
                    board.add_badge(answer.grant);
                }
                if outcome == GrantOutcome::AlreadyHeld {
                    app.set_status(text, Level::Warning);
                } else {
                    app.toast(text, Level::Info);
                }
            }
        }
        Vec::new()
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Effects {
        app.set_status(
            format!("badge not awarded: {}", App::describe_error(&error)),
            Level::Error,
        );
        Vec::new()
    }
}

/// An award waiting for the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub username: String,
    pub reason: Option<String>,
}

/// The member's badges, when the board (open or cached) has them.
fn held_badges(app: &mut App, username: &str) -> Option<Vec<GrantedBadge>> {
    match app.board_mut(username).state(BoardPart::Badges) {
        PartState::Loaded(BoardData::Badges(b)) => Some(b.clone()),
        _ => None,
    }
}

fn items(app: &mut App, badges: &[Badge], username: &str) -> Vec<PickItem> {
    let held = held_badges(app, username);
    let used = |b: &Badge| {
        app.recent_badges
            .iter()
            .position(|r| *r == b.id)
            .unwrap_or(usize::MAX)
    };
    let mut grantable: Vec<&Badge> = badges
        .iter()
        .filter(|b| b.manually_grantable && b.enabled)
        .collect();
    grantable.sort_by(|a, b| {
        used(a)
            .cmp(&used(b))
            .then(a.badge_type.cmp(&b.badge_type))
            .then(a.name.cmp(&b.name))
    });
    grantable
        .into_iter()
        .map(|b| {
            let holding = held
                .as_ref()
                .and_then(|h| h.iter().find(|g| g.badge.id == b.id));
            let kind = format!("{:?}", b.badge_type).to_lowercase();
            let mut item = PickItem::new(
                sanitize_line(&b.name),
                format!("{kind}: {}", sanitize_line(&b.description)),
                PickValue::Badge(b.id.clone()),
            );
            if let Some(g) = holding {
                if b.multiple_grant {
                    item.detail = format!("held ×{} · {}", g.count, item.detail);
                } else {
                    item.unavailable = Some(format!(
                        "{} holds it already (it can be held once)",
                        sanitize_line(username)
                    ));
                    item.detail = format!("held · {}", item.detail);
                }
            } else if held.is_none() {
                item.detail = format!("{} · checking who holds it…", item.detail);
            }
            item
        })
        .collect()
}

#[derive(Debug)]
struct PickBadge {
    username: String,
    reason: Option<String>,
}

impl PickNext for PickBadge {
    fn picked(self: Box<Self>, app: &mut App, value: PickValue) -> Effects {
        let PickValue::Badge(badge_id) = value else {
            return Vec::new();
        };
        let badge = app
            .badges
            .as_ref()
            .and_then(|b| b.iter().find(|b| b.id == badge_id))
            .cloned();
        let held_since = held_badges(app, &self.username).and_then(|held| {
            held.iter()
                .find(|g| g.badge.id == badge_id)
                .map(|g| g.granted_at)
        });
        let write = AwardBadge {
            award: BadgeAward {
                username: self.username,
                badge_id,
                reason: self.reason,
            },
            badge,
            held_since,
        };
        super::write::confirm(app, write);
        Vec::new()
    }
}

fn open_picker(app: &mut App, badges: &[Badge], pending: Pending) {
    let items = items(app, badges, &pending.username);
    let member = pending.username.to_lowercase();
    app.open_picker(
        &format!(
            "Award a badge to {} (type its name)",
            sanitize_line(&pending.username)
        ),
        items,
        Box::new(PickBadge {
            username: pending.username,
            reason: pending.reason,
        }),
    );
    // Nothing is chosen until the user types or moves.
    if let Some(Overlay::Picker(p)) = app.overlay.as_mut() {
        p.armed = false;
        p.about = Some(member);
    }
}

/// The member an award goes to: the selected post's author, or, on this account's own post,
/// the topic's author (nobody awards themselves).
pub fn recipient(app: &App) -> Option<String> {
    let me = app.me().to_string();
    let topic_author = || {
        app.thread
            .as_ref()
            .and_then(|t| t.topic.as_ref())
            .and_then(|t| t.summary.author.clone())
    };
    match app.focus {
        Pane::Thread | Pane::Composer => match app.selected_post() {
            Some(p) if p.author.username.eq_ignore_ascii_case(&me) => topic_author(),
            Some(p) => Some(p.author.username.clone()),
            None => topic_author(),
        },
        _ => crate::tui::nav::focused_username(app),
    }
}

pub fn start(app: &mut App, _: Option<String>) -> Effects {
    if let Some(why) = app.site.features.award_badges.reason() {
        app.set_status(format!("badges: {why}"), Level::Warning);
        return Vec::new();
    }
    if !app.capabilities().award_badges {
        app.set_status(
            "only staff (admins and moderators) can award badges",
            Level::Warning,
        );
        return Vec::new();
    }
    let Some(username) = recipient(app) else {
        app.set_status("select a post or open a profile first", Level::Info);
        return Vec::new();
    };
    let reason = match app.focus {
        Pane::Thread => app.thread.as_ref().and_then(|t| {
            let topic = t.topic.as_ref()?;
            let post = topic.posts.get(t.selected)?;
            let post = if post.author.username.eq_ignore_ascii_case(app.me()) {
                topic.posts.first()?
            } else {
                post
            };
            Some(app.site.post_link(&topic.summary, post))
        }),
        _ => None,
    };
    // The member's badges, for the "held" marks (the board's badges part).
    let mut effects = app.load_board_parts(&username, &[BoardPart::Badges]);
    let pending = Pending { username, reason };
    match app.badges.clone() {
        Some(badges) => open_picker(app, &badges, pending),
        None => {
            app.award_pending = Some(pending);
            app.set_status("loading badges…", Level::Info);
            // Asked once: the board may have asked already, and its answer opens the picker.
            if !app.badges_loading {
                app.badges_loading = true;
                effects.push(Effect::LoadBadges);
            }
        }
    }
    effects
}

pub fn on_catalogue(app: &mut App, result: Result<Vec<Badge>>) -> Effects {
    app.badges_loading = false;
    match result {
        Ok(badges) => {
            if let Some(pending) = app.award_pending.take() {
                open_picker(app, &badges, pending);
            }
            app.badges = Some(badges);
        }
        Err(e) => {
            app.award_pending = None;
            app.set_status(format!("badges: {}", App::describe_error(&e)), Level::Error);
        }
    }
    Vec::new()
}

/// The member's badges arrived: an open badge picker for them shows what they hold.
pub fn badges_arrived(app: &mut App, username: &str) {
    let member = username.to_lowercase();
    let for_member = matches!(
        &app.overlay,
        Some(Overlay::Picker(p)) if p.about.as_deref() == Some(member.as_str())
    );
    if !for_member {
        return;
    }
    let Some(badges) = app.badges.clone() else {
        return;
    };
    let fresh = items(app, &badges, username);
    if let Some(Overlay::Picker(p)) = app.overlay.as_mut() {
        p.items = fresh;
    }
}
