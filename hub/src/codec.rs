//! How objects are stored: compact JSON without `metadata.resourceVersion`, plus the byte offset
//! where it belongs, so a read splices the store revision in without parsing the object.
//!
//! Layout: `b'J'`, the offset as 4 big-endian bytes, then the JSON. The offset points just after
//! the `{` that opens `metadata`. Lists and watch events are then byte concatenations; objects are
//! parsed only when something must look inside them (selectors, tables, patches).

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{Map, Value};
use storage::Revision;

const TAG: u8 = b'J';
const HEADER: usize = 5;

/// Why stored bytes could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Not in the layout above.
    #[error("stored object is malformed: {0}")]
    Malformed(&'static str),
    /// The JSON does not parse.
    #[error("stored object is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Encodes an object for storage; its `metadata.resourceVersion` is dropped (the store revision
/// is the resource version).
pub fn encode(object: &Map<String, Value>) -> Bytes {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&[TAG, 0, 0, 0, 0]);
    let mut offset = 0usize;
    out.push(b'{');
    let mut first = true;
    for (key, value) in object {
        if !first {
            out.push(b',');
        }
        first = false;
        write_json(&mut out, &Value::String(key.clone()));
        out.push(b':');
        match (key.as_str(), value) {
            ("metadata", Value::Object(metadata)) => {
                out.push(b'{');
                offset = out.len();
                let mut first_field = true;
                for (field, field_value) in metadata {
                    if field == "resourceVersion" {
                        continue;
                    }
                    if !first_field {
                        out.push(b',');
                    }
                    first_field = false;
                    write_json(&mut out, &Value::String(field.clone()));
                    out.push(b':');
                    write_json(&mut out, field_value);
                }
                out.push(b'}');
            }
            _ => write_json(&mut out, value),
        }
    }
    out.push(b'}');
    let offset = u32::try_from(offset).unwrap_or(0);
    out[1..HEADER].copy_from_slice(&offset.to_be_bytes());
    Bytes::from(out)
}

/// The object's JSON with `metadata.resourceVersion` set to `revision`.
pub fn json_with_revision(stored: &[u8], revision: Revision) -> Result<Bytes, CodecError> {
    let mut out = BytesMut::with_capacity(stored.len() + 32);
    write_with_revision(&mut out, stored, revision)?;
    Ok(out.freeze())
}

/// Appends the object's JSON with `metadata.resourceVersion` set to `revision` to `out`.
pub fn write_with_revision(
    out: &mut BytesMut,
    stored: &[u8],
    revision: Revision,
) -> Result<(), CodecError> {
    let (offset, json) = split(stored)?;
    if offset == 0 || offset > json.len() {
        return Err(CodecError::Malformed("no metadata offset"));
    }
    out.put_slice(&json[..offset]);
    out.put_slice(b"\"resourceVersion\":\"");
    out.put_slice(itoa_revision(revision).as_bytes());
    out.put_slice(b"\"");
    if json[offset] != b'}' {
        out.put_u8(b',');
    }
    out.put_slice(&json[offset..]);
    Ok(())
}

/// Whether the stored object's `apiVersion` is `api_version`, checked without parsing: the
/// encoder writes keys in order, and `apiVersion` sorts first.
pub fn has_api_version(stored: &[u8], api_version: &str) -> bool {
    let Ok((_, json)) = split(stored) else {
        return false;
    };
    let prefix = b"{\"apiVersion\":\"";
    json.starts_with(prefix)
        && json[prefix.len()..].starts_with(api_version.as_bytes())
        && json.get(prefix.len() + api_version.len()) == Some(&b'"')
}

/// Parses a stored object, with `metadata.resourceVersion` set to `revision`.
pub fn decode(stored: &[u8], revision: Revision) -> Result<Map<String, Value>, CodecError> {
    let (_, json) = split(stored)?;
    let mut object: Map<String, Value> = serde_json::from_slice(json)?;
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        metadata.insert(
            "resourceVersion".to_owned(),
            Value::String(revision.to_string()),
        );
    }
    Ok(object)
}

fn split(stored: &[u8]) -> Result<(usize, &[u8]), CodecError> {
    if stored.len() < HEADER || stored[0] != TAG {
        return Err(CodecError::Malformed("unknown format tag"));
    }
    let mut offset = [0u8; 4];
    offset.copy_from_slice(&stored[1..HEADER]);
    let offset = u32::from_be_bytes(offset) as usize;
    Ok((offset.saturating_sub(HEADER), &stored[HEADER..]))
}

fn write_json(out: &mut Vec<u8>, value: &Value) {
    // Serializing a `Value` into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

fn itoa_revision(revision: Revision) -> String {
    revision.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn splices_the_revision_into_metadata() {
        let stored = encode(&object(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "data": {"metadata": "{\"tricky\":{"},
            "metadata": {"name": "a", "resourceVersion": "99", "labels": {"x": "y"}}
        })));
        let json: Value =
            serde_json::from_slice(&json_with_revision(&stored, 42).unwrap()).unwrap();
        assert_eq!(json["metadata"]["resourceVersion"], "42");
        assert_eq!(json["metadata"]["name"], "a");
        assert_eq!(json["data"]["metadata"], "{\"tricky\":{");
        assert_eq!(
            decode(&stored, 42).unwrap()["metadata"]["resourceVersion"],
            "42"
        );
    }

    #[test]
    fn api_version_is_checked_without_parsing() {
        let stored = encode(&object(
            json!({"apiVersion": "acme.io/v1", "kind": "W", "metadata": {}}),
        ));
        assert!(has_api_version(&stored, "acme.io/v1"));
        assert!(!has_api_version(&stored, "acme.io/v1beta1"));
        assert!(!has_api_version(&stored, "acme.io/v"));
    }

    #[test]
    fn handles_empty_metadata_and_rejects_garbage() {
        let stored = encode(&object(json!({"kind": "X", "metadata": {}})));
        let json: Value = serde_json::from_slice(&json_with_revision(&stored, 7).unwrap()).unwrap();
        assert_eq!(
            json,
            json!({"kind": "X", "metadata": {"resourceVersion": "7"}})
        );
        assert!(json_with_revision(b"{}", 1).is_err());
        assert!(decode(b"J\0\0\0\x05not json", 1).is_err());
    }
}
