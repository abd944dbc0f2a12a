//! A bounded cache of verified access tokens, so an API client that reuses its token for an
//! hour pays for one signature check, never past the token's `exp`.

use crate::models::AccessTokenClaims;
use aws_lc_rs::digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Key = [u8; 32];

pub(crate) struct VerifiedTokenCache {
    capacity: usize,
    entries: Mutex<HashMap<Key, Arc<AccessTokenClaims>>>,
}

impl VerifiedTokenCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, entries: Mutex::new(HashMap::new()) }
    }

    /// Whether the cache remembers anything (capacity above 0).
    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    pub(crate) fn key(token: &str) -> Key {
        let mut key = [0u8; 32];
        key.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
        key
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<AccessTokenClaims>>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The claims of a token verified before, while `now < exp`.
    pub(crate) fn get(&self, key: &Key, now: i64) -> Option<Arc<AccessTokenClaims>> {
        if self.capacity == 0 {
            return None;
        }
        let mut entries = self.lock();
        match entries.get(key) {
            Some(claims) if now < claims.exp.seconds() => Some(claims.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub(crate) fn insert(&self, key: Key, claims: Arc<AccessTokenClaims>, now: i64) {
        if self.capacity == 0 || now >= claims.exp.seconds() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.retain(|_, claims| now < claims.exp.seconds());
            if entries.len() >= self.capacity {
                // Still full of live tokens: make room by forgetting an arbitrary half.
                let drop_count = entries.len() / 2 + 1;
                let victims: Vec<Key> = entries.keys().take(drop_count).copied().collect();
                for victim in victims {
                    entries.remove(&victim);
                }
            }
        }
        entries.insert(key, claims);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Arc<AccessTokenClaims> {
        Arc::new(
            serde_json::from_value(serde_json::json!({"iss":"i","sub":"s","aud":"a","exp":exp,"iat":0}))
                .unwrap(),
        )
    }

    #[test]
    fn never_serves_past_exp() {
        let cache = VerifiedTokenCache::new(10);
        let key = VerifiedTokenCache::key("t");
        cache.insert(key, claims(100), 50);
        assert!(cache.get(&key, 99).is_some());
        assert!(cache.get(&key, 100).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn stays_bounded() {
        let cache = VerifiedTokenCache::new(8);
        for i in 0..100 {
            cache.insert(VerifiedTokenCache::key(&i.to_string()), claims(1000), 0);
            assert!(cache.len() <= 8);
        }
    }
}
