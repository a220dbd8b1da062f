# Storage: list model, list file term, file names, store, workers.
daemon_libdaemon_la_SOURCES += \
	daemon/todolist.h daemon/todolist.c \
	daemon/listfile.h daemon/listfile.c \
	daemon/names.h daemon/names.c \
	daemon/store.h daemon/store.c \
	daemon/worker.h daemon/worker.c
