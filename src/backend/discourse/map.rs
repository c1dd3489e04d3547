//! Wire → domain, in one place. Nothing here does I/O or can panic on remote data.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::wire::*;
use crate::backend::{BackendError, Result};
use crate::domain::*;

/// Decode a body into a wire type, reporting a short reason (never the body) when it fails.
pub fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        let mut reason = e.to_string();
        if reason.len() > 120 {
            let mut cut = 120;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
            reason.push('…');
        }
        BackendError::Malformed(format!("{what}: {reason}"))
    })
}

pub fn time(s: &Option<String>) -> Option<Timestamp> {
    let s = s.as_deref()?.trim();
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            // "2014-09-04 08:22:19 UTC" and similar non-RFC forms some old serializers emit.
            chrono::NaiveDateTime::parse_from_str(s.trim_end_matches(" UTC"), "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

fn epoch() -> Timestamp {
    DateTime::<Utc>::UNIX_EPOCH
}

fn n32(v: Option<u64>) -> u32 {
    v.map(|n| u32::try_from(n).unwrap_or(u32::MAX)).unwrap_or(0)
}

fn trust(v: Option<u64>) -> u8 {
    v.map(|n| u8::try_from(n).unwrap_or(u8::MAX)).unwrap_or(0)
}

/// Discourse's names of its trust levels (`/site.json` `trust_levels`), as the neutral rank.
pub fn rank_of(trust_level: u8) -> Option<String> {
    let name = match trust_level {
        0 => "new user",
        1 => "basic",
        2 => "member",
        3 => "regular",
        _ => "leader",
    };
    Some(name.to_string())
}

/// The role a Discourse account has: staff flags first, then trust level 4 ("leader").
pub fn role_from(admin: Option<bool>, moderator: Option<bool>, trust_level: u8) -> Role {
    Role::from_flags(
        admin.unwrap_or(false),
        moderator.unwrap_or(false),
        trust_level >= 4,
    )
}

/// Discourse's guardian rules for a role (reference §4–§10). The server remains the judge;
/// this only decides what the console offers.
pub fn capabilities(role: Role) -> Capabilities {
    let staff = role.is_staff();
    let leader_or_staff = staff || role == Role::Leader;
    Capabilities {
        reply: true,
        move_posts: leader_or_staff,
        move_topics: leader_or_staff,
        award_badges: staff,
        accept_any_solution: leader_or_staff,
        read_private_messages: role == Role::Admin,
        see_admin_details: staff,
        review_queue: staff,
    }
}

/// `badge_type_id`: 1 gold, 2 silver, 3 bronze.
fn badge_type(id: u64) -> BadgeType {
    match id {
        1 => BadgeType::Gold,
        2 => BadgeType::Silver,
        _ => BadgeType::Bronze,
    }
}

fn user_id(id: Option<i64>) -> Option<UserId> {
    id.and_then(|i| u64::try_from(i).ok()).map(UserId::from)
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// Joins a site URL and a path the server gave (absolute URLs are kept as they are).
pub fn absolute(site_url: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_owned()
    } else if path.starts_with('/') {
        format!("{site_url}{path}")
    } else {
        format!("{site_url}/{path}")
    }
}

/// `page=N` in a `more_topics_url`.
pub fn page_in_url(url: &str) -> Option<u32> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "page")
        .and_then(|(_, v)| v.parse().ok())
}

// ---------------------------------------------------------------------------------------------
// Topic lists

/// A topic list plus whether the server said there is more.
pub struct ListPage {
    pub page: TopicPage,
    pub more_topics_url: Option<String>,
}

pub fn topic_list(resp: TopicListResponse) -> Result<ListPage> {
    let users: HashMap<i64, String> = resp
        .users
        .into_iter()
        .filter_map(|u| Some((u.id?, u.username?)))
        .collect();
    let list = resp
        .topic_list
        .ok_or_else(|| BackendError::Malformed("topic list: no topic_list".into()))?;
    let per_page = list
        .per_page
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(30);
    let topics = list
        .topics
        .into_iter()
        .filter_map(|t| list_topic(t, &users))
        .collect();
    let next = list
        .more_topics_url
        .as_deref()
        .map(|u| PageToken::from(u64::from(page_in_url(u).unwrap_or(1))));
    Ok(ListPage {
        page: TopicPage {
            topics,
            next,
            per_page,
        },
        more_topics_url: list.more_topics_url,
    })
}

fn list_topic(t: ListTopic, users: &HashMap<i64, String>) -> Option<TopicSummary> {
    let id = TopicId::from(t.id?);
    let poster_with = |needle: &str| {
        t.posters
            .iter()
            .find(|p| p.description.as_deref().is_some_and(|d| d.contains(needle)))
            .and_then(|p| p.user_id)
            .and_then(|id| users.get(&id).cloned())
    };
    let author = poster_with("Original Poster");
    let last_poster =
        nonempty(t.last_poster_username.clone()).or_else(|| poster_with("Most Recent Poster"));
    let created_at = time(&t.created_at)
        .or_else(|| time(&t.last_posted_at))
        .or_else(|| time(&t.bumped_at))
        .unwrap_or_else(epoch);
    Some(TopicSummary {
        id,
        title: nonempty(t.title).or(t.fancy_title).unwrap_or_default(),
        slug: t.slug.unwrap_or_else(|| "topic".into()),
        category_id: t.category_id.map(CategoryId::from),
        created_at,
        last_posted_at: time(&t.last_posted_at),
        author,
        last_poster,
        posts_count: n32(t.posts_count),
        reply_count: n32(t.reply_count),
        like_count: n32(t.like_count),
        views: n32(t.views),
        has_accepted_answer: t.has_accepted_answer.unwrap_or(false),
        closed: t.closed.unwrap_or(false),
        archived: t.archived.unwrap_or(false),
        pinned: t.pinned.unwrap_or(false),
        tags: t.tags,
    })
}

/// A search answer: its topics (the author from the matching opening post, when one is among
/// the posts) and the excerpt of the best matching post of each.
pub fn search_results(resp: SearchResponse) -> crate::backend::SearchResults {
    let mut authors: HashMap<u64, String> = HashMap::new();
    let mut excerpts: Vec<(TopicId, String)> = Vec::new();
    for p in &resp.posts {
        let Some(topic) = p.topic_id else { continue };
        if p.post_number == Some(1) {
            if let Some(u) = nonempty(p.username.clone()) {
                authors.insert(topic, u);
            }
        }
        let id = TopicId::from(topic);
        if !excerpts.iter().any(|(t, _)| *t == id) {
            if let Some(blurb) = nonempty(p.blurb.clone()) {
                excerpts.push((id, blurb));
            }
        }
    }
    let users = HashMap::new();
    let topics = resp
        .topics
        .into_iter()
        .filter_map(|t| {
            let raw_id = t.id;
            let mut summary = list_topic(t, &users)?;
            if summary.author.is_none() {
                summary.author = raw_id.and_then(|id| authors.get(&id).cloned());
            }
            Some(summary)
        })
        .collect();
    let more = resp
        .grouped_search_result
        .map(|g| g.more_full_page_results.unwrap_or(false) || g.more_posts.unwrap_or(false))
        .unwrap_or(false);
    crate::backend::SearchResults {
        topics,
        excerpts,
        more,
    }
}

/// A private-message list as timeline items.
pub fn private_messages(resp: TopicListResponse) -> Result<Vec<Activity>> {
    // Excerpts by topic id: a row the list drops (no id) must not shift them onto others.
    let excerpts: HashMap<u64, String> = resp
        .topic_list
        .as_ref()
        .map(|l| {
            l.topics
                .iter()
                .filter_map(|t| Some((t.id?, t.excerpt.clone()?)))
                .collect()
        })
        .unwrap_or_default();
    let page = topic_list(resp)?.page;
    Ok(page
        .topics
        .into_iter()
        .map(|t| {
            let excerpt =
                t.id.as_str()
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| excerpts.get(&id).cloned());
            (t, excerpt)
        })
        .map(|(t, excerpt)| Activity {
            channel: Channel::PrivateMessage,
            at: t.last_posted_at.unwrap_or(t.created_at),
            action: match &t.last_poster {
                Some(u) => format!("message, last from {u}"),
                None => "message".into(),
            },
            title: t.title,
            excerpt: excerpt.unwrap_or_default(),
            topic_id: Some(t.id),
            post_number: None,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Topics and posts

pub fn post(p: WirePost, topic_fallback: Option<&TopicId>) -> Option<Post> {
    let id = PostId::from(p.id?);
    let like_count = p.like_count.or_else(|| {
        p.actions_summary
            .iter()
            .find(|a| a.id == Some(2))
            .and_then(|a| a.count)
    });
    Some(Post {
        id,
        topic_id: p
            .topic_id
            .map(TopicId::from)
            .or_else(|| topic_fallback.cloned())
            .unwrap_or_default(),
        post_number: n32(p.post_number),
        author: PostAuthor {
            id: user_id(p.user_id),
            username: p.username.unwrap_or_default(),
            name: nonempty(p.name),
            role: role_from(p.admin, p.moderator, trust(p.trust_level)),
            rank: rank_of(trust(p.trust_level)),
            title: nonempty(p.user_title),
        },
        created_at: time(&p.created_at).unwrap_or_else(epoch),
        body_html: p.cooked.unwrap_or_default(),
        raw: p.raw,
        kind: match p.post_type {
            Some(2) => PostKind::ModeratorAction,
            Some(3) => PostKind::SmallAction,
            Some(4) => PostKind::Whisper,
            _ => PostKind::Regular,
        },
        like_count: n32(like_count),
        reply_to_post_number: p.reply_to_post_number.map(|n| n32(Some(n))),
        accepted_answer: p.accepted_answer.unwrap_or(false),
        can_accept_answer: p.can_accept_answer.unwrap_or(false),
        can_unaccept_answer: p.can_unaccept_answer.unwrap_or(false),
    })
}

pub fn posts(stream: Option<PostStream>, topic: Option<&TopicId>) -> Vec<Post> {
    stream
        .map(|s| s.posts)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| post(p, topic))
        .collect()
}

/// A topic from its first chunk, plus the ids of the posts still to fetch, in stream order.
pub fn topic(t: TopicShow, site_url: &str) -> Result<(Topic, Vec<PostId>)> {
    let id = TopicId::from(t.id.ok_or_else(|| BackendError::Malformed("topic: no id".into()))?);
    let stream = t.post_stream.unwrap_or_default();
    let order: Vec<PostId> = stream.stream.iter().copied().map(PostId::from).collect();
    let posts: Vec<Post> = stream
        .posts
        .into_iter()
        .filter_map(|p| post(p, Some(&id)))
        .collect();
    let have: BTreeSet<&PostId> = posts.iter().map(|p| &p.id).collect();
    let missing = order
        .iter()
        .filter(|i| !have.contains(i))
        .cloned()
        .collect();
    let details = t.details.unwrap_or_default();
    let accepted = t
        .accepted_answer
        .and_then(|a| a.post_number)
        .map(|n| n32(Some(n)))
        .or_else(|| {
            posts
                .iter()
                .find(|p| p.accepted_answer)
                .map(|p| p.post_number)
        });
    let slug = t.slug.unwrap_or_else(|| "topic".into());
    let created_at = time(&t.created_at)
        .or_else(|| posts.first().map(|p| p.created_at))
        .unwrap_or_else(epoch);
    let url = format!("{site_url}/t/{}/{id}", crate::domain::url_segment(&slug));
    let summary = TopicSummary {
        id,
        title: nonempty(t.title).or(t.fancy_title).unwrap_or_default(),
        slug,
        category_id: t.category_id.map(CategoryId::from),
        created_at,
        last_posted_at: time(&t.last_posted_at),
        author: details.created_by.and_then(|u| u.username).or_else(|| {
            posts
                .iter()
                .find(|p| p.post_number == 1)
                .map(|p| p.author.username.clone())
        }),
        last_poster: details.last_poster.and_then(|u| u.username),
        posts_count: n32(t.posts_count),
        reply_count: n32(t.reply_count),
        like_count: n32(t.like_count),
        views: n32(t.views),
        has_accepted_answer: t.has_accepted_answer.unwrap_or(false) || accepted.is_some(),
        closed: t.closed.unwrap_or(false),
        archived: t.archived.unwrap_or(false),
        pinned: t.pinned.unwrap_or(false),
        tags: t.tags,
    };
    Ok((
        Topic {
            summary,
            posts,
            rights: TopicRights {
                can_create_post: details.can_create_post.unwrap_or(false),
                can_move_posts: details.can_move_posts.unwrap_or(false),
                can_edit: details.can_edit.unwrap_or(false),
            },
            accepted_answer: accepted,
            url,
        },
        missing,
    ))
}

/// Orders posts by the topic's stream; posts the stream does not name go last by number.
pub fn order_posts(posts: &mut Vec<Post>, stream: &[PostId]) {
    let pos: HashMap<&PostId, usize> = stream.iter().enumerate().map(|(i, id)| (id, i)).collect();
    let mut seen = BTreeSet::new();
    posts.retain(|p| seen.insert(p.id.clone()));
    posts.sort_by_key(|p| (pos.get(&p.id).copied().unwrap_or(usize::MAX), p.post_number));
}

// ---------------------------------------------------------------------------------------------
// Categories

pub fn categories(resp: CategoriesResponse) -> Result<Vec<Category>> {
    let list = resp
        .category_list
        .ok_or_else(|| BackendError::Malformed("categories: no category_list".into()))?;
    let mut out = Vec::new();
    for c in list.categories {
        push_category(c, None, &mut out);
    }
    Ok(out)
}

fn push_category(c: WireCategory, parent: Option<&CategoryId>, out: &mut Vec<Category>) {
    let Some(id) = c.id.map(CategoryId::from) else {
        return;
    };
    out.push(Category {
        id: id.clone(),
        name: c.name.unwrap_or_default(),
        slug: c.slug.unwrap_or_default(),
        color: nonempty(c.color),
        parent_id: c
            .parent_category_id
            .map(CategoryId::from)
            .or_else(|| parent.cloned()),
        topic_count: c.topic_count.unwrap_or(0),
        description: nonempty(c.description_text).or_else(|| nonempty(c.description)),
    });
    for sub in c.subcategory_list {
        push_category(sub, Some(&id), out);
    }
}

// ---------------------------------------------------------------------------------------------
// Badges

pub fn badge(b: WireBadge) -> Option<Badge> {
    let id = b.id?;
    Some(Badge {
        id: BadgeId::from(id),
        name: b.name.unwrap_or_else(|| format!("badge #{id}")),
        description: b.description.unwrap_or_default(),
        badge_type: badge_type(b.badge_type_id.unwrap_or(3)),
        grant_count: b.grant_count.unwrap_or(0),
        // Older servers have no `manually_grantable`; system badges are the automatic ones.
        manually_grantable: b.manually_grantable.unwrap_or(!b.system.unwrap_or(false)),
        multiple_grant: b.multiple_grant.unwrap_or(false),
        enabled: b.enabled.unwrap_or(true),
    })
}

pub fn badges(resp: BadgesResponse) -> Vec<Badge> {
    resp.badges.into_iter().filter_map(badge).collect()
}

fn granted(
    ub: WireUserBadge,
    badges: &HashMap<BadgeId, Badge>,
    users: &HashMap<i64, String>,
) -> Option<GrantedBadge> {
    let badge_id = BadgeId::from(ub.badge_id?);
    let badge = badges.get(&badge_id).cloned().unwrap_or_else(|| Badge {
        name: format!("badge #{badge_id}"),
        id: badge_id,
        description: String::new(),
        badge_type: BadgeType::Bronze,
        grant_count: 0,
        manually_grantable: false,
        multiple_grant: false,
        enabled: true,
    });
    Some(GrantedBadge {
        badge,
        granted_at: time(&ub.granted_at).unwrap_or_else(epoch),
        granted_by: ub.granted_by_id.and_then(|id| users.get(&id).cloned()),
        topic_id: ub.topic_id.map(TopicId::from),
        post_number: ub.post_number.map(|n| n32(Some(n))),
        count: ub.count.map(|n| n32(Some(n))).unwrap_or(1).max(1),
    })
}

fn badge_sideloads(
    resp_badges: Vec<WireBadge>,
    resp_users: Vec<BasicUser>,
) -> (HashMap<BadgeId, Badge>, HashMap<i64, String>) {
    let badges = resp_badges
        .into_iter()
        .filter_map(badge)
        .map(|b| (b.id.clone(), b))
        .collect();
    let users = resp_users
        .into_iter()
        .filter_map(|u| Some((u.id?, u.username?)))
        .collect();
    (badges, users)
}

pub fn user_badges(resp: UserBadgesResponse) -> Vec<GrantedBadge> {
    let (badges, users) = badge_sideloads(resp.badges, resp.users);
    let mut out: Vec<GrantedBadge> = resp
        .user_badges
        .into_iter()
        .filter_map(|ub| granted(ub, &badges, &users))
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.granted_at));
    out
}

pub fn awarded_badge(resp: UserBadgesResponse) -> Result<GrantedBadge> {
    let (badges, users) = badge_sideloads(resp.badges, resp.users);
    resp.user_badge
        .and_then(|ub| granted(ub, &badges, &users))
        .ok_or_else(|| BackendError::Malformed("badge grant: no user_badge in the reply".into()))
}

/// An award's answer, told apart by the ids of the member's grants before it (see
/// [`super::decode::badge_grant`]); with the id of its grant.
pub fn badge_grant(
    resp: UserBadgesResponse,
    held_before: Option<&BTreeSet<u64>>,
) -> Result<(BadgeGrant, Option<u64>)> {
    let id = resp.user_badge.as_ref().and_then(|ub| ub.id);
    let grant = awarded_badge(resp)?;
    let outcome = match (id, held_before) {
        (Some(id), Some(held)) if held.contains(&id) => GrantOutcome::AlreadyHeld,
        (Some(_), Some(_)) => GrantOutcome::Granted,
        _ => GrantOutcome::Unconfirmed,
    };
    Ok((BadgeGrant { grant, outcome }, id))
}

// ---------------------------------------------------------------------------------------------
// Members

fn role_of(u: &WireUser) -> Role {
    role_from(u.admin, u.moderator, trust(u.trust_level))
}

pub fn account(u: WireUser) -> Result<Account> {
    let id = user_id(u.id).ok_or_else(|| BackendError::Malformed("account: no user id".into()))?;
    let role = role_of(&u);
    let mut capabilities = capabilities(role);
    // A category moderator is no staff member, but reviews their categories' items: the
    // session says so (the server then lists only those, with the actions they may take).
    capabilities.review_queue |= u.can_review == Some(true);
    Ok(Account {
        id,
        username: u
            .username
            .ok_or_else(|| BackendError::Malformed("account: no username".into()))?,
        name: nonempty(u.name),
        role,
        rank: rank_of(trust(u.trust_level)),
        capabilities,
    })
}

pub fn member(u: WireUser, site_url: &str) -> Result<Member> {
    let id = user_id(u.id).ok_or_else(|| BackendError::Malformed("user: no id".into()))?;
    let username = u
        .username
        .clone()
        .ok_or_else(|| BackendError::Malformed("user: no username".into()))?;
    let role = role_of(&u);
    Ok(Member {
        id,
        profile_url: format!("{site_url}/u/{}", crate::domain::url_segment(&username)),
        username,
        name: nonempty(u.name),
        title: nonempty(u.title),
        role,
        rank: rank_of(trust(u.trust_level)),
        created_at: time(&u.created_at),
        last_seen_at: time(&u.last_seen_at),
        last_posted_at: time(&u.last_posted_at),
        primary_group: nonempty(u.primary_group_name),
        badge_count: n32(u.badge_count),
        suspended_till: time(&u.suspended_till),
        silenced_till: time(&u.silenced_till),
    })
}

pub fn stats(s: WireSummary) -> MemberStats {
    MemberStats {
        likes_received: s.likes_received.unwrap_or(0),
        likes_given: s.likes_given.unwrap_or(0),
        topic_count: s.topic_count.unwrap_or(0),
        post_count: s.post_count.unwrap_or(0),
        solutions: s.solved_count.unwrap_or(0),
        days_visited: s.days_visited.unwrap_or(0),
        time_read_secs: s.time_read.unwrap_or(0),
        posts_read: s.posts_read_count.unwrap_or(0),
        likes_rank: None,
    }
}

/// What a `user_actions` action type means on the timeline.
fn action_kind(action_type: Option<u64>) -> (Channel, &'static str) {
    match action_type {
        Some(1) => (Channel::Like, "liked"),
        Some(2) => (Channel::Like, "was liked"),
        Some(4) => (Channel::Forum, "opened"),
        Some(5) => (Channel::Forum, "replied"),
        Some(6) => (Channel::Forum, "was replied to"),
        Some(7) => (Channel::Forum, "was mentioned"),
        Some(9) => (Channel::Forum, "was quoted"),
        Some(11) => (Channel::Forum, "edited"),
        Some(12) => (Channel::PrivateMessage, "sent a message"),
        Some(13) => (Channel::PrivateMessage, "received a message"),
        Some(15) => (Channel::Solution, "solved"),
        _ => (Channel::Forum, "posted"),
    }
}

pub fn user_actions(resp: UserActionsResponse) -> Vec<Activity> {
    resp.user_actions
        .into_iter()
        .filter_map(|a| {
            let (channel, action) = action_kind(a.action_type);
            Some(Activity {
                channel,
                at: time(&a.created_at)?,
                action: action.into(),
                title: a.title.unwrap_or_default(),
                excerpt: a.excerpt.unwrap_or_default(),
                topic_id: a.topic_id.map(TopicId::from),
                post_number: a.post_number.map(|n| n32(Some(n))),
            })
        })
        .collect()
}

pub fn solved_posts(resp: SolvedByUserResponse) -> Vec<Activity> {
    resp.user_solved_posts
        .into_iter()
        .filter_map(|s| {
            Some(Activity {
                channel: Channel::Solution,
                at: time(&s.created_at)?,
                action: "answer accepted".into(),
                title: s.topic_title.unwrap_or_default(),
                excerpt: s.excerpt.unwrap_or_default(),
                topic_id: s.topic_id.map(TopicId::from),
                post_number: s.post_number.map(|n| n32(Some(n))),
            })
        })
        .collect()
}

pub fn moderation(u: AdminUser, now: Timestamp) -> MemberModeration {
    let counts = u.penalty_counts.unwrap_or_default();
    let mut current = Vec::new();
    let suspended_till = time(&u.suspended_till);
    if suspended_till.is_some_and(|t| t > now) || u.suspended == Some(true) {
        current.push(Penalty {
            kind: PenaltyKind::Suspension,
            until: suspended_till,
            reason: nonempty(u.full_suspend_reason).or_else(|| nonempty(u.suspend_reason)),
        });
    }
    let silenced_till = time(&u.silenced_till);
    if silenced_till.is_some_and(|t| t > now) || u.silenced == Some(true) {
        current.push(Penalty {
            kind: PenaltyKind::Silence,
            until: silenced_till,
            reason: nonempty(u.silence_reason),
        });
    }
    let mut linked: Vec<LinkedAccount> = u
        .external_ids
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(provider, uid)| {
            let uid = match uid {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some(LinkedAccount { provider, uid })
        })
        .collect();
    if let Some(ext) = u
        .single_sign_on_record
        .and_then(|r| nonempty(r.external_id))
    {
        if !linked.iter().any(|l| l.provider == "sso") {
            linked.push(LinkedAccount {
                provider: "sso".into(),
                uid: ext,
            });
        }
    }
    MemberModeration {
        flags_given: u.flags_given_count.unwrap_or(0),
        flags_received: u.flags_received_count.unwrap_or(0),
        warnings_received: u.warnings_received_count.unwrap_or(0),
        suspensions: counts.suspended.unwrap_or(0),
        silences: counts.silenced.unwrap_or(0),
        current,
        linked_accounts: linked,
        counts_unavailable: None,
    }
}

pub fn reviews(resp: ReviewResponse) -> Vec<ReviewItem> {
    resp.reviewables
        .into_iter()
        .filter_map(|r| {
            let post_id = r.post_id.or_else(|| {
                r.target_id
                    .filter(|_| r.target_type.as_deref() == Some("Post"))
            });
            Some(ReviewItem {
                id: ReviewId::from(r.id?),
                kind: r.kind.unwrap_or_else(|| "Reviewable".into()),
                topic_id: r.topic_id.map(TopicId::from),
                post_id: post_id.map(PostId::from),
                created_at: time(&r.created_at),
                score: r.score.filter(|s| s.is_finite()).unwrap_or(0.0),
                reason: nonempty(r.reason),
            })
        })
        .collect()
}

pub fn chat_messages(
    resp: ChatMessagesResponse,
    channel_title: &str,
    username: &str,
) -> Vec<Activity> {
    resp.messages
        .into_iter()
        .filter(|m| {
            m.user
                .as_ref()
                .and_then(|u| u.username.as_deref())
                .is_some_and(|u| u.eq_ignore_ascii_case(username))
        })
        .filter_map(|m| {
            Some(Activity {
                channel: Channel::Chat,
                at: time(&m.created_at)?,
                action: format!("wrote in #{channel_title}"),
                title: channel_title.to_owned(),
                excerpt: nonempty(m.message).or(m.excerpt).unwrap_or_default(),
                topic_id: None,
                post_number: None,
            })
        })
        .collect()
}

/// The topic id at the end of a `/t/slug/123` or `/t/slug/123/4` URL.
pub fn topic_id_in_url(url: &str) -> Option<TopicId> {
    let path = url.split(['?', '#']).next()?;
    let mut segs = path.split('/').skip_while(|s| *s != "t").skip(1);
    let first = segs.next()?;
    if let Ok(id) = first.parse::<u64>() {
        return Some(TopicId::from(id));
    }
    segs.next()?.parse::<u64>().ok().map(TopicId::from)
}

// ---------------------------------------------------------------------------------------------
// Live feed: message-bus channels and presence (reference §14)

/// The presence channel of the people writing a reply in a topic.
pub fn reply_channel(topic: &TopicId) -> String {
    format!("/discourse-presence/reply/{topic}")
}

/// The message-bus channels a poll subscribes to: the topic lists, and for each watched topic
/// its posts and its reply presence.
pub fn bus_channels(watch: &[TopicId]) -> Vec<String> {
    let mut out = vec!["/latest".to_owned(), "/new".to_owned()];
    let mut seen = BTreeSet::new();
    for topic in watch {
        if seen.insert(topic) {
            out.push(format!("/topic/{topic}"));
            out.push(format!("/presence{}", reply_channel(topic)));
        }
    }
    out
}

/// What one bus message asks of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusItem {
    Event(LiveEvent),
    /// Someone started or stopped writing a reply in the topic: who came (id, username) and
    /// who left (ids). Who is there now is asked unless only the account itself moved.
    Presence {
        topic: TopicId,
        entering: Vec<(Option<i64>, Option<String>)>,
        leaving: Vec<u64>,
    },
}

/// A poll reply, read.
#[derive(Debug, Default)]
pub struct BusBatch {
    pub items: Vec<BusItem>,
    /// Channel → newest message id seen (from messages and from `/__status`).
    pub positions: BTreeMap<String, i64>,
    /// Why single messages were skipped: short, printable, never a body.
    pub skipped: Vec<String>,
}

/// A channel name as it may appear in a log line.
fn printable(channel: &str) -> String {
    channel
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(80)
        .collect()
}

/// Reads the messages of a poll reply. A message that cannot be read is skipped (and named in
/// `skipped`), never fatal; its position still counts when it had one.
pub fn bus_messages(raw: Vec<Value>) -> BusBatch {
    let mut batch = BusBatch::default();
    for (i, value) in raw.into_iter().enumerate() {
        let Some(msg) = value
            .is_object()
            .then(|| serde_json::from_value::<BusMessage>(value).ok())
            .flatten()
        else {
            batch.skipped.push(format!("message {i}: not an object"));
            continue;
        };
        let Some(channel) = msg.channel.filter(|c| !c.is_empty()) else {
            batch.skipped.push(format!("message {i}: no channel"));
            continue;
        };
        if channel == "/__status" {
            match msg.data {
                Value::Object(ids) => {
                    for (ch, id) in ids {
                        match lenient::to_i64(&id) {
                            Some(id) => {
                                batch.positions.insert(ch, id);
                            }
                            None => batch
                                .skipped
                                .push(format!("status of {}: id is not a number", printable(&ch))),
                        }
                    }
                }
                _ => batch
                    .skipped
                    .push(format!("message {i}: status without channel ids")),
            }
            continue;
        }
        let Some(id) = msg.message_id else {
            batch.skipped.push(format!(
                "message {i} on {}: no message id",
                printable(&channel)
            ));
            continue;
        };
        batch.positions.insert(channel.clone(), id);
        match bus_item(&channel, msg.data) {
            Ok(Some(item)) => batch.items.push(item),
            Ok(None) => {}
            Err(why) => batch
                .skipped
                .push(format!("message {id} on {}: {why}", printable(&channel))),
        }
    }
    batch
}

fn bus_item(channel: &str, data: Value) -> std::result::Result<Option<BusItem>, &'static str> {
    if !data.is_object() {
        return Err("data is not an object");
    }
    if let Some(rest) = channel.strip_prefix("/presence/discourse-presence/reply/") {
        let topic = TopicId::from(
            rest.parse::<u64>()
                .map_err(|_| "no topic id in the channel")?,
        );
        let d: PresenceBusData = serde_json::from_value(data).map_err(|_| "unreadable data")?;
        return Ok(Some(BusItem::Presence {
            topic,
            entering: d
                .entering_users
                .into_iter()
                .map(|u| (u.id, u.username))
                .collect(),
            leaving: d.leaving_user_ids,
        }));
    }
    if let Some(rest) = channel.strip_prefix("/topic/") {
        let topic_id = TopicId::from(
            rest.parse::<u64>()
                .map_err(|_| "no topic id in the channel")?,
        );
        let d: TopicBusData = serde_json::from_value(data).map_err(|_| "unreadable data")?;
        return Ok(Some(BusItem::Event(LiveEvent::TopicChanged {
            topic_id,
            post_number: d.post_number.and_then(|n| u32::try_from(n).ok()),
            reason: d.kind.unwrap_or_else(|| "changed".into()),
        })));
    }
    if matches!(
        channel,
        "/latest" | "/new" | "/unread" | "/delete" | "/recover" | "/destroy"
    ) {
        let d: TopicListData = serde_json::from_value(data).map_err(|_| "unreadable data")?;
        return Ok(Some(BusItem::Event(LiveEvent::TopicListChanged {
            topic_id: d.topic_id.map(TopicId::from),
            reason: d
                .message_type
                .unwrap_or_else(|| channel.trim_start_matches('/').to_owned()),
        })));
    }
    // A channel this feed did not ask for: nothing to report.
    Ok(None)
}

/// Usernames present on `channel` in a `/presence/get` reply (`null` or absent: nobody).
pub fn presence_users(resp: &PresenceGetResponse, channel: &str) -> Vec<String> {
    let Some(state) = resp.get(channel).filter(|v| v.is_object()) else {
        return Vec::new();
    };
    let state: PresenceState = serde_json::from_value(state.clone()).unwrap_or_default();
    let mut seen = BTreeSet::new();
    state
        .users
        .into_iter()
        .filter_map(|u| u.username)
        .filter(|u| !u.trim().is_empty() && seen.insert(u.to_lowercase()))
        .collect()
}

/// Did a `/presence/update` reply refuse `channel` (`false`: not found or not allowed)?
pub fn presence_refused(resp: &PresenceUpdateResponse, channel: &str) -> bool {
    resp.get(channel) == Some(&Value::Bool(false))
}
