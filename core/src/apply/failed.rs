//! The failures of an apply as diagnostics, each keeping the AWS error
//! code and the help its provider gave, for callers (rollouts, drills) that
//! report a failed apply as an error.

use std::fmt::Display;

use super::{ApplyReport, Failure};

/// An operation that failed, as a diagnostic: its code and help are the
/// provider's (`strata::provider::api` with the AWS code in the message).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {} failed: {}", .0.address, .0.op.name(), .0.error)]
pub struct FailedOperation(pub Failure);

impl miette::Diagnostic for FailedOperation {
    fn code<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.0
            .code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn Display + 'a>)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.0
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn Display + 'a>)
    }
}

/// An apply that did not do everything its plan asked: what failed (each a
/// diagnostic of its own), and how many operations were skipped or not
/// started because of it.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("{} operation(s) failed{}", failures.len(), not_done(*skipped, *interrupted))]
#[diagnostic(code(strata::apply::failed))]
pub struct ApplyFailed {
    /// The failed operations.
    #[related]
    pub failures: Vec<FailedOperation>,
    /// Operations skipped because one they depend on failed.
    pub skipped: usize,
    /// Operations not started because the apply was interrupted.
    pub interrupted: usize,
}

fn not_done(skipped: usize, interrupted: usize) -> String {
    match (skipped, interrupted) {
        (0, 0) => String::new(),
        (s, 0) => format!("; {s} skipped"),
        (0, i) => format!("; {i} not started (interrupted)"),
        (s, i) => format!("; {s} skipped, {i} not started (interrupted)"),
    }
}

impl ApplyReport {
    /// The report if everything planned was done, else what failed as an
    /// error.
    pub fn into_result(self) -> Result<ApplyReport, ApplyFailed> {
        if self.succeeded() {
            return Ok(self);
        }
        Err(ApplyFailed {
            failures: self.failures.iter().cloned().map(FailedOperation).collect(),
            skipped: self.skipped.len(),
            interrupted: self.interrupted.len(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use miette::Diagnostic;

    use super::*;
    use crate::addr::Address;
    use crate::apply::OpKind;

    #[test]
    fn a_failed_apply_keeps_each_failures_code_and_help() {
        let report = ApplyReport {
            completed: Vec::new(),
            failures: vec![Failure {
                address: Address::parse("db").unwrap(),
                op: OpKind::Create,
                error: "InvalidParameterCombination: no such engine version".into(),
                code: Some("InvalidParameterCombination".into()),
                help: Some("pick a version AWS offers".into()),
            }],
            skipped: vec![(
                Address::parse("app").unwrap(),
                Address::parse("db").unwrap(),
            )],
            interrupted: Vec::new(),
            elapsed: Duration::ZERO,
        };
        let err = report.into_result().unwrap_err();
        assert_eq!(err.to_string(), "1 operation(s) failed; 1 skipped");
        let related: Vec<_> = err.related().unwrap().collect();
        assert_eq!(related.len(), 1);
        assert_eq!(
            related[0].code().unwrap().to_string(),
            "InvalidParameterCombination"
        );
        assert_eq!(
            related[0].help().unwrap().to_string(),
            "pick a version AWS offers"
        );
        assert!(related[0].to_string().starts_with("db: create failed"));
    }
}
