/* utf8.c: being written */
