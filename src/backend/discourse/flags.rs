//! Flagging posts on Discourse (reference §9, §10.3): the flag types `/site.json` lists
//! (`post_action_types`), and `POST /post_actions.json` with `id`, `post_action_type_id` and
//! `message`.
//!
//! Likes share the endpoint and the list (`like`, id 2, `is_flag: false`): they are left out of
//! the flag types, so a like can never be sent as a "flag". A flag is a write: sent once
//! (again only after a 429), through the governor.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::client::Client;
use super::map::parse;
use super::num;
use super::wire::lenient;
use crate::backend::{BackendError, Result};
use crate::domain::*;

/// The longest flag message sent (Discourse's `max_flag_reason_length` default is 500; the
/// server judges, this only keeps a pasted file from being sent whole).
const MAX_MESSAGE_CHARS: usize = 4000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireFlagType {
    #[serde(deserialize_with = "lenient::u64")]
    id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    name_key: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    description: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    short_description: Option<String>,
    #[serde(deserialize_with = "lenient::bool")]
    is_flag: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    require_message: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    enabled: Option<bool>,
    #[serde(deserialize_with = "lenient::strings")]
    applies_to: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SiteResponse {
    #[serde(deserialize_with = "lenient::list")]
    post_action_types: Vec<WireFlagType>,
}

/// `PostActionType` names of the core types (for servers that send no `name_key`).
fn core_name(id: u64) -> Option<&'static str> {
    Some(match id {
        2 => "like",
        3 => "off_topic",
        4 => "inappropriate",
        6 => "notify_user",
        7 => "notify_moderators",
        8 => "spam",
        10 => "illegal",
        _ => return None,
    })
}

/// The flag types of a `/site.json` answer: enabled flags that apply to posts.
pub(super) fn decode_flag_types(body: &[u8]) -> Result<Vec<FlagType>> {
    let resp: SiteResponse = parse(body, "site")?;
    Ok(resp
        .post_action_types
        .into_iter()
        .filter_map(|t| {
            let id = t.id?;
            let name = t
                .name_key
                .filter(|n| !n.trim().is_empty())
                .map(|n| n.trim().to_string())
                .or_else(|| core_name(id).map(str::to_string))
                .unwrap_or_else(|| format!("flag_{id}"));
            let is_flag = t.is_flag.unwrap_or(name != "like");
            let applies = t.applies_to.is_empty() || t.applies_to.iter().any(|a| a == "Post");
            if !is_flag || name == "like" || t.enabled == Some(false) || !applies {
                return None;
            }
            let needs_message = t.require_message.unwrap_or(matches!(
                name.as_str(),
                "notify_user" | "notify_moderators" | "illegal"
            ));
            Some(FlagType {
                id: id.to_string(),
                label: t
                    .name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| name.replace('_', " ")),
                description: t
                    .description
                    .or(t.short_description)
                    .filter(|d| !d.trim().is_empty()),
                name,
                needs_message,
            })
        })
        .collect())
}

pub(super) async fn flag_types(client: &Client) -> Result<Vec<FlagType>> {
    let body = client.get("/site.json", &[]).await?;
    decode_flag_types(&body)
}

pub(super) async fn flag(
    client: &Client,
    post: &PostId,
    flag: &FlagType,
    message: Option<&str>,
) -> Result<()> {
    let message = message.map(str::trim).filter(|m| !m.is_empty());
    if flag.needs_message && message.is_none() {
        return Err(BackendError::Refused(format!(
            "a flag of type {} needs a message for the staff (--message TEXT)",
            flag.name
        )));
    }
    if message.is_some_and(|m| m.chars().count() > MAX_MESSAGE_CHARS) {
        return Err(BackendError::Refused(format!(
            "the flag message is longer than {MAX_MESSAGE_CHARS} characters"
        )));
    }
    let mut body = json!({
        "id": num(post.as_str()),
        "post_action_type_id": num(&flag.id),
    });
    if let Some(m) = message {
        body["message"] = json!(m);
    }
    // The answer is the post with its new action summary; a 2xx is all that matters.
    client
        .send(Method::POST, "/post_actions.json", &body)
        .await
        .map_err(|e| match e {
            BackendError::Forbidden(msg) if msg.starts_with("You are not permitted") => {
                BackendError::Forbidden(format!(
                    "{msg} (nobody flags their own post or flags one post twice; a silenced \
                     account flags nothing)"
                ))
            }
            BackendError::NotFound(_) => {
                BackendError::NotFound(format!("no post {} visible to this account", post))
            }
            other => other,
        })?;
    Ok(())
}

/// A like is the post action of type 2 (`PostActionType.types[:like]`), sent like a flag.
pub(super) async fn like(client: &Client, post: &PostId) -> Result<()> {
    let body = json!({ "id": num(post.as_str()), "post_action_type_id": 2 });
    client
        .send(Method::POST, "/post_actions.json", &body)
        .await
        .map_err(|e| match e {
            BackendError::Forbidden(msg) => BackendError::Forbidden(format!(
                "{msg} (nobody likes their own post or one post twice)"
            )),
            other => other,
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_types_leave_out_likes_and_disabled_ones() {
        let body = br#"{"post_action_types":[
            {"id":2,"name_key":"like","name":"Like","is_flag":false},
            {"id":3,"name_key":"off_topic","name":"It's Off-Topic","is_flag":true,"require_message":false,"applies_to":["Post","Topic"]},
            {"id":7,"name_key":"notify_moderators","name":"Something Else","is_flag":true,"require_message":true},
            {"id":8,"name":"It's Spam","is_flag":true},
            {"id":10,"name_key":"illegal","is_flag":true},
            {"id":12,"name_key":"custom_x","name":"Custom","is_flag":true,"enabled":false},
            {"id":13,"name_key":"topic_only","name":"Topic","is_flag":true,"applies_to":["Topic"]},
            {"name_key":"no_id","is_flag":true}
        ]}"#;
        let types = decode_flag_types(body).unwrap();
        let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["off_topic", "notify_moderators", "spam", "illegal"]);
        assert!(!types[0].needs_message && types[1].needs_message);
        assert_eq!(types[2].label, "It's Spam");
        assert!(types[3].needs_message, "illegal needs a message by default");
        assert_eq!(types[3].label, "illegal");
        assert!(decode_flag_types(br#"{"post_action_types":"x"}"#).is_err());
        assert!(decode_flag_types(b"{}").unwrap().is_empty());
    }
}
