//! The server address the user types at sign-in. A password sent over plain HTTP to
//! another machine crosses the office network readable by anyone on it, so the desktop
//! app asks before doing that (`ui/account.rs`); the web app talks only to the server that
//! served it, over whatever scheme that was.

use std::net::IpAddr;

/// Whether `address` is plain `http://` to a machine other than this one.
pub fn unencrypted_to_network(address: &str) -> bool {
    if cfg!(target_arch = "wasm32") {
        return false;
    }
    let address = address.trim().to_ascii_lowercase();
    let Some(rest) = address.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    !loopback
}

#[cfg(test)]
mod tests {
    use super::unencrypted_to_network;

    #[test]
    fn plain_http_to_another_machine_needs_confirmation() {
        for risky in [
            "http://192.168.1.20:8080",
            "HTTP://zakupka.office.local/",
            "  http://10.0.0.5  ",
            "http://[fd00::2]:8080",
            "http://localhost.evil.example@10.0.0.5/",
        ] {
            assert!(unencrypted_to_network(risky), "{risky}");
        }
        for fine in [
            "https://192.168.1.20:8443",
            "http://127.0.0.1:8080",
            "http://localhost:8080/",
            "http://[::1]:8080",
            "http://app.localhost",
            "",
        ] {
            assert!(!unencrypted_to_network(fine), "{fine}");
        }
    }
}
