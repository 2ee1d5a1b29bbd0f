//! The `modelgate` binary: parse the command line and dispatch.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    modelgate::cli::Cli::parse().run()
}
