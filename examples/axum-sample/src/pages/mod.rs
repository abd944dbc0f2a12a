//! The sample's pages, one module each.

mod account;
mod api_call;
mod home;
mod id_token;
mod members;
mod organizations;
mod user_info;

pub(crate) use account::{account, change_account};
pub(crate) use api_call::api_call;
pub(crate) use home::home;
pub(crate) use id_token::id_token;
pub(crate) use members::{change_members, members};
pub(crate) use organizations::organizations;
pub(crate) use user_info::user_info;
