//! How long a member has waited, and whether that breaches the community's response target.

use chrono::Duration;

use crate::domain::{Timestamp, TopicSummary};

/// Response-time targets, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub first_warn: i64,
    pub first_breach: i64,
    pub followup_warn: i64,
    pub followup_breach: i64,
}

impl Default for Targets {
    /// First reply within 30/35 minutes and follow-ups within 60/120: the targets large telco
    /// communities publish.
    fn default() -> Self {
        Targets {
            first_warn: 30,
            first_breach: 35,
            followup_warn: 60,
            followup_breach: 120,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sla {
    /// Answered, or not a waiting topic.
    None,
    Ok,
    Warn,
    Breach,
}

impl Sla {
    /// A glyph so the state never depends on colour alone.
    pub fn glyph(self) -> &'static str {
        match self {
            Sla::None => " ",
            Sla::Ok => "·",
            Sla::Warn => "!",
            Sla::Breach => "‼",
        }
    }
}

/// What a topic is waiting for, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub since: Timestamp,
    pub followup: bool,
}

impl Wait {
    /// Unanswered topics wait since creation; a follow-up waits since the member's last post.
    pub fn of(topic: &TopicSummary) -> Option<Wait> {
        if topic.closed || topic.has_accepted_answer && !topic.is_unanswered() {
            return None;
        }
        if topic.is_unanswered() {
            Some(Wait {
                since: topic.created_at,
                followup: false,
            })
        } else if topic.awaits_follow_up() {
            Some(Wait {
                since: topic.last_posted_at.unwrap_or(topic.created_at),
                followup: true,
            })
        } else {
            None
        }
    }

    pub fn sla(&self, now: Timestamp, targets: &Targets) -> Sla {
        let minutes = (now - self.since).num_minutes();
        let (warn, breach) = if self.followup {
            (targets.followup_warn, targets.followup_breach)
        } else {
            (targets.first_warn, targets.first_breach)
        };
        if minutes >= breach {
            Sla::Breach
        } else if minutes >= warn {
            Sla::Warn
        } else {
            Sla::Ok
        }
    }
}

/// A compact age: "45s", "12m", "3h 05m", "4d 02h".
pub fn format_age(age: Duration) -> String {
    let secs = age.num_seconds().max(0);
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    if d > 0 {
        format!("{d}d {h:02}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn topic(posts: u32, author: &str, last: &str) -> TopicSummary {
        TopicSummary {
            id: crate::domain::TopicId::from(1),
            title: "t".into(),
            slug: "t".into(),
            category_id: None,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap(),
            last_posted_at: Some(Utc.with_ymd_and_hms(2026, 1, 1, 11, 0, 0).unwrap()),
            author: Some(author.into()),
            last_poster: Some(last.into()),
            posts_count: posts,
            reply_count: 0,
            like_count: 0,
            views: 0,
            has_accepted_answer: false,
            closed: false,
            archived: false,
            pinned: false,
            tags: vec![],
        }
    }

    #[test]
    fn first_reply_clock_runs_from_creation() {
        let t = topic(1, "mia", "mia");
        let wait = Wait::of(&t).unwrap();
        assert!(!wait.followup);
        let targets = Targets::default();
        let at = |m| t.created_at + Duration::minutes(m);
        assert_eq!(wait.sla(at(29), &targets), Sla::Ok);
        assert_eq!(wait.sla(at(30), &targets), Sla::Warn);
        assert_eq!(wait.sla(at(35), &targets), Sla::Breach);
    }

    #[test]
    fn followup_clock_runs_from_last_post() {
        let t = topic(3, "mia", "mia");
        let wait = Wait::of(&t).unwrap();
        assert!(wait.followup);
        let targets = Targets::default();
        let last = t.last_posted_at.unwrap();
        assert_eq!(wait.sla(last + Duration::minutes(59), &targets), Sla::Ok);
        assert_eq!(wait.sla(last + Duration::minutes(60), &targets), Sla::Warn);
        assert_eq!(
            wait.sla(last + Duration::minutes(120), &targets),
            Sla::Breach
        );
        // Answered by someone else: nothing waits.
        assert!(Wait::of(&topic(3, "mia", "mod_anna")).is_none());
    }

    #[test]
    fn ages_are_compact() {
        assert_eq!(format_age(Duration::seconds(42)), "42s");
        assert_eq!(format_age(Duration::minutes(12)), "12m");
        assert_eq!(format_age(Duration::minutes(185)), "3h 05m");
        assert_eq!(format_age(Duration::hours(98)), "4d 02h");
        assert_eq!(format_age(Duration::seconds(-5)), "0s");
    }
}
