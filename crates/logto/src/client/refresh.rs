//! One refresh in flight per refresh token, across every client that shares a core.
//!
//! Logto rotates refresh tokens (on every use for public clients) and revokes the whole grant when
//! a consumed one is presented again. So refreshes that start from the same refresh token run one
//! after another, and one that starts from a token that was just rotated continues from the
//! newest token instead of replaying the old one. That also covers two concurrent web requests of
//! one browser session, whose session stores each hold their own copy of the refresh token.

use crate::secret::RefreshToken;
use aws_lc_rs::digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OwnedMutexGuard;

/// How long a rotation is remembered: as long as Logto's refresh tokens live (14 days), because a
/// stale copy of a session (saved last by a slower concurrent request) may bring the consumed
/// token back at any time until then.
const ROTATION_MEMORY: Duration = Duration::from_secs(14 * 24 * 3600);
/// At most this many rotations are remembered; past it the oldest are forgotten first.
const MAX_REMEMBERED: usize = 100_000;
/// Forgotten entries are pruned when the map grows past this many entries, and then past twice
/// what was left, so pruning stays amortized O(1) per refresh however many sessions are active.
const PRUNE_ABOVE: usize = 1024;

type Key = [u8; 32];

fn key_of(refresh_token: &RefreshToken) -> Key {
    let mut key = [0u8; 32];
    key.copy_from_slice(digest::digest(&digest::SHA256, refresh_token.secret().as_bytes()).as_ref());
    key
}

/// What happened to a refresh token.
#[derive(Default)]
pub(crate) struct Slot {
    /// The token it was rotated to, and when.
    rotated_to: Option<(RefreshToken, Instant)>,
}

#[derive(Default)]
pub(crate) struct RefreshCoordinator {
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    map: HashMap<Key, Arc<tokio::sync::Mutex<Slot>>>,
    prune_at: usize,
}

impl std::fmt::Debug for RefreshCoordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshCoordinator").finish_non_exhaustive()
    }
}

/// The exclusive right to use one refresh token.
pub(crate) struct RefreshTurn {
    /// The newest refresh token of the chain: use this one.
    pub(crate) refresh_token: RefreshToken,
    guard: OwnedMutexGuard<Slot>,
}

impl RefreshTurn {
    /// Records that the server rotated the token of this turn to `new_token`.
    pub(crate) fn rotated(&mut self, new_token: &RefreshToken) {
        if *new_token != self.refresh_token {
            self.guard.rotated_to = Some((new_token.clone(), Instant::now()));
        }
    }
}

/// Keeps the `keep` most recent rotations (and every slot in use).
fn forget_oldest(map: &mut HashMap<Key, Arc<tokio::sync::Mutex<Slot>>>, keep: usize) {
    let mut rotations: Vec<(Instant, Key)> = map
        .iter()
        .filter(|(_, slot)| Arc::strong_count(slot) == 1)
        .filter_map(|(key, slot)| Some((slot.try_lock().ok()?.rotated_to.as_ref()?.1, *key)))
        .collect();
    rotations.sort_unstable_by_key(|(at, _)| std::cmp::Reverse(*at));
    for (_, key) in rotations.into_iter().skip(keep) {
        map.remove(&key);
    }
}

impl RefreshCoordinator {
    fn slot(&self, token: &RefreshToken) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if slots.map.len() > slots.prune_at.max(PRUNE_ABOVE) {
            slots.map.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot.try_lock().map_or(true, |s| {
                        s.rotated_to.as_ref().is_some_and(|(_, at)| at.elapsed() < ROTATION_MEMORY)
                    })
            });
            if slots.map.len() > MAX_REMEMBERED {
                forget_oldest(&mut slots.map, MAX_REMEMBERED / 2);
            }
            slots.prune_at = slots.map.len() * 2;
        }
        slots.map.entry(key_of(token)).or_default().clone()
    }

    /// Waits for the turn of `refresh_token`, following rotations that happened meanwhile.
    pub(crate) async fn turn(&self, refresh_token: &RefreshToken) -> RefreshTurn {
        let mut token = refresh_token.clone();
        loop {
            let guard = self.slot(&token).lock_owned().await;
            match &guard.rotated_to {
                Some((newer, at)) if at.elapsed() < ROTATION_MEMORY => {
                    tracing::debug!("refresh token was rotated by a concurrent request; using the newer one");
                    token = newer.clone();
                }
                _ => return RefreshTurn { refresh_token: token, guard },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(value: &str) -> RefreshToken {
        RefreshToken::from(value)
    }

    #[tokio::test]
    async fn a_rotated_token_leads_to_the_newest() {
        let coordinator = RefreshCoordinator::default();
        let mut first = coordinator.turn(&t("r1")).await;
        assert_eq!(first.refresh_token, t("r1"));
        first.rotated(&t("r2"));
        drop(first);
        let mut second = coordinator.turn(&t("r1")).await;
        assert_eq!(second.refresh_token, t("r2"));
        second.rotated(&t("r3"));
        drop(second);
        assert_eq!(coordinator.turn(&t("r1")).await.refresh_token, t("r3"));
    }

    #[tokio::test]
    async fn turns_of_one_token_are_exclusive() {
        let coordinator = Arc::new(RefreshCoordinator::default());
        let first = coordinator.turn(&t("r1")).await;
        let waiting = tokio::spawn({
            let coordinator = coordinator.clone();
            async move { coordinator.turn(&t("r1")).await.refresh_token }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        let mut first = first;
        first.rotated(&t("r2"));
        drop(first);
        assert_eq!(waiting.await.unwrap(), t("r2"));
        // Another session's token is independent.
        assert_eq!(coordinator.turn(&t("other")).await.refresh_token, t("other"));
    }

    #[tokio::test]
    async fn forgotten_tokens_are_pruned_but_recent_rotations_are_kept() {
        let coordinator = RefreshCoordinator::default();
        let mut turn = coordinator.turn(&t("rotated")).await;
        turn.rotated(&t("newer"));
        drop(turn);
        for i in 0..5 * PRUNE_ABOVE {
            drop(coordinator.turn(&t(&format!("token-{i}"))).await);
        }
        let size = coordinator.slots.lock().unwrap().map.len();
        assert!(size <= 2 * PRUNE_ABOVE + 2, "bounded: {size}");
        assert_eq!(coordinator.turn(&t("rotated")).await.refresh_token, t("newer"), "rotation remembered");
    }
}
