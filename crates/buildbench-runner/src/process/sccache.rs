//! A private sccache server per configuration: its own port and cache directory, so the user's
//! own server and cache are never touched, and statistics belong to one build at a time.

use std::path::{Path, PathBuf};

use buildbench_model::SccacheStats;
use serde_json::Value;

use crate::build::probe;
use crate::{Invocation, RunnerError};

/// Settings of one private sccache server.
#[derive(Debug, Clone, PartialEq)]
pub struct Sccache {
    pub program: PathBuf,
    pub dir: PathBuf,
    pub port: u16,
    /// An empty config file, so a user config (e.g. a remote bucket) cannot apply.
    pub conf: PathBuf,
}

/// Variables that would point sccache at a remote or shared cache.
const REMOTE_VARS: &[&str] = &[
    "SCCACHE_BUCKET",
    "SCCACHE_REDIS",
    "SCCACHE_REDIS_ENDPOINT",
    "SCCACHE_MEMCACHED",
    "SCCACHE_GCS_BUCKET",
    "SCCACHE_AZURE_CONNECTION_STRING",
    "SCCACHE_GHA_ENABLED",
    "SCCACHE_WEBDAV_ENDPOINT",
    "SCCACHE_OSS_BUCKET",
];

impl Sccache {
    /// Adds the variables every process talking to this server needs.
    pub fn apply(&self, invocation: Invocation) -> Invocation {
        let mut invocation = invocation
            // The private cache directory and port: never the user's server or cache.
            .env("SCCACHE_DIR", &self.dir)
            .env("SCCACHE_SERVER_PORT", self.port.to_string())
            .env("SCCACHE_CONF", &self.conf)
            // Long enough for any build between two compilations, but finite: a server that
            // outlives its study (the watchdog stops it first) ends by itself.
            .env("SCCACHE_IDLE_TIMEOUT", "1800");
        for var in REMOTE_VARS {
            invocation = invocation.env_remove(var);
        }
        invocation
    }

    fn command(&self, flag: &str) -> Invocation {
        self.apply(Invocation::new(&self.program).arg(flag))
    }

    pub fn start(&self) -> Result<(), RunnerError> {
        std::fs::create_dir_all(&self.dir).map_err(RunnerError::io(&self.dir, "cannot create the cache directory"))?;
        if !self.conf.exists() {
            std::fs::write(&self.conf, "").map_err(RunnerError::io(&self.conf, "cannot write"))?;
        }
        crate::process::watchdog::register(&self.resource());
        // On a loaded machine the server can miss sccache's start-up deadline; a second or third
        // attempt finds it running or starts it.
        let mut result = probe::capture(&self.command("--start-server")).map(drop);
        for _ in 0..2 {
            if result.is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
            result = probe::capture(&self.command("--start-server")).map(drop);
        }
        result
    }

    pub fn stop(&self) {
        let _ = probe::capture(&self.command("--stop-server"));
        crate::process::watchdog::unregister(&self.resource());
    }

    fn resource(&self) -> crate::process::watchdog::Resource {
        crate::process::watchdog::Resource::Sccache { program: self.program.clone(), port: self.port }
    }

    pub fn zero(&self) -> Result<(), RunnerError> {
        probe::capture(&self.command("--zero-stats")).map(drop)
    }

    pub fn stats(&self) -> Result<SccacheStats, RunnerError> {
        let invocation = self.command("--show-stats").args(["--stats-format", "json"]);
        let text = probe::capture(&invocation)?;
        parse_stats(&text).ok_or_else(|| RunnerError::Command {
            command: invocation.shell_line(),
            detail: "unexpected statistics format".to_owned(),
        })
    }

    /// Empties the cache: stop the server, delete its directory, start it again.
    pub fn wipe(&self) -> Result<(), RunnerError> {
        self.stop();
        crate::files::fsutil::remove_tree(&self.dir)?;
        self.start()
    }
}

/// Adds `server` to the list in `file`: the servers a killed run may have left running.
pub fn record(file: &Path, server: &Sccache) -> Result<(), RunnerError> {
    let mut servers = recorded(file);
    servers.push((server.program.clone(), server.port));
    let bytes = serde_json::to_vec(&servers)
        .map_err(|e| RunnerError::Encode { what: "list of sccache servers", detail: e.to_string() })?;
    crate::files::fsutil::write_atomic(file, &bytes)
}

/// Stops every server listed in `file` (left by a killed run) and removes the list.
pub fn stop_recorded(file: &Path) {
    for (program, port) in recorded(file) {
        let _ =
            probe::capture(&Invocation::new(program).arg("--stop-server").env("SCCACHE_SERVER_PORT", port.to_string()));
    }
    let _ = std::fs::remove_file(file);
}

/// The servers listed in `file` (program, port); none when it is missing or unreadable.
fn recorded(file: &Path) -> Vec<(PathBuf, u16)> {
    std::fs::read(file).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// A free TCP port on the loopback interface for a private server.
pub fn free_port() -> Result<u16, RunnerError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(RunnerError::io(Path::new("127.0.0.1:0"), "cannot find a free port for sccache"))?;
    listener.local_addr().map(|a| a.port()).map_err(RunnerError::io(Path::new("127.0.0.1:0"), "cannot read the port"))
}

/// Reads `sccache --show-stats --stats-format json` (sccache 0.4 and later).
pub fn parse_stats(text: &str) -> Option<SccacheStats> {
    let v: Value = serde_json::from_str(text).ok()?;
    let stats = v.get("stats")?;
    let count = |key: &str| -> u64 {
        stats
            .get(key)
            .and_then(|c| c.get("counts"))
            .and_then(Value::as_object)
            .map_or(0, |m| m.values().filter_map(Value::as_u64).sum())
    };
    let mut not_cached: Vec<(String, u64)> = stats
        .get("not_cached")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_u64()?))).collect())
        .unwrap_or_default();
    not_cached.sort();
    Some(SccacheStats {
        requests: stats.get("compile_requests").and_then(Value::as_u64).unwrap_or(0),
        hits: count("cache_hits"),
        misses: count("cache_misses"),
        not_cached,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sccache_0_4_statistics() {
        let text = r#"{"stats":{"compile_requests":12,"cache_hits":{"counts":{"Rust":7}},"cache_misses":{"counts":{"Rust":2,"C/C++":1}},"not_cached":{"crate-type":2,"incremental":1}},"cache_location":"Local disk"}"#;
        let s = parse_stats(text).unwrap();
        assert_eq!((s.requests, s.hits, s.misses), (12, 7, 3));
        assert_eq!(s.not_cached, [("crate-type".to_owned(), 2), ("incremental".to_owned(), 1)]);
        assert!(parse_stats("not json").is_none());
    }
}
