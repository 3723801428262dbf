//! A web service's edge: the listeners of its load balancer and what the
//! load balancer's security group lets in. With a certificate the service
//! answers HTTPS on 443 (the weighted listener the blue/green flip acts
//! on) and port 80 redirects to it; without one it answers HTTP on 80.

use std::collections::BTreeMap;

use strata_core::addr::Address;
use strata_core::config::Lifecycle;
use strata_core::kinds::typed::{
    Handle, Input, Listener, LoadBalancer, Redirect, Rule, Scope, WeightedTarget,
};

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

/// Declares the listeners: `listener` forwards to the weighted target
/// groups (HTTPS on 443 with `certificate`, else HTTP on 80), and with a
/// certificate `http` redirects port 80 to HTTPS (301). `certificate` is
/// an input: a known ARN, or a reference to a certificate resource's ARN.
pub(super) fn declare(
    s: &mut Scope<'_>,
    alb: &Handle<LoadBalancer>,
    forward: Vec<WeightedTarget>,
    certificate: Option<Input<String>>,
    tags: BTreeMap<String, String>,
) {
    let https = certificate.is_some();
    let listener = s.add(
        "listener",
        Listener {
            load_balancer_arn: alb.arn(),
            port: if https { 443 } else { 80 },
            protocol: https.then(|| "HTTPS".to_string()),
            ssl_policy: https.then(|| SSL_POLICY.to_string()),
            certificate_arn: certificate,
            forward,
            tags: tags.clone(),
            ..Default::default()
        },
    );
    if https {
        // Created after the weighted listener has left port 80 (a stack
        // that served HTTP moves its listener to 443 in place).
        let after: Address = listener.address().clone();
        s.add_with(
            "http",
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
}
