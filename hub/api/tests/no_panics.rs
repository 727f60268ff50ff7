//! Arbitrary input never panics the patch engines or the protobuf decoder: random documents,
//! random patches and random bytes, thousands of times, against the public entry points.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use hub_api::typeinfo::{self, TypeRef};
use serde_json::{Map, Value, json};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A key from names that mean something to the engines: merge keys, directives, fields.
    fn key(&mut self) -> String {
        const KEYS: &[&str] = &[
            "name",
            "image",
            "containers",
            "env",
            "value",
            "ports",
            "containerPort",
            "protocol",
            "spec",
            "template",
            "metadata",
            "labels",
            "annotations",
            "finalizers",
            "volumes",
            "$patch",
            "$retainKeys",
            "$setElementOrder/containers",
            "$deleteFromPrimitiveList/finalizers",
            "replicas",
            "selector",
            "matchLabels",
            "strategy",
            "type",
            "data",
            "x",
        ];
        KEYS[self.below(KEYS.len() as u64) as usize].to_owned()
    }

    fn value(&mut self, depth: u32) -> Value {
        match if depth == 0 {
            self.below(4)
        } else {
            self.below(7)
        } {
            0 => Value::Null,
            1 => json!(self.below(3) == 0),
            2 => json!(self.below(100) as i64 - 50),
            3 => json!(["replace", "delete", "merge", "nginx", "a", ""][self.below(6) as usize]),
            4 | 5 => {
                let mut map = Map::new();
                for _ in 0..self.below(4) {
                    map.insert(self.key(), self.value(depth - 1));
                }
                Value::Object(map)
            }
            _ => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
        }
    }
}

fn deployment_root() -> TypeRef<'static> {
    typeinfo::for_kind("apps", "v1", "Deployment").expect("Deployment type info")
}

#[test]
fn strategic_merge_patch_never_panics() {
    let mut random = Random(0x5eed_0001);
    for _ in 0..5_000 {
        let original = random.value(5);
        let patch = random.value(5);
        let _ = hub_api::patch::strategic::apply(&original, &patch, deployment_root());
        let _ = hub_api::patch::strategic::apply(&original, &patch, TypeRef::UNKNOWN);
    }
}

#[test]
fn server_side_apply_never_panics() {
    let mut random = Random(0x5eed_0002);
    for _ in 0..3_000 {
        let mut live = random.value(4);
        let mut applied = random.value(4);
        for object in [&mut live, &mut applied] {
            if let Value::Object(map) = object {
                map.insert("apiVersion".into(), json!("apps/v1"));
                map.insert("kind".into(), json!("Deployment"));
            }
        }
        let manager = ["a", "b", "kubectl"][random.below(3) as usize];
        let _ = hub_api::patch::apply::apply(
            Some(&live),
            &applied,
            manager,
            random.below(2) == 0,
            deployment_root(),
            "2026-01-01T00:00:00Z",
        );
        let _ = hub_api::patch::apply::apply(
            None,
            &applied,
            manager,
            false,
            TypeRef::UNKNOWN,
            "2026-01-01T00:00:00Z",
        );
        let _ = hub_api::patch::apply::record_update(
            Some(&live),
            &applied,
            manager,
            deployment_root(),
            "2026-01-01T00:00:00Z",
        );
    }
}

#[test]
fn protobuf_decoding_never_panics() {
    let mut random = Random(0x5eed_0003);
    for _ in 0..20_000 {
        let length = random.below(96) as usize;
        let mut body: Vec<u8> = (0..length).map(|_| random.next() as u8).collect();
        if random.below(2) == 0 {
            // Most bodies start with the envelope, so the decoder gets past the magic bytes.
            let mut enveloped = b"k8s\0".to_vec();
            enveloped.append(&mut body);
            body = enveloped;
        }
        let _ = hub_api::protobuf::decode_object(&body);
        let _ = hub_api::protobuf::decode_object_with_defaults(&body, "v1", "ConfigMap");
    }
}
