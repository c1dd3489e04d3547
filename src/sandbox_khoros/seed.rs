//! The Khoros demo community, deterministic from a seed: the same telco support community as
//! the Discourse demo (the same fixed-name accounts), as Khoros shapes it: boards in
//! categories, ranks and roles, threads (a real share unanswered, some waiting on a follow-up,
//! some locked), accepted solutions, kudos, rule-granted badges, and Khoros Care authors with
//! social conversations for some members (member_mia on Twitter, Facebook and in-app
//! messaging).

use rusqlite::{params, Transaction};

/// The fixed-name accounts: the same names and roles as the Discourse demo.
pub struct Fixed {
    pub login: &'static str,
    pub first: &'static str,
    pub last: &'static str,
    /// Khoros role id, if any.
    pub role: Option<&'static str>,
    pub rank: i64,
}

const fn fixed(
    login: &'static str,
    first: &'static str,
    last: &'static str,
    role: Option<&'static str>,
    rank: i64,
) -> Fixed {
    Fixed {
        login,
        first,
        last,
        role,
        rank,
    }
}

/// Ids are their position + 1.
pub const FIXED: [Fixed; 10] = [
    fixed("admin", "Ada", "Admin", Some("t:Administrator"), 1),
    fixed("mod_anna", "Anna", "Moretti", Some("t:Moderator"), 2),
    fixed("mod_ben", "Ben", "Okafor", Some("t:Moderator"), 2),
    fixed("mod_chloe", "Chloé", "Martin", Some("t:Moderator"), 2),
    fixed("leader_luca", "Luca", "Romano", Some("t:SuperUser"), 3),
    fixed("leader_lena", "Lena", "Fischer", Some("t:SuperUser"), 3),
    fixed("leader_omar", "Omar", "Haddad", Some("t:SuperUser"), 3),
    fixed("leader_priya", "Priya", "Nair", Some("t:SuperUser"), 3),
    fixed("leader_sam", "Sam", "Kowalski", Some("t:SuperUser"), 3),
    fixed("member_mia", "Mia", "Jensen", None, 5),
];

pub const MIA: i64 = 10;
const FIRST_MEMBER: i64 = 11;

const RANKS: [(i64, &str); 7] = [
    (1, "Community Manager"),
    (2, "Moderator"),
    (3, "Super User"),
    (4, "Expert"),
    (5, "Regular Contributor"),
    (6, "Contributor"),
    (7, "New Member"),
];

const ROLES: [(&str, &str); 3] = [
    ("t:Administrator", "Administrator"),
    ("t:Moderator", "Moderator"),
    ("t:SuperUser", "Super User"),
];

struct BoardDef {
    id: &'static str,
    title: &'static str,
    description: &'static str,
    category: &'static str,
    accepts: bool,
    weight: u64,
}

const BOARDS: [BoardDef; 6] = [
    BoardDef {
        id: "mobile",
        title: "Mobile",
        description: "Signal, data, roaming, eSIM and number porting.",
        category: "help",
        accepts: true,
        weight: 30,
    },
    BoardDef {
        id: "broadband",
        title: "Broadband & Wi-Fi",
        description: "Home broadband, fibre, routers and mesh Wi-Fi.",
        category: "help",
        accepts: true,
        weight: 25,
    },
    BoardDef {
        id: "tv-streaming",
        title: "TV & Streaming",
        description: "Set-top boxes, channels, recordings and streaming apps.",
        category: "help",
        accepts: true,
        weight: 15,
    },
    BoardDef {
        id: "billing",
        title: "Billing",
        description: "Bills, payments, price changes and refunds.",
        category: "help",
        accepts: true,
        weight: 15,
    },
    BoardDef {
        id: "devices",
        title: "Devices",
        description: "Phones, tablets, trade-ins and repairs.",
        category: "help",
        accepts: true,
        weight: 10,
    },
    BoardDef {
        id: "lounge",
        title: "Community Lounge",
        description: "Introductions, off-topic chat and community events.",
        category: "community",
        accepts: false,
        weight: 5,
    },
];

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// splitmix64: small and good enough for demo data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x4B48_4F52_4F53_0001)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo + 1) as u64) as i64
        }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }
}

/// The OAuth token the demo issues to user `id` (an alternative to the session sign-in).
pub fn oauth_token(seed: u64, id: i64) -> String {
    let mut r = Rng::new(seed ^ (id as u64).wrapping_mul(0xA24B_AED4_963E_E407) ^ 0x0A07);
    format!("{:016x}{:016x}", r.next(), r.next())
}

const FIRST: [&str; 24] = [
    "Sara", "Tom", "Ines", "Jonas", "Maya", "Noah", "Elif", "Pavel", "Grace", "Kenji", "Lucia",
    "Amir", "Hanna", "Diego", "Freya", "Tariq", "Olga", "Ravi", "Nora", "Felix", "Zoe", "Mateo",
    "Aisha", "Erik",
];
const LAST: [&str; 16] = [
    "Lind", "Berg", "Costa", "Novak", "Singh", "Meyer", "Rossi", "Kaya", "Dubois", "Tanaka",
    "Silva", "Nowak", "Ahmed", "Larsen", "Moreau", "Weber",
];
const PHONES: [&str; 6] = [
    "Pixel 8",
    "iPhone 15",
    "Galaxy S24",
    "Moto G84",
    "OnePlus 12",
    "Fairphone 5",
];
const ROUTERS: [&str; 4] = ["Hub 6", "SmartHub Pro", "FritzBox 7590", "Mesh Disc"];
const APPS: [&str; 4] = ["Netflix", "BBC iPlayer", "Disney+", "Prime Video"];

fn subject_for(rng: &mut Rng, board: &str) -> String {
    let phone = *rng.pick(&PHONES);
    let router = *rng.pick(&ROUTERS);
    let app = *rng.pick(&APPS);
    match board {
        "mobile" => match rng.below(6) {
            0 => format!("No signal on my {phone} since the update"),
            1 => format!("eSIM activation stuck on pending ({phone})"),
            2 => "Roaming data not working in Spain".into(),
            3 => "Number port has been pending for 5 days".into(),
            4 => format!("Wi-Fi calling greyed out on {phone}"),
            _ => "Texts arrive hours late".into(),
        },
        "broadband" => match rng.below(6) {
            0 => format!("{router} drops Wi-Fi every evening"),
            1 => "Fibre capped at 100 Mbps on a 500 Mbps plan".into(),
            2 => format!("Flashing red light on the {router}"),
            3 => "Mesh extender won't pair".into(),
            4 => "Ping spikes every few minutes while gaming".into(),
            _ => "Broadband disconnects overnight".into(),
        },
        "tv-streaming" => match rng.below(4) {
            0 => format!("{app} keeps buffering"),
            1 => "Set-top box stuck on the boot logo".into(),
            2 => "Recordings disappeared overnight".into(),
            _ => "Missing channels after the retune".into(),
        },
        "billing" => match rng.below(4) {
            0 => "Charged twice this month".into(),
            1 => "Outage credit not applied to my bill".into(),
            2 => "Mid-contract price rise: can I leave?".into(),
            _ => "Direct debit failed but the money left my account".into(),
        },
        "devices" => match rng.below(4) {
            0 => format!("{phone} battery drains overnight"),
            1 => format!("Trade-in value for my {phone} lower than quoted"),
            2 => "Repair has been 'in progress' for three weeks".into(),
            _ => "Smartwatch won't pair with my number".into(),
        },
        _ => match rng.below(3) {
            0 => "Hello from a new member!".into(),
            1 => "What's everyone streaming this weekend?".into(),
            _ => "Community meetup ideas".into(),
        },
    }
}

const OPENINGS: [&str; 6] = [
    "<p>Since yesterday this keeps happening and I have tried restarting everything.</p>",
    "<p>I've already been through the troubleshooting steps on the help pages. Any ideas?</p>",
    "<p>This started after the weekend. Is anyone else seeing it, or is it just me?</p>",
    "<p>Called support twice and got two different answers. Can someone here help?</p>",
    "<p>Not sure if this is the right board, but it's driving me mad.</p>",
    "<p>Happens every day around the same time. I work from home so it really matters.</p>",
];
const ANSWERS: [&str; 6] = [
    "<p>Could you try a factory reset of the device and tell us what the status light does afterwards?</p>",
    "<p>There was a fault in your area yesterday evening; it should be fixed now. Let us know if not.</p>",
    "<p>I had the same. Switching the channel in the settings to a fixed one fixed it for me.</p>",
    "<p>I've sent you a private message to look at your account. Please check your inbox.</p>",
    "<p>Make sure the software is up to date: <strong>Settings &gt; About &gt; Update</strong>, then restart.</p>",
    "<p>This is a known issue; the fix is rolling out this week. Thanks for your patience.</p>",
];
const FOLLOW_UPS: [&str; 4] = [
    "<p>Thanks, but it happened again this morning.</p>",
    "<p>Tried that, no change unfortunately. What next?</p>",
    "<p>Still waiting on this, any update?</p>",
    "<p>Done, but now the light is orange instead.</p>",
];

struct Seeder<'a> {
    tx: &'a Transaction<'a>,
    rng: Rng,
    now: i64,
    next_message: i64,
    members: i64,
}

impl Seeder<'_> {
    /// A message on `board`: a thread when `parent` is `None`, else a reply in the parent's
    /// thread, one level deeper.
    fn message(
        &mut self,
        board: &str,
        author: i64,
        parent: Option<i64>,
        subject: &str,
        body: &str,
        time: i64,
    ) -> rusqlite::Result<i64> {
        let id = self.next_message;
        self.next_message += 1;
        // Khoros counts depth from the opening message: a reply to a reply is 2.
        let (depth, topic): (i64, i64) = match parent {
            Some(p) => self.tx.query_row(
                "SELECT depth + 1, topic_id FROM messages WHERE id = ?1",
                [p],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?,
            None => (0, id),
        };
        let views = self.rng.range(5, 900);
        self.tx.execute(
            "INSERT INTO messages(id, board_id, author_id, parent_id, topic_id, depth, subject, \
             body, post_time, views) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![id, board, author, parent, topic, depth, subject, body, time, views],
        )?;
        Ok(id)
    }

    fn kudo(&mut self, message: i64, user: i64, time: i64) -> rusqlite::Result<()> {
        self.tx.execute(
            "INSERT OR IGNORE INTO kudos(message_id, user_id, time, weight) \
             SELECT ?1, ?2, ?3, 1 WHERE (SELECT author_id FROM messages WHERE id = ?1) != ?2",
            params![message, user, time.min(self.now)],
        )?;
        Ok(())
    }

    fn anyone(&mut self) -> i64 {
        self.rng.range(1, 10 + self.members)
    }

    fn helper(&mut self) -> i64 {
        if self.rng.chance(60) {
            self.rng.range(2, 9)
        } else {
            self.rng.range(FIRST_MEMBER, 10 + self.members)
        }
    }

    /// One thread: the opening message, its replies, maybe a solution and kudos.
    fn thread(&mut self, index: usize, author: i64) -> rusqlite::Result<()> {
        let weights: u64 = BOARDS.iter().map(|b| b.weight).sum();
        let mut roll = self.rng.below(weights);
        let board = BOARDS
            .iter()
            .find(|b| {
                if roll < b.weight {
                    true
                } else {
                    roll -= b.weight;
                    false
                }
            })
            .unwrap_or(&BOARDS[0]);
        let age = match self.rng.below(100) {
            0..=19 => self.rng.range(2, 120) * MIN,
            20..=49 => self.rng.range(2, 24) * HOUR,
            _ => self.rng.range(1, 60) * DAY,
        };
        let posted = self.now - age;
        let mut subject = subject_for(&mut self.rng, board.id);
        let mut body = self.rng.pick(&OPENINGS).to_string();
        if index == 5 {
            // A hostile subject and body: escapes, bidi overrides, script and a bad link.
            subject = "Router \u{1b}[31mred\u{1b}[0m light \u{202e}won't stop".into();
            body = "<p>Look <script>alert('x')</script><a href=\"javascript:alert(1)\">here</a>\u{1b}]0;pwned\u{7}</p>".into();
        }
        let topic = self.message(board.id, author, None, &subject, &body, posted)?;
        let young = age < 2 * HOUR;
        let unanswered = if young {
            self.rng.chance(70)
        } else {
            self.rng.chance(22)
        };
        if unanswered {
            if self.rng.chance(30) {
                let who = self.anyone();
                self.kudo(topic, who, posted + MIN)?;
            }
            return Ok(());
        }
        let n = self.rng.range(1, 5);
        let mut t = posted;
        let mut replies = Vec::new();
        for _ in 0..n {
            t = (t + self.rng.range(3, 240) * MIN).min(self.now - MIN);
            let who = self.helper();
            let who = if who == author { 2 } else { who };
            let text = self.rng.pick(&ANSWERS).to_string();
            let id = self.message(
                board.id,
                who,
                Some(topic),
                &format!("Re: {subject}"),
                &text,
                t,
            )?;
            replies.push((id, who));
        }
        // A follow-up by the member: the thread waits on the team again.
        if self.rng.chance(30) {
            t = (t + self.rng.range(5, 300) * MIN).min(self.now - MIN);
            let text = self.rng.pick(&FOLLOW_UPS).to_string();
            let parent = replies.last().map(|r| r.0).unwrap_or(topic);
            self.message(
                board.id,
                author,
                Some(parent),
                &format!("Re: {subject}"),
                &text,
                t,
            )?;
        } else if board.accepts && self.rng.chance(55) {
            let (solution, _) = *self.rng.pick(&replies);
            let accepter = if self.rng.chance(80) { author } else { 2 };
            self.tx.execute(
                "INSERT INTO solutions(message_id, topic_id, accepter_id, time) VALUES(?1, ?2, ?3, ?4)",
                params![solution, topic, accepter, (t + HOUR).min(self.now)],
            )?;
            self.kudo(solution, author, t + HOUR)?;
        }
        if self.rng.chance(3) {
            self.tx
                .execute("UPDATE messages SET read_only = 1 WHERE id = ?1", [topic])?;
        }
        for (id, _) in &replies {
            for _ in 0..self.rng.below(4) {
                let who = self.anyone();
                self.kudo(*id, who, t)?;
            }
        }
        Ok(())
    }
}

/// Fills an empty database.
pub fn seed(tx: &Transaction, topics: usize, seed: u64, now: i64) -> rusqlite::Result<()> {
    let topics = topics.clamp(20, 50_000);
    let mut s = Seeder {
        tx,
        rng: Rng::new(seed),
        now,
        next_message: 100,
        members: (topics as i64 / 2).clamp(10, 20_000),
    };
    for (id, name) in RANKS {
        tx.execute(
            "INSERT INTO ranks(id, name, position) VALUES(?1, ?2, ?1)",
            params![id, name],
        )?;
    }
    for (id, name) in ROLES {
        tx.execute(
            "INSERT INTO roles(id, name) VALUES(?1, ?2)",
            params![id, name],
        )?;
    }
    tx.execute(
        "INSERT INTO categories(id, title) VALUES('help', 'Help & Support'), ('community', 'Community')",
        [],
    )?;
    for (i, b) in BOARDS.iter().enumerate() {
        tx.execute(
            "INSERT INTO boards(id, title, description, category_id, position, accepts_solutions) \
             VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                b.id,
                b.title,
                b.description,
                b.category,
                i as i64,
                b.accepts
            ],
        )?;
    }
    for (i, f) in FIXED.iter().enumerate() {
        let id = i as i64 + 1;
        tx.execute(
            "INSERT INTO users(id, login, first_name, last_name, email, rank_id, \
             registration_time, last_visit_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                f.login,
                f.first,
                f.last,
                format!("{}@example.test", f.login),
                f.rank,
                now - (700 + id * 31) * DAY,
                now - id * 7 * MIN
            ],
        )?;
        if let Some(role) = f.role {
            tx.execute(
                "INSERT INTO user_roles(user_id, role_id) VALUES(?1, ?2)",
                params![id, role],
            )?;
        }
        tx.execute(
            "INSERT INTO oauth_tokens(token, user_id) VALUES(?1, ?2)",
            params![oauth_token(seed, id), id],
        )?;
    }
    for n in 0..s.members {
        let id = FIRST_MEMBER + n;
        let first = *s.rng.pick(&FIRST);
        let last = *s.rng.pick(&LAST);
        let rank = match s.rng.below(10) {
            0..=3 => 7,
            4..=6 => 6,
            7..=8 => 5,
            _ => 4,
        };
        let registered = now - s.rng.range(3, 1500) * DAY;
        let visited = now - s.rng.range(1, 60 * 24 * 30) * MIN;
        tx.execute(
            "INSERT INTO users(id, login, first_name, last_name, email, rank_id, \
             registration_time, last_visit_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                format!("{}{}{}", first.to_lowercase(), last.to_lowercase(), id),
                first,
                last,
                format!("member{id}@example.test"),
                rank,
                registered,
                visited
            ],
        )?;
    }
    // Mia's own threads first: one waiting since this morning, one solved long ago.
    for i in 0..topics {
        let author = if i < 3 || s.rng.chance(2) {
            MIA
        } else {
            s.rng.range(FIRST_MEMBER, 10 + s.members)
        };
        s.thread(i, author)?;
    }
    // Mia helps too: a few replies to others, one accepted as the solution.
    let others: Vec<(i64, String, String, i64)> = tx
        .prepare(
            "SELECT id, board_id, subject, author_id FROM messages WHERE depth = 0 AND author_id != ?1 \
             AND board_id != 'lounge' ORDER BY id LIMIT 5 OFFSET 20",
        )?
        .query_map([MIA], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (k, (topic, board, subject, author)) in others.into_iter().enumerate() {
        let t = now - (k as i64 + 1) * 5 * HOUR;
        let id = s.message(&board, MIA, Some(topic), &format!("Re: {subject}"),
            "<p>Had exactly this last month: a restart of the hub with the cable out for 30 seconds fixed it.</p>", t)?;
        if k == 0 {
            tx.execute("DELETE FROM solutions WHERE topic_id = ?1", [topic])?;
            tx.execute(
                "INSERT INTO solutions(message_id, topic_id, accepter_id, time) VALUES(?1, ?2, ?3, ?4)",
                params![id, topic, author, t + HOUR],
            )?;
        }
        s.kudo(id, 5, t + 10 * MIN)?;
        s.kudo(topic, MIA, t)?;
    }
    grant_badges(tx, now)?;
    care(tx, &mut s.rng, now)?;
    Ok(())
}

/// Badges are granted by their rules (reference §6), here once, after the content.
fn grant_badges(tx: &Transaction, now: i64) -> rusqlite::Result<()> {
    let badges: [(i64, &str, &str, &str, &str); 7] = [
        (1, "Welcome!", "Joined the community.", "welcome", "SELECT id FROM users"),
        (2, "First Reply", "Replied to a thread.", "first-reply",
         "SELECT DISTINCT author_id FROM messages WHERE depth > 0"),
        (3, "Kudos Giver", "Gave 5 kudos.", "kudos-giver",
         "SELECT user_id FROM kudos GROUP BY user_id HAVING count(*) >= 5"),
        (4, "Accepted Solution", "Wrote a reply accepted as the solution.", "solution",
         "SELECT DISTINCT m.author_id FROM solutions s JOIN messages m ON m.id = s.message_id"),
        (5, "Super Solver", "Wrote 10 accepted solutions.", "super-solver",
         "SELECT m.author_id FROM solutions s JOIN messages m ON m.id = s.message_id GROUP BY m.author_id HAVING count(*) >= 10"),
        (6, "Popular", "Received 25 kudos.", "popular",
         "SELECT m.author_id FROM kudos k JOIN messages m ON m.id = k.message_id GROUP BY m.author_id HAVING count(*) >= 25"),
        (7, "Anniversary", "A year in the community.", "anniversary",
         "SELECT id FROM users WHERE registration_time < ?2 - 31536000000"),
    ];
    for (id, title, description, icon, rule) in badges {
        tx.execute(
            "INSERT INTO badges(id, title, description, icon, activation_date) VALUES(?1, ?2, ?3, ?4, ?5)",
            params![id, title, description, icon, now - 900 * DAY],
        )?;
        tx.execute(
            &format!(
                "INSERT OR IGNORE INTO user_badges(user_id, badge_id, earned_date) \
                 SELECT u.id, ?1, max(u.registration_time, ?2 - ?1 * 3 * 86400000) FROM users u \
                 WHERE u.id IN ({rule})"
            ),
            params![id, now],
        )?;
    }
    Ok(())
}

/// Care authors and conversations: member_mia on three networks, two generated members on one
/// each. Every person also has a `lithium` author for its community account.
fn care(tx: &Transaction, rng: &mut Rng, now: i64) -> rusqlite::Result<()> {
    struct Conv {
        network: &'static str,
        status: &'static str,
        age: i64,
        title: &'static str,
        customer: &'static str,
        agent: Option<&'static str>,
    }
    let mut display = 100_000i64;
    // A person: the member, their authors (network, screen name, profile URL, joined) and
    // their conversations.
    type Handle = (&'static str, &'static str, &'static str, Option<i64>);
    let people: [(i64, Vec<Handle>, Vec<Conv>); 3] = [
        (
            MIA,
            vec![
                (
                    "twitter",
                    "mia_jensen",
                    "https://twitter.com/mia_jensen",
                    Some(now - 1400 * DAY),
                ),
                ("facebook", "Mia Jensen", "", None),
                ("external", "mia.jensen", "", Some(now - 200 * DAY)),
            ],
            vec![
                Conv {
                    network: "twitter",
                    status: "CLOSED",
                    age: 9 * DAY,
                    title: "",
                    customer: "@Support my fibre has been down since this morning, again",
                    agent: Some("Sorry Mia, we've sent you a DM to check your line."),
                },
                Conv {
                    network: "twitter",
                    status: "AVAILABLE",
                    age: 3 * HOUR,
                    title: "",
                    customer: "@Support still no fix after the engineer visit",
                    agent: None,
                },
                Conv {
                    network: "facebook",
                    status: "AVAILABLE",
                    age: 26 * HOUR,
                    title: "Bill higher than expected",
                    customer: "My bill went up by £12 this month and nobody told me why.",
                    agent: None,
                },
                Conv {
                    network: "external",
                    status: "CLOSED",
                    age: 40 * DAY,
                    title: "In-app chat",
                    customer: "I can't log in to the app since the update.",
                    agent: Some("Please reinstall the app; your login works again now."),
                },
                Conv {
                    network: "external",
                    status: "PENDING",
                    age: 2 * DAY,
                    title: "In-app chat",
                    customer: "The eSIM QR code in the app won't scan.",
                    agent: Some("We've sent a new code by email."),
                },
                Conv {
                    network: "lithium",
                    status: "CLOSED",
                    age: 30 * DAY,
                    title: "Router drops Wi-Fi",
                    customer: "(a community post Care took in)",
                    agent: None,
                },
            ],
        ),
        (
            FIRST_MEMBER,
            vec![(
                "twitter",
                "tom_tweets",
                "https://twitter.com/tom_tweets",
                Some(now - 500 * DAY),
            )],
            vec![Conv {
                network: "twitter",
                status: "CLOSED",
                age: 4 * DAY,
                title: "",
                customer: "@Support roaming charges on my bill look wrong",
                agent: Some("DM us your account number and we'll check."),
            }],
        ),
        (
            FIRST_MEMBER + 1,
            vec![("facebook", "Ines B.", "", None)],
            vec![Conv {
                network: "facebook",
                status: "AVAILABLE",
                age: 5 * HOUR,
                title: "Signal at home",
                customer: "No signal in my flat since Tuesday.",
                agent: None,
            }],
        ),
    ];
    for (user, handles, convs) in people {
        let person = rng.uuid();
        let login: String = tx.query_row("SELECT login FROM users WHERE id = ?1", [user], |r| {
            r.get(0)
        })?;
        let lithium = AuthorRow {
            person: &person,
            network: "lithium",
            network_id: &user.to_string(),
            screen: &login,
            url: "",
            join: None,
        }
        .insert(tx, rng, &mut display)?;
        let mut authors = vec![("lithium", lithium)];
        for (network, screen, url, join) in handles {
            let network_id = (rng.next() % 1_000_000_000_000).to_string();
            let uuid = AuthorRow {
                person: &person,
                network,
                network_id: &network_id,
                screen,
                url,
                join,
            }
            .insert(tx, rng, &mut display)?;
            authors.push((network, uuid));
        }
        for c in convs {
            let Some((_, author)) = authors.iter().find(|(n, _)| *n == c.network) else {
                continue;
            };
            let uuid = rng.uuid();
            display += 1;
            let created = now - c.age;
            tx.execute(
                "INSERT INTO care_conversations(lsw_uuid, display_number, author_uuid, network, \
                 status, create_date, title, agent) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    uuid,
                    display,
                    author,
                    c.network,
                    c.status,
                    created,
                    c.title,
                    c.agent.map(|_| "Jo (Care team)")
                ],
            )?;
            tx.execute(
                "INSERT INTO care_messages(conversation_uuid, position, from_agent, author_name, text, publish_date) \
                 VALUES(?1, 0, 0, ?2, ?3, ?4)",
                params![uuid, login, c.customer, created],
            )?;
            if let Some(reply) = c.agent {
                tx.execute(
                    "INSERT INTO care_messages(conversation_uuid, position, from_agent, author_name, text, publish_date) \
                     VALUES(?1, 1, 1, 'Jo (Care team)', ?2, ?3)",
                    params![uuid, reply, created + 20 * MIN],
                )?;
            }
        }
    }
    Ok(())
}

/// One Care author of a person.
struct AuthorRow<'a> {
    person: &'a str,
    network: &'a str,
    network_id: &'a str,
    screen: &'a str,
    url: &'a str,
    join: Option<i64>,
}

impl AuthorRow<'_> {
    fn insert(
        &self,
        tx: &Transaction,
        rng: &mut Rng,
        display: &mut i64,
    ) -> rusqlite::Result<String> {
        let uuid = rng.uuid();
        *display += 1;
        tx.execute(
            "INSERT INTO care_authors(lsw_uuid, person_id, display_number, network, network_id, \
             screen_name, name, profile_url, join_date) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
            params![
                uuid,
                self.person,
                *display,
                self.network,
                self.network_id,
                self.screen,
                self.url,
                self.join
            ],
        )?;
        Ok(uuid)
    }
}
