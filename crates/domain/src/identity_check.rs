//! 实名核验: what the national two-factor check (name + resident ID number) says of an account, and what its
//! answers mean. Only resident ID cards can be checked there; every other document goes to the 考点.

/// The states a candidate sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityState {
    /// 待核验: queued or being retried.
    Pending,
    /// 核验通过.
    Passed,
    /// 核验不通过: the registry holds this number under another name.
    Failed,
    /// 需人工核查: the registry cannot say (another document, a name it cannot take, a number it does not hold).
    Manual,
}

impl IdentityState {
    pub fn code(self) -> &'static str {
        match self {
            IdentityState::Pending => "pending",
            IdentityState::Passed => "passed",
            IdentityState::Failed => "failed",
            IdentityState::Manual => "manual",
        }
    }

    /// A stored code; anything unknown reads as pending (never as passed).
    pub fn from_code(code: &str) -> IdentityState {
        match code {
            "passed" => IdentityState::Passed,
            "failed" => IdentityState::Failed,
            "manual" => IdentityState::Manual,
            _ => IdentityState::Pending,
        }
    }
}

/// What to do with an answer of the registry (IdCardVerification's `Result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryAnswer {
    Settled(IdentityState),
    /// -4 registry down, -6 upgrading, -7 today's limit reached: ask again later.
    TryLater,
}

pub fn judge(result: &str) -> RegistryAnswer {
    match result {
        "0" => RegistryAnswer::Settled(IdentityState::Passed),
        "-1" => RegistryAnswer::Settled(IdentityState::Failed),
        "-4" | "-6" | "-7" => RegistryAnswer::TryLater,
        // -2 / -3: a number or name the registry cannot take (rare characters); -5: a number it does not hold.
        _ => RegistryAnswer::Settled(IdentityState::Manual),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_answer_has_a_meaning() {
        let cases = [
            ("0", RegistryAnswer::Settled(IdentityState::Passed)),
            ("-1", RegistryAnswer::Settled(IdentityState::Failed)),
            ("-2", RegistryAnswer::Settled(IdentityState::Manual)),
            ("-3", RegistryAnswer::Settled(IdentityState::Manual)),
            ("-4", RegistryAnswer::TryLater),
            ("-5", RegistryAnswer::Settled(IdentityState::Manual)),
            ("-6", RegistryAnswer::TryLater),
            ("-7", RegistryAnswer::TryLater),
            ("something new", RegistryAnswer::Settled(IdentityState::Manual)),
        ];
        for (result, expected) in cases {
            assert_eq!(judge(result), expected, "{result}");
        }
        for state in [IdentityState::Pending, IdentityState::Passed, IdentityState::Failed, IdentityState::Manual] {
            assert_eq!(IdentityState::from_code(state.code()), state);
        }
        assert_eq!(IdentityState::from_code("garbage"), IdentityState::Pending);
    }
}
