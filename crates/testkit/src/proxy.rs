//! A PostgreSQL wire-protocol proxy that counts the statements its clients execute.
//!
//! "One round trip per GET" is a property of the bytes on the wire, so it is tested there: the
//! store under test connects through this proxy, which forwards every byte unchanged and
//! counts the client's Execute and simple Query messages. A prepared statement's first use
//! also sends Parse and Describe, which are not statements and are not counted.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Protocol codes of the untyped requests a client may send before its startup message.
const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;

/// A running proxy. It stops when the test's runtime ends.
pub struct StatementCounter {
    address: SocketAddr,
    user: String,
    dbname: String,
    statements: Arc<AtomicU64>,
}

impl StatementCounter {
    /// Starts a proxy on `127.0.0.1:0` in front of the server of `upstream_url`.
    pub async fn start(upstream_url: &str) -> Self {
        let config =
            tokio_postgres::Config::from_str(upstream_url).expect("the test database URL is not valid");
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("failed to bind the proxy");
        let address = listener.local_addr().expect("a bound listener has an address");
        let statements = Arc::new(AtomicU64::new(0));
        let counted = statements.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = format!("{host}:{port}");
                let counted = counted.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        let _ = relay(client, server, counted).await;
                    }
                });
            }
        });
        Self {
            address,
            user: config.get_user().unwrap_or("postgres").to_owned(),
            dbname: config.get_dbname().unwrap_or("postgres").to_owned(),
            statements,
        }
    }

    /// A URL that connects through the proxy.
    pub fn url(&self) -> String {
        format!("postgres://{}@{}/{}", self.user, self.address, self.dbname)
    }

    /// Statements executed since the last [`reset`](Self::reset).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::SeqCst)
    }

    /// Starts counting from zero.
    pub fn reset(&self) {
        self.statements.store(0, Ordering::SeqCst);
    }
}

async fn relay(client: TcpStream, server: TcpStream, statements: Arc<AtomicU64>) -> std::io::Result<()> {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    // Untyped messages first: optional SSL/GSS requests, then the startup message.
    loop {
        let length = client_read.read_u32().await?;
        let mut payload = vec![0; (length as usize).saturating_sub(4)];
        client_read.read_exact(&mut payload).await?;
        server_write.write_u32(length).await?;
        server_write.write_all(&payload).await?;
        let code = payload.get(..4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        if code != SSL_REQUEST && code != GSSENC_REQUEST {
            break;
        }
    }
    // Then typed messages: a tag byte and a length that counts itself.
    loop {
        let tag = client_read.read_u8().await?;
        let length = client_read.read_u32().await?;
        let mut payload = vec![0; (length as usize).saturating_sub(4)];
        client_read.read_exact(&mut payload).await?;
        if tag == b'E' || tag == b'Q' {
            statements.fetch_add(1, Ordering::SeqCst);
        }
        server_write.write_u8(tag).await?;
        server_write.write_u32(length).await?;
        server_write.write_all(&payload).await?;
    }
}
