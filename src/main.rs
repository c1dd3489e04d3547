//! Entry point: parses the command line, then runs the console (no subcommand), a headless
//! command, or the sandbox server. Only this file turns errors into exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use modterm::cli::{self, CliError};
use modterm::connect::ConnectArgs;

#[derive(Parser, Debug)]
#[command(
    name = "modterm",
    version,
    about = "A keyboard-driven console for community moderators",
    long_about = "A keyboard-driven console for community moderators.\n\n\
        With no site configured, modterm starts its embedded demo community (a local \
        Discourse-speaking sandbox) and connects to it.\n\n\
        Exit codes: 0 success, 2 usage, 3 not signed in or forbidden, 4 not found, \
        5 invalid input, 6 rate limited, 7 network or server failure."
)]
struct Cli {
    #[command(flatten)]
    connect: ConnectFlags,

    /// Print JSON instead of a table (headless commands).
    #[arg(long, global = true)]
    json: bool,

    /// Colour theme (dark, light, high-contrast, mono, or a user theme).
    #[arg(long, global = true, env = "MODTERM_THEME")]
    theme: Option<String>,

    /// Keymap preset (default, arrows, or a user keymap).
    #[arg(long, global = true, env = "MODTERM_KEYMAP")]
    keymap: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Debug)]
struct ConnectFlags {
    /// Named profile from config.toml.
    #[arg(long, global = true, env = "MODTERM_PROFILE")]
    profile: Option<String>,
    /// Site URL (one-off use instead of a profile).
    #[arg(long, global = true, env = "MODTERM_URL")]
    url: Option<String>,
    /// Username to act as.
    #[arg(long, global = true, env = "MODTERM_USERNAME")]
    username: Option<String>,
    /// API key. Prefer the environment variable or a profile: arguments show up in `ps`.
    #[arg(long, global = true, env = "MODTERM_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The key is a user API key (`User-Api-Key`) rather than an admin/global key.
    #[arg(long, global = true)]
    user_api_key: bool,
    /// Allow plain http:// to a non-loopback address.
    #[arg(long, global = true)]
    insecure: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    #[command(flatten)]
    Site(SiteCommand),
    /// The audit log of moderation actions taken from this machine.
    Log {
        /// Only the last N entries.
        #[arg(long)]
        last: Option<usize>,
    },
    /// The embedded community server.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
}

/// Commands that talk to a community.
#[derive(Subcommand, Debug)]
enum SiteCommand {
    /// Who the account is, with its role and rights.
    Whoami,
    /// The topics waiting for an answer.
    Queue {
        /// unanswered, unsolved, latest or needs-reply.
        #[arg(long, default_value = "unanswered")]
        view: String,
        /// Category slug or id.
        #[arg(long)]
        category: Option<String>,
        /// At most this many topics (default: every topic of the view).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// A topic with all its posts.
    Thread { topic_id: u64 },
    /// Reply to a topic from a file or standard input.
    Reply {
        topic_id: u64,
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
        post_id: u64,
        #[arg(long)]
        undo: bool,
    },
    /// Move posts to another topic or to a new one.
    MovePosts {
        topic_id: u64,
        /// Post ids, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        posts: Vec<u64>,
        #[arg(
            long,
            conflicts_with = "new_title",
            required_unless_present = "new_title"
        )]
        to_topic: Option<u64>,
        #[arg(long)]
        new_title: Option<String>,
        /// Category slug for the new topic.
        #[arg(long, requires = "new_title")]
        category: Option<String>,
    },
    /// Move a topic to another category.
    MoveTopic {
        topic_id: u64,
        #[arg(long)]
        category: String,
    },
    /// The badge catalogue.
    Badges,
    /// Award a badge to a member.
    Award {
        /// The member to award (its own id: `username` is the global acting-as flag).
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
        /// The member (its own id: `username` is the global acting-as flag).
        #[arg(id = "member", value_name = "USERNAME")]
        username: String,
    },
    /// Print one line per queue change until interrupted.
    Watch {
        #[arg(long, default_value = "unanswered")]
        view: String,
    },
}

#[derive(Subcommand, Debug)]
enum SandboxCommand {
    /// Serve the demo community over HTTP until Ctrl-C or SIGTERM.
    Serve {
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
        /// Admin API requests per minute (Discourse's default is 60; 0 turns the limit off).
        #[arg(long, default_value_t = 60)]
        rate_limit: u32,
        /// Simulated activity: events per minute (0 = none).
        #[arg(long, default_value_t = 0.0)]
        activity: f64,
    },
}

fn main() -> ExitCode {
    // A headless command piped into `head` should end quietly, as other command-line tools do.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
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
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("modterm: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let connect = ConnectArgs {
        profile: cli.connect.profile,
        url: cli.connect.url,
        username: cli.connect.username,
        api_key: cli.connect.api_key,
        user_api_key: cli.connect.user_api_key,
        insecure: cli.connect.insecure,
    };
    let json = cli.json;
    let Some(command) = cli.command else {
        return modterm::tui::run_console(connect, cli.theme, cli.keymap)
            .await
            .map_err(CliError::from);
    };
    match command {
        Command::Sandbox {
            command:
                SandboxCommand::Serve {
                    addr,
                    db,
                    api_key,
                    topics,
                    seed,
                    rate_limit,
                    activity,
                },
        } => cli::sandbox_serve(addr, db, api_key, topics, seed, rate_limit, activity).await,
        Command::Log { last } => cli::log(last, json),
        Command::Site(command) => {
            let session = modterm::connect::connect(&connect).await?;
            let result = match command {
                SiteCommand::Whoami => cli::whoami(&session, json).await,
                SiteCommand::Queue {
                    view,
                    category,
                    limit,
                } => cli::queue(&session, &view, category, limit.unwrap_or(usize::MAX), json).await,
                SiteCommand::Thread { topic_id } => cli::thread(&session, topic_id, json).await,
                SiteCommand::Reply {
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
                    cli::reply(&session, topic_id, to, source, json).await
                }
                SiteCommand::Solve { post_id, undo } => {
                    cli::solve(&session, post_id, undo, json).await
                }
                SiteCommand::MovePosts {
                    topic_id,
                    posts,
                    to_topic,
                    new_title,
                    category,
                } => {
                    cli::move_posts(
                        &session, topic_id, &posts, to_topic, new_title, category, json,
                    )
                    .await
                }
                SiteCommand::MoveTopic { topic_id, category } => {
                    cli::move_topic(&session, topic_id, &category, json).await
                }
                SiteCommand::Badges => cli::badges(&session, json).await,
                SiteCommand::Award {
                    username,
                    badge,
                    reason,
                } => cli::award(&session, &username, &badge, reason, json).await,
                SiteCommand::Profile { username } => cli::profile(&session, &username, json).await,
                SiteCommand::Watch { view } => cli::watch(&session, &view, json).await,
            };
            session.close().await;
            result
        }
    }
}
