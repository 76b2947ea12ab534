//! Sizes a user asks for, checked before anything is allocated: overflow-free arithmetic and
//! the memory the machine has (from `sysinfo`), so that `--horizon 1000000000` is a one-line
//! error naming the parameter rather than an aborted allocation or a run that never ends.

use crate::error::{Error, Result};

/// Bytes of an array of shape `dims` with `elem`-byte elements; `None` on overflow.
pub fn array_bytes(dims: &[usize], elem: usize) -> Option<u128> {
    dims.iter()
        .try_fold(elem as u128, |acc, &d| acc.checked_mul(d as u128))
}

/// Memory available to new allocations (bytes), when the platform says.
pub fn available_memory() -> Option<u64> {
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    let avail = sys.available_memory();
    (avail > 0).then_some(avail)
}

/// Fails with an error naming `param` (set to `value`) when `bytes` (`None`: beyond counting)
/// exceed the memory available; `what` says what the memory is for.
pub fn require_memory(
    param: &str,
    value: impl std::fmt::Display,
    what: &str,
    bytes: Option<u128>,
) -> Result<()> {
    let gib = |b: f64| b / f64::from(1u32 << 30);
    let Some(bytes) = bytes.filter(|&b| b <= u128::from(u64::MAX)) else {
        return Err(Error::param(
            param,
            value,
            &format!("small enough that {what} can be counted in bytes"),
        ));
    };
    if let Some(avail) = available_memory()
        && bytes > u128::from(avail)
    {
        return Err(Error::param(
            param,
            value,
            &format!(
                "small enough to fit: {what} needs {:.1} GiB, {:.1} GiB are available",
                gib(bytes as f64),
                gib(avail as f64)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_sizes_are_errors_naming_the_parameter() {
        assert_eq!(array_bytes(&[2, 3], 8), Some(48));
        assert_eq!(array_bytes(&[usize::MAX, usize::MAX, 4], 8), None);
        let e = require_memory(
            "horizon",
            1_000_000_000usize,
            "the samples",
            array_bytes(&[1 << 40, 1 << 20], 8),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("horizon") && e.contains("1000000000"), "{e}");
        assert!(require_memory("n", 1, "x", Some(1024)).is_ok());
        assert!(require_memory("n", 1, "x", None).is_err());
    }
}
