//! TLS for `rediss://`: rustls with the graviola crypto provider, the only provider whose
//! licence fits a GPLv2 module (ring and aws-lc are not). Graviola needs a CPU from about
//! 2013 on (x86-64 with AES-NI, PCLMULQDQ, BMI1, ADX, AVX and AVX2; aarch64 with AES, SHA2,
//! PMULL and NEON) and would panic inside Asterisk without one, so the CPU is checked before
//! anything else and TLS refused with a clear error instead.
//!
//! Certificates come from files named in secast.conf (never from the `SSL_CERT_FILE` /
//! `SSL_CERT_DIR` environment, which a chrooted or service-started Asterisk may inherit
//! pointing at paths it cannot see).

use std::path::Path;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::error::{ErrorKind, RedisError};
use crate::util::escape::for_log;

/// The largest certificate or key file read (a CA bundle is a few hundred KB).
const MAX_PEM_FILE: u64 = 16 << 20;

/// Why TLS cannot be used on this CPU, or Ok.
pub fn cpu_supports_tls() -> Result<(), String> {
    #[cfg(target_arch = "x86_64")]
    {
        let missing: Vec<&str> = [
            ("aes", std::arch::is_x86_feature_detected!("aes")),
            (
                "pclmulqdq",
                std::arch::is_x86_feature_detected!("pclmulqdq"),
            ),
            ("bmi1", std::arch::is_x86_feature_detected!("bmi1")),
            ("adx", std::arch::is_x86_feature_detected!("adx")),
            ("avx", std::arch::is_x86_feature_detected!("avx")),
            ("avx2", std::arch::is_x86_feature_detected!("avx2")),
        ]
        .into_iter()
        .filter(|(_, have)| !have)
        .map(|(name, _)| name)
        .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "this CPU lacks {} needed by the TLS crypto provider; use redis:// on a trusted \
                 network, a unix:// socket, or a local TLS proxy (stunnel) instead",
                missing.join(", ")
            ))
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        let ok = std::arch::is_aarch64_feature_detected!("aes")
            && std::arch::is_aarch64_feature_detected!("sha2")
            && std::arch::is_aarch64_feature_detected!("pmull")
            && std::arch::is_aarch64_feature_detected!("neon");
        if ok {
            Ok(())
        } else {
            Err(
                "this CPU lacks AES/SHA2/PMULL/NEON needed by the TLS crypto provider; use \
                 redis:// on a trusted network, a unix:// socket, or a local TLS proxy instead"
                    .to_owned(),
            )
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        Err(
            "TLS is only available on x86-64 and aarch64; use a unix:// socket or a local TLS \
             proxy instead"
                .to_owned(),
        )
    }
}

/// Where the certificates are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// CA certificates (PEM) the server's certificate must chain to.
    pub ca_file: String,
    /// Our own certificate and key (PEM), when the server asks for client certificates.
    pub cert_file: String,
    pub key_file: String,
}

fn read_pem(path: &str, what: &str) -> Result<Vec<u8>, RedisError> {
    let err =
        |e: String| RedisError::new(ErrorKind::Config, format!("{what} {}: {e}", for_log(path)));
    let meta = std::fs::metadata(Path::new(path)).map_err(|e| err(e.to_string()))?;
    if meta.len() > MAX_PEM_FILE {
        return Err(err(format!("larger than {} bytes", MAX_PEM_FILE)));
    }
    std::fs::read(path).map_err(|e| err(e.to_string()))
}

/// The client configuration for every connection of one link.
pub fn client_config(files: &TlsFiles) -> Result<Arc<ClientConfig>, RedisError> {
    cpu_supports_tls().map_err(|e| RedisError::new(ErrorKind::Config, e))?;
    let mut roots = rustls::RootCertStore::empty();
    let pem = read_pem(&files.ca_file, "CA file")?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .collect();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(RedisError::new(
            ErrorKind::Config,
            format!(
                "CA file {}: no usable certificate in it",
                for_log(&files.ca_file)
            ),
        ));
    }
    let provider = Arc::new(rustls_graviola::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RedisError::new(ErrorKind::Tls, e.to_string()))?
        .with_root_certificates(roots);
    let config = if files.cert_file.is_empty() {
        builder.with_no_client_auth()
    } else {
        let pem = read_pem(&files.cert_file, "client certificate")?;
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .filter_map(Result::ok)
            .collect();
        let key_pem = read_pem(&files.key_file, "client key")?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
            RedisError::new(
                ErrorKind::Config,
                format!("client key {}: {e}", for_log(&files.key_file)),
            )
        })?;
        builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| RedisError::new(ErrorKind::Config, format!("client certificate: {e}")))?
    };
    Ok(Arc::new(config))
}
