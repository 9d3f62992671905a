//! `fasterapi build DIR [-o OUT]`.

use std::path::Path;

use anyhow::Result;

/// Builds the guest project at `dir` and says where the component went.
pub fn run(dir: &Path, output: Option<&Path>) -> Result<()> {
    let built = crate::build::build(dir, output)?;
    eprintln!(
        "built {} ({} KiB) in {:.1}s",
        built.output.display(),
        built.bytes.div_ceil(1024),
        built.seconds
    );
    Ok(())
}
