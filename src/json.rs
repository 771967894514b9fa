//! `Json<T>`: the JSON body extractor of every handler.
//!
//! It reads the body as actix's `web::Json` does (size limit, content type and their problem
//! answers come from the same `JsonConfig`), then decodes `T` from the parsed value. In between,
//! numbers written with a zero fraction (`3.0`, `1e2`) become integers: JSON does not tell the
//! two apart and JSON Schema calls `3.0` an integer, so a client that serialises every number
//! as a float must not be refused where the document asks for an integer. A NUL character
//! anywhere (PostgreSQL cannot store one) is 422 `validation_failed` naming the field.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

use crate::error::{AppError, find_nul, serde_error};

/// A JSON request body decoded into `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    // The one place that reads a body with actix's own extractor.
    #[allow(clippy::disallowed_types)]
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = body.await?.into_inner();
            if !value.is_object() {
                // Every JSON body of this API is an object; serde would also read a struct
                // from an array of its fields.
                let error = AppError::BadRequest {
                    code: "invalid_body",
                    detail: "The body must be a JSON object.".to_owned(),
                    errors: Vec::new(),
                };
                return Err(error.into());
            }
            if let Some(field) = find_nul(&value, String::new()) {
                let error = AppError::validation(vec![crate::domain::nul_error(&field)]);
                return Err(error.into());
            }
            integral_numbers(&mut value);
            serde_json::from_value(value)
                .map(Json)
                .map_err(|err| serde_error(&err).into())
        })
    }
}

/// Rewrites every float with no fraction that fits an `i64` as an integer, in place.
fn integral_numbers(value: &mut Value) {
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64())
                && float.fract() == 0.0
                && float >= i64::MIN as f64
                && float < i64::MAX as f64
            {
                // The range check above makes the cast exact.
                #[allow(clippy::cast_possible_truncation)]
                let integer = float as i64;
                *number = Number::from(integer);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_become_integers_and_others_stay() {
        let mut value: Value =
            serde_json::from_str(r#"{"a": 3.0, "b": [1e2, -0.0, 2.5], "c": "4.0", "d": 1e300}"#)
                .unwrap_or_default();
        integral_numbers(&mut value);
        assert_eq!(value["a"], Value::from(3));
        assert_eq!(value["b"][0], Value::from(100));
        assert_eq!(value["b"][1], Value::from(0));
        assert!(value["b"][2].is_f64());
        assert_eq!(value["c"], Value::from("4.0"));
        assert!(value["d"].is_f64());
    }
}
