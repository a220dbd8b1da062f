/* todolist.c: being written */
