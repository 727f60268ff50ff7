//! The CertificateSigningRequest signer: one shared worker for every logical cluster, fed by the
//! fan-out. It signs requests that are approved, not denied, not failed and not yet signed, for
//! the client signers the hub serves ([`SIGNERS`]), with the hub CA: client-auth usages only,
//! for `spec.expirationSeconds` (at least 10 minutes, at most and by default a year). The
//! certificate goes to `status.certificate`; a request the signer refuses gets a `Failed`
//! condition (reason `SignerValidationFailure`), as kube-controller-manager's signer does.
//! Requests for other signers are left alone.
//!
//! It is also the worker auto-approver: a request for `nave.dev/worker-client` with no Approved
//! or Denied condition is approved (condition `Approved`, reason `AutoApproved`) when its
//! requester is a bootstrap token user (`system:bootstrap:<id>`) whose token carries the extra
//! group [`AUTO_APPROVE_GROUP`], and its subject is a worker's: CN `system:nave:worker:<name>`
//! ([`WORKER_USER_PREFIX`]) and O including [`WORKER_GROUP`]. Anything else stays pending for
//! `kubectl certificate approve`. [`bootstrap_rbac`] and [`bootstrap_token_secret`] are the
//! objects `nave token create` writes so such a token can ask.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use certs::{Ca, Csr, Usage};
use hub_api::registry::ResourceDef;
use serde_json::{Map, Value, json};

use crate::catalog::Catalog;
use crate::controller::{Controller, Outcome};
use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::meta;
use crate::objects::{ObjectRef, Objects};

/// The signer names this controller signs for.
pub const SIGNERS: &[&str] = &["kubernetes.io/kube-apiserver-client", WORKER_SIGNER];

/// The signer of worker client certificates, the one the auto-approver approves for.
pub const WORKER_SIGNER: &str = "nave.dev/worker-client";

/// The extra group (`auth-extra-groups` of the token's Secret) marking a bootstrap token whose
/// workers' certificate requests are approved automatically.
pub const AUTO_APPROVE_GROUP: &str = "system:bootstrappers:nave:auto-approve";

/// The extra group of every bootstrap token `nave token create` makes: it may ask for
/// certificates (see [`bootstrap_rbac`]), approved by hand unless it also has
/// [`AUTO_APPROVE_GROUP`].
pub const BOOTSTRAPPER_GROUP: &str = "system:bootstrappers:nave";

/// A worker's user name is this prefix and its name (`system:nave:worker:edge-1`), as kubelets
/// are `system:node:<name>`.
pub const WORKER_USER_PREFIX: &str = "system:nave:worker:";

/// The group every worker's certificate carries (its O).
pub const WORKER_GROUP: &str = "system:nave:workers";

/// The user name prefix of bootstrap token users.
const BOOTSTRAP_USER_PREFIX: &str = "system:bootstrap:";

/// The ClusterRole that lets bootstrap tokens ask for certificates (kubeadm's name).
pub const BOOTSTRAPPER_ROLE: &str = "system:node-bootstrapper";

/// The ClusterRoleBinding of [`BOOTSTRAPPER_ROLE`] to nave's bootstrap token groups.
pub const BOOTSTRAPPER_BINDING: &str = "nave:bootstrappers";

/// The longest (and default) certificate lifetime: one year.
pub const MAX_VALIDITY: Duration = certs::LEAF_VALIDITY;

/// The shortest lifetime a request may ask for: ten minutes, as kube's validation.
pub const MIN_VALIDITY: Duration = Duration::from_secs(600);

/// How long to wait before retrying a request whose signing failed for a transient reason.
const RETRY: Duration = Duration::from_secs(1);

/// The usages a client certificate may carry.
const CLIENT_USAGES: &[Usage] = &[
    Usage::DigitalSignature,
    Usage::KeyEncipherment,
    Usage::ClientAuth,
];

/// What the signer does with one request.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing: another signer's, not approved, denied, failed or already signed.
    Skip,
    /// Sign it: the certificate, PEM.
    Sign(String),
    /// Refuse it with this message (a `Failed` condition).
    Fail(String),
}

/// Starts the signer with `ca`.
pub async fn start(
    objects: Objects,
    catalog: Arc<Catalog>,
    fanout: &Fanout,
    ca: Ca,
) -> Result<(), ApiError> {
    let def = Arc::clone(
        catalog
            .builtin()
            .lookup("certificates.k8s.io", "v1", "certificatesigningrequests")
            .ok_or(ApiError::NoRoute)?,
    );
    let controller = Controller {
        name: "certificatesigningrequests",
        wants: wanted,
        retry: RETRY,
        concurrency: 1,
    };
    let reconciled = Arc::clone(&def);
    let store = objects.clone();
    controller
        .start(&objects, fanout, &def, move |cluster, name| {
            let (objects, def, ca) = (store.clone(), Arc::clone(&reconciled), ca.clone());
            async move {
                process(&objects, &def, &ca, &cluster, &name).await?;
                Ok(Outcome::Done)
            }
        })
        .await
}

/// Reads one request, approves it if [`auto_approvable`], decides, and writes the outcome to its
/// status (approval and certificate in one write). A conflict is left to the
/// watch, which delivers the newer version.
async fn process(
    objects: &Objects,
    def: &ResourceDef,
    ca: &Ca,
    cluster: &str,
    name: &str,
) -> Result<(), ApiError> {
    let reference = ObjectRef {
        def,
        cluster,
        namespace: None,
        name,
    };
    let Some(stored) = objects.find(reference).await? else {
        return Ok(());
    };
    let mut object = stored.object()?;
    let now = meta::now();
    let auto_approved = auto_approvable(&object);
    if auto_approved {
        push_condition(
            &mut object,
            json!({
                "type": "Approved",
                "status": "True",
                "reason": "AutoApproved",
                "message": "Auto approving worker client certificate after bootstrap-token authentication",
                "lastUpdateTime": now,
                "lastTransitionTime": now,
            }),
        );
        tracing::info!(%cluster, csr = %name, "auto-approved a worker certificate signing request");
    }
    match decide(ca, &object) {
        Decision::Skip if !auto_approved => return Ok(()),
        Decision::Skip => {}
        Decision::Sign(cert_pem) => {
            status_mut(&mut object).insert(
                "certificate".into(),
                Value::String(STANDARD.encode(cert_pem.as_bytes())),
            );
            tracing::info!(%cluster, csr = %name, "signed a certificate signing request");
        }
        Decision::Fail(message) => {
            push_condition(
                &mut object,
                json!({
                    "type": "Failed",
                    "status": "True",
                    "reason": "SignerValidationFailure",
                    "message": message,
                    "lastUpdateTime": now,
                    "lastTransitionTime": now,
                }),
            );
            tracing::info!(%cluster, csr = %name, %message, "refused a certificate signing request");
        }
    }
    meta::metadata_mut(&mut object).remove("resourceVersion");
    match objects.update(reference, &object, stored.revision).await {
        Ok(_) | Err(ApiError::NotFound(_) | ApiError::Conflict { .. }) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Appends `condition` to `status.conditions`.
fn push_condition(object: &mut Map<String, Value>, condition: Value) {
    let conditions = status_mut(object)
        .entry("conditions")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !conditions.is_array() {
        *conditions = Value::Array(Vec::new());
    }
    if let Value::Array(conditions) = conditions {
        conditions.push(condition);
    }
}

fn status_mut(object: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let status = object
        .entry("status")
        .or_insert_with(|| Value::Object(Map::new()));
    if !status.is_object() {
        *status = Value::Object(Map::new());
    }
    match status {
        Value::Object(status) => status,
        _ => unreachable!("status was just made an object"),
    }
}

/// Whether `object` is a request for one of [`SIGNERS`] that is approved and not yet decided.
pub fn pending(object: &Map<String, Value>) -> bool {
    let signer = object
        .get("spec")
        .and_then(|spec| spec.get("signerName"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !SIGNERS.contains(&signer) {
        return false;
    }
    let status = object.get("status");
    let signed = status
        .and_then(|status| status.get("certificate"))
        .and_then(Value::as_str)
        .is_some_and(|certificate| !certificate.is_empty());
    if signed {
        return false;
    }
    let condition = |kind: &str| has_condition(object, kind);
    condition("Approved") && !condition("Denied") && !condition("Failed")
}

/// Whether the controller has something to do with `object`: sign it, or approve it.
fn wanted(object: &Map<String, Value>) -> bool {
    pending(object) || auto_approvable(object)
}

/// Whether `object` has a condition of type `kind` with status `True`.
fn has_condition(object: &Map<String, Value>, kind: &str) -> bool {
    object
        .get("status")
        .and_then(|status| status.get("conditions"))
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions.iter().any(|condition| {
                condition.get("type").and_then(Value::as_str) == Some(kind)
                    && condition.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

/// Whether `object` is a request the auto-approver approves: for [`WORKER_SIGNER`], undecided
/// (no Approved, Denied or Failed condition, no certificate), asked by a bootstrap token user in
/// [`AUTO_APPROVE_GROUP`], for a worker's identity (CN [`WORKER_USER_PREFIX`]`<name>` with a
/// name of lower-case letters, digits, `-` and `.`; O including [`WORKER_GROUP`]).
pub fn auto_approvable(object: &Map<String, Value>) -> bool {
    let spec = object.get("spec").unwrap_or(&Value::Null);
    if spec.get("signerName").and_then(Value::as_str) != Some(WORKER_SIGNER) {
        return false;
    }
    let signed = object
        .get("status")
        .and_then(|status| status.get("certificate"))
        .and_then(Value::as_str)
        .is_some_and(|certificate| !certificate.is_empty());
    if signed
        || ["Approved", "Denied", "Failed"]
            .iter()
            .any(|kind| has_condition(object, kind))
    {
        return false;
    }
    let bootstrap_user = spec
        .get("username")
        .and_then(Value::as_str)
        .is_some_and(|user| user.starts_with(BOOTSTRAP_USER_PREFIX));
    let marked = spec
        .get("groups")
        .and_then(Value::as_array)
        .is_some_and(|groups| groups.iter().any(|group| group == AUTO_APPROVE_GROUP));
    if !bootstrap_user || !marked {
        return false;
    }
    let Some(pem) = spec
        .get("request")
        .and_then(Value::as_str)
        .and_then(|request| STANDARD.decode(request).ok())
    else {
        return false;
    };
    let Ok(csr) = Csr::from_pem(&pem) else {
        return false;
    };
    let identity = csr.identity();
    identity
        .user
        .strip_prefix(WORKER_USER_PREFIX)
        .is_some_and(valid_worker_name)
        && identity.groups.iter().any(|group| group == WORKER_GROUP)
}

/// A worker name: 1 to 253 lower-case letters, digits, `-` and `.`, starting and ending with a
/// letter or digit (a DNS subdomain, like a node name).
fn valid_worker_name(name: &str) -> bool {
    let alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| alphanumeric(c) || c == '-' || c == '.')
        && name.starts_with(alphanumeric)
        && name.ends_with(alphanumeric)
}

/// The RBAC objects that let bootstrap tokens from `nave token create` ask for certificates:
/// the ClusterRole [`BOOTSTRAPPER_ROLE`] (create, get, list and watch
/// CertificateSigningRequests, as kube's `system:node-bootstrapper`) and the ClusterRoleBinding
/// [`BOOTSTRAPPER_BINDING`] of it to [`BOOTSTRAPPER_GROUP`] and [`AUTO_APPROVE_GROUP`].
pub fn bootstrap_rbac() -> [Value; 2] {
    let rbac = "rbac.authorization.k8s.io";
    [
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": BOOTSTRAPPER_ROLE},
            "rules": [{
                "apiGroups": ["certificates.k8s.io"],
                "resources": ["certificatesigningrequests"],
                "verbs": ["create", "get", "list", "watch"],
            }],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": BOOTSTRAPPER_BINDING},
            "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": BOOTSTRAPPER_ROLE},
            "subjects": [
                {"apiGroup": rbac, "kind": "Group", "name": BOOTSTRAPPER_GROUP},
                {"apiGroup": rbac, "kind": "Group", "name": AUTO_APPROVE_GROUP},
            ],
        }),
    ]
}

/// The Secret (`kube-system/bootstrap-token-<id>`) of a bootstrap token that authenticates
/// until `expiration` (none: forever) in groups [`BOOTSTRAPPER_GROUP`] and, if `auto_approve`,
/// [`AUTO_APPROVE_GROUP`].
pub fn bootstrap_token_secret(
    token: &certs::BootstrapToken,
    expiration: Option<jiff::Timestamp>,
    auto_approve: bool,
    description: Option<&str>,
) -> Value {
    let mut groups = BOOTSTRAPPER_GROUP.to_owned();
    if auto_approve {
        groups.push(',');
        groups.push_str(AUTO_APPROVE_GROUP);
    }
    let mut data = Map::new();
    let mut put = |key: &str, value: &str| {
        data.insert(key.to_owned(), Value::String(STANDARD.encode(value)));
    };
    put("token-id", token.id());
    put("token-secret", token.secret());
    put("usage-bootstrap-authentication", "true");
    put("auth-extra-groups", &groups);
    if let Some(expiration) = expiration {
        put("expiration", &expiration.to_string());
    }
    if let Some(description) = description {
        put("description", description);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": format!("bootstrap-token-{}", token.id()),
            "namespace": "kube-system",
        },
        "type": "bootstrap.kubernetes.io/token",
        "data": data,
    })
}

/// What to do with `object`: sign it with `ca`, refuse it, or leave it.
pub fn decide(ca: &Ca, object: &Map<String, Value>) -> Decision {
    if !pending(object) {
        return Decision::Skip;
    }
    let spec = object.get("spec").unwrap_or(&Value::Null);
    let signer = spec
        .get("signerName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let request = spec
        .get("request")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Ok(pem) = STANDARD.decode(request) else {
        return Decision::Fail("the request is not base64".into());
    };
    let csr = match Csr::from_pem(&pem) {
        Ok(csr) => csr,
        Err(error) => return Decision::Fail(format!("invalid certificate request: {error}")),
    };
    let mut usages = Vec::new();
    for name in spec
        .get("usages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        match name.parse::<Usage>() {
            Ok(usage) if CLIENT_USAGES.contains(&usage) => {
                if !usages.contains(&usage) {
                    usages.push(usage);
                }
            }
            _ => {
                return Decision::Fail(format!("invalid usage for client certificate: {name}"));
            }
        }
    }
    if !usages.contains(&Usage::ClientAuth) {
        return Decision::Fail("missing required usages: client auth".into());
    }
    if signer == "kubernetes.io/kube-apiserver-client"
        && csr.identity().user.starts_with("system:node:")
    {
        return Decision::Fail(format!(
            "the kubernetes.io/kube-apiserver-client signer does not sign for node identities \
             ({}); use kubernetes.io/kube-apiserver-client-kubelet",
            csr.identity().user
        ));
    }
    let validity = spec
        .get("expirationSeconds")
        .and_then(Value::as_u64)
        .map(Duration::from_secs)
        .unwrap_or(MAX_VALIDITY)
        .clamp(MIN_VALIDITY, MAX_VALIDITY);
    match certs::sign_csr(ca, &csr, &usages, validity) {
        Ok(cert_pem) => Decision::Sign(cert_pem),
        Err(error) => Decision::Fail(format!("signing failed: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(signer: &str, user: &str, conditions: Value) -> Map<String, Value> {
        let generated = certs::generate_csr(user, &["devs"]).unwrap();
        let object = json!({
            "apiVersion": "certificates.k8s.io/v1",
            "kind": "CertificateSigningRequest",
            "metadata": {"name": "r"},
            "spec": {
                "request": STANDARD.encode(generated.csr_pem),
                "signerName": signer,
                "usages": ["digital signature", "client auth"],
                "expirationSeconds": 3600,
            },
            "status": {"conditions": conditions},
        });
        object.as_object().unwrap().clone()
    }

    fn approved() -> Value {
        json!([{"type": "Approved", "status": "True", "reason": "KubectlApprove"}])
    }

    #[test]
    fn approved_client_requests_are_signed() {
        let ca = Ca::generate("test-ca").unwrap();
        for signer in SIGNERS {
            let Decision::Sign(pem) = decide(&ca, &request(signer, "alice", approved())) else {
                panic!("{signer} was not signed");
            };
            let identity = certs::identity(pem.as_bytes()).unwrap();
            assert_eq!(identity.user, "alice");
            assert_eq!(identity.groups, ["devs"]);
        }
    }

    #[test]
    fn others_are_left_or_refused() {
        let ca = Ca::generate("test-ca").unwrap();
        let signer = SIGNERS[0];
        assert_eq!(
            decide(&ca, &request(signer, "alice", json!([]))),
            Decision::Skip
        );
        let denied =
            json!([{"type": "Approved", "status": "True"}, {"type": "Denied", "status": "True"}]);
        assert_eq!(
            decide(&ca, &request(signer, "alice", denied)),
            Decision::Skip
        );
        assert_eq!(
            decide(&ca, &request("example.com/other", "alice", approved())),
            Decision::Skip
        );
        assert!(matches!(
            decide(&ca, &request(signer, "system:node:n1", approved())),
            Decision::Fail(_)
        ));
        let mut serving = request(signer, "alice", approved());
        serving["spec"]["usages"] = json!(["server auth"]);
        assert!(matches!(decide(&ca, &serving), Decision::Fail(_)));
    }

    fn worker_request(
        user: &str,
        groups: &[&str],
        requester: &str,
        requester_groups: Value,
    ) -> Map<String, Value> {
        let mut object = request(WORKER_SIGNER, "x", json!([]));
        let generated = certs::generate_csr(user, groups).unwrap();
        object["spec"]["request"] = json!(STANDARD.encode(generated.csr_pem));
        object["spec"]["username"] = json!(requester);
        object["spec"]["groups"] = requester_groups;
        object
    }

    #[test]
    fn only_marked_bootstrap_tokens_asking_for_workers_are_auto_approved() {
        let marked = json!([
            "system:bootstrappers",
            AUTO_APPROVE_GROUP,
            "system:authenticated"
        ]);
        let worker = "system:nave:worker:edge-1";
        let good = worker_request(
            worker,
            &[WORKER_GROUP],
            "system:bootstrap:abcdef",
            marked.clone(),
        );
        assert!(auto_approvable(&good));
        assert!(!pending(&good) && wanted(&good));
        let unmarked = json!(["system:bootstrappers", BOOTSTRAPPER_GROUP]);
        for (case, object) in [
            (
                "unmarked token",
                worker_request(worker, &[WORKER_GROUP], "system:bootstrap:abcdef", unmarked),
            ),
            (
                "not a bootstrap user",
                worker_request(worker, &[WORKER_GROUP], "alice", marked.clone()),
            ),
            (
                "wrong CN",
                worker_request(
                    "system:node:edge-1",
                    &[WORKER_GROUP],
                    "system:bootstrap:abcdef",
                    marked.clone(),
                ),
            ),
            (
                "empty name",
                worker_request(
                    WORKER_USER_PREFIX,
                    &[WORKER_GROUP],
                    "system:bootstrap:abcdef",
                    marked.clone(),
                ),
            ),
            (
                "bad name",
                worker_request(
                    "system:nave:worker:Edge_1",
                    &[WORKER_GROUP],
                    "system:bootstrap:abcdef",
                    marked.clone(),
                ),
            ),
            (
                "no worker group",
                worker_request(worker, &["devs"], "system:bootstrap:abcdef", marked.clone()),
            ),
        ] {
            assert!(!auto_approvable(&object), "{case}");
        }
        let mut other_signer = good.clone();
        other_signer["spec"]["signerName"] = json!(SIGNERS[0]);
        assert!(!auto_approvable(&other_signer));
        let mut denied = good.clone();
        denied["status"]["conditions"] = json!([{"type": "Denied", "status": "True"}]);
        assert!(!auto_approvable(&denied));
    }

    #[test]
    fn token_secrets_carry_the_groups() {
        let token = certs::BootstrapToken::parse("abcdef.0123456789abcdef").unwrap();
        let secret = bootstrap_token_secret(&token, None, true, Some("edge"));
        assert_eq!(secret["metadata"]["name"], "bootstrap-token-abcdef");
        let groups = STANDARD
            .decode(secret["data"]["auth-extra-groups"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(groups).unwrap(),
            format!("{BOOTSTRAPPER_GROUP},{AUTO_APPROVE_GROUP}")
        );
        assert!(secret["data"].get("expiration").is_none());
        let plain = bootstrap_token_secret(&token, None, false, None);
        assert_eq!(
            plain["data"]["auth-extra-groups"],
            json!(STANDARD.encode(BOOTSTRAPPER_GROUP))
        );
    }
}
