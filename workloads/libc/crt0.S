/* _start: the kernel enters with rsp at argc (System V ABI 3.4.1):
 * argc, argv[0..argc-1], NULL, envp..., NULL, auxv. */
        .text
        .globl  _start
_start:
        xor     %ebp, %ebp
        mov     (%rsp), %rdi            /* argc */
        lea     8(%rsp), %rsi           /* argv */
        lea     8(%rsi,%rdi,8), %rdx    /* envp */
        and     $-16, %rsp
        call    main
        mov     %eax, %edi
        call    exit
        hlt
        .section .note.GNU-stack, "", @progbits
