//! `race`: runs an activation race on MNIST from the terminal, with the engine the page uses.
//!
//! Each lane trains on its own thread; a progress bar per lane, then a per-epoch table.
//! `--json FILE` writes the configuration and every report ([`activation_race::record`]);
//! `--plots DIR` the page's charts as SVG.
//! `--seeds 5` (or `--seeds 42,43,44`) runs the race once per seed on a pool of threads and
//! prints the mean and spread per epoch ([`activation_race::seeds`]).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

// The browser builds every binary of the crate; this one has nothing to do there.
#[cfg(target_arch = "wasm32")]
fn main() {
    // The browser builds every binary of the crate; this one is for terminals only.
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use activation_race::charts::bands::LaneBands;
    use activation_race::charts::{
        LaneSeries,
        export::{write_band_svgs, write_inside_svgs, write_svgs},
    };
    use activation_race::native::default_data_dir;
    use activation_race::record::{LaneRecord, RaceRecord};
    use activation_race::report::LaneEvent;
    use activation_race::seeds::{
        SeedSummary, SeedsRecord, Spread, run_seeds, seed_list, summarize,
    };
    use activation_race::{
        Activation, InitMode, InitScheme, Lane, LaneState, Mnist, OptimizerKind, RaceConfig,
    };
    use clap::Parser;
    use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
    use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
    use std::path::PathBuf;
    use std::process::ExitCode;
    use std::sync::mpsc;

    /// Race multilayer perceptrons that differ only in their hidden activation on MNIST.
    ///
    /// The defaults reproduce the classic study: 784-128-64-10, Sigmoid vs ReLU, SGD, learning
    /// rate 0.1, batch 64, 5 epochs, seed 42, identical initial weights and batch order.
    #[derive(Parser, Debug)]
    #[command(version, about)]
    struct Args {
        /// Hidden layer widths, input side first (e.g. 128,64 or 128,128,128,128,128).
        #[arg(long, value_delimiter = ',', default_value = "128,64")]
        hidden: Vec<usize>,
        /// One lane per activation: sigmoid, relu, leaky_relu, tanh, elu, gelu, silu (or swish),
        /// softplus. An activation may repeat (e.g. relu,relu with --lane-lr 0.01,0.1).
        #[arg(long, value_delimiter = ',', default_value = "sigmoid,relu")]
        activations: Vec<Activation>,
        /// Learning rate shared by all lanes.
        #[arg(long, default_value_t = 0.1)]
        lr: f32,
        /// Per-lane learning rates (one per activation), overriding --lr.
        #[arg(long, value_delimiter = ',')]
        lane_lr: Option<Vec<f32>>,
        /// sgd, momentum or adam.
        #[arg(long, default_value = "sgd")]
        optimizer: OptimizerKind,
        #[arg(long, default_value_t = 64)]
        batch: usize,
        #[arg(long, default_value_t = 5)]
        epochs: u32,
        /// Seeds the initial weights and the batch order (shared by all lanes).
        #[arg(long, default_value_t = 42)]
        seed: u32,
        /// Training images (the first N of the 55,000; the last 5,000 of the set validate).
        #[arg(long, default_value_t = 55_000)]
        train_size: usize,
        /// glorot, he or standard (the same for every lane), or per_activation.
        #[arg(long, default_value = "glorot")]
        init: InitMode,
        /// Per-lane initialisation (glorot, he, standard; one per lane), overriding --init.
        #[arg(long, value_delimiter = ',')]
        lane_init: Option<Vec<InitScheme>>,
        /// Negative slope of Leaky ReLU.
        #[arg(long, default_value_t = 0.01)]
        leaky_slope: f32,
        /// Interval reports per epoch.
        #[arg(long, default_value_t = 20)]
        reports: u32,
        /// Validation images evaluated at each interval report.
        #[arg(long, default_value_t = 1000)]
        interval_val_size: usize,
        /// Folder with the MNIST files (gzip or raw IDX). Default: www/data in the repository.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Write the configuration and all reports to this JSON file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Write the page's charts into this folder (loss.svg, accuracy.svg, gradients.svg,
        /// units.svg, distributions.svg, signal.svg, sparsity.svg; fields.svg, curve.svg and
        /// confusion.svg; with --seeds: loss.svg and accuracy.svg with bands from the lowest to
        /// the highest seed).
        #[arg(long)]
        plots: Option<PathBuf>,
        /// Instead of racing, draw the charts of a race saved with --json into --plots DIR.
        #[arg(long, value_name = "RACE.json", requires = "plots")]
        replot: Option<PathBuf>,
        /// Train the lanes one after another instead of in parallel threads.
        #[arg(long)]
        sequential: bool,
        /// Run the race once per seed: a count (5 = five seeds from --seed on) or a list
        /// (42,43,44); prints the mean and spread per epoch.
        #[arg(long)]
        seeds: Option<String>,
        /// Threads for --seeds (default: the machine's cores). The results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// No progress bars (for logs).
        #[arg(long)]
        quiet: bool,
    }

    pub fn main() -> ExitCode {
        let args = Args::parse();
        if let (Some(saved), Some(dir)) = (&args.replot, &args.plots) {
            return replot(saved, dir);
        }
        let config = RaceConfig {
            hidden: args.hidden.clone(),
            activations: args.activations.clone(),
            leaky_slope: args.leaky_slope,
            learning_rate: args.lr,
            lane_learning_rates: args.lane_lr.clone(),
            optimizer: args.optimizer,
            batch_size: args.batch,
            epochs: args.epochs,
            seed: args.seed,
            train_size: args.train_size,
            init: args.init,
            lane_inits: args.lane_init.clone(),
            reports_per_epoch: args.reports,
            interval_val_size: args.interval_val_size,
            ..RaceConfig::default()
        };
        if let Err(e) = config.validate() {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        let seeds = match args.seeds.as_deref().map(|s| seed_list(s, args.seed)) {
            None => None,
            Some(Ok(seeds)) => Some(seeds),
            Some(Err(e)) => {
                eprintln!("error: --seeds: {e}");
                return ExitCode::from(2);
            }
        };
        let data_dir = args.data.clone().unwrap_or_else(default_data_dir);
        let data = match activation_race::native::load_mnist(&data_dir) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some(seeds) = seeds {
            return race_seeds(&config, &seeds, &data, &args);
        }
        let mut lanes: Vec<Lane> = (0..config.activations.len())
            .map(|i| Lane::new(&config, i).expect("config validated above"))
            .collect();
        let params = lanes[0].network().parameter_count();
        eprintln!(
            "{} lanes, {}, {} parameters, {} {} lr {}, batch {}, {} epochs on {} images, seed {}",
            lanes.len(),
            config
                .layer_sizes()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("-"),
            params,
            config.optimizer.label(),
            config.init.key(),
            config.learning_rate,
            config.batch_size,
            config.epochs,
            config.train_size,
            config.seed
        );

        let outputs = run(&mut lanes, &data, &config, &args);
        print_table(&outputs, &config);
        if let Some(dir) = &args.plots {
            let trained = &mut lanes;
            let lanes: Vec<LaneSeries<'_>> = outputs
                .iter()
                .map(|o| LaneSeries::of_lane(&config, o.lane, &o.reports, &o.epochs))
                .collect();
            let epochs: Vec<&[_]> = outputs.iter().map(|o| o.epochs.as_slice()).collect();
            // The views inside the networks, on the first test image (a 7).
            let written = write_svgs(dir, &lanes, config.target_accuracy).and_then(|mut files| {
                files.extend(write_inside_svgs(dir, &config, trained, &epochs, &data, 0)?);
                Ok(files)
            });
            match written {
                Ok(files) => files
                    .iter()
                    .for_each(|f| eprintln!("wrote {}", f.display())),
                Err(e) => {
                    eprintln!("error: cannot write the charts into {}: {e}", dir.display());
                    return ExitCode::FAILURE;
                }
            }
        }
        if let Some(path) = &args.json {
            let out = RaceRecord::new(&config, outputs);
            let text = serde_json::to_string_pretty(&out).expect("reports serialize");
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!("wrote {}", path.display());
        }
        ExitCode::SUCCESS
    }

    /// The charts of a saved race (`--replot`), drawn as the race would have drawn them.
    fn replot(saved: &std::path::Path, dir: &std::path::Path) -> ExitCode {
        let record: RaceRecord = match std::fs::read_to_string(saved)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: cannot read the race in {}: {e}", saved.display());
                return ExitCode::FAILURE;
            }
        };
        let lanes: Vec<LaneSeries<'_>> = record
            .lanes
            .iter()
            .map(|l| LaneSeries::of_lane(&record.config, l.lane, &l.reports, &l.epochs))
            .collect();
        match write_svgs(dir, &lanes, record.config.target_accuracy) {
            Ok(files) => {
                files
                    .iter()
                    .for_each(|f| eprintln!("wrote {}", f.display()));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write the charts into {}: {e}", dir.display());
                ExitCode::FAILURE
            }
        }
    }

    fn run(
        lanes: &mut [Lane],
        data: &activation_race::Mnist,
        config: &RaceConfig,
        args: &Args,
    ) -> Vec<LaneRecord> {
        let total = (config.batches_per_epoch() * config.epochs as usize) as u64;
        let multi = MultiProgress::new();
        if args.quiet {
            multi.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let style = ProgressStyle::with_template(
            "{prefix:>11} [{bar:32.cyan/blue}] {percent:>3}% {msg} ({elapsed}, eta {eta})",
        )
        .expect("valid template")
        .progress_chars("█▉▊▋▌▍▎▏ ");
        let bars: Vec<ProgressBar> = lanes
            .iter()
            .map(|l| {
                let bar = multi.add(ProgressBar::new(total));
                bar.set_style(style.clone());
                bar.set_prefix(l.label());
                bar
            })
            .collect();
        let mut outputs: Vec<LaneRecord> = lanes.iter().map(LaneRecord::new).collect();

        let (tx, rx) = mpsc::channel::<(usize, usize, Vec<LaneEvent>)>();
        let train = |lane: &mut Lane, tx: mpsc::Sender<(usize, usize, Vec<LaneEvent>)>| {
            while lane.state() == LaneState::Training {
                let mut events = Vec::new();
                let done = lane.advance(data, 16, &mut events);
                if tx.send((lane.index(), done, events)).is_err() {
                    break;
                }
            }
        };
        let lanes_ref = &mut *lanes;
        std::thread::scope(|s| {
            let lanes = lanes_ref;
            if args.sequential {
                let tx = tx.clone();
                s.spawn(move || {
                    for lane in lanes.iter_mut() {
                        train(lane, tx.clone());
                    }
                });
            } else {
                for lane in lanes.iter_mut() {
                    let tx = tx.clone();
                    s.spawn(move || train(lane, tx));
                }
            }
            drop(tx);
            for (lane, done, events) in rx {
                let bar = &bars[lane];
                bar.inc(done as u64);
                for event in events {
                    match &event {
                        LaneEvent::Interval(r) => bar.set_message(format!(
                            "epoch {} loss {:.3} val {:.2}% {:>6.0}/s",
                            r.epoch,
                            r.train_loss,
                            100.0 * r.val_accuracy,
                            r.samples_per_sec
                        )),
                        LaneEvent::Diverged { message, .. } => {
                            bar.abandon_with_message(message.clone())
                        }
                        LaneEvent::Finished { .. } => bar.finish(),
                        _ => {}
                    }
                    outputs[lane].record(event);
                }
            }
        });
        outputs
    }

    fn print_table(outputs: &[LaneRecord], config: &RaceConfig) {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        let mut header = vec!["epoch".to_string()];
        for o in outputs {
            let name = &o.label;
            header.push(format!("{name}\ntrain loss"));
            header.push(format!("{name}\nval acc"));
            header.push(format!("{name}\ntest acc"));
            header.push(format!("{name}\nsamples/s"));
        }
        header.push("leader".into());
        table.set_header(header);
        for epoch in 1..=config.epochs {
            let mut row = vec![epoch.to_string()];
            let mut best: Option<(f32, &str)> = None;
            let mut any = false;
            for o in outputs {
                match o.epochs.iter().find(|e| e.epoch == epoch) {
                    Some(e) if !e.diverged => {
                        any = true;
                        row.push(format!("{:.4}", e.train_loss));
                        row.push(format!("{:.2}%", 100.0 * e.val_accuracy));
                        row.push(format!("{:.2}%", 100.0 * e.test_accuracy));
                        row.push(format!("{:.0}", e.samples_per_sec));
                        if best.is_none_or(|(acc, _)| e.test_accuracy > acc) {
                            best = Some((e.test_accuracy, o.label.as_str()));
                        }
                    }
                    Some(_) => {
                        any = true;
                        row.extend(["diverged".to_string(), "–".into(), "–".into(), "–".into()]);
                    }
                    None => row.extend(["–".to_string(), "–".into(), "–".into(), "–".into()]),
                }
            }
            if !any {
                break;
            }
            row.push(best.map(|(_, n)| n.to_string()).unwrap_or_default());
            table.add_row(row);
        }
        println!("{table}");
        for o in outputs {
            if let Some(last) = o.epochs.last() {
                let fmt = |v: &[f32]| {
                    v.iter()
                        .map(|x| format!("{x:.2e}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let pct = |v: &[f32]| {
                    v.iter()
                        .map(|x| format!("{:.1}%", 100.0 * x))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                // The per-image inactivity means different things: a ReLU unit switched off
                // (z ≤ 0, normal for half the units) or a Sigmoid/Tanh unit saturated.
                let inactive = format!("{} per image", o.activation.inactivity());
                println!(
                    "{:>10}: grad norms per layer (input side first) [{}]; dead units [{}]; {inactive} [{}]",
                    o.label,
                    fmt(&last.grad_norms),
                    pct(&last.dead_fraction),
                    pct(&last.saturated_fraction)
                );
            }
            for m in &o.messages {
                println!("{:>10}: {m}", o.label);
            }
        }
    }

    /// `--seeds`: every (seed, lane) run on a pool of threads, then the spread per epoch.
    fn race_seeds(config: &RaceConfig, seeds: &[u32], data: &Mnist, args: &Args) -> ExitCode {
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        eprintln!(
            "{} seeds × {} lanes on {threads} threads: {}",
            seeds.len(),
            config.activations.len(),
            seeds
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let total = (seeds.len() * config.activations.len() * config.batches_per_epoch()) as u64
            * config.epochs as u64;
        let bar = ProgressBar::new(total);
        if args.quiet {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(
                "[{bar:40.cyan/blue}] {percent:>3}% ({elapsed}, eta {eta})",
            )
            .expect("valid template"),
        );
        let runs = match run_seeds(config, seeds, data, threads, &|n| bar.inc(n as u64)) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        bar.finish_and_clear();
        let summary = summarize(seeds, &runs);
        print_seed_table(&summary);
        if let Some(dir) = &args.plots {
            let bands: Vec<LaneBands> = (0..config.activations.len())
                .map(|lane| {
                    let of_lane: Vec<&[activation_race::IntervalReport]> = runs
                        .iter()
                        .map(|r| r.lanes[lane].reports.as_slice())
                        .collect();
                    LaneBands::of_runs(seeds, &of_lane)
                })
                .collect();
            let lanes: Vec<LaneSeries<'_>> = bands
                .iter()
                .enumerate()
                .map(|(lane, b)| LaneSeries::of_lane(config, lane, &[], &[]).with_bands(Some(b)))
                .collect();
            match write_band_svgs(dir, &lanes, config.target_accuracy) {
                Ok(files) => files
                    .iter()
                    .for_each(|f| eprintln!("wrote {}", f.display())),
                Err(e) => {
                    eprintln!("error: cannot write the charts into {}: {e}", dir.display());
                    return ExitCode::FAILURE;
                }
            }
        }
        if let Some(path) = &args.json {
            let out = SeedsRecord { runs, summary };
            let text = serde_json::to_string_pretty(&out).expect("records serialize");
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!("wrote {}", path.display());
        }
        ExitCode::SUCCESS
    }

    fn print_seed_table(summary: &SeedSummary) {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        let mut header = vec!["epoch".to_string()];
        for l in &summary.lanes {
            header.push(format!("{}\nval acc: mean ± sd (min–max)", l.label));
            header.push(format!("{}\ntest acc: mean ± sd (min–max)", l.label));
            header.push(format!("{}\ntrain loss: mean ± sd (min–max)", l.label));
        }
        table.set_header(header);
        let pct = |s: &Option<Spread>| match s {
            Some(s) => format!(
                "{:.2}% ± {:.2} ({:.2}–{:.2})",
                100.0 * s.mean,
                100.0 * s.std,
                100.0 * s.min,
                100.0 * s.max
            ),
            None => "–".into(),
        };
        let plain = |s: &Option<Spread>| match s {
            Some(s) => format!("{:.4} ± {:.4} ({:.4}–{:.4})", s.mean, s.std, s.min, s.max),
            None => "–".into(),
        };
        let epochs = summary.lanes.first().map_or(0, |l| l.epochs.len());
        for e in 0..epochs {
            let mut row = vec![(e + 1).to_string()];
            for l in &summary.lanes {
                let ep = &l.epochs[e];
                let diverged = if ep.diverged > 0 {
                    format!(" [{} diverged]", ep.diverged)
                } else {
                    String::new()
                };
                row.push(pct(&ep.val_accuracy));
                row.push(pct(&ep.test_accuracy) + &diverged);
                row.push(plain(&ep.train_loss));
            }
            table.add_row(row);
        }
        println!("{table}");
        println!(
            "{} seeds ({}); sd = sample standard deviation over the seeds",
            summary.seeds.len(),
            summary
                .seeds
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
