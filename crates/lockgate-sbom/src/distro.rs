//! Which distribution and release an OS package database belongs to, from the
//! `os-release` file of the same root file system (`etc/os-release`, else
//! `usr/lib/os-release`). Advisories are filed per release (`Debian:12`,
//! `Alpine:v3.18`), and a dpkg database is not always Debian's (Ubuntu's is dpkg too), so
//! matching needs both.

use std::path::Path;

use serde::Serialize;

use crate::catalog::FileSource;

/// `ID` and `VERSION_ID` of an os-release file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Distro {
    /// `debian`, `ubuntu`, `alpine`, ...
    pub id: String,
    /// `12`, `22.04`, `3.18.4`; absent on rolling releases (Debian testing, sid).
    pub version_id: Option<String>,
}

/// The distribution of the root file system holding the package database at
/// `database` (which ends in `var/lib/dpkg/...` or `lib/apk/db/installed`), when its
/// os-release file can be read.
pub(crate) fn of_database(database: &Path, files: &dyn FileSource) -> Option<Distro> {
    let text = database.to_string_lossy().replace('\\', "/");
    let root_end = [
        "var/lib/dpkg/",
        "lib/apk/db/",
        "var/lib/rpm/",
        "usr/lib/sysimage/rpm/",
    ]
    .iter()
    .filter_map(|marker| text.rfind(marker))
    .min()?;
    let root = &text[..root_end];
    ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|file| files.read(Path::new(&format!("{root}{file}"))).ok())
        .and_then(|bytes| parse(&String::from_utf8_lossy(&bytes)))
}

/// Reads `ID` and `VERSION_ID` (shell-style assignments, values optionally quoted).
fn parse(text: &str) -> Option<Distro> {
    let value = |key: &str| {
        text.lines().find_map(|line| {
            let (name, value) = line.trim().split_once('=')?;
            (name == key).then(|| {
                value
                    .trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string()
            })
        })
    };
    let id = value("ID").filter(|id| !id.is_empty())?;
    Some(Distro {
        id: id.to_ascii_lowercase(),
        version_id: value("VERSION_ID").filter(|v| !v.is_empty()),
    })
}

impl Distro {
    /// The OSV ecosystem of this release's advisories (`Debian:12`, `Alpine:v3.18`),
    /// for the distributions lockgate matches; `None` for others.
    pub fn osv_ecosystem(&self) -> Option<String> {
        match self.id.as_str() {
            "debian" => Some(match &self.version_id {
                // Point releases (`12.5`) share their major release's advisories.
                Some(version) => format!("Debian:{}", version.split('.').next().unwrap_or(version)),
                None => "Debian".to_string(),
            }),
            "alpine" => Some(match &self.version_id {
                Some(version) => {
                    let mut parts = version.split('.');
                    match (parts.next(), parts.next()) {
                        (Some(major), Some(minor)) => format!("Alpine:v{major}.{minor}"),
                        _ => "Alpine".to_string(),
                    }
                }
                None => "Alpine".to_string(),
            }),
            // Their OSV advisories name binary packages per major release.
            "almalinux" => self.major().map(|major| format!("AlmaLinux:{major}")),
            "rocky" => self.major().map(|major| format!("Rocky Linux:{major}")),
            _ => None,
        }
    }

    fn major(&self) -> Option<&str> {
        self.version_id
            .as_deref()
            .and_then(|v| v.split('.').next())
            .filter(|m| !m.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_files_name_the_osv_release() {
        let debian = parse("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n").unwrap();
        assert_eq!(debian.osv_ecosystem().as_deref(), Some("Debian:12"));
        let alpine = parse("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.4\n").unwrap();
        assert_eq!(alpine.osv_ecosystem().as_deref(), Some("Alpine:v3.18"));
        let sid = parse("ID=debian\nVERSION_CODENAME=trixie\n").unwrap();
        assert_eq!(sid.osv_ecosystem().as_deref(), Some("Debian"));
        let ubuntu = parse("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\n").unwrap();
        assert_eq!(ubuntu.id, "ubuntu");
        assert_eq!(
            ubuntu.osv_ecosystem(),
            None,
            "Ubuntu's dpkg packages are not Debian's"
        );
        assert_eq!(parse("garbage\n=\nID=\n"), None);
    }

    #[test]
    fn the_root_is_found_from_the_database_path() {
        struct One;
        impl FileSource for One {
            fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
                match path.to_str() {
                    Some("img/usr/lib/os-release") => Ok(b"ID=debian\nVERSION_ID=11\n".to_vec()),
                    _ => Err(std::io::ErrorKind::NotFound.into()),
                }
            }
        }
        let distro = of_database(Path::new("img/var/lib/dpkg/status"), &One).unwrap();
        assert_eq!(distro.osv_ecosystem().as_deref(), Some("Debian:11"));
        assert_eq!(
            of_database(Path::new("other/var/lib/dpkg/status"), &One),
            None
        );
        assert_eq!(of_database(Path::new("Cargo.lock"), &One), None);
    }
}
