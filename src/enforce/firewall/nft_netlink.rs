//! The `nftables` backend: our own nf_tables netlink messages, no library and no process.
//!
//! One `apply` is one nfnetlink batch (one kernel transaction): elements go in NEWSETELEM /
//! DELSETELEM messages of up to 64 KiB each, sets for new prefix lengths and their drop rules
//! are created in the same batch.

use std::collections::BTreeSet;

use ipnet::IpNet;

use super::error::{Doing, FirewallError, FirewallErrorKind, from_errno};
use super::isolate;
use super::layout::{CHAIN, Family, PRIORITY_RAW, SetSpec, net_of_key};
use super::netlink::{
    self, MAX_ATTR_LEN, NFNL_SUBSYS_NFTABLES, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP,
    NLM_F_REQUEST, NlError, Socket, Writer,
};
use super::plan::{self, Action, Elem, Plan};
use super::{Firewall, FirewallOp, FirewallSettings, Rejected};

// <linux/netfilter/nf_tables.h>, enum nf_tables_msg_types
const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_GETTABLE: u16 = 1;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;
const NFT_MSG_GETRULE: u16 = 7;
const NFT_MSG_DELRULE: u16 = 8;
const NFT_MSG_NEWSET: u16 = 9;
const NFT_MSG_GETSET: u16 = 10;
const NFT_MSG_NEWSETELEM: u16 = 12;
const NFT_MSG_GETSETELEM: u16 = 13;
const NFT_MSG_DELSETELEM: u16 = 14;

const NFTA_TABLE_NAME: u16 = 1;
const NFTA_TABLE_FLAGS: u16 = 2;
const NFTA_CHAIN_TABLE: u16 = 1;
const NFTA_CHAIN_NAME: u16 = 3;
const NFTA_CHAIN_HOOK: u16 = 4;
const NFTA_CHAIN_POLICY: u16 = 5;
const NFTA_CHAIN_TYPE: u16 = 7;
const NFTA_HOOK_HOOKNUM: u16 = 1;
const NFTA_HOOK_PRIORITY: u16 = 2;
const NFTA_RULE_TABLE: u16 = 1;
const NFTA_RULE_CHAIN: u16 = 2;
const NFTA_RULE_EXPRESSIONS: u16 = 4;
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;
const NFTA_SET_TABLE: u16 = 1;
const NFTA_SET_NAME: u16 = 2;
const NFTA_SET_FLAGS: u16 = 3;
const NFTA_SET_KEY_TYPE: u16 = 4;
const NFTA_SET_KEY_LEN: u16 = 5;
const NFTA_SET_ID: u16 = 10;
const NFTA_SET_ELEM_LIST_TABLE: u16 = 1;
const NFTA_SET_ELEM_LIST_SET: u16 = 2;
const NFTA_SET_ELEM_LIST_ELEMENTS: u16 = 3;
const NFTA_SET_ELEM_KEY: u16 = 1;
const NFTA_SET_ELEM_TIMEOUT: u16 = 4;
const NFTA_DATA_VALUE: u16 = 1;
const NFTA_DATA_VERDICT: u16 = 2;
const NFTA_VERDICT_CODE: u16 = 1;
const NFTA_META_DREG: u16 = 1;
const NFTA_META_KEY: u16 = 2;
const NFTA_CMP_SREG: u16 = 1;
const NFTA_CMP_OP: u16 = 2;
const NFTA_CMP_DATA: u16 = 3;
const NFTA_PAYLOAD_DREG: u16 = 1;
const NFTA_PAYLOAD_BASE: u16 = 2;
const NFTA_PAYLOAD_OFFSET: u16 = 3;
const NFTA_PAYLOAD_LEN: u16 = 4;
const NFTA_BITWISE_SREG: u16 = 1;
const NFTA_BITWISE_DREG: u16 = 2;
const NFTA_BITWISE_LEN: u16 = 3;
const NFTA_BITWISE_MASK: u16 = 4;
const NFTA_BITWISE_XOR: u16 = 5;
const NFTA_LOOKUP_SET: u16 = 1;
const NFTA_LOOKUP_SREG: u16 = 2;
const NFTA_LOOKUP_SET_ID: u16 = 4;
const NFTA_COUNTER_BYTES: u16 = 1;
const NFTA_COUNTER_PACKETS: u16 = 2;
const NFTA_IMMEDIATE_DREG: u16 = 1;
const NFTA_IMMEDIATE_DATA: u16 = 2;

const NFT_SET_TIMEOUT: u32 = 0x10;
const NFT_REG_VERDICT: u32 = 0;
const NFT_REG_1: u32 = 1;
const NFT_META_NFPROTO: u32 = 15;
const NFT_CMP_EQ: u32 = 0;
const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
const NF_DROP: u32 = 0;
const NF_ACCEPT: u32 = 1;
const NF_INET_PRE_ROUTING: u32 = 0;
const NFPROTO_INET: u8 = 1;
const NFPROTO_IPV4: u8 = 2;
const NFPROTO_IPV6: u8 = 10;
/// nft's datatype numbers (TYPE_IPADDR, TYPE_IP6ADDR): `nft list` shows our sets as
/// ipv4_addr/ipv6_addr. The kernel only stores them.
const NFT_TYPE_IPADDR: u32 = 7;
const NFT_TYPE_IP6ADDR: u32 = 8;

/// Room per element in a 64 KiB element list: list elem + key nest + data + timeout.
const ELEM_MAX_LEN: usize = 4 + 4 + 4 + 16 + 12;

fn msg(ty: u16) -> u16 {
    (NFNL_SUBSYS_NFTABLES << 8) | ty
}

pub(crate) struct NftNetlink {
    sock: Socket,
    table: String,
    /// Sets we know exist in the kernel (created or found by `ensure`, or created by `apply`).
    sets: BTreeSet<SetSpec>,
    readd: bool,
}

fn base_sets() -> BTreeSet<SetSpec> {
    [SetSpec::host(Family::V4), SetSpec::host(Family::V6)].into()
}

/// NFTA_SET_ID: any number unique within a batch; derived from the spec so that rules and
/// elements in the same batch can name a set the batch creates.
fn set_id(set: SetSpec) -> u32 {
    (u32::from(set.family == Family::V6) << 8) | u32::from(set.prefix())
}

impl NftNetlink {
    pub(crate) fn open(settings: &FirewallSettings) -> Result<NftNetlink, FirewallError> {
        let sock = Socket::open().map_err(|e| {
            from_errno(
                e.errno,
                Doing::Creating,
                "opening a netfilter netlink socket",
            )
        })?;
        Ok(NftNetlink {
            sock,
            table: settings.table.clone(),
            sets: base_sets(),
            readd: plan::readd_needed(settings.refresh),
        })
    }

    /// Our sets as the kernel has them (empty if the table is gone).
    fn kernel_sets(&mut self) -> Result<BTreeSet<SetSpec>, FirewallError> {
        let mut w = self.sock.writer();
        w.begin(
            msg(NFT_MSG_GETSET),
            NLM_F_REQUEST | NLM_F_DUMP,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_SET_TABLE, &self.table);
        w.end();
        let Some(replies) = self.dump_or_missing(&w, "listing our sets")? else {
            return Ok(BTreeSet::new());
        };
        Ok(replies
            .iter()
            .filter(|r| netlink::attr_string(r, NFTA_SET_TABLE) == Some(self.table.as_str()))
            .filter_map(|r| netlink::attr_string(r, NFTA_SET_NAME).and_then(SetSpec::parse))
            .collect())
    }

    fn table_exists(&mut self) -> Result<bool, FirewallError> {
        let mut w = self.sock.writer();
        w.begin(
            msg(NFT_MSG_GETTABLE),
            NLM_F_REQUEST | NLM_F_ACK,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_TABLE_NAME, &self.table);
        w.end();
        match self.sock.transact(&w) {
            Ok(()) => Ok(true),
            Err(NlError {
                errno: libc::ENOENT,
            }) => Ok(false),
            Err(e) => Err(from_errno(e.errno, Doing::Using, "looking up our table")),
        }
    }

    fn rule_count(&mut self) -> Result<usize, FirewallError> {
        let mut w = self.sock.writer();
        w.begin(
            msg(NFT_MSG_GETRULE),
            NLM_F_REQUEST | NLM_F_DUMP,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_RULE_TABLE, &self.table);
        w.attr_str(NFTA_RULE_CHAIN, CHAIN);
        w.end();
        let Some(replies) = self.dump_or_missing(&w, "listing our rules")? else {
            return Ok(0);
        };
        Ok(replies
            .iter()
            .filter(|r| netlink::attr_string(r, NFTA_RULE_TABLE) == Some(self.table.as_str()))
            .filter(|r| netlink::attr_string(r, NFTA_RULE_CHAIN) == Some(CHAIN))
            .count())
    }

    /// A filtered dump answers ENOENT when the table or chain it names is gone: None.
    fn dump_or_missing(
        &mut self,
        w: &Writer,
        what: &str,
    ) -> Result<Option<Vec<Vec<u8>>>, FirewallError> {
        match self.sock.dump(w) {
            Ok(replies) => Ok(Some(replies)),
            Err(NlError {
                errno: libc::ENOENT,
            }) => Ok(None),
            Err(e) => Err(from_errno(e.errno, Doing::Using, what)),
        }
    }

    fn dump(&mut self, w: &Writer, what: &str) -> Result<Vec<Vec<u8>>, FirewallError> {
        self.sock
            .dump(w)
            .map_err(|e| from_errno(e.errno, Doing::Using, what))
    }

    fn set_elements(&mut self, set: SetSpec, out: &mut Vec<IpNet>) -> Result<(), FirewallError> {
        let mut w = self.sock.writer();
        w.begin(
            msg(NFT_MSG_GETSETELEM),
            NLM_F_REQUEST | NLM_F_DUMP,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_SET_ELEM_LIST_TABLE, &self.table);
        w.attr_str(NFTA_SET_ELEM_LIST_SET, &set.name());
        w.end();
        for reply in self.dump(&w, &format!("listing set {}", set.name()))? {
            let Some(list) = netlink::attr(&reply, NFTA_SET_ELEM_LIST_ELEMENTS) else {
                continue;
            };
            for (_, elem) in netlink::attrs(list).filter(|(t, _)| *t == NFTA_LIST_ELEM) {
                let key = netlink::attr(elem, NFTA_SET_ELEM_KEY)
                    .and_then(|k| netlink::attr(k, NFTA_DATA_VALUE));
                if let Some(net) = key.and_then(|k| net_of_key(set, k)) {
                    out.push(net);
                }
            }
        }
        Ok(())
    }

    /// One plan as one nfnetlink batch: sets for new prefix lengths and their rules first.
    fn send_plan(&mut self, plan: &Plan) -> Result<(), FirewallError> {
        let new_sets: BTreeSet<SetSpec> = plan.sets().difference(&self.sets).copied().collect();
        let mut w = self.sock.writer();
        self.enc().encode_apply(plan, &new_sets, &mut w);
        self.send(&w, Doing::Using, "applying bans")
            .map_err(|mut e| {
                if e.kind == FirewallErrorKind::TableMissing {
                    e.message = format!("{} (our table, a set or the chain is gone)", e.message);
                }
                e
            })?;
        self.sets.extend(new_sets);
        Ok(())
    }

    fn enc(&self) -> Enc<'_> {
        Enc(&self.table)
    }

    fn send(&mut self, w: &Writer, doing: Doing, what: &str) -> Result<(), FirewallError> {
        self.sock
            .transact(w)
            .map_err(|e| from_errno(e.errno, doing, what))
    }
}

/// Encodes our objects; needs only the table name.
#[derive(Clone, Copy)]
struct Enc<'a>(&'a str);

impl Enc<'_> {
    fn put_table(&self, w: &mut Writer) {
        w.begin(
            msg(NFT_MSG_NEWTABLE),
            NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_TABLE_NAME, self.0);
        w.attr_u32(NFTA_TABLE_FLAGS, 0);
        w.end();
    }

    /// Without NLM_F_EXCL an existing identical set is left as it is, elements included.
    fn put_set(&self, w: &mut Writer, set: SetSpec) {
        w.begin(
            msg(NFT_MSG_NEWSET),
            NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_SET_TABLE, self.0);
        w.attr_str(NFTA_SET_NAME, &set.name());
        w.attr_u32(NFTA_SET_FLAGS, NFT_SET_TIMEOUT);
        w.attr_u32(
            NFTA_SET_KEY_TYPE,
            match set.family {
                Family::V4 => NFT_TYPE_IPADDR,
                Family::V6 => NFT_TYPE_IP6ADDR,
            },
        );
        w.attr_u32(NFTA_SET_KEY_LEN, set.family.key_len() as u32);
        w.attr_u32(NFTA_SET_ID, set_id(set));
        w.end();
    }

    fn put_chain(&self, w: &mut Writer) {
        w.begin(
            msg(NFT_MSG_NEWCHAIN),
            NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_CHAIN_TABLE, self.0);
        w.attr_str(NFTA_CHAIN_NAME, CHAIN);
        w.nest(NFTA_CHAIN_HOOK);
        w.attr_u32(NFTA_HOOK_HOOKNUM, NF_INET_PRE_ROUTING);
        w.attr_u32(NFTA_HOOK_PRIORITY, PRIORITY_RAW as u32);
        w.end_nest();
        w.attr_u32(NFTA_CHAIN_POLICY, NF_ACCEPT);
        w.attr_str(NFTA_CHAIN_TYPE, "filter");
        w.end();
    }

    /// DELRULE with only table and chain deletes every rule of the chain.
    fn put_flush_chain(&self, w: &mut Writer) {
        w.begin(
            msg(NFT_MSG_DELRULE),
            NLM_F_REQUEST | NLM_F_ACK,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_RULE_TABLE, self.0);
        w.attr_str(NFTA_RULE_CHAIN, CHAIN);
        w.end();
    }

    /// `ip saddr [& mask] @set counter drop` (or ip6), as nft itself encodes it.
    fn put_rule(&self, w: &mut Writer, set: SetSpec) {
        let (nfproto, offset) = match set.family {
            Family::V4 => (NFPROTO_IPV4, 12), // iphdr.saddr
            Family::V6 => (NFPROTO_IPV6, 8),  // ipv6hdr.saddr
        };
        let len = set.family.key_len() as u32;
        w.begin(
            msg(NFT_MSG_NEWRULE),
            NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK,
            NFPROTO_INET,
            0,
        );
        w.attr_str(NFTA_RULE_TABLE, self.0);
        w.attr_str(NFTA_RULE_CHAIN, CHAIN);
        w.nest(NFTA_RULE_EXPRESSIONS);

        expr(w, "meta", |w| {
            w.attr_u32(NFTA_META_KEY, NFT_META_NFPROTO);
            w.attr_u32(NFTA_META_DREG, NFT_REG_1);
        });
        expr(w, "cmp", |w| {
            w.attr_u32(NFTA_CMP_SREG, NFT_REG_1);
            w.attr_u32(NFTA_CMP_OP, NFT_CMP_EQ);
            w.nest(NFTA_CMP_DATA);
            w.attr(NFTA_DATA_VALUE, &[nfproto]);
            w.end_nest();
        });
        expr(w, "payload", |w| {
            w.attr_u32(NFTA_PAYLOAD_DREG, NFT_REG_1);
            w.attr_u32(NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
            w.attr_u32(NFTA_PAYLOAD_OFFSET, offset);
            w.attr_u32(NFTA_PAYLOAD_LEN, len);
        });
        if !set.is_host() {
            expr(w, "bitwise", |w| {
                w.attr_u32(NFTA_BITWISE_SREG, NFT_REG_1);
                w.attr_u32(NFTA_BITWISE_DREG, NFT_REG_1);
                w.attr_u32(NFTA_BITWISE_LEN, len);
                w.nest(NFTA_BITWISE_MASK);
                w.attr(NFTA_DATA_VALUE, &set.mask());
                w.end_nest();
                w.nest(NFTA_BITWISE_XOR);
                w.attr(NFTA_DATA_VALUE, &vec![0; len as usize]);
                w.end_nest();
            });
        }
        expr(w, "lookup", |w| {
            w.attr_str(NFTA_LOOKUP_SET, &set.name());
            w.attr_u32(NFTA_LOOKUP_SET_ID, set_id(set));
            w.attr_u32(NFTA_LOOKUP_SREG, NFT_REG_1);
        });
        // Drop counts per set, visible in `nft list table inet secast`.
        expr(w, "counter", |w| {
            w.attr_u64(NFTA_COUNTER_BYTES, 0);
            w.attr_u64(NFTA_COUNTER_PACKETS, 0);
        });
        expr(w, "immediate", |w| {
            w.attr_u32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
            w.nest(NFTA_IMMEDIATE_DATA);
            w.nest(NFTA_DATA_VERDICT);
            w.attr_u32(NFTA_VERDICT_CODE, NF_DROP);
            w.end_nest();
            w.end_nest();
        });

        w.end_nest();
        w.end();
    }

    /// One step's elements, split into messages whose element list fits in 64 KiB.
    fn put_elems(&self, w: &mut Writer, set: SetSpec, action: Action, elems: &[Elem]) {
        let (ty, flags) = match action {
            // No NLM_F_EXCL: an element already present is updated, not refused.
            Action::Add => (NFT_MSG_NEWSETELEM, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK),
            Action::Delete => (NFT_MSG_DELSETELEM, NLM_F_REQUEST | NLM_F_ACK),
        };
        let name = set.name();
        let mut rest = elems;
        while !rest.is_empty() {
            w.begin(msg(ty), flags, NFPROTO_INET, 0);
            w.attr_str(NFTA_SET_ELEM_LIST_TABLE, self.0);
            w.attr_str(NFTA_SET_ELEM_LIST_SET, &name);
            w.nest(NFTA_SET_ELEM_LIST_ELEMENTS);
            while let Some((e, tail)) = rest.split_first() {
                if w.nest_len() + ELEM_MAX_LEN > MAX_ATTR_LEN {
                    break;
                }
                w.nest(NFTA_LIST_ELEM);
                w.nest(NFTA_SET_ELEM_KEY);
                w.attr(NFTA_DATA_VALUE, &e.target.key());
                w.end_nest();
                if let (Action::Add, Some(ms)) = (action, e.timeout_ms) {
                    w.attr_u64(NFTA_SET_ELEM_TIMEOUT, ms);
                }
                w.end_nest();
                rest = tail;
            }
            w.end_nest();
            w.end();
        }
    }

    fn encode_apply(self, plan: &Plan, new_sets: &BTreeSet<SetSpec>, w: &mut Writer) {
        w.batch_begin();
        for &set in new_sets {
            self.put_set(w, set);
            self.put_rule(w, set);
        }
        for step in &plan.steps {
            self.put_elems(w, step.set, step.action, &step.elems);
        }
        w.batch_end();
    }
}

fn expr(w: &mut Writer, name: &str, data: impl FnOnce(&mut Writer)) {
    w.nest(NFTA_LIST_ELEM);
    w.attr_str(NFTA_EXPR_NAME, name);
    w.nest(NFTA_EXPR_DATA);
    data(w);
    w.end_nest();
    w.end_nest();
}

impl Firewall for NftNetlink {
    fn name(&self) -> &'static str {
        "nftables"
    }

    /// One transaction: table, every set (ours found in the kernel, known, and the host sets),
    /// the chain, then the chain flushed and its rules written anew. Surviving sets keep their
    /// elements; a half-deleted layout comes back whole; calling it twice changes nothing.
    fn ensure(&mut self) -> Result<(), FirewallError> {
        let mut sets = self.kernel_sets()?;
        sets.extend(self.sets.iter().copied());
        sets.extend(base_sets());
        let mut w = self.sock.writer();
        w.batch_begin();
        self.enc().put_table(&mut w);
        for &set in &sets {
            self.enc().put_set(&mut w, set);
        }
        self.enc().put_chain(&mut w);
        self.enc().put_flush_chain(&mut w);
        for &set in &sets {
            self.enc().put_rule(&mut w, set);
        }
        w.batch_end();
        self.send(&w, Doing::Creating, "creating our table, sets and chain")?;
        self.sets = sets;
        Ok(())
    }

    fn apply(&mut self, ops: &[FirewallOp]) -> Result<Vec<Rejected>, FirewallError> {
        let readd = self.readd;
        isolate::apply_isolating(ops, readd, &mut |plan| self.send_plan(plan))
    }

    fn list(&mut self) -> Result<Vec<IpNet>, FirewallError> {
        if !self.table_exists()? {
            return Err(FirewallError::new(
                FirewallErrorKind::TableMissing,
                format!("table inet {} does not exist", self.table),
            ));
        }
        let mut out = Vec::new();
        for set in self.kernel_sets()? {
            self.set_elements(set, &mut out)?;
        }
        out.sort();
        Ok(out)
    }

    fn is_intact(&mut self) -> Result<bool, FirewallError> {
        if !self.table_exists()? {
            return Ok(false);
        }
        let present = self.kernel_sets()?;
        if !self.sets.is_subset(&present) {
            return Ok(false);
        }
        Ok(self.rule_count()? == present.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enforce::firewall::plan::plan;
    use std::time::Duration;

    /// Elements of a big batch are split so that no element list passes 64 KiB, and every
    /// element appears exactly once.
    #[test]
    fn big_batches_split_into_64k_element_lists() {
        let ops: Vec<FirewallOp> = (0..10_000u32)
            .map(|i| FirewallOp::Add {
                net: IpNet::from(std::net::IpAddr::from(std::net::Ipv4Addr::from(
                    0x0a00_0000 + i,
                ))),
                timeout: Some(Duration::from_secs(60)),
            })
            .collect();
        let p = plan(&ops, false).0;
        let mut w = Writer::new(1);
        Enc("secast").encode_apply(&p, &BTreeSet::new(), &mut w);
        let bytes = w.bytes();
        let mut off = 0;
        let mut elems = 0;
        let mut msgs = 0;
        while off < bytes.len() {
            let len = u32::from_ne_bytes(bytes[off..off + 4].try_into().unwrap()) as usize;
            let ty = u16::from_ne_bytes([bytes[off + 4], bytes[off + 5]]);
            if ty == msg(NFT_MSG_NEWSETELEM) {
                msgs += 1;
                let body = &bytes[off + 20..off + len];
                let list = netlink::attr(body, NFTA_SET_ELEM_LIST_ELEMENTS).unwrap();
                assert!(list.len() + 4 <= MAX_ATTR_LEN);
                elems += netlink::attrs(list).count();
            }
            off += len.next_multiple_of(4);
        }
        assert_eq!(elems, 10_000);
        assert!(msgs > 1);
        assert_eq!(w.acked.len(), msgs);
    }
}
