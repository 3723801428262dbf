//! The resources of a [`WebService`], declared with the typed specs.

use std::collections::BTreeMap;

use strata_core::config::Lifecycle;
use strata_core::kinds::typed::*;
use strata_core::value::Value;

use super::data_tuning;
use super::dns;
use super::egress::{self, Nat, Zone};
use super::release::{output_name, Color, Release};
use super::{edge, identity, notify, WebService};

/// The addresses of a web service's parts, from its prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addresses {
    /// The prefix (`web`).
    pub prefix: String,
    /// Whether the service serves HTTPS (its weighted listener is `https`).
    pub https: bool,
}

impl Addresses {
    /// The addresses under `prefix` of a service serving HTTP only.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            https: false,
        }
    }

    /// The addresses of `web`'s parts under `prefix`.
    pub fn of(web: &WebService, prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            https: web.serves_https(),
        }
    }

    fn at(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }

    /// The load balancer.
    pub fn alb(&self) -> String {
        self.at("alb")
    }
    /// The weighted listener the blue/green flip acts on: `https` (443)
    /// when the service serves HTTPS, else `listener` (HTTP on 80).
    pub fn listener(&self) -> String {
        self.at(if self.https { edge::HTTPS } else { edge::HTTP })
    }
    /// The port-80 listener: the weighted one, or with HTTPS the redirect.
    pub fn http_listener(&self) -> String {
        self.at(edge::HTTP)
    }
    /// A color's target group.
    pub fn target_group(&self, color: Color) -> String {
        self.at(&format!("tg_{color}"))
    }
    /// A color's launch template.
    pub fn launch_template(&self, color: Color) -> String {
        self.at(&format!("lt_{color}"))
    }
    /// A color's autoscaling group.
    pub fn asg(&self, color: Color) -> String {
        self.at(&format!("asg_{color}"))
    }
    /// Everything of one color: target group, launch template, autoscaling
    /// group, scaling policy and unhealthy-hosts alarm.
    pub fn color(&self, color: Color) -> Vec<String> {
        vec![
            self.target_group(color),
            self.launch_template(color),
            self.asg(color),
            self.at(&format!("scaling_{color}")),
            self.unhealthy_alarm(color),
        ]
    }
    /// A color's unhealthy-hosts alarm.
    pub fn unhealthy_alarm(&self, color: Color) -> String {
        self.at(&format!("alarm_unhealthy_{color}"))
    }
    /// The SLO alarms shared by both colors (5xx rate, p95 latency).
    pub fn slo_alarms(&self) -> [String; 2] {
        [self.at("alarm_5xx"), self.at("alarm_p95")]
    }
    /// The output holding the release record.
    pub fn release_output(&self) -> String {
        output_name(&self.prefix)
    }
}

/// The AZs of the region the stack is in: `us-east-1a`, `us-east-1b`, …
fn zones(region: &str, n: usize) -> Vec<String> {
    ('a'..='z')
        .take(n)
        .map(|l| format!("{region}{l}"))
        .collect()
}

/// `10.0.0.0/16` → `10.0` (validation made sure it is a /16).
fn net(cidr: &str) -> String {
    cidr.split('.').take(2).collect::<Vec<_>>().join(".")
}

pub(super) fn declare(
    web: &WebService,
    stack: &mut Stack,
    prefix: &str,
    release: &Release,
) -> Addresses {
    let region = stack.config().provider.region.clone();
    let stack_name = stack.config().stack.clone();
    let azs = zones(&region, web.azs.max(1));
    let n = &web.name;
    let base = tags([
        ("stack", stack_name.as_str()),
        ("environment", web.environment.as_str()),
        ("version", web.version.as_str()),
    ]);
    let tagged = |extra: &[(&str, &str)]| {
        let mut t = base.clone();
        for (k, v) in extra {
            t.insert((*k).to_string(), (*v).to_string());
        }
        t
    };
    let net = net(&web.cidr_block);
    let mut s = stack.nested(prefix);

    // Network.
    let vpc = s.add(
        "vpc",
        Vpc {
            cidr_block: web.cidr_block.clone(),
            tags: tagged(&[("Name", n)]),
            ..Default::default()
        },
    );
    let igw = s.add(
        "igw",
        InternetGateway {
            vpc_id: vpc.id(),
            tags: tagged(&[]),
        },
    );
    let mut public = Vec::new();
    let mut private = Vec::new();
    let mut private_cidrs = Vec::new();
    for (i, az) in azs.iter().enumerate() {
        // Keyed by AZ: a stack applied when these were `public[0]`…
        // takes the new addresses without replacement.
        s.moved(&format!("public[{i}]"), &format!("public[\"{az}\"]"));
        s.moved(&format!("private[{i}]"), &format!("private[\"{az}\"]"));
        public.push(s.add_keyed(
            "public",
            az,
            Subnet {
                vpc_id: vpc.id(),
                cidr_block: format!("{net}.{i}.0/24"),
                availability_zone: az.clone(),
                map_public_ip_on_launch: Some(true),
                tags: tagged(&[("tier", "public")]),
            },
        ));
        let cidr = format!("{net}.{}.0/24", 10 + i);
        private_cidrs.push(cidr.clone());
        private.push(s.add_keyed(
            "private",
            az,
            Subnet {
                vpc_id: vpc.id(),
                cidr_block: cidr,
                availability_zone: az.clone(),
                map_public_ip_on_launch: Some(false),
                tags: tagged(&[("tier", "private")]),
            },
        ));
    }
    let public_ids: Vec<_> = public.iter().map(|p| p.id()).collect();
    let private_ids: Vec<_> = private.iter().map(|p| p.id()).collect();
    s.add(
        "public_rt",
        RouteTable {
            vpc_id: vpc.id(),
            routes: vec![Route::default_via(igw.id())],
            subnet_ids: public_ids.clone(),
            tags: tagged(&[("tier", "public")]),
        },
    );
    let zones: Vec<Zone<'_>> = azs
        .iter()
        .zip(public.iter().zip(&private))
        .map(|(az, (public, private))| Zone {
            az,
            public,
            private,
        })
        .collect();
    egress::declare(&mut s, web.nat, &vpc, &zones, &tagged);

    // Security groups: internet → ALB → app → Postgres / Redis, nothing else.
    let app_port = web.app_port;
    let alb_sg = s.add(
        "alb_sg",
        SecurityGroup {
            name: format!("{n}-alb"),
            description: Some("HTTP from the internet to the load balancer".into()),
            vpc_id: vpc.id(),
            ingress: edge::ingress(web.serves_https()),
            egress: vec![Rule::tcp(app_port)
                .to_cidr(web.cidr_block.clone())
                .describe("to the app")],
            tags: tagged(&[]),
        },
    );
    let mut to_data = Vec::new();
    for port in [5432u16, 6379] {
        let mut rule = Rule::tcp(port);
        for c in &private_cidrs {
            rule = rule.to_cidr(c.clone());
        }
        to_data.push(rule);
    }
    if web.nat != Nat::None {
        // Through the NAT gateways: package mirrors and AWS APIs, HTTPS only.
        to_data.push(Rule::tcp(443).to_cidr("0.0.0.0/0").describe("HTTPS out"));
    }
    let app_sg = s.add(
        "app_sg",
        SecurityGroup {
            name: format!("{n}-app"),
            description: Some("The app port, from the load balancer only".into()),
            vpc_id: vpc.id(),
            ingress: vec![Rule::tcp(app_port)
                .from_group(alb_sg.id())
                .describe("from the ALB")],
            egress: to_data,
            tags: tagged(&[]),
        },
    );
    let db_sg = s.add(
        "db_sg",
        SecurityGroup {
            name: format!("{n}-db"),
            description: Some("PostgreSQL, from the app only".into()),
            vpc_id: vpc.id(),
            ingress: vec![Rule::tcp(5432)
                .from_group(app_sg.id())
                .describe("from the app")],
            tags: tagged(&[]),
            ..Default::default()
        },
    );
    let cache_sg = s.add(
        "cache_sg",
        SecurityGroup {
            name: format!("{n}-cache"),
            description: Some("Redis, from the app only".into()),
            vpc_id: vpc.id(),
            ingress: vec![Rule::tcp(6379)
                .from_group(app_sg.id())
                .describe("from the app")],
            tags: tagged(&[]),
            ..Default::default()
        },
    );

    // Certificate (and zone) for the HTTPS listener; `dns.tls` holds its ARN.
    let dns = dns::certificate(web, &mut s, &tagged(&[]));

    // Load balancer, target groups, weighted listener.
    let alb = s.add(
        "alb",
        LoadBalancer {
            name: format!("{n}-alb"),
            subnet_ids: public_ids,
            security_group_ids: vec![alb_sg.id()],
            // The load balancer is as hard to lose as the database: one
            // flag protects both.
            enable_deletion_protection: Some(web.deletion_protection),
            drop_invalid_header_fields: Some(true),
            tags: tagged(&[]),
            ..Default::default()
        },
    );
    dns::alias(web, &mut s, &dns, &alb);
    let mut tgs = BTreeMap::new();
    for color in Color::BOTH {
        let fleet = release.fleet(color);
        let tg = s.add(
            &format!("tg_{color}"),
            TargetGroup {
                name: format!("{n}-{color}"),
                port: i64::from(app_port),
                vpc_id: vpc.id(),
                health_check: Some(HealthCheck {
                    interval: Some(10),
                    healthy_threshold: Some(3),
                    unhealthy_threshold: Some(2),
                    timeout: Some(5),
                    matcher: Some("200".into()),
                    ..HealthCheck::http("/health")
                }),
                deregistration_delay: Some(30),
                tags: tagged(&[("color", color.as_str()), ("version", &fleet.version)]),
                ..Default::default()
            },
        );
        tgs.insert(color, tg);
    }
    let forward = Color::BOTH
        .iter()
        .filter_map(|c| {
            tgs.get(c)
                .map(|tg| WeightedTarget::new(tg.arn(), release.weight(*c)))
        })
        .collect();
    // The certificate: the `certificate_arn` parameter's, or the one issued
    // for the domain (known once validated).
    let certificate = dns.tls.as_ref().map(|t| t.certificate_arn.clone());
    edge::declare(&mut s, &alb, forward, certificate, tagged(&[]));

    // The instances' role and profile, the stack's key, the alarm topic.
    let id = identity::declare(web, &mut s, &region, &tagged(&[]));
    let topic = notify::declare(web, &mut s, &tagged(&[]));
    let notified = || vec![topic.clone()];

    // One fleet per color.
    for color in Color::BOTH {
        let fleet = release.fleet(color);
        let color_tags = tagged(&[("color", color.as_str()), ("version", &fleet.version)]);
        let lt = s.add(
            &format!("lt_{color}"),
            LaunchTemplate {
                name: format!("{n}-{color}"),
                image_id: fleet.ami.clone(),
                instance_type: web.instance_type.clone(),
                user_data: web
                    .user_data
                    .as_ref()
                    .map(|u| u.replace("{version}", &fleet.version)),
                security_group_ids: vec![app_sg.id()],
                // IMDSv2 only, one hop: the app's processes reach the
                // metadata service, containers behind a bridge do not.
                metadata_options: Some(MetadataOptions::imdsv2(1)),
                block_device_mappings: vec![identity::root_volume(web, &id.key)],
                monitoring: Some(web.detailed_monitoring),
                iam_instance_profile: Some(id.profile.clone()),
                tags: color_tags.clone(),
                ..Default::default()
            },
        );
        let live = release.live == color;
        let (min, desired) = if live {
            (web.min_size, web.desired_capacity)
        } else {
            (0, fleet.idle_capacity)
        };
        let tg_arn = tgs.get(&color).map(|tg| tg.arn());
        // The live fleet's size is its target-tracking policy's after
        // creation: an apply must not reset what the policy scaled. The
        // idle fleet's size is the rollout's to set.
        let lifecycle = Lifecycle {
            ignore_changes: if live {
                vec!["desired_capacity".into()]
            } else {
                Vec::new()
            },
            ..Lifecycle::default()
        };
        let asg = s.add_with(
            &format!("asg_{color}"),
            AutoscalingGroup {
                name: format!("{n}-{color}"),
                launch_template_id: lt.id(),
                subnet_ids: private_ids.clone(),
                target_group_arns: tg_arn.into_iter().collect(),
                min_size: min,
                max_size: web.max_size.max(desired),
                desired_capacity: Some(desired),
                health_check_type: Some("ELB".into()),
                health_check_grace_period: Some(60),
                tags: color_tags.clone(),
                ..Default::default()
            },
            lifecycle,
            [],
        );
        s.add(
            &format!("scaling_{color}"),
            ScalingPolicy {
                name: format!("{n}-{color}-cpu"),
                autoscaling_group_name: asg.name(),
                predefined_metric: PredefinedMetric::AsgAverageCpuUtilization,
                target_value: web.cpu_target,
                ..Default::default()
            },
        );
        let mut dims = BTreeMap::new();
        if let Some(tg) = tgs.get(&color) {
            dims.insert("TargetGroup".to_string(), tg.arn_suffix());
        }
        dims.insert("LoadBalancer".to_string(), alb.arn_suffix());
        s.add(
            &format!("alarm_unhealthy_{color}"),
            MetricAlarm {
                alarm_name: format!("{n}-unhealthy-{color}"),
                namespace: "AWS/ApplicationELB".into(),
                metric_name: "UnHealthyHostCount".into(),
                statistic: Some("Maximum".into()),
                dimensions: dims,
                period: 60,
                evaluation_periods: 1,
                threshold: 0.0,
                comparison_operator: "GreaterThanThreshold".into(),
                treat_missing_data: Some("notBreaching".into()),
                alarm_actions: notified(),
                ok_actions: notified(),
                alarm_description: Some(format!("{n}: a {color} target failed its health check")),
                tags: color_tags,
                ..Default::default()
            },
        );
    }

    // Parameter groups of PostgreSQL and Redis (see `data_tuning`).
    let groups = data_tuning::parameter_groups(web, &mut s, &tagged(&[]));

    // PostgreSQL: a multi-AZ primary (its AZ is the cloud's to choose and
    // moves on failover, so it is not pinned) and replicas in distinct AZs.
    let db_subnets = s.add(
        "db_subnets",
        DbSubnetGroup {
            name: format!("{n}-db"),
            subnet_ids: private_ids.clone(),
            tags: tagged(&[]),
            ..Default::default()
        },
    );
    let db = s.add(
        "db",
        data_tuning::primary(
            web,
            &groups,
            DbInstance {
                identifier: format!("{n}-db"),
                instance_class: web.db_instance_class.clone(),
                engine_version: Some(web.db_engine_version.clone()),
                allocated_storage: Some(web.db_allocated_storage),
                storage_encrypted: Some(true),
                kms_key_id: identity::db_uses_stack_key(web, release).then(|| id.key.clone()),
                multi_az: Some(true),
                db_subnet_group_name: Some(db_subnets.name()),
                vpc_security_group_ids: vec![db_sg.id()],
                db_name: Some("app".into()),
                username: Some("app".into()),
                // RDS keeps a generated password in Secrets Manager, or ours.
                password: (!web.db_managed_password).then(|| web.db_password.clone()),
                manage_master_user_password: web.db_managed_password.then_some(true),
                backup_retention_period: Some(web.backup_retention_days),
                deletion_protection: Some(web.deletion_protection),
                skip_final_snapshot: Some(false),
                final_snapshot_identifier: Some(format!("{n}-db-final")),
                tags: tagged(&[("role", "primary")]),
                ..Default::default()
            },
        ),
    );
    let mut readers = Vec::new();
    for i in 0..web.db_replicas {
        let replica = s.add_indexed(
            "db_replica",
            i,
            data_tuning::replica(
                web,
                &groups,
                DbInstance {
                    availability_zone: azs.get((i + 1) % azs.len()).cloned(),
                    // AWS gives a replica its source's storage, and refuses less.
                    allocated_storage: Some(web.db_allocated_storage),
                    storage_encrypted: Some(true),
                    vpc_security_group_ids: vec![db_sg.id()],
                    deletion_protection: Some(web.deletion_protection),
                    skip_final_snapshot: Some(true),
                    tags: tagged(&[("role", "replica")]),
                    ..DbInstance::replica_of(
                        &db,
                        format!("{n}-db-replica-{}", i + 1),
                        web.db_instance_class.clone(),
                    )
                },
            ),
        );
        readers.push(Value::from(replica.endpoint()));
    }

    // Redis: a primary and replicas spread over the AZs.
    let cache_subnets = s.add(
        "cache_subnets",
        CacheSubnetGroup {
            name: format!("{n}-cache"),
            subnet_ids: private_ids,
            tags: tagged(&[]),
            ..Default::default()
        },
    );
    let redis = s.add(
        "redis",
        data_tuning::cache(
            web,
            &groups,
            ReplicationGroup {
                replication_group_id: format!("{n}-redis"),
                description: Some(format!("{n} sessions and cache")),
                node_type: web.cache_node_type.clone(),
                replicas_per_node_group: Some(web.cache_replicas as i64),
                automatic_failover_enabled: Some(true),
                multi_az_enabled: Some(true),
                at_rest_encryption_enabled: Some(true),
                transit_encryption_enabled: Some(true),
                kms_key_id: identity::cache_uses_stack_key(web, release).then(|| id.key.clone()),
                subnet_group_name: Some(cache_subnets.name()),
                security_group_ids: vec![cache_sg.id()],
                preferred_cache_cluster_azs: (0..=web.cache_replicas)
                    .filter_map(|i| azs.get(i % azs.len()).cloned())
                    .collect(),
                tags: tagged(&[]),
                ..Default::default()
            },
        ),
    );

    // SLO alarms on the load balancer.
    let lb_dims = || {
        let mut d = BTreeMap::new();
        d.insert("LoadBalancer".to_string(), alb.arn_suffix());
        d
    };
    // The 5xx rate in percent, as CloudWatch metric math: 5xx answered by
    // the targets and by the load balancer itself (no healthy target) over
    // all requests, per minute. A minute without 5xx has no 5xx datapoint,
    // hence FILL; a minute without requests has no rate (not breaching).
    let lb_sum = |id: &str, metric: &str| {
        MetricQuery::metric(
            id,
            MetricStat {
                namespace: "AWS/ApplicationELB".into(),
                metric_name: metric.into(),
                dimensions: lb_dims(),
                stat: "Sum".into(),
                period: 60,
            },
        )
    };
    s.add(
        "alarm_5xx",
        MetricAlarm {
            alarm_name: format!("{n}-5xx-rate"),
            metrics: vec![
                MetricQuery::expression(
                    "rate",
                    "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests",
                )
                .labelled("5xx rate (%)"),
                lb_sum("target_5xx", "HTTPCode_Target_5XX_Count"),
                lb_sum("elb_5xx", "HTTPCode_ELB_5XX_Count"),
                lb_sum("requests", "RequestCount"),
            ],
            evaluation_periods: web.slo_5xx_minutes,
            threshold: web.slo_5xx_rate * 100.0,
            comparison_operator: "GreaterThanThreshold".into(),
            treat_missing_data: Some("notBreaching".into()),
            alarm_actions: notified(),
            ok_actions: notified(),
            alarm_description: Some(format!(
                "{n}: more than {}% of requests answered 5xx for {} minutes",
                web.slo_5xx_rate * 100.0,
                web.slo_5xx_minutes
            )),
            tags: tagged(&[("slo", "5xx")]),
            ..Default::default()
        },
    );
    s.add(
        "alarm_p95",
        MetricAlarm {
            alarm_name: format!("{n}-p95-latency"),
            namespace: "AWS/ApplicationELB".into(),
            metric_name: "TargetResponseTime".into(),
            extended_statistic: Some("p95".into()),
            dimensions: lb_dims(),
            period: 60,
            evaluation_periods: web.slo_p95_minutes,
            threshold: web.slo_p95_ms / 1000.0,
            comparison_operator: "GreaterThanThreshold".into(),
            treat_missing_data: Some("notBreaching".into()),
            alarm_actions: notified(),
            ok_actions: notified(),
            alarm_description: Some(format!(
                "{n}: p95 response time above {} ms for {} minutes",
                web.slo_p95_ms, web.slo_p95_minutes
            )),
            tags: tagged(&[("slo", "p95")]),
            ..Default::default()
        },
    );

    let live = release.live;
    let out = |name: &str| format!("{prefix}.{name}");
    drop(s);
    stack.output(out("alb_dns"), alb.dns_name());
    stack.output(out("db_writer_endpoint"), db.endpoint());
    if web.db_managed_password {
        stack.output(out("db_password_secret_arn"), db.master_user_secret_arn());
    }
    stack.output(out("db_reader_endpoints"), Value::List(readers));
    stack.output(out("redis_primary_endpoint"), redis.primary_endpoint());
    stack.output(out("live_color"), live.as_str());
    stack.output(out("live_version"), release.fleet(live).version.clone());
    stack.output(output_name(prefix), release.to_value());
    dns::outputs(web, stack, prefix, &dns);
    Addresses::of(web, prefix)
}
