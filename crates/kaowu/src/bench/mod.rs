//! `kaowu bench …`: measurements that print ratios against a baseline taken in the same run (never timed
//! assertions in tests). Figures go to docs/benchmarks.md.

mod login;
mod photo;

pub use login::{LoginBenchOptions, LoginBenchReport, login};
pub use photo::{PhotoBenchOptions, PhotoBenchReport, photo};
