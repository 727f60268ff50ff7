//! `kubectl-ws`: the `kubectl ws` plugin. Reads the flags and the environment, runs one
//! command of the `kubectl_ws` library and prints its lines; any error is one line on stderr
//! and exit code 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kubectl_ws::commands::{Options, Session, current_message};

/// Switch between, create and list nave workspaces.
///
/// `kubectl ws` or `kubectl ws .` prints the current workspace; `kubectl ws root:acme`
/// (absolute), `kubectl ws team-a` (a child), `kubectl ws ..` (the parent) and `kubectl ws -`
/// (the previous one) switch.
#[derive(Debug, Parser)]
#[command(name = "kubectl ws", bin_name = "kubectl ws", version)]
struct Cli {
    /// The kubeconfig file to use and change (default: $KUBECONFIG, else ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use and change (default: the current context).
    #[arg(long, global = true, value_name = "NAME")]
    context: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
    /// The workspace to switch to: `.`, `..`, `-`, `root[:…]` or a relative path.
    #[arg(value_name = "WORKSPACE")]
    target: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Switch to a workspace (for names that are also commands, e.g. `use tree`).
    Use {
        /// `.`, `..`, `-`, `root[:…]` or a relative path.
        #[arg(value_name = "WORKSPACE")]
        target: String,
    },
    /// Print the current workspace.
    Current,
    /// Create a workspace in the current one and wait until it is ready.
    Create {
        /// The new workspace's name.
        name: String,
        /// Its type.
        #[arg(long = "type", value_name = "TYPE")]
        workspace_type: Option<String>,
        /// Switch to it once it is ready.
        #[arg(long)]
        enter: bool,
        /// Do not fail if it exists already.
        #[arg(long)]
        ignore_existing: bool,
    },
    /// Print the tree of workspaces under the current one.
    Tree {
        /// Full paths instead of names.
        #[arg(long)]
        full: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) {
                let _ = error.print();
                return ExitCode::SUCCESS;
            }
            let rendered = error.to_string();
            // clap's message ("error: …") on one line, without the usage block.
            let message: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .take_while(|line| !line.is_empty() && !line.starts_with("Usage:"))
                .collect();
            eprintln!("{} (see `kubectl ws --help`)", message.join(" "));
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let options = Options {
        kubeconfig: cli.kubeconfig,
        kubeconfig_env: std::env::var_os("KUBECONFIG"),
        home: std::env::var_os("HOME").map(PathBuf::from),
        context: cli.context,
    };
    let mut session = Session::open(&options).await?;
    let mut say = |line: &str| println!("{line}");
    let command = match (cli.command, cli.target) {
        (Some(_), Some(target)) => {
            anyhow::bail!("unexpected argument {target:?} before the command")
        }
        (Some(command), None) => command,
        (None, None) => Command::Current,
        (None, Some(target)) => Command::Use { target },
    };
    match command {
        Command::Current => say(&current_message(&session.current_cluster())),
        Command::Use { target } if target == "." => {
            say(&current_message(&session.current_cluster()));
        }
        Command::Use { target } => {
            let line = session.switch(&target).await?;
            say(&line);
        }
        Command::Create {
            name,
            workspace_type,
            enter,
            ignore_existing,
        } => {
            session
                .create(
                    &name,
                    workspace_type.as_deref(),
                    ignore_existing,
                    enter,
                    &mut say,
                )
                .await?;
        }
        Command::Tree { full } => print!("{}", session.tree(full).await?),
    }
    Ok(())
}
