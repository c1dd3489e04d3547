//! The Khoros adapter against the Khoros-dialect sandbox on 127.0.0.1: sign-in and renewal,
//! the queue by LiQL and cursor, threads, replies, solutions, kudos, the profile board with
//! Khoros Care, the error envelopes (HTTP 200 errors, 429 with backoff) and the operations
//! Khoros has no API for.

mod khoros_support;

use std::time::{Duration, Instant};

use khoros_support::*;
use modterm::backend::khoros::{queue_query, Credentials, Khoros};
use modterm::backend::{Backend, BackendError, SearchQuery};
use modterm::domain::*;
use modterm::sandbox_khoros::{demo_oauth_token, Faults};
use serde_json::Value;

async fn all_topics(k: &Khoros, view: QueueView) -> Vec<TopicSummary> {
    let mut q = QueueQuery {
        view,
        ..QueueQuery::default()
    };
    let mut out = Vec::new();
    for _ in 0..100 {
        let page = k.topics(&q).await.expect("page");
        out.extend(page.topics);
        match page.next {
            Some(n) => q.page = Some(n),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn signs_in_and_knows_the_account() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    let me = anna.whoami().await.expect("whoami");
    assert_eq!(me.username, "mod_anna");
    assert_eq!(me.role, Role::Moderator);
    assert_eq!(me.rank.as_deref(), Some("Moderator"));
    assert!(me.capabilities.reply && me.capabilities.accept_any_solution);
    assert!(!me.capabilities.award_badges && !me.capabilities.move_posts);
    assert_eq!(anna.sign_ins(), 1, "one sign-in, its key reused");

    let luca = sb.adapter("leader_luca").whoami().await.expect("luca");
    assert_eq!(luca.role, Role::Leader);
    assert_eq!(luca.rank.as_deref(), Some("Super User"));
    assert_eq!(
        sb.adapter("admin").whoami().await.unwrap().role,
        Role::Admin
    );
    let mia = sb.adapter("member_mia").whoami().await.unwrap();
    assert_eq!(mia.role, Role::Member);
    assert!(!mia.capabilities.accept_any_solution);

    // A wrong password, and an unknown login.
    let mut o = sb.options("mod_anna");
    o.credentials = Credentials::Password {
        username: "mod_anna".into(),
        password: "wrong".into(),
    };
    let e = Khoros::new(o).unwrap().whoami().await.unwrap_err();
    assert!(matches!(e, BackendError::NotSignedIn(_)), "{e:?}");
    assert!(!e.to_string().contains(KEY));
    let e = sb.adapter("nobody_here").whoami().await.unwrap_err();
    assert!(matches!(e, BackendError::NotSignedIn(_)), "{e:?}");
}

#[tokio::test]
async fn an_expired_session_key_is_renewed_once() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    anna.categories().await.expect("boards");
    assert_eq!(anna.sign_ins(), 1);
    sb.sandbox.expire_sessions();
    let boards = anna.categories().await.expect("signed in again");
    assert!(boards.iter().any(|b| b.slug == "broadband"));
    assert_eq!(anna.sign_ins(), 2, "renewed exactly once");
    assert_eq!(
        sb.count("/restapi/vc/authentication/sessions/login"),
        2,
        "two sign-ins in all"
    );
}

#[tokio::test]
async fn an_oauth_token_is_the_other_way_in() {
    let sb = start().await;
    let token = demo_oauth_token(SEED, "mod_anna").expect("a demo token");
    let mut o = sb.options("mod_anna");
    o.credentials = Credentials::Bearer {
        token,
        client_id: Some("modterm-test".into()),
    };
    o.username = Some("mod_anna".into());
    let k = Khoros::new(o).unwrap();
    assert_eq!(k.whoami().await.unwrap().role, Role::Moderator);
    assert!(!k
        .topics(&QueueQuery::default())
        .await
        .unwrap()
        .topics
        .is_empty());
    assert_eq!(
        sb.count("/restapi/vc/authentication"),
        0,
        "no session sign-in"
    );

    let mut o = sb.options("mod_anna");
    o.credentials = Credentials::Bearer {
        token: "not-a-token".into(),
        client_id: None,
    };
    o.username = Some("mod_anna".into());
    let e = Khoros::new(o).unwrap().whoami().await.unwrap_err();
    assert!(matches!(e, BackendError::NotSignedIn(_)), "{e:?}");
}

#[tokio::test]
async fn the_queue_is_the_liql_answer_page_by_page() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    let unanswered = all_topics(&anna, QueueView::Unanswered).await;
    let want = sb
        .liql_all("mod_anna", &queue_query(&QueueQuery::default()).to_string())
        .await;
    assert!(want.len() > 50, "more than one page: {}", want.len());
    let got: Vec<String> = unanswered.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(
        got,
        ids(&want),
        "every unanswered thread, in the server's order"
    );
    for t in &unanswered {
        assert!(t.is_unanswered() && !t.has_accepted_answer, "{t:?}");
        assert!(t.author.is_some() && t.category_id.is_some());
    }
    // Oldest first: the longest wait on top.
    assert!(unanswered
        .windows(2)
        .all(|w| w[0].created_at <= w[1].created_at));
    // Board, author, post time and kudos come with each row.
    let with_kudos = unanswered.iter().filter(|t| t.like_count > 0).count();
    assert!(with_kudos > 0, "some unanswered threads have kudos");

    let unsolved = all_topics(&anna, QueueView::Unsolved).await;
    assert!(unsolved.iter().all(|t| !t.has_accepted_answer && !t.closed));
    assert!(unsolved.len() > unanswered.len());
    let latest = all_topics(&anna, QueueView::Latest).await;
    assert!(latest
        .windows(2)
        .all(|w| w[0].last_posted_at >= w[1].last_posted_at));
    let needs = all_topics(&anna, QueueView::NeedsReply).await;
    assert!(
        needs.iter().any(|t| t.awaits_follow_up()),
        "follow-ups waiting"
    );
    assert!(needs
        .iter()
        .all(|t| t.is_unanswered() || t.last_poster == t.author));

    // One board.
    let q = QueueQuery {
        category: Some("billing".into()),
        ..QueueQuery::default()
    };
    let page = anna.topics(&q).await.unwrap();
    assert!(!page.topics.is_empty());
    assert!(page
        .topics
        .iter()
        .all(|t| t.category_id.as_ref().is_some_and(|c| c == "billing")));

    // Lookups by id, in one query.
    let ids: Vec<TopicId> = unanswered.iter().take(3).map(|t| t.id.clone()).collect();
    let before = sb.count("/api/2.0/search");
    let found = anna.topics_by_id(&ids).await.unwrap();
    assert_eq!(sb.count("/api/2.0/search") - before, 1);
    assert_eq!(found.len(), 3);
}

#[tokio::test]
async fn a_thread_with_its_replies() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    let solved = sb
        .liql_all(
            "mod_anna",
            "SELECT id FROM messages WHERE depth = 0 AND conversation.solved = true AND board.id = 'broadband' LIMIT 5",
        )
        .await;
    let id = TopicId::new(solved[0]["id"].as_str().unwrap());
    let t = anna.topic(&id).await.expect("thread");
    assert_eq!(
        t.posts[0].id.as_str(),
        id.as_str(),
        "the opening message first"
    );
    let numbers: Vec<u32> = t.posts.iter().map(|p| p.post_number).collect();
    assert_eq!(numbers, (1..=t.posts.len() as u32).collect::<Vec<_>>());
    assert!(t.posts.len() >= 2);
    assert!(t.summary.has_accepted_answer);
    let accepted = t.accepted_answer.expect("the solution's number");
    assert!(t.posts[accepted as usize - 1].accepted_answer);
    assert_eq!(t.summary.posts_count as usize, t.posts.len());
    assert!(t.url.contains("/td-p/"), "{}", t.url);
    assert!(t.rights.can_create_post);
    assert!(t.posts.iter().all(|p| !p.body_html.is_empty()));
    assert!(t.posts[1..].iter().all(|p| p.author.rank.is_some()));

    let e = anna.topic(&TopicId::new("999999")).await.unwrap_err();
    assert!(matches!(e, BackendError::NotFound(_)), "{e:?}");
    let reply_id = t.posts[1].id.to_string();
    let e = anna.topic(&TopicId::new(reply_id)).await.unwrap_err();
    assert!(
        matches!(e, BackendError::NotFound(ref m) if m.contains("reply")),
        "{e:?}"
    );
}

#[tokio::test]
async fn reply_solve_and_kudos() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    let first = anna.topics(&QueueQuery::default()).await.unwrap().topics[0].clone();
    let sent = anna
        .reply(&NewReply {
            topic_id: first.id.clone(),
            reply_to_post_number: None,
            raw: "Please restart the <router> & tell us.\n\nThanks!".into(),
        })
        .await
        .expect("reply");
    let post = sent.post().expect("posted").clone();
    assert_eq!(post.post_number, 2);
    assert_eq!(post.author.username, "mod_anna");
    assert!(
        post.body_html.contains("&lt;router&gt; &amp; tell"),
        "{}",
        post.body_html
    );

    let t = anna.topic(&first.id).await.unwrap();
    assert_eq!(t.posts.len(), 2);
    assert_eq!(t.posts[1].id, post.id);
    // The thread left the unanswered view.
    let still: Vec<TopicId> = all_topics(&anna, QueueView::Unanswered)
        .await
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert!(!still.contains(&first.id));

    // A reply to the reply names it as parent.
    let author = first.author.clone().unwrap();
    let member = sb.adapter(&author);
    let sent = member
        .reply(&NewReply {
            topic_id: first.id.clone(),
            reply_to_post_number: Some(2),
            raw: "That did it, thank you.".into(),
        })
        .await
        .unwrap();
    assert_eq!(sent.post().unwrap().post_number, 3);
    let t = anna.topic(&first.id).await.unwrap();
    assert_eq!(t.posts[2].reply_to_post_number, Some(2));
    assert!(anna
        .find_own_reply(
            &first.id,
            "Please restart the <router> & tell us.\n\nThanks!"
        )
        .await
        .unwrap()
        .is_some());
    assert!(anna
        .find_own_reply(&first.id, "something else")
        .await
        .unwrap()
        .is_none());

    // The member accepts Anna's reply; the thread is solved.
    assert!(t.posts[1].can_accept_answer || !t.posts[1].accepted_answer);
    member.accept_solution(&post.id).await.expect("accept");
    let t = anna.topic(&first.id).await.unwrap();
    assert!(t.summary.has_accepted_answer);
    assert_eq!(t.accepted_answer, Some(2));
    let unsolved: Vec<TopicId> = all_topics(&anna, QueueView::Unsolved)
        .await
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert!(!unsolved.contains(&first.id));
    let e = anna
        .accept_solution(&PostId::new(first.id.to_string()))
        .await
        .unwrap_err();
    assert!(
        matches!(e, BackendError::Invalid(_)),
        "the opening message: {e:?}"
    );

    // Kudos: given once, never to oneself, taken back once.
    let before = t.posts[1].like_count;
    // Through the trait the console uses: a like is a kudo on Khoros.
    Backend::like_post(&member, &post.id).await.expect("kudo");
    assert_eq!(
        anna.topic(&first.id).await.unwrap().posts[1].like_count,
        before + 1
    );
    assert!(matches!(
        member.give_kudo(&post.id).await,
        Err(BackendError::Invalid(_))
    ));
    assert!(matches!(
        anna.give_kudo(&post.id).await,
        Err(BackendError::Forbidden(_))
    ));
    member.remove_kudo(&post.id).await.expect("taken back");
    assert!(matches!(
        member.remove_kudo(&post.id).await,
        Err(BackendError::NotFound(_))
    ));
    assert_eq!(
        anna.topic(&first.id).await.unwrap().posts[1].like_count,
        before
    );

    // An empty reply is refused before sending; a reply to a missing post number too.
    let n = sb.count("/api/2.0/messages");
    assert!(matches!(
        anna.reply(&NewReply {
            topic_id: first.id.clone(),
            reply_to_post_number: None,
            raw: "  ".into()
        })
        .await,
        Err(BackendError::Refused(_))
    ));
    assert!(matches!(
        anna.reply(&NewReply {
            topic_id: first.id.clone(),
            reply_to_post_number: Some(40),
            raw: "x".into()
        })
        .await,
        Err(BackendError::Refused(_))
    ));
    assert_eq!(sb.count("/api/2.0/messages"), n, "nothing sent");
}

#[tokio::test]
async fn the_server_says_no() {
    let sb = start().await;
    let mia = sb.adapter("member_mia");
    // Someone else's unsolved thread with a reply: a member may not accept a solution there.
    let rows = sb
        .liql_all(
            "mod_anna",
            "SELECT id, author.login FROM messages WHERE depth = 0 AND conversation.solved = false AND replies.count(*) > 0 AND board.id = 'mobile' LIMIT 20",
        )
        .await;
    let other = rows
        .iter()
        .find(|r| r["author"]["login"] != "member_mia")
        .expect("a thread");
    let id = TopicId::new(other["id"].as_str().unwrap());
    let t = mia.topic(&id).await.unwrap();
    assert!(
        t.posts.iter().all(|p| !p.can_accept_answer),
        "not offered to a member"
    );
    let e = mia.accept_solution(&t.posts[1].id).await.unwrap_err();
    assert!(
        matches!(e, BackendError::Forbidden(ref m) if m.contains("author or a moderator")),
        "{e:?}"
    );

    // A read-only thread takes no replies from members; a moderator still may.
    let all = sb
        .liql_all(
            "mod_anna",
            "SELECT id, read_only FROM messages WHERE depth = 0 LIMIT 1000",
        )
        .await;
    let locked = all
        .iter()
        .find(|r| r["read_only"] == true)
        .expect("a locked thread in the demo");
    let id = TopicId::new(locked["id"].as_str().unwrap());
    let t = mia.topic(&id).await.unwrap();
    assert!(t.summary.closed && !t.rights.can_create_post);
    let e = mia
        .reply(&NewReply {
            topic_id: id.clone(),
            reply_to_post_number: None,
            raw: "hello?".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(e, BackendError::Forbidden(ref m) if m.contains("read-only")),
        "{e:?}"
    );
    let anna = sb.adapter("mod_anna");
    assert!(anna.topic(&id).await.unwrap().rights.can_create_post);
}

#[tokio::test]
async fn errors_that_come_with_http_200() {
    let sb = start().await;
    let mia = sb.adapter("member_mia");
    mia.whoami().await.unwrap();
    // The tenant answers every error with HTTP 200 (api.always_ok): still an error.
    sb.sandbox.faults().set(Faults {
        always_ok: true,
        ..Faults::default()
    });
    let (status, body) = sb
        .liql_raw(Some("mod_anna"), "SELECT nonsense FROM messages", &[])
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "error");
    assert_eq!(body["http_code"], 400);
    let rows = sb
        .liql_all(
            "mod_anna",
            "SELECT id FROM messages WHERE depth = 1 AND is_solution = false AND board.id = 'devices' LIMIT 50",
        )
        .await;
    let mut refused = None;
    for r in rows {
        match mia
            .accept_solution(&PostId::new(r["id"].as_str().unwrap()))
            .await
        {
            Err(e) => {
                refused = Some(e);
                break;
            }
            Ok(()) => continue, // Mia's own thread: she may.
        }
    }
    let e = refused.expect("a refusal");
    assert!(matches!(e, BackendError::Forbidden(_)), "{e:?}");
    let e = mia.give_kudo(&PostId::new("99999999")).await.unwrap_err();
    assert!(matches!(e, BackendError::NotFound(_)), "{e:?}");

    // A transient failure in an HTTP 200 envelope (http_code 503) is retried like a 503.
    sb.sandbox.faults().set(Faults {
        error_200: 1,
        ..Faults::default()
    });
    let before = sb.count("/api/2.0/search");
    let page = mia.topics(&QueueQuery::default()).await.expect("retried");
    assert!(!page.topics.is_empty());
    assert_eq!(
        sb.count("/api/2.0/search") - before,
        2,
        "one failure, one retry"
    );
}

#[tokio::test]
async fn rate_limits_back_off_through_the_governor() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    anna.whoami().await.unwrap();
    // Khoros sends Retry-After: 0; the adapter backs off anyway (20, 40 ms here).
    sb.sandbox.faults().set(Faults {
        rate_limit: 2,
        retry_after_secs: 0,
        ..Faults::default()
    });
    let start = Instant::now();
    let page = anna
        .topics(&QueueQuery::default())
        .await
        .expect("after two 429s");
    assert!(!page.topics.is_empty());
    assert!(
        start.elapsed() >= Duration::from_millis(55),
        "{:?}",
        start.elapsed()
    );
    let budget = anna.governor().snapshot();
    assert_eq!(budget.refused, 2, "both 429s paused the governor");

    // More 429s than retries: reported as rate limited, with a wait.
    sb.sandbox.faults().set(Faults {
        rate_limit: 20,
        ..Faults::default()
    });
    let e = anna.topics(&QueueQuery::default()).await.unwrap_err();
    assert!(matches!(e, BackendError::RateLimited { .. }), "{e:?}");
    assert_eq!(e.exit_code(), 6);
    sb.sandbox.faults().set(Faults::default());

    // A write refused with 429 did nothing: sent again, and done once.
    let mia = sb.adapter("member_mia");
    mia.whoami().await.unwrap();
    let rows = sb
        .liql_all(
            "mod_anna",
            "SELECT id, author.login FROM messages WHERE depth = 1 AND board.id = 'mobile' LIMIT 30",
        )
        .await;
    let target = rows
        .iter()
        .find(|r| r["author"]["login"] != "member_mia")
        .map(|r| PostId::new(r["id"].as_str().unwrap()))
        .expect("a reply by someone else");
    // Clear any kudo Mia gave it in the seed, so the give below is a first.
    let _ = mia.remove_kudo(&target).await;
    sb.sandbox.faults().set(Faults {
        rate_limit: 1,
        ..Faults::default()
    });
    let before = sb.count("/api/2.0/messages/");
    mia.give_kudo(&target).await.expect("given after the 429");
    assert_eq!(
        sb.count("/api/2.0/messages/") - before,
        2,
        "refused once, sent again"
    );
    assert!(
        matches!(mia.give_kudo(&target).await, Err(BackendError::Invalid(_))),
        "it was given exactly once"
    );
}

#[tokio::test]
async fn what_khoros_has_no_api_for() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    let site = anna.site();
    assert_eq!(site.platform, "khoros");
    let badges = anna.badges().await.expect("the catalogue");
    assert!(badges.iter().any(|b| b.name == "Welcome!"));
    assert!(badges.iter().all(|b| !b.manually_grantable));
    let e = anna
        .award_badge(&BadgeAward {
            username: "member_mia".into(),
            badge_id: badges[0].id.clone(),
            reason: None,
        })
        .await
        .unwrap_err();
    match &e {
        BackendError::Unsupported(why) => {
            assert!(why.contains("Khoros grants badges by rules"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        Some(match &e {
            BackendError::Unsupported(why) => why.as_str(),
            _ => "",
        }),
        site.features.award_badges.reason(),
        "the declared reason, as the console shows it"
    );
    let e = anna
        .move_topic(&TopicId::new("100"), &CategoryId::new("billing"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, BackendError::Unsupported(ref m) if m.contains("moveMessage")),
        "{e:?}"
    );
    let e = anna
        .move_posts(
            &TopicId::new("100"),
            &[PostId::new("101")],
            &MoveDestination::ExistingTopic(TopicId::new("102")),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unsupported(_)));
    assert!(matches!(
        anna.unaccept_solution(&PostId::new("101")).await,
        Err(BackendError::Unsupported(_))
    ));
    assert!(!site.features.move_posts.is_available());
    assert!(!site.features.live_feed.is_available() && anna.live_feed("x").is_none());
    assert!(site.features.accept_solution.is_available());
    assert_eq!(
        sb.count("/api/2.0/messages"),
        0,
        "nothing was sent for any of them"
    );
}

#[tokio::test]
async fn search_and_boards() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    let found = anna
        .search(&SearchQuery {
            text: "restart".into(),
            view: None,
            category: None,
            page: 1,
        })
        .await
        .expect("search");
    assert!(!found.topics.is_empty());
    assert_eq!(found.topics.len(), found.excerpts.len());
    assert!(found
        .excerpts
        .iter()
        .all(|(_, e)| e.to_lowercase().contains("restart")));
    let boards = anna.categories().await.unwrap();
    let names: Vec<&str> = boards.iter().map(|b| b.name.as_str()).collect();
    assert!(names.contains(&"Broadband & Wi-Fi"), "{names:?}");
    assert!(boards.iter().all(|b| b.topic_count > 0));
}

#[tokio::test]
async fn the_profile_board_with_care_channels() {
    let sb = start().await;
    let anna = sb.adapter_with_care("mod_anna");
    let board = |part| anna.board_part("member_mia", part);

    let BoardData::Identity(m) = board(BoardPart::Identity).await.expect("identity") else {
        panic!("identity")
    };
    assert_eq!(m.username, "member_mia");
    assert_eq!(m.name.as_deref(), Some("Mia Jensen"));
    assert_eq!(m.rank.as_deref(), Some("Regular Contributor"));
    assert_eq!(m.role, Role::Member);
    assert!(m.profile_url.contains("/t5/user/viewprofilepage/"));
    assert!(m.badge_count > 0);

    let BoardData::Stats(s) = board(BoardPart::Stats).await.expect("stats") else {
        panic!("stats")
    };
    assert!(s.post_count > s.topic_count && s.topic_count >= 3, "{s:?}");
    assert!(
        s.solutions >= 1 && s.likes_given > 0 && s.likes_received > 0,
        "{s:?}"
    );

    let BoardData::Badges(b) = board(BoardPart::Badges).await.expect("badges") else {
        panic!("badges")
    };
    assert!(b.iter().any(|g| g.badge.name == "Welcome!"));
    assert!(b.iter().any(|g| g.badge.name == "Accepted Solution"));

    let BoardData::Activity(forum) = board(BoardPart::ForumActivity).await.expect("forum") else {
        panic!("forum")
    };
    let channels: Vec<Channel> = forum.iter().map(|a| a.channel).collect();
    assert!(channels.contains(&Channel::Forum) && channels.contains(&Channel::Like));
    assert!(channels.contains(&Channel::Solution));
    assert!(forum.windows(2).all(|w| w[0].at >= w[1].at), "newest first");

    // Khoros Care: Mia's accounts and conversations, each with its channel.
    let BoardData::Activity(social) = board(BoardPart::LinkedChannels).await.expect("care") else {
        panic!("care")
    };
    for c in [Channel::Twitter, Channel::Facebook, Channel::Messaging] {
        assert!(
            social
                .iter()
                .any(|a| a.channel == c && a.action.starts_with("care conversation")),
            "a {c:?} conversation: {social:#?}"
        );
    }
    assert!(social.iter().any(|a| a.channel == Channel::Twitter
        && a.action.contains("linked")
        && a.title == "@mia_jensen"));
    let tweet = social
        .iter()
        .find(|a| a.channel == Channel::Twitter && a.action.contains("conversation"))
        .unwrap();
    assert!(
        tweet.excerpt.contains("tweet text"),
        "Twitter's text is not shared: {tweet:?}"
    );
    assert!(social
        .iter()
        .any(|a| a.channel == Channel::Facebook && a.title == "Bill higher than expected"));
    assert!(
        social.iter().all(|a| a.channel != Channel::Forum),
        "community posts are not repeated"
    );
    assert!(social.windows(2).all(|w| w[0].at >= w[1].at));
    assert!(
        sb.count("/care/api/v2/") > 3,
        "the person, its authors, their conversations"
    );

    // The console's board model merges them into one timeline and filters by channel.
    let mut model = modterm::board::Board::new("member_mia");
    for (part, result) in modterm::board::load_parts(
        std::sync::Arc::new(sb.adapter_with_care("mod_anna")),
        "member_mia",
        &BoardPart::ALL,
    )
    .await
    {
        model.apply(part, result);
    }
    assert!(model
        .timeline()
        .iter()
        .any(|a| a.channel == Channel::Twitter));
    model.channel_filter = Some(Channel::Messaging);
    assert!(
        !model.timeline().is_empty()
            && model
                .timeline()
                .iter()
                .all(|a| a.channel == Channel::Messaging)
    );
    let text = model.plain_text(social[0].at).join("\n");
    assert!(
        text.contains("not on this platform") || !text.contains("failed"),
        "{text}"
    );
    // The moderation record: Care's linked accounts, and no made-up counts.
    assert!(
        text.contains("linked twitter: @mia_jensen")
            && text.contains("flags, warnings, suspensions: not on this platform"),
        "{text}"
    );

    // Members without Care accounts have an empty social part; staff only; no Care, no part.
    let BoardData::Activity(none) = anna
        .board_part("leader_sam", BoardPart::LinkedChannels)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(none.is_empty());
    let luca = sb.adapter_with_care("leader_luca");
    assert!(matches!(
        luca.board_part("member_mia", BoardPart::LinkedChannels)
            .await,
        Err(BackendError::Forbidden(_))
    ));
    let plain = sb.adapter("mod_anna");
    assert!(matches!(
        plain.board_part("member_mia", BoardPart::LinkedChannels).await,
        Err(BackendError::Unsupported(ref m)) if m.contains("Care")
    ));
    for part in [
        BoardPart::PrivateMessages,
        BoardPart::Chat,
        BoardPart::Moderation,
        BoardPart::PendingReviews,
    ] {
        assert!(
            matches!(
                plain.board_part("member_mia", part).await,
                Err(BackendError::Unsupported(_))
            ),
            "{part:?}"
        );
    }
    assert!(matches!(
        plain
            .board_part("no_such_member", BoardPart::Identity)
            .await,
        Err(BackendError::NotFound(_))
    ));

    // Wrong Care credentials fail the part alone, with Care's own words.
    let mut o = sb.options("mod_anna");
    let mut care = sb.care();
    care.password = "wrong".into();
    o.care = Some(care);
    let k = Khoros::new(o).unwrap();
    let e = k
        .board_part("member_mia", BoardPart::LinkedChannels)
        .await
        .unwrap_err();
    assert!(
        matches!(e, BackendError::NotSignedIn(ref m) if m.contains("Khoros Care")),
        "{e:?}"
    );
    assert!(k
        .board_part("member_mia", BoardPart::Identity)
        .await
        .is_ok());
}

#[tokio::test]
async fn linked_accounts_are_the_care_authors_with_their_channels() {
    let sb = start().await;
    let anna = sb.adapter_with_care("mod_anna");
    let linked = anna
        .linked_accounts("member_mia")
        .await
        .expect("linked accounts");
    let pairs: Vec<(&str, &str)> = linked
        .iter()
        .map(|l| (l.provider.as_str(), l.uid.as_str()))
        .collect();
    for want in [
        ("twitter", "@mia_jensen"),
        ("facebook", "Mia Jensen"),
        ("messaging", "mia.jensen"),
    ] {
        assert!(pairs.contains(&want), "{want:?} in {pairs:?}");
    }
    assert_eq!(
        linked.len(),
        3,
        "the community account itself is not a linked account: {pairs:?}"
    );
    // Each provider is the channel of the same account's items in the timeline.
    let BoardData::Activity(social) = anna
        .board_part("member_mia", BoardPart::LinkedChannels)
        .await
        .expect("care")
    else {
        panic!("care")
    };
    for l in &linked {
        assert!(
            social.iter().any(|a| a.channel.label() == l.provider),
            "{l:?} in {social:#?}"
        );
    }
    // A member Care does not know has none; staff only; without Care, not available.
    assert!(anna.linked_accounts("leader_sam").await.unwrap().is_empty());
    assert!(matches!(
        sb.adapter_with_care("leader_luca")
            .linked_accounts("member_mia")
            .await,
        Err(BackendError::Forbidden(_))
    ));
    assert!(matches!(
        sb.adapter("mod_anna").linked_accounts("member_mia").await,
        Err(BackendError::Unsupported(ref m)) if m.contains("Care")
    ));
    // They are the board's moderation record; Khoros has no API for the rest of it (flags,
    // warnings, suspensions), which is said, not made up. Staff only; without Care, none.
    let BoardData::Moderation(m) = anna
        .board_part("member_mia", BoardPart::Moderation)
        .await
        .expect("moderation")
    else {
        panic!("moderation")
    };
    assert_eq!(m.linked_accounts, linked);
    assert!(
        m.counts_unavailable
            .as_deref()
            .is_some_and(|why| why.contains("no moderation record")),
        "{m:?}"
    );
    assert!(m.current.is_empty() && m.flags_received == 0, "{m:?}");
    assert!(matches!(
        sb.adapter_with_care("leader_luca")
            .board_part("member_mia", BoardPart::Moderation)
            .await,
        Err(BackendError::Forbidden(_))
    ));
    assert!(matches!(
        sb.adapter("mod_anna").board_part("member_mia", BoardPart::Moderation).await,
        Err(BackendError::Unsupported(ref why)) if why.contains("no moderation record")
    ));
}

#[tokio::test]
async fn hostile_text_arrives_as_text() {
    let sb = start().await;
    let anna = sb.adapter("mod_anna");
    let all = sb
        .liql_all(
            "mod_anna",
            "SELECT id, subject FROM messages WHERE depth = 0 LIMIT 1000",
        )
        .await;
    let hostile = all
        .iter()
        .find(|r| r["subject"].as_str().is_some_and(|s| s.contains('\u{1b}')))
        .expect("the hostile thread");
    let t = anna
        .topic(&TopicId::new(hostile["id"].as_str().unwrap()))
        .await
        .unwrap();
    // The adapter keeps it verbatim; the console's sanitizer and renderer clean it.
    assert!(t.summary.title.contains('\u{1b}'));
    let clean = modterm::text::sanitize_line(&t.summary.title);
    assert!(
        !clean.contains('\u{1b}') && !clean.contains('\u{202e}'),
        "{clean:?}"
    );
    let _: Value = serde_json::to_value(&t).unwrap();
}

#[test]
fn config_profiles_take_a_care_table() {
    use modterm::config::{KeySource, Platform, Settings};
    let file = std::path::Path::new("/cfg/config.toml");
    let s = Settings::parse(
        file,
        r#"
[profiles.telco]
url = "https://community.example.com/"
platform = "khoros"
username = "mod_anna"
api_key_env = "PW"

[profiles.telco.care]
url = "https://telco.response.lithium.com/"
username = "care-api"
api_key_cmd = "pass show care"
community_instance = "community.example.com/"
"#,
    )
    .expect("parses");
    let p = &s.profiles["telco"];
    assert_eq!(p.platform, Platform::Khoros);
    let care = p.care.as_ref().expect("care");
    assert_eq!(care.url, "https://telco.response.lithium.com");
    assert_eq!(care.username, "care-api");
    assert_eq!(care.key, KeySource::Command("pass show care".into()));
    assert_eq!(
        care.community_instance.as_deref(),
        Some("community.example.com/")
    );
    for bad in [
        "[profiles.t]\nurl = \"https://x\"\n[profiles.t.care]\nurl = \"ftp://care\"\n",
        "[profiles.t]\nurl = \"https://x\"\n[profiles.t.care]\nurl = \"https://care\"\napi_key_env = \"A\"\napi_key_cmd = \"b\"\n",
        "[profiles.t]\nurl = \"https://x\"\n[profiles.t.care]\nurl = \"https://care\"\ncolour = \"red\"\n",
    ] {
        let e = Settings::parse(file, bad).expect_err(bad).to_string();
        assert!(e.contains("config.toml"), "names the file: {e}");
    }
}
