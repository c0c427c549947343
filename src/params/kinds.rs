//! What a parameter holds and which text rule it follows: the `type` and `format` values of
//! `chart-overlays/polyaxon/parameters.yaml`. Shared by the crate and `build.rs`, which reads the
//! file with these enums, so a misspelt `type` or `format` fails the build with the file's line.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A map whose keys are the parameters below it.
    Object,
    /// Any map, passed through unchecked (subcharts, `global`).
    Map,
    Bool,
    String,
    Int,
    Strings,
    /// A map of strings to strings (node selectors, annotations).
    StringMap,
    Tolerations,
    Affinity,
    /// A Kubernetes quantity (`10Gi`), as a string or a number.
    Quantity,
    /// Kubernetes resource requirements: `limits` and `requests`, maps of quantities.
    Resources,
    /// Any value: a key the chart's templates read whose type its `values.yaml` does not show.
    Any,
}

/// A rule on the text of a string (or of each string of a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    DnsLabel,
    DnsSubdomain,
    AbsPath,
    MountPath,
    HostPath,
    FilePath,
    Timezone,
    Email,
    Host,
    HostPort,
    AllowedHost,
    TlsHost,
    SecretKey,
    /// A map of Kubernetes labels (node selectors): qualified-name keys, label values.
    Labels,
    /// A map of Kubernetes annotations: qualified-name keys, any text.
    Annotations,
}
