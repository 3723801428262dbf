//! Strata's kind schemas checked against AWS's own service models (the JSON
//! models botocore ships), so that an attribute AWS can change in place is
//! never replaced without a written reason, and every attribute is a real
//! member of the calls behind its kind.
//!
//! For each kind in `strata_core::kinds::ALL`:
//! 1. its service model exists and has every call the schema names;
//! 2. every attribute is a member of those calls (requests of create,
//!    update and delete; responses of read; computed ones in responses),
//!    searched through nested structures and lists; settings of Strata's
//!    own (`Member::Strata`) are listed;
//! 3. an attribute that forces replacement but is a member an update call
//!    takes (of the resource itself, not of a list element) has a reason
//!    that names that call; an attribute changed in place is a member some
//!    update call takes, or read only when deleting, or tags, or a written
//!    exception in `allow.rs`;
//! 4. values Strata checks against a list are in the model's enum, values
//!    it checks by form include every enum value, string defaults are enum
//!    values, and length and number bounds agree.
//!
//! And every call a lookup kind (`kinds::data`) names exists.
//!
//! The full check needs botocore's data directory:
//!
//! ```text
//! STRATA_BOTOCORE_DATA=.venv-moto/lib/python3.11/site-packages/botocore/data \
//!     cargo test -p strata-core --test aws_model -- --include-ignored --nocapture
//! ```
//!
//! `scripts/moto.sh` runs it after installing moto (and botocore with it).

mod allow;
mod check;
mod lookups;
mod model;
mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use strata_core::kinds::ALL;

use allow::KNOWN;
use check::{check_kind, unused_allowances, Report};
use model::Model;

/// The environment variable naming botocore's `data` directory.
const DATA_ENV: &str = "STRATA_BOTOCORE_DATA";

/// Attributes Strata checks against a list of values: the list must be
/// found (read from the validation's help) and compared with the model.
const LISTS: &[&str] = &[
    "aws.cloudwatch.metric_alarm.statistic",
    "aws.cloudwatch.metric_alarm.comparison_operator",
    "aws.autoscaling.policy.predefined_metric",
];

#[test]
#[ignore = "needs STRATA_BOTOCORE_DATA (scripts/moto.sh sets it)"]
fn schemas_match_aws_service_models() {
    let data = std::env::var_os(DATA_ENV).map(PathBuf::from);
    assert!(
        data.is_some(),
        "{DATA_ENV} is not set: point it at botocore's data directory, e.g. \
         .venv-moto/lib/python3.11/site-packages/botocore/data (scripts/moto.sh sets it)"
    );
    let data = data.unwrap_or_default();
    let services: BTreeSet<&str> = ALL.iter().map(|k| k.api.service).collect();
    let mut models = BTreeMap::new();
    let mut errors = Vec::new();
    for service in services {
        match Model::load(&data, service) {
            Ok(m) => {
                models.insert(service.to_string(), m);
            }
            Err(e) => errors.push(e),
        }
    }
    assert!(
        errors.is_empty(),
        "cannot read AWS's models:\n{}",
        errors.join("\n")
    );

    let mut report = Report::default();
    report.mismatches.extend(lookups::missing_calls(&data));
    for kind in ALL {
        check_kind(kind, &models, &mut report);
    }
    unused_allowances(&mut report);
    for list in LISTS {
        if !report.lists_checked.contains(*list) {
            report.mismatches.push(format!(
                "{list}: Strata's list of values was not found (its validation help no longer \
                 says \"one of: ...\"?), so it was not compared with AWS's enum"
            ));
        }
    }

    let mut known = Vec::new();
    for k in KNOWN {
        let before = report.mismatches.len();
        report.mismatches.retain(|m| !m.starts_with(k.starts));
        if report.mismatches.len() == before {
            known.push(format!(
                "allow.rs KNOWN: no mismatch starts with \"{}\" any more: remove the entry",
                k.starts
            ));
        } else {
            println!("KNOWN MISMATCH, to be fixed: {}: {}", k.starts, k.why);
        }
    }
    report.mismatches.extend(known);

    println!(
        "Strata's schemas against AWS's models in {}",
        data.display()
    );
    for line in &report.lines {
        println!("{line}");
    }
    println!("\nListed, not failed:");
    for note in &report.notes {
        println!("  {note}");
    }
    assert!(
        report.mismatches.is_empty(),
        "{} mismatch(es) between Strata's schemas and AWS's models:\n  {}",
        report.mismatches.len(),
        report.mismatches.join("\n  ")
    );
}

/// The checks themselves, on a small model, so that `cargo test` shows they
/// can fail without botocore.
#[cfg(test)]
mod checks {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use serde_json::json;
    use strata_core::schema::{Api, AttrSchema as A, AttrType as T, KindSchema};

    use crate::check::{check_kind, Report};
    use crate::model::Model;

    /// A service with one resource: `Thing`.
    fn model() -> BTreeMap<String, Model> {
        let json = json!({
            "operations": {
                "CreateThing": {"input": {"shape": "CreateThingRequest"}},
                "ModifyThing": {"input": {"shape": "ModifyThingRequest"}},
                "DescribeThings": {"output": {"shape": "DescribeThingsResult"}},
                "DeleteThing": {"input": {"shape": "DeleteThingRequest"}},
                "TagResource": {"input": {"shape": "TagResourceRequest"}},
            },
            "shapes": {
                "CreateThingRequest": {"type": "structure", "members": {
                    "ThingName": {"shape": "Name"},
                    "Size": {"shape": "Integer"},
                    "Colour": {"shape": "String"},
                    "Statistic": {"shape": "Statistic"},
                    "Tags": {"shape": "TagList"},
                }},
                "ModifyThingRequest": {"type": "structure", "members": {
                    "ThingName": {"shape": "Name"},
                    "Size": {"shape": "Integer"},
                    "Targets": {"shape": "TargetList"},
                    "Settings": {"shape": "Settings"},
                }},
                "Settings": {"type": "structure", "members": {
                    "Depth": {"shape": "Integer"},
                }},
                "TargetList": {"type": "list", "member": {"shape": "Target"}},
                "Target": {"type": "structure", "members": {"Port": {"shape": "Integer"}}},
                "DescribeThingsResult": {"type": "structure", "members": {
                    "Things": {"shape": "ThingList"},
                }},
                "ThingList": {"type": "list", "member": {"shape": "Thing"}},
                "Thing": {"type": "structure", "members": {
                    "ThingName": {"shape": "Name"},
                    "ThingArn": {"shape": "String"},
                    "Port": {"shape": "Integer"},
                }},
                "DeleteThingRequest": {"type": "structure", "members": {
                    "ThingName": {"shape": "Name"},
                    "SkipFinalSnapshot": {"shape": "Boolean"},
                }},
                "TagResourceRequest": {"type": "structure", "members": {
                    "Tags": {"shape": "TagList"},
                }},
                "TagList": {"type": "list", "member": {"shape": "String"}},
                "Name": {"type": "string", "min": 1, "max": 20},
                "Statistic": {"type": "string", "enum": ["Average", "Sum"]},
                "String": {"type": "string"},
                "Integer": {"type": "integer"},
                "Boolean": {"type": "boolean"},
            },
        });
        BTreeMap::from([(
            "monitoring".to_string(),
            Model::from_json("monitoring", "2024-01-01", json),
        )])
    }

    fn kind(attrs: &'static [A], update: &'static [&'static str]) -> KindSchema {
        KindSchema {
            kind: "aws.test.thing",
            doc: "A thing.",
            attrs,
            create_before_destroy: false,
            ready_timeout: Duration::from_secs(1),
            concurrency: 1,
            stateful: true,
            api: Api {
                service: "monitoring",
                create: &["CreateThing"],
                update,
                read: &["DescribeThings"],
                delete: &["DeleteThing"],
            },
        }
    }

    fn mismatches(attrs: &'static [A], update: &'static [&'static str]) -> Vec<String> {
        let mut report = Report::default();
        check_kind(&kind(attrs, update), &model(), &mut report);
        report.mismatches
    }

    #[test]
    fn a_conforming_kind_passes() {
        static ATTRS: [A; 7] = [
            A::required("name", T::String, "")
                .member("ThingName")
                .force_new("ModifyThing takes ThingName only to find the thing."),
            A::required("size", T::Int, ""),
            A::optional("depth", T::Int, ""),
            A::optional("port", T::Int, "").force_new("Fixed at creation."),
            A::optional("skip_final_snapshot", T::Bool, ""),
            A::optional("tags", T::Map(&T::String), ""),
            A::computed("arn", T::String, "").member("ThingArn"),
        ];
        assert_eq!(mismatches(&ATTRS, &["ModifyThing"]), Vec::<String>::new());
    }

    #[test]
    fn force_new_member_of_an_update_call_needs_a_reason_naming_it() {
        static ATTRS: [A; 1] =
            [A::required("size", T::Int, "").force_new("AWS cannot change the size.")];
        let found = mismatches(&ATTRS, &["ModifyThing"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("aws.test.thing"), "{}", found[0]);
        assert!(found[0].contains("`size`"), "{}", found[0]);
        assert!(found[0].contains("ModifyThing.Size"), "{}", found[0]);
    }

    #[test]
    fn an_in_place_attribute_no_update_call_takes_is_a_mismatch() {
        static ATTRS: [A; 1] = [A::optional("colour", T::String, "")];
        let found = mismatches(&ATTRS, &["ModifyThing"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("`colour` changes in place"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn missing_members_and_calls_are_mismatches() {
        static ATTRS: [A; 2] = [
            A::optional("weight", T::Int, ""),
            A::computed("arn", T::String, ""),
        ];
        let found = mismatches(&ATTRS, &["ModifyThings"]);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("update operation ModifyThings is not in"));
        assert!(
            found[1].contains("`weight`: no member weight"),
            "{}",
            found[1]
        );
        assert!(
            found[2].contains("computed `arn`: no member arn"),
            "{}",
            found[2]
        );
    }

    #[test]
    fn strata_values_outside_the_model_enum_are_mismatches() {
        // Strata checks `statistic` against its list of five statistics;
        // this model knows only two.
        static ATTRS: [A; 1] = [A::optional("statistic", T::String, "")];
        let found = mismatches(&ATTRS, &["CreateThing"]);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().any(|m| m.contains("accepts `SampleCount`")));
    }

    #[test]
    fn a_strata_length_rule_looser_than_the_model_is_a_mismatch() {
        // Strata allows DB identifiers of 63 characters; this model's
        // ThingName allows 20.
        static ATTRS: [A; 1] = [A::required("identifier", T::String, "")
            .member("ThingName")
            .force_new("ModifyThing takes ThingName only to find the thing.")];
        let found = mismatches(&ATTRS, &["ModifyThing"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("accepts 21 characters"), "{}", found[0]);
    }
}
