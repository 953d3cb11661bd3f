//! Account registration (domain.md §1–2): everything the candidate submits, parsed at once so every problem is
//! reported together, and the double-entry check of name, ID type and ID number.

use crate::error::{FieldError, FieldErrors};
use crate::id_number::{IdNumber, IdType};
use crate::password::{NewPassword, PersonalData};
use crate::person_name::{LatinLetters, PersonName};
use crate::security_question::{SecurityAnswer, SecurityQuestion};
use crate::username::Username;

/// The form or API body as submitted, before any check.
#[derive(Debug, Default, Clone)]
pub struct RegistrationInput {
    pub username: String,
    pub password: String,
    /// The form's "repeat password"; the API has no such field.
    pub password_confirmation: Option<String>,
    pub name: String,
    pub name_uses_pinyin: bool,
    pub id_type: String,
    pub id_number: String,
    pub security_question: String,
    pub security_answer: String,
    pub accept_notice: bool,
    pub accept_privacy: bool,
}

/// The second entry of the identity fields.
#[derive(Debug, Default, Clone)]
pub struct IdentityConfirmation {
    pub name: String,
    pub id_type: String,
    pub id_number: String,
}

#[derive(Debug)]
pub struct Registration {
    pub username: Username,
    pub password: NewPassword,
    pub identity: Identity,
    pub security_question: SecurityQuestion,
    pub security_answer: SecurityAnswer,
}

/// Name and document: immutable for the candidate once the account exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: PersonName,
    pub name_uses_pinyin: bool,
    pub id_number: IdNumber,
}

impl Identity {
    /// Name, ID type and ID number as entered, checked by the registration rules (a correction by the 考点
    /// must meet them too).
    pub fn parse(name: &str, name_uses_pinyin: bool, id_type: &str, id_number: &str) -> Result<Identity, FieldErrors> {
        let mut errors = FieldErrors::default();
        let id_type = errors.collect(IdType::parse("id_type", id_type));
        let id_number = id_type.and_then(|t| errors.collect(IdNumber::parse("id_number", t, id_number)));
        let latin = latin_rule(id_type.unwrap_or(IdType::ResidentId), name_uses_pinyin);
        let name = errors.collect(PersonName::parse("name", name, latin));
        match (name, id_number) {
            (Some(name), Some(id_number)) if errors.is_empty() => Ok(Identity { name, name_uses_pinyin, id_number }),
            _ => Err(errors),
        }
    }

    pub fn latin_letters(&self) -> LatinLetters {
        latin_rule(self.id_number.id_type(), self.name_uses_pinyin)
    }
}

fn latin_rule(id_type: IdType, name_uses_pinyin: bool) -> LatinLetters {
    if id_type.allows_latin_name() {
        LatinLetters::DocumentInLatinScript
    } else if name_uses_pinyin {
        LatinLetters::PinyinSubstitute
    } else {
        LatinLetters::NotAllowed
    }
}

impl Registration {
    pub fn parse(input: &RegistrationInput) -> Result<Registration, FieldErrors> {
        let mut errors = check_consent(input.accept_notice, input.accept_privacy).err().unwrap_or_default();
        let username = errors.collect(Username::parse("username", &input.username));
        let id_type = errors.collect(IdType::parse("id_type", &input.id_type));
        let id_number = id_type.and_then(|t| errors.collect(IdNumber::parse("id_number", t, &input.id_number)));
        let latin = latin_rule(id_type.unwrap_or(IdType::ResidentId), input.name_uses_pinyin);
        let name = errors.collect(PersonName::parse("name", &input.name, latin));
        let personal = PersonalData { username: username.as_ref(), id_number: id_number.as_ref() };
        let password = errors.collect(NewPassword::parse("password", &input.password, &personal));
        if let Some(repeat) = &input.password_confirmation {
            if password.is_some() && repeat != &input.password {
                errors.push(FieldError::new("password_confirmation", "password.confirmation_mismatch"));
            }
        }
        let security_question = errors.collect(SecurityQuestion::parse("security_question", &input.security_question));
        let security_answer = errors.collect(SecurityAnswer::parse("security_answer", &input.security_answer));
        match (username, password, name, id_number, security_question, security_answer) {
            (Some(username), Some(password), Some(name), Some(id_number), Some(security_question), Some(security_answer))
                if errors.is_empty() =>
            {
                let identity = Identity { name, name_uses_pinyin: input.name_uses_pinyin, id_number };
                Ok(Registration { username, password, identity, security_question, security_answer })
            }
            _ => Err(errors),
        }
    }
}

/// Both consents come before the form: the 特别提示 read, and the processing of sensitive personal information.
pub fn check_consent(accept_notice: bool, accept_privacy: bool) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    if !accept_notice {
        errors.push(FieldError::new("accept_notice", "consent.notice_required"));
    }
    if !accept_privacy {
        errors.push(FieldError::new("accept_privacy", "consent.privacy_required"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// The double-entry step: the second entry must equal the first after the same normalisation. Each differing
/// field is named (`confirm.name`, `confirm.id_type`, `confirm.id_number`) so the candidate knows what to check.
pub fn check_double_entry(first: &Identity, second: &IdentityConfirmation) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let name_matches = PersonName::parse("confirm.name", &second.name, first.latin_letters())
        .is_ok_and(|name| name == first.name);
    if !name_matches {
        errors.push(FieldError::new("confirm.name", "confirm.name_mismatch"));
    }
    let first_type = first.id_number.id_type();
    let type_matches = IdType::from_code(second.id_type.trim()) == Some(first_type);
    if !type_matches {
        errors.push(FieldError::new("confirm.id_type", "confirm.id_type_mismatch"));
    }
    let number_matches = IdNumber::parse("confirm.id_number", first_type, &second.id_number)
        .is_ok_and(|number| number == first.id_number);
    if !number_matches {
        errors.push(FieldError::new("confirm.id_number", "confirm.id_number_mismatch"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RegistrationInput {
        RegistrationInput {
            username: "zhangsan".into(),
            password: "Kw7!river".into(),
            password_confirmation: Some("Kw7!river".into()),
            name: "买买提•艾力".into(),
            name_uses_pinyin: false,
            id_type: "resident_id".into(),
            id_number: "11010519491231002x".into(),
            security_question: "您的出生地是？".into(),
            security_answer: "北京".into(),
            accept_notice: true,
            accept_privacy: true,
        }
    }

    #[test]
    fn parses_and_normalises() {
        let r = Registration::parse(&valid()).unwrap();
        assert_eq!(r.identity.name.as_str(), "买买提·艾力");
        assert_eq!(r.identity.id_number.as_str(), "11010519491231002X");
    }

    #[test]
    fn reports_every_problem_at_once() {
        let mut input = valid();
        input.username = "x".into();
        input.id_number = "110105194912310021".into();
        input.accept_privacy = false;
        input.password_confirmation = Some("other".into());
        let errors = Registration::parse(&input).unwrap_err();
        let codes: Vec<_> = errors.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(codes.contains(&("username", "username.too_short")));
        assert!(codes.contains(&("id_number", "id_number.checksum")));
        assert!(codes.contains(&("accept_privacy", "consent.privacy_required")));
        assert!(codes.contains(&("password_confirmation", "password.confirmation_mismatch")));
    }

    #[test]
    fn passport_names_may_be_latin() {
        let mut input = valid();
        input.id_type = "passport".into();
        input.id_number = "E12345678".into();
        input.name = "John Smith".into();
        assert!(Registration::parse(&input).is_ok());
    }

    #[test]
    fn double_entry_matches_after_normalisation_and_names_the_differing_field() {
        let r = Registration::parse(&valid()).unwrap();
        let same = IdentityConfirmation {
            name: "买买提・艾力".into(),
            id_type: "resident_id".into(),
            id_number: "11010519491231002X".into(),
        };
        assert!(check_double_entry(&r.identity, &same).is_ok());
        let wrong = IdentityConfirmation { id_number: "11010519491231003X".into(), ..same.clone() };
        let errors = check_double_entry(&r.identity, &wrong).unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "confirm.id_number");
        let wrong_name = IdentityConfirmation { name: "买买提".into(), ..same };
        assert_eq!(check_double_entry(&r.identity, &wrong_name).unwrap_err().0[0].field, "confirm.name");
    }
}
