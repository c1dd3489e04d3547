//! Editing a post on Discourse: `PUT /posts/{id}.json` with `post[raw]` and
//! `post[edit_reason]` (posts_controller#update); the answer is `{"post":{…}}`. The server
//! records a revision with the reason; an edit that changes nothing records none. A write:
//! sent once (again only after a 429), through the governor.

use reqwest::Method;
use serde_json::json;

use super::client::{seg, Client};
use super::map::{self, parse};
use super::wire::WirePost;
use crate::backend::{BackendError, Result};
use crate::domain::*;

/// The longest edit reason sent (Discourse cuts it at 255 characters anyway).
const MAX_REASON_CHARS: usize = 255;

/// The post of an edit's answer: `{"post":{…}}`, or a bare post from older servers.
pub(super) fn decode_edited(body: &[u8], post: &PostId) -> Result<Post> {
    let value: serde_json::Value = parse(body, "edited post")?;
    let inner = match value.get("post") {
        Some(p) if p.is_object() => p.clone(),
        _ => value,
    };
    let wire: WirePost = serde_json::from_value(inner)
        .map_err(|_| BackendError::Malformed("edited post: not a post object".into()))?;
    let p = map::post(wire, None)
        .ok_or_else(|| BackendError::Malformed("edited post: no post id".into()))?;
    if p.id != *post {
        return Err(BackendError::Malformed(format!(
            "edited post: the server answered with post {} instead of {post}",
            p.id
        )));
    }
    Ok(p)
}

/// `GET /posts/{id}.json`: the post with its `raw`.
pub(super) async fn source(client: &Client, post: &PostId) -> Result<String> {
    let body = client
        .get(&format!("/posts/{}.json", seg(post.as_str())), &[])
        .await?;
    let value: serde_json::Value = parse(&body, "post")?;
    match value.get("raw").and_then(|r| r.as_str()) {
        Some(raw) => Ok(raw.to_string()),
        None => Err(BackendError::Malformed(format!(
            "post {post}: the answer has no raw text"
        ))),
    }
}

pub(super) async fn edit(
    client: &Client,
    post: &PostId,
    raw: &str,
    reason: Option<&str>,
) -> Result<Post> {
    if raw.trim().is_empty() {
        return Err(BackendError::Refused(
            "the new text of the post is empty".into(),
        ));
    }
    let mut fields = json!({ "raw": raw });
    if let Some(r) = reason.map(str::trim).filter(|r| !r.is_empty()) {
        let r: String = r.chars().take(MAX_REASON_CHARS).collect();
        fields["edit_reason"] = json!(r);
    }
    let body = client
        .send(
            Method::PUT,
            &format!("/posts/{}.json", seg(post.as_str())),
            &json!({ "post": fields }),
        )
        .await
        .map_err(|e| match e {
            BackendError::Forbidden(msg) if msg.starts_with("You are not permitted") => {
                BackendError::Forbidden(format!(
                    "{msg} (staff and leaders may edit any post, members only their own)"
                ))
            }
            BackendError::NotFound(_) => {
                BackendError::NotFound(format!("no post {post} visible to this account"))
            }
            other => other,
        })?;
    decode_edited(&body, post)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edited_post_nested_or_bare() {
        let id = PostId::from(5);
        let nested = br#"{"post":{"id":5,"topic_id":9,"post_number":2,"username":"anna","cooked":"<p>new</p>","raw":"new"}}"#;
        let p = decode_edited(nested, &id).unwrap();
        assert_eq!(p.topic_id, TopicId::from(9));
        assert_eq!(p.raw.as_deref(), Some("new"));
        let bare = br#"{"id":5,"cooked":"<p>x</p>"}"#;
        assert_eq!(decode_edited(bare, &id).unwrap().body_html, "<p>x</p>");
        assert!(matches!(
            decode_edited(br#"{"post":{"id":6}}"#, &id),
            Err(BackendError::Malformed(_))
        ));
        assert!(matches!(
            decode_edited(br#"{"post":"x"}"#, &id),
            Err(BackendError::Malformed(_))
        ));
    }
}
