//! The console's state, driven without a terminal: a demo-shaped `App` fed key events and
//! backend results, drawn into ratatui's `TestBackend` with the colourless theme. Shared by the
//! screen tests and the random-key property tests.

#![allow(dead_code)]

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use modterm::actions::write::{Landing, Lands};
use modterm::backend::Result;
use modterm::clock::Targets;
use modterm::config::{Keymap, Theme};
use modterm::domain::*;
use modterm::drafts::DraftStore;
use modterm::tui::{App, AppConfig, Effect, Msg};

pub const SITE: &str = "http://127.0.0.1:9";

pub fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

pub fn account(role: Role) -> Account {
    Account {
        id: UserId::from(2),
        username: "mod_anna".into(),
        name: Some("Anna".into()),
        role,
        rank: Some("leader".into()),
        capabilities: modterm::backend::discourse::capabilities_for_role(role),
    }
}

pub fn category(id: u64, name: &str, slug: &str) -> Category {
    Category {
        id: CategoryId::from(id),
        name: name.into(),
        slug: slug.into(),
        color: None,
        parent_id: None,
        topic_count: 3,
        description: None,
    }
}

pub fn topic_summary(id: u64, title: &str, minutes_ago: i64, posts: u32) -> TopicSummary {
    TopicSummary {
        id: TopicId::from(id),
        title: title.into(),
        slug: title.to_lowercase().replace(' ', "-"),
        category_id: Some(CategoryId::from(1)),
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

pub fn post(id: u64, number: u32, user: &str, html: &str) -> Post {
    Post {
        id: PostId::from(id),
        topic_id: TopicId::from(11),
        post_number: number,
        author: PostAuthor {
            id: Some(UserId::from(id)),
            username: user.into(),
            name: None,
            role: Role::Member,
            rank: Some("basic".into()),
            title: None,
        },
        created_at: now() - Duration::minutes(50 - number as i64),
        body_html: html.into(),
        raw: None,
        kind: PostKind::Regular,
        like_count: 0,
        reply_to_post_number: None,
        accepted_answer: false,
        can_accept_answer: number > 1,
        can_unaccept_answer: false,
    }
}

/// Topic 11: the member's question and one helper's answer.
pub fn topic() -> Topic {
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
        url: format!("{SITE}/t/router-drops-wi-fi/11"),
    }
}

pub fn badge(id: u64, name: &str, kind: BadgeType, multiple: bool) -> Badge {
    Badge {
        id: BadgeId::from(id),
        name: name.into(),
        description: format!("for {name}"),
        badge_type: kind,
        grant_count: 3,
        manually_grantable: true,
        multiple_grant: multiple,
        enabled: true,
    }
}

pub fn site() -> SiteInfo {
    modterm::backend::discourse::site_info(SITE, "demo community".into())
}

pub struct Harness {
    pub app: App,
    pub dir: tempfile::TempDir,
}

impl Harness {
    /// A moderator's console on the demo site, its unanswered view holding three topics
    /// (oldest first: 11 waited 50 minutes, 12 32 minutes, 13 5 minutes).
    pub fn new(role: Role) -> Harness {
        Harness::with_topics(
            role,
            vec![
                topic_summary(11, "Router drops Wi-Fi every evening", 50, 1),
                topic_summary(12, "Bill shows a roaming charge", 32, 1),
                topic_summary(13, "eSIM transfer stuck", 5, 1),
            ],
            None,
        )
    }

    pub fn with_topics(role: Role, topics: Vec<TopicSummary>, next: Option<PageToken>) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let config = AppConfig {
            username: "mod_anna".into(),
            theme: Theme::plain(),
            keymap: Keymap::builtin("default").unwrap(),
            targets: Targets::default(),
            saved_views: vec![],
            drafts: DraftStore::new(dir.path().join("drafts")),
        };
        let mut app = App::new(config);
        app.now = now();
        app.site = site();
        app.draft_site = "demo".into();
        app.resize(120, 40);
        let _ = app.init();
        app.update(Msg::Account(Ok(account(role))));
        app.update(Msg::Categories(Ok(vec![
            category(1, "Broadband & Wi-Fi", "broadband"),
            category(2, "Billing", "billing"),
            category(3, "Mobile", "mobile"),
        ])));
        let generation = app.views[0].generation;
        app.update(Msg::Topics {
            view: 0,
            generation,
            first_page: true,
            result: Ok(TopicPage {
                topics,
                next,
                per_page: 30,
            }),
        });
        Harness { app, dir }
    }

    pub fn key(&mut self, code: KeyCode) -> Vec<Effect> {
        self.key_mod(code, KeyModifiers::NONE)
    }

    pub fn key_mod(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
        self.app
            .update(Msg::Term(Event::Key(KeyEvent::new(code, modifiers))))
    }

    /// Types each character as a key.
    pub fn chars(&mut self, text: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        for c in text.chars() {
            effects.extend(self.key(KeyCode::Char(c)));
        }
        effects
    }

    /// Presses a key sequence as the keymap writes it ("C-x C-y").
    pub fn keys(&mut self, sequence: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        for key in sequence.split(' ') {
            let event = modterm::config::parse_key(key).unwrap();
            effects.extend(self.app.update(Msg::Term(Event::Key(event))));
        }
        effects
    }

    pub fn paste(&mut self, text: &str) -> Vec<Effect> {
        self.app.update(Msg::Term(Event::Paste(text.into())))
    }

    pub fn screen(&mut self, width: u16, height: u16) -> String {
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

    /// Enter on the selected topic, and the topic arrives.
    pub fn open_thread(&mut self) {
        let effects = self.key(KeyCode::Enter);
        assert!(
            effects.contains(&Effect::LoadTopic {
                id: TopicId::from(11),
                background: false
            }),
            "{effects:?}"
        );
        self.app.update(Msg::Topic {
            id: TopicId::from(11),
            result: Ok(topic()),
        });
    }

    /// The write a list of effects sends, as its own type.
    pub fn write_of<W: Clone + 'static>(effects: &[Effect]) -> (u64, W) {
        for e in effects {
            if let Effect::Write { op, write } = e {
                if let Some(w) = write.as_any().downcast_ref::<W>() {
                    return (*op, w.clone());
                }
            }
        }
        panic!("no write of that kind in {effects:?}");
    }

    /// The server's answer to a write arrives.
    pub fn land<W: Lands + Clone>(
        &mut self,
        op: u64,
        write: W,
        result: Result<W::Answer>,
    ) -> Vec<Effect> {
        self.app.update(Msg::Landed {
            op,
            landing: Landing::of(write, result),
            audit_error: None,
        })
    }

    /// The visible topics' ids of the active view.
    pub fn visible_ids(&self) -> Vec<String> {
        self.app
            .view()
            .visible_window(0, usize::MAX)
            .iter()
            .map(|t| t.id.to_string())
            .collect()
    }

    pub fn status(&self) -> String {
        self.app.status.clone().map(|s| s.0).unwrap_or_default()
    }
}
