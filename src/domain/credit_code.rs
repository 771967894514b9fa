//! `CreditCode`: a unified social credit code (GB 32100-2015): 18 characters from a 31-symbol
//! alphabet (no I, O, Z, S, V), the last one a check character over the first 17.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value_of(symbol: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&c| c == symbol)
        .and_then(|i| u32::try_from(i).ok())
}

/// The check character for 17 valid symbols.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (symbol, weight) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*symbol)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(check as usize).copied()
}

impl CreditCode {
    /// Parses a code (spaces ignored, upper-cased); `None` unless format and check character hold.
    pub fn parse(raw: &str) -> Option<Self> {
        let code: String = raw.chars().map(|c| c.to_ascii_uppercase()).collect();
        let bytes = code.as_bytes();
        if bytes.len() != 18 || !bytes.iter().all(|b| value_of(*b).is_some()) {
            return None;
        }
        (check_char(&bytes[..17])? == bytes[17]).then_some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_parse() {
        // Codes of well-known registered companies.
        for code in [
            "91350100M000100Y43",
            "914403001922038216",
            "91110000600037341L",
        ] {
            assert!(CreditCode::parse(code).is_some(), "{code}");
        }
        assert!(
            CreditCode::parse("91350100m000100y43").is_some(),
            "case-insensitive"
        );
    }

    #[test]
    fn wrong_check_characters_and_symbols_are_refused() {
        assert!(CreditCode::parse("91350100M000100Y44").is_none());
        assert!(
            CreditCode::parse("91350100M000100YI3").is_none(),
            "I is not in the alphabet"
        );
        assert!(
            CreditCode::parse("91350100M000100Y4").is_none(),
            "17 characters"
        );
        assert!(CreditCode::parse("").is_none());
    }

    #[test]
    fn every_generated_code_round_trips() {
        let first17 = b"92440300MA5ABCDE1";
        let check = check_char(first17).unwrap();
        let code = format!("{}{}", std::str::from_utf8(first17).unwrap(), check as char);
        assert_eq!(CreditCode::parse(&code).unwrap().as_str(), code);
    }
}
