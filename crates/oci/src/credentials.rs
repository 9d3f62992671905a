//! Registry credentials from the usual places.

use docker_credential::{CredentialRetrievalError, DockerCredential};
use oci_client::secrets::RegistryAuth;

/// The credentials for `registry`: `FASTERAPI_REGISTRY_USERNAME` and
/// `FASTERAPI_REGISTRY_PASSWORD` if both are set (a CI job, a Kubernetes
/// Secret), else docker's `config.json` (`$DOCKER_CONFIG` or `~/.docker`,
/// with its credential helpers), then podman's `auth.json`; else anonymous.
pub(crate) fn for_registry(registry: &str) -> RegistryAuth {
    let from_env = |name| std::env::var(name).ok().filter(|value| !value.is_empty());
    if let (Some(user), Some(password)) =
        (from_env("FASTERAPI_REGISTRY_USERNAME"), from_env("FASTERAPI_REGISTRY_PASSWORD"))
    {
        return RegistryAuth::Basic(user, password);
    }
    let found = docker_credential::get_credential(registry)
        .or_else(|_| docker_credential::get_podman_credential(registry));
    match found {
        Ok(DockerCredential::UsernamePassword(user, password)) => RegistryAuth::Basic(user, password),
        Ok(DockerCredential::IdentityToken(token)) => RegistryAuth::Bearer(token),
        Err(CredentialRetrievalError::ConfigNotFound | CredentialRetrievalError::ConfigReadError) => {
            RegistryAuth::Anonymous
        }
        Err(CredentialRetrievalError::NoCredentialConfigured) => RegistryAuth::Anonymous,
        Err(err) => {
            tracing::warn!(%registry, "cannot read the registry's credentials ({err}): trying anonymously");
            RegistryAuth::Anonymous
        }
    }
}
