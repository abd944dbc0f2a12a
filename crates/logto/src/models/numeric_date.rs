//! [`NumericDate`]: a JWT time claim as the token carried it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A JSON NumericDate (RFC 7519 §2): seconds since the epoch. It may carry a fraction or be
/// larger than 64 bits; the value is kept as sent, so it serializes back unchanged.
///
/// ```
/// let exp: logto::NumericDate = serde_json::from_str("1700000000.75").unwrap();
/// assert_eq!(exp.seconds(), 1_700_000_000);
/// assert_eq!(serde_json::to_string(&exp).unwrap(), "1700000000.75");
/// let iat: logto::NumericDate = serde_json::from_str("1700000000").unwrap();
/// assert_eq!(serde_json::to_string(&iat).unwrap(), "1700000000");
/// let far: logto::NumericDate = serde_json::from_str("1e30").unwrap();
/// assert_eq!(far.seconds(), i64::MAX);
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct NumericDate(serde_json::Number);

impl NumericDate {
    /// A whole number of seconds.
    pub fn from_seconds(seconds: i64) -> Self {
        Self(seconds.into())
    }

    /// Whole seconds since the epoch, rounded down and saturated to `i64`.
    pub fn seconds(&self) -> i64 {
        if let Some(seconds) = self.0.as_i64() {
            seconds
        } else if self.0.is_u64() {
            i64::MAX
        } else {
            // `as` saturates; the value is finite (checked when read).
            self.as_f64().floor() as i64
        }
    }

    /// The value as a float.
    pub fn as_f64(&self) -> f64 {
        self.0.as_f64().unwrap_or(f64::MAX)
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        if number.as_f64().is_none_or(|value| !value.is_finite()) {
            return Err(serde::de::Error::custom("a NumericDate must be a finite number"));
        }
        Ok(Self(number))
    }
}

impl fmt::Debug for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<i64> for NumericDate {
    fn from(seconds: i64) -> Self {
        Self::from_seconds(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_number_and_refuses_the_rest() {
        for (text, seconds) in
            [("0", 0), ("-5", -5), ("1.999", 1), ("18446744073709551615", i64::MAX), ("-1e300", i64::MIN)]
        {
            let date: NumericDate = serde_json::from_str(text).unwrap();
            assert_eq!(date.seconds(), seconds, "{text}");
            assert_eq!(
                serde_json::to_string(&date).unwrap(),
                serde_json::to_string(&serde_json::from_str::<serde_json::Value>(text).unwrap()).unwrap()
            );
        }
        for text in ["\"1\"", "null", "true", "[]"] {
            assert!(serde_json::from_str::<NumericDate>(text).is_err(), "{text}");
        }
    }
}
