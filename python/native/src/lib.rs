//! `fasterapi._native`: the Python package's thin layer over the Rust host.
//! The `fasterapi` command runs the host's CLI; `Host` serves a component
//! or manifest in-process for `fasterapi.testclient.TestClient`. The GIL is
//! released whenever the host runs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use fasterapi_host::inprocess::{InProcess, Options};
use fasterapi_host::trigger::GuestError;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Runs the `fasterapi` command with `argv` (the program's name first);
/// returns its exit status.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> u8 {
    let status = py.detach(|| fasterapi_host::cli::main_from(argv));
    if status == std::process::ExitCode::SUCCESS { 0 } else { 1 }
}

/// FasterAPI's cache directory, as the host resolves it
/// (`$FASTERAPI_CACHE_DIR`, `$XDG_CACHE_HOME/fasterapi`, `~/.cache/fasterapi`).
#[pyfunction]
fn cache_dir() -> Option<PathBuf> {
    fasterapi_host::inprocess::cache_dir()
}

/// Apps loaded in this process, answering requests without a socket.
#[pyclass(frozen)]
struct Host {
    inner: InProcess,
}

/// A response: status, headers (name and value bytes), body, and why the
/// app failed it in its own words (its error log lines, its trap), if it did.
type Answer<'py> = (u16, Vec<(String, Bound<'py, PyBytes>)>, Bound<'py, PyBytes>, Option<String>);

#[pymethods]
impl Host {
    /// Loads `path` (a `.wasm` component or a `fasterapi.toml`); a
    /// component gets the `config` variables, and the kv store in `kv_dir`.
    #[new]
    #[pyo3(signature = (path, cache_dir=None, config=None, kv_dir=None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        cache_dir: Option<PathBuf>,
        config: Option<BTreeMap<String, String>>,
        kv_dir: Option<PathBuf>,
    ) -> PyResult<Host> {
        fasterapi_host::inprocess::log_to_stderr();
        let options = Options { path, cache_dir, config: config.unwrap_or_default(), kv_dir };
        let inner =
            py.detach(|| InProcess::open(options)).map_err(|err| PyRuntimeError::new_err(err.to_string()))?;
        Ok(Host { inner })
    }

    /// Answers one request.
    fn request<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        uri: &str,
        headers: Vec<(Vec<u8>, Vec<u8>)>,
        body: Vec<u8>,
    ) -> PyResult<Answer<'py>> {
        let request = InProcess::build_request(method, uri, &headers, body)
            .map_err(|err| PyValueError::new_err(err.to_string()))?;
        let response = py.detach(|| self.inner.request(request));
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), PyBytes::new(py, value.as_bytes())))
            .collect();
        let error = response.extensions().get::<GuestError>().map(|error| error.0.clone());
        Ok((response.status().as_u16(), headers, PyBytes::new(py, response.body()), error))
    }
}

/// The module.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(main, module)?)?;
    module.add_function(wrap_pyfunction!(cache_dir, module)?)?;
    module.add_class::<Host>()?;
    Ok(())
}
