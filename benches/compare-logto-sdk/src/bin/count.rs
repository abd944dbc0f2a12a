//! Runs one case N times inside `measured`, for instruction counts under callgrind:
//!
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*' \
//!     target/release/count <ES384|RS256> <case> <N>`
//!
//! Cases: raw, verify-fresh, verify-fresh-nocache, verify-repeated, theirs-validate,
//! http-unprotected, http-ours-repeated, http-ours-fresh, http-ours-fresh-nocache, http-theirs.
//! Fresh cases use N never-seen tokens (signed before measuring).
use compare_logto_sdk::{Setup, call, split, tokens};
use std::hint::black_box;

#[inline(never)]
fn measured(setup: &Setup, case: &str, pool: &[String], raw: &[(&[u8], Vec<u8>)]) {
    let rt = &setup.rt;
    for (i, token) in pool.iter().enumerate() {
        match case {
            "raw" => setup.raw_key.verify_sig(black_box(raw[i].0), black_box(&raw[i].1)).unwrap(),
            "verify-fresh" | "verify-repeated" => {
                black_box(rt.block_on(setup.verifier.verify(token)).unwrap());
            }
            "verify-fresh-nocache" => {
                black_box(rt.block_on(setup.verifier_uncached.verify(token)).unwrap());
            }
            "theirs-validate" => {
                black_box(setup.validator.validate_jwt(token).unwrap());
            }
            "http-unprotected" => assert!(call(rt, &setup.unprotected, token).is_success()),
            "http-ours-repeated" | "http-ours-fresh" => assert!(call(rt, &setup.ours, token).is_success()),
            "http-ours-fresh-nocache" => assert!(call(rt, &setup.ours_uncached, token).is_success()),
            "http-theirs" => assert!(call(rt, &setup.theirs, token).is_success()),
            other => panic!("unknown case {other}"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (alg, case, n): (&str, &str, usize) = (&args[1], &args[2], args[3].parse().unwrap());
    let alg: &'static str = if alg == "ES384" { "ES384" } else { "RS256" };
    let setup = Setup::new(alg);
    let fresh = case.contains("fresh") || case == "raw";
    let pool: Vec<String> =
        if fresh { tokens(&setup.key, n as u64) } else { vec![setup.token.clone(); n] };
    let raw: Vec<_> = pool.iter().map(|t| split(t)).collect();
    eprintln!("{alg} {case} x{n}");
    measured(&setup, case, &pool, &raw);
}
