//! Reusable stacks.
