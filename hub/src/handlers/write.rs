//! Writes: create (POST), update (PUT) and patch (PATCH) of objects and of their `status`,
//! `scale` and `finalize` subresources, with kube-apiserver's server-set fields, preconditions,
//! field validation, dry runs and namespace lifecycle checks.

use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Map, Value};
use storage::Revision;

use super::certificates;
use super::{object_response, parse_resource_version, value_response};
use crate::api::{Ctx, add_warnings};
use crate::error::{ApiError, Cause, Target};
use crate::meta;
use crate::negotiate::{self, BodyType};
use crate::objects::{ObjectRef, Stored};
use crate::scale;

/// How many times an update without a precondition retries after losing a race.
const RETRIES: usize = 16;

/// What a write changes of the stored object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// The object, except its status when it has a status subresource.
    Main,
    /// Only `.status`.
    Status,
    /// Only `.spec.finalizers` (namespaces' `finalize`).
    Finalize,
}

/// `POST` to a collection.
pub async fn create(ctx: Ctx, body: Bytes) -> Result<Response, ApiError> {
    let body_type = negotiate::body_type(&ctx.headers)?;
    create_object(ctx, &body, body_type, Track::Update).await
}

async fn create_object(
    ctx: Ctx,
    body: &[u8],
    body_type: BodyType,
    tracking: Track,
) -> Result<Response, ApiError> {
    let (mut object, warnings) = incoming(
        &ctx,
        body,
        body_type,
        &ctx.def.kind.clone(),
        &ctx.def.api_version(),
    )?;
    let dry_run = ctx.query.dry_run()?;

    // Namespace: from the URL; a different one in the body is an error.
    let body_namespace = meta::field(&object, "namespace").map(str::to_owned);
    if ctx.def.namespaced {
        let namespace = ctx.namespace().unwrap_or("").to_owned();
        if namespace.is_empty() {
            return Err(ApiError::NoRoute);
        }
        if body_namespace
            .as_deref()
            .is_some_and(|body| !body.is_empty() && body != namespace)
        {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        meta::metadata_mut(&mut object).insert("namespace".into(), Value::String(namespace));
    } else {
        meta::metadata_mut(&mut object).remove("namespace");
    }

    let generate = meta::field(&object, "generateName")
        .filter(|prefix| !prefix.is_empty())
        .map(str::to_owned);
    if meta::name(&object).is_empty() && generate.is_none() {
        return Err(ApiError::invalid(
            &ctx.def.kind,
            &ctx.def.group,
            "",
            "metadata.name",
            "FieldValueRequired",
            "Required value: name or generateName is required",
        ));
    }
    let attempts = if generate.is_some() && meta::name(&object).is_empty() {
        5
    } else {
        1
    };
    // A generated name is chosen first, so admission sees the name the object will have.
    if let Some(prefix) = &generate
        && meta::name(&object).is_empty()
    {
        meta::metadata_mut(&mut object)
            .insert("name".into(), Value::String(meta::generate_name(prefix)));
    }
    initialize(&ctx, &mut object);
    if certificates::applies(&ctx) {
        certificates::prepare_create(&ctx, &mut object)?;
    }
    let mut warnings = warnings;
    warnings.extend(admit(&ctx, &mut object, None)?);
    crate::authz::check_write(&ctx, &object, None).await?;
    if tracking == Track::Update {
        track(&ctx, None, &mut object)?;
    }
    if let Some(namespace) = ctx.namespace() {
        check_namespace_open(&ctx, namespace, meta::name(&object)).await?;
    }

    for attempt in 0..attempts {
        if let Some(prefix) = &generate
            && attempt > 0
        {
            meta::metadata_mut(&mut object)
                .insert("name".into(), Value::String(meta::generate_name(prefix)));
        }
        let name = meta::name(&object).to_owned();
        let causes = meta::validate_name(
            &name,
            meta::name_rule(&ctx.def.group, &ctx.def.resource),
            "metadata.name",
        );
        if !causes.is_empty() {
            return Err(ApiError::Invalid {
                kind: ctx.def.kind.clone(),
                group: ctx.def.group.clone(),
                name,
                causes,
            });
        }
        if dry_run {
            // A dry run checks everything a create would, the name's availability included.
            if ctx
                .state
                .objects
                .find(ctx.object_ref(&name))
                .await?
                .is_some()
            {
                return Err(ApiError::AlreadyExists(Target::new(
                    &ctx.def.group,
                    &ctx.def.resource,
                    &name,
                )));
            }
            let mut response = value_response(&ctx, StatusCode::CREATED, &object)?;
            add_warnings(&mut response, &warnings);
            return Ok(response);
        }
        let admission = ctx
            .state
            .limits
            .admit(&ctx.cluster, &ctx.def, ctx.namespace(), &name)
            .await?;
        match ctx
            .state
            .objects
            .create(ctx.object_ref(&name), &object)
            .await
        {
            Ok(stored) => {
                admission.created(stored.revision);
                ctx.state.limits.written(&ctx.cluster, &ctx.def, &stored);
                let mut response = object_response(&ctx, StatusCode::CREATED, &stored)?;
                add_warnings(&mut response, &warnings);
                return Ok(response);
            }
            Err(ApiError::AlreadyExists(_)) if attempt + 1 < attempts => continue,
            Err(error) => return Err(error),
        }
    }
    Err(ApiError::Internal(
        "could not generate a unique name".into(),
    ))
}

/// `PUT` of an object or subresource.
pub async fn update(ctx: Ctx, body: Bytes) -> Result<Response, ApiError> {
    let body_type = negotiate::body_type(&ctx.headers)?;
    match ctx.path.subresource.as_deref() {
        Some("scale") => {
            let (scale_object, warnings) =
                incoming(&ctx, &body, body_type, "Scale", "autoscaling/v1")?;
            check_identity(&ctx, &scale_object, false)?;
            let precondition =
                parse_resource_version(meta::field(&scale_object, "resourceVersion"))?
                    .filter(|rv| *rv > 0);
            write_loop(&ctx, precondition, warnings, Track::Update, |_, current| {
                scale::apply(&ctx.def, current, &scale_object)
            })
            .await
        }
        Some(sub @ ("status" | "finalize" | "approval")) => {
            let part = if sub == "finalize" {
                Part::Finalize
            } else {
                Part::Status
            };
            let (object, warnings) = incoming(
                &ctx,
                &body,
                body_type,
                &ctx.def.kind.clone(),
                &ctx.def.api_version(),
            )?;
            check_identity(&ctx, &object, true)?;
            let precondition = parse_resource_version(meta::field(&object, "resourceVersion"))?
                .filter(|rv| *rv > 0);
            require_resource_version(&ctx, &object, precondition)?;
            write_loop(
                &ctx,
                precondition,
                warnings,
                Track::Update,
                |ctx, current| Ok(merge(ctx, part, current, object.clone())),
            )
            .await
        }
        Some(_) => Err(ApiError::NoRoute),
        None => {
            let (object, warnings) = incoming(
                &ctx,
                &body,
                body_type,
                &ctx.def.kind.clone(),
                &ctx.def.api_version(),
            )?;
            check_identity(&ctx, &object, true)?;
            let precondition = parse_resource_version(meta::field(&object, "resourceVersion"))?
                .filter(|rv| *rv > 0);
            require_resource_version(&ctx, &object, precondition)?;
            write_loop(
                &ctx,
                precondition,
                warnings,
                Track::Update,
                |ctx, current| Ok(merge(ctx, Part::Main, current, object.clone())),
            )
            .await
        }
    }
}

/// `PATCH` of an object or subresource: JSON patch, merge patch, and (until strategic merge
/// patch lands) strategic merge patch applied as a merge patch.
pub async fn patch(ctx: Ctx, body: Bytes) -> Result<Response, ApiError> {
    let body_type = negotiate::body_type(&ctx.headers)?;
    let decode = |body: &[u8]| -> Result<Value, ApiError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|error| ApiError::BadRequest(format!("error decoding patch: {error}")))?;
        if !value.is_object() {
            return Err(ApiError::BadRequest(
                "error decoding patch: the patch must be a JSON object".into(),
            ));
        }
        Ok(value)
    };
    let patch = match body_type {
        BodyType::JsonPatch => {
            let operations: json_patch::Patch = serde_json::from_slice(&body)
                .map_err(|error| ApiError::BadRequest(format!("error decoding patch: {error}")))?;
            Patch::Json(operations)
        }
        BodyType::StrategicMergePatch if is_custom(&ctx) => {
            return Err(ApiError::UnsupportedMediaType(
                "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml".into(),
            ));
        }
        BodyType::StrategicMergePatch => Patch::Strategic(decode(&body)?),
        BodyType::MergePatch => Patch::Merge(decode(&body)?),
        BodyType::ApplyPatch => return apply(ctx, body).await,
        BodyType::Json | BodyType::Yaml | BodyType::Protobuf => {
            return Err(ApiError::UnsupportedMediaType(
                "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json".into(),
            ));
        }
    };
    // A resourceVersion in a merge patch is a precondition.
    let precondition = match &patch {
        Patch::Merge(value) | Patch::Strategic(value) => parse_resource_version(
            value
                .get("metadata")
                .and_then(|metadata| metadata.get("resourceVersion"))
                .and_then(Value::as_str),
        )?
        .filter(|rv| *rv > 0),
        Patch::Json(_) => None,
    };
    let field_validation = FieldValidation::parse(&ctx)?;
    let subresource = ctx.path.subresource.clone();
    let mut warnings_out = Vec::new();
    let response = write_loop(&ctx, precondition, Vec::new(), Track::Update, |ctx, current| {
        let (view, kind, api_version) = subresource_view(ctx, current, subresource.as_deref())?;
        let mut document = Value::Object(view);
        match &patch {
            Patch::Json(operations) => json_patch::patch(&mut document, operations).map_err(|error| {
                ApiError::Unprocessable(format!("the server rejected our request due to an error in our request: {error}"))
            })?,
            Patch::Merge(value) => json_patch::merge(&mut document, value),
            Patch::Strategic(value) => {
                let (group, version) = split_api_version(&api_version);
                let root = hub_api::typeinfo::for_kind(group, version, &kind)
                    .unwrap_or(hub_api::typeinfo::TypeRef::UNKNOWN);
                document = hub_api::patch::strategic::apply(&document, value, root).map_err(|error| {
                    match error.status_code() {
                        400 => ApiError::BadRequest(error.to_string()),
                        422 => ApiError::Unprocessable(error.to_string()),
                        _ => ApiError::Internal(error.to_string()),
                    }
                })?;
            }
        }
        let Value::Object(patched) = document else {
            return Err(ApiError::Unprocessable("the patched object is not a JSON object".into()));
        };
        let (patched, warnings) = normalize(ctx, patched, &kind, &api_version, field_validation)?;
        warnings_out = warnings;
        check_identity(ctx, &patched, false)?;
        apply_to_part(ctx, current, patched, subresource.as_deref())
    })
    .await?;
    let mut response = response;
    add_warnings(&mut response, &warnings_out);
    Ok(response)
}

/// The document a patch of `subresource` applies to: the object (less its resourceVersion),
/// or its Scale; with its kind and apiVersion.
fn subresource_view(
    ctx: &Ctx,
    current: &Map<String, Value>,
    subresource: Option<&str>,
) -> Result<(Map<String, Value>, String, String), ApiError> {
    match subresource {
        Some("scale") => Ok((
            scale::view(&ctx.def, current)?,
            "Scale".to_owned(),
            "autoscaling/v1".to_owned(),
        )),
        None | Some("status" | "finalize" | "approval") => {
            let mut view = current.clone();
            meta::metadata_mut(&mut view).remove("resourceVersion");
            Ok((view, ctx.def.kind.clone(), ctx.def.api_version()))
        }
        Some(_) => Err(ApiError::NoRoute),
    }
}

/// Writes a patched document back into the part of `current` the subresource owns.
fn apply_to_part(
    ctx: &Ctx,
    current: &Map<String, Value>,
    patched: Map<String, Value>,
    subresource: Option<&str>,
) -> Result<Map<String, Value>, ApiError> {
    match subresource {
        Some("scale") => scale::apply(&ctx.def, current, &patched),
        Some("finalize") => Ok(merge(ctx, Part::Finalize, current, patched)),
        Some(_) => Ok(merge(ctx, Part::Status, current, patched)),
        None => Ok(merge(ctx, Part::Main, current, patched)),
    }
}

fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

enum Patch {
    Json(json_patch::Patch),
    Merge(Value),
    Strategic(Value),
}

/// Server-side apply (`application/apply-patch+yaml`): merges the applied configuration into
/// the live object with field ownership, creating the object if it does not exist.
async fn apply(ctx: Ctx, body: Bytes) -> Result<Response, ApiError> {
    let Some(manager) = ctx.query.non_empty("fieldManager").map(str::to_owned) else {
        return Err(ApiError::invalid(
            "PatchOptions",
            "meta.k8s.io",
            "",
            "fieldManager",
            "FieldValueRequired",
            "Required value: is required for apply patch",
        ));
    };
    let force = ctx.query.flag("force")?;
    let applied: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::BadRequest("the apply body is not UTF-8".into()))?;
            serde_saphyr::from_str(text)
                .map_err(|error| ApiError::BadRequest(format!("error decoding YAML: {error}")))?
        }
    };
    if !applied.is_object() {
        return Err(ApiError::BadRequest(
            "the applied configuration must be an object".into(),
        ));
    }
    let subresource = ctx.path.subresource.clone();
    let (kind, api_version) = match subresource.as_deref() {
        Some("scale") => ("Scale".to_owned(), "autoscaling/v1".to_owned()),
        _ => (ctx.def.kind.clone(), ctx.def.api_version()),
    };
    let field_validation = FieldValidation::parse(&ctx)?;
    let now = meta::now();
    let custom_schema = custom_typeinfo(&ctx);
    let reset: &[&str] = match subresource.as_deref() {
        Some("status") => &["spec"],
        None if ctx.def.has_status() => &["status"],
        _ => &[],
    };
    let write = hub_api::patch::apply::Write {
        manager: &manager,
        subresource: subresource.as_deref().unwrap_or(""),
        force,
        now: &now,
        reset_fields: reset,
    };
    let root = |custom: &Option<hub_api::typeinfo::Schema>| -> hub_api::typeinfo::TypeRef<'static> {
        let _ = custom;
        let (group, version) = split_api_version(&api_version);
        hub_api::typeinfo::for_kind(group, version, &kind)
            .unwrap_or(hub_api::typeinfo::TypeRef::UNKNOWN)
    };
    let map_error = |error: hub_api::patch::apply::ApplyError| match error.status_code() {
        409 => ApiError::ApplyConflict {
            message: error.to_string(),
            causes: error
                .causes()
                .into_iter()
                .map(|(reason, message, field)| Cause {
                    reason: reason.to_owned(),
                    message,
                    field,
                })
                .collect(),
        },
        400 => ApiError::BadRequest(error.to_string()),
        _ => ApiError::Internal(error.to_string()),
    };
    // Apply creates an object that does not exist.
    let name = ctx.name().to_owned();
    if subresource.is_none()
        && ctx
            .state
            .objects
            .find(ctx.object_ref(&name))
            .await?
            .is_none()
    {
        let type_ref = custom_schema
            .as_ref()
            .and_then(|schema| schema.named(&kind))
            .unwrap_or_else(|| root(&custom_schema));
        let created = hub_api::patch::apply::apply_with(None, &applied, &write, type_ref)
            .map_err(map_error)?;
        let Value::Object(created) = created else {
            return Err(ApiError::Internal("apply produced a non-object".into()));
        };
        let body = Bytes::from(serde_json::to_vec(&created).unwrap_or_default());
        let ctx = ctx;
        return create_object(ctx, &body, BodyType::Json, Track::None).await;
    }
    let mut warnings_out = Vec::new();
    let response = write_loop(&ctx, None, Vec::new(), Track::None, |ctx, current| {
        let (view, _, _) = subresource_view(ctx, current, subresource.as_deref())?;
        let type_ref = custom_schema
            .as_ref()
            .and_then(|schema| schema.named(&kind))
            .unwrap_or_else(|| root(&custom_schema));
        let result = hub_api::patch::apply::apply_with(
            Some(&Value::Object(view)),
            &applied,
            &write,
            type_ref,
        )
        .map_err(map_error)?;
        let Value::Object(result) = result else {
            return Err(ApiError::Internal("apply produced a non-object".into()));
        };
        let (result, warnings) = normalize(ctx, result, &kind, &api_version, field_validation)?;
        warnings_out = warnings;
        check_identity(ctx, &result, false)?;
        let mut next = apply_to_part(ctx, current, result.clone(), subresource.as_deref())?;
        // Subresource writes keep the object's metadata, but the managed fields are the apply's.
        if let Some(managed) =
            meta::metadata(&result).and_then(|metadata| metadata.get("managedFields"))
        {
            meta::metadata_mut(&mut next).insert("managedFields".into(), managed.clone());
        }
        Ok(next)
    })
    .await?;
    let mut response = response;
    add_warnings(&mut response, &warnings_out);
    Ok(response)
}

/// The type information of a custom resource's schema, for apply.
fn custom_typeinfo(ctx: &Ctx) -> Option<hub_api::typeinfo::Schema> {
    let custom = ctx.state.catalog.custom(
        &ctx.cluster,
        &ctx.def.group,
        &ctx.def.version,
        &ctx.def.resource,
    )?;
    let schema = custom
        .crd
        .pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|version| {
            version.get("name").and_then(Value::as_str) == Some(custom.version.as_str())
        })?
        .pointer("/schema/openAPIV3Schema")?;
    Some(hub_api::typeinfo::Schema::from_openapi(
        &ctx.def.kind,
        schema,
    ))
}

/// Whether a write records its manager in managedFields as an Update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Track {
    /// Record an Update by the request's field manager.
    Update,
    /// Already recorded (server-side apply).
    None,
}

/// The field manager of a non-apply write: `fieldManager`, else the User-Agent's program name,
/// as kube-apiserver derives it.
fn update_manager(ctx: &Ctx) -> String {
    if let Some(manager) = ctx.query.non_empty("fieldManager") {
        return manager.to_owned();
    }
    let agent = ctx
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let program = agent.split('/').next().unwrap_or("").trim();
    if program.is_empty() {
        "unknown".to_owned()
    } else {
        program.chars().take(128).collect()
    }
}

/// Records the write in managedFields (an Update by the request's manager).
fn track(
    ctx: &Ctx,
    old: Option<&Map<String, Value>>,
    next: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let manager = update_manager(ctx);
    let now = meta::now();
    let subresource = match ctx.path.subresource.as_deref() {
        Some("status") => "status",
        Some("scale") => "scale",
        _ => "",
    };
    let write = hub_api::patch::apply::Write {
        manager: &manager,
        subresource,
        force: false,
        now: &now,
        reset_fields: &[],
    };
    let custom = custom_typeinfo(ctx);
    let root = match &custom {
        Some(schema) => schema
            .named(&ctx.def.kind)
            .unwrap_or(hub_api::typeinfo::TypeRef::UNKNOWN),
        None => hub_api::typeinfo::for_kind(&ctx.def.group, &ctx.def.version, &ctx.def.kind)
            .unwrap_or(hub_api::typeinfo::TypeRef::UNKNOWN),
    };
    let old_value = old.map(|old| Value::Object(old.clone()));
    let tracked = hub_api::patch::apply::record_update_with(
        old_value.as_ref(),
        &Value::Object(next.clone()),
        &write,
        root,
    )
    .map_err(|error| ApiError::Internal(error.to_string()))?;
    if let Value::Object(tracked) = tracked {
        *next = tracked;
    }
    Ok(())
}

/// Reads the current object, computes the new one with `change`, and writes it with a
/// compare-and-swap, retrying on a lost race unless the client gave a precondition.
async fn write_loop(
    ctx: &Ctx,
    precondition: Option<Revision>,
    warnings: Vec<String>,
    tracking: Track,
    mut change: impl FnMut(&Ctx, &Map<String, Value>) -> Result<Map<String, Value>, ApiError>,
) -> Result<Response, ApiError> {
    let mut warnings = warnings;
    let dry_run = ctx.query.dry_run()?;
    let name = ctx.name().to_owned();
    let reference = ctx.object_ref(&name);
    for _ in 0..RETRIES {
        let current_stored = ctx.state.objects.get(reference).await?;
        if let Some(expected) = precondition
            && expected != current_stored.revision
        {
            return Err(ApiError::modified(&ctx.def.group, &ctx.def.resource, &name));
        }
        let current = current_stored.object()?;
        let mut next = change(ctx, &current)?;
        meta::metadata_mut(&mut next).remove("resourceVersion");
        if certificates::applies(ctx) {
            certificates::prepare_subresource_update(ctx, &current, &mut next).await?;
        }
        let admitted = admit(ctx, &mut next, Some(&current))?;
        crate::authz::check_write(ctx, &next, Some(&current)).await?;
        if tracking == Track::Update {
            track(ctx, Some(&current), &mut next)?;
        }
        for warning in admitted {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        let respond = |ctx: &Ctx, stored: &Stored| -> Result<Response, ApiError> {
            let mut response = match ctx.path.subresource.as_deref() {
                Some("scale") => value_response(
                    ctx,
                    StatusCode::OK,
                    &scale::view(&ctx.def, &stored.object()?)?,
                )?,
                _ => object_response(ctx, StatusCode::OK, stored)?,
            };
            add_warnings(&mut response, &warnings);
            Ok(response)
        };
        // The last finalizer of a deleting object removed: the object goes.
        let finished = meta::is_deleting(&next)
            && meta::finalizers(&next).is_empty()
            && !namespace_holds(ctx, &next);
        if dry_run {
            let mut preview = next.clone();
            meta::metadata_mut(&mut preview).insert(
                "resourceVersion".into(),
                Value::String(current_stored.revision.to_string()),
            );
            let stored = Stored {
                bytes: crate::codec::encode(&preview),
                revision: current_stored.revision,
            };
            return respond(ctx, &stored);
        }
        let unchanged = crate::codec::encode(&next) == current_stored.bytes;
        if unchanged && !finished {
            return respond(ctx, &current_stored);
        }
        let result = if finished {
            ctx.state
                .objects
                .delete(reference, Some(current_stored.revision))
                .await
        } else {
            ctx.state
                .objects
                .update(reference, &next, current_stored.revision)
                .await
        };
        match result {
            Ok(stored) => {
                if finished {
                    ctx.state.limits.deleted(
                        &ctx.cluster,
                        &ctx.def,
                        ctx.namespace(),
                        &name,
                        stored.revision,
                    );
                } else {
                    ctx.state.limits.written(&ctx.cluster, &ctx.def, &stored);
                }
                let stored = if finished {
                    Stored {
                        bytes: crate::codec::encode(&next),
                        revision: stored.revision,
                    }
                } else {
                    stored
                };
                return respond(ctx, &stored);
            }
            Err(ApiError::Conflict { .. }) if precondition.is_none() => continue,
            Err(error) => return Err(error),
        }
    }
    Err(ApiError::modified(&ctx.def.group, &ctx.def.resource, &name))
}

/// Whether a namespace object still waits for its contents to be deleted (spec.finalizers).
fn namespace_holds(ctx: &Ctx, object: &Map<String, Value>) -> bool {
    ctx.def.group.is_empty()
        && ctx.def.resource == "namespaces"
        && object
            .get("spec")
            .and_then(|spec| spec.get("finalizers"))
            .and_then(Value::as_array)
            .is_some_and(|finalizers| !finalizers.is_empty())
}

/// The new stored object for an update of `part` of `current` with `incoming`.
fn merge(
    ctx: &Ctx,
    part: Part,
    current: &Map<String, Value>,
    incoming: Map<String, Value>,
) -> Map<String, Value> {
    let def = &ctx.def;
    let mut next = match part {
        Part::Main => {
            let mut next = incoming;
            if def.has_status() {
                match current.get("status") {
                    Some(status) => next.insert("status".into(), status.clone()),
                    None => next.remove("status"),
                };
            }
            if def.group.is_empty() && def.resource == "namespaces" {
                // Namespace spec (finalizers) changes only through `finalize`.
                match current.get("spec") {
                    Some(spec) => next.insert("spec".into(), spec.clone()),
                    None => next.remove("spec"),
                };
            }
            next
        }
        Part::Status => {
            let mut next = current.clone();
            match incoming.get("status") {
                Some(status) => next.insert("status".into(), status.clone()),
                None => next.remove("status"),
            };
            next
        }
        Part::Finalize => {
            let mut next = current.clone();
            let finalizers = incoming
                .get("spec")
                .and_then(|spec| spec.get("finalizers"))
                .cloned();
            let spec = next
                .entry("spec")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(spec) = spec {
                match finalizers {
                    Some(finalizers) => spec.insert("finalizers".into(), finalizers),
                    None => spec.remove("finalizers"),
                };
            }
            next
        }
    };
    // Fields only the server sets are kept from the stored object.
    let current_meta = meta::metadata(current).cloned().unwrap_or_default();
    {
        let metadata = meta::metadata_mut(&mut next);
        for field in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "namespace",
            "name",
        ] {
            match current_meta.get(field) {
                Some(value) => metadata.insert(field.into(), value.clone()),
                None => metadata.remove(field),
            };
        }
        if part != Part::Main {
            // Status and finalize writes leave metadata as it was.
            *metadata = current_meta.clone();
        }
    }
    if def.group.is_empty() && def.resource == "namespaces" {
        enforce_namespace_label(&mut next);
    }
    if def.generation && part == Part::Main && spec_changed(current, &next) {
        let generation = current_meta
            .get("generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        meta::metadata_mut(&mut next).insert("generation".into(), Value::from(generation + 1));
    }
    next
}

/// Whether anything outside metadata and status differs.
fn spec_changed(old: &Map<String, Value>, new: &Map<String, Value>) -> bool {
    let skip = |key: &str| matches!(key, "metadata" | "status" | "apiVersion" | "kind");
    let old_fields: Vec<(&String, &Value)> = old.iter().filter(|(key, _)| !skip(key)).collect();
    let new_fields: Vec<(&String, &Value)> = new.iter().filter(|(key, _)| !skip(key)).collect();
    old_fields != new_fields
}

/// Server-set fields of a new object.
fn initialize(ctx: &Ctx, object: &mut Map<String, Value>) {
    let def = &ctx.def;
    {
        let metadata = meta::metadata_mut(object);
        for field in [
            "resourceVersion",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            metadata.remove(field);
        }
        metadata.insert(
            "uid".into(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
        metadata.insert("creationTimestamp".into(), Value::String(meta::now()));
        if def.generation {
            metadata.insert("generation".into(), Value::from(1));
        } else {
            metadata.remove("generation");
        }
    }
    if def.has_status() {
        object.remove("status");
    }
    match (def.group.as_str(), def.resource.as_str()) {
        ("", "namespaces") => {
            let spec = object
                .entry("spec")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(spec) = spec {
                spec.insert(
                    "finalizers".into(),
                    Value::Array(vec![Value::String("kubernetes".into())]),
                );
            }
            object.insert("status".into(), serde_json::json!({"phase": "Active"}));
            enforce_namespace_label(object);
        }
        ("", "pods") => {
            object.insert("status".into(), serde_json::json!({"phase": "Pending"}));
        }
        _ => {}
    }
}

fn enforce_namespace_label(object: &mut Map<String, Value>) {
    let name = meta::name(object).to_owned();
    let metadata = meta::metadata_mut(object);
    let labels = metadata
        .entry("labels")
        .or_insert_with(|| Value::Object(Map::new()));
    if !labels.is_object() {
        *labels = Value::Object(Map::new());
    }
    if let Value::Object(labels) = labels {
        labels.insert("kubernetes.io/metadata.name".into(), Value::String(name));
    }
}

/// Refuses to create in a missing or terminating namespace.
async fn check_namespace_open(ctx: &Ctx, namespace: &str, name: &str) -> Result<(), ApiError> {
    let namespaces = ctx
        .state
        .catalog
        .builtin()
        .lookup("", "v1", "namespaces")
        .ok_or(ApiError::NoRoute)?;
    let reference = ObjectRef {
        def: namespaces,
        cluster: &ctx.cluster,
        namespace: None,
        name: namespace,
    };
    let stored = ctx.state.objects.get(reference).await?;
    let object = stored.object()?;
    let terminating = meta::is_deleting(&object)
        || object
            .get("status")
            .and_then(|status| status.get("phase"))
            .and_then(Value::as_str)
            == Some("Terminating");
    if terminating {
        return Err(ApiError::Forbidden {
            target: Some(Target::new(&ctx.def.group, &ctx.def.resource, name)),
            message: format!(
                "{} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated",
                ctx.def.group_resource()
            ),
            causes: vec![Cause {
                reason: "NamespaceTerminating".into(),
                message: format!("namespace {namespace} is being terminated"),
                field: "metadata.namespace".into(),
            }],
        });
    }
    Ok(())
}

/// Checks the name and namespace in a body against the URL (filling them when absent).
fn check_identity(ctx: &Ctx, object: &Map<String, Value>, fill: bool) -> Result<(), ApiError> {
    let name = meta::name(object);
    if !name.is_empty() && name != ctx.name() {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            ctx.name()
        )));
    }
    if !fill && name.is_empty() {
        return Ok(());
    }
    if let (Some(body), Some(url)) = (meta::field(object, "namespace"), ctx.namespace())
        && !body.is_empty()
        && body != url
    {
        return Err(ApiError::BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
                .into(),
        ));
    }
    Ok(())
}

/// `fieldValidation`: what to do with unknown fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

impl FieldValidation {
    fn parse(ctx: &Ctx) -> Result<Self, ApiError> {
        match ctx.query.get("fieldValidation").unwrap_or("") {
            "" | "Warn" => Ok(FieldValidation::Warn),
            "Ignore" => Ok(FieldValidation::Ignore),
            "Strict" => Ok(FieldValidation::Strict),
            other => Err(ApiError::BadRequest(format!(
                "fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""
            ))),
        }
    }
}

/// Decodes a request body (JSON or YAML) as `kind`, applying field validation; returns the
/// object and any warnings.
fn incoming(
    ctx: &Ctx,
    body: &[u8],
    body_type: BodyType,
    kind: &str,
    api_version: &str,
) -> Result<(Map<String, Value>, Vec<String>), ApiError> {
    let field_validation = FieldValidation::parse(ctx)?;
    let (object, _) = incoming_raw(body, body_type, kind, api_version)?;
    normalize(ctx, object, kind, api_version, field_validation)
}

/// Decodes a request body (JSON, YAML or protobuf) into a JSON object, without checks.
fn incoming_raw(
    body: &[u8],
    body_type: BodyType,
    kind: &str,
    api_version: &str,
) -> Result<(Map<String, Value>, ()), ApiError> {
    let value: Value = match body_type {
        BodyType::Json => serde_json::from_slice(body).map_err(|error| {
            ApiError::BadRequest(format!(
                "couldn't get version/kind; json parse error: {error}"
            ))
        })?,
        BodyType::Yaml => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::BadRequest("the request body is not valid UTF-8".into()))?;
            serde_saphyr::from_str(text).map_err(|error| {
                ApiError::BadRequest(format!("error converting YAML to JSON: {error}"))
            })?
        }
        BodyType::Protobuf => {
            let (_, _, value) = hub_api::protobuf::decode_object_with_defaults(
                body,
                api_version,
                kind,
            )
            .map_err(|error| {
                if error.is_unsupported_media_type() {
                    ApiError::UnsupportedMediaType("application/json, application/yaml".into())
                } else {
                    ApiError::BadRequest(error.to_string())
                }
            })?;
            value
        }
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "application/json, application/yaml, application/vnd.kubernetes.protobuf".into(),
            ));
        }
    };
    let Value::Object(object) = value else {
        return Err(ApiError::BadRequest(format!(
            "couldn't get version/kind; json parse error: the body is not a JSON object: {}",
            crate::api::snippet(body)
        )));
    };
    Ok((object, ()))
}

/// Checks apiVersion and kind against the URL, then decodes through the typed schema.
fn normalize(
    _ctx: &Ctx,
    mut object: Map<String, Value>,
    kind: &str,
    api_version: &str,
    field_validation: FieldValidation,
) -> Result<(Map<String, Value>, Vec<String>), ApiError> {
    match object.get("apiVersion").and_then(Value::as_str) {
        Some(given) if !given.is_empty() && given != api_version => {
            return Err(ApiError::BadRequest(format!(
                "the API version in the data ({given}) does not match the expected API version ({api_version})"
            )));
        }
        _ => {}
    }
    // Secret.stringData is write-only: kube merges it into data (base64) on decode.
    if kind == "Secret" && api_version == "v1" {
        fold_string_data(&mut object);
    }
    let version = api_version
        .rsplit('/')
        .next()
        .unwrap_or(api_version)
        .to_owned();
    match object.get("kind").and_then(Value::as_str) {
        Some(given) if !given.is_empty() && given != kind => {
            return Err(ApiError::BadRequest(format!(
                "{given} in version \"{version}\" cannot be handled as a {kind}: the kind in the data ({given}) does not match the expected kind ({kind})"
            )));
        }
        _ => {}
    }
    object.insert("apiVersion".into(), Value::String(api_version.to_owned()));
    object.insert("kind".into(), Value::String(kind.to_owned()));
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    let Some(normalized) =
        hub_api::normalize::normalize(group, &version, kind, Value::Object(object.clone()))
    else {
        return Ok((object, Vec::new()));
    };
    let normalized = normalized.map_err(|error| ApiError::BadRequest(error.to_string()))?;
    let unknown: Vec<String> = normalized
        .unknown_fields
        .iter()
        .map(|field| format!("unknown field \"{field}\""))
        .collect();
    if field_validation == FieldValidation::Strict && !unknown.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {}",
            unknown.join(", ")
        )));
    }
    let warnings = if field_validation == FieldValidation::Warn {
        unknown
    } else {
        Vec::new()
    };
    let Value::Object(object) = normalized.object else {
        return Err(ApiError::Internal(
            "typed decoding produced a non-object".into(),
        ));
    };
    Ok((object, warnings))
}

/// What the hub checks beyond typed decoding before a write: CustomResourceDefinitions are
/// defaulted and validated; custom resources are pruned to their schema (unknown fields are
/// refused under `fieldValidation=Strict`, warned about under `Warn`), defaulted and validated,
/// including transition rules against the `old` object. Returns warnings.
fn admit(
    ctx: &Ctx,
    object: &mut Map<String, Value>,
    old: Option<&Map<String, Value>>,
) -> Result<Vec<String>, ApiError> {
    let def = &ctx.def;
    if crate::workspaces::applies(def) {
        crate::workspaces::admit(ctx, object, old);
    }
    if def.group == "apiextensions.k8s.io" && def.resource == "customresourcedefinitions" {
        let mut value = Value::Object(std::mem::take(object));
        hub_api::crd::default_crd(&mut value);
        hub_api::crd::record_storage_version(&mut value);
        let causes = match old {
            Some(old) => hub_api::crd::validate_crd_update(&value, &Value::Object(old.clone())),
            None => hub_api::crd::validate_crd(&value),
        };
        let Value::Object(map) = value else {
            return Err(ApiError::Internal("CRD is not an object".into()));
        };
        *object = map;
        return invalid_if_any(ctx, object, causes).map(|()| Vec::new());
    }
    let Some(custom) =
        ctx.state
            .catalog
            .custom(&ctx.cluster, &def.group, &def.version, &def.resource)
    else {
        admit_builtin(ctx, object, old)?;
        return Ok(Vec::new());
    };
    let Some(schema) = &custom.schema else {
        return Ok(Vec::new());
    };
    let field_validation = FieldValidation::parse(ctx)?;
    let mut value = Value::Object(std::mem::take(object));
    let unknown = schema.prune(&mut value);
    schema.default(&mut value);
    let causes = match old {
        Some(old) => schema.validate_update(&value, &Value::Object(old.clone())),
        None => schema.validate(&value),
    };
    let Value::Object(map) = value else {
        return Err(ApiError::Internal("object is not an object".into()));
    };
    *object = map;
    let unknown: Vec<String> = unknown
        .iter()
        .map(|field| format!("unknown field \"{field}\""))
        .collect();
    if field_validation == FieldValidation::Strict && !unknown.is_empty() {
        let version = def.version.clone();
        return Err(ApiError::BadRequest(format!(
            "{} in version \"{version}\" cannot be handled as a {}: strict decoding error: {}",
            def.kind,
            def.kind,
            unknown.join(", ")
        )));
    }
    invalid_if_any(ctx, object, causes)?;
    Ok(if field_validation == FieldValidation::Warn {
        unknown
    } else {
        Vec::new()
    })
}

fn invalid_if_any(
    ctx: &Ctx,
    object: &Map<String, Value>,
    causes: Vec<hub_api::crd::Cause>,
) -> Result<(), ApiError> {
    if causes.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid {
        kind: ctx.def.kind.clone(),
        group: ctx.def.group.clone(),
        name: meta::name(object).to_owned(),
        causes: causes
            .into_iter()
            .map(|cause| Cause {
                reason: cause.reason.as_str().to_owned(),
                message: cause.message,
                field: cause.field,
            })
            .collect(),
    })
}

/// Whether the request's resource is a custom resource of its logical cluster.
fn is_custom(ctx: &Ctx) -> bool {
    ctx.state
        .catalog
        .custom(
            &ctx.cluster,
            &ctx.def.group,
            &ctx.def.version,
            &ctx.def.resource,
        )
        .is_some()
}

/// Custom resources (like CRDs themselves) refuse an update without a resourceVersion.
fn require_resource_version(
    ctx: &Ctx,
    object: &Map<String, Value>,
    precondition: Option<Revision>,
) -> Result<(), ApiError> {
    let needs = is_custom(ctx)
        || (ctx.def.group == "apiextensions.k8s.io"
            && ctx.def.resource == "customresourcedefinitions");
    if needs && precondition.is_none() {
        return Err(ApiError::invalid(
            &ctx.def.kind,
            &ctx.def.group,
            meta::name(object),
            "metadata.resourceVersion",
            "FieldValueInvalid",
            "Invalid value: 0x0: must be specified for an update",
        ));
    }
    Ok(())
}

/// Moves a Secret's `stringData` into `data`, base64-encoded, overriding keys of the same name.
fn fold_string_data(object: &mut Map<String, Value>) {
    use base64::Engine;
    let Some(Value::Object(strings)) = object.remove("stringData") else {
        return;
    };
    let data = object
        .entry("data")
        .or_insert_with(|| Value::Object(Map::new()));
    if !data.is_object() {
        *data = Value::Object(Map::new());
    }
    if let Value::Object(data) = data {
        for (key, value) in strings {
            let text = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string());
            data.insert(
                key,
                Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
            );
        }
    }
}

/// Decodes a request body (JSON, YAML or protobuf) as `kind`, with field validation; for
/// requests that are answered rather than stored.
pub(crate) fn decode_as(
    ctx: &Ctx,
    body: &[u8],
    body_type: BodyType,
    kind: &str,
    api_version: &str,
) -> Result<(Map<String, Value>, Vec<String>), ApiError> {
    // The status of a request that is answered is the server's to fill: drop what came in
    // (kubectl's protobuf bodies carry empty, even null, status fields).
    let field_validation = FieldValidation::parse(ctx)?;
    let (mut object, _) = incoming_raw(body, body_type, kind, api_version)?;
    object.remove("status");
    normalize(ctx, object, kind, api_version, field_validation)
}

/// Defaulting and validation of a built-in object, as kube-apiserver's strategies do: defaults,
/// server allocations on create (a Job's selector, a Service's cluster IP), carried-over
/// allocations on update, then validation against the old object.
fn admit_builtin(
    ctx: &Ctx,
    object: &mut Map<String, Value>,
    old: Option<&Map<String, Value>>,
) -> Result<(), ApiError> {
    let def = &ctx.def;
    let (kind, version) = (def.kind.as_str(), def.version.as_str());
    let mut value = Value::Object(std::mem::take(object));
    hub_api::builtin::default(&def.group, version, kind, &mut value);
    match old {
        None => {
            if def.group == "batch" && kind == "Job" {
                let uid = value
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                hub_api::builtin::job_selector(&mut value, &uid);
            }
            if def.group.is_empty()
                && kind == "Service"
                && hub_api::builtin::service_allocations(&value).cluster_ip
            {
                hub_api::builtin::set_cluster_ip(&mut value, &cluster_ip());
            }
        }
        Some(old) => hub_api::builtin::prepare_update(
            &def.group,
            version,
            kind,
            &mut value,
            &Value::Object(old.clone()),
        ),
    }
    let old_value = old.map(|old| Value::Object(old.clone()));
    let causes = hub_api::builtin::validate(&def.group, version, kind, &value, old_value.as_ref());
    let Value::Object(map) = value else {
        return Err(ApiError::Internal("object is not an object".into()));
    };
    *object = map;
    if causes.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid {
        kind: def.kind.clone(),
        group: def.group.clone(),
        name: meta::name(object).to_owned(),
        causes: causes
            .into_iter()
            .map(|cause| Cause {
                reason: cause.reason.as_str().to_owned(),
                message: cause.message,
                field: cause.field,
            })
            .collect(),
    })
}

/// A cluster IP for a Service, at random in kube's default range 10.96.0.0/12 (collisions are
/// one in a million per pair). Logical clusters have no data plane of their own: the address
/// names the Service; workers map it to their cluster's Service when they sync it.
fn cluster_ip() -> String {
    let offset = fastrand::u32(1..(1 << 20) - 1);
    std::net::Ipv4Addr::from((10u32 << 24) | (96u32 << 16) | offset).to_string()
}
