# Storage: list model, list file term, store, workers and their journal
# (list names and their file names are in proto/).
daemon_libdaemon_la_SOURCES += \
	daemon/todolist.h daemon/todolist.c \
	daemon/listfile.h daemon/listfile.c \
	daemon/entryscan.h daemon/entryscan.c \
	daemon/store.h daemon/store.c \
	daemon/store_fault.h daemon/store_fault.c \
	daemon/journal.h daemon/journal.c \
	daemon/worker.h daemon/worker_int.h daemon/worker.c \
	daemon/worker_get.c daemon/worker_commit.c daemon/worker_state.c \
	daemon/worker_ckpt.c daemon/worker_recover.c \
	daemon/ckstream.h daemon/ckstream.c
