//! `fasterapi:http/config`: an app reads its own `[app.config]` variables.

use crate::runtime::HostState;
use crate::runtime::bindings::config::Host;

impl Host for HostState {
    fn get(&mut self, key: String) -> Option<String> {
        self.context.config.get(&key).cloned()
    }

    fn get_all(&mut self) -> Vec<(String, String)> {
        self.context.config.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}
