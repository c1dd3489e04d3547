//! Request parameters: the query string plus a form-urlencoded or JSON body, flattened into one
//! ordered multimap so `post_ids[]=1&post_ids[]=2` and `{"post_ids":[1,2]}` read the same.

use serde_json::Value;

#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// The first value of `key` (or `key[]`).
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key || is_array_key(k, key))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, trimmed, if not empty.
    pub(crate) fn get_nonblank(&self, key: &str) -> Option<&str> {
        self.get(key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Every value of `key` and `key[]`, in order. Comma-separated values are not split.
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key || is_array_key(k, key))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub(crate) fn push(&mut self, k: impl Into<String>, v: impl Into<String>) {
        self.0.push((k.into(), v.into()));
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// Adds the pairs of an `application/x-www-form-urlencoded` string (or a query string).
    pub(crate) fn add_urlencoded(&mut self, s: &str) {
        for part in s.split('&') {
            if part.is_empty() {
                continue;
            }
            let (k, v) = match part.split_once('=') {
                Some((k, v)) => (k, v),
                None => (part, ""),
            };
            self.push(decode_component(k), decode_component(v));
        }
    }

    /// Adds the members of a JSON object body. Arrays become repeated keys; nested objects
    /// become `outer[inner]` keys; nulls are skipped.
    pub(crate) fn add_json(&mut self, body: &[u8]) -> Result<(), String> {
        let v: Value =
            serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))?;
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    self.flatten(&k, &v);
                }
                Ok(())
            }
            _ => Err("the JSON body must be an object".into()),
        }
    }

    fn flatten(&mut self, key: &str, v: &Value) {
        match v {
            Value::Null => {}
            Value::String(s) => self.push(key, s.as_str()),
            Value::Bool(b) => self.push(key, b.to_string()),
            Value::Number(n) => self.push(key, n.to_string()),
            Value::Array(items) => {
                for item in items {
                    self.flatten(key, item);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.flatten(&format!("{key}[{k}]"), v);
                }
            }
        }
    }

    /// Adds a request body according to its content type (JSON, form, or sniffed).
    pub(crate) fn add_body(
        &mut self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if ct.starts_with("application/json") || (!ct.contains("form") && first == Some(b'{')) {
            self.add_json(body)
        } else if ct.starts_with("multipart/") {
            Err("multipart bodies are not supported by the sandbox; send JSON or a form".into())
        } else {
            let s = String::from_utf8_lossy(body);
            self.add_urlencoded(&s);
            Ok(())
        }
    }
}

fn is_array_key(k: &str, key: &str) -> bool {
    k.len() == key.len() + 2 && k.starts_with(key) && k.ends_with("[]")
}

/// Percent-decodes one form component (`+` is a space). Invalid escapes are kept verbatim.
pub(crate) fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-decodes a path segment (`+` stays a plus).
pub(crate) fn decode_path_segment(s: &str) -> String {
    decode_component(&s.replace('+', "%2B"))
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes a query component.
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push_str("%20"),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_and_escapes() {
        let mut p = Params::default();
        p.add_urlencoded("post_ids[]=1&post_ids[]=2&title=Hello+w%C3%B6rld&bad=%zz%4");
        assert_eq!(p.all("post_ids"), vec!["1", "2"]);
        assert_eq!(p.get("title"), Some("Hello wörld"));
        assert_eq!(p.get("bad"), Some("%zz%4"));
    }

    #[test]
    fn json_arrays_flatten() {
        let mut p = Params::default();
        p.add_body(
            Some("application/json"),
            br#"{"post_ids":[3,4],"x":{"y":true},"n":null}"#,
        )
        .unwrap();
        assert_eq!(p.all("post_ids"), vec!["3", "4"]);
        assert_eq!(p.get("x[y]"), Some("true"));
        assert_eq!(p.get("n"), None);
        assert!(p.add_body(Some("application/json"), b"[1]").is_err());
        assert!(p.add_body(Some("application/json"), b"{oops").is_err());
    }
}
