//! [`LocalCoordinator`]: the in-process [`Coordinator`], the default of every client.

use super::{Coordinator, LeaseToken};
use crate::error::CoordinationError;
use async_trait::async_trait;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// A monotonic clock, injectable for tests of expiry.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

#[derive(Default)]
struct Entries {
    leases: HashMap<String, (LeaseToken, Instant)>,
    values: HashMap<String, (Vec<u8>, Instant)>,
    /// Expired entries are swept when the maps grow past this size (amortized O(1)).
    sweep_at: usize,
}

/// Leases and published values in this process's memory, with a [`Clock`] for their expiry.
/// Clients that share one coordinate their refreshes; it is the default of every client.
///
/// ```
/// use logto::coordination::LocalCoordinator;
/// let coordinator = std::sync::Arc::new(LocalCoordinator::new());
/// # drop(coordinator);
/// ```
pub struct LocalCoordinator {
    entries: Mutex<Entries>,
    changed: Notify,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for LocalCoordinator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCoordinator").finish_non_exhaustive()
    }
}

impl Default for LocalCoordinator {
    fn default() -> Self {
        Self::new()
    }
}

const SWEEP_ABOVE: usize = 1024;

impl LocalCoordinator {
    /// An empty coordinator on the system clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// An empty coordinator on `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self { entries: Mutex::new(Entries::default()), changed: Notify::new(), clock }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sweep(entries: &mut Entries, now: Instant) {
        if entries.leases.len() + entries.values.len() > entries.sweep_at.max(SWEEP_ABOVE) {
            entries.leases.retain(|_, (_, until)| *until > now);
            entries.values.retain(|_, (_, until)| *until > now);
            entries.sweep_at = 2 * (entries.leases.len() + entries.values.len());
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        let entries = self.lock();
        entries.leases.len() + entries.values.len()
    }
}

#[async_trait]
impl Coordinator for LocalCoordinator {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        let now = self.clock.now();
        let mut entries = self.lock();
        Self::sweep(&mut entries, now);
        match entries.leases.get(key) {
            Some((holder, until)) if *until > now => Ok(holder == token),
            _ => {
                entries.leases.insert(key.to_owned(), (token.clone(), super::later(now, ttl)));
                Ok(true)
            }
        }
    }

    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        {
            let mut entries = self.lock();
            if entries.leases.get(key).is_some_and(|(holder, _)| holder == token) {
                entries.leases.remove(key);
            }
        }
        self.changed.notify_waiters();
        Ok(())
    }

    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError> {
        let now = self.clock.now();
        {
            let mut entries = self.lock();
            Self::sweep(&mut entries, now);
            entries.values.insert(key.to_owned(), (value.to_vec(), super::later(now, ttl)));
        }
        self.changed.notify_waiters();
        Ok(())
    }

    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError> {
        let now = self.clock.now();
        let entries = self.lock();
        Ok(entries.values.get(key).filter(|(_, until)| *until > now).map(|(value, _)| value.clone()))
    }

    async fn wait_for_change(&self, _key: &str, max: Duration) {
        // Woken by any release or publication; a short timeout covers lease expiry.
        let _ = tokio::time::timeout(max.min(Duration::from_millis(100)), self.changed.notified()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct ManualClock(Mutex<Instant>);

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            *self.0.lock().unwrap()
        }
    }

    #[tokio::test]
    async fn leases_and_values_expire_by_the_clock() {
        let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
        let store = LocalCoordinator::with_clock(clock.clone());
        let (a, b) = (LeaseToken::generate(), LeaseToken::generate());
        assert!(store.try_lease("k", &a, Duration::from_secs(5)).await.unwrap());
        assert!(!store.try_lease("k", &b, Duration::from_secs(5)).await.unwrap());
        assert!(store.try_lease("k", &a, Duration::from_secs(5)).await.unwrap(), "still the holder's");
        store.release("k", &b).await.unwrap();
        assert!(!store.try_lease("k", &b, Duration::from_secs(5)).await.unwrap(), "only the holder releases");
        store.publish("v", b"x", Duration::from_secs(2)).await.unwrap();
        *clock.0.lock().unwrap() += Duration::from_secs(6);
        assert!(store.published("v").await.unwrap().is_none(), "expired");
        assert!(store.try_lease("k", &b, Duration::from_secs(5)).await.unwrap(), "an expired lease is free");
    }

    #[tokio::test]
    async fn stays_bounded() {
        let store = LocalCoordinator::new();
        for i in 0..5 * SWEEP_ABOVE {
            store.publish(&format!("v{i}"), b"x", Duration::ZERO).await.unwrap();
        }
        assert!(store.len() <= 2 * SWEEP_ABOVE + 2, "{}", store.len());
    }
}
