//! The profile board's logic: opening a member's board (from the cache when it is there),
//! loading only the parts not loaded yet, and the on-demand parts when asked.

use crate::backend::Result;
use crate::board::Board;
use crate::domain::*;

use super::app::{App, Pane, ProfileState};
use super::msg::Effect;

impl App {
    pub(crate) fn open_profile(&mut self, username: &str, refresh: bool) -> Vec<Effect> {
        // Keep the board we are leaving in the cache.
        if let Some(previous) = self.profile.take() {
            self.board_cache
                .insert(previous.board.username.to_lowercase(), previous.board);
        }
        let key = username.to_lowercase();
        let mut board = match (refresh, self.board_cache.remove(&key)) {
            (false, Some(board)) => board,
            (true, Some(old)) => {
                // A refresh reloads what was shown, on-demand parts included.
                let mut fresh = Board::new(username);
                fresh.channel_filter = old.channel_filter;
                let asked: Vec<BoardPart> = BoardPart::ALL
                    .into_iter()
                    .filter(|p| !matches!(old.state(*p), crate::board::PartState::NotLoaded))
                    .collect();
                fresh.request(&asked);
                fresh
            }
            (_, None) => Board::new(username),
        };
        let mut parts: Vec<BoardPart> = BoardPart::ALL
            .into_iter()
            .filter(|p| matches!(board.state(*p), crate::board::PartState::Loading))
            .collect();
        for p in board.parts_to_load() {
            if !parts.contains(&p) {
                parts.push(p);
            }
        }
        board.request(&parts);
        self.profile = Some(ProfileState {
            board,
            selected: 0,
            full_screen: false,
        });
        self.layout.profile_hidden = false;
        self.focus = Pane::Profile;
        self.rerender_thread();
        let mut effects = Vec::new();
        // A board is where a badge is awarded from: the catalogue comes with it (in the same
        // round trip), so the badge picker opens at once.
        if self.badges.is_none()
            && !self.badges_loading
            && self.capabilities().award_badges
            && self.site.features.award_badges.is_available()
        {
            self.badges_loading = true;
            effects.push(Effect::LoadBadges);
        }
        if !parts.is_empty() {
            effects.push(Effect::LoadBoard {
                username: username.to_string(),
                parts,
            });
        }
        effects
    }

    /// The board of a member, open or cached (created empty when there is none).
    pub(crate) fn board_mut(&mut self, username: &str) -> &mut Board {
        let key = username.to_lowercase();
        if self
            .profile
            .as_ref()
            .is_some_and(|p| p.board.username.eq_ignore_ascii_case(username))
        {
            if let Some(p) = self.profile.as_mut() {
                return &mut p.board;
            }
        }
        self.board_cache
            .entry(key)
            .or_insert_with(|| Board::new(username))
    }

    /// Loads parts of a member's board that are not loaded yet (in the cache when the board
    /// is not open).
    pub(crate) fn load_board_parts(&mut self, username: &str, parts: &[BoardPart]) -> Vec<Effect> {
        let board = self.board_mut(username);
        let wanted: Vec<BoardPart> = parts
            .iter()
            .copied()
            .filter(|p| {
                matches!(
                    board.state(*p),
                    crate::board::PartState::NotLoaded | crate::board::PartState::Failed(_)
                )
            })
            .collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        board.request(&wanted);
        vec![Effect::LoadBoard {
            username: username.to_string(),
            parts: wanted,
        }]
    }

    pub(super) fn on_board_part(
        &mut self,
        username: &str,
        part: BoardPart,
        result: Result<BoardData>,
    ) {
        self.board_mut(username).apply(part, result);
        if part == BoardPart::Badges {
            crate::actions::award::badges_arrived(self, username);
        }
    }
}
