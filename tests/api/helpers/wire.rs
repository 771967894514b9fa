//! A proxy in front of PostgreSQL that records every statement the service executes, so a test
//! can count what one request sends to the database. It reads the frontend side of the wire
//! protocol: `Parse` names a statement's text, `Bind` picks a statement, `Execute` runs it, and
//! a simple `Query` runs its text (`BEGIN`, `COMMIT`). Everything is forwarded untouched.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One statement as executed: the connection it ran on and its text.
#[derive(Debug, Clone)]
pub struct Executed {
    pub connection: usize,
    pub sql: String,
}

pub struct WireRecorder {
    pub port: u16,
    log: Arc<Mutex<Vec<Executed>>>,
    task: tokio::task::JoinHandle<()>,
}

impl WireRecorder {
    /// A recorder on a free port forwarding to the server of `super::db::server_url()`.
    pub async fn start() -> Self {
        let url = super::db::server_url();
        let config: tokio_postgres::Config = url.parse().expect("database url parses");
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let upstream = format!("127.0.0.1:{port}");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let local = listener.local_addr().expect("local addr").port();
        let log: Arc<Mutex<Vec<Executed>>> = Arc::default();
        let shared = log.clone();
        let task = tokio::spawn(async move {
            let mut next = 0usize;
            while let Ok((inbound, _)) = listener.accept().await {
                next += 1;
                let (log, upstream, connection) = (shared.clone(), upstream.clone(), next);
                tokio::spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(upstream).await {
                        relay(inbound, outbound, connection, log).await;
                    }
                });
            }
        });
        Self {
            port: local,
            log,
            task,
        }
    }

    /// The test database `name`, through this recorder.
    pub fn url_for(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Forgets what was recorded so far.
    pub fn clear(&self) {
        self.log.lock().unwrap().clear();
    }

    /// What was executed since the last `clear`, in order.
    pub fn executed(&self) -> Vec<Executed> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for WireRecorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    inbound: TcpStream,
    outbound: TcpStream,
    connection: usize,
    log: Arc<Mutex<Vec<Executed>>>,
) {
    let (mut client_read, mut client_write) = inbound.into_split();
    let (mut server_read, mut server_write) = outbound.into_split();
    let back = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let mut statements: HashMap<String, String> = HashMap::new();
    let mut bound = String::new();
    let mut startup = true;
    loop {
        // The startup packet (and an SSL request before it) has no type byte.
        let kind = if startup {
            0
        } else {
            match client_read.read_u8().await {
                Ok(kind) => kind,
                Err(_) => break,
            }
        };
        let Ok(len) = client_read.read_u32().await else {
            break;
        };
        let mut body = vec![0; (len as usize).saturating_sub(4)];
        if client_read.read_exact(&mut body).await.is_err() {
            break;
        }
        if startup {
            // 80877103: SSLRequest (answered with one byte, then the real startup packet).
            startup = body.get(..4) == Some(&80_877_103u32.to_be_bytes()[..]);
        } else {
            let fields: Vec<&[u8]> = body.split(|b| *b == 0).collect();
            let text = |i: usize| {
                String::from_utf8_lossy(fields.get(i).copied().unwrap_or(b"")).into_owned()
            };
            match kind {
                b'P' => {
                    statements.insert(text(0), text(1));
                }
                b'B' => {
                    bound = statements.get(&text(1)).cloned().unwrap_or_default();
                }
                b'E' => log.lock().unwrap().push(Executed {
                    connection,
                    sql: bound.clone(),
                }),
                b'Q' => log.lock().unwrap().push(Executed {
                    connection,
                    sql: text(0),
                }),
                _ => {}
            }
        }
        let mut frame = Vec::with_capacity(body.len() + 5);
        if kind != 0 {
            frame.push(kind);
        }
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(&body);
        if server_write.write_all(&frame).await.is_err() {
            break;
        }
    }
    back.abort();
}
