//! EC2 compute: launch templates (versioned) and instances (pending → running,
//! stopped while their AZ is down, shutting-down → gone).

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, required, str_of, strings};
use crate::cloud::NewResource;
use crate::cloud::{Cloud, Record};
use crate::ids::{arn, ec2_id};
use crate::network::{need_groups, need_subnets, subnet_az};

/// AWS seconds from RunInstances to `running`.
pub const BOOT_SECS: f64 = 40.0;
/// AWS seconds from TerminateInstances to gone.
pub const TERMINATE_SECS: f64 = 30.0;

/// Creates a launch template or an instance; returns its id.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    let region = c.region.clone();
    if new.req.kind == kinds::LAUNCH_TEMPLATE {
        let name = required(&new.attrs, "name")?;
        let key = format!("{}|{name}", kinds::LAUNCH_TEMPLATE);
        if c.named(&key).is_some() {
            return Err(api_help(
                "InvalidLaunchTemplateName.AlreadyExistsException",
                format!("Launch template name already in use: {name}"),
                "launch template names are unique in a region; choose another name",
            ));
        }
        need_groups(c, &strings(&new.attrs, "security_group_ids"))?;
        let id = ec2_id("lt");
        let mut rec = new.record(c, id.clone());
        rec.name_key = Some(key);
        rec.computed.insert(
            "arn".into(),
            Value::String(arn("ec2", &region, &format!("launch-template/{id}")).into()),
        );
        rec.phases = c.timeline(&[("pending", 2.0)]);
        c.lt_versions.insert(id.clone(), vec![new.attrs.clone()]);
        c.insert(rec);
        return Ok(id);
    }
    let subnet = required(&new.attrs, "subnet_id")?.to_string();
    need_subnets(c, std::slice::from_ref(&subnet))?;
    need_groups(c, &strings(&new.attrs, "security_group_ids"))?;
    let mut rec = new.record(c, String::new());
    launch(c, &mut rec, &subnet)?;
    let id = rec.id.clone();
    c.insert(rec);
    Ok(id)
}

/// Fills in a new instance record placed in `subnet`: id, AZ, IP, boot timeline.
pub fn launch(c: &mut Cloud, rec: &mut Record, subnet: &str) -> Result<(), ProviderError> {
    let az = subnet_az(c, subnet).ok_or_else(|| {
        api(
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{subnet}' does not exist"),
        )
    })?;
    if c.az_is_down(&az) {
        return Err(api_help(
            "InsufficientInstanceCapacity",
            format!(
                "We currently do not have sufficient capacity in the Availability Zone you requested ({az})."
            ),
            "retry later, or use a subnet in another availability zone",
        ));
    }
    let id = ec2_id("i");
    let cidr = c
        .get(kinds::SUBNET, subnet)
        .and_then(|s| s.str("cidr_block"))
        .unwrap_or("10.0.0.0/24")
        .to_string();
    let ip = c.next_ip(subnet, &cidr);
    rec.id = id.clone();
    rec.computed.insert(
        "arn".into(),
        Value::String(arn("ec2", &c.region, &format!("instance/{id}")).into()),
    );
    rec.computed
        .insert("availability_zone".into(), Value::String(az.into()));
    rec.computed
        .insert("private_ip".into(), Value::String(ip.into()));
    rec.phases = c.timeline(&[("pending", BOOT_SECS)]);
    rec.settled = "running".into();
    Ok(())
}

/// The attributes of version `version` (`$Latest`, `$Default` or a number)
/// of a launch template.
pub fn template_version(c: &Cloud, lt_id: &str, version: &str) -> Option<Attrs> {
    let versions = c.lt_versions.get(lt_id)?;
    let index = match version {
        "$Latest" | "" => versions.len().checked_sub(1)?,
        "$Default" => 0,
        n => n.parse::<usize>().ok()?.checked_sub(1)?,
    };
    versions.get(index).cloned()
}

/// An instance record an autoscaling group launches from a template version.
pub fn asg_instance(
    c: &mut Cloud,
    template: &Attrs,
    subnet: &str,
    tags: &crate::cloud::Tags,
    owner: &str,
) -> Result<String, ProviderError> {
    let mut attrs = Attrs::new();
    for (from, to) in [
        ("image_id", "ami"),
        ("instance_type", "instance_type"),
        ("security_group_ids", "security_group_ids"),
        ("user_data", "user_data"),
        ("key_name", "key_name"),
    ] {
        if let Some(v) = template.get(from) {
            attrs.insert(to.into(), v.clone());
        }
    }
    attrs.insert("subnet_id".into(), Value::String(subnet.into()));
    let mut rec = Record::new(kinds::INSTANCE, String::new(), attrs, &[], c.now);
    rec.tags = tags.clone();
    rec.owner = Some(owner.to_string());
    launch(c, &mut rec, subnet)?;
    let id = rec.id.clone();
    c.insert(rec);
    Ok(id)
}

/// What an instance must be stopped to change (ModifyInstanceAttribute
/// takes them only from a stopped instance).
const STOP_TO_CHANGE: &[&str] = &["instance_type", "user_data"];

/// Updates a template (a new version) or an instance in place, same id:
/// a type or user data change stops, modifies and starts it.
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    need_groups(c, &strings(&attrs, "security_group_ids"))?;
    if req.kind == kinds::LAUNCH_TEMPLATE {
        c.lt_versions
            .entry(req.id.clone())
            .or_default()
            .push(attrs.clone());
    }
    let restart = req.kind == kinds::INSTANCE
        && c.get(&req.kind, &req.id).is_some_and(|r| {
            STOP_TO_CHANGE
                .iter()
                .any(|k| str_of(&r.attrs, k) != str_of(&attrs, k))
        });
    let timeline = c.timeline(&[("stopping", 15.0), ("pending", BOOT_SECS)]);
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
        if restart {
            rec.phases = timeline;
        }
    }
    Ok(())
}

/// Deletes a template, or terminates an instance.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::INSTANCE {
        terminate(c, &req.id);
    } else {
        c.start_delete(&req.kind, &req.id, "deleting", 1.0);
    }
    Ok(())
}

/// Terminates an instance: deregistered from target groups at once, gone after 30 s.
pub fn terminate(c: &mut Cloud, id: &str) {
    for targets in c.targets.values_mut() {
        targets.remove(id);
    }
    c.start_delete(kinds::INSTANCE, id, "shutting-down", TERMINATE_SECS);
}

/// The instance state AWS would report now.
pub fn instance_state(c: &Cloud, rec: &Record) -> String {
    let status = rec.status(c.now);
    let az = rec.str("availability_zone").unwrap_or_default();
    if status == "running" && c.az_is_down(az) {
        "stopped".into()
    } else {
        status.to_string()
    }
}

/// Live attributes: an instance's state, a template's latest version.
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    if rec.kind == kinds::INSTANCE {
        out.insert("state".into(), Value::String(instance_state(c, rec).into()));
    } else {
        let n = c.lt_versions.get(&rec.id).map_or(1, Vec::len);
        out.insert(
            "latest_version".into(),
            Value::Int(i64::try_from(n).unwrap_or(i64::MAX)),
        );
    }
}
