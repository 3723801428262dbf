//! The suite on the simulated cloud: a `SimProvider` in memory, sped up so
//! a DB instance (ten minutes on AWS) is ready in about 30 ms, and a
//! `LocalBackend` in a temporary directory.

use std::sync::Arc;

use strata::core::state::local::LocalBackend;
use strata::sim::{FaultConfig, SimOptions, SimProvider};

use crate::harness::{Gap, Harness, Step, Throttled};

/// 20,000 times faster than AWS: still pending at first, so polling is
/// exercised, and never slow.
const SPEED: f64 = 20_000.0;

async fn setup() -> Harness {
    let options = SimOptions {
        speed: SPEED,
        ..SimOptions::default()
    };
    let throttling = SimOptions {
        faults: FaultConfig {
            throttle: 0.3,
            seed: 7,
            ..FaultConfig::default()
        },
        ..options.clone()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".strata");
    Harness {
        provider: Arc::new(SimProvider::in_memory(options)),
        backend: Box::new(move || Box::new(LocalBackend::new(path.clone()))),
        refuses_stale_writes: false,
        // The sim indexes every create by its token.
        token_kinds: strata::core::kinds::ALL
            .iter()
            .map(|s| s.kind)
            .collect::<Vec<_>>()
            .leak(),
        gaps: &[Gap {
            kind: strata::core::kinds::ACM_CERTIFICATE_VALIDATION,
            step: Step::Update,
            why: "a certificate validation is a wait: it has no setting to change in place",
        }],
        throttled: Throttled {
            provider: Arc::new(SimProvider::in_memory(throttling)),
            injected_below: Box::new(|| 0),
        },
        _guard: Some(Box::new(dir)),
    }
}

checks!(setup);
