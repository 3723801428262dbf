//! The checks of one kind's schema against its service's model: its calls
//! exist, each attribute is a member of them, and what forces replacement
//! is what the update calls cannot change (or says why).

use std::collections::{BTreeMap, BTreeSet};

use strata_core::schema::{AttrSchema, KindSchema, Member, Mode, Replace};

use crate::allow::{TAGGING, VIA};
use crate::model::{Hit, Model, Side};
use crate::values;

/// What the checks found: the table a CI log shows, the mismatches that
/// fail the test, and what is listed without failing.
#[derive(Default)]
pub struct Report {
    /// The table: one line per attribute.
    pub lines: Vec<String>,
    /// Mismatches between Strata's schemas and AWS's models.
    pub mismatches: Vec<String>,
    /// Listed, not failed: settings of Strata's own, exceptions taken from
    /// the allow-list, what the models do not say.
    pub notes: Vec<String>,
    /// `kind.attr` of the attributes whose list of accepted values was
    /// compared with a model enum.
    pub lists_checked: BTreeSet<String>,
    /// The allow-list entries used (`kind.attr`).
    pub allowances_used: BTreeSet<String>,
}

impl Report {
    fn mismatch(&mut self, kind: &str, text: String) {
        self.mismatches.push(format!("{kind}: {text}"));
    }
}

/// The member names an attribute may have in AWS's model (`None`: a setting
/// of Strata's own).
pub fn candidates(attr: &AttrSchema) -> Option<Vec<String>> {
    match attr.member {
        Member::Strata(_) => None,
        Member::Named(name) => Some(vec![name.to_string()]),
        // Requests take Tags or TagSpecifications; RDS and ElastiCache
        // return a TagList.
        Member::Derived if attr.name == "tags" => Some(vec![
            "Tags".into(),
            "TagSpecifications".into(),
            "TagList".into(),
        ]),
        Member::Derived => Some(vec![attr.name.replace('_', "")]),
    }
}

/// Where an attribute's members were found, by role.
#[derive(Default)]
pub struct Found {
    pub create: Vec<Hit>,
    pub update: Vec<Hit>,
    pub delete: Vec<Hit>,
    pub read: Vec<Hit>,
}

impl Found {
    /// Looks up `names` in every call of `kind`.
    pub fn search(kind: &KindSchema, model: &Model, names: &[&str]) -> Found {
        let api = &kind.api;
        let inputs = |ops: &[&str]| -> Vec<Hit> {
            ops.iter()
                .flat_map(|op| model.find(op, Side::Input, names))
                .collect()
        };
        Found {
            create: inputs(api.create),
            update: inputs(api.update),
            delete: inputs(api.delete),
            read: api
                .read
                .iter()
                .flat_map(|op| model.find(op, Side::Output, names))
                .collect(),
        }
    }

    fn inputs(&self) -> impl Iterator<Item = &Hit> {
        self.create.iter().chain(&self.update).chain(&self.delete)
    }
}

/// The first hit in each operation, for the table.
fn first_per_op(hits: &[Hit]) -> String {
    let mut seen = BTreeSet::new();
    let out: Vec<String> = hits
        .iter()
        .filter(|h| seen.insert(h.op.clone()))
        .map(Hit::at)
        .collect();
    if out.is_empty() {
        "-".into()
    } else {
        out.join(", ")
    }
}

/// Checks one kind against the models (by Strata's service name).
pub fn check_kind(kind: &KindSchema, models: &BTreeMap<String, Model>, report: &mut Report) {
    let api = &kind.api;
    let Some(model) = models.get(api.service) else {
        report.mismatch(
            kind.kind,
            format!("no AWS model for service `{}`", api.service),
        );
        return;
    };
    report.lines.push(format!(
        "== {} ({} {}): create {}; update {}; read {}; delete {}",
        kind.kind,
        model.service,
        model.version,
        api.create.join(", "),
        api.update.join(", "),
        api.read.join(", "),
        api.delete.join(", "),
    ));
    for (role, ops) in [
        ("create", api.create),
        ("update", api.update),
        ("read", api.read),
        ("delete", api.delete),
    ] {
        // A certificate validation is a wait, not an AWS object: there is
        // nothing to delete.
        let nothing_to_delete =
            role == "delete" && kind.kind == strata_core::kinds::ACM_CERTIFICATE_VALIDATION;
        if ops.is_empty() && role != "update" && !nothing_to_delete {
            report.mismatch(kind.kind, format!("names no {role} operation"));
        }
        for op in ops {
            if !model.has_op(op) {
                report.mismatch(
                    kind.kind,
                    format!(
                        "{role} operation {op} is not in {}'s model {}",
                        model.service, model.version
                    ),
                );
            }
        }
    }
    for attr in kind.attrs {
        check_attr(kind, model, attr, report);
    }
}

fn replace_text(attr: &AttrSchema) -> String {
    if attr.mode == Mode::Computed {
        return "computed".into();
    }
    match attr.replace {
        Replace::Never => "in place".into(),
        Replace::Always(r) => format!("force-new: {r}"),
        Replace::When(r, _) => format!("force-new when: {r}"),
    }
}

fn check_attr(kind: &KindSchema, model: &Model, attr: &AttrSchema, report: &mut Report) {
    let k = kind.kind;
    let Some(names) = candidates(attr) else {
        let what = match attr.member {
            Member::Strata(what) => what,
            _ => "",
        };
        report.lines.push(format!(
            "  {:<28} (Strata's own: {what})  {}",
            attr.name,
            replace_text(attr)
        ));
        report.notes.push(format!(
            "{k}.{}: Strata's own setting, no AWS member ({what})",
            attr.name
        ));
        return;
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let found = Found::search(kind, model, &names);
    if attr.mode == Mode::Computed {
        report.lines.push(format!(
            "  {:<28} {:<26} read: {} | computed",
            attr.name,
            names.join("/"),
            first_per_op(&found.read),
        ));
    } else {
        report.lines.push(format!(
            "  {:<28} {:<26} create: {} | update: {} | delete: {} | read: {} | {}",
            attr.name,
            names.join("/"),
            first_per_op(&found.create),
            first_per_op(&found.update),
            first_per_op(&found.delete),
            first_per_op(&found.read),
            replace_text(attr),
        ));
    }

    // 2. The member exists: computed attributes in what the read calls
    // return, the others in a request or in what the read calls return.
    if attr.mode == Mode::Computed {
        if found.read.is_empty() {
            report.mismatch(
                k,
                format!(
                    "computed `{}`: no member {} in the response of {}",
                    attr.name,
                    names.join("/"),
                    kind.api.read.join(", ")
                ),
            );
        }
        return;
    }
    if found.inputs().next().is_none() && found.read.is_empty() {
        report.mismatch(
            k,
            format!(
                "`{}`: no member {} in the requests of its create, update and delete calls \
                 nor in the responses of its read calls",
                attr.name,
                names.join("/")
            ),
        );
        return;
    }
    if found.read.is_empty() {
        report.notes.push(format!(
            "{k}.{}: no read call returns a member named {} (read under another name, \
             or not read back)",
            attr.name,
            names.join("/")
        ));
    }

    // 3. A member an update call takes may force replacement only with a
    // reason that names that call.
    if attr.is_force_new() {
        let direct: Vec<&Hit> = found.update.iter().filter(|h| !h.in_list).collect();
        let reason = attr.replace.reason().unwrap_or("");
        if !direct.is_empty() && !direct.iter().any(|h| reason.contains(h.op.as_str())) {
            let ops: BTreeSet<&str> = direct.iter().map(|h| h.op.as_str()).collect();
            for op in ops {
                let at = direct
                    .iter()
                    .find(|h| h.op == op)
                    .map(|h| h.at())
                    .unwrap_or_default();
                report.mismatch(
                    k,
                    format!(
                        "`{}` forces replacement, but the update call {op} takes it ({at}); \
                         the reason must name {op} and say why it cannot change it \
                         (reason: \"{reason}\")",
                        attr.name
                    ),
                );
            }
        }
        for h in found.update.iter().filter(|h| h.in_list) {
            report.notes.push(format!(
                "{k}.{}: force-new; {} is a field of a list element, not of the resource",
                attr.name,
                h.at()
            ));
        }
    }
    // An attribute changed in place (always, or when the replace test does
    // not hold) must be something an update call takes.
    if !matches!(attr.replace, Replace::Always(_)) && found.update.is_empty() {
        in_place_without_update(kind, model, attr, &found, report);
    }
    values::check(kind, model, attr, &found, report);
}

/// An attribute changed in place whose member no update call takes: a
/// setting read only when deleting, tags, an allow-listed exception, or a
/// perpetual diff.
fn in_place_without_update(
    kind: &KindSchema,
    model: &Model,
    attr: &AttrSchema,
    found: &Found,
    report: &mut Report,
) {
    let k = kind.kind;
    let a = attr.name;
    if a == "tags" {
        let Some((_, op)) = TAGGING.iter().find(|(s, _)| *s == kind.api.service) else {
            report.mismatch(k, format!("no tagging call known for {}", kind.api.service));
            return;
        };
        // Route 53's ChangeTagsForResource calls them AddTags.
        if model.find(op, Side::Input, &["Tags", "AddTags"]).is_empty() {
            report.mismatch(
                k,
                format!("tags: {op} takes no Tags in {}'s model", model.service),
            );
        } else {
            report
                .notes
                .push(format!("{k}.tags: changed with {op} (Tags)"));
        }
        return;
    }
    if found.create.is_empty() && !found.delete.is_empty() {
        report.notes.push(format!(
            "{k}.{a}: read only when deleting ({}): a change is recorded, no call is made",
            first_per_op(&found.delete)
        ));
        return;
    }
    if let Some(via) = VIA.iter().find(|v| v.kind == k && v.attr == a) {
        report.allowances_used.insert(format!("{k}.{a}"));
        if !model.has_op(via.op) {
            report.mismatch(
                k,
                format!(
                    "allow-list: `{a}` names {}, which {} lacks",
                    via.op, model.service
                ),
            );
        } else if model.find(via.op, Side::Input, &[via.member]).is_empty() {
            report.mismatch(
                k,
                format!("allow-list: `{a}`: {} takes no {}", via.op, via.member),
            );
        } else {
            report.notes.push(format!(
                "{k}.{a}: changed with {} ({}): {}",
                via.op, via.member, via.why
            ));
        }
        return;
    }
    report.mismatch(
        k,
        format!(
            "`{a}` changes in place, but none of {} takes {} (a perpetual diff?): map it to \
             the member an update call takes, make it force-new with a reason, or add a \
             written exception to the allow-list",
            kind.api.update.join(", "),
            candidates(attr).unwrap_or_default().join("/")
        ),
    );
}

/// Allow-list entries no check used: stale, or for a kind or attribute
/// that does not exist.
pub fn unused_allowances(report: &mut Report) {
    for v in VIA {
        let key = format!("{}.{}", v.kind, v.attr);
        if !report.allowances_used.contains(&key) {
            report.mismatches.push(format!(
                "allow-list: {key} is no longer needed (or names no attribute)"
            ));
        }
    }
}
