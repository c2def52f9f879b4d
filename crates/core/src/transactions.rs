//! A transaction log held column-wise, with customer ids interned to dense indices.

use crate::time::Day;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Transactions of many customers: (customer, day, amount) triples in any order.
///
/// Customer ids are interned: `customer[i]` indexes `ids`. Amounts may be negative (returns);
/// they are netted per customer and day when summarising.
#[derive(Clone, Default)]
pub struct TransactionLog {
    /// Distinct customer ids, in order of first appearance.
    pub ids: Vec<String>,
    /// Index into `ids` of each transaction's customer.
    pub customer: Vec<u32>,
    /// Calendar day of each transaction.
    pub day: Vec<Day>,
    /// Amount of each transaction (any currency, as given).
    pub amount: Vec<f64>,
    /// Indices into `ids`, hashed by the id text: one allocation per distinct id (the `ids`
    /// entry) and FxHash instead of SipHash, which matters at 100M transactions.
    index: HashTable<u32>,
}

impl std::fmt::Debug for TransactionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionLog")
            .field("customers", &self.ids.len())
            .field("transactions", &self.day.len())
            .finish()
    }
}

fn hash(id: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(id)
}

impl TransactionLog {
    /// An empty log with room for `n` transactions.
    pub fn with_capacity(n: usize) -> Self {
        TransactionLog {
            customer: Vec::with_capacity(n),
            day: Vec::with_capacity(n),
            amount: Vec::with_capacity(n),
            ..Default::default()
        }
    }

    /// The dense index of a customer id, adding it if new.
    pub fn intern(&mut self, id: &str) -> u32 {
        let h = hash(id);
        let ids = &self.ids;
        if let Some(&i) = self.index.find(h, |&i| ids[i as usize] == id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_string());
        let ids = &self.ids;
        self.index.insert_unique(h, i, |&j| hash(&ids[j as usize]));
        i
    }

    /// Appends one transaction.
    pub fn push(&mut self, id: &str, day: Day, amount: f64) {
        let c = self.intern(id);
        self.push_interned(c, day, amount);
    }

    /// Appends one transaction of an already interned customer.
    pub fn push_interned(&mut self, customer: u32, day: Day, amount: f64) {
        self.customer.push(customer);
        self.day.push(day);
        self.amount.push(amount);
    }

    /// Appends every transaction of `other` (another partition of the same log: a customer
    /// in both is one customer).
    pub fn append(&mut self, other: &TransactionLog) {
        let map: Vec<u32> = other.ids.iter().map(|id| self.intern(id)).collect();
        for i in 0..other.len() {
            self.push_interned(
                map[other.customer[i] as usize],
                other.day[i],
                other.amount[i],
            );
        }
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    /// Whether the log holds no transaction.
    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    /// Drops every transaction after `last` (a backtest or a score as of an earlier day sees
    /// the log as it was then) and returns how many were dropped. Customers whose every
    /// transaction was dropped keep their interned id but have no purchase, so summaries leave
    /// them out.
    pub fn truncate_after(&mut self, last: Day) -> usize {
        let before = self.day.len();
        let keep: Vec<bool> = self.day.iter().map(|&d| d <= last).collect();
        // `retain` visits the elements once each, in order: the mask lines up.
        let mut k = keep.iter();
        self.customer.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        self.amount.retain(|_| *k.next().unwrap_or(&false));
        self.day.retain(|&d| d <= last);
        before - self.day.len()
    }

    /// Earliest and latest day, if any.
    pub fn span(&self) -> Option<(Day, Day)> {
        let min = *self.day.iter().min()?;
        let max = *self.day.iter().max()?;
        Some((min, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_a_partition_merges_its_customers() {
        let mut a = TransactionLog::default();
        a.push("x", 1, 10.0);
        a.push("y", 2, 20.0);
        let mut b = TransactionLog::default();
        b.push("z", 3, 30.0);
        b.push("x", 4, 40.0);
        a.append(&b);
        assert_eq!(a.ids, ["x", "y", "z"]);
        assert_eq!(a.customer, [0, 1, 2, 0]);
        assert_eq!(a.day, [1, 2, 3, 4]);
        assert_eq!(a.amount, [10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn ids_are_interned_once_in_order_of_appearance() {
        let mut log = TransactionLog::default();
        for i in 0..10_000u32 {
            let id = format!("c{}", i % 997);
            assert_eq!(log.intern(&id), i % 997);
        }
        assert_eq!(log.ids.len(), 997);
        assert_eq!(log.ids[5], "c5");
        let copy = log.clone();
        assert_eq!(log.clone().intern("c5"), 5);
        assert_eq!(copy.ids.len(), 997);
    }

    #[test]
    fn truncation_keeps_the_rows_up_to_the_day() {
        let mut log = TransactionLog::default();
        for (id, day, amount) in [("a", 3, 1.0), ("b", 9, 2.0), ("a", 5, 3.0), ("c", 10, 4.0)] {
            log.push(id, day, amount);
        }
        assert_eq!(log.truncate_after(5), 2);
        assert_eq!(log.day, vec![3, 5]);
        assert_eq!(log.amount, vec![1.0, 3.0]);
        assert_eq!(log.customer, vec![0, 0]);
    }
}
