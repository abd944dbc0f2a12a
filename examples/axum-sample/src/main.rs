//! Runs the Logto axum sample app. See the crate docs of `axum_sample` for the environment.

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port: u16 = match std::env::var("PORT").ok().filter(|p| !p.is_empty()).map(|p| p.parse()) {
        None => 3000,
        Some(Ok(port)) => port,
        Some(Err(e)) => exit(&format!("PORT is not a port number: {e}")),
    };
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .unwrap_or_else(|e| exit(&format!("cannot listen on {host}:{port}: {e}")));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    let config = axum_sample::SampleConfig::from_env(&host, port).unwrap_or_else(|e| exit(&e));
    let app = axum_sample::app(&config).await.unwrap_or_else(|e| exit(&format!("cannot start: {e}")));
    // One line on stdout so scripts can find the URL.
    println!("{{\"url\":\"{}\"}}", config.base_url);
    tracing::info!(url = %config.base_url, endpoint = %config.endpoint, "sample app listening");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
        exit(&format!("server error: {e}"));
    }
}

fn exit(message: &str) -> ! {
    eprintln!("axum-sample: {message}");
    std::process::exit(1)
}
