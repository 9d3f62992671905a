//! `fasterapi:http/config`: an app reads its own `[app.config]` variables.

use std::collections::BTreeMap;

use wasmtime::component::HasData;

use crate::bindings::config::Host;

/// The guest's view of its config variables.
pub struct ConfigView<'a> {
    /// The app's variables.
    pub vars: &'a BTreeMap<String, String>,
}

/// Links `fasterapi:http/config` to a [`ConfigView`].
pub struct Config;

impl HasData for Config {
    type Data<'a> = ConfigView<'a>;
}

impl Host for ConfigView<'_> {
    fn get(&mut self, key: String) -> Option<String> {
        self.vars.get(&key).cloned()
    }

    fn get_all(&mut self) -> Vec<(String, String)> {
        self.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}
