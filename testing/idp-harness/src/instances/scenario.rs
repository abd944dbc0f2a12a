//! [`Scenario`]: signed-in users firing bursts of concurrent requests at the fleet for a while,
//! optionally with a Redis outage and an instance killed in the middle of a refresh; it returns
//! a [`Report`] of everything that happened.

use super::fleet::Fleet;
use super::report::{KillRecord, Report};
use super::users::{Outcome, PageCheck, SimUser};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// How Redis goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageKind {
    /// `SIGSTOP` then `SIGCONT`: Redis hangs, connections stay open, commands time out.
    Pause,
    /// `SIGKILL` then a restart on the same port: connections drop, commands fail at once; the
    /// data survives only with [`FleetOptions::persistent_redis`](super::FleetOptions).
    Kill,
}

/// Redis goes away at `at` for `length`.
#[derive(Debug, Clone, Copy)]
pub struct RedisOutage {
    /// When, from the start of the load.
    pub at: Duration,
    /// For how long.
    pub length: Duration,
    /// How.
    pub kind: OutageKind,
}

/// Instance `instance` is stopped right after it publishes a refresh outcome, before it can
/// release the lease or write the session (see [`RedisTap`](super::RedisTap)), killed
/// ([`SETTLE`] later, so its other refreshes in flight reach the same point) and restarted
/// after `down_for`.
#[derive(Debug, Clone, Copy)]
pub struct KillMidRefresh {
    /// When to arm the tap, from the start of the load.
    pub at: Duration,
    /// Which instance.
    pub instance: usize,
    /// How long it stays down.
    pub down_for: Duration,
}

/// The load and what happens during it.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// How many users (each signs in first).
    pub users: usize,
    /// Concurrent requests per burst.
    pub burst: usize,
    /// How long the users keep going.
    pub duration: Duration,
    /// The pause between a user's bursts, drawn between these two.
    pub think: (Duration, Duration),
    /// When a request gives up.
    pub request_timeout: Duration,
    /// Whether every request opens a new connection (one user's requests then reach every
    /// instance) rather than reusing one (as browsers do; for throughput figures).
    pub fresh_connections: bool,
    /// The page and how to judge its answers.
    pub page: PageCheck,
    /// A Redis outage, if any.
    pub redis_outage: Option<RedisOutage>,
    /// An instance killed mid-refresh, if any.
    pub kill_mid_refresh: Option<KillMidRefresh>,
}

/// How long a frozen instance lives on before it is killed: its token requests in flight come
/// back and are published meanwhile.
pub const SETTLE: Duration = Duration::from_millis(1500);

/// A small deterministic pseudo-random sequence (xorshift), so runs are comparable.
struct Jitter(u64);

impl Jitter {
    fn between(&mut self, (low, high): (Duration, Duration)) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let span = high.saturating_sub(low).as_millis() as u64;
        low + Duration::from_millis(if span == 0 { 0 } else { self.0 % (span + 1) })
    }
}

impl Scenario {
    /// Signs the users in, runs the load with its events, asks every user for the page once
    /// more at the end, and reports.
    pub async fn run(&self, fleet: &mut Fleet) -> Report {
        let users: Vec<SimUser> = (0..self.users)
            .map(|index| SimUser::new(index, &fleet.url(), self.request_timeout, self.fresh_connections))
            .collect();
        let sign_in_path = self.page.sign_in_path.clone();
        let mut signing_in = JoinSet::new();
        for user in &users {
            // Each person with their own browser at the identity server too.
            let (user, path, idp) = (user.clone(), sign_in_path.clone(), fleet.idp.browser());
            signing_in.spawn(async move { (user.index, user.sign_in(&idp, &path).await) });
        }
        let mut sign_in_errors = Vec::new();
        while let Some(joined) = signing_in.join_next().await {
            match joined {
                Ok((_, Ok(()))) => {}
                Ok((user, Err(error))) => sign_in_errors.push(format!("user {user}: {error}")),
                Err(error) => sign_in_errors.push(format!("a sign-in task failed: {error}")),
            }
        }

        fleet.idp.reset_token_requests().await;
        let _ = fleet.redis.command(&["CONFIG", "RESETSTAT"]).await;
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let start_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as u64);
        let deadline = start + self.duration;
        let mut load = JoinSet::new();
        for user in &users {
            let (user, page, outcomes) = (user.clone(), self.page.clone(), outcomes.clone());
            let (burst, think) = (self.burst, self.think);
            load.spawn(async move {
                let mut jitter =
                    Jitter(0x9E37_79B9_7F4A_7C15 ^ (user.index as u64 + 1).wrapping_mul(0x2545_F491));
                // Spread the users' first bursts over the first pause.
                tokio::time::sleep(jitter.between((Duration::ZERO, think.1))).await;
                while Instant::now() < deadline {
                    let mut requests = JoinSet::new();
                    for _ in 0..burst {
                        let (user, page) = (user.clone(), page.clone());
                        requests.spawn(async move { user.visit(&page, start).await });
                    }
                    while let Some(Ok(outcome)) = requests.join_next().await {
                        outcomes.lock().unwrap_or_else(|p| p.into_inner()).push(outcome);
                    }
                    tokio::time::sleep(jitter.between(think)).await;
                }
            });
        }

        let (outage, kill, mut redis_calls) = self.events(fleet, start).await;
        while load.join_next().await.is_some() {}
        let elapsed = start.elapsed();

        // Once more at the end: is everyone still signed in?
        let mut last = JoinSet::new();
        for user in &users {
            let (user, page) = (user.clone(), self.page.clone());
            last.spawn(async move { user.visit(&page, start).await });
        }
        let mut finals = Vec::new();
        while let Some(Ok(outcome)) = last.join_next().await {
            finals.push(outcome);
        }
        finals.sort_by_key(|outcome: &Outcome| outcome.user);

        let mut outcomes = std::mem::take(&mut *outcomes.lock().unwrap_or_else(|p| p.into_inner()));
        outcomes.sort_by_key(|outcome| outcome.started);
        Report {
            start_ms,
            users: self.users,
            burst: self.burst,
            sign_in_errors,
            outcomes,
            finals,
            elapsed,
            outage: outage
                .map(|(from, to)| (from, to, self.redis_outage.map(|o| o.kind).unwrap_or(OutageKind::Pause))),
            kill,
            tokens: fleet.idp.token_requests().await,
            redis_calls: {
                for (name, calls) in fleet.redis.command_calls().await {
                    *redis_calls.entry(name).or_default() += calls;
                }
                redis_calls
            },
            connections: fleet.proxy.connections(),
        }
    }

    /// Runs the outage and the kill at their times; returns when each happened, and the Redis
    /// command counts a restart of Redis wiped.
    async fn events(
        &self,
        fleet: &mut Fleet,
        start: Instant,
    ) -> (Option<(Duration, Duration)>, Option<KillRecord>, BTreeMap<String, u64>) {
        let mut wiped = BTreeMap::new();
        let mut plan: Vec<(Duration, bool)> = Vec::new();
        if let Some(outage) = self.redis_outage {
            plan.push((outage.at, true));
        }
        if let Some(kill) = self.kill_mid_refresh {
            plan.push((kill.at, false));
        }
        plan.sort();
        let (mut outage_window, mut kill_record) = (None, None);
        for (at, is_outage) in plan {
            tokio::time::sleep_until((start + at).into()).await;
            if is_outage {
                let outage = self.redis_outage.expect("planned");
                let from = start.elapsed();
                match outage.kind {
                    OutageKind::Pause => fleet.redis.pause(),
                    OutageKind::Kill => {
                        wiped = fleet.redis.command_calls().await;
                        fleet.redis.stop().await;
                    }
                }
                tokio::time::sleep(outage.length).await;
                match outage.kind {
                    OutageKind::Pause => fleet.redis.resume(),
                    OutageKind::Kill => fleet.redis.restart().await,
                }
                outage_window = Some((from, start.elapsed()));
            } else {
                let kill = self.kill_mid_refresh.expect("planned");
                let tap = fleet
                    .taps
                    .get(kill.instance)
                    .expect("killing mid-refresh needs FleetOptions::redis_taps");
                tap.freeze_after_next_publication();
                let frozen = tap.frozen(Duration::from_secs(10)).await;
                if frozen.is_some() {
                    tokio::time::sleep(SETTLE).await;
                }
                let instance = &mut fleet.instances[kill.instance];
                let killed_at = start.elapsed();
                instance.kill().await;
                fleet.taps[kill.instance].thaw();
                tokio::time::sleep(kill.down_for).await;
                fleet.instances[kill.instance].restart().await;
                kill_record = Some(KillRecord {
                    instance: kill.instance,
                    frozen: frozen.map(|f| (f.presented_refresh_token_sha256().to_owned(), f.at - start)),
                    killed_at,
                    back_at: start.elapsed(),
                });
            }
        }
        (outage_window, kill_record, wiped)
    }
}
