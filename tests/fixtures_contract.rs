//! Contract tests: Discourse response bodies go through the adapter's own decoders, and the
//! domain values that come out are what the console shows.
//!
//! The main tests read the project's own fixtures in `tests/fixtures/discourse/` (always in
//! the repository). They are written for modterm, not recorded: they reproduce the shapes and
//! quirks real servers and the old public recordings show (missing and `null` fields, unknown
//! fields, old field names, numbers given as strings, a `raw` given as a block array, corrupted
//! keys, sideloaded users, posters with descriptions...). Each file is named after the endpoint
//! it answers.
//!
//! The `shared` group runs the same decoders over the third-party recordings in
//! `../shared/fixtures/discourse/` when that directory exists beside the checkout, and says
//! once that it skipped them when it does not.

use std::path::{Path, PathBuf};
use std::time::Duration;

use modterm::backend::discourse::client::map_error;
use modterm::backend::discourse::decode;
use modterm::backend::BackendError;
use modterm::domain::*;

/// With a trailing slash on purpose: the decoders trim it before building links.
const SITE: &str = "https://help.quillpad.example/";

fn own_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discourse")
}

/// One of the project's own fixtures.
fn fixture(name: &str) -> Vec<u8> {
    let path = own_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn at(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s)
        .expect("test timestamp")
        .with_timezone(&chrono::Utc)
}

fn topic_page(name: &str) -> TopicPage {
    decode::topic_page(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn posted(body: &[u8]) -> Post {
    match decode::created_post(body) {
        Ok(Sent::Posted(p)) => p,
        other => panic!("expected a posted post, got {other:?}"),
    }
}

fn next_page(page: &TopicPage) -> Option<&str> {
    page.next.as_ref().map(PageToken::as_str)
}

// ---------------------------------------------------------------------------------------------
// Topic lists

#[test]
fn latest_topic_list() {
    let page = topic_page("latest.json");
    // The id-less row, the stray string and the number are dropped; the rest keep their order.
    let ids: Vec<&str> = page.topics.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1041", "1043", "1040"]);
    assert_eq!(
        next_page(&page),
        Some("2"),
        "page of a more_topics_url without .json"
    );
    assert_eq!(page.per_page, 4, "per_page given as a string");

    // Author and last poster from posters[] through the sideloaded users (one id a string).
    let sync = &page.topics[0];
    assert_eq!(sync.title, "Sync stops after the 4.2 update");
    assert_eq!(sync.slug, "sync-stops-after-the-4-2-update");
    assert_eq!(sync.category_id, Some(CategoryId::from(6u64)));
    assert_eq!(sync.created_at, at("2024-02-11T13:30:00Z"));
    assert_eq!(sync.last_posted_at, Some(at("2024-02-12T22:05:41.220Z")));
    assert_eq!(sync.author.as_deref(), Some("marisol_q"));
    assert_eq!(
        sync.last_poster.as_deref(),
        Some("wren"),
        "Most Recent Poster"
    );
    assert_eq!((sync.posts_count, sync.reply_count), (3, 0));
    assert!(!sync.is_unanswered(), "posts_count counts, not reply_count");
    assert!(!sync.awaits_follow_up());
    assert_eq!((sync.views, sync.like_count), (412, 7));
    assert!(sync.pinned && !sync.closed && !sync.archived && !sync.has_accepted_answer);
    assert_eq!(sync.tags, ["sync", "desktop-4-2"], "tags as objects");

    // Numbers as strings, a null title (fancy_title instead), nulls, unknown fields, a
    // corrupted key, tags as plain strings with a number among them.
    let export = &page.topics[1];
    assert_eq!(export.title, "Export to PDF cuts off the margins");
    assert_eq!(export.category_id, Some(CategoryId::from(4u64)));
    assert_eq!(export.posts_count, 1);
    assert!(export.is_unanswered());
    assert_eq!(
        (export.views, export.like_count),
        (0, 0),
        "null and absent counts"
    );
    assert_eq!(export.created_at, at("2024-02-12T21:14:09Z"));
    assert_eq!(export.last_posted_at, None);
    assert_eq!(export.author.as_deref(), Some("marisol_q"));
    assert_eq!(export.last_poster.as_deref(), Some("marisol_q"));
    assert!(!export.has_accepted_answer);
    assert_eq!(export.tags, ["export", "pdf"]);

    // No created_at (the last post's time instead), an unknown original poster, an empty
    // last_poster_username (posters[] instead), flags as 1 / "f" / "t", views as a string.
    let dark = &page.topics[2];
    assert_eq!(dark.created_at, at("2024-01-30T09:02:00Z"));
    assert_eq!(dark.last_posted_at, Some(at("2024-01-30T09:02:00Z")));
    assert_eq!(dark.author, None, "user 99 is not sideloaded");
    assert_eq!(dark.last_poster.as_deref(), Some("wren"));
    assert!(dark.closed && !dark.archived && dark.has_accepted_answer);
    assert_eq!(dark.views, 1290);
    assert_eq!(
        (dark.posts_count, dark.reply_count, dark.like_count),
        (6, 4, 23)
    );
    assert!(dark.tags.is_empty());
}

#[test]
fn top_and_new_topic_lists() {
    // /top.json: no users[] at all, so no author; the last poster still comes by name.
    let top = topic_page("top.json");
    let titles: Vec<&str> = top.topics.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Keyboard shortcuts cheat sheet",
            "Attachments over 20 MB fail silently"
        ]
    );
    assert_eq!(next_page(&top), Some("1"));
    assert_eq!(top.per_page, 30, "no per_page: Discourse's default");
    assert!(top.topics.iter().all(|t| t.author.is_none()));
    assert_eq!(top.topics[0].last_poster.as_deref(), Some("dev_ottokar"));
    assert_eq!(top.topics[1].last_poster.as_deref(), Some("tobias.k"));
    assert_eq!((top.topics[0].views, top.topics[0].like_count), (5120, 96));
    assert_eq!(top.topics[1].created_at, at("2024-01-15T06:45:10.500Z"));
    assert!(top.topics[1].has_accepted_answer);

    // /new.json: the last page (no more_topics_url), every topic unanswered.
    let new = topic_page("new.json");
    assert_eq!(next_page(&new), None);
    assert_eq!(new.per_page, 30);
    assert_eq!(new.topics.len(), 2);
    assert!(new.topics.iter().all(TopicSummary::is_unanswered));
    assert_eq!(new.topics[0].id.as_str(), "1050");
    assert_eq!(new.topics[0].author.as_deref(), Some("newbie_ana"));
    assert_eq!(new.topics[0].created_at, at("2024-02-13T06:45:12.004Z"));
    // last_poster_username wins over what posters[] says.
    assert_eq!(new.topics[1].author.as_deref(), Some("tobias.k"));
    assert_eq!(new.topics[1].last_poster.as_deref(), Some("marisol_q"));
    assert_eq!(new.topics[1].created_at, at("2024-02-13T07:59:59.999Z"));
    assert_eq!(new.topics[1].category_id, Some(CategoryId::from(7u64)));
}

#[test]
fn category_topic_lists() {
    // /c/desktop/6/l/latest.json, with corrupted keys ("visible    ", "unpinned    ").
    let cat = topic_page("category_latest.json");
    assert_eq!(next_page(&cat), None);
    let ids: Vec<&str> = cat.topics.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1001", "1038"]);
    let about = &cat.topics[0];
    assert_eq!(about.title, "About the Desktop category");
    assert!(about.pinned && about.is_unanswered());
    assert_eq!(about.created_at, at("2021-05-01T08:00:00Z"));
    let cache = &cat.topics[1];
    assert_eq!(cache.title, "Where is the offline cache stored?");
    assert_eq!(cache.posts_count, 2);
    assert!(!cache.is_unanswered());
    assert_eq!(cache.author.as_deref(), Some("wren"));
    assert_eq!(cache.last_poster.as_deref(), Some("wren"));
    assert!(cache.awaits_follow_up(), "the asker posted last");
    assert!(cat
        .topics
        .iter()
        .all(|t| t.category_id == Some(CategoryId::from(6u64))));

    // /c/export-print/4/l/top.json: a full page of one, the category id as a string, a tag
    // object with only a slug, the last poster from a "Most Recent Poster, Accepted Answer".
    let top = topic_page("category_top.json");
    assert_eq!(next_page(&top), Some("1"));
    assert_eq!(top.per_page, 1);
    let t = &top.topics[0];
    assert_eq!(t.title, "Printing a notebook with its table of contents");
    assert_eq!(t.category_id, Some(CategoryId::from(4u64)));
    assert_eq!(t.tags, ["printing"]);
    assert_eq!(t.author.as_deref(), Some("marisol_q"));
    assert_eq!(t.last_poster.as_deref(), Some("wren"));
    assert!(t.has_accepted_answer);
    assert_eq!((t.views, t.like_count, t.reply_count), (640, 31, 2));
}

#[test]
fn topic_list_whose_topics_is_not_a_list_is_malformed() {
    // `"topics":"abc"` is not an empty page: the console must say the reply was unreadable.
    match decode::topic_page(&fixture("topic_list_bad.json")) {
        Err(BackendError::Malformed(m)) => assert!(m.contains("topic list"), "{m}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    // No topic_list at all is malformed too.
    assert!(matches!(
        decode::topic_page(&fixture("topic_list_absent.json")),
        Err(BackendError::Malformed(_))
    ));
}

#[test]
fn null_topics_is_an_empty_last_page() {
    let page = topic_page("topic_list_empty.json");
    assert!(page.topics.is_empty());
    assert_eq!(next_page(&page), None);
    assert_eq!(page.per_page, 30);
}

// ---------------------------------------------------------------------------------------------
// Topics and posts

#[test]
fn topic_with_its_first_chunk() {
    let body = fixture("topic.json");
    let topic = decode::topic(&body, SITE).expect("topic.json");
    let s = &topic.summary;
    assert_eq!(s.id.as_str(), "1040");
    assert_eq!(s.title, "Dark mode ignores the system setting");
    assert_eq!(s.slug, "dark-mode-ignores-the-system-setting");
    assert_eq!(s.category_id, Some(CategoryId::from(6u64)));
    assert_eq!(s.created_at, at("2024-01-22T13:03:51.002Z"));
    assert_eq!(s.last_posted_at, Some(at("2024-01-30T09:02:00Z")));
    assert_eq!(s.author.as_deref(), Some("lena_v"), "details.created_by");
    assert_eq!(
        s.last_poster.as_deref(),
        Some("dev_ottokar"),
        "details.last_poster"
    );
    assert_eq!(
        (s.posts_count, s.reply_count, s.like_count, s.views),
        (6, 4, 23, 1290)
    );
    assert!(s.closed && !s.archived && !s.pinned);
    assert!(s.has_accepted_answer, "from the topic's accepted_answer");
    assert_eq!(
        s.tags,
        ["dark-mode", "windows"],
        "a tag object and a tag string"
    );
    assert_eq!(topic.accepted_answer, Some(3));
    assert_eq!(
        topic.rights,
        TopicRights {
            can_create_post: true,
            can_move_posts: true,
            can_edit: true
        }
    );
    assert_eq!(
        topic.url,
        "https://help.quillpad.example/t/dark-mode-ignores-the-system-setting/1040"
    );

    // The post without an id is dropped.
    let ids: Vec<&str> = topic.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["5001", "5002", "5004", "5007"]);
    assert!(topic.posts.iter().all(|p| p.topic_id.as_str() == "1040"));

    let op = &topic.posts[0];
    assert_eq!(op.post_number, 1);
    assert_eq!(op.author.username, "lena_v");
    assert_eq!(op.author.name.as_deref(), Some("Lena Vogt"));
    assert_eq!(op.author.id, Some(UserId::from(99u64)));
    assert_eq!(op.author.role, Role::Member);
    assert_eq!(op.author.rank.as_deref(), Some("basic"));
    assert_eq!(op.author.title, None);
    assert_eq!(op.created_at, at("2024-01-22T13:03:51.118Z"));
    assert!(op.body_html.starts_with("<p>Since the 4.1 update"));
    assert_eq!(op.raw, None, "no include_raw");
    assert_eq!(op.kind, PostKind::Regular);
    assert_eq!(op.like_count, 2, "likes from actions_summary id 2");
    assert_eq!(op.reply_to_post_number, None);
    assert!(!op.accepted_answer && !op.can_accept_answer && !op.can_unaccept_answer);

    let closed = &topic.posts[1];
    assert_eq!(closed.kind, PostKind::SmallAction);
    assert_eq!(closed.body_html, "");
    assert_eq!(closed.author.role, Role::Moderator);
    assert_eq!(closed.author.rank.as_deref(), Some("leader"));
    assert_eq!(closed.author.title.as_deref(), Some("Quillpad team"));

    let answer = &topic.posts[2];
    assert_eq!(answer.post_number, 3);
    assert_eq!(answer.author.username, "wren");
    assert_eq!(
        answer.author.rank.as_deref(),
        Some("regular"),
        "trust_level as a string"
    );
    assert_eq!(answer.author.role, Role::Member);
    assert_eq!(answer.like_count, 5, "like_count wins over actions_summary");
    assert_eq!(answer.reply_to_post_number, Some(1));
    assert!(answer.accepted_answer && answer.can_unaccept_answer && !answer.can_accept_answer);
    assert_eq!(
        answer.raw.as_deref(),
        Some("Settings → Appearance → *Follow system* was reset by the update; switch it back on.")
    );
    assert_eq!(answer.created_at, at("2024-01-22T15:40:00Z"));

    let whisper = &topic.posts[3];
    assert_eq!(whisper.kind, PostKind::Whisper);
    assert_eq!(whisper.post_number, 5);
    assert_eq!(whisper.author.name, None, "an empty name is no name");
    assert_eq!(whisper.reply_to_post_number, Some(3), "given as a string");

    // The stream names two posts beyond the first chunk: the client fetches those next.
    let (same, missing, stream) = decode::topic_with_rest(&body, SITE).expect("with rest");
    assert_eq!(same, topic);
    let missing: Vec<&str> = missing.iter().map(PostId::as_str).collect();
    assert_eq!(missing, ["5009", "5010"]);
    let stream: Vec<&str> = stream.iter().map(PostId::as_str).collect();
    assert_eq!(stream, ["5001", "5002", "5004", "5007", "5009", "5010"]);
}

#[test]
fn topic_from_an_old_server() {
    // No solved fields, no rights in details, no tags, the system user (id -1) as author.
    let (topic, missing, _) =
        decode::topic_with_rest(&fixture("topic_old.json"), SITE).expect("topic_old.json");
    let s = &topic.summary;
    assert_eq!(s.id.as_str(), "1000");
    assert_eq!(s.title, "Welcome to Quillpad Help");
    assert_eq!(s.author.as_deref(), Some("system"));
    assert_eq!(s.last_poster.as_deref(), Some("marisol_q"));
    assert_eq!(s.views, 9511);
    assert!(s.pinned && !s.has_accepted_answer);
    assert!(s.tags.is_empty());
    assert_eq!(s.created_at, at("2021-05-01T07:58:00Z"));
    assert_eq!(topic.accepted_answer, None);
    assert_eq!(topic.rights, TopicRights::default(), "nothing invented");
    assert!(missing.is_empty());
    assert_eq!(
        topic.url,
        "https://help.quillpad.example/t/welcome-to-quillpad-help/1000"
    );

    let system = &topic.posts[0];
    assert_eq!(system.author.username, "system");
    assert_eq!(system.author.id, None, "negative ids are not member ids");
    assert_eq!(system.author.role, Role::Moderator);
    assert_eq!(system.like_count, 0);
    let reply = &topic.posts[1];
    assert_eq!(reply.author.rank.as_deref(), Some("member"));
    assert_eq!(reply.like_count, 3);
    assert_eq!(reply.created_at, at("2021-05-03T16:22:41.907Z"));
    assert!(topic
        .posts
        .iter()
        .all(|p| !p.accepted_answer && !p.can_accept_answer && !p.can_unaccept_answer));
}

#[test]
fn topic_accepted_answer_from_the_post_flag() {
    // No topic-level accepted_answer: the accepted post's own flag says which one.
    let topic =
        decode::topic(&fixture("topic_accepted_by_post.json"), SITE).expect("accepted by post");
    assert_eq!(topic.accepted_answer, Some(2));
    assert!(topic.summary.has_accepted_answer);
    assert_eq!(topic.summary.author.as_deref(), Some("tobias.k"));
    assert_eq!(topic.summary.last_poster.as_deref(), Some("wren"));
    assert_eq!(
        topic.rights,
        TopicRights {
            can_create_post: true,
            can_move_posts: false,
            can_edit: false
        }
    );
    assert!(topic.posts[1].accepted_answer);
    assert_eq!(topic.posts[1].author.role, Role::Moderator);
    assert!(topic.posts[2].can_accept_answer && !topic.posts[2].accepted_answer);
    assert_eq!(topic.posts[2].author.name, None);
}

#[test]
fn topic_posts_batch() {
    let posts = decode::posts(&fixture("topic_posts.json")).expect("topic_posts.json");
    let ids: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["5009", "5010"], "an id given as a string");

    let p = &posts[0];
    assert_eq!(p.topic_id.as_str(), "1040");
    assert_eq!(p.post_number, 6);
    assert_eq!(p.author.username, "marisol_q");
    assert_eq!(p.author.rank.as_deref(), Some("member"));
    assert_eq!(p.body_html, "<p>Confirmed on macOS too.</p>");
    assert_eq!(p.raw, None, "raw as a block array reads as absent");
    assert_eq!(p.like_count, 4, "actions_summary count as a string");
    assert!(p.can_accept_answer);

    let admin = &posts[1];
    assert_eq!(
        admin.topic_id.as_str(),
        "",
        "no topic_id: left for the client to fill from the request"
    );
    assert_eq!(admin.author.role, Role::Admin);
    assert_eq!(admin.author.rank.as_deref(), Some("basic"));
    assert_eq!(admin.author.title, None, "a blank title is no title");
    assert_eq!(
        admin.created_at,
        at("2024-01-29T18:20:05Z"),
        "old serializer date form"
    );
    assert_eq!(admin.raw.as_deref(), Some("Fixed in 4.2.1, thanks all."));
    assert_eq!(admin.reply_to_post_number, Some(3));
    assert_eq!(
        admin.like_count, 0,
        "like_count null and no actions_summary"
    );
}

#[test]
fn single_post_by_the_system_user() {
    // `/posts/{id}.json` is a bare post, read by the same decoder as a created one.
    let p = posted(&fixture("post.json"));
    assert_eq!(p.id.as_str(), "4410");
    assert_eq!(p.topic_id.as_str(), "1000");
    assert_eq!(p.author.username, "system");
    assert_eq!(p.author.id, None);
    assert_eq!(p.author.role, Role::Admin);
    assert_eq!(p.author.rank.as_deref(), Some("leader"));
    assert!(p
        .raw
        .as_deref()
        .is_some_and(|r| r.starts_with("Welcome to the Quillpad help forum.")));
    assert!(p.body_html.contains("<strong>Be kind</strong>"));
    assert_eq!(p.like_count, 0);
    assert_eq!(p.created_at, at("2021-05-01T07:58:00Z"));
}

// ---------------------------------------------------------------------------------------------
// Writes

#[test]
fn created_post_replies() {
    // Default reply: the bare post.
    let p = posted(&fixture("created_post.json"));
    assert_eq!(p.id.as_str(), "5011");
    assert_eq!(p.topic_id.as_str(), "1040");
    assert_eq!(p.post_number, 7);
    assert_eq!(p.reply_to_post_number, Some(3));
    assert_eq!(p.author.username, "dev_ottokar");
    assert_eq!(p.author.name, None);
    assert_eq!(p.author.id, Some(UserId::from(7u64)));
    assert_eq!(p.author.role, Role::Moderator);
    assert_eq!(p.author.title.as_deref(), Some("Quillpad team"));
    assert_eq!(p.created_at, at("2024-02-14T09:00:12.345Z"));
    assert_eq!(
        p.body_html,
        "<p>Thanks, we can reproduce this and a fix ships in 4.2.1.</p>"
    );
    assert_eq!(p.raw, None);
    assert_eq!(p.like_count, 0);
    assert_eq!(p.kind, PostKind::Regular);

    // nested_post=true: `{"action":"create_post","post":{…}}`, ids as strings.
    let nested = posted(&fixture("created_post_nested.json"));
    assert_eq!(nested.id.as_str(), "5012");
    assert_eq!(nested.topic_id.as_str(), "1050");
    assert_eq!(nested.post_number, 2);
    assert_eq!(nested.author.username, "wren");
    assert_eq!(nested.author.rank.as_deref(), Some("regular"));
    assert_eq!(
        nested.raw.as_deref(),
        Some("Drag the note onto the notebook in the sidebar.")
    );

    // Held for approval: not an error, and nothing to show yet.
    assert_eq!(
        decode::created_post(&fixture("created_post_enqueued.json")),
        Ok(Sent::Queued)
    );

    // A wrapper without a post is unreadable, never an empty post.
    assert!(matches!(
        decode::created_post(&fixture("created_post_no_post.json")),
        Err(BackendError::Malformed(_))
    ));
}

#[test]
fn move_posts_results() {
    let moved = decode::move_result(&fixture("move_posts.json"), SITE).expect("moved");
    assert_eq!(moved.topic_id, Some(TopicId::from(1077u64)));
    assert_eq!(
        moved.url,
        "https://help.quillpad.example/t/tablet-crash-split-from-the-sync-thread/1077"
    );

    // Into an existing topic: an absolute URL with a post number after the id.
    let merged = decode::move_result(&fixture("move_posts_merge.json"), SITE).expect("merged");
    assert_eq!(merged.topic_id, Some(TopicId::from(1041u64)));
    assert_eq!(
        merged.url,
        "https://help.quillpad.example/t/sync-stops-after-the-4-2-update/1041/9"
    );

    match decode::move_result(&fixture("move_posts_failed.json"), SITE) {
        Err(BackendError::Invalid(msgs)) => {
            assert_eq!(msgs, ["the server did not move the posts"])
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn solution_and_other_write_acknowledgements() {
    // Accept: the newer accepted-answer info, or the older {"success":"OK"}.
    assert_eq!(
        decode::write_ack(&fixture("solution_accept.json"), "accept the solution"),
        Ok(())
    );
    assert_eq!(
        decode::write_ack(&fixture("solution_accept_old.json"), "accept the solution"),
        Ok(())
    );
    assert_eq!(
        decode::write_ack(&fixture("solution_unaccept.json"), "unaccept the solution"),
        Ok(())
    );
    // Re-categorizing a topic answers with its basic_topic.
    assert_eq!(
        decode::write_ack(&fixture("move_topic.json"), "move the topic"),
        Ok(())
    );
    assert_eq!(decode::write_ack(b"  \n", "move the topic"), Ok(()));

    // {"failed":"FAILED","errors":[…]}: the server's words reach the console.
    let failed = fixture("solution_failed.json");
    assert_eq!(
        decode::write_ack(&failed, "accept the solution"),
        Err(BackendError::Invalid(vec![
            "Accepted answers are not enabled in this category.".into()
        ]))
    );
    // The same body with its real status, 400.
    assert_eq!(
        map_error(400, None, &failed),
        BackendError::Invalid(vec![
            "Accepted answers are not enabled in this category.".into()
        ])
    );
}

#[test]
fn solved_posts_by_user() {
    let items = decode::solved_posts(&fixture("solved_by_user.json")).expect("solved");
    assert_eq!(items.len(), 2, "the solution without a date is dropped");
    assert!(items.iter().all(|a| a.channel == Channel::Solution));
    assert!(items.iter().all(|a| a.action == "answer accepted"));
    assert_eq!(items[0].title, "Dark mode ignores the system setting");
    assert_eq!(items[0].topic_id, Some(TopicId::from(1040u64)));
    assert_eq!(items[0].post_number, Some(3));
    assert_eq!(items[0].at, at("2024-01-22T15:40:00Z"));
    assert!(items[0].excerpt.starts_with("Settings → Appearance"));
    assert_eq!(
        items[1].topic_id,
        Some(TopicId::from(1022u64)),
        "ids as strings"
    );
    assert_eq!(items[1].post_number, Some(4));
    assert_eq!(items[1].excerpt, "");
    assert_eq!(items[1].at, at("2024-01-04T08:30:00Z"));
}

// ---------------------------------------------------------------------------------------------
// Badges

#[test]
fn badge_catalogue() {
    let badges = decode::badges(&fixture("badges.json")).expect("badges.json");
    let ids: Vec<&str> = badges.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["101", "102", "1", "4", "103", "104"]);
    let names: Vec<&str> = badges.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Solution Author",
            "Beta Pioneer",
            "Basic User",
            "Leader",
            "Legacy Helper",
            "badge #104"
        ]
    );
    let types: Vec<BadgeType> = badges.iter().map(|b| b.badge_type).collect();
    assert_eq!(
        types,
        [
            BadgeType::Bronze,
            BadgeType::Silver, // badge_type_id as a string
            BadgeType::Bronze,
            BadgeType::Gold,
            BadgeType::Silver,
            BadgeType::Bronze, // an unknown type id
        ]
    );
    let grants: Vec<u64> = badges.iter().map(|b| b.grant_count).collect();
    assert_eq!(grants, [318, 41, 5000, 12, 3, 0]);
    // manually_grantable when given; else not for system badges (older servers).
    let manual: Vec<bool> = badges.iter().map(|b| b.manually_grantable).collect();
    assert_eq!(manual, [false, true, false, false, true, true]);
    let multiple: Vec<bool> = badges.iter().map(|b| b.multiple_grant).collect();
    assert_eq!(multiple, [true, false, false, false, false, false]);
    let enabled: Vec<bool> = badges.iter().map(|b| b.enabled).collect();
    assert_eq!(enabled, [true, true, true, true, false, true]);
    assert_eq!(badges[0].description, "Wrote an answer that was accepted");
    assert_eq!(badges[2].description, "", "description null");
}

#[test]
fn member_badges_newest_first() {
    let granted = decode::user_badges(&fixture("user_badges.json")).expect("user_badges.json");
    let names: Vec<&str> = granted.iter().map(|g| g.badge.name.as_str()).collect();
    assert_eq!(
        names,
        ["Solution Author", "Beta Pioneer", "Regular", "badge #77"],
        "the grant without a badge_id is dropped"
    );

    let solution = &granted[0];
    assert_eq!(solution.granted_at, at("2024-02-01T09:30:00Z"));
    assert_eq!(
        solution.granted_by.as_deref(),
        Some("system"),
        "user -1 in users[]"
    );
    assert_eq!(solution.count, 38, "grouped count as a string");
    assert_eq!(solution.topic_id, Some(TopicId::from(1040u64)));
    assert_eq!(solution.post_number, Some(3));
    assert_eq!(solution.badge.badge_type, BadgeType::Bronze);
    assert!(solution.badge.multiple_grant);

    let beta = &granted[1];
    assert_eq!(beta.granted_at, at("2023-07-19T14:45:00Z"));
    assert_eq!(
        beta.granted_by.as_deref(),
        Some("dev_ottokar"),
        "user id as a string"
    );
    assert_eq!(beta.count, 1);
    assert_eq!(beta.badge.badge_type, BadgeType::Silver);
    assert_eq!(beta.topic_id, None);

    assert_eq!(granted[2].badge.badge_type, BadgeType::Silver);
    // A badge missing from the sideloads is still listed, by number.
    let unknown = &granted[3];
    assert_eq!(unknown.badge.id.as_str(), "77");
    assert_eq!(unknown.badge.badge_type, BadgeType::Bronze);
    assert_eq!(unknown.granted_by, None);
    assert_eq!(unknown.count, 1, "a count of 0 shows as one grant");

    // The same reply embeds the member.
    let m = decode::member(&fixture("user_badges.json"), SITE).expect("embedded user");
    assert_eq!(m.username, "wren");
    assert_eq!(m.badge_count, 4);
}

#[test]
fn badge_grant_reply() {
    let g = decode::granted_badge(&fixture("user_badge_granted.json")).expect("grant");
    assert_eq!(g.badge.id.as_str(), "102");
    assert_eq!(g.badge.name, "Beta Pioneer");
    assert_eq!(g.badge.badge_type, BadgeType::Silver);
    assert!(g.badge.manually_grantable);
    assert_eq!(g.granted_at, at("2024-02-14T11:00:00Z"));
    assert_eq!(g.granted_by.as_deref(), Some("dev_ottokar"));
    assert_eq!(g.topic_id, Some(TopicId::from(1050u64)));
    assert_eq!(g.post_number, Some(2));
    assert_eq!(g.count, 1);

    // A badge list is not a grant.
    assert!(matches!(
        decode::granted_badge(&fixture("user_badges.json")),
        Err(BackendError::Malformed(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Members

#[test]
fn member_profile() {
    let m = decode::member(&fixture("user.json"), SITE).expect("user.json");
    assert_eq!(m.id.as_str(), "31");
    assert_eq!(m.username, "wren");
    assert_eq!(m.name.as_deref(), Some("Wren Aldous"));
    assert_eq!(m.title.as_deref(), Some("Community Sage"));
    assert_eq!(m.role, Role::Member);
    assert_eq!(m.rank.as_deref(), Some("regular"));
    assert_eq!(m.created_at, Some(at("2021-06-05T17:44:10Z")));
    assert_eq!(
        m.last_seen_at,
        Some(at("2024-03-02T09:15:00Z")),
        "old date form"
    );
    assert_eq!(m.last_posted_at, Some(at("2024-02-12T22:05:41.220Z")));
    assert_eq!(m.primary_group.as_deref(), Some("beta_testers"));
    assert_eq!(m.badge_count, 14, "badge_count as a string");
    assert_eq!(m.suspended_till, None);
    assert_eq!(m.silenced_till, None);
    assert_eq!(m.profile_url, "https://help.quillpad.example/u/wren");

    // The whoami fallback reads the same profile as an account.
    let a = decode::account_from_user(&fixture("user.json")).expect("account");
    assert_eq!(a.id.as_str(), "31");
    assert_eq!(a.username, "wren");
    assert_eq!(a.role, Role::Member);
    assert_eq!(a.rank.as_deref(), Some("regular"));
    assert_eq!(
        a.capabilities,
        Capabilities {
            reply: true,
            ..Capabilities::default()
        }
    );
}

#[test]
fn suspended_leader_profile() {
    let m = decode::member(&fixture("user_suspended.json"), SITE).expect("user_suspended.json");
    assert_eq!(m.id.as_str(), "64");
    assert_eq!(m.username, "jürgen");
    assert_eq!(m.role, Role::Leader, "trust level 4");
    assert_eq!(m.rank.as_deref(), Some("leader"));
    assert_eq!(
        (m.name.as_deref(), m.title.as_deref()),
        (None, None),
        "empty strings"
    );
    assert_eq!(m.last_seen_at, None);
    assert_eq!(m.suspended_till, Some(at("2999-01-01T00:00:00Z")));
    assert_eq!(m.silenced_till, Some(at("2024-06-01T12:00:00Z")));
    assert_eq!(m.primary_group, None);
    assert_eq!(m.profile_url, "https://help.quillpad.example/u/j%C3%BCrgen");
}

#[test]
fn signed_in_account() {
    let me = decode::current_user(&fixture("session_current.json")).expect("session");
    assert_eq!(me.id.as_str(), "7");
    assert_eq!(me.username, "dev_ottokar");
    assert_eq!(me.name.as_deref(), Some("Ottokar Brenn"));
    assert_eq!(me.role, Role::Moderator);
    assert_eq!(me.rank.as_deref(), Some("leader"));
    assert_eq!(
        me.capabilities,
        Capabilities {
            reply: true,
            move_posts: true,
            move_topics: true,
            award_badges: true,
            accept_any_solution: true,
            read_private_messages: false,
            see_admin_details: true,
            review_queue: true,
        }
    );

    assert!(matches!(
        decode::current_user(&fixture("session_anonymous.json")),
        Err(BackendError::NotSignedIn(_))
    ));
}

#[test]
fn member_stats_summary() {
    let s = decode::user_summary(&fixture("user_summary.json")).expect("summary");
    assert_eq!(
        s,
        MemberStats {
            likes_received: 412,
            likes_given: 57, // given as a string
            topic_count: 12,
            post_count: 344,
            solutions: 38,
            days_visited: 301,
            time_read_secs: 1_298_811,
            posts_read: 2210,
            likes_rank: None, // Discourse reports no rank
        }
    );

    // A site without the solved plugin, and a null count.
    let plain = decode::user_summary(&fixture("user_summary_unsolved_site.json")).expect("plain");
    assert_eq!(plain.solutions, 0);
    assert_eq!(plain.likes_received, 0);
    assert_eq!(plain.posts_read, 19);
    assert_eq!(plain.time_read_secs, 95);

    assert!(matches!(
        decode::user_summary(&fixture("user_summary_hidden.json")),
        Err(BackendError::Malformed(_))
    ));
}

#[test]
fn admin_view_of_a_member() {
    let m = decode::admin_moderation(&fixture("admin_user.json")).expect("admin_user.json");
    assert_eq!(m.flags_given, 3);
    assert_eq!(m.flags_received, 2, "a count as a string");
    assert_eq!(m.warnings_received, 1);
    assert_eq!((m.suspensions, m.silences), (2, 1), "penalty_counts");
    // Suspended until far ahead; the silence is over.
    assert_eq!(
        m.current,
        [Penalty {
            kind: PenaltyKind::Suspension,
            until: Some(at("2999-01-01T00:00:00Z")),
            reason: Some("Repeated advertising in replies".into()),
        }]
    );
    // external_ids by provider (the null one dropped, a number kept as text), then the SSO
    // record.
    assert_eq!(
        m.linked_accounts,
        [
            LinkedAccount {
                provider: "github".into(),
                uid: "4471".into()
            },
            LinkedAccount {
                provider: "google_oauth2".into(),
                uid: "108822004".into()
            },
            LinkedAccount {
                provider: "sso".into(),
                uid: "qp-000031".into()
            },
        ]
    );
}

#[test]
fn admin_view_from_an_old_server() {
    // No penalty_counts, no external_ids, `suspended` without a date, the old
    // `suspend_reason`, and `blocked` (the old name of silenced), which is not read.
    let m = decode::admin_moderation(&fixture("admin_user_old.json")).expect("admin_user_old");
    assert_eq!(m.flags_received, 9);
    assert_eq!((m.suspensions, m.silences, m.warnings_received), (0, 0, 0));
    assert_eq!(
        m.current,
        [Penalty {
            kind: PenaltyKind::Suspension,
            until: None,
            reason: Some("spam links in every reply".into()),
        }]
    );
    assert_eq!(
        m.linked_accounts,
        [LinkedAccount {
            provider: "sso".into(),
            uid: "77".into()
        }]
    );
}

#[test]
fn user_actions_as_activity() {
    let replies = decode::user_actions(&fixture("user_actions_replies.json")).expect("replies");
    assert_eq!(replies.len(), 1);
    let r = &replies[0];
    assert_eq!(r.channel, Channel::Forum);
    assert_eq!(r.action, "replied");
    assert_eq!(r.title, "Sync stops after the 4.2 update");
    assert_eq!(
        r.excerpt,
        "Same here on 4.2 – signing out and in again restarts the sync."
    );
    assert_eq!(r.topic_id, Some(TopicId::from(1041u64)));
    assert_eq!(r.post_number, Some(3));
    assert_eq!(r.at, at("2024-02-12T22:05:41.220Z"));

    let both = decode::user_actions(&fixture("user_actions_replies_and_topics.json")).expect("4,5");
    let actions: Vec<&str> = both.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["replied", "opened"]);
    assert_eq!(both[1].title, "Keyboard shortcuts cheat sheet");
    assert_eq!(both[1].post_number, Some(1));
    assert_eq!(both[1].at, at("2023-11-30T08:00:00Z"));

    // Likes, a solution (action type as a string), a type the console has no word for; the
    // two actions without a readable date are dropped.
    let mixed = decode::user_actions(&fixture("user_actions_mixed.json")).expect("mixed");
    let seen: Vec<(Channel, &str)> = mixed
        .iter()
        .map(|a| (a.channel, a.action.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (Channel::Like, "liked"),
            (Channel::Solution, "solved"),
            (Channel::Like, "was liked"),
            (Channel::Forum, "posted"),
        ]
    );
    assert_eq!(mixed[1].topic_id, Some(TopicId::from(1040u64)));
    assert_eq!(mixed[1].post_number, Some(3));
    assert_eq!(mixed[2].excerpt, "");
    assert_eq!(mixed[3].post_number, None);
}

#[test]
fn private_message_list() {
    let pms = decode::private_messages(&fixture("private_messages.json")).expect("pms");
    assert_eq!(pms.len(), 2);
    assert!(pms.iter().all(|p| p.channel == Channel::PrivateMessage));
    assert!(pms.iter().all(|p| p.post_number.is_none()));

    let beta = &pms[0];
    assert_eq!(beta.title, "Your beta access");
    assert_eq!(beta.topic_id, Some(TopicId::from(2001u64)));
    assert_eq!(beta.at, at("2024-02-02T14:30:00Z"), "the last post's time");
    assert_eq!(beta.action, "message, last from wren");
    assert!(beta.excerpt.starts_with("Welcome to the 4.2 beta!"));

    let warning = &pms[1];
    assert_eq!(warning.title, "Warning: advertising in replies");
    assert_eq!(
        warning.at,
        at("2024-02-01T10:00:00Z"),
        "no last post: creation time"
    );
    assert_eq!(
        warning.action, "message, last from dev_ottokar",
        "from posters[]"
    );
    assert_eq!(warning.excerpt, "");
}

#[test]
fn private_message_excerpts_stay_with_their_message() {
    let pms = decode::private_messages(&fixture("private_messages_gap.json")).expect("pms");
    assert_eq!(pms.len(), 1);
    assert_eq!(pms[0].title, "Re: your report");
    assert_eq!(
        pms[0].excerpt,
        "Thanks for the report, we are looking into it"
    );
}

// ---------------------------------------------------------------------------------------------
// Categories, review queue, search, chat

#[test]
fn categories_with_subcategories() {
    let cats = decode::categories(&fixture("categories.json")).expect("categories.json");
    let ids: Vec<&str> = cats.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["6", "8", "9", "4", "11"],
        "subcategories right after their parent"
    );
    let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Desktop", "Desktop beta", "Linux", "Export & Print", "PDF"]
    );
    let parents: Vec<Option<&str>> = cats
        .iter()
        .map(|c| c.parent_id.as_ref().map(CategoryId::as_str))
        .collect();
    // 8 names its parent, 9 only sits in the parent's subcategory_list, 11 is listed flat
    // with parent_category_id as a string.
    assert_eq!(parents, [None, Some("6"), Some("6"), None, Some("4")]);
    let colors: Vec<Option<&str>> = cats.iter().map(|c| c.color.as_deref()).collect();
    assert_eq!(
        colors,
        [
            Some("0088CC"),
            Some("F7941D"),
            None,
            Some("BF1E2E"),
            Some("652D90")
        ]
    );
    let counts: Vec<u64> = cats.iter().map(|c| c.topic_count).collect();
    assert_eq!(counts, [214, 37, 0, 58, 19]);
    let slugs: Vec<&str> = cats.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(
        slugs,
        ["desktop", "desktop-beta", "linux", "export-print", "pdf"]
    );
    // description_text first; the corrupted "description_text    " key falls back to the
    // HTML description.
    let descriptions: Vec<Option<&str>> = cats.iter().map(|c| c.description.as_deref()).collect();
    assert_eq!(
        descriptions,
        [
            Some("Windows, macOS and Linux apps."),
            Some("Preview builds."),
            None,
            Some("Getting your notes <em>out</em>."),
            Some("PDF export only."),
        ]
    );
}

#[test]
fn review_queue() {
    let items = decode::reviews(&fixture("review.json")).expect("review.json");
    let ids: Vec<&str> = items.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["301", "302", "303", "304"],
        "the item without an id is dropped"
    );
    let kinds: Vec<&str> = items.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "ReviewableFlaggedPost",
            "ReviewableQueuedPost",
            "ReviewableUser",
            "Reviewable"
        ]
    );
    let posts: Vec<Option<&str>> = items
        .iter()
        .map(|r| r.post_id.as_ref().map(PostId::as_str))
        .collect();
    // A user target is not a post; a Post target without post_id still names its post.
    assert_eq!(posts, [Some("5020"), None, None, Some("5031")]);
    let topics: Vec<Option<&str>> = items
        .iter()
        .map(|r| r.topic_id.as_ref().map(TopicId::as_str))
        .collect();
    assert_eq!(topics, [Some("1041"), Some("1050"), None, Some("1029")]);
    let scores: Vec<f64> = items.iter().map(|r| r.score).collect();
    assert_eq!(scores, [9.5, 1.0, 0.0, 3.0], "a string score, a null score");
    let reasons: Vec<Option<&str>> = items.iter().map(|r| r.reason.as_deref()).collect();
    assert_eq!(reasons, [None, Some("first_post"), None, None]);
    assert_eq!(items[0].created_at, Some(at("2024-02-13T11:22:33Z")));
    assert_eq!(items[3].created_at, None);
}

#[test]
fn search_results() {
    // The current shape (reference §2.3): posts, topics and grouped_search_result.
    let found = decode::search(&fixture("search.json")).expect("search.json");
    let ids: Vec<&str> = found.topics.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1040", "1049", "1062"]);
    let dark = &found.topics[0];
    assert_eq!(dark.title, "Dark mode ignores the system setting");
    assert_eq!(
        dark.author.as_deref(),
        Some("lena_v"),
        "from the matching first post"
    );
    assert_eq!(dark.last_poster.as_deref(), Some("dev_ottokar"));
    assert!(dark.closed && dark.has_accepted_answer);
    assert_eq!(dark.tags, ["dark-mode", "windows"]);
    assert_eq!(dark.category_id, Some(CategoryId::from(6u64)));
    assert_eq!(found.topics[1].author.as_deref(), Some("tobias.k"));
    assert!(found.topics[1].is_unanswered());
    assert_eq!(found.topics[2].author, None, "only a reply matched");
    // One excerpt per topic, the first matching post's; an empty blurb gives none.
    let excerpts: Vec<(&str, &str)> = found
        .excerpts
        .iter()
        .map(|(t, e)| (t.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        excerpts,
        [
            (
                "1040",
                "…was reset by the update; switch <span class=\"search-highlight\">dark</span> \
                 <span class=\"search-highlight\">mode</span> back on…"
            ),
            (
                "1049",
                "The dark theme on the tablet crashes when a shared notebook opens…"
            ),
        ]
    );
    assert!(found.more, "more_full_page_results");

    let none = decode::search(&fixture("search_empty.json")).expect("search_empty.json");
    assert!(none.topics.is_empty() && none.excerpts.is_empty());
    assert!(!none.more, "more_* all null");

    // The obsolete grouped-array shape is never read as results.
    match decode::search(&fixture("search_obsolete.json")) {
        Err(BackendError::Malformed(_)) => {}
        Ok(r) => assert!(
            r.topics.is_empty() && r.excerpts.is_empty() && !r.more,
            "{r:?}"
        ),
        Err(other) => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn chat_channels_and_messages() {
    let channels = decode::chat_channels(&fixture("chat_channels.json")).expect("channels");
    assert_eq!(
        channels,
        [
            (2, "general".to_string()),
            (5, "Beta testers".to_string()), // name when there is no title
            (9, "release-watch".to_string()), // slug, id as a string
            (12, "channel 12".to_string()),  // nothing to call it by
        ],
        "the channel without an id and the repeated one are dropped"
    );

    let mine = decode::chat_channels(&fixture("chat_my_channels.json")).expect("my channels");
    assert_eq!(
        mine,
        [
            (2, "general".to_string()),
            (5, "Beta testers".to_string()),
            (31, "@wren".to_string()),
        ]
    );

    // Only the member's own messages (username compared without case), with a date.
    let items = decode::chat_messages(&fixture("chat_messages.json"), "Beta testers", "wren")
        .expect("messages");
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|a| a.channel == Channel::Chat));
    assert!(items.iter().all(|a| a.action == "wrote in #Beta testers"));
    assert!(items.iter().all(|a| a.title == "Beta testers"));
    assert!(items.iter().all(|a| a.topic_id.is_none()));
    assert_eq!(items[0].excerpt, "Sync works again for me on beta.3");
    assert_eq!(items[0].at, at("2024-02-10T09:12:00Z"));
    assert_eq!(items[1].excerpt, "(image)", "an empty message: its excerpt");
    assert_eq!(items[1].at, at("2024-02-10T09:13:30Z"));
}

// ---------------------------------------------------------------------------------------------
// Error bodies

#[test]
fn error_bodies() {
    assert_eq!(
        map_error(403, None, &fixture("error_403_invalid_access.json")),
        BackendError::Forbidden("You are not permitted to view the requested resource.".into())
    );
    // The same status with the bad-key wording means the key, not the account's rights.
    assert!(matches!(
        map_error(403, None, &fixture("error_403_bad_api_key.json")),
        BackendError::NotSignedIn(m) if m.contains("API username or key is invalid")
    ));
    assert_eq!(
        map_error(404, None, &fixture("error_404.json")),
        BackendError::NotFound("The requested URL or resource could not be found.".into())
    );
    assert_eq!(
        map_error(422, None, &fixture("error_422_post.json")),
        BackendError::Invalid(vec![
            "Body is too short (minimum is 20 characters)".into(),
            "Body seems unclear, is it a complete sentence?".into(),
        ])
    );

    // 429 with extras.wait_seconds; a Retry-After header wins.
    let limited = fixture("error_429_rate_limit.json");
    match map_error(429, None, &limited) {
        BackendError::RateLimited { wait, message } => {
            assert_eq!(wait, Duration::from_secs(42));
            assert!(message.contains("too many times"), "{message}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    match map_error(429, Some("12"), &limited) {
        BackendError::RateLimited { wait, .. } => assert_eq!(wait, Duration::from_secs(12)),
        other => panic!("expected RateLimited, got {other:?}"),
    }

    // The per-IP limiter answers in plain text.
    match map_error(429, None, &fixture("error_429_per_ip.txt")) {
        BackendError::RateLimited { wait, message } => {
            assert_eq!(wait, Duration::from_secs(9));
            assert!(
                message.starts_with("Slow down, too many requests"),
                "{message}"
            );
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }

    // The search throttle: {"failed":"FAILED","message":…}.
    match map_error(429, None, &fixture("error_429_search.json")) {
        BackendError::RateLimited { wait, message } => {
            assert!(wait > Duration::ZERO);
            assert_eq!(
                message,
                "You are searching too quickly. Please wait a moment and search again."
            );
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }

    assert_eq!(
        map_error(503, None, &fixture("error_503_read_only.json")),
        BackendError::Server {
            status: 503,
            message: "The site is in read only mode. Interactions are disabled.".into()
        }
    );
    // An HTML error page says nothing worth showing.
    assert_eq!(
        map_error(502, None, &fixture("error_502.html")),
        BackendError::Server {
            status: 502,
            message: "the server failed".into()
        }
    );
}

#[test]
fn unreadable_bodies_are_malformed_and_never_echoed() {
    let html = fixture("error_502.html");
    match decode::topic_page(&html) {
        Err(BackendError::Malformed(m)) => assert!(!m.contains("Bad Gateway"), "{m}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(matches!(
        decode::topic(&html, SITE),
        Err(BackendError::Malformed(_))
    ));
    // A topic without an id cannot be shown.
    assert!(matches!(
        decode::topic(
            br#"{"post_stream":{"posts":[],"stream":[]},"title":"x"}"#,
            SITE
        ),
        Err(BackendError::Malformed(_))
    ));
    // An error body fed to a reader is an error, never an empty list.
    assert!(matches!(
        decode::categories(&fixture("error_403_invalid_access.json")),
        Err(BackendError::Malformed(_))
    ));
    assert!(matches!(
        decode::member(&fixture("error_404.json"), SITE),
        Err(BackendError::Malformed(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Every decoder over every file

/// Feeds one body to every decoder: each must return, Ok or a typed error, never panic.
fn feed_every_decoder(body: &[u8]) {
    let _ = decode::topic_page(body);
    let _ = decode::topic(body, SITE);
    let _ = decode::topic_with_rest(body, SITE);
    let _ = decode::posts(body);
    let _ = decode::badges(body);
    let _ = decode::user_badges(body);
    let _ = decode::granted_badge(body);
    let _ = decode::member(body, SITE);
    let _ = decode::current_user(body);
    let _ = decode::account_from_user(body);
    let _ = decode::user_summary(body);
    let _ = decode::admin_moderation(body);
    let _ = decode::user_actions(body);
    let _ = decode::solved_posts(body);
    let _ = decode::private_messages(body);
    let _ = decode::categories(body);
    let _ = decode::reviews(body);
    let _ = decode::chat_channels(body);
    let _ = decode::chat_messages(body, "general", "wren");
    let _ = decode::created_post(body);
    let _ = decode::move_result(body, SITE);
    let _ = decode::write_ack(body, "do that");
    let _ = decode::search(body);
    for status in [400, 403, 404, 422, 429, 503] {
        let _ = map_error(status, None, body);
    }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_decoder_survives_every_own_fixture() {
    let files = files_in(&own_dir());
    assert!(files.len() >= 50, "found only {} fixtures", files.len());
    for path in &files {
        let body = std::fs::read(path).expect("read fixture");
        // The fixtures themselves are what they claim to be: JSON, except the plain-text and
        // HTML error bodies.
        if path.extension().is_some_and(|e| e == "json") {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&body) {
                panic!("{} is not valid JSON: {e}", path.display());
            }
        }
        feed_every_decoder(&body);
    }
}

// ---------------------------------------------------------------------------------------------
// The third-party recordings beside the checkout, when present

mod shared {
    use super::*;
    use std::sync::OnceLock;

    /// `../shared/fixtures/discourse/` beside the checkout. A git worktree may sit deeper than
    /// the clone, so the nearest ancestor holding `shared/fixtures/discourse` also counts.
    /// When there is none, says so once and every test of this group passes without it.
    fn dir() -> Option<&'static Path> {
        static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
        DIR.get_or_init(|| {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            let primary = manifest.join("../shared/fixtures/discourse");
            let found = if primary.is_dir() {
                Some(primary.clone())
            } else {
                manifest
                    .ancestors()
                    .map(|a| a.join("shared/fixtures/discourse"))
                    .find(|p| p.is_dir())
            };
            if found.is_none() {
                // Straight to the process's stderr, not through eprintln!: the test harness
                // captures what a passing test prints, and this line is for the person who ran
                // `cargo test` in a clone without shared/ beside it.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "fixtures_contract: shared recordings not found at {}: those checks skipped \
                     (the suite's own fixtures in tests/fixtures/ were checked)",
                    primary.display()
                );
            }
            found
        })
        .as_deref()
    }

    /// A recording, or `None` when the recordings are not there. A recording missing from a
    /// directory that exists is a failure: the set changed under the tests.
    fn recording(name: &str) -> Option<Vec<u8>> {
        let path = dir()?.join(name);
        Some(std::fs::read(&path).unwrap_or_else(|e| panic!("recording {}: {e}", path.display())))
    }

    fn page(name: &str) -> Option<TopicPage> {
        let body = recording(name)?;
        Some(decode::topic_page(&body).unwrap_or_else(|e| panic!("{name}: {e:?}")))
    }

    #[test]
    fn latest_topic_list() {
        let Some(page) = page("latest.json") else {
            return;
        };
        let titles: Vec<&str> = page.topics.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["Test topic #1", "Test topic #2", "Test topic #3"]);
        assert_eq!(
            next_page(&page),
            Some("1"),
            "more_topics_url /latest.json?page=1"
        );
        assert_eq!(page.per_page, 30, "no per_page in the recording");
        let first = &page.topics[0];
        assert_eq!(first.id.as_str(), "1");
        assert_eq!(first.slug, "test-topic-1");
        assert_eq!(first.posts_count, 1);
        assert!(first.is_unanswered());
        assert_eq!((first.views, first.like_count), (268, 14));
        assert!(first.pinned);
        assert_eq!(first.category_id, Some(CategoryId::from(1u64)));
        assert_eq!(first.created_at, at("2013-02-04T15:26:25.977-05:00"));
        assert_eq!(
            first.last_posted_at,
            Some(at("2013-02-05T12:14:17.364-05:00"))
        );
        // Author from posters[] → users[]; last poster from last_poster_username (the
        // recording was hand-edited so the two spellings differ).
        assert_eq!(first.author.as_deref(), Some("test_users"));
        assert_eq!(first.last_poster.as_deref(), Some("test_user"));
        assert_eq!(page.topics[2].views, 82);
        assert!(page.topics.iter().all(|t| t.tags.is_empty()));
    }

    #[test]
    fn other_topic_lists() {
        let Some(cat) = page("category_latest_topics.json") else {
            return;
        };
        assert_eq!(cat.topics.len(), 2);
        assert_eq!(cat.topics[0].title, "About the category");
        assert_eq!(cat.topics[0].posts_count, 2);
        assert!(!cat.topics[0].is_unanswered());
        assert_eq!(cat.topics[0].author.as_deref(), Some("fuzzy"));
        assert_eq!(cat.topics[0].last_poster.as_deref(), Some("fuzzy"));
        assert!(cat.topics[0].awaits_follow_up());
        assert_eq!(next_page(&cat), None);

        let cat2 = page("category_topics.json").expect("category_topics.json");
        assert_eq!(cat2.topics[1].title, "This is a markdown post");

        let top = page("top.json").expect("top.json");
        assert_eq!(top.topics.len(), 3);
        assert_eq!(next_page(&top), Some("1"));
        // No users[] at all: the author is unknown, the last poster still known.
        assert_eq!(top.topics[0].author, None);
        assert_eq!(top.topics[0].last_poster.as_deref(), Some("test_user"));

        let new = page("new.json").expect("new.json");
        assert_eq!(new.topics[1].last_poster.as_deref(), Some("cowboytomash"));
        assert_eq!(new.topics[2].title, "Test topic #3");

        let hot = page("hot.json").expect("hot.json");
        assert_eq!(hot.topics.len(), 3);
        assert_eq!(hot.topics[0].author.as_deref(), Some("test_users"));

        let by = page("topics_created_by.json").expect("topics_created_by.json");
        assert_eq!(by.topics.len(), 1);
        assert_eq!(by.topics[0].author.as_deref(), Some("test_user"));
        assert_eq!(by.topics[0].views, 68);
    }

    #[test]
    fn topic_with_posts() {
        let Some(body) = recording("topic.json") else {
            return;
        };
        let (topic, missing, stream) = decode::topic_with_rest(&body, SITE).expect("topic.json");
        let s = &topic.summary;
        assert_eq!(s.id.as_str(), "57");
        assert_eq!(s.title, "THIS SITE IS A SANDBOX -- it is reset every day");
        assert_eq!(s.slug, "this-site-is-a-sandbox-it-is-reset-every-day");
        assert_eq!(s.posts_count, 4);
        assert_eq!(s.views, 268);
        assert_eq!(s.category_id, Some(CategoryId::from(13u64)));
        assert_eq!(s.created_at, at("2013-02-04T15:26:25.977-05:00"));
        assert_eq!(s.author.as_deref(), Some("samsaffron"));
        assert_eq!(s.last_poster.as_deref(), Some("splattne"));
        assert!(s.pinned && !s.closed);
        assert_eq!(
            topic.url,
            "https://help.quillpad.example/t/this-site-is-a-sandbox-it-is-reset-every-day/57"
        );
        assert_eq!(topic.accepted_answer, None);
        assert!(missing.is_empty(), "the whole stream is in the first chunk");
        assert_eq!(stream.len(), 4);

        let ids: Vec<&str> = topic.posts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["83", "84", "86", "226"]);
        let first = &topic.posts[0];
        assert_eq!(first.post_number, 1);
        assert_eq!(first.topic_id.as_str(), "57");
        assert_eq!(first.author.username, "samsaffron");
        assert_eq!(first.author.name.as_deref(), Some("Sam Saffron"));
        assert_eq!(first.author.id, Some(UserId::from(15u64)));
        assert_eq!(first.author.rank.as_deref(), Some("basic"));
        assert_eq!(first.created_at, at("2013-02-04T15:26:26.278-05:00"));
        assert!(first.body_html.starts_with("<p>Welcome!</p>"));
        assert_eq!(first.kind, PostKind::Regular);
        assert_eq!(topic.posts[1].kind, PostKind::ModeratorAction);
        assert_eq!(topic.posts[2].like_count, 5);
        let last = &topic.posts[3];
        assert_eq!(last.post_number, 14);
        assert_eq!(last.author.username, "splattne");
        assert_eq!(last.reply_to_post_number, Some(1));
        // Old recording: no solved fields, no rights in details → all false, nothing invented.
        assert!(!last.can_accept_answer && !last.accepted_answer);
        assert_eq!(topic.rights, TopicRights::default());
    }

    #[test]
    fn topic_posts_with_block_array_raw() {
        let Some(body) = recording("topic_posts.json") else {
            return;
        };
        let posts = decode::posts(&body).expect("topic_posts.json");
        assert_eq!(posts.len(), 1);
        let p = &posts[0];
        assert_eq!(p.id.as_str(), "123456");
        assert_eq!(p.topic_id.as_str(), "57");
        assert_eq!(p.post_number, 2);
        assert_eq!(p.author.username, "Some-username");
        assert_eq!(p.author.name.as_deref(), Some("Someones Name"));
        assert_eq!(p.author.rank.as_deref(), Some("regular"));
        assert_eq!(p.author.role, Role::Member);
        assert_eq!(p.body_html, "<p>Some text.</p>");
        assert_eq!(
            p.raw, None,
            "raw is a hand-edited block array: read as absent"
        );
        assert_eq!(p.like_count, 3, "likes from actions_summary id 2");
        assert_eq!(p.created_at, at("2020-01-27T11:32:03.646Z"));
        assert!(!p.can_accept_answer && !p.can_unaccept_answer && !p.accepted_answer);
    }

    #[test]
    fn created_and_single_posts() {
        let Some(body) = recording("create_topic_with_tags.json") else {
            return;
        };
        let p = posted(&body);
        assert_eq!(p.id.as_str(), "29");
        assert_eq!(p.topic_id.as_str(), "21");
        assert_eq!(p.post_number, 1);
        assert_eq!(p.author.username, "blake");
        assert_eq!(p.author.name, None);
        assert_eq!(p.author.role, Role::Admin);
        assert_eq!(p.created_at, at("2020-07-09T15:52:43.802Z"));

        let single = posted(&recording("post.json").expect("post.json"));
        assert_eq!(single.id.as_str(), "11");
        assert_eq!(single.author.username, "system");
        assert_eq!(single.author.id, None, "user_id -1");
        assert!(single
            .raw
            .as_deref()
            .is_some_and(|r| r.starts_with("The first paragraph of this pinned topic")));
    }

    #[test]
    fn badge_catalogue() {
        let Some(body) = recording("badges.json") else {
            return;
        };
        let badges = decode::badges(&body).expect("badges.json");
        assert_eq!(badges.len(), 23);
        let first = &badges[0];
        assert_eq!(
            (first.id.as_str(), first.name.as_str()),
            ("9", "Autobiographer")
        );
        assert_eq!(first.badge_type, BadgeType::Bronze);
        assert!(first.enabled);
        let great = badges
            .iter()
            .find(|b| b.name == "Great Share")
            .expect("Great Share");
        assert_eq!(great.badge_type, BadgeType::Gold);
        assert!(great.multiple_grant);
        let good = badges
            .iter()
            .find(|b| b.name == "Good Post")
            .expect("Good Post");
        assert_eq!(good.badge_type, BadgeType::Silver);
        let editor = badges
            .iter()
            .find(|b| b.id.as_str() == "10")
            .expect("Editor");
        assert_eq!(editor.grant_count, 1);
        // No manually_grantable in this old recording; they are all system badges.
        assert!(badges.iter().all(|b| !b.manually_grantable));
    }

    #[test]
    fn member_badges_and_embedded_member() {
        let Some(body) = recording("user_badges.json") else {
            return;
        };
        let granted = decode::user_badges(&body).expect("user_badges.json");
        let names: Vec<&str> = granted.iter().map(|g| g.badge.name.as_str()).collect();
        assert_eq!(names, ["Editor", "Welcome"]);
        assert_eq!(granted[0].granted_at, at("2014-11-30T14:27:19.404Z"));
        assert_eq!(granted[0].granted_by.as_deref(), Some("system"));
        assert_eq!(granted[0].count, 1);
        assert_eq!(granted[1].topic_id, Some(TopicId::from(12u64)));
        assert_eq!(granted[1].post_number, Some(1));
        assert_eq!(granted[1].badge.badge_type, BadgeType::Bronze);

        // The reply also carries a `user`: an admin with two badges.
        let admin = decode::member(&body, SITE).expect("embedded user");
        assert_eq!(admin.role, Role::Admin);
        assert_eq!(admin.badge_count, 2);
    }

    #[test]
    fn member_profile() {
        let Some(body) = recording("user.json") else {
            return;
        };
        let m = decode::member(&body, SITE).expect("user.json");
        assert_eq!(m.id.as_str(), "1");
        assert_eq!(m.username, "test_user");
        assert_eq!(m.name.as_deref(), Some("Test User"));
        assert_eq!(m.role, Role::Member);
        assert_eq!(m.rank.as_deref(), Some("new user"));
        assert_eq!(m.created_at, Some(at("2014-09-04T08:04:25.104-04:00")));
        assert_eq!(m.last_seen_at, Some(at("2014-09-04T08:22:19.370-04:00")));
        assert_eq!(m.last_posted_at, None);
        assert_eq!(m.badge_count, 0);
        assert_eq!(m.suspended_till, None);
        assert_eq!(m.profile_url, "https://help.quillpad.example/u/test_user");
    }

    #[test]
    fn admin_view_of_a_member() {
        let Some(body) = recording("admin_user.json") else {
            return;
        };
        let m = decode::admin_moderation(&body).expect("admin_user.json");
        assert_eq!(
            (m.flags_given, m.flags_received, m.warnings_received),
            (0, 0, 0)
        );
        assert_eq!((m.suspensions, m.silences), (0, 0));
        assert!(
            m.current.is_empty(),
            "suspended_till and suspended are null"
        );
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
        let Some(body) = recording("replies.json") else {
            return;
        };
        let items = decode::user_actions(&body).expect("replies.json");
        assert_eq!(items.len(), 1);
        let a = &items[0];
        assert_eq!(a.channel, Channel::Forum);
        assert_eq!(a.action, "replied");
        assert_eq!(a.title, "Test Topic");
        assert_eq!(a.excerpt, "Test Reply #1");
        assert_eq!(a.topic_id, Some(TopicId::from(39u64)));
        assert_eq!(a.post_number, Some(3));
        assert_eq!(a.at, at("2016-06-29T20:27:55.767Z"));

        let both = recording("replies_and_topics.json").expect("replies_and_topics.json");
        let both = decode::user_actions(&both).expect("4,5");
        let actions: Vec<&str> = both.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["replied", "opened"]);
        assert_eq!(both[1].post_number, Some(1));
    }

    #[test]
    fn private_message_list() {
        let Some(body) = recording("private_messages.json") else {
            return;
        };
        let pms = decode::private_messages(&body).expect("private_messages.json");
        assert_eq!(pms.len(), 1);
        assert_eq!(pms[0].channel, Channel::PrivateMessage);
        assert_eq!(pms[0].title, "Welcome to Discourse!");
        assert_eq!(pms[0].topic_id, Some(TopicId::from(11u64)));
        assert_eq!(pms[0].at, at("2014-09-13T10:27:20.140-04:00"));
        assert_eq!(pms[0].action, "message, last from test_user");
    }

    #[test]
    fn categories_with_corrupted_key() {
        let Some(body) = recording("categories.json") else {
            return;
        };
        let cats = decode::categories(&body).expect("categories.json");
        let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["test1", "test2", "test3"]);
        assert_eq!(cats[0].slug, "test1");
        assert_eq!(cats[0].color.as_deref(), Some("0000FF"));
        assert_eq!(cats[0].description.as_deref(), Some("Test category #1."));
        assert_eq!(cats[0].topic_count, 0);
        assert!(cats.iter().all(|c| c.parent_id.is_none()));
    }

    #[test]
    fn obsolete_search_and_plain_acknowledgements() {
        let Some(body) = recording("search.json") else {
            return;
        };
        // The obsolete grouped-array shape is never read as results.
        match decode::search(&body) {
            Err(BackendError::Malformed(_)) => {}
            Ok(r) => assert!(
                r.topics.is_empty() && r.excerpts.is_empty() && !r.more,
                "{r:?}"
            ),
            Err(other) => panic!("expected Malformed, got {other:?}"),
        }
        let ok = recording("notification_success.json").expect("notification_success.json");
        assert_eq!(decode::write_ack(&ok, "mark as read"), Ok(()));
        let invited = recording("topic_invite_user.json").expect("topic_invite_user.json");
        assert_eq!(decode::write_ack(&invited, "invite"), Ok(()));
    }

    #[test]
    fn every_decoder_survives_every_recording() {
        let Some(dir) = dir() else { return };
        let files = files_in(dir);
        assert!(files.len() >= 20, "found only {} recordings", files.len());
        for path in &files {
            feed_every_decoder(&std::fs::read(path).expect("read recording"));
        }
    }
}
