//! The provider example (`examples/provider.rs`) against a real hub: three tenant workspaces,
//! kubeconfigs minted through the CSR API, and every isolation check passing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::path::PathBuf;
use std::process::Command;

use tests::{Hub, nave_binary};

/// `target/<profile>/examples/provider`, beside the `nave` binary.
fn provider_binary() -> PathBuf {
    let binary = nave_binary()
        .parent()
        .expect("target/<profile>")
        .join("examples")
        .join("provider");
    assert!(
        binary.exists(),
        "{} does not exist: build it with `cargo build -p examples --example provider` \
         (`just test` does)",
        binary.display()
    );
    binary
}

#[test]
fn provider_example_isolates_three_tenants() {
    let mut hub = Hub::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(provider_binary())
        .arg("--kubeconfig")
        .arg(&hub.kubeconfig)
        .args(["--tenants", "3"])
        .arg("--out")
        .arg(out.path())
        .env_remove("KUBECONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the provider example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "provider exited with {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}\nhub:\n{}",
        output.status.code(),
        hub.process.output()
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    assert!(
        stdout.contains("PASS: 3 tenants, each isolated from the others"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    for tenant in 1..=3 {
        let kubeconfig = out.path().join(format!("tenant-{tenant}-admin.kubeconfig"));
        let text = std::fs::read_to_string(&kubeconfig).unwrap();
        assert!(
            text.contains(&format!("/clusters/root:tenant-{tenant}")),
            "{}:\n{text}",
            kubeconfig.display()
        );
        assert!(
            stdout.contains(&format!(
                "ok    tenant-{tenant} sees only its own ConfigMaps"
            )),
            "{stdout}"
        );
    }
}
