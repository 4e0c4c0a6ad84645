//! The configuration audit's cost on a large PBX: 1,000 PJSIP endpoints with userpass auths
//! (each password judged against the rules and the 10,000-entry common list), a dialplan of
//! 200 contexts × 50 extensions (10,000 priorities, every endpoint's context followed through
//! its includes), 50 AMI users. Also one md5_cred judged by hashing every guess (the common
//! list included). Gathering from Asterisk is measured in the running module (`secast audit`
//! prints how long gathering and checking took).

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use res_secast::audit::certificate::CertState;
use res_secast::audit::password::assess_md5;
use res_secast::audit::raw::{RawFile, RawSection};
use res_secast::audit::secret::Secret;
use res_secast::audit::snapshot::dialplan::{Context, Dialplan};
use res_secast::audit::snapshot::pjsip::PjsipRaw;
use res_secast::audit::snapshot::{Manager, OwnState, Pjsip, Snapshot};
use res_secast::config::AuditConfig;

const ENDPOINTS: usize = 1000;

fn pjsip_raw() -> PjsipRaw {
    let mut objects: BTreeMap<String, Option<Vec<RawSection>>> = BTreeMap::new();
    let endpoints = (0..ENDPOINTS)
        .map(|i| {
            RawSection::new(&format!("{}", 1000 + i))
                .with("context", &format!("ctx{}", i % 200))
                .with("auth", &format!("{}", 1000 + i))
                .with("identify_by", "username,ip")
                .with("acl", "")
        })
        .collect();
    let auths = (0..ENDPOINTS)
        .map(|i| {
            let id = format!("{}", 1000 + i);
            RawSection::new(&id)
                .with("auth_type", "userpass")
                .with("username", &id)
                .with("password", &format!("Pw-{i}-kR7q-zz81-Lm"))
        })
        .collect();
    objects.insert("endpoint".into(), Some(endpoints));
    objects.insert("auth".into(), Some(auths));
    objects.insert(
        "transport".into(),
        Some(vec![
            RawSection::new("udp")
                .with("protocol", "udp")
                .with("bind", "0.0.0.0:5060"),
        ]),
    );
    PjsipRaw {
        objects,
        conf: RawFile::Sections(Vec::new()),
    }
}

fn dialplan() -> Dialplan {
    let contexts = (0..200)
        .map(|c| {
            let mut ctx = Context::new(&format!("ctx{c}")).include("outbound");
            for e in 0..50 {
                ctx = ctx.exten(
                    &format!("{}", 2000 + e),
                    &[("Answer", ""), ("Dial", &format!("PJSIP/{}", 2000 + e))],
                );
            }
            ctx
        })
        .chain(std::iter::once(Context::new("outbound").exten(
            "_00X.",
            &[
                ("Set", "r=${SECAST_CALLCHECK(${EXTEN})}"),
                ("Dial", "PJSIP/${EXTEN}@carrier"),
            ],
        )))
        .collect();
    Dialplan {
        contexts,
        truncated: false,
    }
}

fn manager() -> RawFile {
    let mut sections = vec![
        RawSection::new("general")
            .with("enabled", "yes")
            .with("bindaddr", "127.0.0.1"),
    ];
    sections.extend((0..50).map(|i| {
        RawSection::new(&format!("user{i}"))
            .with("secret", "Mq7-long-enough-secret")
            .with("read", "call")
            .with("write", "call")
    }));
    RawFile::Sections(sections)
}

fn bench(c: &mut Criterion) {
    let cfg = AuditConfig::default();
    let raw = pjsip_raw();
    let mut group = c.benchmark_group("audit");
    group.sample_size(10);
    group.bench_function("collect 1000 PJSIP auths (passwords judged)", |b| {
        b.iter(|| black_box(Pjsip::collect(&raw, 12, &|_| CertState::Missing)))
    });
    let snapshot = Snapshot {
        now: 1_717_200_000,
        modules: None,
        pjsip: Some(Pjsip::collect(&raw, 12, &|_| CertState::Missing)),
        dialplan: Some(dialplan()),
        manager: Manager::collect(&manager(), &RawFile::Missing, 12, &|_| CertState::Missing),
        http: None,
        ari: None,
        iax: None,
        own: OwnState::default(),
        notes: Vec::new(),
    };
    group.bench_function("checks over 1000 endpoints and 10k priorities", |b| {
        b.iter(|| black_box(res_secast::audit::run(&snapshot, &cfg, 0)))
    });
    // The worst case of an md5 credential: nothing matches, every guess is hashed.
    let cred = Secret::new(b"0123456789abcdef0123456789abcdef".to_vec());
    group.bench_function("md5_cred against 10k guesses", |b| {
        b.iter(|| {
            black_box(assess_md5(
                &cred,
                "md5user",
                "asterisk",
                &["md5user", "3001"],
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
