//! When each release of the common container base distributions stops getting security
//! updates, from the distributions' own published schedules. The date is the end of the
//! support a free image gets (Debian LTS, Ubuntu standard support, RHEL's maintenance
//! phase for the UBI images), not paid extended support.
//!
//! A release missing here is not judged: adding rows is the whole job when a release
//! comes out or a date is announced.

/// `(os-release ID, version, end of security support)`. The version is matched against
/// `VERSION_ID` up to the version's own length in components (`3.19` matches `3.19.4`,
/// `9` matches `9.13`).
const TABLE: &[(&str, &str, &str)] = &[
    // Debian, with LTS.
    ("debian", "7", "2018-05-31"),
    ("debian", "8", "2020-06-30"),
    ("debian", "9", "2022-06-30"),
    ("debian", "10", "2024-06-30"),
    ("debian", "11", "2026-08-31"),
    ("debian", "12", "2028-06-30"),
    ("debian", "13", "2030-06-30"),
    // Ubuntu, standard support.
    ("ubuntu", "14.04", "2019-04-30"),
    ("ubuntu", "16.04", "2021-04-30"),
    ("ubuntu", "18.04", "2023-05-31"),
    ("ubuntu", "20.04", "2025-05-31"),
    ("ubuntu", "22.04", "2027-06-01"),
    ("ubuntu", "23.04", "2024-01-25"),
    ("ubuntu", "23.10", "2024-07-11"),
    ("ubuntu", "24.04", "2029-05-31"),
    ("ubuntu", "24.10", "2025-07-10"),
    ("ubuntu", "25.04", "2026-01-15"),
    // Alpine: each branch gets two years.
    ("alpine", "3.10", "2021-05-01"),
    ("alpine", "3.11", "2021-11-01"),
    ("alpine", "3.12", "2022-05-01"),
    ("alpine", "3.13", "2022-11-01"),
    ("alpine", "3.14", "2023-05-01"),
    ("alpine", "3.15", "2023-11-01"),
    ("alpine", "3.16", "2024-05-23"),
    ("alpine", "3.17", "2024-11-22"),
    ("alpine", "3.18", "2025-05-09"),
    ("alpine", "3.19", "2025-11-01"),
    ("alpine", "3.20", "2026-04-01"),
    ("alpine", "3.21", "2026-11-01"),
    ("alpine", "3.22", "2027-05-01"),
    // CentOS and RHEL (UBI) families.
    ("centos", "6", "2020-11-30"),
    ("centos", "7", "2024-06-30"),
    ("centos", "8", "2021-12-31"),
    ("rhel", "7", "2024-06-30"),
    ("rhel", "8", "2029-05-31"),
    ("rhel", "9", "2032-05-31"),
    ("rocky", "8", "2029-05-31"),
    ("rocky", "9", "2032-05-31"),
    ("almalinux", "8", "2029-05-31"),
    ("almalinux", "9", "2032-05-31"),
    ("ol", "7", "2024-12-31"),
    // Amazon Linux.
    ("amzn", "2018.03", "2023-12-31"),
    ("amzn", "2", "2026-06-30"),
    ("amzn", "2023", "2029-06-30"),
    // Fedora: about 13 months per release.
    ("fedora", "37", "2023-12-05"),
    ("fedora", "38", "2024-05-21"),
    ("fedora", "39", "2024-11-26"),
    ("fedora", "40", "2025-05-13"),
    ("fedora", "41", "2025-12-15"),
    // openSUSE Leap.
    ("opensuse-leap", "15.3", "2022-12-31"),
    ("opensuse-leap", "15.4", "2023-12-07"),
    ("opensuse-leap", "15.5", "2024-12-31"),
];

/// The end-of-support date (`YYYY-MM-DD`) of a release, if the table knows it.
pub fn end_of_life(id: &str, version_id: &str) -> Option<&'static str> {
    let id = id.trim().to_ascii_lowercase();
    let version: Vec<&str> = version_id.trim().split('.').collect();
    TABLE
        .iter()
        .filter(|(table_id, _, _)| *table_id == id)
        .find(|(_, table_version, _)| {
            let wanted: Vec<&str> = table_version.split('.').collect();
            version.len() >= wanted.len() && version[..wanted.len()] == wanted[..]
        })
        .map(|(_, _, date)| *date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_versions_by_their_components() {
        assert_eq!(end_of_life("debian", "9"), Some("2022-06-30"));
        assert_eq!(end_of_life("alpine", "3.19.4"), Some("2025-11-01"));
        assert_eq!(end_of_life("alpine", "3.1"), None);
        assert_eq!(end_of_life("ubuntu", "22.04"), Some("2027-06-01"));
        assert_eq!(end_of_life("rhel", "8.10"), Some("2029-05-31"));
        assert_eq!(end_of_life("amzn", "2"), Some("2026-06-30"));
        assert_eq!(end_of_life("amzn", "2023"), Some("2029-06-30"));
        assert_eq!(end_of_life("plan9", "4"), None);
    }

    #[test]
    fn dates_are_iso_dates() {
        for (_, _, date) in TABLE {
            let parts: Vec<&str> = date.split('-').collect();
            assert!(
                parts.len() == 3
                    && parts[0].len() == 4
                    && parts[1].len() == 2
                    && parts[2].len() == 2,
                "{date}"
            );
        }
    }
}
