//! [`San`]: a subjectAltName entry of a serving certificate.

use std::fmt;
use std::net::IpAddr;

/// A subjectAltName entry: the DNS names and IP addresses a serving certificate is valid for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum San {
    /// A DNS name, e.g. `localhost` or `*.nave.svc`.
    Dns(String),
    /// An IP address, e.g. `127.0.0.1` or `::1`.
    Ip(IpAddr),
}

impl San {
    /// A DNS name entry.
    pub fn dns(name: impl Into<String>) -> San {
        San::Dns(name.into())
    }

    /// `text` as an IP entry if it parses as an IP address, as a DNS entry otherwise: convenient
    /// for `--tls-san` style flags that mix both.
    pub fn parse(text: &str) -> San {
        text.parse().map_or_else(|_| San::dns(text), San::Ip)
    }
}

impl From<IpAddr> for San {
    fn from(ip: IpAddr) -> San {
        San::Ip(ip)
    }
}

impl fmt::Display for San {
    /// `DNS:<name>` or `IP:<address>`, as `openssl x509 -text` prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            San::Dns(name) => write!(f, "DNS:{name}"),
            San::Ip(ip) => write!(f, "IP:{ip}"),
        }
    }
}
