//! The production web service of `examples/web_service.toml` on moto: the
//! whole stack applies with `kind = "aws"`, plans empty afterwards, and
//! what makes it fit for production reads back through the AWS SDK — the
//! HTTPS listener with its certificate and TLS policy, port 80 redirecting
//! to HTTPS, each private subnet's default route through its AZ's NAT
//! gateway, the launch templates' instance profile, IMDSv2 and encrypted
//! root volumes, and alarms notifying the stack's SNS topic.
//!
//! moto issues a DNS-validated certificate after a short wait (see
//! `scripts/moto.sh`); it does not serve traffic, so nothing here is
//! checked with a request: that is out of scope for a moto test.

use serde_json::Value;
use strata_aws::sdk::{cloudwatch as cw, ec2, elbv2};

use crate::quickstart::id_of;
use crate::rollout::web_service_on_aws;
use crate::support::{moto, sdk, Project};

/// The stack's availability zones (`azs = 3` in us-east-1).
const AZS: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// One attribute of a resource, as state records it.
fn attr_of(p: &Project, address: &str, attr: &str) -> Value {
    let state: Value = serde_json::from_str(&p.ok(&["state", "pull"])).unwrap();
    state["resources"][address]["attrs"][attr].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_production_web_service_applies_on_moto_and_reads_back_hardened() {
    let _moto = moto();
    let p = Project::new(&web_service_on_aws());
    let applied = p.ok(&["apply", "--yes"]);
    assert!(applied.contains("Apply complete"), "{applied}");
    p.assert_no_changes();
    let cfg = sdk().await;

    // HTTPS on 443 with the issued certificate and the stack's TLS policy.
    let lb = elbv2::Client::new(&cfg);
    let https = id_of(&p, "web.https");
    let listeners = lb
        .describe_listeners()
        .listener_arns(&https)
        .send()
        .await
        .unwrap();
    let https = &listeners.listeners()[0];
    assert_eq!(https.port(), Some(443));
    assert_eq!(https.protocol().map(|p| p.as_str()), Some("HTTPS"));
    assert_eq!(
        https.ssl_policy(),
        Some(strata::stacks::web_service::SSL_POLICY)
    );
    let certificate = attr_of(&p, "web.cert", "arn");
    assert!(certificate.is_string(), "{certificate}");
    let served: Vec<_> = https
        .certificates()
        .iter()
        .filter_map(|c| c.certificate_arn())
        .collect();
    assert_eq!(served, [certificate.as_str().unwrap()]);
    let weights: Vec<i32> = https
        .default_actions()
        .iter()
        .filter_map(|a| a.forward_config())
        .flat_map(|f| f.target_groups())
        .map(|t| t.weight().unwrap_or(1))
        .collect();
    assert_eq!(weights, [100, 0], "blue live behind HTTPS");

    // Port 80 answers with a permanent redirect to HTTPS.
    let http = id_of(&p, "web.listener");
    let listeners = lb
        .describe_listeners()
        .listener_arns(&http)
        .send()
        .await
        .unwrap();
    let http = &listeners.listeners()[0];
    assert_eq!(http.port(), Some(80));
    let redirect = http
        .default_actions()
        .iter()
        .find_map(|a| a.redirect_config())
        .expect("port 80 redirects");
    assert_eq!(redirect.protocol(), Some("HTTPS"));
    assert_eq!(redirect.port(), Some("443"));
    assert_eq!(redirect.status_code().map(|s| s.as_str()), Some("HTTP_301"));

    // Each private subnet leaves through the NAT gateway of its own AZ.
    let ec2 = ec2::Client::new(&cfg);
    for az in AZS {
        let table = id_of(&p, &format!("web.private_rt_az[\"{az}\"]"));
        let nat = id_of(&p, &format!("web.nat[\"{az}\"]"));
        let tables = ec2
            .describe_route_tables()
            .route_table_ids(&table)
            .send()
            .await
            .unwrap();
        let default = tables.route_tables()[0]
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .unwrap_or_else(|| panic!("{az}'s private table has no default route"));
        assert_eq!(default.nat_gateway_id(), Some(nat.as_str()), "{az}");
        let subnet = id_of(&p, &format!("web.private[\"{az}\"]"));
        let associated: Vec<_> = tables.route_tables()[0]
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id())
            .collect();
        assert_eq!(associated, [subnet.as_str()], "{az}");
        let gateways = ec2
            .describe_nat_gateways()
            .nat_gateway_ids(&nat)
            .send()
            .await
            .unwrap();
        let public = id_of(&p, &format!("web.public[\"{az}\"]"));
        assert_eq!(
            gateways.nat_gateways()[0].subnet_id(),
            Some(public.as_str()),
            "{az}'s gateway is in its public subnet"
        );
    }

    // Both colors' instances run with the instance profile, IMDSv2 only,
    // and an encrypted root volume.
    let profile = attr_of(&p, "web.app_profile", "name");
    for color in ["blue", "green"] {
        let template = id_of(&p, &format!("web.lt_{color}"));
        let versions = ec2
            .describe_launch_template_versions()
            .launch_template_id(&template)
            .versions("$Latest")
            .send()
            .await
            .unwrap();
        let data = versions.launch_template_versions()[0]
            .launch_template_data()
            .expect("a launch template version has data");
        let named = data.iam_instance_profile().and_then(|i| {
            i.name().map(str::to_string).or_else(|| {
                i.arn()
                    .and_then(|a| a.rsplit('/').next())
                    .map(str::to_string)
            })
        });
        assert_eq!(named.as_deref(), profile.as_str(), "{color}");
        let tokens = data
            .metadata_options()
            .and_then(|m| m.http_tokens())
            .map(|t| t.as_str());
        assert_eq!(tokens, Some("required"), "{color}");
        let encrypted = data
            .block_device_mappings()
            .iter()
            .filter_map(|b| b.ebs())
            .all(|e| e.encrypted() == Some(true));
        assert!(
            encrypted && !data.block_device_mappings().is_empty(),
            "{color}"
        );
    }

    // The SLO alarms notify the stack's topic, on ALARM and on OK.
    let topic = attr_of(&p, "web.alarm_topic", "arn");
    let alarms = cw::Client::new(&cfg)
        .describe_alarms()
        .alarm_names("shop-5xx-rate")
        .alarm_names("shop-p95-latency")
        .send()
        .await
        .unwrap();
    assert_eq!(alarms.metric_alarms().len(), 2, "{alarms:?}");
    for alarm in alarms.metric_alarms() {
        let name = alarm.alarm_name().unwrap_or_default();
        assert_eq!(alarm.alarm_actions(), [topic.as_str().unwrap()], "{name}");
        assert_eq!(alarm.ok_actions(), [topic.as_str().unwrap()], "{name}");
    }
}
