//! Deciding review items in the console: `Space` marks items, a key names the action (`H`
//! agree and hide, `a` approve, … or `x` to pick from what the items offer), and one
//! confirmation counts what will happen ("Agree with the flags and hide 2 posts"). The items
//! decided leave the list from the server's own answers; nothing is re-read.

use super::review::BulkPerform;
use super::write::{Lands, Write};
use crate::backend::BackendError;
use crate::domain::*;
use crate::text::sanitize_line;
use crate::tui::overlay::{ConfirmNext, Overlay, PickItem, PickNext, PickValue};
use crate::tui::{App, Effect, Level};

type Effects = Vec<Effect>;

/// The action of `item` that `wanted` names: its id exactly, or the family it starts
/// (`approve` is `approve_post` for a held post and `approve_user` for a sign-up; `ignore` is
/// `ignore_and_do_nothing` on newer sites). A family name never stands for an action that
/// deletes (`reject` is not `reject_user_delete`): those are named in full or picked with `x`.
pub fn offered<'a>(item: &'a Reviewable, wanted: &str) -> Option<&'a ReviewAction> {
    item.action(wanted).or_else(|| {
        let family = format!("{wanted}_");
        item.actions
            .iter()
            .find(|a| a.id.starts_with(&family) && !a.id.contains("delete"))
    })
}

/// `Space` in the review view.
pub fn mark(app: &mut App, _: Option<String>) -> Effects {
    let Some(list) = app.review_mut() else {
        app.set_status("marking items works in the review view (5)", Level::Info);
        return Vec::new();
    };
    if list.toggle_mark().is_none() {
        return Vec::new();
    }
    let n = list.marked.len();
    app.set_status(
        format!("{n} item{} marked", if n == 1 { "" } else { "s" }),
        Level::Info,
    );
    app.move_review(1)
}

/// `review_perform [action]`: the action on the marked items (or the selected one); without
/// an action, a picker of what they offer.
pub fn perform(app: &mut App, action: Option<String>) -> Effects {
    let Some(list) = app.review() else {
        app.set_status("review actions work in the review view (5)", Level::Info);
        return Vec::new();
    };
    let targets = list.targets();
    if targets.is_empty() {
        app.set_status("nothing to review here", Level::Info);
        return Vec::new();
    }
    match action
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
    {
        Some(wanted) => confirm(app, &targets, &wanted),
        None => {
            let items = action_items(&targets);
            if items.is_empty() {
                app.set_status(
                    "these items offer no action (already reviewed?)",
                    Level::Info,
                );
                return Vec::new();
            }
            let n = targets.len();
            app.open_picker(
                &format!("Action for {n} item{}", if n == 1 { "" } else { "s" }),
                items,
                Box::new(PickAction),
            );
            Vec::new()
        }
    }
}

/// Every action any of the targets offers, with how many offer it.
fn action_items(targets: &[Reviewable]) -> Vec<PickItem> {
    let mut seen: Vec<(ReviewAction, usize)> = Vec::new();
    for item in targets {
        for a in &item.actions {
            match seen.iter_mut().find(|(s, _)| s.id == a.id) {
                Some((_, n)) => *n += 1,
                None => seen.push((a.clone(), 1)),
            }
        }
    }
    seen.into_iter()
        .map(|(a, n)| {
            let detail = if n == targets.len() {
                sanitize_line(&a.id)
            } else {
                format!("{} · {n} of {}", sanitize_line(&a.id), targets.len())
            };
            PickItem::new(
                sanitize_line(&a.label),
                detail,
                PickValue::ReviewAction(a.id),
            )
        })
        .collect()
}

#[derive(Debug)]
struct PickAction;

impl PickNext for PickAction {
    fn picked(self: Box<Self>, app: &mut App, value: PickValue) -> Effects {
        let PickValue::ReviewAction(id) = value else {
            return Vec::new();
        };
        let targets = app.review().map(|l| l.targets()).unwrap_or_default();
        confirm(app, &targets, &id)
    }
}

/// The one confirmation, counting what will happen.
fn confirm(app: &mut App, targets: &[Reviewable], wanted: &str) -> Effects {
    // The family name ("approve") becomes the id the first item offers; the others must
    // offer the same id, or they are left as they are (the preview says so).
    let id = targets
        .iter()
        .find_map(|i| offered(i, wanted))
        .map(|a| a.id.clone())
        .unwrap_or_else(|| wanted.to_string());
    match BulkPerform::new(targets, &id) {
        Ok(write) => {
            app.overlay = Some(Overlay::Confirm {
                preview: write.preview(),
                next: Box::new(Confirmed(write)),
            });
        }
        Err(e) => app.set_status(App::describe_error(&e), Level::Warning),
    }
    Vec::new()
}

#[derive(Debug)]
struct Confirmed(BulkPerform);

impl ConfirmNext for Confirmed {
    fn confirmed(self: Box<Self>, app: &mut App) -> Effects {
        let ids: Vec<ReviewId> = self.0.items.iter().map(|i| i.review_id.clone()).collect();
        if let Some(list) = app.review_mut() {
            list.deciding.extend(ids);
            list.marked.clear();
        }
        super::write::send(app, self.0)
    }
}

impl Lands for BulkPerform {
    fn pending(&self) -> String {
        format!(
            "{} ({} item{})",
            sanitize_line(&self.label),
            self.items.len(),
            if self.items.len() == 1 { "" } else { "s" }
        )
    }

    fn landed(&self, app: &mut App, answer: super::review::BulkOutcome) -> Effects {
        // What the server closed: the items done, and any others an action closed with them
        // (deleting a user closes every item about them).
        let mut closed: Vec<ReviewId> = Vec::new();
        for outcome in &answer.outcomes {
            if let super::review::ItemOutcome::Done(r) = outcome {
                closed.push(r.review_id.clone());
                closed.extend(r.removed.iter().cloned());
            }
        }
        release(app, self);
        for view in app.views.iter_mut() {
            if let Some(list) = view.review.as_mut() {
                list.remove(&closed);
            }
        }
        let line = Write::done(self, &answer);
        let level = if answer.failed() == 0 {
            Level::Success
        } else {
            Level::Warning
        };
        app.toast(line, level);
        Vec::new()
    }

    fn failed(&self, app: &mut App, error: BackendError) -> Effects {
        release(app, self);
        app.set_status(
            format!(
                "{}: nothing done: {}",
                sanitize_line(&self.label),
                App::describe_error(&error)
            ),
            Level::Error,
        );
        Vec::new()
    }
}

/// The write's items may be decided again (what it closed has left the list by then).
fn release(app: &mut App, write: &BulkPerform) {
    for view in app.views.iter_mut() {
        if let Some(list) = view.review.as_mut() {
            for item in &write.items {
                list.deciding.remove(&item.review_id);
            }
        }
    }
}
