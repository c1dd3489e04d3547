//! Wire types: what a Discourse server sends, read as loosely as it may send it.
//!
//! Every field is optional or defaulted, unknown fields are ignored, and scalar fields go
//! through the [`lenient`] readers, which turn a value of the wrong type (a string where a
//! number was expected, a block array where a string was expected, `null`) into "absent"
//! instead of failing the whole document. Only the outer shape of a document can fail to
//! decode. These types are private to the adapter; [`super::map`] turns them into domain types.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// Readers that never fail on a well-formed JSON value of the wrong type.
pub(crate) mod lenient {
    use super::*;
    use serde::Deserializer;

    fn value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Option::<Value>::deserialize(d)
    }

    pub fn to_u64(v: &Value) -> Option<u64> {
        match v {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            }),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn to_i64(v: &Value) -> Option<i64> {
        match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(value(d)?.as_ref().and_then(to_u64))
    }

    pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(value(d)?.as_ref().and_then(to_i64))
    }

    pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(value(d)?.and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }))
    }

    pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(value(d)?.and_then(|v| match v {
            Value::Bool(b) => Some(b),
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            Value::String(s) => match s.as_str() {
                "true" | "t" | "OK" => Some(true),
                "false" | "f" => Some(false),
                _ => None,
            },
            _ => None,
        }))
    }

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(value(d)?.and_then(|v| match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }))
    }

    /// An array whose elements that fail to decode are dropped; anything else is empty.
    pub fn vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(match value(d)? {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| serde_json::from_value(v).ok())
                .collect(),
            _ => Vec::new(),
        })
    }

    /// The list a document is about: absent or `null` is empty, an array is read leniently,
    /// and anything else (`"topics":"abc"`) fails the document, so a page that is not a page
    /// is reported instead of read as an empty one.
    pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        match value(d)? {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .into_iter()
                .filter_map(|v| serde_json::from_value(v).ok())
                .collect()),
            Some(_) => Err(serde::de::Error::custom("expected a list")),
        }
    }

    /// A nested object that is dropped (not fatal) when it has the wrong shape.
    pub fn opt<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Ok(value(d)?.and_then(|v| serde_json::from_value(v).ok()))
    }

    /// Numbers that may come as numbers or strings.
    pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        Ok(match value(d)? {
            Some(Value::Array(items)) => items.iter().filter_map(to_u64).collect(),
            _ => Vec::new(),
        })
    }

    /// Error messages: strings kept, anything else rendered as compact JSON.
    pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(match value(d)? {
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
            Some(Value::String(s)) => vec![s],
            _ => Vec::new(),
        })
    }

    /// Tags: `["a","b"]` (older) or `[{"id":1,"name":"a","slug":"a"}]` (newer).
    pub fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(match value(d)? {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    Value::Object(o) => o
                        .get("name")
                        .or_else(|| o.get("slug"))
                        .and_then(|n| n.as_str())
                        .map(str::to_owned),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
    }
}

/// A user as side-loaded or embedded (`users[]`, `created_by`, `user`...).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BasicUser {
    #[serde(deserialize_with = "lenient::i64")]
    pub id: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub username: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Topic lists

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicListResponse {
    #[serde(deserialize_with = "lenient::vec")]
    pub users: Vec<BasicUser>,
    pub topic_list: Option<TopicList>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicList {
    #[serde(deserialize_with = "lenient::list")]
    pub topics: Vec<ListTopic>,
    #[serde(deserialize_with = "lenient::string")]
    pub more_topics_url: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub per_page: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Poster {
    #[serde(deserialize_with = "lenient::string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "lenient::i64")]
    pub user_id: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListTopic {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub fancy_title: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub slug: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub category_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub last_posted_at: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub bumped_at: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub posts_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub reply_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub like_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub views: Option<u64>,
    #[serde(deserialize_with = "lenient::bool")]
    pub has_accepted_answer: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub closed: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub archived: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub pinned: Option<bool>,
    #[serde(deserialize_with = "lenient::tags")]
    pub tags: Vec<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub last_poster_username: Option<String>,
    #[serde(deserialize_with = "lenient::vec")]
    pub posters: Vec<Poster>,
    #[serde(deserialize_with = "lenient::string")]
    pub excerpt: Option<String>,
}

/// `GET /search.json`: posts with the topic they belong to, and the topics themselves.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchResponse {
    #[serde(deserialize_with = "lenient::list")]
    pub posts: Vec<SearchPost>,
    #[serde(deserialize_with = "lenient::list")]
    pub topics: Vec<ListTopic>,
    #[serde(deserialize_with = "lenient::opt")]
    pub grouped_search_result: Option<GroupedSearchResult>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchPost {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub post_number: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub username: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub blurb: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupedSearchResult {
    #[serde(deserialize_with = "lenient::bool")]
    pub more_full_page_results: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub more_posts: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Topics and posts

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionSummary {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub count: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WirePost {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub post_number: Option<u64>,
    #[serde(deserialize_with = "lenient::i64")]
    pub user_id: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub username: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub user_title: Option<String>,
    #[serde(deserialize_with = "lenient::bool")]
    pub admin: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub moderator: Option<bool>,
    #[serde(deserialize_with = "lenient::u64")]
    pub trust_level: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub cooked: Option<String>,
    /// Hand-edited recordings carry a block array here; that reads as absent.
    #[serde(deserialize_with = "lenient::string")]
    pub raw: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub post_type: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub like_count: Option<u64>,
    #[serde(deserialize_with = "lenient::vec")]
    pub actions_summary: Vec<ActionSummary>,
    #[serde(deserialize_with = "lenient::u64")]
    pub reply_to_post_number: Option<u64>,
    #[serde(deserialize_with = "lenient::bool")]
    pub accepted_answer: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub can_accept_answer: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub can_unaccept_answer: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PostStream {
    #[serde(deserialize_with = "lenient::vec")]
    pub posts: Vec<WirePost>,
    #[serde(deserialize_with = "lenient::ids")]
    pub stream: Vec<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicDetails {
    #[serde(deserialize_with = "lenient::bool")]
    pub can_create_post: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub can_move_posts: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub can_edit: Option<bool>,
    #[serde(deserialize_with = "lenient::opt")]
    pub created_by: Option<BasicUser>,
    #[serde(deserialize_with = "lenient::opt")]
    pub last_poster: Option<BasicUser>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AcceptedAnswer {
    #[serde(deserialize_with = "lenient::u64")]
    pub post_number: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicShow {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub fancy_title: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub slug: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub category_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub last_posted_at: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub posts_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub reply_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub like_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub views: Option<u64>,
    #[serde(deserialize_with = "lenient::bool")]
    pub closed: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub archived: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub pinned: Option<bool>,
    #[serde(deserialize_with = "lenient::tags")]
    pub tags: Vec<String>,
    #[serde(deserialize_with = "lenient::bool")]
    pub has_accepted_answer: Option<bool>,
    #[serde(deserialize_with = "lenient::opt")]
    pub accepted_answer: Option<AcceptedAnswer>,
    pub post_stream: Option<PostStream>,
    #[serde(deserialize_with = "lenient::opt")]
    pub details: Option<TopicDetails>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PostsResponse {
    pub post_stream: Option<PostStream>,
}

// ---------------------------------------------------------------------------------------------
// Categories

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CategoriesResponse {
    pub category_list: Option<CategoryList>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CategoryList {
    #[serde(deserialize_with = "lenient::vec")]
    pub categories: Vec<WireCategory>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireCategory {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub slug: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub color: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub parent_category_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_count: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub description_text: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "lenient::vec")]
    pub subcategory_list: Vec<WireCategory>,
}

// ---------------------------------------------------------------------------------------------
// Badges

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireBadge {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub badge_type_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub grant_count: Option<u64>,
    #[serde(deserialize_with = "lenient::bool")]
    pub manually_grantable: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub system: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub enabled: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub multiple_grant: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BadgesResponse {
    #[serde(deserialize_with = "lenient::vec")]
    pub badges: Vec<WireBadge>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireUserBadge {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub granted_at: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub badge_id: Option<u64>,
    #[serde(deserialize_with = "lenient::i64")]
    pub granted_by_id: Option<i64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub post_number: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub count: Option<u64>,
}

/// `/user-badges/{u}.json` and the reply of `POST /user_badges.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserBadgesResponse {
    #[serde(deserialize_with = "lenient::vec")]
    pub user_badges: Vec<WireUserBadge>,
    #[serde(deserialize_with = "lenient::opt")]
    pub user_badge: Option<WireUserBadge>,
    #[serde(deserialize_with = "lenient::vec")]
    pub badges: Vec<WireBadge>,
    #[serde(deserialize_with = "lenient::vec")]
    pub users: Vec<BasicUser>,
}

// ---------------------------------------------------------------------------------------------
// Users

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireUser {
    #[serde(deserialize_with = "lenient::i64")]
    pub id: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub username: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "lenient::bool")]
    pub admin: Option<bool>,
    #[serde(deserialize_with = "lenient::bool")]
    pub moderator: Option<bool>,
    #[serde(deserialize_with = "lenient::u64")]
    pub trust_level: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub last_seen_at: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub last_posted_at: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub primary_group_name: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub badge_count: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub suspended_till: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub silenced_till: Option<String>,
    /// `/session/current.json`: whether the review queue is open to this account (staff, or
    /// a category moderator with something to review).
    #[serde(deserialize_with = "lenient::bool")]
    pub can_review: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserResponse {
    pub user: Option<WireUser>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SessionResponse {
    pub current_user: Option<WireUser>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireSummary {
    #[serde(deserialize_with = "lenient::u64")]
    pub likes_given: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub likes_received: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub post_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub solved_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub days_visited: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub time_read: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub posts_read_count: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SummaryResponse {
    pub user_summary: Option<WireSummary>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireUserAction {
    #[serde(deserialize_with = "lenient::u64")]
    pub action_type: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub excerpt: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub post_number: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserActionsResponse {
    #[serde(deserialize_with = "lenient::vec")]
    pub user_actions: Vec<WireUserAction>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireSolvedPost {
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub topic_title: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub post_number: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub excerpt: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SolvedByUserResponse {
    #[serde(deserialize_with = "lenient::vec")]
    pub user_solved_posts: Vec<WireSolvedPost>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PenaltyCounts {
    #[serde(deserialize_with = "lenient::u64")]
    pub suspended: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub silenced: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SsoRecord {
    #[serde(deserialize_with = "lenient::string")]
    pub external_id: Option<String>,
}

/// `/admin/users/{id}.json` (staff).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AdminUser {
    #[serde(deserialize_with = "lenient::i64")]
    pub id: Option<i64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub flags_given_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub flags_received_count: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub warnings_received_count: Option<u64>,
    #[serde(deserialize_with = "lenient::opt")]
    pub penalty_counts: Option<PenaltyCounts>,
    #[serde(deserialize_with = "lenient::string")]
    pub suspended_till: Option<String>,
    #[serde(deserialize_with = "lenient::bool")]
    pub suspended: Option<bool>,
    #[serde(deserialize_with = "lenient::string")]
    pub full_suspend_reason: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub suspend_reason: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub silenced_till: Option<String>,
    #[serde(deserialize_with = "lenient::bool")]
    pub silenced: Option<bool>,
    #[serde(deserialize_with = "lenient::string")]
    pub silence_reason: Option<String>,
    #[serde(deserialize_with = "lenient::opt")]
    pub external_ids: Option<BTreeMap<String, Value>>,
    #[serde(deserialize_with = "lenient::opt")]
    pub single_sign_on_record: Option<SsoRecord>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireReviewable {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(rename = "type", deserialize_with = "lenient::string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::u64")]
    pub post_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub target_type: Option<String>,
    #[serde(deserialize_with = "lenient::u64")]
    pub target_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "lenient::f64")]
    pub score: Option<f64>,
    #[serde(deserialize_with = "lenient::string")]
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewResponse {
    #[serde(deserialize_with = "lenient::vec")]
    pub reviewables: Vec<WireReviewable>,
}

// ---------------------------------------------------------------------------------------------
// Chat

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatChannel {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub slug: Option<String>,
}

/// `/chat/api/channels.json` (`channels`) or `/chat/api/me/channels.json` (the other two).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatChannelsResponse {
    #[serde(deserialize_with = "lenient::vec")]
    pub channels: Vec<ChatChannel>,
    #[serde(deserialize_with = "lenient::vec")]
    pub public_channels: Vec<ChatChannel>,
    #[serde(deserialize_with = "lenient::vec")]
    pub direct_message_channels: Vec<ChatChannel>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatMessage {
    #[serde(deserialize_with = "lenient::u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub message: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub excerpt: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "lenient::opt")]
    pub user: Option<BasicUser>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatMessagesResponse {
    #[serde(deserialize_with = "lenient::vec")]
    pub messages: Vec<ChatMessage>,
}

// ---------------------------------------------------------------------------------------------
// Writes and errors

/// `{"success":true,"url":"/t/slug/123"}` from move-posts; also `{"success":"OK"}` and
/// `{"failed":"FAILED"}` from other writes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuccessResponse {
    #[serde(deserialize_with = "lenient::bool")]
    pub success: Option<bool>,
    #[serde(deserialize_with = "lenient::string")]
    pub failed: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub url: Option<String>,
    #[serde(deserialize_with = "lenient::strings")]
    pub errors: Vec<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorExtras {
    #[serde(deserialize_with = "lenient::f64")]
    pub wait_seconds: Option<f64>,
}

/// `{"errors":[…],"error_type":"…","extras":{…}}` and the looser shapes some routes use.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    #[serde(deserialize_with = "lenient::strings")]
    pub errors: Vec<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub error_type: Option<String>,
    #[serde(deserialize_with = "lenient::opt")]
    pub extras: Option<ErrorExtras>,
    #[serde(deserialize_with = "lenient::string")]
    pub error: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub message: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Live feed: the message bus and presence (reference §14)

/// One message of a `/message-bus/{client_id}/poll` reply:
/// `{"global_id":812,"message_id":16,"channel":"/latest","data":{…}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BusMessage {
    #[serde(deserialize_with = "lenient::i64")]
    pub global_id: Option<i64>,
    #[serde(deserialize_with = "lenient::i64")]
    pub message_id: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub channel: Option<String>,
    pub data: Value,
}

/// Data of `/latest` and `/new`: `{"topic_id":42,"message_type":"latest","payload":{…}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicListData {
    #[serde(deserialize_with = "lenient::u64")]
    pub topic_id: Option<u64>,
    #[serde(deserialize_with = "lenient::string")]
    pub message_type: Option<String>,
}

/// Data of `/topic/{id}`: `{"id":987,"post_number":4,"type":"created",…}` or a stats message.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicBusData {
    #[serde(deserialize_with = "lenient::u64")]
    pub post_number: Option<u64>,
    #[serde(rename = "type", deserialize_with = "lenient::string")]
    pub kind: Option<String>,
}

/// Data of `/presence/{channel}`: `{"entering_users":[…]}` and/or `{"leaving_user_ids":[…]}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PresenceBusData {
    #[serde(deserialize_with = "lenient::vec")]
    pub entering_users: Vec<BasicUser>,
    #[serde(deserialize_with = "lenient::ids")]
    pub leaving_user_ids: Vec<u64>,
    #[serde(deserialize_with = "lenient::i64")]
    pub count_delta: Option<i64>,
}

/// One channel of a `/presence/get` reply (`null` for unknown or hidden channels).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PresenceState {
    #[serde(deserialize_with = "lenient::u64")]
    pub count: Option<u64>,
    #[serde(deserialize_with = "lenient::i64")]
    pub last_message_id: Option<i64>,
    #[serde(deserialize_with = "lenient::vec")]
    pub users: Vec<BasicUser>,
}

/// `/presence/get`: channel name → state or `null`.
pub type PresenceGetResponse = BTreeMap<String, Value>;
/// `/presence/update`: channel name → `true` (present) or `false` (not found / not allowed).
pub type PresenceUpdateResponse = BTreeMap<String, Value>;
