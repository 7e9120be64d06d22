/* The guest kernel's system-call interface, shared by the kernel and the
 * libc. Numbers and calling convention are Linux x86-64's for every call the
 * kernel implements (arguments in rdi, rsi, rdx, r10, r8, r9; number in rax;
 * result or -errno in rax); unknown numbers return -ENOSYS.
 * SYS_vmsim_roi is vmsim's own: it turns the region-of-interest markers
 * into writes to the simulator-control port 0x0D10 (DESIGN §3). */
#ifndef VMSIM_SYSCALLS_H
#define VMSIM_SYSCALLS_H

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_brk 12
#define SYS_sched_yield 24
#define SYS_dup2 33
#define SYS_getpid 39
#define SYS_clone 56
#define SYS_fork 57
#define SYS_execve 59
#define SYS_exit 60
#define SYS_wait4 61
#define SYS_clock_gettime 228
#define SYS_exit_group 231
#define SYS_openat 257
#define SYS_pipe2 293

/* vmsim: ROI marker. rdi = VMSIM_ROI_BEGIN or VMSIM_ROI_END. */
#define SYS_vmsim_roi 1000
#define VMSIM_ROI_BEGIN 1
#define VMSIM_ROI_END 2

/* mmap/mprotect (Linux values). */
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
/* Ask for 2 MiB pages: the kernel places the mapping 2 MiB-aligned and maps
 * every 2 MiB-aligned, 2 MiB-sized part of it with one 2 MiB page (Linux's
 * MAP_HUGETLB value; no hugetlbfs is involved). */
#define MAP_HUGETLB 0x40000
#define MAP_FAILED ((void*)-1)

/* openat */
#define AT_FDCWD (-100)
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CLOEXEC 02000000

/* wait4 */
#define WNOHANG 1

/* clock_gettime: every clock id reads the same clock, the TSC at 1 tick =
 * 1 ns (on vmsim the TSC counts retired guest instructions). */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

/* errno values (Linux) */
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EEXIST 17
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ESPIPE 29
#define EPIPE 32
#define ENOSYS 38

#endif
