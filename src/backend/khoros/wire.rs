//! Wire types: what a Khoros community (v1 and v2 API) and Khoros Care send, read as loosely
//! as they may send it.
//!
//! Every field is optional, unknown fields are ignored, and every field goes through the
//! [`lenient`] readers: a value of the wrong type (a number as text, an object where a string
//! was expected, `null`) is "absent", a list item that does not fit is skipped, and only the
//! outer shape of a document can fail. Private to the adapter; `map` turns these into domain
//! types.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::domain::Timestamp;

/// Readers that never fail on a well-formed JSON value of the wrong type.
pub(super) mod lenient {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde::Deserializer;

    fn value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Option::<Value>::deserialize(d)
    }

    pub fn to_string(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
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

    /// An ISO 8601 time with offset (`2022-06-13T10:59:34.092-07:00`, the community API) or
    /// milliseconds since the epoch (Care, and some community fields).
    pub fn to_time(v: &Value) -> Option<Timestamp> {
        match v {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
                .ok()
                .map(|t| t.with_timezone(&chrono::Utc))
                .or_else(|| s.trim().parse::<i64>().ok().and_then(from_millis)),
            Value::Number(n) => n.as_i64().and_then(from_millis),
            _ => None,
        }
    }

    fn from_millis(ms: i64) -> Option<Timestamp> {
        chrono::DateTime::from_timestamp_millis(ms)
    }

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(value(d)?.as_ref().and_then(to_string))
    }

    pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(value(d)?.as_ref().and_then(to_u64))
    }

    pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(value(d)?.and_then(|v| match v {
            Value::Bool(b) => Some(b),
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            Value::String(s) => match s.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }))
    }

    pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        Ok(value(d)?.as_ref().and_then(to_time))
    }

    /// A nested object; one of the wrong shape is absent.
    pub fn obj<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Ok(value(d)?
            .filter(Value::is_object)
            .and_then(|v| serde_json::from_value(v).ok()))
    }

    /// A list whose items that do not fit are skipped (a non-list is empty).
    pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(match value(d)? {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| serde_json::from_value(v).ok())
                .collect(),
            _ => Vec::new(),
        })
    }
}

use lenient as l;

// ---------------------------------------------------------------------------------------------
// Envelopes (reference §2.2, §10)

/// The v2 envelope: `{"status":"success","message":"","http_code":200,"data":…,"metadata":{}}`,
/// or `{"status":"error","message":…,"data":{"type":"error_data","code":…},"http_code":…}`.
#[derive(Debug, Deserialize, Default)]
pub(super) struct Envelope {
    #[serde(default, deserialize_with = "l::string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "l::u64")]
    pub http_code: Option<u64>,
    #[serde(default)]
    pub data: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct ErrorData {
    #[serde(default, deserialize_with = "l::u64")]
    pub code: Option<u64>,
    #[serde(default, deserialize_with = "l::string")]
    pub developer_message: Option<String>,
}

/// The v1 JSON envelope: `{"response":{"status":…,"value":{"type":…,"$":…},"error":{…}}}`.
#[derive(Debug, Deserialize, Default)]
pub(super) struct V1Envelope {
    #[serde(default, deserialize_with = "l::obj")]
    pub response: Option<V1Response>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct V1Response {
    #[serde(default, deserialize_with = "l::string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "l::obj")]
    pub value: Option<V1Value>,
    #[serde(default, deserialize_with = "l::obj")]
    pub error: Option<V1Error>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct V1Value {
    #[serde(rename = "$", default, deserialize_with = "l::string")]
    pub value: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct V1Error {
    #[serde(default, deserialize_with = "l::u64")]
    pub code: Option<u64>,
    #[serde(default, deserialize_with = "l::string")]
    pub message: Option<String>,
}

/// `data` of a LiQL answer: a list of items with the cursor of the next page.
#[derive(Debug, Deserialize, Clone)]
#[serde(bound = "T: serde::de::DeserializeOwned")]
pub(super) struct ItemList<T> {
    #[serde(default, deserialize_with = "l::list")]
    pub items: Vec<T>,
    #[serde(default, deserialize_with = "l::string")]
    pub next_cursor: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Community objects

/// `{"type":"board","id":"…"}` and the like: only the id matters here.
#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Ref {
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
}

/// `replies.count(*)` comes back as `"replies":{"count":N}`.
#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Count {
    #[serde(default, deserialize_with = "l::u64")]
    pub count: Option<u64>,
}

/// `kudos.sum(weight)` comes back as `"kudos":{"sum":{"weight":N}}`.
#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct SumWeight {
    #[serde(default, deserialize_with = "l::obj")]
    pub sum: Option<Weight>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Weight {
    #[serde(default, deserialize_with = "l::u64")]
    pub weight: Option<u64>,
}

impl Count {
    pub fn of(c: &Option<Count>) -> u64 {
        c.as_ref().and_then(|c| c.count).unwrap_or(0)
    }
}

impl SumWeight {
    pub fn of(s: &Option<SumWeight>) -> u64 {
        s.as_ref()
            .and_then(|s| s.sum.as_ref())
            .and_then(|w| w.weight)
            .unwrap_or(0)
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Rank {
    #[serde(default, deserialize_with = "l::string")]
    pub name: Option<String>,
}

/// A message's author as it comes inline.
#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct UserRef {
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub login: Option<String>,
    #[serde(default, deserialize_with = "l::obj")]
    pub rank: Option<Rank>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Conversation {
    #[serde(default, deserialize_with = "l::bool")]
    pub solved: Option<bool>,
    #[serde(default, deserialize_with = "l::time")]
    pub last_post_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "l::u64")]
    pub messages_count: Option<u64>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct UserContext {
    #[serde(default, deserialize_with = "l::bool")]
    pub can_reply: Option<bool>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Metrics {
    #[serde(default, deserialize_with = "l::u64")]
    pub views: Option<u64>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Message {
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "l::time")]
    pub post_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "l::string")]
    pub view_href: Option<String>,
    #[serde(default, deserialize_with = "l::u64")]
    pub depth: Option<u64>,
    #[serde(default, deserialize_with = "l::obj")]
    pub author: Option<UserRef>,
    #[serde(default, deserialize_with = "l::obj")]
    pub board: Option<Ref>,
    #[serde(default, deserialize_with = "l::obj")]
    pub parent: Option<Ref>,
    #[serde(default, deserialize_with = "l::obj")]
    pub topic: Option<Ref>,
    #[serde(default, deserialize_with = "l::obj")]
    pub conversation: Option<Conversation>,
    #[serde(default, deserialize_with = "l::bool")]
    pub is_solution: Option<bool>,
    #[serde(default, deserialize_with = "l::bool")]
    pub can_accept_solution: Option<bool>,
    #[serde(default, deserialize_with = "l::bool")]
    pub read_only: Option<bool>,
    /// `approved`, or `unmoderated` while it waits in the moderation queue (reference §3).
    #[serde(default, deserialize_with = "l::string")]
    pub moderation_status: Option<String>,
    #[serde(default, deserialize_with = "l::obj")]
    pub replies: Option<Count>,
    #[serde(default, deserialize_with = "l::obj")]
    pub kudos: Option<SumWeight>,
    #[serde(default, deserialize_with = "l::obj")]
    pub metrics: Option<Metrics>,
    #[serde(default, deserialize_with = "l::obj")]
    pub user_context: Option<UserContext>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct RegistrationData {
    #[serde(default, deserialize_with = "l::time")]
    pub registration_time: Option<Timestamp>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct User {
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub login: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub view_href: Option<String>,
    #[serde(default, deserialize_with = "l::obj")]
    pub rank: Option<Rank>,
    #[serde(default, deserialize_with = "l::obj")]
    pub registration_data: Option<RegistrationData>,
    #[serde(default, deserialize_with = "l::time")]
    pub last_visit_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "l::obj")]
    pub messages: Option<Count>,
    #[serde(default, deserialize_with = "l::obj")]
    pub topics: Option<Count>,
    #[serde(default, deserialize_with = "l::obj")]
    pub solutions_authored: Option<Count>,
    #[serde(default, deserialize_with = "l::obj")]
    pub kudos_received: Option<SumWeight>,
    #[serde(default, deserialize_with = "l::obj")]
    pub kudos_given: Option<SumWeight>,
    #[serde(default, deserialize_with = "l::obj")]
    pub user_badges: Option<ItemList<UserBadge>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Role {
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Board {
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "l::obj")]
    pub topics: Option<Count>,
}

/// A kudo's message, with enough to name it in a timeline.
#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct KudoMessage {
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "l::obj")]
    pub topic: Option<Ref>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Kudo {
    #[serde(default, deserialize_with = "l::time")]
    pub time: Option<Timestamp>,
    #[serde(default, deserialize_with = "l::obj")]
    pub message: Option<KudoMessage>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct Badge {
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "l::u64")]
    pub awarded: Option<u64>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct UserBadge {
    #[serde(default, deserialize_with = "l::obj")]
    pub badge: Option<Badge>,
    #[serde(default, deserialize_with = "l::time")]
    pub earned_date: Option<Timestamp>,
}

// ---------------------------------------------------------------------------------------------
// Khoros Care (Author API v2, Conversation API v2)

/// Care's envelope: `{"status":"success","data":[…]}`, or `{"status":"fail","message":…}`.
#[derive(Debug, Deserialize, Default)]
pub(super) struct CareEnvelope {
    #[serde(default, deserialize_with = "l::string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub message: Option<String>,
    #[serde(default)]
    pub data: Option<Value>,
}

/// A Care person: one member's authors on every network, keyed by network
/// (`twitter`, `facebook`, `external` for in-app messaging, `lithium` for the community).
#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct CarePerson {
    #[serde(default, deserialize_with = "handles")]
    pub handles: BTreeMap<String, Vec<CareHandle>>,
}

fn handles<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Vec<CareHandle>>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    let mut out = BTreeMap::new();
    if let Some(Value::Object(map)) = v {
        for (network, list) in map {
            if let Value::Array(items) = list {
                let parsed: Vec<CareHandle> = items
                    .into_iter()
                    .filter_map(|i| serde_json::from_value(i).ok())
                    .collect();
                out.insert(network, parsed);
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub(super) struct CareHandle {
    #[serde(default, deserialize_with = "l::string")]
    pub lsw_uuid: Option<String>,
    /// The account's id on its network.
    #[serde(default, deserialize_with = "l::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub screen_name: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub profile_url: Option<String>,
    #[serde(default, deserialize_with = "l::time")]
    pub join_date: Option<Timestamp>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub(super) struct CareAuthor {
    #[serde(default, deserialize_with = "l::string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub screen_name: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub(super) struct CareMessage {
    #[serde(default, deserialize_with = "l::string")]
    pub network: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "l::string")]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "l::time")]
    pub publish_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "l::obj")]
    pub author: Option<CareAuthor>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub(super) struct CareConversation {
    #[serde(default, deserialize_with = "l::u64")]
    pub display_number: Option<u64>,
    #[serde(default, deserialize_with = "l::string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "l::time")]
    pub create_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "l::obj")]
    pub primary_message: Option<CareMessage>,
    #[serde(default, deserialize_with = "l::list")]
    pub messages: Vec<CareMessage>,
}
