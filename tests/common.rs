//! Shared helpers of the integration tests: real MNIST, loaded once per test binary.

use activation_race::Mnist;
use activation_race::native::{default_data_dir, load_mnist};
use std::sync::OnceLock;

/// All of MNIST from `www/data` (written by `bash .ci/setup`).
pub fn mnist() -> &'static Mnist {
    static DATA: OnceLock<Mnist> = OnceLock::new();
    DATA.get_or_init(|| {
        load_mnist(&default_data_dir())
            .unwrap_or_else(|e| panic!("real MNIST is needed for these tests: {e}"))
    })
}
