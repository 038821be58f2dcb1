//! What both server benches share: sizes from the environment and how figures are read.
//! Their visits come from `zakupka_core::demo::cycled_visit`, built directly: going
//! through a device store would cost one durable transaction per answer and dominate the
//! run.

#![allow(dead_code)] // each bench uses its own part of this

/// `ZAKUPKA_BENCH_QUICK=1` shrinks every default size tenfold, for a smoke run in CI.
pub fn quick() -> bool {
    std::env::var("ZAKUPKA_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A size from `var`, else `default` (a tenth of it in quick mode, at least 1).
pub fn size(var: &str, default: usize) -> usize {
    match std::env::var(var).ok().and_then(|v| v.parse().ok()) {
        Some(n) => n,
        None if quick() => (default / 10).max(1),
        None => default,
    }
}

/// The `q`-th percentile of sorted `values` (nearest rank).
pub fn percentile(sorted: &[std::time::Duration], q: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let rank = ((q / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn verdict(met: bool) -> &'static str {
    if met { "MET" } else { "MISSED" }
}

/// CPU time this process has used so far (user and system), from /proc; zero elsewhere.
pub fn cpu_time() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name; the
    // kernel counts them in USER_HZ, 100 a second on Linux.
    std::time::Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// The machine's one-minute load average, to read the figures by: other programs share
/// the cores.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}
