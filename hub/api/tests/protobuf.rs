//! The protobuf decoder on real kubectl 1.32 request bodies (`fixtures/protobuf/*.pb`, captured
//! by `hub/api/protobuf/capture.py`; `commands.txt` there says which command sent each).
//!
//! Where kubectl can show the object itself (`--dry-run=client -o json`, saved beside as
//! `<name>.kubectl.json`), the decoded object must equal kubectl's JSON; the other bodies are
//! checked against the JSON written out here. Then every body, cut short or with bytes
//! changed, must decode or fail without a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::fs;
use std::path::{Path, PathBuf};

use hub_api::protobuf::{ProtobufError, decode_object};
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/protobuf")
}

fn body(name: &str) -> Vec<u8> {
    fs::read(fixtures().join(format!("{name}.pb"))).unwrap()
}

fn decoded(name: &str) -> Value {
    let (api_version, kind, object) = decode_object(&body(name)).unwrap();
    assert_eq!(object["apiVersion"], api_version.as_str(), "{name}");
    assert_eq!(object["kind"], kind.as_str(), "{name}");
    object
}

/// Every body that has kubectl's own JSON beside it.
fn with_kubectl_json() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".kubectl.json").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

#[test]
fn decoded_objects_equal_kubectls_json() {
    let names = with_kubectl_json();
    assert_eq!(names.len(), 21, "{names:?}");
    for name in names {
        let text = fs::read_to_string(fixtures().join(format!("{name}.kubectl.json"))).unwrap();
        let mut expected: Value = serde_json::from_str(&text).unwrap();
        if name == "clusterrole-aggregate" {
            // The one difference: Go writes an empty `rules` (no omitempty) as null; it is not
            // on the wire, and the decoder adds nothing that is not.
            assert_eq!(expected["rules"], Value::Null);
            expected.as_object_mut().unwrap().remove("rules");
        }
        assert_eq!(decoded(&name), expected, "{name}");
    }
}

#[test]
fn decoded_objects_field_by_field() {
    // Pointer fields keep their zero, omitempty fields drop theirs; structs stay.
    let deployment = decoded("deployment-zero");
    assert_eq!(deployment["spec"]["replicas"], 0);
    assert_eq!(deployment["spec"]["strategy"], json!({}));
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"],
        json!([{"name": "busybox", "image": "busybox", "command": ["sleep", "3600"], "resources": {}}])
    );
    assert_eq!(deployment["metadata"]["creationTimestamp"], Value::Null);
    // bytes are base64; an empty literal is an empty string.
    assert_eq!(
        decoded("secret")["data"],
        json!({"a": "Yg==", "bin": "w6l0w6k="})
    );
    assert_eq!(decoded("configmap")["data"], json!({"a": "b", "empty": ""}));
    // IntOrString both ways, Quantity strings.
    assert_eq!(decoded("pdb")["spec"]["minAvailable"], 1);
    assert_eq!(decoded("pdb-percent")["spec"]["maxUnavailable"], "50%");
    assert_eq!(
        decoded("quota")["spec"],
        json!({"hard": {"pods": "2", "requests.cpu": "500m", "requests.memory": "1Gi"}, "scopes": ["NotTerminating"]})
    );
    assert_eq!(
        decoded("service")["spec"]["ports"],
        json!([{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}])
    );
    assert_eq!(decoded("priorityclass")["preemptionPolicy"], "Never");
    assert_eq!(decoded("ingress")["spec"]["ingressClassName"], "nginx");
}

#[test]
fn bodies_without_a_dry_run() {
    let cases = [
        (
            "token",
            json!({
                "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "metadata": {"creationTimestamp": null},
                "spec": {"audiences": ["api", "vault"], "expirationSeconds": 600},
                "status": {"token": "", "expirationTimestamp": null},
            }),
        ),
        (
            "token-bound",
            json!({
                "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "metadata": {"creationTimestamp": null},
                "spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p1",
                                            "uid": "0e0c4a2f-1b2c-4d5e-8f90-123456789abc"}},
                "status": {"token": "", "expirationTimestamp": null},
            }),
        ),
        (
            "can-i",
            json!({
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "metadata": {"creationTimestamp": null},
                "spec": {"resourceAttributes": {"namespace": "default", "verb": "create",
                                                "group": "apps", "resource": "deployments"}},
                "status": {"allowed": false},
            }),
        ),
        (
            "can-i-subresource",
            json!({
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "metadata": {"creationTimestamp": null},
                "spec": {"resourceAttributes": {"namespace": "kube-system", "verb": "get",
                                                "resource": "pods", "subresource": "log"}},
                "status": {"allowed": false},
            }),
        ),
        (
            "can-i-nonresource",
            json!({
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "metadata": {"creationTimestamp": null},
                "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}},
                "status": {"allowed": false},
            }),
        ),
        (
            "can-i-list",
            json!({
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
                "metadata": {"creationTimestamp": null},
                "spec": {"namespace": "default"},
                "status": {"incomplete": false},
            }),
        ),
        (
            "whoami",
            json!({
                "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
                "metadata": {"creationTimestamp": null},
                "status": {"userInfo": {}},
            }),
        ),
        (
            // kubectl 1.32 autoscales with autoscaling/v1, even when v2 is served first.
            "autoscale",
            json!({
                "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "web", "creationTimestamp": null},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
                         "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 80},
                "status": {"currentReplicas": 0, "desiredReplicas": 0},
            }),
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(decoded(name), expected, "{name}");
    }
}

#[test]
fn every_body_is_listed_with_its_command() {
    let commands = fs::read_to_string(fixtures().join("commands.txt")).unwrap();
    let mut bodies = 0;
    for entry in fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".pb") {
            bodies += 1;
            assert!(commands.contains(&format!("\n{name}: kubectl ")), "{name}");
        }
    }
    assert_eq!(bodies, 29);
    // `kubectl drain` sends its eviction as JSON, not protobuf.
    assert!(commands.contains("drain.body.json: kubectl drain "));
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Where the raw object's bytes are in a body: after the magic, field 1 (TypeMeta), then
/// field 2's key and length.
fn raw_span(body: &[u8]) -> (usize, usize) {
    let type_meta_len = usize::from(body[5]);
    let raw_key = 4 + 2 + type_meta_len;
    assert_eq!(body[raw_key], 0x12);
    let (mut len, mut shift, mut pos) = (0usize, 0, raw_key + 1);
    loop {
        let byte = body[pos];
        pos += 1;
        len |= usize::from(byte & 0x7f) << shift;
        shift += 7;
        if byte < 0x80 {
            return (raw_key, pos + len);
        }
    }
}

#[test]
fn truncated_and_corrupted_bodies_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut names: Vec<PathBuf> = fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pb"))
        .collect();
    names.sort();
    for path in names {
        let body = fs::read(&path).unwrap();
        let (raw_key, raw_end) = raw_span(&body);
        for cut in 0..body.len() {
            let result = decode_object(&body[..cut]);
            if cut < 4 {
                assert_eq!(result, Err(ProtobufError::NotProtobuf));
            } else if (raw_key + 1..raw_end).contains(&cut) {
                // Inside the object's bytes: its length says more than is there.
                assert!(result.is_err(), "{} cut at {cut}", path.display());
            }
        }
        for _ in 0..3000 {
            let mut corrupt = body.clone();
            for _ in 0..1 + rng.below(3) {
                let at = 4 + rng.below(corrupt.len() - 4);
                corrupt[at] = match rng.below(3) {
                    0 => corrupt[at] ^ (1 << rng.below(8)),
                    1 => rng.next() as u8,
                    _ => 0xff,
                };
            }
            if let Err(error) = decode_object(&corrupt) {
                assert!(!error.to_string().is_empty());
            }
        }
        for _ in 0..300 {
            let mut random = b"k8s\0".to_vec();
            random.extend((0..rng.below(200)).map(|_| rng.next() as u8));
            let _ = decode_object(&random);
            // A valid envelope around random object bytes.
            let mut framed = body[..raw_key].to_vec();
            let object: Vec<u8> = (0..rng.below(120)).map(|_| rng.next() as u8).collect();
            framed.push(0x12);
            framed.push(object.len() as u8);
            framed.extend(&object);
            let _ = decode_object(&framed);
        }
    }
}
