//! Decoding protobuf messages into the JSON their Go types marshal to, driven by the schema
//! table: objects of fields named as in JSON, Kubernetes' special types (times, quantities,
//! int-or-strings, raw JSON) as their `MarshalJSON` writes them, zero values of non-pointer
//! fields left out as Go's `omitempty` does.

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

use super::schema::{self, Field, Form, Message, Shape, Ty};
use super::text;
use super::wire::{Reader, WireError, WireValue};
use super::{MAGIC, ProtobufError};

/// How deeply messages may nest (a CRD's schema nests two messages per level).
const MAX_DEPTH: usize = 100;

/// Why a message cannot be decoded, and where (innermost part first).
#[derive(Debug)]
pub(super) struct DecodeError {
    path: Vec<String>,
    reason: Reason,
}

#[derive(Debug)]
enum Reason {
    Wire(WireError),
    WireType {
        found: &'static str,
        ty: &'static str,
    },
    TooDeep,
    Invalid(String),
    /// A nested object's envelope is unusable (`RawExtension` holding protobuf).
    Nested(Box<ProtobufError>),
}

impl DecodeError {
    fn new(reason: Reason) -> Self {
        DecodeError {
            path: Vec::new(),
            reason,
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        DecodeError::new(Reason::Invalid(message.into()))
    }

    /// The error, as found inside `part` (a field name, `[3]`, `[key]`).
    fn at(mut self, part: impl Into<String>) -> Self {
        self.path.push(part.into());
        self
    }

    /// The public error, the path rendered as kube names fields (`spec.ports[0].port`).
    pub(super) fn into_public(self) -> ProtobufError {
        let mut path = String::new();
        for part in self.path.iter().rev().filter(|part| !part.is_empty()) {
            if !path.is_empty() && !part.starts_with('[') {
                path.push('.');
            }
            path.push_str(part);
        }
        let reason = match self.reason {
            Reason::Wire(error) => error.to_string(),
            Reason::WireType { found, ty } => format!("a {ty} field sent as {found}"),
            Reason::TooDeep => format!("messages nested more than {MAX_DEPTH} deep"),
            Reason::Invalid(message) => message,
            Reason::Nested(error) => return *error,
        };
        ProtobufError::Malformed { path, reason }
    }
}

impl From<WireError> for DecodeError {
    fn from(error: WireError) -> Self {
        DecodeError::new(Reason::Wire(error))
    }
}

/// An object's envelope: `k8s\0` then a `runtime.Unknown` {1: TypeMeta {1: apiVersion,
/// 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}. Returns the type (each part
/// possibly empty) and the raw bytes of the object's own message.
pub(super) fn envelope(body: &[u8]) -> Result<(String, String, &[u8]), ProtobufError> {
    let unknown = body
        .strip_prefix(&MAGIC)
        .ok_or(ProtobufError::NotProtobuf)?;
    let malformed = |error: DecodeError| error.into_public();
    let unknown = fields(unknown).map_err(malformed)?;
    let type_meta = merged(&unknown, 1).map_err(|e| malformed(e.at("typeMeta")))?;
    let type_fields = fields(&type_meta).map_err(|e| malformed(e.at("typeMeta")))?;
    let api_version = last_string(&type_fields, 1).map_err(|e| malformed(e.at("apiVersion")))?;
    let kind = last_string(&type_fields, 2).map_err(|e| malformed(e.at("kind")))?;
    let raw = last_bytes(&unknown, 2)
        .map_err(|e| malformed(e.at("raw")))?
        .unwrap_or_default();
    Ok((api_version, kind, raw))
}

/// The JSON object of the kind `message` from its raw bytes, with `apiVersion` and `kind`.
pub(super) fn object_of_kind(
    message: &'static Message,
    api_version: &str,
    kind: &str,
    raw: &[u8],
    depth: usize,
) -> Result<Value, DecodeError> {
    let fields = object(message, raw, depth)?;
    let mut object = Map::new();
    object.insert("apiVersion".into(), api_version.into());
    object.insert("kind".into(), kind.into());
    object.extend(fields);
    Ok(Value::Object(object))
}

/// `data` decoded as `message`.
pub(super) fn decode(
    message: &'static Message,
    data: &[u8],
    depth: usize,
) -> Result<Value, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::new(Reason::TooDeep));
    }
    match message.form {
        Form::Object => object(message, data, depth).map(Value::Object),
        Form::Time => time(data, false),
        Form::MicroTime => time(data, true),
        Form::Duration => {
            let fields = fields(data)?;
            let nanos = last_varint(&fields, 1)?.unwrap_or(0);
            // Two's complement, as Go reads an int64.
            Ok(text::go_duration(nanos as i64).into())
        }
        Form::IntOrString => int_or_string(data),
        Form::Quantity => {
            let fields = fields(data)?;
            Ok(last_string_opt(&fields, 1)?
                .unwrap_or_else(|| "0".to_owned())
                .into())
        }
        Form::RawJson => {
            let fields = fields(data)?;
            raw_json(last_bytes(&fields, 1)?.unwrap_or_default(), depth)
        }
        Form::StringList => {
            let fields = fields(data)?;
            let mut items = Vec::new();
            for value in values(&fields, 1) {
                items.push(scalar(Ty::Str, value).map_err(|e| e.at(format!("[{}]", items.len())))?);
            }
            Ok(Value::Array(items))
        }
        Form::SchemaOrArray | Form::SchemaOrBool | Form::SchemaOrStringArray => {
            schema_or(message, data, depth)
        }
    }
}

/// An object of the fields of `message`, in field number order; unknown fields are skipped.
fn object(
    message: &'static Message,
    data: &[u8],
    depth: usize,
) -> Result<Map<String, Value>, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::new(Reason::TooDeep));
    }
    let mut entries: Vec<(usize, WireValue<'_>)> = Vec::new();
    let mut reader = Reader::new(data);
    while let Some((number, value)) = reader.next_field()? {
        if let Some((index, _)) = message.field(number) {
            entries.push((index, value));
        }
    }
    // Stable: occurrences of a field stay in wire order.
    entries.sort_by_key(|(index, _)| *index);
    let mut out = Map::new();
    for run in entries.chunk_by(|a, b| a.0 == b.0) {
        let field = &message.fields[run[0].0];
        let values: Vec<WireValue<'_>> = run.iter().map(|(_, value)| *value).collect();
        add_field(field, &values, depth, &mut out).map_err(|e| e.at(field.json))?;
    }
    Ok(out)
}

/// Adds the JSON of `field`, sent as `values` (every occurrence, in order), to `out`.
fn add_field(
    field: &'static Field,
    values: &[WireValue<'_>],
    depth: usize,
    out: &mut Map<String, Value>,
) -> Result<(), DecodeError> {
    match field.shape {
        Shape::OmitZero | Shape::Present => {
            let value = match field.ty {
                // Occurrences of a message merge, as the concatenation of their bytes does.
                Ty::Msg(n) => decode(schema::message(n), &concat(values)?, depth + 1)?,
                ty => {
                    let mut last = Value::Null;
                    for value in values {
                        last = scalar(ty, *value)?;
                    }
                    last
                }
            };
            if !(field.shape == Shape::OmitZero && is_zero(&value)) {
                out.insert(field.json.to_owned(), value);
            }
        }
        Shape::Repeated => {
            let mut items = Vec::new();
            for value in values {
                let at = format!("[{}]", items.len());
                match field.ty {
                    Ty::Msg(n) => {
                        let bytes = bytes_of(*value, "message").map_err(|e| e.at(at.clone()))?;
                        items.push(
                            decode(schema::message(n), bytes, depth + 1).map_err(|e| e.at(at))?,
                        );
                    }
                    ty => repeated_scalar(ty, *value, &mut items).map_err(|e| e.at(at))?,
                }
            }
            if !items.is_empty() {
                out.insert(field.json.to_owned(), Value::Array(items));
            }
        }
        Shape::Map => {
            let mut map = Map::new();
            for value in values {
                let entry = bytes_of(*value, "map entry")?;
                let (key, value) = map_entry(field.ty, entry, depth)?;
                map.insert(key, value);
            }
            if !map.is_empty() {
                out.insert(field.json.to_owned(), Value::Object(map));
            }
        }
        Shape::Inline => {
            let Ty::Msg(n) = field.ty else {
                return Err(DecodeError::invalid(
                    "an inline field that is not a message",
                ));
            };
            if let Value::Object(inner) = decode(schema::message(n), &concat(values)?, depth + 1)? {
                // The parent's own fields win, as in Go's JSON.
                for (key, value) in inner {
                    out.entry(key).or_insert(value);
                }
            }
        }
    }
    Ok(())
}

/// One map entry {1: key, 2: value}; a missing part is its type's zero value.
fn map_entry(ty: Ty, entry: &[u8], depth: usize) -> Result<(String, Value), DecodeError> {
    let fields = fields(entry)?;
    let key = last_string(&fields, 1)?;
    let at = format!("[{key}]");
    let value = match (ty, values(&fields, 2).last()) {
        (Ty::Msg(n), value) => {
            let bytes = match value {
                Some(value) => bytes_of(value, "message").map_err(|e| e.at(at.clone()))?,
                None => &[],
            };
            decode(schema::message(n), bytes, depth + 1).map_err(|e| e.at(at))?
        }
        (ty, Some(value)) => scalar(ty, value).map_err(|e| e.at(at))?,
        (Ty::Bool, None) => Value::Bool(false),
        (Ty::Str | Ty::Bytes, None) => Value::String(String::new()),
        (Ty::Int32 | Ty::Int64 | Ty::Double, None) => Value::from(0),
    };
    Ok((key, value))
}

/// A scalar field's JSON.
fn scalar(ty: Ty, value: WireValue<'_>) -> Result<Value, DecodeError> {
    Ok(match (ty, value) {
        (Ty::Bool, WireValue::Varint(v)) => Value::Bool(v != 0),
        // Truncating and two's complement, as Go reads an int32 and an int64.
        (Ty::Int32, WireValue::Varint(v)) => Value::from(v as i32),
        (Ty::Int64, WireValue::Varint(v)) => Value::from(v as i64),
        (Ty::Double, WireValue::Fixed64(bits)) => double(f64::from_bits(bits))?,
        (Ty::Str, WireValue::Bytes(bytes)) => {
            // Go does not check UTF-8 here; its JSON encoder replaces invalid bytes.
            Value::String(String::from_utf8_lossy(bytes).into_owned())
        }
        (Ty::Bytes, WireValue::Bytes(bytes)) => Value::String(text::base64(bytes)),
        (ty, value) => return Err(wrong_wire_type(ty, value)),
    })
}

/// The elements of a repeated scalar field from one occurrence: one element, or several when
/// packed.
fn repeated_scalar(
    ty: Ty,
    value: WireValue<'_>,
    items: &mut Vec<Value>,
) -> Result<(), DecodeError> {
    match (ty, value) {
        (Ty::Bool | Ty::Int32 | Ty::Int64, WireValue::Bytes(packed)) => {
            let mut reader = Reader::new(packed);
            while !reader.is_empty() {
                items.push(scalar(ty, WireValue::Varint(reader.varint()?))?);
            }
        }
        (Ty::Double, WireValue::Bytes(packed)) => {
            let mut reader = Reader::new(packed);
            while !reader.is_empty() {
                items.push(scalar(ty, WireValue::Fixed64(reader.fixed64()?))?);
            }
        }
        (ty, value) => items.push(scalar(ty, value)?),
    }
    Ok(())
}

/// A double as Go's JSON encoder writes it: integral values without a fraction; NaN and the
/// infinities are not JSON.
fn double(value: f64) -> Result<Value, DecodeError> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && value.abs() < EXACT && !(value == 0.0 && value.is_sign_negative()) {
        // Exact: an integer below 2^53.
        return Ok(Value::from(value as i64));
    }
    Number::from_f64(value)
        .map(Value::Number)
        .ok_or_else(|| DecodeError::invalid(format!("unsupported value: {value}")))
}

/// Whether Go's `omitempty` leaves a scalar out.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// `meta/v1.Time` (seconds) or `MicroTime` (microseconds): RFC 3339 in UTC; an empty message
/// is Go's zero time, `null`.
fn time(data: &[u8], micro: bool) -> Result<Value, DecodeError> {
    if data.is_empty() {
        return Ok(Value::Null);
    }
    let fields = fields(data)?;
    let seconds = last_varint(&fields, 1)?.unwrap_or(0) as i64;
    let nanos = last_varint(&fields, 2)?.unwrap_or(0) as i32;
    text::rfc3339(seconds, nanos, micro)
        .map(|text| text.map_or(Value::Null, Value::String))
        .map_err(DecodeError::invalid)
}

/// `IntOrString` {1: type, 2: intVal, 3: strVal}: a number (type 0) or a string (type 1).
fn int_or_string(data: &[u8]) -> Result<Value, DecodeError> {
    let fields = fields(data)?;
    match last_varint(&fields, 1)?.unwrap_or(0) {
        0 => Ok(Value::from(last_varint(&fields, 2)?.unwrap_or(0) as i32)),
        1 => Ok(last_string(&fields, 3)?.into()),
        other => Err(DecodeError::invalid(format!(
            "impossible IntOrString.Type {}",
            other as i64
        ))),
    }
}

/// The JSON held by a `RawExtension`, `FieldsV1` or apiextensions `JSON`: `null` when empty;
/// an object encoded in protobuf (a Go client's nested object) is decoded as one.
fn raw_json(raw: &[u8], depth: usize) -> Result<Value, DecodeError> {
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    if raw.starts_with(&MAGIC) {
        if depth > MAX_DEPTH {
            return Err(DecodeError::new(Reason::TooDeep));
        }
        let (api_version, kind, inner) =
            envelope(raw).map_err(|e| DecodeError::new(Reason::Nested(Box::new(e))))?;
        let message = super::kind_message(&api_version, &kind)
            .map_err(|e| DecodeError::new(Reason::Nested(Box::new(e))))?;
        return object_of_kind(message, &api_version, &kind, inner, depth + 1);
    }
    serde_json::from_slice(raw)
        .map_err(|error| DecodeError::invalid(format!("raw JSON is not valid: {error}")))
}

/// The apiextensions unions, as their `MarshalJSON` writes them:
/// - `JSONSchemaPropsOrArray` {1: schema, 2: schemas}: the array if not empty, else the schema;
/// - `JSONSchemaPropsOrBool` {1: allows, 2: schema}: the schema if set, else the boolean;
/// - `JSONSchemaPropsOrStringArray` {1: schema, 2: property}: the strings if any, else the
///   schema, else `null`.
fn schema_or(message: &'static Message, data: &[u8], depth: usize) -> Result<Value, DecodeError> {
    let fields = fields(data)?;
    let schema_field = if message.form == Form::SchemaOrBool {
        2
    } else {
        1
    };
    let schema = |number: u32| -> Result<Option<Value>, DecodeError> {
        let Some((_, Field { ty: Ty::Msg(n), .. })) = message.field(number) else {
            return Err(DecodeError::invalid("schema table: no schema field"));
        };
        let occurrences: Vec<WireValue<'_>> = values(&fields, number).collect();
        if occurrences.is_empty() {
            return Ok(None);
        }
        decode(schema::message(*n), &concat(&occurrences)?, depth + 1).map(Some)
    };
    match message.form {
        Form::SchemaOrBool => match schema(schema_field)? {
            Some(schema) => Ok(schema),
            None => Ok(Value::Bool(
                last_varint(&fields, 1)?.is_some_and(|v| v != 0),
            )),
        },
        _ => {
            let mut items = Vec::new();
            for value in values(&fields, 2) {
                let at = format!("[{}]", items.len());
                if message.form == Form::SchemaOrArray {
                    let Some((_, Field { ty: Ty::Msg(n), .. })) = message.field(2) else {
                        return Err(DecodeError::invalid("schema table: no schemas field"));
                    };
                    let bytes = bytes_of(value, "message").map_err(|e| e.at(at.clone()))?;
                    items
                        .push(decode(schema::message(*n), bytes, depth + 1).map_err(|e| e.at(at))?);
                } else {
                    items.push(scalar(Ty::Str, value).map_err(|e| e.at(at))?);
                }
            }
            if !items.is_empty() {
                return Ok(Value::Array(items));
            }
            Ok(schema(schema_field)?.unwrap_or(Value::Null))
        }
    }
}

/// Every field of a message, in wire order.
fn fields(data: &[u8]) -> Result<Vec<(u32, WireValue<'_>)>, DecodeError> {
    let mut reader = Reader::new(data);
    let mut fields = Vec::new();
    while let Some(field) = reader.next_field()? {
        fields.push(field);
    }
    Ok(fields)
}

/// Every occurrence of field `number`.
fn values<'a, 'b>(
    fields: &'b [(u32, WireValue<'a>)],
    number: u32,
) -> impl Iterator<Item = WireValue<'a>> + 'b {
    fields
        .iter()
        .filter(move |(n, _)| *n == number)
        .map(|(_, value)| *value)
}

/// The concatenated bytes of every occurrence of message field `number` (empty if none).
fn merged<'a>(fields: &[(u32, WireValue<'a>)], number: u32) -> Result<Cow<'a, [u8]>, DecodeError> {
    concat(&values(fields, number).collect::<Vec<_>>())
}

/// The bytes of occurrences of a message field, concatenated: merging them, as protobuf does.
fn concat<'a>(values: &[WireValue<'a>]) -> Result<Cow<'a, [u8]>, DecodeError> {
    match values {
        [] => Ok(Cow::Borrowed(&[])),
        [value] => bytes_of(*value, "message").map(Cow::Borrowed),
        _ => {
            let mut out = Vec::new();
            for value in values {
                out.extend_from_slice(bytes_of(*value, "message")?);
            }
            Ok(Cow::Owned(out))
        }
    }
}

fn bytes_of<'a>(value: WireValue<'a>, what: &'static str) -> Result<&'a [u8], DecodeError> {
    match value {
        WireValue::Bytes(bytes) => Ok(bytes),
        other => Err(DecodeError::new(Reason::WireType {
            found: wire_name(other),
            ty: what,
        })),
    }
}

fn last_varint(fields: &[(u32, WireValue<'_>)], number: u32) -> Result<Option<u64>, DecodeError> {
    let mut last = None;
    for value in values(fields, number) {
        match value {
            WireValue::Varint(v) => last = Some(v),
            other => return Err(wrong_wire_type(Ty::Int64, other)),
        }
    }
    Ok(last)
}

fn last_bytes<'a>(
    fields: &[(u32, WireValue<'a>)],
    number: u32,
) -> Result<Option<&'a [u8]>, DecodeError> {
    let mut last = None;
    for value in values(fields, number) {
        last = Some(bytes_of(value, "bytes")?);
    }
    Ok(last)
}

fn last_string_opt(
    fields: &[(u32, WireValue<'_>)],
    number: u32,
) -> Result<Option<String>, DecodeError> {
    Ok(last_bytes(fields, number)?.map(|bytes| String::from_utf8_lossy(bytes).into_owned()))
}

fn last_string(fields: &[(u32, WireValue<'_>)], number: u32) -> Result<String, DecodeError> {
    Ok(last_string_opt(fields, number)?.unwrap_or_default())
}

fn wrong_wire_type(ty: Ty, value: WireValue<'_>) -> DecodeError {
    let ty = match ty {
        Ty::Bool => "bool",
        Ty::Int32 => "int32",
        Ty::Int64 => "int64",
        Ty::Double => "double",
        Ty::Str => "string",
        Ty::Bytes => "bytes",
        Ty::Msg(_) => "message",
    };
    DecodeError::new(Reason::WireType {
        found: wire_name(value),
        ty,
    })
}

fn wire_name(value: WireValue<'_>) -> &'static str {
    match value {
        WireValue::Varint(_) => "a varint",
        WireValue::Fixed64(_) => "a 64-bit value",
        WireValue::Bytes(_) => "length-delimited bytes",
        WireValue::Fixed32(_) => "a 32-bit value",
        WireValue::Group => "a group",
    }
}
