/*
 * res_secast: the subset of the Asterisk 22 module ABI that res_secast uses.
 *
 * Written for this project from the layout facts in docs/asterisk-abi.md (x86_64, LP64);
 * it is not a copy of Asterisk's headers. Struct tags and field names follow Asterisk's so
 * that tests/abi_probe.c can compile the same size/offset probe against this file and against
 * the real headers of the asterisk-dev package and compare the two.
 *
 * Layouts are fixed by the running Asterisk, not by us: any change here must be checked with
 * `make abi-check`.
 */
#ifndef SECAST_ASTERISK_H
#define SECAST_ASTERISK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/time.h>

struct ast_module;
struct ast_channel;
struct ast_str;
struct ast_config;
struct ast_json;
struct ast_string_field_pool;
struct stasis_topic;
struct stasis_subscription;
struct stasis_message;
struct stasis_message_type;
struct ast_multi_channel_blob;
struct ast_channel_snapshot_caller;
struct ast_channel_snapshot_connected;
struct ast_channel_snapshot_bridge;
struct ast_channel_snapshot_dialplan;
struct varshead;

/* ---- module.h ---------------------------------------------------------------------------- */

enum ast_module_load_result {
	AST_MODULE_LOAD_SUCCESS = 0,
	AST_MODULE_LOAD_DECLINE = 1,
	AST_MODULE_LOAD_SKIP = 2,
	AST_MODULE_LOAD_PRIORITY = 3,
	AST_MODULE_LOAD_FAILURE = -1,
};

enum ast_module_support_level {
	AST_MODULE_SUPPORT_UNKNOWN = 0,
	AST_MODULE_SUPPORT_CORE = 1,
	AST_MODULE_SUPPORT_EXTENDED = 2,
	AST_MODULE_SUPPORT_DEPRECATED = 3,
};

enum ast_module_flags {
	AST_MODFLAG_DEFAULT = 0,
	AST_MODFLAG_GLOBAL_SYMBOLS = 1 << 0,
	AST_MODFLAG_LOAD_ORDER = 1 << 1,
};

/* 160 bytes. The loader writes `self`, so the instance must live in writable memory. */
struct ast_module_info {
	struct ast_module *self;
	enum ast_module_load_result (*load)(void);
	int (*reload)(void);
	int (*unload)(void);
	const char *name;
	const char *description;
	const char *key;
	unsigned int flags;
	char buildopt_sum[33];
	unsigned char load_pri;
	const char *requires;
	const char *optional_modules;
	const char *enhances;
	void *reserved1;
	void *reserved2;
	void *reserved3;
	void *reserved4;
	enum ast_module_support_level support_level;
};

void ast_module_register(const struct ast_module_info *info);
void ast_module_unregister(const struct ast_module_info *info);

/* ---- logger.h ---------------------------------------------------------------------------- */

/* Levels passed to ast_log (the __LOG_* values). */
enum secast_log_level {
	SECAST_LOG_DEBUG = 0,
	SECAST_LOG_NOTICE = 2,
	SECAST_LOG_WARNING = 3,
	SECAST_LOG_ERROR = 4,
	SECAST_LOG_VERBOSE = 5,
};

void ast_log(int level, const char *file, int line, const char *function, const char *fmt, ...);
extern int option_debug;

/* ---- paths.h ----------------------------------------------------------------------------- */

/* astvarlibdir: where res_secast keeps its ledger by default. */
extern const char *ast_config_AST_VAR_DIR;

/* ---- manager.h --------------------------------------------------------------------------- */

enum secast_manager_event_flag {
	SECAST_EVENT_FLAG_REPORTING = 1 << 9,
	SECAST_EVENT_FLAG_SECURITY = 1 << 18,
};

int __ast_manager_event_multichan(int category, const char *event, int chancount,
	struct ast_channel **chans, const char *file, int line, const char *func,
	const char *contents, ...);

/* AMI actions. A session is private to Asterisk (and lives on its thread's stack: never
 * kept after an action returns); a message is the request's headers. */
struct mansession;

enum secast_manager_limits {
	SECAST_MAX_MANHEADERS = 128,
};

/* 1032 bytes. Read only through astman_get_header. */
struct message {
	unsigned int hdrcount;
	const char *headers[SECAST_MAX_MANHEADERS];
};

typedef int (*secast_manager_action)(struct mansession *s, const struct message *m);

/* Asterisk keeps the `action` pointer (static text); synopsis and description are copied.
 * Only the session's write permission is checked against `authority`. */
int ast_manager_register2(const char *action, int authority, secast_manager_action func,
	struct ast_module *module, const char *synopsis, const char *description);
int ast_manager_unregister(const char *action);
/* Never NULL: "" when the header is absent. `var` is only read. */
const char *astman_get_header(const struct message *m, char *var);
void astman_send_error(struct mansession *s, const struct message *m, char *error);
void astman_send_ack(struct mansession *s, const struct message *m, char *msg);
void astman_send_listack(struct mansession *s, const struct message *m, char *msg,
	char *listflag);
void astman_send_list_complete_start(struct mansession *s, const struct message *m,
	const char *event_name, int count);
void astman_send_list_complete_end(struct mansession *s);
void astman_append(struct mansession *s, const char *fmt, ...);

/* ---- app.h ------------------------------------------------------------------------------ */

/* Asterisk's SIGCHLD handler reaps every child (waitpid(-1)), which would take the exit status
 * of a program we wait for. While one of ours runs, the handler is replaced (a counted,
 * nested replacement, as ast_safe_system does). */
void ast_replace_sigchld(void);
void ast_unreplace_sigchld(void);

/* ---- astmm.h ----------------------------------------------------------------------------- */

/* Memory that Asterisk later frees (CLI completions) must come from its allocator. */
char *__ast_strdup(const char *s, const char *file, int lineno, const char *func);

/* ---- cli.h ------------------------------------------------------------------------------- */

enum ast_cli_command {
	CLI_INIT = -2,
	CLI_GENERATE = -3,
	CLI_HANDLER = -4,
};

struct ast_cli_args {
	const int fd;
	const int argc;
	const char *const *argv;
	const char *line;
	const char *word;
	const int pos;
	const int n;
};

struct ast_cli_entry;
typedef char *(*secast_cli_handler)(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a);

/* 200 bytes. Asterisk rewrites cmda, command, _full_cmd and list while registered. */
struct ast_cli_entry {
	const char *cmda[16];
	const char *summary;
	const char *usage;
	int inuse;
	struct ast_module *module;
	char *_full_cmd;
	int cmdlen;
	int args;
	char *command;
	secast_cli_handler handler;
	struct {
		struct ast_cli_entry *next;
	} list;
};

int __ast_cli_register_multiple(struct ast_cli_entry *e, int len, struct ast_module *mod);
int ast_cli_unregister_multiple(struct ast_cli_entry *e, int len);
void ast_cli(int fd, const char *fmt, ...);

/* ---- pbx.h (dialplan functions) ---------------------------------------------------------- */

struct ast_string_field_mgr {
	const char *last_alloc;
	struct ast_string_field_pool *embedded_pool;
	struct {
		const char ***elems;
		size_t max;
		size_t current;
	} string_fields;
};

typedef int (*ast_acf_read_fn_t)(struct ast_channel *chan, const char *function, char *data,
	char *buf, size_t len);
typedef int (*ast_acf_read2_fn_t)(struct ast_channel *chan, const char *cmd, char *data,
	struct ast_str **str, ssize_t len);
typedef int (*ast_acf_write_fn_t)(struct ast_channel *chan, const char *function, char *data,
	const char *value);

/* 176 bytes since Asterisk 22.9 (since: 22.2, provided_by: 22.9). Declaring the longest
 * layout and zeroing it is safe on the older 22.x releases too. */
struct ast_custom_function {
	const char *name;
	struct ast_string_field_pool *__field_mgr_pool;
	const char *synopsis;
	const char *desc;
	const char *syntax;
	const char *arguments;
	const char *seealso;
	struct ast_string_field_mgr __field_mgr;
	int docsrc;
	ast_acf_read_fn_t read;
	ast_acf_read2_fn_t read2;
	size_t read_max;
	ast_acf_write_fn_t write;
	struct ast_module *mod;
	unsigned int read_escalates:1;
	unsigned int write_escalates:1;
	struct {
		struct ast_custom_function *next;
	} acflist;
	const char *since;
	const char *provided_by;
};

int __ast_custom_function_register(struct ast_custom_function *acf, struct ast_module *mod);
int ast_custom_function_unregister(struct ast_custom_function *acf);

/* ---- config.h ---------------------------------------------------------------------------- */

struct ast_flags {
	unsigned int flags;
};

struct ast_comment;

struct ast_variable {
	const char *name;
	const char *value;
	struct ast_variable *next;
	const char *file;
	int lineno;
	int object;
	int blanklines;
	int inherited;
	struct ast_comment *precomments;
	struct ast_comment *sameline;
	struct ast_comment *trailing;
};

struct ast_config *ast_config_load2(const char *filename, const char *who_asked,
	struct ast_flags flags);
void ast_variables_destroy(struct ast_variable *var);
void ast_config_destroy(struct ast_config *cfg);
char *ast_category_browse(struct ast_config *config, const char *prev_name);
struct ast_variable *ast_variable_browse(const struct ast_config *config,
	const char *category_name);

/* ---- stasis.h / security_events.h --------------------------------------------------------- */

enum stasis_subscription_message_filter {
	STASIS_SUBSCRIPTION_FILTER_NONE = 0,
	STASIS_SUBSCRIPTION_FILTER_FORCED_NONE = 1,
	STASIS_SUBSCRIPTION_FILTER_SELECTIVE = 2,
};

typedef void (*stasis_subscription_cb)(void *data, struct stasis_subscription *sub,
	struct stasis_message *message);

struct stasis_subscription *__stasis_subscribe(struct stasis_topic *topic,
	stasis_subscription_cb callback, void *data, const char *file, int lineno,
	const char *func);
struct stasis_subscription *stasis_unsubscribe_and_join(struct stasis_subscription *subscription);
int stasis_subscription_accept_message_type(struct stasis_subscription *subscription,
	const struct stasis_message_type *type);
int stasis_subscription_set_filter(struct stasis_subscription *subscription,
	enum stasis_subscription_message_filter filter);
int stasis_subscription_set_congestion_limits(struct stasis_subscription *subscription,
	long low_water, long high_water);
struct stasis_message_type *stasis_message_type(const struct stasis_message *msg);
void *stasis_message_data(const struct stasis_message *msg);

struct stasis_topic *ast_security_topic(void);
struct stasis_message_type *ast_security_event_type(void);

/* ---- json.h ------------------------------------------------------------------------------ */

enum ast_json_type {
	AST_JSON_OBJECT = 0,
	AST_JSON_ARRAY,
	AST_JSON_STRING,
	AST_JSON_INTEGER,
	AST_JSON_REAL,
	AST_JSON_TRUE,
	AST_JSON_FALSE,
	AST_JSON_NULL,
};

/* The payload of a security-event stasis message. */
struct ast_json_payload {
	struct ast_json *json;
};

struct ast_json *ast_json_object_get(struct ast_json *object, const char *key);
const char *ast_json_string_get(const struct ast_json *string);
intmax_t ast_json_integer_get(const struct ast_json *integer);
enum ast_json_type ast_json_typeof(const struct ast_json *value);

/* ---- options.h --------------------------------------------------------------------------- */

struct ast_flags64 {
	uint64_t flags;
};

/* Asterisk's run-time options; bit AST_OPT_FLAG_FULLY_BOOTED is set once start-up is over. */
extern struct ast_flags64 ast_options;

enum secast_option_flag {
	SECAST_OPT_FLAG_FULLY_BOOTED = 1 << 9,
};

/* ---- manager.h (the manager topic: FullyBooted and Reload) ------------------------------- */

struct stasis_topic *ast_manager_get_topic(void);
struct stasis_message_type *ast_manager_get_generic_type(void);

/* ---- module.h (which modules run) -------------------------------------------------------- */

typedef int (*secast_module_list_cb)(const char *module, const char *description, int usecnt,
	const char *status, const char *like, enum ast_module_support_level support_level,
	void *data);

int ast_update_module_list_data(secast_module_list_cb modentry, const char *like, void *data);

/* ---- astobj2.h / sorcery.h (PJSIP objects; ast_sip_get_sorcery is looked up with dlsym) --- */

struct ao2_container;
struct ast_sorcery;

/* 24 bytes; returned by value from ao2_iterator_init. */
struct ao2_iterator {
	struct ao2_container *c;
	void *last_node;
	int complete;
	int flags;
};

struct ao2_iterator ao2_iterator_init(struct ao2_container *c, int flags);
void *__ao2_iterator_next(struct ao2_iterator *iter, const char *tag, const char *file,
	int line, const char *func);
void ao2_iterator_destroy(struct ao2_iterator *iter);
int __ao2_ref(void *o, int delta, const char *tag, const char *file, int line,
	const char *func);
/* ---- utils.h / paths.h: who this server is (the cluster) ----------------------------------- */

/* 6 bytes, packed: the entity ID distributed device state is keyed by. */
struct ast_eid {
	unsigned char eid[6];
} __attribute__((__packed__));

extern struct ast_eid ast_eid_default;
/* Never NULL; "" when asterisk.conf sets no systemname. */
extern const char *ast_config_AST_SYSTEM_NAME;

/* ---- astobj2.h (callbacks, for the cluster) ------------------------------------------------ */

/* Only the flags res_secast passes. */
enum search_flags {
	OBJ_NODATA = (1 << 1),
};

typedef int (ao2_callback_fn)(void *obj, void *arg, int flags);

void *__ao2_callback(struct ao2_container *c, enum search_flags flags, ao2_callback_fn *cb_fn,
	void *arg, const char *tag, const char *file, int line, const char *func);

/* ---- devicestate.h / stasis.h (cache) ------------------------------------------------------ */

struct stasis_cache;

/* Values fixed by Asterisk: they travel between servers. */
enum ast_device_state {
	AST_DEVICE_UNKNOWN = 0,
	AST_DEVICE_NOT_INUSE = 1,
	AST_DEVICE_INUSE = 2,
	AST_DEVICE_BUSY = 3,
	AST_DEVICE_INVALID = 4,
	AST_DEVICE_UNAVAILABLE = 5,
	AST_DEVICE_RINGING = 6,
	AST_DEVICE_RINGINUSE = 7,
	AST_DEVICE_ONHOLD = 8,
	AST_DEVICE_TOTAL = 9,
};

enum ast_devstate_cache {
	AST_DEVSTATE_NOT_CACHABLE = 0,
	AST_DEVSTATE_CACHABLE = 1,
};

/* 24 bytes. `eid` NULL: the aggregate over every server; equal to ast_eid_default: this
 * server's own state; anything else: another server's. (A flexible array follows, unused.) */
struct ast_device_state_message {
	const char *device;
	const struct ast_eid *eid;
	enum ast_device_state state;
	enum ast_devstate_cache cachable;
};

struct stasis_topic *ast_device_state_topic_all(void);
struct stasis_cache *ast_device_state_cache(void);
struct stasis_message_type *ast_device_state_message_type(void);
int ast_publish_device_state_full(const char *device, enum ast_device_state state,
	enum ast_devstate_cache cachable, struct ast_eid *eid);

struct ao2_container *stasis_cache_dump_by_eid(struct stasis_cache *cache,
	struct stasis_message_type *type, const struct ast_eid *eid);
struct stasis_message *stasis_cache_clear_create(struct stasis_message *message);
void stasis_publish(struct stasis_topic *topic, struct stasis_message *message);

/* ---- sorcery.h (PJSIP contacts) ----------------------------------------------------------- */

/* 32 bytes. Registered by address: the same instance must be passed to remove. */
struct ast_sorcery_observer {
	void (*created)(const void *object);
	void (*updated)(const void *object);
	void (*deleted)(const void *object);
	void (*loaded)(const char *object_type);
};

enum ast_sorcery_retrieve_flags {
	AST_RETRIEVE_FLAG_DEFAULT = 0,
	AST_RETRIEVE_FLAG_MULTIPLE = (1 << 0),
	AST_RETRIEVE_FLAG_ALL = (1 << 1),
};

enum ast_sorcery_field_handler_flags {
	AST_HANDLER_PREFER_STRING = 0,
	AST_HANDLER_PREFER_LIST = 1,
	AST_HANDLER_ONLY_STRING = 2,
	AST_HANDLER_ONLY_LIST = 3,
};

/* res_pjsip opens its sorcery under its module name: this finds it without linking against
 * res_pjsip.so (a reference to release with __ao2_ref(-1)). */
struct ast_sorcery *ast_sorcery_retrieve_by_module_name(const char *module_name);
int ast_sorcery_observer_add(const struct ast_sorcery *sorcery, const char *type,
	const struct ast_sorcery_observer *callbacks);
void ast_sorcery_observer_remove(const struct ast_sorcery *sorcery, const char *type,
	const struct ast_sorcery_observer *callbacks);
struct ast_variable *ast_sorcery_objectset_create2(const struct ast_sorcery *sorcery,
	const void *object, enum ast_sorcery_field_handler_flags flags);
void *ast_sorcery_retrieve_by_fields(const struct ast_sorcery *sorcery, const char *type,
	unsigned int flags, struct ast_variable *fields);
const char *ast_sorcery_object_get_id(const void *object);
void ast_variables_destroy(struct ast_variable *var);
/* The sensor's contact removal: one contact by id, deleted (what res_pjsip's own
 * ast_sip_location_delete_contact does with its sorcery). */
void *ast_sorcery_retrieve_by_id(const struct ast_sorcery *sorcery, const char *type,
	const char *id);
int ast_sorcery_delete(const struct ast_sorcery *sorcery, void *object);

/* ---- pbx.h (walking the loaded dialplan) ------------------------------------------------- */

struct ast_context;
struct ast_exten;
struct ast_include;

int ast_rdlock_contexts(void);
int ast_unlock_contexts(void);
int ast_rdlock_context(struct ast_context *con);
int ast_unlock_context(struct ast_context *con);
struct ast_context *ast_walk_contexts(struct ast_context *con);
const char *ast_get_context_name(struct ast_context *con);
struct ast_exten *ast_walk_context_extensions(struct ast_context *con, struct ast_exten *exten);
struct ast_exten *ast_walk_extension_priorities(struct ast_exten *exten,
	struct ast_exten *priority);
const char *ast_get_extension_name(struct ast_exten *exten);
int ast_get_extension_priority(struct ast_exten *exten);
int ast_get_extension_matchcid(struct ast_exten *e);
const char *ast_get_extension_cidmatch(struct ast_exten *e);
const char *ast_get_extension_app(struct ast_exten *e);
void *ast_get_extension_app_data(struct ast_exten *e);
const char *ast_get_extension_label(struct ast_exten *e);
const char *ast_get_extension_registrar_file(struct ast_exten *e);
int ast_get_extension_registrar_line(struct ast_exten *e);
int ast_context_includes_count(const struct ast_context *con);
const struct ast_include *ast_context_includes_get(const struct ast_context *con, int idx);
const char *ast_get_include_name(const struct ast_include *include);
/* ---- channel.h, pbx.h: the channel a dialplan function runs on ---------------------------- */

/* Only the first field, the technology's name ("PJSIP", "Local"), is ever read; the struct is
 * never allocated or copied by us, so the rest is left undeclared. */
struct ast_channel_tech {
	const char *type;
};

const char *ast_channel_name(const struct ast_channel *chan);
const char *ast_channel_uniqueid(const struct ast_channel *chan);
const struct ast_channel_tech *ast_channel_tech(const struct ast_channel *chan);
int ast_func_read(struct ast_channel *chan, const char *function, char *workspace, size_t len);
int pbx_builtin_setvar_helper(struct ast_channel *chan, const char *name, const char *value);

/* A new channel reference (release with __ao2_ref(chan, -1, ...)) or NULL. */
struct ast_channel *ast_channel_get_by_uniqueid(const char *uniqueid);
int ast_softhangup(struct ast_channel *chan, int cause);

/* AST_SOFTHANGUP_EXPLICIT: a hang-up asked for by a module or the CLI. */
enum secast_softhangup {
	SECAST_SOFTHANGUP_EXPLICIT = 1 << 5,
};

/* ---- astobj2.h: channel locks and references (the macros' targets) ----------------------- */

enum ao2_lock_req {
	AO2_LOCK_REQ_MUTEX = 0,
	AO2_LOCK_REQ_RDLOCK = 1,
	AO2_LOCK_REQ_WRLOCK = 2,
};

int __ao2_lock(void *a, enum ao2_lock_req lock_how, const char *file, const char *func, int line,
	const char *var);
int __ao2_unlock(void *a, const char *file, const char *func, int line, const char *var);

/* ---- datastore.h: a call's slot kept on its channel -------------------------------------- */

/* 40 bytes. Asterisk calls destroy(data) exactly once, when the datastore is freed (with the
 * channel, or when removed), and only if data is not NULL. */
struct ast_datastore_info {
	const char *type;
	void *(*duplicate)(void *data);
	void (*destroy)(void *data);
	void (*chan_fixup)(void *data, struct ast_channel *old_chan, struct ast_channel *new_chan);
	void (*chan_breakdown)(void *data, struct ast_channel *old_chan, struct ast_channel *new_chan);
};

/* 48 bytes. */
struct ast_datastore {
	const char *uid;
	void *data;
	const struct ast_datastore_info *info;
	struct ast_module *mod;
	unsigned int inheritance;
	struct {
		struct ast_datastore *next;
	} entry;
};

/* mod is referenced while the datastore lives: the module cannot be unloaded under it. */
struct ast_datastore *__ast_datastore_alloc(const struct ast_datastore_info *info,
	const char *uid, struct ast_module *mod, const char *file, int line, const char *function);
int ast_datastore_free(struct ast_datastore *datastore);
/* None of these lock the channel: callers hold the channel's lock around them. */
int ast_channel_datastore_add(struct ast_channel *chan, struct ast_datastore *datastore);
int ast_channel_datastore_remove(struct ast_channel *chan, struct ast_datastore *datastore);
struct ast_datastore *ast_channel_datastore_find(struct ast_channel *chan,
	const struct ast_datastore_info *info, const char *uid);

/* ---- stasis_channels.h: the passive watch ------------------------------------------------- */

struct stasis_topic *ast_channel_topic_all(void);
struct stasis_message_type *ast_channel_dial_type(void);
struct stasis_message_type *ast_channel_snapshot_type(void);

/* Roles "caller" (absent for an originated call) and "peer"; borrowed for the callback. */
struct ast_channel_snapshot *ast_multi_channel_blob_get_channel(
	struct ast_multi_channel_blob *obj, const char *role);
/* {"dialstatus":S,"dialstring":S,"forward":S}; borrowed. */
struct ast_json *ast_multi_channel_blob_get_json(struct ast_multi_channel_blob *obj);

/* The payload of a snapshot message; old_snapshot is NULL for a new channel. */
struct ast_channel_snapshot_update {
	struct ast_channel_snapshot *old_snapshot;
	struct ast_channel_snapshot *new_snapshot;
};

/* 136 bytes; the const char * fields are Asterisk string fields. */
struct ast_channel_snapshot_base {
	struct ast_string_field_pool *__field_mgr_pool;
	const char *name;
	const char *uniqueid;
	const char *accountcode;
	const char *userfield;
	const char *language;
	const char *type;
	const char *tenantid;
	struct ast_string_field_mgr __field_mgr;
	struct timeval creationtime;
	int tech_properties;
	const char *protocol_id;
};

/* Only linkedid is read (a flexible array follows it). */
struct ast_channel_snapshot_peer {
	char *linkedid;
};

/* Only cause is read; the fields after it changed in 22.7. */
struct ast_channel_snapshot_hangup {
	int cause;
};

/* 88 bytes. state is an enum ast_channel_state in Asterisk, whose values can carry flag bits:
 * declared int here so that no value read is ever out of a Rust enum's range. */
struct ast_channel_snapshot {
	struct ast_channel_snapshot_base *base;
	struct ast_channel_snapshot_peer *peer;
	struct ast_channel_snapshot_caller *caller;
	struct ast_channel_snapshot_connected *connected;
	struct ast_channel_snapshot_bridge *bridge;
	struct ast_channel_snapshot_dialplan *dialplan;
	struct ast_channel_snapshot_hangup *hangup;
	int state;
	int amaflags;
	struct ast_flags flags;
	struct ast_flags softhangup_flags;
	struct varshead *manager_vars;
	struct varshead *ari_vars;
};

/* Channel flags (snapshot flags): the last snapshot of a destroyed channel carries DEAD; a
 * channel Asterisk placed (the B leg of a Dial, an originated channel) carries OUTGOING. */
enum secast_channel_flag {
	SECAST_FLAG_OUTGOING = 1 << 10,
	SECAST_FLAG_DEAD = 1 << 24,
};

/* ---- module.h: whether res_pjsip runs before the sensor looks its symbols up ------------- */
int ast_module_check(const char *name);

/* pjproject, as the sensor reads it */
#include "secast_pjsip.h"

#endif
