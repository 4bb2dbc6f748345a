//! The OpenAPI document, generated from the handlers' annotations and the
//! wire types in `shared::api`, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "QuantumVault API", description = "Stores ciphertext and metadata, never a secret. See docs/API.md."),
    paths(
        super::health::health,
        super::users::register, super::users::lookup, super::users::history, super::users::rotate,
        super::auth::new_challenge, super::auth::sign_in, super::auth::whoami, super::auth::sign_out,
        super::files::create, super::files::upload_piece, super::files::finalize, super::files::list,
        super::files::get, super::files::download, super::files::delete,
        super::links::send, super::links::list, super::links::get,
        super::audit::mine, super::audit::server_key,
    ),
    components(schemas(shared::api::ApiError)),
    modifiers(&SessionAuth),
)]
pub struct ApiDoc;

/// Declares the two ways to present a session.
struct SessionAuth;

impl utoipa::Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .add_security_scheme("cookie", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("qv_session"))));
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
