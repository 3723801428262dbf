//! Typed Rust specs (filled in below).
