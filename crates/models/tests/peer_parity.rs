//! Parity with lifetimes 0.11.3 / SciPy 1.17 / mpmath (50 digits), values produced by
//! `bench/peer_reference.py` (run in a venv with lifetimes, autograd>=1.6, scipy, mpmath).

use approx::assert_relative_eq;
use retain_models::btyd::PurchaseProcess;
use retain_models::btyd::bgnbd::BgNbd;
use retain_models::btyd::mbgnbd::MbgNbd;
use retain_models::btyd::paretonbd::ParetoNbd;
use retain_models::math::special::hyp2f1;

/// (x, t_x, T) of the reference customers.
const CUSTOMERS: [(u32, f64, f64); 5] = [
    (2, 30.43, 38.86),
    (0, 0.0, 38.86),
    (10, 35.0, 38.86),
    (1, 1.71, 38.86),
    (25, 38.0, 38.86),
];

#[test]
fn hyp2f1_matches_mpmath_50_digits() {
    // mpmath.hyp2f1 at 50 digits.
    let grid = [
        (1.0, 1.0, 2.0, 0.5, 1.3862943611198906),
        (0.5, 1.5, 2.5, 0.9, 1.6673034691845803),
        (2.2426, 2.4259, 2.2188, 0.5, 5.469522323901049),
        (24.3, 2.2, 27.1, 0.3, 1.996233782938273),
        (10.2426, 12.4259, 12.2188, 0.95, 38007208801280.92),
        (3.0, 4.0, 2.0, 0.99, 19899999999.999912),
        (0.7, 0.3, 1.5, 0.999, 1.444481010263152),
        (30.0, 31.0, 25.0, 0.6, 402637478022092.44),
        (1.1595, 1.6062, 2.1595, 0.99, 29.111772085785688),
        (51.1595, 1.6062, 52.1595, 0.99, 543.2458290399659),
    ];
    for (a, b, c, z, want) in grid {
        let got = hyp2f1(a, b, c, z).unwrap().value();
        assert_relative_eq!(got, want, max_relative = 1e-11);
    }
}

#[test]
fn bgnbd_conditional_predictions_match_lifetimes() {
    let m = BgNbd {
        r: 0.24259292827982182,
        alpha: 4.413532265271819,
        a: 0.7928859664406882,
        b: 2.42575238262586,
    };
    // (p_alive, E[X(39)], E[X(52)]) from BetaGeoFitter with these parameters.
    let want = [
        (0.726609136799059, 1.2259104241743999, 1.5585837617716687),
        (1.0, 0.1947808579394776, 0.25166572540727083),
        (0.846960764368059, 6.163801704307179, 7.7391589538614305),
        (0.2122273880722099, 0.20325062425619006, 0.2599070794084924),
        (0.9525606733165285, 16.77752702814231, 20.990792965764843),
    ];
    for ((x, t_x, t), (pa, e39, e52)) in CUSTOMERS.into_iter().zip(want) {
        assert_relative_eq!(m.p_alive(x, t_x, t), pa, max_relative = 1e-10);
        assert_relative_eq!(
            m.expected_purchases(39.0, x, t_x, t).unwrap(),
            e39,
            max_relative = 1e-10
        );
        assert_relative_eq!(
            m.expected_purchases(52.0, x, t_x, t).unwrap(),
            e52,
            max_relative = 1e-10
        );
    }
}

#[test]
fn mbgnbd_predictions_match_lifetimes() {
    let m = MbgNbd {
        r: 0.524837725567698,
        alpha: 6.182988479134173,
        a: 0.8913562809310741,
        b: 1.6140000256718765,
    };
    let want = [
        (0.7061262587154007, 1.2626707787139582, 1.596825873691868),
        (
            0.38971644205013406,
            0.15395364436667178,
            0.19762848288207416,
        ),
        (0.8353846046666609, 5.879129054222944, 7.342252380151708),
        (0.170819630092091, 0.18878924037050282, 0.2400688673960509),
        (0.9480631986487279, 15.874698561753874, 19.750835484213933),
    ];
    for ((x, t_x, t), (pa, e39, e52)) in CUSTOMERS.into_iter().zip(want) {
        assert_relative_eq!(m.p_alive(x, t_x, t), pa, max_relative = 1e-10);
        assert_relative_eq!(
            m.expected_purchases(39.0, x, t_x, t).unwrap(),
            e39,
            max_relative = 1e-10
        );
        assert_relative_eq!(
            m.expected_purchases(52.0, x, t_x, t).unwrap(),
            e52,
            max_relative = 1e-10
        );
    }
    for (t, v) in [
        (1.0, 0.05306062944706907),
        (39.0, 1.1822837952882774),
        (78.0, 1.8036361932919023),
    ] {
        assert_relative_eq!(
            m.expected_purchases_new(t).unwrap(),
            v,
            max_relative = 1e-10
        );
    }
}

#[test]
fn paretonbd_predictions_match_lifetimes() {
    let m = ParetoNbd {
        r: 0.5532785252272063,
        alpha: 10.57751335093755,
        s: 0.606240155080356,
        beta: 11.668640633007454,
    };
    let want = [
        (0.8691152516462085, 1.4551034410435013, 1.850768554231407),
        (0.2950931977381483, 0.10705854003135466, 0.13616941157795806),
        (0.9273029158025303, 6.416930412837729, 8.161792961093138),
        (
            0.16786866562291616,
            0.17097683766202676,
            0.21746808214533464,
        ),
        (0.9869664699783347, 16.537403821161792, 21.034179493715868),
    ];
    for ((x, t_x, t), (pa, e39, e52)) in CUSTOMERS.into_iter().zip(want) {
        assert_relative_eq!(m.p_alive(x, t_x, t), pa, max_relative = 1e-9);
        assert_relative_eq!(
            m.expected_purchases(39.0, x, t_x, t).unwrap(),
            e39,
            max_relative = 1e-9
        );
        assert_relative_eq!(
            m.expected_purchases(52.0, x, t_x, t).unwrap(),
            e52,
            max_relative = 1e-9
        );
    }
    for (t, v) in [(1.0, 0.05100732190258405), (78.0, 1.9098957121519444)] {
        assert_relative_eq!(
            m.expected_purchases_new(t).unwrap(),
            v,
            max_relative = 1e-10
        );
    }
}

#[test]
fn paretonbd_stress_case_matches_mpmath() {
    let m = ParetoNbd {
        r: 0.5143,
        alpha: 2.8845,
        s: 0.2856,
        beta: 14.1087,
    };
    let x = [221, 254, 161, 204];
    let t_x = [103.43, 97.14, 94.71, 98.57];
    let t = [103.57, 97.29, 98.00, 99.43];
    // mpmath at 50 digits (bench/peer_reference.py).
    let p_alive = [
        0.9996053715027995,
        0.999531626354771,
        0.7481447837618929,
        0.9942149988101906,
    ];
    let e52 = [
        102.37407524307885,
        124.65211327231597,
        58.81106105230835,
        97.640139903913,
    ];
    let ll = [
        -61.58167883938016,
        -19.634176481382106,
        -87.427461407539,
        -65.2011638900023,
    ];
    for i in 0..4 {
        assert_relative_eq!(
            m.p_alive(x[i], t_x[i], t[i]),
            p_alive[i],
            max_relative = 1e-10
        );
        assert_relative_eq!(
            m.expected_purchases(52.0, x[i], t_x[i], t[i]).unwrap(),
            e52[i],
            max_relative = 1e-10
        );
        let p = retain_core::patterns::Patterns::uncompressed(&[x[i]], &[t_x[i]], &[t[i]]).unwrap();
        assert_relative_eq!(m.log_likelihood(&p), ll[i], max_relative = 1e-10);
    }
}

#[test]
fn gammagamma_expected_spend_matches_lifetimes() {
    let m = retain_models::spend::gammagamma::GammaGamma {
        p: 6.248802496075312,
        q: 3.744588460923114,
        gamma: 15.44774806492914,
    };
    for (x, z, want) in [
        (2, 22.35, 24.658616189236472),
        (1, 11.77, 18.911479869929103),
        (0, 0.0, 35.17100215250665),
        (10, 50.0, 49.37608668050451),
    ] {
        assert_relative_eq!(m.expected_spend(x, z), want, max_relative = 1e-12);
    }
}
