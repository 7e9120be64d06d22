#include "libc.h"
int main(int argc, char** argv) { (void)argc; printf("hello from %s\n", argv[0]); print_checksum(42); return 0; }
