//! Entry point: parses the command line, then runs the console (no subcommand), a headless
//! command, or the sandbox server. Only this file turns errors into exit codes.
//!
//! Flags live where they are read: the console's at the top, the connection flags at the top
//! (for the console) and on every site command, and each subcommand's own on it alone.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use modterm::cli::{self, CliError, Out};
use modterm::connect::ConnectArgs;
use modterm::domain::{PostId, QueueView, TopicId};
use modterm::domain::{ReviewId, ReviewKind, ReviewPriority, ReviewStatusFilter};
use modterm::logging::LogLevel;
use modterm::tui::Exit;

const LONG_ABOUT: &str = "A keyboard-driven console for community moderators.\n\n\
    With no site configured, modterm starts its embedded demo community (a local \
    Discourse-speaking sandbox) and connects to it.\n\n\
    Exit codes: 0 success, 2 usage, 3 not signed in or forbidden, 4 not found, \
    5 invalid input, 6 rate limited, 7 network or server failure, 128+n ended by signal n.";

#[derive(Parser, Debug)]
#[command(name = "modterm", version, about = "A keyboard-driven console for community moderators", long_about = LONG_ABOUT)]
struct Cli {
    #[command(flatten)]
    connect: ConnectFlags,

    /// Colour theme (dark, light, high-contrast, mono, or a user theme).
    #[arg(long, env = "MODTERM_THEME")]
    theme: Option<String>,

    /// Keymap preset (default, arrows, or a user keymap).
    #[arg(long, env = "MODTERM_KEYMAP")]
    keymap: Option<String>,

    /// Log level of the log file.
    #[arg(
        long,
        value_enum,
        env = "MODTERM_LOG",
        default_value = "info",
        ignore_case = true
    )]
    log_level: LogLevel,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Which site to talk to, and as whom.
#[derive(Args, Debug, Clone, Default)]
struct ConnectFlags {
    /// Named profile from config.toml.
    #[arg(long, env = "MODTERM_PROFILE")]
    profile: Option<String>,
    /// Site URL (one-off use instead of a profile).
    #[arg(long, env = "MODTERM_URL")]
    url: Option<String>,
    /// Username to act as.
    #[arg(long, env = "MODTERM_USERNAME")]
    username: Option<String>,
    /// API key. Prefer the environment variable or a profile: arguments show up in `ps`.
    #[arg(long, env = "MODTERM_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The key is a user API key (`User-Api-Key`) rather than an admin/global key.
    #[arg(long)]
    user_api_key: bool,
    /// Allow plain http:// to a non-loopback address.
    #[arg(long)]
    insecure: bool,
    /// The site's platform (discourse by default). With neither --url nor --profile, the
    /// embedded demo of that platform; with --url, the adapter that speaks to it.
    #[arg(long, env = "MODTERM_PLATFORM", value_parser = ["discourse", "khoros"])]
    platform: Option<String>,
}

impl ConnectFlags {
    /// These flags, with the top-level ones filling what these do not say.
    fn over(self, top: &ConnectFlags) -> ConnectFlags {
        ConnectFlags {
            profile: self.profile.or_else(|| top.profile.clone()),
            url: self.url.or_else(|| top.url.clone()),
            username: self.username.or_else(|| top.username.clone()),
            api_key: self.api_key.or_else(|| top.api_key.clone()),
            user_api_key: self.user_api_key || top.user_api_key,
            insecure: self.insecure || top.insecure,
            platform: self.platform.or_else(|| top.platform.clone()),
        }
    }
}

/// What every command that talks to a site reads.
#[derive(Args, Debug, Clone)]
struct SiteFlags {
    #[command(flatten)]
    connect: ConnectFlags,
    /// Print JSON instead of a table (errors too, on stderr).
    #[arg(long)]
    json: bool,
    /// Give up after this many seconds (the whole command).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
}

/// A write's flags: those of a site command, plus `--dry-run`.
#[derive(Args, Debug, Clone)]
struct WriteFlags {
    #[command(flatten)]
    site: SiteFlags,
    /// Print what would be sent, send nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ViewArg {
    Unanswered,
    Unsolved,
    Latest,
    NeedsReply,
}

impl From<ViewArg> for QueueView {
    fn from(v: ViewArg) -> QueueView {
        match v {
            ViewArg::Unanswered => QueueView::Unanswered,
            ViewArg::Unsolved => QueueView::Unsolved,
            ViewArg::Latest => QueueView::Latest,
            ViewArg::NeedsReply => QueueView::NeedsReply,
        }
    }
}

/// `modterm review --status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReviewStatusArg {
    Pending,
    Approved,
    Rejected,
    Ignored,
    Deleted,
    Reviewed,
    All,
}

impl From<ReviewStatusArg> for ReviewStatusFilter {
    fn from(s: ReviewStatusArg) -> ReviewStatusFilter {
        match s {
            ReviewStatusArg::Pending => ReviewStatusFilter::Pending,
            ReviewStatusArg::Approved => ReviewStatusFilter::Approved,
            ReviewStatusArg::Rejected => ReviewStatusFilter::Rejected,
            ReviewStatusArg::Ignored => ReviewStatusFilter::Ignored,
            ReviewStatusArg::Deleted => ReviewStatusFilter::Deleted,
            ReviewStatusArg::Reviewed => ReviewStatusFilter::Reviewed,
            ReviewStatusArg::All => ReviewStatusFilter::All,
        }
    }
}

/// `modterm review --priority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PriorityArg {
    Low,
    Medium,
    High,
}

impl From<PriorityArg> for ReviewPriority {
    fn from(p: PriorityArg) -> ReviewPriority {
        match p {
            PriorityArg::Low => ReviewPriority::Low,
            PriorityArg::Medium => ReviewPriority::Medium,
            PriorityArg::High => ReviewPriority::High,
        }
    }
}

#[derive(Subcommand, Debug)]
enum ReviewCommand {
    /// Act on one item (the version is read from the item first).
    Perform {
        #[command(flatten)]
        write: WriteFlags,
        /// The review item's id.
        #[arg(value_name = "ID")]
        id: String,
        /// One of the actions the item offers (`modterm review` lists them), by id or label.
        action: String,
    },
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Who the account is, with its role and rights.
    Whoami {
        #[command(flatten)]
        site: SiteFlags,
    },
    /// The topics waiting for an answer.
    Queue {
        #[command(flatten)]
        site: SiteFlags,
        #[arg(long, value_enum, default_value = "unanswered")]
        view: ViewArg,
        /// Category slug or id.
        #[arg(long)]
        category: Option<String>,
        /// At most this many topics (default: every topic of the view).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Search the community (the site's search syntax).
    Search {
        #[command(flatten)]
        site: SiteFlags,
        /// Words, "phrases" and operators (in:title, status:open, category:slug, @user, #tag).
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Page of results (1..10).
        #[arg(long, default_value_t = 1)]
        page: u32,
    },
    /// A topic with all its posts.
    Thread {
        #[command(flatten)]
        site: SiteFlags,
        topic_id: String,
    },
    /// Reply to a topic from a file or standard input.
    Reply {
        #[command(flatten)]
        write: WriteFlags,
        topic_id: String,
        /// Reply to this post number.
        #[arg(long)]
        to: Option<u32>,
        /// Read the reply from this file (`-` for standard input).
        #[arg(long, conflicts_with = "stdin")]
        file: Option<PathBuf>,
        /// Read the reply from standard input.
        #[arg(id = "stdin", value_name = "-", num_args = 0..=1, default_missing_value = "-")]
        dash: Option<String>,
    },
    /// Mark a post as the accepted solution (or undo it).
    Solve {
        #[command(flatten)]
        write: WriteFlags,
        post_id: String,
        #[arg(long)]
        undo: bool,
    },
    /// Move posts to another topic or to a new one.
    MovePosts {
        #[command(flatten)]
        write: WriteFlags,
        topic_id: String,
        /// Post ids, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        posts: Vec<String>,
        #[arg(
            long,
            conflicts_with = "new_title",
            required_unless_present = "new_title"
        )]
        to_topic: Option<String>,
        #[arg(long)]
        new_title: Option<String>,
        /// Category slug for the new topic.
        #[arg(long, requires = "new_title")]
        category: Option<String>,
    },
    /// Move a topic to another category.
    MoveTopic {
        #[command(flatten)]
        write: WriteFlags,
        topic_id: String,
        #[arg(long)]
        category: String,
    },
    /// The badge catalogue.
    Badges {
        #[command(flatten)]
        site: SiteFlags,
    },
    /// Award a badge to a member.
    Award {
        #[command(flatten)]
        write: WriteFlags,
        /// The member to award (its own id: `username` is the acting-as flag).
        #[arg(id = "member", value_name = "USERNAME")]
        username: String,
        /// Badge name or id.
        badge: String,
        /// URL of the post or topic the badge is for.
        #[arg(long)]
        reason: Option<String>,
    },
    /// A member's profile board.
    Profile {
        #[command(flatten)]
        site: SiteFlags,
        /// The member (its own id: `username` is the acting-as flag).
        #[arg(id = "member", value_name = "USERNAME")]
        username: String,
    },
    /// The review queue: flagged posts, posts held for approval, sign-ups; each with why it
    /// is there and the actions it offers.
    #[command(args_conflicts_with_subcommands = true)]
    Review {
        #[command(subcommand)]
        command: Option<ReviewCommand>,
        #[command(flatten)]
        site: SiteFlags,
        /// Only items of this type: flagged-post, queued-post, user (or the site's own name).
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Only items that stand so (default: pending, what waits for a moderator).
        #[arg(long, value_enum, default_value = "pending")]
        status: ReviewStatusArg,
        /// Only items in this category (slug or id).
        #[arg(long)]
        category: Option<String>,
        /// Only items at least this urgent.
        #[arg(long, value_enum)]
        priority: Option<PriorityArg>,
        /// At most this many items (the server sends 10 per request).
        #[arg(long, default_value_t = 30)]
        limit: usize,
    },
    /// Flag a post for the staff's attention.
    Flag {
        #[command(flatten)]
        write: WriteFlags,
        post_id: String,
        /// Flag type, as the site lists it: spam, off_topic, inappropriate, notify_moderators,
        /// illegal...
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// Why (some types need it: notify_moderators, illegal).
        #[arg(long)]
        message: Option<String>,
    },
    /// Replace a post's text from a file or standard input (staff, or the post's author).
    Edit {
        #[command(flatten)]
        write: WriteFlags,
        post_id: String,
        /// Read the new text from this file (`-` for standard input).
        #[arg(long, conflicts_with = "stdin")]
        file: Option<PathBuf>,
        /// Read the new text from standard input.
        #[arg(id = "stdin", value_name = "-", num_args = 0..=1, default_missing_value = "-")]
        dash: Option<String>,
        /// The edit reason shown in the post's history.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Print one line per queue change until interrupted.
    Watch {
        #[command(flatten)]
        connect: ConnectFlags,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum, default_value = "unanswered")]
        view: ViewArg,
        /// Give up when connecting and the first read take longer than this many seconds
        /// (then it watches until Ctrl-C).
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
    /// The audit log of moderation actions taken from this machine.
    Log {
        /// Only the last N entries.
        #[arg(long)]
        last: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Sign in as yourself: approve modterm in the browser for a user API key of your own
    /// (your rights, and 20 requests a minute of your own), stored with a profile.
    Login {
        /// The profile to sign in with (default: the site's host; an existing profile signs in
        /// again).
        #[arg(long)]
        profile: Option<String>,
        /// The site, e.g. https://community.example.com (not needed to sign in again).
        #[arg(long)]
        url: Option<String>,
        /// Allow plain http:// to a non-loopback address.
        #[arg(long)]
        insecure: bool,
        /// The outcome as JSON on standard output (the instructions go to standard error).
        #[arg(long)]
        json: bool,
        /// Give up on a site that does not answer within this many seconds (each exchange;
        /// the wait for your paste has no limit).
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
    /// Revoke the profile's user API key on the site and delete it here.
    Logout {
        /// The profile to sign out of (default: default_profile).
        #[arg(long)]
        profile: Option<String>,
        /// Allow plain http:// to a non-loopback address.
        #[arg(long)]
        insecure: bool,
        /// The outcome as JSON (errors too, on stderr).
        #[arg(long)]
        json: bool,
        /// Give up after this many seconds (the key is kept, to revoke it later).
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
    /// The embedded community server.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// Check the setup: files, profile and key source, the site and account, the request
    /// budget, the live feed, the terminal and the log. Exit 0 when nothing fails.
    Doctor {
        #[command(flatten)]
        connect: ConnectFlags,
        /// One JSON object with every check.
        #[arg(long)]
        json: bool,
        /// How long the site and its live feed may take to answer, in seconds (each check).
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
    /// The effective configuration, each value with where it came from.
    Config {
        #[command(subcommand)]
        command: Option<ConfigCommand>,
        /// JSON (for `config path` too).
        #[arg(long, global = true)]
        json: bool,
    },
    /// Shell completions on standard output (for example: modterm completions bash > ~/.local/share/bash-completion/completions/modterm).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on standard output: modterm man | man -l -
    Man,
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// The path of config.toml (whether or not it exists).
    Path,
}

#[derive(Subcommand, Debug)]
enum SandboxCommand {
    /// Serve the demo community over HTTP until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:4200")]
    addr: std::net::SocketAddr,
    /// SQLite file (reopened if it exists). Default: sandbox.db in the data directory.
    #[arg(long)]
    db: Option<PathBuf>,
    /// The admin ("all users") API key clients must send.
    #[arg(long, env = "MODTERM_SANDBOX_API_KEY", hide_env_values = true)]
    api_key: String,
    /// Topics to seed into a new database.
    #[arg(long, default_value_t = 2000)]
    topics: usize,
    /// Seed of the demo community.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Admin API requests per minute, shared by every admin key (Discourse: 60; 0 = off).
    #[arg(long, default_value_t = 60)]
    rate_limit: u32,
    /// Requests per minute of each user API key (Discourse: 20; 0 = off).
    #[arg(long, default_value_t = 20)]
    user_key_rate_limit: u32,
    /// Requests per day of each user API key (Discourse: 2880; 0 = off).
    #[arg(long, default_value_t = 2880)]
    user_key_daily_limit: u32,
    /// Requests per minute from one address without a key (Discourse: 200; 0 = off).
    #[arg(long, default_value_t = 200)]
    ip_rate_limit: u32,
    /// Requests per 10 seconds from one address without a key (Discourse: 50; 0 = off).
    #[arg(long, default_value_t = 50)]
    ip_burst_limit: u32,
    /// The length of a rate-limit "minute" in milliseconds (to rehearse an hour in a minute;
    /// the day and 10-second limits scale with it).
    #[arg(long, default_value_t = 60_000, value_name = "MS")]
    rate_window_ms: u64,
    /// Write one JSON line per request (ts, method, path, query, user, key, status, ms,
    /// sandbox_admin, fault) to this file (created 0600; keys never written).
    #[arg(long)]
    request_log: Option<PathBuf>,
    /// Reseed a database from an older modterm instead of refusing it.
    #[arg(long)]
    reseed_outdated: bool,
    /// Simulated activity: events per minute (0 = none).
    #[arg(long, default_value_t = 0.0)]
    activity: f64,
    /// The API the sandbox speaks: discourse, or khoros (Khoros Community and Care; its
    /// demo accounts' password is --api-key; the rate and activity flags are Discourse's).
    #[arg(long, default_value = "discourse", value_parser = ["discourse", "khoros"])]
    dialect: String,
}

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): a server that closes a socket mid-write is an
    // error to report, and a closed stdout ends the command quietly (see `output`).
    // A panic in any command reaches the log file too (the console adds restoring the
    // terminal to this).
    modterm::logging::log_panics();
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let given = given_options(&matches);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("modterm: cannot start the async runtime: {e}");
            return ExitCode::from(7);
        }
    };
    let json = cli_wants_json(&cli);
    match runtime.block_on(run(cli, given)) {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(n)) => ExitCode::from(128u8.saturating_add(n.clamp(0, 127) as u8)),
        Err(CliError::Closed) => ExitCode::SUCCESS,
        Err(CliError::Reported(code)) => ExitCode::from(code),
        Err(e) => {
            if json {
                eprintln!(
                    "{}",
                    modterm::output::to_json_line(&serde_json::json!({
                        "error": true,
                        "kind": e.kind(),
                        "exit_code": e.exit_code(),
                        "message": e.to_string(),
                    }))
                );
            } else {
                eprintln!("modterm: {e}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// A command line clap refuses: its own text, or with `--json` among the arguments the one
/// documented error shape (clap cannot say which command the flag was for, but a script that
/// asked for JSON reads JSON). `--help` and `--version` print as clap prints them.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let asked_json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    let informational = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if informational || !asked_json {
        e.exit()
    }
    let text = e.render().to_string();
    let message = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid command line")
        .trim_start_matches("error: ");
    eprintln!(
        "{}",
        modterm::output::to_json_line(&serde_json::json!({
            "error": true,
            "kind": "usage",
            "exit_code": 2,
            "message": message,
        }))
    );
    ExitCode::from(2)
}

fn cli_wants_json(cli: &Cli) -> bool {
    match &cli.command {
        Some(
            Command::Whoami { site }
            | Command::Queue { site, .. }
            | Command::Search { site, .. }
            | Command::Thread { site, .. }
            | Command::Badges { site }
            | Command::Profile { site, .. },
        ) => site.json,
        Some(Command::Review {
            command: Some(ReviewCommand::Perform { write, .. }),
            ..
        }) => write.site.json,
        Some(Command::Review { site, .. }) => site.json,
        Some(Command::Flag { write, .. } | Command::Edit { write, .. }) => write.site.json,
        Some(
            Command::Reply { write, .. }
            | Command::Solve { write, .. }
            | Command::MovePosts { write, .. }
            | Command::MoveTopic { write, .. }
            | Command::Award { write, .. },
        ) => write.site.json,
        Some(
            Command::Watch { json, .. }
            | Command::Log { json, .. }
            | Command::Login { json, .. }
            | Command::Logout { json, .. }
            | Command::Doctor { json, .. }
            | Command::Config { json, .. },
        ) => *json,
        _ => false,
    }
}

fn connect_args(
    flags: ConnectFlags,
    log_level: tracing_subscriber::filter::LevelFilter,
) -> ConnectArgs {
    ConnectArgs {
        profile: flags.profile,
        url: flags.url,
        username: flags.username,
        api_key: flags.api_key,
        user_api_key: flags.user_api_key,
        insecure: flags.insecure,
        log_level,
        platform: flags.platform.as_deref().map(|p| match p {
            "khoros" => modterm::config::Platform::Khoros,
            _ => modterm::config::Platform::Discourse,
        }),
    }
}

/// Runs a site command within its deadline (connecting included).
async fn site_command<F, Fut>(
    top: &ConnectFlags,
    site: SiteFlags,
    log_level: tracing_subscriber::filter::LevelFilter,
    command: F,
) -> Result<Exit, CliError>
where
    F: FnOnce(modterm::connect::Session, Out) -> Fut,
    Fut: std::future::Future<Output = (modterm::connect::Session, Result<(), CliError>)>,
{
    let out = Out {
        json: site.json,
        dry_run: false,
    };
    let deadline = Duration::from_secs(site.timeout.max(1));
    let args = connect_args(site.connect.over(top), log_level);
    let work = async move {
        let session = modterm::connect::connect(&args).await?;
        cli::print_warnings(&session);
        let (session, result) = command(session, out).await;
        session.close().await;
        result
    };
    match tokio::time::timeout(deadline, work).await {
        Ok(result) => result.map(|()| Exit::Quit),
        Err(_) => Err(CliError::Timeout(deadline)),
    }
}

fn topic(id: String) -> TopicId {
    TopicId::new(id.trim().trim_start_matches('#'))
}

/// The top-level options with where each came from, for `modterm config`. The key's value is
/// never kept, only that it was given and how.
fn given_options(m: &ArgMatches) -> modterm::config_report::GivenOptions {
    use modterm::config_report::{Given, Source};
    let source_of = |id: &str, flag: &str, var: &str| match m.value_source(id) {
        Some(ValueSource::CommandLine) => Some(Source::Flag(flag.to_string())),
        Some(ValueSource::EnvVariable) => Some(Source::Environment(var.to_string())),
        _ => None,
    };
    let given = |id: &str, flag: &str, var: &str| {
        let source = source_of(id, flag, var);
        let value = source
            .as_ref()
            .and_then(|_| m.get_one::<String>(id).cloned());
        Given { value, source }
    };
    let mut key = given("api_key", "--api-key", "MODTERM_API_KEY");
    key.value = None;
    // A value enum, not a string: reported by its name (`MODTERM_LOG=DEBUG` shows `debug`).
    let log_source = source_of("log_level", "--log-level", "MODTERM_LOG");
    let log_value = log_source
        .as_ref()
        .and(m.get_one::<LogLevel>("log_level"))
        .map(|level| level.name().to_string());
    let log_level = Given {
        value: log_value,
        source: log_source,
    };
    modterm::config_report::GivenOptions {
        theme: given("theme", "--theme", "MODTERM_THEME"),
        keymap: given("keymap", "--keymap", "MODTERM_KEYMAP"),
        log_level,
        profile: given("profile", "--profile", "MODTERM_PROFILE"),
        url: given("url", "--url", "MODTERM_URL"),
        username: given("username", "--username", "MODTERM_USERNAME"),
        api_key: key,
    }
}

fn config_command(
    command: Option<ConfigCommand>,
    json: bool,
    given: &modterm::config_report::GivenOptions,
) -> Result<(), CliError> {
    use modterm::config::{Paths, Settings};
    let paths = Paths::resolve().map_err(|e| CliError::Usage(e.to_string()))?;
    let mut p = modterm::output::Printer::default();
    if let Some(ConfigCommand::Path) = command {
        let path = paths.config_file();
        if json {
            p.json(&serde_json::json!({ "path": path }))?;
        } else {
            p.line(&path.display().to_string())?;
        }
        return Ok(p.flush()?);
    }
    let settings = Settings::load(&paths).map_err(|e| CliError::Usage(e.to_string()))?;
    let raw = modterm::config_report::raw_table(&paths);
    let entries = modterm::config_report::effective(&paths, &settings, &raw, given, |k| {
        std::env::var(k).ok().filter(|v| !v.is_empty())
    });
    if json {
        p.json(&entries)?;
    } else {
        let rows = entries
            .iter()
            .map(|e| vec![e.key.to_string(), e.value.clone(), e.source.to_string()])
            .collect();
        p.table(&["KEY", "VALUE", "SOURCE"], rows)?;
    }
    Ok(p.flush()?)
}

async fn run(cli: Cli, given: modterm::config_report::GivenOptions) -> Result<Exit, CliError> {
    let log_level: tracing_subscriber::filter::LevelFilter = cli.log_level.into();
    let top = cli.connect.clone();
    let Some(command) = cli.command else {
        return modterm::tui::run_console(connect_args(top, log_level), cli.theme, cli.keymap)
            .await
            .map_err(CliError::from);
    };
    // A write: its site flags with `--dry-run`.
    macro_rules! write_command {
        ($write:expr, |$s:ident, $o:ident| $body:expr) => {{
            let write: WriteFlags = $write;
            let dry_run = write.dry_run;
            site_command(&top, write.site, log_level, move |$s, out| async move {
                let $o = Out { dry_run, ..out };
                let r = $body.await;
                ($s, r)
            })
            .await
        }};
    }
    match command {
        Command::Whoami { site } => {
            site_command(&top, site, log_level, |s, o| async move {
                let r = cli::whoami(&s, o).await;
                (s, r)
            })
            .await
        }
        Command::Queue {
            site,
            view,
            category,
            limit,
        } => {
            site_command(&top, site, log_level, move |s, o| async move {
                let r = cli::queue(&s, view.into(), category, limit.unwrap_or(usize::MAX), o).await;
                (s, r)
            })
            .await
        }
        Command::Search { site, query, page } => {
            site_command(&top, site, log_level, move |s, o| async move {
                let r = cli::search(&s, &query.join(" "), page, o).await;
                (s, r)
            })
            .await
        }
        Command::Thread { site, topic_id } => {
            site_command(&top, site, log_level, move |s, o| async move {
                let r = cli::thread(&s, &topic(topic_id), o).await;
                (s, r)
            })
            .await
        }
        Command::Reply {
            write,
            topic_id,
            to,
            file,
            dash,
        } => {
            let source = match (file, dash) {
                (Some(path), _) if path.as_os_str() != "-" => cli::TextSource::File(path),
                (Some(_), _) | (None, Some(_)) => cli::TextSource::Stdin,
                (None, None) => {
                    return Err(CliError::Usage(
                        "reply needs --file PATH or - (standard input)".into(),
                    ))
                }
            };
            write_command!(write, |s, o| cli::reply(&s, topic(topic_id), to, source, o))
        }
        Command::Solve {
            write,
            post_id,
            undo,
        } => write_command!(write, |s, o| cli::solve(&s, PostId::new(post_id), undo, o)),
        Command::MovePosts {
            write,
            topic_id,
            posts,
            to_topic,
            new_title,
            category,
        } => {
            let posts: Vec<PostId> = posts.into_iter().map(PostId::new).collect();
            write_command!(write, |s, o| cli::move_posts(
                &s,
                topic(topic_id),
                posts,
                to_topic.map(topic),
                new_title,
                category,
                o
            ))
        }
        Command::MoveTopic {
            write,
            topic_id,
            category,
        } => write_command!(write, |s, o| cli::move_topic(
            &s,
            topic(topic_id),
            &category,
            o
        )),
        Command::Badges { site } => {
            site_command(&top, site, log_level, |s, o| async move {
                let r = cli::badges(&s, o).await;
                (s, r)
            })
            .await
        }
        Command::Award {
            write,
            username,
            badge,
            reason,
        } => write_command!(write, |s, o| cli::award(&s, &username, &badge, reason, o)),
        Command::Profile { site, username } => {
            site_command(&top, site, log_level, move |s, o| async move {
                let r = cli::profile(&s, &username, o).await;
                (s, r)
            })
            .await
        }
        Command::Review {
            command: Some(ReviewCommand::Perform { write, id, action }),
            ..
        } => {
            let id = ReviewId::new(id.trim().trim_start_matches('#'));
            write_command!(write, |s, o| cli::review_perform(&s, id, &action, o))
        }
        Command::Review {
            command: None,
            site,
            kind,
            status,
            category,
            priority,
            limit,
        } => {
            let filter = cli::ReviewFilter {
                kind: kind
                    .as_deref()
                    .filter(|k| !k.trim().is_empty())
                    .map(ReviewKind::parse),
                status: status.into(),
                category,
                priority: priority.map(Into::into),
            };
            site_command(&top, site, log_level, move |s, o| async move {
                let r = cli::review(&s, filter, limit, o).await;
                (s, r)
            })
            .await
        }
        Command::Flag {
            write,
            post_id,
            kind,
            message,
        } => write_command!(write, |s, o| cli::flag(
            &s,
            PostId::new(post_id),
            &kind,
            message,
            o
        )),
        Command::Edit {
            write,
            post_id,
            file,
            dash,
            reason,
        } => {
            let source = match (file, dash) {
                (Some(path), _) if path.as_os_str() != "-" => cli::TextSource::File(path),
                (Some(_), _) | (None, Some(_)) => cli::TextSource::Stdin,
                (None, None) => {
                    return Err(CliError::Usage(
                        "edit needs --file PATH or - (standard input)".into(),
                    ))
                }
            };
            write_command!(write, |s, o| cli::edit(
                &s,
                PostId::new(post_id),
                source,
                reason,
                o
            ))
        }
        Command::Watch {
            connect,
            json,
            view,
            timeout,
        } => {
            let args = connect_args(connect.over(&top), log_level);
            let deadline = Duration::from_secs(timeout.max(1));
            let session = tokio::time::timeout(deadline, modterm::connect::connect(&args))
                .await
                .map_err(|_| CliError::Timeout(deadline))??;
            cli::print_warnings(&session);
            let result = modterm::watch::run(&session, view.into(), json, deadline).await;
            session.close().await;
            // Ended by Ctrl-C, as a program ended by SIGINT reports it.
            result.map(|()| Exit::Signal(2))
        }
        Command::Log { last, json } => cli::log(
            last,
            Out {
                json,
                dry_run: false,
            },
        )
        .map(|()| Exit::Quit),
        Command::Login {
            profile,
            url,
            insecure,
            json,
            timeout,
        } => modterm::login::login(&modterm::login::LoginArgs {
            profile: profile.or(top.profile),
            url: url.or(top.url),
            insecure: insecure || top.insecure,
            log_level,
            json,
            timeout: Duration::from_secs(timeout.max(1)),
        })
        .await
        .map(|()| Exit::Quit),
        Command::Logout {
            profile,
            insecure,
            json,
            timeout,
        } => modterm::login::logout(&modterm::login::LoginArgs {
            profile: profile.or(top.profile),
            url: None,
            insecure: insecure || top.insecure,
            log_level,
            json,
            timeout: Duration::from_secs(timeout.max(1)),
        })
        .await
        .map(|()| Exit::Quit),
        Command::Sandbox {
            command: SandboxCommand::Serve(args),
        } => sandbox_serve(args).await.map(|()| Exit::Quit),
        Command::Doctor {
            connect,
            json,
            timeout,
        } => {
            let args = connect_args(connect.over(&top), log_level);
            let out = Out {
                json,
                dry_run: false,
            };
            let deadline = Duration::from_secs(timeout.max(1));
            modterm::doctor::run(&args, out, deadline)
                .await
                .map(|()| Exit::Quit)
        }
        Command::Config { command, json } => {
            config_command(command, json, &given).map(|()| Exit::Quit)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "modterm", &mut out);
            print_bytes(&out).map(|()| Exit::Quit)
        }
        Command::Man => {
            let page = man_page().map_err(|e| CliError::Io(e.to_string()))?;
            print_bytes(&page).map(|()| Exit::Quit)
        }
    }
}

/// The manual page: clap_mangen's page for `modterm`, then a section per subcommand (its
/// synopsis and every flag), so one page covers the whole command line.
fn man_page() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<u8>) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("{path} {}", sub.get_name());
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            out.extend_from_slice(
                format!(
                    ".SH \"{}\"\n{}\n",
                    name.to_uppercase(),
                    about.replace('\n', " ")
                )
                .as_bytes(),
            );
            let man = clap_mangen::Man::new(sub.clone().bin_name(&name));
            let mut section = Vec::new();
            man.render_synopsis_section(&mut section)?;
            if sub.get_arguments().any(|a| !a.is_hide_set()) {
                man.render_options_section(&mut section)?;
            }
            // Within the command's section, its own headings are subsections.
            let section = String::from_utf8_lossy(&section).replace("\n.SH ", "\n.SS ");
            let section = section
                .strip_prefix(".SH ")
                .map(|s| format!(".SS {s}"))
                .unwrap_or(section);
            out.extend_from_slice(section.as_bytes());
            walk(sub, &name, out)?;
        }
        Ok(())
    }
    walk(&cmd, "modterm", &mut out)?;
    Ok(out)
}

/// Generated text on standard output; a closed pipe ends quietly.
fn print_bytes(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::Closed),
        Err(e) => Err(CliError::Io(e.to_string())),
    }
}

/// `modterm sandbox serve --dialect khoros`: the Khoros-speaking sandbox.
async fn sandbox_serve_khoros(args: ServeArgs) -> Result<(), CliError> {
    let db_path = match args.db {
        Some(path) => path,
        None => modterm::connect_khoros::demo_db(
            &modterm::config::Paths::resolve().map_err(|e| CliError::Usage(e.to_string()))?,
        ),
    };
    if let Some(dir) = db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        modterm::files::private_dir(dir)
            .map_err(|e| CliError::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let options = modterm::sandbox_khoros::KhorosSandboxOptions {
        topics: args.topics,
        seed: args.seed,
        reseed_outdated: args.reseed_outdated,
        ..modterm::sandbox_khoros::KhorosSandboxOptions::new(args.addr, db_path, args.api_key)
    };
    modterm::sandbox_khoros::run_cli(options)
        .await
        .map_err(CliError::Io)
}

async fn sandbox_serve(args: ServeArgs) -> Result<(), CliError> {
    if args.dialect == "khoros" {
        return sandbox_serve_khoros(args).await;
    }
    let db_path = match args.db {
        Some(path) => path,
        None => modterm::config::Paths::resolve()
            .map_err(|e| CliError::Usage(e.to_string()))?
            .sandbox_db(),
    };
    if let Some(dir) = db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        modterm::files::private_dir(dir)
            .map_err(|e| CliError::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let nonzero = |n: u32| (n > 0).then_some(n);
    let options = modterm::sandbox::SandboxOptions {
        topics: args.topics,
        seed: args.seed,
        admin_rate_limit_per_minute: nonzero(args.rate_limit),
        user_key_rate_limit_per_minute: nonzero(args.user_key_rate_limit),
        user_key_daily_limit: nonzero(args.user_key_daily_limit),
        ip_rate_limit_per_minute: nonzero(args.ip_rate_limit),
        ip_rate_limit_per_10_secs: nonzero(args.ip_burst_limit),
        rate_window: Duration::from_millis(args.rate_window_ms.max(1)),
        request_log: args.request_log,
        reseed_outdated: args.reseed_outdated,
        ..modterm::sandbox::SandboxOptions::new(args.addr, db_path, args.api_key)
    };
    modterm::sandbox::run_cli_with_activity(options, args.activity)
        .await
        .map_err(|e| CliError::Io(e.to_string()))
}
