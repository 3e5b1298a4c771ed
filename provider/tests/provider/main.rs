//! Host integration tests: each starts the provider in-process on free ports and talks to it
//! over real HTTP with reqwest (redirects not followed, so `Location` can be inspected).

mod common;

mod api;
mod authorize;
mod cli;
mod cors;
mod daily_quota;
mod dist;
mod faults;
mod liked;
mod quota;
mod robustness;
mod standards;
mod stats;
mod tls;
mod token;
mod tutorial_flow;
mod untidy;
