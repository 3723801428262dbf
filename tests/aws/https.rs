//! The HTTPS edge on moto: an HTTPS listener with an ACM certificate and a
//! TLS policy forwarding to a target group, an HTTP listener redirecting to
//! it (301), and a fixed-response listener; read back through the ELB API,
//! changed in place (redirect code, response body, an action of another
//! type), imported and destroyed.

use strata_aws::sdk::{acm, elbv2};

use crate::quickstart::id_of;
use crate::support::{moto, sdk, Project};

const POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

fn manifest(cert: &str) -> String {
    format!(
        r##"stack = "edge"

[provider]
kind = "aws"
region = "us-east-1"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.6.0.0/16"

[resource.a]
kind = "aws.ec2.subnet"
vpc_id = "${{vpc.id}}"
cidr_block = "10.6.1.0/24"
availability_zone = "us-east-1a"

[resource.b]
kind = "aws.ec2.subnet"
vpc_id = "${{vpc.id}}"
cidr_block = "10.6.2.0/24"
availability_zone = "us-east-1b"

[resource.alb]
kind = "aws.elbv2.load_balancer"
name = "edge"
subnet_ids = ["${{a.id}}", "${{b.id}}"]

[resource.app]
kind = "aws.elbv2.target_group"
name = "edge-app"
port = 8000
vpc_id = "${{vpc.id}}"

[resource.https]
kind = "aws.elbv2.listener"
load_balancer_arn = "${{alb.arn}}"
port = 443
protocol = "HTTPS"
certificate_arn = "{cert}"
ssl_policy = "{POLICY}"
forward = [{{ target_group_arn = "${{app.arn}}" }}]

[resource.http]
kind = "aws.elbv2.listener"
load_balancer_arn = "${{alb.arn}}"
port = 80
redirect = {{ protocol = "HTTPS", port = "443", status_code = "HTTP_301" }}

[resource.maintenance]
kind = "aws.elbv2.listener"
load_balancer_arn = "${{alb.arn}}"
port = 8080
fixed_response = {{ status_code = "503", content_type = "text/plain", message_body = "back soon" }}
"##
    )
}

/// What DescribeListeners says of listener `arn`: protocol, certificate,
/// policy and its default action in one line.
async fn describe(client: &elbv2::Client, arn: &str) -> String {
    let resp = client
        .describe_listeners()
        .listener_arns(arn)
        .send()
        .await
        .unwrap();
    let l = &resp.listeners()[0];
    let action = &l.default_actions()[0];
    let what = if let Some(r) = action.redirect_config() {
        format!(
            "redirect {} {} {}",
            r.protocol().unwrap_or_default(),
            r.port().unwrap_or_default(),
            r.status_code().map(|s| s.as_str()).unwrap_or_default()
        )
    } else if let Some(f) = action.fixed_response_config() {
        format!(
            "fixed {} {} {}",
            f.status_code().unwrap_or_default(),
            f.content_type().unwrap_or_default(),
            f.message_body().unwrap_or_default()
        )
    } else {
        let tgs = action
            .forward_config()
            .map(|f| f.target_groups().len())
            .unwrap_or_default();
        format!("forward to {tgs}")
    };
    format!(
        "{} {} {} {what}",
        l.protocol().map(|p| p.as_str()).unwrap_or_default(),
        l.certificates()
            .first()
            .and_then(|c| c.certificate_arn())
            .unwrap_or("-"),
        // moto reports a policy on HTTP listeners too.
        if l.protocol() == Some(&elbv2::types::ProtocolEnum::Https) {
            l.ssl_policy().unwrap_or("-")
        } else {
            "-"
        },
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn https_with_a_redirect_from_http_and_a_fixed_response() {
    let _moto = moto();
    let cfg = sdk().await;
    let cert = acm::Client::new(&cfg)
        .request_certificate()
        .domain_name("shop.example.com")
        .send()
        .await
        .unwrap()
        .certificate_arn()
        .unwrap()
        .to_string();
    let client = elbv2::Client::new(&cfg);
    let p = Project::new(&manifest(&cert));
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();

    let (https, http, fixed) = (
        id_of(&p, "https"),
        id_of(&p, "http"),
        id_of(&p, "maintenance"),
    );
    assert_eq!(
        describe(&client, &https).await,
        format!("HTTPS {cert} {POLICY} forward to 1")
    );
    assert_eq!(
        describe(&client, &http).await,
        "HTTP - - redirect HTTPS 443 HTTP_301"
    );
    assert_eq!(
        describe(&client, &fixed).await,
        "HTTP - - fixed 503 text/plain back soon"
    );

    // In place: another redirect code, another body, then another action.
    p.edit(|t| {
        t.replace("HTTP_301", "HTTP_302")
            .replace("back soon", "back at noon")
    });
    let plan = p.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 2 to change, 0 to destroy"),
        "{plan}"
    );
    p.ok(&["apply", "--yes"]);
    assert_eq!(
        describe(&client, &http).await,
        "HTTP - - redirect HTTPS 443 HTTP_302"
    );
    assert_eq!(
        describe(&client, &fixed).await,
        "HTTP - - fixed 503 text/plain back at noon"
    );
    p.assert_no_changes();
    p.edit(|t| {
        t.replace(
            "fixed_response = { status_code = \"503\", content_type = \"text/plain\", message_body = \"back at noon\" }",
            "forward = [{ target_group_arn = \"${app.arn}\" }]",
        )
    });
    p.ok(&["apply", "--yes"]);
    assert_eq!(id_of(&p, "maintenance"), fixed);
    assert_eq!(describe(&client, &fixed).await, "HTTP - - forward to 1");
    p.assert_no_changes();

    // Forgotten and imported again: nothing to do.
    p.ok(&["state", "rm", "http"]);
    p.ok(&["import", "http", &http]);
    p.assert_no_changes();

    p.ok(&["destroy", "--yes"]);
    let left = client
        .describe_listeners()
        .listener_arns(&https)
        .send()
        .await;
    assert!(left.is_err() || left.unwrap().listeners().is_empty());
}
