//! The sandbox's LiQL parser: the subset of Khoros's query language the reference describes
//! (§2.1), read into a small syntax tree that `query` evaluates.
//!
//! ```text
//! SELECT <* | count(*) | field, …> FROM <collection>
//!   [WHERE <cond> {AND|OR <cond>}]      cond: field <op> literal | field IN (literal, …)
//!                                             | field MATCHES 'words'
//!   [ORDER BY field [ASC|DESC], …] [LIMIT n] [OFFSET m] [CURSOR '…']
//! ```
//! A field is a dotted path (`board.id`, `author.login`) or an aggregate over a relation
//! (`replies.count(*)`, `kudos.sum(weight)`). Keywords are case-insensitive; string literals
//! are single-quoted with `\'` and `\\` escapes; `AND` binds tighter than `OR`. What the subset
//! does not have (parentheses around conditions, `NOT`, `LIKE`, `GROUP BY`, joins, nested
//! `SELECT`, a trailing `;`) is refused with a LiQL-style error naming where it stopped.
//! Written from the reference on its own: nothing is shared with the adapter's builder.

use std::fmt;

/// A query the parser refused, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiqlError {
    pub message: String,
}

impl fmt::Display for LiqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, LiqlError> {
    Err(LiqlError {
        message: message.into(),
    })
}

/// The longest query read (a real LiQL URL has limits too).
pub const MAX_QUERY_CHARS: usize = 8 * 1024;
/// The most conditions in a WHERE and values in an IN list.
pub const MAX_CONDITIONS: usize = 64;
pub const MAX_IN_VALUES: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agg {
    /// `rel.count(*)`
    Count,
    /// `rel.sum(field)`
    Sum(String),
}

/// A field: a dotted path, perhaps ending in an aggregate over the relation it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub path: Vec<String>,
    pub agg: Option<Agg>,
}

impl Field {
    /// Where the value sits in a row: `replies.count(*)` → `replies.count`, `kudos.sum(weight)`
    /// → `kudos.sum.weight` (the shape Khoros answers aggregates in, reference §2.2).
    pub fn value_path(&self) -> Vec<String> {
        let mut p = self.path.clone();
        match &self.agg {
            None => {}
            Some(Agg::Count) => p.push("count".into()),
            Some(Agg::Sum(f)) => {
                p.push("sum".into());
                p.push(f.clone());
            }
        }
        p
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path.join("."))?;
        match &self.agg {
            None => Ok(()),
            Some(Agg::Count) => f.write_str(".count(*)"),
            Some(Agg::Sum(x)) => write!(f, ".sum({x})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
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

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Cmp(Field, Op, Lit),
    In(Field, Vec<Lit>),
    Matches(Field, String),
}

impl Cond {
    pub fn field(&self) -> &Field {
        match self {
            Cond::Cmp(f, _, _) | Cond::In(f, _) | Cond::Matches(f, _) => f,
        }
    }
}

/// `a AND b OR c AND d` as `[[a, b], [c, d]]`: OR of ANDs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    pub any_of: Vec<Vec<Cond>>,
}

impl Filter {
    pub fn conditions(&self) -> impl Iterator<Item = &Cond> {
        self.any_of.iter().flatten()
    }

    /// The conditions every matching row meets (the filter is one AND group).
    pub fn required(&self) -> &[Cond] {
        match self.any_of.as_slice() {
            [only] => only,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Select {
    All,
    Count,
    Fields(Vec<Field>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Select,
    pub collection: String,
    pub filter: Filter,
    pub order: Vec<(Field, Dir)>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub cursor: Option<String>,
}

impl Query {
    /// The query without its paging, for telling whether a cursor belongs to it.
    pub fn fingerprint(&self) -> String {
        format!(
            "{:?}|{}|{:?}|{:?}",
            self.select, self.collection, self.filter, self.order
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(f64),
    Op(Op),
    Comma,
    Open,
    Close,
    Star,
    Semicolon,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => write!(f, "'{w}'"),
            Tok::Str(_) => f.write_str("a string"),
            Tok::Num(n) => write!(f, "'{n}'"),
            Tok::Op(_) => f.write_str("an operator"),
            Tok::Comma => f.write_str("','"),
            Tok::Open => f.write_str("'('"),
            Tok::Close => f.write_str("')'"),
            Tok::Star => f.write_str("'*'"),
            Tok::Semicolon => f.write_str("';'"),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Splits a query into tokens with their character offsets. A word followed by `(…)` whose
/// last segment is `count` or `sum` is one token (`replies.count(*)`, `kudos.sum(weight)`).
fn tokens(q: &str) -> Result<Vec<(usize, Tok)>, LiqlError> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '\'' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None => {
                            return err(format!(
                            "Invalid query syntax: the string starting at {start} is not closed"
                        ))
                        }
                        Some('\\') => {
                            match chars.get(i + 1) {
                                Some(n @ ('\'' | '\\')) => s.push(*n),
                                Some(n) => {
                                    s.push('\\');
                                    s.push(*n);
                                }
                                None => return err(format!("Invalid query syntax: the string starting at {start} is not closed")),
                            }
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                out.push((start, Tok::Str(s)));
            }
            '"' => {
                return err(format!(
                    "Invalid query syntax: strings are quoted with ' not \" (at {start})"
                ))
            }
            ',' => {
                out.push((start, Tok::Comma));
                i += 1;
            }
            '(' => {
                out.push((start, Tok::Open));
                i += 1;
            }
            ')' => {
                out.push((start, Tok::Close));
                i += 1;
            }
            '*' => {
                out.push((start, Tok::Star));
                i += 1;
            }
            ';' => {
                out.push((start, Tok::Semicolon));
                i += 1;
            }
            '=' => {
                out.push((start, Tok::Op(Op::Eq)));
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push((start, Tok::Op(Op::Ne)));
                i += 2;
            }
            '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('<', Some('=')) => (Op::Le, 2),
                    ('>', Some('=')) => (Op::Ge, 2),
                    ('<', Some('>')) => (Op::Ne, 2),
                    ('<', _) => (Op::Lt, 1),
                    _ => (Op::Gt, 1),
                };
                out.push((start, Tok::Op(op)));
                i += len;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n: f64 = text.parse().map_err(|_| LiqlError {
                    message: format!("Invalid query syntax: '{text}' is not a number"),
                })?;
                out.push((start, Tok::Num(n)));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while chars.get(i).copied().is_some_and(is_word_char) {
                    i += 1;
                }
                let mut word: String = chars[start..i].iter().collect();
                let last = word.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
                if (last == "count" || last == "sum") && chars.get(i) == Some(&'(') {
                    let close = chars[i..].iter().position(|c| *c == ')').map(|p| p + i);
                    let Some(close) = close else {
                        return err(format!(
                            "Invalid query syntax: '{word}(' is not closed (at {start})"
                        ));
                    };
                    let inner: String = chars[i + 1..close].iter().collect();
                    word.push('(');
                    word.push_str(inner.trim());
                    word.push(')');
                    i = close + 1;
                }
                out.push((start, Tok::Word(word)));
            }
            other => {
                return err(format!(
                    "Invalid query syntax: unexpected character '{other}' at {start}"
                ))
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    len: usize,
}

fn keyword(t: &Tok, k: &str) -> bool {
    matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case(k))
}

const RESERVED: [&str; 14] = [
    "select", "from", "where", "and", "or", "order", "by", "asc", "desc", "limit", "offset",
    "cursor", "in", "matches",
];

/// Words of SQL that LiQL does not have, refused by name.
const NOT_LIQL: [&str; 9] = [
    "not", "like", "group", "having", "join", "union", "distinct", "between", "is",
];

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map(|(p, _)| *p).unwrap_or(self.len)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        t
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!("found {t} at {}", self.pos()),
            None => "found the end of the query".into(),
        }
    }

    fn is_kw(&self, k: &str) -> bool {
        self.peek().is_some_and(|t| keyword(t, k))
    }

    fn expect_kw(&mut self, k: &str, what: &str) -> Result<(), LiqlError> {
        if self.is_kw(k) {
            self.at += 1;
            Ok(())
        } else {
            err(format!(
                "Invalid query syntax: expected {what}, {}",
                self.found()
            ))
        }
    }

    fn refuse_foreign(&self) -> Result<(), LiqlError> {
        if let Some(Tok::Word(w)) = self.peek() {
            let lower = w.to_ascii_lowercase();
            if NOT_LIQL.contains(&lower.as_str()) {
                return err(format!(
                    "Invalid query syntax: {} is not supported in LiQL (at {})",
                    w.to_ascii_uppercase(),
                    self.pos()
                ));
            }
            if lower == "select" {
                return err(format!(
                    "Invalid query syntax: nested SELECT is not supported (at {})",
                    self.pos()
                ));
            }
        }
        if self.peek() == Some(&Tok::Semicolon) {
            return err(format!(
                "Invalid query syntax: ';' is not allowed (at {})",
                self.pos()
            ));
        }
        Ok(())
    }

    fn field(&mut self, what: &str) -> Result<Field, LiqlError> {
        self.refuse_foreign()?;
        let pos = self.pos();
        match self.next() {
            Some(Tok::Word(w)) if !RESERVED.contains(&w.to_ascii_lowercase().as_str()) => {
                parse_field(&w).map_err(|m| LiqlError {
                    message: format!("Invalid query syntax: {m} (at {pos})"),
                })
            }
            _ => {
                self.at -= 1;
                err(format!(
                    "Invalid query syntax: expected {what}, {}",
                    self.found()
                ))
            }
        }
    }

    fn literal(&mut self) -> Result<Lit, LiqlError> {
        self.refuse_foreign()?;
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Num(n)) => Ok(Lit::Num(n)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Lit::Bool(false)),
            Some(Tok::Word(w)) => {
                self.at -= 1;
                err(format!(
                    "Invalid query syntax: expected a value ('text', a number, true or false), \
                     found '{w}' at {} (quote strings with ')",
                    self.pos()
                ))
            }
            _ => {
                self.at = self.at.saturating_sub(1);
                err(format!(
                    "Invalid query syntax: expected a value, {}",
                    self.found()
                ))
            }
        }
    }

    fn count_of(&mut self, what: &str) -> Result<u64, LiqlError> {
        match self.next() {
            Some(Tok::Num(x)) if x >= 0.0 && x.fract() == 0.0 && x < 1e12 => Ok(x as u64),
            _ => {
                self.at = self.at.saturating_sub(1);
                err(format!(
                    "Invalid query syntax: {what} needs a whole number, {}",
                    self.found()
                ))
            }
        }
    }

    fn condition(&mut self) -> Result<Cond, LiqlError> {
        if self.peek() == Some(&Tok::Open) {
            return err(format!(
                "Invalid query syntax: parentheses around conditions are not supported (at {})",
                self.pos()
            ));
        }
        let field = self.field("a field to constrain")?;
        self.refuse_foreign()?;
        if self.is_kw("in") {
            self.at += 1;
            if self.next() != Some(Tok::Open) {
                self.at -= 1;
                return err(format!(
                    "Invalid query syntax: IN needs a list in parentheses, {}",
                    self.found()
                ));
            }
            let mut values = Vec::new();
            loop {
                values.push(self.literal()?);
                if values.len() > MAX_IN_VALUES {
                    return err(format!(
                        "Invalid query syntax: an IN list holds at most {MAX_IN_VALUES} values"
                    ));
                }
                match self.next() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::Close) => break,
                    _ => {
                        self.at -= 1;
                        return err(format!(
                            "Invalid query syntax: expected ',' or ')' in the IN list, {}",
                            self.found()
                        ));
                    }
                }
            }
            return Ok(Cond::In(field, values));
        }
        if self.is_kw("matches") {
            self.at += 1;
            return match self.next() {
                Some(Tok::Str(s)) => Ok(Cond::Matches(field, s)),
                _ => {
                    self.at -= 1;
                    err(format!(
                        "Invalid query syntax: MATCHES needs a quoted string, {}",
                        self.found()
                    ))
                }
            };
        }
        match self.next() {
            Some(Tok::Op(op)) => Ok(Cond::Cmp(field, op, self.literal()?)),
            _ => {
                self.at -= 1;
                err(format!(
                    "Invalid query syntax: expected an operator (=, !=, >, <, >=, <=, IN, \
                     MATCHES) after {field}, {}",
                    self.found()
                ))
            }
        }
    }

    fn query(&mut self) -> Result<Query, LiqlError> {
        self.expect_kw("select", "SELECT")?;
        let select = if self.peek() == Some(&Tok::Star) {
            self.at += 1;
            Select::All
        } else if matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("count(*)")) {
            self.at += 1;
            Select::Count
        } else {
            let mut fields = vec![self.field("a field, * or count(*)")?];
            while self.peek() == Some(&Tok::Comma) {
                self.at += 1;
                fields.push(self.field("a field after ','")?);
            }
            Select::Fields(fields)
        };
        self.refuse_foreign()?;
        self.expect_kw("from", "FROM after the fields")?;
        let collection = match self.next() {
            Some(Tok::Word(w))
                if !RESERVED.contains(&w.to_ascii_lowercase().as_str()) && !w.contains('.') =>
            {
                w.to_ascii_lowercase()
            }
            _ => {
                self.at = self.at.saturating_sub(1);
                return err(format!(
                    "Invalid query syntax: expected a collection after FROM, {}",
                    self.found()
                ));
            }
        };
        let mut filter = Filter::default();
        if self.is_kw("where") {
            self.at += 1;
            let mut group = vec![self.condition()?];
            let mut total = 1;
            loop {
                if self.is_kw("and") {
                    self.at += 1;
                    group.push(self.condition()?);
                } else if self.is_kw("or") {
                    self.at += 1;
                    filter.any_of.push(std::mem::take(&mut group));
                    group.push(self.condition()?);
                } else {
                    break;
                }
                total += 1;
                if total > MAX_CONDITIONS {
                    return err(format!(
                        "Invalid query syntax: at most {MAX_CONDITIONS} conditions"
                    ));
                }
            }
            filter.any_of.push(group);
        }
        let mut order = Vec::new();
        if self.is_kw("order") {
            self.at += 1;
            self.expect_kw("by", "BY after ORDER")?;
            loop {
                let f = self.field("a field to order by")?;
                let dir = if self.is_kw("desc") {
                    self.at += 1;
                    Dir::Desc
                } else {
                    if self.is_kw("asc") {
                        self.at += 1;
                    }
                    Dir::Asc
                };
                order.push((f, dir));
                if self.peek() == Some(&Tok::Comma) {
                    self.at += 1;
                } else {
                    break;
                }
            }
        }
        let mut limit = None;
        let mut offset = None;
        let mut cursor = None;
        if self.is_kw("limit") {
            self.at += 1;
            limit = Some(self.count_of("LIMIT")?);
        }
        if self.is_kw("offset") {
            self.at += 1;
            offset = Some(self.count_of("OFFSET")?);
        }
        if self.is_kw("cursor") {
            self.at += 1;
            match self.next() {
                Some(Tok::Str(s)) => cursor = Some(s),
                _ => {
                    self.at -= 1;
                    return err(format!(
                        "Invalid query syntax: CURSOR needs the cursor in quotes, {}",
                        self.found()
                    ));
                }
            }
        }
        self.refuse_foreign()?;
        if let Some(t) = self.peek() {
            let clause_out_of_place = ["where", "order", "limit", "offset", "cursor"]
                .iter()
                .any(|k| keyword(t, k));
            return err(if clause_out_of_place {
                format!(
                    "Invalid query syntax: {t} at {} is out of place (the order is WHERE, \
                     ORDER BY, LIMIT, OFFSET, CURSOR)",
                    self.pos()
                )
            } else {
                format!("Invalid query syntax: unexpected {t} at {}", self.pos())
            });
        }
        Ok(Query {
            select,
            collection,
            filter,
            order,
            limit,
            offset,
            cursor,
        })
    }
}

/// `board.id` → path; `replies.count(*)` and `kudos.sum(weight)` → path and aggregate.
fn parse_field(word: &str) -> Result<Field, String> {
    let (path_text, agg) = match word.find('(') {
        None => (word, None),
        Some(open) => {
            let inner = word[open + 1..word.len().saturating_sub(1)].trim();
            let head = &word[..open];
            let (path, func) = match head.rsplit_once('.') {
                Some((p, f)) => (p, f),
                None => ("", head),
            };
            let agg = match func.to_ascii_lowercase().as_str() {
                "count" if inner == "*" => Agg::Count,
                "count" => return Err(format!("count takes * (got count({inner}))")),
                "sum"
                    if !inner.is_empty()
                        && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    Agg::Sum(inner.to_ascii_lowercase())
                }
                _ => return Err(format!("'{word}' is not a field or an aggregate")),
            };
            if path.is_empty() {
                return Err(format!(
                    "{func}(…) needs a relation ('replies.{func}(…)'), except SELECT count(*)"
                ));
            }
            (path, Some(agg))
        }
    };
    let path: Vec<String> = path_text.split('.').map(str::to_ascii_lowercase).collect();
    if path.iter().any(String::is_empty) {
        return Err(format!("'{word}' is not a field"));
    }
    if path.len() > 4 {
        return Err(format!("'{word}' nests too deep"));
    }
    Ok(Field { path, agg })
}

/// Parses one LiQL query.
pub fn parse(q: &str) -> Result<Query, LiqlError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return err(format!(
            "Invalid query syntax: the query is longer than {MAX_QUERY_CHARS} characters"
        ));
    }
    if q.trim().is_empty() {
        return err("Invalid query syntax: the query is empty");
    }
    let toks = tokens(q)?;
    let mut p = Parser {
        toks,
        at: 0,
        len: q.chars().count(),
    };
    p.query()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(path: &str) -> Field {
        parse_field(path).unwrap()
    }

    #[test]
    fn a_full_query() {
        let q = parse(
            "select id, subject, replies.count(*), kudos.sum(weight) from messages \
             WHERE depth = 0 and replies.count(*) = 0 AND board.id = 'o\\'brien' \
             ORDER BY post_time desc, id LIMIT 50 OFFSET 10 CURSOR 'abc'",
        )
        .expect("parses");
        assert_eq!(q.collection, "messages");
        assert_eq!(
            q.select,
            Select::Fields(vec![
                f("id"),
                f("subject"),
                f("replies.count(*)"),
                f("kudos.sum(weight)")
            ])
        );
        assert_eq!(
            f("kudos.sum(weight)").value_path(),
            ["kudos", "sum", "weight"]
        );
        assert_eq!(f("replies.count(*)").value_path(), ["replies", "count"]);
        assert_eq!(q.filter.any_of.len(), 1);
        assert_eq!(
            q.filter.any_of[0][2],
            Cond::Cmp(f("board.id"), Op::Eq, Lit::Str("o'brien".into()))
        );
        assert_eq!(
            q.order,
            vec![(f("post_time"), Dir::Desc), (f("id"), Dir::Asc)]
        );
        assert_eq!((q.limit, q.offset), (Some(50), Some(10)));
        assert_eq!(q.cursor.as_deref(), Some("abc"));
    }

    #[test]
    fn star_count_operators_in_and_matches() {
        assert_eq!(parse("SELECT * FROM users").unwrap().select, Select::All);
        let q = parse("SELECT count(*) FROM messages WHERE conversation.solved = false").unwrap();
        assert_eq!(q.select, Select::Count);
        assert_eq!(
            q.filter.any_of[0][0],
            Cond::Cmp(f("conversation.solved"), Op::Eq, Lit::Bool(false))
        );
        let q = parse(
            "SELECT id FROM messages WHERE a != 1 AND b <> 2 AND c > 3 AND d < 4 AND e >= -5 \
             AND g <= 6.5 AND id IN ('1', '2',3) AND body MATCHES 'router lights'",
        )
        .unwrap();
        let ops: Vec<Option<Op>> = q
            .filter
            .conditions()
            .map(|c| match c {
                Cond::Cmp(_, op, _) => Some(*op),
                _ => None,
            })
            .collect();
        assert_eq!(
            ops,
            vec![
                Some(Op::Ne),
                Some(Op::Ne),
                Some(Op::Gt),
                Some(Op::Lt),
                Some(Op::Ge),
                Some(Op::Le),
                None,
                None
            ]
        );
        assert!(q.filter.conditions().any(|c| *c
            == Cond::In(
                f("id"),
                vec![Lit::Str("1".into()), Lit::Str("2".into()), Lit::Num(3.0)]
            )));
        assert!(q
            .filter
            .conditions()
            .any(|c| *c == Cond::Matches(f("body"), "router lights".into())));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let q = parse("SELECT id FROM messages WHERE a = 1 AND b = 2 OR c = 3 AND d = 4 OR e = 5")
            .unwrap();
        let sizes: Vec<usize> = q.filter.any_of.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
        assert!(q.filter.required().is_empty());
        let q = parse("SELECT id FROM messages WHERE a = 1 AND b = 2").unwrap();
        assert_eq!(q.filter.required().len(), 2);
    }

    #[test]
    fn malformed_queries_are_refused_with_where() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("   ", "empty"),
            ("SELEC id FROM messages", "expected SELECT"),
            ("SELECT FROM messages", "expected a field"),
            ("SELECT id messages", "expected FROM"),
            ("SELECT id, FROM messages", "expected a field after ','"),
            ("SELECT id FROM", "expected a collection"),
            (
                "SELECT id FROM messages WHERE",
                "expected a field to constrain",
            ),
            (
                "SELECT id FROM messages WHERE depth",
                "expected an operator",
            ),
            ("SELECT id FROM messages WHERE depth =", "expected a value"),
            ("SELECT id FROM messages WHERE login = bob", "quote strings"),
            (
                "SELECT id FROM messages WHERE subject = 'open",
                "not closed",
            ),
            (
                "SELECT id FROM messages WHERE subject = \"x\"",
                "quoted with '",
            ),
            (
                "SELECT id FROM messages WHERE (a = 1 OR b = 2)",
                "parentheses",
            ),
            (
                "SELECT id FROM messages WHERE NOT a = 1",
                "NOT is not supported",
            ),
            (
                "SELECT id FROM messages WHERE a LIKE 'x%'",
                "LIKE is not supported",
            ),
            (
                "SELECT id FROM messages WHERE id IN (SELECT id FROM users)",
                "nested SELECT",
            ),
            (
                "SELECT id FROM messages WHERE id IN ('1' '2')",
                "expected ',' or ')'",
            ),
            ("SELECT id FROM messages WHERE id IN '1'", "IN needs a list"),
            (
                "SELECT id FROM messages WHERE body MATCHES router",
                "MATCHES needs a quoted",
            ),
            (
                "SELECT id FROM messages LIMIT ten",
                "LIMIT needs a whole number",
            ),
            (
                "SELECT id FROM messages LIMIT 2.5",
                "LIMIT needs a whole number",
            ),
            (
                "SELECT id FROM messages LIMIT -1",
                "LIMIT needs a whole number",
            ),
            ("SELECT id FROM messages OFFSET 1 LIMIT 5", "out of place"),
            (
                "SELECT id FROM messages LIMIT 5 WHERE depth = 0",
                "out of place",
            ),
            (
                "SELECT id FROM messages CURSOR abc",
                "CURSOR needs the cursor in quotes",
            ),
            ("SELECT id FROM messages;", "';' is not allowed"),
            (
                "SELECT id FROM messages GROUP BY board.id",
                "GROUP is not supported",
            ),
            ("SELECT id FROM messages ORDER post_time", "expected BY"),
            ("SELECT replies.count(id) FROM messages", "count takes *"),
            ("SELECT sum(weight) FROM kudos", "needs a relation"),
            ("SELECT replies.avg(x) FROM messages", "expected FROM"),
            ("SELECT a..b FROM messages", "is not a field"),
            (
                "SELECT id FROM messages WHERE a = 1 AND",
                "expected a field to constrain",
            ),
            ("SELECT id FROM messages extra", "unexpected 'extra'"),
            (
                "SELECT id FROM messages WHERE a = 1 # x",
                "unexpected character '#'",
            ),
            (
                "SELECT id FROM messages WHERE a ! 1",
                "unexpected character '!'",
            ),
        ];
        for (q, want) in cases {
            match parse(q) {
                Ok(parsed) => panic!("{q:?} parsed: {parsed:?}"),
                Err(e) => {
                    assert!(
                        e.message.starts_with("Invalid query syntax"),
                        "{q:?}: {}",
                        e.message
                    );
                    assert!(e.message.contains(want), "{q:?}: {}", e.message);
                }
            }
        }
        let long = format!(
            "SELECT id FROM messages WHERE subject = '{}'",
            "x".repeat(9000)
        );
        assert!(parse(&long).unwrap_err().message.contains("longer than"));
        let many = format!(
            "SELECT id FROM messages WHERE {}",
            vec!["a = 1"; 70].join(" AND ")
        );
        assert!(parse(&many).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn no_input_panics_the_parser() {
        // Every prefix of a valid query, and some noise, fails or parses without panicking.
        let q = "SELECT id, replies.count(*) FROM messages WHERE a = 'x\\'y' AND b IN (1, 2) OR c MATCHES 'w' ORDER BY d DESC LIMIT 5 OFFSET 1 CURSOR 'c'";
        for end in 0..=q.len() {
            if q.is_char_boundary(end) {
                let _ = parse(&q[..end]);
            }
        }
        for noise in [
            "'",
            "\\",
            "(((",
            ")))",
            "count(",
            "x.count(",
            "ü = 'é'",
            "\u{0}",
        ] {
            let _ = parse(noise);
            let _ = parse(&format!("SELECT id FROM messages WHERE {noise}"));
        }
    }
}
