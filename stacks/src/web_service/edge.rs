//! A web service's edge: the listeners of its load balancer and what the
//! load balancer's security group lets in. With a certificate the service
//! answers HTTPS on 443 (`https`: the weighted listener the blue/green flip
//! acts on) and port 80 (`listener`) redirects to it; without one
//! `listener` answers HTTP on 80 and is the weighted one.

use std::collections::BTreeMap;

use strata_core::addr::Address;
use strata_core::config::Lifecycle;
use strata_core::kinds::typed::{
    Handle, Input, Listener, LoadBalancer, Redirect, Rule, Scope, WeightedTarget,
};

/// The port-80 listener's name: it forwards, or redirects to HTTPS.
pub(super) const HTTP: &str = "listener";
/// The HTTPS listener's name (with a certificate).
pub(super) const HTTPS: &str = "https";

/// The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only.
pub const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// What the load balancer's security group lets in from the internet:
/// HTTP, and HTTPS when the service has a certificate.
pub(super) fn ingress(https: bool) -> Vec<Rule> {
    let mut rules = vec![Rule::tcp(80).from_cidr("0.0.0.0/0").describe("HTTP")];
    if https {
        rules.push(Rule::tcp(443).from_cidr("0.0.0.0/0").describe("HTTPS"));
    }
    rules
}

/// Declares the listeners. Without a certificate, `listener` answers HTTP
/// on 80 and forwards to the weighted target groups. With `certificate`,
/// `https` answers on 443 and forwards, and `listener` (still port 80)
/// redirects to HTTPS (301): a stack that served HTTP changes its port-80
/// listener in place, after the HTTPS one exists. `certificate` is an
/// input: a known ARN, or a reference to a certificate resource's ARN.
pub(super) fn declare(
    s: &mut Scope<'_>,
    alb: &Handle<LoadBalancer>,
    forward: Vec<WeightedTarget>,
    certificate: Option<Input<String>>,
    tags: BTreeMap<String, String>,
) {
    let Some(certificate) = certificate else {
        s.add(
            HTTP,
            Listener {
                load_balancer_arn: alb.arn(),
                port: 80,
                forward,
                tags,
                ..Default::default()
            },
        );
        return;
    };
    let https = s.add(
        HTTPS,
        Listener {
            load_balancer_arn: alb.arn(),
            port: 443,
            protocol: Some("HTTPS".into()),
            ssl_policy: Some(SSL_POLICY.into()),
            certificate_arn: Some(certificate),
            forward,
            tags: tags.clone(),
            ..Default::default()
        },
    );
    let after: Address = https.address().clone();
    s.add_with(
        HTTP,
        Listener {
            load_balancer_arn: alb.arn(),
            port: 80,
            redirect: Some(Redirect::to_https()),
            tags,
            ..Default::default()
        },
        Lifecycle::default(),
        [after],
    );
}
