//! Diagnostics: one [`Problem`] per mistake, pointing at its place in the
//! manifest when there is one, and [`Problems`] to report them all at once.

use std::fmt;

use miette::{Diagnostic, LabeledSpan, SourceCode};

use crate::config::{SourceFile, Span};

/// One problem, with a code, a help line and (when known) its place in a manifest.
#[derive(Debug, Clone)]
pub struct Problem {
    /// A stable code such as `strata::graph::cycle`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The manifest and the spans to underline, each with a label.
    pub at: Option<(SourceFile, Vec<(Span, String)>)>,
}

impl Problem {
    /// A problem with no place in a manifest.
    pub fn new(code: &'static str, message: impl Into<String>, help: Option<String>) -> Self {
        Self {
            code,
            message: message.into(),
            help,
            at: None,
        }
    }

    /// Points the problem at a span of a manifest (ignored without a source or span).
    pub fn at(
        mut self,
        source: Option<&SourceFile>,
        span: Option<Span>,
        label: impl Into<String>,
    ) -> Self {
        if let (Some(src), Some(span)) = (source, span) {
            let label = label.into();
            match &mut self.at {
                Some((_, spans)) => spans.push((span, label)),
                None => self.at = Some((src.clone(), vec![(span, label)])),
            }
        }
        self
    }

    /// `file:line:col` of the first span, if any.
    pub fn location(&self) -> Option<String> {
        let (src, spans) = self.at.as_ref()?;
        spans.first().map(|(s, _)| src.location(s.offset))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location() {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.at
            .as_ref()
            .map(|(src, _)| src.named_source() as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, spans) = self.at.as_ref()?;
        Some(Box::new(spans.iter().map(|(span, label)| {
            LabeledSpan::new_with_span(Some(label.clone()), *span)
        })))
    }
}

/// Several problems reported together.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{summary}")]
pub struct Problems {
    summary: String,
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
}

impl Problems {
    /// Wraps a non-empty list of problems under a summary such as
    /// "strata.toml has 3 problems".
    pub fn new(what: &str, problems: Vec<Problem>) -> Self {
        let n = problems.len();
        Self {
            summary: format!("{what} has {n} problem{}", if n == 1 { "" } else { "s" }),
            problems,
        }
    }
}

impl Diagnostic for Problems {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("strata::config"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.problems.iter().map(|p| p as &dyn Diagnostic)))
    }
}

/// A [`Problem`] that stops nothing, reported with miette's warning
/// severity (e.g. a password written in clear text in a manifest).
#[derive(Debug, Clone, thiserror::Error)]
#[error(transparent)]
pub struct Warning(pub Problem);

impl Diagnostic for Warning {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Warning)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.help()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.0.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.labels()
    }
}
