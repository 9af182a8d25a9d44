//! Cross-crate tests of the access workspace (see tests/).
