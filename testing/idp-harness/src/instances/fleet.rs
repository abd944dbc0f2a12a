//! [`Fleet`]: the test identity server, one Redis, a [`RedisTap`] per instance, the app
//! instances and the round-robin proxy in front of them.

use super::app::{AppCommand, AppInstance};
use super::proxy::RoundRobinProxy;
use super::redis_tap::RedisTap;
use crate::redis::{RedisServer, free_port};
use crate::{IdpOptions, TestIdp};
use std::net::SocketAddr;

/// What an app instance is told when it starts.
#[derive(Debug)]
pub struct Launch<'a> {
    /// Its number (0, 1, ...).
    pub index: usize,
    /// The port it must listen on (also in `PORT`).
    pub port: u16,
    /// The public URL of the app: the proxy's (for `APP_BASE_URL` and the redirect URIs).
    pub base_url: &'a str,
    /// The Redis URL it must use (its own tap in front of the one Redis).
    pub redis_url: &'a str,
    /// The identity server.
    pub idp: &'a TestIdp,
}

/// How to build a [`Fleet`].
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// How many app instances.
    pub instances: usize,
    /// The identity server's options (access-token lifetime, reuse grace).
    pub idp: IdpOptions,
    /// Whether Redis keeps its data across a stop and restart (append-only file).
    pub persistent_redis: bool,
    /// Whether each instance reaches Redis through a [`RedisTap`] (needed to kill an instance
    /// mid-refresh; without, the instances talk to Redis directly, for throughput figures).
    pub redis_taps: bool,
}

/// Everything a multi-instance test runs against; every process is killed on drop.
#[derive(Debug)]
pub struct Fleet {
    /// The identity server.
    pub idp: TestIdp,
    /// The one Redis of every instance.
    pub redis: RedisServer,
    /// One tap per instance, between it and Redis (none without
    /// [`FleetOptions::redis_taps`]).
    pub taps: Vec<RedisTap>,
    /// The app instances.
    pub instances: Vec<AppInstance>,
    /// The load balancer in front of them.
    pub proxy: RoundRobinProxy,
}

impl Fleet {
    /// Starts everything; `launch` says how to start instance `n` (the program and its
    /// environment; the app must listen on `PORT` and accept `base_url` as its public URL).
    pub async fn start(options: FleetOptions, launch: impl Fn(&Launch<'_>) -> AppCommand) -> Self {
        let idp = TestIdp::start_with(options.idp.clone()).await;
        let redis = if options.persistent_redis {
            RedisServer::start_persistent().await
        } else {
            RedisServer::start().await
        };
        let redis_addr = SocketAddr::from(([127, 0, 0, 1], redis.port()));
        let ports: Vec<u16> = (0..options.instances).map(|_| free_port()).collect();
        let proxy = RoundRobinProxy::start(
            ports.iter().map(|port| SocketAddr::from(([127, 0, 0, 1], *port))).collect(),
        )
        .await;
        let base_url = proxy.url();
        let mut taps = Vec::new();
        let mut starting = Vec::new();
        for (index, port) in ports.iter().enumerate() {
            let redis_url = if options.redis_taps {
                let tap = RedisTap::start(redis_addr).await;
                let url = tap.url();
                taps.push(tap);
                url
            } else {
                redis.url()
            };
            let command =
                launch(&Launch { index, port: *port, base_url: &base_url, redis_url: &redis_url, idp: &idp });
            starting.push(tokio::spawn(AppInstance::start(format!("app-{index}"), command, *port)));
        }
        let mut instances = Vec::new();
        for instance in starting {
            instances.push(instance.await.unwrap_or_else(|e| panic!("an app instance did not start: {e}")));
        }
        Self { idp, redis, taps, instances, proxy }
    }

    /// The app's public URL (the proxy).
    pub fn url(&self) -> String {
        self.proxy.url()
    }

    /// The last log lines of every instance.
    pub fn logs(&self) -> String {
        self.instances
            .iter()
            .map(|instance| format!("--- {} ---\n{}", instance.name(), instance.log_tail()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
