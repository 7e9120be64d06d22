        .intel_syntax noprefix
# Entry of the demo guest (direct ELF64 boot: CPL 0, long mode, RDI = boot info).
        .section .text.start, "ax"
        .globl _start
_start:
        lea     rsp, [rip + stack_top]
        call    demo_main
        mov     edi, eax
        call    demo_exit

        .section .bss
        .balign 16
stack:  .skip   65536
stack_top:
        .section .note.GNU-stack, "", @progbits
