//! Work that must run on a PJSIP thread (one pjlib knows), started from any thread of ours:
//! `ast_sip_push_task_wait_servant` runs it on a SIP servant and waits. Used for the sensor's
//! contact removal (sorcery deletes whose observers reach into PJSIP).

use std::ffi::c_void;

use super::entry::asterisk_entry;
use super::pjsip_symbols;

type Job<'a> = Box<dyn FnOnce() + Send + 'a>;

asterisk_entry! {
    fn run_job(data: *mut c_void) -> i32, on_panic = -1, {
        // SAFETY: data is the Option<Job> that on_pjsip_thread passes and waits for.
        let slot = unsafe { &mut *(data as *mut Option<Job<'_>>) };
        if let Some(job) = slot.take() {
            job();
        }
        0
    }
}

/// Runs `job` on a PJSIP servant thread and waits for it. Err when res_pjsip does not run.
pub fn on_pjsip_thread(job: impl FnOnce() + Send) -> Result<(), String> {
    let api = pjsip_symbols::resolve()?;
    let mut slot: Option<Job<'_>> = Some(Box::new(job));
    // SAFETY: the task runs before this returns (wait); slot outlives it.
    let rc = unsafe {
        (api.push_task_wait_servant)(
            std::ptr::null_mut(),
            Some(run_job),
            (&raw mut slot).cast(),
            c"host/ffi/pjsip_task.rs".as_ptr(),
            line!() as i32,
            c"on_pjsip_thread".as_ptr(),
        )
    };
    if rc != 0 || slot.is_some() {
        return Err("could not run the task on a PJSIP thread".to_owned());
    }
    Ok(())
}
