//! The CertificateSigningRequest signer: one shared worker for every logical cluster, fed by the
//! fan-out. It signs requests that are approved, not denied, not failed and not yet signed, for
//! the client signers the hub serves ([`SIGNERS`]), with the hub CA: client-auth usages only,
//! for `spec.expirationSeconds` (at least 10 minutes, at most and by default a year). The
//! certificate goes to `status.certificate`; a request the signer refuses gets a `Failed`
//! condition (reason `SignerValidationFailure`), as kube-controller-manager's signer does.
//! Requests for other signers are left alone.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use certs::{Ca, Csr, Usage};
use hub_api::registry::ResourceDef;
use serde_json::{Map, Value, json};
use storage::ListRequest;
use tokio::sync::mpsc;

use crate::catalog::Catalog;
use crate::codec;
use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::keys;
use crate::meta;
use crate::objects::{ObjectRef, Objects};

/// The signer names this controller signs for.
pub const SIGNERS: &[&str] = &[
    "kubernetes.io/kube-apiserver-client",
    "nave.dev/worker-client",
];

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
    let prefix = keys::resource_prefix(&def);
    let mut subscription = fanout
        .subscribe(&prefix, fanout.position())
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    let (queue, mut work) = mpsc::unbounded_channel::<(String, String)>();

    // Requests already waiting when the hub starts.
    let existing = objects.store().list(ListRequest::prefix(&prefix)).await?;
    for kv in existing.kvs {
        if let Some(parts) = keys::split_key(&kv.key, &prefix, false)
            && codec::decode(&kv.value, kv.mod_revision).is_ok_and(|object| pending(&object))
        {
            let _ = queue.send((parts.cluster.to_owned(), parts.name.to_owned()));
        }
    }
    let watcher_queue = queue.clone();
    let watch_prefix = prefix.clone();
    tokio::spawn(async move {
        while let Some(Ok(change)) = subscription.next().await {
            if change.deleted {
                continue;
            }
            if let Some(parts) = keys::split_key(&change.key, &watch_prefix, false)
                && codec::decode(&change.value, change.revision)
                    .is_ok_and(|object| pending(&object))
                && watcher_queue
                    .send((parts.cluster.to_owned(), parts.name.to_owned()))
                    .is_err()
            {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut queued: HashSet<(String, String)> = HashSet::new();
        while let Some(item) = work.recv().await {
            queued.insert(item);
            while let Ok(item) = work.try_recv() {
                queued.insert(item);
            }
            let batch: BTreeSet<(String, String)> = queued.drain().collect();
            for (cluster, name) in batch {
                if let Err(error) = process(&objects, &def, &ca, &cluster, &name).await {
                    tracing::warn!(%cluster, csr = %name, %error, "signing failed; retrying");
                    let queue = queue.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(RETRY).await;
                        let _ = queue.send((cluster, name));
                    });
                }
            }
        }
    });
    Ok(())
}

/// Reads one request, decides, and writes the outcome to its status. A conflict is left to the
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
    match decide(ca, &object) {
        Decision::Skip => return Ok(()),
        Decision::Sign(cert_pem) => {
            status_mut(&mut object).insert(
                "certificate".into(),
                Value::String(STANDARD.encode(cert_pem.as_bytes())),
            );
            tracing::info!(%cluster, csr = %name, "signed a certificate signing request");
        }
        Decision::Fail(message) => {
            let status = status_mut(&mut object);
            let conditions = status
                .entry("conditions")
                .or_insert_with(|| Value::Array(Vec::new()));
            if !conditions.is_array() {
                *conditions = Value::Array(Vec::new());
            }
            if let Value::Array(conditions) = conditions {
                conditions.push(json!({
                    "type": "Failed",
                    "status": "True",
                    "reason": "SignerValidationFailure",
                    "message": message,
                    "lastUpdateTime": now,
                    "lastTransitionTime": now,
                }));
            }
            tracing::info!(%cluster, csr = %name, %message, "refused a certificate signing request");
        }
    }
    meta::metadata_mut(&mut object).remove("resourceVersion");
    match objects.update(reference, &object, stored.revision).await {
        Ok(_) | Err(ApiError::NotFound(_) | ApiError::Conflict { .. }) => Ok(()),
        Err(error) => Err(error),
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
    let condition = |kind: &str| {
        status
            .and_then(|status| status.get("conditions"))
            .and_then(Value::as_array)
            .is_some_and(|conditions| {
                conditions.iter().any(|condition| {
                    condition.get("type").and_then(Value::as_str) == Some(kind)
                        && condition.get("status").and_then(Value::as_str) == Some("True")
                })
            })
    };
    condition("Approved") && !condition("Denied") && !condition("Failed")
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
}
