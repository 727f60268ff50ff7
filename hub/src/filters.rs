//! A request's `labelSelector` and `fieldSelector`, parsed once and matched against stored
//! objects (parsing an object only when a selector needs to look inside it).

use bytes::Bytes;
use hub_api::selectors::{FieldSelector, LabelSelector};
use serde_json::Value;
use storage::Revision;

use crate::api::Ctx;
use crate::codec;
use crate::error::ApiError;
use crate::meta;
use crate::objects::Stored;

/// The selectors of a list, watch or deletecollection.
#[derive(Debug)]
pub struct Filter {
    labels: LabelSelector,
    fields: FieldSelector,
    group: String,
    kind: String,
}

impl Filter {
    /// Parses the request's selectors; unsupported fields and bad syntax are 400s with
    /// kube-apiserver's messages.
    pub fn parse(ctx: &Ctx) -> Result<Filter, ApiError> {
        let labels = LabelSelector::parse(ctx.query.get("labelSelector").unwrap_or(""))
            .map_err(|error| ApiError::BadRequest(error.to_string()))?;
        let fields = FieldSelector::parse(ctx.query.get("fieldSelector").unwrap_or(""))
            .map_err(|error| ApiError::BadRequest(error.to_string()))?;
        fields
            .check(&ctx.def.group, &ctx.def.kind)
            .map_err(|error| ApiError::BadRequest(error.to_string()))?;
        Ok(Filter {
            labels,
            fields,
            group: ctx.def.group.clone(),
            kind: ctx.def.kind.clone(),
        })
    }

    /// Whether the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }

    /// The one name `metadata.name=<name>` selects, if the field selector says so.
    pub fn exact_name(&self) -> Option<&str> {
        self.fields.requires_exact_match("metadata.name")
    }

    /// Whether a stored object passes.
    pub fn matches_stored(&self, stored: &Stored) -> Result<bool, ApiError> {
        self.matches_bytes(&stored.bytes, stored.revision)
    }

    /// Whether the stored bytes of an object pass.
    pub fn matches_bytes(&self, bytes: &Bytes, revision: Revision) -> Result<bool, ApiError> {
        if self.is_empty() {
            return Ok(true);
        }
        let object = codec::decode(bytes, revision)?;
        if !self.labels.matches(&meta::labels(&object)) {
            return Ok(false);
        }
        if self.fields.is_empty() {
            return Ok(true);
        }
        self.fields
            .matches_object(&self.group, &self.kind, &Value::Object(object))
            .map_err(|error| ApiError::BadRequest(error.to_string()))
    }
}
