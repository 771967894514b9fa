//! A TCP proxy in front of PostgreSQL that a test can cut and restore, or slow down, to play a
//! database outage against the real service.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

pub struct DbProxy {
    pub port: u16,
    upstream: SocketAddr,
    /// Delay before each new connection reaches PostgreSQL.
    pub connect_delay: Duration,
    task: Option<JoinHandle<()>>,
}

impl DbProxy {
    /// A proxy on a free port forwarding to the server of `super::db::server_url()`.
    pub async fn start() -> Self {
        let url = super::db::server_url();
        let config: tokio_postgres::Config = url.parse().expect("database url parses");
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let upstream = tokio::net::lookup_host((host.as_str(), port))
            .await
            .expect("resolve database host")
            .next()
            .expect("database host has an address");
        let mut proxy = Self {
            port: super::closed_port(),
            upstream,
            connect_delay: Duration::ZERO,
            task: None,
        };
        proxy.resume().await;
        proxy
    }

    /// The test database URL `name`, through this proxy.
    pub fn url_for(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Accepts connections again (on the same port).
    pub async fn resume(&mut self) {
        let listener = bind_retrying(self.port).await;
        let upstream = self.upstream;
        let delay = self.connect_delay;
        self.task = Some(tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    tokio::time::sleep(delay).await;
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        }));
    }

    /// Closes the port and every connection through it: the database is gone for the service.
    pub async fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

async fn bind_retrying(port: u16) -> TcpListener {
    for _ in 0..50 {
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)).await {
            return listener;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not bind proxy port {port}");
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
