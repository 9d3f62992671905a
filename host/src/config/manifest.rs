//! `fasterapi.toml`: the apps one server hosts, their limits, config and
//! capabilities. Every error names the file, the line and the key.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use fasterapi_oci::{ImageRef, ReferenceError};
use fasterapi_runtime::capabilities::outbound::AllowedHosts;
use fasterapi_runtime::{InstanceMode, World};

use super::AppName;
use super::limits::{self, Limits, LimitsOverride};

/// How long a request body may take to arrive, unless `[server]` says.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// A validated manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `[server]`.
    pub server: ServerConfig,
    /// Every `[[app]]`, in the file's order.
    pub apps: Vec<AppConfig>,
}

/// Server-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// Where apps are served.
    pub listen: SocketAddr,
    /// Compiled-component cache and key-value data live here.
    pub data_dir: PathBuf,
    /// Defaults for every app's limits.
    pub limits: Limits,
    /// Where the key-value store keeps its data.
    pub kv: KvConfig,
    /// A client that has not sent its request headers by then is disconnected.
    pub header_read_timeout: Duration,
    /// A request whose body has not fully arrived by then is answered 408
    /// and its connection closed (nginx's `client_body_timeout`).
    pub body_read_timeout: Duration,
    /// Guest instances alive at once across all apps; `None` sizes the pool
    /// from the apps' `max_concurrency` at start (see
    /// `registry::instances_needed`).
    pub max_instances: Option<u32>,
    /// The largest request head (request line and headers) accepted.
    pub max_header_size: usize,
    /// How much disk the compile cache may use; `None`: sized from the disk
    /// it is on (`fasterapi_runtime::cache::default_size`).
    pub cache_size: Option<u64>,
    /// The admin API.
    pub admin: AdminConfig,
    /// PEM certificates trusted for outbound HTTPS besides the system's roots
    /// (a private CA).
    pub outbound_ca: Option<PathBuf>,
    /// Registries (`host:port`) beyond loopback that components are pulled
    /// from over plain HTTP (loopback ones always are).
    pub insecure_registries: Vec<String>,
}

/// The admin API's listener. It only runs when a token is configured.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminConfig {
    /// Where the admin API listens (loopback by default).
    pub listen: SocketAddr,
    /// A file holding the bearer token (`$FASTERAPI_ADMIN_TOKEN` wins).
    pub token_file: Option<PathBuf>,
}

/// The admin API's default address: loopback only.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:8081";

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig { listen: parse_const(DEFAULT_ADMIN_LISTEN), token_file: None }
    }
}

fn parse_const(addr: &str) -> SocketAddr {
    addr.parse().unwrap_or_else(|_| unreachable!("a valid constant address"))
}

/// Where the key-value store keeps its data.
#[derive(Debug, Clone, PartialEq)]
pub enum KvConfig {
    /// An embedded on-disk database (redb) under `data_dir`.
    Embedded,
    /// A Redis server shared by several hosts.
    Redis {
        /// `redis://host:port/db`.
        url: String,
    },
}

/// Which of the documentation endpoints an app serves (`openapi` and `docs`
/// in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocsSettings {
    /// `GET /openapi.json`.
    pub openapi: bool,
    /// `GET /docs` and its assets; needs `openapi`.
    pub docs: bool,
}

impl Default for DocsSettings {
    fn default() -> Self {
        DocsSettings { openapi: true, docs: true }
    }
}

/// One app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    /// Unique on the host.
    pub name: AppName,
    /// Whose app it is: its kv namespace.
    pub tenant: String,
    /// The component file; for an app pulled from a registry, the pulled
    /// file once loaded (empty before).
    pub component: PathBuf,
    /// The registry reference the component is pulled from, if the
    /// manifest gives one (`component = "oci://..."`).
    pub image: Option<ImageRef>,
    /// Mount prefix (`/acme`); `None` mounts at the root.
    pub route: Option<String>,
    /// Host header to match (lower-case, no port).
    pub host: Option<String>,
    /// `None` when the manifest does not say: the guest's preference
    /// applies, else per request.
    pub instances: Option<InstanceMode>,
    /// The server's limits with the app's overrides.
    pub limits: Limits,
    /// `[app.config]`: variables the guest reads.
    pub config: BTreeMap<String, String>,
    /// Whether the app may use its tenant's key-value namespace.
    pub kv: bool,
    /// Whether the app serves `/openapi.json` and `/docs`.
    pub docs: DocsSettings,
    /// The world the manifest says the component implements (`kind`);
    /// `None` takes what the component exports.
    pub kind: Option<World>,
    /// Whom the app may call over HTTP (`allowed_outbound_hosts`, Spin's
    /// syntax); empty denies every call.
    pub allowed_outbound_hosts: Vec<String>,
}

/// An invalid manifest, located.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{}:{line}: {key}: {message}", file.display())]
pub struct ManifestError {
    /// The manifest (or deployed app file).
    pub file: PathBuf,
    /// The 1-based line; 0 when the error concerns the whole file.
    pub line: usize,
    /// The dotted key (`app.limits.timeout`), or `-`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    app: Vec<RawApp>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    data_dir: Option<String>,
    header_read_timeout: Option<Spanned<String>>,
    body_read_timeout: Option<Spanned<String>>,
    max_instances: Option<Spanned<u32>>,
    max_header_size: Option<Spanned<String>>,
    cache_size: Option<Spanned<String>>,
    #[serde(default)]
    limits: RawLimits,
    kv: Option<RawKv>,
    admin: Option<RawAdmin>,
    outbound_ca: Option<String>,
    #[serde(default)]
    insecure_registries: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdmin {
    listen: Option<Spanned<String>>,
    token_file: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    memory: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    max_concurrency: Option<Spanned<u32>>,
    max_body: Option<Spanned<String>>,
    max_response: Option<Spanned<String>>,
    kv_bytes: Option<Spanned<String>>,
    kv_keys: Option<Spanned<u64>>,
    outbound_requests: Option<Spanned<u32>>,
    outbound_connections: Option<Spanned<u32>>,
    outbound_connect_timeout: Option<Spanned<String>>,
    outbound_timeout: Option<Spanned<String>>,
    max_outbound_response: Option<Spanned<String>>,
    keep_warm: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKv {
    backend: Spanned<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    name: Spanned<String>,
    tenant: Spanned<String>,
    component: Spanned<String>,
    route: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    instances: Option<Spanned<String>>,
    openapi: Option<Spanned<bool>>,
    docs: Option<Spanned<bool>>,
    isolate_origin: Option<Spanned<bool>>,
    kind: Option<Spanned<String>>,
    allowed_outbound_hosts: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    config: BTreeMap<String, String>,
    #[serde(default)]
    capabilities: RawCapabilities,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCapabilities {
    #[serde(default)]
    kv: bool,
}

impl Manifest {
    /// A manifest of one app (`fasterapi serve app.wasm`): the component at
    /// the root, named after its file, with default limits.
    pub fn single_app(component: &Path) -> Manifest {
        let limits = Limits::default();
        let stem = component.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let name = AppName::sanitized(&stem);
        Manifest {
            server: ServerConfig {
                listen: parse_const(DEFAULT_LISTEN),
                data_dir: PathBuf::from(".fasterapi"),
                limits,
                kv: KvConfig::Embedded,
                header_read_timeout: Duration::from_secs(30),
                body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
                max_instances: None,
                max_header_size: 64 << 10,
                cache_size: None,
                admin: Default::default(),
                outbound_ca: None,
                insecure_registries: Vec::new(),
            },
            apps: vec![AppConfig {
                name,
                tenant: "default".into(),
                component: component.to_owned(),
                image: None,
                route: None,
                host: None,
                instances: None,
                limits,
                config: Default::default(),
                kv: false,
                docs: Default::default(),
                kind: None,
                allowed_outbound_hosts: Vec::new(),
            }],
        }
    }
}

/// Reads and validates the manifest at `path`.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    parse(&read(path)?, path)
}

/// Like [`load`], but an app's component need not exist yet: `fasterapi dev`
/// builds it.
pub fn load_before_build(path: &Path) -> Result<Manifest, ManifestError> {
    parse_with(&read(path)?, path, false)
}

fn read(path: &Path) -> Result<String, ManifestError> {
    std::fs::read_to_string(path).map_err(|err| ManifestError {
        file: path.to_owned(),
        line: 0,
        key: "-".into(),
        message: format!("cannot read: {err}"),
    })
}

/// Validates manifest `text`; relative paths are resolved against `path`'s directory.
pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
    parse_with(text, path, true)
}

fn parse_with(text: &str, path: &Path, require_components: bool) -> Result<Manifest, ManifestError> {
    let locate = LocatedToml { text, file: path };
    let raw = locate.parse()?;
    let base = path.parent().unwrap_or(Path::new("."));
    let server = server_config(&raw.server, base, &locate)?;
    let mut apps: Vec<AppConfig> = Vec::new();
    for app in &raw.app {
        let config = app_config(app, &server.limits, base, &locate, require_components)?;
        check_unique(&config, app, &apps, &locate)?;
        apps.push(config);
    }
    if apps.is_empty() {
        return Err(locate.error(0, "app", "the manifest declares no [[app]]"));
    }
    Ok(Manifest { server, apps })
}

/// An app's manifest entry written as a TOML inline table (`{ tenant =
/// "acme", route = "/acme" }`; empty for none), as `fasterapi deploy` and
/// the admin API take it; or what is wrong with it.
pub fn inline_entry(text: &str) -> Result<toml::Table, String> {
    let wrapped = format!("app = {}", if text.trim().is_empty() { "{}" } else { text });
    let mut table: toml::Table = toml::from_str(&wrapped).map_err(|e| format!(": {e}"))?;
    match table.remove("app") {
        Some(toml::Value::Table(entry)) => Ok(entry),
        _ => Err("must be an inline table like { tenant = \"acme\" }".into()),
    }
}

/// Parses a deployed app's file (one `[[app]]`, no `[server]`), with
/// `server`'s defaults; relative paths are resolved against `path`'s directory.
pub fn parse_deployed(text: &str, path: &Path, server: &ServerConfig) -> Result<AppConfig, ManifestError> {
    let locate = LocatedToml { text, file: path };
    let raw = locate.parse()?;
    let [app] = raw.app.as_slice() else {
        return Err(locate.error(0, "app", "a deployed app file holds exactly one [[app]]"));
    };
    app_config(app, &server.limits, path.parent().unwrap_or(Path::new(".")), &locate, true)
}

/// Two apps that claim the same route and host, if any.
pub fn find_clash(apps: &[AppConfig]) -> Option<(&AppConfig, &AppConfig)> {
    apps.iter()
        .enumerate()
        .find_map(|(i, a)| apps[..i].iter().find(|b| b.route == a.route && b.host == a.host).map(|b| (b, a)))
}

/// A TOML text and its file: parses it into manifest sections and turns
/// byte offsets into `file:line: key:` errors.
struct LocatedToml<'a> {
    text: &'a str,
    file: &'a Path,
}

impl LocatedToml<'_> {
    /// The TOML as manifest sections; a syntax or schema error is located.
    fn parse(&self) -> Result<RawManifest, ManifestError> {
        toml::from_str(self.text).map_err(|err| {
            let line = err.span().map_or(0, |span| self.line(span.start));
            let key = err.span().map(|span| self.text[span].trim().to_owned()).unwrap_or_default();
            self.error(line, &key, err.message())
        })
    }

    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].matches('\n').count() + 1
    }

    fn at<T>(&self, value: &Spanned<T>, key: &str, message: impl Into<String>) -> ManifestError {
        self.error(self.line(value.span().start), key, message)
    }

    fn error(&self, line: usize, key: &str, message: impl Into<String>) -> ManifestError {
        ManifestError { file: self.file.to_owned(), line, key: key.into(), message: message.into() }
    }
}

fn server_config(raw: &RawServer, base: &Path, locate: &LocatedToml) -> Result<ServerConfig, ManifestError> {
    let listen = match &raw.listen {
        Some(listen) => listen
            .get_ref()
            .parse()
            .map_err(|_| locate.at(listen, "server.listen", "expected an address like 127.0.0.1:8080"))?,
        None => parse_const(DEFAULT_LISTEN),
    };
    let limits = limits_override(&raw.limits, "server.limits", locate)?.apply(&Limits::default());
    let kv = match &raw.kv {
        None => KvConfig::Embedded,
        Some(kv) => match (kv.backend.get_ref().as_str(), &kv.url) {
            ("embedded", _) => KvConfig::Embedded,
            ("redis", Some(url)) => KvConfig::Redis { url: url.clone() },
            ("redis", None) => {
                return Err(locate.at(&kv.backend, "server.kv.url", "the redis backend needs a url"));
            }
            (other, _) => {
                let message = format!("unknown backend '{other}': expected \"embedded\" or \"redis\"");
                return Err(locate.at(&kv.backend, "server.kv.backend", message));
            }
        },
    };
    let header_read_timeout = match &raw.header_read_timeout {
        Some(value) => limits::parse_duration(value.get_ref())
            .map_err(|msg| locate.at(value, "server.header_read_timeout", msg))?,
        None => Duration::from_secs(30),
    };
    let body_read_timeout = match &raw.body_read_timeout {
        Some(value) => limits::parse_duration(value.get_ref())
            .map_err(|msg| locate.at(value, "server.body_read_timeout", msg))?,
        None => DEFAULT_BODY_READ_TIMEOUT,
    };
    if let Some(count) =
        raw.max_instances.as_ref().filter(|c| !(1..=limits::MAX_INSTANCES).contains(c.get_ref()))
    {
        let message = format!("must be from 1 to {}", limits::MAX_INSTANCES);
        return Err(locate.at(count, "server.max_instances", message));
    }
    let max_header_size = match &raw.max_header_size {
        Some(value) => limits::parse_size(value.get_ref(), limits::MAX_HEADER_SIZE)
            .map_err(|msg| locate.at(value, "server.max_header_size", msg))?,
        None => 64 << 10,
    };
    let cache_size = match &raw.cache_size {
        Some(value) => Some(
            limits::parse_size(value.get_ref(), usize::MAX)
                .map_err(|msg| locate.at(value, "server.cache_size", msg))? as u64,
        ),
        None => None,
    };
    let admin = match &raw.admin {
        None => AdminConfig::default(),
        Some(admin) => AdminConfig {
            listen: match &admin.listen {
                Some(listen) => listen.get_ref().parse().map_err(|_| {
                    locate.at(listen, "server.admin.listen", "expected an address like 127.0.0.1:8081")
                })?,
                None => parse_const(DEFAULT_ADMIN_LISTEN),
            },
            token_file: admin.token_file.as_ref().map(|file| base.join(file)),
        },
    };
    Ok(ServerConfig {
        listen,
        admin,
        data_dir: base.join(raw.data_dir.as_deref().unwrap_or(".fasterapi")),
        limits,
        kv,
        header_read_timeout,
        body_read_timeout,
        max_instances: raw.max_instances.as_ref().map(|c| *c.get_ref()),
        max_header_size,
        cache_size,
        outbound_ca: raw.outbound_ca.as_ref().map(|file| base.join(file)),
        insecure_registries: raw.insecure_registries.clone(),
    })
}

fn limits_override(
    raw: &RawLimits,
    table: &str,
    locate: &LocatedToml,
) -> Result<LimitsOverride, ManifestError> {
    use limits::{MAX_BODY, MAX_CONCURRENCY, MAX_MEMORY, parse_duration, parse_size};
    let size = |value: &Option<Spanned<String>>, key: &str, max| -> Result<Option<usize>, ManifestError> {
        value
            .as_ref()
            .map(|v| parse_size(v.get_ref(), max).map_err(|msg| locate.at(v, &format!("{table}.{key}"), msg)))
            .transpose()
    };
    let duration = |value: &Option<Spanned<String>>, key: &str| -> Result<Option<Duration>, ManifestError> {
        value
            .as_ref()
            .map(|v| parse_duration(v.get_ref()).map_err(|msg| locate.at(v, &format!("{table}.{key}"), msg)))
            .transpose()
    };
    let timeout = duration(&raw.timeout, "timeout")?;
    for (value, key) in
        [(&raw.outbound_requests, "outbound_requests"), (&raw.outbound_connections, "outbound_connections")]
    {
        if let Some(count) = value.as_ref().filter(|c| !(1..=MAX_CONCURRENCY).contains(c.get_ref())) {
            return Err(locate.at(
                count,
                &format!("{table}.{key}"),
                format!("must be from 1 to {MAX_CONCURRENCY}"),
            ));
        }
    }
    if let Some(concurrency) =
        raw.max_concurrency.as_ref().filter(|c| !(1..=MAX_CONCURRENCY).contains(c.get_ref()))
    {
        let message = format!("must be from 1 to {MAX_CONCURRENCY}");
        return Err(locate.at(concurrency, &format!("{table}.max_concurrency"), message));
    }
    if let Some(keys) = raw.kv_keys.as_ref().filter(|k| *k.get_ref() > limits::MAX_KV_KEYS) {
        let message = format!("must be at most {}", limits::MAX_KV_KEYS);
        return Err(locate.at(keys, &format!("{table}.kv_keys"), message));
    }
    Ok(LimitsOverride {
        memory: size(&raw.memory, "memory", MAX_MEMORY)?,
        timeout,
        max_concurrency: raw.max_concurrency.as_ref().map(|c| *c.get_ref()),
        max_body: size(&raw.max_body, "max_body", MAX_BODY)?,
        max_response: size(&raw.max_response, "max_response", MAX_BODY)?,
        kv_bytes: size(&raw.kv_bytes, "kv_bytes", limits::MAX_KV_BYTES)?,
        kv_keys: raw.kv_keys.as_ref().map(|v| *v.get_ref()),
        outbound_requests: raw.outbound_requests.as_ref().map(|v| *v.get_ref()),
        outbound_connections: raw.outbound_connections.as_ref().map(|v| *v.get_ref()),
        outbound_connect_timeout: duration(&raw.outbound_connect_timeout, "outbound_connect_timeout")?,
        outbound_timeout: duration(&raw.outbound_timeout, "outbound_timeout")?,
        max_outbound_response: size(&raw.max_outbound_response, "max_outbound_response", MAX_BODY)?,
        keep_warm: duration(&raw.keep_warm, "keep_warm")?,
    })
}

fn app_config(
    raw: &RawApp,
    defaults: &Limits,
    base: &Path,
    locate: &LocatedToml,
    require_component: bool,
) -> Result<AppConfig, ManifestError> {
    let name = AppName::new(raw.name.get_ref())
        .map_err(|_| locate.at(&raw.name, "app.name", "use letters, digits, '-' and '_'"))?;
    if raw.tenant.get_ref().is_empty() {
        return Err(locate.at(&raw.tenant, "app.tenant", "must not be empty"));
    }
    let (component, image) = component_source(&raw.component, base, locate, require_component)?;
    let route = raw.route.as_ref().map(|route| normalize_prefix(route, locate)).transpose()?.flatten();
    let host = raw.host.as_ref().map(|host| host.get_ref().trim().to_ascii_lowercase());
    if let (Some(isolate), None) = (raw.isolate_origin.as_ref().filter(|i| *i.get_ref()), &host) {
        let message = "an app that must have a browser origin of its own needs a `host` (a path prefix shares the origin of every app on the host)";
        return Err(locate.at(isolate, "app.isolate_origin", message));
    }
    let instances = match &raw.instances {
        None => None,
        Some(mode) => {
            Some(mode.get_ref().parse().map_err(|msg: String| locate.at(mode, "app.instances", msg))?)
        }
    };
    let limits = limits_override(&raw.limits, "app.limits", locate)?.apply(defaults);
    let openapi = raw.openapi.as_ref().is_none_or(|o| *o.get_ref());
    if let (false, Some(docs)) = (openapi, raw.docs.as_ref().filter(|d| *d.get_ref())) {
        return Err(locate.at(docs, "app.docs", "/docs shows /openapi.json: it needs `openapi = true`"));
    }
    let docs = DocsSettings { openapi, docs: openapi && raw.docs.as_ref().is_none_or(|d| *d.get_ref()) };
    let kind = match &raw.kind {
        None => None,
        Some(kind) => Some(match kind.get_ref().as_str() {
            "typed" => World::Typed,
            "wasi-http" => World::WasiHttp,
            _ => return Err(locate.at(kind, "app.kind", "expected \"typed\" or \"wasi-http\"")),
        }),
    };
    let allowed_outbound_hosts = match &raw.allowed_outbound_hosts {
        None => Vec::new(),
        Some(hosts) => {
            AllowedHosts::parse(hosts.get_ref())
                .map_err(|err| locate.at(hosts, "app.allowed_outbound_hosts", err.to_string()))?;
            hosts.get_ref().clone()
        }
    };
    Ok(AppConfig {
        name,
        tenant: raw.tenant.get_ref().clone(),
        component,
        image,
        route,
        host,
        instances,
        limits,
        config: raw.config.clone(),
        kv: raw.capabilities.kv,
        docs,
        kind,
        allowed_outbound_hosts,
    })
}

/// `"/acme/"` -> `"/acme"`; `"/"` -> `None`: the root, as no route at all.
fn normalize_prefix(route: &Spanned<String>, locate: &LocatedToml) -> Result<Option<String>, ManifestError> {
    let value = route.get_ref().trim_end_matches('/');
    if !route.get_ref().starts_with('/') || value.contains(['{', '}', '*', '?', '#']) {
        return Err(locate.at(route, "app.route", "a mount prefix like \"/acme\" (no parameters)"));
    }
    Ok(Some(value.to_owned()).filter(|prefix| !prefix.is_empty()))
}

/// Where an app's component comes from: a file (relative to the manifest),
/// or a registry reference, pulled when the app is loaded.
fn component_source(
    text: &Spanned<String>,
    base: &Path,
    locate: &LocatedToml,
    require_file: bool,
) -> Result<(PathBuf, Option<ImageRef>), ManifestError> {
    if ImageRef::is_reference(text.get_ref()) {
        let image = text
            .get_ref()
            .parse()
            .map_err(|err: ReferenceError| locate.at(text, "app.component", err.to_string()))?;
        return Ok((PathBuf::new(), Some(image)));
    }
    let component = base.join(text.get_ref());
    if require_file && let Err(message) = check_component_file(&component) {
        return Err(locate.at(text, "app.component", message));
    }
    Ok((component, None))
}

/// Why `path` cannot be an app's component file, if it cannot.
fn check_component_file(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Err(_) => Err(format!("{} does not exist", path.display())),
        Ok(meta) if meta.is_dir() => Err(format!("{} is a directory, not a component file", path.display())),
        Ok(meta) if !meta.is_file() => {
            Err(format!("{} is not a regular file (a FIFO or a device?)", path.display()))
        }
        Ok(_) => Ok(()),
    }
}

fn check_unique(
    app: &AppConfig,
    raw: &RawApp,
    earlier: &[AppConfig],
    locate: &LocatedToml,
) -> Result<(), ManifestError> {
    for other in earlier {
        if other.name == app.name {
            return Err(locate.at(&raw.name, "app.name", format!("'{}' is declared twice", app.name)));
        }
        if other.route == app.route && other.host == app.host {
            let place = match (&app.host, &app.route) {
                (Some(host), Some(route)) => format!("host {host} and route {route}"),
                (Some(host), None) => format!("host {host}"),
                (None, Some(route)) => format!("route {route}"),
                (None, None) => "the root route".into(),
            };
            let spanned = raw.route.as_ref().or(raw.host.as_ref()).unwrap_or(&raw.name);
            let key = if raw.route.is_some() { "app.route" } else { "app.host" };
            return Err(locate.at(
                spanned,
                key,
                format!("{place} is already claimed by app '{}'", other.name),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in(dir: &Path, text: &str) -> Result<Manifest, ManifestError> {
        std::fs::create_dir_all(dir.join("apps")).unwrap();
        std::fs::write(dir.join("apps/a.wasm"), b"\0asm").unwrap();
        parse(text, &dir.join("fasterapi.toml"))
    }

    fn dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("fasterapi-manifest-{name}-{}", std::process::id()))
    }

    const FULL: &str = r#"
[server]
listen = "127.0.0.1:9000"
data_dir = "data"
cache_size = "10GiB"

[server.limits]
memory = "32MiB"
timeout = "1s"
keep_warm = "5m"

[[app]]
name = "users"
tenant = "acme"
component = "apps/a.wasm"
route = "/acme/"

[app.limits]
timeout = "250ms"
max_concurrency = 4

[app.config]
greeting = "hello"

[app.capabilities]
kv = true

[[app]]
name = "other"
tenant = "globex"
component = "apps/a.wasm"
host = "Globex.Example.com"
"#;

    #[test]
    fn a_full_manifest_parses_with_defaults_applied() {
        let dir = dir("full");
        let manifest = parse_in(&dir, FULL).unwrap();
        assert_eq!(manifest.server.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(manifest.server.data_dir, dir.join("data"));
        assert_eq!(manifest.server.cache_size, Some(10 << 30));
        let users = &manifest.apps[0];
        assert_eq!(users.limits.keep_warm, Duration::from_secs(300));
        assert_eq!(users.route.as_deref(), Some("/acme"));
        assert_eq!(users.limits.memory, 32 << 20);
        assert_eq!(users.limits.timeout, Duration::from_millis(250));
        assert_eq!(users.limits.max_concurrency, 4);
        assert_eq!(users.config["greeting"], "hello");
        assert!(users.kv);
        let other = &manifest.apps[1];
        assert_eq!(other.host.as_deref(), Some("globex.example.com"));
        assert_eq!(other.limits.timeout, Duration::from_secs(1));
        assert!(!other.kv);
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let dir = dir("errors");
        let err = parse_in(
            &dir,
            "[[app]]\nname = \"a\"\ntenant = \"t\"\ncomponent = \"apps/a.wasm\"\ncolour = 1\n",
        )
        .unwrap_err();
        assert_eq!((err.line, err.key.as_str()), (5, "colour"));
        assert!(err.message.contains("unknown field"), "{err}");
        assert!(err.to_string().starts_with(&format!("{}:5: colour:", dir.join("fasterapi.toml").display())));

        let twice = FULL.replace("name = \"other\"", "name = \"users\"");
        let err = parse_in(&dir, &twice).unwrap_err();
        assert_eq!((err.line, err.key.as_str()), (29, "app.name"));

        let clash = FULL.replace("host = \"Globex.Example.com\"", "route = \"/acme\"");
        let err = parse_in(&dir, &clash).unwrap_err();
        assert_eq!(err.key, "app.route");
        assert!(err.message.contains("already claimed by app 'users'"), "{err}");

        let units = FULL.replace("\"32MiB\"", "\"lots\"");
        let err = parse_in(&dir, &units).unwrap_err();
        assert_eq!((err.line, err.key.as_str()), (8, "server.limits.memory"));

        let cache = FULL.replace("\"10GiB\"", "\"big\"");
        let err = parse_in(&dir, &cache).unwrap_err();
        assert_eq!((err.line, err.key.as_str()), (5, "server.cache_size"));

        let missing = FULL.replace("apps/a.wasm\"\nroute", "apps/nope.wasm\"\nroute");
        let err = parse_in(&dir, &missing).unwrap_err();
        assert_eq!((err.line, err.key.as_str()), (15, "app.component"));
        assert!(err.message.contains("does not exist"));
    }

    proptest::proptest! {
        #[test]
        fn any_manifest_text_is_loaded_or_refused_without_panic(
            lines in proptest::collection::vec(proptest::sample::select(vec![
                "[server]", "[server.limits]", "[[app]]", "[app.limits]", "[app.capabilities]",
                "name = \"a\"", "tenant = \"t\"", "component = \"apps/a.wasm\"", "route = \"/\"",
                "route = \"/x\"", "host = \"h\"", "timeout = \"999999999y\"", "memory = \"99TiB\"",
                "max_concurrency = 0", "max_concurrency = 4294967295", "kv_keys = 18446744073709551615",
                "instances = \"warm\"", "isolate_origin = true", "listen = \"nope\"", "=", "[", "\"",
            ]), 0..24),
        ) {
            let dir = dir("proptest");
            let _ = parse_in(&dir, &lines.join("\n"));
        }
    }
}
