# Process system: channels and fd passing, supervisor, cache, list servers.
daemon_libdaemon_la_SOURCES += \
	daemon/evadd.h daemon/evadd.c \
	daemon/chan.h daemon/chan.c \
	daemon/conn.h daemon/conn_int.h daemon/conn.c daemon/conn_outwait.c \
	daemon/linger.h daemon/linger.c \
	daemon/memtrim.h daemon/memtrim.c \
	daemon/proc.h daemon/proc.c \
	daemon/request.h daemon/request.c \
	daemon/reply.h daemon/reply.c \
	daemon/uidcount.h daemon/uidcount.c \
	daemon/route.h daemon/route_int.h daemon/route.c \
	daemon/route_wait.c daemon/route_watch.c daemon/route_reply.c \
	daemon/cache.h daemon/cache.c \
	daemon/listops.h daemon/listops.c \
	daemon/getreply.h daemon/getreply.c \
	daemon/pending.h daemon/pending.c \
	daemon/listsrv.h daemon/listsrv_int.h daemon/listsrv.c \
	daemon/listsrv_conn.c \
	daemon/spawner.h daemon/spawner.c \
	daemon/workerproc.h daemon/workerproc.c \
	daemon/supervisor.h daemon/supervisor_int.h daemon/supervisor.c \
	daemon/sup_start.c daemon/sup_spares.c daemon/sup_reap.c \
	daemon/sup_stop.c daemon/sup_watch.c \
	daemon/stallwatch.h daemon/stallwatch.c
