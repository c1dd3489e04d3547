//! Screen and table tests: the console's state driven by key events and backend results, drawn
//! into a ratatui `TestBackend` with the colourless theme, and compared with reviewed snapshots.
//! Also (state, keys) → expected state and effects for every flow of the action layer.

mod common;
mod harness;

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use crossterm::event::{KeyCode, KeyModifiers};

use harness::*;
use modterm::actions::award::AwardBadge;
use modterm::actions::move_posts::MovePosts;
use modterm::actions::move_topic::MoveTopic;
use modterm::actions::reply::SendReply;
use modterm::actions::solution::{SetSolution, SolutionChanged};
use modterm::actions::write::Write;
use modterm::actions::{Action, ActionKind};
use modterm::backend::discourse::{Credentials, Discourse, DiscourseOptions};
use modterm::backend::{Backend, BackendError, SearchResults};
use modterm::domain::*;
use modterm::tui::{Effect, LiveState, Msg, Overlay, Pane};

fn run(h: &mut Harness, action: &str) -> Vec<Effect> {
    h.app.update(Msg::Run(Action::parse(action).unwrap()))
}

// ---- the queue ------------------------------------------------------------------------------

#[test]
fn queue_lists_oldest_first_with_clocks_at_120x40() {
    let mut h = Harness::new(Role::Moderator);
    let screen = h.screen(120, 40);
    assert!(screen.contains("Router drops Wi-Fi every evening"));
    // 50 minutes waiting breaches the 35-minute target: the glyph carries it without colour.
    assert!(screen.contains("‼50m"), "{screen}");
    assert!(screen.contains("!32m"), "{screen}");
    // The selected row is marked by a glyph too, not only by its style.
    assert!(screen.contains("▶‼50m"), "{screen}");
    // The demo's status bar names the community, not 127.0.0.1:PORT.
    assert!(screen.contains("demo community"), "{screen}");
    assert!(!screen.contains("127.0.0.1"), "{screen}");
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
fn columns_share_the_width_by_what_they_hold() {
    let mut long = topic_summary(11, "Router drops Wi-Fi every evening", 50, 1);
    long.author = Some("a_member_with_a_long_name".into());
    let mut h = Harness::with_topics(Role::Moderator, vec![long], None);
    let screen = h.screen(160, 30);
    // The author is not cut to a fixed 11 characters while the title has room.
    assert!(screen.contains("a_member_with_a_long_name"), "{screen}");
    assert!(screen.contains("Broadband & Wi-Fi"), "{screen}");
}

#[test]
fn moving_and_sequences_follow_the_keymap() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Char('j'));
    assert_eq!(h.app.view().selected, 1);
    h.key(KeyCode::Char('G'));
    assert_eq!(h.app.view().selected, 2);
    h.key(KeyCode::Char('g'));
    assert_eq!(h.app.view().selected, 2, "a pending sequence moves nothing");
    h.key(KeyCode::Char('g'));
    assert_eq!(h.app.view().selected, 0);
    h.key(KeyCode::Char('k'));
    assert_eq!(h.app.view().selected, 0, "saturates at the top");
}

#[test]
fn the_filter_looks_through_what_is_loaded_then_asks_the_server_once() {
    let mut h = Harness::with_topics(
        Role::Moderator,
        vec![
            topic_summary(11, "Router drops Wi-Fi every evening", 50, 1),
            topic_summary(12, "Bill shows a roaming charge", 32, 1),
        ],
        Some(PageToken::from(1)),
    );
    h.key(KeyCode::Char('/'));
    let mut effects = h.chars("wombat");
    assert_eq!(h.app.view().visible_len(), 0);
    // Typing never crawls: no page load, no search per key.
    assert!(
        effects
            .iter()
            .all(|e| !matches!(e, Effect::LoadTopics { .. })),
        "{effects:?}"
    );
    // Once typing pauses: one search for the words, within the view.
    if let modterm::tui::RemoteFilter::Due { at, .. } = &mut h.app.remote_filter {
        *at = Instant::now() - StdDuration::from_millis(1);
    }
    effects = h.app.update(Msg::Tick);
    let searches: Vec<&Effect> = effects
        .iter()
        .filter(|e| matches!(e, Effect::FilterSearch { .. }))
        .collect();
    assert_eq!(searches.len(), 1, "{effects:?}");
    let Effect::FilterSearch { text, query } = searches[0].clone() else {
        unreachable!()
    };
    assert_eq!(text, "wombat");
    assert_eq!(query.view, Some(QueueView::Unanswered));
    assert!(h
        .app
        .update(Msg::Tick)
        .iter()
        .all(|e| !matches!(e, Effect::FilterSearch { .. })));
    // The server found one topic of the view beyond the loaded page (by its body text).
    let mut far = topic_summary(77, "Set-top box restarts at night", 400, 1);
    far.created_at = now() - Duration::minutes(10);
    h.app.update(Msg::FilterFound {
        text,
        result: Ok(SearchResults {
            topics: vec![far],
            excerpts: vec![],
            more: false,
        }),
    });
    assert_eq!(h.visible_ids(), ["77"]);
    let screen = h.screen(120, 40);
    assert!(screen.contains("Set-top box restarts"), "{screen}");
    assert!(screen.contains("1 from the server"), "{screen}");
    // Esc clears the filter; the found topic stays where it sorts in the view.
    h.key(KeyCode::Esc);
    assert_eq!(h.visible_ids(), ["11", "12", "77"]);
}

#[test]
fn the_sort_order_cycles_and_asks_the_server_again() {
    let mut h = Harness::new(Role::Moderator);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("unanswered (3) · waiting longest"),
        "{screen}"
    );
    let effects = h.key(KeyCode::Char('o'));
    let Some(Effect::LoadTopics { query, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(query.order, TopicOrder::NewestFirst);
    assert!(h.screen(120, 40).contains("· newest"));
    for expected in [
        TopicOrder::Replies,
        TopicOrder::Likes,
        TopicOrder::OldestFirst,
    ] {
        let effects = h.key(KeyCode::Char('o'));
        let Some(Effect::LoadTopics { query, .. }) = effects.first() else {
            panic!("{effects:?}");
        };
        assert_eq!(query.order, expected);
    }
    // Needs-reply sorts by how long the member has waited (their last post), oldest first.
    let views = &h.app.views;
    let needs = views.iter().find(|v| v.name == "needs-reply").unwrap();
    assert_eq!(needs.query.order, TopicOrder::OldestFirst);
    let params = modterm::backend::discourse::list_params(&needs.query);
    assert!(params.contains(&("order", "activity".into())), "{params:?}");
    assert!(params.contains(&("ascending", "true".into())), "{params:?}");
}

#[test]
fn refresh_is_debounced() {
    let mut h = Harness::new(Role::Moderator);
    let first = h.key(KeyCode::Char('R'));
    assert_eq!(first.len(), 1, "{first:?}");
    for _ in 0..39 {
        assert!(
            h.key(KeyCode::Char('R')).is_empty(),
            "a refresh is in flight"
        );
    }
    let generation = h.app.views[0].generation;
    h.app.update(Msg::Topics {
        view: 0,
        generation,
        first_page: true,
        result: Ok(TopicPage {
            topics: vec![topic_summary(11, "Router drops Wi-Fi every evening", 50, 1)],
            next: None,
            per_page: 30,
        }),
    });
    assert_eq!(h.visible_ids(), ["11"], "answered topics left on refresh");
    assert_eq!(
        h.key(KeyCode::Char('R')).len(),
        1,
        "done: R refreshes again"
    );
}

// ---- live updates ---------------------------------------------------------------------------

#[test]
fn live_events_fetch_the_named_topics_and_place_them() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    let effects = h.app.update(Msg::Live(vec![
        LiveEvent::TopicListChanged {
            topic_id: Some(TopicId::from(99)),
            reason: "new_topic".into(),
        },
        LiveEvent::TopicListChanged {
            topic_id: Some(TopicId::from(12)),
            reason: "latest".into(),
        },
        LiveEvent::Replying {
            topic_id: TopicId::from(11),
            usernames: vec!["leader_luca".into()],
        },
    ]));
    assert_eq!(
        effects,
        vec![Effect::LoadTopicsById(vec![
            TopicId::from(12),
            TopicId::from(99)
        ])],
        "one request for every topic of the batch, no whole-view re-read"
    );
    // Opening 11 showed it answered (helper_hugo's post): it left the view already.
    assert_eq!(h.visible_ids(), ["12", "13"]);
    // 99 is new and unanswered; 12 got a reply.
    let mut answered = topic_summary(12, "Bill shows a roaming charge", 32, 2);
    answered.last_poster = Some("mod_ben".into());
    h.app.update(Msg::TopicsById {
        asked: vec![TopicId::from(12), TopicId::from(99)],
        result: Ok(vec![
            answered,
            topic_summary(99, "Wombat set-top box reboots", 1, 1),
        ]),
    });
    assert_eq!(h.visible_ids(), ["13", "99"]);
    assert_eq!(h.app.view().len(), 2, "the count is true: one in, one out");
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("+1 unanswered: Wombat set-top box"),
        "{screen}"
    );
    h.app.toasts.clear();
    let screen = h.screen(120, 40);
    assert!(screen.contains("leader_luca replying"), "{screen}");
    let effects = h.app.update(Msg::Live(vec![LiveEvent::TopicChanged {
        topic_id: TopicId::from(11),
        post_number: Some(3),
        reason: "created".into(),
    }]));
    assert_eq!(
        effects,
        vec![Effect::LoadTopic {
            id: TopicId::from(11),
            background: true
        }]
    );
}

#[test]
fn the_status_bar_never_claims_live_while_the_feed_waits() {
    let mut h = Harness::new(Role::Moderator);
    h.app.update(Msg::LiveState(LiveState::Live));
    assert!(h.screen(120, 40).contains("● live"));
    h.app.update(Msg::LiveState(LiveState::Waiting(
        "rate limited for 23s".into(),
    )));
    let screen = h.screen(120, 40);
    assert!(
        !screen.contains("● live") && screen.contains("○ waiting"),
        "{screen}"
    );
    // A tight budget shows, and a pause counts down.
    h.app.update(Msg::Budget(modterm::backend::Budget {
        scope: "this user API key".into(),
        per_minute: 20,
        used_minute: 17,
        per_day: Some(2880),
        used_day: 300,
        paused_for: None,
        waiting: 0,
        refused: 0,
    }));
    assert!(h.screen(120, 40).contains("api 17/20 per min"));
    h.app.update(Msg::Budget(modterm::backend::Budget {
        paused_for: Some(StdDuration::from_secs(23)),
        ..h.app.budget.clone()
    }));
    h.app
        .set_status("rate limited: try again in 23s", modterm::tui::Level::Error);
    assert!(h.screen(120, 40).contains("api paused 23s"));
    // The pause ends: the stale message goes with it.
    h.app.update(Msg::Budget(modterm::backend::Budget {
        paused_for: None,
        used_minute: 2,
        ..h.app.budget.clone()
    }));
    assert!(!h.screen(120, 40).contains("rate limited"));
}

// ---- the thread -----------------------------------------------------------------------------

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
    // The rank is the platform's word, not "TL1".
    assert!(screen.contains("(member · basic)"), "{screen}");
    insta::assert_snapshot!("thread_120x40", screen);
}

#[test]
fn a_huge_post_is_cut_with_a_line_that_says_so() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Enter);
    let mut big = topic();
    big.posts[1].body_html = format!("<p>{}</p>", "lorem ipsum ".repeat(500_000));
    h.app.update(Msg::Topic {
        id: TopicId::from(11),
        result: Ok(big),
    });
    let thread = h.app.thread.as_ref().unwrap();
    assert!(
        thread.rendered.lines.len() < 5_000,
        "{}",
        thread.rendered.lines.len()
    );
    let text: String = thread
        .rendered
        .lines
        .iter()
        .flat_map(|l| l.spans.iter().map(|s| s.content.to_string()))
        .collect();
    assert!(
        text.contains("post truncated: 5859 KB"),
        "{}",
        &text[text.len() - 200..]
    );
}

#[test]
fn urls_in_the_thread_become_osc8_hyperlinks_only_for_web_and_mail() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Enter);
    let mut linked = topic();
    linked.posts[1].body_html = "<p>See <a href=\"https://help.example.test/wifi\">the guide</a>, \
        <a href=\"javascript:alert(1)\">this</a>, <a href=\"file:///etc/passwd\">that</a>, \
        <a href=\"/t/other/5\">a topic</a> and <a href=\"mailto:help@example.test\">mail</a>.</p>"
        .into();
    h.app.update(Msg::Topic {
        id: TopicId::from(11),
        result: Ok(linked),
    });
    let screen = h.screen(120, 40);
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let links = modterm::tui::visible_hyperlinks(&h.app, area);
    let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://help.example.test/wifi",
            "http://127.0.0.1:9/t/other/5",
            "mailto:help@example.test"
        ]
    );
    for link in &links {
        // The hyperlink is printed exactly over the URL the frame shows.
        let row = screen.lines().nth(link.y as usize).unwrap();
        let shown: String = row
            .chars()
            .skip(link.x as usize)
            .take(link.text.chars().count())
            .collect();
        assert_eq!(shown, link.text);
    }
    assert!(
        !screen.contains("javascript:") && !screen.contains("file:///"),
        "{screen}"
    );
    let mut out = Vec::new();
    modterm::tui::write_hyperlinks(&mut out, &links).unwrap();
    let written = String::from_utf8(out).unwrap();
    assert!(written.contains("\u{1b}]8;;https://help.example.test/wifi\u{1b}\\"));
    // `o` copies links in turn: the hostile ones are not among them.
    h.key(KeyCode::Char('j'));
    let copied: Vec<Effect> = (0..3).flat_map(|_| h.key(KeyCode::Char('o'))).collect();
    assert_eq!(
        copied,
        vec![
            Effect::Copy("https://help.example.test/wifi".into()),
            Effect::Copy("http://127.0.0.1:9/t/other/5".into()),
            Effect::Copy("mailto:help@example.test".into()),
        ]
    );
    // A dialog over the pane: nothing is printed over it.
    h.key(KeyCode::Char('?'));
    assert!(modterm::tui::visible_hyperlinks(&h.app, area).is_empty());
}

#[test]
fn copying_a_link_cleans_a_hostile_name_first() {
    let mut hostile = topic_summary(11, "Router", 50, 1);
    hostile.slug = "x\u{1b}]0;pwned\u{7}".into();
    let mut h = Harness::with_topics(Role::Moderator, vec![hostile], None);
    let effects = h.key(KeyCode::Char('y'));
    let [Effect::Copy(text)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(text.starts_with("http://127.0.0.1:9/t/"), "{text}");
}

// ---- help, palette, message log --------------------------------------------------------------

#[test]
fn help_lists_the_panes_own_actions_first_and_scrolls() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('?'));
    let screen = h.screen(120, 40);
    // At 120x40 the thread help shows every moderation key of the thread.
    for key in [
        "r ", "Q ", "a ", "A ", "m ", "M ", "Space ", "b ", "p ", "V ",
    ] {
        assert!(
            screen.lines().any(|l| l.contains(&format!("║  {key}"))),
            "{key:?} missing:\n{screen}"
        );
    }
    let own = screen.find("thread · moderation").expect("grouped");
    let global = screen
        .find("everywhere · navigation")
        .expect("then everywhere");
    assert!(own < global);
    insta::assert_snapshot!("help_thread_120x40", screen);
    // It scrolls: j, Down, PageDown, End; and / searches it.
    for key in [
        KeyCode::Char('j'),
        KeyCode::Down,
        KeyCode::PageDown,
        KeyCode::End,
    ] {
        let before = h.screen(120, 40);
        h.key(key);
        assert!(h.app.overlay.is_some());
        assert_ne!(before, h.screen(120, 40), "{key:?} scrolls");
        h.key(KeyCode::Home);
    }
    h.key(KeyCode::Char('/'));
    h.chars("badge");
    let found = h.screen(120, 40);
    assert!(found.contains("Award a badge"), "{found}");
    assert!(!found.contains("Move down"), "{found}");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    assert!(h.app.overlay.is_none());
}

#[test]
fn palette_runs_an_action_by_fuzzy_name_and_shows_its_key() {
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
    h.key(KeyCode::Char(':'));
    h.chars("refr");
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("refresh") && screen.contains("R · Refresh"),
        "{screen}"
    );
}

#[test]
fn long_messages_are_never_cut_off_unread() {
    let mut h = Harness::new(Role::Moderator);
    h.app.set_status(
        "reply not sent, draft kept: rejected by the server: Body is too short (minimum is 20 characters)",
        modterm::tui::Level::Error,
    );
    let narrow = h.screen(80, 24);
    let bar = narrow.lines().nth(23).unwrap();
    assert!(bar.contains("g m"), "the bar says where the rest is: {bar}");
    h.keys("g m");
    assert!(matches!(h.app.overlay, Some(Overlay::Messages { .. })));
    let log = h.screen(80, 24);
    let flat: String = log
        .lines()
        .map(|l| l.trim_matches(|c| c == '║' || c == ' '))
        .collect();
    assert!(flat.contains("(minimum is 20 characters)"), "{log}");
    insta::assert_snapshot!("messages_80x24", log);
}

// ---- replying -------------------------------------------------------------------------------

#[test]
fn reply_flow_confirms_once_then_the_new_post_is_selected_and_accepting_it_is_one_key() {
    let mut h = Harness::new(Role::Moderator);
    h.app.update(Msg::LiveState(LiveState::Live));
    h.open_thread();
    h.key(KeyCode::Char('r'));
    assert_eq!(h.app.focus, Pane::Composer);
    let effects = h.paste("Try a 5 GHz channel.\nThen reboot the router and tell us.");
    assert!(effects.is_empty(), "drafts are written as effects, later");
    assert_eq!(
        h.app.composer.as_ref().unwrap().text(),
        "Try a 5 GHz channel.\nThen reboot the router and tell us.",
        "paste inserted whole, newline did not send"
    );
    // The live feed answers: the guard knows of new posts itself, no request.
    let effects = h.keys("C-x C-y");
    assert!(effects.is_empty(), "{effects:?}");
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("Post to «Router drops Wi-Fi every evening» to the topic"),
        "{screen}"
    );
    insta::assert_snapshot!("confirm_reply_120x40", screen);
    let effects = h.key(KeyCode::Char('y'));
    // The journal first (the draft marked as sending), then the write.
    let Some(Effect::SaveDraft(journal)) = effects.first() else {
        panic!("{effects:?}");
    };
    assert!(journal.pending_send.is_some());
    let (op, write) = Harness::write_of::<SendReply>(&effects);
    assert_eq!(write.topic_id, TopicId::from(11));
    let mut mine = post(103, 3, "mod_anna", "<p>Try a 5 GHz channel.</p>");
    mine.can_accept_answer = true;
    let effects = h.land(op, write, Ok(Sent::Posted(mine)));
    assert_eq!(
        effects,
        vec![Effect::DeleteDraft {
            site: "demo".into(),
            topic_id: TopicId::from(11)
        }]
    );
    assert!(h.app.composer.is_none());
    assert_eq!(h.app.focus, Pane::Thread);
    assert_eq!(
        h.app.selected_post().map(|p| p.post_number),
        Some(3),
        "the new post is selected"
    );
    assert!(
        !h.visible_ids().contains(&"11".to_string()),
        "answered: left the unanswered view"
    );
    // Accept it: one key, no dialog, and an undo.
    let effects = h.key(KeyCode::Char('a'));
    assert!(h.app.overlay.is_none());
    let (op, accept) = Harness::write_of::<SetSolution>(&effects);
    assert!(accept.accept && accept.post_id == 103);
    h.land(
        op,
        accept,
        Ok(SolutionChanged {
            post_id: PostId::from(103),
            accepted: true,
        }),
    );
    assert!(h.app.selected_post().unwrap().accepted_answer);
    assert!(h.screen(120, 40).contains("u undoes"));
    let effects = h.key(KeyCode::Char('u'));
    let (_, undo) = Harness::write_of::<SetSolution>(&effects);
    assert!(!undo.accept && undo.post_id == 103, "{undo:?}");
}

#[test]
fn the_composer_wraps_counts_and_refuses_too_short_replies() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('r'));
    h.chars("Thanks!");
    let screen = h.screen(120, 40);
    assert!(screen.contains("7/20+ chars"), "{screen}");
    let effects = h.keys("C-x C-y");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(h.app.overlay.is_none(), "refused before any dialog");
    assert!(
        h.status().contains("too short: 7 of at least 20"),
        "{}",
        h.status()
    );
    // A long line wraps instead of scrolling sideways.
    h.chars(" The router's firmware update from last week changed the default channel width, which explains the evening drops.");
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("evening drops."),
        "the end of the line is in sight:\n{screen}"
    );
}

#[test]
fn a_line_break_pasted_as_a_carriage_return_is_a_line_break() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('r'));
    // xterm, VTE and tmux send a pasted line break as CR; some programs paste CR LF.
    h.paste("First line.\rSecond line.\r\rThird line.\r\nFourth line.");
    assert_eq!(
        h.app.composer.as_ref().unwrap().text(),
        "First line.\nSecond line.\n\nThird line.\nFourth line."
    );
}

#[test]
fn drafts_are_written_as_debounced_effects() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('r'));
    assert!(h.chars("Half a reply").is_empty());
    assert!(
        h.app
            .update(Msg::Tick)
            .iter()
            .all(|e| !matches!(e, Effect::SaveDraft(_))),
        "not yet"
    );
    h.app.composer.as_mut().unwrap().draft_due = Some(Instant::now() - StdDuration::from_millis(1));
    let effects = h.app.update(Msg::Tick);
    let [Effect::SaveDraft(d)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(d.text, "Half a reply");
    assert_eq!(d.site, "demo", "keyed to the demo site, not its port");
    // Quitting writes what is due at once.
    h.chars(" and more");
    let effects = run(&mut h, "quit");
    assert!(
        matches!(effects.first(), Some(Effect::SaveDraft(d)) if d.text == "Half a reply and more"),
        "{effects:?}"
    );
    assert_eq!(effects.last(), Some(&Effect::Quit));
}

#[test]
fn a_failed_reply_keeps_the_draft_and_a_lost_answer_is_checked_first() {
    let mut h = Harness::new(Role::Moderator);
    h.app.update(Msg::LiveState(LiveState::Live));
    h.open_thread();
    h.key(KeyCode::Char('r'));
    h.paste("A reply long enough to be accepted.");
    run(&mut h, "send_reply");
    let (op, write) = Harness::write_of::<SendReply>(&h.key(KeyCode::Enter));
    let effects = h.land(
        op,
        write.clone(),
        Err(BackendError::Invalid(vec!["Body seems unclear".into()])),
    );
    let [Effect::SaveDraft(d)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(d.pending_send.is_none() && d.text == "A reply long enough to be accepted.");
    assert!(h.status().contains("draft kept") && h.status().contains("Body seems unclear"));
    assert!(h.app.composer.as_ref().unwrap().editable());
    // No answer at all: it may be on the server. Ask before offering the draft again.
    run(&mut h, "send_reply");
    let (op, write) = Harness::write_of::<SendReply>(&h.key(KeyCode::Enter));
    let effects = h.land(
        op,
        write,
        Err(BackendError::Network("the connection dropped".into())),
    );
    assert_eq!(
        effects,
        vec![Effect::CheckSent {
            topic_id: TopicId::from(11),
            raw: "A reply long enough to be accepted.".into()
        }]
    );
    assert!(
        !h.app.composer.as_ref().unwrap().editable(),
        "locked until the server says"
    );
    assert!(run(&mut h, "send_reply").is_empty());
    // It was posted: the draft goes, nothing is offered twice.
    let effects = h.app.update(Msg::SentCheck {
        topic_id: TopicId::from(11),
        result: Ok(Some(post(
            103,
            3,
            "mod_anna",
            "<p>A reply long enough to be accepted.</p>",
        ))),
    });
    assert_eq!(
        effects,
        vec![Effect::DeleteDraft {
            site: "demo".into(),
            topic_id: TopicId::from(11)
        }]
    );
    assert!(h.app.composer.is_none());
    assert!(h.status().contains("already posted"), "{}", h.status());
}

#[test]
fn a_composer_opened_before_the_thread_loads_takes_no_old_post_for_new() {
    let mut h = Harness::new(Role::Moderator);
    // `Enter` then `r` at once: the composer opens while the topic is still on its way.
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('r'));
    assert!(h.app.composer.is_some());
    h.app.update(Msg::Topic {
        id: TopicId::from(11),
        result: Ok(topic()),
    });
    h.paste("Have you tried another channel yet?");
    let effects = run(&mut h, "send_reply");
    assert_eq!(effects, vec![Effect::CheckBeforeSend(TopicId::from(11))]);
    // The topic as it was when it loaded: its reply #2 is not news.
    h.app.update(Msg::SendCheck {
        topic_id: TopicId::from(11),
        result: Ok((topic(), vec![])),
    });
    assert!(
        matches!(h.app.overlay, Some(Overlay::Confirm { .. })),
        "straight to the confirmation, no stale-reply warning"
    );
}

#[test]
fn stale_reply_guard_asks_and_keeps_the_draft() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('r'));
    h.paste("Have you tried another channel yet?");
    // Without a live feed the guard looks at the topic once.
    let effects = run(&mut h, "send_reply");
    assert_eq!(effects, vec![Effect::CheckBeforeSend(TopicId::from(11))]);
    let mut now_topic = topic();
    now_topic.posts.push(post(
        104,
        3,
        "leader_luca",
        "<p>Channel 11 fixed it for me.</p>",
    ));
    let effects = h.app.update(Msg::SendCheck {
        topic_id: TopicId::from(11),
        result: Ok((now_topic, vec!["helper_hugo".into(), "mod_anna".into()])),
    });
    assert!(effects.is_empty());
    assert!(matches!(h.app.overlay, Some(Overlay::Stale { .. })));
    let screen = h.screen(120, 40);
    assert!(screen.contains("#3 by leader_luca"), "{screen}");
    assert!(screen.contains("replying now: helper_hugo"), "{screen}");
    assert!(
        !screen.contains("helper_hugo, mod_anna"),
        "never lists oneself"
    );
    // Keep as draft: nothing is sent, the text goes to disk.
    let effects = h.key(KeyCode::Char('d'));
    let [Effect::SaveDraft(d)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(d.text, "Have you tried another channel yet?");
    assert!(h.app.composer.is_none());
}

#[test]
fn a_changed_edit_asks_before_esc_throws_it_away() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    let open_edit = |h: &mut Harness| {
        let effects = h.key(KeyCode::Char('e'));
        let [Effect::LoadPostSource(post_id)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        let post_id = post_id.clone();
        h.app.update(Msg::PostSource {
            post_id,
            result: Ok("The router needs a reset.".into()),
        });
        assert!(h.app.composer.as_ref().is_some_and(|c| c.editing.is_some()));
    };
    // Unchanged, one Esc closes it: nothing would be lost.
    open_edit(&mut h);
    h.key(KeyCode::Esc);
    assert!(h.app.composer.is_none(), "{}", h.status());
    // Changed, the first Esc asks and keeps the text.
    open_edit(&mut h);
    h.chars(" Hold the button ten seconds.");
    let effects = h.key(KeyCode::Esc);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(h.app.composer.is_some(), "the edit is still open");
    assert!(h.status().contains("Esc again discards"), "{}", h.status());
    // Typing more means the next Esc asks again.
    h.chars("!");
    h.key(KeyCode::Esc);
    assert!(h.app.composer.is_some(), "asked again after a change");
    let effects = h.key(KeyCode::Esc);
    assert!(
        effects.is_empty(),
        "an edit has no draft to save: {effects:?}"
    );
    assert!(h.app.composer.is_none());
    assert!(h.status().contains("edit discarded"), "{}", h.status());
    // Ctrl-C asks once too, then gets out.
    open_edit(&mut h);
    h.chars(" Then wait.");
    assert!(h
        .key_mod(KeyCode::Char('c'), KeyModifiers::CONTROL)
        .is_empty());
    assert!(h.app.exit.is_none(), "{}", h.status());
    let effects = h.key_mod(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(effects.last(), Some(&Effect::Quit));
}

// ---- moderation flows -----------------------------------------------------------------------

#[test]
fn rights_gate_the_actions() {
    // A member may not move or award: the keys explain and nothing is sent.
    let mut h = Harness::new(Role::Member);
    h.open_thread();
    assert!(h.key(KeyCode::Char('b')).is_empty());
    assert!(h.status().contains("only staff"));
    // A leader may move posts but not award badges.
    let mut h = Harness::new(Role::Leader);
    h.open_thread();
    h.key(KeyCode::Char('m'));
    assert!(matches!(h.app.overlay, Some(Overlay::Picker(_))));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('b'));
    assert!(h.app.overlay.is_none());
}

#[test]
fn accept_needs_the_servers_permission_on_the_post() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    // Post #1 cannot be accepted: explained, nothing sent.
    assert!(h.key(KeyCode::Char('a')).is_empty());
    assert!(h.status().contains("opening post"), "{}", h.status());
    h.key(KeyCode::Char('j'));
    let effects = h.key(KeyCode::Char('a'));
    let (_, w) = Harness::write_of::<SetSolution>(&effects);
    assert!(w.accept && w.post_id == 102);
}

#[test]
fn move_posts_offers_a_new_topic_from_the_typed_title_in_the_source_category() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('V'));
    h.key(KeyCode::Char('m'));
    h.chars("Channel width");
    let screen = h.screen(120, 40);
    assert!(screen.contains("▶ New topic: «Channel width»"), "{screen}");
    insta::assert_snapshot!("move_posts_picker_120x40", screen);
    // Too short for the site: asked again, with the reason.
    h.key(KeyCode::Enter);
    assert!(matches!(h.app.overlay, Some(Overlay::Prompt(_))));
    assert!(h.screen(120, 40).contains("at least 15 characters"));
    h.chars(" and evening drops");
    h.key(KeyCode::Enter);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("Move 1 post(s) (#2) out of «Router drops Wi-Fi every evening»"),
        "{screen}"
    );
    assert!(
        screen.contains("in Broadband & Wi-Fi"),
        "the source's category, not the first: {screen}"
    );
    let (_, w) = Harness::write_of::<MovePosts>(&h.key(KeyCode::Char('y')));
    assert_eq!(
        w.to,
        MoveDestination::NewTopic {
            title: "Channel width and evening drops".into(),
            category_id: Some(CategoryId::from(1)),
        }
    );
    assert_eq!(w.posts, [PostId::from(102)]);
}

#[test]
fn move_topic_never_offers_its_own_category_and_runs_at_once_with_an_undo() {
    let mut h = Harness::new(Role::Moderator);
    h.key(KeyCode::Char('m'));
    let Some(Overlay::Picker(p)) = &h.app.overlay else {
        panic!("picker");
    };
    let labels: Vec<&str> = p.items.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(
        labels,
        ["Billing", "Mobile"],
        "not Broadband & Wi-Fi, where it is"
    );
    h.chars("mob");
    let effects = h.key(KeyCode::Enter);
    let (op, w) = Harness::write_of::<MoveTopic>(&effects);
    assert_eq!(w.category_id, CategoryId::from(3));
    assert!(h.app.overlay.is_none(), "reversible: no confirmation");
    h.land(
        op,
        w,
        Ok(modterm::actions::move_topic::TopicMoved {
            topic_id: TopicId::from(11),
            category_id: CategoryId::from(3),
        }),
    );
    assert!(h.screen(120, 40).contains("u undoes"));
    let (_, back) = Harness::write_of::<MoveTopic>(&h.key(KeyCode::Char('u')));
    assert_eq!(back.category_id, CategoryId::from(1));
    // Recently used comes first next time.
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('m'));
    let Some(Overlay::Picker(p)) = &h.app.overlay else {
        panic!("picker");
    };
    assert_eq!(p.items[0].label, "Mobile");
}

#[test]
fn badges_start_unchosen_and_held_ones_are_not_offered() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('j'));
    let effects = h.key(KeyCode::Char('b'));
    assert!(effects.contains(&Effect::LoadBadges));
    assert!(effects.contains(&Effect::LoadBoard {
        username: "helper_hugo".into(),
        parts: vec![BoardPart::Badges]
    }));
    h.app.update(Msg::Badges(Ok(vec![
        badge(1, "Great Answer", BadgeType::Gold, false),
        badge(2, "Helpful", BadgeType::Silver, false),
        badge(3, "Thanks", BadgeType::Bronze, true),
    ])));
    // Enter on an untouched picker grants nothing.
    assert!(h.key(KeyCode::Enter).is_empty());
    assert!(matches!(h.app.overlay, Some(Overlay::Picker(_))));
    // The member's badges arrive: a once-only badge held is shown, not offered.
    h.app.update(Msg::BoardPart {
        username: "helper_hugo".into(),
        part: BoardPart::Badges,
        result: Ok(BoardData::Badges(vec![GrantedBadge {
            badge: badge(2, "Helpful", BadgeType::Silver, false),
            granted_at: now() - Duration::days(3),
            granted_by: Some("mod_ben".into()),
            topic_id: None,
            post_number: None,
            count: 1,
        }])),
    });
    let screen = h.screen(120, 40);
    assert!(screen.contains("held · silver"), "{screen}");
    insta::assert_snapshot!("badge_picker_120x40", screen);
    h.chars("helpful");
    assert!(h.key(KeyCode::Enter).is_empty());
    assert!(h.status().contains("holds it already"), "{}", h.status());
    h.key_mod(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.chars("thanks");
    h.key(KeyCode::Enter);
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("Award «Thanks» (bronze) to helper_hugo"),
        "{screen}"
    );
    let (_, w) = Harness::write_of::<AwardBadge>(&h.key(KeyCode::Char('y')));
    assert_eq!(w.award.badge_id, BadgeId::from(3));
    assert_eq!(
        w.award.reason.as_deref(),
        Some("http://127.0.0.1:9/t/router-drops-wi-fi-every-evening/11/2")
    );
}

#[test]
fn an_award_on_ones_own_post_goes_to_the_member_who_asked() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    let mut t = topic();
    t.posts.push(post(103, 3, "mod_anna", "<p>my answer</p>"));
    h.app.update(Msg::Topic {
        id: TopicId::from(11),
        result: Ok(t),
    });
    h.key(KeyCode::Char('G'));
    assert_eq!(h.app.selected_post().unwrap().author.username, "mod_anna");
    let effects = h.key(KeyCode::Char('b'));
    assert!(
        effects.contains(&Effect::LoadBoard {
            username: "member11".into(),
            parts: vec![BoardPart::Badges]
        }),
        "{effects:?}"
    );
}

/// The labels of the open picker's items, in its order.
fn picker_labels(h: &Harness) -> Vec<String> {
    let Some(Overlay::Picker(p)) = &h.app.overlay else {
        panic!("no picker: {:?}", h.app.overlay);
    };
    p.items.iter().map(|i| i.label.clone()).collect()
}

/// Types a badge's name in the open picker, picks it and confirms: the write that is sent.
fn pick_and_confirm_badge(h: &mut Harness, name: &str) -> (u64, AwardBadge) {
    h.chars(name);
    h.key(KeyCode::Enter);
    let screen = h.screen(120, 40);
    assert!(screen.contains(&format!("Award «{name}»")), "{screen}");
    Harness::write_of::<AwardBadge>(&h.key(KeyCode::Char('y')))
}

#[test]
fn the_badge_picker_lists_recently_awarded_badges_first() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('b'));
    let catalogue = vec![
        badge(1, "Great Answer", BadgeType::Gold, false),
        badge(2, "Helpful", BadgeType::Silver, false),
        badge(3, "Thanks", BadgeType::Bronze, true),
    ];
    h.app.update(Msg::Badges(Ok(catalogue.clone())));
    // Nothing used yet: gold first.
    assert_eq!(picker_labels(&h), ["Great Answer", "Helpful", "Thanks"]);
    let grant = |b: &Badge| BadgeGrant {
        grant: GrantedBadge {
            badge: b.clone(),
            granted_at: now(),
            granted_by: Some("mod_anna".into()),
            topic_id: None,
            post_number: None,
            count: 1,
        },
        outcome: GrantOutcome::Granted,
    };
    let (op, w) = pick_and_confirm_badge(&mut h, "Thanks");
    h.land(op, w, Ok(grant(&catalogue[2])));
    assert!(
        h.status().contains("awarded Thanks to helper_hugo"),
        "{}",
        h.status()
    );
    // Reopened: the badge just awarded comes first.
    h.key(KeyCode::Char('b'));
    assert_eq!(picker_labels(&h), ["Thanks", "Great Answer", "Helpful"]);
    // The latest use leads.
    let (op, w) = pick_and_confirm_badge(&mut h, "Helpful");
    h.land(op, w, Ok(grant(&catalogue[1])));
    h.key(KeyCode::Char('b'));
    assert_eq!(picker_labels(&h), ["Helpful", "Thanks", "Great Answer"]);
    // As it is shown, untyped.
    let Some(Overlay::Picker(p)) = &h.app.overlay else {
        panic!("no picker");
    };
    let shown: Vec<String> = p.matches().into_iter().map(|i| i.label).collect();
    assert_eq!(shown, ["Helpful", "Thanks", "Great Answer"]);
}

/// The bug of issue 16: a badge picked before the member's badges arrived, that the member
/// already held, said "awarded" while the server granted nothing. The outcome now comes from
/// the server's answer (here the real adapter's, against the sandbox), whatever the console
/// knew of the member's badges.
#[tokio::test]
async fn an_award_before_the_members_badges_load_says_when_the_server_granted_nothing() {
    let sb = common::start().await;
    let adapter = || {
        Discourse::new(DiscourseOptions::new(
            sb.url.clone(),
            Credentials::ApiKey {
                key: common::KEY.into(),
                username: "mod_anna".into(),
            },
        ))
        .expect("adapter")
    };
    // What the test needs to know, asked by an adapter of its own: the console's has read
    // nothing of mia's badges.
    let probe = adapter();
    let catalogue = probe.badges().await.expect("catalogue");
    let held = match probe.board_part("member_mia", BoardPart::Badges).await {
        Ok(BoardData::Badges(b)) => b,
        other => panic!("{other:?}"),
    };
    let once = catalogue
        .iter()
        .find(|b| {
            b.manually_grantable
                && b.enabled
                && !b.multiple_grant
                && !held.iter().any(|g| g.badge.id == b.id)
        })
        .expect("a once-only badge mia does not hold")
        .name
        .clone();

    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    let mut t = topic();
    t.posts.push(post(103, 3, "member_mia", "<p>fixed</p>"));
    h.app.update(Msg::Topic {
        id: TopicId::from(11),
        result: Ok(t),
    });
    h.key(KeyCode::Char('G'));
    assert_eq!(h.app.selected_post().unwrap().author.username, "member_mia");
    let effects = h.key(KeyCode::Char('b'));
    assert!(
        effects.contains(&Effect::LoadBoard {
            username: "member_mia".into(),
            parts: vec![BoardPart::Badges]
        }),
        "{effects:?}"
    );
    // The catalogue arrives; the member's badges never do (that load is not answered here).
    h.app.update(Msg::Badges(Ok(catalogue.clone())));
    let Some(Overlay::Picker(p)) = &h.app.overlay else {
        panic!("no picker: {:?}", h.app.overlay);
    };
    assert!(
        p.items
            .iter()
            .all(|i| i.unavailable.is_none() && i.detail.contains("checking who holds it")),
        "the picker does not know what mia holds"
    );

    // Sends the confirmed award to the sandbox and lands the adapter's answer. The harness's
    // topic lives on a made-up site, so its link means nothing to the sandbox: no reason.
    async fn award(h: &mut Harness, backend: &dyn Backend, name: &str) -> String {
        let (op, mut w) = pick_and_confirm_badge(h, name);
        w.award.reason = None;
        let answer = w.send(backend).await;
        h.land(op, w, answer);
        h.status()
    }

    let anna = adapter();
    // A badge she held before the award (seeded): the server granted nothing.
    let status = award(&mut h, &anna, "Helpful Hero").await;
    assert_eq!(
        status,
        "server granted nothing: member_mia already holds Helpful Hero"
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("server granted nothing"), "{screen}");
    assert!(!screen.contains("awarded"), "{screen}");

    // A once-only badge she did not hold: awarded; the same again: nothing.
    h.key(KeyCode::Char('b'));
    let status = award(&mut h, &anna, &once).await;
    assert_eq!(status, format!("awarded {once} to member_mia"));
    h.key(KeyCode::Char('b'));
    let status = award(&mut h, &anna, &once).await;
    assert_eq!(
        status,
        format!("server granted nothing: member_mia already holds {once}")
    );
    // The server holds the one grant.
    let (_, raw) = sb.get("/user-badges/member_mia.json", None).await;
    let id = &catalogue.iter().find(|b| b.name == once).unwrap().id;
    let grants = raw["user_badges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ub| *id == ub["badge_id"].as_u64().unwrap())
        .count();
    assert_eq!(grants, 1, "{raw}");
}

// ---- the profile board ----------------------------------------------------------------------

fn member() -> Member {
    Member {
        id: UserId::from(11),
        username: "member11".into(),
        name: Some("Mia Member".into()),
        title: Some("Fibre whisperer".into()),
        role: Role::Member,
        rank: Some("member".into()),
        created_at: Some(now() - Duration::days(400)),
        last_seen_at: Some(now() - Duration::minutes(3)),
        last_posted_at: Some(now() - Duration::minutes(50)),
        primary_group: Some("helpers".into()),
        badge_count: 3,
        suspended_till: None,
        silenced_till: None,
        profile_url: format!("{SITE}/u/member11"),
    }
}

#[test]
fn profile_board_loads_what_it_shows_and_chat_on_demand() {
    let mut h = Harness::new(Role::Moderator);
    h.open_thread();
    let effects = h.key(KeyCode::Char('p'));
    // The badge catalogue comes with the board when this account may award (so `b` on the
    // board costs no wait); the board itself is one effect.
    let boards: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::LoadBoard { .. }))
        .collect();
    let [Effect::LoadBoard { username, parts }] = boards.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(effects
        .iter()
        .all(|e| matches!(e, Effect::LoadBoard { .. } | Effect::LoadBadges)));
    assert_eq!(username, "member11");
    assert!(
        !parts.contains(&BoardPart::Chat),
        "chat reads every channel: on demand"
    );
    assert!(!parts.contains(&BoardPart::PendingReviews));
    h.app.update(Msg::BoardPart {
        username: "member11".into(),
        part: BoardPart::Identity,
        result: Ok(BoardData::Identity(member())),
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
        part: BoardPart::Stats,
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
    assert!(screen.contains("stats: failed"), "{screen}");
    assert!(screen.contains("chat: not loaded"), "{screen}");
    insta::assert_snapshot!("profile_partial_120x40", screen);
    // Cycling to the chat channel loads it.
    let mut loaded = Vec::new();
    for _ in 0..4 {
        loaded.extend(h.key(KeyCode::Char('c')));
    }
    assert_eq!(
        loaded,
        vec![Effect::LoadBoard {
            username: "member11".into(),
            parts: vec![BoardPart::Chat]
        }]
    );
}

/// A board with every part loaded.
fn full_board(h: &mut Harness) {
    let user = "member11";
    let at = |minutes: i64| now() - Duration::minutes(minutes);
    let activity = |channel, minutes, action: &str, title: &str| Activity {
        channel,
        at: at(minutes),
        action: action.into(),
        title: title.into(),
        excerpt: "short excerpt".into(),
        topic_id: Some(TopicId::from(11)),
        post_number: Some(2),
    };
    let granted = |id: u64, name: &str, kind| GrantedBadge {
        badge: badge(id, name, kind, false),
        granted_at: at(600 * id as i64),
        granted_by: Some("mod_anna".into()),
        topic_id: Some(TopicId::from(11)),
        post_number: Some(2),
        count: 1,
    };
    let parts = vec![
        (BoardPart::Identity, BoardData::Identity(member())),
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
                likes_rank: None,
            }),
        ),
        (
            BoardPart::Badges,
            BoardData::Badges(vec![
                granted(1, "Great Answer", BadgeType::Gold),
                granted(2, "Helpful", BadgeType::Silver),
                granted(3, "First Reply", BadgeType::Bronze),
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
                counts_unavailable: None,
            }),
        ),
        (BoardPart::PendingReviews, BoardData::Reviews(vec![])),
    ];
    for (part, data) in parts {
        h.app.update(Msg::BoardPart {
            username: user.into(),
            part,
            result: Ok(data),
        });
    }
    h.app.update(Msg::BoardPart {
        username: user.into(),
        part: BoardPart::LinkedChannels,
        result: Err(BackendError::Unsupported("no social channels".into())),
    });
}

#[test]
fn full_profile_board_at_120x40_and_80x24() {
    let mut h = Harness::new(Role::Admin);
    h.open_thread();
    h.key(KeyCode::Char('p'));
    full_board(&mut h);
    h.key(KeyCode::Char('z'));
    let wide = h.screen(120, 40);
    assert!(wide.contains("★ 128 stars"), "{wide}");
    assert!(wide.contains("Great Answer"));
    assert!(wide.contains("linked: twitter: mia_on_x"), "{wide}");
    assert!(
        !wide.contains("social channels"),
        "a part the platform lacks is not shown"
    );
    // The timeline is merged across channels, newest first.
    let chat = wide.find("#general").unwrap();
    let pm = wide.find("About my contract").unwrap();
    let forum = wide.find("Router drops Wi-Fi").unwrap();
    assert!(chat < pm && pm < forum, "{wide}");
    insta::assert_snapshot!("profile_full_120x40", wide);
    let narrow = h.screen(80, 24);
    assert!(narrow.contains("★ 128 stars"), "{narrow}");
    insta::assert_snapshot!("profile_full_80x24", narrow);
    run(&mut h, "board_channel");
    let filtered = h.screen(120, 40);
    assert!(filtered.contains("Timeline · forum"), "{filtered}");
    assert!(!filtered.contains("#general"));
}

// ---- robustness -----------------------------------------------------------------------------

/// The first arrow key in a popup once ended the console. Every overlay, every navigation key,
/// at three sizes, and the selection still moves.
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
    let openers: [Opener; 5] = [
        ("help", |h| {
            h.key(KeyCode::Char('?'));
        }),
        ("palette", |h| {
            h.key(KeyCode::Char(':'));
        }),
        ("move topic", |h| {
            h.key(KeyCode::Char('m'));
        }),
        ("badge picker", |h| {
            h.open_thread();
            h.key(KeyCode::Char('j'));
            h.key(KeyCode::Char('b'));
            h.app.update(Msg::Badges(Ok((1..=4)
                .map(|i| badge(i, &format!("Badge {i}"), BadgeType::Bronze, false))
                .collect())));
        }),
        ("messages", |h| {
            h.app.set_status("one", modterm::tui::Level::Info);
            h.app.set_status("two", modterm::tui::Level::Info);
            h.keys("g m");
        }),
    ];
    for (name, open) in openers {
        for size in [(120, 40), (80, 24), (20, 6)] {
            let mut h = Harness::new(Role::Moderator);
            open(&mut h);
            assert!(h.app.overlay.is_some(), "{name} did not open");
            h.screen(size.0, size.1);
            let selected = |h: &Harness| match &h.app.overlay {
                Some(Overlay::Palette { selected, .. }) => Some(*selected),
                Some(Overlay::Picker(p)) => Some(p.selected),
                _ => None,
            };
            let before = selected(&h);
            h.key(KeyCode::Down);
            if let Some(before) = before {
                if name != "badge picker" {
                    assert_eq!(selected(&h), Some(before + 1), "{name}: Down moves");
                }
            }
            for (code, modifiers) in nav {
                h.key_mod(code, modifiers);
                assert!(
                    h.app.overlay.is_some(),
                    "{name}: {code:?} closed the overlay"
                );
                assert!(h.app.exit.is_none(), "{name}: {code:?} quit");
                h.screen(size.0, size.1);
            }
            h.key(KeyCode::Esc);
            assert!(h.app.overlay.is_none(), "{name}: Esc closes");
        }
    }
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
    assert!(h.app.exit.is_none());
    let _ = ActionKind::Quit;
}

/// The scroll-region path gives exactly the screen a full repaint gives: the queue spans the
/// width, the list scrolls a row at a time, a page at a time and back, and every frame on the
/// reused, shifted screen matches a fresh terminal's.
#[test]
fn a_scrolled_queue_is_the_same_screen_as_a_full_repaint() {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    let topics = (0..200)
        .map(|i| topic_summary(100 + i, &format!("Topic number {i}"), 500 - i as i64, 1))
        .collect();
    let mut h = Harness::with_topics(Role::Moderator, topics, None);
    h.app.resize(120, 30);
    let mut reused = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let mut scroller = modterm::tui::Scroller::default();
    let frame =
        |h: &Harness, reused: &mut Terminal<TestBackend>, scroller: &mut modterm::tui::Scroller| {
            scroller.before_draw(reused, &h.app).unwrap();
            let done = reused
                .draw(|f| modterm::tui::draw(f, &h.app))
                .unwrap()
                .buffer
                .clone();
            scroller.after_draw(&done, &h.app);
            let mut fresh = Terminal::new(TestBackend::new(120, 30)).unwrap();
            fresh.draw(|f| modterm::tui::draw(f, &h.app)).unwrap();
            assert_eq!(
                reused.backend().buffer(),
                fresh.backend().buffer(),
                "the reused screen differs at offset {}",
                h.app.view().offset
            );
        };
    frame(&h, &mut reused, &mut scroller);
    let keys = [KeyCode::Char('j'); 40]
        .into_iter()
        .chain([KeyCode::PageDown, KeyCode::PageDown, KeyCode::PageUp])
        .chain([KeyCode::Char('k'); 30]);
    let mut scrolled = false;
    for key in keys {
        let before = h.app.view().offset;
        h.key(key);
        scrolled |= h.app.view().offset != before;
        frame(&h, &mut reused, &mut scroller);
    }
    assert!(scrolled, "the list scrolled");
    assert!(
        scroller.scrolls() >= 10,
        "scrolls through the region: {}",
        scroller.scrolls()
    );
}

#[test]
fn a_saved_search_is_a_view_of_what_it_finds() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = modterm::tui::App::new(modterm::tui::AppConfig {
        username: "mod_anna".into(),
        theme: modterm::config::Theme::plain(),
        keymap: modterm::config::Keymap::builtin("default").unwrap(),
        targets: modterm::clock::Targets::default(),
        saved_views: vec![modterm::config::SavedView {
            name: "refunds".into(),
            base: "latest".into(),
            category: None,
            tags: vec![],
            status: None,
            order: None,
            search: Some("refund status:open".into()),
        }],
        drafts: modterm::drafts::DraftStore::new(dir.path().join("drafts")),
    });
    app.site = site();
    let tab = app
        .views
        .iter()
        .position(|v| v.name == "refunds")
        .expect("the saved search's tab");
    assert!(app.views[tab].search.is_some());
    let effects = app.update(Msg::Run(Action::parse("view refunds").unwrap()));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Search { query, .. } if query.text == "refund status:open"
        )),
        "{effects:?}"
    );
}

#[test]
fn a_platform_without_a_review_queue_has_no_review_tab_and_5_says_why() {
    let mut h = Harness::new(Role::Moderator);
    assert!(h.app.views.iter().any(|v| v.name == "review"));
    let mut khoros_like = site();
    khoros_like.features.review_queue =
        Feature::missing("the Khoros moderation queue has no REST API modterm uses");
    h.app.set_site(khoros_like);
    assert!(
        !h.app.views.iter().any(|v| v.name == "review"),
        "not offered where the platform lacks it"
    );
    let effects = h.key(KeyCode::Char('5'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(h.status().contains("no REST API"), "{}", h.status());
}

#[test]
fn a_bump_of_a_topic_no_unanswered_view_holds_costs_no_request() {
    let mut h = Harness::new(Role::Moderator);
    // Only the unanswered view is loaded: a post in a topic it does not hold cannot bring
    // that topic in (it has answers), so the bump is not read.
    let effects = h.app.update(Msg::Live(vec![LiveEvent::TopicListChanged {
        topic_id: Some(TopicId::from(777)),
        reason: "latest".into(),
    }]));
    assert!(effects.is_empty(), "{effects:?}");
    // A new topic is read, and its second message a moment later is not read again.
    let effects = h.app.update(Msg::Live(vec![LiveEvent::TopicListChanged {
        topic_id: Some(TopicId::from(99)),
        reason: "new_topic".into(),
    }]));
    assert_eq!(
        effects,
        vec![Effect::LoadTopicsById(vec![TopicId::from(99)])]
    );
    h.app.update(Msg::TopicsById {
        asked: vec![TopicId::from(99)],
        result: Ok(vec![topic_summary(99, "Wombat set-top box reboots", 1, 1)]),
    });
    let effects = h.app.update(Msg::Live(vec![LiveEvent::TopicListChanged {
        topic_id: Some(TopicId::from(99)),
        reason: "latest".into(),
    }]));
    assert!(
        effects.is_empty(),
        "the same change, read already: {effects:?}"
    );
    // A bump of a topic the view holds is read (it may have been answered).
    let effects = h.app.update(Msg::Live(vec![LiveEvent::TopicListChanged {
        topic_id: Some(TopicId::from(12)),
        reason: "latest".into(),
    }]));
    assert_eq!(
        effects,
        vec![Effect::LoadTopicsById(vec![TopicId::from(12)])]
    );
    // With a view of answered topics loaded, a bump of any topic is read.
    h.key(KeyCode::Char('3'));
    let generation = h.app.views[2].generation;
    h.app.update(Msg::Topics {
        view: 2,
        generation,
        first_page: true,
        result: Ok(TopicPage {
            topics: vec![topic_summary(12, "Bill shows a roaming charge", 32, 2)],
            next: None,
            per_page: 30,
        }),
    });
    let effects = h.app.update(Msg::Live(vec![LiveEvent::TopicListChanged {
        topic_id: Some(TopicId::from(778)),
        reason: "latest".into(),
    }]));
    assert_eq!(
        effects,
        vec![Effect::LoadTopicsById(vec![TopicId::from(778)])]
    );
}
