# Process environment: options, listening socket, data directory lock,
# pidfile, detaching, readiness notification, privileges, descriptors,
# the terminal of a foreground daemon that drops privileges.
daemon_libdaemon_la_SOURCES += \
	daemon/errbuf.h daemon/errbuf.c \
	daemon/options.c \
	daemon/listener.h daemon/listener.c \
	daemon/dirsafe.h daemon/dirsafe.c \
	daemon/pathname.h daemon/pathname.c \
	daemon/pathwalk.h daemon/pathwalk.c \
	daemon/datadir.h daemon/datadir.c \
	daemon/madedirs.h daemon/madedirs.c \
	daemon/pidfile.h daemon/pidfile.c \
	daemon/pidalive.h daemon/pidalive.c \
	daemon/notify.h daemon/notify.c \
	daemon/detach.h daemon/detach.c \
	daemon/earlylog.h daemon/earlylog.c \
	daemon/ttyguard.h daemon/ttyguard.c \
	daemon/privdrop.h daemon/privdrop.c \
	daemon/fdlimit.h daemon/fdlimit.c
