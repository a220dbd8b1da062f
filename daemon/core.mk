# Process system: channels and fd passing, supervisor, cache, list servers.
daemon_libdaemon_la_SOURCES +=
