//! The lookup kinds against AWS's models: every call a lookup kind names
//! (`service:Operation`) exists in that service's model.

use std::path::Path;

use strata_core::kinds::data::ALL_DATA;

use crate::model::Model;

/// Each lookup call AWS's models do not have, as a message.
pub fn missing_calls(data: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for kind in ALL_DATA {
        for call in kind.api {
            let Some((service, op)) = call.split_once(':') else {
                out.push(format!(
                    "{}: `{call}` is not `service:Operation`",
                    kind.kind
                ));
                continue;
            };
            match Model::load(data, service) {
                Ok(model) if model.has_op(op) => {}
                Ok(_) => out.push(format!("{}: {service} has no operation {op}", kind.kind)),
                Err(e) => out.push(format!("{}: {e}", kind.kind)),
            }
        }
    }
    out
}
