//! `nave`: the hub's command line. Reads flags and the environment (the only place that does),
//! then hands over to the `hub` library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hub::{ServeConfig, StoreUrl};

mod workspace_cmd;

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
    /// Kubeconfigs signed by the hub CA.
    #[command(subcommand)]
    Kubeconfig(KubeconfigCommand),
    /// Bootstrap tokens for joining workers.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Workspaces (logical clusters) in the running hub, through its admin.kubeconfig.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
}

#[derive(Debug, Subcommand)]
enum WorkspaceCommand {
    /// Create a workspace and wait until it is ready; print its path and URL.
    Create(WorkspaceCreateArgs),
    /// List the workspaces under a workspace: NAME TYPE PHASE URL.
    List(WorkspaceListArgs),
    /// Delete a workspace (and everything under it) and wait until it is gone.
    Delete(WorkspaceDeleteArgs),
}

#[derive(Debug, clap::Args)]
struct WorkspaceCreateArgs {
    /// The hub's data directory (its `admin.kubeconfig`).
    #[arg(long, env = "NAVE_DATA_DIR", default_value = ".nave")]
    data_dir: PathBuf,
    /// The workspace to create it in (a path: root, root:acme, ...).
    #[arg(long, default_value = "root")]
    parent: String,
    /// Its type.
    #[arg(long = "type")]
    workspace_type: Option<String>,
    /// The new workspace's name.
    name: String,
}

#[derive(Debug, clap::Args)]
struct WorkspaceListArgs {
    /// The hub's data directory (its `admin.kubeconfig`).
    #[arg(long, env = "NAVE_DATA_DIR", default_value = ".nave")]
    data_dir: PathBuf,
    /// The workspace whose children to list (a path: root, root:acme, ...).
    #[arg(long, default_value = "root")]
    parent: String,
}

#[derive(Debug, clap::Args)]
struct WorkspaceDeleteArgs {
    /// The hub's data directory (its `admin.kubeconfig`).
    #[arg(long, env = "NAVE_DATA_DIR", default_value = ".nave")]
    data_dir: PathBuf,
    /// The workspace it is in (a path: root, root:acme, ...).
    #[arg(long, default_value = "root")]
    parent: String,
    /// The workspace's name.
    name: String,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a bootstrap token in a logical cluster through the running hub (its
    /// admin.kubeconfig), with the RBAC that lets it ask for a worker certificate; print the
    /// token (line 1) and the hub CA hash (line 2).
    Create(TokenCreateArgs),
}

#[derive(Debug, clap::Args)]
struct TokenCreateArgs {
    /// The hub's data directory (its `admin.kubeconfig` and `pki/ca.crt`).
    #[arg(long, env = "NAVE_DATA_DIR", default_value = ".nave")]
    data_dir: PathBuf,
    /// The workspace the token joins: a path such as `root:acme`, or a logical cluster id.
    #[arg(long, visible_alias = "workspace", default_value = "root")]
    cluster: String,
    /// How long the token authenticates: e.g. 30m, 24h, 7d; 0 for ever.
    #[arg(long, default_value = "24h")]
    ttl: String,
    /// Whether workers' certificate requests made with the token are approved automatically
    /// (else `kubectl certificate approve`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    auto_approve: bool,
    /// A description stored with the token.
    #[arg(long)]
    description: Option<String>,
}

#[derive(Debug, Subcommand)]
enum KubeconfigCommand {
    /// Mint a client certificate (CN user, O groups) signed by the hub CA in the data directory
    /// and print a kubeconfig that uses it.
    Create(KubeconfigCreateArgs),
}

#[derive(Debug, clap::Args)]
struct KubeconfigCreateArgs {
    /// The hub's data directory (its `pki/ca.crt` and `pki/ca.key` sign the certificate).
    #[arg(long, env = "NAVE_DATA_DIR", default_value = ".nave")]
    data_dir: PathBuf,
    /// The workspace the kubeconfig points at: a path such as `root:acme`, or a cluster id.
    #[arg(long, visible_alias = "workspace", default_value = "root")]
    cluster: String,
    /// The user name (the certificate's CN).
    #[arg(long)]
    user: String,
    /// A group (an O of the certificate; repeatable).
    #[arg(long = "group")]
    groups: Vec<String>,
    /// How long the certificate is valid: e.g. 30m, 24h, 7d (default: a year).
    #[arg(long)]
    expiration: Option<String>,
    /// The server URL (default: the one in the data directory's admin.kubeconfig with the
    /// cluster path replaced, else https://127.0.0.1:6443/clusters/<cluster>).
    #[arg(long)]
    server: Option<String>,
    /// Write the kubeconfig to this file (mode 0600) instead of standard output.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
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
    let cli = Cli::parse();
    // The server logs every request; the one-shot commands speak only through their own
    // one-line errors unless RUST_LOG asks for more.
    let default_filter = match cli.command {
        Command::Serve(_) => "info",
        _ => "off",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
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
            Command::Kubeconfig(KubeconfigCommand::Create(args)) => kubeconfig_create(args),
            Command::Token(TokenCommand::Create(args)) => token_create(args).await,
            Command::Workspace(WorkspaceCommand::Create(args)) => {
                workspace_cmd::create(
                    &args.data_dir,
                    &args.parent,
                    &args.name,
                    args.workspace_type.as_deref(),
                )
                .await
            }
            Command::Workspace(WorkspaceCommand::List(args)) => {
                workspace_cmd::list(&args.data_dir, &args.parent).await
            }
            Command::Workspace(WorkspaceCommand::Delete(args)) => {
                workspace_cmd::delete(&args.data_dir, &args.parent, &args.name).await
            }
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

/// `nave kubeconfig create`.
fn kubeconfig_create(args: KubeconfigCreateArgs) -> anyhow::Result<()> {
    use anyhow::{Context, bail};
    if args.user.is_empty() {
        bail!("--user must not be empty");
    }
    if args.cluster.is_empty() || args.cluster.contains('/') {
        bail!(
            "--cluster must be a logical cluster name, got {:?}",
            args.cluster
        );
    }
    let validity = match &args.expiration {
        Some(text) => parse_duration(text).map_err(anyhow::Error::msg)?,
        None => certs::LEAF_VALIDITY,
    };
    let pki = args.data_dir.join("pki");
    let read = |name: &str| {
        let path = pki.join(name);
        std::fs::read(&path).with_context(|| {
            format!(
                "no hub CA at {} (is {} a nave data directory?)",
                path.display(),
                args.data_dir.display()
            )
        })
    };
    let ca = certs::Ca::from_pem(&read("ca.crt")?, &read("ca.key")?)
        .context("cannot load the hub CA")?;
    let server = match &args.server {
        Some(server) => server.clone(),
        None => {
            let admin = args.data_dir.join("admin.kubeconfig");
            match std::fs::read_to_string(&admin) {
                Ok(text) => {
                    let admin = certs::Kubeconfig::parse(&text)
                        .with_context(|| format!("cannot parse {}", admin.display()))?;
                    let base = match admin.server.find("/clusters/") {
                        Some(at) => admin.server[..at].to_owned(),
                        None => admin.server.trim_end_matches('/').to_owned(),
                    };
                    format!("{base}/clusters/{}", args.cluster)
                }
                Err(_) => format!("https://127.0.0.1:6443/clusters/{}", args.cluster),
            }
        }
    };
    let groups: Vec<&str> = args.groups.iter().map(String::as_str).collect();
    let pair = certs::issue_client(&ca, &args.user, &groups, validity)
        .context("cannot issue the client certificate")?;
    let kubeconfig = certs::Kubeconfig {
        cluster_name: format!("nave-{}", args.cluster),
        server,
        ca_pem: ca.cert_pem().to_owned(),
        context_name: format!("{}@nave-{}", args.user, args.cluster),
        namespace: None,
        user_name: args.user.clone(),
        credentials: certs::Credentials::ClientCertificate {
            cert_pem: pair.cert_pem,
            key_pem: pair.key_pem,
        },
    }
    .to_yaml()?;
    match &args.output {
        Some(path) => {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            file.write_all(kubeconfig.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => print!("{kubeconfig}"),
    }
    Ok(())
}

/// `nave token create`.
async fn token_create(args: TokenCreateArgs) -> anyhow::Result<()> {
    use anyhow::{Context, bail};
    if args.cluster.is_empty() || args.cluster.contains('/') {
        bail!(
            "--cluster must be a logical cluster name, got {:?}",
            args.cluster
        );
    }
    let expiration = match args.ttl.trim() {
        "0" => None,
        text => {
            let ttl = parse_duration(text).map_err(anyhow::Error::msg)?;
            let seconds = i64::try_from(ttl.as_secs()).context("--ttl is too long")?;
            let at = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(seconds))
                .context("--ttl is too long")?;
            Some(jiff::Timestamp::from_second(at.as_second()).context("--ttl is too long")?)
        }
    };
    let admin_path = args.data_dir.join("admin.kubeconfig");
    if !admin_path.exists() {
        bail!(
            "no {} (has `nave serve --data-dir {}` run?)",
            admin_path.display(),
            args.data_dir.display()
        );
    }
    let ca_path = args.data_dir.join("pki").join("ca.crt");
    let ca_pem = std::fs::read(&ca_path)
        .with_context(|| format!("cannot read the hub CA {}", ca_path.display()))?;
    let ca_hash = certs::ca_hash(&ca_pem).context("cannot hash the hub CA")?;
    let (client, base) = admin_client(&admin_path, &args.cluster).await?;

    for (path, object) in [
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    ]
    .into_iter()
    .zip(hub::csr::bootstrap_rbac())
    {
        match post(&client, path, &object).await {
            Ok(()) => {}
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(error) => bail!(
                "cannot create {path} in logical cluster {}: {}",
                args.cluster,
                describe(&error)
            ),
        }
    }
    let token = certs::BootstrapToken::generate().context("cannot generate a token")?;
    let secret = hub::csr::bootstrap_token_secret(
        &token,
        expiration,
        args.auto_approve,
        args.description.as_deref(),
    );
    if let Err(error) = post(&client, "/api/v1/namespaces/kube-system/secrets", &secret).await {
        bail!(
            "cannot create the token's Secret in {}: {}",
            args.cluster,
            describe(&error)
        );
    }
    println!("{token}");
    println!("{ca_hash}");
    eprintln!(
        "join with: nave-worker join {} --token {token} --ca-cert-hash {ca_hash} --name NAME",
        base
    );
    Ok(())
}

/// A kube-rs client for logical cluster `cluster` as the user of the admin kubeconfig at `path`,
/// and the hub's base URL (without the cluster path).
async fn admin_client(
    path: &std::path::Path,
    cluster: &str,
) -> anyhow::Result<(kube::Client, String)> {
    use anyhow::Context;
    let kubeconfig = kube::config::Kubeconfig::read_from(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .with_context(|| format!("cannot use {}", path.display()))?;
    let server = config.cluster_url.to_string();
    let base = match server.find("/clusters/") {
        Some(at) => server[..at].to_owned(),
        None => server.trim_end_matches('/').to_owned(),
    };
    config.cluster_url = format!("{base}/clusters/{cluster}")
        .parse()
        .with_context(|| format!("invalid server URL {server:?} in {}", path.display()))?;
    let client = kube::Client::try_from(config).context("cannot build a client for the hub")?;
    Ok((client, base))
}

/// POSTs `object` to `path` (under the client's logical cluster).
async fn post(
    client: &kube::Client,
    path: &str,
    object: &serde_json::Value,
) -> Result<(), kube::Error> {
    let body = serde_json::to_vec(object).map_err(kube::Error::SerdeError)?;
    let request = http::Request::post(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(kube::Error::HttpError)?;
    client
        .request::<serde_json::Value>(request)
        .await
        .map(|_| ())
}

/// A kube error for one line: a Status answer's message and code, else the error.
fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => format!("{other}"),
    }
}

/// A duration such as `90s`, `30m`, `24h`, `7d` or `1h30m`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let invalid = || format!("invalid duration {text:?} (expected e.g. 30m, 24h, 7d)");
    let mut total: u64 = 0;
    let mut digits = String::new();
    for character in text.trim().chars() {
        if character.is_ascii_digit() {
            digits.push(character);
            continue;
        }
        let unit = match character {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(invalid()),
        };
        let amount: u64 = digits.parse().map_err(|_| invalid())?;
        digits.clear();
        total = amount
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(invalid)?;
    }
    if !digits.is_empty() || total == 0 {
        return Err(invalid());
    }
    Ok(std::time::Duration::from_secs(total))
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
