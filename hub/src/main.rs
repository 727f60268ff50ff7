//! `nave`: the hub's command line. Reads flags and the environment (the only place that does),
//! then hands over to the `hub` library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hub::{ServeConfig, StoreUrl};

/// The nave hub: many logical Kubernetes control planes over one store.
#[derive(Debug, Parser)]
#[command(name = "nave", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the hub.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Where the hub keeps its state (the embedded store, certificates, admin.kubeconfig).
    #[arg(long, env = "NAVE_DATA_DIR", default_value = ".nave")]
    data_dir: PathBuf,
    /// The store: redb (default), sled, memory, redb:///DIR, sled:///DIR or etcd://HOST:PORT[,...].
    #[arg(long, env = "NAVE_STORE", default_value = "redb")]
    store: String,
    /// The address to serve HTTPS on.
    #[arg(long, env = "NAVE_LISTEN", default_value = "127.0.0.1:6443")]
    listen: SocketAddr,
    /// Extra DNS names or IP addresses for the serving certificate (repeatable).
    #[arg(long = "tls-san")]
    tls_san: Vec<String>,
    /// A static token file, as kube-apiserver's: `token,user,uid,"group1,group2"` per line.
    #[arg(long = "token-auth-file")]
    token_auth_file: Option<PathBuf>,
    /// Revisions of history kept for watch resume and paginated lists; older ones are
    /// compacted and watching from them answers 410 Expired. 0 keeps everything.
    #[arg(long = "retain-revisions", default_value_t = 100_000, value_parser = clap::value_parser!(i64).range(0..))]
    retain_revisions: i64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Listen for signals before anything can report readiness.
    let stop = shutdown_signal()?;
    let store = StoreUrl::parse(&args.store, &args.data_dir)?;
    let config = ServeConfig {
        listen: args.listen,
        data_dir: args.data_dir,
        store,
        tls_sans: args.tls_san,
        token_auth_file: args.token_auth_file,
        retain_revisions: args.retain_revisions,
    };
    hub::serve(config, stop).await?;
    Ok(())
}

/// Installs the SIGINT and SIGTERM handlers now; the future completes on either.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
