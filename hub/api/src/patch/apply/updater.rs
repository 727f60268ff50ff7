//! structured-merge-diff's `Updater` for one apiVersion: applying a configuration (merge,
//! prune what the applier stopped applying, take ownership or report conflicts) and recording
//! an ordinary write (the writer owns what it changed, others lose it).

use std::collections::BTreeMap;

use serde_json::Value;

use super::fieldpath::FieldSet;
use super::managed::{Identity, Owned};
use super::typed::{self, Comparison};
use crate::typeinfo::TypeRef;

/// Every manager's owned fields.
pub(crate) type Fields = BTreeMap<Identity, Owned>;

/// Why an apply failed inside the updater.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Other managers own fields the apply changes: their fields in conflict.
    Conflicts(BTreeMap<Identity, FieldSet>),
    /// The configuration does not fit its type (an item without its keys, duplicates).
    Invalid(String),
}

/// Compares `old` and `new`; every manager but `writer` loses the fields that changed (a
/// conflict unless `force`) and the fields removed. `ignored` paths are not compared.
pub(crate) fn update(
    old: &Value,
    new: &Value,
    ty: TypeRef<'_>,
    fields: &mut Fields,
    writer: &Identity,
    force: bool,
    ignored: &FieldSet,
) -> Result<Comparison, Failure> {
    let mut comparison = typed::compare(old, new, ty);
    comparison.exclude(ignored);
    let changed = comparison.modified.union(&comparison.added);
    let mut conflicts = BTreeMap::new();
    for (identity, owned) in fields.iter() {
        if identity == writer {
            continue;
        }
        let conflict = owned.set.intersection(&changed);
        if !conflict.is_empty() {
            conflicts.insert(identity.clone(), conflict);
        }
    }
    if !force && !conflicts.is_empty() {
        return Err(Failure::Conflicts(conflicts));
    }
    for (identity, owned) in fields.iter_mut() {
        if identity == writer {
            continue;
        }
        if let Some(conflict) = conflicts.get(identity) {
            owned.set = owned.set.difference(conflict);
        }
        owned.set = owned.set.difference(&comparison.removed);
    }
    fields.retain(|_, owned| !owned.set.is_empty());
    Ok(comparison)
}

/// Applies `config` for `applier` to `live`: the merged object, with `fields` updated.
#[allow(clippy::too_many_arguments)] // the updater's inputs, as structured-merge-diff has them
pub(crate) fn apply(
    live: &Value,
    config: &Value,
    ty: TypeRef<'_>,
    version: &str,
    fields: &mut Fields,
    applier: &Identity,
    force: bool,
    ignored: &FieldSet,
) -> Result<Value, Failure> {
    let merged = typed::merge(live, config, ty).map_err(Failure::Invalid)?;
    let last = fields.get(applier).map(|owned| owned.set.clone());
    let set = typed::field_set(config, ty, true)
        .map_err(Failure::Invalid)?
        .recursive_difference(ignored);
    fields.insert(
        applier.clone(),
        Owned {
            set,
            api_version: version.to_owned(),
        },
    );
    let pruned = match last {
        Some(last) if !last.is_empty() => prune(&merged, fields, &last, ty),
        _ => merged,
    };
    update(live, &pruned, ty, fields, applier, force, ignored)?;
    Ok(pruned)
}

/// Records an ordinary write by `writer` from `old` to `new`: the fields it added or changed
/// become its own, removed fields are nobody's.
pub(crate) fn record(
    old: &Value,
    new: &Value,
    ty: TypeRef<'_>,
    version: &str,
    fields: &mut Fields,
    writer: &Identity,
    ignored: &FieldSet,
) {
    let Ok(comparison) = update(old, new, ty, fields, writer, true, ignored) else {
        return;
    };
    let previous = fields
        .remove(writer)
        .map(|owned| owned.set)
        .unwrap_or_default();
    let set = previous
        .union(&comparison.modified)
        .union(&comparison.added)
        .difference(&comparison.removed)
        .recursive_difference(ignored);
    if !set.is_empty() {
        fields.insert(
            writer.clone(),
            Owned {
                set,
                api_version: version.to_owned(),
            },
        );
    }
}

/// Removes from `merged` what the applier applied last time (`last`) and no longer applies,
/// unless another manager owns it.
fn prune(merged: &Value, fields: &Fields, last: &FieldSet, ty: TypeRef<'_>) -> Value {
    let ensure = |set: &FieldSet| typed::ensure_named_fields_are_members(set, ty);
    let set_of = |value: &Value| typed::field_set(value, ty, false).unwrap_or_default();
    let pruned = typed::remove(merged, &ensure(last), ty);

    // Add back what anyone (the applier's new configuration included) owns.
    let managed = fields
        .values()
        .fold(FieldSet::default(), |all, owned| all.union(&owned.set));
    let keep = ensure(&set_of(&pruned)).union(&ensure(&managed));
    let pruned = typed::remove(merged, &ensure(&set_of(merged)).difference(&keep), ty);

    // Only remove what the applier owned last time.
    let gone = ensure(&set_of(merged))
        .difference(&ensure(&set_of(&pruned)))
        .intersection(&ensure(last));
    typed::remove(merged, &gone, ty)
}
