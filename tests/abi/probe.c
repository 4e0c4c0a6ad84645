/*
 * Prints the size of every struct res_secast declares and the offset of every field it uses.
 * Built twice by tests/abi/check.sh: once against our asterisk-headers/secast_asterisk.h and
 * once against the real headers of Debian's asterisk-dev; the two outputs must be identical.
 */
#include <stddef.h>
#include <stdio.h>

#ifdef SECAST_REAL_HEADERS
#include "asterisk.h"
#include "asterisk/module.h"
#include "asterisk/logger.h"
#include "asterisk/cli.h"
#include "asterisk/pbx.h"
#include "asterisk/config.h"
#include "asterisk/json.h"
#include "asterisk/stasis.h"
#include "asterisk/manager.h"
#include "asterisk/options.h"
#include "asterisk/astobj2.h"
#include "asterisk/sorcery.h"
#define SECAST_OPT_FLAG_FULLY_BOOTED AST_OPT_FLAG_FULLY_BOOTED
#include "asterisk/utils.h"
#include "asterisk/paths.h"
#include "asterisk/astobj2.h"
#include "asterisk/devicestate.h"
#include "asterisk/sorcery.h"
#include "asterisk/app.h"
#define SECAST_EVENT_FLAG_SECURITY EVENT_FLAG_SECURITY
#define SECAST_EVENT_FLAG_REPORTING EVENT_FLAG_REPORTING
#define SECAST_MAX_MANHEADERS AST_MAX_MANHEADERS
typedef int (*secast_manager_action)(struct mansession *s, const struct message *m);
#include "asterisk/channel.h"
#include "asterisk/datastore.h"
#include "asterisk/stasis_channels.h"
#define SECAST_EVENT_FLAG_SECURITY EVENT_FLAG_SECURITY
#define SECAST_SOFTHANGUP_EXPLICIT AST_SOFTHANGUP_EXPLICIT
#define SECAST_FLAG_OUTGOING AST_FLAG_OUTGOING
#define SECAST_FLAG_DEAD AST_FLAG_DEAD
#else
#include "secast_asterisk.h"
#endif

/* A function we declare must have the real one's exact type (compile-time check, both builds). */
#define SAME_TYPE(f, type) \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&f), type), #f " has another type")

SAME_TYPE(ast_manager_register2, int (*)(const char *, int, secast_manager_action,
	struct ast_module *, const char *, const char *));
SAME_TYPE(ast_manager_unregister, int (*)(const char *));
SAME_TYPE(astman_get_header, const char *(*)(const struct message *, char *));
SAME_TYPE(astman_send_error, void (*)(struct mansession *, const struct message *, char *));
SAME_TYPE(astman_send_ack, void (*)(struct mansession *, const struct message *, char *));
SAME_TYPE(astman_send_listack, void (*)(struct mansession *, const struct message *, char *,
	char *));
SAME_TYPE(astman_send_list_complete_start, void (*)(struct mansession *,
	const struct message *, const char *, int));
SAME_TYPE(astman_send_list_complete_end, void (*)(struct mansession *));
SAME_TYPE(astman_append, void (*)(struct mansession *, const char *, ...));
SAME_TYPE(ast_replace_sigchld, void (*)(void));
SAME_TYPE(ast_unreplace_sigchld, void (*)(void));
SAME_TYPE(ast_module_check, int (*)(const char *));
SAME_TYPE(ast_sorcery_retrieve_by_id, void *(*)(const struct ast_sorcery *, const char *,
	const char *));
SAME_TYPE(ast_sorcery_delete, int (*)(const struct ast_sorcery *, void *));

#define SIZE(t) printf("sizeof %-28s %zu\n", #t, sizeof(struct t))
#define OFF(t, f) printf("offset %-28s %-18s %zu\n", #t, #f, offsetof(struct t, f))

int main(void)
{
	SIZE(ast_module_info);
	OFF(ast_module_info, self);
	OFF(ast_module_info, load);
	OFF(ast_module_info, reload);
	OFF(ast_module_info, unload);
	OFF(ast_module_info, name);
	OFF(ast_module_info, description);
	OFF(ast_module_info, key);
	OFF(ast_module_info, flags);
	OFF(ast_module_info, buildopt_sum);
	OFF(ast_module_info, load_pri);
	OFF(ast_module_info, requires);
	OFF(ast_module_info, optional_modules);
	OFF(ast_module_info, enhances);
	OFF(ast_module_info, reserved1);
	OFF(ast_module_info, reserved4);
	OFF(ast_module_info, support_level);

	SIZE(ast_cli_entry);
	OFF(ast_cli_entry, cmda);
	OFF(ast_cli_entry, summary);
	OFF(ast_cli_entry, usage);
	OFF(ast_cli_entry, inuse);
	OFF(ast_cli_entry, module);
	OFF(ast_cli_entry, _full_cmd);
	OFF(ast_cli_entry, cmdlen);
	OFF(ast_cli_entry, args);
	OFF(ast_cli_entry, command);
	OFF(ast_cli_entry, handler);
	OFF(ast_cli_entry, list);

	SIZE(ast_cli_args);
	OFF(ast_cli_args, fd);
	OFF(ast_cli_args, argc);
	OFF(ast_cli_args, argv);
	OFF(ast_cli_args, line);
	OFF(ast_cli_args, word);
	OFF(ast_cli_args, pos);
	OFF(ast_cli_args, n);

	SIZE(ast_custom_function);
	OFF(ast_custom_function, name);
	OFF(ast_custom_function, synopsis);
	OFF(ast_custom_function, desc);
	OFF(ast_custom_function, syntax);
	OFF(ast_custom_function, arguments);
	OFF(ast_custom_function, seealso);
	OFF(ast_custom_function, docsrc);
	OFF(ast_custom_function, read);
	OFF(ast_custom_function, read2);
	OFF(ast_custom_function, read_max);
	OFF(ast_custom_function, write);
	OFF(ast_custom_function, mod);
	OFF(ast_custom_function, acflist);
	OFF(ast_custom_function, since);
	OFF(ast_custom_function, provided_by);

	SIZE(ast_flags);
	SIZE(ast_variable);
	OFF(ast_variable, name);
	OFF(ast_variable, value);
	OFF(ast_variable, next);
	OFF(ast_variable, file);
	OFF(ast_variable, lineno);

	OFF(ast_variable, inherited);

	SIZE(ast_flags64);
	OFF(ast_flags64, flags);

	SIZE(ao2_iterator);
	OFF(ao2_iterator, c);
	OFF(ao2_iterator, last_node);
	OFF(ao2_iterator, complete);
	OFF(ao2_iterator, flags);

	SIZE(ast_json_payload);
	OFF(ast_json_payload, json);

	SIZE(ast_eid);
	SIZE(ast_device_state_message);
	OFF(ast_device_state_message, device);
	OFF(ast_device_state_message, eid);
	OFF(ast_device_state_message, state);
	OFF(ast_device_state_message, cachable);

	SIZE(ast_sorcery_observer);
	OFF(ast_sorcery_observer, created);
	OFF(ast_sorcery_observer, updated);
	OFF(ast_sorcery_observer, deleted);
	OFF(ast_sorcery_observer, loaded);
	SIZE(ao2_iterator);
	OFF(ao2_iterator, c);
	OFF(ao2_iterator, last_node);
	OFF(ao2_iterator, complete);
	OFF(ao2_iterator, flags);
	SIZE(message);
	OFF(message, hdrcount);
	OFF(message, headers);
	OFF(ast_channel_tech, type);

	SIZE(ast_datastore_info);
	OFF(ast_datastore_info, type);
	OFF(ast_datastore_info, duplicate);
	OFF(ast_datastore_info, destroy);
	OFF(ast_datastore_info, chan_fixup);
	OFF(ast_datastore_info, chan_breakdown);
	SIZE(ast_datastore);
	OFF(ast_datastore, uid);
	OFF(ast_datastore, data);
	OFF(ast_datastore, info);
	OFF(ast_datastore, mod);
	OFF(ast_datastore, inheritance);
	OFF(ast_datastore, entry);

	SIZE(ast_channel_snapshot_update);
	OFF(ast_channel_snapshot_update, old_snapshot);
	OFF(ast_channel_snapshot_update, new_snapshot);
	SIZE(ast_channel_snapshot);
	OFF(ast_channel_snapshot, base);
	OFF(ast_channel_snapshot, peer);
	OFF(ast_channel_snapshot, hangup);
	OFF(ast_channel_snapshot, state);
	OFF(ast_channel_snapshot, flags);
	OFF(ast_channel_snapshot, ari_vars);
	SIZE(ast_channel_snapshot_base);
	OFF(ast_channel_snapshot_base, name);
	OFF(ast_channel_snapshot_base, uniqueid);
	OFF(ast_channel_snapshot_base, accountcode);
	OFF(ast_channel_snapshot_base, type);
	OFF(ast_channel_snapshot_base, tenantid);
	OFF(ast_channel_snapshot_base, creationtime);
	OFF(ast_channel_snapshot_base, protocol_id);
	OFF(ast_channel_snapshot_peer, linkedid);
	OFF(ast_channel_snapshot_hangup, cause);

	/* Enum values the module passes to Asterisk. */
	printf("value AST_MODULE_LOAD_DECLINE %d\n", (int)AST_MODULE_LOAD_DECLINE);
	printf("value AST_MODFLAG_LOAD_ORDER %d\n", (int)AST_MODFLAG_LOAD_ORDER);
	printf("value AST_MODULE_SUPPORT_EXTENDED %d\n", (int)AST_MODULE_SUPPORT_EXTENDED);
	printf("value CLI_INIT %d CLI_GENERATE %d\n", (int)CLI_INIT, (int)CLI_GENERATE);
	printf("value STASIS_SUBSCRIPTION_FILTER_SELECTIVE %d\n",
		(int)STASIS_SUBSCRIPTION_FILTER_SELECTIVE);
	printf("value AST_JSON_INTEGER %d\n", (int)AST_JSON_INTEGER);
	printf("value EVENT_FLAG_SECURITY %d\n", (int)SECAST_EVENT_FLAG_SECURITY);
	printf("value AST_OPT_FLAG_FULLY_BOOTED %d\n", (int)SECAST_OPT_FLAG_FULLY_BOOTED);
	printf("value AST_RETRIEVE_FLAG_MULTIPLE %d AST_RETRIEVE_FLAG_ALL %d\n",
		(int)AST_RETRIEVE_FLAG_MULTIPLE, (int)AST_RETRIEVE_FLAG_ALL);
	printf("value AST_HANDLER_PREFER_LIST %d\n", (int)AST_HANDLER_PREFER_LIST);
	printf("value AST_MODULE_SUPPORT_CORE %d\n", (int)AST_MODULE_SUPPORT_CORE);
	printf("value AST_DEVICE_UNKNOWN %d NOT_INUSE %d INUSE %d BUSY %d INVALID %d\n",
		(int)AST_DEVICE_UNKNOWN, (int)AST_DEVICE_NOT_INUSE, (int)AST_DEVICE_INUSE,
		(int)AST_DEVICE_BUSY, (int)AST_DEVICE_INVALID);
	printf("value AST_DEVICE_UNAVAILABLE %d RINGING %d RINGINUSE %d ONHOLD %d TOTAL %d\n",
		(int)AST_DEVICE_UNAVAILABLE, (int)AST_DEVICE_RINGING, (int)AST_DEVICE_RINGINUSE,
		(int)AST_DEVICE_ONHOLD, (int)AST_DEVICE_TOTAL);
	printf("value AST_DEVSTATE_CACHABLE %d\n", (int)AST_DEVSTATE_CACHABLE);
	printf("value OBJ_NODATA %d\n", (int)OBJ_NODATA);
	printf("value AST_RETRIEVE_FLAG_MULTIPLE %d ALL %d\n", (int)AST_RETRIEVE_FLAG_MULTIPLE,
		(int)AST_RETRIEVE_FLAG_ALL);
	printf("value AST_HANDLER_ONLY_STRING %d\n", (int)AST_HANDLER_ONLY_STRING);
	printf("value EVENT_FLAG_REPORTING %d\n", (int)SECAST_EVENT_FLAG_REPORTING);
	printf("value AST_MAX_MANHEADERS %d\n", (int)SECAST_MAX_MANHEADERS);
	printf("value AST_SOFTHANGUP_EXPLICIT %d\n", (int)SECAST_SOFTHANGUP_EXPLICIT);
	printf("value AST_FLAG_OUTGOING %d AST_FLAG_DEAD %d\n", (int)SECAST_FLAG_OUTGOING,
		(int)SECAST_FLAG_DEAD);
	printf("value AO2_LOCK_REQ_MUTEX %d\n", (int)AO2_LOCK_REQ_MUTEX);
	return 0;
}
