//! Helpers: moto's address and reset, SDK clients, scratch projects running
//! the real `strata` binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

#[path = "../common/moto.rs"]
mod moto_server;
pub use moto_server::{endpoint, forward, moto, read_request, sdk, start_proxy, upstream, Counts};

/// The DB password `examples/web_service.toml` reads from the environment
/// (`{ env = "SHOP_DB_PASSWORD" }`), given to every command a test runs.
pub const DB_PASSWORD: &str = "moto-db-password-3c9a";

/// The Redis AUTH token the example reads from the environment
/// (`{ env = "SHOP_CACHE_AUTH_TOKEN" }`), given like [`DB_PASSWORD`].
pub const CACHE_AUTH_TOKEN: &str = "moto-cache-auth-token-7e41";

/// A temporary project directory holding `strata.toml`.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new(text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("strata.toml"), text).unwrap();
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn manifest(&self) -> PathBuf {
        self.path().join("strata.toml")
    }

    /// Rewrites the manifest with `f`.
    pub fn edit(&self, f: impl FnOnce(String) -> String) {
        let text = std::fs::read_to_string(self.manifest()).unwrap();
        let new = f(text.clone());
        assert_ne!(text, new, "the edit changed nothing");
        std::fs::write(self.manifest(), new).unwrap();
    }

    /// A `strata` command in the project.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("strata").unwrap();
        c.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("SHOP_DB_PASSWORD", DB_PASSWORD)
            .env("SHOP_CACHE_AUTH_TOKEN", CACHE_AUTH_TOKEN)
            .args(args);
        c
    }

    /// Runs `strata args`, asserting success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        let (so, se) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert!(out.status.success(), "strata {args:?} failed:\n{so}\n{se}");
        so
    }

    /// Runs `strata args`, asserting failure; returns stdout + stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "strata {args:?} succeeded:\n{text}");
        text
    }

    /// Asserts that `plan` proposes nothing.
    pub fn assert_no_changes(&self) {
        let out = self.ok(&["plan"]);
        assert!(out.contains("No changes"), "expected an empty plan:\n{out}");
    }
}

/// The quickstart example switched to the AWS provider.
pub fn quickstart_on_aws() -> String {
    example_on_aws("quickstart.toml")
}

/// The example manifest `examples/FILE` switched to the AWS provider.
pub fn example_on_aws(file: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(file),
    )
    .unwrap();
    let aws = text.replacen(
        "[provider]\nkind = \"sim\"",
        "[provider]\nkind = \"aws\"",
        1,
    );
    assert_ne!(aws, text);
    aws
}

/// Everything still tagged `strata:stack = stack` in moto, as `kind id`.
pub async fn strata_tagged(stack: &str) -> Vec<String> {
    use strata_aws::sdk::{autoscaling, cloudwatch, ec2, elasticache, elbv2, rds};
    let cfg = sdk().await;
    let mut left = Vec::new();
    let e = ec2::Client::new(&cfg);
    let f = ec2::types::Filter::builder()
        .name("tag:strata:stack")
        .values(stack)
        .build();
    for r in e
        .describe_instances()
        .filters(f.clone())
        .send()
        .await
        .unwrap()
        .reservations()
    {
        for i in r.instances() {
            let state = i
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_string());
            if state.as_deref() != Some("terminated") {
                left.push(format!("instance {}", i.instance_id().unwrap_or_default()));
            }
        }
    }
    for v in e
        .describe_vpcs()
        .filters(f.clone())
        .send()
        .await
        .unwrap()
        .vpcs()
    {
        left.push(format!("vpc {}", v.vpc_id().unwrap_or_default()));
    }
    for s in e
        .describe_subnets()
        .filters(f.clone())
        .send()
        .await
        .unwrap()
        .subnets()
    {
        left.push(format!("subnet {}", s.subnet_id().unwrap_or_default()));
    }
    for g in e
        .describe_security_groups()
        .filters(f.clone())
        .send()
        .await
        .unwrap()
        .security_groups()
    {
        left.push(format!("sg {}", g.group_id().unwrap_or_default()));
    }
    for g in e
        .describe_internet_gateways()
        .filters(f.clone())
        .send()
        .await
        .unwrap()
        .internet_gateways()
    {
        left.push(format!(
            "igw {}",
            g.internet_gateway_id().unwrap_or_default()
        ));
    }
    for t in e
        .describe_route_tables()
        .filters(f.clone())
        .send()
        .await
        .unwrap()
        .route_tables()
    {
        left.push(format!("rtb {}", t.route_table_id().unwrap_or_default()));
    }
    for t in e
        .describe_launch_templates()
        .filters(f.clone())
        .send()
        .await
        .unwrap()
        .launch_templates()
    {
        left.push(format!("lt {}", t.launch_template_id().unwrap_or_default()));
    }
    let lb = elbv2::Client::new(&cfg);
    for l in lb
        .describe_load_balancers()
        .send()
        .await
        .unwrap()
        .load_balancers()
    {
        left.push(format!(
            "alb {}",
            l.load_balancer_name().unwrap_or_default()
        ));
    }
    for t in lb
        .describe_target_groups()
        .send()
        .await
        .unwrap()
        .target_groups()
    {
        left.push(format!("tg {}", t.target_group_name().unwrap_or_default()));
    }
    let a = autoscaling::Client::new(&cfg);
    for g in a
        .describe_auto_scaling_groups()
        .send()
        .await
        .unwrap()
        .auto_scaling_groups()
    {
        left.push(format!(
            "asg {}",
            g.auto_scaling_group_name().unwrap_or_default()
        ));
    }
    let d = rds::Client::new(&cfg);
    for i in d
        .describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances()
    {
        left.push(format!(
            "db {}",
            i.db_instance_identifier().unwrap_or_default()
        ));
    }
    for g in d
        .describe_db_subnet_groups()
        .send()
        .await
        .unwrap()
        .db_subnet_groups()
    {
        left.push(format!(
            "dbsg {}",
            g.db_subnet_group_name().unwrap_or_default()
        ));
    }
    let c = elasticache::Client::new(&cfg);
    for g in c
        .describe_replication_groups()
        .send()
        .await
        .unwrap()
        .replication_groups()
    {
        // moto quirk: deleted groups stay `deleting` forever.
        if g.status() != Some("deleting") {
            left.push(format!(
                "redis {}",
                g.replication_group_id().unwrap_or_default()
            ));
        }
    }
    for g in c
        .describe_cache_subnet_groups()
        .send()
        .await
        .unwrap()
        .cache_subnet_groups()
    {
        let name = g.cache_subnet_group_name().unwrap_or_default();
        // moto 5.2.5 cannot delete cache subnet groups (DeleteCacheSubnetGroup
        // is not implemented): the tests stop managing them before destroy.
        if name != "default" && !name.starts_with(stack) {
            left.push(format!("cachesg {name}"));
        }
    }
    let w = cloudwatch::Client::new(&cfg);
    for m in w.describe_alarms().send().await.unwrap().metric_alarms() {
        left.push(format!("alarm {}", m.alarm_name().unwrap_or_default()));
    }
    left
}
