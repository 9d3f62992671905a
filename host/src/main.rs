//! The `fasterapi` command; all of it lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    fasterapi_host::cli::main()
}
