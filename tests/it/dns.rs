//! DNS and certificates on the sim: the web-service example issues a
//! DNS-validated certificate for its domain and points the domain at its
//! load balancer; a certificate stays PENDING_VALIDATION until its
//! validation CNAME is in a hosted zone (a validation without it times out
//! with a diagnostic that says so), a new domain replaces the certificate
//! making the new one first, a zone holding records is deleted only with
//! `force_destroy`, and a zone lookup and a zone resource live side by side.

use std::sync::Arc;

use serde_json::Value as Json;
use strata::core::addr::Address;
use strata::core::apply::{ApplyOptions, ApplyReport};
use strata::core::config::{Config, ResourceConfig};
use strata::core::events::NullObserver;
use strata::core::graph::Graph;
use strata::core::kinds;
use strata::core::plan::PlanOptions;
use strata::core::provider::{Provider, ProviderError};
use strata::core::session::{Locking, Session};
use strata::core::state::local::LocalBackend;
use strata::core::state::Backend;
use strata::core::value::{Reference, Value};
use strata::sim::{SimOptions, SimProvider};

use crate::web_service::applied;

fn a(s: &str) -> Address {
    Address::parse(s).unwrap()
}

fn r(s: &str) -> Value {
    Value::from(Reference::parse(s).unwrap())
}

fn attrs<'a>(state: &'a Json, address: &str) -> &'a Json {
    let r = &state["resources"][address];
    assert!(!r.is_null(), "{address} is not in state");
    &r["attrs"]
}

#[test]
fn the_example_issues_a_certificate_and_points_its_domain_at_the_load_balancer() {
    let p = applied();
    let state = p.state();
    assert_eq!(attrs(&state, "web.zone")["name"], "shop.example.com");
    let cert = attrs(&state, "web.cert");
    assert_eq!(cert["domain_name"], "shop.example.com");
    let record = attrs(&state, "web.cert_validation_record");
    assert_eq!(record["name"], cert["validation_record_name"]);
    assert_eq!(record["type"], "CNAME");
    assert_eq!(record["records"][0], cert["validation_record_value"]);
    assert_eq!(record["zone_id"], state["resources"]["web.zone"]["id"]);
    let validation = attrs(&state, "web.cert_validation");
    assert_eq!(validation["status"], "ISSUED", "{validation}");
    assert_eq!(
        state["resources"]["web.cert_validation"]["id"], cert["arn"],
        "the validation's id is the certificate it waited for"
    );
    let alias = attrs(&state, "web.dns_alias");
    let alb = attrs(&state, "web.alb");
    assert_eq!(alias["name"], "shop.example.com");
    assert_eq!(alias["type"], "A");
    assert_eq!(alias["alias"]["name"], alb["dns_name"]);
    assert_eq!(alias["alias"]["zone_id"], alb["zone_id"]);

    let out = p.run_expect(&["output", "--json"], 0);
    let outputs: Json = serde_json::from_slice(&out.stdout).unwrap();
    let value = |name: &str| {
        let o = &outputs[name];
        if o.get("value").is_some() {
            o["value"].clone()
        } else {
            o.clone()
        }
    };
    assert_eq!(value("web.url"), "https://shop.example.com", "{outputs}");
    assert_eq!(value("web.certificate_arn"), cert["arn"], "{outputs}");
    assert_eq!(
        value("web.name_servers").as_array().map(Vec::len),
        Some(4),
        "{outputs}"
    );
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn dns_parameters_are_checked_together() {
    let p = crate::support::Project::new(&crate::web_service::example_text().replace(
        "zone_name = \"shop.example.com\"",
        "zone_name = \"example.org\"",
    ));
    let out = p.run_expect(&["validate"], 1);
    let err = crate::support::text(&out.stderr);
    assert!(
        err.contains("`shop.example.com` is not in the zone"),
        "{err}"
    );
    assert!(err.contains("╰── zone_name"), "points at it: {err}");

    let p = crate::support::Project::new(
        &crate::web_service::example_text().replace("zone_name = \"shop.example.com\"", ""),
    );
    let out = p.run_expect(&["validate"], 1);
    let err = crate::support::text(&out.stderr);
    assert!(err.contains("needs a hosted zone"), "{err}");
    assert!(err.contains("zone_id"), "{err}");
}

/// A zone, a certificate for `www.example.net` and its validation; with
/// `record`, the validation CNAME in the zone.
fn certificate_config(record: bool) -> Config {
    let mut c = Config::new("dns");
    c.add(ResourceConfig::new(a("zone"), kinds::ROUTE53_ZONE).with("name", "example.net"));
    c.add(
        ResourceConfig::new(a("cert"), kinds::ACM_CERTIFICATE)
            .with("domain_name", "www.example.net"),
    );
    let mut fqdns = Vec::new();
    if record {
        c.add(
            ResourceConfig::new(a("cert_record"), kinds::ROUTE53_RECORD)
                .with("zone_id", r("zone.id"))
                .with("name", r("cert.validation_record_name"))
                .with("type", "CNAME")
                .with("ttl", 300)
                .with(
                    "records",
                    Value::List(vec![r("cert.validation_record_value")]),
                ),
        );
        fqdns.push(r("cert_record.fqdn"));
    }
    c.add(
        ResourceConfig::new(a("cert_valid"), kinds::ACM_CERTIFICATE_VALIDATION)
            .with("certificate_arn", r("cert.arn"))
            .with("validation_record_fqdns", Value::List(fqdns)),
    );
    c
}

struct Env {
    _dir: tempfile::TempDir,
    backend: Arc<LocalBackend>,
    sim: Arc<SimProvider>,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Env {
            backend: Arc::new(LocalBackend::new(dir.path().join(".strata"))),
            sim: Arc::new(SimProvider::in_memory(SimOptions {
                speed: 20_000.0,
                ..SimOptions::default()
            })),
            _dir: dir,
        }
    }

    /// A certificate's status, read from the sim.
    async fn status(&self, arn: &str) -> Value {
        let live = self.sim.import(kinds::ACM_CERTIFICATE, arn).await.unwrap();
        live["status"].clone()
    }

    async fn apply(&self, config: Config, destroy: bool) -> ApplyReport {
        let provider: Arc<dyn Provider> = self.sim.clone();
        let mut session = Session::open(self.backend.clone(), provider, "dns", Locking::Caller)
            .await
            .unwrap();
        let graph = Graph::build(config).unwrap();
        let plan = session
            .plan(
                &graph,
                &PlanOptions {
                    destroy,
                    ..PlanOptions::default()
                },
            )
            .await
            .unwrap();
        let opts = ApplyOptions {
            stack: "dns".into(),
            // 75 minutes of waiting at most, scaled to about a second.
            timeout_scale: 0.0002,
            ..ApplyOptions::default()
        };
        let report = session
            .apply(&plan, opts, Arc::new(NullObserver))
            .await
            .unwrap();
        session.close().await.unwrap();
        report
    }
}

#[tokio::test]
async fn a_certificate_is_issued_only_once_its_validation_record_is_in_a_zone() {
    let env = Env::new();
    let report = env.apply(certificate_config(false), false).await;
    let failure = report
        .failures
        .iter()
        .find(|f| f.address.as_str() == "cert_valid")
        .unwrap_or_else(|| panic!("the validation did not time out: {report:?}"));
    assert!(failure.error.contains("PENDING_VALIDATION"), "{failure:?}");
    let help = failure.help.clone().unwrap_or_default();
    assert!(help.contains("validation CNAME"), "{help}");

    // With its record in the zone, the same certificate is issued.
    let report = env.apply(certificate_config(true), false).await;
    assert!(report.succeeded(), "{report:?}");
    let state = env.backend.load().await.unwrap().unwrap();
    let cert = &state.resources[&a("cert")];
    assert_eq!(env.status(&cert.id).await, Value::from("ISSUED"));

    // Its records going does not take the certificate back.
    let mut only_cert = Config::new("dns");
    only_cert.add(ResourceConfig::new(a("zone"), kinds::ROUTE53_ZONE).with("name", "example.net"));
    only_cert.add(
        ResourceConfig::new(a("cert"), kinds::ACM_CERTIFICATE)
            .with("domain_name", "www.example.net"),
    );
    assert!(env.apply(only_cert, false).await.succeeded());
    assert_eq!(env.status(&cert.id).await, Value::from("ISSUED"));
}

#[tokio::test]
async fn a_zone_holding_records_is_deleted_only_with_force_destroy() {
    let env = Env::new();
    let mut c = Config::new("dns");
    c.add(ResourceConfig::new(a("zone"), kinds::ROUTE53_ZONE).with("name", "example.net"));
    assert!(env.apply(c, false).await.succeeded());
    let state = env.backend.load().await.unwrap().unwrap();
    let zone = state.resources[&a("zone")].id.clone();
    // A record made outside this stack.
    let mut other = Config::new("other");
    other.add(
        ResourceConfig::new(a("txt"), kinds::ROUTE53_RECORD)
            .with("zone_id", zone.as_str())
            .with("name", "hello.example.net")
            .with("type", "TXT")
            .with("ttl", 60)
            .with("records", Value::List(vec![Value::from("\"hi\"")])),
    );
    let dir = tempfile::tempdir().unwrap();
    let other_backend = Arc::new(LocalBackend::new(dir.path().join(".strata")));
    let provider: Arc<dyn Provider> = env.sim.clone();
    let mut session = Session::open(other_backend, provider, "other", Locking::Caller)
        .await
        .unwrap();
    let plan = session
        .plan(&Graph::build(other).unwrap(), &PlanOptions::default())
        .await
        .unwrap();
    let report = session
        .apply(
            &plan,
            ApplyOptions {
                stack: "other".into(),
                ..ApplyOptions::default()
            },
            Arc::new(NullObserver),
        )
        .await
        .unwrap();
    assert!(report.succeeded(), "{report:?}");
    session.close().await.unwrap();

    let mut c = Config::new("dns");
    c.add(ResourceConfig::new(a("zone"), kinds::ROUTE53_ZONE).with("name", "example.net"));
    let report = env.apply(c.clone(), true).await;
    let failure = report
        .failures
        .first()
        .unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(failure.code.as_deref(), Some("HostedZoneNotEmpty"));
    assert!(
        failure.error.contains("hello.example.net TXT"),
        "{failure:?}"
    );
    assert!(
        failure
            .help
            .clone()
            .unwrap_or_default()
            .contains("force_destroy = true"),
        "{failure:?}"
    );

    let mut forced = Config::new("dns");
    forced.add(
        ResourceConfig::new(a("zone"), kinds::ROUTE53_ZONE)
            .with("name", "example.net")
            .with("force_destroy", true),
    );
    assert!(env.apply(forced.clone(), false).await.succeeded());
    assert!(env.apply(forced, true).await.succeeded());
    assert!(
        matches!(
            env.sim.import(kinds::ROUTE53_ZONE, &zone).await,
            Err(ProviderError::NotFound { .. })
        ),
        "the zone is still there"
    );
}

#[tokio::test]
async fn a_zone_lookup_and_a_zone_resource_share_the_kind_name() {
    let env = Env::new();
    let parent = env.sim.add_hosted_zone("example.org", false).unwrap();
    // Delegating a subdomain: the parent zone is looked up (`[data]`), the
    // child zone is managed (`[resource]`), both `aws.route53.zone`.
    let text = r#"
stack = "dns"

[data.parent]
kind = "aws.route53.zone"
name = "example.org"

[resource.sub]
kind = "aws.route53.zone"
name = "sub.example.org"

[resource.delegation]
kind = "aws.route53.record"
zone_id = "${data.parent.id}"
name = "sub.example.org"
type = "NS"
ttl = 172800
records = "${sub.name_servers}"
"#;
    let config = strata::core::manifest::parse_manifest("dns.toml", text).unwrap();
    let report = env.apply(config, false).await;
    assert!(report.succeeded(), "{report:?}");
    let state = env.backend.load().await.unwrap().unwrap();
    let sub = &state.resources[&a("sub")];
    let delegation = &state.resources[&a("delegation")];
    assert_eq!(sub.kind, kinds::ROUTE53_ZONE);
    assert_eq!(delegation.id, format!("{parent}_sub.example.org_NS"));
    assert_eq!(delegation.attrs["records"], sub.attrs["name_servers"]);
    assert!(!state
        .resources
        .keys()
        .any(|k| k.as_str().starts_with("data.")));
}

#[tokio::test]
async fn a_new_domain_replaces_the_certificate_making_the_new_one_first() {
    let env = Env::new();
    assert!(env.apply(certificate_config(true), false).await.succeeded());
    let before = env.backend.load().await.unwrap().unwrap();
    let old = before.resources[&a("cert")].id.clone();

    let mut renamed = certificate_config(true);
    if let Some(cert) = renamed.resources.get_mut(&a("cert")) {
        cert.attrs
            .insert("domain_name".into(), Value::from("api.example.net"));
    }
    let graph = Graph::build(renamed.clone()).unwrap();
    let provider: Arc<dyn Provider> = env.sim.clone();
    let session = Session::open(env.backend.clone(), provider, "dns", Locking::Caller)
        .await
        .unwrap();
    let plan = session.plan(&graph, &PlanOptions::default()).await.unwrap();
    let cert = plan.change(&a("cert")).unwrap();
    assert_eq!(cert.action, strata::core::plan::Action::Replace);
    assert_eq!(
        cert.replace_order,
        Some(strata::core::plan::ReplaceOrder::CreateThenDelete)
    );
    session.close().await.unwrap();

    let report = env.apply(renamed, false).await;
    assert!(report.succeeded(), "{report:?}");
    let after = env.backend.load().await.unwrap().unwrap();
    let new = after.resources[&a("cert")].id.clone();
    assert_ne!(new, old);
    assert_eq!(env.status(&new).await, Value::from("ISSUED"));
    assert_eq!(after.resources[&a("cert_valid")].id, new);
    assert!(
        matches!(
            env.sim.import(kinds::ACM_CERTIFICATE, &old).await,
            Err(ProviderError::NotFound { .. })
        ),
        "the old certificate is deleted"
    );
}
