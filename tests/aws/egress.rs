//! Private egress on moto: an Elastic IP and a NAT gateway in a public
//! subnet, and a private route table sending `0.0.0.0/0` to it. Created,
//! read back through the EC2 API, tags changed in place, the gateway
//! replaced when its subnet changes (the route follows the new gateway),
//! imported, and destroyed.
//!
//! moto gaps (book/src/aws.md): a NAT gateway is `available` at once (the
//! sim covers `pending`); a deleted gateway keeps its Elastic IP associated
//! (AWS frees it), so the replacement here takes another address (the sim
//! replaces a gateway on the same one); ReleaseAddress/DeleteNatGateway of
//! an unknown id answer HTTP 500 (the provider reads first and answers
//! `NotFound`).

use strata_aws::sdk::ec2;

use crate::quickstart::id_of;
use crate::support::{moto, sdk, Project};

const EGRESS: &str = r##"stack = "egress"

[provider]
kind = "aws"
region = "us-east-1"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.7.0.0/16"

[resource.igw]
kind = "aws.ec2.internet_gateway"
vpc_id = "${vpc.id}"

[resource.public_a]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.7.1.0/24"
availability_zone = "us-east-1a"

[resource.public_b]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.7.2.0/24"
availability_zone = "us-east-1b"

[resource.private_a]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.7.11.0/24"
availability_zone = "us-east-1a"

[resource.nat_eip]
kind = "aws.ec2.eip"
tags = { Name = "egress-nat" }

[resource.spare_eip]
kind = "aws.ec2.eip"

[resource.nat]
kind = "aws.ec2.nat_gateway"
subnet_id = "${public_a.id}"
allocation_id = "${nat_eip.id}"
tags = { Name = "egress-nat" }

[resource.private]
kind = "aws.ec2.route_table"
vpc_id = "${vpc.id}"
routes = [{ cidr_block = "0.0.0.0/0", nat_gateway_id = "${nat.id}" }]
subnet_ids = ["${private_a.id}"]

[output.nat_ip]
value = "${nat_eip.public_ip}"
"##;

/// The NAT gateway `id` as DescribeNatGateways reports it: state, subnet,
/// allocation id.
async fn nat_gateway(client: &ec2::Client, id: &str) -> (String, String, String) {
    let resp = client
        .describe_nat_gateways()
        .nat_gateway_ids(id)
        .send()
        .await
        .unwrap();
    let g = &resp.nat_gateways()[0];
    (
        g.state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        g.subnet_id().unwrap_or_default().to_string(),
        g.nat_gateway_addresses()[0]
            .allocation_id()
            .unwrap_or_default()
            .to_string(),
    )
}

/// The route table's routes other than `local`, as `cidr -> target`.
async fn routes(client: &ec2::Client, id: &str) -> Vec<String> {
    let resp = client
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
        .unwrap();
    resp.route_tables()[0]
        .routes()
        .iter()
        .filter(|r| r.gateway_id() != Some("local"))
        .map(|r| {
            format!(
                "{} -> {}",
                r.destination_cidr_block().unwrap_or_default(),
                r.nat_gateway_id().or(r.gateway_id()).unwrap_or_default()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_subnet_reaches_out_through_its_nat_gateway() {
    let _moto = moto();
    let client = ec2::Client::new(&sdk().await);
    let p = Project::new(EGRESS);
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();

    // Read back through EC2: the address, the gateway on it, the route.
    let (eip, nat, rt) = (id_of(&p, "nat_eip"), id_of(&p, "nat"), id_of(&p, "private"));
    let public_a = id_of(&p, "public_a");
    assert!(eip.starts_with("eipalloc-"), "{eip}");
    assert_eq!(
        nat_gateway(&client, &nat).await,
        ("available".to_string(), public_a, eip.clone())
    );
    assert_eq!(routes(&client, &rt).await, [format!("0.0.0.0/0 -> {nat}")]);
    let addresses = client
        .describe_addresses()
        .allocation_ids(&eip)
        .send()
        .await
        .unwrap();
    let ip = addresses.addresses()[0].public_ip().unwrap().to_string();
    assert!(p.ok(&["output", "nat_ip"]).contains(&ip));

    // Tags change in place: the same address and gateway.
    p.edit(|t| t.replace("Name = \"egress-nat\"", "Name = \"egress-nat-2\""));
    let plan = p.ok(&["plan"]);
    assert!(plan.contains("2 to change"), "{plan}");
    p.ok(&["apply", "--yes"]);
    assert_eq!(
        (id_of(&p, "nat_eip"), id_of(&p, "nat")),
        (eip.clone(), nat.clone())
    );
    p.assert_no_changes();

    // Another subnet replaces the gateway (AWS cannot move one); the route
    // follows the new gateway, and the old one is deleted.
    p.edit(|t| {
        t.replace(
            "subnet_id = \"${public_a.id}\"",
            "subnet_id = \"${public_b.id}\"",
        )
        .replace(
            "allocation_id = \"${nat_eip.id}\"",
            "allocation_id = \"${spare_eip.id}\"",
        )
    });
    let plan = p.ok(&["plan"]);
    assert!(plan.contains("must be replaced"), "{plan}");
    p.ok(&["apply", "--yes"]);
    let new_nat = id_of(&p, "nat");
    assert_ne!(new_nat, nat);
    assert_eq!(
        nat_gateway(&client, &new_nat).await.1,
        id_of(&p, "public_b")
    );
    assert_eq!(nat_gateway(&client, &nat).await.0, "deleted");
    assert_eq!(
        routes(&client, &rt).await,
        [format!("0.0.0.0/0 -> {new_nat}")]
    );
    p.assert_no_changes();

    // Forgotten and imported again: the same plan as before.
    p.ok(&["state", "rm", "nat"]);
    p.ok(&["state", "rm", "nat_eip"]);
    p.ok(&["import", "nat_eip", &eip]);
    p.ok(&["import", "nat", &new_nat]);
    p.assert_no_changes();

    // Destroyed: the gateway is deleted, the address released.
    p.ok(&["destroy", "--yes"]);
    assert_eq!(nat_gateway(&client, &new_nat).await.0, "deleted");
    let left = client.describe_addresses().send().await.unwrap();
    assert!(
        left.addresses()
            .iter()
            .all(|a| a.allocation_id() != Some(eip.as_str())),
        "the address was not released"
    );
}
