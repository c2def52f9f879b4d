//! Stratified k-fold assignment, seeded: each fold holds the same share of churners (±1 row).

use crate::TrainError;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

/// The fold (0..k) of every row, with positives and negatives each shuffled (seeded) and dealt
/// round-robin, so every fold's churn rate matches the whole data's.
pub fn stratified_folds(y: &[bool], k: usize, seed: u64) -> Result<Vec<usize>, TrainError> {
    if k < 2 {
        return Err(TrainError::setting(
            "--folds",
            format!("cross-validation needs at least 2 folds, got {k}"),
        ));
    }
    let (mut pos, mut neg): (Vec<usize>, Vec<usize>) = (0..y.len()).partition(|&i| y[i]);
    for (name, rows) in [("churned", &pos), ("retained", &neg)] {
        if rows.len() < k {
            return Err(TrainError::data(
                "target",
                format!(
                    "the {name} class has {} rows: too few for {k}-fold cross-validation",
                    rows.len()
                ),
            ));
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    pos.shuffle(&mut rng);
    neg.shuffle(&mut rng);
    let mut fold = vec![0; y.len()];
    // Negatives continue the rotation where positives stopped, so fold sizes differ by ≤ 1.
    for (j, &i) in pos.iter().chain(&neg).enumerate() {
        fold[i] = j % k;
    }
    Ok(fold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_balanced_and_seeded() {
        let y: Vec<bool> = (0..1003).map(|i| i % 4 == 0).collect();
        let f = stratified_folds(&y, 5, 42).unwrap();
        for k in 0..5 {
            let rows: Vec<usize> = (0..y.len()).filter(|&i| f[i] == k).collect();
            let pos = rows.iter().filter(|&&i| y[i]).count();
            assert!((200..=201).contains(&rows.len()), "{}", rows.len());
            assert!((50..=51).contains(&pos), "{pos}");
        }
        assert_eq!(f, stratified_folds(&y, 5, 42).unwrap());
        assert_ne!(f, stratified_folds(&y, 5, 7).unwrap());
    }

    #[test]
    fn too_few_rows_of_a_class_is_refused() {
        let y = [true, false, false, false, false, false];
        let e = stratified_folds(&y, 5, 1).unwrap_err().to_string();
        assert!(e.contains("churned class has 1 rows"), "{e}");
    }
}
