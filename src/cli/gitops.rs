//! The GitOps subcommands: `krm` (a kustomize/kpt exec function over a ResourceList) and `export
//! kustomize`'s arguments (rendered as the post-renderer renders, in the export view). Both take
//! the post-renderer's values, profile and overlays; [`crate::krm`], [`crate::export`] do the work.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{Io, RenderArgs, print, read_stdin, report_findings, stderr_error};
use crate::error::Result;
use crate::profile::ChartProfile;
use crate::values::{self, Source};

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The format to export the injection in.
    #[arg(value_enum)]
    pub format: ExportFormat,
    #[command(flatten)]
    pub render: RenderArgs,
}

/// What `export` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A kustomization `patches:` list (RFC 6902 patches with targets), as Flux's
    /// `postRenderers[].kustomize.patches` takes it.
    Kustomize,
}

/// `krm`: exit 1 when the values or the output fail, after writing the list with its `results`.
pub(super) fn krm(args: &RenderArgs, io: &mut Io<'_>) -> Result<ExitCode> {
    let input = read_stdin(io)?;
    let sources = Source::read_all(&values::value_files(&args.values.values))?;
    let profile = ChartProfile::load(args.profile.as_deref())?;
    let settings = crate::krm::Settings {
        sources,
        sets: args.values.sets(),
        profile: &profile,
        overlays: &args.overlays,
        strict: args.values.strict,
        explain: args.explain,
    };
    let output = crate::krm::run(&input, settings)?;
    report_findings(io, &output.findings)?;
    if let Some(explained) = &output.explained {
        io.stderr
            .write_all(explained.as_bytes())
            .map_err(stderr_error)?;
    }
    print(io, &output.text)?;
    if output.failed {
        writeln!(
            io.stderr,
            "polyaxon-pr: error: the KRM function failed; see results"
        )
        .map_err(stderr_error)?;
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
