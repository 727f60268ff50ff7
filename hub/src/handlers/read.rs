//! GET of one object (and its `scale`/`status` views) and of collections: selectors, pagination
//! with continue tokens, resource-version semantics, Tables.

use axum::response::Response;
use base64::Engine;
use bytes::{BufMut, BytesMut};
use http::StatusCode;
use serde_json::{Map, Value, json};
use storage::Revision;

use super::{object_response, parse_resource_version, value_response, wait_for_revision};
use crate::api::{Ctx, json, json_as};
use crate::codec;
use crate::error::ApiError;
use crate::filters::Filter;
use crate::scale;
use crate::tables;

/// `GET …/<name>[/<subresource>]`.
pub async fn get(ctx: Ctx) -> Result<Response, ApiError> {
    if let Some(revision) = parse_resource_version(ctx.query.get("resourceVersion"))?
        && revision > 0
    {
        wait_for_revision(&ctx, revision).await?;
    }
    let stored = ctx.state.objects.get(ctx.object_ref(ctx.name())).await?;
    match ctx.path.subresource.as_deref() {
        Some("scale") => {
            let object = stored.object()?;
            let view = scale::view(&ctx.def, &object)?;
            value_response(&ctx, StatusCode::OK, &view)
        }
        _ => object_response(&ctx, StatusCode::OK, &stored),
    }
}

/// The state of a paginated list, carried in the continue token.
#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    v: String,
    rv: Revision,
    start: String,
}

fn encode_continue(revision: Revision, after: &str) -> String {
    let token = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv: revision,
        start: after.to_owned(),
    };
    base64::engine::general_purpose::URL_SAFE.encode(serde_json::to_vec(&token).unwrap_or_default())
}

fn decode_continue(token: &str) -> Result<ContinueToken, ApiError> {
    let invalid = || {
        ApiError::BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)".into())
    };
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(token)
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(token))
        .map_err(|_| invalid())?;
    let token: ContinueToken = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if token.v != "meta.k8s.io/v1" || token.rv <= 0 {
        return Err(invalid());
    }
    Ok(token)
}

const EXPIRED_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// `GET` of a collection.
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let filter = Filter::parse(&ctx)?;
    let limit = match ctx.query.integer("limit")? {
        Some(limit) if limit > 0 => limit as usize,
        _ => 0,
    };
    let resource_version = ctx.query.get("resourceVersion").unwrap_or("");
    let revision_match = ctx.query.non_empty("resourceVersionMatch");
    let continue_token = ctx.query.non_empty("continue");
    if let Some(revision_match) = revision_match {
        if resource_version.is_empty() {
            return Err(ApiError::BadRequest(
                "resourceVersionMatch is forbidden unless resourceVersion is provided".into(),
            ));
        }
        if continue_token.is_some() {
            return Err(ApiError::BadRequest(
                "resourceVersionMatch is forbidden when continue is provided".into(),
            ));
        }
        match revision_match {
            "Exact" if resource_version == "0" => {
                return Err(ApiError::BadRequest(
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"".into(),
                ));
            }
            "Exact" | "NotOlderThan" => {}
            other => {
                return Err(ApiError::BadRequest(format!(
                    "resourceVersionMatch: Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\""
                )));
            }
        }
    }
    if continue_token.is_some() && !resource_version.is_empty() && resource_version != "0" {
        return Err(ApiError::BadRequest(
            "specifying resource version is not allowed when using continue".into(),
        ));
    }
    let requested = parse_resource_version(Some(resource_version))?;

    let (mut revision, mut after) = (0, None);
    if let Some(token) = continue_token {
        let token = decode_continue(token)?;
        let compacted = ctx.state.objects.store().compacted_revision().await?;
        if token.rv < compacted {
            let mut error = ApiError::Expired(EXPIRED_CONTINUE.into()).status();
            if let Some(object) = error.as_object_mut() {
                object.insert(
                    "metadata".into(),
                    json!({"continue": encode_continue(0, &token.start)}),
                );
            }
            return Ok(json(StatusCode::GONE, error.to_string()));
        }
        revision = token.rv;
        after = Some(token.start);
    } else if let Some(requested) = requested.filter(|requested| *requested > 0) {
        if revision_match == Some("Exact") {
            revision = requested;
        } else {
            wait_for_revision(&ctx, requested).await?;
        }
    }

    // Fast path: a field selector naming one object.
    if let Some(name) = filter.exact_name()
        && !ctx.is_wildcard()
        && (ctx.namespace().is_some() || !ctx.def.namespaced)
        && after.is_none()
        && revision == 0
    {
        let found = ctx.state.objects.find(ctx.object_ref(name)).await?;
        let current = ctx.state.objects.store().current_revision().await?;
        let mut items = Vec::new();
        if let Some(stored) = found
            && filter.matches_stored(&stored)?
        {
            items.push(stored);
        }
        return respond(&ctx, items, current, None);
    }

    let page_size = if filter.is_empty() {
        limit
    } else {
        limit.max(500)
    };
    let mut items = Vec::new();
    let mut next_after: Option<String> = None;
    loop {
        let page = ctx
            .state
            .objects
            .list(
                &ctx.def,
                &ctx.cluster,
                ctx.namespace(),
                after.as_deref(),
                page_size,
                revision,
            )
            .await
            .map_err(|error| match error {
                ApiError::Expired(message) if continue_token.is_none() => {
                    ApiError::Expired(message)
                }
                other => other,
            })?;
        revision = page.revision;
        let page_more = page.more;
        let count = page.items.len();
        let mut last_key = None;
        for (index, (key, stored)) in page.items.into_iter().enumerate() {
            last_key = Some(key.clone());
            if !filter.matches_stored(&stored)? {
                continue;
            }
            if ctx.is_wildcard() {
                items.push(ctx.across_clusters(ctx.cluster_of(&key), stored)?);
            } else {
                items.push(stored);
            }
            if limit > 0 && items.len() == limit {
                if index + 1 < count || page_more {
                    next_after = Some(key);
                }
                return respond(
                    &ctx,
                    items,
                    revision,
                    next_after.map(|key| encode_continue(revision, &key)),
                );
            }
        }
        if !page_more || last_key.is_none() {
            break;
        }
        after = last_key;
    }
    respond(&ctx, items, revision, None)
}

fn respond(
    ctx: &Ctx,
    items: Vec<crate::objects::Stored>,
    revision: Revision,
    continue_token: Option<String>,
) -> Result<Response, ApiError> {
    if ctx.accept.table {
        let objects: Vec<Map<String, Value>> = items
            .iter()
            .map(|stored| stored.object())
            .collect::<Result<_, _>>()?;
        let mut list_meta = json!({"resourceVersion": revision.to_string()});
        if let (Some(token), Some(meta)) = (&continue_token, list_meta.as_object_mut()) {
            meta.insert("continue".into(), json!(token));
        }
        let table = tables::render(ctx, &objects, list_meta, true)?;
        return Ok(json_as(
            StatusCode::OK,
            tables::CONTENT_TYPE,
            table.to_string(),
        ));
    }
    let mut out = BytesMut::with_capacity(
        64 + items
            .iter()
            .map(|item| item.bytes.len() + 24)
            .sum::<usize>(),
    );
    out.put_slice(b"{\"kind\":\"");
    out.put_slice(ctx.def.list_kind.as_bytes());
    out.put_slice(b"\",\"apiVersion\":\"");
    out.put_slice(ctx.def.api_version().as_bytes());
    out.put_slice(b"\",\"metadata\":{\"resourceVersion\":\"");
    out.put_slice(revision.to_string().as_bytes());
    out.put_slice(b"\"");
    if let Some(token) = continue_token {
        out.put_slice(b",\"continue\":\"");
        out.put_slice(token.as_bytes());
        out.put_slice(b"\"");
    }
    out.put_slice(b"},\"items\":[");
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.put_u8(b',');
        }
        codec::write_with_revision(&mut out, &item.bytes, item.revision)?;
    }
    out.put_slice(b"]}");
    Ok(json(StatusCode::OK, out.freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let token = decode_continue(&encode_continue(42, "default/b")).unwrap();
        assert_eq!((token.rv, token.start.as_str()), (42, "default/b"));
        assert!(decode_continue("not-a-token").is_err());
        assert!(
            decode_continue(
                &base64::engine::general_purpose::URL_SAFE
                    .encode(b"{\"v\":\"x\",\"rv\":1,\"start\":\"\"}")
            )
            .is_err()
        );
    }
}
