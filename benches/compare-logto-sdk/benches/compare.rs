//! Requests per second on one core (current-thread runtime, `tower::ServiceExt::oneshot`):
//! unprotected route, our bearer guard (repeated token from the cache, fresh token with the
//! cache off) and logto-sdk 0.1.3's `jwt_middleware` on the same tokens, plus the verifier
//! calls without HTTP and the raw aws-lc-rs signature check.
use compare_logto_sdk::{Setup, call, split, tokens};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    for alg in ["ES384", "RS256"] {
        let setup = Setup::new(alg);
        let pool = tokens(&setup.key, 256);
        let rt = &setup.rt;
        let mut group = c.benchmark_group(format!("{alg}"));
        group.throughput(Throughput::Elements(1));
        let token = setup.token.as_str();

        group.bench_function("http/unprotected", |b| b.iter(|| call(rt, &setup.unprotected, token)));
        group.bench_function("http/ours repeated (cache)", |b| b.iter(|| call(rt, &setup.ours, token)));
        let mut i = 0;
        group.bench_function("http/ours fresh (cache off)", |b| {
            b.iter(|| {
                i = (i + 1) % pool.len();
                call(rt, &setup.ours_uncached, &pool[i])
            })
        });
        group.bench_function("http/logto-sdk repeated", |b| b.iter(|| call(rt, &setup.theirs, token)));
        group.bench_function("http/logto-sdk fresh", |b| {
            b.iter(|| {
                i = (i + 1) % pool.len();
                call(rt, &setup.theirs, &pool[i])
            })
        });
        group.bench_function("verify/ours fresh (cache off)", |b| {
            b.iter(|| {
                i = (i + 1) % pool.len();
                rt.block_on(setup.verifier_uncached.verify(black_box(&pool[i]))).unwrap()
            })
        });
        group.bench_function("verify/logto-sdk validate_jwt", |b| {
            b.iter(|| {
                i = (i + 1) % pool.len();
                setup.validator.validate_jwt(black_box(&pool[i])).unwrap()
            })
        });
        let (input, signature) = split(token);
        group.bench_function("verify/raw aws-lc-rs verify_sig", |b| {
            b.iter(|| setup.raw_key.verify_sig(black_box(input), black_box(&signature)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
