/* listfile.c: being written */
