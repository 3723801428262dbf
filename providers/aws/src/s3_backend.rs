//! The S3 state backend: one state object per stack, shared by a team.
//!
//! - The state object is written with `If-Match` on the ETag it was read at
//!   (or `If-None-Match: *` when there was none), so an update made from a
//!   stale read is refused instead of silently overwriting another run's.
//! - The lock is a second object, `<key>.lock`, created with
//!   `If-None-Match: *` (as Terraform's S3 lockfile does) and holding the
//!   [`LockInfo`] JSON: holder, operation, time. A second run fails at once
//!   with [`StateError::Locked`] naming the holder; `force-unlock ID` deletes
//!   the lock only when its id is `ID`.
//!
//! ```no_run
//! use strata_aws::{S3Backend, S3Settings};
//! use strata_core::state::Backend;
//!
//! # async fn demo() -> Result<(), strata_core::state::StateError> {
//! let backend = S3Backend::new(S3Settings {
//!     bucket: "acme-strata-state".into(),
//!     key: "prod/web.json".into(),
//!     ..S3Settings::default()
//! });
//! let state = backend.load().await?;
//! # Ok(()) }
//! ```

use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use strata_core::state::{Backend, LockInfo, State, StateError};
use tokio::sync::OnceCell;

use crate::config::AwsSettings;

/// Where the S3 backend keeps state (`[backend] kind = "s3"`).
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// The bucket (it must exist).
    pub bucket: String,
    /// The state object's key, e.g. `prod/web.json`; the lock is `<key>.lock`.
    pub key: String,
    /// The bucket's region (else the standard chain's).
    pub region: Option<String>,
    /// An endpoint override (else `AWS_ENDPOINT_URL`).
    pub endpoint: Option<String>,
    /// A named profile (else `AWS_PROFILE`).
    pub profile: Option<String>,
}

impl S3Settings {
    /// Settings from `[backend]` options: `bucket`, `key` (required),
    /// `region`, `endpoint`, `profile`.
    pub fn from_options<'a>(
        options: impl IntoIterator<Item = (&'a String, &'a serde_json::Value)>,
    ) -> Result<Self, StateError> {
        let mut s = Self::default();
        for (k, v) in options {
            let text = v
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| StateError::Io {
                    path: "[backend]".into(),
                    reason: format!("`{k}` must be a string"),
                })?;
            match k.as_str() {
                "bucket" => s.bucket = text,
                "key" => s.key = text,
                "region" => s.region = Some(text),
                "endpoint" => s.endpoint = Some(text),
                "profile" => s.profile = Some(text),
                other => {
                    return Err(StateError::Io {
                        path: "[backend]".into(),
                        reason: format!(
                            "unknown option `{other}` for the s3 backend (known: bucket, key, region, endpoint, profile)"
                        ),
                    })
                }
            }
        }
        if s.bucket.is_empty() || s.key.is_empty() {
            return Err(StateError::Io {
                path: "[backend]".into(),
                reason: "the s3 backend needs `bucket` and `key`".into(),
            });
        }
        Ok(s)
    }
}

/// State in an S3 object, locked by a second object.
#[derive(Debug)]
pub struct S3Backend {
    settings: S3Settings,
    client: OnceCell<aws_sdk_s3::Client>,
    /// The ETag of the state object as last read or written (`None`: absent).
    etag: Mutex<Option<String>>,
}

impl S3Backend {
    /// A backend that connects on first use.
    pub fn new(settings: S3Settings) -> Self {
        Self {
            settings,
            client: OnceCell::new(),
            etag: Mutex::new(None),
        }
    }

    fn url(&self) -> String {
        format!("s3://{}/{}", self.settings.bucket, self.settings.key)
    }

    fn lock_key(&self) -> String {
        format!("{}.lock", self.settings.key)
    }

    fn io(&self, reason: impl Into<String>) -> StateError {
        StateError::Io {
            path: self.url(),
            reason: reason.into(),
        }
    }

    async fn client(&self) -> Result<&aws_sdk_s3::Client, StateError> {
        self.client
            .get_or_try_init(|| async {
                let aws = AwsSettings {
                    region: self.settings.region.clone(),
                    endpoint: self.settings.endpoint.clone(),
                    profile: self.settings.profile.clone(),
                    ..AwsSettings::default()
                };
                let config = aws.load().await.map_err(|e| self.io(e.to_string()))?;
                let s3 = aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(config.endpoint_url().is_some())
                    .build();
                Ok(aws_sdk_s3::Client::from_conf(s3))
            })
            .await
    }

    /// The object at `key` and its ETag, or `None` if there is none.
    async fn get(&self, key: &str) -> Result<Option<(Vec<u8>, Option<String>)>, StateError> {
        let c = self.client().await?;
        match c
            .get_object()
            .bucket(&self.settings.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(resp) => {
                let etag = resp.e_tag().map(str::to_string);
                let bytes = resp
                    .body
                    .collect()
                    .await
                    .map_err(|e| self.io(format!("reading {key}: {e}")))?
                    .into_bytes()
                    .to_vec();
                Ok(Some((bytes, etag)))
            }
            Err(e) if e.code() == Some("NoSuchKey") => Ok(None),
            Err(e) => Err(self.io(format!("GetObject {key}: {}", crate::errors::map(e)))),
        }
    }

    fn set_etag(&self, etag: Option<String>) {
        if let Ok(mut e) = self.etag.lock() {
            *e = etag;
        }
    }

    fn etag(&self) -> Option<String> {
        self.etag.lock().ok().and_then(|e| e.clone())
    }

    async fn read_lock(&self) -> Result<Option<LockInfo>, StateError> {
        let Some((bytes, _)) = self.get(&self.lock_key()).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StateError::Corrupt {
                path: format!("s3://{}/{}", self.settings.bucket, self.lock_key()),
                reason: e.to_string(),
            })
    }

    /// The lock record and its ETag.
    async fn read_lock_tagged(&self) -> Result<Option<(LockInfo, Option<String>)>, StateError> {
        let Some((bytes, etag)) = self.get(&self.lock_key()).await? else {
            return Ok(None);
        };
        let info = serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
            path: format!("s3://{}/{}", self.settings.bucket, self.lock_key()),
            reason: e.to_string(),
        })?;
        Ok(Some((info, etag)))
    }

    async fn delete_lock_if(&self, id: &str) -> Result<(), StateError> {
        let holder = self.read_lock().await?.ok_or(StateError::NotLocked)?;
        if holder.id != id {
            return Err(StateError::LockMismatch {
                given: id.to_string(),
                actual: holder.id,
            });
        }
        let c = self.client().await?;
        c.delete_object()
            .bucket(&self.settings.bucket)
            .key(self.lock_key())
            .send()
            .await
            .map_err(|e| self.io(format!("DeleteObject: {}", e.code().unwrap_or("error"))))?;
        Ok(())
    }
}

fn is_precondition(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("PreconditionFailed" | "ConditionalRequestConflict")
    )
}

#[async_trait]
impl Backend for S3Backend {
    fn describe(&self) -> String {
        self.url()
    }

    async fn load(&self) -> Result<Option<State>, StateError> {
        match self.get(&self.settings.key).await? {
            None => {
                self.set_etag(None);
                Ok(None)
            }
            Some((bytes, etag)) => {
                self.set_etag(etag);
                let text = String::from_utf8(bytes).map_err(|e| StateError::Corrupt {
                    path: self.url(),
                    reason: e.to_string(),
                })?;
                State::from_json(&text, &self.url()).map(Some)
            }
        }
    }

    async fn persist(&self, state: &State) -> Result<(), StateError> {
        let c = self.client().await?;
        let body = state.to_json()?;
        let mut put = c
            .put_object()
            .bucket(&self.settings.bucket)
            .key(&self.settings.key)
            .content_type("application/json")
            .body(ByteStream::from(body.into_bytes()));
        put = match self.etag() {
            Some(etag) => put.if_match(etag),
            None => put.if_none_match("*"),
        };
        match put.send().await {
            Ok(resp) => {
                self.set_etag(resp.e_tag().map(str::to_string));
                Ok(())
            }
            Err(e) if is_precondition(e.code()) => Err(self.io(
                "the state object changed since this run read it (its ETag no longer matches), so it was not overwritten; another run wrote it: run `strata plan` again",
            )),
            Err(e) => Err(self.io(format!(
                "PutObject: {}",
                crate::errors::map(e)
            ))),
        }
    }

    async fn lock(&self, info: &LockInfo) -> Result<(), StateError> {
        let c = self.client().await?;
        let body = serde_json::to_vec_pretty(info).map_err(|e| self.io(e.to_string()))?;
        let result = c
            .put_object()
            .bucket(&self.settings.bucket)
            .key(self.lock_key())
            .content_type("application/json")
            .if_none_match("*")
            .body(ByteStream::from(body))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_precondition(e.code()) => {
                let holder = self.read_lock().await?.ok_or_else(|| {
                    self.io("the lock was taken and released while checking it; try again")
                })?;
                Err(StateError::Locked {
                    holder: Box::new(holder),
                })
            }
            Err(e) => Err(self.io(format!(
                "PutObject {}: {}",
                self.lock_key(),
                crate::errors::map(e)
            ))),
        }
    }

    async fn unlock(&self, id: &str) -> Result<(), StateError> {
        self.delete_lock_if(id).await
    }

    async fn break_stale(&self, stale: &LockInfo) -> Result<Option<String>, StateError> {
        let Some((holder, etag)) = self.read_lock_tagged().await? else {
            return Ok(None);
        };
        let now = chrono::Utc::now();
        let why = if holder.id != stale.id {
            return Ok(None);
        } else if holder.lease_expired(now) {
            format!(
                "its lease was last renewed at {} (a live run renews it every {} s)",
                holder.renewed.as_deref().unwrap_or("?"),
                strata_core::state::LEASE_RENEWAL.as_secs()
            )
        } else if holder.holder_is_gone() {
            "that process is no longer running".to_string()
        } else {
            return Ok(None);
        };
        // Deleted only if it is still that very object: a renewal or a new
        // lock since the read changes its ETag.
        let c = self.client().await?;
        let mut delete = c
            .delete_object()
            .bucket(&self.settings.bucket)
            .key(self.lock_key());
        if let Some(etag) = etag {
            delete = delete.if_match(etag);
        }
        match delete.send().await {
            Ok(_) => Ok(Some(why)),
            Err(e) if is_precondition(e.code()) || e.code() == Some("NoSuchKey") => Ok(None),
            Err(e) => Err(self.io(format!(
                "DeleteObject {}: {}",
                self.lock_key(),
                crate::errors::map(e)
            ))),
        }
    }

    async fn renew(&self, held: &LockInfo) -> Result<(), StateError> {
        let Some((holder, etag)) = self.read_lock_tagged().await? else {
            return Err(StateError::NotLocked);
        };
        if holder.id != held.id {
            return Err(StateError::LockMismatch {
                given: held.id.clone(),
                actual: holder.id,
            });
        }
        let c = self.client().await?;
        let body = serde_json::to_vec_pretty(held).map_err(|e| self.io(e.to_string()))?;
        let mut put = c
            .put_object()
            .bucket(&self.settings.bucket)
            .key(self.lock_key())
            .content_type("application/json")
            .body(ByteStream::from(body));
        if let Some(etag) = etag {
            put = put.if_match(etag);
        }
        put.send().await.map(|_| ()).map_err(|e| {
            self.io(format!(
                "PutObject {}: {}",
                self.lock_key(),
                crate::errors::map(e)
            ))
        })
    }

    async fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        self.read_lock().await
    }

    async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        self.delete_lock_if(id).await
    }
}
