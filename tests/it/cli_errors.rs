//! Bad input: every problem reported at once, with file:line, a code and a
//! help line, a non-zero exit, no panic, nothing written.

use super::support::*;

#[test]
fn cycle_unknown_reference_and_bad_cidr_are_all_reported_with_locations() {
    let p = Project::new(
        r#"[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/33"

[resource.a]
kind = "aws.ec2.security_group"
name = "a"
vpc_id = "${vpc.id}"
depends_on = ["b"]

[resource.b]
kind = "aws.ec2.security_group"
name = "b"
vpc_id = "${vpc.id}"
depends_on = ["a"]

[resource.subnet]
kind = "aws.ec2.subnet"
vpc_id = "${vcp.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"
"#,
    );
    for cmd in [&["validate"][..], &["plan"], &["apply", "--yes"]] {
        let out = p.run_expect(cmd, 1);
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("strata.toml has 3 problems"), "{err}");
        // The bad CIDR, on line 3.
        assert!(err.contains("strata.toml:3:14"), "{err}");
        assert!(err.contains("10.0.0.0/33"), "{err}");
        // The unknown reference, on line 19, with a suggestion.
        assert!(err.contains("strata.toml:19:"), "{err}");
        assert!(err.contains("there is no resource `vcp`"), "{err}");
        assert!(err.contains("did you mean `vpc`?"), "{err}");
        // The cycle, naming both resources.
        assert!(
            err.contains("dependency cycle: `a` → `b` → `a`")
                || err.contains("dependency cycle: `b` → `a` → `b`"),
            "{err}"
        );
        assert!(err.contains("strata::graph::cycle"), "{err}");
    }
    assert!(!p.state_file().exists(), "nothing was written");
}

#[test]
fn toml_syntax_errors_point_at_the_line() {
    let p = Project::new("[resource.vpc]\nkind = \"aws.ec2.vpc\"\ncidr_block = \"10.0.0.0/16\n");
    let out = p.run_expect(&["plan"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("strata::manifest::syntax"), "{err}");
    assert!(err.contains("strata.toml:3"), "{err}");
}

#[test]
fn unknown_kinds_and_attributes_get_suggestions() {
    let p = Project::new(
        "[resource.vpc]\nkind = \"aws.ec2.vcp\"\ncidr_block = \"10.0.0.0/16\"\n\n[resource.s]\nkind = \"aws.ec2.subnet\"\nvpc_id = \"x\"\ncidr_blok = \"10.0.1.0/24\"\navailability_zone = \"us-east-1a\"\n",
    );
    let out = p.run_expect(&["validate"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("did you mean `aws.ec2.vpc`?"), "{err}");
    assert!(err.contains("did you mean `cidr_block`?"), "{err}");
    assert!(err.contains("requires `cidr_block`"), "{err}");
}

#[test]
fn a_missing_manifest_is_a_clear_error() {
    let p = Project::new("");
    let out = p.run_expect(&["-f", "nope.toml", "plan"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("cannot read nope.toml"), "{err}");
    assert!(err.contains("-f FILE"), "{err}");
}

#[test]
fn a_corrupt_state_file_is_refused_not_overwritten() {
    let p = Project::new("[resource.vpc]\nkind = \"aws.ec2.vpc\"\ncidr_block = \"10.0.0.0/16\"\n");
    std::fs::create_dir_all(p.path().join(".strata")).unwrap();
    std::fs::write(p.state_file(), "{\"version\": 1, \"serial\": 4, \"resou").unwrap();
    let out = p.run_expect(&["apply", "--yes"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("strata::state::corrupt"), "{err}");
    assert_eq!(
        std::fs::read_to_string(p.state_file()).unwrap(),
        "{\"version\": 1, \"serial\": 4, \"resou"
    );
    assert!(
        !p.path().join(".strata/state.lock").exists(),
        "the lock was released"
    );
}

#[test]
fn an_unknown_provider_kind_points_at_the_kind_with_the_known_ones() {
    let p = Project::new(
        "[provider]\nkind = \"gcp\"\nregion = \"us-east-1\"\n\n[resource.vpc]\nkind = \"aws.ec2.vpc\"\ncidr_block = \"10.0.0.0/16\"\n\n[outputs.x]\nvalue = 1\n",
    );
    for cmd in [&["validate"][..], &["plan"]] {
        let out = p.run_expect(cmd, 1);
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("strata::manifest::provider"), "{err}");
        assert!(err.contains("unknown provider kind `gcp`"), "{err}");
        assert!(err.contains("strata.toml:2:8"), "{err}");
        assert!(err.contains("not a provider kind"), "{err}");
        assert!(
            err.contains("the provider kind must be one of `sim` and `aws`"),
            "{err}"
        );
        // Reported with the manifest's other problems.
        assert!(err.contains("strata.toml has 2 problems"), "{err}");
        assert!(err.contains("unknown top-level key `outputs`"), "{err}");
    }
    assert!(!p.state_file().exists(), "nothing was written");
}
