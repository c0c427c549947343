//! Rules on the text of a value: DNS names, paths, hosts, time zones, emails, Secret keys,
//! quantities. Each returns what is wrong and how to fix it; the caller adds the location.
//!
//! The rules are written out by hand rather than as regular expressions, which every run would
//! compile before checking its first value. Each function names the pattern it implements (the
//! schema's, in [`crate::params::schema`]), and a test holds it to that regex on generated text.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::params::Format;

/// What is wrong with a text, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
}

fn problem(message: impl Into<String>, hint: impl Into<String>) -> Result<(), Problem> {
    Err(Problem {
        message: message.into(),
        hint: hint.into(),
    })
}

/// `^E([EI]*E)?$` for the bytes `E` that `edge` accepts and `I` those of `inner`.
fn framed(text: &str, edge: impl Fn(&u8) -> bool + Copy, inner: &[u8]) -> bool {
    let b = text.as_bytes();
    b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter().all(|c| edge(c) || inner.contains(c))
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` ([`crate::params::schema::DNS_LABEL`]), any length.
fn is_dns_label(text: &str) -> bool {
    framed(text, |c| c.is_ascii_lowercase() || c.is_ascii_digit(), b"-")
}

/// `^label(\.label)*$` with DNS labels ([`crate::params::schema::DNS_SUBDOMAIN`]), any length.
fn is_dns_subdomain(text: &str) -> bool {
    text.split('.').all(is_dns_label)
}

/// `^[-._a-zA-Z0-9]+$`
fn is_secret_key(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
}

/// `^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`, any length.
fn is_label_text(text: &str) -> bool {
    text.is_empty() || framed(text, u8::is_ascii_alphanumeric, b"-_.")
}

/// `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$`
/// ([`crate::params::schema::QUANTITY`]). A suffix never starts with a digit or `.`, so the
/// number is the longest run of them the first alternative allows.
fn is_quantity(text: &str) -> bool {
    fn digits(b: &[u8]) -> usize {
        b.iter().take_while(|c| c.is_ascii_digit()).count()
    }
    let mut b = text.as_bytes();
    if let [b'+' | b'-', rest @ ..] = b {
        b = rest;
    }
    let whole = digits(b);
    b = &b[whole..];
    if let [b'.', rest @ ..] = b {
        let fraction = digits(rest);
        if whole == 0 && fraction == 0 {
            return false;
        }
        b = &rest[fraction..];
    } else if whole == 0 {
        return false;
    }
    match b {
        [] | [b'n' | b'u' | b'm' | b'k' | b'M' | b'G' | b'T' | b'P' | b'E'] => true,
        [b'K' | b'M' | b'G' | b'T' | b'P' | b'E', b'i'] => true,
        [b'e' | b'E', exponent @ ..] => {
            let exponent = match exponent {
                [b'+' | b'-', rest @ ..] => rest,
                rest => rest,
            };
            !exponent.is_empty() && digits(exponent) == exponent.len()
        }
        _ => false,
    }
}

/// `^[A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let label = |l: &str| framed(l, u8::is_ascii_alphanumeric, b"-");
    !local.is_empty()
        && local
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c))
        && domain.split('.').all(label)
}

pub fn check(format: Format, text: &str) -> Result<(), Problem> {
    match format {
        Format::DnsLabel => dns_label(text),
        Format::DnsSubdomain => dns_subdomain(text),
        Format::AbsPath | Format::HostPath => host_path(text),
        Format::MountPath => mount_path(text),
        Format::FilePath => file_path(text),
        Format::Timezone => time_zone(text),
        Format::Email => email(text),
        Format::Host => host(text),
        Format::HostPort => host_port(text),
        Format::AllowedHost => allowed_host(text),
        Format::TlsHost => host(text.strip_prefix("*.").unwrap_or(text)),
        Format::SecretKey => secret_key(text),
        Format::Labels | Format::Annotations => qualified_name(text),
    }
}

pub fn dns_label(text: &str) -> Result<(), Problem> {
    if text.len() <= 63 && is_dns_label(text) {
        return Ok(());
    }
    problem(
        format!("\"{text}\" is not a DNS-1123 label"),
        "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    )
}

pub fn dns_subdomain(text: &str) -> Result<(), Problem> {
    if text.len() <= 253 && is_dns_subdomain(text) {
        return Ok(());
    }
    problem(
        format!("\"{text}\" is not a valid Kubernetes name (DNS-1123 subdomain)"),
        "use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
    )
}

/// A path on the node: absolute, no `..`. Empty means unset.
fn host_path(text: &str) -> Result<(), Problem> {
    if text.is_empty() {
        return Ok(());
    }
    if !text.starts_with('/') {
        return problem(
            format!("\"{text}\" is not an absolute path"),
            "start the path with /",
        );
    }
    if text.split('/').any(|s| s == "..") {
        return problem(
            format!("\"{text}\" contains \"..\""),
            "write the path without .. segments",
        );
    }
    Ok(())
}

/// A path in the container: absolute, normalised, no `..`, not `/`. Empty means unset.
fn mount_path(text: &str) -> Result<(), Problem> {
    host_path(text)?;
    if text == "/" {
        return problem(
            "cannot mount a volume over the container's root /",
            "choose a directory such as /data",
        );
    }
    let normal = normalise(text);
    if !text.is_empty() && normal != text {
        return problem(
            format!("\"{text}\" is not a normalised path"),
            format!("write \"{normal}\""),
        );
    }
    Ok(())
}

/// `/a//b/./c/` → `/a/b/c`.
pub fn normalise(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

fn file_path(text: &str) -> Result<(), Problem> {
    host_path(text)?;
    if text.ends_with('/') {
        return problem(
            format!("\"{text}\" names a directory, not a file"),
            "give the file itself, e.g. /usr/lib/x86_64-linux-gnu/libcuda.so.1",
        );
    }
    Ok(())
}

pub fn time_zone(text: &str) -> Result<(), Problem> {
    if chrono_tz::Tz::from_str(text).is_ok() {
        return Ok(());
    }
    let hint = match suggest_time_zone(text) {
        Some(name) => format!("did you mean \"{name}\"?"),
        None => "use an IANA time zone name such as UTC or Europe/Berlin".to_string(),
    };
    problem(format!("\"{text}\" is not a known time zone"), hint)
}

/// The nearest IANA name: same spelling ignoring case, same city, else nearest by edit distance.
pub fn suggest_time_zone(text: &str) -> Option<&'static str> {
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let lower = text.to_ascii_lowercase().replace(' ', "_");
    let city = lower.rsplit('/').next().unwrap_or(&lower);
    let in_city = |n: &&str| n.to_ascii_lowercase().rsplit('/').next() == Some(city);
    names()
        .find(|n| n.to_ascii_lowercase() == lower)
        .or_else(|| names().find(in_city))
        .or_else(|| {
            names()
                .map(|n| (strsim::levenshtein(&n.to_ascii_lowercase(), &lower), n))
                .filter(|(d, _)| *d <= (lower.len() / 4).clamp(1, 3))
                .min_by_key(|(d, _)| *d)
                .map(|(_, n)| n)
        })
}

fn email(text: &str) -> Result<(), Problem> {
    if is_email(text) {
        return Ok(());
    }
    problem(
        format!("\"{text}\" is not an email address"),
        "write it as name@domain, e.g. root@polyaxon.local",
    )
}

/// Digits and dots with at least one dot: what a reader (and Go's `net.ParseIP`, and every URL
/// parser) takes for an IPv4 address, so never a host name even where it is not a valid address.
fn is_dotted_decimal(text: &str) -> bool {
    text.contains('.') && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// The problem with a dotted-decimal string that [`is_address`] refused.
fn not_ipv4(text: &str) -> Result<(), Problem> {
    problem(
        format!("\"{text}\" is not an IPv4 address (and digits and dots are not a host name)"),
        "an IPv4 address is four numbers from 0 to 255, e.g. 10.0.0.30",
    )
}

fn is_hostname(text: &str) -> bool {
    let text = text.strip_suffix('.').unwrap_or(text);
    !text.is_empty()
        && !is_dotted_decimal(text)
        && text.len() <= 253
        && text
            .split('.')
            .all(|label| label.len() <= 63 && framed(label, u8::is_ascii_alphanumeric, b"-"))
}

fn is_address(text: &str) -> bool {
    Ipv4Addr::from_str(text).is_ok() || Ipv6Addr::from_str(text).is_ok()
}

fn host(text: &str) -> Result<(), Problem> {
    if is_address(text) || is_hostname(text) {
        return Ok(());
    }
    if is_dotted_decimal(text) {
        return not_ipv4(text);
    }
    problem(
        format!("\"{text}\" is not a host name or an IP address"),
        "write a name such as polyaxon.example.com or an address such as 10.0.0.1",
    )
}

fn host_port(text: &str) -> Result<(), Problem> {
    if let Some((scheme, _)) = text.split_once("://") {
        return problem(
            format!("\"{text}\" is a URL; apiHost is a host name or address"),
            format!("drop \"{scheme}://\" (and any path)"),
        );
    }
    if text.contains('/') {
        return problem(
            format!("\"{text}\" contains a path; apiHost is a host name or address"),
            "drop everything from the first /",
        );
    }
    if is_address(text) {
        return Ok(());
    }
    let (host_part, port) = split_port(text);
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return problem(
            format!("\"{port}\" in \"{text}\" is not a port"),
            "a port is a number from 1 to 65535",
        );
    }
    host(host_part)
}

/// `host:port`, `[v6]:port`, `[v6]`.
fn split_port(text: &str) -> (&str, Option<&str>) {
    if let Some(rest) = text.strip_prefix('[')
        && let Some((addr, after)) = rest.split_once(']')
    {
        return (addr, after.strip_prefix(':'));
    }
    match text.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (text, None),
    }
}

fn allowed_host(text: &str) -> Result<(), Problem> {
    let name = text.strip_prefix('.').unwrap_or(text);
    if text == "*" || is_address(text) || is_hostname(name) {
        return Ok(());
    }
    if is_dotted_decimal(text) {
        return not_ipv4(text);
    }
    problem(
        format!("\"{text}\" is not an IP address, a host name, a .domain suffix or *"),
        "write e.g. 127.0.0.1, polyaxon.example.com or .example.com (every subdomain)",
    )
}

pub fn secret_key(text: &str) -> Result<(), Problem> {
    if text.len() <= 253 && text != "." && text != ".." && is_secret_key(text) {
        return Ok(());
    }
    problem(
        format!("\"{text}\" is not a valid Secret key"),
        "use letters, digits, '-', '_' and '.'",
    )
}

/// A label or annotation key: an optional DNS subdomain prefix and `/`, then a name of at most 63
/// letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
pub fn qualified_name(text: &str) -> Result<(), Problem> {
    let (prefix, name) = match text.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, text),
    };
    if prefix.is_none_or(|p| dns_subdomain(p).is_ok()) && is_label_value(name) && !name.is_empty() {
        return Ok(());
    }
    problem(
        format!("\"{text}\" is not a valid label or annotation key"),
        "write [prefix/]name: name is at most 63 letters, digits, '-', '_' and '.'; the prefix a DNS subdomain",
    )
}

fn is_label_value(text: &str) -> bool {
    text.len() <= 63 && is_label_text(text)
}

/// A label value: empty, or a name as [`qualified_name`] takes it after the prefix.
pub fn label_value(text: &str) -> Result<(), Problem> {
    if is_label_value(text) {
        return Ok(());
    }
    problem(
        format!("\"{text}\" is not a valid label value"),
        "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
    )
}

pub fn quantity(text: &str) -> Result<(), Problem> {
    if text.starts_with('-') {
        return problem(
            format!("\"{text}\" is negative"),
            "a volume size is a positive quantity such as 10Gi",
        );
    }
    if is_quantity(text) {
        return Ok(());
    }
    problem(
        format!("\"{text}\" is not a Kubernetes quantity"),
        "write a size such as 10Gi or 500Mi",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_good_values() {
        let good = [
            (Format::DnsLabel, "data-1"),
            (Format::DnsSubdomain, "secret.name-1"),
            (Format::MountPath, "/data/1"),
            (Format::HostPath, "/path/to/data/"),
            (Format::FilePath, "/usr/lib/x86_64-linux-gnu/libcuda.so.1"),
            (Format::Timezone, "Europe/Berlin"),
            (Format::Timezone, "UTC"),
            (Format::Email, "root@polyaxon.local"),
            (Format::HostPort, "159.203.150.212"),
            (Format::HostPort, "polyaxon.foo.com"),
            (Format::HostPort, "polyaxon.foo.com:8080"),
            (Format::HostPort, "[::1]:80"),
            (Format::HostPort, "::1"),
            (Format::AllowedHost, ".mysite.com"),
            (Format::AllowedHost, "127.0.0.1"),
            (Format::AllowedHost, "*"),
            (Format::TlsHost, "*.example.com"),
            (Format::SecretKey, "secret-key"),
            (Format::Labels, "node-role.kubernetes.io/gpu"),
            (Format::Annotations, "kubernetes.io/ingress.class"),
        ];
        for (format, text) in good {
            assert_eq!(check(format, text), Ok(()), "{format:?} {text}");
        }
    }

    #[test]
    fn rejects_bad_values() {
        let bad = [
            (Format::DnsLabel, "Data_1"),
            (Format::DnsLabel, &"a".repeat(64)),
            (Format::MountPath, "data"),
            (Format::MountPath, "/data/../etc"),
            (Format::MountPath, "/data//1"),
            (Format::MountPath, "/data/"),
            (Format::MountPath, "/"),
            (Format::FilePath, "/usr/lib/"),
            (Format::Timezone, "Europe/Berln"),
            (Format::Email, "root"),
            (Format::HostPort, "https://polyaxon.foo.com"),
            (Format::HostPort, "polyaxon.foo.com:http"),
            (Format::HostPort, "polyaxon.foo.com:0"),
            (Format::AllowedHost, "http://x.com"),
            (Format::AllowedHost, "a..b"),
            (Format::AllowedHost, "10.0.0.300"),
            (Format::AllowedHost, "10.0.0"),
            (Format::AllowedHost, ".10.0.0.300"),
            (Format::HostPort, "10.0.0.300"),
            (Format::HostPort, "10.0.0.300:80"),
            (Format::TlsHost, "256.1.1.1"),
            (Format::SecretKey, "a/b"),
            (Format::Labels, "has space"),
            (Format::Labels, "Bad_Prefix/name"),
            (Format::Annotations, "a/b/c"),
        ];
        for (format, text) in bad {
            assert!(check(format, text).is_err(), "{format:?} {text}");
        }
    }

    #[test]
    fn time_zone_suggestions() {
        assert_eq!(suggest_time_zone("Europe/Berln"), Some("Europe/Berlin"));
        assert_eq!(suggest_time_zone("europe/paris"), Some("Europe/Paris"));
        assert_eq!(suggest_time_zone("Berlin"), Some("Europe/Berlin"));
        assert_eq!(suggest_time_zone("Nowhere/Atlantis-Deep"), None);
        assert_eq!(suggest_time_zone("Nope"), None);
    }

    #[test]
    fn quantities() {
        assert!(quantity("10Gi").is_ok());
        assert!(quantity("1.5G").is_ok());
        assert!(quantity("10GB").is_err());
        assert!(quantity("-5Gi").is_err());
    }

    /// A hand-written rule and the pattern it implements.
    type Rule = (&'static str, fn(&str) -> bool);

    /// The patterns the hand-written rules implement.
    fn rules() -> [Rule; 6] {
        use crate::params::schema::{DNS_LABEL, DNS_SUBDOMAIN, QUANTITY};
        [
            (DNS_LABEL, is_dns_label),
            (DNS_SUBDOMAIN, is_dns_subdomain),
            ("^[-._a-zA-Z0-9]+$", is_secret_key),
            (
                "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$",
                is_label_text,
            ),
            (QUANTITY, is_quantity),
            (
                r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$",
                is_email,
            ),
        ]
    }

    #[test]
    fn hand_written_rules_on_edge_cases() {
        let texts = [
            "",
            "a",
            "-",
            "a-",
            "-a",
            "a-b",
            "A",
            "a.b",
            "a..b",
            ".a",
            "a.",
            "a_b",
            "1",
            "1.",
            ".5",
            ".",
            "+1",
            "-1",
            "1e",
            "1E",
            "1e3",
            "1E+3",
            "1e-",
            "1Ei",
            "1ei",
            "1Ki",
            "1k",
            "1K",
            "1.5G",
            "1.5Gi",
            "1..5",
            "1.5.5",
            "1m",
            "1mi",
            "a@b",
            "@b",
            "a@",
            "a@b.c",
            "a@-b",
            "a@b-",
            "a@@b",
            "a.b@c.d-e.f",
            "é",
            "aé",
            "a b",
            "a/b",
            "1_000",
        ];
        for (pattern, rule) in rules() {
            let re = regex::Regex::new(pattern).unwrap();
            for text in texts {
                assert_eq!(rule(text), re.is_match(text), "{pattern} {text:?}");
            }
        }
    }

    proptest::proptest! {
        /// Each hand-written rule answers as its regular expression on generated text.
        #[test]
        fn hand_written_rules_match_their_regex(text in "[a-cA-CeEiKMGnuk0-9.+@_/ é-]{0,10}") {
            static COMPILED: std::sync::LazyLock<Vec<(regex::Regex, Rule)>> =
                std::sync::LazyLock::new(|| {
                    rules().map(|r| (regex::Regex::new(r.0).unwrap(), r)).into()
                });
            for (re, (pattern, rule)) in COMPILED.iter() {
                proptest::prop_assert_eq!(rule(&text), re.is_match(&text), "{} {:?}", pattern, text);
            }
        }
    }

    #[test]
    fn mount_path_hint_gives_the_normal_form() {
        let p = check(Format::MountPath, "/data//x/").unwrap_err();
        assert_eq!(p.hint, "write \"/data/x\"");
    }
}
