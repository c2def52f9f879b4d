//! The one place that dispatches on the kind of purchase model: `purchase_models!` turns the
//! list in `btyd/mod.rs` into [`PurchaseKind`](super::PurchaseKind) and
//! [`PurchaseModel`](super::PurchaseModel), and every `match` over their variants. Everything
//! else reaches a model through [`PurchaseModel::process`](super::PurchaseModel::process)
//! (`&dyn PurchaseProcess`) or the few constructors generated here.

/// `purchase_models! { module::Type => Variant, ... }`: generates the enums with their
/// dispatching methods.
macro_rules! purchase_models {
    ($($module:ident :: $ty:ident => $variant:ident),+ $(,)?) => {
        /// Which purchase/dropout model (before fitting).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum PurchaseKind {
            $(
                #[doc = concat!("[`", stringify!($module), "::", stringify!($ty), "`].")]
                $variant,
            )+
        }

        impl PurchaseKind {
            /// All kinds, in the order they are tried.
            pub const ALL: &'static [PurchaseKind] = &[$(PurchaseKind::$variant),+];

            /// The names of this kind.
            pub fn info(self) -> &'static KindInfo {
                match self {
                    $(PurchaseKind::$variant => <$module::$ty as PurchaseProcess>::kind_info(),)+
                }
            }

            /// Fits this kind of model.
            pub fn fit(
                self,
                p: &Patterns,
                opts: &FitOptions,
            ) -> Result<(PurchaseModel, MleResult), ModelError> {
                match self {
                    $(PurchaseKind::$variant => {
                        let (m, r) = <$module::$ty as PurchaseProcess>::fit(p, opts)?;
                        Ok((PurchaseModel::$variant(m), r))
                    })+
                }
            }

            /// The model of this kind with parameters `values` in [`KindInfo::params`] order,
            /// checked.
            pub fn from_values(self, values: &[f64]) -> Result<PurchaseModel, ModelError> {
                match self {
                    $(PurchaseKind::$variant => {
                        <$module::$ty as PurchaseProcess>::from_values(values)
                            .map(PurchaseModel::$variant)
                    })+
                }
            }
        }

        /// A fitted purchase model; serialises as `{"kind": <PurchaseKind>, "params": {...}}`.
        #[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "kind", content = "params", rename_all = "kebab-case")]
        pub enum PurchaseModel {
            $(
                #[doc = concat!("[`", stringify!($module), "::", stringify!($ty), "`].")]
                $variant($module::$ty),
            )+
        }

        impl PurchaseModel {
            /// Its kind.
            pub fn kind(&self) -> PurchaseKind {
                match self {
                    $(PurchaseModel::$variant(_) => PurchaseKind::$variant,)+
                }
            }

            /// The model behind the enum, for everything that does not return a model.
            pub fn process(&self) -> &dyn PurchaseProcess {
                match self {
                    $(PurchaseModel::$variant(m) => m,)+
                }
            }

            /// This model with its mean dropout reduced by `u` ∈ [0, 1) (see
            /// [`PurchaseProcess::reduce_dropout`]).
            pub fn reduce_dropout(&self, u: f64) -> Result<PurchaseModel, ModelError> {
                match self {
                    $(PurchaseModel::$variant(m) => {
                        m.reduce_dropout(u).map(PurchaseModel::$variant)
                    })+
                }
            }
        }
    };
}
