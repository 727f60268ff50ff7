//! Table responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) for lists, gets and
//! watches, with kube-apiserver's columns from [`hub_api::table`].

use hub_api::table::{IncludeObject, TableOptions};
use serde_json::{Map, Value};

use crate::api::Ctx;
use crate::error::ApiError;

/// The content type of a Table response.
pub const CONTENT_TYPE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";

/// The Table of `objects` (column definitions only when `with_headers`, as watch events after
/// the first omit them).
pub fn render(
    ctx: &Ctx,
    objects: &[Map<String, Value>],
    list_meta: Value,
    with_headers: bool,
) -> Result<Value, ApiError> {
    let include_object = IncludeObject::parse(ctx.query.get("includeObject").unwrap_or(""))
        .map_err(|error| ApiError::BadRequest(error.to_string()))?;
    let options = TableOptions {
        include_object,
        no_headers: !with_headers,
        now: jiff::Timestamp::now(),
    };
    let values: Vec<Value> = objects.iter().cloned().map(Value::Object).collect();
    // Custom resources: the CRD's printer columns (or Age).
    if let Some(custom) = ctx.state.catalog.custom(
        &ctx.cluster,
        &ctx.def.group,
        &ctx.def.version,
        &ctx.def.resource,
    ) {
        let columns = hub_api::table::crd_printer_columns(&custom.crd, &custom.version);
        return Ok(hub_api::table::render_custom(
            &columns,
            values.iter(),
            &list_meta,
            &options,
        ));
    }
    Ok(hub_api::table::render(
        &ctx.def.group,
        &ctx.def.kind,
        values.iter(),
        &list_meta,
        &options,
    ))
}
