//! The lookup (data source) kinds: what each filters on, what it exports,
//! and how many matches it takes. Providers find the matches
//! ([`Lookups`](crate::provider::Lookups)); the engine selects among them
//! and checks their number (`plan::lookup`), the same way on every
//! provider.
//!
//! ```
//! use strata_core::kinds::data::{data_kind_of, Matches};
//!
//! let ami = data_kind_of("aws.ec2.ami").unwrap();
//! assert!(ami.filter("owners").unwrap().required);
//! assert!(ami.export("id").is_some());
//! assert!(matches!(ami.matches, Matches::One { newest_by: Some("creation_date") }));
//! ```

use std::fmt::Write;

use crate::schema::{AttrType, Default};

/// `aws.ec2.ami`
pub const AMI: &str = "aws.ec2.ami";
/// `aws.ec2.vpc` (as a lookup)
pub const VPC: &str = "aws.ec2.vpc";
/// `aws.ec2.subnets`
pub const SUBNETS: &str = "aws.ec2.subnets";
/// `aws.route53.zone`
pub const ROUTE53_ZONE: &str = "aws.route53.zone";
/// `aws.acm.certificate`
pub const ACM_CERTIFICATE: &str = "aws.acm.certificate";
/// `aws.caller_identity`
pub const CALLER_IDENTITY: &str = "aws.caller_identity";
/// `aws.availability_zones`
pub const AVAILABILITY_ZONES: &str = "aws.availability_zones";

/// The filter that picks the newest of several matches (engine-side: it is
/// not sent to the provider).
pub const MOST_RECENT: &str = "most_recent";

/// A filter or an exported attribute of a lookup kind.
#[derive(Debug, Clone, Copy)]
pub struct DataAttr {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub ty: AttrType,
    /// Whether a lookup must give it (filters only).
    pub required: bool,
    /// The value used when a filter is left out.
    pub default: Option<Default>,
    /// What it means.
    pub doc: &'static str,
}

impl DataAttr {
    const fn new(name: &'static str, ty: AttrType, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            required: false,
            default: None,
            doc,
        }
    }

    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn default(mut self, d: Default) -> Self {
        self.default = Some(d);
        self
    }
}

/// How many matches a lookup takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matches {
    /// Exactly one; several are an error unless `most_recent = true` and
    /// `newest_by` names the attribute to order them by.
    One {
        /// The match attribute that orders matches by age, if several may
        /// be narrowed to the newest.
        newest_by: Option<&'static str>,
    },
    /// All of them (at least one), ordered by `order_by`; each export is
    /// the list of one attribute of every match.
    All {
        /// The match attribute matches are sorted by.
        order_by: &'static str,
    },
}

/// One exported list of an [`Matches::All`] lookup: the attribute `from`
/// of each match.
#[derive(Debug, Clone, Copy)]
pub struct Collected {
    /// The exported name (`ids`).
    pub name: &'static str,
    /// The attribute of each match it collects (`id`).
    pub from: &'static str,
}

/// The schema of a lookup kind.
#[derive(Debug, Clone, Copy)]
pub struct DataKind {
    /// The kind, e.g. `aws.ec2.ami`.
    pub kind: &'static str,
    /// What it looks up.
    pub doc: &'static str,
    /// The filters a `[data.NAME]` block may set.
    pub filters: &'static [DataAttr],
    /// What each match has (what providers answer).
    pub exports: &'static [DataAttr],
    /// How many matches it takes.
    pub matches: Matches,
    /// For [`Matches::All`]: the lists exported (the attributes references
    /// may name); empty for [`Matches::One`], which exports `exports`.
    pub collected: &'static [Collected],
    /// The AWS calls behind it, by their service-model names.
    pub api: &'static [&'static str],
}

impl DataKind {
    /// A filter by name.
    pub fn filter(&self, name: &str) -> Option<&DataAttr> {
        self.filters.iter().find(|f| f.name == name)
    }

    /// An attribute of each match by name.
    pub fn export(&self, name: &str) -> Option<&DataAttr> {
        self.exports.iter().find(|f| f.name == name)
    }

    /// The attributes a reference `${data.NAME.ATTR}` may name, with their
    /// types: the match's own for one match, the collected lists for all.
    pub fn referable(&self) -> Vec<(&'static str, AttrType)> {
        match self.matches {
            Matches::One { .. } => self.exports.iter().map(|e| (e.name, e.ty)).collect(),
            Matches::All { .. } => self
                .collected
                .iter()
                .filter_map(|c| {
                    let elem = self.export(c.from)?;
                    Some((c.name, list_of(elem.ty)))
                })
                .collect(),
        }
    }
}

const fn list_of(ty: AttrType) -> AttrType {
    match ty {
        AttrType::Int => AttrType::List(&AttrType::Int),
        AttrType::Bool => AttrType::List(&AttrType::Bool),
        _ => AttrType::List(&AttrType::String),
    }
}

const STRINGS: AttrType = AttrType::List(&AttrType::String);
const TAGS: AttrType = AttrType::Map(&AttrType::String);

/// Every lookup kind.
pub static ALL_DATA: &[&DataKind] = &[
    &AMI_KIND,
    &VPC_KIND,
    &SUBNETS_KIND,
    &ZONE_KIND,
    &CERTIFICATE_KIND,
    &CALLER_KIND,
    &AZS_KIND,
];

/// The schema of a lookup kind, if Strata knows it.
pub fn data_kind_of(kind: &str) -> Option<&'static DataKind> {
    ALL_DATA.iter().copied().find(|k| k.kind == kind)
}

/// The closest lookup kind to a mistyped one.
pub fn suggest_data_kind(kind: &str) -> Option<&'static str> {
    ALL_DATA
        .iter()
        .map(|k| k.kind)
        .min_by_key(|k| strsim::levenshtein(k, kind))
        .filter(|k| strsim::levenshtein(k, kind) <= 4)
}

static AMI_KIND: DataKind = DataKind {
    kind: AMI,
    doc: "A machine image (AMI) by owner and name.",
    filters: &[
        DataAttr::new(
            "owners",
            STRINGS,
            "Account ids or aliases (`amazon`, `self`) that own the image.",
        )
        .required(),
        DataAttr::new(
            "name",
            AttrType::String,
            "The image name; `*` matches any run of characters, `?` one.",
        ),
        DataAttr::new("architecture", AttrType::String, "`x86_64` or `arm64`."),
        DataAttr::new(
            MOST_RECENT,
            AttrType::Bool,
            "Of several matches, take the newest (by `creation_date`) instead of failing.",
        )
        .default(Default::Bool(false)),
    ],
    exports: &[
        DataAttr::new("id", AttrType::String, "The image id (`ami-…`)."),
        DataAttr::new("name", AttrType::String, "The image name."),
        DataAttr::new("owner_id", AttrType::String, "The owning account."),
        DataAttr::new("architecture", AttrType::String, "Its architecture."),
        DataAttr::new(
            "creation_date",
            AttrType::String,
            "When it was made (ISO 8601).",
        ),
    ],
    matches: Matches::One {
        newest_by: Some("creation_date"),
    },
    collected: &[],
    api: &["ec2:DescribeImages"],
};

static VPC_KIND: DataKind = DataKind {
    kind: VPC,
    doc: "One existing VPC by id, CIDR block, tags or being the default.",
    filters: &[
        DataAttr::new("id", AttrType::String, "The VPC id."),
        DataAttr::new("cidr_block", AttrType::String, "Its IPv4 CIDR block."),
        DataAttr::new(
            "tags",
            TAGS,
            "Tags it must carry (each key with exactly this value).",
        ),
        DataAttr::new("default", AttrType::Bool, "Only the region's default VPC."),
    ],
    exports: &[
        DataAttr::new("id", AttrType::String, "The VPC id."),
        DataAttr::new("cidr_block", AttrType::String, "Its IPv4 CIDR block."),
        DataAttr::new("default", AttrType::Bool, "Whether it is the default VPC."),
    ],
    matches: Matches::One { newest_by: None },
    collected: &[],
    api: &["ec2:DescribeVpcs"],
};

static SUBNETS_KIND: DataKind = DataKind {
    kind: SUBNETS,
    doc: "Every subnet matching a VPC, tags, a CIDR block or an AZ (at least one).",
    filters: &[
        DataAttr::new("vpc_id", AttrType::String, "The VPC they are in."),
        DataAttr::new("tags", TAGS, "Tags each must carry."),
        DataAttr::new("cidr_block", AttrType::String, "Their IPv4 CIDR block."),
        DataAttr::new(
            "availability_zone",
            AttrType::String,
            "Their availability zone.",
        ),
    ],
    exports: &[
        DataAttr::new("id", AttrType::String, "The subnet id."),
        DataAttr::new("cidr_block", AttrType::String, "Its CIDR block."),
        DataAttr::new("availability_zone", AttrType::String, "Its AZ."),
        DataAttr::new("vpc_id", AttrType::String, "Its VPC."),
    ],
    matches: Matches::All {
        order_by: "availability_zone",
    },
    collected: &[
        Collected {
            name: "ids",
            from: "id",
        },
        Collected {
            name: "cidr_blocks",
            from: "cidr_block",
        },
        Collected {
            name: "availability_zones",
            from: "availability_zone",
        },
    ],
    api: &["ec2:DescribeSubnets"],
};

static ZONE_KIND: DataKind = DataKind {
    kind: ROUTE53_ZONE,
    doc: "A Route 53 hosted zone by name.",
    filters: &[
        DataAttr::new(
            "name",
            AttrType::String,
            "The zone's domain name (a trailing dot is optional; case does not matter).",
        )
        .required(),
        DataAttr::new(
            "private_zone",
            AttrType::Bool,
            "Look for a private zone instead of a public one.",
        )
        .default(Default::Bool(false)),
    ],
    exports: &[
        DataAttr::new(
            "id",
            AttrType::String,
            "The zone id (without `/hostedzone/`).",
        ),
        DataAttr::new(
            "name",
            AttrType::String,
            "Its domain name, without the trailing dot.",
        ),
        DataAttr::new("private_zone", AttrType::Bool, "Whether it is private."),
    ],
    matches: Matches::One { newest_by: None },
    collected: &[],
    api: &["route53:ListHostedZonesByName"],
};

static CERTIFICATE_KIND: DataKind = DataKind {
    kind: ACM_CERTIFICATE,
    doc: "An ACM certificate by its domain name.",
    filters: &[
        DataAttr::new(
            "domain",
            AttrType::String,
            "The certificate's domain name, exactly (`*.example.com` for a wildcard certificate).",
        )
        .required(),
        DataAttr::new(
            "statuses",
            STRINGS,
            "The statuses it may have (default: `[\"ISSUED\"]`).",
        ),
    ],
    exports: &[
        DataAttr::new("arn", AttrType::String, "The certificate ARN."),
        DataAttr::new("domain", AttrType::String, "Its domain name."),
        DataAttr::new("status", AttrType::String, "Its status."),
    ],
    matches: Matches::One { newest_by: None },
    collected: &[],
    api: &["acm:ListCertificates"],
};

static CALLER_KIND: DataKind = DataKind {
    kind: CALLER_IDENTITY,
    doc: "The account and identity the provider's credentials act as.",
    filters: &[],
    exports: &[
        DataAttr::new("account_id", AttrType::String, "The AWS account id."),
        DataAttr::new("arn", AttrType::String, "The caller's ARN."),
        DataAttr::new("user_id", AttrType::String, "The caller's unique id."),
    ],
    matches: Matches::One { newest_by: None },
    collected: &[],
    api: &["sts:GetCallerIdentity"],
};

static AZS_KIND: DataKind = DataKind {
    kind: AVAILABILITY_ZONES,
    doc: "The region's availability zones in a state, sorted by name.",
    filters: &[DataAttr::new(
        "state",
        AttrType::String,
        "The zones' state: `available`, `impaired` or `unavailable`.",
    )
    .default(Default::Str("available"))],
    exports: &[
        DataAttr::new("name", AttrType::String, "The zone's name (`us-east-1a`)."),
        DataAttr::new("zone_id", AttrType::String, "The zone's id (`use1-az1`)."),
    ],
    matches: Matches::All { order_by: "name" },
    collected: &[
        Collected {
            name: "names",
            from: "name",
        },
        Collected {
            name: "zone_ids",
            from: "zone_id",
        },
    ],
    api: &["ec2:DescribeAvailabilityZones"],
};

/// The reference table of one lookup kind for `book/src/resources.md`:
/// its filters, then what references may name.
pub fn lookup_table(kind: &DataKind) -> String {
    let mut out = String::from("| Filter | Type | Notes | Description |\n|---|---|---|---|\n");
    if kind.filters.is_empty() {
        out.push_str("| (none) | | | |\n");
    }
    for f in kind.filters {
        let mut notes = Vec::new();
        if f.required {
            notes.push("required".to_string());
        }
        if let Some(d) = f.default {
            let v = match d.value() {
                crate::value::Value::String(s) => s.to_string(),
                other => other.to_string(),
            };
            notes.push(format!("default `{v}`"));
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            f.name,
            super::reference::type_text(&f.ty),
            notes.join("; "),
            f.doc
        );
    }
    out.push_str("\n| Exported | Type | Description |\n|---|---|---|\n");
    match kind.matches {
        Matches::One { .. } => {
            for e in kind.exports {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    e.name,
                    super::reference::type_text(&e.ty),
                    e.doc
                );
            }
        }
        Matches::All { order_by } => {
            for c in kind.collected {
                let Some(e) = kind.export(c.from) else {
                    continue;
                };
                let _ = writeln!(
                    out,
                    "| `{}` | {} | `{}` of each match, ordered by `{order_by}`: {} |",
                    c.name,
                    super::reference::type_text(&list_of(e.ty)),
                    e.name,
                    e.doc
                );
            }
        }
    }
    let _ = writeln!(out, "\nAWS calls: {}.", kind.api.join(", "));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// `book/src/resources.md` holds each lookup kind's table as its schema
    /// gives it (`STRATA_BLESS=1` writes them).
    #[test]
    fn the_resource_reference_lists_every_lookup_kind() {
        let sections = ALL_DATA
            .iter()
            .map(|k| {
                let begin = format!("<!-- generated: lookup {} -->\n", k.kind);
                (k.kind, begin, lookup_table(k))
            })
            .collect();
        super::super::reference::tests::sync_resources_page(sections, "lookup_kind");
    }

    #[test]
    fn every_lookup_kind_exports_what_it_orders_and_collects_by() {
        for k in ALL_DATA {
            match k.matches {
                Matches::One { newest_by } => {
                    assert!(k.collected.is_empty(), "{}", k.kind);
                    if let Some(by) = newest_by {
                        assert!(k.export(by).is_some(), "{} orders by {by}", k.kind);
                        assert!(k.filter(MOST_RECENT).is_some(), "{}", k.kind);
                    }
                }
                Matches::All { order_by } => {
                    assert!(
                        k.export(order_by).is_some(),
                        "{} orders by {order_by}",
                        k.kind
                    );
                    for c in k.collected {
                        assert!(k.export(c.from).is_some(), "{} collects {}", k.kind, c.from);
                    }
                    assert!(!k.collected.is_empty(), "{}", k.kind);
                }
            }
        }
    }
}
