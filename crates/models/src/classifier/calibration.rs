//! Platt and isotonic probability calibration (being written).
