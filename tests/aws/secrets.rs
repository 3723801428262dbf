//! Secrets from Secrets Manager and SSM Parameter Store on moto, through
//! the real SDK clients: a DB password read while planning (a JSON field
//! of a secret, then an SSM SecureString), the plan naming the source and
//! never the value, an empty plan after apply, an update when the secret
//! is rotated, and a missing secret named in a diagnostic.

use strata_aws::sdk::{secretsmanager, ssm};

use crate::support::{moto, sdk, Project};

fn manifest(password: &str) -> String {
    format!(
        r#"stack = "secrets"

[provider]
kind = "aws"
region = "us-east-1"

[resource.db]
kind = "aws.rds.db_instance"
identifier = "secrets-db"
engine = "postgres"
instance_class = "db.t4g.micro"
username = "app"
password = {password}
skip_final_snapshot = true
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_from_secrets_manager_and_ssm_is_read_while_planning() {
    let _moto = moto();
    let cfg = sdk().await;
    let p = Project::new(&manifest(
        r#"{ secretsmanager = "prod/shop/db", key = "password" }"#,
    ));
    let err = p.fails(&["plan"]);
    assert!(err.contains("strata::secret::not_found"), "{err}");
    assert!(err.contains("prod/shop/db"), "{err}");

    let sm = secretsmanager::Client::new(&cfg);
    sm.create_secret()
        .name("prod/shop/db")
        .secret_string(r#"{"username":"app","password":"moto-canary-7a"}"#)
        .send()
        .await
        .unwrap();
    let out = p.ok(&["apply", "--yes"]);
    assert!(
        out.contains("(sensitive, from secretsmanager prod/shop/db (key password))"),
        "{out}"
    );
    assert!(!out.contains("moto-canary-7a"));
    p.assert_no_changes();

    // The same value as an SSM SecureString changes nothing; a rotated one
    // is an in-place update.
    let params = ssm::Client::new(&cfg);
    let put = |value: &'static str| {
        params
            .put_parameter()
            .name("/shop/db")
            .value(value)
            .r#type(ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send()
    };
    put("moto-canary-7a").await.unwrap();
    p.edit(|t| {
        t.replace(
            r#"{ secretsmanager = "prod/shop/db", key = "password" }"#,
            r#"{ ssm = "/shop/db" }"#,
        )
    });
    p.assert_no_changes();
    put("moto-rotated-7b").await.unwrap();
    let out = p.ok(&["plan"]);
    assert!(out.contains("(sensitive, from ssm /shop/db)"), "{out}");
    assert!(out.contains("1 to change"), "{out}");
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();
    let state = std::fs::read_to_string(p.path().join(".strata/state.json")).unwrap_or_default()
        + &std::fs::read_to_string(p.path().join(".strata/journal.jsonl")).unwrap_or_default();
    assert!(!state.contains("moto-canary-7a") && !state.contains("moto-rotated-7b"));
    p.ok(&["destroy", "--yes"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rds_keeps_a_managed_master_password_in_secrets_manager() {
    use strata_aws::sdk::rds;
    let _moto = moto();
    let cfg = sdk().await;
    let p = Project::new(&manifest(r#"{ env = "SHOP_DB_PASSWORD" }"#));
    p.ok(&["apply", "--yes"]);
    // Switched to a managed password: an in-place ModifyDBInstance.
    p.edit(|t| {
        t.replace(
            r#"password = { env = "SHOP_DB_PASSWORD" }"#,
            "manage_master_user_password = true",
        )
    });
    let out = p.ok(&["plan"]);
    assert!(out.contains("1 to change, 0 to destroy"), "{out}");
    p.ok(&["apply", "--yes"]);
    let db = rds::Client::new(&cfg)
        .describe_db_instances()
        .db_instance_identifier("secrets-db")
        .send()
        .await
        .unwrap();
    let secret = db.db_instances()[0]
        .master_user_secret()
        .and_then(|s| s.secret_arn())
        .map(str::to_string);
    let arn = secret.expect("RDS reports the managed secret");
    assert!(arn.contains(":secretsmanager:"), "{arn}");
    p.assert_no_changes();
    p.ok(&["destroy", "--yes"]);
}
