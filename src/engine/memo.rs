//! The accelerator's dynamic half: what a [`super::Pricer`] remembers per HTS code, so that the
//! work that depends only on the code (which measures' and exemptions' products can cover it, the
//! product lists that hold it, its MFN line) is done once per code, not once per row. Memory is
//! bounded: the memo is emptied when it holds [`Memo::CAPACITY`] codes.

use super::Engine;
use crate::codes::{HtsCode, HtsKeyHash};
use crate::scenario::ListMask;
use std::collections::HashMap;

/// What the memo remembers about a code, in 20 bytes (28 with its key): the memo is read once per
/// row, and the row data streaming through evicts it often; over the ~13,000 codes of the official
/// HTS it must stay small to stay in cache.
#[derive(Clone, Copy)]
pub(crate) struct MemoEntry {
    /// The measures and exemptions whose products can cover the code (see `Memo::scopes`).
    scope: u16,
    /// The lists holding the code: an index in `Memo::member_masks`.
    members: u16,
    /// The code's prefix keys: an index in `Memo::code_keys`.
    keys: u32,
    /// The code's MFN line index (`MFN_NONE`: none), with the flag `MFN_AD_VALOREM`.
    mfn_line: u32,
    /// The general MFN rate when it is ad valorem only (see `MFN_AD_VALOREM`): its mantissa and
    /// scale.
    mfn_ad_valorem: u32,
    mfn_ad_valorem_scale: u8,
    /// The scenario names 10-digit lines under the code (see [`super::Engine::splits`]).
    splits: bool,
}

const _: () = assert!(std::mem::size_of::<MemoEntry>() <= 20);

/// `MemoEntry::mfn_line` when the code has no MFN line.
const MFN_NONE: u32 = u32::MAX >> 1;
/// Flag in `MemoEntry::mfn_line`: the general rate is ad valorem only.
const MFN_AD_VALOREM: u32 = 1 << 31;

impl MemoEntry {
    /// The code's MFN line index in [`crate::mfn::MfnTable::lines`], if it has one.
    pub(crate) fn mfn_line(&self) -> Option<usize> {
        let l = self.mfn_line & !MFN_AD_VALOREM;
        (l != MFN_NONE).then_some(l as usize)
    }

    /// True when the scenario names 10-digit lines under the code.
    pub(crate) fn splits(&self) -> bool {
        self.splits
    }

    /// The entry's place in its memo: entries are numbered from 0 in the order they are made, until
    /// the memo is emptied ([`Memo::generation`]), so that a caller can keep its own per-code data
    /// in a vector beside the memo, read without a second hash lookup.
    pub(crate) fn slot(&self) -> u32 {
        self.keys
    }

    /// The line's general rate as (mantissa, scale) when it is ad valorem only.
    pub(crate) fn mfn_ad_valorem(&self) -> Option<(u32, u32)> {
        (self.mfn_line & MFN_AD_VALOREM != 0).then_some((self.mfn_ad_valorem, u32::from(self.mfn_ad_valorem_scale)))
    }
}

/// The per-code memo of one [`super::Pricer`].
#[derive(Default)]
pub(crate) struct Memo {
    entries: HashMap<u64, MemoEntry, HtsKeyHash>,
    /// The distinct list memberships of the codes in the memo (few: most codes are in no list).
    member_masks: Vec<ListMask>,
    member_ids: HashMap<ListMask, u16>,
    /// The prefix keys of the codes in the memo (`MemoEntry::keys`), made once per code.
    code_keys: Vec<[u64; 11]>,
    /// The distinct scopes of the codes in the memo (`MemoEntry::scope`): bit r of the first, the
    /// products of the measure of evaluation rank r can cover the code (always set when they use
    /// a dated list, checked again on the row's date); bit k of the second, exemption k's products
    /// can (likewise). Few: codes in the same lists share them.
    scopes: Vec<(u128, u128)>,
    scope_ids: HashMap<(u128, u128), u16>,
    /// How many times the memo was emptied (entry slots restart from 0 each time).
    generation: u32,
}

impl Memo {
    /// Codes remembered at most (about 15 MB with their prefix keys; the official HTS has about
    /// 19,000 codes); the memo is emptied when full.
    pub(crate) const CAPACITY: usize = 1 << 17;

    /// The entry of `hts` under `engine`, made on first sight.
    pub(crate) fn entry(&mut self, engine: &Engine, hts: &HtsCode) -> MemoEntry {
        let key = hts.key();
        if let Some(e) = self.entries.get(&key) {
            return *e;
        }
        if self.entries.len() >= Self::CAPACITY
            || self.member_masks.len() >= usize::from(u16::MAX)
            || self.scopes.len() >= usize::from(u16::MAX)
        {
            self.entries.clear();
            self.member_masks.clear();
            self.member_ids.clear();
            self.code_keys.clear();
            self.scopes.clear();
            self.scope_ids.clear();
            self.generation = self.generation.wrapping_add(1);
        }
        let e = self.make_entry(engine, hts);
        self.entries.insert(key, e);
        e
    }

    /// How many times the memo was emptied: a slot ([`MemoEntry::slot`]) names the same code only
    /// within one generation.
    pub(crate) fn generation(&self) -> u32 {
        self.generation
    }

    /// The product lists that hold the code of `e`.
    pub(crate) fn members(&self, e: MemoEntry) -> ListMask {
        self.member_masks[usize::from(e.members)]
    }

    /// The measures (by evaluation rank) and exemptions whose products can cover the code of `e`.
    pub(crate) fn scope(&self, e: MemoEntry) -> (u128, u128) {
        self.scopes[usize::from(e.scope)]
    }

    /// The prefix keys of the code of `e`.
    pub(crate) fn keys(&self, e: MemoEntry) -> &[u64; 11] {
        &self.code_keys[e.keys as usize]
    }

    /// The measures whose products can cover a code (as bits), with the code's lists and MFN line.
    fn make_entry(&mut self, engine: &Engine, hts: &HtsCode) -> MemoEntry {
        let scenario = engine.scenario();
        let index = &engine.index;
        let keys = hts.prefix_keys();
        let members = scenario.list_index.members(&keys, hts.len());
        let mut products = 0u128;
        for (i, m) in scenario.measures.iter().enumerate() {
            // A scope with a dated list is checked again on the row's date; here only whether it
            // can hold the code on some date.
            let can_cover = if index.dated_scope[i] {
                m.products.may_contain(&keys, hts.len(), &members)
            } else {
                m.products.contains_fast(&keys, hts.len(), &members)
            };
            if can_cover {
                products |= 1u128 << index.rank_of[i];
            }
        }
        let mut exemptions = 0u128;
        for (k, e) in scenario.exemptions.iter().enumerate() {
            let can_cover = if index.dated_exemption[k] {
                e.products.may_contain(&keys, hts.len(), &members)
            } else {
                e.products.contains_fast(&keys, hts.len(), &members)
            };
            if can_cover {
                exemptions |= 1u128 << k;
            }
        }
        let mfn = engine.mfn_table();
        let (mut mfn_line, mut mfn_ad_valorem, mut mfn_ad_valorem_scale) = (MFN_NONE, 0u32, 0u8);
        if let Ok(i) = mfn.lookup_index(hts)
            && let Ok(line) = u32::try_from(i)
            && line < MFN_NONE
        {
            mfn_line = line;
            if let Ok(general) = &mfn.lines()[i].general
                && general.specific.iter().all(|p| p.usd_per_unit.is_zero())
                && let (Ok(mantissa), false) =
                    (u32::try_from(general.ad_valorem.mantissa()), general.ad_valorem.is_sign_negative())
            {
                mfn_line |= MFN_AD_VALOREM;
                mfn_ad_valorem = mantissa;
                // A `Decimal` scale is at most 28.
                mfn_ad_valorem_scale = general.ad_valorem.scale() as u8;
            }
        }
        let members = match self.member_ids.get(&members) {
            Some(&id) => id,
            None => {
                let id = self.member_masks.len() as u16;
                self.member_masks.push(members);
                self.member_ids.insert(members, id);
                id
            }
        };
        let scope = *self.scope_ids.entry((products, exemptions)).or_insert_with(|| {
            self.scopes.push((products, exemptions));
            (self.scopes.len() - 1) as u16
        });
        let keys_at = self.code_keys.len() as u32;
        self.code_keys.push(keys);
        let splits = engine.splits(hts);
        MemoEntry { scope, members, keys: keys_at, mfn_line, mfn_ad_valorem, mfn_ad_valorem_scale, splits }
    }
}
