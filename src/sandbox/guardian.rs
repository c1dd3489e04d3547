//! Who may do what: Discourse's Guardian rules for the endpoints the sandbox serves.

use super::store::{PostRow, TopicRow, UserRow, WHISPER};

/// The account a request acts as (`None` = anonymous), and the request time.
#[derive(Debug, Clone)]
pub(crate) struct Guardian {
    pub user: Option<UserRow>,
    pub now: i64,
}

impl Guardian {
    pub(crate) fn id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }
    pub(crate) fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.admin)
    }
    pub(crate) fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(UserRow::staff)
    }
    pub(crate) fn trust_level(&self) -> i64 {
        self.user.as_ref().map_or(0, |u| u.trust_level)
    }
    fn is_leader(&self) -> bool {
        self.trust_level() >= 4
    }
    fn silenced(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.silenced(self.now))
    }
    pub(crate) fn is_user(&self, id: i64) -> bool {
        self.id() == Some(id)
    }

    /// Regular topics are public; private messages need participation (`allowed`) or admin.
    pub(crate) fn can_see_topic(&self, t: &TopicRow, allowed: bool) -> bool {
        if t.is_pm() {
            return self.is_admin() || (self.user.is_some() && allowed);
        }
        t.visible || self.is_staff()
    }

    pub(crate) fn can_see_post(&self, p: &PostRow) -> bool {
        p.post_type != WHISPER || self.is_staff() || self.is_user(p.user_id)
    }

    pub(crate) fn can_see_whispers(&self) -> bool {
        self.is_staff()
    }

    /// `can_create_post_on_topic?`: closed or archived topics only for staff and TL4.
    pub(crate) fn can_create_post_on_topic(&self, t: &TopicRow, allowed: bool) -> bool {
        if self.user.is_none() || self.silenced() {
            return false;
        }
        if !self.can_see_topic(t, allowed) {
            return false;
        }
        if (t.closed || t.archived) && !(self.is_staff() || self.is_leader()) {
            return false;
        }
        true
    }

    pub(crate) fn can_create_topic(&self) -> bool {
        self.user.is_some() && !self.silenced()
    }

    /// `can_move_posts?`: not silenced, and staff or TL4; private messages need staff.
    pub(crate) fn can_move_posts(&self, t: &TopicRow) -> bool {
        if self.user.is_none() || self.silenced() {
            return false;
        }
        if t.is_pm() {
            return self.is_staff();
        }
        self.is_staff() || self.is_leader()
    }

    /// `can_edit_topic?` + `can_move_topic_to_category?`, simplified: staff, TL3+
    /// (`edit_all_topic_groups`), or the author of an open topic.
    pub(crate) fn can_edit_topic(&self, t: &TopicRow) -> bool {
        let Some(u) = &self.user else { return false };
        if self.silenced() {
            return false;
        }
        if t.is_pm() {
            return self.is_admin();
        }
        if self.is_staff() {
            return true;
        }
        if t.archived {
            return false;
        }
        u.trust_level >= 3 || (u.id == t.user_id && !t.closed)
    }

    /// discourse-solved `can_accept_answer?`.
    pub(crate) fn can_accept_answer(
        &self,
        t: &TopicRow,
        p: &PostRow,
        category_allows: bool,
    ) -> bool {
        let Some(u) = &self.user else { return false };
        if !category_allows || t.is_pm() || p.post_type == WHISPER || p.post_number <= 1 {
            return false;
        }
        if self.is_staff() || self.is_leader() {
            return true;
        }
        u.id == t.user_id && !t.closed
    }

    /// Only staff grant badges.
    pub(crate) fn can_grant_badges(&self) -> bool {
        self.is_staff()
    }

    /// `can_see_private_messages?`: admins or the user themself (not moderators).
    pub(crate) fn can_see_private_messages(&self, user_id: i64) -> bool {
        self.is_admin() || self.is_user(user_id)
    }

    pub(crate) fn can_delete_post(&self, p: &PostRow) -> bool {
        self.is_staff() || (self.is_user(p.user_id) && p.post_number > 1)
    }

    pub(crate) fn can_edit_post(&self, p: &PostRow) -> bool {
        self.is_staff() || self.trust_level() >= 4 || self.is_user(p.user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, admin: bool, moderator: bool, tl: i64) -> UserRow {
        UserRow {
            id,
            username: format!("u{id}"),
            name: String::new(),
            admin,
            moderator,
            trust_level: tl,
            created_at: 0,
            last_seen_at: None,
            last_posted_at: None,
            days_visited: 0,
            time_read: 0,
            posts_read_count: 0,
            topics_entered: 0,
            suspended_till: None,
            suspend_reason: None,
            silenced_till: None,
            silence_reason: None,
            warnings_received: 0,
            penalty_suspended: 0,
            penalty_silenced: 0,
            title: None,
            location: None,
            website: None,
            bio_raw: None,
            email: String::new(),
            ip_address: String::new(),
            active: true,
        }
    }

    fn topic(author: i64, closed: bool) -> TopicRow {
        TopicRow {
            id: 1,
            title: "t".into(),
            slug: "t".into(),
            category_id: Some(2),
            user_id: author,
            archetype: "regular".into(),
            created_at: 0,
            bumped_at: 0,
            last_posted_at: 0,
            last_post_user_id: author,
            posts_count: 2,
            highest_post_number: 2,
            reply_count: 0,
            like_count: 0,
            op_like_count: 0,
            participant_count: 1,
            views: 0,
            closed,
            archived: false,
            visible: true,
            accepted_post_id: None,
            accepted_by_id: None,
        }
    }

    fn post(number: i64, post_type: i64) -> PostRow {
        PostRow {
            id: 10,
            topic_id: 1,
            post_number: number,
            user_id: 9,
            raw: String::new(),
            cooked: String::new(),
            created_at: 0,
            updated_at: 0,
            reply_to_post_number: None,
            post_type,
            like_count: 0,
            reply_count: 0,
            hidden: false,
            version: 1,
        }
    }

    fn g(u: Option<UserRow>) -> Guardian {
        Guardian { user: u, now: 0 }
    }

    #[test]
    fn accept_rules() {
        let t = topic(5, false);
        let reply = post(2, 1);
        assert!(g(Some(user(5, false, false, 1))).can_accept_answer(&t, &reply, true));
        assert!(!g(Some(user(5, false, false, 1))).can_accept_answer(
            &topic(5, true),
            &reply,
            true
        ));
        assert!(g(Some(user(6, false, false, 4))).can_accept_answer(&topic(5, true), &reply, true));
        assert!(!g(Some(user(6, false, false, 3))).can_accept_answer(&t, &reply, true));
        assert!(!g(Some(user(1, true, false, 1))).can_accept_answer(&t, &post(1, 1), true));
        assert!(!g(Some(user(1, true, false, 1))).can_accept_answer(&t, &post(3, WHISPER), true));
        assert!(!g(Some(user(1, true, false, 1))).can_accept_answer(&t, &reply, false));
        assert!(!g(None).can_accept_answer(&t, &reply, true));
    }

    #[test]
    fn move_grant_and_pm_rules() {
        let t = topic(5, false);
        assert!(g(Some(user(6, false, false, 4))).can_move_posts(&t));
        assert!(!g(Some(user(6, false, false, 3))).can_move_posts(&t));
        assert!(!g(Some(user(6, false, false, 4))).can_grant_badges());
        assert!(g(Some(user(6, false, true, 1))).can_grant_badges());
        assert!(!g(Some(user(6, false, true, 1))).can_see_private_messages(7));
        assert!(g(Some(user(7, false, false, 0))).can_see_private_messages(7));
        assert!(g(Some(user(1, true, false, 1))).can_see_private_messages(7));
    }

    #[test]
    fn closed_topics_take_posts_from_staff_and_leaders_only() {
        let t = topic(5, true);
        assert!(!g(Some(user(5, false, false, 3))).can_create_post_on_topic(&t, false));
        assert!(g(Some(user(6, false, false, 4))).can_create_post_on_topic(&t, false));
        assert!(g(Some(user(6, false, true, 0))).can_create_post_on_topic(&t, false));
        assert!(!g(None).can_create_post_on_topic(&topic(5, false), false));
    }
}
