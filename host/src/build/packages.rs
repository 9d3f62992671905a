//! A Python app's third-party packages: the dependencies its project names
//! (`requirements.txt`, or `[project] dependencies` in `pyproject.toml`),
//! installed at build time as pure-Python wheels for the CPython that
//! componentize-py embeds, once per set of requirements (cached by content
//! hash), and put on the component's import path.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::BuildError;

/// The CPython that componentize-py 0.25.1 compiles into a component: the
/// wheels must suit it (`py3-none-any`).
const GUEST_PYTHON: &str = "3.14";

/// What the project asks for: pip's arguments, and the text they hash by.
struct Requirements {
    args: Vec<String>,
    text: String,
}

/// The directory of the app's installed packages, if its project names any:
/// from the cache when these requirements were installed before.
pub fn install(project: &Path, pip_python: &Path, cache: &Path) -> Result<Option<PathBuf>, BuildError> {
    let Some(requirements) = requirements(project)? else {
        return Ok(None);
    };
    let hash = hex(&Sha256::digest(format!("{GUEST_PYTHON}\n{}", requirements.text)));
    let target = cache.join("python-packages").join(&hash[..32]);
    if target.join(".complete").is_file() {
        return Ok(Some(target));
    }
    let staging = target.with_extension(format!("partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    eprintln!(
        "installing the app's Python packages ({}) into {}",
        requirements.args.join(" "),
        target.display()
    );
    let output = Command::new(pip_python)
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--target"])
        .arg(&staging)
        .args(["--only-binary=:all:", "--platform", "any", "--implementation", "py", "--abi", "none"])
        .args(["--python-version", GUEST_PYTHON])
        .args(&requirements.args)
        .current_dir(project)
        .output()
        .map_err(|source| BuildError::Spawn { program: pip_python.display().to_string(), source })?;
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(BuildError::Packages { reason: pip_failure(&String::from_utf8_lossy(&output.stderr)) });
    }
    let write = |path: PathBuf, source| BuildError::Write { path, source };
    std::fs::write(staging.join(".complete"), &requirements.text).map_err(|e| write(staging.clone(), e))?;
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&staging, &target).map_err(|e| write(target.clone(), e))?;
    Ok(Some(target))
}

/// `requirements.txt` (passed to pip as is), else `pyproject.toml`'s
/// `[project] dependencies`; `None` when the project names neither.
fn requirements(project: &Path) -> Result<Option<Requirements>, BuildError> {
    let read =
        |path: PathBuf| std::fs::read_to_string(&path).map_err(|source| BuildError::Write { path, source });
    let file = project.join("requirements.txt");
    if file.is_file() {
        let text = read(file.clone())?;
        let named = text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let args = vec!["-r".to_owned(), file.display().to_string()];
        return Ok(named.then_some(Requirements { args, text }));
    }
    let file = project.join("pyproject.toml");
    if !file.is_file() {
        return Ok(None);
    }
    let text = read(file.clone())?;
    let manifest: toml::Table = text.parse().map_err(|err: toml::de::Error| BuildError::Packages {
        reason: format!("{}: {}", file.display(), err.message()),
    })?;
    let dependencies = manifest
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .map(|list| list.iter().filter_map(|d| d.as_str().map(str::to_owned)).collect::<Vec<_>>())
        .unwrap_or_default();
    let text = dependencies.join("\n");
    Ok((!dependencies.is_empty()).then_some(Requirements { args: dependencies, text }))
}

/// What pip said, put as the user needs it: a package without a
/// pure-Python wheel is named, with why it cannot be used.
fn pip_failure(stderr: &str) -> String {
    let missing = stderr.lines().find_map(|line| {
        let rest = line.split("No matching distribution found for ").nth(1)?;
        Some(rest.trim().to_owned())
    });
    match missing {
        Some(package) => format!(
            "{package} has no pure-Python wheel (py3-none-any) for Python {GUEST_PYTHON}: a FasterAPI component runs \
             CPython compiled to WebAssembly, which cannot load native extension modules"
        ),
        None => format!("pip could not install them:\n{}", stderr.trim_end()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_come_from_requirements_txt_or_pyproject() {
        let dir = std::env::temp_dir().join(format!("fasterapi-requirements-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(requirements(&dir).unwrap().is_none());
        std::fs::write(
            dir.join("pyproject.toml"),
            "[project]\nname = \"x\"\ndependencies = [\"attrs>=23\"]\n",
        )
        .unwrap();
        assert_eq!(requirements(&dir).unwrap().unwrap().args, ["attrs>=23"]);
        std::fs::write(dir.join("requirements.txt"), "# nothing yet\n\n").unwrap();
        assert!(requirements(&dir).unwrap().is_none(), "an empty requirements.txt names nothing");
        std::fs::write(dir.join("requirements.txt"), "attrs\n").unwrap();
        assert_eq!(requirements(&dir).unwrap().unwrap().args[0], "-r");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_native_only_package_is_named() {
        let stderr = "ERROR: Could not find a version that satisfies the requirement numpy (from versions: none)\n\
                      ERROR: No matching distribution found for numpy\n";
        assert!(pip_failure(stderr).starts_with("numpy has no pure-Python wheel"));
    }
}
