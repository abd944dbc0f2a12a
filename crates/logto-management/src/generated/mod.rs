//! The code generated from Logto's OpenAPI document by `scripts/generate-management.py`: the
//! request and response types, the query types, and one type per area with a method per
//! operation. Regenerate it from a newer Logto's `GET /api/swagger.json` with that script.

pub mod areas;
pub mod operations;
pub mod types;

pub use areas::*;
pub use operations::OPERATIONS;
pub use types::*;
