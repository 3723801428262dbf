//! An infra repo's own binary: the graph is written in Rust with typed specs
//! and handles, and `strata::cli::run_with_variables` gives it every
//! `strata` subcommand (plan, apply, destroy, output, state, ...) and the
//! manifest's variable sources: `--var`, `--var-file`, `STRATA_VAR_NAME`.
//!
//! ```sh
//! cargo run --example embedded -- plan
//! cargo run --example embedded -- --var instance_type=t3.large plan
//! cargo run --example embedded -- apply --yes
//! cargo run --example embedded -- output
//! ```
//!
//! State and the simulated cloud live in `.strata/` in the working directory.

use std::process::ExitCode;

use strata::core::config::Config;
use strata::core::kinds::typed::{
    tags, DbInstance, DbSubnetGroup, HealthCheck, Instance, Listener, LoadBalancer, Rule,
    SecurityGroup, Stack, Subnet, TargetGroup, Vpc, WeightedTarget,
};
use strata::core::manifest::{VarType, Variable};

fn stack(instance_type: &str) -> Config {
    let mut s = Stack::new("embedded");
    let vpc = s.add(
        "vpc",
        Vpc {
            cidr_block: "10.20.0.0/16".into(),
            tags: tags([("Name", "embedded")]),
            ..Default::default()
        },
    );
    let azs = ["us-east-1a", "us-east-1b"];
    let subnets: Vec<_> = azs
        .iter()
        .enumerate()
        .map(|(i, az)| {
            s.add_indexed(
                "subnet",
                i,
                Subnet {
                    vpc_id: vpc.id(),
                    cidr_block: format!("10.20.{i}.0/24"),
                    availability_zone: (*az).into(),
                    ..Default::default()
                },
            )
        })
        .collect();
    let alb_sg = s.add(
        "alb_sg",
        SecurityGroup {
            name: "embedded-alb".into(),
            vpc_id: vpc.id(),
            ingress: vec![Rule::tcp(80).from_cidr("0.0.0.0/0")],
            ..Default::default()
        },
    );
    let app_sg = s.add(
        "app_sg",
        SecurityGroup {
            name: "embedded-app".into(),
            vpc_id: vpc.id(),
            // Only the load balancer reaches the app port.
            ingress: vec![Rule::tcp(8000).from_group(alb_sg.id())],
            ..Default::default()
        },
    );
    let web: Vec<_> = subnets
        .iter()
        .enumerate()
        .map(|(i, subnet)| {
            s.add_indexed(
                "web",
                i,
                Instance {
                    ami: "ami-0c55b159cbfafe1f0".into(),
                    instance_type: instance_type.into(),
                    subnet_id: subnet.id(),
                    security_group_ids: vec![app_sg.id()],
                    ..Default::default()
                },
            )
        })
        .collect();
    let tg = s.add(
        "tg",
        TargetGroup {
            name: "embedded-web".into(),
            port: 8000.into(),
            vpc_id: vpc.id(),
            health_check: Some(HealthCheck::http("/health")),
            target_ids: web.iter().map(|w| w.id()).collect(),
            ..Default::default()
        },
    );
    let alb = s.add(
        "alb",
        LoadBalancer {
            name: "embedded-alb".into(),
            subnet_ids: subnets.iter().map(|x| x.id()).collect(),
            security_group_ids: vec![alb_sg.id()],
            ..Default::default()
        },
    );
    s.add(
        "http",
        Listener {
            load_balancer_arn: alb.arn(),
            port: 80.into(),
            forward: vec![WeightedTarget::new(tg.arn(), 100)],
            ..Default::default()
        },
    );
    let db_subnets = s.add(
        "db_subnets",
        DbSubnetGroup {
            name: "embedded-db".into(),
            subnet_ids: subnets.iter().map(|x| x.id()).collect(),
            ..Default::default()
        },
    );
    let db = s.add(
        "db",
        DbInstance {
            identifier: "embedded-db".into(),
            instance_class: "db.t4g.medium".into(),
            multi_az: Some(true),
            db_subnet_group_name: Some(db_subnets.name()),
            username: Some("app".into()),
            skip_final_snapshot: Some(true),
            ..Default::default()
        },
    );
    s.output("alb_dns_name", alb.dns_name());
    s.output("db_endpoint", db.endpoint());
    s.into_config()
}

fn main() -> ExitCode {
    strata::cli::run_with_variables(|vars| {
        let decls = [Variable::new("instance_type", VarType::String)
            .describe("the web instances' type")
            .default("t3.small")
            .regex(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")];
        let values = vars.resolve(&decls, None)?;
        let instance_type = values.get("instance_type").and_then(|v| v.as_str());
        Ok(stack(instance_type.unwrap_or("t3.small")))
    })
}
