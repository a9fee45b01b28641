//! The evaluation order of a scenario's measures: every replacer and excluder before what it
//! replaces or excludes, file order otherwise; a cycle is an error.

use super::Measure;
use std::collections::BTreeSet;

/// Orders measures so that every replacer comes before what it replaces and every excluder before
/// what it excludes; ties keep file order. Returns a cycle when there is one.
pub(super) fn evaluation_order(measures: &[Measure]) -> std::result::Result<Vec<usize>, Vec<usize>> {
    let n = measures.len();
    // edge a -> b: a must be evaluated before b.
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for (i, m) in measures.iter().enumerate() {
        for &j in &m.replaces {
            succ[i].push(j);
            indeg[j] += 1;
        }
        for &j in &m.excluded_by {
            succ[j].push(i);
            indeg[i] += 1;
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &j in &succ[i] {
            indeg[j] -= 1;
            if indeg[j] == 0 {
                ready.insert(j);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk predecessors among the leftovers to report one cycle.
    let left: Vec<usize> = (0..n).filter(|&i| indeg[i] > 0).collect();
    let mut path = vec![left[0]];
    loop {
        let cur = *path.last().unwrap();
        let next = succ[cur].iter().copied().find(|j| indeg[*j] > 0).unwrap_or(left[0]);
        if let Some(pos) = path.iter().position(|&p| p == next) {
            return Err(path[pos..].to_vec());
        }
        path.push(next);
    }
}
