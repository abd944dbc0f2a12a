//! `logto._core`: the Rust side of the `logto` Python package.
//!
//! Every protocol decision is the `logto` crate's; this module only converts: Python values into
//! core calls, core results into JSON text or strings (the Python package builds its pydantic
//! models from them), core errors into `LogtoException` subclasses. It never calls the user's
//! Python storage: the `snapshot` module passes its values in and the changes out.

mod backends;
mod client;
mod errors;
mod management;
mod native;
mod oidc;
mod runtime;
mod snapshot;
mod testing;
mod web;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<client::CoreClient>()?;
    module.add_class::<client::Outcome>()?;
    module.add_class::<snapshot::Snapshot>()?;
    module.add_class::<oidc::CoreOidc>()?;
    module.add_class::<backends::CoreVerifier>()?;
    module.add_class::<backends::CoreMachine>()?;
    module.add_class::<web::CoreSessions>()?;
    module.add_class::<web::CoreWebSession>()?;
    module.add_class::<testing::CoreMockLogto>()?;
    module.add_class::<management::CoreApi>()?;
    module.add_class::<native::CoreNative>()?;
    module.add_class::<native::CoreDeviceAuthorization>()?;
    module.add("ORGANIZATION_URN_PREFIX", logto::ORGANIZATION_URN_PREFIX)?;
    module.add_function(wrap_pyfunction!(build_organization_urn, module)?)?;
    module.add_function(wrap_pyfunction!(same_origin, module)?)?;
    module.add_function(wrap_pyfunction!(is_local_path, module)?)?;
    errors::register(module)?;
    // Keeps the runtime's threads out of a finalizing interpreter (see `runtime`).
    let before_exit = wrap_pyfunction!(runtime::before_exit, module)?;
    module.py().import("atexit")?.call_method1("register", (before_exit,))?;
    Ok(())
}

/// The audience URN of an organization's tokens.
#[pyfunction]
fn build_organization_urn(organization_id: &str) -> String {
    logto::build_organization_urn(organization_id)
}

/// Whether a state-changing request comes from the app at `base_url` (the session engine's rule:
/// origins compared as origins, default ports normalised).
#[pyfunction]
#[pyo3(signature = (base_url, origin, sec_fetch_site))]
fn same_origin(base_url: &str, origin: Option<&str>, sec_fetch_site: Option<&str>) -> bool {
    logto::session::same_origin(base_url, &logto::session::RequestOrigin { origin, sec_fetch_site })
}

/// Whether `target` is a local path, the only `return_to` honoured (the session engine's rule).
#[pyfunction]
fn is_local_path(target: &str) -> bool {
    logto::session::is_local_path(target)
}
