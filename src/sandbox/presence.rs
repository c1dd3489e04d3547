//! Presence (reference §14.6, §14.7): `GET /presence/get`, `POST /presence/update`, the
//! `/discourse-presence/reply/{topic_id}` channels, expiry and the `/presence/…` bus messages.
//!
//! A user is present while at least one of their client ids was renewed within the timeout
//! (Discourse's `DEFAULT_TIMEOUT`, 60 s, settable per sandbox). Expired clients are dropped on
//! every read and by a periodic sweep; a user's last client leaving or expiring publishes
//! `{"leaving_user_ids":[id]}`, their first client entering `{"entering_users":[BasicUser]}`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::bus::{Audience, Bus};
use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, avatar_template, UserRow};

/// `PresenceChannel::DEFAULT_TIMEOUT`.
pub(crate) const DEFAULT_TIMEOUT_MS: u64 = 60_000;
const MAX_CHANNELS: usize = 50;
const RATE_MAX: usize = 20;
const RATE_WINDOW: Duration = Duration::from_secs(10);
const REPLY_PREFIX: &str = "/discourse-presence/reply/";

struct PresentUser {
    id: i64,
    basic: Value,
    /// client id → last renewal.
    clients: HashMap<String, Instant>,
}

struct ChannelState {
    audience: Audience,
    /// In order of entering.
    users: Vec<PresentUser>,
}

/// The presence state of one sandbox.
pub(crate) struct PresenceStore {
    channels: Mutex<HashMap<String, ChannelState>>,
    rate: Mutex<HashMap<i64, VecDeque<Instant>>>,
    pub(crate) timeout_ms: AtomicU64,
}

pub(crate) fn basic_user(u: &UserRow) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "name": u.name,
        "avatar_template": avatar_template(&u.username),
    })
}

fn bus_channel(name: &str) -> String {
    format!("/presence{name}")
}

impl PresenceStore {
    pub(crate) fn new(timeout_ms: u64) -> PresenceStore {
        PresenceStore {
            channels: Mutex::new(HashMap::new()),
            rate: Mutex::new(HashMap::new()),
            timeout_ms: AtomicU64::new(timeout_ms),
        }
    }

    pub(crate) fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.load(Ordering::Relaxed))
    }

    /// Drops expired clients of one channel, publishing the users who left.
    fn prune(&self, bus: &Bus, name: &str, ch: &mut ChannelState, now: Instant) {
        let timeout = self.timeout();
        let mut gone = Vec::new();
        for u in &mut ch.users {
            u.clients
                .retain(|_, at| now.saturating_duration_since(*at) < timeout);
            if u.clients.is_empty() {
                gone.push(u.id);
            }
        }
        if gone.is_empty() {
            return;
        }
        ch.users.retain(|u| !u.clients.is_empty());
        for id in gone {
            bus.publish(
                &bus_channel(name),
                json!({"leaving_user_ids": [id]}),
                ch.audience.clone(),
            );
        }
    }

    /// Drops every expired client (the periodic auto-leave job).
    pub(crate) fn sweep(&self, bus: &Bus) {
        let now = Instant::now();
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        for (name, ch) in channels.iter_mut() {
            self.prune(bus, name, ch, now);
        }
        channels.retain(|_, ch| !ch.users.is_empty());
    }

    /// Marks `client_id` of `user` present (or renews it).
    pub(crate) fn enter(
        &self,
        bus: &Bus,
        name: &str,
        audience: Audience,
        user: &UserRow,
        client_id: &str,
    ) {
        let now = Instant::now();
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let ch = channels
            .entry(name.to_string())
            .or_insert_with(|| ChannelState {
                audience: audience.clone(),
                users: Vec::new(),
            });
        ch.audience = audience;
        self.prune(bus, name, ch, now);
        match ch.users.iter_mut().find(|u| u.id == user.id) {
            Some(u) => {
                u.clients.insert(client_id.to_string(), now);
            }
            None => {
                let basic = basic_user(user);
                ch.users.push(PresentUser {
                    id: user.id,
                    basic: basic.clone(),
                    clients: HashMap::from([(client_id.to_string(), now)]),
                });
                bus.publish(
                    &bus_channel(name),
                    json!({"entering_users": [basic]}),
                    ch.audience.clone(),
                );
            }
        }
    }

    /// Removes `client_id` of `user_id`; publishes the leave when it was their last client.
    pub(crate) fn leave(&self, bus: &Bus, name: &str, user_id: i64, client_id: &str) {
        let now = Instant::now();
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let Some(ch) = channels.get_mut(name) else {
            return;
        };
        self.prune(bus, name, ch, now);
        let Some(u) = ch.users.iter_mut().find(|u| u.id == user_id) else {
            return;
        };
        u.clients.remove(client_id);
        if u.clients.is_empty() {
            ch.users.retain(|u| u.id != user_id);
            bus.publish(
                &bus_channel(name),
                json!({"leaving_user_ids": [user_id]}),
                ch.audience.clone(),
            );
        }
    }

    /// `{"count":N,"last_message_id":M,"users":[…]}`.
    pub(crate) fn state(&self, bus: &Bus, name: &str) -> Value {
        let now = Instant::now();
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let users: Vec<Value> = match channels.get_mut(name) {
            Some(ch) => {
                self.prune(bus, name, ch, now);
                ch.users.iter().map(|u| u.basic.clone()).collect()
            }
            None => Vec::new(),
        };
        let last = bus.last_id(&bus_channel(name));
        json!({
            "count": users.len(),
            "last_message_id": if last > 0 { json!(last) } else { Value::Null },
            "users": users,
        })
    }

    /// The per-user limit of `POST /presence/update`: `Err(wait seconds)` above 20 per 10 s.
    fn hit(&self, user_id: i64) -> Result<(), u64> {
        let now = Instant::now();
        let mut rate = self.rate.lock().unwrap_or_else(|e| e.into_inner());
        let q = rate.entry(user_id).or_default();
        while q
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= RATE_WINDOW)
        {
            q.pop_front();
        }
        if q.len() >= RATE_MAX {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = RATE_WINDOW.saturating_sub(now.saturating_duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        q.push_back(now);
        Ok(())
    }
}

/// The audience of a topic's `/topic/{id}` and reply-presence messages: PM participants and
/// staff; an unlisted topic, staff; otherwise `public` (everyone, or logged-in users for
/// presence).
pub(crate) fn topic_audience(
    conn: &rusqlite::Connection,
    t: &store::TopicRow,
    public: Audience,
) -> rusqlite::Result<Audience> {
    if t.is_pm() {
        let mut st =
            conn.prepare_cached("SELECT user_id FROM topic_allowed_users WHERE topic_id = ?1")?;
        let ids = st
            .query_map([t.id], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        return Ok(Audience::Users { ids, staff: true });
    }
    if !t.visible {
        return Ok(Audience::Staff);
    }
    Ok(public)
}

/// Resolves a channel name for the current user: `Some(audience)` when it exists and the user
/// may see (and enter) it.
fn channel_for(ctx: &Ctx<'_>, name: &str) -> Result<Option<Audience>, ApiError> {
    let Some(id) = name
        .strip_prefix(REPLY_PREFIX)
        .and_then(|s| s.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    let Some(user) = ctx.g.user.as_ref() else {
        return Ok(None);
    };
    let Some(t) = store::topic_by_id(ctx.tx, id)? else {
        return Ok(None);
    };
    let audience = topic_audience(ctx.tx, &t, Audience::LoggedIn)?;
    let viewer = super::bus::Viewer {
        id: user.id,
        admin: user.admin,
        staff: user.staff(),
    };
    Ok(audience.allows(Some(&viewer)).then_some(audience))
}

/// `GET /presence/get?channels[]=…`.
pub(crate) fn get(ctx: &Ctx<'_>) -> ApiResult {
    let names = ctx.params.all("channels");
    if names.is_empty() {
        return Err(ApiError::param_missing("channels"));
    }
    let mut unique: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for n in names {
        if seen.insert(n) {
            unique.push(n);
        }
    }
    if unique.len() > MAX_CHANNELS {
        return Err(ApiError::invalid_params("channels"));
    }
    let mut out = Map::new();
    for name in unique {
        let v = match channel_for(ctx, name)? {
            Some(_) => ctx.state.presence.state(&ctx.state.bus, name),
            None => Value::Null,
        };
        out.insert(name.to_string(), v);
    }
    Ok(Value::Object(out))
}

/// `POST /presence/update` (`client_id`, `present_channels[]`, `leave_channels[]`).
pub(crate) fn update(ctx: &Ctx<'_>) -> ApiResult {
    let user = ctx.require_user()?.clone();
    let client_id = ctx
        .params
        .get_nonblank("client_id")
        .ok_or_else(|| ApiError::param_missing("client_id"))?
        .to_string();
    let present = ctx.params.all("present_channels");
    let leave = ctx.params.all("leave_channels");
    if present.len() > MAX_CHANNELS || leave.len() > MAX_CHANNELS {
        return Err(ApiError::invalid_params("present_channels"));
    }
    if let Err(wait) = ctx.state.presence.hit(user.id) {
        return Err(ApiError::rate_limited(wait, "update-presence"));
    }
    let store = &ctx.state.presence;
    let bus = &ctx.state.bus;
    let mut out = Map::new();
    for name in present {
        let ok = match channel_for(ctx, name)? {
            Some(audience) => {
                store.enter(bus, name, audience, &user, &client_id);
                true
            }
            None => false,
        };
        out.insert(name.to_string(), json!(ok));
    }
    for name in leave {
        if channel_for(ctx, name)?.is_some() {
            store.leave(bus, name, user.id, &client_id);
        }
    }
    Ok(Value::Object(out))
}

/// Presence for the simulated activity: `user` enters a topic's reply channel.
pub(crate) fn enter_reply_channel(
    ctx: &Ctx<'_>,
    user: &UserRow,
    topic: &store::TopicRow,
    client_id: &str,
) -> Result<String, ApiError> {
    let name = format!("{REPLY_PREFIX}{}", topic.id);
    let audience = topic_audience(ctx.tx, topic, Audience::LoggedIn)?;
    let viewer = super::bus::Viewer {
        id: user.id,
        admin: user.admin,
        staff: user.staff(),
    };
    if !audience.allows(Some(&viewer)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            json!({"errors": ["That user may not enter this channel."], "error_type": "invalid_access"}),
        ));
    }
    ctx.state
        .presence
        .enter(&ctx.state.bus, &name, audience, user, client_id);
    Ok(name)
}
