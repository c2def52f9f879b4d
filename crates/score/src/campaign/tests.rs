use super::*;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

fn spec(budget: f64) -> CampaignSpec {
    CampaignSpec {
        budget,
        cost_per_contact: 10.0,
        success_rate: 0.2,
    }
}

#[test]
fn the_budget_buys_the_largest_values_at_risk() {
    let v = [100.0, 500.0, 30.0, 300.0, 200.0];
    let p = spec(30.0).plan(&v).unwrap();
    assert_eq!(p.targets, [1, 3, 4]);
    assert_eq!(p.stopped_by, "budget");
    assert!((p.expected_retained_value - 0.2 * 1000.0).abs() < 1e-9);
    assert!((p.cost - 30.0).abs() < 1e-12);
    assert!((p.roi - (200.0 - 30.0) / 30.0).abs() < 1e-12);
    assert_eq!(p.marginal_value_at_risk, Some(200.0));
    assert!(p.proven_optimal && p.net_value_upper_bound == p.net_value);
}

#[test]
fn nobody_is_contacted_at_a_loss() {
    // 0.2 × 30 = 6 < 10 and 0.2 × 50 = 10 (break-even) are not worth a contact.
    let v = [30.0, 500.0, 50.0, 60.0];
    let p = spec(1e6).plan(&v).unwrap();
    assert_eq!(p.targets, [1, 3]);
    assert_eq!(p.stopped_by, "break-even");
    let p = spec(1e6).plan(&[500.0, 60.0]).unwrap();
    assert_eq!(p.stopped_by, "all customers");
}

#[test]
fn a_budget_of_exactly_n_contacts_buys_n_even_for_millions() {
    let v = vec![100.0; 3_000_000];
    let p = CampaignSpec {
        budget: 0.1 * 2_000_000.0,
        cost_per_contact: 0.1,
        success_rate: 0.5,
    }
    .plan(&v)
    .unwrap();
    assert_eq!(p.contacted, 2_000_000);
}

#[test]
fn bad_numbers_are_errors() {
    assert!(spec(0.0).plan(&[1.0]).is_err());
    let mut s = spec(10.0);
    s.success_rate = 1.5;
    assert!(s.plan(&[1.0]).is_err());
    assert!(spec(10.0).plan(&[1.0, f64::NAN]).is_err());
    let c = |r: f64, k: f64| Contact {
        value_at_risk: 10.0,
        success_rate: r,
        cost: k,
    };
    let e = plan_campaign(10.0, &[c(0.5, 1.0), c(0.0, 1.0)]).unwrap_err();
    assert!(e.to_string().contains("row 2: success rate"), "{e}");
    let e = plan_campaign(10.0, &[c(0.5, -1.0)]).unwrap_err();
    assert!(e.to_string().contains("row 1: cost per contact"), "{e}");
}

#[test]
fn rates_apply_per_row_and_reorder_the_list() {
    // Equal costs of 1: nets are 100 × 0.1 − 1 = 9, 60 × 0.5 − 1 = 29, 80 × 0.3 − 1 = 23.
    let c = |v: f64, s: f64| Contact {
        value_at_risk: v,
        success_rate: s,
        cost: 1.0,
    };
    let contacts = [c(100.0, 0.1), c(60.0, 0.5), c(80.0, 0.3)];
    let p = plan_campaign(2.0, &contacts).unwrap();
    assert_eq!(p.targets, [1, 2]);
    assert!((p.expected_retained_value - 54.0).abs() < 1e-12);
    assert_eq!(p.marginal_net_value, Some(23.0));
    let lines = segment_lines(&p, &contacts, &["a", "b", "a"]);
    assert_eq!(lines[0].segment, "b");
    assert_eq!((lines[0].eligible, lines[0].contacted), (1, 1));
    assert_eq!((lines[1].eligible, lines[1].contacted), (2, 1));
    assert!((lines[1].expected_retained_value - 24.0).abs() < 1e-12);
    assert!((lines[1].cost - 1.0).abs() < 1e-12);
}

#[test]
fn a_dear_customer_is_skipped_for_cheaper_ones_that_fit() {
    let c = |v: f64, k: f64| Contact {
        value_at_risk: v,
        success_rate: 1.0,
        cost: k,
    };
    // Ratios: 3, 2, 1.5; the second (cost 8) does not fit after the first, the third does.
    let contacts = [c(8.0, 2.0), c(24.0, 8.0), c(5.0, 2.0)];
    let p = plan_campaign(5.0, &contacts).unwrap();
    assert_eq!(p.targets, [0, 2]);
    assert_eq!(p.stopped_by, "budget");
    // The single best customer wins when the greedy list is worse.
    let contacts = [c(3.0, 1.0), c(100.0, 10.0)];
    let p = plan_campaign(10.0, &contacts).unwrap();
    assert_eq!(p.targets, [1]);
}

/// The best net value over all subsets within the budget.
fn brute_force(budget: f64, contacts: &[Contact]) -> f64 {
    let n = contacts.len();
    let mut best = 0.0f64;
    for mask in 0u32..1 << n {
        let (mut cost, mut net) = (0.0, 0.0);
        for (i, c) in contacts.iter().enumerate() {
            if mask >> i & 1 == 1 {
                cost += c.cost;
                net += c.net_value();
            }
        }
        if cost <= budget * (1.0 + 1e-12) {
            best = best.max(net);
        }
    }
    best
}

fn random_instance(rng: &mut Xoshiro256PlusPlus, equal_costs: bool) -> (f64, Vec<Contact>) {
    let n = rng.random_range(1..=12usize);
    let rates = [0.1, 0.2, 0.35, 0.5, 0.8];
    let base_cost = rng.random_range(1.0..20.0);
    let contacts: Vec<Contact> = (0..n)
        .map(|_| Contact {
            value_at_risk: rng.random_range(0.0..200.0),
            success_rate: rates[rng.random_range(0..rates.len())],
            cost: if equal_costs {
                base_cost
            } else {
                rng.random_range(1.0..20.0)
            },
        })
        .collect();
    let total: f64 = contacts.iter().map(|c| c.cost).sum();
    (rng.random_range(0.3..1.0) * total, contacts)
}

#[test]
fn with_equal_costs_the_plan_is_the_brute_force_optimum() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    for case in 0..400 {
        let (budget, contacts) = random_instance(&mut rng, true);
        let p = plan_campaign(budget, &contacts).unwrap();
        let best = brute_force(budget, &contacts);
        assert!(
            (p.net_value - best).abs() <= 1e-9 * best.max(1.0),
            "case {case}: {} vs optimum {best}",
            p.net_value
        );
        assert!(p.proven_optimal && p.cost <= budget * (1.0 + 1e-12));
    }
}

#[test]
fn with_unequal_costs_the_greedy_plan_is_close_to_the_optimum() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let (cases, mut optimal, mut worst, mut total_gap) = (1000, 0, 0.0f64, 0.0);
    for case in 0..cases {
        let (budget, contacts) = random_instance(&mut rng, false);
        let p = plan_campaign(budget, &contacts).unwrap();
        let best = brute_force(budget, &contacts);
        let tol = 1e-9 * best.max(1.0);
        assert!(p.cost <= budget * (1.0 + 1e-12), "case {case}");
        assert!(p.net_value <= best + tol, "case {case}");
        assert!(p.net_value >= best / 2.0 - tol, "case {case}: below half");
        assert!(p.net_value_upper_bound >= best - tol, "case {case}: bound");
        if p.proven_optimal {
            assert!(
                (p.net_value - best).abs() <= tol,
                "case {case}: not optimal"
            );
        }
        let gap = if best > 0.0 {
            (best - p.net_value) / best
        } else {
            0.0
        };
        optimal += usize::from(gap <= 1e-12);
        worst = worst.max(gap);
        total_gap += gap;
    }
    let mean = total_gap / cases as f64;
    println!(
        "unequal costs, {cases} random instances of 1-12 customers: optimal in {optimal}, \
         mean gap {:.3}%, worst gap {:.2}%",
        100.0 * mean,
        100.0 * worst
    );
    // Measured with seed 11: see the commit message; the bounds leave room for a new RNG.
    assert!(mean < 0.03, "mean gap {mean}");
    assert!(optimal as f64 >= 0.7 * cases as f64, "optimal in {optimal}");
}
