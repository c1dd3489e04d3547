//! The review queue as Discourse's `ReviewablesController` serves it (reference §10):
//! `GET /review.json`, `GET /review/{id}.json`, `GET /review/topics.json`,
//! `GET /review/count.json`. Acting on an item is `review_actions.rs`; flagging is `flags.rs`.
//!
//! Three kinds of item live in `reviewables`: `ReviewableFlaggedPost` (one per post; each flag
//! is a row in `reviewable_scores` and adds its score), `ReviewableQueuedPost` (a new member's
//! post held for approval; its text is in `payload` until approved) and `ReviewableUser` (a
//! sign-up awaiting approval). Held posts and sign-ups are "created by" Discourse's system user
//! (id -1), which is not a row in `users` and is sideloaded as a fixed object.
//!
//! Who sees what ([`Reach`], Discourse's `Reviewable.viewable_by` with
//! `enable_category_group_moderation` on): staff see and act on every item; a member of a group
//! that moderates categories (`category_moderation_groups`; the demo has one, see
//! `seed::MODERATION_GROUPS`) sees and acts on the items in those categories only: the lists
//! and counts leave the others out, and one of them asked for by id is 404, as
//! `find_reviewable` answers. Actions that only staff may take (suspend, silence, delete the
//! author) are not offered to them. Everyone else, and a category moderator whose categories
//! hold no item yet, gets 403 `invalid_access` from every queue endpoint, as
//! `ensure_can_see_review_queue!` answers; a member sees the flags they gave through
//! `GET /post_action_users.json` instead (only their own entry; see `flags.rs`).
//!
//! Responses use Discourse's REST-serializer layout: items carry `*_id(s)` and the users,
//! topics, scores, bundles and actions they point at are sideloaded at the top level.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use super::bus::Audience;
use super::lists::basic_user;
use super::params::encode_component;
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, iso, iso_opt, PostRow, TopicRow, UserRow, POST_COLS, TOPIC_COLS};
use super::topics::parse_id;

/// `ReviewablesController::PER_PAGE`.
pub(crate) const PER_PAGE: i64 = 10;

pub(crate) const FLAGGED_POST: &str = "ReviewableFlaggedPost";
pub(crate) const QUEUED_POST: &str = "ReviewableQueuedPost";
pub(crate) const USER: &str = "ReviewableUser";
const TYPES: [&str; 3] = [FLAGGED_POST, QUEUED_POST, USER];

/// `Reviewable.statuses`.
pub(crate) const PENDING: i64 = 0;
pub(crate) const APPROVED: i64 = 1;
pub(crate) const REJECTED: i64 = 2;
pub(crate) const IGNORED: i64 = 3;
pub(crate) const DELETED: i64 = 4;

/// `ReviewableScore.types[:needs_approval]`: why a held post or a sign-up is in the queue.
pub(crate) const NEEDS_APPROVAL: i64 = 9;
/// `Discourse.system_user`.
pub(crate) const SYSTEM_USER_ID: i64 = -1;
/// The score the system user's "needs approval" entry carries (1 + the staff bonus of 5, as
/// `ReviewableScore.calculate_score` gives a staff account).
pub(crate) const SYSTEM_SCORE: f64 = 6.0;

/// Minimum scores of `priority=low|medium|high`. Discourse derives these from the site's
/// score history; the sandbox fixes them so one TL4 flag is medium and a pile-on is high.
fn priority_threshold(p: &str) -> Option<f64> {
    match p {
        "any" => Some(0.0),
        "low" => Some(0.0),
        "medium" => Some(5.0),
        "high" => Some(10.0),
        _ => None,
    }
}

pub(crate) fn status_name(s: i64) -> &'static str {
    match s {
        PENDING => "pending",
        APPROVED => "approved",
        REJECTED => "rejected",
        IGNORED => "ignored",
        _ => "deleted",
    }
}

// ---------------------------------------------------------------------------------------------
// Schema migration

/// Brings a database from before the queue had types, payloads and score statuses up to the
/// current `reviewables` / `reviewable_scores` shape (store.rs `SCHEMA`). The old tables are
/// renamed, recreated from `SCHEMA` and copied across (old rows become pending or reviewed
/// flagged posts); new databases already have the shape and are left alone. Idempotent.
pub(crate) fn migrate_review(conn: &Connection) -> rusqlite::Result<()> {
    let rv = columns(conn, "reviewables")?;
    let sc = columns(conn, "reviewable_scores")?;
    let old_rv = !rv.is_empty() && !rv.iter().any(|c| c == "type");
    let old_sc = !sc.is_empty() && !sc.iter().any(|c| c == "status");
    if !old_rv && !old_sc {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    if old_rv {
        tx.execute_batch("ALTER TABLE reviewables RENAME TO reviewables_legacy;")?;
    }
    if old_sc {
        tx.execute_batch("ALTER TABLE reviewable_scores RENAME TO reviewable_scores_legacy;")?;
    }
    tx.execute_batch(store::SCHEMA)?;
    if old_rv {
        tx.execute_batch(
            "INSERT INTO reviewables (id, type, status, topic_id, post_id, target_created_by_id, \
             created_by_id, category_id, score, version, payload, created_at) \
             SELECT id, 'ReviewableFlaggedPost', status, topic_id, post_id, target_created_by_id, \
             created_by_id, category_id, score, version, '{}', created_at FROM reviewables_legacy; \
             DROP TABLE reviewables_legacy;",
        )?;
    }
    if old_sc {
        tx.execute_batch(
            "INSERT INTO reviewable_scores (id, reviewable_id, user_id, post_id, score_type, score, \
             status, created_at) \
             SELECT s.id, s.reviewable_id, s.user_id, s.post_id, s.score_type, 1.0, \
             COALESCE((SELECT CASE r.status WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 3 ELSE 0 END \
                       FROM reviewables r WHERE r.id = s.reviewable_id), 0), \
             s.created_at FROM reviewable_scores_legacy s; \
             DROP TABLE reviewable_scores_legacy;",
        )?;
    }
    tx.commit()
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let rows = st.query_map([table], |r| r.get::<_, String>(0))?;
    rows.collect()
}

// ---------------------------------------------------------------------------------------------
// Rows

#[derive(Debug, Clone)]
pub(crate) struct ReviewableRow {
    pub id: i64,
    pub kind: String,
    pub status: i64,
    pub topic_id: Option<i64>,
    pub post_id: Option<i64>,
    pub target_created_by_id: Option<i64>,
    pub created_by_id: i64,
    pub category_id: Option<i64>,
    pub score: f64,
    pub version: i64,
    pub payload: Value,
    pub created_at: i64,
    pub reviewed_by_id: Option<i64>,
    pub reviewed_at: Option<i64>,
}

const REVIEWABLE_COLS: &str = "r.id, r.type, r.status, r.topic_id, r.post_id, \
    r.target_created_by_id, r.created_by_id, r.category_id, r.score, r.version, r.payload, \
    r.created_at, r.reviewed_by_id, r.reviewed_at";

fn reviewable_from_row(r: &Row<'_>) -> rusqlite::Result<ReviewableRow> {
    let payload: String = r.get(10)?;
    Ok(ReviewableRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        status: r.get(2)?,
        topic_id: r.get(3)?,
        post_id: r.get(4)?,
        target_created_by_id: r.get(5)?,
        created_by_id: r.get(6)?,
        category_id: r.get(7)?,
        score: r.get(8)?,
        version: r.get(9)?,
        payload: serde_json::from_str(&payload).unwrap_or_else(|_| json!({})),
        created_at: r.get(11)?,
        reviewed_by_id: r.get(12)?,
        reviewed_at: r.get(13)?,
    })
}

pub(crate) fn reviewable_by_id(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<ReviewableRow>> {
    conn.prepare_cached(&format!(
        "SELECT {REVIEWABLE_COLS} FROM reviewables r WHERE r.id = ?1"
    ))?
    .query_row([id], reviewable_from_row)
    .optional()
}

#[derive(Debug, Clone)]
pub(crate) struct ScoreRow {
    pub id: i64,
    pub user_id: i64,
    pub score_type: i64,
    pub score: f64,
    pub status: i64,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub created_at: i64,
    pub reviewed_by_id: Option<i64>,
    pub reviewed_at: Option<i64>,
}

pub(crate) fn scores_of(conn: &Connection, reviewable_id: i64) -> rusqlite::Result<Vec<ScoreRow>> {
    let mut st = conn.prepare_cached(
        "SELECT id, user_id, score_type, score, status, reason, message, created_at, \
         reviewed_by_id, reviewed_at FROM reviewable_scores WHERE reviewable_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([reviewable_id], |r| {
        Ok(ScoreRow {
            id: r.get(0)?,
            user_id: r.get(1)?,
            score_type: r.get(2)?,
            score: r.get(3)?,
            status: r.get(4)?,
            reason: r.get(5)?,
            message: r.get(6)?,
            created_at: r.get(7)?,
            reviewed_by_id: r.get(8)?,
            reviewed_at: r.get(9)?,
        })
    })?;
    rows.collect()
}

/// A post whether or not it is deleted (a reviewed item still shows what it was about), with
/// its `deleted_at`.
pub(crate) fn post_any(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<(PostRow, Option<i64>)>> {
    conn.prepare_cached(&format!(
        "SELECT {POST_COLS}, p.deleted_at FROM posts p WHERE p.id = ?1"
    ))?
    .query_row([id], |r| Ok((store::post_from_row(r)?, r.get(14)?)))
    .optional()
}

/// A topic whether or not it is deleted, with its `deleted_at`.
pub(crate) fn topic_any(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<(TopicRow, Option<i64>)>> {
    conn.prepare_cached(&format!(
        "SELECT {TOPIC_COLS}, t.deleted_at FROM topics t WHERE t.id = ?1"
    ))?
    .query_row([id], |r| Ok((store::topic_from_row(r)?, r.get(22)?)))
    .optional()
}

pub(crate) fn pending_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM reviewables WHERE status = 0")?
        .query_row([], |r| r.get(0))
}

/// `/reviewable_counts` after the queue changed (a flag, an action): to staff, and to each
/// category moderator with the count of what they review.
pub(crate) fn publish_counts(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    let n = pending_count(ctx.tx)?;
    ctx.publish(
        "/reviewable_counts",
        json!({"reviewable_count": n, "unseen_reviewable_count": n}),
        Audience::Staff,
    );
    for uid in category_moderator_ids(ctx.tx)? {
        let n = Reach::Categories(moderated_categories(ctx.tx, uid)?).pending_count(ctx.tx)?;
        ctx.publish(
            "/reviewable_counts",
            json!({"reviewable_count": n, "unseen_reviewable_count": n}),
            Audience::Users {
                ids: vec![uid],
                staff: false,
            },
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Who reviews what

/// The categories `user_id` moderates through their groups.
pub(crate) fn moderated_categories(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT cmg.category_id FROM category_moderation_groups cmg \
         JOIN group_users gu ON gu.group_id = cmg.group_id WHERE gu.user_id = ?1 \
         ORDER BY cmg.category_id",
    )?;
    let rows = st.query_map([user_id], |r| r.get::<_, i64>(0))?;
    rows.collect()
}

/// Members of a moderating group who are not staff (staff review everything anyway).
fn category_moderator_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT gu.user_id FROM group_users gu \
         JOIN category_moderation_groups cmg ON cmg.group_id = gu.group_id \
         JOIN users u ON u.id = gu.user_id WHERE u.admin = 0 AND u.moderator = 0 \
         ORDER BY gu.user_id",
    )?;
    let rows = st.query_map([], |r| r.get::<_, i64>(0))?;
    rows.collect()
}

/// The items an account reviews (`Reviewable.viewable_by`): staff every item; anyone else
/// those in the categories their groups moderate (none for most; held sign-ups have no
/// category, so they stay with staff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    All,
    Categories(Vec<i64>),
}

impl Reach {
    pub(crate) fn of(conn: &Connection, user: &UserRow) -> rusqlite::Result<Reach> {
        if user.staff() {
            return Ok(Reach::All);
        }
        moderated_categories(conn, user.id).map(Reach::Categories)
    }

    /// The SQL condition on `{alias}.category_id` that keeps the items within reach.
    fn sql(&self, alias: &str) -> String {
        match self {
            Reach::All => "1".into(),
            Reach::Categories(ids) if ids.is_empty() => "0".into(),
            Reach::Categories(ids) => format!(
                "{alias}.category_id IN ({})",
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    pub(crate) fn covers(&self, r: &ReviewableRow) -> bool {
        match self {
            Reach::All => true,
            Reach::Categories(ids) => r.category_id.is_some_and(|c| ids.contains(&c)),
        }
    }

    /// `can_see_review_queue?`: staff, or a category moderator whose categories hold at least
    /// one item (of any status).
    pub(crate) fn sees_queue(&self, conn: &Connection) -> rusqlite::Result<bool> {
        match self {
            Reach::All => Ok(true),
            Reach::Categories(ids) if ids.is_empty() => Ok(false),
            Reach::Categories(_) => conn.query_row(
                &format!(
                    "SELECT EXISTS (SELECT 1 FROM reviewables r WHERE {})",
                    self.sql("r")
                ),
                [],
                |r| r.get(0),
            ),
        }
    }

    /// Pending items within reach (`Reviewable.list_for(user).count`).
    pub(crate) fn pending_count(&self, conn: &Connection) -> rusqlite::Result<i64> {
        match self {
            Reach::All => pending_count(conn),
            Reach::Categories(_) => conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM reviewables r WHERE r.status = 0 AND {}",
                    self.sql("r")
                ),
                [],
                |r| r.get(0),
            ),
        }
    }
}

/// `ensure_can_see_review_queue!`: logged in (403 `not_logged_in`) and able to see the queue
/// (403 `invalid_access`). Returns what the account reviews.
pub(crate) fn require_reviewer(ctx: &Ctx<'_>) -> Result<Reach, ApiError> {
    let user = ctx.require_user()?;
    let reach = Reach::of(ctx.tx, user)?;
    if !reach.sees_queue(ctx.tx)? {
        return Err(ApiError::invalid_access());
    }
    Ok(reach)
}

// ---------------------------------------------------------------------------------------------
// Actions each kind of item offers

/// Discourse's `Reviewable::Actions`: id, icon, label.
const ACTIONS: &[(&str, &str, &str)] = &[
    ("agree_and_hide", "far-eye-slash", "Hide post"),
    ("agree_and_keep_hidden", "thumbs-up", "Keep post hidden"),
    ("agree_and_keep", "thumbs-up", "Keep post"),
    ("agree_and_restore", "far-eye", "Restore post"),
    ("agree_and_suspend", "ban", "Suspend user"),
    ("agree_and_silence", "microphone-slash", "Silence user"),
    ("delete_and_agree", "far-trash-can", "Delete post"),
    (
        "delete_and_agree_replies",
        "far-trash-can",
        "Delete post and replies",
    ),
    (
        "delete_and_ignore",
        "far-trash-can",
        "Ignore flag and delete post",
    ),
    ("disagree", "thumbs-down", "No"),
    ("disagree_and_restore", "thumbs-down", "No, restore post"),
    ("ignore_and_do_nothing", "external-link-alt", "Do nothing"),
    ("delete_user", "user-xmark", "Delete user"),
    ("approve_post", "check", "Approve post"),
    ("reject_post", "xmark", "Reject post"),
    ("approve_user", "user-plus", "Approve user"),
];

fn action_json(id: &str) -> Value {
    let (icon, label) = ACTIONS
        .iter()
        .find(|(a, _, _)| *a == id)
        .map(|(_, i, l)| (*i, *l))
        .unwrap_or(("check", "Perform"));
    json!({
        "id": id,
        "icon": icon,
        "button_class": null,
        "label": label,
        "description": null,
        "confirm_message": null,
        "client_action": null,
        "require_reject_reason": false,
        "server_action": id,
    })
}

/// A bundle: the suffix of its id (`{reviewable_id}-{suffix}`), icon, label, action ids.
pub(crate) struct Bundle {
    pub suffix: &'static str,
    pub icon: &'static str,
    pub label: &'static str,
    pub actions: Vec<&'static str>,
}

fn bundle(
    suffix: &'static str,
    icon: &'static str,
    label: &'static str,
    actions: Vec<&'static str>,
) -> Bundle {
    Bundle {
        suffix,
        icon,
        label,
        actions,
    }
}

/// Whether the author of an item may be deleted by a review action (never staff).
fn deletable_author(conn: &Connection, user_id: Option<i64>) -> rusqlite::Result<bool> {
    Ok(match user_id {
        Some(id) if id > 0 => store::user_by_id(conn, id)?.is_some_and(|u| !u.staff()),
        _ => false,
    })
}

/// What a pending item offers (`ReviewableFlaggedPost#build_actions` and friends) to a
/// reviewer (`staff`, or a category moderator: `can_suspend?` and `can_delete_user?` are
/// staff's, so suspending, silencing and deleting the author are not offered to the latter);
/// nothing once it has been reviewed.
pub(crate) fn bundles(
    conn: &Connection,
    r: &ReviewableRow,
    staff: bool,
) -> rusqlite::Result<Vec<Bundle>> {
    if r.status != PENDING {
        return Ok(Vec::new());
    }
    let can_delete_author = staff && deletable_author(conn, r.target_created_by_id)?;
    let mut out = Vec::new();
    match r.kind.as_str() {
        FLAGGED_POST => {
            let post = match r.post_id {
                Some(id) => post_any(conn, id)?,
                None => None,
            };
            let (hidden, deleted, replies) = match &post {
                Some((p, del)) => (p.hidden, del.is_some(), p.reply_count > 0),
                None => (false, true, false),
            };
            let mut agree = Vec::new();
            if deleted {
                agree.push("agree_and_restore");
            } else if hidden {
                agree.push("agree_and_keep_hidden");
            } else {
                agree.push("agree_and_hide");
            }
            agree.push("agree_and_keep");
            if can_delete_author {
                agree.push("agree_and_suspend");
                agree.push("agree_and_silence");
            }
            out.push(bundle("agree", "thumbs-up", "Yes", agree));
            if !deleted {
                let mut del = vec!["delete_and_agree"];
                if replies {
                    del.push("delete_and_agree_replies");
                }
                del.push("delete_and_ignore");
                out.push(bundle("delete", "far-trash-can", "Delete", del));
            }
            let disagree = if deleted {
                "disagree_and_restore"
            } else {
                "disagree"
            };
            out.push(bundle("disagree", "thumbs-down", "No", vec![disagree]));
            out.push(bundle(
                "ignore",
                "external-link-alt",
                "Ignore",
                vec!["ignore_and_do_nothing"],
            ));
            if can_delete_author {
                out.push(bundle(
                    "delete_user",
                    "user-xmark",
                    "Delete user",
                    vec!["delete_user"],
                ));
            }
        }
        QUEUED_POST => {
            out.push(bundle(
                "approve_post",
                "check",
                "Approve post",
                vec!["approve_post"],
            ));
            out.push(bundle(
                "reject_post",
                "xmark",
                "Reject post",
                vec!["reject_post"],
            ));
            if can_delete_author {
                out.push(bundle(
                    "delete_user",
                    "user-xmark",
                    "Delete user",
                    vec!["delete_user"],
                ));
            }
        }
        USER => {
            out.push(bundle(
                "approve_user",
                "user-plus",
                "Approve user",
                vec!["approve_user"],
            ));
            if can_delete_author {
                out.push(bundle(
                    "reject_user",
                    "user-xmark",
                    "Reject user",
                    vec!["delete_user"],
                ));
            }
        }
        _ => {}
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Serializing

pub(crate) fn score_type_name(t: i64) -> &'static str {
    match t {
        3 => "off_topic",
        4 => "inappropriate",
        6 => "notify_user",
        7 => "notify_moderators",
        8 => "spam",
        9 => "needs_approval",
        10 => "illegal",
        _ => "custom",
    }
}

fn score_type_title(t: i64) -> &'static str {
    match t {
        3 => "Off-Topic",
        4 => "Inappropriate",
        6 => "Send a message",
        7 => "Something Else",
        8 => "Spam",
        9 => "Needs Approval",
        10 => "Illegal",
        _ => "Flag",
    }
}

/// `reviewables.reasons.*` for the system's "needs approval" entries.
fn reason_text(key: &str) -> String {
    match key {
        "post_count" => "The first few posts from every new user must be approved by staff (approve_post_count).".into(),
        "trust_level" => "New users at low trust levels must have replies approved by staff (approve_unless_trust_level).".into(),
        "must_approve_users" => "All new users must be approved by staff (must_approve_users).".into(),
        "fast_typer" => "New user typed their first post suspiciously fast (min_first_post_typing_time).".into(),
        other => other.replace('_', " "),
    }
}

/// The system user as `BasicUserSerializer` shows it.
fn system_user_json() -> Value {
    json!({
        "id": SYSTEM_USER_ID,
        "username": "system",
        "name": "system",
        "avatar_template": "/images/discourse-logo-sketch-small.png",
        "trust_level": 4,
        "admin": true,
        "moderator": true,
    })
}

/// Everything a page of items points at, collected while serializing them.
#[derive(Default)]
pub(crate) struct Sideloads {
    user_ids: BTreeSet<i64>,
    topics: BTreeMap<i64, Value>,
    scores: Vec<Value>,
    bundles: Vec<Value>,
    actions: BTreeMap<&'static str, Value>,
    agree_stats: HashMap<i64, Value>,
}

impl Sideloads {
    fn agree_stats(&mut self, conn: &Connection, user_id: i64) -> rusqlite::Result<Value> {
        if let Some(v) = self.agree_stats.get(&user_id) {
            return Ok(v.clone());
        }
        let (a, d, i): (i64, i64, i64) = conn
            .prepare_cached(
                "SELECT COALESCE(SUM(status = 1), 0), COALESCE(SUM(status = 2), 0), COALESCE(SUM(status = 3), 0) \
                 FROM reviewable_scores WHERE user_id = ?1 AND score_type <> 9",
            )?
            .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let v = json!({"agreed": a, "disagreed": d, "ignored": i});
        self.agree_stats.insert(user_id, v.clone());
        Ok(v)
    }

    /// The top-level arrays of a response.
    pub(crate) fn into_json(
        self,
        ctx: &Ctx<'_>,
    ) -> Result<serde_json::Map<String, Value>, ApiError> {
        let mut users = Vec::new();
        for id in &self.user_ids {
            if *id == SYSTEM_USER_ID {
                users.push(system_user_json());
            } else if let Some(u) = store::user_by_id(ctx.tx, *id)? {
                users.push(basic_user(&u));
            }
        }
        let mut m = serde_json::Map::new();
        m.insert("users".into(), Value::Array(users));
        m.insert(
            "topics".into(),
            Value::Array(self.topics.into_values().collect()),
        );
        m.insert("reviewable_scores".into(), Value::Array(self.scores));
        m.insert("bundled_actions".into(), Value::Array(self.bundles));
        m.insert(
            "actions".into(),
            Value::Array(self.actions.into_values().collect()),
        );
        Ok(m)
    }
}

/// One item as `ReviewableSerializer` (and its per-type subclass) shows it; what it points at
/// goes into `side`.
pub(crate) fn reviewable_json(
    ctx: &Ctx<'_>,
    r: &ReviewableRow,
    side: &mut Sideloads,
) -> Result<Value, ApiError> {
    let conn: &Connection = ctx.tx;
    let post = match r.post_id {
        Some(id) => post_any(conn, id)?,
        None => None,
    };
    let topic = match r.topic_id {
        Some(id) => topic_any(conn, id)?,
        None => None,
    };
    let target_author = match r.target_created_by_id {
        Some(id) if id > 0 => store::user_by_id(conn, id)?,
        _ => None,
    };
    side.user_ids.insert(r.created_by_id);
    if let Some(id) = r.target_created_by_id {
        side.user_ids.insert(id);
    }
    if let Some(id) = r.reviewed_by_id {
        side.user_ids.insert(id);
    }
    if let Some((t, _)) = &topic {
        side.topics.entry(t.id).or_insert_with(|| {
            json!({"id": t.id, "title": t.title, "fancy_title": t.title, "slug": t.slug,
                   "posts_count": t.posts_count, "archetype": t.archetype, "closed": t.closed,
                   "archived": t.archived, "visible": t.visible})
        });
    }

    // Scores.
    let scores = scores_of(conn, r.id)?;
    let mut score_ids = Vec::with_capacity(scores.len());
    for s in &scores {
        score_ids.push(s.id);
        side.user_ids.insert(s.user_id);
        if let Some(id) = s.reviewed_by_id {
            side.user_ids.insert(id);
        }
        let agree = if s.user_id == SYSTEM_USER_ID {
            json!({"agreed": 0, "disagreed": 0, "ignored": 0})
        } else {
            side.agree_stats(conn, s.user_id)?
        };
        let conversation = match &s.message {
            Some(msg) => {
                let who = match store::user_by_id(conn, s.user_id)? {
                    Some(u) => basic_user(&u),
                    None => Value::Null,
                };
                json!({"id": s.id, "permalink": null, "has_more": false,
                       "conversation_posts": [{"id": s.id, "user": who, "excerpt": store::escape_html(msg)}]})
            }
            None => Value::Null,
        };
        side.scores.push(json!({
            "id": s.id,
            "score": s.score,
            "agree_stats": agree,
            "status": s.status,
            "reason": s.reason.as_deref().map(reason_text),
            "created_at": iso(s.created_at),
            "reviewed_at": iso_opt(s.reviewed_at),
            "user_id": s.user_id,
            "reviewed_by_id": s.reviewed_by_id,
            "reviewable_score_type": s.score_type,
            "score_type": {
                "id": s.score_type,
                "title": score_type_title(s.score_type),
                "type": score_type_name(s.score_type),
                "icon": if s.score_type == NEEDS_APPROVAL { "far-clock" } else { "flag" },
                "reviewable_priority": 0,
            },
            "reviewable_conversation": conversation,
        }));
    }

    // Actions.
    let mut bundle_ids = Vec::new();
    for b in bundles(conn, r, ctx.g.is_staff())? {
        let id = format!("{}-{}", r.id, b.suffix);
        for a in &b.actions {
            side.actions.entry(*a).or_insert_with(|| action_json(a));
        }
        side.bundles
            .push(json!({"id": id, "icon": b.icon, "label": b.label, "action_ids": b.actions}));
        bundle_ids.push(id);
    }

    let (slug, topic_title) = topic
        .as_ref()
        .map(|(t, _)| (t.slug.clone(), t.title.clone()))
        .unwrap_or_else(|| ("topic".into(), String::new()));
    let topic_url = r.topic_id.map(|tid| format!("/t/{slug}/{tid}"));
    let (target_type, target_id, target_url, target_created_at) = match r.kind.as_str() {
        USER => (
            Value::from("User"),
            json!(r.target_created_by_id),
            match &target_author {
                Some(u) => json!(format!("{}/u/{}", ctx.base_url, u.username)),
                None => Value::Null,
            },
            iso_opt(target_author.as_ref().map(|u| u.created_at)),
        ),
        _ => match (&post, r.topic_id) {
            (Some((p, _)), Some(tid)) => (
                Value::from("Post"),
                json!(p.id),
                json!(format!("{}/t/{slug}/{tid}/{}", ctx.base_url, p.post_number)),
                json!(iso(p.created_at)),
            ),
            _ => (Value::Null, Value::Null, Value::Null, Value::Null),
        },
    };
    let pending = r.status == PENDING;
    let mut v = json!({
        "id": r.id,
        "type": r.kind,
        "type_source": r.kind,
        "status": r.status,
        "topic_id": r.topic_id,
        "topic_url": topic_url,
        "target_type": target_type,
        "target_id": target_id,
        "target_url": target_url,
        "target_created_at": target_created_at,
        "post_id": r.post_id,
        "category_id": r.category_id,
        "created_at": iso(r.created_at),
        "can_edit": pending && r.kind == QUEUED_POST && ctx.g.is_staff(),
        "score": r.score,
        "version": r.version,
        "target_created_by_id": r.target_created_by_id,
        "target_created_by_trust_level": target_author.as_ref().map(|u| u.trust_level),
        "created_by_id": r.created_by_id,
        "reviewed_by_id": r.reviewed_by_id,
        "reviewed_at": iso_opt(r.reviewed_at),
        "topic_tags": [],
        "reviewable_score_ids": score_ids,
        "bundled_action_ids": bundle_ids,
        "editable_fields": [],
        "payload": r.payload,
    });
    match r.kind.as_str() {
        FLAGGED_POST => {
            let p = post.as_ref().map(|(p, _)| p);
            v["cooked"] = json!(p.map(|p| p.cooked.clone()));
            v["raw"] = json!(p.map(|p| p.raw.clone()));
            v["reply_count"] = json!(p.map(|p| p.reply_count));
            v["reply_to_post_number"] = json!(p.and_then(|p| p.reply_to_post_number));
            v["post_number"] = json!(p.map(|p| p.post_number));
            v["post_updated_at"] = json!(p.map(|p| iso(p.updated_at)));
            v["post_version"] = json!(p.map(|p| p.version));
            v["blank_post"] = json!(post.as_ref().is_none_or(|(_, del)| del.is_some()));
            v["topic_title"] = json!(topic_title);
        }
        QUEUED_POST => {
            v["reply_to_post_number"] = r
                .payload
                .get("reply_to_post_number")
                .cloned()
                .unwrap_or(Value::Null);
            if pending {
                v["editable_fields"] = json!([
                    {"id": "category_id", "type": "category"},
                    {"id": "payload.title", "type": "text"},
                    {"id": "payload.raw", "type": "editor"},
                    {"id": "payload.tags", "type": "tags"},
                ]);
            }
        }
        USER => {
            v["link_admin"] = json!(ctx.g.is_staff() && target_author.is_some());
            v["user_fields"] = json!({});
            v["reject_reason"] = Value::Null;
        }
        _ => {}
    }
    Ok(v)
}

fn types_meta() -> Value {
    json!({"created_by": "user", "target_created_by": "user", "reviewed_by": "user", "claimed_by": "user"})
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// A `WHERE` under construction (`?` in a clause becomes the next numbered parameter).
#[derive(Default)]
struct Filter {
    wheres: Vec<String>,
    args: Vec<Sql>,
}

impl Filter {
    fn push(&mut self, clause: &str, arg: impl Into<Sql>) {
        self.args.push(arg.into());
        self.wheres
            .push(clause.replace('?', &format!("?{}", self.args.len())));
    }
    fn sql(&self) -> String {
        if self.wheres.is_empty() {
            "1".into()
        } else {
            self.wheres.join(" AND ")
        }
    }
}

fn day_start(v: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// `GET /review.json` (the items within the caller's [`Reach`]): `type`, `status`,
/// `category_id`, `topic_id`, `priority`, `username` (the target's author), `flagged_by`,
/// `reviewed_by`, `from_date`, `to_date`, `sort_order` (`score` default, `score_asc`,
/// `created_at`, `created_at_asc`), `offset`.
pub(crate) fn list(ctx: &Ctx<'_>) -> ApiResult {
    let reach = require_reviewer(ctx)?;
    let status = ctx.params.get_nonblank("status").unwrap_or("pending");
    let mut f = Filter::default();
    f.wheres.push(reach.sql("r"));
    match status {
        "pending" => f.wheres.push("r.status = 0".into()),
        "approved" => f.wheres.push("r.status = 1".into()),
        "rejected" => f.wheres.push("r.status = 2".into()),
        "ignored" => f.wheres.push("r.status = 3".into()),
        "deleted" => f.wheres.push("r.status = 4".into()),
        "reviewed" => f.wheres.push("r.status <> 0".into()),
        "all" => {}
        _ => return Err(ApiError::invalid_params("status")),
    }
    if let Some(t) = ctx.params.get_nonblank("type") {
        if !TYPES.contains(&t) {
            return Err(ApiError::invalid_params("type"));
        }
        f.push("r.type = ?", t.to_string());
    }
    if let Some(id) = ctx.int_param("category_id")? {
        f.push("r.category_id = ?", id);
    }
    if let Some(id) = ctx.int_param("topic_id")? {
        f.push("r.topic_id = ?", id);
    }
    if let Some(p) = ctx.params.get_nonblank("priority") {
        let min = priority_threshold(p).ok_or_else(|| ApiError::invalid_params("priority"))?;
        if min > 0.0 {
            f.push("r.score >= ?", min);
        }
    }
    for (param, clause) in [
        ("username", "r.target_created_by_id = ?"),
        (
            "flagged_by",
            "r.id IN (SELECT reviewable_id FROM reviewable_scores WHERE user_id = ? AND score_type <> 9)",
        ),
        ("reviewed_by", "r.reviewed_by_id = ?"),
    ] {
        if let Some(name) = ctx.params.get_nonblank(param) {
            match store::user_by_username(ctx.tx, name)? {
                Some(u) => f.push(clause, u.id),
                None => f.wheres.push("0".into()),
            }
        }
    }
    if let Some(d) = ctx.params.get_nonblank("from_date") {
        let ms = day_start(d).ok_or_else(|| ApiError::invalid_params("from_date"))?;
        f.push("r.created_at >= ?", ms);
    }
    if let Some(d) = ctx.params.get_nonblank("to_date") {
        let ms = day_start(d).ok_or_else(|| ApiError::invalid_params("to_date"))?;
        f.push("r.created_at < ?", ms.saturating_add(86_400_000));
    }
    let order = match ctx.params.get_nonblank("sort_order").unwrap_or("score") {
        "score" | "priority" => "r.score DESC, r.created_at DESC, r.id DESC",
        "score_asc" | "priority_asc" => "r.score ASC, r.created_at DESC, r.id DESC",
        "created_at" => "r.created_at DESC, r.score DESC, r.id DESC",
        "created_at_asc" => "r.created_at ASC, r.score DESC, r.id ASC",
        _ => return Err(ApiError::invalid_params("sort_order")),
    };
    let offset = ctx.int_param("offset")?.unwrap_or(0).max(0);
    let cond = f.sql();
    let total: i64 = ctx.tx.query_row(
        &format!("SELECT COUNT(*) FROM reviewables r WHERE {cond}"),
        rusqlite::params_from_iter(f.args.iter()),
        |r| r.get(0),
    )?;
    let rows: Vec<ReviewableRow> = {
        let mut st = ctx.tx.prepare(&format!(
            "SELECT {REVIEWABLE_COLS} FROM reviewables r WHERE {cond} ORDER BY {order} \
             LIMIT {PER_PAGE} OFFSET {offset}"
        ))?;
        let it = st.query_map(
            rusqlite::params_from_iter(f.args.iter()),
            reviewable_from_row,
        )?;
        it.collect::<Result<_, _>>()?
    };
    let mut side = Sideloads::default();
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        items.push(reviewable_json(ctx, r, &mut side)?);
    }
    let pending = reach.pending_count(ctx.tx)?;
    let mut meta = json!({
        "status": status,
        "total_rows_reviewables": total,
        "reviewable_count": pending,
        "unseen_reviewable_count": pending,
        "types": types_meta(),
        "reviewable_types": TYPES,
    });
    if offset.saturating_add(items.len() as i64) < total {
        let mut parts = vec![
            format!("offset={}", offset.saturating_add(PER_PAGE)),
            format!("status={}", encode_component(status)),
        ];
        for key in [
            "type",
            "category_id",
            "topic_id",
            "priority",
            "username",
            "flagged_by",
            "reviewed_by",
            "from_date",
            "to_date",
            "sort_order",
        ] {
            if let Some(v) = ctx.params.get_nonblank(key) {
                parts.push(format!("{key}={}", encode_component(v)));
            }
        }
        meta["load_more_reviewables"] = json!(format!("/review?{}", parts.join("&")));
    }
    let mut out = side.into_json(ctx)?;
    out.insert("reviewables".into(), Value::Array(items));
    out.insert("meta".into(), meta);
    Ok(Value::Object(out))
}

/// `GET /review/{id}.json` → `{"reviewable":{…}, users, topics, reviewable_scores, …}`; 404
/// for an item outside the caller's [`Reach`].
pub(crate) fn show(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    let reach = require_reviewer(ctx)?;
    let id = parse_id(id)?;
    let r = reviewable_by_id(ctx.tx, id)?
        .filter(|r| reach.covers(r))
        .ok_or_else(ApiError::not_found)?;
    let mut side = Sideloads::default();
    let item = reviewable_json(ctx, &r, &mut side)?;
    let mut out = side.into_json(ctx)?;
    out.insert("reviewable".into(), item);
    out.insert("meta".into(), json!({"types": types_meta()}));
    Ok(Value::Object(out))
}

/// `GET /review/count.json` → `{"count":N}` (pending items within the caller's [`Reach`]).
pub(crate) fn count(ctx: &Ctx<'_>) -> ApiResult {
    let reach = require_reviewer(ctx)?;
    Ok(json!({"count": reach.pending_count(ctx.tx)?}))
}

/// `GET /review/topics.json`: topics with pending items, most flagged first, as
/// `ReviewableTopicSerializer`: `stats.count` is the number of scores (flags) and
/// `stats.unique_users` the number of distinct flaggers. Only items within the caller's
/// [`Reach`] count.
pub(crate) fn topics(ctx: &Ctx<'_>) -> ApiResult {
    let reach = require_reviewer(ctx)?;
    let rows: Vec<(i64, i64, i64, f64)> = {
        let mut st = ctx.tx.prepare_cached(&format!(
            "SELECT r.topic_id, COUNT(s.id), COUNT(DISTINCT s.user_id), \
             (SELECT COALESCE(SUM(r2.score), 0) FROM reviewables r2 WHERE r2.topic_id = r.topic_id AND r2.status = 0 \
              AND {inner}) AS total \
             FROM reviewables r LEFT JOIN reviewable_scores s ON s.reviewable_id = r.id AND s.status = 0 \
             WHERE r.status = 0 AND r.topic_id IS NOT NULL AND {outer} \
             GROUP BY r.topic_id ORDER BY total DESC, r.topic_id DESC",
            inner = reach.sql("r2"),
            outer = reach.sql("r"),
        ))?;
        let it = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        it.collect::<Result<_, _>>()?
    };
    let mut out = Vec::with_capacity(rows.len());
    for (tid, n, users, total) in rows {
        let Some((t, deleted)) = topic_any(ctx.tx, tid)? else {
            continue;
        };
        if deleted.is_some() {
            continue;
        }
        out.push(json!({
            "id": t.id,
            "title": t.title,
            "fancy_title": t.title,
            "slug": t.slug,
            "archived": t.archived,
            "closed": t.closed,
            "visible": t.visible,
            "archetype": t.archetype,
            "relative_url": format!("/t/{}/{}", t.slug, t.id),
            "stats": {"count": n, "unique_users": users},
            "reviewable_score": total,
        }));
    }
    Ok(json!({"reviewable_topics": out, "users": [], "meta": {"types": types_meta()}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_queue_tables_are_rebuilt_in_place() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE reviewables (id INTEGER PRIMARY KEY, status INTEGER NOT NULL DEFAULT 0, \
             topic_id INTEGER NOT NULL, post_id INTEGER NOT NULL, target_created_by_id INTEGER NOT NULL, \
             created_by_id INTEGER NOT NULL, category_id INTEGER, score REAL NOT NULL, \
             version INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
             CREATE TABLE reviewable_scores (id INTEGER PRIMARY KEY, reviewable_id INTEGER NOT NULL, \
             user_id INTEGER NOT NULL, post_id INTEGER NOT NULL, score_type INTEGER NOT NULL, \
             created_at INTEGER NOT NULL);
             CREATE INDEX reviewables_status ON reviewables (status, id);
             INSERT INTO reviewables VALUES (1, 2, 5, 50, 7, 8, 2, 9.5, 3, 1000);
             INSERT INTO reviewable_scores VALUES (1, 1, 8, 50, 8, 1000);",
        )
        .unwrap();
        conn.execute_batch(store::SCHEMA).unwrap();
        migrate_review(&conn).unwrap();
        let r = reviewable_by_id(&conn, 1).unwrap().unwrap();
        assert_eq!(r.kind, FLAGGED_POST);
        assert_eq!((r.status, r.post_id, r.version), (2, Some(50), 3));
        let s = scores_of(&conn, 1).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].status, s[0].score_type), (2, 8));
        // New shapes accept what the old ones could not (a user item has no post).
        conn.execute(
            "INSERT INTO reviewables (type, created_by_id, target_created_by_id, created_at) VALUES ('ReviewableUser', -1, 9, 0)",
            [],
        )
        .unwrap();
        // Idempotent, and the index names are free again for store::INDEXES.
        migrate_review(&conn).unwrap();
        conn.execute_batch(store::INDEXES).unwrap();
    }

    #[test]
    fn priorities_are_ordered() {
        assert!(priority_threshold("high") > priority_threshold("medium"));
        assert!(priority_threshold("medium") > priority_threshold("low"));
        assert_eq!(priority_threshold("urgent"), None);
    }
}
