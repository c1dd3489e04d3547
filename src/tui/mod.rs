//! The console: owns the terminal and runs the loop
//! terminal event → keymap → command → `App::update` → effects → tasks → `Msg` → update,
//! drawing only when the state changed.

mod app;
pub mod composer;
mod echo;
mod effects;
mod hyperlinks;
mod layout;
mod live;
mod msg;
pub(crate) mod nav;
pub mod overlay;
mod profile;
mod queue;
pub mod review;
mod scroll;
mod terminal;
mod thread;
mod thread_render;
mod update;
mod view;
pub mod views;

use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyCode, KeyModifiers};
use futures_util::StreamExt;
use tokio::sync::mpsc;

pub use app::{
    App, AppConfig, Exit, Level, LiveState, Pane, RemoteFilter, ThreadState, Undo, UNDO_FOR,
};
pub use composer::Composer;
pub use hyperlinks::{visible as visible_hyperlinks, write as write_hyperlinks, Hyperlink};
pub use msg::{Effect, Msg};
pub use overlay::Overlay;
pub use scroll::Scroller;
pub use thread_render::MAX_RENDERED_BYTES;
pub use view::draw;

use crate::clock::Targets;
use crate::config::{detect_color_depth, Keymap, Paths, Settings, Theme};
use crate::connect::{connect, ConnectArgs, ConnectError, Session};
use crate::domain::SiteInfo;
use crate::drafts::DraftStore;

/// How often spinners and toasts move while something animates.
const ANIMATION_TICK: Duration = Duration::from_millis(120);

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("{0}")]
    Config(crate::config::ConfigError),
    #[error("{0}")]
    Connect(ConnectError),
    #[error("terminal: {0}")]
    Terminal(std::io::Error),
}

impl From<ConsoleError> for crate::cli::CliError {
    fn from(e: ConsoleError) -> Self {
        match e {
            ConsoleError::Config(e) => crate::cli::CliError::Usage(e.to_string()),
            ConsoleError::Connect(e) => crate::cli::CliError::Connect(e),
            ConsoleError::Terminal(e) => crate::cli::CliError::Io(format!("terminal: {e}")),
        }
    }
}

/// Builds the console's configuration: keymap and theme errors are reported here, loudly,
/// before the terminal is taken over.
pub fn app_config(
    paths: &Paths,
    settings: &Settings,
    theme: Option<String>,
    keymap: Option<String>,
) -> Result<(AppConfig, Vec<String>), crate::config::ConfigError> {
    let keymap_name = keymap.unwrap_or_else(|| settings.keymap.clone());
    let (keymap, warnings) = Keymap::load(&keymap_name, paths)?;
    let theme_name = theme.unwrap_or_else(|| settings.theme.clone());
    let theme = Theme::load(&theme_name, paths, detect_color_depth())?;
    let clocks = &settings.clocks;
    let config = AppConfig {
        username: String::new(),
        theme,
        keymap,
        targets: Targets {
            first_warn: clocks.first_warn_mins as i64,
            first_breach: clocks.first_breach_mins as i64,
            followup_warn: clocks.followup_warn_mins as i64,
            followup_breach: clocks.followup_breach_mins as i64,
        },
        saved_views: settings.views.clone(),
        drafts: DraftStore::new(paths.drafts_dir()),
    };
    Ok((config, warnings))
}

pub async fn run_console(
    args: ConnectArgs,
    theme: Option<String>,
    keymap: Option<String>,
) -> Result<Exit, ConsoleError> {
    let paths = Paths::resolve().map_err(ConsoleError::Config)?;
    let settings = Settings::load(&paths).map_err(ConsoleError::Config)?;
    crate::logging::init(&paths.log_file(), args.log_level);
    let (mut config, warnings) =
        app_config(&paths, &settings, theme, keymap).map_err(ConsoleError::Config)?;
    config.username = args
        .username
        .clone()
        .unwrap_or_else(|| crate::connect::SANDBOX_DEFAULT_USER.into());
    let audit_path = paths.audit_log();
    let mut expected_site = app::placeholder_site();
    expected_site.features =
        crate::connect::expected_features(crate::connect::expected_platform(&args, &settings));

    terminal::install_panic_hook();
    let mut term = terminal::enter().map_err(ConsoleError::Terminal)?;
    let start = Start {
        config,
        warnings,
        audit_path,
        expected_site,
    };
    let result = console_loop(&mut term, args, start).await;
    terminal::leave();
    let (exit, session) = result?;
    if let Some(session) = session {
        session.close().await;
    }
    Ok(exit)
}

/// Runs one effect that is the loop's own work (files and the terminal), not a backend call.
fn run_local(
    term: &mut terminal::Term,
    app: &mut App,
    effect: Effect,
    reader: &mut tokio::task::JoinHandle<()>,
    input_tx: &mpsc::UnboundedSender<Event>,
) {
    match effect {
        Effect::Quit => app.exit = app.exit.or(Some(Exit::Quit)),
        Effect::SaveDraft(draft) => {
            if let Err(e) = app.config.drafts.save(&draft) {
                let _ = app.update(Msg::DraftError(e.to_string()));
            }
        }
        Effect::DeleteDraft { site, topic_id } => {
            if let Err(e) = app.config.drafts.delete(&site, &topic_id) {
                app.set_status(format!("could not remove the draft: {e}"), Level::Warning);
            }
        }
        Effect::Copy(text) => {
            if let Err(e) = terminal::copy_osc52(&text) {
                app.set_status(format!("copy failed: {e}"), Level::Error);
            }
        }
        Effect::Editor(text) => {
            reader.abort();
            let result = edit_externally(term, &text);
            *reader = spawn_input(input_tx.clone());
            // The editor's text lands in the composer; it may ask for the draft to be saved.
            for effect in app.update(Msg::EditorDone(result)) {
                if let Effect::SaveDraft(draft) = effect {
                    if let Err(e) = app.config.drafts.save(&draft) {
                        let _ = app.update(Msg::DraftError(e.to_string()));
                    }
                }
            }
        }
        // Backend work waits for the connection.
        _ => {}
    }
}

/// What the console knows before it connects.
struct Start {
    config: AppConfig,
    warnings: Vec<String>,
    audit_path: std::path::PathBuf,
    /// The site as far as the platform alone tells (what it can do), until it answers.
    expected_site: SiteInfo,
}

async fn console_loop(
    term: &mut terminal::Term,
    args: ConnectArgs,
    start: Start,
) -> Result<(Exit, Option<Session>), ConsoleError> {
    use tokio::signal::unix::{signal, SignalKind};

    let Start {
        config,
        warnings,
        audit_path,
        expected_site,
    } = start;
    let mut app = App::new(config);
    app.set_site(expected_site);
    if let Ok(size) = term.size() {
        app.resize(size.width, size.height);
    }
    for w in &warnings {
        app.set_status(w.clone(), Level::Warning);
    }
    // The first frame, before any network reply.
    let mut scroller = Scroller::default();
    draw_frame(term, &app, &mut scroller)?;

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let (input_tx, mut input) = mpsc::unbounded_channel::<Event>();
    let mut reader = spawn_input(input_tx.clone());
    let mut connecting: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Session, ConnectError>> + Send + '_>,
    > = Box::pin(connect(&args));
    let mut connect_done = false;
    let mut session: Option<Session> = None;
    let mut runner: Option<effects::Runner> = None;
    let mut presence: Option<live::PresenceKeeper> = None;
    let (watch_tx, watch_rx) = tokio::sync::watch::channel(Vec::new());
    let mut tasks: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    // Effects asked for before the connection is up wait here.
    let mut queued: Vec<Effect> = Vec::new();

    // Every signal that ends a process ends the console the same way: drafts written, the
    // terminal restored, exit status 128 + n.
    let mut signals = Vec::new();
    for (kind, n) in [
        (SignalKind::interrupt(), libc::SIGINT),
        (SignalKind::terminate(), libc::SIGTERM),
        (SignalKind::hangup(), libc::SIGHUP),
        (SignalKind::quit(), libc::SIGQUIT),
    ] {
        signals.push((signal(kind).map_err(ConsoleError::Terminal)?, n));
    }
    let (sig_tx, mut sig_rx) = mpsc::unbounded_channel::<i32>();
    for (mut s, n) in signals {
        let sig_tx = sig_tx.clone();
        tasks.push(tokio::spawn(async move {
            while s.recv().await.is_some() {
                if sig_tx.send(n).is_err() {
                    return;
                }
            }
        }));
    }

    loop {
        let tick = if app.animating() {
            ANIMATION_TICK
        } else {
            // Wake at the next minute boundary for the wait clocks, and not before.
            let secs = 60 - (chrono::Utc::now().timestamp() % 60) as u64;
            Duration::from_secs(secs.max(1))
        };
        let mut effects: Vec<Effect> = Vec::new();
        tokio::select! {
            event = input.recv() => match event {
                Some(event) if is_suspend(&event) => {
                    reader.abort();
                    terminal::suspend(term).map_err(ConsoleError::Terminal)?;
                    reader = spawn_input(input_tx.clone());
                    app.dirty = true;
                }
                Some(event) => effects.extend(app.update(Msg::Term(event))),
                None => break,
            },
            Some(msg) = rx.recv() => effects.extend(app.update(msg)),
            result = &mut connecting, if !connect_done => {
                connect_done = true;
                match result {
                    Ok(s) => {
                        app.set_site(s.backend.site().clone());
                        app.draft_site = s.draft_site();
                        app.config.username = s.username.clone();
                        for w in &s.warnings {
                            app.set_status(w.clone(), Level::Warning);
                        }
                        runner = Some(effects::Runner {
                            backend: s.backend.clone(),
                            tx: tx.clone(),
                            audit: crate::audit::AuditLog::new(audit_path.clone()),
                            username: s.username.clone(),
                        });
                        effects.extend(app.init());
                        effects.append(&mut queued);
                        let client_id = live::client_id();
                        tasks.push(live::spawn_feed(
                            s.backend.clone(),
                            tx.clone(),
                            watch_rx.clone(),
                            client_id.clone(),
                            s.settings.live_updates,
                            Duration::from_secs(s.settings.refresh_secs.max(5)),
                        ));
                        tasks.push(live::spawn_budget(s.backend.clone(), tx.clone()));
                        presence = Some(live::PresenceKeeper::new(s.backend.clone(), client_id));
                        session = Some(s);
                    }
                    Err(e) => {
                        app.set_status(format!("cannot connect: {e}"), Level::Error);
                        // Keep the loop alive so the message can be read; q quits.
                    }
                }
                app.dirty = true;
            }
            _ = tokio::time::sleep(tick) => effects.extend(app.update(Msg::Tick)),
            Some(n) = sig_rx.recv() => {
                effects.extend(crate::actions::reply::flush_draft(&mut app));
                app.exit = Some(Exit::Signal(n));
            }
        }

        // Take everything already waiting before drawing once: a held key draws one frame.
        for _ in 0..256 {
            let mut progressed = false;
            if let Ok(msg) = rx.try_recv() {
                effects.extend(app.update(msg));
                progressed = true;
            }
            match input.try_recv() {
                Ok(event) if !is_suspend(&event) => {
                    effects.extend(app.update(Msg::Term(event)));
                    progressed = true;
                }
                // Ctrl-Z waits for the next turn of the loop, which suspends.
                Ok(event) => {
                    let _ = input_tx.send(event);
                    break;
                }
                Err(_) => {}
            }
            if !progressed {
                break;
            }
        }

        for effect in effects {
            let leftover = match &runner {
                Some(r) => r.run(effect),
                None => match effect {
                    e @ (Effect::Quit
                    | Effect::Copy(_)
                    | Effect::Editor(_)
                    | Effect::SaveDraft(_)
                    | Effect::DeleteDraft { .. }) => Some(e),
                    other => {
                        queued.push(other);
                        None
                    }
                },
            };
            if let Some(effect) = leftover {
                run_local(term, &mut app, effect, &mut reader, &input_tx);
            }
        }
        // Tell the live feed which topics to watch, and announce presence while composing.
        watch_tx.send_if_modified(|current| {
            let wanted = app.watched_topics();
            let changed = *current != wanted;
            *current = wanted;
            changed
        });
        if let Some(keeper) = presence.as_mut() {
            keeper.reconcile(app.replying_in());
        }
        if app.exit.is_some() {
            break;
        }
        if app.dirty {
            draw_frame(term, &app, &mut scroller)?;
            app.dirty = false;
        }
    }
    reader.abort();
    for task in tasks {
        task.abort();
    }
    // Leave the presence channel before exiting, so colleagues stop seeing "replying".
    if let Some(keeper) = presence {
        keeper.shutdown().await;
    }
    Ok((app.exit.unwrap_or(Exit::Quit), session))
}

/// Reads terminal events in a task of its own, so the loop can wait on a channel (and drain
/// it without blocking). Aborted around Ctrl-Z and the external editor, which need the input.
fn spawn_input(tx: mpsc::UnboundedSender<Event>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            match event {
                Ok(event) => {
                    if tx.send(event).is_err() {
                        return;
                    }
                }
                Err(e) => tracing::warn!("terminal input: {e}"),
            }
        }
    })
}

fn is_suspend(event: &Event) -> bool {
    matches!(event, Event::Key(k) if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('z'))
}

/// One frame, wrapped in synchronized output so slow links never show half a frame.
fn draw_frame(
    term: &mut terminal::Term,
    app: &App,
    scroller: &mut Scroller,
) -> Result<(), ConsoleError> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    let _ = crossterm::execute!(std::io::stdout(), BeginSynchronizedUpdate);
    if let Err(e) = scroller.before_draw(term, app) {
        tracing::warn!("scroll region: {e}");
    }
    let result = term.draw(|frame| view::draw(frame, app));
    if let Ok(frame) = &result {
        scroller.after_draw(frame.buffer, app);
        let links = hyperlinks::visible(app, frame.area);
        if !links.is_empty() {
            let _ = hyperlinks::write(&mut std::io::stdout(), &links);
        }
    }
    let _ = crossterm::execute!(std::io::stdout(), EndSynchronizedUpdate);
    result.map(|_| ()).map_err(ConsoleError::Terminal)
}

/// Suspends the console, runs `$VISUAL` / `$EDITOR` (default `vi`) on the text, and comes back.
fn edit_externally(term: &mut terminal::Term, text: &str) -> Result<String, String> {
    let path = std::env::temp_dir().join(format!("modterm-reply-{}.md", std::process::id()));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    terminal::leave();
    let status = tokio::task::block_in_place(|| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("modterm-editor")
            .arg(&path)
            .status()
    });
    let resumed = terminal::resume(term);
    let result = match status {
        Ok(s) if s.success() => std::fs::read_to_string(&path)
            .map(|t| t.trim_end_matches('\n').to_string())
            .map_err(|e| format!("cannot read the edited text: {e}")),
        Ok(s) => Err(format!("{editor} exited with {s}; text unchanged")),
        Err(e) => Err(format!("cannot start {editor}: {e}")),
    };
    let _ = std::fs::remove_file(&path);
    resumed.map_err(|e| format!("terminal: {e}"))?;
    result
}
