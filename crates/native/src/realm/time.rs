//! Time as the realm's `Date` sees it: the host clock (virtual in deterministic mode) and
//! the program's time zone, taken from its `TZ` as Node takes it from its own environment.

use std::rc::Rc;

use boa_engine::context::HostHooks;
use boa_engine::context::time::{Clock, JsInstant};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::shared::Shared;

/// boa's clock, read from the run's [`Shared`] clock, so that `Date.now()`, `new Date()`,
/// `performance.now()` and Go's `walltime` agree, and all stand still in deterministic mode
/// until the event loop moves them.
pub struct HostClock(pub Rc<Shared>);

impl Clock for HostClock {
    fn now(&self) -> JsInstant {
        let us = self.0.clock.now_us();
        JsInstant::new(us / 1_000_000, ((us % 1_000_000) * 1000) as u32)
    }

    fn system_time_millis(&self) -> i64 {
        (self.0.clock.origin_ms() + self.0.clock.now_ms()).floor() as i64
    }
}

/// Host hooks giving `Date` the program's local time zone.
pub struct ZoneHooks {
    zone: TimeZone,
}

impl ZoneHooks {
    /// The zone named by a `TZ` value (`None`: unset).
    pub fn new(tz: Option<&str>) -> Self {
        ZoneHooks { zone: zone(tz) }
    }
}

impl HostHooks for ZoneHooks {
    fn local_timezone_offset_seconds(&self, unix_time_seconds: i64) -> i32 {
        Timestamp::from_second(unix_time_seconds)
            .map(|t| self.zone.to_offset(t).seconds())
            .unwrap_or(0)
    }
}

/// How a `TZ` value selects a zone, as glibc and ICU read it: unset means the system's
/// `/etc/localtime`; empty means UTC; `:NAME` or `NAME` is an IANA name from the system's
/// zoneinfo, or a file when absolute, else a POSIX rule such as `EST5EDT`. Anything
/// unreadable is UTC, which is what Node shows for an unknown zone.
fn zone(tz: Option<&str>) -> TimeZone {
    let Some(tz) = tz else {
        return std::fs::read("/etc/localtime")
            .ok()
            .and_then(|d| TimeZone::tzif("localtime", &d).ok())
            .unwrap_or(TimeZone::UTC);
    };
    let name = tz.strip_prefix(':').unwrap_or(tz);
    if name.is_empty() {
        return TimeZone::UTC;
    }
    if name.starts_with('/') {
        return std::fs::read(name)
            .ok()
            .and_then(|d| TimeZone::tzif(name, &d).ok())
            .unwrap_or(TimeZone::UTC);
    }
    TimeZone::get(name)
        .or_else(|_| TimeZone::posix(name))
        .unwrap_or(TimeZone::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(tz: Option<&str>, secs: i64) -> i32 {
        ZoneHooks::new(tz).local_timezone_offset_seconds(secs)
    }

    #[test]
    fn zones_from_tz() {
        // 2024-01-15 and 2024-07-15, 12:00 UTC.
        let (winter, summer) = (1_705_320_000, 1_721_044_800);
        if std::path::Path::new("/usr/share/zoneinfo/Asia/Kolkata").exists() {
            assert_eq!(offset(Some("Asia/Kolkata"), winter), 19800);
            assert_eq!(offset(Some(":Europe/Berlin"), winter), 3600);
            assert_eq!(offset(Some("Europe/Berlin"), summer), 7200);
        }
        assert_eq!(offset(Some("EST5EDT,M3.2.0,M11.1.0"), winter), -5 * 3600);
        assert_eq!(offset(Some("EST5EDT,M3.2.0,M11.1.0"), summer), -4 * 3600);
        assert_eq!(offset(Some(""), summer), 0);
        assert_eq!(offset(Some("No/Such_Zone"), summer), 0);
    }
}
