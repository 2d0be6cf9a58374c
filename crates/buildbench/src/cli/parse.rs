//! Parsers of flag values (fractions, factors, dates, shards, word lists) and the calendar
//! arithmetic the CLI needs, kept free of clap so they are plain functions.

/// The one rule `compare` and `link` share for `--runs`: at least 1, and a note below
/// `stats::MIN_SAMPLES`, where the cells get values but no interval, p-value or verdict.
pub fn check_runs(runs: u32) -> anyhow::Result<()> {
    if runs == 0 {
        anyhow::bail!("--runs must be at least 1");
    }
    let least = buildbench_model::stats::MIN_SAMPLES;
    // Said even with --quiet: it changes what the results can say.
    if (runs as usize) < least {
        eprintln!(
            "note: --runs {runs} gives each cell fewer than {least} samples: its times are shown, with no interval, \
             p-value or verdict (intervals from 1 or 2 samples reach below zero); use --runs {least} or more for those"
        );
    }
    Ok(())
}

/// Unix seconds as UTC (year, month, day, hour, minute, second): days-to-civil from
/// H. Hinnant's date algorithms.
pub fn civil(secs: u64) -> (i64, i64, i64, u64, u64, u64) {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rest / 3600, rest / 60 % 60, rest % 60)
}

/// `5%` or `0.05` → 0.05.
pub fn parse_fraction(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("{text:?} is not a percentage (e.g. 5% or 0.05)"))?;
    if !(0.0..1.0).contains(&value) {
        return Err(format!("{text:?} must be between 0% and 100%"));
    }
    Ok(value)
}

/// A cargo profile name: one name, not a list (`--profile dev,fast-dev` meant presets before
/// they were renamed, and cargo would fail every build on it).
pub fn parse_cargo_profile(text: &str) -> Result<String, String> {
    if text.contains(',') {
        return Err(format!(
            "{text:?} is a list, and --profile is the one cargo profile to build; did you mean --preset {text} (the dev-profile presets to compare)?"
        ));
    }
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("{text:?} is not a cargo profile name (letters, digits, - and _)"));
    }
    Ok(text.to_owned())
}

/// A positive finite factor.
pub fn parse_factor(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 && f <= 1000.0 => Ok(f),
        _ => Err(format!("{text:?} is not a factor between 0 and 1000 (e.g. 0.5 for twice as fast)")),
    }
}

/// `NAME=F`.
pub fn parse_named_factor(text: &str) -> Result<(String, f64), String> {
    let (name, f) = text.split_once('=').ok_or_else(|| format!("{text:?} is not NAME=F (e.g. syn=0.5)"))?;
    Ok((name.trim().to_owned(), parse_factor(f)?))
}

/// `NAME=K`, 2 ≤ K ≤ 64.
pub fn parse_named_parts(text: &str) -> Result<(String, u32), String> {
    let (name, k) = text.split_once('=').ok_or_else(|| format!("{text:?} is not NAME=K (e.g. syn=2)"))?;
    match k.trim().parse::<u32>() {
        Ok(k) if (2..=64).contains(&k) => Ok((name.trim().to_owned(), k)),
        _ => Err(format!("{text:?}: K must be a number of parts from 2 to 64")),
    }
}

/// An ISO 8601 date (`2026-12-07`) or date and time (`2026-12-07T03:15:00Z`, with an offset or
/// without): a real calendar date, as the history orders its series by it.
pub fn parse_date(text: &str) -> Result<String, String> {
    let t = text.trim();
    let bad = || format!("{text:?} is not an ISO 8601 date such as 2026-12-07 or 2026-12-07T03:15:00Z");
    let date = t.get(..10).ok_or_else(bad)?;
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(bad());
    }
    let (y, m, d): (u32, u32, u32) =
        (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d == 0 || d > days.get(m as usize - 1).copied().unwrap_or(0) {
        return Err(bad());
    }
    let rest = t.get(10..).unwrap_or("");
    if !rest.is_empty() {
        let time = rest.strip_prefix(['T', ' ']).ok_or_else(bad)?;
        let clock: Vec<&str> = time.get(..8).ok_or_else(bad)?.split(':').collect();
        let ok = clock.len() == 3
            && clock.iter().all(|p| digits(p, 2))
            && clock.first().and_then(|h| h.parse::<u32>().ok()).is_some_and(|h| h < 24)
            && clock.iter().skip(1).all(|p| p.parse::<u32>().is_ok_and(|v| v < 60));
        if !ok {
            return Err(bad());
        }
    }
    Ok(t.to_owned())
}

/// `2/4` → (2, 4), with 1 ≤ K ≤ N.
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (k, n) = text.split_once('/').ok_or_else(|| format!("{text:?} is not K/N (e.g. 1/2)"))?;
    let (k, n): (u32, u32) = (
        k.trim().parse().map_err(|_| format!("{text:?}: K is not a number"))?,
        n.trim().parse().map_err(|_| format!("{text:?}: N is not a number"))?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!("{text:?}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

/// Parses a comma list of domain words (`--linker default,mold`), without repeats.
pub fn words<W: buildbench_model::Word + PartialEq>(list: &[String]) -> anyhow::Result<Vec<W>> {
    let mut out = Vec::new();
    for item in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let w = W::parse(item)?;
        if !out.contains(&w) {
            out.push(w);
        }
    }
    if out.is_empty() {
        anyhow::bail!(
            "an empty list for --{}; expected one or more of: {}",
            W::WHAT,
            W::ALL.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(out)
}
