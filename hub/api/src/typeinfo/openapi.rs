//! Type metadata from an OpenAPI v3 schema, such as a CRD version's `openAPIV3Schema`: objects
//! with `properties` become named types, `additionalProperties` maps, `items` lists, with the
//! schema's `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`.
//! Objects without properties (and `x-kubernetes-preserve-unknown-fields` ones) are arbitrary
//! JSON; `metadata` is the built-in ObjectMeta, as kube-apiserver has it for custom resources.

use std::collections::HashMap;

use serde_json::Value;

use super::{Facts, Field, ListType, MapType, Schema, Shape, TypeDef, builtin};

/// The OpenAPI name of ObjectMeta.
const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

impl Schema {
    /// The schema of one kind whose OpenAPI v3 schema is `schema`; its root type is named
    /// `name` ([`Schema::named`]). Strategic merge patch facts stay empty: kube refuses that
    /// patch type for custom resources.
    pub fn from_openapi(name: &str, schema: &Value) -> Schema {
        let mut builder = Builder::default();
        let root = builder.object(name, schema);
        let metadata = builder.import(builtin(), OBJECT_META);
        if let Some(metadata) = metadata {
            let fields = &mut builder.schema.types[root].fields;
            fields.retain(|field| &*field.name != "metadata");
            fields.push(Field {
                name: "metadata".into(),
                shape: Shape::Named(metadata),
                facts: Facts::default(),
            });
            for standard in ["apiVersion", "kind"] {
                if !fields.iter().any(|field| &*field.name == standard) {
                    fields.push(Field {
                        name: standard.into(),
                        shape: Shape::Scalar,
                        facts: Facts::default(),
                    });
                }
            }
            fields.sort_by(|a, b| a.name.cmp(&b.name));
        }
        builder.schema
    }
}

#[derive(Default)]
struct Builder {
    schema: Schema,
    imported: HashMap<String, usize>,
}

impl Builder {
    /// Defines the object type `name` from `schema` (which has `properties`).
    fn object(&mut self, name: &str, schema: &Value) -> usize {
        let index = self.schema.types.len();
        self.schema.types.push(TypeDef {
            name: name.into(),
            atomic: schema.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic"),
            fields: Vec::new(),
        });
        self.schema.by_name.insert(name.into(), index);
        let mut fields = Vec::new();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (field, property) in properties {
                let (shape, facts) = self.shape(&format!("{name}.{field}"), property);
                fields.push(Field {
                    name: field.as_str().into(),
                    shape,
                    facts,
                });
            }
        }
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        self.schema.types[index].fields = fields;
        index
    }

    fn shape(&mut self, name: &str, schema: &Value) -> (Shape, Facts) {
        let text = |key: &str| schema.get(key).and_then(Value::as_str);
        let mut facts = Facts {
            map_type: match text("x-kubernetes-map-type") {
                Some("atomic") => Some(MapType::Atomic),
                Some("granular") => Some(MapType::Granular),
                _ => None,
            },
            ..Facts::default()
        };
        if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            return (Shape::Scalar, facts);
        }
        let shape = match text("type") {
            Some("array") => {
                facts.list_type = match text("x-kubernetes-list-type") {
                    Some("set") => ListType::Set,
                    Some("map") => ListType::Map(
                        schema
                            .get("x-kubernetes-list-map-keys")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(Into::into)
                            .collect(),
                    ),
                    _ => ListType::Atomic,
                };
                let item = match schema.get("items") {
                    Some(items) => self.shape(&format!("{name}[]"), items).0,
                    None => Shape::Any,
                };
                Shape::List(Box::new(item))
            }
            Some("object") => {
                if schema.get("properties").is_some_and(Value::is_object) {
                    Shape::Named(self.object(name, schema))
                } else {
                    match schema.get("additionalProperties") {
                        Some(value @ Value::Object(_)) => {
                            Shape::Map(Box::new(self.shape(&format!("{name}{{}}"), value).0))
                        }
                        _ => Shape::Any,
                    }
                }
            }
            Some(_) => Shape::Scalar,
            None => Shape::Any,
        };
        (shape, facts)
    }

    /// Copies the built-in type `name` and the types it reaches; its index here.
    fn import(&mut self, from: &Schema, name: &str) -> Option<usize> {
        if let Some(&index) = self.imported.get(name) {
            return Some(index);
        }
        let def = from.type_def(name)?;
        let index = self.schema.types.len();
        self.schema.types.push(TypeDef {
            name: def.name.clone(),
            atomic: def.atomic,
            fields: Vec::new(),
        });
        self.schema.by_name.insert(def.name.clone(), index);
        self.imported.insert(name.to_owned(), index);
        let fields = def
            .fields
            .iter()
            .map(|field| Field {
                name: field.name.clone(),
                shape: self.import_shape(from, &field.shape),
                facts: field.facts.clone(),
            })
            .collect();
        self.schema.types[index].fields = fields;
        Some(index)
    }

    fn import_shape(&mut self, from: &Schema, shape: &Shape) -> Shape {
        match shape {
            Shape::Scalar => Shape::Scalar,
            Shape::Any => Shape::Any,
            Shape::Named(index) => {
                let name = from.types[*index].name.to_string();
                self.import(from, &name).map_or(Shape::Any, Shape::Named)
            }
            Shape::List(item) => Shape::List(Box::new(self.import_shape(from, item))),
            Shape::Map(value) => Shape::Map(Box::new(self.import_shape(from, value))),
        }
    }
}
