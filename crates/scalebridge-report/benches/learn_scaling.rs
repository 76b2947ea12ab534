//! The learner's scaling study (issue 11): wall time and peak memory of a fit against
//! `N = 128 … 10⁵` (`nc = 24, M = 2`), `nc = 24 … 256` (`N = 256, M = 2`) and `M = 1 … 8`
//! (`N = 256, nc = 24`), on advection–diffusion data (`nf = 2400`, default amplitude, seed 1),
//! with the fitted exponent of each.
//!
//! `cargo bench -p scalebridge-report --bench learn_scaling [-- --quick]` prints a markdown
//! table and draws `learn_scaling_{n,nc,m}.png/.svg` into `$SB_SCALING_OUT` (default
//! `target/learn_scaling`). Each point runs in a child process (this binary with `--case`),
//! which generates its data in blocks of 2048 experiments keeping only `X0` and the counts,
//! resets its peak-memory counter (`/proc/self/clear_refs`), fits, and reports the fit's time
//! and peak resident memory (`VmHWM`).

use scalebridge::inference::{Learner, LearnerParams, TrainingData};
use scalebridge::walkers::config::{SimulationConfig, SystemKind};
use scalebridge_report::scaling::{ScalingSeries, power_law, write_scaling_figure};
use std::process::Command;
use std::time::Instant;

fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn child(n: usize, nc: usize, m: usize) {
    let cfg = SimulationConfig {
        system: Some(SystemKind::Advdiff),
        nc: Some(nc),
        ..Default::default()
    }
    .validate()
    .expect("config");
    let block = 2048;
    let mut x0 = ndarray::Array2::<f64>::zeros((n, nc));
    let mut counts = ndarray::Array2::<i64>::zeros((n, nc));
    let mut domain = None;
    for (b, start) in (0..n).step_by(block).enumerate() {
        let len = block.min(n - start);
        let e = cfg
            .run_controlled(len, 1 + 1000 * b as u64, &|_| {})
            .expect("experiments");
        x0.slice_mut(ndarray::s![start..start + len, ..])
            .assign(&e.x0);
        counts
            .slice_mut(ndarray::s![start..start + len, ..])
            .assign(&e.counts);
        domain = Some(e.domain);
    }
    let data = TrainingData::new(
        &x0,
        &counts,
        domain,
        None,
        std::path::Path::new("(generated)"),
    )
    .expect("data");
    drop((x0, counts));
    // the peak from here on is the fit's (plus the data it was given)
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let learner =
        Learner::new(LearnerParams::default().range(m).check().expect("params")).expect("learner");
    let t = Instant::now();
    let (p, _) = learner.fit(&data, &mut |_| {}).expect("fit");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "RESULT {secs} {} {} {} {}",
        p.iterations,
        p.converged,
        peak_mb(),
        p.names.len()
    );
}

struct Point {
    value: usize,
    secs: f64,
    sweeps: usize,
    converged: bool,
    mb: f64,
    terms: usize,
}

fn run(n: usize, nc: usize, m: usize, value: usize) -> Point {
    let exe = std::env::current_exe().expect("exe");
    let out = Command::new(exe)
        .args(["--case", &n.to_string(), &nc.to_string(), &m.to_string()])
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("child failed: {}", String::from_utf8_lossy(&out.stderr)));
    let f: Vec<&str> = line.split_whitespace().skip(1).collect();
    Point {
        value,
        secs: f[0].parse().expect("secs"),
        sweeps: f[1].parse().expect("sweeps"),
        converged: f[2] == "true",
        mb: f[3].parse().expect("mb"),
        terms: f[4].parse().expect("terms"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(k) = args.iter().position(|a| a == "--case") {
        let p = |i: usize| args[k + i].parse::<usize>().expect("case");
        child(p(1), p(2), p(3));
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let out = std::path::PathBuf::from(
        std::env::var("SB_SCALING_OUT").unwrap_or_else(|_| "target/learn_scaling".into()),
    );
    std::fs::create_dir_all(&out).expect("out dir");
    let ns: Vec<usize> = if quick {
        vec![128, 512, 2048]
    } else {
        vec![128, 512, 2048, 8192, 32768, 100_000]
    };
    let ncs = [24usize, 48, 96, 192, 256];
    let ms: Vec<usize> = (1..=8).collect();
    let sweeps: Vec<(&str, String, Vec<Point>)> = vec![
        (
            "N",
            "nc = 24, M = 2".into(),
            ns.iter().map(|&n| run(n, 24, 2, n)).collect(),
        ),
        (
            "nc",
            "N = 256, M = 2".into(),
            ncs.iter().map(|&nc| run(256, nc, 2, nc)).collect(),
        ),
        (
            "M",
            "N = 256, nc = 24".into(),
            ms.iter().map(|&m| run(256, 24, m, m)).collect(),
        ),
    ];
    println!(
        "learn scaling, advection–diffusion, nf = 2400, {} threads",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!("| varies | value | terms L | time (s) | sweeps | converged | peak memory (MB) |");
    println!("|---|---|---|---|---|---|---|");
    for (var, fixed, pts) in &sweeps {
        for p in pts {
            println!(
                "| {var} ({fixed}) | {} | {} | {:.3} | {} | {} | {:.0} |",
                p.value, p.terms, p.secs, p.sweeps, p.converged, p.mb
            );
        }
    }
    println!();
    for (var, fixed, pts) in &sweeps {
        let tp: Vec<(f64, f64)> = pts.iter().map(|p| (p.value as f64, p.secs)).collect();
        let mp: Vec<(f64, f64)> = pts.iter().map(|p| (p.value as f64, p.mb)).collect();
        let per_sweep: Vec<(f64, f64)> = pts
            .iter()
            .map(|p| (p.value as f64, p.secs / p.sweeps as f64))
            .collect();
        println!(
            "{var} ({fixed}): time ∝ {var}^{:.2}, time per sweep ∝ {var}^{:.2}, peak memory ∝ {var}^{:.2}",
            power_law(&tp).0,
            power_law(&per_sweep).0,
            power_law(&mp).0
        );
        let fig = write_scaling_figure(
            &out,
            &ScalingSeries {
                variable: var.to_string(),
                fixed: fixed.clone(),
                points: tp,
            },
        )
        .expect("figure");
        println!("  figure: {}", fig.png.display());
    }
}
