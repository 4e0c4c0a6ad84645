//! Generates the raw Asterisk bindings from our own header, and links the module so that it is
//! never unmapped (see `link_module_nodelete`).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "asterisk")]
    asterisk::generate();
}

#[cfg(feature = "asterisk")]
mod asterisk {
    use std::env;
    use std::path::PathBuf;

    const HEADER: &str = "asterisk-headers/secast_asterisk.h";

    pub fn generate() {
        println!("cargo:rerun-if-changed={HEADER}");
        println!("cargo:rerun-if-changed=asterisk-headers/secast_pjsip.h");
        let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        let bindings = bindgen::Builder::default()
            .header(HEADER)
            .allowlist_function(
                "(__)?ast_.*|__stasis_subscribe|stasis_.*|(__)?ao2_.*|astman_.*|pbx_builtin_setvar_helper",
            )
            .allowlist_type(
                "ast_.*|stasis_.*|secast_.*|ao2_.*|search_flags|message|mansession|ao2_lock_req|pj_.*|pjsip_.*",
            )
            .allowlist_var(
                "option_debug|ast_config_AST_VAR_DIR|ast_options|ast_eid_default|ast_config_AST_SYSTEM_NAME|SECAST_PJ.*",
            )
            .default_enum_style(bindgen::EnumVariation::Rust {
                non_exhaustive: false,
            })
            // Layout tests pin the Rust view to the header; the header is pinned to the real
            // Asterisk by tests/abi_probe.c.
            .layout_tests(true)
            .derive_default(true)
            .generate()
            .expect("bindgen failed on asterisk-headers/secast_asterisk.h");
        bindings
            .write_to_file(out.join("asterisk_sys.rs"))
            .expect("cannot write bindings");
        link_module_nodelete();
    }

    /// Asterisk dlcloses a module on unload. Once Rust's std has used threads inside the image,
    /// glibc either refuses to unmap it ("Failure in dlclose") or leaks a pthread key per cycle
    /// until Asterisk aborts with "out of TLS keys" (design.md §7). Marking the image
    /// NODELETE keeps it mapped for the life of the process: `module load` then re-runs
    /// `load()` on the same image, which the host layer is written to allow.
    fn link_module_nodelete() {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
}
