//! [`Report`]: what a [`Scenario`](super::Scenario) run did, its figures ([`Report::summary`])
//! and how it measures up to what a multi-instance deployment must guarantee
//! ([`Report::problems`]).

use super::scenario::OutageKind;
use super::users::{Answer, Outcome};
use crate::{TokenRequests, grant_types};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::time::Duration;

/// When the instance was killed in the middle of a refresh.
#[derive(Debug, Clone)]
pub struct KillRecord {
    /// Which instance.
    pub instance: usize,
    /// The refresh it was stopped in (SHA-256 of the refresh token it presented) and when it
    /// was stopped; `None` when it published no refresh in time.
    pub frozen: Option<(String, Duration)>,
    /// When it was killed.
    pub killed_at: Duration,
    /// When it answered again after its restart.
    pub back_at: Duration,
}

/// What the run must show; the limits of what may go wrong during the events.
#[derive(Debug, Clone, Copy)]
pub struct Expectations {
    /// The longest any request may take (no hang past the configured timeouts).
    pub max_request_time: Duration,
    /// After the Redis outage ends, how long failures may go on (reconnection).
    pub recovery: Duration,
    /// How long the app's refresh leases live: a lease the killed instance took just before it
    /// was stopped is held by no one until it expires; requests of that session wait for it.
    pub lease_ttl: Duration,
    /// Whether the run must have refreshed (the page needs an access token that expires during
    /// the run).
    pub refreshes: bool,
}

/// Everything a run did (times from the start of the load).
#[derive(Debug, Clone)]
pub struct Report {
    /// When the load started (ms since the epoch, the identity server's clock).
    pub start_ms: u64,
    /// Users.
    pub users: usize,
    /// Requests per burst.
    pub burst: usize,
    /// Failed sign-ins.
    pub sign_in_errors: Vec<String>,
    /// Every request of the load, by start time.
    pub outcomes: Vec<Outcome>,
    /// Each user's request after the load, by user.
    pub finals: Vec<Outcome>,
    /// How long the load ran.
    pub elapsed: Duration,
    /// When Redis was away (from, to) and how.
    pub outage: Option<(Duration, Duration, OutageKind)>,
    /// The instance killed mid-refresh.
    pub kill: Option<KillRecord>,
    /// The identity server's token requests during the load (and the final requests).
    pub tokens: TokenRequests,
    /// Redis commands run during the load, by command.
    pub redis_calls: BTreeMap<String, u64>,
    /// Connections the proxy gave each instance.
    pub connections: Vec<u64>,
}

/// `p` (0–100) percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

impl Report {
    /// Requests that were served.
    pub fn served(&self) -> usize {
        self.outcomes.iter().filter(|o| o.answer == Answer::Served).count()
    }

    /// Users sent to sign in again, during the load or at the end.
    pub fn signed_out_users(&self) -> usize {
        let mut users: Vec<usize> = self
            .outcomes
            .iter()
            .chain(&self.finals)
            .filter(|o| o.answer == Answer::SignedOut)
            .map(|o| o.user)
            .collect();
        users.sort_unstable();
        users.dedup();
        users.len()
    }

    /// Refresh requests the identity server refused with `invalid_grant`.
    pub fn invalid_grants(&self) -> u64 {
        self.tokens.count(grant_types::REFRESH_TOKEN, "invalid_grant")
    }

    /// Refresh tokens presented more than once (hash, times).
    pub fn replayed_refresh_tokens(&self) -> Vec<(String, usize)> {
        let mut presented: HashMap<&str, usize> = HashMap::new();
        for request in &self.tokens.refresh_requests {
            *presented.entry(request.refresh_token_sha256.as_deref().unwrap_or("(none)")).or_default() += 1;
        }
        let mut replayed: Vec<(String, usize)> =
            presented.into_iter().filter(|(_, n)| *n > 1).map(|(h, n)| (h.to_owned(), n)).collect();
        replayed.sort();
        replayed
    }

    /// Latency percentiles (p50, p99, max) of the served requests.
    pub fn served_latency(&self) -> (Duration, Duration, Duration) {
        let mut took: Vec<Duration> =
            self.outcomes.iter().filter(|o| o.answer == Answer::Served).map(|o| o.took).collect();
        took.sort_unstable();
        (percentile(&took, 50.0), percentile(&took, 99.0), took.last().copied().unwrap_or_default())
    }

    /// Redis round trips of the app per request of the load: the commands it ran, less the
    /// `GET` and `DEL` that its lease-release script (`EVAL`) runs inside Redis (the app
    /// deletes nothing else while signed in), and less the test's own commands.
    pub fn redis_calls_per_request(&self) -> f64 {
        let count = |name: &str| self.redis_calls.get(name).copied().unwrap_or(0);
        let all: u64 = self.redis_calls.iter().filter(|(name, _)| !is_inspection(name)).map(|(_, n)| n).sum();
        let round_trips = all.saturating_sub(count("eval") + count("del"));
        round_trips as f64 / self.outcomes.len().max(1) as f64
    }

    /// The figures, for a person.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let (p50, p99, max) = self.served_latency();
        let seconds = self.elapsed.as_secs_f64();
        let _ = writeln!(
            out,
            "{} users x bursts of {}: {} requests in {:.1} s ({:.0}/s), {} served, {} users signed out",
            self.users,
            self.burst,
            self.outcomes.len(),
            seconds,
            self.outcomes.len() as f64 / seconds,
            self.served(),
            self.signed_out_users()
        );
        let _ = writeln!(out, "served latency: p50 {}, p99 {}, max {}", ms(p50), ms(p99), ms(max));
        let mut other: BTreeMap<String, usize> = BTreeMap::new();
        for outcome in &self.outcomes {
            let key = match &outcome.answer {
                Answer::Served => continue,
                Answer::SignedOut => "signed out".to_owned(),
                Answer::Failed { status, readable } => {
                    format!("{status}{}", if *readable { " (readable page)" } else { " (not readable)" })
                }
                Answer::Unexpected { status, .. } => format!("unexpected {status}"),
                Answer::NoAnswer(_) => "no answer".to_owned(),
            };
            *other.entry(key).or_default() += 1;
        }
        if !other.is_empty() {
            let _ = writeln!(out, "not served: {other:?}");
        }
        let refreshes = self.tokens.grant_type(grant_types::REFRESH_TOKEN);
        let _ = writeln!(
            out,
            "identity server: {} refresh requests ({:.1}/s), {} ok, {} invalid_grant, {} refresh tokens presented twice; all token requests by outcome: {:?}",
            refreshes,
            refreshes as f64 / seconds,
            self.tokens.refresh_ok(),
            self.invalid_grants(),
            self.replayed_refresh_tokens().len(),
            self.tokens.by_outcome
        );
        let _ = writeln!(
            out,
            "Redis: {:.2} round trips per request (commands run: {:?}); proxy connections per instance: {:?}",
            self.redis_calls_per_request(),
            self.redis_calls,
            self.connections
        );
        if let Some((from, to, kind)) = self.outage {
            let during: Vec<&Outcome> =
                self.outcomes.iter().filter(|o| o.ended() >= from && o.started <= to).collect();
            let failed: Vec<&Outcome> =
                during.iter().copied().filter(|o| matches!(o.answer, Answer::Failed { .. })).collect();
            let slowest = failed.iter().map(|o| o.took).max().unwrap_or_default();
            let _ = writeln!(
                out,
                "Redis {kind:?} from {:.1} s to {:.1} s: {} requests overlapped it, {} failed (slowest failure {}), the first served after it at {:.2} s",
                from.as_secs_f64(),
                to.as_secs_f64(),
                during.len(),
                failed.len(),
                ms(slowest),
                self.outcomes
                    .iter()
                    .filter(|o| o.started >= to && o.answer == Answer::Served)
                    .map(|o| o.ended().as_secs_f64())
                    .fold(f64::INFINITY, f64::min)
            );
        }
        if let Some(kill) = &self.kill {
            let _ = writeln!(
                out,
                "instance {} killed at {:.2} s, stopped in the refresh of {:?}, back at {:.2} s",
                kill.instance,
                kill.killed_at.as_secs_f64(),
                kill.frozen.as_ref().map(|(hash, at)| (format!("{}…", &hash[..12.min(hash.len())]), at)),
                kill.back_at.as_secs_f64()
            );
        }
        out
    }

    /// Everything that breaks what several instances on one Redis must guarantee: every
    /// request served (except during the outage, where failures must be fast, readable 5xx
    /// pages, and the requests in flight on the killed instance), nobody signed out, no grant
    /// burnt, one token request per rotation, the killed instance's rotation taken over.
    pub fn problems(&self, expect: &Expectations) -> Vec<String> {
        let mut problems = Vec::new();
        for error in &self.sign_in_errors {
            problems.push(format!("sign-in failed: {error}"));
        }
        if self.outcomes.is_empty() {
            problems.push("no request was made".to_owned());
        }
        let outage = self.outage.map(|(from, to, _)| (from, to + expect.recovery));
        let in_outage = |o: &Outcome| outage.is_some_and(|(from, to)| o.ended() >= from && o.started <= to);
        let at_kill = |o: &Outcome| {
            // In flight when the instance was frozen or killed.
            self.kill.as_ref().is_some_and(|kill| {
                let frozen = kill.frozen.as_ref().map_or(kill.killed_at, |(_, at)| *at);
                o.started <= kill.killed_at + Duration::from_millis(250)
                    && o.ended() + Duration::from_millis(250) >= frozen
            })
        };
        // Waiting for a lease the killed instance took and can no longer release: these end
        // when it expires (or fail with the outage, if it comes first).
        let lease_expired = |o: &Outcome| {
            self.kill.as_ref().and_then(|kill| kill.frozen.as_ref()).is_some_and(|(_, frozen)| {
                let expiry = *frozen + expect.lease_ttl;
                o.started + Duration::from_millis(250) >= *frozen
                    && o.started <= expiry
                    && (o.ended() + Duration::from_secs(1) >= expiry
                        && o.ended() <= expiry + Duration::from_secs(3)
                        || matches!(o.answer, Answer::Failed { readable: true, .. }) && in_outage(o))
            })
        };
        let mut reported = 0;
        let mut report = |problem: String| {
            reported += 1;
            if reported <= 20 {
                problems.push(problem);
            }
        };
        for outcome in &self.outcomes {
            let when = format!(
                "user {} at {:.2} s ({})",
                outcome.user,
                outcome.started.as_secs_f64(),
                ms(outcome.took)
            );
            if outcome.took > expect.max_request_time && !lease_expired(outcome) {
                report(format!(
                    "{when}: took longer than {:?}: {:?}",
                    expect.max_request_time, outcome.answer
                ));
            }
            match &outcome.answer {
                Answer::Served => {}
                Answer::SignedOut => report(format!("{when}: signed out")),
                Answer::Failed { status, readable } if in_outage(outcome) => {
                    if !readable {
                        report(format!("{when}: {status} without a readable page during the outage"));
                    }
                }
                Answer::NoAnswer(_) | Answer::Failed { .. } if at_kill(outcome) => {}
                Answer::Failed { readable: true, .. } if lease_expired(outcome) => {}
                other => report(format!("{when}: {other:?}")),
            }
        }
        if reported > 20 {
            problems.push(format!("... {} request problems in all", reported));
        }
        for outcome in &self.finals {
            if outcome.answer != Answer::Served {
                problems.push(format!("user {} at the end: {:?}", outcome.user, outcome.answer));
            }
        }
        if self.invalid_grants() > 0 {
            let at: Vec<String> = self
                .tokens
                .refresh_requests
                .iter()
                .filter(|r| r.outcome == "invalid_grant")
                .map(|r| format!("{:.2} s", r.at_ms.saturating_sub(self.start_ms) as f64 / 1000.0))
                .collect();
            problems.push(format!(
                "{} refresh requests refused with invalid_grant (grants burnt), at {}",
                self.invalid_grants(),
                at.join(", ")
            ));
        }
        let refreshes = &self.tokens.refresh_requests;
        let failed_refreshes = refreshes.iter().filter(|r| r.outcome != "ok").count();
        if failed_refreshes > 0 {
            problems
                .push(format!("{failed_refreshes} refresh requests failed: {:?}", self.tokens.by_outcome));
        }
        if refreshes.is_empty() && expect.refreshes {
            problems.push("no refresh happened: the access tokens must expire during the run".to_owned());
        }
        if let Some(unrotated) = refreshes.iter().find(|r| r.outcome == "ok" && !r.rotated) {
            problems
                .push(format!("a refresh did not rotate (the test needs a rotating client): {unrotated:?}"));
        }
        let replayed = self.replayed_refresh_tokens();
        if !replayed.is_empty() {
            let times = |hash: &str| -> Vec<String> {
                refreshes
                    .iter()
                    .filter(|r| r.refresh_token_sha256.as_deref() == Some(hash))
                    .map(|r| {
                        format!(
                            "{:.2} s {}",
                            r.at_ms.saturating_sub(self.start_ms) as f64 / 1000.0,
                            r.outcome
                        )
                    })
                    .collect()
            };
            let shown: Vec<String> = replayed
                .iter()
                .take(5)
                .map(|(hash, _)| format!("{}… at {:?}", &hash[..12.min(hash.len())], times(hash)))
                .collect();
            problems.push(format!(
                "{} refresh tokens were presented more than once (more than one token request per rotation): {}",
                replayed.len(),
                shown.join("; ")
            ));
        }
        if let Some(kill) = &self.kill {
            problems.extend(self.kill_problems(kill));
        }
        problems
    }

    /// The killed instance's refresh: made once, and continued by the others from what it
    /// published (it never wrote the new refresh token anywhere else).
    fn kill_problems(&self, kill: &KillRecord) -> Vec<String> {
        let Some((presented, _)) = &kill.frozen else {
            return vec![format!(
                "instance {} published no refresh within 10 s of being armed",
                kill.instance
            )];
        };
        let refreshes = &self.tokens.refresh_requests;
        let made: Vec<_> = refreshes
            .iter()
            .filter(|r| r.refresh_token_sha256.as_deref() == Some(presented.as_str()))
            .collect();
        let [made] = made.as_slice() else {
            return vec![format!(
                "the killed instance's refresh token was presented {} times, not once",
                made.len()
            )];
        };
        let Some(issued) = &made.issued_refresh_token_sha256 else {
            return vec![format!("the killed instance's refresh failed: {made:?}")];
        };
        let continued = refreshes.iter().any(|r| r.refresh_token_sha256.as_ref() == Some(issued));
        if continued {
            Vec::new()
        } else {
            vec![
                "the refresh token issued to the killed instance was never used after it: the user did not continue from the published rotation"
                    .to_owned(),
            ]
        }
    }
}

/// Commands of the test itself, not the app's.
fn is_inspection(name: &str) -> bool {
    matches!(name, "info" | "config|resetstat" | "config" | "ping" | "client|id")
}
