//! Screen tests: the console's state driven by key events and backend results, drawn into a
//! ratatui `TestBackend` with the colourless theme, and compared with reviewed snapshots.
//! Also table tests of update(): (state, keys) → expected state and effects.

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use modterm::backend::BackendError;
use modterm::clock::Targets;
use modterm::config::{Keymap, Theme};
use modterm::domain::*;
use modterm::drafts::DraftStore;
use modterm::tui::{App, AppConfig, Effect, Msg, OpOutcome, Overlay, Pane};

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn account(role: Role) -> Account {
    Account {
        id: 2,
        username: "mod_anna".into(),
        name: Some("Anna".into()),
        role,
        trust_level: 4,
        capabilities: Capabilities::for_role(role),
    }
}

fn topic_summary(id: TopicId, title: &str, minutes_ago: i64, posts: u32) -> TopicSummary {
    TopicSummary {
        id,
        title: title.into(),
        slug: title.to_lowercase().replace(' ', "-"),
        category_id: Some(1),
        created_at: now() - Duration::minutes(minutes_ago),
        last_posted_at: Some(now() - Duration::minutes(minutes_ago)),
        author: Some(format!("member{id}")),
        last_poster: Some(format!("member{id}")),
        posts_count: posts,
        reply_count: 0,
        like_count: 2,
        views: 10,
        has_accepted_answer: false,
        closed: false,
        archived: false,
        pinned: false,
        tags: vec![],
    }
}

fn post(id: PostId, number: u32, user: &str, cooked: &str) -> Post {
    Post {
        id,
        topic_id: 11,
        post_number: number,
        author: PostAuthor {
            id: Some(id),
            username: user.into(),
            name: None,
            role: Role::Member,
            trust_level: 1,
            title: None,
        },
        created_at: now() - Duration::minutes(50 - number as i64),
        cooked: cooked.into(),
        raw: None,
        kind: PostKind::Regular,
        like_count: 0,
        reply_to_post_number: None,
        accepted_answer: false,
        can_accept_answer: number > 1,
        can_unaccept_answer: false,
    }
}

fn topic() -> Topic {
    Topic {
        summary: topic_summary(11, "Router drops Wi-Fi every evening", 50, 2),
        posts: vec![
            post(
                101,
                1,
                "member11",
                "<p>My router drops Wi-Fi at 8pm.</p><p>Evil \u{1b}[31mred\u{1b}[0m and \u{202e}reversed</p>",
            ),
            post(
                102,
                2,
                "helper_hugo",
                "<p>Try channel 6.</p><pre><code>iw dev wlan0 scan</code></pre>",
            ),
        ],
        rights: TopicRights {
            can_create_post: true,
            can_move_posts: true,
            can_edit: true,
        },
        accepted_answer: None,
        url: "http://127.0.0.1:9/t/router-drops-wi-fi/11".into(),
    }
}

struct Harness {
    app: App,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new(role: Role) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let config = AppConfig {
            site: "http://127.0.0.1:9".into(),
            username: "mod_anna".into(),
            theme: Theme::plain(),
            keymap: Keymap::builtin("default").unwrap(),
            targets: Targets::default(),
            saved_views: vec![],
            drafts: DraftStore::new(dir.path().join("drafts")),
        };
        let mut app = App::new(config);
        app.now = now();
        app.resize(120, 40);
        let _ = app.init();
        app.update(Msg::Account(Ok(account(role))));
        app.update(Msg::Categories(Ok(vec![Category {
            id: 1,
            name: "Broadband & Wi-Fi".into(),
            slug: "broadband".into(),
            color: None,
            parent_id: None,
            topic_count: 3,
            description: None,
        }])));
        let generation = app.views[0].generation;
        app.update(Msg::Topics {
            view: 0,
            page: 0,
            generation,
            result: Ok(TopicPage {
                topics: vec![
                    topic_summary(11, "Router drops Wi-Fi every evening", 50, 1),
                    topic_summary(12, "Bill shows a roaming charge", 32, 1),
                    topic_summary(13, "eSIM transfer stuck", 5, 1),
                ],
                next_page: None,
                per_page: 30,
            }),
        });
        Harness { app, _dir: dir }
    }

    fn key(&mut self, code: KeyCode) -> Vec<Effect> {
        self.key_mod(code, KeyModifiers::NONE)
    }

    fn key_mod(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
        self.app
            .update(Msg::Term(Event::Key(KeyEvent::new(code, modifiers))))
    }

    fn chars(&mut self, text: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        for c in text.chars() {
            effects.extend(self.key(KeyCode::Char(c)));
        }
        effects
    }

    fn screen(&mut self, width: u16, height: u16) -> String {
        self.app.resize(width, height);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| modterm::tui::draw(frame, &self.app))
            .unwrap();
        let buffer = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..height {
            let mut line = String::new();
            for x in 0..width {
                line.push_str(buffer[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn open_thread(&mut self) {
        let effects = self.key(KeyCode::Enter);
        assert!(effects.contains(&Effect::LoadTopic(11)), "{effects:?}");
        self.app.update(Msg::Topic {
            id: 11,
            result: Ok(topic()),
        });
    }
}

#[test]
fn queue_lists_oldest_first_with_clocks_at_120x40() {
    let mut h = Harness::new(Role::Moderator);
    let screen = h.screen(120, 40);
    assert!(screen.contains("Router drops Wi-Fi every evening"));
    // 50 minutes waiting breaches the 35-minute target: the glyph carries it without colour.
    assert!(screen.contains("‼50m"), "{screen}");
    assert!(screen.contains("!32m"), "{screen}");
    insta::assert_snapshot!("queue_120x40", screen);
}

#[test]
fn queue_is_usable_at_80x24() {
    let mut h = Harness::new(Role::Moderator);
    let screen = h.screen(80, 24);
    assert!(screen.contains("eSIM transfer stuck"));
    insta::assert_snapshot!("queue_80x24", screen);
}

#[test]
fn thread_shows_posts_and_strips_hostile_sequences() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    assert_eq!(h.app.focus, Pane::Thread);
    let screen = h.screen(120, 40);
    assert!(screen.contains("My router drops Wi-Fi at 8pm."), "{screen}");
    assert!(screen.contains("iw dev wlan0 scan"));
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{202e}'));
    assert!(screen.contains("Evil red and reversed"), "{screen}");
    insta::assert_snapshot!("thread_120x40", screen);
}

#[test]
fn help_lists_bindings_of_the_focused_pane() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Char('?'));
    assert!(matches!(h.app.overlay, Some(Overlay::Help { .. })));
    let screen = h.screen(120, 40);
    assert!(screen.contains("move_down"), "{screen}");
    assert!(screen.contains("refresh"));
    insta::assert_snapshot!("help_queue_120x40", screen);
    h.key(KeyCode::Esc);
    assert!(h.app.overlay.is_none());
}

#[test]
fn palette_runs_an_action_by_fuzzy_name() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Char(':'));
    h.chars("view unsol");
    let screen = h.screen(120, 40);
    insta::assert_snapshot!("palette_120x40", screen);
    let effects = h.key(KeyCode::Enter);
    assert_eq!(h.app.active_view, 1, "switched to unsolved");
    assert!(
        matches!(effects.as_slice(), [Effect::LoadTopics { view: 1, .. }]),
        "{effects:?}"
    );
}

#[test]
fn moving_and_sequences_follow_the_keymap() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    assert_eq!(h.app.selected, 2);
    h.key(KeyCode::Char('g'));
    assert_eq!(h.app.pending_keys.len(), 1, "g waits for the next key");
    h.key(KeyCode::Char('g'));
    assert_eq!(h.app.selected, 0);
    h.key(KeyCode::Char('G'));
    assert_eq!(h.app.selected, 2);
}

#[test]
fn filter_narrows_the_queue_as_you_type() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Char('/'));
    h.chars("esim");
    assert_eq!(h.app.visible_topics().len(), 1);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.visible_topics().len(), 3);
}

#[test]
fn reply_is_confirmed_then_sent_and_the_topic_leaves_unanswered() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('r'));
    assert_eq!(h.app.focus, Pane::Composer);
    h.app.update(Msg::Term(Event::Paste(
        "Try a 5 GHz channel.\nThen reboot.".into(),
    )));
    assert_eq!(
        h.app.composer.as_ref().unwrap().text(),
        "Try a 5 GHz channel.\nThen reboot.",
        "paste inserted whole, newline did not send"
    );
    // The draft is on disk already.
    assert!(h.app.config.drafts.load("http://127.0.0.1:9", 11).is_some());
    let send = h
        .app
        .config
        .keymap
        .keys_for(modterm::config::Mode::Composer, "send_reply")
        .unwrap();
    let mut effects = Vec::new();
    for key in send.split(' ') {
        let event = modterm::config::parse_key(key).unwrap();
        effects.extend(h.app.update(Msg::Term(Event::Key(event))));
    }
    assert_eq!(
        effects,
        vec![Effect::CheckBeforeSend { topic_id: 11 }],
        "the guard looks at the topic before anything is sent"
    );
    h.app.update(Msg::SendCheck {
        topic_id: 11,
        result: Ok((topic(), vec![])),
    });
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("Router drops Wi-Fi every evening"),
        "{screen}"
    );
    insta::assert_snapshot!("confirm_reply_120x40", screen);
    let effects = h.key(KeyCode::Char('y'));
    let Some(Effect::SendReply { op, reply }) = effects.first().cloned() else {
        panic!("expected a send: {effects:?}");
    };
    assert_eq!(reply.topic_id, 11);
    // The server accepts: draft removed, topic leaves the unanswered view.
    let mut accepted = post(103, 3, "mod_anna", "<p>x</p>");
    accepted.topic_id = 11;
    h.app.update(Msg::OpDone {
        op,
        outcome: OpOutcome::Replied {
            topic_id: 11,
            result: Ok(accepted),
        },
    });
    assert!(h.app.composer.is_none());
    assert!(h.app.config.drafts.load("http://127.0.0.1:9", 11).is_none());
    assert!(h.app.views[0].topics.iter().all(|t| t.id != 11));
}

#[test]
fn a_failed_reply_keeps_the_draft_and_the_composer() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('r'));
    h.app.update(Msg::Term(Event::Paste(
        "A reply long enough to be accepted.".into(),
    )));
    h.app.update(Msg::Run(
        modterm::config::Command::parse("send_reply").unwrap(),
    ));
    h.app.update(Msg::SendCheck {
        topic_id: 11,
        result: Ok((topic(), vec![])),
    });
    let effects = h.key(KeyCode::Enter);
    let Some(Effect::SendReply { op, .. }) = effects.first().cloned() else {
        panic!("expected a send: {effects:?}");
    };
    h.app.update(Msg::OpDone {
        op,
        outcome: OpOutcome::Replied {
            topic_id: 11,
            result: Err(BackendError::Server {
                status: 503,
                message: "Service Unavailable".into(),
            }),
        },
    });
    assert!(h.app.composer.is_some());
    assert_eq!(
        h.app
            .config
            .drafts
            .load("http://127.0.0.1:9", 11)
            .unwrap()
            .text,
        "A reply long enough to be accepted."
    );
    let (status, _) = h.app.status.clone().unwrap();
    assert!(status.contains("draft kept"), "{status}");
}

#[test]
fn rights_gate_the_actions() {
    // A member may not move or award: the keys explain and nothing is sent.
    let mut h = Harness::new(Role::Member);
    h.open_thread();
    let effects = h.key(KeyCode::Char('b'));
    assert!(effects.is_empty());
    assert!(h.app.status.clone().unwrap().0.contains("only staff"));
    // A leader may move posts but not award badges.
    let mut h = Harness::new(Role::Leader);
    h.open_thread();
    h.key(KeyCode::Char('m'));
    assert!(matches!(h.app.overlay, Some(Overlay::Picker { .. })));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('b'));
    assert!(h.app.overlay.is_none());
}

#[test]
fn accept_needs_the_servers_permission_on_the_post() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    // Post #1 cannot be accepted: explained, no dialog.
    h.key(KeyCode::Char('a'));
    assert!(h.app.overlay.is_none());
    // Post #2 can.
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('a'));
    assert!(matches!(h.app.overlay, Some(Overlay::Confirm { .. })));
    let effects = h.key(KeyCode::Char('y'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::SetSolution {
                post_id: 102,
                accept: true,
                ..
            }]
        ),
        "{effects:?}"
    );
}

#[test]
fn profile_board_shows_each_part_state() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    let effects = h.key(KeyCode::Char('p'));
    assert_eq!(effects, vec![Effect::LoadBoard("member11".into())]);
    h.app.update(Msg::BoardPart {
        username: "member11".into(),
        part: BoardPart::Identity,
        result: Ok(BoardData::Identity(Member {
            id: 11,
            username: "member11".into(),
            name: Some("Mia Member".into()),
            title: None,
            role: Role::Member,
            trust_level: 2,
            created_at: Some(now() - Duration::days(400)),
            last_seen_at: Some(now() - Duration::minutes(3)),
            last_posted_at: None,
            primary_group: None,
            badge_count: 1,
            suspended_till: None,
            silenced_till: None,
            profile_url: "http://127.0.0.1:9/u/member11".into(),
        })),
    });
    h.app.update(Msg::BoardPart {
        username: "member11".into(),
        part: BoardPart::PrivateMessages,
        result: Err(BackendError::Forbidden(
            "private messages are visible to admins only".into(),
        )),
    });
    h.app.update(Msg::BoardPart {
        username: "member11".into(),
        part: BoardPart::Chat,
        result: Err(BackendError::Server {
            status: 500,
            message: "boom".into(),
        }),
    });
    let screen = h.screen(120, 40);
    assert!(screen.contains("Mia Member"), "{screen}");
    assert!(
        screen.contains("private messages are visible to admins only"),
        "{screen}"
    );
    assert!(screen.contains("failed"));
    insta::assert_snapshot!("profile_partial_120x40", screen);
}

#[test]
fn stale_reply_guard_asks_and_keeps_the_draft() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('r'));
    h.app.update(Msg::Term(Event::Paste(
        "Have you tried another channel yet?".into(),
    )));
    let effects = h.app.update(Msg::Run(
        modterm::config::Command::parse("send_reply").unwrap(),
    ));
    assert_eq!(effects, vec![Effect::CheckBeforeSend { topic_id: 11 }]);
    // Meanwhile a colleague answered and another is writing.
    let mut now_topic = topic();
    now_topic.posts.push(post(
        104,
        3,
        "leader_luca",
        "<p>Channel 11 fixed it for me.</p>",
    ));
    let effects = h.app.update(Msg::SendCheck {
        topic_id: 11,
        result: Ok((now_topic, vec!["helper_hugo".into(), "mod_anna".into()])),
    });
    assert!(effects.is_empty());
    assert!(matches!(h.app.overlay, Some(Overlay::Stale { .. })));
    let screen = h.screen(120, 40);
    assert!(screen.contains("#3 by leader_luca"), "{screen}");
    assert!(screen.contains("replying now: helper_hugo"), "{screen}");
    assert!(
        !screen.contains("replying now: helper_hugo, mod_anna"),
        "never lists oneself"
    );
    // Keep as draft: nothing is sent, the text is on disk.
    let effects = h.key(KeyCode::Char('d'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(h.app.composer.is_none());
    assert_eq!(
        h.app
            .config
            .drafts
            .load("http://127.0.0.1:9", 11)
            .unwrap()
            .text,
        "Have you tried another channel yet?"
    );
}

#[test]
fn live_events_refresh_views_and_show_who_is_replying() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    let effects = h.app.update(Msg::Live(vec![
        LiveEvent::TopicListChanged {
            topic_id: Some(99),
            reason: "new_topic".into(),
        },
        LiveEvent::Replying {
            topic_id: 11,
            usernames: vec!["leader_luca".into()],
        },
    ]));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadTopics { view: 0, .. })),
        "{effects:?}"
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("leader_luca replying"), "{screen}");
    let effects = h.app.update(Msg::Live(vec![LiveEvent::TopicChanged {
        topic_id: 11,
        post_number: Some(3),
        reason: "created".into(),
    }]));
    assert!(effects.contains(&Effect::LoadTopic(11)), "{effects:?}");
}

/// A board with every part loaded, as the sandbox's member_mia might have it.
fn full_board(h: &mut Harness) {
    let user = "member11";
    let at = |minutes: i64| now() - Duration::minutes(minutes);
    let activity = |channel, minutes, action: &str, title: &str| Activity {
        channel,
        at: at(minutes),
        action: action.into(),
        title: title.into(),
        excerpt: "short excerpt".into(),
        topic_id: Some(11),
        post_number: Some(2),
    };
    let badge = |id, name: &str, kind| GrantedBadge {
        badge: Badge {
            id,
            name: name.into(),
            description: String::new(),
            badge_type: kind,
            grant_count: 3,
            manually_grantable: true,
            enabled: true,
        },
        granted_at: at(600 * id as i64),
        granted_by: Some("mod_anna".into()),
        topic_id: Some(11),
        post_number: Some(2),
        count: 1,
    };
    let parts = vec![
        (
            BoardPart::Identity,
            BoardData::Identity(Member {
                id: 11,
                username: user.into(),
                name: Some("Mia Member".into()),
                title: Some("Fibre whisperer".into()),
                role: Role::Member,
                trust_level: 2,
                created_at: Some(at(60 * 24 * 400)),
                last_seen_at: Some(at(3)),
                last_posted_at: Some(at(50)),
                primary_group: Some("helpers".into()),
                badge_count: 3,
                suspended_till: None,
                silenced_till: None,
                profile_url: "http://127.0.0.1:9/u/member11".into(),
            }),
        ),
        (
            BoardPart::Stats,
            BoardData::Stats(MemberStats {
                likes_received: 128,
                likes_given: 40,
                topic_count: 12,
                post_count: 230,
                solutions: 17,
                days_visited: 300,
                time_read_secs: 36_000,
                posts_read: 5000,
                rank: None,
            }),
        ),
        (
            BoardPart::Badges,
            BoardData::Badges(vec![
                badge(1, "Great Answer", BadgeType::Gold),
                badge(2, "Helpful", BadgeType::Silver),
                badge(3, "First Reply", BadgeType::Bronze),
            ]),
        ),
        (
            BoardPart::ForumActivity,
            BoardData::Activity(vec![
                activity(Channel::Forum, 50, "replied", "Router drops Wi-Fi"),
                activity(Channel::Solution, 400, "solved", "eSIM transfer stuck"),
                activity(Channel::Like, 90, "liked", "Bill shows a roaming charge"),
            ]),
        ),
        (
            BoardPart::PrivateMessages,
            BoardData::Activity(vec![activity(
                Channel::PrivateMessage,
                30,
                "wrote",
                "About my contract",
            )]),
        ),
        (
            BoardPart::Chat,
            BoardData::Activity(vec![activity(Channel::Chat, 10, "wrote in", "#general")]),
        ),
        (
            BoardPart::Moderation,
            BoardData::Moderation(MemberModeration {
                flags_given: 4,
                flags_received: 1,
                warnings_received: 0,
                suspensions: 0,
                silences: 1,
                current: vec![],
                linked_accounts: vec![LinkedAccount {
                    provider: "twitter".into(),
                    uid: "mia_on_x".into(),
                }],
                pending_reviews: vec![],
            }),
        ),
    ];
    for (part, data) in parts {
        h.app.update(Msg::BoardPart {
            username: user.into(),
            part,
            result: Ok(data),
        });
    }
}

#[test]
fn full_profile_board_at_120x40_and_80x24() {
    let mut h = Harness::new(Role::Admin);
    h.open_thread();
    h.key(KeyCode::Char('p'));
    full_board(&mut h);
    // The full-screen board (z on the profile).
    h.key(KeyCode::Char('z'));
    let wide = h.screen(120, 40);
    assert!(wide.contains("★ 128 stars"), "{wide}");
    assert!(wide.contains("Great Answer"));
    assert!(wide.contains("linked: twitter: mia_on_x"), "{wide}");
    // The timeline is merged across channels, newest first.
    let chat = wide.find("#general").unwrap();
    let pm = wide.find("About my contract").unwrap();
    let forum = wide.find("Router drops Wi-Fi").unwrap();
    assert!(chat < pm && pm < forum, "{wide}");
    insta::assert_snapshot!("profile_full_120x40", wide);
    // At 80x24 the focused pane has the screen.
    let narrow = h.screen(80, 24);
    assert!(narrow.contains("★ 128 stars"), "{narrow}");
    insta::assert_snapshot!("profile_full_80x24", narrow);
    // `c` filters the timeline by channel.
    h.app.update(Msg::Run(
        modterm::config::Command::parse("board_channel").unwrap(),
    ));
    let filtered = h.screen(120, 40);
    assert!(filtered.contains("Timeline · forum"), "{filtered}");
    assert!(!filtered.contains("#general"));
}

#[test]
fn urls_in_the_thread_become_osc8_hyperlinks_at_their_place_on_screen() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Enter);
    let mut linked = topic();
    linked.posts[1].cooked =
        "<p>See <a href=\"https://help.example.test/wifi\">the Wi-Fi guide</a>.</p>".into();
    h.app.update(Msg::Topic {
        id: 11,
        result: Ok(linked),
    });
    let screen = h.screen(120, 40);
    let links = modterm::tui::visible_hyperlinks(&h.app, ratatui::layout::Rect::new(0, 0, 120, 40));
    assert_eq!(links.len(), 1, "{links:?}");
    let link = &links[0];
    assert_eq!(link.url, "https://help.example.test/wifi");
    // The hyperlink is printed exactly over the URL the frame shows.
    let row = screen.lines().nth(link.y as usize).unwrap();
    let shown: String = row
        .chars()
        .skip(link.x as usize)
        .take(link.text.chars().count())
        .collect();
    assert_eq!(shown, link.text);
    let mut out = Vec::new();
    modterm::tui::write_hyperlinks(&mut out, &links).unwrap();
    let written = String::from_utf8(out).unwrap();
    assert!(written.contains("\u{1b}]8;;https://help.example.test/wifi\u{1b}\\"));
    // A dialog over the pane: nothing is printed over it.
    h.key(KeyCode::Char('?'));
    assert!(
        modterm::tui::visible_hyperlinks(&h.app, ratatui::layout::Rect::new(0, 0, 120, 40))
            .is_empty()
    );
}

#[test]
fn tiny_terminals_never_panic() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('p'));
    for (w, hgt) in [(1, 1), (10, 4), (20, 6), (40, 10), (79, 23)] {
        h.screen(w, hgt);
        h.key(KeyCode::Char('?'));
        h.screen(w, hgt);
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char(':'));
        h.screen(w, hgt);
        h.key(KeyCode::Esc);
    }
}

/// The first arrow key in a popup once ended the console. Every overlay, every navigation key,
/// and the selection still moves.
#[test]
fn navigation_keys_move_through_every_overlay() {
    let nav = [
        (KeyCode::Down, KeyModifiers::NONE),
        (KeyCode::Up, KeyModifiers::NONE),
        (KeyCode::Char('n'), KeyModifiers::CONTROL),
        (KeyCode::Char('p'), KeyModifiers::CONTROL),
        (KeyCode::PageDown, KeyModifiers::NONE),
        (KeyCode::End, KeyModifiers::NONE),
        (KeyCode::PageUp, KeyModifiers::NONE),
        (KeyCode::Home, KeyModifiers::NONE),
    ];
    type Opener = (&'static str, fn(&mut Harness));
    let openers: [Opener; 4] = [
        ("help", |h| {
            h.key(KeyCode::Char('?'));
        }),
        ("palette", |h| {
            h.key(KeyCode::Char(':'));
        }),
        ("move topic", |h| {
            h.app.update(Msg::Categories(Ok((1..=5)
                .map(|i| Category {
                    id: i,
                    name: format!("Category {i}"),
                    slug: format!("c{i}"),
                    color: None,
                    parent_id: None,
                    topic_count: 1,
                    description: None,
                })
                .collect())));
            h.key(KeyCode::Char('m'));
        }),
        ("badge picker", |h| {
            h.open_thread();
            h.key(KeyCode::Char('j'));
            h.key(KeyCode::Char('b'));
            h.app.update(Msg::Badges(Ok((1..=4)
                .map(|i| Badge {
                    id: i,
                    name: format!("Badge {i}"),
                    description: "for helping".into(),
                    badge_type: BadgeType::Bronze,
                    grant_count: 0,
                    manually_grantable: true,
                    enabled: true,
                })
                .collect())));
        }),
    ];
    for (name, open) in openers {
        for size in [(120, 40), (80, 24), (20, 6)] {
            let mut h = Harness::new(Role::Moderator);
            open(&mut h);
            assert!(h.app.overlay.is_some(), "{name} did not open");
            h.screen(size.0, size.1);
            let selected = |h: &Harness| match &h.app.overlay {
                Some(Overlay::Palette { selected, .. })
                | Some(Overlay::Picker { selected, .. }) => Some(*selected),
                Some(Overlay::Help { scroll, .. }) => Some(*scroll),
                _ => None,
            };
            let before = selected(&h);
            h.key(KeyCode::Down);
            if name != "help" {
                assert_eq!(selected(&h), before.map(|s| s + 1), "{name}: Down moves");
            }
            for (code, modifiers) in nav {
                h.key_mod(code, modifiers);
                assert!(
                    h.app.overlay.is_some(),
                    "{name}: {code:?} closed the overlay"
                );
                assert!(!h.app.quit, "{name}: {code:?} quit");
                h.screen(size.0, size.1);
            }
            h.key(KeyCode::Esc);
            assert!(h.app.overlay.is_none(), "{name}: Esc closes");
        }
    }
}
