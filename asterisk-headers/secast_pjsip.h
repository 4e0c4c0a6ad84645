/*
 * res_secast: the subset of pjproject 2.17 (as bundled and configured by Asterisk 22, x86_64)
 * that the PJSIP sensor reads. Written for this project from the layout facts of
 * docs/asterisk-abi.md §11; not a copy of pjproject's headers.
 *
 * Struct tags and field names follow pjproject's so that tests/abi/probe_pjsip.c compiles the
 * same offset probe against this file and against the real pjproject headers with Asterisk's
 * config_site.h, and compares the two. Structs we only read a prefix of are declared up to
 * the last field we read: their sizeof is never used (pjproject allocates them).
 *
 * Layout depends on the build: PJSIP_MAX_PKT_LEN (65535 in Asterisk's config_site.h) moves
 * every field after pkt_info.packet. The sensor also checks the running build at load
 * (src/host/ffi/pjsip_selfcheck.rs) and stays off on any mismatch.
 */
#ifndef SECAST_PJSIP_H
#define SECAST_PJSIP_H

#include <stdint.h>

/* The pjproject release these layouts are for (pj_get_version() must say "2.17"). */
#define SECAST_PJ_VERSION_MAJOR 2
#define SECAST_PJ_VERSION_MINOR 17

/* Asterisk's config_site.h */
#define SECAST_PJSIP_MAX_PKT_LEN 65535
#define SECAST_PJ_INET6_ADDRSTRLEN 46
#define SECAST_PJ_MAX_OBJ_NAME 32

typedef int pj_bool_t;
typedef int pj_status_t;

typedef struct pj_str_t {
	char *ptr;
	long slen;
} pj_str_t;

typedef struct pj_time_val {
	long sec;
	long msec;
} pj_time_val;

/* Linux: no sa_len, families and ports as in the kernel's sockaddr_in / sockaddr_in6. */
typedef struct pj_sockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port;
	uint32_t sin_addr;
	char sin_zero_pad[8];
} pj_sockaddr_in;

typedef struct pj_sockaddr_in6 {
	uint16_t sin6_family;
	uint16_t sin6_port;
	uint32_t sin6_flowinfo;
	uint8_t sin6_addr[16];
	uint32_t sin6_scope_id;
} pj_sockaddr_in6;

typedef struct pj_addr_hdr {
	uint16_t sa_family;
} pj_addr_hdr;

typedef union pj_sockaddr {
	pj_addr_hdr addr;
	pj_sockaddr_in ipv4;
	pj_sockaddr_in6 ipv6;
} pj_sockaddr;

/* ---- sip_module.h: the service we register ---------------------------------------------- */

struct pjsip_rx_data;
struct pjsip_tx_data;
struct pjsip_transaction;
struct pjsip_event;
struct pjsip_endpoint;
struct pj_pool_t;
struct pjsip_msg_body;
struct ast_taskprocessor;

typedef struct pjsip_module {
	struct pjsip_module *prev; /* written by pjsip */
	struct pjsip_module *next; /* written by pjsip */
	pj_str_t name;
	int id; /* written by pjsip */
	int priority;
	pj_status_t (*load)(struct pjsip_endpoint *endpt);
	pj_status_t (*start)(void);
	pj_status_t (*stop)(void);
	pj_status_t (*unload)(void);
	pj_bool_t (*on_rx_request)(struct pjsip_rx_data *rdata);
	pj_bool_t (*on_rx_response)(struct pjsip_rx_data *rdata);
	pj_status_t (*on_tx_request)(struct pjsip_tx_data *tdata);
	pj_status_t (*on_tx_response)(struct pjsip_tx_data *tdata);
	void (*on_tsx_state)(struct pjsip_transaction *tsx, struct pjsip_event *event);
} pjsip_module;

/* ---- sip_uri.h: the From URI's user ----------------------------------------------------- */

typedef struct pjsip_uri_vptr {
	const pj_str_t *(*p_get_scheme)(const void *uri);
	void *(*p_get_uri)(void *uri);
	/* p_print, p_compare, p_clone follow; never called */
} pjsip_uri_vptr;

typedef struct pjsip_uri {
	pjsip_uri_vptr *vptr;
} pjsip_uri;

/* A sip: or sips: URI, read only up to the user part. */
typedef struct pjsip_sip_uri {
	pjsip_uri_vptr *vptr;
	pj_str_t user;
} pjsip_sip_uri;

/* ---- sip_msg.h: request line and headers ------------------------------------------------ */

/* pjsip_method_e: only ACK is told apart (never answered, as res_pjsip_acl). */
#define SECAST_PJSIP_ACK_METHOD 2
/* pjsip_msg_type_e */
#define SECAST_PJSIP_REQUEST_MSG 0
/* pjsip_hdr_e: the generic string header the parser makes for User-Agent; the parsed
 * credentials of an answered challenge */
#define SECAST_PJSIP_H_OTHER 44
#define SECAST_PJSIP_H_AUTHORIZATION 6
#define SECAST_PJSIP_H_PROXY_AUTHORIZATION 27

typedef struct pjsip_method {
	int id;
	pj_str_t name;
} pjsip_method;

typedef struct pjsip_request_line {
	pjsip_method method;
	pjsip_uri *uri;
} pjsip_request_line;

typedef struct pjsip_status_line {
	int code;
	pj_str_t reason;
} pjsip_status_line;

typedef struct pjsip_hdr {
	struct pjsip_hdr *prev;
	struct pjsip_hdr *next;
	int type;
	pj_str_t name;
	pj_str_t sname;
	void *vptr;
} pjsip_hdr;

typedef struct pjsip_generic_string_hdr {
	struct pjsip_generic_string_hdr *prev;
	struct pjsip_generic_string_hdr *next;
	int type;
	pj_str_t name;
	pj_str_t sname;
	void *vptr;
	pj_str_t hvalue;
} pjsip_generic_string_hdr;

typedef struct pjsip_fromto_hdr {
	struct pjsip_fromto_hdr *prev;
	struct pjsip_fromto_hdr *next;
	int type;
	pj_str_t name;
	pj_str_t sname;
	void *vptr;
	pjsip_uri *uri;
} pjsip_fromto_hdr;

typedef struct pjsip_msg {
	int type;
	union {
		pjsip_request_line req;
		pjsip_status_line status;
	} line;
	pjsip_hdr hdr; /* list head: hdr.next is the first header, &hdr ends the list */
	void *body;
} pjsip_msg;

/* ---- sip_transport.h: the received packet ----------------------------------------------- */

/* pjsip_transport_type_e; IPv6 variants have bit 128 set. WS/WSS are registered at run time
 * by Asterisk with higher numbers, and are told apart by type_name. */
#define SECAST_PJSIP_TRANSPORT_UDP 1
#define SECAST_PJSIP_TRANSPORT_TCP 2
#define SECAST_PJSIP_TRANSPORT_TLS 3
#define SECAST_PJSIP_TRANSPORT_IPV6 128

typedef struct pjsip_transport_key {
	long type;
	pj_sockaddr rem_addr;
} pjsip_transport_key;

/* Read up to type_name. */
typedef struct pjsip_transport {
	char obj_name[SECAST_PJ_MAX_OBJ_NAME];
	struct pj_pool_t *pool;
	void *ref_cnt;
	void *lock;
	void *grp_lock;
	pj_bool_t tracing;
	pj_bool_t is_shutdown;
	pj_bool_t is_destroying;
	pjsip_transport_key key;
	char *type_name;
} pjsip_transport;

typedef struct pj_ioqueue_op_key_t {
	void *internal__[32];
	void *activesock_data;
	void *user_data;
} pj_ioqueue_op_key_t;

typedef struct pjsip_rx_data_op_key {
	pj_ioqueue_op_key_t op_key;
	struct pjsip_rx_data *rdata;
} pjsip_rx_data_op_key;

/* Read up to msg_info.from. */
typedef struct pjsip_rx_data {
	struct {
		struct pj_pool_t *pool;
		pjsip_transport *transport;
		void *tp_data;
		pjsip_rx_data_op_key op_key;
	} tp_info;
	struct {
		pj_time_val timestamp;
		char packet[SECAST_PJSIP_MAX_PKT_LEN];
		uint32_t zero;
		long len;
		pj_sockaddr src_addr;
		int src_addr_len;
		char src_name[SECAST_PJ_INET6_ADDRSTRLEN];
		int src_port;
	} pkt_info;
	struct {
		char *msg_buf;
		int len;
		pjsip_msg *msg;
		char *info;
		void *cid;
		pjsip_fromto_hdr *from;
	} msg_info;
} pjsip_rx_data;

/* ---- what is looked up at run time (dlsym): res_pjsip.so and Asterisk's pjproject ------- */

typedef int (*secast_sip_register_service_fn)(pjsip_module *module);
typedef void (*secast_sip_unregister_service_fn)(pjsip_module *module);
typedef struct pjsip_endpoint *(*secast_sip_get_pjsip_endpoint_fn)(void);
typedef int (*secast_sip_push_task_wait_servant_fn)(struct ast_taskprocessor *serializer,
	int (*sip_task)(void *), void *task_data, const char *file, int line, const char *function);
typedef int (*secast_sip_create_rdata_fn)(pjsip_rx_data *rdata, char *packet,
	const char *src_name, int src_port, char *transport_type, const char *local_name,
	int local_port);
typedef const char *(*secast_pj_get_version_fn)(void);
typedef struct pj_pool_t *(*secast_pjsip_endpt_create_pool_fn)(struct pjsip_endpoint *endpt,
	const char *pool_name, size_t initial, size_t increment);
typedef void (*secast_pjsip_endpt_release_pool_fn)(struct pjsip_endpoint *endpt,
	struct pj_pool_t *pool);
typedef pj_status_t (*secast_pjsip_endpt_respond_stateless_fn)(struct pjsip_endpoint *endpt,
	pjsip_rx_data *rdata, int st_code, const pj_str_t *st_text, const pjsip_hdr *hdr_list,
	const struct pjsip_msg_body *body);

#endif
