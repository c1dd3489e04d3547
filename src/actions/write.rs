//! A write is a change to a site, described before it is sent. The console shows its
//! [`Preview`] in the confirmation (or, for reversible writes, in the undo toast), the CLI
//! prints the same preview for `--dry-run`, and both send it the same way.
//!
//! [`Write`] is what is sent and how it reads; [`Lands`] is how the answer changes the
//! console's state. The console runs any of them through [`AnyWrite`], which erases the answer
//! type: the runner sends the write, records it in the audit log, and hands back a [`Landing`]
//! that `update` applies.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::backend::{Backend, BackendError, Result};
use crate::tui::{App, Effect};

/// What a write will do, exactly, in words the user reads before it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// "Send reply", "Move posts".
    pub title: String,
    /// Already sanitized.
    pub lines: Vec<String>,
}

/// A change to a site.
#[async_trait]
pub trait Write: Serialize + Send + Sync + Debug + 'static {
    /// What the server answers.
    type Answer: Serialize + Send + Debug + 'static;
    /// The audit log's and the JSON output's name of this write ("reply", "move_posts").
    fn kind(&self) -> &'static str;
    /// What it changes, for the audit log ("topic 42").
    fn target(&self) -> String;
    fn preview(&self) -> Preview;
    async fn send(&self, backend: &dyn Backend) -> Result<Self::Answer>;
    /// One line for the CLI once the server said yes.
    fn done(&self, answer: &Self::Answer) -> String;
}

/// The longest a write may wait for its answer in the console; past it, it fails with a
/// network error that says so (the write may still have been applied: see the reply's
/// journal).
pub const WRITE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(90);

/// How a write's answer lands in the console.
pub trait Lands: Write {
    /// The status bar's words while it is in flight ("sending reply to #42").
    fn pending(&self) -> String;
    fn landed(&self, app: &mut App, answer: Self::Answer) -> Vec<Effect>;
    fn failed(&self, app: &mut App, error: BackendError) -> Vec<Effect>;
    /// The topics whose live updates this write causes: the console applies the write's own
    /// answer, so their echo on the feed is not read again (see `tui::echo`).
    fn echoes(&self) -> Vec<crate::domain::TopicId> {
        Vec::new()
    }
    /// Whether the write makes a topic (whose id only its answer tells): the feed's news of
    /// new topics waits for the answer too.
    fn creates_topic(&self) -> bool {
        false
    }
}

/// A sent write's result, ready to apply to the state.
pub struct Landing {
    /// For the audit log: `Ok` or the error's words.
    pub outcome: std::result::Result<(), String>,
    /// The topics whose feed echo the write causes ([`Lands::echoes`]).
    pub echoes: Vec<crate::domain::TopicId>,
    pub creates_topic: bool,
    apply: ApplyLanding,
}

/// What a landed write does to the state, once, on the UI thread.
type ApplyLanding = Box<dyn FnOnce(&mut App) -> Vec<Effect> + Send>;

impl Landing {
    /// A write's result as if it had come back from the server (tests, and replays).
    pub fn of<W: Lands>(write: W, result: Result<W::Answer>) -> Landing {
        Landing {
            echoes: write.echoes(),
            creates_topic: write.creates_topic(),
            outcome: match &result {
                Ok(_) => Ok(()),
                Err(e) => Err(e.to_string()),
            },
            apply: Box::new(move |app: &mut App| match result {
                Ok(answer) => write.landed(app, answer),
                Err(e) => write.failed(app, e),
            }),
        }
    }

    pub fn apply(self, app: &mut App) -> Vec<Effect> {
        (self.apply)(app)
    }
}

impl Debug for Landing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Landing")
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

/// Any console write, with its answer type erased.
pub trait AnyWrite: Send + Sync + Debug {
    fn kind(&self) -> &'static str;
    fn target(&self) -> String;
    fn preview(&self) -> Preview;
    fn pending(&self) -> String;
    fn echoes(&self) -> Vec<crate::domain::TopicId>;
    fn creates_topic(&self) -> bool;
    /// Sends the write; the future resolves to what `update` applies.
    fn run(self: Arc<Self>, backend: Arc<dyn Backend>) -> BoxFuture<'static, Landing>;
    /// The write itself, to look at its fields (tests).
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<W: Lands> AnyWrite for W {
    fn kind(&self) -> &'static str {
        Write::kind(self)
    }

    fn target(&self) -> String {
        Write::target(self)
    }

    fn preview(&self) -> Preview {
        Write::preview(self)
    }

    fn pending(&self) -> String {
        Lands::pending(self)
    }

    fn echoes(&self) -> Vec<crate::domain::TopicId> {
        Lands::echoes(self)
    }

    fn creates_topic(&self) -> bool {
        Lands::creates_topic(self)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn run(self: Arc<Self>, backend: Arc<dyn Backend>) -> BoxFuture<'static, Landing> {
        Box::pin(async move {
            let result = match tokio::time::timeout(WRITE_DEADLINE, self.send(&*backend)).await {
                Ok(r) => r,
                Err(_) => Err(BackendError::Network(format!(
                    "no answer within {} s",
                    WRITE_DEADLINE.as_secs()
                ))),
            };
            let outcome = match &result {
                Ok(_) => Ok(()),
                Err(e) => Err(e.to_string()),
            };
            Landing {
                outcome,
                echoes: Lands::echoes(&*self),
                creates_topic: Lands::creates_topic(&*self),
                apply: Box::new(move |app: &mut App| match result {
                    Ok(answer) => self.landed(app, answer),
                    Err(e) => self.failed(app, e),
                }),
            }
        })
    }
}

/// Two writes are the same write when they read the same (tests compare effects).
impl PartialEq for dyn AnyWrite {
    fn eq(&self, other: &Self) -> bool {
        self.kind() == other.kind()
            && self.target() == other.target()
            && self.preview() == other.preview()
    }
}

/// Starts a write: its operation in the status bar, and the effect that sends it.
pub fn send<W: Lands>(app: &mut App, write: W) -> Vec<Effect> {
    let op = app.start_op(Lands::pending(&write));
    vec![Effect::Write {
        op,
        write: Arc::new(write),
    }]
}

/// Asks before a public, hard-to-undo write: the confirmation shows its preview, and yes
/// sends it.
pub fn confirm<W: Lands>(app: &mut App, write: W) {
    app.overlay = Some(crate::tui::Overlay::Confirm {
        preview: write.preview(),
        next: Box::new(SendOnYes(write)),
    });
}

#[derive(Debug)]
struct SendOnYes<W>(W);

impl<W: Lands> crate::tui::overlay::ConfirmNext for SendOnYes<W> {
    fn confirmed(self: Box<Self>, app: &mut App) -> Vec<Effect> {
        send(app, self.0)
    }
}

/// Shortens a text for one line of a preview.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let flat = crate::text::sanitize_line(text);
    let flat: String = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        flat
    } else {
        let mut out: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
