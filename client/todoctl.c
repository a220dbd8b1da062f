/* todoctl.c: being written. */
#include "config.h"
#include <stdio.h>
int main(void);
int
main(void)
{
	puts("todoctl " PACKAGE_VERSION);
	return 0;
}
