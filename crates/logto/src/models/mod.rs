//! The data the identity server sends: provider metadata, token responses, claims and userinfo,
//! plus Logto's scopes and reserved resources.

mod claims;
mod metadata;
mod numeric_date;
mod scope;
mod token_response;
mod userinfo;

pub use claims::{AccessTokenClaims, Audience, BACKCHANNEL_LOGOUT_EVENT, IdTokenClaims, LogoutTokenClaims};
pub use metadata::ProviderMetadata;
pub use numeric_date::NumericDate;
pub use scope::{
    ORGANIZATION_URN_PREFIX, ReservedResource, UserInfoScope, build_organization_urn,
    organization_id_from_urn,
};
pub use token_response::TokenResponse;
pub use userinfo::{UserIdentity, UserInfoResponse};
