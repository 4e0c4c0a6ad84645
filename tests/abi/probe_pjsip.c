/*
 * Prints every offset, size and constant of pjproject that the PJSIP sensor relies on.
 * Built twice by tests/abi/check.sh: against our asterisk-headers/secast_pjsip.h, and against
 * the pjproject headers Asterisk was built with (tests/abi/pjproject-headers.sh) plus
 * Asterisk's res_pjsip.h; the two outputs must be identical.
 */
#include <stddef.h>
#include <stdio.h>

#ifdef SECAST_REAL_HEADERS
#include <pjsip.h>
#include <pjlib.h>
#include "asterisk.h"
#include "asterisk/res_pjsip.h"
#define SECAST_PJSIP_MAX_PKT_LEN PJSIP_MAX_PKT_LEN
#define SECAST_PJ_INET6_ADDRSTRLEN PJ_INET6_ADDRSTRLEN
#define SECAST_PJ_MAX_OBJ_NAME PJ_MAX_OBJ_NAME
#define SECAST_PJSIP_ACK_METHOD PJSIP_ACK_METHOD
#define SECAST_PJSIP_REQUEST_MSG PJSIP_REQUEST_MSG
#define SECAST_PJSIP_H_OTHER PJSIP_H_OTHER
#define SECAST_PJSIP_H_AUTHORIZATION PJSIP_H_AUTHORIZATION
#define SECAST_PJSIP_H_PROXY_AUTHORIZATION PJSIP_H_PROXY_AUTHORIZATION
#define SECAST_PJSIP_TRANSPORT_UDP PJSIP_TRANSPORT_UDP
#define SECAST_PJSIP_TRANSPORT_TCP PJSIP_TRANSPORT_TCP
#define SECAST_PJSIP_TRANSPORT_TLS PJSIP_TRANSPORT_TLS
#define SECAST_PJSIP_TRANSPORT_IPV6 PJSIP_TRANSPORT_IPV6
#define SECAST_PJ_VERSION_MAJOR PJ_VERSION_NUM_MAJOR
#define SECAST_PJ_VERSION_MINOR PJ_VERSION_NUM_MINOR
/* The functions the sensor looks up at run time must have the types it calls them with. */
#define SAME_TYPE(f, type) \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&f), type), #f " has another type")
SAME_TYPE(ast_sip_register_service, int (*)(pjsip_module *));
SAME_TYPE(ast_sip_unregister_service, void (*)(pjsip_module *));
SAME_TYPE(ast_sip_get_pjsip_endpoint, pjsip_endpoint *(*)(void));
SAME_TYPE(__ast_sip_push_task_wait_servant, int (*)(struct ast_taskprocessor *, int (*)(void *),
	void *, const char *, int, const char *));
SAME_TYPE(ast_sip_create_rdata, int (*)(pjsip_rx_data *, char *, const char *, int, char *,
	const char *, int));
SAME_TYPE(pj_get_version, const char *(*)(void));
SAME_TYPE(pjsip_endpt_create_pool, pj_pool_t *(*)(pjsip_endpoint *, const char *, pj_size_t,
	pj_size_t));
SAME_TYPE(pjsip_endpt_release_pool, void (*)(pjsip_endpoint *, pj_pool_t *));
SAME_TYPE(pjsip_endpt_respond_stateless, pj_status_t (*)(pjsip_endpoint *, pjsip_rx_data *, int,
	const pj_str_t *, const pjsip_hdr *, const pjsip_msg_body *));
#else
#include "secast_asterisk.h"
#endif

#define SIZE(t) printf("sizeof %-28s %zu\n", #t, sizeof(t))
#define OFF(t, f) printf("offset %-28s %-24s %zu\n", #t, #f, offsetof(t, f))
#define VALUE(v) printf("value  %-28s %ld\n", #v, (long)(v))

int main(void)
{
	printf("pj version %d.%d\n", SECAST_PJ_VERSION_MAJOR, SECAST_PJ_VERSION_MINOR);
	VALUE(SECAST_PJSIP_MAX_PKT_LEN);
	VALUE(SECAST_PJ_INET6_ADDRSTRLEN);
	VALUE(SECAST_PJ_MAX_OBJ_NAME);
	VALUE(SECAST_PJSIP_ACK_METHOD);
	VALUE(SECAST_PJSIP_REQUEST_MSG);
	VALUE(SECAST_PJSIP_H_OTHER);
	VALUE(SECAST_PJSIP_H_AUTHORIZATION);
	VALUE(SECAST_PJSIP_H_PROXY_AUTHORIZATION);
	VALUE(SECAST_PJSIP_TRANSPORT_UDP);
	VALUE(SECAST_PJSIP_TRANSPORT_TCP);
	VALUE(SECAST_PJSIP_TRANSPORT_TLS);
	VALUE(SECAST_PJSIP_TRANSPORT_IPV6);

	SIZE(pj_str_t);
	OFF(pj_str_t, ptr);
	OFF(pj_str_t, slen);
	SIZE(pj_sockaddr);
	OFF(pj_sockaddr, addr.sa_family);
	OFF(pj_sockaddr_in, sin_family);
	OFF(pj_sockaddr_in, sin_port);
	OFF(pj_sockaddr_in, sin_addr);
	OFF(pj_sockaddr_in6, sin6_family);
	OFF(pj_sockaddr_in6, sin6_port);
	OFF(pj_sockaddr_in6, sin6_addr);
	OFF(pj_sockaddr_in6, sin6_scope_id);

	SIZE(pjsip_module);
	OFF(pjsip_module, prev);
	OFF(pjsip_module, next);
	OFF(pjsip_module, name);
	OFF(pjsip_module, id);
	OFF(pjsip_module, priority);
	OFF(pjsip_module, load);
	OFF(pjsip_module, start);
	OFF(pjsip_module, stop);
	OFF(pjsip_module, unload);
	OFF(pjsip_module, on_rx_request);
	OFF(pjsip_module, on_rx_response);
	OFF(pjsip_module, on_tx_request);
	OFF(pjsip_module, on_tx_response);
	OFF(pjsip_module, on_tsx_state);

	OFF(pjsip_rx_data, tp_info.pool);
	OFF(pjsip_rx_data, tp_info.transport);
	OFF(pjsip_rx_data, pkt_info.packet);
	OFF(pjsip_rx_data, pkt_info.src_addr);
	OFF(pjsip_rx_data, pkt_info.src_name);
	OFF(pjsip_rx_data, pkt_info.src_port);
	OFF(pjsip_rx_data, msg_info.msg);
	OFF(pjsip_rx_data, msg_info.from);

	OFF(pjsip_transport, key.type);
	OFF(pjsip_transport, type_name);

	OFF(pjsip_msg, type);
	OFF(pjsip_msg, line.req.method.id);
	OFF(pjsip_msg, line.req.method.name);
	OFF(pjsip_msg, hdr);
	OFF(pjsip_hdr, prev);
	OFF(pjsip_hdr, next);
	OFF(pjsip_hdr, type);
	OFF(pjsip_hdr, name);
	OFF(pjsip_generic_string_hdr, hvalue);
	OFF(pjsip_fromto_hdr, uri);

	OFF(pjsip_uri, vptr);
	OFF(pjsip_uri_vptr, p_get_scheme);
	OFF(pjsip_uri_vptr, p_get_uri);
	OFF(pjsip_sip_uri, vptr);
	OFF(pjsip_sip_uri, user);
	return 0;
}
