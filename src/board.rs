//! The member's profile board as a platform-neutral model: each part loads on its own and has
//! its own state (loading, loaded, not permitted, failed), so one failing source never blanks
//! the board. The console pane and `modterm profile` both read this model.

use std::collections::HashMap;
use std::sync::Arc;

use crate::backend::{Backend, BackendError, Result};
use crate::clock::format_age;
use crate::domain::*;
use crate::text::sanitize_line;

// Nine of these per board, one board at a time: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum PartState {
    /// Not asked for (an on-demand part, see [`BoardPart::on_demand`]).
    NotLoaded,
    Loading,
    Loaded(BoardData),
    /// The account may not see this part; the message says who may.
    NotPermitted(String),
    /// The platform has no such part (Discourse has no social channels); not shown.
    Unavailable(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub username: String,
    pub parts: HashMap<BoardPart, PartState>,
    /// Show only this channel in the timeline.
    pub channel_filter: Option<Channel>,
}

/// Loads the given parts concurrently; results come back in the order asked.
pub async fn load_parts(
    backend: Arc<dyn Backend>,
    username: &str,
    parts: &[BoardPart],
) -> Vec<(BoardPart, Result<BoardData>)> {
    let handles: Vec<_> = parts
        .iter()
        .copied()
        .map(|part| {
            let backend = backend.clone();
            let username = username.to_string();
            (
                part,
                tokio::spawn(async move { backend.board_part(&username, part).await }),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for (part, handle) in handles {
        let result = handle
            .await
            .unwrap_or_else(|e| Err(BackendError::Network(format!("task failed: {e}"))));
        out.push((part, result));
    }
    out
}

impl Board {
    /// A board with nothing asked for yet.
    pub fn new(username: &str) -> Board {
        Board {
            username: username.to_string(),
            parts: BoardPart::ALL
                .into_iter()
                .map(|p| (p, PartState::NotLoaded))
                .collect(),
            channel_filter: None,
        }
    }

    /// The parts the console loads when the board opens: all but the on-demand ones, and
    /// none already loaded (an award may have fetched the badges already).
    pub fn parts_to_load(&self) -> Vec<BoardPart> {
        BoardPart::ALL
            .into_iter()
            .filter(|p| !p.on_demand())
            .filter(|p| matches!(self.state(*p), PartState::NotLoaded | PartState::Failed(_)))
            .collect()
    }

    /// The on-demand parts not loaded yet.
    pub fn on_demand_missing(&self) -> Vec<BoardPart> {
        BoardPart::ALL
            .into_iter()
            .filter(|p| {
                p.on_demand()
                    && matches!(self.state(*p), PartState::NotLoaded | PartState::Failed(_))
            })
            .collect()
    }

    /// Marks parts as being loaded.
    pub fn request(&mut self, parts: &[BoardPart]) {
        for p in parts {
            self.parts.insert(*p, PartState::Loading);
        }
    }

    pub fn apply(&mut self, part: BoardPart, result: Result<BoardData>) {
        let state = match result {
            Ok(data) => PartState::Loaded(data),
            Err(BackendError::Forbidden(m)) | Err(BackendError::NotSignedIn(m)) => {
                PartState::NotPermitted(m)
            }
            Err(BackendError::Unsupported(m)) => PartState::Unavailable(m),
            Err(e) => PartState::Failed(e.to_string()),
        };
        self.parts.insert(part, state);
    }

    pub fn state(&self, part: BoardPart) -> &PartState {
        self.parts.get(&part).unwrap_or(&PartState::NotLoaded)
    }

    /// A grant the console just made: the member holds it now.
    pub fn add_badge(&mut self, granted: GrantedBadge) {
        if let Some(PartState::Loaded(BoardData::Badges(list))) =
            self.parts.get_mut(&BoardPart::Badges)
        {
            match list.iter_mut().find(|b| b.badge.id == granted.badge.id) {
                Some(held) => held.count = held.count.saturating_add(1),
                None => list.insert(0, granted),
            }
        }
    }

    pub fn is_loading(&self) -> bool {
        self.parts.values().any(|s| *s == PartState::Loading)
    }

    pub fn member(&self) -> Option<&Member> {
        match self.state(BoardPart::Identity) {
            PartState::Loaded(BoardData::Identity(m)) => Some(m),
            _ => None,
        }
    }

    pub fn stats(&self) -> Option<&MemberStats> {
        match self.state(BoardPart::Stats) {
            PartState::Loaded(BoardData::Stats(s)) => Some(s),
            _ => None,
        }
    }

    pub fn badges(&self) -> Option<&[GrantedBadge]> {
        match self.state(BoardPart::Badges) {
            PartState::Loaded(BoardData::Badges(b)) => Some(b),
            _ => None,
        }
    }

    pub fn moderation(&self) -> Option<&MemberModeration> {
        match self.state(BoardPart::Moderation) {
            PartState::Loaded(BoardData::Moderation(m)) => Some(m),
            _ => None,
        }
    }

    /// Badges grouped by type (gold first), newest first within a group.
    pub fn badges_grouped(&self) -> Vec<(BadgeType, Vec<&GrantedBadge>)> {
        let Some(badges) = self.badges() else {
            return Vec::new();
        };
        let mut groups: Vec<(BadgeType, Vec<&GrantedBadge>)> = Vec::new();
        for kind in [BadgeType::Gold, BadgeType::Silver, BadgeType::Bronze] {
            let mut of_kind: Vec<&GrantedBadge> = badges
                .iter()
                .filter(|b| b.badge.badge_type == kind)
                .collect();
            of_kind.sort_by_key(|b| std::cmp::Reverse(b.granted_at));
            if !of_kind.is_empty() {
                groups.push((kind, of_kind));
            }
        }
        groups
    }

    pub fn pending_reviews(&self) -> Option<&[ReviewItem]> {
        match self.state(BoardPart::PendingReviews) {
            PartState::Loaded(BoardData::Reviews(r)) => Some(r),
            _ => None,
        }
    }

    /// The timeline parts, each with its state, for showing per-channel loading and errors.
    pub const TIMELINE_PARTS: [BoardPart; 4] = [
        BoardPart::ForumActivity,
        BoardPart::PrivateMessages,
        BoardPart::Chat,
        BoardPart::LinkedChannels,
    ];

    /// Every loaded activity, merged newest first, filtered by the channel filter.
    pub fn timeline(&self) -> Vec<&Activity> {
        let mut items: Vec<&Activity> = Self::TIMELINE_PARTS
            .iter()
            .filter_map(|p| match self.state(*p) {
                PartState::Loaded(BoardData::Activity(items)) => Some(items.iter()),
                _ => None,
            })
            .flatten()
            .filter(|a| self.channel_filter.is_none_or(|c| a.channel == c))
            .collect();
        items.sort_by_key(|a| std::cmp::Reverse(a.at));
        items
    }

    /// Cycles the timeline filter: all, then each channel in turn.
    pub fn next_channel_filter(&mut self) {
        self.channel_filter = match self.channel_filter {
            None => Some(Channel::ALL[0]),
            Some(c) => Channel::ALL
                .iter()
                .position(|x| *x == c)
                .and_then(|i| Channel::ALL.get(i + 1).copied()),
        };
    }

    /// The board as plain lines, for `modterm profile`.
    pub fn plain_text(&self, now: Timestamp) -> Vec<String> {
        let mut out = Vec::new();
        let age = |t: Option<Timestamp>| {
            t.map(|t| format!("{} ago", format_age(now - t)))
                .unwrap_or_else(|| "-".into())
        };
        match (self.member(), self.state(BoardPart::Identity)) {
            (Some(m), _) => {
                out.push(format!(
                    "{} (@{})  {}{}",
                    sanitize_line(m.name.as_deref().unwrap_or(&m.username)),
                    sanitize_line(&m.username),
                    m.role.label(),
                    m.rank
                        .as_deref()
                        .map(|r| format!(" · {}", sanitize_line(r)))
                        .unwrap_or_default()
                ));
                if let Some(title) = &m.title {
                    out.push(format!("title: {}", sanitize_line(title)));
                }
                out.push(format!(
                    "joined {}  last seen {}  group {}",
                    age(m.created_at),
                    age(m.last_seen_at),
                    m.primary_group
                        .as_deref()
                        .map(sanitize_line)
                        .unwrap_or("-".into())
                ));
                out.push(sanitize_line(&m.profile_url));
            }
            (None, state) => out.push(format!("identity: {}", describe(state))),
        }
        out.push(String::new());
        match self.stats() {
            Some(s) => out.push(format!(
                "stars {}  likes given {}  topics {}  posts {}  solutions {}  days visited {}  read {}h{}",
                s.likes_received,
                s.likes_given,
                s.topic_count,
                s.post_count,
                s.solutions,
                s.days_visited,
                s.time_read_secs / 3600,
                s.likes_rank.map(|r| format!("  rank #{r}")).unwrap_or_default()
            )),
            None => out.push(format!("stats: {}", describe(self.state(BoardPart::Stats)))),
        }
        out.push(String::new());
        out.push("Badges".into());
        match self.state(BoardPart::Badges) {
            PartState::Loaded(_) => {
                for (kind, badges) in self.badges_grouped() {
                    for b in badges {
                        out.push(format!(
                            "  {:<6} {}  {}{}",
                            format!("{kind:?}").to_lowercase(),
                            sanitize_line(&b.badge.name),
                            b.granted_at.format("%Y-%m-%d"),
                            b.granted_by
                                .as_deref()
                                .map(|g| format!(" by {}", sanitize_line(g)))
                                .unwrap_or_default()
                        ));
                    }
                }
            }
            state => out.push(format!("  {}", describe(state))),
        }
        out.push(String::new());
        out.push("Timeline".into());
        for part in Self::TIMELINE_PARTS {
            match self.state(part) {
                PartState::Loaded(_) | PartState::Unavailable(_) => {}
                state => out.push(format!("  {}: {}", part.label(), describe(state))),
            }
        }
        for a in self.timeline().into_iter().take(50) {
            out.push(format!(
                "  {}  {:<8} {} {}  {}",
                a.at.format("%Y-%m-%d %H:%M"),
                a.channel.label(),
                sanitize_line(&a.action),
                sanitize_line(&a.title),
                sanitize_line(&a.excerpt)
            ));
        }
        out.push(String::new());
        out.push("Moderation record".into());
        match self.moderation() {
            Some(m) => {
                out.push(match &m.counts_unavailable {
                    Some(why) => format!(
                        "  flags, warnings, suspensions: not on this platform ({})",
                        sanitize_line(why)
                    ),
                    None => format!(
                        "  flags given {}  flags received {}  warnings {}  suspensions {}  silences {}",
                        m.flags_given,
                        m.flags_received,
                        m.warnings_received,
                        m.suspensions,
                        m.silences
                    ),
                });
                for p in &m.current {
                    out.push(format!(
                        "  {:?} until {}: {}",
                        p.kind,
                        p.until
                            .map(|t| t.format("%Y-%m-%d").to_string())
                            .unwrap_or("-".into()),
                        p.reason.as_deref().map(sanitize_line).unwrap_or_default()
                    ));
                }
                for l in &m.linked_accounts {
                    out.push(format!(
                        "  linked {}: {}",
                        sanitize_line(&l.provider),
                        sanitize_line(&l.uid)
                    ));
                }
            }
            None => out.push(format!("  {}", describe(self.state(BoardPart::Moderation)))),
        }
        match self.pending_reviews() {
            Some(items) => out.push(format!("  pending reviews {}", items.len())),
            None => out.push(format!(
                "  pending reviews: {}",
                describe(self.state(BoardPart::PendingReviews))
            )),
        }
        out
    }
}

/// A one-line description of a part that has no data to show.
pub fn describe(state: &PartState) -> String {
    match state {
        PartState::NotLoaded => "not loaded".into(),
        PartState::Loading => "loading…".into(),
        PartState::Loaded(_) => "loaded".into(),
        PartState::NotPermitted(m) => format!("not permitted: {}", sanitize_line(m)),
        PartState::Unavailable(m) => format!("not on this platform: {}", sanitize_line(m)),
        PartState::Failed(m) => format!("failed: {}", sanitize_line(m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn activity(channel: Channel, hour: u32) -> Activity {
        Activity {
            channel,
            at: Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap(),
            action: "replied".into(),
            title: format!("t{hour}"),
            excerpt: String::new(),
            topic_id: Some(TopicId::from(1)),
            post_number: Some(2),
        }
    }

    #[test]
    fn timeline_merges_channels_newest_first_and_filters() {
        let mut board = Board::new("mia");
        board.apply(
            BoardPart::ForumActivity,
            Ok(BoardData::Activity(vec![
                activity(Channel::Forum, 1),
                activity(Channel::Solution, 5),
            ])),
        );
        board.apply(
            BoardPart::Chat,
            Ok(BoardData::Activity(vec![activity(Channel::Chat, 3)])),
        );
        board.apply(
            BoardPart::PrivateMessages,
            Err(BackendError::Forbidden("admins only".into())),
        );
        let hours: Vec<String> = board.timeline().iter().map(|a| a.title.clone()).collect();
        assert_eq!(hours, ["t5", "t3", "t1"]);
        assert_eq!(
            board.state(BoardPart::PrivateMessages),
            &PartState::NotPermitted("admins only".into())
        );
        board.next_channel_filter();
        assert_eq!(board.channel_filter, Some(Channel::Forum));
        assert_eq!(board.timeline().len(), 1);
        for _ in 0..Channel::ALL.len() {
            board.next_channel_filter();
        }
        assert_eq!(board.channel_filter, None, "cycles back to all channels");
        assert!(!board.is_loading(), "nothing else was asked for");
        board.request(&board.parts_to_load());
        assert!(board.is_loading(), "identity etc. now loading");
        assert!(
            !board.parts_to_load().contains(&BoardPart::Chat),
            "chat is on demand"
        );
        assert_eq!(
            board.on_demand_missing(),
            [BoardPart::PendingReviews],
            "chat was loaded above"
        );
    }
}
