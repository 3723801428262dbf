//! Retrying transient provider errors (throttling) with bounded backoff.

use std::future::Future;
use std::time::Duration;

use crate::provider::ProviderError;

/// How often and how patiently to retry transient errors.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Delay before the first retry; doubled each time.
    pub base: Duration,
    /// Longest delay between attempts.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 8,
            base: Duration::from_millis(50),
            max: Duration::from_secs(5),
        }
    }
}

/// Runs `op` until it succeeds, fails with a non-transient error, or the
/// attempts run out.
pub async fn with_retries<T, F, Fut>(policy: RetryPolicy, mut op: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let mut delay = policy.base;
    let mut attempt = 1;
    loop {
        match op().await {
            Err(e) if e.is_transient() && attempt < policy.attempts => {
                tracing::debug!(attempt, error = %e, "retrying transient error");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(policy.max);
                attempt += 1;
            }
            Err(e) if attempt > 1 => return Err(e.after_attempts(attempt)),
            other => return other,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn retries_transient_errors_then_gives_up() {
        let calls = AtomicU32::new(0);
        let policy = RetryPolicy {
            attempts: 3,
            ..RetryPolicy::default()
        };
        let r: Result<(), _> = with_retries(policy, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::Transient {
                code: "Throttling".into(),
                message: "slow down".into(),
            })
        })
        .await;
        let err = r.unwrap_err().to_string();
        assert_eq!(
            err,
            "Throttling: slow down (failed 3 times; retried) (transient)"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = AtomicU32::new(0);
        let r = with_retries(policy, || async {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(ProviderError::Transient {
                    code: "Throttling".into(),
                    message: "x".into(),
                })
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(r.unwrap(), 7);
    }

    #[tokio::test]
    async fn does_not_retry_user_errors() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = with_retries(RetryPolicy::default(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::api("InvalidParameterValue", "bad"))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
