//! GeoIP lookups: ns per address on a City-schema fixture with 110k networks (90k IPv4 /24s,
//! 20k IPv6 /48s, 2,000 distinct locations), plus the policy verdict on top. Prints a summary
//! first: fixture build time, file size, open time, and how much of the mapping is resident
//! before and after a sweep of lookups. `SECAST_GEO_BENCH_DB=/path/to.mmdb` adds lookups in a
//! real database to the criterion benches.

#[path = "../tests/geo_fixture/mod.rs"]
mod geo_fixture;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::Instant;

use criterion::Criterion;
use geo_fixture::{FixtureRecord, FixtureSchema, TempDir, write_fixture_db};
use ipnet::IpNet;
use res_secast::lookups::geo::{GeoAction, GeoDb, GeoPolicy, parse_rule};

const V4_NETS: u32 = 90_000;
const V6_NETS: u32 = 20_000;
const LOCATIONS: u32 = 2_000;
const COUNTRIES: [&str; 20] = [
    "US", "DE", "FR", "GB", "RU", "CN", "BR", "IN", "JP", "NL", "IT", "ES", "PL", "UA", "TR", "VN",
    "ID", "NG", "AU", "CA",
];

/// The n-th IPv4 network: every other /24 from 11.0.0.0, so the gaps between them are misses.
fn v4_net(n: u32) -> Ipv4Addr {
    Ipv4Addr::from(0x0b00_0000 + n * 512)
}

fn v6_net(n: u32) -> Ipv6Addr {
    Ipv6Addr::new(0x2a00, 0, n as u16, 0, 0, 0, 0, 0)
}

fn location(n: u32) -> FixtureRecord {
    let loc = n % LOCATIONS;
    let country = COUNTRIES[(loc % 20) as usize];
    FixtureRecord::country(country)
        .subdivision(&format!("S{}", loc % 50), &format!("Region {}", loc % 50))
        .city(&format!("City {loc}"))
}

fn entries() -> Vec<(IpNet, FixtureRecord)> {
    let v4 = (0..V4_NETS).map(|n| (IpNet::new(v4_net(n).into(), 24).unwrap(), location(n)));
    let v6 = (0..V6_NETS).map(|n| (IpNet::new(v6_net(n).into(), 48).unwrap(), location(n)));
    v4.chain(v6).collect()
}

/// A deterministic spread of addresses: xorshift, no dependency.
struct Spread(u64);

impl Spread {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn v4_hit(&mut self) -> IpAddr {
        let n = (self.next() % u64::from(V4_NETS)) as u32;
        IpAddr::V4(Ipv4Addr::from(
            u32::from(v4_net(n)) + (self.next() % 256) as u32,
        ))
    }

    fn v6_hit(&mut self) -> IpAddr {
        let n = (self.next() % u64::from(V6_NETS)) as u32;
        let base = u128::from(v6_net(n));
        IpAddr::V6(Ipv6Addr::from(base + u128::from(self.next() as u32)))
    }

    fn v4_miss(&mut self) -> IpAddr {
        let n = (self.next() % u64::from(V4_NETS)) as u32;
        IpAddr::V4(Ipv4Addr::from(
            u32::from(v4_net(n)) + 256 + (self.next() % 256) as u32,
        ))
    }
}

fn addresses(count: usize, pick: fn(&mut Spread) -> IpAddr) -> Vec<IpAddr> {
    let mut spread = Spread(0x9e37_79b9_7f4a_7c15);
    (0..count).map(|_| pick(&mut spread)).collect()
}

/// Resident kilobytes of the mappings of `path` in this process (/proc/self/smaps).
fn resident_kib(path: &Path) -> u64 {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
    let wanted = path.to_string_lossy();
    let mut inside = false;
    let mut total = 0;
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && !first.ends_with(':') {
            inside = line.ends_with(wanted.as_ref());
        } else if inside && let Some(kib) = line.strip_prefix("Rss:") {
            total += kib
                .trim()
                .trim_end_matches(" kB")
                .trim()
                .parse::<u64>()
                .unwrap_or(0);
        }
    }
    total
}

fn policy() -> GeoPolicy {
    let rules = [
        (false, "continent:AS action=alert"),
        (false, "country:RU"),
        (false, "country:CN"),
        (false, "subdivision:US-S7 action=risk:40"),
        (true, "city:US/City 20"),
        (true, "account=1001 country:RU"),
        (true, "country:DE"),
        (false, "continent:AF"),
    ]
    .into_iter()
    .map(|(allow, text)| parse_rule(allow, text, GeoAction::Ban).unwrap())
    .collect();
    GeoPolicy::new(
        rules,
        true,
        GeoAction::Ban,
        GeoPolicy::default_local_networks(),
    )
}

/// Cycles through `addrs` so successive iterations hit different parts of the tree.
fn bench_lookups(c: &mut Criterion, name: &str, db: &GeoDb, addrs: &[IpAddr]) {
    let mut i = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            i = (i + 1) % addrs.len();
            black_box(db.lookup(black_box(addrs[i])))
        })
    });
}

fn main() {
    let dir = TempDir::new("bench");
    let path = dir.path().join("city.mmdb");
    let entries = entries();
    let t = Instant::now();
    write_fixture_db(&path, FixtureSchema::MaxMindCity, &entries).expect("fixture");
    let build = t.elapsed();
    let size = std::fs::metadata(&path).unwrap().len();

    let t = Instant::now();
    let db = GeoDb::open(&path).expect("open");
    let open = t.elapsed();
    let after_open = resident_kib(&path);
    let sweep = addresses(200_000, Spread::v4_hit);
    let t = Instant::now();
    let found = sweep.iter().filter(|a| db.lookup(**a).is_some()).count();
    let sweep_time = t.elapsed();
    assert_eq!(found, sweep.len(), "every generated hit is in the fixture");
    let after_sweep = resident_kib(&path);

    println!(
        "geo fixture: {} networks, {LOCATIONS} locations",
        entries.len()
    );
    println!("  {}", db.describe());
    println!("  built by mmdb-writer in {:.2} s", build.as_secs_f64());
    println!(
        "  file {:.1} MiB; open (mmap + metadata) {:?}",
        size as f64 / 1048576.0,
        open
    );
    println!(
        "  resident of the mapping: {after_open} KiB after open, {after_sweep} KiB after 200k lookups"
    );
    println!(
        "  cold sweep: {:.0} ns per IPv4 lookup",
        sweep_time.as_nanos() as f64 / sweep.len() as f64
    );

    let mut c = Criterion::default().configure_from_args();
    bench_lookups(
        &mut c,
        "geo_lookup_city_v4_hit",
        &db,
        &addresses(4096, Spread::v4_hit),
    );
    bench_lookups(
        &mut c,
        "geo_lookup_city_v6_hit",
        &db,
        &addresses(4096, Spread::v6_hit),
    );
    bench_lookups(
        &mut c,
        "geo_lookup_city_v4_miss",
        &db,
        &addresses(4096, Spread::v4_miss),
    );
    let mapped: Vec<IpAddr> = addresses(4096, Spread::v4_hit)
        .into_iter()
        .map(|a| match a {
            IpAddr::V4(v4) => IpAddr::V6(v4.to_ipv6_mapped()),
            v6 => v6,
        })
        .collect();
    bench_lookups(&mut c, "geo_lookup_city_v4_mapped", &db, &mapped);

    let policy = policy();
    let infos: Vec<_> = addresses(4096, Spread::v4_hit)
        .into_iter()
        .map(|a| (a, db.lookup(a)))
        .collect();
    let mut i = 0;
    c.bench_function("geo_policy_evaluate_8_rules", |b| {
        b.iter(|| {
            i = (i + 1) % infos.len();
            let (ip, info) = &infos[i];
            black_box(policy.evaluate(*ip, Some("1002"), info.as_ref()))
        })
    });
    let addrs = addresses(4096, Spread::v4_hit);
    let mut i = 0;
    c.bench_function("geo_lookup_and_evaluate", |b| {
        b.iter(|| {
            i = (i + 1) % addrs.len();
            let ip = addrs[i];
            black_box(policy.evaluate(ip, Some("1002"), db.lookup(ip).as_ref()))
        })
    });

    if let Some(real) = std::env::var_os("SECAST_GEO_BENCH_DB") {
        let real = GeoDb::open(Path::new(&real)).expect("SECAST_GEO_BENCH_DB opens");
        println!("real database: {}", real.describe());
        let public: Vec<IpAddr> = {
            let mut spread = Spread(0x2545_f491_4f6c_dd1d);
            (0..4096)
                .map(|_| IpAddr::V4(Ipv4Addr::from(spread.next() as u32)))
                .collect()
        };
        bench_lookups(&mut c, "geo_lookup_real_db_v4_random", &real, &public);
    }
    c.final_summary();
}
