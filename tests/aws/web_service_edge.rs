//! The web service with HTTPS and NAT gateways on moto: the whole stack of
//! `examples/web_service.toml` with a certificate (requested from moto's
//! ACM) applies, its plan is then empty, and the EC2 and ELB APIs show the
//! HTTPS listener with the certificate forwarding to the target groups,
//! port 80 redirecting to HTTPS, and each private subnet routed through its
//! own AZ's NAT gateway.

use strata_aws::sdk::{acm, ec2, elbv2};

use crate::quickstart::id_of;
use crate::rollout::web_service_on_aws;
use crate::support::{moto, sdk, Project};

#[tokio::test(flavor = "multi_thread")]
async fn the_web_service_serves_https_and_its_private_subnets_reach_out_by_nat() {
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
    let manifest = web_service_on_aws().replacen(
        "# certificate_arn = \"arn:aws:acm:us-east-1:123456789012:certificate/...\"",
        &format!("certificate_arn = \"{cert}\""),
        1,
    );
    assert!(manifest.contains(&format!("\ncertificate_arn = \"{cert}\"")));
    let p = Project::new(&manifest);
    let applied = p.ok(&["apply", "--yes"]);
    assert!(applied.contains("Apply complete"), "{applied}");
    p.assert_no_changes();

    // The listeners, as the ELB API reports them.
    let elb = elbv2::Client::new(&cfg);
    let listeners = elb
        .describe_listeners()
        .listener_arns(id_of(&p, "web.https"))
        .listener_arns(id_of(&p, "web.listener"))
        .send()
        .await
        .unwrap();
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .unwrap();
    assert_eq!(https.protocol().map(|p| p.as_str()), Some("HTTPS"));
    assert_eq!(
        https.certificates()[0].certificate_arn(),
        Some(cert.as_str())
    );
    assert_eq!(
        https.ssl_policy(),
        Some("ELBSecurityPolicy-TLS13-1-2-2021-06")
    );
    let weights: Vec<i32> = https.default_actions()[0]
        .forward_config()
        .unwrap()
        .target_groups()
        .iter()
        .map(|t| t.weight().unwrap_or(1))
        .collect();
    assert_eq!(weights, [100, 0], "blue live behind HTTPS");
    let http = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(80))
        .unwrap();
    let redirect = http.default_actions()[0].redirect_config().unwrap();
    assert_eq!(
        (
            redirect.protocol(),
            redirect.port(),
            redirect.status_code().map(|s| s.as_str())
        ),
        (Some("HTTPS"), Some("443"), Some("HTTP_301"))
    );

    // Each private subnet's table sends 0.0.0.0/0 to its own AZ's gateway.
    let ec2 = ec2::Client::new(&cfg);
    for az in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        let table = id_of(&p, &format!("web.private_rt_az[\"{az}\"]"));
        let nat = id_of(&p, &format!("web.nat[\"{az}\"]"));
        let tables = ec2
            .describe_route_tables()
            .route_table_ids(&table)
            .send()
            .await
            .unwrap();
        let t = &tables.route_tables()[0];
        let out = t
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .unwrap();
        assert_eq!(out.nat_gateway_id(), Some(nat.as_str()), "{az}");
        let subnets: Vec<&str> = t
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id())
            .collect();
        assert_eq!(subnets, [id_of(&p, &format!("web.private[\"{az}\"]"))]);
        let gateways = ec2
            .describe_nat_gateways()
            .nat_gateway_ids(&nat)
            .send()
            .await
            .unwrap();
        assert_eq!(
            gateways.nat_gateways()[0].subnet_id(),
            Some(id_of(&p, &format!("web.public[\"{az}\"]")).as_str())
        );
    }
}
