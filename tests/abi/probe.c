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

	SIZE(ast_json_payload);
	OFF(ast_json_payload, json);

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
	printf("value AST_SOFTHANGUP_EXPLICIT %d\n", (int)SECAST_SOFTHANGUP_EXPLICIT);
	printf("value AST_FLAG_OUTGOING %d AST_FLAG_DEAD %d\n", (int)SECAST_FLAG_OUTGOING,
		(int)SECAST_FLAG_DEAD);
	printf("value AO2_LOCK_REQ_MUTEX %d\n", (int)AO2_LOCK_REQ_MUTEX);
	return 0;
}
