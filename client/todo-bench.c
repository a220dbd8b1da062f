/* todo-bench.c: being written. */
#include "config.h"
#include <stdio.h>
int main(void);
int
main(void)
{
	puts("todo-bench " PACKAGE_VERSION);
	return 0;
}
