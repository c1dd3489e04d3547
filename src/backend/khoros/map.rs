//! Khoros wire types to domain types, in one place.
//!
//! Khoros has no post numbers: a message's number is its place in the thread by post time
//! (the opening message is 1), which is what the console shows and what a reply names. A
//! topic's id is its opening message's id; a board is a category (its id doubles as slug).
//! Khoros's ranks are its members' standing words; the neutral role of the signed-in account
//! comes from its roles (`t:Administrator`, `t:Moderator`, a super-user role), and an author's
//! role beside a post from the rank Khoros shows with it.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::wire::{self, Count, ItemList, SumWeight};
use crate::backend::{BackendError, Result};
use crate::domain::*;

/// `data` of a LiQL list answer.
pub(super) fn items<T: DeserializeOwned>(data: Value, what: &str) -> Result<ItemList<T>> {
    if !data.is_object() {
        return Err(BackendError::Malformed(format!(
            "the {what} answer holds no list"
        )));
    }
    serde_json::from_value(data)
        .map_err(|e| BackendError::Malformed(format!("the {what} answer: {e}")))
}

/// Words of a subject as a URL slug (`Router drops Wi-Fi` → `router-drops-wi-fi`).
pub(super) fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 80 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The slug of a `view_href` (`…/t5/{board}/{slug}/td-p/{id}`), else one made of the subject.
fn slug_of(m: &wire::Message) -> String {
    m.view_href
        .as_deref()
        .and_then(|href| {
            let segs: Vec<&str> = href.split('/').collect();
            let at = segs
                .iter()
                .position(|s| matches!(*s, "td-p" | "m-p" | "ta-p" | "ba-p"))?;
            at.checked_sub(1)
                .and_then(|i| segs.get(i))
                .map(|s| s.to_string())
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| slugify(m.subject.as_deref().unwrap_or("")))
}

/// Ranks that mark staff or super users, by the words Khoros communities give them. Only for
/// the role shown beside an author's post: the account's own role comes from its roles.
pub(super) fn role_of_rank(rank: Option<&str>) -> Role {
    let r = rank.unwrap_or("").to_ascii_lowercase();
    if r.contains("admin") || r.contains("community manager") {
        Role::Admin
    } else if r.contains("moderator") || r.contains("employee") || r.contains("staff") {
        Role::Moderator
    } else if r.contains("super user") || r.contains("guide") || r.contains("champion") {
        Role::Leader
    } else {
        Role::Member
    }
}

/// The neutral role from the account's Khoros roles (`t:Administrator` style ids or names).
pub(super) fn role_of_roles(roles: &[wire::Role]) -> Role {
    let names: Vec<String> = roles
        .iter()
        .flat_map(|r| [r.id.clone(), r.name.clone()])
        .flatten()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let has = |words: &[&str]| names.iter().any(|n| words.iter().any(|w| n.contains(w)));
    Role::from_flags(
        has(&["administrator"]),
        has(&["moderator", "community manager"]),
        has(&["super user", "superuser", "community guide", "guide"]),
    )
}

/// What a role may do on Khoros through this adapter: no moves and no badge grants (the
/// platform has no API for them), solutions in any thread for staff.
pub fn capabilities(role: Role) -> Capabilities {
    Capabilities {
        reply: true,
        move_posts: false,
        move_topics: false,
        award_badges: false,
        accept_any_solution: role.is_staff(),
        read_private_messages: false,
        see_admin_details: role.is_staff(),
        review_queue: false,
    }
}

fn epoch() -> Timestamp {
    chrono::DateTime::<chrono::Utc>::UNIX_EPOCH
}

/// A thread's opening message as a queue row. `None` without an id.
pub(super) fn topic_summary(
    m: &wire::Message,
    last_poster: Option<String>,
) -> Option<TopicSummary> {
    let id = m.id.clone().filter(|i| !i.trim().is_empty())?;
    let replies = Count::of(&m.replies);
    let conv = m.conversation.clone().unwrap_or_default();
    let created = m.post_time.or(conv.last_post_time).unwrap_or_else(epoch);
    let replies = replies.max(conv.messages_count.unwrap_or(0).saturating_sub(1));
    Some(TopicSummary {
        id: TopicId::new(id),
        title: m.subject.clone().unwrap_or_default(),
        slug: slug_of(m),
        category_id: m
            .board
            .as_ref()
            .and_then(|b| b.id.clone())
            .map(CategoryId::new),
        created_at: created,
        last_posted_at: conv.last_post_time.or(m.post_time),
        author: m.author.as_ref().and_then(|a| a.login.clone()),
        last_poster,
        posts_count: u32::try_from(replies.saturating_add(1)).unwrap_or(u32::MAX),
        reply_count: u32::try_from(replies).unwrap_or(u32::MAX),
        like_count: u32::try_from(SumWeight::of(&m.kudos)).unwrap_or(u32::MAX),
        views: m
            .metrics
            .as_ref()
            .and_then(|x| x.views)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0),
        has_accepted_answer: conv.solved.unwrap_or(false),
        closed: m.read_only.unwrap_or(false),
        archived: false,
        pinned: false,
        tags: Vec::new(),
    })
}

fn author_of(m: &wire::Message) -> PostAuthor {
    let a = m.author.clone().unwrap_or_default();
    let rank = a.rank.and_then(|r| r.name).filter(|r| !r.is_empty());
    PostAuthor {
        id: a.id.map(UserId::new),
        username: a.login.unwrap_or_default(),
        name: None,
        role: role_of_rank(rank.as_deref()),
        rank,
        title: None,
    }
}

/// The messages of a thread (any order) as posts numbered by post time, and the thread.
pub(super) fn topic(mut messages: Vec<wire::Message>, root_id: &TopicId) -> Result<Topic> {
    messages.retain(|m| m.id.as_deref().is_some_and(|i| !i.trim().is_empty()));
    // Oldest first; the opening message first whatever its time says.
    messages.sort_by_key(|m| {
        (
            m.id.as_deref() != Some(root_id.as_str()),
            m.post_time.unwrap_or_else(epoch),
            m.id.clone().unwrap_or_default(),
        )
    });
    let root = messages
        .iter()
        .find(|m| m.id.as_deref() == Some(root_id.as_str()))
        .cloned()
        .ok_or_else(|| BackendError::NotFound(format!("no thread {root_id}")))?;
    let numbers: HashMap<String, u32> = messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((m.id.clone()?, u32::try_from(i + 1).ok()?)))
        .collect();
    let posts: Vec<Post> = messages
        .iter()
        .filter_map(|m| {
            let id = m.id.clone()?;
            let number = *numbers.get(&id)?;
            let parent = m.parent.as_ref().and_then(|p| p.id.clone());
            let is_solution = m.is_solution.unwrap_or(false);
            Some(Post {
                id: PostId::new(id),
                topic_id: root_id.clone(),
                post_number: number,
                author: author_of(m),
                created_at: m.post_time.unwrap_or_else(epoch),
                body_html: m.body.clone().unwrap_or_default(),
                raw: None,
                kind: PostKind::Regular,
                like_count: u32::try_from(SumWeight::of(&m.kudos)).unwrap_or(u32::MAX),
                // A reply to the opening message is a reply to the thread as a whole.
                reply_to_post_number: parent
                    .and_then(|p| numbers.get(&p).copied())
                    .filter(|n| *n > 1),
                accepted_answer: is_solution,
                can_accept_answer: m.can_accept_solution.unwrap_or(false) && !is_solution,
                // Khoros documents no call to take a solution back (reference §4).
                can_unaccept_answer: false,
            })
        })
        .collect();
    let replies = posts.len().saturating_sub(1) as u32;
    let last = posts.iter().map(|p| p.created_at).max();
    let last_poster = posts
        .iter()
        .max_by_key(|p| (p.created_at, p.post_number))
        .map(|p| p.author.username.clone());
    let mut summary = topic_summary(&root, last_poster).ok_or_else(|| {
        BackendError::Malformed(format!("thread {root_id}: its opening message has no id"))
    })?;
    summary.posts_count = replies.saturating_add(1);
    summary.reply_count = replies;
    summary.last_posted_at = last.or(summary.last_posted_at);
    if posts.iter().any(|p| p.accepted_answer) {
        summary.has_accepted_answer = true;
    }
    let can_reply = root
        .user_context
        .as_ref()
        .and_then(|c| c.can_reply)
        .unwrap_or(!summary.closed);
    let accepted = posts
        .iter()
        .find(|p| p.accepted_answer)
        .map(|p| p.post_number);
    let url = root.view_href.clone().unwrap_or_default();
    Ok(Topic {
        summary,
        posts,
        rights: TopicRights {
            can_create_post: can_reply,
            can_move_posts: false,
            can_edit: false,
        },
        accepted_answer: accepted,
        url,
    })
}

/// A message as the post it became (a reply just created): its number is given by the caller.
pub(super) fn created_post(m: &wire::Message, topic_id: &TopicId, number: u32) -> Result<Post> {
    let id =
        m.id.clone()
            .filter(|i| !i.trim().is_empty())
            .ok_or_else(|| BackendError::Malformed("the created message has no id".into()))?;
    Ok(Post {
        id: PostId::new(id),
        topic_id: topic_id.clone(),
        post_number: number,
        author: author_of(m),
        created_at: m.post_time.unwrap_or_else(chrono::Utc::now),
        body_html: m.body.clone().unwrap_or_default(),
        raw: None,
        kind: PostKind::Regular,
        like_count: 0,
        reply_to_post_number: None,
        accepted_answer: false,
        can_accept_answer: m.can_accept_solution.unwrap_or(false),
        can_unaccept_answer: false,
    })
}

pub(super) fn category(b: &wire::Board) -> Option<Category> {
    let id = b.id.clone().filter(|i| !i.trim().is_empty())?;
    Some(Category {
        id: CategoryId::new(id.clone()),
        name: b.title.clone().unwrap_or_else(|| id.clone()),
        slug: id,
        color: None,
        parent_id: None,
        topic_count: Count::of(&b.topics),
        description: b.description.clone(),
    })
}

fn display_name(u: &wire::User) -> Option<String> {
    let name = [u.first_name.as_deref(), u.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

pub(super) fn account(u: &wire::User, roles: &[wire::Role]) -> Result<Account> {
    let id =
        u.id.clone()
            .ok_or_else(|| BackendError::Malformed("the user has no id".into()))?;
    let role = role_of_roles(roles);
    Ok(Account {
        id: UserId::new(id),
        username: u.login.clone().unwrap_or_default(),
        name: display_name(u),
        role,
        rank: u.rank.as_ref().and_then(|r| r.name.clone()),
        capabilities: capabilities(role),
    })
}

pub(super) fn member(u: &wire::User, role: Role) -> Result<Member> {
    let id =
        u.id.clone()
            .ok_or_else(|| BackendError::Malformed("the user has no id".into()))?;
    let badges = u.user_badges.as_ref().map(|b| b.items.len()).unwrap_or(0);
    Ok(Member {
        id: UserId::new(id),
        username: u.login.clone().unwrap_or_default(),
        name: display_name(u),
        title: None,
        role,
        rank: u.rank.as_ref().and_then(|r| r.name.clone()),
        created_at: u
            .registration_data
            .as_ref()
            .and_then(|r| r.registration_time),
        last_seen_at: u.last_visit_time,
        last_posted_at: None,
        primary_group: None,
        badge_count: u32::try_from(badges).unwrap_or(u32::MAX),
        suspended_till: None,
        silenced_till: None,
        profile_url: u.view_href.clone().unwrap_or_default(),
    })
}

/// The counts Khoros keeps for a member (reference §7). Khoros reports no visits or reading
/// time through LiQL: those stay 0.
pub(super) fn stats(u: &wire::User) -> MemberStats {
    MemberStats {
        likes_received: SumWeight::of(&u.kudos_received),
        likes_given: SumWeight::of(&u.kudos_given),
        topic_count: Count::of(&u.topics),
        post_count: Count::of(&u.messages),
        solutions: Count::of(&u.solutions_authored),
        ..MemberStats::default()
    }
}

/// Khoros badges have no gold/silver/bronze: every badge is shown as the plain kind. They are
/// granted by their rules, never by hand.
pub(super) fn badge(b: &wire::Badge) -> Option<Badge> {
    let id = b.id.clone().filter(|i| !i.trim().is_empty())?;
    Some(Badge {
        id: BadgeId::new(id.clone()),
        name: b.title.clone().unwrap_or(id),
        description: b.description.clone().unwrap_or_default(),
        badge_type: BadgeType::Bronze,
        grant_count: b.awarded.unwrap_or(0),
        manually_grantable: false,
        multiple_grant: false,
        enabled: true,
    })
}

pub(super) fn granted_badges(u: &wire::User) -> Vec<GrantedBadge> {
    let Some(list) = &u.user_badges else {
        return Vec::new();
    };
    list.items
        .iter()
        .filter_map(|ub| {
            // Listed but not earned (some tenants show unearned badges): not held.
            let earned = ub.earned_date?;
            Some(GrantedBadge {
                badge: badge(ub.badge.as_ref()?)?,
                granted_at: earned,
                granted_by: None,
                topic_id: None,
                post_number: None,
                count: 1,
            })
        })
        .collect()
}

/// A member's message in the timeline: a thread opened, a reply, or a reply accepted as the
/// solution.
pub(super) fn message_activity(m: &wire::Message) -> Option<Activity> {
    let at = m.post_time?;
    let opened = m.depth == Some(0);
    let topic = m
        .topic
        .as_ref()
        .and_then(|t| t.id.clone())
        .or_else(|| opened.then(|| m.id.clone()).flatten());
    let (channel, action) = if m.is_solution.unwrap_or(false) {
        (Channel::Solution, "solution accepted")
    } else if opened {
        (Channel::Forum, "opened")
    } else {
        (Channel::Forum, "replied")
    };
    Some(Activity {
        channel,
        at,
        action: action.into(),
        title: m.subject.clone().unwrap_or_default(),
        excerpt: excerpt(m.body.as_deref().unwrap_or("")),
        topic_id: topic.map(TopicId::new),
        post_number: None,
    })
}

pub(super) fn kudo_activity(k: &wire::Kudo) -> Option<Activity> {
    let at = k.time?;
    let m = k.message.clone().unwrap_or_default();
    Some(Activity {
        channel: Channel::Like,
        at,
        action: "gave kudos".into(),
        title: m.subject.unwrap_or_default(),
        excerpt: String::new(),
        topic_id: m.topic.and_then(|t| t.id).or(m.id).map(TopicId::new),
        post_number: None,
    })
}

/// The first words of an HTML body, as text.
pub(super) fn excerpt(html: &str) -> String {
    let text = plain_text(html);
    let mut out: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        out.push('…');
    }
    out
}

/// HTML as its words: tags dropped, the common entities read, whitespace collapsed. For
/// excerpts and for recognising one's own reply, not for display (the renderer does that).
pub(super) fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Tags the composer's text may carry (the quote template uses them) and that pass as they
/// are; everything else is text.
const INLINE_TAGS: [&str; 6] = [
    "<strong>",
    "</strong>",
    "<em>",
    "</em>",
    "<code>",
    "</code>",
];
const BLOCK_TAGS: [&str; 2] = ["<blockquote>", "</blockquote>"];

fn inline(line: &str) -> String {
    let mut out = escape(line);
    for tag in INLINE_TAGS {
        out = out.replace(&escape(tag), tag);
    }
    out
}

/// The composer's text as the HTML body Khoros stores (its reply format, `Markup::Html`):
/// paragraphs at blank lines, line breaks kept, every character escaped except the few tags
/// the quote template writes (a `<blockquote>` on a line of its own, `<strong>`, `<em>`,
/// `<code>`).
pub fn compose_html(raw: &str) -> String {
    let mut out = String::new();
    let mut para: Vec<String> = Vec::new();
    let flush = |para: &mut Vec<String>, out: &mut String| {
        if !para.is_empty() {
            out.push_str("<p>");
            out.push_str(&para.join("<br />"));
            out.push_str("</p>");
            para.clear();
        }
    };
    for line in raw.replace("\r\n", "\n").lines() {
        let t = line.trim();
        if BLOCK_TAGS.contains(&t) {
            flush(&mut para, &mut out);
            out.push_str(t);
        } else if t.is_empty() {
            flush(&mut para, &mut out);
        } else {
            para.push(inline(line.trim_end()));
        }
    }
    flush(&mut para, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_html_escapes_all_but_the_quote_tags() {
        assert_eq!(
            compose_html("Hi <script>alert(1)</script> & bye\nsecond line\n\nnew para"),
            "<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; bye<br />second line</p>\
             <p>new para</p>"
        );
        assert_eq!(
            compose_html("<blockquote>\n<strong>mia wrote:</strong>\nIt drops.\n</blockquote>\n\nTry this."),
            "<blockquote><p><strong>mia wrote:</strong><br />It drops.</p></blockquote><p>Try this.</p>"
        );
        assert_eq!(compose_html("  \n\n"), "");
        // What was sent reads back as the same words.
        let raw = "Restart the <b>router</b> & wait 5 min.\n\nThen test.";
        assert_eq!(
            plain_text(&compose_html(raw)),
            "Restart the <b>router</b> & wait 5 min. Then test."
        );
    }

    #[test]
    fn slugs_and_roles() {
        assert_eq!(
            slugify("Router drops Wi-Fi at 8pm!"),
            "router-drops-wi-fi-at-8pm"
        );
        assert_eq!(slugify("  "), "");
        assert_eq!(role_of_rank(Some("Community Manager")), Role::Admin);
        assert_eq!(role_of_rank(Some("Moderator")), Role::Moderator);
        assert_eq!(role_of_rank(Some("Super User")), Role::Leader);
        assert_eq!(role_of_rank(Some("Regular Contributor")), Role::Member);
        assert_eq!(role_of_rank(None), Role::Member);
        let roles = |names: &[&str]| -> Vec<wire::Role> {
            names
                .iter()
                .map(|n| wire::Role {
                    id: Some(format!("t:{n}")),
                    name: Some(n.to_string()),
                })
                .collect()
        };
        assert_eq!(role_of_roles(&roles(&["Administrator"])), Role::Admin);
        assert_eq!(role_of_roles(&roles(&["Moderator"])), Role::Moderator);
        assert_eq!(role_of_roles(&roles(&["Super User"])), Role::Leader);
        assert_eq!(role_of_roles(&roles(&[])), Role::Member);
    }

    #[test]
    fn threads_number_their_messages_by_time() {
        let msg = |id: &str, parent: Option<&str>, mins: i64| wire::Message {
            id: Some(id.into()),
            subject: Some("S".into()),
            post_time: chrono::DateTime::from_timestamp(1_700_000_000 + mins * 60, 0),
            parent: parent.map(|p| wire::Ref { id: Some(p.into()) }),
            author: Some(wire::UserRef {
                id: Some("1".into()),
                login: Some(format!("u{id}")),
                rank: None,
            }),
            ..Default::default()
        };
        let t = topic(
            vec![
                msg("12", Some("11"), 5),
                msg("10", None, 0),
                msg("11", Some("10"), 2),
            ],
            &TopicId::new("10"),
        )
        .expect("thread");
        let numbers: Vec<(String, u32, Option<u32>)> = t
            .posts
            .iter()
            .map(|p| (p.id.to_string(), p.post_number, p.reply_to_post_number))
            .collect();
        assert_eq!(
            numbers,
            vec![
                ("10".into(), 1, None),
                ("11".into(), 2, None),
                ("12".into(), 3, Some(2))
            ]
        );
        assert_eq!(t.summary.posts_count, 3);
        assert_eq!(t.summary.last_poster.as_deref(), Some("u12"));
        assert!(matches!(
            topic(vec![msg("11", Some("10"), 2)], &TopicId::new("10")),
            Err(BackendError::NotFound(_))
        ));
    }
}
