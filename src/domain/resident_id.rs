//! `ResidentId`: a mainland resident identity card number (GB 11643-1999): 17 digits and an
//! ISO 7064 MOD 11-2 check character, with the holder's birth date at positions 7 to 14.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentId {
    number: String,
    birth_date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResidentIdError {
    /// Not 17 digits followed by a digit or `X`.
    Format,
    /// The check character does not match.
    CheckDigit,
    /// The embedded birth date is not a real date (or lies in the future).
    BirthDate,
}

impl ResidentIdError {
    pub fn message(self) -> &'static str {
        match self {
            ResidentIdError::Format => "a resident ID has 17 digits and a final digit or X",
            ResidentIdError::CheckDigit => "the resident ID's check character is wrong",
            ResidentIdError::BirthDate => "the resident ID's birth date is not a real date",
        }
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl ResidentId {
    /// Parses a number (spaces ignored, a lower-case `x` accepted), checking format, check
    /// character and birth date (not after `today`).
    pub fn parse(raw: &str, today: NaiveDate) -> Result<Self, ResidentIdError> {
        let number: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = number.as_bytes();
        if bytes.len() != 18
            || !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(ResidentIdError::Format);
        }
        if check_char(&bytes[..17]) != bytes[17] {
            return Err(ResidentIdError::CheckDigit);
        }
        let digits = |range: std::ops::Range<usize>| number[range].parse::<u32>().ok();
        let birth_date = match (digits(6..10), digits(10..12), digits(12..14)) {
            (Some(year), Some(month), Some(day)) => {
                NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(0), month, day)
            }
            _ => None,
        }
        .filter(|date| *date <= today && date.year_ce().1 >= 1900)
        .ok_or(ResidentIdError::BirthDate)?;
        Ok(Self { number, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }
}

use chrono::Datelike as _;

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    /// A valid number for a birth date, built with the check character.
    pub fn make(region: &str, birth: &str, sequence: &str) -> String {
        let first17 = format!("{region}{birth}{sequence}");
        let check = check_char(first17.as_bytes()) as char;
        format!("{first17}{check}")
    }

    #[test]
    fn a_published_example_parses_with_its_birth_date() {
        // The standard's own example number.
        let id = ResidentId::parse("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(
            ResidentId::parse("11010519491231002x", today()).is_ok(),
            "lower-case x"
        );
        assert!(
            ResidentId::parse("110105 19491231 002X", today()).is_ok(),
            "spaces"
        );
    }

    #[test]
    fn every_check_character_is_verified() {
        let good = make("440305", "20080229", "123");
        assert!(ResidentId::parse(&good, today()).is_ok());
        let mut bad = good.clone().into_bytes();
        bad[17] = if bad[17] == b'1' { b'2' } else { b'1' };
        assert_eq!(
            ResidentId::parse(std::str::from_utf8(&bad).unwrap(), today()),
            Err(ResidentIdError::CheckDigit)
        );
    }

    #[test]
    fn impossible_and_future_birth_dates_are_refused() {
        assert_eq!(
            ResidentId::parse(&make("440305", "20070229", "123"), today()),
            Err(ResidentIdError::BirthDate)
        );
        assert_eq!(
            ResidentId::parse(&make("440305", "19991301", "123"), today()),
            Err(ResidentIdError::BirthDate)
        );
        assert_eq!(
            ResidentId::parse(&make("440305", "20300101", "123"), today()),
            Err(ResidentIdError::BirthDate)
        );
        assert_eq!(
            ResidentId::parse(&make("440305", "18991231", "123"), today()),
            Err(ResidentIdError::BirthDate)
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for raw in [
            "",
            "12345",
            "1101051949123100",
            "11010519491231002Y",
            "A1010519491231002X",
            "110105194912310021234",
        ] {
            assert_eq!(
                ResidentId::parse(raw, today()),
                Err(ResidentIdError::Format),
                "{raw}"
            );
        }
    }
}
