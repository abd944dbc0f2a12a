//! The multi-instance scenario of the axum sample (`examples/axum-sample/tests/instances.rs`)
//! with the Python FastAPI sample: three `uvicorn` processes behind the round-robin proxy on one
//! Redis (sessions and refresh coordination), 20 users firing bursts of concurrent requests at
//! `/protected/api` with 4-second access tokens, a rotating refresh token and no reuse grace,
//! while Redis hangs for 5 s and one instance is killed right after it published a refresh.
//!
//! It needs the Python package built into `python/.venv` (`python/scripts/test.sh`, or
//! `LOGTO_PYTHON_VENV`), so it is not part of `cargo test --workspace`; `scripts/test.sh` runs
//! it after the Python step:
//!
//! ```sh
//! cargo test -p logto-test-idp --features python-samples --test python_instances
//! ```

use logto_test_idp::instances::{
    AppCommand, Expectations, Fleet, FleetOptions, KillMidRefresh, Launch, OutageKind, PageCheck,
    RedisOutage, Scenario,
};
use logto_test_idp::{IdpOptions, clients};
use std::path::PathBuf;
use std::time::Duration;

fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../python")
}

fn venv_python() -> PathBuf {
    let venv =
        std::env::var_os("LOGTO_PYTHON_VENV").map_or_else(|| python_dir().join(".venv"), PathBuf::from);
    let python = venv.join("bin").join("python");
    assert!(
        python.is_file(),
        "{} is missing: build the Python package first (python/scripts/test.sh) or set LOGTO_PYTHON_VENV",
        python.display()
    );
    python
}

fn fastapi_sample(launch: &Launch<'_>) -> AppCommand {
    AppCommand::new(venv_python())
        .args(["-m", "uvicorn", "samples.fastapi_app:create_app", "--factory", "--host", "127.0.0.1"])
        .args(["--port".to_owned(), launch.port.to_string()])
        .args(["--log-level", "warning", "--no-access-log"])
        .current_dir(python_dir())
        .env("LOGTO_ENDPOINT", launch.idp.endpoint())
        .env("LOGTO_APP_ID", clients::PUBLIC_ID)
        .env("LOGTO_APP_SECRET", "")
        .env("APP_BASE_URL", launch.base_url)
        .env("API_URL", format!("http://127.0.0.1:{}/api/data", launch.port))
        .env("REDIS_URL", launch.redis_url)
        .env("COOKIE_SECURE", "false")
        .env("PYTHONUNBUFFERED", "1")
}

/// `/protected/api` is served when its call with the access token got `200`; a failure is the
/// core's error page.
fn api_page() -> PageCheck {
    PageCheck {
        path: "/protected/api".to_owned(),
        // The status badge of the call with the token (`id="api-status"`) says 200.
        served: |body| {
            body.split_once("api-status")
                .and_then(|(_, rest)| rest.split_once("</span>"))
                .is_some_and(|(status, _)| status.contains("HTTP 200"))
        },
        readable_error: |body| body.contains("id=\"auth-error\""),
        sign_in_path: "/sign-in".to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_fastapi_instances_on_one_redis_survive_a_redis_outage_and_a_killed_instance() {
    let options = FleetOptions {
        instances: 3,
        idp: IdpOptions {
            access_token_ttl: Some(4),
            refresh_token_reuse_interval: Some(Duration::ZERO),
            ..Default::default()
        },
        persistent_redis: false,
        redis_taps: true,
    };
    let mut fleet = Fleet::start(options, fastapi_sample).await;
    let scenario = Scenario {
        users: 20,
        burst: 4,
        duration: Duration::from_secs(20),
        think: (Duration::from_millis(400), Duration::from_millis(900)),
        request_timeout: Duration::from_secs(30),
        fresh_connections: true,
        page: api_page(),
        kill_mid_refresh: Some(KillMidRefresh {
            at: Duration::from_secs(3),
            instance: 1,
            down_for: Duration::from_secs(1),
        }),
        redis_outage: Some(RedisOutage {
            at: Duration::from_secs(9),
            length: Duration::from_secs(5),
            kind: OutageKind::Pause,
        }),
    };
    let report = scenario.run(&mut fleet).await;
    eprintln!("{}", report.summary());
    let problems = report.problems(&Expectations {
        // Redis commands time out after 2 s (the core's pool), plus queueing.
        max_request_time: Duration::from_secs(8),
        recovery: Duration::from_secs(3),
        lease_ttl: Duration::from_secs(15),
        refreshes: true,
    });
    assert!(problems.is_empty(), "{}\n{}\n{}", problems.join("\n"), report.summary(), fleet.logs());
}

/// Redis killed and restarted on the same port (data kept) under load: failures only while it
/// is down, readable pages, none once it is back; nobody signed out, no grant burnt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fastapi_instances_keep_everyone_signed_in_across_a_redis_restart() {
    let options = FleetOptions {
        instances: 3,
        idp: IdpOptions {
            access_token_ttl: Some(4),
            refresh_token_reuse_interval: Some(Duration::ZERO),
            ..Default::default()
        },
        persistent_redis: true,
        redis_taps: true,
    };
    let mut fleet = Fleet::start(options, fastapi_sample).await;
    let scenario = Scenario {
        users: 16,
        burst: 4,
        duration: Duration::from_secs(14),
        think: (Duration::from_millis(400), Duration::from_millis(900)),
        request_timeout: Duration::from_secs(30),
        fresh_connections: true,
        page: api_page(),
        kill_mid_refresh: None,
        redis_outage: Some(RedisOutage {
            at: Duration::from_secs(4),
            length: Duration::from_secs(4),
            kind: OutageKind::Kill,
        }),
    };
    let report = scenario.run(&mut fleet).await;
    eprintln!("{}", report.summary());
    let problems = report.problems(&Expectations {
        // A request that started just before the kill waits for the restart.
        max_request_time: Duration::from_secs(10),
        recovery: Duration::from_secs(3),
        lease_ttl: Duration::from_secs(15),
        refreshes: true,
    });
    assert!(problems.is_empty(), "{}\n{}\n{}", problems.join("\n"), report.summary(), fleet.logs());
}
