# res_secast — build, sandbox, tests, demo, benchmarks, install.
#
#   make demo    sandboxed Asterisk 22 with res_secast, a live attack, what the module saw
#   make test    lint, unit tests, ABI check and end-to-end tests in the sandbox
#
# Both install what they need (Debian packages, the sid chroot) on first use; root required.

CARGO        ?= cargo
MODULE       := target/res_secast.so
SECAST_CHROOT ?= /var/cache/res_secast/sid-chroot
export SECAST_CHROOT

.PHONY: all build deps sandbox unit lint abi-check e2e test demo bench install clean fuzz fuzz-smoke soak

all: build

deps:
	@scripts/host-deps.sh

# The Asterisk module: the `asterisk` feature turns on the Asterisk layer (src/host).
build: deps
	$(CARGO) build --release --features asterisk
	cp target/release/libres_secast.so $(MODULE)
	strip --strip-debug $(MODULE)

sandbox: deps
	sandbox/build-chroot.sh

unit:
	$(CARGO) test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --lib --features asterisk -- -D warnings
	scripts/check-licences.py

abi-check: sandbox
	tests/abi/check.sh

# End-to-end: a fresh Asterisk per test, one at a time (they share the chroot's module dir).
e2e: build sandbox
	SECAST_MODULE=$(abspath $(MODULE)) $(CARGO) test --no-fail-fast --test e2e_foundation --test e2e_bans --test e2e_geo --test e2e_audit --test e2e_cluster_redis --test e2e_cluster --test e2e_protection --test e2e_handlers --test e2e_ami --test e2e_calls --test e2e_durability --test e2e_sensor -- --ignored --test-threads=1

test: deps lint unit fuzz-smoke e2e

# Coverage-guided fuzzing (AFL++ through afl.rs, stable Rust; fuzz/ is a crate of its own).
# fuzz-smoke: 20 s per target, part of `make test`; fuzz: each target to 10M executions.
fuzz-smoke:
	scripts/fuzz.sh smoke 20

fuzz:
	scripts/fuzz.sh full 10000000

# Soak in the sandbox (root): 10,000 security events/s for 60 s from 500 sources, then 1,000
# unload/load cycles under attack; resources must stay flat. Then the ledger scenarios
# (scripts/soak-ledger.sh, also alone as `make soak-ledger`).
soak: build sandbox
	scripts/soak.sh $(abspath $(MODULE))
	scripts/soak-ledger.sh $(abspath $(MODULE))

# The ledger at full size (root, sandbox): kill -9 with 100,000 bans in force then a restart
# (all back in the kernel, restore time measured); the ledger on a full tmpfs (bans enforced,
# said in the log and status, all written once space returns, no duplicates).
.PHONY: soak-ledger
soak-ledger: build sandbox
	scripts/soak-ledger.sh $(abspath $(MODULE))

demo: build sandbox
	scripts/demo.sh $(abspath $(MODULE))

# Criterion benches, the cluster through a real redis-server (ban propagation to two other
# nodes, sustained bans/s), then the end-to-end time to ban against fail2ban (about 2.5
# minutes). The firewall and capacity benches need root (each works in a private network
# namespace).
bench: build sandbox
	$(CARGO) bench --bench ingress --bench engine --bench firewall --bench capacity --bench audit --bench cluster --bench published --bench handlers --bench calls --bench sensor
	bench/calls.sh $(abspath $(MODULE))
	bench/sensor.sh $(abspath $(MODULE))
	bench/sensor-cycles.sh $(abspath $(MODULE)) 1000
	bench/time-to-ban.sh $(abspath $(MODULE))

# Into a real Asterisk: the directories are asked of the running Asterisk, not assumed.
install: build
	scripts/install.sh $(MODULE) module-config/secast.conf

clean:
	$(CARGO) clean
