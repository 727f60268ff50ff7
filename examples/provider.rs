//! A hosted-control-plane provider on nave, in one kube-rs program: one workspace per tenant,
//! a kubeconfig for each tenant's admin, and proof that the tenants cannot see each other.
//!
//! Run it against a hub (`just run` prints the admin kubeconfig's path):
//!
//! ```sh
//! cargo run -p examples --example provider -- --kubeconfig .nave/admin.kubeconfig --tenants 3
//! ```
//!
//! What it does, as the hub's admin (`system:masters`) unless said otherwise:
//!
//! 1. Creates the Workspaces `tenant-1` … `tenant-N` in `root` (`tenancy.nave.dev/v1alpha1`)
//!    and waits until each is `Ready`. Each is a logical cluster with its own URL,
//!    `https://HOST:PORT/clusters/root:tenant-<i>`.
//! 2. Mints a kubeconfig per tenant admin. The key never leaves this program: it makes a key and
//!    a certificate signing request for user `tenant-<i>-admin`, submits it as a
//!    `CertificateSigningRequest` (signer `kubernetes.io/kube-apiserver-client`), approves it,
//!    and takes the certificate the hub signs. A `ClusterRoleBinding` in the tenant's workspace
//!    makes that user `cluster-admin` there, and only there. The kubeconfigs go to `--out`.
//! 3. As each tenant, with its own kubeconfig: creates a namespace, ConfigMaps, and a CRD named
//!    `widgets.example.com` in every tenant, but with a different schema in each, then a Widget.
//! 4. Checks isolation: each tenant sees only its own objects; one tenant's credentials get 403
//!    in another tenant's workspace (list, get, create, delete) and on the workspaces of `root`;
//!    a Widget valid in one tenant is rejected by the next tenant's schema.
//! 5. Prints a summary. Exits 0 only if every check passed; otherwise 1, with a one-line reason.
//!    `--cleanup` deletes the workspaces (and everything in them) at the end.
//!
//! Re-running against the same hub is fine: existing workspaces are reused, and tenant objects
//! are written with server-side apply.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestSpec,
};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Client, Config, CustomResource, ResourceExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The field manager of every server-side apply this program makes.
const MANAGER: &str = "nave-provider-example";
/// The namespace each tenant creates (the same name everywhere: names are per workspace).
const NAMESPACE: &str = "shop";
/// How long to wait for the hub to do something asynchronous (Ready, Established, signing).
const WAIT: Duration = Duration::from_secs(60);

/// Creates tenant workspaces on a nave hub, mints their admins' kubeconfigs, and checks that
/// the tenants are isolated from each other.
#[derive(Debug, Parser)]
#[command(name = "provider")]
struct Args {
    /// The hub admin's kubeconfig (server `https://HOST:PORT/clusters/root`).
    #[arg(long, env = "KUBECONFIG")]
    kubeconfig: PathBuf,
    /// How many tenants.
    #[arg(long, default_value_t = 3)]
    tenants: usize,
    /// Where to write the tenants' kubeconfigs [default: a new temporary directory, kept].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Delete the workspaces at the end.
    #[arg(long)]
    cleanup: bool,
}

/// A workspace: a logical cluster, created in its parent's API (`tenancy.nave.dev/v1alpha1`).
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default)]
#[kube(
    group = "tenancy.nave.dev",
    version = "v1alpha1",
    kind = "Workspace",
    status = "WorkspaceStatus",
    schema = "disabled"
)]
struct WorkspaceSpec {
    /// The workspace type (`universal` by default).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    type_: Option<String>,
}

/// Where a workspace is in its life, and where to reach it.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
struct WorkspaceStatus {
    /// `Initializing`, `Ready` or `Terminating`.
    phase: Option<String>,
    /// The logical cluster's id (`/clusters/<id>` serves it too).
    cluster: Option<String>,
    /// `https://HOST:PORT/clusters/<path>`.
    url: Option<String>,
}

/// One tenant, once its workspace and admin credentials exist.
struct Tenant {
    /// `tenant-<i>`.
    name: String,
    /// 1-based, picks the tenant's Widget schema.
    index: usize,
    /// The workspace URL, e.g. `https://127.0.0.1:6443/clusters/root:tenant-1`.
    url: String,
    /// The logical cluster id.
    cluster: String,
    /// The tenant admin's kubeconfig file.
    kubeconfig: PathBuf,
    /// The tenant admin's client configuration (its server is the workspace URL).
    config: Config,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(checks) if checks.failed.is_empty() => ExitCode::SUCCESS,
        Ok(checks) => {
            let first = checks.failed.first().map_or("", String::as_str);
            eprintln!(
                "provider: FAILED: {} of {} checks failed; first: {first}",
                checks.failed.len(),
                checks.passed + checks.failed.len()
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("provider: FAILED: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<Checks> {
    ensure!(
        args.tenants >= 2,
        "--tenants must be at least 2 to show isolation"
    );
    let out = match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            dir.clone()
        }
        None => tempfile::Builder::new()
            .prefix("nave-provider-")
            .tempdir()?
            .keep(),
    };

    // The admin's client configuration, pointed at root; `at` re-points a copy elsewhere.
    let admin = config_from(&args.kubeconfig).await?;
    let admin_root = Client::try_from(admin.clone())?;
    let ca_pem = certs::Kubeconfig::parse(&std::fs::read_to_string(&args.kubeconfig)?)?.ca_pem;
    println!("hub: {}", admin.cluster_url);

    // 1 and 2: a workspace and an admin kubeconfig per tenant.
    let workspaces: Api<Workspace> = Api::all(admin_root.clone());
    let mut tenants = Vec::new();
    for index in 1..=args.tenants {
        let name = format!("tenant-{index}");
        let (url, cluster) = create_workspace(&workspaces, &name).await?;
        let user = format!("{name}-admin");
        let kubeconfig = mint_kubeconfig(&admin_root, &user, &url, &ca_pem, &out).await?;
        bind_cluster_admin(&at(&admin, &url)?, &user).await?;
        let config = config_from(&kubeconfig).await?;
        println!(
            "{name}: workspace {url} (cluster {cluster}), admin kubeconfig {}",
            kubeconfig.display()
        );
        tenants.push(Tenant {
            name,
            index,
            url,
            cluster,
            kubeconfig,
            config,
        });
    }

    // 3: each tenant fills its workspace with its own credentials.
    for tenant in &tenants {
        populate(tenant)
            .await
            .with_context(|| format!("{} populating its workspace", tenant.name))?;
    }

    // 4: isolation. Attacks first, then each tenant checks its own objects are intact.
    let mut checks = Checks::default();
    let root_url = admin.cluster_url.to_string();
    for attacker in &tenants {
        for victim in tenants.iter().filter(|victim| victim.name != attacker.name) {
            cross_tenant_checks(&mut checks, attacker, victim).await?;
        }
        let as_attacker_in_root: Api<Workspace> = Api::all(at(&attacker.config, &root_url)?);
        checks.record(
            format!("{} cannot list the workspaces of root", attacker.name),
            forbidden(as_attacker_in_root.list(&ListParams::default()).await),
        );
    }
    for (i, tenant) in tenants.iter().enumerate() {
        own_view_checks(&mut checks, tenant).await?;
        let next = &tenants[(i + 1) % tenants.len()];
        checks.record(
            format!(
                "a Widget valid for {} is rejected by {}'s schema",
                tenant.name, next.name
            ),
            rejected_by_schema(tenant, next).await,
        );
    }

    // 5: the summary.
    println!();
    println!(
        "{:<12} {:<18} {:<18} kubeconfig",
        "tenant", "workspace", "cluster"
    );
    for tenant in &tenants {
        let path = tenant.url.rsplit('/').next().unwrap_or_default();
        println!(
            "{:<12} {:<18} {:<18} {}",
            tenant.name,
            path,
            tenant.cluster,
            tenant.kubeconfig.display()
        );
    }
    println!(
        "checks: {} passed, {} failed",
        checks.passed,
        checks.failed.len()
    );
    if checks.failed.is_empty() {
        println!(
            "PASS: {} tenants, each isolated from the others",
            tenants.len()
        );
    }

    if args.cleanup {
        for tenant in &tenants {
            delete_workspace(&workspaces, &tenant.name).await?;
            let csrs: Api<CertificateSigningRequest> = Api::all(admin_root.clone());
            ignore_not_found(
                csrs.delete(&format!("{}-admin", tenant.name), &DeleteParams::default())
                    .await,
            )?;
        }
        println!("cleaned up: {} workspaces deleted", tenants.len());
    }
    Ok(checks)
}

/// Creates workspace `name` (or reuses it) and waits until it is `Ready`; returns its URL and
/// logical cluster id.
async fn create_workspace(workspaces: &Api<Workspace>, name: &str) -> Result<(String, String)> {
    let workspace = Workspace::new(
        name,
        WorkspaceSpec {
            type_: Some("universal".to_owned()),
        },
    );
    match workspaces.create(&PostParams::default(), &workspace).await {
        Ok(created) => {
            let phase = created.status.and_then(|status| status.phase);
            println!(
                "{name}: created, phase {}",
                phase.as_deref().unwrap_or("(none)")
            );
        }
        Err(kube::Error::Api(status)) if status.is_already_exists() => {
            println!("{name}: exists already, reusing it");
        }
        Err(error) => return Err(error).context(format!("creating workspace {name}")),
    }
    let ready = |workspace: Option<&Workspace>| {
        workspace
            .and_then(|workspace| workspace.status.as_ref())
            .and_then(|status| status.phase.as_deref())
            == Some("Ready")
    };
    let ready = wait(
        await_condition(workspaces.clone(), name, ready),
        &format!("workspace {name} Ready"),
    )
    .await?;
    let status = ready
        .and_then(|workspace| workspace.status)
        .unwrap_or_default();
    match (status.url, status.cluster) {
        (Some(url), Some(cluster)) => Ok((url, cluster)),
        _ => bail!("workspace {name} is Ready without status.url and status.cluster"),
    }
}

/// Deletes workspace `name` and waits until it is gone (the hub removes its contents first).
async fn delete_workspace(workspaces: &Api<Workspace>, name: &str) -> Result<()> {
    let Some(workspace) = workspaces.get_opt(name).await? else {
        return Ok(());
    };
    let uid = workspace.uid().unwrap_or_default();
    ignore_not_found(workspaces.delete(name, &DeleteParams::default()).await)?;
    wait(
        await_condition(workspaces.clone(), name, conditions::is_deleted(&uid)),
        &format!("workspace {name} deleted"),
    )
    .await?;
    Ok(())
}

/// Mints a client certificate for `user` through the Kubernetes CSR API and writes a
/// kubeconfig for it, pointing at `url`, to `out/<user>.kubeconfig` (mode 0600).
async fn mint_kubeconfig(
    admin: &Client,
    user: &str,
    url: &str,
    ca_pem: &str,
    out: &Path,
) -> Result<PathBuf> {
    // The private key is made here and never sent anywhere: the hub only sees the request.
    let generated = certs::generate_csr(user, &[])?;
    let csrs: Api<CertificateSigningRequest> = Api::all(admin.clone());
    // A leftover request of a previous run would keep its old certificate: start afresh.
    ignore_not_found(csrs.delete(user, &DeleteParams::default()).await)?;
    let request = CertificateSigningRequest {
        metadata: kube::api::ObjectMeta {
            name: Some(user.to_owned()),
            ..Default::default()
        },
        spec: CertificateSigningRequestSpec {
            request: ByteString(generated.csr_pem.into_bytes()),
            signer_name: "kubernetes.io/kube-apiserver-client".to_owned(),
            usages: Some(vec![
                "digital signature".to_owned(),
                "client auth".to_owned(),
            ]),
            expiration_seconds: Some(24 * 3600),
            ..Default::default()
        },
        status: None,
    };
    csrs.create(&PostParams::default(), &request)
        .await
        .with_context(|| format!("creating the CertificateSigningRequest {user}"))?;
    // Approving is a write to the `approval` subresource (what `kubectl certificate approve` does).
    let approval = json!({"status": {"conditions": [{
        "type": "Approved", "status": "True", "reason": "ProviderApproved",
        "message": "approved by the provider for its tenant's admin",
    }]}});
    csrs.patch_approval(user, &PatchParams::default(), &Patch::Merge(&approval))
        .await
        .with_context(|| format!("approving the CertificateSigningRequest {user}"))?;
    let issued = |csr: Option<&CertificateSigningRequest>| {
        csr.and_then(|csr| csr.status.as_ref())
            .and_then(|status| status.certificate.as_ref())
            .is_some_and(|certificate| !certificate.0.is_empty())
    };
    let signed = wait(
        await_condition(csrs, user, issued),
        &format!("a certificate for {user}"),
    )
    .await?;
    let certificate = signed
        .and_then(|csr| csr.status)
        .and_then(|status| status.certificate)
        .context("the signed request has no certificate")?;

    let kubeconfig = certs::Kubeconfig {
        cluster_name: "nave".to_owned(),
        server: url.to_owned(),
        ca_pem: ca_pem.to_owned(),
        context_name: user.to_owned(),
        namespace: None,
        user_name: user.to_owned(),
        credentials: certs::Credentials::ClientCertificate {
            cert_pem: String::from_utf8(certificate.0).context("the certificate is not PEM")?,
            key_pem: generated.key_pem,
        },
    };
    let path = out.join(format!("{user}.kubeconfig"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(kubeconfig.to_yaml()?.as_bytes())?;
    Ok(path)
}

/// Makes `user` `cluster-admin` of the workspace `admin` points at.
async fn bind_cluster_admin(admin: &Client, user: &str) -> Result<()> {
    let bindings: Api<ClusterRoleBinding> = Api::all(admin.clone());
    let binding = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "tenant-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    });
    bindings
        .patch(
            "tenant-admin",
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(&binding),
        )
        .await
        .with_context(|| format!("binding {user} as cluster-admin"))?;
    Ok(())
}

/// As the tenant: a namespace, two ConfigMaps, its own `widgets.example.com` and a Widget.
async fn populate(tenant: &Tenant) -> Result<()> {
    let client = Client::try_from(tenant.config.clone())?;
    let apply = PatchParams::apply(MANAGER).force();

    let namespaces: Api<Namespace> = Api::all(client.clone());
    let namespace =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}});
    namespaces
        .patch(NAMESPACE, &apply, &Patch::Apply(&namespace))
        .await?;

    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACE);
    for name in ["settings".to_owned(), format!("only-{}", tenant.name)] {
        let configmap = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": {"tenant": tenant.name}},
            "data": {"owner": tenant.name},
        });
        configmaps
            .patch(&name, &apply, &Patch::Apply(&configmap))
            .await?;
    }

    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.patch(WIDGET_CRD, &apply, &Patch::Apply(&widget_crd(tenant)))
        .await
        .context("applying the Widget CRD")?;
    wait(
        await_condition(crds, WIDGET_CRD, conditions::is_crd_established()),
        &format!("{WIDGET_CRD} Established"),
    )
    .await?;

    let widgets = widgets(client, NAMESPACE);
    let widget = widget(tenant, "gizmo");
    widgets
        .patch("gizmo", &apply, &Patch::Apply(&widget))
        .await
        .context("applying a Widget")?;
    Ok(())
}

/// The checks `attacker` makes with its own credentials against `victim`'s workspace.
async fn cross_tenant_checks(
    checks: &mut Checks,
    attacker: &Tenant,
    victim: &Tenant,
) -> Result<()> {
    let who = format!("{} in {}", attacker.name, victim.name);
    // The same credentials, pointed at the victim's workspace: by path and by cluster id.
    let by_path = at(&attacker.config, &victim.url)?;
    let id_url = format!(
        "{}/{}",
        victim.url.rsplit_once('/').map_or("", |(base, _)| base),
        victim.cluster
    );
    let by_id = at(&attacker.config, &id_url)?;

    let configmaps: Api<ConfigMap> = Api::namespaced(by_path.clone(), NAMESPACE);
    checks.record(
        format!("{who}: list ConfigMaps is 403"),
        forbidden(configmaps.list(&ListParams::default()).await),
    );
    checks.record(
        format!("{who}: get ConfigMap is 403"),
        forbidden(configmaps.get("settings").await),
    );
    let intruder: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "intruder"}}))?;
    checks.record(
        format!("{who}: create ConfigMap is 403"),
        forbidden(configmaps.create(&PostParams::default(), &intruder).await),
    );
    checks.record(
        format!("{who}: delete ConfigMap is 403"),
        forbidden(
            configmaps
                .delete("settings", &DeleteParams::default())
                .await,
        ),
    );
    checks.record(
        format!("{who}: list Widgets is 403"),
        forbidden(
            widgets(by_path, NAMESPACE)
                .list(&ListParams::default())
                .await,
        ),
    );
    let configmaps_by_id: Api<ConfigMap> = Api::namespaced(by_id, NAMESPACE);
    checks.record(
        format!("{who} (by cluster id): list ConfigMaps is 403"),
        forbidden(configmaps_by_id.list(&ListParams::default()).await),
    );
    Ok(())
}

/// The tenant's own view: exactly its ConfigMaps and Widget, and its own Widget schema.
async fn own_view_checks(checks: &mut Checks, tenant: &Tenant) -> Result<()> {
    let client = Client::try_from(tenant.config.clone())?;
    let name = &tenant.name;

    let all_configmaps: Api<ConfigMap> = Api::all(client.clone());
    let listed = all_configmaps.list(&ListParams::default()).await?;
    let ours: BTreeSet<String> = listed
        .items
        .iter()
        .filter(|configmap| configmap.labels().contains_key("tenant"))
        .map(|configmap| {
            let owner = configmap.labels().get("tenant").map_or("", String::as_str);
            format!(
                "{}/{} (tenant {owner})",
                configmap.namespace().unwrap_or_default(),
                configmap.name_any()
            )
        })
        .collect();
    let expected: BTreeSet<String> = ["settings".to_owned(), format!("only-{name}")]
        .into_iter()
        .map(|configmap| format!("{NAMESPACE}/{configmap} (tenant {name})"))
        .collect();
    checks.record(
        format!("{name} sees only its own ConfigMaps"),
        equal(&ours, &expected),
    );

    let listed = widgets(client.clone(), NAMESPACE)
        .list(&ListParams::default())
        .await?;
    let seen: Vec<String> = listed
        .items
        .iter()
        .map(|widget| {
            format!(
                "{} (owner {})",
                widget.name_any(),
                widget.data["spec"]["owner"].as_str().unwrap_or("?")
            )
        })
        .collect();
    checks.record(
        format!("{name} sees only its own Widgets"),
        equal(&seen, &vec![format!("gizmo (owner {name})")]),
    );

    let crds: Api<CustomResourceDefinition> = Api::all(client);
    let crd = crds.get(WIDGET_CRD).await?;
    let schema = serde_json::to_value(&crd.spec.versions)?;
    let owners = &schema[0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["owner"]
        ["enum"];
    checks.record(
        format!("{name} has its own {WIDGET_CRD}"),
        equal(owners, &json!([name])),
    );
    Ok(())
}

/// Creates, as `other`, a Widget that is valid in `tenant`'s schema in `other`'s workspace:
/// `other`'s schema must reject it (422 Invalid).
async fn rejected_by_schema(tenant: &Tenant, other: &Tenant) -> Result<()> {
    let client = Client::try_from(other.config.clone())?;
    let foreign = widget(tenant, &format!("from-{}", tenant.name));
    let object: DynamicObject = serde_json::from_value(foreign)?;
    match widgets(client, NAMESPACE)
        .create(&PostParams::default(), &object)
        .await
    {
        Err(kube::Error::Api(status)) if status.code == 422 => Ok(()),
        Err(error) => bail!("expected 422 Invalid, got {error}"),
        Ok(_) => bail!("accepted"),
    }
}

const WIDGET_CRD: &str = "widgets.example.com";

/// The same CRD name in every tenant, with a different schema in each: `owner` must be the
/// tenant's own name, and `size` is an integer, a word or a width and height, in turn.
fn widget_crd(tenant: &Tenant) -> Value {
    let size = match tenant.index % 3 {
        1 => json!({"type": "integer", "minimum": 1}),
        2 => json!({"type": "string", "enum": ["small", "medium", "large"]}),
        _ => json!({"type": "object", "required": ["width", "height"], "properties": {
            "width": {"type": "integer"}, "height": {"type": "integer"}}}),
    };
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": WIDGET_CRD},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "required": ["spec"],
                    "properties": {"spec": {
                        "type": "object",
                        "required": ["owner", "size"],
                        "properties": {"owner": {"type": "string", "enum": [tenant.name]}, "size": size},
                    }},
                }},
            }],
        },
    })
}

/// A Widget valid in `tenant`'s schema.
fn widget(tenant: &Tenant, name: &str) -> Value {
    let size = match tenant.index % 3 {
        1 => json!(3),
        2 => json!("medium"),
        _ => json!({"width": 2, "height": 5}),
    };
    json!({
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"owner": tenant.name, "size": size},
    })
}

/// Widgets in `namespace` (dynamic: their schema differs per tenant, there is no Rust type).
fn widgets(client: Client, namespace: &str) -> Api<DynamicObject> {
    let resource = ApiResource {
        group: "example.com".to_owned(),
        version: "v1".to_owned(),
        api_version: "example.com/v1".to_owned(),
        kind: "Widget".to_owned(),
        plural: "widgets".to_owned(),
    };
    Api::namespaced_with(client, namespace, &resource)
}

/// A client configuration from a kubeconfig file.
async fn config_from(path: &Path) -> Result<Config> {
    let kubeconfig =
        Kubeconfig::read_from(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?)
}

/// A client with `config`'s credentials, talking to the workspace at `url`.
fn at(config: &Config, url: &str) -> Result<Client> {
    let mut config = config.clone();
    config.cluster_url = url
        .parse()
        .with_context(|| format!("workspace URL {url:?}"))?;
    Ok(Client::try_from(config)?)
}

/// Waits at most [`WAIT`] for `future`, which is waiting for `what`.
async fn wait<T, E: std::error::Error + Send + Sync + 'static>(
    future: impl Future<Output = Result<T, E>>,
    what: &str,
) -> Result<T> {
    match tokio::time::timeout(WAIT, future).await {
        Ok(result) => result.with_context(|| format!("waiting for {what}")),
        Err(_) => bail!("no {what} within {WAIT:?}"),
    }
}

/// Ok if the request was refused with 403 Forbidden.
fn forbidden<T>(result: kube::Result<T>) -> Result<()> {
    match result {
        Err(kube::Error::Api(status)) if status.code == 403 => Ok(()),
        Err(error) => bail!("expected 403 Forbidden, got {error}"),
        Ok(_) => bail!("expected 403 Forbidden, but it succeeded"),
    }
}

/// Ok for success and for 404 Not Found.
fn ignore_not_found<T>(result: kube::Result<T>) -> Result<()> {
    match result {
        Err(kube::Error::Api(status)) if status.is_not_found() => Ok(()),
        other => other.map(drop).map_err(Into::into),
    }
}

fn equal<T: PartialEq + std::fmt::Debug>(seen: &T, expected: &T) -> Result<()> {
    ensure!(seen == expected, "saw {seen:?}, expected {expected:?}");
    Ok(())
}

/// The outcome of every check: printed as it happens, counted for the summary.
#[derive(Debug, Default)]
struct Checks {
    passed: usize,
    /// `what: why` of each failed check.
    failed: Vec<String>,
}

impl Checks {
    fn record(&mut self, what: impl Display, outcome: Result<()>) {
        match outcome {
            Ok(()) => {
                self.passed += 1;
                println!("  ok    {what}");
            }
            Err(error) => {
                println!("  FAIL  {what}: {error:#}");
                self.failed.push(format!("{what}: {error:#}"));
            }
        }
    }
}
