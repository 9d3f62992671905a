//! Python guests: componentize-py embeds the interpreter, our SDK and the
//! app into one component. The app is imported at build time
//! (componentize-py pre-initializes), so a request re-imports nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::BuildError;

/// The componentize-py release FasterAPI builds with.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// The WIT package, embedded so the binary builds Python guests anywhere:
/// ours, and the standard WASI 0.2 packages `wasi:http` needs (`wit/deps`).
const WIT: &[(&str, &str)] = &[
    ("fasterapi.wit", include_str!("../../../wit/fasterapi.wit")),
    ("deps/cli.wit", include_str!("../../../wit/deps/cli.wit")),
    ("deps/clocks.wit", include_str!("../../../wit/deps/clocks.wit")),
    ("deps/filesystem.wit", include_str!("../../../wit/deps/filesystem.wit")),
    ("deps/http.wit", include_str!("../../../wit/deps/http.wit")),
    ("deps/io.wit", include_str!("../../../wit/deps/io.wit")),
    ("deps/random.wit", include_str!("../../../wit/deps/random.wit")),
    ("deps/sockets.wit", include_str!("../../../wit/deps/sockets.wit")),
];

/// The Python SDK's modules, embedded for the same reason.
const SDK: &[(&str, &str)] = &[
    ("__init__.py", include_str!("../../../python/fasterapi/__init__.py")),
    ("_aio.py", include_str!("../../../python/fasterapi/_aio.py")),
    ("_app.py", include_str!("../../../python/fasterapi/_app.py")),
    ("_constraints.py", include_str!("../../../python/fasterapi/_constraints.py")),
    ("_depends.py", include_str!("../../../python/fasterapi/_depends.py")),
    ("_errors.py", include_str!("../../../python/fasterapi/_errors.py")),
    ("_files.py", include_str!("../../../python/fasterapi/_files.py")),
    ("_lax.py", include_str!("../../../python/fasterapi/_lax.py")),
    ("_model.py", include_str!("../../../python/fasterapi/_model.py")),
    ("_params.py", include_str!("../../../python/fasterapi/_params.py")),
    ("_responses.py", include_str!("../../../python/fasterapi/_responses.py")),
    ("_types.py", include_str!("../../../python/fasterapi/_types.py")),
    ("_world.py", include_str!("../../../python/fasterapi/_world.py")),
    ("background.py", include_str!("../../../python/fasterapi/background.py")),
    ("config.py", include_str!("../../../python/fasterapi/config.py")),
    ("encoders.py", include_str!("../../../python/fasterapi/encoders.py")),
    ("exception_handlers.py", include_str!("../../../python/fasterapi/exception_handlers.py")),
    ("exceptions.py", include_str!("../../../python/fasterapi/exceptions.py")),
    ("http.py", include_str!("../../../python/fasterapi/http.py")),
    ("kv.py", include_str!("../../../python/fasterapi/kv.py")),
    ("middleware/__init__.py", include_str!("../../../python/fasterapi/middleware/__init__.py")),
    ("middleware/cors.py", include_str!("../../../python/fasterapi/middleware/cors.py")),
    ("middleware/gzip.py", include_str!("../../../python/fasterapi/middleware/gzip.py")),
    ("middleware/trustedhost.py", include_str!("../../../python/fasterapi/middleware/trustedhost.py")),
    ("log.py", include_str!("../../../python/fasterapi/log.py")),
    ("responses.py", include_str!("../../../python/fasterapi/responses.py")),
    ("security.py", include_str!("../../../python/fasterapi/security.py")),
    ("sse.py", include_str!("../../../python/fasterapi/sse.py")),
    ("status.py", include_str!("../../../python/fasterapi/status.py")),
];

/// The Python SDK's modules, as (file name, source).
pub fn sdk() -> &'static [(&'static str, &'static str)] {
    SDK
}

/// The module componentize-py starts from; it exports the user's `app`.
const ENTRY_MODULE: &str = "fasterapi_entry";

/// A Python app: a module exporting `app`, importable from `dir` (for a
/// module inside a package, `dir` holds the top package and `module` is
/// dotted, so the package's relative imports work as under uvicorn).
pub struct PythonApp {
    dir: PathBuf,
    module: String,
}

impl PythonApp {
    /// `DIR/<module>.wasm` (`app_main.wasm` for `app.main`).
    pub fn default_output(&self) -> PathBuf {
        self.dir.join(format!("{}.wasm", self.module.replace('.', "_")))
    }
}

/// The app at `path`: a `.py` file, or a directory with an `app.py` (or a
/// package directory with a `main.py`, FastAPI's "bigger applications").
pub fn entry_module(path: &Path) -> Option<PythonApp> {
    if path.is_file() && path.extension().is_some_and(|e| e == "py") {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let module = path.file_stem()?.to_string_lossy().into_owned();
        return Some(in_packages(dir, module));
    }
    if path.join("app.py").is_file() {
        return Some(in_packages(path, "app".into()));
    }
    let main = path.join("main.py");
    (main.is_file() && path.join("__init__.py").is_file()).then(|| in_packages(path, "main".into()))
}

/// `module` in `dir`, named from the top of the packages that hold it.
fn in_packages(dir: &Path, mut module: String) -> PythonApp {
    if !dir.join("__init__.py").is_file() {
        return PythonApp { dir: dir.to_owned(), module };
    }
    // A package's parent may be above a relative `dir` (`.`): walk the real path.
    let mut dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    while dir.join("__init__.py").is_file() {
        let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else { break };
        module = format!("{}.{module}", name.to_string_lossy());
        dir = parent.to_owned();
    }
    PythonApp { dir, module }
}

/// Builds `app` into the component `output`.
pub fn build(app: &PythonApp, output: &Path) -> Result<(), BuildError> {
    let componentize_py = componentize_py()?;
    let work = tempdir(&app.module)?;
    for (name, source) in WIT {
        write(&work.join("wit").join(name), source)?;
    }
    for (name, source) in SDK {
        write(&work.join("sdk/fasterapi").join(name), source)?;
    }
    let entry = format!(
        "import {module} as _app_module\nfrom fasterapi._world import world_for\nWitWorld = world_for(_app_module.app)\n",
        module = app.module
    );
    write(&work.join(format!("sdk/{ENTRY_MODULE}.py")), &entry)?;
    let packages = super::packages::install(&app.dir, &pip_python(&componentize_py), &cache_dir())?;
    eprintln!("componentize-py: building {} (module `{}`)", app.dir.display(), app.module);
    let mut command = Command::new(&componentize_py);
    command.arg("-d").arg(work.join("wit")).args(["-w", "app-python", "componentize", ENTRY_MODULE, "-p"]);
    command.arg(work.join("sdk")).arg("-p").arg(&app.dir);
    if let Some(packages) = &packages {
        command.arg("-p").arg(packages);
    }
    let result = command
        .arg("-o")
        .arg(output)
        // A Python error is what the user needs, not componentize-py's own backtrace.
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|source| BuildError::Spawn { program: componentize_py.display().to_string(), source })?;
    let _ = std::fs::remove_dir_all(&work);
    if result.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&result.stderr);
    match python_error(&stderr, &app.dir) {
        Some(error) => Err(error),
        None => {
            eprint!("{stderr}");
            Err(BuildError::ComponentizeFailed(app.dir.join(format!("{}.py", app.module.replace('.', "/")))))
        }
    }
}

/// The Python exception that stopped the build (componentize-py imports the
/// app to pre-initialize it), as `file:line: Error: message` and the app's
/// part of the traceback. componentize-py names the search paths `/0`
/// (FasterAPI's SDK and entry module) and `/1` (the app's directory).
fn python_error(stderr: &str, app_dir: &Path) -> Option<BuildError> {
    let start = stderr.find("AssertionError: Traceback")? + "AssertionError: ".len();
    let end = stderr[start..].find("\n\nCaused by:").map_or(stderr.len(), |end| start + end);
    let app_prefix = format!("\"{}/", app_dir.display());
    let mut frames = Vec::new();
    let mut in_sdk_frame = false;
    for line in stderr[start..end].lines().skip(1) {
        if line.starts_with("  File ") {
            in_sdk_frame = line.starts_with("  File \"/0/");
        } else if !line.starts_with(' ') {
            in_sdk_frame = false;
        }
        if !in_sdk_frame {
            frames.push(line.replace("\"/1/", &app_prefix));
        }
    }
    let message = frames.iter().rev().find(|l| !l.trim().is_empty() && !l.starts_with(' '))?.clone();
    let location = frames.iter().rev().find_map(|line| {
        let rest = line.trim_start().strip_prefix("File \"")?;
        let (file, rest) = rest.split_once('"')?;
        let line_number = rest.strip_prefix(", line ")?.split(',').next()?;
        Some(format!("{file}:{line_number}"))
    })?;
    let traceback = frames.join("\n").trim_end().to_owned();
    Some(BuildError::Python { location, message, traceback })
}

/// The componentize-py to build with: `$FASTERAPI_COMPONENTIZE_PY`, or one
/// installed (once) into a venv in FasterAPI's cache directory.
pub fn componentize_py() -> Result<PathBuf, BuildError> {
    if let Some(path) = std::env::var_os("FASTERAPI_COMPONENTIZE_PY") {
        return Ok(path.into());
    }
    let venv = cache_dir().join(format!("componentize-py-{COMPONENTIZE_PY_VERSION}"));
    let program = venv.join("bin/componentize-py");
    if program.is_file() {
        return Ok(program);
    }
    eprintln!("installing componentize-py {COMPONENTIZE_PY_VERSION} into {} (once)", venv.display());
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let install_error = |reason: String| BuildError::Install { venv: venv.clone(), reason };
    run(Command::new(&python).args(["-m", "venv"]).arg(&venv)).map_err(install_error)?;
    let pip = venv.join("bin/pip");
    let spec = format!("componentize-py=={COMPONENTIZE_PY_VERSION}");
    run(Command::new(pip).args(["install", "--quiet", "--disable-pip-version-check", &spec]))
        .map_err(install_error)?;
    Ok(program)
}

/// FasterAPI's cache directory (built tools, installed packages).
fn cache_dir() -> PathBuf {
    fasterapi_runtime::cache::default_dir().unwrap_or_else(|| std::env::temp_dir().join("fasterapi"))
}

/// The Python whose pip installs an app's packages: the one beside
/// componentize-py in its venv, else `$PYTHON` or `python3`.
fn pip_python(componentize_py: &Path) -> PathBuf {
    let beside = componentize_py.with_file_name("python");
    if beside.is_file() {
        return beside;
    }
    std::env::var_os("PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from)
}

fn run(command: &mut Command) -> Result<(), String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let status = command
        .status()
        .map_err(|e| format!("cannot run {program}: {e} (install Python 3, or set PYTHON to its path)"))?;
    if status.success() { Ok(()) } else { Err(format!("{command:?} failed ({status})")) }
}

fn tempdir(module: &str) -> Result<PathBuf, BuildError> {
    let dir = std::env::temp_dir().join(format!("fasterapi-build-{module}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|source| BuildError::Write { path: dir.clone(), source })?;
    Ok(dir)
}

fn write(path: &Path, contents: &str) -> Result<(), BuildError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .and_then(|()| std::fs::write(path, contents))
        .map_err(|source| BuildError::Write { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_in_a_package_is_imported_from_the_top_package() {
        let root = std::env::temp_dir().join(format!("fasterapi-packages-{}", std::process::id()));
        let package = root.join("shop");
        std::fs::create_dir_all(package.join("routers")).unwrap();
        for file in ["__init__.py", "main.py", "routers/__init__.py"] {
            std::fs::write(package.join(file), "").unwrap();
        }
        std::fs::write(root.join("single.py"), "").unwrap();
        let root = root.canonicalize().unwrap();
        let by_file = entry_module(&package.join("main.py")).unwrap();
        assert_eq!((by_file.dir.as_path(), by_file.module.as_str()), (root.as_path(), "shop.main"));
        assert_eq!(by_file.default_output(), root.join("shop_main.wasm"));
        let by_dir = entry_module(&package).unwrap();
        assert_eq!(by_dir.module, "shop.main");
        let single = entry_module(&root.join("single.py")).unwrap();
        assert_eq!((single.dir.as_path(), single.module.as_str()), (root.as_path(), "single"));
        assert!(entry_module(&package.join("routers")).is_none());
        std::fs::remove_dir_all(&root).unwrap();
    }

    const SYNTAX_ERROR: &str = r#"componentize-py: building . (module `app`)
Traceback (most recent call last):
  File "/root/.cache/fasterapi/componentize-py-0.25.1/bin/componentize-py", line 8, in <module>
    sys.exit(script())
AssertionError: Traceback (most recent call last):
  File "/0/fasterapi_entry.py", line 1, in <module>
    import app as _app_module
  File "/1/app.py", line 5
    def root(:
             ^
SyntaxError: invalid syntax


Caused by:
    SyntaxError: invalid syntax (app.py, line 5)
"#;

    const SDK_ERROR: &str = r#"AssertionError: Traceback (most recent call last):
  File "/0/fasterapi_entry.py", line 1, in <module>
    import app as _app_module
  File "/1/app.py", line 3, in <module>
    @app.get("/x/{y}")
     ~~~~~~~^^^^^^^^^^
  File "/0/fasterapi/_app.py", line 135, in decorator
    route = _build_route(method.upper(), path, endpoint, status_code, response_class)
ValueError: f: the path has {y} but no argument of that name


Caused by:
    ValueError: f: the path has {y} but no argument of that name
"#;

    #[test]
    fn python_errors_name_the_app_file_and_line() {
        let error = python_error(SYNTAX_ERROR, Path::new("shop")).unwrap().to_string();
        assert!(error.starts_with("shop/app.py:5: SyntaxError: invalid syntax\n"), "{error}");
        assert!(error.contains("    def root(:"), "{error}");
        assert!(!error.contains("/0/"), "{error}");

        let error = python_error(SDK_ERROR, Path::new("shop")).unwrap().to_string();
        assert!(error.starts_with("shop/app.py:3: ValueError: f: the path has {y}"), "{error}");
        assert!(!error.contains("_build_route"), "{error}");
        assert!(python_error("some other failure", Path::new("shop")).is_none());
    }
}
