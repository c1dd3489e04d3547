//! Owning the terminal: raw mode, the alternate screen and bracketed paste on the way in, and
//! everything undone on the way out, on panic, on SIGHUP/SIGTERM and around Ctrl-Z.

use std::io::{self, Stdout, Write};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub fn enter() -> io::Result<Term> {
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(e) = execute!(
        stdout,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    ) {
        let _ = disable_raw_mode();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(stdout))
}

/// Undoes everything `enter` did. Safe to call more than once and from a panic hook.
pub fn leave() {
    let mut stdout = io::stdout();
    let _ = execute!(
        stdout,
        crossterm::event::DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = stdout.flush();
}

/// Restores the terminal before the panic message is printed, and writes the message to the
/// log file too (the screen it was drawn on is gone).
pub fn install_panic_hook() {
    crate::logging::log_panics();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        previous(info);
    }));
}

/// Ctrl-Z: give the terminal back, stop the process, and take the terminal again on `fg`.
pub fn suspend(terminal: &mut Term) -> io::Result<()> {
    leave();
    // SAFETY: raise only sends a signal to this process; SIGTSTP stops it until SIGCONT.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    resume(terminal)
}

/// Counts the times the screen was given away and taken back: what was on it before is gone,
/// so nothing may be reused from the frame drawn before (see `scroll`).
pub static SCREEN_EPOCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Takes the terminal again after a suspension or the external editor.
pub fn resume(terminal: &mut Term) -> io::Result<()> {
    SCREEN_EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    terminal.clear()
}

/// Puts text on the clipboard of the terminal the user sits at (OSC 52), over SSH and tmux.
/// The text is sanitized by the caller; it never carries control characters.
pub fn copy_osc52(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout();
    execute!(
        stdout,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    )?;
    stdout.flush()
}
