//! A client of the OCI distribution API for pulling: manifests (following indexes to the
//! wanted platform) and blobs, with anonymous access, basic auth and bearer tokens
//! (credentials from the Docker config file), a custom CA, and timeouts on every call.
//!
//! Plain HTTP is used only for a registry on this machine (loopback) or one named with
//! `--insecure-registry`; everywhere else TLS is verified, and credentials never travel to
//! a token service over plain HTTP off this machine.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::ImageError;
use crate::digest::{Digest, VerifyingReader};
use crate::local::{MAX_DOCUMENT, resolve_manifest};
use crate::reference::{DOCKER_HUB, Reference, host_of};
use crate::spec::{Descriptor, MANIFEST_MEDIA_TYPES, Manifest};

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Registries (`host[:port]`) that may be reached over plain HTTP, besides loopback.
    pub insecure_registries: Vec<String>,
    /// PEM files of extra CA certificates to trust.
    pub ca_files: Vec<PathBuf>,
    /// The Docker config file with `auths`; `$DOCKER_CONFIG/config.json` or
    /// `~/.docker/config.json` when `None`.
    pub auth_file: Option<PathBuf>,
    /// Timeout of each call.
    pub timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure_registries: Vec::new(),
            ca_files: Vec::new(),
            auth_file: None,
            timeout: Duration::from_secs(60),
        }
    }
}

/// A manifest resolved to one platform.
#[derive(Debug)]
pub struct Resolved {
    /// The digest of what the reference names (an index for multi-platform images):
    /// what signatures sign.
    pub top_digest: Digest,
    /// The digest of the platform's image manifest.
    pub manifest_digest: Digest,
    pub manifest: Manifest,
}

/// A connection to one registry, for one repository's pulls.
pub struct Registry {
    agent: ureq::Agent,
    /// `https://host:port` or `http://host:port`.
    base: String,
    registry: String,
    credentials: Option<(String, String)>,
    challenge: Challenge,
    /// Bearer tokens by scope.
    tokens: Mutex<HashMap<String, String>>,
}

#[derive(Debug, Clone)]
enum Challenge {
    None,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

impl Registry {
    /// Connects to the registry of `reference`: chooses the scheme, learns how it wants
    /// to be authenticated (`GET /v2/`), and loads credentials.
    pub fn new(reference: &Reference, options: &RegistryOptions) -> Result<Registry, ImageError> {
        let agent = agent(options)?;
        let host = if reference.registry == DOCKER_HUB {
            "registry-1.docker.io".to_string()
        } else {
            reference.registry.clone()
        };
        let plain_allowed = reference.is_loopback()
            || options
                .insecure_registries
                .iter()
                .any(|r| r == &reference.registry || r == host_of(&reference.registry));
        let credentials = credentials_for(&reference.registry, options)?;
        let mut failures = Vec::new();
        let schemes: &[&str] = if plain_allowed {
            &["https", "http"]
        } else {
            &["https"]
        };
        for scheme in schemes {
            let base = format!("{scheme}://{host}");
            let response = match agent.get(&format!("{base}/v2/")).call() {
                Ok(response) => response,
                Err(e) => {
                    failures.push(format!("{base}: {e}"));
                    continue;
                }
            };
            let challenge = match response.status().as_u16() {
                200..=299 => Challenge::None,
                401 => parse_challenge(
                    response
                        .headers()
                        .get("www-authenticate")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                ),
                // An HTTPS server answers plain HTTP with 400: the HTTPS failure above
                // is the one that matters, so keep looking and report both.
                status => {
                    failures.push(format!(
                        "{base}/v2/ answered HTTP {status} (not an OCI registry, or it is failing)"
                    ));
                    continue;
                }
            };
            return Ok(Registry {
                agent,
                base,
                registry: reference.registry.clone(),
                credentials,
                challenge,
                tokens: Mutex::new(HashMap::new()),
            });
        }
        let last_error = failures.join("; ");
        let hint = if plain_allowed {
            ""
        } else {
            " (plain HTTP is tried only for loopback and --insecure-registry hosts)"
        };
        Err(ImageError::Registry(format!(
            "cannot reach registry {}: {last_error}{hint}",
            reference.registry
        )))
    }

    /// The manifest for `reference` and `platform`, following an index.
    pub fn resolve(&self, reference: &Reference, platform: &str) -> Result<Resolved, ImageError> {
        let wanted = reference.manifest_reference();
        let (bytes, media_type) = self.fetch_manifest(reference, &wanted)?;
        let digest = Digest::of(&bytes);
        if let Some(expected) = &reference.digest
            && &digest != expected
        {
            return Err(ImageError::Refused(format!(
                "{reference}: the registry returned a manifest with digest {digest}, not the {expected} asked for"
            )));
        }
        // The top-level document, fetched by tag, is described by its own digest; the
        // rest are fetched by digest and checked.
        let top = Descriptor {
            media_type,
            digest: digest.clone(),
            size: bytes.len() as u64,
            platform: None,
            annotations: Default::default(),
        };
        let mut first = Some(bytes);
        let (manifest_digest, manifest) = resolve_manifest(
            |digest| match first.take() {
                Some(bytes) => Ok(bytes),
                None => {
                    let (bytes, _) = self.fetch_manifest(reference, &digest.to_string())?;
                    if &Digest::of(&bytes) != digest {
                        return Err(ImageError::Refused(format!(
                            "{reference}: manifest {} does not match its digest",
                            digest.short()
                        )));
                    }
                    Ok(bytes)
                }
            },
            top,
            platform,
            &reference.to_string(),
        )?;
        Ok(Resolved {
            top_digest: digest,
            manifest_digest,
            manifest,
        })
    }

    /// The raw manifest a tag or digest names, and its media type.
    pub fn fetch_manifest(
        &self,
        reference: &Reference,
        wanted: &str,
    ) -> Result<(Vec<u8>, String), ImageError> {
        let url = format!(
            "{}/v2/{}/manifests/{wanted}",
            self.base, reference.repository
        );
        let mut response = self.get(reference, &url, &MANIFEST_MEDIA_TYPES.join(", "))?;
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_DOCUMENT)
            .read_to_vec()
            .map_err(|e| ImageError::Registry(format!("{url}: {e}")))?;
        Ok((bytes, media_type))
    }

    /// A small blob (the config), whole and checked against its descriptor.
    pub fn fetch_document(
        &self,
        reference: &Reference,
        descriptor: &Descriptor,
        what: &str,
    ) -> Result<Vec<u8>, ImageError> {
        if descriptor.size > MAX_DOCUMENT {
            return Err(ImageError::Refused(format!(
                "{reference}: the {what} is {} bytes; image documents are at most {MAX_DOCUMENT}",
                descriptor.size
            )));
        }
        let mut reader = self.open_blob(reference, &descriptor.digest, descriptor.size)?;
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::Refused(format!("{what}: {e}")))?;
        Ok(bytes)
    }

    /// A blob as a stream, checked against `digest` and `size` as it is read.
    pub fn open_blob(
        &self,
        reference: &Reference,
        digest: &Digest,
        size: u64,
    ) -> Result<impl Read + use<>, ImageError> {
        let url = format!("{}/v2/{}/blobs/{digest}", self.base, reference.repository);
        let response = self.get(reference, &url, "*/*")?;
        Ok(VerifyingReader::new(
            response.into_body().into_reader(),
            Some(digest.clone()),
            Some(size),
            format!("{reference}: blob {}", digest.short()),
        ))
    }

    /// GET with authentication, renewing a bearer token once if it was refused.
    fn get(
        &self,
        reference: &Reference,
        url: &str,
        accept: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, ImageError> {
        let scope = format!("repository:{}:pull", reference.repository);
        for attempt in 0..2 {
            let authorization = self.authorization(&scope, attempt > 0)?;
            let mut request = self.agent.get(url).header("Accept", accept);
            if let Some(value) = &authorization {
                request = request.header("Authorization", value);
            }
            let response = request
                .call()
                .map_err(|e| ImageError::Registry(format!("{url}: {e}")))?;
            match response.status().as_u16() {
                200..=299 => return Ok(response),
                401 if attempt == 0 && matches!(self.challenge, Challenge::Bearer { .. }) => {
                    continue;
                }
                401 | 403 => {
                    return Err(ImageError::Registry(format!(
                        "{}: access to {} was refused (HTTP {}){}",
                        self.registry,
                        reference.repository,
                        response.status().as_u16(),
                        if self.credentials.is_some() {
                            ": check the credentials for this registry in the Docker config file"
                        } else {
                            ": no credentials for this registry were found (run `docker login`, or give --registry-auth-file)"
                        }
                    )));
                }
                404 => {
                    return Err(ImageError::Usage(format!(
                        "{reference}: not found in the registry ({url})"
                    )));
                }
                status => {
                    return Err(ImageError::Registry(format!("{url}: HTTP {status}")));
                }
            }
        }
        Err(ImageError::Registry(format!(
            "{url}: authentication failed"
        )))
    }

    fn authorization(&self, scope: &str, renew: bool) -> Result<Option<String>, ImageError> {
        match &self.challenge {
            Challenge::None => Ok(None),
            Challenge::Basic => Ok(self
                .credentials
                .as_ref()
                .map(|(user, password)| basic(user, password))),
            Challenge::Bearer { realm, service } => {
                let mut tokens = self
                    .tokens
                    .lock()
                    .map_err(|_| ImageError::Registry("token cache poisoned".into()))?;
                if !renew && let Some(token) = tokens.get(scope) {
                    return Ok(Some(format!("Bearer {token}")));
                }
                let token = self.fetch_token(realm, service.as_deref(), scope)?;
                tokens.insert(scope.to_string(), token.clone());
                Ok(Some(format!("Bearer {token}")))
            }
        }
    }

    fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
    ) -> Result<String, ImageError> {
        let mut request = self.agent.get(realm).query("scope", scope);
        if let Some(service) = service {
            request = request.query("service", service);
        }
        let realm_is_safe = realm.starts_with("https://")
            || Reference::parse(&format!("{}/x", host_from_url(realm)))
                .is_ok_and(|r| r.is_loopback());
        if let Some((user, password)) = &self.credentials {
            if !realm_is_safe {
                return Err(ImageError::Registry(format!(
                    "{}: the token service {realm} is plain HTTP off this machine; lockgate will not send credentials there",
                    self.registry
                )));
            }
            request = request.header("Authorization", &basic(user, password));
        }
        let mut response = request
            .call()
            .map_err(|e| ImageError::Registry(format!("token service {realm}: {e}")))?;
        if !response.status().is_success() {
            return Err(ImageError::Registry(format!(
                "token service {realm} refused a token for {scope} (HTTP {})",
                response.status().as_u16()
            )));
        }
        let body: serde_json::Value = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_json()
            .map_err(|e| ImageError::Registry(format!("token service {realm}: {e}")))?;
        body.get("token")
            .or_else(|| body.get("access_token"))
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| ImageError::Registry(format!("token service {realm} returned no token")))
    }
}

fn agent(options: &RegistryOptions) -> Result<ureq::Agent, ImageError> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder();
    if !options.ca_files.is_empty() {
        let mut certificates: Vec<Certificate<'static>> = Vec::new();
        for path in &options.ca_files {
            let pem = std::fs::read(path).map_err(|e| {
                ImageError::Usage(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            for item in ureq::tls::parse_pem(&pem) {
                if let Ok(ureq::tls::PemItem::Certificate(certificate)) = item {
                    certificates.push(certificate);
                }
            }
            if certificates.is_empty() {
                return Err(ImageError::Usage(format!(
                    "{} holds no PEM certificate",
                    path.display()
                )));
            }
        }
        // Only these CAs are trusted then: a private registry's CA should not widen to,
        // or be diluted by, the public roots.
        tls = tls.root_certs(RootCerts::new_with_certs(&certificates));
    }
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(options.timeout))
        .timeout_connect(Some(Duration::from_secs(10)))
        .max_redirects(5)
        .tls_config(tls.build())
        .user_agent(concat!("lockgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent())
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{user}:{password}")))
}

fn host_from_url(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// `Bearer realm="https://auth.example/token",service="registry.example"` or `Basic realm=…`.
fn parse_challenge(header: &str) -> Challenge {
    let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let mut values = HashMap::new();
    let mut rest = params;
    while let Some((key, after)) = rest.split_once('=') {
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((value, remaining)) => (value, remaining),
                None => (quoted, ""),
            }
        } else {
            match after.split_once(',') {
                Some((value, remaining)) => (value, remaining),
                None => (after, ""),
            }
        };
        values.insert(key, value.to_string());
        rest = remaining;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => match values.remove("realm") {
            Some(realm) => Challenge::Bearer {
                realm,
                service: values.remove("service"),
            },
            None => Challenge::Basic,
        },
        _ => Challenge::Basic,
    }
}

/// Credentials for `registry` from the Docker config file's `auths` (`auth` is base64 of
/// `user:password`; `username`/`password` are read too). Credential helpers are not run.
fn credentials_for(
    registry: &str,
    options: &RegistryOptions,
) -> Result<Option<(String, String)>, ImageError> {
    let path = match &options.auth_file {
        Some(path) => path.clone(),
        None => {
            let directory = std::env::var_os("DOCKER_CONFIG")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
            match directory {
                Some(directory) => directory.join("config.json"),
                None => return Ok(None),
            }
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && options.auth_file.is_none() => {
            return Ok(None);
        }
        Err(e) => {
            return Err(ImageError::Usage(format!(
                "cannot read the registry credentials file {}: {e}",
                path.display()
            )));
        }
    };
    let config: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        ImageError::Usage(format!(
            "{} is not a valid Docker config file: {e}",
            path.display()
        ))
    })?;
    let Some(auths) = config.get("auths").and_then(|a| a.as_object()) else {
        return Ok(None);
    };
    let wanted = if registry == DOCKER_HUB {
        vec!["index.docker.io", "docker.io", "registry-1.docker.io"]
    } else {
        vec![registry]
    };
    for (key, entry) in auths {
        let host = host_from_url(key);
        if !wanted.contains(&host) {
            continue;
        }
        if let Some(encoded) = entry
            .get("auth")
            .and_then(|a| a.as_str())
            .filter(|a| !a.is_empty())
        {
            let decoded = BASE64
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    ImageError::Usage(format!(
                        "{}: the `auth` of {key} is not base64 of user:password",
                        path.display()
                    ))
                })?;
            if let Some((user, password)) = decoded.split_once(':') {
                return Ok(Some((user.to_string(), password.to_string())));
            }
        }
        if let (Some(user), Some(password)) = (
            entry.get("username").and_then(|u| u.as_str()),
            entry.get("password").and_then(|p| p.as_str()),
        ) {
            return Ok(Some((user.to_string(), password.to_string())));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_challenges() {
        let challenge = parse_challenge(
            r#"Bearer realm="https://auth.example.io/token",service="registry.example.io",scope="repository:a/b:pull""#,
        );
        match challenge {
            Challenge::Bearer { realm, service } => {
                assert_eq!(realm, "https://auth.example.io/token");
                assert_eq!(service.as_deref(), Some("registry.example.io"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_challenge(r#"Basic realm="Registry""#),
            Challenge::Basic
        ));
    }

    #[test]
    fn reads_credentials_from_a_docker_config() {
        let dir = std::env::temp_dir().join(format!("lockgate-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.json");
        let auth = BASE64.encode("lockgate:s3cret:with-colon");
        std::fs::write(
            &file,
            format!(r#"{{"auths":{{"https://127.0.0.1:5001/v2/":{{"auth":"{auth}"}},"other:1":{{"username":"u","password":"p"}}}}}}"#),
        )
        .unwrap();
        let options = RegistryOptions {
            auth_file: Some(file),
            ..RegistryOptions::default()
        };
        assert_eq!(
            credentials_for("127.0.0.1:5001", &options).unwrap(),
            Some(("lockgate".into(), "s3cret:with-colon".into()))
        );
        assert_eq!(
            credentials_for("other:1", &options).unwrap(),
            Some(("u".into(), "p".into()))
        );
        assert_eq!(credentials_for("127.0.0.1:5002", &options).unwrap(), None);
    }
}
