//! The `modelgate` binary: parse the command line and dispatch.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: freed large buffers (decoded images) go back to the
/// system instead of staying in whichever thread's arena freed them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    modelgate::cli::Cli::parse().run()
}
