//! A web service's parameters: read from a manifest's `[module.NAME]`
//! block (flat keys named like the [`WebService`] fields) and validated,
//! every problem at once.

use indexmap::IndexMap;
use strata_core::kinds::typed::Sensitive;
use strata_core::value::Value;

use super::WebService;

/// The module kind of a web service: `kind = "web_service"`.
pub const KIND: &str = "web_service";
/// The code of a parameter problem.
pub const PARAM: &str = "strata::stacks::web_service::param";

/// One thing wrong with the parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter (`None`: the block as a whole).
    pub param: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl ParamError {
    fn new(param: &str, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self {
            param: Some(param.to_string()),
            message: message.into(),
            help: help.into(),
        }
    }
}

/// What a sensitive parameter holds: a string, or a secret table
/// (`{ env = "NAME" }`, `{ file = ... }`, `{ secretsmanager = ... }`,
/// `{ ssm = ... }`). Such a parameter written in clear text is a warning.
const SECRET: &str = "a string or a secret (`{ env = \"NAME\" }`, `{ file = \"path\" }`, `{ secretsmanager = \"...\" }`, `{ ssm = \"...\" }`)";

/// Whether the parameter `name` is sensitive (a password, a token): it
/// takes a secret table, and clear text in a manifest is a warning.
pub fn is_sensitive(name: &str) -> bool {
    PARAMS.iter().any(|(k, what)| *k == name && *what == SECRET)
}

/// Every parameter a manifest may set, with what it holds.
const PARAMS: &[(&str, &str)] = &[
    ("name", "a string"),
    ("environment", "a string"),
    ("version", "a string"),
    ("azs", "an integer"),
    ("cidr_block", "a string"),
    ("nat", "a string"),
    ("certificate_arn", "a string"),
    ("ami", "a string"),
    ("user_data", "a string"),
    ("instance_type", "a string"),
    ("root_device_name", "a string"),
    ("root_volume_gb", "an integer"),
    ("detailed_monitoring", "a boolean"),
    ("app_port", "an integer"),
    ("min_size", "an integer"),
    ("max_size", "an integer"),
    ("desired_capacity", "an integer"),
    ("cpu_target", "a number"),
    ("db_instance_class", "a string"),
    ("db_engine_version", "a string"),
    ("db_allocated_storage", "an integer"),
    ("db_replicas", "an integer"),
    ("db_password", SECRET),
    ("db_managed_password", "a boolean"),
    ("deletion_protection", "a boolean"),
    ("backup_retention_days", "an integer"),
    ("cache_node_type", "a string"),
    ("cache_replicas", "an integer"),
    ("db_storage_type", "a string"),
    ("db_max_allocated_storage", "an integer"),
    ("db_maintenance_window", "a string"),
    ("db_backup_window", "a string"),
    ("db_replica_maintenance_window", "a string"),
    ("db_performance_insights", "a boolean"),
    ("db_log_min_duration_ms", "an integer"),
    ("cache_auth_token", SECRET),
    ("cache_snapshot_retention_days", "an integer"),
    ("cache_snapshot_window", "a string"),
    ("cache_maintenance_window", "a string"),
    ("cache_maxmemory_policy", "a string"),
    ("cache_parameter_group", "a boolean"),
    ("slo_5xx_rate", "a number"),
    ("slo_5xx_minutes", "an integer"),
    ("slo_p95_ms", "a number"),
    ("slo_p95_minutes", "an integer"),
    ("alarm_email", "a string"),
    ("db_use_stack_key", "a boolean"),
    ("cache_use_stack_key", "a boolean"),
    ("domain", "a string"),
    ("zone_id", "a string"),
    ("zone_name", "a string"),
];

/// Parameters earlier versions had, and why they are gone.
const RETIRED: &[(&str, &str)] = &[(
    "expected_rps",
    "the 5xx alarm is now a true rate (metric math over RequestCount), so it needs no traffic estimate",
)];

/// Reads a web service from a module's parameters (defaults from
/// [`WebService::new`]); returns it with every problem found, validation
/// included.
pub fn from_params(params: &IndexMap<String, Value>) -> (WebService, Vec<ParamError>) {
    let mut errors = Vec::new();
    let mut web = WebService::new("", "");
    for (key, value) in params {
        if let Some((_, why)) = RETIRED.iter().find(|(k, _)| k == key) {
            errors.push(ParamError::new(
                key,
                format!("`{key}` is no longer a parameter of a web service: {why}"),
                format!("remove `{key}` from the module block"),
            ));
            continue;
        }
        let Some((_, what)) = PARAMS.iter().find(|(k, _)| k == key) else {
            let known: Vec<&str> = PARAMS.iter().map(|(k, _)| *k).collect();
            errors.push(ParamError::new(
                key,
                format!("`{key}` is not a parameter of a web service"),
                format!("the parameters are {}", known.join(", ")),
            ));
            continue;
        };
        let text = value.as_str().map(str::to_string);
        let int = value.as_i64();
        let float = value.as_f64().or_else(|| int.map(|i| i as f64));
        let ok = match *what {
            "a string" => text.is_some(),
            SECRET => text.is_some() || matches!(value, Value::Secret(_)),
            "an integer" => int.is_some(),
            "a number" => float.is_some(),
            _ => value.as_bool().is_some(),
        };
        if !ok {
            errors.push(ParamError::new(
                key,
                format!("`{key}` must be {what}"),
                format!(
                    "write `{key}` as {what} (references are not allowed in module parameters)"
                ),
            ));
            continue;
        }
        let s = text.unwrap_or_default();
        let i = int.unwrap_or_default();
        let f = float.unwrap_or_default();
        let count = usize::try_from(i).unwrap_or(0);
        match key.as_str() {
            "name" => web.name = s,
            "environment" => web.environment = s,
            "version" => web.version = s,
            "azs" => web.azs = count,
            "cidr_block" => web.cidr_block = s,
            "nat" => match s.parse() {
                Ok(nat) => web.nat = nat,
                Err(message) => errors.push(ParamError::new(
                    key,
                    message,
                    "use `per_az` (a NAT gateway per AZ), `single` or `none`",
                )),
            },
            "certificate_arn" => web.certificate_arn = Some(s),
            "ami" => web.ami = s,
            "user_data" => web.user_data = Some(s),
            "instance_type" => web.instance_type = s,
            "root_device_name" => web.root_device_name = s,
            "root_volume_gb" => web.root_volume_gb = i,
            "detailed_monitoring" => web.detailed_monitoring = value.as_bool().unwrap_or(true),
            "app_port" => web.app_port = u16::try_from(i).unwrap_or(0),
            "min_size" => web.min_size = i,
            "max_size" => web.max_size = i,
            "desired_capacity" => web.desired_capacity = i,
            "cpu_target" => web.cpu_target = f,
            "db_instance_class" => web.db_instance_class = s,
            "db_engine_version" => web.db_engine_version = s,
            "db_allocated_storage" => web.db_allocated_storage = i,
            "db_replicas" => web.db_replicas = count,
            "db_password" => {
                web.db_password = Sensitive::try_from(value.clone()).unwrap_or_default()
            }
            "deletion_protection" => web.deletion_protection = value.as_bool().unwrap_or(true),
            "db_managed_password" => web.db_managed_password = value.as_bool().unwrap_or(false),
            "backup_retention_days" => web.backup_retention_days = i,
            "cache_node_type" => web.cache_node_type = s,
            "cache_replicas" => web.cache_replicas = count,
            "db_storage_type" => web.db_storage_type = s,
            "db_max_allocated_storage" => web.db_max_allocated_storage = i,
            "db_maintenance_window" => web.db_maintenance_window = s,
            "db_backup_window" => web.db_backup_window = s,
            "db_replica_maintenance_window" => web.db_replica_maintenance_window = s,
            "db_performance_insights" => {
                web.db_performance_insights = value.as_bool().unwrap_or(true)
            }
            "db_log_min_duration_ms" => web.db_log_min_duration_ms = i,
            "cache_auth_token" => {
                web.cache_auth_token = Sensitive::try_from(value.clone()).unwrap_or_default()
            }
            "cache_snapshot_retention_days" => web.cache_snapshot_retention_days = i,
            "cache_snapshot_window" => web.cache_snapshot_window = s,
            "cache_maintenance_window" => web.cache_maintenance_window = s,
            "cache_maxmemory_policy" => web.cache_maxmemory_policy = s,
            "cache_parameter_group" => web.cache_parameter_group = value.as_bool().unwrap_or(true),
            "slo_5xx_rate" => web.slo_5xx_rate = f,
            "slo_5xx_minutes" => web.slo_5xx_minutes = i,
            "slo_p95_ms" => web.slo_p95_ms = f,
            "alarm_email" => web.alarm_email = Some(s),
            "db_use_stack_key" => web.db_use_stack_key = value.as_bool(),
            "cache_use_stack_key" => web.cache_use_stack_key = value.as_bool(),
            "domain" => web.domain = Some(s),
            "zone_id" => web.zone_id = Some(s),
            "zone_name" => web.zone_name = Some(s),
            _ => web.slo_p95_minutes = i,
        }
        if matches!(
            key.as_str(),
            "azs" | "db_replicas" | "cache_replicas" | "app_port"
        ) && i < 0
        {
            errors.push(ParamError::new(
                key,
                format!("`{key}` must not be negative"),
                "use a positive number",
            ));
        }
    }
    if web.db_managed_password && params.contains_key("db_password") {
        errors.push(ParamError::new(
            "db_password",
            "`db_password` and `db_managed_password = true` both give the DB password",
            "remove `db_password` (RDS generates the password and keeps it in Secrets Manager), \
             or set `db_managed_password = false`",
        ));
    }
    for required in ["name", "ami"] {
        if !params.contains_key(required) {
            errors.push(ParamError {
                param: None,
                message: format!("the web service has no `{required}`"),
                help: match required {
                    "name" => "name it (it prefixes AWS names), e.g. `name = \"shop\"`".into(),
                    _ => {
                        "give the application image, e.g. `ami = \"ami-0123456789abcdef0\"`".into()
                    }
                },
            });
        }
    }
    let reported: Vec<Option<String>> = errors.iter().map(|e| e.param.clone()).collect();
    errors.extend(
        validate(&web)
            .into_iter()
            .filter(|e| !reported.contains(&e.param))
            .filter(|e| {
                e.param
                    .as_deref()
                    .is_none_or(|p| params.contains_key(p) || !["name", "ami"].contains(&p))
            }),
    );
    (web, errors)
}

/// Everything wrong with a web service's parameters.
pub fn validate(web: &WebService) -> Vec<ParamError> {
    let mut e = Vec::new();
    let mut check = |ok: bool, param: &str, message: String, help: &str| {
        if !ok {
            e.push(ParamError::new(param, message, help));
        }
    };
    let name_ok = !web.name.is_empty()
        && web.name.len() <= 20
        && web
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && web.name.starts_with(|c: char| c.is_ascii_alphabetic());
    check(name_ok, "name", format!("`{}` is not a usable service name", web.name),
        "use 1 to 20 letters, digits and `-`, starting with a letter (it prefixes AWS names such as NAME-alb)");
    check(
        !web.ami.is_empty(),
        "ami",
        "the AMI is empty".into(),
        "give the application image, e.g. `ami-0123456789abcdef0`",
    );
    check(
        (1..=16384).contains(&web.root_volume_gb),
        "root_volume_gb",
        format!("a {} GiB root volume is out of range", web.root_volume_gb),
        "a gp3 volume is 1 to 16384 GiB (and at least the AMI's snapshot size)",
    );
    check(
        web.root_device_name.starts_with("/dev/"),
        "root_device_name",
        format!("`{}` is not a device name", web.root_device_name),
        "give the AMI's root device, e.g. `/dev/xvda` (Amazon Linux) or `/dev/sda1` (Ubuntu)",
    );
    check(
        !web.version.is_empty(),
        "version",
        "the version is empty".into(),
        "name the first version, e.g. `v1`",
    );
    check(
        web.azs >= 2,
        "azs",
        format!(
            "a highly available service needs at least 2 AZs, not {}",
            web.azs
        ),
        "use `azs = 2` or more (3 is the usual choice)",
    );
    check(
        web.azs <= 6,
        "azs",
        format!("{} AZs is more than a region has", web.azs),
        "use 2 to 6 AZs",
    );
    let octets: Vec<&str> = web.cidr_block.split(['.', '/']).collect();
    let cidr_ok = octets.len() == 5
        && octets[..4].iter().all(|o| o.parse::<u8>().is_ok())
        && octets[2] == "0"
        && octets[3] == "0"
        && octets[4] == "16";
    check(
        cidr_ok,
        "cidr_block",
        format!("`{}` is not a /16 network", web.cidr_block),
        "use a /16 such as `10.0.0.0/16` (subnets are carved as /24s from it)",
    );
    if let Some(cert) = &web.certificate_arn {
        check(
            cert.starts_with("arn:") && (cert.contains(":acm:") || cert.contains(":iam:")),
            "certificate_arn",
            format!("`{cert}` is not a certificate ARN"),
            "give an ACM certificate's ARN, e.g. `arn:aws:acm:us-east-1:123456789012:certificate/...`",
        );
    }
    check(
        web.app_port > 0,
        "app_port",
        "the app port must be 1 to 65535".into(),
        "e.g. `app_port = 8000` (Gunicorn's)",
    );
    check(
        web.min_size >= 1,
        "min_size",
        format!(
            "min_size {} leaves the service without instances",
            web.min_size
        ),
        "use at least 1 (at least one per AZ for high availability)",
    );
    check(
        web.min_size <= web.desired_capacity && web.desired_capacity <= web.max_size,
        "desired_capacity",
        format!(
            "desired_capacity {} is not between min_size {} and max_size {}",
            web.desired_capacity, web.min_size, web.max_size
        ),
        "keep min_size <= desired_capacity <= max_size",
    );
    check(
        usize::try_from(web.min_size).is_ok_and(|m| m >= web.azs),
        "min_size",
        format!(
            "min_size {} cannot put an instance in each of {} AZs",
            web.min_size, web.azs
        ),
        "make min_size at least the number of AZs",
    );
    check(
        web.db_replicas < web.azs,
        "db_replicas",
        format!(
            "{} read replicas cannot each have their own AZ among {} AZs beside the primary's",
            web.db_replicas, web.azs
        ),
        "use at most azs - 1 replicas",
    );
    check(
        (1..=5).contains(&web.cache_replicas),
        "cache_replicas",
        format!(
            "{} Redis replicas: automatic failover needs 1 to 5",
            web.cache_replicas
        ),
        "use 1 to 5 replicas",
    );
    check(
        web.slo_5xx_rate > 0.0 && web.slo_5xx_rate < 1.0,
        "slo_5xx_rate",
        format!("{} is not a share of requests", web.slo_5xx_rate),
        "write the 5xx SLO as a fraction: 0.01 is 1 %",
    );
    check(
        web.slo_p95_ms > 0.0,
        "slo_p95_ms",
        "the latency SLO must be positive".into(),
        "e.g. `slo_p95_ms = 300`",
    );
    check(
        web.slo_5xx_minutes >= 1 && web.slo_p95_minutes >= 1,
        "slo_5xx_minutes",
        "SLO windows must be at least a minute".into(),
        "e.g. 5 and 10 minutes",
    );
    check(
        web.backup_retention_days >= 1,
        "backup_retention_days",
        "backups must be kept at least a day (0 turns them off)".into(),
        "e.g. `backup_retention_days = 7`",
    );
    super::data_tuning::validate(web, &mut check);
    check(
        web.cpu_target > 0.0 && web.cpu_target <= 100.0,
        "cpu_target",
        format!("{} is not a CPU percentage", web.cpu_target),
        "e.g. 50",
    );
    if let Some(email) = &web.alarm_email {
        check(
            email.contains('@') && !email.contains(char::is_whitespace),
            "alarm_email",
            format!("`{email}` is not an email address"),
            "e.g. \"ops@example.com\"",
        );
    }
    e.extend(super::dns::validate(web));
    e
}

/// The parameters of `web` as a module block holds them (the inverse of
/// [`from_params`]).
pub fn to_params(web: &WebService) -> IndexMap<String, Value> {
    let mut p: IndexMap<String, Value> = IndexMap::new();
    let mut set = |k: &str, v: Value| {
        p.insert(k.to_string(), v);
    };
    set("name", web.name.clone().into());
    set("environment", web.environment.clone().into());
    set("version", web.version.clone().into());
    set("azs", Value::Int(web.azs as i64));
    set("cidr_block", web.cidr_block.clone().into());
    set("nat", web.nat.as_str().into());
    if let Some(cert) = &web.certificate_arn {
        set("certificate_arn", cert.clone().into());
    }
    set("ami", web.ami.clone().into());
    if let Some(u) = &web.user_data {
        set("user_data", u.clone().into());
    }
    set("instance_type", web.instance_type.clone().into());
    set("root_device_name", web.root_device_name.clone().into());
    set("root_volume_gb", Value::Int(web.root_volume_gb));
    set("detailed_monitoring", Value::Bool(web.detailed_monitoring));
    set("app_port", Value::Int(i64::from(web.app_port)));
    set("min_size", Value::Int(web.min_size));
    set("max_size", Value::Int(web.max_size));
    set("desired_capacity", Value::Int(web.desired_capacity));
    set("cpu_target", Value::Float(web.cpu_target));
    set("db_instance_class", web.db_instance_class.clone().into());
    set("db_engine_version", web.db_engine_version.clone().into());
    set("db_allocated_storage", Value::Int(web.db_allocated_storage));
    set("db_replicas", Value::Int(web.db_replicas as i64));
    set("db_password", web.db_password.clone().into());
    set("db_managed_password", Value::Bool(web.db_managed_password));
    set("deletion_protection", Value::Bool(web.deletion_protection));
    set(
        "backup_retention_days",
        Value::Int(web.backup_retention_days),
    );
    set("cache_node_type", web.cache_node_type.clone().into());
    set("cache_replicas", Value::Int(web.cache_replicas as i64));
    set("db_storage_type", web.db_storage_type.clone().into());
    set(
        "db_max_allocated_storage",
        Value::Int(web.db_max_allocated_storage),
    );
    set(
        "db_maintenance_window",
        web.db_maintenance_window.clone().into(),
    );
    set("db_backup_window", web.db_backup_window.clone().into());
    set(
        "db_replica_maintenance_window",
        web.db_replica_maintenance_window.clone().into(),
    );
    set(
        "db_performance_insights",
        Value::Bool(web.db_performance_insights),
    );
    set(
        "db_log_min_duration_ms",
        Value::Int(web.db_log_min_duration_ms),
    );
    set("cache_auth_token", web.cache_auth_token.clone().into());
    set(
        "cache_snapshot_retention_days",
        Value::Int(web.cache_snapshot_retention_days),
    );
    set(
        "cache_snapshot_window",
        web.cache_snapshot_window.clone().into(),
    );
    set(
        "cache_maintenance_window",
        web.cache_maintenance_window.clone().into(),
    );
    set(
        "cache_maxmemory_policy",
        web.cache_maxmemory_policy.clone().into(),
    );
    set(
        "cache_parameter_group",
        Value::Bool(web.cache_parameter_group),
    );
    set("slo_5xx_rate", Value::Float(web.slo_5xx_rate));
    set("slo_5xx_minutes", Value::Int(web.slo_5xx_minutes));
    set("slo_p95_ms", Value::Float(web.slo_p95_ms));
    set("slo_p95_minutes", Value::Int(web.slo_p95_minutes));
    if let Some(email) = &web.alarm_email {
        set("alarm_email", email.clone().into());
    }
    if let Some(b) = web.db_use_stack_key {
        set("db_use_stack_key", Value::Bool(b));
    }
    if let Some(b) = web.cache_use_stack_key {
        set("cache_use_stack_key", Value::Bool(b));
    }
    for (k, v) in [
        ("domain", &web.domain),
        ("zone_id", &web.zone_id),
        ("zone_name", &web.zone_name),
    ] {
        if let Some(v) = v {
            set(k, v.clone().into());
        }
    }
    p
}
