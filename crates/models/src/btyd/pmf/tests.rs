use super::*;
use crate::btyd::bgnbd::BgNbd;
use crate::btyd::mbgnbd::MbgNbd;
use crate::btyd::paretonbd::ParetoNbd;
use crate::btyd::simulate::simulate;
use approx::assert_relative_eq;

const BG: PurchaseModel = PurchaseModel::Bgnbd(BgNbd {
    r: 0.243,
    alpha: 4.414,
    a: 0.793,
    b: 2.426,
});
const MBG: PurchaseModel = PurchaseModel::Mbgnbd(MbgNbd {
    r: 0.525,
    alpha: 6.183,
    a: 0.891,
    b: 1.614,
});
/// α < β: the closed form's second hypergeometric branch.
const PN: PurchaseModel = PurchaseModel::ParetoNbd(ParetoNbd {
    r: 0.553,
    alpha: 10.578,
    s: 0.606,
    beta: 11.669,
});
/// α ≥ β: the first branch.
const PN2: PurchaseModel = PurchaseModel::ParetoNbd(ParetoNbd {
    r: 0.553,
    alpha: 14.0,
    s: 0.606,
    beta: 6.0,
});

const XS: [u32; 5] = [0, 1, 2, 5, 10];

/// lifetimes 0.11.3 with `params_` set to the parameters above:
/// BG/NBD and MBG/NBD `probability_of_n_purchases_up_to_time(t, n)`; Pareto/NBD
/// `conditional_probability_of_n_purchases_up_to_time(n, t, 0, 0, 1e-12)` (a customer seen for
/// 1e-12 units is a new one), for n in [`XS`].
#[allow(clippy::type_complexity)]
const LIFETIMES: [(&str, PurchaseModel, f64, [f64; 5]); 12] = [
    (
        "bg",
        BG,
        1.0,
        [
            0.9515887977331471,
            0.04411506603217741,
            0.003808096896808458,
            7.34956652189663e-06,
            5.901949948447302e-10,
        ],
    ),
    (
        "bg",
        BG,
        32.0,
        [
            0.5988334309986246,
            0.19520215469361546,
            0.08145584203567036,
            0.01603878481051107,
            0.002888577748123242,
        ],
    ),
    (
        "bg",
        BG,
        78.0,
        [
            0.49102772505852726,
            0.21049426215015848,
            0.09675429489604168,
            0.023940236634437676,
            0.006117823020827442,
        ],
    ),
    (
        "mbg",
        MBG,
        1.0,
        [
            0.9512339544916595,
            0.044859520780194305,
            0.0035371115355362992,
            3.68519114062042e-06,
            8.420429750797084e-11,
        ],
    ),
    (
        "mbg",
        MBG,
        32.0,
        [
            0.6034271946043042,
            0.18210457807103492,
            0.08409142188287982,
            0.01730411732120071,
            0.0028241955098674432,
        ],
    ),
    (
        "mbg",
        MBG,
        78.0,
        [
            0.519269523544615,
            0.18155005378711345,
            0.09280632936438965,
            0.025079157695421038,
            0.006440548950816519,
        ],
    ),
    (
        "pn",
        PN,
        1.0,
        [
            0.9524569682931477,
            0.04435948947574038,
            0.0029497339420182893,
            1.2969754711642565e-06,
            4.611204306737115e-12,
        ],
    ),
    (
        "pn",
        PN,
        32.0,
        [
            0.6096988415183862,
            0.1686862989362503,
            0.08213865529440081,
            0.01929919933535716,
            0.0030628955171244296,
        ],
    ),
    (
        "pn",
        PN,
        78.0,
        [
            0.5526718783999361,
            0.15354080657544697,
            0.07907691822604435,
            0.02525063997504765,
            0.007866737420014522,
        ],
    ),
    (
        "pn2",
        PN2,
        1.0,
        [
            0.9642739524656788,
            0.03389591388589131,
            0.0017268445074853764,
            3.466282803080832e-07,
            3.3655784593851593e-13,
        ],
    ),
    (
        "pn2",
        PN2,
        32.0,
        [
            0.7101319967326157,
            0.14817953805082798,
            0.061920734715196955,
            0.01084855265244855,
            0.0011515507855899608,
        ],
    ),
    (
        "pn2",
        PN2,
        78.0,
        [
            0.666865828210004,
            0.13973442754776338,
            0.06266619724241176,
            0.016401489417203426,
            0.0041612170902924515,
        ],
    ),
];

#[test]
fn pmf_matches_lifetimes_for_every_model() {
    for (name, model, t, want) in LIFETIMES {
        for (&x, &w) in XS.iter().zip(&want) {
            let got = pmf(&model, t, x).unwrap();
            // lifetimes' Pareto/NBD conditions on T = 1e-12, which moves the 12th digit.
            assert_relative_eq!(got, w, max_relative = 1e-8);
            let _ = name;
        }
    }
}

#[test]
fn pmf_sums_to_one_and_its_mean_is_the_expected_purchases() {
    for model in [BG, MBG, PN, PN2] {
        for t in [0.5, 10.0, 39.0, 78.0] {
            let (mut total, mut mean) = (0.0, 0.0);
            for x in 0..2000 {
                let p = pmf(&model, t, x).unwrap();
                assert!((0.0..=1.0).contains(&p), "{model:?} t {t} x {x}: {p}");
                total += p;
                mean += f64::from(x) * p;
            }
            assert_relative_eq!(total, 1.0, max_relative = 1e-9);
            let want = model.expected_purchases_new(t).unwrap();
            assert_relative_eq!(mean, want, max_relative = 1e-7);
        }
    }
}

#[test]
fn pmf_agrees_with_simulated_customers() {
    // 200k seeded customers observed for 39 units: every frequency within 5 standard errors.
    let n = 200_000;
    for model in [BG, MBG, PN2] {
        let sims = simulate(&model, &vec![39.0; n], 7).unwrap();
        for x in 0..6u32 {
            let seen = sims
                .iter()
                .filter(|c| c.purchases.len() == x as usize)
                .count() as f64;
            let p = pmf(&model, 39.0, x).unwrap();
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (seen / n as f64 - p).abs() < 5.0 * se,
                "{model:?} x {x}: {seen} vs {p}"
            );
        }
    }
}

#[test]
fn extreme_inputs_stay_finite() {
    for model in [BG, MBG, PN, PN2] {
        assert_eq!(ln_pmf(&model, 0.0, 0).unwrap(), 0.0);
        assert_eq!(pmf(&model, 0.0, 3).unwrap(), 0.0);
        for (t, x) in [(1e-9, 0), (1e-9, 50), (1e6, 0), (1e6, 400), (5000.0, 3)] {
            let l = ln_pmf(&model, t, x).unwrap();
            assert!(!l.is_nan() && l <= 0.0, "{model:?} t {t} x {x}: {l}");
        }
        assert!(ln_pmf(&model, f64::NAN, 1).is_err());
        assert!(ln_pmf(&model, -1.0, 1).is_err());
    }
}
