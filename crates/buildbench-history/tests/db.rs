//! The history on real SQLite files: creation, migration from an older schema, idempotent
//! adds, refusals that leave the file untouched.

use std::path::PathBuf;

use buildbench_history::{History, HistoryError, Provenance, SCHEMA_VERSION};
use buildbench_model::Study;

fn study() -> Study {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/studies/example-claims-nightly.json");
    Study::from_json(&std::fs::read(path).expect("fixture")).expect("study")
}

fn from(commit: &str, date: &str) -> Provenance {
    Provenance { commit: Some(commit.to_owned()), branch: Some("main".to_owned()), date: date.to_owned() }
}

#[test]
fn a_new_history_is_created_and_a_study_is_kept_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.sqlite");
    let mut h = History::open(&db).expect("opens");
    assert_eq!(h.version().expect("version"), SCHEMA_VERSION);
    let s = study();
    assert!(h.add(&s, &from("abc", "2026-11-01T00:00:00Z")).expect("adds"));
    assert!(!h.add(&s, &from("abc", "2026-11-01T00:00:00Z")).expect("adds"), "the same study again");
    assert_eq!(h.len().expect("len"), 1);
    let series = h.series(None, Some("default"), None, None, true).expect("series");
    assert!(!series.is_empty());
    assert_eq!(series[0].points.len(), 1);
    assert_eq!(series[0].points[0].commit.as_deref(), Some("abc"));
    // Units of the representative samples are there to name the crates behind a change.
    let units = h.units("default", "clean", &[series[0].points[0].study]).expect("units");
    assert!(units.iter().any(|(u, _)| u.contains("example")), "{units:?}");
    drop(h);
    // Reopening keeps everything.
    assert_eq!(History::open(&db).expect("reopens").len().expect("len"), 1);
}

#[test]
fn an_older_schema_is_migrated_and_keeps_its_studies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("old.sqlite");
    History::create_at_version(&db, 1).expect("old schema");
    let h = History::open(&db).expect("migrates");
    assert_eq!(h.version().expect("version"), SCHEMA_VERSION);
    let mut h = h;
    assert!(h.add(&study(), &from("a", "2026-11-01")).expect("adds into the migrated schema"));
}

#[test]
fn foreign_and_damaged_files_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "these are my notes, not a database\n").expect("write");
    let before = std::fs::read(&text).expect("read");
    assert!(matches!(History::open(&text), Err(HistoryError::NotSqlite { .. })));
    assert_eq!(std::fs::read(&text).expect("read"), before);
    assert!(!dir.path().join("notes.sqlite-wal").exists());

    // Another program's SQLite database.
    let other = dir.path().join("other.sqlite");
    buildbench_history::create_foreign(&other).expect("create");
    let before = std::fs::read(&other).expect("read");
    let err = History::open(&other).err().expect("refused");
    assert!(err.to_string().contains("another program"), "{err}");
    assert_eq!(std::fs::read(&other).expect("read"), before);
}
