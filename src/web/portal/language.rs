//! The language switcher: a form on every page that remembers the visitor's language in a
//! cookie and returns to the page it was sent from.

use actix_web::web::{Data, Form};
use actix_web::HttpRequest;
use serde::Deserialize;

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::state::AppState;

use super::account::safe_next;
use super::{PageResult, Visitor};

#[derive(Deserialize)]
pub struct LanguageForm {
    csrf: String,
    lang: String,
    next: Option<String>,
}

/// `POST /language`.
pub async fn choose_language(
    req: HttpRequest,
    state: Data<AppState>,
    form: Form<LanguageForm>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    visitor.check_form(&req, &form.csrf)?;
    let lang = Lang::from_code(&form.lang)
        .filter(|lang| lang.code() == form.lang)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown language `{}`", form.lang)))?;
    Ok(visitor.remember_language(lang, &safe_next(form.next.as_deref())))
}
