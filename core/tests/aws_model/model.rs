//! AWS's service models as botocore ships them (`botocore/data/SERVICE/DATE/
//! service-2.json.gz`): operations, shapes, and a search for a member by
//! name through nested structures and lists.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::path::Path;

use serde_json::Value as Json;

/// How many members deep a search goes: enough for
/// `Reservations[].Instances[].Placement.AvailabilityZone` and
/// `TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType`.
pub const MAX_DEPTH: usize = 4;

/// One service's model.
pub struct Model {
    /// The service's name in Strata's schemas (`monitoring` for CloudWatch).
    pub service: String,
    /// The API version (the model's date directory).
    pub version: String,
    json: Json,
}

/// A shape's constraints: lengths for strings, values for numbers.
#[derive(Debug, Clone, Default)]
pub struct Bounds {
    /// `min`.
    pub min: Option<i64>,
    /// `max`.
    pub max: Option<i64>,
    /// `pattern` (a regular expression).
    pub pattern: Option<String>,
}

impl Bounds {
    /// Whether the model constrains the shape at all.
    pub fn any(&self) -> bool {
        self.min.is_some() || self.max.is_some() || self.pattern.is_some()
    }
}

/// Which side of an operation a search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The request.
    Input,
    /// The response.
    Output,
}

/// A member found in an operation's request or response.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The operation.
    pub op: String,
    /// The path from the request or response, e.g. `LaunchTemplateData.ImageId`.
    pub path: String,
    /// The path passes through a list element: the member belongs to one
    /// element (a rule, a target), not to the resource itself.
    pub in_list: bool,
    /// The member's shape.
    pub shape: String,
}

impl Hit {
    /// `Op.Path`, for the report.
    pub fn at(&self) -> String {
        format!("{}.{}", self.op, self.path)
    }
}

/// botocore's directory name of a service whose name differs.
fn directory_of(service: &str) -> &str {
    match service {
        "monitoring" => "cloudwatch",
        other => other,
    }
}

impl Model {
    /// Loads the newest version of `service` under botocore's `data` directory.
    pub fn load(data: &Path, service: &str) -> Result<Model, String> {
        let dir = data.join(directory_of(service));
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let mut versions: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                let p = e.path();
                p.join("service-2.json.gz").is_file() || p.join("service-2.json").is_file()
            })
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        versions.sort();
        let version = versions
            .pop()
            .ok_or_else(|| format!("{} holds no service-2.json(.gz)", dir.display()))?;
        let base = dir.join(&version);
        let gz = base.join("service-2.json.gz");
        let text = if gz.is_file() {
            let file = std::fs::File::open(&gz)
                .map_err(|e| format!("cannot open {}: {e}", gz.display()))?;
            let mut text = String::new();
            flate2::read::GzDecoder::new(file)
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot gunzip {}: {e}", gz.display()))?;
            text
        } else {
            let plain = base.join("service-2.json");
            std::fs::read_to_string(&plain)
                .map_err(|e| format!("cannot read {}: {e}", plain.display()))?
        };
        let json = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", base.display()))?;
        Ok(Model::from_json(service, &version, json))
    }

    /// A model from its JSON (tests build small ones).
    pub fn from_json(service: &str, version: &str, json: Json) -> Model {
        Model {
            service: service.into(),
            version: version.into(),
            json,
        }
    }

    /// Whether the model has the operation.
    pub fn has_op(&self, op: &str) -> bool {
        self.json["operations"].get(op).is_some()
    }

    /// The shape of an operation's request or response, if it has one.
    fn root(&self, op: &str, side: Side) -> Option<&str> {
        let key = match side {
            Side::Input => "input",
            Side::Output => "output",
        };
        self.json["operations"]
            .get(op)?
            .get(key)?
            .get("shape")?
            .as_str()
    }

    /// A shape by name.
    pub fn shape(&self, name: &str) -> Option<&Json> {
        self.json["shapes"].get(name)
    }

    /// The values of an enum shape.
    pub fn enum_of(&self, shape: &str) -> Option<Vec<String>> {
        let values = self.shape(shape)?.get("enum")?.as_array()?;
        Some(
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        )
    }

    /// A shape's `min`, `max` and `pattern`.
    pub fn bounds(&self, shape: &str) -> Bounds {
        let Some(s) = self.shape(shape) else {
            return Bounds::default();
        };
        Bounds {
            min: s.get("min").and_then(Json::as_i64),
            max: s.get("max").and_then(Json::as_i64),
            pattern: s.get("pattern").and_then(Json::as_str).map(str::to_string),
        }
    }

    /// A shape's type (`structure`, `list`, `string`, `integer`, ...).
    pub fn type_of(&self, shape: &str) -> Option<&str> {
        self.shape(shape)?.get("type")?.as_str()
    }

    /// Every member named one of `names` (case-insensitively) in `op`'s
    /// request or response, shallowest first, at most [`MAX_DEPTH`] deep.
    pub fn find(&self, op: &str, side: Side, names: &[&str]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let Some(root) = self.root(op, side) else {
            return hits;
        };
        // (shape, path so far, depth, crossed a list)
        let mut queue = VecDeque::from([(root.to_string(), String::new(), 0usize, false)]);
        while let Some((shape, path, depth, in_list)) = queue.pop_front() {
            let Some(s) = self.shape(&shape) else {
                continue;
            };
            match s.get("type").and_then(Json::as_str) {
                Some("structure") => {
                    if depth >= MAX_DEPTH {
                        continue;
                    }
                    let members: BTreeMap<&String, &Json> = s
                        .get("members")
                        .and_then(Json::as_object)
                        .map(|m| m.iter().collect())
                        .unwrap_or_default();
                    for (name, m) in members {
                        let Some(target) = m.get("shape").and_then(Json::as_str) else {
                            continue;
                        };
                        let here = if path.is_empty() {
                            name.clone()
                        } else {
                            format!("{path}.{name}")
                        };
                        if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                            hits.push(Hit {
                                op: op.into(),
                                path: here.clone(),
                                in_list,
                                shape: target.into(),
                            });
                        }
                        queue.push_back((target.into(), here, depth + 1, in_list));
                    }
                }
                Some("list") => {
                    if let Some(elem) = s.pointer("/member/shape").and_then(Json::as_str) {
                        queue.push_back((elem.into(), format!("{path}[]"), depth, true));
                    }
                }
                Some("map") => {
                    if let Some(value) = s.pointer("/value/shape").and_then(Json::as_str) {
                        queue.push_back((value.into(), format!("{path}{{}}"), depth, true));
                    }
                }
                _ => {}
            }
        }
        hits
    }
}
