//! Khoros Care: a member's authors on the social networks and their conversations, for the
//! profile board's social-channels part, and the authors alone as the member's linked
//! accounts (reference §9).
//!
//! Care is a separate host (`https://{company}.response.lithium.com`) with HTTP Basic
//! authentication. The member is found by their community account: the Author API's
//! `GET /api/v2/authors/networks/lithium/instances/{community}/ids/{user id}` gives the Care
//! person with every author ("handle") it bundles, by network; each author's conversations are
//! `GET /api/v2/authors/{lswUuid}/conversations` (ids), and each conversation's details
//! `GET /api/v2/conversations/{lswUuid}`. Paths follow Khoros's published Care reference
//! pages; the reference marks the exact conversation path as inferred, so a Care that answers
//! otherwise fails this part alone, with its own message.
//!
//! Its requests go through the adapter's governor like every other. Bounded: at most
//! [`MAX_AUTHORS`] authors and [`MAX_CONVERSATIONS`] conversations, read concurrently.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use serde_json::Value;

use super::wire::{CareConversation, CareEnvelope, CareHandle, CarePerson};
use crate::backend::governor::Governor;
use crate::backend::{BackendError, Result};
use crate::domain::{url_segment, Activity, Channel, LinkedAccount, Timestamp};

pub const MAX_AUTHORS: usize = 10;
pub const MAX_CONVERSATIONS: usize = 30;
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Where Care is and how to sign in to it. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct CareOptions {
    /// `https://company.response.lithium.com` (no trailing `/api/v2`).
    pub base_url: String,
    pub username: String,
    pub password: String,
    /// The community as Care names it (`networkinstance`, e.g. `community.example.com/`);
    /// by default the community's host and port with a trailing slash.
    pub community_instance: Option<String>,
}

impl fmt::Debug for CareOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CareOptions")
            .field("base_url", &self.base_url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("community_instance", &self.community_instance)
            .finish()
    }
}

pub struct Care {
    http: reqwest::Client,
    base: String,
    instance: String,
    governor: Arc<Governor>,
}

/// The board channel of a Care network. `external` is Care's in-app and web messaging
/// (Brand Messenger, `smooch`); networks the domain has no channel for count as messaging.
pub fn channel_of(network: &str) -> Channel {
    match network.to_ascii_lowercase().as_str() {
        "twitter" | "x" => Channel::Twitter,
        "facebook" => Channel::Facebook,
        _ => Channel::Messaging,
    }
}

impl Care {
    pub fn new(
        opts: &CareOptions,
        community_base: &str,
        allow_insecure_http: bool,
        timeout: Duration,
        governor: Arc<Governor>,
    ) -> Result<Care> {
        let base =
            crate::backend::discourse::client::check_base_url(&opts.base_url, allow_insecure_http)
                .map_err(|e| match e {
                    BackendError::Refused(m) => BackendError::Refused(format!("Khoros Care: {m}")),
                    other => other,
                })?;
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", opts.username, opts.password));
        let mut auth = HeaderValue::from_str(&format!("Basic {basic}")).map_err(|_| {
            BackendError::Refused("the Care credentials cannot be sent in a header".into())
        })?;
        auth.set_sensitive(true);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(AUTHORIZATION, auth);
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("modterm/", env!("CARGO_PKG_VERSION"))),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // Basic credentials never follow a redirect anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| BackendError::Network(format!("could not set up HTTP: {e}")))?;
        let instance = opts.community_instance.clone().unwrap_or_else(|| {
            reqwest::Url::parse(community_base)
                .ok()
                .and_then(|u| {
                    let host = u.host_str()?.to_string();
                    Some(match u.port() {
                        Some(p) => format!("{host}:{p}/"),
                        None => format!("{host}/"),
                    })
                })
                .unwrap_or_default()
        });
        Ok(Care {
            http,
            base,
            instance,
            governor,
        })
    }

    /// One GET under `/api/v2`: the envelope's `data`. `Ok(None)` for a 404 (no such author).
    async fn get(&self, path: &str) -> Result<Option<Value>> {
        let url = format!("{}/api/v2{path}", self.base);
        let _admission = self.governor.admit().await;
        let mut resp = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| BackendError::Network(format!("Khoros Care: {}", describe(&e))))?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| BackendError::Network(format!("Khoros Care: {}", describe(&e))))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(BackendError::Malformed(
                    "Khoros Care answered with too much data".into(),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let env: Option<CareEnvelope> = serde_json::from_slice::<Value>(&body)
            .ok()
            .filter(Value::is_object)
            .and_then(|v| serde_json::from_value(v).ok());
        let message = env
            .as_ref()
            .and_then(|e| e.message.clone())
            .filter(|m| !m.trim().is_empty())
            .map(|m| m.chars().take(300).collect::<String>());
        let care = |m: &str| format!("Khoros Care: {}", message.clone().unwrap_or(m.into()));
        match status {
            200..=299 => {}
            404 => return Ok(None),
            401 => {
                return Err(BackendError::NotSignedIn(care(
                    "the Care user or password was not accepted",
                )))
            }
            403 => {
                return Err(BackendError::Forbidden(care(
                    "this Care user may not read authors",
                )))
            }
            429 => {
                self.governor.refused(Duration::from_secs(1));
                return Err(BackendError::RateLimited {
                    wait: Duration::from_secs(1),
                    message: care("too many requests"),
                });
            }
            s if s >= 500 => {
                return Err(BackendError::Server {
                    status: s,
                    message: care("the server failed"),
                })
            }
            s => return Err(BackendError::Invalid(vec![care(&format!("HTTP {s}"))])),
        }
        let env = env.ok_or_else(|| {
            BackendError::Malformed("Khoros Care answered with something other than JSON".into())
        })?;
        match env.status.as_deref() {
            Some("success") | None => Ok(env.data),
            Some(_) => Err(BackendError::Invalid(vec![care("the request failed")])),
        }
    }

    /// The member's authors on the networks other than the community itself, with their
    /// network, in one request (none when Care does not know the member).
    async fn authors(&self, community_user_id: &str) -> Result<Vec<(String, CareHandle)>> {
        let path = format!(
            "/authors/networks/lithium/instances/{}/ids/{}",
            url_segment(&self.instance),
            url_segment(community_user_id)
        );
        let Some(data) = self.get(&path).await? else {
            return Ok(Vec::new());
        };
        let people: Vec<CarePerson> = match data {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| serde_json::from_value(v).ok())
                .collect(),
            v @ Value::Object(_) => serde_json::from_value(v).ok().into_iter().collect(),
            _ => Vec::new(),
        };
        Ok(people
            .into_iter()
            .flat_map(|p| p.handles.into_iter())
            .filter(|(network, _)| network != "lithium")
            .flat_map(|(network, list)| list.into_iter().map(move |h| (network.clone(), h)))
            .collect())
    }

    /// The member's accounts on the networks, as linked accounts: the provider is the
    /// channel's name (`twitter`, `facebook`, `messaging`), the uid the account's handle.
    /// One request; at most [`MAX_AUTHORS`].
    pub async fn linked_accounts(&self, community_user_id: &str) -> Result<Vec<LinkedAccount>> {
        let mut out: Vec<LinkedAccount> = Vec::new();
        let found = self.authors(community_user_id).await?;
        for account in found.iter().filter_map(|(n, h)| linked_account(n, h)) {
            if out.len() < MAX_AUTHORS && !out.contains(&account) {
                out.push(account);
            }
        }
        Ok(out)
    }

    /// The member's authors on the networks and their conversations, as timeline items.
    pub async fn linked_channels(&self, community_user_id: &str) -> Result<Vec<Activity>> {
        let authors: Vec<(String, CareHandle)> = self
            .authors(community_user_id)
            .await?
            .into_iter()
            .filter(|(_, h)| h.lsw_uuid.is_some())
            .take(MAX_AUTHORS)
            .collect();
        // Each author's conversation ids, all at once.
        let lists = futures_util::future::join_all(authors.iter().map(|(_, h)| async move {
            let uuid = h.lsw_uuid.clone().unwrap_or_default();
            self.get(&format!("/authors/{}/conversations", url_segment(&uuid)))
                .await
        }))
        .await;
        let mut wanted: Vec<(usize, String)> = Vec::new();
        for (i, list) in lists.into_iter().enumerate() {
            let ids: Vec<String> = match list? {
                Some(Value::Array(ids)) => ids
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            for id in ids {
                if wanted.len() < MAX_CONVERSATIONS && !wanted.iter().any(|(_, w)| *w == id) {
                    wanted.push((i, id));
                }
            }
        }
        let details = futures_util::future::join_all(wanted.iter().map(|(_, id)| async move {
            self.get(&format!("/conversations/{}", url_segment(id)))
                .await
        }))
        .await;
        let mut items = Vec::new();
        let mut newest: Vec<Option<Timestamp>> = vec![None; authors.len()];
        for ((author, _), detail) in wanted.iter().zip(details) {
            let convs: Vec<CareConversation> = match detail? {
                Some(Value::Array(list)) => list
                    .into_iter()
                    .filter_map(|v| serde_json::from_value(v).ok())
                    .collect(),
                Some(v @ Value::Object(_)) => serde_json::from_value(v).ok().into_iter().collect(),
                _ => Vec::new(),
            };
            let network = &authors[*author].0;
            for c in convs {
                if let Some(a) = conversation_activity(&c, network) {
                    let slot = &mut newest[*author];
                    *slot = Some(slot.map_or(a.at, |t| t.max(a.at)));
                    items.push(a);
                }
            }
        }
        for ((network, handle), newest) in authors.iter().zip(newest) {
            if let Some(a) = account_activity(network, handle, newest) {
                items.push(a);
            }
        }
        items.sort_by_key(|a| std::cmp::Reverse(a.at));
        Ok(items)
    }
}

fn describe(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the connection failed"
    }
}

/// A linked account as a timeline item, dated when it joined the network (or, failing that,
/// by its latest conversation; with neither it has no place in a timeline).
fn account_activity(network: &str, h: &CareHandle, newest: Option<Timestamp>) -> Option<Activity> {
    let at = h.join_date.or(newest)?;
    let name = h
        .screen_name
        .clone()
        .or_else(|| h.name.clone())
        .unwrap_or_default();
    let shown = if network == "twitter" && !name.starts_with('@') {
        format!("@{name}")
    } else {
        name
    };
    Some(Activity {
        channel: channel_of(network),
        at,
        action: format!("linked {} account", network_label(network)),
        title: shown,
        excerpt: h.profile_url.clone().unwrap_or_default(),
        topic_id: None,
        post_number: None,
    })
}

/// An author as a linked account: its handle (`@name` on Twitter), or failing that its name,
/// its id on the network or its profile URL; with none of them there is nothing to show.
fn linked_account(network: &str, h: &CareHandle) -> Option<LinkedAccount> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let uid = match given(&h.screen_name) {
        Some(s) if network == "twitter" && !s.starts_with('@') => format!("@{s}"),
        Some(s) => s,
        None => given(&h.name)
            .or_else(|| given(&h.id))
            .or_else(|| given(&h.profile_url))?,
    };
    Some(LinkedAccount {
        provider: network_label(network).to_string(),
        uid,
    })
}

fn network_label(network: &str) -> &str {
    match network {
        "external" => "messaging",
        other => other,
    }
}

fn conversation_activity(c: &CareConversation, author_network: &str) -> Option<Activity> {
    let primary = c.primary_message.clone().unwrap_or_default();
    let network = primary
        .network
        .clone()
        .unwrap_or_else(|| author_network.to_string());
    // Community posts that Care took in are the forum's own activity, listed there already.
    if network == "lithium" {
        return None;
    }
    let at = primary.publish_date.or(c.create_date)?;
    let status = c.status.clone().unwrap_or_default().to_ascii_lowercase();
    let number = c
        .display_number
        .map(|n| format!(" #{n}"))
        .unwrap_or_default();
    let action = if status.is_empty() {
        format!("care conversation{number}")
    } else {
        format!("care conversation{number} ({status})")
    };
    // Twitter's terms keep tweet text out of Care's API (reference §9).
    let text = primary
        .text
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| {
            if channel_of(&network) == Channel::Twitter {
                "(tweet text is not shared through the Care API)".into()
            } else {
                String::new()
            }
        });
    let title = primary
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| {
            let a = primary.author.as_ref()?;
            a.screen_name.clone().or_else(|| a.name.clone())
        })
        .unwrap_or_default();
    let replies = c.messages.len().saturating_sub(1);
    let excerpt = if replies > 0 {
        format!("{} (+{replies} more)", short(&text))
    } else {
        short(&text)
    };
    Some(Activity {
        channel: channel_of(&network),
        at,
        action,
        title,
        excerpt,
        topic_id: None,
        post_number: None,
    })
}

fn short(s: &str) -> String {
    let mut out: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > 140 {
        out = out.chars().take(140).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_map_to_channels() {
        assert_eq!(channel_of("twitter"), Channel::Twitter);
        assert_eq!(channel_of("facebook"), Channel::Facebook);
        assert_eq!(channel_of("external"), Channel::Messaging);
        assert_eq!(channel_of("smooch"), Channel::Messaging);
    }

    #[test]
    fn authors_become_linked_accounts_by_channel() {
        let h = |v: serde_json::Value| -> CareHandle { serde_json::from_value(v).unwrap() };
        let linked = |network: &str, v| linked_account(network, &h(v));
        assert_eq!(
            linked(
                "twitter",
                serde_json::json!({"screenName": "mia_j", "name": "Mia"})
            ),
            Some(LinkedAccount {
                provider: "twitter".into(),
                uid: "@mia_j".into()
            })
        );
        assert_eq!(
            linked("external", serde_json::json!({"screenName": " mia.j "})),
            Some(LinkedAccount {
                provider: "messaging".into(),
                uid: "mia.j".into()
            })
        );
        assert_eq!(
            linked(
                "facebook",
                serde_json::json!({"screenName": "", "id": 1234})
            ),
            Some(LinkedAccount {
                provider: "facebook".into(),
                uid: "1234".into()
            })
        );
        assert_eq!(linked("facebook", serde_json::json!({"name": null})), None);
    }

    #[test]
    fn conversations_read_leniently() {
        let c: CareConversation = serde_json::from_value(serde_json::json!({
            "displayNumber": "1878862",
            "status": "CLOSED",
            "createDate": 1592511678995i64,
            "primaryMessage": {"network": "twitter", "title": null, "author": {"screenName": "mia_j"}},
            "messages": [{}, {}, "junk"]
        }))
        .expect("lenient");
        let a = conversation_activity(&c, "twitter").expect("an item");
        assert_eq!(a.channel, Channel::Twitter);
        assert_eq!(a.action, "care conversation #1878862 (closed)");
        assert_eq!(a.title, "mia_j");
        assert!(a.excerpt.contains("tweet text"), "{}", a.excerpt);
        // Community posts Care took in are not repeated.
        let c: CareConversation = serde_json::from_value(serde_json::json!({
            "createDate": 1592511678995i64, "primaryMessage": {"network": "lithium"}
        }))
        .unwrap();
        assert!(conversation_activity(&c, "lithium").is_none());
        let opts = CareOptions {
            base_url: "https://x.response.lithium.com".into(),
            username: "u".into(),
            password: "care-secret".into(),
            community_instance: None,
        };
        assert!(!format!("{opts:?}").contains("care-secret"));
    }
}
