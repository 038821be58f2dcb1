//! The operations of a quarter's calibration (see `paths.rs` for why these functions
//! exist: they carry the documentation, the handlers stay free of it).
#![allow(dead_code)]

use zakupka_core::rating::Quarter;
use zakupka_core::wire::Calibration;

use super::responses::{BadRequest, Forbidden, Internal, NotFound, Unauthorized};

/// A quarter's calibration: agreement per item and section, auditors' severity
///
/// Supervisors and admins. Units are groups of approved visits to one office by different
/// auditors finished within seven days. Krippendorff's alpha per item (nominal, ordinal or
/// interval by its kind; N/A and unanswered missing) and per section; items below 0.667
/// are marked `unreliable`. Severity: points of an item's share an auditor scores below
/// partners on the same unit, with a 90% interval.
#[utoipa::path(get, path = "/api/v1/calibration/{quarter}", tag = "calibration",
    params(("quarter" = Quarter, Path)),
    responses(
        (status = 200, description = "The calibration.", body = Calibration),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn calibration() {}

/// The calibration as a CSV file
///
/// Columns quarter, row (section, item or auditor), id, label, level, value (alpha, or
/// severity in points), low, high, units, observations, note («unreliable wording»).
#[utoipa::path(get, path = "/api/v1/calibration/{quarter}/export", tag = "calibration",
    params(("quarter" = Quarter, Path)),
    responses(
        (status = 200, description = "The file, as an attachment.", content((String = "text/csv"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn calibration_export() {}
