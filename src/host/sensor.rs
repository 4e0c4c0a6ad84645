//! The PJSIP sensor's life in the module: started at load when res_pjsip runs, stopped at
//! unload. Everything it needs is checked first; on any failure only the sensor is off, with
//! one log line, and `secast show status` says why (the rest of res_secast runs).
//!
//! Load order: res_secast names res_pjsip in `optional_modules`, so when both load at start-up
//! res_pjsip runs first, and the loader's reference pins it while we are loaded (our
//! registered `pjsip_module` can never outlive res_pjsip's endpoint). A res_pjsip loaded
//! *later* is not attached to: without that reference an unload of res_pjsip could leave the
//! service behind. Status says so; `module unload res_secast.so` + `module load res_secast.so`
//! (or a restart) starts the sensor.

use super::ffi::log::host_log;
use super::ffi::{pjsip_selfcheck, pjsip_service, pjsip_symbols};
use crate::sensor::{Sensor, SensorState};
use crate::util::log::Level;
use std::sync::Arc;

/// Checks the running PJSIP and registers the service. The sensor is told the outcome.
pub fn start(sensor: Arc<Sensor>) {
    match attach(sensor.clone()) {
        Ok(pj_version) => {
            // Attached either way, so that a reload can turn it on; said plainly when it
            // passes everything.
            let judging = if sensor.judging() {
                ""
            } else {
                "; judging nothing: [sensor] enabled = no"
            };
            host_log!(
                Level::Notice,
                "PJSIP sensor on: pjproject {pj_version}, service priority {} (before the distributor){judging}",
                pjsip_service::PRIORITY
            );
            sensor.set_state(SensorState::On {
                pj_version,
                priority: pjsip_service::PRIORITY,
            });
        }
        Err(why) => {
            host_log!(
                Level::Notice,
                "PJSIP sensor off: {why}; the rest of res_secast runs"
            );
            sensor.set_state(SensorState::Off { why });
        }
    }
}

fn attach(sensor: Arc<Sensor>) -> Result<String, String> {
    let api = pjsip_symbols::resolve().map_err(|e| {
        format!("{e} (start res_pjsip before res_secast, then load res_secast again)")
    })?;
    let version = pjsip_selfcheck::version(&api)?;
    pjsip_selfcheck::layout(&api).map_err(|e| format!("layout check failed: {e}"))?;
    pjsip_service::attach(api, sensor)?;
    Ok(version)
}

/// Unregisters the service (no-op when it never started).
pub fn stop() {
    pjsip_service::detach();
}
