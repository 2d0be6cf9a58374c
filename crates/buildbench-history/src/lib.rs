//! The build-time history: every study added to one SQLite file (bundled SQLite, nothing to
//! install), and the series read back per machine, configuration and scenario.
//!
//! The file carries SQLite's `application_id` (`BUILDBENCH_ID`) and its schema version in
//! `user_version`; opening migrates an older schema step by step in one transaction, and refuses
//! a file that is not SQLite or is another program's database (nothing is written to it).
//! Write-ahead logging and a busy timeout let parallel CI jobs add at once. A study is stored
//! once: its digest (of its samples and environment) is unique, so adding it again is a no-op.

use std::path::{Path, PathBuf};

use buildbench_model::{Scenario, Study, Word as _};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// `PRAGMA application_id` of a buildbench history: "bbh1".
pub const BUILDBENCH_ID: i32 = 0x6262_6831;

/// The current schema version (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 2;

/// Each step brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: studies and their cells.
    "CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        project TEXT NOT NULL,
        commit_sha TEXT,
        branch TEXT,
        date TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        machine TEXT NOT NULL,
        cargo_args TEXT NOT NULL,
        added_at INTEGER NOT NULL
    );
    CREATE TABLE cells (
        study INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        configuration TEXT NOT NULL,
        scenario TEXT NOT NULL,
        median REAL NOT NULL,
        ci_low REAL,
        ci_high REAL,
        samples TEXT NOT NULL
    );
    CREATE INDEX cells_series ON cells (configuration, scenario, study);",
    // 2: per-unit times of each cell's representative sample, to name the crates behind a
    // change point.
    "CREATE TABLE units (
        study INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        configuration TEXT NOT NULL,
        scenario TEXT NOT NULL,
        unit TEXT NOT NULL,
        seconds REAL NOT NULL
    );
    CREATE INDEX units_cell ON units (configuration, scenario, study);",
];

/// What went wrong with a history file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{path}: not a SQLite database ({detail}); pass another --db, or move this file away")]
    NotSqlite { path: PathBuf, detail: String },
    #[error(
        "{path}: a SQLite database of another program (application_id {found:#x}); buildbench leaves it untouched; pass another --db"
    )]
    Foreign { path: PathBuf, found: i32 },
    #[error(
        "{path}: written by a newer buildbench (schema version {found}, this one reads up to {SCHEMA_VERSION}); update buildbench"
    )]
    Newer { path: PathBuf, found: i32 },
    #[error("{path}: {detail}")]
    Sqlite { path: PathBuf, detail: String },
}

/// An open history.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

/// Where a study came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Provenance {
    pub commit: Option<String>,
    pub branch: Option<String>,
    /// ISO 8601; sorts the series.
    pub date: String,
}

use buildbench_model::history::trend;
pub use buildbench_model::history::{Point, Series, Trend, UnitTimes};

/// Runs `f` again while SQLite answers "busy" or "locked" without having waited (the cases its
/// busy timeout does not cover), for up to 30 s.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

impl History {
    /// Opens (or creates) the history at `path`, migrating an older schema.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let sql = sql_error(path);
        // Refuse what is not SQLite before SQLite touches it (it would not write to it either,
        // but the message should say what the file is).
        // Only the 16-byte header is read, and only from a regular file: a pipe or a device
        // named as the history is refused before it is opened.
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
        {
            return Err(HistoryError::NotSqlite {
                path: path.to_owned(),
                detail: "not a regular file (a pipe, a device or a folder)".to_owned(),
            });
        }
        let header = std::fs::File::open(path).and_then(|f| {
            use std::io::Read as _;
            let mut bytes = Vec::new();
            f.take(16).read_to_end(&mut bytes).map(|_| bytes)
        });
        if let Ok(bytes) = header
            && !bytes.is_empty()
            && bytes != b"SQLite format 3\0"
        {
            return Err(HistoryError::NotSqlite { path: path.to_owned(), detail: "no SQLite header".to_owned() });
        }
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(sql)?;
        // One read transaction, so the three reads see one state of the file even while another
        // process creates it.
        let (app, version, tables) = {
            let tx = conn.unchecked_transaction().map_err(sql)?;
            let app: i32 = tx
                .query_row("PRAGMA application_id", [], |r| r.get(0))
                .map_err(|e| HistoryError::NotSqlite { path: path.to_owned(), detail: e.to_string() })?;
            let version: i32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql)?;
            let tables: i64 = tx
                .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
            (app, version, tables)
        };
        if app != BUILDBENCH_ID && (app != 0 || tables > 0) {
            return Err(HistoryError::Foreign { path: path.to_owned(), found: app });
        }
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer { path: path.to_owned(), found: version });
        }
        // Switching to WAL takes an exclusive lock from inside a read lock; when two processes
        // do it at once, SQLite reports "database is locked" to one of them at once instead of
        // waiting (its deadlock rule), so the busy timeout does not cover it: retry here.
        retry_busy(|| conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))).map_err(sql)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;").map_err(sql)?;
        let mut history = History { conn, path: path.to_owned() };
        history.migrate(version)?;
        Ok(history)
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> HistoryError + Copy + '_ {
        sql_error(&self.path)
    }

    /// Applies the migrations after `from`, each with its version bump, in one transaction that
    /// takes the write lock first (two processes opening a new file migrate it once).
    fn migrate(&mut self, from: i32) -> Result<(), HistoryError> {
        if from >= SCHEMA_VERSION {
            return Ok(());
        }
        let path = self.path.clone();
        let sql = sql_error(&path);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql)?;
        // Another process may have migrated while this one waited for the lock.
        let now: i32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql)?;
        for (i, step) in MIGRATIONS.iter().enumerate().skip(usize::try_from(now).unwrap_or(0)) {
            tx.execute_batch(step).map_err(sql)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)).map_err(sql)?;
        }
        tx.execute_batch(&format!("PRAGMA application_id = {BUILDBENCH_ID}")).map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// Test hook: a history at an older schema version, as an older buildbench left it.
    #[doc(hidden)]
    pub fn create_at_version(path: &Path, version: usize) -> Result<(), HistoryError> {
        let sql = sql_error(path);
        let conn = Connection::open(path).map_err(sql)?;
        for (i, step) in MIGRATIONS.iter().take(version).enumerate() {
            conn.execute_batch(step).map_err(sql)?;
            conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1)).map_err(sql)?;
        }
        conn.execute_batch(&format!("PRAGMA application_id = {BUILDBENCH_ID}")).map_err(sql)
    }

    /// The schema version of the open file.
    pub fn version(&self) -> Result<i32, HistoryError> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(self.sql())
    }

    /// Adds a study; `false` when it was already there (same digest).
    pub fn add(&mut self, study: &Study, from: &Provenance) -> Result<bool, HistoryError> {
        let digest = digest(study);
        let machine = buildbench_model::fingerprint(&study.environment);
        let path = self.path.clone();
        let sql = sql_error(&path);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql)?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM studies WHERE digest = ?1", params![digest], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        if exists.is_some() {
            return Ok(false);
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        tx.execute(
            "INSERT INTO studies (digest, project, commit_sha, branch, date, started_at, machine, cargo_args, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                digest,
                study.project,
                from.commit,
                from.branch,
                from.date,
                i64::try_from(study.started_at).unwrap_or(i64::MAX),
                machine,
                study.plan.cargo_args.join(" "),
                i64::try_from(now).unwrap_or(i64::MAX),
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        {
            let mut cell = tx
                .prepare_cached(
                    "INSERT INTO cells (study, configuration, scenario, median, ci_low, ci_high, samples)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(sql)?;
            let mut unit = tx
                .prepare_cached(
                    "INSERT INTO units (study, configuration, scenario, unit, seconds) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            // The samples grouped by cell once, so a study of many cells is added in linear time.
            let runs = study.cells();
            for (c, scenario) in study.plan.cells() {
                let Some(configuration) = study.plan.configurations.get(c) else { continue };
                let times = runs.wall_times(&configuration.name, scenario);
                // Wall times: the stored interval is floored at half the clock's resolution.
                let resolution = buildbench_model::stats::WALL_RESOLUTION;
                let Some(summary) = buildbench_model::stats::Summary::with_resolution(&times, resolution) else {
                    continue;
                };
                let samples = serde_json::to_string(&times).unwrap_or_else(|_| "[]".to_owned());
                cell.execute(params![
                    id,
                    configuration.name,
                    scenario.as_str(),
                    summary.median,
                    summary.ci95.map(|c| c.0),
                    summary.ci95.map(|c| c.1),
                    samples
                ])
                .map_err(sql)?;
                if let Some(sample) = runs.representative(&configuration.name, scenario) {
                    for u in &sample.units {
                        unit.execute(params![id, configuration.name, scenario.as_str(), u.label(), u.duration])
                            .map_err(sql)?;
                    }
                }
            }
        }
        tx.commit().map_err(sql)?;
        Ok(true)
    }

    /// How many studies the history holds.
    pub fn len(&self) -> Result<usize, HistoryError> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM studies", [], |r| r.get(0)).map_err(self.sql())?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Whether the history holds no study.
    pub fn is_empty(&self) -> Result<bool, HistoryError> {
        Ok(self.len()? == 0)
    }

    /// The machine of the newest study (by date), which series default to.
    pub fn newest_machine(&self) -> Result<Option<String>, HistoryError> {
        self.conn
            .query_row("SELECT machine FROM studies ORDER BY date DESC, id DESC LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(self.sql())
    }

    /// Every series (of `machine`, or of all machines together), optionally only one
    /// configuration or scenario, each with its last `last` points, oldest first. Each point's
    /// wall times are read only `with_samples` (the gate needs them; trends do not).
    pub fn series(
        &self,
        machine: Option<&str>,
        configuration: Option<&str>,
        scenario: Option<Scenario>,
        last: Option<usize>,
        with_samples: bool,
    ) -> Result<Vec<Series>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.id, s.commit_sha, s.branch, s.date, '', c.configuration, c.scenario, c.median,
                        c.ci_low, c.ci_high, CASE WHEN ?4 THEN c.samples ELSE '[]' END
                 FROM cells c JOIN studies s ON s.id = c.study
                 WHERE (?1 IS NULL OR s.machine = ?1) AND (?2 IS NULL OR c.configuration = ?2)
                       AND (?3 IS NULL OR c.scenario = ?3)",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![machine, configuration, scenario.map(|s| s.as_str()), with_samples], |r| {
                let low: Option<f64> = r.get(8)?;
                let high: Option<f64> = r.get(9)?;
                let samples: String = r.get(10)?;
                Ok((
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    Point {
                        study: r.get(0)?,
                        commit: r.get(1)?,
                        branch: r.get(2)?,
                        date: r.get(3)?,
                        median: r.get(7)?,
                        ci95: low.zip(high),
                        samples: if samples == "[]" {
                            Vec::new()
                        } else {
                            serde_json::from_str(&samples).unwrap_or_default()
                        },
                    },
                ))
            })
            .map_err(self.sql())?;
        // Sorted here rather than by SQLite: an order over the join costs a sort of every row
        // there (1.2 s of a 10,000-study report), a few milliseconds here.
        let mut rows: Vec<(String, String, String, Point)> = rows.collect::<Result<_, _>>().map_err(self.sql())?;
        rows.sort_by(|a, b| (&a.2, &a.1, &a.3.date, a.3.study).cmp(&(&b.2, &b.1, &b.3.date, b.3.study)));
        let mut out: Vec<Series> = Vec::new();
        for (_, configuration, scenario, point) in rows {
            let key_machine = machine.map_or_else(|| "all machines".to_owned(), str::to_owned);
            match out.last_mut() {
                Some(s) if s.configuration == configuration && s.scenario == scenario => s.points.push(point),
                _ => out.push(Series { machine: key_machine, configuration, scenario, points: vec![point] }),
            }
        }
        if let Some(n) = last {
            for s in &mut out {
                let drop = s.points.len().saturating_sub(n);
                s.points.drain(..drop);
            }
        }
        Ok(out)
    }

    /// The trends of `series` (as `series` read them): each series' change points, newest
    /// shift and last level (`buildbench_model::history::trend`), with the units behind each
    /// change read from this history.
    pub fn trends(&self, series: Vec<Series>) -> Result<Vec<Trend>, HistoryError> {
        series
            .into_iter()
            .map(|s| {
                let (configuration, scenario) = (s.configuration.clone(), s.scenario.clone());
                trend(s, |ids| self.units(&configuration, &scenario, ids))
            })
            .collect()
    }

    /// Per unit, its seconds in each of `studies` for one cell.
    pub fn units(&self, configuration: &str, scenario: &str, studies: &[i64]) -> Result<Vec<UnitTimes>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT unit, study, seconds FROM units WHERE configuration = ?1 AND scenario = ?2 ORDER BY unit, study",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![configuration, scenario], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, f64>(2)?))
            })
            .map_err(self.sql())?;
        let wanted: std::collections::HashSet<i64> = studies.iter().copied().collect();
        let mut out: Vec<UnitTimes> = Vec::new();
        for row in rows {
            let (unit, study, seconds) = row.map_err(self.sql())?;
            if !wanted.contains(&study) {
                continue;
            }
            match out.last_mut() {
                Some((u, list)) if *u == unit => list.push((study, seconds)),
                _ => out.push((unit, vec![(study, seconds)])),
            }
        }
        Ok(out)
    }
}

/// Test hook: a SQLite database of another program (one table of its own, no application id).
#[doc(hidden)]
pub fn create_foreign(path: &Path) -> Result<(), HistoryError> {
    let conn = Connection::open(path).map_err(sql_error(path))?;
    conn.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);").map_err(sql_error(path))
}

/// Turns a SQLite error into one that names the file.
fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> HistoryError + Copy + '_ {
    move |e| HistoryError::Sqlite { path: path.to_owned(), detail: e.to_string() }
}

/// What identifies a study: its environment, plan and every sample (FNV-1a of their JSON).
pub fn digest(study: &Study) -> String {
    let text =
        serde_json::to_string(&(&study.environment, &study.plan, &study.samples, study.started_at)).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}
