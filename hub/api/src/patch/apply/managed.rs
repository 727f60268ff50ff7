//! `metadata.managedFields` as kube reads and writes it: one entry per manager identity
//! (manager, operation, apiVersion for updates, subresource) with its time and `FieldsV1` set,
//! sorted Apply first, then by time, manager, apiVersion and subresource.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Operation;
use super::fieldpath::FieldSet;

/// Who owns a set: kube's manager identifier (the time never is part of it, and appliers own
/// their fields whatever version they apply).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Identity {
    pub(crate) manager: String,
    pub(crate) operation: Operation,
    /// The apiVersion of an Update; empty for Apply.
    pub(crate) api_version: String,
    pub(crate) subresource: String,
}

/// The fields a manager owns, at the version it last wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owned {
    pub(crate) set: FieldSet,
    pub(crate) api_version: String,
}

/// Every manager's fields and time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Managed {
    pub(crate) fields: BTreeMap<Identity, Owned>,
    pub(crate) times: BTreeMap<Identity, String>,
}

/// The manager that absorbs the oldest updates beyond [`MAX_UPDATE_MANAGERS`].
const ANCIENT_CHANGES: &str = "ancient-changes";
/// How many Update entries kube keeps.
pub(crate) const MAX_UPDATE_MANAGERS: usize = 10;

impl Identity {
    /// The identity of `manager` writing with `operation` at `api_version` through `subresource`.
    pub(crate) fn new(
        manager: &str,
        operation: Operation,
        api_version: &str,
        subresource: &str,
    ) -> Identity {
        Identity {
            manager: manager.to_owned(),
            operation,
            api_version: match operation {
                Operation::Apply => String::new(),
                Operation::Update => api_version.to_owned(),
            },
            subresource: subresource.to_owned(),
        }
    }

    /// How kube names the manager in conflicts: `"m"`, `"m" with subresource "status"`, and
    /// ` using apps/v1` for updates.
    pub(crate) fn describe(&self) -> String {
        let mut out = go_quote(&self.manager);
        if !self.subresource.is_empty() {
            out.push_str(" with subresource ");
            out.push_str(&go_quote(&self.subresource));
        }
        if self.operation == Operation::Update {
            out.push_str(" using ");
            out.push_str(&self.api_version);
        }
        out
    }
}

/// Whether `entries` asks to clear managedFields (`[]` or `[{}]`).
pub(crate) fn is_reset(entries: Option<&Value>) -> bool {
    match entries {
        Some(Value::Array(items)) => {
            items.is_empty()
                || (items.len() == 1 && items[0].as_object().is_some_and(Map::is_empty))
        }
        _ => false,
    }
}

/// Reads `metadata.managedFields` (absent or null is empty).
pub(crate) fn decode(entries: Option<&Value>) -> Result<Managed, String> {
    let mut managed = Managed::default();
    let items = match entries {
        None | Some(Value::Null) => return Ok(managed),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(format!("managedFields must be a list, got {other}")),
    };
    for (index, entry) in items.iter().enumerate() {
        let text = |key: &str| entry.get(key).and_then(Value::as_str).unwrap_or_default();
        let operation = match text("operation") {
            "Apply" => Operation::Apply,
            "Update" => Operation::Update,
            _ => return Err("operation must be `Apply` or `Update`".into()),
        };
        let api_version = text("apiVersion");
        if api_version.is_empty() {
            return Err("apiVersion must not be empty".into());
        }
        match text("fieldsType") {
            "FieldsV1" => {}
            "" => {
                return Err(format!(
                    "missing fieldsType in managed fields entry {index}"
                ));
            }
            other => {
                return Err(format!(
                    "invalid fieldsType {other:?} in managed fields entry {index}"
                ));
            }
        }
        let set = match entry.get("fieldsV1") {
            None | Some(Value::Null) => FieldSet::default(),
            Some(fields) => FieldSet::from_fields_v1(fields)
                .map_err(|error| format!("error decoding versioned set: {error}"))?,
        };
        let identity = Identity::new(text("manager"), operation, api_version, text("subresource"));
        match entry.get("time").and_then(Value::as_str) {
            Some(time) => managed.times.insert(identity.clone(), time.to_owned()),
            None => managed.times.remove(&identity),
        };
        managed.fields.insert(
            identity,
            Owned {
                set,
                api_version: api_version.to_owned(),
            },
        );
    }
    Ok(managed)
}

/// The entries of `managed`, in kube's order.
pub(crate) fn encode(managed: &Managed) -> Vec<Value> {
    let mut entries: Vec<(&Identity, &Owned, Option<&String>)> = managed
        .fields
        .iter()
        .map(|(identity, owned)| (identity, owned, managed.times.get(identity)))
        .collect();
    entries.sort_by(|a, b| {
        a.0.operation
            .as_str()
            .cmp(b.0.operation.as_str())
            .then_with(|| seconds(a.2).cmp(&seconds(b.2)))
            .then_with(|| a.0.manager.cmp(&b.0.manager))
            .then_with(|| a.1.api_version.cmp(&b.1.api_version))
            .then_with(|| a.0.subresource.cmp(&b.0.subresource))
    });
    entries
        .into_iter()
        .map(|(identity, owned, time)| {
            let mut entry = Map::new();
            entry.insert("manager".into(), identity.manager.clone().into());
            entry.insert("operation".into(), identity.operation.as_str().into());
            entry.insert("apiVersion".into(), owned.api_version.clone().into());
            if let Some(time) = time {
                entry.insert("time".into(), time.clone().into());
            }
            entry.insert("fieldsType".into(), "FieldsV1".into());
            entry.insert("fieldsV1".into(), owned.set.to_fields_v1());
            if !identity.subresource.is_empty() {
                entry.insert("subresource".into(), identity.subresource.clone().into());
            }
            Value::Object(entry)
        })
        .collect()
}

/// Keeps at most [`MAX_UPDATE_MANAGERS`] Update entries by merging the oldest into
/// `ancient-changes` entries, one per apiVersion (kube's `capManagersManager`).
pub(crate) fn cap_update_managers(managed: &mut Managed) {
    let mut updaters: Vec<Identity> = managed
        .fields
        .keys()
        .filter(|identity| identity.operation == Operation::Update)
        .cloned()
        .collect();
    if updaters.len() <= MAX_UPDATE_MANAGERS {
        return;
    }
    updaters.sort_by(|a, b| {
        seconds(managed.times.get(a))
            .cmp(&seconds(managed.times.get(b)))
            .then_with(|| a.manager.cmp(&b.manager))
    });
    let mut first_of_version: BTreeMap<String, Identity> = BTreeMap::new();
    let mut length = updaters.len();
    for identity in updaters {
        if length <= MAX_UPDATE_MANAGERS {
            break;
        }
        let Some(owned) = managed.fields.get(&identity).cloned() else {
            continue;
        };
        let time = managed.times.get(&identity).cloned();
        let version = owned.api_version.clone();
        let bucket = Identity::new(ANCIENT_CHANGES, Operation::Update, &version, "");
        let Some(first) = first_of_version.get(&version) else {
            first_of_version.insert(version, identity);
            continue;
        };
        if !managed.fields.contains_key(&bucket)
            && let Some(first_set) = managed.fields.remove(first)
        {
            managed.times.remove(first);
            managed.fields.insert(bucket.clone(), first_set);
        }
        let merged = match managed.fields.get(&bucket) {
            Some(existing) => owned.set.union(&existing.set),
            None => owned.set.clone(),
        };
        managed.fields.insert(
            bucket.clone(),
            Owned {
                set: merged,
                api_version: version,
            },
        );
        managed.fields.remove(&identity);
        managed.times.remove(&identity);
        length -= 1;
        match time {
            Some(time) => managed.times.insert(bucket, time),
            None => managed.times.remove(&bucket),
        };
    }
}

/// Seconds since the epoch of an RFC 3339 time (0 when absent or unreadable).
fn seconds(time: Option<&String>) -> i64 {
    time.and_then(|time| time.parse::<jiff::Timestamp>().ok())
        .map_or(0, |timestamp| timestamp.as_second())
}

/// Go's `%q` of a string.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
