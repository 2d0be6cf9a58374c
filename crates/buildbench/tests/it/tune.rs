//! `buildbench tune` on the example workspace with a small budget and real builds. A loaded
//! 2-core machine decides which settings win, so the tests check structure and honesty (every
//! candidate accounted for, the confirmation on fresh samples of its own, the budget kept, the
//! user's files untouched or written by apply), never a particular speedup.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::*;

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .expect("valid JSON")
}

/// The measured wall times of `configuration` in a study.
fn walls(study: &serde_json::Value, configuration: &str) -> Vec<f64> {
    study["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .filter(|s| s["configuration"] == configuration && s["success"] == true && s["warmup"] != true)
        .map(|s| s["wall_seconds"].as_f64().expect("wall"))
        .collect()
}

#[test]
fn tune_dry_run_lists_the_space_with_trade_offs_and_builds_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = dir.path().join("out");
    let before = tree(&project);
    let o = run(&["tune", s(&project), "--dry-run", "-o", s(&out)]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("debuginfo: debug=0 (no debug info"), "{stdout}");
    assert!(stdout.contains("codegen-units: codegen-units=16"), "{stdout}");
    // Nothing that needs nightly without --allow nightly, and it says so.
    assert!(!stdout.contains("backend: cranelift"), "{stdout}");
    assert!(stdout.contains("not searched:"), "{stdout}");
    assert!(!out.exists(), "a dry run writes no folder");
    assert!(tree(&project) == before, "a dry run leaves the project as it was");
    let bad = run(&["tune", s(&project), "--dry-run", "--allow", "everything"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nightly, runtime"));
    // Not a project: refused at once, --dry-run or not.
    let nowhere = run(&["tune", s(dir.path()), "--dry-run"]);
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("not a cargo project"));
}

#[test]
fn tune_offers_only_changes_from_the_project_s_own_profile_and_linker() {
    // A custom profile that inherits dev with line tables already, mold in the project's own
    // cargo config, and no Cargo.lock (cargo would write one: tune asks it in a copy).
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let manifest = project.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(&manifest, format!("{text}\n[profile.fast]\ninherits = \"dev\"\ndebug = \"line-tables-only\"\n"))
        .expect("write");
    std::fs::create_dir_all(project.join(".cargo")).expect("mkdir");
    let fuse = buildbench_model::linker::fuse_ld("mold");
    let config = format!("[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"link-arg={fuse}\"]\n");
    std::fs::write(project.join(".cargo/config.toml"), config).expect("config");
    let _ = std::fs::remove_file(project.join("Cargo.lock"));
    let before = tree(&project);
    let o = run(&["tune", s(&project), "--dry-run", "--", "--profile", "fast"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("the project now: profile fast, unoptimised, debug=line-tables-only"), "{stdout}");
    assert!(stdout.contains("(from cargo's unit graph)"), "{stdout}");
    // dev's options (16 units, no trade-off), not an optimised profile's 256 with --allow runtime.
    assert!(stdout.contains("codegen-units: codegen-units=16 (none in an unoptimised profile)"), "{stdout}");
    assert!(stdout.contains("debuginfo: debug=0"), "{stdout}");
    assert!(stdout.contains("not searched: debug=line-tables-only: the fast profile already has"), "{stdout}");
    assert!(stdout.contains(", linker mold (from"), "{stdout}");
    assert!(stdout.contains("not searched: mold: the project already links with mold"), "{stdout}");
    assert!(!stdout.contains("linker: mold"), "{stdout}");
    assert!(tree(&project) == before, "asking cargo wrote nothing into the project (not even Cargo.lock)");
}

#[test]
fn a_refused_tune_writes_nothing_over_an_earlier_one_and_nothing_into_the_project() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let before = tree(&project);
    // An earlier tune's folder: refused before anything runs, its files as they were.
    let earlier = dir.path().join("earlier");
    std::fs::create_dir_all(&earlier).expect("mkdir");
    std::fs::write(earlier.join("tune.json"), "{\"earlier\": true}").expect("write");
    std::fs::write(earlier.join("report.html"), "earlier").expect("write");
    let o = run(&["tune", s(&project), "--budget", "1m", "-o", s(&earlier)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a tune cannot be resumed"), "{o:?}");
    assert_eq!(std::fs::read_to_string(earlier.join("tune.json")).expect("tune.json"), "{\"earlier\": true}");
    assert_eq!(std::fs::read_to_string(earlier.join("report.html")).expect("report.html"), "earlier");
    // -o inside the project: refused, and no folder left in the project.
    let inside = project.join("results");
    let o = run(&["tune", s(&project), "--budget", "1m", "-o", s(&inside)]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("inside the project"), "{o:?}");
    assert!(!inside.exists(), "nothing written into the project");
    assert_eq!(tree(&project), before);

    // --apply onto uncommitted changes: refused before the search, not after it.
    let repo = git_project(dir.path());
    let manifest = repo.join("Cargo.toml");
    let edited = format!("{}\n# mine\n", std::fs::read_to_string(&manifest).expect("Cargo.toml"));
    std::fs::write(&manifest, &edited).expect("write");
    let out = dir.path().join("dirty");
    let started = std::time::Instant::now();
    let o = run(&["tune", s(&repo), "--budget", "1m", "--apply", "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("uncommitted changes"), "{o:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "refused before building");
    assert!(!out.exists(), "no output folder for a refused tune");
    assert_eq!(std::fs::read_to_string(&manifest).expect("Cargo.toml"), edited);
}

/// The seconds of `configuration`'s successful samples of `scenario` in a study, by round:
/// `(index, warm-up, seconds)`.
fn by_round(study: &serde_json::Value, configuration: &str, scenario: &str) -> Vec<(u64, bool, f64)> {
    study["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .filter(|s| s["configuration"] == configuration && s["scenario"] == scenario && s["success"] == true)
        .map(|s| {
            let index = s["index"].as_u64().expect("index");
            (index, s["warmup"] == true, s["wall_seconds"].as_f64().expect("wall"))
        })
        .collect()
}

#[test]
fn tune_with_weighed_goals_races_sccache_on_a_warm_cache_and_sums_each_round() {
    if !has("sccache") {
        require_or_skip("sccache", "sccache is not installed (apt-get install -y sccache)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = dir.path().join("tune");
    let before = tree(&project);
    // sccache can save the whole build (its bound), so even a budget that fits few options tries it.
    let args = ["tune", s(&project), "--budget", "2m", "--goal", "incremental=3,clean=1", "--output", s(&out)];
    let o = run(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("goal: 3×incremental + 1×clean builds"), "{stdout}");
    assert_eq!(tree(&project), before);
    let tune = read_json(&out.join("tune.json"));
    assert_eq!(tune["weights"], serde_json::json!([["incremental", 3.0], ["clean", 1.0]]));
    assert_eq!(tune["goal"], "incremental");

    let singles = read_json(&out.join("stages/2-singles/study.json"));
    // sccache's clean samples are clean builds with a cache its preparation build filled,
    // taken in the same rounds as the others' plain clean builds; no cold-cache samples.
    let warm = by_round(&singles, "sccache", "clean-warm-cache");
    let measured = |v: &[(u64, bool, f64)]| v.iter().filter(|(_, w, _)| !w).count();
    assert!(measured(&warm) >= 3, "{warm:?}\n{stdout}");
    assert!(by_round(&singles, "sccache", "clean").is_empty());
    assert!(by_round(&singles, "sccache", "clean-cold-cache").is_empty());
    // Every measured edit-build follows a clean build in these rounds: each has a warm-up
    // edit-build of its own round before it.
    let incremental = by_round(&singles, "default", "incremental");
    let clean = by_round(&singles, "default", "clean");
    for &(index, _, _) in incremental.iter().filter(|(_, w, _)| !w) {
        assert!(incremental.iter().any(|&(i, w, _)| i == index && w), "round {index}: {incremental:?}");
    }
    // The search's samples of the default are 3 x incremental + clean, round by round.
    let names: Vec<&str> = tune["names"].as_array().expect("names").iter().filter_map(|n| n.as_str()).collect();
    let entry = |name: &str| {
        let id = names.iter().position(|&n| n == name).expect("a candidate");
        tune["search"]["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .find(|e| e["stage"] == "singles" && e["candidate"] == id)
            .expect("an entry in the singles")
            .clone()
    };
    let seen: Vec<f64> =
        entry("default")["samples"].as_array().expect("samples").iter().filter_map(|v| v.as_f64()).collect();
    let expected: Vec<f64> = clean
        .iter()
        .filter(|(_, w, _)| !w)
        .filter_map(|&(i, _, c)| incremental.iter().find(|&&(j, w, _)| j == i && !w).map(|&(_, _, t)| 3.0 * t + c))
        .collect();
    assert_eq!(seen.len(), expected.len());
    for (a, b) in seen.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-9, "{seen:?} vs {expected:?}");
    }
    assert_eq!(entry("sccache")["samples"].as_array().map(Vec::len), Some(measured(&warm)));
    // incremental=false changes nothing beside sccache (which turns incremental off): no
    // combination carries both.
    assert!(!names.iter().any(|n| n.contains("sccache") && n.contains("incremental=false")), "{names:?}");
}

#[test]
fn tune_searches_within_its_budget_confirms_on_fresh_samples_and_applies_the_winner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = dir.path().join("tune");
    let budget = 120.0;
    let o = run(&["tune", s(&project), "--budget", "2m", "--goal", "incremental", "--output", s(&out), "--apply"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("The search\n"), "{stdout}");
    assert!(stderr.contains("[tune "), "progress shows the rounds: {stderr}");

    let tune = read_json(&out.join("tune.json"));
    assert_eq!(tune["schema_version"], 1);
    let search = &tune["search"];
    let names: Vec<&str> = tune["names"].as_array().expect("names").iter().map(|n| n.as_str().expect("name")).collect();
    assert_eq!(names.first(), Some(&"default"));
    let entries = search["entries"].as_array().expect("entries");
    // The budget holds, up to the last round and the confirmation's minimum.
    let spent = search["spent"].as_f64().expect("spent");
    assert!(spent > 0.0 && spent < 2.0 * budget, "spent {spent} s of {budget} s");
    // Every candidate is accounted for: samples, or a reason it has none.
    for e in entries {
        let n = e["samples"].as_array().expect("samples").len();
        let dropped = &e["dropped"];
        assert!(n > 0 || dropped["why"].as_str().is_some_and(|w| !w.is_empty()), "{e}");
        if let Some(after) = dropped["after"].as_u64() {
            assert_eq!(after as usize, n, "dropped after the samples it has: {e}");
        }
    }
    let stage = |name: &str| -> Vec<&serde_json::Value> { entries.iter().filter(|e| e["stage"] == name).collect() };
    assert!(stage("baseline").iter().all(|e| e["samples"].as_array().expect("samples").len() >= 2));
    assert!(stage("singles").len() >= 2, "the singles were tried: {tune}");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(html.contains("<h2>The search</h2>") && html.contains("<h2>Budget</h2>") && html.contains("<svg"));
    for e in entries {
        let name = names[e["candidate"].as_u64().expect("id") as usize];
        assert!(html.contains(name), "{name} is on the page");
    }
    // Each stage left a study of its own; the work folder the stages shared is gone.
    let stages: Vec<_> = std::fs::read_dir(out.join("stages")).expect("stages").flatten().collect();
    assert!(stages.len() >= 2, "{stages:?}");
    assert!(!out.join("work").exists(), "the shared work folder is removed");
    assert!(stages.iter().all(|s| !s.path().join("work").exists()), "{stages:?}");
    // The default re-enters the singles in its target folder of the baseline stage, so its
    // preparation there rebuilds what the restored edit touched: a small part of the baseline's
    // preparation, a build of everything.
    let preparation = |stage: &str| {
        let study = read_json(&out.join("stages").join(stage).join("study.json"));
        let logged = study["invocations"].as_array().expect("invocations").clone();
        let build = logged
            .into_iter()
            .find(|x| x["configuration"] == "default" && x["purpose"] == "prepare")
            .expect("a preparation of the default");
        (build["command"].as_str().expect("command").to_owned(), build["wall_seconds"].as_f64().expect("seconds"))
    };
    let ((fresh, first), (again, second)) = (preparation("1-baseline"), preparation("2-singles"));
    let target = out.join("work/target/default");
    assert!(fresh.contains(s(&target)) && again.contains(s(&target)), "one target folder: {fresh}\n{again}");
    assert!(second < 0.5 * first, "the singles rebuilt the default from nothing: {second} s after {first} s");

    let outcome = &search["outcome"];
    let winner = outcome["winner"].as_u64().expect("winner") as usize;
    // The guide's presets raced in the same stage as the winner: none that ran to the end was
    // faster there beyond the search's tie margin (within it, fewer changes win), and a dropped
    // one was clearly slower, so the winner is at least the best preset.
    let tie = search["settings"]["tie"].as_f64().expect("tie");
    let combinations = stage("combinations");
    let mean_of = |id: u64| -> Option<f64> {
        let e = combinations.iter().find(|e| e["candidate"].as_u64() == Some(id))?;
        let v: Vec<f64> = e["samples"].as_array()?.iter().filter_map(|x| x.as_f64()).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    if let Some(best) = mean_of(winner as u64) {
        for preset in tune["presets"].as_array().expect("presets") {
            let id = preset[1].as_u64().expect("id");
            let dropped = combinations.iter().any(|e| e["candidate"].as_u64() == Some(id) && e["dropped"].is_object());
            if let (Some(mean), false) = (mean_of(id), dropped) {
                assert!(
                    best <= mean * (1.0 + tie) + 1e-12,
                    "preset {} ({mean}) beat the winner ({best}) in the same stage",
                    preset[0]
                );
            }
        }
    }
    let applied = project.join("Cargo.toml");
    if winner == 0 {
        assert!(outcome["summary"].as_str().is_some_and(|s| s.contains("keep")), "{outcome}");
        return;
    }
    // The confirmation is the folder's own study: the default and the winner, on samples no
    // earlier stage had, as many as it said, and the interval it reports is theirs.
    let study = read_json(&out.join("study.json"));
    let configurations: Vec<&str> = study["plan"]["configurations"]
        .as_array()
        .expect("configurations")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(configurations, ["default", names[winner]]);
    let runs = outcome["confirm_runs"].as_u64().expect("runs") as usize;
    assert!(runs >= 5, "{outcome}");
    let (base, win) = (walls(&study, "default"), walls(&study, names[winner]));
    assert_eq!((base.len(), win.len()), (runs, runs), "{outcome}");
    let confirmation = stage("confirmation");
    let recorded: BTreeSet<u64> = confirmation
        .iter()
        .flat_map(|e| e["samples"].as_array().expect("samples").iter().map(|v| v.as_f64().expect("f64").to_bits()))
        .collect();
    let fresh: BTreeSet<u64> = base.iter().chain(&win).map(|v| v.to_bits()).collect();
    assert_eq!(recorded, fresh, "the search confirmed on exactly the confirmation study's samples");
    let earlier: BTreeSet<u64> = entries
        .iter()
        .filter(|e| e["stage"] != "confirmation")
        .flat_map(|e| e["samples"].as_array().expect("samples").iter().map(|v| v.as_f64().expect("f64").to_bits()))
        .collect();
    assert!(recorded.is_disjoint(&earlier), "no sample of the selection is reused");
    let speedup = outcome["confirmed"]["speedup"].as_f64().expect("speedup");
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!((speedup - mean(&base) / mean(&win)).abs() < 1e-9, "{speedup}");

    // --apply wrote the winner only when it was confirmed faster.
    let text = std::fs::read_to_string(&applied).expect("Cargo.toml");
    let config = std::fs::read_to_string(project.join(".cargo/config.toml")).unwrap_or_default();
    let wrote = text.contains("[profile.dev") || config.contains("fuse-ld");
    if outcome["confirmed_faster"] == true {
        assert!(wrote, "{stdout}\n{text}\n{config}");
    } else {
        assert!(!wrote && stdout.contains("nothing applied"), "{stdout}");
    }
}

/// Starts `buildbench tune` on `project` into `out`, with its own TMPDIR, and waits until its
/// singles stage builds (a stage folder of its own and a cargo of its own running).
fn tune_until_singles_build(project: &Path, out: &Path, tmp: &Path) -> std::process::Child {
    let child = buildbench()
        .args(["tune", s(project), "--budget", "5m", "--goal", "incremental", "--output", s(out), "--apply"])
        .env("TMPDIR", tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    // Every stage builds in the tune's one work folder: a rustc there once the singles' stage
    // folder exists is the singles'.
    let (singles, work) = (out.join("stages/2-singles"), out.join("work"));
    while !(singles.exists() && processes_mentioning(&work).iter().any(|p| p.contains("rustc"))) {
        assert!(std::time::Instant::now() < deadline, "the singles stage never started building");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}

#[test]
fn kill_9_or_ctrl_c_during_a_tune_leaves_the_project_as_it_was_and_nothing_running() {
    for kill in [true, false] {
        let dir = tempfile::tempdir().expect("tempdir");
        let project = project_copy(dir.path());
        let (out, tmp) = (dir.path().join("tune"), dir.path().join("tmp"));
        std::fs::create_dir_all(&tmp).expect("mkdir");
        let before = tree(&project);
        let mut child = tune_until_singles_build(&project, &out, &tmp);
        if !kill {
            // A second tune into the same folder is refused while this one runs, and leaves
            // the running one's work folder alone.
            let o = run(&["tune", s(&project), "--budget", "1m", "-o", s(&out)]);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{stderr}");
            assert!(stderr.contains("the tune's folder") && stderr.contains("wait for it to finish"), "{stderr}");
            assert!(out.join("work/src/Cargo.toml").is_file(), "the running tune's copy is intact");
        }
        if kill {
            child.kill().expect("SIGKILL");
        } else {
            interrupt(&child);
        }
        let status = child.wait().expect("wait");
        if !kill {
            assert_eq!(status.code(), Some(130), "Ctrl-C ends a tune as it ends a compare");
        }
        // The watchdog (or the interrupt) stops every build of the search at once.
        assert_no_process_left(&out);
        if !kill {
            // A tune cannot be resumed: the copy and target folders its stages shared are
            // gone, its record stays.
            assert!(!out.join("work").exists(), "the shared work folder is removed");
            assert!(out.join("tune.json").is_file() && out.join("report.html").is_file());
        }
        assert_eq!(tree(&project), before, "the project is untouched (bytes and mtimes), kill={kill}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::read_dir(&tmp).expect("list").next().is_some() {
            assert!(std::time::Instant::now() < deadline, "temporary folders left: kill={kill}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
