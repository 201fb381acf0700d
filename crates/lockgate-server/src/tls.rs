//! The serving certificate: read from PEM files, and read again when they change (a
//! Kubernetes Secret volume swaps its files in place; cert-manager renews them), so a
//! renewed certificate is served without a restart and without dropping connections.
//! A certificate that does not load is reported and the previous one stays in use.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use rustls::crypto::ring as provider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// What identifies one version of the files: modification time and size of each.
type Stamp = [(Option<SystemTime>, u64); 2];

#[derive(Debug)]
pub struct CertStore {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
    stamp: Mutex<Stamp>,
}

fn stamp(cert: &Path, key: &Path) -> Stamp {
    let one =
        |path: &Path| std::fs::metadata(path).map_or((None, 0), |m| (m.modified().ok(), m.len()));
    [one(cert), one(key)]
}

/// Reads a certificate chain and its private key.
pub fn load(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| format!("cannot read certificate {}: {e}", cert_path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("certificate {}: {e}", cert_path.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "certificate {}: no PEM `CERTIFICATE` block found",
            cert_path.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
        format!(
            "private key {}: {e} (expected a PEM PKCS#8, PKCS#1 or SEC1 key)",
            key_path.display()
        )
    })?;
    let signing = provider::sign::any_supported_type(&key)
        .map_err(|e| format!("private key {}: {e}", key_path.display()))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|e| {
        format!(
            "certificate {} and key {} do not belong together: {e}",
            cert_path.display(),
            key_path.display()
        )
    })?;
    Ok(certified)
}

impl CertStore {
    pub fn open(cert_path: &Path, key_path: &Path) -> Result<CertStore, String> {
        let before = stamp(cert_path, key_path);
        let certified = load(cert_path, key_path)?;
        Ok(CertStore {
            cert_path: cert_path.to_path_buf(),
            key_path: key_path.to_path_buf(),
            current: RwLock::new(Arc::new(certified)),
            stamp: Mutex::new(before),
        })
    }

    /// Loads the files again if they changed: `None` when they did not, else whether
    /// the new certificate is now served.
    pub fn reload_if_changed(&self) -> Option<Result<(), String>> {
        let now = stamp(&self.cert_path, &self.key_path);
        let mut last = self
            .stamp
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *last == now {
            return None;
        }
        *last = now;
        Some(load(&self.cert_path, &self.key_path).map(|certified| {
            *self
                .current
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(certified);
        }))
    }

    /// A TLS configuration that serves whatever certificate is current.
    pub fn server_config(self: &Arc<Self>) -> Result<rustls::ServerConfig, String> {
        let mut config =
            rustls::ServerConfig::builder_with_provider(Arc::new(provider::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS configuration: {e}"))?
                .with_no_client_auth()
                .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self
                .current
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        ))
    }
}
