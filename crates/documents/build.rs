//! Finds the SeetaFace frontal model that ships inside the rustface crate's source package, so the binary
//! carries it (`include_bytes!`) and nothing is downloaded or looked up at run time.

use std::env;
use std::path::PathBuf;

const MODEL: &str = "rustface-0.1.7/model/seeta_fd_frontal_v1.0.bin";

fn main() {
    println!("cargo:rerun-if-env-changed=KAOWU_RUSTFACE_MODEL");
    println!("cargo:rerun-if-env-changed=CARGO_HOME");
    let model = env::var_os("KAOWU_RUSTFACE_MODEL").map(PathBuf::from).or_else(find_in_registry).unwrap_or_else(|| {
        panic!("the rustface model ({MODEL}) was not found in the cargo registry; set KAOWU_RUSTFACE_MODEL to its path")
    });
    println!("cargo:rerun-if-changed={}", model.display());
    println!("cargo:rustc-env=KAOWU_RUSTFACE_MODEL={}", model.display());
}

fn find_in_registry() -> Option<PathBuf> {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
    let sources = std::fs::read_dir(cargo_home.join("registry").join("src")).ok()?;
    sources.flatten().map(|index| index.path().join(MODEL)).find(|candidate| candidate.is_file())
}
