//! A throwaway PostgreSQL 15 cluster of its own, for tests that stop, freeze or restart the
//! database: created with `initdb` in a temporary directory, started with `pg_ctl` on a port of
//! its own, and removed when dropped. The shared server on 5432 is never touched.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Debian's PostgreSQL 15 packages put the server programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster; stopped and deleted on drop.
pub struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    /// Creates and starts a cluster. PostgreSQL refuses to run as root, so when the tests run
    /// as root the server runs as the `postgres` user the packages create.
    pub fn start() -> Self {
        let mut cluster = Self::in_new_directory("atelier-pg-");
        let data = cluster.data();
        cluster.pg(
            "initdb",
            &["-D", path(&data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C"],
        );
        // A port of its own: a few tries, in case another process takes the one picked.
        for _ in 0..5 {
            cluster.port = free_port();
            if cluster.try_start() {
                return cluster;
            }
        }
        panic!("the throwaway PostgreSQL cluster did not start: {}", cluster.log_text());
    }

    /// A streaming replica of this cluster (`pg_basebackup -R`), started on a port of its own;
    /// it follows the primary until stopped or dropped.
    pub fn replica(&self) -> Self {
        let mut replica = Self::in_new_directory("atelier-pg-replica-");
        let data = replica.data();
        let port = self.port.to_string();
        replica.pg(
            "pg_basebackup",
            &[
                "-D",
                path(&data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
            ],
        );
        for _ in 0..5 {
            replica.port = free_port();
            if replica.try_start() {
                return replica;
            }
        }
        panic!("the replica did not start: {}", replica.log_text());
    }

    /// Runs `sql` on its `postgres` database with psql, returning what it prints.
    pub fn psql(&self, sql: &str) -> String {
        let output = Command::new("psql")
            .args([
                "-X",
                "-qAt",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
            ])
            .output()
            .expect("psql");
        assert!(output.status.success(), "psql {sql:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// A cluster not started yet, in a new temporary directory the server's user owns.
    fn in_new_directory(prefix: &str) -> Self {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir().expect("a temporary directory");
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres", path(dir.path())])
                .status()
                .expect("chown");
            assert!(status.success(), "failed to give the cluster's directory to the postgres user");
        }
        Self { dir, port: 0 }
    }

    /// A URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (fast: open connections are closed).
    pub fn stop(&self) {
        self.pg("pg_ctl", &["-D", path(&self.data()), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the server again after [`stop`](Self::stop), on the same port.
    pub fn restart(&self) {
        assert!(self.try_start(), "the throwaway cluster did not restart: {}", self.log_text());
    }

    /// Freezes every server process (`SIGSTOP`): connections stay open and nothing answers, as
    /// when a database host hangs.
    pub fn freeze(&self) {
        self.signal_all("-STOP");
    }

    /// Undoes [`freeze`](Self::freeze).
    pub fn thaw(&self) {
        self.signal_all("-CONT");
    }

    fn try_start(&self) -> bool {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off",
            self.port,
            path(self.dir.path())
        );
        let log = self.log();
        self.as_server_user_status(&[
            &format!("{BIN}/pg_ctl"),
            "-D",
            path(&self.data()),
            "-o",
            &options,
            "-l",
            path(&log),
            "-w",
            "-t",
            "30",
            "start",
        ])
    }

    /// The postmaster and every process it started.
    fn signal_all(&self, signal: &str) {
        let pid_file =
            std::fs::read_to_string(self.data().join("postmaster.pid")).expect("a running cluster");
        let postmaster: u32 =
            pid_file.lines().next().and_then(|l| l.trim().parse().ok()).expect("a postmaster pid");
        let mut pids = vec![postmaster];
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            // The parent pid is the second field after the command name, which is in parentheses.
            let parent = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
            if parent.and_then(|p| p.parse::<u32>().ok()) == Some(postmaster) {
                pids.push(pid);
            }
        }
        // One at a time: a backend may exit between the listing and the signal.
        for pid in pids {
            let _ = Command::new("kill").arg(signal).arg(pid.to_string()).status();
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }

    /// Runs a PostgreSQL program as the server's user, panicking with its output on failure.
    fn pg(&self, program: &str, args: &[&str]) {
        let program = format!("{BIN}/{program}");
        let mut command: Vec<&str> = vec![&program];
        command.extend_from_slice(args);
        assert!(self.as_server_user_status(&command), "{program} {args:?} failed: {}", self.log_text());
    }

    /// Runs `command` (program first) as the `postgres` user when the tests run as root.
    fn as_server_user_status(&self, command: &[&str]) -> bool {
        let mut runner = Command::new(if is_root() { "runuser" } else { command[0] });
        if is_root() {
            runner.args(["-u", "postgres", "--"]).args(command);
        } else {
            runner.args(&command[1..]);
        }
        runner.output().is_ok_and(|output| output.status.success())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.port != 0 {
            self.thaw_quietly();
            let _ = self.as_server_user_status(&[
                &format!("{BIN}/pg_ctl"),
                "-D",
                path(&self.data()),
                "-m",
                "immediate",
                "-w",
                "stop",
            ]);
        }
    }
}

impl Cluster {
    fn thaw_quietly(&self) {
        if self.data().join("postmaster.pid").exists() {
            self.thaw();
        }
    }
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Whether this process runs as root (which holds every capability unless told otherwise).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// A port nothing listens on now. The server binds it a moment later; `Cluster::start` retries
/// if another process took it meanwhile.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
