//! Per-field merge metadata of the built-in types, as kube-apiserver reads it from its OpenAPI
//! schemas: for strategic merge patch the patch strategy and merge key
//! (`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`), for server-side apply the
//! list and map types (`x-kubernetes-list-type` with `x-kubernetes-list-map-keys`,
//! `x-kubernetes-map-type`). Where the two disagree (Container.ports merges by `containerPort`
//! in a patch but is keyed by `containerPort` and `protocol` for apply) both are kept.
//!
//! The facts are a generated table (`typeinfo/table.txt`, from `hub/api/typeinfo/generate.py`),
//! parsed once on first use into a [`Schema`]: named types, their fields by JSON name, each
//! field's shape (scalar, arbitrary JSON, named type, list, map) and facts. A [`TypeRef`] is a
//! position in a value: the root of a kind ([`for_kind`]), or what [`TypeRef::field`] and
//! [`TypeRef::item`] reach from there. A position without metadata ([`TypeRef::UNKNOWN`], a
//! custom resource or a field the table does not know) behaves as kube treats schemaless data:
//! objects merge key by key, lists are atomic.
//!
//! A [`Schema`] is plain data: [`Schema::parse`] reads the table format, and
//! [`Schema::from_openapi`] builds one from a custom resource's OpenAPI v3 schema (its
//! `x-kubernetes-list-type` and friends), used through the same [`TypeRef`].

mod openapi;
mod parse;
#[cfg(test)]
mod tests;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The generated facts of the built-in types.
const TABLE: &str = include_str!("typeinfo/table.txt");

/// Named types, their fields and the facts of each field.
#[derive(Debug, Default)]
pub struct Schema {
    types: Vec<TypeDef>,
    by_name: HashMap<Box<str>, usize>,
    kinds: HashMap<(Box<str>, Box<str>), usize>,
}

/// One named type (an OpenAPI definition such as `io.k8s.api.core.v1.Container`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    name: Box<str>,
    atomic: bool,
    fields: Vec<Field>,
}

/// One field of a [`TypeDef`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    name: Box<str>,
    shape: Shape,
    facts: Facts,
}

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A string, number or boolean (also quantities, times, int-or-string).
    Scalar,
    /// Arbitrary JSON (`RawExtension`, `JSON`, `FieldsV1`): no metadata below.
    Any,
    /// A named type, by its index in the [`Schema`].
    Named(usize),
    /// A list of the inner shape.
    List(Box<Shape>),
    /// A string-keyed map of the inner shape.
    Map(Box<Shape>),
}

/// The merge facts of a field (the defaults mean "none").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Strategic merge patch metadata.
    pub patch: PatchMeta,
    /// Server-side apply list type, for list fields.
    pub list_type: ListType,
    /// Server-side apply map type of this field, when it overrides its type's (maps and structs).
    pub map_type: Option<MapType>,
    /// The field's default, for list-map key fields that have one (`protocol: TCP`).
    pub default: Option<Box<str>>,
}

/// Strategic merge patch metadata of a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchMeta {
    /// How a patch combines with the original.
    pub strategy: PatchStrategy,
    /// Whether the field also has the `retainKeys` strategy (kubectl sends `$retainKeys`).
    pub retain_keys: bool,
    /// The merge key of a list of objects merged by key.
    pub merge_key: Option<Box<str>>,
}

/// `x-kubernetes-patch-strategy` without `retainKeys`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PatchStrategy {
    /// Maps merge recursively, lists are replaced.
    #[default]
    Default,
    /// Lists merge: by the merge key for objects, as a union for primitives.
    Merge,
    /// The patch value replaces the original (maps too).
    Replace,
}

/// `x-kubernetes-list-type`, as server-side apply reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ListType {
    /// The list is one value, owned and replaced as a whole.
    #[default]
    Atomic,
    /// A list of unique scalars, each owned separately.
    Set,
    /// A list of objects keyed by these fields, each item owned separately.
    Map(Vec<Box<str>>),
}

/// `x-kubernetes-map-type`, as server-side apply reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapType {
    /// Each key is owned separately.
    Granular,
    /// The map (or struct) is one value.
    Atomic,
}

/// What kind of value a [`TypeRef`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No metadata: objects are granular maps, lists atomic.
    Unknown,
    /// A scalar.
    Scalar,
    /// A named type with fields.
    Struct,
    /// A list.
    List,
    /// A string-keyed map.
    Map,
}

/// A position in a value with its metadata, or [`TypeRef::UNKNOWN`].
#[derive(Debug, Clone, Copy)]
pub struct TypeRef<'a> {
    node: Option<Node<'a>>,
    facts: &'a Facts,
}

/// Why a table could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("type table line {line}: {message}")]
pub struct TypeInfoError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The built-in types' schema, parsed on first use.
pub fn builtin() -> &'static Schema {
    static BUILTIN: OnceLock<Schema> = OnceLock::new();
    BUILTIN.get_or_init(|| match Schema::parse(TABLE) {
        Ok(schema) => schema,
        // The table is generated and parsed by a unit test; a failure here is a build defect.
        Err(error) => panic!("the built-in type table is invalid: {error}"),
    })
}

/// The root type of the built-in kind `group`/`version`/`kind` (`""` for the core group).
pub fn for_kind(group: &str, version: &str, kind: &str) -> Option<TypeRef<'static>> {
    let api_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    builtin().kind(&api_version, kind)
}

/// The built-in type named `name` (`io.k8s.api.core.v1.Container`).
pub fn named(name: &str) -> Option<TypeRef<'static>> {
    builtin().named(name)
}

/// The field `field` (a JSON name) of the built-in type `type_name`.
pub fn field(type_name: &str, field: &str) -> Option<&'static Field> {
    builtin().field(type_name, field)
}

impl Schema {
    /// Reads the table format written by `hub/api/typeinfo/generate.py` (see `parse.rs`).
    pub fn parse(text: &str) -> Result<Schema, TypeInfoError> {
        parse::parse(text)
    }

    /// The root type of the kind `kind` served as `api_version` (`v1`, `apps/v1`).
    pub fn kind(&self, api_version: &str, kind: &str) -> Option<TypeRef<'_>> {
        let index = *self.kinds.get(&(api_version.into(), kind.into()))?;
        Some(self.root(index))
    }

    /// The type named `name`.
    pub fn named(&self, name: &str) -> Option<TypeRef<'_>> {
        self.by_name.get(name).map(|&index| self.root(index))
    }

    /// The type named `name` as a definition.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.by_name.get(name).map(|&index| &self.types[index])
    }

    /// The field `field` of the type `type_name`.
    pub fn field(&self, type_name: &str, field: &str) -> Option<&Field> {
        self.type_def(type_name)?.field(field)
    }

    /// Every type, in table order.
    pub fn types(&self) -> impl Iterator<Item = &TypeDef> {
        self.types.iter()
    }

    /// Every kind as `(apiVersion, kind, type name)`.
    pub fn kinds(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.kinds.iter().map(|((api_version, kind), &index)| {
            (&**api_version, &**kind, &*self.types[index].name)
        })
    }

    fn root(&self, index: usize) -> TypeRef<'_> {
        TypeRef {
            node: Some(Node {
                schema: self,
                shape: NodeShape::Named(index),
            }),
            facts: &NO_FACTS,
        }
    }
}

impl TypeDef {
    /// The OpenAPI name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the type is atomic for server-side apply (`x-kubernetes-map-type: atomic`).
    pub fn is_atomic(&self) -> bool {
        self.atomic
    }

    /// The fields, sorted by JSON name.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The field with the JSON name `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .binary_search_by(|field| (*field.name).cmp(name))
            .ok()
            .map(|index| &self.fields[index])
    }
}

impl Field {
    /// The JSON name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the field holds.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The merge facts.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }
}

/// The facts of positions that have none (roots, list items, map values).
static NO_FACTS: Facts = Facts {
    patch: PatchMeta {
        strategy: PatchStrategy::Default,
        retain_keys: false,
        merge_key: None,
    },
    list_type: ListType::Atomic,
    map_type: None,
    default: None,
};

impl TypeRef<'static> {
    /// A position without metadata.
    pub const UNKNOWN: TypeRef<'static> = TypeRef {
        node: None,
        facts: &NO_FACTS,
    };
}

impl<'a> TypeRef<'a> {
    /// What kind of value this is.
    pub fn kind(self) -> Kind {
        match self.node.map(|node| node.shape) {
            None => Kind::Unknown,
            Some(NodeShape::Scalar) => Kind::Scalar,
            Some(NodeShape::Named(_)) => Kind::Struct,
            Some(NodeShape::List(_)) => Kind::List,
            Some(NodeShape::Map(_)) => Kind::Map,
        }
    }

    /// Whether nothing is known here.
    pub fn is_unknown(self) -> bool {
        self.node.is_none()
    }

    /// The named type, for a struct.
    pub fn type_def(self) -> Option<&'a TypeDef> {
        match self.node? {
            Node {
                schema,
                shape: NodeShape::Named(index),
            } => Some(&schema.types[index]),
            _ => None,
        }
    }

    /// The type of the member `name`: a struct's field (unknown if it has no such field), any
    /// map value, unknown otherwise.
    pub fn field(self, name: &str) -> TypeRef<'a> {
        let Some(node) = self.node else {
            return self;
        };
        match node.shape {
            NodeShape::Named(index) => match node.schema.types[index].field(name) {
                Some(field) => node.at(&field.shape, &field.facts),
                None => TypeRef::UNKNOWN,
            },
            NodeShape::Map(value) => node.at(value, &NO_FACTS),
            _ => TypeRef::UNKNOWN,
        }
    }

    /// Whether `name` is a declared field of this struct (as opposed to a map key or an
    /// unknown field).
    pub fn declares(self, name: &str) -> bool {
        self.type_def().is_some_and(|def| def.field(name).is_some())
    }

    /// The type of a list's items; unknown for anything else.
    pub fn item(self) -> TypeRef<'a> {
        match self.node {
            Some(node) => match node.shape {
                NodeShape::List(item) => node.at(item, &NO_FACTS),
                _ => TypeRef::UNKNOWN,
            },
            None => TypeRef::UNKNOWN,
        }
    }

    /// The strategic merge patch metadata of the field holding this value.
    pub fn patch_meta(self) -> &'a PatchMeta {
        &self.facts.patch
    }

    /// The server-side apply list type (atomic for anything that is not a known list).
    pub fn list_type(self) -> &'a ListType {
        if self.kind() == Kind::List {
            &self.facts.list_type
        } else {
            &NO_FACTS.list_type
        }
    }

    /// The default of this field, if the table has one (list-map keys such as `protocol`).
    pub fn default_value(self) -> Option<&'a str> {
        self.facts.default.as_deref()
    }

    /// Whether server-side apply treats this map or struct as one value.
    pub fn is_atomic_map(self) -> bool {
        match self.facts.map_type {
            Some(map_type) => map_type == MapType::Atomic,
            None => self.type_def().is_some_and(TypeDef::is_atomic),
        }
    }
}

/// A position with metadata.
#[derive(Debug, Clone, Copy)]
struct Node<'a> {
    schema: &'a Schema,
    shape: NodeShape<'a>,
}

#[derive(Debug, Clone, Copy)]
enum NodeShape<'a> {
    Scalar,
    Named(usize),
    List(&'a Shape),
    Map(&'a Shape),
}

impl<'a> Node<'a> {
    /// The position holding `shape` with `facts`, in the same schema.
    fn at(self, shape: &'a Shape, facts: &'a Facts) -> TypeRef<'a> {
        let shape = match shape {
            Shape::Scalar => NodeShape::Scalar,
            Shape::Any => return TypeRef { node: None, facts },
            Shape::Named(index) => NodeShape::Named(*index),
            Shape::List(item) => NodeShape::List(item),
            Shape::Map(value) => NodeShape::Map(value),
        };
        TypeRef {
            node: Some(Node {
                schema: self.schema,
                shape,
            }),
            facts,
        }
    }
}
