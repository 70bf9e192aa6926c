//! The order trials start in when several run at once: the longest first, by the times the
//! same trials took in earlier runs (kept in the harness's cache). A run's wall time is
//! then close to its total work divided by the jobs, instead of that plus the longest trial
//! when one starts last (the timer cases, whose sleeps no host can shorten, sort late by
//! name). The order changes nothing but when each trial starts: verdicts are kept by trial.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Where the times are kept, in the harness's cache.
const FILE: &str = "trial-times.json";

fn load(cache: &Path) -> HashMap<String, f64> {
    std::fs::read(cache.join(FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The indices of `names` in the order to start them: trials never timed first (they may
/// be long), then the rest, longest first; ties keep their order.
pub fn order(cache: &Path, names: &[&str]) -> Vec<usize> {
    let times = load(cache);
    let mut idx: Vec<usize> = (0..names.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ta, tb) = (times.get(names[a]), times.get(names[b]));
        match (ta, tb) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => y.total_cmp(x),
        }
    });
    idx
}

/// Keep the times of this run's trials for the next. Best effort: two runs writing at once
/// lose some times, never the file (written whole, then renamed).
pub fn record(cache: &Path, took: &[(&str, Duration)]) {
    if took.is_empty() {
        return;
    }
    let mut times = load(cache);
    for (name, d) in took {
        times.insert((*name).to_string(), d.as_secs_f64());
    }
    let Ok(json) = serde_json::to_vec(&times) else {
        return;
    };
    if std::fs::create_dir_all(cache).is_err() {
        return;
    }
    let tmp = cache.join(format!("{FILE}.{}", std::process::id()));
    if std::fs::write(&tmp, json).is_ok() {
        let _ = std::fs::rename(&tmp, cache.join(FILE));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_first_after_the_untimed() {
        let dir = tempfile::tempdir().unwrap();
        let d = Duration::from_millis;
        record(dir.path(), &[("a", d(10)), ("b", d(900)), ("c", d(50))]);
        let names = ["a", "b", "new", "c"];
        assert_eq!(order(dir.path(), &names), [2, 1, 3, 0]);
        // A later run's time replaces the earlier one; others are kept.
        record(dir.path(), &[("a", d(2000))]);
        assert_eq!(order(dir.path(), &names), [2, 0, 1, 3]);
    }

    #[test]
    fn without_history_the_order_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(order(dir.path(), &["x", "y", "z"]), [0, 1, 2]);
        std::fs::write(dir.path().join(FILE), "not json").unwrap();
        assert_eq!(order(dir.path(), &["x", "y"]), [0, 1]);
    }
}
