//! `meta.k8s.io/v1` Table output, as kube-apiserver answers
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` asks for).
//!
//! - Built-in kinds get the columns and cells of kube-apiserver's printers
//!   (`pkg/printers/internalversion`), wide columns included: the server always prints wide and
//!   kubectl hides priority-1 columns unless `-o wide`.
//! - Kinds without a printer (roles, limit ranges, CRDs, ...) get kube's default table: `Name`
//!   and `Created At` (an RFC 3339 date).
//! - Custom resources get their CRD's `additionalPrinterColumns` ([`render_custom`]): `Name`,
//!   then each column's JSONPath value, typed, with `date` columns shown as ages.
//!
//! Each row carries the object as `includeObject` asks: its metadata as a
//! `PartialObjectMetadata` (the default), the whole object, or nothing (`null`). Watch events
//! after the first render with [`TableOptions::no_headers`], which leaves `columnDefinitions`
//! null as kube does.

mod age;
mod columns;
mod format;
mod jsonpath;
mod printers;

use std::str::FromStr;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use self::jsonpath::JsonPath;

/// What each table row carries in `object`: the `includeObject` query parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IncludeObject {
    /// `None`: no object (`"object": null`).
    None,
    /// `Metadata` (the default): a `meta.k8s.io/v1` `PartialObjectMetadata`.
    #[default]
    Metadata,
    /// `Object`: the whole object.
    Object,
}

impl IncludeObject {
    /// Parses the `includeObject` query value; empty means [`IncludeObject::Metadata`].
    pub fn parse(value: &str) -> Result<Self, TableError> {
        match value {
            "" | "Metadata" => Ok(IncludeObject::Metadata),
            "None" => Ok(IncludeObject::None),
            "Object" => Ok(IncludeObject::Object),
            other => Err(TableError::IncludeObject(other.to_owned())),
        }
    }
}

impl FromStr for IncludeObject {
    type Err = TableError;

    fn from_str(value: &str) -> Result<Self, TableError> {
        IncludeObject::parse(value)
    }
}

/// Why a table could not be rendered as asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// An `includeObject` value other than `Metadata`, `Object`, `None` or empty. The message
    /// is kube-apiserver's; it answers 400 Bad Request with it.
    #[error(
        "Unable to convert to Table as requested: includeObject: Invalid value: {}: must be \
         'Metadata', 'Object', 'None', or empty",
        format::go_quote(.0)
    )]
    IncludeObject(String),
    /// A printer column's JSONPath that does not parse.
    #[error("invalid JSONPath {}: {reason}", format::go_quote(.path))]
    JsonPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// How to render a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableOptions {
    /// What rows carry in `object`.
    pub include_object: IncludeObject,
    /// Leave `columnDefinitions` null: kube does so for every watch event after the first.
    pub no_headers: bool,
    /// The time ages are computed at.
    pub now: Timestamp,
}

impl TableOptions {
    /// Default options (metadata in rows, with headers) at `now`.
    pub fn new(now: Timestamp) -> Self {
        TableOptions {
            include_object: IncludeObject::Metadata,
            no_headers: false,
            now,
        }
    }
}

/// The `columnDefinitions` kube-apiserver gives for a built-in `kind` of API `group` (empty for
/// core): its printer's columns, or `Name` and `Created At` for kinds without a printer.
pub fn column_definitions(group: &str, kind: &str) -> Vec<Value> {
    columns::builtin(group, kind)
        .unwrap_or_else(columns::default_columns)
        .to_vec()
}

/// Whether kube-apiserver has a printer for `kind` of `group`, rather than the default
/// `Name`/`Created At` table.
pub fn has_printer(group: &str, kind: &str) -> bool {
    columns::builtin(group, kind).is_some()
}

/// The Table of `objects` (stored JSON, one row each) of a built-in `kind` of `group`.
///
/// `list_meta` is the list's `metadata` (`resourceVersion`, `continue`, `remainingItemCount`
/// are copied) or, for a single object or a watch event, `{"resourceVersion": ...}` of that
/// object; kube sets no other table metadata.
pub fn render<'a>(
    group: &str,
    kind: &str,
    objects: impl IntoIterator<Item = &'a Value>,
    list_meta: &Value,
    options: &TableOptions,
) -> Value {
    let Some(columns) = columns::builtin(group, kind) else {
        return render_default(objects, list_meta, options);
    };
    let rows = objects
        .into_iter()
        .map(|object| {
            let row = printers::print(group, kind, object, options.now).unwrap_or_else(|| {
                printers::Row::from(vec![json!(str_at_name(object)), Value::Null])
            });
            row_json(row.cells, row.conditions, object, options)
        })
        .collect();
    table(columns, Value::Array(rows), list_meta, options)
}

/// A printer column of a custom resource (a CRD version's `additionalPrinterColumns` entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrinterColumn {
    /// Column header.
    pub name: String,
    /// OpenAPI type: `integer`, `number`, `string`, `boolean` or `date`.
    pub type_: String,
    /// OpenAPI format, e.g. `name`.
    pub format: String,
    /// Description; kube fills in `Custom resource definition column (in JSONPath format): ...`
    /// when empty.
    pub description: String,
    /// 0 for standard columns, more for `-o wide` ones.
    pub priority: i32,
    /// Simple JSONPath evaluated on each object, e.g. `.spec.replicas`.
    pub json_path: String,
}

impl PrinterColumn {
    /// A `CustomResourceColumnDefinition` in its JSON form (`jsonPath`, `type`, ...).
    pub fn from_crd(column: &Value) -> Self {
        let text = |key| {
            column
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        PrinterColumn {
            name: text("name"),
            type_: text("type"),
            format: text("format"),
            description: text("description"),
            priority: column
                .get("priority")
                .and_then(Value::as_i64)
                .and_then(|p| i32::try_from(p).ok())
                .unwrap_or(0),
            json_path: text("jsonPath"),
        }
    }

    /// The `Age` column kube serves for a CRD version without printer columns.
    pub fn age() -> Self {
        PrinterColumn {
            name: "Age".to_owned(),
            type_: "date".to_owned(),
            format: String::new(),
            description: columns::creation_timestamp_doc(),
            priority: 0,
            json_path: ".metadata.creationTimestamp".to_owned(),
        }
    }

    fn definition(&self) -> Value {
        let description = if self.description.is_empty() {
            format!(
                "Custom resource definition column (in JSONPath format): {}",
                self.json_path
            )
        } else {
            self.description.clone()
        };
        columns::column(
            &self.name,
            &self.type_,
            &self.format,
            self.priority,
            description,
        )
    }
}

/// The printer columns of `version` of a CustomResourceDefinition (JSON), or the `Age` column
/// kube defaults to when it has none.
pub fn crd_printer_columns(crd: &Value, version: &str) -> Vec<PrinterColumn> {
    let columns: Vec<PrinterColumn> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(version))
        .and_then(|v| v.get("additionalPrinterColumns"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(PrinterColumn::from_crd)
        .collect();
    if columns.is_empty() {
        vec![PrinterColumn::age()]
    } else {
        columns
    }
}

/// Checks a printer column's JSONPath as the table evaluates it: a simple path starting with
/// `.`.
pub fn validate_json_path(path: &str) -> Result<(), TableError> {
    let error = |reason: &str| TableError::JsonPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if !path.starts_with('.') {
        return Err(error("must be a simple json path starting with ."));
    }
    JsonPath::parse(path)
        .map(|_| ())
        .map_err(|reason| error(&reason))
}

/// The `columnDefinitions` of a custom resource with `columns` ([`crd_printer_columns`]).
pub fn custom_column_definitions(columns: &[PrinterColumn]) -> Vec<Value> {
    std::iter::once(columns::name_column())
        .chain(
            custom_columns(columns)
                .into_iter()
                .map(|(column, _)| column.definition()),
        )
        .collect()
}

/// The Table of custom resources with printer `columns` ([`crd_printer_columns`]), as the
/// apiextensions-apiserver renders it: `Name`, then one typed cell per column, null when the
/// path finds nothing.
pub fn render_custom<'a>(
    columns: &[PrinterColumn],
    objects: impl IntoIterator<Item = &'a Value>,
    list_meta: &Value,
    options: &TableOptions,
) -> Value {
    let parsed = custom_columns(columns);
    let definitions = custom_column_definitions(columns);
    let rows = objects
        .into_iter()
        .map(|object| {
            let mut cells = vec![json!(str_at_name(object))];
            cells.extend(
                parsed
                    .iter()
                    .map(|(column, path)| custom_cell(&column.type_, path, object, options.now)),
            );
            row_json(cells, None, object, options)
        })
        .collect();
    table(&definitions, Value::Array(rows), list_meta, options)
}

/// kube's `rest.DefaultTableConvertor`: `Name` and `Created At`. Rows stay null for no objects,
/// as kube appends to a nil slice.
fn render_default<'a>(
    objects: impl IntoIterator<Item = &'a Value>,
    list_meta: &Value,
    options: &TableOptions,
) -> Value {
    let rows: Vec<Value> = objects
        .into_iter()
        .map(|object| {
            let created = age::timestamp(object.pointer("/metadata/creationTimestamp"));
            let cells = vec![json!(str_at_name(object)), json!(age::rfc3339_utc(created))];
            row_json(cells, None, object, options)
        })
        .collect();
    let rows = if rows.is_empty() {
        Value::Null
    } else {
        Value::Array(rows)
    };
    table(columns::default_columns(), rows, list_meta, options)
}

/// The columns parsed for a custom table: `Name`, then each printer column up to the first
/// whose JSONPath does not parse (kube drops that one and the rest).
fn custom_columns(columns: &[PrinterColumn]) -> Vec<(&PrinterColumn, JsonPath)> {
    columns
        .iter()
        .map_while(|column| {
            JsonPath::parse(&column.json_path)
                .ok()
                .map(|path| (column, path))
        })
        .collect()
}

/// One cell of a custom column: the first value the path finds, typed like kube's
/// `cellForJSONValue` (and printed by the JSONPath printer for `string` columns).
fn custom_cell(type_: &str, path: &JsonPath, object: &Value, now: Timestamp) -> Value {
    let Some(value) = path.find(object).and_then(|found| found.into_iter().next()) else {
        return Value::Null;
    };
    let value = value.as_ref();
    match (type_, value) {
        ("string", value) => Value::String(jsonpath_text(value)),
        (_, Value::Null) => Value::Null,
        ("integer", Value::Number(n)) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().map_or(Value::Null, |f| (f as i64).into()),
        },
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, json_float),
        ("boolean", Value::Bool(b)) => (*b).into(),
        ("date", Value::String(s)) => match age::parse_rfc3339(s) {
            Ok(time) => age::since(time, now).into(),
            Err(()) => "<invalid>".into(),
        },
        _ => Value::Null,
    }
}

/// A float64 cell as Go's encoding/json writes it: integral values without a fraction.
fn json_float(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// client-go's JSONPath `PrintResults` of one value: maps and arrays as JSON, null as
/// `<no value>`, numbers and booleans as Go's `fmt.Fprint` writes them.
fn jsonpath_text(value: &Value) -> String {
    match value {
        Value::Null => "<no value>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => n.as_f64().map(go_float).unwrap_or_default(),
        },
        Value::Array(_) | Value::Object(_) => {
            let mut out = String::new();
            go_json(value, &mut out);
            out
        }
    }
}

/// Go's `%v` of a float64 (`%g` with the shortest digits): exponent form when the decimal
/// exponent is below -4 or at least 6, e.g. `1e+06`.
fn go_float(f: f64) -> String {
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) || f == 0.0 {
        format!("{f}")
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// Go's `json.Marshal` of an unstructured value: sorted keys, HTML-safe escaping.
fn go_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(key, out);
                out.push(':');
                go_json(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::String(s) => go_json_string(s, out),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or_default();
            let abs = f.abs();
            if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
                let scientific = format!("{f:e}");
                let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
                let exponent = match exponent.strip_prefix('-') {
                    Some(negative) => format!("-{negative}"),
                    None => format!("+{exponent}"),
                };
                out.push_str(&format!("{mantissa}e{exponent}"));
            } else {
                out.push_str(&format!("{f}"));
            }
        }
        other => out.push_str(&other.to_string()),
    }
}

fn go_json_string(s: &str, out: &mut String) {
    let quoted = Value::String(s.to_owned()).to_string();
    for c in quoted.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

fn str_at_name(object: &Value) -> &str {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// A `metav1.TableRow`.
fn row_json(
    cells: Vec<Value>,
    conditions: Option<Value>,
    object: &Value,
    options: &TableOptions,
) -> Value {
    let mut row = Map::new();
    row.insert("cells".to_owned(), Value::Array(cells));
    if let Some(conditions) = conditions {
        row.insert("conditions".to_owned(), conditions);
    }
    let object = match options.include_object {
        IncludeObject::None => Value::Null,
        IncludeObject::Metadata => {
            let mut metadata = match object.get("metadata") {
                Some(Value::Object(metadata)) => metadata.clone(),
                _ => Map::new(),
            };
            // Go's ObjectMeta always writes creationTimestamp, null when zero.
            metadata.entry("creationTimestamp").or_insert(Value::Null);
            json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": metadata,
            })
        }
        IncludeObject::Object => object.clone(),
    };
    row.insert("object".to_owned(), object);
    Value::Object(row)
}

/// A `metav1.Table`.
fn table(columns: &[Value], rows: Value, list_meta: &Value, options: &TableOptions) -> Value {
    let mut metadata = Map::new();
    for key in ["resourceVersion", "continue"] {
        if let Some(value) = list_meta
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            metadata.insert(key.to_owned(), value.into());
        }
    }
    if let Some(count) = list_meta
        .get("remainingItemCount")
        .filter(|c| c.is_number())
    {
        metadata.insert("remainingItemCount".to_owned(), count.clone());
    }
    let column_definitions = if options.no_headers {
        Value::Null
    } else {
        Value::Array(columns.to_vec())
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": column_definitions,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests;
