//! `bench`: native training speed of the engine on real MNIST, next to this machine's plain
//! matrix-multiply rate, so that efficiency reads as a ratio. A benchmark, not a test: it prints
//! numbers (and `--json FILE` writes them); nothing here passes or fails.
//!
//! Single-threaded throughout (one lane per core is how races run).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    bench::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // The browser builds every binary of the crate; this one is for terminals only.
}

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use activation_race::kernels::{Gemm, cols, cols_mut, cols_t};
    use activation_race::metrics::{EVAL_BATCH, evaluate};
    use activation_race::native::{default_data_dir, load_mnist};
    use activation_race::network::{CLASSES, INPUT, Mlp, Workspace};
    use activation_race::optimizer::Optimizer;
    use activation_race::race::epoch_order;
    use activation_race::report::LaneEvent;
    use activation_race::{Activation, InitScheme, Lane, Mnist, OptimizerKind, RaceConfig};
    use clap::Parser;
    use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
    use nalgebra::DMatrix;
    use serde::Serialize;
    use std::path::PathBuf;
    use std::process::ExitCode;
    use std::time::Instant;

    /// Native training throughput per activation and depth, and the machine's matmul rate.
    #[derive(Parser, Debug)]
    #[command(about)]
    struct Args {
        /// Seconds to measure each configuration.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// Batch size.
        #[arg(long, default_value_t = 64)]
        batch: usize,
        /// Folder with the MNIST files. Default: www/data in the repository.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Also write the results here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Instead of the benchmark, train exactly this many batches of one network and exit: a
        /// fixed workload for `valgrind --tool=callgrind` instruction counts and A/B timings of
        /// two builds (subtract a run with 0 steps to leave out loading the data).
        #[arg(long)]
        fixed_steps: Option<usize>,
        /// With --fixed-steps: the activation.
        #[arg(long, default_value = "relu")]
        activation: Activation,
        /// With --fixed-steps: hidden layer widths.
        #[arg(long, value_delimiter = ',', default_value = "128,64")]
        hidden: Vec<usize>,
        /// With --fixed-steps: run a whole lane (interval reports every 1/20 epoch with their
        /// validation pass and unit statistics) instead of bare training steps.
        #[arg(long)]
        lane: bool,
    }

    #[derive(Serialize)]
    struct MatmulResult {
        shape: String,
        gflops: f64,
    }

    #[derive(Serialize)]
    struct TrainResult {
        net: String,
        activation: Activation,
        samples_per_sec: f64,
        samples_per_sec_without_grad_norms: f64,
        /// Useful FLOPs per second: 2 × multiply-adds really needed per sample × samples/s.
        gflops: f64,
        /// The best rate of the network's two big products, measured just before and after.
        local_peak_matmul_gflops: f64,
        /// `gflops` over `local_peak_matmul_gflops`.
        matmul_efficiency: f64,
        /// A whole lane (reports every 1/20 epoch with validation and the unit probe):
        /// training samples per second of wall time, and per second of training time.
        lane_wall_samples_per_sec: f64,
        lane_training_samples_per_sec: f64,
        /// The dead/saturated probe's extra time per interval report, as a share of the
        /// interval's training time.
        probe_cost_per_interval: f64,
    }

    #[derive(Serialize)]
    struct Output {
        batch: usize,
        matmul: Vec<MatmulResult>,
        peak_matmul_gflops: f64,
        training: Vec<TrainResult>,
    }

    pub fn main() -> ExitCode {
        let args = Args::parse();
        let data = match load_mnist(&args.data.clone().unwrap_or_else(default_data_dir)) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let b = args.batch;
        if let Some(steps) = args.fixed_steps {
            fixed_run(&data, &args.hidden, args.activation, b, steps, args.lane);
            return ExitCode::SUCCESS;
        }
        eprintln!("matrix multiply (single thread, f32, in-place gemm)…");
        let shapes = [
            ("512×512 · 512×512", 512, 512, 512, false),
            (&*format!("forward 128×784 · 784×{b}"), 128, 784, b, false),
            (
                &*format!("weight grad 128×{b} · ({b}×784)ᵀ"),
                128,
                b,
                784,
                true,
            ),
        ]
        .map(|(name, m, k, n, tb)| (name.to_string(), m, k, n, tb));
        let matmul: Vec<MatmulResult> = shapes
            .iter()
            .map(|(name, m, k, n, tb)| MatmulResult {
                shape: name.clone(),
                gflops: matmul_rate(*m, *k, *n, *tb, args.seconds / 2.0),
            })
            .collect();
        let peak = matmul.iter().map(|r| r.gflops).fold(0.0, f64::max);

        let nets: [(&str, Vec<usize>); 2] = [
            ("784-128-64-10", vec![128, 64]),
            ("784-128×5-10", vec![128; 5]),
        ];
        let mut training = Vec::new();
        for (name, hidden) in &nets {
            for act in Activation::ALL {
                eprintln!("training {name} {}…", act.label());
                // The machine's speed drifts (a shared host): the matmul rate the efficiency is
                // counted against is measured right next to this configuration's training.
                let peak_here = |secs| {
                    matmul_rate(128, 784, b, false, secs).max(matmul_rate(128, b, 784, true, secs))
                };
                let before = peak_here(0.2);
                let (with, without) = train_rates(&data, hidden, act, b, args.seconds);
                let local_peak = before.max(peak_here(0.2));
                let net = Mlp::new(INPUT, hidden, CLASSES, act, 0.01, InitScheme::Glorot, 1);
                let gflops = with * 2.0 * net.training_macs_per_sample() as f64 / 1e9;
                let (wall, train) = lane_rate(&data, hidden, act, b, args.seconds);
                let probe_secs = probe_cost(&data, hidden, act);
                let interval_secs = 55_000.0 / 20.0 / with;
                training.push(TrainResult {
                    net: name.to_string(),
                    activation: act,
                    samples_per_sec: with,
                    samples_per_sec_without_grad_norms: without,
                    gflops,
                    local_peak_matmul_gflops: local_peak,
                    matmul_efficiency: gflops / local_peak,
                    lane_wall_samples_per_sec: wall,
                    lane_training_samples_per_sec: train,
                    probe_cost_per_interval: probe_secs / interval_secs,
                });
            }
        }

        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header(["matrix product", "GFLOP/s"]);
        for r in &matmul {
            t.add_row([r.shape.clone(), format!("{:.1}", r.gflops)]);
        }
        println!("{t}");
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header([
            "net",
            "activation",
            "samples/s",
            "useful GFLOP/s",
            "of matmul rate (measured alongside)",
            "without grad norms",
            "whole lane (wall)",
            "whole lane (training)",
            "probe cost",
        ]);
        for r in &training {
            t.add_row([
                r.net.clone(),
                r.activation.label().to_string(),
                format!("{:.0}", r.samples_per_sec),
                format!("{:.1}", r.gflops),
                format!(
                    "{:.0}% of {:.0}",
                    100.0 * r.matmul_efficiency,
                    r.local_peak_matmul_gflops
                ),
                format!(
                    "{:.0} ({:+.1}%)",
                    r.samples_per_sec_without_grad_norms,
                    100.0 * (r.samples_per_sec_without_grad_norms / r.samples_per_sec - 1.0)
                ),
                format!("{:.0}", r.lane_wall_samples_per_sec),
                format!("{:.0}", r.lane_training_samples_per_sec),
                format!("{:.2}%", 100.0 * r.probe_cost_per_interval),
            ]);
        }
        println!("{t}");
        println!(
            "peak matmul {peak:.1} GFLOP/s at the start; batch {b}; useful FLOPs count forward, weight gradients and the input gradients of all but the first layer"
        );
        if let Some(path) = args.json {
            let out = Output {
                batch: b,
                matmul,
                peak_matmul_gflops: peak,
                training,
            };
            if let Err(e) = std::fs::write(
                &path,
                serde_json::to_string_pretty(&out).expect("serializes"),
            ) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        ExitCode::SUCCESS
    }

    /// GFLOP/s of C(m×n) = A(m×k)·B(k×n) (B given transposed if `b_transposed`), in place.
    fn matmul_rate(m: usize, k: usize, n: usize, b_transposed: bool, seconds: f64) -> f64 {
        let a = DMatrix::from_fn(m, k, |i, j| ((i * 7 + j * 3) % 11) as f32 * 0.1);
        let b = if b_transposed {
            DMatrix::from_fn(n, k, |i, j| ((i + j * 5) % 13) as f32 * 0.1)
        } else {
            DMatrix::from_fn(k, n, |i, j| ((i + j * 5) % 13) as f32 * 0.1)
        };
        let mut c = DMatrix::<f32>::zeros(m, n);
        let mut gemm = Gemm::default();
        let mut run = |reps: usize| {
            for _ in 0..reps {
                let bv = if b_transposed {
                    cols_t(&b, k)
                } else {
                    cols(&b, n)
                };
                gemm.gemm(&mut cols_mut(&mut c, n), 1.0, &cols(&a, k), &bv, 0.0);
            }
        };
        run(3);
        let flops = 2.0 * (m * k * n) as f64;
        let reps = ((seconds * 30e9 / flops) as usize).max(5);
        let start = Instant::now();
        run(reps);
        let secs = start.elapsed().as_secs_f64();
        std::hint::black_box(&c);
        flops * reps as f64 / secs / 1e9
    }

    /// Samples/s of plain SGD steps on real MNIST batches (forward, backward, update), with and
    /// without the per-layer gradient norms. The two are measured in alternating short rounds and
    /// each summarised by its median, so that a busy moment on a shared machine does not land on
    /// one side only (one long run each gave differences of −8% to +18% from noise alone here).
    fn train_rates(
        data: &Mnist,
        hidden: &[usize],
        act: Activation,
        batch: usize,
        seconds: f64,
    ) -> (f64, f64) {
        const ROUNDS: usize = 9;
        let mut net = Mlp::new(INPUT, hidden, CLASSES, act, 0.01, InitScheme::Glorot, 42);
        let mut ws = Workspace::new(&net, batch);
        let mut grads = net.gradients();
        let mut opt = Optimizer::new(OptimizerKind::Sgd, 0.01, &net);
        let mut grad_norms = vec![0.0; net.layers.len()];
        let train = data.train_split(usize::MAX);
        let mut order = Vec::new();
        epoch_order(42, 0, train.len, &mut order);
        let mut labels = Vec::with_capacity(batch);
        let mut step = |i: usize, net: &mut Mlp, norms: bool| {
            let start = (i * batch) % (train.len - batch);
            let idx = &order[start..start + batch];
            ws.load_images(idx.iter().map(|&j| train.image(j as usize)));
            labels.clear();
            labels.extend(idx.iter().map(|&j| train.label(j as usize)));
            net.forward(&mut ws, batch);
            net.backward(&mut ws, &mut grads, &labels);
            opt.step(
                net,
                &grads,
                if norms { Some(&mut grad_norms) } else { None },
            );
        };
        for i in 0..20 {
            step(i, &mut net, true);
        }
        let mut steps = 0;
        let mut rates = [Vec::new(), Vec::new()];
        for round in 0..ROUNDS {
            for side in [round % 2, 1 - round % 2] {
                let norms = side == 0;
                let start = Instant::now();
                let first = steps;
                while start.elapsed().as_secs_f64() < seconds / (2 * ROUNDS) as f64 {
                    for _ in 0..10 {
                        step(steps, &mut net, norms);
                        steps += 1;
                    }
                }
                rates[side].push(((steps - first) * batch) as f64 / start.elapsed().as_secs_f64());
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let [mut with, mut without] = rates;
        (median(&mut with), median(&mut without))
    }

    /// Trains `steps` batches (bare SGD steps with gradient norms, or a whole lane with its
    /// reports) and prints the rate and a checksum of the result (so that nothing is optimised
    /// away and two builds can be seen to compute the same thing).
    fn fixed_run(
        data: &Mnist,
        hidden: &[usize],
        act: Activation,
        batch: usize,
        steps: usize,
        lane: bool,
    ) {
        let start = Instant::now();
        let checksum: f64 = if lane {
            let config = RaceConfig {
                hidden: hidden.to_vec(),
                activations: vec![act],
                batch_size: batch,
                ..RaceConfig::default()
            };
            let mut lane = Lane::new(&config, 0).expect("valid config");
            let mut events = Vec::new();
            let mut left = steps;
            while left > 0 && lane.state() == activation_race::LaneState::Training {
                left -= lane.advance(data, left, &mut events);
            }
            events
                .iter()
                .map(|e| match e {
                    LaneEvent::Interval(r) => r.val_loss as f64,
                    LaneEvent::Epoch(r) => r.test_loss as f64,
                    _ => 0.0,
                })
                .sum()
        } else {
            let mut net = Mlp::new(INPUT, hidden, CLASSES, act, 0.01, InitScheme::Glorot, 42);
            let mut ws = Workspace::new(&net, batch);
            let mut grads = net.gradients();
            let mut opt = Optimizer::new(OptimizerKind::Sgd, 0.1, &net);
            let mut grad_norms = vec![0.0; net.layers.len()];
            let train = data.train_split(usize::MAX);
            let mut order = Vec::new();
            epoch_order(42, 0, train.len, &mut order);
            let mut labels = Vec::with_capacity(batch);
            let mut loss_sum = 0.0;
            for i in 0..steps {
                let start = (i * batch) % (train.len - batch);
                let idx = &order[start..start + batch];
                ws.load_images(idx.iter().map(|&j| train.image(j as usize)));
                labels.clear();
                labels.extend(idx.iter().map(|&j| train.label(j as usize)));
                net.forward(&mut ws, batch);
                loss_sum += net.backward(&mut ws, &mut grads, &labels) as f64;
                opt.step(&mut net, &grads, Some(&mut grad_norms));
            }
            loss_sum
        };
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{} {} steps of {batch}: {:.0} samples/s, checksum {checksum:.6}",
            act.key(),
            steps,
            (steps * batch) as f64 / secs
        );
    }

    /// Seconds the dead/saturated probe adds to one interval report's validation pass.
    fn probe_cost(data: &Mnist, hidden: &[usize], act: Activation) -> f64 {
        let net = Mlp::new(INPUT, hidden, CLASSES, act, 0.01, InitScheme::Glorot, 42);
        let mut ws = Workspace::new(&net, EVAL_BATCH);
        let val = data.validation_split().prefix(1000);
        let mut time = |probe: bool| {
            let mut best = f64::INFINITY;
            for _ in 0..15 {
                let start = Instant::now();
                std::hint::black_box(evaluate(&net, &mut ws, val, false, probe));
                best = best.min(start.elapsed().as_secs_f64());
            }
            best
        };
        (time(true) - time(false)).max(0.0)
    }

    /// A whole lane, reports and all: (samples per second of wall time, per second of training).
    fn lane_rate(
        data: &Mnist,
        hidden: &[usize],
        act: Activation,
        batch: usize,
        seconds: f64,
    ) -> (f64, f64) {
        let config = RaceConfig {
            hidden: hidden.to_vec(),
            activations: vec![act],
            batch_size: batch,
            learning_rate: 0.01,
            ..RaceConfig::default()
        };
        let mut lane = Lane::new(&config, 0).expect("valid config");
        let mut events = Vec::new();
        let start = Instant::now();
        while start.elapsed().as_secs_f64() < seconds {
            lane.advance(data, 50, &mut events);
        }
        let wall = lane.samples_seen() as f64 / start.elapsed().as_secs_f64();
        let (samples, secs) = events
            .iter()
            .filter_map(|e| match e {
                LaneEvent::Interval(r) if r.samples_per_sec > 0.0 => Some(r),
                _ => None,
            })
            .fold((0.0, 0.0), |(n, t), r| {
                (n + 1.0, t + 1.0 / r.samples_per_sec as f64)
            });
        // Harmonic mean of the interval rates: intervals have (almost) equal sample counts.
        let training = if secs > 0.0 { samples / secs } else { 0.0 };
        (wall, training)
    }
}
