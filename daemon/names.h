/* names.h: being written */
