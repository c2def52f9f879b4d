//! A transaction log held column-wise, with customer ids interned to dense indices.

use crate::time::Day;
use std::collections::HashMap;

/// Transactions of many customers: (customer, day, amount) triples in any order.
///
/// Customer ids are interned: `customer[i]` indexes `ids`. Amounts may be negative (returns);
/// they are netted per customer and day when summarising.
#[derive(Debug, Clone, Default)]
pub struct TransactionLog {
    /// Distinct customer ids, in order of first appearance.
    pub ids: Vec<String>,
    /// Index into `ids` of each transaction's customer.
    pub customer: Vec<u32>,
    /// Calendar day of each transaction.
    pub day: Vec<Day>,
    /// Amount of each transaction (any currency, as given).
    pub amount: Vec<f64>,
    index: HashMap<String, u32>,
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
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), i);
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

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    /// Whether the log holds no transaction.
    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    /// Earliest and latest day, if any.
    pub fn span(&self) -> Option<(Day, Day)> {
        let min = *self.day.iter().min()?;
        let max = *self.day.iter().max()?;
        Some((min, max))
    }
}
