// Command dwarfcgofixture links C code compiled by the system C compiler, whose DWARF uses forms Go
// never writes (strx, line_strp, implicit_const…), next to Go's own units.
package main

/*
#include <stdint.h>

struct c_pair { int32_t left; int64_t right; char tag[3]; };

struct c_pair c_global_pair = { 1, 2, "ab" };
uint64_t c_global_counter = 7;

__attribute__((noinline)) int64_t c_sum(struct c_pair *p, int64_t scale) {
	int64_t total = p->left * scale + p->right;
	for (int i = 0; i < 3; i++) total += p->tag[i];
	c_global_counter += total;
	return total;
}
*/
import "C"

import "fmt"

var GoCounter int64 = 3

func main() {
	fmt.Println(int64(C.c_sum(&C.c_global_pair, C.int64_t(GoCounter))), uint64(C.c_global_counter))
}
