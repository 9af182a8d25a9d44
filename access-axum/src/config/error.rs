//! Configuration mistakes: each names the environment variable or builder field to set.

use std::fmt;
use std::path::PathBuf;

/// A configuration mistake, found at startup. Its message is one sentence naming the
/// environment variable or builder field to set; it never contains a secret.
///
/// # Examples
/// ```
/// use access_axum::{ConfigError, JwtKeys};
/// use jsonwebtoken::Algorithm;
/// let error = JwtKeys::hmac(Algorithm::HS256, b"too short").unwrap_err();
/// assert_eq!(error, ConfigError::TooShort { var: "JWT_SECRET", min: 32, len: 9 });
/// assert_eq!(error.to_string(), "JWT_SECRET must be at least 32 bytes (it is 9)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Something needed is not set: "no `what`: set `var` `hint`".
    Missing {
        /// The variable to set (`JWT_SECRET`).
        var: &'static str,
        /// What is missing (`signing key`).
        what: &'static str,
        /// The rest of the sentence (the alternatives).
        hint: &'static str,
    },
    /// A secret shorter than allowed, in bytes.
    TooShort {
        /// The variable (`JWT_SECRET`).
        var: &'static str,
        /// The least length allowed.
        min: usize,
        /// The length given.
        len: usize,
    },
    /// A value that does not parse, does not fit, or is out of range: "`var` `reason`".
    Invalid {
        /// The variable or builder field (`JWT_EXPIRES_IN`, `leeway`, `paths.login`).
        var: &'static str,
        /// What is wrong, continuing the sentence after `var`; never the value of a secret.
        reason: String,
    },
    /// Two settings that cannot go together.
    Conflict {
        /// One setting (`cookies.same_site`).
        var: &'static str,
        /// The other (`cookies.secure`).
        with: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A key file or folder that cannot be read, written or created.
    Io {
        /// The variable that named the file (`JWT_PRIVATE_KEY_FILE`), if one did.
        var: Option<&'static str>,
        /// The file or folder.
        path: PathBuf,
        /// `read`, `written` or `created`.
        action: &'static str,
        /// The system's reason.
        reason: String,
    },
    /// The system could not generate or encode a development key pair.
    KeyGeneration {
        /// What failed (`generate a development key pair`).
        step: &'static str,
    },
}

impl ConfigError {
    /// The environment variable or builder field to set, when one is named.
    ///
    /// # Examples
    /// ```
    /// use access_axum::AuthConfig;
    /// let errors = AuthConfig::builder().leeway(3600).build().unwrap_err();
    /// let vars: Vec<_> = errors.iter().filter_map(|e| e.var()).collect();
    /// assert_eq!(vars, ["leeway", "JWT_SECRET"]);
    /// ```
    pub fn var(&self) -> Option<&'static str> {
        match self {
            Self::Missing { var, .. }
            | Self::TooShort { var, .. }
            | Self::Invalid { var, .. }
            | Self::Conflict { var, .. } => Some(var),
            Self::Io { var, .. } => *var,
            Self::KeyGeneration { .. } => None,
        }
    }

    pub(super) fn invalid(var: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            var,
            reason: reason.into(),
        }
    }

    pub(super) fn io(
        var: Option<&'static str>,
        path: impl Into<PathBuf>,
        action: &'static str,
        e: &std::io::Error,
    ) -> Self {
        Self::Io {
            var,
            path: path.into(),
            action,
            reason: e.to_string(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { var, what, hint } => write!(f, "no {what}: set {var} {hint}"),
            Self::TooShort { var, min, len } => {
                write!(f, "{var} must be at least {min} bytes (it is {len})")
            }
            Self::Invalid { var, reason } => write!(f, "{var} {reason}"),
            Self::Conflict { var, with, reason } => {
                write!(f, "{reason}: change {var} or {with}")
            }
            Self::Io {
                var,
                path,
                action,
                reason,
            } => {
                if let Some(var) = var {
                    write!(f, "{var} ")?;
                }
                write!(f, "`{}` cannot be {action}: {reason}", path.display())
            }
            Self::KeyGeneration { step } => write!(
                f,
                "could not {step}: set JWT_SECRET, or JWT_PRIVATE_KEY and JWT_PUBLIC_KEY, instead"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Every mistake [`build`](crate::config::AuthConfigBuilder::build) found, as one report: its
/// `Display` (and `Debug`, so `main` returning `Box<dyn Error>` prints it too) is one sentence
/// per mistake. It reads as a slice of [`ConfigError`].
///
/// # Examples
/// ```no_run
/// use access_axum::AuthConfig;
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let config = AuthConfig::from_env()?; // "no signing key: set JWT_SECRET .." when unset
///     Ok(())
/// }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    pub(super) fn new(errors: Vec<ConfigError>) -> Self {
        Self(errors)
    }

    /// The mistakes, in the order they were found.
    ///
    /// ```
    /// let errors = access_axum::AuthConfig::builder().build().unwrap_err();
    /// assert!(errors.into_vec().iter().any(|e| e.to_string().contains("JWT_SECRET")));
    /// ```
    pub fn into_vec(self) -> Vec<ConfigError> {
        self.0
    }
}

impl std::ops::Deref for ConfigErrors {
    type Target = [ConfigError];

    fn deref(&self) -> &[ConfigError] {
        &self.0
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        Self(vec![e])
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("the auth configuration has no mistakes"),
            [one] => write!(f, "the auth configuration is incomplete: {one}"),
            many => {
                write!(f, "the auth configuration has {} mistakes:", many.len())?;
                for e in many {
                    write!(f, "\n- {e}")?;
                }
                Ok(())
            }
        }
    }
}

/// The same report as `Display`: `main` returning `Err` prints errors with `Debug`.
impl fmt::Debug for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ConfigErrors {}
