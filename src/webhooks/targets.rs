//! Where a webhook may deliver: `http` and `https` URLs whose host resolves only to public
//! addresses (unless `webhooks.allow_private_addresses`). The check runs when a subscription is
//! created or changed, and again at every delivery after resolution: the delivery connects to
//! the very addresses that were checked ([`CheckedResolver`]), so a name that resolves to a
//! public address at creation and to an internal one later (DNS rebinding) is refused then.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::Url;

use crate::error::{AppError, FieldError};

/// The longest URL a subscription may have (the database says the same).
pub const URL_MAX_LENGTH: usize = 2048;

/// How long a look-up may take when a subscription is created or changed.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the URL is not a valid absolute URL")]
    Invalid,
    #[error("only http and https URLs are allowed")]
    Scheme,
    #[error("the URL may not carry a user name or password")]
    Credentials,
    #[error("the host {0} does not resolve")]
    Unresolvable(String),
    #[error("the address {0} is not a public address")]
    Address(IpAddr),
}

impl Refusal {
    /// The refusal as the API answers it: 422 `validation_failed` for a malformed URL,
    /// `webhook_url_not_allowed` for a URL this service will not call.
    pub fn into_error(self) -> AppError {
        let field_code = match &self {
            Refusal::Invalid => {
                return AppError::validation(vec![FieldError::new(
                    "url",
                    "invalid_url",
                    self.to_string(),
                )]);
            }
            Refusal::Scheme => "scheme_not_allowed",
            Refusal::Credentials => "credentials_not_allowed",
            Refusal::Unresolvable(_) => "unresolvable",
            Refusal::Address(_) => "address_not_allowed",
        };
        AppError::Unprocessable {
            code: "webhook_url_not_allowed",
            detail: format!("This URL cannot receive webhooks: {self}."),
            errors: vec![FieldError::new("url", field_code, self.to_string())],
            extensions: serde_json::Map::new(),
        }
    }
}

/// Parses a target URL: absolute, `http` or `https`, with a host and no credentials.
pub fn parse(text: &str) -> Result<Url, Refusal> {
    if text.len() > URL_MAX_LENGTH || text.trim() != text {
        return Err(Refusal::Invalid);
    }
    let url = Url::parse(text).map_err(|_| Refusal::Invalid)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::Scheme);
    }
    if url.host().is_none() {
        return Err(Refusal::Invalid);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    Ok(url)
}

/// Whether `ip` is a public unicast address: not private, loopback, link-local, unspecified,
/// multicast, broadcast, CGNAT, documentation, benchmarking, reserved, unique-local, or an
/// IPv6 form that embeds such an IPv4 address (mapped, compatible, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0 // "this network", unspecified
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224; // multicast, reserved, broadcast
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    let embedded_tail = || Ipv4Addr::from(((segments[6] as u32) << 16) | segments[7] as u32);
    match segments[0] {
        // 0::/8 (::, ::1, IPv4-compatible ::a.b.c.d): reserved, never a public target.
        0 => false,
        // Discard-only 100::/64.
        0x0100 if segments[1..4].iter().all(|s| *s == 0) => false,
        // NAT64 64:ff9b::/96 reaches the embedded IPv4 address; 64:ff9b:1::/48 is local use.
        0x0064 if segments[1] == 0xff9b => {
            segments[2] == 0
                && segments[3..6].iter().all(|s| *s == 0)
                && is_public_v4(embedded_tail())
        }
        // Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID 2001:10::/28 and 2001:20::/28,
        // documentation 2001:db8::/32.
        0x2001
            if matches!(segments[1], 0 | 0x0db8)
                || (segments[1] == 2 && segments[2] == 0)
                || matches!(segments[1] & 0xfff0, 0x0010 | 0x0020) =>
        {
            false
        }
        // 6to4 2002::/16 embeds an IPv4 address in bits 16..48.
        0x2002 => is_public_v4(Ipv4Addr::from(
            ((segments[1] as u32) << 16) | segments[2] as u32,
        )),
        first => {
            let unique_local = (first & 0xfe00) == 0xfc00;
            let link_local = (first & 0xffc0) == 0xfe80;
            let site_local = (first & 0xffc0) == 0xfec0;
            let multicast = (first & 0xff00) == 0xff00;
            !(unique_local || link_local || site_local || multicast)
        }
    }
}

/// Refuses unless every address is public (or private ones are allowed).
pub fn check_addresses(
    addresses: impl IntoIterator<Item = IpAddr>,
    allow_private: bool,
) -> Result<(), Refusal> {
    if allow_private {
        return Ok(());
    }
    match addresses.into_iter().find(|ip| !is_public(*ip)) {
        Some(ip) => Err(Refusal::Address(ip)),
        None => Ok(()),
    }
}

/// The IP address a URL names literally, if it does.
pub fn literal_address(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// Resolves `host` with the system resolver (as tokio does).
pub async fn resolve(host: &str) -> Result<Vec<SocketAddr>, Refusal> {
    let lookup = tokio::net::lookup_host((host, 0));
    match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
        Ok(Ok(addresses)) => {
            let addresses: Vec<SocketAddr> = addresses.collect();
            if addresses.is_empty() {
                Err(Refusal::Unresolvable(host.to_owned()))
            } else {
                Ok(addresses)
            }
        }
        _ => Err(Refusal::Unresolvable(host.to_owned())),
    }
}

/// Checks a URL a subscription is created or changed with: its form, then every address its
/// host resolves to. Answers the URL as normalised.
pub async fn check_target(text: &str, allow_private: bool) -> Result<Url, Refusal> {
    let url = parse(text)?;
    if allow_private {
        return Ok(url);
    }
    match (literal_address(&url), url.host_str()) {
        (Some(ip), _) => check_addresses([ip], false)?,
        (None, Some(host)) => {
            let addresses = resolve(host).await?;
            check_addresses(addresses.iter().map(SocketAddr::ip), false)?;
        }
        (None, None) => return Err(Refusal::Invalid),
    }
    Ok(url)
}

/// The resolver of the delivery client: it resolves, checks every address, and hands the
/// client only checked addresses to connect to.
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let checked = async {
                let addresses = resolve(name.as_str()).await?;
                check_addresses(addresses.iter().map(SocketAddr::ip), allow_private)?;
                Ok::<_, Refusal>(addresses)
            };
            match checked.await {
                Ok(addresses) => {
                    let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
                    Ok(addresses)
                }
                Err(refusal) => Err(Box::new(refusal) as Box<dyn std::error::Error + Send + Sync>),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().unwrap())
    }

    #[test]
    fn non_public_addresses_are_recognised() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:db8::1",
            "fec0::1",
        ] {
            assert!(!public(refused), "{refused}");
        }
        for allowed in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::",
        ] {
            assert!(public(allowed), "{allowed}");
        }
    }

    #[test]
    fn urls_parse_to_http_targets_only() {
        assert!(parse("https://example.com/hooks").is_ok());
        assert_eq!(parse("ftp://example.com/x"), Err(Refusal::Scheme));
        assert_eq!(parse("file:///etc/passwd"), Err(Refusal::Scheme));
        assert_eq!(
            parse("https://user:pw@example.com/"),
            Err(Refusal::Credentials)
        );
        assert_eq!(parse("not a url"), Err(Refusal::Invalid));
        // Odd IPv4 spellings are normalised by the parser, then checked as addresses.
        let url = parse("http://2130706433/").unwrap();
        assert_eq!(
            literal_address(&url),
            Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)))
        );
        let url = parse("http://[::ffff:169.254.169.254]/").unwrap();
        assert!(!is_public(literal_address(&url).unwrap()));
    }
}
