//! kube's field-manager layers around the updater for one write: the paths nobody owns
//! (`metadata.name`, `uid`, …), the writer's time stamp, the merge of an Update into its
//! manager's entry, and the cap on Update entries.

use serde_json::Value;

use super::fieldpath::{FieldSet, PathElement};
use super::managed::{self, Identity, Managed, Owned};
use super::updater::{self, Failure};
use super::{Operation, Write};
use crate::typeinfo::TypeRef;

/// One write's fixed inputs.
#[derive(Clone, Copy)]
pub(super) struct Context<'a> {
    pub(super) root: TypeRef<'a>,
    pub(super) api_version: &'a str,
    pub(super) write: &'a Write<'a>,
    pub(super) ignored: &'a FieldSet,
}

impl<'a> Context<'a> {
    pub(super) fn with(self, write: &'a Write<'a>) -> Context<'a> {
        Context { write, ..self }
    }

    /// Applies `config` for `applier`: the merged object and the new managed fields.
    pub(super) fn apply(
        &self,
        live: &Value,
        config: &Value,
        mut managed: Managed,
        applier: &Identity,
        force: bool,
    ) -> Result<(Value, Managed), Failure> {
        let object = updater::apply(
            live,
            config,
            self.root,
            self.api_version,
            &mut managed.fields,
            applier,
            force,
            self.ignored,
        )?;
        strip(&mut managed, applier);
        managed
            .times
            .insert(applier.clone(), self.write.now.to_owned());
        forget_times_of_gone_managers(&mut managed);
        managed::cap_update_managers(&mut managed);
        Ok((object, managed))
    }

    /// Records an ordinary write from `old` to `new` in `managed`.
    pub(super) fn record(&self, old: &Value, new: &Value, managed: &mut Managed) {
        let writer = Identity::new(
            self.write.manager,
            Operation::Update,
            self.api_version,
            self.write.subresource,
        );
        // kube records the write as a fresh manager, then merges it into the writer's entry
        // and stamps the time only if it owns anything.
        let current = Identity::new("", Operation::Update, "", "\u{0}current-operation");
        updater::record(
            old,
            new,
            self.root,
            self.api_version,
            &mut managed.fields,
            &current,
            self.ignored,
        );
        strip(managed, &current);
        if let Some(owned) = managed.fields.remove(&current) {
            let set = match managed.fields.get(&writer) {
                Some(previous) => owned.set.union(&previous.set),
                None => owned.set,
            };
            managed.fields.insert(
                writer.clone(),
                Owned {
                    set,
                    api_version: owned.api_version,
                },
            );
            managed.times.insert(writer, self.write.now.to_owned());
        }
        forget_times_of_gone_managers(managed);
        managed::cap_update_managers(managed);
    }
}

/// The set of the dotted `paths`.
pub(super) fn reset_set(paths: &[&str]) -> FieldSet {
    let mut set = FieldSet::default();
    for path in paths {
        let elements: Vec<PathElement> = path
            .split('.')
            .filter(|name| !name.is_empty())
            .map(|name| PathElement::Field(name.to_owned()))
            .collect();
        set.insert(&elements);
    }
    set
}

/// Removes the never-owned paths from `identity`'s fields (and the entry if nothing is left).
fn strip(managed: &mut Managed, identity: &Identity) {
    if let Some(owned) = managed.fields.get_mut(identity) {
        owned.set = owned.set.difference(&stripped());
        if owned.set.is_empty() {
            managed.fields.remove(identity);
        }
    }
}

fn forget_times_of_gone_managers(managed: &mut Managed) {
    let fields = &managed.fields;
    managed
        .times
        .retain(|identity, _| fields.contains_key(identity));
}

/// Paths nobody owns: what kube's strip-meta layer removes from every manager's fields.
fn stripped() -> FieldSet {
    let mut set = FieldSet::default();
    let field = |name: &str| PathElement::Field(name.to_owned());
    set.insert(&[field("apiVersion")]);
    set.insert(&[field("kind")]);
    set.insert(&[field("metadata")]);
    for name in [
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    ] {
        set.insert(&[field("metadata"), field(name)]);
    }
    set
}
