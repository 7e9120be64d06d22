/* Self-modifying code: vmsim caches decoded instructions per physical code
 * page and must notice every write to one: a store to the next instruction,
 * a rewritten function, and a write through an alias mapping of the frame. */
#include "guest.h"

typedef uint64_t (*fn_t)(void);

/* mov $imm32, %eax; ret */
static void emit_ret_imm(uint8_t* p, uint32_t imm) {
  p[0] = 0xB8;
  memcpy_(p + 1, &imm, 4);
  p[5] = 0xC3;
}

static uint64_t next_insn(void) {
  uint64_t r;
  /* The store patches the immediate of the very next instruction. */
  __asm__ volatile(
      "movb $0x22, 1f+1(%%rip)\n"
      "1: mov $0x11, %%al\n"
      "movzbl %%al, %%eax\n"
      : "=a"(r)
      :
      : "memory");
  return r;
}

void guest_main(int proto) {
  (void)proto;
  /* A code buffer in data memory (the boot map is executable). */
  uint8_t* code = (uint8_t*)alloc_frame();
  emit_ret_imm(code, 1);
  CHECK_EQ(((fn_t)code)(), 1);
  emit_ret_imm(code, 2);
  CHECK_EQ(((fn_t)code)(), 2);
  for (uint32_t i = 3; i < 20; ++i) { /* the same page, rewritten repeatedly */
    code[1] = (uint8_t)i;
    CHECK_EQ(((fn_t)code)(), i);
  }

  /* Straight-line code patching its next instruction: the .text page is
   * written while it executes (twice, the second run sees 0x22 already). */
  CHECK_EQ(next_insn(), 0x22);
  CHECK_EQ(next_insn(), 0x22);

  /* An alias: the frame mapped at TEST_VA too; write through one address,
   * execute through the other. */
  const uint64_t pml4 = new_address_space();
  map_page(pml4, TEST_VA, (uint64_t)code, SIZE_4K, PTE_P | PTE_W);
  write_cr3(pml4);
  CHECK_EQ(((fn_t)TEST_VA)(), 19);
  ((uint8_t*)TEST_VA)[1] = 42;
  CHECK_EQ(((fn_t)code)(), 42);
  code[1] = 43;
  CHECK_EQ(((fn_t)TEST_VA)(), 43);
  report("smc_ok", g_failures == 0);
}
