//! Lookups (`[data.NAME]`) on moto through the real SDK clients: moto's
//! shipped AMIs, the caller identity, the region's AZs, VPCs and subnets by
//! tags, hosted zones by name and certificates by domain and status; and
//! a manifest with lookups planned and applied by the `strata` binary.

use strata::core::graph::Graph;
use strata::core::manifest::parse_manifest;
use strata::core::plan::{self, Action, Plan, PlanError, PlanOptions};
use strata::core::provider::Providers;
use strata::core::state::State;
use strata::core::value::Value;
use strata_aws::sdk::{acm, ec2, route53};
use strata_aws::{AwsProvider, AwsSettings};

use crate::support::{moto, sdk, Project};

async fn plan_on_moto(text: &str) -> Result<Plan, Vec<String>> {
    let aws = AwsProvider::connect(AwsSettings::default()).await.unwrap();
    let providers = Providers::new(std::sync::Arc::new(aws));
    let config = parse_manifest("lookups.toml", text).unwrap();
    let graph = Graph::build(config).unwrap();
    plan::plan(
        &graph,
        &State::new("lookups"),
        &providers,
        &PlanOptions::default(),
    )
    .await
    .map_err(|e| match e {
        PlanError::Lookups(p) => p.problems.iter().map(|p| p.message.clone()).collect(),
        other => vec![format!("{other:?}")],
    })
}

fn exported(plan: &Plan, name: &str, attr: &str) -> Value {
    let c = plan
        .changes
        .iter()
        .find(|c| c.address.as_str() == format!("data.{name}"))
        .unwrap();
    assert_eq!(c.action, Action::Read);
    c.changes
        .iter()
        .find(|a| a.name == attr)
        .and_then(|a| a.after.clone())
        .unwrap_or_else(|| panic!("data.{name} exported no {attr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn amis_from_moto_are_found_by_owner_and_name_pattern() {
    let _moto = moto();
    let one = r#"
[data.amzn2]
kind = "aws.ec2.ami"
owners = ["amazon"]
name = "amzn2-ami-hvm-2.0.20180810-x86_64-*"
"#;
    let plan = plan_on_moto(one).await.unwrap();
    assert_eq!(
        exported(&plan, "amzn2", "id"),
        Value::from("ami-04681a1dbd79675a5")
    );
    assert_eq!(
        exported(&plan, "amzn2", "owner_id"),
        Value::from("137112412989")
    );
    assert_eq!(
        exported(&plan, "amzn2", "architecture"),
        Value::from("x86_64")
    );

    // moto ships two Ubuntu hvm-ssd images: one is needed.
    let ubuntu = r#"
[data.ubuntu]
kind = "aws.ec2.ami"
owners = ["099720109477"]
name = "ubuntu/images/hvm-ssd/ubuntu-*"
"#;
    let errs = plan_on_moto(ubuntu).await.unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("`data.ubuntu` (aws.ec2.ami) found 2 matches"),
        "{errs:?}"
    );
    assert!(errs[0].contains("ubuntu-xenial-16.04"), "{errs:?}");
    // With most_recent one is taken (moto dates every image alike).
    let plan = plan_on_moto(&format!("{ubuntu}most_recent = true\n"))
        .await
        .unwrap();
    let name = exported(&plan, "ubuntu", "name");
    assert!(
        name.as_str()
            .unwrap()
            .starts_with("ubuntu/images/hvm-ssd/ubuntu-"),
        "{name}"
    );

    let errs = plan_on_moto(&ubuntu.replace("ubuntu-*", "ubuntu-plucky-*"))
        .await
        .unwrap_err();
    assert!(
        errs[0].contains("`data.ubuntu` (aws.ec2.ami) found nothing matching"),
        "{errs:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_zones_vpcs_subnets_hosted_zones_and_certificates_are_read() {
    let _moto = moto();
    let cfg = sdk().await;
    let e = ec2::Client::new(&cfg);
    let tag = |k: &str, v: &str| ec2::types::Tag::builder().key(k).value(v).build();
    let spec = |rt, tags: Vec<ec2::types::Tag>| {
        ec2::types::TagSpecification::builder()
            .resource_type(rt)
            .set_tags(Some(tags))
            .build()
    };
    let vpc = e
        .create_vpc()
        .cidr_block("10.42.0.0/16")
        .tag_specifications(spec(
            ec2::types::ResourceType::Vpc,
            vec![tag("env", "prod")],
        ))
        .send()
        .await
        .unwrap();
    let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    for (cidr, az) in [
        ("10.42.2.0/24", "us-east-1b"),
        ("10.42.1.0/24", "us-east-1a"),
    ] {
        e.create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(cidr)
            .availability_zone(az)
            .tag_specifications(spec(
                ec2::types::ResourceType::Subnet,
                vec![tag("tier", "private")],
            ))
            .send()
            .await
            .unwrap();
    }
    let r53 = route53::Client::new(&cfg);
    let zone = r53
        .create_hosted_zone()
        .name("example.com")
        .caller_reference("lookups")
        .send()
        .await
        .unwrap();
    let zone_id = zone
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string();
    let cert = acm::Client::new(&cfg)
        .request_certificate()
        .domain_name("shop.example.com")
        .send()
        .await
        .unwrap();
    let cert_arn = cert.certificate_arn().unwrap().to_string();

    let text = r#"
[data.me]
kind = "aws.caller_identity"

[data.azs]
kind = "aws.availability_zones"

[data.vpc]
kind = "aws.ec2.vpc"
tags = { env = "prod" }

[data.default_vpc]
kind = "aws.ec2.vpc"
default = true

[data.private]
kind = "aws.ec2.subnets"
vpc_id = "${data.vpc.id}"
tags = { tier = "private" }

[data.zone]
kind = "aws.route53.zone"
name = "example.com."

[data.cert]
kind = "aws.acm.certificate"
domain = "shop.example.com"
statuses = ["PENDING_VALIDATION"]
"#;
    let plan = plan_on_moto(text).await.unwrap();
    assert_eq!(
        exported(&plan, "me", "account_id"),
        Value::from("123456789012")
    );
    let names = exported(&plan, "azs", "names");
    assert_eq!(names.as_list().unwrap().len(), 6);
    assert_eq!(names.as_list().unwrap()[0], Value::from("us-east-1a"));
    assert_eq!(exported(&plan, "vpc", "id"), Value::from(vpc_id.as_str()));
    assert_eq!(
        exported(&plan, "vpc", "cidr_block"),
        Value::from("10.42.0.0/16")
    );
    assert_eq!(exported(&plan, "default_vpc", "default"), Value::Bool(true));
    assert_eq!(
        exported(&plan, "private", "cidr_blocks"),
        Value::List(vec!["10.42.1.0/24".into(), "10.42.2.0/24".into()])
    );
    assert_eq!(exported(&plan, "zone", "id"), Value::from(zone_id.as_str()));
    assert_eq!(exported(&plan, "zone", "name"), Value::from("example.com"));
    assert_eq!(
        exported(&plan, "cert", "arn"),
        Value::from(cert_arn.as_str())
    );

    // By default a certificate must be ISSUED; moto's requested one is not.
    let errs = plan_on_moto(&text.replace("statuses = [\"PENDING_VALIDATION\"]", ""))
        .await
        .unwrap_err();
    assert_eq!(
        errs,
        ["`data.cert` (aws.acm.certificate) found nothing matching domain = \"shop.example.com\""]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_with_lookups_plans_and_applies_on_moto() {
    let _moto = moto();
    let p = Project::new(
        r#"stack = "lookups"
[provider]
kind = "aws"
region = "us-east-1"

[data.amzn2]
kind = "aws.ec2.ami"
owners = ["amazon"]
name = "amzn2-ami-hvm-2.0.20180810-x86_64-gp2"

[data.azs]
kind = "aws.availability_zones"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.subnet]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "${data.azs.names[1]}"

[resource.lt]
kind = "aws.ec2.launch_template"
name = "web"
image_id = "${data.amzn2.id}"
instance_type = "t3.micro"
"#,
    );
    let plan = p.ok(&["plan"]);
    assert!(plan.contains(" <= data.amzn2 (aws.ec2.ami)"), "{plan}");
    let image = plan.lines().find(|l| l.contains("+ image_id")).unwrap();
    assert!(image.ends_with("= \"ami-04681a1dbd79675a5\""), "{plan}");
    assert!(
        plan.contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    let applied = p.ok(&["apply", "--yes"]);
    assert!(applied.contains("3 added"), "{applied}");
    p.assert_no_changes();
    let subnets = ec2::Client::new(&sdk().await)
        .describe_subnets()
        .filters(
            ec2::types::Filter::builder()
                .name("cidr-block")
                .values("10.0.1.0/24")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(subnets.subnets()[0].availability_zone(), Some("us-east-1b"));
    p.ok(&["destroy", "--yes"]);
}
