//! Planning and applying at scale on the simulated cloud: the figures the
//! book's performance table reports.
//!
//! ```sh
//! cargo bench --bench scale                 # 10k and 100k resources
//! STRATA_BENCH_MAX=10000 cargo bench --bench scale
//! ```
//!
//! Plans are timed in fresh processes that load the saved state and cloud,
//! as `strata plan` does: `STRATA_BENCH_PROCESSES` of them (default 3), each
//! planning both sizes in turn `STRATA_BENCH_REPEAT` times (default 5); the
//! best time of each size is reported.
//!
//! `STRATA_BENCH_DETAIL=1` prints where each plan's time and the plan
//! process's memory went. For profiling, `STRATA_BENCH_KEEP=DIR` keeps each
//! size's state and simulated cloud in `DIR/<n>`, and
//! `STRATA_BENCH_LOOPS=N <bench binary> --plan-child DIR/<n> <n/100>` plans
//! that state N more times in one process.
//!
//! A synthetic graph of units of 100 resources (one VPC, 20 subnets, 20
//! security groups, 40 instances referring to a subnet and a group, 19
//! alarms referring to an instance: fan-out and chains), a prior state of
//! the same size, the sim in memory with zero latency unless stated.

// A benchmark fails loudly on any unexpected result.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::core::addr::Address;
use strata::core::apply::{ApplyOptions, NullObserver};
use strata::core::config::{Config, ResourceConfig};
use strata::core::graph::Graph;
use strata::core::kinds;
use strata::core::plan::{self, PlanOptions};
use strata::core::provider::Provider;
use strata::core::session::{Locking, Session};
use strata::core::state::local::LocalBackend;
use strata::core::state::{Backend, State};
use strata::core::value::{Reference, Value};
use strata::sim::{SimOptions, SimProvider};

// As in the `strata` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn addr(s: String) -> Address {
    Address::parse(&s).unwrap_or_else(|e| panic!("{e}"))
}

fn r(s: String) -> Value {
    Value::from(Reference::parse(&s).unwrap_or_else(|| panic!("bad reference {s}")))
}

/// `units` units of 100 resources, each sized by `shape`.
fn synthetic(units: usize, shape: Shape) -> Config {
    let mut c = Config::new("bench");
    for u in 0..units {
        let vpc = format!("u{u}.vpc");
        c.add(ResourceConfig::new(addr(vpc.clone()), kinds::VPC).with("cidr_block", "10.0.0.0/16"));
        for i in 0..shape.subnets {
            c.add(
                ResourceConfig::new(addr(format!("u{u}.subnet{i}")), kinds::SUBNET)
                    .with("vpc_id", r(format!("{vpc}.id")))
                    .with("cidr_block", format!("10.0.{i}.0/24"))
                    .with(
                        "availability_zone",
                        format!("us-east-1{}", ["a", "b", "c", "d", "e", "f"][i % 6]),
                    ),
            );
            c.add(
                ResourceConfig::new(addr(format!("u{u}.sg{i}")), kinds::SECURITY_GROUP)
                    .with("name", format!("sg-{i}"))
                    .with("vpc_id", r(format!("{vpc}.id"))),
            );
        }
        for i in 0..shape.instances {
            c.add(
                ResourceConfig::new(addr(format!("u{u}.web{i}")), kinds::INSTANCE)
                    .with("ami", "ami-1")
                    .with("instance_type", "t3.micro")
                    .with(
                        "subnet_id",
                        r(format!("u{u}.subnet{}.id", i % shape.subnets)),
                    )
                    .with(
                        "security_group_ids",
                        Value::List(vec![r(format!("u{u}.sg{}.id", i % shape.subnets))]),
                    ),
            );
        }
        for i in 0..shape.alarms {
            let mut dims = strata::core::value::Attrs::new();
            dims.insert("InstanceId".into(), r(format!("u{u}.web{i}.id")));
            c.add(
                ResourceConfig::new(addr(format!("u{u}.alarm{i}")), kinds::METRIC_ALARM)
                    .with("alarm_name", format!("u{u}-cpu-{i}"))
                    .with("namespace", "AWS/EC2")
                    .with("metric_name", "CPUUtilization")
                    .with("statistic", "Average")
                    .with("period", 60i64)
                    .with("evaluation_periods", 5i64)
                    .with("threshold", 80.0)
                    .with("comparison_operator", "GreaterThanThreshold")
                    .with("dimensions", Value::Map(dims)),
            );
        }
    }
    c
}

#[derive(Clone, Copy)]
struct Shape {
    subnets: usize,
    instances: usize,
    alarms: usize,
}

const UNIT: Shape = Shape {
    subnets: 20,
    instances: 40,
    alarms: 19,
};

async fn apply_all(
    graph: &Graph,
    sim: Arc<SimProvider>,
    backend: Arc<LocalBackend>,
    parallelism: usize,
) -> (State, Duration) {
    let provider: Arc<dyn Provider> = sim;
    let mut session = Session::open(backend, provider, "bench", Locking::Caller)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let p = session
        .plan(graph, &PlanOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let opts = ApplyOptions {
        parallelism,
        stack: "bench".into(),
        ..ApplyOptions::default()
    };
    let started = Instant::now();
    let report = session
        .apply(&p, opts, Arc::new(NullObserver))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    assert!(report.succeeded(), "{:?}", report.failures.first());
    let state = session.state().clone();
    // As `strata apply` ends: the backend may fold its journal into the
    // snapshot, as the next cold plan would find it.
    session.close().await.unwrap_or_else(|e| panic!("{e}"));
    (state, elapsed)
}

fn rss_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn peak_rss_mb() -> Option<f64> {
    rss_mb("VmHWM:")
}

struct Row(String, String, String, bool);

/// An applied graph of `n` resources: its state, in a local backend, and the
/// simulated cloud holding it, both saved to disk.
struct Applied {
    n: usize,
    dir: tempfile::TempDir,
    best: Duration,
}

async fn applied(n: usize) -> Applied {
    let units = n / 100;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let backend = Arc::new(LocalBackend::new(dir.path()));
    let sim = Arc::new(SimProvider::in_memory(SimOptions::instant()));
    let graph = Graph::build(synthetic(units, UNIT)).unwrap_or_else(|e| panic!("{e}"));
    let (state, _) = apply_all(&graph, sim.clone(), backend.clone(), 256).await;
    assert_eq!(state.resources.len(), n);
    sim.save_snapshot(&dir.path().join("sim"))
        .unwrap_or_else(|e| panic!("{e}"));
    Applied {
        n,
        dir,
        best: Duration::MAX,
    }
}

/// A state and simulated cloud as a `strata plan` process has them: loaded
/// from disk into a fresh heap.
struct Loaded {
    n: usize,
    state: State,
    sim: SimProvider,
    best: Duration,
}

async fn load(dir: &std::path::Path, n: usize) -> Loaded {
    let state = LocalBackend::new(dir)
        .load()
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no state in {}", dir.display()));
    assert_eq!(state.resources.len(), n);
    let sim = SimProvider::open(&dir.join("sim"), SimOptions::instant())
        .unwrap_or_else(|e| panic!("{e}"));
    Loaded {
        n,
        state,
        sim,
        best: Duration::MAX,
    }
}

/// One no-op plan of `a`: validate and build the graph, refresh every
/// resource (one batched read per kind), diff. Keeps the best time.
async fn time_noop_plan(a: &mut Loaded) {
    let config = synthetic(a.n / 100, UNIT);
    let started = Instant::now();
    let graph = Graph::build(config).unwrap_or_else(|e| panic!("{e}"));
    let built = started.elapsed();
    let providers = strata::core::provider::Providers::new(Arc::new(a.sim.clone()));
    let p = plan::plan(&graph, &a.state, &providers, &PlanOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    if std::env::var("STRATA_BENCH_DETAIL").is_ok() {
        let refreshed = Instant::now();
        drop(plan::refresh(&a.state, &providers).await);
        eprintln!(
            "{}: {elapsed:?} (graph {built:?}, refresh and diff {:?}; refresh alone {:?})",
            a.n,
            elapsed - built,
            refreshed.elapsed()
        );
    }
    assert!(!p.has_changes(), "the plan of an applied graph is empty");
    drop((graph, p));
    a.best = a.best.min(elapsed);
}

/// `scale --time-plans REPEAT DIR N [DIR N]`: loads each applied graph,
/// plans them in turn REPEAT times, prints the best time of each in ms.
async fn time_plans_child(args: &[String]) {
    let repeats: usize = args.first().and_then(|r| r.parse().ok()).unwrap_or(1);
    let mut loaded = Vec::new();
    for pair in args[1..].chunks(2) {
        let n = pair.get(1).and_then(|n| n.parse().ok()).unwrap_or(0);
        loaded.push(load(std::path::Path::new(&pair[0]), n).await);
    }
    for _ in 0..repeats {
        for l in &mut loaded {
            time_noop_plan(l).await;
        }
    }
    let best: Vec<String> = loaded
        .iter()
        .map(|l| format!("{}", l.best.as_secs_f64() * 1000.0))
        .collect();
    println!("{}", best.join(" "));
}

/// Times the no-op plans of `sizes` in a fresh process (see
/// [`time_plans_child`]) and keeps each one's best.
fn time_plans_in_child(sizes: &mut [&mut Applied], repeats: usize) {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--time-plans").arg(repeats.to_string());
    for a in sizes.iter() {
        cmd.arg(a.dir.path()).arg(a.n.to_string());
    }
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "the timing process failed");
    let text = String::from_utf8_lossy(&out.stdout);
    for (a, ms) in sizes.iter_mut().zip(text.split_whitespace()) {
        let ms: f64 = ms.parse().unwrap_or_else(|e| panic!("{e}: {text}"));
        a.best = a.best.min(Duration::from_secs_f64(ms / 1000.0));
    }
}

/// Memory: what a `strata plan` process holds, measured in a fresh process
/// that loads the state and the simulated cloud from disk and plans.
fn plan_process(a: Applied, rows: &mut Vec<Row>) {
    let (n, units) = (a.n, a.n / 100);
    if let Ok(keep) = std::env::var("STRATA_BENCH_KEEP") {
        // For profiling the plan process: `scale --plan-child DIR UNITS`.
        let to = std::path::Path::new(&keep).join(n.to_string());
        let _ = std::fs::remove_dir_all(&to);
        std::fs::rename(a.dir.path(), &to).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(a.dir.path()).unwrap_or_else(|e| panic!("{e}"));
        eprintln!("kept {n} resources' state and cloud in {}", to.display());
        if let Some((mb, ms)) = plan_in_child(&to, units) {
            eprintln!("child: {mb:.0} MB, {ms:.0} ms");
        }
    } else if let Some((mb, ms, worst)) = best_plan_in_children(a.dir.path(), units) {
        // Targets of issue 13: a cold plan process under 1 s at 100k, under
        // 120 ms at 10k, and under 400 MB.
        let mb_target = if n >= 100_000 { Some(400.0) } else { None };
        rows.push(Row(
            format!("peak memory of a no-op plan process, {n} resources (state, config, simulated cloud and plan in memory)"),
            format!("{mb:.0} MB"),
            mb_target.map_or("-".into(), |t| format!("< {t:.0} MB")),
            mb_target.is_none_or(|t| mb < t),
        ));
        let ms_target = if n >= 100_000 { 1000.0 } else { 120.0 };
        rows.push(Row(
            format!("the same plan process, cold: load state + cloud, validate, refresh, diff ({n} resources)"),
            format!("{ms:.0} ms (worst {worst:.0})"),
            format!("< {ms_target:.0} ms"),
            ms < ms_target,
        ));
    }
}

fn plan_row(a: &Applied, target: Duration) -> Row {
    Row(
        format!("no-op plan, {} resources", a.n),
        format!("{:.0} ms", a.best.as_secs_f64() * 1000.0),
        format!("< {} ms", target.as_millis()),
        a.best < target,
    )
}

async fn bench() {
    let max: usize = std::env::var("STRATA_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut rows = Vec::new();
    let repeats: usize = std::env::var("STRATA_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let processes: usize = std::env::var("STRATA_BENCH_PROCESSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);

    // Both sizes are applied and saved first. Their plans are timed in
    // fresh processes that load them from disk, as `strata plan` does (not
    // in this process's heap, which the applies have left fragmented): in
    // each, the sizes are planned in turn, so that each plan starts with the
    // caches holding the other's data and a slow spell of a shared machine
    // hits both. The best of all is kept.
    let mut small = applied(10_000).await;
    let mut large = if max >= 100_000 {
        Some(applied(100_000).await)
    } else {
        None
    };
    for _ in 0..processes {
        let mut sizes = vec![&mut small];
        sizes.extend(large.as_mut());
        time_plans_in_child(&mut sizes, repeats);
    }
    rows.push(plan_row(&small, Duration::from_millis(100)));
    if let Some(large) = &large {
        rows.push(plan_row(large, Duration::from_millis(1500)));
        let ratio = large.best.as_secs_f64() / small.best.as_secs_f64();
        rows.push(Row(
            "plan cost growth, 100k / 10k".into(),
            format!("{ratio:.1}×"),
            "< 12×".into(),
            ratio < 12.0,
        ));
    }
    plan_process(small, &mut rows);
    if let Some(large) = large {
        plan_process(large, &mut rows);
    }

    // Apply creating 10,000 resources, state persisted (journal) after every change.
    {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let backend = Arc::new(LocalBackend::new(dir.path()));
        let sim = Arc::new(SimProvider::in_memory(SimOptions::instant()));
        let graph = Graph::build(synthetic(100, UNIT)).unwrap_or_else(|e| panic!("{e}"));
        let (state, elapsed) = apply_all(&graph, sim, backend.clone(), 256).await;
        assert_eq!(state.resources.len(), 10_000);
        let reloaded = backend
            .load()
            .await
            .ok()
            .flatten()
            .map(|s| s.resources.len());
        assert_eq!(reloaded, Some(10_000), "every change was persisted");
        rows.push(Row(
            "apply creating 10,000 resources (state persisted after every change)".into(),
            format!("{:.2} s", elapsed.as_secs_f64()),
            "< 3 s".into(),
            elapsed < Duration::from_secs(3),
        ));
    }

    // Wall time against the critical path, with per-kind API latencies.
    {
        let latencies = [
            (kinds::VPC, 300u64),
            (kinds::SUBNET, 200),
            (kinds::SECURITY_GROUP, 150),
            (kinds::INSTANCE, 500),
            (kinds::METRIC_ALARM, 100),
        ];
        let mut options = SimOptions::instant();
        for (k, ms) in latencies {
            options
                .latency
                .insert(k.to_string(), Duration::from_millis(ms));
        }
        let critical: u64 = 300 + 200 + 500 + 100; // vpc → subnet → instance → alarm
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let backend = Arc::new(LocalBackend::new(dir.path()));
        let sim = Arc::new(SimProvider::in_memory(options));
        let shape = Shape {
            subnets: 5,
            instances: 10,
            alarms: 10,
        };
        let graph = Graph::build(synthetic(1, shape)).unwrap_or_else(|e| panic!("{e}"));
        let (_, elapsed) = apply_all(&graph, sim, backend.clone(), 64).await;
        let over = elapsed.as_secs_f64() * 1000.0 / critical as f64 - 1.0;
        rows.push(Row(
            format!("apply wall time vs critical path ({critical} ms), per-kind latencies"),
            format!(
                "{:.0} ms (+{:.1}%)",
                elapsed.as_secs_f64() * 1000.0,
                over * 100.0
            ),
            "within 10%".into(),
            over < 0.10,
        ));
    }

    if let Some(mb) = peak_rss_mb() {
        rows.push(Row(
            format!("peak memory of this whole benchmark process (builds up to {max} resources in one process)"),
            format!("{mb:.0} MB"),
            "-".into(),
            true,
        ));
    }

    println!("\n| measure | result | target | met |\n|---|---|---|---|");
    for Row(what, result, target, met) in &rows {
        println!(
            "| {what} | {result} | {target} | {} |",
            if *met { "yes" } else { "NO" }
        );
    }
    println!(
        "\nCommand: cargo bench --bench scale ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}

/// Runs the plan process `STRATA_BENCH_PROCESSES` times: (highest peak RSS
/// in MB, best elapsed ms, worst elapsed ms).
fn best_plan_in_children(dir: &std::path::Path, units: usize) -> Option<(f64, f64, f64)> {
    let processes: usize = std::env::var("STRATA_BENCH_PROCESSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut out: Option<(f64, f64, f64)> = None;
    for _ in 0..processes.max(1) {
        let (mb, ms) = plan_in_child(dir, units)?;
        out = Some(match out {
            None => (mb, ms, ms),
            Some((m, best, worst)) => (m.max(mb), best.min(ms), worst.max(ms)),
        });
    }
    out
}

/// Runs this binary as `--plan-child DIR UNITS`: returns (peak RSS in MB, elapsed ms).
fn plan_in_child(dir: &std::path::Path, units: usize) -> Option<(f64, f64)> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .arg("--plan-child")
        .arg(dir)
        .arg(units.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

async fn plan_child(dir: std::path::PathBuf, units: usize) {
    // In the order `strata plan` goes: the provider is opened (the simulated
    // cloud read), the state loaded, the graph built, then the plan
    // refreshes and diffs.
    let started = Instant::now();
    let sim = SimProvider::open(&dir.join("sim"), SimOptions::instant())
        .unwrap_or_else(|e| panic!("{e}"));
    let backend = LocalBackend::new(&dir);
    let state = backend
        .load()
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no state in {}", dir.display()));
    let loaded = started.elapsed();
    let detail = std::env::var("STRATA_BENCH_DETAIL").is_ok();
    let mut mem = vec![("state", rss_mb("VmRSS:"))];
    let graph = Graph::build(synthetic(units, UNIT)).unwrap_or_else(|e| panic!("{e}"));
    let built = started.elapsed();
    mem.push(("graph", rss_mb("VmRSS:")));
    let providers = strata::core::provider::Providers::new(Arc::new(sim.clone()));
    let p = plan::plan(&graph, &state, &providers, &PlanOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    mem.push(("plan", rss_mb("VmRSS:")));
    if detail {
        eprintln!("child memory (resident MB after each step): {mem:?}");
        let size = |f: &str| std::fs::metadata(dir.join(f)).map_or(0, |m| m.len()) / 1024;
        eprintln!(
            "child: cloud and state {loaded:?} (state.json {} KiB, journal {} KiB, sim {} KiB), graph {:?}, plan {:?}",
            size("state.json"),
            size("journal.jsonl"),
            size("sim/cloud-us-east-1.json"),
            built - loaded,
            started.elapsed() - built
        );
    }
    assert!(!p.has_changes());
    let ms = started.elapsed().as_secs_f64() * 1000.0;

    println!("{} {ms}", peak_rss_mb().unwrap_or(f64::NAN));
    drop(p);
    // For profiling: plan again N times in this process (`STRATA_BENCH_LOOPS=N`).
    let loops: usize = std::env::var("STRATA_BENCH_LOOPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for _ in 0..loops {
        let config = synthetic(units, UNIT);
        let again = Instant::now();
        let graph = Graph::build(config).unwrap_or_else(|e| panic!("{e}"));
        let p = plan::plan(&graph, &state, &providers, &PlanOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!p.has_changes());
        eprintln!("plan again: {:?}", again.elapsed());
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--time-plans") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(time_plans_child(&args[2..]));
        return;
    }
    if args.get(1).map(String::as_str) == Some("--plan-child") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let dir = std::path::PathBuf::from(args.get(2).cloned().unwrap_or_default());
        let units = args.get(3).and_then(|u| u.parse().ok()).unwrap_or(0);
        rt.block_on(plan_child(dir, units));
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(bench());
}
