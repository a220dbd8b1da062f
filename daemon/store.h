/* store.h: being written */
