//! kube-apiserver's rules for CertificateSigningRequests beyond plain storage: the requester's
//! identity recorded on create, the `system:masters` restriction of the kube-apiserver-client
//! signer, what writes to `approval` and `status` may change, and who may approve or sign
//! (the `approve` and `sign` verbs on `certificates.k8s.io` `signers`).

use hub_api::rbac::Attributes;
use serde_json::{Map, Value, json};

use crate::api::Ctx;
use crate::error::{ApiError, Target};

const GROUP: &str = "certificates.k8s.io";
const RESOURCE: &str = "certificatesigningrequests";
const KUBE_APISERVER_CLIENT: &str = "kubernetes.io/kube-apiserver-client";

/// Whether `ctx` addresses CertificateSigningRequests.
pub fn applies(ctx: &Ctx) -> bool {
    ctx.def.group == GROUP && ctx.def.resource == RESOURCE
}

/// On create: records who asks (`spec.username`, `uid`, `groups`; kube's strategy), drops any
/// status the client sent, and refuses a kube-apiserver-client request for `system:masters`.
pub fn prepare_create(ctx: &Ctx, object: &mut Map<String, Value>) -> Result<(), ApiError> {
    object.remove("status");
    let spec = object
        .entry("spec")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(spec) = spec {
        spec.insert("username".into(), json!(ctx.identity.user));
        spec.insert("groups".into(), json!(ctx.identity.groups));
        if ctx.identity.uid.is_empty() {
            spec.remove("uid");
        } else {
            spec.insert("uid".into(), json!(ctx.identity.uid));
        }
        spec.remove("extra");
    }
    let signer = signer_name(object);
    if signer == KUBE_APISERVER_CLIENT
        && let Some(request) = object
            .get("spec")
            .and_then(|spec| spec.get("request"))
            .and_then(Value::as_str)
        && let Some(pem) = decode_base64(request)
        && let Ok(csr) = certs::Csr::from_pem(&pem)
        && csr
            .identity()
            .groups
            .iter()
            .any(|group| group == "system:masters")
    {
        return Err(forbidden(
            object,
            "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed",
        ));
    }
    Ok(())
}

/// On a write of the `approval` or `status` subresource: keeps what that subresource may not
/// change (`approval` changes only conditions; `status` keeps the Approved and Denied
/// conditions), stamps new conditions, and checks the `approve` or `sign` permission.
pub async fn prepare_subresource_update(
    ctx: &Ctx,
    current: &Map<String, Value>,
    next: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let Some(subresource) = ctx.path.subresource.as_deref() else {
        return Ok(());
    };
    let old_status = current.get("status").cloned().unwrap_or_else(|| json!({}));
    let new_status = next.get("status").cloned().unwrap_or_else(|| json!({}));
    let old_conditions = conditions(&old_status);
    let new_conditions = conditions(&new_status);
    let status = match subresource {
        "approval" => {
            let mut status = old_status.as_object().cloned().unwrap_or_default();
            status.insert("conditions".into(), Value::Array(new_conditions));
            status
        }
        "status" => {
            let mut status = new_status.as_object().cloned().unwrap_or_default();
            let mut kept: Vec<Value> = new_conditions
                .into_iter()
                .filter(|condition| !is_decision(condition))
                .collect();
            kept.extend(old_conditions.iter().filter(|c| is_decision(c)).cloned());
            status.insert("conditions".into(), Value::Array(kept));
            status
        }
        _ => return Ok(()),
    };
    let mut status = status;
    stamp(&mut status, &old_conditions);
    if status
        .get("conditions")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        status.remove("conditions");
    }
    next.insert("status".into(), Value::Object(status));
    let verb = match subresource {
        "approval" => Some("approve"),
        "status"
            if current
                .get("status")
                .and_then(|status| status.get("certificate"))
                != next
                    .get("status")
                    .and_then(|status| status.get("certificate")) =>
        {
            Some("sign")
        }
        _ => None,
    };
    if let Some(verb) = verb {
        let signer = signer_name(current);
        if !may_act_for_signer(ctx, verb, &signer).await? {
            return Err(forbidden(
                current,
                &format!("user not permitted to {verb} requests with signerName \"{signer}\""),
            ));
        }
    }
    Ok(())
}

/// kube's `IsAuthorizedForSignerName`: `verb` on `signers` named the signer, or its domain
/// wildcard `example.com/*`.
async fn may_act_for_signer(ctx: &Ctx, verb: &str, signer: &str) -> Result<bool, ApiError> {
    if ctx.identity.is_superuser() {
        return Ok(true);
    }
    let user = crate::authz::user_info(&ctx.identity);
    let mut names = vec![signer.to_owned()];
    if let Some((domain, _)) = signer.split_once('/') {
        names.push(format!("{domain}/*"));
    }
    for name in names {
        let attributes = Attributes::resource(&user, verb, "", GROUP, "signers", "", &name);
        match crate::authz::authorize_attributes(&ctx.state, &ctx.cluster, &attributes).await {
            Ok(()) => return Ok(true),
            Err(ApiError::Forbidden { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(false)
}

fn signer_name(object: &Map<String, Value>) -> String {
    object
        .get("spec")
        .and_then(|spec| spec.get("signerName"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn conditions(status: &Value) -> Vec<Value> {
    status
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn is_decision(condition: &Value) -> bool {
    matches!(
        condition.get("type").and_then(Value::as_str),
        Some("Approved" | "Denied")
    )
}

/// kube's `populateConditionTimestamps`: a condition without `lastUpdateTime` gets now; a
/// condition whose status changed (or is new) without `lastTransitionTime` gets now, else the
/// old one's.
fn stamp(status: &mut Map<String, Value>, old: &[Value]) {
    let now = crate::meta::now();
    let Some(Value::Array(conditions)) = status.get_mut("conditions") else {
        return;
    };
    for condition in conditions.iter_mut() {
        let Value::Object(condition) = condition else {
            continue;
        };
        if condition
            .get("lastUpdateTime")
            .is_none_or(|value| value.is_null())
        {
            condition.insert("lastUpdateTime".into(), json!(now));
        }
        if condition
            .get("lastTransitionTime")
            .is_none_or(|value| value.is_null())
        {
            let previous = old.iter().find(|previous| {
                previous.get("type") == condition.get("type")
                    && previous.get("status") == condition.get("status")
            });
            let time = previous
                .and_then(|previous| previous.get("lastTransitionTime"))
                .cloned()
                .unwrap_or_else(|| json!(now));
            condition.insert("lastTransitionTime".into(), time);
        }
    }
}

fn forbidden(object: &Map<String, Value>, reason: &str) -> ApiError {
    let name = object
        .get("metadata")
        .and_then(|metadata| metadata.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    ApiError::Forbidden {
        target: Some(Target::new(GROUP, RESOURCE, name)),
        message: format!("{RESOURCE}.{GROUP} \"{name}\" is forbidden: {reason}"),
        causes: Vec::new(),
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}
