//! `Currency`: an ISO 4217 code the service knows, with its minor unit (how many decimals its
//! amounts may have). Stored as its code (`char(3)` columns) and answered as its code in JSON.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

/// A known currency. Read from the database it is parsed once: a stored code the service does
/// not know is an error, never a guess.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct Currency {
    code: &'static str,
    minor_unit: u32,
}

/// ISO 4217 currencies with their minor units: the mainland's, its neighbours' and its trading
/// partners'. Amounts in any other code are refused rather than guessed at.
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("AUD", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KHR", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KZT", 2),
    ("LAK", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("RUB", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("UZS", 2),
    ("VND", 0),
    ("ZAR", 2),
];

impl Currency {
    pub const CNY: Currency = Currency {
        code: "CNY",
        minor_unit: 2,
    };

    /// The currency with this code (upper case), if known.
    pub fn parse(code: &str) -> Option<Self> {
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(code, minor_unit)| Currency { code, minor_unit })
    }

    /// The ISO 4217 code, e.g. `"CNY"`.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// Decimal places of the currency's amounts.
    pub fn minor_unit(self) -> u32 {
        self.minor_unit
    }

    /// An amount as answered: exactly the currency's decimals (`"199.00"`, `"1200"` for JPY),
    /// rounded half to even.
    pub fn format(self, amount: Decimal) -> String {
        super::money::format_places(amount, self.minor_unit)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl std::str::FromStr for Currency {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::parse(code)
            .ok_or_else(|| format!("{code:?} is not a currency this service knows"))
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

crate::text_sql!(Currency, code);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_parse_with_their_minor_units() {
        assert_eq!(Currency::parse("CNY"), Some(Currency::CNY));
        assert_eq!(Currency::parse("JPY").unwrap().minor_unit(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_unit(), 3);
        assert_eq!(Currency::parse("cny"), None, "codes are upper case");
        assert_eq!(Currency::parse("XXX"), None);
        let mut sorted = CURRENCIES.to_vec();
        sorted.sort();
        assert_eq!(sorted, CURRENCIES.to_vec(), "kept sorted for review");
    }

    #[test]
    fn amounts_are_formatted_with_the_minor_unit_and_codes_serialize_as_text() {
        assert_eq!(Currency::CNY.format(Decimal::from(199)), "199.00");
        assert_eq!(Currency::CNY.format(Decimal::new(12_345, 3)), "12.34");
        assert_eq!(
            "JPY"
                .parse::<Currency>()
                .unwrap()
                .format(Decimal::from(1200)),
            "1200"
        );
        assert!("XXX".parse::<Currency>().is_err());
        assert_eq!(serde_json::to_string(&Currency::CNY).unwrap(), "\"CNY\"");
    }
}
