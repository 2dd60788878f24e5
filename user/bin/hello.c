/* hello: the smallest program, used to check that the user build and process entry work. */
#include <stdio.h>

int main(int argc, char** argv)
{
    printf("hello from user land: argc=%d", argc);
    for (int i = 0; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    return 0;
}
