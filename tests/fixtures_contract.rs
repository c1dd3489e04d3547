//! Contract tests: the recorded Discourse responses in `../shared/fixtures/discourse/` (old,
//! partly hand-edited recordings) decode through the adapter's own decoders and map to domain
//! types without losing what the console shows. The files are read at test time, never copied.

use chrono::{DateTime, Utc};
use modterm::backend::discourse::decode;
use modterm::backend::BackendError;
use modterm::domain::*;

const SITE: &str = "https://forum.example.com";

/// `../shared/fixtures/discourse/` beside the clone (as in CI). A git worktree may sit deeper
/// than the clone, so the nearest ancestor holding `shared/fixtures/discourse` is used when the
/// sibling path is absent.
fn fixture_dir() -> std::path::PathBuf {
    let primary = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/discourse/"
    ));
    if primary.is_dir() {
        return primary;
    }
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/fixtures/discourse"))
        .find(|p| p.is_dir())
        .unwrap_or(primary)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test timestamp")
        .with_timezone(&Utc)
}

#[test]
fn latest_topic_list() {
    let page = decode::topic_page(&fixture("latest.json")).expect("latest.json");
    let titles: Vec<&str> = page.topics.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Test topic #1", "Test topic #2", "Test topic #3"]);
    assert_eq!(
        page.next_page,
        Some(1),
        "more_topics_url /latest.json?page=1"
    );
    assert_eq!(
        page.per_page, 30,
        "no per_page in the recording: Discourse's default"
    );
    let first = &page.topics[0];
    assert_eq!(first.id, 1);
    assert_eq!(first.slug, "test-topic-1");
    assert_eq!(first.posts_count, 1);
    assert!(first.is_unanswered());
    assert_eq!(first.views, 268);
    assert_eq!(first.like_count, 14);
    assert!(first.pinned);
    assert_eq!(first.category_id, Some(1));
    assert_eq!(first.created_at, at("2013-02-04T15:26:25.977-05:00"));
    assert_eq!(
        first.last_posted_at,
        Some(at("2013-02-05T12:14:17.364-05:00"))
    );
    // Author from posters[] "Original Poster" → users[]; last poster from last_poster_username
    // (the recording was hand-edited so the two spellings differ).
    assert_eq!(first.author.as_deref(), Some("test_users"));
    assert_eq!(first.last_poster.as_deref(), Some("test_user"));
    assert_eq!(page.topics[2].views, 82);
    assert!(page.topics.iter().all(|t| t.tags.is_empty()));
}

#[test]
fn other_topic_lists() {
    let cat = decode::topic_page(&fixture("category_latest_topics.json")).expect("category list");
    assert_eq!(cat.topics.len(), 2);
    assert_eq!(cat.topics[0].title, "About the category");
    assert_eq!(cat.topics[0].posts_count, 2);
    assert!(!cat.topics[0].is_unanswered());
    assert_eq!(cat.topics[0].author.as_deref(), Some("fuzzy"));
    assert_eq!(cat.topics[0].last_poster.as_deref(), Some("fuzzy"));
    assert!(cat.topics[0].awaits_follow_up());
    assert_eq!(cat.next_page, None);

    let cat2 = decode::topic_page(&fixture("category_topics.json")).expect("category topics");
    assert_eq!(cat2.topics[1].title, "This is a markdown post");

    let top = decode::topic_page(&fixture("top.json")).expect("top");
    assert_eq!(top.topics.len(), 3);
    assert_eq!(top.next_page, Some(1));
    // No users[] side-load at all: the author is unknown, the last poster still known.
    assert_eq!(top.topics[0].author, None);
    assert_eq!(top.topics[0].last_poster.as_deref(), Some("test_user"));

    let new = decode::topic_page(&fixture("new.json")).expect("new");
    assert_eq!(new.topics[1].last_poster.as_deref(), Some("cowboytomash"));
    assert_eq!(new.topics[2].title, "Test topic #3");

    let hot = decode::topic_page(&fixture("hot.json")).expect("hot");
    assert_eq!(hot.topics.len(), 3);

    let by = decode::topic_page(&fixture("topics_created_by.json")).expect("created by");
    assert_eq!(by.topics.len(), 1);
    assert_eq!(by.topics[0].author.as_deref(), Some("test_user"));
}

#[test]
fn topic_with_posts() {
    let topic = decode::topic(&fixture("topic.json"), SITE).expect("topic.json");
    let s = &topic.summary;
    assert_eq!(s.id, 57);
    assert_eq!(s.title, "THIS SITE IS A SANDBOX -- it is reset every day");
    assert_eq!(s.slug, "this-site-is-a-sandbox-it-is-reset-every-day");
    assert_eq!(s.posts_count, 4);
    assert_eq!(s.views, 268);
    assert_eq!(s.category_id, Some(13));
    assert_eq!(s.created_at, at("2013-02-04T15:26:25.977-05:00"));
    assert_eq!(s.author.as_deref(), Some("samsaffron"));
    assert_eq!(s.last_poster.as_deref(), Some("splattne"));
    assert!(s.pinned);
    assert!(!s.closed);
    assert_eq!(
        topic.url,
        "https://forum.example.com/t/this-site-is-a-sandbox-it-is-reset-every-day/57"
    );
    assert_eq!(topic.accepted_answer, None);

    let ids: Vec<u64> = topic.posts.iter().map(|p| p.id).collect();
    assert_eq!(ids, [83, 84, 86, 226]);
    let first = &topic.posts[0];
    assert_eq!(first.post_number, 1);
    assert_eq!(first.topic_id, 57);
    assert_eq!(first.author.username, "samsaffron");
    assert_eq!(first.author.name.as_deref(), Some("Sam Saffron"));
    assert_eq!(first.author.id, Some(15));
    assert_eq!(first.author.trust_level, 1);
    assert_eq!(first.created_at, at("2013-02-04T15:26:26.278-05:00"));
    assert!(first.cooked.starts_with("<p>Welcome!</p>"));
    assert_eq!(first.kind, PostKind::Regular);
    assert_eq!(topic.posts[1].kind, PostKind::ModeratorAction);
    let last = &topic.posts[3];
    assert_eq!(last.post_number, 14);
    assert_eq!(last.author.username, "splattne");
    assert_eq!(last.reply_to_post_number, Some(1));
    // Old recording: no solved fields, no rights in details → all false, nothing invented.
    assert!(!last.can_accept_answer && !last.accepted_answer);
    assert!(!topic.rights.can_move_posts);
}

#[test]
fn topic_posts_with_block_array_raw() {
    let posts = decode::posts(&fixture("topic_posts.json")).expect("topic_posts.json");
    assert_eq!(posts.len(), 1);
    let p = &posts[0];
    assert_eq!(p.id, 123456);
    assert_eq!(p.topic_id, 57);
    assert_eq!(p.post_number, 2);
    assert_eq!(p.author.username, "Some-username");
    assert_eq!(p.author.name.as_deref(), Some("Someones Name"));
    assert_eq!(p.author.trust_level, 3);
    assert_eq!(p.author.role, Role::Member);
    assert_eq!(p.cooked, "<p>Some text.</p>");
    assert_eq!(
        p.raw, None,
        "raw is a hand-edited block array: read as absent"
    );
    assert_eq!(p.like_count, 3, "likes from actions_summary id 2");
    assert_eq!(p.created_at, at("2020-01-27T11:32:03.646Z"));
    assert!(!p.can_accept_answer && !p.can_unaccept_answer && !p.accepted_answer);
}

#[test]
fn created_posts() {
    let p = decode::created_post(&fixture("create_topic_with_tags.json")).expect("created");
    assert_eq!(p.id, 29);
    assert_eq!(p.topic_id, 21);
    assert_eq!(p.post_number, 1);
    assert_eq!(p.author.username, "blake");
    assert_eq!(p.author.role, Role::Admin);
    assert_eq!(p.created_at, at("2020-07-09T15:52:43.802Z"));

    let single = decode::created_post(&fixture("post.json")).expect("post.json");
    assert_eq!(single.id, 11);
    assert_eq!(single.author.username, "system");
    assert!(single
        .raw
        .as_deref()
        .is_some_and(|r| r.starts_with("The first paragraph of this pinned topic")));
}

#[test]
fn badge_catalogue() {
    let badges = decode::badges(&fixture("badges.json")).expect("badges.json");
    assert_eq!(badges.len(), 23);
    let first = &badges[0];
    assert_eq!((first.id, first.name.as_str()), (9, "Autobiographer"));
    assert_eq!(first.badge_type, BadgeType::Bronze);
    assert!(first.enabled);
    let great = badges
        .iter()
        .find(|b| b.name == "Great Share")
        .expect("Great Share");
    assert_eq!(great.badge_type, BadgeType::Gold);
    let good = badges
        .iter()
        .find(|b| b.name == "Good Post")
        .expect("Good Post");
    assert_eq!(good.badge_type, BadgeType::Silver);
    let editor = badges.iter().find(|b| b.id == 10).expect("Editor");
    assert_eq!(editor.grant_count, 1);
    // No manually_grantable in this old recording; they are all system badges.
    assert!(badges.iter().all(|b| !b.manually_grantable));
}

#[test]
fn member_badges_newest_first() {
    let granted = decode::user_badges(&fixture("user_badges.json")).expect("user_badges.json");
    let names: Vec<&str> = granted.iter().map(|g| g.badge.name.as_str()).collect();
    assert_eq!(names, ["Editor", "Welcome"]);
    assert_eq!(granted[0].granted_at, at("2014-11-30T14:27:19.404Z"));
    assert_eq!(granted[0].granted_by.as_deref(), Some("system"));
    assert_eq!(granted[0].count, 1);
    assert_eq!(granted[1].topic_id, Some(12));
    assert_eq!(granted[1].post_number, Some(1));
    assert_eq!(granted[1].badge.badge_type, BadgeType::Bronze);
}

#[test]
fn member_profile() {
    let m = decode::member(&fixture("user.json"), SITE).expect("user.json");
    assert_eq!(m.id, 1);
    assert_eq!(m.username, "test_user");
    assert_eq!(m.name.as_deref(), Some("Test User"));
    assert_eq!(m.role, Role::Member);
    assert_eq!(m.trust_level, 0);
    assert_eq!(m.created_at, Some(at("2014-09-04T08:04:25.104-04:00")));
    assert_eq!(m.last_seen_at, Some(at("2014-09-04T08:22:19.370-04:00")));
    assert_eq!(m.last_posted_at, None);
    assert_eq!(m.badge_count, 0);
    assert_eq!(m.suspended_till, None);
    assert_eq!(m.profile_url, "https://forum.example.com/u/test_user");

    // user_badges.json also carries a `user`: an admin with two badges.
    let admin = decode::member(&fixture("user_badges.json"), SITE).expect("embedded user");
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(admin.badge_count, 2);
}

#[test]
fn admin_view_of_a_member() {
    let m = decode::admin_moderation(&fixture("admin_user.json")).expect("admin_user.json");
    assert_eq!(m.flags_given, 0);
    assert_eq!(m.flags_received, 0);
    assert_eq!(m.warnings_received, 0);
    assert_eq!(m.suspensions, 0);
    assert!(m.current.is_empty(), "suspended_till is null");
    assert_eq!(
        m.linked_accounts,
        [LinkedAccount {
            provider: "sso".into(),
            uid: "847".into()
        }]
    );
}

#[test]
fn user_actions_as_activity() {
    let items = decode::user_actions(&fixture("replies.json")).expect("replies.json");
    assert_eq!(items.len(), 1);
    let a = &items[0];
    assert_eq!(a.channel, Channel::Forum);
    assert_eq!(a.action, "replied");
    assert_eq!(a.title, "Test Topic");
    assert_eq!(a.excerpt, "Test Reply #1");
    assert_eq!(a.topic_id, Some(39));
    assert_eq!(a.post_number, Some(3));
    assert_eq!(a.at, at("2016-06-29T20:27:55.767Z"));

    let both = decode::user_actions(&fixture("replies_and_topics.json")).expect("4,5");
    let actions: Vec<&str> = both.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["replied", "opened"]);
    assert_eq!(both[1].post_number, Some(1));
}

#[test]
fn private_message_list() {
    let pms = decode::private_messages(&fixture("private_messages.json")).expect("pms");
    assert_eq!(pms.len(), 1);
    assert_eq!(pms[0].channel, Channel::PrivateMessage);
    assert_eq!(pms[0].title, "Welcome to Discourse!");
    assert_eq!(pms[0].topic_id, Some(11));
    assert_eq!(pms[0].at, at("2014-09-13T10:27:20.140-04:00"));
}

#[test]
fn categories_with_corrupted_key() {
    let cats = decode::categories(&fixture("categories.json")).expect("categories.json");
    let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["test1", "test2", "test3"]);
    assert_eq!(cats[0].slug, "test1");
    assert_eq!(cats[0].color.as_deref(), Some("0000FF"));
    assert_eq!(cats[0].description.as_deref(), Some("Test category #1."));
    assert_eq!(cats[0].topic_count, 0);
    assert_eq!(cats[0].parent_id, None);
}

#[test]
fn every_decoder_survives_every_fixture() {
    // Whatever file is fed to whatever decoder: an Ok or a typed error, never a panic.
    let mut count = 0;
    for entry in std::fs::read_dir(fixture_dir()).expect("fixture dir") {
        let body = std::fs::read(entry.expect("entry").path()).expect("read");
        let _ = decode::topic_page(&body);
        let _ = decode::topic(&body, SITE);
        let _ = decode::posts(&body);
        let _ = decode::badges(&body);
        let _ = decode::user_badges(&body);
        let _ = decode::member(&body, SITE);
        let _ = decode::admin_moderation(&body);
        let _ = decode::user_actions(&body);
        let _ = decode::private_messages(&body);
        let _ = decode::categories(&body);
        let _ = decode::created_post(&body);
        let _ = decode::move_result(&body, SITE);
        let _ = decode::user_summary(&body);
        count += 1;
    }
    assert!(count >= 20, "found {count} fixtures");
}

#[test]
fn newer_and_odd_shapes() {
    // Tags as objects, numbers as strings or null, unknown fields, a topic without an id.
    let body = br#"{"users":[{"id":7,"username":"ann"}],"topic_list":{"per_page":"50",
      "more_topics_url":"/latest?page=3&status=open","topics":[
       {"id":"5","title":"Wifi drops","posts_count":null,"views":"12","created_at":"2024-05-01T10:00:00Z",
        "tags":[{"id":1,"name":"wifi","slug":"wifi"},"router",7],"posters":[{"description":"Original Poster","user_id":7}],
        "brand_new_field":{"x":1}},
       {"title":"no id"}]}}"#;
    let page = decode::topic_page(body).expect("odd list");
    assert_eq!(page.per_page, 50);
    assert_eq!(page.next_page, Some(3));
    assert_eq!(page.topics.len(), 1);
    let t = &page.topics[0];
    assert_eq!(t.id, 5);
    assert_eq!(t.posts_count, 0);
    assert_eq!(t.views, 12);
    assert_eq!(t.tags, ["wifi", "router"]);
    assert_eq!(t.author.as_deref(), Some("ann"));

    assert!(matches!(
        decode::topic_page(b"{\"nothing\":1}"),
        Err(BackendError::Malformed(_))
    ));
    match decode::topic_page(b"<html>Bad gateway</html>") {
        Err(BackendError::Malformed(m)) => assert!(!m.contains("Bad gateway"), "{m}"),
        other => panic!("{other:?}"),
    }

    let queued =
        br#"{"action":"enqueued","pending_post":{"id":3},"pending_count":1,"success":true}"#;
    assert!(matches!(
        decode::created_post(queued),
        Err(BackendError::Invalid(_))
    ));
    let nested = br#"{"action":"create_post","post":{"id":90,"topic_id":4,"post_number":2,"username":"mod","created_at":"2024-01-01T00:00:00Z"},"success":true}"#;
    assert_eq!(decode::created_post(nested).expect("nested").id, 90);

    let moved =
        decode::move_result(br#"{"success":true,"url":"/t/new-topic/123"}"#, SITE).expect("moved");
    assert_eq!(moved.topic_id, Some(123));
    assert_eq!(moved.url, "https://forum.example.com/t/new-topic/123");
    assert!(matches!(
        decode::move_result(br#"{"success":false}"#, SITE),
        Err(BackendError::Invalid(_))
    ));

    let summary = decode::user_summary(
        br#"{"user_summary":{"likes_given":1,"likes_received":5,"solved_count":2,"topic_count":3,"post_count":9,"days_visited":4,"time_read":3600,"posts_read_count":70}}"#,
    )
    .expect("summary");
    assert_eq!(summary.likes_received, 5);
    assert_eq!(summary.solutions, 2);
    assert_eq!(summary.time_read_secs, 3600);
}
