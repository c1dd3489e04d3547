//! LiQL as the adapter writes it (reference §2): a small builder, so no query is put together
//! by string pasting, and every value that came from outside (a board id, a login, a search
//! word, the server's cursor) goes in as an escaped string literal.
//!
//! Field names and collections are `&'static str`: they come from this adapter's code, never
//! from the user or the server, so they need no escaping. String literals are single-quoted
//! (`id = '2'`, reference §2.1) with `\` and `'` escaped by a backslash; control characters
//! become spaces, since a literal never needs them and a newline in a query only invites a
//! parse error. Conditions are joined with `AND`; [`Liql::or`] starts another group (LiQL's
//! `AND` binds tighter than `OR`, so `a AND b OR c AND d` is two groups).

use std::fmt;

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lit {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl From<&str> for Lit {
    fn from(s: &str) -> Lit {
        Lit::Str(s.to_string())
    }
}

impl From<String> for Lit {
    fn from(s: String) -> Lit {
        Lit::Str(s)
    }
}

impl From<i64> for Lit {
    fn from(n: i64) -> Lit {
        Lit::Int(n)
    }
}

impl From<bool> for Lit {
    fn from(b: bool) -> Lit {
        Lit::Bool(b)
    }
}

/// A string literal with its quotes, escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Str(s) => f.write_str(&quote(s)),
            Lit::Int(n) => write!(f, "{n}"),
            Lit::Bool(b) => write!(f, "{b}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Le => "<=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cond {
    Cmp(&'static str, Op, Lit),
    In(&'static str, Vec<Lit>),
    Matches(&'static str, String),
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Cmp(field, op, lit) => write!(f, "{field} {} {lit}", op.text()),
            Cond::In(field, lits) => {
                let list: Vec<String> = lits.iter().map(Lit::to_string).collect();
                write!(f, "{field} IN ({})", list.join(", "))
            }
            Cond::Matches(field, words) => write!(f, "{field} MATCHES {}", quote(words)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

/// Khoros caps LIMIT at 1000 (reference §2.5).
pub const MAX_LIMIT: u32 = 1000;

/// One LiQL query: `SELECT … FROM … [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET m] [CURSOR 'c']`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liql {
    fields: Vec<&'static str>,
    collection: &'static str,
    /// OR of AND groups; never empty (one empty group means no WHERE).
    groups: Vec<Vec<Cond>>,
    order: Vec<(&'static str, Dir)>,
    limit: Option<u32>,
    offset: Option<u32>,
    cursor: Option<String>,
}

impl Liql {
    /// `SELECT fields FROM collection`; no fields means `*`.
    pub fn select(fields: &[&'static str], collection: &'static str) -> Liql {
        Liql {
            fields: fields.to_vec(),
            collection,
            groups: vec![Vec::new()],
            order: Vec::new(),
            limit: None,
            offset: None,
            cursor: None,
        }
    }

    /// `SELECT count(*) FROM collection`.
    pub fn count(collection: &'static str) -> Liql {
        Liql::select(&["count(*)"], collection)
    }

    fn push(&mut self, c: Cond) {
        match self.groups.last_mut() {
            Some(g) => g.push(c),
            None => self.groups.push(vec![c]),
        }
    }

    pub fn cmp(mut self, field: &'static str, op: Op, value: impl Into<Lit>) -> Liql {
        self.push(Cond::Cmp(field, op, value.into()));
        self
    }

    /// Ends this AND group: what follows is an alternative (`… OR …`).
    pub fn or(mut self) -> Liql {
        if self.groups.last().is_some_and(|g| !g.is_empty()) {
            self.groups.push(Vec::new());
        }
        self
    }

    pub fn eq(self, field: &'static str, value: impl Into<Lit>) -> Liql {
        self.cmp(field, Op::Eq, value)
    }

    /// `field IN (…)`; an empty list is left out by the caller (LiQL has no empty list).
    pub fn is_in(mut self, field: &'static str, values: Vec<Lit>) -> Liql {
        self.push(Cond::In(field, values));
        self
    }

    /// `field MATCHES 'words'`: Khoros's word search on a text field.
    pub fn matches(mut self, field: &'static str, words: &str) -> Liql {
        self.push(Cond::Matches(field, words.trim().to_string()));
        self
    }

    pub fn order_by(mut self, field: &'static str, dir: Dir) -> Liql {
        self.order.push((field, dir));
        self
    }

    /// At most [`MAX_LIMIT`]; 0 is raised to 1.
    pub fn limit(mut self, n: u32) -> Liql {
        self.limit = Some(n.clamp(1, MAX_LIMIT));
        self
    }

    pub fn offset(mut self, n: u32) -> Liql {
        self.offset = (n > 0).then_some(n);
        self
    }

    /// Continue where the server's `next_cursor` said (it goes after LIMIT, quoted).
    pub fn cursor(mut self, cursor: Option<&str>) -> Liql {
        self.cursor = cursor
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        self
    }
}

impl fmt::Display for Liql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields = if self.fields.is_empty() {
            "*".to_string()
        } else {
            self.fields.join(", ")
        };
        write!(f, "SELECT {fields} FROM {}", self.collection)?;
        let groups: Vec<String> = self
            .groups
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| {
                g.iter()
                    .map(Cond::to_string)
                    .collect::<Vec<_>>()
                    .join(" AND ")
            })
            .collect();
        if !groups.is_empty() {
            write!(f, " WHERE {}", groups.join(" OR "))?;
        }
        if !self.order.is_empty() {
            let order: Vec<String> = self
                .order
                .iter()
                .map(|(field, dir)| {
                    format!(
                        "{field} {}",
                        match dir {
                            Dir::Asc => "ASC",
                            Dir::Desc => "DESC",
                        }
                    )
                })
                .collect();
            write!(f, " ORDER BY {}", order.join(", "))?;
        }
        if let Some(n) = self.limit {
            write!(f, " LIMIT {n}")?;
        }
        if let Some(n) = self.offset {
            write!(f, " OFFSET {n}")?;
        }
        if let Some(c) = &self.cursor {
            write!(f, " CURSOR {}", quote(c))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unanswered_queue_query() {
        let q = Liql::select(&["id", "subject", "replies.count(*)"], "messages")
            .eq("depth", 0)
            .eq("replies.count(*)", 0)
            .eq("board.id", "broadband")
            .order_by("post_time", Dir::Asc)
            .limit(50);
        assert_eq!(
            q.to_string(),
            "SELECT id, subject, replies.count(*) FROM messages WHERE depth = 0 AND \
             replies.count(*) = 0 AND board.id = 'broadband' ORDER BY post_time ASC LIMIT 50"
        );
    }

    #[test]
    fn select_star_count_and_every_clause() {
        assert_eq!(
            Liql::select(&[], "badges").to_string(),
            "SELECT * FROM badges"
        );
        assert_eq!(
            Liql::count("messages")
                .eq("conversation.solved", false)
                .to_string(),
            "SELECT count(*) FROM messages WHERE conversation.solved = false"
        );
        let q = Liql::select(&["id"], "messages")
            .cmp("post_time", Op::Ge, 1_700_000_000_000)
            .cmp("depth", Op::Ne, 0)
            .is_in("id", vec!["1".into(), "2".into()])
            .matches("body", "  router lights ")
            .order_by("conversation.last_post_time", Dir::Desc)
            .order_by("id", Dir::Asc)
            .limit(5000)
            .offset(20)
            .cursor(Some("MjIuNHwy"));
        assert_eq!(
            q.to_string(),
            "SELECT id FROM messages WHERE post_time >= 1700000000000 AND depth != 0 AND \
             id IN ('1', '2') AND body MATCHES 'router lights' ORDER BY \
             conversation.last_post_time DESC, id ASC LIMIT 1000 OFFSET 20 CURSOR 'MjIuNHwy'"
        );
        // OR starts a new AND group; an empty group is never written.
        let q = Liql::select(&["id"], "messages")
            .matches("body", "wifi")
            .eq("board.id", "b")
            .or()
            .or()
            .matches("subject", "wifi")
            .eq("board.id", "b")
            .or();
        assert_eq!(
            q.to_string(),
            "SELECT id FROM messages WHERE body MATCHES 'wifi' AND board.id = 'b' OR \
             subject MATCHES 'wifi' AND board.id = 'b'"
        );
        // Offset 0 and an empty cursor are left out; limit 0 is raised to 1.
        let q = Liql::select(&["id"], "users")
            .limit(0)
            .offset(0)
            .cursor(Some(" "));
        assert_eq!(q.to_string(), "SELECT id FROM users LIMIT 1");
    }

    #[test]
    fn string_literals_are_escaped() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("o'brien"), r"'o\'brien'");
        assert_eq!(quote(r"back\slash"), r"'back\\slash'");
        assert_eq!(quote(r"\'"), r"'\\\''");
        // A value cannot end the literal and add a clause of its own.
        let hostile = "x' OR id != '0";
        let q = Liql::select(&["id"], "users").eq("login", hostile);
        assert_eq!(
            q.to_string(),
            r"SELECT id FROM users WHERE login = 'x\' OR id != \'0'"
        );
        // Control characters never reach the query.
        assert_eq!(quote("a\nb\u{1b}c\td"), "'a b c d'");
        assert_eq!(quote("zoë ✓"), "'zoë ✓'");
        // The cursor, as the server gave it, is quoted too.
        let q = Liql::select(&["id"], "messages").cursor(Some("a'b"));
        assert!(q.to_string().ends_with(r"CURSOR 'a\'b'"));
    }
}
