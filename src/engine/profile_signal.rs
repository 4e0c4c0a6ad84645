//! Device profiles in the engine: REGISTERs noted by the sensor, joined at SuccessfulAuth;
//! a login from a User-Agent and a network both new to the account raises the
//! `stolen_credentials` signal (the account's risk, an alert, the call guard's restriction).

use std::net::{IpAddr, SocketAddr};

use super::Engine;
use super::device_profiles::{DeviceProfile, RegisterSeen};
use super::rules::Findings;
use crate::decision::RuleId;
use crate::util::escape::for_log;
use crate::util::time::Millis;

impl Engine {
    /// A REGISTER the sensor saw, waiting for its login.
    pub fn note_register(&mut self, seen: RegisterSeen, now: Millis) {
        self.profiles.note_register(seen, now);
    }

    pub(super) fn profile_login(
        &mut self,
        account: &str,
        ip: IpAddr,
        port: u16,
        now: Millis,
        findings: &mut Findings,
    ) {
        let s = &self.cfg.sensor;
        let (max_accounts, max_entries, signal) =
            (s.profile_accounts, s.profile_entries, s.profile_signal);
        let Some(stranger) = self.profiles.on_login(
            account,
            SocketAddr::new(ip, port),
            now,
            max_accounts,
            max_entries,
        ) else {
            return;
        };
        if signal {
            findings.alerts.push((
                RuleId::StolenCredentials,
                format!(
                    "successful login as \"{}\" from {ip} with User-Agent \"{}\": neither the device nor the network ({}) was seen for this account before",
                    for_log(account),
                    for_log(&stranger.user_agent),
                    stranger.network
                ),
            ));
        }
    }

    /// The account's device profile (`secast show account`).
    pub fn device_profile(&self, account: &str) -> Option<&DeviceProfile> {
        self.profiles.profile(account)
    }

    /// Every profile, for saving.
    pub fn device_profiles(&self) -> &super::DeviceProfiles {
        &self.profiles
    }

    /// Whether profiles changed since the last call.
    pub fn profiles_changed(&mut self) -> bool {
        self.profiles.take_dirty()
    }

    /// A save failed: the profiles are saved again next time.
    pub fn profiles_unsaved(&mut self) {
        self.profiles.mark_dirty();
    }

    /// Profiles read back from their file at load.
    pub fn restore_profile(&mut self, account: &str, profile: DeviceProfile) {
        self.profiles.restore(account, profile);
    }
}
