//! The HA web service declared in Rust: the same stack as
//! `examples/web_service.toml`, given every `strata` subcommand (rollout
//! included) by `strata::cli::run_with`.
//!
//! ```sh
//! cargo run --example web_service -- apply --yes
//! cargo run --example web_service -- rollout --version v2
//! cargo run --example web_service -- output
//! ```
//!
//! State and the simulated cloud live in `.strata/` in the working directory.

use std::process::ExitCode;

use strata::core::config::Config;
use strata::core::kinds::typed::Stack;
use strata::stacks::web_service::WebService;

fn config() -> Config {
    let web = WebService {
        environment: "production".into(),
        version: "v1".into(),
        user_data: Some("#!/bin/sh\necho APP_VERSION={version} >> /etc/app.env\n".into()),
        db_replicas: 2,
        cache_replicas: 2,
        ..WebService::new("shop", "ami-0f3c2a1b4d5e6f708")
    };
    let mut config = Stack::new("shop").into_config();
    // A module, not expanded resources: the CLI expands it with the release
    // record in state, so a rollout's colors and weights are kept.
    config.modules.push(web.module("web"));
    config
}

fn main() -> ExitCode {
    strata::cli::run_with(config)
}
