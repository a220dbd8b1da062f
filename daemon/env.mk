# Process environment: options, listening socket, data directory lock,
# pidfile, detaching, readiness notification, privileges.
daemon_libdaemon_la_SOURCES += \
	daemon/options.c
