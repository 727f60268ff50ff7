//! The conformance suite against a real etcd process per case.

use std::sync::Arc;

use storage::conformance::Fixture;

use crate::testing::EtcdProcess;

async fn fixture() -> Option<Fixture> {
    let process = EtcdProcess::start_or_skip().await?;
    Some(Fixture {
        store: Arc::new(process.store().await),
        guard: Box::new(process),
    })
}

storage::conformance_tests!(fixture);
