//! The review queue, flags and edits through the Discourse adapter and the action layer,
//! against the embedded sandbox: what each role gets, the server's state afterwards (read
//! through the raw API), the stale-version refusal, and how many requests each flow made.

mod common;

use common::*;
use modterm::actions::review::{BulkPerform, ItemOutcome, PerformReview};
use modterm::actions::write::Write;
use modterm::backend::discourse::review::STALE;
use modterm::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use modterm::backend::{Backend, BackendError};
use modterm::domain::*;
use reqwest::StatusCode;

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

/// API requests (not the sandbox's own `/sandbox/*` calls) since the last reset, as
/// `METHOD path` lines.
fn requests(sb: &TestSandbox) -> Vec<String> {
    sb.sandbox
        .requests_excluding_admin()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn assert_forbidden<T: std::fmt::Debug>(r: Result<T, BackendError>, what: &str) {
    match r {
        Err(BackendError::Forbidden(msg)) => assert!(!msg.trim().is_empty(), "{what}: empty"),
        other => panic!("{what}: expected Forbidden, got {other:?}"),
    }
}

/// Every pending item, page by page through the adapter (bounded).
async fn whole_queue(be: &Discourse, mut q: ReviewQuery) -> Vec<Reviewable> {
    let mut out = Vec::new();
    for _ in 0..50 {
        let page = be.review_queue(&q).await.expect("review queue");
        out.extend(page.items);
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

/// Pending flagged posts offering `action`, highest score first.
async fn flagged_offering(be: &Discourse, action: &str) -> Vec<Reviewable> {
    let q = ReviewQuery {
        kind: Some(ReviewKind::FlaggedPost),
        ..ReviewQuery::default()
    };
    let items: Vec<Reviewable> = whole_queue(be, q)
        .await
        .into_iter()
        .filter(|r| r.action(action).is_some())
        .collect();
    assert!(!items.is_empty(), "a flagged post offering {action}");
    items
}

async fn post_hidden(sb: &TestSandbox, post: &PostId) -> bool {
    let (s, v) = sb
        .get(&format!("/posts/{}.json", post.as_str()), Some("admin"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["hidden"].as_bool().expect("hidden")
}

#[tokio::test]
async fn the_queue_pages_filters_and_explains_each_item() {
    let sb = start().await;
    let be = adapter(&sb, "mod_anna");
    sb.sandbox.clear_requests();
    let first = be.review_queue(&ReviewQuery::default()).await.unwrap();
    assert_eq!(requests(&sb), ["GET /review.json"], "one request a page");
    assert_eq!(first.items.len(), 10, "Discourse's fixed page size");
    let total = first.total.expect("total") as usize;
    assert!(total > 10);
    assert_eq!(first.next, Some(PageToken::from(10)));

    // Every page, and the same items the raw API lists.
    let all = whole_queue(&be, ReviewQuery::default()).await;
    assert_eq!(all.len(), total);
    let (_, raw) = sb.get("/review.json", Some("mod_anna")).await;
    let raw_ids: Vec<u64> = raw["reviewables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    let ours: Vec<&ReviewId> = all.iter().take(10).map(|r| &r.id).collect();
    assert_eq!(ours.len(), raw_ids.len());
    for (a, b) in ours.iter().zip(&raw_ids) {
        assert_eq!(**a, *b);
    }
    let mut ids: Vec<&ReviewId> = all.iter().map(|r| &r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "no item twice across pages");

    for r in &all {
        assert!(r.is_pending(), "{r:?}");
        assert!(
            !r.actions.is_empty(),
            "a pending item offers actions: {r:?}"
        );
        assert!(!r.reasons.is_empty(), "why it is there: {r:?}");
        assert!(r.target_author.is_some(), "whose it is: {r:?}");
        match r.kind {
            ReviewKind::FlaggedPost => {
                assert!(r.post_id.is_some() && r.topic_id.is_some(), "{r:?}");
                assert!(r.body_html.is_some(), "the flagged post's text: {r:?}");
                assert!(r.reasons.iter().all(|x| !x.by.is_empty()), "who flagged");
                assert!(r.action("agree_and_keep").is_some(), "{r:?}");
            }
            ReviewKind::QueuedPost => {
                assert!(r.raw.is_some(), "the held text: {r:?}");
                assert_eq!(r.reasons[0].flag_type, "needs_approval");
                assert!(r.action("approve_post").is_some() && r.action("reject_post").is_some());
            }
            ReviewKind::User => assert!(r.action("approve_user").is_some(), "{r:?}"),
            ReviewKind::Other(_) => panic!("the sandbox has three kinds: {r:?}"),
        }
    }
    // The spam pile-on: several flaggers of one type, counted.
    assert!(
        all.iter().any(|r| r
            .reasons
            .iter()
            .any(|x| x.flag_type == "spam" && x.count >= 2)),
        "a pile-on"
    );

    // Filters.
    for kind in ReviewKind::KNOWN {
        let items = whole_queue(
            &be,
            ReviewQuery {
                kind: Some(kind.clone()),
                ..ReviewQuery::default()
            },
        )
        .await;
        assert!(!items.is_empty(), "{kind:?}");
        assert!(items.iter().all(|r| r.kind == kind), "{kind:?}");
    }
    let high = whole_queue(
        &be,
        ReviewQuery {
            priority: Some(ReviewPriority::High),
            ..ReviewQuery::default()
        },
    )
    .await;
    assert!(!high.is_empty() && high.iter().all(|r| r.score >= 10.0));
    let cat = all
        .iter()
        .find_map(|r| r.category_id.clone())
        .expect("a category");
    let in_cat = whole_queue(
        &be,
        ReviewQuery {
            category: Some(cat.clone()),
            ..ReviewQuery::default()
        },
    )
    .await;
    assert!(!in_cat.is_empty() && in_cat.iter().all(|r| r.category_id.as_ref() == Some(&cat)));
    let reviewed = whole_queue(
        &be,
        ReviewQuery {
            status: ReviewStatusFilter::Reviewed,
            ..ReviewQuery::default()
        },
    )
    .await;
    assert!(!reviewed.is_empty());
    assert!(reviewed
        .iter()
        .all(|r| !r.is_pending() && r.actions.is_empty()));
    let everything = whole_queue(
        &be,
        ReviewQuery {
            status: ReviewStatusFilter::All,
            ..ReviewQuery::default()
        },
    )
    .await;
    assert_eq!(everything.len(), total + reviewed.len());
}

/// leader_priya moderates Mobile: her session opens the queue to her (the console offers the
/// review view), and it holds exactly the Mobile items staff see.
#[tokio::test]
async fn a_category_moderator_reviews_only_their_categorys_items() {
    let sb = start().await;
    let priya = adapter(&sb, "leader_priya");
    let me = priya.whoami().await.unwrap();
    assert_eq!(me.role, Role::Leader);
    assert!(me.capabilities.review_queue, "the session's can_review");
    let hers = whole_queue(&priya, ReviewQuery::default()).await;
    let category = hers.first().expect("Mobile has items").category_id.clone();
    assert!(category.is_some());
    assert!(hers.iter().all(|r| r.category_id == category), "{hers:?}");
    let staff = whole_queue(&adapter(&sb, "mod_anna"), ReviewQuery::default()).await;
    let ids = |items: &[Reviewable]| items.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    let staff_mobile: Vec<Reviewable> = staff
        .iter()
        .filter(|r| r.category_id == category)
        .cloned()
        .collect();
    assert_eq!(ids(&hers), ids(&staff_mobile));
    assert!(staff.len() > hers.len(), "staff see more than Mobile");
    let luca = adapter(&sb, "leader_luca").whoami().await.unwrap();
    assert!(
        !luca.capabilities.review_queue,
        "a leader who moderates nothing"
    );
}

#[tokio::test]
async fn members_and_leaders_may_not_see_or_act_on_the_queue() {
    let sb = start().await;
    let any = adapter(&sb, "mod_anna")
        .review_queue(&ReviewQuery::default())
        .await
        .unwrap()
        .items[0]
        .clone();
    for user in ["member_mia", "leader_luca"] {
        let be = adapter(&sb, user);
        sb.sandbox.clear_requests();
        let err = be.review_queue(&ReviewQuery::default()).await.unwrap_err();
        assert!(
            matches!(&err, BackendError::Forbidden(m) if m.contains("staff")),
            "{user}: {err:?}"
        );
        assert_eq!(
            requests(&sb),
            ["GET /review.json"],
            "{user}: asked once, not retried"
        );
        assert_forbidden(be.review_item(&any.id).await, user);
        assert_forbidden(
            be.perform_review(&any.id, &any.actions[0].id, any.version)
                .await,
            user,
        );
    }
    // Nothing changed.
    let after = adapter(&sb, "mod_anna").review_item(&any.id).await.unwrap();
    assert_eq!(after.version, any.version);
    assert!(after.is_pending());
}

#[tokio::test]
async fn an_item_reads_as_the_list_shows_it() {
    let sb = start().await;
    let be = adapter(&sb, "mod_ben");
    let page = be.review_queue(&ReviewQuery::default()).await.unwrap();
    for listed in page.items.iter().take(3) {
        sb.sandbox.clear_requests();
        let shown = be.review_item(&listed.id).await.unwrap();
        assert_eq!(requests(&sb).len(), 1);
        assert_eq!(shown, *listed);
    }
    let err = be.review_item(&ReviewId::from(987_654)).await.unwrap_err();
    assert!(matches!(err, BackendError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn agree_and_hide_hides_the_post_once() {
    let sb = start().await;
    let be = adapter(&sb, "mod_anna");
    let item = flagged_offering(&be, "agree_and_hide").await.remove(0);
    let post = item.post_id.clone().unwrap();
    assert!(!post_hidden(&sb, &post).await);

    let write = PerformReview::new(&item, "agree_and_hide").unwrap();
    assert!(write.preview().lines[0].contains("hide 1 post"));
    sb.sandbox.clear_requests();
    let r = write.send(&be).await.unwrap();
    assert_eq!(
        requests(&sb),
        [format!(
            "PUT /review/{}/perform/agree_and_hide.json",
            item.id
        )],
        "one write, nothing else"
    );
    assert!(r.success);
    assert_eq!(r.status, Some(ReviewStatus::Approved));
    assert_eq!(r.version, Some(item.version + 1));
    assert_eq!(r.removed, std::slice::from_ref(&item.id));
    assert!(
        write.done(&r).contains("now approved"),
        "{}",
        write.done(&r)
    );
    assert!(post_hidden(&sb, &post).await);
    let after = be.review_item(&item.id).await.unwrap();
    assert_eq!(after.status, ReviewStatus::Approved);
    assert!(after.actions.is_empty());

    // The same copy again: stale, said so, sent once (a 409 is not retried).
    sb.sandbox.clear_requests();
    let err = be
        .perform_review(&item.id, "agree_and_hide", item.version)
        .await
        .unwrap_err();
    assert_eq!(err, BackendError::Invalid(vec![STALE.into()]));
    assert!(err.to_string().contains("someone else acted on this item"));
    assert_eq!(requests(&sb).len(), 1);
    // The current version, but the item no longer offers anything.
    let err = be
        .perform_review(&item.id, "agree_and_hide", after.version)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Forbidden(m) if m.contains("may no longer offer agree_and_hide")),
        "{err:?}"
    );
    // The write layer refuses before sending anything.
    sb.sandbox.clear_requests();
    assert!(matches!(
        PerformReview::new(&after, "agree_and_hide"),
        Err(BackendError::Refused(_))
    ));
    assert!(requests(&sb).is_empty());
}

#[tokio::test]
async fn a_second_moderator_on_a_stale_copy_is_told_to_reload() {
    let sb = start().await;
    let anna = adapter(&sb, "mod_anna");
    let ben = adapter(&sb, "mod_ben");
    let item = flagged_offering(&anna, "agree_and_hide").await.remove(0);
    let post = item.post_id.clone().unwrap();
    // Ben decides first, on his own fresh copy.
    let fresh = ben.review_item(&item.id).await.unwrap();
    ben.perform_review(&fresh.id, "ignore_and_do_nothing", fresh.version)
        .await
        .unwrap();
    // Anna acts on what she loaded before.
    sb.sandbox.clear_requests();
    let err = PerformReview::new(&item, "agree_and_hide")
        .unwrap()
        .send(&anna)
        .await
        .unwrap_err();
    assert_eq!(err, BackendError::Invalid(vec![STALE.into()]));
    assert_eq!(err.exit_code(), 5);
    assert_eq!(requests(&sb).len(), 1, "not retried");
    // Ben's decision stands.
    assert!(!post_hidden(&sb, &post).await);
    let now = anna.review_item(&item.id).await.unwrap();
    assert_eq!(now.status, ReviewStatus::Ignored);
}

#[tokio::test]
async fn approving_a_held_post_publishes_it() {
    let sb = start().await;
    let be = adapter(&sb, "mod_chloe");
    let held = whole_queue(
        &be,
        ReviewQuery {
            kind: Some(ReviewKind::QueuedPost),
            ..ReviewQuery::default()
        },
    )
    .await;
    let item = held
        .iter()
        .find(|r| r.topic_id.is_some())
        .expect("a held reply");
    let r = PerformReview::new(item, "Approve post")
        .unwrap()
        .send(&be)
        .await
        .unwrap();
    assert_eq!(r.action, "approve_post");
    assert_eq!(r.status, Some(ReviewStatus::Approved));
    let created = r.created_post_id.clone().expect("the published post");
    let topic = be.topic(item.topic_id.as_ref().unwrap()).await.unwrap();
    let post = topic
        .posts
        .iter()
        .find(|p| p.id == created)
        .expect("in its topic");
    assert_eq!(
        post.author.username,
        item.target_author.as_ref().unwrap().username
    );
    // Rejecting another: nothing is published.
    let other = held.iter().find(|r| r.id != item.id).expect("another");
    let r = be
        .perform_review(&other.id, "reject_post", other.version)
        .await
        .unwrap();
    assert_eq!(r.status, Some(ReviewStatus::Rejected));
    assert_eq!(r.created_post_id, None);
}

#[tokio::test]
async fn bulk_agree_and_hide_reports_every_item() {
    let sb = start().await;
    let anna = adapter(&sb, "mod_anna");
    let picked: Vec<Reviewable> = flagged_offering(&anna, "agree_and_hide")
        .await
        .into_iter()
        .take(3)
        .collect();
    assert_eq!(picked.len(), 3, "three flagged posts to hide");
    // Ben acts on the middle one meanwhile: that one must fail, the others go through.
    let ben = adapter(&sb, "mod_ben");
    ben.perform_review(&picked[1].id, "disagree", picked[1].version)
        .await
        .unwrap();

    let write = BulkPerform::new(&picked, "agree_and_hide").unwrap();
    assert_eq!(write.headline(), "Agree with the flags and hide 3 posts");
    sb.sandbox.clear_requests();
    let outcome = write.send(&anna).await.unwrap();
    assert_eq!(requests(&sb).len(), 3, "one request per item, nothing else");
    assert!(requests(&sb).iter().all(|r| r.starts_with("PUT /review/")));
    assert_eq!((outcome.done(), outcome.failed()), (2, 1));
    match &outcome.outcomes[1] {
        ItemOutcome::Failed {
            review_id,
            kind,
            message,
        } => {
            assert_eq!(*review_id, picked[1].id);
            assert_eq!(kind, "invalid");
            assert!(message.contains("someone else acted"), "{message}");
        }
        other => panic!("the stale item fails: {other:?}"),
    }
    assert!(outcome.outcomes[0].is_done() && outcome.outcomes[2].is_done());
    let line = write.done(&outcome);
    assert!(line.starts_with("Hide post: 2 of 3 done;"), "{line}");
    for (i, item) in picked.iter().enumerate() {
        let hidden = post_hidden(&sb, item.post_id.as_ref().unwrap()).await;
        assert_eq!(hidden, i != 1, "item {i}");
    }
}

#[tokio::test]
async fn flag_types_and_flags() {
    let sb = start().await;
    let mia = adapter(&sb, "member_mia");
    sb.sandbox.clear_requests();
    let types = mia.flag_types().await.unwrap();
    let again = mia.flag_types().await.unwrap();
    assert_eq!(types, again);
    assert_eq!(requests(&sb), ["GET /site.json"], "read once");
    let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
    for n in [
        "off_topic",
        "inappropriate",
        "notify_moderators",
        "spam",
        "illegal",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    assert!(!names.contains(&"like"), "a like is not a flag");
    let spam = types.iter().find(|t| t.name == "spam").unwrap().clone();
    let something_else = types
        .iter()
        .find(|t| t.name == "notify_moderators")
        .unwrap()
        .clone();
    assert!(!spam.needs_message && something_else.needs_message);

    // A post by someone else that no item of the queue (seeded flags included) is about.
    let anna = adapter(&sb, "mod_anna");
    let every = whole_queue(
        &anna,
        ReviewQuery {
            status: ReviewStatusFilter::All,
            ..ReviewQuery::default()
        },
    )
    .await;
    let topic = sb.first_topic("order=posts").await;
    let t = be_topic(&sb, topic["id"].as_u64().unwrap()).await;
    let post = t
        .posts
        .iter()
        .find(|p| {
            p.author.username != "member_mia"
                && !every.iter().any(|r| r.post_id.as_ref() == Some(&p.id))
        })
        .expect("someone else's unflagged post")
        .clone();

    // Needs a message: refused before anything is sent.
    sb.sandbox.clear_requests();
    let err = mia
        .flag_post(&post.id, &something_else, None)
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Refused(_)), "{err:?}");
    assert!(requests(&sb).is_empty());

    mia.flag_post(&post.id, &spam, None).await.unwrap();
    assert_eq!(requests(&sb), ["POST /post_actions.json"]);
    // The reviewable it created, as staff see it.
    let items = whole_queue(&anna, ReviewQuery::default()).await;
    let item = items
        .iter()
        .find(|r| r.post_id.as_ref() == Some(&post.id))
        .expect("the flag is in the queue");
    assert_eq!(item.kind, ReviewKind::FlaggedPost);
    let spam_reason = item
        .reasons
        .iter()
        .find(|r| r.flag_type == "spam")
        .expect("spam");
    assert_eq!(spam_reason.by, ["member_mia"]);

    // Twice, or one's own post: the server says no.
    assert_forbidden(mia.flag_post(&post.id, &spam, None).await, "twice");
    let own = adapter(&sb, &post.author.username);
    assert_forbidden(own.flag_post(&post.id, &spam, None).await, "own post");
    let err = mia
        .flag_post(&PostId::from(987_654_321), &spam, None)
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::NotFound(_)), "{err:?}");
}

async fn be_topic(sb: &TestSandbox, id: u64) -> Topic {
    adapter(sb, "admin")
        .topic(&TopicId::from(id))
        .await
        .expect("topic")
}

#[tokio::test]
async fn edits_replace_the_text_and_keep_a_revision() {
    let sb = start().await;
    let topic = sb.first_topic("order=posts").await;
    let t = be_topic(&sb, topic["id"].as_u64().unwrap()).await;
    let post = t
        .posts
        .iter()
        .find(|p| p.author.username != "member_mia")
        .unwrap()
        .clone();
    let anna = adapter(&sb, "mod_anna");
    let raw = "The corrected text of this post, written by a moderator.";
    sb.sandbox.clear_requests();
    let edited = anna
        .edit_post(&post.id, raw, Some("removed a phone number"))
        .await
        .unwrap();
    assert_eq!(requests(&sb), [format!("PUT /posts/{}.json", post.id)]);
    assert_eq!(edited.id, post.id);
    assert_eq!(edited.post_number, post.post_number);
    assert!(
        edited.body_html.contains("corrected text"),
        "{}",
        edited.body_html
    );
    let (s, rev) = sb
        .get(
            &format!("/posts/{}/revisions/latest.json", post.id),
            Some("admin"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rev}");
    assert_eq!(rev["edit_reason"], "removed a phone number");
    assert_eq!(rev["username"], "mod_anna");

    // The server's own checks come back as its words.
    let err = anna
        .edit_post(&post.id, "too short", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Invalid(m) if m[0].contains("too short")),
        "{err:?}"
    );
    let mia = adapter(&sb, "member_mia");
    assert_forbidden(
        mia.edit_post(
            &post.id,
            "A member may not edit this post of someone else.",
            None,
        )
        .await,
        "member",
    );
    // An empty text never leaves.
    sb.sandbox.clear_requests();
    assert!(matches!(
        anna.edit_post(&post.id, "   ", None).await,
        Err(BackendError::Refused(_))
    ));
    assert!(requests(&sb).is_empty());
}
