//! Acting on the review queue: one item ([`PerformReview`]) or several with the same action
//! ([`BulkPerform`], the console's multi-select). Both send the version of each item that was
//! read, so an item another moderator acted on meanwhile is refused by the server ("someone
//! else acted on this item; reload") instead of being decided twice. Neither is undoable from
//! here (a deleted post or user stays deleted), so the console confirms them; the confirmation
//! counts what will happen ("Agree and hide 12 posts"), and the CLI's `--dry-run` prints the
//! same words.
//!
//! A bulk action sends its items one by one, each through the backend's request governor, and
//! reports every item's outcome: a failed item does not stop the others. Only a failure that
//! would fail every item the same way (the key no longer accepted, the budget exhausted past
//! waiting) leaves the rest unsent, and says so per item.

use async_trait::async_trait;
use serde::Serialize;

use super::write::{excerpt, Preview, Write};
use crate::backend::{Backend, BackendError, Result};
use crate::domain::*;
use crate::text::sanitize_line;

/// Items listed one by one in a bulk preview; more are counted.
const PREVIEW_ITEMS: usize = 8;

/// What an action does, for `n` items named by `noun` ("posts", "users"), in the words of a
/// confirmation: "Agree and hide 12 posts". Actions this does not know read as the server's
/// label: "Frobnicate: 3 items".
pub fn action_phrase(action: &str, label: &str, n: usize, noun: &str) -> String {
    let what = format!("{n} {noun}");
    match action {
        "agree_and_hide" => format!("Agree with the flags and hide {what}"),
        "agree_and_keep" | "agree_and_keep_hidden" => {
            format!("Agree with the flags and keep {what} as they are")
        }
        "agree_and_restore" => format!("Agree with the flags and restore {what}"),
        "agree_and_suspend" | "agree_and_silence" | "agree_and_edit" => {
            format!("Agree with the flags on {what} (the penalty itself is set separately)")
        }
        "delete_and_agree" => format!("Agree with the flags and delete {what}"),
        "delete_and_agree_replies" => {
            format!("Agree with the flags and delete {what} with their replies")
        }
        "delete_and_ignore" | "delete_and_ignore_replies" => {
            format!("Ignore the flags and delete {what}")
        }
        "disagree" => format!("Disagree with the flags on {what} (unhide them)"),
        "disagree_and_restore" => format!("Disagree with the flags and restore {what}"),
        "ignore" | "ignore_and_do_nothing" => {
            format!("Ignore the flags on {what}, changing nothing")
        }
        "approve_post" | "approve" if noun.starts_with("post") => {
            format!("Approve and publish {what}")
        }
        "reject_post" | "reject" if noun.starts_with("post") => {
            format!("Reject {what} (never published)")
        }
        "approve_user" | "approve" => format!("Approve {what}"),
        "delete_user" | "delete_user_block" if noun.starts_with("user") => {
            format!("Delete {what} and everything they posted")
        }
        "delete_user" | "delete_user_block" => {
            format!("Delete the authors of {what} and everything they posted")
        }
        _ => format!("{}: {what}", sanitize_line(label)),
    }
}

/// One line about an item: "#42 post 99 by bob in «Wi-Fi drops» (spam ×3)".
pub fn describe(item: &Reviewable) -> String {
    let mut s = format!(
        "#{} {}",
        sanitize_line(item.id.as_str()),
        sanitize_line(item.kind.label())
    );
    if let Some(p) = &item.post_id {
        if item.kind != ReviewKind::User {
            s.push_str(&format!(" (post {})", sanitize_line(p.as_str())));
        }
    }
    if let Some(a) = &item.target_author {
        s.push_str(&format!(" by {}", sanitize_line(&a.username)));
    }
    if let Some(t) = &item.topic_title {
        s.push_str(&format!(" in «{}»", excerpt(t, 50)));
    }
    let why = reasons(item);
    if !why.is_empty() {
        s.push_str(&format!(" ({why})"));
    }
    s
}

/// Why an item is in the queue, short: "spam ×3, off_topic" (sanitized).
pub fn reasons(item: &Reviewable) -> String {
    item.reasons
        .iter()
        .map(|r| {
            let name = sanitize_line(&r.flag_type);
            if r.count > 1 {
                format!("{name} ×{}", r.count)
            } else {
                name
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "now approved", from what the server said.
fn landed_as(r: &PerformResult) -> String {
    let mut parts = Vec::new();
    if let Some(s) = r.status {
        parts.push(format!("now {}", s.label()));
    }
    if let Some(p) = &r.created_post_id {
        parts.push(format!("published as post {p}"));
    }
    let others = r.removed.iter().filter(|id| **id != r.review_id).count();
    if others > 0 {
        parts.push(format!(
            "{others} other item{} closed with it",
            if others == 1 { "" } else { "s" }
        ));
    }
    parts.join(", ")
}

fn check_feature(backend: &dyn Backend) -> Result<()> {
    let feature = &backend.site().features.review_queue;
    if feature.is_available() {
        Ok(())
    } else {
        Err(crate::backend::unsupported(feature))
    }
}

/// The action `wanted` (id or label) among what `item` offers, or why not.
fn pick_action<'a>(item: &'a Reviewable, wanted: &str) -> Result<&'a ReviewAction> {
    if let Some(a) = item.action(wanted) {
        return Ok(a);
    }
    if !item.is_pending() {
        return Err(BackendError::Refused(format!(
            "review item {} is already {}: it offers no actions",
            item.id,
            item.status.label()
        )));
    }
    let offered: Vec<String> = item.actions.iter().map(|a| sanitize_line(&a.id)).collect();
    Err(BackendError::Refused(format!(
        "review item {} does not offer {}; it offers: {}",
        item.id,
        sanitize_line(wanted),
        if offered.is_empty() {
            "nothing".to_string()
        } else {
            offered.join(", ")
        }
    )))
}

// ---------------------------------------------------------------------------------------------
// One item

/// One action on one review item, on the version that was read.
#[derive(Debug, Clone, Serialize)]
pub struct PerformReview {
    pub review_id: ReviewId,
    pub action: String,
    pub version: u64,
    /// The server's words for the action ("Hide post").
    #[serde(skip)]
    pub label: String,
    #[serde(skip)]
    pub kind: ReviewKind,
    /// One line about the item ([`describe`]).
    #[serde(skip)]
    pub about: String,
}

impl PerformReview {
    /// `action` (an id or a label, as the item lists it) on `item`; refused when the item does
    /// not offer it (already reviewed, or another kind's action).
    pub fn new(item: &Reviewable, action: &str) -> Result<PerformReview> {
        let a = pick_action(item, action)?;
        Ok(PerformReview {
            review_id: item.id.clone(),
            action: a.id.clone(),
            version: item.version,
            label: a.label.clone(),
            kind: item.kind.clone(),
            about: describe(item),
        })
    }
}

#[async_trait]
impl Write for PerformReview {
    type Answer = PerformResult;

    fn kind(&self) -> &'static str {
        "review_perform"
    }

    fn target(&self) -> String {
        format!("review {} {}", self.review_id, self.action)
    }

    fn preview(&self) -> Preview {
        let mut lines = vec![action_phrase(
            &self.action,
            &self.label,
            1,
            self.kind.noun(1),
        )];
        if !self.about.is_empty() {
            lines.push(self.about.clone());
        }
        Preview {
            title: format!("Review: {}", sanitize_line(&self.label)),
            lines,
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<PerformResult> {
        check_feature(backend)?;
        backend
            .perform_review(&self.review_id, &self.action, self.version)
            .await
    }

    fn done(&self, r: &PerformResult) -> String {
        let how = landed_as(r);
        format!(
            "review item {}: {} done{}",
            sanitize_line(self.review_id.as_str()),
            sanitize_line(&self.label),
            if how.is_empty() {
                String::new()
            } else {
                format!(" ({how})")
            }
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Several items

/// One item of a bulk action.
#[derive(Debug, Clone, Serialize)]
pub struct BulkItem {
    pub review_id: ReviewId,
    pub version: u64,
    #[serde(skip)]
    pub kind: ReviewKind,
    #[serde(skip)]
    pub about: String,
}

/// One action on several review items, sent one by one.
#[derive(Debug, Clone, Serialize)]
pub struct BulkPerform {
    pub action: String,
    pub items: Vec<BulkItem>,
    #[serde(skip)]
    pub label: String,
    /// Selected items that do not offer the action, with why: left as they are, not sent.
    #[serde(skip)]
    pub skipped: Vec<(ReviewId, String)>,
}

/// What became of one item of a bulk action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum ItemOutcome {
    Done(PerformResult),
    Failed {
        review_id: ReviewId,
        /// [`BackendError::kind`].
        kind: String,
        message: String,
    },
    /// Not sent: an earlier action closed it, or a failure that would fail it too.
    NotSent {
        review_id: ReviewId,
        reason: String,
    },
}

impl ItemOutcome {
    pub fn review_id(&self) -> &ReviewId {
        match self {
            ItemOutcome::Done(r) => &r.review_id,
            ItemOutcome::Failed { review_id, .. } | ItemOutcome::NotSent { review_id, .. } => {
                review_id
            }
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self, ItemOutcome::Done(_))
    }
}

/// Every item's outcome, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    pub action: String,
    pub outcomes: Vec<ItemOutcome>,
}

impl BulkOutcome {
    pub fn done(&self) -> usize {
        self.outcomes.iter().filter(|o| o.is_done()).count()
    }

    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.done()
    }
}

/// Failures that would fail every later item the same way: sending those is only budget spent.
fn fails_everything(e: &BackendError) -> bool {
    matches!(
        e,
        BackendError::NotSignedIn(_)
            | BackendError::RateLimited { .. }
            | BackendError::Unsupported(_)
    )
}

impl BulkPerform {
    /// `action` (an id or a label) on each of `items` that offers it; the others are kept in
    /// [`BulkPerform::skipped`] for the preview. Refused when none offers it.
    pub fn new(items: &[Reviewable], action: &str) -> Result<BulkPerform> {
        let mut chosen: Option<ReviewAction> = None;
        let mut picked = Vec::new();
        let mut skipped = Vec::new();
        for item in items {
            // The same item twice is one item.
            if picked.iter().any(|p: &BulkItem| p.review_id == item.id) {
                continue;
            }
            // Once one item has named the action, the others must offer the same id.
            let found = match &chosen {
                Some(a) => item.action(&a.id),
                None => item.action(action),
            };
            match found {
                Some(a) => {
                    if chosen.is_none() {
                        chosen = Some(a.clone());
                    }
                    picked.push(BulkItem {
                        review_id: item.id.clone(),
                        version: item.version,
                        kind: item.kind.clone(),
                        about: describe(item),
                    });
                }
                None => {
                    let why = match pick_action(item, action) {
                        Err(e) => e.to_string(),
                        Ok(_) => "it does not offer this action".into(),
                    };
                    skipped.push((item.id.clone(), why));
                }
            }
        }
        let Some(a) = chosen else {
            return Err(BackendError::Refused(format!(
                "none of the {} selected items offers {}",
                items.len(),
                sanitize_line(action)
            )));
        };
        Ok(BulkPerform {
            action: a.id,
            label: a.label,
            items: picked,
            skipped,
        })
    }

    /// What the items are, counted: "posts" when all are posts, "items" when kinds mix.
    fn noun(&self) -> &'static str {
        let n = self.items.len();
        match self.items.first() {
            Some(first)
                if self
                    .items
                    .iter()
                    .all(|i| i.kind.noun(2) == first.kind.noun(2)) =>
            {
                first.kind.noun(n)
            }
            _ => {
                if n == 1 {
                    "item"
                } else {
                    "items"
                }
            }
        }
    }

    /// "Agree with the flags and hide 12 posts".
    pub fn headline(&self) -> String {
        action_phrase(&self.action, &self.label, self.items.len(), self.noun())
    }
}

#[async_trait]
impl Write for BulkPerform {
    type Answer = BulkOutcome;

    fn kind(&self) -> &'static str {
        "review_bulk_perform"
    }

    fn target(&self) -> String {
        let ids: Vec<&str> = self.items.iter().map(|i| i.review_id.as_str()).collect();
        format!("review {} {}", ids.join(","), self.action)
    }

    fn preview(&self) -> Preview {
        let mut lines = vec![format!("{}:", self.headline())];
        for item in self.items.iter().take(PREVIEW_ITEMS) {
            lines.push(format!("  {}", item.about));
        }
        if self.items.len() > PREVIEW_ITEMS {
            lines.push(format!("  … and {} more", self.items.len() - PREVIEW_ITEMS));
        }
        if !self.skipped.is_empty() {
            let ids: Vec<String> = self
                .skipped
                .iter()
                .map(|(id, _)| format!("#{id}"))
                .collect();
            lines.push(format!(
                "{} selected item{} ({}) do{} not offer «{}» and stay as {}",
                self.skipped.len(),
                if self.skipped.len() == 1 { "" } else { "s" },
                ids.join(", "),
                if self.skipped.len() == 1 { "es" } else { "" },
                sanitize_line(&self.label),
                if self.skipped.len() == 1 {
                    "it is"
                } else {
                    "they are"
                },
            ));
        }
        Preview {
            title: format!(
                "Review {} item{}: {}",
                self.items.len(),
                if self.items.len() == 1 { "" } else { "s" },
                sanitize_line(&self.label)
            ),
            lines,
        }
    }

    async fn send(&self, backend: &dyn Backend) -> Result<BulkOutcome> {
        check_feature(backend)?;
        let mut outcomes: Vec<ItemOutcome> = Vec::with_capacity(self.items.len());
        let mut closed: Vec<(ReviewId, ReviewId)> = Vec::new();
        let mut stop: Option<String> = None;
        for item in &self.items {
            if let Some(why) = &stop {
                outcomes.push(ItemOutcome::NotSent {
                    review_id: item.review_id.clone(),
                    reason: why.clone(),
                });
                continue;
            }
            // Deleting a user closes every item about them: those need no request (it would
            // only be refused as stale).
            if let Some((_, by)) = closed.iter().find(|(id, _)| *id == item.review_id) {
                outcomes.push(ItemOutcome::NotSent {
                    review_id: item.review_id.clone(),
                    reason: format!("closed by the action on item {by}"),
                });
                continue;
            }
            match backend
                .perform_review(&item.review_id, &self.action, item.version)
                .await
            {
                Ok(r) => {
                    closed.extend(
                        r.removed
                            .iter()
                            .filter(|id| **id != item.review_id)
                            .map(|id| (id.clone(), item.review_id.clone())),
                    );
                    outcomes.push(ItemOutcome::Done(r));
                }
                Err(e) => {
                    if fails_everything(&e) {
                        stop = Some(format!("not sent after item {}: {e}", item.review_id));
                    }
                    outcomes.push(ItemOutcome::Failed {
                        review_id: item.review_id.clone(),
                        kind: e.kind().to_string(),
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(BulkOutcome {
            action: self.action.clone(),
            outcomes,
        })
    }

    fn done(&self, answer: &BulkOutcome) -> String {
        let mut line = format!(
            "{}: {} of {} done",
            sanitize_line(&self.label),
            answer.done(),
            answer.outcomes.len()
        );
        let problems: Vec<String> = answer
            .outcomes
            .iter()
            .filter_map(|o| match o {
                ItemOutcome::Done(_) => None,
                ItemOutcome::Failed {
                    review_id, message, ..
                } => Some(format!(
                    "#{} {}",
                    sanitize_line(review_id.as_str()),
                    sanitize_line(message)
                )),
                ItemOutcome::NotSent { review_id, reason } => Some(format!(
                    "#{} not sent: {}",
                    sanitize_line(review_id.as_str()),
                    sanitize_line(reason)
                )),
            })
            .collect();
        if !problems.is_empty() {
            line.push_str(&format!("; {}", problems.join("; ")));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: &str, label: &str) -> ReviewAction {
        ReviewAction {
            id: id.into(),
            label: label.into(),
            group: None,
            confirm: None,
        }
    }

    fn flagged(id: u64, actions: &[(&str, &str)]) -> Reviewable {
        Reviewable {
            id: ReviewId::from(id),
            kind: ReviewKind::FlaggedPost,
            status: ReviewStatus::Pending,
            topic_id: Some(TopicId::from(7)),
            post_id: Some(PostId::from(100 + id)),
            category_id: None,
            created_at: None,
            score: 3.0,
            version: id,
            reasons: vec![ReviewReason {
                flag_type: "spam".into(),
                label: "Spam".into(),
                count: 2,
                by: vec!["lena".into(), "omar".into()],
                notes_html: vec![],
            }],
            target_author: Some(PostAuthor {
                id: None,
                username: "bad\u{1b}]0;x\u{7}guy".into(),
                name: None,
                role: Role::Member,
                rank: None,
                title: None,
            }),
            topic_title: Some("Wi-Fi drops".into()),
            body_html: None,
            raw: None,
            url: None,
            actions: actions.iter().map(|(i, l)| action(i, l)).collect(),
        }
    }

    #[test]
    fn one_item_previews_what_happens_and_refuses_what_it_does_not_offer() {
        let item = flagged(42, &[("agree_and_hide", "Hide post"), ("disagree", "No")]);
        let w = PerformReview::new(&item, "agree_and_hide").unwrap();
        assert_eq!(w.version, 42);
        let p = w.preview();
        assert_eq!(p.title, "Review: Hide post");
        assert_eq!(p.lines[0], "Agree with the flags and hide 1 post");
        assert!(
            p.lines[1].contains("#42 flagged post (post 142) by"),
            "{p:?}"
        );
        assert!(p.lines[1].contains("(spam ×2)"), "{p:?}");
        assert!(!p.lines.iter().any(|l| l.contains('\u{1b}')), "sanitized");
        // By label too.
        assert_eq!(PerformReview::new(&item, "no").unwrap().action, "disagree");
        let err = PerformReview::new(&item, "approve_post").unwrap_err();
        assert!(
            matches!(&err, BackendError::Refused(m) if m.contains("agree_and_hide, disagree")),
            "{err:?}"
        );
        let mut reviewed = item.clone();
        reviewed.status = ReviewStatus::Approved;
        reviewed.actions.clear();
        let err = PerformReview::new(&reviewed, "agree_and_hide").unwrap_err();
        assert!(err.to_string().contains("already approved"), "{err}");
    }

    #[test]
    fn bulk_counts_what_will_happen_and_names_what_is_skipped() {
        let hide = [("agree_and_hide", "Hide post"), ("disagree", "No")];
        let mut items: Vec<Reviewable> = (1..=12).map(|i| flagged(i, &hide)).collect();
        items.push(flagged(
            13,
            &[("agree_and_keep_hidden", "Keep post hidden")],
        ));
        items.push(items[0].clone());
        let w = BulkPerform::new(&items, "agree_and_hide").unwrap();
        assert_eq!(w.items.len(), 12, "the duplicate is one item");
        assert_eq!(w.headline(), "Agree with the flags and hide 12 posts");
        let p = w.preview();
        assert_eq!(p.lines[0], "Agree with the flags and hide 12 posts:");
        assert_eq!(
            p.lines.iter().filter(|l| l.starts_with("  #")).count(),
            PREVIEW_ITEMS
        );
        assert!(p.lines.iter().any(|l| l == "  … and 4 more"), "{p:?}");
        assert!(
            p.lines
                .last()
                .unwrap()
                .starts_with("1 selected item (#13) does not offer «Hide post»"),
            "{p:?}"
        );
        assert!(BulkPerform::new(&items[12..13], "agree_and_hide").is_err());
    }

    #[test]
    fn phrases_for_each_kind() {
        assert_eq!(
            action_phrase("approve_post", "Approve post", 2, "posts"),
            "Approve and publish 2 posts"
        );
        assert_eq!(
            action_phrase("delete_user", "Delete user", 1, "user"),
            "Delete 1 user and everything they posted"
        );
        assert_eq!(
            action_phrase("delete_user", "Delete user", 3, "posts"),
            "Delete the authors of 3 posts and everything they posted"
        );
        assert_eq!(
            action_phrase("frob", "Fr\u{1b}[2Job", 3, "items"),
            format!("{}: 3 items", sanitize_line("Fr\u{1b}[2Job"))
        );
    }
}
