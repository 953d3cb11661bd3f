//! The kaowu binary's library: configuration, startup, demo data and benchmarks, shared with the tests.

pub mod admin;
pub mod app;
pub mod bench;
pub mod config;
pub mod demo;
pub mod photo_tool;
pub mod plan;
pub mod telemetry;
