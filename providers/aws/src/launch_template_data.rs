//! A launch template's instance settings beyond image and type: metadata
//! options (IMDSv2), block device mappings (root volume size, type,
//! encryption), detailed monitoring and the instance profile, to the
//! request and back from DescribeLaunchTemplateVersions.
//!
//! AWS returns a template's data as it was requested, so what is read back
//! is what was set; metadata options report AWS's defaults for fields left
//! out, as the schema fills them in on the configured side.

use aws_sdk_ec2::types::builders::RequestLaunchTemplateDataBuilder;
use aws_sdk_ec2::types::{
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateInstanceMetadataTagsState, LaunchTemplatesMonitoringRequest,
    ResponseLaunchTemplateData, VolumeType,
};
use strata_core::value::{Attrs, Value};

use crate::util::{i32_of, int, put, str_of};

/// Adds the settings `a` configures to a template data request.
pub fn request(
    mut b: RequestLaunchTemplateDataBuilder,
    a: &Attrs,
) -> RequestLaunchTemplateDataBuilder {
    if let Some(m) = a.get("metadata_options").and_then(Value::as_map) {
        b = b.metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .set_http_tokens(str_of(m, "http_tokens").map(LaunchTemplateHttpTokensState::from))
                .set_http_endpoint(
                    str_of(m, "http_endpoint")
                        .map(LaunchTemplateInstanceMetadataEndpointState::from),
                )
                .set_http_put_response_hop_limit(i32_of(m, "http_put_response_hop_limit"))
                .set_instance_metadata_tags(
                    str_of(m, "instance_metadata_tags")
                        .map(LaunchTemplateInstanceMetadataTagsState::from),
                )
                .build(),
        );
    }
    if let Some(Value::List(devices)) = a.get("block_device_mappings") {
        for device in devices.iter().filter_map(Value::as_map) {
            let ebs = device.get("ebs").and_then(Value::as_map).map(|e| {
                LaunchTemplateEbsBlockDeviceRequest::builder()
                    .set_volume_size(i32_of(e, "volume_size"))
                    .set_volume_type(str_of(e, "volume_type").map(VolumeType::from))
                    .set_iops(i32_of(e, "iops"))
                    .set_throughput(i32_of(e, "throughput"))
                    .set_encrypted(e.get("encrypted").and_then(Value::as_bool))
                    .set_kms_key_id(str_of(e, "kms_key_id").map(str::to_string))
                    .set_delete_on_termination(
                        e.get("delete_on_termination").and_then(Value::as_bool),
                    )
                    .set_snapshot_id(str_of(e, "snapshot_id").map(str::to_string))
                    .build()
            });
            b = b.block_device_mappings(
                LaunchTemplateBlockDeviceMappingRequest::builder()
                    .set_device_name(str_of(device, "device_name").map(str::to_string))
                    .set_ebs(ebs)
                    .build(),
            );
        }
    }
    if let Some(enabled) = a.get("monitoring").and_then(Value::as_bool) {
        b = b.monitoring(
            LaunchTemplatesMonitoringRequest::builder()
                .enabled(enabled)
                .build(),
        );
    }
    if let Some(profile) = str_of(a, "iam_instance_profile") {
        let spec = LaunchTemplateIamInstanceProfileSpecificationRequest::builder();
        let spec = if profile.starts_with("arn:") {
            spec.arn(profile)
        } else {
            spec.name(profile)
        };
        b = b.iam_instance_profile(spec.build());
    }
    b
}

/// Reads the settings back from a template version's data into `a`.
pub fn read(d: &ResponseLaunchTemplateData, a: &mut Attrs) {
    let m = d.metadata_options();
    let mut meta = Attrs::new();
    meta.insert(
        "http_tokens".into(),
        Value::from(
            m.and_then(|m| m.http_tokens())
                .map_or("optional", |t| t.as_str()),
        ),
    );
    meta.insert(
        "http_endpoint".into(),
        Value::from(
            m.and_then(|m| m.http_endpoint())
                .map_or("enabled", |t| t.as_str()),
        ),
    );
    meta.insert(
        "http_put_response_hop_limit".into(),
        Value::Int(i64::from(
            m.and_then(|m| m.http_put_response_hop_limit()).unwrap_or(1),
        )),
    );
    meta.insert(
        "instance_metadata_tags".into(),
        Value::from(
            m.and_then(|m| m.instance_metadata_tags())
                .map_or("disabled", |t| t.as_str()),
        ),
    );
    a.insert("metadata_options".into(), Value::Map(meta));

    let devices: Vec<Value> = d
        .block_device_mappings()
        .iter()
        .map(|device| {
            let mut out = Attrs::new();
            put(&mut out, "device_name", device.device_name());
            if let Some(e) = device.ebs() {
                let mut ebs = Attrs::new();
                put(&mut ebs, "volume_size", int(e.volume_size()));
                put(
                    &mut ebs,
                    "volume_type",
                    e.volume_type().map(VolumeType::as_str),
                );
                put(&mut ebs, "iops", int(e.iops()));
                put(&mut ebs, "throughput", int(e.throughput()));
                put(&mut ebs, "encrypted", e.encrypted());
                put(&mut ebs, "kms_key_id", e.kms_key_id());
                put(&mut ebs, "delete_on_termination", e.delete_on_termination());
                put(&mut ebs, "snapshot_id", e.snapshot_id());
                out.insert("ebs".into(), Value::Map(ebs));
            }
            Value::Map(out)
        })
        .collect();
    if !devices.is_empty() {
        a.insert("block_device_mappings".into(), Value::List(devices));
    }
    a.insert(
        "monitoring".into(),
        Value::Bool(d.monitoring().and_then(|m| m.enabled()).unwrap_or(false)),
    );
    if let Some(p) = d.iam_instance_profile() {
        put(a, "iam_instance_profile", p.arn().or(p.name()));
    }
}
