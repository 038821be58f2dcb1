//! HTTPS: phones need it for the service worker (the app offline) and for location, and a
//! password must not cross an office Wi-Fi in the clear. Either the operator's own
//! certificate (`--tls-cert`, `--tls-key`), or `--tls-self-signed`: a small certificate
//! authority made once and kept beside the database (the file phones install and trust,
//! identified by its SHA-256 fingerprint), and a server certificate it issues at every
//! start for the machine's current names and addresses, so a new Wi-Fi address needs no
//! new trust on the phones.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, header};
use chrono::{Datelike, Days, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use sha2::{Digest, Sha256};

/// How `serve` speaks: plain HTTP unless one of these is given.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM; with --tls-key).
    #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate made here for this machine's names and addresses, from
    /// an authority kept in `tls/` beside the database; prints the authority's fingerprint.
    #[arg(long)]
    pub tls_self_signed: bool,
}

impl TlsArgs {
    /// The identity to serve with, `None` for plain HTTP. A self-signed one is announced on
    /// standard output: where its authority is, its fingerprint and the names it covers.
    pub fn identity(&self, db: &Path, listen: SocketAddr) -> anyhow::Result<Option<Identity>> {
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            return Ok(Some(from_files(cert, key)?));
        }
        if !self.tls_self_signed {
            return Ok(None);
        }
        let dir = db
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join("tls");
        let made = self_signed(&dir, listen)?;
        println!(
            "HTTPS: certificate authority {} (install it on the phones)\nSHA-256 fingerprint {}\nvalid for {}",
            made.ca_path.display(),
            made.fingerprint,
            made.names.join(", ")
        );
        Ok(Some(made.identity))
    }
}

/// The certificate and key the server presents, PEM.
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// What `--tls-self-signed` made or found: the server's identity and the authority that
/// phones trust.
pub struct SelfSigned {
    pub identity: Identity,
    /// The kept authority's certificate: the file to install on phones.
    pub ca_path: PathBuf,
    /// SHA-256 of the authority's certificate (DER), as `AB:CD:…`, to compare on the phone.
    pub fingerprint: String,
    /// The names and addresses the server certificate is valid for.
    pub names: Vec<String>,
}

/// The authority's name; issued certificates name it as their issuer.
const CA_NAME: &str = "Zakupka local server authority";
/// Apple's limit for a server certificate under a user-installed authority is 825 days;
/// this one is made anew at every start anyway.
const SERVER_DAYS: u64 = 397;
const CA_YEARS: i32 = 10;

/// Reads the operator's certificate chain and key.
pub fn from_files(cert: &Path, key: &Path) -> anyhow::Result<Identity> {
    let read =
        |p: &Path| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()));
    Ok(Identity {
        cert_pem: read(cert)?,
        key_pem: read(key)?,
    })
}

/// The authority kept in `dir` (made there the first time, its key readable by the owner
/// only) and a server certificate from it for this machine's names and the address served.
pub fn self_signed(dir: &Path, listen: SocketAddr) -> anyhow::Result<SelfSigned> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ca_path = dir.join("ca.pem");
    let ca_key_path = dir.join("ca-key.pem");
    let ca_params = ca_params();
    let ca_key = if ca_path.exists() && ca_key_path.exists() {
        let pem = std::fs::read_to_string(&ca_key_path)
            .with_context(|| format!("reading {}", ca_key_path.display()))?;
        KeyPair::from_pem(&pem).with_context(|| format!("reading {}", ca_key_path.display()))?
    } else {
        let key = KeyPair::generate()?;
        let cert = ca_params.clone().self_signed(&key)?;
        write_private(&ca_key_path, &key.serialize_pem())?;
        std::fs::write(&ca_path, cert.pem())
            .with_context(|| format!("writing {}", ca_path.display()))?;
        key
    };
    let ca_pem = std::fs::read_to_string(&ca_path)?;
    let ca_der = rustls_pki_der(&ca_pem)?;
    let issuer = Issuer::new(ca_params, &ca_key);

    let names = local_names(listen);
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.subject_alt_names = names
        .iter()
        .map(|n| match n.parse::<IpAddr>() {
            Ok(ip) => Ok(SanType::IpAddress(ip)),
            Err(_) => Ok(SanType::DnsName(n.as_str().try_into()?)),
        })
        .collect::<Result<_, rcgen::Error>>()?;
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, names[0].as_str());
    let today = Utc::now().date_naive();
    valid(
        &mut params,
        today - Days::new(1),
        today + Days::new(SERVER_DAYS),
    );
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok(SelfSigned {
        identity: Identity {
            // The chain: the server's certificate, then the authority's.
            cert_pem: cert.pem() + &ca_pem,
            key_pem: key.serialize_pem(),
        },
        ca_path,
        fingerprint: fingerprint(&ca_der),
        names,
    })
}

/// The authority's parameters, the same at every start: a server certificate issued from
/// them and the kept key names the kept certificate as its issuer.
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, CA_NAME);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Zakupka");
    let today = Utc::now().date_naive();
    let until = today.with_year(today.year() + CA_YEARS).unwrap_or(today);
    valid(&mut params, today - Days::new(1), until);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

fn valid(params: &mut CertificateParams, from: chrono::NaiveDate, until: chrono::NaiveDate) {
    // Months and days from chrono are in range by construction.
    let day = |d: chrono::NaiveDate| rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8);
    params.not_before = day(from);
    params.not_after = day(until);
}

/// `localhost`, this machine's host name (also as `.local`, which phones resolve on many
/// networks), every address of its interfaces, and the address served if it is a specific
/// one. Addresses change with the network; this is read at each start.
pub fn local_names(listen: SocketAddr) -> Vec<String> {
    let mut names = vec!["localhost".to_owned()];
    if let Some(host) = gethostname::gethostname().to_str().filter(|h| {
        !h.is_empty()
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    }) {
        names.push(host.to_owned());
        if !host.contains('.') {
            names.push(format!("{host}.local"));
        }
    }
    let mut ips: Vec<IpAddr> = if_addrs::get_if_addrs()
        .map(|list| list.into_iter().map(|i| i.ip()).collect())
        .unwrap_or_default();
    ips.extend([IpAddr::from([127, 0, 0, 1]), listen.ip()]);
    ips.retain(|ip| !ip.is_unspecified());
    ips.sort();
    ips.dedup();
    names.extend(ips.into_iter().map(|ip| ip.to_string()));
    names.dedup();
    names
}

/// A certificate's SHA-256 fingerprint as browsers and `openssl x509 -fingerprint` show it.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn rustls_pki_der(pem: &str) -> anyhow::Result<Vec<u8>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    Ok(CertificateDer::from_pem_slice(pem.as_bytes())
        .context("the kept authority certificate is not PEM")?
        .to_vec())
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Serves `router` on `listener`: plain HTTP, or HTTPS with `identity`, where every
/// answer also tells browsers to use HTTPS only from then on (HSTS; a year). Ends on
/// Ctrl-C, letting requests in flight finish.
pub async fn serve(
    router: Router,
    listener: std::net::TcpListener,
    identity: Option<Identity>,
) -> anyhow::Result<()> {
    let Some(identity) = identity else {
        // With the client's address, for the per-address throttle of sign-ins.
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        return Ok(
            axum::serve(tokio::net::TcpListener::from_std(listener)?, service)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?,
        );
    };
    // One process-wide choice of rustls's cryptography; a second call finds it made.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(
        identity.cert_pem.into_bytes(),
        identity.key_pem.into_bytes(),
    )
    .await
    .context("the TLS certificate or key")?;
    let router = router.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    ));
    let handle = axum_server::Handle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    axum_server::from_tcp_rustls(listener, config)?
        .handle(handle)
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await?;
    Ok(())
}
