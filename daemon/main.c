/* main.c: todod, being written. */
#include "config.h"
#include <stdio.h>
int main(void);
int
main(void)
{
	puts("todod " PACKAGE_VERSION);
	return 0;
}
