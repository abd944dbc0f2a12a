//! [`RetryPolicy`]: how often and how long to wait when Logto answers 429 or 503.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::{Duration, SystemTime};

/// Retries of a request Logto answered `429 Too Many Requests` or `503 Service Unavailable`
/// (it was not carried out, so any method may be sent again). The wait is the answer's
/// `Retry-After` (seconds or an HTTP date) when it has one, else an exponential backoff from
/// `base_delay`; never longer than `max_delay`.
///
/// ```
/// use std::time::Duration;
/// let policy = logto_management::RetryPolicy::default().max_retries(5).max_delay(Duration::from_secs(10));
/// assert_eq!(policy.max_retries, 5);
/// let never = logto_management::RetryPolicy::none();
/// assert_eq!(never.max_retries, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Requests sent again at most (3).
    pub max_retries: u32,
    /// The first backoff without `Retry-After` (250 ms), doubled at each retry.
    pub base_delay: Duration,
    /// The longest wait (30 s), `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 3, base_delay: Duration::from_millis(250), max_delay: Duration::from_secs(30) }
    }
}

impl RetryPolicy {
    /// No retries: Logto's 429 and 503 are returned as errors at once.
    pub fn none() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    /// Sets how many times a request is sent again.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first backoff.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the longest wait.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How long to wait before sending again the request that got `status` after `attempt`
    /// retries, or `None` to give up.
    pub(crate) fn wait(&self, attempt: u32, status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
        if attempt >= self.max_retries
            || !matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
        {
            return None;
        }
        let told = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
        let backoff = self.base_delay.saturating_mul(2u32.saturating_pow(attempt));
        Some(told.unwrap_or(backoff).min(self.max_delay))
    }
}

fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, retry_after.parse().unwrap());
        headers
    }

    #[test]
    fn honours_retry_after_in_seconds_and_as_a_date_within_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.wait(0, StatusCode::TOO_MANY_REQUESTS, &headers("2")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(policy.wait(0, StatusCode::SERVICE_UNAVAILABLE, &headers("999")), Some(policy.max_delay));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
        let wait = policy.wait(0, StatusCode::TOO_MANY_REQUESTS, &headers(&soon)).unwrap();
        assert!(wait <= Duration::from_secs(5) && wait >= Duration::from_secs(3), "{wait:?}");
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(5));
        assert_eq!(policy.wait(0, StatusCode::TOO_MANY_REQUESTS, &headers(&past)), Some(Duration::ZERO));
    }

    #[test]
    fn backs_off_without_retry_after_and_gives_up() {
        let policy = RetryPolicy::default();
        let none = HeaderMap::new();
        assert_eq!(policy.wait(0, StatusCode::TOO_MANY_REQUESTS, &none), Some(Duration::from_millis(250)));
        assert_eq!(policy.wait(2, StatusCode::TOO_MANY_REQUESTS, &none), Some(Duration::from_secs(1)));
        assert_eq!(policy.wait(3, StatusCode::TOO_MANY_REQUESTS, &none), None);
        assert_eq!(policy.wait(0, StatusCode::INTERNAL_SERVER_ERROR, &none), None);
        assert_eq!(policy.wait(0, StatusCode::BAD_REQUEST, &none), None);
    }
}
