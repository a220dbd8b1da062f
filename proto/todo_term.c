/* todo_term.c: being written */
