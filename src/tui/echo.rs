//! The live feed's echo of the console's own writes.
//!
//! A reply, an accept or a move changes the topic on the site, and the site then announces
//! that change on the live feed. The console has already applied the write's own answer, so
//! re-reading the topic for its echo would spend a request on nothing new. While a write to a
//! topic is in flight, events about that topic are held; when it lands, events that bring
//! nothing the console does not already hold (no post it lacks) are dropped
//! for a few seconds, and the rest go through as usual.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::domain::{LiveEvent, TopicId};

/// How long after a write lands an event about its topic is taken for its echo.
pub const ECHO_WINDOW: Duration = Duration::from_secs(3);

#[derive(Debug, Default)]
pub struct Echoes {
    /// Topics with a write in flight, and how many writes.
    in_flight: HashMap<TopicId, usize>,
    /// Writes in flight that make a topic: news of new topics waits for them.
    creating: usize,
    /// Events about topics with a write in flight, in arrival order.
    held: Vec<LiveEvent>,
    /// Topics whose write landed, until when their echo is expected.
    until: HashMap<TopicId, Instant>,
}

impl Echoes {
    pub fn sending(&mut self, topics: &[TopicId], creates_topic: bool) {
        for t in topics {
            *self.in_flight.entry(t.clone()).or_default() += 1;
        }
        self.creating += usize::from(creates_topic);
    }

    /// A write to `topics` came back: on success its echo is expected; the events held for
    /// them are returned, to be looked at again.
    pub fn landed(
        &mut self,
        topics: &[TopicId],
        created_topic: bool,
        ok: bool,
        now: Instant,
    ) -> Vec<LiveEvent> {
        if created_topic {
            self.creating = self.creating.saturating_sub(1);
        }
        for t in topics {
            if let Some(n) = self.in_flight.get_mut(t) {
                *n -= 1;
                if *n == 0 {
                    self.in_flight.remove(t);
                }
            }
            if ok {
                self.until.insert(t.clone(), now + ECHO_WINDOW);
            }
        }
        self.until.retain(|_, until| *until > now);
        let (released, kept): (Vec<LiveEvent>, Vec<LiveEvent>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|e| !self.holds(e));
        self.held = kept;
        released
    }

    /// A topic a landed write created (its id only known from the answer): its echo too.
    pub fn expect(&mut self, topic: &TopicId, now: Instant) {
        self.until.insert(topic.clone(), now + ECHO_WINDOW);
    }

    /// What to do with one event: hold it (its topic's write is in flight), drop it (the
    /// echo of a write the console has applied), or let it through. `known_post` says whether
    /// the console already holds a post number of that topic.
    pub fn sort(
        &mut self,
        event: LiveEvent,
        now: Instant,
        known_post: impl Fn(&TopicId, u32) -> bool,
    ) -> Option<LiveEvent> {
        if self.holds(&event) {
            self.held.push(event);
            return None;
        }
        let Some(topic) = topic_of(&event).cloned() else {
            return Some(event);
        };
        let echoing = self.until.get(&topic).is_some_and(|until| *until > now);
        if !echoing {
            return Some(event);
        }
        match &event {
            // A new post the console does not hold is someone else's: let it through.
            LiveEvent::TopicChanged {
                post_number: Some(n),
                reason,
                ..
            } if reason == "created" && !known_post(&topic, *n) => Some(event),
            LiveEvent::TopicChanged { .. } | LiveEvent::TopicListChanged { .. } => None,
            LiveEvent::Replying { .. } => Some(event),
        }
    }
}

impl Echoes {
    /// Whether an event waits for a write in flight: it is about the write's topic, or it
    /// announces a topic while a write that makes one is on its way.
    fn holds(&self, event: &LiveEvent) -> bool {
        let about_write = topic_of(event).is_some_and(|t| self.in_flight.contains_key(t));
        let new_topic_news =
            self.creating > 0 && matches!(event, LiveEvent::TopicListChanged { .. });
        about_write || new_topic_news
    }
}

fn topic_of(event: &LiveEvent) -> Option<&TopicId> {
    match event {
        LiveEvent::TopicChanged { topic_id, .. } => Some(topic_id),
        LiveEvent::TopicListChanged { topic_id, .. } => topic_id.as_ref(),
        // Who is replying is never an echo of a write.
        LiveEvent::Replying { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(topic: u64, post: Option<u32>) -> LiveEvent {
        LiveEvent::TopicChanged {
            topic_id: TopicId::from(topic),
            post_number: post,
            reason: "created".into(),
        }
    }

    #[test]
    fn an_echo_is_held_then_dropped_and_news_goes_through() {
        let mut e = Echoes::default();
        let now = Instant::now();
        let t = TopicId::from(7);
        let known = |_: &TopicId, n: u32| n <= 2;
        e.sending(std::slice::from_ref(&t), false);
        // The feed is faster than the write's answer: held.
        assert_eq!(e.sort(changed(7, Some(2)), now, known), None);
        // Another topic is not held.
        assert!(e.sort(changed(8, Some(5)), now, known).is_some());
        let released = e.landed(std::slice::from_ref(&t), false, true, now);
        assert_eq!(released.len(), 1);
        // Looked at again: post 2 is the console's own, dropped.
        assert_eq!(e.sort(released[0].clone(), now, known), None);
        // Someone else's post 3 goes through; so does anything after the window.
        assert!(e.sort(changed(7, Some(3)), now, known).is_some());
        assert!(e
            .sort(
                changed(7, None),
                now + ECHO_WINDOW + Duration::from_millis(1),
                known
            )
            .is_some());
    }

    #[test]
    fn news_of_a_topic_a_write_makes_waits_for_its_answer() {
        let mut e = Echoes::default();
        let now = Instant::now();
        let source = TopicId::from(7);
        e.sending(std::slice::from_ref(&source), true);
        let news = |id: u64| LiveEvent::TopicListChanged {
            topic_id: Some(TopicId::from(id)),
            reason: "new_topic".into(),
        };
        assert_eq!(e.sort(news(99), now, |_, _| false), None, "held");
        assert_eq!(e.sort(news(50), now, |_, _| false), None, "held too");
        // The answer names topic 99: its news is the write's own; 50's is not.
        e.expect(&TopicId::from(99), now);
        let released = e.landed(std::slice::from_ref(&source), true, true, now);
        let passed: Vec<_> = released
            .into_iter()
            .filter_map(|ev| e.sort(ev, now, |_, _| false))
            .collect();
        assert_eq!(passed, vec![news(50)]);
    }

    #[test]
    fn a_failed_write_expects_no_echo() {
        let mut e = Echoes::default();
        let now = Instant::now();
        let t = TopicId::from(7);
        e.sending(std::slice::from_ref(&t), false);
        assert_eq!(e.sort(changed(7, None), now, |_, _| true), None);
        let released = e.landed(std::slice::from_ref(&t), false, false, now);
        assert_eq!(released.len(), 1);
        assert!(e.sort(released[0].clone(), now, |_, _| true).is_some());
    }
}
