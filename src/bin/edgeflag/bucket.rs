//! stub
#[derive(clap::Args, Debug)]
pub struct Args {}
pub fn run(_a: Args) -> u8 { 0 }
