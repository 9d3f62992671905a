//! Prometheus metrics (prometheus-client): requests by app and status,
//! latency histograms, traps, timeouts, instantiations and reloads, served
//! by the admin API at `GET /metrics`.

use std::borrow::Cow;
use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AppLabel {
    app: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    app: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboundLabels {
    app: String,
    destination: String,
    /// The status code, or the `wasi:http` error (`HttpRequestDenied`).
    outcome: String,
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<AppLabel, Histogram>,
    traps: Family<AppLabel, Counter>,
    timeouts: Family<AppLabel, Counter>,
    instantiations: Family<AppLabel, Counter>,
    reloads: Family<AppLabel, Counter>,
    outbound: Family<OutboundLabels, Counter>,
    outbound_latency: Family<AppLabel, Histogram>,
}

/// The metrics of this process.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The host's identity, a `host` label on every metric (set before the
/// first metric is taken: a fleet's series must not merge).
static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names this host in every metric; only the first call counts.
pub fn set_host(host: &str) {
    let _ = HOST.set(host.to_owned());
}

impl Metrics {
    fn new() -> Self {
        let labels = HOST.get().map(|host| (Cow::Borrowed("host"), Cow::Owned(host.clone())));
        let mut registry = Registry::with_prefix_and_labels("fasterapi", labels.into_iter());
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<AppLabel, Histogram>::new_with_constructor(|| {
            // 50 µs .. ~1.6 s
            Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
        });
        let traps = Family::<AppLabel, Counter>::default();
        let timeouts = Family::<AppLabel, Counter>::default();
        let instantiations = Family::<AppLabel, Counter>::default();
        let reloads = Family::<AppLabel, Counter>::default();
        let outbound = Family::<OutboundLabels, Counter>::default();
        let outbound_latency = Family::<AppLabel, Histogram>::new_with_constructor(|| {
            // 100 µs .. ~3.3 s
            Histogram::new(exponential_buckets(0.000_1, 2.0, 16))
        });
        registry.register("requests", "HTTP requests answered, by app and status", requests.clone());
        registry.register("request_duration_seconds", "Time to answer a request, by app", latency.clone());
        registry.register("traps", "Guest traps, by app", traps.clone());
        registry.register("timeouts", "Requests stopped at their timeout, by app", timeouts.clone());
        registry.register("instantiations", "Guest instances created, by app", instantiations.clone());
        registry.register(
            "reloads",
            "App versions loaded after start (reload or deploy), by app",
            reloads.clone(),
        );
        registry.register(
            "outbound_requests",
            "Outbound HTTP calls of guests, by app, destination host and outcome",
            outbound.clone(),
        );
        registry.register(
            "outbound_request_duration_seconds",
            "Time until an outbound call's answer began (or it failed), by app",
            outbound_latency.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            traps,
            timeouts,
            instantiations,
            reloads,
            outbound,
            outbound_latency,
        }
    }

    /// The handles of one app's metrics, looked up once rather than per request.
    pub fn app(&self, app: &str) -> AppMetrics {
        let label = AppLabel { app: app.into() };
        AppMetrics {
            app: app.into(),
            latency: self.latency.get_or_create(&label).clone(),
            traps: self.traps.get_or_create(&label).clone(),
            timeouts: self.timeouts.get_or_create(&label).clone(),
            instantiations: self.instantiations.get_or_create(&label).clone(),
            by_status: Default::default(),
        }
    }

    /// Counts a reload or deploy.
    pub fn reload(&self, app: &str) {
        self.reloads.get_or_create(&AppLabel { app: app.into() }).inc();
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Err(err) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!("cannot encode metrics: {err}");
        }
        text
    }
}

/// One app's metrics.
#[derive(Debug)]
pub struct AppMetrics {
    app: String,
    latency: Histogram,
    traps: Counter,
    timeouts: Counter,
    instantiations: Counter,
    /// Request counters by status, created on first use.
    by_status: std::sync::RwLock<Vec<(u16, Counter)>>,
}

impl AppMetrics {
    /// Counts one answered request.
    pub fn request(&self, status: u16, elapsed: Duration) {
        self.latency.observe(elapsed.as_secs_f64());
        let known = self.by_status.read().ok().and_then(|counters| {
            counters.iter().find(|(s, _)| *s == status).map(|(_, counter)| counter.inc())
        });
        if known.is_none() {
            let counter =
                METRICS.requests.get_or_create(&RequestLabels { app: self.app.clone(), status }).clone();
            counter.inc();
            if let Ok(mut counters) = self.by_status.write() {
                counters.push((status, counter));
            }
        }
    }

    /// Counts a trap.
    pub fn trap(&self) {
        self.traps.inc();
    }

    /// Counts a timeout.
    pub fn timeout(&self) {
        self.timeouts.inc();
    }
}

/// The runtime reports each instantiation of the app's guest.
impl fasterapi_runtime::Observer for AppMetrics {
    fn instantiated(&self) {
        self.instantiations.inc();
    }

    fn outbound(&self, destination: &str, outcome: &str, elapsed: Duration) {
        let labels = OutboundLabels {
            app: self.app.clone(),
            destination: destination.into(),
            outcome: outcome.into(),
        };
        METRICS.outbound.get_or_create(&labels).inc();
        METRICS
            .outbound_latency
            .get_or_create(&AppLabel { app: self.app.clone() })
            .observe(elapsed.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_encoded_in_prometheus_text() {
        let app = METRICS.app("metrics-test");
        app.request(200, Duration::from_micros(300));
        app.request(200, Duration::from_micros(300));
        app.trap();
        let text = METRICS.encode();
        assert!(text.contains(r#"fasterapi_requests_total{app="metrics-test",status="200"} 2"#), "{text}");
        assert!(text.contains(r#"fasterapi_traps_total{app="metrics-test"} 1"#), "{text}");
        assert!(text.contains("fasterapi_request_duration_seconds_bucket"), "{text}");
    }
}
