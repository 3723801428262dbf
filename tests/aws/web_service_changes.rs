//! Routine changes to the web service on moto never replace a data store:
//! the whole stack of `examples/web_service.toml` applies with
//! `kind = "aws"`, then each change is planned as an in-place update (or a
//! diagnostic), applied, read back through the SDK, and the plan after it
//! is empty.
//!
//! - PostgreSQL 16 is asked for as `16`: whatever 16.x the cloud runs, the
//!   plan stays empty.
//! - The cache's replica count goes from 2 to 1: an update of the same
//!   group, never a new one (planned only: moto lacks DecreaseReplicaCount).
//! - The database's class grows: ModifyDBInstance on the same instance,
//!   waiting for the maintenance window, and an empty plan after.
//! - A copy named with upper case (`Shop`) is refused with a diagnostic
//!   before anything is created: AWS would store its identifiers in lower
//!   case and Strata could not find them again.
//!
//! Subnet-group moves, replica promotion, user data and rule order are
//! covered kind by kind in `rds_safety.rs` and `in_place.rs`.

use serde_json::Value;
use strata_aws::sdk::{ec2, elbv2, rds};

use crate::quickstart::id_of;
use crate::rollout::web_service_on_aws;
use crate::support::{moto, sdk, Project};

fn plan_json(p: &Project) -> Value {
    serde_json::from_str(&p.ok(&["plan", "--json"])).unwrap()
}

/// The planned action of `address`.
fn action(plan: &Value, address: &str) -> String {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address && c["deposed"] != true)
        .map(|c| c["action"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{address} is not in the plan: {plan}"))
}

/// No change of the plan replaces a stateful resource.
fn replaces_no_data(plan: &Value) {
    for c in plan["changes"].as_array().unwrap() {
        assert_ne!(c["replaces_data"], true, "{c}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn routine_changes_to_the_web_service_update_its_data_stores_in_place() {
    let _moto = moto();
    let p = Project::new(&web_service_on_aws());
    let applied = p.ok(&["apply", "--yes"]);
    assert!(applied.contains("Apply complete"), "{applied}");
    p.assert_no_changes();
    let cfg = sdk().await;

    // "16" asked for; the plan is empty whatever 16.x AWS reports.
    let dbs = rds::Client::new(&cfg)
        .describe_db_instances()
        .db_instance_identifier("shop-db")
        .send()
        .await
        .unwrap();
    let version = dbs.db_instances()[0].engine_version().unwrap().to_string();
    assert!(version.starts_with("16"), "{version}");

    // The cache loses a replica: an update of the same group
    // (DecreaseReplicaCount), never a new one. moto 5.2.5 does not
    // implement DecreaseReplicaCount (HTTP 500), so this is planned, not
    // applied; `in_place.rs` checks the calls the provider makes.
    p.edit(|t| t.replace("cache_replicas = 2", "cache_replicas = 1"));
    let plan = plan_json(&p);
    assert_eq!(action(&plan, "web.redis"), "update", "{plan}");
    assert_eq!(action(&plan, "web.cache_subnets"), "no-op", "{plan}");
    replaces_no_data(&plan);
    p.edit(|t| t.replace("cache_replicas = 1", "cache_replicas = 2"));
    p.assert_no_changes();

    // A bigger database class: ModifyDBInstance on the same instance, in
    // the maintenance window as AWS's default says, and the plan after it
    // is empty (the pending change is read back as planned).
    let db_id = id_of(&p, "web.db");
    p.edit(|t| {
        t.replace(
            "db_instance_class = \"db.t4g.medium\"",
            "db_instance_class = \"db.t4g.large\"",
        )
    });
    let plan = plan_json(&p);
    assert_eq!(action(&plan, "web.db"), "update", "{plan}");
    replaces_no_data(&plan);
    let human = p.ok(&["plan"]);
    assert!(human.contains("in the next maintenance window"), "{human}");
    p.ok(&["apply", "--yes"]);
    assert_eq!(id_of(&p, "web.db"), db_id);
    p.assert_no_changes();

    // The fleets' instances: IMDSv2 only, an encrypted gp3 root volume,
    // detailed monitoring, as AWS stores the launch template.
    let template = |version: &'static str| {
        let cfg = cfg.clone();
        async move {
            ec2::Client::new(&cfg)
                .describe_launch_template_versions()
                .launch_template_name("shop-blue")
                .versions(version)
                .send()
                .await
                .unwrap()
                .launch_template_versions()[0]
                .launch_template_data()
                .cloned()
                .unwrap()
        }
    };
    let data = template("$Latest").await;
    let imds = data.metadata_options().unwrap();
    assert_eq!(imds.http_tokens().unwrap().as_str(), "required");
    assert_eq!(imds.http_put_response_hop_limit(), Some(1));
    let root = &data.block_device_mappings()[0];
    assert_eq!(root.device_name(), Some("/dev/xvda"));
    let ebs = root.ebs().unwrap();
    assert_eq!(ebs.encrypted(), Some(true));
    assert_eq!(ebs.volume_type().unwrap().as_str(), "gp3");
    assert_eq!(ebs.volume_size(), Some(20));
    assert_eq!(data.monitoring().and_then(|m| m.enabled()), Some(true));

    // The load balancer refuses deletes and drops malformed headers.
    let lbs = elbv2::Client::new(&cfg)
        .describe_load_balancers()
        .names("shop-alb")
        .send()
        .await
        .unwrap();
    let lb_arn = lbs.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let lb_attrs = elbv2::Client::new(&cfg)
        .describe_load_balancer_attributes()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    let lb_attr = |key: &str| {
        lb_attrs
            .attributes()
            .iter()
            .find(|a| a.key() == Some(key))
            .and_then(|a| a.value())
            .map(str::to_string)
    };
    assert_eq!(
        lb_attr("deletion_protection.enabled").as_deref(),
        Some("true")
    );
    assert_eq!(
        lb_attr("routing.http.drop_invalid_header_fields.enabled").as_deref(),
        Some("true")
    );

    // A bigger root volume: a new template version, in place.
    let lt_id = id_of(&p, "web.lt_blue");
    p.edit(|t| {
        t.replace(
            "instance_type = \"t3.small\"",
            "instance_type = \"t3.small\"\nroot_volume_gb = 30",
        )
    });
    let plan = plan_json(&p);
    assert_eq!(action(&plan, "web.lt_blue"), "update", "{plan}");
    replaces_no_data(&plan);
    p.ok(&["apply", "--yes"]);
    assert_eq!(id_of(&p, "web.lt_blue"), lt_id);
    let data = template("$Latest").await;
    assert_eq!(
        data.block_device_mappings()[0].ebs().unwrap().volume_size(),
        Some(30)
    );
    p.assert_no_changes();

    // A copy in upper case: a diagnostic, and nothing created.
    let copy = Project::new(&web_service_on_aws().replace("name = \"shop\"", "name = \"Shop\""));
    let refused = copy.fails(&["plan"]);
    assert!(refused.contains("upper case"), "{refused}");
    assert!(refused.contains("write `shop-db`"), "{refused}");
    assert!(!copy.path().join(".strata").join("state.json").exists());
}
