//! `fasterapi:http/kv`: a key-value store per tenant. The backend is
//! pluggable: an embedded on-disk database (redb) by default, or Redis so
//! that several hosts share state. Every key is namespaced by the tenant on
//! the host side; a guest cannot name another tenant's keys.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

/// The largest key a guest may use.
pub const MAX_KEY: usize = 1024;
/// The largest value a guest may store.
pub const MAX_VALUE: usize = 1 << 20;

/// Why a key-value operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KvError {
    /// The app was not granted the store.
    #[error("the app has no kv capability (grant it with `[app.capabilities] kv = true`)")]
    Denied,
    /// A key or value over the limits.
    #[error("{0}")]
    Invalid(String),
    /// The tenant's quota would be exceeded.
    #[error("kv quota: {0}")]
    Quota(String),
    /// The backend failed (I/O, Redis unreachable).
    #[error("kv backend: {0}")]
    Backend(String),
}

/// A key-value store holding one namespace per tenant.
#[async_trait]
pub trait KvBackend: Send + Sync {
    /// The value of `key` in `tenant`'s namespace, if set.
    async fn get(&self, tenant: &str, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// Sets `key` in `tenant`'s namespace, durably, unless the tenant's
    /// keys and values (key and value bytes) would then be over `quota`.
    async fn set(&self, tenant: &str, key: &str, value: Vec<u8>, quota: KvQuota) -> Result<(), KvError>;
    /// Deletes `key`; false if it was not set.
    async fn delete(&self, tenant: &str, key: &str) -> Result<bool, KvError>;
    /// The tenant's keys starting with `prefix`, sorted.
    async fn list(&self, tenant: &str, prefix: &str) -> Result<Vec<String>, KvError>;
}

/// Checks a guest's key (and value) against the limits.
pub fn check(key: &str, value: Option<&[u8]>) -> Result<(), KvError> {
    if key.len() > MAX_KEY {
        return Err(KvError::Invalid(format!("key of {} bytes (at most {MAX_KEY})", key.len())));
    }
    match value {
        Some(value) if value.len() > MAX_VALUE => {
            Err(KvError::Invalid(format!("value of {} bytes (at most {MAX_VALUE})", value.len())))
        }
        _ => Ok(()),
    }
}

/// How much of the store one tenant may use (its apps' limits say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KvQuota {
    /// Key and value bytes, summed over the tenant's keys.
    pub bytes: u64,
    /// Keys.
    pub keys: u64,
}

impl Default for KvQuota {
    fn default() -> Self {
        KvQuota { bytes: 64 << 20, keys: 100_000 }
    }
}

impl KvQuota {
    /// Checks a tenant's usage after a write; the error says which bound.
    fn check(&self, bytes: u64, keys: u64) -> Result<(), KvError> {
        if bytes > self.bytes {
            return Err(KvError::Quota(format!(
                "the tenant would store {bytes} bytes (at most {})",
                self.bytes
            )));
        }
        if keys > self.keys {
            return Err(KvError::Quota(format!("the tenant would have {keys} keys (at most {})", self.keys)));
        }
        Ok(())
    }
}

/// (tenant, key) -> value.
const TABLE: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("kv");
/// tenant -> (bytes, keys) it uses, kept with every write.
const USAGE: TableDefinition<&str, (u64, u64)> = TableDefinition::new("kv_usage");

/// The embedded backend: one redb file, every write committed durably.
pub struct RedbBackend {
    db: Arc<redb::Database>,
}

impl RedbBackend {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, KvError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(backend)?;
        }
        let db = redb::Database::create(path).map_err(backend)?;
        recount_usage(&db)?;
        Ok(RedbBackend { db: Arc::new(db) })
    }

    /// Runs a blocking database operation off the async workers.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&redb::Database) -> Result<T, KvError> + Send + 'static,
    ) -> Result<T, KvError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db)).await.map_err(backend)?
    }
}

/// Counts every tenant's usage afresh (a store written before usage was
/// kept, or by an older version, is counted right from the start).
fn recount_usage(db: &redb::Database) -> Result<(), KvError> {
    let write = db.begin_write().map_err(backend)?;
    let mut usage: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    {
        let table = write.open_table(TABLE).map_err(backend)?;
        for entry in table.iter().map_err(backend)? {
            let (key, value) = entry.map_err(backend)?;
            let (tenant, key) = key.value();
            let counted = usage.entry(tenant.to_owned()).or_default();
            counted.0 += (key.len() + value.value().len()) as u64;
            counted.1 += 1;
        }
    }
    write.delete_table(USAGE).map_err(backend)?;
    {
        let mut table = write.open_table(USAGE).map_err(backend)?;
        for (tenant, counted) in &usage {
            table.insert(tenant.as_str(), *counted).map_err(backend)?;
        }
    }
    write.commit().map_err(backend)
}

fn backend(err: impl std::fmt::Display) -> KvError {
    KvError::Backend(err.to_string())
}

#[async_trait]
impl KvBackend for RedbBackend {
    async fn get(&self, tenant: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let (tenant, key) = (tenant.to_owned(), key.to_owned());
        self.blocking(move |db| {
            let read = db.begin_read().map_err(backend)?;
            let table = read.open_table(TABLE).map_err(backend)?;
            Ok(table.get((tenant.as_str(), key.as_str())).map_err(backend)?.map(|v| v.value().to_vec()))
        })
        .await
    }

    async fn set(&self, tenant: &str, key: &str, value: Vec<u8>, quota: KvQuota) -> Result<(), KvError> {
        let (tenant, key) = (tenant.to_owned(), key.to_owned());
        self.blocking(move |db| {
            let write = db.begin_write().map_err(backend)?;
            {
                let mut table = write.open_table(TABLE).map_err(backend)?;
                let mut usage = write.open_table(USAGE).map_err(backend)?;
                let old =
                    table.get((tenant.as_str(), key.as_str())).map_err(backend)?.map(|v| v.value().len());
                let (bytes, keys) =
                    usage.get(tenant.as_str()).map_err(backend)?.map_or((0, 0), |v| v.value());
                let entry = (key.len() + value.len()) as u64;
                let (bytes, keys) = match old {
                    Some(old) => (bytes.saturating_sub((key.len() + old) as u64) + entry, keys),
                    None => (bytes + entry, keys + 1),
                };
                quota.check(bytes, keys)?;
                table.insert((tenant.as_str(), key.as_str()), value.as_slice()).map_err(backend)?;
                usage.insert(tenant.as_str(), (bytes, keys)).map_err(backend)?;
            }
            write.commit().map_err(backend)
        })
        .await
    }

    async fn delete(&self, tenant: &str, key: &str) -> Result<bool, KvError> {
        let (tenant, key) = (tenant.to_owned(), key.to_owned());
        self.blocking(move |db| {
            let write = db.begin_write().map_err(backend)?;
            let existed = {
                let mut table = write.open_table(TABLE).map_err(backend)?;
                let removed =
                    table.remove((tenant.as_str(), key.as_str())).map_err(backend)?.map(|v| v.value().len());
                if let Some(len) = removed {
                    let mut usage = write.open_table(USAGE).map_err(backend)?;
                    let (bytes, keys) =
                        usage.get(tenant.as_str()).map_err(backend)?.map_or((0, 0), |v| v.value());
                    let freed = (key.len() + len) as u64;
                    usage
                        .insert(tenant.as_str(), (bytes.saturating_sub(freed), keys.saturating_sub(1)))
                        .map_err(backend)?;
                }
                removed.is_some()
            };
            write.commit().map_err(backend)?;
            Ok(existed)
        })
        .await
    }

    async fn list(&self, tenant: &str, prefix: &str) -> Result<Vec<String>, KvError> {
        let (tenant, prefix) = (tenant.to_owned(), prefix.to_owned());
        self.blocking(move |db| {
            let read = db.begin_read().map_err(backend)?;
            let table = read.open_table(TABLE).map_err(backend)?;
            let mut keys = Vec::new();
            for entry in table.range((tenant.as_str(), prefix.as_str())..).map_err(backend)? {
                let (key, _) = entry.map_err(backend)?;
                let (entry_tenant, entry_key) = key.value();
                if entry_tenant != tenant || !entry_key.starts_with(&prefix) {
                    break;
                }
                keys.push(entry_key.to_owned());
            }
            Ok(keys)
        })
        .await
    }
}

/// The Redis backend: keys are `fasterapi:<tenant>:<key>`.
pub struct RedisBackend {
    connection: redis::aio::ConnectionManager,
}

impl RedisBackend {
    /// Connects to `url` (`redis://127.0.0.1:6379/0`).
    pub async fn connect(url: &str) -> Result<Self, KvError> {
        let client = redis::Client::open(url).map_err(backend)?;
        let connection = client.get_connection_manager().await.map_err(backend)?;
        Ok(RedisBackend { connection })
    }

    /// The hash holding a tenant's usage: `bytes` and `keys`. The tenant is
    /// escaped as in [`RedisBackend::key`]; `fasterapi-usage:` is outside
    /// every tenant's key space.
    fn usage_key(tenant: &str) -> String {
        format!("fasterapi-usage:{}", tenant.replace('\\', "\\\\").replace(':', "\\:"))
    }

    fn key(tenant: &str, key: &str) -> String {
        // The tenant is escaped so that no tenant name can reach into another's keys.
        format!("fasterapi:{}:{key}", tenant.replace('\\', "\\\\").replace(':', "\\:"))
    }
}

/// Sets a key and its tenant's usage atomically, unless over the quota:
/// answers `{0}`, or `{1, bytes, keys}` with the usage it would have reached.
/// KEYS: the key, the usage hash; ARGV: value, key length, quota bytes, keys.
const REDIS_SET: &str = r#"
local old = redis.call('STRLEN', KEYS[1])
local existed = redis.call('EXISTS', KEYS[1])
local bytes = tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0')
local keys = tonumber(redis.call('HGET', KEYS[2], 'keys') or '0')
local klen = tonumber(ARGV[2])
if existed == 1 then bytes = bytes - old - klen else keys = keys + 1 end
bytes = bytes + string.len(ARGV[1]) + klen
if bytes > tonumber(ARGV[3]) or keys > tonumber(ARGV[4]) then return {1, bytes, keys} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'bytes', bytes, 'keys', keys)
return {0}
"#;

/// Deletes a key and takes it off its tenant's usage; answers 1 if it existed.
/// KEYS: the key, the usage hash; ARGV: key length.
const REDIS_DELETE: &str = r#"
local old = redis.call('STRLEN', KEYS[1])
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], 'bytes', -(old + tonumber(ARGV[1])))
redis.call('HINCRBY', KEYS[2], 'keys', -1)
return 1
"#;

/// Escapes Redis glob characters in a literal prefix.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[async_trait]
impl KvBackend for RedisBackend {
    async fn get(&self, tenant: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let mut connection = self.connection.clone();
        redis::cmd("GET").arg(Self::key(tenant, key)).query_async(&mut connection).await.map_err(backend)
    }

    async fn set(&self, tenant: &str, key: &str, value: Vec<u8>, quota: KvQuota) -> Result<(), KvError> {
        let mut connection = self.connection.clone();
        let answer: Vec<i64> = redis::cmd("EVAL")
            .arg(REDIS_SET)
            .arg(2)
            .arg(Self::key(tenant, key))
            .arg(Self::usage_key(tenant))
            .arg(value)
            .arg(key.len())
            .arg(quota.bytes)
            .arg(quota.keys)
            .query_async(&mut connection)
            .await
            .map_err(backend)?;
        match answer.as_slice() {
            [0, ..] => Ok(()),
            [_, bytes, keys] => quota.check(*bytes as u64, *keys as u64),
            _ => Err(KvError::Backend(format!("unexpected answer from the set script: {answer:?}"))),
        }
    }

    async fn delete(&self, tenant: &str, key: &str) -> Result<bool, KvError> {
        let mut connection = self.connection.clone();
        let removed: i64 = redis::cmd("EVAL")
            .arg(REDIS_DELETE)
            .arg(2)
            .arg(Self::key(tenant, key))
            .arg(Self::usage_key(tenant))
            .arg(key.len())
            .query_async(&mut connection)
            .await
            .map_err(backend)?;
        Ok(removed > 0)
    }

    async fn list(&self, tenant: &str, prefix: &str) -> Result<Vec<String>, KvError> {
        let mut connection = self.connection.clone();
        let namespace = Self::key(tenant, "");
        let pattern = format!("{}*", glob_escape(&Self::key(tenant, prefix)));
        let mut cursor: u64 = 0;
        let mut keys = Vec::new();
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut connection)
                .await
                .map_err(backend)?;
            keys.extend(batch.into_iter().filter_map(|k| k.strip_prefix(&namespace).map(str::to_owned)));
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}

mod host {
    //! The guest-facing side: the tenant's namespace, the grant, the limits.

    use wasmtime::component::HasData;

    use super::{KvBackend, KvError, KvQuota, check};
    use crate::bindings::kv::{Error, Host};

    /// The guest's view of the key-value store: its tenant's namespace, if
    /// the app was granted the store.
    pub struct KvView<'a> {
        /// The store; `None` when the app has no kv grant.
        pub store: Option<&'a dyn KvBackend>,
        /// The namespace every key lives in.
        pub tenant: &'a str,
        /// How much of the store the tenant may use.
        pub quota: KvQuota,
    }

    /// Links `fasterapi:http/kv` to a [`KvView`].
    pub struct Kv;

    impl HasData for Kv {
        type Data<'a> = KvView<'a>;
    }

    impl From<KvError> for Error {
        fn from(err: KvError) -> Self {
            match err {
                KvError::Denied => Error::Denied(err.to_string()),
                KvError::Quota(_) => Error::Invalid(err.to_string()),
                KvError::Invalid(reason) => Error::Invalid(reason),
                KvError::Backend(reason) => Error::Backend(reason),
            }
        }
    }

    impl KvView<'_> {
        fn store(&self) -> Result<&dyn KvBackend, Error> {
            self.store.ok_or_else(|| KvError::Denied.into())
        }
    }

    impl Host for KvView<'_> {
        async fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, Error> {
            check(&key, None)?;
            Ok(self.store()?.get(self.tenant, &key).await?)
        }

        async fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), Error> {
            check(&key, Some(&value))?;
            Ok(self.store()?.set(self.tenant, &key, value, self.quota).await?)
        }

        async fn delete(&mut self, key: String) -> Result<bool, Error> {
            check(&key, None)?;
            Ok(self.store()?.delete(self.tenant, &key).await?)
        }

        async fn list_keys(&mut self, prefix: String) -> Result<Vec<String>, Error> {
            check(&prefix, None)?;
            Ok(self.store()?.list(self.tenant, &prefix).await?)
        }
    }
}

pub use host::{Kv, KvView};

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn redb_namespaces_tenants_and_lists_by_prefix() {
        let path = std::env::temp_dir().join(format!("fasterapi-kv-test-{}.redb", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let kv = RedbBackend::open(&path).unwrap();
        kv.set("acme", "user:1", b"ann".to_vec(), KvQuota::default()).await.unwrap();
        kv.set("acme", "user:2", b"bob".to_vec(), KvQuota::default()).await.unwrap();
        kv.set("acme", "order:1", b"x".to_vec(), KvQuota::default()).await.unwrap();
        kv.set("acmf", "user:3", b"eve".to_vec(), KvQuota::default()).await.unwrap();
        assert_eq!(kv.get("acme", "user:1").await.unwrap(), Some(b"ann".to_vec()));
        assert_eq!(kv.get("globex", "user:1").await.unwrap(), None);
        assert_eq!(kv.list("acme", "user:").await.unwrap(), ["user:1", "user:2"]);
        assert_eq!(kv.list("acme", "").await.unwrap(), ["order:1", "user:1", "user:2"]);
        assert!(kv.delete("acme", "user:1").await.unwrap());
        assert!(!kv.delete("acme", "user:1").await.unwrap());
        drop(kv);
        let reopened = RedbBackend::open(&path).unwrap();
        assert_eq!(reopened.get("acme", "user:2").await.unwrap(), Some(b"bob".to_vec()));
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test]
    async fn redb_keeps_each_tenant_within_its_quota_across_reopens() {
        let path = std::env::temp_dir().join(format!("fasterapi-kv-quota-{}.redb", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let quota = KvQuota { bytes: 20, keys: 2 };
        let kv = RedbBackend::open(&path).unwrap();
        kv.set("t", "a", vec![0; 9], quota).await.unwrap();
        assert!(matches!(kv.set("t", "b", vec![0; 10], quota).await, Err(KvError::Quota(_))));
        kv.set("t", "a", vec![0; 4], quota).await.unwrap();
        kv.set("t", "b", vec![0; 4], quota).await.unwrap();
        assert!(
            matches!(kv.set("t", "c", vec![], quota).await, Err(KvError::Quota(reason)) if reason.contains("3 keys"))
        );
        kv.set("other", "c", vec![0; 9], quota).await.unwrap();
        assert!(kv.delete("t", "b").await.unwrap());
        drop(kv);
        let kv = RedbBackend::open(&path).unwrap();
        kv.set("t", "c", vec![0; 4], quota).await.unwrap();
        assert!(matches!(kv.set("t", "d", vec![], quota).await, Err(KvError::Quota(_))));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn limits_and_escaping() {
        assert!(check(&"k".repeat(MAX_KEY + 1), None).is_err());
        assert!(check("k", Some(&vec![0; MAX_VALUE + 1])).is_err());
        assert!(check("k", Some(b"v")).is_ok());
        assert_eq!(glob_escape("a*b?[c]"), "a\\*b\\?\\[c\\]");
        assert_ne!(RedisBackend::key("a:b", "c"), RedisBackend::key("a", "b:c"));
    }
}
