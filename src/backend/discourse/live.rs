//! The live feed of the Discourse adapter: message-bus long polls and reply presence
//! (reference §14). Wire types are in `wire`, their reading in `map`; this module does the
//! requests.
//!
//! - [`Feed::poll`]: `POST /message-bus/{client_id}/poll` with `channel=last_id` pairs and `__seq`,
//!   header `Dont-Chunk: true`, its own timeout (the server holds the request up to ~25 s).
//!   Channels: `/latest`, `/new`, and per watched topic `/topic/{id}` and
//!   `/presence/discourse-presence/reply/{id}`. A channel not yet in the cursor starts at `-1`
//!   (the server answers with `/__status`, giving the current ids). A presence message is
//!   answered with `/presence/get`, so `Replying` always carries the whole current list.
//! - `replying`: `GET /presence/get?channels[]=/discourse-presence/reply/{id}`.
//! - `set_replying`: `POST /presence/update` with `client_id` and `present_channels[]` or
//!   `leave_channels[]`.
//!
//! The positions change only once a poll has been fully read (presence lookups included), so
//! a poll dropped half-way (the console restarts it when the watched topics change) loses
//! nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use super::client::{seg, Client};
use super::map::{self, BusItem};
use super::wire::{PresenceGetResponse, PresenceUpdateResponse};
use crate::backend::{BackendError, LiveFeed, Result};
use crate::domain::{LiveEvent, TopicId};
use crate::logging;

/// A long poll is held up to ~25 s by the server; wait well past that.
pub const LIVE_POLL_TIMEOUT: Duration = Duration::from_secs(60);
/// After a 429 the bus is left alone at least this long (as the JS client does).
pub const MIN_BUS_RATE_LIMIT_WAIT: Duration = Duration::from_secs(15);
/// The last id the server has never given: "from now".
const FROM_NOW: i64 = -1;
/// Presence lookups per poll; more topics than this in one reply wait for the next change.
const MAX_PRESENCE_LOOKUPS: usize = 10;

/// The form of a poll: each channel with its last id, then the request counter.
pub(super) fn poll_form(
    positions: &BTreeMap<String, i64>,
    channels: &[String],
    seq: u64,
) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = channels
        .iter()
        .map(|ch| {
            let at = positions.get(ch).copied().unwrap_or(FROM_NOW);
            (ch.clone(), at.to_string())
        })
        .collect();
    form.push(("__seq".into(), seq.to_string()));
    form
}

/// Reads a poll body: a JSON array, or (from a server that streamed anyway) arrays separated by
/// `\r\n|\r\n`. Anything else is `Malformed`.
pub(super) fn poll_body(body: &[u8]) -> Result<Vec<Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    if let Ok(items) = serde_json::from_slice::<Vec<Value>>(body) {
        return Ok(items);
    }
    let text = String::from_utf8_lossy(body);
    if text.contains("\r\n|\r\n") {
        let mut all = Vec::new();
        for chunk in text.split("\r\n|\r\n") {
            if chunk.trim().is_empty() {
                continue;
            }
            let chunk = chunk.replace("\r\n||\r\n", "\r\n|\r\n");
            all.extend(map::parse::<Vec<Value>>(chunk.as_bytes(), "live feed")?);
        }
        return Ok(all);
    }
    map::parse::<Vec<Value>>(body, "live feed")
}

fn need_client_id(client_id: &str) -> Result<()> {
    if client_id.trim().is_empty() {
        return Err(BackendError::Refused(
            "the live feed needs a client id".into(),
        ));
    }
    Ok(())
}

/// One message-bus subscription: the client id, the position of each channel, the counter.
pub(super) struct Feed {
    client: Arc<Client>,
    client_id: String,
    positions: BTreeMap<String, i64>,
    seq: u64,
    /// The account's own username (when the key names it) and id (once seen entering), so
    /// its own comings and goings on a reply channel cost no lookup.
    me: Option<String>,
    my_id: Option<i64>,
    /// The signed-in account once `whoami` has answered (its id, when the channel's own
    /// entering message came before the feed listened).
    account: Arc<std::sync::Mutex<Option<crate::domain::Account>>>,
}

impl Feed {
    pub(super) fn new(
        client: Arc<Client>,
        client_id: &str,
        me: Option<String>,
        account: Arc<std::sync::Mutex<Option<crate::domain::Account>>>,
    ) -> Feed {
        Feed {
            client,
            client_id: client_id.to_string(),
            positions: BTreeMap::new(),
            seq: 0,
            me,
            my_id: None,
            account,
        }
    }

    /// Whether a presence change concerns anyone but the account itself.
    fn others_moved(
        &mut self,
        entering: &[(Option<i64>, Option<String>)],
        leaving: &[u64],
    ) -> bool {
        if self.my_id.is_none() {
            if let Ok(account) = self.account.lock() {
                if let Some(a) = account.as_ref() {
                    self.my_id = a.id.as_str().parse().ok();
                    self.me = self.me.take().or_else(|| Some(a.username.clone()));
                }
            }
        }
        let Some(me) = self.me.as_deref() else {
            return true;
        };
        if entering.is_empty() && leaving.is_empty() {
            return true; // a change that names nobody: look, it may be someone else
        }
        let mut others = false;
        for (id, username) in entering {
            if username
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(me))
            {
                self.my_id = self.my_id.or(*id);
            } else {
                others = true;
            }
        }
        others || leaving.iter().any(|id| Some(*id as i64) != self.my_id)
    }
}

#[async_trait]
impl LiveFeed for Feed {
    async fn poll(&mut self, watch: &[TopicId]) -> Result<Vec<LiveEvent>> {
        need_client_id(&self.client_id)?;
        let channels = map::bus_channels(watch);
        self.seq += 1;
        let form = poll_form(&self.positions, &channels, self.seq);
        let body = self
            .client
            .post_form(
                &format!("/message-bus/{}/poll", seg(&self.client_id)),
                &form,
                Some(self.client.timeout().max(LIVE_POLL_TIMEOUT)),
                &[("dont-chunk", "true")],
            )
            .await
            .map_err(|e| match e {
                BackendError::RateLimited { wait, message } => BackendError::RateLimited {
                    wait: wait.max(MIN_BUS_RATE_LIMIT_WAIT),
                    message,
                },
                other => other,
            })?;
        let batch = map::bus_messages(poll_body(&body)?);
        for why in &batch.skipped {
            logging::warn(&format!("live feed: skipped a message ({why})"));
        }

        let mut events = Vec::with_capacity(batch.items.len());
        let mut asked = BTreeSet::new();
        for item in batch.items {
            match item {
                BusItem::Event(e) => events.push(e),
                BusItem::Presence {
                    topic,
                    entering,
                    leaving,
                } => {
                    // The console knows it is writing (or stopped): nothing to ask.
                    if !self.others_moved(&entering, &leaving) {
                        continue;
                    }
                    if !asked.insert(topic.clone()) {
                        continue;
                    }
                    if asked.len() > MAX_PRESENCE_LOOKUPS {
                        logging::warn(&format!(
                            "live feed: presence of topic {topic} not looked up (too many at once)"
                        ));
                        continue;
                    }
                    match replying_in(&self.client, &topic).await {
                        Ok(usernames) => events.push(LiveEvent::Replying {
                            topic_id: topic,
                            usernames,
                        }),
                        Err(e) => {
                            logging::warn(&format!("live feed: presence of topic {topic}: {e}"))
                        }
                    }
                }
            }
        }

        // Commit the positions only now; channels no longer subscribed are forgotten.
        let subscribed: BTreeSet<&String> = channels.iter().collect();
        self.positions.retain(|ch, _| subscribed.contains(ch));
        for (ch, id) in batch.positions {
            if subscribed.contains(&ch) {
                self.positions.insert(ch, id);
            }
        }
        Ok(events)
    }
}

pub(super) async fn replying_in(client: &Client, topic: &TopicId) -> Result<Vec<String>> {
    let channel = map::reply_channel(topic);
    let body = client
        .get("/presence/get", &[("channels[]", channel.clone())])
        .await?;
    let resp: PresenceGetResponse = map::parse(&body, "presence")?;
    Ok(map::presence_users(&resp, &channel))
}

pub(super) async fn announce_replying(
    client: &Client,
    topic: &TopicId,
    replying: bool,
    client_id: &str,
) -> Result<()> {
    need_client_id(client_id)?;
    let channel = map::reply_channel(topic);
    let list = if replying {
        "present_channels[]"
    } else {
        "leave_channels[]"
    };
    let form = vec![
        ("client_id".to_owned(), client_id.to_owned()),
        (list.to_owned(), channel.clone()),
    ];
    let body = client
        .post_form("/presence/update", &form, None, &[])
        .await?;
    // Any 2xx is accepted; only an explicit `false` for the entered channel is a refusal.
    if replying {
        if let Ok(resp) = serde_json::from_slice::<PresenceUpdateResponse>(&body) {
            if map::presence_refused(&resp, &channel) {
                return Err(BackendError::Forbidden(
                    "not allowed to reply in this topic".into(),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn form_starts_unknown_channels_from_now() {
        let channels = map::bus_channels(&[TopicId::from(42), TopicId::from(42)]);
        assert_eq!(
            channels,
            [
                "/latest",
                "/new",
                "/topic/42",
                "/presence/discourse-presence/reply/42"
            ]
        );
        let mut at = BTreeMap::new();
        at.insert("/latest".to_owned(), 16);
        let form = poll_form(&at, &channels, 3);
        assert_eq!(form[0], ("/latest".into(), "16".into()));
        assert_eq!(form[1], ("/new".into(), "-1".into()));
        assert_eq!(form.last(), Some(&("__seq".into(), "3".into())));
    }

    #[test]
    fn chunked_bodies_are_read_too() {
        let body = b"[]\r\n|\r\n[{\"channel\":\"/latest\",\"message_id\":2,\"data\":{}}]\r\n|\r\n";
        assert_eq!(poll_body(body).expect("chunks").len(), 1);
        assert!(matches!(
            poll_body(b"{\"not\":\"an array\"}"),
            Err(BackendError::Malformed(_))
        ));
        assert!(poll_body(b"  ").expect("empty").is_empty());
    }

    #[test]
    fn messages_map_to_events_and_positions() {
        let raw = vec![
            json!({"global_id":-1,"message_id":-1,"channel":"/__status",
                   "data":{"/latest":16,"/new":"4"}}),
            json!({"global_id":812,"message_id":17,"channel":"/latest",
                   "data":{"topic_id":42,"message_type":"latest","payload":{}}}),
            json!({"message_id":5,"channel":"/topic/42",
                   "data":{"id":987,"post_number":4,"type":"created","version":1}}),
            json!({"message_id":6,"channel":"/topic/42","data":"oops"}),
            json!(17),
            json!({"message_id":2,"channel":"/presence/discourse-presence/reply/42",
                   "data":{"leaving_user_ids":[3]}}),
        ];
        let batch = map::bus_messages(raw);
        assert_eq!(batch.positions["/latest"], 17);
        assert_eq!(batch.positions["/new"], 4);
        assert_eq!(batch.positions["/topic/42"], 6);
        assert_eq!(batch.skipped.len(), 2, "{:?}", batch.skipped);
        assert_eq!(
            batch.items,
            vec![
                BusItem::Event(LiveEvent::TopicListChanged {
                    topic_id: Some(TopicId::from(42)),
                    reason: "latest".into()
                }),
                BusItem::Event(LiveEvent::TopicChanged {
                    topic_id: TopicId::from(42),
                    post_number: Some(4),
                    reason: "created".into()
                }),
                BusItem::Presence {
                    topic: TopicId::from(42),
                    entering: vec![],
                    leaving: vec![3],
                },
            ]
        );
    }

    #[test]
    fn the_accounts_own_presence_needs_no_lookup() {
        let opts = super::super::DiscourseOptions::new(
            "http://127.0.0.1:9",
            super::super::Credentials::ApiKey {
                key: "k".into(),
                username: "mod_anna".into(),
            },
        );
        let client = Arc::new(
            Client::new(
                &opts,
                Arc::new(crate::backend::governor::Governor::new(opts.limits.clone())),
            )
            .unwrap(),
        );
        let none = Arc::new(std::sync::Mutex::new(None));
        let mut feed = Feed::new(client, "c", Some("mod_anna".into()), none.clone());
        let me = vec![(Some(2), Some("mod_anna".into()))];
        assert!(!feed.others_moved(&me, &[]), "entering myself");
        assert!(
            !feed.others_moved(&[], &[2]),
            "leaving myself, my id learnt"
        );
        assert!(feed.others_moved(&[(Some(5), Some("leader_luca".into()))], &[]));
        assert!(feed.others_moved(&[], &[5]));
        let mut anonymous = Feed::new(feed.client.clone(), "c", None, none);
        assert!(
            anonymous.others_moved(&me, &[]),
            "without a name, always look"
        );
    }

    #[test]
    fn presence_replies() {
        let resp: PresenceGetResponse = serde_json::from_value(json!({
            "/discourse-presence/reply/42": {"count":2,"last_message_id":17,
                "users":[{"id":1,"username":"ann"},{"id":2,"username":"bob"},{"id":3}]},
            "/discourse-presence/reply/7": null
        }))
        .expect("shape");
        assert_eq!(
            map::presence_users(&resp, "/discourse-presence/reply/42"),
            ["ann", "bob"]
        );
        assert!(map::presence_users(&resp, "/discourse-presence/reply/7").is_empty());
        assert!(map::presence_users(&resp, "/discourse-presence/reply/8").is_empty());
        let upd: PresenceUpdateResponse =
            serde_json::from_value(json!({"/discourse-presence/reply/42": false})).expect("shape");
        assert!(map::presence_refused(&upd, "/discourse-presence/reply/42"));
        assert!(!map::presence_refused(&upd, "/discourse-presence/reply/7"));
    }
}
