//! The suite on moto: `AwsProvider` and `S3Backend` through the real SDK
//! clients, against the moto server `scripts/moto.sh` starts (reset before
//! each check). Throttling goes through the fault-injecting proxy shared
//! with the `aws` target (`tests/common/moto.rs`).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use strata::core::kinds;
use strata_aws::sdk::s3;
use strata_aws::{AwsProvider, AwsSettings, S3Backend, S3Settings};

use crate::harness::{Gap, Harness, Step, Throttled};

#[path = "../common/moto.rs"]
mod moto_server;

const BUCKET: &str = "conformance-state";

/// What moto 5.2.5 cannot do; each gap skips one step of one check, and is
/// listed in the book (`book/src/aws.md`, moto's gaps).
const GAPS: &[Gap] = &[
    Gap {
        kind: kinds::ACM_CERTIFICATE_VALIDATION,
        step: Step::Update,
        why: "a certificate validation is a wait: it has no setting to change in place",
    },
    Gap {
        kind: kinds::ACM_CERTIFICATE_VALIDATION,
        step: Step::Gone,
        why: "deleting a certificate validation deletes nothing in AWS: its certificate still reads as issued",
    },
    Gap {
        kind: kinds::DB_SUBNET_GROUP,
        step: Step::Update,
        why: "moto loses a DB subnet group on ModifyDBSubnetGroup",
    },
    Gap {
        kind: kinds::CACHE_SUBNET_GROUP,
        step: Step::Update,
        why: "moto does not implement ModifyCacheSubnetGroup",
    },
    Gap {
        kind: kinds::CACHE_SUBNET_GROUP,
        step: Step::Delete,
        why: "moto does not implement DeleteCacheSubnetGroup",
    },
    Gap {
        kind: kinds::INSTANCE,
        step: Step::FindByToken,
        why: "moto answers DescribeInstances with the `client-token` filter with HTTP 500",
    },
    Gap {
        kind: kinds::INSTANCE,
        step: Step::TokenRetry,
        why: "moto's RunInstances ignores ClientToken",
    },
    Gap {
        kind: kinds::REPLICATION_GROUP,
        step: Step::Gone,
        why: "moto keeps a deleted replication group `deleting` forever",
    },
    Gap {
        kind: kinds::CACHE_PARAMETER_GROUP,
        step: Step::Create,
        why: "moto implements no cache parameter group call (CreateCacheParameterGroup, ...)",
    },
];

async fn setup() -> Harness {
    let guard = moto_server::moto();
    let cfg = moto_server::sdk().await;
    let s3 = s3::Client::from_conf(
        s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let settings = AwsSettings {
        region: Some("us-east-1".into()),
        ..AwsSettings::default()
    };
    let counts = Arc::new(moto_server::Counts::default());
    let proxy = moto_server::start_proxy(moto_server::upstream(), counts.clone());
    let throttled = AwsSettings {
        endpoint: Some(proxy),
        ..settings.clone()
    };
    Harness {
        provider: Arc::new(AwsProvider::new(settings)),
        backend: Box::new(|| {
            Box::new(S3Backend::new(S3Settings {
                bucket: BUCKET.into(),
                key: "conformance/state.json".into(),
                ..S3Settings::default()
            }))
        }),
        refuses_stale_writes: true,
        // The AWS provider finds instances by their client token; other
        // kinds' create calls take no token.
        token_kinds: &[kinds::INSTANCE],
        gaps: GAPS,
        throttled: Throttled {
            provider: Arc::new(AwsProvider::new(throttled)),
            injected_below: Box::new(move || {
                counts.throttled.load(Ordering::SeqCst) + counts.unavailable.load(Ordering::SeqCst)
            }),
        },
        _guard: Some(Box::new(guard)),
    }
}

checks!(setup);
