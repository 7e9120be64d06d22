/* Instructions vmsim's CPU lacks: check-insns.sh must reject this object. */
        .text
        .globl  bad_insns
bad_insns:
        vaddps  %ymm0, %ymm1, %ymm2
        fldz
        paddq   %xmm0, %xmm1
        fxsave  (%rax)
        rdrand  %eax
        ret
        .section .note.GNU-stack, "", @progbits
