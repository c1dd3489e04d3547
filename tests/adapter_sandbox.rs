//! The Discourse adapter against the embedded sandbox: every operation, as each demo role,
//! checking the adapter's answer and the server's state afterwards (through the raw API).

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use modterm::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use modterm::backend::{Backend, BackendError};
use modterm::domain::*;
use modterm::sandbox::Faults;
use reqwest::StatusCode;
use serde_json::json;

fn adapter(sb: &TestSandbox, username: &str) -> Discourse {
    Discourse::new(DiscourseOptions::new(
        sb.url.clone(),
        Credentials::ApiKey {
            key: KEY.into(),
            username: username.into(),
        },
    ))
    .expect("adapter")
}

fn assert_forbidden<T: std::fmt::Debug>(r: Result<T, BackendError>, what: &str) {
    match r {
        Err(BackendError::Forbidden(msg)) => assert!(!msg.trim().is_empty(), "{what}: empty"),
        other => panic!("{what}: expected Forbidden, got {other:?}"),
    }
}

/// Every page of a queue view through the adapter (bounded).
async fn all_pages(be: &Discourse, view: QueueView) -> Vec<TopicSummary> {
    let mut q = QueueQuery {
        view,
        ..QueueQuery::default()
    };
    let mut out = Vec::new();
    for _ in 0..100 {
        let page = be.topics(&q).await.expect("topics");
        out.extend(page.topics);
        match page.next {
            Some(n) => {
                assert_ne!(Some(&n), q.page.as_ref(), "paging moves on");
                q.page = Some(n);
            }
            None => return out,
        }
    }
    panic!("paging never ended");
}

#[tokio::test]
async fn whoami_each_demo_role() {
    let sb = start().await;
    let cases = [
        ("admin", Role::Admin),
        ("mod_anna", Role::Moderator),
        ("mod_ben", Role::Moderator),
        ("mod_chloe", Role::Moderator),
        ("leader_luca", Role::Leader),
        ("leader_lena", Role::Leader),
        ("member_mia", Role::Member),
    ];
    for (user, role) in cases {
        let me = adapter(&sb, user).whoami().await.expect(user);
        assert_eq!(me.username, user);
        assert_eq!(me.role, role, "{user}");
        assert_eq!(
            me.capabilities,
            modterm::backend::discourse::capabilities_for_role(role),
            "{user}"
        );
        let (_, raw) = sb.get(&format!("/u/{user}.json"), Some("admin")).await;
        assert_eq!(me.id, raw["user"]["id"].as_u64().unwrap(), "{user}");
        // The neutral rank is the name of the Discourse trust level.
        assert_eq!(
            me.rank,
            modterm::backend::discourse::rank_of(raw["user"]["trust_level"].as_u64().unwrap() as u8)
        );
    }
    let caps = adapter(&sb, "member_mia")
        .whoami()
        .await
        .unwrap()
        .capabilities;
    assert!(caps.reply && !caps.move_posts && !caps.award_badges && !caps.accept_any_solution);
    // An unknown account is not signed in.
    let err = adapter(&sb, "ghost_user_x").whoami().await.unwrap_err();
    assert!(matches!(err, BackendError::NotSignedIn(_)), "{err:?}");
}

#[tokio::test]
async fn categories_match_the_site() {
    let sb = start().await;
    let cats = adapter(&sb, "mod_anna").categories().await.unwrap();
    assert!(!cats.is_empty());
    let (_, raw) = sb
        .get(
            "/categories.json?include_subcategories=true",
            Some("mod_anna"),
        )
        .await;
    for c in raw["category_list"]["categories"].as_array().unwrap() {
        let id = c["id"].as_u64().unwrap();
        let ours = cats.iter().find(|x| x.id == id).expect("category listed");
        assert_eq!(ours.name, c["name"].as_str().unwrap());
        assert_eq!(ours.slug, c["slug"].as_str().unwrap());
    }
    let ids: HashSet<_> = cats.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), cats.len(), "no duplicates");
}

#[tokio::test]
async fn queue_views_and_paging() {
    let sb = start().await;
    let be = adapter(&sb, "mod_anna");

    let unanswered = all_pages(&be, QueueView::Unanswered).await;
    assert!(!unanswered.is_empty());
    assert!(unanswered
        .iter()
        .all(|t| t.posts_count <= 1 && !t.closed && !t.archived));
    assert!(
        unanswered
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at),
        "oldest first"
    );
    let ids: Vec<i64> = unanswered
        .iter()
        .map(|t| t.id.as_str().parse::<i64>().unwrap())
        .collect();
    assert_eq!(
        ids,
        sb.raw_list_ids("max_posts=1&status=open&order=created&ascending=true")
            .await
    );

    // Paging gives distinct topics.
    let first = be.topics(&QueueQuery::default()).await.unwrap();
    let next = first.next.expect("more than one page of unanswered");
    let second = be
        .topics(&QueueQuery {
            page: Some(next),
            ..QueueQuery::default()
        })
        .await
        .unwrap();
    let a: HashSet<_> = first.topics.iter().map(|t| t.id.clone()).collect();
    assert!(second.topics.iter().all(|t| !a.contains(&t.id)));
    assert!(!second.topics.is_empty());

    let unsolved = all_pages(&be, QueueView::Unsolved).await;
    assert!(!unsolved.is_empty());
    assert!(unsolved.iter().all(|t| !t.has_accepted_answer && !t.closed));
    let distinct: HashSet<_> = unsolved.iter().map(|t| t.id.clone()).collect();
    assert_eq!(distinct.len(), unsolved.len());

    let latest = be
        .topics(&QueueQuery {
            view: QueueView::Latest,
            ..QueueQuery::default()
        })
        .await
        .unwrap();
    assert!(!latest.topics.is_empty());
    assert!(latest
        .topics
        .windows(2)
        .all(|w| w[0].last_posted_at >= w[1].last_posted_at || w[0].pinned));

    let needs = all_pages(&be, QueueView::NeedsReply).await;
    assert!(!needs.is_empty());
    assert!(needs
        .iter()
        .all(|t| t.is_unanswered() || t.awaits_follow_up()));
}

#[tokio::test]
async fn topic_with_all_posts_in_order() {
    let sb = start().await;
    let biggest = sb.first_topic("order=posts").await;
    let id = biggest["id"].as_u64().unwrap();
    let count = biggest["posts_count"].as_u64().unwrap() as usize;
    assert!(
        count > 20,
        "seed 42 has a topic longer than one batch: {count}"
    );
    let topic = adapter(&sb, "mod_anna")
        .topic(&TopicId::from(id))
        .await
        .unwrap();
    assert_eq!(topic.summary.id, id);
    assert_eq!(topic.posts.len(), count);
    assert_eq!(topic.summary.posts_count as usize, count);
    assert!(topic
        .posts
        .windows(2)
        .all(|w| w[0].post_number < w[1].post_number));
    assert_eq!(topic.posts[0].post_number, 1);
    assert!(topic.posts.iter().all(|p| p.topic_id == id));
    let raw = sb.topic(id as i64, Some("mod_anna")).await;
    let stream: Vec<u64> = raw["post_stream"]["stream"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let ours: Vec<u64> = topic
        .posts
        .iter()
        .map(|p| p.id.as_str().parse().unwrap())
        .collect();
    assert_eq!(ours, stream);
    assert!(topic.url.starts_with(&sb.url));

    let err = adapter(&sb, "mod_anna")
        .topic(&TopicId::from(987_654))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn reply_is_on_the_server() {
    let sb = start().await;
    let t = sb.first_topic("max_posts=1&status=open").await;
    let id = t["id"].as_u64().unwrap();
    for (user, text) in [
        (
            "mod_anna",
            "Have you tried restarting the router? (adapter test)",
        ),
        (
            "member_mia",
            "Same problem here, following this thread. (adapter test)",
        ),
    ] {
        let post = adapter(&sb, user)
            .reply(&NewReply {
                topic_id: TopicId::from(id),
                reply_to_post_number: Some(1),
                raw: text.into(),
            })
            .await
            .expect(user)
            .post()
            .cloned()
            .expect("posted, not queued");
        assert_eq!(post.topic_id, id);
        assert_eq!(post.author.username, user);
        let (s, raw) = sb
            .get(&format!("/posts/{}.json", post.id), Some("admin"))
            .await;
        assert_eq!(s, StatusCode::OK, "{raw}");
        assert_eq!(raw["raw"], text);
        assert_eq!(raw["username"], user);
        assert_eq!(
            raw["post_number"].as_u64().unwrap(),
            post.post_number as u64
        );
    }
    let raw = sb.topic(id as i64, Some("admin")).await;
    assert_eq!(raw["posts_count"], 3);

    let err = adapter(&sb, "mod_anna")
        .reply(&NewReply {
            topic_id: TopicId::from(id),
            reply_to_post_number: None,
            raw: "ok".into(),
        })
        .await
        .unwrap_err();
    match err {
        BackendError::Invalid(msgs) => assert!(msgs.join(" ").contains("too short"), "{msgs:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn accept_and_unaccept_a_solution() {
    let sb = start().await;
    let t = sb.open_unsolved_topic_with_replies().await;
    let id = t["id"].as_i64().unwrap();
    let raw = sb.topic(id, Some("admin")).await;
    let post = &raw["post_stream"]["posts"][1];
    let post_id = PostId::from(post["id"].as_u64().unwrap());

    // Mia did not open this topic (else pick another): she may not accept in it.
    let author = raw["details"]["created_by"]["username"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(author, "member_mia");
    assert_forbidden(
        adapter(&sb, "member_mia").accept_solution(&post_id).await,
        "mia accepts",
    );
    let raw = sb.topic(id, Some("admin")).await;
    assert!(
        raw["accepted_answer"].is_null(),
        "{}",
        raw["accepted_answer"]
    );

    let anna = adapter(&sb, "mod_anna");
    anna.accept_solution(&post_id).await.unwrap();
    let raw = sb.topic(id, Some("admin")).await;
    assert_eq!(
        raw["accepted_answer"]["post_number"].as_u64(),
        post["post_number"].as_u64()
    );
    let topic = anna.topic(&TopicId::from(id as u64)).await.unwrap();
    assert_eq!(
        topic.accepted_answer,
        post["post_number"].as_u64().map(|n| n as u32)
    );
    assert!(topic.summary.has_accepted_answer);

    assert_forbidden(
        adapter(&sb, "member_mia").unaccept_solution(&post_id).await,
        "mia unaccepts",
    );
    anna.unaccept_solution(&post_id).await.unwrap();
    let raw = sb.topic(id, Some("admin")).await;
    assert!(raw["accepted_answer"].is_null());
}

/// Post ids of a topic, from the raw API.
async fn stream(sb: &TestSandbox, id: i64) -> Vec<u64> {
    sb.topic(id, Some("admin")).await["post_stream"]["stream"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn move_posts_to_new_and_existing_topics() {
    let sb = start().await;
    let t = sb
        .first_topic("min_posts=4&status=open&order=created&ascending=true")
        .await;
    let src = t["id"].as_i64().unwrap();
    let before = stream(&sb, src).await;
    assert!(before.len() >= 4);
    let cats = adapter(&sb, "leader_luca").categories().await.unwrap();
    let cat = cats
        .iter()
        .find(|c| Some(c.id.as_str().parse::<u64>().unwrap()) != t["category_id"].as_u64())
        .unwrap()
        .id
        .clone();
    let post = |n: u64| PostId::from(n);

    // Mia may not.
    assert_forbidden(
        adapter(&sb, "member_mia")
            .move_posts(
                &TopicId::from(src as u64),
                &[post(before[1])],
                &MoveDestination::NewTopic {
                    title: "Split by a member, should fail".into(),
                    category_id: None,
                },
            )
            .await,
        "mia moves posts",
    );
    assert_eq!(stream(&sb, src).await, before);

    let luca = adapter(&sb, "leader_luca");
    let moved = luca
        .move_posts(
            &TopicId::from(src as u64),
            &[post(before[1])],
            &MoveDestination::NewTopic {
                title: "Split off: a separate printer question".into(),
                category_id: Some(cat.clone()),
            },
        )
        .await
        .unwrap();
    let new_id: i64 = moved
        .topic_id
        .expect("new topic id")
        .as_str()
        .parse()
        .unwrap();
    assert!(moved.url.contains(&new_id.to_string()), "{}", moved.url);
    let new_topic = sb.topic(new_id, Some("admin")).await;
    assert_eq!(new_topic["title"], "Split off: a separate printer question");
    assert!(cat == new_topic["category_id"].as_u64().unwrap());
    assert!(stream(&sb, new_id).await.contains(&before[1]));
    assert!(!stream(&sb, src).await.contains(&before[1]));

    // To an existing topic.
    let dest = sb.first_topic("max_posts=1&status=open").await["id"]
        .as_i64()
        .unwrap();
    let moved = luca
        .move_posts(
            &TopicId::from(src as u64),
            &[post(before[2])],
            &MoveDestination::ExistingTopic(TopicId::from(dest as u64)),
        )
        .await
        .unwrap();
    assert_eq!(moved.topic_id, Some(TopicId::from(dest as u64)));
    assert!(stream(&sb, dest).await.contains(&before[2]));
    assert!(!stream(&sb, src).await.contains(&before[2]));
}

#[tokio::test]
async fn move_topic_between_categories() {
    let sb = start().await;
    let t = sb.first_topic("status=open").await;
    let id = t["id"].as_u64().unwrap();
    let topic_id = TopicId::from(id);
    let cats = adapter(&sb, "mod_anna").categories().await.unwrap();
    let to = cats
        .iter()
        .find(|c| c.id != t["category_id"].as_u64().unwrap() && c.parent_id.is_none())
        .unwrap()
        .id
        .clone();
    assert_forbidden(
        adapter(&sb, "member_mia").move_topic(&topic_id, &to).await,
        "mia moves a topic",
    );
    assert_eq!(
        sb.topic(id as i64, Some("admin")).await["category_id"],
        t["category_id"]
    );
    adapter(&sb, "leader_luca")
        .move_topic(&topic_id, &to)
        .await
        .unwrap();
    assert!(
        to == sb.topic(id as i64, Some("admin")).await["category_id"]
            .as_u64()
            .unwrap()
    );
    let back = t["category_id"].as_u64().unwrap();
    adapter(&sb, "mod_anna")
        .move_topic(&topic_id, &CategoryId::from(back))
        .await
        .unwrap();
    assert_eq!(
        sb.topic(id as i64, Some("admin")).await["category_id"].as_u64(),
        Some(back)
    );
}

#[tokio::test]
async fn badges_and_awards() {
    let sb = start().await;
    let anna = adapter(&sb, "mod_anna");
    let badges = anna.badges().await.unwrap();
    assert!(!badges.is_empty());
    let (_, raw) = sb.get("/badges.json", Some("mod_anna")).await;
    assert_eq!(badges.len(), raw["badges"].as_array().unwrap().len());
    let badge = badges
        .iter()
        .find(|b| b.manually_grantable && b.enabled)
        .expect("a grantable badge")
        .clone();
    assert!(badges.iter().any(|b| !b.manually_grantable));

    let topic = sb.first_topic("status=open").await;
    let reason = format!(
        "{}/t/{}/{}",
        sb.url,
        topic["slug"].as_str().unwrap(),
        topic["id"]
    );

    assert_forbidden(
        adapter(&sb, "leader_luca")
            .award_badge(&BadgeAward {
                username: "member_mia".into(),
                badge_id: badge.id.clone(),
                reason: Some(reason.clone()),
            })
            .await,
        "leader awards",
    );

    let before = match anna
        .board_part("member_mia", BoardPart::Badges)
        .await
        .unwrap()
    {
        BoardData::Badges(b) => b,
        other => panic!("{other:?}"),
    };
    let granted = anna
        .award_badge(&BadgeAward {
            username: "member_mia".into(),
            badge_id: badge.id.clone(),
            reason: Some(reason),
        })
        .await
        .unwrap();
    assert_eq!(granted.badge.id, badge.id);
    let after = match anna
        .board_part("member_mia", BoardPart::Badges)
        .await
        .unwrap()
    {
        BoardData::Badges(b) => b,
        other => panic!("{other:?}"),
    };
    let held = |v: &[GrantedBadge]| {
        v.iter()
            .filter(|g| g.badge.id == badge.id)
            .map(|g| g.count.max(1))
            .sum::<u32>()
    };
    assert!(after.iter().any(|g| g.badge.id == badge.id));
    assert!(
        held(&after) > held(&before) || after.len() > before.len(),
        "before {before:?}\nafter {after:?}"
    );
    let (_, raw) = sb.get("/user-badges/member_mia.json", None).await;
    assert!(raw["user_badges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|ub| badge.id == ub["badge_id"].as_u64().unwrap()));
}

/// Discourse answers an award of a badge the member already holds (one that can be held once)
/// with their existing grant, unchanged: the adapter tells that apart from a new grant.
#[tokio::test]
async fn a_second_award_of_a_badge_held_once_grants_nothing() {
    let sb = start().await;
    let anna = adapter(&sb, "mod_anna");
    let badges = anna.badges().await.unwrap();
    let held = match anna
        .board_part("member_mia", BoardPart::Badges)
        .await
        .unwrap()
    {
        BoardData::Badges(b) => b,
        other => panic!("{other:?}"),
    };
    let once = badges
        .iter()
        .find(|b| {
            b.manually_grantable
                && b.enabled
                && !b.multiple_grant
                && !held.iter().any(|g| g.badge.id == b.id)
        })
        .expect("a once-only badge mia does not hold")
        .clone();
    let award = BadgeAward {
        username: "member_mia".into(),
        badge_id: once.id.clone(),
        reason: None,
    };
    // The member's grants were just read (as the board reads them before `b`): an award costs
    // its one request.
    let anna_requests = || {
        sb.sandbox
            .requests_excluding_admin()
            .into_iter()
            .filter(|r| r.user.as_deref() == Some("mod_anna"))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    };
    sb.sandbox.clear_requests();
    let first = anna.grant_badge(&award).await.unwrap();
    assert_eq!(first.outcome, GrantOutcome::Granted, "{first:?}");
    assert_eq!(first.grant.badge.id, once.id);
    assert_eq!(anna_requests(), ["POST /user_badges.json"]);
    let second = anna.grant_badge(&award).await.unwrap();
    assert_eq!(second.outcome, GrantOutcome::AlreadyHeld, "{second:?}");
    // The answer is the first grant again, and the server holds just that one.
    assert_eq!(second.grant.granted_at, first.grant.granted_at);
    let grants_of = |raw: &serde_json::Value, badge: &Badge| {
        raw["user_badges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|ub| badge.id == ub["badge_id"].as_u64().unwrap())
            .count()
    };
    let (_, raw) = sb.get("/user-badges/member_mia.json", None).await;
    assert_eq!(grants_of(&raw, &once), 1, "{raw}");

    // An adapter that has not read her badges (the CLI's `award`, or `b` before the board's
    // read came back) reads them first, then awards: the same answer.
    sb.sandbox.clear_requests();
    let third = adapter(&sb, "mod_anna").grant_badge(&award).await.unwrap();
    assert_eq!(third.outcome, GrantOutcome::AlreadyHeld, "{third:?}");
    assert_eq!(
        anna_requests(),
        ["GET /user-badges/member_mia.json", "POST /user_badges.json"]
    );

    // A badge seeded as held, granted by this very account: its granter cannot tell, the
    // grants read before the award can.
    let hero = badges
        .iter()
        .find(|b| b.name == "Helpful Hero")
        .expect("the demo's Helpful Hero");
    let again = anna
        .grant_badge(&BadgeAward {
            badge_id: hero.id.clone(),
            ..award.clone()
        })
        .await
        .unwrap();
    assert_eq!(again.outcome, GrantOutcome::AlreadyHeld, "{again:?}");
    assert_eq!(again.grant.granted_by.as_deref(), Some("mod_anna"));

    // A badge that may be held more than once is granted each time.
    let multi = badges
        .iter()
        .find(|b| b.manually_grantable && b.enabled && b.multiple_grant)
        .expect("a badge held more than once (Mentor)");
    let (_, raw) = sb.get("/user-badges/member_mia.json", None).await;
    let before = grants_of(&raw, multi);
    for _ in 0..2 {
        let g = anna
            .grant_badge(&BadgeAward {
                badge_id: multi.id.clone(),
                ..award.clone()
            })
            .await
            .unwrap();
        assert_eq!(g.outcome, GrantOutcome::Granted, "{g:?}");
    }
    let (_, raw) = sb.get("/user-badges/member_mia.json", None).await;
    assert_eq!(grants_of(&raw, multi), before + 2, "{raw}");
}

/// The grant answer's id against the member's grants read just before it.
#[test]
fn a_grant_answer_is_told_apart_by_the_grants_held_before() {
    use modterm::backend::discourse::decode;
    let answer = br#"{"user_badge":{"id":7,"granted_at":"2024-05-02T00:00:00Z","badge_id":8,"granted_by_id":5},
        "badges":[{"id":8,"name":"Helper","badge_type_id":2,"manually_grantable":true}],
        "users":[{"id":5,"username":"mod"}]}"#;
    let outcome = |held: Option<&[u64]>| decode::badge_grant(answer, held).unwrap().outcome;
    assert_eq!(outcome(Some(&[3u64, 7][..])), GrantOutcome::AlreadyHeld);
    assert_eq!(outcome(Some(&[3u64][..])), GrantOutcome::Granted);
    assert_eq!(outcome(Some(&[] as &[u64])), GrantOutcome::Granted);
    assert_eq!(outcome(None), GrantOutcome::Unconfirmed);
    let g = decode::badge_grant(answer, None).unwrap();
    assert_eq!(g.grant.badge.name, "Helper");
    let ids = decode::user_badge_ids(
        br#"{"user_badges":[{"id":3,"badge_id":1},{"id":7,"badge_id":8}],"badges":[]}"#,
    )
    .unwrap();
    assert_eq!(ids, vec![3, 7]);
}

#[tokio::test]
async fn board_parts_as_moderator_and_admin() {
    let sb = start().await;
    let anna = adapter(&sb, "mod_anna");
    for part in BoardPart::ALL {
        let r = anna.board_part("member_mia", part).await;
        match part {
            BoardPart::PrivateMessages => assert_forbidden(r, "pm as moderator"),
            BoardPart::LinkedChannels => assert!(
                matches!(r, Err(BackendError::Unsupported(_))),
                "Discourse has no social channels: {r:?}"
            ),
            _ => assert!(r.is_ok(), "{part:?}: {r:?}"),
        }
    }
    match anna
        .board_part("member_mia", BoardPart::Identity)
        .await
        .unwrap()
    {
        BoardData::Identity(m) => {
            let (_, raw) = sb.get("/u/member_mia.json", Some("mod_anna")).await;
            assert_eq!(m.username, "member_mia");
            assert_eq!(m.id, raw["user"]["id"].as_u64().unwrap());
            assert_eq!(
                m.rank,
                modterm::backend::discourse::rank_of(
                    raw["user"]["trust_level"].as_u64().unwrap() as u8
                )
            );
            assert_eq!(m.role, Role::Member);
        }
        other => panic!("{other:?}"),
    }
    match anna
        .board_part("member_mia", BoardPart::Stats)
        .await
        .unwrap()
    {
        BoardData::Stats(s) => {
            let (_, raw) = sb.get("/u/member_mia/summary.json", Some("mod_anna")).await;
            let us = &raw["user_summary"];
            let n = |f: &str| us[f].as_u64().unwrap();
            assert_eq!(s.likes_received, n("likes_received"));
            assert_eq!(s.likes_given, n("likes_given"));
            assert_eq!(s.topic_count, n("topic_count"));
            assert_eq!(s.post_count, n("post_count"));
            assert_eq!(s.days_visited, n("days_visited"));
            assert_eq!(s.solutions, n("solved_count"));
            assert!(s.likes_received > 0);
        }
        other => panic!("{other:?}"),
    }
    match anna
        .board_part("member_mia", BoardPart::Badges)
        .await
        .unwrap()
    {
        BoardData::Badges(b) => {
            let (_, raw) = sb.get("/user-badges/member_mia.json", None).await;
            let raw_ids: HashSet<u64> = raw["user_badges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["badge_id"].as_u64().unwrap())
                .collect();
            let ours: HashSet<u64> = b
                .iter()
                .map(|g| g.badge.id.as_str().parse().unwrap())
                .collect();
            assert_eq!(ours, raw_ids);
        }
        other => panic!("{other:?}"),
    }
    match anna
        .board_part("member_mia", BoardPart::ForumActivity)
        .await
        .unwrap()
    {
        BoardData::Activity(a) => assert!(!a.is_empty()),
        other => panic!("{other:?}"),
    }
    match anna
        .board_part("member_mia", BoardPart::Moderation)
        .await
        .unwrap()
    {
        BoardData::Moderation(m) => {
            let (_, raw) = sb.get("/u/member_mia.json", Some("admin")).await;
            let id = raw["user"]["id"].as_i64().unwrap();
            let (_, raw) = sb
                .get(&format!("/admin/users/{id}.json"), Some("admin"))
                .await;
            let linked = raw["associated_accounts"].as_array().map_or(0, Vec::len);
            assert_eq!(m.linked_accounts.len(), linked, "{raw}");
        }
        other => panic!("{other:?}"),
    }

    // A member sees no moderation record.
    assert_forbidden(
        adapter(&sb, "leader_luca")
            .board_part("member_mia", BoardPart::Moderation)
            .await,
        "leader sees moderation",
    );

    // The admin reads private messages.
    match adapter(&sb, "admin")
        .board_part("member_mia", BoardPart::PrivateMessages)
        .await
        .unwrap()
    {
        BoardData::Activity(a) => {
            assert!(!a.is_empty());
            assert!(a.iter().all(|x| x.channel == Channel::PrivateMessage));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn injected_503_on_a_read_is_retried() {
    let sb = start().await;
    let be = adapter(&sb, "mod_anna");
    sb.sandbox.faults().set(Faults {
        error_rate: 1.0,
        error_status: 503,
        count: Some(1),
        ..Faults::default()
    });
    let cats = be.categories().await.expect("retried past the 503");
    assert!(!cats.is_empty());
    assert_eq!(sb.sandbox.faults().get().count, Some(0), "the fault fired");

    // A write is not retried: the 503 reaches the caller.
    sb.sandbox.faults().set(Faults {
        error_rate: 1.0,
        error_status: 503,
        path_prefix: Some("/solution/".into()),
        count: Some(1),
        ..Faults::default()
    });
    let err = be.accept_solution(&PostId::from(1)).await.unwrap_err();
    assert!(
        matches!(err, BackendError::Server { status: 503, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn rate_limit_is_waited_out() {
    let sb = start().await;
    let be = adapter(&sb, "mod_anna");
    sb.sandbox.faults().set(Faults {
        rate_limit: true,
        retry_after_seconds: 1,
        path_prefix: Some("/latest".into()),
        count: Some(1),
        ..Faults::default()
    });
    let t0 = Instant::now();
    let page = be.topics(&QueueQuery::default()).await.expect("waited out");
    assert!(!page.topics.is_empty());
    assert!(
        t0.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(sb.sandbox.faults().get().count, Some(0));
}

#[tokio::test]
async fn malformed_reply_is_a_clear_error() {
    let sb = start().await;
    let be = adapter(&sb, "mod_anna");
    sb.sandbox.faults().set(Faults {
        malformed_rate: 1.0,
        path_prefix: Some("/latest".into()),
        count: Some(1),
        ..Faults::default()
    });
    let err = be.topics(&QueueQuery::default()).await.unwrap_err();
    assert!(matches!(err, BackendError::Malformed(_)), "{err:?}");
    assert!(err.to_string().contains("malformed"), "{err}");
    assert_eq!(err.exit_code(), 7);
    // The next request is fine again.
    be.topics(&QueueQuery::default()).await.unwrap();
}

#[tokio::test]
async fn user_api_keys_sign_in() {
    let sb = start().await;
    let user_key = |key: String| {
        Discourse::new(DiscourseOptions::new(
            sb.url.clone(),
            Credentials::UserApiKey {
                key,
                client_id: None,
            },
        ))
        .unwrap()
    };
    let key = modterm::sandbox::demo_user_api_key(SEED, "mod_anna").unwrap();
    let me = user_key(key).whoami().await.unwrap();
    assert_eq!(me.username, "mod_anna");
    assert_eq!(me.role, Role::Moderator);

    let (s, v) = sb
        .post_json(
            "/sandbox/user-api-keys.json",
            "admin",
            json!({"username": "leader_luca"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let key = v["key"].as_str().unwrap().to_string();
    let luca = user_key(key);
    let me = luca.whoami().await.unwrap();
    assert_eq!(me.username, "leader_luca");
    assert_eq!(me.role, Role::Leader);
    // The member's own rights apply: a leader may not award badges.
    let badge = luca
        .badges()
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.manually_grantable)
        .unwrap();
    assert_forbidden(
        luca.award_badge(&BadgeAward {
            username: "member_mia".into(),
            badge_id: badge.id.clone(),
            reason: None,
        })
        .await,
        "leader awards with a user key",
    );

    let err = user_key("not-a-real-key".into())
        .whoami()
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::NotSignedIn(_)), "{err:?}");
}

#[tokio::test]
async fn a_like_counts_once_and_never_for_ones_own_post() {
    let sb = start().await;
    let topic = sb.open_unsolved_topic_with_replies().await;
    let id = TopicId::from(topic["id"].as_u64().unwrap());
    let anna = adapter(&sb, "mod_anna");
    let before = anna.topic(&id).await.expect("topic");
    let post = before
        .posts
        .iter()
        .find(|p| p.author.username != "mod_anna")
        .cloned()
        .expect("a post by someone else");
    anna.like_post(&post.id).await.expect("liked");
    let after = anna.topic(&id).await.expect("topic");
    let liked = after.posts.iter().find(|p| p.id == post.id).unwrap();
    assert_eq!(liked.like_count, post.like_count + 1);
    assert!(
        anna.like_post(&post.id).await.is_err(),
        "one post is liked once"
    );
    let author = adapter(&sb, &post.author.username);
    assert!(
        author.like_post(&post.id).await.is_err(),
        "nobody likes their own post"
    );
}
