//! The crates below the application keep to their floor: core, the
//! simulator and stacks never depend on the AWS SDK (or on the AWS
//! provider), so the engine and the simulated cloud build in seconds and
//! run without an AWS account.

#[test]
fn core_sim_and_stacks_do_not_depend_on_the_aws_sdk() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for krate in ["core", "providers/sim", "stacks"] {
        let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
        let mut section = String::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.trim_matches(|c| c == '[' || c == ']').to_string();
                continue;
            }
            let name = line.split(['=', '.', ' ']).next().unwrap_or("");
            if section.ends_with("dependencies")
                && (name.starts_with("aws-") || name == "strata-aws")
            {
                found.push(format!("{krate} [{section}] {name}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
