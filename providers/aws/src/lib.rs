//! Strata AWS provider (see the AWS provider issue).
