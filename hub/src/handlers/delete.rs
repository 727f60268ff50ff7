//! DELETE of one object and of collections: DeleteOptions from the body or the query,
//! preconditions, finalizers (the object stays, marked for deletion), dry runs, and the
//! namespaces that may not be deleted.

use axum::response::Response;
use bytes::{BufMut, Bytes, BytesMut};
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::{object_response, parse_resource_version, value_response};
use crate::api::{Ctx, json};
use crate::clusters::PROTECTED_NAMESPACES;
use crate::codec;
use crate::error::{ApiError, Target};
use crate::filters::Filter;
use crate::meta;
use crate::objects::Stored;
use crate::query::dry_run_values;

const RETRIES: usize = 16;

/// DeleteOptions, from the body and the query.
#[derive(Debug, Default)]
struct DeleteOptions {
    uid: Option<String>,
    resource_version: Option<String>,
    dry_run: bool,
    /// The finalizer the propagation policy adds (`foregroundDeletion` or `orphan`).
    finalizer: Option<&'static str>,
    /// `gracePeriodSeconds`, when given.
    grace: Option<i64>,
}

fn options(ctx: &Ctx, body: &[u8]) -> Result<DeleteOptions, ApiError> {
    let mut options = DeleteOptions {
        dry_run: ctx.query.dry_run()?,
        ..DeleteOptions::default()
    };
    let mut policy = ctx.query.non_empty("propagationPolicy").map(str::to_owned);
    if let Some(grace) = ctx.query.non_empty("gracePeriodSeconds") {
        options.grace =
            Some(grace.parse::<i64>().map_err(|_| {
                ApiError::BadRequest(format!("invalid gracePeriodSeconds {grace:?}"))
            })?);
    }
    if !body.iter().all(u8::is_ascii_whitespace) {
        let value: Value = serde_json::from_slice(body).map_err(|error| {
            ApiError::BadRequest(format!(
                "couldn't get version/kind; json parse error: {error}"
            ))
        })?;
        let Value::Object(body) = value else {
            return Err(ApiError::BadRequest(
                "DeleteOptions must be a JSON object".into(),
            ));
        };
        if let Some(kind) = body.get("kind").and_then(Value::as_str)
            && kind != "DeleteOptions"
        {
            return Err(ApiError::BadRequest(format!(
                "expected DeleteOptions, got {kind}"
            )));
        }
        if let Some(values) = body.get("dryRun").and_then(Value::as_array) {
            options.dry_run |= dry_run_values(values.iter().filter_map(Value::as_str))?;
        }
        if let Some(value) = body.get("propagationPolicy").and_then(Value::as_str) {
            policy = Some(value.to_owned());
        }
        if policy.is_none() && body.get("orphanDependents").and_then(Value::as_bool) == Some(true) {
            policy = Some("Orphan".to_owned());
        }
        if let Some(grace) = body.get("gracePeriodSeconds")
            && !grace.is_null()
        {
            options.grace = Some(grace.as_i64().ok_or_else(|| {
                ApiError::BadRequest("gracePeriodSeconds must be an integer".into())
            })?);
        }
        if let Some(preconditions) = body.get("preconditions").and_then(Value::as_object) {
            options.uid = preconditions
                .get("uid")
                .and_then(Value::as_str)
                .map(str::to_owned);
            options.resource_version = preconditions
                .get("resourceVersion")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
    }
    options.finalizer = match policy.as_deref() {
        Some("Foreground") => Some(crate::gc::FOREGROUND),
        Some("Orphan") => Some(crate::gc::ORPHAN),
        _ => None,
    };
    if let Some(policy) = policy
        && !matches!(policy.as_str(), "Orphan" | "Background" | "Foreground")
    {
        return Err(ApiError::invalid(
            "DeleteOptions",
            "meta.k8s.io",
            "",
            "propagationPolicy",
            "FieldValueNotSupported",
            format!(
                "Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            ),
        ));
    }
    Ok(options)
}

/// What a delete did.
enum Outcome {
    /// The object is gone: its last state.
    Gone(Stored, Map<String, Value>),
    /// The object stays, marked for deletion (finalizers pending).
    Marked(Stored),
    /// A dry run: the object as it would be.
    Preview(Map<String, Value>),
}

/// `DELETE …/<name>`.
pub async fn delete(ctx: Ctx, body: Bytes) -> Result<Response, ApiError> {
    if ctx.path.subresource.is_some() {
        return Err(ApiError::NoRoute);
    }
    let options = options(&ctx, &body)?;
    let name = ctx.name().to_owned();
    match delete_one(&ctx, &name, &options).await? {
        Outcome::Gone(_, last) => {
            let mut details = json!({"name": name, "kind": ctx.def.resource});
            if let Some(object) = details.as_object_mut() {
                if !ctx.def.group.is_empty() {
                    object.insert("group".into(), json!(ctx.def.group));
                }
                if let Some(uid) = meta::field(&last, "uid") {
                    object.insert("uid".into(), json!(uid));
                }
            }
            let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details});
            Ok(json(StatusCode::OK, status.to_string()))
        }
        Outcome::Marked(stored) => object_response(&ctx, StatusCode::OK, &stored),
        Outcome::Preview(object) => value_response(&ctx, StatusCode::OK, &object),
    }
}

async fn delete_one(ctx: &Ctx, name: &str, options: &DeleteOptions) -> Result<Outcome, ApiError> {
    if ctx.def.group.is_empty()
        && ctx.def.resource == "namespaces"
        && PROTECTED_NAMESPACES.contains(&name)
    {
        return Err(ApiError::Forbidden {
            target: Some(Target::new("", "namespaces", name)),
            message: format!(
                "namespaces \"{name}\" is forbidden: this namespace may not be deleted"
            ),
            causes: Vec::new(),
        });
    }
    let reference = ctx.object_ref(name);
    for _ in 0..RETRIES {
        let current = ctx.state.objects.get(reference).await?;
        let object = current.object()?;
        if let Some(uid) = &options.uid
            && meta::field(&object, "uid") != Some(uid.as_str())
        {
            return Err(ApiError::Conflict {
                target: Target::new(&ctx.def.group, &ctx.def.resource, name),
                why: format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    meta::field(&object, "uid").unwrap_or("")
                ),
            });
        }
        if let Some(expected) = &options.resource_version {
            let expected_revision = parse_resource_version(Some(expected))?;
            if expected_revision != Some(current.revision) {
                return Err(ApiError::Conflict {
                    target: Target::new(&ctx.def.group, &ctx.def.resource, name),
                    why: format!(
                        "Precondition failed: ResourceVersion in precondition: {expected}, ResourceVersion in object meta: {}",
                        current.revision
                    ),
                });
            }
        }
        let is_namespace = ctx.def.group.is_empty() && ctx.def.resource == "namespaces";
        // Foreground and orphan propagation hold the object with a finalizer the garbage
        // collector removes once dependents are gone or released.
        let propagation = options.finalizer.filter(|_| !is_namespace);
        // A pod bound to a node is deleted gracefully: it stays, marked, until its node's worker
        // confirms it stopped (or a delete with gracePeriodSeconds=0 forces it).
        let graceful = pod_grace(ctx, &object, options.grace);
        if graceful.is_none()
            && meta::is_deleting(&object)
            && options.grace == Some(0)
            && meta::finalizers(&object).is_empty()
            && is_pod(ctx)
        {
            if options.dry_run {
                return Ok(Outcome::Preview(object));
            }
            match ctx
                .state
                .objects
                .delete(reference, Some(current.revision))
                .await
            {
                Ok(stored) => return Ok(gone(ctx, name, stored, object)),
                Err(ApiError::Conflict { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
        let held = !meta::finalizers(&object).is_empty()
            || is_namespace
            || propagation.is_some()
            || graceful.is_some();
        if held {
            if meta::is_deleting(&object) {
                return Ok(Outcome::Marked(current));
            }
            let mut marked = object.clone();
            {
                let metadata = meta::metadata_mut(&mut marked);
                metadata.remove("resourceVersion");
                let grace = graceful.unwrap_or(0);
                let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(grace);
                metadata.insert(
                    "deletionTimestamp".into(),
                    Value::String(at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
                );
                metadata.insert("deletionGracePeriodSeconds".into(), Value::from(grace));
                if let Some(finalizer) = propagation {
                    let mut finalizers = meta::finalizers(&object);
                    if !finalizers.iter().any(|existing| existing == finalizer) {
                        finalizers.push(finalizer.to_owned());
                    }
                    metadata.insert("finalizers".into(), Value::from(finalizers));
                }
            }
            if is_namespace {
                marked.insert("status".into(), json!({"phase": "Terminating"}));
            }
            if options.dry_run {
                return Ok(Outcome::Preview(marked));
            }
            match ctx
                .state
                .objects
                .update(reference, &marked, current.revision)
                .await
            {
                Ok(stored) => return Ok(Outcome::Marked(stored)),
                Err(ApiError::Conflict { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
        if options.dry_run {
            return Ok(Outcome::Preview(object));
        }
        match ctx
            .state
            .objects
            .delete(reference, Some(current.revision))
            .await
        {
            Ok(stored) => return Ok(gone(ctx, name, stored, object)),
            Err(ApiError::Conflict { .. }) => continue,
            Err(error) => return Err(error),
        }
    }
    Err(ApiError::modified(&ctx.def.group, &ctx.def.resource, name))
}

/// `DELETE` of a collection: every object matching the selectors; answers with the list of
/// deleted (or marked) objects.
pub async fn delete_collection(ctx: Ctx, body: Bytes) -> Result<Response, ApiError> {
    let options = options(&ctx, &body)?;
    let filter = Filter::parse(&ctx)?;
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    let mut revision = 0;
    loop {
        let page = ctx
            .state
            .objects
            .list(
                &ctx.def,
                &ctx.cluster,
                ctx.namespace(),
                after.as_deref(),
                500,
                revision,
            )
            .await?;
        revision = page.revision;
        for (key, stored) in &page.items {
            if filter.matches_stored(stored)? {
                names.push((key.clone(), stored.clone()));
            }
        }
        if !page.more {
            break;
        }
        after = page.items.last().map(|(key, _)| key.clone());
    }
    let mut out = BytesMut::new();
    out.put_slice(
        format!(
            "{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":{{}},\"items\":[",
            ctx.def.list_kind,
            ctx.def.api_version()
        )
        .as_bytes(),
    );
    let mut first = true;
    for (key, stored) in names {
        let object = stored.object()?;
        let name = meta::name(&object).to_owned();
        if ctx.def.group.is_empty()
            && ctx.def.resource == "namespaces"
            && PROTECTED_NAMESPACES.contains(&name.as_str())
        {
            continue;
        }
        // Objects listed in another namespace (an all-namespaces deletecollection).
        let namespace = if ctx.def.namespaced && ctx.namespace().is_none() {
            key.split_once('/')
                .map(|(namespace, _)| namespace.to_owned())
        } else {
            ctx.namespace().map(str::to_owned)
        };
        let reference = crate::objects::ObjectRef {
            def: &ctx.def,
            cluster: &ctx.cluster,
            namespace: namespace.as_deref(),
            name: &name,
        };
        let outcome = {
            let scoped = ScopedCtx {
                ctx: &ctx,
                reference,
            };
            scoped.delete(&name, &options).await
        };
        let written = match outcome {
            Ok(Outcome::Gone(stored, _)) | Ok(Outcome::Marked(stored)) => {
                codec::json_with_revision(&stored.bytes, stored.revision)?
            }
            Ok(Outcome::Preview(object)) => {
                Bytes::from(serde_json::to_vec(&object).unwrap_or_default())
            }
            Err(ApiError::NotFound(_)) => continue,
            Err(error) => return Err(error),
        };
        if !first {
            out.put_u8(b',');
        }
        first = false;
        out.put_slice(&written);
    }
    out.put_slice(b"]}");
    Ok(json(StatusCode::OK, out.freeze()))
}

/// A delete of one object found by a collection delete (possibly in another namespace).
struct ScopedCtx<'a> {
    ctx: &'a Ctx,
    reference: crate::objects::ObjectRef<'a>,
}

impl ScopedCtx<'_> {
    async fn delete(&self, name: &str, options: &DeleteOptions) -> Result<Outcome, ApiError> {
        let ctx = self.ctx;
        if self.reference.namespace == ctx.namespace() {
            return delete_one(ctx, name, options).await;
        }
        // All-namespaces collection delete: same logic, scoped to the object's namespace.
        let mut path = ctx.path.clone();
        path.namespace = self.reference.namespace.map(str::to_owned);
        let scoped = Ctx {
            state: ctx.state.clone(),
            cluster: ctx.cluster.clone(),
            def: ctx.def.clone(),
            path,
            query: ctx.query.clone(),
            headers: ctx.headers.clone(),
            accept: ctx.accept,
            identity: ctx.identity.clone(),
        };
        delete_one(&scoped, name, options).await
    }
}

/// A deletion done: the limits learn of it.
fn gone(ctx: &Ctx, name: &str, stored: Stored, object: Map<String, Value>) -> Outcome {
    ctx.state.limits.deleted(
        &ctx.cluster,
        &ctx.def,
        ctx.namespace(),
        name,
        stored.revision,
    );
    Outcome::Gone(stored, object)
}

fn is_pod(ctx: &Ctx) -> bool {
    ctx.def.group.is_empty() && ctx.def.resource == "pods"
}

/// The grace period of a pod's deletion, when it is graceful: the pod is bound to a node and the
/// period (the request's, else the pod's `terminationGracePeriodSeconds`, else 30) is positive.
fn pod_grace(ctx: &Ctx, object: &Map<String, Value>, requested: Option<i64>) -> Option<i64> {
    if !is_pod(ctx) {
        return None;
    }
    let spec = object.get("spec")?;
    let bound = spec
        .get("nodeName")
        .and_then(Value::as_str)
        .is_some_and(|node| !node.is_empty());
    let phase = object
        .get("status")
        .and_then(|status| status.get("phase"))
        .and_then(Value::as_str);
    if !bound || matches!(phase, Some("Succeeded" | "Failed")) {
        return None;
    }
    let grace = requested
        .or_else(|| {
            spec.get("terminationGracePeriodSeconds")
                .and_then(Value::as_i64)
        })
        .unwrap_or(30);
    (grace > 0).then_some(grace)
}
