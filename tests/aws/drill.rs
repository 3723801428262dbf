//! `strata drill` on moto, through the SDK: backup-restore of the
//! quickstart's PostgreSQL primary runs end to end (snapshot, restore,
//! verify, cleanup), leaves no drill-tagged DB instance or snapshot, and
//! reports RTO and RPO; with `--keep` cleanup finds the drill's resources by
//! their tag; `--promote` renames the restored instance into the primary's
//! place with an empty plan afterwards. Failovers moto cannot do fail with a diagnostic saying why: a
//! DB failover (moto reports no standby AZ) and a Redis failover (moto does
//! not implement `TestFailover`). An AZ drill deregisters the AZ's targets
//! and suspends autoscaling, and puts both back.

use serde_json::Value;
use strata_aws::sdk::{autoscaling, elbv2, rds};

use crate::quickstart::id_of;
use crate::support::{moto, quickstart_on_aws, sdk, Project};
use strata::core::tags::DRILL_TAG;

/// DB instances and snapshots in moto tagged with [`DRILL_TAG`].
async fn drill_tagged() -> Vec<String> {
    let cfg = sdk().await;
    let r = rds::Client::new(&cfg);
    let mut left = Vec::new();
    let dbs = r.describe_db_instances().send().await.unwrap();
    for d in dbs.db_instances() {
        if d.tag_list().iter().any(|t| t.key() == Some(DRILL_TAG)) {
            left.push(format!("db {}", d.db_instance_identifier().unwrap()));
        }
    }
    let snaps = r.describe_db_snapshots().send().await.unwrap();
    for s in snaps.db_snapshots() {
        if s.tag_list().iter().any(|t| t.key() == Some(DRILL_TAG)) {
            left.push(format!("snapshot {}", s.db_snapshot_identifier().unwrap()));
        }
    }
    left
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_restore_runs_end_to_end_on_moto_and_failovers_moto_cannot_do_are_clear_errors() {
    let _moto = moto();
    let p = Project::new(&quickstart_on_aws());
    p.ok(&["apply", "--yes"]);

    let report_path = p.path().join("report");
    let report_arg = report_path.to_string_lossy().into_owned();
    let out = p
        .cmd(&[
            "drill",
            "backup-restore",
            "--poll",
            "100ms",
            "--report",
            &report_arg,
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("PASSED; RTO"), "{stdout}");

    let json = std::fs::read_to_string(p.path().join("report.json")).unwrap();
    let md = std::fs::read_to_string(p.path().join("report.md")).unwrap();
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["passed"], true, "{report:#}");
    let id = report["id"].as_str().unwrap();
    assert!(md.contains(&format!("# Drill `{id}`")), "{md}");
    assert!(md.contains("RTO") && md.contains("RPO"), "{md}");
    let rto = report["rto_seconds"].as_f64().unwrap();
    let rpo = report["rpo_seconds"].as_f64().unwrap();
    assert!(rto >= 0.0 && rpo >= 0.0, "RTO {rto}, RPO {rpo}");
    // What moto restored is what the drill verified.
    let verify = step(&report, "verify")["detail"].as_str().unwrap();
    assert!(
        verify.contains("postgres") && verify.contains("class db.t4g.medium"),
        "{verify}"
    );
    for name in ["snapshot", "restore", "delete the drill instance"] {
        assert_eq!(step(&report, name)["ok"], true, "{report:#}");
    }
    assert!(report["left_behind"].as_array().unwrap().is_empty());

    // Nothing drill-tagged is left in moto; the primary is untouched.
    assert_eq!(drill_tagged().await, Vec::<String>::new());
    let cfg = sdk().await;
    let primary = rds::Client::new(&cfg)
        .describe_db_instances()
        .db_instance_identifier("quickstart-db")
        .send()
        .await
        .unwrap();
    assert_eq!(primary.db_instances().len(), 1);
    let out = p.ok(&["drill", "cleanup"]);
    assert_eq!(out.trim(), "Nothing to clean up.");
    p.assert_no_changes();

    // With --keep the drill's instance and snapshot stay, tagged, until
    // cleanup finds them by the tag and removes them.
    let kept = p.ok(&["drill", "backup-restore", "--keep", "--poll", "100ms"]);
    let left = drill_tagged().await;
    assert_eq!(left.len(), 2, "{left:?}\n{kept}");
    assert!(
        left.iter().any(|l| l.starts_with("db quickstart-db-d")),
        "{left:?}"
    );
    assert!(
        left.iter()
            .any(|l| l.starts_with("snapshot quickstart-db-d")),
        "{left:?}"
    );
    let cleaned = p.ok(&["drill", "cleanup"]);
    assert!(
        cleaned.contains("Removed: DB instance quickstart-db-d"),
        "{cleaned}"
    );
    assert_eq!(drill_tagged().await, Vec::<String>::new(), "{cleaned}");

    // moto reports MultiAZ but no standby AZ, so a DB failover cannot be
    // observed: the drill stops before RebootDBInstance and says why.
    let err = p.fails(&["drill", "failover", "--db", "--poll", "100ms"]);
    assert!(
        err.contains("reports no standby AZ (SecondaryAvailabilityZone)"),
        "{err}"
    );

    // An AZ cannot be turned off on AWS: the drill deregisters the AZ's
    // targets and suspends the ASG's processes, then puts both back.
    let tg = id_of(&p, "web_tg");
    let elb = elbv2::Client::new(&cfg);
    let registered = || async {
        let h = elb
            .describe_target_health()
            .target_group_arn(&tg)
            .send()
            .await
            .unwrap();
        let mut ids: Vec<String> = h
            .target_health_descriptions()
            .iter()
            .map(|d| d.target().unwrap().id().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let before = registered().await;
    assert!(!before.is_empty());
    let out = p.ok(&["drill", "failover", "--az", "us-east-1a", "--poll", "100ms"]);
    assert!(
        out.contains("this cloud cannot turn us-east-1a off: deregistered its")
            && out.contains("PASSED"),
        "{out}"
    );
    assert_eq!(registered().await, before);
    let groups = autoscaling::Client::new(&cfg)
        .describe_auto_scaling_groups()
        .send()
        .await
        .unwrap();
    for g in groups.auto_scaling_groups() {
        assert!(g.suspended_processes().is_empty(), "{g:?}");
    }
    p.assert_no_changes();

    // --promote: the restored instance takes the primary's name (renames
    // through ModifyDBInstance), state and cloud agree, the former primary
    // is kept with the retired tag and nothing carries the drill tag.
    let out = p.ok(&["drill", "backup-restore", "--promote", "--poll", "100ms"]);
    assert!(
        out.contains("is now quickstart-db (db)") && out.contains("PASSED"),
        "{out}"
    );
    p.assert_no_changes();
    assert_eq!(drill_tagged().await, Vec::<String>::new());
    let dbs = rds::Client::new(&cfg)
        .describe_db_instances()
        .send()
        .await
        .unwrap();
    let retired: Vec<&str> = dbs
        .db_instances()
        .iter()
        .filter(|d| {
            d.tag_list()
                .iter()
                .any(|t| t.key() == Some("strata:drill-retired"))
        })
        .filter_map(|d| d.db_instance_identifier())
        .collect();
    assert_eq!(retired.len(), 1, "{dbs:?}");
    assert!(retired[0].starts_with("quickstart-db-pre-d"), "{retired:?}");

    // moto does not implement ElastiCache TestFailover: a clear error.
    let err = p.fails(&["drill", "failover", "--cache", "--poll", "100ms"]);
    assert!(
        err.contains("TestFailover failed: the endpoint answered HTTP 500"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
