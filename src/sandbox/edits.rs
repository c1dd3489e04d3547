//! Editing posts and reading their revisions: `PUT /posts/{id}.json`,
//! `GET /posts/{id}/revisions/latest.json` and `GET /posts/{id}/revisions/{n}.json`.
//!
//! An edit takes `post[raw]` (or `raw`) and an optional `post[edit_reason]` (or
//! `edit_reason`), flat or nested, form or JSON. Staff and TL4 leaders may edit any post, the
//! author their own (the sandbox has no edit window); nobody edits in an archived topic but
//! staff. The post is re-cooked, its `version` bumped and the change kept in `post_revisions`
//! as revision `number = new version` (so the first edit is revision 2, as in Discourse); the
//! search index follows by trigger; `/topic/{id}` gets `revised`. An edit that changes nothing
//! answers the post as it is and records nothing.
//!
//! Revisions are visible to whoever may see the post (Discourse's default
//! `edit_history_visible_to_public`), except that a hidden post's history is for staff and
//! its author. The diff is a simple word diff of the raw text: removed words in `<del>`, added
//! ones in `<ins>`.

use rusqlite::{params, OptionalExtension};
use serde_json::json;

use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, avatar_template, cook, escape_html, iso};
use super::topics::{parse_id, post_json, visible_topic, Users};

const MIN_POST_LENGTH: usize = 20;
const MIN_PM_POST_LENGTH: usize = 10;
const MAX_POST_LENGTH: usize = 32_000;
/// Above this many word pairs the diff falls back to "all removed, all added" for the changed
/// middle (the common start and end are still kept).
const MAX_DIFF_CELLS: usize = 250_000;

fn param<'a>(ctx: &'a Ctx<'_>, name: &str) -> Option<&'a str> {
    ctx.params
        .get(&format!("post[{name}]"))
        .or_else(|| ctx.params.get(name))
}

/// `PUT /posts/{id}.json` → `{"post":{…}}`.
pub(crate) fn update(ctx: &Ctx<'_>, id: &str) -> ApiResult {
    let editor = ctx.require_user()?.clone();
    let id = parse_id(id)?;
    let p = store::post_by_id(ctx.tx, id)?.ok_or_else(ApiError::not_found)?;
    let t = visible_topic(ctx, p.topic_id)?;
    if !ctx.g.can_see_post(&p) {
        return Err(ApiError::not_found());
    }
    if !ctx.g.can_edit_post(&p) || editor.silenced(ctx.now()) || (t.archived && !ctx.g.is_staff()) {
        return Err(ApiError::invalid_access());
    }
    let raw = param(ctx, "raw").ok_or_else(|| ApiError::param_missing("post"))?;
    let reason = param(ctx, "edit_reason")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let min = if t.is_pm() {
        MIN_PM_POST_LENGTH
    } else {
        MIN_POST_LENGTH
    };
    let n = raw.trim().chars().count();
    if n < min {
        let msg = format!("Body is too short (minimum is {min} characters)");
        return Err(ApiError::unprocessable(&[msg.as_str()]));
    }
    if n > MAX_POST_LENGTH {
        let msg = format!("Body is too long (maximum is {MAX_POST_LENGTH} characters)");
        return Err(ApiError::unprocessable(&[msg.as_str()]));
    }
    let allows = store::category_accepts_answers(ctx.tx, t.category_id)?;
    if raw == p.raw {
        let mut users = Users::new(ctx);
        let v = post_json(ctx, &mut users, &t, &p, allows, true)?;
        return Ok(json!({ "post": v }));
    }
    let now = ctx.now();
    let cooked = cook(raw);
    let number = p.version + 1;
    ctx.tx.execute(
        "UPDATE posts SET raw = ?2, cooked = ?3, updated_at = ?4, version = ?5 WHERE id = ?1",
        params![p.id, raw, cooked, now, number],
    )?;
    ctx.tx.execute(
        "INSERT OR REPLACE INTO post_revisions (post_id, number, user_id, created_at, edit_reason, hidden, \
         before_raw, before_cooked, after_raw, after_cooked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![p.id, number, editor.id, now, reason, p.hidden, p.raw, p.cooked, raw, cooked],
    )?;
    let p = store::post_by_id(ctx.tx, p.id)?.ok_or_else(ApiError::not_found)?;
    super::live::post_event(ctx, &t, &p, "revised", json!({}))?;
    let mut users = Users::new(ctx);
    let mut v = post_json(ctx, &mut users, &t, &p, allows, true)?;
    v["edit_reason"] = json!(reason);
    Ok(json!({ "post": v }))
}

struct Revision {
    number: i64,
    user_id: i64,
    created_at: i64,
    edit_reason: Option<String>,
    hidden: bool,
    before_raw: String,
    before_cooked: String,
    after_raw: String,
    after_cooked: String,
}

/// `GET /posts/{id}/revisions/{n|latest}.json` in `PostRevisionSerializer`'s shape; 404 when
/// the post was never edited (or has no such revision).
pub(crate) fn revision(ctx: &Ctx<'_>, id: &str, which: &str) -> ApiResult {
    let id = parse_id(id)?;
    let p = store::post_by_id(ctx.tx, id)?.ok_or_else(ApiError::not_found)?;
    visible_topic(ctx, p.topic_id)?;
    if !ctx.g.can_see_post(&p) {
        return Err(ApiError::not_found());
    }
    if p.hidden && !(ctx.g.is_staff() || ctx.g.is_user(p.user_id)) {
        return Err(ApiError::invalid_access());
    }
    let last: Option<i64> = ctx
        .tx
        .prepare_cached("SELECT MAX(number) FROM post_revisions WHERE post_id = ?1")?
        .query_row([p.id], |r| r.get(0))?;
    let Some(last) = last else {
        return Err(ApiError::not_found());
    };
    let number = if which == "latest" {
        last
    } else {
        parse_id(which)?
    };
    let rev = ctx
        .tx
        .prepare_cached(
            "SELECT number, user_id, created_at, edit_reason, hidden, before_raw, before_cooked, after_raw, \
             after_cooked FROM post_revisions WHERE post_id = ?1 AND number = ?2",
        )?
        .query_row(params![p.id, number], |r| {
            Ok(Revision {
                number: r.get(0)?,
                user_id: r.get(1)?,
                created_at: r.get(2)?,
                edit_reason: r.get(3)?,
                hidden: r.get(4)?,
                before_raw: r.get(5)?,
                before_cooked: r.get(6)?,
                after_raw: r.get(7)?,
                after_cooked: r.get(8)?,
            })
        })
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    let previous: Option<i64> = ctx
        .tx
        .prepare_cached(
            "SELECT MAX(number) FROM post_revisions WHERE post_id = ?1 AND number < ?2",
        )?
        .query_row(params![p.id, rev.number], |r| r.get(0))?;
    let next: Option<i64> = ctx
        .tx
        .prepare_cached(
            "SELECT MIN(number) FROM post_revisions WHERE post_id = ?1 AND number > ?2",
        )?
        .query_row(params![p.id, rev.number], |r| r.get(0))?;
    let editor = store::user_by_id(ctx.tx, rev.user_id)?;
    let (username, display) = match &editor {
        Some(u) => (u.username.clone(), u.name.clone()),
        None => ("deleted".to_string(), String::new()),
    };
    let display = if display.is_empty() {
        username.clone()
    } else {
        display
    };
    Ok(json!({
        "created_at": iso(rev.created_at),
        "post_id": p.id,
        "previous_hidden": rev.hidden,
        "current_hidden": p.hidden,
        // Revision 1 is the post as first written.
        "first_revision": 1,
        "previous_revision": previous.unwrap_or(rev.number - 1).max(1),
        "current_revision": rev.number,
        "next_revision": next,
        "last_revision": last,
        "current_version": rev.number,
        "version_count": last,
        "username": username,
        "display_username": display,
        "avatar_template": avatar_template(&username),
        "edit_reason": rev.edit_reason,
        "title_changes": null,
        "user_changes": null,
        "tags_changes": null,
        "wiki": false,
        "body_changes": {
            "inline": format!("<div class=\"inline-diff\"><p>{}</p></div>", inline_diff(&rev.before_raw, &rev.after_raw)),
            "side_by_side": format!(
                "<div class=\"revision-content\">{}</div><div class=\"revision-content\">{}</div>",
                rev.before_cooked, rev.after_cooked
            ),
            "side_by_side_markdown": format!(
                "<table class=\"markdown\"><tr><td class=\"diff-del\">{}</td><td class=\"diff-ins\">{}</td></tr></table>",
                escape_html(&rev.before_raw), escape_html(&rev.after_raw)
            ),
        },
        "can_edit": ctx.g.user.is_some() && ctx.g.can_edit_post(&p),
    }))
}

enum Op<'a> {
    Same(&'a str),
    Del(&'a str),
    Ins(&'a str),
}

/// A word diff of `before` → `after` as HTML: unchanged words escaped, removed runs in
/// `<del>…</del>`, added runs in `<ins>…</ins>`.
pub(crate) fn inline_diff(before: &str, after: &str) -> String {
    let a: Vec<&str> = before.split_whitespace().collect();
    let b: Vec<&str> = after.split_whitespace().collect();
    let mut pre = 0;
    while pre < a.len() && pre < b.len() && a[pre] == b[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < a.len() - pre && suf < b.len() - pre && a[a.len() - 1 - suf] == b[b.len() - 1 - suf]
    {
        suf += 1;
    }
    let ma = &a[pre..a.len() - suf];
    let mb = &b[pre..b.len() - suf];
    let mut ops: Vec<Op<'_>> = a[..pre].iter().map(|w| Op::Same(w)).collect();
    if ma.len().saturating_mul(mb.len()) <= MAX_DIFF_CELLS {
        // Longest common subsequence over the changed middle.
        let (n, m) = (ma.len(), mb.len());
        let mut l = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                l[i * (m + 1) + j] = if ma[i] == mb[j] {
                    l[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    l[(i + 1) * (m + 1) + j].max(l[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if ma[i] == mb[j] {
                ops.push(Op::Same(ma[i]));
                i += 1;
                j += 1;
            } else if l[(i + 1) * (m + 1) + j] >= l[i * (m + 1) + j + 1] {
                ops.push(Op::Del(ma[i]));
                i += 1;
            } else {
                ops.push(Op::Ins(mb[j]));
                j += 1;
            }
        }
        ops.extend(ma[i..].iter().map(|w| Op::Del(w)));
        ops.extend(mb[j..].iter().map(|w| Op::Ins(w)));
    } else {
        ops.extend(ma.iter().map(|w| Op::Del(w)));
        ops.extend(mb.iter().map(|w| Op::Ins(w)));
    }
    ops.extend(a[a.len() - suf..].iter().map(|w| Op::Same(w)));

    // Group runs of the same kind.
    let mut out = String::new();
    let mut i = 0;
    while i < ops.len() {
        let (tag, words): (Option<&str>, Vec<&str>) = match ops[i] {
            Op::Same(_) => {
                let mut w = Vec::new();
                while let Some(Op::Same(x)) = ops.get(i) {
                    w.push(*x);
                    i += 1;
                }
                (None, w)
            }
            Op::Del(_) => {
                let mut w = Vec::new();
                while let Some(Op::Del(x)) = ops.get(i) {
                    w.push(*x);
                    i += 1;
                }
                (Some("del"), w)
            }
            Op::Ins(_) => {
                let mut w = Vec::new();
                while let Some(Op::Ins(x)) = ops.get(i) {
                    w.push(*x);
                    i += 1;
                }
                (Some("ins"), w)
            }
        };
        if !out.is_empty() {
            out.push(' ');
        }
        let text = escape_html(&words.join(" "));
        match tag {
            Some(t) => out.push_str(&format!("<{t}>{text}</{t}>")),
            None => out.push_str(&text),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_diff_marks_removed_and_added_runs() {
        assert_eq!(
            inline_diff("the router drops wifi", "the new router keeps wifi"),
            "the <ins>new</ins> router <del>drops</del> <ins>keeps</ins> wifi"
        );
        assert_eq!(inline_diff("same text", "same text"), "same text");
        assert_eq!(
            inline_diff("", "<b>added</b>"),
            "<ins>&lt;b&gt;added&lt;/b&gt;</ins>"
        );
        assert_eq!(inline_diff("gone", ""), "<del>gone</del>");
    }
}
