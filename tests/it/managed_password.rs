//! RDS `manage_master_user_password` on the sim, through the CLI: RDS keeps
//! a generated master password in Secrets Manager and the instance reports
//! the secret's ARN; giving a password too is refused at its place;
//! switching an existing instance to it is an in-place update; the web
//! service's `db_managed_password` uses it.

use crate::secrets::says;
use crate::support::{text, Project};
use crate::web_service::example_text;

fn db(extra: &str) -> String {
    format!(
        r#"stack = "managed"

[provider]
kind = "sim"

[resource.db]
kind = "aws.rds.db_instance"
identifier = "managed-db"
instance_class = "db.t4g.micro"
username = "app"
skip_final_snapshot = true
{extra}
"#
    )
}

fn secret_arn(p: &Project, address: &str) -> Option<String> {
    p.state()["resources"][address]["attrs"]["master_user_secret_arn"]
        .as_str()
        .map(str::to_string)
}

#[test]
fn a_managed_password_is_kept_in_secrets_manager_by_rds() {
    let p = Project::new(&db("manage_master_user_password = true"));
    p.run_expect(&["apply", "--yes"], 0);
    let arn = secret_arn(&p, "db").expect("the instance reports its secret");
    assert!(
        arn.starts_with("arn:aws:secretsmanager:us-east-1:"),
        "{arn}"
    );
    assert!(arn.contains(":secret:rds!db-"), "{arn}");
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn a_password_and_a_managed_one_are_refused_at_their_place() {
    let p = Project::new(&db(
        "manage_master_user_password = true\npassword = { env = \"SHOP_DB_PASSWORD\" }",
    ));
    let out = p.run_expect(&["validate"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("manage_master_user_password"), "{err}");
    assert!(says(&err, "both give the master password"), "{err}");
    assert!(err.contains("strata.toml:"), "{err}");
    let p = Project::new(&db("master_user_secret_kms_key_id = \"alias/db\""));
    let err = text(&p.run_expect(&["validate"], 1).stderr);
    assert!(
        says(&err, "needs `manage_master_user_password = true`"),
        "{err}"
    );
}

#[test]
fn switching_an_instance_to_a_managed_password_modifies_it_in_place() {
    let p = Project::new(&db("password = { env = \"SHOP_DB_PASSWORD\" }"));
    p.run_expect(&["apply", "--yes"], 0);
    assert_eq!(secret_arn(&p, "db"), None);
    p.edit(|t| {
        t.replace(
            "password = { env = \"SHOP_DB_PASSWORD\" }",
            "manage_master_user_password = true",
        )
    });
    let plan = p.plan_json();
    let change = &plan["changes"][0];
    assert_eq!(change["action"], "update", "{plan}");
    let names: Vec<&str> = change["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["manage_master_user_password"], "{plan}");
    p.run_expect(&["apply", "--yes"], 0);
    assert!(secret_arn(&p, "db").is_some());
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn the_web_service_can_let_rds_manage_its_db_password() {
    let example = example_text();
    let managed = example.replace(
        r#"db_password = { env = "SHOP_DB_PASSWORD" }"#,
        "db_managed_password = true",
    );
    assert_ne!(managed, example);
    let p = Project::new(&managed);
    p.run_expect(&["apply", "--yes"], 0);
    let arn = secret_arn(&p, "web.db").expect("the primary reports its secret");
    let out = p.run_expect(&["output", "web.db_password_secret_arn"], 0);
    assert!(text(&out.stdout).contains(&arn), "{}", text(&out.stdout));
    // Both ways at once is a parameter problem.
    let both = example.replace(
        r#"db_password = { env = "SHOP_DB_PASSWORD" }"#,
        "db_password = { env = \"SHOP_DB_PASSWORD\" }\ndb_managed_password = true",
    );
    let p = Project::new(&both);
    let err = text(&p.run_expect(&["validate"], 1).stderr);
    assert!(says(&err, "both give the DB password"), "{err}");
}
