//! Reading the type table. One line per kind or type; `#` starts a comment line.
//!
//! ```text
//! K apps/v1/Deployment io.k8s.api.apps.v1.Deployment
//! T io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector! matchExpressions:[io.k8s…] matchLabels:{s}
//! T io.k8s.api.core.v1.Container name:s ports:[io.k8s.api.core.v1.ContainerPort];smp=merge/containerPort;ssa=map/containerPort,protocol
//! ```
//!
//! A kind line maps `apiVersion/Kind` to its root type. A type line names a type (`!` marks it
//! atomic for server-side apply) and lists its fields as `json:shape` followed by facts. A shape
//! is `s` (scalar), `*` (arbitrary JSON), `[shape]` (list), `{shape}` (map) or a type name.
//! Facts are `smp=<strategies>[/<merge key>]` (strategies `merge`, `retainKeys`, `replace`,
//! comma-separated), `ssa=set`, `ssa=map/<key>,<key>`, `ssa=atomic` or `ssa=granular`, and
//! `default=<string>` (the default of a list-map key field).

use std::collections::HashMap;

use super::{
    Facts, Field, ListType, MapType, PatchStrategy, Schema, Shape, TypeDef, TypeInfoError,
};

/// Parses a whole table.
pub(super) fn parse(text: &str) -> Result<Schema, TypeInfoError> {
    let mut by_name = HashMap::new();
    let mut type_lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let error = |message: String| TypeInfoError {
            line: number + 1,
            message,
        };
        if let Some(rest) = line.strip_prefix("T ") {
            let name = rest.split(' ').next().unwrap_or_default();
            let name = name.strip_suffix('!').unwrap_or(name);
            if by_name
                .insert(Box::<str>::from(name), type_lines.len())
                .is_some()
            {
                return Err(error(format!("type {name} defined twice")));
            }
            type_lines.push((number + 1, rest));
        } else if !(line.is_empty() || line.starts_with('#') || line.starts_with("K ")) {
            return Err(error(format!("unexpected line {line:?}")));
        }
    }

    let mut types = Vec::with_capacity(type_lines.len());
    for &(line, rest) in &type_lines {
        types.push(parse_type(rest, &by_name).map_err(|message| TypeInfoError { line, message })?);
    }

    let mut kinds = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("K ") else {
            continue;
        };
        let error = |message: String| TypeInfoError {
            line: number + 1,
            message,
        };
        let (gvk, type_name) = rest
            .split_once(' ')
            .ok_or_else(|| error(format!("kind line without a type: {line:?}")))?;
        let (api_version, kind) = gvk
            .rsplit_once('/')
            .ok_or_else(|| error(format!("kind without an apiVersion: {gvk:?}")))?;
        let index = *by_name
            .get(type_name)
            .ok_or_else(|| error(format!("kind {gvk} of unknown type {type_name}")))?;
        kinds.insert((api_version.into(), kind.into()), index);
    }

    Ok(Schema {
        types,
        by_name,
        kinds,
    })
}

/// One type line after `T `.
fn parse_type(rest: &str, by_name: &HashMap<Box<str>, usize>) -> Result<TypeDef, String> {
    let mut words = rest.split(' ');
    let name = words.next().unwrap_or_default();
    let (name, atomic) = match name.strip_suffix('!') {
        Some(name) => (name, true),
        None => (name, false),
    };
    let mut fields = words
        .filter(|word| !word.is_empty())
        .map(|word| parse_field(word, by_name).map_err(|message| format!("{name}: {message}")))
        .collect::<Result<Vec<_>, _>>()?;
    fields.sort_by(|a, b| a.name.cmp(&b.name));
    if fields.windows(2).any(|pair| pair[0].name == pair[1].name) {
        return Err(format!("{name}: a field is listed twice"));
    }
    Ok(TypeDef {
        name: name.into(),
        atomic,
        fields,
    })
}

/// `json:shape;fact;fact`.
fn parse_field(word: &str, by_name: &HashMap<Box<str>, usize>) -> Result<Field, String> {
    let mut parts = word.split(';');
    let head = parts.next().unwrap_or_default();
    let (name, shape) = head
        .split_once(':')
        .ok_or_else(|| format!("field without a shape: {word:?}"))?;
    let shape = parse_shape(shape, by_name)?;
    let mut facts = Facts::default();
    for fact in parts {
        if let Some(smp) = fact.strip_prefix("smp=") {
            let (strategies, key) = match smp.split_once('/') {
                Some((strategies, key)) => (strategies, Some(key)),
                None => (smp, None),
            };
            for strategy in strategies.split(',') {
                match strategy {
                    "merge" => facts.patch.strategy = PatchStrategy::Merge,
                    "replace" => facts.patch.strategy = PatchStrategy::Replace,
                    "retainKeys" => facts.patch.retain_keys = true,
                    other => return Err(format!("{name}: unknown patch strategy {other:?}")),
                }
            }
            facts.patch.merge_key = key.map(Into::into);
        } else if let Some(ssa) = fact.strip_prefix("ssa=") {
            match ssa {
                "set" => facts.list_type = ListType::Set,
                "atomic" => facts.map_type = Some(MapType::Atomic),
                "granular" => facts.map_type = Some(MapType::Granular),
                _ => match ssa.strip_prefix("map/") {
                    Some(keys) => {
                        facts.list_type = ListType::Map(keys.split(',').map(Into::into).collect())
                    }
                    None => return Err(format!("{name}: unknown apply type {ssa:?}")),
                },
            }
        } else if let Some(default) = fact.strip_prefix("default=") {
            facts.default = Some(default.into());
        } else {
            return Err(format!("{name}: unknown fact {fact:?}"));
        }
    }
    Ok(Field {
        name: name.into(),
        shape,
        facts,
    })
}

fn parse_shape(text: &str, by_name: &HashMap<Box<str>, usize>) -> Result<Shape, String> {
    if let Some(inner) = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return Ok(Shape::List(Box::new(parse_shape(inner, by_name)?)));
    }
    if let Some(inner) = text
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
    {
        return Ok(Shape::Map(Box::new(parse_shape(inner, by_name)?)));
    }
    match text {
        "s" => Ok(Shape::Scalar),
        "*" => Ok(Shape::Any),
        name => by_name
            .get(name)
            .map(|&index| Shape::Named(index))
            .ok_or_else(|| format!("unknown type {name}")),
    }
}
